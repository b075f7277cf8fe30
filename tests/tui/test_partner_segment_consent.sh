#!/usr/bin/env bash
# A partner saves a segment of its own in the client (README: partners have their own
# segments): the client inserted it with the partner as owner, which the partners' policy
# refuses (a partner's segment has none). And a consent recorded while an opt-out of all
# channels still applies says so, rather than "recorded" alone.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_partner_segment_consent.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm user"
ROWS=30 # the screen's height, for bottom and wait_bottom

tui_start 120 $ROWS "$CCRM" -d "$DB=paul"
check "the partner starts" wait_for " online "
prompt "segment Paul Pro"
check ":segment asks for the words" wait_for "segment: interest= ticket= days= country= ...:"
keys -l "interest=ccrm Pro"
keys Enter
check "... and asks" wait_bottom "save it\\?"
keys y
check "the partner's segment is saved" wait_for 'saved segment "Paul Pro"' 10
check "... as the partner's own, without an owner" \
    sql_is "select coalesce(owner, '-') || ',' || created_by from segments where name = 'Paul Pro'" "-,paul"
check "... and no refusal" bash -c "! (tmux -L $TMUX_SOCK capture-pane -t =t: -p | grep -q 'row-level security')"
tui_stop

c=$(q "select min(id) from contacts where email is not null")
tui_start 120 $ROWS "$CCRM" -d "$DB=marco"
check "marketing starts" wait_for " online "
prompt "open contact $c"
check "the contact opens" wait_for "contact #$c" 10
prompt "unsubscribe all"
check "an opt-out of all channels is recorded" wait_for "opted out of all: recorded" 10
prompt "consent email web form"
check "a consent to e-mail says the opt-out of all still applies" \
    wait_for "consented to email: recorded, but the person stays opted out of it" 10
check "... as the database says" sql_is "select ccrm_opted_out($c, null, 'email') is not null" t
prompt "consent all"
check "a consent to all channels lifts it, and says only that" wait_for "consented to all: recorded" 10
check "... (no opt-out left)" sql_is "select ccrm_opted_out($c, null, 'email') is null" t
tui_stop
done_testing
