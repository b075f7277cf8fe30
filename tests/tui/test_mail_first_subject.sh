#!/usr/bin/env bash
# A first mail to a contact who has none to answer (docs/mail.md, "Answering"): it took the
# subject "Re: contact #59", our record's number sent to the customer as if the mail answered
# something. Now ccrm_mail_reply() asks for a subject of its own: r's form says the answer
# cannot go like this and why, s sets the subject, and the mail goes under it (no "Re:").
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_mail_first_subject.sh path/to/ccrm}
T=$TEST_TMP
ASK="send? y/n  t To  c Cc  s Subject  :attach FILE"

pg_start_demo "$CCRM" 20
chmod 777 "$T"
. "$(dirname "$0")/../lib/mail_client.sh"
read -r con cname <<<"$(psqlc -F ' ' -c "
    select c.id, c.first_name || ' ' || c.last_name from contacts c
     where c.email is not null and c.first_name is not null and c.last_name is not null
       and not exists (select 1 from messages m where m.contact_id = c.id)
     order by c.id limit 1")"
[ -n "$con" ] || fail "demo data has a contact without mail"

tui_start 180 40 env EDITOR="$T/editor" VISUAL= CCRM_MAIL_RETRY_MS=300 \
    "$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=sam"
check "sam's client" wait_for " online " 15
prompt "open contact $con"
check "the contact's view" wait_for "$cname"
keys r
check "r runs the editor, then asks" wait_for "$ASK"
check "the form says the mail needs a subject (not \"Re: contact #$con\")" \
    wait_for "the answer cannot go like this: contact #$con has no mail with a subject to answer: the mail needs a subject of its own (t sets To, s the subject)"
keys y
check "y without a subject queues nothing, and says why" \
    wait_for "could not queue the answer: contact #$con has no mail with a subject to answer"
check "... nothing in the outbox" \
    test "$(q "select count(*) from messages where contact_id = $con")" = 0
keys r
check "r opens the answer kept" wait_for "$ASK"
keys s
check "s: the subject, empty" wait_until bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK; screen | tail -1 | grep -qx 'Subject:'"
keys -l "Your visit on Tuesday"
keys Enter
check "the form shows it, and where the mail goes" wait_for "· Subject: Your visit on Tuesday"
keys y
check "the mail is committed to the outbox" \
    wait_sql "select count(*) from messages where contact_id = $con and direction = 'out'" 1
check "under the subject given, no Re:" \
    test "$(q "select subject from messages where contact_id = $con and direction = 'out'")" = "Your visit on Tuesday"
keys q
tui_stop
done_testing
