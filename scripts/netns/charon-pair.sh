#!/bin/bash
# Proves the harness with strongSwan alone: charon in namespace A (responder, any peer) and charon
# in namespace B (initiator) establish IKE and a tunnel-mode Child SA with the seed's algorithms,
# B pings A's inner address through kernel-libipsec, and A's counters show the ESP arrived.
# Usage: scripts/netns/charon-pair.sh [WORKDIR]   (root; prints PASS or FAIL)
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root (network namespaces)"; exit 77; fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/netns-lib.sh"
work=${1:-$(mktemp -d /tmp/hs-charon-pair.XXXXXX)}
hs_init "$work"
trap hs_cleanup EXIT
hs_topology_up
# Inner prefixes live on lo (no dummy driver here).
ip -n "$HS_NS_A" addr add 10.1.0.1/32 dev lo
ip -n "$HS_NS_B" addr add 10.2.0.1/32 dev lo

hs_charon_conf "$work/a"
cat >"$work/a/swanctl/swanctl.conf" <<CONF
connections {
  hub {
    local_addrs = $HS_ADDR_A
    remote_addrs = %any
    proposals = aes256-sha256-modp2048
    mobike = no
    local { auth = psk
            id = $HS_ADDR_A }
    remote { auth = psk
             id = %any }
    children {
      net { local_ts = 10.1.0.1/32
            remote_ts = 10.2.0.1/32
            esp_proposals = aes256-sha1
            mode = tunnel }
    }
  }
}
secrets { ike-any { secret = "cisco" } }
CONF
hs_charon_conf "$work/b"
cat >"$work/b/swanctl/swanctl.conf" <<CONF
connections {
  spoke {
    local_addrs = $HS_ADDR_B
    remote_addrs = $HS_ADDR_A
    proposals = aes256-sha256-modp2048
    mobike = no
    local { auth = psk
            id = $HS_ADDR_B }
    remote { auth = psk
             id = $HS_ADDR_A }
    children {
      net { local_ts = 10.2.0.1/32
            remote_ts = 10.1.0.1/32
            esp_proposals = aes256-sha1
            mode = tunnel }
    }
  }
}
secrets { ike-hub { id = $HS_ADDR_A
                    secret = "cisco" } }
CONF
hs_charon_start "$HS_NS_A" "$work/a"
hs_charon_start "$HS_NS_B" "$work/b"
hs_swanctl "$work/a" --load-all >/dev/null
hs_swanctl "$work/b" --load-all >/dev/null
hs_swanctl "$work/b" --initiate --child net --timeout 10 >"$work/initiate.log"

fail() { echo "FAIL: $*"; exit 1; }
hs_swanctl "$work/a" --list-sas >"$work/a-sas.txt"
grep -q "ESTABLISHED" "$work/a-sas.txt" || fail "no IKE SA on the responder"
grep -q "INSTALLED, TUNNEL-in-UDP" "$work/a-sas.txt" || fail "no tunnel-mode ESP-in-UDP Child SA"
grep -q "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" "$work/a-sas.txt" || fail "IKE algorithms"
grep -q "AES_CBC-256/HMAC_SHA1_96" "$work/a-sas.txt" || fail "ESP algorithms"
ip netns exec "$HS_NS_B" ping -c 3 -i 0.2 -W 2 -I 10.2.0.1 10.1.0.1 >"$work/ping.txt" || fail "ping through the tunnel"
hs_swanctl "$work/a" --list-sas --raw >"$work/a-raw.txt"
grep -Eq "packets-in=[1-9]" "$work/a-raw.txt" || fail "responder counted no ESP packets"
echo "PASS: charon<->charon IKE SA + tunnel-mode Child SA, 3 pings through kernel-libipsec (work dir $work)"
