-- ccrm schema functions: Records: what they are called, whether the caller may see one and under
-- which account, the stamps and optimistic locking every row gets, the department rules on
-- values, deleting.
--
-- The current definition of each function below; the only one. `ccrm --migrate` applies every
-- file of schema/functions/ before and after the pending numbered migrations, in their
-- transaction (docs/architecture.md, "Schema"). EXECUTE is PostgreSQL's default (PUBLIC) unless
-- ccrm_set_execute() below a function says who may call it.

-- The word for one record of a table, for messages ("deal #4 not found").
-- (plpgsql, and no SET clause: it names nothing. A sql function that the planner cannot inline
-- is parsed and planned again in every transaction that calls it: notices name records with it
-- on the write path.)
CREATE OR REPLACE FUNCTION ccrm_entity_noun(p_entity text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
BEGIN
    RETURN CASE p_entity
        WHEN 'accounts' THEN 'account'
        WHEN 'contacts' THEN 'contact'
        WHEN 'leads' THEN 'lead'
        WHEN 'opportunities' THEN 'deal'
        WHEN 'tickets' THEN 'ticket'
        WHEN 'interactions' THEN 'interaction'
        WHEN 'campaigns' THEN 'campaign'
        WHEN 'responsibilities' THEN 'rule'
        WHEN 'absences' THEN 'absence'
        WHEN 'calendars' THEN 'calendar'
        WHEN 'sla_policies' THEN 'SLA policy'
        WHEN 'reminders' THEN 'reminder'
        WHEN 'products' THEN 'product'
        WHEN 'product_prices' THEN 'product price'
        WHEN 'quotes' THEN 'quote'
        WHEN 'quote_lines' THEN 'quote line'
        WHEN 'invoices' THEN 'invoice'
        WHEN 'invoice_lines' THEN 'invoice line'
        WHEN 'payments' THEN 'payment'
        -- what hangs off records, and the bookkeeping, as the Feed names them
        WHEN 'comments' THEN 'comment'
        WHEN 'chat_messages' THEN 'chat message'
        WHEN 'mentions' THEN 'mention'
        WHEN 'inbox' THEN 'inbox entry'
        WHEN 'messages' THEN 'mail'
        WHEN 'attachments' THEN 'attachment'
        WHEN 'campaign_members' THEN 'campaign member'
        WHEN 'campaign_responses' THEN 'campaign response'
        WHEN 'account_shares' THEN 'share'
        WHEN 'partner_orgs' THEN 'partner organisation'
        WHEN 'users' THEN 'user'
        WHEN 'import_batches' THEN 'import'
        WHEN 'interests' THEN 'interest'
        WHEN 'consents' THEN 'consent'
        WHEN 'segments' THEN 'segment'
        WHEN 'merges' THEN 'merge'
        ELSE coalesce(replace(p_entity, '_', ' '), 'record')
    END;
END
$$;

-- The word for several records of a table ("12 deals imported"): the singular's plural, so
-- that a table whose name is not the people's word (opportunities: deals, messages: mails)
-- never shows through.
CREATE OR REPLACE FUNCTION ccrm_entity_nouns(p_entity text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
AS $$
DECLARE
    v_one text := ccrm_entity_noun(p_entity);
BEGIN
    RETURN CASE WHEN v_one = 'SLA policy' THEN 'SLA policies'
                WHEN v_one = 'inbox entry' THEN 'inbox entries'
                WHEN v_one = 'partner organisation' THEN 'partner organisations'
                WHEN p_entity IS NULL THEN 'records'
                ELSE v_one || 's' END;
END
$$;

-- The table a word names, for filters people type (`f entity=deals` in the Feed): a table's
-- singular or plural word as people say it ("deal", "deals", "opportunity", "tickets"), in any
-- letter case; any other word comes back as it is (so a table's own name works, and an unknown
-- word matches nothing). IMMUTABLE: a constant argument folds into the plan.
CREATE OR REPLACE FUNCTION ccrm_entity_table(p_word text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE lower(btrim(p_word))
        WHEN 'account' THEN 'accounts'
        WHEN 'contact' THEN 'contacts'
        WHEN 'lead' THEN 'leads'
        WHEN 'deal' THEN 'opportunities'
        WHEN 'deals' THEN 'opportunities'
        WHEN 'opportunity' THEN 'opportunities'
        WHEN 'ticket' THEN 'tickets'
        WHEN 'interaction' THEN 'interactions'
        WHEN 'campaign' THEN 'campaigns'
        WHEN 'comment' THEN 'comments'
        WHEN 'chat' THEN 'chat_messages'
        WHEN 'chat message' THEN 'chat_messages'
        WHEN 'chat messages' THEN 'chat_messages'
        WHEN 'mail' THEN 'messages'
        WHEN 'mails' THEN 'messages'
        WHEN 'quote' THEN 'quotes'
        WHEN 'invoice' THEN 'invoices'
        WHEN 'payment' THEN 'payments'
        WHEN 'product' THEN 'products'
        WHEN 'user' THEN 'users'
        ELSE lower(btrim(p_word))
    END
$$;

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
                           'interactions', 'campaigns', 'quotes', 'invoices')
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
        WHEN 'quotes' THEN RETURN EXISTS (SELECT 1 FROM quotes r WHERE r.id = p_id);
        WHEN 'invoices' THEN RETURN EXISTS (SELECT 1 FROM invoices r WHERE r.id = p_id);
        ELSE RETURN EXISTS (SELECT 1 FROM campaigns r WHERE r.id = p_id);
    END CASE;
END
$$;

-- May the caller see the row an event is about (a ticket, timeline entry, comment or chat
-- message)? For the events policy `partner_own_org` (migration 107), on the events of shared
-- accounts only: such an event is seen with its row, read through the caller's own row-level
-- security, so a partner does not read, in the summary of a colleague's change, a ticket
-- another partner organisation wrote on an account shared with both.
CREATE OR REPLACE FUNCTION ccrm_event_row_visible(p_entity text, p_id bigint) RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    CASE p_entity
        WHEN 'tickets', 'interactions' THEN RETURN ccrm_record_exists(p_entity, p_id);
        WHEN 'comments' THEN RETURN EXISTS (SELECT 1 FROM comments r WHERE r.id = p_id);
        WHEN 'chat_messages' THEN RETURN EXISTS (SELECT 1 FROM chat_messages r WHERE r.id = p_id);
        ELSE RETURN true;
    END CASE;
END
$$;

-- Hold a record the caller is writing about (a comment, a follow) until the caller's
-- transaction ends: a key-share lock, so that a merge or delete of it (which locks it for
-- update) either finished before (then it is gone: false) or waits until after (and then
-- moves what was written with the record). Without it, a comment written while a merge ran
-- pointed at the merged record after both committed, and the merge could not be undone.
-- Check visibility first with ccrm_record_exists (as the caller): this runs as the owner, so
-- it holds records for internal users only (who see every record of these tables: nothing is
-- told that they could not read); a partner, who merges and deletes nothing, is answered true
-- without a lock (a partner's call must not tell whether an id it cannot see exists).
CREATE OR REPLACE FUNCTION ccrm_record_hold(p_entity text, p_id bigint) RETURNS boolean
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_found boolean;
BEGIN
    IF NOT pg_has_role(ccrm_person(), 'ccrm_internal', 'USAGE') THEN
        RETURN true;
    END IF;
    IF p_entity IS NULL OR p_id IS NULL
       OR p_entity NOT IN ('accounts', 'contacts', 'leads', 'opportunities', 'tickets',
                           'interactions', 'campaigns', 'quotes', 'invoices') THEN
        RETURN false;
    END IF;
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM public.%I r WHERE r.id = $1 FOR KEY SHARE)',
                   p_entity)
       INTO v_found USING p_id;
    RETURN v_found;
END
$$;
SELECT ccrm_set_execute('ccrm_record_hold(text,bigint)', 'ccrm_internal', 'ccrm_partner');

-- The account of a quote or an invoice (and of a line or payment: its document's), read through
-- the caller's row-level security. PL/pgSQL so that the SQL functions calling it can be planned
-- on a database that has no back office yet (the migrations before 020 run them).
CREATE OR REPLACE FUNCTION ccrm_billing_account(p_entity text, p_id bigint) RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    CASE p_entity
        WHEN 'quotes' THEN RETURN (SELECT r.account_id FROM quotes r WHERE r.id = p_id);
        WHEN 'invoices' THEN RETURN (SELECT r.account_id FROM invoices r WHERE r.id = p_id);
        WHEN 'quote_lines' THEN
            RETURN (SELECT q.account_id FROM quote_lines l JOIN quotes q ON q.id = l.quote_id
                     WHERE l.id = p_id);
        WHEN 'invoice_lines' THEN
            RETURN (SELECT i.account_id FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
                     WHERE l.id = p_id);
        WHEN 'payments' THEN
            RETURN (SELECT i.account_id FROM payments p JOIN invoices i ON i.id = p.invoice_id
                     WHERE p.id = p_id);
        ELSE RETURN NULL;
    END CASE;
END
$$;

-- Who reads a new comment, note or chat message when its writer does not say (022): a
-- partner's are shared with the partner organisations that see the record, an internal
-- user's are internal. The person acting, not current_user, so that a write made inside a
-- SECURITY DEFINER function still counts as its caller's. pg_has_role reads no table.
CREATE OR REPLACE FUNCTION ccrm_default_visibility() RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN pg_has_role(public.ccrm_actor(), 'ccrm_partner', 'USAGE')
                     AND NOT pg_has_role(public.ccrm_actor(), 'ccrm_internal', 'USAGE')
                THEN 'shared' ELSE 'internal' END
$$;

-- The account a record hangs off in the sense of the partner policies of 004 (the row's own
-- account_id; the id itself for accounts; NULL for campaigns and unknown or invisible rows).
-- A partner sees a record exactly when this account is shared with its organisation.
-- A CASE statement, one small query per branch: a RETURN of one CASE expression over all the
-- subqueries started every branch's plan at each call (41 against 4 us a call; the event of
-- every inbox line and comment asks). No SET clause (names are qualified): a function with
-- one saves and restores the setting at every call.
CREATE OR REPLACE FUNCTION ccrm_record_account(p_entity text, p_id bigint) RETURNS bigint
LANGUAGE plpgsql STABLE
AS $$
BEGIN
    CASE p_entity
        WHEN 'accounts' THEN RETURN (SELECT r.id FROM public.accounts r WHERE r.id = p_id);
        WHEN 'contacts' THEN
            RETURN (SELECT r.account_id FROM public.contacts r WHERE r.id = p_id);
        WHEN 'leads' THEN RETURN (SELECT r.account_id FROM public.leads r WHERE r.id = p_id);
        WHEN 'opportunities' THEN
            RETURN (SELECT r.account_id FROM public.opportunities r WHERE r.id = p_id);
        WHEN 'tickets' THEN RETURN (SELECT r.account_id FROM public.tickets r WHERE r.id = p_id);
        -- an internal note is seen by no partner, so what hangs off it (comments, chat,
        -- inbox lines, their events) is filed under no account either; nor is an entry
        -- whose ticket, lead or deal is filed elsewhere (ccrm_event_account's one rule)
        WHEN 'interactions' THEN
            RETURN (SELECT public.ccrm_event_account('interactions', to_jsonb(r))
                      FROM public.interactions r WHERE r.id = p_id);
        WHEN 'comments' THEN
            RETURN (SELECT public.ccrm_record_account(r.entity, r.entity_id)
                      FROM public.comments r WHERE r.id = p_id);
        WHEN 'quotes', 'invoices' THEN RETURN public.ccrm_billing_account(p_entity, p_id);
        ELSE RETURN NULL;
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

CREATE OR REPLACE FUNCTION ccrm_stamp() RETURNS trigger
LANGUAGE plpgsql
AS $$
-- (No SET clause: a function with one saves and restores the setting on every call, and this
-- runs for every row written; it names no table, and public.ccrm_actor() is qualified.)
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- an unmerge puts a deleted row back exactly as it was, stamps included (only
        -- ccrm_unmerge can make ccrm_restoring() true; a new row's created_at is now())
        IF NEW.created_at < now() AND public.ccrm_restoring() THEN
            RETURN NEW;
        END IF;
        -- a ticket of a mail history import starts when its first mail was written (the date
        -- ccrm_mail_store_many gives, as the schema's owner: ccrm_mail_history)
        IF NOT coalesce(NEW.created_at < now() AND TG_TABLE_NAME = 'tickets'
                        AND public.ccrm_mail_history(), false) THEN
            NEW.created_at := now();
        END IF;
        NEW.created_by := public.ccrm_actor();
        NEW.updated_at := NEW.created_at;
        NEW.updated_by := NEW.created_by;
        NEW.version := 1;
        RETURN NEW;
    END IF;
    -- UPDATE: a writer either leaves version alone (it is bumped) or sets it to the value it
    -- read; any other value means the row changed since it was read.
    IF NEW.version IS DISTINCT FROM OLD.version THEN
        RAISE EXCEPTION 'record was changed by someone else (version %, you had %)',
                        OLD.version, NEW.version
            USING ERRCODE = 'CR001',
                  DETAIL = format('%s %s was last changed by %s at %s', TG_TABLE_NAME, OLD.id,
                                  OLD.updated_by, OLD.updated_at),
                  HINT = 'Reload the record, then apply your change again.',
                  SCHEMA = TG_TABLE_SCHEMA,
                  TABLE = TG_TABLE_NAME,
                  COLUMN = 'version';
    END IF;
    NEW.version := OLD.version + 1;
    NEW.created_at := OLD.created_at;
    NEW.created_by := OLD.created_by;
    NEW.updated_at := now();
    NEW.updated_by := public.ccrm_actor();
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_stamp()');

-- A ticket or interaction logged against a contact (or a deal, ticket, lead) lands on the
-- customer's timeline even when the writer did not name the account.
CREATE OR REPLACE FUNCTION ccrm_fill_account() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    -- a received mail's entry names its sender's contact or none, and the record's account
    -- only when the sender is the record's customer, as the mail store decided
    -- (ccrm.mail_sender_contact, set around its insert): a stranger who writes on a ticket is
    -- not its customer, nor on the timeline of its account
    IF TG_TABLE_NAME = 'interactions'
       AND current_setting('ccrm.mail_sender_contact', true) IS DISTINCT FROM 'on' THEN
        IF NEW.contact_id IS NULL AND NEW.ticket_id IS NOT NULL THEN
            SELECT t.contact_id INTO NEW.contact_id FROM tickets t WHERE t.id = NEW.ticket_id;
        END IF;
        IF NEW.contact_id IS NULL AND NEW.lead_id IS NOT NULL THEN
            SELECT l.contact_id INTO NEW.contact_id FROM leads l WHERE l.id = NEW.lead_id;
        END IF;
        IF NEW.account_id IS NULL AND NEW.opportunity_id IS NOT NULL THEN
            SELECT o.account_id INTO NEW.account_id FROM opportunities o
             WHERE o.id = NEW.opportunity_id;
        END IF;
        IF NEW.account_id IS NULL AND NEW.ticket_id IS NOT NULL THEN
            SELECT t.account_id INTO NEW.account_id FROM tickets t WHERE t.id = NEW.ticket_id;
        END IF;
        IF NEW.account_id IS NULL AND NEW.lead_id IS NOT NULL THEN
            SELECT l.account_id INTO NEW.account_id FROM leads l WHERE l.id = NEW.lead_id;
        END IF;
    END IF;
    IF NEW.account_id IS NULL AND NEW.contact_id IS NOT NULL THEN
        SELECT c.account_id INTO NEW.account_id FROM contacts c WHERE c.id = NEW.contact_id;
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_fill_account()');

CREATE OR REPLACE FUNCTION ccrm_rule_ticket_status() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NEW.status IN ('solved', 'closed')
       AND (TG_OP = 'INSERT' OR OLD.status IS DISTINCT FROM NEW.status)
       AND NOT ccrm_in_dept('support', 'management') THEN
        RAISE EXCEPTION 'only support, management and admin may set a ticket to %', NEW.status
            USING ERRCODE = '42501',
                  HINT = 'Hand the ticket off to support to solve or close it.';
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_rule_ticket_status()');

-- BEFORE INSERT OR UPDATE OF subject, body, kind, channel ON interactions (073): a timeline
-- entry needs a subject or a note, whoever writes it; a mail stored by the mail paths (kind
-- and channel email) may be empty (its message and files are beside it), and rows put back as
-- they were (an unmerge, an import's revert) are left as they were.
CREATE OR REPLACE FUNCTION ccrm_interaction_says_something() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF nullif(btrim(NEW.subject, E' \t\r\n'), '') IS NULL
       AND nullif(btrim(NEW.body, E' \t\r\n'), '') IS NULL
       AND NOT coalesce(NEW.kind = 'email' AND NEW.channel = 'email', false)
       AND ccrm_restoring_what() IS NULL THEN
        RAISE EXCEPTION 'an interaction needs a subject or a note'
            USING ERRCODE = '23514',
                  HINT = 'Say in a few words what happened: the subject, the note, or both.';
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_interaction_says_something()');

-- A number is a number and a day is a day of the calendar (migration 109), for every writer:
-- numeric takes 'NaN', and numeric(14,2)'s CHECK (x >= 0) lets it through (NaN sorts above
-- every number), so a deal's amount of NaN made the pipeline's running totals NaN for good
-- (NaN - NaN is NaN) and a campaign's budget NaN; date takes 'infinity' and the years from
-- 4713 BC to 5874897, so a quote went out "valid until infinity", and could be accepted
-- forever. The client's forms and imports take neither (amounts are digits, days from 1900 to
-- 9999); psql and scripts now get the same. TG_ARGV: the columns, each 'number:COLUMN' or
-- 'day:COLUMN'; the triggers (109) fire only WHEN one is out of bounds, so the rule costs
-- nothing otherwise, and only a value being written is refused: a row stored before keeps
-- what it has through a write that leaves it (a merge moving the row, a stage changed), and a
-- row put back as it was (an unmerge, an import's revert) is left as it was.
CREATE OR REPLACE FUNCTION ccrm_finite_values() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    n jsonb := to_jsonb(NEW);
    o jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END;
    a text;
    c text;
    v text;
BEGIN
    IF ccrm_restoring_what() IS NOT NULL THEN
        RETURN NEW;
    END IF;
    FOREACH a IN ARRAY TG_ARGV LOOP
        c := split_part(a, ':', 2);
        v := n ->> c;
        CONTINUE WHEN v IS NULL OR (o IS NOT NULL AND (o -> c) = (n -> c));
        IF split_part(a, ':', 1) = 'number' THEN
            IF v = 'NaN' THEN
                RAISE EXCEPTION '% NaN: not a number', replace(c, '_', ' ')
                    USING ERRCODE = '22023', TABLE = TG_TABLE_NAME, COLUMN = c,
                          HINT = 'Give an amount in digits (1234.50), or leave it empty.';
            END IF;
        ELSIF v::date NOT BETWEEN date '1900-01-01' AND date '9999-12-31' THEN
            RAISE EXCEPTION '% %: a day of the calendar from 1900-01-01 to 9999-12-31',
                            replace(c, '_', ' '), v
                USING ERRCODE = '22008', TABLE = TG_TABLE_NAME, COLUMN = c,
                      HINT = 'Give a date YYYY-MM-DD (the year in four digits).';
        END IF;
    END LOOP;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_finite_values()');

CREATE OR REPLACE FUNCTION ccrm_rule_deal_won() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NEW.stage = 'won'
       AND (TG_OP = 'INSERT' OR OLD.stage IS DISTINCT FROM NEW.stage)
       AND NOT ccrm_in_dept('sales', 'management') THEN
        RAISE EXCEPTION 'only sales, management and admin may move a deal to won'
            USING ERRCODE = '42501',
                  HINT = 'Hand the deal off to its owner in sales.';
    END IF;
    -- nor out of won: that changes the won revenue and the win rate as much
    IF TG_OP = 'UPDATE' AND OLD.stage = 'won' AND NEW.stage IS DISTINCT FROM 'won'
       AND NOT ccrm_in_dept('sales', 'management') THEN
        RAISE EXCEPTION 'only sales, management and admin may move a deal out of won'
            USING ERRCODE = '42501',
                  HINT = 'Hand the deal off to its owner in sales.';
    END IF;
    -- A closed deal's close date is the day it was won or lost (as its closer counts days,
    -- ccrm_local), whoever closed it: the Pipeline's >, the form, an import, psql. Until then
    -- it was the day expected, often still ahead, or none, and the reports count won and lost
    -- deals by its month. A date the same statement gives (a deal won last week, entered
    -- today) is kept; no date, or the one the deal had, is today's. A row put back as it was
    -- keeps its date: an unmerge's, an import's revert's (ccrm_restoring_what). Reopening
    -- leaves the date alone: the day the deal last closed is a better expected close than none
    -- until someone sets one (an empty date would move it to its creation month in the
    -- reports).
    IF NEW.stage IN ('won', 'lost')
       AND (TG_OP = 'INSERT' OR OLD.stage IS DISTINCT FROM NEW.stage)
       AND (NEW.close_date IS NULL
            OR (TG_OP = 'UPDATE' AND NEW.close_date IS NOT DISTINCT FROM OLD.close_date))
       AND ccrm_restoring_what() IS NULL THEN
        NEW.close_date := ccrm_local(now())::date;
    END IF;
    -- A date given is the day it closed, so not one still ahead: a deal won "in February" of
    -- next year showed up as won revenue of a month to come in the reports. It is refused, not
    -- made today's: the writer meant a day, and only they know which (migration 075; the
    -- trigger fires on a change of close_date too, so a closed deal's date cannot be moved
    -- ahead later). A row put back as it was keeps the date it had.
    IF NEW.stage IN ('won', 'lost')
       AND NEW.close_date > ccrm_local(now())::date
       AND (TG_OP = 'INSERT' OR OLD.stage IS DISTINCT FROM NEW.stage
            OR NEW.close_date IS DISTINCT FROM OLD.close_date)
       AND ccrm_restoring_what() IS NULL THEN
        RAISE EXCEPTION 'a deal is won or lost on a day that has come: its close date % is in the future',
                        NEW.close_date
            USING ERRCODE = '23514', TABLE = TG_TABLE_NAME, COLUMN = 'close_date',
                  HINT = format('Give the day it was %s, today (%s) or before, or no date for'
                                ' today; a day still ahead is an expected close: keep the deal'
                                ' open until then.', NEW.stage, ccrm_local(now())::date);
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_rule_deal_won()');

-- Delete rows of p_entity by id, as the caller, with the department rules of 004:
--   accounts, contacts, deals  sales, management, admin
--   tickets                    support, management, admin
--   leads                      marketing, management, admin
--   campaigns, their members   marketing, management, admin
--   and campaign responses
--   interactions               any internal user their own; management and admin any
--   interests                  any internal user their own; marketing, management and admin
--                              any
--   segments                   their creator (partners too) or owner; marketing, management
--                              and admin any
--   not_duplicates             whoever may merge that kind of record (ccrm_may_merge)
--   consents, merges           nobody (an opt-out is a record to keep: opting in again is an
--                              update, deleting its contact or lead keeps it (070,
--                              ccrm_consents_kept); a merge is undone with ccrm_unmerge)
--   comments                   their author; management and admin any
--   inbox entries              their recipient or sender; admin any
--   chat messages              their author (partners too)
--   mail, attachments (017)    whoever stored them; management and admin any
--   mail queues (017)          admin
--   rules (responsibilities),  management, admin
--   calendars, SLA policies
--   absences                   the person, their team lead; management and admin any
--   followers, inbox settings, their person; admin any
--   reminders
--   products, their prices     sales, billing, management, admin
--   quotes, their lines        sales, management, admin (drafts only: schema/functions/91_billing)
--   invoices, their lines      sales, billing, management, admin (drafts only, likewise)
--   payments                   billing, management, admin
-- Rows the caller may not delete (someone else's comment) or that do not exist are skipped,
-- as a DELETE skips rows its policy hides. Returns the number of rows deleted. Audit, events
-- and cascades follow as for any DELETE, with the caller as the actor. DEFINER because nobody
-- but the owner holds DELETE: a DELETE privilege would also allow LOCK TABLE (see 1.).
CREATE OR REPLACE FUNCTION ccrm_delete(p_entity text, p_ids bigint[]) RETURNS bigint
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
    ELSIF p_entity IN ('leads', 'campaigns', 'campaign_members', 'campaign_responses') THEN
        IF NOT ccrm_in_dept('marketing', 'management') THEN
            RAISE EXCEPTION 'only marketing, management and admin delete %',
                            CASE p_entity WHEN 'leads' THEN 'leads' WHEN 'campaigns'
                                 THEN 'campaigns' WHEN 'campaign_members' THEN 'campaign members'
                                 ELSE 'campaign responses' END
                USING ERRCODE = '42501';
        END IF;
    ELSIF p_entity IN ('products', 'product_prices', 'invoices', 'invoice_lines') THEN
        IF NOT ccrm_in_dept('sales', 'billing', 'management') THEN
            RAISE EXCEPTION 'only sales, billing, management and admin delete %s',
                            ccrm_entity_noun(p_entity) USING ERRCODE = '42501';
        END IF;
    ELSIF p_entity IN ('quotes', 'quote_lines') THEN
        IF NOT ccrm_in_dept('sales', 'management') THEN
            RAISE EXCEPTION 'only sales, management and admin delete %s',
                            ccrm_entity_noun(p_entity) USING ERRCODE = '42501';
        END IF;
    ELSIF p_entity = 'payments' THEN
        IF NOT ccrm_in_dept('billing', 'management') THEN
            RAISE EXCEPTION 'only billing, management and admin delete payments'
                USING ERRCODE = '42501';
        END IF;
    ELSIF p_entity = 'interests' THEN
        v_mine := CASE WHEN ccrm_in_dept('marketing', 'management') THEN NULL
                       ELSE 't.created_by = $2' END;
    ELSIF p_entity = 'segments' THEN
        v_mine := CASE WHEN ccrm_in_dept('marketing', 'management') THEN NULL
                       ELSE '(t.created_by = $2 OR t.owner = $2)' END;
    ELSIF p_entity = 'not_duplicates' THEN
        v_mine := 'ccrm_may_merge(t.entity)';
    ELSIF p_entity = 'interactions' THEN
        v_mine := CASE WHEN v_any THEN NULL ELSE 't.created_by = $2' END;
    ELSIF p_entity = 'comments' THEN
        v_mine := CASE WHEN v_any THEN NULL ELSE 't.author = $2' END;
    ELSIF p_entity = 'inbox' THEN
        v_mine := CASE WHEN pg_has_role(v_who, 'ccrm_admin', 'USAGE') THEN NULL
                       ELSE '(t.login = $2 OR t.from_login = $2)' END;
    ELSIF p_entity = 'chat_messages' THEN
        -- one's own; a partner's only on a record he still sees: the partner rule (004) for
        -- the record's account and the caller's organisation, spelt out (this runs as owner)
        v_mine := CASE WHEN pg_has_role(v_who, 'ccrm_internal', 'USAGE') THEN 't.created_by = $2'
                       ELSE 't.created_by = $2 AND EXISTS (SELECT 1 FROM public.account_shares s'
                            ' JOIN public.users u ON u.partner_org_id = s.partner_org_id'
                            ' WHERE u.login = $2 AND u.active'
                            ' AND s.account_id = public.ccrm_record_account(t.entity, t.entity_id))'
                  END;
    ELSIF p_entity IN ('messages', 'attachments') THEN
        v_mine := CASE WHEN v_any THEN NULL ELSE 't.created_by = $2' END;
    ELSIF p_entity = 'mail_queues' THEN
        IF NOT pg_has_role(v_who, 'ccrm_admin', 'USAGE') THEN
            RAISE EXCEPTION 'only admins delete mail queues' USING ERRCODE = '42501';
        END IF;
    ELSIF p_entity IN ('responsibilities', 'calendars', 'sla_policies') THEN
        IF NOT ccrm_in_dept('management') THEN
            RAISE EXCEPTION 'only management and admin delete %',
                            CASE p_entity WHEN 'responsibilities' THEN 'rules'
                                 WHEN 'calendars' THEN 'calendars' ELSE 'SLA policies' END
                USING ERRCODE = '42501';
        END IF;
    ELSIF p_entity = 'absences' THEN
        v_mine := CASE WHEN v_any THEN NULL
                       ELSE '(t.login = $2 OR public.ccrm_manager_of(t.login) = $2)' END;
    ELSIF p_entity IN ('followers', 'inbox_settings', 'reminders') THEN
        v_mine := CASE WHEN pg_has_role(v_who, 'ccrm_admin', 'USAGE') THEN NULL
                       ELSE 't.login = $2' END;
    ELSE
        RAISE EXCEPTION 'cannot delete "%": not a kind of record', coalesce(p_entity, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF NOT pg_has_role(v_who, 'ccrm_internal', 'USAGE')
       AND p_entity NOT IN ('chat_messages', 'segments') THEN
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
-- raises CR001 like a stale UPDATE. Returns whether it was deleted. The version is compared
-- on every kind of record that has one (segments, comments, chat as much as tickets), as the
-- caller reads it: a row he cannot read is not compared (and not deleted, if he may not).
CREATE OR REPLACE FUNCTION ccrm_delete(p_entity text, p_id bigint, p_version int DEFAULT NULL)
RETURNS boolean
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_rel regclass := to_regclass(format('public.%I', p_entity));
    v_now int;
    v_rows bigint;
BEGIN
    IF p_version IS NOT NULL AND v_rel IS NOT NULL AND has_table_privilege(v_rel, 'SELECT')
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = v_rel
                      AND a.attname = 'version' AND a.attnum > 0 AND NOT a.attisdropped) THEN
        EXECUTE format('SELECT version FROM public.%I WHERE id = $1', p_entity)
           INTO v_now USING p_id;
        GET DIAGNOSTICS v_rows = ROW_COUNT; -- (EXECUTE does not set FOUND)
        IF v_rows > 0 AND v_now IS DISTINCT FROM p_version THEN
            RAISE EXCEPTION 'record was changed by someone else (version %, you had %)',
                            v_now, p_version
                USING ERRCODE = 'CR001',
                      HINT = 'Reload the record, then decide again.';
        END IF;
    END IF;
    RETURN ccrm_delete(p_entity, ARRAY[p_id]) > 0;
END
$$;
SELECT ccrm_set_execute('ccrm_delete(text,bigint[])', 'ccrm_internal', 'ccrm_partner');
SELECT ccrm_set_execute('ccrm_delete(text,bigint,integer)', 'ccrm_internal', 'ccrm_partner');
