-- ccrm schema, migration 035: the list of the records one follows (`:following` in the client).
-- Nothing changes in the tables: ccrm_following() (schema/functions/94_following.sql) asks the
-- followers' one rule (ccrm_followers, 90_service.sql) which records the caller follows, under
-- the caller's row-level security. Anyone may call it (PostgreSQL's default): it returns only
-- the caller's own, and only what the caller may read. This migration marks the schema version
-- that has it, so that older clients are told to upgrade and newer ones to --migrate.
COMMENT ON FUNCTION ccrm_following() IS
    'the records the caller follows (watching, or owner/assignee unless unwatched), read under '
    'the caller''s row-level security';
