#!/usr/bin/env bash
# Who owns what a lead's conversion makes: marketing qualifies a lead and sales converts it;
# the deal (and a new account and contact) went to the lead's owner, so a salesperson's deal
# belonged to marketing. Now: the lead's owner when a salesperson owns it, else the
# salesperson converting it, else (management converting marketing's lead) the lead's owner.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_convert_owner.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
lead() { # OWNER: a new lead of a new company, owned by OWNER
    q "insert into leads (first_name, last_name, company, email, status, owner)
       values ('Ada', 'Probe', 'Owner Probe ' || '$1' || ' ' || clock_timestamp()::text,
               'ada.' || md5(clock_timestamp()::text) || '@owner.example', 'qualified', '$1')
       returning id"
}
owners() { # LEAD: the owners of the deal, account and contact it was converted into
    q "select o.owner || ',' || a.owner || ',' || c.owner
         from leads l join accounts a on a.id = l.account_id join contacts c on c.id = l.contact_id
         join opportunities o on o.account_id = a.id
        where l.id = $1"
}

l1=$(lead renee)
out=$(as sam -c "select opportunity_id is not null from ccrm_convert_lead($l1, 'Probe deal', 100)")
check "sam converts marketing's lead ($out)" test "$out" = t
check "...the deal, the account and the contact are sam's, not marketing's" \
    test "$(owners "$l1")" = "sam,sam,sam"

l2=$(lead priya)
as sam -c "select ccrm_convert_lead($l2, 'Probe deal 2', 100)" >/dev/null
check "sam converts priya's lead: they stay priya's (a salesperson owns it)" \
    test "$(owners "$l2")" = "priya,priya,priya"

l3=$(lead renee)
as mia -c "select ccrm_convert_lead($l3, 'Probe deal 3', 100)" >/dev/null
check "management converts marketing's lead: the lead's owner, as before" \
    test "$(owners "$l3")" = "renee,renee,renee"

l4=$(lead priya)
q "update users set active = false where login = 'priya'" >/dev/null
as sam -c "select ccrm_convert_lead($l4, 'Probe deal 4', 100)" >/dev/null
check "a disabled salesperson's lead goes to the converter" test "$(owners "$l4")" = "sam,sam,sam"
done_testing
