#!/bin/bash
# hubsecd against strongSwan (charon + kernel-libipsec) in two network namespaces.
#
#   hubsecd_vs_strongswan.sh HUBSECD HUBSEC WORKDIR responder|initiator
#
# responder: strongSwan initiates to hubsecd (the hub answers any peer its keyring allows);
# initiator: hubsecd initiates to strongSwan, a specific peer in its keyring.
# Then, in order: IKE SA + Child SA with the seed's algorithms (tunnel mode, ESP in UDP 4500); the
# Child SA SPIs agree; strongSwan sends ESP that reaches hubsecd's SA; Child rekey driven by
# strongSwan, then by hubsecd; IKE rekey driven by strongSwan, then by hubsecd; delete by
# strongSwan, re-establish, delete by hubsecd. Finally the wire capture decrypts in tshark with the
# keys hubsecd logged, and those keys equal the ones strongSwan logged.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/netns/netns-lib.sh"
. "$here/interop-lib.sh"
ROLE=$4
interop_setup "$1" "$2" "$3"
step() { echo "--- $(date +%T.%N | cut -c1-12) $*"; }

capture_start

# ---- establish --------------------------------------------------------------------------------
hs_charon_conf "$WORK/swan"
if [ "$ROLE" = responder ]; then
  swan_conf cisco initiator >"$WORK/swan/swanctl/swanctl.conf"
  hubsec_conf cisco responder >"$WORK/hub.conf"
  hubsecd_start "$WORK/hub.conf"
  hs_charon_start "$HS_NS_B" "$WORK/swan"
  swan --load-all >/dev/null
  step "strongSwan initiates"
  swan --initiate --child gre --timeout 15 >"$WORK/initiate.log" 2>&1 || fail "strongSwan could not establish"
else
  swan_conf cisco responder >"$WORK/swan/swanctl/swanctl.conf"
  hubsec_conf cisco initiator >"$WORK/hub.conf"
  hs_charon_start "$HS_NS_B" "$WORK/swan"
  swan --load-all >/dev/null
  step "hubsecd initiates"
  hubsecd_start "$WORK/hub.conf"
fi
hs_wait 15 sh -c "'$HUBSEC' -s '$WORK/hubsecd.sock' show crypto ipsec sa | grep -q 'inbound esp sas'" ||
  fail "no Child SA in hubsecd"
hs_wait 10 sh -c "SWANCTL_DIR='$WORK/swan/swanctl' swanctl --list-sas --uri 'unix://$WORK/swan/charon.vici' | grep -q INSTALLED" ||
  fail "no Child SA in strongSwan"
swan --list-sas >"$WORK/sas-0.txt"
grep -q "ESTABLISHED, IKEv2" "$WORK/sas-0.txt" || fail "strongSwan has no IKE SA"
grep -q "AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" "$WORK/sas-0.txt" || fail "IKE algorithms"
grep -q "INSTALLED, TUNNEL-in-UDP, ESP:AES_CBC-256/HMAC_SHA1_96" "$WORK/sas-0.txt" || fail "Child SA algorithms/mode"
grep -q "192.0.2.2\[4500\]" "$WORK/sas-0.txt" || fail "IKE did not float to 4500"
hubsec_cmd show crypto ikev2 sa >"$WORK/show-0.txt"
grep -q "192.0.2.1/4500        192.0.2.2/4500        none/none            READY" "$WORK/show-0.txt" ||
  fail "show crypto ikev2 sa has no READY SA"
grep -q "Encr: AES-CBC, keysize: 256, PRF: SHA256, Hash: SHA256, DH Grp:14, Auth sign: PSK, Auth verify: PSK" \
  "$WORK/show-0.txt" || fail "show crypto ikev2 sa algorithms"
echo "PASS: established, $(grep -c INSTALLED "$WORK/sas-0.txt") Child SA, seed algorithms, tunnel mode in UDP 4500"

# hubsecd's Child SA SPIs, upper-case hex "IN OUT", one pair per line.
hub_child_spis() {
  hubsec_cmd show crypto ipsec sa | ipsec_sa_pairs | sort
}
# strongSwan's, seen from hubsecd's side (its out is our in), same format. Only INSTALLED ones: after a
# rekey strongSwan keeps the old inbound SA for a few seconds (delete_rekeyed_delay).
swan_child_as_hub() {
  swan_child_spis | awk '{print toupper($2), toupper($1)}' | sort
}
spis_agree() { [ -n "$(hub_child_spis)" ] && [ "$(hub_child_spis)" = "$(swan_child_as_hub)" ]; }
# IKE SPIs as "SPI SPI" in sorted order: after a rekey the new SA's initiator is whoever rekeyed.
hub_ike_spis() {
  hubsec_cmd show crypto ikev2 sa detailed | grep 'Local spi' | awk '{print $3; print $6}' | sort | xargs
}
swan_ike_as_hub() {
  swan_ike_spis | tr ' ' '\n' | tr 'a-f' 'A-F' | sort | xargs
}
ike_agree() { [ -n "$(hub_ike_spis)" ] && [ "$(hub_ike_spis)" = "$(swan_ike_as_hub)" ]; }
export -f ipsec_sa_pairs hub_child_spis swan_child_as_hub spis_agree hub_ike_spis swan_ike_as_hub ike_agree hubsec_cmd swan \
  swan_child_spis swan_ike_spis swan_raw hs_swanctl
export HUBSEC WORK ROLE
wait_agree() { hs_wait "$1" bash -c "$2"; }

spis_agree || fail "Child SA SPIs differ: hubsecd [$(hub_child_spis)] strongSwan [$(swan_child_as_hub)]"
ike_agree || fail "IKE SPIs differ: hubsecd [$(hub_ike_spis)] strongSwan [$(swan_ike_as_hub)]"
echo "PASS: IKE and Child SA SPIs agree"

# ---- strongSwan sends ESP, hubsecd's SA receives it ---------------------------------------------
# A GRE packet from B to A matches the Child SA and goes into kernel-libipsec's TUN device.
ip netns exec "$HS_NS_B" /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
for i in range(3):
    s.sendto(b'\x00\x00\x08\x00' + b'hubsec-interop-%d' % i, ('$HS_ADDR_A', 0))
"
# No data path in this configuration: the ESP is counted on its SA and dropped (`#recv errors`).
hs_wait 5 sh -c "'$HUBSEC' -s '$WORK/hubsecd.sock' show crypto ipsec sa | grep -q '#send errors 0, #recv errors 3'" ||
  fail "hubsecd's Child SA did not see strongSwan's 3 ESP packets: $(hubsec_cmd show crypto ipsec sa)"
echo "PASS: 3 ESP-in-UDP packets from strongSwan reached hubsecd's inbound SA"

# RFC 3948 NAT keepalives (one 0xFF byte to port 4500) are counted and ignored.
ip netns exec "$HS_NS_B" /usr/bin/python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(2):
    s.sendto(b'\xff', ('$HS_ADDR_A', 4500))
"
hs_wait 5 sh -c "'$HUBSEC' -s '$WORK/hubsecd.sock' show crypto ikev2 stats | grep -Eq 'NAT keepalives received +2'" ||
  fail "keepalives not counted: $(hubsec_cmd show crypto ikev2 stats | grep -i keepalive)"
spis_agree || fail "a keepalive disturbed the SAs"
echo "PASS: 2 NAT keepalives on 4500 counted and ignored"

# ---- Child SA rekeys ----------------------------------------------------------------------------
before=$(hub_child_spis)
step "Child SA rekey driven by strongSwan"
swan --rekey --child gre >/dev/null
wait_agree 10 "spis_agree && [ \"\$(hub_child_spis)\" != '$before' ]" ||
  fail "Child rekey by strongSwan: hubsecd [$(hub_child_spis)] strongSwan [$(swan_child_as_hub)] before [$before]"
[ "$(hub_child_spis | wc -l)" -eq 1 ] || fail "old Child SA left after rekey: $(hub_child_spis)"
echo "PASS: Child SA rekeyed by strongSwan: [$before] -> [$(hub_child_spis)]"

before=$(hub_child_spis)
step "Child SA rekey driven by hubsecd"
hubsec_cmd crypto ikev2 rekey child "${before%% *}" || fail "hubsec refused the Child rekey"
wait_agree 10 "spis_agree && [ \"\$(hub_child_spis)\" != '$before' ]" ||
  fail "Child rekey by hubsecd: hubsecd [$(hub_child_spis)] strongSwan [$(swan_child_as_hub)] before [$before]"
[ "$(hub_child_spis | wc -l)" -eq 1 ] || fail "old Child SA left after rekey: $(hub_child_spis)"
echo "PASS: Child SA rekeyed by hubsecd: [$before] -> [$(hub_child_spis)]"

# ---- IKE SA rekeys ------------------------------------------------------------------------------
before=$(hub_ike_spis)
child=$(hub_child_spis)
step "IKE SA rekey driven by strongSwan"
swan --rekey --ike hub >/dev/null
wait_agree 10 "ike_agree && [ \"\$(hub_ike_spis)\" != '$before' ]" ||
  fail "IKE rekey by strongSwan: hubsecd [$(hub_ike_spis)] strongSwan [$(swan_ike_as_hub)] before [$before]"
[ "$(hub_child_spis)" = "$child" ] && spis_agree || fail "Child SA lost in the IKE rekey"
echo "PASS: IKE SA rekeyed by strongSwan: [$before] -> [$(hub_ike_spis)], Child SA kept"

before=$(hub_ike_spis)
step "IKE SA rekey driven by hubsecd"
id=$(hubsec_cmd show crypto ikev2 sa | awk '/READY/ {print $1; exit}')
hubsec_cmd crypto ikev2 rekey sa "$id" || fail "hubsec refused the IKE rekey"
wait_agree 10 "ike_agree && [ \"\$(hub_ike_spis)\" != '$before' ]" ||
  fail "IKE rekey by hubsecd: hubsecd [$(hub_ike_spis)] strongSwan [$(swan_ike_as_hub)] before [$before]"
[ "$(hub_child_spis)" = "$child" ] && spis_agree || fail "Child SA lost in the IKE rekey"
echo "PASS: IKE SA rekeyed by hubsecd: [$before] -> [$(hub_ike_spis)], Child SA kept"

# ---- liveness ----------------------------------------------------------------------------------
step "liveness check (empty INFORMATIONAL) sent by hubsecd"
id=$(hubsec_cmd show crypto ikev2 sa | awk '/READY/ {print $1; exit}')
answered=$(grep -c "parsed INFORMATIONAL request [0-9]* \[ \]" "$WORK/swan/charon.log" || true)
hubsec_cmd crypto ikev2 dpd "$id" || fail "hubsec refused the DPD"
hs_wait 5 bash -c "[ \$(grep -c 'parsed INFORMATIONAL request [0-9]* \[ \]' '$WORK/swan/charon.log') -gt $answered ]" ||
  fail "strongSwan saw no empty INFORMATIONAL"
hs_wait 5 bash -c "hubsec_cmd show crypto ikev2 stats | grep -Eq 'DPD sent +[1-9]'" || fail "DPD not counted"
ike_agree && spis_agree || fail "the SAs changed after a liveness check"
echo "PASS: liveness check answered by strongSwan, SAs unchanged"

# ---- deletes -----------------------------------------------------------------------------------
step "delete driven by strongSwan"
swan --terminate --ike hub --timeout 10 >/dev/null
hs_wait 10 sh -c "! '$HUBSEC' -s '$WORK/hubsecd.sock' show crypto ikev2 sa | grep -q READY" ||
  fail "hubsecd kept the IKE SA strongSwan deleted"
[ -z "$(hub_child_spis)" ] || fail "hubsecd kept Child SAs: $(hub_child_spis)"
echo "PASS: strongSwan's delete removed the IKE and Child SAs in hubsecd"

step "re-establish, then delete driven by hubsecd"
if [ "$ROLE" = responder ]; then
  swan --initiate --child gre --timeout 15 >"$WORK/initiate-2.log" 2>&1 || fail "re-establishing failed"
else
  hubsec_cmd crypto ikev2 initiate "$HS_ADDR_B" >/dev/null || fail "hubsec refused to initiate"
fi
wait_agree 15 "spis_agree && ike_agree" || fail "re-establishing failed"
hubsec_cmd clear crypto sa || fail "clear crypto sa refused"
hs_wait 10 sh -c "! SWANCTL_DIR='$WORK/swan/swanctl' swanctl --list-sas --uri 'unix://$WORK/swan/charon.vici' | grep -q ESTABLISHED" ||
  fail "strongSwan kept the IKE SA hubsecd deleted"
echo "PASS: hubsecd's delete (clear crypto sa) removed the SAs in strongSwan"

# ---- the wire, judged by tshark with hubsecd's key log -----------------------------------------
capture_stop
tshark_keys() {
  # DIR/keys holds Wireshark's own UAT files: point tshark's configuration directory at it.
  WIRESHARK_CONFIG_DIR="$WORK/keys" tshark -r "$WORK/wire.pcapng" \
    -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE "$@" 2>"$WORK/tshark.err"
}
# Every IKE message after IKE_SA_INIT (exchange 34) is encrypted; tshark must decrypt each and find
# its integrity checksum correct.
tshark_keys -V -Y "isakmp && isakmp.exchangetype != 34" >"$WORK/ike-decoded.txt"
encrypted=$(grep -c "Encrypted Data (" "$WORK/ike-decoded.txt" || true)
decrypted=$(grep -c "Decrypted Data (" "$WORK/ike-decoded.txt" || true)
correct=$(grep -c "Integrity Checksum Data: .*\[correct\]" "$WORK/ike-decoded.txt" || true)
[ "$encrypted" -ge 20 ] || fail "too few encrypted IKE messages on the wire ($encrypted)"
[ "$decrypted" -eq "$encrypted" ] || fail "tshark decrypted $decrypted of $encrypted IKE messages"
[ "$correct" -eq "$encrypted" ] || fail "tshark found $correct of $encrypted integrity checksums correct"
# strongSwan's ESP to hubsecd: tshark decrypts it with the logged keys and finds the GRE sent inside;
# scapy, a second ESP implementation, checks the ICVs too (tshark 4.0 leaves esp.icv_good unset here).
marker_hex=$(printf 'hubsec-interop' | od -An -tx1 | tr -d ' \n')
esp_gre=$(tshark_keys -Y "esp && gre" -T fields -e esp.decrypted_data | grep -c "$marker_hex" || true)
[ "$esp_gre" -ge 3 ] || fail "tshark found the GRE payload in only $esp_gre ESP packets"
/usr/bin/python3 "$here/verify_esp.py" "$WORK/wire.pcapng" "$WORK/keys/esp_sa" hubsec-interop 3 >"$WORK/verify_esp.txt" ||
  { cat "$WORK/verify_esp.txt"; fail "ESP check with scapy"; }
echo "PASS: tshark decrypted all $encrypted encrypted IKE messages (checksums correct) and $esp_gre ESP packets with hubsecd's key log"
cat "$WORK/verify_esp.txt"

/usr/bin/python3 "$here/check_keys.py" "$WORK/swan/charon.log" "$WORK/keys" >"$WORK/check_keys.txt" ||
  { cat "$WORK/check_keys.txt"; fail "key log differs from strongSwan's keys"; }
echo "PASS: $(grep -c PASS "$WORK/check_keys.txt") logged key sets equal strongSwan's ($(grep -c 'IKE SA' "$WORK/check_keys.txt") IKE, $(grep -c 'ESP SA' "$WORK/check_keys.txt") ESP)"

# Secrets never in hubsecd's log or show output.
if grep -q cisco "$WORK/hubsecd.log"; then fail "the PSK appears in hubsecd's log"; fi
for key in $(cut -d, -f3,4,6,7 "$WORK/keys/ikev2_decryption_table" | tr ',' ' '); do
  if grep -qi "$key" "$WORK/hubsecd.log" "$WORK/show-0.txt"; then fail "an IKE key appears in hubsecd's log"; fi
done
echo "PASS: no PSK or key in hubsecd's log or show output"
echo "ALL PASS ($ROLE)"
