#!/usr/bin/env bash
# The Duplicates view in the real client: marco (marketing) opens :duplicates, marks the best
# pair "not a duplicate" (remembered: a new scan leaves it out), compares the next pair field by
# field, keeps the other record's e-mail address, merges, and the survivor opens with the
# merge on its timeline; the database holds one record with the chosen values and a merge that
# ccrm --unmerge takes back.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_duplicates.sh path/to/ccrm}

pg_start_demo "$CCRM" 60
DB="host=$PG_DIR dbname=ccrm user"

pairs=$(as marco -c "select count(*) from ccrm_duplicate_pairs('contacts')")
read -r a1 b1 <<<"$(as marco -F ' ' -c "select a_id, b_id from ccrm_duplicate_pairs('contacts') limit 1")"
read -r a2 b2 <<<"$(as marco -F ' ' -c "select a_id, b_id from ccrm_duplicate_pairs('contacts') offset 1 limit 1")"
mail2=$(q "select email from contacts where id = $b2")
check "the demo has likely duplicates of contacts" test "${pairs:-0}" -ge 2

tui_start 140 40 "$CCRM" -d "$DB=marco"
check "marketing starts" wait_for "Leads by updated"

# a new contact that is already there: the form says so while it is typed, before saving
prompt "new contact"
check "the contact form opens" wait_for "New contact"
keys -l "$(q "select first_name from contacts where id = $a2")"
keys Tab
keys -l "$(q "select last_name from contacts where id = $a2")"
check "the form warns about the likely duplicates while typing" wait_for "likely duplicate"
check "... naming the one that exists" line_has "likely duplicate" "#$a2 "
keys Escape
check "cancelling asks first" wait_for "discard your changes? y/n"
keys y
check "the form closes, nothing saved" wait_for "changes discarded"
prompt "duplicates"
check ":duplicates lists the candidate pairs, best first" \
    wait_for "Duplicates · contacts · $pairs pairs, best first"
check "the best pair is on top, with its reasons" line_has "#$a1 " "#$b1 "
keys n
check "n asks first" wait_for "not a duplicate? (y/n)"
keys y
check "the pair is remembered" wait_for "#$a1 and #$b1 are not duplicates: remembered"
check "database: the mark" \
    wait_sql "select count(*) from not_duplicates where entity = 'contacts' and a_id = $a1 and b_id = $b1" 1
check "the view scans again without it" wait_for "Duplicates · contacts · $((pairs - 1)) pairs"
keys q
prompt "duplicates contacts"
check "a new scan leaves the pair out" wait_for "Duplicates · contacts · $((pairs - 1)) pairs"

keys g Enter
check "Enter compares the next pair field by field" wait_for "Merge contacts #$a2 and #$b2 · #$a2 survives"
check "the survivor's values are kept by default" line_has "E-mail" "● $(q "select email from contacts where id = $a2")"
keys j j l
check "l keeps the other record's e-mail" line_has "E-mail" "● $mail2"
keys M
check "M asks first" wait_for "merge the two into one? (y/n)"
keys y
check "the merge is done and says how to undo it" \
    wait_for "merged contact #$b2 into #$a2 (merge "
check "the survivor opens" wait_for "contact #$a2 ·"
check "with the merge on its timeline" wait_for "Merged contact #$b2 into this one"
check "database: one record, with the e-mail chosen" \
    wait_sql "select (select count(*) from contacts where id = $b2) || ' ' || (select email from contacts where id = $a2)" "0 $mail2"
merge=$(q "select id from merges where entity = 'contacts' and survivor_id = $a2 and merged_id = $b2")
check "database: the merge, keeping the merged record's e-mail" \
    sql_is "select fields ->> 'email' from merges where id = ${merge:-0}" merged
check "database: the merged id resolves to the survivor" sql_is "select ccrm_resolve('contacts', $b2)" "$a2"

keys q
check "back on the pairs: the merged pair is gone" wait_for "Duplicates · contacts · $((pairs - 2)) pairs"
keys q q
check "ccrm exits 0" test "$(pane_status)" = 0
tui_stop
"$CCRM" -d "$DB=marco" --unmerge "$merge" >/dev/null
check "ccrm --unmerge takes the merge back" \
    sql_is "select count(*) from contacts where id in ($a2, $b2)" 2
done_testing
