-- ccrm schema, migration 040: a cheaper routed ticket (docs/performance.md, "Responsibility and
-- time"). The person a new ticket is routed to is told in their inbox (ccrm_route_notify,
-- ccrm_inbox_deliver in schema/functions/90_service.sql); that line and its event were each
-- queued for their list's search blocks by a statement trigger of its own table, two more
-- trigger calls and statements for every routed insert. ccrm_inbox_deliver now queues both in
-- the statement that writes them, and the two queueing triggers stand aside for that statement
-- as the inbox's logging trigger does (schema/032: the transaction-local setting
-- ccrm.inbox_logged, set only by the owner's functions around their own insert). Every other
-- insert into inbox or events is queued by the triggers as before; the functions that write
-- events for every other write (ccrm_log_changes, ccrm_import_event) turn the setting off
-- when they find it on, so a person's own setting cannot keep their events from the queue.
DROP TRIGGER ccrm_search_block_insert ON inbox;
CREATE TRIGGER ccrm_search_block_insert AFTER INSERT ON inbox
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    WHEN (pg_catalog.current_setting('ccrm.inbox_logged', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION ccrm_search_block_note('inbox_newest');
ALTER TABLE inbox ENABLE ALWAYS TRIGGER ccrm_search_block_insert;
DROP TRIGGER ccrm_search_block_insert ON events;
CREATE TRIGGER ccrm_search_block_insert AFTER INSERT ON events
    REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT
    WHEN (pg_catalog.current_setting('ccrm.inbox_logged', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION ccrm_search_block_note('events_newest');
ALTER TABLE events ENABLE ALWAYS TRIGGER ccrm_search_block_insert;

-- Routing compared every rule's product and topic folded (ccrm_fold, a plpgsql call each) for
-- every new ticket and lead; the rules now keep them folded (ccrm_route_rules reads these).
ALTER TABLE responsibilities
    ADD COLUMN product_key text GENERATED ALWAYS AS (ccrm_fold(product)) STORED,
    ADD COLUMN topic_key text GENERATED ALWAYS AS (ccrm_fold(topic)) STORED;

-- A new ticket's SLA clocks were timed by four calls of ccrm_business_add (two statements
-- each); ccrm_sla_start now times them in its own statement.
-- ccrm_business_adds(): schema/functions/90_service.sql (new; ccrm_business_add and
-- ccrm_sla_start read it). ccrm_search_blocks_queued(): schema/functions/80_search.sql (new).
