-- ccrm schema, migration 063: the back office refuses what it used to round or let through.
--
-- * One live invoice of a deal's own (drafted from the deal, not from a quote). Four
--   `ccrm --invoice-from deal N` at once made four drafts: ccrm_invoice_from_deal looked for an
--   invoice, then inserted one, and all four looked before any inserted. A unique index holds
--   it for every writer, as invoices_quote_live_key does for quotes (an invoice cancelled by a
--   credit note frees the deal again); invoices made from the deal's quotes are counted by
--   that index, not this one (a deal may have several quotes, each billed once). A database
--   that has such twins already is not migrated until someone removes the extra drafts: which
--   of them is the right one is not the migration's to guess.
-- * Quantities and prices are kept as typed, or refused, like the rates of migration 060:
--   numeric(14,3) and numeric(18,4) rounded 1.0005 to 1.001 (and 0.0004 to 0, which then failed
--   with the name of the "not 0" check) before any trigger saw it. The columns take any numeric
--   now (no rewrite); the constraints below hold the decimals and the size the old types
--   allowed, for every writer, and their comments are what the client shows under the field
--   (src/db/record.c, constraint_words). The triggers (ccrm_line_fill, ccrm_price_rule,
--   ccrm_product_rule: schema/functions/91_billing.sql) refuse first, in these words with the
--   value typed, and store the scale as before (1 as 1.000, 9.9 as 9.9000).
--
-- The rest of this change is in the functions (schema/functions/91_billing.sql): the contact of
-- a quote or an invoice is one of its account's; an invoice of a quote keeps the quote's account
-- and currency on every change; issue dates are within the last year; payments are dated
-- between the invoice's issue date and today; credit notes are in series CN and invoices not.
DO $$
DECLARE
    v_twins text;
BEGIN
    SELECT string_agg(format('deal #%s: invoices %s', x.opportunity_id, x.ids), '; ')
      INTO v_twins
      FROM (SELECT i.opportunity_id, string_agg('#' || i.id, ', ' ORDER BY i.id) AS ids
              FROM invoices i
             WHERE i.opportunity_id IS NOT NULL AND i.quote_id IS NULL AND i.kind = 'invoice'
               AND i.status <> 'cancelled'
             GROUP BY i.opportunity_id HAVING count(*) > 1) x;
    IF v_twins IS NOT NULL THEN
        RAISE EXCEPTION 'deals invoiced more than once (not from a quote): %', v_twins
            USING ERRCODE = '23505',
                  HINT = 'Delete the extra drafts (ccrm_delete(''invoices'', ARRAY[id])) or cancel the extra issued ones with a credit note, then run ccrm --migrate again.';
    END IF;
END
$$;
CREATE UNIQUE INDEX invoices_deal_live_key ON invoices (opportunity_id)
    WHERE quote_id IS NULL AND kind = 'invoice' AND status <> 'cancelled';

ALTER TABLE quote_lines
    ALTER COLUMN quantity TYPE numeric,
    ALTER COLUMN unit_price TYPE numeric,
    ADD CONSTRAINT quote_lines_quantity_decimals CHECK (quantity = round(quantity, 3)),
    ADD CONSTRAINT quote_lines_quantity_size CHECK (abs(quantity) < 1e11),
    ADD CONSTRAINT quote_lines_unit_price_decimals CHECK (unit_price = round(unit_price, 4)),
    ADD CONSTRAINT quote_lines_unit_price_size CHECK (unit_price < 1e14);
ALTER TABLE invoice_lines
    ALTER COLUMN quantity TYPE numeric,
    ALTER COLUMN unit_price TYPE numeric,
    ADD CONSTRAINT invoice_lines_quantity_decimals CHECK (quantity = round(quantity, 3)),
    ADD CONSTRAINT invoice_lines_quantity_size CHECK (abs(quantity) < 1e11),
    ADD CONSTRAINT invoice_lines_unit_price_decimals CHECK (unit_price = round(unit_price, 4)),
    ADD CONSTRAINT invoice_lines_unit_price_size CHECK (unit_price < 1e14);
ALTER TABLE products
    ALTER COLUMN unit_price TYPE numeric,
    ALTER COLUMN tax_rate TYPE numeric,
    ADD CONSTRAINT products_unit_price_decimals CHECK (unit_price = round(unit_price, 4)),
    ADD CONSTRAINT products_unit_price_size CHECK (unit_price < 1e14),
    ADD CONSTRAINT products_tax_rate_decimals CHECK (tax_rate = round(tax_rate, 2));
ALTER TABLE product_prices
    ALTER COLUMN unit_price TYPE numeric,
    ADD CONSTRAINT product_prices_unit_price_decimals CHECK (unit_price = round(unit_price, 4)),
    ADD CONSTRAINT product_prices_unit_price_size CHECK (unit_price < 1e14);

COMMENT ON CONSTRAINT quote_lines_quantity_decimals ON quote_lines IS 'at most 3 decimals';
COMMENT ON CONSTRAINT quote_lines_quantity_size ON quote_lines IS
    'at most 11 digits before the decimal point';
COMMENT ON CONSTRAINT quote_lines_unit_price_decimals ON quote_lines IS 'at most 4 decimals';
COMMENT ON CONSTRAINT quote_lines_unit_price_size ON quote_lines IS
    'at most 14 digits before the decimal point';
COMMENT ON CONSTRAINT invoice_lines_quantity_decimals ON invoice_lines IS 'at most 3 decimals';
COMMENT ON CONSTRAINT invoice_lines_quantity_size ON invoice_lines IS
    'at most 11 digits before the decimal point';
COMMENT ON CONSTRAINT invoice_lines_unit_price_decimals ON invoice_lines IS 'at most 4 decimals';
COMMENT ON CONSTRAINT invoice_lines_unit_price_size ON invoice_lines IS
    'at most 14 digits before the decimal point';
COMMENT ON CONSTRAINT products_unit_price_decimals ON products IS 'at most 4 decimals';
COMMENT ON CONSTRAINT products_unit_price_size ON products IS
    'at most 14 digits before the decimal point';
COMMENT ON CONSTRAINT products_tax_rate_decimals ON products IS 'at most 2 decimals';
COMMENT ON CONSTRAINT product_prices_unit_price_decimals ON product_prices IS
    'at most 4 decimals';
COMMENT ON CONSTRAINT product_prices_unit_price_size ON product_prices IS
    'at most 14 digits before the decimal point';

-- a product's price and tax rate: refused with more decimals than kept, in the words above
CREATE TRIGGER ccrm_product_rule BEFORE INSERT OR UPDATE ON products
    FOR EACH ROW EXECUTE FUNCTION ccrm_product_rule();
