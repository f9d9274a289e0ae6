#!/usr/bin/env bash
# Engagement at scale, each figure beside nginx in the same run:
#
#   benches/engagement.sh sqlite 100000 10000000
#   benches/engagement.sh postgres 100000 10000000
#
# Generates N articles (seed 1), writes V page views into the view buckets
# (a million bucket rows: minute buckets for the last 48 hours, hourly ones
# for the five days before, a hot thousand articles taking a third), adds
# 200 approved comments to one article, starts the release binary and
# measures: most-read uncached (curl) and cached (wrk), view ingest (wrk,
# each request a different reader, so every one is counted) against nginx
# answering 202, the SQL statements ingest cost, and a page of 100 of the
# 200 comments.
set -euo pipefail
cd "$(dirname "$0")/.."

backend=${1:-sqlite}
articles=${2:-100000}
views=${3:-10000000}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
port=${PORT:-18090}
nginx_port=${NGINX_PORT:-18091}
pg_admin=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
rows=1000000
per_row=$((views / rows))

for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "$tool is needed: apt-get install wrk nginx curl" >&2; exit 1; }
done
bin=${BIN:-target/release/newsdesk}
[ -n "${BIN:-}" ] || cargo build --release -q -p newsdesk-api

work=$(mktemp -d)
case "$backend" in
  sqlite) url="sqlite://$work/bench.db"; sql() { sqlite3 "$work/bench.db"; } ;;
  postgres)
    db="newsdesk_bench_$$"
    psql "$pg_admin" -qc "CREATE DATABASE $db" >/dev/null
    url="${pg_admin%/*}/$db"
    sql() { psql -q "$url" >/dev/null; }
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

export NEWSDESK_DATABASE_URL="$url" RUST_LOG=warn NEWSDESK_RATE_LIMIT=0 NEWSDESK_COMMENT_RATE_LIMIT=0
"$bin" generate --articles "$articles" --seed 1 2>&1 | tail -n 1
now=$(( $(date +%s) / 60 ))
# Bucket rows: i < 70% in the last 48 h by the minute, the rest hourly
# before that; article 1..1000 for every third row (the hot ones).
gen="SELECT CASE WHEN i % 3 = 0 THEN 1 + (i % 1000) ELSE 1 + ((i * 7919) % $articles) END AS a,
   CASE WHEN i < $rows * 7 / 10 THEN $now - (i % 2880) ELSE ($now - 2880 - (i % 120) * 60) - (($now - 2880 - (i % 120) * 60) % 60) END AS b,
   CASE WHEN i < $rows * 7 / 10 THEN 1 ELSE 60 END AS s, $per_row AS v"
if [ "$backend" = sqlite ]; then
  echo "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $rows - 1)
    INSERT INTO page_views (article_id, bucket, span, views)
    SELECT a, b, s, SUM(v) FROM ($gen FROM n) AS g GROUP BY a, b, s;
    ANALYZE;" | sql
else
  echo "INSERT INTO page_views (article_id, bucket, span, views)
    SELECT a, b, s, SUM(v) FROM ($gen FROM generate_series(0::bigint, $rows - 1) AS i) AS g GROUP BY a, b, s;
    ANALYZE;" | sql
fi
q() { if [ "$backend" = sqlite ]; then sqlite3 "$work/bench.db" "$1"; else psql -Atq "$url" -c "$1"; fi; }
slug=$(q "SELECT slug FROM articles WHERE status = 'published' ORDER BY id LIMIT 1")
echo "INSERT INTO comments (article_id, parent_id, depth, author_name, body, status, client, created_at)
  SELECT a.id, NULL, 0, 'Reader', 'A comment of a paragraph, as readers write them, with a few sentences in it.', 'approved', 'bench', a.created_at
  FROM articles a, (SELECT 1 AS k UNION ALL SELECT 2) t1, (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10) t2,
       (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9 UNION ALL SELECT 10) t3
  WHERE a.slug = '$slug';" | sql
echo "views: $(q "SELECT SUM(views) FROM page_views") in $(q "SELECT COUNT(*) FROM page_views") bucket rows; comments on $slug: $(q "SELECT COUNT(*) FROM comments")"

"$bin" serve --bind "127.0.0.1:$port" &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
base="http://127.0.0.1:$port"

echo
echo "most-read, uncached (each a different limit, so each computes; curl time_total):"
for window in 1h 24h 7d; do
  for limit in 10 11 12; do
    printf '  window=%-4s limit=%-3s %s s\n' "$window" "$limit" "$(curl -s -o /dev/null -w '%{time_total}' "$base/api/v1/analytics/most-read?window=$window&limit=$limit")"
  done
done

mkdir -p "$work/www" "$work/tmp"
curl -fs "$base/api/v1/analytics/most-read?window=24h" -o "$work/www/most-read.json"
curl -fs "$base/api/v1/articles/$slug/comments?limit=100" -o "$work/www/comments.json"
cat > "$work/nginx.conf" <<EOF2
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 127.0.0.1:$nginx_port; root $work/www; etag on;
    location = /views { return 202; } }
}
EOF2
chmod 755 "$work"; chmod -R a+rX "$work/www"
nginx -c "$work/nginx.conf"
sleep 0.5

run() {
  local out
  out=$(wrk -t2 -c"$connections" -d"$duration" --latency "$@")
  if grep -q "Non-2xx" <<<"$out"; then echo "non-2xx answers from $*" >&2; echo "$out" >&2; exit 1; fi
  printf '%s %s\n' "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" "$(awk '$1 == "50%" {print $2}' <<<"$out")"
}
statements() { curl -fs "$base/metrics" | awk '/^newsdesk_sql_statements_total/ {print $2}'; }

printf '\n%-34s %12s %9s %12s %9s %7s\n' what newsdesk p50 nginx p50 ratio
row() {
  printf '%-34s %12s %9s %12s %9s %6.0f%%\n' "$1" "$2" "$3" "$4" "$5" "$(awk -v a="$2" -v b="$4" 'BEGIN {print 100 * a / b}')"
}
wrk -t2 -c"$connections" -d2s "$base/api/v1/analytics/most-read?window=24h" >/dev/null
read -r ours ours_p50 < <(run "$base/api/v1/analytics/most-read?window=24h")
read -r theirs theirs_p50 < <(run "http://127.0.0.1:$nginx_port/most-read.json")
row "most-read 24h (cached)" "$ours" "$ours_p50" "$theirs" "$theirs_p50"
read -r ours ours_p50 < <(run "$base/api/v1/articles/$slug/comments?limit=100")
read -r theirs theirs_p50 < <(run "http://127.0.0.1:$nginx_port/comments.json")
row "100 of 200 comments" "$ours" "$ours_p50" "$theirs" "$theirs_p50"
# Latency alone, one request at a time (wrk -c1): what a reader waits.
echo
for path in "/api/v1/analytics/most-read?window=24h" "/api/v1/articles/$slug/comments?limit=100"; do
  printf 'one at a time, %-40s p50 %s\n' "$path" "$(wrk -t1 -c1 -d"$duration" --latency "$base$path" | awk '$1 == "50%" {print $2}')"
done
before=$(statements)
start=$(date +%s.%N)
read -r ours ours_p50 < <(run -s benches/views.lua "$base/api/v1/articles/$slug/views")
elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN {print e - s}')
sleep 3
after=$(statements)
read -r theirs theirs_p50 < <(run -s benches/views.lua "http://127.0.0.1:$nginx_port/views")
row "POST view (each counted)" "$ours" "$ours_p50" "$theirs" "$theirs_p50"
echo
echo "SQL statements during view ingest: $((after - before)) in ${elapsed%.*} s (the batch writer and the most-read refresh), for $(awk -v r="$ours" -v d="${duration%s}" 'BEGIN {printf "%d", r * d}') views"
