# Helpers of the benchmarks that time keys in the client (tests/bench): the client runs with
# CCRM_TRACE="$trace", which writes a line "key CODE MS" when a key's screen is painted.
# nkeys: how many keys have been painted so far
nkeys() { grep -c '^key' "$trace"; }
# press KEY: send it and wait until its paint is traced (2 s at most)
press() {
    local before j
    before=$(nkeys)
    keys "$1"
    for j in $(seq 400); do [ "$(nkeys)" -gt "$before" ] && return 0; sleep 0.005; done
    echo "no paint traced for key $1" >&2
}
