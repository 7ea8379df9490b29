#!/bin/bash
# A strongSwan site (kernel-libipsec: tunnel mode, ESP in UDP 4500) behind 192.0.2.2 with LAN
# 10.2.0.0/24, and the hub (hubsecd, a VTI: `tunnel mode ipsec ipv4`) with LAN 10.1.0.0/24. strongSwan
# initiates with its subnets as selectors; the site pings the hub's LAN address through hubsecd's
# data path (TUN Tunnel1), and tshark on the outer link sees no clear ICMP.
#   strongswan_site.sh HUBSECD HUBSEC WORKDIR [ESP_BACKEND]
# ESP_BACKEND (or $HUBSEC_ESP_BACKEND): soft (default) or card (the hub's tunnel-mode ESP in UDP on the
# Verilator card, --esp-device sim; strongSwan's kernel-libipsec checks every packet of it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/netns/netns-lib.sh"
. "$here/../interop/interop-lib.sh"
interop_setup "$1" "$2" "$3"
BACKEND=${4:-${HUBSEC_ESP_BACKEND:-soft}}
case "$BACKEND" in
  soft) hub_esp=(--esp-backend soft) ;;
  card) hub_esp=(--esp-backend card --esp-device sim) ;;
  *) fail "ESP_BACKEND must be soft or card, not '$BACKEND'" ;;
esac

hubsec_conf cisco responder | sed -e 's/^interface Tunnel0$/interface Tunnel1\n ip address 10.255.0.1 255.255.255.252/' \
  -e 's/ tunnel mode gre multipoint/ tunnel mode ipsec ipv4/' >"$WORK/hub.conf"
ip -n "$HS_NS_A" addr add 10.1.0.1/32 dev lo
ip -n "$HS_NS_B" addr add 10.2.0.1/32 dev lo
hs_charon_conf "$WORK/swan"
swan_conf cisco initiator | sed -e 's/local_ts = dynamic\[gre\]/local_ts = 10.2.0.0\/24/' \
  -e 's/remote_ts = dynamic\[gre\]/remote_ts = 10.1.0.0\/24/' >"$WORK/swan/swanctl/swanctl.conf"
grep -q "10.2.0.0/24" "$WORK/swan/swanctl/swanctl.conf" || fail "could not derive strongSwan's configuration"

ip netns exec "$HS_NS_A" tshark -q -i "$HS_VETH_A" -w "$WORK/outer.pcapng" >"$WORK/tshark-capture.log" 2>&1 &
hs_track_pid $!
CAPTURE_PID=$!
hs_wait 10 grep -q "Capturing on" "$WORK/tshark-capture.log" || fail "tshark did not start capturing"

hubsecd_start "$WORK/hub.conf" "${hub_esp[@]}"
grep -q "ESP backend $BACKEND" "$WORK/hubsecd.log" || fail "the hub is not on the $BACKEND backend: $(head -5 "$WORK/hubsecd.log")"
ip -n "$HS_NS_A" route add 10.2.0.0/24 dev Tunnel1 src 10.1.0.1
hs_charon_start "$HS_NS_B" "$WORK/swan"
swan --load-all >/dev/null
swan --initiate --child gre --timeout 15 >"$WORK/initiate.log" 2>&1 || fail "strongSwan could not establish"
hubsec_cmd show crypto ipsec sa >"$WORK/ipsec-sa-0.txt"
grep -q "local  ident (addr/mask/prot/port): (10.1.0.0/255.255.255.0/0/0)" "$WORK/ipsec-sa-0.txt" &&
  grep -q "remote ident (addr/mask/prot/port): (10.2.0.0/255.255.255.0/0/0)" "$WORK/ipsec-sa-0.txt" ||
  fail "hub Child SA selectors: $(cat "$WORK/ipsec-sa-0.txt")"
echo "PASS: strongSwan site up: tunnel mode in UDP 4500, selectors 10.1.0.0/24 === 10.2.0.0/24 ($BACKEND backend)"

ip netns exec "$HS_NS_B" ping -c 3 -i 0.2 -W 2 -w 6 -I 10.2.0.1 10.1.0.1 >"$WORK/ping.txt" ||
  fail "site -> hub LAN ping: $(cat "$WORK/ping.txt"); hub: $(hubsec_cmd show crypto ipsec sa | tail -3)"
echo "PASS: the strongSwan site pings the hub's LAN ($(grep -o '[0-9]* received' "$WORK/ping.txt"))"
hubsec_cmd show crypto ipsec sa >"$WORK/ipsec-sa.txt"
grep -q "#pkts decaps: [1-9]" "$WORK/ipsec-sa.txt" && grep -q "in use settings ={Tunnel UDP-Encaps, }" "$WORK/ipsec-sa.txt" ||
  fail "hub counters: $(cat "$WORK/ipsec-sa.txt")"
[ "$BACKEND" != card ] || grep -q "flow_id: HW" "$WORK/ipsec-sa.txt" ||
  fail "the hub's SA is not on the card (no flow_id HW): $(grep flow_id "$WORK/ipsec-sa.txt")"

sleep 0.5
kill "$CAPTURE_PID" 2>/dev/null || true
hs_wait 10 sh -c "! kill -0 $CAPTURE_PID 2>/dev/null" || true
esp=$(tshark -r "$WORK/outer.pcapng" -Y "esp" 2>/dev/null | wc -l)
clear=$(tshark -r "$WORK/outer.pcapng" -Y "icmp" 2>/dev/null | wc -l)
[ "$esp" -ge 6 ] || fail "only $esp ESP frames on the outer link"
[ "$clear" -eq 0 ] || fail "$clear clear ICMP frames on the outer link"
echo "PASS: $esp ESP-in-UDP frames on the outer link, no clear ICMP"
echo "ALL PASS (strongSwan tunnel-mode site through hubsecd's data path, $BACKEND backend)"
