-- ccrm schema, migration 064: a mail's subject fits the index of subject threading.
--
-- messages_sender_idx (017) held the whole subject key beside the sender's address, and a
-- btree entry holds at most 2,704 bytes: a mail whose subject was long (3,000 letters, or the
-- 4,000 characters of ten thousand RFC 2047 words the parser keeps) could never be stored.
-- The delivery failed with SQLSTATE 54000, which the pipe took for a passing failure (exit
-- 75), so the mail server kept trying for days and then bounced it, and a history import
-- with one such mail failed whole. The index now holds the key's first 200 characters (800
-- bytes at most; the sender's address, at most 254 octets since ccrm_mail_sender, beside it);
-- subject threading compares that start on the index and the whole key on the row
-- (ccrm_mail_store, ccrm_mail_store_set in schema/functions/90_mail.sql).
DROP INDEX messages_sender_idx;
CREATE INDEX messages_sender_idx ON messages (from_addr, (left(subject_key, 200)), received_at DESC)
    WHERE direction = 'in';
