# Shared pieces of the hubsecd <-> strongSwan interop tests: configurations for both sides with the
# seed's algorithms (IKE aes256-sha256-modp2048, ESP aes256-sha1) in tunnel mode (kernel-libipsec
# does tunnel mode only) and GRE selectors between the two outer addresses, plus start/stop/query
# helpers. Sourced after scripts/netns/netns-lib.sh.

# hubsecd's configuration. $1 = the PSK, $2 = "initiator" to list strongSwan as a specific peer.
hubsec_conf() {
  local psk=$1 role=${2:-responder}
  cat <<CONF
crypto ikev2 proposal IKEV2-PROPOSAL
 encryption aes-cbc-256
 integrity sha256
 group 14
crypto ikev2 policy IKEV2-POLICY
 proposal IKEV2-PROPOSAL
crypto ikev2 keyring IKEV2-KEYRING
CONF
  if [ "$role" = initiator ]; then
    printf ' peer SWAN\n  address %s\n  pre-shared-key %s\n' "$HS_ADDR_B" "$psk"
  else
    printf ' peer ANY\n  address 0.0.0.0 0.0.0.0\n  pre-shared-key %s\n' "$psk"
  fi
  cat <<CONF
crypto ikev2 profile IKEV2-PROFILE
 match identity remote any
 identity local address $HS_ADDR_A
 authentication local pre-share
 authentication remote pre-share
 keyring local IKEV2-KEYRING
crypto ipsec transform-set IPSEC-TRANSFORM esp-aes 256 esp-sha-hmac
 mode tunnel
crypto ipsec profile DMVPN-IPSEC
 set ikev2-profile IKEV2-PROFILE
 set transform-set IPSEC-TRANSFORM
interface Tunnel0
 tunnel source $HS_ADDR_A
 tunnel mode gre multipoint
 tunnel protection ipsec profile DMVPN-IPSEC
CONF
}

# strongSwan's swanctl.conf in namespace B. $1 = PSK, $2 = initiator|responder.
swan_conf() {
  local psk=$1 role=$2 remote=$HS_ADDR_A
  [ "$role" = responder ] && remote=%any
  cat <<CONF
connections {
  hub {
    local_addrs = $HS_ADDR_B
    remote_addrs = $remote
    proposals = aes256-sha256-modp2048
    mobike = no
    rekey_time = 0
    local {
      auth = psk
      id = $HS_ADDR_B
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
    secret = "$psk"
  }
}
CONF
}

# The common start of every interop test: arguments, a fresh work dir, the two namespaces, cleanup.
#   interop_setup HUBSECD HUBSEC WORKDIR
interop_setup() {
  HUBSECD=$1
  HUBSEC=$2
  WORK=$3
  if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: needs root (network namespaces)"
    exit 77
  fi
  rm -rf "$WORK"
  mkdir -p "$WORK"
  export HS_INSTALL_ROUTES=no
  hs_init "$WORK"
  trap hs_cleanup EXIT
  trap 'echo "FAIL: unexpected error at line $LINENO: $BASH_COMMAND"' ERR
  hs_topology_up
  # With host-to-host selectors, kernel-libipsec routes the peer's address into its TUN device
  # (table 220), which would swallow strongSwan's own IKE and ESP-in-UDP: keep UDP on the main table.
  ip -n "$HS_NS_B" rule add priority 100 ipproto udp lookup main
}

fail() {
  echo "FAIL: $*"
  [ -n "${WORK:-}" ] && echo "(logs in $WORK)"
  exit 1
}

# Starts hubsecd in namespace A with the given configuration file; extra args follow.
hubsecd_start() {
  local conf=$1
  shift
  ip netns exec "$HS_NS_A" "$HUBSECD" -c "$conf" -s "$WORK/hubsecd.sock" --local "$HS_ADDR_A" \
    --keylog "$WORK/keys" "$@" >"$WORK/hubsecd.log" 2>&1 &
  hs_track_pid $!
  HUBSECD_PID=$!
  hs_wait 10 test -S "$WORK/hubsecd.sock" || { cat "$WORK/hubsecd.log"; fail "hubsecd did not start"; }
}

hubsec_cmd() {
  "$HUBSEC" -s "$WORK/hubsecd.sock" "$@"
}

swan() {
  hs_swanctl "$WORK/swan" "$@"
}

# Captures IKE and ESP-in-UDP on A's veth into $WORK/wire.pcapng.
capture_start() {
  ip netns exec "$HS_NS_A" tshark -q -i "$HS_VETH_A" -w "$WORK/wire.pcapng" -f "udp port 500 or udp port 4500" \
    >"$WORK/tshark-capture.log" 2>&1 &
  hs_track_pid $!
  CAPTURE_PID=$!
  hs_wait 10 grep -q "Capturing on" "$WORK/tshark-capture.log" || fail "tshark did not start capturing"
}

capture_stop() {
  sleep 0.5  # let the last datagrams reach the capture
  kill "$CAPTURE_PID" 2>/dev/null || true
  hs_wait 10 sh -c "! kill -0 $CAPTURE_PID 2>/dev/null" || true
}

# The IKE SA line of `swanctl --list-sas --raw` (one SA expected), and fields from it.
swan_raw() { swan --list-sas --raw 2>/dev/null; }
# Prints "in out" SPIs (hex, as swanctl prints them) of strongSwan's installed child SAs, one per line.
swan_child_spis() {
  swan_raw | grep -o 'state=INSTALLED [^}]*' | grep -o 'spi-in=[0-9a-f]* spi-out=[0-9a-f]*' |
    sed 's/spi-in=//; s/spi-out=//'
}
swan_ike_spis() {
  swan_raw | grep -o 'initiator-spi=[0-9a-f]* responder-spi=[0-9a-f]*' | sed 's/initiator-spi=//; s/responder-spi=//'
}

# The Child SAs in `hubsec show crypto ipsec sa` output (IOS layout) on stdin: one "IN OUT" line per
# Child SA, SPIs as 8-digit upper-case hex. Within a flow the n-th inbound and the n-th outbound SA
# are one Child SA (hubsecd lists both oldest first). No line: no Child SA.
ipsec_sa_pairs() {
  awk 'function pad(s) { sub(/^0x/, "", s); sub(/\(.*/, "", s); while (length(s) < 8) s = "0" s; return s }
       function flush(   i) { for (i = 1; i <= ni; i++) print ins[i], outs[i]; ni = 0; no = 0 }
       /^   protected vrf:/ { flush() }
       /^     inbound esp sas:/ { dir = "in"; next }
       /^     outbound esp sas:/ { dir = "out"; next }
       /^     (inbound|outbound) (ah|pcp) sas:/ { dir = "" }
       /^      spi: 0x/ { if (dir == "in") ins[++ni] = pad($2); else if (dir == "out") outs[++no] = pad($2) }
       END { flush() }'
}
