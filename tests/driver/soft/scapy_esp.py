#!/usr/bin/python3
"""scapy as the judge of hubsec's ESP (RFC 4303, RFC 3948).

Usage: scapy_esp.py <esp_tool> <transport|tunnel|transport-udp|tunnel-udp>

For HMAC-SHA1-96 and HMAC-SHA-256-128, ESN off and on, and several payload sizes:
  1. hubsec encapsulates a packet; scapy's SecurityAssociation verifies and decrypts it and must
     give back the original packet, byte for byte.
  2. scapy encapsulates a packet; hubsec decapsulates it and must give back the original.

scapy 2.5 quirks handled here (see INTEROP.md):
  - with ESN, scapy leaves the high 32 bits of the sequence number out of the ESP ICV (it only
    appends them for AH). So with ESN the ICV is checked / computed here with Python's hmac module
    over SPI..ciphertext | SN-high, and scapy only decrypts (verify=False) or encrypts.
  - with nat_t_header, encrypt() leaves UDP length at 8: it is set to the real length here.
"""
import hashlib
import hmac
import os
import random
import struct
import subprocess
import sys

from scapy.all import GRE, ICMP, IP, UDP, Raw, raw  # noqa: E402
from scapy.layers.ipsec import ESP, IPSecIntegrityError, SecurityAssociation  # noqa: E402

HUB, SPOKE = "192.0.2.1", "192.0.2.2"
ALGS = {"sha1": ("HMAC-SHA1-96", 20, 12, hashlib.sha1), "sha256": ("SHA2-256-128", 32, 16, hashlib.sha256)}
SIZES = [0, 1, 13, 14, 15, 16, 64, 200, 1400]


def ip_hex(a):
    return "%08x" % struct.unpack("!I", bytes(int(x) for x in a.split(".")))[0]


class Tool:
    def __init__(self, path):
        self.proc = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().split()

    def install(self, direction, spi, mode, alg, esn, udp, ek, ak, initial):
        r = self.ask("install %s %08x %s %s %d %d %s %s %s %s %d" % (
            direction, spi, mode, alg, esn, udp, ek.hex(), ak.hex(), ip_hex(HUB), ip_hex(SPOKE), initial))
        assert r[0] == "ok", r
        return int(r[1])

    def encap(self, handle, pkt):
        r = self.ask("encap %d %s" % (handle, raw(pkt).hex()))
        assert r[0] == "ok", r
        return int(r[1]), bytes.fromhex(r[2])

    def decap(self, handle, data, expect="ok"):
        r = self.ask("decap %d %s" % (handle, data.hex()))
        assert r[0] == expect or r[1:] == [expect], (r, expect)
        if r[0] != "ok":
            return None
        return int(r[1]), int(r[2]), bytes.fromhex(r[3]) if len(r) > 3 else b""


def inner_packet(mode, size):
    body = os.urandom(size)
    if mode == "transport":  # GRE over IPsec between the endpoints, as a DMVPN hub sends it
        return IP(bytes(IP(src=HUB, dst=SPOKE, id=random.randint(0, 65535), flags="DF") / GRE() / Raw(body)))
    return IP(bytes(IP(src="10.0.0.1", dst="10.0.1.2", ttl=63) / ICMP(type=8, id=7, seq=size) / Raw(body)))


def esp_bytes(wire):
    pkt = IP(wire)
    return pkt, raw(pkt[ESP])


def check_one(tool, mode, udp, alg, esn):
    name, ak_len, icv_len, digest = ALGS[alg]
    ek, ak = os.urandom(32), os.urandom(ak_len)
    spi = random.randint(0x100, 0xffffffff)
    # With ESN start just below 2^32 so packets cross the low-32-bit wrap; without, start at 1.
    first = 0xfffffffc if esn else 0
    out_h = tool.install("out", spi, mode, alg, esn, udp, ek, ak, first)
    in_h = tool.install("in", spi, mode, alg, esn, udp, ek, ak, first)
    kwargs = dict(spi=spi, crypt_algo="AES-CBC", crypt_key=ek, auth_algo=name, auth_key=ak)
    if mode == "tunnel":
        kwargs["tunnel_header"] = IP(src=HUB, dst=SPOKE)
    if udp:
        kwargs["nat_t_header"] = UDP(sport=4500, dport=4500)
    checked = 0
    for size in SIZES:
        # 1. hubsec -> scapy
        original = inner_packet(mode, size)
        seq, wire = tool.encap(out_h, original)
        pkt, esp = esp_bytes(wire)
        assert pkt.src == HUB and pkt.dst == SPOKE, pkt.summary()
        assert pkt.proto == (17 if udp else 50), pkt.proto
        if udp:
            assert pkt[UDP].dport == 4500 and pkt[UDP].chksum == 0 and pkt[UDP].len == 8 + len(esp)
        assert struct.unpack("!II", esp[:8]) == (spi, seq & 0xffffffff)
        high = seq >> 32
        sa = SecurityAssociation(ESP, esn_en=bool(esn), esn=high, **kwargs)
        if esn:
            mac = hmac.new(ak, esp[:-icv_len] + struct.pack("!I", high), digest).digest()[:icv_len]
            assert hmac.compare_digest(mac, esp[-icv_len:]), "ICV (with ESN high bits) mismatch"
            plain = sa.decrypt(pkt, verify=False)
        else:
            plain = sa.decrypt(pkt)  # scapy verifies the ICV itself
        assert raw(plain) == raw(original), "scapy decrypted something else:\n%r\n%r" % (
            raw(plain).hex(), raw(original).hex())
        # Negative control: the judge must notice a one-bit change in the ciphertext.
        bad = bytearray(esp)
        bad[30] ^= 0x01
        if esn:
            mac = hmac.new(ak, bytes(bad[:-icv_len]) + struct.pack("!I", high), digest).digest()[:icv_len]
            assert not hmac.compare_digest(mac, bytes(bad[-icv_len:]))
        else:
            try:
                sa.decrypt(IP(wire[:len(wire) - len(esp)] + bytes(bad)))
                raise AssertionError("scapy accepted a tampered packet")
            except IPSecIntegrityError:
                pass

        # 2. scapy -> hubsec
        original = inner_packet(mode, size)
        seq2 = seq + 1000  # hubsec's inbound window is well ahead of the outbound numbers used so far
        sa = SecurityAssociation(ESP, esn_en=bool(esn), esn=seq2 >> 32, **kwargs)
        enc = sa.encrypt(original, seq_num=seq2 & 0xffffffff)
        if udp:
            enc[UDP].len = 8 + len(raw(enc[ESP]))
            enc[UDP].chksum = 0
        wire = bytearray(raw(enc))
        if esn:
            esp_at = len(wire) - len(raw(enc[ESP]))
            body = bytes(wire[esp_at:len(wire) - icv_len])
            wire[len(wire) - icv_len:] = hmac.new(ak, body + struct.pack("!I", seq2 >> 32), digest).digest()[:icv_len]
        tampered = bytearray(wire)
        tampered[-icv_len - 1] ^= 0x80  # last ciphertext byte
        tool.decap(in_h, bytes(tampered), expect="icv-mismatch")
        got_seq, nh, inner = tool.decap(in_h, bytes(wire))
        assert got_seq == seq2, (got_seq, seq2)
        assert nh == (4 if mode == "tunnel" else 47), nh
        assert inner == raw(original), "hubsec decapsulated something else:\n%s\n%s" % (inner.hex(), raw(original).hex())
        checked += 4
    return checked


def main():
    tool_path, variant = sys.argv[1], sys.argv[2]
    mode = variant.split("-")[0]
    udp = 1 if variant.endswith("-udp") else 0
    tool = Tool(tool_path)
    total = 0
    for alg in ("sha1", "sha256"):
        for esn in (0, 1):
            n = check_one(tool, mode, udp, alg, esn)
            print("%-9s udp=%d %-6s esn=%d: %d checks agreed with scapy" % (mode, udp, alg, esn, n))
            total += n
    tool.proc.stdin.close()
    tool.proc.wait()
    print("OK: %d cross-checks (round trips both ways, tampered packets refused by both)" % total)


if __name__ == "__main__":
    main()
