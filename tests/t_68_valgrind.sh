#!/usr/bin/env bash
# asan: no
# valgrind (memcheck, full leak check) on a sample: the seed, a lossy capture, damaged captures
# (cut short, a record claiming 16 MB, a fuzzer find), a pcapng with two link types, standard
# input, and the commands that read packets (read, read --json, report; conns and explain once
# they exist). Each run must end with valgrind reporting nothing (--error-exitcode=1) and the
# command's own documented exit code. Not run under ASan: the two do not mix.
set -u
cd "$(dirname "$0")/.."
BIN=${TCPLENS_BIN:-build/tcplens}
SHARED=${SHARED:-../shared}
if ! command -v valgrind >/dev/null; then echo "SKIP valgrind: valgrind is not installed"; exit 0; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
C=$SHARED/captures
cases=(
    "seed-read|0|read $SHARED/seed/seed-baidu.pcap"
    "seed-json|0|read --json -S $SHARED/seed/seed-baidu.pcap"
    "lossy|0|read --json $C/chrissanders__tcp_retransmissions.pcapng"
    "filter|0|read $C/zeek__get.pcap tcp port 80"
    "cut-short|4|read $C/sv__http-mime-truncated__input.pcap"
    "huge-record|4|read --json $C/sv__bug-6875-01__fuzz.pcap"
    "heapoverflow|0|read $C/tcpdump__tcp_header_heapoverflow.pcap"
    "two-linktypes|0|read $C/ppp__pcapng-example.pcapng"
    "not-a-capture|3|read $SHARED/seed/000_07fc13b696e11f52.txt"
    "stdin|0|read - <$SHARED/seed/seed-baidu.pcap"
    "report|0|report $SHARED/seed/seed-baidu.pcap -o $tmp/r.html"
)
for c in conns explain; do
    if "$BIN" "$c" --help >/dev/null 2>&1; then
        cases+=("$c-seed|0|$c $SHARED/seed/seed-baidu.pcap" "$c-cut|4|$c $C/sv__http-mime-truncated__input.pcap")
    fi
done
for c in "${cases[@]}"; do
    name=${c%%|*}; rest=${c#*|}; want=${rest%%|*}; args=${rest#*|}
    in=/dev/null
    if [[ $args == *" <"* ]]; then in=${args##* <}; args=${args% <*}; fi
    # shellcheck disable=SC2086
    valgrind -q --error-exitcode=1 --leak-check=full --log-file="$tmp/vg" \
        "$BIN" $args <"$in" >/dev/null 2>"$tmp/err"; rc=$?
    if [[ -s $tmp/vg ]]; then echo "FAIL valgrind:$name: $(grep -m1 -E '==[0-9]+== [A-Z]' "$tmp/vg")"; head -20 "$tmp/vg"
    elif [[ $rc -ne $want ]]; then echo "FAIL valgrind:$name: exit $rc, want $want: $(head -1 "$tmp/err")"
    else echo "PASS valgrind:$name"; fi
done
