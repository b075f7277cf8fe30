#!/usr/bin/env bash
# A partner in the full-screen client (tmux): the Accounts list shows exactly the accounts
# shared with the partner's organisation (the same as psql shows that partner), a search for
# an unshared account finds nothing, and the Feed shows live events of shared accounts only;
# an account shared or unshared meanwhile comes into or leaves his open list live.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_partner.sh path/to/ccrm}

pg_start_demo "$CCRM" 200
DB="host=$PG_DIR dbname=ccrm"
paul() { psql -X -q -At -v ON_ERROR_STOP=1 "$DB user=paul" -c "$1"; }

mapfile -t shared < <(paul "select left(name, 14) from accounts order by name, id")
check "the partner has shared accounts to show (${#shared[@]})" test "${#shared[@]}" -gt 2
# an unshared account whose first word occurs in no shared account's name or domain
word=$(psqlc -c "select w from (select split_part(name, ' ', 1) w from accounts
                  where id not in (select account_id from account_shares)) x
                  where w ~ '^[A-Za-z]{4,}$'
                    and not exists (select 1 from accounts a join account_shares s on s.account_id = a.id
                                     where a.name ilike '%' || w || '%' or a.domain ilike '%' || w || '%')
                  order by w limit 1")
check "found an unshared account name to search for ($word)" test -n "$word"
unshared=$(psqlc -c "select left(name, 14) from accounts where name like '$word %' order by name limit 1")

tui_start 100 30 "$CCRM" -d "$DB user=paul" --view accounts
check "the partner's client starts, status bar says (partner)" wait_for "(partner)"
check "the first shared account is listed" wait_for "${shared[0]}"
for s in "${shared[@]}"; do
    check "shared account listed: $s" wait_for "$s" 2
done
rows=$(screen | sed -n '3,28p' | grep -c '[^ ]')
check "the list has exactly the ${#shared[@]} shared accounts (rows on screen: $rows)" test "$rows" = "${#shared[@]}"
check "an unshared account is not listed ($unshared)" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF '$unshared')"

keys /
check "/ opens the search line" wait_for "search:"
keys "$word"
check "searching an unshared name empties the list" wait_gone "${shared[0]}"
check "the search has run: nothing matches" wait_for "no records match the search"
check "... and shows no unshared account" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | sed -n '3,28p' | grep -qF '$word ')"
keys Escape
check "Esc brings the shared accounts back" wait_for "${shared[0]}"

# the Feed: live events; one on an unshared account (invisible) and one on a shared account
sh1=$(psqlc -c "select min(account_id) from account_shares")
un1=$(psqlc -c "select min(id) from accounts where id not in (select account_id from account_shares)")
keys 1
check "key 1 opens the Feed" wait_for "Feed by newest"
psql -X -q "$DB user=sam" -c "insert into contacts (account_id, first_name, last_name) values ($un1, 'Hidden', 'Zebrafish')"
psql -X -q "$DB user=sam" -c "insert into contacts (account_id, first_name, last_name) values ($sh1, 'Visible', 'Yakherder')"
check "an event on a shared account appears live" wait_for "Visible Yakherder" 5
check "the event on an unshared account does not" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF 'Zebrafish')"
# bulk events reach a partner only under a shared account (one per account of a statement's
# rows, schema/functions/30_events.sql); none of no account
check "no bulk event of no account reaches the partner" \
    test "$(psql -X -At "$DB user=paul" -c "select count(*) from events where op = 'bulk' and account_id is null")" = 0
check "... and the bulk events it reads are of shared accounts" \
    test "$(psql -X -At "$DB user=paul" -c "select count(*) from events e where op = 'bulk' and not exists (select 1 from account_shares s where s.account_id = e.account_id)")" = 0
# the audit trail is for internal staff: the partner's client says so, no crash, no data
keys g Enter
check "the event opens its (shared) account" wait_for "Timeline (" 5
keys H
check "history is refused to the partner, clearly" wait_for "history is not available to your role" 5
keys q
wait_for "Feed by newest"
keys 7
check "Campaigns are internal: the partner's tab says so, no error" wait_for "not available to your role"
no_internal_tabs() { ! screen | head -n 1 | grep -qE 'Campaig|Produc'; } # (cut: Produc…)
check "... and neither Campaigns nor Products is in the partner's tab bar ($(screen | head -n 1))" \
    no_internal_tabs
keys 5
n_visible=$(psql -X -At "$DB user=paul" -c "select count(*) from opportunities where stage = 'prospecting'")
check "the pipeline counts only the deals the partner may see ($n_visible)" wait_for "prospecting · $n_visible deal"
# a share and an unshare write no event the partner may read: his open list follows them all
# the same (it showed an unshared account until something else woke it)
nn=$(psqlc -c "select left(name, 14) from accounts where id = $un1")
keys 3
check "key 3 opens his Accounts" wait_for "${shared[0]}"
"$CCRM" -d "$PG_CONN" --share "$un1" --partner 'Nordlicht Reseller GmbH' >/dev/null
check "an account shared with him appears in his open list, live ($nn)" wait_for "$nn" 10
"$CCRM" -d "$PG_CONN" --unshare "$un1" --partner 'Nordlicht Reseller GmbH' >/dev/null
check "... and leaves it, live, when unshared" wait_gone "$nn" 10
keys 1
wait_for "Feed by newest"
keys q
check "q quits" wait_exit
tui_stop

done_testing
