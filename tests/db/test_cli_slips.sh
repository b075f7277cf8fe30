#!/usr/bin/env bash
# What a script on the command line must be able to trust:
#   - an --import whose --rejects file could not be put in place at the end (a name too long,
#     another user's file in a sticky directory) does not start: it committed, then exited 73,
#     and the script that tried again imported the rows twice;
#   - an --export to a name too long is refused before it runs, as "cannot be created" (73);
#   - --feed --state "" (a variable left empty) is a usage error, not events printed and their
#     place lost;
#   - a --reference or --note with control characters is refused as forms refuse them (it went
#     onto the credit note's PDF); bytes that are not UTF-8 are the command line's mistake (65
#     or 64), not "internal error" (70).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_cli_slips.sh path/to/ccrm}
T=$TEST_TMP
pg_start_demo "$CCRM" 2
DB="host=$PG_DIR dbname=ccrm"
run() { # run USER args...: out, err, rc
    local u=$1
    shift
    "$CCRM" -d "$DB user=$u" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
tickets() { q "select count(*) from tickets where subject = 'Slip check ticket'"; }

acc=$(q "select coalesce(domain, name) from accounts order by id limit 1")
printf 'account,subject\n%s,Slip check ticket\n' "$acc" >"$T/tk.csv"
long=$T/$(printf 'r%.0s' $(seq 300))
run sofia --import "$T/tk.csv" --into tickets --rejects "$long"
check "--rejects with a name too long: refused before the import (rc $rc, $(head -c 80 "$T/err")...)" test $rc = 73
check "... and nothing imported" test "$(tickets)" = 0
check "... in words" grep -q "File name too long" "$T/err"

mkdir -m 1777 "$T/sticky"
touch "$T/sticky/rej.csv"
chmod 666 "$T/sticky/rej.csv"
chmod 755 "$T"
runuser -u nobody -- "$CCRM" -d "$DB user=sofia" --import "$T/tk.csv" --into tickets --rejects "$T/sticky/rej.csv" >"$T/out" 2>"$T/err"
rc=$?
check "--rejects naming another user's file in a sticky directory: refused before the import (rc $rc)" test $rc = 73
check "... nothing imported ($(cat "$T/err"))" test "$(tickets)" = 0

run sofia --export tickets -o "$long"
check "--export to a name too long: 73, cannot be created (rc $rc)" test $rc = 73

run sofia --feed --state ''
check "--feed --state '': a usage error (rc $rc)" test $rc = 64
check "... that prints no events" test ! -s "$T/out"

# free text of the billing commands
aid=$(q "select id from accounts where country is not null order by id limit 1")
di=$(as bea -c "insert into invoices (account_id, currency) values ($aid, 'EUR') returning id")
as bea -c "insert into invoice_lines (invoice_id, description, quantity, unit_price, tax_rate) values ($di, 'Slip', 1, 100, 19)" >/dev/null
inv=$(as bea -c "select ccrm_invoice_issue($di)")
check "an invoice to pay ($inv)" test -n "$inv"
run bea --payment "$inv" --amount 1 --reference $'x\e[2Jy'
check "--payment --reference with an escape sequence: refused (rc $rc, $(cat "$T/err"))" test $rc = 64 -o $rc = 65
check "... no payment recorded" test "$(q "select count(*) from payments where reference like 'x%y'")" = 0
run bea --payment "$inv" --amount 1 --reference $'\xff'
check "--payment --reference not UTF-8: refused as the command line's mistake (rc $rc)" test $rc = 64 -o $rc = 65
run bea --credit-note "$inv" --note $'Wrong \e[31mred\e[0m'
check "--credit-note --note with an escape sequence: refused (rc $rc, $(cat "$T/err"))" test $rc = 64 -o $rc = 65
check "... no credit note drafted" test "$(q "select count(*) from invoices where kind = 'credit_note' and notes like 'Wrong%'")" = 0
run bea --payment "$inv" --amount 1 --reference "Bank transfer 4711"
check "... a plain reference is taken (rc $rc)" test $rc = 0
run sofia --log ticket --contact $'\xff@x.org' --subject "Slip"
check "--log --contact not UTF-8: a usage error, not an internal one (rc $rc: $(cat "$T/err"))" test $rc = 64
run ana --add-user slip_user --dept sales --display-name $'\xff'
check "--add-user --display-name not UTF-8: refused, not an internal error (rc $rc)" test $rc = 64 -o $rc = 65

done_testing
