#!/bin/bash
# Volume lifetime (`set security-association lifetime kilobytes 2560`, IOS's smallest): at 90 % of it
# the data plane asks IKE to rekey the Child SA (make-before-break), at 100 % the SA would refuse
# traffic. 4000 pings of 1300 bytes every 2 ms (about 5.3 MB each way) cross at least two soft
# limits: every echo must be answered across the rekeys, the SPIs must change, no hard limit may be
# reached, and `show crypto ipsec sa` keeps counting the flow across its SAs.
# With HUBSEC_ESP_BACKEND=card the hub's ESP runs on the Verilator card, which serves some 50-180 jobs/s
# of 1,400 bytes on this shared machine, depending on its load (docs/gateway.md): the lifetime is on the
# hub only (the spoke keeps IOS's default), so the card's own soft limit must drive the rekey; 1800 pings
# of 1372 bytes every 60 ms (~2.5 MB each way, 33 jobs/s on the card: margin below its slowest rate on a
# loaded machine) cross it once (at ~1680 pings; the hard limit would be at ~1868).
#   volume_lifetime.sh HUBSECD HUBSEC WORKDIR SEED_CONFIG
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/netns/netns-lib.sh"
. "$here/../interop/interop-lib.sh"
. "$here/gateway-lib.sh"
gw_setup "$@"
if [ "${HUBSEC_ESP_BACKEND:-soft}" = card ]; then
  COUNT=1800 INTERVAL=0.06 SIZE=1372 MIN_SOFT_HUB=1 MIN_SOFT=1
  sed -i "s/^crypto ipsec profile \(.*\)$/crypto ipsec profile \1\n set security-association lifetime kilobytes 2560/" "$WORK/hub.conf"
  ! grep -q "lifetime kilobytes" "$WORK/spoke.conf" || fail "the spoke must keep its default lifetime"
else
  COUNT=4000 INTERVAL=0.002 SIZE=1300 MIN_SOFT_HUB=0 MIN_SOFT=2
  gw_ipsec_profile_line "set security-association lifetime kilobytes 2560"
fi
grep -q "^ set security-association lifetime kilobytes 2560" "$WORK/hub.conf" || fail "could not add the lifetime"

gw_capture_start
gw_start_hub
grep -q "ESP backend ${HUBSEC_ESP_BACKEND:-soft}" "$WORK/hubsecd.log" || fail "the hub is not on ${HUBSEC_ESP_BACKEND:-soft}: $(head -5 "$WORK/hubsecd.log")"
gw_start_spoke
gw_wait_up 15 || fail "hub and spoke did not come up: $(tail -5 "$WORK/hubsecd.log")"
before=$(hub show crypto ipsec sa | ipsec_sa_pairs)
hub show crypto ipsec sa | grep -q "sa timing: remaining key lifetime (k/sec): (2560/" ||
  fail "the lifetime is not on the SA: $(hub show crypto ipsec sa | grep 'sa timing')"
enc0=$(hub show crypto ipsec sa | grep -o '#pkts encaps: [0-9]*' | awk '{s += $3} END {print s + 0}')
echo "PASS: up, SA [$before] with 2560 KB"

drops() { "$@" show crypto ipsec sa detail | grep -E "^Data path drops|replay failed|verify failed" | sort | uniq -c | xargs; }
t0=$(date +%s.%N)
ip netns exec "$HS_NS_B" ping -c "$COUNT" -i "$INTERVAL" -s "$SIZE" -W 2 -q 10.0.0.1 >"$WORK/ping.txt" 2>&1 ||
  fail "pings lost across the volume rekeys: $(grep transmitted "$WORK/ping.txt"); hub [$(drops hub)] spoke [$(drops spoke)]"
took=$(echo "$(date +%s.%N) - $t0" | bc)
grep -q " 0% packet loss" "$WORK/ping.txt" ||
  fail "loss: $(grep transmitted "$WORK/ping.txt"); hub [$(drops hub)] spoke [$(drops spoke)]"
soft_hub=$(grep -c "soft volume lifetime reached" "$WORK/hubsecd.log" || true)
soft_spoke=$(grep -c "soft volume lifetime reached" "$WORK/spoke.log" || true)
hard=$(cat "$WORK/hubsecd.log" "$WORK/spoke.log" | grep -c "hard volume lifetime reached" || true)
[ $((soft_hub + soft_spoke)) -ge "$MIN_SOFT" ] && [ "$soft_hub" -ge "$MIN_SOFT_HUB" ] ||
  fail "only $soft_hub (hub) + $soft_spoke (spoke) soft limits reported for $COUNT pings of $SIZE B through 2560 KB SAs"
[ "$hard" = 0 ] || fail "$hard hard limits reached: the rekey came too late"
hs_wait 10 bash -c "[ \"\$(hub show crypto ipsec sa | ipsec_sa_pairs | wc -l)\" = 1 ]" ||
  fail "the rekeyed SAs were not deleted: $(hub show crypto ipsec sa | ipsec_sa_pairs)"
after=$(hub show crypto ipsec sa | ipsec_sa_pairs)
[ "$after" != "$before" ] || fail "the SPIs did not change"
# The spoke's rekeyed SAs retire on its own clock (2 s after their delete).
hs_wait 10 bash -c "[ \"\$(spoke show crypto ipsec sa | ipsec_sa_pairs | awk '{print \$2, \$1}')\" = '$after' ]" ||
  fail "hub [$after] and spoke [$(spoke show crypto ipsec sa | ipsec_sa_pairs | xargs)] disagree after the rekeys"
rekeys=$(grep -c "ESP SA installed: .*(rekey of" "$WORK/hubsecd.log" || true)
enc=$(( $(hub show crypto ipsec sa | grep -o '#pkts encaps: [0-9]*' | awk '{s += $3} END {print s + 0}') - enc0 ))
[ "$enc" -ge "$COUNT" ] || fail "the flow's #pkts encaps grew by $enc for $COUNT echo replies (counters lost in a rekey?)"
echo "PASS: $COUNT pings of $SIZE B in $took s, 0% loss; soft limits hub $soft_hub spoke $soft_spoke, $rekeys Child SA rekeys on the hub, no hard limit; [$before] -> [$after]; encaps +$enc"
hub show crypto ipsec sa | grep "sa timing" | head -1 | sed 's/^ */      /'
gw_capture_no_clear
echo "ALL PASS (volume lifetime rekeys, hub on ${HUBSEC_ESP_BACKEND:-soft})"
