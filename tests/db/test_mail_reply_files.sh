#!/usr/bin/env bash
# Files with an answer, through psql as each role (docs/mail.md, "Files with an answer";
# schema/037_reply_attachments.sql, ccrm_mail_out_attach in schema/functions/90_mail.sql):
# ccrm_mail_reply() stores the files beside the answer in attachments, in order, as
# ccrm_billing_send() stores a document's PDF; a partner sees them exactly when the ticket is
# theirs to see; the mail login reads them (it sends them) and may not answer; a file without
# name, type or bytes, a type that is no media type, a name with a directory or mismatched
# arrays are refused and nothing is queued.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_mail_reply_files.sh path/to/ccrm}
T=$TEST_TMP
pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
try() { # try USER SQL: $out, $rc, $T/err
    out=$(psql -X -q -At -v ON_ERROR_STOP=1 "$DB user=$1" -c "$2" 2>"$T/err")
    rc=$?
}
outs() { q "select count(*) from messages where direction = 'out'"; }

# a ticket the partner sees (its account shared with them) and one they do not
read -r SEEN ACC <<<"$(psqlc -F ' ' -c "select t.id, t.account_id from tickets t join contacts c on c.id = t.contact_id
    where c.email is not null and t.account_id is not null order by t.id limit 1")"
"$CCRM" -d "$PG_CONN" --share "$ACC" --partner 'Nordlicht Reseller GmbH' >/dev/null || fail "sharing account $ACC"
UNSEEN=$(q "select t.id from tickets t join contacts c on c.id = t.contact_id
    where c.email is not null and t.id not in ($(as paul -c "select coalesce(string_agg(id::text, ','), '0') from tickets"))
    order by t.id limit 1")
[ "$(as paul -c "select count(*) from tickets where id = $SEEN")" = 1 ] && [ -n "$UNSEEN" ] ||
    fail "the partner sees ticket $SEEN (account $ACC shared) and not another ($UNSEEN)"
FILES="p_names => array['Übersicht.pdf', 'werte.csv'], p_types => array['application/pdf', 'text/csv'],
       p_contents => array['%PDF-1.5 ü'::bytea, '\\x00ff0a'::bytea]"

before=$(outs)
try sofia "select ccrm_mail_reply('tickets', $SEEN, 'Anbei die Übersicht.', $FILES)"
check "support answers with two files ($(cat "$T/err"))" test "$rc" = 0
M1=$out
check "...stored beside the answer, in order, with types and sizes, byte for byte" \
    test "$(q "select string_agg(name || ' ' || type || ' ' || size || ' ' || encode(content, 'hex'), ', ' order by id)
        from attachments where msg_id = ${M1:-0}")" \
    = "Übersicht.pdf application/pdf 11 255044462d312e3520c3bc, werte.csv text/csv 3 00ff0a"
check "...by sofia, an outgoing queued mail" \
    test "$(q "select string_agg(distinct a.created_by || ' ' || m.direction || ' ' || m.status, ',')
        from attachments a join messages m on m.id = a.msg_id where m.id = ${M1:-0}")" = "sofia out queued"
try sofia "select ccrm_mail_reply('tickets', $UNSEEN, 'Anbei.', $FILES)"
M2=$out
check "an answer with files on a ticket the partner cannot see" test "$rc" = 0
check "a partner sees the files of an answer on a ticket they see" \
    test "$(as paul -c "select count(*) from attachments where msg_id = ${M1:-0}")" = 2
check "...and none on a ticket they do not see (as the ticket)" \
    test "$(as paul -c "select count(*) from attachments where msg_id = ${M2:-0}") $(as paul -c "select count(*) from tickets where id = $UNSEEN")" = "0 0"
q "create role mailer login in role ccrm_mail"
check "the mail login reads them: it sends them" \
    test "$(as mailer -c "select count(*) from attachments where msg_id in (${M1:-0}, ${M2:-0})")" = 4
try mailer "select ccrm_mail_reply('tickets', $SEEN, 'x', $FILES)"
check "...and may not answer" bash -c "test $rc != 0 && grep -q 'permission denied for function' '$T/err'"
try paul "select ccrm_mail_reply('tickets', $SEEN, 'x', $FILES)"
check "a partner may not answer (42501)" bash -c "test $rc != 0 && grep -q 'partners cannot send mail' '$T/err'"

# ---- refusals: nothing queued
n=$(outs)
try sofia "select ccrm_mail_reply('tickets', $SEEN, 'x', p_names => array['a.pdf'],
    p_types => array['application/pdf; name=\"b.exe\"'], p_contents => array['x'::bytea])"
check "a type that is no media type: refused" bash -c "test $rc != 0 && grep -q 'the media type .* is not one' '$T/err'"
try sofia "select ccrm_mail_reply('tickets', $SEEN, 'x', p_names => array['../etc/passwd'],
    p_types => array['text/plain'], p_contents => array['x'::bytea])"
check "a name with a directory: refused" bash -c "test $rc != 0 && grep -q 'is not one: at most 255 characters, no directories' '$T/err'"
try sofia "select ccrm_mail_reply('tickets', $SEEN, 'x', p_names => array[E'a\\nb.txt'],
    p_types => array['text/plain'], p_contents => array['x'::bytea])"
check "a name of two lines: refused" bash -c "test $rc != 0 && grep -q 'is not one' '$T/err'"
try sofia "select ccrm_mail_reply('tickets', $SEEN, 'x', p_names => array['a.txt'],
    p_types => array['text/plain'], p_contents => array[null::bytea])"
check "a file without bytes: refused" bash -c "test $rc != 0 && grep -q 'is sent with its file' '$T/err'"
try sofia "select ccrm_mail_reply('tickets', $SEEN, 'x', p_names => array['a.txt', 'b.txt'],
    p_types => array['text/plain'], p_contents => array['x'::bytea])"
check "arrays of different lengths: refused" bash -c "test $rc != 0 && grep -q 'is sent with its file' '$T/err'"
check "...nothing was queued by the refusals" test "$(outs)" = "$n"
try sofia "select ccrm_mail_reply('tickets', $SEEN, 'ohne Anhang')"
check "an answer without files as before: none stored" \
    test "$rc:$(q "select count(*) from attachments where msg_id = ${out:-0}")" = "0:0"
check "three answers in all" test "$(outs)" = $((before + 3))

# ---- straight into attachments (psql), not through ccrm_mail_reply (migration 048)
add() { try "$1" "insert into attachments (msg_id, name, type, size, content) values ($2, $3, $4, 1, 'x')"; }
add sofia "${M1:-0}" "'more.txt'" "'text/plain'"
check "her own answer, still queued: a file may be added" test "$rc" = 0
add zoe "${M1:-0}" "'more.txt'" "'text/plain'"
check "someone else's answer: refused" bash -c "test $rc != 0 && grep -q 'only to an answer of your own that is not sent yet' '$T/err'"
add sofia "${M1:-0}" "E'x.txt\\r\\nBcc: v@example.org'" "'text/plain'"
check "a name with a line break: refused" bash -c "test $rc != 0 && grep -q 'is not one: at most 255 characters' '$T/err'"
add sofia "${M1:-0}" "'x.txt'" "E'text/plain\\r\\nX-Injected: yes'"
check "a type with a line break: refused" bash -c "test $rc != 0 && grep -q 'media type' '$T/err'"
IN=$(q "select id from messages where direction = 'in' order by id limit 1")
add sofia "$IN" "'forged.pdf'" "'application/pdf'"
check "a received mail keeps what it carried" bash -c "test $rc != 0 && grep -q 'only to an answer of your own' '$T/err'"
q "update messages set status = 'sending' where id = ${M1:-0}" >/dev/null
add sofia "${M1:-0}" "'late.txt'" "'text/plain'"
check "her answer once being sent: refused" bash -c "test $rc != 0 && grep -q 'not sent yet' '$T/err'"
check "the answer holds its two files and the one added while queued" \
    test "$(q "select count(*) from attachments where msg_id = ${M1:-0}")" = 3
# staff store mail with their own rights (--mail-in by hand, ccrm_mail_store): its files stay
printf 'From: Kunde <kunde.files@example.org>\nTo: support@ccrm.example\nSubject: files by hand\nMessage-ID: <files.by.hand@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee file\n--b\nContent-Type: text/plain; name=a.txt\nContent-Disposition: attachment; filename=a.txt\n\nhello\n--b--\n' >"$T/files.eml"
"$CCRM" -d "$DB user=sofia" --mail-in --queue support <"$T/files.eml" >"$T/out" 2>&1
check "support stores a mail with a file by hand ($(cat "$T/out"))" test $? = 0
check "...its file kept, stored by sofia" \
    test "$(q "select string_agg(a.name || ' ' || a.created_by, ',') from attachments a join messages m on m.id = a.msg_id
        where m.message_id = 'files.by.hand@example.org'")" = "a.txt sofia"
done_testing
