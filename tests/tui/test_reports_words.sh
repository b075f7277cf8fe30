#!/usr/bin/env bash
# The Reports view says its figures in people's words (mia, management), at 140x40 and 80x24:
# - headings and figures are titles ("win rate", "still open", "median first response"), not
#   the SQL columns' names (win_rate, open_now, first_response_p50_h);
# - a rate is a percentage ("33 %", not 0.33), a time says its unit ("2 h");
# - months are "Jan 2021" and weeks "6 Jan 2031", not 2021-01-01;
# - the sparkline draws a step with no figure blank, not as the lowest bar: a month with no
#   deal won or lost, a week whose tickets got no answer, a week with no ticket at all.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_reports_words.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm user=mia"
acc=$(q "select min(id) from accounts")

# deals closed in 2021 (no demo data there; a deal is won or lost on a day that has come):
# January 1 won, 2 lost (33 %); none in February; March 1 won (100 %)
as sam -c "insert into opportunities (account_id, name, stage, amount, close_date) values
    ($acc, 'Words won Jan', 'won', 100, '2021-01-10'), ($acc, 'Words lost Jan 1', 'lost', 100, '2021-01-11'),
    ($acc, 'Words lost Jan 2', 'lost', 100, '2021-01-12'), ($acc, 'Words won Mar', 'won', 100, '2021-03-10')" >/dev/null
# tickets of weeks in 2031 (created_at is stamped by a trigger: written as a replica would):
# the week of 6 Jan answered after 2 h, of 13 Jan not answered, of 20 Jan none, of 27 Jan
# answered after 4 h
q "set session_replication_role = replica;
   insert into tickets (account_id, subject, priority, status, product, created_at) values
     ($acc, 'Words week 1', 'normal', 'open', 'Words product', '2031-01-07 09:00'),
     ($acc, 'Words week 2', 'normal', 'open', 'Words product', '2031-01-14 09:00'),
     ($acc, 'Words week 4', 'normal', 'open', 'Words product', '2031-01-28 09:00');
   insert into interactions (kind, direction, subject, at, ticket_id, account_id)
     select 'call', 'out', 'answer', t.created_at + interval '1 hour' * (case t.subject when 'Words week 1' then 2 else 4 end),
            t.id, t.account_id from tickets t where t.subject in ('Words week 1', 'Words week 4')" >/dev/null ||
    fail "the report's data"

no_line() { # TEXT: no screen line holds it
    ! screen | grep -qF -- "$1"
}

for size in "140 40" "80 24"; do
    set -- $size
    tui_start "$1" "$2" "$CCRM" -d "$DB"
    check "$1x$2: management starts" wait_for " online " 15
    prompt "reports win_rate"
    check "$1x$2: the win rate report" wait_for "[Win rate]"
    prompt "from 2021-01-01"
    prompt "to 2021-04-01"
    check "$1x$2: the window's rows" wait_for "report Win rate, from 2021-01-01, before 2021-04-01: 2 rows"
    check "$1x$2: the bar's heading in words" wait_for "win rate (bar)"
    check "$1x$2: a month in words, its rate a percentage" line_has "Jan 2021" "33 %"
    check "$1x$2: ... March" line_has "Mar 2021" "100 %"
    if [ "$1" -ge 110 ]; then
        check "$1x$2: the figures beside the bar, titled" line_has "Jan 2021" "won 1 · lost 2 · win rate 33 %"
    fi
    check "$1x$2: no raw column name" no_line "win_rate"
    check "$1x$2: no fraction" no_line "0.33"
    check "$1x$2: no month as a day" no_line "2021-01-01 "
    check "$1x$2: the sparkline: February, with no deal closed, is blank between January and March" \
        wait_for "win rate by month, Jan 2021 → Mar 2021: ▃ █"

    keys l
    check "$1x$2: the tickets by product report" wait_for "[Tickets by product]"
    # (the end first: the win rate's window ends in 2021, before this one begins)
    prompt "to 2031-02-03"
    prompt "from 2031-01-06"
    check "$1x$2: its rows" wait_for "report Tickets by product, from 2031-01-06, before 2031-02-03: 3 rows"
    check "$1x$2: weeks in words" line_has "6 Jan 2031" "Words product"
    if [ "$1" -ge 110 ]; then
        check "$1x$2: still open, not open_now" line_has "13 Jan 2031" "opened 1 · still open 1 · urgent 0"
    fi
    check "$1x$2: a week with no ticket opened is a count of 0: the lowest bar, not blank" \
        wait_for "opened by week, 6 Jan 2031 → 27 Jan 2031: ██▁█"
    check "$1x$2: no raw column name" no_line "open_now"

    keys l
    check "$1x$2: the response times report" wait_for "[Response times]"
    check "$1x$2: its rows" wait_for "Report Response times · from 2031-01-06, before 2031-02-03"
    check "$1x$2: the bar's heading in words" wait_for "median first response (bar"
    check "$1x$2: an answered week, in hours" line_has "6 Jan 2031" "2 h"
    check "$1x$2: ... the other" line_has "27 Jan 2031" "4 h"
    check "$1x$2: a week not answered has no figure" line_has "13 Jan 2031" "–"
    if [ "$1" -ge 110 ]; then
        check "$1x$2: the figures, titled" \
            line_has "6 Jan 2031" "tickets 1 · median first response 2 h · median resolution –"
    fi
    check "$1x$2: the sparkline: the unanswered week and the week without tickets are blank" \
        wait_for "median first response by week, 6 Jan 2031 → 27 Jan 2031: ▅  █"
    check "$1x$2: no raw column name" no_line "first_response_p50_h"

    keys l
    check "$1x$2: the interests report" wait_for "Report Interests by product"
    prompt "from"
    prompt "to"
    if [ "$1" -ge 110 ]; then
        check "$1x$2: its figures titled" line_has "interests" "from tickets"
        check "$1x$2: ... by hand" line_has "interests" "by hand"
        check "$1x$2: no raw column name" no_line "from_tickets"
    fi
    prompt "quit"
    wait_exit || fail "quit"
    tui_stop
done
done_testing
