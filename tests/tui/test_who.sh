#!/usr/bin/env bash
# :who answers as `ccrm --who` and the routing do (one function, ccrm_who): for conditions
# typed (a product, an account by its quoted name) and for the ticket selected, the person and
# the rule that decided equal the assignment the database made at insert, also when the person
# is away and the deputy stands in; a hand-off (h) offers the competent person first, and
# Enter hands the ticket to them.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_who.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
acc=$(q "select name from accounts where name ~ ' ' and country is not null order by id limit 1")
accid=$(q "select id from accounts where name = '$(sed "s/'/''/g" <<<"$acc")'")
newticket() { # SUBJECT PRODUCT: inserted by sofia without an assignee: routed by the rules
    as sofia -c "insert into tickets (subject, product, account_id) values ('$1', '$2', $accid)
                 returning id" | head -1
}
t1=$(newticket 'Routed by product' 'ccrm Enterprise')
read -r who1 rule1 <<<"$(q "select assignee, routed_rule from tickets where id = $t1" | tr '|' ' ')"
[ -n "$who1" ] && [ -n "$rule1" ] || fail "the ticket was routed"

tui_start 140 30 "$CCRM" -d "$DB user=sofia" --view tickets
check "client is up" wait_for "Tickets by updated"
prompt "who product=\"ccrm Enterprise\" account=\"$acc\""
check ":who answers with the person and the rule the routing chose" wait_for "who: $who1 (rule #$rule1)"
check "the answer view names the deciding rule" line_has "* rule #$rule1" "ccrm Enterprise"
keys q
check "q closes it" wait_for "Tickets by updated"

# the person away today: the deputy stands in, for :who and for a new ticket alike
q "insert into absences (login, starts_on, ends_on) values ('$who1', current_date - 1, current_date + 1)" >/dev/null
t2=$(newticket 'Routed while away' 'ccrm Enterprise')
read -r who2 rule2 <<<"$(q "select assignee, routed_rule from tickets where id = $t2" | tr '|' ' ')"
check "the new ticket went to someone else" test "$who2" != "$who1"
prompt "who product=\"ccrm Enterprise\" account=\"$acc\""
check ":who names the stand-in, as the assignment" wait_for "who: $who2 (rule #$rule2)"
check "... and says why the first one did not" line_has "$who1" "away"
keys q

# the ticket selected: :who without words, and h offering the competent person
keys /
keys -l "Routed while away"
keys Enter
check "the ticket is found" line_has "Routed while away" "$who2"
other=zoe
[ "$who2" = zoe ] && other=lukasz
q "update tickets set assignee = '$other' where id = $t2" >/dev/null
check "it is $other's now" line_has "Routed while away" "$other"
prompt "who"
check ":who for the selected ticket" wait_for "who: $who2 (rule #$rule2)"
check "... names the ticket" wait_for "Who is competent: ticket #$t2"
keys q
keys h
check "h asks to whom" wait_for "to (login or department):"
check "... offering the competent person first" wait_for "competent by the rules: $who2 (Enter alone hands it to them)"
keys Enter
check "a note is asked" wait_for "note:"
keys -l "yours by the rules"
keys Enter
check "the ticket is handed to them" wait_sql "select assignee from tickets where id = $t2" "$who2"
prompt "who bogus"
check ":who with a department that is none says so" wait_for 'who: no department "bogus"'
prompt "who support topic="
check ":who with a condition without a value says so" wait_for "who: topic= needs a value"
keys q
done_testing
