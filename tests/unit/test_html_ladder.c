/* summary: unit tests of the SVG ladder of the HTML report (src/html_ladder.c): one arrow per
 * packet, direction, labels, state changes, bands, the cut for packets left out, escaping. */
#include <stdint.h>
#include <string.h>

#include "html_ladder.h"
#include "outbuf.h"
#include "pkt.h"
#include "tcp_track.h"
#include "unit.h"

static size_t occurrences(const char *hay, const char *needle)
{
    size_t n = 0, l = strlen(needle);
    for (const char *p = strstr(hay, needle); p; p = strstr(p + l, needle))
        n++;
    return n;
}

/* SYN, SYN+ACK, ACK; a request whose text carries markup; FIN from the client. */
static struct lad_pkt pk[5];

static void fill(void)
{
    memset(pk, 0, sizeof pk);
    static const struct { bool c; uint16_t f; uint32_t seq, ack, len; uint8_t ph, sc, ss; } d[5] = {
        {true, TH_SYN, 0, 0, 0, PH_HANDSHAKE, ST_SYN_SENT, ST_LISTEN},
        {false, TH_SYN | TH_ACK, 0, 1, 0, PH_HANDSHAKE, ST_SYN_SENT, ST_SYN_RECEIVED},
        {true, TH_ACK, 1, 1, 0, PH_HANDSHAKE, ST_ESTABLISHED, ST_ESTABLISHED},
        {true, TH_PUSH | TH_ACK, 1, 1, 40, PH_DATA, ST_ESTABLISHED, ST_ESTABLISHED},
        {true, TH_FIN | TH_ACK, 41, 1, 0, PH_TEARDOWN, ST_FIN_WAIT_1, ST_CLOSE_WAIT},
    };
    for (int i = 0; i < 5; i++) {
        pk[i].frame = (uint64_t)i + 1;
        pk[i].t_rel = i * 1000000LL;
        pk[i].from_client = d[i].c;
        pk[i].flags = d[i].f;
        pk[i].seq = d[i].seq;
        pk[i].ack = d[i].ack;
        pk[i].len = d[i].len;
        pk[i].phase = d[i].ph;
        pk[i].st_client = d[i].sc;
        pk[i].st_server = d[i].ss;
    }
    pk[3].app = "GET /<script>alert(\"x\")</script>&'y' HTTP/1.1";
    pk[3].ta = TA_RETRANSMISSION;
}

static const char *draw(struct obuf *ob, size_t gap_after, uint64_t omitted)
{
    fill();
    struct lad_conn c = {"c7", "10.0.0.1:40000", "10.0.0.2:80", 0, pk, 5, gap_after, omitted};
    ob_init_mem(ob, 1 << 20);
    html_ladder_svg(ob, &c);
    return ob_cstr(ob);
}

static int test_arrows(void)
{
    struct obuf ob;
    const char *s = draw(&ob, SIZE_MAX, 0);
    CHECK_EQ_U(occurrences(s, "<g class=\"pkt "), 5);
    CHECK_EQ_U(occurrences(s, "<g class=\"pkt hs\""), 3);
    CHECK_EQ_U(occurrences(s, "<g class=\"pkt warn\""), 1);
    CHECK_EQ_U(occurrences(s, "<g class=\"pkt td\""), 1);
    CHECK(strstr(s, "href=\"#c7-p4\"") != NULL);
    CHECK(strstr(s, "SYN, ACK</tspan> Seq=0 Ack=1 Len=0") != NULL);
    /* no Ack= on a segment without the ACK flag */
    CHECK(strstr(s, "SYN</tspan> Seq=0 Len=0") != NULL);
    CHECK(strstr(s, "[TCP Retransmission]") != NULL);
    CHECK(strstr(s, "3-way handshake") != NULL);
    CHECK(strncmp(s, "<svg class=\"ladder\"", 19) == 0);
    CHECK(strcmp(s + strlen(s) - 6, "</svg>") == 0);
    ob_free(&ob);
    PASS;
}

/* The client's arrows run left to right, the server's right to left. */
static int test_direction(void)
{
    struct obuf ob;
    const char *s = draw(&ob, SIZE_MAX, 0);
    const char *a = strstr(s, "<line class=\"shaft\" x1=\"");
    CHECK(a != NULL);
    double x1 = 0, x2 = 0;
    CHECK(sscanf(a, "<line class=\"shaft\" x1=\"%lf\" y1=\"%*f\" x2=\"%lf\"", &x1, &x2) == 2);
    CHECK(x1 < x2);
    a = strstr(a + 1, "<line class=\"shaft\" x1=\"");
    CHECK(sscanf(a, "<line class=\"shaft\" x1=\"%lf\" y1=\"%*f\" x2=\"%lf\"", &x1, &x2) == 2);
    CHECK(x1 > x2);
    ob_free(&ob);
    PASS;
}

/* A state pill only where the state changes: SYN-SENT once, ESTABLISHED twice (client after
 * packet 3, server after packet 3), FIN-WAIT-1 and CLOSE-WAIT once. */
static int test_states(void)
{
    struct obuf ob;
    const char *s = draw(&ob, SIZE_MAX, 0);
    CHECK_EQ_U(occurrences(s, ">SYN-SENT</text>"), 1);
    CHECK_EQ_U(occurrences(s, ">ESTABLISHED</text>"), 2);
    CHECK_EQ_U(occurrences(s, ">FIN-WAIT-1</text>"), 1);
    CHECK_EQ_U(occurrences(s, ">CLOSE-WAIT</text>"), 1);
    ob_free(&ob);
    PASS;
}

static int test_escaping(void)
{
    struct obuf ob;
    const char *s = draw(&ob, SIZE_MAX, 0);
    CHECK(strstr(s, "<script") == NULL);
    CHECK(strstr(s, "GET /&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;y&#39;") !=
          NULL);
    ob_free(&ob);
    PASS;
}

static int test_cut(void)
{
    struct obuf ob;
    const char *s = draw(&ob, 2, 1234);
    CHECK_EQ_U(occurrences(s, "<g class=\"cut\""), 1);
    CHECK(strstr(s, "1234 packets left out") != NULL);
    /* the cut comes after the third arrow and before the fourth */
    const char *cut = strstr(s, "<g class=\"cut\"");
    CHECK(strstr(s, "href=\"#c7-p3\"") < cut && cut < strstr(s, "href=\"#c7-p4\""));
    ob_free(&ob);
    PASS;
}

static const struct unit_test html_ladder_tests[] = {
    {"html_ladder: one arrow per packet, classes and labels", test_arrows},
    {"html_ladder: client arrows go right, server arrows left", test_direction},
    {"html_ladder: endpoint states where they change", test_states},
    {"html_ladder: packet text is escaped", test_escaping},
    {"html_ladder: packets left out are marked where they were", test_cut},
    {NULL, NULL},
};
UNIT_REGISTER(html_ladder_tests)
