-- ccrm schema, migration 100: an invoice number counter moves only with the invoice it numbers.
--
-- ccrm_counter_rule() let a counter count up by one, and a new one start at 1, for any writer:
-- the schema's owner could move a counter by hand (UPDATE ... SET last_no = last_no + 1, or
-- INSERT a new series' row) and the next invoice issued skipped a number, though
-- docs/billing.md promises gapless numbers for every writer, the owner included. At commit the
-- number a counter moved to must now be an invoice's (ccrm_counter_used(), a deferred
-- constraint trigger: ccrm_invoice_issue() moves the counter before it numbers the invoice).
CREATE CONSTRAINT TRIGGER ccrm_counter_used AFTER INSERT OR UPDATE ON invoice_counters
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ccrm_counter_used();
