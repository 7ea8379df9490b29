#!/bin/bash
# A wrong pre-shared key is refused in both directions, and nothing is installed on either side.
#   wrong_psk.sh HUBSECD HUBSEC WORKDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/netns/netns-lib.sh"
. "$here/interop-lib.sh"
interop_setup "$1" "$2" "$3"

hs_charon_conf "$WORK/swan"
hs_charon_start "$HS_NS_B" "$WORK/swan"

no_sa_anywhere() {
  ! hubsec_cmd show crypto ikev2 sa | grep -q READY || fail "hubsecd has an IKE SA"
  [ -z "$(hubsec_cmd show crypto ipsec sa | ipsec_sa_pairs)" ] || fail "hubsecd installed a Child SA"
  ! swan --list-sas | grep -qE "ESTABLISHED|INSTALLED" || fail "strongSwan has an SA"
}

# ---- strongSwan initiates with the wrong key: hubsecd refuses ---------------------------------
swan_conf wrong-key initiator >"$WORK/swan/swanctl/swanctl.conf"
swan --load-all >/dev/null
hubsec_conf cisco responder >"$WORK/hub.conf"
hubsecd_start "$WORK/hub.conf"
if swan --initiate --child gre --timeout 10 >"$WORK/initiate.log" 2>&1; then fail "strongSwan got in with a wrong PSK"; fi
grep -q "received AUTHENTICATION_FAILED notify error" "$WORK/initiate.log" ||
  fail "hubsecd did not answer AUTHENTICATION_FAILED: $(tail -5 "$WORK/initiate.log")"
no_sa_anywhere
hubsec_cmd show crypto ikev2 stats >"$WORK/stats-1.txt"
grep -Eq "authentication failures +[1-9]" "$WORK/stats-1.txt" || fail "no authentication failure counted"
echo "PASS: strongSwan with a wrong PSK refused by hubsecd (AUTHENTICATION_FAILED, counted, nothing installed)"

# ---- hubsecd initiates with a key strongSwan does not share: strongSwan refuses --------------
kill "$HUBSECD_PID"
hs_wait 5 sh -c "! kill -0 $HUBSECD_PID 2>/dev/null" || fail "hubsecd did not stop"
swan_conf wrong-key responder >"$WORK/swan/swanctl/swanctl.conf"
swan --load-all >/dev/null
hubsec_conf cisco initiator >"$WORK/hub-init.conf"
hubsecd_start "$WORK/hub-init.conf"
hs_wait 10 grep -q "down (authentication failed)" "$WORK/hubsecd.log" ||
  fail "hubsecd did not see the refusal: $(tail -5 "$WORK/hubsecd.log")"
grep -q "MAC mismatched" "$WORK/swan/charon.log" || fail "strongSwan did not report the key mismatch"
no_sa_anywhere
echo "PASS: hubsecd with a PSK strongSwan does not share refused by strongSwan (nothing installed)"
if grep -qE "cisco|wrong-key" "$WORK/hubsecd.log"; then fail "a PSK appears in hubsecd's log"; fi
echo "PASS: no PSK in hubsecd's log"
echo "ALL PASS (wrong PSK)"
