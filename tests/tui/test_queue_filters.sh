#!/usr/bin/env bash
# The queue's filters (issue 14, item 7): several values (status=open,pending), negation
# (status!=closed), unassigned (assignee=none), a value with blanks in quotes
# (source="trade show"), and an unknown value refused with the valid ones listed; a filter given
# twice (mine is assignee=LOGIN) is refused in either order, and a quote left open. Five tickets
# with a word of their own, searched, filtered through `:filter`, compared with what they are.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_queue_filters.sh path/to/ccrm}

pg_start_demo "$CCRM" 100
psqlc -c "insert into tickets (subject, status, assignee) values
            ('Qfmark alpha', 'open', NULL), ('Qfmark bravo', 'pending', 'sofia'),
            ('Qfmark charlie', 'closed', 'zoe'), ('Qfmark delta', 'new', 'zoe'),
            ('Qfmark echo', 'solved', NULL)" >/dev/null
# (routing may have assigned the new ones: unassigned is what the test says)
psqlc -c "update tickets set assignee = NULL where subject in ('Qfmark alpha', 'Qfmark echo')"
# shows WORDS...: exactly these of the five are in the list
shows() { marks_shown Qfmark "alpha bravo charlie delta echo" "$@"; }
filter_shows() { filter_marks Qfmark "alpha bravo charlie delta echo" "$@"; }

tui_start 140 30 "$CCRM" -d "$PG_CONN user=sofia" --view tickets
wait_for "Tickets by" 10 >/dev/null
keys /
keys -l Qfmark
keys Enter
check "the search shows the five tickets" wait_until -t 10 shows alpha bravo charlie delta echo
check "status=open,pending: either" filter_shows "status=open,pending" alpha bravo
check "status!=closed: all but the closed one" filter_shows "status!=closed" alpha bravo delta echo
check "assignee=none: the unassigned ones" filter_shows "assignee=none" alpha echo
check "assignee!=none status!=closed,solved: assigned and not done" \
    filter_shows "assignee!=none status!=closed,solved" bravo delta
check "the filter reads back as typed (f shows it)" wait_for 'assignee!=none' 5
prompt "filter status=bogus"
check "an unknown value is refused, naming the valid ones" line_has "bogus" "new, open, pending, solved, closed"
check "... and the filter is unchanged" wait_until -t 5 shows bravo delta
# mine is assignee=LOGIN: with assignee=none it is the same filter twice, refused in either
# order (after assignee=none, mine was kept alone, unsaid; before it, it was refused)
prompt "filter assignee=none mine"
check "assignee=none mine: refused, naming what mine is" \
    wait_for "filter assignee given twice: mine is assignee=sofia; give one"
check "... and the filter is unchanged" wait_until -t 5 shows bravo delta
check "all: every one again" filter_shows "all" alpha bravo charlie delta echo
check "... the refusal's line gone" wait_gone "given twice" 10
prompt "filter mine assignee=none"
check "mine assignee=none: refused the same" \
    wait_for "filter assignee given twice: mine is assignee=sofia; give one"
check "... and the filter is unchanged" wait_until -t 5 shows alpha bravo charlie delta echo
# a quote left open: status="open was taken as status=open, unsaid
filter_shows "status=pending" bravo
keys f
wait_for "filter: status=pending" 5 >/dev/null
keys -l 'status="open'
keys Enter
check "f status=\"open: the quote not closed is refused" \
    wait_for 'a quote is not closed in status="open: a value with blanks goes between two'
check "... and the filter is unchanged" wait_until -t 5 shows bravo
check "all: every one again" filter_shows "all" alpha bravo charlie delta echo
keys q
tui_stop

# the queue's orders and columns: by priority (urgent first, the oldest first within one), by
# age (the oldest first); who asked and how long ago
for p in alpha:low bravo:urgent charlie:normal delta:high echo:normal; do
    psqlc -c "update tickets set priority = '${p#*:}' where subject = 'Qfmark ${p%%:*}'"
done
read -r cid cname <<<"$(psqlc -F ' ' -c "select id, first_name || ' ' || last_name from contacts
                                         where first_name is not null and last_name is not null
                                         order by id limit 1")"
psqlc -c "update tickets set contact_id = $cid where subject = 'Qfmark alpha'"
# (the stamps are the database's: set behind its triggers, as an old ticket has it)
psqlc -c "set session_replication_role = replica;
          update tickets set created_at = now() - interval '3 days 2 hours'
           where subject = 'Qfmark alpha'" >/dev/null
order() { screen | sed -n '3,$p' | head -n -2 | grep -o 'Qfmark [a-z]*' | cut -d' ' -f2 | tr '\n' ' '; }
order_is() { [ "$(order)" = "$1" ]; }
tui_start 160 30 "$CCRM" -d "$PG_CONN user=sofia" --view tickets
wait_for "Tickets by" 10 >/dev/null
keys /
keys -l Qfmark
keys Enter
wait_until -t 10 shows alpha bravo charlie delta echo || fail "the five tickets"
prompt "sort priority"
check "sort priority: urgent, high, normal (oldest first), low" \
    wait_until -t 10 order_is "bravo delta charlie echo alpha "
prompt "sort age"
check "sort age: the oldest first" wait_until -t 10 order_is "alpha bravo charlie delta echo "
check "the Requester and Age columns" line_has "Requester" "Age"
check "a ticket's requester (the contact) and age" line_has "Qfmark alpha" "$cname"
check "... 3d old" line_has "Qfmark alpha" " 3d "
keys q
tui_stop

# a value with blanks, quoted (leads' source)
psqlc -c "insert into leads (first_name, last_name, email, source) values
            ('Qfmark', 'Tradeshow', 'qf1@example.org', 'trade show'),
            ('Qfmark', 'Tradeonly', 'qf2@example.org', 'trade')" >/dev/null
tui_start 140 30 "$CCRM" -d "$PG_CONN user=marco" --view leads
wait_for "Leads by" 10 >/dev/null
keys /
keys -l Qfmark
keys Enter
check "both leads are found" wait_for "Tradeonly" 10
prompt 'filter source="trade show"'
check 'source="trade show": the lead from the trade show' wait_for "Tradeshow" 10
check "... and not the other" wait_gone "Tradeonly" 10
keys q
tui_stop
done_testing
