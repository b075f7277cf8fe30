#!/usr/bin/env bash
# :open by number (src/ui/commands.c, cmd_open_number in src/cmd/parse.c): customers quote a
# ticket's number ("[#3224]" in a mail's subject). `:open N`, `:open #N`, `:open [#N]` open
# record N of the kind the view shows (a ticket in Tickets, a deal in the Pipeline, an invoice
# in Invoices, on a detail the kind shown; where the view shows no kind, a ticket), `:open
# KIND N` any kind by what people call it, `:open #L45` a lead (its mails' tag). A record that
# does not exist, was deleted or is hidden from the user is said the same way (a partner
# learns nothing of others' records). `:open NAME` still opens an account; Tab offers the
# kinds; ? says it. At 80x24 (support's laptop) and 140x40 (the partner's).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_open_number.sh path/to/ccrm}
ROWS=24 # the screen's height, for bottom and wait_bottom

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

tui_start 80 24 "$CCRM" -d "$DB user=sofia" --view tickets
check "sofia's Tickets at 80x24" wait_for "Tickets by" 15

# ---- a bare number: of the kind the view shows ----
prompt "open $T"
check ":open $T in Tickets opens ticket #$T" wait_for "ticket #$T ·" 5
keys q
wait_for "Tickets by" 5 >/dev/null
prompt "open #$T2"
check ":open #$T2 (as the mails quote it) opens ticket #$T2" wait_for "ticket #$T2 ·" 5
# on a detail: the kind shown
prompt "open $T"
check "on a ticket's detail, :open $T opens that ticket" wait_for "ticket #$T ·" 5
keys q q
wait_for "Tickets by" 5 >/dev/null
prompt "open [#$T]"
check ":open [#$T] (the tag pasted from a subject) opens it" wait_for "ticket #$T ·" 5
keys q
wait_for "Tickets by" 5 >/dev/null

# ---- a kind, as users say it ----
prompt "open ticket $T2"
check ":open ticket $T2" wait_for "ticket #$T2 ·" 5
keys q
prompt "open Deals #$D"
check ":open Deals #$D (a plural, another letter case) opens the deal" wait_for "deal #$D ·" 5
prompt "open #$D2"
check "... and on the deal, :open #$D2 opens deal #$D2" wait_for "deal #$D2 ·" 5
keys q q
prompt "open invoice $I"
check ":open invoice $I" wait_for "invoice #$I ·" 5
keys q
prompt "open #L$L"
check ":open #L$L (a lead's tag) opens the lead" wait_for "lead #$L ·" 5
keys q
wait_for "Tickets by" 5 >/dev/null

# ---- the view's kind: the Pipeline's deals, the Invoices' invoices; the Feed's a ticket ----
prompt "view deals"
wait_for "Pipeline ·" 5 >/dev/null
prompt "open $D"
check "in the Pipeline, :open $D opens deal #$D" wait_for "deal #$D ·" 5
keys q
prompt "view invoices"
wait_for "Invoices by" 5 >/dev/null
prompt "open $I"
check "in Invoices, :open $I opens invoice #$I" wait_for "invoice #$I ·" 5
keys q
prompt "view feed"
wait_for "Feed by" 5 >/dev/null
prompt "open $T"
check "in the Feed (no kind of its own), :open $T opens ticket #$T" wait_for "ticket #$T ·" 5
keys q
prompt "view tickets"
wait_for "Tickets by" 5 >/dev/null

# ---- not there: deleted or never was, said alike ----
prompt "open $GONE"
check "a deleted ticket: said so, nothing opened" \
    wait_for "no ticket #$GONE (it was deleted or is no longer visible to you)" 5
check "... the list stays" wait_for "Tickets by" 5
prompt "open ticket $NEVER"
check "a number no ticket ever had: the same words" \
    wait_for "no ticket #$NEVER (it was deleted or is no longer visible to you)" 5
prompt "open $((T + 200000))"
check "a number that is no ticket but an account's name opens that account" \
    wait_for "account #$DIGITS" 5
keys q
wait_for "Tickets by" 5 >/dev/null
prompt "open ticket #x"
check "a number that is none: said, with an example" \
    wait_for 'open: expected a number, not "#x" (:open #3221, :open ticket 3221)' 5

# ---- :open NAME still opens an account; Tab offers the kinds ----
name=$(q "select name from accounts a where (select count(*) from accounts b where b.name ilike a.name || '%') = 1 and name ~ '^[A-Za-z][A-Za-z ]+$' order by id limit 1")
prompt "open $name"
check ":open NAME opens the account" wait_for "account #" 5
keys q
wait_for "Tickets by" 5 >/dev/null
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
for i in 1 2 3 4; do screen | grep -qF ":open #N" && break; keys NPage; sleep 0.3; done
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
prompt "open $SEEN"
check "the partner opens a ticket shared with them" wait_for "ticket #$SEEN ·" 5
keys q
prompt "open ticket $HIDDEN"
check "one not shared: the words of a ticket that never was" \
    wait_for "no ticket #$HIDDEN (it was deleted or is no longer visible to you)" 5
check "... and no view of it" eval "! screen | grep -qF 'ticket #$HIDDEN ·'"
prompt "open ticket $NEVER"
check "... the same as for a number no ticket had" \
    wait_for "no ticket #$NEVER (it was deleted or is no longer visible to you)" 5
keys q
wait_exit || fail "quits"
done_testing
