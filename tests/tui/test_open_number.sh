#!/usr/bin/env bash
# :open by number (src/ui/commands.c, cmd_open_number in src/cmd/parse.c): customers quote a
# ticket's number ("[#3224]" in a mail's subject). `:open N`, `:open #N`, `:open [#N]` open
# record N of the kind the view shows (a ticket in Tickets, a deal in the Pipeline, an invoice
# in Invoices, on a detail the kind shown; where the view shows no kind, a ticket), `:open
# KIND N` any kind by what people call it, `:open #L45` a lead (its mails' tag). A record that
# does not exist, was deleted or is hidden from the user is said the same way (a partner
# learns nothing of others' records). `:open NAME` still opens an account; Tab offers the
# kinds; ? says it. A number no record can have (0, negative, too long) is said to be missing
# like any other; one that is no number says so. The record is read in full once, by its view.
# At 80x24 (support's laptop) and 140x40 (the partner's).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_open_number.sh path/to/ccrm}
ROWS=24 # the screen's height, for bottom and wait_bottom

# every statement logged: how often a ticket's detail is read (heads)
PG_EXTRA_OPTS="-c log_statement=all"
pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
T=$(q "select max(id) from tickets")
T2=$(q "select min(id) from tickets")
D=$(q "select min(id) from opportunities")
D2=$(q "select max(id) from opportunities")
I=$(q "select min(id) from invoices")
L=$(q "select min(id) from leads")
GONE=$(as sofia -c "insert into tickets (subject) values ('Open by number, soon deleted') returning id" | head -n 1)
q "delete from tickets where id = $GONE" >/dev/null
NEVER=$((T + 100000))
# an account whose name is a number no ticket has
DIGITS=$(as sam -c "insert into accounts (name) values ('$((T + 200000))') returning id" | head -n 1)
check "the demo has a ticket, a deal, an invoice and a lead ($T $D $I $L)" \
    test -n "$T" -a -n "$D" -a -n "$I" -a -n "$L"

GONE_SAID="(it was deleted or is no longer visible to you)"

# opens WHAT ARG TEXT: `:open ARG` shows TEXT (the view's heading, or the message line), checked
# as WHAT. The prompt takes the bottom line first, so an earlier message cannot pass for this one.
opens() {
    keys :
    wait_bottom '^:' >/dev/null || fail "the prompt does not open"
    keys -l "open $2"
    keys Enter
    check "$1" wait_for "$3" 5
}
# missing WHAT ARG KIND N: `:open ARG` says there is no KIND #N, as for any record not there
missing() { opens "$1" "$2" "no $3 #$4 $GONE_SAID"; }
# back TEXT [Q...]: close the views opened (one q each: "q q" for two), until TEXT shows
back() {
    local text=$1
    shift
    keys "${@:-q}"
    wait_for "$text" 5 >/dev/null
}
# heads SINCE: the ticket detail's own row read (its head query) in the log after byte SINCE
heads() { tail -c +"$(($1 + 1))" "$PG_DIR/log" | grep -ac 'ccrm_ticket_sla(k.id) AS sla'; }
mark() { stat -c %s "$PG_DIR/log"; }

tui_start 80 24 "$CCRM" -d "$DB user=sofia" --view tickets
check "sofia's Tickets at 80x24" wait_for "Tickets by" 15

# ---- a bare number: of the kind the view shows ----
since=$(mark)
opens ":open $T in Tickets opens ticket #$T" "$T" "ticket #$T ·"
n=$(heads "$since")
check "... its detail read once, by the view (read $n times)" test "$n" = 1
back "Tickets by"
opens ":open #$T2 (as the mails quote it) opens ticket #$T2" "#$T2" "ticket #$T2 ·"
# on a detail: the kind shown
opens "on a ticket's detail, :open $T opens that ticket" "$T" "ticket #$T ·"
back "Tickets by" q q
opens ":open [#$T] (the tag pasted from a subject) opens it" "[#$T]" "ticket #$T ·"
back "Tickets by"

# ---- a kind, as users say it ----
opens ":open ticket $T2" "ticket $T2" "ticket #$T2 ·"
back "Tickets by"
opens ":open Deals #$D (a plural, another letter case) opens the deal" "Deals #$D" "deal #$D ·"
opens "... and on the deal, :open #$D2 opens deal #$D2" "#$D2" "deal #$D2 ·"
back "Tickets by" q q
opens ":open invoice $I" "invoice $I" "invoice #$I ·"
back "Tickets by"
opens ":open #L$L (a lead's tag) opens the lead" "#L$L" "lead #$L ·"
back "Tickets by"

# ---- the view's kind: the Pipeline's deals, the Invoices' invoices; the Feed's a ticket ----
prompt "view deals"
wait_for "Pipeline ·" 5 >/dev/null
opens "in the Pipeline, :open $D opens deal #$D" "$D" "deal #$D ·"
back "Pipeline ·"
prompt "view invoices"
wait_for "Invoices by" 5 >/dev/null
opens "in Invoices, :open $I opens invoice #$I" "$I" "invoice #$I ·"
back "Invoices by"
prompt "view feed"
wait_for "Feed by" 5 >/dev/null
opens "in the Feed (no kind of its own), :open $T opens ticket #$T" "$T" "ticket #$T ·"
back "Feed by"
prompt "view tickets"
wait_for "Tickets by" 5 >/dev/null

# ---- not there: deleted or never was, said alike ----
since=$(mark)
missing "a deleted ticket: said so, nothing opened" "$GONE" ticket "$GONE"
check "... the list stays" wait_for "Tickets by" 5
n=$(heads "$since")
check "... and its detail not read (read $n times)" test "$n" = 0
missing "a number no ticket ever had: the same words" "ticket $NEVER" ticket "$NEVER"
opens "a number that is no ticket but an account's name opens that account" \
    "$((T + 200000))" "account #$DIGITS"
back "Tickets by"
# numbers no record can have: the same words, not "no number", no SQL error
missing ":open ticket 0: the same words" "ticket 0" ticket 0
missing ":open #0" "#0" ticket 0
missing ":open ticket -5" "ticket -5" ticket -5
missing ":open lead #L0" "lead #L0" lead 0
missing ":open ticket 99999999999999999999 (past a bigint)" \
    "ticket 99999999999999999999" ticket 99999999999999999999
missing ":open [#99999999999999999999]" "[#99999999999999999999]" ticket 99999999999999999999
opens "a number that is none: said, with an example" "ticket #x" \
    'open: expected a number, not "#x" (:open #3221, :open ticket 3221)'
opens "... a sign alone too" "#-" 'open: expected a number, not "#-"'
check "... and the list stays" wait_for "Tickets by" 5

# ---- :open NAME still opens an account; Tab offers the kinds ----
name=$(q "select name from accounts a where (select count(*) from accounts b where b.name ilike a.name || '%') = 1 and name ~ '^[A-Za-z][A-Za-z ]+$' order by id limit 1")
opens ":open NAME opens the account" "$name" "account #"
back "Tickets by"
if [ -z "$(q "select 1 from accounts where name ilike 'tic%' limit 1")" ]; then
    keys : "open tic" Tab
    check "Tab after :open completes a kind" wait_bottom '^:open ticket *$'
    keys Escape
else
    ok "# SKIP kind completion: an account starts with tic"
fi
keys : "open sla p" Tab
check "... one of two words too (SLA policy)" wait_bottom '^:open SLA polic'
keys Escape

# ---- ? says it ----
keys '?'
wait_for "Keys: Tickets" 5 >/dev/null
key_until ":open #N" NPage 4
check "the help says :open #N opens record N of the kind shown" wait_for ":open #N     record N of the kind shown" 5
keys Escape
keys q
wait_exit || fail "quits"
tui_stop

# ---- a partner: a ticket not shared with them reads as one that does not exist ----
A=$(as sofia -c "insert into accounts (name) values ('Open Number Shared') returning id" | head -n 1)
"$CCRM" -d "$PG_CONN" --share "$A" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "share"
SEEN=$(as sofia -c "insert into tickets (subject, account_id) values ('Shared with the partner', $A) returning id" | head -n 1)
HIDDEN=$(as sofia -c "insert into tickets (subject) values ('Not shared with the partner') returning id" | head -n 1)
check "paul sees ticket #$SEEN, not #$HIDDEN" \
    test "$(as paul -c "select string_agg(id::text, ' ') from tickets where id in ($SEEN, $HIDDEN)")" = "$SEEN"
tui_start 140 40 "$CCRM" -d "$DB user=paul" --view tickets
ROWS=40
check "paul's Tickets at 140x40" wait_for "Tickets by" 15
opens "the partner opens a ticket shared with them" "$SEEN" "ticket #$SEEN ·"
back "Tickets by"
missing "one not shared: the words of a ticket that never was" "ticket $HIDDEN" ticket "$HIDDEN"
check "... and no view of it" eval "! screen | grep -qF 'ticket #$HIDDEN ·'"
check "... nor presence on it" test -z "$(q "select 1 from presence where entity = 'tickets' and entity_id = $HIDDEN")"
missing "... the same as for a number no ticket had" "ticket $NEVER" ticket "$NEVER"
missing "... or one none can have" "ticket 0" ticket 0
keys q
wait_exit || fail "quits"
done_testing
