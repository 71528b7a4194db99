#!/usr/bin/env bash
# summary: install the Debian packages tcplens needs to build and test, only those missing.
# Usage: scripts/deps.sh [build|test|all|bench]   (default: all)
#   bench: what `make bench` needs on top of all (a load generator for the recorded capture,
#   GNU time for peak memory); not part of `make check`.
set -euo pipefail
want=${1:-all}
build_pkgs=(gcc make pkg-config libpcap-dev libcurl4-openssl-dev)
test_pkgs=(tshark tcpdump python3 iproute2 nftables iputils-ping clang libclang-rt-14-dev valgrind
           jq zsh man-db groff-base dpkg-dev libcap2-bin bsdutils bro-aux)
bench_pkgs=(apache2-utils time)
# Large and only for the browser test of `tcplens report`: a failure to install it is not fatal
# (that test then says SKIP).
optional_pkgs=()
case $want in
    build) pkgs=("${build_pkgs[@]}") ;;
    test|all) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}"); optional_pkgs=(chromium) ;;
    bench) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
    *) echo "deps.sh: unknown set '$want' (build, test, all or bench)" >&2; exit 2 ;;
esac
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=() opt_missing=()
for p in "${pkgs[@]}"; do installed "$p" || missing+=("$p"); done
for p in "${optional_pkgs[@]}"; do installed "$p" || opt_missing+=("$p"); done
((${#missing[@]} + ${#opt_missing[@]} == 0)) && exit 0
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null; then SUDO=sudo; else
        ((${#missing[@]} == 0)) && exit 0
        echo "deps.sh: missing packages: ${missing[*]} (run as root to install them)" >&2; exit 1; fi
else SUDO=; fi
echo "deps.sh: installing ${missing[*]} ${opt_missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || ((${#missing[@]} == 0)) || exit 1
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
((${#missing[@]} == 0)) || $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if ((${#opt_missing[@]})); then
    $SUDO apt-get install -y -qq --no-install-recommends "${opt_missing[@]}" >/dev/null ||
        echo "deps.sh: could not install ${opt_missing[*]}; the tests that need it are skipped" >&2
fi
