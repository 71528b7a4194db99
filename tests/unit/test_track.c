/* summary: unit tests of the connection table's memory bound: conversations evicted early (tiny
 * limits) give the same stream numbers, relative numbers, windows and port-reuse flags as a table
 * that keeps everything, and the ghost ring stays within its size. */
#include <stdlib.h>
#include <string.h>

#include "pkt.h"
#include "tcp_track.h"
#include "unit.h"

#define MS 1000000LL

struct ep {
    uint8_t ip;
    uint16_t port;
};

static void mkpkt(struct pkt *p, uint64_t frame, int64_t t_ns, struct ep s, struct ep d,
                  uint16_t flags, uint32_t seq, uint32_t ack, uint32_t len, uint16_t win, int ws)
{
    memset(p, 0, offsetof(struct pkt, arena));
    p->frame = frame;
    p->ts_sec = 1700000000 + t_ns / 1000000000LL;
    p->ts_nsec = (uint32_t)(t_ns % 1000000000LL);
    p->l3 = L3_IPV4;
    p->src.family = p->dst.family = 4;
    p->src.a[0] = p->dst.a[0] = 10;
    p->src.a[3] = s.ip;
    p->dst.a[3] = d.ip;
    p->ipproto = 6;
    p->l4 = L4_TCP;
    p->sport = s.port;
    p->dport = d.port;
    p->tcp.seq = seq;
    p->tcp.ack = ack;
    p->tcp.flags = flags;
    p->tcp.win = win;
    p->tcp.hlen = 20;
    p->tcp.have_hdr = true;
    p->tcp.have_seglen = true;
    p->tcp.seglen = len;
    p->payload_len = len;
    if (ws >= 0) {
        p->tcp.opt.has_ws = true;
        p->tcp.opt.wscale = (uint8_t)ws;
    }
}

/* One script fed to two trackers; every result must agree. */
struct pair {
    struct tcp_track *all, *small;
    uint64_t frame;
    int64_t now;
    struct pkt p;
    struct tcp_rec ra, rs;
    int mismatches;
};

static void feed(struct pair *x, int64_t dt, struct ep s, struct ep d, uint16_t flags,
                 uint32_t seq, uint32_t ack, uint32_t len, uint16_t win, int ws)
{
    x->now += dt;
    mkpkt(&x->p, ++x->frame, x->now, s, d, flags, seq, ack, len, win, ws);
    tcp_track_packet(x->all, &x->p, &x->ra);
    tcp_track_packet(x->small, &x->p, &x->rs);
    if (x->ra.stream != x->rs.stream || x->ra.seq != x->rs.seq || x->ra.ack != x->rs.ack ||
        x->ra.win != x->rs.win || x->ra.flags != x->rs.flags || x->ra.valid != x->rs.valid) {
        fprintf(stderr, "  frame %llu: stream %u/%u seq %u/%u ack %u/%u win %u/%u flags %#x/%#x\n",
                (unsigned long long)x->frame, x->ra.stream, x->rs.stream, x->ra.seq, x->rs.seq,
                x->ra.ack, x->rs.ack, x->ra.win, x->rs.win, x->ra.flags, x->rs.flags);
        x->mismatches++;
    }
}

/* A whole short connection: handshake with window scaling, one request/response, FIN close. */
static void short_conn(struct pair *x, struct ep c, struct ep s, uint32_t ic, uint32_t is)
{
    feed(x, MS, c, s, TH_SYN, ic, 0, 0, 64240, 7);
    feed(x, MS, s, c, TH_SYN | TH_ACK, is, ic + 1, 0, 65160, 7);
    feed(x, MS, c, s, TH_ACK, ic + 1, is + 1, 0, 502, -1);
    feed(x, MS, c, s, TH_ACK | TH_PUSH, ic + 1, is + 1, 100, 502, -1);
    feed(x, MS, s, c, TH_ACK | TH_PUSH, is + 1, ic + 101, 1000, 509, -1);
    feed(x, MS, c, s, TH_ACK | TH_FIN, ic + 101, is + 1001, 0, 502, -1);
    feed(x, MS, s, c, TH_ACK | TH_FIN, is + 1001, ic + 102, 0, 509, -1);
    feed(x, MS, c, s, TH_ACK, ic + 102, is + 1002, 0, 502, -1);
}

/* what on_close was told, per part */
struct part {
    uint32_t stream;
    bool ghosted, resumed;
    uint64_t pkts;
};
static struct part parts[64];
static int nparts;
static void part_cb(void *ctx, const struct tcp_conn *c)
{
    (void)ctx;
    if (nparts < 64)
        parts[nparts++] = (struct part){c->stream, c->ghosted, c->resumed, c->pkts};
}
static uint32_t forgot[64];
static int nforgot;
static void forgot_cb(void *ctx, uint32_t stream)
{
    (void)ctx;
    if (nforgot < 64)
        forgot[nforgot++] = stream;
}

static int track_eviction_same_results(void)
{
    struct tcp_track_limits small;
    tcp_track_defaults(&small);
    small.soft_conns = 1;
    small.closed_grace = 10 * MS;
    small.idle_timeout = 500 * MS;
    small.max_ghosts = 64;
    struct pair x = {tcp_track_new(NULL), tcp_track_new(&small), 0, 0, {0}, {0}, {0}, 0};
    nparts = nforgot = 0;
    tcp_track_on_close(x.small, part_cb, NULL);
    struct tcp_track_hooks hk = {NULL, forgot_cb, NULL};
    tcp_track_set_hooks(x.small, &hk);
    struct ep srv = {1, 80}, a = {2, 40000}, b = {3, 40001};
    /* a: closes; b: opens and goes idle */
    short_conn(&x, a, srv, 1000, 5000);
    feed(&x, MS, b, srv, TH_SYN, 7000, 0, 0, 64240, 7);
    feed(&x, MS, srv, b, TH_SYN | TH_ACK, 9000, 7001, 0, 65160, 7);
    feed(&x, MS, b, srv, TH_ACK, 7001, 9001, 0, 502, -1);
    /* many others, long enough for a and b to be evicted from the small table */
    for (uint16_t i = 0; i < 20; i++)
        short_conn(&x, (struct ep){(uint8_t)(10 + i), 50000}, srv, 100u * i, 200000u + i);
    feed(&x, 2000 * MS, (struct ep){9, 9}, srv, TH_SYN, 1, 0, 0, 1000, -1);
    const struct tcp_track_stats *st = tcp_track_stats(x.small);
    CHECK(st->evicted_closed >= 2);
    /* b wakes up (and is evicted for idleness just before): same stream, relative numbers from
     * its ISNs, window still scaled */
    feed(&x, MS, b, srv, TH_ACK | TH_PUSH, 7001, 9001, 10, 502, -1);
    uint32_t sb = x.rs.stream; /* b's; a's is 0 */
    CHECK_EQ_U(sb, 1);
    CHECK(st->evicted_idle >= 1);
    /* the conversation that continued b's ghost says so */
    CHECK(x.rs.conn->resumed);
    CHECK_EQ_U(nforgot, 0);
    CHECK_EQ_U(x.rs.seq, 1);
    CHECK_EQ_U(x.rs.win, 502u << 7);
    CHECK(st->resumed >= 1);
    /* a's pair used again with a new ISN: port reuse, a new stream */
    feed(&x, MS, a, srv, TH_SYN, 123456, 0, 0, 64240, 7);
    CHECK(x.rs.flags & TA_REUSED_PORTS);
    CHECK_EQ_U(x.rs.stream, x.ra.stream);
    /* ... and the one that reused a's ports ends a's old stream: its ghost is forgotten */
    CHECK(!x.rs.conn->resumed);
    CHECK_EQ_U(nforgot, 1);
    CHECK_EQ_U(forgot[0], 0);
    feed(&x, MS, srv, a, TH_SYN | TH_ACK, 654321, 123457, 0, 65160, 7);
    feed(&x, MS, a, srv, TH_ACK, 123457, 654322, 0, 502, -1);
    CHECK_EQ_U(x.mismatches, 0);
    tcp_track_finish(x.all);
    tcp_track_finish(x.small);
    /* b was handed over twice: evicted (more may come), then the part that continued it */
    int nb = 0;
    for (int i = 0; i < nparts; i++) {
        if (parts[i].stream != sb)
            continue;
        if (nb == 0) {
            CHECK(parts[i].ghosted && !parts[i].resumed);
            CHECK_EQ_U(parts[i].pkts, 3);
        } else {
            CHECK(!parts[i].ghosted && parts[i].resumed);
            CHECK_EQ_U(parts[i].pkts, 1);
        }
        nb++;
    }
    CHECK_EQ_U(nb, 2);
    tcp_track_free(x.all);
    tcp_track_free(x.small);
    PASS;
}

static int count_cb_n;
static void count_cb(void *ctx, const struct tcp_conn *c)
{
    (void)ctx;
    (void)c;
    count_cb_n++;
}

static int track_ghost_ring_bounded(void)
{
    struct tcp_track_limits lim;
    tcp_track_defaults(&lim);
    lim.soft_conns = 4;
    lim.closed_grace = 0;
    lim.max_ghosts = 3;
    lim.max_ghosts_closed = 3;
    struct pair x = {tcp_track_new(NULL), tcp_track_new(&lim), 0, 0, {0}, {0}, {0}, 0};
    count_cb_n = 0;
    tcp_track_on_close(x.small, count_cb, NULL);
    struct ep srv = {1, 80};
    for (uint16_t i = 0; i < 200; i++)
        short_conn(&x, (struct ep){(uint8_t)(2 + i % 200), (uint16_t)(30000 + i)}, srv, 10u * i,
                   90000u + i);
    const struct tcp_track_stats *st = tcp_track_stats(x.small);
    CHECK(st->ghosts_dropped > 0);
    CHECK(st->evicted_closed >= 190);
    CHECK(st->max_open <= 6);
    CHECK_EQ_U(x.mismatches, 0);
    tcp_track_finish(x.small);
    CHECK_EQ_U(count_cb_n, 200); /* every conversation reported exactly once */
    tcp_track_finish(x.all);
    tcp_track_free(x.all);
    tcp_track_free(x.small);
    PASS;
}

/* The ghosts of closed conversations have a ring of their own: however many of them come and
 * go, the ghost of an open conversation evicted for silence stays and continues its stream. */
static int track_ghost_rings_apart(void)
{
    struct tcp_track_limits lim;
    tcp_track_defaults(&lim);
    lim.soft_conns = 1;
    lim.closed_grace = 10 * MS;
    lim.idle_timeout = 500 * MS;
    lim.max_ghosts = 2;
    lim.max_ghosts_closed = 2;
    struct pair x = {tcp_track_new(NULL), tcp_track_new(&lim), 0, 0, {0}, {0}, {0}, 0};
    struct ep srv = {1, 80}, b = {3, 40001};
    feed(&x, MS, b, srv, TH_SYN, 7000, 0, 0, 64240, 7);
    feed(&x, MS, srv, b, TH_SYN | TH_ACK, 9000, 7001, 0, 65160, 7);
    feed(&x, MS, b, srv, TH_ACK, 7001, 9001, 0, 502, -1);
    uint32_t sb = x.rs.stream;
    feed(&x, 1000 * MS, (struct ep){9, 9}, srv, TH_SYN, 1, 0, 0, 1000, -1);
    for (uint16_t i = 0; i < 30; i++)
        short_conn(&x, (struct ep){(uint8_t)(10 + i), 50000}, srv, 100u * i, 200000u + i);
    feed(&x, 100 * MS, (struct ep){8, 8}, srv, TH_SYN, 1, 0, 0, 1000, -1);
    const struct tcp_track_stats *st = tcp_track_stats(x.small);
    CHECK(st->evicted_idle >= 1);
    CHECK(st->evicted_closed >= 20);
    CHECK(st->ghosts_dropped >= 18); /* the closed ring turned over many times */
    feed(&x, MS, b, srv, TH_ACK | TH_PUSH, 7001, 9001, 10, 502, -1);
    CHECK_EQ_U(x.rs.stream, sb);
    CHECK(x.rs.conn->resumed);
    CHECK_EQ_U(x.rs.seq, 1);
    CHECK_EQ_U(x.mismatches, 0);
    tcp_track_finish(x.all);
    tcp_track_finish(x.small);
    tcp_track_free(x.all);
    tcp_track_free(x.small);
    PASS;
}

static const struct unit_test track_tests[] = {
    {"track_ghost_rings_apart", track_ghost_rings_apart},
    {"track_eviction_same_results", track_eviction_same_results},
    {"track_ghost_ring_bounded", track_ghost_ring_bounded},
    {NULL, NULL},
};
UNIT_REGISTER(track_tests)
