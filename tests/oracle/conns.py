#!/usr/bin/env python3
# summary: compare `tcplens conns --json` with tshark, stream by stream: packets and payload bytes each way, start and duration.
"""Compare the connection table with tshark.

    conns.py --tcplens BIN [-j N] CAPTURE...

tshark runs as `tshark -n -r CAP -Y 'tcp && !icmp && !icmpv6' -T fields` with tcp.stream,
frame.time_epoch, ip.src/ipv6.src, tcp.srcport and tcp.len (the innermost header when there are
several), with a private, empty configuration directory. Its packets are summed per stream: the
packets and tcp.len each way (the direction whose source is the client tcplens names is client to
server), the start (the time of the stream's first frame) and the duration (latest time minus the
start). TCP headers quoted in ICMP errors belong to a stream but are no packets of it, for both.

tcplens runs as `BIN conns --json CAP`. Per capture: the set of streams must be equal and every
number equal (times to the microsecond; tcplens prints microseconds), except what the
known-differences file excuses (lines whose field is `*` or `conns.start`, `conns.duration`,
`conns.pkts`, `conns.bytes`, `conns.rows`). Prints
`PASS conns-oracle:<capture>` or `FAIL conns-oracle:<capture>: N mismatches (first: ...)`.
Exit status 1 when any capture failed.
"""

import argparse
import concurrent.futures
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tempfile
from decimal import Decimal

FIELDS = ["tcp.stream", "frame.time_epoch", "ip.src", "ipv6.src", "tcp.srcport", "tcp.len"]


def ns_of(text):
    return int(Decimal(text) * 1000000000)


def us_of_ns(ns):
    return ns // 1000  # truncation, as tcplens prints


def run(cmd, env):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def last(v):
    return v.split(",")[-1] if v else ""


def tshark_streams(cap, env):
    cmd = ["tshark", "-n", "-r", cap, "-Y", "tcp && !icmp && !icmpv6", "-T", "fields",
           "-E", "separator=/t", "-E", "occurrence=a"]
    for f in FIELDS:
        cmd += ["-e", f]
    rc, out, err = run(cmd, env)
    streams = {}
    for line in out.splitlines():
        cols = line.split("\t")
        if len(cols) < len(FIELDS) or not cols[0]:
            continue
        stream = int(last(cols[0]))
        ts = ns_of(cols[1])
        src = last(cols[3]) or last(cols[2])
        sport = int(last(cols[4]))
        tlen = int(last(cols[5]) or 0)
        s = streams.setdefault(stream, {"first": ts, "max": ts, "dirs": {}})
        s["max"] = max(s["max"], ts)
        d = s["dirs"].setdefault((src, sport), [0, 0])
        d[0] += 1
        d[1] += tlen
    return streams


def tcplens_streams(bin_, cap, env):
    rc, out, err = run([bin_, "conns", "--json", cap], env)
    if rc not in (0, 4):
        raise RuntimeError("tcplens exited %d: %s" % (rc, err.strip()[:200]))
    rows = {}
    for line in out.splitlines():
        o = json.loads(line)
        rows[o["stream"]] = o
    return rows


def load_known(path):
    """The known-differences lines (capture, frame, field, reason) whose field is '*' or a
    conns.* name (conns.start, conns.duration, conns.pkts, conns.bytes, conns.rows)."""
    out = []
    try:
        with open(path) as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) >= 4 and (cols[2] == "*" or cols[2].startswith("conns.")):
                    out.append((cols[0], cols[2], cols[3]))
    except OSError:
        pass
    return out


def excuse(known, name, field):
    for cap, pat, reason in known:
        if fnmatch.fnmatchcase(name, cap) and fnmatch.fnmatchcase(field, pat):
            return reason
    return None


def compare(bin_, cap, known):
    work = tempfile.mkdtemp(prefix="tl-conns-")
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=work, XDG_CONFIG_HOME=work, HOME=work,
               LC_ALL="C.UTF-8", TZ="UTC")
    name = os.path.basename(cap)
    try:
        ts = tshark_streams(cap, env)
        tl = tcplens_streams(bin_, cap, env)
    except Exception as e:  # noqa: BLE001 - reported as a failure line
        return False, "FAIL conns-oracle:%s: %s" % (name, e)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    bad = []
    for s in sorted(set(ts) | set(tl)):
        if s not in tl:
            bad.append(("conns.rows", "stream %d: tcplens has no row" % s))
            continue
        if s not in ts:
            bad.append(("conns.rows", "stream %d: tshark has no packets" % s))
            continue
        t, o = ts[s], tl[s]
        cl = (o["client"]["addr"], o["client"]["port"])
        sv = (o["server"]["addr"], o["server"]["port"])
        sides = (("client", cl), ("server", sv))
        if cl == sv:  # a segment from an address and port to themselves: one direction
            sides = (("client+server", cl),)
        for who, key in sides:
            want = t["dirs"].get(key, [0, 0])
            got = [sum(o[w]["pkts"] for w in who.split("+")),
                   sum(o[w]["bytes"] for w in who.split("+"))]
            if want != got:
                field = "conns.pkts" if want[0] != got[0] else "conns.bytes"
                bad.append((field, "stream %d %s pkts/bytes: tshark=%s tcplens=%s"
                            % (s, who, want, got)))
        extra = set(t["dirs"]) - {cl, sv}
        if extra:
            bad.append(("conns.pkts", "stream %d: tshark has packets from %s" % (s, sorted(extra))))
        start_us = us_of_ns(t["first"])
        got_start = int(Decimal(str(o["ts"])) * 1000000)
        if got_start != start_us:
            bad.append(("conns.start", "stream %d start: tshark=%d tcplens=%d (us)"
                        % (s, start_us, got_start)))
        dur_us = us_of_ns(t["max"] - t["first"])
        got_dur = int(Decimal(str(o["duration"])) * 1000000)
        if got_dur != dur_us:
            bad.append(("conns.duration", "stream %d duration: tshark=%d tcplens=%d (us)"
                        % (s, dur_us, got_dur)))
    excused = [b for b in bad if excuse(known, name, b[0])]
    bad = [b[1] for b in bad if not excuse(known, name, b[0])]
    if bad:
        return False, "FAIL conns-oracle:%s: %d mismatches (first: %s)" % (name, len(bad), bad[0])
    if excused:
        return True, "PASS conns-oracle:%s (%d streams; %d known differences: %s)" % (
            name, len(tl), len(excused), excuse(known, name, excused[0][0])[:70])
    return True, "PASS conns-oracle:%s (%d streams)" % (name, len(tl))


def main():
    ap = argparse.ArgumentParser(description="Compare tcplens conns with tshark per stream.")
    ap.add_argument("--tcplens", required=True)
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("--known", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "known-differences.tsv"))
    ap.add_argument("captures", nargs="+")
    a = ap.parse_args()
    ok = True
    known = load_known(a.known)
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        for good, line in ex.map(lambda c: compare(a.tcplens, c, known), a.captures):
            print(line, flush=True)
            ok = ok and good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
