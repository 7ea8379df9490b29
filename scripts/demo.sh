#!/usr/bin/env bash
# make demo: a DMVPN hub, three hubsec spokes (one behind a NAT) and a strongSwan site, each in its
# own network namespace, joined by a "WAN" bridge (192.0.2.0/24, documentation addresses).
#   - hub and spokes run hubsecd with the seed configuration (host/examples/hub.conf): IKEv2 sets up
#     transport-mode ESP between each spoke and the hub; GRE over that ESP carries Tunnel0
#     (10.0.0.0/24, TUN devices); the spokes register with the hub by NHRP.
#   - the hub's ESP runs on the Verilator card (hw/sim, --esp-device sim) by default, the spokes' on
#     the soft backend (OpenSSL); HUBSEC_ESP_BACKEND=soft puts the hub on soft too. The demo falls back
#     to soft (and says why) when the card model is not built; --check with card insists on it.
#   - spoke3 sits behind a NAT router (nftables masquerade): IKE detects the NAT and moves to UDP
#     4500; its ESP travels in UDP (RFC 3948) and the hub answers the NAT's address and port.
#   - a strongSwan site (charon, kernel-libipsec: tunnel mode, ESP in UDP) protects its LAN
#     10.2.0.0/24 towards the hub's LAN 10.1.0.0/24.
# We ping over every tunnel, print what the hub reports, check that the WAN carries only ESP, then
# tear everything down (also when something fails). Then the ESP engine demo (soft backend).
#   scripts/demo.sh BUILD_DIR [--check]
# --check: the same topology as a test (ctest interop.demo_topology): prints PASS/FAIL lines, exits
# 1 when a ping run or a wire check fails, 77 without root; unique namespace names.
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
check=no
[ "${2:-}" = "--check" ] && check=yes
here=$(cd "$(dirname "$0")" && pwd)
HUBSECD=$build/host/hubsecd
HUBSEC=$build/host/hubsec
SEED=$here/../host/examples/hub.conf
. "$here/netns/netns-lib.sh"
. "$here/netns/nat-lib.sh"
. "$here/engine-lib.sh"
hub_backend=${HUBSEC_ESP_BACKEND:-card}
case "$hub_backend" in
  soft) hub_esp=(--esp-backend soft) ;;
  card) if [ "$check" = yes ]; then hub_esp=(--esp-backend card --esp-device sim); else hub_esp=(--esp-backend auto --esp-device sim); fi ;;
  *) echo "HUBSEC_ESP_BACKEND must be soft or card, not '$hub_backend'" >&2; exit 2 ;;
esac
step() { printf '\n\033[1m== %s\033[0m\n' "$1"; shift; for line in "$@"; do echo "   $line"; done; }

if [ "$check" = yes ]; then p="hsd$(($$ % 100000))-"; else p=hsdemo-; fi
ns_wan=${p}wan ns_hub=${p}hub ns_s1=${p}spoke1 ns_s2=${p}spoke2 ns_nat=${p}nat ns_s3=${p}spoke3 ns_site=${p}site
all_ns="$ns_hub $ns_s1 $ns_s2 $ns_nat $ns_s3 $ns_site $ns_wan"
failures=0
fail_note() {
  failures=$((failures + 1))
  echo "FAIL: $*"
}
cleanup() {
  hs_cleanup  # our PIDs (hubsecd, charon, tshark), by PID
  local n
  for n in $all_ns; do ip netns del "$n" 2>/dev/null || true; done
}

gateway_demo() {
  local work t n addr
  work=$(mktemp -d /tmp/hubsec-demo.XXXXXX)
  trap cleanup EXIT
  trap 'echo "FAIL: unexpected error at line $LINENO: $BASH_COMMAND (logs in $work)"' ERR
  for n in $all_ns; do ip netns del "$n" 2>/dev/null || true; done  # leftovers of an interrupted run

  step "1. The network" \
    "WAN bridge 192.0.2.0/24: hub .1, spoke1 .11, spoke2 .12, NAT router .13, strongSwan site .21" \
    "behind the NAT (198.51.100.0/24, private): spoke3 198.51.100.2" \
    "LANs on loopback: hub 10.1.0.1 (10.1.0.0/24), strongSwan site 10.2.0.1 (10.2.0.0/24)"
  ip netns add "$ns_wan"
  ip -n "$ns_wan" link add wan type bridge
  ip -n "$ns_wan" link set wan up
  for pair in "hub 192.0.2.1" "spoke1 192.0.2.11" "spoke2 192.0.2.12" "nat 192.0.2.13" "site 192.0.2.21"; do
    read -r n addr <<<"$pair"
    ip netns add "$p$n"
    ip link add eth0 netns "$p$n" type veth peer name "p-$n" netns "$ns_wan"
    ip -n "$ns_wan" link set "p-$n" master wan up
    ip -n "$p$n" addr add "$addr/24" dev eth0
    ip -n "$p$n" link set eth0 up
    ip -n "$p$n" link set lo up
  done
  hs_nat_add "$ns_nat" eth0 "$ns_s3" random  # masquerade with random source ports
  ip -n "$ns_hub" addr add 10.1.0.1/32 dev lo
  ip -n "$ns_site" addr add 10.2.0.1/32 dev lo
  ip netns exec "$ns_hub" sysctl -qw net.ipv4.ip_forward=1  # the hub forwards spoke-to-spoke traffic

  step "2. Configurations" \
    "hub: the seed + Tunnel0 (mGRE, NHRP hub) + an IKEv2 profile for the strongSwan site (tunnel mode)" \
    "spokes: the seed pointed at the hub + Tunnel0 with 'ip nhrp nhs 10.0.0.1 nbma 192.0.2.1'"
  local tunnel0="interface Tunnel0\n ip address 10.0.0.1 255.255.255.0\n ip mtu 1400\n ip nhrp network-id 1\n ip nhrp map multicast dynamic\n tunnel source 192.0.2.1\n tunnel mode gre multipoint"
  {
    sed -n '1,/^interface Tunnel0$/p' "$SEED" | sed '$d'
    cat <<'CONF'
crypto ikev2 profile SITE-PROFILE
 match identity remote address 192.0.2.21 255.255.255.255
 identity local address 192.0.2.1
 authentication local pre-share
 authentication remote pre-share
 keyring local IKEV2-KEYRING
crypto ipsec transform-set SITE-TRANSFORM esp-aes 256 esp-sha-hmac
 mode tunnel
crypto ipsec profile SITE-IPSEC
 set ikev2-profile SITE-PROFILE
 set transform-set SITE-TRANSFORM
interface Tunnel1
 description strongSwan site: tunnel-mode SAs, selectors narrowed to the site's subnets
 tunnel source 192.0.2.1
 tunnel mode ipsec ipv4
 tunnel protection ipsec profile SITE-IPSEC
CONF
    sed -n '/^interface Tunnel0$/,$p' "$SEED" | sed -e "s/^interface Tunnel0$/$tunnel0/"
  } >"$work/hub.conf"
  local i local_addr
  for i in 1 2 3; do
    local_addr=192.0.2.1$i
    [ $i = 3 ] && local_addr=$HS_NAT_INSIDE_ADDR
    {
      [ $i = 3 ] && echo "crypto ikev2 nat keepalive 10"
      sed -e "s/  address 0.0.0.0 0.0.0.0/  address 192.0.2.1/" \
        -e "s/identity local address 1.1.1.1/identity local address $local_addr/" \
        -e "s/^interface Tunnel0$/interface Tunnel0\n ip address 10.0.0.1$i 255.255.255.0\n ip mtu 1400\n ip nhrp network-id 1\n ip nhrp nhs 10.0.0.1 nbma 192.0.2.1\n tunnel source $local_addr\n tunnel mode gre multipoint/" \
        "$SEED"
    } >"$work/spoke$i.conf"
  done
  "$HUBSEC" config check "$work/hub.conf" >/dev/null
  echo "   hub interfaces:"
  sed -n '/^interface Tunnel1$/,$p' "$work/hub.conf" | sed 's/^/      /'
  echo "   spoke3 (behind the NAT) Tunnel0:"
  sed -n '/^interface Tunnel0$/,$p' "$work/spoke3.conf" | sed 's/^/      /'
  hs_charon_conf "$work/swan"
  cat >"$work/swan/swanctl/swanctl.conf" <<CONF
connections {
  hub {
    local_addrs = 192.0.2.21
    remote_addrs = 192.0.2.1
    proposals = aes256-sha256-modp2048
    mobike = no
    local { auth = psk
            id = 192.0.2.21 }
    remote { auth = psk
             id = %any }
    children {
      lan {
        local_ts = 10.2.0.0/24
        remote_ts = 10.1.0.0/24
        esp_proposals = aes256-sha1
        mode = tunnel
      }
    }
  }
}
secrets {
  ike-hub { secret = "cisco" }
}
CONF

  step "3. Start everything" \
    "tshark records the WAN and the NAT's private side; hubsecd on the hub (ESP: $hub_backend backend" \
    "asked for), then on the spokes (ESP on the soft backend: OpenSSL), which initiate IKEv2; charon on" \
    "the strongSwan site initiates too."
  ip netns exec "$ns_wan" tshark -q -i wan -w "$work/wan.pcapng" >"$work/tshark-wan.log" 2>&1 &
  hs_track_pid $!
  local cap_wan=$!
  ip netns exec "$ns_nat" tshark -q -i lan0 -w "$work/natlan.pcapng" >"$work/tshark-nat.log" 2>&1 &
  hs_track_pid $!
  local cap_nat=$!
  hs_wait 15 grep -q "Capturing on" "$work/tshark-wan.log"
  hs_wait 15 grep -q "Capturing on" "$work/tshark-nat.log"
  ip netns exec "$ns_hub" "$HUBSECD" -c "$work/hub.conf" -s "$work/hub.sock" --local 192.0.2.1 "${hub_esp[@]}" \
    --keylog "$work/keys" >"$work/hub.log" 2>&1 &
  hs_track_pid $!
  local hub_pid=$!
  hs_wait 10 test -S "$work/hub.sock"  # the hub listens before the spokes call
  local hub_engine
  hub_engine=$(grep -o "ESP backend [^,]*" "$work/hub.log" | head -1 | sed 's/^ESP backend //')
  echo "   hub: ESP on ${hub_engine:-?}"
  case "$hub_engine" in
    card:sim*) echo "   (the Verilator card is a cycle-accurate simulation: each ping takes milliseconds through it, not microseconds)" ;;
    *) [ "$hub_backend" = card ] && echo "   (the card model is not available, the hub runs on the soft backend)" || true ;;
  esac
  ip -n "$ns_hub" route add 10.2.0.0/24 dev Tunnel0 src 10.1.0.1  # the site's LAN: into hubsecd's TUN
  for i in 1 2 3; do
    local ns=$ns_s1 addr=192.0.2.1$i
    [ $i = 2 ] && ns=$ns_s2
    [ $i = 3 ] && ns=$ns_s3 addr=$HS_NAT_INSIDE_ADDR
    ip netns exec "$ns" "$HUBSECD" -c "$work/spoke$i.conf" -s "$work/spoke$i.sock" --local "$addr" \
      --esp-backend soft >"$work/spoke$i.log" 2>&1 &
    hs_track_pid $!
  done
  hs_charon_start "$ns_site" "$work/swan"
  hs_swanctl "$work/swan" --load-all >"$work/swan-load.log" 2>&1
  hub() { "$HUBSEC" -s "$work/hub.sock" "$@"; }
  if hs_swanctl "$work/swan" --initiate --child lan --timeout 15 >"$work/swan-initiate.log" 2>&1; then
    echo "   strongSwan site: IKE SA and tunnel-mode Child SA up"
  else
    fail_note "strongSwan could not establish its SA (see $work/swan/charon.log)"
  fi
  # Each spoke registers its tunnel address with the hub (NHRP, inside the ESP).
  for t in $(seq 100); do
    hub show dmvpn 2>/dev/null | grep -q "NHRP Peers:3," && break
    sleep 0.2
  done
  echo "   the hub knows $(hub show dmvpn | grep -Ec ' UP ') spokes by NHRP registration"
  grep -h "NAT detected" "$work/spoke3.log" | sed 's/^[0-9:.]* hubsecd [a-z]*: //; s/^/   spoke3 log: /' | head -1 || true
  grep -h "transport mode through NAT" "$work/hub.log" | sed 's/^[0-9:.]* hubsecd [a-z]*: //; s/^/   hub log: /' | head -1 || true

  step "4. Pings through the tunnels" \
    "spokes <-> hub over Tunnel0 (GRE inside transport-mode ESP); spoke-to-spoke goes through the hub;" \
    "strongSwan site LAN <-> hub LAN (tunnel-mode ESP in UDP 4500)"
  local ok=0 total=0 crossings=0
  # ping_over NS WHAT HOPS PING_ARGS: HOPS = how often each answered echo passes the hub's ESP engine each
  # way (1: the hub is an end; 2: spoke to spoke, decrypted from one spoke and encrypted to the other,
  # request and reply alike). crossings sums answered echoes x HOPS: what the engine must have counted.
  ping_over() {
    local from=$1 what=$2 hops=$3 received
    shift 3
    total=$((total + 1))
    if ip netns exec "$from" ping -c 3 -i 0.2 -W 2 -w 6 "$@" >"$work/ping.txt" 2>&1; then
      ok=$((ok + 1))
      echo "   OK    $what: $(grep -o '[0-9]* received' "$work/ping.txt")"
      [ "$check" = yes ] && echo "PASS: ping $what" || true
    else
      echo "   FAIL  $what: $(grep -o '[0-9]* received' "$work/ping.txt" || echo no answer)"
      failures=$((failures + 1))
    fi
    received=$(grep -o '[0-9]* received' "$work/ping.txt" | cut -d' ' -f1 || true)
    crossings=$((crossings + ${received:-0} * hops))
  }
  ping_over "$ns_hub" "hub (10.0.0.1) -> spoke1 (10.0.0.11)" 1 10.0.0.11
  ping_over "$ns_hub" "hub (10.0.0.1) -> spoke2 (10.0.0.12)" 1 10.0.0.12
  ping_over "$ns_hub" "hub (10.0.0.1) -> spoke3 (10.0.0.13, behind the NAT)" 1 10.0.0.13
  ping_over "$ns_s1" "spoke1 -> hub" 1 10.0.0.1
  ping_over "$ns_s2" "spoke2 -> hub" 1 10.0.0.1
  ping_over "$ns_s3" "spoke3 (behind the NAT) -> hub" 1 10.0.0.1
  ping_over "$ns_s1" "spoke1 -> spoke2 (through the hub)" 2 10.0.0.12
  ping_over "$ns_s1" "spoke1 -> spoke3 (through the hub, to the NAT)" 2 10.0.0.13
  ping_over "$ns_site" "strongSwan site LAN (10.2.0.1) -> hub LAN (10.1.0.1)" 1 -I 10.2.0.1 10.1.0.1
  ping_over "$ns_hub" "hub LAN (10.1.0.1) -> strongSwan site LAN (10.2.0.1)" 1 -I 10.1.0.1 10.2.0.1

  step "5. hub# show dmvpn" "the spokes' tunnel addresses and where the hub reaches them (NBMA):" \
    "spoke3 registered its private address 198.51.100.2, the hub records the NAT's 192.0.2.13"
  hub show dmvpn
  step "6. hub# show crypto ikev2 sa" "one IKE SA per peer; spoke3 and the site talk from port 4500 (or a NAT port)"
  hub show crypto ikev2 sa
  step "7. hub# show crypto ipsec sa" "the Child SAs (ESP), with their selectors, peers, SPIs and packet counters"
  hub show crypto ipsec sa
  step "8. ESP engine counters (${hub_engine:-?}), per Child SA, from the hub's point of view" \
    "encaps = packets the engine encrypted towards the peer, decaps = packets it decrypted and verified"
  hub show crypto ipsec sa | awk '
    /current_peer/ { peer = $2 ":" $4 }
    /#pkts encaps:/ { gsub(",", ""); enc = $3 }
    /#pkts decaps:/ { gsub(",", ""); dec = $3 }
    /#send errors/ { gsub(",", ""); err = $3 + $6 }
    /in use settings/ && !seen[peer]++ { sub(/.*=\{/, ""); sub(/, \}.*/, ""); mode = $0
      printf "   %-22s %-22s encaps %6s  decaps %6s  errors %s\n", peer, mode, enc, dec, err + 0 }'
  hub show crypto ipsec sa detail | grep -E "^Data path drops:" | sed "s/^Data path drops:/   data path drops:/" || true
  hub show crypto ipsec sa | grep -o "flow_id: [A-Z]*" | sort | uniq -c | sed 's/^ */   SA halves by flow_id (HW = on the card, SW = soft): /'
  echo "   hub# show crypto engine accelerator statistic   (live from the running hubsecd: the engine's own counts,"
  echo "   and on a card its registers as the packet thread last read them)"
  hub show crypto engine accelerator statistic >"$work/engine.txt" 2>&1 || true
  sed 's/^/   /' "$work/engine.txt"
  if [ "$check" = yes ]; then
    local engine_enc engine_dec engine_jobs
    engine_enc=$(gw_engine_count "$work/engine.txt" encrypted)
    engine_dec=$(gw_engine_count "$work/engine.txt" decrypted)
    engine_jobs=$(gw_engine_count "$work/engine.txt" jobs_done)
    # Every answered echo crossed the hub's engine (twice each way spoke to spoke): at least $crossings
    # packets encrypted and as many decrypted (more: NHRP registrations, echoes whose answer was lost).
    if ! grep -q "^Device:   ${hub_engine%% *} " "$work/engine.txt"; then
      fail_note "show crypto engine accelerator statistic does not name ${hub_engine:-?}: $(head -3 "$work/engine.txt")"
    elif [ "$crossings" -eq 0 ] || [ "${engine_enc:-0}" -lt "$crossings" ] || [ "${engine_dec:-0}" -lt "$crossings" ]; then
      fail_note "the engine's live count shows ${engine_enc:-0} packets encrypted, ${engine_dec:-0} decrypted for $crossings answered echo crossings of the hub each way"
    elif [ "$hub_backend" = card ] && [ "${engine_jobs:-0}" -lt $((engine_enc + engine_dec)) ]; then
      fail_note "the card's JOBS_DONE register reads ${engine_jobs:-0} for $engine_enc + $engine_dec ESP jobs"
    else
      echo "PASS: the live engine show names ${hub_engine:-?}: $engine_enc packets encrypted, $engine_dec decrypted (>= $crossings answered echo crossings each way)${engine_jobs:+, card JOBS_DONE $engine_jobs}"
    fi
  fi

  step "9. What the wires carried (tshark)" "the WAN bridge and the NAT's private side: only ESP may carry the pings"
  sleep 0.3
  kill "$cap_wan" "$cap_nat" 2>/dev/null || true
  hs_wait 10 sh -c "! kill -0 $cap_wan 2>/dev/null && ! kill -0 $cap_nat 2>/dev/null" || true
  local esp esp_udp clear clear_nat decrypted
  count() { tshark -r "$1" -Y "$2" 2>/dev/null | wc -l; }
  esp=$(count "$work/wan.pcapng" esp)
  esp_udp=$(count "$work/wan.pcapng" "udp && esp")
  clear=$(count "$work/wan.pcapng" "gre or icmp")
  clear_nat=$(count "$work/natlan.pcapng" "gre or icmp or ip.proto == 50")
  tshark -r "$work/wan.pcapng" -Y esp 2>/dev/null | awk 'NR <= 4 || (/UDPENCAP|ESP/ && /192.0.2.1[3]/ && ++n <= 2)' |
    sed 's/^ *[0-9]* /   /' | head -6
  echo "   ..."
  # hubsecd --keylog (a debug option: it writes keys to files) lets tshark open the ESP.
  decrypted=$(WIRESHARK_CONFIG_DIR="$work/keys" tshark -r "$work/wan.pcapng" -o esp.enable_encryption_decode:TRUE \
    -o esp.enable_authentication_check:TRUE -Y "esp.icv_good == 1 && icmp" 2>/dev/null | wc -l)
  local inside
  inside=$(WIRESHARK_CONFIG_DIR="$work/keys" tshark -r "$work/wan.pcapng" -o esp.enable_encryption_decode:TRUE \
    -Y "ip.src == 192.0.2.13 && esp && icmp" -T fields -e frame.protocols 2>/dev/null | head -1)
  echo "   inside one packet from spoke3 (NAT'd), opened with the hub's logged keys: ${inside:-?}"
  inside=$(WIRESHARK_CONFIG_DIR="$work/keys" tshark -r "$work/wan.pcapng" -o esp.enable_encryption_decode:TRUE \
    -Y "ip.src == 192.0.2.21 && esp && icmp" -T fields -e frame.protocols 2>/dev/null | head -1)
  echo "   inside one packet from the strongSwan site:                             ${inside:-?}"
  echo "   WAN: $esp ESP packets ($esp_udp of them in UDP 4500), $clear clear GRE or ICMP packets"
  echo "   NAT's private side: $clear_nat clear GRE/ICMP or raw ESP packets (only ESP in UDP passes the NAT)"
  echo "   decrypted with the hub's logged keys: $decrypted ESP packets with a good ICV carry the pings' ICMP"
  if [ "$check" = yes ]; then
    [ "$clear" -eq 0 ] && [ "$clear_nat" -eq 0 ] && echo "PASS: no clear GRE/ICMP on the outer links" ||
      fail_note "clear GRE/ICMP on the outer links: WAN $clear, NAT side $clear_nat"
    [ "$esp_udp" -ge 30 ] && echo "PASS: $esp_udp ESP-in-UDP packets on the WAN (NAT'd spoke, strongSwan site)" ||
      fail_note "only $esp_udp ESP-in-UDP packets on the WAN"
    [ "$decrypted" -ge 60 ] && echo "PASS: tshark verified and decrypted $decrypted ESP packets to ICMP" ||
      fail_note "tshark decrypted only $decrypted ESP packets to ICMP"
  fi
  [ "$clear" -eq 0 ] && [ "$clear_nat" -eq 0 ] || failures=$((failures + 1))

  step "10. The card's own counters" "hubsecd reads the card's registers when it stops (SIGTERM: it deletes its SAs, then logs them)"
  kill -TERM "$hub_pid" 2>/dev/null || true
  hs_wait 10 sh -c "! kill -0 $hub_pid 2>/dev/null" || true
  if grep -q "counters: " "$work/hub.log"; then
    grep -h "counters: " "$work/hub.log" | sed 's/^[0-9:.]* hubsecd [a-z]*: /   /'
    [ "$check" = yes ] && echo "PASS: the hub's ESP ran on ${hub_engine:-?} and logged the card's counters" || true
  else
    echo "   (none: the hub ran on ${hub_engine:-?})"
    if [ "$check" = yes ] && [ "$hub_backend" = card ]; then fail_note "the hub on the card logged no card counters"; fi
  fi

  echo
  echo "Summary: $ok of $total ping runs answered through a hub on ${hub_engine:-?}; the WAN saw $esp ESP packets and $clear clear GRE/ICMP."
  echo "(logs and captures: $work)"
  cleanup
  trap - EXIT ERR
  [ "$failures" -eq 0 ] || { echo "FAIL: $failures check(s) failed"; return 1; }
  [ "$check" = yes ] && echo "ALL PASS (demo topology: hub on ${hub_engine:-?}, 3 spokes incl. one behind NAT, strongSwan site)"
  return 0
}

echo "== hubsec demo (build: $build) =="
if [ "$(id -u)" -ne 0 ]; then
  echo "The gateway demo needs root (network namespaces, TUN devices): run 'sudo make demo'."
  [ "$check" = yes ] && { echo "SKIP: needs root"; exit 77; }
elif [ ! -x "$HUBSECD" ]; then
  echo "hubsecd is not built in $build: the gateway demo is skipped."
  [ "$check" = yes ] && { echo "FAIL: no hubsecd in $build"; exit 1; }
else
  gateway_demo  # exits non-zero (after tearing everything down) when a check fails
  [ "$check" = yes ] && exit 0
fi
if [ "$check" = no ] && [ -x "$build/bench/esp_demo" ]; then
  step "The ESP engine alone: the soft backend protecting and checking real packets"
  "$build/bench/esp_demo"
  echo
  echo "More: ctest --test-dir $build -R soft_esp (unit tests, RFC known answers, scapy cross-checks);"
  echo "      $build/bench/esp_bench (throughput against raw OpenSSL, see docs/benchmarks.md)."
fi
