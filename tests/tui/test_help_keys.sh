#!/usr/bin/env bash
# The help says what the keys and :filter do (both come from the action table and the
# registry, src/ui/commands.c): the Deals help lists only filters :filter takes (each column is
# its stage: stage= is not the user's there), the Inbox and the Feed, which list lines about
# other records, do not offer n (it made nothing there, silently), and f's example is no
# filter a list may not have (":filter mine status=open" in the Inbox).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_help_keys.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm user=mia"

help_text() { # the whole help, page by page, into $TEST_TMP/help
    local i
    : >"$TEST_TMP/help"
    keys '?'
    wait_for "Keys:" 5 >/dev/null || return 1
    for i in 1 2 3 4 5; do
        screen >>"$TEST_TMP/help"
        keys NPage
        sleep 0.2
    done
    keys Escape
    wait_gone "Keys:" 5
}

tui_start 140 40 "$CCRM" -d "$DB" --view deals
check "the Deals" wait_for "Deals" 15
help_text
filters=$(grep -o 'filters: [^ ].*all' "$TEST_TMP/help" | head -n 1)
check "the Deals help lists its filters ($filters)" test -n "$filters"
check "... not stage=, which :filter refuses in the Pipeline" bash -c "! grep -q 'stage=' <<<'$filters'"
check "... no f example with a filter of another list" bash -c "! grep -q 'mine status=open' '$TEST_TMP/help'"
# every NAME=… the help lists is a filter :filter takes here
for f in $(grep -o '[a-z_]*=…' <<<"$filters" | sed 's/=…//'); do
    prompt "filter $f=x"
    sleep 0.3
    check "Deals: :filter $f= is a filter (the help lists it)" bash -c "! tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -q 'unknown filter'"
    prompt "filter all"
done
tui_stop

for view in inbox feed; do
    tui_start 140 40 "$CCRM" -d "$DB" --view $view
    check "$view: first paint" wait_for " online " 15
    help_text
    check "$view: the help offers no n" bash -c "! grep -qE '^ *n {3,}' '$TEST_TMP/help'"
    check "$view: ... nor its 'new record of this list'" bash -c "! grep -q 'new record of this list' '$TEST_TMP/help'"
    check "$view: no f example with filters the list lacks" bash -c "! grep -q 'mine status=open' '$TEST_TMP/help'"
    tui_stop
done
# a list of records still offers n
tui_start 140 40 "$CCRM" -d "$DB" --view accounts
check "accounts: first paint" wait_for " online " 15
help_text
check "Accounts: the help offers n" grep -q 'new record of this list' "$TEST_TMP/help"
keys n
check "... and n opens a new account's form" wait_for "New account" 5
tui_stop
done_testing
