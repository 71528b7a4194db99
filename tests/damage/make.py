#!/usr/bin/env python3
"""summary: generate the damaged-capture test set into a directory (nothing binary is committed).

usage: make.py OUTDIR

Writes OUTDIR/<case>.pcap[ng] (or .bin) and OUTDIR/cases.tsv with one line per case:
    name  file  exit  message  good  tshark
exit: the documented exit code (src/exitcode.h: 0 ok, 3 not a capture, 4 damaged / cut short);
message: a fixed string the one-line error must contain ("-" when there is none);
good: how many packets must be printed (the complete packets before the damage);
tshark: "yes" when tshark reads the file and its packets must match frame by frame.
A file name of "stdin:N:FILE" means: feed the first N bytes of FILE on standard input.
"""
import os
import struct
import sys

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
cases = []

# ---- packet builders (checksums are not checked by either tool) ----

MAC_A, MAC_B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")
IP_A, IP_B = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])


def eth(payload, etype=0x0800, src=MAC_A, dst=MAC_B):
    return dst + src + struct.pack(">H", etype) + payload


def ipv4(payload, proto=6, src=IP_A, dst=IP_B, total=None, ihl=5, ident=1):
    tl = 20 + len(payload) if total is None else total
    h = struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, tl, ident, 0x4000, 64, proto, 0, src, dst)
    return h + payload


def tcp(sport, dport, seq, ack, flags, payload=b"", win=64240, opts=b"", doff=None):
    hl = 20 + len(opts)
    d = (hl // 4) if doff is None else doff
    h = struct.pack(">HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, d << 4,
                    flags, win, 0, 0)
    return h + opts + payload


def udp(sport, dport, payload):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


FIN, SYN, RST, PSH, ACK = 1, 2, 4, 8, 16


def conversation(n_data=2, sport=40000):
    """A complete TCP connection as Ethernet frames: handshake, data, teardown."""
    c, s = 1000, 5000
    fr = []
    a2b = lambda p: eth(ipv4(p))
    b2a = lambda p: eth(ipv4(p, src=IP_B, dst=IP_A), src=MAC_B, dst=MAC_A)
    fr.append(a2b(tcp(sport, 80, c, 0, SYN, opts=b"\x02\x04\x05\xb4\x01\x01\x04\x02")))
    fr.append(b2a(tcp(80, sport, s, c + 1, SYN | ACK, opts=b"\x02\x04\x05\xb4\x01\x01\x04\x02")))
    fr.append(a2b(tcp(sport, 80, c + 1, s + 1, ACK)))
    c += 1
    s += 1
    for i in range(n_data):
        data = b"GET /%d HTTP/1.1\r\nHost: x\r\n\r\n" % i
        fr.append(a2b(tcp(sport, 80, c, s, PSH | ACK, data)))
        c += len(data)
        fr.append(b2a(tcp(80, sport, s, c, ACK)))
    fr.append(a2b(tcp(sport, 80, c, s, FIN | ACK)))
    fr.append(b2a(tcp(80, sport, s, c + 1, FIN | ACK)))
    fr.append(a2b(tcp(sport, 80, c + 1, s + 1, ACK)))
    return fr


# ---- file writers ----

def pcap_header(linktype=1, snaplen=262144):
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype)


def pcap_rec(frame, i=0, incl=None, orig=None, ts=1700000000):
    incl = len(frame) if incl is None else incl
    orig = len(frame) if orig is None else orig
    return struct.pack("<IIII", ts + i, 1000 * i, incl, orig) + frame


def pcap(frames, linktype=1, snaplen=262144):
    return pcap_header(linktype, snaplen) + b"".join(pcap_rec(f, i) for i, f in enumerate(frames))


def ng_block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def ng_shb():
    return ng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def ng_idb(linktype=1, snaplen=262144):
    return ng_block(1, struct.pack("<HHI", linktype, 0, snaplen))


def ng_epb(frame, i=0):
    ts = (1700000000 + i) * 1000000
    return ng_block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame),
                                   len(frame)) + frame)


def write(name, data, ext="pcap"):
    fn = f"{name}.{ext}"
    with open(os.path.join(OUT, fn), "wb") as fh:
        fh.write(data)
    return fn


def case(name, fn, exit_code, message, good, tshark):
    cases.append((name, fn, str(exit_code), message, str(good), "yes" if tshark else "no"))


conv = conversation()             # 10 frames
good = pcap(conv)
NG = len(conv)

# ---- cut short / damaged record layer ----
case("good", write("good", good), 0, "-", NG, True)
case("trunc-record-header", write("trunc-record-header", good + pcap_rec(conv[0], NG)[:9]),
     4, "cut short in the middle of a packet header", NG, True)
rec = pcap_rec(conv[3], NG)
case("trunc-packet-data", write("trunc-packet-data", good + rec[:16 + 30]),
     4, "cut short in the middle of a packet", NG, True)
# snaplen 96 but records of up to 100 bytes: wiretap accepts records up to its maximum, so do we
case("record-over-snaplen", write("record-over-snaplen", pcap(conv, snaplen=64)),
     0, "-", NG, True)
case("record-over-maximum",
     write("record-over-maximum", good + struct.pack("<IIII", 1700000100, 0, 300000, 300000)
           + b"\0" * 64),
     4, "more than the maximum", NG, True)
case("record-past-eof",
     write("record-past-eof", good + struct.pack("<IIII", 1700000100, 0, 60000, 60000)
           + conv[0]),
     4, "cut short in the middle of a packet", NG, True)
zl = pcap_header() + pcap_rec(conv[0], 0) + pcap_rec(b"", 1, 0, 0) + pcap_rec(b"", 2, 0, 60) \
    + pcap_rec(conv[1], 3)
case("zero-length-packets", write("zero-length-packets", zl), 0, "-", 4, True)

# ---- IP / TCP header damage (the file is fine: exit 0, packet shown) ----
seg = tcp(40000, 80, 1, 1, ACK | PSH, b"hello world, this is data")
frames = [
    eth(ipv4(seg, total=1500)),                       # total length > frame
    eth(ipv4(seg, total=30)),                         # total length < IP+TCP header
    eth(ipv4(seg, total=45)),                         # total length cuts the payload short
    eth(ipv4(seg, total=12)),                         # total length < IP header
    eth(ipv4(seg + b"\0" * 40)),                      # frame with trailing padding
]
case("ip-total-length", write("ip-total-length", pcap(conv[:3] + frames)), 0, "-",
     3 + len(frames), True)
frames = [
    eth(ipv4(tcp(40000, 80, 1, 1, ACK, b"abcd", doff=3))),     # data offset < 5
    eth(ipv4(tcp(40000, 80, 1, 1, ACK, b"", doff=0))),
    eth(ipv4(tcp(40000, 80, 1, 1, ACK, b"", doff=15))),        # header past the end
    eth(ipv4(tcp(40000, 80, 1, 1, ACK, b"abcdefgh", doff=8))), # past the segment's data
    eth(ipv4(tcp(40000, 80, 1, 1, ACK)[:14])),                 # header cut in the frame
]
case("tcp-data-offset", write("tcp-data-offset", pcap(conv[:3] + frames)), 0, "-",
     3 + len(frames), True)
opts = [
    b"\x02\x00\x01\x01",                 # MSS with length 0
    b"\x02\x01\x01\x01",                 # length 1
    b"\x08\x28\x00\x00",                 # timestamp claiming 40 bytes in a 4-byte space
    b"\x05\xff\x00\x00\x00\x00\x00\x00", # SACK claiming 255 bytes
    b"\x01\x01\x01\x03",                 # window scale whose length byte is past the header
    b"\x13\x12" + b"\0" * 14 + b"\x01\x01",  # MD5 signature (fine, 18 bytes)
]
frames = [eth(ipv4(tcp(40000, 80, 1, 1, ACK, b"x", opts=o))) for o in opts]
case("tcp-options", write("tcp-options", pcap(conv[:3] + frames)), 0, "-", 3 + len(frames),
     True)


def ipv6(payload, nh, plen=None):
    pl = len(payload) if plen is None else plen
    return struct.pack(">IHBB", 0x60000000, pl, nh, 64) + b"\xfd" + b"\0" * 14 + b"\x01" \
        + b"\xfd" + b"\0" * 14 + b"\x02" + payload


t6 = tcp(40000, 80, 1, 0, SYN)
loop = b"".join(struct.pack(">BB6x", 60, 0) for _ in range(40)) + t6   # 40 dest-opts in a row
longchain = b"".join(struct.pack(">BB", 0, 255) + b"\0" * 2046 for _ in range(3)) \
    + struct.pack(">BB6x", 6, 0) + t6                                   # three 2 KB headers
selfref = struct.pack(">BB", 0, 200) + b"\0" * 6                        # claims 1608 bytes
frames = [eth(ipv6(loop, 60), 0x86DD), eth(ipv6(longchain, 0), 0x86DD),
          eth(ipv6(selfref, 0), 0x86DD), eth(ipv6(t6, 6, plen=4000), 0x86DD)]
case("ipv6-ext-headers", write("ipv6-ext-headers", pcap(conv[:3] + frames)), 0, "-",
     3 + len(frames), True)


def dns_loop(kind):
    hdr = struct.pack(">HHHHHH", 0x1234, 0x8180, 1, 1, 0, 0)
    q = b"\x03www\x07example\x03com\x00" + struct.pack(">HH", 1, 1)
    if kind == "self":
        name = b"\xc0" + bytes([12 + len(q)])               # points at itself
    elif kind == "pair":
        # two pointers pointing at each other
        a = 12 + len(q)
        name = b"\xc0" + bytes([a + 2]) + b"\xc0" + bytes([a])
    else:                                                    # label then pointer back to it
        a = 12 + len(q)
        name = b"\x01a\xc0" + bytes([a])
    rr = name + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([1, 2, 3, 4])
    return hdr + q + rr


frames = [eth(ipv4(udp(53, 33333, dns_loop(k)), proto=17)) for k in ("self", "pair", "label")]
case("dns-compression-loop", write("dns-compression-loop", pcap(frames)), 0, "-", 3, True)

# ---- pcapng ----
ng = ng_shb() + ng_idb() + ng_epb(conv[0], 0) + ng_block(0x00001234, b"unknown block body") \
    + ng_epb(conv[1], 1) + ng_block(5, b"\0" * 12) \
    + ng_epb(conv[2], 2)
case("pcapng-unknown-blocks", write("pcapng-unknown-blocks", ng, "pcapng"), 0, "-", 3, True)
base = ng_shb() + ng_idb() + ng_epb(conv[0], 0) + ng_epb(conv[1], 1)
bad = bytearray(ng_epb(conv[2], 2))
struct.pack_into("<I", bad, 4, 0x1001)                      # not a multiple of 4
case("pcapng-bad-block-length", write("pcapng-bad-block-length", base + bytes(bad), "pcapng"),
     4, "invalid length", 2, True)
bad = bytearray(ng_epb(conv[2], 2))
struct.pack_into("<I", bad, len(bad) - 4, len(bad) + 4)    # trailing length differs
case("pcapng-mismatched-length",
     write("pcapng-mismatched-length", base + bytes(bad), "pcapng"),
     4, "mismatched lengths", 2, True)
big = struct.pack("<II", 6, 0x7FFFFFF0)
case("pcapng-huge-block", write("pcapng-huge-block", base + big + b"\0" * 32, "pcapng"),
     4, "invalid length", 2, True)
case("pcapng-trunc-block", write("pcapng-trunc-block", base + ng_epb(conv[2], 2)[:40], "pcapng"),
     4, "cut short in the middle of a block", 2, True)

# ---- not a capture ----
case("wrong-magic", write("wrong-magic", b"GIF89a" + b"\0" * 100, "bin"), 3,
     "not a capture file", 0, False)
case("empty-file", write("empty-file", b"", "bin"), 3, "is empty", 0, False)
case("short-file", write("short-file", b"\xd4\xc3", "bin"), 3, "too short", 0, False)
case("pcap-header-cut", write("pcap-header-cut", good[:20]), 3, "header cut short", 0, False)

# ---- standard input that closes early ----
full = write("stdin-source", good)
cut = len(pcap_header()) + sum(16 + len(f) for f in conv[:5]) + 20
case("stdin-closes-early", f"stdin:{cut}:{full}", 4, "cut short in the middle of a packet", 5,
     True)
case("stdin-closes-in-header", f"stdin:{cut - 20 + 7}:{full}", 4,
     "cut short in the middle of a packet header", 5, True)
case("stdin-empty", f"stdin:0:{full}", 3, "is empty", 0, False)
# two pcapng sections on standard input, the second after 4.5 MB (past the first stream buffer)
bigseg = [eth(ipv4(tcp(40001, 80, 1 + i * 60000, 1, ACK, b"\0" * 60000))) for i in range(75)]
two = ng_shb() + ng_idb() + b"".join(ng_epb(f, i) for i, f in enumerate(bigseg)) \
    + ng_shb() + ng_idb() + b"".join(ng_epb(f, 100 + i) for i, f in enumerate(conv))
two_fn = write("stdin-two-sections", two, "pcapng")
case("stdin-two-sections", f"stdin:{len(two)}:{two_fn}", 0, "-", 75 + NG, True)

with open(os.path.join(OUT, "cases.tsv"), "w") as fh:
    for c in cases:
        fh.write("\t".join(c) + "\n")
print(f"{len(cases)} cases in {OUT}", file=sys.stderr)
