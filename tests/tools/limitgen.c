/* summary: writes the limit-test captures (SYN flood, 32-bit sequence wrap, time going backwards). */
/*
 * limitgen synflood N FILE     N SYNs from N different client endpoints to 192.0.2.1:80, 10 us
 *                              apart; no connection is ever answered or closed
 * limitgen wrap GIB FILE       one connection carrying GIB GiB from client to server in
 *                              full-sized segments (IPv4 total length 65535), with an ISN 1000
 *                              bytes below 2^32 so both the relative and the raw sequence space
 *                              wrap; only headers are captured (snaplen 54), the wire lengths are
 *                              the real ones, so the file stays small; the server ACKs every
 *                              eighth segment; FIN teardown at the end
 * limitgen backwards FILE      two connections whose packets' timestamps jump back by 10 s and
 *                              by 1 h, then forward again
 * Output is classic little-endian microsecond pcap, Ethernet link type.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16 };

static FILE *out;
static uint64_t t_us = 1700000000ull * 1000000ull;

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static void header(uint32_t snaplen)
{
    uint8_t h[24] = {0};
    put32(h, 0xa1b2c3d4);
    h[4] = 2; h[6] = 4;
    put32(h + 16, snaplen);
    put32(h + 20, 1);
    fwrite(h, 1, 24, out);
}

/* One Ethernet/IPv4/TCP frame; payload bytes are on the wire but not captured. */
static void pkt(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint32_t seq,
                uint32_t ack, uint8_t flags, uint32_t paylen, uint64_t ts)
{
    uint8_t f[54] = {0};
    memcpy(f, "\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00", 14);
    uint8_t *ip = f + 14, *tcp = f + 34;
    ip[0] = 0x45;
    be16(ip + 2, (uint16_t)(40 + paylen));
    ip[6] = 0x40; ip[8] = 64; ip[9] = 6;
    be32(ip + 12, src);
    be32(ip + 16, dst);
    be16(tcp, sport);
    be16(tcp + 2, dport);
    be32(tcp + 4, seq);
    be32(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    be16(tcp + 14, 65535);
    uint8_t r[16];
    put32(r, (uint32_t)(ts / 1000000));
    put32(r + 4, (uint32_t)(ts % 1000000));
    put32(r + 8, 54);
    put32(r + 12, 54 + paylen);
    fwrite(r, 1, 16, out);
    fwrite(f, 1, 54, out);
}

#define CLI 0x0a000001u /* 10.0.0.1 */
#define SRV 0xc0000201u /* 192.0.2.1 */

static void synflood(uint64_t n)
{
    header(262144);
    for (uint64_t i = 0; i < n; i++) {
        uint32_t src = 0x0a000000u + (uint32_t)(i / 28000) + 1; /* 10.x.y.z */
        uint16_t sport = (uint16_t)(32768 + i % 28000);
        pkt(src, sport, SRV, 80, (uint32_t)(i * 2654435761u), 0, SYN, 0, t_us);
        t_us += 10;
    }
}

static void wrap(uint64_t gib)
{
    header(54);
    const uint32_t seg = 65535 - 40;
    uint32_t c = 0xFFFFFFFFu - 1000u, s = 7777;
    pkt(CLI, 40000, SRV, 80, c, 0, SYN, 0, t_us++);
    pkt(SRV, 80, CLI, 40000, s, c + 1, SYN | ACK, 0, t_us++);
    c++; s++;
    pkt(CLI, 40000, SRV, 80, c, s, ACK, 0, t_us++);
    uint64_t total = gib << 30, sent = 0;
    unsigned k = 0;
    while (sent < total) {
        uint32_t len = total - sent < seg ? (uint32_t)(total - sent) : seg;
        pkt(CLI, 40000, SRV, 80, c, s, ACK, len, t_us);
        t_us += 50;
        c += len;
        sent += len;
        if (++k % 8 == 0 || sent == total) {
            pkt(SRV, 80, CLI, 40000, s, c, ACK, 0, t_us);
            t_us += 50;
        }
    }
    pkt(CLI, 40000, SRV, 80, c, s, FIN | ACK, 0, t_us++);
    pkt(SRV, 80, CLI, 40000, s, c + 1, FIN | ACK, 0, t_us++);
    pkt(CLI, 40000, SRV, 80, c + 1, s + 1, ACK, 0, t_us++);
}

static void backwards(void)
{
    header(262144);
    static const int64_t jump[] = {0, 1000, 2000, -10000000, 3000, -3600000000LL, 4000, 5000,
                                   3700000000LL, 1000};
    for (int conn = 0; conn < 2; conn++) {
        uint16_t sport = (uint16_t)(41000 + conn);
        uint32_t c = 1000 + (uint32_t)conn, s = 9000;
        int64_t t = (int64_t)t_us + conn * 500;
        int j = 0;
#define STEP() (t += jump[j % 10], j++, (uint64_t)t)
        pkt(CLI, sport, SRV, 80, c, 0, SYN, 0, STEP());
        pkt(SRV, 80, CLI, sport, s, c + 1, SYN | ACK, 0, STEP());
        c++; s++;
        pkt(CLI, sport, SRV, 80, c, s, ACK, 0, STEP());
        pkt(CLI, sport, SRV, 80, c, s, PSH | ACK, 100, STEP());
        pkt(SRV, 80, CLI, sport, s, c + 100, ACK, 0, STEP());
        pkt(CLI, sport, SRV, 80, c, s, PSH | ACK, 100, STEP()); /* a retransmission */
        c += 100;
        pkt(SRV, 80, CLI, sport, s, c, PSH | ACK, 200, STEP());
        pkt(CLI, sport, SRV, 80, c, s + 200, FIN | ACK, 0, STEP());
        pkt(SRV, 80, CLI, sport, s + 200, c + 1, FIN | ACK, 0, STEP());
        pkt(CLI, sport, SRV, 80, c + 1, s + 201, ACK, 0, STEP());
#undef STEP
    }
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: limitgen synflood N FILE | wrap GIB FILE | backwards FILE\n");
        return 2;
    }
    const char *path = argv[argc - 1];
    out = strcmp(path, "-") ? fopen(path, "wb") : stdout;
    if (!out) {
        perror(path);
        return 1;
    }
    static char buf[1 << 20];
    setvbuf(out, buf, _IOFBF, sizeof buf);
    if (!strcmp(argv[1], "synflood") && argc == 4)
        synflood(strtoull(argv[2], NULL, 10));
    else if (!strcmp(argv[1], "wrap") && argc == 4)
        wrap(strtoull(argv[2], NULL, 10));
    else if (!strcmp(argv[1], "backwards") && argc == 3)
        backwards();
    else {
        fprintf(stderr, "limitgen: bad arguments\n");
        return 2;
    }
    if (fclose(out) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}
