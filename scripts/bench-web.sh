#!/usr/bin/env bash
# Load test of the web application on loopback with wrk (bounded in time):
# the unit page (HTML) and the 编制情况表 API of the demo district.
# Usage: scripts/bench-web.sh [seconds per run, default 15] [connections, default 32]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-15}"
CONNS="${2:-32}"
PORT="${BENCH_PORT:-18181}"
if ! command -v wrk >/dev/null; then
    echo "== installing wrk (Debian package)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || {
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
fi
cargo build --release --locked -p bianzhi
WORK="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT
./target/release/bianzhi --db "$WORK/bench.db" serve --addr "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do
    curl -fs -o /dev/null "http://127.0.0.1:$PORT/login" && break
    sleep 0.5
done
TOKEN="$(curl -fs -X POST -H 'content-type: application/json' \
    -d '{"login":"chakan","password":"chakan-2024"}' "http://127.0.0.1:$PORT/api/v1/session" |
    sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p')"
[ -n "$TOKEN" ] || { echo "sign-in failed"; cat "$WORK/serve.log"; exit 1; }
UNIT="${BENCH_UNIT:-86}" # 盐城市龙冈中学 (210 核定, ~190 people) in the demo district
echo "== unit page /units/$UNIT (HTML), ${DURATION}s, $CONNS connections, 2 threads"
wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -H "Cookie: bz_session=$TOKEN" \
    "http://127.0.0.1:$PORT/units/$UNIT"
echo "== 编制情况表 API /api/v1/units/$UNIT/quota, ${DURATION}s, $CONNS connections, 2 threads"
wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$PORT/api/v1/units/$UNIT/quota"
