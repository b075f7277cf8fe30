#!/usr/bin/env bash
# Keys a partner may not use are not offered to one: not in a record's hint, not in the `?`
# help (nor their commands in its list of commands), and typed anyway they are refused at once,
# before any question is asked. The database decides what a partner may do (docs/security.md
# §3): a partner does not send sales signals, convert leads, record interests, answer by mail,
# read the history (the audit trail) or mark tasks done; he logs calls and chats on shared
# records. An internal user is still offered every one of these keys, and they work.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_partner_keys.sh path/to/ccrm}

pg_start_demo "$CCRM" 200
DB="host=$PG_DIR dbname=ccrm"
ROWS=45

# a shared ticket of a person (S, i act on its person), a shared lead not yet converted (C)
ticket=$(as paul -c "select min(id) from tickets where contact_id is not null")
lead=$(as paul -c "select min(id) from leads where status <> 'converted'")
check "the partner sees a ticket of a person ($ticket) and a lead ($lead)" \
    test -n "$ticket" -a -n "$lead"
check "... and tasks" test "$(as paul -c "select count(*) from tasks")" -gt 0

# the hint under the record: the line that offers Enter
hint() { screen | grep -F "Enter open"; }
# offers KEYWORDS: the hint has them; offers_not KEYWORDS: it has not
offers() { hint | grep -qF -- "$1"; }
offers_not() { hint >/dev/null && ! hint | grep -qF -- "$1"; }
# lists NAME: the `?` help's list of commands has :NAME; lists_not NAME: it has not
commands() { screen | sed -n '/command:/,/Tab completes/p' | tr -s ' ' '\n'; }
lists() { commands | grep -qx -- "$1"; }
lists_not() { commands | grep -qx command: && ! commands | grep -qx -- "$1"; }
# refused KEY WHAT: the key says at once that it is not for the role, and asks nothing (the
# bottom line is that message, not a question)
refused() {
    keys "$1"
    wait_for "$2 is not available to your role" 5 && ! bottom_like ': *$'
}

tui_start 150 $ROWS "$CCRM" -d "$DB user=paul" --view tickets
check "the partner's client starts" wait_for "(partner)"
prompt "open ticket $ticket"
check "the partner opens the shared ticket" wait_for "ticket #$ticket ·" 5
wait_for "Enter open" 5 || fail "the ticket's hint"
check "the partner's ticket hint offers logging a call" offers "l log"
check "... and the chat" offers "t chat"
for k in "S sales signal" "r reply" "i interest" "H history" "c comment" "a assign" "e edit"; do
    check "... but not $k ($(hint))" offers_not "$k"
done
keys '?'
check "? shows the ticket's help" wait_for "Keys: #$ticket"
check "the help offers the chat" wait_for "write in the record's live chat"
for h in "sales signal: a lead" "record an interest" "answer by e-mail" "history: who changed"; do
    check "... not \"$h\"" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF '$h')"
done
check "the help's commands include :open" lists open
for c in reply interest comment assign handoff watch send who rules absences calendars sla duplicates; do
    check "... but not :$c" lists_not "$c"
done
keys Escape
wait_gone "Keys: #$ticket" 5 || fail "the help closes"
# the tester's report: S asked for the note and only then said no
check "S is refused at once, no note asked for" refused S "S sales signal"
check "r is refused at once" refused r "r reply"
check "i is refused at once, no interest asked for" refused i "i interest"
check "H is refused at once" refused H "H history"
check "the ticket is still shown" wait_for "ticket #$ticket ·" 2
prompt "reply"
check ":reply is refused at once" wait_for ":reply is not available to your role" 5
prompt "interest ccrm Pro"
check ":interest is refused at once" wait_for ":interest is not available to your role" 5
# the rules, absences, calendars, SLA policies and who is competent are internal organisation
# (docs/security.md), and a partner has no duplicate review: refused before any view opens
# (the Duplicates view said "scanning…" for ever)
for c in who rules absences calendars sla duplicates; do
    prompt "$c"
    check ":$c is refused at once" wait_for ":$c is not available to your role" 5
done
check "... and no view opened for them" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'scanning')"

prompt "open lead $lead"
check "the partner opens the shared lead" wait_for "lead #$lead ·" 5
wait_for "Enter open" 5 || fail "the lead's hint"
check "the lead's hint offers logging a call" offers "l log"
check "... not converting it ($(hint))" offers_not "C convert"
check "... nor an interest" offers_not "i interest"
check "C is refused at once, no deal name asked for" refused C "C convert"

prompt "tasks all"
check "the partner's tasks" wait_for "Kind    Subject" 5
keys '?'
check "? shows the Tasks help" wait_for "Keys: Tasks"
check "... which does not offer marking a task done" \
    bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'mark the task or meeting done')"
keys Escape
wait_gone "Keys: Tasks" 5 || fail "the help closes"
check "x is refused at once" refused x "x done"
tui_stop

# an internal user: every one of these keys is offered, and works
tui_start 220 $ROWS "$CCRM" -d "$DB user=sofia" --view tickets
wait_for "Tickets by" 10 || fail "sofia's client starts"
prompt "open ticket $ticket"
check "sofia opens the ticket" wait_for "ticket #$ticket ·" 5
wait_for "Enter open" 5 || fail "the ticket's hint"
for k in "S sales signal" "r reply" "i interest" "H history" "c comment" "l log"; do
    check "sofia's ticket hint offers $k" offers "$k"
done
keys '?'
check "her help offers the sales signal" wait_for "sales signal: a lead"
check "... and :reply among the commands" lists reply
keys Escape
wait_gone "Keys: #$ticket" 5 || fail "the help closes"
keys S
check "S asks sofia for the signal's note" wait_for "sales signal note:" 5
keys Escape
check "... Esc cancels it" wait_for "sales signal cancelled" 5
keys i
check "i asks her for the interest" wait_for "interested in (product" 5
keys Escape
wait_gone "interested in (product" 5 || fail "the interest cancelled"
keys H
check "H shows her the history" wait_for "ticket #$ticket, history" 5
keys H
wait_gone "ticket #$ticket, history" 5 || fail "H again: back"
prompt "open lead $lead"
check "sofia opens the lead" wait_for "lead #$lead ·" 5
check "its hint offers converting it" wait_for "C convert" 5
keys C
check "C asks her for the deal's name" wait_for "deal name:" 5
keys Escape
check "... Esc cancels it" wait_for "conversion cancelled" 5
prompt "tasks all"
wait_for "Kind    Subject" 5 || fail "her tasks"
keys '?'
check "her Tasks help offers marking a task done" wait_for "mark the task or meeting done" 5
keys Escape
tui_stop

done_testing
