#!/usr/bin/env bash
# One's quiet hours, set in the client (:settings, a form over one's own inbox_settings row):
# before, a change by someone else to a record I follow pings me (the toast names my Inbox
# entry); with quiet hours around now, the same change is held back (no ping, the entry is
# marked quiet and the Inbox shows it held for the digest), while an @mention still breaks
# through. The form refuses what is no time of day, and an unknown time zone at its field, and
# :settings again edits the same row.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_quiet_hours.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
# ana (admin) has no settings yet; she follows a ticket of zoe's
check "ana has no settings" sql_is "select count(*) from inbox_settings where login = 'ana'" 0
t=$(q "select id from tickets order by id limit 1")
q "update tickets set subject = 'Quiet please', assignee = 'zoe' where id = $t" >/dev/null
as ana -c "select ccrm_follow('tickets', $t, true)" >/dev/null
# the toast of a read names one of my Inbox entries, or says the change it names is in my Inbox
pinged() { screen | grep -qE "$1 for ana|Inbox: "; }
esql="(select count(*) || ' ' || coalesce(sum(count), 0) from inbox where login = 'ana'
       and kind = 'change' and entity = 'tickets' and entity_id = $t)"
entries() { q "select $esql"; }

tui_start 140 34 "$CCRM" -d "$DB user=ana"
check "ana's client is up" wait_for " online "

# no quiet hours: a change pings (the toast names the Inbox entry, or counts it beside the
# ticket's own change)
as sofia -c "update tickets set priority = 'high' where id = $t" >/dev/null
check "without quiet hours the change pings" wait_until -t 10 pinged "change( ×[0-9]+)?"
check "... and is not quiet" \
    sql_is "select bool_or(quiet) from inbox where login = 'ana' and kind = 'change' and entity_id = $t" f

# :settings: a new row of her own. The times are read once: "until" typed again below must be
# the same minute as the first time, which a second `date` a second later is not at hh:59.
qu=$(date -u -d '+2 hours' +%H:%M)
qf=$(date -u -d '-1 hour' +%H:%M)
prompt "settings"
check ":settings opens a new settings form" wait_for "New inbox settings"
check "... with the fields" wait_for "Quiet from"
# an unknown time zone is the database's refusal: shown under its field, with the cursor put
# there, as a constraint's is (it was said at the top of the form, the cursor left elsewhere)
keys -l "Mars/Olympus"
keys Down
keys C-s
check "an unknown time zone is refused under its field" \
    line_has '↳ unknown time zone "Mars/Olympus"' "Europe/Berlin"
cursor_on() { screen | grep -m1 -F '▸' | grep -qF "▸ $1"; }
check "... the cursor moved to the field" wait_until cursor_on "Time zone"
check "... the bottom line names the field" wait_for 'not saved: Time zone: unknown time zone "Mars/Olympus"'
check "... nothing is written" sql_is "select count(*) from inbox_settings where login = 'ana'" 0
keys C-u
keys -l "UTC"
keys Down
keys -l "25:99"
keys Down
keys -l "$qu"
keys C-s
check "a time that is none is refused in the form" wait_for "not saved"
check "... saying why" wait_for "there is no 25:99 (00:00 to 23:59)"
check "... nothing is written" sql_is "select count(*) from inbox_settings where login = 'ana'" 0
# the cursor is on the field refused; the same time twice is a rule of the database's (046)
keys C-u
keys -l "$qu"
keys C-s
check "quiet from and until the same: refused in the database's words, not its constraint's name" \
    wait_for "quiet hours need both times, and different ones"
check "... nothing is written" sql_is "select count(*) from inbox_settings where login = 'ana'" 0
keys C-u
keys -l "$qf"
keys C-s
check "the settings are saved" wait_for "saved inbox settings #"
check "... as hers, in the database" \
    sql_is "select time_zone || ' ' || (quiet_from is not null) || ' ' || (quiet_until is not null) from inbox_settings where login = 'ana'" \
    "UTC true true"
check "... and now is in her quiet hours" \
    sql_is "select ccrm_inbox_quiet('ana', 'change', now())" t

# the same kind of change now stays quiet: no ping, marked quiet, held in the Inbox
e1=$(entries)
as sofia -c "update tickets set priority = 'low' where id = $t" >/dev/null
check "the change reaches her Inbox" wait_sql "select $esql <> '$e1'" t
check "... marked quiet" \
    sql_is "select bool_and(quiet) from inbox where login = 'ana' and kind = 'change' and entity_id = $t and read_at is null" t
check "the ticket's change is toasted" wait_for "changed ticket #$t"
check "... but no Inbox entry pings" test "$(pinged change && echo pinged)" = ""
keys 8
check "the Inbox holds it back for the digest" line_has "Quiet please" "held"
# a mention breaks through
as sofia -c "insert into comments (entity, entity_id, body) values ('tickets', $t, 'look @ana')" >/dev/null
check "an @mention still pings" wait_until -t 10 pinged mention
check "... and is not quiet" \
    sql_is "select bool_or(quiet) from inbox where login = 'ana' and kind = 'mention' and entity_id = $t" f

# :settings again edits the same row: a digest time
prompt "settings"
check ":settings opens her row" wait_for "Edit inbox settings #"
keys Down Down Down
keys -l "08:30"
keys C-s
check "the digest time is saved" \
    wait_sql "select digest_at from inbox_settings where login = 'ana'" "08:30:00"
check "... the quiet hours kept as they were" \
    sql_is "select quiet_from = '$qf' from inbox_settings where login = 'ana'" t
check "still one row" sql_is "select count(*) from inbox_settings where login = 'ana'" 1
keys q
tui_stop
done_testing
