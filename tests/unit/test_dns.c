/* summary: unit tests of the DNS dissector and its Info text (src/dis_dns.c). */
#include <string.h>

#include "dis_app.h"
#include "outbuf.h"
#include "pkt.h"
#include "unit.h"

static struct pkt dns_pkt; /* large (text arena); each test starts from a cleared one */
static char dns_text[4096];

/* Dissect b[0..n) as a UDP/53 payload whose header claimed `wire` bytes; returns the Info. */
static const char *run_wire(const uint8_t *b, size_t n, size_t wire)
{
    memset(&dns_pkt, 0, sizeof dns_pkt);
    dns_pkt.sport = 53;
    dns_pkt.dport = 40000;
    dns_pkt.payload = b;
    dns_pkt.payload_caplen = (uint32_t)n;
    dns_pkt.payload_len = (uint32_t)wire;
    dis_dns(&dns_pkt, b, n);
    struct obuf ob;
    ob_init_mem(&ob, sizeof dns_text);
    dns_info(&ob, &dns_pkt);
    snprintf(dns_text, sizeof dns_text, "%s", ob_cstr(&ob));
    ob_free(&ob);
    return dns_text;
}

static const char *run(const uint8_t *b, size_t n)
{
    return run_wire(b, n, n);
}

/* id 0x3bff, RD, 1 question: www.baidu.com A IN */
static const uint8_t q_baidu[] = {
    0x3b, 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
    3, 'w', 'w', 'w', 5, 'b', 'a', 'i', 'd', 'u', 3, 'c', 'o', 'm', 0, /* @12 */
    0, 1, 0, 1,
};

static int test_query(void)
{
    CHECK_STR(run(q_baidu, sizeof q_baidu), "Standard query 0x3bff A www.baidu.com");
    CHECK_EQ_U(dns_pkt.app, APP_DNS);
    CHECK_EQ_U(dns_pkt.dns.id, 0x3bff);
    CHECK_EQ_U(dns_pkt.dns.qdcount, 1);
    CHECK_EQ_U(dns_pkt.dns.nq, 1);
    CHECK_STR(dns_pkt.dns.q[0].name, "www.baidu.com");
    CHECK_EQ_U(dns_pkt.dns.q[0].type, 1);
    CHECK_EQ_U(dns_pkt.dns.q[0].cls, 1);
    CHECK_EQ_U(dns_pkt.dns.end, DNS_END_OK);
    CHECK(!dns_pkt.dns.malformed);
    PASS;
}

/* response 0x3bff, QR RD RA, 1 question, 2 answers:
 *   www.baidu.com A IN
 *   @12 CNAME ttl 300 -> www.a.shifen.com (www.a.shifen + pointer to "com" @22)
 *   @43 (www.a.shifen.com) A ttl 300 183.232.231.174 */
static const uint8_t r_baidu[] = {
    0x3b, 0xff, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
    3, 'w', 'w', 'w', 5, 'b', 'a', 'i', 'd', 'u', 3, 'c', 'o', 'm', 0, /* @12, com @22 */
    0, 1, 0, 1,
    0xc0, 12, 0, 5, 0, 1, 0, 0, 1, 0x2c, 0, 15,                        /* @31 */
    3, 'w', 'w', 'w', 1, 'a', 6, 's', 'h', 'i', 'f', 'e', 'n', 0xc0, 22, /* @43 */
    0xc0, 43, 0, 1, 0, 1, 0, 0, 1, 0x2c, 0, 4, 183, 232, 231, 174,
};

static int test_response_cname(void)
{
    CHECK_STR(run(r_baidu, sizeof r_baidu),
              "Standard query response 0x3bff A www.baidu.com CNAME www.a.shifen.com A "
              "183.232.231.174");
    CHECK_EQ_U(dns_pkt.dns.na, 2);
    CHECK_STR(dns_pkt.dns.a[0].name, "www.baidu.com");
    CHECK_EQ_U(dns_pkt.dns.a[0].type, 5);
    CHECK_EQ_U(dns_pkt.dns.a[0].ttl, 300);
    CHECK_STR(dns_pkt.dns.a[0].data, "www.a.shifen.com");
    CHECK_STR(dns_pkt.dns.a[1].name, "www.a.shifen.com");
    CHECK_STR(dns_pkt.dns.a[1].data, "183.232.231.174");
    CHECK(dns_pkt.dns.rr_more == NULL);
    PASS;
}

/* response 0x0b61, rcode 3, 1 question, 0 answers, 1 authority:
 *   wpad.HOME A IN;  authority: <Root> SOA a.root-servers.net ... */
static const uint8_t r_nxdomain[] = {
    0x0b, 0x61, 0x81, 0x83, 0, 1, 0, 0, 0, 1, 0, 0,
    4, 'w', 'p', 'a', 'd', 4, 'H', 'O', 'M', 'E', 0, 0, 1, 0, 1,
    0, 0, 6, 0, 1, 0, 0, 0x0e, 0x10, 0, 22,
    1, 'a', 12, 'r', 'o', 'o', 't', '-', 's', 'e', 'r', 'v', 'e', 'r', 's', 3, 'n', 'e', 't', 0,
    0, 0,                                                        /* rname <Root> (cut short) */
};

static int test_nxdomain_soa(void)
{
    CHECK_STR(run(r_nxdomain, sizeof r_nxdomain),
              "Standard query response 0x0b61 No such name A wpad.HOME SOA a.root-servers.net");
    CHECK_EQ_U(dns_pkt.dns.na, 0);
    CHECK_STR(dns_pkt.dns.rr_more, " SOA a.root-servers.net");
    PASS;
}

/* query 0x0001 whose name is a pointer to itself: @12 = C0 0C */
static const uint8_t q_selfloop[] = {
    0, 1, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1,
};

/* query 0x0002 whose name is "a" then a pointer back to its own start @12 (a loop) */
static const uint8_t q_loop[] = {
    0, 2, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 0xc0, 12, 0, 1, 0, 1,
};

static int test_compression_loop(void)
{
    CHECK_STR(run(q_selfloop, sizeof q_selfloop), "Standard query 0x0001 A <BAD PTR>");
    CHECK(dns_pkt.dns.malformed);
    CHECK_EQ_U(dns_pkt.dns.end, DNS_END_OK); /* the name's end is known: decoding went on */
    CHECK_STR(run(q_loop, sizeof q_loop), "Standard query 0x0002 A <BAD PTR>");
    CHECK(dns_pkt.dns.malformed);
    PASS;
}

/* query 0x0003, name = pointer forward to @16 where "x" sits after the question */
static const uint8_t q_forward[] = {
    0, 3, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 18, 0, 1, 0, 1, 1, 'x', 0,
};

static int test_forward_pointer(void)
{
    CHECK_STR(run(q_forward, sizeof q_forward), "Standard query 0x0003 A <BAD PTR>");
    CHECK(dns_pkt.dns.malformed);
    CHECK_STR(dns_pkt.dns.q[0].name, "<BAD PTR>");
    PASS;
}

static int test_name_too_long(void)
{
    /* query 0x0004: four 63-byte labels "aaa...": 4 * 64 + 1 = 257 octets > 255 */
    uint8_t m[12 + 257 + 4] = {0, 4, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    size_t o = 12;
    for (int l = 0; l < 4; l++) {
        m[o++] = 63;
        memset(m + o, 'a', 63);
        o += 63;
    }
    m[o++] = 0;
    m[o++] = 0;
    m[o++] = 1;
    m[o++] = 0;
    m[o++] = 1;
    CHECK_EQ_U(o, sizeof m);
    CHECK_STR(run(m, sizeof m), "Standard query 0x0004 A <Name too long>");
    CHECK(dns_pkt.dns.malformed);
    PASS;
}

static int test_truncated_header(void)
{
    /* 3 bytes: not even ID and flags */
    CHECK_STR(run(q_baidu, 3), "[Malformed Packet]");
    CHECK(dns_pkt.dns.end & DNS_END_NOHDR);
    CHECK(dns_pkt.dns.malformed);
    /* 6 bytes: ID and flags, counts missing */
    CHECK_STR(run(q_baidu, 6), "Standard query 0x3bff[Malformed Packet]");
    CHECK_EQ_U(dns_pkt.dns.end, DNS_END_BAD);
    /* the same 6 bytes cut by a snaplen from a 31-byte message */
    CHECK_STR(run_wire(q_baidu, 6, sizeof q_baidu),
              "Standard query 0x3bff[Packet size limited during capture]");
    CHECK_EQ_U(dns_pkt.dns.end, DNS_END_CUT);
    CHECK(!dns_pkt.dns.malformed);
    PASS;
}

static int test_counts_exceed_data(void)
{
    /* r_baidu with ANCOUNT 5 but only 2 answers present */
    uint8_t m[sizeof r_baidu];
    memcpy(m, r_baidu, sizeof m);
    m[7] = 5;
    CHECK_STR(run(m, sizeof m),
              "Standard query response 0x3bff A www.baidu.com CNAME www.a.shifen.com A "
              "183.232.231.174[Malformed Packet]");
    CHECK_EQ_U(dns_pkt.dns.na, 2);
    CHECK(dns_pkt.dns.malformed);
    /* the second answer's RDATA cut by a snaplen: its type is shown, then the marker */
    CHECK_STR(run_wire(r_baidu, sizeof r_baidu - 2, sizeof r_baidu),
              "Standard query response 0x3bff A www.baidu.com CNAME www.a.shifen.com "
              "A[Packet size limited during capture]");
    CHECK_EQ_U(dns_pkt.dns.na, 2);
    CHECK(dns_pkt.dns.a[1].data == NULL);
    PASS;
}

static int test_zero_length(void)
{
    memset(&dns_pkt, 0, sizeof dns_pkt);
    dis_dns(&dns_pkt, q_baidu, 0);
    CHECK_EQ_U(dns_pkt.app, APP_NONE);
    CHECK_EQ_U(dns_pkt.arena_used, 0);
    PASS;
}

/* response 0x0005 with no question and 7 answers, owners all <Root>:
 *   MX 10 mx.x | SRV 1 2 5060 s.x | TXT "hi" "there" | AAAA 2001:db8::1 | PTR p.x | NS n.x |
 *   type 65534 (2 bytes) */
static const uint8_t r_types[] = {
    0, 5, 0x81, 0x80, 0, 0, 0, 7, 0, 0, 0, 0,
    0, 0, 15, 0, 1, 0, 0, 0, 1, 0, 8, 0, 10, 2, 'm', 'x', 1, 'x', 0,
    0, 0, 33, 0, 1, 0, 0, 0, 1, 0, 11, 0, 1, 0, 2, 0x13, 0xc4, 1, 's', 1, 'x', 0,
    0, 0, 16, 0, 1, 0, 0, 0, 1, 0, 9, 2, 'h', 'i', 5, 't', 'h', 'e', 'r', 'e',
    0, 0, 28, 0, 1, 0, 0, 0, 1, 0, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    0, 0, 12, 0, 1, 0, 0, 0, 1, 0, 5, 1, 'p', 1, 'x', 0,
    0, 0, 2, 0, 1, 0, 0, 0, 1, 0, 5, 1, 'n', 1, 'x', 0,
    0, 0xff, 0xfe, 0, 1, 0, 0, 0, 1, 0, 2, 0xab, 0xcd,
};

static int test_rdata_types(void)
{
    CHECK_STR(run(r_types, sizeof r_types),
              "Standard query response 0x0005 MX 10 mx.x SRV 1 2 5060 s.x TXT AAAA 2001:db8::1 "
              "PTR p.x NS n.x Unknown (65534)");
    CHECK_EQ_U(dns_pkt.dns.na, 7);
    CHECK_STR(dns_pkt.dns.a[0].name, "<Root>");
    CHECK_STR(dns_pkt.dns.a[0].data, "10 mx.x");
    CHECK_STR(dns_pkt.dns.a[1].data, "1 2 5060 s.x");
    CHECK_STR(dns_pkt.dns.a[2].data, "hi");
    CHECK_STR(dns_pkt.dns.a[3].data, "2001:db8::1");
    CHECK_STR(dns_pkt.dns.a[4].data, "p.x");
    CHECK_STR(dns_pkt.dns.a[5].data, "n.x");
    CHECK_STR(dns_pkt.dns.a[6].data, "type 65534");
    CHECK_EQ_U(dns_pkt.dns.end, DNS_END_OK);
    PASS;
}

static int test_many_answers(void)
{
    /* response 0x0006, 20 answers "<Root> A 10.0.0.i" (more than PKT_DNS_MAX_A) */
    uint8_t m[12 + 20 * 15] = {0, 6, 0x81, 0x80, 0, 0, 0, 20, 0, 0, 0, 0};
    char want[512] = "Standard query response 0x0006";
    for (int i = 0; i < 20; i++) {
        uint8_t rr[15] = {0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 10, 0, 0, (uint8_t)i};
        memcpy(m + 12 + 15 * i, rr, sizeof rr);
        char one[24];
        snprintf(one, sizeof one, " A 10.0.0.%d", i);
        strcat(want, one);
    }
    CHECK_STR(run(m, sizeof m), want);
    CHECK_EQ_U(dns_pkt.dns.na, PKT_DNS_MAX_A);
    CHECK_STR(dns_pkt.dns.rr_more, " A 10.0.0.16 A 10.0.0.17 A 10.0.0.18 A 10.0.0.19");
    PASS;
}

/* mDNS (port 5353) query 0x0000: _x._tcp.local PTR with the QU bit, then an answer
 * <Root> A 10.0.0.2 with the cache-flush bit */
static const uint8_t mdns[] = {
    0, 0, 0x00, 0x00, 0, 1, 0, 1, 0, 0, 0, 0,
    2, '_', 'x', 4, '_', 't', 'c', 'p', 5, 'l', 'o', 'c', 'a', 'l', 0, 0, 12, 0x80, 1,
    0, 0, 1, 0x80, 1, 0, 0, 0, 120, 0, 4, 10, 0, 0, 2,
};

static int test_mdns(void)
{
    memset(&dns_pkt, 0, sizeof dns_pkt);
    dns_pkt.sport = dns_pkt.dport = 5353;
    dns_pkt.payload_len = dns_pkt.payload_caplen = sizeof mdns;
    dis_dns(&dns_pkt, mdns, sizeof mdns);
    struct obuf ob;
    ob_init_mem(&ob, 1024);
    dns_info(&ob, &dns_pkt);
    CHECK_STR(ob_cstr(&ob),
              "Standard query 0x0000 PTR _x._tcp.local, \"QU\" question A, cache flush 10.0.0.2");
    ob_free(&ob);
    PASS;
}

static int test_arena_full(void)
{
    memset(&dns_pkt, 0, sizeof dns_pkt);
    dns_pkt.arena_used = PKT_ARENA - 8; /* room for "<Root>" but not "www.baidu.com" */
    dns_pkt.payload_len = dns_pkt.payload_caplen = sizeof r_baidu;
    dis_dns(&dns_pkt, r_baidu, sizeof r_baidu);
    CHECK_EQ_U(dns_pkt.dns.end, DNS_END_FULL);
    CHECK_EQ_U(dns_pkt.dns.nq, 0);
    CHECK(dns_pkt.arena_used <= PKT_ARENA);
    struct obuf ob;
    ob_init_mem(&ob, 1024);
    dns_info(&ob, &dns_pkt);
    CHECK_STR(ob_cstr(&ob), "Standard query response 0x3bff ...");
    ob_free(&ob);
    PASS;
}

static int test_opcode_rcode_names(void)
{
    /* header only: id 0x0007, QR, opcode 5 (update), rcode 15; then opcode 3 (unassigned) */
    const uint8_t upd[] = {0, 7, 0xa8, 0x0f, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_STR(run(upd, sizeof upd), "Dynamic update response 0x0007 Unknown error (15)");
    const uint8_t op3[] = {0, 8, 0x18, 0x00, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_STR(run(op3, sizeof op3), "Unknown operation (3) 0x0008");
    PASS;
}

static int test_bad_label_type(void)
{
    /* query 0x0009 whose name starts with label type 0x40 (extended label): stop, malformed */
    const uint8_t m[] = {0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 1, 2, 0, 0, 1, 0, 1};
    CHECK_STR(run(m, sizeof m), "Standard query 0x0009[Malformed Packet]");
    CHECK(dns_pkt.dns.malformed);
    CHECK_EQ_U(dns_pkt.dns.nq, 0);
    PASS;
}

static int test_type_names(void)
{
    CHECK_STR(dns_type_name(28), "AAAA");
    CHECK_STR(dns_type_name(65), "HTTPS");
    CHECK(dns_type_name(54) == NULL);
    PASS;
}

static const struct unit_test dns_tests[] = {
    {"dns: standard query", test_query},
    {"dns: response with CNAME and compression", test_response_cname},
    {"dns: NXDOMAIN with SOA in authority", test_nxdomain_soa},
    {"dns: compression loops are cut", test_compression_loop},
    {"dns: forward pointer is a bad pointer", test_forward_pointer},
    {"dns: name longer than 255 octets", test_name_too_long},
    {"dns: truncated header", test_truncated_header},
    {"dns: counts larger than the data", test_counts_exceed_data},
    {"dns: zero-length payload", test_zero_length},
    {"dns: MX SRV TXT AAAA PTR NS and unknown RDATA", test_rdata_types},
    {"dns: answers past the cap go to rr_more", test_many_answers},
    {"dns: mDNS QU and cache-flush bits", test_mdns},
    {"dns: full arena stops decoding", test_arena_full},
    {"dns: opcode and rcode names", test_opcode_rcode_names},
    {"dns: extended label type stops decoding", test_bad_label_type},
    {"dns: type names", test_type_names},
    {NULL, NULL},
};
UNIT_REGISTER(dns_tests)
