#!/bin/bash
# `dpd 10 2 on-demand` (IOS): no liveness checks while ESP flows both ways; once the spoke vanishes
# (SIGKILL, link down) and the hub keeps sending to it (pings) without hearing back, the hub sends a
# DPD after 10 s and, unanswered every 2 s, drops the IKE SA, Child SA and NHRP entry.
#   dpd_on_demand.sh HUBSECD HUBSEC WORKDIR SEED_CONFIG
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/netns/netns-lib.sh"
. "$here/../interop/interop-lib.sh"
. "$here/gateway-lib.sh"
gw_setup "$@"
DPD_INTERVAL=10 DPD_RETRY=2 RETRIES=5
gw_profile_line "dpd $DPD_INTERVAL $DPD_RETRY on-demand"
gw_start_hub
gw_start_spoke
gw_wait_up 15 || fail "hub and spoke did not come up: $(tail -5 "$WORK/hubsecd.log")"
# 12 s of pings both ways: traffic in both directions, so no liveness check may go out.
ip netns exec "$HS_NS_B" ping -c 60 -i 0.2 -W 2 -q 10.0.0.1 >"$WORK/ping-live.txt" 2>&1 ||
  fail "pings with a live peer: $(grep transmitted "$WORK/ping-live.txt")"
dpd_sent() { hub show crypto ikev2 stats | awk '/DPD sent/ {print $NF}'; }
[ "$(dpd_sent)" = 0 ] && ! grep -q "DPD (on-demand)" "$WORK/hubsecd.log" ||
  fail "on-demand DPD probed a peer that answers: $(grep 'DPD' "$WORK/hubsecd.log" | tail -2)"
echo "PASS: 12 s of two-way traffic, no liveness check (on-demand)"

kill -9 "$SPOKE_PID"
wait "$SPOKE_PID" 2>/dev/null || true
ip -n "$HS_NS_B" link set "$HS_VETH_B" down
t0=$(date +%s.%N)
ip netns exec "$HS_NS_A" ping -i 0.5 -W 1 10.0.0.2 >"$WORK/ping-dead.txt" 2>&1 &
hs_track_pid $!
limit=$((DPD_INTERVAL + DPD_RETRY * (RETRIES + 1) + 4))
gone() {
  ! hub show crypto ikev2 sa | grep -q READY && [ -z "$(hub show crypto ipsec sa | ipsec_sa_pairs)" ] &&
    ! hub show dmvpn | grep -q "$HS_ADDR_B"
}
export -f gone
export HS_ADDR_B
hs_wait "$limit" gone ||
  fail "after $limit s the hub still has: $(hub show crypto ikev2 sa | grep READY) / $(hub show crypto ipsec sa | ipsec_sa_pairs)"
took=$(echo "$(date +%s.%N) - $t0" | bc)
grep -q "DPD (on-demand)" "$WORK/hubsecd.log" && grep -q "retransmissions exhausted" "$WORK/hubsecd.log" ||
  fail "the SAs went, but not by on-demand DPD: $(tail -3 "$WORK/hubsecd.log")"
echo "PASS: sending to a silent peer, on-demand DPD removed the hub's IKE SA, Child SA and NHRP entry in $took s (limit $limit s)"
echo "ALL PASS (on-demand dead peer detection)"
