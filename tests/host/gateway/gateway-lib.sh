# Shared pieces of the DMVPN robustness tests (spoke restart, DPD, injected ESP, lossy link, volume
# lifetime): a hub (namespace A, 192.0.2.1, Tunnel0 10.0.0.1) and a spoke (namespace B, 192.0.2.2,
# Tunnel0 10.0.0.2), both hubsecd with the seed's crypto, as hub_spoke_ping.sh sets them up.
# Sourced after scripts/netns/netns-lib.sh and tests/host/interop/interop-lib.sh.
#
#   gw_setup HUBSECD HUBSEC WORKDIR SEED   root check (77), namespaces, cleanup trap, $WORK/{hub,spoke}.conf
#   gw_profile_line LINE                   adds LINE to the IKEv2 profile of both configurations
#   gw_ipsec_profile_line LINE             adds LINE to the IPsec profile of both configurations
#   gw_start_hub [ARGS]                    hubsecd in A (key log in $WORK/keys); its ESP on the backend
#                                          $HUBSEC_ESP_BACKEND names: soft (default) or card (the Verilator
#                                          card, --esp-device sim); the spoke is always soft
#   gw_start_spoke [ARGS]                  hubsecd in B; $SPOKE_PID
#   gw_wait_up TIMEOUT                     Child SA on both sides and the spoke registered by NHRP
#   hub ARGS / spoke ARGS                  the hubsec CLI against each daemon
#   gw_ping NS DST COUNT INTERVAL FILE     ping over Tunnel0, output in FILE; status of ping
#   gw_capture_start / gw_capture_no_clear tshark on the hub's outer veth from before the first packet;
#                                          at the end: fails on any clear GRE, NHRP or ICMP, prints the ESP count

gw_setup() {
  SEED=$4
  interop_setup "$1" "$2" "$3"
  ip -n "$HS_NS_B" rule del priority 100 ipproto udp lookup main 2>/dev/null || true
  sed -e "s/^interface Tunnel0$/interface Tunnel0\n ip address 10.0.0.1 255.255.255.0\n ip mtu 1400\n ip nhrp network-id 1\n ip nhrp map multicast dynamic\n tunnel source $HS_ADDR_A\n tunnel mode gre multipoint/" \
    "$SEED" >"$WORK/hub.conf"
  sed -e "s/  address 0.0.0.0 0.0.0.0/  address $HS_ADDR_A/" -e "s/identity local address 1.1.1.1/identity local address $HS_ADDR_B/" \
    -e "s/^interface Tunnel0$/interface Tunnel0\n ip address 10.0.0.2 255.255.255.0\n ip mtu 1400\n ip nhrp network-id 1\n ip nhrp nhs 10.0.0.1 nbma $HS_ADDR_A\n tunnel source $HS_ADDR_B\n tunnel mode gre multipoint/" \
    "$SEED" >"$WORK/spoke.conf"
  grep -q "ip nhrp nhs" "$WORK/spoke.conf" || fail "could not derive the spoke configuration"
  export HUBSEC WORK
  export -f hub spoke ipsec_sa_pairs
}

hub() { "$HUBSEC" -s "$WORK/hubsecd.sock" "$@"; }
spoke() { "$HUBSEC" -s "$WORK/spoke.sock" "$@"; }

gw_profile_line() {
  sed -i "s/^crypto ikev2 profile \(.*\)$/crypto ikev2 profile \1\n $1/" "$WORK/hub.conf" "$WORK/spoke.conf"
}

gw_ipsec_profile_line() {
  sed -i "s/^crypto ipsec profile \(.*\)$/crypto ipsec profile \1\n $1/" "$WORK/hub.conf" "$WORK/spoke.conf"
}

gw_start_hub() {
  local esp=(--esp-backend soft)
  case "${HUBSEC_ESP_BACKEND:-soft}" in
    soft) ;;
    card) esp=(--esp-backend card --esp-device sim) ;;
    *) fail "HUBSEC_ESP_BACKEND must be soft or card, not '$HUBSEC_ESP_BACKEND'" ;;
  esac
  hubsecd_start "$WORK/hub.conf" "${esp[@]}" "$@"
}

gw_start_spoke() {
  rm -f "$WORK/spoke.sock"
  ip netns exec "$HS_NS_B" "$HUBSECD" -c "$WORK/spoke.conf" -s "$WORK/spoke.sock" --local "$HS_ADDR_B" \
    --esp-backend soft "$@" >>"$WORK/spoke.log" 2>&1 &
  SPOKE_PID=$!
  hs_track_pid "$SPOKE_PID"
  hs_wait 10 test -S "$WORK/spoke.sock" || fail "the spoke's hubsecd did not start: $(tail -5 "$WORK/spoke.log")"
}

gw_wait_up() {
  hs_wait "$1" bash -c "hub show crypto ipsec sa | grep -q 'inbound esp sas' && spoke show crypto ipsec sa | grep -q 'inbound esp sas' && hub show dmvpn | grep -Eq '$HS_ADDR_B +10.0.0.2 +UP'"
}

gw_ping() {
  ip netns exec "$1" ping -c "$3" -i "$4" -W 2 "$2" >"$5" 2>&1
}

# Prints "received of sent" of a ping output file.
gw_ping_result() {
  grep -o '[0-9]* packets transmitted, [0-9]* received' "$1" | awk '{print $4 " of " $1}'
}

gw_capture_start() {
  ip netns exec "$HS_NS_A" tshark -q -i "$HS_VETH_A" -w "$WORK/outer.pcapng" >"$WORK/tshark-capture.log" 2>&1 &
  hs_track_pid $!
  GW_CAPTURE_PID=$!
  hs_wait 10 grep -q "Capturing on" "$WORK/tshark-capture.log" || fail "tshark did not start capturing"
}

gw_capture_no_clear() {
  sleep 0.5
  kill "$GW_CAPTURE_PID" 2>/dev/null || true
  hs_wait 10 sh -c "! kill -0 $GW_CAPTURE_PID 2>/dev/null" || true
  local esp clear
  esp=$(tshark -r "$WORK/outer.pcapng" -Y esp 2>/dev/null | wc -l)
  clear=$(tshark -r "$WORK/outer.pcapng" -Y "gre or nhrp or icmp" 2>/dev/null | wc -l)
  [ "$esp" -gt 0 ] || fail "no ESP on the outer link"
  [ "$clear" -eq 0 ] || fail "$clear clear GRE/NHRP/ICMP frames on the outer link: $(tshark -r "$WORK/outer.pcapng" -Y 'gre or nhrp or icmp' 2>/dev/null | head -3)"
  echo "PASS: the outer link carried $esp ESP frames and no clear GRE, NHRP or ICMP, all along"
}
