#!/usr/bin/python3
"""Decrypts and authenticates the ESP-in-UDP packets of a capture with scapy (a second, independent
ESP implementation), using the SAs of a Wireshark esp_sa key file written by hubsecd.

usage: verify_esp.py CAPTURE ESP_SA_FILE MARKER MIN_PACKETS
Every ESP packet whose SPI is in the key file must pass scapy's ICV check and decrypt; at least
MIN_PACKETS must carry MARKER in the decrypted payload. Prints PASS/FAIL; exit status 0 on PASS.
"""
import csv
import sys

from scapy.all import IP, UDP, rdpcap
from scapy.layers.ipsec import ESP, SecurityAssociation

AUTH = {"HMAC-SHA-1-96 [RFC2404]": "HMAC-SHA1-96", "HMAC-SHA-256-128 [RFC4868]": "SHA2-256-128"}


def main():
    capture, keyfile, marker, minimum = sys.argv[1], sys.argv[2], sys.argv[3].encode(), int(sys.argv[4])
    sas = {}
    for row in csv.reader(open(keyfile)):
        if not row:
            continue
        spi = int(row[3], 16)
        sas[spi] = SecurityAssociation(ESP, spi=spi, crypt_algo="AES-CBC", crypt_key=bytes.fromhex(row[5][2:]),
                                       auth_algo=AUTH[row[6]], auth_key=bytes.fromhex(row[7][2:]))
    checked = with_marker = 0
    for pkt in rdpcap(capture):
        if UDP not in pkt or pkt[UDP].dport != 4500:
            continue
        payload = bytes(pkt[UDP].payload)
        if len(payload) < 8 or payload[:4] == b"\0\0\0\0":
            continue  # IKE behind the non-ESP marker, or a keepalive
        spi = int.from_bytes(payload[:4], "big")
        if spi not in sas:
            continue
        esp = IP(src=pkt[IP].src, dst=pkt[IP].dst, proto=50) / ESP(payload)
        try:
            inner = sas[spi].decrypt(esp)  # raises on a bad ICV or bad padding
        except Exception as error:  # noqa: BLE001 - any failure is a FAIL
            print("FAIL: ESP SPI 0x%08x seq %d: %s" % (spi, esp[ESP].seq, error))
            return 1
        checked += 1
        if marker in bytes(inner):
            with_marker += 1
    good = with_marker >= minimum
    print("%s: scapy authenticated and decrypted %d ESP packets with hubsecd's keys, %d carry the payload sent"
          % ("PASS" if good else "FAIL", checked, with_marker))
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
