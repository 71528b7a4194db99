#!/usr/bin/env python3
"""summary: build the fuzzers' seed corpora from capture files.

usage: seeds.py OUTDIR CAPTURE...

Writes OUTDIR/pipeline (small captures whole, the first 32 KB of bigger ones, every file cut
to its first three records), OUTDIR/dissect (one file per packet: a byte naming the link type,
as tests/fuzz/fuzz_dissect.c reads it, then the frame) and OUTDIR/app (transport payloads that
look like DNS or HTTP, with fuzz_app.c's selector byte). Duplicates are written once.
"""
import hashlib
import os
import struct
import sys

# link type -> index in fuzz_dissect.c's link_types[]
LINK_INDEX = {1: 0, 113: 1, 276: 2, 101: 3, 12: 4, 14: 5, 228: 6, 229: 7, 0: 8, 108: 9}
MAX_PER_CAPTURE = 60          # packet seeds per capture file
PIPELINE_WHOLE = 64 * 1024    # captures up to this size are seeds as they are
PIPELINE_PREFIX = 32 * 1024


def records(buf):
    """Yield (linktype, frame, record_end_offset) of a pcap or pcapng file; stop at damage."""
    if len(buf) < 24:
        return
    magic = buf[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        yield from ng_records(buf)
        return
    for end, m in (("<", b"\xd4\xc3\xb2\xa1"), (">", b"\xa1\xb2\xc3\xd4"),
                   ("<", b"\x4d\x3c\xb2\xa1"), (">", b"\xa1\xb2\x3c\x4d"),
                   ("<", b"\x34\xcd\xb2\xa1"), (">", b"\xa1\xb2\xcd\x34")):
        if magic == m:
            break
    else:
        return
    hl = 24 if magic in (b"\x34\xcd\xb2\xa1", b"\xa1\xb2\xcd\x34") else 16
    lt = struct.unpack(end + "I", buf[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + hl <= len(buf):
        incl = struct.unpack(end + "I", buf[off + 8:off + 12])[0]
        if off + hl + incl > len(buf):
            return
        yield lt, buf[off + hl:off + hl + incl], off + hl + incl
        off += hl + incl


def ng_records(buf):
    off, end, ifaces = 0, "<", []
    while off + 12 <= len(buf):
        btype = buf[off:off + 4]
        if btype == b"\x0a\x0d\x0d\x0a":
            end = "<" if buf[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            ifaces = []
        t, blen = struct.unpack(end + "II", buf[off:off + 8])
        if blen < 12 or off + blen > len(buf):
            return
        if t == 1 and blen >= 20:
            ifaces.append(struct.unpack(end + "H", buf[off + 8:off + 10])[0])
        elif t == 6 and blen >= 32:
            ifid, _, _, cap = struct.unpack(end + "IIII", buf[off + 8:off + 24])
            if ifid < len(ifaces) and 28 + cap <= blen:
                yield ifaces[ifid], buf[off + 28:off + 28 + cap], off + blen
        off += blen


def l3_offset(lt, f):
    if lt == 1:
        off = 12
        et = struct.unpack(">H", f[off:off + 2])[0] if len(f) >= 14 else 0
        off = 14
        while et in (0x8100, 0x88A8) and len(f) >= off + 4:
            et = struct.unpack(">H", f[off + 2:off + 4])[0]
            off += 4
        return off if et in (0x0800, 0x86DD) else None
    return {113: 16, 276: 20, 101: 0, 12: 0, 14: 0, 228: 0, 229: 0, 0: 4, 108: 4}.get(lt)


def app_payload(lt, f):
    """(selector, payload) for DNS (0) or HTTP (1) payloads, else None."""
    o = l3_offset(lt, f)
    if o is None or len(f) < o + 20:
        return None
    v = f[o] >> 4
    if v == 4:
        ihl = (f[o] & 15) * 4
        proto, t = f[o + 9], o + ihl
    elif v == 6 and len(f) >= o + 40:
        proto, t = f[o + 6], o + 40
    else:
        return None
    if proto == 17 and len(f) >= t + 8:
        sp, dp = struct.unpack(">HH", f[t:t + 4])
        if 53 in (sp, dp) or 5353 in (sp, dp):
            return 0, f[t + 8:]
    if proto == 6 and len(f) >= t + 20:
        sp, dp = struct.unpack(">HH", f[t:t + 4])
        pl = f[t + (f[t + 12] >> 4) * 4:]
        if pl[:4] in (b"GET ", b"POST", b"HTTP", b"HEAD", b"PUT "):
            return 1, pl
        if 53 in (sp, dp) and len(pl) > 2:
            return 0, pl[2:]
    return None


def put(d, data, seen):
    h = hashlib.sha1(data).hexdigest()[:16]
    if h in seen:
        return
    seen.add(h)
    with open(os.path.join(d, h), "wb") as fh:
        fh.write(data)


def main():
    out, caps = sys.argv[1], sys.argv[2:]
    dirs = {k: os.path.join(out, k) for k in ("pipeline", "dissect", "app")}
    for d in dirs.values():
        os.makedirs(d, exist_ok=True)
    seen = set()
    for cap in caps:
        with open(cap, "rb") as fh:
            buf = fh.read()
        put(dirs["pipeline"], buf if len(buf) <= PIPELINE_WHOLE else buf[:PIPELINE_PREFIX], seen)
        n = 0
        for lt, frame, rend in records(buf):
            n += 1
            if n == 3:
                put(dirs["pipeline"], buf[:rend], seen)
            if n <= MAX_PER_CAPTURE and lt in LINK_INDEX:
                put(dirs["dissect"], bytes([LINK_INDEX[lt]]) + frame, seen)
            ap = app_payload(lt, frame)
            if ap and n <= 4 * MAX_PER_CAPTURE:
                put(dirs["app"], bytes([ap[0]]) + ap[1], seen)
    for k, d in dirs.items():
        print(f"{k}: {len(os.listdir(d))} seeds", file=sys.stderr)


if __name__ == "__main__":
    main()
