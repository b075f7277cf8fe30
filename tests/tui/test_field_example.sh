#!/usr/bin/env bash
# The worked example of docs/adding-an-entity.md: a lead's phone number, added by a migration
# (schema/016) and one field in the registry (src/model/entity.c: the field, its place in the
# export, its line in the detail view) and nothing else. Everything the registry feeds has it:
# an import maps a "Telephone" column to it and checks it with the normaliser's phone rule,
# an export writes it, the lead form takes it, the detail view shows it, the history names it.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_field_example.sh path/to/ccrm}
T=$TEST_TMP

pg_start_demo "$CCRM" 20
check "the migration added the column" \
    test "$(psqlc -c "select data_type from information_schema.columns where table_name = 'leads' and column_name = 'phone'")" = text

# import and export
printf 'First Name,Last Name,Email,Company,Telephone\nPia,Phonetest,pia@phone.example,Phone Co,+49  40 555-12\n' >"$T/good.csv"
printf 'First Name,Last Name,Email,Company,Telephone\nBo,Phonetest,bo@phone.example,Phone Co,call me\n' >"$T/bad.csv"
"$CCRM" -d "$PG_CONN" --import "$T/good.csv" --into leads >"$T/out" 2>"$T/err"
check "an import maps Telephone to the phone (exit $?)" \
    test "$(psqlc -c "select phone from leads where email = 'pia@phone.example'")" = "+49 40 555-12"
"$CCRM" -d "$PG_CONN" --import "$T/bad.csv" --into leads --dry-run >"$T/out" 2>"$T/err"
check "a value that is no phone number is refused with the normaliser's words ($(cat "$T/err"))" \
    grep -q 'bad.csv:2: column "phone": "call me" is not a phone number' "$T/err"
"$CCRM" -d "$PG_CONN" --export leads --output "$T/leads.csv"
check "the export writes it" grep -q '^first_name,last_name,email,company,phone,source,' "$T/leads.csv"
check "... with the value" grep -q 'pia@phone.example,Phone Co,+49 40 555-12,' "$T/leads.csv"
# an entity goes by what people call it, its table's name works too (the registry's nouns)
"$CCRM" -d "$PG_CONN" --export deals --output "$T/deals.csv"
"$CCRM" -d "$PG_CONN" --export opportunities --output "$T/opportunities.csv"
check "--export deals is --export opportunities ($(wc -l <"$T/deals.csv") lines)" \
    bash -c "[ \$(wc -l <'$T/deals.csv') -gt 1 ] && cmp -s '$T/deals.csv' '$T/opportunities.csv'"
"$CCRM" -d "$PG_CONN" --import "$T/deals.csv" --into deals --on-conflict skip --dry-run >"$T/into_deals" 2>&1
rc=$?
"$CCRM" -d "$PG_CONN" --import "$T/deals.csv" --into opportunities --on-conflict skip --dry-run >"$T/into_opps" 2>&1
check "--into deals is --into opportunities (exit $rc: $(head -c 120 "$T/into_deals"))" \
    bash -c "[ $rc = 0 ] && diff <(sed 's/[0-9.]* s,.*//' '$T/into_deals') <(sed 's/[0-9.]* s,.*//' '$T/into_opps')"

# the form and the detail view
tui_start 120 40 "$CCRM" -d "$PG_CONN user=marco" --view leads
check "marketing's Leads" wait_for "Leads by updated"
keys n
check "n opens a new lead form" wait_for "New lead"
check "the form has the field" wait_for "Phone"
for v in "Ida" "Formtest" "ida@phone.example" "Form Co"; do
    keys -l "$v"
    keys Tab
done
keys -l "030 / 12 34 56"
keys C-s
check "the lead is saved" wait_for "saved lead #"
check "with its phone, as the form read it" \
    test "$(psqlc -c "select phone from leads where email = 'ida@phone.example'")" = "030 / 12 34 56"
prompt "filter all"
keys /
keys -l "Formtest"
keys Enter
wait_for "Ida Formtest" 5 || fail "the new lead in the list"
keys Enter
check "the detail view shows the phone" line_has "Phone" "030 / 12 34 56"
keys e
check "e edits it" wait_for "Edit lead #"
keys Tab Tab Tab Tab End C-u
keys -l "not a phone"
keys C-s
check "the form refuses a value that is no phone number, at the field" wait_for "↳ not a phone number"
keys C-u
keys -l "+45 2222"
keys C-s
check "a good one is saved" wait_for "saved lead #"
check "the history names the change" \
    test "$(psqlc -c "select count(*) from audit where entity = 'leads' and new_row->>'phone' = '+45 2222'")" = 1
keys q q
wait_exit || fail "quits"
done_testing
