#!/usr/bin/env bash
# Smoke run of the event stream's soak test (tests/bench/bench_stream_soak.sh) for 20 seconds:
# writers with short, long and rolled-back transactions, killed backends, a stopped follower,
# fast and immediate restarts, a crash recovered in place, a --state consumer restarted again
# and again, and a failover to a standby that lagged; every follower must have delivered every
# event of the surviving primary once. scripts/bench runs it for ten minutes.
CCRM=${1:?usage: test_stream_soak_smoke.sh path/to/ccrm}
exec bash "$(dirname "$0")/../bench/bench_stream_soak.sh" "$CCRM" --seconds 20
