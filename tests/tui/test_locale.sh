#!/usr/bin/env bash
# A locale of another character set than UTF-8 (LANG unset, LANG=C, LC_ALL=POSIX: common on
# ssh hosts): the client still reads and writes UTF-8, the database's. Saving a form wrote '?'
# over every non-ASCII character of fields nobody touched; lists showed them as '?', typed
# ones were dropped and the ✉ column's heading was gone. Without any UTF-8 locale installed
# the full-screen client refuses to start (exit 69, as for a terminal it cannot drive) and
# the batch commands still pass the bytes through.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_locale.sh path/to/ccrm}

pg_start_demo "$CCRM" 5
DB="host=$PG_DIR dbname=ccrm"
subject='Café Müller 東京'
body=$'Grüße aus Köln,\nnaïve façade – 日本語'

# one_locale NAME ENV...: the repro in the locale that `env ENV...` makes
one_locale() {
    local name=$1 id before
    shift
    id=$(q "insert into tickets (subject, body, priority, product) values ('$subject', '$body', 'normal', 'Lcl') returning id")
    before=$(q "select md5(subject) || md5(body) from tickets where id = $id")
    tui_start 80 24 env "$@" "$CCRM" -d "$DB user=sofia" --view tickets
    check "$name: the client is up on Tickets" wait_for "Tickets by"
    check "$name: the list's ✉ column is headed ✉" line_has "#" "✉"
    keys /
    keys -l "Müller"
    keys Enter
    check "$name: a search typed with ü finds the ticket" wait_for "#$id"
    check "$name: the list shows its subject as it is" line_has "#$id" "$subject"
    keys e
    check "$name: e opens its form" wait_for "Edit ticket #$id"
    check "$name: the form shows the subject as it is" line_has "Subject" "$subject"
    keys Tab Tab Tab Tab
    check "$name: Tab reaches the priority" line_has "Priority" "‹ normal ›"
    keys Right
    check "$name: → changes it" line_has "Priority" "‹ high ›"
    keys Tab Tab Tab End C-u
    keys -l "Größe 東京 $name"
    check "$name: typed non-ASCII shows in the product field" line_has "Product" "Größe 東京 $name"
    keys C-s
    check "$name: saved" wait_for "saved ticket #$id"
    check "$name: the priority and the typed product are in the database" \
        sql_is "select priority || '|' || product from tickets where id = $id" "high|Größe 東京 $name"
    check "$name: the subject and body nobody touched are byte for byte as they were" \
        sql_is "select md5(subject) || md5(body) from tickets where id = $id" "$before"
    check "$name: the list shows the subject as it is after the save" line_has "#$id" "$subject"
    keys q
    check "$name: the client quits" wait_exit
    check "$name: with status 0" test "$(pane_status)" = 0
    tui_stop
    q "update tickets set subject = 'Done $name' where id = $id" >/dev/null # the next one's search
}

one_locale C LANG=C LC_ALL=C
one_locale unset -u LANG -u LC_ALL -u LC_CTYPE
one_locale posix LC_ALL=POSIX

# ---- no UTF-8 locale installed: /usr/lib/locale hidden in a mount namespace of its own ----
hide='mount -t tmpfs none /usr/lib/locale && exec "$@"'
nolocale() { unshare -m sh -c "$hide" sh env LANG=C LC_ALL=C "$@"; }
if [ "$(nolocale locale -a 2>/dev/null | grep -c '^C$')" != 1 ] ||
    nolocale locale -a 2>/dev/null | grep -qi utf; then
    ok "# SKIP no UTF-8 locale: cannot hide the locales here (needs root and unshare -m)"
    done_testing
    exit
fi
tui_start 80 24 unshare -m sh -c "$hide 2>$TEST_TMP/err" sh env LANG=C LC_ALL=C \
    "$CCRM" -d "$DB user=sofia" --view tickets
check "without a UTF-8 locale the full-screen client refuses to start" wait_exit
check "... with exit 69, as for a terminal it cannot drive" test "$(pane_status)" = 69
check "... saying why in one line" \
    grep -qx "ccrm: could not start the full-screen client: no UTF-8 locale is installed (the locale's character set is ANSI_X3.4-1968); install C.UTF-8 or use the batch commands (ccrm --help)" "$TEST_TMP/err"
tui_stop
nolocale "$CCRM" -d "$DB user=sofia" --export tickets --format csv >"$TEST_TMP/out.csv"
check "batch commands still work there, passing the bytes through" \
    grep -qF "Done posix,\"Grüße aus Köln," "$TEST_TMP/out.csv"
done_testing
