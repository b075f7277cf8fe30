-- ccrm schema, migration 083: advisory lock keys that nobody outside the system can compute.
--
-- Several functions serialise their writers with advisory locks: one writer at a time per
-- (person, kind, record) on an Inbox line (ccrm_inbox_deliver), per outgoing mail while it is
-- sent (the outbox's claim), per Message-ID while it is stored, per digest and reminder in the
-- scheduler. Their keys were hashtextextended('ccrm inbox kenji change tickets 8', 0): every
-- part guessable, and any role may take any advisory lock. So a partner could hold the key
-- of a notice about a record it cannot see, and every staff write that notified that person
-- about that record waited on the partner until its lock_timeout and failed; or hold the key
-- of the next outgoing mails, and `ccrm --send-mail` skipped them for as long as it liked.
--
-- Now every such key is ccrm_lock_key(text) (schema/functions/05_tables.sql): the same text
-- hashed with this database's own secret seed, kept in lock_seed, which nobody but the owner
-- may read. The function runs as the owner; staff and the mail login may call it (their own
-- functions take these locks as the caller), partners may not. The client's own locks (the
-- migration's, an import's per table) stay as they were: docs/security.md §6.
CREATE TABLE lock_seed (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    seed bigint  NOT NULL
);
-- 60 random bits of gen_random_uuid() (a v4 uuid: all random but its version and variant)
INSERT INTO lock_seed (seed)
SELECT ('x' || substr(replace(gen_random_uuid()::text, '-', ''), 1, 12)
             || substr(replace(gen_random_uuid()::text, '-', ''), 17, 4))::bit(64)::bigint;
SELECT ccrm_secure_table('lock_seed'::regclass);
CREATE POLICY partner_none ON lock_seed FOR SELECT TO ccrm_partner USING (false);
