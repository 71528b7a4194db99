#!/usr/bin/env bash
# summary: build the Debian package of tcplens with dpkg-deb (what `make deb` runs).
# Usage: scripts/mkdeb.sh BINARY VERSION OUTDIR  -> OUTDIR/tcplens_VERSION_ARCH.deb
# The tree: /usr/bin/tcplens (stripped), the man page (gzip -9n), bash and zsh completion, and
# in /usr/share/doc/tcplens the README, docs/json.md and the JSON Schema of --json.
# Depends comes from dpkg-shlibdeps (dpkg-dev) when it is installed, else from the list of
# libraries the binary links, plus libcurl4, which the binary loads with dlopen when `visit`
# runs (so neither list can see it). The postinst gives the binary cap_net_raw,cap_net_admin when
# setcap exists, so live capture works without root; it never fails the installation.
set -euo pipefail
bin=${1:?binary} version=${2:?version} out=${3:?output directory}
cd "$(dirname "$0")/.."
[[ -x $bin ]] || { echo "mkdeb: $bin is not built" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "mkdeb: dpkg-deb is not installed" >&2; exit 1; }
arch=$(dpkg --print-architecture)
stage=$out/stage
rm -rf "$stage"
mkdir -p "$stage/DEBIAN"
install -D -m 0755 "$bin" "$stage/usr/bin/tcplens"
strip --strip-unneeded "$stage/usr/bin/tcplens" 2>/dev/null || true
install -d "$stage/usr/share/man/man1"
gzip -9n <man/tcplens.1 >"$stage/usr/share/man/man1/tcplens.1.gz"
chmod 0644 "$stage/usr/share/man/man1/tcplens.1.gz"
install -D -m 0644 completions/tcplens.bash "$stage/usr/share/bash-completion/completions/tcplens"
install -D -m 0644 completions/_tcplens "$stage/usr/share/zsh/vendor-completions/_tcplens"
install -D -m 0644 README.md "$stage/usr/share/doc/tcplens/README.md"
gzip -9n "$stage/usr/share/doc/tcplens/README.md"
install -D -m 0644 docs/json.md "$stage/usr/share/doc/tcplens/json.md"
install -D -m 0644 docs/json-schema/packet-v1.json "$stage/usr/share/doc/tcplens/json-schema/packet-v1.json"

depends=
if command -v dpkg-shlibdeps >/dev/null; then
    # dpkg-shlibdeps wants a debian/control beside it; give it a minimal one in a scratch dir
    scratch=$out/shlibdeps
    stage_abs=$(cd "$stage" && pwd)
    rm -rf "$scratch"
    mkdir -p "$scratch/debian"
    printf 'Source: tcplens\n\nPackage: tcplens\nArchitecture: any\n' >"$scratch/debian/control"
    depends=$(cd "$scratch" && dpkg-shlibdeps -O -e"$stage_abs/usr/bin/tcplens" 2>/dev/null |
              sed -n 's/^shlibs:Depends=//p') || depends=
    rm -rf "$scratch"
fi
if [[ -z $depends ]]; then
    # the packages that ship the libraries the binary is linked with
    libs=$(objdump -p "$stage/usr/bin/tcplens" 2>/dev/null | awk '/NEEDED/ {print $2}')
    pkgs=()
    for l in $libs; do
        p=$(dpkg -S "*/$l" 2>/dev/null | head -1 | cut -d: -f1) || p=
        [[ -n $p ]] && pkgs+=("$p")
    done
    depends=$(printf '%s\n' "${pkgs[@]}" | sort -u | paste -sd, | sed 's/,/, /g')
    [[ -n $depends ]] || depends="libc6, libpcap0.8, libcurl4"
fi
# libcurl is loaded at run time (dlopen "libcurl.so.4", shipped by libcurl4); 7.85 brought
# CURLOPT_PROTOCOLS_STR, the newest option the request sets
grep -q '\blibcurl4\b' <<<"$depends" || depends+=", libcurl4 (>= 7.85.0)"

size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<EOF
Package: tcplens
Version: $version
Architecture: $arch
Maintainer: tcplens developers <tcplens@localhost>
Installed-Size: $size
Depends: $depends
Section: net
Priority: optional
Description: TCP analyzer that explains handshakes, data and teardowns
 tcplens reads a pcap or pcapng capture, or captures live, and makes TCP
 understandable: a Wireshark-style packet list with relative sequence numbers,
 tshark-compatible analysis flags (retransmissions, duplicate ACKs, zero
 windows), JSON output with tshark's field names, and ping.
EOF

cat >"$stage/DEBIAN/postinst" <<'EOF'
#!/bin/sh
# Let every user capture live without root: offer the capabilities libpcap needs.
# Undo with: setcap -r /usr/bin/tcplens
set -e
if [ "$1" = configure ]; then
    if command -v setcap >/dev/null 2>&1 &&
        setcap cap_net_raw,cap_net_admin=eip /usr/bin/tcplens 2>/dev/null; then
        echo "tcplens: live capture enabled without root (cap_net_raw,cap_net_admin on /usr/bin/tcplens; 'setcap -r /usr/bin/tcplens' removes them)"
    else
        echo "tcplens: live capture needs root; to allow it for all users: setcap cap_net_raw,cap_net_admin=eip /usr/bin/tcplens"
    fi
fi
exit 0
EOF
chmod 0755 "$stage/DEBIAN/postinst"
(cd "$stage" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"

deb=$out/tcplens_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$deb"
