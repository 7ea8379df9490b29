#!/bin/bash
# Two hubsecd, each with the seed configuration's algorithms and `mode transport` (the DMVPN case
# strongSwan's kernel-libipsec cannot do): the spoke (B) initiates to the hub (A), which answers
# with the seed file itself. Both sides show the same READY IKE SA and mirrored transport-mode Child
# SA with GRE selectors between the outer addresses; then the spoke's `clear crypto sa` removes it
# on the hub too.
#   hubsecd_pair_seed.sh HUBSECD HUBSEC WORKDIR SEED_CONFIG
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/netns/netns-lib.sh"
. "$here/interop-lib.sh"
SEED=$4
interop_setup "$1" "$2" "$3"

# The hub: the seed file as it is (identity local address 1.1.1.1, any peer, key "cisco").
hubsecd_start "$SEED"
# The spoke: the seed with the hub as a specific keyring peer, so it initiates.
sed -e "s/  address 0.0.0.0 0.0.0.0/  address $HS_ADDR_A/" -e "s/identity local address 1.1.1.1/identity local address $HS_ADDR_B/" \
  "$SEED" >"$WORK/spoke.conf"
grep -q "address $HS_ADDR_A" "$WORK/spoke.conf" || fail "could not derive the spoke configuration"
ip netns exec "$HS_NS_B" "$HUBSECD" -c "$WORK/spoke.conf" -s "$WORK/spoke.sock" --local "$HS_ADDR_B" \
  >"$WORK/spoke.log" 2>&1 &
hs_track_pid $!
spoke() { "$HUBSEC" -s "$WORK/spoke.sock" "$@"; }
hub() { "$HUBSEC" -s "$WORK/hubsecd.sock" "$@"; }
export -f spoke hub
export HUBSEC WORK
hs_wait 10 bash -c "hub show crypto ipsec sa | grep -q 'inbound esp sas' && spoke show crypto ipsec sa | grep -q 'inbound esp sas'" ||
  fail "no Child SA: hub [$(hub show crypto ipsec sa)] spoke [$(cat "$WORK/spoke.log")]"

hub show crypto ikev2 sa detailed >"$WORK/hub-sa.txt"
spoke show crypto ikev2 sa detailed >"$WORK/spoke-sa.txt"
grep -q "$HS_ADDR_A/500         $HS_ADDR_B/500         none/none            READY" "$WORK/hub-sa.txt" ||
  fail "hub: no READY SA on port 500 (no NAT between two hubsecd): $(cat "$WORK/hub-sa.txt")"
grep -q "DH Grp:14" "$WORK/hub-sa.txt" || fail "hub: not the seed's group"
grep -q "Local id: 1.1.1.1" "$WORK/hub-sa.txt" || fail "hub: not the seed's identity"
grep -q "Remote id: 1.1.1.1" "$WORK/spoke-sa.txt" || fail "spoke: did not see the hub's identity"
grep -q "NAT-T is not detected" "$WORK/hub-sa.txt" || fail "hub: NAT detected without NAT"
grep -q "Initiator of SA : Yes" "$WORK/spoke-sa.txt" || fail "spoke is not the initiator"
hub_spis=$(grep 'Local spi' "$WORK/hub-sa.txt" | awk '{print $3, $6}')
spoke_spis=$(grep 'Local spi' "$WORK/spoke-sa.txt" | awk '{print $6, $3}')
[ "$hub_spis" = "$spoke_spis" ] || fail "IKE SPIs differ: hub [$hub_spis] spoke [$spoke_spis]"
echo "PASS: seed IKE SA READY on both hubsecd, SPIs agree"

hub_child=$(hub show crypto ipsec sa)
spoke_child=$(spoke show crypto ipsec sa)
echo "$hub_child" | grep -q "transform: esp-256-aes esp-sha-hmac ," && echo "$hub_child" | grep -q "in use settings ={Transport, }" &&
  echo "$hub_child" | grep -q "local crypto endpt.: $HS_ADDR_A, remote crypto endpt.: $HS_ADDR_B" &&
  echo "$hub_child" | grep -q "current_peer $HS_ADDR_B port 500" || fail "hub Child SA: $hub_child"
echo "$hub_child" | grep -q "local  ident (addr/mask/prot/port): ($HS_ADDR_A/255.255.255.255/47/0)" &&
  echo "$hub_child" | grep -q "remote ident (addr/mask/prot/port): ($HS_ADDR_B/255.255.255.255/47/0)" || fail "hub selectors: $hub_child"
echo "$spoke_child" | grep -q "local  ident (addr/mask/prot/port): ($HS_ADDR_B/255.255.255.255/47/0)" || fail "spoke selectors: $spoke_child"
h=$(echo "$hub_child" | ipsec_sa_pairs)
s=$(echo "$spoke_child" | ipsec_sa_pairs | awk '{print $2, $1}')
[ "$h" = "$s" ] || fail "Child SPIs not mirrored: hub [$h] spoke [$s]"
echo "PASS: transport-mode Child SA (esp-aes 256 esp-sha-hmac, GRE host selectors), SPIs mirrored"

# An unknown command gets IOS's answer and a failing exit status.
if hub show crypto ikev2 bogus >"$WORK/bogus.txt"; then fail "an unknown command succeeded"; fi
grep -q "% Invalid input detected at '^' marker." "$WORK/bogus.txt" || fail "unknown command: $(cat "$WORK/bogus.txt")"
[ "$(sed -n 2p "$WORK/bogus.txt")" = "                  ^" ] || fail "caret not under 'bogus': $(cat "$WORK/bogus.txt")"
hub sh cry ikev2 sa det | grep -q "Negotiation done" || fail "abbreviated show did not work"
echo "PASS: control commands: abbreviations accepted, unknown input refused IOS-style"

spoke clear crypto sa
hs_wait 10 bash -c "! hub show crypto ikev2 sa | grep -q READY && ! hub show crypto ipsec sa | grep -q 'inbound esp sas'" ||
  fail "the hub kept the SA the spoke deleted"
echo "PASS: spoke's clear crypto sa removed the SAs on the hub"
echo "ALL PASS (hubsecd pair, seed)"
