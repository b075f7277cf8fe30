-- ccrm schema, migration 094: a digest is never due in the future.
--
-- ccrm_digest_due() took the person's digest time of today when it had passed in local time;
-- around a clock change (digest_at 02:30 in Europe/Berlin on the spring Sunday, which has no
-- 02:30, or the autumn one, which has it twice) that time read in UTC could still be to come.
-- The scheduler then wrote the digest early with a due time to come, and quiet entries that
-- arrived between fell before the next digest's window: no digest listed them. When today's
-- time is still to come in UTC, the last one due is yesterday's. Function change only
-- (schema/functions/90_service.sql); this file moves the version.
SELECT 1;
