#!/bin/bash
# 20 % packet loss on the outer link: nftables in the spoke's namespace drops a random 20 % of
# everything the spoke's veth sends and receives (IKE, ESP), from before the first IKE packet, and
# the spoke's very first IKE datagram for certain. IKE
# must still converge (retransmissions), the spoke must register by NHRP (retried), and pings over
# the tunnel must be answered (each crosses the lossy link twice: about 64 % expected).
#   lossy_link.sh HUBSECD HUBSEC WORKDIR SEED_CONFIG
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/netns/netns-lib.sh"
. "$here/../interop/interop-lib.sh"
. "$here/gateway-lib.sh"
gw_setup "$@"

ip netns exec "$HS_NS_B" nft -f - <<NFT
table inet loss {
  chain in { type filter hook input priority 0; iifname "$HS_VETH_B" numgen random mod 100 < 20 counter drop; }
  chain out {
    type filter hook output priority 0;
    # The spoke's first IKE datagram is always lost (so a retransmission is certain), then 20 % of all.
    oifname "$HS_VETH_B" udp dport 500 numgen inc mod 100000 == 0 counter drop
    oifname "$HS_VETH_B" numgen random mod 100 < 20 counter drop
  }
}
NFT
# The rule really drops: of 200 pings on the bare link, fewer than 90 % come back.
ip netns exec "$HS_NS_B" ping -c 200 -i 0.002 -W 1 -q "$HS_ADDR_A" >"$WORK/ping-bare.txt" 2>&1 || true
bare=$(grep -o '[0-9]* received' "$WORK/ping-bare.txt" | awk '{print $1}')
[ "${bare:-200}" -lt 180 ] && [ "${bare:-0}" -gt 60 ] || fail "nftables loss not in effect: $bare of 200 answered on the bare link"
echo "PASS: nftables drops on the spoke's link: $bare of 200 bare pings answered"

t0=$(date +%s.%N)
gw_capture_start
gw_start_hub
gw_start_spoke
# 150 s, not 60: with 20 % loss each way an exchange fails 36 % of its sends, and a run where IKE_AUTH
# loses its first four sends outlives the hub's 30 s half-open timeout; the spoke then gives up after its
# retransmissions (~62 s) and initiates again (daemon backoff). That path is rare (~2 %) but legal: it must
# converge, just later.
gw_wait_up 150 || fail "no convergence in 150 s: hub [$(hub show crypto ipsec sa | ipsec_sa_pairs)] [$(hub show dmvpn | tail -1)] spoke [$(tail -3 "$WORK/spoke.log")]"
took=$(echo "$(date +%s.%N) - $t0" | bc)
retrans=$(( $(hub show crypto ikev2 stats | awk '/retransmissions sent/ {s += $NF} END {print s + 0}') + \
            $(spoke show crypto ikev2 stats | awk '/retransmissions sent/ {s += $NF} END {print s + 0}') ))
[ "$retrans" -ge 1 ] || fail "no IKE retransmission although the first IKE_SA_INIT was dropped"
echo "PASS: IKE up and the spoke registered by NHRP through 20 % loss in $took s (IKE retransmissions: $retrans)"

ip netns exec "$HS_NS_B" ping -c 40 -i 0.1 -W 2 10.0.0.1 >"$WORK/ping-spoke-hub.txt" 2>&1 || true
ip netns exec "$HS_NS_A" ping -c 40 -i 0.1 -W 2 10.0.0.2 >"$WORK/ping-hub-spoke.txt" 2>&1 || true
r1=$(grep -o '[0-9]* received' "$WORK/ping-spoke-hub.txt" | awk '{print $1}')
r2=$(grep -o '[0-9]* received' "$WORK/ping-hub-spoke.txt" | awk '{print $1}')
[ "${r1:-0}" -ge 10 ] && [ "${r2:-0}" -ge 10 ] || fail "too few pings answered through the loss: spoke->hub ${r1:-0}/40, hub->spoke ${r2:-0}/40"
echo "PASS: pings over the tunnel through 20 % loss: spoke->hub $r1/40, hub->spoke $r2/40"
ip netns exec "$HS_NS_B" nft list table inet loss | grep -o 'counter packets [0-9]*' | awk '{s += $3} END {print "      (nftables dropped " s " packets)"}'

ip netns exec "$HS_NS_B" nft delete table inet loss
gw_ping "$HS_NS_B" 10.0.0.1 5 0.1 "$WORK/ping-clean.txt" || fail "no recovery once the loss stopped: $(cat "$WORK/ping-clean.txt")"
echo "PASS: loss removed: $(gw_ping_result "$WORK/ping-clean.txt") answered"
gw_capture_no_clear
echo "ALL PASS (20 % loss on the outer link)"
