#!/usr/bin/env bash
# TCP throughput through the gateway data path, side by side with strongSwan's kernel-libipsec,
# between the same kind of network namespaces (two namespaces joined by a veth pair, 192.0.2.1/.2).
#   hubsec:   two hubsecd (soft ESP backend) as DMVPN hub and spoke, the seed's crypto (AES-256-CBC +
#             HMAC-SHA1-96, transport-mode ESP protecting GRE, raw protocol 50); iperf3 between the
#             Tunnel0 addresses (TUN devices, ip mtu 1400).
#   libipsec: two charons (kernel-libipsec: user-space ESP on a TUN device, tunnel mode, ESP in UDP
#             4500, the same AES-256-CBC + HMAC-SHA1-96); iperf3 between 10.2.0.1 and 10.1.0.1.
#   veth:     the bare link, for scale.
# Each run is iperf3 -t SECONDS (one TCP stream, client in B sending to the server in A); ROUNDS rounds
# alternate the two tunnels so background load hits both alike; the median of each is reported, and
# the CPU time (user + system, all threads) both tunnel daemons spent per GB moved, which depends
# less on what else the machine runs than Mbit/s does.
#   bench/gateway_iperf.sh BUILD_DIR [SECONDS=10] [ROUNDS=3] [IPERF3 EXTRA ARGS...]
# Root; needs iperf3 and strongSwan (scripts/install-deps.sh). Numbers: docs/benchmarks.md (Gateway).
# HUBSEC_NAT=1 puts the hubsec spoke behind an nftables NAT in a third namespace (ESP in UDP 4500,
# as libipsec always does; the NAT's forwarding costs are on top).
# HUBSEC_PERF=1 records `perf record -a -g` (whole machine) during the last hubsec run: WORK/perf-all.data.
set -euo pipefail
build=$(cd "${1:?usage: gateway_iperf.sh BUILD_DIR [SECONDS] [ROUNDS]}" && pwd)
secs=${2:-10}
rounds=${3:-3}
shift $(($# < 3 ? $# : 3))
extra=("$@")
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../scripts/netns/netns-lib.sh"
. "$here/../scripts/netns/nat-lib.sh"
SEED=$here/../host/examples/hub.conf
HUBSECD=$build/host/hubsecd
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
command -v iperf3 >/dev/null || { echo "iperf3 missing: scripts/install-deps.sh"; exit 1; }
[ -x "$HUBSECD" ] || { echo "no $HUBSECD"; exit 1; }
work=$(mktemp -d /tmp/hubsec-iperf.XXXXXX)
hs_init "$work"
trap hs_cleanup EXIT

# iperf3 server in A on $1, client in B to it (from $2 if given); prints "Mbit/s bytes" received.
iperf_run() {
  local server=$1 bind=${2:-} tag=$3
  ip netns exec "$HS_NS_A" iperf3 -s -1 -B "$server" >"$work/iperf-server-$tag.log" 2>&1 &
  local spid=$!
  hs_wait 5 sh -c "ip netns exec $HS_NS_A ss -ltn | grep -q ':5201'"
  local args=(-c "$server" -t "$secs" -J "${extra[@]}")
  [ -n "$bind" ] && args+=(-B "$bind")
  ip netns exec "${CLIENT_NS:-$HS_NS_B}" iperf3 "${args[@]}" >"$work/iperf-$tag.json" 2>"$work/iperf-$tag.err" || true
  kill $spid 2>/dev/null || true  # (a subshell: hs_cleanup does not know this PID)
  wait $spid 2>/dev/null || true
  python3 -c 'import json,sys
try:
    d = json.load(open(sys.argv[1]))
    r = d["end"]["sum_received"]
    print("%.0f %d" % (r["bits_per_second"] / 1e6, r["bytes"]))
except Exception:
    print("0 0")' "$work/iperf-$tag.json"
}

hubsec_up() {
  hs_topology_up
  sed -e "s/^interface Tunnel0$/interface Tunnel0\n ip address 10.0.0.1 255.255.255.0\n ip mtu 1400\n ip nhrp network-id 1\n ip nhrp map multicast dynamic\n tunnel source $HS_ADDR_A\n tunnel mode gre multipoint/" \
    "$SEED" >"$work/hub.conf"
  sed -e "s/  address 0.0.0.0 0.0.0.0/  address $HS_ADDR_A/" -e "s/identity local address 1.1.1.1/identity local address $HS_ADDR_B/" \
    -e "s/^interface Tunnel0$/interface Tunnel0\n ip address 10.0.0.2 255.255.255.0\n ip mtu 1400\n ip nhrp network-id 1\n ip nhrp nhs 10.0.0.1 nbma $HS_ADDR_A\n tunnel source $HS_ADDR_B\n tunnel mode gre multipoint/" \
    "$SEED" >"$work/spoke.conf"
  ip netns exec "$HS_NS_A" "$HUBSECD" -c "$work/hub.conf" -s "$work/hub.sock" --local "$HS_ADDR_A" \
    --esp-backend soft >"$work/hub.log" 2>&1 &
  hs_track_pid $!
  HUB_PID=$!
  hs_wait 10 test -S "$work/hub.sock"
  local spoke_ns=$HS_NS_B spoke_addr=$HS_ADDR_B
  if [ "${HUBSEC_NAT:-0}" = 1 ]; then
    spoke_ns=${HS_NS_A%a}c spoke_addr=$HS_NAT_INSIDE_ADDR
    hs_nat_add "$HS_NS_B" "$HS_VETH_B" "$spoke_ns" random
    sed -i "s/$HS_ADDR_B/$spoke_addr/" "$work/spoke.conf"
  fi
  CLIENT_NS=$spoke_ns
  ip netns exec "$spoke_ns" "$HUBSECD" -c "$work/spoke.conf" -s "$work/spoke.sock" --local "$spoke_addr" \
    --esp-backend soft >"$work/spoke.log" 2>&1 &
  hs_track_pid $!
  SPOKE_PID=$!
  hs_wait 15 sh -c "'$build/host/hubsec' -s '$work/hub.sock' show dmvpn | grep -q ' UP '" ||
    { echo "hubsec tunnel did not come up (logs in $work)"; exit 1; }
  ip netns exec "$spoke_ns" ping -c 2 -i 0.2 -W 2 10.0.0.1 >/dev/null
}

libipsec_up() {
  hs_topology_up
  ip -n "$HS_NS_A" addr add 10.1.0.1/32 dev lo
  ip -n "$HS_NS_B" addr add 10.2.0.1/32 dev lo
  local side conn local_addr remote_addr local_net remote_net
  for side in a b; do
    if [ $side = a ]; then
      conn=hub local_addr=$HS_ADDR_A remote_addr=%any local_net=10.1.0.1/32 remote_net=10.2.0.1/32
    else
      conn=spoke local_addr=$HS_ADDR_B remote_addr=$HS_ADDR_A local_net=10.2.0.1/32 remote_net=10.1.0.1/32
    fi
    rm -rf "$work/$side"
    hs_charon_conf "$work/$side"
    sed -i 's/      ike = 4/      ike = 1/; s/      chd = 4/      chd = 1/; s/      esp = 2/      esp = 1/' \
      "$work/$side/strongswan.conf"  # no per-packet logging in a benchmark
    cat >"$work/$side/swanctl/swanctl.conf" <<CONF
connections {
  $conn {
    local_addrs = $local_addr
    remote_addrs = $remote_addr
    proposals = aes256-sha256-modp2048
    mobike = no
    local { auth = psk
            id = $local_addr }
    remote { auth = psk
             id = %any }
    children {
      net { local_ts = $local_net
            remote_ts = $remote_net
            esp_proposals = aes256-sha1
            mode = tunnel }
    }
  }
}
secrets { ike-any { secret = "cisco" } }
CONF
    hs_charon_start "$([ $side = a ] && echo "$HS_NS_A" || echo "$HS_NS_B")" "$work/$side"
    hs_swanctl "$work/$side" --load-all >/dev/null
  done
  hs_swanctl "$work/b" --initiate --child net --timeout 10 >"$work/initiate.log"
  ip netns exec "$HS_NS_B" ping -c 2 -i 0.2 -W 2 -I 10.2.0.1 10.1.0.1 >/dev/null
}

down() {
  hs_cleanup
  ip netns del "${HS_NS_A%a}c" 2>/dev/null || true
  CLIENT_NS=
  sleep 0.3
}

# CPU time (user + system, all threads, in clock ticks) the given processes have used so far.
cpu_ticks() {
  local pid total=0
  for pid in "$@"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo $total
}
# CPU seconds per GB moved: ticks used, bytes.
cpu_per_gb() { awk -v t="$1" -v b="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN { if (b > 0) printf "%.2f", t / hz / (b / 1e9); else print "-" }'; }

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

echo "gateway_iperf: $rounds rounds of iperf3 -t $secs (one TCP stream B -> A) ${extra[*]:-}; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
hs=() ls=() hc=() lc=()
for r in $(seq "$rounds"); do
  hubsecd_pids=()
  hubsec_up
  perf_pids=()
  if [ "${HUBSEC_PERF:-0}" = 1 ] && [ "$r" = "$rounds" ]; then
    perf record -a -g -o "$work/perf-all.data" >/dev/null 2>&1 &
    perf_pids+=($!)
    sleep 0.5
  fi
  t0=$(cpu_ticks "$HUB_PID" "$SPOKE_PID")
  h0=$(cpu_ticks "$HUB_PID")
  read -r v bytes < <(iperf_run 10.0.0.1 "" "hubsec-$r")
  t1=$(cpu_ticks "$HUB_PID" "$SPOKE_PID")
  h1=$(cpu_ticks "$HUB_PID")
  for n in "$HS_NS_A" "$CLIENT_NS"; do  # where packets were dropped, if they were
    { ip -n "$n" -s link; cat "/proc/$([ "$n" = "$HS_NS_A" ] && echo "$HUB_PID" || echo "$SPOKE_PID")/net/raw"
      cat "/proc/$([ "$n" = "$HS_NS_A" ] && echo "$HUB_PID" || echo "$SPOKE_PID")/net/udp"
      ip netns exec "$n" nstat -az 2>/dev/null; } >"$work/drops-hubsec-$r-$n.txt" 2>&1 || true
  done
  for p in "${perf_pids[@]}"; do kill -INT "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  hs+=("$v")
  hc+=("$(cpu_per_gb $((t1 - t0)) "$bytes")")
  echo "  round $r hubsec   (GRE/transport ESP$([ "${HUBSEC_NAT:-0}" = 1 ] && echo " in UDP via NAT"), soft backend): $v Mbit/s, both hubsecd ${hc[-1]} CPU s/GB (receiving hub $(cpu_per_gb $((h1 - h0)) "$bytes"))"
  down
  # ESP in UDP: how many datagrams went per UDP GSO message and came per UDP_GRO buffer (hubsecd logs it
  # when it stops).
  for side in hub spoke; do
    grep -h "UDP 4500 on the packet thread" "$work/$side.log" 2>/dev/null | grep -v "received 0 datagrams" |
      sed "s/^.*info: /    $side: /" || true
  done
  libipsec_up
  charons=("$(cat "$work/a/run/charon.pid")" "$(cat "$work/b/run/charon.pid")")
  t0=$(cpu_ticks "${charons[@]}")
  read -r v bytes < <(iperf_run 10.1.0.1 10.2.0.1 "libipsec-$r")
  t1=$(cpu_ticks "${charons[@]}")
  ls+=("$v")
  lc+=("$(cpu_per_gb $((t1 - t0)) "$bytes")")
  echo "  round $r libipsec (tunnel ESP in UDP, kernel-libipsec): $v Mbit/s, both charon ${lc[-1]} CPU s/GB"
  down
done
hs_topology_up
read -r veth _ < <(secs=3 iperf_run "$HS_ADDR_A" "" veth)
down
h=$(median "${hs[@]}")
l=$(median "${ls[@]}")
hcm=$(median "${hc[@]}")
lcm=$(median "${lc[@]}")
cratio=$(awk -v h="$hcm" -v l="$lcm" 'BEGIN { if (h > 0) printf "%.1f", l / h; else print "-" }')
ratio=$(awk -v h="$h" -v l="$l" 'BEGIN { if (l > 0) printf "%.1f", h / l; else print "inf" }')
echo "RESULT hubsec ${h} Mbit/s (rounds: ${hs[*]}), libipsec ${l} Mbit/s (rounds: ${ls[*]}), ratio ${ratio}x (target >= 5x), bare veth ${veth} Mbit/s"
echo "RESULT CPU per GB (both tunnel daemons, user+system incl. the kernel work they trigger): hubsec ${hcm} s, libipsec ${lcm} s: hubsec needs ${cratio}x less CPU per byte"
echo "(work dir: $work)"
trap - EXIT
hs_cleanup
