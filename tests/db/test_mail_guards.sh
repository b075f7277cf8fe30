#!/usr/bin/env bash
# Mail that must be stored whatever its size, and mail that must not reach another customer's
# ticket (docs/mail.md §3, §5, §7; docs/security.md §10), as the mail login and as staff:
#   - a long subject (3,000 letters; 10,000 RFC 2047 words) or sender (3,000 characters) is
#     stored (exit 0), not deferred for ever (75); an address longer than RFC 5321's 254 octets
#     makes no contact; a value the database refuses for good is exit 65, never 75; an import
#     reports such a mail by its place and stores the rest;
#   - plus-address tokens count only in our queues' addresses; a stranger's mail is filed on
#     the ticket it names but reopens nothing and is not on the customer's account timeline;
#     the customer and a contact of the account still reopen it;
#   - attachment names and types that reach the database are one line without directories,
#     for every writer (staff's ccrm_mail_store and ccrm_mail_store_many, psql inserts);
#   - an import of history starts its tickets at their first mail's date, without SLA clocks.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/mail.sh"
CCRM=${1:?usage: test_mail_guards.sh path/to/ccrm}
T=$TEST_TMP
shopt -s lastpipe # `printf ... | deliver ...` sets rc here, not in a subshell
mail_demo 20
q "create role mailer login in role ccrm_mail"

deliver() { # deliver USER QUEUE < mail: --mail-in as USER; out, err and rc
    "$CCRM" -c "$T/ccrm.ini" -d "host=$PG_DIR dbname=ccrm user=$1" --mail-in --queue "$2" >"$T/out" 2>"$T/err"
    rc=$?
}
imp() { # imp USER FILE: --import-mail as USER; out, err and rc
    "$CCRM" -c "$T/ccrm.ini" -d "host=$PG_DIR dbname=ccrm user=$1" --import-mail "$2" --queue support >"$T/out" 2>"$T/err"
    rc=$?
}
letters() { tr -dc 'a-z' </dev/urandom | head -c "$1"; }
# the mail with this Message-ID: "field | field ..." of messages m (joined to its interaction i)
msg() { q "select $2 from messages m left join interactions i on i.id = m.interaction_id where m.message_id = '$1'"; }

q "insert into accounts (name, domain) values ('Victim AG', 'victim.example'), ('Other GmbH', 'other.example')"
V=$(q "select id from accounts where domain = 'victim.example'")
O=$(q "select id from accounts where domain = 'other.example'")
q "insert into contacts (first_name, last_name, email, account_id)
   values ('Vic', 'Tim', 'vic@victim.example', $V), ('Col', 'League', 'col@victim.example', $V),
          ('Mal', 'Lory', 'mal@other.example', $O)"
q "insert into mail_queues (name, address, from_name, reply_to, creates, unknown_sender, assignee)
   values ('support', 'support@ccrm.example', 'Support', 'answers@ccrm.example', 'ticket', 'contact', 'sofia'),
          ('quiet', 'quiet@ccrm.example', 'Quiet', null, 'ticket', 'none', 'sofia')"

# ================================================================ 1. long values
S1=$(letters 3000)
printf 'From: Kunde <k1@example.org>\nTo: support@ccrm.example\nSubject: %s\nMessage-ID: <g-long1@example.org>\n\nx\n' "$S1" |
    deliver mailer support
check "a subject of 3,000 letters, as the mail login: stored, exit 0 ($(cat "$T/err"))" test $rc = 0
same "...all of it on the mail, 200 characters on its ticket" "3000 200" \
    "$(q "select length(m.subject) || ' ' || length(t.subject) from messages m join tickets t on t.id = m.ticket_id where m.message_id = 'g-long1@example.org'")"
printf 'From: Kunde <k1@example.org>\nTo: support@ccrm.example\nSubject: Re: %s\nMessage-ID: <g-long2@example.org>\n\nx\n' "$S1" |
    deliver sofia support
check "...its answer with the same subject, as staff: exit 0 ($(cat "$T/err"))" test $rc = 0
same "...joins the conversation by its subject" "subject true" \
    "$(q "select m.thread_by || ' ' || (m.ticket_id = (select ticket_id from messages where message_id = 'g-long1@example.org'))
          from messages m where m.message_id = 'g-long2@example.org'")"
W=$(printf '=?UTF-8?Q?=F0=9F=98=80x?= %.0s' $(seq 10000))
printf 'From: Kunde <k2@example.org>\nTo: support@ccrm.example\nSubject: %s\nMessage-ID: <g-words@example.org>\n\nx\n' "$W" |
    deliver mailer support
check "a subject of 10,000 encoded words (4-byte characters): exit 0 ($(cat "$T/err"))" test $rc = 0
same "...stored on a ticket, cut to at most 4,000 bytes" "t t" \
    "$(msg g-words@example.org "octet_length(m.subject) between 3000 and 4000, m.ticket_id is not null" | tr '|' ' ')"
LONGADDR="$(letters 2990)@example.org"
printf 'From: Long Sender <%s>\nTo: support@ccrm.example\nSubject: long sender\nMessage-ID: <g-sender1@example.org>\n\nx\n' "$LONGADDR" |
    deliver mailer support
check "a sender of 3,000 characters, as the mail login: exit 0 ($(cat "$T/err"))" test $rc = 0
same "...a person's mail on a new ticket, from no usable address, without a contact" "received | - | Long Sender | none" \
    "$(q "select m.status || ' | ' || coalesce(m.from_addr, '-') || ' | ' || m.from_name || ' | ' || coalesce(t.contact_id::text, 'none')
          from messages m join tickets t on t.id = m.ticket_id where m.message_id = 'g-sender1@example.org'")"
printf 'From: %s\nTo: support@ccrm.example\nSubject: long sender again\nMessage-ID: <g-sender2@example.org>\n\nx\n' "$LONGADDR" |
    deliver sofia support
check "...and as staff: exit 0 ($(cat "$T/err"))" test $rc = 0
check "...no contact holds an address longer than 254 octets" \
    test "$(q "select count(*) from contacts where octet_length(email) > 254")" = 0
ADDR254="$(letters 240)@example.org"
printf 'From: %s\nTo: support@ccrm.example\nSubject: just fits\nMessage-ID: <g-sender3@example.org>\n\nx\n' "$ADDR254" |
    deliver mailer support
check "an address of 252 octets is still one: exit 0, a contact" \
    test "$rc $(q "select count(*) from contacts where email = '$ADDR254'")" = "0 1"

# a value the database refuses for good is 65 with one line, never 75 (an index row too large:
# SQLSTATE 54000, here from a trigger of the test)
psqlc <<'SQL' || fail "the test's refusing trigger"
create function pg_temp_refuse() returns trigger language plpgsql as $$
begin
    if new.subject like 'refuse me%' then
        raise exception 'index row size 3040 exceeds btree version 4 maximum 2704 for index "test"'
            using errcode = '54000';
    end if;
    return new;
end $$;
create trigger test_refuse before insert on messages for each row execute function pg_temp_refuse();
SQL
printf 'From: Kunde <k3@example.org>\nTo: support@ccrm.example\nSubject: refuse me\nMessage-ID: <g-refuse1@example.org>\n\nx\n' |
    deliver mailer support
check "a mail the database cannot index: exit 65, not 75 ($rc: $(cat "$T/err"))" test $rc = 65
check "...one line, which the MTA puts in its bounce" \
    test "$(wc -l <"$T/err") $(grep -c 'index row size' "$T/err")" = "1 1"

# the import: each such mail stored, a refused one reported by its place, the rest stored
{
    printf 'From import@test Mon Mar  4 10:00:00 2024\nFrom: Imp <imp1@example.org>\nTo: support@ccrm.example\nSubject: import one\nDate: Mon, 04 Mar 2024 10:00:00 +0100\nMessage-ID: <g-imp1@example.org>\n\none\n\n'
    printf 'From import@test Mon Mar  4 10:01:00 2024\nFrom: Imp <imp2@example.org>\nTo: support@ccrm.example\nSubject: %s\nDate: Mon, 04 Mar 2024 10:01:00 +0100\nMessage-ID: <g-imp2@example.org>\n\ntwo\n\n' "$(letters 3000)"
    printf 'From import@test Mon Mar  4 10:02:00 2024\nFrom: %s\nTo: support@ccrm.example\nSubject: long sender\nDate: Mon, 04 Mar 2024 10:02:00 +0100\nMessage-ID: <g-imp3@example.org>\n\nthree\n\n' "$(letters 2990)@example.org"
    printf 'From import@test Mon Mar  4 10:03:00 2024\nFrom: Imp <imp4@example.org>\nTo: support@ccrm.example\nSubject: refuse me too\nDate: Mon, 04 Mar 2024 10:03:00 +0100\nMessage-ID: <g-imp4@example.org>\n\nfour\n\n'
    printf 'From import@test Mon Mar  4 10:04:00 2024\nFrom: Imp <imp5@example.org>\nTo: support@ccrm.example\nSubject: %s\nDate: Mon, 04 Mar 2024 10:04:00 +0100\nMessage-ID: <g-imp5@example.org>\n\nfive\n\n' "$W"
} >"$T/long.mbox"
imp sofia "$T/long.mbox"
check "import: exit 65 (a mail refused), not 70 ($rc: $(cat "$T/err"))" test $rc = 65
check "...the refused mail named by its place" grep -q "long.mbox: mail 4: .*SQLSTATE 54000" "$T/err"
check "...and the rest stored: long subjects and sender too" \
    test "$(q "select count(*) from messages where message_id in ('g-imp1@example.org', 'g-imp2@example.org', 'g-imp3@example.org', 'g-imp5@example.org')") $(q "select count(*) from messages where message_id = 'g-imp4@example.org'")" = "4 0"
same "...the batch counts four stored, one rejected" "4 1" \
    "$(q "select inserted || ' ' || rejected from import_batches order by id desc limit 1")"
# the same through ccrm_mail_store_many from psql: a Message-ID longer than the column takes
out=$(as sofia -c "select i || ' ' || status || ' ' || coalesce(thread_by, '-') from ccrm_mail_store_many('support', false,
        array['g-many1@example.org', repeat('x', 999) || '@example.org', 'g-many3@example.org'],
        array['m1@example.org', 'm2@example.org', 'm3@example.org'], null,
        array['many one', 'many two', 'many three'], array['a', 'b', 'c'], null, null, null, null, null, null,
        array['support@ccrm.example', 'support@ccrm.example', 'support@ccrm.example'], null)" 2>&1)
same "ccrm_mail_store_many as staff: the mail the table refuses is 'refused' with its SQLSTATE, the others stored" \
    "1 received -
2 refused 23514
3 received -" "$out"
q "drop trigger test_refuse on messages; drop function pg_temp_refuse()"

# ================================================================ 2. strangers and tokens
printf 'From: Vic Tim <vic@victim.example>\nTo: support@ccrm.example\nSubject: Drucker kaputt\nMessage-ID: <g-v1@victim.example>\n\nDer Drucker.\n' |
    deliver mailer support
TK=$(msg g-v1@victim.example m.ticket_id)
check "the customer's mail made ticket $TK on her account" test "$(q "select account_id from tickets where id = ${TK:-0}")" = "$V"
q "update tickets set status = 'pending' where id = $TK"
status() { q "select status from tickets where id = $TK"; }
on_victim() { # how many of the stranger's mails are on the victim's account timeline
    q "select count(*) from interactions where account_id = $V and subject like 'g-stranger%'"
}
printf 'From: eve@evil.example\nTo: support@ccrm.example\nSubject: g-stranger Re: hi [#%s]\nMessage-ID: <g-e1@evil.example>\n\nx\n' "$TK" |
    deliver mailer support
same "a stranger's [#$TK], as the mail login: filed on the ticket by its tag, exit 0" "0 $TK tag" \
    "$rc $(msg g-e1@evil.example "m.ticket_id || ' ' || m.thread_by")"
same "...the pending ticket stays pending" pending "$(status)"
same "...his mail and its timeline entry carry no account (nor the customer's contact)" "- - - -" \
    "$(msg g-e1@evil.example "coalesce(m.account_id::text, '-') || ' ' || coalesce(i.account_id::text, '-') || ' ' || coalesce(m.contact_id::text, '-') || ' ' || coalesce(i.contact_id::text, '-')")"
check "...staff see it on the ticket's timeline" \
    test "$(q "select count(*) from interactions where ticket_id = $TK and subject like 'g-stranger Re: hi%'")" = 1
printf 'From: eve@evil.example\nTo: support+t%s@ccrm.example\nSubject: g-stranger token\nMessage-ID: <g-e2@evil.example>\n\nx\n' "$TK" |
    deliver mailer support
same "a stranger's mail to support+t$TK@: filed by the token, the ticket stays pending" "token $TK pending" \
    "$(msg g-e2@evil.example "m.thread_by || ' ' || m.ticket_id") $(status)"
q "update tickets set status = 'solved' where id = $TK"
printf 'From: Mal Lory <mal@other.example>\nTo: support@ccrm.example\nSubject: g-stranger [#%s]\nMessage-ID: <g-m1@other.example>\n\nx\n' "$TK" |
    deliver sofia support
same "a contact of another account, stored by staff: the solved ticket stays solved" "0 solved" "$rc $(status)"
same "...his entry is under his own contact and account, not the customer's" "$O $O" \
    "$(msg g-m1@other.example "m.account_id || ' ' || i.account_id")"
same "none of the strangers' mails is on the customer's account timeline" 0 "$(on_victim)"
printf 'From: eve@evil.example\nTo: x+t%s@evil.example, support@ccrm.example\nSubject: g-stranger other domain\nMessage-ID: <g-e3@evil.example>\n\nx\n' "$TK" |
    deliver mailer support
same "a token in an address of another domain counts for nothing: a new ticket" "- false" \
    "$(msg g-e3@evil.example "coalesce(m.thread_by, '-') || ' ' || (m.ticket_id = $TK)")"
printf 'From: Vic Tim <vic@victim.example>\nTo: answers+t%s@ccrm.example\nSubject: still broken\nMessage-ID: <g-v2@victim.example>\n\nx\n' "$TK" |
    deliver mailer support
same "the customer's answer to our Reply-To's token: filed by it, reopens the solved ticket, on her account" "token $TK $V open" \
    "$(msg g-v2@victim.example "m.thread_by || ' ' || m.ticket_id || ' ' || i.account_id") $(status)"
q "update tickets set status = 'pending' where id = $TK"
printf 'From: col@victim.example\nTo: support@ccrm.example\nSubject: Re: Drucker kaputt [#%s]\nMessage-ID: <g-c1@victim.example>\n\nx\n' "$TK" |
    deliver sofia support
same "a contact of the customer's account reopens it (stored by staff)" "0 open $V" "$rc $(status) $(msg g-c1@victim.example i.account_id)"
# a queue that makes no contacts: whoever started a ticket reopens it, nobody else
printf 'From: walkin@nowhere.example\nTo: quiet@ccrm.example\nSubject: no contact please\nMessage-ID: <g-w1@nowhere.example>\n\nx\n' |
    deliver mailer quiet
TQ=$(msg g-w1@nowhere.example m.ticket_id)
q "update tickets set status = 'pending' where id = $TQ"
printf 'From: eve@evil.example\nTo: quiet@ccrm.example\nSubject: Re: [#%s]\nMessage-ID: <g-e4@evil.example>\n\nx\n' "$TQ" |
    deliver mailer quiet
same "a ticket without a contact: a stranger does not reopen it" pending "$(q "select status from tickets where id = $TQ")"
printf 'From: walkin@nowhere.example\nTo: quiet@ccrm.example\nSubject: Re: no contact please [#%s]\nMessage-ID: <g-w2@nowhere.example>\n\nx\n' "$TQ" |
    deliver mailer quiet
same "...whoever started it does" open "$(q "select status from tickets where id = $TQ")"
# the import: no token of another domain, no account for a stranger
q "update tickets set status = 'pending' where id = $TK"
{
    printf 'From import@test Tue Mar  5 10:00:00 2024\nFrom: eve@evil.example\nTo: support@ccrm.example\nSubject: g-stranger import [#%s]\nDate: Tue, 05 Mar 2024 10:00:00 +0100\nMessage-ID: <g-ie1@evil.example>\n\nx\n\n' "$TK"
    printf 'From import@test Tue Mar  5 10:01:00 2024\nFrom: eve@evil.example\nTo: x+t%s@evil.example, support@ccrm.example\nSubject: g-stranger import other domain\nDate: Tue, 05 Mar 2024 10:01:00 +0100\nMessage-ID: <g-ie2@evil.example>\n\nx\n\n' "$TK"
} >"$T/strangers.mbox"
imp sofia "$T/strangers.mbox"
check "import of a stranger's mail: exit 0 ($(cat "$T/err"))" test $rc = 0
same "...filed on the ticket by its tag, without an account" "tag $TK - -" \
    "$(msg g-ie1@evil.example "m.thread_by || ' ' || m.ticket_id || ' ' || coalesce(m.account_id::text, '-') || ' ' || coalesce(i.account_id::text, '-')")"
same "...a token of another domain counts for nothing" "- false" \
    "$(msg g-ie2@evil.example "coalesce(m.thread_by, '-') || ' ' || (m.ticket_id = $TK)")"
same "...still nothing of the strangers on the customer's account timeline" 0 "$(on_victim)"

# ================================================================ 3. attachment names and types
out=$(as sofia -c "select status from ccrm_mail_store('support', 'g-att1@example.org', 'k5@example.org', p_subject => 'files',
        p_att_names => array['../../etc/passwd', E'evil\\x1b[2J.txt', E'a\\r\\nContent-Type: text/html', '..',
                             E'C:\\\\Users\\\\evil.doc'],
        p_att_types => array['text/plain', E'text/plain\\r\\nX-Evil: 1', 'Application/PDF', 'x', 'text/plain'],
        p_att_contents => array['a'::bytea, 'b', 'c', 'd', 'e'])" 2>&1)
same "staff's ccrm_mail_store with names holding ../, ESC and CR LF: stored" received "$out"
same "...names without directories or control characters, types type/subtype" \
    ".._.._etc_passwd text/plain|evil_[2J.txt application/octet-stream|a__Content-Type: text_html application/pdf|attachment application/octet-stream|C:_Users_evil.doc text/plain" \
    "$(q "select string_agg(a.name || ' ' || a.type, '|' order by a.id) from attachments a join messages m on m.id = a.msg_id where m.message_id = 'g-att1@example.org'")"
out=$(as sofia -c "select count(*) from ccrm_mail_store_many('support', false, array['g-att2@example.org'], array['k6@example.org'],
        null, array['files'], array['x'], null, null, null, null, null, null, null, null,
        array[1, 1], array[E'../x\\ny', 'ok.pdf'], array[E'text/plain\\r\\nX: 1', 'application/pdf'], null, array['a'::bytea, 'b'])" 2>&1)
same "...and through ccrm_mail_store_many (SECURITY DEFINER)" "1 .._x_y application/octet-stream|ok.pdf application/pdf" \
    "$out $(q "select string_agg(a.name || ' ' || a.type, '|' order by a.id) from attachments a join messages m on m.id = a.msg_id where m.message_id = 'g-att2@example.org'")"
out=$(as sofia -c "begin;
    select status from ccrm_mail_store('support', 'g-att3@example.org', 'k7@example.org', p_subject => 'more');
    insert into attachments (msg_id, name, type, size, content)
        select id, E'evil\\r\\nname', 'text/plain', 1, 'a' from messages where message_id = 'g-att3@example.org';
    commit" 2>&1)
check "a person's own insert beside the mail she stores: a name with CR LF refused" grep -q 'is not one' <<<"$out"
out=$(as sofia -c "begin;
    select status from ccrm_mail_store('support', 'g-att4@example.org', 'k7@example.org', p_subject => 'more');
    insert into attachments (msg_id, name, type, size, content)
        select id, 'fine.txt', 'text/plain', 1, 'a' from messages where message_id = 'g-att4@example.org';
    commit" 2>&1)
check "...a proper one is kept" test "$(q "select count(*) from attachments a join messages m on m.id = a.msg_id where m.message_id = 'g-att4@example.org' and a.name = 'fine.txt'")" = 1

# ================================================================ 4. history starts in the past
q "update sla_policies set active = true"
check "(an SLA policy covers the support queue's tickets)" test "$(q "select count(*) from sla_policies where active")" -gt 0
{
    printf 'From import@test Fri Mar  1 10:00:00 2024\nFrom: Hist <hist@example.org>\nTo: support@ccrm.example\nSubject: old question\nDate: Fri, 01 Mar 2024 10:00:00 +0100\nMessage-ID: <g-h1@example.org>\n\nold\n\n'
    printf 'From import@test Fri Mar  1 12:00:00 2024\nFrom: Hist <hist@example.org>\nTo: support@ccrm.example\nSubject: Re: old question\nDate: Fri, 01 Mar 2024 12:00:00 +0100\nMessage-ID: <g-h2@example.org>\nIn-Reply-To: <g-h1@example.org>\n\nolder\n\n'
    printf 'From import@test Sat Mar  2 09:30:00 2024\nFrom: Hist2 <hist2@example.org>\nTo: support@ccrm.example\nSubject: another old one\nDate: Sat, 02 Mar 2024 09:30:00 +0100\nMessage-ID: <g-h3@example.org>\n\nold\n\n'
} >"$T/history.mbox"
imp sofia "$T/history.mbox"
check "import of history: exit 0 ($(cat "$T/err"))" test $rc = 0
same "its tickets start at their first mail's date" \
    "2024-03-01 09:00:00+00 2024-03-01 09:00:00+00|2024-03-02 08:30:00+00 2024-03-02 08:30:00+00" \
    "$(q "set timezone = 'UTC'; select string_agg(t.created_at || ' ' || t.updated_at, '|' order by t.created_at) from tickets t
          where t.id in (select ticket_id from messages where message_id in ('g-h1@example.org', 'g-h3@example.org'))")"
same "...and start no SLA clock" 0 \
    "$(q "select count(*) from sla_clocks where ticket_id in (select ticket_id from messages where message_id like 'g-h_@example.org')")"
printf 'From: Live <live@example.org>\nTo: support@ccrm.example\nSubject: live question\nMessage-ID: <g-live1@example.org>\nDate: Fri, 01 Mar 2024 10:00:00 +0100\n\nnow\n' |
    deliver mailer support
same "live delivery unchanged: the ticket starts now, with its SLA clocks" "0 t t" \
    "$rc $(q "select t.created_at > now() - interval '1 minute' from tickets t join messages m on m.ticket_id = t.id where m.message_id = 'g-live1@example.org'") $(q "select count(*) > 0 from sla_clocks k join messages m on m.ticket_id = k.ticket_id where m.message_id = 'g-live1@example.org'")"
B=$(q "select max(id) from import_batches")
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --revert "$B" >"$T/out" 2>"$T/err"
check "...and the history import reverts ($(cat "$T/err"))" \
    test "$? $(q "select count(*) from messages where message_id like 'g-h_@example.org'")" = "0 0"

done_testing
