#!/bin/sh
# `hubsec config check` on a proposal without a DH group must exit 1 and print IOS's message with
# the file and line; the pre-shared key must not appear in the output.
set -eu
hubsec=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat >"$dir/broken.conf" <<'CONF'
crypto ikev2 proposal P
 encryption aes-cbc-256
 integrity sha256
crypto ikev2 keyring K
 peer ANY
  address 0.0.0.0 0.0.0.0
  pre-shared-key topsecret-psk
CONF
set +e
"$hubsec" config check "$dir/broken.conf" >"$dir/out" 2>&1
rc=$?
set -e
cat "$dir/out"
[ "$rc" -eq 1 ] || { echo "FAIL: exit code $rc, expected 1"; exit 1; }
grep -q "broken.conf:1: error:" "$dir/out" || { echo "FAIL: no file:line"; exit 1; }
grep -q "IKEv2 proposal MUST either have a set of an encryption algorithm other than aes-gcm" "$dir/out" ||
  { echo "FAIL: IOS message missing"; exit 1; }
if grep -q "topsecret-psk" "$dir/out"; then echo "FAIL: PSK printed"; exit 1; fi
# A file that does not exist is an error too.
if "$hubsec" config check "$dir/absent.conf" >/dev/null 2>&1; then echo "FAIL: absent file accepted"; exit 1; fi
echo PASS
