#!/bin/bash
# IKEv2 responder rate, hubsecd vs strongSwan's charon, in one run against the same load generator.
#
#   bench/ike_vs_strongswan.sh BUILD_DIR [COUNT=2000] [WINDOW=32] [GROUP=14|19|31]
#
# Namespace A (192.0.2.1) holds the responder: first hubsecd, then charon (same algorithms:
# aes256-sha256-modp2048, ESP aes256-sha1, tunnel mode, GRE selectors, PSK). Namespace B runs
# bench/ike_load from two addresses (192.0.2.2, 192.0.2.3: one thread each), COUNT handshakes with
# WINDOW outstanding per thread. Prints handshakes/s for each responder, the ratio, and the
# responder's RSS growth per established IKE SA (VmRSS after minus before / SAs it holds).
# Everything shares the machine's cores: the generator's own DH work is the same in both runs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../scripts/netns/netns-lib.sh"
. "$here/../tests/host/interop/interop-lib.sh"
BUILD=$(cd "$1" && pwd)
COUNT=${2:-2000}
WINDOW=${3:-32}
GROUP=${4:-14}
case $GROUP in
  14) SWAN_DH=modp2048 ;;
  19) SWAN_DH=ecp256 ;;
  31) SWAN_DH=curve25519 ;;
  *) echo "GROUP must be 14, 19 or 31" >&2; exit 2 ;;
esac
LOAD=$BUILD/bench/ike_load
WORK=$(mktemp -d /tmp/ike_vs_strongswan.XXXXXX)
interop_setup "$BUILD/host/hubsecd" "$BUILD/host/hubsec" "$WORK"
ip -n "$HS_NS_A" rule add priority 100 ipproto udp lookup main
ip -n "$HS_NS_B" addr add 192.0.2.3/24 dev "$HS_VETH_B"
LOCALS=192.0.2.2,192.0.2.3

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
run_load() {
  ip netns exec "$HS_NS_B" "$LOAD" --remote "$HS_ADDR_A" --local "$LOCALS" --count "$COUNT" \
    --window "$WINDOW" --group "$GROUP" --timeout 300 | tee "$WORK/load-$1.txt"
}
rate_of() { sed -n 's/.* -> \([0-9.]*\) handshakes\/s.*/\1/p' "$WORK/load-$1.txt"; }

# ---- (a) hubsecd ------------------------------------------------------------------------------
hubsec_conf cisco responder | sed "s/^ group 14\$/ group $GROUP/" >"$WORK/hub.conf"
hubsecd_start "$WORK/hub.conf"
sleep 0.5
before=$(rss_kb "$HUBSECD_PID")
echo "== hubsecd as responder (pid $HUBSECD_PID, RSS ${before} KiB)"
run_load hubsecd || echo "(some handshakes failed)"
after=$(rss_kb "$HUBSECD_PID")
hub_sas=$(hubsec_cmd show crypto ikev2 sa | grep -c READY || true)
echo "   hubsecd holds $hub_sas IKE SAs, RSS ${after} KiB: $(((after - before) * 1024 / (hub_sas > 0 ? hub_sas : 1))) bytes/SA"
kill "$HUBSECD_PID"
hs_wait 10 sh -c "! kill -0 $HUBSECD_PID 2>/dev/null" || kill -9 "$HUBSECD_PID" 2>/dev/null || true

# ---- (b) strongSwan's charon ------------------------------------------------------------------
# Quiet logging (the interop config logs at level 4), and no half-open limits: by default charon
# answers with COOKIEs beyond 10 half-open SAs and blocks a peer beyond 5 (block_threshold).
SW=$WORK/swan
hs_charon_conf "$SW"
cat >"$SW/strongswan.conf" <<CONF
charon {
  load = random nonce openssl aes sha1 sha2 hmac gmp curve25519 kdf kernel-libipsec kernel-netlink socket-default vici
  install_routes = no
  threads = 16
  ikesa_table_size = 4096
  ikesa_table_segments = 16
  cookie_threshold = 1000000
  block_threshold = 1000000
  init_limit_half_open = 0
  plugins {
    kernel-libipsec {
      allow_peer_ts = yes
    }
    vici {
      socket = unix://$SW/charon.vici
    }
  }
  filelog {
    charon {
      path = $SW/charon.log
      default = 0
    }
  }
}
CONF
cat >"$SW/swanctl/swanctl.conf" <<CONF
connections {
  hub {
    local_addrs = $HS_ADDR_A
    proposals = aes256-sha256-$SWAN_DH
    mobike = no
    rekey_time = 0
    local {
      auth = psk
      id = $HS_ADDR_A
    }
    remote {
      auth = psk
      id = %any
    }
    children {
      gre {
        local_ts = dynamic[gre]
        remote_ts = dynamic[gre]
        esp_proposals = aes256-sha1
        mode = tunnel
        rekey_time = 0
      }
    }
  }
}
secrets {
  ike-any {
    secret = "cisco"
  }
}
CONF
hs_charon_start "$HS_NS_A" "$SW"
CHARON_PID=${HS_PIDS##* }
hs_swanctl "$SW" --load-all >/dev/null
sleep 0.5
before=$(rss_kb "$CHARON_PID")
echo "== strongSwan charon $(hs_swanctl "$SW" --version 2>/dev/null | awk "{print \$NF}") as responder (pid $CHARON_PID, RSS ${before} KiB)"
run_load charon || echo "(some handshakes failed)"
after=$(rss_kb "$CHARON_PID")
swan_sas=$(hs_swanctl "$SW" --stats | sed -n 's/.*IKE_SAs: \([0-9]*\) total.*/\1/p')
echo "   charon holds $swan_sas IKE SAs, RSS ${after} KiB: $(((after - before) * 1024 / (${swan_sas:-0} > 0 ? swan_sas : 1))) bytes/SA"

hub=$(rate_of hubsecd)
swan=$(rate_of charon)
echo "== hubsecd $hub handshakes/s, charon $swan handshakes/s: ratio $(awk -v a="$hub" -v b="$swan" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}') (target >= 1.5)"
