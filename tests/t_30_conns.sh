#!/usr/bin/env bash
# summary: `tcplens conns`: per-stream counts and times against tshark on every capture; how each
# recorded kernel scenario began and ended, with Zeek's conn_state and history; the seed; the Zeek
# conn.log read back by a strict parser; the command line; live rows as connections close.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${TCPLENS_BIN:?}
SHARED=${SHARED:-../shared}
SEED=$SHARED/seed/seed-baidu.pcap
work=$(mktemp -d /tmp/tl-conns.XXXXXX) || exit 1
mypids=()
cleanup() {
    local p
    for p in "${mypids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }

# ---- recorded captures: the oracle group's, or our own ----
REC=build/recorded
if [[ ! -d $REC ]] || ! compgen -G "$REC/*.pcap" >/dev/null; then
    REC=$work/rec
    bash tests/record/record.sh "$REC" | grep -v '^PASS' | sed 's/^/  /'
fi

# ---- (a) tshark: packets and bytes each way, start, duration ----
# tshark's answer does not depend on the build, so the sanitizer pass only checks that every
# capture gives a clean run and well-formed rows.
caps=()
for c in "$SHARED"/captures/*.pcap "$SHARED"/captures/*.pcapng "$SHARED"/captures/*.cap \
         "$SEED" "$REC"/*.pcap; do
    [[ -f $c ]] && caps+=("$c")
done
if [[ ${TCPLENS_VARIANT:-plain} != plain ]]; then
    bad=
    for c in "${caps[@]}"; do
        "$BIN" conns --json "$c" >"$work/all.json" 2>"$work/all.err"
        rc=$?
        if [[ $rc -ne 0 && $rc -ne 4 ]] || grep -q Sanitizer "$work/all.err" ||
           ! python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' \
               "$work/all.json" 2>/dev/null; then
            bad+=" $(basename "$c")(exit $rc)"
        fi
    done
    [[ -z $bad ]] && pass "conns:all-captures-clean" || fail "conns:all-captures-clean" "$bad"
elif command -v tshark >/dev/null; then
    python3 tests/oracle/conns.py --tcplens "$BIN" -j 2 "${caps[@]}"
else
    echo "SKIP conns-oracle: tshark is not installed"
fi

# ---- (b) recorded scenarios: began, ended, conn_state, history ----
# capture  began  ended  conn_state  history (extended regex)  extra python condition on the row
# Why these values (Zeek's rules, docs/analysis.md):
#  http: S h A D (a/d in either order) F f; both endpoints CLOSED by their FIN -> SF.
#  server-close: the server's FIN first, so f before F.
#  three-way-close: the server's FIN carries the ACK of the client's FIN -> three_way, still SF.
#  refused: the SYN (orig SYN_SENT) answered by RST (resp RESET) -> REJ, history S r.
#  rst-abort: the established client sends RST (orig RESET, resp ESTABLISHED) -> RSTO.
#  half-close: the client's FIN, then data from the server, then its FIN: both FINs -> four_way
#    and SF; the server's first data comes after F, so d follows F.
#  simultaneous-close: both FINs in flight at once -> simultaneous; SF.
#  zero-window: the server's window 0 -> w; SF.
#  bulk-loss: data dropped before and after the capture point -> the client retransmits (T);
#    a retransmission that reaches the server after it closed draws a RST (r): then RSTR.
scen=$(cat <<'EOF'
lo-http	handshake	four_way	SF	^ShAD(ad|da)Ff$	True
lo6-http	handshake	four_way	SF	^ShAD(ad|da)Ff$	True
ns-http	handshake	four_way	SF	^ShAD(ad|da)Ff$	True
lo-http-server-close	handshake	four_way	SF	^ShAD(ad|da)fF$	True
lo-three-way-close	handshake	three_way	SF	^ShAD(ad|da)Ff$	True
lo-refused	syn_only	refused	REJ	^Sr$	r["server"]["rst"]
ns-refused	syn_only	refused	REJ	^Sr$	r["server"]["rst"]
lo-rst-abort	handshake	rst_client	RSTO	^ShAD[^F]*R[^F]*$	r["client"]["rst"]
ns-rst-abort	handshake	rst_client	RSTO	^ShAD[^F]*R[^F]*$	r["client"]["rst"]
lo-half-close	handshake	four_way	SF	^ShA.*F.*d.*f$	r["server"]["bytes"] > 0
ns-half-close	handshake	four_way	SF	^ShA.*F.*d.*f$	r["server"]["bytes"] > 0
ns-simultaneous-close	handshake	simultaneous	SF	^ShA.*(Ff|fF)$	True
lo-zero-window	handshake	(four_way|three_way)	SF	^ShA.*w	r["server"]["zero_windows"] > 0
ns-zero-window	handshake	(four_way|three_way)	SF	^ShA.*w	r["server"]["zero_windows"] > 0
ns-bulk-loss	handshake	(four_way|three_way)	(SF|RSTR)	^ShA.*T	r["client"]["retransmissions"] > 0 and r["client"]["lost_segments"] > 0
lo-keepalive	handshake	(four_way|three_way)	SF	^ShAD	r["client"]["keep_alives"] > 0
EOF
)
while IFS=$'\t' read -r name began ended state hist cond; do
    cap=$REC/$name.pcap
    if [[ ! -f $cap ]]; then
        echo "SKIP conns-scenario:$name: not recorded"
        continue
    fi
    out=$("$BIN" conns --json "$cap" 2>"$work/err")
    rc=$?
    why=$(python3 - "$began" "$ended" "$state" "$hist" "$cond" "$rc" <<PYEOF 2>&1
import json, re, sys
began, ended, state, hist, cond, rc = sys.argv[1:]
rows = [json.loads(l) for l in '''$out'''.splitlines() if l.strip()]
if rc != "0":
    print("exit %s" % rc); sys.exit()
if len(rows) != 1:
    print("%d rows, want 1" % len(rows)); sys.exit()
r = rows[0]
got = (r["began"], r["ended"], r["conn_state"], r["history"])
if r["began"] != began or not re.fullmatch(ended, r["ended"]) \
        or not re.fullmatch(state, r["conn_state"]) \
        or not re.search(hist, r["history"]) or not eval(cond):
    print("got began=%s ended=%s conn_state=%s history=%s; want %s %s %s /%s/ and %s"
          % (got + (began, ended, state, hist, cond)))
PYEOF
)
    if [[ -z $why ]]; then pass "conns-scenario:$name"; else fail "conns-scenario:$name" "$why"; fi
done <<<"$scen"

# ---- (c) the seed: one connection, the 4-way close, 13 packets ----
out=$("$BIN" conns --json "$SEED")
why=$(python3 - <<PYEOF 2>&1
import json
rows = [json.loads(l) for l in '''$out'''.splitlines()]
r = rows[0] if len(rows) == 1 else None
want = {"began": "handshake", "ended": "four_way", "conn_state": "SF", "history": "ShADadFf",
        "pkts": 13, "first_frame": 1, "last_frame": 13}
if r is None:
    print("%d rows" % len(rows))
else:
    bad = ["%s=%r" % (k, r.get(k)) for k in want if r.get(k) != want[k]]
    if (r["client"]["addr"], r["client"]["port"], r["server"]["addr"], r["server"]["port"]) != \
            ("192.168.4.100", 53412, "183.232.231.174", 80):
        bad.append("endpoints")
    if (r["client"]["pkts"], r["server"]["pkts"], r["client"]["bytes"], r["server"]["bytes"]) \
            != (7, 6, 77, 2781):
        bad.append("counts")
    if abs(r["irtt"] - 0.035335) > 1e-6 or r["duration"] != 0.112199:
        bad.append("irtt/duration %s %s" % (r["irtt"], r["duration"]))
    if bad:
        print(", ".join(bad))
PYEOF
)
[[ -z $why ]] && pass "conns:seed-json" || fail "conns:seed-json" "$why"
text=$("$BIN" conns "$SEED")
if [[ $(wc -l <<<"$text") -eq 2 ]] && grep -q '4-way close' <<<"$text" &&
   grep -Eq '^ *0 +192\.168\.4\.100:53412 +-> +183\.232\.231\.174:80 .* 7/6 +77/2781 .*3-way handshake +4-way close +SF +ShADadFf$' <<<"$text"; then
    pass "conns:seed-text"
else
    fail "conns:seed-text" "$(tr '\n' '|' <<<"$text")"
fi

# ---- (d) the Zeek conn.log, read back strictly; its rows agree with --json ----
zeek_check() { # capture
    local cap=$1
    "$BIN" conns --format zeek "$cap" >"$work/conn.log" 2>/dev/null
    local rc=$?
    "$BIN" conns --json "$cap" >"$work/conns.json" 2>/dev/null
    python3 - "$work/conn.log" "$work/conns.json" "$rc" <<'PYEOF'
import ipaddress, json, re, sys
log, js, rc = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(log, encoding="utf-8").read().split("\n")
err = []
def need(c, m):
    if not c:
        err.append(m)
if rc not in ("0", "4"):
    err.append("exit %s" % rc)
need(lines[-1] == "", "no final newline")
lines = lines[:-1]
hdr = ["#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
       "#path\tconn"]
need(lines[:5] == hdr, "header %r" % lines[:5])
stamp = r"\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d"
need(len(lines) > 7 and re.fullmatch("#open\t" + stamp, lines[5]), "#open line")
need(re.fullmatch("#close\t" + stamp, lines[-1] if lines else ""), "#close line")
fields = lines[6].split("\t") if len(lines) > 6 else []
types = lines[7].split("\t") if len(lines) > 7 else []
want_f = ("#fields ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration "
          "orig_bytes resp_bytes conn_state local_orig local_resp missed_bytes history orig_pkts "
          "orig_ip_bytes resp_pkts resp_ip_bytes tunnel_parents").split()
want_t = ("#types time string addr port addr port enum string interval count count string bool "
          "bool count string count count count count set[string]").split()
need(fields == want_f, "#fields %r" % fields)
need(types == want_t, "#types %r" % types)
def ok(t, v):
    if v == "-":
        return t not in ("time", "string_uid", "addr", "port", "enum")
    if t == "time" or t == "interval":
        return re.fullmatch(r"\d+\.\d{6}", v) is not None
    if t == "count" or t == "port":
        return re.fullmatch(r"\d+", v) is not None and (t != "port" or int(v) < 65536)
    if t == "addr":
        try:
            ipaddress.ip_address(v)
            return True
        except ValueError:
            return False
    if t == "bool":
        return v in ("T", "F")
    if t == "enum":
        return re.fullmatch(r"[a-z_]+", v) is not None
    if t == "set[string]":
        return v == "(empty)" or "\t" not in v
    return v != "" and "\t" not in v
rows = []
for n, l in enumerate(lines[8:-1], 9):
    need(not l.startswith("#"), "line %d: a directive among the rows" % n)
    cols = l.split("\t")
    if len(cols) != len(want_t) - 1:
        err.append("line %d: %d fields" % (n, len(cols)))
        continue
    for t, v, f in zip(want_t[1:], cols, want_f[1:]):
        if not ok("string_uid" if f == "uid" else t, v):
            err.append("line %d: %s=%r is no %s" % (n, f, v, t))
    d = dict(zip(want_f[1:], cols))
    need(re.fullmatch(r"C[0-9A-Za-z]{17}", d["uid"]), "uid %r" % d["uid"])
    need(d["conn_state"] in "S0 S1 SF REJ S2 S3 RSTO RSTR RSTOS0 RSTRH SH SHR OTH".split(),
         "conn_state %r" % d["conn_state"])
    need(re.fullmatch(r"\^?[SsHhAaDdFfRrCcGgTtWwIiQqx]+|-", d["history"]),
         "history %r" % d["history"])
    rows.append(d)
js_rows = [json.loads(l) for l in open(js)]
need(len(js_rows) == len(rows), "%d rows, --json has %d" % (len(rows), len(js_rows)))
uids = set()
for d, j in zip(rows, js_rows):
    uids.add(d["uid"])
    pairs = [("id.orig_h", j["client"]["addr"]), ("id.orig_p", str(j["client"]["port"])),
             ("id.resp_h", j["server"]["addr"]), ("id.resp_p", str(j["server"]["port"])),
             ("orig_pkts", str(j["client"]["pkts"])), ("resp_pkts", str(j["server"]["pkts"])),
             ("orig_ip_bytes", str(j["client"]["ip_bytes"])),
             ("resp_ip_bytes", str(j["server"]["ip_bytes"])),
             ("conn_state", j["conn_state"]), ("history", j["history"] or "-"),
             ("proto", "tcp")]
    for k, v in pairs:
        need(d[k] == v, "stream %d: %s=%r, --json says %r" % (j["stream"], k, d[k], v))
need(len(uids) == len(rows), "uids are not unique")
if err:
    print("; ".join(err[:3]))
PYEOF
}
for cap in "$SEED" "$SHARED"/captures/gotraffic__http.cap "$SHARED"/captures/ppp__four_ipv6_http_streams.pcap \
           "$SHARED"/captures/esnet__nmap_80_all.pcap "$REC"/ns-bulk-loss.pcap; do
    [[ -f $cap ]] || { echo "SKIP conns-zeek:$(basename "$cap"): missing"; continue; }
    why=$(zeek_check "$cap")
    [[ -z $why ]] && pass "conns-zeek:$(basename "$cap")" || fail "conns-zeek:$(basename "$cap")" "$why"
done
# the seed in Zeek's words: duration excludes the final ACK, bytes from the sequence space
row=$("$BIN" conns --format zeek "$SEED" | grep -v '^#')
if [[ $(cut -f9-21 <<<"$row") == $'0.112111\t77\t2781\tSF\t-\t-\t0\tShADadFf\t7\t369\t6\t3033\t-' ]]; then
    pass "conns-zeek:seed-row"
else
    fail "conns-zeek:seed-row" "$row"
fi

# ---- the command line ----
"$BIN" conns "$SEED" --format nope >/dev/null 2>"$work/err"; rc=$?
[[ $rc -eq 2 ]] && grep -q "invalid --format 'nope'" "$work/err" && pass "conns:bad-format" ||
    fail "conns:bad-format" "exit $rc: $(head -1 "$work/err")"
"$BIN" conns "$work/none.pcap" >/dev/null 2>"$work/err"; rc=$?
[[ $rc -eq 3 && $(wc -l <"$work/err") -eq 1 ]] && pass "conns:missing-file" ||
    fail "conns:missing-file" "exit $rc: $(head -2 "$work/err")"
"$BIN" conns "$SEED" 'tcp port' >/dev/null 2>"$work/err"; rc=$?
[[ $rc -eq 2 ]] && pass "conns:bad-filter" || fail "conns:bad-filter" "exit $rc"
n=$("$BIN" conns --json -s 1 "$SHARED"/captures/ppp__three_http_streams.pcap | python3 -c '
import json, sys
print(",".join(str(json.loads(l)["stream"]) for l in sys.stdin))')
[[ $n == 1 ]] && pass "conns:one-stream" || fail "conns:one-stream" "streams '$n'"
n=$("$BIN" conns --json "$SHARED"/captures/ppp__three_http_streams.pcap 'tcp port 80' -c 10 | wc -l)
[[ $n -ge 1 && $n -le 3 ]] && pass "conns:filter-count" || fail "conns:filter-count" "$n rows"
"$BIN" conns --help | grep -q 'tcplens conns capture.pcap --format zeek' && pass "conns:help" ||
    fail "conns:help" "no example"

# ---- live: a row as soon as the connection closes, before the capture stops ----
if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP conns:live: needs root to capture on lo"
else
    port=$((30000 + RANDOM % 20000))
    "$BIN" conns -i lo --json "tcp port $port" >"$work/live.json" 2>"$work/live.err" &
    lpid=$!
    mypids+=("$lpid")
    for _ in $(seq 50); do grep -q listening "$work/live.err" && break; sleep 0.1; done
    python3 - "$port" <<'PYEOF'
import socket, sys, threading
port = int(sys.argv[1])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(1)
def serve():
    c, _ = srv.accept()
    c.recv(100)
    c.sendall(b"pong")
    c.shutdown(socket.SHUT_WR)
    c.recv(100)
    c.close()
t = threading.Thread(target=serve)
t.start()
c = socket.create_connection(("127.0.0.1", port))
c.sendall(b"ping")
c.recv(100)
c.close()
t.join()
PYEOF
    got=
    for _ in $(seq 50); do
        [[ -s $work/live.json ]] && { got=1; break; }
        sleep 0.1
    done
    kill -INT "$lpid" 2>/dev/null
    wait "$lpid"
    rc=$?
    row=$(head -1 "$work/live.json")
    # Both ends close at once (the server's FIN and the client's close race), so the kernel may
    # send FINs that cross: a simultaneous close is as right as a four- or three-way one here.
    if [[ -n $got && $rc -eq 0 ]] && grep -Eq '"ended":"(four_way|three_way|simultaneous)"' <<<"$row" &&
       grep -q "\"port\":$port" <<<"$row" && [[ $(wc -l <"$work/live.json") -eq 1 ]]; then
        pass "conns:live"
    else
        fail "conns:live" "rc=$rc printed-before-stop=${got:-no} row=$row"
    fi
fi
exit 0
