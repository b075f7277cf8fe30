#!/usr/bin/env bash
# A mail cut off in its headers (docs/mail.md §5: malformed input is repaired, never refused
# unless it is no mail at all): a last header line without a colon and without a newline
# ("X", as a crashed sender or a truncated pipe leaves it) made GMime read no header at all
# and --mail-in exit 65. It is stored with its From and Subject; a mail whose headers end
# without a newline after a complete line was already read, and text without any header is
# still refused.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_mail_truncated.sh path/to/ccrm}
T=$TEST_TMP
pg_start_migrated "$CCRM"
q "insert into mail_queues (name, address, from_name, creates, unknown_sender, assignee)
   values ('support', 'support@example.com', 'Example Support', 'ticket', 'contact', null)" ||
    fail "a support queue"

# deliver NAME TEXT: the text (printf'd, so no newline is added) through --mail-in
deliver() {
    printf "$2" | "$CCRM" -d "$PG_CONN" --mail-in --queue support >"$T/out.$1" 2>"$T/err.$1"
    rc=$?
}
stored() { q "select coalesce(from_addr, '-') || '|' || coalesce(subject, '-') from messages where subject = '$1'"; }

deliver min 'From: a@x.example\nSubject: min\nX'
check "a last header line without colon and newline: stored, exit 0 (rc $rc: $(cat "$T/err.min"))" test $rc = 0
check "...with its From and Subject" test "$(stored min)" = "a@x.example|min"
deliver two 'From: b@x.example\nSubject: two lines\nhello there\nmore'
check "two such lines at the end: stored (rc $rc: $(cat "$T/err.two"))" test $rc = 0
check "...with its From and Subject" test "$(stored 'two lines')" = "b@x.example|two lines"
deliver crlf 'From: c@x.example\r\nSubject: crlf\r\nX'
check "the same with CR LF line ends: stored (rc $rc: $(cat "$T/err.crlf"))" test $rc = 0
check "...with its From and Subject" test "$(stored crlf)" = "c@x.example|crlf"
deliver whole 'From: d@x.example\nSubject: whole'
check "headers to the end without a newline, the last one whole: stored as before (rc $rc)" test $rc = 0
check "...with its From and Subject" test "$(stored whole)" = "d@x.example|whole"
deliver text 'hello, this is not a mail\njust text'
check "text without headers and without a final newline is still refused: 65" test $rc = 65
check "...saying why" grep -q "not a mail" "$T/err.text"
deliver word 'X'
check "one word is no mail: 65" test $rc = 65
check "four mails stored, once each" test "$(q "select count(*) from messages")" = 4
done_testing
