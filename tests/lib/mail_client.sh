# Sourced by the mail tests of the client (test_mail_conversation.sh, test_mail_reply.sh), after
# pg_start_demo: a sendmail(1) that keeps what it gets, a fake editor, a configuration that uses
# that sendmail, and a customer's mail to support@ (quoted text, an attachment) that makes
# ticket $TK.
# a sendmail(1) that keeps each mail as spool/N.eml and logs its Message-ID; it fails while
# $T/fail exists (exit 75, a line on stderr)
mkdir -p "$T/spool"
cat >"$T/sendmail" <<EOF
#!/bin/bash
[ "\$1 \$2" = "-t -oi" ] || { echo "sendmail: unexpected arguments \$*" >&2; exit 64; }
msg=\$(mktemp "$T/spool/in.XXXXXX")
cat >"\$msg"
if [ -e "$T/fail" ]; then rm -f "\$msg"; echo "sendmail: mail.example.com: connection refused" >&2; exit 75; fi
id=\$(grep -m1 -i '^Message-ID:' "\$msg" | tr -d '\r')
mv "\$msg" "$T/spool/\$(date +%s%N).eml"
echo "\$id" >>"$T/sent.log"
exit 0
EOF
# the editor: the answer goes on top of what the client wrote in the file (the quote), which
# is kept for the test to read
cat >"$T/editor" <<EOF
#!/bin/bash
cp "\$1" "$T/editor-saw"
{ printf 'Dear Ms Weber,\n\nthe second charge is refunded.\n'; cat "\$1"; } >"\$1.new" && mv "\$1.new" "\$1"
EOF
chmod 755 "$T/sendmail" "$T/editor"
chmod 777 "$T/spool"
printf '[mail]\nsendmail = %s -t -oi\n' "$T/sendmail" >"$T/ccrm.ini"
chmod 644 "$T/ccrm.ini"

cat >"$T/c1.eml" <<'EOF'
From: Clara Weber <clara.weber@kunde.example>
To: support@ccrm.example
Subject: Charged twice for one booking
Message-ID: <c1.clara@kunde.example>
Date: Wed, 2 Dec 2026 11:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Hello,

my card was charged twice for booking 4711.

On Mon, 30 Nov 2026, ccrm Support wrote:
> We have refunded the first booking.
> Kind regards, your support team

Clara
--b1
Content-Type: application/pdf; name="statement.pdf"
Content-Disposition: attachment; filename="statement.pdf"
Content-Transfer-Encoding: base64

JVBERi0xLjQgc3RhdGVtZW50
--b1--
EOF
"$CCRM" -d "$PG_CONN" --mail-in --queue support <"$T/c1.eml" || fail "ccrm --mail-in (support)"
TK=$(q "select ticket_id from messages where message_id = 'c1.clara@kunde.example'")
check "the mail made a ticket" test -n "$TK"

# open_ticket: from the Tickets list, the customer's ticket $TK opened by a search
open_ticket() {
    wait_for "Tickets by updated" 10 >/dev/null
    keys /
    keys -l "Charged twice"
    keys Enter
    wait_for "#$TK " 10 >/dev/null
    keys Enter
    wait_for "ticket #$TK" 10 >/dev/null
}
