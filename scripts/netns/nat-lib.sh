# A NAT router between network namespaces, made with nftables (masquerade), for the NAT-traversal
# tests and the demo. Source after netns-lib.sh.
#
#   hs_nat_add NAT_NS OUTSIDE_IF INSIDE_NS [PORTS]
#       joins INSIDE_NS to NAT_NS by a veth pair (NAT_NS: lan0 198.51.100.1/24, INSIDE_NS: eth0
#       198.51.100.2/24, default route via .1), turns on forwarding in NAT_NS and masquerades what
#       leaves OUTSIDE_IF. PORTS "random" (default) picks random source ports, so a peer must answer
#       to the observed address *and* port (the classic bug a port-preserving NAT hides); "keep"
#       keeps ports when free. INSIDE_NS is created when it does not exist.
#   hs_nat_conntrack NAT_NS   the NAT's UDP mappings (conntrack table from nft), for diagnostics
#
# Addresses are from the documentation ranges: 198.51.100.0/24 (TEST-NET-2) is the private side.

HS_NAT_INSIDE_ADDR=198.51.100.2
HS_NAT_ROUTER_INSIDE=198.51.100.1

hs_nat_add() {
  local nat_ns=$1 outside_if=$2 inside_ns=$3 ports=${4:-random}
  ip netns list | grep -qw "$inside_ns" || ip netns add "$inside_ns"
  ip link add lan0 netns "$nat_ns" type veth peer name eth0 netns "$inside_ns"
  ip -n "$nat_ns" addr add "$HS_NAT_ROUTER_INSIDE/24" dev lan0
  ip -n "$nat_ns" link set lan0 up
  ip -n "$inside_ns" addr add "$HS_NAT_INSIDE_ADDR/24" dev eth0
  ip -n "$inside_ns" link set eth0 up
  ip -n "$inside_ns" link set lo up
  ip -n "$inside_ns" route add default via "$HS_NAT_ROUTER_INSIDE"
  ip netns exec "$nat_ns" sysctl -qw net.ipv4.ip_forward=1
  local how=masquerade
  [ "$ports" = random ] && how="masquerade random"
  ip netns exec "$nat_ns" nft -f - <<NFT
table ip hsnat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "$outside_if" $how
  }
}
NFT
}

hs_nat_conntrack() {
  ip netns exec "$1" cat /proc/net/nf_conntrack 2>/dev/null | grep udp || true
}
