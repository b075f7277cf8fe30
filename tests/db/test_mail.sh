#!/usr/bin/env bash
# ccrm --mail-in against a throwaway cluster: exit codes the MTA understands, the corpus of
# message shapes in tests/data/mail delivered in order with the exact stored result
# (expected_delivery.txt: status, thread, ticket, contact, account, attachments, text), the
# routing rules (sales queue, unknown senders, account by domain, reopening, closed tickets,
# the loop guard, automatic mail), idempotency under racing deliveries, the rights of the mail
# login, what partners see, the timeline, audit and events.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_mail.sh path/to/ccrm}
D=$(cd "$(dirname "$0")/../data/mail" && pwd)
T=$TEST_TMP
pg_start_demo "$CCRM" 5
# the demo's queues and mail out of the way: this test sets up its own
psqlc -c "delete from messages; delete from mail_queues" || fail "clearing the demo's mail"

same() { # same "what" expected actual
    if [ "$2" = "$3" ]; then ok "$1"; else echo "--- expected:"; echo "$2"; echo "--- got:"; echo "$3"; fail "$1"; fi
}
# deliver FILE [args...]: --mail-in as the MTA would run it; rc, out, err kept
deliver() {
    local f=$1
    shift
    "$CCRM" -d "$PG_CONN" --mail-in "$@" <"$f" >"$T/out" 2>"$T/err"
    rc=$?
}
# mail FROM SUBJECT [HEADER...]: a small mail on stdout, with a Message-ID of its own (TO
# overrides the recipient)
mail() {
    local from=$1 subject=$2 id
    shift 2
    id=${EPOCHREALTIME/./}.$RANDOM # (no `date` process for each of some 50 mails)
    printf 'From: %s\nTo: %s\nSubject: %s\nDate: Mon, 16 Dec 2024 10:00:00 +0100\nMessage-ID: <gen.%s@test.example>\n' \
        "$from" "${TO:-support@example.com}" "$subject" "$id"
    for h in "$@"; do printf '%s\n' "$h"; done
    printf '\nText of mail %s.\n' "$id"
}

# the company behind kunde-gmbh.de, shared with the partner; the mail login
q "insert into accounts (name, domain) values ('Kunde GmbH', 'kunde-gmbh.de'), ('Maschinenbau Weiß KG', 'maschinenbau-weiss.de')"
KUNDE=$(q "select id from accounts where domain = 'kunde-gmbh.de'")
WEISS=$(q "select id from accounts where domain = 'maschinenbau-weiss.de'")
ORG=$(q "select partner_org_id from users where login = 'paul'")
q "insert into account_shares (account_id, partner_org_id) values ($KUNDE, $ORG)"
q "create role mailer login in role ccrm_mail"

# ---------------------------------------------------------------- exit codes
deliver "$D/01-alternative.eml" --queue support
check "no queue configured: unknown queue exits 67 (EX_NOUSER)" test $rc = 67
same "unknown queue: one line on stderr" 'ccrm: could not store the mail: no mail queue "support"' "$(cat "$T/err")"
q "insert into mail_queues (name, address, from_name, creates, unknown_sender, assignee)
   values ('support', 'support@example.com', 'Example Support', 'ticket', 'contact', 'sofia'),
          ('sales', 'sales@example.com', 'Example Sales', 'lead', 'lead', 'sam')"
for who in paul nosuchuser; do
    out=$(as ana -c "update mail_queues set assignee = '$who' where name = 'support'" 2>&1)
    check "a queue's assignee must be an active internal user: '$who' is refused" \
        grep -q "no active internal user \"$who\" to take the mail of queue support" <<<"$out"
done
check "... and the queue keeps its assignee" \
    test "$(psqlc -c "select assignee from mail_queues where name = 'support'")" = sofia
printf '' | "$CCRM" -d "$PG_CONN" --mail-in --queue support 2>"$T/err"
check "empty input exits 65 (EX_DATAERR)" test $? = 65
same "empty input: the reason" "ccrm: mail refused: not a mail: the input is empty" "$(cat "$T/err")"
printf 'hello, this is not a mail\njust text\n' | "$CCRM" -d "$PG_CONN" --mail-in --queue support 2>"$T/err"
check "text without headers exits 65" test $? = 65
check "text without headers: says why" grep -q "not a mail" "$T/err"
TO=nobody@example.com mail a@b.example "to nobody" | "$CCRM" -d "$PG_CONN" --mail-in 2>"$T/err"
check "no --queue and no queue's address among the recipients: 67" test $? = 67
q "update mail_queues set active = false where name = 'sales'"
mail a@b.example "disabled" | "$CCRM" -d "$PG_CONN" --mail-in --queue sales 2>"$T/err"
check "a disabled queue: 67" test $? = 67
same "a disabled queue: says so" 'ccrm: could not store the mail: mail queue "sales" is disabled' "$(cat "$T/err")"
q "update mail_queues set active = true where name = 'sales'"
mail a@b.example "down" | "$CCRM" -d "host=$PG_DIR/nonexistent dbname=ccrm" --mail-in --queue support 2>"$T/err"
check "database unreachable: 75 (EX_TEMPFAIL), the MTA keeps the mail" test $? = 75
check "database unreachable: says the MTA tries again" grep -q "the MTA will try again" "$T/err"
echo "[broken" >"$T/bad.ini"
mail a@b.example "config" | "$CCRM" -c "$T/bad.ini" -d "$PG_CONN" --mail-in --queue support 2>"$T/err"
check "a broken configuration file: 75, not a bounce" test $? = 75
"$CCRM" --mail-in --queue 2>/dev/null </dev/null
check "a flag without its value: 64" test $? = 64
check "nothing of the refused mails was stored" test "$(q "select count(*) from messages")" = 0

# ---------------------------------------------------------------- the corpus, in order
T01=
: >"$T/rcs"
for f in "$D"/[0-9][0-9]-*.eml; do
    name=$(basename "$f" .eml)
    # 17 and 18 name the ticket of 01 (by the reply address and the subject tag)
    case $name in
        17-* | 18-*) sed "s/+t0000@/+t$T01@/; s/\[#0000\]/[#$T01]/" "$f" >"$T/cur.eml" ;;
        *) cp "$f" "$T/cur.eml" ;;
    esac
    deliver "$T/cur.eml" --queue support
    echo "$name $rc" >>"$T/rcs"
    [ -z "$T01" ] && T01=$(q "select ticket_id from messages where message_id = '5e1c2f7a-0b1d-4c47-9d1e-2b6f3a9c8d01@kunde-gmbh.de'")
    [ "$name" = 11-auto-reply ] && after_auto=$(q "select status from tickets where id = $T01")
    if [ "$name" = 04-latin1-qp ]; then
        # the support agent solves the ticket of 01; Anna's answer (14) reopens it
        as sofia -c "update tickets set status = 'solved' where id = $T01"
    fi
done
check "every corpus mail exits 0" test "$(awk '$2 != 0' "$T/rcs")" = ""
q "select regexp_replace(m.message_id, '^sha256\.[0-9a-f]+', 'sha256.HASH') || ' | ' || m.status || ' | '
          || coalesce(m.thread_by, '-') || ' | ' || coalesce('ticket \"' || t.subject || '\" (' || t.status || ')', '-')
          || ' | ' || coalesce(c.email, '-') || ' | ' || coalesce(a.name, '-') || ' | '
          || (select count(*) from attachments x where x.msg_id = m.id) || ' attachments | '
          || case when m.interaction_id is null then 'not on the timeline' else 'timeline' end || ' | '
          || left(regexp_replace(m.body_text, '\s+', ' ', 'g'), 50)
     from messages m left join tickets t on t.id = m.ticket_id left join contacts c on c.id = m.contact_id
          left join accounts a on a.id = m.account_id
    order by m.id" >"$T/delivered.txt"
if cmp -s "$D/expected_delivery.txt" "$T/delivered.txt"; then
    ok "the corpus is stored exactly as tests/data/mail/expected_delivery.txt says"
else
    diff "$D/expected_delivery.txt" "$T/delivered.txt"
    [ -n "${CCRM_UPDATE_EXPECT:-}" ] && cp "$T/delivered.txt" "$D/expected_delivery.txt"
    fail "the corpus is stored exactly as tests/data/mail/expected_delivery.txt says"
fi
# (the questions of these checks in one psql session: nothing changes in between)
ask c1 postgres "select count(*) || ' ' || min(subject) from messages where message_id = '5e1c2f7a-0b1d-4c47-9d1e-2b6f3a9c8d01@kunde-gmbh.de'"
ask c2 postgres "select first_name || '|' || last_name || '|' || account_id || '|' || owner from contacts where email = 'anna.berger@kunde-gmbh.de'"
ask c3 postgres "select t.assignee || ' ' || (select count(*) from inbox i where i.login = 'sofia' and i.kind = 'assignment' and i.entity = 'tickets' and i.entity_id = t.id) from tickets t where t.id = $T01"
ask c4 postgres "select count(*) from contacts where email in ('mailer-daemon@mail.example.com', 'announce@lists.vendor.example', 'news@marketing.vendor.example')"
ask c5 postgres "select count(*) from tickets where subject in ('Undelivered Mail Returned to Sender', '[vendor-announce] Version 5.0 released', 'Our December offers', 'Automatische Antwort: Rechnung doppelt abgebucht')"
ask c6 postgres "select status from tickets where id = $T01"
ask c7 postgres "select string_agg(new_row->>'status', ',' order by id) from audit where entity = 'tickets' and entity_id = $T01"
ask c8 postgres "select count(*) from messages where ticket_id = $T01"
ask c9 postgres "select string_agg(name || ':' || size || ':' || (octet_length(content) = size)::text, ',' order by x.id) from attachments x join messages m on m.id = x.msg_id where m.message_id = 'attach.9f2b@kunde-gmbh.de'"
ask_all
check "the duplicate Message-ID (09) was stored once, as the first one" \
    test "${ANSWER[c1]}" = "1 Rechnung doppelt abgebucht"
check "an unknown sender became a contact with name and the account of its domain" \
    test "${ANSWER[c2]}" = "Anna|Berger|$KUNDE|sofia"
# (later mails on the ticket reach its assignee as a follower too: schema/019)
check "the new ticket went to the queue's assignee with an inbox entry" \
    test "${ANSWER[c3]}" = "sofia 1"
check "mailer-daemon, a mailing list and a newsletter became no contact" \
    test "${ANSWER[c4]}" = 0
check "automatic mail created no ticket" \
    test "${ANSWER[c5]}" = 0
check "Anna's auto-reply (11) left her solved ticket solved, her answer (14) reopened it" \
    test "$after_auto ${ANSWER[c6]}" = "solved open"
check "the ticket's audit trail shows solved -> open by the mail" \
    test "${ANSWER[c7]}" = "new,solved,open"
check "every mail of the ticket is on its conversation (01, 11, 14, 17, 18)" \
    test "${ANSWER[c8]}" = 5
check "attachments: names, types, sizes and bytes (07)" \
    test "${ANSWER[c9]}" = "attachment-1.png:69:true,Kontoauszug März 2024.pdf:3080:true,umsaetze.csv:81:true"

# ---------------------------------------------------------------- attachment limit, a 20 MB mail
{
    printf 'From: big@kunde-gmbh.de\nTo: support@example.com\nSubject: big files\nMessage-ID: <big.1@kunde-gmbh.de>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nTwo files.\n--b\nContent-Type: application/octet-stream; name=big.bin\nContent-Transfer-Encoding: base64\n\n'
    head -c 15000000 /dev/urandom | tee "$T/big.bin" | base64 -w 76
    printf -- '--b\nContent-Type: application/pdf; name=small.pdf\nContent-Transfer-Encoding: base64\n\n'
    head -c 5000 /dev/urandom | tee "$T/small.bin" | base64 -w 76
    printf -- '--b--\n'
} >"$T/big.eml"
check "the big mail is over 20 MB" test "$(stat -c %s "$T/big.eml")" -gt 20000000
printf '[mail]\nattachment_max = 1000000\n' >"$T/limit.ini"
deliver "$T/big.eml" --queue support -c "$T/limit.ini"
check "a 20 MB mail is stored (exit 0)" test $rc = 0
check "over the limit: metadata only; under it: the bytes" \
    test "$(q "select string_agg(name || ':' || size || ':' || coalesce(octet_length(content)::text, 'none'), ',' order by x.id) from attachments x join messages m on m.id = x.msg_id where m.message_id = 'big.1@kunde-gmbh.de'")" = "big.bin:15000000:none,small.pdf:5000:5000"
check "the small attachment's bytes are intact" \
    test "$(q "select encode(sha256(content), 'hex') from attachments where name = 'small.pdf'")" = "$(sha256sum "$T/small.bin" | cut -d' ' -f1)"
printf '[mail]\nmessage_max = 10000000\n' >"$T/small.ini"
deliver "$T/big.eml" --queue support -c "$T/small.ini"
check "over [mail] message_max: refused for good (65) with the reason" \
    bash -c "test $rc = 65 && grep -q 'larger than 10000000 bytes' $T/err"

# ---------------------------------------------------------------- routing rules
# sales: a known contact with an open deal -> the deal; unknown -> a lead; the lead again
DEAL_ACC=$(q "select o.account_id from opportunities o join contacts c on c.account_id = o.account_id where o.stage not in ('won', 'lost') order by o.id limit 1")
DEAL=$(q "select id from opportunities where account_id = $DEAL_ACC and stage not in ('won','lost') order by updated_at desc, id desc limit 1")
DEALC=$(q "select email from contacts where account_id = $DEAL_ACC order by id limit 1")
mail "$DEALC" "Angebot erweitern" | "$CCRM" -d "$PG_CONN" --mail-in --queue sales
check "sales: a contact with an open deal gets an interaction on the deal" \
    test "$(q "select opportunity_id || ' ' || (select count(*) from interactions i where i.id = m.interaction_id and i.opportunity_id = $DEAL) from messages m where subject = 'Angebot erweitern'")" = "$DEAL 1"
mail "Neu Kunde <neu@startup.example>" "Interesse an ccrm" | "$CCRM" -d "$PG_CONN" --mail-in --queue sales
check "sales: an unknown sender becomes a lead (no contact), owned by the queue's assignee" \
    test "$(q "select l.first_name || ' ' || l.last_name || ' ' || l.source || ' ' || l.owner || ' ' || (select count(*) from contacts where email = 'neu@startup.example') from leads l where l.email = 'neu@startup.example'")" = "Neu Kunde email sam 0"
mail "neu@startup.example" "Noch eine Frage" | "$CCRM" -d "$PG_CONN" --mail-in --queue sales
check "sales: the second mail finds the person's open lead" \
    test "$(q "select count(*) || ' ' || count(distinct lead_id) from messages where from_addr = 'neu@startup.example'")" = "2 1"
check "the lead's Leads-view activity is the mail (interaction on the lead)" \
    test "$(q "select count(*) from interactions i join leads l on l.id = i.lead_id where l.email = 'neu@startup.example' and i.kind = 'email' and i.direction = 'in' and i.channel = 'email'")" = 2
mail "Peter <NEW.PERSON@Kunde-GmbH.de>" "Zugang gesperrt" | "$CCRM" -d "$PG_CONN" --mail-in --queue support
check "sender matched case-insensitively; a new one gets its domain's account" \
    test "$(q "select c.email || ' ' || c.account_id || ' ' || t.account_id from contacts c join tickets t on t.contact_id = c.id where t.subject = 'Zugang gesperrt'")" = "new.person@kunde-gmbh.de $KUNDE $KUNDE"
mail "new.person@KUNDE-GMBH.DE" "ganz anderes Thema" | "$CCRM" -d "$PG_CONN" --mail-in --queue support
check "a known sender in other letter case is the same contact" \
    test "$(q "select count(*) from contacts where lower(email) = 'new.person@kunde-gmbh.de'")" = 1
# reopen per queue; closed tickets are followed up
TS=$(q "select ticket_id from messages where subject = 'Zugang gesperrt'")
q "update tickets set status = 'solved' where id = $TS"
q "update mail_queues set reopen_on_reply = false where name = 'support'"
mail "new.person@kunde-gmbh.de" "Re: Zugang gesperrt" | "$CCRM" -d "$PG_CONN" --mail-in --queue support
check "reopen_on_reply = false: a reply leaves a solved ticket solved" test "$(q "select status from tickets where id = $TS")" = solved
q "update mail_queues set reopen_on_reply = true where name = 'support'"
q "update tickets set status = 'pending' where id = $TS"
mail "new.person@kunde-gmbh.de" "AW: Zugang gesperrt" | "$CCRM" -d "$PG_CONN" --mail-in --queue support
check "a reply reopens a pending ticket" test "$(q "select status from tickets where id = $TS")" = open
q "update tickets set status = 'closed' where id = $TS"
mail "new.person@kunde-gmbh.de" "Re: Zugang gesperrt [#$TS]" | "$CCRM" -d "$PG_CONN" --mail-in --queue support
check "a reply to a closed ticket starts a new one that follows it up" \
    test "$(q "select t.id <> $TS and t.body like 'Follow-up to ticket #$TS.%' from messages m join tickets t on t.id = m.ticket_id where m.subject = 'Re: Zugang gesperrt [#$TS]'")" = t
check "...and the closed ticket stays closed" test "$(q "select status from tickets where id = $TS")" = closed
# the follow-up keeps the closed ticket's tag in its subject, and our answer adds its own at
# the end: the customer's answer to that goes to the follow-up (the last tag), every time
FU=$(q "select m.ticket_id from messages m where m.subject = 'Re: Zugang gesperrt [#$TS]'")
mail "new.person@kunde-gmbh.de" "Re: Re: Zugang gesperrt [#$TS] [#$FU]" | "$CCRM" -d "$PG_CONN" --mail-in --queue support
check "two tags: the last one (the follow-up's) files it, no third ticket" \
    test "$(q "select ticket_id || ' ' || thread_by from messages where subject = 'Re: Re: Zugang gesperrt [#$TS] [#$FU]'")" = "$FU tag"
# an answer continues the person's conversation, not the out-of-office that came after it
mail "new.person@kunde-gmbh.de" "Automatic reply: Re: Zugang gesperrt [#$FU]" "Auto-Submitted: auto-replied" |
    "$CCRM" -d "$PG_CONN" --mail-in --queue support
printf '\n\n\t \n' >"$T/blank.txt"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --reply "$FU" --body-file "$T/blank.txt" --no-send >/dev/null 2>"$T/err"
check "an answer of blank lines and tabs is empty: refused (65)" \
    bash -c "test $? = 65 && grep -q 'the answer is empty' '$T/err'"
echo "Our answer to the follow-up." >"$T/answer.txt"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --reply "$FU" --body-file "$T/answer.txt" --no-send >/dev/null 2>&1
same "the answer's subject and In-Reply-To come from the person's mail, not the auto-reply" \
    "Re: Zugang gesperrt [#$TS] [#$FU] | true" "$(q "select subject || ' | ' || (in_reply_to = (select message_id from messages where subject = 'Re: Re: Zugang gesperrt [#$TS] [#$FU]'))::text
               from messages where ticket_id = $FU and direction = 'out' order by id desc limit 1")"
# a sender address the contacts' check refuses (a quoted local part with a space, no local
# part, no domain): the mail is stored, without a contact, rather than refused or bounced
for a in '"weird local"@kunde-gmbh.de' '@kunde-gmbh.de' 'clara@'; do
    mail "Clara <$a>" "odd sender $a" | "$CCRM" -d "$PG_CONN" --mail-in --queue support 2>"$T/err"
    check "From $a: stored (exit 0: $(cat "$T/err"))" \
        test "$?:$(q "select count(*) from messages m join tickets t on t.id = m.ticket_id where m.subject = 'odd sender $a' and m.contact_id is null")" = "0:1"
done
# a stranger who puts a ticket's number in a subject files a mail on it, but an answer from the
# ticket goes to its customer, not to him
q "update tickets set status = 'open' where id = $TS"
mail "stranger@elsewhere.example" "Re: take over [#$TS]" | "$CCRM" -d "$PG_CONN" --mail-in --queue support
check "the stranger's mail is on the ticket" \
    test "$(q "select ticket_id from messages where from_addr = 'stranger@elsewhere.example'")" = "$TS"
echo "Our answer." >"$T/answer.txt"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --reply "$TS" --body-file "$T/answer.txt" --no-send >/dev/null 2>&1
check "an answer goes to the ticket's customer, not to the stranger who wrote last" \
    test "$(q "select to_addr from messages where ticket_id = $TS and direction = 'out' order by id desc limit 1")" = "new.person@kunde-gmbh.de"
mail "colleague@kunde-gmbh.de" "Re: take over [#$TS]" | "$CCRM" -d "$PG_CONN" --mail-in --queue support
q "insert into contacts (email, account_id) select 'colleague@kunde-gmbh.de', $KUNDE
   where not exists (select 1 from contacts where email = 'colleague@kunde-gmbh.de')" >/dev/null
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --reply "$TS" --body-file "$T/answer.txt" --no-send >/dev/null 2>&1
check "... while a colleague at the customer who wrote last is answered" \
    test "$(q "select to_addr from messages where ticket_id = $TS and direction = 'out' order by id desc limit 1")" = "colleague@kunde-gmbh.de"
# the loop guard
q "update mail_queues set loop_max = 3, loop_minutes = 10 where name = 'support'"
for i in 1 2 3 4 5; do mail "robot@loop.example" "ping $i" | "$CCRM" -d "$PG_CONN" --mail-in --queue support; done
check "loop guard: after 3 mails in 10 minutes a sender's mail is stored as 'loop'" \
    test "$(q "select string_agg(status, ',' order by id) from messages where from_addr = 'robot@loop.example'")" = "received,received,received,loop,loop"
check "loop guard: looped mail is not on the timeline and opens no ticket" \
    test "$(q "select count(*) filter (where interaction_id is null) || ' ' || count(distinct ticket_id) from messages where from_addr = 'robot@loop.example'")" = "2 3"
q "update mail_queues set loop_max = 20 where name = 'support'"
# plus token and queue by recipient
TO=someone@x.example mail "x@y.example" "token without queue" "Cc: support+t$T01@example.com" | "$CCRM" -d "$PG_CONN" --mail-in
check "no --queue: the queue is found by its address among the recipients (+suffix ignored)" \
    test "$(q "select q.name || ' ' || m.thread_by || ' ' || m.ticket_id from messages m join mail_queues q on q.id = m.queue_id where m.subject = 'token without queue'")" = "support token $T01"
SENDER='' "$CCRM" -d "$PG_CONN" --mail-in --queue support < <(mail "someone@x.example" "null sender")
check "an empty envelope sender (SENDER='') is a bounce" \
    test "$(q "select status from messages where subject = 'null sender'")" = bounce

# ---------------------------------------------------------------- idempotency under races
mail "race@kunde-gmbh.de" "retried twelve times" >"$T/race.eml"
for i in $(seq 12); do "$CCRM" -d "$PG_CONN" --mail-in --queue support <"$T/race.eml" & done
wait
check "12 deliveries of one mail at once: stored once" \
    test "$(q "select count(*) from messages where subject = 'retried twelve times'")" = 1
check "...and one ticket, one timeline entry" \
    test "$(q "select (select count(*) from tickets where subject = 'retried twelve times') || ' ' || (select count(*) from interactions where subject = 'retried twelve times')")" = "1 1"
for i in $(seq 8); do mail "brand.new@racing.example" "parallel $i" | "$CCRM" -d "$PG_CONN" --mail-in --queue support & done
wait
check "8 mails of one new sender at once: one contact, 8 tickets" \
    test "$(q "select (select count(*) from contacts where email = 'brand.new@racing.example') || ' ' || (select count(*) from tickets where subject like 'parallel %')")" = "1 8"
sed 's/^Message-ID:.*//' "$T/race.eml" | sed 's/retried twelve times/no id retried/' >"$T/noid.eml"
for i in 1 2 3; do "$CCRM" -d "$PG_CONN" --mail-in --queue support <"$T/noid.eml"; done
{ printf 'Received: from relay\nDelivery-date: %s\n' "$(date)"; cat "$T/noid.eml"; } | "$CCRM" -d "$PG_CONN" --mail-in --queue support
check "a mail without Message-ID delivered 4 times (one with new trace headers): stored once" \
    test "$(q "select count(*) from messages where subject = 'no id retried'")" = 1

# ---------------------------------------------------------------- the mail login's rights
mail "via.mailer@kunde-gmbh.de" "delivered by the mail login" >"$T/m.eml"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=mailer" --mail-in --queue support <"$T/m.eml" 2>"$T/err"
check "the mail login delivers (ccrm_mail_deliver)" test $? = 0
check "...and what it created names it" \
    test "$(q "select m.created_by || ' ' || t.created_by || ' ' || c.created_by from messages m join tickets t on t.id = m.ticket_id join contacts c on c.id = m.contact_id where m.subject = 'delivered by the mail login'")" = "mailer mailer mailer"
# (the questions of this section and the next in one psql session per user, each in a
# transaction rolled back: none of them may change anything, and the temporary tables below
# are about mail stored for good; the queue the admin makes comes after them)
for t in contacts tickets accounts leads interactions mail_queues; do
    ask "read $t" mailer "select count(*) from $t"
done
ask m.att mailer "select count(*) from attachments"
ask att.out postgres "select count(*) from attachments a join messages m on m.id = a.msg_id where m.direction = 'out'"
ask att.in postgres "select count(*) from attachments a join messages m on m.id = a.msg_id where m.direction = 'in'"
ask m.in mailer "select count(*) from messages where direction = 'in'"
ask m.many mailer "select * from ccrm_mail_store_many('support', true, '{x}', '{a@b.c}', null, null, null, null, null, null, null, null, null, null, null)"
ask m.store mailer "select * from ccrm_mail_store('support', 'x@y', 'a@b.c', p_live => false)"
ask m.insert mailer "insert into messages (message_id, direction, status) values ('x', 'in', 'received')"
for u in sam paul; do
    ask "deliver $u" $u "select * from ccrm_mail_deliver('support', 'x@y', 'a@b.example', null, 's', 'b')"
done
ask q.create sofia "insert into mail_queues (name, address) values ('x', 'x@example.com')"
ask q.address sam "update mail_queues set address = 'evil@example.org'"
ask q.read sam "select count(*) from mail_queues"
ask q.partner paul "select count(*) from mail_queues"
ask_all
for t in contacts tickets accounts leads interactions mail_queues; do
    check "the mail login cannot read $t" grep -q "permission denied" <<<"${ANSWER[read $t]}"
done
# it reads the attachments of outgoing mail only (the sender attaches them: schema/026)
check "the mail login reads no attachment of incoming mail" \
    test "${ANSWER[m.att]}" = "${ANSWER[att.out]}"
check "(there are attachments of incoming mail to hide)" \
    test "${ANSWER[att.in]}" -gt 0
check "the mail login sees no incoming mail" test "${ANSWER[m.in]}" = 0
check "the mail login cannot call ccrm_mail_store_many (so not live=false either)" grep -q "permission denied for function" <<<"${ANSWER[m.many]}"
check "...nor ccrm_mail_store" grep -q "permission denied for function" <<<"${ANSWER[m.store]}"
check "the mail login cannot write messages itself" grep -q "permission denied" <<<"${ANSWER[m.insert]}"
out=$(as mailer -c "create temp table messages (message_id text); create temp table contacts (email text);
                    select status from ccrm_mail_deliver('support', 'shadow@x', 'shadow@kunde-gmbh.de', null, 'shadow test', 'b')" 2>&1)
check "temporary tables of the mail login's cannot stand in for the real ones (pg_temp comes last)" \
    test "$out $(q "select (select count(*) from messages where message_id = 'shadow@x') || ' ' || (select count(*) from contacts where email = 'shadow@kunde-gmbh.de')")" = "received 1 1"
for u in sam paul; do
    check "$u may not call ccrm_mail_deliver (SECURITY DEFINER, the mail login's only)" grep -q "permission denied for function" <<<"${ANSWER[deliver $u]}"
done

# ---------------------------------------------------------------- queues: admins only
check "support may not create a queue" grep -q "permission denied" <<<"${ANSWER[q.create]}"
check "sales may not change a queue's address" grep -q "permission denied" <<<"${ANSWER[q.address]}"
check "staff read the queues" test "${ANSWER[q.read]}" = 2
check "partners do not even read the queues" grep -q "permission denied" <<<"${ANSWER[q.partner]}"
as ana -c "insert into mail_queues (name, address) values ('billing', 'billing@example.com')"
check "admins create queues" test "$(q "select count(*) from mail_queues where name = 'billing'")" = 1

# ---------------------------------------------------------------- partners see mail on what is shared
# (the questions while the account is shared in one psql session per user)
ask want postgres "select count(*) from messages m where (m.ticket_id is not null and exists (select 1 from tickets t join account_shares s on s.account_id = t.account_id where t.id = m.ticket_id and s.partner_org_id = $ORG))
          or (m.ticket_id is null and m.opportunity_id is null and m.lead_id is null and m.contact_id is not null and exists (select 1 from contacts c join account_shares s on s.account_id = c.account_id where c.id = m.contact_id and s.partner_org_id = $ORG))"
ask got paul "select count(*) from messages"
ask p.t01 paul "select count(*) from messages where ticket_id = $T01"
ask t01 postgres "select count(*) from messages where ticket_id = $T01"
ask p.weiss paul "select count(*) from messages where from_addr like '%maschinenbau-weiss.de'"
ask wanta postgres "select count(*) from attachments x join messages m on m.id = x.msg_id where m.ticket_id is not null and exists (select 1 from tickets t join account_shares s on s.account_id = t.account_id where t.id = m.ticket_id and s.partner_org_id = $ORG)"
ask p.att paul "select count(*) from attachments"
ask p.pdf paul "select octet_length(content) from attachments where name like 'Kontoauszug%'"
ask p.insert paul "insert into messages (message_id, direction, status) values ('p@x', 'in', 'received')"
ask_all
want=${ANSWER[want]} got=${ANSWER[got]} wanta=${ANSWER[wanta]}
check "partner paul counts exactly the $want mails on shared records" test "$got" = "$want"
check "...which are some, all of Anna's ticket among them" \
    test "${ANSWER[p.t01]}" = "${ANSWER[t01]}"
check "partner: no mail of an unshared account (Maschinenbau Weiß)" \
    test "${ANSWER[p.weiss]}" = 0
check "partner: exactly the $wanta attachments of the mail it sees" test "${ANSWER[p.att]}" = "$wanta"
check "partner: the PDF of Anna's mail is visible, bytes included" \
    test "${ANSWER[p.pdf]}" = 3080
q "delete from account_shares where account_id = $KUNDE"
check "unsharing hides the mail at once" test "$(as paul -c "select (select count(*) from messages where ticket_id = $T01) || ' ' || (select count(*) from attachments)")" = "0 0"
q "insert into account_shares (account_id, partner_org_id) values ($KUNDE, $ORG)"
check "partners write no mail" grep -q "permission denied" <<<"${ANSWER[p.insert]}"

# ---------------------------------------------------------------- staff rights on mail
# (the refusals of this section and the next in one psql session per user, before the changes
# below: the mails and the queue they name are there until then)
ask s.rewrite sam "update messages set body_text = 'rewritten' where ticket_id = $T01"
ask s.status sofia "update messages set status = 'sent' where message_id = 'tag.1@mail.gmail.com'"
ask s.delete sam "delete from messages where message_id = 'tag.1@mail.gmail.com'"
ask s.partner paul "select ccrm_delete('messages', array[1]::bigint[])"
ask s.queue sofia "select ccrm_delete('mail_queues', array[(select id from mail_queues where name = 'billing')])"
ask s.many paul "select * from ccrm_mail_store_many('support', false, '{x}', '{a@b.c}', null, null, null, null, null, null, null, null, null, null, null)"
ask_all
check "nobody rewrites what a mail said" grep -q "permission denied" <<<"${ANSWER[s.rewrite]}"
as sofia -c "update messages set ticket_id = null, contact_id = contact_id where message_id = 'token.1@other.example'"
check "staff may file a mail elsewhere (links)" test "$(q "select ticket_id is null from messages where message_id = 'token.1@other.example'")" = t
check "a received mail's status does not change" grep -q "cannot go from received to sent" <<<"${ANSWER[s.status]}"
check "nobody deletes mail with DELETE (no grant: ccrm_delete)" grep -q "permission denied" <<<"${ANSWER[s.delete]}"
TAG1=$(q "select id from messages where message_id = 'tag.1@mail.gmail.com'")
check "ccrm_delete: someone else's mail is skipped" \
    test "$(as sam -c "select ccrm_delete('messages', array[$TAG1]::bigint[])") $(q "select count(*) from messages where id = $TAG1")" = "0 1"
mail "own.mail@kunde-gmbh.de" "stored by sofia" | "$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --mail-in --queue support 2>"$T/err"
OWN=$(q "select id from messages where subject = 'stored by sofia'")
check "...whoever stored a mail deletes it" \
    test "$(as sofia -c "select ccrm_delete('messages', array[$OWN]::bigint[])") $(q "select count(*) from messages where id = $OWN")" = "1 0"
check "...management deletes any (and its attachments go with it)" \
    test "$(as mia -c "select ccrm_delete('messages', array[$TAG1]::bigint[])") $(q "select (select count(*) from messages where id = $TAG1) || ' ' || (select count(*) from attachments where msg_id = $TAG1)")" = "1 0 0"
check "...partners delete no mail" grep -q "partners cannot delete" <<<"${ANSWER[s.partner]}"
check "only admins delete a queue" grep -q "only admins delete mail queues" <<<"${ANSWER[s.queue]}"
check "...an admin does" test "$(as ana -c "select ccrm_delete('mail_queues', array[(select id from mail_queues where name = 'billing')])")" = 1

# ---------------------------------------------------------------- the set-based store (SECURITY DEFINER)
check "partners cannot call ccrm_mail_store_many" grep -q "permission denied for function" <<<"${ANSWER[s.many]}"
out=$(as sam -c "create temp table ccrm_mail_work (i int); select * from ccrm_mail_store_many('support', false, '{own.work@x}', '{a@b.c}', null, null, null, null, null, null, null, null, null, null, null)" 2>&1)
check "a caller's temporary ccrm_mail_work is refused, not used (it runs as the owner)" \
    bash -c "grep -q 'a temporary table ccrm_mail_work of another role is in the way' <<<'$out' && test $(q "select count(*) from messages where message_id = 'own.work@x'") = 0"

# ---------------------------------------------------------------- timeline, events, audit
# (the questions of these checks in one psql session per user: nothing changes in between)
ask t1 postgres "select count(*) from messages m join interactions i on i.id = m.interaction_id where m.direction = 'in' and i.kind = 'email' and i.channel = 'email' and i.direction = 'in'"
ask t2 postgres "select count(*) from messages where direction = 'in' and status <> 'loop'"
ask t3 postgres "select count(*) from interactions where account_id = $KUNDE and kind = 'email'"
ask t4 postgres "select summary from events where entity = 'messages' and entity_id = (select id from messages where message_id = 'reply.2.anna@kunde-gmbh.de')"
ask t5 postgres "select (select count(*) from audit a join messages m on a.entity = 'messages' and a.entity_id = m.id where m.message_id = 'reply.2.anna@kunde-gmbh.de') || ' ' || (select count(*) from audit a join messages m on a.entity = 'interactions' and a.entity_id = m.interaction_id where m.message_id = 'reply.2.anna@kunde-gmbh.de')"
ask t6 paul "select count(*) from events e join messages m on e.entity = 'interactions' and e.entity_id = m.interaction_id where m.ticket_id = $T01"
ask t7 postgres "select count(*) from messages where ticket_id = $T01 and account_id is not null"
ask t8 paul "select count(*) from events where entity in ('messages', 'attachments', 'mail_queues')"
ask_all
check "every stored mail but looped ones is an interaction (email, in)" \
    test "${ANSWER[t1]}" = "${ANSWER[t2]}"
check "the customer 360 (account) timeline has Anna's mails" \
    test "${ANSWER[t3]}" -ge 5
check "a mail writes an event with a readable summary" \
    test "${ANSWER[t4]}" = "mail from Anna Berger: AW: Rechnung doppelt abgebucht"
check "...and audit rows for the mail and its interaction" \
    test "${ANSWER[t5]}" = "1 1"
# (a stranger's mail on the ticket, token.1, is on no account's timeline: the partner reads it
# in the ticket's conversation only)
check "partners see the interaction events of shared mail (their timeline updates live)" \
    test "${ANSWER[t6]}" = "${ANSWER[t7]}"
check "partners see no events of the messages table (summaries name senders)" \
    test "${ANSWER[t8]}" = 0

done_testing
