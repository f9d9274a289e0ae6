#!/usr/bin/env bash
# A/B: related news p50 at one connection for two or more binaries on the same
# database, alternating, twice: what a change costs, measured in one run.
#   benches/related-ab.sh sqlite://target/compare-db/sqlite-100000.db OLD NEW
set -u
db=$1; shift
cd "$(dirname "$0")/.."
for round in 1 2; do
  for bin in "$@"; do
    NEWSDESK_DATABASE_URL="$db" RUST_LOG=error NEWSDESK_RATE_LIMIT=0 NEWSDESK_RESPONSE_CACHE_MB=0 $bin serve --bind 127.0.0.1:18090 >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do curl -fs http://127.0.0.1:18090/readyz >/dev/null && break; sleep 0.2; done
    ARTICLES=100000 SEED=7 wrk -t1 -c1 -d3s -s benches/related.lua http://127.0.0.1:18090 >/dev/null
    out=$(ARTICLES=100000 wrk -t1 -c1 -d10s --latency -s benches/related.lua http://127.0.0.1:18090)
    echo "round $round $bin: $(awk '/Requests\/sec/ {print $2" req/s"}' <<<"$out") p50 $(awk '$1=="50%" {print $2}' <<<"$out") p99 $(awk '$1=="99%" {print $2}' <<<"$out") $(grep -o 'Non-2xx.*' <<<"$out")"
    kill $pid; wait $pid 2>/dev/null
  done
done
