#!/usr/bin/env bash
# HTTP load benchmark of the release binary over loopback, with wrk.
#
#   benches/load.sh sqlite 10000
#   benches/load.sh postgres 100000          # needs a local PostgreSQL (trust auth)
#
# Generates N articles (seed 1) into a fresh database, starts `newsdesk serve`,
# warms up, then runs wrk for each endpoint and prints requests/s, p50, p99
# and the server's resident memory. Requests stay on 127.0.0.1.
# ONLY=related,search runs just those rows (names as in the table, matched
# as substrings), e.g. ONLY=related.
set -euo pipefail
cd "$(dirname "$0")/.."

backend=${1:-sqlite}
articles=${2:-10000}
duration=${DURATION:-15s}
threads=${THREADS:-2}
connections=${CONNECTIONS:-32}
port=${PORT:-18080}
pg_admin=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is needed: apt-get install jq" >&2; exit 1; }
# BIN=path skips the build (to measure a binary built earlier).
bin=${BIN:-target/release/newsdesk}
[ -n "${BIN:-}" ] || cargo build --release -q -p newsdesk-api

work=$(mktemp -d)
# DATABASE=url measures a corpus generated earlier (`generate --articles N
# --seed 1`; N must match), which is neither generated nor dropped here.
reuse=${DATABASE:-}
case "$backend" in
  sqlite) url=${reuse:-"sqlite://$work/bench.db"} ;;
  postgres)
    db="newsdesk_bench_$$"
    [ -n "$reuse" ] || psql "$pg_admin" -qc "CREATE DATABASE $db" >/dev/null
    url=${reuse:-"${pg_admin%/*}/$db"}
    ;;
  *) echo "backend is sqlite or postgres" >&2; exit 1 ;;
esac
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [ "$backend" = postgres ] && [ -z "$reuse" ] &&
    psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# The anonymous rate limit would throttle a load test from one address.
export NEWSDESK_DATABASE_URL="$url" RUST_LOG=warn NEWSDESK_RATE_LIMIT=0
if [ -z "$reuse" ]; then
  start=$(date +%s%N)
  "$bin" generate --articles "$articles" --seed 1 2>&1 | tail -n 1
  end=$(date +%s%N)
  echo "import of $articles articles: $(( (end - start) / 1000000 )) ms"
fi

# An author for the suggestions row (the password comes on standard input;
# on a reused database it may exist already).
echo "a long bench password" | "$bin" user add --email bench@example.org --role author >/dev/null 2>&1 || true

"$bin" serve --bind "127.0.0.1:$port" &
server=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done

base="http://127.0.0.1:$port"
printf '\n%-34s %10s %9s %9s %9s\n' endpoint "req/s" p50 p99 "RSS MiB"
run() {
  local name=$1; shift
  if [ -n "${ONLY:-}" ]; then
    local keep=""
    for pat in ${ONLY//,/ }; do [[ "$name" == *"$pat"* ]] && keep=1; done
    [ -n "$keep" ] || return 0
  fi
  # Warm-up on another random sequence (SEED, benches/related.lua) than the
  # measured run, so it does not pre-load exactly the pages then measured.
  SEED=7 wrk -t"$threads" -c"$connections" -d2s "$@" >/dev/null
  local out
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "$@")
  local rps p50 p99 rss
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$server/status")
  if grep -q "Non-2xx" <<<"$out"; then echo "$name: non-2xx responses!" >&2; grep Non-2xx <<<"$out" >&2; fi
  printf '%-34s %10s %9s %9s %9s\n' "$name" "$rps" "$p50" "$p99" "$rss"
}
run "GET /api/v1/articles/{slug}" "$base/api/v1/articles/generated-4242"
run "GET /api/v1/articles?limit=20" "$base/api/v1/articles?limit=20"
run "GraphQL article(slug)" -s benches/graphql-article.lua "$base/graphql"
run "GraphQL articles(first: 20)" -s benches/graphql-list.lua "$base/graphql"
export ARTICLES="$articles"
run "GET /api/v1/articles/{slug}/related" -s benches/related.lua "$base"
run "GET /api/v1/search?q=two+words" -s benches/search.lua "$base"
# Drafts for suggestions: the title and first 2,000 characters of 50
# random articles' bodies, as an editor's unsaved draft.
export TOKEN DRAFTS="$work/drafts.ndjson"
TOKEN=$(curl -fs "$base/api/v1/auth/token" -H 'content-type: application/json' \
  -d '{"email": "bench@example.org", "password": "a long bench password"}' | jq -r .access_token)
for i in $(seq 1 50); do
  curl -fs "$base/api/v1/articles/generated-$(( (i * 7919) % articles ))" |
    jq -c '{title: .data.title, body: .data.body_text[0:2000]}'
done >"$DRAFTS"
run "POST /api/v1/suggestions" -s benches/suggestions.lua "$base"
# Latency of one client at a time (no queueing behind other requests).
threads=1 connections=1
run "related, 1 connection" -s benches/related.lua "$base"
run "search, 1 connection" -s benches/search.lua "$base"
run "suggestions, 1 connection" -s benches/suggestions.lua "$base"
