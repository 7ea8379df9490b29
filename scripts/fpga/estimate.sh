#!/usr/bin/env bash
# Synthesises one core for Xilinx UltraScale+ (Yosys synth_xilinx -family xcup, through YoWASP on Node.js)
# and prints one row of the estimate table: LUTs, FFs, BRAM, DSP, LUT levels, logic levels, the deepest
# path, the synthesis options and the run time.
#
# usage: scripts/fpga/estimate.sh <out-dir> <label>:<module>[:<PARAM>=<value>,...[:<synth option>,...]]
#                                 [--header] [--blackbox=<module>,...] [<rtl folder> ...]
#   Run from the repository root. Reads the .sv files under the RTL folders (default hw/rtl/crypto; packages
#   first) that the top needs with SYNTHESIS defined. The parameters select the configuration (the shipped one for the table in docs/); synth options
#   go to synth_xilinx, e.g. -nowidelut. --blackbox: those modules (instantiated by the top) are left as
#   blackboxes, synthesised elsewhere (scripts/fpga/estimate_hier.sh, a part of a bigger design).
#
# Reuse: a run is keyed by the Yosys version, the module, its parameters as Verilator resolves them (defaults
# included), the options, the blackboxes and the contents of every file read. If <out-dir>/<label> or a
# directory named in ESTIMATE_REUSE (space-separated globs of run directories) holds a finished run with the
# same key, its netlist is reused and Yosys is not run (the row's time is that run's, marked "reused").
# ESTIMATE_FRESH=1 always runs Yosys.
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
blackbox=
rtl_dirs=()
for a in "$@"; do
  case "$a" in
    --header) header=--header ;;
    --blackbox=*) blackbox=${a#--blackbox=} ;;
    *) rtl_dirs+=("$a") ;;
  esac
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
old_key=$(cat "$work/key.txt" 2>/dev/null || true)
rm -rf "$work.new"
mkdir -p "$work.new"
final_work=$work
work=$work.new
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
  keep=()
  for f in "${pkgs[@]}"; do
    for n in "${needed[@]}"; do [ "$f" = "$n" ] && keep+=("$f") && break; done
  done
  pkgs=("${keep[@]}")
  # the top's parameters as elaborated (defaults included): the same configuration gives the same key
  resolved=$(python3 scripts/fpga/hier_plan.py --top-params "$work/deps/V$module.xml")
else
  resolved=$params
fi

script="$work/synth.ys"
{
  echo "read_verilog -sv ${pkgs[*]} ${mods[*]}"
  if [ -n "$params" ]; then
    IFS=, read -ra kv <<<"$params"
    for p in "${kv[@]}"; do echo "chparam -set ${p%%=*} ${p#*=} $module"; done
  fi
  echo "hierarchy -check -top $module"
  if [ -n "$blackbox" ]; then
    # the children synthesised elsewhere: empty boxes with their ports (at their parameters; a module derived
    # for parameters is named $paramod$<hash>\<module> or $paramod\<module>\<P>=<value>...)
    IFS=, read -ra bb <<<"$blackbox"
    for m in "${bb[@]}"; do echo "blackbox $m \$paramod*\\$m \$paramod\\$m\\*"; done
    echo "hierarchy"  # (the top keeps its attribute; chparam may have renamed it)
  fi
  echo "synth_xilinx -family xcup -noiopad $synth_opts"
  echo "tee -q -o stat.txt stat"
  # Smaller JSON (writing files is slow in WebAssembly): no source locations, no unused wires, no cell
  # library modules but the used ones (they give the cells their port directions).
  echo "attrmap -remove src"
  echo "hierarchy -auto-top -purge_lib"
  echo "opt_clean -purge"
  echo "write_json netlist.json"
} >"$script"

yosys_version=$(grep -m1 '"version"' "$yowasp/node_modules/@yowasp/yosys/package.json" 2>/dev/null || true)
key=$( { echo "flow 2 $yosys_version $module [$resolved] [$synth_opts] [$blackbox]";
        grep -v -e '^read_verilog' -e '^chparam' "$script"; sha256sum "${pkgs[@]}" "${mods[@]}"; } | sha256sum | cut -c1-32)
reuse=
if [ "${ESTIMATE_FRESH:-0}" != 1 ]; then
  if [ "$old_key" = "$key" ] && [ -s "$final_work/netlist.json" ]; then reuse=$final_work; fi
  if [ -z "$reuse" ]; then
    for d in ${ESTIMATE_REUSE:-}; do
      if [ "$(cat "$d/key.txt" 2>/dev/null)" = "$key" ] && [ -s "$d/netlist.json" ] && [ -s "$d/time.txt" ]; then
        reuse=$d
        break
      fi
    done
  fi
fi
if [ -n "$reuse" ]; then
  # a finished run of the same configuration: take its results (hard links: the netlists are big)
  for f in netlist.json time.txt yosys.log stat.txt stdout.txt; do
    [ -e "$reuse/$f" ] && { ln -f "$reuse/$f" "$work/$f" 2>/dev/null || cp "$reuse/$f" "$work/$f"; }
  done
  [ "$reuse" = "$final_work" ] && reused_note="reused" || reused_note="reused ${reuse#"$out_dir"/}"
  echo "$reused_note" >"$work/reused.txt"
fi
rm -rf "$final_work"
mv "$work" "$final_work"
work=$final_work
script="$work/synth.ys"

# Yosys' run time: wall clock and CPU seconds (the CPU figure does not depend on other jobs on the machine).
if [ -z "$reuse" ] && ! /usr/bin/time -f "%e %U %S" -o "$work/time.txt" \
    node scripts/fpga/yosys.mjs "$yowasp" "$work" "${pkgs[@]}" "${mods[@]}" "$script" -- \
    -q -l yosys.log -s "$script" >"$work/stdout.txt" 2>&1; then
  echo "estimate.sh: yosys failed for $label; see $work/yosys.log and $work/stdout.txt" >&2
  exit 1
fi
# The key marks a finished run (what later runs may reuse): written only now, so a failed or killed Yosys
# leaves none next to a partial netlist.
echo "$key" >"$work/key.txt"
read -r wall user sys <"$work/time.txt"
seconds=$(python3 -c "print(f'{$wall:.0f}/{$user + $sys:.0f}')")
[ -z "$reuse" ] || seconds="$seconds*"
python3 scripts/fpga/netlist_report.py "$work/netlist.json" "$module" "$label" $header \
  --note="${synth_opts:-default}" --seconds="$seconds" --path 2>"$work/path.txt"
