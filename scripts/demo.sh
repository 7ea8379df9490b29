#!/usr/bin/env bash
# make demo: a DMVPN hub and two spokes, each a hubsecd in its own network namespace, joined by a
# "WAN" bridge. IKEv2 sets up transport-mode ESP between each spoke and the hub; GRE over that ESP
# carries the Tunnel0 traffic (10.0.0.0/24) through TUN devices. We ping over the tunnel, show what
# the routers report, check the wire carries only ESP, then tear everything down.
# Then the ESP engine demo (the soft backend on real packets).
#   scripts/demo.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
HUBSECD=$build/host/hubsecd
HUBSEC=$build/host/hubsec
SEED=$here/../host/examples/hub.conf
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

ns_hub=hsdemo-hub ns_s1=hsdemo-spoke1 ns_s2=hsdemo-spoke2 ns_wan=hsdemo-wan
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 0.5
    for n in $ns_hub $ns_s1 $ns_s2 $ns_wan; do ip netns del "$n" 2>/dev/null || true; done
}

gateway_demo() {
  local work t
  work=$(mktemp -d /tmp/hubsec-demo.XXXXXX)
  trap cleanup EXIT

  step "1. The network: a WAN bridge (192.0.2.0/24) with the hub (.1) and two spokes (.11, .12)"
  ip netns add $ns_wan
  ip -n $ns_wan link add wan type bridge
  ip -n $ns_wan link set wan up
  local n addr
  for pair in "$ns_hub 192.0.2.1" "$ns_s1 192.0.2.11" "$ns_s2 192.0.2.12"; do
    read -r n addr <<<"$pair"
    ip netns add "$n"
    ip link add eth0 netns "$n" type veth peer name "p-${n#hsdemo-}" netns $ns_wan
    ip -n $ns_wan link set "p-${n#hsdemo-}" master wan up
    ip -n "$n" addr add "$addr/24" dev eth0
    ip -n "$n" link set eth0 up
    ip -n "$n" link set lo up
  done
  ip netns exec $ns_hub sysctl -qw net.ipv4.ip_forward=1  # the hub forwards spoke-to-spoke traffic

  step "2. Configurations: the seed (host/examples/hub.conf) plus a Tunnel0 for each router"
  sed -e "s/^interface Tunnel0$/interface Tunnel0\n ip address 10.0.0.1 255.255.255.0\n ip mtu 1400\n ip nhrp network-id 1\n ip nhrp map multicast dynamic\n tunnel source 192.0.2.1\n tunnel mode gre multipoint/" \
    "$SEED" >"$work/hub.conf"
  local i
  for i in 1 2; do
    sed -e "s/  address 0.0.0.0 0.0.0.0/  address 192.0.2.1/" -e "s/identity local address 1.1.1.1/identity local address 192.0.2.1$i/" \
      -e "s/^interface Tunnel0$/interface Tunnel0\n ip address 10.0.0.1$i 255.255.255.0\n ip mtu 1400\n ip nhrp network-id 1\n ip nhrp nhs 10.0.0.1 nbma 192.0.2.1\n tunnel source 192.0.2.1$i\n tunnel mode gre multipoint/" \
      "$SEED" >"$work/spoke$i.conf"
  done
  echo "hub Tunnel0:"; sed -n '/^interface Tunnel0/,$p' "$work/hub.conf" | sed 's/^/    /'
  echo "spoke1 Tunnel0:"; sed -n '/^interface Tunnel0/,$p' "$work/spoke1.conf" | sed 's/^/    /'

  step "3. Start hubsecd on the hub and the spokes (ESP on the soft backend); the spokes initiate IKEv2"
  ip netns exec $ns_wan tshark -q -i wan -w "$work/wan.pcapng" >"$work/tshark.log" 2>&1 &
  pids+=($!)
  for t in $(seq 50); do grep -q "Capturing on" "$work/tshark.log" && break; sleep 0.2; done
  ip netns exec $ns_hub "$HUBSECD" -c "$work/hub.conf" -s "$work/hub.sock" --esp-backend soft >"$work/hub.log" 2>&1 &
  pids+=($!)
  for t in $(seq 50); do [ -S "$work/hub.sock" ] && break; sleep 0.1; done  # the hub listens before spokes call
  for i in 1 2; do
    ip netns exec hsdemo-spoke$i "$HUBSECD" -c "$work/spoke$i.conf" -s "$work/spoke$i.sock" --esp-backend soft \
      >"$work/spoke$i.log" 2>&1 &
    pids+=($!)
  done
  hub() { "$HUBSEC" -s "$work/hub.sock" "$@"; }
  for t in $(seq 50); do
    [ "$(hub show crypto ipsec sa 2>/dev/null | grep -c '  IKE SA')" -ge 2 ] && break
    sleep 0.2
  done
  echo "hub has $(hub show crypto ipsec sa | grep -c '  IKE SA') Child SAs (logs in $work)"
  # Each spoke then registers its tunnel address with the hub (NHRP, inside the ESP).
  for t in $(seq 50); do
    hub show dmvpn 2>/dev/null | grep -q "NHRP Peers:2," && break
    sleep 0.2
  done
  echo "hub knows $(hub show dmvpn | grep -Ec ' UP ') spokes by NHRP registration"

  step "4. Pings over the tunnel (GRE inside ESP on the wire); the hub finds the spokes through NHRP"
  local ok=0 total=0
  ping_over() {
    local from=$1 to=$2 what=$3
    total=$((total + 1))
    if ip netns exec "$from" ping -c 3 -i 0.2 -W 2 "$to" >"$work/ping.txt" 2>&1; then
      ok=$((ok + 1))
      echo "  OK    $what: $(grep -o '[0-9]* received' "$work/ping.txt")"
    else
      echo "  FAIL  $what: $(grep -o '[0-9]* received' "$work/ping.txt" || echo no answer)"
    fi
  }
  ping_over $ns_hub 10.0.0.11 "hub (10.0.0.1) -> spoke1 (10.0.0.11)"
  ping_over $ns_hub 10.0.0.12 "hub (10.0.0.1) -> spoke2 (10.0.0.12)"
  ping_over $ns_s1 10.0.0.1 "spoke1 -> hub"
  ping_over $ns_s2 10.0.0.1 "spoke2 -> hub"
  ping_over $ns_s1 10.0.0.12 "spoke1 -> spoke2 (through the hub)"

  step "5. hub# show dmvpn"
  hub show dmvpn
  step "6. hub# show crypto ikev2 sa"
  hub show crypto ikev2 sa
  step "7. hub# show crypto ipsec sa"
  hub show crypto ipsec sa
  step "8. What the WAN carried (tshark on the bridge)"
  sleep 0.3
  kill "${pids[0]}" 2>/dev/null || true
  sleep 0.3
  local esp clear
  esp=$(tshark -r "$work/wan.pcapng" -Y esp 2>/dev/null | wc -l)
  clear=$(tshark -r "$work/wan.pcapng" -Y 'gre or icmp' 2>/dev/null | wc -l)
  tshark -r "$work/wan.pcapng" -Y esp 2>/dev/null | head -4 | sed 's/^/    /'
  echo "    ..."
  echo "  ESP packets: $esp; clear GRE or ICMP packets: $clear"
  echo
  echo "Summary: $ok of $total ping runs answered; the WAN saw ${esp} ESP packets and ${clear} clear GRE/ICMP."
  cleanup
  trap - EXIT
}

echo "== hubsec demo (build: $build) =="
if [ "$(id -u)" -ne 0 ]; then
  echo "The gateway demo needs root (network namespaces, TUN devices): run 'sudo make demo'."
elif [ ! -x "$HUBSECD" ]; then
  echo "hubsecd is not built in $build: the gateway demo is skipped."
else
  gateway_demo
fi
if [ -x "$build/bench/esp_demo" ]; then
  step "The ESP engine alone: the soft backend protecting and checking real packets"
  "$build/bench/esp_demo"
  echo
  echo "More: ctest --test-dir $build -R soft_esp (unit tests, RFC known answers, scapy cross-checks);"
  echo "      $build/bench/esp_bench (throughput against raw OpenSSL, see docs/benchmarks.md)."
fi
