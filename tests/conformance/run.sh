#!/bin/sh
# run.sh: protojson conformance of the requests schedd sends, against the real
# .proto files of the npm package @flyteorg/flyteidl (SPEC section 6).
#
# usage: sh tests/conformance/run.sh SCHEDD SCHEDCTL STUB_ADMIN [RECORDS...]
#
# 1. Installs the pinned protobufjs and @flyteorg/flyteidl (package.json,
#    package-lock.json) into tests/conformance/.node when they are not there.
# 2. Self-test: check_bodies.js must refuse every invalid/*.json, naming the
#    problem listed in invalid/expected.txt, and accept every valid/*.json.
# 3. Fires schedd --once (SCHEDD_NOW) into stub_admin --record with schedules
#    that use every input kind schedd converts, labels, annotations, a service
#    account, kickoff inputs, templates, pinned and latest versions, a trigger
#    and a backfill; every run must end created. The stub must refuse each
#    invalid/*.json as protojson. Then schedd's loop (real clock) with an
#    every-second cancel-previous schedule, until it sends a terminate request.
# 4. Checks every create (and terminate) body the stub recorded, and those of RECORDS (stub
#    record files, or directories searched for *.jsonl, e.g. the kept temporary
#    directories of tests/e2e/test_schedd.py).
#
# Exit 0 all valid, 1 a failure, 77 (skip) when node or npm is missing or the
# npm registry cannot be reached for the first install. SCHEDD_CONFORMANCE_KEEP=1
# keeps the temporary directory (always kept on failure).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 3 ]; then
	echo "usage: sh $0 SCHEDD SCHEDCTL STUB_ADMIN [RECORDS...]" >&2
	exit 2
fi
schedd=$1 schedctl=$2 stub=$3
shift 3

skip() {
	echo "conformance: skipped: $*"
	exit 77
}
fail() {
	echo "conformance: FAILED: $*" >&2
	exit 1
}

# --- node and the npm packages ------------------------------------------------

command -v node >/dev/null 2>&1 || skip "node is not installed (apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 || skip "npm is not installed (apt-get install npm)"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 16 ? 0 : 1)' ||
	skip "node $(node --version) is older than 16"

mods=$here/.node
mkdir -p "$mods"
# Two test runs (build, build-asan) may install at once: one at a time.
exec 9>"$mods/.install-lock"
if command -v flock >/dev/null 2>&1; then
	flock 9
fi
# .node/installed.lock is the lock file of the last complete install.
if ! cmp -s "$here/package-lock.json" "$mods/installed.lock" ||
    [ ! -f "$mods/node_modules/protobufjs/package.json" ] ||
    [ ! -f "$mods/node_modules/@flyteorg/flyteidl/package.json" ]; then
	echo "installing protobufjs and @flyteorg/flyteidl (package-lock.json) into $mods"
	rm -f "$mods/installed.lock"
	cp "$here/package.json" "$here/package-lock.json" "$mods/"
	# npm ci: exactly the lock file's versions, checked against its hashes.
	if ! out=$(cd "$mods" && npm_config_update_notifier=false timeout 150 \
	    npm ci --prefix "$mods" --prefer-offline --no-audit --no-fund --fetch-retries=1 \
	    --fetch-timeout=60000 2>&1); then
		case $out in
		*ENOTFOUND*|*EAI_AGAIN*|*ECONNREFUSED*|*ECONNRESET*|*ETIMEDOUT*|*EHOSTUNREACH*|*ENETUNREACH*|*"network"*|*"request to "*"failed"*)
			skip "the npm registry cannot be reached: $(printf '%s\n' "$out" |
			    grep -m1 -i 'err' || printf '%s\n' "$out" | tail -1)" ;;
		"")
			skip "npm ci gave up after 150 s without a word (registry unreachable?)" ;;
		esac
		printf '%s\n' "$out" >&2
		fail "npm ci in $mods failed"
	fi
	cp "$here/package-lock.json" "$mods/installed.lock"
fi
exec 9>&-

check() {
	node "$here/check_bodies.js" --modules "$mods" "$@"
}

# --- the checker refuses what it must, accepts what it must --------------------

out=$(check --expect-invalid "$here"/invalid/*.json) ||
	{ printf '%s\n' "$out"; fail "check_bodies.js accepted an invalid body"; }
while IFS='|' read -r name want; do
	case $name in ''|'#'*) continue ;; esac
	[ -f "$here/invalid/$name" ] || fail "invalid/expected.txt names $name, which is missing"
	printf '%s\n' "$out" | grep -F -q "$here/invalid/$name:1: $want" ||
		{ printf '%s\n' "$out"; fail "invalid/$name: expected a problem starting '$want'"; }
done <"$here/invalid/expected.txt"
for f in "$here"/invalid/*.json; do
	grep -q "^$(basename "$f")|" "$here/invalid/expected.txt" ||
		fail "invalid/$(basename "$f") has no line in invalid/expected.txt"
done
n_invalid=$(ls "$here"/invalid/*.json | wc -l)
out=$(check "$here"/valid/*.json) ||
	{ printf '%s\n' "$out"; fail "check_bodies.js refused a valid body"; }
echo "self-test: $n_invalid invalid bodies refused (each for its reason), $(ls "$here"/valid/*.json | wc -l) valid accepted"

# --- schedd fires into the stub -------------------------------------------------

work=$(mktemp -d "${TMPDIR:-/tmp}/schedd-conformance.XXXXXX")
stub_pid= schedd_pid=
cleanup() {
	rc=$?
	if [ -n "$schedd_pid" ]; then
		kill "$schedd_pid" 2>/dev/null || true
		wait "$schedd_pid" 2>/dev/null || true
	fi
	if [ -n "$stub_pid" ]; then
		kill "$stub_pid" 2>/dev/null || true
		wait "$stub_pid" 2>/dev/null || true
	fi
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] || [ -n "${SCHEDD_CONFORMANCE_KEEP:-}" ]; then
		echo "conformance: kept $work (records.jsonl, stub.log, schedd.stderr, schedd.db)" >&2
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The stub's catalog (data_sync_wf v1, v2) and ours (all_kinds_wf k1, k2).
node -e '
	const fs = require("fs");
	const all = process.argv.slice(1).flatMap((f) => JSON.parse(fs.readFileSync(f, "utf8")));
	process.stdout.write(JSON.stringify(all, null, 1));
' "$here/../stub-admin/catalog.json" "$here/catalog.json" >"$work/catalog.json"

"$stub" --catalog "$work/catalog.json" --port 0 --port-file "$work/port" \
	--record "$work/records.jsonl" --log "$work/stub.log" 2>"$work/stub.stderr" &
stub_pid=$!
i=0
while [ ! -s "$work/port" ]; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$stub_pid" 2>/dev/null; then
		cat "$work/stub.stderr" >&2
		fail "stub_admin did not start"
	fi
	sleep 0.1
done
port=$(cat "$work/port")

export SCHEDD_DB="$work/schedd.db"
unset SCHEDD_NOW
ctl() {
	SCHEDD_NOW=2026-11-26T05:00:00Z "$schedctl" "$@" >>"$work/schedctl.out" 2>&1 ||
		{ cat "$work/schedctl.out" >&2; fail "schedctl $*"; }
}
lp=flytesnacks/development
# Every input kind, as native JSON; labels, annotations, service account; latest (k2).
ctl add kinds_native --lp $lp/all_kinds_wf --cron '0 * * * *' --inputs @"$here/inputs/native.json" \
	--label team=data --label env=conformance-test --label app.kubernetes.io/part-of=schedd \
	--annotation 'note=héllo "q" ☃' --annotation example.com/owner=ops --annotation empty= \
	--service-account conformance-sa
# The same kinds given as strings, templates, the kickoff instant into a DATETIME; pinned k2.
ctl add kinds_strings --lp $lp/all_kinds_wf@k2 --cron '0 * * * *' --tz Asia/Shanghai \
	--inputs @"$here/inputs/strings.json" --kickoff-input dt --label team=data
# Edge values; the kickoff instant into an Optional[datetime] (a union).
ctl add kinds_edges --lp $lp/all_kinds_wf --cron '0 * * * *' --inputs @"$here/inputs/edges.json" \
	--kickoff-input opt_dt --service-account sa-2 --annotation a=b
# Pinned to the older version k1, defaults left to Admin.
ctl add kinds_k1 --lp $lp/all_kinds_wf@k1 --cron '0 * * * *' --input s=k1
# The stub's own launch plan: latest and pinned, kickoff input, a zone.
ctl add sync_latest --lp $lp/data_sync_wf --cron '0 * * * *' --input site_id=site_a \
	--kickoff-input since --label site=site_a
ctl add sync_pinned --lp $lp/data_sync_wf@v1 --cron '0 * * * *' --tz Europe/Berlin \
	--input site_id='{{schedule_name}}' --input retries=5
# A trigger and a backfill (three instants).
SCHEDD_NOW=2026-11-26T05:30:00Z "$schedctl" trigger kinds_native >>"$work/schedctl.out" 2>&1 ||
	fail "schedctl trigger: $(cat "$work/schedctl.out")"
ctl backfill sync_latest --from 2026-11-26T01:00:00Z --to 2026-11-26T03:00:00Z
expected=10	# 6 schedules at 06:00, 1 trigger, 3 backfill

if ! SCHEDD_NOW=2026-11-26T06:00:05Z timeout 120 "$schedd" --db "$SCHEDD_DB" \
    --admin-endpoint "http://127.0.0.1:$port" --once 2>"$work/schedd.stderr"; then
	cat "$work/schedd.stderr" >&2
	fail "schedd --once failed"
fi

# Every run created, and the stub recorded each create.
"$schedctl" -o json history --limit 1000 >"$work/history.json"
node -e '
	const fs = require("fs");
	const runs = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
	const list = Array.isArray(runs) ? runs : runs.runs || [];
	const bad = list.filter((r) => r.state !== "created");
	const creates = fs.readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean)
	    .map((l) => JSON.parse(l)).filter((r) => r.method === "POST" && r.path === "/api/v1/executions");
	const want = +process.argv[3];
	for (const r of bad)
		console.error("run not created: " + JSON.stringify(r));
	if (bad.length || list.length !== want || creates.length !== want) {
		console.error("runs: " + list.length + ", created: " + (list.length - bad.length) +
		    ", creates recorded by the stub: " + creates.length + ", expected " + want);
		process.exit(1);
	}
' "$work/history.json" "$work/records.jsonl" "$expected" ||
	{ cat "$work/schedd.stderr" >&2; fail "not every fire became a recorded create"; }
echo "schedd --once: $expected executions created in the stub"

# The other way round: the stub must refuse each invalid body at its protojson
# stage (400, code 3, "proto: ..."), as Admin would, before any Admin check.
node -e '
	const fs = require("fs"), http = require("http"), path = require("path");
	const [port, ...files] = process.argv.slice(1);
	let bad = 0;
	const post = (file) => new Promise((resolve, reject) => {
		const req = http.request({ host: "127.0.0.1", port: +port, method: "POST",
		    path: "/api/v1/executions", headers: { "Content-Type": "application/json",
		    "Accept": "application/json" } }, (res) => {
			let data = "";
			res.on("data", (d) => data += d);
			res.on("end", () => resolve([res.statusCode, data]));
		});
		req.on("error", reject);
		req.setTimeout(10000, () => req.destroy(new Error("no answer in 10 s")));
		req.end(fs.readFileSync(file));
	});
	(async () => {
		for (const f of files) {
			const [status, data] = await post(f);
			let msg = "";
			try { msg = JSON.parse(data).message || ""; } catch (e) {}
			if (status !== 400 || !msg.startsWith("proto: ")) {
				console.error("stub_admin took invalid/" + path.basename(f) + " past its protojson " +
				    "check: " + status + " " + data);
				bad++;
			}
		}
		process.exit(bad ? 1 : 0);
	})().catch((e) => { console.error(e.message); process.exit(1); });
' "$port" "$here"/invalid/*.json || fail "the stub is laxer than protojson (above)"
echo "stub_admin: refuses each of the $n_invalid invalid bodies as protojson"

# cancel-previous sends an ExecutionTerminateRequest (DELETE with a body). Only
# the daemon's loop applies overlap policies, so run it on the real clock, with
# its own database and a schedule firing every second, until one DELETE is in.
SCHEDD_DB="$work/overlap.db" "$schedctl" add overlap_cancel --lp $lp/data_sync_wf \
	--cron '* * * * * *' --input site_id=overlap --overlap cancel-previous \
	>>"$work/schedctl.out" 2>&1 || fail "schedctl add overlap_cancel: $(cat "$work/schedctl.out")"
"$schedd" --db "$work/overlap.db" --admin-endpoint "http://127.0.0.1:$port" \
	2>"$work/schedd-loop.stderr" &
schedd_pid=$!
i=0
until grep -q '"method":"DELETE"' "$work/records.jsonl"; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$schedd_pid" 2>/dev/null; then
		cat "$work/schedd-loop.stderr" >&2
		fail "no cancel-previous DELETE within 30 s"
	fi
	sleep 0.1
done
kill -TERM "$schedd_pid"
src=0
wait "$schedd_pid" || src=$?
[ "$src" -eq 0 ] || { cat "$work/schedd-loop.stderr" >&2; fail "schedd exited $src on SIGTERM"; }
schedd_pid=
echo "schedd (cancel-previous): $(grep -c '"method":"DELETE"' "$work/records.jsonl") terminate request(s)"

# --- the check ----------------------------------------------------------------------

check "$work/records.jsonl" "$@" || fail "invalid request bodies (above)"
