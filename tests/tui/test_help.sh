#!/usr/bin/env bash
# Every view has help, and ? shows it with the keys of the actions the view can run (the
# action table, src/ui/commands.c): each tab, a record of every kind with a detail view, and a
# form. A view without help text stops the client (src/ui/screen.c), so opening each one here
# also proves that none lacks it.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_help.sh path/to/ccrm}

pg_start_demo "$CCRM" 30
tui_start 120 50 "$CCRM" -d "$PG_CONN" --view feed
check "first paint" wait_for "Feed by newest"

# help_has WHAT TEXT...: ? shows each TEXT (the view's own keys, its actions), any key closes it
help_has() {
    local what=$1 t
    shift
    keys '?'
    wait_for "Keys:" 5 || fail "$what: ? opens the help"
    for t in "$@"; do check "$what: the help says \"$t\"" wait_for "$t" 5; done
    check "$what: the help ends with the global keys and the commands" wait_for ":            command:"
    # (the commands go on under each other: the last ones are on screen too, at 120 columns)
    check "$what: ... the whole list of them, wrapped" wait_for "help quit"
    keys Space
    wait_gone "press any key to close" 5 || fail "$what: a key closes the help"
}

# help_all: every line of the help once, page by page, as the footer numbers them (? opens it,
# a key closes it)
help_all() {
    local seen=0 i page a b t
    keys '?'
    wait_for "Keys:" 5 >/dev/null || return 1
    for i in 1 2 3 4 5 6 7 8 9; do
        page=$(screen)
        if [[ $page =~ \ ([0-9]+)-([0-9]+)\ of\ ([0-9]+)\  ]]; then
            a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]} t=${BASH_REMATCH[3]}
            awk -v a="$a" -v b="$b" -v seen="$seen" \
                '/Keys:/ { n = a; next } n && n <= b { if (n > seen) print; n++ }' <<<"$page"
            seen=$b
            [ "$b" -ge "$t" ] && break
            keys NPage
            wait_gone " $a-$b of $t " 5 >/dev/null || break
        else
            awk '/Keys:/ { on = 1; next } /press any key to close/ { on = 0 } on' <<<"$page"
            break
        fi
    done
    keys Space
    wait_gone "Keys:" 5 >/dev/null
}
# key_lines FILE KEY: the lines of the help in FILE whose key column is KEY
key_lines() { grep -cE "^ +$2 {3,}[^ ]" "$1"; }

help_has "Feed" "j, k, ↑ ↓" "search the event summaries" "filter the list (:filter"
keys 2
help_has "Leads" "search name, company and e-mail" "convert the lead" "new record of this list"
keys 3
help_has "Accounts" "sort orders: name, updated, industry" "edit the selected record (:edit)"
keys 4
help_has "Contacts" "filters: mine, owner=…, all" "comment (@login tells that person)"
keys 5
help_has "Deals (the pipeline)" "previous / next stage column" "edit the selected record"
keys 6
help_has "Tickets" "search subject, account and requester" "sales signal: a lead for"
# what f takes is said with f, not under Enter (and s's sort orders with s)
help_all >"$TEST_TMP/help"
check "Tickets: the filters' values are right under f" \
    bash -c "grep -A1 -E '^ +f {3,}filter the list' '$TEST_TMP/help' | tail -n 1 | grep -qF 'filters: mine, status=…'"
check "... the sort orders right under s" \
    bash -c "grep -A1 -E '^ +s {3,}next sort order' '$TEST_TMP/help' | tail -n 1 | grep -qF 'sort orders: updated'"
check "... and not under Enter: said once" test "$(grep -c 'filters: ' "$TEST_TMP/help")" = 1
check "... Enter said once (the list's: open the ticket)" test "$(key_lines "$TEST_TMP/help" Enter)" = 1
check "... :open #N: record N of the kind shown" grep -qE '^ +:open #N {3,}record N of the kind shown' "$TEST_TMP/help"
keys 7
help_has "Campaigns" "search campaign names" "hand off to a person or department"
keys 8
help_has "Inbox" "open the record the inbox entry is about"
keys 9
help_has "Dashboard" "move through the listed records"

# a record of every kind with a detail view: its own keys and its actions
for view in leads accounts contacts tickets campaigns; do
    prompt "view $view"
    wait_for "${view^} by" 5 || fail "view $view"
    keys Enter
    wait_for "Enter open" 5 || fail "a $view record opens"
    help_has "a record of $view" "through the lines" "history: who changed what"
    # its own Enter, q and Esc only: the global ones said them again, differently
    help_all >"$TEST_TMP/help"
    check "a record of $view: Enter is said once" test "$(key_lines "$TEST_TMP/help" Enter)" = 1
    check "... q and Esc once, together" \
        test "$(key_lines "$TEST_TMP/help" 'q, Esc')/$(key_lines "$TEST_TMP/help" q)/$(key_lines "$TEST_TMP/help" Esc)" = 1/0/0
    if [ "$view" = tickets ]; then
        check "... a ticket's mails: z and the conversation" \
            bash -c "grep -qE '^ +z {3,}a mail.s quoted text' '$TEST_TMP/help' && grep -qF 'Conversation' '$TEST_TMP/help'"
    fi
    keys q
    wait_gone "Enter open" 5 || fail "back to $view"
done
# the views opened by a command over the tab: Tasks, Rules, Absences, and the text of :agenda
prompt "tasks"
wait_for "Tasks by due" 5 || fail ":tasks"
help_has "Tasks" "open the record the task is on" "mark the task or meeting done" "filters: mine, person=…, team, open"
keys q
prompt "rules"
wait_for "Rules by department" 5 || fail ":rules"
help_has "Rules" "edit the rule" "new record of this list"
keys q
prompt "absences"
wait_for "Absences by latest" 5 || fail ":absences"
help_has "Absences" "edit the absence" "filters: mine, person=…, current, coming"
keys q
# the service levels: their lists, and the detail of a policy and of a calendar
prompt "sla"
wait_for "SLA policies by position" 5 || fail ":sla"
help_has "SLA policies" "open the SLA policy" "new record of this list"
keys Enter
wait_for "Enter open" 5 || fail "a policy opens"
help_has "an SLA policy" "through the lines" "history: who changed what"
keys q q
prompt "calendars"
wait_for "Calendars by name" 5 || fail ":calendars"
help_has "Calendars" "open the calendar" "new record of this list"
keys Enter
wait_for "Enter open" 5 || fail "a calendar opens"
help_has "a calendar" "through the lines" "history: who changed what"
keys q q
prompt "agenda"
wait_for "Agenda, 7 days" 5 || fail ":agenda"
help_has "Agenda" "scroll"
help_all >"$TEST_TMP/help"
check "Agenda: no Enter (it selects nothing to open)" test "$(key_lines "$TEST_TMP/help" Enter)" = 0
keys q
# the back office's tabs, a record of each, and a document's text (docs/billing.md)
prompt "view quotes"
wait_for "Quotes by" 5 || fail "view quotes"
help_has "Quotes" "search title and account" "a new revision of the sent quote"
keys Enter
wait_for "Enter open" 5 || fail "a quote opens"
help_has "a quote" "add a line to the draft quote" "write the document as PDF"
prompt "print text"
check ":print text shows the quote" wait_for "Total " 5
help_has "a document's text" "scroll"
keys q q
prompt "view invoices"
wait_for "Invoices by" 5 || fail "view invoices"
help_has "Invoices" "search number, buyer and account" "filters: mine, status=…, owner=…, overdue"
keys Enter
wait_for "Enter open" 5 || fail "an invoice opens"
help_has "an invoice" "record a payment received" "draft a credit note"
# only what applies to an invoice: no mails to unfold, no conversation; its own sections
help_all >"$TEST_TMP/help"
check "an invoice: its help has no z (no mails)" test "$(key_lines "$TEST_TMP/help" z)" = 0
check "... nor a conversation" eval "! grep -qiE 'conversation|a mail: z' '$TEST_TMP/help'"
check "... ] [ go to its own sections" grep -qF "next, previous section: Related · Lines · Payments" "$TEST_TMP/help"
keys q
prompt "view products"
wait_for "Products by" 5 || fail "view products"
help_has "Products" "search SKU and name"
keys Enter
wait_for "product #" 5 || fail "a product opens"
help_has "a product" "edit the selected record"
keys q
prompt "view deals"
keys Enter
check "a deal opens from the pipeline" wait_for "deal #" 5
help_has "a deal" "write in the record's live chat" "log a call, e-mail"
# a form: it takes text (? is typed into it): F1 shows its help
keys e
check "e opens the deal's form" wait_for "Edit deal #" 5
keys F1
check "F1 shows the form's help" wait_for "next / previous field" 5
check "...and not the keys of lists, which are typed text in a form" \
    bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qE 'next / previous view|go to view by number|command:')"
keys Escape
wait_gone "next / previous field" 5 || fail "a key closes the form's help"
keys Escape
wait_gone "Edit deal #" 5 || fail "the form closes"
keys q
check "q: back from the deal" wait_gone "deal #" 5

# a help taller than the screen scrolls: j, k, PgDn, PgUp move it, any other key closes it
tmx resize-window -t =t: -x 80 -y 24
keys 2
check "at 80x24: the Leads" wait_for "Leads by" 5
keys '?'
check "the help says which of its lines are shown" wait_for "1-19 of" 5
check "... and that j k PgDn PgUp Space show more" wait_for "PgDn PgUp Space: more, other keys close" 5
check "the commands at its end are not on screen yet" wait_gone "help quit" 5
total=$(screen | grep -o '[0-9]*-[0-9]* of [0-9]*' | head -1 | awk '{ print $3 }')
keys NPage
# pages do not overlap: 1-19, 20-38, ..., the last one shorter
check "PgDn: the next page starts after the last line shown (20-38 of $total)" wait_for "20-38 of $total" 5
keys NPage NPage NPage
check "PgDn scrolls to the end: the last commands" wait_for "help quit" 5
last=$(((total - 1) / 19 * 19))
check "... its last page: $((last + 1))-$total of $total" wait_for "$((last + 1))-$total of $total" 5
keys k
end=$((last + 19 < total + 1 ? last + 18 : total))
check "k goes back a line ($last-$end of $total)" wait_for "$last-$end of $total" 5
keys PPage PPage PPage
check "PgUp back to the top" wait_for "1-19 of" 5
keys j
check "j goes on a line" wait_for "2-20 of" 5
keys Space
check "Space pages on, as in the views (21-39)" wait_for "21-39 of $total" 5
keys b
check "b pages back (2-20)" wait_for "2-20 of" 5
keys PPage
for ((i = 0; i < last / 19; i++)); do keys Space; done
check "Space to the last page: the help stays open ($((last + 1))-$total)" wait_for "$((last + 1))-$total of $total" 5
keys Space
check "Space on the last page closes it (as more(1) does)" wait_gone "Space: more" 5
keys '?'
check "the help again" wait_for "1-19 of" 5
keys q
check "q closes the help (the list stays)" wait_gone "PgDn PgUp Space: more" 5
check "... and the client runs on" wait_for "Leads by" 5
# :open with several matches and none by its exact name: the list to choose from, not the first
prompt "open an"
check ":open an: several accounts match, the list shows them" wait_for "accounts match \"an\": choose one (Enter opens it)" 5
check "... the Accounts list, searching them" wait_for 'search "an"' 5
keys Escape
keys 2
wait_for "Leads by" 5 >/dev/null
# a record's own keys on a list: said where they work, not silently nothing
keys H
check "H on a list: open the record first" wait_for "H history: open the record first (Enter)" 5
keys q
wait_exit || fail "quits"

# a partner's help offers what a partner may do: no new account, no assigning
tui_start 120 50 "$CCRM" -d "$PG_CONN user=paul" --view accounts
check "the partner's Accounts" wait_for "Accounts by" 10
keys '?'
check "its help opens" wait_for "Keys: Accounts" 5
check "... without n (a partner adds no accounts), a or h" \
    bash -c "! ($(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | grep -E '^ +(n|a|h) {3,}')"
keys q
keys n
check "n says why instead of opening a form that can only refuse" \
    wait_for "n (:new) is not available to your role" 5
keys a
check "a says so too" wait_for "a assign is not available to your role" 5
done_testing
