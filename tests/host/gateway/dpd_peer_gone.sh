#!/bin/bash
# A peer that disappears: the spoke's hubsecd is killed (SIGKILL, no delete) and its link goes down,
# so nothing answers the hub any more. With `dpd 10 2 periodic` the hub probes after 10 s without
# a message from the peer and retries every 2 s; when the retries run out it must drop the IKE SA,
# its Child SA and the spoke's NHRP entry, within the configured DPD time.
#   dpd_peer_gone.sh HUBSECD HUBSEC WORKDIR SEED_CONFIG
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/netns/netns-lib.sh"
. "$here/../interop/interop-lib.sh"
. "$here/gateway-lib.sh"
gw_setup "$@"
DPD_INTERVAL=10 DPD_RETRY=2 RETRIES=5  # RETRIES: the engine's retransmissions before giving up
gw_profile_line "dpd $DPD_INTERVAL $DPD_RETRY periodic"
grep -q "^ dpd 10 2 periodic" "$WORK/hub.conf" || fail "could not add dpd to the configuration"

gw_start_hub
gw_start_spoke
gw_wait_up 15 || fail "hub and spoke did not come up: $(tail -5 "$WORK/hubsecd.log")"
gw_ping "$HS_NS_A" 10.0.0.2 3 0.2 "$WORK/ping-0.txt" || fail "hub -> spoke: $(cat "$WORK/ping-0.txt")"
hub show crypto ikev2 sa detailed | grep -q "DPD configured for $DPD_INTERVAL seconds, retry $DPD_RETRY" ||
  fail "the hub's IKE SA does not show the DPD settings: $(hub show crypto ikev2 sa detailed)"
echo "PASS: up with DPD $DPD_INTERVAL/$DPD_RETRY, pings answered"

kill -9 "$SPOKE_PID"
wait "$SPOKE_PID" 2>/dev/null || true
ip -n "$HS_NS_B" link set "$HS_VETH_B" down
t0=$(date +%s.%N)
# Dead at the latest: a full interval of silence, the probe and its retries, plus 3 s of slack.
limit=$((DPD_INTERVAL + DPD_RETRY * (RETRIES + 1) + 3))
gone() {
  ! hub show crypto ikev2 sa | grep -q READY && [ -z "$(hub show crypto ipsec sa | ipsec_sa_pairs)" ] &&
    ! hub show dmvpn | grep -q "$HS_ADDR_B"
}
export -f gone
export HS_ADDR_B
hs_wait "$limit" gone ||
  fail "after $limit s the hub still has: $(hub show crypto ikev2 sa | grep READY) / $(hub show crypto ipsec sa | ipsec_sa_pairs) / $(hub show dmvpn | grep "$HS_ADDR_B")"
took=$(echo "$(date +%s.%N) - $t0" | bc)
grep -q "retransmissions exhausted" "$WORK/hubsecd.log" || fail "the hub did not declare the peer dead by DPD"
echo "PASS: DPD removed the hub's IKE SA, Child SA and NHRP entry $took s after the peer vanished (limit $limit s)"
hub show crypto ikev2 stats >"$WORK/stats.txt"
echo "ALL PASS (dead peer detection)"
