#!/bin/sh
# demo.sh: install what is missing, build, and show the seed's "one schedule per site" example.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
ctl=build/schedctl

echo "data_sync every six hours, in each site's zone, after 2026-11-26T00:00:00Z:"
for zone in Asia/Shanghai Europe/London America/New_York; do
	echo "--- $zone"
	$ctl next '0 */6 * * *' --tz "$zone" --after 2026-11-26T00:00:00Z -n 4
done
echo "--- a fixed-time job across New York's spring-forward gap (02:30 does not exist on 2026-03-08):"
$ctl next '30 2 * * *' --tz America/New_York --after 2026-03-06T12:00:00Z -n 3
