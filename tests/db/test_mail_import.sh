#!/usr/bin/env bash
# ccrm --import-mail: an mbox and a Maildir of the corpus, threaded as live delivery threads
# them (compared with expected_delivery.txt), >From unescaped, duplicates skipped (also a second
# import of the same file), mail that is not mail rejected with its place, queues by address,
# a reply before its parent in one set, Maildir files in delivery (name) order, one summary
# event per batch, --revert BATCH (and its refusals), an interrupted or killed import leaving
# nothing, the progress line on a terminal, rights.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_mail_import.sh path/to/ccrm}
D=$(cd "$(dirname "$0")/../data/mail" && pwd)
T=$TEST_TMP
pg_start_demo "$CCRM" 30
# the demo's queues and mail out of the way: this test sets up its own
psqlc -c "delete from messages; delete from mail_queues" || fail "clearing the demo's mail"

same() {
    if [ "$2" = "$3" ]; then ok "$1"; else echo "--- expected:"; echo "$2"; echo "--- got:"; echo "$3"; fail "$1"; fi
}
imp() { # imp USER args...
    local u=$1
    shift
    "$CCRM" -d "host=$PG_DIR dbname=ccrm user=$u" --import-mail "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
# mbox FILE...: an mbox of mails (a "From " line each unless it has one; "From " in a body
# escaped, as mboxrd writers do)
mbox() {
    local f
    for f in "$@"; do
        head -c 5 "$f" | grep -q '^From ' || echo "From import@test $(date -u '+%a %b %e %H:%M:%S %Y')"
        sed '2,$ s/^\(>*From \)/>\1/' "$f"
        echo
    done
}

q "insert into accounts (name, domain) values ('Kunde GmbH', 'kunde-gmbh.de'), ('Maschinenbau Weiß KG', 'maschinenbau-weiss.de')"
q "insert into mail_queues (name, address, from_name, creates, unknown_sender, assignee)
   values ('support', 'support@example.com', 'Example Support', 'ticket', 'contact', 'sofia'),
          ('sales', 'sales@example.com', 'Example Sales', 'lead', 'lead', 'sam')"

# ---------------------------------------------------------------- usage
imp sofia /nonexistent
check "a missing path: 66" test $rc = 66
mkdir -p "$T/notmaildir"
imp sofia "$T/notmaildir"
check "a directory without cur/ or new/: 66, says why" bash -c "test $rc = 66 && grep -q 'is not a Maildir' $T/err"
printf 'Subject: no mbox\n\nx\n' >"$T/plain.txt"
imp sofia "$T/plain.txt" --queue support
check "a file that is no mbox: 65, says why, nothing written" \
    bash -c "test $rc = 65 && grep -q 'is not an mbox file' $T/err && test \"\$(psql -X -At -c 'select count(*) from import_batches')\" = 0"
printf 'From x@y\nFrom: a@b.example\nSubject: x\n\nx\n' >"$T/one.mbox"
imp paul "$T/one.mbox" --queue support
check "a partner may not import mail (77), nothing written" \
    bash -c "test $rc = 77 && grep -q 'permission denied' $T/err && test \"\$(psql -X -At -c 'select count(*) from import_batches')\" = 0"

# ---------------------------------------------------------------- the corpus as an mbox
ls "$D"/[0-9][0-9]-*.eml | grep -v -e '/17-' -e '/18-' >"$T/files"
mbox $(cat "$T/files") >"$T/corpus.mbox"
events0=$(q "select count(*) from events")
clocks0=$(q "select last_value from sla_clocks_id_seq")
imp sofia "$T/corpus.mbox" --queue support
check "import: exit 0" test $rc = 0
BATCH=$(q "select max(id) from import_batches")
same "import: the summary line" "ccrm: batch $BATCH: 29 mails stored, 1 duplicate skipped, 0 rejected (corpus.mbox, X s, X mails/s); new: 22 tickets, 0 leads, 20 contacts" \
    "$(sed -E 's/[0-9.]+ s, [0-9,]+ mails\/s/X s, X mails\/s/' "$T/out")"
check "one summary event for the whole batch, no event per row" \
    test "$(q "select count(*) from events") $(q "select summary from events order by id desc limit 1")" = "$((events0 + 1)) imported 29 mails from corpus.mbox (batch $BATCH)"
check "the batch row counts stored, skipped, rejected" \
    test "$(q "select inserted || ' ' || skipped || ' ' || rejected || ' ' || entity || ' ' || created_by from import_batches where id = $BATCH")" = "29 1 0 messages sofia"
# threaded exactly as delivery threads (ticket status aside: history reopens nothing)
grep -v -e '^token.1@' -e '^tag.1@' "$D/expected_delivery.txt" | sed -E 's/ \((new|open|solved)\)//' >"$T/want"
q "select regexp_replace(m.message_id, '^sha256\.[0-9a-f]+', 'sha256.HASH') || ' | ' || m.status || ' | '
          || coalesce(m.thread_by, '-') || ' | ' || coalesce('ticket \"' || t.subject || '\"', '-')
          || ' | ' || coalesce(c.email, '-') || ' | ' || coalesce(a.name, '-') || ' | '
          || (select count(*) from attachments x where x.msg_id = m.id) || ' attachments | '
          || case when m.interaction_id is null then 'not on the timeline' else 'timeline' end || ' | '
          || left(regexp_replace(m.body_text, '\s+', ' ', 'g'), 50)
     from messages m left join tickets t on t.id = m.ticket_id left join contacts c on c.id = m.contact_id
          left join accounts a on a.id = m.account_id
    order by m.id" >"$T/got"
if cmp -s "$T/want" "$T/got"; then ok "imported mail is stored and threaded exactly as delivered mail (expected_delivery.txt)"; else diff "$T/want" "$T/got"; fail "imported mail is stored and threaded exactly as delivered mail"; fi
check ">From in a body is unescaped" \
    test "$(q "select count(*) from messages where body_text like '%> Guten Tag,%' and body_text not like '%>From%'")" = 1
check "history keeps each mail's own time on the timeline (Date header)" \
    test "$(q "select to_char(i.at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') from messages m join interactions i on i.id = m.interaction_id where m.message_id = 'reply.2.anna@kunde-gmbh.de'")" = "2024-12-11 09:00"
check "history opens no inbox entries" test "$(q "select count(*) from inbox where note like 'new mail from%'")" = 0
# (an active policy covers the queue's tickets: the live ones below get clocks)
check "history starts no SLA clocks" \
    test "$(q "select count(*) from sla_clocks k join messages m on m.ticket_id = k.ticket_id")" = 0
# (made and taken back only for a ticket whose first mail has no Date, or one ahead: it starts now)
check "...not even ones taken back, but for tickets that start now (their sequence shows it)" \
    test "$(q "select last_value from sla_clocks_id_seq")" -le "$((clocks0 + 2 * $(q "select count(*) from tickets where id in (select ticket_id from messages) and created_at >= (select created_at from import_batches where id = $BATCH)")))"
check "the import files its rows' search blocks after its commit: nothing left queued" \
    test "$(q "select count(*) from search_block_pending")" = 0
# the setting that marks a history insert is anyone's to set; a ticket of theirs is due all the same
as sofia -c "set ccrm.mail_history = on" \
    -c "insert into tickets (subject, channel, queue, created_at) values ('history, says who', 'email', 'support', now() - interval '1 year')" >/dev/null
as sofia -c "insert into tickets (subject, channel, queue) values ('plain ticket', 'email', 'support')" >/dev/null
check "a ticket inserted by a person with ccrm.mail_history on gets its SLA clocks (and today's date)" \
    test "$(q "select count(*) || ' ' || (max(t.created_at) > now() - interval '1 hour') from tickets t join sla_clocks k on k.ticket_id = t.id where t.subject = 'history, says who'")" = "$(q "select count(*) from tickets t join sla_clocks k on k.ticket_id = t.id where t.subject = 'plain ticket'") true"
check "...and the plain ticket has clocks to compare with" \
    test "$(q "select count(*) from tickets t join sla_clocks k on k.ticket_id = t.id where t.subject = 'plain ticket'")" -gt 0
q "delete from tickets where subject in ('history, says who', 'plain ticket')" >/dev/null
check "the rows name the importer" test "$(q "select string_agg(distinct created_by, ',') from messages")" = sofia

imp sofia "$T/corpus.mbox" --queue support
check "the same mbox again: exit 0, everything a duplicate" \
    bash -c "test $rc = 0 && grep -q ': 0 mails stored, 30 duplicates skipped, 0 rejected' $T/out"
check "...nothing stored twice" test "$(q "select count(*) from messages")" = 29
check "...and no batch of nothing" grep -q "; no batch" "$T/out"
check "...in --batches either" test "$(q "select count(*) from import_batches where id > $BATCH")" = 0

# ---------------------------------------------------------------- revert
TICK=$(q "select ticket_id from messages where message_id = 'attach.9f2b@kunde-gmbh.de'")
as sofia -c "update tickets set priority = 'high' where id = $TICK"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --revert "$BATCH" >"$T/out" 2>"$T/err"
check "revert refused when an imported ticket changed since, naming it" \
    bash -c "test $? = 65 && grep -q 'cannot revert import batch $BATCH: ticket #$TICK was changed after the import; nothing reverted' $T/err"
# a small batch of its own: later mail on one of its tickets blocks the revert
{
    printf 'From x@y\nFrom: r1@revert.example\nTo: support@example.com\nSubject: revert one\nMessage-ID: <rv.1@revert.example>\n\none\n\n'
    printf 'From x@y\nFrom: r2@revert.example\nTo: support@example.com\nSubject: revert two\nMessage-ID: <rv.2@revert.example>\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\ntwo\n--b\nContent-Type: application/pdf; name=a.pdf\n\n%%PDF\n--b--\n'
} >"$T/revert.mbox"
imp sofia "$T/revert.mbox" --queue support
B2=$(q "select max(id) from import_batches")
printf 'From: r1@revert.example\nTo: support@example.com\nSubject: Re: revert one\nMessage-ID: <rv.live@revert.example>\nIn-Reply-To: <rv.1@revert.example>\n\nlive\n' |
    "$CCRM" -d "$PG_CONN" --mail-in --queue support
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --revert "$B2" >"$T/out" 2>"$T/err"
check "revert refused when later mail hangs on an imported ticket, naming both" \
    grep -q "cannot revert import batch $B2: ticket #[0-9]* has mail that did not come with the import (mail [0-9]*); nothing reverted" "$T/err"
LIVEIX=$(q "select interaction_id from messages where message_id = 'rv.live@revert.example'")
q "delete from messages where message_id = 'rv.live@revert.example'"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --revert "$B2" >"$T/out" 2>"$T/err"
check "revert refused when a later timeline entry hangs on an imported ticket" \
    grep -q "cannot revert import batch $B2: ticket #[0-9]* has a timeline entry that did not come with the import (interaction $LIVEIX); nothing reverted" "$T/err"
q "delete from interactions where id = $LIVEIX"
# someone follows one of its tickets and its contact: those rows go with the records
RVT=$(q "select ticket_id from messages where message_id = 'rv.1@revert.example'")
RVC=$(q "select contact_id from messages where message_id = 'rv.1@revert.example'")
q "insert into followers (login, entity, entity_id) values ('kenji', 'tickets', $RVT), ('kenji', 'contacts', $RVC)" >/dev/null
before="$(q "select count(*) from tickets") $(q "select count(*) from contacts") $(q "select count(*) from interactions") $(q "select count(*) from attachments")"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=mia" --revert "$B2" >"$T/out" 2>"$T/err"
check "another person's batch is not found (as for CSV batches)" \
    grep -q "import batch $B2 does not exist (or is not yours)" "$T/err"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=ana" --revert "$B2" >"$T/out" 2>"$T/err"
check "an admin reverts another's mail batch: exit 0" test $? = 0
same "revert: the summary" "ccrm: reverted import batch $B2 (mail from revert.mbox): 2 mails, 2 tickets, 0 leads, 2 contacts deleted" "$(cat "$T/out")"
read -r t0 c0 i0 a0 <<<"$before"
check "revert: its mails, attachment, tickets, contacts and timeline entries are gone" \
    test "$(q "select count(*) from messages where message_id like 'rv.%'") $(q "select count(*) from tickets") $(q "select count(*) from contacts") $(q "select count(*) from interactions") $(q "select count(*) from attachments")" = "0 $((t0 - 2)) $((c0 - 2)) $((i0 - 2)) $((a0 - 1))"
check "revert: the followers of its tickets and contacts are gone with them" \
    test "$(q "select count(*) from followers where (entity, entity_id) in (('tickets', $RVT), ('contacts', $RVC))")" = 0
check "revert: one summary event" test "$(q "select summary from events order by id desc limit 1")" = "reverted import batch $B2 (2 mails from revert.mbox)"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=ana" --revert "$B2" >"$T/out" 2>"$T/err"
check "reverting twice: refused" grep -q "was already reverted by ana" "$T/err"
printf 'first_name,last_name,email\nCsv,Person,csv.person@example.org\n' >"$T/c.csv"
"$CCRM" -d "$PG_CONN" --import "$T/c.csv" --into contacts >/dev/null || fail "csv import"
CB=$(q "select max(id) from import_batches")
"$CCRM" -d "$PG_CONN" --revert "$CB" >"$T/out" 2>&1
check "--revert of a CSV batch still reverts it" bash -c "grep -q 'reverted import batch $CB (contacts from c.csv): 1 deleted' $T/out"

# ---------------------------------------------------------------- queues by address, rejects
{
    printf 'From x@y\n\n'                                  # an empty mail
    printf 'From x@y\nFrom: a@x.example\nTo: sales@example.com\nSubject: to sales\nMessage-ID: <q.1@x>\n\nhi\n\n'
    printf 'From x@y\nFrom: a@x.example\nTo: nobody@example.com\nSubject: to nobody\nMessage-ID: <q.2@x>\n\nhi\n\n'
    printf 'From x@y\nFrom: a@x.example\nTo: support@example.com\nSubject: to support\nMessage-ID: <q.3@x>\n\nhi\n'
} >"$T/mixed.mbox"
imp sofia "$T/mixed.mbox"
check "without --queue: exit 65 when some were rejected" test $rc = 65
check "...the empty mail named by its place" grep -q "mixed.mbox: mail 1: not a mail: the input is empty" "$T/err"
check "...the mail to no queue named, with its recipients" grep -q "mixed.mbox: mail 3: no mail queue for nobody@example.com" "$T/err"
check "...the others went to the queue of their address" \
    test "$(q "select string_agg(q.name, ',' order by m.id) from messages m join mail_queues q on q.id = m.queue_id where m.message_id like 'q.%@x'")" = "sales,support"
check "...and the batch counts them" test "$(q "select inserted || ' ' || rejected from import_batches order by id desc limit 1")" = "2 2"

# ---------------------------------------------------------------- a reply before its parent, in one set
{
    printf 'From x@y\nFrom: early@bird.example\nTo: support@example.com\nSubject: Re: order 7\nMessage-ID: <child@bird>\nIn-Reply-To: <parent@bird>\n\nreply\n\n'
    printf 'From x@y\nFrom: early@bird.example\nTo: support@example.com\nSubject: order 7\nMessage-ID: <parent@bird>\n\nparent\n'
} >"$T/rev.mbox"
imp sofia "$T/rev.mbox" --queue support
check "a reply stored before its parent in one import still joins its ticket" \
    test "$(q "select count(distinct ticket_id) || ' ' || count(*) from messages where message_id in ('child@bird', 'parent@bird')")" = "1 2"

# ---------------------------------------------------------------- Maildir, in delivery order
mkdir -p "$T/Maildir/new" "$T/Maildir/cur" "$T/Maildir/tmp"
for i in $(seq 1 40); do
    n=$((1734000000 + i))
    dir=new
    [ $((i % 2)) = 0 ] && dir=cur
    name="$n.M${i}P$$.host"
    [ $dir = cur ] && name="$name:2,S"
    if [ $i = 1 ]; then
        printf 'From: md@maildir.example\nTo: support@example.com\nSubject: Maildir thread\nMessage-ID: <md.1@maildir.example>\n\nfirst\n' >"$T/Maildir/$dir/$name"
    else
        printf 'From: md@maildir.example\nTo: support@example.com\nSubject: Re: Maildir thread\nMessage-ID: <md.%d@maildir.example>\nIn-Reply-To: <md.%d@maildir.example>\n\nnext %d\n' $i $((i - 1)) $i >"$T/Maildir/$dir/$name"
    fi
done
echo "a half-written file" >"$T/Maildir/tmp/1734009999.partial"
imp sofia "$T/Maildir" --queue support
check "Maildir: exit 0, 40 stored (tmp/ left alone)" bash -c "test $rc = 0 && grep -q ': 40 mails stored, 0 duplicates' $T/out"
check "Maildir: in delivery order, one ticket for the whole thread" \
    test "$(q "select count(distinct ticket_id) || ' ' || count(*) filter (where thread_by = 'references') from messages where from_addr = 'md@maildir.example'")" = "1 39"

# an empty mbox and an empty Maildir: said so, exit 0, and no batch of nothing
batches=$(q "select count(*) from import_batches")
: >"$T/empty.mbox"
imp sofia "$T/empty.mbox" --queue support
check "an empty mbox: exit 0 and said so" \
    bash -c "test $rc = 0 && grep -qF 'no mails in $T/empty.mbox: nothing imported, no batch' $T/out"
mkdir -p "$T/EmptyMd/new" "$T/EmptyMd/cur" "$T/EmptyMd/tmp"
imp sofia "$T/EmptyMd" --queue support
check "an empty Maildir: the same" bash -c "test $rc = 0 && grep -qF 'no mails in' $T/out"
check "... no batch made for either" sql_is "select count(*) from import_batches" "$batches"

# a Maildir with what a Maildir's writer never makes: a FIFO (reading it would wait for ever), a
# link out of it, a file named with an escape; the real mail is stored, the rest said and skipped
mkdir -p "$T/Odd/new" "$T/Odd/cur"
mkfifo "$T/Odd/cur/1734000001.fifo"
ln -s /etc/passwd "$T/Odd/cur/1734000002.link"
printf 'From: odd@maildir.example\nTo: support@example.com\nSubject: Odd Maildir\nMessage-ID: <odd.1@maildir.example>\n\nok\n' >"$T/Odd/new/1734000003.ok"
printf 'garbage' >"$T/Odd/new/1734000004.bad"$'\033'"[31mname"
timeout 60 "$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --import-mail "$T/Odd" --queue support >"$T/out" 2>"$T/err"
rc=$?
check "a FIFO and a link in a Maildir are skipped, said so, and the import ends (exit $rc)" \
    bash -c "test $rc = 65 && grep -q 'cur/1734000001.fifo: not a regular file: skipped' $T/err && grep -q 'cur/1734000002.link: not a regular file: skipped' $T/err"
check "... the mail in it is stored" test "$(q "select count(*) from messages where message_id = 'odd.1@maildir.example'")" = 1
check "... and a file's name reaches the terminal without its escape" \
    bash -c "grep -q '1734000004.bad?\[31mname: not a mail' $T/err && ! grep -q $'\033' $T/err"

# ---------------------------------------------------------------- a big mbox: interrupted, killed
for i in $(seq 1 3000); do
    printf 'From gen@x Mon Dec  2 10:00:00 2024\nFrom: bulk%d@gen.example\nTo: support@example.com\nSubject: generated %d\nMessage-ID: <gen.%d@gen.example>\nDate: Mon, 2 Dec 2024 10:00:00 +0000\n\nGenerated mail number %d, with a line of text to make it a mail.\n\n' $((i % 97)) $i $i $i
done >"$T/big.mbox"
before="$(q "select count(*) from messages") $(q "select count(*) from import_batches") $(q "select count(*) from tickets")"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --import-mail "$T/big.mbox" --queue support >"$T/out" 2>"$T/err" &
pid=$!
for i in $(seq 200); do
    [ "$(q "select count(*) from pg_stat_activity where usename = 'sofia' and query like '%ccrm_mail_store_many%'")" != 0 ] && break
    sleep 0.05
done
kill -INT $pid
wait $pid
check "Ctrl-C: exit 75, says nothing was written" bash -c "test $? = 75 && grep -q 'interrupted; nothing written' $T/err"
check "...and nothing was" test "$(q "select count(*) from messages") $(q "select count(*) from import_batches") $(q "select count(*) from tickets")" = "$before"
"$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia" --import-mail "$T/big.mbox" --queue support >"$T/out" 2>"$T/err" &
pid=$!
for i in $(seq 200); do
    [ "$(q "select count(*) from pg_stat_activity where usename = 'sofia' and query like '%ccrm_mail_store_many%'")" != 0 ] && break
    sleep 0.05
done
kill -9 $pid
wait $pid 2>/dev/null
for i in $(seq 100); do [ "$(q "select count(*) from pg_stat_activity where usename = 'sofia'")" = 0 ] && break; sleep 0.1; done
check "killed (-9) mid-import: nothing written" \
    test "$(q "select count(*) from messages") $(q "select count(*) from import_batches") $(q "select count(*) from tickets")" = "$before"
if command -v script >/dev/null; then
    script -qefc "'$CCRM' -d 'host=$PG_DIR dbname=ccrm user=sofia' --import-mail '$T/big.mbox' --queue support" /dev/null >"$T/tty" 2>&1
    check "on a terminal: a progress line with mails/s and a percentage" grep -q 'mails/s .* [0-9]\+%' "$T/tty"
else
    ok "# SKIP no script(1) for a terminal"
fi
check "the whole big mbox is stored after all, once" \
    test "$(q "select count(*) from messages where message_id like 'gen.%@gen.example'")" = 3000
imp sofia "$T/big.mbox" --queue support --quiet
check "again: all 3000 duplicates, nothing on stderr with --quiet" \
    bash -c "grep -q ': 0 mails stored, 3,000 duplicates' $T/out && test ! -s $T/err"

done_testing
