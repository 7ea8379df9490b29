# shellcheck shell=bash
# Reading hubsecd's `show crypto engine accelerator statistic` in shell: shared by the demo
# (scripts/demo.sh) and the gateway tests (tests/host/gateway/gateway-lib.sh). Source it.
#
#   gw_engine_count FILE WHAT   a number from a saved show: encrypted, decrypted, jobs_done (card), cycles (card)
#
# The show's layout (host/src/daemon/engine_show.cpp): "N packets decrypted  M packets encrypted",
# "JOBS_DONE : N ...", "CYCLES : N ...".
gw_engine_count() {
  case "$2" in
    decrypted) awk '/packets decrypted/ {print $1}' "$1" ;;
    encrypted) awk '/packets encrypted/ {print $4}' "$1" ;;
    jobs_done) awk '$1 == "JOBS_DONE" {print $3}' "$1" ;;
    cycles) awk '$1 == "CYCLES" {print $3}' "$1" ;;
    *)
      echo "gw_engine_count: no counter '$2'" >&2
      return 2
      ;;
  esac
}
