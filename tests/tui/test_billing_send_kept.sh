#!/usr/bin/env bash
# E (:send) on a quote asks To on the bottom line, starting with the quote's contact; what is
# typed there is not lost when the document is not sent: an address that is not one is said at
# once (it used to be refused by the database after the PDF was made) and, as after any refusal,
# the line closes and the next E offers what was typed, not the contact again; offline too. The
# mail goes to the address typed (a sendmail of the test's own).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_billing_send_kept.sh path/to/ccrm}
T=$TEST_TMP
ROWS=24

pg_start_demo "$CCRM" 10
chmod 777 "$T"
mkdir -p "$T/spool"
chmod 777 "$T/spool"
cat >"$T/sendmail" <<EOF2
#!/bin/bash
cat >"\$(mktemp "$T/spool/mail.XXXXXX")"
EOF2
chmod 755 "$T/sendmail"
printf '[mail]\nsendmail = %s -t -oi\n' "$T/sendmail" >"$T/ccrm.ini"
chmod 644 "$T/ccrm.ini"

acc=$(q "select min(id) from accounts")
con=$(as sam -c "insert into contacts (account_id, first_name, last_name, email)
    values ($acc, 'Keptia', 'Sender', 'keptia@kunde.example') returning id" | head -1)
qt=$(as sam -c "insert into quotes (account_id, contact_id, title, valid_until, owner)
    values ($acc, $con, 'Keptsend Wartung', current_date + 30, 'sam') returning id" | head -1)
as sam -c "insert into quote_lines (quote_id, description, quantity, unit, unit_price, tax_rate)
    values ($qt, 'Wartungsvertrag', 12, 'month', 99, 19)" >/dev/null || fail "a quote line"
offline() {
    q "alter role sam connection limit 0"
    q "select pg_terminate_backend(pid) from pg_stat_activity where usename = 'sam'" >/dev/null
}
online() { q "alter role sam connection limit -1"; }
on_exit online
bottom_starts() { wait_until -t 10 bash -c "$(declare -f screen tmx bottom); TMUX_SOCK=$TMUX_SOCK ROWS=$ROWS; [[ \"\$(bottom)\" == \"\$1\"* ]]" _ "$1" || { echo "--- bottom: '$(bottom)'" >&2; return 1; }; }

tui_start 80 24 "$CCRM" -c "$T/ccrm.ini" -d "host=$PG_DIR dbname=ccrm user=sam"
check "sales starts" wait_for " online "
prompt "open quote $qt"
check "the quote opens" wait_for "Keptsend Wartung"

# ---- not an address: said at once, the line kept ----
keys E
check "E offers the quote's contact as To" bottom_starts 'send to: "Keptia Sender" <keptia@kunde.example>'
keys C-u
keys -l "Keptia Sender <keptia-at-kunde.example>, boss@kunde.example"
keys Enter
check "an address that is not one is said" wait_for "not sent: To: \"Keptia Sender <keptia-at-kunde.example>\""
check "... the line closed" wait_until bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | tail -1 | grep -q '^send to')"
keys E
check "... and E offers what was typed" \
    bottom_starts "send to: Keptia Sender <keptia-at-kunde.example>, boss@kunde.example"
check "... nothing in the outbox" sql_is "select count(*) from messages where quote_id = $qt" 0
keys C-u
keys -l "keptia@kunde.example, boss@kunde.example"
keys Enter
check "corrected: it goes to the outbox, to both" \
    wait_sql "select to_addr from messages where quote_id = $qt" "keptia@kunde.example, boss@kunde.example"

# ---- offline: E offers what was typed again ----
keys E
check "E again: the contact" bottom_starts 'send to: "Keptia Sender" <keptia@kunde.example>'
keys C-u
keys -l "einkauf@kunde.example"
offline
check "offline" wait_for " offline" 10
keys Enter
check "offline: not sent, and why" wait_for "not connected to the database"
online
check "online again" wait_for "connection restored" 15
keys E
check "E on the quote offers the address typed, not the contact" bottom_starts "send to: einkauf@kunde.example"
keys Enter
check "sent to it" wait_sql "select count(*) from messages where quote_id = $qt and to_addr = 'einkauf@kunde.example'" 1
keys E
check "once sent, E starts from the contact again" bottom_starts 'send to: "Keptia Sender" <keptia@kunde.example>'
keys Escape
keys q q
tui_stop
done_testing
