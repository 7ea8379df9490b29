#!/usr/bin/env bash
# Installs every Debian package that hubsec's build, tests and demo need. Idempotent: when all
# are present it asks dpkg once and returns silently.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config ccache
  libssl-dev googletest libgtest-dev libgmock-dev libbenchmark-dev
  verilator libpci-dev libxrt-dev
  clang libclang-rt-14-dev libfuzzer-14-dev clang-format clang-tidy
  # tests and demo: independent ESP implementation, real IKE peer, wire judge, namespaces
  python3 python3-scapy
  strongswan-charon strongswan-swanctl libcharon-extra-plugins
  libstrongswan-extra-plugins libstrongswan-standard-plugins
  tshark iputils-ping iproute2 nftables iperf3 procps psmisc
  # Makefile.fpga estimate runs npm's @yowasp/yosys on Node.js
  nodejs
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
# Some machines carry a Node.js build that bundles npm; only ask Debian for npm where it is absent.
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# tshark asks whether non-root users may capture; the answer does not matter for us.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
