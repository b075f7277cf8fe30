# Sourced by the batch tests of outgoing mail (test_mail_outbox.sh, test_mail_strangers.sh,
# test_sla_mail.sh, test_mail_forge.sh), after tests/lib/pg.sh, with $T (a directory of the
# test's) and $CCRM set. Defines functions only: the test calls mail_demo, or fake_sendmail to
# write the sendmail and its configuration.

# same WHAT EXPECTED ACTUAL: a check that shows both when they differ
same() {
    if [ "$2" = "$3" ]; then ok "$1"; else echo "--- expected:"; echo "$2"; echo "--- got:"; echo "$3"; fail "$1"; fi
}
# fake_sendmail: $T/sendmail, a sendmail(1) that keeps each mail as spool/N.eml and logs its
# Message-ID in $T/sent.log; it fails while $T/fail exists (exit 75, a line on stderr), waits
# while $T/slow exists (as many seconds as it says) and, while $T/hang-after exists, hangs after
# taking the mail (its pid in $T/hung.pid). And $T/ccrm.ini, a configuration that uses it.
fake_sendmail() {
    mkdir -p "$T/spool"
    cat >"$T/sendmail" <<EOF
#!/bin/bash
[ "\$1 \$2" = "-t -oi" ] || { echo "sendmail: unexpected arguments \$*" >&2; exit 64; }
msg=\$(mktemp "$T/spool/in.XXXXXX")
cat >"\$msg"
[ -e "$T/slow" ] && sleep "\$(cat "$T/slow")"
if [ -e "$T/fail" ]; then rm -f "\$msg"; echo "sendmail: mail.example.com: connection refused" >&2; exit 75; fi
id=\$(grep -m1 -i '^Message-ID:' "\$msg" | tr -d '\r')
mv "\$msg" "$T/spool/\$(date +%s%N).eml"
echo "\$id" >>"$T/sent.log"
if [ -e "$T/hang-after" ]; then echo \$\$ >"$T/hung.pid"; exec sleep 30; fi
exit 0
EOF
    chmod 755 "$T/sendmail"
    chmod 777 "$T" "$T/spool"
    printf '[mail]\nsendmail = %s -t -oi\n' "$T/sendmail" >"$T/ccrm.ini"
    chmod 644 "$T/ccrm.ini"
}
# mail_demo N: a throwaway cluster with N demo accounts but none of the demo's mail or mail
# queues (the test sets up its own), and the fake sendmail and its configuration
mail_demo() {
    pg_start_demo "$CCRM" "$1"
    psqlc -c "delete from messages; delete from mail_queues" || fail "clearing the demo's mail"
    fake_sendmail
}
# run USER args...: ccrm as a demo person, with that configuration; out, err and rc
# shellcheck disable=SC2034 # rc is the test's to read
run() {
    local u=$1
    shift
    "$CCRM" -c "$T/ccrm.ini" -d "host=$PG_DIR dbname=ccrm user=$u" "$@" >"$T/out" 2>"$T/err"
    rc=$?
}
