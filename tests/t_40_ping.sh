#!/usr/bin/env bash
# summary: `tcplens ping`: loopback IPv4/IPv6 replies and statistics (compared line by line with
# iputils ping where it is installed), Ctrl-C, name and usage errors, and - as root - a pair of
# network namespaces joined by a veth: raw and unprivileged datagram ICMP sockets, a silent
# address, ICMP errors from a router, a local send error and the missing-privilege exit.
set -uo pipefail
BIN=${TCPLENS_BIN:?}
tmp=$(mktemp -d)
chmod 755 "$tmp"
NA=tl40a_$$ NB=tl40b_$$ VA=tl40a$$ VB=tl40b$$
cleanup() {
    ip netns del "$NA" 2>/dev/null
    ip netns del "$NB" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

# run NAME CMD...: stdout to $tmp/NAME.out, stderr to $tmp/NAME.err, exit code to $rc
run() {
    local name=$1
    shift
    "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
}

# check_replies NAME ADDR COUNT BYTES: the per-reply lines, in order, and the statistics lines
check_replies() {
    local name=$1 addr=$2 n=$3 bytes=$4 out=$tmp/$1.out i got
    local re_addr=${addr//./\\.}
    [[ $rc -eq 0 ]] || { fail "$name" "exit $rc, want 0: $(head -c 300 "$tmp/$name.err")"; return; }
    [[ -s $tmp/$name.err ]] && { fail "$name" "stderr: $(head -c 200 "$tmp/$name.err")"; return; }
    got=$(grep -cE "^$bytes bytes from $re_addr: icmp_seq=[0-9]+ ttl=64 time=[0-9]+(\.[0-9]+)? ms$" "$out")
    [[ $got -eq $n ]] || { fail "$name" "$got reply lines, want $n: $(cat "$out")"; return; }
    got=$(grep -oE 'icmp_seq=[0-9]+' "$out" | tr '\n' ' ')
    [[ $got == "$(for ((i = 1; i <= n; i++)); do printf 'icmp_seq=%d ' $i; done)" ]] ||
        { fail "$name" "sequence numbers: $got"; return; }
    grep -qx -- "--- $addr ping statistics ---" "$out" || { fail "$name" "no statistics header"; return; }
    grep -qE "^$n packets transmitted, $n received, 0% packet loss, time [0-9]+ms$" "$out" ||
        { fail "$name" "statistics line: $(grep transmitted "$out")"; return; }
    grep -qE '^rtt min/avg/max/mdev = [0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3}/[0-9]+\.[0-9]{3} ms$' "$out" ||
        { fail "$name" "rtt line: $(grep rtt "$out")"; return; }
    pass "$name"
}

# The same lines as iputils ping once times are masked.
normalise() {
    sed -E 's/time=[0-9.]+ ms/time=T ms/; s/time [0-9]+ms/time Tms/; s#= [0-9./]+ ms#= R ms#' "$1"
}
compare_iputils() { # NAME ADDR
    local name=$1 addr=$2
    if ! command -v ping >/dev/null || ! ping -V 2>/dev/null | grep -q iputils; then
        skip "$name" "iputils ping is not installed"
        return
    fi
    ping -n -c 3 -i 0.2 "$addr" >"$tmp/$name.ref" 2>&1
    run "$name" "$BIN" ping "$addr" -c 3 -i 0.2
    if diff <(normalise "$tmp/$name.ref") <(normalise "$tmp/$name.out") >"$tmp/$name.diff"; then
        pass "$name"
    else
        fail "$name" "differs from iputils ping: $(tr '\n' '|' <"$tmp/$name.diff" | head -c 300)"
    fi
}

# ---- loopback ----

run lo4 "$BIN" ping 127.0.0.1 -c 3 -i 0.2
check_replies lo4 127.0.0.1 3 64
head -1 "$tmp/lo4.out" | grep -qx 'PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.' &&
    pass lo4_header || fail lo4_header "$(head -1 "$tmp/lo4.out")"

if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'; then
    run lo6 "$BIN" ping ::1 -c 3 -i 0.2
    check_replies lo6 ::1 3 64
    head -1 "$tmp/lo6.out" | grep -qx 'PING ::1(::1) 56 data bytes' &&
        pass lo6_header || fail lo6_header "$(head -1 "$tmp/lo6.out")"
    compare_iputils lo6_like_iputils ::1
else
    skip lo6 "no IPv6 on the loopback interface"
fi
compare_iputils lo4_like_iputils 127.0.0.1

run size "$BIN" ping -s 100 -c 2 -i 0.2 127.0.0.1
check_replies size 127.0.0.1 2 108
grep -qx 'PING 127.0.0.1 (127.0.0.1) 100(128) bytes of data.' "$tmp/size.out" &&
    pass size_header || fail size_header "$(head -1 "$tmp/size.out")"
run size0 "$BIN" ping --size 0 --count 1 127.0.0.1
check_replies size0 127.0.0.1 1 8

run name_localhost "$BIN" ping -4 -c 1 localhost
if [[ $rc -eq 0 ]] && head -1 "$tmp/name_localhost.out" | grep -qx 'PING localhost (127.0.0.1) 56(84) bytes of data.' &&
    grep -qx -- '--- localhost ping statistics ---' "$tmp/name_localhost.out"; then
    pass name_localhost
else
    fail name_localhost "exit $rc: $(head -2 "$tmp/name_localhost.out" | tr '\n' '|')"
fi

# Ctrl-C: statistics, exit 0 as there were replies.
"$BIN" ping -i 0.2 127.0.0.1 >"$tmp/int.out" 2>"$tmp/int.err" &
pid=$!
sleep 0.9
kill -INT $pid
wait $pid
rc=$?
n=$(grep -c 'bytes from 127.0.0.1' "$tmp/int.out")
if [[ $rc -eq 0 && $n -ge 3 ]] && grep -qE "^$n packets transmitted, $n received, 0% packet loss" "$tmp/int.out" &&
    grep -q '^rtt min/avg/max/mdev' "$tmp/int.out"; then
    pass interrupt
else
    fail interrupt "exit $rc, $n replies: $(tail -3 "$tmp/int.out" | tr '\n' '|')"
fi

# ---- errors ----

# A name that does not resolve: exit 6 and one line. The lookup runs in an empty network
# namespace so that no query leaves the machine.
if [[ $(id -u) -eq 0 ]] && ip netns add "$NA" 2>/dev/null; then
    run unresolvable ip netns exec "$NA" "$BIN" ping -c 1 nonexistent.invalid
    ip netns del "$NA"
elif unshare -rn true 2>/dev/null; then
    run unresolvable unshare -rn "$BIN" ping -c 1 nonexistent.invalid
else
    rc=skip
fi
if [[ $rc == skip ]]; then
    skip unresolvable "cannot make an isolated network namespace"
elif [[ $rc -eq 6 && ! -s $tmp/unresolvable.out && $(wc -l <"$tmp/unresolvable.err") -eq 1 ]] &&
    grep -q '^tcplens: nonexistent.invalid: ' "$tmp/unresolvable.err"; then
    pass unresolvable
else
    fail unresolvable "exit $rc: $(cat "$tmp/unresolvable.err")"
fi

run family "$BIN" ping -4 -c 1 ::1
[[ $rc -eq 6 && $(wc -l <"$tmp/family.err") -eq 1 ]] && pass family_mismatch ||
    fail family_mismatch "exit $rc: $(cat "$tmp/family.err")"

i=0
usage_ok=1
while IFS= read -r args; do
    i=$((i + 1))
    eval "set -- $args"
    run usage$i "$BIN" ping "$@"
    if [[ $rc -ne 2 || -s $tmp/usage$i.out || $(wc -l <"$tmp/usage$i.err") -ne 2 ]] ||
        ! grep -q '^tcplens ping: ' "$tmp/usage$i.err" || ! tail -1 "$tmp/usage$i.err" | grep -q '^usage: tcplens ping HOST'; then
        fail "usage_$i" "ping $args: exit $rc: $(tr '\n' '|' <"$tmp/usage$i.err")"
        usage_ok=0
    fi
done <<'ARGS'

-c 3
-c 0 127.0.0.1
-c abc 127.0.0.1
-c -1 127.0.0.1
-i 0 127.0.0.1
-i nan 127.0.0.1
-W 0 127.0.0.1
-s 65508 127.0.0.1
-s 10x 127.0.0.1
-4 -6 127.0.0.1
-x 127.0.0.1
--bogus 127.0.0.1
127.0.0.1 extra
127.0.0.1 -c
''
ARGS
[[ $usage_ok -eq 1 ]] && pass usage_errors

run help "$BIN" ping --help
[[ $rc -eq 0 ]] && grep -q '^usage: tcplens ping HOST' "$tmp/help.out" && pass help || fail help "exit $rc"

# ---- two network namespaces ----
#
#   $NA: 10.78.0.1 fd00:78::1    <- veth ->    $NB: 10.78.0.2 fd00:78::2
#   ping_group_range off (root: raw socket)    ping_group_range on (datagram socket)
#   forwards; 10.81.0.0/24 unreachable         forwards; 10.79.0.0/24 unreachable
#   10.80.0.0/24 unreachable locally

if [[ $(id -u) -ne 0 ]]; then
    for t in ns_raw_v4 ns_raw_v6 ns_dgram_v4 ns_dgram_v6 ns_unpriv ns_no_priv ns_no_answer \
        ns_icmp_error_raw ns_icmp_error_dgram ns_send_error; do
        skip $t "needs root for network namespaces"
    done
    exit 0
fi

setup() {
    ip netns add "$NA" && ip netns add "$NB" &&
        ip link add "$VA" address 02:78:00:00:00:01 netns "$NA" type veth \
            peer name "$VB" address 02:78:00:00:00:02 netns "$NB" &&
        ip -n "$NA" link set lo up && ip -n "$NB" link set lo up &&
        ip -n "$NA" addr add 10.78.0.1/24 dev "$VA" &&
        ip -n "$NB" addr add 10.78.0.2/24 dev "$VB" &&
        ip -n "$NA" addr add fd00:78::1/64 dev "$VA" nodad &&
        ip -n "$NB" addr add fd00:78::2/64 dev "$VB" nodad &&
        ip -n "$NA" link set "$VA" up && ip -n "$NB" link set "$VB" up &&
        ip -n "$NA" neigh replace 10.78.0.2 lladdr 02:78:00:00:00:02 dev "$VA" nud permanent &&
        ip -n "$NB" neigh replace 10.78.0.1 lladdr 02:78:00:00:00:01 dev "$VB" nud permanent &&
        ip -n "$NA" neigh replace fd00:78::2 lladdr 02:78:00:00:00:02 dev "$VA" nud permanent &&
        ip -n "$NB" neigh replace fd00:78::1 lladdr 02:78:00:00:00:01 dev "$VB" nud permanent &&
        ip netns exec "$NB" sysctl -qw net.ipv4.ping_group_range="0 2147483647" &&
        ip netns exec "$NA" sysctl -qw net.ipv4.ping_group_range="1 0" &&
        ip netns exec "$NA" sysctl -qw net.ipv4.ip_forward=1 &&
        ip netns exec "$NB" sysctl -qw net.ipv4.ip_forward=1 &&
        ip -n "$NB" route add unreachable 10.79.0.0/24 &&
        ip -n "$NA" route add 10.79.0.0/24 via 10.78.0.2 &&
        ip -n "$NA" route add unreachable 10.81.0.0/24 &&
        ip -n "$NB" route add 10.81.0.0/24 via 10.78.0.1 &&
        ip -n "$NA" route add unreachable 10.80.0.0/24
}
if ! setup 2>"$tmp/setup.err"; then
    fail ns_setup "$(head -c 300 "$tmp/setup.err")"
    exit 0
fi
A() { ip netns exec "$NA" "$@"; }
B() { ip netns exec "$NB" "$@"; }
# A copy every user can run, for the unprivileged cases.
cp "$BIN" "$tmp/tcplens" && chmod 755 "$tmp/tcplens"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

run ns_raw_v4 A "$BIN" ping 10.78.0.2 -c 3 -i 0.2
check_replies ns_raw_v4 10.78.0.2 3 64
run ns_raw_v6 A "$BIN" ping fd00:78::2 -c 3 -i 0.2
check_replies ns_raw_v6 fd00:78::2 3 64
run ns_dgram_v4 B "$BIN" ping 10.78.0.1 -c 3 -i 0.2
check_replies ns_dgram_v4 10.78.0.1 3 64
run ns_dgram_v6 B "$BIN" ping fd00:78::1 -c 3 -i 0.2
check_replies ns_dgram_v6 fd00:78::1 3 64

# Unprivileged: only the datagram socket can work, and only where ping_group_range allows it.
if command -v setpriv >/dev/null; then
    run ns_unpriv B "${NOBODY[@]}" "$tmp/tcplens" ping 10.78.0.1 -c 2 -i 0.2
    check_replies ns_unpriv 10.78.0.1 2 64
    run ns_no_priv A "${NOBODY[@]}" "$tmp/tcplens" ping 10.78.0.2 -c 2 -i 0.2
    if [[ $rc -eq 5 && ! -s $tmp/ns_no_priv.out && $(wc -l <"$tmp/ns_no_priv.err") -eq 1 ]] &&
        grep -q 'ping_group_range' "$tmp/ns_no_priv.err" && grep -q 'cap_net_raw' "$tmp/ns_no_priv.err"; then
        pass ns_no_priv
    else
        fail ns_no_priv "exit $rc: $(cat "$tmp/ns_no_priv.err")"
    fi
else
    skip ns_unpriv "setpriv (util-linux) is not installed"
    skip ns_no_priv "setpriv (util-linux) is not installed"
fi

# A silent address on the link (ARP never resolves within the timeout).
run ns_no_answer A "$BIN" ping 10.78.0.3 -c 2 -i 0.2 -W 0.5
if [[ $rc -eq 1 ]] && grep -qx 'no answer yet for icmp_seq=1' "$tmp/ns_no_answer.out" &&
    grep -qx '2 packets transmitted, 0 received, 100% packet loss, time [0-9]*ms' "$tmp/ns_no_answer.out" &&
    ! grep -q '^rtt' "$tmp/ns_no_answer.out"; then
    pass ns_no_answer
else
    fail ns_no_answer "exit $rc: $(tr '\n' '|' <"$tmp/ns_no_answer.out")"
fi

# The neighbour namespace routes to an unreachable network: ICMP errors come back.
check_icmp_error() { # NAME ROUTER
    local name=$1 router=$2
    if [[ $rc -eq 1 ]] && grep -qx "From $router icmp_seq=1 Destination Host Unreachable" "$tmp/$name.out" &&
        grep -qx "From $router icmp_seq=2 Destination Host Unreachable" "$tmp/$name.out" &&
        grep -qE '^2 packets transmitted, 0 received, \+2 errors, 100% packet loss' "$tmp/$name.out"; then
        pass "$name"
    else
        fail "$name" "exit $rc: $(tr '\n' '|' <"$tmp/$name.out")"
    fi
}
run ns_icmp_error_raw A "$BIN" ping 10.79.0.5 -c 2 -i 0.2 -W 1
check_icmp_error ns_icmp_error_raw 10.78.0.2
run ns_icmp_error_dgram B "$BIN" ping 10.81.0.5 -c 2 -i 0.2 -W 1
check_icmp_error ns_icmp_error_dgram 10.78.0.1

# No route at all: sending fails locally.
run ns_send_error A "$BIN" ping 10.80.0.1 -c 2 -i 0.2 -W 0.3
if [[ $rc -eq 1 ]] && grep -qx 'icmp_seq=1: cannot send: No route to host' "$tmp/ns_send_error.out" &&
    grep -qE '^2 packets transmitted, 0 received, \+2 errors, 100% packet loss' "$tmp/ns_send_error.out"; then
    pass ns_send_error
else
    fail ns_send_error "exit $rc: $(tr '\n' '|' <"$tmp/ns_send_error.out")"
fi
exit 0
