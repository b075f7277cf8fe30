#!/usr/bin/env bash
# Benchmark of mail (docs/performance.md): `ccrm --mail-in` per mail, from process start to exit
# (the commit is before the exit), p50 and p99 over --reps deliveries; and `ccrm --import-mail`
# of an mbox of --count mails (messages/s and the client's peak RSS) beside a bare `psql \copy`
# of the same raw mails into a table with one bytea column, in the same run. --mail-in is timed
# directly and through a PgBouncer of its own (warm backends, docs/mail.md) when one is installed.
#   tests/bench/bench_mail.sh path/to/ccrm [--count N] [--reps R]   (defaults 100,000 and 300)
# The mails are a deterministic mix of real shapes: multipart/alternative (text and HTML),
# plain text (some Latin-1 quoted-printable), answers in threads, mails with a PDF attached,
# HTML-only newsletters; 5,000 senders. PG_EXTRA_OPTS adds server settings.
. "$(dirname "$0")/../lib/pg.sh"
CCRM=${1:?usage: bench_mail.sh path/to/ccrm [--count N] [--reps R]}
shift
count=100000
reps=300
while [ $# -gt 0 ]; do
    case $1 in
        --count) count=$2; shift 2 ;;
        --reps) reps=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done
T=$TEST_TMP
pg_start
"$CCRM" -d "$PG_CONN" --migrate >/dev/null || fail "migrate"
"$CCRM" -d "$PG_CONN" --demo --scale 300 >/dev/null || fail "demo"
# the demo's queues and mail make way for the bench's own queue
psqlc -c "delete from messages; delete from mail_queues" >/dev/null || fail "clearing the demo's mail"
psqlc -c "insert into mail_queues (name, address, from_name, creates, assignee)
          values ('support', 'support@example.com', 'Example Support', 'ticket', 'sofia')"

# a PDF-like attachment, base64 (the same bytes every run)
perl -e 'print join("", map { chr(($_ * 2654435761 >> 13) & 255) } 0 .. 15999)' | base64 -w 76 >"$T/pdf.b64"
# gen FIRST LAST: mails FIRST..LAST as an mbox on stdout (perl: part of every Debian)
gen() {
    perl -e '
    use strict; my ($first, $last, $pdffile) = @ARGV;
    my @words = qw(order invoice delivery account password export report dashboard printer
                   contract upgrade license error timeout refund shipment access update);
    my $pdf64 = do { local $/; open(my $f, "<", $pdffile) or die; <$f> };
    for my $i ($first .. $last) {
        my $s = $i % 5000; my $w1 = $words[$i % @words]; my $w2 = $words[($i * 7) % @words];
        my $t = 1700000000 + $i * 37;
        my @d = gmtime($t);
        my $date = sprintf("%s, %02d %s %04d %02d:%02d:%02d +0000",
            (qw(Sun Mon Tue Wed Thu Fri Sat))[$d[6]], $d[3],
            (qw(Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec))[$d[4]], $d[5] + 1900,
            $d[2], $d[1], $d[0]);
        my $text = "Hello support team,\n\n" . join("", map {
            "our $w1 number " . ($i * 13 + $_) . " shows a problem with the $w2 since the last "
            . "update; we tried again this morning and it still fails. Please have a look.\n" }
            1 .. (8 + $i % 20)) . "\nKind regards,\nPerson $s\nCustomer $s Ltd\n";
        my $kind = $i % 100;
        my $hdr = "From: Person $s <person$s\@customer$s.example>\nTo: support\@example.com\n"
            . "Date: $date\nMessage-ID: <bench.$i\@customer$s.example>\nMIME-Version: 1.0\n";
        print "From person$s\@customer$s.example " . scalar(gmtime($t)) . "\n";
        if ($kind < 55) {
            (my $html = $text) =~ s/\n\n/<\/p><p>/g; $html =~ s/\n/<br>\n/g;
            print "${hdr}Subject: $w1 $w2 problem $i\nContent-Type: multipart/alternative; boundary=\"b$i\"\n\n"
                . "--b$i\nContent-Type: text/plain; charset=utf-8\n\n$text\n--b$i\n"
                . "Content-Type: text/html; charset=utf-8\n\n<html><body><div style=\"font-family:Arial\"><p>$html</p></div></body></html>\n--b$i--\n";
        } elsif ($kind < 80) {
            print "${hdr}Subject: Question about the $w1\nContent-Type: text/plain; charset=iso-8859-1\n"
                . "Content-Transfer-Encoding: quoted-printable\n\n" . ($text =~ s/Hello/Gr=FC=DF Gott/r) . "\n";
        } elsif ($kind < 90) {
            my $p = $i - 5000;
            print "${hdr}Subject: Re: $words[$p % @words] $words[($p * 7) % @words] problem $p\n"
                . ($p > 0 ? "In-Reply-To: <bench.$p\@customer$s.example>\nReferences: <bench.$p\@customer$s.example>\n" : "")
                . "Content-Type: text/plain; charset=utf-8\n\nThanks, that helped.\n\n> $text";
        } elsif ($kind < 97) {
            print "${hdr}Subject: Documents for the $w1\nContent-Type: multipart/mixed; boundary=\"m$i\"\n\n"
                . "--m$i\nContent-Type: text/plain; charset=utf-8\n\n$text\n--m$i\n"
                . "Content-Type: application/pdf; name=\"$w1-$i.pdf\"\nContent-Disposition: attachment; filename=\"$w1-$i.pdf\"\n"
                . "Content-Transfer-Encoding: base64\n\n$pdf64--m$i--\n";
        } else {
            print "From: News <news\@vendor$s.example>\nTo: support\@example.com\nDate: $date\n"
                . "Message-ID: <news.$i\@vendor$s.example>\nPrecedence: bulk\nSubject: Offers $i\n"
                . "Content-Type: text/html; charset=utf-8\n\n<html><body><h1>Offers</h1><p>" . ($text =~ s/\n/<br>/gr) . "</p></body></html>\n";
        }
        print "\n";
    }' "$1" "$2" "$T/pdf.b64"
}

# ---------------------------------------------------------------- --mail-in per mail
# directly (a new backend per mail), then through PgBouncer in session mode (warm backends,
# docs/mail.md) with its default reset query and with the one the docs suggest; new mails each
gen 1000001 $((1000000 + 3 * reps)) >"$T/in.mbox"
perl -e 'local $/; my $a = <STDIN>; my @m = split /^From [^\n]*\n/m, $a; shift @m;
         my $k = 0; for (@m) { s/\n\n\z/\n/; open(my $f, ">", sprintf("%s/in-%05d.eml", $ARGV[0], $k++)); print $f $_; }' "$T" <"$T/in.mbox"
# mail_in_reps WHAT CONNINFO FIRST: deliver mails FIRST .. FIRST + reps - 1, print p50 and p99
mail_in_reps() {
    local f t0 t1 i n p50 p99
    : >"$T/lat"
    for ((i = $3; i < $3 + reps; i++)); do
        f=$(printf '%s/in-%05d.eml' "$T" $i)
        t0=$(date +%s%N)
        "$CCRM" -d "$2" --mail-in --queue support <"$f" || fail "--mail-in $f ($1)"
        t1=$(date +%s%N)
        echo $(((t1 - t0) / 1000)) >>"$T/lat"
    done
    sort -n "$T/lat" >"$T/lat.sorted"
    n=$(wc -l <"$T/lat.sorted")
    p50=$(awk -v n="$n" 'NR == int(n * 0.50 + 0.5) { printf "%.1f", $1 / 1000 }' "$T/lat.sorted")
    p99=$(awk -v n="$n" 'NR == (int(n * 0.99 + 0.5) > n ? n : int(n * 0.99 + 0.5)) { printf "%.1f", $1 / 1000 }' "$T/lat.sorted")
    echo "mail-in, $1: $n mails, process start to exit: p50 $p50 ms, p99 $p99 ms (bar: p99 < 50 ms)"
}
mail_in_reps "directly" "$PG_CONN" 0
if command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ]; then
    . "$(dirname "$0")/../lib/pgbouncer.sh"
    pooled="host=$TEST_TMP/pgbouncer port=6432 dbname=ccrm user=postgres"
    pgb_start "ccrm = host=$PG_DIR dbname=ccrm" "local ccrm postgres trust"
    mail_in_reps "through PgBouncer (session pooling, reset DISCARD ALL)" "$pooled" "$reps"
    pgb_stop
    pgb_start "ccrm = host=$PG_DIR dbname=ccrm" "local ccrm postgres trust" \
        "server_reset_query = DEALLOCATE ALL; RESET ALL; UNLISTEN *; SELECT pg_advisory_unlock_all()"
    mail_in_reps "through PgBouncer (session pooling, reset as docs/mail.md)" "$pooled" $((2 * reps))
    pgb_stop
else
    echo "mail-in through PgBouncer: not measured (no pgbouncer; scripts/deps installs it)"
fi

# ---------------------------------------------------------------- the import against \copy
gen 1 "$count" >"$T/bulk.mbox"
echo "mbox: $count mails, $(du -m "$T/bulk.mbox" | cut -f1) MB"
# the same raw mails (separator lines out, >From unescaped) as COPY text lines of bytea
perl -e 'local $/ = "\n\nFrom "; my $first = 1;
         while (my $m = <STDIN>) {
             $m =~ s/\n\nFrom \z/\n/; $m =~ s/\A(From )?[^\n]*\n// ; $m =~ s/^>(>*From )/$1/mg;
             print "\\\\x", unpack("H*", $m), "\n"; }' <"$T/bulk.mbox" >"$T/bulk.copy"
psqlc -c "create table raw_mail (raw bytea)"
t0=$(date +%s.%N)
psql -X -q -c "\\copy raw_mail from '$T/bulk.copy'" || fail "copy"
t1=$(date +%s.%N)
copy_s=$(echo "$t1 - $t0" | bc)
copy_n=$(psqlc -c "select count(*) from raw_mail")
copy_rate=$(echo "$copy_n / $copy_s" | bc)

psqlc -c "checkpoint"
t0=$(date +%s.%N)
"$CCRM" -d "$PG_CONN" --import-mail "$T/bulk.mbox" --queue support --quiet >"$T/out" 2>"$T/err" &
pid=$!
peak=0
while kill -0 $pid 2>/dev/null; do
    v=$(awk '/^VmHWM:/ { print $2 }' /proc/$pid/status 2>/dev/null)
    [ -n "$v" ] && [ "$v" -gt "$peak" ] && peak=$v
    sleep 0.1
done
wait $pid
rc=$?
t1=$(date +%s.%N)
cat "$T/out" "$T/err"
[ $rc = 0 ] || { echo "ccrm --import-mail failed (exit $rc)"; exit 1; }
imp_s=$(echo "$t1 - $t0" | bc)
imp_rate=$(echo "$count / $imp_s" | bc)
stored=$(psqlc -c "select inserted + skipped from import_batches order by id desc limit 1")
echo "psql \\copy of the raw mails: $copy_n mails in $copy_s s: $copy_rate mails/s"
echo "ccrm --import-mail: $count mails in $imp_s s: $imp_rate mails/s (bar: >= 1,000)"
echo "ratio: $(echo "scale=2; $imp_rate / $copy_rate" | bc) (bar: >= 0.25)"
echo "client RSS: $peak kB peak (bar: < 32 MB)"
echo "stored or duplicate: $stored of $count mails"
[ "$stored" = "$count" ] || { echo "not every mail was stored"; exit 1; }
