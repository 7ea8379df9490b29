#!/usr/bin/env bash
# Estimates a big design (the whole ESP datapath) in parts and prints its row of the estimate table.
#
# usage: scripts/fpga/estimate_hier.sh <out-dir> <label>:<module>[:<PARAM>=<value>,...[:<synth option>,...]]
#                                      [<rtl folder> ...]
#   Run from the repository root. Environment: ESTIMATE_JOBS (Yosys runs at a time, 2), ESTIMATE_WHOLE (modules
#   synthesised whole with everything below them; default the crypto cores), ESTIMATE_PART_OPTS (synth options
#   by module and parameter, default "aes_cipher:DECRYPT=1:-nowidelut" as the crypto row aes_dec),
#   ESTIMATE_REUSE (run directories whose results may be reused; default every row of <out-dir>),
#   ESTIMATE_FRESH=1 (run every part).
#
# Synthesising the datapath at once did not finish in an hour (one Yosys, single-threaded WebAssembly, ~2 GB).
# Here scripts/fpga/hier_plan.py cuts the hierarchy Verilator elaborates into parts: each crypto core with
# everything below it, and every other module alone with the modules it instantiates as blackboxes. Each
# distinct (module, parameters) is one Yosys run (scripts/fpga/estimate.sh --blackbox), ESTIMATE_JOBS at a
# time, slowest first; a part already synthesised at the same parameters from the same files (a crypto row of
# `make -f Makefile.fpga estimate`, or an earlier run) is reused. scripts/fpga/netlist_report.py --plan then
# puts the parts' netlists back together: every instance counted, depth followed across the parts.
# Logic is not optimised across part boundaries (a little pessimistic, as across modules in one run).
#
# Writes <out-dir>/<label>/: plan.json, parts/<part>/ (each Yosys run), parts.txt (one row per part and the
# breakdown by part), path.txt (the deepest paths cell by cell). Prints the design's row; exit status 1 and
# the failing part on stderr if a part does not synthesise.
set -euo pipefail

out_dir=$1
spec=$2
shift 2
rtl_dirs=("$@")
[ ${#rtl_dirs[@]} -gt 0 ] || rtl_dirs=(hw/rtl/crypto)
jobs=${ESTIMATE_JOBS:-2}
whole=${ESTIMATE_WHOLE:-aes_cipher,aes_key_expand,hmac_sha1,hmac_sha256}
part_opts=${ESTIMATE_PART_OPTS:-aes_cipher:DECRYPT=1:-nowidelut}

IFS=: read -r label module params _ <<<"$spec"
work="$out_dir/$label"
mkdir -p "$work/parts"
rm -rf "$work/deps" "$work/parts.txt" "$work"/parts/*.row "$work"/parts/*.err
start=$(date +%s)

mapfile -t pkgs < <(find "${rtl_dirs[@]}" -name '*_pkg.sv' | sort)
top_file=$(find "${rtl_dirs[@]}" -name "$module.sv" | head -1)
[ -n "$top_file" ] || { echo "estimate_hier.sh: no $module.sv under ${rtl_dirs[*]}" >&2; exit 1; }
gparams=()
if [ -n "$params" ]; then
  IFS=, read -ra kv <<<"$params"
  for p in "${kv[@]}"; do gparams+=("-G$p"); done
fi
ydirs=()
for d in "${rtl_dirs[@]}"; do [ -d "$d" ] && ydirs+=(-y "$d"); done
if ! verilator --xml-only --Mdir "$work/deps" -DSYNTHESIS -Wno-fatal -Wno-lint -Wno-style --top-module "$module" \
    "${gparams[@]}" "${pkgs[@]}" "$top_file" "${ydirs[@]}" >"$work/deps.txt" 2>&1; then
  echo "estimate_hier.sh: verilator cannot elaborate $module: $(grep -m1 Error "$work/deps.txt")" >&2
  exit 1
fi
python3 scripts/fpga/hier_plan.py "$work/deps/V$module.xml" "$module" "$work" --whole="$whole" \
  --opts="$part_opts" >"$work/plan.txt"

# Runs beside this one's parts (the crypto rows) may be reused, and parts of an earlier run.
reuse=${ESTIMATE_REUSE:-$(find "$out_dir" -mindepth 1 -maxdepth 1 -type d ! -name "$label" | sort | tr '\n' ' ')}
export ESTIMATE_REUSE="$reuse" YOWASP_DIR=${YOWASP_DIR:-.yowasp}
# one part: <part> <spec> <blackboxes>
run_part() {
  local bb=()
  [ "$3" = - ] || bb=(--blackbox="$3")
  if scripts/fpga/estimate.sh "$work/parts" "$2" "${bb[@]}" "${rtl_dirs[@]}" >"$work/parts/$1.row.tmp" \
      2>"$work/parts/$1.err"; then
    mv "$work/parts/$1.row.tmp" "$work/parts/$1.row"
  else
    echo "estimate_hier.sh: part $1 failed: $(grep -m1 ERROR "$work/parts/$1/yosys.log" "$work/parts/$1/stdout.txt" \
      2>/dev/null | head -1)" >&2
    return 1
  fi
}
export -f run_part
export work
rtl_list="${rtl_dirs[*]}"
export rtl_list
# (xargs: ESTIMATE_JOBS at a time in the plan's order, the slowest first)
if ! xargs -P "$jobs" -L 1 bash -c 'rtl_dirs=($rtl_list); run_part "$@"' _ <"$work/plan.txt"; then
  echo "estimate_hier.sh: $label not synthesised (a part failed, see $work/parts/*.err)" >&2
  exit 1
fi

nparts=$(wc -l <"$work/plan.txt")
nreused=$(find "$work/parts" -mindepth 2 -name reused.txt | wc -l)
cpu=$(cat "$work"/parts/*/time.txt | awk '{ s += $2 + $3 } END { printf "%.0f", s }')
wall=$(( $(date +%s) - start ))
{
  python3 scripts/fpga/netlist_report.py --header-only
  cat "$work"/parts/*.row
} >"$work/parts.txt"
python3 scripts/fpga/netlist_report.py --plan="$work" "$label" --parts --path --seconds="$wall/$cpu" \
  --note="$nparts parts, $nreused reused" 2>"$work/path.txt" >"$work/row.txt"
head -1 "$work/row.txt"
tail -n +2 "$work/row.txt" >>"$work/parts.txt"
