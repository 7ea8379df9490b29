#!/usr/bin/env bash
# make demo: the main job. Until the gateway exists (issue 7) it shows what works, on real data:
# the software ESP engine (driver/, soft backend) protecting and checking real packets.
set -euo pipefail
build=${1:-build}
echo "== hubsec demo (build: $build) =="
if [ -x "$build/bench/esp_demo" ]; then
  "$build/bench/esp_demo"
  echo
  echo "More: ctest --test-dir $build -R soft_esp (unit tests, RFC known answers, scapy cross-checks);"
  echo "      $build/bench/esp_bench (throughput against raw OpenSSL, see docs/benchmarks.md)."
else
  echo "nothing to demonstrate yet"
fi
