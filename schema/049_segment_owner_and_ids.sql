-- ccrm schema, migration 049: a segment's owner is someone who may own it, and a partner
-- chooses no segment id.
--
-- Migration 045 checked the owner of eight tables but not of segments, so a marketing user
-- could name a partner (or a login that does not exist) as a segment's owner, and the partner
-- could then delete that internal segment, which he cannot even read, with ccrm_delete (the
-- owner may delete). ccrm_owner_check (schema/functions/90_service.sql) now holds for segments
-- as for the others.
--
-- Partners held INSERT on the whole of segments, so `OVERRIDING SYSTEM VALUE` let them choose
-- the id: a duplicate-key error on an id told them an internal segment had it, and a row at an
-- id the sequence had not reached yet would make someone's later insert fail. Their INSERT is
-- now on the columns they fill in (as on tickets and interactions, 004).
CREATE TRIGGER ccrm_owner_check BEFORE INSERT ON segments FOR EACH ROW
    WHEN (NEW.owner IS NOT NULL) EXECUTE FUNCTION ccrm_owner_check('owner');
CREATE TRIGGER ccrm_owner_change BEFORE UPDATE OF owner ON segments FOR EACH ROW
    WHEN (NEW.owner IS NOT NULL AND NEW.owner IS DISTINCT FROM OLD.owner)
    EXECUTE FUNCTION ccrm_owner_check('owner');

REVOKE INSERT ON segments FROM ccrm_partner;
GRANT INSERT (name, description, definition, owner) ON segments TO ccrm_partner;
