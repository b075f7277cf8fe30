#!/usr/bin/env bash
# The billing commands' text that is not UTF-8 (src/cli/billing.c): a byte that is no UTF-8 in
# the document named (--issue, --payment, --credit-note, --print, --send), --reference,
# --note, --to or --queue is the command line's mistake, said in one line naming the option
# before any database is opened (exit 64, as --log --subject says it). It went to the server,
# which answered `invalid byte sequence for encoding "UTF8": 0xff` (exit 65), naming nothing.
# Nothing is written either way; valid UTF-8 (an umlaut, a euro sign) is taken. An empty
# document (--payment "") is a value missing, exit 64, not "invoice \"\" not found" (65).
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: test_bill_cli_bytes.sh path/to/ccrm}

pg_start_demo "$CCRM" 10
inv=$(q "select number from invoices where status = 'issued' and kind = 'invoice' order by id limit 1")
draft=$(q "select id from invoices where status = 'draft' order by id limit 1")
check "an issued invoice ($inv) and a draft (#$draft)" test -n "$inv" -a -n "$draft"
state() { q "select (select count(*) from payments) || '/' || (select count(*) from invoices) || '/' || (select count(*) from messages) || '/' || (select coalesce(max(number), '') from invoices)"; }
before=$(state)

# the command, the option named and the byte counted
while IFS='|' read -r opt at args; do
    # shellcheck disable=SC2086
    eval "set -- $args"
    c bea "$@"
    check "$opt at byte $at: exit 64 ($rc: ${err%%$'\n'*})" test "$rc" = 64
    check "...said in one line naming $opt" grep -qx "ccrm: $opt: not valid UTF-8 (byte $at)" <<<"${err%%$'\n'*}"
    # before any database is opened: the same with a server that is not there
    "$CCRM" -d "host=$TEST_TMP/nowhere dbname=ccrm user=bea" "$@" >/dev/null 2>&1
    r=$?
    check "...before any database is opened ($r)" test "$r" = 64
done <<EOF
--issue|1|--issue \$'\\xff'
--payment|2|--payment \$'2\\xc3' --amount 1
--reference|2|--payment $inv --amount 1 --reference \$'R\\xff4711'
--note|8|--credit-note $inv --note \$'Gutschr\\xfcft'
--credit-note|3|--credit-note \$'20\\xe2\\x82'
--print|1|--print invoice \$'\\xff' --output $TEST_TMP/x.pdf
--send|1|--send invoice \$'\\xff' --no-send
--to|1|--send invoice $inv --to \$'\\xff@example.com' --no-send
--queue|5|--send invoice $inv --queue \$'bill\\xe9' --no-send
EOF
# an empty document is a value missing (64), not one looked for and not found (65)
empty_said() { [ "$rc" = 64 ] && [ "${err%%$'\n'*}" = "ccrm: $1: expected an invoice's id or number, got \"$2\"" ]; }
c bea --issue ''
check "--issue '': exit 64 ($rc: ${err%%$'\n'*})" empty_said --issue ''
c bea --payment '' --amount 1
check "--payment '': exit 64 ($rc: ${err%%$'\n'*})" empty_said --payment ''
c bea --credit-note ' '
check "--credit-note ' ': exit 64 ($rc: ${err%%$'\n'*})" empty_said --credit-note ' '
c bea --print invoice '' --output "$TEST_TMP/x.pdf"
check "--print invoice '': exit 64 ($rc: ${err%%$'\n'*})" empty_said --print ''
c bea --send invoice '' --no-send
check "--send invoice '': exit 64 ($rc: ${err%%$'\n'*})" empty_said --send ''
check "nothing was written" test "$(state)" = "$before"

# valid UTF-8 goes through as before
c bea --payment "$inv" --amount 1 --reference 'Überweisung €'
check "a reference with an umlaut and a euro sign is taken ($rc: $err)" test "$rc" = 0
check "...and kept" test "$(q "select reference from payments order by id desc limit 1")" = 'Überweisung €'
c bea --issue "$draft" --date 2000-01-01
check "a refusal of the database is still said as before ($rc: $err)" \
    bash -c "[ $rc = 65 ] && grep -q 'more than a year back' <<<'$err'"

done_testing
