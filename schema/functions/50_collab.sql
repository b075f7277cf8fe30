-- ccrm schema functions: Collaboration: comments and @mentions, the inbox, assignments and hand-
-- offs, lead conversion, the sales signal.
--
-- The current definition of each function below; the only one. `ccrm --migrate` applies every
-- file of schema/functions/ before and after the pending numbered migrations, in their
-- transaction (docs/architecture.md, "Schema"). EXECUTE is PostgreSQL's default (PUBLIC) unless
-- ccrm_set_execute() below a function says who may call it.

-- The name a deal made from this lead gets when none is given: "<company> – new deal", the
-- company being the lead's company, else its account's name, else the person.
CREATE OR REPLACE FUNCTION ccrm_lead_deal_name(p_lead bigint) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT coalesce(nullif(btrim(l.company), ''),
                    (SELECT a.name FROM accounts a WHERE a.id = l.account_id),
                    nullif(btrim(concat_ws(' ', l.first_name, l.last_name)), ''),
                    l.email) || ' – new deal'
      FROM leads l
     WHERE l.id = p_lead
$$;

-- One inbox line from a free text: whitespace folded, at most 200 characters.
-- (plpgsql: a sql function the planner cannot inline is parsed and planned again in every
-- transaction that calls it, and every notice calls this. No SET clause, which would cost a
-- save and restore of the setting per call: it names only built-ins, and its callers, the
-- inbox's writers, pin their search_path.)
CREATE OR REPLACE FUNCTION ccrm_inbox_note(p_text text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    t text := btrim(regexp_replace(p_text, '\s+', ' ', 'g'));
BEGIN
    RETURN CASE WHEN length(t) > 200 THEN left(t, 199) || '…' ELSE nullif(t, '') END;
END
$$;

-- Put one entry in p_login's inbox from the caller. Returns true when written (or counted onto
-- an unread entry of the same kind about the same record), false when not (the recipient is
-- the caller, or the caller has sent that recipient 30 entries in the last ten minutes: the
-- bound). Refused: partners as senders, unknown or disabled recipients, a partner recipient
-- for a record its organisation does not see or for no record, a record that does not exist
-- or is half named (an entity without an id), an 'assignment' or a 'mention' about no record,
-- an 'assignment' to someone who is not the record's owner now, a 'mention' without a comment
-- the caller wrote on the record mentioning the recipient, and the kinds ccrm writes itself
-- (routed, change, comment, sla_warning, sla_breach, digest). Only a 'handoff' may be about
-- no record (an internal recipient's "over to you"). ccrm_assign, ccrm_ticket_signal and the
-- comment trigger call it; it is also the only way for psql. The entry is written by
-- ccrm_inbox_deliver (schema/functions/90_service.sql): coalescing, quiet hours.
CREATE OR REPLACE FUNCTION ccrm_inbox_put(p_login text, p_kind text, p_entity text, p_id bigint,
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
    -- staff; and the mail server's login (017), which tells a queue's assignee of a new ticket
    -- or lead from inside ccrm_mail_deliver() (it cannot call this itself)
    IF NOT pg_has_role(v_from, 'ccrm_internal', 'USAGE')
       AND NOT (p_kind = 'assignment' AND pg_has_role(v_from, 'ccrm_mail', 'USAGE')) THEN
        RAISE EXCEPTION 'partners cannot write to anyone''s inbox' USING ERRCODE = '42501';
    END IF;
    IF p_kind IN ('routed', 'change', 'comment', 'sla_warning', 'sla_breach', 'digest') THEN
        RAISE EXCEPTION 'inbox entries of kind % are written by ccrm itself', p_kind
            USING ERRCODE = '22023', HINT = 'Kinds you may send: mention, assignment, handoff.';
    END IF;
    IF p_kind IS NULL OR p_kind NOT IN ('mention', 'assignment', 'handoff') THEN
        RAISE EXCEPTION 'unknown inbox entry kind "%"', coalesce(p_kind, 'NULL')
            USING ERRCODE = '22023', HINT = 'Kinds: mention, assignment, handoff.';
    END IF;
    -- (the messages below name a record only when there is one: never "record #<NULL>")
    IF (p_entity IS NULL) <> (p_id IS NULL) THEN
        RAISE EXCEPTION 'a record is named by its entity and its id: give both, or neither'
            USING ERRCODE = '22023';
    END IF;
    -- an assignment and a mention are about a record; only a hand-off may be about none
    IF p_entity IS NULL AND p_kind <> 'handoff' THEN
        RAISE EXCEPTION '% is about a record: name its entity and id',
                        CASE p_kind WHEN 'assignment' THEN 'an assignment' ELSE 'a mention' END
            USING ERRCODE = '22023';
    END IF;
    IF p_entity IS NOT NULL AND NOT ccrm_record_exists(p_entity, p_id) THEN
        RAISE EXCEPTION '% #% not found', ccrm_entity_noun(p_entity), p_id
            USING ERRCODE = 'P0002';
    END IF;
    SELECT u.partner_org_id INTO v_org FROM users u WHERE u.login = p_login AND u.active;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no active user "%"', p_login USING ERRCODE = '22023';
    END IF;
    -- a partner reads only its own entries about records it sees (the inbox's policy): one
    -- about no record, or about a record not shared with its organisation, would reach nobody
    IF v_org IS NOT NULL AND p_entity IS NULL THEN
        RAISE EXCEPTION 'user "%" is a partner and cannot see a hand-off about no record',
                        p_login
            USING ERRCODE = '42501',
                  HINT = 'Name a record shared with the partner''s organisation.';
    END IF;
    IF v_org IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM account_shares s
                        WHERE s.partner_org_id = v_org
                          AND s.account_id = ccrm_record_account(p_entity, p_id)) THEN
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
    RETURN ccrm_inbox_deliver(p_login, p_kind, p_entity, p_id, v_from, p_note);
END
$$;
SELECT ccrm_set_execute('ccrm_inbox_put(text,text,text,bigint,text)', 'ccrm_internal');

CREATE OR REPLACE FUNCTION ccrm_comment_target() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NOT ccrm_record_exists(NEW.entity, NEW.entity_id)
       OR NOT ccrm_record_hold(NEW.entity, NEW.entity_id) THEN
        RAISE EXCEPTION '% #% not found', ccrm_entity_noun(NEW.entity), NEW.entity_id
            USING ERRCODE = 'P0002',
                  HINT = 'A comment is written on a record that exists and that you can see.';
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_comment_target()');

-- After a comment is written (or its text edited): every "@login" word naming an active user
-- becomes a mentions row and, for anyone but the author, an inbox entry through
-- ccrm_inbox_put (kind 'mention', about
-- the commented record, from the author, the comment shortened as its note). Unknown logins,
-- disabled users and e-mail addresses (a letter before the @) are ignored; a login named
-- twice counts once; an edit notifies only people not mentioned before. A partner user is
-- mentioned only in a shared comment (022) and only if its organisation sees the record, so
-- no inbox row ever points a partner at something it cannot open or read.
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
                OR (NEW.visibility = 'shared' AND EXISTS (SELECT 1 FROM account_shares s
                            WHERE s.account_id = v_account
                              AND s.partner_org_id = u.partner_org_id)))
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
SELECT ccrm_set_execute('ccrm_comment_mentions()');

-- Writers that record mentions themselves (scripts written before migration 006, the demo
-- data) keep working: a mention already recorded is skipped instead of failing the unique
-- key, and the same mention notification (person, record, author) written twice in one
-- transaction lands in the inbox once.
CREATE OR REPLACE FUNCTION ccrm_mention_once() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF TG_TABLE_NAME = 'mentions' THEN
        IF EXISTS (SELECT 1 FROM mentions m
                    WHERE m.comment_id = NEW.comment_id AND m.login = NEW.login) THEN
            RETURN NULL;
        END IF;
    -- (a record's entries are looked up by it, in inbox_unread_record_idx: every entry written
    -- passes here, and a person's inbox only grows)
    ELSIF NEW.entity IS NOT NULL AND NEW.entity_id IS NOT NULL THEN
        IF EXISTS (SELECT 1 FROM inbox i
                    WHERE i.login = NEW.login AND i.entity = NEW.entity
                      AND i.entity_id = NEW.entity_id AND i.kind = 'mention'
                      AND i.read_at IS NULL
                      AND i.from_login IS NOT DISTINCT FROM NEW.from_login
                      AND i.created_at = now()) THEN
            RETURN NULL;
        END IF;
    ELSIF EXISTS (SELECT 1 FROM inbox i
                   WHERE i.login = NEW.login AND i.kind = 'mention'
                     AND i.entity IS NOT DISTINCT FROM NEW.entity
                     AND i.entity_id IS NOT DISTINCT FROM NEW.entity_id
                     AND i.from_login IS NOT DISTINCT FROM NEW.from_login
                     AND i.created_at = now() AND i.read_at IS NULL) THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_mention_once()');

CREATE OR REPLACE FUNCTION ccrm_inbox_read_rule() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NEW.read_at IS DISTINCT FROM OLD.read_at AND OLD.login <> current_user
       AND NOT ccrm_in_dept('admin') THEN
        RAISE EXCEPTION 'only its recipient marks an inbox item read or unread'
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_inbox_read_rule()');

-- Assign and hand off
--
-- ccrm_assign(entity, id, to, note, handoff) → number of inbox rows written
--   to = a login (a leading @ is allowed) or a department: sales, support, marketing,
--   management (a department name wins over a login of the same name).
--   * a person: the record's owner (tickets: assignee) becomes that login, by an ordinary
--     UPDATE (stamp, version, audit, events; nothing when it is already theirs), and they get
--     an inbox row, kind 'assignment' (handoff false) or 'handoff' (true), with the note.
--     Assigning to oneself takes the record without an inbox row. Only active internal users
--     own records: a partner is refused (mention them in a comment instead).
--   * a department (handoff only): a 'handoff' inbox row for each of its active users except
--     the caller; the owner stays. A department with nobody else in it is refused, so a
--     hand-off never silently reaches no one.
--   Inbox entries are written through ccrm_inbox_put (the real sender, bounded).
--   Any internal user may assign and hand off (whoever may UPDATE the record: campaigns only
--   marketing and management, as in 004); partners may not.
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
                                            'tickets', 'campaigns', 'quotes', 'invoices') THEN
        RAISE EXCEPTION 'cannot assign or hand off %: only accounts, contacts, leads, deals, tickets, campaigns, quotes and invoices have an owner',
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

    IF v_to IN ('sales', 'support', 'marketing', 'management', 'billing') THEN
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
                  HINT = 'Name a login, or one of the departments sales, support, marketing, management, billing.';
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
        WHEN 'quotes' THEN
            UPDATE quotes SET owner = v_to WHERE id = p_id AND owner IS DISTINCT FROM v_to;
        WHEN 'invoices' THEN
            UPDATE invoices SET owner = v_to WHERE id = p_id AND owner IS DISTINCT FROM v_to;
    END CASE;

    IF v_to <> current_user THEN
        PERFORM ccrm_inbox_put(v_to, v_kind, p_entity, p_id, p_note);
        n := 1;
    END IF;
    RETURN n;
END
$$;
SELECT ccrm_set_execute('ccrm_assign(text,bigint,text,text,boolean)', 'ccrm_internal', 'ccrm_partner');

-- Whether a mail domain is a mailbox provider's rather than a company's: a person at
-- gmail.com says nothing about the company's domain. The large providers of the markets the
-- demo and our users are in; a domain not listed is taken as the company's.
CREATE OR REPLACE FUNCTION ccrm_freemail(p_domain text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog
AS $$
    SELECT lower(p_domain) = ANY (ARRAY[
               'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com',
               'icloud.com', 'me.com', 'mac.com', 'aol.com', 'yahoo.com', 'ymail.com',
               'proton.me', 'protonmail.com', 'gmx.com', 'gmx.net', 'gmx.de', 'gmx.at', 'gmx.ch',
               'web.de', 't-online.de', 'freenet.de', 'posteo.de', 'mail.de', 'bluewin.ch',
               'orange.fr', 'free.fr', 'laposte.net', 'libero.it', 'virgilio.it', 'seznam.cz',
               'wp.pl', 'o2.pl', 'interia.pl', 'onet.pl', 'mail.ru', 'yandex.ru', 'yandex.com',
               'qq.com', '163.com', '126.com', 'naver.com', 'zoho.com', 'fastmail.com',
               'tutanota.com', 'hey.com'])
        OR lower(p_domain) ~ '^(yahoo|hotmail|outlook|live)\.[a-z.]+$'
$$;

-- Convert a lead: its account (found by the person's contact, the company's name, or new), its
-- contact, and a deal when a name or an amount is given. The deal's currency is p_currency
-- (a code of the currencies table, any case), else the one of the account's latest deal, else
-- the column's default (074). Returns what it made or found, the deal's currency and whether
-- the account is new.
CREATE OR REPLACE FUNCTION ccrm_convert_lead(p_lead bigint, p_deal_name text DEFAULT NULL,
                                  p_amount numeric DEFAULT NULL, p_currency text DEFAULT NULL)
RETURNS TABLE (account_id bigint, contact_id bigint, opportunity_id bigint, currency text,
               account_new boolean)
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    l         leads%ROWTYPE;
    v_acc     bigint;
    v_con     bigint;
    v_con_acc bigint;
    v_opp     bigint;
    v_owner   text;
    v_name    text := nullif(btrim(p_deal_name), '');
    v_cur     text := upper(nullif(btrim(p_currency), ''));
    v_new_acc boolean := false;
BEGIN
    IF NOT ccrm_record_exists('leads', p_lead) THEN
        RAISE EXCEPTION 'lead #% not found', p_lead
            USING ERRCODE = 'P0002', HINT = 'It does not exist, or you cannot see it.';
    END IF;
    IF NOT ccrm_is_internal() THEN
        RAISE EXCEPTION 'partners cannot convert leads' USING ERRCODE = '42501';
    END IF;
    IF p_amount < 0 THEN
        RAISE EXCEPTION 'the amount of a deal cannot be negative' USING ERRCODE = '22023';
    END IF;
    IF v_cur IS NOT NULL AND NOT EXISTS (SELECT 1 FROM currencies c WHERE c.code = v_cur) THEN
        RAISE EXCEPTION 'unknown currency "%"', btrim(p_currency)
            USING ERRCODE = '22023', HINT = 'Use an ISO 4217 code such as EUR, USD or CHF.';
    END IF;
    SELECT * INTO l FROM leads x WHERE x.id = p_lead FOR UPDATE;
    IF NOT FOUND THEN -- removed meanwhile
        RAISE EXCEPTION 'lead #% not found', p_lead USING ERRCODE = 'P0002';
    END IF;
    IF l.status = 'converted' THEN
        RAISE EXCEPTION 'lead #% is already converted', p_lead
            USING ERRCODE = '55000',
                  DETAIL = format('It went to account #%s%s.', coalesce(l.account_id::text, '?'),
                                  coalesce(', contact #' || l.contact_id, ''));
    END IF;
    -- who owns what the conversion makes: the lead's owner when a salesperson owns it; else
    -- the salesperson converting it (marketing qualifies a lead and sales takes it on: the deal
    -- is not left with marketing); else, as before, the lead's owner or the converter. Never a
    -- disabled one (045).
    v_owner := ccrm_owner_now(CASE
        WHEN EXISTS (SELECT 1 FROM users u
                      WHERE u.login = l.owner AND u.department = 'sales' AND u.active) THEN l.owner
        WHEN ccrm_dept() = 'sales' THEN ccrm_actor()
        ELSE coalesce(l.owner, current_user) END);

    IF l.contact_id IS NOT NULL THEN
        SELECT c.id, c.account_id INTO v_con, v_con_acc FROM contacts c WHERE c.id = l.contact_id;
    END IF;
    IF v_con IS NULL AND l.email IS NOT NULL THEN
        SELECT c.id, c.account_id INTO v_con, v_con_acc
          FROM contacts c WHERE lower(c.email) = lower(l.email);
    END IF;

    v_acc := coalesce(l.account_id, v_con_acc);
    -- the company of that name, when there is exactly one: no second "Müller Logistik GmbH"
    IF v_acc IS NULL AND nullif(btrim(l.company), '') IS NOT NULL THEN
        SELECT min(a.id) INTO v_acc FROM accounts a
         WHERE lower(a.name) = lower(btrim(l.company)) HAVING count(*) = 1;
    END IF;
    IF v_acc IS NULL THEN
        -- the company's domain from the person's address (lena@martin-consulting.com), unless
        -- it is a mailbox provider's
        INSERT INTO accounts (name, domain, owner)
        VALUES (coalesce(nullif(btrim(l.company), ''),
                         nullif(btrim(concat_ws(' ', l.first_name, l.last_name)), ''), l.email),
                (SELECT d FROM ccrm_domain_norm(split_part(l.email, '@', 2)) d
                  WHERE NOT ccrm_freemail(d)),
                v_owner)
        RETURNING id INTO v_acc;
        v_new_acc := true;
    END IF;

    IF v_con IS NULL AND coalesce(l.last_name, l.first_name, l.email) IS NOT NULL THEN
        INSERT INTO contacts (account_id, first_name, last_name, email, phone, owner)
        VALUES (v_acc, l.first_name, l.last_name, l.email, l.phone, v_owner)
        RETURNING id INTO v_con;
    ELSIF v_con IS NOT NULL AND (v_con_acc IS NULL OR
                                 (l.phone IS NOT NULL AND
                                  (SELECT c.phone IS NULL FROM contacts c WHERE c.id = v_con))) THEN
        -- the person found: the account and the phone the lead knew, where it had none
        UPDATE contacts c SET account_id = coalesce(c.account_id, v_acc),
                              phone = coalesce(c.phone, l.phone)
         WHERE c.id = v_con;
    END IF;

    IF v_name IS NOT NULL OR p_amount IS NOT NULL THEN
        -- the customer's currency: the one asked for, else that of the account's latest deal
        -- the converter sees, else the column's default
        v_cur := coalesce(v_cur, (SELECT o.currency FROM opportunities o
                                   WHERE o.account_id = v_acc
                                   ORDER BY o.created_at DESC, o.id DESC LIMIT 1));
        v_name := coalesce(v_name, ccrm_lead_deal_name(p_lead));
        IF v_cur IS NULL THEN
            INSERT INTO opportunities (account_id, name, stage, amount, owner)
            VALUES (v_acc, v_name, 'prospecting', p_amount, v_owner)
            RETURNING id, opportunities.currency INTO v_opp, v_cur;
        ELSE
            INSERT INTO opportunities (account_id, name, stage, amount, owner, currency)
            VALUES (v_acc, v_name, 'prospecting', p_amount, v_owner, v_cur)
            RETURNING id INTO v_opp;
        END IF;
    END IF;

    UPDATE leads x SET status = 'converted', contact_id = v_con, account_id = v_acc
     WHERE x.id = p_lead;

    account_id := v_acc;
    contact_id := v_con;
    opportunity_id := v_opp;
    currency := v_cur;
    account_new := v_new_acc;
    RETURN NEXT;
END
$$;
SELECT ccrm_set_execute('ccrm_convert_lead(bigint,text,numeric,text)', 'ccrm_internal',
                        'ccrm_partner');

-- BEFORE UPDATE OF status on leads (migration 054): a converted lead stays converted. Its
-- account, contact and deal exist; a stale form that saved an older status over the
-- conversion let the lead be converted a second time, into a second deal. An administrator may
-- still correct a conversion made by mistake. A lead only marked 'converted' (a form or an
-- import set the status, ccrm_convert_lead never ran: no account, no contact) went nowhere and
-- may go back.
CREATE OR REPLACE FUNCTION ccrm_lead_converted_rule() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF OLD.status = 'converted' AND NEW.status IS DISTINCT FROM 'converted'
       AND (OLD.account_id IS NOT NULL OR OLD.contact_id IS NOT NULL)
       AND NOT pg_has_role(current_user, 'ccrm_admin', 'USAGE')
       AND current_user <> (SELECT pg_get_userbyid(c.relowner) FROM pg_class c
                             WHERE c.oid = 'public.leads'::regclass)
       AND NOT (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user) THEN
        RAISE EXCEPTION 'lead #% is converted: its status stays converted', OLD.id
            USING ERRCODE = '55000',
                  DETAIL = concat_ws(', ', 'It went to account #' || OLD.account_id,
                                     'contact #' || OLD.contact_id) || '.',
                  HINT = 'Work on with its account, contact and deal.',
                  COLUMN = 'status';
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_lead_converted_rule()');

-- Support's sales signal on a ticket
--
-- ccrm_ticket_signal(ticket, note) → the lead's id
--   The ticket's person is its contact (a ticket without one is refused, 55000). Their lead
--   is the one with that contact_id, else the one with the contact's e-mail
--   (case-insensitive); an open lead is preferred to a converted one, then the newest.
--   * found: score + 10 (at most 100); status new/unqualified → 'contacted' (the person is
--     talking to us and showed interest), other statuses stay (a converted lead stays
--     converted: the signal then is about an existing customer); contact_id/account_id are
--     filled in where empty; owner unchanged;
--   * none: a new lead from the contact (first/last name, e-mail), company = the account's
--     name, source 'support', status 'contacted', score 10, owner NULL, linked to contact and
--     account.
--   Then a note (interaction kind 'note', subject "Sales signal from ticket #N", body = the
--   note) linked to the lead, contact, ticket and account, so it shows on every one of their
--   timelines; and a 'handoff' inbox row about the lead for every active sales user and for
--   the lead's owner (if active, internal and not already among them), never for the caller.
--   The inbox entries go through ccrm_inbox_put. The person gets an interest in the ticket's
--   product (its subject as the topic when it names none), sourced from the ticket. Any
--   internal user may signal; partners may not.
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

    -- what the person is interested in, for marketing: the ticket's product (or its subject
    -- as the topic), on the person, with the ticket as the source (schema/functions/92). Its
    -- note is the internal note's text: no partner reads a signal's interest (schema/061),
    -- nor one whose ticket it does not see
    PERFORM ccrm_interest_add('contacts', c.id, nullif(btrim(t.product), ''),
                              CASE WHEN nullif(btrim(t.product), '') IS NULL
                                   THEN left(t.subject, 200) END,
                              'signal', 'tickets', p_ticket, v_body);

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
SELECT ccrm_set_execute('ccrm_ticket_signal(bigint,text)', 'ccrm_internal', 'ccrm_partner');

-- An Inbox line's news without its record (the Inbox's Note column; the Record column beside it
-- names the record): a note that begins with it, "ticket #155 Enterprise SSO broken: first
-- response target breached at ..." (the scheduler, ccrm_tick), "account #238 Söderberg AG: tier
-- changed" (a followed record), "new ticket #159 Printer down routed to you by rule #6"
-- (routing), shows from where its news starts: at 80 columns the record's name took the whole
-- column and the news was cut. p_name is the record's name now (NULL when it cannot be read):
-- a note written before the record was renamed keeps the name it was written with, without
-- the number. The full note stays in the table (digests, the toast).
-- PL/pgSQL: a list reads 200 rows at a time, and an SQL function that cannot be inlined (its
-- p_name, a subquery, is used more than once) cost 33 µs a row against 10 (measured); the
-- list calls it only for notes that begin with a record (src/model/entity_sql.h, INBOX_NEWS).
CREATE OR REPLACE FUNCTION ccrm_inbox_news(p_note text, p_entity text, p_id bigint, p_name text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    v_ref  text;
    v_head text;
BEGIN
    IF p_note IS NULL THEN
        RETURN '';
    END IF;
    IF p_entity IS NULL OR p_id IS NULL THEN
        RETURN p_note;
    END IF;
    -- the words the notes' writers use (ccrm_entity_noun: "deal #5", "SLA policy #2")
    v_ref := ccrm_entity_noun(p_entity) || ' #' || p_id;
    v_head := v_ref || ' ' || p_name || ': ';
    IF starts_with(p_note, v_head) THEN
        RETURN substr(p_note, length(v_head) + 1);
    END IF;
    v_head := 'new ' || v_ref || ' ' || p_name || ' ';
    IF starts_with(p_note, v_head) THEN
        RETURN substr(p_note, length(v_head) + 1);
    END IF;
    IF starts_with(p_note, v_ref || ': ') THEN
        RETURN substr(p_note, length(v_ref) + 3);
    END IF;
    IF starts_with(p_note, v_ref || ' ') THEN
        RETURN substr(p_note, length(v_ref) + 2);
    END IF;
    RETURN p_note;
END
$$;
SELECT ccrm_set_execute('ccrm_inbox_news(text,text,bigint,text)', 'ccrm_internal', 'ccrm_partner');
