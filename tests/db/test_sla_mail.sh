#!/usr/bin/env bash
# An answer by mail meets the ticket's response clocks when sendmail takes it (migration 057,
# ccrm_sla_mail_sent): while it waits in the outbox, fails and is retried, or is given up, the
# clock runs on and breaches; a question the customer asks after the answer was written waits
# for the next answer; a call logged by hand still counts when it is logged. sendmail is a
# script that keeps what it gets (tests/lib/mail.sh).
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/mail.sh"
CCRM=${1:?usage: test_sla_mail.sh path/to/ccrm}
D=$(cd "$(dirname "$0")/../data/mail" && pwd)
T=$TEST_TMP
mail_demo 20
# nor the demo's service levels: this test has its own policy
psqlc -c "update sla_policies set active = false; delete from sla_clocks; delete from responsibilities" >/dev/null ||
    fail "clearing the demo's service levels"
q "create role mailer login in role ccrm_mail"
q "insert into mail_queues (name, address, creates, assignee)
   values ('support', 'support@example.com', 'ticket', 'sofia')"
CAL=$(as mia -c "insert into calendars (name, time_zone, hours, holidays) values ('T 24/7', 'Europe/Berlin', '24/7', '{}') returning id" | head -1)
as mia -c "insert into sla_policies (name, calendar_id, first_response_min, next_response_min, resolution_min)
           values ('T Mail', $CAL, 60, 120, 480)" >/dev/null
# clock TICKET KIND: whether each of its clocks of that kind is met (none: it has none)
clock() { q "select coalesce(string_agg((met_at is not null)::text, ',' order by id), 'none') from sla_clocks where ticket_id = $1 and kind = '$2'"; }

"$CCRM" -d "$PG_CONN" --mail-in --queue support <"$D/01-alternative.eml" || fail "deliver 01"
TK=$(q "select ticket_id from messages where direction = 'in' order by id desc limit 1")
check "the mail's ticket has a running first-response clock" test "$(clock "$TK" first_response)" = false
check "the mail's ticket is new" test "$(q "select status from tickets where id = $TK")" = new

# ---- sendmail refuses the answer: it is on the timeline, the clock runs on
touch "$T/fail"
printf 'Guten Tag,\n\nwir sehen uns das an.\n' >"$T/answer.txt"
run sofia --reply "$TK" --body-file "$T/answer.txt"
M=$(q "select max(id) from messages where direction = 'out'")
check "sendmail failing: --reply exits 0, the answer queued" \
    test "$rc $(q "select status from messages where id = $M")" = "0 queued"
check "the answer is on the timeline" \
    test "$(q "select count(*) from interactions where ticket_id = $TK and direction = 'out' and channel = 'email'")" = 1
check "an answer not sent meets no response clock" test "$(clock "$TK" first_response)" = false
check "the answer opened the new ticket, in sofia's name" \
    test "$(q "select t.status || ' ' || (select a.actor from audit a where a.entity = 'tickets' and a.entity_id = t.id and a.op = 'update' order by a.id desc limit 1) from tickets t where t.id = $TK")" = "open sofia"
# two hours pass while it is retried
q "update sla_clocks set started_at = started_at - interval '2 hours', running_since = running_since - interval '2 hours'
    where ticket_id = $TK; select ccrm_sla_recompute(array(select id from sla_clocks where ticket_id = $TK))" >/dev/null
check "retried for two hours: the first response is due in the past, unmet" \
    test "$(q "select (due_at < now()) || ' ' || (met_at is null) from sla_clocks where ticket_id = $TK and kind = 'first_response'")" = "true true"

# ---- sendmail takes it: met at the moment it was sent, breached at the due time
rm -f "$T/fail"
q "update messages set next_attempt_at = now() where id = $M"
run mailer --send-mail
check "--send-mail sends it" test "$rc $(q "select status from messages where id = $M")" = "0 sent"
check "sent: the first response is met at the time sendmail took it" \
    test "$(q "select (k.met_at = m.sent_at)::text from sla_clocks k, messages m where k.ticket_id = $TK and k.kind = 'first_response' and m.id = $M")" = true
check "...and breached, since that was after its due time" \
    test "$(q "select (breached_at is not null)::text from sla_clocks where ticket_id = $TK and kind = 'first_response'")" = true
check "the resolution clock runs on" test "$(clock "$TK" resolution)" = false

# ---- the customer writes again: a next-response clock; an answer written before it does not
#      meet it, the next one sent does
printf 'From: Anna Berger <anna.berger@kunde-gmbh.de>\nTo: support@example.com\nSubject: Re: [#%s] noch da?\nMessage-ID: <sla-mail.2@kunde-gmbh.de>\n\nHallo?\n' "$TK" |
    "$CCRM" -d "$PG_CONN" --mail-in --queue support || fail "deliver the customer's second mail"
check "the customer's next mail starts a next-response clock" test "$(clock "$TK" next_response)" = false
run sofia --reply "$TK" --body-file "$T/answer.txt" --no-send
M2=$(q "select max(id) from messages where direction = 'out'")
q "update messages set received_at = received_at - interval '1 hour' where id = $M2"
run mailer --send-mail
check "an answer written before the question was asked meets no clock of it" \
    test "$rc $(q "select status from messages where id = $M2") $(clock "$TK" next_response)" = "0 sent false"
run sofia --reply "$TK" --body-file "$T/answer.txt"
check "the next answer sent meets it" test "$rc $(clock "$TK" next_response)" = "0 true"
as sofia -c "update tickets set status = 'pending' where id = $TK" >/dev/null
run sofia --reply "$TK" --body-file "$T/answer.txt" --no-send
check "an answer to a pending ticket leaves it pending" \
    test "$rc $(q "select status from tickets where id = $TK")" = "0 pending"

# ---- a call logged by hand still counts when it is logged
"$CCRM" -d "$PG_CONN" --mail-in --queue support <"$D/03-base64-utf8.eml" || fail "deliver 03"
TK2=$(q "select ticket_id from messages where direction = 'in' order by id desc limit 1")
as sofia -c "insert into interactions (kind, channel, direction, subject, ticket_id) values ('call', 'phone', 'out', 'called back', $TK2)" >/dev/null
check "a call out logged on the ticket meets the first response at once" test "$(clock "$TK2" first_response)" = true

# ---- the customer asks again while the answer waits in the outbox: when it goes, the
#      question gets its clock, from when it came; a sent_at written by hand is not the time
"$CCRM" -d "$PG_CONN" --mail-in --queue support <"$D/05-cp1252.eml" || fail "deliver 05"
TK3=$(q "select ticket_id from messages where direction = 'in' order by id desc limit 1")
run sofia --reply "$TK3" --body-file "$T/answer.txt" --no-send
M3=$(q "select max(id) from messages where direction = 'out'")
printf 'From: %s\nTo: support@example.com\nSubject: Re: [#%s] and?\nMessage-ID: <sla-mail.3@example.org>\n\nStill there?\n' \
    "$(q "select from_addr from messages where ticket_id = $TK3 and direction = 'in' order by id limit 1")" "$TK3" |
    "$CCRM" -d "$PG_CONN" --mail-in --queue support || fail "the customer's question while the answer waits"
check "the question while an answer waits starts nothing yet (the first response is open)" \
    test "$(clock "$TK3" next_response)" = none
as sofia -c "update messages set status = 'sending' where id = $M3" >/dev/null
out=$(as sofia -c "update messages set status = 'sent', sent_at = '2020-01-01' where id = $M3" 2>&1)
check "a sent_at written by hand is refused ($out)" grep -q "was sent is not changed by hand" <<<"$out"
as sofia -c "update messages set status = 'sent' where id = $M3" >/dev/null
check "marked sent by hand: met now, when it became sent" \
    test "$(q "select (met_at > now() - interval '1 minute')::text from sla_clocks where ticket_id = $TK3 and kind = 'first_response'")" = true
check "...and the question asked meanwhile waits for the next answer, from when it came" \
    test "$(q "select (running_since = (select max(created_at) from interactions where ticket_id = $TK3 and direction = 'in'))::text || ' ' || (met_at is null)::text from sla_clocks where ticket_id = $TK3 and kind = 'next_response'")" = "true true"

done_testing
