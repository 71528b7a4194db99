#!/usr/bin/env bash
# summary: `tcplens visit` end to end: the built-in server on loopback (packet list, saved
# capture read back by tcplens and tshark, --json, --ping 0), a refused port on loopback, a name
# that does not resolve, usage errors, no privilege; and - in two network namespaces joined by
# a veth - a server over IPv4 and IPv6, a host that does not answer ping, a refused port, a
# timeout made with nftables, Ctrl-C during the request and a capture on the wrong interface.
# No packet leaves the machine.
set -uo pipefail
BIN=${TCPLENS_BIN:?}
tmp=$(mktemp -d)
chmod 755 "$tmp"
NA=tl45a_$$ NB=tl45b_$$ NE=tl45e_$$ VA=tl45a$$ VB=tl45b$$
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    ip netns del "$NA" 2>/dev/null
    ip netns del "$NB" 2>/dev/null
    ip netns del "$NE" 2>/dev/null
    rm -rf "/etc/netns/$NA"
    rm -rf "$tmp"
}
trap cleanup EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

# run NAME CMD...: stdout to $tmp/NAME.out, stderr to $tmp/NAME.err, exit code in $rc, seconds in $secs
run() {
    local name=$1 t0
    shift
    t0=$(date +%s.%N)
    "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
    secs=$(echo "$(date +%s.%N) - $t0" | bc)
}
short() { tr '\n' '|' <"$1" | head -c 400; }
# The packet lines of a visit's output (between "== Packet list" and the next blank line).
packets() { sed -n '/^== Packet list/,/^$/p' "$1" | grep -E '^ +[0-9]+ '; }

if [[ $(id -u) -ne 0 ]]; then
    for t in builtin explained zh saved_read saved_tshark json html lo6 ping0 refused_lo no_priv \
        ns_visit ns_visit6 ns_no_ping_reply ns_python ns_dual ns_refused ns_timeout ns_interrupt \
        ns_wrong_iface; do
        skip $t "capturing needs root"
    done
    exit 0
fi

# ---- the built-in server on loopback ----

run builtin "$BIN" visit --ping 4 --ping-interval 0.2 -w "$tmp/builtin.pcap"
out=$tmp/builtin.out
port=$(sed -nE 's#^No URL given: visiting the built-in web server at http://127\.0\.0\.1:([0-9]+)/$#\1#p' "$out")
packets "$out" >"$tmp/builtin.list"
ok=1 why=
check() { [[ $ok -eq 1 ]] || return; if ! eval "$1"; then ok=0; why=$2; fi; }
check '[[ $rc -eq 0 ]]' "exit $rc: $(short "$tmp/builtin.err")"
check '[[ -n $port ]]' "no built-in server line"
check 'grep -qx "capturing on lo with the filter: host 127.0.0.1 and tcp port $port" "$out"' "filter line"
check '[[ $(grep -c "^64 bytes from 127.0.0.1: icmp_seq=[1-4] ttl=64" "$out") -eq 4 ]]' "4 ping replies"
check 'grep -q "^4 packets transmitted, 4 received, 0% packet loss" "$out"' "ping statistics"
check 'grep -qx "< HTTP/1.1 200 OK" "$out"' "status line"
check 'grep -q "<h1>Hello from tcplens</h1>" "$out"' "body shown"
check 'sed -n 1p "$tmp/builtin.list" | grep -qE " → $port \[SYN\] Seq=0 "' "packet 1 is not the SYN: $(sed -n 1p "$tmp/builtin.list")"
check 'sed -n 2p "$tmp/builtin.list" | grep -qE "$port → [0-9]+ \[SYN, ACK\] Seq=0 Ack=1 "' "packet 2 is not the SYN-ACK"
check 'sed -n 3p "$tmp/builtin.list" | grep -qE " → $port \[ACK\] Seq=1 Ack=1 "' "packet 3 is not the ACK"
check 'grep -qE "HTTP +[0-9]+ GET / HTTP/1.1" "$tmp/builtin.list"' "no GET"
check 'grep -qE "HTTP +[0-9]+ HTTP/1.1 200 OK" "$tmp/builtin.list"' "no 200"
# The four-way close: client FIN, server ACK, server FIN, client ACK, the last four packets.
check 'tail -4 "$tmp/builtin.list" | sed -n 1p | grep -qE " → $port \[FIN, ACK\]"' "client FIN: $(tail -4 "$tmp/builtin.list" | short /dev/stdin)"
check 'tail -4 "$tmp/builtin.list" | sed -n 2p | grep -qE "$port → [0-9]+ \[ACK\]"' "server ACK of the FIN"
check 'tail -4 "$tmp/builtin.list" | sed -n 3p | grep -qE "$port → [0-9]+ \[FIN, ACK\]"' "server FIN"
check 'tail -1 "$tmp/builtin.list" | grep -qE " → $port \[ACK\]"' "last ACK"
check 'grep -qx "== Packet list ($(wc -l <"$tmp/builtin.list") packets)" "$out"' "packet count in the heading"
check '[[ ! -s $tmp/builtin.err ]]' "stderr: $(short "$tmp/builtin.err")"
[[ $ok -eq 1 ]] && pass builtin || fail builtin "$why"

# The explanation and the ladder tell the saved capture's numbers: every SYN and FIN by packet
# number with its Seq (and Ack), the last ACK's arithmetic, one ladder arrow per packet.
sed -n '/^== Explanation$/,/^== Ladder$/p' "$out" >"$tmp/builtin.explain"
sed -n '/^== Ladder$/,$p' "$out" >"$tmp/builtin.ladder"
ok=1 why=
while IFS=$'\t' read -r f flags seq ack; do
    line=$(grep -E "^ +[0-9]\. Packet $f, (client|server) → (server|client): " "$tmp/builtin.explain")
    [[ -n $line ]] || { ok=0; why="packet $f ($flags) not explained"; break; }
    grep -q "Seq=$seq[,.]" <<<"$line" || { ok=0; why="packet $f: Seq=$seq not in '$line'"; break; }
    [[ $flags == *ACK* ]] && ! grep -q "Ack=$ack\." <<<"$line" && { ok=0; why="packet $f: Ack=$ack not in '$line'"; break; }
done < <("$BIN" read --json "$tmp/builtin.pcap" | jq -r 'select(.flags | test("SYN|FIN")) | [.frame, .flags, .seq, .ack] | @tsv')
last=$("$BIN" read --json "$tmp/builtin.pcap" | jq -r 'select(.flags == "FIN,ACK" and .sport == '"${port:-0}"') | "\(.seq) + 1 = \(.seq + 1)"')
check '[[ -n $last ]] && grep -q "Ack = $last: the client acknowledges the server'"'"'s FIN" "$tmp/builtin.explain"' "last ACK arithmetic '$last' not explained"
check 'grep -q "^Opening: the three-way handshake (packets 1–3)" "$tmp/builtin.explain"' "no handshake heading"
check 'grep -qE "^Closing: the four-way handshake \(packets [0-9]+–$(wc -l <"$tmp/builtin.list")\)" "$tmp/builtin.explain"' "no four-way close heading"
n=$(wc -l <"$tmp/builtin.list")
for ((f = 1; f <= n; f++)); do
    check 'grep -qE "^ *$f +[A-Z0-9-]* *│" "$tmp/builtin.ladder"' "no ladder arrow for packet $f"
done
[[ $ok -eq 1 ]] && pass explained || fail explained "$why"

# The saved capture holds exactly what was printed.
"$BIN" read "$tmp/builtin.pcap" >"$tmp/saved.list" 2>"$tmp/saved.err"
if [[ -s $tmp/saved.list ]] && diff -q "$tmp/builtin.list" "$tmp/saved.list" >/dev/null; then
    pass saved_read
else
    fail saved_read "read of the -w file differs: $(diff "$tmp/builtin.list" "$tmp/saved.list" | head -5 | tr '\n' '|')"
fi
if command -v tshark >/dev/null; then
    want=$("$BIN" read --json "$tmp/builtin.pcap" | jq -r '[.frame, .flags, .seq, .ack, .len] | @tsv')
    got=$(tshark -n -r "$tmp/builtin.pcap" -T fields -e frame.number -e tcp.flags.str -e tcp.seq \
        -e tcp.ack -e tcp.len 2>/dev/null | awk -F'\t' '{ print $1 "\t" $3 "\t" $4 "\t" $5 }')
    want=$(cut -f1,3- <<<"$want")
    nflags=$(tshark -n -r "$tmp/builtin.pcap" -Y 'tcp.flags.syn==1 || tcp.flags.fin==1' 2>/dev/null | wc -l)
    if [[ -n $got && $got == "$want" && $nflags -eq 4 ]]; then
        pass saved_tshark
    else
        fail saved_tshark "tshark: $nflags SYN/FIN packets; $(diff <(echo "$want") <(echo "$got") | head -4 | tr '\n' '|')"
    fi
else
    skip saved_tshark "tshark is not installed"
fi

# --json: one visit record, then the packet records of the saved capture.
run json "$BIN" visit --json --ping 0 -q -w "$tmp/json.pcap"
head -1 "$tmp/json.out" >"$tmp/json.head"
if [[ $rc -eq 0 ]] && jq -e '.type == "visit" and .http.status == 200 and .close_seen == true and
        .interface == "lo" and (.filter | startswith("host 127.0.0.1 and tcp port ")) and .ping == null' \
        "$tmp/json.head" >/dev/null &&
    diff <(tail -n +2 "$tmp/json.out" | grep -v '^{"type":') <("$BIN" read --json "$tmp/json.pcap") >/dev/null &&
    [[ $(jq '.captured' "$tmp/json.head") -eq $(($(grep -vc '^{"type":' "$tmp/json.out"))) ]] &&
    [[ $(tail -n +2 "$tmp/json.out" | jq -r 'select(.flags == "FIN,ACK") | .step' | tr '\n' ' ') == "teardown.1 teardown.3 " ]] &&
    grep '^{"type":"explanation"' "$tmp/json.out" | jq -e '.lang == "en" and (.text | contains("three-way handshake"))' >/dev/null &&
    grep '^{"type":"ladder"' "$tmp/json.out" | jq -e '.text | contains("SYN Seq=0")' >/dev/null; then
    pass json
else
    fail json "exit $rc: $(head -c 300 "$tmp/json.head") $(short "$tmp/json.err")"
fi

# --html: the report of the same capture.
run html "$BIN" visit --ping 0 -q --html "$tmp/visit.html" -w "$tmp/html.pcap"
n=$("$BIN" read "$tmp/html.pcap" | wc -l)
if [[ $rc -eq 0 && $n -ge 10 ]] && grep -qx "The HTML report is in $tmp/visit.html" "$tmp/html.out" &&
    grep -q '<title>tcplens report · http://127.0.0.1:[0-9]*/' "$tmp/visit.html" &&
    [[ $(grep -c '<title>No\. [0-9]* ·' "$tmp/visit.html") -eq $n ]] && ! grep -q '<script src=' "$tmp/visit.html"; then
    pass html
else
    fail html "exit $rc, $n packets: $(short "$tmp/html.err")"
fi
run html_unwritable "$BIN" visit --ping 0 -q --html /nonexistent-dir/visit.html
[[ $rc -eq 9 && ! -s $tmp/html_unwritable.out ]] && grep -q '^tcplens: cannot create /nonexistent-dir/visit.html' "$tmp/html_unwritable.err" &&
    pass html_unwritable || fail html_unwritable "exit $rc: $(short "$tmp/html_unwritable.err")"

if ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/'; then
    run lo6 "$BIN" visit -6 --ping 1 -q
    packets "$tmp/lo6.out" >"$tmp/lo6.list"
    if [[ $rc -eq 0 ]] && grep -qE '^No URL given: visiting the built-in web server at http://\[::1\]:[0-9]+/$' "$tmp/lo6.out" &&
        grep -qE '^capturing on lo with the filter: host ::1 and tcp port [0-9]+$' "$tmp/lo6.out" &&
        sed -n 1p "$tmp/lo6.list" | grep -qE '::1 +→ ::1 .*\[SYN\] Seq=0' && [[ $(grep -c '\[FIN, ACK\]' "$tmp/lo6.list") -eq 2 ]]; then
        pass lo6
    else
        fail lo6 "exit $rc: $(short "$tmp/lo6.list") $(short "$tmp/lo6.err")"
    fi
else
    skip lo6 "no IPv6 on the loopback interface"
fi

run zh "$BIN" visit --ping 0 -q --lang zh
if [[ $rc -eq 0 ]] && grep -q '^建立连接：三次握手（第 1–3 个数据包）' "$tmp/zh.out" &&
    grep -q '^释放连接：四次挥手' "$tmp/zh.out"; then
    pass zh
else
    fail zh "exit $rc: $(sed -n '/^== Explanation/,+3p' "$tmp/zh.out" | tr '\n' '|')"
fi

run ping0 "$BIN" visit --ping 0 -q
if [[ $rc -eq 0 ]] && ! grep -q '^== Ping' "$tmp/ping0.out" && ! grep -q '^PING ' "$tmp/ping0.out" &&
    grep -q '^== Capture' "$tmp/ping0.out" && ! grep -q '<h1>' "$tmp/ping0.out" &&
    grep -q '^== Packet list' "$tmp/ping0.out"; then
    pass ping0
else
    fail ping0 "exit $rc: $(short "$tmp/ping0.out")"
fi

# make demo runs the visit end to end (once, with the plain build it uses).
if [[ ${TCPLENS_VARIANT:-plain} == plain && -x $(dirname "$0")/../build/tcplens ]]; then
    run demo bash "$(dirname "$0")/../scripts/demo.sh"
    if [[ $rc -eq 0 ]] && head -1 "$tmp/demo.out" | grep -qx '$ tcplens visit' &&
        grep -q '^4 packets transmitted, 4 received' "$tmp/demo.out" &&
        packets "$tmp/demo.out" | grep -q '\[SYN\] Seq=0' && packets "$tmp/demo.out" | grep -q 'HTTP/1.1 200 OK' &&
        grep -q '^Opening: the three-way handshake' "$tmp/demo.out" && grep -q '^== Ladder$' "$tmp/demo.out"; then
        pass demo
    else
        fail demo "exit $rc: $(head -c 300 "$tmp/demo.err")"
    fi
fi

# A port nothing listens on: SYN answered by RST, exit 7, the two packets shown.
free_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run refused_lo "$BIN" visit --ping 0 "http://127.0.0.1:$free_port/"
packets "$tmp/refused_lo.out" >"$tmp/refused_lo.list"
if [[ $rc -eq 7 && $(wc -l <"$tmp/refused_lo.list") -eq 2 ]] &&
    sed -n 1p "$tmp/refused_lo.list" | grep -qE " → $free_port \[SYN\] Seq=0 " &&
    sed -n 2p "$tmp/refused_lo.list" | grep -qE "$free_port → [0-9]+ \[RST, ACK\] Seq=1 Ack=1 " &&
    grep -q 'connection refused' "$tmp/refused_lo.out" &&
    grep -qx "  The server refused the connection on port $free_port; no data was exchanged." "$tmp/refused_lo.out" &&
    grep -q '│◀─* RST,ACK Seq=1 Ack=1 Len=0 ─│ CLOSED' "$tmp/refused_lo.out" &&
    [[ $(wc -l <"$tmp/refused_lo.err") -eq 1 ]] && grep -qx "tcplens: connection to 127.0.0.1 port $free_port refused" "$tmp/refused_lo.err"; then
    pass refused_lo
else
    fail refused_lo "exit $rc: $(short "$tmp/refused_lo.list") $(short "$tmp/refused_lo.err")"
fi

# Usage errors: exit 2, nothing on stdout.
i=0 usage_ok=1
while IFS= read -r args; do
    i=$((i + 1))
    eval "set -- $args"
    run usage$i "$BIN" visit "$@"
    if [[ $rc -ne 2 || -s $tmp/usage$i.out ]] || ! grep -q '^tcplens visit: ' "$tmp/usage$i.err"; then
        fail "usage_$i" "visit $args: exit $rc: $(short "$tmp/usage$i.err")"
        usage_ok=0
    fi
done <<'ARGS'
--html ''
--html -
--lang fr
--ping x
--ping 101
--timeout 0
-4 -6
-o x -q
--bogus
ftp://example.org/
http://a/ extra
ARGS
[[ $usage_ok -eq 1 ]] && pass usage_errors

run help "$BIN" visit --help
[[ $rc -eq 0 ]] && grep -q '^usage: tcplens visit' "$tmp/help.out" && grep -q 'setcap cap_net_raw,cap_net_admin=eip' "$tmp/help.out" &&
    pass help || fail help "exit $rc"

# No privilege to capture: exit 5 with the fix.
if command -v setpriv >/dev/null; then
    cp "$BIN" "$tmp/tcplens" && chmod 755 "$tmp/tcplens"
    run no_priv setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/tcplens" visit --ping 0
    if [[ $rc -eq 5 && $(wc -l <"$tmp/no_priv.err") -eq 1 ]] &&
        grep -q 'setcap cap_net_raw,cap_net_admin=eip' "$tmp/no_priv.err" && grep -q 'root' "$tmp/no_priv.err"; then
        pass no_priv
    else
        fail no_priv "exit $rc: $(short "$tmp/no_priv.err")"
    fi
else
    skip no_priv "setpriv (util-linux) is not installed"
fi

# A name under .invalid never resolves; the lookup runs in an empty namespace so no query leaves.
if ip netns add "$NE" 2>/dev/null; then
    run unresolvable ip netns exec "$NE" "$BIN" visit --ping 0 http://nonexistent.invalid/
    if [[ $rc -eq 6 && $(wc -l <"$tmp/unresolvable.err") -eq 1 ]] &&
        grep -q '^tcplens: cannot resolve nonexistent.invalid: ' "$tmp/unresolvable.err" &&
        ! grep -q '^== Capture' "$tmp/unresolvable.out"; then
        pass unresolvable
    else
        fail unresolvable "exit $rc: $(short "$tmp/unresolvable.err")"
    fi
else
    fail unresolvable "cannot make a network namespace"
fi

# ---- two network namespaces ----
#
#   $NA (client): 10.78.5.1 on $VA   <- veth ->   $NB (server): 10.78.5.2 on $VB
#                fd00:78:5::1                               fd00:78:5::2, 10.78.5.3 (no ping)
#   $NB: the built-in server on port 8080, nothing on 8081, 8082 dropped by nftables

setup() {
    ip netns add "$NA" && ip netns add "$NB" &&
        ip link add "$VA" netns "$NA" type veth peer name "$VB" netns "$NB" &&
        ip -n "$NA" link set lo up && ip -n "$NB" link set lo up &&
        ip -n "$NA" addr add 10.78.5.1/24 dev "$VA" &&
        ip -n "$NB" addr add 10.78.5.2/24 dev "$VB" &&
        ip -n "$NB" addr add 10.78.5.3/24 dev "$VB" &&
        ip -n "$NA" addr add fd00:78:5::1/64 dev "$VA" nodad &&
        ip -n "$NB" addr add fd00:78:5::2/64 dev "$VB" nodad &&
        ip -n "$NA" link set "$VA" up && ip -n "$NB" link set "$VB" up &&
        ip netns exec "$NB" nft -f - <<'EOF'
table inet tl45 {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport 8082 drop
        ip daddr 10.78.5.3 icmp type echo-request drop
    }
}
EOF
}
if ! setup 2>"$tmp/setup.err"; then
    fail ns_setup "$(short "$tmp/setup.err")"
    exit 0
fi
A() { ip netns exec "$NA" "$@"; }
ip netns exec "$NB" "$BIN" visit --serve 0.0.0.0:8080 >"$tmp/server.out" 2>"$tmp/server.err" &
pids+=($!)
ip netns exec "$NB" "$BIN" visit --serve '[fd00:78:5::2]:8080' >"$tmp/server6.out" 2>"$tmp/server6.err" &
pids+=($!)
for _ in $(seq 50); do
    grep -q '^serving on port 8080' "$tmp/server.out" && grep -q '^serving on port 8080' "$tmp/server6.out" && break
    sleep 0.1
done

run ns_visit A "$BIN" visit --ping 2 --ping-interval 0.2 -q -w "$tmp/ns.pcap" http://10.78.5.2:8080/
packets "$tmp/ns_visit.out" >"$tmp/ns.list"
if [[ $rc -eq 0 ]] && grep -qx "capturing on $VA with the filter: host 10.78.5.2 and tcp port 8080" "$tmp/ns_visit.out" &&
    grep -q '^2 packets transmitted, 2 received' "$tmp/ns_visit.out" &&
    sed -n 1p "$tmp/ns.list" | grep -qE '10\.78\.5\.1 +→ 10\.78\.5\.2 .* → 8080 \[SYN\] Seq=0' &&
    sed -n 2p "$tmp/ns.list" | grep -qE '8080 → [0-9]+ \[SYN, ACK\] Seq=0 Ack=1' &&
    grep -qE 'HTTP/1.1 200 OK' "$tmp/ns.list" &&
    [[ $(grep -c '\[FIN, ACK\]' "$tmp/ns.list") -eq 2 ]] &&
    diff -q "$tmp/ns.list" <("$BIN" read "$tmp/ns.pcap") >/dev/null &&
    { ! command -v tshark >/dev/null || [[ $(tshark -n -r "$tmp/ns.pcap" 2>/dev/null | wc -l) -eq $(wc -l <"$tmp/ns.list") ]]; }; then
    pass ns_visit
else
    fail ns_visit "exit $rc: $(short "$tmp/ns.list") $(short "$tmp/ns_visit.err")"
fi

run ns_visit6 A "$BIN" visit -6 --ping 1 -q 'http://[fd00:78:5::2]:8080/'
packets "$tmp/ns_visit6.out" >"$tmp/ns6.list"
if [[ $rc -eq 0 ]] && grep -qx "capturing on $VA with the filter: host fd00:78:5::2 and tcp port 8080" "$tmp/ns_visit6.out" &&
    grep -q '^1 packets transmitted, 1 received' "$tmp/ns_visit6.out" &&
    sed -n 1p "$tmp/ns6.list" | grep -qE 'fd00:78:5::1 +→ fd00:78:5::2 .* → 8080 \[SYN\] Seq=0' &&
    grep -qE 'HTTP/1.1 200 OK' "$tmp/ns6.list" && [[ $(grep -c '\[FIN, ACK\]' "$tmp/ns6.list") -eq 2 ]]; then
    pass ns_visit6
else
    fail ns_visit6 "exit $rc: $(short "$tmp/ns6.list") $(short "$tmp/ns_visit6.err")"
fi

# A host that does not answer ping: said so, and the visit goes on.
run ns_no_ping_reply A "$BIN" visit --ping 2 --ping-interval 0.2 -q http://10.78.5.3:8080/
if [[ $rc -eq 0 ]] && grep -q '^2 packets transmitted, 0 received, 100% packet loss' "$tmp/ns_no_ping_reply.out" &&
    grep -qx 'no echo reply: the host may not answer ping; going on' "$tmp/ns_no_ping_reply.out" &&
    packets "$tmp/ns_no_ping_reply.out" | grep -q 'HTTP/1.1 200 OK'; then
    pass ns_no_ping_reply
else
    fail ns_no_ping_reply "exit $rc: $(short "$tmp/ns_no_ping_reply.out")"
fi

# Another server (python's http.server, HTTP/1.0) with control characters in the body: the
# close is awaited, the escape sequences are shown as text, not sent to the terminal.
mkdir -p "$tmp/www" && printf 'plain \033[31mred\033[0m text\n' >"$tmp/www/esc.txt"
(cd "$tmp/www" && exec ip netns exec "$NB" python3 -m http.server --bind 10.78.5.2 8083) >"$tmp/py.out" 2>&1 &
pids+=($!)
for _ in $(seq 50); do ip netns exec "$NB" ss -Htln 'sport = :8083' | grep -q LISTEN && break; sleep 0.1; done
run ns_python A "$BIN" visit --ping 0 http://10.78.5.2:8083/esc.txt
packets "$tmp/ns_python.out" >"$tmp/ns_python.list"
if [[ $rc -eq 0 ]] && grep -qxF 'plain \x1b[31mred\x1b[0m text' "$tmp/ns_python.out" &&
    ! grep -q $'\033' "$tmp/ns_python.out" && grep -q "the connection's close was captured" "$tmp/ns_python.out" &&
    [[ $(grep -c '\[FIN, ACK\]' "$tmp/ns_python.list") -eq 2 ]] &&
    tail -1 "$tmp/ns_python.list" | grep -qE '\[ACK\] Seq=[0-9]+ Ack=[0-9]+ .*Len=0'; then
    pass ns_python
else
    fail ns_python "exit $rc: $(short "$tmp/ns_python.list") $(short "$tmp/ns_python.err")"
fi

# A name with an IPv4 and an IPv6 address (the namespace's own /etc/hosts, which ip netns exec
# mounts): both are listed, one is used for everything, and a refusal names the other family.
mkdir -p "/etc/netns/$NA" && printf '10.78.5.2 dual.tl45.test\nfd00:78:5::2 dual.tl45.test\n' >"/etc/netns/$NA/hosts"
run ns_dual A "$BIN" visit --ping 0 -q http://dual.tl45.test:8081/
used=$(sed -nE 's/^using (.*) for the ping, the capture and the request$/\1/p' "$tmp/ns_dual.out")
if [[ $rc -eq 7 ]] && grep -qE '^dual\.tl45\.test \[(10\.78\.5\.2, fd00:78:5::2|fd00:78:5::2, 10\.78\.5\.2)\]$' "$tmp/ns_dual.out" &&
    [[ -n $used ]] && grep -qx "capturing on $VA with the filter: host $used and tcp port 8081" "$tmp/ns_dual.out" &&
    { [[ $used == 10.78.5.2 ]] && grep -qx "tcplens: connection to $used port 8081 refused (dual.tl45.test also has IPv6 addresses: -6 uses them)" "$tmp/ns_dual.err" ||
      grep -qx "tcplens: connection to $used port 8081 refused (dual.tl45.test also has IPv4 addresses: -4 uses them)" "$tmp/ns_dual.err"; }; then
    pass ns_dual
else
    fail ns_dual "exit $rc, used '$used': $(short "$tmp/ns_dual.out") $(short "$tmp/ns_dual.err")"
fi

run ns_refused A "$BIN" visit --ping 0 http://10.78.5.2:8081/
packets "$tmp/ns_refused.out" >"$tmp/ns_refused.list"
if [[ $rc -eq 7 && $(wc -l <"$tmp/ns_refused.list") -eq 2 ]] &&
    sed -n 1p "$tmp/ns_refused.list" | grep -qE ' → 8081 \[SYN\]' &&
    sed -n 2p "$tmp/ns_refused.list" | grep -qE '8081 → [0-9]+ \[RST, ACK\]' &&
    grep -qx 'tcplens: connection to 10.78.5.2 port 8081 refused' "$tmp/ns_refused.err"; then
    pass ns_refused
else
    fail ns_refused "exit $rc: $(short "$tmp/ns_refused.list") $(short "$tmp/ns_refused.err")"
fi

# Dropped SYNs: the request times out after --timeout, the retransmitted SYNs are shown.
run ns_timeout A "$BIN" visit --ping 0 --timeout 1.5 http://10.78.5.2:8082/
packets "$tmp/ns_timeout.out" >"$tmp/ns_timeout.list"
n=$(wc -l <"$tmp/ns_timeout.list")
if [[ $rc -eq 7 && $n -ge 2 ]] && [[ $(echo "$secs < 3.5" | bc) -eq 1 ]] &&
    [[ $(grep -c ' → 8082 \[SYN\]' "$tmp/ns_timeout.list") -eq $n ]] &&
    sed -n 2p "$tmp/ns_timeout.list" | grep -q 'TCP Retransmission' &&
    grep -q '^tcplens: connection to 10.78.5.2 port 8082 timed out' "$tmp/ns_timeout.err"; then
    pass ns_timeout
else
    fail ns_timeout "exit $rc in $secs s: $(short "$tmp/ns_timeout.list") $(short "$tmp/ns_timeout.err")"
fi

# Ctrl-C while the SYNs go unanswered: exit 130, what was captured is still shown.
ip netns exec "$NA" "$BIN" visit --ping 0 --timeout 20 http://10.78.5.2:8082/ >"$tmp/ns_int.out" 2>"$tmp/ns_int.err" &
vpid=$!
sleep 1.5
kill -INT $vpid
t0=$(date +%s.%N)
wait $vpid
rc=$?
secs=$(echo "$(date +%s.%N) - $t0" | bc)
if [[ $rc -eq 130 ]] && [[ $(echo "$secs < 1.5" | bc) -eq 1 ]] &&
    packets "$tmp/ns_int.out" | sed -n 1p | grep -q ' → 8082 \[SYN\]' &&
    grep -q '^interrupted: showing what was captured so far' "$tmp/ns_int.out"; then
    pass ns_interrupt
else
    fail ns_interrupt "exit $rc after $secs s: $(short "$tmp/ns_int.out") $(short "$tmp/ns_int.err")"
fi

# Capturing on an interface the packets do not go through: nothing captured, exit 8, why.
run ns_wrong_iface A "$BIN" visit --ping 0 -q -i lo http://10.78.5.2:8080/
if [[ $rc -eq 8 && $(wc -l <"$tmp/ns_wrong_iface.err") -eq 1 ]] &&
    grep -q "^tcplens: nothing was captured: the packets to 10.78.5.2 go through $VA, not lo" "$tmp/ns_wrong_iface.err"; then
    pass ns_wrong_iface
else
    fail ns_wrong_iface "exit $rc: $(short "$tmp/ns_wrong_iface.err")"
fi
exit 0
