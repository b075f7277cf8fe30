-- ccrm schema, migration 020: the back office. Products and their prices, quotes with revisions,
-- invoices and credit notes with gapless numbers, payments, and the billing department.
-- docs/billing.md explains the rules (the rounding rule, the statuses, numbering, who may do
-- what); docs/security.md has the privileges. The functions named here are in
-- schema/functions/91_billing.sql (and 20_records, 30_events, 50_collab for the shared ones).
--
-- What holds for every writer, psql included:
--   * amounts: every line's net, tax and gross are computed by the database with ONE rule
--     (ccrm_line_amounts: per line, half-up to the currency's minor unit); a document's totals
--     are the sums of its lines' amounts, kept by a statement trigger. Nobody may write them.
--   * a quote that was sent is never edited in place: only its status (sent -> accepted,
--     rejected, expired) and its owner change; a change is a new revision, a new row linked
--     to the previous one (previous_id).
--   * an issued invoice (or credit note) is immutable: only what follows from payments and
--     credit notes (paid_total, credited_total, status) and its owner change, and those are
--     recomputed by the trigger from the payments and credit notes themselves. It cannot be
--     deleted or truncated. A correction is a credit note that references it.
--   * numbers: issuing (ccrm_invoice_issue) takes the next number of the document's series and
--     year from invoice_counters in the issuing transaction; the counter row's lock serialises
--     issuers and a rollback gives the number back, so numbers are gapless and unique.

-- ---------------------------------------------------------------------------------------
-- The billing department
-- ---------------------------------------------------------------------------------------
-- (the role ccrm_billing, a member of ccrm_internal: schema/functions/00_base.sql)
ALTER TABLE users DROP CONSTRAINT users_department_check;
ALTER TABLE users ADD CONSTRAINT users_department_check
    CHECK (department IN ('sales', 'support', 'marketing', 'management', 'billing', 'partner',
                          'admin'));

-- ---------------------------------------------------------------------------------------
-- Currencies: the minor unit every amount is rounded to (ISO 4217)
-- ---------------------------------------------------------------------------------------
CREATE TABLE currencies (
    code        char(3) PRIMARY KEY CHECK (code ~ '^[A-Z]{3}$'),
    minor_units smallint NOT NULL CHECK (minor_units BETWEEN 0 AND 4),
    name        text NOT NULL CHECK (btrim(name) <> '')
);
INSERT INTO currencies (code, minor_units, name) VALUES
    ('EUR', 2, 'Euro'), ('USD', 2, 'US Dollar'), ('GBP', 2, 'Pound Sterling'),
    ('CHF', 2, 'Swiss Franc'), ('SEK', 2, 'Swedish Krona'), ('NOK', 2, 'Norwegian Krone'),
    ('DKK', 2, 'Danish Krone'), ('PLN', 2, 'Zloty'), ('CZK', 2, 'Czech Koruna'),
    ('HUF', 2, 'Forint'), ('RON', 2, 'Romanian Leu'), ('BGN', 2, 'Bulgarian Lev'),
    ('ISK', 0, 'Iceland Krona'), ('CAD', 2, 'Canadian Dollar'), ('AUD', 2, 'Australian Dollar'),
    ('NZD', 2, 'New Zealand Dollar'), ('CNY', 2, 'Yuan Renminbi'), ('HKD', 2, 'Hong Kong Dollar'),
    ('SGD', 2, 'Singapore Dollar'), ('INR', 2, 'Indian Rupee'), ('BRL', 2, 'Brazilian Real'),
    ('MXN', 2, 'Mexican Peso'), ('ZAR', 2, 'Rand'), ('TRY', 2, 'Turkish Lira'),
    ('AED', 2, 'UAE Dirham'), ('SAR', 2, 'Saudi Riyal'), ('ILS', 2, 'New Israeli Sheqel'),
    ('THB', 2, 'Baht'), ('TWD', 2, 'New Taiwan Dollar'), ('JPY', 0, 'Yen'),
    ('KRW', 0, 'Won'), ('CLP', 0, 'Chilean Peso'), ('VND', 0, 'Dong'), ('PYG', 0, 'Guarani'),
    ('UGX', 0, 'Uganda Shilling'), ('XAF', 0, 'CFA Franc BEAC'), ('XOF', 0, 'CFA Franc BCEAO'),
    ('KWD', 3, 'Kuwaiti Dinar'), ('BHD', 3, 'Bahraini Dinar'), ('TND', 3, 'Tunisian Dinar'),
    ('OMR', 3, 'Rial Omani'), ('JOD', 3, 'Jordanian Dinar'), ('IQD', 3, 'Iraqi Dinar'),
    ('LYD', 3, 'Libyan Dinar');

-- ---------------------------------------------------------------------------------------
-- Products: the list price in the product's own currency; product_prices holds its price in
-- other currencies (no conversion: a product without a price in a quote's currency needs the
-- price typed on the line)
-- ---------------------------------------------------------------------------------------
CREATE TABLE products (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    sku         text NOT NULL CHECK (sku ~ '^[^[:space:][:cntrl:]]([^[:cntrl:]]{0,62}[^[:space:][:cntrl:]])?$'),
    name        text COLLATE "und-x-icu" NOT NULL CHECK (btrim(name) <> ''),
    description text,
    unit        text NOT NULL DEFAULT 'piece' CHECK (btrim(unit) <> ''),
    unit_price  numeric(18,4) NOT NULL CHECK (unit_price >= 0),
    currency    char(3) NOT NULL DEFAULT 'EUR' REFERENCES currencies,
    tax_rate    numeric(5,2) NOT NULL CHECK (tax_rate BETWEEN 0 AND 100),
    active      boolean NOT NULL DEFAULT true,
    search      text COLLATE "C"
                GENERATED ALWAYS AS (ccrm_fold(sku) || ' ' || ccrm_fold(name)) STORED
);
CREATE UNIQUE INDEX products_sku_key ON products (lower(sku));
CREATE INDEX products_name_idx ON products (name, id) INCLUDE (search);
CREATE INDEX products_active_name_idx ON products (active, name, id);
CREATE INDEX products_updated_idx ON products (updated_at, id);
CREATE INDEX products_search_trgm_idx ON products USING gin (search gin_trgm_ops);

CREATE TABLE product_prices (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    product_id  bigint NOT NULL REFERENCES products ON DELETE CASCADE,
    currency    char(3) NOT NULL REFERENCES currencies,
    unit_price  numeric(18,4) NOT NULL CHECK (unit_price >= 0),
    UNIQUE (product_id, currency)
);

-- ---------------------------------------------------------------------------------------
-- Quotes and their lines
-- ---------------------------------------------------------------------------------------
CREATE TABLE quotes (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at     timestamptz NOT NULL DEFAULT now(),
    created_by     text        NOT NULL DEFAULT current_user,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    updated_by     text        NOT NULL DEFAULT current_user,
    version        int         NOT NULL DEFAULT 1,
    -- the customer: the account (filled from the deal when only the deal is named)
    account_id     bigint NOT NULL REFERENCES accounts ON DELETE RESTRICT,
    opportunity_id bigint REFERENCES opportunities ON DELETE RESTRICT,
    contact_id     bigint REFERENCES contacts ON DELETE RESTRICT,
    title          text COLLATE "und-x-icu",
    currency       char(3) NOT NULL DEFAULT 'EUR' REFERENCES currencies,
    valid_until    date NOT NULL DEFAULT (current_date + 30),
    status         text NOT NULL DEFAULT 'draft'
                   CHECK (status IN ('draft', 'sent', 'accepted', 'rejected', 'expired')),
    -- revisions: a revision is a new row; previous_id names the one it replaces
    revision       int NOT NULL DEFAULT 1 CHECK (revision >= 1),
    previous_id    bigint UNIQUE REFERENCES quotes ON DELETE RESTRICT,
    notes          text,
    owner          text,
    -- kept by the lines' trigger (ccrm_doc_totals); nobody may write them
    net_total      numeric NOT NULL DEFAULT 0,
    tax_total      numeric NOT NULL DEFAULT 0,
    gross_total    numeric NOT NULL DEFAULT 0,
    sent_at        timestamptz,
    decided_at     timestamptz,
    search         text COLLATE "C" GENERATED ALWAYS AS (ccrm_fold(coalesce(title, ''))) STORED,
    CONSTRAINT quotes_previous_check CHECK ((revision = 1) = (previous_id IS NULL))
);
-- the customer's timeline, newest first (as tickets, deals and leads: 008)
CREATE INDEX quotes_account_created_idx ON quotes (account_id, created_at DESC, id DESC);
CREATE INDEX quotes_opportunity_idx ON quotes (opportunity_id, id);
CREATE INDEX quotes_contact_idx ON quotes (contact_id);
-- list orders and filters (by last change; within a status; mine)
CREATE INDEX quotes_updated_idx ON quotes (updated_at, id);
CREATE INDEX quotes_status_updated_idx ON quotes (status, updated_at, id);
CREATE INDEX quotes_owner_updated_idx ON quotes (owner, updated_at, id);
CREATE INDEX quotes_search_trgm_idx ON quotes USING gin (search gin_trgm_ops);

CREATE TABLE quote_lines (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text        NOT NULL DEFAULT current_user,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   text        NOT NULL DEFAULT current_user,
    version      int         NOT NULL DEFAULT 1,
    quote_id     bigint NOT NULL REFERENCES quotes ON DELETE CASCADE,
    -- the order on the document; reordering swaps positions in one transaction
    position     int NOT NULL CHECK (position > 0),
    -- a product, or free text; description, unit, price and tax rate default to the product's
    product_id   bigint REFERENCES products ON DELETE RESTRICT,
    sku          text,
    description  text NOT NULL CHECK (btrim(description) <> ''),
    quantity     numeric(14,3) NOT NULL DEFAULT 1 CHECK (quantity <> 0),
    unit         text NOT NULL CHECK (btrim(unit) <> ''),
    unit_price   numeric(18,4) NOT NULL CHECK (unit_price >= 0),
    discount_pct numeric(5,2) NOT NULL DEFAULT 0 CHECK (discount_pct BETWEEN 0 AND 100),
    tax_rate     numeric(5,2) NOT NULL CHECK (tax_rate BETWEEN 0 AND 100),
    -- computed by ccrm_line_fill with ccrm_line_amounts; nobody may write them
    net          numeric NOT NULL,
    tax          numeric NOT NULL,
    gross        numeric NOT NULL,
    CONSTRAINT quote_lines_position_key UNIQUE (quote_id, position) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX quote_lines_product_idx ON quote_lines (product_id);

-- ---------------------------------------------------------------------------------------
-- Invoices and credit notes, their lines, the number counters, payments
-- ---------------------------------------------------------------------------------------
CREATE TABLE invoices (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at         timestamptz NOT NULL DEFAULT now(),
    created_by         text        NOT NULL DEFAULT current_user,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    updated_by         text        NOT NULL DEFAULT current_user,
    version            int         NOT NULL DEFAULT 1,
    kind               text NOT NULL DEFAULT 'invoice' CHECK (kind IN ('invoice', 'credit_note')),
    -- the number: series (letters and digits, '' = the main one), year and a gapless sequence
    -- within them, set when the document is issued: 2026-00001, CN-2026-00001
    series             text NOT NULL DEFAULT '' CHECK (series ~ '^[A-Z0-9]{0,10}$'),
    year               int,
    seq                int CHECK (seq > 0),
    number             text UNIQUE,
    account_id         bigint NOT NULL REFERENCES accounts ON DELETE RESTRICT,
    contact_id         bigint REFERENCES contacts ON DELETE RESTRICT,
    opportunity_id     bigint REFERENCES opportunities ON DELETE RESTRICT,
    quote_id           bigint REFERENCES quotes ON DELETE RESTRICT,
    -- a credit note: the invoice it corrects
    credit_of          bigint REFERENCES invoices ON DELETE RESTRICT,
    currency           char(3) NOT NULL DEFAULT 'EUR' REFERENCES currencies,
    payment_terms_days int NOT NULL DEFAULT 30 CHECK (payment_terms_days BETWEEN 0 AND 365),
    issue_date         date,
    due_date           date,
    -- stored: draft, issued, paid (payments and credit notes settle it), cancelled (credited in
    -- full); overdue and partly paid are computed (ccrm_invoice_state), never stored by a clock
    status             text NOT NULL DEFAULT 'draft'
                       CHECK (status IN ('draft', 'issued', 'paid', 'cancelled')),
    -- the buyer as printed (filled from the account and contact when the draft is made; a
    -- legal document keeps the data it was issued with)
    buyer_name         text,
    buyer_address      text,
    buyer_postcode     text,
    buyer_city         text,
    buyer_country      char(2) CHECK (buyer_country ~ '^[A-Z]{2}$'),
    buyer_vat_id       text,
    buyer_reference    text,
    buyer_contact      text,
    buyer_email        text,
    notes              text,
    owner              text,
    net_total          numeric NOT NULL DEFAULT 0,
    tax_total          numeric NOT NULL DEFAULT 0,
    gross_total        numeric NOT NULL DEFAULT 0,
    paid_total         numeric NOT NULL DEFAULT 0,
    credited_total     numeric NOT NULL DEFAULT 0,
    issued_at          timestamptz,
    issued_by          text,
    search             text COLLATE "C"
                       GENERATED ALWAYS AS (coalesce(lower(number), '') || ' '
                                            || ccrm_fold(coalesce(buyer_name, ''))) STORED,
    CONSTRAINT invoices_credit_check CHECK ((kind = 'credit_note') = (credit_of IS NOT NULL)),
    CONSTRAINT invoices_number_check CHECK ((status = 'draft') = (number IS NULL)
        AND (number IS NULL) = (year IS NULL) AND (number IS NULL) = (seq IS NULL)
        AND (number IS NULL) = (issue_date IS NULL) AND (number IS NULL) = (due_date IS NULL)),
    CONSTRAINT invoices_seq_key UNIQUE (series, year, seq)
);
CREATE INDEX invoices_account_created_idx ON invoices (account_id, created_at DESC, id DESC);
CREATE INDEX invoices_contact_idx ON invoices (contact_id);
CREATE INDEX invoices_opportunity_idx ON invoices (opportunity_id);
CREATE INDEX invoices_quote_idx ON invoices (quote_id);
-- one live invoice per quote, for every writer (a cancelled one frees the quote again)
CREATE UNIQUE INDEX invoices_quote_live_key ON invoices (quote_id)
    WHERE kind = 'invoice' AND status <> 'cancelled';
CREATE INDEX invoices_credit_of_idx ON invoices (credit_of);
CREATE INDEX invoices_updated_idx ON invoices (updated_at, id);
CREATE INDEX invoices_status_updated_idx ON invoices (status, updated_at, id);
CREATE INDEX invoices_owner_updated_idx ON invoices (owner, updated_at, id);
CREATE INDEX invoices_issue_date_idx ON invoices (issue_date, id) WHERE issue_date IS NOT NULL;
-- dunning: unpaid invoices by due date (overdue = due_date before today)
CREATE INDEX invoices_open_due_idx ON invoices (due_date, id)
    WHERE status = 'issued' AND kind = 'invoice';
CREATE INDEX invoices_search_trgm_idx ON invoices USING gin (search gin_trgm_ops);

CREATE TABLE invoice_lines (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text        NOT NULL DEFAULT current_user,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   text        NOT NULL DEFAULT current_user,
    version      int         NOT NULL DEFAULT 1,
    invoice_id   bigint NOT NULL REFERENCES invoices ON DELETE CASCADE,
    position     int NOT NULL CHECK (position > 0),
    product_id   bigint REFERENCES products ON DELETE RESTRICT,
    sku          text,
    description  text NOT NULL CHECK (btrim(description) <> ''),
    quantity     numeric(14,3) NOT NULL DEFAULT 1 CHECK (quantity <> 0),
    unit         text NOT NULL CHECK (btrim(unit) <> ''),
    unit_price   numeric(18,4) NOT NULL CHECK (unit_price >= 0),
    discount_pct numeric(5,2) NOT NULL DEFAULT 0 CHECK (discount_pct BETWEEN 0 AND 100),
    tax_rate     numeric(5,2) NOT NULL CHECK (tax_rate BETWEEN 0 AND 100),
    net          numeric NOT NULL,
    tax          numeric NOT NULL,
    gross        numeric NOT NULL,
    CONSTRAINT invoice_lines_position_key UNIQUE (invoice_id, position) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX invoice_lines_product_idx ON invoice_lines (product_id);

-- One row per (series, year): the last number issued. Written only by ccrm_invoice_issue (as
-- the owner), in the issuing transaction: its row lock serialises issuers of a series and year,
-- and a rollback restores the number. Nobody else may read or write it.
CREATE TABLE invoice_counters (
    series    text NOT NULL,
    year      int  NOT NULL,
    last_no   int  NOT NULL CHECK (last_no > 0),
    last_date date NOT NULL,
    PRIMARY KEY (series, year)
);

CREATE TABLE payments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text        NOT NULL DEFAULT current_user,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL DEFAULT current_user,
    version     int         NOT NULL DEFAULT 1,
    invoice_id  bigint NOT NULL REFERENCES invoices ON DELETE RESTRICT,
    -- in the invoice's currency, to its minor unit (ccrm_payment_rule)
    amount      numeric NOT NULL CHECK (amount > 0),
    paid_on     date NOT NULL DEFAULT current_date,
    method      text NOT NULL DEFAULT 'transfer'
                CHECK (method IN ('transfer', 'direct_debit', 'card', 'cash', 'cheque', 'other')),
    reference   text,
    note        text
);
CREATE INDEX payments_invoice_idx ON payments (invoice_id, paid_on, id);
CREATE INDEX payments_paid_on_idx ON payments (paid_on, id);

-- ---------------------------------------------------------------------------------------
-- Triggers: stamps, audit and events like every data table (001), then the rules
-- ---------------------------------------------------------------------------------------
SELECT ccrm_track_table(t) -- schema/functions/05_tables.sql
  FROM unnest(ARRAY['products', 'product_prices', 'quotes', 'quote_lines', 'invoices',
                    'invoice_lines', 'payments']::regclass[]) t;

-- product prices: not in the product's own currency (that price is on the product)
CREATE TRIGGER ccrm_price_rule BEFORE INSERT OR UPDATE ON product_prices
    FOR EACH ROW EXECUTE FUNCTION ccrm_price_rule();

-- documents: what may change when (BEFORE; named so that they run before ccrm_stamp)
CREATE TRIGGER ccrm_doc_rules BEFORE INSERT OR UPDATE OR DELETE ON quotes
    FOR EACH ROW EXECUTE FUNCTION ccrm_quote_rules();
CREATE TRIGGER ccrm_doc_rules BEFORE INSERT OR UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION ccrm_invoice_rules();
-- a draft's currency decides its lines' rounding: a new currency computes them again
CREATE TRIGGER ccrm_doc_currency AFTER UPDATE OF currency ON quotes
    FOR EACH ROW WHEN (OLD.currency IS DISTINCT FROM NEW.currency)
    EXECUTE FUNCTION ccrm_doc_currency();
CREATE TRIGGER ccrm_doc_currency AFTER UPDATE OF currency ON invoices
    FOR EACH ROW WHEN (OLD.currency IS DISTINCT FROM NEW.currency)
    EXECUTE FUNCTION ccrm_doc_currency();

-- lines: only on drafts; defaults from the product; amounts computed; totals kept
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['quote_lines', 'invoice_lines']
    LOOP
        EXECUTE format('CREATE TRIGGER ccrm_line_fill BEFORE INSERT OR UPDATE OR DELETE ON %I '
                       'FOR EACH ROW EXECUTE FUNCTION ccrm_line_fill()', t);
        EXECUTE format('CREATE TRIGGER ccrm_doc_totals_ins AFTER INSERT ON %I '
                       'REFERENCING NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_doc_totals()', t);
        EXECUTE format('CREATE TRIGGER ccrm_doc_totals_upd AFTER UPDATE ON %I '
                       'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_doc_totals()', t);
        EXECUTE format('CREATE TRIGGER ccrm_doc_totals_del AFTER DELETE ON %I '
                       'REFERENCING OLD TABLE AS old_rows '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_doc_totals()', t);
    END LOOP;
END
$$;

-- payments: on issued invoices, at most what is outstanding, in the currency's minor unit;
-- the invoice's paid total and status follow every insert and delete
CREATE TRIGGER ccrm_payment_rule BEFORE INSERT OR UPDATE ON payments
    FOR EACH ROW EXECUTE FUNCTION ccrm_payment_rule();
CREATE TRIGGER ccrm_payment_settle_ins AFTER INSERT ON payments
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_payment_settle();
CREATE TRIGGER ccrm_payment_settle_del AFTER DELETE ON payments
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION ccrm_payment_settle();

-- what is issued stays: no TRUNCATE of documents, lines, payments or counters for anyone, the
-- owner included (a superuser can still disable triggers: protect the superuser)
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['invoices', 'invoice_lines', 'payments', 'invoice_counters']
    LOOP
        EXECUTE format('CREATE TRIGGER ccrm_keep_trunc BEFORE TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION ccrm_billing_keep()', t);
    END LOOP;
END
$$;
CREATE TRIGGER ccrm_counter_rule BEFORE INSERT OR UPDATE OR DELETE ON invoice_counters
    FOR EACH ROW EXECUTE FUNCTION ccrm_counter_rule();

-- ---------------------------------------------------------------------------------------
-- Comments, chat and presence on quotes and invoices too (their detail views)
-- ---------------------------------------------------------------------------------------
ALTER TABLE comments DROP CONSTRAINT comments_entity_check;
ALTER TABLE comments ADD CONSTRAINT comments_entity_check
    CHECK (entity IN ('accounts', 'contacts', 'leads', 'opportunities', 'tickets', 'interactions',
                      'campaigns', 'quotes', 'invoices'));
ALTER TABLE presence DROP CONSTRAINT presence_entity_check;
ALTER TABLE presence ADD CONSTRAINT presence_entity_check
    CHECK (entity IN ('accounts', 'contacts', 'leads', 'opportunities', 'tickets', 'campaigns',
                      'quotes', 'invoices'));
ALTER TABLE chat_messages DROP CONSTRAINT chat_messages_entity_check;
ALTER TABLE chat_messages ADD CONSTRAINT chat_messages_entity_check
    CHECK (entity IN ('accounts', 'contacts', 'leads', 'opportunities', 'tickets', 'campaigns',
                      'quotes', 'invoices'));

-- ---------------------------------------------------------------------------------------
-- The dunning list: issued invoices past their due date, with what is still open
-- ---------------------------------------------------------------------------------------
CREATE VIEW invoices_overdue WITH (security_invoker = true) AS
SELECT i.id, i.number, i.account_id, a.name AS account, i.buyer_name, i.buyer_contact,
       i.buyer_email, i.currency, i.issue_date, i.due_date, current_date - i.due_date AS days_overdue,
       i.gross_total, i.paid_total, i.credited_total,
       i.gross_total - i.paid_total - i.credited_total AS outstanding, i.owner
  FROM invoices i
  JOIN accounts a ON a.id = i.account_id
 WHERE i.status = 'issued' AND i.kind = 'invoice' AND i.due_date < current_date;

-- ---------------------------------------------------------------------------------------
-- Row-level security: internal users all rows, partners the documents of shared accounts and
-- what hangs off them (docs/security.md §4), nothing of the catalogue or the counters
-- ---------------------------------------------------------------------------------------
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['currencies', 'products', 'product_prices', 'quotes', 'quote_lines',
                             'invoices', 'invoice_lines', 'invoice_counters', 'payments']
    LOOP
        PERFORM ccrm_secure_table(t::regclass); -- schema/functions/05_tables.sql
    END LOOP;
    FOREACH t IN ARRAY ARRAY['products', 'product_prices', 'quotes', 'quote_lines', 'invoices',
                             'invoice_lines', 'payments']
    LOOP
        EXECUTE format('CREATE POLICY internal_all ON %I TO ccrm_internal '
                       'USING (true) WITH CHECK (true)', t);
    END LOOP;
END
$$;
CREATE POLICY everyone_read ON currencies FOR SELECT TO ccrm_internal, ccrm_partner USING (true);
CREATE POLICY partner_none ON products FOR SELECT TO ccrm_partner USING (false);
CREATE POLICY partner_none ON product_prices FOR SELECT TO ccrm_partner USING (false);
CREATE POLICY partner_none ON invoice_counters FOR SELECT TO ccrm_partner USING (false);
CREATE POLICY partner_read ON quotes FOR SELECT TO ccrm_partner
    USING (EXISTS (SELECT 1 FROM account_shares s
                    WHERE s.account_id = quotes.account_id
                      AND s.partner_org_id = (SELECT ccrm_partner_org())));
CREATE POLICY partner_read ON invoices FOR SELECT TO ccrm_partner
    USING (EXISTS (SELECT 1 FROM account_shares s
                    WHERE s.account_id = invoices.account_id
                      AND s.partner_org_id = (SELECT ccrm_partner_org())));
CREATE POLICY partner_read ON quote_lines FOR SELECT TO ccrm_partner
    USING (ccrm_record_exists('quotes', quote_lines.quote_id));
CREATE POLICY partner_read ON invoice_lines FOR SELECT TO ccrm_partner
    USING (ccrm_record_exists('invoices', invoice_lines.invoice_id));
CREATE POLICY partner_read ON payments FOR SELECT TO ccrm_partner
    USING (ccrm_record_exists('invoices', payments.invoice_id));

-- events: a partner sees those of the documents of shared accounts, their lines and payments
-- (ccrm_event_account files them under the document's account)
DROP POLICY partner_read ON events;
CREATE POLICY partner_read ON events FOR SELECT TO ccrm_partner
    USING (events.entity IN ('accounts', 'contacts', 'leads', 'opportunities', 'tickets',
                             'interactions', 'comments', 'chat_messages', 'quotes', 'quote_lines',
                             'invoices', 'invoice_lines', 'payments')
           AND EXISTS (SELECT 1 FROM account_shares s
                        WHERE s.account_id = events.account_id
                          AND s.partner_org_id = (SELECT ccrm_partner_org())));

-- ---------------------------------------------------------------------------------------
-- Privileges (the allow-list of docs/security.md): every internal department reads all of it;
-- sales keeps the catalogue and drafts quotes and invoices; billing keeps the catalogue,
-- drafts invoices, issues them and records payments (the functions); management and admin
-- everything; support and marketing read. Computed columns (amounts, totals, numbers, the
-- issue and settlement fields) are granted to nobody: the triggers and functions set them.
-- ---------------------------------------------------------------------------------------
GRANT SELECT ON currencies TO ccrm_internal, ccrm_partner;
GRANT SELECT ON products, product_prices, quotes, quote_lines, invoices, invoice_lines, payments,
                invoices_overdue
    TO ccrm_internal;
GRANT SELECT ON quotes, quote_lines, invoices, invoice_lines, payments, invoices_overdue
    TO ccrm_partner;

GRANT INSERT (sku, name, description, unit, unit_price, currency, tax_rate, active),
      UPDATE (version, sku, name, description, unit, unit_price, currency, tax_rate, active)
    ON products TO ccrm_sales, ccrm_billing, ccrm_management, ccrm_admin;
GRANT INSERT (product_id, currency, unit_price),
      UPDATE (version, product_id, currency, unit_price)
    ON product_prices TO ccrm_sales, ccrm_billing, ccrm_management, ccrm_admin;

GRANT INSERT (account_id, opportunity_id, contact_id, title, currency, valid_until, status,
              previous_id, notes, owner),
      UPDATE (version, account_id, opportunity_id, contact_id, title, currency, valid_until,
              status, notes, owner)
    ON quotes TO ccrm_sales, ccrm_management, ccrm_admin;
GRANT INSERT (quote_id, position, product_id, description, quantity, unit, unit_price,
              discount_pct, tax_rate),
      UPDATE (version, position, product_id, description, quantity, unit, unit_price,
              discount_pct, tax_rate)
    ON quote_lines TO ccrm_sales, ccrm_management, ccrm_admin;

GRANT INSERT (kind, series, account_id, contact_id, opportunity_id, quote_id, credit_of, currency,
              payment_terms_days, buyer_name, buyer_address, buyer_postcode, buyer_city,
              buyer_country, buyer_vat_id, buyer_reference, buyer_contact, buyer_email, notes,
              owner),
      UPDATE (version, series, account_id, contact_id, opportunity_id, currency,
              payment_terms_days, buyer_name, buyer_address, buyer_postcode, buyer_city,
              buyer_country, buyer_vat_id, buyer_reference, buyer_contact, buyer_email, notes,
              owner)
    ON invoices TO ccrm_sales, ccrm_billing, ccrm_management, ccrm_admin;
GRANT INSERT (invoice_id, position, product_id, description, quantity, unit, unit_price,
              discount_pct, tax_rate),
      UPDATE (version, position, product_id, description, quantity, unit, unit_price,
              discount_pct, tax_rate)
    ON invoice_lines TO ccrm_sales, ccrm_billing, ccrm_management, ccrm_admin;

GRANT INSERT (invoice_id, amount, paid_on, method, reference, note),
      UPDATE (version, reference, note)
    ON payments TO ccrm_billing, ccrm_management, ccrm_admin;
