/* summary: deterministic generator of realistic TCP traffic as a classic pcap (benchmark input). */
/*
 * bench/gen -n PACKETS -o FILE [-s SEED] [-r CONNS_PER_S] [-p PORTS] [-l LABELS] [-q]
 *
 * The capture point is a tap in front of a small farm of HTTP servers (four IPv4 and two IPv6
 * addresses, ports 80 and 8080). Clients (4096 IPv4 and 512 IPv6 hosts, plus one busy reverse
 * proxy whose ephemeral ports wrap around and get reused) open connections as a Poisson process
 * whose rate swings slowly, so that a few hundred to a few thousand connections are open at any
 * moment. Each connection is simulated as a script of packets stamped with tap time:
 *   - a 3-way handshake with Linux or Windows options (MSS, SACK-permitted, timestamps, window
 *     scale); some SYN/ACKs are lost after the tap, so the client repeats its SYN after 1 s and
 *     the server its SYN/ACK; some connections are refused (SYN, RST/ACK);
 *   - one or more HTTP/1.1 exchanges (keep-alive), GET or POST, bodies from a heavy-tailed size
 *     distribution, cut into MSS-sized segments;
 *   - every one-way transfer is a small event simulation: slow start, a receiver that ACKs every
 *     second segment or after a 40 ms delayed-ACK timer (piggybacked on its next data when that
 *     comes first), SACK dup ACKs for out-of-order data, fast retransmit after 3 dup ACKs,
 *     retransmission timeout (200 ms + RTT, doubled each time), reordering;
 *   - server->client segments are lost after the tap (the original and the retransmission are
 *     both captured), client->server segments before it (only the retransmission is captured,
 *     after a gap);
 *   - FIN closes by either side, 3-way and 4-way, RST aborts, idle connections left open, and a
 *     few data packets that the tap itself missed (so the capture shows ACKs of unseen data).
 * Initial sequence numbers are random; 2 % sit just below 2^32 so that they wrap.
 * IPv4 header checksums are right; TCP checksums are 0, as in captures with checksum offload.
 * Everything comes from one xoshiro256** stream seeded from -s: same seed, same bytes.
 * What was written is summed up on stderr as "gen: NAME VALUE" lines, one per counter (packets,
 * connections, retransmissions...), so that tests can set them against tshark's analysis.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NS_US 1000ull
#define NS_MS 1000000ull
#define NS_S 1000000000ull
#define EPOCH_S 1705312800ull /* 2024-01-15 10:00:00 UTC */
#define MAX_MSG 16            /* HTTP messages per direction of one connection */
#define MAX_SACK 3
#define OUT_BUF (1u << 20)
#define PORT_LO 32768u
#define PORT_HI 60999u
#define N_CLI4 4096
#define N_CLI6 512
#define BODY_PAT 65536u

enum { TH_FIN = 1, TH_SYN = 2, TH_RST = 4, TH_PSH = 8, TH_ACK = 16 };

/* What a packet of the script stands for; counted when the packet is written. */
enum note {
    NOTE_NONE,
    NOTE_LOST,      /* data segment lost after the tap (it will be retransmitted) */
    NOTE_RETX_FAST, /* retransmission by fast retransmit / SACK recovery */
    NOTE_RETX_RTO,  /* retransmission after the retransmission timer expired */
    NOTE_RETX_SYN,  /* repeated SYN or SYN/ACK */
    NOTE_REORDER,   /* data segment overtaken by the next one before the tap */
    NOTE_DUPACK,    /* pure ACK repeating the previous ACK (with SACK blocks) */
    NOTE_WINUPD,    /* pure ACK that only opens the window */
    NOTE_REFUSED,   /* RST/ACK answering a SYN */
    NOTE_RESET,     /* RST ending an established connection */
    NOTE_TAPDROP,   /* packet the tap missed: not written */
    NOTE_COUNT
};

static const char *const note_names[NOTE_COUNT] = {
    "plain", "lost_after_tap", "fast_retransmissions", "rto_retransmissions",
    "syn_retransmissions", "reordered", "dup_acks", "window_updates", "refused", "resets",
    "tap_drops",
};

struct rng {
    uint64_t s[4];
};

struct rec {           /* one packet of a connection's script */
    uint64_t t;        /* ns since capture start, as seen at the tap */
    uint32_t ord;      /* creation order: breaks ties of t */
    uint32_t seq;      /* sequence number minus the sender's ISN */
    uint32_t ack;      /* ack number minus the receiver's ISN */
    uint32_t len;      /* TCP payload bytes */
    uint32_t sack[MAX_SACK][2];
    uint16_t win;      /* raw window field */
    uint8_t flags;
    uint8_t dir;       /* 0 client to server, 1 server to client */
    uint8_t nsack;
    uint8_t note;
    uint8_t unseen;    /* retransmission whose original never passed the tap */
};

struct msg {           /* one HTTP message in one direction */
    uint32_t off;      /* sequence offset of its first byte */
    uint32_t hdr_len;
    uint32_t body_len;
    uint32_t salt;     /* where in the body pattern its body starts */
    char *hdr;
};

struct conn {
    struct rec *r;
    uint32_t nr, cap, next;
    uint64_t id;
    bool v6, ts_on, proxy, written;
    uint8_t addr[2][16];
    uint16_t port[2];
    uint8_t mac[2][6];
    uint8_t ttl[2];
    uint8_t ws[2];       /* window scale shift each side announced */
    uint16_t ipid[2];
    uint16_t mss[2];     /* MSS each side announced */
    uint16_t syn_win[2];
    uint16_t win[2];     /* raw window each side currently announces */
    uint16_t win_max[2];
    uint32_t seg[2];     /* payload of a full segment sent by side d */
    uint32_t flow;
    uint32_t isn[2], tsb[2];
    uint32_t snd[2];     /* next sequence offset of side d */
    uint32_t tap_nxt[2]; /* highest sequence offset + 1 of side d written so far (0: none) */
    uint64_t rtt, proc, delta, t_end;
    struct msg m[2][MAX_MSG];
    uint8_t nm[2];
    uint8_t client_os;   /* 0 Linux, 1 Windows */
};

struct ev {
    uint64_t t;
    uint64_t b;
    uint32_t ord;
    uint32_t a;
    uint8_t type;
};

enum { EV_RCV, EV_ACK, EV_DELACK, EV_RTO };

struct sim {           /* scratch space reused by every transfer */
    struct ev *ev;
    size_t nev, capev;
    uint64_t *dl;      /* per segment: when the receiver got it (0: not yet) */
    uint8_t *rx;       /* per segment: retransmitted in the current recovery */
    size_t capseg;
    uint32_t ord;
};

struct xf {            /* one one-way transfer of `bytes` bytes */
    int d;             /* sending side */
    uint32_t off;      /* sequence offset of its first byte */
    uint32_t bytes;
    uint64_t t0;       /* tap time of the first transmission */
    uint32_t peer_ack; /* ack the sender's segments carry */
    uint32_t rcv_seq;  /* sequence offset the receiver's ACKs carry */
    /* results */
    uint64_t t_last_tx;   /* tap time of the sender's last transmission */
    uint64_t t_rcv_done;  /* tap time of the receiver's reaction to having everything */
    uint64_t t_delack;    /* nonzero: the receiver still owes an ACK, due at this time */
    uint32_t last_ack;    /* ack value of the receiver's last ACK */
    bool final_acked;     /* the receiver's last ACK covers everything */
};

struct stats {
    uint64_t packets, bytes, v6_packets, conns, v6_conns, max_open, sum_open, proxy_conns;
    uint64_t notes[NOTE_COUNT];
    uint64_t unseen;
    uint64_t retx_visible; /* retransmissions that repeat sequence space the tap already saw */
    uint64_t gaps;         /* segments starting beyond the highest sequence the tap saw */
};

struct gen {
    struct rng rng;
    FILE *out;
    FILE *labels;      /* -l: one line per written packet with its note, or NULL */
    unsigned char *buf;
    size_t used;
    uint64_t limit;
    double rate;       /* mean new connections per second */
    uint64_t next_arrival;
    struct conn **heap;
    size_t nheap, capheap;
    uint64_t conn_seq;
    uint8_t cli4[N_CLI4][4];
    uint8_t cli6[N_CLI6][16];
    uint16_t cli4_port[N_CLI4], cli6_port[N_CLI6];
    uint16_t proxy_port;
    uint16_t proxy_hi;   /* highest ephemeral port of the proxy (-p shrinks its range) */
    uint64_t proxy_busy[PORT_HI - PORT_LO + 1];
    char body[BODY_PAT];
    struct sim sim;
    struct stats st;
};

/* ---- random numbers: xoshiro256**, seeded with splitmix64 ---- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static void rng_seed(struct rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

static double rng_unit(struct rng *r) /* [0, 1) */
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static uint32_t rng_below(struct rng *r, uint32_t n)
{
    return n ? (uint32_t)(((rng_next(r) >> 32) * n) >> 32) : 0;
}

static bool rng_chance(struct rng *r, double p)
{
    return rng_unit(r) < p;
}

static double rng_logu(struct rng *r, double lo, double hi) /* log-uniform in [lo, hi) */
{
    return lo * exp(rng_unit(r) * log(hi / lo));
}

static uint64_t rng_ns_logu(struct rng *r, double lo_ns, double hi_ns)
{
    return (uint64_t)rng_logu(r, lo_ns, hi_ns);
}

/* ---- small helpers ---- */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "gen: out of memory\n");
        exit(1);
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fprintf(stderr, "gen: out of memory\n");
        exit(1);
    }
    return p;
}

static char *xstrdup_len(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static void put16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void put32le(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* ---- a connection's script ---- */

static struct rec *rec_add(struct gen *g, struct conn *c, uint64_t t, int dir, uint8_t flags)
{
    if (c->nr == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->r = xrealloc(c->r, c->cap * sizeof *c->r);
    }
    struct rec *r = &c->r[c->nr++];
    memset(r, 0, sizeof *r);
    r->t = t;
    r->ord = g->sim.ord++;
    r->dir = (uint8_t)dir;
    r->flags = flags;
    return r;
}

/* A segment or ACK of side d carrying its current sequence offset and ack. */
static struct rec *rec_ctl(struct gen *g, struct conn *c, uint64_t t, int d, uint8_t flags)
{
    struct rec *r = rec_add(g, c, t, d, flags);
    r->seq = c->snd[d];
    r->ack = (flags & TH_ACK) ? c->snd[!d] : 0;
    r->win = c->win[d];
    return r;
}

static int rec_cmp(const void *a, const void *b)
{
    const struct rec *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->ord < y->ord ? -1 : (x->ord > y->ord);
}

/* ---- one-way transfer simulation ---- */

static void ev_push(struct sim *s, uint64_t t, uint8_t type, uint32_t a, uint64_t b)
{
    if (s->nev == s->capev) {
        s->capev = s->capev ? s->capev * 2 : 256;
        s->ev = xrealloc(s->ev, s->capev * sizeof *s->ev);
    }
    struct ev e = {.t = t, .b = b, .ord = s->ord++, .a = a, .type = type};
    size_t i = s->nev++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        struct ev *q = &s->ev[p];
        if (q->t < e.t || (q->t == e.t && q->ord < e.ord))
            break;
        s->ev[i] = *q;
        i = p;
    }
    s->ev[i] = e;
}

static struct ev ev_pop(struct sim *s)
{
    struct ev top = s->ev[0];
    struct ev last = s->ev[--s->nev];
    size_t i = 0, n = s->nev;
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        const struct ev *best = &last;
        if (l < n && (s->ev[l].t < best->t || (s->ev[l].t == best->t && s->ev[l].ord < best->ord))) {
            m = l;
            best = &s->ev[l];
        }
        if (l + 1 < n &&
            (s->ev[l + 1].t < best->t || (s->ev[l + 1].t == best->t && s->ev[l + 1].ord < best->ord)))
            m = l + 1;
        if (m == i)
            break;
        s->ev[i] = s->ev[m];
        i = m;
    }
    if (n)
        s->ev[i] = last;
    return top;
}

struct xs {            /* state of one transfer */
    struct gen *g;
    struct conn *c;
    struct xf *x;
    uint32_t nseg, mss;
    uint64_t a_delay;  /* data at the tap -> receiver's ACK at the tap */
    uint64_t s_delay;  /* ACK at the tap -> sender's reaction at the tap */
    double p_loss, p_reorder;
    /* sender */
    uint32_t una, nxt, dup, recover;
    double cwnd, ssthresh;
    bool recov, rto_mode;
    uint64_t rto, last_tx;
    uint32_t rto_gen;
    /* receiver */
    uint32_t rnxt, hi, pend, del_gen, adv_acks;
    bool del_armed;
};

static uint32_t seg_len(const struct xs *s, uint32_t i)
{
    return i + 1 < s->nseg ? s->mss : s->x->bytes - s->mss * (s->nseg - 1);
}

static bool sacked(const struct xs *s, uint32_t i, uint64_t gen_t)
{
    uint64_t t = s->g->sim.dl[i];
    return t && t <= gen_t;
}

static void rto_arm(struct xs *s, uint64_t t)
{
    s->rto_gen++;
    ev_push(&s->g->sim, t + s->rto, EV_RTO, s->rto_gen, 0);
}

static void xmit(struct xs *s, uint32_t i, uint64_t t_req, uint8_t note)
{
    struct gen *g = s->g;
    struct conn *c = s->c;
    struct xf *x = s->x;
    uint64_t t = s->last_tx ? max_u64(t_req, s->last_tx + c->delta) : t_req;
    s->last_tx = t;
    x->t_last_tx = max_u64(x->t_last_tx, t);
    bool orig = note == NOTE_NONE;
    bool lost = orig && rng_chance(&g->rng, s->p_loss);
    uint64_t vis = t;
    if (orig && !lost && i + 1 < s->nseg && rng_chance(&g->rng, s->p_reorder)) {
        vis = t + c->delta + 1 + rng_below(&g->rng, (uint32_t)c->delta);
        note = NOTE_REORDER;
    }
    bool visible = !(lost && x->d == 0); /* client losses happen before the tap */
    if (visible) {
        uint32_t len = seg_len(s, i);
        struct rec *r = rec_add(g, c, vis, x->d, TH_ACK);
        r->seq = x->off + i * s->mss;
        r->ack = x->peer_ack;
        r->len = len;
        r->win = c->win[x->d];
        if (i + 1 == s->nseg || ((r->seq - x->off + len) & 0xffff) < len)
            r->flags |= TH_PSH;
        r->note = lost ? NOTE_LOST : note;
        r->unseen = (uint8_t)(!orig && x->d == 0 && g->sim.rx[i] == 2);
    }
    if (lost && x->d == 0)
        g->sim.rx[i] = 2; /* remembered so that its retransmission can say so */
    if (!lost)
        ev_push(&g->sim, vis + s->a_delay, EV_RCV, i, 0);
}

static void send_ack(struct xs *s, uint64_t t, uint32_t trig)
{
    struct gen *g = s->g;
    struct conn *c = s->c;
    struct xf *x = s->x;
    int rd = !x->d;
    uint32_t ackv = x->off + (s->rnxt == s->nseg ? x->bytes : s->rnxt * s->mss);
    bool advanced = ackv != x->last_ack;
    if (advanced) {
        s->adv_acks++;
        if (s->adv_acks % 4 == 0 && c->win[rd] < c->win_max[rd]) {
            uint32_t w = c->win[rd] + c->win[rd] / 16u + 1u;
            c->win[rd] = (uint16_t)(w > c->win_max[rd] ? c->win_max[rd] : w);
        }
    }
    struct rec *r = rec_add(g, c, t, rd, TH_ACK);
    r->seq = x->rcv_seq;
    r->ack = ackv;
    r->win = c->win[rd];
    if (s->hi > s->rnxt) {
        /* SACK blocks: the run holding the segment just received first, then the others
         * from the highest down */
        uint32_t runs[MAX_SACK * 4][2], nruns = 0;
        uint32_t i = s->rnxt;
        while (i < s->hi && nruns < MAX_SACK * 4) {
            while (i < s->hi && !g->sim.dl[i])
                i++;
            if (i >= s->hi)
                break;
            uint32_t b = i;
            while (i < s->hi && g->sim.dl[i])
                i++;
            runs[nruns][0] = b;
            runs[nruns][1] = i;
            nruns++;
        }
        uint32_t max_blocks = c->ts_on ? 3 : MAX_SACK;
        int first = -1;
        for (uint32_t k = 0; k < nruns; k++)
            if (trig >= runs[k][0] && trig < runs[k][1])
                first = (int)k;
        if (first >= 0) {
            r->sack[0][0] = x->off + runs[first][0] * s->mss;
            r->sack[0][1] = x->off + (runs[first][1] == s->nseg ? x->bytes : runs[first][1] * s->mss);
            r->nsack = 1;
        }
        for (int k = (int)nruns - 1; k >= 0 && r->nsack < max_blocks; k--) {
            if (k == first)
                continue;
            r->sack[r->nsack][0] = x->off + runs[k][0] * s->mss;
            r->sack[r->nsack][1] = x->off + (runs[k][1] == s->nseg ? x->bytes : runs[k][1] * s->mss);
            r->nsack++;
        }
    }
    if (!advanced)
        r->note = NOTE_DUPACK;
    x->last_ack = ackv;
    x->final_acked = s->rnxt == s->nseg;
    s->pend = 0;
    s->del_armed = false;
    s->del_gen++;
    ev_push(&g->sim, t + s->s_delay, EV_ACK, s->rnxt, t);
}

static void on_rcv(struct xs *s, uint64_t t, uint32_t i)
{
    struct sim *sm = &s->g->sim;
    if (sm->dl[i]) { /* a copy of data it already has: answer at once */
        send_ack(s, t, i);
        return;
    }
    sm->dl[i] = t;
    if (i + 1 > s->hi)
        s->hi = i + 1;
    if (i == s->rnxt) {
        bool had_hole = s->hi > i + 1;
        while (s->rnxt < s->nseg && sm->dl[s->rnxt])
            s->rnxt++;
        if (s->rnxt == s->nseg && !s->x->t_rcv_done)
            s->x->t_rcv_done = t;
        s->pend++;
        if (had_hole || s->pend >= 2) {
            send_ack(s, t, i);
        } else if (!s->del_armed) {
            s->del_armed = true;
            ev_push(sm, t + 40 * NS_MS, EV_DELACK, s->del_gen, 0);
        }
    } else {
        send_ack(s, t, i); /* out of order: a dup ACK with SACK blocks, at once */
    }
}

static uint32_t sacked_between(const struct xs *s, uint32_t a, uint32_t b, uint64_t gen_t)
{
    uint32_t n = 0;
    for (uint32_t i = a; i < b; i++)
        n += sacked(s, i, gen_t);
    return n;
}

static void fill(struct xs *s, uint64_t t, uint64_t gen_t)
{
    const struct conn *c = s->c;
    int rd = !s->x->d;
    uint64_t rwnd = ((uint64_t)c->win[rd] << c->ws[rd]) / s->mss;
    double cap = s->cwnd < (double)rwnd ? s->cwnd : (double)rwnd;
    if (cap < 1)
        cap = 1;
    uint32_t pipe = s->nxt - s->una - sacked_between(s, s->una, s->nxt, gen_t);
    while (s->nxt < s->nseg && (double)pipe < cap) {
        xmit(s, s->nxt, t, NOTE_NONE);
        s->nxt++;
        pipe++;
    }
}

/* In recovery: retransmit the first hole that SACK shows to be lost (3 segments SACKed above
 * it), or with `force` the first one not SACKed. */
static void retx_hole(struct xs *s, uint64_t t, uint64_t gen_t, bool force)
{
    struct sim *sm = &s->g->sim;
    for (uint32_t j = s->una; j < s->nxt && j < s->recover; j++) {
        if (sm->rx[j] == 1 || sacked(s, j, gen_t))
            continue;
        if (!force && sacked_between(s, j + 1, s->nxt, gen_t) < 3)
            return;
        xmit(s, j, t, s->rto_mode ? NOTE_RETX_RTO : NOTE_RETX_FAST);
        sm->rx[j] = 1;
        return;
    }
}

static void on_ack(struct xs *s, uint64_t t, uint32_t a, uint64_t gen_t)
{
    struct sim *sm = &s->g->sim;
    if (a > s->una) {
        uint32_t newly = a - s->una;
        s->una = a;
        s->dup = 0;
        s->rto = 200 * NS_MS + s->c->rtt;
        if (s->recov) {
            if (s->una >= s->recover) {
                s->recov = s->rto_mode = false;
                s->cwnd = s->ssthresh;
            } else {
                if (s->rto_mode)
                    s->cwnd += newly;
                retx_hole(s, t, gen_t, true);
            }
        } else {
            s->cwnd += s->cwnd < s->ssthresh ? newly : (double)newly / s->cwnd;
        }
        if (s->una < s->nseg)
            rto_arm(s, t);
        else
            s->rto_gen++;
    } else if (a == s->una && s->nxt > s->una) {
        s->dup++;
        if (!s->recov && s->dup >= 3) {
            s->recov = true;
            s->recover = s->nxt;
            s->ssthresh = s->cwnd / 2 < 2 ? 2 : s->cwnd / 2;
            s->cwnd = s->ssthresh;
            for (uint32_t j = s->una; j < s->nxt; j++)
                sm->rx[j] = sm->rx[j] == 2 ? 2 : 0;
            xmit(s, s->una, t, NOTE_RETX_FAST);
            sm->rx[s->una] = 1;
        } else if (s->recov) {
            retx_hole(s, t, gen_t, false);
        }
    }
    fill(s, t, gen_t);
}

static void on_rto(struct xs *s, uint64_t t)
{
    struct sim *sm = &s->g->sim;
    if (s->una >= s->nseg || s->rnxt == s->nseg)
        return; /* everything arrived; the last ACK is on its way or piggybacked */
    uint32_t pipe = s->nxt - s->una;
    s->ssthresh = pipe / 2 < 2 ? 2 : pipe / 2;
    s->cwnd = 1;
    s->recov = s->rto_mode = true;
    s->recover = s->nxt;
    s->dup = 0;
    for (uint32_t j = s->una; j < s->nxt; j++)
        sm->rx[j] = sm->rx[j] == 2 ? 2 : 0;
    xmit(s, s->una, t, NOTE_RETX_RTO);
    sm->rx[s->una] = 1;
    s->rto *= 2;
    rto_arm(s, t);
}

static void xfer(struct gen *g, struct conn *c, struct xf *x, double p_loss, double p_reorder)
{
    struct sim *sm = &g->sim;
    struct xs s = {.g = g, .c = c, .x = x};
    s.mss = c->seg[x->d];
    s.nseg = (x->bytes + s.mss - 1) / s.mss;
    s.a_delay = x->d ? c->rtt : c->proc;
    s.s_delay = x->d ? c->proc : c->rtt;
    s.p_loss = p_loss;
    s.p_reorder = p_reorder;
    s.cwnd = 10;
    s.ssthresh = 1e9;
    s.rto = 200 * NS_MS + c->rtt;
    x->t_last_tx = x->t_rcv_done = x->t_delack = 0;
    x->final_acked = false;
    if (sm->capseg < s.nseg) {
        sm->capseg = s.nseg * 2;
        sm->dl = xrealloc(sm->dl, sm->capseg * sizeof *sm->dl);
        sm->rx = xrealloc(sm->rx, sm->capseg);
    }
    memset(sm->dl, 0, s.nseg * sizeof *sm->dl);
    memset(sm->rx, 0, s.nseg);
    sm->nev = 0;
    fill(&s, x->t0, 0);
    rto_arm(&s, x->t0);
    uint64_t guard = 0;
    while (sm->nev && ++guard < 10000000) {
        struct ev e = ev_pop(sm);
        switch (e.type) {
        case EV_RCV:
            on_rcv(&s, e.t, e.a);
            break;
        case EV_ACK:
            on_ack(&s, e.t, e.a, e.b);
            break;
        case EV_DELACK:
            if (e.a != s.del_gen || !s.pend)
                break;
            if (s.rnxt == s.nseg) { /* the caller sends it, or piggybacks it */
                x->t_delack = e.t;
                s.del_armed = false;
            } else {
                send_ack(&s, e.t, s.rnxt);
            }
            break;
        case EV_RTO:
            if (e.a == s.rto_gen)
                on_rto(&s, e.t);
            break;
        }
    }
    if (!x->t_rcv_done)
        x->t_rcv_done = x->t_last_tx + s.a_delay;
}

/* Settle the receiver's pending delayed ACK before its next own packet at time `next`
 * (0: it sends nothing more). */
static void settle_delack(struct gen *g, struct conn *c, struct xf *x, uint64_t next)
{
    if (!x->t_delack || (next && next <= x->t_delack))
        return;
    rec_ctl(g, c, x->t_delack, !x->d, TH_ACK);
    x->final_acked = true;
}

/* ---- HTTP messages ---- */

static const char *const user_agents[] = {
    "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.2 Safari/605.1.15",
    "curl/7.88.1",
    "python-requests/2.31.0",
};

static const char *const hosts[] = {"www.example.com", "static.example.com", "api.example.com",
                                    "cdn.example.net"};

static void add_msg(struct conn *c, int d, const char *hdr, size_t hdr_len, uint32_t body,
                    uint32_t salt)
{
    if (c->nm[d] == MAX_MSG)
        return;
    struct msg *m = &c->m[d][c->nm[d]++];
    m->off = c->snd[d];
    m->hdr_len = (uint32_t)hdr_len;
    m->body_len = body;
    m->salt = salt;
    m->hdr = xstrdup_len(hdr, hdr_len);
}

static uint32_t make_request(struct gen *g, struct conn *c, bool post, uint32_t post_len)
{
    char h[1024];
    int n;
    uint32_t k = (uint32_t)rng_next(&g->rng);
    if (c->proxy) {
        n = snprintf(h, sizeof h,
                     "GET /index.html HTTP/1.0\r\nHost: 192.0.2.10\r\n"
                     "User-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n");
    } else if (post) {
        n = snprintf(h, sizeof h,
                     "POST /api/v1/upload/%u HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
                     "Content-Type: application/octet-stream\r\nContent-Length: %u\r\n"
                     "Connection: keep-alive\r\n\r\n",
                     k % 100000, hosts[k % 4], user_agents[(k >> 8) % 5], post_len);
    } else {
        static const char *const paths[] = {"/", "/index.html", "/static/js/app.%08x.js",
                                            "/img/%08x.jpg", "/api/v1/items/%u",
                                            "/css/site.%06x.css", "/favicon.ico"};
        char path[64];
        snprintf(path, sizeof path, paths[(k >> 4) % 7], k >> 9);
        n = snprintf(h, sizeof h,
                     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n"
                     "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n\r\n",
                     path, hosts[k % 4], user_agents[(k >> 8) % 5]);
    }
    add_msg(c, 0, h, (size_t)n, post ? post_len : 0, k);
    return (uint32_t)n + (post ? post_len : 0);
}

static uint32_t body_size(struct gen *g, bool proxy)
{
    double u = rng_unit(&g->rng);
    if (proxy)
        return 612 + rng_below(&g->rng, 4000);
    if (u < 0.80)
        return 40 + rng_below(&g->rng, 1100);
    if (u < 0.965)
        return 1400 + rng_below(&g->rng, 4400);
    if (u < 0.9965)
        return (uint32_t)rng_logu(&g->rng, 6000, 40000);
    if (u < 0.9999)
        return (uint32_t)rng_logu(&g->rng, 40000, 400000);
    return (uint32_t)rng_logu(&g->rng, 400000, 4000000);
}

static uint32_t make_response(struct gen *g, struct conn *c, uint64_t t, bool close)
{
    /* the bodies are text, so only text types: tshark would call a JPEG or JSON dissector */
    static const char *const types[] = {"text/html", "application/javascript", "text/plain",
                                        "text/html; charset=utf-8", "text/css"};
    char h[1024], date[64];
    time_t secs = (time_t)(EPOCH_S + t / NS_S);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    uint32_t k = (uint32_t)rng_next(&g->rng);
    uint32_t body = body_size(g, c->proxy);
    int n;
    const char *conn_hdr = close ? "close" : "keep-alive";
    if (!c->proxy && k % 100 < 6) {
        body = 0;
        n = snprintf(h, sizeof h,
                     "HTTP/1.1 304 Not Modified\r\nServer: nginx/1.22.1\r\nDate: %s\r\n"
                     "Connection: %s\r\n\r\n",
                     date, conn_hdr);
    } else if (!c->proxy && k % 100 < 8) {
        body = 153;
        n = snprintf(h, sizeof h,
                     "HTTP/1.1 404 Not Found\r\nServer: nginx/1.22.1\r\nDate: %s\r\n"
                     "Content-Type: text/html\r\nContent-Length: %u\r\nConnection: %s\r\n\r\n",
                     date, body, conn_hdr);
    } else {
        n = snprintf(h, sizeof h,
                     "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: %s\r\n"
                     "Content-Type: %s\r\nContent-Length: %u\r\nConnection: %s\r\n"
                     "Accept-Ranges: bytes\r\n\r\n",
                     date, types[(k >> 8) % 5], body, conn_hdr);
    }
    add_msg(c, 1, h, (size_t)n, body, k);
    return (uint32_t)n + body;
}

/* ---- hosts and connection set-up ---- */

static const uint8_t srv4[4][4] = {{192, 0, 2, 10}, {192, 0, 2, 11}, {198, 51, 100, 20},
                                   {203, 0, 113, 5}};
static const uint8_t proxy4[4] = {100, 64, 12, 7};

static void hosts_init(struct gen *g)
{
    for (int i = 0; i < N_CLI4; i++) {
        for (;;) {
            uint32_t a = (uint32_t)rng_next(&g->rng);
            uint8_t o = (uint8_t)(a >> 24);
            if (o == 0 || o == 10 || o == 100 || o == 127 || o >= 224 || o == 192 || o == 198 ||
                o == 203)
                continue;
            put32(g->cli4[i], a);
            bool dup = false;
            for (int j = 0; j < i && !dup; j++)
                dup = !memcmp(g->cli4[i], g->cli4[j], 4);
            if (!dup)
                break;
        }
        g->cli4_port[i] = (uint16_t)(PORT_LO + rng_below(&g->rng, PORT_HI - PORT_LO + 1));
    }
    for (int i = 0; i < N_CLI6; i++) {
        uint8_t *a = g->cli6[i];
        a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8;
        a[4] = (uint8_t)(0x80 | i >> 8);
        a[5] = (uint8_t)i;
        for (int k = 6; k < 16; k++)
            a[k] = (uint8_t)rng_next(&g->rng);
        g->cli6_port[i] = (uint16_t)(PORT_LO + rng_below(&g->rng, PORT_HI - PORT_LO + 1));
    }
    g->proxy_port = (uint16_t)(PORT_LO + rng_below(&g->rng, g->proxy_hi - PORT_LO + 1u));
    static const char *const words[] = {
        "the", "connection", "server", "<div class=\"item\">", "</div>\n", "data", "value",
        "function", "return", "{", "}", "var", "window", "segment", "<p>", "</p>\n", "table",
        "stream", "page", "content", "example", "0123456789", "lorem", "ipsum", "dolor"};
    size_t i = 0;
    while (i < BODY_PAT) {
        const char *w = words[rng_below(&g->rng, sizeof words / sizeof *words)];
        size_t n = strlen(w);
        for (size_t k = 0; k < n && i < BODY_PAT; k++)
            g->body[i++] = w[k];
        if (i < BODY_PAT)
            g->body[i++] = ' ';
    }
}

static uint16_t port_after(uint16_t p)
{
    return (uint16_t)(p == PORT_HI ? PORT_LO : p + 1u);
}

static uint16_t proxy_port_after(const struct gen *g, uint16_t p)
{
    return (uint16_t)(p >= g->proxy_hi ? PORT_LO : p + 1u);
}

static uint16_t next_port(uint16_t *p)
{
    uint16_t v = *p;
    *p = port_after(v);
    return v;
}

static void conn_endpoints(struct gen *g, struct conn *c)
{
    struct rng *r = &g->rng;
    c->proxy = rng_chance(r, 0.30);
    c->v6 = !c->proxy && rng_chance(r, 0.14);
    int srv = (int)rng_below(r, 4);
    if (c->v6) {
        static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10};
        memcpy(c->addr[1], s6, 16);
        c->addr[1][15] = (uint8_t)(0x10 + (srv & 1));
        uint32_t k = rng_below(r, N_CLI6);
        memcpy(c->addr[0], g->cli6[k], 16);
        c->port[0] = next_port(&g->cli6_port[k]);
    } else {
        memcpy(c->addr[1], srv4[srv], 4);
        if (c->proxy) {
            memcpy(c->addr[0], proxy4, 4);
        } else {
            uint32_t k = rng_below(r, N_CLI4);
            memcpy(c->addr[0], g->cli4[k], 4);
            c->port[0] = next_port(&g->cli4_port[k]);
        }
    }
    c->port[1] = c->proxy ? 80 : (rng_chance(r, 0.8) ? 80 : 8080);
    static const uint8_t router[6] = {0x02, 0x00, 0x5e, 0x00, 0x00, 0x01};
    memcpy(c->mac[0], router, 6);
    uint8_t smac[6] = {0x02, 0x00, 0x5e, 0x10, 0x00, (uint8_t)(0x10 + srv)};
    memcpy(c->mac[1], smac, 6);
    c->client_os = c->proxy ? 0 : (rng_chance(r, 0.22) ? 1 : 0);
    c->ts_on = c->client_os == 0;
    int hops = c->proxy ? 1 : 4 + (int)rng_below(r, 16);
    c->ttl[0] = (uint8_t)((c->client_os ? 128 : 64) - hops);
    c->ttl[1] = 64;
    c->ipid[0] = (uint16_t)rng_next(r);
    c->ipid[1] = (uint16_t)rng_next(r);
    c->flow = (uint32_t)rng_next(r) & 0xfffff;
    uint16_t base_mss = c->v6 ? 1440 : 1460;
    uint32_t u = rng_below(r, 100);
    c->mss[0] = (uint16_t)(c->proxy ? base_mss : u < 85 ? base_mss : u < 90 ? base_mss - 8 :
                           u < 95 ? base_mss - 48 : base_mss - 80);
    c->mss[1] = base_mss;
    uint32_t opt = c->ts_on ? 12 : 0;
    uint32_t mss = c->mss[0] < c->mss[1] ? c->mss[0] : c->mss[1];
    c->seg[0] = c->seg[1] = mss - opt;
    c->ws[0] = c->client_os ? 8 : 7;
    c->ws[1] = 7;
    c->syn_win[0] = c->client_os ? (rng_chance(r, 0.5) ? 64240 : 65535) : (c->v6 ? 64800 : 64240);
    c->syn_win[1] = c->v6 ? 64800 : 65160;
    c->win[0] = c->client_os ? 1026 : 502;
    c->win_max[0] = c->client_os ? 4100 : 24000;
    c->win[1] = 509;
    c->win_max[1] = 2000;
    for (int d = 0; d < 2; d++) {
        if (rng_chance(r, 0.02))
            c->isn[d] = (uint32_t)(0u - 1000u - rng_below(r, 300000)); /* wraps soon */
        else
            c->isn[d] = (uint32_t)rng_next(r);
        c->tsb[d] = (uint32_t)rng_next(r);
    }
    double u2 = rng_unit(r);
    if (c->proxy)
        c->rtt = rng_ns_logu(r, 50e3, 500e3);
    else if (u2 < 0.25)
        c->rtt = rng_ns_logu(r, 0.5e6, 5e6);
    else if (u2 < 0.80)
        c->rtt = rng_ns_logu(r, 5e6, 80e6);
    else
        c->rtt = rng_ns_logu(r, 80e6, 300e6);
    c->proc = rng_ns_logu(r, 5e3, 40e3);
    c->delta = rng_ns_logu(r, 1.2e3, 12e3);
}

static uint64_t think_time(struct rng *r, bool proxy)
{
    double u = rng_unit(r);
    if (proxy || u < 0.70)
        return rng_ns_logu(r, 20e3, 300e3);
    if (u < 0.95)
        return rng_ns_logu(r, 1e6, 50e6);
    return rng_ns_logu(r, 50e6, 800e6);
}

enum close_mode { CL_CLIENT, CL_SERVER, CL_SERVER_RST, CL_CLIENT_RST_AFTER_FIN, CL_IDLE };

static void conn_build(struct gen *g, struct conn *c, uint64_t t0)
{
    struct rng *r = &g->rng;
    conn_endpoints(g, c);
    c->snd[0] = c->snd[1] = 0;
    /* handshake */
    struct rec *syn = rec_ctl(g, c, t0, 0, TH_SYN);
    syn->win = c->syn_win[0];
    c->snd[0] = 1;
    if (rng_chance(r, 0.02)) { /* refused */
        struct rec *rst = rec_add(g, c, t0 + c->proc, 1, TH_RST | TH_ACK);
        rst->ack = 1;
        rst->note = NOTE_REFUSED;
        return;
    }
    uint64_t t = t0 + c->proc;
    struct rec *sa = rec_ctl(g, c, t, 1, TH_SYN | TH_ACK);
    sa->win = c->syn_win[1];
    if (rng_chance(r, 0.002)) { /* SYN/ACK lost after the tap: both ends repeat */
        uint64_t t2 = t0 + NS_S + rng_below(r, 2000) * NS_US;
        struct rec *s2 = rec_ctl(g, c, t2, 0, TH_SYN);
        s2->seq = 0;
        s2->win = c->syn_win[0];
        s2->note = NOTE_RETX_SYN;
        t = t2 + c->proc;
        struct rec *sa2 = rec_ctl(g, c, t, 1, TH_SYN | TH_ACK);
        sa2->win = c->syn_win[1];
        sa2->note = NOTE_RETX_SYN;
    }
    c->snd[1] = 1;
    t += c->rtt;
    rec_ctl(g, c, t, 0, TH_ACK);

    /* exchanges */
    uint32_t u = rng_below(r, 1000);
    enum close_mode mode = c->proxy ? CL_SERVER : u < 500 ? CL_CLIENT : u < 920 ? CL_SERVER :
                           u < 940 ? CL_SERVER_RST : u < 960 ? CL_CLIENT_RST_AFTER_FIN : CL_IDLE;
    int nex = (!c->proxy && rng_chance(r, 0.10)) ? 2 + (int)rng_below(r, 5) : 1;
    bool abort_mid = !c->proxy && rng_chance(r, 0.012);
    uint64_t tn = t + rng_ns_logu(r, 15e3, 200e3); /* client's first request */
    struct xf resp = {0};
    for (int e = 0; e < nex; e++) {
        bool post = !c->proxy && rng_chance(r, 0.04);
        uint32_t post_len = post ? (uint32_t)rng_logu(r, 2000, 60000) : 0;
        struct xf req = {.d = 0, .off = c->snd[0], .t0 = tn, .peer_ack = c->snd[1],
                         .rcv_seq = c->snd[1], .last_ack = c->snd[0]};
        req.bytes = make_request(g, c, post, post_len);
        xfer(g, c, &req, 0.002, 0.004);
        c->snd[0] += req.bytes;
        uint64_t tr = req.t_rcv_done + think_time(r, c->proxy);
        settle_delack(g, c, &req, tr);
        bool last = e + 1 == nex;
        resp = (struct xf){.d = 1, .off = c->snd[1], .t0 = tr, .peer_ack = c->snd[0],
                           .rcv_seq = c->snd[0], .last_ack = c->snd[1]};
        resp.bytes = make_response(g, c, tr, last && (mode == CL_SERVER || mode == CL_CLIENT_RST_AFTER_FIN));
        xfer(g, c, &resp, 0.003, 0.002);
        c->snd[1] += resp.bytes;
        if (abort_mid && last) { /* the client gives up half-way */
            uint64_t span = resp.t_rcv_done > tr ? resp.t_rcv_done - tr : 1;
            uint64_t cut = tr + 1 + rng_below(r, (uint32_t)(span > 4000000000u ? 4000000000u : span));
            uint32_t w = 0, ack = resp.off;
            for (uint32_t i = 0; i < c->nr; i++) {
                if (c->r[i].t > cut)
                    continue;
                if (c->r[i].dir == 0 && (c->r[i].flags & TH_ACK))
                    ack = c->r[i].ack;
                c->r[w++] = c->r[i];
            }
            c->nr = w;
            struct rec *rst = rec_add(g, c, cut + 1000, 0, TH_RST | TH_ACK);
            rst->seq = c->snd[0];
            rst->ack = ack;
            rst->note = NOTE_RESET;
            return;
        }
        if (!last) {
            tn = resp.t_rcv_done + rng_ns_logu(r, 0.5e6, 500e6);
            settle_delack(g, c, &resp, tn);
            if (resp.bytes > 8 * c->seg[1] && resp.final_acked && rng_chance(r, 0.3)) {
                uint64_t tw = max_u64(resp.t_rcv_done, resp.t_delack) + rng_ns_logu(r, 0.2e6, 2e6);
                if (tw + NS_US < tn) {
                    c->win[0] = (uint16_t)(c->win[0] + 64 > c->win_max[0] ? c->win[0] - 32 :
                                           c->win[0] + 64);
                    rec_ctl(g, c, tw, 0, TH_ACK)->note = NOTE_WINUPD;
                }
            }
        }
    }

    /* close */
    uint64_t tl = resp.t_last_tx;
    switch (mode) {
    case CL_CLIENT: {
        uint64_t tf = resp.t_rcv_done + rng_ns_logu(r, 10e3, 300e3);
        settle_delack(g, c, &resp, tf);
        rec_ctl(g, c, tf, 0, TH_FIN | TH_ACK);
        c->snd[0]++;
        uint64_t ts = tf + c->proc;
        if (rng_chance(r, 0.55)) {
            rec_ctl(g, c, ts, 1, TH_FIN | TH_ACK);
        } else {
            rec_ctl(g, c, ts, 1, TH_ACK);
            ts += rng_ns_logu(r, 20e3, 10e6);
            rec_ctl(g, c, ts, 1, TH_FIN | TH_ACK);
        }
        c->snd[1]++;
        rec_ctl(g, c, ts + c->rtt, 0, TH_ACK);
        break;
    }
    case CL_SERVER:
    case CL_CLIENT_RST_AFTER_FIN: {
        uint64_t tf = tl + c->delta;
        rec_ctl(g, c, tf, 1, TH_FIN | TH_ACK);
        c->snd[1]++;
        uint64_t tc = max_u64(tf + c->rtt, resp.t_rcv_done + NS_US);
        settle_delack(g, c, &resp, tc);
        if (mode == CL_CLIENT_RST_AFTER_FIN) {
            struct rec *rst = rec_add(g, c, tc, 0, TH_RST);
            rst->seq = c->snd[0];
            rst->note = NOTE_RESET;
            break;
        }
        if (rng_chance(r, 0.5)) {
            rec_ctl(g, c, tc, 0, TH_FIN | TH_ACK);
        } else {
            rec_ctl(g, c, tc, 0, TH_ACK);
            tc += rng_ns_logu(r, 30e3, 20e6);
            rec_ctl(g, c, tc, 0, TH_FIN | TH_ACK);
        }
        c->snd[0]++;
        rec_ctl(g, c, tc + c->proc, 1, TH_ACK);
        break;
    }
    case CL_SERVER_RST: {
        settle_delack(g, c, &resp, 0);
        uint64_t tr = max_u64(max_u64(resp.t_rcv_done, resp.t_delack), tl) + c->proc;
        struct rec *rst = rec_ctl(g, c, tr, 1, TH_RST | TH_ACK);
        rst->win = 0;
        rst->note = NOTE_RESET;
        break;
    }
    case CL_IDLE:
        settle_delack(g, c, &resp, 0);
        break;
    }
}

static void conn_free(struct conn *c)
{
    for (int d = 0; d < 2; d++)
        for (int i = 0; i < c->nm[d]; i++)
            free(c->m[d][i].hdr);
    free(c->r);
    free(c);
}

static struct conn *conn_new(struct gen *g, uint64_t t0)
{
    struct conn *c = xmalloc(sizeof *c);
    memset(c, 0, sizeof *c);
    c->id = g->conn_seq++;
    conn_build(g, c, t0);
    qsort(c->r, c->nr, sizeof *c->r, rec_cmp);
    c->t_end = c->r[c->nr - 1].t;
    if (c->proxy) { /* a port no earlier connection of the proxy still holds */
        uint16_t p = g->proxy_port;
        for (uint32_t k = 0; k <= (uint32_t)g->proxy_hi - PORT_LO; k++) {
            if (g->proxy_busy[p - PORT_LO] < t0)
                break;
            p = proxy_port_after(g, p);
        }
        c->port[0] = p;
        g->proxy_busy[p - PORT_LO] = c->t_end + 1;
        g->proxy_port = proxy_port_after(g, p);
    }
    /* a few data packets the tap missed */
    for (uint32_t i = 0; i < c->nr; i++)
        if (c->r[i].len && c->r[i].note == NOTE_NONE && rng_chance(&g->rng, 0.0001))
            c->r[i].note = NOTE_TAPDROP;
    return c;
}

/* ---- output ---- */

static void out_flush(struct gen *g)
{
    if (g->used && fwrite(g->buf, 1, g->used, g->out) != g->used) {
        fprintf(stderr, "gen: write failed: %s\n", strerror(errno));
        exit(1);
    }
    g->used = 0;
}

static void fill_payload(const struct gen *g, const struct conn *c, int d, uint32_t seq,
                         uint32_t len, unsigned char *dst)
{
    while (len) {
        const struct msg *m = NULL;
        for (int i = 0; i < c->nm[d]; i++) {
            const struct msg *q = &c->m[d][i];
            if (seq - q->off < q->hdr_len + q->body_len) {
                m = q;
                break;
            }
        }
        if (!m) { /* cannot happen; keep lengths right anyway */
            memset(dst, 0, len);
            return;
        }
        uint32_t pos = seq - m->off;
        uint32_t n;
        if (pos < m->hdr_len) {
            n = m->hdr_len - pos;
            if (n > len)
                n = len;
            memcpy(dst, m->hdr + pos, n);
        } else {
            uint32_t bpos = pos - m->hdr_len;
            uint32_t k = (bpos + m->salt) % BODY_PAT;
            n = m->hdr_len + m->body_len - pos;
            if (n > len)
                n = len;
            if (n > BODY_PAT - k)
                n = BODY_PAT - k;
            memcpy(dst, g->body + k, n);
        }
        dst += n;
        seq += n;
        len -= n;
    }
}

static size_t put_options(const struct conn *c, const struct rec *r, uint64_t t, unsigned char *o)
{
    size_t n = 0;
    int d = r->dir;
    uint32_t tsval = c->tsb[d] + (uint32_t)(t / NS_MS);
    uint32_t ecr;
    if (d == 1)
        ecr = c->tsb[0] + (uint32_t)(t / NS_MS);
    else
        ecr = c->tsb[1] + (uint32_t)((t > c->rtt ? t - c->rtt : 0) / NS_MS);
    if (r->flags & TH_RST)
        return 0;
    if (r->flags & TH_SYN) {
        bool synack = r->flags & TH_ACK;
        if (c->ts_on) { /* Linux: MSS, SACK_PERM, TS, NOP, WS */
            o[n++] = 2, o[n++] = 4, put16(o + n, c->mss[d]), n += 2;
            o[n++] = 4, o[n++] = 2;
            o[n++] = 8, o[n++] = 10, put32(o + n, tsval), n += 4;
            put32(o + n, synack ? c->tsb[0] + (uint32_t)((t > c->proc ? t - c->proc : 0) / NS_MS) : 0);
            n += 4;
            o[n++] = 1, o[n++] = 3, o[n++] = 3, o[n++] = c->ws[d];
        } else if (!synack) { /* Windows: MSS, NOP, WS, NOP, NOP, SACK_PERM */
            o[n++] = 2, o[n++] = 4, put16(o + n, c->mss[d]), n += 2;
            o[n++] = 1, o[n++] = 3, o[n++] = 3, o[n++] = c->ws[d];
            o[n++] = 1, o[n++] = 1, o[n++] = 4, o[n++] = 2;
        } else { /* Linux answering without timestamps: MSS, NOP, NOP, SACK_PERM, NOP, WS */
            o[n++] = 2, o[n++] = 4, put16(o + n, c->mss[d]), n += 2;
            o[n++] = 1, o[n++] = 1, o[n++] = 4, o[n++] = 2;
            o[n++] = 1, o[n++] = 3, o[n++] = 3, o[n++] = c->ws[d];
        }
        return n;
    }
    if (c->ts_on) {
        o[n++] = 1, o[n++] = 1, o[n++] = 8, o[n++] = 10;
        put32(o + n, tsval), n += 4;
        put32(o + n, ecr), n += 4;
    }
    if (r->nsack) {
        o[n++] = 1, o[n++] = 1, o[n++] = 5, o[n++] = (unsigned char)(2 + 8 * r->nsack);
        for (int i = 0; i < r->nsack; i++) {
            put32(o + n, c->isn[!d] + r->sack[i][0]), n += 4;
            put32(o + n, c->isn[!d] + r->sack[i][1]), n += 4;
        }
    }
    return n;
}

static void emit(struct gen *g, struct conn *c, const struct rec *r)
{
    if (g->used + 4096 > OUT_BUF)
        out_flush(g);
    unsigned char *p = g->buf + g->used;
    int d = r->dir;
    unsigned char *eth = p + 16;
    memcpy(eth, c->mac[!d], 6);
    memcpy(eth + 6, c->mac[d], 6);
    put16(eth + 12, c->v6 ? 0x86dd : 0x0800);
    unsigned char *ip = eth + 14;
    size_t iplen = c->v6 ? 40 : 20;
    unsigned char *tcp = ip + iplen;
    size_t optlen = put_options(c, r, r->t, tcp + 20);
    size_t thl = 20 + optlen;
    put16(tcp, c->port[d]);
    put16(tcp + 2, c->port[!d]);
    put32(tcp + 4, c->isn[d] + r->seq);
    put32(tcp + 8, (r->flags & TH_ACK) ? c->isn[!d] + r->ack : 0);
    tcp[12] = (unsigned char)((thl / 4) << 4);
    tcp[13] = r->flags;
    put16(tcp + 14, r->win);
    put16(tcp + 16, 0);
    put16(tcp + 18, 0);
    fill_payload(g, c, d, r->seq, r->len, tcp + thl);
    size_t l4 = thl + r->len;
    if (c->v6) {
        put32(ip, 0x60000000u | c->flow);
        put16(ip + 4, (uint32_t)l4);
        ip[6] = 6;
        ip[7] = c->ttl[d];
        memcpy(ip + 8, c->addr[d], 16);
        memcpy(ip + 24, c->addr[!d], 16);
    } else {
        ip[0] = 0x45;
        ip[1] = 0;
        put16(ip + 2, (uint32_t)(20 + l4));
        put16(ip + 4, c->ipid[d]++);
        put16(ip + 6, (r->flags & TH_RST) ? 0 : 0x4000);
        ip[8] = c->ttl[d];
        ip[9] = 6;
        put16(ip + 10, 0);
        memcpy(ip + 12, c->addr[d], 4);
        memcpy(ip + 16, c->addr[!d], 4);
        uint32_t sum = 0;
        for (int i = 0; i < 20; i += 2)
            sum += (uint32_t)ip[i] << 8 | ip[i + 1];
        while (sum >> 16)
            sum = (sum & 0xffff) + (sum >> 16);
        put16(ip + 10, ~sum & 0xffff);
    }
    uint32_t caplen = (uint32_t)(14 + iplen + l4);
    uint64_t us = r->t / NS_US;
    put32le(p, (uint32_t)(EPOCH_S + us / 1000000));
    put32le(p + 4, (uint32_t)(us % 1000000));
    put32le(p + 8, caplen);
    put32le(p + 12, caplen);
    g->used += 16 + caplen;
    g->st.packets++;
    g->st.bytes += caplen;
    g->st.v6_packets += c->v6;
}

/* What the capture itself shows: repeated sequence space and holes in it. */
static void tap_view(struct gen *g, struct conn *c, const struct rec *r)
{
    int d = r->dir;
    uint32_t end = r->seq + r->len + ((r->flags & (TH_SYN | TH_FIN)) ? 1u : 0u);
    bool retx = r->note == NOTE_RETX_FAST || r->note == NOTE_RETX_RTO || r->note == NOTE_RETX_SYN;
    if (retx && c->tap_nxt[d] && r->seq < c->tap_nxt[d])
        g->st.retx_visible++;
    if (!(r->flags & TH_RST) && c->tap_nxt[d] && r->seq > c->tap_nxt[d])
        g->st.gaps++;
    if (end > c->tap_nxt[d])
        c->tap_nxt[d] = end;
}

/* ---- the connection heap (by time of each connection's next packet) ---- */

static bool conn_before(const struct conn *a, const struct conn *b)
{
    uint64_t ta = a->r[a->next].t, tb = b->r[b->next].t;
    return ta != tb ? ta < tb : a->id < b->id;
}

static void heap_down(struct gen *g, size_t i)
{
    struct conn **h = g->heap;
    size_t n = g->nheap;
    struct conn *x = h[i];
    for (;;) {
        size_t l = 2 * i + 1;
        if (l >= n)
            break;
        size_t m = (l + 1 < n && conn_before(h[l + 1], h[l])) ? l + 1 : l;
        if (!conn_before(h[m], x))
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = x;
}

static void heap_push(struct gen *g, struct conn *c)
{
    if (g->nheap == g->capheap) {
        g->capheap = g->capheap ? g->capheap * 2 : 1024;
        g->heap = xrealloc(g->heap, g->capheap * sizeof *g->heap);
    }
    size_t i = g->nheap++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!conn_before(c, g->heap[p]))
            break;
        g->heap[i] = g->heap[p];
        i = p;
    }
    g->heap[i] = c;
}

static void heap_pop(struct gen *g)
{
    g->heap[0] = g->heap[--g->nheap];
    if (g->nheap)
        heap_down(g, 0);
}

/* New connections per second at time t: a slow swing around the mean rate. */
static double arrival_rate(const struct gen *g, uint64_t t)
{
    return g->rate * (1.0 + 0.35 * sin((double)t / (double)NS_S * 2.0 * 3.14159265358979 / 7.0));
}

static void run(struct gen *g)
{
    static const unsigned char hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                                          0,    0,    0,    0,    0, 0, 4, 0, 1, 0, 0, 0};
    memcpy(g->buf, hdr, sizeof hdr);
    g->used = sizeof hdr;
    g->next_arrival = 0;
    while (g->st.packets < g->limit) {
        if (!g->nheap || g->next_arrival <= g->heap[0]->r[g->heap[0]->next].t) {
            heap_push(g, conn_new(g, g->next_arrival));
            double mean_gap = 1e9 / arrival_rate(g, g->next_arrival);
            g->next_arrival += 1 + (uint64_t)(-log(1.0 - rng_unit(&g->rng)) * mean_gap);
            continue;
        }
        struct conn *c = g->heap[0];
        const struct rec *r = &c->r[c->next++];
        if (r->note == NOTE_TAPDROP) {
            g->st.notes[NOTE_TAPDROP]++;
        } else {
            if (!c->written) {
                c->written = true;
                g->st.conns++;
                g->st.v6_conns += c->v6;
                g->st.proxy_conns += c->proxy;
            }
            emit(g, c, r);
            g->st.notes[r->note]++;
            tap_view(g, c, r);
            if (g->labels && r->note != NOTE_NONE)
                fprintf(g->labels, "%llu %llu %s%s\n", (unsigned long long)g->st.packets,
                        (unsigned long long)c->id, note_names[r->note],
                        r->unseen ? " unseen" : "");
            g->st.unseen += r->unseen;
            g->st.sum_open += g->nheap;
            if (g->nheap > g->st.max_open)
                g->st.max_open = g->nheap;
        }
        if (c->next == c->nr) {
            heap_pop(g);
            conn_free(c);
        } else {
            heap_down(g, 0);
        }
    }
    out_flush(g);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: gen -n PACKETS -o FILE [-s SEED] [-r CONNS_PER_S] [-p PORTS] [-l LABELS] [-q]\n"
               "Writes a classic pcap of PACKETS packets of simulated HTTP traffic over TCP\n"
               "(FILE - is stdout). -r sets the mean rate of new connections (default 9000/s;\n"
               "lower rates spread a small file over seconds, so that timeouts show).\n"
               "-p limits the reverse proxy to PORTS ephemeral ports (default 28232), so that\n"
               "small files show port reuse too.\n"
               "-l writes \"FRAME CONN NOTE\" for every packet that is more than plain\n"
               "(retransmissions, dup ACKs...). -q leaves out the summary on stderr.\n");
}

int main(int argc, char **argv)
{
    uint64_t n = 0, seed = 1;
    double rate = 9000;
    const char *path = NULL;
    bool quiet = false;
    int opt;
    const char *labels = NULL;
    unsigned long proxy_ports = PORT_HI - PORT_LO + 1;
    while ((opt = getopt(argc, argv, "n:o:s:r:p:l:qh")) != -1) {
        char *end;
        switch (opt) {
        case 'n':
            n = strtoull(optarg, &end, 10);
            if (*end || !n) {
                fprintf(stderr, "gen: -n wants a positive packet count\n");
                return 2;
            }
            break;
        case 's':
            seed = strtoull(optarg, &end, 0);
            if (*end) {
                fprintf(stderr, "gen: -s wants a number\n");
                return 2;
            }
            break;
        case 'r':
            rate = strtod(optarg, &end);
            if (*end || !(rate >= 1 && rate <= 1e7)) {
                fprintf(stderr, "gen: -r wants a rate between 1 and 10000000\n");
                return 2;
            }
            break;
        case 'p':
            proxy_ports = strtoul(optarg, &end, 10);
            if (*end || proxy_ports < 16 || proxy_ports > PORT_HI - PORT_LO + 1) {
                fprintf(stderr, "gen: -p wants a port count between 16 and %u\n", PORT_HI - PORT_LO + 1);
                return 2;
            }
            break;
        case 'o':
            path = optarg;
            break;
        case 'l':
            labels = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!n || !path || optind != argc) {
        usage(stderr);
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct gen *g = xmalloc(sizeof *g);
    memset(g, 0, sizeof *g);
    rng_seed(&g->rng, seed);
    g->limit = n;
    g->rate = rate;
    g->proxy_hi = (uint16_t)(PORT_LO + proxy_ports - 1);
    g->buf = xmalloc(OUT_BUF);
    g->out = strcmp(path, "-") ? fopen(path, "wb") : stdout;
    if (!g->out) {
        fprintf(stderr, "gen: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (labels && !(g->labels = fopen(labels, "w"))) {
        fprintf(stderr, "gen: cannot open %s: %s\n", labels, strerror(errno));
        return 1;
    }
    hosts_init(g);
    run(g);
    if (g->labels && fclose(g->labels) != 0) {
        fprintf(stderr, "gen: write failed: %s\n", strerror(errno));
        return 1;
    }
    uint64_t open = 0, last_t = 0;
    for (size_t i = 0; i < g->nheap; i++) {
        open += g->heap[i]->written;
        if (g->heap[i]->next)
            last_t = max_u64(last_t, g->heap[i]->r[g->heap[i]->next - 1].t);
    }
    if (g->out != stdout ? fclose(g->out) != 0 : fflush(g->out) != 0) {
        fprintf(stderr, "gen: write failed: %s\n", strerror(errno));
        return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!quiet) {
        const struct stats *s = &g->st;
        fprintf(stderr, "gen: seed %llu\n", (unsigned long long)seed);
        fprintf(stderr, "gen: packets %llu\n", (unsigned long long)s->packets);
        fprintf(stderr, "gen: bytes %llu\n", (unsigned long long)s->bytes);
        fprintf(stderr, "gen: ipv6_packets %llu\n", (unsigned long long)s->v6_packets);
        fprintf(stderr, "gen: connections %llu\n", (unsigned long long)s->conns);
        fprintf(stderr, "gen: ipv6_connections %llu\n", (unsigned long long)s->v6_conns);
        fprintf(stderr, "gen: proxy_connections %llu\n", (unsigned long long)s->proxy_conns);
        fprintf(stderr, "gen: open_at_end %llu\n", (unsigned long long)open);
        fprintf(stderr, "gen: open_avg %llu\n",
                (unsigned long long)(s->packets ? s->sum_open / s->packets : 0));
        fprintf(stderr, "gen: open_max %llu\n", (unsigned long long)s->max_open);
        for (int i = 1; i < NOTE_COUNT; i++)
            fprintf(stderr, "gen: %s %llu\n", note_names[i], (unsigned long long)s->notes[i]);
        fprintf(stderr, "gen: retransmissions_of_unseen %llu\n", (unsigned long long)s->unseen);
        fprintf(stderr, "gen: retransmissions_visible %llu\n", (unsigned long long)s->retx_visible);
        fprintf(stderr, "gen: gaps %llu\n", (unsigned long long)s->gaps);
        fprintf(stderr, "gen: traffic_seconds %.3f\n", (double)last_t / 1e9);
        fprintf(stderr, "gen: run_seconds %.3f\n",
                (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    }
    while (g->nheap) {
        conn_free(g->heap[g->nheap - 1]);
        g->nheap--;
    }
    free(g->heap);
    free(g->sim.ev);
    free(g->sim.dl);
    free(g->sim.rx);
    free(g->buf);
    free(g);
    return 0;
}
