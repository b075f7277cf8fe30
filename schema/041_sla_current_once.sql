-- ccrm schema, migration 041: an interaction's SLA bookkeeping once per statement
-- (docs/performance.md, "Mail"). ccrm_sla_interaction (schema/functions/90_service.sql), the
-- statement trigger on interactions, marked each ticket's current clock (ccrm_sla_current, an
-- UPDATE planned afresh) once per row: a mail import of 5,000 new tickets ran it 5,000 times
-- (about 0.12 ms each) although a question on a ticket that already waits for an answer
-- changes no clock. It now marks them once, at the end, for the tickets whose clocks changed.
-- No table changes; this file makes clients' version check ask for --migrate, which brings
-- the new definition.
COMMENT ON FUNCTION ccrm_sla_interaction() IS
    'AFTER INSERT on interactions (statement): response clocks met or started, the current clock marked once per statement (041)';
