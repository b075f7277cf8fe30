#!/usr/bin/env bash
# The headline with mail (docs/mail.md, "In the full-screen client"): a prospect writes to sales@
# (ccrm --mail-in, as the mail server runs it); marketing's Leads view in another client marks
# the lead's row with unanswered mail, live (measured), the lead's view shows the conversation
# and the mail on the timeline as an incoming e-mail from its sender, and a second mail appears in the open
# conversation (measured).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_mail_live.sh path/to/ccrm}
T=$TEST_TMP

pg_start_demo "$CCRM" 200
chmod 777 "$T"

# ---------------------------------------------------------------- (a) the headline
# a prospect with an address of its own (no contact shares it) and no mail yet, on top of the
# Leads list (most recently updated first)
read -r lead email <<<"$(psqlc -F ' ' -c "
    select l.id, l.email from leads l
     where l.email is not null and l.status in ('new', 'contacted', 'qualified')
       and l.first_name is not null and l.last_name is not null
       and not exists (select 1 from contacts c where lower(c.email) = lower(l.email))
       and not exists (select 1 from messages m where m.lead_id = l.id)
     order by l.id limit 1")"
[ -n "$lead" ] || fail "demo data has a prospect without mail"
name=$(q "select first_name || ' ' || last_name from leads where id = $lead")
q "update leads set score = score where id = $lead" >/dev/null

tui_start 140 30 "$CCRM" -d "$PG_CONN user=marco"
check "marketing starts on the Leads view" wait_for "Leads by updated"
check "the lead is on screen, without a mark" bash -c "$(declare -f screen tmx); TMUX_SOCK=$TMUX_SOCK
    screen | grep -F '$name' | grep -vq '✉'"

mail() { # mail FILE FROM SUBJECT MESSAGE-ID BODY...
    local f=$1 from=$2 subj=$3 mid=$4
    shift 4
    { printf 'From: %s\nTo: sales@ccrm.example\nSubject: %s\nMessage-ID: <%s>\n' "$from" "$subj" "$mid"
      printf 'Date: Wed, 2 Dec 2026 10:00:00 +0000\nMIME-Version: 1.0\n'
      printf 'Content-Type: text/plain; charset=utf-8\n\n'
      printf '%s\n' "$@"; } >"$f"
}
mail "$T/a1.eml" "$name <$email>" "Volume pricing for 40 seats" "a1.$lead@prospect.example" \
    "Hello," "" "what would 40 seats cost us per year?" "" "Regards"
t0=$(date +%s%N)
"$CCRM" -d "$PG_CONN" --mail-in --queue sales <"$T/a1.eml" || fail "ccrm --mail-in"
check "the lead's row is marked: mail waiting for an answer" line_has "$name" "✉"
t1=$(date +%s%N)
echo "# mail marked on marketing's lead row $(((t1 - t0) / 1000000)) ms after ccrm --mail-in started"
check "the row's latest activity is the mail, from its sender (not who ran --mail-in)" \
    line_has "$name" " $name email in: Volume pricing"
check "one mail, filed on the lead" \
    test "$(q "select count(*) from messages where lead_id = $lead")" = 1

# the lead's view: the conversation, and the mail on the timeline as an incoming e-mail
keys Enter
check "the lead's view opens" wait_for "lead #$lead"
check "its conversation counts the mail" wait_for "Conversation (1 mail)"
check "the mail: its sender" wait_for "From: $name <$email>"
check "the mail: to whom" wait_for "To: sales@ccrm.example"
check "the mail: its text" wait_for "what would 40 seats cost us per year?"
check "the timeline shows it as an incoming e-mail" wait_for "email in: Volume pricing for 40 seats"
check "... from its sender" line_has " ${name:0:12}" "email in: Volume pricing for 40 seats"
mail "$T/a2.eml" "$name <$email>" "Re: Volume pricing for 40 seats" "a2.$lead@prospect.example" \
    "And with the training package, please."
t0=$(date +%s%N)
"$CCRM" -d "$PG_CONN" --mail-in --queue sales <"$T/a2.eml" || fail "ccrm --mail-in (2)"
check "a new mail appears in the open conversation, live" wait_for "And with the training package, please."
t1=$(date +%s%N)
echo "# a new mail in the open lead view $(((t1 - t0) / 1000000)) ms after ccrm --mail-in started"
check "the conversation counts two mails" wait_for "Conversation (2 mails)"
keys q
done_testing

