#!/usr/bin/env bash
# make demo: the main job. Until the gateway exists (issue 7) it shows what works, on real data.
set -euo pipefail
build=${1:-build}
echo "== hubsec demo (build: $build) =="
if [ -x "$build/bench/esp_demo" ]; then
  "$build/bench/esp_demo"
else
  echo "nothing to demonstrate yet"
fi
