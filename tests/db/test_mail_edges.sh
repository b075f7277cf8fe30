#!/usr/bin/env bash
# Mail a careless or hostile world sends, as the mail login through --mail-in:
#   - another sender's mail under a Message-ID already stored (a device numbering its mails
#     "<1@localhost>", or one sent to take the place of a mail to come) is stored, once, also
#     when retried; the same sender's copy is still a duplicate;
#   - each answer in a conversation whose closed ticket was followed up goes on the follow-up,
#     not on one more new ticket each;
#   - a To of 1,200 other addresses does not push out the MTA's envelope recipient (its queue,
#     its plus-address token);
#   - a mail of 30 MB in attachments, within [mail]'s limits, is stored although the general
#     statement timeout is short (it was deferred for ever, exit 75);
#   - a mail whose contact is merged away while it is stored is deferred or stored, never
#     refused for good (exit 65 with a foreign key's name in the bounce);
#   - a delivery report (text/rfc822-headers, as Postfix sends it) is filed in the conversation
#     of the mail it returns (it was filed on nothing: nobody learnt the answer bounced);
#   - mail from one of our own addresses (a colleague's copy from the shared mailbox) is stored
#     and threaded but makes no contact and no ticket (it made us a customer of ourselves);
#   - --reply --to/--cc refuses what is no address (a bare "root" went to the local mailbox,
#     "a b@x" stayed in the outbox for good);
#   - --import-mail of an mbox holding a mail larger than message_max refuses it without
#     holding it in memory (an mbox of one 200 MB mail took 219 MB to be told so), also when
#     the mail is one line (150 MB without a newline took 500 MB).
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/mail.sh"
CCRM=${1:?usage: test_mail_edges.sh path/to/ccrm}
T=$TEST_TMP
mail_demo 3
q "create role mailer login in role ccrm_mail"
q "insert into mail_queues (name, address, from_name, creates, unknown_sender, assignee)
   values ('help', 'help@ours.example', 'Help', 'ticket', 'contact', 'sofia')"

deliver() { # deliver FILE [args]: --mail-in as the mail login; out, err and rc
    local f=$1
    shift
    "$CCRM" -c "$T/ccrm.ini" -d "host=$PG_DIR dbname=ccrm user=mailer" --mail-in "$@" <"$f" >"$T/out" 2>"$T/err"
    rc=$?
}
mk() { # mk FILE FROM SUBJECT MESSAGE-ID [header...]
    local f=$1 from=$2 subj=$3 mid=$4 h
    shift 4
    {
        printf 'From: %s\nTo: help@ours.example\nSubject: %s\nDate: Mon, 16 Dec 2024 10:00:00 +0100\n' "$from" "$subj"
        [ -n "$mid" ] && printf 'Message-ID: %s\n' "$mid"
        for h in "$@"; do printf '%s\n' "$h"; done
        printf '\nhello\n'
    } >"$f"
}
nmsg() { q "select count(*) from messages where $1"; }

# ---- another sender's mail under a taken Message-ID ----
mk "$T/d1" 'Form <form@shop.example>' 'Order 1 from Alice' '<1@localhost>'
deliver "$T/d1" --queue help
check "a shop's mail numbered <1@localhost> is stored (rc $rc)" test $rc = 0
mk "$T/d2" 'Other <other@else.example>' 'Totally different' '<1@localhost>'
deliver "$T/d2" --queue help
check "another sender's mail under the same Message-ID: exit 0 (rc $rc, $(cat "$T/err"))" test $rc = 0
check "... and it is stored too, as its own mail" test "$(nmsg "subject = 'Totally different'")" = 1
check "... the first one is as it was" test "$(nmsg "message_id = '1@localhost' and subject = 'Order 1 from Alice'")" = 1
deliver "$T/d2" --queue help
check "... a retry of it is stored once" test "$(nmsg "subject = 'Totally different'")" = 1
mk "$T/d3" 'Form <FORM@shop.example>' 'Order 1 from Alice (resent)' '<1@localhost>'
deliver "$T/d3" --queue help
check "the same sender's mail under its ID again is a copy, not stored twice (rc $rc)" \
    test "$rc:$(nmsg "subject like 'Order 1 from Alice%'")" = 0:1
# ... and in an import of history, where two senders share one in the same file
{
    printf 'From a@x Mon Dec 16 10:00:00 2024\nFrom: Dev A <dev@one.example>\nTo: help@ours.example\nSubject: Reading 17\nMessage-ID: <7@localhost>\n\nfirst\n\n'
    printf 'From b@x Mon Dec 16 10:00:00 2024\nFrom: Dev B <dev@two.example>\nTo: help@ours.example\nSubject: Reading 18\nMessage-ID: <7@localhost>\n\nsecond\n\n'
    printf 'From a@x Mon Dec 16 10:00:00 2024\nFrom: Dev A <dev@one.example>\nTo: help@ours.example\nSubject: Reading 17 again\nMessage-ID: <7@localhost>\n\nthe same sender\n'
} >"$T/share.mbox"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --import-mail "$T/share.mbox" --queue help --quiet >"$T/out" 2>"$T/err"
check "an import where two senders share a Message-ID stores both ($(cat "$T/out"))" \
    test "$(nmsg "subject in ('Reading 17', 'Reading 18')")" = 2
check "... and the same sender's second is a duplicate" test "$(nmsg "subject = 'Reading 17 again'")" = 0

# ---- answers to a closed ticket ----
mk "$T/c0" 'Cora <cora@cust.example>' 'Closed issue' '<c0@cust.example>'
deliver "$T/c0" --queue help
t0=$(q "select ticket_id from messages where message_id = 'c0@cust.example'")
q "update tickets set status = 'closed' where id = $t0"
mk "$T/c1" 'Cora <cora@cust.example>' "Re: Closed issue [#$t0]" '<c1@cust.example>' 'In-Reply-To: <c0@cust.example>'
deliver "$T/c1" --queue help
t1=$(q "select ticket_id from messages where message_id = 'c1@cust.example'")
check "an answer to the closed ticket starts a follow-up (#$t1)" test -n "$t1" -a "$t1" != "$t0"
mk "$T/c2" 'Cora <cora@cust.example>' "Re: Closed issue [#$t0]" '<c2@cust.example>' 'In-Reply-To: <c1@cust.example>'
deliver "$T/c2" --queue help
check "the next answer, to the mail on the follow-up, goes on the follow-up" \
    test "$(q "select ticket_id from messages where message_id = 'c2@cust.example'")" = "$t1"
mk "$T/c3" 'Cora <cora@cust.example>' "Re: Closed issue [#$t0]" '<c3@cust.example>'
deliver "$T/c3" --queue help
check "... and one without References, on the same subject, too" \
    test "$(q "select ticket_id from messages where message_id = 'c3@cust.example'")" = "$t1"
check "... one follow-up in all" test "$(q "select count(*) from tickets where body like 'Follow-up to ticket #$t0.%'")" = 1

# ---- the envelope recipient among 1,200 others ----
{
    printf 'From: Many <many@cust.example>\nTo: '
    for i in $(seq 1200); do printf 'user%s@x.example, ' "$i"; done
    printf 'last@x.example\nSubject: To everyone\nMessage-ID: <many1@cust.example>\n\nhello\n'
} >"$T/many"
RECIPIENT=help@ours.example deliver "$T/many"
check "1,200 To addresses: the envelope's queue is found (rc $rc, $(head -c 200 "$T/err"))" test $rc = 0
tok=$(q "select ticket_id from messages where message_id = '1@localhost'")
sed -e "s/many1@/many2@/" -e "s/^Subject: .*/Subject: Another one/" "$T/many" >"$T/many2"
RECIPIENT="help+t$tok@ours.example" deliver "$T/many2" --queue help
check "... and the envelope's plus-address token files it (rc $rc)" \
    test "$(q "select thread_by || ' ' || ticket_id from messages where message_id = 'many2@cust.example'")" = "token $tok"

# ---- a large mail within the limits, a short statement timeout ----
printf '[database]\nstatement_timeout_ms = 300\n[mail]\nattachment_max = 12582912\n' >"$T/short.ini"
{
    printf 'From: Big <big@cust.example>\nTo: help@ours.example\nSubject: Scans\nMessage-ID: <big1@cust.example>\n'
    printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=BB\n\n--BB\nContent-Type: text/plain\n\nthe scans\n'
    for i in 1 2 3; do
        printf -- '--BB\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=scan%s.pdf\nContent-Transfer-Encoding: base64\n\n' "$i"
        head -c 7000000 /dev/urandom | base64
    done
    printf -- '--BB--\n'
} >"$T/big"
"$CCRM" -c "$T/short.ini" -d "host=$PG_DIR dbname=ccrm user=mailer" --mail-in --queue help <"$T/big" >"$T/out" 2>"$T/err"
rc=$?
check "a mail of 21 MB in attachments is stored under a 300 ms statement timeout (rc $rc, $(cat "$T/err"))" test $rc = 0
check "... with its three attachments" test "$(q "select count(*) from attachments a join messages m on m.id = a.msg_id
    where m.message_id = 'big1@cust.example' and a.content is not null")" = 3

# ---- a contact merged away while the mail is stored ----
q "insert into contacts (first_name, last_name, email) values ('Mia', 'Keep', 'mia.keep@merge.example'),
   ('Mia', 'Dup', 'mia.dup@merge.example')"
S=$(q "select id from contacts where email = 'mia.keep@merge.example'")
M=$(q "select id from contacts where email = 'mia.dup@merge.example'")
psql "host=$PG_DIR dbname=ccrm user=mia" -qAt -c "begin" -c "select ccrm_merge('contacts', $S, $M, '{}')" \
    -c "select pg_sleep(2)" -c "commit" >"$T/merge.out" 2>&1 &
merger=$!
sleep 0.5
mk "$T/m1" 'Mia <mia.dup@merge.example>' 'Merged while I write' '<m1@merge.example>'
deliver "$T/m1" --queue help
wait $merger
check "a mail from a contact merged meanwhile: stored, or deferred (75), not refused (rc $rc, $(cat "$T/err"))" \
    test $rc = 0 -o $rc = 75
no_fkey() { ! grep -q "fkey" "$T/err"; }
check "... no foreign key's name for the sender's bounce" no_fkey
if [ $rc = 75 ]; then deliver "$T/m1" --queue help; fi
check "... and it is stored (at the latest when the MTA tries again)" test "$(nmsg "message_id = 'm1@merge.example'")" = 1

# ---- a delivery report of a mail on a ticket: in that conversation ----
cat >"$T/dsn" <<'EOF2'
Return-Path: <>
From: Mail Delivery System <MAILER-DAEMON@mx.shop.example>
To: help@ours.example
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn1@mx.shop.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="R"

--R
Content-Type: text/plain

Your message could not be delivered.

--R
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.shop.example
Final-Recipient: rfc822; form@shop.example
Action: failed
Status: 5.1.1

--R
Content-Type: text/rfc822-headers

From: Form <form@shop.example>
Subject: Order 1 from Alice
Message-ID: <1@localhost>

--R--
EOF2
deliver "$T/dsn" --queue help
check "a delivery report whose returned headers name a stored mail: stored (rc $rc)" test $rc = 0
check "... as a bounce, in that mail's conversation (ticket #$tok)" \
    test "$(q "select status || ' ' || thread_by || ' ' || ticket_id from messages where message_id = 'dsn1@mx.shop.example'")" = "bounce references $tok"

# ---- mail from our own address ----
mk "$T/o1" 'Help <help@ours.example>' 'Copy from the shared mailbox' '<own1@ours.example>'
deliver "$T/o1" --queue help
check "mail from our own queue address: stored (rc $rc)" test "$rc:$(nmsg "message_id = 'own1@ours.example'")" = 0:1
check "... as automatic mail, on no new ticket" \
    test "$(q "select status || ' ' || (ticket_id is null) from messages where message_id = 'own1@ours.example'")" = "auto true"
check "... and we are not our own contact" test "$(q "select count(*) from contacts where lower(email) = 'help@ours.example'")" = 0

# ---- an mbox with a mail over message_max ----
printf '[mail]\nmessage_max = 1048576\n' >"$T/max.ini"
{
    printf 'From big@cust.example Mon Dec 16 10:00:00 2024\nFrom: Big <big@cust.example>\nSubject: Huge\nMessage-ID: <huge1@cust.example>\n\n'
    head -c 150000000 /dev/zero | tr '\0' 'x' | fold -w 76
    printf '\n\nFrom small@cust.example Mon Dec 16 10:00:00 2024\nFrom: Small <small@cust.example>\nTo: help@ours.example\nSubject: Small one\nMessage-ID: <small1@cust.example>\n\nhi\n'
} >"$T/big.mbox"
/usr/bin/time -f '%M' -o "$T/rss" "$CCRM" -c "$T/max.ini" -d "host=$PG_DIR dbname=ccrm user=sofia" \
    --import-mail "$T/big.mbox" --queue help --quiet >"$T/out" 2>"$T/err"
rc=$?
check "an mbox with a 150 MB mail over message_max: refused, the rest imported (rc $rc: 65, a mail refused)" test $rc = 65
check "... says which mail was too large" grep -q "mail 1 (before byte [0-9]*): larger than 1048576 bytes" "$T/err"
check "... and stores the next one" test "$(nmsg "message_id = 'small1@cust.example'")" = 1
check "... without holding the large mail in memory (peak $(tail -1 "$T/rss") kB)" test "$(tail -1 "$T/rss")" -lt 100000
# the same mail as one line without a newline (HTML generated without line breaks, a damaged
# mbox's run of NULs): the line was held whole, 150 MB of it took 500 MB
{
    printf 'From big@cust.example Mon Dec 16 10:00:00 2024\nFrom: Big <big@cust.example>\nSubject: Huge line\nMessage-ID: <huge2@cust.example>\n\n'
    head -c 150000000 /dev/zero
    printf '\n\nFrom small@cust.example Mon Dec 16 10:00:00 2024\nFrom: Small <small@cust.example>\nTo: help@ours.example\nSubject: Small two\nMessage-ID: <small2@cust.example>\n\nhi\n'
} >"$T/big.mbox"
/usr/bin/time -f '%M' -o "$T/rss" "$CCRM" -c "$T/max.ini" -d "host=$PG_DIR dbname=ccrm user=sofia" \
    --import-mail "$T/big.mbox" --queue help --quiet >"$T/out" 2>"$T/err"
rc=$?
check "an mbox with a 150 MB line over message_max: refused, the rest imported (rc $rc)" \
    bash -c "test $rc = 65 && grep -q 'mail 1 (before byte [0-9]*): larger than 1048576 bytes' $T/err"
check "... and stores the next one" test "$(nmsg "message_id = 'small2@cust.example'")" = 1
check "... without holding the line in memory (peak $(tail -1 "$T/rss") kB)" test "$(tail -1 "$T/rss")" -lt 100000
rm -f "$T/big.mbox"

# ---- --reply to what is not an address ----
printf 'Thanks.\n' >"$T/ans.txt"
out0=$(q "select count(*) from messages where direction = 'out'")
for to in root 'mallory kunde@cust.example' 'Weber, Clara <clara@cust.example>'; do
    "$CCRM" -c "$T/ccrm.ini" -d "host=$PG_DIR dbname=ccrm user=sofia" --reply "ticket:$tok" --to "$to" \
        --body-file "$T/ans.txt" >"$T/out" 2>"$T/err"
    rc=$?
    check "--reply --to '$to': refused as no address (rc $rc: $(cat "$T/err"))" test $rc = 65
done
"$CCRM" -c "$T/ccrm.ini" -d "host=$PG_DIR dbname=ccrm user=sofia" --reply "ticket:$tok" --cc root \
    --body-file "$T/ans.txt" >"$T/out" 2>"$T/err"
rc=$?
check "--reply --cc root: refused too (rc $rc)" test $rc = 65
check "... and nothing was queued" test "$(q "select count(*) from messages where direction = 'out'")" = "$out0"
"$CCRM" -c "$T/ccrm.ini" -d "host=$PG_DIR dbname=ccrm user=sofia" --reply "ticket:$tok" \
    --to '"Weber, Clara" <clara@cust.example>' --body-file "$T/ans.txt" >"$T/out" 2>"$T/err"
rc=$?
check "a name with a comma in quotes is taken (rc $rc, $(cat "$T/err"))" test $rc = 0

# a file whose name is not UTF-8 (a Latin-1 file system) is attached, its name mended
printf 'bytes\n' >"$T/caf"$'\xe9'".txt"
"$CCRM" -c "$T/ccrm.ini" -d "host=$PG_DIR dbname=ccrm user=sofia" --reply "ticket:$tok" \
    --attach "$T/caf"$'\xe9'".txt" --body-file "$T/ans.txt" >"$T/out" 2>"$T/err"
rc=$?
check "--attach of a file named in Latin-1: the answer is queued (rc $rc, $(cat "$T/err"))" test $rc = 0
check "... the attachment's name mended" \
    test "$(q "select count(*) from attachments where name = 'caf' || U&'\\FFFD' || '.txt'")" = 1

done_testing
