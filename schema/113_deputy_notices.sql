-- ccrm schema, migration 113: SLA notices reach the deputy of an assignee who is away.
--
-- ccrm_tick() announced a breach to the ticket's assignee, their team lead and the policy's
-- escalate_to, and a warning to the assignee and their lead: an assignee on holiday got them
-- in an Inbox nobody read, while the deputy their absence names, who looks after their work,
-- heard nothing. The deputy now gets both while the absence lasts (staff only, as the others).
--
-- Function change only (schema/functions/90_service.sql); this file moves the version.
SELECT 1;
