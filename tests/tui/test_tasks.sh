#!/usr/bin/env bash
# The Tasks view (:tasks, a registry list over the view `tasks`): one's open tasks and meetings
# with the record each hangs off and an overdue mark; the filters team, overdue, today; x marks
# the task under the cursor done and n adds one through the task form, checked in the database.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_tasks.sh path/to/ccrm}

pg_start_demo "$CCRM" 20
DB="host=$PG_DIR dbname=ccrm"
# the demo's own tasks would count too: start from none
q "delete from interactions where kind in ('task', 'meeting') and due_at is not null;
   delete from inbox_settings"
as sofia -c "insert into inbox_settings (time_zone) values ('UTC')" >/dev/null
ticket=$(q "select id from tickets order by id limit 1")
tsubj=$(q "select subject from tickets where id = $ticket")
task() { # task AS OWNER KIND SUBJECT DUE [TICKET]
    local owner=$2
    [ "$owner" = - ] && owner=NULL || owner="'$owner'"
    as "$1" -c "insert into interactions (kind, subject, due_at, owner, ticket_id)
                values ('$3', '$4', $5, $owner, ${6:-NULL}) returning id" | head -1
}
OVER=$(task sofia - task 'Overdue callback' "now() - interval '2 hours'" "$ticket")
task sofia - meeting 'Planning meeting' "date_trunc('day', now()) + interval '1 day 9 hours'" >/dev/null
task sofia zoe task 'For zoe only' "now() + interval '3 days'" >/dev/null
task sam - task 'Sam has his own' "now() + interval '1 day'" >/dev/null

tui_start 140 30 "$CCRM" -d "$DB user=sofia"
check "client is up" wait_for " online "
prompt "tasks"
check ":tasks opens the Tasks list, mine and open" wait_for "Tasks by due, filter person=sofia open"
check "the overdue task is marked" line_has "Overdue callback" "! overdue"
check "its row names the ticket it hangs off" line_has "Overdue callback" "ticket #$ticket ${tsubj:0:10}"
check "the meeting is there" line_has "Planning meeting" "meeting"
check "zoe's task is not mine" wait_gone "For zoe only" 1
check "nor is sam's" wait_gone "Sam has his own" 1

prompt "filter team open"
check "my team's: zoe's task shows" line_has "For zoe only" "zoe"
check "sam is not in my team" wait_gone "Sam has his own" 1
prompt "filter mine overdue"
check "overdue: only the overdue one" wait_gone "Planning meeting"
check "... which stays" wait_for "Overdue callback"
prompt "filter mine open"
check "back to all open ones" wait_for "Planning meeting"

# x: done (the cursor is on the first row, the overdue task)
keys x
check "x says so" wait_for "done: task #$OVER"
check "the task leaves the open list" wait_gone "Overdue callback"
check "it is done in the database" sql_is "select done_at is not null from interactions where id = $OVER" t

# n: a new task through its form (Kind is task; Due is the 11th field)
keys n
check "n opens a task form" wait_for "New task"
keys Down
keys -l "Send the contract"
for _ in 1 2 3 4 5 6 7 8 9; do keys Down; done
keys -l "$(date -u -d tomorrow +%Y-%m-%d) 10:30"
keys C-s
check "the form saves" wait_for "saved task #"
check "the new task is in the list" line_has "Send the contract" "10:30"
check "... as sofia's task in the database" \
    sql_is "select kind || ' ' || coalesce(owner, created_by) || ' ' || to_char(due_at at time zone 'UTC', 'HH24:MI')
            from interactions where subject = 'Send the contract'" "task sofia 10:30"

# :agenda: by day, the late one marked
prompt "agenda"
check ":agenda opens" wait_for "Agenda, 7 days"
check "... with tomorrow's new task under its day" line_has "10:30" "Send the contract"
check "... and the meeting" line_has "09:00" "Planning meeting"
check "... under their day's heading" wait_for "$(date -u -d tomorrow +'%a %Y-%m-%d')"
check "today comes first, by its name" wait_for "$(date -u +'%a %Y-%m-%d') (today)"
check "a free day says so" wait_for "nothing due"
keys q
check "q closes the agenda" wait_gone "Agenda, 7 days"

# the form's times are in the person's time zone, as the list's (New York: UTC-5 in January);
# a time typed with its offset keeps it
as sofia -c "update inbox_settings set time_zone = 'America/New_York'" >/dev/null
newtask() { # SUBJECT DUE
    keys n
    wait_for "New task" || fail "n opens the task form"
    keys Down
    keys -l "$1"
    for _ in 1 2 3 4 5 6 7 8 9; do keys Down; done
    keys -l "$2"
    keys C-s
    wait_for "saved task #" || fail "the form saves $1"
}
NY=$(($(date -u +%Y) + 1)) # next year's January: New York is UTC-5 then
newtask "Zone local" "$NY-01-15 10:00"
check "a time typed in the form is the person's (10:00 in New York is 15:00 UTC)" \
    sql_is "select to_char(due_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI') from interactions
            where subject = 'Zone local'" "$NY-01-15 15:00"
check "the list shows it as typed, with its year (not this one)" line_has "Zone local" "$NY-01-15 10:00"
newtask "Zone offset" "$NY-01-15 10:00+00"
check "a time typed with an offset keeps it" \
    sql_is "select to_char(due_at at time zone 'UTC', 'HH24:MI') from interactions
            where subject = 'Zone offset'" "10:00"
check "... and the list shows it in New York's time" line_has "Zone offset" "01-15 05:00"
# a time New York's clocks skip (02:30 on 2030-03-10, the spring's Sunday) is refused at the
# field, not moved by an hour in silence
keys n
wait_for "New task" || fail "n opens the task form"
keys Down
keys -l "Zone gap"
for _ in 1 2 3 4 5 6 7 8 9; do keys Down; done
keys -l "2030-03-10 02:30"
keys C-s
check "a time the clocks skip is refused, with what it would have been" \
    wait_for "no 2030-03-10 02:30 in America/New_York: the clocks skip that hour (02:30 is 03:30)"
check "... and nothing is saved" sql_is "select count(*) from interactions where subject = 'Zone gap'" 0
keys BSpace BSpace BSpace BSpace BSpace
keys -l "03:30"
keys C-s
check "the time after the gap saves" wait_for "saved task #"
check "... as 07:30 UTC" sql_is "select to_char(due_at at time zone 'UTC', 'HH24:MI') from interactions
            where subject = 'Zone gap'" "07:30"
keys /
keys -l "Zone local"
keys Enter
wait_for "filter person=sofia open" || fail "the search"
keys e
check "the edit form shows the time as typed, not in UTC" wait_for "Due        $NY-01-15 10:00"
check "... and when it was last changed, in New York's time too" \
    wait_for "last changed by sofia at $(TZ=America/New_York date +'%Y-%m-%d %H:')"
keys Escape
wait_gone "Edit task" || fail "Esc closes the form"
keys /
keys BSpace
keys Enter
as sofia -c "update inbox_settings set time_zone = 'UTC'" >/dev/null

# :tasks overdue from another view opens the list with that filter
keys q
check "q closes the Tasks list" wait_gone "Tasks by due"
as sofia -c "insert into interactions (kind, subject, due_at) values ('task', 'Late again', now() - interval '1 hour')" >/dev/null
prompt "tasks overdue"
check ":tasks overdue: mine, overdue" wait_for "filter person=sofia open overdue"
check "... the late one" wait_for "Late again"
check "... not the one due tomorrow" wait_gone "Send the contract" 1
keys q
keys q
check "ccrm exits cleanly" test "$(pane_status)" = 0
done_testing
