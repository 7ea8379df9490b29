#!/bin/bash
# A spoke that restarts: its hubsecd is killed without a word (SIGKILL: no IKE delete reaches the hub)
# and started again. The new IKE_AUTH carries INITIAL_CONTACT, so the hub must replace the old IKE
# and Child SAs (not keep them next to the new ones), the spoke registers again by NHRP, and pings
# work both ways on the new SAs. Then the hub's `clear crypto sa`: the spoke comes back by itself.
#   spoke_restart.sh HUBSECD HUBSEC WORKDIR SEED_CONFIG
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/netns/netns-lib.sh"
. "$here/../interop/interop-lib.sh"
. "$here/gateway-lib.sh"
gw_setup "$@"

gw_capture_start
gw_start_hub
gw_start_spoke
gw_wait_up 15 || fail "hub and spoke did not come up: $(tail -5 "$WORK/hubsecd.log")"
gw_ping "$HS_NS_B" 10.0.0.1 3 0.2 "$WORK/ping-0.txt" || fail "spoke -> hub before the restart: $(cat "$WORK/ping-0.txt")"
before=$(hub show crypto ipsec sa | ipsec_sa_pairs)
ike_before=$(hub show crypto ikev2 sa | grep -c READY)
[ "$ike_before" = 1 ] && [ "$(echo "$before" | wc -l)" = 1 ] || fail "expected one IKE and one Child SA: [$before]"
echo "PASS: up, pings answered, hub Child SA [$before]"

kill -9 "$SPOKE_PID"
wait "$SPOKE_PID" 2>/dev/null || true
t0=$(date +%s.%N)
gw_start_spoke
hs_wait 20 bash -c "[ \"\$(hub show crypto ipsec sa | ipsec_sa_pairs)\" != '$before' ] && [ -n \"\$(hub show crypto ipsec sa | ipsec_sa_pairs)\" ] && hub show dmvpn | grep -Eq '$HS_ADDR_B +10.0.0.2 +UP'" ||
  fail "the hub did not take the restarted spoke's SAs: $(hub show crypto ipsec sa | ipsec_sa_pairs)"
after=$(hub show crypto ipsec sa | ipsec_sa_pairs)
ike_after=$(hub show crypto ikev2 sa | grep -c READY || true)
[ "$(echo "$after" | wc -l)" = 1 ] || fail "the hub keeps the old Child SA next to the new one: [$after]"
[ "$ike_after" = 1 ] || fail "the hub has $ike_after READY IKE SAs after the restart: $(hub show crypto ikev2 sa)"
grep -q "INITIAL_CONTACT" "$WORK/hubsecd.log" || fail "the hub did not act on INITIAL_CONTACT"
spoke_spis=$(spoke show crypto ipsec sa | ipsec_sa_pairs | awk '{print $2, $1}')
[ "$spoke_spis" = "$after" ] || fail "hub [$after] and restarted spoke [$spoke_spis] disagree"
echo "PASS: the hub replaced the old IKE and Child SA ([$before] -> [$after]) in $(echo "$(date +%s.%N) - $t0" | bc) s, one of each"

gw_ping "$HS_NS_A" 10.0.0.2 5 0.2 "$WORK/ping-1.txt" || fail "hub -> spoke after the restart: $(cat "$WORK/ping-1.txt")"
gw_ping "$HS_NS_B" 10.0.0.1 5 0.2 "$WORK/ping-2.txt" || fail "spoke -> hub after the restart: $(cat "$WORK/ping-2.txt")"
grep -q " 0% packet loss" "$WORK/ping-1.txt" && grep -q " 0% packet loss" "$WORK/ping-2.txt" ||
  fail "loss after the restart: $(gw_ping_result "$WORK/ping-1.txt"), $(gw_ping_result "$WORK/ping-2.txt")"
hub show crypto ipsec sa peer "$HS_ADDR_B" detail >"$WORK/ipsec-sa.txt"
grep -q "#pkts decaps: [1-9]" "$WORK/ipsec-sa.txt" && grep -q "#pkts replay failed (rcv): 0" "$WORK/ipsec-sa.txt" ||
  fail "no decaps on the new SA: $(cat "$WORK/ipsec-sa.txt")"
[ -z "$(hub show crypto ipsec sa peer 192.0.2.99 | grep 'protected vrf' || true)" ] || fail "peer filter"
echo "PASS: pings both ways on the new SAs (hub->spoke $(gw_ping_result "$WORK/ping-1.txt"), spoke->hub $(gw_ping_result "$WORK/ping-2.txt"))"
# The hub's operator clears the spoke's SAs (`clear crypto sa peer`): the spoke's tunnel protection brings its SA
# up again (IOS does; the spoke's NHS is a protected tunnel's peer) and it registers again.
cleared=$(hub show crypto ipsec sa | ipsec_sa_pairs)
hub clear crypto sa peer 192.0.2.99
[ "$(hub show crypto ipsec sa | ipsec_sa_pairs)" = "$cleared" ] || fail "clear crypto sa peer 192.0.2.99 cleared the spoke's SA"
hub clear crypto sa peer "$HS_ADDR_B"
hs_wait 3 bash -c "[ -z \"\$(hub show crypto ipsec sa | ipsec_sa_pairs)\" ]" || fail "clear crypto sa left SAs on the hub"
t0=$(date +%s.%N)
gw_wait_up 20 || fail "the spoke did not come back after the hub's clear crypto sa peer: $(tail -3 "$WORK/spoke.log")"
[ "$(hub show crypto ipsec sa | ipsec_sa_pairs)" != "$cleared" ] || fail "the same SAs after clear crypto sa"
gw_ping "$HS_NS_A" 10.0.0.2 3 0.2 "$WORK/ping-3.txt" || fail "hub -> spoke after clear: $(cat "$WORK/ping-3.txt")"
hub show crypto session | grep -q "Session status: UP-ACTIVE" || fail "show crypto session: $(hub show crypto session)"
echo "PASS: the hub's clear crypto sa peer $HS_ADDR_B: the spoke re-established and registered in $(echo "$(date +%s.%N) - $t0" | bc) s, pings answered"
gw_capture_no_clear
echo "ALL PASS (spoke restart)"
