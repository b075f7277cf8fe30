-- ccrm schema, migration 046: what a CHECK asks, in words, said once beside it.
--
-- A form that breaks a rule the client does not check itself (two fields together, a format)
-- said "the database does not accept this value (absences_deputy_check)", or the server's
-- "new row for relation ... violates check constraint ...". The client now shows a
-- constraint's comment instead of its name (src/db/record.c, constraint_words), so the words
-- live with the rule, for every client. A constraint without a comment is named as before.
COMMENT ON CONSTRAINT absences_deputy_check ON absences IS
    'the stand-in is someone else than the person away';
COMMENT ON CONSTRAINT absences_dates_check ON absences IS
    'an absence ends on or after the day it starts';
COMMENT ON CONSTRAINT inbox_settings_quiet_check ON inbox_settings IS
    'quiet hours need both times, and different ones (from 22:00 until 07:00 spans midnight)';
COMMENT ON CONSTRAINT responsibilities_deputy_check ON responsibilities IS
    'the deputy is someone else than the person responsible';
COMMENT ON CONSTRAINT responsibilities_queue_check ON responsibilities IS
    'a queue is one word of small letters, digits, ".", "-" and "_" (billing)';
COMMENT ON CONSTRAINT responsibilities_territory_check ON responsibilities IS
    'name at least one country or region, or leave the territory empty for all';
COMMENT ON CONSTRAINT users_manager_check ON users IS 'nobody is their own team lead';
COMMENT ON CONSTRAINT accounts_tier_check ON accounts IS
    'a tier is one word of small letters, digits, "-" and "_" (gold)';
COMMENT ON CONSTRAINT tickets_queue_check ON tickets IS
    'a queue is one word of small letters, digits, ".", "-" and "_" (billing)';
COMMENT ON CONSTRAINT leads_queue_check ON leads IS
    'a queue is one word of small letters, digits, ".", "-" and "_" (billing)';
COMMENT ON CONSTRAINT opportunities_currency_check ON opportunities IS
    'a currency is its three capital letters (EUR)';
COMMENT ON CONSTRAINT campaigns_dates_check ON campaigns IS
    'a campaign ends on or after the day it starts';
COMMENT ON CONSTRAINT products_sku_check ON products IS
    'an SKU is one line of at most 64 characters, without spaces at either end';
COMMENT ON CONSTRAINT invoices_buyer_country_check ON invoices IS
    'a country is its two capital letters (DE)';
COMMENT ON CONSTRAINT invoices_series_check ON invoices IS
    'an invoice series is up to 10 capital letters and digits (RE)';
COMMENT ON CONSTRAINT quote_lines_quantity_check ON quote_lines IS 'a quantity is not 0';
COMMENT ON CONSTRAINT invoice_lines_quantity_check ON invoice_lines IS 'a quantity is not 0';
COMMENT ON CONSTRAINT sla_policies_pause_statuses_check ON sla_policies IS
    'the clock pauses only in new, open or pending';
COMMENT ON CONSTRAINT sla_policies_priorities_check ON sla_policies IS
    'priorities are among low, normal, high and urgent: name one, or leave them empty for all';
COMMENT ON CONSTRAINT sla_policies_queues_check ON sla_policies IS
    'name at least one queue, or leave them empty for all';
COMMENT ON CONSTRAINT sla_policies_tiers_check ON sla_policies IS
    'name at least one tier, or leave them empty for all';
COMMENT ON CONSTRAINT sla_policies_first_response_min_check ON sla_policies IS
    'a target is at least 1 minute';
COMMENT ON CONSTRAINT sla_policies_next_response_min_check ON sla_policies IS
    'a target is at least 1 minute';
COMMENT ON CONSTRAINT sla_policies_resolution_min_check ON sla_policies IS
    'a target is at least 1 minute';
COMMENT ON CONSTRAINT sla_policies_warn_before_min_check ON sla_policies IS
    'the warning comes 0 minutes or more before the target';
