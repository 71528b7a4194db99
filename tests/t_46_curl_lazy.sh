#!/usr/bin/env bash
# summary: libcurl is loaded only when used: the binary does not name it among its start-up
# libraries (ELF NEEDED), reading a capture never loads it, --version and `visit` on the loopback
# (built-in server) load it and work; and with libcurl.so.4 unloadable (hidden in a private mount
# namespace) visit fails with one clear line and exit code 1 while conns still works.
set -uo pipefail
BIN=${TCPLENS_BIN:?}
SEED=${SHARED:-}/seed/seed-baidu.pcap
tmp=$(mktemp -d)
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }
short() { tr '\n' '|' <"$1" | head -c 300; }

# ---- not linked ----
needed=$(readelf -d "$BIN" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
if [[ -z $needed ]]; then
    fail not_needed "readelf -d shows no NEEDED entries"
elif grep -q curl <<<"$needed"; then
    fail not_needed "NEEDED lists $(grep curl <<<"$needed" | paste -sd' ')"
elif ldd "$BIN" | grep -q libcurl; then
    fail not_needed "ldd lists libcurl: $(ldd "$BIN" | grep libcurl)"
else
    pass not_needed
fi

# ---- a read does not load it ----
if [[ -f $SEED ]]; then
    LD_DEBUG=files "$BIN" read "$SEED" >"$tmp/read.out" 2>"$tmp/read.dbg"
    rc=$?
    if [[ $rc -ne 0 ]]; then
        fail read_no_curl "exit $rc"
    elif grep -q 'libcurl' "$tmp/read.dbg"; then
        fail read_no_curl "libcurl was loaded: $(grep -m1 libcurl "$tmp/read.dbg")"
    elif ! grep -q 'libpcap' "$tmp/read.dbg"; then
        fail read_no_curl "LD_DEBUG=files shows no library at all (cannot tell)"
    else
        pass read_no_curl
    fi
else
    skip read_no_curl "no $SEED"
fi

# ---- --version loads it ----
"$BIN" --version >"$tmp/v.out" 2>&1
if sed -n 3p "$tmp/v.out" | grep -q '^libcurl/[0-9]'; then
    pass version_curl
else
    fail version_curl "line 3: $(sed -n 3p "$tmp/v.out")"
fi

if [[ $(id -u) -ne 0 ]]; then
    skip visit_lo "capturing needs root"
    skip visit_no_curl "needs root (mount namespace)"
    exit 0
fi

# ---- visit on the loopback loads it and fetches ----
"$BIN" visit --ping 0 >"$tmp/visit.out" 2>"$tmp/visit.err"
rc=$?
if [[ $rc -ne 0 ]]; then
    fail visit_lo "exit $rc: $(short "$tmp/visit.err")"
elif ! grep -q '^< HTTP/1.1 200' "$tmp/visit.out"; then
    fail visit_lo "no '< HTTP/1.1 200' line: $(short "$tmp/visit.out")"
else
    pass visit_lo
fi

# ---- libcurl unloadable: a file that is not a library in its place, in a private namespace ----
lib=$(ldconfig -p | awk '$1 == "libcurl.so.4" && /x86-64|x86_64|64bit/ {print $NF; exit}')
[[ -n $lib ]] || lib=$(ldconfig -p | awk '$1 == "libcurl.so.4" {print $NF; exit}')
if [[ -z $lib ]] || ! command -v unshare >/dev/null; then
    skip visit_no_curl "no libcurl.so.4 in ldconfig -p or no unshare"
    exit 0
fi
lib=$(readlink -f "$lib")
: >"$tmp/notalib"
unshare -m sh -c 'mount --bind "$1" "$2" && shift 2 && "$@"' sh "$tmp/notalib" "$lib" \
    "$BIN" visit --ping 0 >"$tmp/nc.out" 2>"$tmp/nc.err"
rc=$?
unshare -m sh -c 'mount --bind "$1" "$2" && shift 2 && "$@"' sh "$tmp/notalib" "$lib" \
    "$BIN" conns "$SEED" >"$tmp/ncc.out" 2>"$tmp/ncc.err"
crc=$?
if grep -q 'mount' "$tmp/nc.err"; then
    skip visit_no_curl "cannot bind-mount here: $(short "$tmp/nc.err")"
elif [[ $rc -ne 1 ]]; then
    fail visit_no_curl "exit $rc (want 1): $(short "$tmp/nc.err")"
elif [[ $(wc -l <"$tmp/nc.err") -ne 1 ]] ||
    ! grep -q '^tcplens: visit needs libcurl: cannot load libcurl (install the libcurl4 package): ' "$tmp/nc.err"; then
    fail visit_no_curl "stderr: $(short "$tmp/nc.err")"
elif [[ -s $tmp/nc.out ]]; then
    fail visit_no_curl "printed on stdout: $(short "$tmp/nc.out")"
elif [[ -f $SEED ]] && { [[ $crc -ne 0 ]] || [[ ! -s $tmp/ncc.out ]]; }; then
    fail visit_no_curl "conns without libcurl: exit $crc: $(short "$tmp/ncc.err")"
else
    pass visit_no_curl
fi
