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
       netlist_report.py --plan=<dir> [label] [--header] [--path] [--note=<text>] [--seconds=<n>] [--parts]
       netlist_report.py --header-only
  --path prints the cells of the deepest paths (LUT levels, logic levels) to stderr.
  A module instantiated as a blackbox (a design synthesised in parts: scripts/fpga/estimate_hier.sh) is a
  boundary: nothing in it is counted and paths end and start at its ports.
  --plan: the whole design from its parts: <dir>/plan.json (scripts/fpga/hier_plan.py) names the parts,
  <dir>/parts/<part>/netlist.json holds each one's netlist. Every blackbox is replaced by the part of its
  module at its parameters, so the row counts every instance of every part and the depth follows paths
  across the parts. --parts adds one line per part (its own cells over all its instances) to stdout.
"""
import json
import os
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


def find_top(modules, top):
    if top in modules:
        return top
    for name, module in modules.items():
        if int(module.get("attributes", {}).get("top", "0"), 2):
            return name
    sys.exit(f"netlist_report.py: no module {top} in the netlist")


def is_box(module):
    """A design module left as a blackbox (synthesised as another part), not a library cell."""
    attrs = module.get("attributes", {})
    return int(attrs.get("blackbox", "0"), 2) and "hdlname" in attrs


class Flat:
    """The flattened netlist: one entry per primitive cell, nets as global integer ids.

    parts: None for one netlist; else {part id: (module name, parameters, netlist)} to replace blackboxes with
    (the parts of a design synthesised in pieces)."""

    def __init__(self, netlist, top, parts=None, top_part=None):
        self.parts = parts
        self.next_bit = 0
        self.cells = []  # (instance path, type, {port: [bits]}, {port: direction})
        self.cell_part = []  # the part each cell came from (with parts)
        self.boxes = set()  # blackbox cell types left as they are
        self.netname = {}  # global bit -> a readable net name (public names preferred)
        self.box_part = {}  # (netlist id, box module name) -> part id
        self.instances = {}  # part id -> instances expanded
        modules = netlist["modules"]
        top_name = find_top(modules, top)
        module = modules[top_name]
        bitmap = {}
        for port in module["ports"].values():
            for b in port["bits"]:
                if isinstance(b, int):
                    bitmap.setdefault(b, self.fresh())
        self.instances[top_part] = 1
        self.expand(modules, top_name, bitmap, "", top_part)

    def fresh(self):
        self.next_bit += 1
        return self.next_bit

    def resolve(self, modules, ctype):
        """The part a blackbox stands for: same module, same parameters."""
        key = (id(modules), ctype)
        if key not in self.box_part:
            box = modules[ctype]
            name = box["attributes"]["hdlname"]
            params = {}
            for k, v in box.get("parameter_default_values", {}).items():
                try:
                    params[k] = int(v, 2)
                except ValueError:
                    params[k] = v
            found = [pid for pid, (m, p, _) in self.parts.items()
                     if m == name and all(p.get(k) == v for k, v in params.items())]
            if len(found) != 1:
                sys.exit(f"netlist_report.py: blackbox {name} {params}: {len(found)} parts match in the plan")
            self.box_part[key] = found[0]
        return self.box_part[key]

    def expand(self, modules, name, bitmap, prefix, part):
        module = modules[name]

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
            child = modules.get(ctype)
            child_modules, child_part = modules, part
            if child is not None and is_box(child):
                if self.parts is None:
                    self.boxes.add(ctype)
                    child = None
                else:
                    child_part = self.resolve(modules, ctype)
                    child_modules = self.parts[child_part][2]["modules"]
                    ctop = find_top(child_modules, self.parts[child_part][0])
                    # the part's ports by name (the box has the same ones)
                    child = dict(child_modules[ctop], name=ctop)
                    self.instances[child_part] = self.instances.get(child_part, 0) + 1
            elif child is not None and int(child.get("attributes", {}).get("blackbox", "0"), 2):
                child = None  # a library cell
            if child is not None:
                child_map = {}
                for pname, port in child["ports"].items():
                    outer = conns.get(pname, [])
                    for i, b in enumerate(port["bits"]):
                        if isinstance(b, int) and i < len(outer) and outer[i] is not None:
                            child_map[b] = outer[i]
                self.expand(child_modules, child.get("name", ctype), child_map, prefix + cname + ".", child_part)
            else:
                self.cells.append((prefix, ctype, conns, cell.get("port_directions", {})))
                self.cell_part.append(part)


def report(netlist, top, want_path=False, parts=None, top_part=None):
    flat = Flat(netlist, top, parts, top_part)
    luts = lutram = ffs = dsps = 0
    bram = 0.0
    per_part = {}  # part -> [LUTs, LUTRAM, FFs, BRAM, DSP] over all its instances
    driver = {}  # global bit -> index of the combinational cell driving it
    comb_in = {}  # cell index -> input bits that propagate combinationally
    weight = {}  # cell index -> (lut level, logic level) it adds
    for idx, (path, ctype, conns, dirs) in enumerate(flat.cells):
        own = per_part.setdefault(flat.cell_part[idx], [0, 0, 0, 0.0, 0])
        if ctype.startswith(LUT_PREFIX):
            luts += 1
            own[0] += 1
        elif ctype.startswith(FF_PREFIX):
            ffs += 1
            own[2] += 1
        elif ctype.startswith("DSP48"):
            dsps += 1
            own[4] += 1
        elif ctype in BRAM_WEIGHT:
            bram += BRAM_WEIGHT[ctype]
            own[3] += BRAM_WEIGHT[ctype]
        if ctype in LUTRAM_LUTS:
            luts += LUTRAM_LUTS[ctype]
            lutram += LUTRAM_LUTS[ctype]
            own[0] += LUTRAM_LUTS[ctype]
            own[1] += LUTRAM_LUTS[ctype]
        if ctype.startswith(SEQUENTIAL_PREFIXES) or ctype in flat.boxes:
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
               logic_levels=logic_levels, where=where, per_part=per_part, instances=flat.instances)
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
        if ctype.startswith(SEQUENTIAL_PREFIXES) or ctype in LUTRAM_LUTS or ctype in flat.boxes:
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
    plan_dir = option("plan")
    parts = top_part = None
    if plan_dir:
        with open(os.path.join(plan_dir, "plan.json")) as f:
            plan = json.load(f)
        parts = {}
        for pid, part in plan["parts"].items():
            with open(os.path.join(plan_dir, "parts", pid, "netlist.json")) as f:
                parts[pid] = (part["module"], part["params"], json.load(f))
            for name, module in parts[pid][2]["modules"].items():
                attrs = module.get("attributes", {})
                if attrs.get("hdlname") in part["blackbox"] and not is_box(module):
                    sys.exit(f"netlist_report.py: part {pid} holds {name}, which should be a blackbox")
        top_part = plan["top"]
        netlist, top = parts[top_part][2], parts[top_part][0]
        label = args[0] if args else top
    else:
        if len(args) < 2:
            sys.exit(__doc__)
        path, top = args[0], args[1]
        label = args[2] if len(args) > 2 else top
        with open(path) as f:
            netlist = json.load(f)
    if "--header" in sys.argv:
        print(HEADER)
    r = report(netlist, top, "--path" in sys.argv, parts, top_part)
    print(f"{label:<14} {r['luts']:>7} {r['lutram']:>6} {r['ffs']:>7} {r['bram']:>5g} {r['dsps']:>4} "
          f"{r['lut_levels']:>8} {r['logic_levels']:>10} {option('seconds', '-'):>10}  "
          f"{option('note', 'default'):<14} {r['where']}")
    if parts and "--parts" in sys.argv:
        print(f"  parts of {label} (own cells of each part, all its instances; blackboxed children not included):")
        print(f"  {'part':<30} {'module':<15} {'inst':>4} {'LUTs':>7} {'LUTRAM':>6} {'FFs':>7} {'BRAM':>6} {'DSP':>4}")
        for pid in sorted(parts, key=lambda p: -r["per_part"].get(p, [0])[0]):
            o = r["per_part"].get(pid, [0, 0, 0, 0.0, 0])
            print(f"  {pid:<30} {parts[pid][0]:<15} {r['instances'].get(pid, 0):>4} {o[0]:>7} {o[1]:>6} "
                  f"{o[2]:>7} {o[3]:>6g} {o[4]:>4}")
    for step in r.get("path", []):
        print(f"    {step}", file=sys.stderr)


if __name__ == "__main__":
    main()
