#!/usr/bin/env bash
# End to end through a real MTA: an exim4 of our own (its configuration, spool and logs in the
# test's directory, listening on 127.0.0.1 only, stopped at the end) takes mail by SMTP for
# support@example.com, whose alias pipes it into `ccrm --mail-in --queue support`. Then: an
# answer sent with `ccrm --reply` through that exim's sendmail arrives in the customer's
# mailbox with the threading headers; the plus-address of a ticket reaches it; the database
# stopped during a delivery makes exim defer and retry, and the mail arrives once; a refused
# mail (unknown queue) bounces to its sender with ccrm's one-line reason; an answer with files
# (--attach) arrives as a multipart/mixed that a mail parser reads back byte for byte under the
# files' non-ASCII names, and a file over [mail] attachment_max or unreadable is refused.
# Skipped (77) without exim4 (scripts/deps installs it). The exim: tests/lib/mta.sh.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_mail_mta.sh path/to/ccrm}
D=$(cd "$(dirname "$0")/../data/mail" && pwd)
T=$TEST_TMP
. "$(dirname "$0")/../lib/mta.sh"
mta_require
CCRM=$(readlink -f "$CCRM")

pg_start_demo "$CCRM" 20
# the demo's queues and mail out of the way: this test sets up its own
psqlc -c "delete from messages; delete from mail_queues" || fail "clearing the demo's mail"
q "insert into mail_queues (name, address, from_name, creates, assignee, reply_token)
   values ('support', 'support@example.com', 'Example Support', 'ticket', 'sofia', true)"
q "create role mailer login in role ccrm_mail"

# ---------------------------------------------------------------- exim of our own
mta_start example.com kunde-gmbh.de "anna.berger : sender" example.com
E=$MTA_DIR
# the pipe runs ccrm as the exim user, connecting as the mail login; nothing of the test's own
# environment reaches it (exim clears it), so -c and -d say everything
printf '[database]\nconninfo = host=%s dbname=ccrm user=mailer\n' "$PG_DIR" >"$T/ccrm-mta.ini"
chmod 644 "$T/ccrm-mta.ini"
cat >"$E/aliases" <<EOF
support: "|$CCRM -c $T/ccrm-mta.ini --mail-in --queue support"
nowhere: "|$CCRM -c $T/ccrm-mta.ini --mail-in --queue nowhere"
EOF
PORT=$MTA_PORT
check "exim listens on 127.0.0.1:$PORT only" bash -c "ss -ltn | grep -q ' 127.0.0.1:$PORT ' && ! ss -ltn | grep -q ' \\*:$PORT \\| 0.0.0.0:$PORT '"
smtp() { mta_smtp "$@"; }
waitq() { # waitq SQL WANT [SECONDS]: poll until the query answers WANT
    local i
    for ((i = 0; i < ${3:-20} * 10; i++)); do [ "$(q "$1")" = "$2" ] && return 0; sleep 0.1; done
    return 1
}

# ---------------------------------------------------------------- in: SMTP -> alias -> pipe
check "SMTP: exim accepts the mail for support@example.com" smtp anna.berger@kunde-gmbh.de support@example.com "$D/01-alternative.eml"
waitq "select count(*) from messages where message_id = '5e1c2f7a-0b1d-4c47-9d1e-2b6f3a9c8d01@kunde-gmbh.de'" 1 ||
    { cat "$E/log/mainlog" "$E/log/paniclog" 2>/dev/null; fail "...and the alias pipes it into ccrm --mail-in: stored"; }
ok "...and the alias pipes it into ccrm --mail-in: stored"
TK=$(q "select ticket_id from messages where message_id = '5e1c2f7a-0b1d-4c47-9d1e-2b6f3a9c8d01@kunde-gmbh.de'")
check "...on a new ticket, by the mail login" \
    test "$(q "select created_by || ' ' || (ticket_id is not null) from messages where ticket_id = $TK")" = "mailer true"
check "exim logged the delivery to the pipe" grep -q "=> |$CCRM" "$E/log/mainlog"

# ---------------------------------------------------------------- out: --reply -> exim's sendmail
printf '[mail]\nsendmail = %s -C %s -t -oi\n' "$EXIM" "$E/exim.conf" >"$T/ccrm-out.ini"
printf 'Guten Tag Frau Berger,\n\ndie Erstattung ist veranlasst.\n' >"$T/answer.txt"
"$CCRM" -c "$T/ccrm-out.ini" -d "host=$PG_DIR dbname=ccrm user=sofia" --reply "$TK" --body-file "$T/answer.txt" >"$T/out" 2>&1
check "--reply through exim's sendmail: sent" grep -q "sent" "$T/out"
BOX=$T/mail/anna.berger@kunde-gmbh.de
for i in $(seq 100); do [ -s "$BOX" ] && break; sleep 0.1; done
[ -s "$BOX" ] || tail -5 "$E/log/mainlog"
check "the answer arrives in the customer's mailbox" test -s "$BOX"
MID=$(q "select message_id from messages where direction = 'out'")
check "...with its stored Message-ID" grep -qi "^Message-ID: <$MID>" "$BOX"
check "...In-Reply-To the customer's mail" grep -q "^In-Reply-To: <5e1c2f7a-0b1d-4c47-9d1e-2b6f3a9c8d01@kunde-gmbh.de>" "$BOX"
check "...References the thread" \
    grep -q '^References: <5e1c2f7a-0b1d-4c47-9d1e-2b6f3a9c8d01@kunde-gmbh.de>' <(sed -e ':a' -e 'N;$!ba' -e 's/\n[ \t]\+/ /g' "$BOX")
check "...the ticket's tag in the subject" grep -q "^Subject: Re: Rechnung doppelt abgebucht \[#$TK\]" "$BOX"
check "...From the queue, Reply-To the ticket's plus-address" \
    bash -c "grep -q '^From: Example Support <support@example.com>' '$BOX' && grep -q '^Reply-To: support+t$TK@example.com' '$BOX'"
check "the outbox row is sent" test "$(q "select status from messages where direction = 'out'")" = sent

# ---------------------------------------------------------------- out: an answer with files
# (--attach, as :attach in the client): stored beside the answer like a document's PDF, sent
# as a multipart/mixed through exim, and the delivered mail, parsed as a mail program would,
# holds the files byte for byte under their non-ASCII names
mkdir -p "$T/files"
head -c 30000 /dev/urandom >"$T/files/Preisübersicht März 2027.pdf"
printf 'Menge;Preis\n40;1200 €\n' >"$T/files/Mengen€.csv"
head -c 70000 /dev/urandom >"$T/files/zu groß.bin"
printf '[mail]\nsendmail = %s -C %s -t -oi\nattachment_max = 65536\n' "$EXIM" "$E/exim.conf" >"$T/ccrm-out.ini"
outs() { q "select count(*) from messages where direction = 'out'"; }
"$CCRM" -c "$T/ccrm-out.ini" -d "host=$PG_DIR dbname=ccrm user=sofia" --reply "$TK" --body-file "$T/answer.txt" \
    --attach "$T/files/Mengen€.csv" --attach "$T/files/zu groß.bin" >"$T/out" 2>&1
rc=$?
check "a file over [mail] attachment_max: refused (exit $rc), with its size and the limit" \
    bash -c "test $rc = 66 && grep -qF 'could not attach \"$T/files/zu groß.bin\": 68.4 KB is more than the 64.0 KB of [mail] attachment_max' '$T/out'"
check "...and nothing is queued" test "$(outs)" = 1
"$CCRM" -c "$T/ccrm-out.ini" -d "host=$PG_DIR dbname=ccrm user=sofia" --reply "$TK" --body-file "$T/answer.txt" \
    --attach "$T/files/nicht da.pdf" >"$T/out" 2>&1
rc=$?
check "a file that cannot be read: refused (exit $rc) with the reason" \
    bash -c "test $rc = 66 && grep -qF 'could not attach \"$T/files/nicht da.pdf\": No such file or directory' '$T/out'"
"$CCRM" -c "$T/ccrm-out.ini" -d "host=$PG_DIR dbname=ccrm user=sofia" --reply "$TK" --body-file "$T/answer.txt" \
    --attach "$T/files/Preisübersicht März 2027.pdf" --attach "$T/files/Mengen€.csv" >"$T/out" 2>&1
check "--reply --attach through exim's sendmail: sent ($(tr '\n' ' ' <"$T/out"))" grep -q "sent" "$T/out"
AM=$(q "select max(id) from messages where direction = 'out'")
check "the files are stored with the answer, in order, with their types and sizes" \
    test "$(q "select string_agg(name || ' ' || type || ' ' || size, ', ' order by id) from attachments where msg_id = $AM")" \
    = "Preisübersicht März 2027.pdf application/pdf 30000, Mengen€.csv text/csv $(stat -c %s "$T/files/Mengen€.csv")"
check "...the bytes as they were" \
    test "$(q "select md5(content) from attachments where msg_id = $AM and type = 'application/pdf'")" = "$(md5sum <"$T/files/Preisübersicht März 2027.pdf" | cut -d' ' -f1)"
check "...seen by staff, and by a partner exactly as the ticket is" \
    test "$(as sofia -c "select count(*) from attachments where msg_id = $AM") $(as paul -c "select count(*) from attachments where msg_id = $AM")" \
    = "2 $(as paul -c "select count(*) * 2 from tickets where id = $TK")"
mta_mails "$BOX" 2
check "the answer with its files arrives in the customer's mailbox" test "$(grep -c '^From ' "$BOX")" = 2
# the last mail of the mailbox, parsed by Python's mail package: its type and, per file, the
# name (RFC 2231 decoded), type, transfer encoding and the bytes' digest
python3 - "$BOX" >"$T/parsed" 2>&1 <<'PY'
import hashlib, mailbox, sys
m = list(mailbox.mbox(sys.argv[1]))[-1]
print(m.get_content_type())
for p in m.walk():
    if p.get_filename():
        print(p.get_filename(), p.get_content_type(), p.get("Content-Transfer-Encoding"),
              p.get_content_disposition(), hashlib.md5(p.get_payload(decode=True)).hexdigest(), sep="|")
PY
check "...a multipart/mixed" test "$(head -1 "$T/parsed")" = multipart/mixed
check "...the PDF: its name, type, base64, and the file byte for byte ($(sed -n 2p "$T/parsed"))" \
    test "$(sed -n 2p "$T/parsed")" = "Preisübersicht März 2027.pdf|application/pdf|base64|attachment|$(md5sum <"$T/files/Preisübersicht März 2027.pdf" | cut -d' ' -f1)"
check "...the CSV too ($(sed -n 3p "$T/parsed"))" \
    test "$(sed -n 3p "$T/parsed")" = "Mengen€.csv|text/csv|base64|attachment|$(md5sum <"$T/files/Mengen€.csv" | cut -d' ' -f1)"
check "...the non-ASCII names written as RFC 2231 parameters in UTF-8 (no raw 8-bit in a header)" \
    bash -c "grep -qiE \"filename\\*(0\\*)?=utf-8''Preis%C3%BC\" '$BOX' && ! grep -q 'filename=\"Preisübersicht' '$BOX'"

# the customer answers to the plus-address: exim strips the suffix for the alias, ccrm reads it
printf 'From: Anna Berger <anna.berger@kunde-gmbh.de>\nTo: support+t%s@example.com\nSubject: Danke\nMessage-ID: <danke.1@kunde-gmbh.de>\n\nDanke!\n' "$TK" >"$T/danke.eml"
smtp anna.berger@kunde-gmbh.de "support+t$TK@example.com" "$T/danke.eml"
check "an answer to support+t$TK@ reaches the ticket by its token" \
    waitq "select thread_by || ' ' || ticket_id from messages where message_id = 'danke.1@kunde-gmbh.de'" "token $TK"

# ---------------------------------------------------------------- the database down: exim retries
pg_stop
check "SMTP accepts a mail while the database is down" smtp anna.berger@kunde-gmbh.de support@example.com "$D/14-reply-references.eml"
defers() { grep -c "== |$CCRM.*defer" "$E/log/mainlog"; }
for i in $(seq 150); do [ "$(defers)" -ge 2 ] && break; sleep 0.1; done
check "exim deferred it (ccrm exits 75) and tried again while the database was down" test "$(defers)" -ge 2
check "...giving ccrm's reason in its log" grep -q "returned 75" "$E/log/mainlog"
check "...and keeps it in its queue" test "$("$EXIM" -C "$E/exim.conf" -bpc)" = 1
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/log" \
    -o "-k $PG_DIR -c listen_addresses= -c fsync=off -c max_connections=200" start >/dev/null
check "after the restart the retry stores it" \
    waitq "select count(*) from messages where message_id = 'reply.2.anna@kunde-gmbh.de'" 1 30
for i in $(seq 50); do [ "$("$EXIM" -C "$E/exim.conf" -bpc)" = 0 ] && break; sleep 0.1; done
check "...exim's queue is empty again" test "$("$EXIM" -C "$E/exim.conf" -bpc)" = 0
check "...and it arrived once" test "$(q "select count(*) from messages where message_id = 'reply.2.anna@kunde-gmbh.de'")" = 1
check "...on Anna's ticket (References)" \
    test "$(q "select thread_by || ' ' || ticket_id from messages where message_id = 'reply.2.anna@kunde-gmbh.de'")" = "references $TK"

# ---------------------------------------------------------------- refused for good: a bounce
printf 'From: Sender <sender@kunde-gmbh.de>\nTo: nowhere@example.com\nSubject: lost\nMessage-ID: <lost.1@kunde-gmbh.de>\n\nlost\n' >"$T/lost.eml"
smtp sender@kunde-gmbh.de nowhere@example.com "$T/lost.eml"
BOUNCE=$T/mail/sender@kunde-gmbh.de
for i in $(seq 100); do [ -s "$BOUNCE" ] && break; sleep 0.1; done
check "an unknown queue (exit 67) bounces to the sender" grep -q "^Subject: Mail delivery failed" "$BOUNCE"
check "...with ccrm's one-line reason" grep -q 'no mail queue "nowhere"' "$BOUNCE"
check "...and nothing stored" test "$(q "select count(*) from messages where message_id = 'lost.1@kunde-gmbh.de'")" = 0

mta_stop
check "no exim of ours is left running" mta_gone

done_testing
