#!/usr/bin/env python3
"""Summarises a Yosys JSON netlist mapped to Xilinx UltraScale+ cells (synth_xilinx, flattened).

Prints one table row: LUTs, flip-flops, BRAM tiles, DSPs, and the logic depth between registers:
  lut_levels   - most LUTs on any path from a register or input port to a register or output port,
  logic_levels - the same path counting every combinational cell (LUT, MUXF7/8/9, CARRY8), as Vivado's
                 "logic levels" does.
usage: netlist_report.py <netlist.json> <top> [--header]
"""
import json
import sys

SEQUENTIAL_PREFIXES = ("FD", "SRL", "RAM", "RAMB", "FIFO", "DSP48", "URAM")
LUT_PREFIX = "LUT"
BRAM_WEIGHT = {"RAMB36E2": 1.0, "RAMB18E2": 0.5}


def is_sequential(cell_type):
    return cell_type.startswith(SEQUENTIAL_PREFIXES)


def find_top(netlist, top):
    modules = netlist["modules"]
    if top in modules:
        return modules[top]
    # After chparam the top may carry a derived name; Yosys marks it with the "top" attribute.
    for module in modules.values():
        if int(module.get("attributes", {}).get("top", "0"), 2):
            return module
    sys.exit(f"netlist_report.py: no module {top} in the netlist")


def report(netlist, top):
    module = find_top(netlist, top)
    cells = module["cells"]
    luts = ffs = dsps = 0
    bram = 0.0
    driver = {}  # bit -> combinational cell name driving it
    comb = {}
    for name, cell in cells.items():
        ctype = cell["type"]
        if ctype.startswith(LUT_PREFIX):
            luts += 1
        elif ctype.startswith("FD"):
            ffs += 1
        elif ctype.startswith("DSP48"):
            dsps += 1
        elif ctype in BRAM_WEIGHT:
            bram += BRAM_WEIGHT[ctype]
        if is_sequential(ctype):
            continue
        comb[name] = cell
        for port, direction in cell["port_directions"].items():
            if direction == "output":
                for bit in cell["connections"][port]:
                    if isinstance(bit, int):
                        driver[bit] = name

    # Longest path through combinational cells; registers and ports start and end paths.
    depth = {}  # cell -> (lut_levels, logic_levels) of the path ending at its output
    for start in comb:
        if start in depth:
            continue
        stack = [(start, False)]
        while stack:
            name, expanded = stack.pop()
            if name in depth:
                continue
            cell = comb[name]
            fanin = []
            for port, direction in cell["port_directions"].items():
                if direction != "input":
                    continue
                for bit in cell["connections"][port]:
                    if isinstance(bit, int) and bit in driver:
                        fanin.append(driver[bit])
            if not expanded:
                stack.append((name, True))
                stack.extend((f, False) for f in fanin if f not in depth)
                continue
            lut_in = max((depth[f][0] for f in fanin if f in depth), default=0)
            logic_in = max((depth[f][1] for f in fanin if f in depth), default=0)
            is_lut = cell["type"].startswith(LUT_PREFIX)
            depth[name] = (lut_in + (1 if is_lut else 0), logic_in + 1)
    lut_levels = max((d[0] for d in depth.values()), default=0)
    logic_levels = max((d[1] for d in depth.values()), default=0)
    return luts, ffs, bram, dsps, lut_levels, logic_levels


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    path, top = sys.argv[1], sys.argv[2]
    label = sys.argv[3] if len(sys.argv) > 3 and not sys.argv[3].startswith("--") else top
    with open(path) as f:
        netlist = json.load(f)
    if "--header" in sys.argv:
        print(f"{'core':<28} {'LUTs':>8} {'FFs':>8} {'BRAM':>6} {'DSP':>5} {'LUT lvls':>9} {'logic lvls':>11}")
    luts, ffs, bram, dsps, lut_levels, logic_levels = report(netlist, top)
    print(f"{label:<28} {luts:>8} {ffs:>8} {bram:>6g} {dsps:>5} {lut_levels:>9} {logic_levels:>11}")


if __name__ == "__main__":
    main()
