#!/usr/bin/env bash
# Marketing's guards (schema/functions/92_marketing.sql, migration 065, src/db/marketing.c,
# src/cli/marketing.c), each as the roles concerned, through psql and the batch flags:
#   1. an opt-out recorded on a merge's survivor survives the unmerge: the restored record
#      keeps it too and is no member of the open campaigns of its channel (nor exported);
#      an opt-out the survivor had before the merge is not copied;
#   2. a merge of accounts shared differently is an admin's (it would show partners records
#      they do not see, or hide ones they see), and so is its undo;
#   3. leads join phone campaigns by their phone, and a phone campaign's export has the numbers;
#   4. a responses file imported twice records each response once, and says how many it skipped;
#   5. a merge that would change the buyer of an issued invoice says which record to keep;
#   6. the responses import guesses "," ";" or tab and takes --delimiter, and notes up to the
#      database's 2,000 characters (the limit said when over);
#   7. over-long products, topics and "where it was said" are refused in words with the limit;
#   8. an interest recorded by hand from a ticket after a sales signal is a row of its own,
#      which the partner of the ticket reads; an interest from a mail that is not there is
#      refused.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_marketing_guards.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
DB="host=$PG_DIR dbname=ccrm"
T=$TEST_TMP
ins() { as "$1" -c "$2" | head -n 1; } # one value (INSERT ... RETURNING id, a SELECT)
err() {                                # the first error line of SQL as USER, or OK: output
    local out
    if out=$(as "$1" -c "$2" 2>&1); then echo "OK: $out"; else grep -m1 '^ERROR:' <<<"$out" | sed 's/^ERROR: *//'; fi
}
c() { # c USER ARGS...: ccrm as USER; rc, $T/out, $T/err
    local u=$1
    shift
    "$CCRM" -d "$DB user=$u" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}

# ---- 1. an opt-out recorded on the survivor after a merge survives the unmerge ----
cp=$(ins marco "insert into campaigns (name, channel, status) values ('Guards Mail', 'email', 'active') returning id")
acc=$(ins sam "insert into accounts (name) values ('Guards People') returning id")
A=$(ins sam "insert into contacts (account_id, first_name, last_name, email) values ($acc, 'Ann', 'Survivor', 'ann.survivor@example.org') returning id")
B=$(ins sam "insert into contacts (account_id, first_name, last_name, email) values ($acc, 'Bo', 'Merged', 'bo.merged@example.org') returning id")
as marco -c "select ccrm_campaign_add($cp, 'contacts', $A)" -c "select ccrm_campaign_add($cp, 'contacts', $B)" >/dev/null ||
    fail "members"
m=$(ins marco "select ccrm_merge('contacts', $A, $B, '{\"email\": \"merged\"}')")
as marco -c "select ccrm_consent_set('contacts', $A, 'email', true, 'reply', 'please unsubscribe me')" >/dev/null ||
    fail "the opt-out on the survivor"
check "the opt-out on the survivor takes it out of the open campaign" \
    test "$(q "select count(*) from campaign_members where campaign_id = $cp")" = 0
c marco --unmerge "$m"
check "the unmerge is done (rc $rc: $(cat "$T/out" "$T/err"))" test "$rc" = 0
check "... and says the opt-out now holds for the restored contact too" \
    grep -q "the opt-out from email recorded on #$A since the merge now holds for #$B too" "$T/out"
check "the restored contact has its address back and the opt-out, said when and where" \
    test "$(q "select c.email || '|' || k.source || '|' || (k.opted_out_at = (select opted_out_at from consents where contact_id = $A and channel = 'email'))
                 from contacts c join consents k on k.contact_id = c.id and k.channel = 'email' where c.id = $B")" = "bo.merged@example.org|reply|true"
check "... a note says where it came from" \
    test "$(q "select count(*) from consents where contact_id = $B and note like 'please unsubscribe me%merge $m, undone by marco%'")" = 1
check "... the survivor keeps its opt-out" \
    test "$(q "select count(*) from consents where contact_id = $A and channel = 'email' and opted_out_at is not null")" = 1
check "neither is a member of the open campaign again" \
    test "$(q "select count(*) from campaign_members where campaign_id = $cp")" = 0
c marco --export campaign_members --campaign "$cp"
check "... nor in its export" bash -c "[ $rc = 0 ] && ! grep -q 'bo.merged@example.org' '$T/out'"
check "... and cannot be added again (opted out)" \
    test "$(as marco -c "select opted_out from ccrm_campaign_add($cp, 'contacts', $B)")" = 1

# an opt-out the survivor had before the merge stays its own
C=$(ins sam "insert into contacts (account_id, first_name, last_name, email) values ($acc, 'Cy', 'Before', 'cy.before@example.org') returning id")
D=$(ins sam "insert into contacts (account_id, first_name, last_name, email) values ($acc, 'Di', 'Other', 'di.other@example.org') returning id")
as marco -c "select ccrm_consent_set('contacts', $C, 'post', true, 'letter')" >/dev/null || fail "C's opt-out"
m=$(ins marco "select ccrm_merge('contacts', $C, $D)")
c marco --unmerge "$m"
check "an opt-out of the survivor from before the merge is not copied (rc $rc: $(cat "$T/out"))" \
    bash -c "[ $rc = 0 ] && ! grep -q 'opt-out' '$T/out' && [ \"\$(psql -X -At -c 'select count(*) from consents where contact_id = $D')\" = 0 ]"

# leads: the same
L1=$(ins marco "insert into leads (first_name, last_name, email, company) values ('Lu', 'One', 'lu.one@example.org', 'Guards Leads') returning id")
L2=$(ins marco "insert into leads (first_name, last_name, email, company) values ('Lu', 'Two', 'lu.two@example.org', 'Guards Leads') returning id")
as marco -c "select ccrm_campaign_add($cp, 'leads', $L1)" -c "select ccrm_campaign_add($cp, 'leads', $L2)" >/dev/null || fail "lead members"
m=$(ins marco "select ccrm_merge('leads', $L1, $L2, '{\"email\": \"merged\"}')")
as sofia -c "select ccrm_consent_set('leads', $L1, 'all', true, 'phone call')" >/dev/null || fail "the lead's opt-out"
c marco --unmerge "$m"
check "a lead's opt-out of all, recorded after the merge, holds for both leads after the unmerge" \
    test "$rc:$(q "select count(*) from consents where lead_id in ($L1, $L2) and channel = 'all' and opted_out_at is not null")" = "0:2"
check "... and neither lead is a member of the open campaign" \
    test "$(q "select count(*) from campaign_members where campaign_id = $cp and lead_id in ($L1, $L2)")" = 0

# ---- 2. accounts shared differently: an admin's merge ----
org="Nordlicht Reseller GmbH"
S=$(ins sam "insert into accounts (name) values ('Guards Shared') returning id")
U=$(ins sam "insert into accounts (name) values ('Guards Unshared') returning id")
"$CCRM" -d "$DB user=ana" --share "$S" --partner "$org" >/dev/null || fail "share"
uc=$(ins sam "insert into contacts (account_id, last_name, email) values ($U, 'Hidden', 'hidden.guard@example.org') returning id")
ud=$(ins sam "insert into opportunities (account_id, name) values ($U, 'Guards hidden deal') returning id")
seen() { as paul -c "select (select count(*) from accounts where id = $U) + (select count(*) from contacts where id = $uc) + (select count(*) from opportunities where id = $ud)"; }
check "the partner sees the shared account, nothing of the other" \
    test "$(as paul -c "select count(*) from accounts where id = $S"):$(seen)" = "1:0"
e=$(err sam "select ccrm_merge('accounts', $U, $S)")
check "sales may not merge a shared account into an unshared one ($e)" \
    grep -q "^cannot merge account #$S into #$U: they are shared differently (#$S with $org, #$U with no partner)" <<<"$e"
e=$(err sam "select ccrm_merge('accounts', $S, $U)")
check "... nor the other way ($e)" \
    grep -q "^cannot merge account #$U into #$S: they are shared differently" <<<"$e"
v=$(as sam -v VERBOSITY=verbose -c "select ccrm_merge('accounts', $S, $U)" 2>&1)
check "... refused as a right (42501), with what to do" \
    bash -c "grep -q '^ERROR:  42501' <<<'$v' && grep -q 'HINT:.*An admin shares both alike first' <<<'$v'"
check "... and the partner still sees nothing of the unshared account" test "$(seen)" = 0
m=$(ins ana "select ccrm_merge('accounts', $S, $U)")
check "an admin merges them: the survivor keeps its shares, the partner sees the moved records" \
    test "$(as paul -c "select count(*) from contacts where id = $uc")" = 1
c sam --unmerge "$m"
check "sales may not undo it: the partner would lose records it sees now (rc $rc)" \
    bash -c "[ $rc = 77 ] && grep -q 'the accounts would be shared differently' '$T/err' && [ \"\$(psql -X -At -c 'select count(*) from accounts where id = $U')\" = 0 ]"
c ana --unmerge "$m"
check "an admin may (rc $rc)" test "$rc:$(seen)" = "0:0"
"$CCRM" -d "$DB user=ana" --share "$U" --partner "$org" >/dev/null || fail "share U"
m=$(ins sam "select ccrm_merge('accounts', $S, $U)")
check "shared alike, sales merges them" test "$(as paul -c "select count(*) from contacts where id = $uc and account_id = $S")" = 1
c sam --unmerge "$m"
check "... and undoes it (rc $rc)" test "$rc:$(as paul -c "select count(*) from accounts where id in ($S, $U)")" = "0:2"

# ---- 3. leads in phone campaigns, and the calling list's numbers ----
ph=$(ins marco "insert into campaigns (name, channel, status) values ('Guards Calls', 'phone', 'active') returning id")
lp=$(ins marco "insert into leads (first_name, last_name, email, phone, company) values ('Pia', 'Phone', 'pia.phone@example.org', '+49 30 5550123', 'Guards Calls') returning id")
ln=$(ins marco "insert into leads (first_name, last_name, email, company) values ('Nils', 'Nophone', 'nils.nophone@example.org', 'Guards Calls') returning id")
cpn=$(ins sam "insert into contacts (account_id, last_name, phone) values ($acc, 'Caller', '+49 30 5550999') returning id")
sum=$(as marco -c "select summary from ccrm_campaign_add_people($ph, array[$cpn], array[$lp, $ln])")
check "a lead with a phone joins a phone campaign, one without is left out ($sum)" \
    test "$sum" = 'added 2 to campaign "Guards Calls"; left out 1: 1 without a phone number'
c marco --export campaign_members --campaign "$ph"
check "the phone campaign's export has a phone column after the others" \
    test "$(head -n 1 "$T/out")" = "email,first_name,last_name,company,kind,id,status,phone"
check "... with the lead's and the contact's numbers" \
    bash -c "grep -q '^pia.phone@example.org,Pia,Phone,Guards Calls,lead,$lp,unsent,+49 30 5550123$' '$T/out' && grep -q ',contact,$cpn,unsent,+49 30 5550999$' '$T/out'"
c marco --export campaign_members --campaign "$ph" --format jsonl
check "... in JSON lines too" grep -q '"phone" : "+49 30 5550123"' "$T/out"
c marco --export campaign_members --campaign "$cp"
check "an e-mail campaign's export is as before (no numbers)" \
    test "$(head -n 1 "$T/out")" = "email,first_name,last_name,company,kind,id,status"

# ---- 4. a responses file imported twice ----
r=$(ins marco "insert into campaigns (name, channel, status) values ('Guards Responses', 'email', 'active') returning id")
people=()
for i in 1 2 3 4; do
    p=$(ins sam "insert into contacts (account_id, last_name, email) values ($acc, 'Resp$i', 'resp$i@example.org') returning id")
    as marco -c "select ccrm_campaign_add($r, 'contacts', $p)" >/dev/null || fail "member $i"
    people+=("$p")
done
{
    echo "email,status,at,note"
    for i in 1 2 3; do
        echo "resp$i@example.org,opened,2026-03-0$i 10:00:00+00,first"
        echo "resp$i@example.org,clicked,2026-03-0$i 11:00:00+00,"
    done
} >"$T/r.csv"
c marco --import "$T/r.csv" --into campaign_responses --campaign "$r"
check "the first import records 6 ($(cat "$T/out"))" grep -q "6 responses recorded, 0 opt-outs, 0 rejected (" "$T/out"
c marco --import "$T/r.csv" --into campaign_responses --campaign "$r"
check "the same file again records none and says so (rc $rc: $(cat "$T/out"))" \
    bash -c "[ $rc = 0 ] && grep -q '0 responses recorded, 0 opt-outs, 0 rejected, 6 skipped as already recorded (' '$T/out'"
check "... 6 responses in the database" test "$(q "select count(*) from campaign_responses where campaign_id = $r")" = 6
{
    cat "$T/r.csv"
    echo "resp1@example.org,replied,2026-03-04 09:00:00+00,new"
    echo "resp1@example.org,replied,2026-03-04 09:00:00+00,the same again"
    echo "resp4@example.org,unsubscribed,2026-03-04 09:00:00+00,"
    echo "resp3@example.org,opened,,no time: now"
    echo "nobody@example.org,opened,2026-03-04 09:00:00+00,"
} >"$T/r2.csv"
c marco --import "$T/r2.csv" --into campaign_responses --campaign "$r" --rejects "$T/rej.csv" --dry-run
check "a dry run counts the skipped: a repeated line once, a row without a time as new ($(cat "$T/out"))" \
    grep -q "dry run: would record 2 responses, 1 opt-outs, 1 rejected, 7 skipped as already recorded (" "$T/out"
c marco --import "$T/r2.csv" --into campaign_responses --campaign "$r" --rejects "$T/rej.csv"
check "with --rejects: 2 new, 1 opt-out, 1 rejected, 7 skipped ($(cat "$T/out"))" \
    grep -q "2 responses recorded, 1 opt-outs, 1 rejected, 7 skipped as already recorded (" "$T/out"
check "... 8 responses in the database" test "$(q "select count(*) from campaign_responses where campaign_id = $r")" = 8
# one opt-out twice in a file: the second was counted nowhere (two rows came out as one)
p=$(ins sam "insert into contacts (account_id, last_name, email) values ($acc, 'Resp5', 'resp5@example.org') returning id")
as marco -c "select ccrm_campaign_add($r, 'contacts', $p)" >/dev/null || fail "member 5"
printf 'email,status,at,note\nresp5@example.org,unsubscribed,2026-03-05 09:00:00+00,\nresp5@example.org,unsubscribed,2026-03-05 09:10:00+00,again\n' >"$T/r3.csv"
c marco --import "$T/r3.csv" --into campaign_responses --campaign "$r"
check "an opt-out of someone opted out already is counted ($(cat "$T/out"))" \
    grep -q "0 responses recorded, 1 opt-outs, 0 rejected, 1 already opted out (" "$T/out"

# ---- 5. a merge that would change an issued invoice's buyer ----
read -r inv_c inv_no <<<"$(q "select contact_id, number from invoices where status = 'issued' and kind = 'invoice' and contact_id is not null order by id limit 1" | tr '|' ' ')"
other=$(ins sam "insert into contacts (account_id, last_name, email) values ($acc, 'NoInvoice', 'no.invoice@example.org') returning id")
e=$(err sam "select ccrm_merge('contacts', $other, $inv_c)")
check "merging away the buyer of an issued invoice says which to keep ($e)" \
    test "$e" = "contact #$inv_c is on issued invoice $inv_no: keep it as the survivor (s swaps)"
e=$(err sam "select ccrm_merge('contacts', $inv_c, $other)")
check "... which works ($e)" grep -q '^OK: [0-9]' <<<"$e"
as sam -c "select ccrm_unmerge(${e#OK: })" >/dev/null || fail "unmerge the invoice buyer's merge"
read -r inv_c2 inv_no2 <<<"$(q "select contact_id, number from invoices where status <> 'draft' and kind = 'invoice' and contact_id <> $inv_c order by id limit 1" | tr '|' ' ')"
e=$(err sam "select ccrm_merge('contacts', $inv_c, $inv_c2)")
check "two buyers of issued invoices: neither is merged ($e)" \
    grep -q "^contact #$inv_c2 is on [a-z]* invoice $inv_no2 and #$inv_c on .*: neither can be merged into the other" <<<"$e"

# ---- 6. the responses import: delimiters, long notes ----
sed 's/,/;/g' "$T/r.csv" >"$T/semi.csv"
c marco --import "$T/semi.csv" --into campaign_responses --campaign "$r"
check "a ';' file is read, the separator said (rc $rc: $(cat "$T/out" "$T/err"))" \
    bash -c "[ $rc = 0 ] && grep -q 'the columns are separated by \";\"' '$T/err' && grep -q '6 skipped as already recorded' '$T/out'"
tr ',' '\t' <"$T/r.csv" >"$T/tab.csv"
c marco --import "$T/tab.csv" --into campaign_responses --campaign "$r" --quiet
check "a tab file too, quietly (rc $rc)" bash -c "[ $rc = 0 ] && [ ! -s '$T/err' ] && grep -q '6 skipped' '$T/out'"
c marco --import "$T/semi.csv" --into campaign_responses --campaign "$r" --delimiter ';'
check "--delimiter ';' is taken (rc $rc: $(cat "$T/err"))" bash -c "[ $rc = 0 ] && ! grep -q separated '$T/err'"
c marco --import "$T/semi.csv" --into campaign_responses --campaign "$r" --delimiter x
check "--delimiter x is refused (rc $rc)" \
    bash -c "[ $rc = 64 ] && grep -q 'expected \",\", \";\", \"|\" or tab, got \"x\"' '$T/err'"
n700=$(printf 'ü%.0s' $(seq 700))
printf 'email;status;at;note\nresp3@example.org;replied;2026-03-09 10:00:00+00;%s\n' "$n700" >"$T/n700.csv"
c marco --import "$T/n700.csv" --into campaign_responses --campaign "$r"
check "a note of 700 characters is recorded (rc $rc: $(cat "$T/err"))" \
    test "$rc:$(q "select length(note) from campaign_responses where campaign_id = $r and status = 'replied' and contact_id = ${people[2]}")" = "0:700"
printf 'email,status,at,note\nresp3@example.org,replied,2026-03-09 11:00:00+00,%s\n' "$(printf 'x%.0s' $(seq 2001))" >"$T/n2001.csv"
c marco --import "$T/n2001.csv" --into campaign_responses --campaign "$r"
check "one of 2,001 is rejected with the limit (rc $rc)" \
    bash -c "[ $rc = 65 ] && grep -q 'n2001.csv:2: column \"note\" is longer than 2,000 characters, the database.s limit (it has 2,001)' '$T/err'"

# ---- 7. over-long words from i and O ----
long=$(printf 'P%.0s' $(seq 250))
e=$(err sofia "select ccrm_interest_add('contacts', $A, '$long')")
check "a 250-character product: the limit in words ($e)" test "$e" = "a product is at most 200 characters (this one has 250)"
e=$(err sofia "select ccrm_interest_add('contacts', $A, NULL, '$long')")
check "... a topic too ($e)" test "$e" = "a topic is at most 200 characters (this one has 250)"
e=$(err sofia "select ccrm_consent_set('contacts', $A, 'phone', true, '$long')")
check "an opt-out said somewhere of 250 characters ($e)" test "$e" = "where it was said is at most 200 characters (this has 250)"
check "the constraints have words for every other writer (065)" \
    test "$(q "select count(*) from pg_constraint where conname in ('interests_product_check', 'interests_topic_check', 'interests_note_check', 'interests_what_check', 'consents_source_check', 'consents_note_check', 'campaign_responses_note_check') and obj_description(oid, 'pg_constraint') is not null")" = 7

# ---- 8. an interest by hand after a sales signal, as the partner ----
pc=$(ins sam "insert into contacts (account_id, last_name, email) values ($S, 'Partnerseen', 'partner.seen@example.org') returning id")
tk=$(ins sofia "insert into tickets (account_id, contact_id, subject, product) values ($S, $pc, 'Guards more seats', 'Guards Seats') returning id")
check "the partner sees the ticket" test "$(as paul -c "select count(*) from tickets where id = $tk")" = 1
as sofia -c "select ccrm_ticket_signal($tk, 'GuardsNote INTERNAL')" >/dev/null || fail "signal"
sig=$(q "select id from interests where source = 'signal' and source_id = $tk")
i=$(ins sofia "select ccrm_interest_add('contacts', $pc, 'Guards Seats', NULL, 'ticket', 'tickets', $tk, 'asked on the ticket')")
check "an interest from the ticket after its signal is a row of its own (signal #$sig, interest #$i)" \
    bash -c "[ -n '$i' ] && [ '$i' != '$sig' ]"
check "... which the partner of the ticket reads, and not the signal's" \
    test "$(as paul -c "select string_agg(source || ':' || coalesce(note, ''), ',') from interests where contact_id = $pc")" = "ticket:asked on the ticket"
check "... recorded again from the ticket, it is not doubled" \
    test "$(ins sofia "select ccrm_interest_add('contacts', $pc, 'guards seats', NULL, 'ticket', 'tickets', $tk)")" = "$i"
e=$(err sofia "select ccrm_interest_add('contacts', $pc, 'Guards Mail', NULL, 'mail', 'messages', 987654321)")
check "an interest from a mail that is not there is refused ($e)" test "$e" = "mail #987654321 not found"
mid=$(q "select min(id) from messages")
e=$(err sofia "select ccrm_interest_add('contacts', $pc, 'Guards Mail', NULL, 'mail', 'messages', $mid)")
check "... one from a mail that is, recorded ($e)" grep -q '^OK: [0-9]' <<<"$e"

# ---- an opt-out racing a campaign add (schema/087) ----
X=$(as marco -c "insert into contacts (first_name, last_name, email) values ('Race', 'Person', 'race@guards.example') returning id" | head -1)
C=$(as marco -c "insert into campaigns (name, status, channel) values ('Guards race', 'active', 'email') returning id" | head -1)
: >"$TEST_TMP/race.out"
printf '%s\n' "begin;" "select ccrm_campaign_add($C, 'contacts', $X);" "select 'added';" "select pg_sleep(2);" "commit;" |
    psql -X -q -At "$DB user=marco" >"$TEST_TMP/race.out" 2>&1 &
adder=$!
for ((i = 0; i < 200; i++)); do grep -q added "$TEST_TMP/race.out" && break; nap; done
as sofia -c "select ccrm_consent_set('contacts', $X, 'email', true)" >/dev/null 2>"$TEST_TMP/race.err"
rc=$?
wait $adder
check "an opt-out while another transaction adds the person to an e-mail campaign: it waits, then holds (rc $rc: $(cat "$TEST_TMP/race.err"))" \
    test $rc = 0
check "...opted out, and not a member" \
    test "$(q "select (ccrm_opted_out($X, null, 'email') is not null) || ' ' || count(*) from campaign_members where campaign_id = $C and contact_id = $X")" = "true 0"
e=$(err marco "select ccrm_campaign_add($C, 'contacts', $X)")
check "...and adding the person afterwards is refused ($e)" grep -q "opted out" <<<"$e"

done_testing
