-- ccrm schema, migration 060: a line's tax rate and discount are kept as typed, or refused.
--
-- They were numeric(5,2): the cast to the column rounded a rate typed with more decimals on the
-- way in (7.777 became 7.78), before any trigger or CHECK saw it, and the tax was computed at a
-- rate nobody typed. The columns take any numeric now (no rewrite: a wider numeric keeps the
-- stored values); ccrm_line_fill refuses more than 2 decimals, in the words the client's forms
-- use, naming the constraints below, and keeps 2 decimals (19 is stored as 19.00, as before).
-- The constraints hold the rule for every writer (and their comments are what the client shows
-- under the field: src/db/record.c, constraint_words).
ALTER TABLE quote_lines
    ALTER COLUMN discount_pct TYPE numeric,
    ALTER COLUMN tax_rate TYPE numeric,
    ADD CONSTRAINT quote_lines_discount_pct_decimals CHECK (discount_pct = round(discount_pct, 2)),
    ADD CONSTRAINT quote_lines_tax_rate_decimals CHECK (tax_rate = round(tax_rate, 2));
ALTER TABLE invoice_lines
    ALTER COLUMN discount_pct TYPE numeric,
    ALTER COLUMN tax_rate TYPE numeric,
    ADD CONSTRAINT invoice_lines_discount_pct_decimals
        CHECK (discount_pct = round(discount_pct, 2)),
    ADD CONSTRAINT invoice_lines_tax_rate_decimals CHECK (tax_rate = round(tax_rate, 2));
COMMENT ON CONSTRAINT quote_lines_discount_pct_decimals ON quote_lines IS 'at most 2 decimals';
COMMENT ON CONSTRAINT quote_lines_tax_rate_decimals ON quote_lines IS 'at most 2 decimals';
COMMENT ON CONSTRAINT invoice_lines_discount_pct_decimals ON invoice_lines IS
    'at most 2 decimals';
COMMENT ON CONSTRAINT invoice_lines_tax_rate_decimals ON invoice_lines IS 'at most 2 decimals';
