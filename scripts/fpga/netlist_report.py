#!/usr/bin/env python3
"""Summarises a Yosys JSON netlist mapped to Xilinx UltraScale+ cells (synth_xilinx, hierarchy kept).

Yosys writes each distinct module once; this script flattens the hierarchy itself (every instance counted,
paths followed across module boundaries) and prints one table row:
  LUTs         - LUT1..LUT6 plus LUTs used as distributed RAM or shift registers (RAM64M8 = 8, ...),
  LUTRAM       - the part of LUTs that is distributed RAM / SRL,
  FFs, BRAM (36 kb tiles), DSP,
  lut_levels   - most LUTs on any path from a register, RAM or input port to a register, RAM or output port
                 (a distributed-RAM read counts as one LUT: address in, data out),
  logic_levels - the same path counting every combinational cell (LUT, MUXF7/8/9, CARRY), as Vivado's
                 "logic levels" does. INV cells count in neither (Vivado folds them into the next LUT).
  where        - the instance (module) holding most of that deepest path, with its start and end nets.
  time s       - (given by the caller) Yosys' run time, wall clock / CPU seconds.
usage: netlist_report.py <netlist.json> <top> [label] [--header] [--path] [--note=<text>] [--seconds=<n>]
       netlist_report.py --header-only
  --path prints the cells of the deepest paths (LUT levels, logic levels) to stderr.
"""
import json
import sys

FF_PREFIX = "FD"
LUT_PREFIX = "LUT"
# Distributed RAM and SRL cells: LUTs they occupy. Reads are combinational from the address ports.
LUTRAM_LUTS = {
    "RAM16X1S": 1, "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4, "RAM512X1S": 8,
    "RAM16X1D": 2, "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4, "RAM256X1D": 8,
    "RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8,
    "SRL16E": 1, "SRLC16E": 1, "SRLC32E": 1,
}
BRAM_WEIGHT = {"RAMB36E2": 1.0, "RAMB18E2": 0.5, "RAMB36E1": 1.0, "RAMB18E1": 0.5}
SEQUENTIAL_PREFIXES = ("FD", "SRL", "RAMB", "FIFO", "DSP48", "URAM", "BUFG", "IBUF", "OBUF")


def lutram_read_port(port):
    """Input ports of a distributed RAM through which its outputs are combinational (read addresses)."""
    return port.startswith("ADDR") or port.startswith("DPRA") or (port[0] == "A" and port[1:].isdigit())


class Flat:
    """The flattened netlist: one entry per primitive cell, nets as global integer ids."""

    def __init__(self, netlist, top):
        self.modules = netlist["modules"]
        self.next_bit = 0
        self.cells = []  # (instance path, type, {port: [bits]}, {port: direction})
        self.netname = {}  # global bit -> a readable net name (public names preferred)
        top_name = self.find_top(top)
        module = self.modules[top_name]
        bitmap = {}
        for port in module["ports"].values():
            for b in port["bits"]:
                if isinstance(b, int):
                    bitmap.setdefault(b, self.fresh())
        self.expand(top_name, bitmap, "")

    def find_top(self, top):
        if top in self.modules:
            return top
        for name, module in self.modules.items():
            if int(module.get("attributes", {}).get("top", "0"), 2):
                return name
        sys.exit(f"netlist_report.py: no module {top} in the netlist")

    def fresh(self):
        self.next_bit += 1
        return self.next_bit

    def is_hier(self, ctype):
        module = self.modules.get(ctype)
        return module is not None and not int(module.get("attributes", {}).get("blackbox", "0"), 2)

    def expand(self, name, bitmap, prefix):
        module = self.modules[name]

        def g(b):
            if not isinstance(b, int):
                return None  # constant
            if b not in bitmap:
                bitmap[b] = self.fresh()
            return bitmap[b]

        for net, info in module.get("netnames", {}).items():
            hidden = info.get("hide_name", 0)
            for b in info["bits"]:
                gb = g(b)
                if gb is not None and (gb not in self.netname or (not hidden and self.netname[gb][0])):
                    self.netname[gb] = (hidden, prefix + net)
        for cname, cell in module["cells"].items():
            ctype = cell["type"]
            conns = {p: [g(b) for b in bits] for p, bits in cell["connections"].items()}
            if self.is_hier(ctype):
                child = self.modules[ctype]
                child_map = {}
                for pname, port in child["ports"].items():
                    outer = conns.get(pname, [])
                    for i, b in enumerate(port["bits"]):
                        if isinstance(b, int) and i < len(outer) and outer[i] is not None:
                            child_map[b] = outer[i]
                self.expand(ctype, child_map, prefix + cname + ".")
            else:
                self.cells.append((prefix, ctype, conns, cell.get("port_directions", {})))


def report(netlist, top, want_path=False):
    flat = Flat(netlist, top)
    luts = lutram = ffs = dsps = 0
    bram = 0.0
    driver = {}  # global bit -> index of the combinational cell driving it
    comb_in = {}  # cell index -> input bits that propagate combinationally
    weight = {}  # cell index -> (lut level, logic level) it adds
    for idx, (path, ctype, conns, dirs) in enumerate(flat.cells):
        if ctype.startswith(LUT_PREFIX):
            luts += 1
        elif ctype.startswith(FF_PREFIX):
            ffs += 1
        elif ctype.startswith("DSP48"):
            dsps += 1
        elif ctype in BRAM_WEIGHT:
            bram += BRAM_WEIGHT[ctype]
        if ctype in LUTRAM_LUTS:
            luts += LUTRAM_LUTS[ctype]
            lutram += LUTRAM_LUTS[ctype]
        if ctype.startswith(SEQUENTIAL_PREFIXES):
            continue
        if ctype in LUTRAM_LUTS:
            ins = [p for p in conns if dirs.get(p) == "input" and lutram_read_port(p)]
            w = (1, 1)
        else:
            ins = [p for p in conns if dirs.get(p) == "input"]
            if ctype.startswith(LUT_PREFIX):
                w = (1, 1)
            elif ctype in ("INV", "BUF", "$scopeinfo"):
                w = (0, 0)
            else:
                w = (0, 1)  # MUXF7/8/9, CARRY4/8
        comb_in[idx] = [b for p in ins for b in conns[p] if b is not None]
        weight[idx] = w
        for p, bits in conns.items():
            if dirs.get(p) == "output":
                for b in bits:
                    if b is not None:
                        driver[b] = idx

    # Longest paths (two metrics) through combinational cells; everything else starts a path at depth 0.
    depth = {}
    pred = {}  # cell -> fanin cell on its deepest LUT-level path
    pred_logic = {}  # the same for the logic-level count
    for start in comb_in:
        if start in depth:
            continue
        stack = [(start, False)]
        while stack:
            idx, expanded = stack.pop()
            if idx in depth:
                continue
            fanin = [driver[b] for b in comb_in[idx] if b in driver]
            if not expanded:
                stack.append((idx, True))
                stack.extend((f, False) for f in fanin if f not in depth)
                continue
            best_lut, best_logic, best_pred, best_pred_logic = 0, 0, None, None
            for f in fanin:
                d = depth.get(f)
                if d is None:  # combinational loop: cut it here
                    continue
                if d[0] > best_lut or (d[0] == best_lut and best_pred is None):
                    best_lut, best_pred = d[0], f
                if d[1] > best_logic or (d[1] == best_logic and best_pred_logic is None):
                    best_logic, best_pred_logic = d[1], f
            w = weight[idx]
            depth[idx] = (best_lut + w[0], best_logic + w[1])
            pred[idx] = best_pred
            pred_logic[idx] = best_pred_logic
    lut_levels = max((d[0] for d in depth.values()), default=0)
    logic_levels = max((d[1] for d in depth.values()), default=0)

    where = "-"
    path_cells = []
    if depth:
        end = max(depth, key=lambda i: (depth[i][0], depth[i][1]))
        while end is not None:
            path_cells.append(end)
            end = pred[end]
        path_cells.reverse()
        where = describe(flat, path_cells, comb_in, driver)
    row = dict(luts=luts, lutram=lutram, ffs=ffs, bram=bram, dsps=dsps, lut_levels=lut_levels,
               logic_levels=logic_levels, where=where)
    if want_path:
        def cells_of(path):
            return [f"{flat.cells[i][0] or '(top).'}{flat.cells[i][1]} -> "
                    f"{net_label(flat, first_output(flat.cells[i]))}" for i in path]
        logic_cells = []
        if depth:
            end = max(depth, key=lambda i: (depth[i][1], depth[i][0]))
            while end is not None:
                logic_cells.append(end)
                end = pred_logic[end]
            logic_cells.reverse()
        row["path"] = (["deepest path in LUT levels:"] + cells_of(path_cells) +
                       ["deepest path in logic levels:"] + cells_of(logic_cells))
    return row


def net_label(flat, bit):
    name = flat.netname.get(bit)
    return name[1] if name else f"net{bit}"


def first_output(cell):
    _, _, conns, dirs = cell
    bits = [b for p, v in conns.items() if dirs.get(p) == "output" for b in v if b is not None]
    return bits[0] if bits else None


def describe(flat, path_cells, comb_in, driver):
    """The instances the deepest path runs through, where it starts and where it ends."""
    insts = []
    for i in path_cells:
        inst = flat.cells[i][0].rstrip(".") or "(top)"
        if not insts or insts[-1] != inst:
            insts.append(inst)
    first = path_cells[0]
    start_bits = [b for b in comb_in[first] if b not in driver]
    start = net_label(flat, start_bits[0]) if start_bits else "?"
    end_bit = first_output(flat.cells[path_cells[-1]])
    end = net_label(flat, end_bit)
    # Name the end by the register it feeds (its output net), when there is one.
    for prefix, ctype, conns, dirs in flat.cells:
        if ctype.startswith(SEQUENTIAL_PREFIXES) or ctype in LUTRAM_LUTS:
            if any(end_bit in bits for p, bits in conns.items() if dirs.get(p) == "input"):
                q = first_output((prefix, ctype, conns, dirs))
                if q is not None:
                    end = net_label(flat, q)
                    break
    return f"{start} -> {end} [in {' > '.join(insts)}]"


def option(name, default=""):
    for a in sys.argv[1:]:
        if a.startswith(f"--{name}="):
            return a.split("=", 1)[1]
    return default


HEADER = (f"{'core':<14} {'LUTs':>7} {'LUTRAM':>6} {'FFs':>7} {'BRAM':>5} {'DSP':>4} {'LUT lvls':>8} "
          f"{'logic lvls':>10} {'wall/cpu s':>10}  {'synth options':<14} deepest path (start -> end [instances])")


def main():
    if "--header-only" in sys.argv:
        print(HEADER)
        return
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) < 2:
        sys.exit(__doc__)
    path, top = args[0], args[1]
    label = args[2] if len(args) > 2 else top
    with open(path) as f:
        netlist = json.load(f)
    if "--header" in sys.argv:
        print(HEADER)
    r = report(netlist, top, "--path" in sys.argv)
    print(f"{label:<14} {r['luts']:>7} {r['lutram']:>6} {r['ffs']:>7} {r['bram']:>5g} {r['dsps']:>4} "
          f"{r['lut_levels']:>8} {r['logic_levels']:>10} {option('seconds', '-'):>10}  "
          f"{option('note', 'default'):<14} {r['where']}")
    for step in r.get("path", []):
        print(f"    {step}", file=sys.stderr)


if __name__ == "__main__":
    main()
