#!/usr/bin/env bash
# Files attached to an answer in the client's reply form (docs/mail.md, "Files in the form"):
# `:attach PATH` at the form's question (Tab completes the path, ~/ is the home directory) adds
# a file, the message line lists the files with their numbers and sizes, `:detach N` removes
# one; a file over [mail] attachment_max, a missing file and a directory are refused with their
# reason while the answer and its files stay; an answer not sent keeps its files for the next
# r; sent, the outbox row has the files byte for byte (the attachments of incoming mail: the
# conversation lists them) and sendmail gets a multipart/mixed with them in base64 under their
# non-ASCII names.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_mail_reply_attach.sh path/to/ccrm}
T=$TEST_TMP
ASK="send? y/n  t To  c Cc  s Subject  :attach FILE"

pg_start_demo "$CCRM" 200
chmod 777 "$T"
. "$(dirname "$0")/../lib/mail_client.sh"
# incoming attachments are kept up to 4 KB here: an answer's files may be as large
printf '[mail]\nsendmail = %s -t -oi\nattachment_max = 4096\n' "$T/sendmail" >"$T/ccrm.ini"
H=$T/home
mkdir -p "$H/doc" "$H/sub"
head -c 3000 /dev/urandom >"$H/doc/Übersicht März.pdf"
printf 'a;b\n1;2\n' >"$H/werte.csv"
printf 'plan\n' >"$H/plan.txt"
head -c 5000 /dev/urandom >"$H/gross.bin"
md5() { md5sum <"$1" | cut -d' ' -f1; }

tui_start 140 40 env EDITOR="$T/editor" VISUAL= HOME="$H" \
    "$CCRM" -c "$T/ccrm.ini" -d "$PG_CONN user=sofia"
check "support starts on the Tickets view" wait_for "Tickets by updated"
check "the ticket is on top" line_has "#$TK " "Charged twice"
keys Enter
check "the ticket's view opens" wait_for "Conversation (1 mail)"
keys r
check "after the editor the form asks, naming :attach" \
    wait_for "$ASK"

# ---------------------------------------------------------------- attach, with Tab
keys -l ":attach $H/doc/Üb"
keys Tab
check "Tab completes the path after :attach" wait_for ":attach $H/doc/Übersicht März.pdf"
keys Enter
check "the form lists the file with its number and size" \
    wait_for "attached: 1 Übersicht März.pdf (2.9 KB) (:detach N) · To: \"Clara Weber\""
check "...and asks again" wait_for "$ASK"
keys -l ":attach ~/werte.csv"
keys Enter
check "~/ is the home directory: a second file" \
    wait_for "attached: 1 Übersicht März.pdf (2.9 KB), 2 werte.csv (8 bytes) (:detach N)"
keys a
check "a alone asks for the path, without Enter" wait_for "the file to attach (Tab completes the path"
keys -l "~/plan.txt"
keys Enter
check "a third file" wait_for "2 werte.csv (8 bytes), 3 plan.txt (5 bytes) (:detach N)"

# ---------------------------------------------------------------- refusals lose nothing
keys -l ":attach ~/gross.bin"
keys Enter
check "a file over [mail] attachment_max: refused with its size and the limit" \
    wait_for "could not attach \"$H/gross.bin\": 4.9 KB is more than the 4.0 KB of [mail] attachment_max"
check "...the form goes on asking" wait_for "$ASK"
keys -l ":attach ~/nicht da.pdf"
keys Enter
check "a missing file: refused with the reason" \
    wait_for "could not attach \"$H/nicht da.pdf\": No such file or directory"
keys -l ":attach ~/sub"
keys Enter
check "a directory: refused" wait_for "could not attach \"$H/sub\": it is a directory"
keys -l ":detach 7"
keys Enter
check ":detach of a file not there: says which there are" \
    wait_for "no attachment \"7\": the answer has 3 files: :detach 1 to 3"
check "nothing was written meanwhile" \
    test "$(q "select count(*) from messages where ticket_id = $TK and direction = 'out'")" = 0

# ---------------------------------------------------------------- remove one; n keeps them
keys -l ":detach 2"
keys Enter
check ":detach 2 removes the second file" \
    wait_for "attached: 1 Übersicht März.pdf (2.9 KB), 2 plan.txt (5 bytes) (:detach N) · To:"
keys n
check "n alone: not sent, kept" wait_for "the answer is not sent but kept: r on this ticket opens it again"
keys r
check "r again: the form still has the files" \
    wait_for "attached: 1 Übersicht März.pdf (2.9 KB), 2 plan.txt (5 bytes) (:detach N) · To:"

# ---------------------------------------------------------------- sent with the files
keys y
check "the answer is committed to the outbox" \
    wait_sql "select count(*) from messages where ticket_id = $TK and direction = 'out'" 1
MID=$(q "select id from messages where ticket_id = $TK and direction = 'out'")
check "the client says it was sent" wait_for "mail $MID sent" 20
check "the outbox row has the two files, in order, typed by their extensions" \
    test "$(q "select string_agg(name || ' ' || type || ' ' || size, ', ' order by id) from attachments where msg_id = $MID")" \
    = "Übersicht März.pdf application/pdf 3000, plan.txt text/plain 5"
check "...byte for byte" \
    test "$(q "select md5(content) from attachments where msg_id = $MID and name like 'Ü%'")" = "$(md5 "$H/doc/Übersicht März.pdf")"
A1=$(q "select min(id) from attachments where msg_id = $MID")
check "the conversation shows the answer" wait_for "→ Re: Charged twice for one booking [#$TK]"
# the answer's files come after its text: move down to them
key_until "Attachment $A1: Übersicht März.pdf (2.9 KB)" j
check "the conversation lists the answer's files" wait_for "Attachment $A1: Übersicht März.pdf (2.9 KB)"
F=$(ls "$T"/spool/*.eml 2>/dev/null | head -1)
check "sendmail got the mail" test -n "$F"
python3 - "$F" >"$T/parsed" 2>&1 <<'PY'
import email, hashlib, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
print(m.get_content_type())
for p in m.walk():
    if p.get_filename():
        print(p.get_filename(), p.get_content_type(), p.get("Content-Transfer-Encoding"),
              hashlib.md5(p.get_payload(decode=True)).hexdigest(), sep="|")
    elif p.get_content_type() == "text/plain":
        print("text|" + p.get_payload(decode=True).decode().split("\n")[2])
PY
check "it is a multipart/mixed ($(head -1 "$T/parsed"))" test "$(head -1 "$T/parsed")" = multipart/mixed
check "...the text the editor wrote, nothing lost" test "$(sed -n 2p "$T/parsed")" = "text|the second charge is refunded."
check "...the PDF in base64 under its name, byte for byte" \
    test "$(sed -n 3p "$T/parsed")" = "Übersicht März.pdf|application/pdf|base64|$(md5 "$H/doc/Übersicht März.pdf")"
check "...and the text file" test "$(sed -n 4p "$T/parsed")" = "plan.txt|text/plain|base64|$(md5 "$H/plan.txt")"
keys q
keys q
done_testing
