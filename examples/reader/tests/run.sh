#!/usr/bin/env bash
# The reader's browser tests: Playwright driving Debian's chromium (installed
# here when missing; no browser is downloaded), against the release server
# with the demo corpus, an article in the publishers' layout, and the built
# site. Run from anywhere: bash examples/reader/tests/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(cd ../.. && pwd)

if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  echo "== installing Debian's chromium"
  apt-get install -y -q chromium >/dev/null
fi
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -d "$root/node_modules/@playwright/test" ]; then
  echo "== npm ci"
  (cd "$root" && npm ci --no-audit --no-fund)
fi

echo "== building the release server"
(cd "$root" && cargo build --release -q -p newsdesk-api --bin newsdesk)
target=$(cd "$root" && cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
export NEWSDESK_BIN="$target/release/newsdesk"

echo "== building the site"
npm run build --silent

echo "== Playwright"
npx playwright test "$@"
