#!/bin/bash
# The DMVPN gateway between network namespaces: a hub and a spoke, two hubsecd with the seed's
# crypto (transport-mode ESP protecting GRE) and a Tunnel0 each (TUN devices 10.0.0.1 and 10.0.0.2).
# The spoke registers with the hub by NHRP (inside the ESP); with the mapping learned from that alone
# the hub pings the spoke's tunnel address first, then the spoke pings the hub's. tshark on the
# hub's outer veth must see ESP and never clear GRE, NHRP or ICMP. The hub's live `show crypto engine
# accelerator statistic` names its engine and its counts (on the card: its JOBS_DONE and CYCLES
# registers too) move with the pings.
#   hub_spoke_ping.sh HUBSECD HUBSEC WORKDIR SEED_CONFIG [ESP_BACKEND]
# ESP_BACKEND (or $HUBSEC_ESP_BACKEND): soft (default, both sides OpenSSL) or card (the hub on the
# Verilator card, --esp-device sim; the spoke stays soft, so the card's ESP is checked against OpenSSL).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/netns/netns-lib.sh"
. "$here/../interop/interop-lib.sh"
. "$here/gateway-lib.sh"
export HUBSEC_ESP_BACKEND=${5:-${HUBSEC_ESP_BACKEND:-soft}}
BACKEND=$HUBSEC_ESP_BACKEND
# The seed plus the tunnel interface each side needs (docs/gateway.md shows the same lines).
gw_setup "$1" "$2" "$3" "$4"
# Capture everything on the hub's outer link from before the first packet.
gw_capture_start
CAPTURE_PID=$GW_CAPTURE_PID
gw_start_hub
grep -q "ESP backend $BACKEND" "$WORK/hubsecd.log" || fail "the hub is not on the $BACKEND backend: $(head -5 "$WORK/hubsecd.log")"
gw_start_spoke
hs_wait 15 bash -c "hub show crypto ipsec sa | grep -q 'inbound esp sas' && spoke show crypto ipsec sa | grep -q 'inbound esp sas'" ||
  fail "no Child SA: hub [$(cat "$WORK/hubsecd.log")] spoke [$(cat "$WORK/spoke.log")]"
ip -n "$HS_NS_A" -br addr show Tunnel0 | grep -q "10.0.0.1/24" || fail "hub: no Tunnel0 with 10.0.0.1/24"
echo "PASS: IKE up, Tunnel0 TUN devices configured ($BACKEND backend)"

hs_wait 10 bash -c "hub show dmvpn | grep -Eq '$HS_ADDR_B +10.0.0.2 +UP'" ||
  fail "the spoke did not register: $(hub show dmvpn)"
echo "PASS: the spoke registered by NHRP: show dmvpn lists 10.0.0.2 at $HS_ADDR_B"

gw_engine_show "$WORK/engine-0.txt"
gw_ping "$HS_NS_A" 10.0.0.2 3 0.2 "$WORK/ping-hub-spoke.txt" ||
  fail "hub -> spoke ping: $(cat "$WORK/ping-hub-spoke.txt")"
echo "PASS: hub pings the spoke's tunnel address ($(grep -o '[0-9]* received' "$WORK/ping-hub-spoke.txt"))"
gw_ping "$HS_NS_B" 10.0.0.1 3 0.2 "$WORK/ping-spoke-hub.txt" ||
  fail "spoke -> hub ping: $(cat "$WORK/ping-spoke-hub.txt"); hub: $(hub show crypto ipsec sa | tail -3)"
echo "PASS: spoke pings the hub's tunnel address ($(grep -o '[0-9]* received' "$WORK/ping-spoke-hub.txt"))"
hub show crypto ipsec sa >"$WORK/ipsec-sa.txt"
enc=$(grep -o '#pkts encaps: [0-9]*' "$WORK/ipsec-sa.txt" | awk '{s+=$3} END {print s+0}')
dec=$(grep -o '#pkts decaps: [0-9]*' "$WORK/ipsec-sa.txt" | awk '{s+=$3} END {print s+0}')
[ "$enc" -ge 6 ] && [ "$dec" -ge 6 ] || fail "hub counters encaps $enc decaps $dec: $(cat "$WORK/ipsec-sa.txt")"
echo "PASS: show crypto ipsec sa counts $enc encaps, $dec decaps"

# The engine's live counters (published by the packet thread; the daemon thread reads no register).
engine_name=$(grep -o "ESP backend [^ ,]*" "$WORK/hubsecd.log" | head -1 | cut -d' ' -f3)
sleep 0.2
gw_engine_show "$WORK/engine-1.txt"
grep -q "^Device:   $engine_name " "$WORK/engine-1.txt" || fail "the engine show does not name $engine_name: $(head -3 "$WORK/engine-1.txt")"
grep -qi "key" "$WORK/engine-1.txt" && fail "the engine show mentions keys: $(grep -i key "$WORK/engine-1.txt")"
moved() { echo $(( $(gw_engine_count "$WORK/engine-1.txt" "$1") - $(gw_engine_count "$WORK/engine-0.txt" "$1") )); }
[ "$(moved encrypted)" -ge 6 ] && [ "$(moved decrypted)" -ge 6 ] ||
  fail "the engine's counts moved by $(moved encrypted) encrypted, $(moved decrypted) decrypted for 6 echoes each way: $(cat "$WORK/engine-1.txt")"
engine_note="engine $engine_name: +$(moved encrypted) encrypted, +$(moved decrypted) decrypted"
if [ "$BACKEND" = card ]; then
  [ "$(moved jobs_done)" -ge 12 ] && [ "$(moved cycles)" -gt 0 ] ||
    fail "the card's registers moved by JOBS_DONE $(moved jobs_done), CYCLES $(moved cycles): $(cat "$WORK/engine-1.txt")"
  engine_note="$engine_note; card registers JOBS_DONE +$(moved jobs_done), CYCLES +$(moved cycles)"
else
  ! grep -q "^Card" "$WORK/engine-1.txt" || fail "a soft engine shows card blocks: $(cat "$WORK/engine-1.txt")"
fi
echo "PASS: live show crypto engine accelerator statistic: $engine_note"

# Make-before-break under traffic: a ping every 50 ms while the hub rekeys the Child SA, then the
# spoke does; no echo may be lost and the SPIs must have changed.
child_spis() { "$HUBSEC" -s "$1" show crypto ipsec sa | ipsec_sa_pairs; }
export -f ipsec_sa_pairs
before=$(child_spis "$WORK/hubsecd.sock")
ip netns exec "$HS_NS_B" ping -c 120 -i 0.05 -W 2 10.0.0.1 >"$WORK/ping-rekey.txt" 2>&1 &
ping_pid=$!
sleep 0.5
hub crypto ikev2 rekey child "${before%% *}" || fail "the hub refused the Child rekey"
# (Both sides: a rekeyed SA still decrypts for 2 s after its delete, on each side's own clock.)
hs_wait 6 bash -c "[ \"\$(hub show crypto ipsec sa | ipsec_sa_pairs | wc -l)\" = 1 ] && [ \"\$(spoke show crypto ipsec sa | ipsec_sa_pairs | wc -l)\" = 1 ]" ||
  fail "the old Child SA stayed after the hub's rekey: $(hub show crypto ipsec sa | ipsec_sa_pairs)"
mid=$(child_spis "$WORK/spoke.sock")
spoke crypto ikev2 rekey child "${mid%% *}" || fail "the spoke refused the Child rekey"
wait "$ping_pid" || fail "pings lost during the rekeys: $(tail -2 "$WORK/ping-rekey.txt")"
after=$(child_spis "$WORK/hubsecd.sock")
[ "$after" != "$before" ] && [ -n "$after" ] || fail "SPIs did not change: [$before] -> [$after]"
grep -q " 0% packet loss" "$WORK/ping-rekey.txt" || fail "loss during rekeys: $(tail -2 "$WORK/ping-rekey.txt")"
echo "PASS: two Child SA rekeys (hub, then spoke) under a ping every 50 ms: $(grep -o '[0-9]* received' "$WORK/ping-rekey.txt"), 0% loss, SPIs [$before] -> [$after]"

sleep 0.5
kill "$CAPTURE_PID" 2>/dev/null || true
hs_wait 10 sh -c "! kill -0 $CAPTURE_PID 2>/dev/null" || true
esp=$(tshark -r "$WORK/outer.pcapng" -Y esp 2>/dev/null | wc -l)
clear=$(tshark -r "$WORK/outer.pcapng" -Y "gre or nhrp or icmp" 2>/dev/null | wc -l)
[ "$esp" -ge 14 ] || fail "only $esp ESP frames on the outer link"
[ "$clear" -eq 0 ] || fail "$clear clear GRE/ICMP frames on the outer link: $(tshark -r "$WORK/outer.pcapng" -Y 'gre or icmp' | head)"
echo "PASS: the outer link carried $esp ESP frames and no clear GRE, NHRP or ICMP"
# Decrypted by tshark with the hub's key log (its esp_sa file): the ESP carries GRE with the pings
# and the NHRP registration and reply, all well-formed to Wireshark's own dissectors.
tshark_keys() {
  WIRESHARK_CONFIG_DIR="$WORK/keys" tshark -r "$WORK/outer.pcapng" \
    -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE "$@" 2>>"$WORK/tshark.err"
}
icmp_in_esp=$(tshark_keys -Y "esp && gre && icmp" | wc -l)
nhrp_req=$(tshark_keys -Y "esp && gre && nhrp.hdr.op.type == 3 && nhrp.src.nbma.addr == $HS_ADDR_B && nhrp.src.prot.addr == 10.0.0.2 && nhrp.hdr.chksum.status == \"Good\"" | wc -l)
nhrp_rep=$(tshark_keys -Y "esp && gre && nhrp.hdr.op.type == 4" | wc -l)
malformed=$(tshark_keys -Y "_ws.malformed || _ws.expert.severity >= 6291456" | wc -l)
[ "$icmp_in_esp" -ge 100 ] || fail "tshark decrypted only $icmp_in_esp ICMP-in-GRE-in-ESP frames"
[ "$nhrp_req" -ge 1 ] && [ "$nhrp_rep" -ge 1 ] || fail "tshark found $nhrp_req NHRP requests, $nhrp_rep replies"
[ "$malformed" -eq 0 ] || fail "tshark flags $malformed frames: $(tshark_keys -Y '_ws.malformed || _ws.expert.severity >= 6291456' | head -3)"
echo "PASS: tshark decrypts the ESP with the logged keys: $icmp_in_esp ICMP in GRE, NHRP request/reply $nhrp_req/$nhrp_rep, none malformed"
echo "ALL PASS (hub and spoke over GRE/IPsec, $BACKEND backend)"
