#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 600) each, JOBS at a time
# (default 2), on the binaries `cargo +nightly fuzz build` made. Each run
# grows corpus/TARGET (only the seed-* files are committed) and leaves its
# libFuzzer log in logs/TARGET.log; a crash is written to artifacts/TARGET/.
#   cargo +nightly fuzz build && fuzz/run-all.sh 600
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-600}
jobs=${JOBS:-2}
bin=target/x86_64-unknown-linux-gnu/release
mkdir -p logs
run() {
  local t=$1
  mkdir -p "artifacts/$t"
  "$bin/$t" "corpus/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"logs/$t.log" 2>&1 \
    && echo "$t: clean" || echo "$t: FAILED (see fuzz/logs/$t.log)"
}
targets=$(cargo +nightly fuzz list 2>/dev/null || ls fuzz_targets | sed 's/\.rs$//')
status=0
printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c "$(declare -f run); seconds=$seconds; bin=$bin; run {}" || status=1
exit $status
