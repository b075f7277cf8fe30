#!/usr/bin/env bash
# A new record whose save loses the connection just as it commits: the answer to the commit
# never arrives, though the record is in. The form keeps the input ("press Ctrl-S again once
# online"), and the second Ctrl-S finds the record saved, instead of inserting it a second
# time (an INSERT in autocommit whose answer was lost was simply sent again: two accounts).
# The other actions that keep what was typed (an assignment, a sales signal, a lead's
# conversion) look the same way before Enter sends them again: said to be saved, not done twice
# (a second note; "already converted" by our own conversion).
# The proxy that drops those answers: tests/lib/lost_proxy.sh. The other writes that must not
# be done twice (an answer by e-mail, a payment, a chat message): test_lost_commit_writes.sh.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_lost_commit.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
. "$(dirname "$0")/../lib/lost_proxy.sh"
proxy_start "INSERT INTO accounts" "INSERT INTO comments" "SELECT ccrm_assign(" \
    "SELECT ccrm_ticket_signal(" "FROM ccrm_convert_lead(" "INSERT INTO accounts"
# sam_start VIEW: a client of sam's through the proxy, on VIEW
sam_start() { tui_start 120 30 "$CCRM" -d "host=127.0.0.1 port=$port dbname=ccrm user=sam" --view "$1"; }
# open_detail VIEW LISTED SEARCH ROW WHAT DETAIL: sam_start VIEW (its list shows LISTED), the
# record that /SEARCH lists (its row shows ROW) opened: check "the WHAT's detail opens" (DETAIL)
open_detail() {
    sam_start "$1"
    wait_for "$2" 15 >/dev/null
    keys /
    keys -l "$3"
    keys Enter
    wait_for "$4" 10 >/dev/null
    keys Enter
    check "the $5's detail opens" wait_for "$6" 10
}
# lost_answer LOST OFFERED IN SQL ROWS [AGAIN SHOWN] DONE SAID ONCE SQL ROWS: the Enter just
# sent ends an action's prompt, and the proxy drops the answer to its commit. LOST, IN, AGAIN,
# DONE and ONCE are the texts of the checks, in this order, that
#   LOST   the prompt is offered again (OFFERED on the screen),
#   IN     ...though the action is in the database (SQL returns ROWS);
#          then the client reconnects, and Enter sends the prompt again:
#   AGAIN  an action of two prompts shows its second again, with its answer (SHOWN), and Enter;
#   DONE   the client finds the action done and says so (SAID),
#   ONCE   ...and did not do it twice (SQL returns ROWS)
lost_answer() {
    check "$1" wait_for "$2" 10
    check "$3" wait_sql "$4" "$5"
    shift 5
    check "the client reconnects" wait_for " online " 15
    keys Enter
    if [ $# = 7 ]; then
        check "$1" wait_for "$2" 5
        keys Enter
        shift 2
    fi
    check "$1" wait_for "$2" 10
    check "$3" sql_is "$4" "$5"
}

# a ticket of a person, and a lead, for the sales signal and the conversion below
acc=$(as sam -c "insert into accounts (name) values ('Lost Signal Werke') returning id")
con=$(as sam -c "insert into contacts (account_id, first_name, last_name, email)
    values ($acc, 'Lena', 'Lostsignal', 'lena@lost-signal.example') returning id")
tid=$(as sofia -c "insert into tickets (subject, contact_id, account_id)
    values ('Lost signal ticket', $con, $acc) returning id")
lead=$(as sam -c "insert into leads (first_name, last_name, company)
    values ('Lars', 'Lostconvert', 'Lost Convert Holding') returning id")

sam_start accounts
check "the client runs through the proxy" wait_for "Accounts by" 15
keys n
check "n opens a new account" wait_for "New account" 5
keys -l "Lost Answer Holding AG"
keys C-s
check "the commit's answer is lost: the form keeps the input and says so" wait_for "not saved" 10
check "...and the record is in the database" \
    wait_sql "select count(*) from accounts where name = 'Lost Answer Holding AG'" 1
check "the client reconnects" wait_for " online " 15
# corrected before the second Ctrl-S: the correction goes onto the record the lost save made
keys -l " & Co. KG"
keys C-s
check "Ctrl-S again: saved" wait_for "saved account #" 10
check "...once: one account of that name, not two" \
    test "$(q "select count(*) from accounts where name like 'Lost Answer Holding AG%'")" = 1
check "...with what was typed after the lost save (not dropped)" \
    test "$(q "select name from accounts where name like 'Lost Answer Holding AG%'")" = "Lost Answer Holding AG & Co. KG"
keys q
tui_stop

# a comment whose answer is lost the same way: Enter retries it, and finds it written
open_detail accounts "Accounts by" "Lost Answer Holding" "Lost Answer Holding AG" account "account #"
keys c
wait_for "internal comment:" 5 >/dev/null
keys -l "Lost comment answer 4711"
keys Enter
lost_answer \
    "the comment's answer is lost: the text is offered to retry" "comment (Enter retries): Lost comment answer 4711" \
    "...and the comment is in the database" "select count(*) from comments where body = 'Lost comment answer 4711'" 1 \
    "Enter: it was written, and says so" "the comment was saved as the connection dropped" \
    "...once: not added again" "select count(*) from comments where body = 'Lost comment answer 4711'" 1

# an assignment: our own landed write is found, not sent again
keys a
wait_for "to (login):" 5 >/dev/null
keys -l sofia
keys Enter
wait_for "note:" 5 >/dev/null
keys -l "Lost assignment 4712"
keys Enter
lost_answer \
    "the assignment's answer is lost: offered again" "to (login): sofia" \
    "...and the account is sofia's, her inbox told" \
    "select count(*) from accounts a join inbox i on i.entity = 'accounts'
        and i.entity_id = a.id and i.login = 'sofia' and i.note = 'Lost assignment 4712'
        where a.name = 'Lost Answer Holding AG & Co. KG' and a.owner = 'sofia'" 1 \
    "Enter: the note again" "note: Lost assignment 4712" \
    "Enter: it was done, and says so" "the assignment was saved as the connection dropped (account #" \
    "...once: sofia was told once" "select count(*) || ' ' || max(i.count)
        from inbox i where i.login = 'sofia' and i.note = 'Lost assignment 4712'" "1 1"
keys q q
tui_stop

# a sales signal: the note not written twice
open_detail tickets "Tickets by" "Lost signal ticket" "Lost signal ticket" ticket "ticket #$tid"
keys S
wait_for "sales signal note:" 5 >/dev/null
keys -l "Lost signal 4713"
keys Enter
lost_answer \
    "the signal's answer is lost: the note is offered to retry" "signal note (Enter retries): Lost signal 4713" \
    "...and the signal's note is in" "select count(*) from interactions where body = 'Lost signal 4713'" 1 \
    "Enter: it was sent, and says so" "the sales signal was saved as the connection dropped (lead #" \
    "...once: one note, not two" "select count(*) from interactions where body = 'Lost signal 4713'" 1
keys q q
tui_stop

# a lead's conversion: Enter finds it done instead of "already converted"
open_detail leads "Leads by" "Lostconvert" "Lostconvert" lead "lead #$lead"
keys C
wait_for "deal name: Lost Convert Holding" 5 >/dev/null
keys Enter
wait_for "amount [currency] (empty: none):" 5 >/dev/null
keys -l 5000
keys Enter
lost_answer \
    "the conversion's answer is lost: offered again" "deal name: Lost Convert Holding" \
    "...and the lead is converted" "select status from leads where id = ${lead:-0}" converted \
    "Enter: the amount again" "amount [currency] (empty: none): 5000" \
    "Enter: it was done, and says so, not \"already converted\"" "the conversion was saved as the connection dropped (account #" \
    "...once: one deal of that name" "select count(*) from opportunities
        where name = 'Lost Convert Holding – new deal'" 1
keys q q
tui_stop

# the client stops (an ssh drop) after such a lost answer, before a second Ctrl-S: the form
# kept as a draft remembers that its record may be in, and the next start's Ctrl-S finds it
sam_start accounts
wait_for "Accounts by" 15 >/dev/null
keys n
wait_for "New account" 5 >/dev/null
keys -l "Lost Then Hangup GmbH"
keys C-s
check "a third lost answer: not saved, the input kept" wait_for "not saved" 10
check "...the record is in" wait_sql "select count(*) from accounts where name = 'Lost Then Hangup GmbH'" 1
kill -HUP "$(pgrep -P "$(tmx display -p -t =t: '#{pane_pid}')" | head -1)"
check "SIGHUP: the client ends, keeping the form" wait_until -t 10 test -s "$TEST_TMP/tui.exit"
tui_stop
sam_start accounts
check "the next start offers the form" wait_for "restored: this form was not saved" 15
keys C-s
check "Ctrl-S finds the record saved as the connection dropped" wait_for "it was saved as the connection dropped" 10
check "...once: one account of that name, not two" \
    test "$(q "select count(*) from accounts where name = 'Lost Then Hangup GmbH'")" = 1
keys q
tui_stop
done_testing
