#!/usr/bin/env bash
# Mail that tries to break the channel, each case found by trying to (docs/mail.md §5, §6):
# a sender's mails delivered all at once (an MTA's retry after an outage) make one lead and
# one thread; HTML nested deeper than libxml2's default 256 levels keeps its text; a C1
# control character in a sender's name is dropped, and such a customer can be answered; a
# Maildir file name that is not UTF-8 is imported; an import that meets a lock it does not
# get in time exits 75; a mail of more than 10,000 header fields is refused at once, without
# the gigabytes GMime would take; lines ended by CR alone are lines; a mail of files and no
# text says what it holds; a sendmail whose child
# keeps its standard error open is done when it exits; file names in errors are shown safely.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/mail.sh"
CCRM=${1:?usage: test_mail_hostile.sh path/to/ccrm}
T=$TEST_TMP
mail_demo 5
q "insert into mail_queues (name, address, from_name, creates, unknown_sender, assignee)
   values ('support', 'support@example.com', 'Example Support', 'ticket', 'contact', 'sofia'),
          ('sales', 'sales@example.com', 'Example Sales', 'lead', 'lead', 'sam')" || fail "queues"
deliver() { "$CCRM" -d "$PG_CONN" --mail-in --queue "$1"; }

# ---------------------------------------------------------------- one sender's mails at once
for i in 1 2 3 4 5 6; do
    printf 'From: Nora New <nora.new@par.example>\nTo: sales@example.com\nSubject: Offer %s\nMessage-ID: <par.sales.%s@par.example>\n\nPlease send an offer.\n' \
        "$i" "$i" | deliver sales >"$T/par.s.$i" 2>&1 &
    printf 'From: Otto Other <otto@par.example>\nTo: support@example.com\nSubject: Printer on fire\nMessage-ID: <par.support.%s@par.example>\n\nStill burning (%s).\n' \
        "$i" "$i" | deliver support >"$T/par.t.$i" 2>&1 &
done
wait
check "twelve mails at once: all stored ($(cat "$T"/par.* | grep -vc stored) said otherwise)" \
    test "$(q "select count(*) from messages where message_id like 'par.%'")" = 12
check "six mails at once from a new sender to sales: one lead" \
    test "$(q "select count(*) from leads where lower(email) = 'nora.new@par.example'")" = 1
check "...and all six on it" \
    test "$(q "select count(distinct lead_id) || ' ' || count(*) from messages where message_id like 'par.sales.%'")" = "1 6"
check "six of one subject at once to support: one ticket, one contact" \
    test "$(q "select count(distinct ticket_id) || ' ' || count(distinct contact_id) from messages where message_id like 'par.support.%'")" = "1 1"
# the same, made certain: a delivery whose transaction began before the one that went first
# (its stamp, now(), is earlier than that mail's) still threads onto that mail's ticket
printf 'From: Tina Turn <tina@par.example>\nTo: support@example.com\nSubject: Scanner jammed\nMessage-ID: <turn.1@par.example>\n\nJammed.\n' >"$T/turn.1"
psqlc "$PG_CONN" >"$T/turn.out" 2>&1 <<EOF
BEGIN;
SELECT now();
\\! "$CCRM" -d "$PG_CONN" --mail-in --queue support <"$T/turn.1"
SELECT thread_by FROM ccrm_mail_store('support', 'turn.2@par.example', 'tina@par.example',
                                      'Tina Turn', 'Re: Scanner jammed', 'Still jammed.');
COMMIT;
EOF
check "a delivery that began before the mail it follows, and came second: on its ticket ($(tail -1 "$T/turn.out"))" \
    test "$(q "select count(distinct ticket_id) || ' ' || count(*) from messages where message_id like 'turn.%'")" = "1 2"

# ---------------------------------------------------------------- HTML nested deep
html_mail() { # ID DEPTH TAG
    printf 'From: deep@x.example\nSubject: deep %s\nMessage-ID: <%s@x.example>\nContent-Type: text/html; charset=utf-8\n\n<html><body><p>Start</p>' "$1" "$1"
    for ((i = 0; i < $2; i++)); do printf '<%s>' "$3"; done
    printf 'INSIDE TEXT</%s> and IMPORTANT END TEXT</body></html>\n' "$3"
}
html_mail deep300 300 div | deliver support >/dev/null 2>&1
check "300 unclosed <div>: the text inside and after them is kept" \
    test "$(q "select body_text ~ 'Start' and body_text ~ 'INSIDE TEXT' and body_text ~ 'IMPORTANT END TEXT' from messages where message_id = 'deep300@x.example'")" = t
html_mail deep5000 5000 font | deliver support >/dev/null 2>&1
check "5,000 nested <font>: stored with all its text" \
    test "$(q "select body_text ~ 'INSIDE TEXT' and body_text ~ 'IMPORTANT END TEXT' from messages where message_id = 'deep5000@x.example'")" = t

# ---------------------------------------------------------------- C1 controls in a name
printf 'From: =?utf-8?q?Anna=C2=85Berg?= <anna.c1@x.example>\nTo: support@example.com\nSubject: =?utf-8?q?Bill=C2=9B2J?=\nMessage-ID: <c1@x.example>\n\nText\xc2\x9b with C1\n' |
    deliver support >/dev/null 2>&1
check "a C1 character in the sender's name, subject and text is dropped" \
    test "$(q "select from_name || '|' || subject || '|' || (body_text ~ '[\x80-\x9f]') from messages where message_id = 'c1@x.example'")" = "AnnaBerg|Bill2J|false"
TK=$(q "select ticket_id from messages where message_id = 'c1@x.example'")
printf 'Dear Anna,\nit is fixed.\n' >"$T/answer.txt"
run sofia --reply "$TK" --body-file "$T/answer.txt"
check "...and the customer is answered (rc $rc: $(cat "$T/err"))" test $rc = 0
same "a name stored with a control character before is written without it" '"Old Name" <o@x.example>' \
    "$(q "select ccrm_mail_format_addr(E'Old\u0085\u0009Name', 'o@x.example')")"

# ---------------------------------------------------------------- file names that are not UTF-8
mkdir -p "$T/md/new" "$T/md/cur" "$T/md/tmp"
printf 'From: md1@x.example\nSubject: latin1 name\nMessage-ID: <md1@x.example>\n\nOne\n' >"$T/md/new/$(printf '1.gr\xfc\xdfe')"
printf 'From: md2@x.example\nSubject: plain name\nMessage-ID: <md2@x.example>\n\nTwo\n' >"$T/md/cur/2.plain:2,S"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --import-mail "$T/md" --queue support >"$T/out" 2>"$T/err"
rc=$?
check "a Maildir file name that is not UTF-8: imported with the rest (rc $rc: $(cat "$T/err"))" \
    test "$rc:$(q "select count(*) from messages where message_id in ('md1@x.example', 'md2@x.example')")" = 0:2

# ---------------------------------------------------------------- a lock not had in time
printf 'From nobody Mon Dec  7 08:00:00 2026\nFrom: lk@x.example\nSubject: locked\nMessage-ID: <lk@x.example>\n\nText\n' >"$T/lk.mbox"
: >"$T/hold"
psqlc "$PG_CONN" -c "begin" -c "lock table messages in share row exclusive mode" -c "select 'held'" -c "select pg_sleep(30)" >"$T/hold" 2>&1 &
for ((i = 0; i < 200; i++)); do grep -q held "$T/hold" && break; nap; done
PGOPTIONS='-c lock_timeout=300' "$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --import-mail "$T/lk.mbox" --queue support >"$T/out" 2>"$T/err"
rc=$?
q "select pg_terminate_backend(pid) from pg_stat_activity where query like '%pg_sleep(30)%' and pid <> pg_backend_pid()" >/dev/null
wait
check "an import that meets a lock it does not get in time: 75, try again (rc $rc: $(tail -1 "$T/err"))" test $rc = 75
check "...and nothing of it stored" test "$(q "select count(*) from messages where message_id = 'lk@x.example'")" = 0

# ---------------------------------------------------------------- many header fields
many() { # N ID
    printf 'From: many@x.example\nSubject: many %s\nMessage-ID: <%s@x.example>\n' "$1" "$2"
    awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) print "X-H: " i }'
    printf '\nBody\n'
}
many 9990 many1 | deliver support >"$T/out" 2>&1
check "a mail of 9,990 header fields is stored (rc $?)" test "$(q "select count(*) from messages where message_id = 'many1@x.example'")" = 1
many 2000000 many2 >"$T/many2.eml"
/usr/bin/time -f '%M' -o "$T/rss" "$CCRM" -d "$PG_CONN" --mail-in --queue support <"$T/many2.eml" >"$T/out" 2>"$T/err"
rc=$?
kb=$(tail -1 "$T/rss")
check "a mail of 2,000,000 header fields is refused: 65 (rc $rc: $(cat "$T/err"))" test $rc = 65
check "...saying why" grep -q "more than 10000 header fields" "$T/err"
check "...without taking memory for each field ($kb KB at most, for a mail of $(($(stat -c %s "$T/many2.eml") / 1024)) KB)" test "$kb" -lt 200000

# ---------------------------------------------------------------- lines ended by CR alone
printf 'From: cr@x.example\rSubject: lone cr\rMessage-ID: <lonecr@x.example>\r\rHello\rthere\r' | deliver support >"$T/out" 2>&1
same "lines ended by CR alone: sender, subject and text" "cr@x.example|lone cr|Hello
there" "$(q "select from_addr || '|' || subject || '|' || body_text from messages where message_id = 'lonecr@x.example'")"

# ---------------------------------------------------------------- files and no text
printf 'From: scan@x.example\nSubject: scan\nMessage-ID: <scan@x.example>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="zz"\n\n--zz\nContent-Type: application/pdf; name="scan 1.pdf"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--zz\nContent-Type: image/png; name="page.png"\nContent-Transfer-Encoding: base64\n\niVBORw0K\n--zz--\n' |
    deliver support >"$T/out" 2>&1
same "a mail of files and no text says what it holds" "(no text, only files: scan 1.pdf, page.png)|2" \
    "$(q "select m.body_text || '|' || count(a.id) from messages m join attachments a on a.msg_id = m.id where m.message_id = 'scan@x.example' group by m.body_text")"

# ---------------------------------------------------------------- a sendmail that leaves a child
cat >"$T/bgsendmail" <<EOF
#!/bin/bash
cat >"$T/bg.eml"
(exec sleep 60) &
echo \$! >"$T/bg.pid"
exit 0
EOF
chmod 755 "$T/bgsendmail"
on_exit 'kill $(cat '"$T"'/bg.pid)'
printf '[mail]\nsendmail = %s -t -oi\n' "$T/bgsendmail" >"$T/bg.ini"
chmod 644 "$T/bg.ini"
start=$(date +%s)
"$CCRM" -c "$T/bg.ini" -d "host=$PG_DIR dbname=ccrm user=sofia" --reply "$TK" --body-file "$T/answer.txt" >"$T/out" 2>"$T/err"
rc=$?
secs=$(($(date +%s) - start))
check "a sendmail that exits 0 and leaves a child holding its stderr: sent (rc $rc, $secs s: $(cat "$T/out" "$T/err"))" \
    grep -q "sent" "$T/out"
check "...at once, not after the time limit" test $secs -lt 20
check "...and once" test "$(q "select count(*) from messages where ticket_id = $TK and direction = 'out' and status = 'sent'")" = 2

# ---------------------------------------------------------------- names in errors
bad="$T/$(printf 'x\033]52;c;SGk=\007y')"
run sofia --reply "$TK" --body-file "$T/answer.txt" --attach "$bad"
check "an --attach that cannot be read: refused (rc $rc)" test $rc != 0
check "...naming it without its escape sequence" bash -c "! grep -q $'\033' '$T/err'"

done_testing
