#!/usr/bin/env bash
# newsdesk against nginx serving the very same response bytes, in one run.
#
#   benches/compare.sh                      # both backends, 100,000 articles
#   benches/compare.sh sqlite 10000         # one backend, fewer articles
#   DURATION=5s RUNS=1 benches/compare.sh sqlite 1000   # a quick look
#
# For each backend: generates N articles (seed 1) into a fresh database (or
# reuses one: KEEP_DB=1 keeps it in target/compare-db for the next run),
# starts the release binary, saves the exact bytes of each request below to
# files that nginx serves, then runs the same wrk load (-t2 -c32, RUNS runs
# of DURATION, the median kept) against nginx and newsdesk, and prints req/s,
# p50, p99 and the ratio to nginx:
#   A  one article                 GET /api/v1/articles/{slug}
#   B  the 20 latest               GET /api/v1/articles?limit=20
#   G  B as a persisted GraphQL GET (Apollo APQ, hash only)
#   R  related news                GET /api/v1/articles/{slug}/related
#   F  the RSS feed                GET /feeds/rss.xml
#   A0, B0: A and B from a second server with the response cache off.
# Then the server's memory: RSS, anonymous, and mapped files (SQLite's pages).
set -euo pipefail
cd "$(dirname "$0")/.."

backends=${1:-sqlite postgres}
articles=${2:-100000}
duration=${DURATION:-10s}
runs=${RUNS:-3}
port=${PORT:-18080}
nginx_port=$((port + 1))
pg_admin=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}

need() {
  command -v "$1" >/dev/null && return 0
  echo "installing $2 from Debian's packages" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y -q "$2" >/dev/null; else sudo apt-get install -y -q "$2" >/dev/null; fi
}
need wrk wrk
need nginx nginx
need curl curl
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

bin=${BIN:-target/release/newsdesk}
[ -n "${BIN:-}" ] || cargo build --release -q -p newsdesk-api

work=$(mktemp -d)
servers=()
cleanup() {
  for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  for db in ${drop_dbs:-}; do psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/www" "$work/nginx"
# nginx's workers run as another user.
chmod 755 "$work" "$work/www"
cat >"$work/nginx.conf" <<EOF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx/error.log warn;
daemon on;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
    default_type application/json;
    etag on;
  }
}
EOF
"$nginx_bin" -c "$work/nginx.conf" -p "$work/nginx"

# The median of RUNS wrk runs: "req/s p50 p99", latencies in ms.
measure() {
  local url=$1 out all=()
  wrk -t2 -c32 -d2s "$url" >/dev/null
  for _ in $(seq 1 "$runs"); do
    out=$(wrk -t2 -c32 -d"$duration" --latency "$url")
    if grep -q "Non-2xx" <<<"$out"; then echo "non-2xx answers from $url" >&2; fi
    all+=("$(awk '
      function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
      /Requests\/sec/ {r=$2} $1=="50%" {p50=ms($2)} $1=="99%" {p99=ms($2)}
      END {printf "%.0f %.2f %.2f", r, p50, p99}' <<<"$out")")
  done
  printf '%s\n' "${all[@]}" | sort -n | awk -v n="$runs" 'NR==int((n+1)/2)'
}

start_server() {
  local url=$1 p=$2 cache_mb=$3
  NEWSDESK_DATABASE_URL="$url" NEWSDESK_RATE_LIMIT=0 NEWSDESK_RESPONSE_CACHE_MB="$cache_mb" \
    "$bin" serve --bind "127.0.0.1:$p" >"$work/server-$p.log" 2>&1 &
  servers+=($!)
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$p/readyz" >/dev/null && return 0; sleep 0.2; done
  echo "the server on $p did not start" >&2; cat "$work/server-$p.log" >&2; exit 1
}

database() {
  local backend=$1 keep=target/compare-db
  case "$backend" in
    sqlite)
      local file="$keep/sqlite-$articles.db"
      if [ -n "${KEEP_DB:-}" ] && [ -f "$file" ]; then cp "$file" "$work/bench.db"
      else
        NEWSDESK_DATABASE_URL="sqlite://$work/bench.db" "$bin" generate --articles "$articles" --seed 1 >/dev/null 2>&1
        if [ -n "${KEEP_DB:-}" ]; then mkdir -p "$keep"; cp "$work/bench.db" "$file"; fi
      fi
      echo "sqlite://$work/bench.db" ;;
    postgres)
      local db="newsdesk_compare_$articles"
      if [ -z "${KEEP_DB:-}" ] || ! psql "$pg_admin" -Atqc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
        psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
        psql "$pg_admin" -qc "CREATE DATABASE $db" >/dev/null
        NEWSDESK_DATABASE_URL="${pg_admin%/*}/$db" "$bin" generate --articles "$articles" --seed 1 >/dev/null 2>&1
      fi
      [ -n "${KEEP_DB:-}" ] || drop_dbs="${drop_dbs:-} $db"
      echo "${pg_admin%/*}/$db" ;;
    *) echo "backends are sqlite and postgres" >&2; exit 1 ;;
  esac
}

query='{ articles(first: 20) { edges { node { slug title excerpt publishedAt section { name } tags { name } } } } }'
hash=$(printf '%s' "$query" | sha256sum | cut -d' ' -f1)
ext="%7B%22persistedQuery%22%3A%7B%22version%22%3A1%2C%22sha256Hash%22%3A%22$hash%22%7D%7D"
encoded_query=$(printf '%s' "$query" | od -An -tx1 | tr -d ' \n' | sed 's/../%&/g')

row() {
  local name=$1 path=$2 file=$3 base=$4
  curl -fsS "$base$path" -o "$work/www/$file"
  chmod 644 "$work/www/$file"
  local n x
  n=$(measure "http://127.0.0.1:$nginx_port/$file")
  x=$(measure "$base$path")
  awk -v name="$name" -v n="$n" -v x="$x" -v bytes="$(stat -c %s "$work/www/$file")" 'BEGIN {
    split(n, a, " "); split(x, b, " ");
    printf "%-4s %9s %9.0f %8.2f %8.2f %10.0f %8.2f %8.2f %7.1f%%\n", name, bytes, a[1], a[2], a[3], b[1], b[2], b[3], 100*b[1]/a[1] }'
}

for backend in $backends; do
  url=$(database "$backend")
  # A kept database may predate a migration: run it before the clock starts.
  NEWSDESK_DATABASE_URL="$url" "$bin" migrate >/dev/null 2>&1
  start_server "$url" "$port" 32
  start_server "$url" $((port + 2)) 0
  base="http://127.0.0.1:$port"
  uncached="http://127.0.0.1:$((port + 2))"
  # An article from the middle of the newest hundred.
  slug=$(curl -fsS "$base/api/v1/articles?limit=100" | grep -o '"id":"[0-9]*","slug":"[^"]*"' | sed -n '50p' | cut -d'"' -f8)
  # Register the persisted query (its text once, then its hash alone).
  curl -fsS "$base/graphql?query=$encoded_query&extensions=$ext" >/dev/null
  echo
  echo "== $backend, $articles articles: wrk -t2 -c32 -d$duration, median of $runs; latencies in ms"
  printf '%-4s %9s %9s %8s %8s %10s %8s %8s %8s\n' req bytes "nginx r/s" p50 p99 "newsdesk" p50 p99 ratio
  row A "/api/v1/articles/$slug" a.json "$base"
  row B "/api/v1/articles?limit=20" b.json "$base"
  row G "/graphql?extensions=$ext" g.json "$base"
  row R "/api/v1/articles/$slug/related" r.json "$base"
  row F "/feeds/rss.xml" f.xml "$base"
  row A0 "/api/v1/articles/$slug" a0.json "$uncached"
  row B0 "/api/v1/articles?limit=20" b0.json "$uncached"
  for pid in "${servers[@]}"; do
    awk -v pid="$pid" '/VmRSS|RssAnon|RssFile/ {printf "%s %s %.1f MiB  ", (pid ? "" : ""), $1, $2/1024} END {print "(server " pid ")"}' "/proc/$pid/status"
  done
  for pid in "${servers[@]}"; do kill "$pid"; wait "$pid" 2>/dev/null || true; done
  servers=()
done
