#!/usr/bin/python3
"""Checks hubsecd's Wireshark key log against strongSwan's own log of the same SAs.

strongSwan at `ike = 4, chd = 4` dumps Sk_ai/Sk_ar/Sk_ei/Sk_er and each Child SA's
"encryption|integrity initiator|responder key" as hex. Every key hubsecd logged must be one
strongSwan derived too (same SPI pair for IKE; the same keys, in the right direction, for ESP).

usage: check_keys.py CHARON_LOG KEYLOG_DIR  -> prints PASS/FAIL lines, exit status 0 when all pass
"""
import re
import sys


def dumps(log_text, label_regex):
    """Every hex dump that follows a line matching label_regex, as lowercase hex strings."""
    out = []
    lines = log_text.splitlines()
    for i, line in enumerate(lines):
        m = re.search(label_regex + r" => (\d+) bytes", line)
        if not m:
            continue
        size, data = int(m.group(m.lastindex)), ""
        for follow in lines[i + 1:]:
            d = re.match(r"^\S+ \d+\[\w+\]\s+\d+: ((?:[0-9A-F]{2} ){1,16})", follow)
            if not d:
                break
            data += d.group(1).replace(" ", "").lower()
        out.append((m.group(1) if m.lastindex > 1 else None, data[: size * 2]))
    return out


def main():
    log = open(sys.argv[1]).read()
    keydir = sys.argv[2]
    ok = True
    # IKE: the four keys of each IKE SA strongSwan keyed, as a set of tuples.
    sk = {name: [d for _, d in dumps(log, r"(Sk_%s) secret" % name)] for name in ("ei", "er", "ai", "ar")}
    swan_ike = set(zip(sk["ei"], sk["er"], sk["ai"], sk["ar"]))
    table = [l.strip() for l in open(keydir + "/ikev2_decryption_table") if l.strip()]
    for line in table:
        f = line.split(",")
        ours = (f[2], f[3], f[5], f[6])
        good = ours in swan_ike
        ok &= good
        print(("PASS" if good else "FAIL") + ": IKE SA %s/%s keys %s strongSwan's" % (f[0], f[1], "equal" if good else "differ from"))
    # ESP: strongSwan logs (encryption|integrity) (initiator|responder) key per Child SA.
    keys = {}
    for kind in ("encryption", "integrity"):
        for who in ("initiator", "responder"):
            keys[(kind, who)] = [d for _, d in dumps(log, r"(%s %s key)" % (kind, who))]
    swan_esp = set()
    for i in range(min(len(v) for v in keys.values())):
        swan_esp.add((keys[("encryption", "initiator")][i], keys[("integrity", "initiator")][i]))
        swan_esp.add((keys[("encryption", "responder")][i], keys[("integrity", "responder")][i]))
    esp = [l.strip() for l in open(keydir + "/esp_sa") if l.strip()]
    for line in esp:
        f = [x.strip('"') for x in line.split(",")]
        ours = (f[5][2:], f[7][2:])
        good = ours in swan_esp
        ok &= good
        print(("PASS" if good else "FAIL") + ": ESP SA %s %s->%s keys %s strongSwan's" % (f[3], f[1], f[2], "equal" if good else "differ from"))
    if not table or not esp:
        print("FAIL: empty key log")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
