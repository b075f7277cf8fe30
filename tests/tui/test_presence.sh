#!/usr/bin/env bash
# Same time, different place: two people open the same account and each sees the other there;
# one writes in the account's live chat and the other sees it at once; when one leaves, the
# other sees that too. A partner whose organisation does not share the account sees neither
# the presence nor the chat, in plain psql.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_presence.sh path/to/ccrm}

# every statement logged with its application and virtual transaction id (for xacts)
PG_EXTRA_OPTS="-c log_statement=all -c log_line_prefix=%a:%v:"
pg_start_demo "$CCRM" 60
DB="host=$PG_DIR dbname=ccrm"
# an account the partner's organisation does not share, with a name that searches uniquely
read -r acc_id name <<<"$(psqlc -F ' ' -c "select a.id, a.name from accounts a where not exists
    (select 1 from account_shares s where s.account_id = a.id) and a.name ~ '^[A-Za-z]'
    order by a.id limit 1")"

# xacts SINCE: the clients' transactions (ccrm's application names) in the server's statement
# log after byte SINCE, told apart by their virtual transaction ids. pg_stat_database's count
# would take in autovacuum's, and a backend reports it only every few seconds (10 s when idle)
xacts() {
    tail -c +"$(($1 + 1))" "$PG_DIR/log" | grep -ao '^ccrm[^:]*:[0-9]*/[0-9]*:LOG:  \(statement\|execute\)' |
        cut -d: -f1,2 | sort -u | wc -l
}

open_account() { # SESSION: search the name and open it, waiting for each step to show
    tmx send-keys -t "=$1:" /
    wait_in "$1" "search:" 5 || return 1
    tmx send-keys -t "=$1:" -l "$name"
    tmx send-keys -t "=$1:" Enter
    wait_in "$1" "search \"" 5 || return 1
    tmx send-keys -t "=$1:" Enter
}

tui_start 120 30 "$CCRM" -d "$DB user=sofia" --view accounts
wait_for "(support)" || fail "sofia's client"
client m 120 30 "$CCRM" -d "$DB user=marco" --view accounts
wait_in m "(marketing)" || fail "marco's client"

open_account t
check "sofia opens the account" wait_for "Timeline (" 5
mark=$(stat -c %s "$PG_DIR/log")
open_account m
check "marco opens the same account" wait_in m "Timeline (" 5
check "marco sees sofia there" wait_in m "Also here now: Sofia Lindqvist (support)" 5
check "sofia sees marco arrive, without a key press" wait_for "Also here now: Marco Rossi (marketing)" 5
n=$(xacts "$mark")
check "the statement log counts the clients' transactions (marco's arrival: $n)" test "$n" -gt 0

# two idle clients on one record must stay idle: presence is written once, not on every
# reload (each write wakes the other client, whose reload would wake us again)
mark=$(stat -c %s "$PG_DIR/log")
sleep 2 # a duration measured, not a condition awaited
n=$(xacts "$mark")
check "two idle clients on one account cause no traffic ($n transactions in 2 s)" test "$n" -lt 20

keys t
check "t opens the chat line" wait_for "chat:" 3
keys -l "Customer wants the Pro plan, can you call?"
keys Enter
check "sofia's message is in her chat" wait_for "Customer wants the Pro plan" 5
check "marco sees it at once" wait_in m "sofia (support)" 5
check "marco sees the text" wait_in m "Customer wants the Pro plan" 5
check "the chat message is on the account's record" \
    test "$(psqlc -c "select count(*) from chat_messages c join accounts a on a.id = c.account_id where a.name = '$(sed "s/'/''/g" <<<"$name")'")" = 1

# the partner (paul) may not see this account: not its presence, not its chat
check "partner sees no presence on the unshared account" \
    test "$(psql -X -At "$DB user=paul" -c "select count(*) from presence")" = 0
check "partner sees no chat on the unshared account" \
    test "$(psql -X -At "$DB user=paul" -c "select count(*) from chat_messages")" = 0
check "partner cannot post into it" \
    bash -c "! psql -X -At '$DB user=paul' -c \"insert into chat_messages (entity, entity_id, body) values ('accounts', $acc_id, 'spy')\" 2>/dev/null"
check "nothing was posted" test "$(psqlc -c "select count(*) from chat_messages where body = 'spy'")" = 0

tmx send-keys -t =m: q
check "when marco leaves, sofia sees it" gone_in t "Also here now" 5
keys q
tmx send-keys -t =m: q
done_testing
