# Shared pieces of the DMVPN robustness tests (spoke restart, DPD, injected ESP, lossy link, volume
# lifetime): a hub (namespace A, 192.0.2.1, Tunnel0 10.0.0.1) and a spoke (namespace B, 192.0.2.2,
# Tunnel0 10.0.0.2), both hubsecd with the seed's crypto, as hub_spoke_ping.sh sets them up.
# Sourced after scripts/netns/netns-lib.sh and tests/host/interop/interop-lib.sh; brings nat-lib.sh.
#
#   gw_setup HUBSECD HUBSEC WORKDIR SEED [PLACE]
#                                          root check (77), namespaces, cleanup trap, $WORK/{hub,spoke}.conf.
#                                          PLACE: where the spoke lives: `direct` (default: namespace B,
#                                          $HS_ADDR_B) or `nat` (a third namespace behind an nftables NAT
#                                          in B, masquerade with random ports: address $HS_NAT_INSIDE_ADDR,
#                                          seen by the hub at $HS_ADDR_B). Sets $GW_SPOKE_NS, $GW_SPOKE_ADDR
#   gw_profile_line LINE                   adds LINE to the IKEv2 profile of both configurations
#   gw_ipsec_profile_line LINE             adds LINE to the IPsec profile of both configurations
#   gw_start_hub [ARGS]                    hubsecd in A (key log in $WORK/keys); its ESP on the backend
#                                          $HUBSEC_ESP_BACKEND names: soft (default) or card (the Verilator
#                                          card, --esp-device sim); the spoke is always soft
#   gw_start_spoke [ARGS]                  hubsecd in $GW_SPOKE_NS at $GW_SPOKE_ADDR; $SPOKE_PID
#   gw_wait_up TIMEOUT                     Child SA on both sides and the spoke registered by NHRP
#   hub ARGS / spoke ARGS                  the hubsec CLI against each daemon
#   gw_ping NS DST COUNT INTERVAL FILE     ping over Tunnel0, output in FILE; fails unless echoes 1..COUNT
#                                          were all answered (a late answer is waited for)
#   gw_capture_start [NS IF] / gw_capture_no_clear
#                                          tshark on the hub's outer veth (or IF in NS) into $WORK/outer.pcapng
#                                          from before the first packet; at the end: fails on any clear GRE,
#                                          NHRP or ICMP, prints the ESP count
#   gw_engine_show FILE                    the hub's `show crypto engine accelerator statistic` into FILE
#   gw_engine_count FILE WHAT              a number from it: encrypted, decrypted, jobs_done (card), cycles (card)
#                                          (scripts/engine-lib.sh, shared with the demo)

. "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns/nat-lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/engine-lib.sh"

gw_setup() {
  SEED=$4
  interop_setup "$1" "$2" "$3"
  ip -n "$HS_NS_B" rule del priority 100 ipproto udp lookup main 2>/dev/null || true
  case "${5:-direct}" in
    direct)
      GW_SPOKE_NS=$HS_NS_B
      GW_SPOKE_ADDR=$HS_ADDR_B
      ;;
    nat)
      # B becomes the NAT router: A <-> B is the "Internet", the spoke sits behind B.
      GW_SPOKE_NS="${HS_NS_A%a}c"
      GW_SPOKE_ADDR=$HS_NAT_INSIDE_ADDR
      trap gw_cleanup EXIT
      hs_nat_add "$HS_NS_B" "$HS_VETH_B" "$GW_SPOKE_NS" random
      ip netns exec "$GW_SPOKE_NS" ping -c 1 -W 2 "$HS_ADDR_A" >/dev/null || fail "the spoke cannot reach the hub through the NAT"
      ;;
    *) fail "gw_setup: the spoke's place is direct or nat, not '$5'" ;;
  esac
  sed -e "s/^interface Tunnel0$/interface Tunnel0\n ip address 10.0.0.1 255.255.255.0\n ip mtu 1400\n ip nhrp network-id 1\n ip nhrp map multicast dynamic\n tunnel source $HS_ADDR_A\n tunnel mode gre multipoint/" \
    "$SEED" >"$WORK/hub.conf"
  sed -e "s/  address 0.0.0.0 0.0.0.0/  address $HS_ADDR_A/" -e "s/identity local address 1.1.1.1/identity local address $GW_SPOKE_ADDR/" \
    -e "s/^interface Tunnel0$/interface Tunnel0\n ip address 10.0.0.2 255.255.255.0\n ip mtu 1400\n ip nhrp network-id 1\n ip nhrp nhs 10.0.0.1 nbma $HS_ADDR_A\n tunnel source $GW_SPOKE_ADDR\n tunnel mode gre multipoint/" \
    "$SEED" >"$WORK/spoke.conf"
  grep -q "ip nhrp nhs" "$WORK/spoke.conf" || fail "could not derive the spoke configuration"
  export HUBSEC WORK
  export -f hub spoke ipsec_sa_pairs
}

gw_cleanup() {
  hs_cleanup
  [ "$GW_SPOKE_NS" = "$HS_NS_B" ] || ip netns del "$GW_SPOKE_NS" 2>/dev/null || true
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
  ip netns exec "$GW_SPOKE_NS" "$HUBSECD" -c "$WORK/spoke.conf" -s "$WORK/spoke.sock" --local "$GW_SPOKE_ADDR" \
    --esp-backend soft "$@" >>"$WORK/spoke.log" 2>&1 &
  SPOKE_PID=$!
  hs_track_pid "$SPOKE_PID"
  hs_wait 10 test -S "$WORK/spoke.sock" || fail "the spoke's hubsecd did not start: $(tail -5 "$WORK/spoke.log")"
}

gw_wait_up() {
  hs_wait "$1" bash -c "hub show crypto ipsec sa | grep -q 'inbound esp sas' && spoke show crypto ipsec sa | grep -q 'inbound esp sas' && hub show dmvpn | grep -Eq '$HS_ADDR_B +10.0.0.2 +UP'"
}

# With replies coming back, ping waits only twice the largest round trip for the last one before counting
# it lost, and the Verilator card's round trip varies from 10 to 200 ms (esp_injection.card lost the last of
# 5 echoes in 1 of 3 runs). With a deadline (-w) ping waits for COUNT replies, but sends on while one is
# late, and counts those extra echoes still out at the end as lost: so the verdict is whether each of the
# echoes 1..COUNT was answered (the card answers in order), not ping's loss figure.
gw_ping() {
  local deadline k
  deadline=$(awk -v c="$3" -v i="$4" 'BEGIN { print int(c * i) + 5 }')
  ip netns exec "$1" ping -c "$3" -i "$4" -W 2 -w "$deadline" "$2" >"$5" 2>&1 || true
  for k in $(seq 1 "$3"); do
    grep -q "icmp_seq=$k ttl=" "$5" || return 1
  done
}

# Prints "received of sent" of a ping output file.
gw_ping_result() {
  grep -o '[0-9]* packets transmitted, [0-9]* received' "$1" | awk '{print $4 " of " $1}'
}

gw_capture_start() {
  ip netns exec "${1:-$HS_NS_A}" tshark -q -i "${2:-$HS_VETH_A}" -w "$WORK/outer.pcapng" >"$WORK/tshark-capture.log" 2>&1 &
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

gw_engine_show() {
  hub show crypto engine accelerator statistic >"$1" 2>&1 || fail "show crypto engine accelerator statistic: $(cat "$1")"
}
