#!/bin/sh
# test.sh: install what is missing, build, and run every test: plain, under ASan+UBSan, and the fuzzers.
set -eu
cd "$(dirname "$0")/.."
./scripts/deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
export CTEST_OUTPUT_ON_FAILURE=1

echo "== build and test (RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"
(cd build && ctest -j "$jobs")

echo "== build and test under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSCHEDD_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$jobs"
(cd build-asan && ctest -j "$jobs")

echo "== fuzz the parsers (libFuzzer, bounded time)"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DSCHEDD_FUZZ=ON \
	-DSCHEDD_SANITIZE=ON -DSCHEDD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j "$jobs"
(cd build-fuzz && ctest -j "$jobs")
