# Shell helpers for interop tests: two network namespaces joined by a veth pair, and strongSwan's
# charon inside a namespace with its own strongswan.conf and its own /run. Source this file, call
# hs_init, register `trap hs_cleanup EXIT`, then use the functions below.
#
#   hs_init WORKDIR          names and addresses (unique per process, so tests can run in parallel)
#   hs_topology_up           creates $HS_NS_A (192.0.2.1) and $HS_NS_B (192.0.2.2) joined by veth
#   hs_charon_conf DIR       writes DIR/strongswan.conf (kernel-libipsec, vici at DIR/charon.vici,
#                            routes into ipsec0 unless HS_INSTALL_ROUTES=no,
#                            log DIR/charon.log at ike/chd level 4 so keys can be checked)
#   hs_charon_start NS DIR   starts charon in NS with DIR's strongswan.conf and DIR/run as /run
#   hs_swanctl DIR ARGS...   swanctl with SWANCTL_DIR=DIR/swanctl against that charon
#   hs_track_pid PID         kill PID in hs_cleanup (for processes the caller starts itself)
#   hs_wait TIMEOUT CMD...   retries CMD every 0.1 s until it succeeds or TIMEOUT seconds pass
#   hs_cleanup               kills the tracked processes (by PID) and deletes the namespaces
#
# Why each detail is as it is: scripts/netns/README.md.

HS_PIDS=""

hs_init() {
  HS_WORK=$1
  mkdir -p "$HS_WORK"
  local tag
  tag=$(printf '%05d' $(($$ % 100000)))
  HS_NS_A="hs${tag}a"
  HS_NS_B="hs${tag}b"
  HS_VETH_A="hsv${tag}a"
  HS_VETH_B="hsv${tag}b"
  HS_ADDR_A=192.0.2.1
  HS_ADDR_B=192.0.2.2
}

hs_topology_up() {
  ip netns add "$HS_NS_A"
  ip netns add "$HS_NS_B"
  ip link add "$HS_VETH_A" type veth peer name "$HS_VETH_B"
  ip link set "$HS_VETH_A" netns "$HS_NS_A"
  ip link set "$HS_VETH_B" netns "$HS_NS_B"
  ip -n "$HS_NS_A" addr add "$HS_ADDR_A/24" dev "$HS_VETH_A"
  ip -n "$HS_NS_B" addr add "$HS_ADDR_B/24" dev "$HS_VETH_B"
  ip -n "$HS_NS_A" link set lo up
  ip -n "$HS_NS_B" link set lo up
  ip -n "$HS_NS_A" link set "$HS_VETH_A" up
  ip -n "$HS_NS_B" link set "$HS_VETH_B" up
}

hs_charon_conf() {
  local dir=$1
  mkdir -p "$dir/run" "$dir/swanctl/conf.d"
  # swanctl --load-all complains about each credential folder that is missing.
  local sub
  for sub in x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
    mkdir -p "$dir/swanctl/$sub"
  done
  cat >"$dir/strongswan.conf" <<CONF
charon {
  # kernel-libipsec (user-space ESP on a TUN device) must come before kernel-netlink, which stays.
  load = random nonce openssl aes sha1 sha2 hmac gmp curve25519 kdf kernel-libipsec kernel-netlink socket-default vici
  install_routes = ${HS_INSTALL_ROUTES:-yes}
  retransmit_timeout = 1
  retransmit_tries = 3
  plugins {
    # Host-to-host selectors between the IKE endpoints (GRE over IPsec) are refused without this;
    # with them, also set HS_INSTALL_ROUTES=no or the route to the peer swallows the IKE traffic.
    kernel-libipsec {
      allow_peer_ts = yes
    }
    vici {
      socket = unix://$dir/charon.vici
    }
  }
  filelog {
    charon {
      path = $dir/charon.log
      time_format = %T
      flush_line = yes
      default = 1
      ike = 4
      chd = 4
      cfg = 2
      knl = 1
      esp = 2
    }
  }
}
CONF
}

hs_track_pid() {
  HS_PIDS="$HS_PIDS $1"
}

hs_wait() {
  local timeout=$1
  shift
  local tries=$((timeout * 10))
  while [ "$tries" -gt 0 ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
    tries=$((tries - 1))
  done
  return 1
}

hs_charon_start() {
  local ns=$1 dir=$2
  [ -f "$dir/strongswan.conf" ] || hs_charon_conf "$dir"
  rm -f "$dir/charon.vici" "$dir/run/charon.pid" "$dir/charon.log"  # leftovers of an earlier run
  # charon's pid file path is compiled in (/run/charon.pid): give it a private /run.
  STRONGSWAN_CONF="$dir/strongswan.conf" ip netns exec "$ns" \
    unshare --mount --propagation private \
    sh -c "mount --bind '$dir/run' /run && exec /usr/lib/ipsec/charon" >"$dir/charon.stdout" 2>&1 &
  hs_track_pid $!
  hs_wait 10 test -S "$dir/charon.vici" || {
    echo "charon in $ns did not open $dir/charon.vici" >&2
    cat "$dir/charon.stdout" >&2
    return 1
  }
}

hs_swanctl() {
  local dir=$1
  shift
  SWANCTL_DIR="$dir/swanctl" swanctl "$@" --uri "unix://$dir/charon.vici"
}

hs_cleanup() {
  local pid
  for pid in $HS_PIDS; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in $HS_PIDS; do
    # Give each a moment to leave (charon removes its TUN device), then insist.
    local n=20
    while [ $n -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
    kill -9 "$pid" 2>/dev/null || true
  done
  HS_PIDS=""
  [ -n "${HS_NS_A:-}" ] && ip netns del "$HS_NS_A" 2>/dev/null
  [ -n "${HS_NS_B:-}" ] && ip netns del "$HS_NS_B" 2>/dev/null
  return 0
}
