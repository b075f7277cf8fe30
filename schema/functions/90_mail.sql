-- ccrm schema functions: Mail (docs/mail.md; the tables are in schema/017_mail.sql): the
-- threading helpers, storing incoming mail (one, a set, the mail server's entry point),
-- answering, the outbox, and reverting a mail import.
--
-- The current definition of each function below; the only one. `ccrm --migrate` applies every
-- file of schema/functions/ before and after the pending numbered migrations, in their
-- transaction (docs/architecture.md, "Schema"). EXECUTE is PostgreSQL's default (PUBLIC) unless
-- ccrm_set_execute() below a function says who may call it.

-- The subject as threading compares it: reply and forward prefixes (Re:, Fwd:, AW:, SV:, ...,
-- with counters such as Re[2]:), leading [list] tags and our [#1234] tags removed, spaces
-- folded, lower case. NULL when nothing is left.
CREATE OR REPLACE FUNCTION ccrm_mail_subject_key(p_subject text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT nullif(btrim(regexp_replace(regexp_replace(regexp_replace(
               lower(regexp_replace(coalesce(p_subject, ''), '[[:space:]]+', ' ', 'g')),
               '\s*\[#l?[0-9]+\]', '', 'g'),
               '^\s*((re|fwd?|aw|wg|sv|vs|antw|tr|ref|rif|odp|r)\s*(\[[0-9]+\]|\([0-9]+\))?\s*:\s*|\[[^]]*\]\s*)+',
               ''), ' +', ' ', 'g')), '')
$$;


-- The outbox moves one way: queued -> sending -> sent, or back to queued (a retry) or to
-- failed; a person may queue a failed mail again or give up on a queued one. A received
-- mail's status does not change, and a sent one is history.
-- Staff hold UPDATE on the outbox columns (the outbox functions are INVOKER), so the rest of
-- the outbox's rules are here too (062), for everyone but the schema's owner and superusers
-- (the demo data writes a history): a claim (into sending, or taking over a mail whose sender
-- was lost) is made in the name of whoever makes it, ccrm_actor() as ccrm_mail_outbox_claim
-- writes it, and not while another session holds the mail's outbox lock; only that person,
-- in a session no other sender holds it in, moves it on from sending (sent, queued again,
-- failed): otherwise anyone could mark anyone's answer sent without sending it, and so meet the
-- ticket's response clocks. When a mail was sent (the Date header of a received one) is the
-- database's: now() when it becomes sent, and never changed by hand.
CREATE OR REPLACE FUNCTION ccrm_mail_status_rule() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_actor text;
    v_sent  timestamptz;
BEGIN
    IF NEW.direction IS DISTINCT FROM OLD.direction THEN
        RAISE EXCEPTION 'the direction of a mail cannot change' USING ERRCODE = '55000';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status
       AND (OLD.direction = 'in'
            OR (OLD.status, NEW.status) NOT IN (('queued', 'sending'), ('sending', 'sent'),
                                                ('sending', 'queued'), ('sending', 'failed'),
                                                ('failed', 'queued'), ('queued', 'failed'))) THEN
        RAISE EXCEPTION 'mail % cannot go from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = '55000';
    END IF;
    IF current_user = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c
                        WHERE c.oid = 'public.messages'::regclass)
       OR (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user) THEN
        RETURN NEW;
    END IF;

    v_sent := CASE WHEN NEW.status = 'sent' AND OLD.status <> 'sent' THEN now()
                   ELSE OLD.sent_at END;
    IF NEW.sent_at IS DISTINCT FROM OLD.sent_at AND NEW.sent_at IS DISTINCT FROM v_sent THEN
        RAISE EXCEPTION 'when mail % was sent is not changed by hand', OLD.id
            USING ERRCODE = '42501',
                  HINT = 'An answer''s time is set when the outbox has sent it.';
    END IF;
    NEW.sent_at := v_sent;

    v_actor := ccrm_actor();
    IF NEW.status = 'sending'
       AND (OLD.status <> 'sending' OR NEW.sending_by IS DISTINCT FROM OLD.sending_by
            OR NEW.sending_since IS DISTINCT FROM OLD.sending_since) THEN
        IF NEW.sending_by IS DISTINCT FROM OLD.sending_by
           AND NEW.sending_by IS DISTINCT FROM v_actor THEN
            RAISE EXCEPTION 'mail % is claimed by whoever sends it, not by %', OLD.id,
                            quote_ident(NEW.sending_by)
                USING ERRCODE = '42501';
        END IF;
        -- the session lock of ccrm_mail_outbox_claim: a session that holds it gets this one too
        IF NOT pg_try_advisory_xact_lock(ccrm_mail_lock_key('out', OLD.id::text)) THEN
            RAISE EXCEPTION 'mail % is being sent by another session', OLD.id
                USING ERRCODE = '55000';
        END IF;
        NEW.sending_by := v_actor;
        NEW.sending_since := now();
    ELSIF OLD.status = 'sending' AND NEW.status <> 'sending' THEN
        IF OLD.sending_by IS DISTINCT FROM v_actor THEN
            RAISE EXCEPTION 'mail % is being sent by %: only its sender says how that went',
                            OLD.id, coalesce(quote_ident(OLD.sending_by), 'nobody')
                USING ERRCODE = '42501',
                      HINT = 'ccrm --send-mail sends it again when its sender was lost.';
        END IF;
        IF NOT pg_try_advisory_xact_lock(ccrm_mail_lock_key('out', OLD.id::text)) THEN
            RAISE EXCEPTION 'mail % is being sent by another session', OLD.id
                USING ERRCODE = '55000';
        END IF;
        NEW.sending_by := NULL;
        NEW.sending_since := NULL;
    ELSIF NEW.sending_by IS DISTINCT FROM OLD.sending_by
          OR NEW.sending_since IS DISTINCT FROM OLD.sending_since THEN
        RAISE EXCEPTION 'mail % is not being sent: its sender is named by the claim', OLD.id
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_mail_status_rule()');

-- An answer starts in the outbox as ccrm_mail_reply and ccrm_billing_send write it: queued,
-- never tried, From its queue's address and name, Reply-To the queue's (or its plus-address
-- token of the record), addresses on one line. Staff hold INSERT on messages (those functions
-- are INVOKER: the caller's rights decide what they may answer), so without this an INSERT
-- typed into psql could send as "The CEO <ceo@...>", redirect the customer's answers, or put
-- a mail never sent into the history as sent. The owner (the mail delivery and import
-- functions, SECURITY DEFINER) and superusers are not held to it; received mail is
-- ccrm_mail_store's.
CREATE OR REPLACE FUNCTION ccrm_mail_out_rule() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    q mail_queues%ROWTYPE;
BEGIN
    IF NEW.direction <> 'out'
       OR current_user = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c
                           WHERE c.oid = 'public.messages'::regclass)
       OR (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user) THEN
        RETURN NEW;
    END IF;
    IF NEW.status <> 'queued' OR NEW.attempts <> 0 OR NEW.sent_at IS NOT NULL
       OR NEW.sending_since IS NOT NULL OR NEW.sending_by IS NOT NULL THEN
        RAISE EXCEPTION 'an answer starts queued and not yet tried (status %)', NEW.status
            USING ERRCODE = '42501',
                  HINT = 'Answer with ccrm --reply or r in the client; the outbox sends it.';
    END IF;
    SELECT * INTO q FROM mail_queues x WHERE x.id = NEW.queue_id;
    IF NOT FOUND OR NEW.from_addr IS DISTINCT FROM lower(q.address)
       OR NEW.from_name IS DISTINCT FROM q.from_name THEN
        RAISE EXCEPTION 'an answer goes out from its queue''s address and name, not from %',
                        quote_ident(coalesce(NEW.from_addr, ''))
            USING ERRCODE = '42501',
                  HINT = 'Answer with ccrm --reply or r in the client; the outbox sends it.';
    END IF;
    -- the queue's, or its plus-address token of this very record (another ticket's would file
    -- the customer's answer there)
    IF NEW.reply_to IS NOT NULL AND NEW.reply_to IS DISTINCT FROM q.reply_to
       AND NEW.reply_to IS DISTINCT FROM
           ccrm_mail_token_addr(coalesce(q.reply_to, q.address), NEW.ticket_id, NEW.lead_id) THEN
        RAISE EXCEPTION 'an answer''s Reply-To is its queue''s, not %', quote_ident(NEW.reply_to)
            USING ERRCODE = '42501';
    END IF;
    IF concat_ws(' ', NEW.to_addr, NEW.cc_addr, NEW.message_id, NEW.in_reply_to,
                 array_to_string(NEW."references", ' ')) ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'an answer''s addresses and message ids are one line each'
            USING ERRCODE = '22023';
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_mail_out_rule()');

-- A queue's assignee, when set or changed, is an active internal user (trigger ccrm_check, 055).
CREATE OR REPLACE FUNCTION ccrm_mail_queue_check() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NEW.assignee IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.assignee IS DISTINCT FROM OLD.assignee)
       AND NOT ccrm_is_staff(NEW.assignee) THEN
        RAISE EXCEPTION 'no active internal user "%" to take the mail of queue %', NEW.assignee,
                        NEW.name
            USING ERRCODE = '22023', COLUMN = 'assignee',
                  HINT = 'Partners are never given internal work; leave it empty to route by the rules.';
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_mail_queue_check()');

-- ---------------------------------------------------------------------------------------
-- Helpers
-- ---------------------------------------------------------------------------------------

-- The advisory lock keys of mail: one per Message-ID (deliveries of one message one at a time)
-- and one per outgoing mail (held by the session sending it). Secret keys (ccrm_lock_key):
-- a partner who could hold the next mails' keys would keep them from being sent.
CREATE OR REPLACE FUNCTION ccrm_mail_lock_key(p_kind text, p_value text) RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT public.ccrm_lock_key('ccrm mail ' || p_kind || ' ' || p_value) $$;
SELECT ccrm_set_execute('ccrm_mail_lock_key(text,text)', 'ccrm_internal', 'ccrm_mail');

-- First and last name from a display name: "López, Ana" and "Ana López" both give
-- (Ana, López); one word is a last name. Quotes and surrounding spaces are dropped.
CREATE OR REPLACE FUNCTION ccrm_mail_name_parts(p_name text, OUT first_name text, OUT last_name text)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v text := nullif(btrim(regexp_replace(translate(coalesce(p_name, ''), '"', ''),
                                          '[[:space:]]+', ' ', 'g')), '');
BEGIN
    IF v IS NULL OR v ~ '@' THEN
        RETURN;
    END IF;
    v := left(v, 200);
    IF v ~ ',' THEN
        last_name := nullif(btrim(split_part(v, ',', 1)), '');
        first_name := nullif(btrim(substr(v, strpos(v, ',') + 1)), '');
    ELSIF v ~ ' ' THEN
        last_name := regexp_replace(v, '^.* ', '');
        first_name := regexp_replace(v, ' [^ ]*$', '');
    ELSE
        last_name := v;
    END IF;
END
$$;

-- An address with its display name, as a header shows it: "Ana López" <ana@example.org>. A
-- control character in the name (C0 or C1, as mail stored before 084 may have) becomes a space:
-- a header is one line.
CREATE OR REPLACE FUNCTION ccrm_mail_format_addr(p_name text, p_addr text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN p_addr IS NULL THEN NULL
                WHEN nullif(btrim(p_name), '') IS NULL THEN p_addr
                ELSE '"' || replace(replace(btrim(regexp_replace(p_name, '[\x01-\x1f\x7f-\x9f]+', ' ', 'g')),
                                            '\', '\\'), '"', '\"') || '" <'
                     || p_addr || '>' END
$$;

-- The plus-address that files a customer's answer on its record: support+t1234@example.org
-- for ticket 1234, support+l45@... for lead 45 (ccrm_mail_store reads it back as the token).
-- What an answer gets as Reply-To when its queue has reply_token, and the only Reply-To other
-- than the queue's own an answer may carry (ccrm_mail_out_rule).
CREATE OR REPLACE FUNCTION ccrm_mail_token_addr(p_box text, p_ticket bigint, p_lead bigint)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT split_part(p_box, '@', 1) || '+'
           || CASE WHEN p_ticket IS NOT NULL THEN 't' || p_ticket ELSE 'l' || p_lead END
           || '@' || split_part(p_box, '@', 2)
$$;

-- The timeline shows the start of a mail; the full text stays in messages.
CREATE OR REPLACE FUNCTION ccrm_mail_excerpt(p_body text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN length(p_body) > 2000 THEN left(p_body, 1999) || '…'
                ELSE nullif(btrim(p_body), '') END
$$;

-- The sender's address as stored: bare, lower case; NULL for a null sender and for an address
-- longer than the 254 octets RFC 5321 allows, which no mail system answers and which would
-- not fit the indexes of messages and contacts (a mail from it is a person's mail from an
-- unknown sender: no contact is made of it).
CREATE OR REPLACE FUNCTION ccrm_mail_sender(p_addr text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN octet_length(lower(btrim(p_addr, ' <>'))) <= 254
                THEN lower(nullif(btrim(p_addr, ' <>'), '')) END
$$;

-- The Message-ID another sender's mail is stored under when its own is already taken by a
-- mail of someone else (a device that numbers its mails "<1@localhost>", or a mail sent to
-- take the place of one to come): the ID with a mark of its sender, the same for every retry
-- of that mail, so that it too is stored once. The same sender's mail under a taken ID is a
-- copy of the first (a retry, a resend), as before.
CREATE OR REPLACE FUNCTION ccrm_mail_own_id(p_mid text, p_from text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT left(p_mid, 980) || '.ccrm-' || left(md5(coalesce(p_from, '')), 12)
$$;

-- An attachment's name and media type as they are stored, for every writer: the name one
-- line without directories (a slash, a backslash or a control character becomes _; "." and
-- ".." are no names), at most 255 characters, else "attachment"; the type type/subtype in
-- lower case, else application/octet-stream. What ccrm_attachment_file_check (below) asks of
-- a file a person attaches; the parser writes its names so already (src/mail/parse.c).
CREATE OR REPLACE FUNCTION ccrm_attachment_name(p_name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT coalesce(nullif(nullif(nullif(btrim(left(btrim(regexp_replace(
               coalesce(p_name, ''), '[/\\[:cntrl:]]', '_', 'g')), 255)), ''), '.'), '..'),
           'attachment')
$$;
CREATE OR REPLACE FUNCTION ccrm_attachment_type(p_type text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT CASE WHEN lower(btrim(p_type))
                     ~ '^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$'
                THEN lower(btrim(p_type)) ELSE 'application/octet-stream' END
$$;

-- Whether an address is one of ours: a queue's address or Reply-To, a +suffix ignored. Only
-- there does a plus-address token (support+t1234@) name a record: anyone can write
-- x+t1234@elsewhere.example into a To.
CREATE OR REPLACE FUNCTION ccrm_mail_ours(p_addr text) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM mail_queues q
                    WHERE lower(regexp_replace(p_addr, '\+[^@]*@', '@'))
                          IN (lower(q.address), lower(q.reply_to)))
$$;

-- The record a plus-address token names: the first recipient, in one of our addresses, whose
-- +t1234 or +l45 names a ticket or lead that exists (support+t1234@example.com). Live delivery
-- and imports both thread by it (ccrm_mail_store, ccrm_mail_store_set).
CREATE OR REPLACE FUNCTION ccrm_mail_token(p_rcpt text[])
RETURNS TABLE (ticket_id bigint, lead_id bigint)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT t.id, l.id
      FROM unnest(p_rcpt) WITH ORDINALITY a(addr, k)
     CROSS JOIN LATERAL regexp_match(a.addr, '\+([tl])([0-9]{1,18})@', 'i') mm
      LEFT JOIN tickets t ON lower(mm[1]) = 't' AND t.id = mm[2]::bigint
      LEFT JOIN leads l ON lower(mm[1]) = 'l' AND l.id = mm[2]::bigint
     WHERE (t.id IS NOT NULL OR l.id IS NOT NULL) AND ccrm_mail_ours(a.addr)
     ORDER BY a.k
     LIMIT 1
$$;

-- The id a subject's tag gives, [#1234] for a ticket (p_lead false) or [#L45] for a lead, or
-- NULL. The last tag counts: a follow-up ticket's subject keeps the closed one's tag, and the
-- answer adds its own at the end.
CREATE OR REPLACE FUNCTION ccrm_mail_tag(p_subject text, p_lead boolean) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT (regexp_match(p_subject, CASE WHEN p_lead THEN '.*\[#[lL]([0-9]{1,18})\]'
                                         ELSE '.*\[#([0-9]{1,18})\]' END))[1]::bigint
$$;

-- The ticket that already follows up closed ticket p_closed in this conversation, when it is
-- not closed itself: the ticket of a mail this one answers (p_ids: References, then
-- In-Reply-To, which wins), else of this sender's newest mail on the same subject in the
-- queue's window. NULL: none, and an answer to the closed ticket starts a new follow-up. (Each
-- further mail of a customer whose answer made a follow-up made another one: the [#tag] of the
-- closed ticket is in all of them, and it won over their References.)
CREATE OR REPLACE FUNCTION ccrm_mail_follow_up(p_closed bigint, p_ids text[], p_from text,
                                               p_key text, p_queue bigint, p_at timestamptz)
RETURNS bigint
LANGUAGE sql STABLE
AS $$
    SELECT coalesce(
        (SELECT m.ticket_id FROM messages m JOIN tickets t ON t.id = m.ticket_id
          WHERE m.message_id = ANY (p_ids) AND t.status <> 'closed' AND t.id <> p_closed
          ORDER BY array_position(p_ids, m.message_id) DESC LIMIT 1),
        (SELECT m.ticket_id FROM messages m
           JOIN tickets t ON t.id = m.ticket_id
           JOIN mail_queues q ON q.id = m.queue_id
          WHERE p_from IS NOT NULL AND length(p_key) >= 3 AND m.from_addr = p_from
            AND left(m.subject_key, 200) = left(p_key, 200) -- messages_sender_idx
            AND m.subject_key = p_key AND m.queue_id = p_queue AND m.direction = 'in'
            AND m.received_at >= p_at - q.subject_window AND m.received_at <= p_at
            AND t.status <> 'closed' AND t.id <> p_closed
          ORDER BY m.received_at DESC, m.id DESC LIMIT 1))
$$;

-- Whether a customer's answer reopens its ticket: a pending ticket always, a solved one when
-- the queue says reopen_on_reply; a closed ticket never (an answer to it starts a new one).
CREATE OR REPLACE FUNCTION ccrm_mail_reopens(p_status text, p_reopen_on_reply boolean)
RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT p_status = 'pending' OR (p_status = 'solved' AND p_reopen_on_reply)
$$;

-- Who a line of a timeline (or the Leads list's latest activity) names for interaction p_id:
-- for a mail that came in, its sender (the name, else the address), since the mail paths store
-- it in the name of whoever ran them (the MTA's role, an administrator's import); for
-- everything else, and for a mail logged by hand, whoever wrote it. The caller's rights (the
-- mail is read through its row-level security: one that cannot be read gives the writer).
-- Takes the id alone, as the timelines' queries name it in every branch and must stay short
-- (src/model/entity_sql.h, IX_WHO).
CREATE OR REPLACE FUNCTION ccrm_ix_who(p_id bigint)
RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT coalesce((SELECT coalesce(nullif(btrim(m.from_name), ''), m.from_addr)
                       FROM public.messages m
                      WHERE m.interaction_id = p_id AND m.direction = 'in'
                      ORDER BY m.id LIMIT 1),
                    (SELECT i.created_by FROM public.interactions i WHERE i.id = p_id), '')
$$;
SELECT ccrm_set_execute('ccrm_ix_who(bigint)', 'ccrm_internal', 'ccrm_partner');

-- Whether a mail filed on a record comes from its customer: the ticket's contact or a contact
-- of its account; the lead's person (its contact, its address) or a contact of its account; a
-- contact of the deal's account; on a ticket without a contact, whoever wrote its first mail
-- (p_first: that sender when the mail is not stored yet, an import's conversation). p_contact
-- and p_account are the sender's own contact and its account, p_from the address. Only the
-- customer reopens a ticket and puts the mail on the account's timeline: a stranger who names
-- a ticket by its tag, its token or one of our Message-IDs is filed on it and nothing more.
-- The caller's rights.
CREATE OR REPLACE FUNCTION ccrm_mail_from_customer(p_ticket bigint, p_lead bigint, p_opp bigint,
                                                   p_contact bigint, p_account bigint,
                                                   p_from text, p_first text DEFAULT NULL)
RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT coalesce(CASE
        WHEN p_ticket IS NOT NULL THEN
            (SELECT t.contact_id = p_contact OR t.account_id = p_account
                    OR (t.contact_id IS NULL AND p_from IS NOT NULL
                        AND coalesce((SELECT x.from_addr FROM messages x
                                       WHERE x.ticket_id = t.id AND x.direction = 'in'
                                       ORDER BY x.received_at, x.id LIMIT 1), p_first) = p_from)
               FROM tickets t WHERE t.id = p_ticket)
        WHEN p_opp IS NOT NULL THEN
            (SELECT o.account_id = p_account FROM opportunities o WHERE o.id = p_opp)
        WHEN p_lead IS NOT NULL THEN
            (SELECT l.contact_id = p_contact OR lower(l.email) = p_from OR l.account_id = p_account
               FROM leads l WHERE l.id = p_lead)
        ELSE true END, false)
$$;

-- True while ccrm_mail_store_many inserts the tickets of a history import (the setting
-- ccrm.mail_history, which it sets around that insert, as the schema's owner: any session can
-- set a setting, none but the owner's functions run as the owner). ccrm_stamp then keeps the
-- created_at given, the first mail's date, so that last year's mailbox does not come in as
-- tickets opened today.
CREATE OR REPLACE FUNCTION ccrm_mail_history() RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT current_setting('ccrm.mail_history', true) = 'on'
           AND current_user = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c
                                WHERE c.oid = 'public.tickets'::regclass)
$$;

-- ---------------------------------------------------------------------------------------
-- Storing incoming mail: ccrm_mail_store_many() stores a set of mails at once (the history
-- import sends a few hundred per call, a delivery one), so that every writer runs the same
-- rules and an import pays each trigger once per set, not once per mail.
--
-- Input: one array element per mail (i = its position), all arrays of the same length:
--   mids         Message-ID without <> (the parser derives one from the content when a
--                mail has none)
--   from_addrs   the sender's address (NULL or '' for a null sender; one longer than 254
--                octets counts as none: ccrm_mail_sender), from_names its name
--   subjects, bodies (the text, UTF-8), sent_ats (the Date header), in_reply_tos
--   refs         the References, space-separated, oldest first
--   reply_tos, tos, ccs  the headers, decoded
--   rcpts        every recipient address known (To, Cc, Delivered-To, the envelope),
--                space-separated
--   autos        the parser's reading of the headers: NULL (a person wrote), 'auto-reply',
--                'bulk', 'list' or 'bounce'
--   att_*        attachments: the mail they belong to (i), name, type, size, content (NULL
--                when over the size limit: metadata only); names and types are stored as
--                ccrm_attachment_name and _type make them (one line, no directories)
-- p_queue: the queue's name; NULL: for each mail the active queue whose address is one of
-- its recipients (a +suffix ignored). Unknown or disabled: SQLSTATE CR067 (a live delivery);
-- the import gets that mail back with status 'noqueue' and nothing stored.
-- p_live: true for delivery as it happens: the loop guard, reopening, follow-ups of closed
-- tickets, the assignee's inbox row, and now() as the mail's time. false for the history
-- import: none of those, and each mail's own Date is its time; a new ticket starts at its
-- first mail's date (created_at, ccrm_mail_history) and gets no SLA clocks: the service
-- levels are promises about mail as it comes, not about last year's mailbox.
--
-- Output, one row per input mail: its id, status (received, auto, bounce, loop; noqueue;
-- refused), whether it was a duplicate (then nothing was written and the row describes the
-- stored mail), how it was threaded, the records it is filed on, and what was created for it
-- ('contact', 'lead', 'ticket', comma-separated). A mail the database refuses for good (a
-- value a constraint or an index cannot take: SQLSTATE classes 22, 23, 54) is 'refused', with
-- the SQLSTATE as its thread_by and the message as created, and nothing of it is stored; the
-- others of the set are stored (ccrm_mail_store_many finds it by storing each mail alone in a
-- subtransaction it rolls back, only when the whole set failed).
--
-- Threading, the first that applies:
--   token       a recipient support+t1234@... (ticket 1234) or support+l45@... (lead 45)
--   tag         [#1234] (ticket) or [#L45] (lead) in the subject
--   references  In-Reply-To, then References from the last to the first: the stored mail
--               (in or out) filed on a record that is closest to the end, or a mail of the
--               same set from a person (received)
--   subject     the newest mail from the same sender to the same queue with the same
--               normalised subject (ccrm_mail_subject_key) within the queue's window
--   (the referenced ticket or lead must exist and be visible to the caller)
--   (a token counts only in one of our addresses: a queue's address or Reply-To,
--   ccrm_mail_ours)
-- A threaded mail keeps its own sender's contact, or none, and takes the record's account
-- only when it comes from the record's customer (ccrm_mail_from_customer): a stranger who
-- names a ticket is not its customer, nor on the customer's timeline (his entry has his own
-- account, or none), and reopens nothing.
-- Otherwise a mail from a person (received) starts a conversation: the sender's contact
-- (e-mail, case-insensitive) and its account; an unknown sender becomes a contact (its
-- account found by the e-mail domain when exactly one account has it) or a lead, as the
-- queue says; then a ticket (creates = 'ticket'), or (creates = 'lead') an interaction on
-- the newest open deal of the contact's account, else the person's open lead, else a new
-- lead. Owner or assignee: the queue's assignee. A person's mail without an address a contact
-- can keep (no From, one that could not be read) is no bounce: a ticket without a contact, or
-- in a lead queue a lead without e-mail, so that the assignee hears of it.
-- Auto-replies, bulk and list mail and bounces are stored and threaded, but create and
-- reopen nothing; ccrm never answers a mail by itself, so there is no ping-pong. The loop
-- guard (live) stores a sender's mail beyond loop_max in loop_minutes as 'loop': filed on
-- nothing new and without a timeline entry.
-- Live, a reply from the ticket's customer reopens it when it is pending, or solved and the
-- queue says reopen_on_reply; a person's reply to a closed ticket starts a new ticket that
-- says which one it follows up (the customer's on the ticket's account, a stranger's on his
-- own).
-- Every stored mail but looped ones is an interaction (kind and channel email, direction in).
--
-- Duplicates: a Message-ID already stored, or twice in the set (the first one counts). Live,
-- deliveries of one Message-ID run one at a time (an advisory lock), so a retry racing the
-- first delivery waits and is then a duplicate. The import takes no such locks (it holds
-- thousands of mails in one transaction): if another session stores one of its Message-IDs
-- between its check and its insert, SQLSTATE 40001 and nothing of the import remains; run it
-- again. (A live delivery racing an import waits for the import's commit on the unique key
-- and then gets 40001 too: ccrm --mail-in tries again and finds the duplicate.)
-- SECURITY DEFINER, for staff (the history import): the new tickets' and interactions' ids are
-- taken ahead (nextval) so that each mail is linked to its own in one statement, and nobody
-- holds a right on the sequences. It writes nothing a staff member could not write with their
-- own grants (INSERT on contacts, leads, tickets, interactions and mail); stamps, audit,
-- events and department rules name the caller (ccrm_actor), and partners cannot run it. (The
-- one exception, a history ticket's created_at, is no right of the caller: see p_live.)
-- ccrm_mail_store_set() is the work, ccrm_mail_store_many() the entry point that finds the
-- mails a set cannot store; only the owner runs the former.
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION ccrm_mail_store_set(
    p_queue        text,
    p_live         boolean,
    p_mids         text[],
    p_from_addrs   text[],
    p_from_names   text[],
    p_subjects     text[],
    p_bodies       text[],
    p_sent_ats     timestamptz[],
    p_in_reply_tos text[],
    p_refs         text[],
    p_reply_tos    text[],
    p_tos          text[],
    p_ccs          text[],
    p_rcpts        text[],
    p_autos        text[],
    p_att_mail     int[] DEFAULT NULL,
    p_att_names    text[] DEFAULT NULL,
    p_att_types    text[] DEFAULT NULL,
    p_att_sizes    bigint[] DEFAULT NULL,
    p_att_contents bytea[] DEFAULT NULL)
RETURNS TABLE (i int, id bigint, status text, duplicate boolean, thread_by text,
               ticket_id bigint, lead_id bigint, contact_id bigint, opportunity_id bigint,
               account_id bigint, created text)
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_n      int := coalesce(cardinality(p_mids), 0);
    v_q      mail_queues%ROWTYPE;
    v_owner  oid;
    v_bad    text;
    v_rows   bigint;
    v_tseq   regclass := pg_get_serial_sequence('public.tickets', 'id')::regclass;
    v_lseq   regclass := pg_get_serial_sequence('public.leads', 'id')::regclass;
    v_iseq   regclass := pg_get_serial_sequence('public.interactions', 'id')::regclass;
BEGIN
    IF v_n = 0 THEN
        RETURN;
    END IF;
    IF p_queue IS NOT NULL THEN
        SELECT * INTO v_q FROM mail_queues x WHERE x.name = lower(btrim(p_queue));
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no mail queue "%"', p_queue USING ERRCODE = 'CR067';
        END IF;
        IF NOT v_q.active THEN
            RAISE EXCEPTION 'mail queue "%" is disabled', v_q.name USING ERRCODE = 'CR067';
        END IF;
    END IF;

    -- The working set, one row per mail, in a temporary table of this transaction. It must
    -- be ours: a table of that name made by another role is refused, not used (this runs as
    -- the owner: a caller's table must not stand in). Each row is updated a dozen times below,
    -- and none of its old versions can be pruned before the commit: with room on their page
    -- the updates stay heap-only, where full pages made each of them an entry in all three
    -- indexes (fillfactor 10: 6-9 % of an import's time, measured).
    SELECT c.relowner INTO v_owner FROM pg_class c
     WHERE c.relname = 'ccrm_mail_work' AND c.relnamespace = pg_my_temp_schema();
    IF v_owner IS NULL THEN
        CREATE TEMP TABLE ccrm_mail_work (
            i          int PRIMARY KEY,
            mid        text,
            queue_id   bigint,
            from_addr  text,
            from_name  text,
            subject    text,
            skey       text,
            at         timestamptz,
            refs       text[],
            irt        text,
            rcpt       text[],
            status     text,
            dup_of     int,
            contact_id bigint,
            account_id bigint,
            thread_by  text,
            ticket_id  bigint,
            lead_id    bigint,
            opp_id     bigint,
            parent_i   int,
            follow_of  bigint,
            top_i      int,
            root       boolean NOT NULL DEFAULT false,
            member     boolean NOT NULL DEFAULT true,
            created    text[] NOT NULL DEFAULT '{}',
            ix_id      bigint,
            msg_id     bigint
        ) WITH (fillfactor = 10) ON COMMIT DROP;
        CREATE INDEX ON ccrm_mail_work (mid);
        -- (a subject key is as long as the subject: its start is what an index can hold)
        CREATE INDEX ON ccrm_mail_work (from_addr, (left(skey, 200)));
    ELSIF v_owner <> (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user) THEN
        RAISE EXCEPTION 'a temporary table ccrm_mail_work of another role is in the way'
            USING ERRCODE = '42501';
    ELSE
        TRUNCATE pg_temp.ccrm_mail_work;
    END IF;

    INSERT INTO pg_temp.ccrm_mail_work (i, mid, queue_id, from_addr, from_name, subject, skey,
                                        at, refs, irt, rcpt, status)
    SELECT x.k, btrim(x.mid, ' <>'), v_q.id, ccrm_mail_sender(x.fa),
           nullif(btrim(x.fname), ''), coalesce(x.subj, ''), ccrm_mail_subject_key(x.subj),
           CASE WHEN p_live THEN now() ELSE coalesce(x.sent, now()) END,
           coalesce(string_to_array(nullif(btrim(x.refs), ''), ' '), '{}'),
           nullif(btrim(x.irt, ' <>'), ''),
           coalesce(string_to_array(lower(nullif(btrim(x.rcpt), '')), ' '), '{}'),
           -- a bounce is what says so (the parser's reading: a null return path, a delivery
           -- report) or comes from the mail system; a person's mail whose From cannot be read
           -- is a person's mail all the same, from an unknown sender
           CASE WHEN x.auto = 'bounce'
                     OR lower(btrim(x.fa, ' <>')) ~ '^(mailer-daemon|postmaster|mail-daemon)@'
                THEN 'bounce'
                WHEN x.auto IS NOT NULL THEN 'auto'
                ELSE 'received' END
      FROM unnest(p_mids, p_from_addrs, p_from_names, p_subjects, p_sent_ats, p_refs,
                  p_in_reply_tos, p_rcpts, p_autos)
           WITH ORDINALITY x(mid, fa, fname, subj, sent, refs, irt, rcpt, auto, k);
    -- mail from one of our own addresses is threaded but makes nothing (see ccrm_mail_store)
    UPDATE pg_temp.ccrm_mail_work w SET status = 'auto'
     WHERE w.status = 'received' AND w.from_addr IS NOT NULL AND ccrm_mail_ours(w.from_addr);
    IF v_n > 50 THEN
        ANALYZE pg_temp.ccrm_mail_work;
    END IF;
    SELECT format('mail %s has no Message-ID', w.i) INTO v_bad
      FROM pg_temp.ccrm_mail_work w WHERE coalesce(w.mid, '') = '' LIMIT 1;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION '%', v_bad USING ERRCODE = '22023';
    END IF;

    -- the queue of each mail (the one named is in already)
    IF p_queue IS NULL THEN
        UPDATE pg_temp.ccrm_mail_work w
           SET queue_id = (SELECT q.id FROM mail_queues q
                            WHERE q.active
                              AND lower(q.address) IN (SELECT regexp_replace(r, '\+[^@]*@', '@')
                                                         FROM unnest(w.rcpt) r)
                            ORDER BY q.id LIMIT 1);
        IF p_live THEN
            SELECT coalesce(nullif(array_to_string(w.rcpt, ', '), ''), 'this mail') INTO v_bad
              FROM pg_temp.ccrm_mail_work w WHERE w.queue_id IS NULL LIMIT 1;
            IF v_bad IS NOT NULL THEN
                RAISE EXCEPTION 'no mail queue for %', v_bad
                    USING ERRCODE = 'CR067', HINT = 'Name one with --queue.';
            END IF;
        END IF;
        UPDATE pg_temp.ccrm_mail_work w SET status = 'noqueue' WHERE w.queue_id IS NULL;
    END IF;

    -- duplicates: already stored, or earlier in this set. Live deliveries of one Message-ID
    -- take turns, so the second one finds the first one's row here.
    IF p_live THEN
        PERFORM pg_advisory_xact_lock(ccrm_mail_lock_key('id', w.mid))
           FROM pg_temp.ccrm_mail_work w ORDER BY w.mid;
    END IF;
    -- another sender's mail under a Message-ID taken by someone else's (stored, else the
    -- first of this set with it) is not a copy of it: its own ID (ccrm_mail_own_id)
    UPDATE pg_temp.ccrm_mail_work w SET mid = ccrm_mail_own_id(w.mid, w.from_addr)
      FROM (SELECT x.i, m.id IS NOT NULL AS stored,
                   CASE WHEN m.id IS NOT NULL THEN m.from_addr
                        ELSE first_value(x.from_addr) OVER (PARTITION BY x.mid ORDER BY x.i)
                   END AS owner,
                   min(x.i) OVER (PARTITION BY x.mid) AS first
              FROM pg_temp.ccrm_mail_work x
              LEFT JOIN messages m ON m.message_id = x.mid) o
     WHERE o.i = w.i AND (o.stored OR o.first <> w.i)
       AND o.owner IS DISTINCT FROM w.from_addr;
    UPDATE pg_temp.ccrm_mail_work w SET status = 'duplicate', dup_of = f.i
      FROM (SELECT min(x.i) AS i, x.mid FROM pg_temp.ccrm_mail_work x GROUP BY x.mid) f
     WHERE f.mid = w.mid AND f.i <> w.i;
    -- (each mail looked up in the unique index: as a join, the set's few hundred mails were
    -- matched against all of messages, read whole)
    UPDATE pg_temp.ccrm_mail_work w SET status = 'duplicate', msg_id = d.id
      FROM (SELECT x.i, m.id FROM pg_temp.ccrm_mail_work x
             CROSS JOIN LATERAL (SELECT m.id FROM messages m WHERE m.message_id = x.mid
                                  LIMIT 1) m
             WHERE x.status <> 'noqueue') d
     WHERE d.i = w.i;

    -- the loop guard: this sender's mail to this queue in the last loop_minutes (mail without
    -- a sender counts as one sender's)
    IF p_live THEN
        UPDATE pg_temp.ccrm_mail_work w SET status = 'loop'
          FROM mail_queues q
         WHERE q.id = w.queue_id AND w.status IN ('received', 'auto', 'bounce')
           AND (SELECT count(*) FROM (
                    SELECT 1 FROM messages x
                     WHERE (x.from_addr = w.from_addr
                            OR (w.from_addr IS NULL AND x.from_addr IS NULL))
                       AND x.direction = 'in'
                       AND x.queue_id = q.id
                       AND x.received_at > now() - make_interval(mins => q.loop_minutes)
                     LIMIT q.loop_max) s) >= q.loop_max;
    END IF;

    -- the sender's contact and account
    UPDATE pg_temp.ccrm_mail_work w SET contact_id = c.id, account_id = c.account_id
      FROM contacts c
     WHERE lower(c.email) = w.from_addr AND w.status NOT IN ('duplicate', 'noqueue');

    -- (the sender's account, until the customer's mail takes its record's: below)
    -- 1. the plus-address token, in one of our addresses
    UPDATE pg_temp.ccrm_mail_work w
       SET thread_by = 'token', ticket_id = h.ticket_id, lead_id = h.lead_id
      FROM pg_temp.ccrm_mail_work w2
     CROSS JOIN LATERAL ccrm_mail_token(w2.rcpt) h
     WHERE w2.i = w.i AND w2.status NOT IN ('duplicate', 'noqueue');
    -- 2. the subject tag
    UPDATE pg_temp.ccrm_mail_work w
       SET thread_by = 'tag', ticket_id = t.id
      FROM tickets t
     WHERE w.thread_by IS NULL AND w.status NOT IN ('duplicate', 'noqueue')
       AND w.subject ~ '\[#[0-9]{1,18}\]' AND t.id = ccrm_mail_tag(w.subject, false);
    UPDATE pg_temp.ccrm_mail_work w
       SET thread_by = 'tag', lead_id = l.id
      FROM leads l
     WHERE w.thread_by IS NULL AND w.status NOT IN ('duplicate', 'noqueue')
       AND w.subject ~ '\[#[lL][0-9]{1,18}\]' AND l.id = ccrm_mail_tag(w.subject, true);
    -- 3. References and In-Reply-To: the candidate closest to the end wins (In-Reply-To is
    --    the end); a stored mail filed on a record, or a person's mail of this set
    UPDATE pg_temp.ccrm_mail_work w
       SET thread_by = 'references', ticket_id = h.ticket_id, lead_id = h.lead_id,
           opp_id = h.opp_id, parent_i = h.parent_i
      FROM (SELECT DISTINCT ON (w2.i) w2.i, c.ticket_id, c.lead_id, c.opp_id, c.parent_i
              FROM pg_temp.ccrm_mail_work w2
             CROSS JOIN LATERAL (
                   SELECT array_position(ids.a, m.message_id) AS pos, 1 AS pref,
                          m.ticket_id, m.lead_id, m.opportunity_id AS opp_id,
                          NULL::int AS parent_i
                     FROM (SELECT w2.refs || coalesce(w2.irt, '') AS a) ids,
                          messages m
                    WHERE m.message_id = ANY (ids.a)
                      AND (m.ticket_id IS NOT NULL OR m.lead_id IS NOT NULL
                           OR m.opportunity_id IS NOT NULL)
                   UNION ALL
                   SELECT array_position(ids.a, p.mid), 0, NULL, NULL, NULL, p.i
                     FROM (SELECT w2.refs || coalesce(w2.irt, '') AS a) ids,
                          pg_temp.ccrm_mail_work p
                    WHERE p.mid = ANY (ids.a) AND p.i <> w2.i AND p.status = 'received'
                      AND p.dup_of IS NULL AND p.queue_id IS NOT NULL) c
             WHERE w2.thread_by IS NULL AND w2.status NOT IN ('duplicate', 'noqueue')
               AND (cardinality(w2.refs) > 0 OR w2.irt IS NOT NULL)
             ORDER BY w2.i, c.pos DESC, c.pref DESC) h
     WHERE h.i = w.i;
    -- 4. the same subject from the same sender within the queue's window: the newest, stored
    --    or of this set
    UPDATE pg_temp.ccrm_mail_work w
       SET thread_by = 'subject', ticket_id = h.ticket_id, lead_id = h.lead_id,
           opp_id = h.opp_id, parent_i = h.parent_i
      FROM (SELECT DISTINCT ON (w2.i) w2.i, c.ticket_id, c.lead_id, c.opp_id, c.parent_i
              FROM pg_temp.ccrm_mail_work w2
              JOIN mail_queues q ON q.id = w2.queue_id
             CROSS JOIN LATERAL (
                   (SELECT m.received_at AS at, 0 AS k, m.ticket_id, m.lead_id,
                           m.opportunity_id AS opp_id, NULL::int AS parent_i
                      FROM messages m
                     WHERE m.from_addr = w2.from_addr
                       AND left(m.subject_key, 200) = left(w2.skey, 200) -- messages_sender_idx
                       AND m.subject_key = w2.skey
                       AND m.received_at >= w2.at - q.subject_window AND m.received_at <= w2.at
                       AND m.direction = 'in' AND m.queue_id = q.id
                       AND (m.ticket_id IS NOT NULL OR m.lead_id IS NOT NULL
                            OR m.opportunity_id IS NOT NULL)
                     ORDER BY m.received_at DESC, m.id DESC LIMIT 1)
                   UNION ALL
                   (SELECT p.at, p.i, NULL, NULL, NULL, p.i
                      FROM pg_temp.ccrm_mail_work p
                     WHERE p.from_addr = w2.from_addr AND left(p.skey, 200) = left(w2.skey, 200)
                       AND p.skey = w2.skey
                       AND p.queue_id = q.id AND p.status = 'received' AND p.dup_of IS NULL
                       AND p.at >= w2.at - q.subject_window
                       AND (p.at, p.i) < (w2.at, w2.i)
                       AND p.parent_i IS DISTINCT FROM w2.i
                     ORDER BY p.at DESC, p.i DESC LIMIT 1)) c
             WHERE w2.thread_by IS NULL AND w2.status NOT IN ('duplicate', 'noqueue')
               AND w2.from_addr IS NOT NULL AND length(w2.skey) >= 3
             ORDER BY w2.i, c.at DESC, c.k DESC) h
     WHERE h.i = w.i;

    -- Where each conversation starts: follow the mails of this set up to one that is filed on
    -- a record already, or that starts a new one. Where references run in a circle (mails
    -- that name each other), the first mail of the circle starts the conversation.
    LOOP
        WITH RECURSIVE chain AS (
            SELECT w.i, w.i AS top FROM pg_temp.ccrm_mail_work w
             WHERE w.parent_i IS NULL AND w.status NOT IN ('duplicate', 'noqueue')
            UNION ALL
            SELECT c.i, ch.top FROM pg_temp.ccrm_mail_work c JOIN chain ch ON c.parent_i = ch.i
        )
        UPDATE pg_temp.ccrm_mail_work w SET top_i = ch.top FROM chain ch WHERE ch.i = w.i;
        UPDATE pg_temp.ccrm_mail_work w SET parent_i = NULL, thread_by = NULL
         WHERE w.i = (SELECT min(x.i) FROM pg_temp.ccrm_mail_work x
                       WHERE x.top_i IS NULL AND x.status NOT IN ('duplicate', 'noqueue'));
        EXIT WHEN NOT FOUND;
    END LOOP;

    -- live: a person's answer to a closed ticket starts a new ticket that follows it up, on
    -- the closed one's account when the customer wrote it
    IF p_live THEN
        UPDATE pg_temp.ccrm_mail_work w
           SET ticket_id = coalesce(ccrm_mail_follow_up(w.ticket_id, w.refs || coalesce(w.irt, ''),
                                                        w.from_addr, w.skey, w.queue_id, w.at),
                                    w.ticket_id)
          FROM tickets t
         WHERE t.id = w.ticket_id AND t.status = 'closed' AND w.top_i = w.i
           AND w.status = 'received';
        UPDATE pg_temp.ccrm_mail_work w
           SET follow_of = w.ticket_id, ticket_id = NULL,
               account_id = CASE WHEN ccrm_mail_from_customer(t.id, NULL, NULL, w.contact_id,
                                                              w.account_id, w.from_addr)
                                 THEN coalesce(t.account_id, w.account_id)
                                 ELSE w.account_id END
          FROM tickets t
         WHERE t.id = w.ticket_id AND t.status = 'closed' AND w.top_i = w.i
           AND w.status = 'received';
    END IF;
    UPDATE pg_temp.ccrm_mail_work w SET root = true
     WHERE w.top_i = w.i AND w.status = 'received'
       AND w.ticket_id IS NULL AND w.lead_id IS NULL AND w.opp_id IS NULL;

    -- new conversations: unknown senders first
    WITH s AS (
        SELECT DISTINCT ON (w.from_addr) w.from_addr, w.from_name,
               (SELECT u.login FROM users u WHERE u.login = q.assignee AND u.active
                                              AND u.partner_org_id IS NULL) AS owner
          FROM pg_temp.ccrm_mail_work w JOIN mail_queues q ON q.id = w.queue_id
         WHERE w.root AND w.contact_id IS NULL AND w.from_addr IS NOT NULL
           AND w.from_addr ~ '^[^@[:space:]]+@[^@[:space:]]+$' -- a quoted local part with a space: no contact, the mail stays
           AND q.unknown_sender = 'contact'
         ORDER BY w.from_addr, w.i
    ), ins AS (
        -- (the name split once per row: (f(x)).a, (f(x)).b calls f twice)
        INSERT INTO contacts (first_name, last_name, email, account_id, owner)
        SELECT np.first_name, np.last_name, s.from_addr,
               (SELECT min(a.id) FROM accounts a
                 WHERE lower(a.domain) = split_part(s.from_addr, '@', 2) HAVING count(*) = 1),
               s.owner
          FROM s CROSS JOIN LATERAL ccrm_mail_name_parts(s.from_name) np
         ORDER BY s.from_addr
        ON CONFLICT ((lower(email))) DO NOTHING
        RETURNING lower(contacts.email) AS email
    )
    UPDATE pg_temp.ccrm_mail_work w SET created = w.created || 'contact'::text
      FROM ins
     WHERE ins.email = w.from_addr
       AND w.i = (SELECT min(x.i) FROM pg_temp.ccrm_mail_work x
                   WHERE x.root AND x.from_addr = w.from_addr);
    UPDATE pg_temp.ccrm_mail_work w SET contact_id = c.id, account_id = c.account_id
      FROM contacts c
     WHERE lower(c.email) = w.from_addr AND w.contact_id IS NULL
       AND w.status NOT IN ('duplicate', 'noqueue');

    -- sales: the newest open deal of the person's account, else the person's open lead, else
    -- a new lead
    UPDATE pg_temp.ccrm_mail_work w
       SET opp_id = (SELECT o.id FROM opportunities o
                      WHERE o.account_id = w.account_id AND o.stage NOT IN ('won', 'lost')
                      ORDER BY o.updated_at DESC, o.id DESC LIMIT 1)
      FROM mail_queues q
     WHERE q.id = w.queue_id AND w.root AND q.creates = 'lead'
       AND w.contact_id IS NOT NULL AND w.account_id IS NOT NULL;
    UPDATE pg_temp.ccrm_mail_work w
       SET lead_id = (SELECT l.id FROM leads l
                       WHERE ((w.contact_id IS NOT NULL AND l.contact_id = w.contact_id)
                              OR lower(l.email) = w.from_addr)
                         AND l.status <> 'converted'
                       ORDER BY l.id DESC LIMIT 1)
      FROM mail_queues q
     WHERE q.id = w.queue_id AND w.root AND w.opp_id IS NULL
       AND (q.creates = 'lead' OR q.unknown_sender = 'lead');
    WITH s AS (
        SELECT DISTINCT ON (w.from_addr) w.from_addr, w.from_name, w.contact_id, w.account_id,
               (SELECT u.login FROM users u WHERE u.login = q.assignee AND u.active
                                              AND u.partner_org_id IS NULL) AS owner
          FROM pg_temp.ccrm_mail_work w JOIN mail_queues q ON q.id = w.queue_id
         WHERE w.root AND w.opp_id IS NULL AND w.lead_id IS NULL AND w.from_addr IS NOT NULL
           AND w.from_addr ~ '^[^@[:space:]]+@[^@[:space:]]+$'
           AND (q.creates = 'lead' OR q.unknown_sender = 'lead')
           AND (w.contact_id IS NOT NULL OR q.unknown_sender = 'lead')
         ORDER BY w.from_addr, w.i
    ), ins AS (
        INSERT INTO leads (first_name, last_name, email, company, source, status, owner,
                           contact_id, account_id)
        SELECT np.first_name, np.last_name, s.from_addr,
               coalesce((SELECT a.name FROM accounts a WHERE a.id = s.account_id),
                        CASE WHEN np.last_name IS NULL THEN split_part(s.from_addr, '@', 2) END),
               'email', 'new', s.owner, s.contact_id, s.account_id
          FROM s CROSS JOIN LATERAL ccrm_mail_name_parts(s.from_name) np
         ORDER BY s.from_addr
        RETURNING leads.id, leads.email
    )
    UPDATE pg_temp.ccrm_mail_work w
       SET lead_id = ins.id,
           created = CASE WHEN w.i = (SELECT min(x.i) FROM pg_temp.ccrm_mail_work x
                                       WHERE x.root AND x.from_addr = w.from_addr)
                          THEN w.created || 'lead'::text ELSE w.created END
      FROM ins, mail_queues q
     WHERE ins.email = w.from_addr AND q.id = w.queue_id AND w.root AND w.opp_id IS NULL
       AND w.lead_id IS NULL AND (q.creates = 'lead' OR q.unknown_sender = 'lead');
    -- a person's mail to a lead queue without an address a lead can keep (no From, a From
    -- that could not be read, "a b"@x): a lead of its own, without e-mail, so that someone
    -- sees it, unless the queue makes nothing of unknown senders (ids taken first, as for
    -- tickets)
    UPDATE pg_temp.ccrm_mail_work w
       SET lead_id = nextval(v_lseq), created = w.created || 'lead'::text
      FROM mail_queues q
     WHERE q.id = w.queue_id AND w.root AND w.opp_id IS NULL AND w.lead_id IS NULL
       AND q.creates = 'lead' AND q.unknown_sender <> 'none'
       AND NOT coalesce(w.from_addr ~ '^[^@[:space:]]+@[^@[:space:]]+$', false);
    INSERT INTO leads (id, first_name, last_name, company, source, status, owner, account_id)
    OVERRIDING SYSTEM VALUE
    SELECT w.lead_id, (ccrm_mail_name_parts(w.from_name)).first_name,
           (ccrm_mail_name_parts(w.from_name)).last_name,
           coalesce((SELECT a.name FROM accounts a WHERE a.id = w.account_id),
                    CASE WHEN (ccrm_mail_name_parts(w.from_name)).last_name IS NULL
                         THEN coalesce(nullif(split_part(w.from_addr, '@', 2), ''),
                                       '(unknown sender)') END),
           'email', 'new',
           (SELECT u.login FROM users u WHERE u.login = q.assignee AND u.active
                                          AND u.partner_org_id IS NULL),
           w.account_id
      FROM pg_temp.ccrm_mail_work w JOIN mail_queues q ON q.id = w.queue_id
     WHERE w.root AND w.created @> '{lead}' AND q.creates = 'lead'
       AND NOT coalesce(w.from_addr ~ '^[^@[:space:]]+@[^@[:space:]]+$', false)
     ORDER BY w.lead_id;

    -- support: a ticket per new conversation (ids taken first, so each mail knows its own)
    UPDATE pg_temp.ccrm_mail_work w
       SET ticket_id = nextval(v_tseq),
           created = w.created || 'ticket'::text
      FROM mail_queues q
     WHERE q.id = w.queue_id AND w.root AND q.creates = 'ticket';
    -- history: a ticket starts when its first mail was written (ccrm_stamp keeps that date
    -- while ccrm_mail_history() says so), and gets no SLA clocks: a year-old conversation is
    -- due nothing today (ccrm_sla_start makes none for a ticket that starts before now() under
    -- this setting; those of a first mail without a Date, or dated ahead, start now: their
    -- clocks are taken back below)
    IF NOT p_live THEN
        PERFORM set_config('ccrm.mail_history', 'on', true);
    END IF;
    INSERT INTO tickets (id, subject, body, channel, contact_id, account_id, assignee, created_at)
    OVERRIDING SYSTEM VALUE
    SELECT w.ticket_id,
           coalesce(left(nullif(btrim(regexp_replace(w.subject, '[[:space:]]+', ' ', 'g')), ''),
                         200), '(no subject)'),
           CASE WHEN w.follow_of IS NOT NULL
                THEN format('Follow-up to ticket #%s.', w.follow_of) || E'\n\n' ELSE '' END
           || left(coalesce(p_bodies[w.i], ''), 10000),
           'email', w.contact_id, w.account_id,
           (SELECT u.login FROM users u WHERE u.login = q.assignee AND u.active
                                          AND u.partner_org_id IS NULL),
           CASE WHEN p_live THEN now() ELSE w.at END
      FROM pg_temp.ccrm_mail_work w JOIN mail_queues q ON q.id = w.queue_id
     WHERE w.root AND q.creates = 'ticket'
     ORDER BY w.ticket_id;
    IF NOT p_live THEN
        PERFORM set_config('ccrm.mail_history', '', true);
        DELETE FROM sla_clocks k USING pg_temp.ccrm_mail_work w
         WHERE k.ticket_id = w.ticket_id AND w.root AND w.created @> '{ticket}'
           AND w.at >= now();
    END IF;

    -- the rest of each conversation takes the records of its start
    UPDATE pg_temp.ccrm_mail_work w
       SET ticket_id = t.ticket_id, lead_id = t.lead_id, opp_id = t.opp_id
      FROM pg_temp.ccrm_mail_work t
     WHERE t.i = w.top_i AND w.top_i <> w.i;
    -- a mail filed on a record its sender is not the customer of keeps the sender's own
    -- account (or none); the customer's takes the record's (the first mail of a ticket new in
    -- this set is its start's)
    UPDATE pg_temp.ccrm_mail_work w
       SET member = ccrm_mail_from_customer(w.ticket_id, w.lead_id, w.opp_id, w.contact_id,
                                            w.account_id, w.from_addr,
                                            (SELECT p.from_addr FROM pg_temp.ccrm_mail_work p
                                              WHERE p.i = w.top_i))
     WHERE NOT w.root AND w.status NOT IN ('duplicate', 'noqueue')
       AND (w.ticket_id IS NOT NULL OR w.opp_id IS NOT NULL OR w.lead_id IS NOT NULL);
    UPDATE pg_temp.ccrm_mail_work w
       SET account_id = coalesce((SELECT t.account_id FROM tickets t WHERE t.id = w.ticket_id),
                                 (SELECT o.account_id FROM opportunities o WHERE o.id = w.opp_id),
                                 (SELECT l.account_id FROM leads l WHERE l.id = w.lead_id),
                                 w.account_id)
     WHERE w.member AND w.status NOT IN ('duplicate', 'noqueue')
       AND (w.ticket_id IS NOT NULL OR w.opp_id IS NOT NULL OR w.lead_id IS NOT NULL)
       AND (NOT w.root OR w.account_id IS NULL);

    -- live: the customer's answer reopens a pending ticket, or a solved one when the queue
    -- says so; the queue's assignee hears of new tickets and leads
    IF p_live THEN
        UPDATE tickets t SET status = 'open'
          FROM pg_temp.ccrm_mail_work w JOIN mail_queues q ON q.id = w.queue_id
         WHERE t.id = w.ticket_id AND w.status = 'received' AND NOT w.root AND w.member
           AND ccrm_mail_reopens(t.status, q.reopen_on_reply);
        PERFORM ccrm_inbox_put(u.login, 'assignment',
                               CASE WHEN w.ticket_id IS NOT NULL THEN 'tickets' ELSE 'leads' END,
                               coalesce(w.ticket_id, w.lead_id),
                               'new mail from ' || coalesce(ccrm_mail_format_addr(w.from_name,
                                                                                  w.from_addr),
                                                            w.from_name, 'an unknown sender')
                               || ': ' || w.subject)
          FROM pg_temp.ccrm_mail_work w
          JOIN mail_queues q ON q.id = w.queue_id
          JOIN users u ON u.login = q.assignee AND u.active AND u.partner_org_id IS NULL
         WHERE w.root AND (w.created @> '{ticket}' OR w.created @> '{lead}')
         ORDER BY w.i;
    END IF;

    -- the customer timeline: each entry under its sender's contact, or none (the setting tells
    -- ccrm_fill_account not to fill in the ticket's or lead's contact: a stranger who writes on
    -- a ticket is not its customer)
    UPDATE pg_temp.ccrm_mail_work w
       SET ix_id = nextval(v_iseq)
     WHERE w.status IN ('received', 'auto', 'bounce');
    PERFORM set_config('ccrm.mail_sender_contact', 'on', true);
    INSERT INTO interactions (id, kind, channel, direction, subject, body, at, account_id,
                              contact_id, lead_id, opportunity_id, ticket_id)
    OVERRIDING SYSTEM VALUE
    SELECT w.ix_id, 'email', 'email', 'in', nullif(left(w.subject, 500), ''),
           ccrm_mail_excerpt(p_bodies[w.i]), w.at, w.account_id, w.contact_id, w.lead_id,
           w.opp_id, w.ticket_id
      FROM pg_temp.ccrm_mail_work w WHERE w.ix_id IS NOT NULL ORDER BY w.ix_id;
    PERFORM set_config('ccrm.mail_sender_contact', '', true);

    -- the mails
    WITH ins AS (
        INSERT INTO messages (message_id, queue_id, direction, status, thread_by, in_reply_to,
                              "references", from_addr, from_name, reply_to, to_addr, cc_addr,
                              subject, sent_at, received_at, body_text, ticket_id, contact_id,
                              lead_id, account_id, opportunity_id, interaction_id)
        SELECT w.mid, w.queue_id, 'in', w.status, w.thread_by, w.irt, w.refs, w.from_addr,
               w.from_name, nullif(btrim(p_reply_tos[w.i]), ''), nullif(btrim(p_tos[w.i]), ''),
               nullif(btrim(p_ccs[w.i]), ''), w.subject, p_sent_ats[w.i], w.at,
               coalesce(p_bodies[w.i], ''), w.ticket_id, w.contact_id, w.lead_id, w.account_id,
               w.opp_id, w.ix_id
          FROM pg_temp.ccrm_mail_work w
         WHERE w.status IN ('received', 'auto', 'bounce', 'loop')
         ORDER BY w.i
        ON CONFLICT (message_id) DO NOTHING
        RETURNING messages.id, messages.message_id
    )
    UPDATE pg_temp.ccrm_mail_work w SET msg_id = ins.id FROM ins WHERE ins.message_id = w.mid
       AND w.status IN ('received', 'auto', 'bounce', 'loop');
    SELECT w.mid INTO v_bad FROM pg_temp.ccrm_mail_work w
     WHERE w.status IN ('received', 'auto', 'bounce', 'loop') AND w.msg_id IS NULL LIMIT 1;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'mail <%> was stored by another session at the same time', v_bad
            USING ERRCODE = '40001', HINT = 'Try again: it is a duplicate now.';
    END IF;

    IF cardinality(p_att_mail) > 0 THEN
        INSERT INTO attachments (msg_id, name, type, size, content)
        SELECT w.msg_id, ccrm_attachment_name(a.n), ccrm_attachment_type(a.t),
               coalesce(a.s, octet_length(a.c), 0), a.c
          FROM unnest(p_att_mail, p_att_names, p_att_types, p_att_sizes, p_att_contents)
               WITH ORDINALITY a(k, n, t, s, c, o)
          JOIN pg_temp.ccrm_mail_work w ON w.i = a.k
         WHERE w.status IN ('received', 'auto', 'bounce', 'loop')
         ORDER BY a.o;
    END IF;

    RETURN QUERY
        SELECT w.i,
               coalesce(w.msg_id, m.id), coalesce(m.status, w.status),
               w.status = 'duplicate', coalesce(m.thread_by, w.thread_by),
               coalesce(m.ticket_id, w.ticket_id), coalesce(m.lead_id, w.lead_id),
               coalesce(m.contact_id, w.contact_id), coalesce(m.opportunity_id, w.opp_id),
               coalesce(m.account_id, w.account_id),
               nullif(array_to_string(w.created, ','), '')
          FROM pg_temp.ccrm_mail_work w
          LEFT JOIN pg_temp.ccrm_mail_work f ON f.i = w.dup_of
          -- (by its key, for the duplicates only: not a join with all of messages)
          LEFT JOIN LATERAL (SELECT x.* FROM messages x
                              WHERE w.status = 'duplicate'
                                AND x.id = coalesce(w.msg_id, f.msg_id)
                              LIMIT 1) m ON true
         ORDER BY w.i;
END
$$;
SELECT ccrm_set_execute('ccrm_mail_store_set(text,boolean,text[],text[],text[],text[],text[],timestamptz[],text[],text[],text[],text[],text[],text[],text[],integer[],text[],text[],bigint[],bytea[])');

-- ccrm_mail_store_set() for the mails at the positions p_keep of the arrays (their
-- attachments with them), the rows numbered by those positions.
CREATE OR REPLACE FUNCTION ccrm_mail_store_pick(
    p_keep         int[],
    p_queue        text,
    p_live         boolean,
    p_mids         text[],
    p_from_addrs   text[],
    p_from_names   text[],
    p_subjects     text[],
    p_bodies       text[],
    p_sent_ats     timestamptz[],
    p_in_reply_tos text[],
    p_refs         text[],
    p_reply_tos    text[],
    p_tos          text[],
    p_ccs          text[],
    p_rcpts        text[],
    p_autos        text[],
    p_att_mail     int[],
    p_att_names    text[],
    p_att_types    text[],
    p_att_sizes    bigint[],
    p_att_contents bytea[])
RETURNS TABLE (i int, id bigint, status text, duplicate boolean, thread_by text,
               ticket_id bigint, lead_id bigint, contact_id bigint, opportunity_id bigint,
               account_id bigint, created text)
LANGUAGE sql
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH k AS (SELECT u.k, u.o FROM unnest(p_keep) WITH ORDINALITY u(k, o)),
         a AS (SELECT x.m, x.n, x.t, x.s, x.c, x.o, k.o AS ko
                 FROM unnest(p_att_mail, p_att_names, p_att_types, p_att_sizes, p_att_contents)
                      WITH ORDINALITY x(m, n, t, s, c, o)
                 JOIN k ON k.k = x.m)
    SELECT p_keep[r.i], r.id, r.status, r.duplicate, r.thread_by, r.ticket_id, r.lead_id,
           r.contact_id, r.opportunity_id, r.account_id, r.created
      FROM ccrm_mail_store_set(
               p_queue, p_live,
               ARRAY(SELECT p_mids[k.k] FROM k ORDER BY k.o),
               ARRAY(SELECT p_from_addrs[k.k] FROM k ORDER BY k.o),
               ARRAY(SELECT p_from_names[k.k] FROM k ORDER BY k.o),
               ARRAY(SELECT p_subjects[k.k] FROM k ORDER BY k.o),
               ARRAY(SELECT p_bodies[k.k] FROM k ORDER BY k.o),
               ARRAY(SELECT p_sent_ats[k.k] FROM k ORDER BY k.o),
               ARRAY(SELECT p_in_reply_tos[k.k] FROM k ORDER BY k.o),
               ARRAY(SELECT p_refs[k.k] FROM k ORDER BY k.o),
               ARRAY(SELECT p_reply_tos[k.k] FROM k ORDER BY k.o),
               ARRAY(SELECT p_tos[k.k] FROM k ORDER BY k.o),
               ARRAY(SELECT p_ccs[k.k] FROM k ORDER BY k.o),
               ARRAY(SELECT p_rcpts[k.k] FROM k ORDER BY k.o),
               ARRAY(SELECT p_autos[k.k] FROM k ORDER BY k.o),
               ARRAY(SELECT a.ko::int FROM a ORDER BY a.o),
               ARRAY(SELECT a.n FROM a ORDER BY a.o),
               ARRAY(SELECT a.t FROM a ORDER BY a.o),
               ARRAY(SELECT a.s FROM a ORDER BY a.o),
               ARRAY(SELECT a.c FROM a ORDER BY a.o)) r
$$;
SELECT ccrm_set_execute('ccrm_mail_store_pick(integer[],text,boolean,text[],text[],text[],text[],text[],timestamptz[],text[],text[],text[],text[],text[],text[],text[],integer[],text[],text[],bigint[],bytea[])');

-- The entry point (read ccrm_mail_store_set above): the set at once; when the database
-- refuses it for a value of one of its mails (SQLSTATE classes 22, 23, 54: the same mail
-- fails the same way again), each mail alone, rolled back, to find the ones it refuses, and
-- then the others at once. Those come back 'refused', so that an import reports them by their
-- place and stores the rest. (The set runs in a subtransaction for this; other errors, a lost
-- race among them, end the call as before.)
CREATE OR REPLACE FUNCTION ccrm_mail_store_many(
    p_queue        text,
    p_live         boolean,
    p_mids         text[],
    p_from_addrs   text[],
    p_from_names   text[],
    p_subjects     text[],
    p_bodies       text[],
    p_sent_ats     timestamptz[],
    p_in_reply_tos text[],
    p_refs         text[],
    p_reply_tos    text[],
    p_tos          text[],
    p_ccs          text[],
    p_rcpts        text[],
    p_autos        text[],
    p_att_mail     int[] DEFAULT NULL,
    p_att_names    text[] DEFAULT NULL,
    p_att_types    text[] DEFAULT NULL,
    p_att_sizes    bigint[] DEFAULT NULL,
    p_att_contents bytea[] DEFAULT NULL)
RETURNS TABLE (i int, id bigint, status text, duplicate boolean, thread_by text,
               ticket_id bigint, lead_id bigint, contact_id bigint, opportunity_id bigint,
               account_id bigint, created text)
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    v_n     int := coalesce(cardinality(p_mids), 0);
    v_keep  int[] := '{}';
    v_bad   int[] := '{}';
    v_state text[] := '{}';
    v_why   text[] := '{}';
    k       int;
BEGIN
    BEGIN
        RETURN QUERY SELECT * FROM ccrm_mail_store_set(
            p_queue, p_live, p_mids, p_from_addrs, p_from_names, p_subjects, p_bodies,
            p_sent_ats, p_in_reply_tos, p_refs, p_reply_tos, p_tos, p_ccs, p_rcpts, p_autos,
            p_att_mail, p_att_names, p_att_types, p_att_sizes, p_att_contents);
        RETURN;
    EXCEPTION WHEN data_exception OR integrity_constraint_violation OR program_limit_exceeded THEN
        IF v_n = 1 THEN
            v_bad := '{1}';
            v_state := ARRAY[SQLSTATE::text];
            v_why := ARRAY[SQLERRM];
        END IF;
    END;
    IF v_n > 1 THEN
        FOR k IN 1 .. v_n LOOP
            BEGIN
                PERFORM FROM ccrm_mail_store_pick(
                    ARRAY[k], p_queue, p_live, p_mids, p_from_addrs, p_from_names, p_subjects,
                    p_bodies, p_sent_ats, p_in_reply_tos, p_refs, p_reply_tos, p_tos, p_ccs,
                    p_rcpts, p_autos, p_att_mail, p_att_names, p_att_types, p_att_sizes,
                    p_att_contents);
                RAISE EXCEPTION 'probe' USING ERRCODE = 'CR000'; -- a probe: roll it back
            EXCEPTION
                WHEN SQLSTATE 'CR000' THEN
                    v_keep := v_keep || k;
                WHEN data_exception OR integrity_constraint_violation
                     OR program_limit_exceeded THEN
                    v_bad := v_bad || k;
                    v_state := v_state || SQLSTATE::text;
                    v_why := v_why || SQLERRM;
            END;
        END LOOP;
        -- (when each mail passes alone, the set's failure is not one mail's: raise it again)
        IF cardinality(v_bad) = 0 THEN
            v_keep := '{}';
            RETURN QUERY SELECT * FROM ccrm_mail_store_set(
                p_queue, p_live, p_mids, p_from_addrs, p_from_names, p_subjects, p_bodies,
                p_sent_ats, p_in_reply_tos, p_refs, p_reply_tos, p_tos, p_ccs, p_rcpts, p_autos,
                p_att_mail, p_att_names, p_att_types, p_att_sizes, p_att_contents);
            RETURN;
        END IF;
    END IF;
    RETURN QUERY
        SELECT x.* FROM (
            SELECT * FROM ccrm_mail_store_pick(
                v_keep, p_queue, p_live, p_mids, p_from_addrs, p_from_names, p_subjects,
                p_bodies, p_sent_ats, p_in_reply_tos, p_refs, p_reply_tos, p_tos, p_ccs,
                p_rcpts, p_autos, p_att_mail, p_att_names, p_att_types, p_att_sizes,
                p_att_contents)
            UNION ALL
            SELECT b.k::int, NULL::bigint, 'refused'::text, false, b.st, NULL::bigint,
                   NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint, b.why
              FROM unnest(v_bad, v_state, v_why) b(k, st, why)) x
         ORDER BY x.i;
END
$$;
SELECT ccrm_set_execute('ccrm_mail_store_many(text,boolean,text[],text[],text[],text[],text[],timestamptz[],text[],text[],text[],text[],text[],text[],text[],integer[],text[],text[],bigint[],bytea[])',
                        'ccrm_internal');

-- ---------------------------------------------------------------------------------------
-- One mail: ccrm_mail_store(), the same rules as ccrm_mail_store_many() (read them there) for
-- a single mail, written as a handful of simple statements. Live delivery runs it: every MTA
-- delivery is a process of its own with a new backend, where each statement of the set-based
-- function is planned afresh (measured: ~100 ms against ~15 ms of its own here). The set-based
-- function stores the history import; test_mail_import checks that both store the corpus
-- alike. p_references and p_recipients are arrays here.
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION ccrm_mail_store(
    p_queue        text,
    p_message_id   text,
    p_from_addr    text,
    p_from_name    text DEFAULT NULL,
    p_subject      text DEFAULT NULL,
    p_body         text DEFAULT NULL,
    p_sent_at      timestamptz DEFAULT NULL,
    p_in_reply_to  text DEFAULT NULL,
    p_references   text[] DEFAULT NULL,
    p_reply_to     text DEFAULT NULL,
    p_to           text DEFAULT NULL,
    p_cc           text DEFAULT NULL,
    p_recipients   text[] DEFAULT NULL,
    p_auto         text DEFAULT NULL,
    p_att_names    text[] DEFAULT NULL,
    p_att_types    text[] DEFAULT NULL,
    p_att_sizes    bigint[] DEFAULT NULL,
    p_att_contents bytea[] DEFAULT NULL,
    p_live         boolean DEFAULT true)
RETURNS TABLE (id bigint, status text, duplicate boolean, thread_by text, ticket_id bigint,
               lead_id bigint, contact_id bigint, opportunity_id bigint, account_id bigint,
               created text)
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    q         mail_queues%ROWTYPE;
    d         messages%ROWTYPE;
    r         record;
    v_mid     text := btrim(p_message_id, ' <>');
    v_from    text := ccrm_mail_sender(p_from_addr);
    v_name    text := nullif(btrim(p_from_name), '');
    v_subject text := coalesce(p_subject, '');
    v_key     text := ccrm_mail_subject_key(p_subject);
    v_irt     text := nullif(btrim(p_in_reply_to, ' <>'), '');
    v_refs    text[] := coalesce(p_references, '{}');
    v_rcpt    text[] := coalesce(ARRAY(SELECT lower(x) FROM unnest(p_recipients) x), '{}');
    v_at      timestamptz := CASE WHEN p_live THEN now() ELSE coalesce(p_sent_at, now()) END;
    v_upto    timestamptz := v_at;
    v_status  text;
    v_by      text;
    v_ticket  bigint;
    v_lead    bigint;
    v_opp     bigint;
    v_contact bigint;
    v_account bigint;
    v_member  boolean := true;
    v_follow  bigint;
    v_assign  text;
    v_ix      bigint;
    v_id      bigint;
    v_created text[] := '{}';
    v_n       int;
    v_ids     text[];
BEGIN
    IF v_mid IS NULL OR v_mid = '' THEN
        RAISE EXCEPTION 'a mail needs a Message-ID' USING ERRCODE = '22023';
    END IF;
    IF p_queue IS NOT NULL THEN
        SELECT * INTO q FROM mail_queues x WHERE x.name = lower(btrim(p_queue));
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no mail queue "%"', p_queue USING ERRCODE = 'CR067';
        END IF;
        IF NOT q.active THEN
            RAISE EXCEPTION 'mail queue "%" is disabled', q.name USING ERRCODE = 'CR067';
        END IF;
    ELSE
        SELECT * INTO q FROM mail_queues x
         WHERE x.active
           AND lower(x.address) IN (SELECT regexp_replace(a, '\+[^@]*@', '@')
                                      FROM unnest(v_rcpt) a)
         ORDER BY x.id LIMIT 1;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no mail queue for %',
                            coalesce(nullif(array_to_string(v_rcpt, ', '), ''), 'this mail')
                USING ERRCODE = 'CR067', HINT = 'Name one with --queue.';
        END IF;
    END IF;

    -- duplicates (deliveries of one Message-ID take turns when live)
    IF p_live THEN
        PERFORM pg_advisory_xact_lock(ccrm_mail_lock_key('id', v_mid));
    END IF;
    SELECT * INTO d FROM messages x WHERE x.message_id = v_mid;
    -- another sender's mail under a Message-ID someone else's has: not a copy of it, stored
    -- under its own (ccrm_mail_own_id; a retry of it finds it there, under the same lock)
    IF FOUND AND d.from_addr IS DISTINCT FROM v_from THEN
        v_mid := ccrm_mail_own_id(v_mid, v_from);
        SELECT * INTO d FROM messages x WHERE x.message_id = v_mid;
    END IF;
    IF FOUND THEN
        RETURN QUERY SELECT d.id, d.status, true, d.thread_by, d.ticket_id, d.lead_id,
                            d.contact_id, d.opportunity_id, d.account_id, NULL::text;
        RETURN;
    END IF;

    -- the search blocks' filing is not the MTA's to wait for (ccrm_search_blocks_queued); the
    -- setting ends with the delivery's transaction. And one sender's deliveries take turns
    -- (after the Message-ID's lock, always in that order): an MTA retrying its deferred mail
    -- after an outage delivers a sender's mails at once, and each would look for the sender's
    -- open lead, contact and thread before the others committed theirs, and make its own
    -- (six mails, six leads). The statements below see the one before's, committed.
    IF p_live THEN
        PERFORM set_config('ccrm.filing', 'later', true);
        PERFORM pg_advisory_xact_lock(ccrm_mail_lock_key('from', coalesce(v_from, '')));
        -- the deliveries before this one in turn may have begun after it (now() is when the
        -- transaction began, and their mail is stamped so): what they stored is earlier than
        -- the present, not than this delivery's stamp (six at once made two tickets now and then)
        v_upto := clock_timestamp();
    END IF;

    -- a mail without a readable sender is a person's all the same (see ccrm_mail_store_many)
    -- (mail from one of our own addresses, a colleague's copy from the shared mailbox or our
    -- answer come back, is threaded but makes no contact, lead or ticket: it is not a customer)
    v_status := CASE
        WHEN p_auto = 'bounce' OR v_from ~ '^(mailer-daemon|postmaster|mail-daemon)@' THEN 'bounce'
        WHEN p_auto IS NOT NULL OR ccrm_mail_ours(v_from) THEN 'auto'
        ELSE 'received' END;
    IF p_live THEN
        -- (mail without a sender counts as one sender's; each branch on messages_sender_time_idx)
        SELECT count(*) INTO v_n FROM (
            SELECT 1 FROM messages x
             WHERE v_from IS NOT NULL AND x.from_addr = v_from AND x.direction = 'in'
               AND x.queue_id = q.id
               AND x.received_at > now() - make_interval(mins => q.loop_minutes)
            UNION ALL
            SELECT 1 FROM messages x
             WHERE v_from IS NULL AND x.from_addr IS NULL AND x.direction = 'in'
               AND x.queue_id = q.id
               AND x.received_at > now() - make_interval(mins => q.loop_minutes)
             LIMIT q.loop_max) s;
        IF v_n >= q.loop_max THEN
            v_status := 'loop';
        END IF;
    END IF;
    IF v_from IS NOT NULL THEN
        SELECT c.id, c.account_id INTO v_contact, v_account FROM contacts c
         WHERE lower(c.email) = v_from;
    END IF;

    -- (v_account: the sender's, until the customer's mail takes its record's, below)
    -- 1. the plus-address token, in one of our addresses
    FOR r IN SELECT * FROM ccrm_mail_token(v_rcpt) LOOP
        v_by := 'token';
        v_ticket := r.ticket_id;
        v_lead := r.lead_id;
    END LOOP;
    -- 2. the subject tag
    IF v_by IS NULL AND v_subject ~ '\[#[0-9]{1,18}\]' THEN
        SELECT t.id INTO r FROM tickets t WHERE t.id = ccrm_mail_tag(v_subject, false);
        IF FOUND THEN
            v_by := 'tag';
            v_ticket := r.id;
        END IF;
    END IF;
    IF v_by IS NULL AND v_subject ~ '\[#[lL][0-9]{1,18}\]' THEN
        SELECT l.id INTO r FROM leads l WHERE l.id = ccrm_mail_tag(v_subject, true);
        IF FOUND THEN
            v_by := 'tag';
            v_lead := r.id;
        END IF;
    END IF;
    -- 3. References and In-Reply-To (the parent last: it wins)
    v_ids := v_refs || coalesce(v_irt, '');
    IF v_by IS NULL AND (cardinality(v_refs) > 0 OR v_irt IS NOT NULL) THEN
        SELECT x.ticket_id, x.lead_id, x.opportunity_id INTO r
          FROM messages x
         WHERE x.message_id = ANY (v_ids)
           AND (x.ticket_id IS NOT NULL OR x.lead_id IS NOT NULL OR x.opportunity_id IS NOT NULL)
         ORDER BY array_position(v_ids, x.message_id) DESC LIMIT 1;
        IF FOUND THEN
            v_by := 'references';
            v_ticket := r.ticket_id;
            v_lead := r.lead_id;
            v_opp := r.opportunity_id;
        END IF;
    END IF;
    -- 4. the same subject from the same sender within the window
    IF v_by IS NULL AND v_from IS NOT NULL AND length(v_key) >= 3 THEN
        SELECT x.ticket_id, x.lead_id, x.opportunity_id INTO r
          FROM messages x
         WHERE x.from_addr = v_from
           AND left(x.subject_key, 200) = left(v_key, 200) -- messages_sender_idx
           AND x.subject_key = v_key
           AND x.received_at >= v_at - q.subject_window AND x.received_at <= v_upto
           AND x.direction = 'in' AND x.queue_id = q.id
           AND (x.ticket_id IS NOT NULL OR x.lead_id IS NOT NULL OR x.opportunity_id IS NOT NULL)
         ORDER BY x.received_at DESC, x.id DESC LIMIT 1;
        IF FOUND THEN
            v_by := 'subject';
            v_ticket := r.ticket_id;
            v_lead := r.lead_id;
            v_opp := r.opportunity_id;
        END IF;
    END IF;
    -- the record's customer (its contact, a contact of its account, ...) is filed on the
    -- record's account; a stranger who named it keeps his own account, or none, and reopens
    -- nothing
    IF v_by IS NOT NULL THEN
        v_member := ccrm_mail_from_customer(v_ticket, v_lead, v_opp, v_contact, v_account, v_from);
        IF v_member THEN
            v_account := coalesce((SELECT t.account_id FROM tickets t WHERE t.id = v_ticket),
                                  (SELECT o.account_id FROM opportunities o WHERE o.id = v_opp),
                                  (SELECT l.account_id FROM leads l WHERE l.id = v_lead),
                                  v_account);
        END IF;
    END IF;

    -- live: a person's answer to a closed ticket starts a new ticket that follows it up, or
    -- goes on the one that already does in this conversation
    IF p_live AND v_status = 'received' AND v_ticket IS NOT NULL
       AND (SELECT t.status FROM tickets t WHERE t.id = v_ticket) = 'closed' THEN
        v_follow := ccrm_mail_follow_up(v_ticket, v_ids, v_from, v_key, q.id, v_upto);
        IF v_follow IS NOT NULL THEN
            v_ticket := v_follow;
            v_follow := NULL;
        ELSE
            v_follow := v_ticket;
            v_ticket := NULL;
        END IF;
    END IF;

    -- a new conversation
    IF v_status = 'received' AND v_ticket IS NULL AND v_lead IS NULL AND v_opp IS NULL THEN
        v_assign := (SELECT u.login FROM users u
                      WHERE u.login = q.assignee AND u.active AND u.partner_org_id IS NULL);
        -- an address the contacts' check refuses ("a b"@x, @x, a@) makes no contact or lead:
        -- the mail is stored all the same
        IF v_contact IS NULL AND v_from ~ '^[^@[:space:]]+@[^@[:space:]]+$' AND q.unknown_sender = 'contact' THEN
            INSERT INTO contacts (first_name, last_name, email, account_id, owner)
            SELECT (ccrm_mail_name_parts(v_name)).first_name,
                   (ccrm_mail_name_parts(v_name)).last_name, v_from,
                   (SELECT min(a.id) FROM accounts a
                     WHERE lower(a.domain) = split_part(v_from, '@', 2) HAVING count(*) = 1),
                   v_assign
            ON CONFLICT ((lower(email))) DO NOTHING
            RETURNING contacts.id INTO v_contact;
            IF v_contact IS NOT NULL THEN
                v_created := v_created || 'contact'::text;
            END IF;
            SELECT c.id, c.account_id INTO v_contact, v_account FROM contacts c
             WHERE lower(c.email) = v_from;
        END IF;
        IF q.creates = 'lead' AND v_contact IS NOT NULL AND v_account IS NOT NULL THEN
            SELECT o.id INTO v_opp FROM opportunities o
             WHERE o.account_id = v_account AND o.stage NOT IN ('won', 'lost')
             ORDER BY o.updated_at DESC, o.id DESC LIMIT 1;
        END IF;
        IF v_opp IS NULL AND (q.creates = 'lead' OR q.unknown_sender = 'lead') THEN
            SELECT l.id INTO v_lead FROM leads l
             WHERE ((v_contact IS NOT NULL AND l.contact_id = v_contact)
                    OR lower(l.email) = v_from)
               AND l.status <> 'converted'
             ORDER BY l.id DESC LIMIT 1;
            -- a lead queue makes a lead of a mail without an address a lead can keep (no
            -- From, one that could not be read, "a b"@x) too, without e-mail, so that someone
            -- sees it (unless it makes nothing of unknown senders)
            IF v_lead IS NULL
               AND (CASE WHEN v_from ~ '^[^@[:space:]]+@[^@[:space:]]+$'
                         THEN v_contact IS NOT NULL OR q.unknown_sender = 'lead'
                         ELSE q.creates = 'lead' AND q.unknown_sender <> 'none' END) THEN
                INSERT INTO leads (first_name, last_name, email, company, source, status, owner,
                                   contact_id, account_id)
                SELECT (ccrm_mail_name_parts(v_name)).first_name,
                       (ccrm_mail_name_parts(v_name)).last_name,
                       CASE WHEN v_from ~ '^[^@[:space:]]+@[^@[:space:]]+$' THEN v_from END,
                       coalesce((SELECT a.name FROM accounts a WHERE a.id = v_account),
                                CASE WHEN (ccrm_mail_name_parts(v_name)).last_name IS NULL
                                     THEN coalesce(nullif(split_part(v_from, '@', 2), ''),
                                                   '(unknown sender)') END),
                       'email', 'new', v_assign, v_contact, v_account
                RETURNING leads.id INTO v_lead;
                v_created := v_created || 'lead'::text;
            END IF;
        END IF;
        IF q.creates = 'ticket' THEN
            INSERT INTO tickets (subject, body, channel, contact_id, account_id, assignee)
            VALUES (coalesce(left(nullif(btrim(regexp_replace(v_subject, '[[:space:]]+', ' ', 'g')),
                                         ''), 200), '(no subject)'),
                    CASE WHEN v_follow IS NOT NULL
                         THEN format('Follow-up to ticket #%s.', v_follow) || E'\n\n' ELSE '' END
                    || left(coalesce(p_body, ''), 10000),
                    'email', v_contact, v_account, v_assign)
            RETURNING tickets.id INTO v_ticket;
            v_created := v_created || 'ticket'::text;
        END IF;
        IF p_live AND v_assign IS NOT NULL AND (v_created @> '{ticket}' OR v_created @> '{lead}') THEN
            PERFORM ccrm_inbox_put(v_assign, 'assignment',
                                   CASE WHEN v_ticket IS NOT NULL THEN 'tickets' ELSE 'leads' END,
                                   coalesce(v_ticket, v_lead),
                                   'new mail from ' || coalesce(ccrm_mail_format_addr(v_name,
                                                                                      v_from),
                                                                v_name, 'an unknown sender')
                                   || ': ' || v_subject);
        END IF;
    ELSIF p_live AND v_status = 'received' AND v_ticket IS NOT NULL AND v_member THEN
        -- the customer's answer reopens a pending ticket, or a solved one when the queue says so
        UPDATE tickets t SET status = 'open'
         WHERE t.id = v_ticket
           AND ccrm_mail_reopens(t.status, q.reopen_on_reply);
    END IF;
    IF v_account IS NULL AND v_member
       AND (v_ticket IS NOT NULL OR v_opp IS NOT NULL OR v_lead IS NOT NULL) THEN
        v_account := coalesce((SELECT t.account_id FROM tickets t WHERE t.id = v_ticket),
                              (SELECT o.account_id FROM opportunities o WHERE o.id = v_opp),
                              (SELECT l.account_id FROM leads l WHERE l.id = v_lead));
    END IF;

    -- the customer timeline, under the sender's contact or none (see ccrm_mail_store_many)
    IF v_status <> 'loop' THEN
        PERFORM set_config('ccrm.mail_sender_contact', 'on', true);
        INSERT INTO interactions (kind, channel, direction, subject, body, at, account_id,
                                  contact_id, lead_id, opportunity_id, ticket_id)
        VALUES ('email', 'email', 'in', nullif(left(v_subject, 500), ''),
                ccrm_mail_excerpt(p_body), v_at, v_account, v_contact, v_lead, v_opp, v_ticket)
        RETURNING interactions.id INTO v_ix;
        PERFORM set_config('ccrm.mail_sender_contact', '', true);
    END IF;
    INSERT INTO messages (message_id, queue_id, direction, status, thread_by, in_reply_to,
                          "references", from_addr, from_name, reply_to, to_addr, cc_addr,
                          subject, sent_at, received_at, body_text, ticket_id, contact_id,
                          lead_id, account_id, opportunity_id, interaction_id)
    VALUES (v_mid, q.id, 'in', v_status, v_by, v_irt, v_refs, v_from, v_name,
            nullif(btrim(p_reply_to), ''), nullif(btrim(p_to), ''), nullif(btrim(p_cc), ''),
            v_subject, p_sent_at, v_at, coalesce(p_body, ''), v_ticket, v_contact, v_lead,
            v_account, v_opp, v_ix)
    ON CONFLICT (message_id) DO NOTHING
    RETURNING messages.id INTO v_id;
    IF v_id IS NULL THEN
        RAISE EXCEPTION 'mail <%> was stored by another session at the same time', v_mid
            USING ERRCODE = '40001', HINT = 'Try again: it is a duplicate now.';
    END IF;
    IF cardinality(p_att_names) > 0 OR cardinality(p_att_contents) > 0 THEN
        INSERT INTO attachments (msg_id, name, type, size, content)
        SELECT v_id, ccrm_attachment_name(a.n), ccrm_attachment_type(a.t),
               coalesce(a.s, octet_length(a.c), 0), a.c
          FROM unnest(p_att_names, p_att_types, p_att_sizes, p_att_contents)
               WITH ORDINALITY a(n, t, s, c, o)
         ORDER BY a.o;
    END IF;
    RETURN QUERY SELECT v_id, v_status, false, v_by, v_ticket, v_lead, v_contact, v_opp,
                        v_account, nullif(array_to_string(v_created, ','), '');
END
$$;
SELECT ccrm_set_execute('ccrm_mail_store(text,text,text,text,text,text,timestamptz,text,text[],text,text,text,text[],text,text[],text[],bigint[],bytea[],boolean)',
                        'ccrm_internal');

-- The MTA's entry point: ccrm_mail_store(), live, as the schema owner. SECURITY DEFINER so that
-- the mail login needs no right on any customer table: it can store mail and learn which record
-- a mail went to, nothing else (docs/security.md). Executable by ccrm_mail only.
CREATE OR REPLACE FUNCTION ccrm_mail_deliver(
    p_queue        text,
    p_message_id   text,
    p_from_addr    text,
    p_from_name    text DEFAULT NULL,
    p_subject      text DEFAULT NULL,
    p_body         text DEFAULT NULL,
    p_sent_at      timestamptz DEFAULT NULL,
    p_in_reply_to  text DEFAULT NULL,
    p_references   text[] DEFAULT NULL,
    p_reply_to     text DEFAULT NULL,
    p_to           text DEFAULT NULL,
    p_cc           text DEFAULT NULL,
    p_recipients   text[] DEFAULT NULL,
    p_auto         text DEFAULT NULL,
    p_att_names    text[] DEFAULT NULL,
    p_att_types    text[] DEFAULT NULL,
    p_att_sizes    bigint[] DEFAULT NULL,
    p_att_contents bytea[] DEFAULT NULL)
RETURNS TABLE (id bigint, status text, duplicate boolean, thread_by text, ticket_id bigint,
               lead_id bigint, contact_id bigint, opportunity_id bigint, account_id bigint,
               created text)
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT * FROM public.ccrm_mail_store(p_queue, p_message_id, p_from_addr, p_from_name,
                                         p_subject, p_body, p_sent_at, p_in_reply_to,
                                         p_references, p_reply_to, p_to, p_cc, p_recipients,
                                         p_auto, p_att_names, p_att_types, p_att_sizes,
                                         p_att_contents, true)
$$;
SELECT ccrm_set_execute('ccrm_mail_deliver(text,text,text,text,text,text,timestamptz,text,text[],text,text,text,text[],text,text[],text[],bigint[],bytea[])',
                        'ccrm_mail');

-- ---------------------------------------------------------------------------------------
-- The guards of every mail that goes out from a record (ccrm_mail_reply, ccrm_billing_send):
-- the record exists for the caller (P0002 when it does not, or is not theirs to see), and the
-- caller is staff (partners: 42501, after the visibility check, so a partner learns nothing
-- of records they cannot see). Runs with the caller's rights.
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION ccrm_mail_out_check(p_entity text, p_id bigint) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NOT ccrm_record_exists(p_entity, p_id) THEN
        RAISE EXCEPTION '% #% not found', ccrm_entity_noun(p_entity), p_id
            USING ERRCODE = 'P0002', HINT = 'It does not exist, or you cannot see it.';
    END IF;
    IF NOT ccrm_is_internal() THEN
        RAISE EXCEPTION 'partners cannot send mail from ccrm' USING ERRCODE = '42501';
    END IF;
END
$$;
SELECT ccrm_set_execute('ccrm_mail_out_check(text,bigint)', 'ccrm_internal', 'ccrm_partner');

-- ---------------------------------------------------------------------------------------
-- What a file a person attaches must be, for every way of attaching one (ccrm_mail_out_attach
-- and the rule on attachments below): a name of one line with no directories, at most 255
-- characters, and a media type (type/subtype) that cannot change a MIME header. Raises 22023
-- naming what is wrong; the caller's rights.
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION ccrm_attachment_file_check(p_name text, p_type text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF btrim(coalesce(p_name, '')) = '' OR p_name ~ '[/\\[:cntrl:]]' OR length(btrim(p_name)) > 255 THEN
        RAISE EXCEPTION 'the file name "%" is not one: at most 255 characters, no directories, one line',
            coalesce(p_name, 'NULL') USING ERRCODE = '22023';
    END IF;
    IF lower(btrim(coalesce(p_type, ''))) !~ '^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$' THEN
        RAISE EXCEPTION 'the media type "%" is not one (type/subtype)', coalesce(p_type, 'NULL')
            USING ERRCODE = '22023';
    END IF;
END
$$;
SELECT ccrm_set_execute('ccrm_attachment_file_check(text,text)', 'ccrm_internal', 'ccrm_partner');

-- ---------------------------------------------------------------------------------------
-- The files of an outgoing mail (an answer's attachments, a quote's or an invoice's PDF and
-- e-invoice): ccrm_mail_out_attach(mail, names, types, contents) stores them in attachments,
-- in the order given, where incoming mail keeps its attachments (the same rights: staff
-- read them, partners with the mail's record, the mail login those of outgoing mail, 026),
-- and the outbox's sender reads them with the mail. Each needs a name (no directories, no
-- control characters), a media type (type/subtype) and its bytes; NULL or empty arrays:
-- nothing is attached. Returns how many were stored. Runs with the caller's rights.
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION ccrm_mail_out_attach(p_msg bigint, p_names text[], p_types text[],
                                                p_contents bytea[])
RETURNS int
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    n int := coalesce(cardinality(p_names), 0);
    bad text;
BEGIN
    IF coalesce(cardinality(p_types), 0) <> n OR coalesce(cardinality(p_contents), 0) <> n THEN
        RAISE EXCEPTION 'an attachment is sent with its file: a name, a type and the bytes of each'
            USING ERRCODE = '22023';
    END IF;
    IF n = 0 THEN
        RETURN 0;
    END IF;
    SELECT coalesce(x.name, 'NULL') INTO bad
      FROM unnest(p_names, p_types, p_contents) x(name, type, content)
     WHERE btrim(coalesce(x.name, '')) = '' OR btrim(coalesce(x.type, '')) = ''
        OR x.content IS NULL
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'an attachment is sent with its file: a name, a type and the bytes of each (not so "%")', bad
            USING ERRCODE = '22023';
    END IF;
    PERFORM ccrm_attachment_file_check(x.name, x.type) FROM unnest(p_names, p_types) x(name, type);
    INSERT INTO attachments (msg_id, name, type, size, content)
    SELECT p_msg, btrim(x.name), lower(btrim(x.type)), octet_length(x.content), x.content
      FROM unnest(p_names, p_types, p_contents) WITH ORDINALITY x(name, type, content, i)
     ORDER BY x.i;
    RETURN n;
END
$$;
SELECT ccrm_set_execute('ccrm_mail_out_attach(bigint,text[],text[],bytea[])', 'ccrm_internal',
                        'ccrm_partner');

-- ---------------------------------------------------------------------------------------
-- BEFORE INSERT on attachments (migration 048): a file is added by a person only to an
-- outgoing mail of his own that is still queued, or with a mail he stores in the same
-- transaction; either way with a name and a media type that cannot change a MIME header (the
-- checks of ccrm_mail_out_attach, for every writer: psql too). What a received or sent mail
-- carried is never changed. The mail store and the sender's own functions run as the schema's
-- owner (SECURITY DEFINER) and keep what a mail carried; the store writes every name and type
-- as ccrm_attachment_name and _type make them, so they pass the same checks.
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION ccrm_attachment_rule() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    m record;
BEGIN
    IF current_user = (SELECT pg_get_userbyid(c.relowner) FROM pg_class c
                        WHERE c.oid = 'public.attachments'::regclass)
       OR (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user) THEN
        RETURN NEW;
    END IF;
    SELECT x.direction, x.status, x.created_by, x.created_at INTO m
      FROM messages x WHERE x.id = NEW.msg_id;
    -- a mail stored by this person in this transaction (ccrm_mail_store, INVOKER, keeps the
    -- files the mail came with; its stamps cannot be forged), or his answer still queued
    IF FOUND AND m.direction = 'in' AND m.created_by = ccrm_actor() AND m.created_at = now() THEN
        PERFORM ccrm_attachment_file_check(NEW.name, NEW.type);
        RETURN NEW;
    END IF;
    IF NOT FOUND OR m.direction <> 'out' OR m.status <> 'queued'
       OR m.created_by IS DISTINCT FROM ccrm_actor() THEN
        RAISE EXCEPTION 'files are attached only to an answer of your own that is not sent yet (mail %)',
            NEW.msg_id
            USING ERRCODE = '42501',
                  HINT = 'What a received or sent mail carried is never changed.';
    END IF;
    PERFORM ccrm_attachment_file_check(NEW.name, NEW.type);
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_attachment_rule()');

-- ---------------------------------------------------------------------------------------
-- Whom an answer continues: ccrm_mail_reply_thread(entity, id, to) -> last_in, the record's
-- latest mail from the person the answer goes to (its To, the queue), and parent, the latest
-- mail of that conversation, theirs or ours to them (the subject, In-Reply-To, References).
-- That person is the one `to` names (when one of them wrote or was written to), else the
-- record's customer: its contact's or lead's address, or a contact of its account (anyone
-- when the record has no address, a deal). A stranger who files mail on the record by its
-- tag or a Message-ID of ours gets no answer meant for the customer, nor gives it his
-- subject and threading. Mails from a person only: auto-replies, bounces and looped mail are
-- never continued. NULLs when there is none. The caller's rights (ccrm_mail_reply, and the
-- client quoting the mail an answer starts from).
-- ---------------------------------------------------------------------------------------

-- The addresses (local@domain, lower case) a header's text names: "Ana <A@x.example>, b@y"
-- gives {a@x.example, b@y}.
CREATE OR REPLACE FUNCTION ccrm_mail_addrs(p_text text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT ARRAY(SELECT lower(m[1])
                   FROM regexp_matches(coalesce(p_text, ''),
                                       '([^[:space:]<>,;:"()]+@[^[:space:]<>,;:"()]+)', 'g') m)
$$;

CREATE OR REPLACE FUNCTION ccrm_mail_reply_thread(p_entity text, p_id bigint,
                                                  p_to text DEFAULT NULL,
                                                  OUT last_in bigint, OUT parent bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_email   text;
    v_account bigint;
    v_fk      text;
    v_for     text[] := nullif(ccrm_mail_addrs(p_to), '{}');
    -- whether $1 (an address) is the answer's person: one of $2 (the addresses to), else the
    -- customer ($3 the record's address, $4 its account)
    v_is      constant text :=
        '(CASE WHEN $2 IS NOT NULL THEN lower(%1$s) = ANY ($2)
               ELSE $3 IS NULL OR lower(%1$s) = lower($3)
                    OR EXISTS (SELECT 1 FROM contacts c
                                WHERE c.account_id = $4 AND lower(c.email) = lower(%1$s)) END)';
BEGIN
    CASE p_entity
        WHEN 'tickets' THEN
            SELECT c.email, t.account_id INTO v_email, v_account
              FROM tickets t LEFT JOIN contacts c ON c.id = t.contact_id WHERE t.id = p_id;
            v_fk := 'ticket_id';
        WHEN 'leads' THEN
            SELECT coalesce(l.email, c.email), l.account_id INTO v_email, v_account
              FROM leads l LEFT JOIN contacts c ON c.id = l.contact_id WHERE l.id = p_id;
            v_fk := 'lead_id';
        WHEN 'opportunities' THEN
            SELECT NULL, o.account_id INTO v_email, v_account FROM opportunities o WHERE o.id = p_id;
            v_fk := 'opportunity_id';
        WHEN 'contacts' THEN
            SELECT c.email, c.account_id INTO v_email, v_account FROM contacts c WHERE c.id = p_id;
            v_fk := 'contact_id';
        ELSE
            RETURN;
    END CASE;
    LOOP
        -- (on the messages index of the record's column, newest first)
        EXECUTE format('SELECT m.id FROM messages m WHERE m.%I = $1 AND m.direction = ''in''
                          AND m.status = ''received'' AND coalesce(%s, false)
                        ORDER BY m.received_at DESC, m.id DESC LIMIT 1',
                       v_fk, format(v_is, 'm.from_addr'))
           INTO last_in USING p_id, v_for, v_email, v_account;
        EXECUTE format('SELECT m.id FROM messages m WHERE m.%I = $1
                          AND CASE WHEN m.direction = ''in''
                                   THEN m.status = ''received'' AND coalesce(%s, false)
                                   ELSE NOT EXISTS (SELECT 1 FROM unnest(ccrm_mail_addrs(m.to_addr)) a(x)
                                                     WHERE NOT coalesce(%s, false)) END
                        ORDER BY m.received_at DESC, m.id DESC LIMIT 1',
                       v_fk, format(v_is, 'm.from_addr'), format(v_is, 'a.x'))
           INTO parent USING p_id, v_for, v_email, v_account;
        EXIT WHEN v_for IS NULL OR parent IS NOT NULL;
        v_for := NULL; -- nobody that `to` names is in the conversation: the customer's
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Answering: ccrm_mail_reply(entity, id, body, subject, to, cc, queue, names, types, contents)
--   -> the mail's id
--   entity: tickets, leads, contacts or opportunities. The mail is queued in the outbox
--   (status 'queued') and logged on the timeline (interaction, direction out) in the
--   caller's name; `ccrm --send-mail` (or the client) hands it to sendmail.
--   queue:   the one named, else the one the conversation came in on, else the first active
--            queue that creates tickets (for tickets) or leads (otherwise)
--   to:      the one given, else Reply-To (without addresses of ours) or From of the record's
--            latest mail from its customer (ccrm_mail_reply_thread), else the contact's or
--            lead's e-mail
--   subject: the one given, else "Re: " and the subject of the latest mail between us and the
--            person answered (ccrm_mail_reply_thread), else the record's title (a ticket's
--            subject, a deal's name); a ticket's tag [#1234] (a lead's [#L45]) is added when
--            missing. A contact or lead has no title: with no such mail to answer, the first
--            mail needs a subject of its own (22023), for no words of ours would be one ("Re:
--            contact #59" was sent to the customer)
--   headers: From is the queue's address and name, Reply-To its reply_to (with reply_token:
--            local+t1234@domain), In-Reply-To and References continue that latest mail, and
--            the Message-ID is generated here and stored, so the sender can
--            recognise a retry and the customer's answer finds its way back.
--   files:   names, types and contents: files attached (ccrm_mail_out_attach, as a document's
--            PDF is); the mail goes as a multipart/mixed with each in base64
--   status:  an answer to a new ticket opens it (new -> open), to a new lead contacts it
--            (new -> contacted); other statuses stay
-- Staff only (partners: 42501 after the visibility check); runs with the caller's rights.
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION ccrm_mail_reply(p_entity text, p_id bigint, p_body text,
                                p_subject text DEFAULT NULL, p_to text DEFAULT NULL,
                                p_cc text DEFAULT NULL, p_queue text DEFAULT NULL,
                                p_names text[] DEFAULT NULL, p_types text[] DEFAULT NULL,
                                p_contents bytea[] DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    q         mail_queues%ROWTYPE;
    th        record;
    parent    messages%ROWTYPE;
    last_in   messages%ROWTYPE;
    v_noun    text := ccrm_entity_noun(p_entity);
    v_ticket  bigint;
    v_lead    bigint;
    v_opp     bigint;
    v_contact bigint;
    v_account bigint;
    v_title   text;
    v_email   text;
    v_to      text;
    v_subject text;
    v_tag     text;
    v_mid     text;
    v_refs    text[];
    v_reply   text;
    v_ix      bigint;
    v_id      bigint;
BEGIN
    IF p_entity IS NULL OR p_entity NOT IN ('tickets', 'leads', 'contacts', 'opportunities') THEN
        RAISE EXCEPTION 'cannot answer %: mail goes out from tickets, leads, contacts and deals',
                        coalesce(p_entity, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    PERFORM ccrm_mail_out_check(p_entity, p_id);
    IF coalesce(p_body, '') !~ '[^[:space:]]' THEN
        RAISE EXCEPTION 'the answer is empty' USING ERRCODE = '22023';
    END IF;

    CASE p_entity
        WHEN 'tickets' THEN
            SELECT t.id, t.contact_id, t.account_id, t.subject, c.email
              INTO v_ticket, v_contact, v_account, v_title, v_email
              FROM tickets t LEFT JOIN contacts c ON c.id = t.contact_id WHERE t.id = p_id;
            v_tag := format('[#%s]', p_id);
        WHEN 'leads' THEN
            SELECT l.id, l.contact_id, l.account_id, NULL, coalesce(l.email, c.email)
              INTO v_lead, v_contact, v_account, v_title, v_email
              FROM leads l LEFT JOIN contacts c ON c.id = l.contact_id WHERE l.id = p_id;
            v_tag := format('[#L%s]', p_id);
        WHEN 'opportunities' THEN
            SELECT o.id, o.account_id, o.name INTO v_opp, v_account, v_title
              FROM opportunities o WHERE o.id = p_id;
        ELSE
            SELECT c.id, c.account_id, c.email INTO v_contact, v_account, v_email
              FROM contacts c WHERE c.id = p_id;
    END CASE;

    -- the latest mail between us and the person answered, and that person's latest mail: a
    -- stranger who wrote on the record neither gets the answer nor sets its subject and
    -- threading (ccrm_mail_reply_thread)
    SELECT * INTO th FROM ccrm_mail_reply_thread(p_entity, p_id, nullif(btrim(p_to), ''));
    SELECT * INTO parent FROM messages m WHERE m.id = th.parent;
    SELECT * INTO last_in FROM messages m WHERE m.id = th.last_in;

    IF p_queue IS NOT NULL THEN
        SELECT * INTO q FROM mail_queues x WHERE x.name = lower(btrim(p_queue)) AND x.active;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no active mail queue "%"', p_queue USING ERRCODE = '22023';
        END IF;
    ELSE
        SELECT * INTO q FROM mail_queues x
         WHERE x.active AND x.id = coalesce(last_in.queue_id, parent.queue_id);
        IF NOT FOUND THEN
            SELECT * INTO q FROM mail_queues x
             WHERE x.active
             ORDER BY x.creates <> CASE WHEN p_entity = 'tickets' THEN 'ticket' ELSE 'lead' END,
                      x.id
             LIMIT 1;
        END IF;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no mail queue to send from'
                USING ERRCODE = '55000', HINT = 'An admin creates one: see docs/mail.md.';
        END IF;
    END IF;

    -- the customer's last mail is answered where it came from; anyone else who wrote in (a
    -- ticket's number is easy to guess: "[#190]" in a subject files a stranger's mail on it)
    -- gets no answer meant for the customer. A Reply-To of ours (a queue's address, a token of
    -- another ticket: a web form's, a hostile sender's) is left out: the answer went to
    -- ourselves, came back as our own mail, and the customer never got it
    IF last_in.reply_to IS NOT NULL
       AND EXISTS (SELECT 1 FROM unnest(ccrm_mail_addrs(last_in.reply_to)) a(x)
                    WHERE ccrm_mail_ours(a.x)) THEN
        last_in.reply_to := (SELECT string_agg(a.x, ', ' ORDER BY a.k)
                               FROM unnest(ccrm_mail_addrs(last_in.reply_to))
                                    WITH ORDINALITY a(x, k)
                              WHERE NOT ccrm_mail_ours(a.x));
    END IF;
    v_to := coalesce(nullif(btrim(p_to), ''),
                     CASE WHEN last_in.id IS NOT NULL
                          THEN coalesce(last_in.reply_to,
                                        ccrm_mail_format_addr(last_in.from_name, last_in.from_addr))
                     END,
                     v_email);
    IF nullif(btrim(p_to), '') IS NOT NULL AND v_to !~ '@' THEN
        RAISE EXCEPTION '"%" is not an e-mail address', v_to USING ERRCODE = '22023';
    END IF;
    IF v_to IS NULL OR v_to !~ '@' THEN
        RAISE EXCEPTION '% #% has no e-mail address to answer', v_noun, p_id
            USING ERRCODE = '55000', HINT = 'Name one with --to.';
    END IF;
    IF v_to ~ '[[:cntrl:]]' OR coalesce(p_cc, '') ~ '[[:cntrl:]]'
       OR coalesce(p_subject, '') ~ '[[:cntrl:]]' THEN
        RAISE EXCEPTION 'addresses and subject are one line each' USING ERRCODE = '22023';
    END IF;

    v_subject := coalesce(nullif(btrim(p_subject), ''),
                          'Re: ' || coalesce(nullif(regexp_replace(
                              coalesce(parent.subject, v_title, ''),
                              '^\s*((re|aw|sv|antw|fwd?|wg)\s*(\[[0-9]+\])?\s*:\s*)+', '', 'i'),
                              ''), nullif(btrim(v_title), '')));
    IF v_subject IS NULL THEN
        RAISE EXCEPTION '% #% has no mail with a subject to answer: the mail needs a subject of its own',
                        v_noun, p_id
            USING ERRCODE = '22023', HINT = 'Name one with --subject.';
    END IF;
    IF v_tag IS NOT NULL AND strpos(v_subject, v_tag) = 0 THEN
        v_subject := v_subject || ' ' || v_tag;
    END IF;

    v_mid := 'ccrm.' || replace(gen_random_uuid()::text, '-', '') || '@'
             || split_part(q.address, '@', 2);
    IF parent.message_id IS NOT NULL THEN
        v_refs := parent."references" || parent.message_id;
        v_refs := v_refs[greatest(1, cardinality(v_refs) - 19):];
    END IF;
    v_reply := CASE
        WHEN q.reply_token AND p_entity IN ('tickets', 'leads') THEN
            ccrm_mail_token_addr(coalesce(q.reply_to, q.address),
                                 CASE p_entity WHEN 'tickets' THEN p_id END,
                                 CASE p_entity WHEN 'leads' THEN p_id END)
        ELSE q.reply_to END;

    -- the answer meets the ticket's response clocks when it is sent, not now
    -- (ccrm_sla_mail_sent)
    PERFORM set_config('ccrm.mail_reply', 'on', true);
    INSERT INTO interactions (kind, channel, direction, subject, body, at, account_id,
                              contact_id, lead_id, opportunity_id, ticket_id)
    VALUES ('email', 'email', 'out', left(v_subject, 500), ccrm_mail_excerpt(p_body), now(),
            v_account, v_contact, v_lead, v_opp, v_ticket)
    RETURNING id INTO v_ix;
    PERFORM set_config('ccrm.mail_reply', '', true);
    INSERT INTO messages (message_id, queue_id, direction, status, in_reply_to, "references",
                          from_addr, from_name, reply_to, to_addr, cc_addr, subject, body_text,
                          next_attempt_at, ticket_id, contact_id, lead_id, account_id,
                          opportunity_id, interaction_id)
    VALUES (v_mid, q.id, 'out', 'queued', parent.message_id, coalesce(v_refs, '{}'),
            lower(q.address), q.from_name, v_reply, v_to, nullif(btrim(p_cc), ''), v_subject,
            p_body, now(), v_ticket, v_contact, v_lead, v_account, v_opp, v_ix)
    RETURNING id INTO v_id;
    PERFORM ccrm_mail_out_attach(v_id, p_names, p_types, p_contents);
    -- someone works on it now: an answer to a new ticket opens it, as helpdesks do (a ticket
    -- stays "new" until someone touched it), and a new lead answered has been contacted. Any
    -- other status is the person's to set: pending waits for the customer and pauses the
    -- clocks of policies that pause on it; a lead is qualified by a person.
    IF v_ticket IS NOT NULL THEN
        UPDATE tickets t SET status = 'open' WHERE t.id = v_ticket AND t.status = 'new';
    ELSIF v_lead IS NOT NULL THEN
        UPDATE leads l SET status = 'contacted' WHERE l.id = v_lead AND l.status = 'new';
    END IF;
    PERFORM pg_notify('ccrm', '');
    RETURN v_id;
END
$$;
SELECT ccrm_set_execute('ccrm_mail_reply(text,bigint,text,text,text,text,text,text[],text[],bytea[])',
                        'ccrm_internal',
                        'ccrm_partner');

-- ---------------------------------------------------------------------------------------
-- The outbox, the sender's side. Never twice at once, at least once in the end:
--   claim: up to p_limit mails that are due (or just p_id), each locked FOR UPDATE SKIP
--          LOCKED, marked 'sending' and held by a session advisory lock
--          (ccrm_mail_lock_key('out', id)) until ccrm_mail_outbox_done() releases it. Two
--          senders never get the same mail.
--   A mail left 'sending' whose lock is free lost its sender (a crash, a lost connection)
--   after it was claimed: whether sendmail took it is unknown. It is sent again with the
--   same Message-ID (at-least-once: losing an answer is worse than a duplicate the
--   receiving side can recognise by its Message-ID), and last_error says so.
--   The caller holds the advisory locks of what it claimed: it must call done() for each, on
--   the same connection (or disconnect).
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION ccrm_mail_outbox_claim(p_limit int DEFAULT 10, p_id bigint DEFAULT NULL)
RETURNS TABLE (id bigint, message_id text, from_addr text, from_name text, reply_to text,
               to_addr text, cc_addr text, subject text, body_text text, in_reply_to text,
               "references" text[], created_at timestamptz, attempts int, resent boolean)
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    r        record;
    v_ids    bigint[] := '{}';
    v_resent bigint[] := '{}';
BEGIN
    FOR r IN SELECT m.id FROM messages m
              WHERE m.status = 'sending' AND m.direction = 'out'
                AND (p_id IS NULL OR m.id = p_id)
              ORDER BY m.id
              FOR UPDATE SKIP LOCKED
    LOOP
        EXIT WHEN cardinality(v_ids) >= p_limit;
        IF pg_try_advisory_lock(ccrm_mail_lock_key('out', r.id::text)) THEN
            v_ids := v_ids || r.id;
            v_resent := v_resent || r.id;
        END IF;
    END LOOP;
    FOR r IN SELECT m.id FROM messages m
              WHERE m.status = 'queued' AND m.direction = 'out'
                AND (CASE WHEN p_id IS NULL THEN m.next_attempt_at <= now() ELSE m.id = p_id END)
              ORDER BY m.next_attempt_at, m.id
              FOR UPDATE SKIP LOCKED
    LOOP
        EXIT WHEN cardinality(v_ids) >= p_limit;
        IF pg_try_advisory_lock(ccrm_mail_lock_key('out', r.id::text)) THEN
            v_ids := v_ids || r.id;
        END IF;
    END LOOP;
    IF cardinality(v_ids) = 0 THEN
        RETURN;
    END IF;
    UPDATE messages m
       SET status = 'sending', attempts = m.attempts + 1, sending_since = now(),
           sending_by = ccrm_actor(),
           last_error = CASE WHEN m.id = ANY (v_resent)
                             THEN 'an earlier attempt was interrupted before it was recorded; '
                                  'sent again with the same Message-ID'
                             ELSE m.last_error END
     WHERE m.id = ANY (v_ids);
    RETURN QUERY
        SELECT m.id, m.message_id, m.from_addr, m.from_name, m.reply_to, m.to_addr, m.cc_addr,
               m.subject, m.body_text, m.in_reply_to, m."references", m.created_at, m.attempts,
               m.id = ANY (v_resent)
          FROM messages m WHERE m.id = ANY (v_ids) ORDER BY m.id;
END
$$;
SELECT ccrm_set_execute('ccrm_mail_outbox_claim(integer,bigint)', 'ccrm_internal', 'ccrm_mail');

-- done(id, ok, error) -> the new status: sent; or queued again (the next attempt after 1, 2,
-- 4, ... minutes, at most 4 hours apart); or failed after p_max_attempts. Releases the lock.
CREATE OR REPLACE FUNCTION ccrm_mail_outbox_done(p_id bigint, p_ok boolean, p_error text DEFAULT NULL,
                                      p_max_attempts int DEFAULT 10)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_status text;
BEGIN
    UPDATE messages m
       SET status = CASE WHEN p_ok THEN 'sent'
                         WHEN m.attempts >= p_max_attempts THEN 'failed'
                         ELSE 'queued' END,
           sent_at = CASE WHEN p_ok THEN now() ELSE m.sent_at END,
           last_error = CASE WHEN p_ok THEN m.last_error
                             ELSE left(coalesce(p_error, 'unknown error'), 1000) END,
           next_attempt_at = CASE WHEN p_ok THEN NULL
                                  ELSE now() + least(interval '1 minute'
                                                     * power(2, greatest(m.attempts - 1, 0)),
                                                     interval '4 hours') END,
           sending_since = NULL, sending_by = NULL
     WHERE m.id = p_id AND m.status = 'sending'
    RETURNING m.status INTO v_status;
    PERFORM pg_advisory_unlock(ccrm_mail_lock_key('out', p_id::text));
    IF v_status IS NULL THEN
        RAISE EXCEPTION 'mail % is not being sent', p_id USING ERRCODE = '55000';
    END IF;
    RETURN v_status;
END
$$;
SELECT ccrm_set_execute('ccrm_mail_outbox_done(bigint,boolean,text,integer)', 'ccrm_internal',
                        'ccrm_mail');

-- ---------------------------------------------------------------------------------------
-- Reverting a mail import batch (ccrm --revert BATCH): in one transaction, every mail,
-- attachment, interaction, ticket, lead and contact the import created, found in the audit
-- trail by the batch's transaction. Refused, naming the row, when one of them changed since,
-- or when later mail, a later timeline entry, ticket or lead hangs on one of its records.
-- Called by ccrm_import_revert() for a batch of messages (its importer or an admin), like it
-- SECURITY DEFINER: nobody holds DELETE.
-- ---------------------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION ccrm_mail_import_revert(p_batch bigint) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_who  text := ccrm_person();
    b      import_batches%ROWTYPE;
    v_why  text;
    n_msg  bigint;
    n_ix   bigint;
    n_tic  bigint;
    n_lead bigint;
    n_con  bigint;
BEGIN
    SELECT * INTO b FROM import_batches x WHERE x.id = p_batch FOR UPDATE;
    IF NOT FOUND OR (b.created_by <> v_who AND NOT pg_has_role(v_who, 'ccrm_admin', 'USAGE')) THEN
        RAISE EXCEPTION 'import batch % does not exist (or is not yours)', p_batch
            USING ERRCODE = 'P0002';
    END IF;
    IF b.entity <> 'messages' THEN
        RAISE EXCEPTION 'import batch % is not a mail import', p_batch USING ERRCODE = '22023';
    END IF;
    IF b.reverted_at IS NOT NULL THEN
        RAISE EXCEPTION 'import batch % was already reverted by % at %', p_batch,
                        b.reverted_by, ccrm_when(b.reverted_at)
            USING ERRCODE = '55000';
    END IF;

    CREATE TEMP TABLE ccrm_revert_rows ON COMMIT DROP AS
        SELECT i.entity, i.entity_id, i.version
          FROM ccrm_audit_inserts(b.xid) i
         WHERE i.entity IN ('messages', 'attachments', 'interactions', 'tickets', 'leads',
                            'contacts');
    -- locked before they are checked, as ccrm_import_revert does (schema/096): a change
    -- committed meanwhile is seen below, and nothing can be hung on them until this ends
    PERFORM 1 FROM tickets t, ccrm_revert_rows r
      WHERE r.entity = 'tickets' AND t.id = r.entity_id ORDER BY t.id FOR UPDATE OF t;
    PERFORM 1 FROM leads l, ccrm_revert_rows r
      WHERE r.entity = 'leads' AND l.id = r.entity_id ORDER BY l.id FOR UPDATE OF l;
    PERFORM 1 FROM contacts c, ccrm_revert_rows r
      WHERE r.entity = 'contacts' AND c.id = r.entity_id ORDER BY c.id FOR UPDATE OF c;
    PERFORM 1 FROM interactions i, ccrm_revert_rows r
      WHERE r.entity = 'interactions' AND i.id = r.entity_id ORDER BY i.id FOR UPDATE OF i;
    PERFORM 1 FROM messages m, ccrm_revert_rows r
      WHERE r.entity = 'messages' AND m.id = r.entity_id ORDER BY m.id FOR UPDATE OF m;
    SELECT format('%s #%s was changed after the import', ccrm_entity_noun(r.entity), r.entity_id)
      INTO v_why
      FROM ccrm_revert_rows r
     WHERE (r.entity = 'tickets'
            AND (SELECT t.version FROM tickets t WHERE t.id = r.entity_id) <> r.version)
        OR (r.entity = 'leads'
            AND (SELECT l.version FROM leads l WHERE l.id = r.entity_id) <> r.version)
        OR (r.entity = 'contacts'
            AND (SELECT c.version FROM contacts c WHERE c.id = r.entity_id) <> r.version)
        OR (r.entity = 'interactions'
            AND (SELECT i.version FROM interactions i WHERE i.id = r.entity_id) <> r.version)
     ORDER BY r.entity, r.entity_id LIMIT 1;
    IF v_why IS NULL THEN
        SELECT format('%s #%s has mail that did not come with the import (mail %s)',
                      ccrm_entity_noun(r.entity), r.entity_id, m.id)
          INTO v_why
          FROM ccrm_revert_rows r
          JOIN messages m ON (r.entity = 'tickets' AND m.ticket_id = r.entity_id)
                          OR (r.entity = 'leads' AND m.lead_id = r.entity_id)
                          OR (r.entity = 'contacts' AND m.contact_id = r.entity_id)
         WHERE r.entity IN ('tickets', 'leads', 'contacts')
           AND NOT EXISTS (SELECT 1 FROM ccrm_revert_rows x
                            WHERE x.entity = 'messages' AND x.entity_id = m.id)
         ORDER BY m.id, array_position(ARRAY['tickets', 'leads', 'contacts'], r.entity)
         LIMIT 1;
    END IF;
    IF v_why IS NULL THEN
        SELECT format('%s #%s has a timeline entry that did not come with the import '
                      '(interaction %s)', ccrm_entity_noun(r.entity), r.entity_id, i.id)
          INTO v_why
          FROM ccrm_revert_rows r
          JOIN interactions i ON (r.entity = 'tickets' AND i.ticket_id = r.entity_id)
                              OR (r.entity = 'leads' AND i.lead_id = r.entity_id)
                              OR (r.entity = 'contacts' AND i.contact_id = r.entity_id)
         WHERE r.entity IN ('tickets', 'leads', 'contacts')
           AND NOT EXISTS (SELECT 1 FROM ccrm_revert_rows x
                            WHERE x.entity = 'interactions' AND x.entity_id = i.id)
         ORDER BY i.id, array_position(ARRAY['tickets', 'leads', 'contacts'], r.entity)
         LIMIT 1;
    END IF;
    IF v_why IS NULL THEN
        SELECT format('contact #%s has %s #%s that did not come with the import', r.entity_id,
                      x.noun, x.id)
          INTO v_why
          FROM ccrm_revert_rows r
          JOIN LATERAL (SELECT 'ticket' AS noun, t.id FROM tickets t WHERE t.contact_id = r.entity_id
                        UNION ALL
                        SELECT 'lead', l.id FROM leads l WHERE l.contact_id = r.entity_id) x
            ON true
         WHERE r.entity = 'contacts'
           AND NOT EXISTS (SELECT 1 FROM ccrm_revert_rows y
                            WHERE y.entity = x.noun || 's' AND y.entity_id = x.id)
         ORDER BY r.entity_id, x.id
         LIMIT 1;
    END IF;
    IF v_why IS NOT NULL THEN
        RAISE EXCEPTION 'cannot revert import batch %: %; nothing reverted', p_batch, v_why
            USING ERRCODE = '55000';
    END IF;

    UPDATE import_batches SET reverted_at = now() WHERE id = p_batch;
    DELETE FROM messages m USING ccrm_revert_rows r
     WHERE r.entity = 'messages' AND m.id = r.entity_id;
    GET DIAGNOSTICS n_msg = ROW_COUNT;
    DELETE FROM interactions i USING ccrm_revert_rows r
     WHERE r.entity = 'interactions' AND i.id = r.entity_id;
    GET DIAGNOSTICS n_ix = ROW_COUNT;
    DELETE FROM tickets t USING ccrm_revert_rows r
     WHERE r.entity = 'tickets' AND t.id = r.entity_id;
    GET DIAGNOSTICS n_tic = ROW_COUNT;
    DELETE FROM leads l USING ccrm_revert_rows r
     WHERE r.entity = 'leads' AND l.id = r.entity_id;
    GET DIAGNOSTICS n_lead = ROW_COUNT;
    DELETE FROM contacts c USING ccrm_revert_rows r
     WHERE r.entity = 'contacts' AND c.id = r.entity_id;
    GET DIAGNOSTICS n_con = ROW_COUNT;
    -- who followed (or unwatched) the records deleted: nothing else removes those rows (as
    -- ccrm_import_revert does for a CSV batch)
    DELETE FROM followers f USING ccrm_revert_rows r
     WHERE r.entity IN ('tickets', 'leads', 'contacts') AND f.entity = r.entity
       AND f.entity_id = r.entity_id;
    -- the revert's one event now (see ccrm_import_revert)
    SET CONSTRAINTS ccrm_import_revert_event IMMEDIATE;
    -- (the counts as a CSV import's revert writes them: 12,345)
    RETURN format('reverted import batch %s (mail from %s): %s mail%s, %s ticket%s, %s lead%s, '
                  '%s contact%s deleted', p_batch, coalesce(b.file_name, '?'),
                  to_char(n_msg, 'FM999,999,999,999,990'), CASE WHEN n_msg = 1 THEN '' ELSE 's' END,
                  to_char(n_tic, 'FM999,999,999,999,990'), CASE WHEN n_tic = 1 THEN '' ELSE 's' END,
                  to_char(n_lead, 'FM999,999,999,999,990'), CASE WHEN n_lead = 1 THEN '' ELSE 's' END,
                  to_char(n_con, 'FM999,999,999,999,990'), CASE WHEN n_con = 1 THEN '' ELSE 's' END);
END
$$;
SELECT ccrm_set_execute('ccrm_mail_import_revert(bigint)');
