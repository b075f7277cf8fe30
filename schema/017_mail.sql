-- ccrm schema, migration 017: e-mail as a channel (docs/mail.md). Tables, indexes, triggers,
-- policies and grants; the functions are in schema/functions/90_mail.sql.
--
-- * mail_queues: what an address of ours (support@, sales@) does with a new mail: a ticket, or
--   a lead (an interaction on the sender's open deal when it has one); who gets it; From and
--   Reply-To of our answers; reopening; the subject window; the loop guard. Read by staff,
--   changed by admins only.
-- * messages: every mail in and out. message_id (the RFC 5322 Message-ID, without <>) is
--   unique: storing is idempotent, also when two deliveries race. Outgoing mail is an outbox
--   (status queued -> sending -> sent, failures retried, 'failed' after ten attempts).
-- * attachments: name, type, size always; content when it was within the configured limit.
-- * Every stored mail is also an interaction (kind and channel 'email', direction in/out), so it
--   shows on every customer 360 timeline and in the Leads view's latest-activity column.
--
-- Routing and threading are SQL functions, so every writer (the MTA pipe, the history import,
-- psql) gets the same answer: ccrm_mail_store() (one mail), ccrm_mail_store_many() (a set, for
-- the import), ccrm_mail_deliver() (the mail server's login, role ccrm_mail: SECURITY DEFINER,
-- the only thing it may run besides the outbox), ccrm_mail_reply(), the outbox's
-- ccrm_mail_outbox_claim()/_done(), and the revert of a mail import.

-- ---------------------------------------------------------------------------------------
-- Tables
-- ---------------------------------------------------------------------------------------
CREATE TABLE mail_queues (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text        NOT NULL DEFAULT current_user,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      text        NOT NULL DEFAULT current_user,
    version         int         NOT NULL DEFAULT 1,
    name            text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
    address         text NOT NULL CHECK (address ~ '^[^@[:space:]<>",]+@[^@[:space:]<>",]+$'),
    from_name       text CHECK (from_name !~ '[[:cntrl:]]'),
    reply_to        text CHECK (reply_to ~ '^[^@[:space:]<>",]+@[^@[:space:]<>",]+$'),
    creates         text NOT NULL DEFAULT 'ticket' CHECK (creates IN ('ticket', 'lead')),
    unknown_sender  text NOT NULL DEFAULT 'contact'
                    CHECK (unknown_sender IN ('contact', 'lead', 'none')),
    assignee        text,
    reopen_on_reply boolean NOT NULL DEFAULT true,
    reply_token     boolean NOT NULL DEFAULT false,
    subject_window  interval NOT NULL DEFAULT '14 days' CHECK (subject_window >= '0'),
    loop_max        int NOT NULL DEFAULT 20 CHECK (loop_max > 0),
    loop_minutes    int NOT NULL DEFAULT 10 CHECK (loop_minutes > 0),
    active          boolean NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX mail_queues_address_key ON mail_queues (lower(address));

-- The small helpers below use built-in functions only (pg_catalog is searched first whatever
-- the search_path) and pin no search_path, so that the planner can inline them: they run once
-- per mail in bulk statements, and a SET clause costs a configuration save and restore per call.

CREATE TABLE messages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text        NOT NULL DEFAULT current_user,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      text        NOT NULL DEFAULT current_user,
    version         int         NOT NULL DEFAULT 1,
    message_id      text NOT NULL CHECK (message_id <> '' AND length(message_id) <= 998),
    queue_id        bigint REFERENCES mail_queues ON DELETE SET NULL,
    direction       text NOT NULL CHECK (direction IN ('in', 'out')),
    -- in: received (a person wrote), auto (auto-reply, bulk or list mail), bounce (a delivery
    -- report, a null or mailer-daemon sender), loop (stopped by the loop guard);
    -- out: queued, sending, sent, failed (gave up after ten attempts)
    status          text NOT NULL,
    -- how an incoming mail found its record; NULL: it started one (or none)
    thread_by       text CHECK (thread_by IN ('token', 'tag', 'references', 'subject')),
    in_reply_to     text,
    "references"    text[] NOT NULL DEFAULT '{}',
    from_addr       text,  -- the sender's bare address, lower case; NULL for a null sender
    from_name       text,
    reply_to        text,
    to_addr         text,  -- the To and Cc headers, decoded
    cc_addr         text,
    subject         text NOT NULL DEFAULT '',
    subject_key     text GENERATED ALWAYS AS (ccrm_mail_subject_key(subject)) STORED,
    sent_at         timestamptz, -- in: the Date header; out: when sendmail accepted it
    received_at     timestamptz NOT NULL DEFAULT now(), -- in: arrival; out: when queued
    body_text       text NOT NULL DEFAULT '',
    ticket_id       bigint REFERENCES tickets ON DELETE SET NULL,
    contact_id      bigint REFERENCES contacts ON DELETE SET NULL,
    lead_id         bigint REFERENCES leads ON DELETE SET NULL,
    account_id      bigint REFERENCES accounts ON DELETE SET NULL,
    opportunity_id  bigint REFERENCES opportunities ON DELETE SET NULL,
    interaction_id  bigint REFERENCES interactions ON DELETE SET NULL,
    -- the outbox
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz,
    last_error      text,
    sending_since   timestamptz,
    sending_by      text,
    CONSTRAINT messages_status_check CHECK (
        (direction = 'in' AND status IN ('received', 'auto', 'bounce', 'loop'))
        OR (direction = 'out' AND status IN ('queued', 'sending', 'sent', 'failed')))
);
CREATE UNIQUE INDEX messages_message_id_key ON messages (message_id);
-- a record's conversation, newest first (partial: most mails have no lead, deal, ...; an
-- index entry costs every insert)
CREATE INDEX messages_ticket_idx      ON messages (ticket_id, received_at DESC, id DESC)
    WHERE ticket_id IS NOT NULL;
CREATE INDEX messages_lead_idx        ON messages (lead_id, received_at DESC, id DESC)
    WHERE lead_id IS NOT NULL;
CREATE INDEX messages_contact_idx     ON messages (contact_id, received_at DESC, id DESC)
    WHERE contact_id IS NOT NULL;
CREATE INDEX messages_account_idx     ON messages (account_id, received_at DESC, id DESC)
    WHERE account_id IS NOT NULL;
CREATE INDEX messages_opportunity_idx ON messages (opportunity_id, received_at DESC, id DESC)
    WHERE opportunity_id IS NOT NULL;
CREATE INDEX messages_interaction_idx ON messages (interaction_id)
    WHERE interaction_id IS NOT NULL;
-- subject threading and the loop guard: one sender's mail, newest first
CREATE INDEX messages_sender_idx      ON messages (from_addr, subject_key, received_at DESC)
    WHERE direction = 'in';
CREATE INDEX messages_sender_time_idx ON messages (from_addr, received_at DESC)
    WHERE direction = 'in';
-- the outbox
CREATE INDEX messages_outbox_idx      ON messages (next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX messages_sending_idx     ON messages (id) WHERE status = 'sending';

CREATE TABLE attachments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    msg_id      bigint NOT NULL REFERENCES messages ON DELETE CASCADE,
    name        text NOT NULL CHECK (name <> '' AND length(name) <= 255),
    type        text NOT NULL CHECK (type <> ''),
    size        bigint NOT NULL CHECK (size >= 0),
    content     bytea, -- NULL: larger than the configured limit when it arrived
    CONSTRAINT attachments_content_size_check CHECK (content IS NULL OR octet_length(content) = size)
);
CREATE INDEX attachments_msg_idx ON attachments (msg_id, id);
-- most attachments are compressed already (PDF, images, archives): store, do not recompress
ALTER TABLE attachments ALTER COLUMN content SET STORAGE EXTERNAL;

-- mail history imports are import batches too
ALTER TABLE import_batches DROP CONSTRAINT import_batches_entity_check;
ALTER TABLE import_batches ADD CONSTRAINT import_batches_entity_check
    CHECK (entity IN ('accounts', 'contacts', 'leads', 'opportunities', 'tickets',
                      'interactions', 'messages'));

-- ---------------------------------------------------------------------------------------
-- Stamps, audit, events, like every data table
-- ---------------------------------------------------------------------------------------
SELECT ccrm_track_table(t) -- schema/functions/05_tables.sql
  FROM unnest(ARRAY['mail_queues', 'messages', 'attachments']::regclass[]) t;

-- the outbox moves one way, and what was received stays as it was (ccrm_mail_status_rule)
CREATE TRIGGER ccrm_mail_status_rule BEFORE UPDATE OF status, direction ON messages
    FOR EACH ROW EXECUTE FUNCTION ccrm_mail_status_rule();

-- ---------------------------------------------------------------------------------------
-- Row-level security
-- ---------------------------------------------------------------------------------------
SELECT ccrm_secure_table(t) -- schema/functions/05_tables.sql
  FROM unnest(ARRAY['mail_queues', 'messages', 'attachments']::regclass[]) t;

-- Queues: staff read them (which address answers a ticket), admins change them (deleting one:
-- ccrm_delete('mail_queues', ...)). Partners and the mail login see none.
CREATE POLICY internal_read ON mail_queues FOR SELECT TO ccrm_internal USING (true);
CREATE POLICY admin_write ON mail_queues TO ccrm_admin USING (true) WITH CHECK (true);
CREATE POLICY partner_none ON mail_queues FOR SELECT TO ccrm_partner USING (false);

-- Mail: staff read all of it and file it (links, the outbox columns: column grants below);
-- deleting goes through ccrm_delete(): whoever stored a mail, management or admin (as
-- interactions).
CREATE POLICY internal_all ON messages TO ccrm_internal USING (true) WITH CHECK (true);
CREATE POLICY internal_all ON attachments TO ccrm_internal USING (true) WITH CHECK (true);

-- Partners see a mail exactly when they see the record it is filed on: its ticket, else its
-- deal, else its lead, else its contact, else its account, asked of that record's own policy
-- (ccrm_record_exists); a mail filed on nothing is internal. An attachment is visible with its
-- mail (the messages policy again).
CREATE POLICY partner_read ON messages FOR SELECT TO ccrm_partner
    USING (CASE
               WHEN messages.ticket_id IS NOT NULL
                   THEN ccrm_record_exists('tickets', messages.ticket_id)
               WHEN messages.opportunity_id IS NOT NULL
                   THEN ccrm_record_exists('opportunities', messages.opportunity_id)
               WHEN messages.lead_id IS NOT NULL
                   THEN ccrm_record_exists('leads', messages.lead_id)
               WHEN messages.contact_id IS NOT NULL
                   THEN ccrm_record_exists('contacts', messages.contact_id)
               WHEN messages.account_id IS NOT NULL
                   THEN ccrm_record_exists('accounts', messages.account_id)
               ELSE false
           END);
CREATE POLICY partner_read ON attachments FOR SELECT TO ccrm_partner
    USING (EXISTS (SELECT 1 FROM messages m WHERE m.id = attachments.msg_id));

-- The mail login (ccrm_mail) delivers only through ccrm_mail_deliver() and sends the outbox:
-- it reads outgoing mail and moves its status, nothing else.
CREATE POLICY mail_outbox_read ON messages FOR SELECT TO ccrm_mail USING (direction = 'out');
CREATE POLICY mail_outbox_update ON messages FOR UPDATE TO ccrm_mail
    USING (direction = 'out') WITH CHECK (direction = 'out');

-- ---------------------------------------------------------------------------------------
-- Grants (docs/security.md, the allow-list): SELECT and INSERT on tables, UPDATE on columns,
-- no DELETE (ccrm_delete), no sequences (identity columns need none)
-- ---------------------------------------------------------------------------------------
GRANT SELECT ON mail_queues TO ccrm_internal;
GRANT INSERT ON mail_queues TO ccrm_admin;
DO $$
DECLARE
    v_cols text;
BEGIN
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO v_cols
      FROM pg_attribute a
     WHERE a.attrelid = 'public.mail_queues'::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attgenerated = '' AND a.attidentity = ''
       AND a.attname NOT IN ('created_at', 'created_by', 'updated_at', 'updated_by');
    EXECUTE format('GRANT UPDATE (%s) ON public.mail_queues TO ccrm_admin', v_cols);
END
$$;
GRANT SELECT, INSERT ON messages, attachments TO ccrm_internal;
-- filing a mail elsewhere, and the outbox; what a mail said is never edited
GRANT UPDATE (ticket_id, contact_id, lead_id, account_id, opportunity_id, status, attempts,
              next_attempt_at, last_error, sending_since, sending_by, sent_at)
    ON messages TO ccrm_internal;
GRANT SELECT ON messages, attachments TO ccrm_partner;
GRANT SELECT, UPDATE (status, attempts, next_attempt_at, last_error, sending_since, sending_by,
                      sent_at)
    ON messages TO ccrm_mail;
