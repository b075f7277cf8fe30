-- ccrm schema, migration 051: one's own chat message is edited only while one may see its
-- record.
--
-- own_edit (005) checked only the writer. A partner whose account was unshared could still
-- rewrite the messages he had written on its records (an UPDATE with no WHERE and no
-- RETURNING reads through no SELECT policy), and the change was announced to the account's
-- internal users. The rule is now the one reading and writing use: the writer, and
-- ccrm_record_exists() as the caller. (Deleting goes through ccrm_delete(), which applies the
-- same rule: schema/functions/20_records.sql.)
DROP POLICY own_edit ON chat_messages;
CREATE POLICY own_edit ON chat_messages FOR UPDATE TO ccrm_internal, ccrm_partner
    USING (created_by = current_user
           AND ccrm_record_exists(chat_messages.entity, chat_messages.entity_id))
    WITH CHECK (created_by = current_user
                AND ccrm_record_exists(chat_messages.entity, chat_messages.entity_id));
