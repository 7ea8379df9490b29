#!/bin/bash
# The hard volume lifetime: with IKE blocked (nftables drops UDP 500/4500 on the spoke's link, raw
# ESP still passes) the rekey the soft limit asks for cannot happen, so traffic runs into the hard
# limit (2560 KB): from there the SA carries nothing (fail closed: counted, never sent in clear) and
# IKE is told to delete it. Once IKE gets through again the pending rekey completes, the expired SA
# is deleted on both sides, and pings flow on the new SA.
#   hard_lifetime.sh HUBSECD HUBSEC WORKDIR SEED_CONFIG
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/netns/netns-lib.sh"
. "$here/../interop/interop-lib.sh"
. "$here/gateway-lib.sh"
gw_setup "$@"
gw_ipsec_profile_line "set security-association lifetime kilobytes 2560"

ip netns exec "$HS_NS_A" tshark -q -i "$HS_VETH_A" -w "$WORK/outer.pcapng" >"$WORK/tshark-capture.log" 2>&1 &
hs_track_pid $!
CAPTURE_PID=$!
hs_wait 10 grep -q "Capturing on" "$WORK/tshark-capture.log" || fail "tshark did not start capturing"
gw_start_hub
gw_start_spoke
gw_wait_up 15 || fail "hub and spoke did not come up: $(tail -5 "$WORK/hubsecd.log")"
before=$(hub show crypto ipsec sa | ipsec_sa_pairs)
ip netns exec "$HS_NS_B" nft -f - <<NFT
table inet noike {
  chain in { type filter hook input priority 0; udp sport { 500, 4500 } counter drop; }
  chain out { type filter hook output priority 0; udp dport { 500, 4500 } counter drop; }
}
NFT
echo "PASS: up with 2560 KB SAs [$before]; IKE blocked on the spoke's link"

# 2560 KB / 1332-byte ESP payloads (GRE + the 1328-byte ping) = 1968 packets: 2300 pings run into it.
ip netns exec "$HS_NS_B" ping -c 2300 -i 0.002 -s 1300 -W 1 -q 10.0.0.1 >"$WORK/ping-hard.txt" 2>&1 || true
got=$(grep -o '[0-9]* received' "$WORK/ping-hard.txt" | awk '{print $1}')
hs_wait 5 grep -q "hard volume lifetime reached" "$WORK/spoke.log" || fail "the spoke reported no hard limit ($got answered)"
grep -q "soft volume lifetime reached" "$WORK/spoke.log" || fail "no soft limit before the hard one"
[ "${got:-0}" -ge 1700 ] && [ "${got:-0}" -le 1968 ] || fail "$got of 2300 answered: expected the SA to stop at its 2560 KB"
spoke show crypto ipsec sa detail >"$WORK/spoke-hard.txt"
failed=$(grep -o '#pkts encaps failed (send) [0-9]*' "$WORK/spoke-hard.txt" | awk '{s += $NF} END {print s + 0}')
[ "$failed" -ge 300 ] || fail "the spoke counts $failed refused packets: $(grep -E 'encaps|sa timing' "$WORK/spoke-hard.txt")"
grep -q "remaining key lifetime (k/sec): (0/" "$WORK/spoke-hard.txt" || fail "the SA does not show 0 KB left"
ip netns exec "$HS_NS_B" ping -c 3 -i 0.2 -W 1 10.0.0.1 >"$WORK/ping-dead.txt" 2>&1 &&
  fail "pings answered on an SA past its hard limit"
echo "PASS: the SA stopped at its hard limit: $got of 2300 answered, $failed refused and counted (encaps failed), 0 KB left"

ip netns exec "$HS_NS_B" nft delete table inet noike
t0=$(date +%s.%N)
hs_wait 40 bash -c "p=\$(hub show crypto ipsec sa | ipsec_sa_pairs); [ -n \"\$p\" ] && [ \"\$p\" != '$before' ] && [ \"\$(echo \"\$p\" | wc -l)\" = 1 ] && ip netns exec $HS_NS_B ping -c 1 -W 1 10.0.0.1" ||
  fail "no recovery after IKE came back: hub [$(hub show crypto ipsec sa | ipsec_sa_pairs | xargs)] spoke [$(spoke show crypto ipsec sa | ipsec_sa_pairs | xargs)]"
took=$(echo "$(date +%s.%N) - $t0" | bc)
after=$(hub show crypto ipsec sa | ipsec_sa_pairs)
hs_wait 10 bash -c "[ \"\$(spoke show crypto ipsec sa | ipsec_sa_pairs | awk '{print \$2, \$1}')\" = '$after' ]" ||
  fail "hub [$after] and spoke [$(spoke show crypto ipsec sa | ipsec_sa_pairs)] disagree"
gw_ping "$HS_NS_B" 10.0.0.1 5 0.1 "$WORK/ping-after.txt" ||
  fail "pings on the new SA: $(cat "$WORK/ping-after.txt")"
echo "PASS: IKE back: the pending rekey completed and the expired SA was deleted in $took s ([$before] -> [$after]), every ping answered"

sleep 0.5
kill "$CAPTURE_PID" 2>/dev/null || true
hs_wait 10 sh -c "! kill -0 $CAPTURE_PID 2>/dev/null" || true
clear=$(tshark -r "$WORK/outer.pcapng" -Y "gre or icmp" 2>/dev/null | wc -l)
[ "$clear" -eq 0 ] || fail "$clear clear GRE/ICMP frames on the outer link"
echo "PASS: no clear GRE or ICMP on the outer link, ever"
echo "ALL PASS (hard volume lifetime)"
