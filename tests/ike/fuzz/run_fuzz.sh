#!/bin/sh
# Builds nothing: runs a fuzzer briefly on a fresh copy of its seed corpus.
# usage: run_fuzz.sh FUZZER SEEDER WORKDIR RUNS [decoder|engine]
set -eu
fuzzer=$1 seeder=$2 work=$3 runs=$4 kind=${5:-decoder}
rm -rf "$work" && mkdir -p "$work/corpus" "$work/engine"
"$seeder" "$work/corpus" "$work/engine"
[ "$kind" = engine ] && corpus="$work/engine" || corpus="$work/corpus"
exec "$fuzzer" -runs="$runs" -max_len=4096 -timeout=10 -rss_limit_mb=1024 -artifact_prefix="$work/" "$corpus"
