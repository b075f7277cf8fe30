#!/usr/bin/env bash
# Filters on a state people see but nobody stores: an invoice is overdue or partly paid by its
# due date and payments (ccrm_invoice_state), a sent quote past its date is expired
# (ccrm_quote_state). `f status=overdue` must show exactly the documents whose Status column
# says so, with several values and negation too; the filter also names the stored statuses the
# state comes from (ccrm_invoice_stored, ccrm_quote_stored) so that the status indexes find
# them, and that narrowing must lose none.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_state_filters.sh path/to/ccrm}

pg_start_demo "$CCRM" 100
acc=$(psqlc -c "select min(id) from accounts")
# invoices in every state, written as the database would have them (issued ones are
# immutable for every writer: loaded in replica mode, as a restore would)
psqlc >/dev/null <<SQL
set session_replication_role = replica;
insert into invoices (account_id, buyer_name, status, series, year, seq, number, issue_date,
                      due_date, gross_total, paid_total, issued_at, issued_by, owner) values
  ($acc, 'Sfmark alpha',   'issued', 'T', 2020, 1, 'T2020-1', current_date - 60, current_date - 30, 100, 0,  now(), 'bea', 'bea'),
  ($acc, 'Sfmark bravo',   'issued', 'T', 2020, 2, 'T2020-2', current_date - 5,  current_date + 25, 100, 40, now(), 'bea', 'bea'),
  ($acc, 'Sfmark charlie', 'issued', 'T', 2020, 3, 'T2020-3', current_date - 5,  current_date + 25, 100, 0,  now(), 'bea', 'bea'),
  ($acc, 'Sfmark echo',    'paid',   'T', 2020, 4, 'T2020-4', current_date - 60, current_date - 30, 100, 100, now(), 'bea', 'bea'),
  ($acc, 'Sfmark foxtrot', 'issued', 'T', 2020, 5, 'T2020-5', current_date - 60, current_date - 30, 100, 40, now(), 'bea', 'bea');
insert into invoices (account_id, buyer_name, owner) values ($acc, 'Sfmark delta', 'bea');
insert into quotes (account_id, title, status, valid_until, owner) values
  ($acc, 'Sfmark alpha',   'sent',    current_date - 3,  'sam'),
  ($acc, 'Sfmark bravo',   'sent',    current_date + 30, 'sam'),
  ($acc, 'Sfmark charlie', 'expired', current_date - 3,  'sam'),
  ($acc, 'Sfmark delta',   'draft',   current_date + 30, 'sam'),
  ($acc, 'Sfmark echo',    'accepted', current_date - 3, 'sam');
SQL
# the states as the database computes them, so the test and the Status column agree
check "the invoices' states" test "$(psqlc -c "select string_agg(substr(buyer_name, 8) || '=' ||
    ccrm_invoice_state(status, kind, paid_total, due_date), ' ' order by buyer_name)
    from invoices where buyer_name like 'Sfmark %'")" = \
    "alpha=overdue bravo=partly_paid charlie=issued delta=draft echo=paid foxtrot=overdue"

# shows WORDS...: exactly these of the six are in the list
shows() { marks_shown Sfmark "alpha bravo charlie delta echo foxtrot" "$@"; }
filter_shows() { filter_marks Sfmark "alpha bravo charlie delta echo foxtrot" "$@"; }

tui_start 140 30 "$CCRM" -d "$PG_CONN user=bea" --view invoices
wait_for "Invoices by" 10 >/dev/null
keys /
keys -l Sfmark
keys Enter
check "invoices: the search shows the six" wait_until -t 10 shows alpha bravo charlie delta echo foxtrot
check "status=overdue: issued and past due, paid in part or not at all" \
    filter_shows "status=overdue" alpha foxtrot
check "status=partly_paid: not yet due" filter_shows "status=partly_paid" bravo
check "status=issued: neither overdue nor paid in part" filter_shows "status=issued" charlie
check "status=overdue,partly_paid,draft" filter_shows "status=overdue,partly_paid,draft" alpha bravo delta foxtrot
prompt "filter status=overdue,nonsense"
check "status=overdue,nonsense: the nonsense is refused, naming the states" \
    line_has "nonsense" "draft, issued, partly_paid, overdue, paid, cancelled"
check "status=Overdue: a state in any case" filter_shows "status=Overdue" alpha foxtrot
check "eight values: each said one by one" \
    filter_shows "status=cancelled,Cancelled,CANCELLED,draft,Draft,DRAFT,partly_paid,paid" bravo delta echo
prompt "filter status=a,b,c,d,e,f,g,partly_paid,paid"
check "nine are refused, with why (none silently left out)" wait_for "filter status: at most 8 values" 5
check "... and the filter stays as it was" wait_until -t 5 shows bravo delta echo
prompt "filter status=paid status=issued"
check "a filter given twice is refused (the last one won, unsaid)" wait_for "filter status given twice" 5
check "status!=overdue: all the others" filter_shows "status!=overdue" bravo charlie delta echo
check "status=paid" filter_shows "status=paid" echo
check "the Status column says what the filter chose" line_has "Sfmark echo" "paid"
check "all: the six again" filter_shows all alpha bravo charlie delta echo foxtrot
check "the Status column of an overdue one paid in part says overdue" line_has "Sfmark foxtrot" "overdue"
keys q
tui_stop

tui_start 140 30 "$CCRM" -d "$PG_CONN user=sam" --view quotes
wait_for "Quotes by" 10 >/dev/null
keys /
keys -l Sfmark
keys Enter
check "quotes: the search shows the five" wait_until -t 10 shows alpha bravo charlie delta echo
check "status=expired: past its date when sent, or marked expired" \
    filter_shows "status=expired" alpha charlie
check "status=sent: only the ones still valid" filter_shows "status=sent" bravo
check "status=expired,draft" filter_shows "status=expired,draft" alpha charlie delta
check "status!=expired" filter_shows "status!=expired" bravo delta echo
check "all: the five again" filter_shows all alpha bravo charlie delta echo
check "the Status column of a sent quote past its date says expired" line_has "Sfmark alpha" "expired"
keys q
tui_stop
done_testing
