-- ccrm schema functions: the back office (schema/020_back_office.sql, docs/billing.md). The one
-- rounding rule, the lines' amounts and the documents' totals, what may change on a quote or an
-- invoice and when, issuing with gapless numbers, payments and credit notes, and the helpers the
-- client and the batch commands call.
--
-- The current definition of each function below; the only one. `ccrm --migrate` applies every
-- file of schema/functions/ before and after the pending numbered migrations, in their
-- transaction (docs/architecture.md, "Schema"). EXECUTE is PostgreSQL's default (PUBLIC) unless
-- ccrm_set_execute() below a function says who may call it.

-- ---------------------------------------------------------------------------------------
-- Amounts
-- ---------------------------------------------------------------------------------------

-- The digits after the decimal point of a currency (EUR 2, JPY 0, KWD 3); NULL if unknown.
CREATE OR REPLACE FUNCTION ccrm_minor_units(p_currency text) RETURNS int
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, public, pg_temp
AS $$ SELECT c.minor_units::int FROM public.currencies c WHERE c.code = p_currency $$;

-- An amount as documents and the client show it (bill_fmt_amount): thousands grouped, the
-- currency's decimals (2 when unknown), and the currency: "12,345.67 EUR", "50,000 JPY",
-- "1,250.500 KWD". For the messages that name amounts.
CREATE OR REPLACE FUNCTION ccrm_fmt_amount(p_amount numeric, p_currency text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT CASE WHEN r.v < 0 THEN '-' ELSE '' END
           || regexp_replace(split_part(t.s, '.', 1), '([0-9])(?=([0-9]{3})+$)', '\1,', 'g')
           || CASE WHEN strpos(t.s, '.') > 0 THEN '.' || split_part(t.s, '.', 2) ELSE '' END
           || ' ' || p_currency
      FROM (SELECT round(p_amount, coalesce(ccrm_minor_units(p_currency), 2)) AS v) r,
           LATERAL (SELECT abs(r.v)::text AS s) t
$$;

-- THE rounding rule, the only place amounts are computed (docs/billing.md):
--   net   = quantity x unit price x (1 - discount/100), rounded to the currency's minor unit
--   tax   = net x tax rate/100, rounded to the currency's minor unit
--   gross = net + tax
-- per line, rounding half up (ties away from zero, which is PostgreSQL's round(numeric) and is
-- "half up" for the positive amounts of a document). A document's net, tax and gross totals
-- are the sums of its lines' (ccrm_doc_totals), so they add up on paper to the last digit.
CREATE OR REPLACE FUNCTION ccrm_line_amounts(p_quantity numeric, p_unit_price numeric,
                                             p_discount_pct numeric, p_tax_rate numeric,
                                             p_minor_units int,
                                             OUT net numeric, OUT tax numeric, OUT gross numeric)
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT n.v, t.v, n.v + t.v
      FROM (SELECT round(p_quantity * p_unit_price * (100 - p_discount_pct) / 100,
                         p_minor_units) AS v) n,
           LATERAL (SELECT round(n.v * p_tax_rate / 100, p_minor_units) AS v) t
$$;

-- A product's net price in a currency: its own price in its own currency, else its row in
-- product_prices; NULL when it has none (no conversion).
CREATE OR REPLACE FUNCTION ccrm_product_price(p_product bigint, p_currency text) RETURNS numeric
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    SELECT CASE WHEN p.currency = p_currency THEN p.unit_price
                ELSE (SELECT x.unit_price FROM public.product_prices x
                       WHERE x.product_id = p.id AND x.currency = p_currency) END
      FROM public.products p
     WHERE p.id = p_product
$$;

-- The ISO 3166 code of a country as accounts name it ("Germany", "Deutschland", "DE"); NULL
-- for a name it does not know (then the invoice's buyer_country is typed by hand).
CREATE OR REPLACE FUNCTION ccrm_country_code(p_country text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN btrim(p_country) ~ '^[A-Za-z]{2}$' THEN upper(btrim(p_country))
        ELSE CASE lower(btrim(p_country))
            WHEN 'germany' THEN 'DE' WHEN 'deutschland' THEN 'DE'
            WHEN 'austria' THEN 'AT' WHEN 'österreich' THEN 'AT'
            WHEN 'switzerland' THEN 'CH' WHEN 'schweiz' THEN 'CH' WHEN 'suisse' THEN 'CH'
            WHEN 'france' THEN 'FR' WHEN 'spain' THEN 'ES' WHEN 'españa' THEN 'ES'
            WHEN 'portugal' THEN 'PT' WHEN 'italy' THEN 'IT' WHEN 'italia' THEN 'IT'
            WHEN 'netherlands' THEN 'NL' WHEN 'the netherlands' THEN 'NL' WHEN 'nederland' THEN 'NL'
            WHEN 'belgium' THEN 'BE' WHEN 'luxembourg' THEN 'LU' WHEN 'ireland' THEN 'IE'
            WHEN 'united kingdom' THEN 'GB' WHEN 'great britain' THEN 'GB' WHEN 'uk' THEN 'GB'
            WHEN 'england' THEN 'GB' WHEN 'scotland' THEN 'GB'
            WHEN 'united states' THEN 'US' WHEN 'united states of america' THEN 'US'
            WHEN 'usa' THEN 'US'
            WHEN 'denmark' THEN 'DK' WHEN 'danmark' THEN 'DK' WHEN 'sweden' THEN 'SE'
            WHEN 'sverige' THEN 'SE' WHEN 'norway' THEN 'NO' WHEN 'norge' THEN 'NO'
            WHEN 'finland' THEN 'FI' WHEN 'suomi' THEN 'FI' WHEN 'iceland' THEN 'IS'
            WHEN 'poland' THEN 'PL' WHEN 'polska' THEN 'PL' WHEN 'czechia' THEN 'CZ'
            WHEN 'czech republic' THEN 'CZ' WHEN 'slovakia' THEN 'SK' WHEN 'hungary' THEN 'HU'
            WHEN 'romania' THEN 'RO' WHEN 'bulgaria' THEN 'BG' WHEN 'greece' THEN 'GR'
            WHEN 'croatia' THEN 'HR' WHEN 'slovenia' THEN 'SI' WHEN 'estonia' THEN 'EE'
            WHEN 'latvia' THEN 'LV' WHEN 'lithuania' THEN 'LT' WHEN 'turkey' THEN 'TR'
            WHEN 'japan' THEN 'JP' WHEN 'china' THEN 'CN' WHEN 'south korea' THEN 'KR'
            WHEN 'korea' THEN 'KR' WHEN 'india' THEN 'IN' WHEN 'singapore' THEN 'SG'
            WHEN 'australia' THEN 'AU' WHEN 'new zealand' THEN 'NZ' WHEN 'canada' THEN 'CA'
            WHEN 'mexico' THEN 'MX' WHEN 'brazil' THEN 'BR' WHEN 'south africa' THEN 'ZA'
            WHEN 'kuwait' THEN 'KW' WHEN 'bahrain' THEN 'BH' WHEN 'tunisia' THEN 'TN'
            WHEN 'oman' THEN 'OM' WHEN 'jordan' THEN 'JO' WHEN 'israel' THEN 'IL'
            WHEN 'united arab emirates' THEN 'AE' WHEN 'saudi arabia' THEN 'SA'
        END
    END
$$;

-- An invoice number: [SERIES-]YEAR-NNNNN (five digits at least, more when the year needs them).
-- The year has four digits: issue dates are of the last year (ccrm_issue_date_check), and the
-- padding keeps the form should an older one get here all the same (0044, not 44).
CREATE OR REPLACE FUNCTION ccrm_invoice_number(p_series text, p_year int, p_seq int)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN coalesce(p_series, '') = '' THEN '' ELSE p_series || '-' END
           || CASE WHEN p_year BETWEEN 0 AND 999 THEN lpad(p_year::text, 4, '0')
                   ELSE p_year::text END || '-'
           || CASE WHEN p_seq < 100000 THEN lpad(p_seq::text, 5, '0') ELSE p_seq::text END
$$;

-- What an invoice is now, for people: draft, issued, partly_paid, paid, overdue (issued and
-- past its due date, paid in part or not at all), cancelled (credited in full). Computed from
-- the stored status, never stored by a clock, so "overdue" is true the morning it becomes so.
CREATE OR REPLACE FUNCTION ccrm_invoice_state(p_status text, p_kind text, p_paid numeric,
                                              p_due date) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN p_status <> 'issued' OR p_kind = 'credit_note' THEN p_status
        WHEN p_due < current_date THEN 'overdue'
        WHEN p_paid > 0 THEN 'partly_paid'
        ELSE 'issued'
    END
$$;

-- What a quote is now: a sent quote past its validity is expired (whether or not someone set
-- the status).
CREATE OR REPLACE FUNCTION ccrm_quote_state(p_status text, p_valid_until date) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE WHEN p_status = 'sent' AND p_valid_until < current_date THEN 'expired'
                ELSE p_status END
$$;

-- Has this document this state (ccrm_invoice_state, ccrm_quote_state), said on the stored
-- columns: a list filtered by one state (`f status=overdue`) calls these, which the planner
-- inlines and, knowing the value, folds to plain conditions ("status = 'issued' AND due_date
-- < current_date") that the status index walks in the list's order and the statistics
-- estimate. Must say exactly what the state functions say (tests/tui/test_state_filters.sh
-- compares them for every state).
CREATE OR REPLACE FUNCTION ccrm_invoice_is(p_status text, p_kind text, p_paid numeric,
                                           p_due date, p_state text) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE p_state
        WHEN 'overdue' THEN p_status = 'issued' AND p_kind <> 'credit_note'
                            AND p_due < current_date
        WHEN 'partly_paid' THEN p_status = 'issued' AND p_kind <> 'credit_note'
                                AND NOT coalesce(p_due < current_date, false) AND p_paid > 0
        WHEN 'issued' THEN p_status = 'issued'
                           AND (p_kind = 'credit_note'
                                OR (NOT coalesce(p_due < current_date, false)
                                    AND NOT coalesce(p_paid > 0, false)))
        ELSE p_status = p_state
    END
$$;

CREATE OR REPLACE FUNCTION ccrm_quote_is(p_status text, p_valid_until date, p_state text)
RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT CASE p_state
        WHEN 'expired' THEN p_status = 'expired'
                            OR (p_status = 'sent' AND p_valid_until < current_date)
        WHEN 'sent' THEN p_status = 'sent' AND NOT coalesce(p_valid_until < current_date, false)
        ELSE p_status = p_state
    END
$$;

-- A document for messages: "invoice 2026-00012", "credit note #7 (draft)", "quote #3 rev 2".
CREATE OR REPLACE FUNCTION ccrm_doc_label(p_kind text, p_id bigint, p_number text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE p_kind WHEN 'credit_note' THEN 'credit note ' WHEN 'quote' THEN 'quote '
                       ELSE 'invoice ' END
           || coalesce(p_number, '#' || p_id::text || CASE WHEN p_kind = 'quote' THEN ''
                                                           ELSE ' (draft)' END)
$$;

-- ---------------------------------------------------------------------------------------
-- Rules (BEFORE triggers; they hold for every writer, psql and the owner included)
-- ---------------------------------------------------------------------------------------

-- A document's totals: the sums of its lines' amounts, zero in the currency's minor unit when it
-- has none. p_table is 'quotes' or 'invoices'.
CREATE OR REPLACE FUNCTION ccrm_doc_sums(p_table text, p_id bigint, p_currency text,
                                         OUT net numeric, OUT tax numeric, OUT gross numeric)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_zero numeric := round(0, coalesce(ccrm_minor_units(p_currency), 2));
BEGIN
    IF p_table = 'quotes' THEN
        SELECT coalesce(sum(l.net), v_zero), coalesce(sum(l.tax), v_zero),
               coalesce(sum(l.gross), v_zero)
          INTO net, tax, gross FROM quote_lines l WHERE l.quote_id = p_id;
    ELSE
        SELECT coalesce(sum(l.net), v_zero), coalesce(sum(l.tax), v_zero),
               coalesce(sum(l.gross), v_zero)
          INTO net, tax, gross FROM invoice_lines l WHERE l.invoice_id = p_id;
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION ccrm_price_rule() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    -- (the product locked: a move of its currency at the same time waits, and then sees this
    -- price: ccrm_product_currency_rule)
    PERFORM 1 FROM products p WHERE p.id = NEW.product_id FOR SHARE;
    IF EXISTS (SELECT 1 FROM products p WHERE p.id = NEW.product_id AND p.currency = NEW.currency)
    THEN
        RAISE EXCEPTION 'product #% has its price in % on the product itself', NEW.product_id,
                        NEW.currency
            USING ERRCODE = '23514', HINT = 'Change the product''s unit_price instead.';
    END IF;
    NEW.unit_price := ccrm_price_kept(NEW.unit_price, TG_TABLE_NAME);
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_price_rule()');

-- A number as its column keeps it: at most p_places decimals, more refused rather than rounded
-- to a value nobody typed (migrations 060 and 063). The one message for every such column of
-- lines, products and price lists ("quantity 1.0005: at most 3 decimals"; p_words names the
-- value), naming the constraint that holds the rule, p_table's <p_column>_decimals (the client
-- shows its comment under the field). Returned with its p_places decimals (19 as 19.00), as the
-- numeric(p, s) types stored it.
CREATE OR REPLACE FUNCTION ccrm_decimals_kept(p_value numeric, p_places int, p_words text,
                                              p_table text, p_column text) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_value <> round(p_value, p_places) THEN
        RAISE EXCEPTION '% %: at most % decimals', p_words, p_value, p_places
            USING ERRCODE = '23514', TABLE = p_table, COLUMN = p_column,
                  CONSTRAINT = p_table || '_' || p_column || '_decimals';
    END IF;
    RETURN round(p_value, p_places);
END
$$;

-- A net price as a product or its price list keeps it: at most 4 decimals and 14 digits before
-- them, refused rather than rounded (migration 063), in the words of the constraints that hold
-- the rule (p_table's *_unit_price_decimals, *_unit_price_size); returned with its 4 decimals,
-- as numeric(18,4) stored it.
CREATE OR REPLACE FUNCTION ccrm_price_kept(p_price numeric, p_table text) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_kept numeric;
BEGIN
    -- (assigned, not PERFORMed: a refusal's context then quotes no statement)
    v_kept := public.ccrm_decimals_kept(p_price, 4, 'unit price', p_table, 'unit_price');
    IF p_price >= 1e14 THEN
        RAISE EXCEPTION 'unit price %: at most 14 digits before the decimal point', p_price
            USING ERRCODE = '23514', TABLE = p_table, COLUMN = 'unit_price',
                  CONSTRAINT = p_table || '_unit_price_size';
    END IF;
    RETURN v_kept;
END
$$;

-- A product's list price and tax rate, as its lines' are: more decimals than kept are refused,
-- not rounded (migration 063); 9.9 is stored as 9.9000 and 19 as 19.00, as before.
CREATE OR REPLACE FUNCTION ccrm_product_rule() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    NEW.unit_price := ccrm_price_kept(NEW.unit_price, 'products');
    NEW.tax_rate := ccrm_decimals_kept(NEW.tax_rate, 2, 'tax rate', 'products', 'tax_rate');
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_product_rule()');

-- The other side of it (migration 059): a product moved to a currency its price list already
-- has a price in would have two prices in that currency, and lists and documents would take
-- one of them.
CREATE OR REPLACE FUNCTION ccrm_product_currency_rule() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM product_prices x
                WHERE x.product_id = NEW.id AND x.currency = NEW.currency) THEN
        RAISE EXCEPTION 'product #% has a price in % in its price list already', NEW.id,
                        NEW.currency
            USING ERRCODE = '23514',
                  HINT = 'Delete that price first, or change it there instead of the product''s currency.';
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_product_currency_rule()');

-- The account of a document follows its deal (and its quote, for an invoice): named alone, the
-- deal fills it in; named both, they must agree.
CREATE OR REPLACE FUNCTION ccrm_doc_account(p_doc text, p_account bigint, p_deal bigint)
RETURNS bigint
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_acc bigint;
BEGIN
    IF p_deal IS NULL THEN
        RETURN p_account;
    END IF;
    SELECT o.account_id INTO v_acc FROM opportunities o WHERE o.id = p_deal;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'deal #% not found', p_deal USING ERRCODE = 'P0002';
    END IF;
    IF p_account IS NOT NULL AND p_account <> v_acc THEN
        RAISE EXCEPTION 'deal #% belongs to account #%, not to account #% of this %', p_deal,
                        v_acc, p_account, p_doc
            USING ERRCODE = '22023';
    END IF;
    RETURN v_acc;
END
$$;

-- The contact of a quote or an invoice is one of its account's people (migration 063): a
-- document addressed to someone of another customer would go out with that customer's name
-- and e-mail on it (the invoice's buyer_contact and buyer_email are filled from the contact).
-- p_doc names the document for the message: 'quote', 'invoice', 'credit note'.
CREATE OR REPLACE FUNCTION ccrm_doc_contact_check(p_doc text, p_account bigint, p_contact bigint)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_acc bigint;
BEGIN
    IF p_contact IS NULL THEN
        RETURN;
    END IF;
    SELECT c.account_id INTO v_acc FROM contacts c WHERE c.id = p_contact;
    IF NOT FOUND THEN
        RETURN;    -- no such contact: the foreign key says so
    END IF;
    -- another company's person, not one at no company (a private buyer's contact; the
    -- survivor of a merge of contacts that has no account yet)
    IF v_acc IS NOT NULL AND v_acc IS DISTINCT FROM p_account THEN
        RAISE EXCEPTION 'contact #% belongs to %, not to account #% of this %', p_contact,
                        'account #' || v_acc, p_account, p_doc
            USING ERRCODE = '22023', COLUMN = 'contact_id',
                  HINT = 'Choose one of the account''s contacts, or leave the contact empty.';
    END IF;
END
$$;

-- An issue date is today or within the year before (migration 063): later is refused (an
-- invoice is not dated ahead), and so is earlier, which no invoice issued now can honestly
-- carry and which made numbers such as "1-00001" (0001-01-01) and "-44-00001" (44 BC). A year
-- back leaves room for the late invoice of last year's last days. ccrm_invoice_issue asks it
-- before it takes a number; the invoice's trigger again, for every writer.
CREATE OR REPLACE FUNCTION ccrm_issue_date_check(p_date date) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_first constant date := (current_date - interval '1 year')::date;
BEGIN
    IF p_date > current_date THEN
        RAISE EXCEPTION 'an invoice is not issued with a date in the future (%)', p_date
            USING ERRCODE = '22023', HINT = 'Issue it dated today (the default).';
    END IF;
    IF p_date < v_first THEN
        RAISE EXCEPTION 'an invoice is not issued with a date more than a year back (%): the earliest is %',
                        p_date, v_first
            USING ERRCODE = '22023', HINT = 'Issue it dated today (the default).';
    END IF;
END
$$;

-- Quotes: drafts change freely; sending freezes the content. A sent quote's status moves once,
-- to accepted (the latest revision, within its validity), rejected or expired; its owner may
-- change. Anything else is a new revision (ccrm_quote_revise). Only drafts are deleted.
CREATE OR REPLACE FUNCTION ccrm_quote_rules() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_mutable constant text[] := ARRAY['status', 'owner', 'sent_at', 'decided_at', 'version',
                                       'updated_at', 'updated_by', 'search'];
    v_prev record;
    v_newer bigint;
    v_label text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION 'quote #% was sent: it is kept', OLD.id
                USING ERRCODE = '55000', HINT = 'Set its status to rejected or expired instead.';
        END IF;
        RETURN OLD;
    END IF;

    IF TG_OP = 'INSERT' THEN
        IF NEW.status <> 'draft' THEN
            RAISE EXCEPTION 'a new quote is a draft: send it once its lines are in'
                USING ERRCODE = '55000';
        END IF;
        NEW.account_id := ccrm_doc_account('quote', NEW.account_id, NEW.opportunity_id);
        PERFORM ccrm_doc_contact_check('quote', NEW.account_id, NEW.contact_id);
        NEW.revision := 1;
        IF NEW.previous_id IS NOT NULL THEN
            -- a revision, an invoice and an acceptance of one quote take turns (089): each
            -- looked only for the other's row, and both committed (one offer billed twice)
            PERFORM pg_advisory_xact_lock(ccrm_lock_key('ccrm quote ' || NEW.previous_id));
            SELECT q.status, q.revision, q.account_id INTO v_prev
              FROM quotes q WHERE q.id = NEW.previous_id;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'quote #% not found', NEW.previous_id USING ERRCODE = 'P0002';
            END IF;
            IF v_prev.status = 'draft' THEN
                RAISE EXCEPTION 'quote #% is a draft: edit it instead of making a revision',
                                NEW.previous_id
                    USING ERRCODE = '55000';
            END IF;
            IF v_prev.account_id <> NEW.account_id THEN
                RAISE EXCEPTION 'a revision of quote #% is for the same account', NEW.previous_id
                    USING ERRCODE = '22023';
            END IF;
            -- one line of revisions, and none of a quote already billed: else two revisions
            -- could both be accepted and invoiced
            SELECT ccrm_doc_label(i.kind, i.id, i.number) INTO v_label FROM invoices i
             WHERE i.quote_id = NEW.previous_id AND i.kind = 'invoice' AND i.status <> 'cancelled';
            IF FOUND THEN
                RAISE EXCEPTION 'quote #% is invoiced (%): a revision would bill it twice',
                                NEW.previous_id, v_label
                    USING ERRCODE = '55000',
                          HINT = 'Credit the invoice first (a credit note frees the quote).';
            END IF;
            SELECT q.id INTO v_newer FROM quotes q WHERE q.previous_id = NEW.previous_id LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'quote #% has a revision already (quote #%): revise that one',
                                NEW.previous_id, v_newer
                    USING ERRCODE = '55000';
            END IF;
            NEW.revision := v_prev.revision + 1;
        END IF;
        NEW.net_total := round(0, coalesce(ccrm_minor_units(NEW.currency), 2));
        NEW.tax_total := NEW.net_total;
        NEW.gross_total := NEW.net_total;
        NEW.sent_at := NULL;
        NEW.decided_at := NULL;
        RETURN NEW;
    END IF;

    IF NEW.revision IS DISTINCT FROM OLD.revision OR NEW.previous_id IS DISTINCT FROM OLD.previous_id
    THEN
        RAISE EXCEPTION 'the revision of quote #% is fixed', OLD.id USING ERRCODE = '55000';
    END IF;
    IF OLD.status = 'draft' THEN
        IF NEW.account_id IS DISTINCT FROM OLD.account_id
           OR NEW.opportunity_id IS DISTINCT FROM OLD.opportunity_id THEN
            NEW.account_id := ccrm_doc_account('quote',
                                               CASE WHEN NEW.account_id IS DISTINCT FROM OLD.account_id
                                                    THEN NEW.account_id END,
                                               NEW.opportunity_id);
            IF NEW.account_id IS NULL THEN
                NEW.account_id := OLD.account_id;
            END IF;
        END IF;
        -- (asked when the contact or the account changes, and when the quote is sent: a draft
        -- of before migration 063 is not refused other changes)
        IF NEW.contact_id IS DISTINCT FROM OLD.contact_id OR NEW.account_id <> OLD.account_id
           OR NEW.status <> 'draft' THEN
            PERFORM ccrm_doc_contact_check('quote', NEW.account_id, NEW.contact_id);
        END IF;
        NEW.sent_at := OLD.sent_at;
        NEW.decided_at := OLD.decided_at;
        -- the totals are the lines' sums, whatever the writer set (the owner too)
        SELECT x.net, x.tax, x.gross INTO NEW.net_total, NEW.tax_total, NEW.gross_total
          FROM ccrm_doc_sums('quotes', OLD.id, NEW.currency) x;
        IF NEW.status = 'draft' THEN
            RETURN NEW;
        END IF;
        IF NEW.status <> 'sent' THEN
            RAISE EXCEPTION 'quote #% is a draft: it is sent before it is %', OLD.id, NEW.status
                USING ERRCODE = '55000';
        END IF;
        IF NOT EXISTS (SELECT 1 FROM quote_lines l WHERE l.quote_id = OLD.id) THEN
            RAISE EXCEPTION 'quote #% has no lines: there is nothing to send', OLD.id
                USING ERRCODE = '55000';
        END IF;
        IF NEW.valid_until < current_date THEN
            RAISE EXCEPTION 'quote #% would be sent already expired (valid until %)', OLD.id,
                            NEW.valid_until
                USING ERRCODE = '22023';
        END IF;
        NEW.sent_at := now();
        RETURN NEW;
    END IF;

    -- sent or decided: the content is what the customer got
    IF (to_jsonb(NEW) - v_mutable) IS DISTINCT FROM (to_jsonb(OLD) - v_mutable) THEN
        RAISE EXCEPTION 'quote #% was sent: it cannot be changed', OLD.id
            USING ERRCODE = '55000',
                  HINT = 'V (:revise) makes a new revision; in SQL ccrm_quote_revise(id).';
    END IF;
    NEW.sent_at := OLD.sent_at;
    NEW.decided_at := OLD.decided_at;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF OLD.status <> 'sent' THEN
            RAISE EXCEPTION 'quote #% is %: that is final', OLD.id, OLD.status
                USING ERRCODE = '55000';
        END IF;
        IF NEW.status NOT IN ('accepted', 'rejected', 'expired') THEN
            RAISE EXCEPTION 'a sent quote becomes accepted, rejected or expired, not %', NEW.status
                USING ERRCODE = '55000';
        END IF;
        IF NEW.status = 'accepted' THEN
            PERFORM pg_advisory_xact_lock(ccrm_lock_key('ccrm quote ' || OLD.id));
            SELECT q.id INTO v_newer FROM quotes q WHERE q.previous_id = OLD.id;
            IF FOUND THEN
                RAISE EXCEPTION 'quote #% has a newer revision (quote #%): accept that one',
                                OLD.id, v_newer
                    USING ERRCODE = '55000';
            END IF;
            IF OLD.valid_until < current_date THEN
                RAISE EXCEPTION 'quote #% expired on %: make a new revision', OLD.id,
                                OLD.valid_until
                    USING ERRCODE = '55000';
            END IF;
        END IF;
        NEW.decided_at := now();
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_quote_rules()');

-- An invoice made from a quote bills that quote's customer in its currency: asked of its
-- draft on every change and when it is issued (a draft moved to another account or currency
-- by an UPDATE was issued so), not only when it is made.
CREATE OR REPLACE FUNCTION ccrm_invoice_quote_check(p_quote bigint, p_account bigint,
                                                    p_currency text)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    q record;
BEGIN
    SELECT x.account_id, x.currency INTO q FROM quotes x WHERE x.id = p_quote;
    IF FOUND AND (p_account IS DISTINCT FROM q.account_id OR p_currency IS DISTINCT FROM q.currency)
    THEN
        RAISE EXCEPTION 'an invoice of quote #% has its account and currency (account #%, %)',
                        p_quote, q.account_id, q.currency
            USING ERRCODE = '22023',
                  HINT = 'Keep them, or draft an invoice by hand for another customer or currency.';
    END IF;
END
$$;

-- ... and its deal, when the quote has one (migration 068): one live invoice per deal counts
-- an invoice by its deal, so one of a quote moved off the quote's deal (or made without it)
-- would bill that deal a second time unseen.
CREATE OR REPLACE FUNCTION ccrm_invoice_quote_deal_check(p_quote bigint, p_deal bigint)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_deal bigint;
BEGIN
    SELECT x.opportunity_id INTO v_deal FROM quotes x WHERE x.id = p_quote;
    IF v_deal IS NOT NULL AND p_deal IS DISTINCT FROM v_deal THEN
        RAISE EXCEPTION 'an invoice of quote #% is for its deal (deal #%)', p_quote, v_deal
            USING ERRCODE = '22023', COLUMN = 'opportunity_id',
                  HINT = 'Keep the quote''s deal, or draft an invoice by hand for another deal.';
    END IF;
END
$$;

-- Invoices and credit notes: a draft changes freely (its buyer is filled from the account and
-- contact); it is issued only by ccrm_invoice_issue(), which takes its number; an issued one
-- is immutable, except what follows from payments and credit notes, which this trigger
-- computes itself from them whenever the row is written (so "paid" is maintained
-- idempotently: writing the row again changes nothing). Only drafts are deleted.
CREATE OR REPLACE FUNCTION ccrm_invoice_rules() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_mutable constant text[] := ARRAY['owner', 'version', 'updated_at', 'updated_by', 'search'];
    v_issue   constant text[] := ARRAY['status', 'year', 'seq', 'number', 'issue_date',
                                       'due_date', 'issued_at', 'issued_by', 'version',
                                       'updated_at', 'updated_by', 'search'];
    v_label text;
    r record;
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
            RAISE EXCEPTION '% is issued: it is kept', ccrm_doc_label(OLD.kind, OLD.id, OLD.number)
                USING ERRCODE = '55000',
                      HINT = 'K (:credit-note) corrects an issued invoice; in SQL ccrm_credit_note(id).';
        END IF;
        RETURN OLD;
    END IF;

    IF TG_OP = 'INSERT' OR OLD.status = 'draft' THEN
        IF TG_OP = 'INSERT' THEN
            IF NEW.status <> 'draft' THEN
                RAISE EXCEPTION 'a new invoice is a draft: issue it with ccrm_invoice_issue()'
                    USING ERRCODE = '55000';
            END IF;
            -- zero in the currency's minor unit (0.00 EUR), as the lines' sums will be
            NEW.net_total := round(0, coalesce(ccrm_minor_units(NEW.currency), 2));
            NEW.tax_total := NEW.net_total;
            NEW.gross_total := NEW.net_total;
            NEW.paid_total := NEW.net_total;
            NEW.credited_total := NEW.net_total;
            NEW.issued_at := NULL;
            NEW.issued_by := NULL;
        ELSIF NEW.kind IS DISTINCT FROM OLD.kind OR NEW.credit_of IS DISTINCT FROM OLD.credit_of
              OR NEW.quote_id IS DISTINCT FROM OLD.quote_id THEN
            RAISE EXCEPTION 'the kind of % and what it refers to are fixed',
                            ccrm_doc_label(OLD.kind, OLD.id, OLD.number)
                USING ERRCODE = '55000';
        END IF;
        -- credit notes are numbered in series CN, invoices in any other (migration 063): a
        -- credit note among the invoices' numbers, or an invoice among the credit notes', is
        -- read as the other kind by whoever counts the numbers. Asked when the draft is made,
        -- when its series changes and when it is issued.
        IF (TG_OP = 'INSERT' OR NEW.series IS DISTINCT FROM OLD.series OR NEW.status <> 'draft')
           AND (NEW.kind = 'credit_note') <> (NEW.series = 'CN') THEN
            IF NEW.kind = 'credit_note' THEN
                RAISE EXCEPTION 'a credit note is numbered in series CN, not "%"', NEW.series
                    USING ERRCODE = '23514', COLUMN = 'series',
                          HINT = 'ccrm_credit_note(id) drafts it in series CN.';
            END IF;
            RAISE EXCEPTION 'series CN is the credit notes'': an invoice is numbered in another'
                USING ERRCODE = '23514', COLUMN = 'series',
                      HINT = 'Leave the series empty for the main one, or name another (B).';
        END IF;

        IF TG_OP = 'UPDATE' THEN
            -- the totals are the lines' sums, whatever the writer set (the owner too)
            SELECT x.net, x.tax, x.gross INTO NEW.net_total, NEW.tax_total, NEW.gross_total
              FROM ccrm_doc_sums('invoices', OLD.id, NEW.currency) x;
            NEW.paid_total := OLD.paid_total;
            NEW.credited_total := OLD.credited_total;
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.status <> 'draft' THEN
            -- issuing: only ccrm_invoice_issue() gets here consistently (it took the number
            -- from the counter in this transaction); nothing else may change at the same time
            IF NEW.status <> 'issued' OR NEW.seq IS NULL OR NEW.issue_date IS NULL
               OR NEW.year IS DISTINCT FROM extract(year FROM NEW.issue_date)::int
               OR NEW.number IS DISTINCT FROM ccrm_invoice_number(NEW.series, NEW.year, NEW.seq)
               OR NEW.due_date IS DISTINCT FROM NEW.issue_date + NEW.payment_terms_days
               OR NEW.seq IS DISTINCT FROM (SELECT c.last_no FROM invoice_counters c
                                             WHERE c.series = NEW.series AND c.year = NEW.year)
               OR (to_jsonb(NEW) - v_issue) IS DISTINCT FROM (to_jsonb(OLD) - v_issue) THEN
                RAISE EXCEPTION 'invoices are issued by ccrm_invoice_issue(), which gives them their number'
                    USING ERRCODE = '42501';
            END IF;
            -- the date, the quote's customer and the contact: ccrm_invoice_issue asks for the
            -- date before it takes a number; here all three hold for every writer, the owner
            -- who moves the counter by hand too, and for drafts made before migration 063
            PERFORM ccrm_issue_date_check(NEW.issue_date);
            IF NEW.quote_id IS NOT NULL THEN
                PERFORM ccrm_invoice_quote_check(NEW.quote_id, NEW.account_id, NEW.currency);
                PERFORM ccrm_invoice_quote_deal_check(NEW.quote_id, NEW.opportunity_id);
            END IF;
            PERFORM ccrm_doc_contact_check(replace(NEW.kind, '_', ' '), NEW.account_id,
                                           NEW.contact_id);
            NEW.status := CASE WHEN NEW.gross_total = 0 AND NEW.kind = 'invoice' THEN 'paid'
                               ELSE 'issued' END;
            RETURN NEW;
        END IF;

        -- a draft: no number yet; its customer follows its deal and quote; its buyer is filled
        -- from the account and the contact where not typed
        NEW.year := NULL;
        NEW.seq := NULL;
        NEW.number := NULL;
        NEW.issue_date := NULL;
        NEW.due_date := NULL;
        IF NEW.kind = 'credit_note' THEN
            SELECT i.kind, i.status, i.account_id, i.currency, i.number, i.buyer_name,
                   i.buyer_address, i.buyer_postcode, i.buyer_city, i.buyer_country,
                   i.buyer_vat_id, i.buyer_reference, i.buyer_contact, i.buyer_email
              INTO r FROM invoices i WHERE i.id = NEW.credit_of;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'invoice #% not found', NEW.credit_of USING ERRCODE = 'P0002';
            END IF;
            IF r.kind <> 'invoice' THEN
                RAISE EXCEPTION 'a credit note corrects an invoice, not %',
                                ccrm_doc_label(r.kind, NEW.credit_of, r.number)
                    USING ERRCODE = '55000';
            END IF;
            IF r.status NOT IN ('issued', 'paid') THEN
                RAISE EXCEPTION 'a credit note corrects an issued invoice; % is %',
                                ccrm_doc_label(r.kind, NEW.credit_of, r.number),
                                CASE r.status WHEN 'draft' THEN 'a draft' ELSE r.status END
                    USING ERRCODE = '55000';
            END IF;
            NEW.account_id := coalesce(NEW.account_id, r.account_id);
            IF r.account_id <> NEW.account_id OR r.currency <> NEW.currency THEN
                RAISE EXCEPTION 'a credit note has the account and currency of invoice %', r.number
                    USING ERRCODE = '22023';
            END IF;
            IF TG_OP = 'INSERT' THEN
                NEW.buyer_name := coalesce(NEW.buyer_name, r.buyer_name);
                NEW.buyer_address := coalesce(NEW.buyer_address, r.buyer_address);
                NEW.buyer_postcode := coalesce(NEW.buyer_postcode, r.buyer_postcode);
                NEW.buyer_city := coalesce(NEW.buyer_city, r.buyer_city);
                NEW.buyer_country := coalesce(NEW.buyer_country, r.buyer_country);
                NEW.buyer_vat_id := coalesce(NEW.buyer_vat_id, r.buyer_vat_id);
                NEW.buyer_reference := coalesce(NEW.buyer_reference, r.buyer_reference);
                NEW.buyer_contact := coalesce(NEW.buyer_contact, r.buyer_contact);
                NEW.buyer_email := coalesce(NEW.buyer_email, r.buyer_email);
            END IF;
        END IF;
        IF NEW.quote_id IS NOT NULL AND TG_OP = 'INSERT' THEN
            -- after a revision or acceptance of the quote running now (ccrm_quote_rules, 089)
            PERFORM pg_advisory_xact_lock(ccrm_lock_key('ccrm quote ' || NEW.quote_id));
            SELECT q.status, q.account_id, q.currency, q.opportunity_id INTO r
              FROM quotes q WHERE q.id = NEW.quote_id;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'quote #% not found', NEW.quote_id USING ERRCODE = 'P0002';
            END IF;
            IF r.status <> 'accepted' THEN
                RAISE EXCEPTION 'quote #% is %: only an accepted quote is invoiced',
                                NEW.quote_id, r.status
                    USING ERRCODE = '55000';
            END IF;
            -- one live invoice per quote: said here in words, for every writer; two writers
            -- at once are stopped by invoices_quote_live_key (ccrm_invoice_from_quote says so)
            IF NEW.kind = 'invoice' THEN
                SELECT ccrm_doc_label(i.kind, i.id, i.number) INTO v_label FROM invoices i
                 WHERE i.quote_id = NEW.quote_id AND i.kind = 'invoice'
                   AND i.status <> 'cancelled'
                 LIMIT 1;
                IF FOUND THEN
                    RAISE EXCEPTION 'quote #% is already invoiced (%)', NEW.quote_id, v_label
                        USING ERRCODE = '55000',
                              HINT = 'A credit note that cancels that invoice frees the quote.';
                END IF;
            END IF;
            IF EXISTS (SELECT 1 FROM quotes q WHERE q.previous_id = NEW.quote_id) THEN
                RAISE EXCEPTION 'quote #% has a newer revision (quote #%): invoice that one',
                                NEW.quote_id,
                                (SELECT q.id FROM quotes q WHERE q.previous_id = NEW.quote_id
                                  LIMIT 1)
                    USING ERRCODE = '55000';
            END IF;
            NEW.account_id := coalesce(NEW.account_id, r.account_id);
            NEW.opportunity_id := coalesce(NEW.opportunity_id, r.opportunity_id);
            PERFORM ccrm_invoice_quote_check(NEW.quote_id, NEW.account_id, NEW.currency);
            PERFORM ccrm_invoice_quote_deal_check(NEW.quote_id, NEW.opportunity_id);
        END IF;
        IF TG_OP = 'INSERT' OR NEW.account_id IS DISTINCT FROM OLD.account_id
           OR NEW.opportunity_id IS DISTINCT FROM OLD.opportunity_id THEN
            NEW.account_id := ccrm_doc_account('invoice',
                                               CASE WHEN TG_OP = 'INSERT'
                                                         OR NEW.account_id IS DISTINCT FROM OLD.account_id
                                                    THEN NEW.account_id END,
                                               NEW.opportunity_id);
            IF NEW.account_id IS NULL AND TG_OP = 'UPDATE' THEN
                NEW.account_id := OLD.account_id;
            END IF;
        END IF;
        IF TG_OP = 'UPDATE' AND NEW.quote_id IS NOT NULL THEN
            PERFORM ccrm_invoice_quote_check(NEW.quote_id, NEW.account_id, NEW.currency);
            IF NEW.opportunity_id IS DISTINCT FROM OLD.opportunity_id THEN
                PERFORM ccrm_invoice_quote_deal_check(NEW.quote_id, NEW.opportunity_id);
            END IF;
        END IF;
        -- one live invoice per deal, drafted from the deal or from one of its quotes alike
        -- (migration 068; before it, only the deal's own were counted, and a deal invoiced by
        -- itself was billed again from its accepted quote, or the other way round): in words
        -- here, for every writer; two at once are stopped by invoices_deal_live_key. An invoice
        -- cancelled by credit notes in full frees the deal. (An invoice of a quote made
        -- before the quote's deal was filled in is found by its quote.)
        IF NEW.kind = 'invoice' AND NEW.opportunity_id IS NOT NULL
           AND (TG_OP = 'INSERT' OR NEW.opportunity_id IS DISTINCT FROM OLD.opportunity_id) THEN
            SELECT ccrm_doc_label(i.kind, i.id, i.number)
                   || CASE WHEN i.quote_id IS NULL THEN '' ELSE ', from quote #' || i.quote_id END
              INTO v_label
              FROM invoices i
             WHERE (i.opportunity_id = NEW.opportunity_id
                    OR i.quote_id IN (SELECT q.id FROM quotes q
                                       WHERE q.opportunity_id = NEW.opportunity_id))
               AND i.kind = 'invoice' AND i.status <> 'cancelled' AND i.id <> NEW.id
             ORDER BY i.id
             LIMIT 1;
            IF FOUND THEN
                RAISE EXCEPTION 'deal #% is already invoiced (%)', NEW.opportunity_id, v_label
                    USING ERRCODE = '55000',
                          HINT = 'Edit that draft, or cancel that invoice with a credit note first.';
            END IF;
        END IF;
        IF TG_OP = 'INSERT' OR NEW.contact_id IS DISTINCT FROM OLD.contact_id
           OR NEW.account_id IS DISTINCT FROM OLD.account_id THEN
            PERFORM ccrm_doc_contact_check(replace(NEW.kind, '_', ' '), NEW.account_id,
                                           NEW.contact_id);
        END IF;
        IF TG_OP = 'INSERT' OR NEW.account_id IS DISTINCT FROM OLD.account_id THEN
            SELECT a.name, a.city, a.country INTO r FROM accounts a WHERE a.id = NEW.account_id;
            IF FOUND THEN
                IF TG_OP = 'INSERT' OR NEW.buyer_name IS NOT DISTINCT FROM OLD.buyer_name THEN
                    NEW.buyer_name := coalesce(CASE WHEN TG_OP = 'INSERT' THEN NEW.buyer_name END,
                                               r.name);
                END IF;
                IF TG_OP = 'INSERT' OR NEW.buyer_city IS NOT DISTINCT FROM OLD.buyer_city THEN
                    NEW.buyer_city := coalesce(CASE WHEN TG_OP = 'INSERT' THEN NEW.buyer_city END,
                                               r.city);
                END IF;
                IF TG_OP = 'INSERT' OR NEW.buyer_country IS NOT DISTINCT FROM OLD.buyer_country THEN
                    NEW.buyer_country := coalesce(CASE WHEN TG_OP = 'INSERT' THEN NEW.buyer_country END,
                                                  ccrm_country_code(r.country));
                END IF;
            END IF;
        END IF;
        IF NEW.contact_id IS NOT NULL
           AND (TG_OP = 'INSERT' OR NEW.contact_id IS DISTINCT FROM OLD.contact_id) THEN
            SELECT nullif(btrim(concat_ws(' ', c.first_name, c.last_name)), '') AS name, c.email
              INTO r FROM contacts c WHERE c.id = NEW.contact_id;
            IF FOUND THEN
                IF TG_OP = 'INSERT' OR NEW.buyer_contact IS NOT DISTINCT FROM OLD.buyer_contact THEN
                    NEW.buyer_contact := coalesce(CASE WHEN TG_OP = 'INSERT' THEN NEW.buyer_contact END,
                                                  r.name);
                END IF;
                IF TG_OP = 'INSERT' OR NEW.buyer_email IS NOT DISTINCT FROM OLD.buyer_email THEN
                    NEW.buyer_email := coalesce(CASE WHEN TG_OP = 'INSERT' THEN NEW.buyer_email END,
                                                r.email);
                END IF;
            END IF;
        END IF;
        RETURN NEW;
    END IF;

    -- issued: what the customer got stays as it was; only the owner may change, and what follows
    -- from payments and credit notes, which nobody sets: it is computed here from them
    v_label := ccrm_doc_label(OLD.kind, OLD.id, OLD.number);
    IF (to_jsonb(NEW) - v_mutable) IS DISTINCT FROM (to_jsonb(OLD) - v_mutable) THEN
        IF NEW.status IS DISTINCT FROM OLD.status OR NEW.paid_total IS DISTINCT FROM OLD.paid_total
           OR NEW.credited_total IS DISTINCT FROM OLD.credited_total THEN
            RAISE EXCEPTION 'the status of % follows from its payments and credit notes', v_label
                USING ERRCODE = '55000',
                      HINT = 'Record a payment, or issue a credit note.';
        END IF;
        RAISE EXCEPTION '% is issued: it cannot be changed', v_label
            USING ERRCODE = '55000',
                  HINT = 'K (:credit-note) corrects an issued invoice; in SQL ccrm_credit_note(id).';
    END IF;
    -- what follows from payments and credit notes, from them (whatever the writer set)
    NEW.paid_total := (SELECT coalesce(sum(p.amount), OLD.net_total - OLD.net_total)
                         FROM payments p WHERE p.invoice_id = OLD.id);  -- 0.00, not 0
    NEW.credited_total := (SELECT coalesce(sum(c.gross_total), OLD.net_total - OLD.net_total)
                             FROM invoices c WHERE c.credit_of = OLD.id AND c.status <> 'draft');
    NEW.status := CASE
        WHEN OLD.kind = 'credit_note' THEN 'issued'
        WHEN NEW.credited_total >= OLD.gross_total AND NEW.credited_total > 0 THEN 'cancelled'
        WHEN NEW.paid_total + NEW.credited_total >= OLD.gross_total THEN 'paid'
        ELSE 'issued'
    END;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_invoice_rules()');

-- A draft's currency changed: its lines' amounts are computed again (its rounding may differ).
CREATE OR REPLACE FUNCTION ccrm_doc_currency() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF TG_TABLE_NAME = 'quotes' THEN
        UPDATE quote_lines SET quantity = quantity WHERE quote_id = NEW.id;
    ELSE
        UPDATE invoice_lines SET quantity = quantity WHERE invoice_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_doc_currency()');

-- A quote's or invoice's line: only while the document is a draft (its row is locked, so a line
-- cannot slip in while it is being sent or issued); description, unit, price and tax rate from
-- the product where not given; the position after the last; the amounts by the one rule.
CREATE OR REPLACE FUNCTION ccrm_line_fill() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_doc    bigint;
    v_status text;
    v_cur    text;
    v_label  text;
    v_minor  int;
    v_qty    numeric;
    p        record;
    a        record;
BEGIN
    IF TG_TABLE_NAME = 'quote_lines' THEN
        v_doc := CASE WHEN TG_OP = 'DELETE' THEN OLD.quote_id ELSE NEW.quote_id END;
        IF TG_OP = 'UPDATE' AND NEW.quote_id IS DISTINCT FROM OLD.quote_id THEN
            RAISE EXCEPTION 'a line stays on its quote' USING ERRCODE = '55000';
        END IF;
        SELECT q.status, q.currency, ccrm_doc_label('quote', q.id, NULL)
          INTO v_status, v_cur, v_label
          FROM quotes q WHERE q.id = v_doc FOR NO KEY UPDATE;
    ELSE
        v_doc := CASE WHEN TG_OP = 'DELETE' THEN OLD.invoice_id ELSE NEW.invoice_id END;
        IF TG_OP = 'UPDATE' AND NEW.invoice_id IS DISTINCT FROM OLD.invoice_id THEN
            RAISE EXCEPTION 'a line stays on its invoice' USING ERRCODE = '55000';
        END IF;
        SELECT i.status, i.currency, ccrm_doc_label(i.kind, i.id, i.number)
          INTO v_status, v_cur, v_label
          FROM invoices i WHERE i.id = v_doc FOR NO KEY UPDATE;
    END IF;
    IF NOT FOUND THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;    -- the document's own delete cascades here
        END IF;
        RAISE EXCEPTION '% #% not found',
                        CASE TG_TABLE_NAME WHEN 'quote_lines' THEN 'quote' ELSE 'invoice' END, v_doc
            USING ERRCODE = 'P0002';
    END IF;
    IF v_status <> 'draft' THEN
        RAISE EXCEPTION '% is %: its lines cannot be changed', v_label, v_status
            USING ERRCODE = '55000',
                  HINT = CASE TG_TABLE_NAME
                             WHEN 'quote_lines' THEN 'V (:revise) makes a new revision; in SQL ccrm_quote_revise(id).'
                             ELSE 'K (:credit-note) corrects an issued invoice; in SQL ccrm_credit_note(id).'
                         END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;

    IF NEW.product_id IS NULL THEN
        NEW.sku := NULL;
    ELSIF TG_OP = 'INSERT' OR NEW.product_id IS DISTINCT FROM OLD.product_id THEN
        SELECT x.sku, x.name, x.unit, x.tax_rate, ccrm_product_price(x.id, v_cur) AS price
          INTO p FROM products x WHERE x.id = NEW.product_id;
        IF FOUND THEN
            NEW.sku := p.sku;
            IF TG_OP = 'INSERT' THEN
                NEW.description := coalesce(NEW.description, p.name);
                NEW.unit := coalesce(NEW.unit, p.unit);
                NEW.unit_price := coalesce(NEW.unit_price, p.price);
                NEW.tax_rate := coalesce(NEW.tax_rate, p.tax_rate);
            ELSE
                -- another product: its values, except those changed in the same statement
                IF NEW.description IS NOT DISTINCT FROM OLD.description THEN
                    NEW.description := p.name;
                END IF;
                IF NEW.unit IS NOT DISTINCT FROM OLD.unit THEN
                    NEW.unit := p.unit;
                END IF;
                IF NEW.unit_price IS NOT DISTINCT FROM OLD.unit_price THEN
                    NEW.unit_price := p.price;
                END IF;
                IF NEW.tax_rate IS NOT DISTINCT FROM OLD.tax_rate THEN
                    NEW.tax_rate := p.tax_rate;
                END IF;
            END IF;
            IF NEW.unit_price IS NULL THEN
                RAISE EXCEPTION 'product % has no price in %: type the line''s unit price', p.sku,
                                v_cur
                    USING ERRCODE = '23502';
            END IF;
        END IF;
    END IF;
    NEW.unit := coalesce(NEW.unit, 'piece');
    IF NEW.position IS NULL THEN
        IF TG_TABLE_NAME = 'quote_lines' THEN
            SELECT coalesce(max(l.position), 0) + 1 INTO NEW.position
              FROM quote_lines l WHERE l.quote_id = v_doc;
        ELSE
            SELECT coalesce(max(l.position), 0) + 1 INTO NEW.position
              FROM invoice_lines l WHERE l.invoice_id = v_doc;
        END IF;
    END IF;
    IF NEW.quantity IS NULL OR NEW.unit_price IS NULL OR NEW.discount_pct IS NULL
       OR NEW.tax_rate IS NULL THEN
        RAISE EXCEPTION 'a line needs a quantity, a unit price, a discount and a tax rate (%)',
                        coalesce(NEW.description, 'no description')
            USING ERRCODE = '23502';
    END IF;
    -- percentages to the hundredth: more decimals are refused, not rounded to a rate nobody
    -- typed (migration 060), in the words of the client's forms; the constraint named is the
    -- one that holds the rule (the client shows its comment under the field); 19 is stored
    -- as 19.00
    NEW.tax_rate := ccrm_decimals_kept(NEW.tax_rate, 2, 'tax rate', TG_TABLE_NAME, 'tax_rate');
    NEW.discount_pct := ccrm_decimals_kept(NEW.discount_pct, 2, 'discount', TG_TABLE_NAME,
                                           'discount_pct');
    -- quantities to the thousandth and prices to the ten-thousandth alike (migration 063:
    -- numeric(14,3) rounded 1.0005 to 1.001, and 0.0004 to a 0 that failed by the check's
    -- name), and within the digits those types had
    v_qty := ccrm_decimals_kept(NEW.quantity, 3, 'quantity', TG_TABLE_NAME, 'quantity');
    IF NEW.quantity = 0 THEN
        RAISE EXCEPTION 'quantity 0: a quantity is not 0'
            USING ERRCODE = '23514', TABLE = TG_TABLE_NAME, COLUMN = 'quantity',
                  CONSTRAINT = TG_TABLE_NAME || '_quantity_check';
    END IF;
    IF abs(NEW.quantity) >= 1e11 THEN
        RAISE EXCEPTION 'quantity %: at most 11 digits before the decimal point', NEW.quantity
            USING ERRCODE = '23514', TABLE = TG_TABLE_NAME, COLUMN = 'quantity',
                  CONSTRAINT = TG_TABLE_NAME || '_quantity_size';
    END IF;
    NEW.quantity := v_qty;    -- 2 is stored as 2.000, as numeric(14,3) did
    NEW.unit_price := ccrm_price_kept(NEW.unit_price, TG_TABLE_NAME);
    v_minor := ccrm_minor_units(v_cur);
    a := ccrm_line_amounts(NEW.quantity, NEW.unit_price, NEW.discount_pct, NEW.tax_rate, v_minor);
    NEW.net := a.net;
    NEW.tax := a.tax;
    NEW.gross := a.gross;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_line_fill()');

-- A document's totals are the sums of its lines' amounts, after every statement that wrote
-- lines. DEFINER: nobody may write the totals themselves; the update names the person who
-- wrote the lines (ccrm_stamp and the audit take ccrm_actor()).
CREATE OR REPLACE FUNCTION ccrm_doc_totals() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_ids bigint[];
BEGIN
    IF TG_TABLE_NAME = 'quote_lines' THEN
        IF TG_OP = 'INSERT' THEN
            SELECT array_agg(DISTINCT x.quote_id) INTO v_ids FROM new_rows x;
        ELSIF TG_OP = 'UPDATE' THEN
            SELECT array_agg(DISTINCT x.quote_id) INTO v_ids FROM new_rows x;
        ELSE
            SELECT array_agg(DISTINCT x.quote_id) INTO v_ids FROM old_rows x;
        END IF;
        UPDATE quotes q
           SET net_total = s.net, tax_total = s.tax, gross_total = s.gross
          FROM (SELECT d.id, coalesce(sum(l.net), z.v) AS net, coalesce(sum(l.tax), z.v) AS tax,
                       coalesce(sum(l.gross), z.v) AS gross
                  FROM unnest(v_ids) d(id)
                  JOIN quotes x ON x.id = d.id
                  CROSS JOIN LATERAL (SELECT round(0, coalesce(ccrm_minor_units(x.currency), 2)) AS v) z
                  LEFT JOIN quote_lines l ON l.quote_id = d.id
                 GROUP BY d.id, z.v) s
         WHERE q.id = s.id
           AND (q.net_total, q.tax_total, q.gross_total) IS DISTINCT FROM (s.net, s.tax, s.gross);
    ELSE
        IF TG_OP = 'INSERT' THEN
            SELECT array_agg(DISTINCT x.invoice_id) INTO v_ids FROM new_rows x;
        ELSIF TG_OP = 'UPDATE' THEN
            SELECT array_agg(DISTINCT x.invoice_id) INTO v_ids FROM new_rows x;
        ELSE
            SELECT array_agg(DISTINCT x.invoice_id) INTO v_ids FROM old_rows x;
        END IF;
        UPDATE invoices i
           SET net_total = s.net, tax_total = s.tax, gross_total = s.gross
          FROM (SELECT d.id, coalesce(sum(l.net), z.v) AS net, coalesce(sum(l.tax), z.v) AS tax,
                       coalesce(sum(l.gross), z.v) AS gross
                  FROM unnest(v_ids) d(id)
                  JOIN invoices x ON x.id = d.id
                  CROSS JOIN LATERAL (SELECT round(0, coalesce(ccrm_minor_units(x.currency), 2)) AS v) z
                  LEFT JOIN invoice_lines l ON l.invoice_id = d.id
                 GROUP BY d.id, z.v) s
         WHERE i.id = s.id
           AND (i.net_total, i.tax_total, i.gross_total) IS DISTINCT FROM (s.net, s.tax, s.gross);
    END IF;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_doc_totals()');

-- A payment: on an issued invoice (not a draft, not paid or cancelled, not a credit note), in the
-- currency's minor unit, at most what is outstanding, dated from the invoice's issue date to
-- today. The invoice row is locked first, so two payments recorded at once cannot both take the
-- same outstanding amount. Once recorded, only its reference and note change (a wrong payment
-- is deleted: ccrm_delete, and entered again).
CREATE OR REPLACE FUNCTION ccrm_payment_rule() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    i record;
    v_open numeric;
    v_minor int;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.invoice_id IS DISTINCT FROM OLD.invoice_id OR NEW.amount IS DISTINCT FROM OLD.amount
           OR NEW.paid_on IS DISTINCT FROM OLD.paid_on OR NEW.method IS DISTINCT FROM OLD.method THEN
            RAISE EXCEPTION 'a recorded payment keeps its invoice, amount, date and method'
                USING ERRCODE = '55000',
                      HINT = 'Delete the payment (ccrm_delete) and record it again.';
        END IF;
        RETURN NEW;
    END IF;
    SELECT x.id, x.kind, x.status, x.number, x.currency, x.gross_total, x.credited_total,
           x.issue_date
      INTO i FROM invoices x WHERE x.id = NEW.invoice_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice #% not found', NEW.invoice_id USING ERRCODE = 'P0002';
    END IF;
    -- said in the words of the document's state ("invoice #55 (draft) is draft" said it twice)
    IF i.kind <> 'invoice' OR i.status <> 'issued' THEN
        RAISE EXCEPTION 'payments are recorded on issued, unpaid invoices; %',
                        CASE WHEN i.kind <> 'invoice'
                             THEN ccrm_doc_label(i.kind, i.id, i.number) || ' is a credit note'
                             WHEN i.status = 'draft'
                             THEN 'invoice #' || i.id || ' is still a draft'
                             WHEN i.status = 'paid'
                             THEN ccrm_doc_label(i.kind, i.id, i.number) || ' is paid'
                             ELSE ccrm_doc_label(i.kind, i.id, i.number) || ' is ' || i.status END
            USING ERRCODE = '55000';
    END IF;
    -- the day it came in, not ahead (the month's figures would count it). A day's slack for
    -- the time zones: current_date is the server's, and the date someone east of the server
    -- types as their today is the server's tomorrow for some hours.
    IF NEW.paid_on > current_date + 1 THEN
        RAISE EXCEPTION 'a payment is recorded when it came in, not ahead (%)', NEW.paid_on
            USING ERRCODE = '22023', HINT = 'Date it the day it came in: today or earlier.';
    END IF;
    v_minor := ccrm_minor_units(i.currency);
    IF round(NEW.amount, v_minor) <> NEW.amount THEN
        RAISE EXCEPTION 'an amount in % has % decimals at most: %', i.currency, v_minor, NEW.amount
            USING ERRCODE = '22023';
    END IF;
    NEW.amount := round(NEW.amount, v_minor);    -- 100 EUR is stored as 100.00
    v_open := i.gross_total - i.credited_total
              - (SELECT coalesce(sum(p.amount), 0) FROM payments p WHERE p.invoice_id = i.id);
    IF NEW.amount > v_open THEN
        RAISE EXCEPTION 'a payment of % exceeds what is outstanding on % (%)',
                        ccrm_fmt_amount(NEW.amount, i.currency), i.number,
                        ccrm_fmt_amount(v_open, i.currency)
            USING ERRCODE = '22023';
    END IF;
    -- not before the invoice's date either (migration 063): a payment of 0001-01-01 was
    -- taken, and the month's figures count by these dates. Money that came before the invoice
    -- (paid in advance) is booked on the day the invoice is issued.
    IF NEW.paid_on < i.issue_date THEN
        RAISE EXCEPTION '% was issued on %: a payment on it is dated that day or later, not %',
                        ccrm_doc_label(i.kind, i.id, i.number), i.issue_date, NEW.paid_on
            USING ERRCODE = '22023',
                  HINT = 'A payment that came in before the invoice is dated the invoice''s issue date.';
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_payment_rule()');

-- After payments are recorded or deleted, their invoices settle (the invoice trigger computes
-- the paid total and the status from the payments).
CREATE OR REPLACE FUNCTION ccrm_payment_settle() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE invoices i SET status = i.status
         WHERE i.id IN (SELECT x.invoice_id FROM new_rows x);
    ELSE
        UPDATE invoices i SET status = i.status
         WHERE i.id IN (SELECT x.invoice_id FROM old_rows x);
    END IF;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_payment_settle()');

-- Issued documents, their lines, payments and the number counters are never truncated.
CREATE OR REPLACE FUNCTION ccrm_billing_keep() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION '% cannot be truncated: issued invoices and their numbers are kept',
                    TG_TABLE_NAME
        USING ERRCODE = '55000';
END
$$;
SELECT ccrm_set_execute('ccrm_billing_keep()');

-- The counters only count up, one at a time, with dates in order, and are never deleted: a
-- counter moved any other way would skip or repeat numbers.
CREATE OR REPLACE FUNCTION ccrm_counter_rule() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the invoice number counter of series "%" %, % cannot be deleted',
                        OLD.series, OLD.year, OLD.last_no
            USING ERRCODE = '55000';
    END IF;
    IF TG_OP = 'INSERT' THEN
        IF NEW.last_no <> 1 THEN
            RAISE EXCEPTION 'a new invoice number counter starts at 1' USING ERRCODE = '55000';
        END IF;
        RETURN NEW;
    END IF;
    IF NEW.series <> OLD.series OR NEW.year <> OLD.year OR NEW.last_no <> OLD.last_no + 1
       OR NEW.last_date < OLD.last_date THEN
        RAISE EXCEPTION 'an invoice number counter only counts up by one'
            USING ERRCODE = '55000';
    END IF;
    RETURN NEW;
END
$$;
SELECT ccrm_set_execute('ccrm_counter_rule()');

-- At commit (a deferred constraint trigger): the number a counter moved to is an invoice's.
-- ccrm_invoice_issue() takes it and gives it to the invoice in one transaction; a counter moved
-- by hand (the owner's UPDATE, or a new series' row INSERTed at 1) would leave a number nobody
-- has, a gap, and is refused.
CREATE OR REPLACE FUNCTION ccrm_counter_used() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM invoices i
                    WHERE i.number = ccrm_invoice_number(NEW.series, NEW.year, NEW.last_no)) THEN
        RAISE EXCEPTION 'the invoice number % was counted, but no invoice has it',
                        ccrm_invoice_number(NEW.series, NEW.year, NEW.last_no)
            USING ERRCODE = '55000',
                  HINT = 'Numbers are taken by ccrm_invoice_issue(), with the invoice they number.';
    END IF;
    RETURN NULL;
END
$$;
SELECT ccrm_set_execute('ccrm_counter_used()');

-- ---------------------------------------------------------------------------------------
-- Actions: as the person acting (INVOKER: grants, policies and the rules above decide), except
-- issuing, which alone may move the number counters
-- ---------------------------------------------------------------------------------------

-- A new revision of a sent (or decided) quote: a draft copy with its lines, linked to it, valid
-- for another 30 days. Returns the new quote's id.
-- The revision is the quote's account's, as the quote is. Its contact comes along unless they
-- have moved to another account since the quote was sent: a document's contact is one of its
-- account's (ccrm_doc_contact_check), and the quote, frozen, cannot be given another, so the
-- revision was refused for good. It goes without one instead (said in a NOTICE; the client
-- says it from the two rows), to be given one of the account's people before it is sent.
CREATE OR REPLACE FUNCTION ccrm_quote_revise(p_quote bigint) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    q record;
    v_contact bigint;
    v_moved bigint;
    v_new bigint;
BEGIN
    SELECT x.* INTO q FROM quotes x WHERE x.id = p_quote;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'quote #% not found', p_quote USING ERRCODE = 'P0002';
    END IF;
    v_contact := q.contact_id;
    SELECT c.account_id INTO v_moved FROM contacts c
     WHERE c.id = q.contact_id AND c.account_id IS DISTINCT FROM q.account_id;
    IF v_moved IS NOT NULL THEN
        v_contact := NULL;
        RAISE NOTICE 'contact #% of quote #% is now at account #%: the revision has no contact yet',
                     q.contact_id, p_quote, v_moved
            USING HINT = 'Choose one of the account''s contacts on the revision before it is sent.';
    END IF;
    INSERT INTO quotes (account_id, opportunity_id, contact_id, title, currency, valid_until,
                        notes, owner, previous_id)
    VALUES (q.account_id, q.opportunity_id, v_contact, q.title, q.currency,
            greatest(q.valid_until, current_date + 30), q.notes, ccrm_owner_now(q.owner), q.id)
    RETURNING id INTO v_new;
    INSERT INTO quote_lines (quote_id, position, product_id, description, quantity, unit,
                             unit_price, discount_pct, tax_rate)
    SELECT v_new, l.position, l.product_id, l.description, l.quantity, l.unit, l.unit_price,
           l.discount_pct, l.tax_rate
      FROM quote_lines l WHERE l.quote_id = p_quote ORDER BY l.position;
    RETURN v_new;
END
$$;

-- The words for a second live invoice of a quote or deal that lost the race to the first
-- (invoices_quote_live_key, invoices_deal_live_key): both looked, found none, and inserted; the
-- index made the second wait for the first and then refused it. Raises when p_index (the index
-- the refusal named) is one of those two; the caller raises any other refusal as it came.
CREATE OR REPLACE FUNCTION ccrm_invoice_twin(p_index text, p_quote bigint, p_deal bigint)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_has text;
BEGIN
    IF p_index = 'invoices_quote_live_key' THEN
        -- (a later statement: it sees the winner, committed while this one waited)
        SELECT ccrm_doc_label(i.kind, i.id, i.number) INTO v_has FROM invoices i
         WHERE i.quote_id = p_quote AND i.kind = 'invoice' AND i.status <> 'cancelled' LIMIT 1;
        RAISE EXCEPTION 'quote #% is already invoiced (%)', p_quote,
                        coalesce(v_has, 'drafted at the same time')
            USING ERRCODE = '55000',
                  HINT = 'A credit note that cancels that invoice frees the quote.';
    ELSIF p_index = 'invoices_deal_live_key' THEN
        SELECT ccrm_doc_label(i.kind, i.id, i.number)
               || CASE WHEN i.quote_id IS NULL THEN '' ELSE ', from quote #' || i.quote_id END
          INTO v_has FROM invoices i
         WHERE i.opportunity_id = p_deal AND i.kind = 'invoice' AND i.status <> 'cancelled'
         LIMIT 1;
        RAISE EXCEPTION 'deal #% is already invoiced (%)', p_deal,
                        coalesce(v_has, 'drafted at the same time')
            USING ERRCODE = '55000',
                  HINT = 'Edit that draft, or cancel that invoice with a credit note first.';
    END IF;
END
$$;

-- A draft invoice from an accepted quote: its customer, deal, currency and lines. One live
-- invoice per quote and per deal (the invoice's trigger says so, and unique indexes hold it for
-- every writer, also two at once; an invoice cancelled by a credit note frees the quote and the
-- deal again). Returns the invoice's id.
CREATE OR REPLACE FUNCTION ccrm_invoice_from_quote(p_quote bigint) RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    q record;
    v_new bigint;
    v_index text;
BEGIN
    SELECT x.* INTO q FROM quotes x WHERE x.id = p_quote;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'quote #% not found', p_quote USING ERRCODE = 'P0002';
    END IF;
    BEGIN
        INSERT INTO invoices (account_id, contact_id, opportunity_id, quote_id, currency, notes,
                              owner)
        VALUES (q.account_id, q.contact_id, q.opportunity_id, q.id, q.currency, q.notes,
                ccrm_owner_now(q.owner))
        RETURNING id INTO v_new;
    EXCEPTION WHEN unique_violation THEN
        GET STACKED DIAGNOSTICS v_index = CONSTRAINT_NAME;
        PERFORM ccrm_invoice_twin(v_index, q.id, q.opportunity_id);
        RAISE;
    END;
    INSERT INTO invoice_lines (invoice_id, position, product_id, description, quantity, unit,
                               unit_price, discount_pct, tax_rate)
    SELECT v_new, l.position, l.product_id, l.description, l.quantity, l.unit, l.unit_price,
           l.discount_pct, l.tax_rate
      FROM quote_lines l WHERE l.quote_id = p_quote ORDER BY l.position;
    RETURN v_new;
END
$$;

-- A draft invoice from a won deal: from its latest accepted quote if it has one, else one line
-- (the deal's name, its amount as the net price, at p_tax_rate percent). Returns its id.
CREATE OR REPLACE FUNCTION ccrm_invoice_from_deal(p_deal bigint, p_tax_rate numeric DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    d record;
    v_quote bigint;
    v_new bigint;
    v_has text;
    v_index text;
BEGIN
    SELECT o.* INTO d FROM opportunities o WHERE o.id = p_deal;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'deal #% not found', p_deal USING ERRCODE = 'P0002';
    END IF;
    IF d.stage <> 'won' THEN
        RAISE EXCEPTION 'deal #% is %: only a won deal is invoiced', p_deal, d.stage
            USING ERRCODE = '55000';
    END IF;
    SELECT q.id INTO v_quote FROM quotes q
     WHERE q.opportunity_id = p_deal AND q.status = 'accepted' ORDER BY q.id DESC LIMIT 1;
    IF FOUND THEN
        RETURN ccrm_invoice_from_quote(v_quote);
    END IF;
    SELECT ccrm_doc_label(i.kind, i.id, i.number)
           || CASE WHEN i.quote_id IS NULL THEN '' ELSE ', from quote #' || i.quote_id END
      INTO v_has FROM invoices i
     WHERE i.opportunity_id = p_deal AND i.kind = 'invoice' AND i.status <> 'cancelled' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'deal #% is already invoiced (%)', p_deal, v_has
            USING ERRCODE = '55000',
                  HINT = 'Edit that draft, or cancel that invoice with a credit note first.';
    END IF;
    IF p_tax_rate IS NULL OR d.amount IS NULL THEN
        RAISE EXCEPTION 'deal #% has no accepted quote: %', p_deal,
                        CASE WHEN d.amount IS NULL THEN 'it needs an amount to be invoiced'
                             ELSE 'give the tax rate of its one line' END
            USING ERRCODE = '22023';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM currencies c WHERE c.code = d.currency) THEN
        RAISE EXCEPTION 'deal #% is in %, a currency ccrm does not know', p_deal, d.currency
            USING ERRCODE = '22023';
    END IF;
    BEGIN
        INSERT INTO invoices (account_id, opportunity_id, currency, owner)
        VALUES (d.account_id, d.id, d.currency, ccrm_owner_now(d.owner))
        RETURNING id INTO v_new;
    EXCEPTION WHEN unique_violation THEN
        GET STACKED DIAGNOSTICS v_index = CONSTRAINT_NAME;
        PERFORM ccrm_invoice_twin(v_index, NULL, d.id);
        RAISE;
    END;
    INSERT INTO invoice_lines (invoice_id, position, description, quantity, unit, unit_price,
                               tax_rate)
    VALUES (v_new, 1, d.name, 1, 'lump sum', d.amount, p_tax_rate);
    RETURN v_new;
END
$$;

-- A draft credit note for an issued invoice: series CN, its buyer, currency and all its lines
-- (take lines out or lower them for a partial credit). Issued with ccrm_invoice_issue() like an
-- invoice; once the credit notes cover the invoice, it is cancelled. Returns its id.
CREATE OR REPLACE FUNCTION ccrm_credit_note(p_invoice bigint, p_note text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    i record;
    v_new bigint;
BEGIN
    SELECT x.* INTO i FROM invoices x WHERE x.id = p_invoice;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice #% not found', p_invoice USING ERRCODE = 'P0002';
    END IF;
    INSERT INTO invoices (kind, series, credit_of, account_id, contact_id, opportunity_id,
                          currency, payment_terms_days, notes, owner)
    VALUES ('credit_note', 'CN', i.id, i.account_id, i.contact_id, i.opportunity_id, i.currency,
            i.payment_terms_days,
            coalesce(nullif(btrim(p_note), ''), 'Correction of invoice ' || coalesce(i.number, '')),
            ccrm_owner_now(i.owner))
    RETURNING id INTO v_new;
    INSERT INTO invoice_lines (invoice_id, position, product_id, description, quantity, unit,
                               unit_price, discount_pct, tax_rate)
    SELECT v_new, l.position, l.product_id, l.description, l.quantity, l.unit, l.unit_price,
           l.discount_pct, l.tax_rate
      FROM invoice_lines l WHERE l.invoice_id = p_invoice ORDER BY l.position;
    RETURN v_new;
END
$$;

-- Issue a draft invoice or credit note (billing, management, admin): the next number of its
-- series and of the year of p_date (today by default; an earlier date only within the year
-- before, and only if no later one of that series and year exists, so numbers and dates go up
-- together), the due date from its payment terms. The counter row is written in this
-- transaction: its lock makes concurrent issuers of a series and year take turns, and a
-- rollback gives the number back, so the numbers of a series and year are exactly 1..N.
-- Returns the number.
-- DEFINER: nobody else may move the counters or set a number.
CREATE OR REPLACE FUNCTION ccrm_invoice_issue(p_invoice bigint, p_date date DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp
AS $$
DECLARE
    v_who  text := ccrm_person();
    v_date date := coalesce(p_date, current_date);
    v_year int;
    v_no   int;
    v_last date;
    i      record;
    o      record;
    r      record;
BEGIN
    IF NOT ccrm_in_dept('billing', 'management') THEN
        RAISE EXCEPTION 'only billing, management and admin issue invoices'
            USING ERRCODE = '42501', HINT = 'Hand the invoice off to billing.';
    END IF;
    SELECT x.* INTO i FROM invoices x WHERE x.id = p_invoice FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice #% not found', p_invoice USING ERRCODE = 'P0002';
    END IF;
    IF i.status <> 'draft' THEN
        RAISE EXCEPTION '% is already issued', ccrm_doc_label(i.kind, i.id, i.number)
            USING ERRCODE = '55000';
    END IF;
    PERFORM ccrm_issue_date_check(v_date);    -- today or within the year before
    IF NOT EXISTS (SELECT 1 FROM invoice_lines l WHERE l.invoice_id = i.id) THEN
        RAISE EXCEPTION '% has no lines: there is nothing to issue',
                        ccrm_doc_label(i.kind, i.id, NULL)
            USING ERRCODE = '55000';
    END IF;
    IF coalesce(btrim(i.buyer_name), '') = '' OR i.buyer_country IS NULL THEN
        RAISE EXCEPTION '% needs the buyer''s name and country before it is issued',
                        ccrm_doc_label(i.kind, i.id, NULL)
            USING ERRCODE = '55000',
                  HINT = 'Set buyer_name and buyer_country (two letters, e.g. DE).';
    END IF;
    -- a credit note takes something back, and an invoice asks for nothing below zero: a
    -- negative credit note would raise what the customer owes (and let a payment exceed it)
    IF i.kind = 'credit_note' AND i.gross_total <= 0 THEN
        RAISE EXCEPTION 'credit note #% is over %: a credit note credits more than nothing',
                        i.id, ccrm_fmt_amount(i.gross_total, i.currency)
            USING ERRCODE = '22023', HINT = 'Its lines give back: quantities and prices above 0.';
    ELSIF i.kind = 'invoice' AND i.gross_total < 0 THEN
        RAISE EXCEPTION 'invoice #% is over %: an invoice asks for nothing below zero (that is a credit note)',
                        i.id, ccrm_fmt_amount(i.gross_total, i.currency)
            USING ERRCODE = '22023', HINT = 'Draft a credit note of the invoice it corrects.';
    END IF;
    IF i.kind = 'credit_note' THEN
        SELECT x.* INTO o FROM invoices x WHERE x.id = i.credit_of FOR UPDATE;
        IF o.status NOT IN ('issued', 'paid') THEN
            RAISE EXCEPTION 'credit note #% corrects %, which is %', i.id,
                            ccrm_doc_label(o.kind, o.id, o.number), o.status
                USING ERRCODE = '55000';
        END IF;
        IF i.gross_total > o.gross_total - o.credited_total THEN
            RAISE EXCEPTION 'credit note #% (%) is more than is left to credit on % (%)',
                            i.id, ccrm_fmt_amount(i.gross_total, i.currency), o.number,
                            ccrm_fmt_amount(o.gross_total - o.credited_total, o.currency)
                USING ERRCODE = '22023';
        END IF;
        -- it corrects what was invoiced: not dated before it (090), and per tax rate no more
        -- net nor tax than the invoice charged at that rate less what was credited already (a
        -- gross as large at 19 % would give back VAT the invoice never asked for)
        IF v_date < o.issue_date THEN
            RAISE EXCEPTION 'credit note #% would be dated %, before % it corrects (issued %)',
                            i.id, v_date, o.number, o.issue_date
                USING ERRCODE = '22023';
        END IF;
        SELECT c.tax_rate, c.net, c.tax, coalesce(l.net, 0) AS left_net,
               coalesce(l.tax, 0) AS left_tax
          INTO r
          FROM (SELECT x.tax_rate, sum(x.net) AS net, sum(x.tax) AS tax,
                       -- a minor unit a line: partial credits rounded each on their own
                       count(*) * power(10::numeric, -coalesce(ccrm_minor_units(i.currency), 2))
                           AS slack
                  FROM invoice_lines x WHERE x.invoice_id = i.id GROUP BY x.tax_rate) c
          LEFT JOIN (SELECT y.tax_rate,
                            sum(CASE WHEN d.id = o.id THEN y.net ELSE -y.net END) AS net,
                            sum(CASE WHEN d.id = o.id THEN y.tax ELSE -y.tax END) AS tax
                       FROM invoices d JOIN invoice_lines y ON y.invoice_id = d.id
                      WHERE d.id = o.id
                         OR (d.credit_of = o.id AND d.kind = 'credit_note'
                             AND d.status NOT IN ('draft', 'cancelled') AND d.id <> i.id)
                      GROUP BY y.tax_rate) l ON l.tax_rate = c.tax_rate
         WHERE c.net > coalesce(l.net, 0) + c.slack OR c.tax > coalesce(l.tax, 0) + c.slack
         ORDER BY c.tax_rate
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'credit note #% credits %, tax %, at % %%; % has %, tax %, left to credit at that rate',
                            i.id, ccrm_fmt_amount(r.net, i.currency),
                            ccrm_fmt_amount(r.tax, i.currency), r.tax_rate, o.number,
                            ccrm_fmt_amount(r.left_net, o.currency),
                            ccrm_fmt_amount(r.left_tax, o.currency)
                USING ERRCODE = '22023',
                      HINT = 'A credit note gives back what its invoice charged, at the rates it charged.';
        END IF;
    END IF;

    v_year := extract(year FROM v_date)::int;
    INSERT INTO invoice_counters AS c (series, year, last_no, last_date)
    VALUES (i.series, v_year, 1, v_date)
    ON CONFLICT (series, year) DO UPDATE
       SET last_no = c.last_no + 1, last_date = EXCLUDED.last_date
     WHERE c.last_date <= EXCLUDED.last_date
    RETURNING c.last_no INTO v_no;
    IF v_no IS NULL THEN
        SELECT c.last_date INTO v_last FROM invoice_counters c
         WHERE c.series = i.series AND c.year = v_year;
        RAISE EXCEPTION 'cannot issue % dated %: series "%" already has one dated %',
                        ccrm_doc_label(i.kind, i.id, NULL), v_date, i.series, v_last
            USING ERRCODE = '22023',
                  HINT = 'Numbers and dates of a series go up together: issue it dated today.';
    END IF;
    UPDATE invoices
       SET status = 'issued', year = v_year, seq = v_no,
           number = ccrm_invoice_number(i.series, v_year, v_no), issue_date = v_date,
           due_date = v_date + i.payment_terms_days, issued_at = now(), issued_by = v_who
     WHERE id = i.id;
    IF i.kind = 'credit_note' THEN
        UPDATE invoices SET status = status WHERE id = i.credit_of;
    END IF;
    RETURN ccrm_invoice_number(i.series, v_year, v_no);
END
$$;
SELECT ccrm_set_execute('ccrm_invoice_issue(bigint,date)', 'ccrm_billing', 'ccrm_management',
                        'ccrm_admin');

-- The Dashboard's money, per currency, over the invoices the caller may see: invoiced this
-- month (invoices issued this month less credit notes issued this month), paid this month,
-- outstanding (issued, not yet paid) and of that what is overdue.
CREATE OR REPLACE FUNCTION ccrm_billing_totals()
RETURNS TABLE (currency text, invoiced numeric, paid numeric, outstanding numeric,
               overdue numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, public, pg_temp
AS $$
    WITH m AS (SELECT date_trunc('month', current_date)::date AS d0),
    x AS (
        SELECT i.currency::text AS cur,
               CASE WHEN i.kind = 'invoice' THEN i.gross_total ELSE -i.gross_total END AS inv,
               0::numeric AS pay, 0::numeric AS open, 0::numeric AS late
          FROM invoices i, m
         WHERE i.issue_date >= m.d0 AND i.status <> 'draft'
        UNION ALL
        SELECT i.currency::text, 0, p.amount, 0, 0
          FROM payments p JOIN invoices i ON i.id = p.invoice_id, m
         WHERE p.paid_on >= m.d0
        UNION ALL
        SELECT i.currency::text, 0, 0, i.gross_total - i.paid_total - i.credited_total,
               CASE WHEN i.due_date < current_date
                    THEN i.gross_total - i.paid_total - i.credited_total ELSE 0 END
          FROM invoices i
         WHERE i.status = 'issued' AND i.kind = 'invoice')
    SELECT x.cur, sum(x.inv), sum(x.pay), sum(x.open), sum(x.late)
      FROM x GROUP BY x.cur ORDER BY x.cur
$$;
