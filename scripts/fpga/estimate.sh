#!/usr/bin/env bash
# Synthesises one core for Xilinx UltraScale+ (Yosys synth_xilinx -family xcup, through YoWASP on Node.js)
# and prints one row of the estimate table: LUTs, FFs, BRAM, DSP, LUT levels, logic levels, the deepest
# path, the synthesis options and the run time.
#
# usage: scripts/fpga/estimate.sh <out-dir> <label>:<module>[:<PARAM>=<value>,...[:<synth option>,...]]
#                                 [--header] [<rtl folder> ...]
#   Run from the repository root. Reads the .sv files under the RTL folders (default hw/rtl/crypto; packages
#   first) that the top needs with SYNTHESIS defined. The parameters select the configuration (the shipped one for the table in docs/); synth options
#   go to synth_xilinx, e.g. -nowidelut.
#
# How the figures are obtained: the hierarchy is kept through synthesis (synth_xilinx does not flatten), so
# each distinct module goes through ABC once however often it is instantiated, which keeps the run short;
# logic is not optimised across module boundaries (a little pessimistic). Yosys writes the mapped hierarchy
# (each distinct module once) and scripts/fpga/netlist_report.py expands it: every instance is counted and
# depth is measured on the expanded netlist, paths followed across module boundaries. Yosys' LUT counts
# run ~50% above Vivado's.
set -euo pipefail

out_dir=$1
spec=$2
shift 2
header=
rtl_dirs=()
for a in "$@"; do
  if [ "$a" = --header ]; then header=--header; else rtl_dirs+=("$a"); fi
done
[ ${#rtl_dirs[@]} -gt 0 ] || rtl_dirs=(hw/rtl/crypto)
yowasp=${YOWASP_DIR:-.yowasp}

IFS=: read -r label module params synth_opts <<<"$spec"
[ -n "$label" ] && [ -n "$module" ] || { echo "estimate.sh: bad top spec '$spec'" >&2; exit 2; }
synth_opts=${synth_opts//,/ }

mapfile -t pkgs < <(find "${rtl_dirs[@]}" -name '*_pkg.sv' | sort)
mapfile -t mods < <(find "${rtl_dirs[@]}" -name '*.sv' ! -name '*_pkg.sv' | sort)

# Read only the files the top needs when SYNTHESIS is defined (as Verilator resolves them, one module per
# file named after it), so that simulation-only modules (checkers under `ifndef SYNTHESIS) are not parsed.
# If Verilator cannot tell, every file is read and Yosys reports what it cannot parse.
work="$out_dir/$label"
rm -rf "$work"
mkdir -p "$work"
top_file=$(printf '%s\n' "${mods[@]}" | grep "/$module\.sv$" | head -1 || true)
gparams=()
if [ -n "$params" ]; then
  IFS=, read -ra kv <<<"$params"
  for p in "${kv[@]}"; do gparams+=("-G$p"); done
fi
ydirs=()
for d in "${rtl_dirs[@]}"; do [ -d "$d" ] && ydirs+=(-y "$d"); done
if [ -n "$top_file" ] && verilator --xml-only --Mdir "$work/deps" -DSYNTHESIS -Wno-fatal -Wno-lint -Wno-style \
    --top-module "$module" "${gparams[@]}" "${pkgs[@]}" "$top_file" "${ydirs[@]}" >"$work/deps.txt" 2>&1; then
  mapfile -t needed < <(grep -o 'filename="[^"]*\.sv"' "$work/deps/V$module.xml" | sed 's/^filename="//; s/"$//' | sort -u)
  keep=()
  for f in "${mods[@]}"; do
    for n in "${needed[@]}"; do [ "$f" = "$n" ] && keep+=("$f") && break; done
  done
  mods=("${keep[@]}")
fi

script="$work/synth.ys"
{
  echo "read_verilog -sv ${pkgs[*]} ${mods[*]}"
  if [ -n "$params" ]; then
    IFS=, read -ra kv <<<"$params"
    for p in "${kv[@]}"; do echo "chparam -set ${p%%=*} ${p#*=} $module"; done
  fi
  echo "hierarchy -check -top $module"
  echo "synth_xilinx -family xcup -noiopad $synth_opts"
  echo "tee -q -o stat.txt stat"
  # Smaller JSON (writing files is slow in WebAssembly): no source locations, no unused wires, no cell
  # library modules but the used ones (they give the cells their port directions).
  echo "attrmap -remove src"
  echo "hierarchy -auto-top -purge_lib"
  echo "opt_clean -purge"
  echo "write_json netlist.json"
} >"$script"

# Yosys' run time: wall clock and CPU seconds (the CPU figure does not depend on other jobs on the machine).
if ! /usr/bin/time -f "%e %U %S" -o "$work/time.txt" \
    node scripts/fpga/yosys.mjs "$yowasp" "$work" "${pkgs[@]}" "${mods[@]}" "$script" -- \
    -q -l yosys.log -s "$script" >"$work/stdout.txt" 2>&1; then
  echo "estimate.sh: yosys failed for $label; see $work/yosys.log and $work/stdout.txt" >&2
  exit 1
fi
read -r wall user sys <"$work/time.txt"
seconds=$(python3 -c "print(f'{$wall:.0f}/{$user + $sys:.0f}')")
python3 scripts/fpga/netlist_report.py "$work/netlist.json" "$module" "$label" $header \
  --note="${synth_opts:-default}" --seconds="$seconds" --path 2>"$work/path.txt"
