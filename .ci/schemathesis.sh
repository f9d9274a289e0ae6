#!/usr/bin/env bash
# schemathesis against `newsdesk serve --demo` (debug build, fresh SQLite),
# with an admin token, every check, and the rejections no schema can express
# listed in .ci/schemathesis.toml; then the GraphQL endpoint in
# schemathesis's GraphQL mode. Installs schemathesis into the target
# directory when it is missing. N examples per operation (default 10).
#   .ci/schemathesis.sh            # exits non-zero on any failure
#   SEED=random .ci/schemathesis.sh  # new cases each run (CI pins one, so
#                                    # a red run is a change, not luck)
set -euo pipefail
cd "$(dirname "$0")/.."
seed=()
[ "${SEED:-20261206}" = random ] || seed=(--seed "${SEED:-20261206}")
target=${CARGO_TARGET_DIR:-target}
venv=$target/schemathesis-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==4.32.5"
fi
cargo build -q -p newsdesk-api --bin newsdesk
work=$(mktemp -d)
port=${PORT:-$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
NEWSDESK_DATABASE_URL="sqlite://$work/demo.db" \
  NEWSDESK_JWT_SECRET=schemathesis-secret-of-at-least-32-characters \
  NEWSDESK_ADMIN_EMAIL=admin@example.org NEWSDESK_ADMIN_PASSWORD='a long demo password' \
  RUST_LOG=error "$target/debug/newsdesk" serve --demo --bind "127.0.0.1:$port" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
base="http://127.0.0.1:$port"
token=$(curl -fs "$base/api/v1/auth/token" -H 'content-type: application/json' \
  -d '{"email": "admin@example.org", "password": "a long demo password"}' | jq -r .access_token)
# The sacrificial account (id 2) that PATCH and DELETE /users/{id} get.
curl -fs "$base/api/v1/users" -H "authorization: Bearer $token" -H 'content-type: application/json' \
  -d '{"email": "victim@example.org", "password": "a long victim password", "role": "editor"}' >/dev/null
# The stateful phase follows links to ids the pinned user parameters override.
status=0
echo "== schemathesis: REST ($base/openapi.json)"
"$venv/bin/schemathesis" --config-file .ci/schemathesis.toml run "$base/openapi.json" \
  --checks all -n "${N:-10}" -H "Authorization: Bearer $token" --no-color \
  --phases=examples,coverage,fuzzing --generation-database=none "${seed[@]}" || status=1
# GraphQL: no 5xx, no internal error, and every error with extensions.code
# (the checks in .ci/schemathesis_graphql.py).
echo "== schemathesis: GraphQL ($base/graphql)"
PYTHONPATH=.ci SCHEMATHESIS_HOOKS=schemathesis_graphql \
  "$venv/bin/schemathesis" run "$base/graphql" \
  --checks graphql_no_server_error,graphql_errors_have_codes -n "${N:-10}" -H "Authorization: Bearer $token" --no-color \
  --generation-database=none "${seed[@]}" || status=1
exit $status
