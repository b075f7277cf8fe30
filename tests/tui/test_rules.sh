#!/usr/bin/env bash
# The rules editor (:rules, a registry list and form over `responsibilities`): management adds
# a rule in its form and :who answers by it at once, and a new ticket is routed by it; Enter
# edits a rule; support may read the rules but the database refuses its save, and nothing is
# written.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_rules.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
nrules() { q "select count(*) from responsibilities"; }
before=$(nrules)

tui_start 130 30 "$CCRM" -d "$DB user=mia"
check "client is up" wait_for " online "
prompt "rules"
check ":rules lists the rules by department" wait_for "Rules by department"
check "... with their conditions" line_has "product \"ccrm Enterprise\"" "kenji"
keys n
check "n opens a new rule's form" wait_for "New rule"
keys Down C-u
keys -l 5
keys Down
keys -l zoe
check "the person is searched" wait_for "(zoe)"
keys Enter # takes zoe and moves on
keys Down Down
keys -l "Widgets"
keys C-s
check "the rule is saved" wait_for "saved rule #"
rule=$(q "select id from responsibilities where product = 'Widgets'")
check "... in the database, as typed" \
    sql_is "select department || ' ' || priority || ' ' || person || ' ' || active from responsibilities where id = $rule" \
    "support 5 zoe true"
check "the list shows it" line_has "product \"Widgets\"" "zoe"
prompt "who product=Widgets"
check ":who answers by the new rule" wait_for "who: zoe (rule #$rule)"
keys q
t=$(as sofia -c "insert into tickets (subject, product) values ('Widget broke', 'Widgets') returning id" | head -1)
check "a new ticket is routed by it" sql_is "select assignee || ' ' || routed_rule from tickets where id = $t" "zoe $rule"

# Enter edits a rule: its priority
keys /
keys -l "Widgets"
keys Enter
check "the search finds it" line_has "product \"Widgets\"" "zoe"
keys Enter
check "Enter opens its form" wait_for "Edit rule #$rule"
keys Down C-u
keys -l 7
keys C-s
check "the change is saved" wait_sql "select priority from responsibilities where id = $rule" 7
keys q
tui_stop

# support reads the rules, and may not write them
tui_start 130 30 "$CCRM" -d "$DB user=sofia"
check "sofia's client is up" wait_for " online "
prompt "rules"
check "support sees the rules" line_has "product \"Widgets\"" "zoe"
keys n
check "n says at once that support may not add rules" wait_for "n (:new) is not available to your role"
prompt "new"
check ":new still opens the form (the database decides)" wait_for "New rule"
keys Down Down
keys -l kenji
check "the person is searched" wait_for "(kenji)"
keys Enter
keys C-s
check "the database refuses the save" wait_for "permission"
check "nothing was written" sql_is "select count(*) from responsibilities" "$((before + 1))"
# give the refused form up (else it is kept as a draft and offered at the next start)
keys Escape
check "leaving asks about the changes" wait_for "discard your changes? y/n" 5
keys y
check "the refused form is given up" wait_gone "New rule" 5
tui_stop

# an absence, entered by the team lead: the routing and :who hand zoe's work to the deputy
q "delete from absences where login = 'zoe'" >/dev/null
tui_start 130 30 "$CCRM" -d "$DB user=sofia"
check "sofia's client is up again" wait_for " online "
prompt "who product=Widgets"
check "before: zoe" wait_for "who: zoe (rule #$rule)"
keys q
prompt "absences"
check ":absences lists who is away" wait_for "Absences by latest"
keys n
check "n opens an absence's form" wait_for "New absence"
keys -l zoe
check "the person is searched" wait_for "(zoe)"
keys Enter # takes zoe and moves on
keys -l "$(date +%Y-%m-%d)"
keys Down
keys -l "$(date -d '+2 days' +%Y-%m-%d)"
keys Down
keys -l p
check "the deputy's search offers internal people (priya)" wait_for "(priya)"
check "... never a partner (paul), who may not stand in" bash -c "! tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -qF '(paul)'"
keys BSpace
keys -l kenji
check "the deputy is searched" wait_for "(kenji)"
keys Enter
keys C-s
check "the absence is saved" wait_for "saved absence #"
check "... in the database" sql_is "select deputy from absences where login = 'zoe'" kenji
check "the list shows zoe away" line_has "zoe" "away"
prompt "who product=Widgets"
check ":who now names the deputy of the absence" wait_for "who: kenji (rule #$rule)"
keys q
t2=$(as sofia -c "insert into tickets (subject, product) values ('Widget broke again', 'Widgets') returning id" | head -1)
check "... as the routing does" sql_is "select assignee from tickets where id = $t2" kenji
done_testing
