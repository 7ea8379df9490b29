#!/bin/sh
# hubsecd refuses to start on a configuration `hubsec config check` reports errors for, and says why.
set -eu
hubsecd=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf 'crypto ikev2 policy P\n proposal MISSING\n' >"$dir/broken.conf"
set +e
"$hubsecd" -c "$dir/broken.conf" -s "$dir/s.sock" >"$dir/out" 2>&1
rc=$?
set -e
cat "$dir/out"
[ "$rc" -eq 1 ] || { echo "FAIL: exit code $rc, expected 1"; exit 1; }
grep -q "IKEv2 policy MUST have atleast one complete proposal attached" "$dir/out" || { echo "FAIL: no IOS message"; exit 1; }
grep -q "configuration refused" "$dir/out" || { echo "FAIL: no refusal"; exit 1; }
[ ! -e "$dir/s.sock" ] || { echo "FAIL: control socket created"; exit 1; }
"$hubsecd" >/dev/null 2>&1 && { echo "FAIL: no arguments accepted"; exit 1; }
echo PASS
