-- ccrm schema, migration 073: rules the database keeps for every writer, psql included.
--
-- 1. A timeline entry says something: a subject or a note (body). The client's form asked for
--    one, but psql and other writers could store an interaction with neither, which the
--    timeline shows as an empty "note:". An e-mail that came in or went out through the mail
--    (kind and channel email: every mail path writes those) is the one exception: its message
--    is stored beside it (messages, with its attachments), and a mail with an empty subject
--    and text, a scanned letter sent as a bare attachment, is still a mail that arrived.
--    Blank text (spaces, tabs, line breaks) is no text. A trigger, not a CHECK: rows stored
--    before stay as they were, and so do the writes that do not touch their text: a record's
--    deletion setting their link to NULL, a merge moving them to the survivor, an unmerge or
--    an import's revert putting them back (ccrm_restoring_what()). A CHECK, even NOT VALID,
--    is checked on every update of the row: deleting a contact with an old empty call failed.
--    (ccrm_interaction_says_something, schema/functions/20_records.sql.)
CREATE TRIGGER ccrm_interaction_says_something
    BEFORE INSERT OR UPDATE OF subject, body, kind, channel ON interactions
    FOR EACH ROW EXECUTE FUNCTION ccrm_interaction_says_something();

-- 2. A closed deal's close date is the day it was won or lost (ccrm_rule_deal_won sets it now),
--    but deals closed before that rule kept none, and the reports counted
--    them by their creation (pipeline) or their last change (win rate), whatever that was. Each
--    gets the day it entered its stage, as the audit trail has it (the last write that moved
--    it into won or lost, or inserted it so), in its writer's time zone as the rule counts
--    days; without one, the day of its last change. Written as the rule would have written
--    it then: not stamped as a change of today (the version and the last change stay, so no
--    open form conflicts), not audited as a new change, nobody notified.
ALTER TABLE opportunities DISABLE TRIGGER ccrm_stamp;
ALTER TABLE opportunities DISABLE TRIGGER ccrm_log_upd;
ALTER TABLE opportunities DISABLE TRIGGER ccrm_follow_notify;
UPDATE opportunities o
   SET close_date = coalesce(
           (SELECT (a.at AT TIME ZONE ccrm_user_tz(a.actor))::date
              FROM audit a
             WHERE a.entity = 'opportunities' AND a.entity_id = o.id
               AND a.op IN ('insert', 'update') AND a.new_row ->> 'stage' = o.stage
               AND (a.op = 'insert' OR a.old_row ->> 'stage' IS DISTINCT FROM o.stage)
             ORDER BY a.id DESC LIMIT 1),
           (o.updated_at AT TIME ZONE ccrm_user_tz(o.updated_by))::date)
 WHERE o.stage IN ('won', 'lost') AND o.close_date IS NULL;
ALTER TABLE opportunities ENABLE TRIGGER ccrm_stamp;
ALTER TABLE opportunities ENABLE TRIGGER ccrm_log_upd;
ALTER TABLE opportunities ENABLE TRIGGER ccrm_follow_notify;

-- 3. SLA compliance by the times themselves. A clock counted as breached only once the
--    scheduler (ccrm --tick) had marked it (breached_at): a ticket answered or solved after
--    its due time while the scheduler was not running counted as met in time, and an open
--    clock past due as not yet decided. Now a met clock is late when it was met after its due
--    time, an open one when its due time has passed, and either when it was marked (a clock
--    paused after its due time has none: ccrm_sla_stop marked it). The Dashboard's SLA line
--    reads this view (src/db/service.c), so the two cannot disagree.
CREATE OR REPLACE VIEW sla_compliance WITH (security_invoker = true) AS
SELECT k.kind,
       count(*) AS clocks,
       count(*) FILTER (WHERE k.met_at IS NOT NULL) AS met,
       count(*) FILTER (WHERE k.met_at IS NOT NULL AND NOT k.late) AS met_in_time,
       count(*) FILTER (WHERE k.met_at IS NULL) AS open,
       count(*) FILTER (WHERE k.met_at IS NULL AND k.late) AS open_breached,
       round(100.0 * count(*) FILTER (WHERE k.met_at IS NOT NULL AND NOT k.late)
             / nullif(count(*) FILTER (WHERE k.met_at IS NOT NULL OR k.late), 0),
             1) AS percent_in_time
  FROM (SELECT c.kind, c.met_at,
               coalesce(c.breached_at IS NOT NULL
                        OR (c.met_at IS NOT NULL AND c.met_at > c.due_at)
                        OR (c.met_at IS NULL AND c.due_at <= now()), false) AS late
          FROM sla_clocks c
         WHERE c.started_at > now() - interval '30 days') k
 GROUP BY k.kind;
