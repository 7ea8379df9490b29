#!/bin/bash
# Volume lifetime (`set security-association lifetime kilobytes 2560`, IOS's smallest): at 90 % of it
# the data plane asks IKE to rekey the Child SA (make-before-break), at 100 % the SA would refuse
# traffic. 4000 pings of 1300 bytes every 2 ms (about 5.3 MB each way) cross at least two soft
# limits: every echo must be answered across the rekeys, the SPIs must change, no hard limit may be
# reached, and `show crypto ipsec sa` keeps counting the flow across its SAs.
#   volume_lifetime.sh HUBSECD HUBSEC WORKDIR SEED_CONFIG
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/netns/netns-lib.sh"
. "$here/../interop/interop-lib.sh"
. "$here/gateway-lib.sh"
gw_setup "$@"
gw_ipsec_profile_line "set security-association lifetime kilobytes 2560"
grep -q "^ set security-association lifetime kilobytes 2560" "$WORK/hub.conf" || fail "could not add the lifetime"

gw_capture_start
gw_start_hub
gw_start_spoke
gw_wait_up 15 || fail "hub and spoke did not come up: $(tail -5 "$WORK/hubsecd.log")"
before=$(hub show crypto ipsec sa | ipsec_sa_pairs)
hub show crypto ipsec sa | grep -q "sa timing: remaining key lifetime (k/sec): (2560/" ||
  fail "the lifetime is not on the SA: $(hub show crypto ipsec sa | grep 'sa timing')"
enc0=$(hub show crypto ipsec sa | grep -o '#pkts encaps: [0-9]*' | awk '{s += $3} END {print s + 0}')
echo "PASS: up, SA [$before] with 2560 KB"

drops() { "$@" show crypto ipsec sa detail | grep -E "^Data path drops|replay failed|verify failed" | sort | uniq -c | xargs; }
t0=$(date +%s.%N)
ip netns exec "$HS_NS_B" ping -c 4000 -i 0.002 -s 1300 -W 2 -q 10.0.0.1 >"$WORK/ping.txt" 2>&1 ||
  fail "pings lost across the volume rekeys: $(grep transmitted "$WORK/ping.txt"); hub [$(drops hub)] spoke [$(drops spoke)]"
took=$(echo "$(date +%s.%N) - $t0" | bc)
grep -q " 0% packet loss" "$WORK/ping.txt" ||
  fail "loss: $(grep transmitted "$WORK/ping.txt"); hub [$(drops hub)] spoke [$(drops spoke)]"
soft_hub=$(grep -c "soft volume lifetime reached" "$WORK/hubsecd.log" || true)
soft_spoke=$(grep -c "soft volume lifetime reached" "$WORK/spoke.log" || true)
hard=$(cat "$WORK/hubsecd.log" "$WORK/spoke.log" | grep -c "hard volume lifetime reached" || true)
[ $((soft_hub + soft_spoke)) -ge 2 ] || fail "only $soft_hub + $soft_spoke soft limits reported for ~5.3 MB through 2560 KB SAs"
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
[ "$enc" -ge 4000 ] || fail "the flow's #pkts encaps grew by $enc for 4000 echo replies (counters lost in a rekey?)"
echo "PASS: 4000 pings of 1300 B in $took s, 0% loss; soft limits hub $soft_hub spoke $soft_spoke, $rekeys Child SA rekeys on the hub, no hard limit; [$before] -> [$after]; encaps +$enc"
hub show crypto ipsec sa | grep "sa timing" | head -1 | sed 's/^ */      /'
gw_capture_no_clear
echo "ALL PASS (volume lifetime rekeys)"
