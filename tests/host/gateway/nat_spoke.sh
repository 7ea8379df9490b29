#!/bin/bash
# A DMVPN spoke behind a NAT. Three namespaces: the hub (192.0.2.1), a NAT router (192.0.2.2 outside,
# nftables masquerade with random source ports) and the spoke behind it (198.51.100.2, private side):
# gateway-lib.sh's gw_setup with the spoke placed `nat`. Both run hubsecd with the seed's crypto
# (transport-mode ESP protecting GRE). IKE must detect the NAT (NAT_DETECTION_*), float to 4500 and
# carry ESP in UDP (RFC 3948) both ways. The spoke names its private address in its GRE selectors
# (RFC 7296 2.23.1) and in its NHRP registration; the hub must accept those selectors, map them to
# the observed address and send to the observed address:port. The spoke sends NAT keepalives. Pings
# both ways over Tunnel0; tshark on the hub's link sees only UDP (IKE and ESP in UDP 4500), never ESP
# without UDP, clear GRE or ICMP, and decrypts the ESP with the hub's key log to ICMP in GRE.
#   nat_spoke.sh HUBSECD HUBSEC WORKDIR SEED_CONFIG [ESP_BACKEND]
# ESP_BACKEND (or $HUBSEC_ESP_BACKEND): soft (default) or card (the hub on the Verilator card, the
# spoke soft).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/netns/netns-lib.sh"
. "$here/../interop/interop-lib.sh"
. "$here/gateway-lib.sh"
export HUBSEC_ESP_BACKEND=${5:-${HUBSEC_ESP_BACKEND:-soft}}
BACKEND=$HUBSEC_ESP_BACKEND
gw_setup "$1" "$2" "$3" "$4" nat
SPOKE=$GW_SPOKE_ADDR
sed -i "1i crypto ikev2 nat keepalive 5" "$WORK/spoke.conf"

gw_capture_start
gw_start_hub
grep -q "ESP backend $BACKEND" "$WORK/hubsecd.log" || fail "the hub is not on the $BACKEND backend: $(head -5 "$WORK/hubsecd.log")"
gw_start_spoke
hs_wait 15 bash -c "hub show crypto ipsec sa | grep -q 'UDP-Encaps' && spoke show crypto ipsec sa | grep -q 'UDP-Encaps'" ||
  fail "no UDP-encapsulated Child SA: hub [$(hub show crypto ipsec sa 2>&1 | tail -4)] spoke [$(tail -5 "$WORK/spoke.log")]"
grep -q "NAT detected" "$WORK/spoke.log" || fail "the spoke did not log the NAT: $(cat "$WORK/spoke.log")"
hub show crypto ikev2 sa >"$WORK/ikev2-sa.txt"
grep -q "$HS_ADDR_B" "$WORK/ikev2-sa.txt" || fail "hub's IKE SA is not with the NAT's address: $(cat "$WORK/ikev2-sa.txt")"
echo "PASS: NAT detected, IKE floated to 4500, UDP-encapsulated transport-mode Child SA on both sides ($BACKEND backend)"

hs_wait 10 bash -c "hub show dmvpn | grep -Eq '$HS_ADDR_B +10.0.0.2 +UP'" ||
  fail "the spoke did not register: $(hub show dmvpn)"
echo "PASS: the spoke registered by NHRP: the hub lists 10.0.0.2 at the NAT's address $HS_ADDR_B (not $SPOKE)"

gw_ping "$HS_NS_A" 10.0.0.2 3 0.2 "$WORK/ping-hub-spoke.txt" ||
  fail "hub -> spoke ping: $(cat "$WORK/ping-hub-spoke.txt"); hub: $(hub show crypto ipsec sa | tail -2)"
echo "PASS: hub pings the spoke behind the NAT ($(grep -o '[0-9]* received' "$WORK/ping-hub-spoke.txt"))"
gw_ping "$GW_SPOKE_NS" 10.0.0.1 3 0.2 "$WORK/ping-spoke-hub.txt" ||
  fail "spoke -> hub ping: $(cat "$WORK/ping-spoke-hub.txt"); hub: $(hub show crypto ipsec sa | tail -2)"
echo "PASS: the spoke pings the hub ($(grep -o '[0-9]* received' "$WORK/ping-spoke-hub.txt"))"

# NAT keepalives (RFC 3948 2.3): the spoke (behind the NAT) sends them every 5 s, the hub counts them.
hs_wait 12 bash -c "hub show crypto ikev2 stats | grep -Eq 'NAT keepalives received +[1-9]'" ||
  fail "no NAT keepalive reached the hub: $(hub show crypto ikev2 stats | grep -i keepalive)"
echo "PASS: the hub received NAT keepalives from the spoke"

sleep 0.5
kill "$GW_CAPTURE_PID" 2>/dev/null || true
hs_wait 10 sh -c "! kill -0 $GW_CAPTURE_PID 2>/dev/null" || true
count() { tshark -r "$WORK/outer.pcapng" -Y "$1" 2>/dev/null | wc -l; }
esp_udp=$(count "udp.port == 4500 && esp")
raw_esp=$(count "ip.proto == 50")
clear=$(count "gre or nhrp or icmp")
keepalive=$(count "udpencap.nat_keepalive")
not_udp=$(count "ip && !udp")
[ "$esp_udp" -ge 12 ] || fail "only $esp_udp ESP-in-UDP frames on the hub's link"
[ "$raw_esp" -eq 0 ] || fail "$raw_esp frames of raw ESP (protocol 50) crossed the NAT"
[ "$clear" -eq 0 ] || fail "$clear clear GRE/NHRP/ICMP frames on the hub's link"
[ "$not_udp" -eq 0 ] || fail "$not_udp IPv4 frames that are not UDP on the hub's link: $(tshark -r "$WORK/outer.pcapng" -Y 'ip && !udp' | head -3)"
[ "$keepalive" -ge 1 ] || fail "no NAT keepalive (1-byte 0xFF in UDP) on the wire"
echo "PASS: the hub's link carried $esp_udp ESP-in-UDP frames, $keepalive NAT keepalives, nothing but UDP (no raw ESP, clear GRE or ICMP)"
tshark_keys() {
  WIRESHARK_CONFIG_DIR="$WORK/keys" tshark -r "$WORK/outer.pcapng" \
    -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE "$@" 2>>"$WORK/tshark.err"
}
icmp_in_esp=$(tshark_keys -Y "udp.port == 4500 && esp.icv_good == 1 && gre && icmp" | wc -l)
nhrp_req=$(tshark_keys -Y "esp && gre && nhrp.hdr.op.type == 3 && nhrp.src.nbma.addr == $SPOKE" | wc -l)
[ "$icmp_in_esp" -ge 12 ] || fail "tshark decrypted only $icmp_in_esp ICMP-in-GRE-in-ESP-in-UDP frames"
[ "$nhrp_req" -ge 1 ] || fail "tshark found no NHRP registration naming the private NBMA address $SPOKE"
echo "PASS: tshark decrypts the ESP in UDP with the hub's keys (ICV good): $icmp_in_esp ICMP in GRE; the NHRP registration names the private NBMA $SPOKE"
echo "ALL PASS (spoke behind NAT over GRE/IPsec, ESP in UDP 4500, $BACKEND backend)"
