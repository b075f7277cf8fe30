-- ccrm schema, migration 047: events follow a row's visibility when it narrows.
--
-- A comment made shared and then internal again, or a shared interaction turned internal note,
-- kept its earlier events under its account, so a partner still read their summaries (the
-- comment's text) in the Feed and `events`, though the row itself was hidden from him. And a
-- comment on an internal note was filed under the note's account (ccrm_record_account now
-- files what hangs off an internal note under no account: schema/functions/20_records.sql).
-- ccrm_events_narrow (schema/functions/30_events.sql) re-files a row's past events when it
-- narrows; the events written before this migration are re-filed here once.
CREATE TRIGGER ccrm_events_narrow AFTER UPDATE OF visibility ON comments
    FOR EACH ROW WHEN (OLD.visibility IS DISTINCT FROM NEW.visibility)
    EXECUTE FUNCTION ccrm_events_narrow();
CREATE TRIGGER ccrm_events_narrow AFTER UPDATE OF visibility ON chat_messages
    FOR EACH ROW WHEN (OLD.visibility IS DISTINCT FROM NEW.visibility)
    EXECUTE FUNCTION ccrm_events_narrow();
CREATE TRIGGER ccrm_events_narrow AFTER UPDATE OF visibility, kind ON interactions
    FOR EACH ROW WHEN (OLD.visibility IS DISTINCT FROM NEW.visibility OR OLD.kind IS DISTINCT FROM NEW.kind)
    EXECUTE FUNCTION ccrm_events_narrow();

UPDATE events e SET account_id = NULL
 WHERE e.entity IN ('comments', 'chat_messages') AND e.account_id IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM comments c
                    WHERE e.entity = 'comments' AND c.id = e.entity_id AND c.visibility = 'shared'
                      AND ccrm_record_account(c.entity, c.entity_id) IS NOT NULL)
   AND NOT EXISTS (SELECT 1 FROM chat_messages c
                    WHERE e.entity = 'chat_messages' AND c.id = e.entity_id
                      AND c.visibility = 'shared'
                      AND ccrm_record_account(c.entity, c.entity_id) IS NOT NULL);
UPDATE events e SET account_id = NULL
 WHERE e.entity = 'interactions' AND e.account_id IS NOT NULL
   AND EXISTS (SELECT 1 FROM interactions i
                WHERE i.id = e.entity_id AND i.kind = 'note' AND i.visibility = 'internal');
