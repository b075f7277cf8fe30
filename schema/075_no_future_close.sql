-- ccrm schema, migration 075: a won or lost deal's close date is a day that has come.
--
-- ccrm_rule_deal_won (schema/functions/20_records.sql) kept any close date a writer gave with
-- won or lost, one still ahead too, and the demo data closed deals up to three months ahead:
-- the Pipeline report showed "Feb 2027 won" in December 2026. The rule now refuses such a
-- date (for every writer; a row put back as it was keeps its own).
--
-- 1. The won and lost deals already dated after their last writer's today get the day they
--    entered their stage, as migration 073 dated those with none: the last write that moved
--    them into won or lost (or inserted them so), from the audit trail, in its writer's time
--    zone; without one, the day of their last change; never after that today. Written as the
--    rule would have written it then: not stamped as a change of today (the version and the
--    last change stay, so no open form conflicts), not audited as a new change, nobody
--    notified. (Before part 2: the rule's trigger does not fire on a change of close_date yet,
--    and its today, this session's, may be a day behind a writer's.)
ALTER TABLE opportunities DISABLE TRIGGER ccrm_stamp;
ALTER TABLE opportunities DISABLE TRIGGER ccrm_log_upd;
ALTER TABLE opportunities DISABLE TRIGGER ccrm_follow_notify;
UPDATE opportunities o
   SET close_date = least(
           coalesce(
               (SELECT (a.at AT TIME ZONE ccrm_user_tz(a.actor))::date
                  FROM audit a
                 WHERE a.entity = 'opportunities' AND a.entity_id = o.id
                   AND a.op IN ('insert', 'update') AND a.new_row ->> 'stage' = o.stage
                   AND (a.op = 'insert' OR a.old_row ->> 'stage' IS DISTINCT FROM o.stage)
                 ORDER BY a.id DESC LIMIT 1),
               (o.updated_at AT TIME ZONE ccrm_user_tz(o.updated_by))::date),
           (now() AT TIME ZONE ccrm_user_tz(o.updated_by))::date)
 WHERE o.stage IN ('won', 'lost')
   AND o.close_date > (now() AT TIME ZONE ccrm_user_tz(o.updated_by))::date;
ALTER TABLE opportunities ENABLE TRIGGER ccrm_stamp;
ALTER TABLE opportunities ENABLE TRIGGER ccrm_log_upd;
ALTER TABLE opportunities ENABLE TRIGGER ccrm_follow_notify;

-- 2. A closed deal's date may not be moved ahead later either: the rule's trigger fires on a
--    change of close_date too, not only of the stage (a write that changes neither still pays
--    nothing for it).
DROP TRIGGER ccrm_rule_stage ON opportunities;
CREATE TRIGGER ccrm_rule_stage BEFORE INSERT OR UPDATE OF stage, close_date ON opportunities
    FOR EACH ROW EXECUTE FUNCTION ccrm_rule_deal_won();
