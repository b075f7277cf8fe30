#!/usr/bin/env bash
# Data printed for a person never drives the terminal: a partner's ticket subject with OSC 0
# (window title) ended by BEL, CSI 2J (clear screen), OSC 52 (write the clipboard) and the C1
# control CSI (U+009B), and CSV values and headers with the same, reach `ccrm --feed` (text),
# the import's messages, --log, --export's and the admin commands' messages only as '?'. The
# JSON lines stay exact and valid JSON.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=$(cd "$(dirname "$1")" && pwd)/$(basename "${1:?usage: test_terminal_escapes.sh path/to/ccrm}")
T=$TEST_TMP
pg_start_demo "$CCRM" 3

# bytes a terminal obeys: C0 controls but newline, DEL, C1 controls as UTF-8, and any byte
# that is not valid UTF-8 (a raw 0x9b is CSI to some terminals)
clean() { # FILE: no such byte in it
    ! LC_ALL=C grep -qP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$1" &&
        iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1
}
psqlc <<'SQL'
insert into tickets (subject, channel, account_id)
values (E'Invoice \033]0;owned\007 \033[2J\033]52;c;ZXZpbA==\033\\ \u009b2J end', 'web',
        (select min(id) from accounts));
SQL
check "the subject really holds ESC, BEL and U+009B" \
    test "$(psqlc -c "select strpos(subject, chr(27)) > 0 and strpos(subject, chr(7)) > 0 and strpos(subject, chr(155)) > 0 from tickets where subject like 'Invoice %'")" = t

# ---- --feed, text ----
"$CCRM" -d "$PG_CONN" --feed --limit 3 >"$T/feed.txt"
check "--feed text: the subject is there" grep -q "Invoice ?\]0;owned? ?\[2J?\]52;c;ZXZpbA==?\\\\ ?2J end" "$T/feed.txt"
check "--feed text: no control byte reaches the terminal" clean "$T/feed.txt"

# ---- --feed, JSON lines: exact and valid ----
"$CCRM" -d "$PG_CONN" --feed --limit 3 --format jsonl >"$T/feed.jsonl"
check "--feed jsonl: every line is valid JSON" bash -c "jq -e . '$T/feed.jsonl' >/dev/null"
check "--feed jsonl: the subject exactly as stored" \
    test "$(jq -r 'select(.summary | startswith("Invoice")) | .summary' "$T/feed.jsonl" | od -An -tx1 | tr -d ' \n')" = \
    "$(psqlc -c "select subject from tickets where subject like 'Invoice %'" | od -An -tx1 | tr -d ' \n')"

# ---- --log: the account's name comes from the database ----
psqlc -c "update accounts set name = 'Acme ' || chr(27) || ']0;x' || chr(7) || ' ' || chr(155) || '31m' where id = (select min(id) from accounts)"
email=$(psqlc -c "select email from contacts where account_id = (select min(id) from accounts) and email is not null limit 1")
if [ -n "$email" ]; then
    "$CCRM" -d "$PG_CONN" --log ticket --contact "$email" --subject "Hi" >"$T/log.txt" 2>&1
    check "--log: the answer names the account, safely" bash -c "grep -q 'at Acme ?\]0;x? ?31m' '$T/log.txt' && $(declare -f clean); clean '$T/log.txt'"
fi
"$CCRM" -d "$PG_CONN" --log ticket --contact $'x\e]0;t\a@example.org' --subject "Hi" >"$T/log2.txt" 2>&1
check "--log: an e-mail with control bytes is refused, and echoed safely" bash -c "$(declare -f clean); grep -q 'is not a valid e-mail address' '$T/log2.txt' && clean '$T/log2.txt'"
check "... and no contact has it" test "$(psqlc -c "select count(*) from contacts where email like '%' || chr(27) || '%'")" = 0

# ---- --import: CSV values and headers in messages ----
printf 'first_name,last_name,email,\033]0;hdr\007Shoe\nAda,L,ada\302\2332J@@x,1\nBob,M,bob@example.org,2\n' >"$T/evil.csv"
"$CCRM" -d "$PG_CONN" --import "$T/evil.csv" --into contacts --dry-run >"$T/imp.out" 2>"$T/imp.err"
check "--import: the bad e-mail is reported (its C1 control named, not echoed)" grep -q 'evil.csv:2: column "email": control character U+009B' "$T/imp.err"
check "--import: the unknown header is reported" grep -q 'ignoring unknown column "?\]0;hdr?Shoe"' "$T/imp.err"
check "--import: no control byte in its messages" clean "$T/imp.err"
printf 'account,first_name,email\n\342\200\256evil\302\235corp,Eve,eve@example.org\n' >"$T/ref.csv"
"$CCRM" -d "$PG_CONN" --import "$T/ref.csv" --into contacts --dry-run >"$T/ref.out" 2>"$T/ref.err"
check "--import: an account name with a bidi override and a C1 control is refused, named safely" \
    bash -c "grep -q 'column \"account\": bidirectional control U+202E' '$T/ref.err' && $(declare -f clean); clean '$T/ref.err'"
printf 'account,first_name,email\nevil\033]0;x\007corp,Eve,eve@example.org\n' >"$T/ref2.csv"
"$CCRM" -d "$PG_CONN" --import "$T/ref2.csv" --into contacts --dry-run >"$T/ref2.out" 2>"$T/ref2.err"
check "--import: one with ESC and BEL likewise" \
    bash -c "grep -q 'column \"account\": control character 0x1b' '$T/ref2.err' && $(declare -f clean); clean '$T/ref2.err'"

# ---- --export and the admin commands: names in their messages ----
"$CCRM" -d "$PG_CONN" --export contacts --output "$T/no/such/dir/"$'\e[2J'"x.csv" >"$T/exp.out" 2>"$T/exp.err"
check "--export: the path in the error, safely" bash -c "grep -q 'could not create' '$T/exp.err' && $(declare -f clean); clean '$T/exp.err'"
"$CCRM" -d "$PG_CONN" --share $'Nope\e]0;t\aCorp' --partner nobody >"$T/adm.out" 2>"$T/adm.err"
check "--share: the account in the error, safely" bash -c "grep -q 'Nope?\]0;t?Corp' '$T/adm.err' && $(declare -f clean); clean '$T/adm.err'"

# ---- --who: an account named on the command line (from a script's data) in the refusal ----
"$CCRM" -d "$PG_CONN" --who --account $'Nope\e]0;t\a\e[2JCorp' >"$T/who.out" 2>"$T/who.err"
check "--who: the account in the refusal, safely" bash -c "grep -q 'no account \"Nope?\]0;t??\[2JCorp\"' '$T/who.err' && $(declare -f clean); clean '$T/who.err'"
"$CCRM" -d "$PG_CONN" --report $'x\e[2J' >"$T/rep.out" 2>"$T/rep.err"
check "--report: an unknown name in the refusal, safely" bash -c "grep -q 'unknown report \"x?\[2J\"' '$T/rep.err' && $(declare -f clean); clean '$T/rep.err'"

# ---- --import --into campaign_responses: a mailing tool's file, its header and values ----
C1=$(psqlc -c "select min(id) from campaigns")
printf 'email,status,\033]0;hdr\007x\nbad\033[2J@example.org,opened,y\nsomeone@example.org,\033[31mweird,z\n' >"$T/resp.csv"
cp "$T/resp.csv" "$T/r"$'\e[2J'".csv"
"$CCRM" -d "$PG_CONN" --import "$T/r"$'\e[2J'".csv" --into campaign_responses --campaign "$C1" \
    --dry-run >"$T/resp.out" 2>"$T/resp.err"
check "--import campaign_responses: the unknown header is reported, safely" \
    grep -qF 'columns ignored: "?]0;hdr?x"' "$T/resp.err"
check "--import campaign_responses: the bad status is named, safely" \
    grep -qF '"?[31mweird" is not one of' "$T/resp.err"
check "--import campaign_responses: no control byte in its messages" \
    bash -c "$(declare -f clean); clean '$T/resp.err' && clean '$T/resp.out'"

done_testing
