-- ccrm schema, migration 052: a deal's currency is one ccrm knows, as a quote's, an invoice's
-- and a price's are (020).
--
-- Deals only checked the shape (three capital letters): the deal form saved "XXX", which the
-- import refuses ("is not one ccrm knows") and no quote or invoice of that deal could use. Now
-- every writer gets the same answer. NOT VALID: a deal written before keeps its code (an
-- upgrade never fails on old data); a change of its currency is checked.
ALTER TABLE opportunities ADD CONSTRAINT opportunities_currency_fkey
    FOREIGN KEY (currency) REFERENCES currencies (code) NOT VALID;
