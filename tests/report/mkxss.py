#!/usr/bin/env python3
"""summary: write a small pcap whose HTTP request and response carry markup and script
(`<script>`, an event handler, quotes), to check that the HTML report shows them as text.

  mkxss.py OUT.pcap
"""
import struct
import sys

CLIENT, SERVER = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
CPORT, SPORT = 40000, 80
REQ = (b"GET /<script>document.title='pwned'</script>?a=\"b\"&c='d' HTTP/1.1\r\n"
       b"Host: <script>document.title='pwned'</script>\r\n"
       b"User-Agent: <img src=x onerror=alert(1)>\r\n\r\n")
RESP = (b"HTTP/1.1 200 <b onmouseover=\"document.title='pwned'\">OK</b>\r\n"
        b"Content-Type: text/html\r\nContent-Length: 0\r\n\r\n")


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(src, dst, sport, dport, seq, ack, flags, payload=b''):
    opts = b''
    if flags & 0x02:
        opts = struct.pack('!BBH', 2, 4, 1460) + b'\x01\x01\x04\x02'  # MSS, NOP NOP SACK_PERM
    off = (20 + len(opts)) // 4
    tcp = struct.pack('!HHIIBBHHH', sport, dport, seq, ack, off << 4, flags, 64240, 0, 0) + opts
    pseudo = src + dst + struct.pack('!BBH', 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack('!H', csum(pseudo + tcp + payload)) + tcp[18:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp) + len(payload), 1, 0x4000, 64, 6, 0,
                     src, dst)
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    eth = b'\x02\0\0\0\0\x02' + b'\x02\0\0\0\0\x01' + b'\x08\x00'
    return eth + ip + tcp + payload


def main():
    c, s = 1000, 5000
    pkts = [
        (CLIENT, SERVER, CPORT, SPORT, c, 0, 0x02, b''),
        (SERVER, CLIENT, SPORT, CPORT, s, c + 1, 0x12, b''),
        (CLIENT, SERVER, CPORT, SPORT, c + 1, s + 1, 0x10, b''),
        (CLIENT, SERVER, CPORT, SPORT, c + 1, s + 1, 0x18, REQ),
        (SERVER, CLIENT, SPORT, CPORT, s + 1, c + 1 + len(REQ), 0x18, RESP),
        (CLIENT, SERVER, CPORT, SPORT, c + 1 + len(REQ), s + 1 + len(RESP), 0x11, b''),
        (SERVER, CLIENT, SPORT, CPORT, s + 1 + len(RESP), c + 2 + len(REQ), 0x11, b''),
        (CLIENT, SERVER, CPORT, SPORT, c + 2 + len(REQ), s + 2 + len(RESP), 0x10, b''),
    ]
    out = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1)
    for i, p in enumerate(pkts):
        f = frame(*p)
        out += struct.pack('<IIII', 1700000000, i * 10000, len(f), len(f)) + f
    open(sys.argv[1], 'wb').write(out)


main()
