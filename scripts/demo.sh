#!/bin/sh
# demo.sh: install what is missing, build, and fire the seed's "one schedule per site" example into the stub Admin.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null

work=$(mktemp -d /tmp/schedd-demo.XXXXXX)
export SCHEDD_DB="$work/schedd.db"
ctl=build/schedctl
stub=""
cleanup() { [ -n "$stub" ] && kill "$stub" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

echo "== a stub Flyte Admin with the data_sync_wf launch plan (versions v1, v2)"
build/tests/stub-admin/stub_admin --catalog tests/stub-admin/catalog.json \
	--port 0 --port-file "$work/port" --record "$work/admin-requests.jsonl" \
	2>"$work/stub.log" &
stub=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")
echo "listening on 127.0.0.1:$port"

echo
echo "== schedctl apply examples/sites.yaml: one schedule per site"
cat examples/sites.yaml | grep -v '^#'
$ctl apply examples/sites.yaml
echo "and one schedule whose input does not fit the launch plan, to show a failure being recorded:"
$ctl add data_sync_broken --lp flytesnacks/development/data_sync_wf \
	--cron '*/5 * * * * *' --input site_id=site_x --input retries='"three"'
$ctl list

echo
echo "== the next fires of the production cron, per site zone"
$ctl next '0 */6 * * *' --tz Asia/Shanghai --after 2026-11-26T00:00:00Z -n 3

echo
echo "== schedd for 20 seconds (every 5 s, three sites)"
timeout -s TERM 20 build/schedd --db "$SCHEDD_DB" \
	--admin-endpoint "http://127.0.0.1:$port" || true

echo
echo "== schedctl history"
$ctl history --limit 12

echo
echo "== plain SQL: runs per schedule and state"
sqlite3 -header -column "$SCHEDD_DB" \
	"SELECT schedule_name, state, count(*) AS runs, min(scheduled_at) AS first, max(scheduled_at) AS last
	 FROM runs GROUP BY schedule_name, state ORDER BY schedule_name;"

echo
echo "== plain SQL: the views (last_runs, failing_schedules)"
sqlite3 -header -column "$SCHEDD_DB" \
	"SELECT schedule_name, scheduled_at, state, execution_name FROM last_runs ORDER BY schedule_name;"
sqlite3 -header -column "$SCHEDD_DB" "SELECT * FROM failing_schedules;"

echo
echo "== what Admin received (the first request body)"
grep '"POST"' "$work/admin-requests.jsonl" | head -1
echo
echo "database: $SCHEDD_DB (query it with sqlite3)"
