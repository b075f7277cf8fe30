#!/usr/bin/env bash
# ccrm --import-mail of a Maildir that a mail program uses meanwhile (docs/mail.md §7): a mail
# moved from new/ to cur/ (read: its name gains ":2,S") after the import listed it, or one whose
# flags change in cur/, is read where it went, not refused as a file that cannot be opened
# (exit 65, the mail missing from the batch); a mail deleted meanwhile is said and skipped.
# The import is held (a lock on messages) while the files are moved: it reads at most two sets
# of 400 mails ahead of the set that waits, and the moved files come after those.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/mail.sh"
CCRM=${1:?usage: test_mail_import_live.sh path/to/ccrm}
T=$TEST_TMP
sql_is() { [ "$(q "$1")" = "$2" ]; }
mail_demo 5
q "insert into mail_queues (name, address, from_name, creates, unknown_sender, assignee)
   values ('support', 'support@example.com', 'Example Support', 'ticket', 'contact', 'sofia')" ||
    fail "a support queue"

M=$T/Maildir
mkdir -p "$M/new" "$M/cur" "$M/tmp"
for i in $(seq 1 1300); do
    name="$((1734000000 + i)).M${i}P1.host"
    dir=new
    [ $((i % 10)) = 0 ] && { dir=cur name="$name:2,"; }
    printf 'From: live%d@maildir.example\nTo: support@example.com\nSubject: live %d\nMessage-ID: <live.%d@maildir.example>\n\nmail %d\n' \
        $i $i $i $i >"$M/$dir/$name"
done

# the lock, held until $T/release exists; the import (as the superuser: no lock_timeout) waits
psqlc -c "begin" -c "lock table messages in exclusive mode" -c "select 'locked'" \
    -c "\\! while [ ! -e $T/release ]; do sleep 0.05; done" -c "commit" >"$T/lock.out" 2>&1 &
lockpid=$!
for i in $(seq 200); do grep -q locked "$T/lock.out" && break; sleep 0.05; done
"$CCRM" -d "$PG_CONN" --import-mail "$M" --queue support >"$T/out" 2>"$T/err" &
pid=$!
waiting=
for i in $(seq 400); do
    [ "$(q "select count(*) from pg_locks l join pg_stat_activity a on a.pid = l.pid
             where not l.granted and a.query like '%ccrm_mail_store_many%'")" != 0 ] && { waiting=1; break; }
    sleep 0.05
done
check "the import waits for the lock with its first set" test -n "$waiting"
# a mail program reads mails 1252 (new/ to cur/, seen), 1251 (the same) and 1290 (in cur/,
# answered and seen), and deletes mail 1295
mv "$M/new/1734001252.M1252P1.host" "$M/cur/1734001252.M1252P1.host:2,S"
mv "$M/new/1734001251.M1251P1.host" "$M/cur/1734001251.M1251P1.host:2,S"
mv "$M/cur/1734001290.M1290P1.host:2," "$M/cur/1734001290.M1290P1.host:2,RS"
rm "$M/new/1734001295.M1295P1.host"
touch "$T/release"
wait $lockpid
wait $pid
rc=$?
check "the import ends with exit 0 (rc $rc: $(head -c 300 "$T/err"))" test $rc = 0
check "... every mail but the deleted one is stored" \
    sql_is "select count(*) from messages where message_id like 'live.%@maildir.example'" 1299
check "... the moved ones too" \
    sql_is "select count(*) from messages where message_id in ('live.1252@maildir.example', 'live.1251@maildir.example', 'live.1290@maildir.example')" 3
check "... the deleted one is said" \
    grep -q "new/1734001295.M1295P1.host: gone from the Maildir while it was imported (deleted): skipped" "$T/err"
check "... and nothing else" test "$(wc -l <"$T/err")" = 1
check "... the summary counts 1,299 stored" grep -q 'batch [0-9]*: 1,299 mails stored, 0 duplicates skipped, 0 rejected' "$T/out"
done_testing
