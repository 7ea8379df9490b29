#!/usr/bin/env python3
"""Splits a design into parts for a hierarchical estimate (scripts/fpga/estimate_hier.sh).

Reads the hierarchy Verilator elaborated (`verilator --xml-only -DSYNTHESIS`: every instance with its module at
its resolved parameters) and cuts it into parts, each one Yosys run:
  - a module named in --whole (the crypto cores) is one part with everything below it, synthesised as the
    crypto rows of `make -f Makefile.fpga estimate` are (its own hierarchy kept);
  - any other module is a part of its own logic only ("glue"): the modules it instantiates are blackboxes,
    each of them a part in turn.
Parts are distinct (module, parameters): a module instantiated five times at the same parameters is
synthesised once. Writes <out>/plan.json (parts with their module, parameters, blackboxed children, synth
options and instance count; the top part's id) and prints one line per part, largest first (the order to
start them in): <id> <estimate.sh spec> <blackbox modules, comma separated or ->.

usage: hier_plan.py <verilator xml> <top module> <out dir> [--whole=m1,m2,...] [--opts=module:P=V:opt,...;...]
       hier_plan.py --top-params <verilator xml>   (the top's parameters as elaborated: P=V,... sorted)
  --opts: synth_xilinx options for parts of a module whose parameters include P=V (e.g.
          aes_cipher:DECRYPT=1:-nowidelut, as the crypto row aes_dec is mapped); ';' between rules.
"""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

# Rough synthesis cost per instance-free part, to start the slow ones first (two Yosys at a time): the HMAC
# engines and the lanes' glue take minutes, a ring or a picker seconds.
COST = {"hmac_sha1": 50, "hmac_sha256": 60, "aes_cipher": 20, "esp_outbound": 30, "esp_inbound": 30,
        "esp_sa_table": 25, "esp_auth": 15, "esp_datapath": 10}


def const_value(text):
    """Verilator's constant text (32'sh2000, 1'h1, 32'h94) as an integer."""
    m = re.fullmatch(r"(\d+)'s?([hbdo])([0-9a-fA-F_xz]+)", text)
    if not m:
        raise ValueError(f"hier_plan.py: cannot read parameter value {text!r}")
    base = {"h": 16, "b": 2, "d": 10, "o": 8}[m.group(2)]
    return int(m.group(3).replace("_", ""), base)


def top_params(xml_path):
    root = ET.parse(xml_path).getroot()
    top = next(m for m in root.iter("module") if m.get("topModule") == "1")
    print(",".join(sorted(f"{v.get('name')}={const_value(v.find('const').get('name'))}" for v in top.findall("var")
                          if v.get("param") == "true" and v.find("const") is not None)))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--top-params":
        top_params(sys.argv[2])
        return
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 3:
        sys.exit(__doc__)
    xml_path, top, out_dir = args
    whole, rules = set(), []
    for a in sys.argv[1:]:
        if a.startswith("--whole="):
            whole = {m for m in a.split("=", 1)[1].split(",") if m}
        elif a.startswith("--opts="):
            for rule in a.split("=", 1)[1].split(";"):
                if rule:
                    module, cond, opt = rule.split(":", 2)
                    name, value = cond.split("=", 1)
                    rules.append((module, name, int(value, 0), opt))

    root = ET.parse(xml_path).getroot()
    modules = {}  # Verilator's unique module name -> (original name, {param: value})
    for mod in root.iter("module"):
        params = {}
        for var in mod.findall("var"):
            if var.get("param") == "true":
                const = var.find("const")
                if const is None:
                    sys.exit(f"hier_plan.py: parameter {var.get('name')} of {mod.get('name')} has no constant value")
                params[var.get("name")] = const_value(const.get("name"))
        modules[mod.get("name")] = (mod.get("origName"), params)

    cells = root.find("cells")
    top_cell = next((c for c in cells.iter("cell") if c.get("submodname") == top or
                     modules.get(c.get("submodname"), ("",))[0] == top), None)
    if top_cell is None:
        sys.exit(f"hier_plan.py: no instance tree for {top} in {xml_path}")

    parts = {}

    def visit(cell):
        pid = cell.get("submodname")
        module, params = modules[pid]
        part = parts.get(pid)
        if part is None:
            opts = [o for (m, n, v, o) in rules if m == module and params.get(n) == v]
            part = parts[pid] = {"module": module, "params": params, "opts": opts, "blackbox": [],
                                 "instances": 0}
            if module not in whole:
                part["blackbox"] = sorted({modules[c.get("submodname")][0] for c in cell.findall("cell")})
                for child in cell.findall("cell"):
                    visit(child)
        part["instances"] += 1
        if part["instances"] > 1 and module not in whole:
            # the subtree's instances count again (Verilator lists every instance of it)
            for child in cell.findall("cell"):
                visit(child)

    visit(top_cell)
    for pid, part in parts.items():
        names = [m for m in part["blackbox"]]
        for m in names:
            if sum(1 for p in parts.values() if p["module"] == m) == 0:
                sys.exit(f"hier_plan.py: child {m} of {pid} is not a part")

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "plan.json"), "w") as f:
        json.dump({"top": top_cell.get("submodname"), "parts": parts}, f, indent=1, sort_keys=True)
    order = sorted(parts, key=lambda p: (-COST.get(parts[p]["module"], 1), p))
    for pid in order:
        part = parts[pid]
        params = ",".join(f"{k}={v}" for k, v in sorted(part["params"].items()))
        spec = f"{pid}:{part['module']}:{params}:{','.join(part['opts'])}"
        print(pid, spec, ",".join(part["blackbox"]) or "-")


if __name__ == "__main__":
    main()
