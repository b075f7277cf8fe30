#!/usr/bin/env bash
# The `:` prompt takes at most what the other input lines take (2,047 characters) and says so
# once: a paste of 20,000 characters used to take seconds of processor time a key (the
# redisplay grew with the square of the line's length; 100,000 took 30 s), and was saved in the
# history, so that Up brought the freeze back in every later session. A history file holding
# such a line from before is trimmed when the client starts. At 80x24.
. "$(dirname "$0")/../lib/pg.sh"
. "$(dirname "$0")/../lib/tui.sh"
CCRM=${1:?usage: test_prompt_long.sh path/to/ccrm}
ROWS=24

pg_start_demo "$CCRM" 5
HIST=$XDG_STATE_HOME/ccrm/history
mkdir -p "$XDG_STATE_HOME/ccrm"
# a history as an older version left it: a short line, a 100,000-character one, a short one
{
    echo "_HiStOrY_V2_"
    echo "help"
    printf 'comment\\040%s\n' "$(head -c 100000 /dev/zero | tr '\0' 'x')"
    echo "open\\0401"
} >"$HIST"
chmod 600 "$HIST"

tui_start 80 24 "$CCRM" -d "host=$PG_DIR dbname=ccrm user=sofia"
wait_for "Tickets" 20 || fail "the client did not start"

# ---- the history from before ----
keys :
wait_for ":" 5
keys Up
wait_until bottom_like '^:open 1' || fail "Up: the last short line (the long one gone): $(bottom)"
keys Up
wait_until bottom_like '^:help' || fail "Up again: the one before it, the long one skipped: $(bottom)"
check "a history line of 100,000 characters from before is gone from the file" \
    bash -c "! grep -q xxxxxxxxxx '$HIST' && grep -q help '$HIST'"
check "...and the file stays the owner's only" test "$(stat -c %a "$HIST")" = 600
keys Escape

# ---- a long paste ----
keys :
wait_for ":" 5
start=$(date +%s%N)
# (in pieces: tmux refuses a command of more than about 16 KB)
keys -l "comment "
for ((i = 0; i < 5; i++)); do keys -l "$(head -c 4000 /dev/zero | tr '\0' 'y')"; done
wait_for "the line is full (2047 characters)" 20 || fail "no word of the full line: $(screen)"
ms=$((($(date +%s%N) - start) / 1000000))
pid=$(tmx display -p -t =t: '#{pane_pid}')
cpu=$(ps -o times= --ppid "$pid" | sort -n | tail -1)
check "a paste of 20,000 characters at the prompt: said full, the client took ${cpu:-?} s of processor time ($ms ms)" \
    test "${cpu:-0}" -lt 3
keys Enter
wait_gone "the line is full" 10
check "the line of 2,047 characters is run (refused for its argument's length, in words)" \
    wait_for "too long" 10
check "...and kept in the history at most that long" \
    test "$(awk 'length > 9000' "$HIST" | wc -l)" = 0
keys q
wait_until -t 10 pane_dead || fail "q did not quit"
done_testing
