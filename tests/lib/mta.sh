# A private exim4 for the tests that go through a real MTA (tests/db/test_mail_mta.sh,
# tests/tui/test_billing_send.sh). Sourced after tests/lib/pg.sh, which gives $TEST_TMP, check,
# fail and on_exit. Its configuration, spool and logs are in $TEST_TMP/exim, it listens on
# 127.0.0.1 only and is stopped when the test ends.
#
#   mta_require              skip the test (77) without exim4 or without root (exim runs the
#                            deliveries as its own user); sets EXIM
#   mta_start DOMAIN LOCAL MAILBOXES [ALIASES]
#       DOMAIN     the qualify domain (an address without one gets it)
#       LOCAL      the mailbox domain: mail for MAILBOXES@LOCAL (local parts, " : " between
#                  them) is appended to $TEST_TMP/mail/LOCALPART@LOCAL, an mbox
#       ALIASES    a domain whose local parts are looked up in $MTA_DIR/aliases (written by
#                  the caller, before or after; "|command" pipes run as the exim user, the
#                  ccrm_pipe transport: exit 75 defers, the command's output is in a bounce)
#   mta_stop                 stop it (done at exit too)
#   mta_smtp FROM TO FILE    hand FILE to it by SMTP, as any MTA on the net would; 0 if taken
#   mta_mails BOX N          wait until mbox BOX holds N mails (exim delivers in the background)
#   mta_gone                 wait until no exim process of ours is left; 0 if none is
# It sets MTA_DIR (configuration, spool, log), MTA_CONF (for exim -C) and MTA_PORT.

mta_require() {
    EXIM=$(command -v exim4 || command -v exim || true)
    [ -n "$EXIM" ] || { echo "ok 1 - # SKIP no exim4"; exit 77; }
    [ "$(id -u)" = 0 ] || { echo "ok 1 - # SKIP needs root (exim runs deliveries as nobody)"; exit 77; }
}

mta_start() {
    local domain=$1 local=$2 boxes=$3 aliases=${4:-} i p
    local alias_router='' domains=$local
    MTA_DIR=$TEST_TMP/exim
    MTA_CONF=$MTA_DIR/exim.conf
    mkdir -p "$MTA_DIR/spool" "$MTA_DIR/log" "$TEST_TMP/mail"
    chmod 755 "$TEST_TMP" "$MTA_DIR"
    chmod 1777 "$TEST_TMP/mail"
    touch "$MTA_DIR/aliases"
    chmod 644 "$MTA_DIR/aliases"
    # a free port, from our process id on
    MTA_PORT=$((20000 + $$ % 20000))
    for ((i = 0; i < 50; i++)); do
        ss -ltn | grep -q "[:.]$MTA_PORT " || break
        MTA_PORT=$((20000 + (MTA_PORT + 7919) % 20000))
    done
    if [ -n "$aliases" ]; then
        domains="$aliases : $local"
        alias_router="aliases:
  driver = redirect
  domains = $aliases
  local_part_suffix = +*
  local_part_suffix_optional
  data = \${lookup{\$local_part}lsearch{$MTA_DIR/aliases}}
  pipe_transport = ccrm_pipe"
    fi
    cat >"$MTA_CONF" <<EOF
primary_hostname = mta.test.example
qualify_domain = $domain
domainlist local_domains = $domains
spool_directory = $MTA_DIR/spool
log_file_path = $MTA_DIR/log/%slog
pid_file_path = $MTA_DIR/exim.pid
local_interfaces = <; 127.0.0.1
daemon_smtp_ports = $MTA_PORT
exim_user = Debian-exim
exim_group = Debian-exim
# an exim with -C runs without root (exim drops it for configurations it does not trust), so
# every delivery runs as the exim user
deliver_drop_privilege = true
trusted_users = root : Debian-exim
never_users = root
keep_environment =
acl_smtp_rcpt = acl_rcpt
# bounces go out at once, and nothing waits for DNS
delay_warning = 0s
host_lookup =
rfc1413_hosts =

begin acl
acl_rcpt:
  accept  domains = +local_domains
  deny    message = relay not permitted

begin routers
$alias_router
mailbox:
  driver = accept
  domains = $local
  local_parts = $boxes
  transport = mailbox

begin transports
ccrm_pipe:
  driver = pipe
  return_fail_output
  temp_errors = 75
  environment = ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 : UBSAN_OPTIONS=print_stacktrace=1
  timeout = 60s
mailbox:
  driver = appendfile
  # the matched list entries, not the address itself: exim does not take a file name from
  # what a sender wrote
  file = $TEST_TMP/mail/\$local_part_data@\$domain_data
  delivery_date_add
  envelope_to_add
  return_path_add

begin retry
*  *  F,5m,1s

begin rewrite
EOF
    chmod 644 "$MTA_CONF"
    chown -R Debian-exim: "$MTA_DIR/spool" "$MTA_DIR/log"
    "$EXIM" -C "$MTA_CONF" -bV >"$TEST_TMP/exim-bv" 2>&1 ||
        { cat "$TEST_TMP/exim-bv"; fail "exim accepts the configuration"; }
    "$EXIM" -C "$MTA_CONF" -bd -q1s
    for i in $(seq 100); do [ -s "$MTA_DIR/exim.pid" ] && break; sleep 0.05; done
    MTA_PID=$(cat "$MTA_DIR/exim.pid")
    on_exit mta_stop
}

# stop the daemon and every process of ours it started (found by our configuration's path)
mta_stop() {
    local p
    [ -n "${MTA_PID:-}" ] && kill "$MTA_PID" 2>/dev/null
    for p in /proc/[0-9]*; do
        grep -qF "$MTA_CONF" "$p/cmdline" 2>/dev/null && kill "${p#/proc/}" 2>/dev/null
    done
    return 0
}

mta_gone() {
    local i p gone=1
    for i in $(seq 100); do
        gone=1
        for p in /proc/[0-9]*; do grep -qF "$MTA_CONF" "$p/cmdline" 2>/dev/null && gone=0; done
        [ $gone = 1 ] && break
        sleep 0.1
    done
    [ $gone = 1 ]
}

mta_smtp() {
    local from=$1 to=$2 file=$3 line
    exec 3<>"/dev/tcp/127.0.0.1/$MTA_PORT"
    read -r line <&3
    printf 'EHLO client.test\r\n' >&3
    while read -r line <&3; do [[ $line == 250\ * ]] && break; done
    printf 'MAIL FROM:<%s>\r\n' "$from" >&3
    read -r line <&3
    printf 'RCPT TO:<%s>\r\n' "$to" >&3
    read -r line <&3
    [[ $line == 250* ]] || { exec 3>&-; echo "RCPT refused: $line"; return 1; }
    printf 'DATA\r\n' >&3
    read -r line <&3
    sed -e 's/\r$//' -e 's/^\./../' -e 's/$/\r/' "$file" >&3
    printf '.\r\n' >&3
    read -r line <&3
    printf 'QUIT\r\n' >&3
    exec 3>&-
    [[ $line == 250* ]]
}

mta_mails() {
    local i
    for ((i = 0; i < 300; i++)); do
        [ "$(grep -c '^From ' "$1" 2>/dev/null)" = "$2" ] && return 0
        sleep 0.1
    done
    tail -5 "$MTA_DIR/log/mainlog" >&2
    return 1
}
