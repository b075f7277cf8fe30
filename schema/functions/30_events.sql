-- ccrm schema functions: The audit trail and the event stream every write produces, and the wake-
-- up it sends.
--
-- The current definition of each function below; the only one. `ccrm --migrate` applies every
-- file of schema/functions/ before and after the pending numbered migrations, in their
-- transaction (docs/architecture.md, "Schema"). EXECUTE is PostgreSQL's default (PUBLIC) unless
-- ccrm_set_execute() below a function says who may call it.

-- The account an event is filed under, from the written row r: the account the partner
-- policy of that row's record uses. Rows that hang off a record (comments, chat, inbox,
-- mentions) take their record's; campaign rows and the bookkeeping of users and sharing none
-- that a partner could be shown (the events policy lists the entities partners see). Like
-- ccrm_event_summary: a plain expression with no SET clause, so the planner inlines it into the
-- logging trigger's statement (names are schema-qualified instead).
CREATE OR REPLACE FUNCTION ccrm_event_account(p_entity text, r jsonb) RETURNS bigint
LANGUAGE sql STABLE
AS $$
    SELECT CASE p_entity
        WHEN 'accounts' THEN (r->>'id')::bigint
        WHEN 'contacts' THEN (r->>'account_id')::bigint
        WHEN 'leads' THEN (r->>'account_id')::bigint
        WHEN 'opportunities' THEN (r->>'account_id')::bigint
        WHEN 'tickets' THEN (r->>'account_id')::bigint
        -- an internal note, comment or chat message (022) is filed under no account: the
        -- events policy then shows it to no partner; nor is an entry whose ticket, lead or
        -- deal is filed under another account (or none: 053), which a partner sees only
        -- with that record
        WHEN 'interactions' THEN CASE WHEN (r->>'kind' <> 'note'
                                            OR r->>'visibility' IS NOT DISTINCT FROM 'shared')
            AND (r->>'ticket_id' IS NULL
                 OR public.ccrm_record_account('tickets', (r->>'ticket_id')::bigint)
                    IS NOT DISTINCT FROM (r->>'account_id')::bigint)
            AND (r->>'lead_id' IS NULL
                 OR public.ccrm_record_account('leads', (r->>'lead_id')::bigint)
                    IS NOT DISTINCT FROM (r->>'account_id')::bigint)
            AND (r->>'opportunity_id' IS NULL
                 OR public.ccrm_record_account('opportunities', (r->>'opportunity_id')::bigint)
                    IS NOT DISTINCT FROM (r->>'account_id')::bigint)
            THEN (r->>'account_id')::bigint END
        WHEN 'account_shares' THEN (r->>'account_id')::bigint
        WHEN 'comments' THEN CASE WHEN r->>'visibility' = 'shared'
            THEN public.ccrm_record_account(r->>'entity', (r->>'entity_id')::bigint) END
        WHEN 'chat_messages' THEN CASE WHEN r->>'visibility' = 'shared'
            THEN public.ccrm_record_account(r->>'entity', (r->>'entity_id')::bigint) END
        WHEN 'inbox' THEN public.ccrm_record_account(r->>'entity', (r->>'entity_id')::bigint)
        WHEN 'mentions' THEN public.ccrm_record_account('comments', (r->>'comment_id')::bigint)
        -- mail (017): the account it is filed under (an attachment's event has none: it comes
        -- with its mail's); partners are not shown these events
        WHEN 'messages' THEN (r->>'account_id')::bigint
        -- the back office (020): quotes and invoices by their own account, their lines and
        -- payments by their document's
        WHEN 'quotes' THEN (r->>'account_id')::bigint
        WHEN 'invoices' THEN (r->>'account_id')::bigint
        WHEN 'quote_lines' THEN public.ccrm_billing_account('quotes', (r->>'quote_id')::bigint)
        WHEN 'invoice_lines' THEN public.ccrm_billing_account('invoices',
                                                              (r->>'invoice_id')::bigint)
        WHEN 'payments' THEN public.ccrm_billing_account('invoices', (r->>'invoice_id')::bigint)
    END
$$;

-- Which partner organisation alone may read the delete event of a ticket, timeline entry,
-- comment or chat message, from the deleted row r (events.partner_org, 117): the one whose
-- partner wrote it, or wrote the ticket or timeline entry it hangs off (the rows a partner of
-- another organisation on the same account does not see: migration 107); NULL when it is the
-- company's (every partner of the account saw it); -1 when it hung off a record that is gone
-- (no partner saw it). A live row's events are seen with the row (ccrm_event_row_visible); a
-- deleted one has none, and its delete event named another reseller's ticket to a partner.
CREATE OR REPLACE FUNCTION ccrm_record_partner_org(p_entity text, p_id bigint) RETURNS bigint
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT CASE p_entity
        WHEN 'tickets' THEN coalesce(
            (SELECT coalesce(u.partner_org_id, 0) FROM tickets t
               LEFT JOIN users u ON u.login = t.created_by WHERE t.id = p_id), -1)
        WHEN 'interactions' THEN coalesce(
            (SELECT coalesce(u.partner_org_id,
                             CASE WHEN i.ticket_id IS NOT NULL
                                  THEN (SELECT coalesce(tu.partner_org_id, 0) FROM tickets t
                                          LEFT JOIN users tu ON tu.login = t.created_by
                                         WHERE t.id = i.ticket_id) END, 0)
               FROM interactions i LEFT JOIN users u ON u.login = i.created_by
              WHERE i.id = p_id), -1)
        ELSE 0
    END
$$;
SELECT ccrm_set_execute('ccrm_record_partner_org(text,bigint)');

CREATE OR REPLACE FUNCTION ccrm_event_partner_org(p_entity text, r jsonb) RETURNS bigint
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT nullif(CASE p_entity
        WHEN 'tickets' THEN coalesce(
            (SELECT u.partner_org_id FROM users u WHERE u.login = r->>'created_by'), 0)
        WHEN 'interactions' THEN coalesce(
            (SELECT u.partner_org_id FROM users u WHERE u.login = r->>'created_by'),
            CASE WHEN r->>'ticket_id' IS NOT NULL
                 THEN ccrm_record_partner_org('tickets', (r->>'ticket_id')::bigint) END, 0)
        WHEN 'chat_messages' THEN coalesce(
            (SELECT u.partner_org_id FROM users u WHERE u.login = r->>'created_by'),
            ccrm_record_partner_org(r->>'entity', (r->>'entity_id')::bigint))
        WHEN 'comments' THEN ccrm_record_partner_org(r->>'entity', (r->>'entity_id')::bigint)
    END, 0)
$$;
SELECT ccrm_set_execute('ccrm_event_partner_org(text,jsonb)');

-- AFTER UPDATE OF visibility (and an interaction's kind) on comments, chat messages and
-- interactions (047): a row a partner no longer sees takes its earlier events out of the
-- partner's reach (filed under no account, as ccrm_event_account files an internal row's), and
-- an interaction turned internal note takes those of the comments and chat on it as well.
-- Widening does not re-file the past: what was written while internal stays internal.
CREATE OR REPLACE FUNCTION ccrm_events_narrow() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF ccrm_event_account(TG_TABLE_NAME, to_jsonb(NEW)) IS NOT NULL THEN
        RETURN NULL;
    END IF;
    UPDATE events e SET account_id = NULL
     WHERE e.entity = TG_TABLE_NAME AND e.entity_id = NEW.id AND e.account_id IS NOT NULL;
    IF TG_TABLE_NAME = 'interactions' THEN
        UPDATE events e SET account_id = NULL
         WHERE e.entity = 'comments' AND e.account_id IS NOT NULL
           AND e.entity_id IN (SELECT c.id FROM comments c
                                WHERE c.entity = 'interactions' AND c.entity_id = NEW.id);
        UPDATE events e SET account_id = NULL
         WHERE e.entity = 'chat_messages' AND e.account_id IS NOT NULL
           AND e.entity_id IN (SELECT c.id FROM chat_messages c
                                WHERE c.entity = 'interactions' AND c.entity_id = NEW.id);
    END IF;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_events_narrow()');

-- How an event names a product ("PRO-1") or an invoice a payment is on ("EUR on 2026-00001").
-- PL/pgSQL so that ccrm_event_summary can be planned before the back office exists (020).
CREATE OR REPLACE FUNCTION ccrm_billing_ref(p_entity text, p_id bigint) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF p_entity = 'products' THEN
        RETURN coalesce((SELECT p.sku FROM products p WHERE p.id = p_id), 'product ' || p_id);
    END IF;
    IF p_entity IS DISTINCT FROM 'invoices' THEN
        RETURN NULL; -- it names products and invoices only
    END IF;
    RETURN coalesce((SELECT i.currency || ' on ' || coalesce(i.number, 'invoice #' || i.id)
                       FROM invoices i WHERE i.id = p_id), 'on invoice #' || p_id);
END
$$;

CREATE OR REPLACE FUNCTION ccrm_event_summary(p_entity text, r jsonb) RETURNS text
LANGUAGE sql STABLE
AS $$
    SELECT coalesce(nullif(left(btrim(regexp_replace(CASE p_entity
        WHEN 'accounts' THEN r->>'name'
        WHEN 'contacts' THEN concat_ws(' ', r->>'first_name', r->>'last_name')
                             || coalesce(' <' || (r->>'email') || '>', '')
        WHEN 'leads' THEN concat_ws(' ', r->>'first_name', r->>'last_name')
                          || coalesce(' <' || (r->>'email') || '>', '')
                          || CASE WHEN r->>'first_name' IS NULL AND r->>'last_name' IS NULL
                                  THEN coalesce(' ' || (r->>'company'), '') ELSE '' END
        WHEN 'tickets' THEN r->>'subject'
        WHEN 'opportunities' THEN (r->>'name') || ' (' || (r->>'stage') || ')'
        WHEN 'interactions' THEN (r->>'kind') || coalesce(': ' || (r->>'subject'), '')
        WHEN 'comments' THEN left(regexp_replace(r->>'body', '\s+', ' ', 'g'), 60)
        WHEN 'chat_messages' THEN 'chat: ' || left(regexp_replace(r->>'body', '\s+', ' ', 'g'), 60)
        WHEN 'campaigns' THEN r->>'name'
        WHEN 'users' THEN (r->>'display_name') || ' (' || (r->>'login') || ')'
        WHEN 'partner_orgs' THEN r->>'name'
        WHEN 'mentions' THEN '@' || (r->>'login')
        -- "<kind> for <login>" makes the recipient's client toast it; a repeated entry says
        -- how often, a quiet one ends in "(quiet)" so that no client pings for it (019)
        WHEN 'inbox' THEN (r->>'kind')
                          || CASE WHEN (r->>'count')::int > 1 THEN ' ×' || (r->>'count') ELSE '' END
                          || ' for ' || (r->>'login')
                          || CASE WHEN (r->>'quiet')::boolean THEN ' (quiet)' ELSE '' END
        WHEN 'responsibilities' THEN 'rule: ' || (r->>'department') || ' → ' || (r->>'person')
                                     || coalesce(' (deputy ' || (r->>'deputy') || ')', '')
        WHEN 'absences' THEN (r->>'login') || ' away ' || (r->>'starts_on') || ' to '
                             || (r->>'ends_on') || coalesce(', deputy ' || (r->>'deputy'), '')
        WHEN 'calendars' THEN 'calendar ' || (r->>'name')
        WHEN 'sla_policies' THEN 'SLA policy ' || (r->>'name')
        WHEN 'followers' THEN (r->>'login')
                              || CASE WHEN (r->>'following')::boolean THEN ' follows '
                                      ELSE ' unfollows ' END
                              || (r->>'entity') || ' #' || (r->>'entity_id')
        WHEN 'inbox_settings' THEN 'inbox settings of ' || (r->>'login')
        -- "reminder for <login>": the person's clients ring
        WHEN 'reminders' THEN 'reminder for ' || (r->>'login')
        WHEN 'messages' THEN
            CASE WHEN r->>'direction' = 'in'
                 THEN 'mail from ' || coalesce(nullif(r->>'from_name', ''), r->>'from_addr', '<>')
                 ELSE 'mail to ' || coalesce(r->>'to_addr', '?') || ' (' || (r->>'status') || ')'
            END || ': ' || coalesce(nullif(r->>'subject', ''), '(no subject)')
        WHEN 'attachments' THEN 'attachment ' || (r->>'name')
        WHEN 'mail_queues' THEN 'mail queue ' || (r->>'name') || ' <' || (r->>'address') || '>'
        WHEN 'products' THEN (r->>'sku') || ' ' || (r->>'name')
        WHEN 'quotes' THEN 'quote #' || (r->>'id')
            || CASE WHEN (r->>'revision')::int > 1 THEN ' rev ' || (r->>'revision') ELSE '' END
            || coalesce(' ' || nullif(r->>'title', ''), '') || ' (' || (r->>'status') || ', '
            || (r->>'gross_total') || ' ' || (r->>'currency') || ')'
        WHEN 'invoices' THEN
            CASE r->>'kind' WHEN 'credit_note' THEN 'credit note ' ELSE 'invoice ' END
            || coalesce(r->>'number', '#' || (r->>'id') || ' (draft)') || ' '
            || coalesce(r->>'buyer_name', '') || ' (' || (r->>'status') || ', '
            || (r->>'gross_total') || ' ' || (r->>'currency') || ')'
        WHEN 'quote_lines' THEN trim_scale((r->>'quantity')::numeric) || ' × ' || (r->>'description')
        WHEN 'invoice_lines' THEN trim_scale((r->>'quantity')::numeric) || ' × '
                                  || (r->>'description')
        WHEN 'interests' THEN 'interest: ' || coalesce(r->>'product', r->>'topic')
                              || coalesce(' (' || CASE r->>'source' WHEN 'hand' THEN 'by hand'
                                                                    ELSE r->>'source' END || ')', '')
        WHEN 'consents' THEN CASE WHEN r->>'opted_out_at' IS NOT NULL THEN 'opted out of '
                                  ELSE 'consented to ' END || (r->>'channel')
        WHEN 'segments' THEN 'segment: ' || (r->>'name')
        WHEN 'merges' THEN public.ccrm_entity_noun(r->>'entity') || ' #' || (r->>'merged_id')
                           || ' merged into #' || (r->>'survivor_id')
                           || CASE WHEN r->>'undone_at' IS NOT NULL THEN ' (undone)' ELSE '' END
        WHEN 'not_duplicates' THEN public.ccrm_entity_noun(r->>'entity') || ' #' || (r->>'a_id')
                                   || ' and #' || (r->>'b_id') || ': not duplicates'
        ELSE public.ccrm_event_summary_named(p_entity, r)
    END, '\s+', ' ', 'g')), 200), ''), p_entity || ' ' || (r->>'id'))
$$;

-- What the Feed says an event did, in people's words: "new deal: …", "changed status, sent
-- at: mail to …". The columns changed are named as words (issue_date: issue date, account_id:
-- account); the outbox's and the numbering's bookkeeping (attempts, the next try, who is
-- sending since when, a number's sequence and year) is left out, and a summary that starts with
-- the noun itself ("segment: …") does not say it twice. A quote's or an invoice's summary names
-- the document itself ("quote #5 …", "invoice 2026-00008 …", "credit note #13 (draft) …"):
-- "new credit note #13 (draft) …", not "new invoice: credit note #13 (draft) …".
CREATE OR REPLACE FUNCTION ccrm_feed_what(p_op text, p_entity text, p_changed text[],
                                          p_summary text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE p_op
               WHEN 'insert' THEN 'new ' || CASE WHEN x.named THEN '' ELSE x.n || ': ' END
               WHEN 'delete' THEN 'deleted ' || CASE WHEN x.named THEN '' ELSE x.n || ': ' END
               WHEN 'update' THEN coalesce('changed ' || (
                   SELECT string_agg(replace(regexp_replace(u.k, '_id$', ''), '_', ' '), ', '
                                     ORDER BY u.o)
                     FROM unnest(p_changed) WITH ORDINALITY u(k, o)
                    WHERE u.k NOT IN ('attempts', 'next_attempt_at', 'sending_since',
                                      'sending_by', 'seq', 'year', 'subject_key')) || ': ',
                   'updated: ')
               ELSE '' END
           || CASE WHEN p_op IN ('insert', 'delete') AND starts_with(p_summary, x.n || ': ')
                   THEN substr(p_summary, length(x.n) + 3) ELSE p_summary END
      FROM (SELECT public.ccrm_entity_noun(p_entity) AS n,
                   p_entity IN ('quotes', 'invoices')
                   AND (starts_with(p_summary, 'quote #') OR starts_with(p_summary, 'invoice ')
                        OR starts_with(p_summary, 'credit note ')) AS named) x
$$;

-- The summaries that name another row (a campaign member's campaign, a share's account and
-- organisation): lookups, kept out of ccrm_event_summary so that it stays a plain expression
-- the planner inlines into the logging trigger's statement (a SQL function with a subquery is
-- planned anew for every statement that calls it: a third of a millisecond a write).
CREATE OR REPLACE FUNCTION ccrm_event_summary_named(p_entity text, r jsonb) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT CASE p_entity
        WHEN 'campaign_members' THEN (r->>'status') || coalesce(' — ' ||
            (SELECT c.name FROM campaigns c WHERE c.id = (r->>'campaign_id')::bigint), '')
        WHEN 'campaign_responses' THEN (r->>'status') || coalesce(' — ' ||
            (SELECT c.name FROM campaigns c WHERE c.id = (r->>'campaign_id')::bigint), '')
        WHEN 'account_shares' THEN
            coalesce((SELECT a.name FROM accounts a WHERE a.id = (r->>'account_id')::bigint),
                     'account ' || (r->>'account_id'))
            || ' ↔ ' ||
            coalesce((SELECT p.name FROM partner_orgs p
                       WHERE p.id = (r->>'partner_org_id')::bigint),
                     'partner ' || (r->>'partner_org_id'))
        WHEN 'product_prices' THEN public.ccrm_billing_ref('products', (r->>'product_id')::bigint)
            || ': ' || (r->>'unit_price') || ' ' || (r->>'currency')
        WHEN 'payments' THEN 'payment ' || (r->>'amount') || ' '
            || public.ccrm_billing_ref('invoices', (r->>'invoice_id')::bigint)
    END
$$;

-- The audit, events and wake-up of every write, at the end of each statement (an update of a
-- status, stage, priority, assignee or owner names the old and the new value in the summary):
--   * an audit row per row written (who, when, the old and new row as jsonb), always, but for
--     an INSERT of more than 20 rows: one audit row naming them all (ids; 018);
--   * events: one per row when the statement wrote at most 20 rows (for an UPDATE only the rows
--     that really changed, with the names of the columns that did), else one 'bulk' event with
--     the count; none for the rows of an import's own table in the import's transaction (its
--     batch announces them at commit, 40_import.sql), while every other write keeps its events;
--   * one NOTIFY ccrm with an empty payload (folded to one a transaction by PostgreSQL).
-- The actor is a person, never a group role (ccrm_person). The per-row case is one statement
-- (each row turned into jsonb once, for the audit and the event alike): this runs on every
-- write, so every SPI statement and every to_jsonb counts (docs/performance.md, "Writes").
CREATE OR REPLACE FUNCTION ccrm_log_changes() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    per_row_max constant int := 20;     -- above this a statement is one 'bulk' event
    bulk_accounts_max constant int := 50; -- ... per account of its rows, up to this many
    v_actor  text := ccrm_person();     -- a person, never a group role
    v_dept   text;
    v_op     text := lower(TG_OP);
    v_folded boolean;
    v_accts  bigint[];
    v_counts bigint[];
    n        bigint;
BEGIN
    -- a session's own ccrm.inbox_logged keeps none of this write's events from the search
    -- queue (schema/040: only the owner's functions say "on", around their own insert)
    IF current_setting('ccrm.inbox_logged', true) = 'on' THEN
        PERFORM set_config('ccrm.inbox_logged', 'off', true);
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        SELECT u.department INTO v_dept FROM users u WHERE u.login = v_actor;
        INSERT INTO audit (actor, entity, op) VALUES (v_actor, TG_TABLE_NAME, 'truncate');
        INSERT INTO events (actor, department, entity, op, summary, row_count)
        VALUES (v_actor, v_dept, TG_TABLE_NAME, 'bulk',
                'all ' || replace(TG_TABLE_NAME, '_', ' ') || ' removed (truncate)', 0);
        PERFORM pg_notify('ccrm', '');
        RETURN NULL;
    END IF;

    -- the number of rows; whether an import (or its revert) of this table is announced once,
    -- by import_batches' deferred trigger (its rows are still audited one by one, this table
    -- only; a mail import (017) also creates the mails' attachments, timeline entries,
    -- tickets, leads and contacts, and its revert deletes them: those inserts, and those
    -- deletes, are part of its one event); the actor's department: one statement, every write
    -- pays it (a transition table a trigger did not declare cannot be named, hence the two)
    IF TG_OP = 'DELETE' THEN
        SELECT (SELECT count(*) FROM old_rows),
               (SELECT u.department FROM users u WHERE u.login = v_actor),
               EXISTS (SELECT 1 FROM import_batches b
                        WHERE ((b.entity = TG_TABLE_NAME AND b.revert_xid = pg_current_xact_id())
                               OR (b.entity = 'messages'
                                   AND TG_TABLE_NAME IN ('attachments', 'interactions', 'tickets',
                                                         'leads', 'contacts')
                                   AND b.revert_xid = pg_current_xact_id()))
                          AND strpos(coalesce(current_setting('ccrm.import_told', true), ''),
                                     ' ' || b.id || ' ') = 0)
          INTO n, v_dept, v_folded;
    ELSE
        SELECT (SELECT count(*) FROM new_rows),
               (SELECT u.department FROM users u WHERE u.login = v_actor),
               EXISTS (SELECT 1 FROM import_batches b
                        WHERE ((b.entity = TG_TABLE_NAME
                                AND (b.xid = pg_current_xact_id()
                                     OR (b.revert_xid = pg_current_xact_id()
                                         AND TG_OP = 'UPDATE')))
                               OR (b.entity = 'messages'
                                   AND TG_TABLE_NAME IN ('attachments', 'interactions', 'tickets',
                                                         'leads', 'contacts')
                                   AND b.xid = pg_current_xact_id() AND TG_OP = 'INSERT'))
                          -- (not once its event is told: ccrm_import_event)
                          AND strpos(coalesce(current_setting('ccrm.import_told', true), ''),
                                     ' ' || b.id || ' ') = 0)
          INTO n, v_dept, v_folded;
    END IF;
    IF n = 0 THEN
        RETURN NULL;
    END IF;

    IF v_folded OR n > per_row_max THEN
        -- (planned for the rows at hand: a plan kept from a small statement could join two
        -- big transition tables badly)
        PERFORM set_config('plan_cache_mode', 'auto', true);
        -- the audit alone (an insert of many rows: one audit row naming them all, 018), then
        -- (unless folded) one bulk event
        IF TG_OP = 'INSERT' AND n > per_row_max THEN
            INSERT INTO audit (actor, entity, op, ids)
            SELECT v_actor, TG_TABLE_NAME, 'insert', range_agg(int8range(t.id, t.id, '[]'))
              FROM new_rows t;
        ELSIF TG_OP = 'INSERT' THEN
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
        IF v_folded THEN
            RETURN NULL;
        END IF;
        -- the bulk event is filed under the account of its rows (before and after), so a
        -- partner it is shared with hears of the change too (his lists re-read); rows of a
        -- few accounts give one event per account (with its own count), rows of many, or of
        -- none a partner may see, one event of no account
        IF n <= 100000 THEN
            IF TG_OP = 'DELETE' THEN
                SELECT array_agg(g.x ORDER BY g.x), array_agg(g.c ORDER BY g.x)
                  INTO v_accts, v_counts
                  FROM (SELECT a.x, count(*) AS c
                          FROM (SELECT ccrm_event_account(TG_TABLE_NAME, to_jsonb(o)) AS x
                                  FROM old_rows o) a GROUP BY a.x) g;
            ELSIF TG_OP = 'UPDATE' THEN
                -- the rows that really changed (a no-op UPDATE is audited, not announced, as
                -- a few rows' is: an UPDATE of 25 rows that changed nothing woke every client
                -- and partner of their accounts)
                SELECT array_agg(g.x ORDER BY g.x), array_agg(g.c ORDER BY g.x)
                  INTO v_accts, v_counts
                  FROM (SELECT a.x, count(DISTINCT a.id) AS c
                          FROM (SELECT d.id, d.nr, d.orow
                                  FROM (SELECT t.id, to_jsonb(t) AS nr, to_jsonb(o) AS orow
                                          FROM new_rows t JOIN old_rows o ON o.id = t.id) d
                                 WHERE d.nr - '{updated_at,updated_by,version,search}'::text[]
                                       IS DISTINCT FROM
                                       d.orow - '{updated_at,updated_by,version,search}'::text[])
                               ch,
                               LATERAL (VALUES (ccrm_event_account(TG_TABLE_NAME, ch.nr), ch.id),
                                               (ccrm_event_account(TG_TABLE_NAME, ch.orow), ch.id))
                                   a(x, id)
                         GROUP BY a.x) g;
                IF v_accts IS NULL THEN
                    RETURN NULL; -- nothing changed: audited above, nothing to tell
                END IF;
            ELSE
                SELECT array_agg(g.x ORDER BY g.x), array_agg(g.c ORDER BY g.x)
                  INTO v_accts, v_counts
                  FROM (SELECT a.x, count(*) AS c
                          FROM (SELECT ccrm_event_account(TG_TABLE_NAME, to_jsonb(t)) AS x
                                  FROM new_rows t) a GROUP BY a.x) g;
            END IF;
        END IF;
        IF coalesce(cardinality(v_accts), 0) BETWEEN 1 AND bulk_accounts_max THEN
            INSERT INTO events (actor, department, entity, op, account_id, summary, row_count)
            SELECT v_actor, v_dept, TG_TABLE_NAME, 'bulk', g.x,
                   to_char(g.c, 'FM999,999,999,990') || ' ' || replace(TG_TABLE_NAME, '_', ' ')
                   || CASE TG_OP WHEN 'INSERT' THEN ' inserted'
                                 WHEN 'UPDATE' THEN ' updated'
                                 ELSE ' deleted' END,
                   g.c
              FROM unnest(v_accts, v_counts) WITH ORDINALITY g(x, c, i)
             ORDER BY g.i;
        ELSE
            INSERT INTO events (actor, department, entity, op, account_id, summary, row_count)
            VALUES (v_actor, v_dept, TG_TABLE_NAME, 'bulk', NULL,
                    to_char(n, 'FM999,999,999,990') || ' ' || replace(TG_TABLE_NAME, '_', ' ')
                    || CASE TG_OP WHEN 'INSERT' THEN ' inserted'
                                  WHEN 'UPDATE' THEN ' updated'
                                  ELSE ' deleted' END,
                    n);
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        WITH r AS MATERIALIZED (SELECT t.id, to_jsonb(t) AS nr FROM new_rows t),
             a AS (INSERT INTO audit (actor, entity, entity_id, op, new_row)
                   SELECT v_actor, TG_TABLE_NAME, r.id, 'insert', r.nr FROM r)
        INSERT INTO events (actor, department, entity, entity_id, op, account_id, summary)
        SELECT v_actor, v_dept, TG_TABLE_NAME, r.id, v_op,
               ccrm_event_account(TG_TABLE_NAME, r.nr), ccrm_event_summary(TG_TABLE_NAME, r.nr)
          FROM r ORDER BY r.id;
    ELSIF TG_OP = 'DELETE' THEN
        WITH r AS MATERIALIZED (SELECT o.id, to_jsonb(o) AS orow FROM old_rows o),
             a AS (INSERT INTO audit (actor, entity, entity_id, op, old_row)
                   SELECT v_actor, TG_TABLE_NAME, r.id, 'delete', r.orow FROM r)
        INSERT INTO events (actor, department, entity, entity_id, op, account_id, summary,
                            partner_org)
        SELECT v_actor, v_dept, TG_TABLE_NAME, r.id, v_op,
               ccrm_event_account(TG_TABLE_NAME, r.orow),
               ccrm_event_summary(TG_TABLE_NAME, r.orow),
               -- (the partner organisation alone that saw the row, 117)
               CASE WHEN TG_TABLE_NAME IN ('tickets', 'interactions', 'comments', 'chat_messages')
                    THEN ccrm_event_partner_org(TG_TABLE_NAME, r.orow) END
          FROM r ORDER BY r.id;
    ELSE
        -- one event per row that really changed (a no-op UPDATE is audited, not announced)
        WITH r AS MATERIALIZED (SELECT t.id, to_jsonb(t) AS nr, to_jsonb(o) AS orow
                                  FROM new_rows t JOIN old_rows o ON o.id = t.id),
             a AS (INSERT INTO audit (actor, entity, entity_id, op, old_row, new_row)
                   SELECT v_actor, TG_TABLE_NAME, r.id, 'update', r.orow, r.nr FROM r),
             c AS (SELECT r.id, r.nr, r.orow,
                          ARRAY(SELECT k.key
                                  FROM jsonb_each(r.nr) k
                                 WHERE k.key NOT IN ('updated_at', 'updated_by', 'version',
                                                     'search')
                                   AND k.value IS DISTINCT FROM r.orow -> k.key
                                 ORDER BY k.key) AS changed
                     FROM r)
        INSERT INTO events (actor, department, entity, entity_id, op, account_id, summary,
                            changed)
        SELECT v_actor, v_dept, TG_TABLE_NAME, c.id, v_op,
               ccrm_event_account(TG_TABLE_NAME, c.nr),
               -- a change of state says from what to what: "... · status open → pending"
               ccrm_event_summary(TG_TABLE_NAME, c.nr)
               || coalesce(' · ' || (SELECT string_agg(k || ' ' || coalesce(c.orow ->> k, 'none')
                                                       || ' → ' || coalesce(c.nr ->> k, 'none'),
                                                       ', ' ORDER BY k)
                                       FROM unnest(c.changed) k
                                      WHERE k IN ('status', 'stage', 'priority', 'assignee',
                                                  'owner')), ''),
               c.changed
          FROM c
         WHERE cardinality(c.changed) > 0
         ORDER BY c.id;
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
SELECT ccrm_set_execute('ccrm_log_changes()');

CREATE OR REPLACE FUNCTION ccrm_audit_append_only() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail cannot be changed or deleted'
        USING ERRCODE = '42501';
END
$$;
SELECT ccrm_set_execute('ccrm_audit_append_only()');

-- Which of the events a reader delivered (id, xid, time in microseconds: their fingerprints)
-- are still on this server, whoever may read them now (098). The event stream's history check
-- (src/db/events.c, after every reconnect) asked through row-level security, so a partner's
-- feed took an event of an account unshared since for one a failover lost: "history changed",
-- and it delivered a transaction's events again. The caller names the fingerprints: it learns
-- nothing of an event it could not name exactly (an id, a transaction id and a time to the
-- microsecond), and only whether it is there. The ids found, in order, or NULL.
CREATE OR REPLACE FUNCTION ccrm_events_survived(p_ids bigint[], p_xids xid8[], p_ats bigint[])
RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT array_agg(f.id ORDER BY f.id)
      FROM unnest(p_ids, p_xids, p_ats) AS f(id, xid, at)
     WHERE EXISTS (SELECT 1 FROM public.events e
                    WHERE e.id = f.id AND e.xid = f.xid
                      AND (extract(epoch FROM e.at) * 1000000)::bigint = f.at)
$$;
SELECT ccrm_set_execute('ccrm_events_survived(bigint[],xid8[],bigint[])', 'ccrm_internal',
                        'ccrm_partner');
