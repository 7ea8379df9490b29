#!/bin/sh
# Builds nothing: runs the decoder fuzzer briefly on a fresh copy of the seed corpus.
# usage: run_fuzz.sh FUZZER SEEDER WORKDIR RUNS
set -eu
fuzzer=$1 seeder=$2 work=$3 runs=$4
rm -rf "$work" && mkdir -p "$work/corpus"
"$seeder" "$work/corpus"
exec "$fuzzer" -runs="$runs" -max_len=4096 -timeout=10 -rss_limit_mb=1024 -artifact_prefix="$work/" "$work/corpus"
