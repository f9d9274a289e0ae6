#!/usr/bin/env bash
# Feeds and sitemaps at scale, measured against nginx serving the very same
# bytes in the same run (the ratio is the figure; absolute numbers swing
# between machines).
#
#   benches/syndication.sh sqlite 100000
#   benches/syndication.sh postgres 100000     # needs a local PostgreSQL (trust auth)
#
# Generates N articles (seed 1) into a fresh database, starts the release
# binary, times the first (uncached) sitemap requests with curl, saves each
# response to files that nginx then serves, and runs wrk against both.
set -euo pipefail
cd "$(dirname "$0")/.."

backend=${1:-sqlite}
articles=${2:-100000}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
port=${PORT:-18080}
nginx_port=${NGINX_PORT:-18081}
pg_admin=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}

for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "$tool is needed: apt-get install wrk nginx curl" >&2; exit 1; }
done
bin=${BIN:-target/release/newsdesk}
[ -n "${BIN:-}" ] || cargo build --release -q -p newsdesk-api

work=$(mktemp -d)
case "$backend" in
  sqlite) url="sqlite://$work/bench.db" ;;
  postgres)
    db="newsdesk_bench_$$"
    psql "$pg_admin" -qc "CREATE DATABASE $db" >/dev/null
    url="${pg_admin%/*}/$db"
    ;;
  *) echo "backend is sqlite or postgres" >&2; exit 1 ;;
esac
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
  [ "$backend" = postgres ] && psql "$pg_admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

export NEWSDESK_DATABASE_URL="$url" RUST_LOG=warn NEWSDESK_RATE_LIMIT=0
"$bin" generate --articles "$articles" --seed 1 2>&1 | tail -n 1
# The generated corpus spans two years; a few fresh articles give the News
# sitemap its last-48-hours content, as a live newsroom would.
for i in $(seq 1 50); do
  printf '{"title": "Fresh story %s", "body": "Reported today.", "status": "published", "tags": ["Fresh"]}\n' "$i"
done > "$work/fresh.ndjson"
"$bin" import "$work/fresh.ndjson" 2>&1 | tail -n 1

"$bin" serve --bind "127.0.0.1:$port" &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
base="http://127.0.0.1:$port"

echo
echo "first, uncached requests (curl time_total):"
for path in /sitemap.xml /sitemaps/0.xml /sitemaps/1.xml /news-sitemap.xml /feeds/rss.xml; do
  printf '  %-22s %s s\n' "$path" "$(curl -s -o /dev/null -w '%{time_total}' "$base$path")"
done

# The same bytes, as static files, for nginx.
mkdir -p "$work/www/feeds" "$work/www/sitemaps"
for path in /feeds/rss.xml /feeds/atom.xml /feeds/feed.json /news-sitemap.xml /sitemap.xml /sitemaps/0.xml; do
  curl -fs "$base$path" -o "$work/www$path"
done
cat > "$work/nginx.conf" <<EOF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 127.0.0.1:$nginx_port; root $work/www; etag on; }
}
EOF
mkdir -p "$work/tmp"
# nginx's workers run as another user: they must be able to read the files.
chmod 755 "$work"
chmod -R a+rX "$work/www"
nginx -c "$work/nginx.conf"
sleep 0.5
for path in /feeds/rss.xml /sitemaps/0.xml; do
  curl -fs "http://127.0.0.1:$nginx_port$path" | cmp -s - "$work/www$path" \
    || { echo "nginx does not serve the same bytes for $path" >&2; exit 1; }
done

rps() {
  local out
  out=$(wrk -t2 -c"$connections" -d"$duration" --latency "$1")
  if grep -q "Non-2xx" <<<"$out"; then echo "non-2xx answers from $1" >&2; exit 1; fi
  awk '/Requests\/sec/ {print $2}' <<<"$out"
}
printf '\n%-22s %12s %12s %8s %10s\n' path "newsdesk" "nginx" ratio "bytes"
for path in /feeds/rss.xml /feeds/atom.xml /feeds/feed.json /news-sitemap.xml /sitemap.xml /sitemaps/0.xml; do
  wrk -t2 -c"$connections" -d2s "$base$path" >/dev/null
  ours=$(rps "$base$path")
  theirs=$(rps "http://127.0.0.1:$nginx_port$path")
  size=$(stat -c %s "$work/www$path")
  printf '%-22s %12s %12s %7.0f%% %10s\n' "$path" "$ours" "$theirs" "$(awk -v a="$ours" -v b="$theirs" 'BEGIN {print 100 * a / b}')" "$size"
done
