#!/bin/bash
# Replayed and tampered ESP injected at the hub with scapy (a second ESP implementation): the hub
# must drop each one, count it where IOS does (`show crypto ipsec sa detail`: `#pkts replay failed
# (rcv)`, `#pkts verify failed`), deliver none of them, and keep carrying the real traffic.
#   - ESP captured on the wire (spoke -> hub pings), sent again as it was: replays;
#   - ESP made by scapy with the spoke's SA keys (from the hub's --keylog), scapy's decryption of
#     the captured packets proving the keys: one with an old sequence number (replay, valid ICV),
#     two with a fresh sequence number and one flipped ciphertext/ICV byte (verify failures).
#   esp_injection.sh HUBSECD HUBSEC WORKDIR SEED_CONFIG
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/netns/netns-lib.sh"
. "$here/../interop/interop-lib.sh"
. "$here/gateway-lib.sh"
gw_setup "$@"

gw_start_hub
gw_start_spoke
gw_wait_up 15 || fail "hub and spoke did not come up: $(tail -5 "$WORK/hubsecd.log")"
ip netns exec "$HS_NS_A" tshark -q -i "$HS_VETH_A" -f "ip proto 50 and src host $HS_ADDR_B" -w "$WORK/esp.pcap" -F pcap \
  >"$WORK/tshark-capture.log" 2>&1 &
hs_track_pid $!
CAPTURE_PID=$!
hs_wait 10 grep -q "Capturing on" "$WORK/tshark-capture.log" || fail "tshark did not start capturing"
gw_ping "$HS_NS_B" 10.0.0.1 8 0.1 "$WORK/ping-0.txt" || fail "spoke -> hub: $(cat "$WORK/ping-0.txt")"
sleep 0.5
kill "$CAPTURE_PID"
hs_wait 10 sh -c "! kill -0 $CAPTURE_PID 2>/dev/null" || true
hub show crypto ipsec sa detail >"$WORK/before.txt"
count() { grep -o "$1 [0-9]*" "$2" | awk '{s += $NF} END {print s + 0}'; }
replay0=$(count "#pkts replay failed (rcv):" "$WORK/before.txt")
verify0=$(count "#pkts verify failed:" "$WORK/before.txt")
decaps0=$(count "#pkts decaps:" "$WORK/before.txt")
delivered0=$(ip -n "$HS_NS_A" -s link show Tunnel0 | awk '/RX:/ {getline; print $2}')

cat >"$WORK/inject.py" <<'PY'
import sys
from scapy.all import rdpcap, send, IP, GRE, ICMP, Raw
from scapy.layers.ipsec import ESP, SecurityAssociation

keylog, pcap, spoke, hub = sys.argv[1:5]
sa = None
for line in open(keylog):
    f = [x.strip('"') for x in line.strip().split('","')]
    if f[1] == spoke and f[2] == hub:  # the spoke's outbound = the hub's inbound SA (the newest line)
        sa = dict(spi=int(f[3], 16), ekey=bytes.fromhex(f[5][2:]), akey=bytes.fromhex(f[7][2:]))
assert sa, "no spoke->hub SA in the key log"
esp_sa = SecurityAssociation(ESP, spi=sa["spi"], crypt_algo="AES-CBC", crypt_key=sa["ekey"],
                             auth_algo="HMAC-SHA1-96", auth_key=sa["akey"])
wire = [p for p in rdpcap(pcap) if p.haslayer(ESP) and p[ESP].spi == sa["spi"]]
assert len(wire) >= 4, "captured only %d ESP packets of the SA" % len(wire)
# scapy opens what hubsecd's spoke sent: GRE carrying the ping 10.0.0.2 -> 10.0.0.1.
plain = esp_sa.decrypt(IP(bytes(wire[0][IP])))
assert plain.haslayer(GRE) and plain[GRE].haslayer(ICMP), plain.summary()
assert plain[GRE][IP].src == "10.0.0.2" and plain[GRE][IP].dst == "10.0.0.1", plain.summary()
print("scapy decrypted a captured packet: " + plain[GRE].summary())
sent = {"replay": 0, "verify": 0}
for p in wire[:3]:  # replays of what went by
    send(IP(bytes(p[IP])), verbose=0)
    sent["replay"] += 1
inner = IP(src="10.0.0.2", dst="10.0.0.1") / ICMP(id=0x4242) / Raw(b"injected by scapy" * 4)
outer = IP(src=spoke, dst=hub, proto=47) / GRE(proto=0x0800) / inner
# Valid ESP (right keys, right ICV) with sequence number 1, long since seen: a replay.
send(esp_sa.encrypt(IP(bytes(outer)), seq_num=1), verbose=0)
sent["replay"] += 1
# Fresh sequence numbers far ahead, one byte flipped in the ciphertext, then in the ICV.
for seq, where in ((1 << 30), -5), ((1 << 30) + 1, -30):
    b = bytearray(bytes(esp_sa.encrypt(IP(bytes(outer)), seq_num=seq)))
    b[where] ^= 0x01
    send(IP(bytes(b)), verbose=0)
    sent["verify"] += 1
print("injected replay %d verify %d" % (sent["replay"], sent["verify"]))
PY
ip netns exec "$HS_NS_B" /usr/bin/python3 "$WORK/inject.py" "$WORK/keys/esp_sa" "$WORK/esp.pcap" "$HS_ADDR_B" "$HS_ADDR_A" \
  >"$WORK/inject.txt" 2>&1 || fail "scapy: $(tail -5 "$WORK/inject.txt")"
grep "scapy decrypted" "$WORK/inject.txt" | sed 's/^/PASS: /'
read -r _ replays _ verifies < <(grep -o "replay [0-9]* verify [0-9]*" "$WORK/inject.txt")
sleep 0.5
hub show crypto ipsec sa detail >"$WORK/after.txt"
replay=$(($(count "#pkts replay failed (rcv):" "$WORK/after.txt") - replay0))
verify=$(($(count "#pkts verify failed:" "$WORK/after.txt") - verify0))
decaps=$(($(count "#pkts decaps:" "$WORK/after.txt") - decaps0))
delivered=$(($(ip -n "$HS_NS_A" -s link show Tunnel0 | awk '/RX:/ {getline; print $2}') - delivered0))
[ "$replay" = "$replays" ] || fail "injected $replays replays, the hub counts $replay: $(grep -A1 'replay' "$WORK/after.txt")"
[ "$verify" = "$verifies" ] || fail "injected $verifies tampered packets, the hub counts $verify verify failures"
[ "$decaps" = 0 ] && [ "$delivered" = 0 ] || fail "injected packets got through: decaps +$decaps, Tunnel0 rx +$delivered"
grep -q "#recv errors $((replay0 + verify0 + replays + verifies))" <(hub show crypto ipsec sa) ||
  fail "show crypto ipsec sa: $(hub show crypto ipsec sa | grep 'recv errors')"
echo "PASS: $replays replayed and $verifies tampered ESP packets dropped and counted (replay failed $replay, verify failed $verify, decaps +0)"

gw_ping "$HS_NS_B" 10.0.0.1 5 0.1 "$WORK/ping-1.txt" && gw_ping "$HS_NS_A" 10.0.0.2 5 0.1 "$WORK/ping-2.txt" ||
  fail "traffic after the injection: $(cat "$WORK/ping-1.txt" "$WORK/ping-2.txt" 2>/dev/null | grep transmitted)"
echo "PASS: traffic continues (spoke->hub $(gw_ping_result "$WORK/ping-1.txt"), hub->spoke $(gw_ping_result "$WORK/ping-2.txt"))"
# No key in any show output: every key of the hub's key log (ESP and IKE) is looked for.
{ hub show crypto ipsec sa detail; hub show crypto session; hub show crypto ikev2 sa detailed; hub show dmvpn; } >"$WORK/shows.txt"
keys=$(cat "$WORK/keys/esp_sa" "$WORK/keys/ikev2_decryption_table" | grep -oiE '[0-9a-f]{32,}' | sort -u)
[ -n "$keys" ] || fail "no keys found in the key log"
for k in $keys; do
  ! grep -qi "${k:0:16}" "$WORK/shows.txt" || fail "a key appears in the show output"
done
echo "PASS: none of the $(echo "$keys" | wc -l) logged keys appears in the show output"
echo "ALL PASS (replayed and tampered ESP)"
