#!/usr/bin/env bash
# Latency through the gateway with the hub's ESP on the soft backend and on the Verilator card, in the
# same run: a hub (namespace A, 192.0.2.1, Tunnel0 10.0.0.1) and a spoke (B, 192.0.2.2, Tunnel0
# 10.0.0.2), both hubsecd with the seed's crypto (transport-mode ESP, AES-256-CBC + HMAC-SHA1-96,
# protecting GRE); the spoke is always on the soft backend. Each echo crosses the hub's backend twice
# (request decrypted, reply encrypted). The topology is set up afresh for each backend, alternating
# soft, card, soft, card... (ROUNDS each); per backend and payload size the ping's rtt min/avg/max of
# every round is printed, and for the card the card's own counters, which hubsecd logs when it stops
# (completions, cycles it was clocked: cycles / completions is the card's time per job).
#   bench/gateway_card_latency.sh BUILD_DIR [COUNT=30] [ROUNDS=2]   (one echo every 200 ms: the card
# model needs up to ~0.2 s for a 1,400-byte echo under load, closer pings would measure its queue)
# Root. Numbers: docs/benchmarks.md (Gateway: latency through the Verilator card).
set -euo pipefail
if [ "${1:-}" = --one ]; then  # one round on one backend: BUILD_DIR BACKEND COUNT
  build=$2 backend=$3 count=$4
  here=$(cd "$(dirname "$0")" && pwd)
  . "$here/../scripts/netns/netns-lib.sh"
  . "$here/../tests/host/interop/interop-lib.sh"
  . "$here/../tests/host/gateway/gateway-lib.sh"
  export HUBSEC_ESP_BACKEND=$backend
  gw_setup "$build/host/hubsecd" "$build/host/hubsec" "$(mktemp -d /tmp/hubsec-latency.XXXXXX)" \
    "$here/../host/examples/hub.conf"
  gw_start_hub
  gw_start_spoke
  gw_wait_up 20 || fail "no SA or no NHRP registration: $(tail -3 "$WORK/hubsecd.log")"
  gw_ping "$HS_NS_B" 10.0.0.1 5 0.1 "$WORK/warmup.txt" || true
  for size in 56 1372; do  # 1372 + 28 = ip mtu 1400
    ip netns exec "$HS_NS_B" ping -q -c "$count" -i 0.2 -s "$size" -W 2 10.0.0.1 >"$WORK/ping-$size.txt" 2>&1 || true
    printf "%-5s %5s B  %s of %s answered  rtt min/avg/max %s ms\n" "$backend" "$size" \
      "$(grep -o '[0-9]* received' "$WORK/ping-$size.txt" | cut -d' ' -f1)" "$count" \
      "$(grep -o 'rtt [^=]*= [0-9./]*' "$WORK/ping-$size.txt" | sed 's/.*= //' | cut -d/ -f1-3)"
  done
  kill -TERM "$HUBSECD_PID" 2>/dev/null || true
  hs_wait 10 sh -c "! kill -0 $HUBSECD_PID 2>/dev/null" || true
  grep -h "counters: " "$WORK/hubsecd.log" | sed 's/^[0-9:.]* hubsecd [a-z]*: /      /' || true
  rm -rf "$WORK"
  exit 0
fi
build=$(cd "${1:?usage: gateway_card_latency.sh BUILD_DIR [COUNT] [ROUNDS]}" && pwd)
count=${2:-30}
rounds=${3:-2}
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 77; }
echo "ping spoke -> hub tunnel address, $count echoes every 200 ms per size; hub ESP backend per line (spoke: soft)"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for r in $(seq "$rounds"); do
  for backend in soft card; do
    "$0" --one "$build" "$backend" "$count"
  done
done
