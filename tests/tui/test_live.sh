#!/usr/bin/env bash
# The headline case of live collaboration (docs/design.md §1): two real clients side by side. Support
# (sofia) logs a ticket for a person; marketing (marco), on the Leads view, sees it at once on
# that person's lead: the lead's "latest from any department" column changes in place and is
# highlighted, a toast names who did what, the Feed tab counts it. The lead and the ticket
# share no contact_id: they belong to the same person by e-mail (docs/design.md §5).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_live.sh path/to/ccrm}

pg_start_demo "$CCRM" 200
# a lead without contact_id whose e-mail (in another letter case) belongs to a contact
read -r lead_id email name <<<"$(psqlc -F ' ' -c "
    select l.id, c.email, l.first_name || ' ' || l.last_name from leads l
      join contacts c on lower(c.email) = lower(l.email)
     where l.contact_id is null order by l.id limit 1")"
[ -n "$lead_id" ] || fail "demo data has a lead matched only by e-mail"
# bring it to the top of marco's list (most recently updated first)
psqlc -c "update leads set score = score where id = $lead_id"

tui_start 140 30 "$CCRM" -d "$PG_CONN user=marco"
check "marketing starts on the Leads view" wait_for "Leads by updated"
check "the lead is on screen" wait_for "$name"
tmx new-session -d -s u -x 140 -y 30 -e LANG=C.UTF-8 -e TERM=tmux-256color -e ASAN_OPTIONS=detect_leaks=0 \
    "$(printf '%q ' "$CCRM" -d "$PG_CONN user=sofia")"
wait_in u "(support)" 15
check "support's client runs beside it" bash -c "tmux -L $TMUX_SOCK capture-pane -t u -p | grep -q '(support)'"

t0=$(date +%s%N)
out=$("$CCRM" -d "$PG_CONN user=sofia" --log ticket --contact "${email^^}" --subject "Wants the Pro plan")
ticket=$(sed -n 's/.*ticket #\([0-9]*\).*/\1/p' <<<"$out")
check "support logged ticket #$ticket" test -n "$ticket"
check "marketing's lead row shows the ticket, by sofia (support)" \
    wait_for "sofia (support) ticket #$ticket: Wants the" 5
t1=$(date +%s%N)
echo "# ticket visible on the lead $(((t1 - t0) / 1000000)) ms after ccrm --log started"
# (the toast stays 4 s: checked before the other client is waited for)
check "a toast names who did what" wait_for "sofia (support): new ticket #$ticket Wants the Pro plan" 5
wait_in u "Wants the Pro plan" 10
check "support's own Tickets view lists the new ticket" bash -c "tmux -L $TMUX_SOCK capture-pane -t u -p | grep -q '#$ticket .*Wants the Pro plan'"
check "the Feed tab counts the new event" wait_for "1 Feed (1)" 5
check "the cursor stayed on the lead" bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | sed -n 3p | grep -qF '$name'"
# a column from another table is live too: the ticket's account renamed by someone else is
# repainted on support's Tickets list (the row itself did not change)
acc=$(psqlc -c "select account_id from tickets where id = $ticket")
psqlc -c "set role sam; update accounts set name = 'Renamed Live GmbH' where id = $acc" >/dev/null
wait_in u "Renamed Live GmbH" 10
check "a renamed account shows on the Tickets list's rows at once" \
    bash -c "tmux -L $TMUX_SOCK capture-pane -t u -p | grep -q '#$ticket .*Renamed Live'"
keys 1
check "the Feed shows the ticket" wait_for "Wants the Pro plan" 5
check "opening the Feed clears its count" wait_gone "Feed (1)" 5
keys q
tmx send-keys -t =u: q
done_testing
