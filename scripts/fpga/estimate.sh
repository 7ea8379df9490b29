#!/usr/bin/env bash
# Synthesises one core for Xilinx UltraScale+ (Yosys synth_xilinx -family xcup, through YoWASP on Node.js)
# and prints one row of the estimate table: LUTs, FFs, BRAM, DSP, LUT levels and logic levels.
#
# usage: scripts/fpga/estimate.sh <out-dir> <label>:<module>[:<PARAM>=<value>,...] [--header]
#   Run from the repository root. Reads every .sv under hw/rtl/crypto (packages first). Modules are
#   synthesised one by one (no -flatten during synthesis: each distinct module goes through ABC once,
#   which keeps the run short) and flattened afterwards for counting, so cross-module logic is not merged:
#   figures are a little pessimistic. Yosys' LUT counts run ~50% above Vivado's.
set -euo pipefail

out_dir=$1
spec=$2
header=${3:-}
yowasp=${YOWASP_DIR:-.yowasp}
synth_flags=${SYNTH_FLAGS:-}  # extra synth_xilinx options, e.g. -nowidelut (no MUXF7/F8 for wide LUTs)

IFS=: read -r label module params <<<"$spec"
[ -n "$label" ] && [ -n "$module" ] || { echo "estimate.sh: bad top spec '$spec'" >&2; exit 2; }

mapfile -t pkgs < <(find hw/rtl/crypto -name '*_pkg.sv' | sort)
mapfile -t mods < <(find hw/rtl/crypto -name '*.sv' ! -name '*_pkg.sv' | sort)

work="$out_dir/$label"
mkdir -p "$work"
script="$work/synth.ys"
{
  echo "read_verilog -sv ${pkgs[*]} ${mods[*]}"
  if [ -n "$params" ]; then
    IFS=, read -ra kv <<<"$params"
    for p in "${kv[@]}"; do echo "chparam -set ${p%%=*} ${p#*=} $module"; done
  fi
  echo "hierarchy -check -top $module"
  echo "synth_xilinx -family xcup -noiopad $synth_flags"
  echo "flatten"
  echo "tee -q -o stat.txt stat"
  echo "write_json netlist.json"
} >"$script"

if ! node scripts/fpga/yosys.mjs "$yowasp" "$work" "${pkgs[@]}" "${mods[@]}" "$script" -- \
    -q -l yosys.log -s "$script" >"$work/stdout.txt" 2>&1; then
  echo "estimate.sh: yosys failed for $label; see $work/yosys.log and $work/stdout.txt" >&2
  exit 1
fi
python3 scripts/fpga/netlist_report.py "$work/netlist.json" "$module" "$label" $header
