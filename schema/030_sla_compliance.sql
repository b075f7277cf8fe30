-- SLA compliance counted right: of the clocks that are decided (met, or breached while still
-- running), the share met in time. 019's view divided every clock not breached, the running
-- ones included, by the decided ones: ten running first-response clocks of which four had
-- breached showed as 150 % in time on the Dashboard.
CREATE OR REPLACE VIEW sla_compliance WITH (security_invoker = true) AS
SELECT k.kind,
       count(*) AS clocks,
       count(*) FILTER (WHERE k.met_at IS NOT NULL) AS met,
       count(*) FILTER (WHERE k.met_at IS NOT NULL AND k.breached_at IS NULL) AS met_in_time,
       count(*) FILTER (WHERE k.met_at IS NULL) AS open,
       count(*) FILTER (WHERE k.met_at IS NULL AND k.breached_at IS NOT NULL) AS open_breached,
       round(100.0 * count(*) FILTER (WHERE k.met_at IS NOT NULL AND k.breached_at IS NULL)
             / nullif(count(*) FILTER (WHERE k.met_at IS NOT NULL OR k.breached_at IS NOT NULL), 0),
             1) AS percent_in_time
  FROM sla_clocks k
 WHERE k.started_at > now() - interval '30 days'
 GROUP BY k.kind;
