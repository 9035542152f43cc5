#!/bin/sh
# deps.sh: install the Debian 12 packages schedd needs to build, test and demo; only what is missing.
set -eu

packages="gcc make cmake pkg-config clang libclang-rt-14-dev
libevent-dev libsqlite3-dev libcjson-dev libcurl4-openssl-dev libyaml-dev
libsystemd-dev libcmocka-dev python3 python3-croniter sqlite3 tzdata
openssl procps linux-perf"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
# The protojson conformance test needs node and npm; keep a node that is already there.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"

[ -z "$missing" ] && exit 0

echo "deps: installing$missing" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
