-- ccrm schema, migration 074: a lead's conversion makes its deal in the customer's currency.
--
-- ccrm_convert_lead(lead, deal name, amount) made every deal in the column's default currency
-- (EUR), whatever the customer paid in: a US company's first deal was in euros until someone
-- noticed. It now takes the currency too (the client's amount prompt reads "12000 USD"), and
-- without one the deal takes the currency of the account's latest deal, else the default; it
-- also says which currency and account it used. A new argument and a new result column are a
-- new signature: the old one goes here, the new one is defined in
-- schema/functions/50_collab.sql.
DROP FUNCTION IF EXISTS ccrm_convert_lead(bigint, text, numeric);
