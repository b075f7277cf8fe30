-- Filtering the Invoices list by a computed state (overdue, partly paid) or the Quotes list by
-- one (expired: a sent quote past its date) walked the list's order calling the state function
-- on every row until a page was full: 427 ms at 1,000,000 invoices when the newest 200,000
-- were drafts (tests/bench/bench_lists.sh --views invoices). The filters now also say which
-- stored statuses the state can come from (ccrm_invoice_stored, ccrm_quote_stored in
-- schema/functions/91_billing.sql), which the status indexes of 020 look up.
--
-- Nothing to change in the tables: this migration only makes databases at 038 take the new
-- functions (every file of schema/functions/ is applied with a pending migration).
SELECT 1;
