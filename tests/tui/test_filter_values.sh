#!/usr/bin/env bash
# A filter's value as people type it: a column with a fixed set of values (the Feed's
# department, the Inbox's kind) takes one in any case and refuses another, naming the set; free
# text (an account's industry) and logins (owner, the Feed's actor) match ignoring case and
# accents. Before, `department=Support` or `industry=technology` showed an empty list, unsaid.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_filter_values.sh path/to/ccrm}

pg_start_demo "$CCRM" 100
# (sam's own: the Feed shows him as their actor)
as sam -c "insert into accounts (name, industry, owner) values
     ('Fvmark alpha', 'Technology', 'sam'), ('Fvmark bravo', 'technology', 'sam'),
     ('Fvmark charlie', 'Médias', 'sam'), ('Fvmark delta', NULL, 'sam')" >/dev/null
q "insert into accounts (name, industry, owner) values ('Fvmark echo', 'Retail', 'mia')" >/dev/null
shows() { marks_shown Fvmark "alpha bravo charlie delta echo" "$@"; }
filter_shows() { filter_marks Fvmark "alpha bravo charlie delta echo" "$@"; }

tui_start 140 30 "$CCRM" -d "$PG_CONN user=sam" --view accounts
wait_for "Accounts by" 10 >/dev/null
keys /
keys -l Fvmark
keys Enter
check "the search shows the five accounts" wait_until -t 10 shows alpha bravo charlie delta echo
check "industry=technology: either spelling" filter_shows "industry=technology" alpha bravo
check "industry=MEDIAS: accents and case ignored" filter_shows "industry=MEDIAS" charlie
check "industry!=Technology: the others, one without too" \
    filter_shows "industry!=Technology" charlie delta echo
check "industry=retail,médias: any of them" filter_shows "industry=retail,médias" charlie echo
check "owner=Sam: a login in any case" filter_shows "owner=Sam" alpha bravo charlie delta
check "industry=None: none in any case, the one without" filter_shows "industry=None" delta
prompt "filter industry=technology,none"
check "none in a list is refused (it was taken as the text 'none')" \
    wait_for "filter industry: none stands alone (industry=none, industry!=none)" 5
check "... and the filter stays as it was" wait_until -t 5 shows delta
check "all: every one again" filter_shows "all" alpha bravo charlie delta echo
keys q
tui_stop

# the Feed: department is one of the users' departments, actor a login
tui_start 140 30 "$CCRM" -d "$PG_CONN user=mia" --view feed
wait_for "Feed" 10 >/dev/null
prompt "filter department=helpdesk"
check "an unknown department is refused, naming the valid ones" \
    line_has "helpdesk" "sales, support, marketing, management, billing, partner, admin"
prompt "filter department=SALES actor=Sam"
check "department=SALES actor=Sam: sam's events" line_has "sam" "Fvmark alpha"
check "... and nothing refused" wait_gone "refused" 5
keys q
tui_stop

# the Inbox: kind is one of the inbox's kinds
tui_start 140 30 "$CCRM" -d "$PG_CONN user=sam" --view inbox
wait_for "Inbox" 10 >/dev/null
prompt "filter kind=Mentions"
check "an unknown kind is refused, naming the valid ones" line_has "Mentions" "mention, assignment"
keys q
tui_stop

# a yes/no filter takes true or false: breached=yes showed an empty list, as if none were
tui_start 140 30 "$CCRM" -d "$PG_CONN user=sofia" --view tickets
wait_for "Tickets" 10 >/dev/null
prompt "filter breached=yes"
check "a yes/no filter's other value is refused, naming true and false" line_has "yes" "true, false"
prompt "filter unanswered=no"
check "... unanswered too" line_has "no" "true, false"
keys q
tui_stop
done_testing
