-- ccrm schema, migration 014: hardening. No escalation, no sideways leaks, no single user stalling
-- everyone. docs/security.md explains every rule and holds the allow-list of privileges that
-- tests/db/test_grants.sh compares with the catalog.
--
-- 1. Privileges from an allow-list. Every privilege on every table and sequence is revoked from
--    PUBLIC and the ccrm roles, then granted again from the list below: SELECT and INSERT on whole
--    tables, UPDATE only on columns, and no DELETE, TRUNCATE, TRIGGER or REFERENCES for anyone
--    but the owner. So no ccrm role can attach a trigger that a SECURITY DEFINER function would
--    fire (an admin's pg_temp trigger on users ran as the owner when ccrm_add_user inserted), and
--    none can take a lock that other people's writes wait for: LOCK TABLE beyond ROW EXCLUSIVE
--    needs table-level UPDATE, DELETE or TRUNCATE. Deleting goes through ccrm_delete(), which
--    applies the department rules of 004; unsharing through ccrm_unshare(); an import's batch is
--    made only by ccrm_import_begin(), its revert by ccrm_import_revert().
-- 2. One rule for what a partner may see. A record is visible to a partner when its own
--    account_id (an account's own id) is shared with the partner's organisation: that is the
--    record's policy (004). Everything hanging off a record (comments, mentions, chat, presence,
--    inbox entries, events) is visible exactly when the record is: the policies of those tables
--    ask the record's own policy (ccrm_record_exists), and events carry the account the record's
--    policy uses (ccrm_event_account), not a guess through the record's contact.
-- 3. Writes name a person: a session acting as a group role (SET ROLE ccrm_sales) may not write
--    (ccrm_person()), so audit, events, created_by, authors and inbox senders are always people.
-- 4. Inbox entries are written only by ccrm_inbox_put(), with the real sender, bounded per
--    sender and recipient; nobody inserts inbox rows directly.
-- 5. Presence and chat take their account from their record on every write (presence.account_id
--    could be set to any account, and the foreign-key error told which ids exist).
-- 6. Each login gets a connection limit, lock_timeout and idle_in_transaction_session_timeout.

-- ---------------------------------------------------------------------------------------
-- 3. The person acting
-- ---------------------------------------------------------------------------------------

-- The person a write is made by: ccrm_actor() (SET ROLE if any, else the login), refused when
-- that is a role nobody logs in as (a department group role, ccrm_internal, a pg_ role), so
-- that no write is anonymous. Called once per statement (a catalog lookup), never per row.
CREATE FUNCTION ccrm_person() RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_who text := public.ccrm_actor();
BEGIN
    IF NOT coalesce((SELECT r.rolcanlogin FROM pg_catalog.pg_roles r WHERE r.rolname = v_who),
                    false) THEN
        RAISE EXCEPTION 'writes as the group role "%" are refused: write as yourself', v_who
            USING ERRCODE = '42501', HINT = 'RESET ROLE, then try again.';
    END IF;
    RETURN v_who;
END
$$;

-- Department tests decide on the person acting. Outside SECURITY DEFINER functions that is
-- current_user, as before; inside one (ccrm_delete, an import's revert) it is still the caller,
-- not the owner, so a department rule on a trigger holds there too.
CREATE OR REPLACE FUNCTION ccrm_in_dept(VARIADIC p_depts text[]) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_has_role(public.ccrm_actor(), 'ccrm_admin', 'USAGE')
        OR EXISTS (SELECT 1 FROM unnest(p_depts) d
                    WHERE pg_has_role(public.ccrm_actor(), 'ccrm_' || d, 'USAGE'))
$$;

-- ---------------------------------------------------------------------------------------
-- 2. One rule for what may be seen
-- ---------------------------------------------------------------------------------------

-- May the caller see this record? Asked by reading the record through the caller's own
-- row-level security, so it is the record's policy itself. A table the caller may not read at
-- all (a partner and campaigns) answers false instead of raising. Comments, chat, presence and
-- inbox policies use it for the record they hang off.
CREATE OR REPLACE FUNCTION ccrm_record_exists(p_entity text, p_id bigint) RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF p_entity IS NULL OR p_id IS NULL
       OR p_entity NOT IN ('accounts', 'contacts', 'leads', 'opportunities', 'tickets',
                           'interactions', 'campaigns')
       OR NOT has_table_privilege(('public.' || p_entity)::regclass, 'SELECT') THEN
        RETURN false;
    END IF;
    CASE p_entity
        WHEN 'accounts' THEN RETURN EXISTS (SELECT 1 FROM accounts r WHERE r.id = p_id);
        WHEN 'contacts' THEN RETURN EXISTS (SELECT 1 FROM contacts r WHERE r.id = p_id);
        WHEN 'leads' THEN RETURN EXISTS (SELECT 1 FROM leads r WHERE r.id = p_id);
        WHEN 'opportunities' THEN RETURN EXISTS (SELECT 1 FROM opportunities r WHERE r.id = p_id);
        WHEN 'tickets' THEN RETURN EXISTS (SELECT 1 FROM tickets r WHERE r.id = p_id);
        WHEN 'interactions' THEN RETURN EXISTS (SELECT 1 FROM interactions r WHERE r.id = p_id);
        ELSE RETURN EXISTS (SELECT 1 FROM campaigns r WHERE r.id = p_id);
    END CASE;
END
$$;

-- The account whose sharing decides whether a partner sees a record: its own account_id (an
-- account's own id), exactly what the record's partner policy (004) tests. NULL for campaigns,
-- for a record without one and for one the caller cannot see. ccrm_entity_account() (001) used
-- to fall back on a lead's or ticket's contact, which made events, comments, chat and presence
-- of an unshared lead visible to a partner; it is now this function under its old name.
CREATE OR REPLACE FUNCTION ccrm_entity_account(p_entity text, p_id bigint) RETURNS bigint
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT public.ccrm_record_account(p_entity, p_id) $$;

-- The account an event is filed under, from the written row r: the account the partner
-- policy of that row's record uses. Rows that hang off a record (comments, chat, inbox,
-- mentions) take their record's; campaign rows and the bookkeeping of users and sharing none
-- that a partner could be shown (the events policy lists the entities partners see).
CREATE OR REPLACE FUNCTION ccrm_event_account(p_entity text, r jsonb) RETURNS bigint
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT CASE p_entity
        WHEN 'accounts' THEN (r->>'id')::bigint
        WHEN 'contacts' THEN (r->>'account_id')::bigint
        WHEN 'leads' THEN (r->>'account_id')::bigint
        WHEN 'opportunities' THEN (r->>'account_id')::bigint
        WHEN 'tickets' THEN (r->>'account_id')::bigint
        WHEN 'interactions' THEN (r->>'account_id')::bigint
        WHEN 'account_shares' THEN (r->>'account_id')::bigint
        WHEN 'comments' THEN ccrm_record_account(r->>'entity', (r->>'entity_id')::bigint)
        WHEN 'chat_messages' THEN ccrm_record_account(r->>'entity', (r->>'entity_id')::bigint)
        WHEN 'inbox' THEN ccrm_record_account(r->>'entity', (r->>'entity_id')::bigint)
        WHEN 'mentions' THEN (SELECT ccrm_record_account(c.entity, c.entity_id)
                                FROM comments c WHERE c.id = (r->>'comment_id')::bigint)
    END
$$;

-- comments and mentions: visible with their record
DROP POLICY partner_read ON comments;
CREATE POLICY partner_read ON comments FOR SELECT TO ccrm_partner
    USING (ccrm_record_exists(comments.entity, comments.entity_id));

-- chat: internal users see every record, so every chat; a partner the chat of records it sees
DROP POLICY visible_read ON chat_messages;
CREATE POLICY internal_read ON chat_messages FOR SELECT TO ccrm_internal USING (true);
CREATE POLICY partner_read ON chat_messages FOR SELECT TO ccrm_partner
    USING (ccrm_record_exists(chat_messages.entity, chat_messages.entity_id));
DROP POLICY visible_insert ON chat_messages;
CREATE POLICY visible_insert ON chat_messages FOR INSERT TO ccrm_internal, ccrm_partner
    WITH CHECK (created_by = current_user
                AND ccrm_record_exists(chat_messages.entity, chat_messages.entity_id));

-- presence: the same, and one's own row always
DROP POLICY visible_read ON presence;
CREATE POLICY internal_read ON presence FOR SELECT TO ccrm_internal USING (true);
CREATE POLICY partner_read ON presence FOR SELECT TO ccrm_partner
    USING (login = current_user OR ccrm_record_exists(presence.entity, presence.entity_id));

-- inbox: a partner's own rows, and of those only the ones about a record it sees (or none)
DROP POLICY partner_visible ON inbox;
CREATE POLICY partner_visible ON inbox AS RESTRICTIVE FOR ALL TO ccrm_partner
    USING (inbox.entity IS NULL OR ccrm_record_exists(inbox.entity, inbox.entity_id));

-- events: the record's account, as the record's own policy; chat on shared records too (its
-- messages are readable there, so their events may reach a partner's client)
DROP POLICY partner_read ON events;
CREATE POLICY partner_read ON events FOR SELECT TO ccrm_partner
    USING (events.entity IN ('accounts', 'contacts', 'leads', 'opportunities', 'tickets',
                             'interactions', 'comments', 'chat_messages')
           AND EXISTS (SELECT 1 FROM account_shares s
                        WHERE s.account_id = events.account_id
                          AND s.partner_org_id = (SELECT ccrm_partner_org())));

-- Events written before this migration: file them again under the rule above. For leads,
-- tickets and interactions the row as written is in the audit trail of the same transaction;
-- rows hanging off a record take that record's own account now. An event whose row cannot be
-- found any more gets no account (no partner sees it), never a guessed one.
UPDATE events e
   SET account_id = (SELECT (coalesce(a.new_row, a.old_row)->>'account_id')::bigint
                       FROM audit a
                      WHERE a.entity = e.entity AND a.entity_id = e.entity_id AND a.xid = e.xid
                      ORDER BY a.id DESC LIMIT 1)
 WHERE e.entity IN ('leads', 'tickets', 'interactions') AND e.entity_id IS NOT NULL
   AND e.account_id IS NOT NULL;
UPDATE events e
   SET account_id = (SELECT ccrm_record_account(c.entity, c.entity_id)
                       FROM comments c WHERE c.id = e.entity_id)
 WHERE e.entity = 'comments' AND e.account_id IS NOT NULL;
UPDATE events e
   SET account_id = (SELECT ccrm_record_account(c.entity, c.entity_id)
                       FROM chat_messages c WHERE c.id = e.entity_id)
 WHERE e.entity = 'chat_messages' AND e.account_id IS NOT NULL;
UPDATE events e
   SET account_id = (SELECT ccrm_record_account(i.entity, i.entity_id)
                       FROM inbox i WHERE i.id = e.entity_id)
 WHERE e.entity = 'inbox' AND e.account_id IS NOT NULL;
UPDATE events e
   SET account_id = (SELECT ccrm_record_account(c.entity, c.entity_id)
                       FROM mentions m JOIN comments c ON c.id = m.comment_id
                      WHERE m.id = e.entity_id)
 WHERE e.entity = 'mentions' AND e.account_id IS NOT NULL;

-- ---------------------------------------------------------------------------------------
-- 5. Presence and chat: the account is the record's on every write
-- ---------------------------------------------------------------------------------------
DROP TRIGGER ccrm_presence_account ON presence;
CREATE TRIGGER ccrm_presence_account BEFORE INSERT OR UPDATE ON presence
    FOR EACH ROW EXECUTE FUNCTION ccrm_chat_account();
DROP TRIGGER ccrm_chat_account ON chat_messages;
CREATE TRIGGER ccrm_chat_account BEFORE INSERT OR UPDATE ON chat_messages
    FOR EACH ROW EXECUTE FUNCTION ccrm_chat_account();

-- presence writes name a person too (presence has no logging trigger to refuse them)
CREATE OR REPLACE FUNCTION ccrm_presence_notify() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    PERFORM ccrm_person();
    PERFORM pg_notify('ccrm', '');
    RETURN NULL;
END
$$;

-- Leave a record: remove the caller's presence row of this session (p_current) and its rows of
-- sessions that are gone (a crashed client). Returns the rows removed. DEFINER because nobody
-- holds DELETE on presence (see 1.); it only ever removes the caller's own rows.
CREATE FUNCTION ccrm_presence_clear(p_current boolean DEFAULT true) RETURNS int
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_who text := ccrm_person();
    v_n int;
BEGIN
    DELETE FROM presence p
     WHERE p.login = v_who
       AND ((p_current AND p.backend_pid = pg_backend_pid())
            OR (p.backend_pid <> pg_backend_pid()
                AND NOT EXISTS (SELECT 1 FROM pg_stat_activity s WHERE s.pid = p.backend_pid)));
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END
$$;

-- ---------------------------------------------------------------------------------------
-- 4. Inbox entries: written by one function, with the real sender, bounded
-- ---------------------------------------------------------------------------------------
CREATE INDEX inbox_from_idx ON inbox (from_login, login, created_at);

-- Put one entry in p_login's inbox from the caller. Returns true when written, false when not
-- (the recipient is the caller, or the caller has sent that recipient 30 entries in the last
-- ten minutes: the bound). Refused: partners as senders, unknown or disabled recipients, a
-- partner recipient for a record its organisation does not see, a record that does not exist,
-- an 'assignment' to someone who is not the record's owner now, a 'mention' without a comment
-- the caller wrote on the record mentioning the recipient. ccrm_assign, ccrm_ticket_signal and
-- the comment trigger call it; it is also the only way for psql.
CREATE FUNCTION ccrm_inbox_put(p_login text, p_kind text, p_entity text, p_id bigint,
                               p_note text) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_from text := ccrm_person();
    v_org  bigint;
    v_owner text;
BEGIN
    IF NOT pg_has_role(v_from, 'ccrm_internal', 'USAGE') THEN
        RAISE EXCEPTION 'partners cannot write to anyone''s inbox' USING ERRCODE = '42501';
    END IF;
    IF p_kind IS NULL OR p_kind NOT IN ('mention', 'assignment', 'handoff') THEN
        RAISE EXCEPTION 'unknown inbox entry kind "%"', coalesce(p_kind, 'NULL')
            USING ERRCODE = '22023', HINT = 'Kinds: mention, assignment, handoff.';
    END IF;
    IF (p_entity IS NULL) <> (p_id IS NULL)
       OR (p_entity IS NOT NULL AND NOT ccrm_record_exists(p_entity, p_id)) THEN
        RAISE EXCEPTION '% #% not found', ccrm_entity_noun(p_entity), p_id
            USING ERRCODE = 'P0002';
    END IF;
    SELECT u.partner_org_id INTO v_org FROM users u WHERE u.login = p_login AND u.active;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no active user "%"', p_login USING ERRCODE = '22023';
    END IF;
    IF v_org IS NOT NULL
       AND (p_entity IS NULL
            OR NOT EXISTS (SELECT 1 FROM account_shares s
                            WHERE s.partner_org_id = v_org
                              AND s.account_id = ccrm_record_account(p_entity, p_id))) THEN
        RAISE EXCEPTION 'user "%" is a partner who cannot see % #%', p_login,
                        ccrm_entity_noun(p_entity), p_id
            USING ERRCODE = '42501';
    END IF;
    IF p_kind = 'assignment' THEN
        EXECUTE format('SELECT %I FROM public.%I WHERE id = $1',
                       CASE WHEN p_entity = 'tickets' THEN 'assignee' ELSE 'owner' END, p_entity)
           INTO v_owner USING p_id;
        IF v_owner IS DISTINCT FROM p_login THEN
            RAISE EXCEPTION 'an assignment goes to the owner of % #%', ccrm_entity_noun(p_entity),
                            p_id
                USING ERRCODE = '22023', HINT = 'Assign the record with ccrm_assign().';
        END IF;
    ELSIF p_kind = 'mention'
          AND NOT EXISTS (SELECT 1 FROM mentions m JOIN comments c ON c.id = m.comment_id
                           WHERE m.login = p_login AND c.created_by = v_from
                             AND c.entity = p_entity AND c.entity_id = p_id) THEN
        RAISE EXCEPTION 'no comment of yours on % #% mentions %', ccrm_entity_noun(p_entity),
                        p_id, p_login
            USING ERRCODE = '22023';
    END IF;
    IF p_login = v_from
       OR (SELECT count(*) FROM inbox i
            WHERE i.from_login = v_from AND i.login = p_login
              AND i.created_at > now() - interval '10 minutes') >= 30 THEN
        RETURN false;
    END IF;
    INSERT INTO inbox (login, kind, entity, entity_id, from_login, note)
    VALUES (p_login, p_kind, p_entity, p_id, v_from, ccrm_inbox_note(p_note));
    RETURN true;
END
$$;

-- the comment trigger of 006, its inbox rows through ccrm_inbox_put
CREATE OR REPLACE FUNCTION ccrm_comment_mentions() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_account bigint;
    v_login text;
BEGIN
    IF NEW.body !~ '@' THEN
        RETURN NULL;
    END IF;
    v_account := ccrm_record_account(NEW.entity, NEW.entity_id);
    FOR v_login IN
        WITH named AS (
            SELECT DISTINCT lower(m[1]) AS login
              FROM regexp_matches(NEW.body, '(?:^|[^[:alnum:]_.@])@([[:alnum:]_]+)', 'g') m
        )
        INSERT INTO mentions (comment_id, login)
        SELECT NEW.id, u.login
          FROM named n
          JOIN users u ON u.login = n.login
         WHERE u.active
           AND (u.partner_org_id IS NULL
                OR EXISTS (SELECT 1 FROM account_shares s
                            WHERE s.account_id = v_account
                              AND s.partner_org_id = u.partner_org_id))
         ORDER BY u.login
        ON CONFLICT (comment_id, login) DO NOTHING
        RETURNING login
    LOOP
        IF v_login <> NEW.author THEN
            PERFORM ccrm_inbox_put(v_login, 'mention', NEW.entity, NEW.entity_id, NEW.body);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;

-- ccrm_assign of 006, its inbox rows through ccrm_inbox_put
CREATE OR REPLACE FUNCTION ccrm_assign(p_entity text, p_id bigint, p_to text,
                                       p_note text DEFAULT NULL, p_handoff boolean DEFAULT false)
RETURNS int
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_to   text := lower(ltrim(btrim(coalesce(p_to, '')), '@'));
    v_kind text := CASE WHEN p_handoff THEN 'handoff' ELSE 'assignment' END;
    v_noun text := ccrm_entity_noun(p_entity);
    u      record;
    n      int := 0;
BEGIN
    IF p_entity IS NULL OR p_entity NOT IN ('accounts', 'contacts', 'leads', 'opportunities',
                                            'tickets', 'campaigns') THEN
        RAISE EXCEPTION 'cannot assign or hand off %: only accounts, contacts, leads, deals, tickets and campaigns have an owner',
                        coalesce(p_entity, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF NOT ccrm_record_exists(p_entity, p_id) THEN
        RAISE EXCEPTION '% #% not found', v_noun, p_id
            USING ERRCODE = 'P0002', HINT = 'It does not exist, or you cannot see it.';
    END IF;
    IF NOT ccrm_is_internal() THEN
        RAISE EXCEPTION 'partners cannot assign or hand off records'
            USING ERRCODE = '42501';
    END IF;
    IF v_to = '' THEN
        RAISE EXCEPTION 'name a person (login) or a department to %',
                        CASE WHEN p_handoff THEN 'hand off to' ELSE 'assign to' END
            USING ERRCODE = '22023';
    END IF;

    IF v_to IN ('sales', 'support', 'marketing', 'management') THEN
        IF NOT coalesce(p_handoff, false) THEN
            RAISE EXCEPTION 'cannot assign % #% to the % department: an owner is one person',
                            v_noun, p_id, v_to
                USING ERRCODE = '22023',
                      HINT = 'Hand it off to the department instead, or name a person.';
        END IF;
        FOR u IN SELECT u2.login FROM users u2
                  WHERE u2.department = v_to AND u2.active AND u2.login <> current_user
                  ORDER BY u2.login
        LOOP
            n := n + 1;
            PERFORM ccrm_inbox_put(u.login, 'handoff', p_entity, p_id, p_note);
        END LOOP;
        IF n = 0 THEN
            RAISE EXCEPTION 'nobody else is active in the % department', v_to
                USING ERRCODE = '22023';
        END IF;
        RETURN n;
    END IF;

    SELECT x.login, x.active, x.department INTO u FROM users x WHERE x.login = v_to;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no user or department "%"', btrim(p_to)
            USING ERRCODE = '22023',
                  HINT = 'Name a login, or one of the departments sales, support, marketing, management.';
    END IF;
    IF NOT u.active THEN
        RAISE EXCEPTION 'user "%" is disabled', u.login USING ERRCODE = '22023';
    END IF;
    IF u.department = 'partner' THEN
        RAISE EXCEPTION 'user "%" is a partner: only internal users own records', u.login
            USING ERRCODE = '22023', HINT = 'Mention them in a comment instead.';
    END IF;

    CASE p_entity
        WHEN 'accounts' THEN
            UPDATE accounts SET owner = v_to WHERE id = p_id AND owner IS DISTINCT FROM v_to;
        WHEN 'contacts' THEN
            UPDATE contacts SET owner = v_to WHERE id = p_id AND owner IS DISTINCT FROM v_to;
        WHEN 'leads' THEN
            UPDATE leads SET owner = v_to WHERE id = p_id AND owner IS DISTINCT FROM v_to;
        WHEN 'opportunities' THEN
            UPDATE opportunities SET owner = v_to WHERE id = p_id AND owner IS DISTINCT FROM v_to;
        WHEN 'tickets' THEN
            UPDATE tickets SET assignee = v_to WHERE id = p_id AND assignee IS DISTINCT FROM v_to;
        WHEN 'campaigns' THEN
            UPDATE campaigns SET owner = v_to WHERE id = p_id AND owner IS DISTINCT FROM v_to;
    END CASE;

    IF v_to <> current_user THEN
        PERFORM ccrm_inbox_put(v_to, v_kind, p_entity, p_id, p_note);
        n := 1;
    END IF;
    RETURN n;
END
$$;

-- ccrm_ticket_signal of 006, its inbox rows through ccrm_inbox_put
CREATE OR REPLACE FUNCTION ccrm_ticket_signal(p_ticket bigint, p_note text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    t       tickets%ROWTYPE;
    c       contacts%ROWTYPE;
    v_lead  bigint;
    v_owner text;
    v_acc   bigint;
    v_body  text := nullif(btrim(p_note), '');
    v_subj  text := format('Sales signal from ticket #%s', p_ticket);
    v_login text;
BEGIN
    SELECT * INTO t FROM tickets x WHERE x.id = p_ticket;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'ticket #% not found', p_ticket
            USING ERRCODE = 'P0002', HINT = 'It does not exist, or you cannot see it.';
    END IF;
    IF NOT ccrm_is_internal() THEN
        RAISE EXCEPTION 'partners cannot send sales signals' USING ERRCODE = '42501';
    END IF;
    IF t.contact_id IS NULL THEN
        RAISE EXCEPTION 'ticket #% has no contact: there is no person to make a lead of', p_ticket
            USING ERRCODE = '55000', HINT = 'Link the ticket to a contact first.';
    END IF;
    SELECT * INTO c FROM contacts x WHERE x.id = t.contact_id;
    v_acc := coalesce(t.account_id, c.account_id);

    SELECT l.id, l.owner INTO v_lead, v_owner FROM leads l
     WHERE l.contact_id = c.id
     ORDER BY l.status = 'converted', l.id DESC
     LIMIT 1 FOR UPDATE;
    IF v_lead IS NULL AND c.email IS NOT NULL THEN
        SELECT l.id, l.owner INTO v_lead, v_owner FROM leads l
         WHERE lower(l.email) = lower(c.email)
         ORDER BY l.status = 'converted', l.id DESC
         LIMIT 1 FOR UPDATE;
    END IF;

    IF v_lead IS NULL THEN
        INSERT INTO leads (first_name, last_name, email, company, source, status, score, owner,
                           contact_id, account_id)
        VALUES (c.first_name, c.last_name, c.email,
                (SELECT a.name FROM accounts a WHERE a.id = v_acc), 'support', 'contacted', 10,
                NULL, c.id, v_acc)
        RETURNING id INTO v_lead;
    ELSE
        UPDATE leads l
           SET status = CASE WHEN l.status IN ('new', 'unqualified') THEN 'contacted'
                             ELSE l.status END,
               score = least(l.score + 10, 100),
               contact_id = coalesce(l.contact_id, c.id),
               account_id = coalesce(l.account_id, v_acc)
         WHERE l.id = v_lead;
    END IF;

    INSERT INTO interactions (kind, subject, body, lead_id, contact_id, ticket_id, account_id)
    VALUES ('note', v_subj, v_body, v_lead, c.id, p_ticket, v_acc);

    FOR v_login IN
        SELECT u.login FROM users u
         WHERE u.active AND u.login <> current_user
           AND (u.department = 'sales' OR (u.login = v_owner AND u.partner_org_id IS NULL))
         ORDER BY u.login
    LOOP
        PERFORM ccrm_inbox_put(v_login, 'handoff', 'leads', v_lead,
                               v_subj || coalesce(': ' || v_body, ''));
    END LOOP;
    RETURN v_lead;
END
$$;

-- ---------------------------------------------------------------------------------------
-- 1. Deleting, without DELETE privileges
-- ---------------------------------------------------------------------------------------

-- Delete rows of p_entity by id, as the caller, with the department rules of 004:
--   accounts, contacts, deals  sales, management, admin
--   tickets                    support, management, admin
--   leads                      marketing, management, admin
--   campaigns, their members   marketing, management, admin
--   interactions               any internal user their own; management and admin any
--   comments                   their author; management and admin any
--   inbox entries              their recipient or sender; admin any
--   chat messages              their author (partners too)
-- Rows the caller may not delete (someone else's comment) or that do not exist are skipped,
-- as a DELETE skips rows its policy hides. Returns the number of rows deleted. Audit, events
-- and cascades follow as for any DELETE, with the caller as the actor. DEFINER because nobody
-- but the owner holds DELETE: a DELETE privilege would also allow LOCK TABLE (see 1.).
CREATE FUNCTION ccrm_delete(p_entity text, p_ids bigint[]) RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_who  text := ccrm_person();
    v_any  boolean := pg_has_role(v_who, 'ccrm_management', 'USAGE')
                      OR pg_has_role(v_who, 'ccrm_admin', 'USAGE');
    v_mine text;   -- the rows that are the caller's own, when only those may go
    v_n    bigint;
BEGIN
    IF p_entity IN ('accounts', 'contacts', 'opportunities') THEN
        IF NOT ccrm_in_dept('sales', 'management') THEN
            RAISE EXCEPTION 'only sales, management and admin delete %s',
                            ccrm_entity_noun(p_entity) USING ERRCODE = '42501';
        END IF;
    ELSIF p_entity = 'tickets' THEN
        IF NOT ccrm_in_dept('support', 'management') THEN
            RAISE EXCEPTION 'only support, management and admin delete tickets'
                USING ERRCODE = '42501';
        END IF;
    ELSIF p_entity IN ('leads', 'campaigns', 'campaign_members') THEN
        IF NOT ccrm_in_dept('marketing', 'management') THEN
            RAISE EXCEPTION 'only marketing, management and admin delete %',
                            CASE p_entity WHEN 'leads' THEN 'leads' WHEN 'campaigns'
                                 THEN 'campaigns' ELSE 'campaign members' END
                USING ERRCODE = '42501';
        END IF;
    ELSIF p_entity = 'interactions' THEN
        v_mine := CASE WHEN v_any THEN NULL ELSE 't.created_by = $2' END;
    ELSIF p_entity = 'comments' THEN
        v_mine := CASE WHEN v_any THEN NULL ELSE 't.author = $2' END;
    ELSIF p_entity = 'inbox' THEN
        v_mine := CASE WHEN pg_has_role(v_who, 'ccrm_admin', 'USAGE') THEN NULL
                       ELSE '(t.login = $2 OR t.from_login = $2)' END;
    ELSIF p_entity = 'chat_messages' THEN
        v_mine := 't.created_by = $2';
    ELSE
        RAISE EXCEPTION 'cannot delete "%": not a kind of record', coalesce(p_entity, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF NOT pg_has_role(v_who, 'ccrm_internal', 'USAGE') AND p_entity <> 'chat_messages' THEN
        RAISE EXCEPTION 'partners cannot delete %', p_entity USING ERRCODE = '42501';
    END IF;
    EXECUTE format('DELETE FROM public.%I t WHERE t.id = ANY ($1)%s', p_entity,
                   coalesce(' AND ' || v_mine, ''))
        USING p_ids, v_who;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n;
END
$$;

-- One row, optionally at the version the caller read: a row changed since is not deleted and
-- raises CR001 like a stale UPDATE. Returns whether it was deleted.
CREATE FUNCTION ccrm_delete(p_entity text, p_id bigint, p_version int DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_now int;
BEGIN
    IF p_version IS NOT NULL AND ccrm_record_exists(p_entity, p_id) THEN
        EXECUTE format('SELECT version FROM public.%I WHERE id = $1', p_entity)
           INTO v_now USING p_id;
        IF v_now IS DISTINCT FROM p_version THEN
            RAISE EXCEPTION 'record was changed by someone else (version %, you had %)',
                            v_now, p_version
                USING ERRCODE = 'CR001',
                      HINT = 'Reload the record, then decide again.';
        END IF;
    END IF;
    RETURN ccrm_delete(p_entity, ARRAY[p_id]) > 0;
END
$$;

-- Stop sharing an account with a partner organisation (admins; ccrm --unshare). Returns
-- whether a share was removed.
CREATE FUNCTION ccrm_unshare(p_account bigint, p_org bigint) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_n int;
BEGIN
    IF NOT pg_has_role(ccrm_person(), 'ccrm_admin', 'USAGE') THEN
        RAISE EXCEPTION 'only admins stop sharing accounts' USING ERRCODE = '42501';
    END IF;
    DELETE FROM account_shares s WHERE s.account_id = p_account AND s.partner_org_id = p_org;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    RETURN v_n > 0;
END
$$;

-- ---------------------------------------------------------------------------------------
-- 1. Import batches: made only by the import path, counted by the server
-- ---------------------------------------------------------------------------------------

-- Start an import of p_entity in the current transaction: the batch row, which makes the
-- per-row events of this transaction's writes to p_entity (and only those) one summary event
-- at commit, with the numbers of rows inserted and updated counted from the audit trail (not
-- told by the client). Needs INSERT on p_entity; one batch per transaction.
CREATE FUNCTION ccrm_import_begin(p_entity text, p_file text) RETURNS bigint
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_who text := ccrm_person();
    v_id  bigint;
BEGIN
    IF p_entity IS NULL OR p_entity NOT IN ('accounts', 'contacts', 'leads', 'opportunities',
                                            'tickets', 'interactions') THEN
        RAISE EXCEPTION 'cannot import "%"', coalesce(p_entity, 'NULL') USING ERRCODE = '22023';
    END IF;
    IF NOT has_any_column_privilege(v_who, ('public.' || p_entity)::regclass, 'INSERT') THEN
        RAISE EXCEPTION 'permission denied to import %', p_entity USING ERRCODE = '42501';
    END IF;
    IF EXISTS (SELECT 1 FROM import_batches b
                WHERE b.xid = pg_current_xact_id() OR b.revert_xid = pg_current_xact_id()) THEN
        RAISE EXCEPTION 'this transaction is an import already' USING ERRCODE = '55000';
    END IF;
    INSERT INTO import_batches (entity, file_name)
    VALUES (p_entity, nullif(left(regexp_replace(coalesce(p_file, ''), '[[:cntrl:]]+', ' ', 'g'),
                                  200), ''))
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;

-- The client's own figures for its batch (rows skipped as duplicates, rows rejected), in the
-- importing transaction only.
CREATE FUNCTION ccrm_import_note(p_batch bigint, p_skipped bigint, p_rejected bigint)
RETURNS void
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    UPDATE import_batches SET skipped = greatest(p_skipped, 0), rejected = greatest(p_rejected, 0)
     WHERE id = p_batch AND xid = pg_current_xact_id() AND created_by = ccrm_person();
$$;

-- The summary event of an import or a revert, at commit. The counts are the server's: the
-- audit rows of the batch's transaction for its table.
CREATE OR REPLACE FUNCTION ccrm_import_event() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_actor text := ccrm_person();
    v_dept  text;
    b       import_batches;
    v_n     bigint;
    v_what  text;
BEGIN
    SELECT * INTO b FROM import_batches WHERE id = NEW.id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE import_batches x
           SET inserted = (SELECT count(*) FROM audit a
                            WHERE a.xid = b.xid AND a.entity = b.entity AND a.op = 'insert'),
               updated = (SELECT count(*) FROM audit a
                           WHERE a.xid = b.xid AND a.entity = b.entity AND a.op = 'update')
         WHERE x.id = b.id
        RETURNING * INTO b;
    END IF;
    SELECT u.department INTO v_dept FROM users u WHERE u.login = v_actor;
    v_n := b.inserted + b.updated;
    v_what := to_char(v_n, 'FM999,999,999,990') || ' ' || b.entity
              || coalesce(' from ' || b.file_name, '');
    INSERT INTO events (actor, department, entity, op, summary, row_count)
    VALUES (v_actor, v_dept, b.entity, 'bulk',
            CASE TG_OP
                WHEN 'INSERT' THEN 'imported ' || v_what || ' (batch ' || b.id
                                   || CASE WHEN b.updated > 0
                                           THEN '; ' || to_char(b.updated, 'FM999,999,999,990')
                                                || ' updated' ELSE '' END || ')'
                ELSE 'reverted import batch ' || b.id || ' (' || v_what || ')'
            END,
            least(v_n, 2147483647)::int);
    PERFORM pg_notify('ccrm', '');
    RETURN NULL;
END
$$;

-- Undo an import (ccrm --revert): the rows it inserted are deleted, the rows it updated get
-- their earlier values back, in one transaction, refused when any of them changed since.
-- The batch's importer or an admin. DEFINER for the deletes (see 1.); the restoring UPDATE
-- still meets the department rules (they decide on the caller: ccrm_in_dept).
CREATE FUNCTION ccrm_import_revert(p_batch bigint) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_who  text := ccrm_person();
    b      import_batches;
    v_bad  text;
    v_cols text;
    v_del  bigint;
    v_res  bigint;
BEGIN
    SELECT * INTO b FROM import_batches x WHERE x.id = p_batch FOR UPDATE;
    IF NOT FOUND OR (b.created_by <> v_who AND NOT pg_has_role(v_who, 'ccrm_admin', 'USAGE')) THEN
        RAISE EXCEPTION 'import batch % does not exist (or is not yours)', p_batch
            USING ERRCODE = 'P0002';
    END IF;
    IF b.reverted_at IS NOT NULL THEN
        RAISE EXCEPTION 'import batch % was already reverted by % at %', p_batch, b.reverted_by,
                        to_char(b.reverted_at, 'YYYY-MM-DD HH24:MI:SS')
            USING ERRCODE = '55000';
    END IF;
    EXECUTE format($q$
        SELECT a.entity_id || coalesce(' (' || ccrm_event_summary($2, to_jsonb(t)) || ')', '')
               || CASE WHEN t.id IS NULL THEN ' was deleted after the import'
                       ELSE ' was changed after the import by ' || t.updated_by || ' at '
                            || to_char(t.updated_at, 'YYYY-MM-DD HH24:MI:SS') END
          FROM audit a LEFT JOIN public.%I t ON t.id = a.entity_id
         WHERE a.xid = $1 AND a.entity = $2 AND a.op IN ('insert', 'update')
           AND ((t.id IS NULL AND a.op = 'update') OR t.version <> (a.new_row->>'version')::int)
         ORDER BY a.entity_id LIMIT 1$q$, b.entity)
       INTO v_bad USING b.xid, b.entity;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'cannot revert import batch %: % %; nothing reverted', p_batch,
                        b.entity, v_bad
            USING ERRCODE = '55000';
    END IF;
    UPDATE import_batches x SET reverted_at = now() WHERE x.id = p_batch;
    EXECUTE format('DELETE FROM public.%I t USING audit a WHERE a.xid = $1 AND a.entity = $2'
                   ' AND a.op = ''insert'' AND t.id = a.entity_id', b.entity)
        USING b.xid, b.entity;
    GET DIAGNOSTICS v_del = ROW_COUNT;
    SELECT string_agg(format('%I = r.%I', a.attname, a.attname), ', ' ORDER BY a.attnum)
      INTO v_cols
      FROM pg_attribute a
     WHERE a.attrelid = ('public.' || b.entity)::regclass AND a.attnum > 0
       AND NOT a.attisdropped AND a.attgenerated = '' AND a.attidentity = ''
       AND a.attname NOT IN ('created_at', 'created_by', 'updated_at', 'updated_by', 'version');
    EXECUTE format('UPDATE public.%I t SET %s FROM audit a,'
                   ' jsonb_populate_record(NULL::public.%I, a.old_row) r'
                   ' WHERE a.xid = $1 AND a.entity = $2 AND a.op = ''update'''
                   ' AND t.id = a.entity_id', b.entity, v_cols, b.entity)
        USING b.xid, b.entity;
    GET DIAGNOSTICS v_res = ROW_COUNT;
    RETURN format('reverted import batch %s (%s from %s): %s deleted, %s restored', p_batch,
                  b.entity, coalesce(b.file_name, ''), v_del, v_res);
END
$$;

-- The audit, events and wake-up of every write (001, 003, 009), with two changes (marked 014):
-- the actor must be a person, and an import's batch folds only the per-row events of the
-- import's own table (its inserts and updates; a revert's deletes and updates), so no other
-- write of that transaction loses its events.
CREATE OR REPLACE FUNCTION ccrm_log_changes() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    per_row_max constant int := 20;     -- above this a statement is one 'bulk' event
    v_actor text := ccrm_person();      -- 014
    v_dept  text;
    v_op    text := lower(TG_OP);
    n       bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        INSERT INTO audit (actor, entity, op) VALUES (v_actor, TG_TABLE_NAME, 'truncate');
        SELECT u.department INTO v_dept FROM users u WHERE u.login = v_actor;
        INSERT INTO events (actor, department, entity, op, summary, row_count)
        VALUES (v_actor, v_dept, TG_TABLE_NAME, 'bulk',
                'all ' || replace(TG_TABLE_NAME, '_', ' ') || ' removed (truncate)', 0);
        PERFORM pg_notify('ccrm', '');
        RETURN NULL;
    END IF;

    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit (actor, entity, entity_id, op, new_row)
        SELECT v_actor, TG_TABLE_NAME, t.id, 'insert', to_jsonb(t) FROM new_rows t;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO audit (actor, entity, entity_id, op, old_row, new_row)
        SELECT v_actor, TG_TABLE_NAME, t.id, 'update', to_jsonb(o), to_jsonb(t)
          FROM new_rows t JOIN old_rows o ON o.id = t.id;
    ELSE
        INSERT INTO audit (actor, entity, entity_id, op, old_row)
        SELECT v_actor, TG_TABLE_NAME, o.id, 'delete', to_jsonb(o) FROM old_rows o;
    END IF;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 THEN
        RETURN NULL;
    END IF;

    -- an import (or its revert) of this table is announced once, by import_batches' deferred
    -- trigger; its rows are still audited one by one above (014: this table only)
    IF EXISTS (SELECT 1 FROM import_batches b
                WHERE b.entity = TG_TABLE_NAME
                  AND ((b.xid = pg_current_xact_id() AND TG_OP IN ('INSERT', 'UPDATE'))
                       OR (b.revert_xid = pg_current_xact_id()
                           AND TG_OP IN ('DELETE', 'UPDATE')))) THEN
        RETURN NULL;
    END IF;

    SELECT u.department INTO v_dept FROM users u WHERE u.login = v_actor;

    IF n > per_row_max THEN
        INSERT INTO events (actor, department, entity, op, summary, row_count)
        VALUES (v_actor, v_dept, TG_TABLE_NAME, 'bulk',
                to_char(n, 'FM999,999,999,990') || ' ' || replace(TG_TABLE_NAME, '_', ' ')
                || CASE TG_OP WHEN 'INSERT' THEN ' inserted'
                              WHEN 'UPDATE' THEN ' updated'
                              ELSE ' deleted' END,
                n);
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO events (actor, department, entity, entity_id, op, account_id, summary)
        SELECT v_actor, v_dept, TG_TABLE_NAME, (r->>'id')::bigint, v_op,
               ccrm_event_account(TG_TABLE_NAME, r), ccrm_event_summary(TG_TABLE_NAME, r)
          FROM (SELECT to_jsonb(t) AS r, t.id FROM new_rows t) s
         ORDER BY s.id;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO events (actor, department, entity, entity_id, op, account_id, summary)
        SELECT v_actor, v_dept, TG_TABLE_NAME, (r->>'id')::bigint, v_op,
               ccrm_event_account(TG_TABLE_NAME, r), ccrm_event_summary(TG_TABLE_NAME, r)
          FROM (SELECT to_jsonb(o) AS r, o.id FROM old_rows o) s
         ORDER BY s.id;
    ELSE
        -- one event per row that really changed (a no-op UPDATE is audited, not announced)
        INSERT INTO events (actor, department, entity, entity_id, op, account_id, summary,
                            changed)
        SELECT v_actor, v_dept, TG_TABLE_NAME, s.id, v_op,
               ccrm_event_account(TG_TABLE_NAME, s.nr), ccrm_event_summary(TG_TABLE_NAME, s.nr),
               s.changed
          FROM (SELECT t.id, to_jsonb(t) AS nr,
                       ARRAY(SELECT k.key
                               FROM jsonb_each(to_jsonb(t)) k
                              WHERE k.key NOT IN ('updated_at', 'updated_by', 'version', 'search')
                                AND k.value IS DISTINCT FROM to_jsonb(o) -> k.key
                              ORDER BY k.key) AS changed
                  FROM new_rows t JOIN old_rows o ON o.id = t.id) s
         WHERE cardinality(s.changed) > 0
         ORDER BY s.id;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n = 0 THEN
            RETURN NULL;
        END IF;
    END IF;

    -- constant payload: PostgreSQL folds duplicates, so one wake-up per transaction
    PERFORM pg_notify('ccrm', '');
    RETURN NULL;
END
$$;

-- ---------------------------------------------------------------------------------------
-- 6. Logins: a connection limit each, and timeouts that end forgotten transactions
-- ---------------------------------------------------------------------------------------
DROP FUNCTION ccrm_add_user(text, text, text, text, text);

-- What every login gets: a connection limit (-1: none) and the session defaults lock_timeout 5s
-- (nobody waits long behind someone else's lock) and idle_in_transaction_session_timeout 5min
-- (a forgotten open transaction ends). Run by the owner: ccrm_add_user, this migration, the
-- demo loader.
CREATE FUNCTION ccrm_login_defaults(p_login text, p_conn_limit int) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    EXECUTE format('ALTER ROLE %I CONNECTION LIMIT %s', p_login, p_conn_limit);
    EXECUTE format('ALTER ROLE %I SET lock_timeout = %L', p_login, '5s');
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', p_login, '5min');
END
$$;
REVOKE ALL ON FUNCTION ccrm_login_defaults(text, int) FROM PUBLIC;

-- ccrm_add_user of 004 with a connection limit (p_conn_limit, default 10; -1: none) and the
-- session defaults every login gets (ccrm_login_defaults).
CREATE FUNCTION ccrm_add_user(p_login text, p_dept text, p_org text DEFAULT NULL,
                              p_display_name text DEFAULT NULL, p_verifier text DEFAULT NULL,
                              p_conn_limit int DEFAULT 10)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    r       record;
    v_org   bigint;
    v_note  text := '';
BEGIN
    IF p_login IS NULL OR p_login !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'invalid login name: use 1 to 63 lower-case letters, digits and _, not starting with a digit'
            USING ERRCODE = '22023';
    END IF;
    IF p_login ~ '^(pg_|ccrm_)' OR p_login IN ('public', 'none', 'current_user',
                                                'session_user', 'current_role') THEN
        RAISE EXCEPTION 'login name "%" is reserved', p_login USING ERRCODE = '22023';
    END IF;
    IF p_dept IS NULL OR p_dept NOT IN ('sales', 'support', 'marketing', 'management',
                                        'partner', 'admin') THEN
        RAISE EXCEPTION 'unknown department "%"', p_dept
            USING ERRCODE = '22023',
                  HINT = 'Departments: sales, support, marketing, management, partner, admin.';
    END IF;
    IF (p_dept = 'partner') <> (p_org IS NOT NULL) THEN
        RAISE EXCEPTION 'a partner user needs a partner organisation, and only a partner user has one'
            USING ERRCODE = '22023';
    END IF;
    IF p_verifier IS NOT NULL AND p_verifier !~ '^SCRAM-SHA-256\$' THEN
        RAISE EXCEPTION 'a password must be given as a SCRAM-SHA-256 verifier'
            USING ERRCODE = '22023';
    END IF;
    IF p_conn_limit IS NULL OR p_conn_limit < -1 OR p_conn_limit = 0 OR p_conn_limit > 1000 THEN
        RAISE EXCEPTION 'invalid connection limit %: give 1 to 1000, or -1 for none', p_conn_limit
            USING ERRCODE = '22023';
    END IF;

    SELECT u.active, u.department INTO r FROM users u WHERE u.login = p_login;
    IF FOUND THEN
        RAISE EXCEPTION 'user "%" already exists%', p_login,
                        CASE WHEN r.active THEN '' ELSE ' (disabled)' END
            USING ERRCODE = '23505';
    END IF;

    SELECT a.rolsuper, a.rolcreaterole, a.rolbypassrls, a.rolreplication INTO r
      FROM pg_roles a WHERE a.rolname = p_login;
    IF FOUND THEN
        -- an existing role (e.g. created by a DBA) is adopted only if it is unprivileged
        IF r.rolsuper OR r.rolcreaterole OR r.rolbypassrls OR r.rolreplication THEN
            RAISE EXCEPTION 'role "%" exists and is privileged: ccrm does not adopt it', p_login
                USING ERRCODE = '42501';
        END IF;
        EXECUTE format('ALTER ROLE %I LOGIN', p_login);
        v_note := ' (existing role adopted)';
    ELSE
        EXECUTE format('CREATE ROLE %I LOGIN', p_login);
    END IF;
    PERFORM ccrm_login_defaults(p_login, p_conn_limit);
    IF p_verifier IS NOT NULL THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', p_login, p_verifier);
    END IF;
    EXECUTE format('GRANT %I TO %I', 'ccrm_' || p_dept, p_login);

    IF p_org IS NOT NULL THEN
        SELECT o.id INTO v_org FROM partner_orgs o WHERE o.name = btrim(p_org);
        IF NOT FOUND THEN
            INSERT INTO partner_orgs (name) VALUES (btrim(p_org)) RETURNING id INTO v_org;
            v_note := v_note || format(', new partner organisation "%s"', btrim(p_org));
        END IF;
    END IF;
    INSERT INTO users (login, display_name, department, partner_org_id)
    VALUES (p_login, coalesce(nullif(btrim(p_display_name), ''), p_login), p_dept, v_org);
    RETURN format('added user %s in %s%s', p_login, 'ccrm_' || p_dept, v_note);
END
$$;

-- the users there already: the same limits (a limit a DBA set is kept)
DO $$
DECLARE
    v_login text;
BEGIN
    FOR v_login IN SELECT u.login FROM users u JOIN pg_roles r ON r.rolname = u.login
                    WHERE NOT r.rolsuper ORDER BY u.login LOOP
        PERFORM ccrm_login_defaults(v_login,
                                    (SELECT CASE r.rolconnlimit WHEN -1 THEN 10
                                                 ELSE r.rolconnlimit END
                                       FROM pg_roles r WHERE r.rolname = v_login));
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------
-- 1. Privileges: nothing for anyone, then the allow-list of docs/security.md §3
-- ---------------------------------------------------------------------------------------
ALTER TABLE schema_migrations ENABLE ROW LEVEL SECURITY;
ALTER TABLE schema_migrations FORCE ROW LEVEL SECURITY;
DO $$ BEGIN
    EXECUTE format('CREATE POLICY ccrm_owner ON schema_migrations TO %I USING (true) WITH CHECK (true)',
                   (SELECT pg_get_userbyid(relowner) FROM pg_class
                     WHERE oid = 'schema_migrations'::regclass));
END $$;
-- every client checks the schema version at start-up
CREATE POLICY everyone_read ON schema_migrations FOR SELECT TO PUBLIC USING (true);
-- import_batches (003) worked for the owner's functions through its "own batches" policy;
-- it gets the owner's policy like every other table
DO $$ BEGIN
    EXECUTE format('CREATE POLICY ccrm_owner ON import_batches TO %I USING (true) WITH CHECK (true)',
                   (SELECT pg_get_userbyid(relowner) FROM pg_class
                     WHERE oid = 'import_batches'::regclass));
END $$;

DO $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT k.oid::regclass AS rel, k.relkind
               FROM pg_class k JOIN pg_namespace s ON s.oid = k.relnamespace
              WHERE s.nspname = 'public' AND k.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
              ORDER BY k.oid LOOP
        EXECUTE format('REVOKE ALL ON %s %s FROM PUBLIC, ccrm_internal, ccrm_sales, ccrm_support,'
                       ' ccrm_marketing, ccrm_management, ccrm_partner, ccrm_admin',
                       CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.rel);
    END LOOP;
END
$$;

GRANT SELECT ON schema_migrations TO PUBLIC;

-- read: internal users all of it (transparency is the point), partners through their policies
GRANT SELECT ON partner_orgs, users, accounts, account_shares, contacts, leads, opportunities,
                tickets, interactions, comments, mentions, inbox, campaigns, campaign_members,
                events, audit, import_batches, presence, chat_messages, ccrm_totals_delta,
                ccrm_totals, account_trgm_range, search_block_lists, search_block_trgm,
                search_blocks_contacts_name, search_blocks_leads_updated,
                search_blocks_tickets_updated, search_blocks_campaigns_name,
                search_blocks_events_newest, search_blocks_inbox_newest
    TO ccrm_internal;
GRANT SELECT ON partner_orgs, users, accounts, account_shares, contacts, leads, opportunities,
                tickets, interactions, comments, mentions, inbox, events, import_batches,
                presence, chat_messages, ccrm_totals_delta, ccrm_totals
    TO ccrm_partner;

-- insert: whole rows (INSERT takes no lock that a writer waits for)
GRANT INSERT ON accounts, contacts, leads, opportunities, tickets, interactions, comments,
                mentions
    TO ccrm_internal;
GRANT INSERT ON campaigns, campaign_members TO ccrm_marketing, ccrm_management, ccrm_admin;
GRANT INSERT ON account_shares TO ccrm_admin;
GRANT INSERT (entity, entity_id) ON presence TO ccrm_internal, ccrm_partner;
GRANT INSERT (entity, entity_id, body) ON chat_messages TO ccrm_internal, ccrm_partner;
GRANT INSERT (account_id, contact_id, subject, body, priority, channel, product)
    ON tickets TO ccrm_partner;
GRANT INSERT (kind, channel, direction, subject, body, at, due_at, done_at, account_id,
              contact_id, lead_id, opportunity_id, ticket_id)
    ON interactions TO ccrm_partner;

-- update: columns only (a table-level UPDATE would allow LOCK TABLE ... ACCESS EXCLUSIVE). The
-- data columns of a record are all but its id, its stamps and generated columns; version is
-- one of them (a writer sets it to the value it read).
DO $$
DECLARE
    t record;
    v_cols text;
BEGIN
    FOR t IN SELECT * FROM (VALUES
                 ('accounts', 'ccrm_internal'), ('contacts', 'ccrm_internal'),
                 ('leads', 'ccrm_internal'), ('opportunities', 'ccrm_internal'),
                 ('tickets', 'ccrm_internal'), ('interactions', 'ccrm_internal'),
                 ('campaigns', 'ccrm_marketing, ccrm_management, ccrm_admin'),
                 ('campaign_members', 'ccrm_marketing, ccrm_management, ccrm_admin')) v(tbl, who)
    LOOP
        SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO v_cols
          FROM pg_attribute a
         WHERE a.attrelid = format('public.%I', t.tbl)::regclass AND a.attnum > 0
           AND NOT a.attisdropped AND a.attgenerated = '' AND a.attidentity = ''
           AND a.attname NOT IN ('created_at', 'created_by', 'updated_at', 'updated_by');
        EXECUTE format('GRANT UPDATE (%s) ON public.%I TO %s', v_cols, t.tbl, t.who);
    END LOOP;
END
$$;
GRANT UPDATE (body, version) ON comments TO ccrm_internal;
GRANT UPDATE (read_at) ON inbox TO ccrm_internal, ccrm_partner;
GRANT UPDATE (body, version) ON chat_messages TO ccrm_internal, ccrm_partner;
GRANT UPDATE (entity, entity_id, since, seen_at) ON presence TO ccrm_internal, ccrm_partner;
GRANT UPDATE (display_name, email, version) ON users TO ccrm_admin;
GRANT UPDATE (name, version) ON partner_orgs TO ccrm_admin;

-- Deletes go through ccrm_delete() and the functions above: the DELETE policies of 004-010
-- decide nothing any more (nobody but the owner holds DELETE), so they go, and with them the
-- impression that they guard something.
DROP POLICY internal_delete_own ON interactions;
DROP POLICY internal_delete ON comments;
DROP POLICY internal_delete ON inbox;
DROP POLICY own_delete ON presence;
DROP POLICY own_delete ON chat_messages;
-- inbox rows are written by ccrm_inbox_put() only (as the owner)
DROP POLICY internal_insert ON inbox;

-- Every table says what partners get, if only nothing: a policy for ccrm_partner (or PUBLIC)
-- on each one, so that a table added later without one stands out (tests/db/test_grants.sh).
DO $$
DECLARE
    t regclass;
BEGIN
    FOR t IN SELECT k.oid::regclass
               FROM pg_class k JOIN pg_namespace s ON s.oid = k.relnamespace
              WHERE s.nspname = 'public' AND k.relkind IN ('r', 'p')
                AND NOT EXISTS (SELECT 1 FROM pg_policy p
                                 WHERE p.polrelid = k.oid
                                   AND (p.polroles @> ARRAY['ccrm_partner'::regrole::oid]
                                        OR p.polroles @> ARRAY[0::oid]))
              ORDER BY k.oid LOOP
        EXECUTE format('CREATE POLICY partner_none ON %s FOR SELECT TO ccrm_partner USING (false)',
                       t);
    END LOOP;
END
$$;

-- Functions: triggers are fired, not called; the new functions for those who need them.
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
              WHERE s.nspname = 'public' AND p.prorettype = 'trigger'::regtype LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;
REVOKE ALL ON FUNCTION ccrm_delete(text, bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION ccrm_delete(text, bigint, int) FROM PUBLIC;
REVOKE ALL ON FUNCTION ccrm_unshare(bigint, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION ccrm_import_begin(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ccrm_import_note(bigint, bigint, bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION ccrm_import_revert(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION ccrm_inbox_put(text, text, text, bigint, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ccrm_presence_clear(boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION ccrm_add_user(text, text, text, text, text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ccrm_delete(text, bigint[]), ccrm_delete(text, bigint, int),
                          ccrm_import_begin(text, text), ccrm_import_note(bigint, bigint, bigint),
                          ccrm_import_revert(bigint), ccrm_presence_clear(boolean)
    TO ccrm_internal, ccrm_partner;
GRANT EXECUTE ON FUNCTION ccrm_inbox_put(text, text, text, bigint, text) TO ccrm_internal;
GRANT EXECUTE ON FUNCTION ccrm_unshare(bigint, bigint),
                          ccrm_add_user(text, text, text, text, text, int)
    TO ccrm_admin;
