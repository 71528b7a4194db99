/* summary: unit tests of the per-record paths of the reader and the dissector (src/capfile.c,
 * src/dissect.c): the short ways taken for the commonest records and headers give what the
 * general ways give, and cut or damaged input still ends the way it always did. */
#include <stdint.h>
#include <string.h>

#include "capfile.h"
#include "dissect.h"
#include "pkt.h"
#include "unit.h"

static struct pkt dis_pkt;

/* ---- frames ---- */

/* Ethernet + IPv4 (20 bytes) + TCP with the given options (a multiple of 4 bytes) and payload.
 * Returns the frame length. */
static size_t frame_tcp4(uint8_t *f, const uint8_t *opt, size_t optlen, size_t payload)
{
    size_t tcp_len = 20 + optlen, ip_len = 20 + tcp_len + payload;
    memset(f, 0, 14 + ip_len);
    f[12] = 0x08; /* IPv4 */
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[2] = (uint8_t)(ip_len >> 8);
    ip[3] = (uint8_t)ip_len;
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
    uint8_t *t = ip + 20;
    t[0] = 0x30, t[1] = 0x39;  /* 12345 */
    t[2] = 0x00, t[3] = 0x50;  /* 80 */
    memcpy(t + 4, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
    t[12] = (uint8_t)((tcp_len / 4) << 4);
    t[13] = 0x18; /* PSH ACK */
    t[14] = 0xff, t[15] = 0xff;
    memcpy(t + 20, opt, optlen);
    for (size_t i = 0; i < payload; i++)
        t[tcp_len + i] = (uint8_t)('a' + i % 26);
    return 14 + ip_len;
}

static void run(const uint8_t *f, uint32_t caplen, uint32_t wirelen)
{
    struct cap_rec rec = {0};
    rec.caplen = caplen;
    rec.wirelen = wirelen;
    rec.linktype = LINKTYPE_ETHERNET;
    rec.data = f;
    memset(&dis_pkt, 0x5a, sizeof dis_pkt); /* dissect must reset what it does not set */
    dissect(&dis_pkt, &rec, 1, DIS_DEPTH_TRANSPORT);
}

static const uint8_t ts_val[8] = {0, 0, 0x12, 0x34, 0, 0, 0x56, 0x78};

/* NOP NOP TS (decoded without the option loop) and TS NOP NOP (through it) */
static int test_tcp_ts_layouts(void)
{
    uint8_t f[200], o1[12] = {1, 1, 8, 10}, o2[12] = {8, 10};
    memcpy(o1 + 4, ts_val, 8);
    memcpy(o2 + 2, ts_val, 8);
    o2[10] = 1, o2[11] = 1;
    size_t n = frame_tcp4(f, o1, 12, 10);
    run(f, (uint32_t)n, (uint32_t)n);
    struct tcp_opts a = dis_pkt.tcp.opt;
    CHECK_EQ_U(dis_pkt.status, DIS_OK);
    CHECK(a.has_ts && !a.has_mss && !a.has_ws && !a.sack_perm && !a.bad);
    CHECK_EQ_U(a.tsval, 0x1234);
    CHECK_EQ_U(a.tsecr, 0x5678);
    CHECK_EQ_U(a.count, 1);
    CHECK_EQ_U(a.norder, 1);
    CHECK_EQ_U(a.order[0], 8);
    CHECK_EQ_U(dis_pkt.payload_caplen, 10);
    n = frame_tcp4(f, o2, 12, 10);
    run(f, (uint32_t)n, (uint32_t)n);
    CHECK(memcmp(&a, &dis_pkt.tcp.opt, sizeof a) == 0);
    /* the snapshot ends inside the timestamps: the option is not decoded, the header is cut */
    n = frame_tcp4(f, o1, 12, 0);
    run(f, (uint32_t)n - 3, (uint32_t)n);
    CHECK(!dis_pkt.tcp.opt.has_ts);
    CHECK_EQ_U(dis_pkt.status, DIS_TRUNCATED);
    CHECK_STR(dis_pkt.bad_layer, "tcp");
    PASS;
}

/* Linux's SYN layout MSS, SACK_PERM, TS, NOP, WS (decoded without the loop) against the same
 * options in another order (through it) */
static int test_tcp_syn_layouts(void)
{
    uint8_t f[200];
    uint8_t o1[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7};
    uint8_t o2[20] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 8, 10};
    memcpy(o1 + 8, ts_val, 8);
    memcpy(o2 + 12, ts_val, 8);
    size_t n = frame_tcp4(f, o1, 20, 0);
    run(f, (uint32_t)n, (uint32_t)n);
    struct tcp_opts a = dis_pkt.tcp.opt;
    CHECK(a.has_mss && a.sack_perm && a.has_ts && a.has_ws && !a.bad);
    CHECK_EQ_U(a.mss, 1460);
    CHECK_EQ_U(a.wscale, 7);
    CHECK_EQ_U(a.tsval, 0x1234);
    CHECK_EQ_U(a.count, 4);
    CHECK_EQ_U(a.norder, 4);
    CHECK(a.order[0] == 2 && a.order[1] == 4 && a.order[2] == 8 && a.order[3] == 3);
    n = frame_tcp4(f, o2, 20, 0);
    run(f, (uint32_t)n, (uint32_t)n);
    struct tcp_opts b = dis_pkt.tcp.opt;
    CHECK(b.order[0] == 2 && b.order[1] == 3 && b.order[2] == 4 && b.order[3] == 8);
    memcpy(b.order, a.order, sizeof b.order); /* all else is the same */
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    /* a bad length in the same layout is not taken for it */
    o1[19] = 7, o1[18] = 4;
    n = frame_tcp4(f, o1, 20, 0);
    run(f, (uint32_t)n, (uint32_t)n);
    CHECK(dis_pkt.tcp.opt.bad);
    CHECK(!dis_pkt.tcp.opt.has_ws);
    PASS;
}

/* Ethernet padding is not payload; every cut of the frame is reported, none read past it */
static int test_tcp4_cuts(void)
{
    uint8_t f[200], o[12] = {1, 1, 8, 10};
    memcpy(o + 4, ts_val, 8);
    size_t n = frame_tcp4(f, o, 12, 6);
    memset(f + n, 0xee, 10); /* trailer */
    run(f, (uint32_t)n + 10, (uint32_t)n + 10);
    CHECK_EQ_U(dis_pkt.status, DIS_OK);
    CHECK_EQ_U(dis_pkt.l3, L3_IPV4);
    CHECK_EQ_U(dis_pkt.l4, L4_TCP);
    CHECK_EQ_U(dis_pkt.sport, 12345);
    CHECK_EQ_U(dis_pkt.dport, 80);
    CHECK_EQ_U(dis_pkt.tcp.seq, 0x11223344);
    CHECK_EQ_U(dis_pkt.tcp.flags, 0x18);
    CHECK_EQ_U(dis_pkt.payload_caplen, 6);
    CHECK_EQ_U(dis_pkt.payload_len, 6);
    CHECK_EQ_U(dis_pkt.icmp.inner.present, 0);
    CHECK_EQ_U(dis_pkt.app, APP_NONE);
    for (uint32_t cut = 0; cut < n; cut++) {
        run(f, cut, (uint32_t)n);
        if (cut >= 66) { /* headers whole (14 + 20 + 32): only the payload is cut */
            CHECK_EQ_U(dis_pkt.status, DIS_OK);
            CHECK_EQ_U(dis_pkt.payload_caplen, cut - 66);
            CHECK_EQ_U(dis_pkt.payload_len, 6);
            continue;
        }
        const char *want = cut < 14 ? "eth" : cut < 34 ? "ip" : "tcp";
        CHECK_EQ_U(dis_pkt.status, DIS_TRUNCATED);
        CHECK_STR(dis_pkt.bad_layer, want);
        CHECK(dis_pkt.payload == NULL);
    }
    /* a fragment: the transport is not decoded */
    f[14 + 6] = 0x20; /* more fragments */
    run(f, (uint32_t)n, (uint32_t)n);
    CHECK(dis_pkt.frag && dis_pkt.frag_first);
    CHECK_EQ_U(dis_pkt.l4, L4_NONE);
    PASS;
}

/* ---- the reader ---- */

static size_t put32(uint8_t *p, uint32_t v, bool le)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(le ? v >> (8 * i) : v >> (8 * (3 - i)));
    return 4;
}

/* A pcap file of records {sec, frac, len}; cut bytes taken off the end. */
static size_t pcap_file(uint8_t *b, bool le, bool nsec, const uint32_t (*recs)[3], int n,
                        size_t cut)
{
    size_t k = 0;
    k += put32(b + k, nsec ? 0xa1b23c4d : 0xa1b2c3d4, le);
    const uint8_t ver_le[4] = {2, 0, 4, 0}, ver_be[4] = {0, 2, 0, 4}; /* 2.4, two 16-bit fields */
    memcpy(b + k, le ? ver_le : ver_be, 4);
    k += 4;
    k += put32(b + k, 0, le);
    k += put32(b + k, 0, le);
    k += put32(b + k, 65535, le);
    k += put32(b + k, 1, le);
    for (int i = 0; i < n; i++) {
        k += put32(b + k, recs[i][0], le);
        k += put32(b + k, recs[i][1], le);
        k += put32(b + k, recs[i][2], le);
        k += put32(b + k, recs[i][2], le);
        for (uint32_t j = 0; j < recs[i][2]; j++)
            b[k++] = (uint8_t)(i + j);
    }
    return k - cut;
}

static int read_all(const uint8_t *b, size_t n, struct cap_rec *out, int max, int *got,
                    struct errbuf *eb)
{
    struct capfile *cf;
    bool nc;
    if (capfile_open_mem(&cf, b, n, "t", &nc, eb) < 0)
        return -2;
    int rc;
    *got = 0;
    while ((rc = capfile_next(cf, &out[*got < max ? *got : max - 1], eb)) == 1)
        (*got)++;
    capfile_close(cf);
    return rc;
}

/* both byte orders, a fraction of a second or more (put in the seconds), a cut last record */
static int test_pcap_records(void)
{
    static uint8_t b[4096];
    const uint32_t recs[4][3] = {
        {100, 999999, 20}, {101, 2500000, 3}, {4294967295u, 1999999, 0}, {7, 0, 60}};
    struct cap_rec r[8];
    struct errbuf eb = {""};
    int got;
    for (int le = 0; le < 2; le++) {
        size_t n = pcap_file(b, le, false, recs, 4, 0);
        CHECK_EQ_U(read_all(b, n, r, 8, &got, &eb), 0);
        CHECK_EQ_U(got, 4);
        CHECK(r[0].ts_sec == 100 && r[0].ts_nsec == 999999000u && r[0].caplen == 20);
        CHECK(r[1].ts_sec == 103 && r[1].ts_nsec == 500000000u && r[1].caplen == 3);
        CHECK(r[2].ts_sec == CAPFILE_TS_MAX && r[2].caplen == 0); /* clamped */
        CHECK(r[3].ts_sec == 7 && r[3].ts_nsec == 0 && r[3].wirelen == 60);
        CHECK(r[1].data[0] == 1 && r[1].data[2] == 3 && r[3].data[59] == (uint8_t)(3 + 59));
        /* cut inside the last record's bytes, then inside its header */
        n = pcap_file(b, le, false, recs, 4, 10);
        CHECK_EQ_U(read_all(b, n, r, 8, &got, &eb), (uint64_t)-1);
        CHECK_EQ_U(got, 3);
        CHECK(strstr(eb.msg, "cut short in the middle of a packet (50 of 60 bytes") != NULL);
        n = pcap_file(b, le, false, recs, 4, 60 + 5);
        CHECK_EQ_U(read_all(b, n, r, 8, &got, &eb), (uint64_t)-1);
        CHECK_EQ_U(got, 3);
        CHECK(strstr(eb.msg, "middle of a packet header (11 of 16 bytes") != NULL);
    }
    /* nanosecond files keep the nanoseconds */
    const uint32_t nrec[1][3] = {{5, 123456789, 1}};
    size_t n = pcap_file(b, true, true, nrec, 1, 0);
    CHECK_EQ_U(read_all(b, n, r, 8, &got, &eb), 0);
    CHECK(got == 1 && r[0].ts_sec == 5 && r[0].ts_nsec == 123456789u);
    /* a record claiming more than the maximum is damage, not a read past the end */
    const uint32_t big[2][3] = {{1, 0, 4}, {2, 0, 0}};
    n = pcap_file(b, true, false, big, 2, 0);
    put32(b + 24 + 16 + 4 + 8, CAPFILE_MAX_RECORD + 1, true);
    CHECK_EQ_U(read_all(b, n, r, 8, &got, &eb), (uint64_t)-1);
    CHECK_EQ_U(got, 1);
    CHECK(strstr(eb.msg, "damaged capture: packet record at offset 44 claims") != NULL);
    PASS;
}

/* The two 12-byte SYN layouts without timestamps (decoded without the loop) against the same
 * options followed by EOL padding (through it) */
static int test_tcp_syn12_layouts(void)
{
    uint8_t f[200];
    static const uint8_t lay[2][12] = {{2, 4, 0x05, 0xb4, 1, 3, 3, 8, 1, 1, 4, 2},
                                       {2, 4, 0x05, 0xb4, 1, 1, 4, 2, 1, 3, 3, 8}};
    for (int k = 0; k < 2; k++) {
        uint8_t o[16] = {0};
        memcpy(o, lay[k], 12);
        size_t n = frame_tcp4(f, o, 12, 0);
        run(f, (uint32_t)n, (uint32_t)n);
        struct tcp_opts a = dis_pkt.tcp.opt;
        CHECK(a.has_mss && a.sack_perm && a.has_ws && !a.has_ts && !a.bad);
        CHECK_EQ_U(a.mss, 1460);
        CHECK_EQ_U(a.wscale, 8);
        CHECK_EQ_U(a.count, 3);
        CHECK_EQ_U(a.norder, 3);
        CHECK_EQ_U(a.order[0], 2);
        CHECK_EQ_U(a.order[1], k ? 4 : 3);
        CHECK_EQ_U(a.order[2], k ? 3 : 4);
        n = frame_tcp4(f, o, 16, 0);
        run(f, (uint32_t)n, (uint32_t)n);
        CHECK(memcmp(&a, &dis_pkt.tcp.opt, sizeof a) == 0);
        /* a bad length in the same layout is not taken for it */
        o[k ? 10 : 6] = 4;
        n = frame_tcp4(f, o, 12, 0);
        run(f, (uint32_t)n, (uint32_t)n);
        CHECK(dis_pkt.tcp.opt.bad || !dis_pkt.tcp.opt.has_ws);
    }
    PASS;
}

static const struct unit_test dissect_tests[] = {
    {"dissect: TCP SYN options without timestamps, short layouts and loop agree",
     test_tcp_syn12_layouts},
    {"dissect: TCP timestamps, short layout and loop agree", test_tcp_ts_layouts},
    {"dissect: TCP SYN options, short layout and loop agree", test_tcp_syn_layouts},
    {"dissect: IPv4/TCP padding, every cut, a fragment", test_tcp4_cuts},
    {"capfile: pcap records in both byte orders, cut and damaged", test_pcap_records},
    {NULL, NULL},
};
UNIT_REGISTER(dissect_tests);
