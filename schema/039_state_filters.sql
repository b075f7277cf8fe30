-- Filtering the Invoices list by a computed state (overdue, partly paid) or the Quotes list by
-- one (expired: a sent quote past its date) walked the list's order calling the state function
-- on every row until a page was full: 427 ms at 1,000,000 invoices when the newest 200,000
-- were drafts (tests/bench/bench_lists.sh --views invoices). A filter on one state now says it
-- on the stored columns (ccrm_invoice_is, ccrm_quote_is in schema/functions/91_billing.sql),
-- which the planner folds to conditions on the status and the columns the state is computed
-- from. The status indexes of 020 now carry those columns, so that the page is an index-only
-- walk of one status in the list's order: the planner takes it over the walk of the whole
-- order, and the rows of other statuses (the newest drafts) are never read.
DROP INDEX invoices_status_updated_idx;
CREATE INDEX invoices_status_updated_idx ON invoices (status, updated_at, id)
    INCLUDE (kind, due_date, paid_total);
DROP INDEX quotes_status_updated_idx;
CREATE INDEX quotes_status_updated_idx ON quotes (status, updated_at, id) INCLUDE (valid_until);
