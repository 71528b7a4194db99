#!/usr/bin/env bash
# summary: record real kernel TCP scenarios (tests/tools/tcpscen) with tcpdump, on loopback and between two network namespaces.
#
#   tests/record/record.sh [OUTDIR]        default OUTDIR: build/recorded
#
# Loopback: for each scenario one `tcpdump -i lo 'tcp port P'` with its own port P, writing
# OUTDIR/lo-<scenario>.pcap (lo6-* over ::1). Namespaces: the script makes three network
# namespaces, client -- router -- server (veth pairs, 10.77.0.0/24 and 10.77.1.0/24, fd77::/64
# and fd77:1::/64; names unique per run, removed by a trap), captures on the server and writes
# OUTDIR/ns-<scenario>.pcap (ns6-* over IPv6). Loss for the *-loss captures is made by nftables,
# RECORD_LOSS percent (default 3; every 33rd) of the data segments on each side of the capture point: in the
# router, before tcpdump sees them (the capture shows a gap: "previous segment not captured"),
# and in the server's input hook, after it (tcpdump sees ingress before netfilter: the capture
# shows the segment twice). ns-simultaneous-close runs over a direct client-server link shaped
# by tc tbf, so that both FINs are in flight at once. No packet goes to any address but
# loopback and these namespaces.
#
# Prints one line per capture: "PASS record:<name>", "FAIL record:<name>: why" or
# "SKIP record:<name>: why". A capture passes when both ends of the scenario succeeded, tcpdump
# lost nothing, and (when tshark is installed) the capture has the scenario's expected shape.
#
# Environment: TCPSCEN (tcpscen binary; built from tests/tools/tcpscen.c when not given),
# RECORD_ONLY (space-separated capture names to record), RECORD_LOSS (percent, default 3).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
OUT=${1:-build/recorded}
LOSS=${RECORD_LOSS:-3}
ONLY=" ${RECORD_ONLY:-} "

work=$(mktemp -d /tmp/tl-record.XXXXXX) || exit 1
mypids=()
mynetns=()
cleanup() {
    local p n
    for p in "${mypids[@]}"; do kill "$p" 2>/dev/null; done
    for n in "${mynetns[@]}"; do ip netns del "$n" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wanted() { [[ $ONLY == "  " || $ONLY == *" $1 "* ]]; }

skip_all() { # reason: every capture is skipped
    local n
    for n in "${LO_NAMES[@]}" "${NS_NAMES[@]}"; do wanted "$n" && echo "SKIP record:$n: $1"; done
    exit 0
}

# ---- the scenarios: name, tcpscen scenario, tcpscen options, expected shape ----
# The shape is the capture written as tokens, one per packet: C/S (client/server sent it), ":",
# the flags (S F R P A), "d" when it carries data, "^" when it acknowledges the peer's FIN, and
# tshark's analysis flags in brackets (RT retransmission, LOST previous segment not captured,
# DUP duplicate ACK, ZW zero window, KA / KAACK keep-alive and its ACK). Each expectation is an
# extended regular expression the shape must match; several are joined by " && ".
declare -A SCEN OPTS EXPECT
add() { SCEN[$1]=$2; OPTS[$1]=$3; EXPECT[$1]=$4; }
add http               http               ""          'C:FA S:A\^ S:FA\^ C:A\^$'
add http-server-close  http-server-close  ""          'S:FA C:A\^ C:FA\^ S:A\^$'
add three-way-close    three-way-close    ""          'C:FA S:FA\^ C:A\^$'
add refused            refused            ""          '^C:S S:RA$'
add rst-abort          rst-abort          ""          'S:P?Ad .*C:RA?( |$)'
add half-close         half-close         ""          'C:FA ([^ ]+ )*S:P?Ad.* S:FA\^ C:A\^$'
add keepalive          keepalive          ""          'C:A\[KA\] S:A\[KAACK\] .*C:A\[KA\] S:A\[KAACK\]'
add zero-window        zero-window        ""          'S:A\[ZW\]'
add bulk               bulk               ""          '^C:S S:SA C:A C:P?Ad.* C:FP?Ad? .*S:FA\^ C:A\^$'
add bulk-loss          bulk               "-n 2000000" 'C:P?Ad\[[^]]*RT && C:P?Ad\[[^]]*LOST && S:A\[DUP'
add http-loss          http               "-n 300000"  'S:P?Ad\[[^]]*RT && C:A\[DUP'
add simultaneous-close simultaneous-close ""          'C:FA ([^ ]+ )*S:FA( |$)|S:FA ([^ ]+ )*C:FA( |$)'

# capture name -> scenario key and server address
LO_NAMES=(lo-http lo6-http lo-http-server-close lo-three-way-close lo-refused lo-rst-abort
          lo-half-close lo-keepalive lo-zero-window lo-bulk)
NS_NAMES=(ns-http ns-http-loss ns-bulk-loss ns6-bulk-loss ns-refused ns-rst-abort ns-half-close
          ns-zero-window ns-simultaneous-close)
key_of() { local k=${1#*-}; echo "$k"; }

# ---- prerequisites ----
if [[ $(id -u) -ne 0 ]]; then skip_all "needs root (tcpdump, network namespaces)"; fi
command -v tcpdump >/dev/null || skip_all "tcpdump is not installed"
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || { echo "FAIL record: cannot create $OUT"; exit 1; }
for n in "${LO_NAMES[@]}" "${NS_NAMES[@]}"; do wanted "$n" && rm -f "$OUT/$n.pcap"; done

TCPSCEN=${TCPSCEN:-}
if [[ -z $TCPSCEN || ! -x $TCPSCEN ]]; then
    TCPSCEN=$work/tcpscen
    if ! ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -o "$TCPSCEN" tests/tools/tcpscen.c \
        2>"$work/cc.log"; then
        echo "FAIL record: tests/tools/tcpscen.c does not compile: $(head -1 "$work/cc.log")"
        exit 1
    fi
fi
HAVE_TSHARK=
command -v tshark >/dev/null && HAVE_TSHARK=1

# Ports: one per capture, from a per-run random base below the kernel's ephemeral range.
BASE=$((20000 + (RANDOM % 400) * 25))
declare -A PORT
i=0
for n in "${LO_NAMES[@]}" "${NS_NAMES[@]}"; do PORT[$n]=$((BASE + i)); i=$((i + 1)); done

# ---- helpers ----
# start_tcpdump DIR NETNS IFACE FILE FILTER: tcpdump in the background (in NETNS unless "-"),
# returns once it is really listening; its pid goes to DIR/tcpdump.pid.
start_tcpdump() {
    local dir=$1 ns=$2 ifc=$3 file=$4 filter=$5 pre=() k
    [[ $ns != - ]] && pre=(ip netns exec "$ns")
    : >"$dir/tcpdump.err"
    "${pre[@]}" tcpdump -i "$ifc" -Z root -B 4096 -s 0 -U -w "$file" "$filter" \
        2>"$dir/tcpdump.err" &
    echo $! >"$dir/tcpdump.pid"
    for ((k = 0; k < 100; k++)); do
        grep -q 'listening on' "$dir/tcpdump.err" && return 0
        kill -0 "$(cat "$dir/tcpdump.pid")" 2>/dev/null || break
        sleep 0.05
    done
    return 1
}

# stop_tcpdump DIR: wait for the kernel to hand over its last block of packets (tcpdump's
# buffer timeout is 1 s), stop tcpdump cleanly, and set DROPS to the number of packets the
# kernel dropped (empty when tcpdump did not say).
stop_tcpdump() {
    local dir=$1 pid
    pid=$(cat "$dir/tcpdump.pid")
    sleep 1.2
    kill -INT "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    DROPS=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$dir/tcpdump.err")
}

# shape FILE PORT: the token string described above.
shape() {
    tshark -n -r "$1" -T fields -E separator=/t -e tcp.srcport -e tcp.flags.syn \
        -e tcp.flags.fin -e tcp.flags.reset -e tcp.flags.push -e tcp.flags.ack -e tcp.len \
        -e tcp.seq -e tcp.ack -e tcp.analysis.retransmission -e tcp.analysis.lost_segment \
        -e tcp.analysis.duplicate_ack -e tcp.analysis.zero_window -e tcp.analysis.keep_alive \
        -e tcp.analysis.keep_alive_ack 2>/dev/null |
        awk -F'\t' -v P="$2" '
        $1 == "" { next }
        {
            d = ($1 == P) ? "S" : "C"; o = (d == "S") ? "C" : "S"
            t = d ":"
            if ($2 == 1) t = t "S"
            if ($3 == 1) t = t "F"
            if ($4 == 1) t = t "R"
            if ($5 == 1) t = t "P"
            if ($6 == 1) t = t "A"
            if ($7 > 0) t = t "d"
            if ($6 == 1 && (o in finend) && $9 + 0 >= finend[o]) t = t "^"
            if ($3 == 1 && !(d in finend)) finend[d] = $8 + $7 + 1
            a = ""
            if ($10 != "") a = a ",RT"
            if ($11 != "") a = a ",LOST"
            if ($12 != "") a = a ",DUP"
            if ($13 != "") a = a ",ZW"
            if ($14 != "") a = a ",KA"
            if ($15 != "") a = a ",KAACK"
            if (a != "") t = t "[" substr(a, 2) "]"
            s = s (s == "" ? "" : " ") t
        }
        END { print s }'
}

# judge NAME DIR RC_CLIENT RC_SERVER DROPS: writes the result line to DIR/result.
judge() {
    local name=$1 dir=$2 crc=$3 src=$4 drops=$5 file=$OUT/$1.pcap key sh e why=
    key=$(key_of "$name")
    if [[ $crc -ne 0 ]]; then
        why="client side failed: $(tail -1 "$dir/client.log" 2>/dev/null)"
    elif [[ $src -ne 0 ]]; then
        why="server side failed: $(tail -1 "$dir/server.log" 2>/dev/null)"
    elif [[ ! -s $file ]]; then
        why="no capture written: $(grep -v 'listening on' "$dir/tcpdump.err" | head -1)"
    elif [[ ${drops:-x} != 0 ]]; then
        why="tcpdump reports ${drops:-unknown} packets dropped by the kernel"
    elif [[ -n $HAVE_TSHARK ]]; then
        sh=$(shape "$file" "${PORT[$name]}")
        echo "$sh" >"$dir/shape"
        local rest=${EXPECT[$key]}
        while [[ -n $rest ]]; do
            e=${rest%% && *}
            [[ $rest == *" && "* ]] && rest=${rest#* && } || rest=
            if ! grep -Eq -- "$e" <<<"$sh"; then
                why="capture does not show the expected shape /$e/: ${sh:0:300}"
                break
            fi
        done
    fi
    if [[ -n $why ]]; then
        echo "FAIL record:$name: $why" >"$dir/result"
    else
        echo "PASS record:$name" >"$dir/result"
    fi
}

# record_lo NAME ADDR: both ends in one tcpscen process on loopback.
record_lo() {
    local name=$1 addr=$2 key dir=$work/$1 port=${PORT[$1]} crc
    key=$(key_of "$name")
    mkdir -p "$dir"
    if ! start_tcpdump "$dir" - lo "$OUT/$name.pcap" "tcp port $port"; then
        echo "FAIL record:$name: tcpdump did not start: $(head -1 "$dir/tcpdump.err")" \
            >"$dir/result"
        return
    fi
    # shellcheck disable=SC2086
    "$TCPSCEN" -t 20 ${OPTS[$key]} "${SCEN[$key]}" both "$addr" "$port" >"$dir/client.log" 2>&1
    crc=$?
    stop_tcpdump "$dir"
    judge "$name" "$dir" "$crc" 0 "$DROPS"
}

# record_ns NAME SERVER_NS CLIENT_NS IFACE ADDR: the server runs in SERVER_NS, where tcpdump
# listens on IFACE; the client runs in CLIENT_NS.
record_ns() {
    local try
    # Random loss may miss the segments that make the expected shape: try a loss scenario again.
    for try in 1 2 3; do
        record_ns_once "$@"
        [[ $1 == *-loss ]] || return
        grep -q 'expected shape' "$work/$1/result" || return
    done
}

record_ns_once() {
    local name=$1 sns=$2 cns=$3 ifc=$4 addr=$5 key dir=$work/$1 port=${PORT[$1]} crc src spid
    local k
    key=$(key_of "$name")
    rm -rf "$dir"
    mkdir -p "$dir"
    if ! start_tcpdump "$dir" "$sns" "$ifc" "$OUT/$name.pcap" "tcp port $port"; then
        echo "FAIL record:$name: tcpdump did not start: $(head -1 "$dir/tcpdump.err")" \
            >"$dir/result"
        return
    fi
    # shellcheck disable=SC2086
    ip netns exec "$sns" "$TCPSCEN" -t 20 -r "$dir/ready" ${OPTS[$key]} "${SCEN[$key]}" server \
        "$addr" "$port" >"$dir/server.log" 2>&1 &
    spid=$!
    for ((k = 0; k < 100; k++)); do
        [[ -e $dir/ready ]] && break
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.05
    done
    # shellcheck disable=SC2086
    ip netns exec "$cns" "$TCPSCEN" -t 20 ${OPTS[$key]} "${SCEN[$key]}" client "$addr" "$port" \
        >"$dir/client.log" 2>&1
    crc=$?
    wait "$spid"
    src=$?
    stop_tcpdump "$dir"
    judge "$name" "$dir" "$crc" "$src" "$DROPS"
}

# ---- the namespaces ----
# client C --veth0-- router R --veth0-- server S, plus a direct, shaped link C --veth1-- S.
#   C  10.77.0.2/24  fd77::2/64     R  10.77.0.1 fd77::1 | 10.77.1.1 fd77:1::1
#   S  10.77.1.2/24  fd77:1::2/64   shaped link: C 10.77.2.2/24, S 10.77.2.1/24
# tcpdump runs in S. Loss on the sender's side of it is made in R's forward hook: a drop in the
# sender's own output path would be reported back to its TCP, which sends the segment again
# at once, so nothing would be lost. Loss on the receiver's side is made in S's input hook,
# after tcpdump has seen the segment.
NS_OK=
NS_WHY=
SHAPED_OK=
SHAPED_WHY=
nsrun() { ip netns exec "$@"; }
ns_build() { # client router server
    local c=$1 r=$2 s=$3 n
    ip link add veth0 netns "$c" type veth peer name veth0 netns "$r" || return 1
    ip link add veth1 netns "$r" type veth peer name veth0 netns "$s" || return 1
    for n in "$c:veth0" "$r:veth0" "$r:veth1" "$s:veth0"; do
        # MTU-sized segments instead of GSO super-packets, as on a real link
        ip -n "${n%:*}" link set "${n#*:}" gso_max_size 1500 gso_max_segs 1 up || return 1
    done
    for n in "$c" "$r" "$s"; do ip -n "$n" link set lo up || return 1; done
    ip -n "$c" addr add 10.77.0.2/24 dev veth0 || return 1
    ip -n "$c" addr add fd77::2/64 dev veth0 nodad || return 1
    ip -n "$r" addr add 10.77.0.1/24 dev veth0 || return 1
    ip -n "$r" addr add fd77::1/64 dev veth0 nodad || return 1
    ip -n "$r" addr add 10.77.1.1/24 dev veth1 || return 1
    ip -n "$r" addr add fd77:1::1/64 dev veth1 nodad || return 1
    ip -n "$s" addr add 10.77.1.2/24 dev veth0 || return 1
    ip -n "$s" addr add fd77:1::2/64 dev veth0 nodad || return 1
    ip -n "$c" route add 10.77.1.0/24 via 10.77.0.1 || return 1
    ip -n "$c" -6 route add fd77:1::/64 via fd77::1 || return 1
    ip -n "$s" route add 10.77.0.0/24 via 10.77.1.1 || return 1
    ip -n "$s" -6 route add fd77::/64 via fd77:1::1 || return 1
    nsrun "$r" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

ns_shaped() { # client server
    local c=$1 s=$2
    ip link add veth1 netns "$c" type veth peer name veth1 netns "$s" || return 1
    ip -n "$c" addr add 10.77.2.2/24 dev veth1 || return 1
    ip -n "$s" addr add 10.77.2.1/24 dev veth1 || return 1
    ip -n "$c" link set veth1 up || return 1
    ip -n "$s" link set veth1 up || return 1
    nsrun "$c" tc qdisc add dev veth1 root tbf rate 80kbit burst 1600 latency 2s || return 1
    nsrun "$s" tc qdisc add dev veth1 root tbf rate 80kbit burst 1600 latency 2s
}

setup_netns() {
    local c=tl-rec-$$-cli r=tl-rec-$$-rtr s=tl-rec-$$-srv n
    NS_C=$c
    NS_S=$s
    command -v ip >/dev/null || { NS_WHY="iproute2 (ip) is not installed"; return 1; }
    command -v nft >/dev/null || { NS_WHY="nftables (nft) is not installed"; return 1; }
    for n in "$c" "$r" "$s"; do
        if ! ip netns add "$n" 2>>"$work/netns.err"; then
            NS_WHY="cannot create a network namespace: $(tail -1 "$work/netns.err")"
            return 1
        fi
        mynetns+=("$n")
    done
    if ! ns_build "$c" "$r" "$s" >>"$work/netns.err" 2>&1; then
        NS_WHY="cannot set up the namespaces: $(tail -1 "$work/netns.err")"
        return 1
    fi
    # Only data segments of the *-loss ports (meta length > 200 leaves handshakes, pure ACKs and
    # FINs alone).
    local ports="" p
    for n in ns-bulk-loss ns6-bulk-loss ns-http-loss; do
        p=${PORT[$n]}
        ports="$ports${ports:+, }$p"
    done
    # Every (100/LOSS)-th data segment of a rule, counted by nftables (numgen inc): the same
    # rate as a random drop, but every loss scenario is sure to lose some (a random 3% of the
    # few dozen segments of an HTTP reply is sometimes nothing at all).
    local every=$((100 / (LOSS > 0 ? LOSS : 100)))
    local drop="meta length > 200 numgen inc mod $every == $((every / 2)) drop"
    if ! nsrun "$r" nft -f - 2>>"$work/netns.err" <<EOF; then
table inet tl_loss {
    chain loss_forward {
        type filter hook forward priority 0;
        tcp dport { $ports } $drop
        tcp sport { $ports } $drop
    }
}
EOF
        NS_WHY="nftables loss rules failed: $(grep -m1 Error "$work/netns.err")"
        return 1
    fi
    if ! nsrun "$s" nft -f - 2>>"$work/netns.err" <<EOF; then
table inet tl_loss {
    chain loss_input {
        type filter hook input priority 0;
        tcp dport { $ports } $drop
    }
}
EOF
        NS_WHY="nftables loss rules failed: $(grep -m1 Error "$work/netns.err")"
        return 1
    fi
    NS_OK=1
    # The shaped link for the simultaneous close: a token bucket of 1600 bytes refilled at
    # 10000 bytes/s. tcpscen's two 1200-byte UDP datagrams empty it, so each FIN waits about
    # 90 ms in the queue (well below the 200 ms minimum retransmission timeout) and the two
    # FINs cross.
    if ns_shaped "$c" "$s" >>"$work/netns.err" 2>&1; then
        SHAPED_OK=1
    else
        SHAPED_WHY="cannot shape a veth link with tc tbf: $(tail -1 "$work/netns.err")"
    fi
    return 0
}

# ---- run ----
names=()
for n in "${LO_NAMES[@]}"; do
    wanted "$n" || continue
    if [[ $n == lo6-* ]]; then
        if ! ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'; then
            mkdir -p "$work/$n"
            echo "SKIP record:$n: loopback has no ::1 (IPv6 disabled)" >"$work/$n/result"
            names+=("$n")
            continue
        fi
        record_lo "$n" ::1 &
    else
        record_lo "$n" 127.0.0.1 &
    fi
    mypids+=($!)
    names+=("$n")
done

want_ns=
for n in "${NS_NAMES[@]}"; do wanted "$n" && want_ns=1; done
if [[ -n $want_ns ]]; then
    setup_netns
    for n in "${NS_NAMES[@]}"; do
        wanted "$n" || continue
        names+=("$n")
        if [[ -z $NS_OK ]]; then
            mkdir -p "$work/$n"
            echo "SKIP record:$n: $NS_WHY" >"$work/$n/result"
        elif [[ $n == ns-simultaneous-close ]]; then
            if [[ -z $SHAPED_OK ]]; then
                mkdir -p "$work/$n"
                echo "SKIP record:$n: $SHAPED_WHY" >"$work/$n/result"
                continue
            fi
            record_ns "$n" "$NS_S" "$NS_C" veth1 10.77.2.1 &
            mypids+=($!)
        elif [[ $n == ns6-* ]]; then
            record_ns "$n" "$NS_S" "$NS_C" veth0 fd77:1::2 &
            mypids+=($!)
        else
            record_ns "$n" "$NS_S" "$NS_C" veth0 10.77.1.2 &
            mypids+=($!)
        fi
    done
fi

for p in "${mypids[@]}"; do wait "$p"; done
mypids=()
status=0
for n in "${names[@]}"; do
    if [[ -s $work/$n/result ]]; then
        cat "$work/$n/result"
        grep -q '^FAIL' "$work/$n/result" && status=1
    else
        echo "FAIL record:$n: no result (the recording job died)"
        status=1
    fi
    if [[ -n ${RECORD_VERBOSE:-} && -s $work/$n/shape ]]; then
        echo "    shape: $(cut -c1-400 "$work/$n/shape")"
    fi
done
exit $status
