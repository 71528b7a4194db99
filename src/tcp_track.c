/* summary: TCP conversation table and Wireshark 4.0-compatible sequence analysis.
 *
 * Reference: RFC 9293 (TCP), RFC 1122 §4.2.3.6 (keep-alives), RFC 5681 (duplicate ACKs, fast
 * retransmit), RFC 7323 (window scaling). The per-segment rules restate Wireshark 4.0's
 * tcp_analyze_sequence_number() and the conversation handling of dissect_tcp() so that the
 * results agree with tshark field by field; where the order of two checks matters the comment
 * says so. docs/analysis.md explains each flag in words.
 *
 * The table: a chained hash on the address/port pair (normalised so both directions meet), an
 * LRU list for eviction, stream numbers in order of first appearance. */
#include "tcp_track.h"

#include <stdlib.h>
#include <string.h>

#include "hot.h"
#include "tcp_seq.h"
#include "tcp_state.h"
#include "xalloc.h"

#define NS_PER_SEC 1000000000LL
#define WS_MAX_UNACKED 10000 /* Wireshark's TCP_MAX_UNACKED_SEGMENTS */

/* Most directions never have more than a few unacknowledged segments at once: their arrays
 * (SEGS_SMALL entries) come from a pool of the tracker's own, larger ones from malloc. */
#define SEGS_SMALL 4u
#define SEGS_CHUNK 256u /* small arrays per pool block (the first links the blocks) */

const struct ta_name ta_names[] = {
    {TA_RETRANSMISSION, "retransmission", "TCP Retransmission"},
    {TA_LOST_PACKET, "lost_segment", "TCP Previous segment not captured"},
    {TA_ACK_LOST_PACKET, "ack_lost_segment", "TCP ACKed unseen segment"},
    {TA_KEEP_ALIVE, "keep_alive", "TCP Keep-Alive"},
    {TA_DUPLICATE_ACK, "duplicate_ack", "TCP Dup ACK"},
    {TA_ZERO_WINDOW, "zero_window", "TCP ZeroWindow"},
    {TA_ZERO_WINDOW_PROBE, "zero_window_probe", "TCP ZeroWindowProbe"},
    {TA_ZERO_WINDOW_PROBE_ACK, "zero_window_probe_ack", "TCP ZeroWindowProbeAck"},
    {TA_KEEP_ALIVE_ACK, "keep_alive_ack", "TCP Keep-Alive ACK"},
    {TA_OUT_OF_ORDER, "out_of_order", "TCP Out-Of-Order"},
    {TA_FAST_RETRANSMISSION, "fast_retransmission", "TCP Fast Retransmission"},
    {TA_WINDOW_UPDATE, "window_update", "TCP Window Update"},
    {TA_WINDOW_FULL, "window_full", "TCP Window Full"},
    {TA_REUSED_PORTS, "reused_ports", "TCP Port numbers reused"},
    {TA_SPURIOUS_RETRANSMISSION, "spurious_retransmission", "TCP Spurious Retransmission"},
};
const int ta_names_count = (int)(sizeof ta_names / sizeof ta_names[0]);

/* What is left of a conversation that was evicted: enough to give a later packet of the same
 * address/port pair the stream number tshark would give it, and to recognise port reuse (a SYN
 * with a new ISN), without the full analysis state. Kept in a ring of bounded size. */
struct ghost {
    uint64_t fp;             /* fingerprint of addr1:port1 -> addr2:port2 (0: slot unused) */
    uint32_t stream;
    uint32_t base1, base2;   /* base_seq of flow1 / flow2 */
    uint32_t next;           /* hash chain: the next ghost's ref (see ghost_at), 0 ends it */
    uint32_t irtt;           /* handshake RTT in ns (0: unknown, or 4.3 s and more) */
    uint8_t set;             /* bit 0: base1 set, bit 1: base2 set */
    int8_t ws1, ws2;         /* win_scale of flow1 / flow2 (the window keeps its scaling) */
};

union seg_small {
    struct tcp_seg seg[SEGS_SMALL];
    union seg_small *next;
};

struct lru {
    struct tcp_conn *head, *tail; /* head: least recently active */
};

struct tcp_track {
    struct tcp_track_limits lim;
    struct tcp_conn **buckets;
    uint32_t nbuckets;       /* power of two */
    uint32_t count;
    struct lru lru[2];       /* [0] open conversations, [1] closed ones (FINs acked or reset) */
    /* evicted conversations, in two rings: [0] closed ones (their ghost is wanted only for a
     * stray late packet or to flag port reuse), [1] open ones (a later packet is likely and
     * must continue the same stream), so the many closed ones never push the open ones out */
    struct ghost_ring {
        struct ghost *gh;
        uint32_t cap;        /* slots allocated (grows up to max) */
        uint32_t max;        /* lim.max_ghosts_closed / lim.max_ghosts */
        uint64_t added;      /* ghosts ever added; the next goes to slot added % max */
    } ring[2];
    uint32_t *gh_heads;      /* hash buckets over both rings: a ghost's ref, 0 empty */
    uint32_t gh_nb;          /* buckets: a power of two, twice the slots allocated */
    uint32_t next_stream;
    int64_t now;             /* latest capture time seen (times may go backwards) */
    uint64_t total_segs;     /* unacked segments stored, all connections */
    uint64_t segs_total_cap; /* lim.max_unacked_total, or no cap when that is 0 */
    tcp_conn_cb cb;
    void *cbctx;
    struct tcp_track_stats st;
    struct tcp_conn *free_conns; /* released entries kept for reuse (linked by hnext) */
    struct conn_block *blocks; /* where every entry lives (newest first) */
    uint32_t block_left;     /* entries of blocks[0] never used yet (the last ones) */
    struct tcp_track_hooks hooks;
    union seg_small *small_free; /* pool of SEGS_SMALL arrays: free ones, linked */
    union seg_small *small_blocks; /* blocks of SEGS_CHUNK arrays (first one links them) */
    bool lean;               /* the caller reads no records (tcp_track_set_lean) */
};

/* Entries come from blocks of CONN_BLOCK, each cleared when it is taken, and released ones are kept for
 * reuse (with a small segment array, if they had one): a busy capture creates and frees
 * thousands of conversations a second, and malloc/free of ~1 KB entries showed in profiles.
 * The blocks are freed with the table, so the memory held is that of the most entries the
 * table ever held at once (plus one block), as it was with malloc, which keeps freed memory. */
#define CONN_BLOCK 64u
struct conn_block {
    struct conn_block *next;
    struct tcp_conn c[CONN_BLOCK];
};

void tcp_track_defaults(struct tcp_track_limits *lim)
{
    lim->max_conns = 1u << 20;
    lim->soft_conns = 1u << 14;
    lim->closed_grace = 2 * NS_PER_SEC;
    lim->idle_timeout = 10 * NS_PER_SEC;
    lim->max_unacked = WS_MAX_UNACKED;
    lim->max_unacked_total = 1u << 22; /* 4M segments, 96 MiB */
    lim->max_ghosts = 1u << 18;
    lim->max_ghosts_closed = 1u << 16;
}

struct tcp_track *tcp_track_new(const struct tcp_track_limits *lim)
{
    struct tcp_track *t = xcalloc(1, sizeof *t);
    if (lim)
        t->lim = *lim;
    else
        tcp_track_defaults(&t->lim);
    t->segs_total_cap = t->lim.max_unacked_total ? t->lim.max_unacked_total : UINT64_MAX;
    t->nbuckets = 1024;
    t->buckets = xcalloc(t->nbuckets, sizeof *t->buckets);
    return t;
}

void tcp_track_on_close(struct tcp_track *t, tcp_conn_cb cb, void *ctx)
{
    t->cb = cb;
    t->cbctx = ctx;
}

const struct tcp_track_stats *tcp_track_stats(const struct tcp_track *t)
{
    return &t->st;
}

/* ---- hashing ---- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static uint64_t addr_hash(const struct addr *a)
{
    uint64_t w0, w1;
    if (a->family == 4) {
        uint32_t v;
        memcpy(&v, a->a, 4);
        return mix64(v ^ 0x400000000ULL);
    }
    memcpy(&w0, a->a, 8);
    memcpy(&w1, a->a + 8, 8);
    return mix64(w0 ^ mix64(w1 ^ 0x600000000ULL));
}

/* Symmetric in the two endpoints so both directions land in the same bucket (the general form,
 * for pairs that are not both IPv4). */
static uint32_t pair_hash_any(const struct addr *a, uint16_t pa, const struct addr *b, uint16_t pb)
{
    uint64_t ha = addr_hash(a) + mix64(pa + 1), hb = addr_hash(b) + mix64(pb + 1);
    return (uint32_t)mix64((ha ^ hb) + (ha + hb));
}

/* An IPv4 endpoint packed into one word: family tag, address and port, ordered as
 * pkt_direction orders endpoints (address bytes as memcmp sees them, then the port). */
static inline uint64_t ep4(const struct addr *a, uint16_t port)
{
    const uint8_t *b = a->a;
    uint32_t v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    return 4ULL << 56 | (uint64_t)v << 16 | port;
}

/* A packet's address/port pair as the table sees it: the hash, the direction (>= 0: the sender
 * is the conversation's addr1:port1, Wireshark's order) and, for IPv4, the two endpoints in
 * canonical order (e1: the greater one, which is always addr1:port1). */
struct pair_key {
    uint64_t e1, e2;         /* 0, 0 unless both endpoints are IPv4 */
    uint32_t h;
    int dir;
};

/* One 64x64->128 multiply of the two (keyed) endpoints, folded: every input bit reaches the
 * low 32 bits (the bucket) and bit 31 (the two-thread shard). */
static inline uint32_t hash_ep4(uint64_t e1, uint64_t e2)
{
    __extension__ typedef unsigned __int128 u128;
    u128 m = (u128)(e1 ^ 0x9e3779b97f4a7c15ULL) * (e2 ^ 0xbf58476d1ce4e5b9ULL);
    uint64_t x = (uint64_t)m ^ (uint64_t)(m >> 64);
    return (uint32_t)(x ^ (x >> 32));
}

/* An endpoint that is not IPv4 (or is, in a pair that is not both IPv4) for the bucket hash of
 * its pair: one 128-bit multiply of its address halves and port, folded. The pair's hash adds
 * the two, so it is the same both ways. */
static inline uint64_t ep_any(const struct addr *a, uint16_t port)
{
    __extension__ typedef unsigned __int128 u128;
    uint64_t w0 = 0, w1 = 0;
    if (a->family == 4) {
        uint32_t v;
        memcpy(&v, a->a, 4);
        w0 = v;
    } else {
        memcpy(&w0, a->a, 8);
        memcpy(&w1, a->a + 8, 8);
    }
    u128 m = (u128)(w0 ^ 0x9e3779b97f4a7c15ULL ^ (uint64_t)a->family << 48) *
             (w1 ^ 0xbf58476d1ce4e5b9ULL ^ (uint64_t)port << 32);
    return (uint64_t)m ^ (uint64_t)(m >> 64);
}

static inline __attribute__((always_inline)) void pair_key_of(struct pair_key *k, const struct addr *s, uint16_t sp,
                               const struct addr *d, uint16_t dp)
{
    if (s->family == 4 && d->family == 4) {
        uint64_t es = ep4(s, sp), ed = ep4(d, dp);
        bool fwd = es > ed; /* addr_cmp, then sport > dport, as pkt_direction */
        k->e1 = fwd ? es : ed;
        k->e2 = fwd ? ed : es;
        k->dir = fwd ? 1 : -1;
        k->h = hash_ep4(k->e1, k->e2);
        return;
    }
    k->e1 = k->e2 = 0;
    int dir = addr_cmp(s, d);
    if (dir == 0)
        dir = sp > dp ? 1 : -1;
    k->dir = dir;
    uint64_t x = ep_any(s, sp) + ep_any(d, dp);
    k->h = (uint32_t)(x ^ (x >> 32));
}

/* The shard key of a pair (tcp_track_pair_key): the IPv4 bucket hash, else pair_hash_any. */
static uint32_t pair_hash(const struct addr *a, uint16_t pa, const struct addr *b, uint16_t pb)
{
    if (a->family == 4 && b->family == 4) {
        struct pair_key k;
        pair_key_of(&k, a, pa, b, pb);
        return k.h;
    }
    return pair_hash_any(a, pa, b, pb);
}

static bool conn_matches(const struct tcp_conn *c, const struct addr *s, uint16_t sp,
                         const struct addr *d, uint16_t dp)
{
    if (c->port1 == sp && c->port2 == dp && addr_eq(&c->addr1, s) && addr_eq(&c->addr2, d))
        return true;
    return c->port1 == dp && c->port2 == sp && addr_eq(&c->addr1, d) && addr_eq(&c->addr2, s);
}

static inline struct tcp_conn *lookup(struct tcp_track *t, const struct pair_key *k,
                                      const struct addr *s, uint16_t sp, const struct addr *d,
                                      uint16_t dp)
{
    struct tcp_conn *c = t->buckets[k->h & (t->nbuckets - 1)];
    if (k->e1) {
        for (; c; c = c->hnext)
            if (c->key1 == k->e1 && c->key2 == k->e2)
                return c;
        return NULL;
    }
    for (; c; c = c->hnext)
        if (c->hash == k->h && !c->key1 && conn_matches(c, s, sp, d, dp))
            return c;
    return NULL;
}

static void grow(struct tcp_track *t)
{
    uint32_t nb = t->nbuckets * 2;
    struct tcp_conn **b = xcalloc(nb, sizeof *b);
    for (uint32_t i = 0; i < t->nbuckets; i++) {
        struct tcp_conn *c = t->buckets[i], *n;
        for (; c; c = n) {
            n = c->hnext;
            c->hnext = b[c->hash & (nb - 1)];
            b[c->hash & (nb - 1)] = c;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = nb;
}

/* ---- LRU ---- */

/* Each conversation is on one of two lists, open or closed, in order of last activity: the head
 * of each list is the one eviction looks at, so one long-idle open conversation does not hold
 * back the eviction of closed ones behind it. */
static void lru_unlink(struct tcp_track *t, struct tcp_conn *c)
{
    struct lru *l = &t->lru[c->lru_closed];
    if (c->lprev)
        c->lprev->lnext = c->lnext;
    else
        l->head = c->lnext;
    if (c->lnext)
        c->lnext->lprev = c->lprev;
    else
        l->tail = c->lprev;
    c->lprev = c->lnext = NULL;
}

static void lru_push(struct tcp_track *t, struct tcp_conn *c)
{
    c->lru_closed = c->closed;
    struct lru *l = &t->lru[c->lru_closed];
    c->lprev = l->tail;
    c->lnext = NULL;
    if (l->tail)
        l->tail->lnext = c;
    else
        l->head = c;
    l->tail = c;
}

/* ---- ghosts of evicted conversations ---- */

static uint64_t key_fp(const struct addr *a1, uint16_t p1, const struct addr *a2, uint16_t p2)
{
    uint64_t fp = mix64(addr_hash(a1) ^ mix64(addr_hash(a2) + ((uint64_t)p1 << 16 | p2) + 1));
    return fp ? fp : 1;
}

static uint32_t gh_bucket(const struct tcp_track *t, uint64_t fp)
{
    return (uint32_t)(fp >> 32) & (t->gh_nb - 1);
}

/* A ghost's ref: (slot << 1 | ring) + 1, so that 0 means none. */
static struct ghost *ghost_at(struct tcp_track *t, uint32_t ref)
{
    return &t->ring[(ref - 1) & 1].gh[(ref - 1) >> 1];
}

static void ghost_unlink(struct tcp_track *t, uint32_t ref)
{
    struct ghost *g = ghost_at(t, ref);
    uint32_t *pp = &t->gh_heads[gh_bucket(t, g->fp)];
    while (*pp && *pp != ref)
        pp = &ghost_at(t, *pp)->next;
    if (*pp)
        *pp = g->next;
    g->fp = 0;
    g->next = 0;
}

static uint32_t ghost_find(struct tcp_track *t, uint64_t fp)
{
    if (!t->gh_nb)
        return 0;
    for (uint32_t r = t->gh_heads[gh_bucket(t, fp)]; r; r = ghost_at(t, r)->next)
        if (ghost_at(t, r)->fp == fp)
            return r;
    return 0;
}

/* The ghost of the pair a packet travels on (oriented as the conversation's flow1), or 0. */
static uint32_t ghost_of(struct tcp_track *t, const struct pkt *p, int dir)
{
    if (!t->gh_nb)
        return 0;
    return dir >= 0 ? ghost_find(t, key_fp(&p->src, p->sport, &p->dst, p->dport))
                    : ghost_find(t, key_fp(&p->dst, p->dport, &p->src, p->sport));
}

/* Grow ring k to hold `slot`, and rebuild the chains over twice as many buckets as slots. */
static void ghost_grow(struct tcp_track *t, int k)
{
    struct ghost_ring *rg = &t->ring[k];
    uint32_t nc = rg->cap ? rg->cap * 2 : 1024;
    if (nc > rg->max)
        nc = rg->max;
    rg->gh = xrealloc(rg->gh, nc * sizeof *rg->gh);
    memset(rg->gh + rg->cap, 0, (nc - rg->cap) * sizeof *rg->gh);
    rg->cap = nc;
    uint32_t nb = 1;
    while (nb < 2 * (t->ring[0].cap + t->ring[1].cap))
        nb *= 2;
    free(t->gh_heads);
    t->gh_heads = xcalloc(nb, sizeof *t->gh_heads);
    t->gh_nb = nb;
    for (int j = 0; j < 2; j++)
        for (uint32_t i = 0; i < t->ring[j].cap; i++) {
            struct ghost *g = &t->ring[j].gh[i];
            if (!g->fp)
                continue;
            uint32_t b = gh_bucket(t, g->fp);
            g->next = t->gh_heads[b];
            t->gh_heads[b] = ((i << 1) | (uint32_t)j) + 1;
        }
}

static void ghost_add(struct tcp_track *t, struct tcp_conn *c)
{
    int k = c->closed ? 0 : 1;
    struct ghost_ring *rg = &t->ring[k];
    rg->max = k ? t->lim.max_ghosts : t->lim.max_ghosts_closed;
    if (!rg->max)
        return;
    c->ghosted = true;
    uint32_t slot;
    if (rg->added < rg->max) {
        slot = (uint32_t)rg->added;
        if (slot == rg->cap)
            ghost_grow(t, k);
    } else {
        slot = (uint32_t)(rg->added % rg->max);
        if (rg->gh[slot].fp) { /* the oldest ghost gives way: its stream is over */
            if (t->hooks.forgotten)
                t->hooks.forgotten(t->hooks.ctx, rg->gh[slot].stream);
            ghost_unlink(t, ((slot << 1) | (uint32_t)k) + 1);
            t->st.ghosts_dropped++;
        }
    }
    rg->added++;
    struct ghost *g = &rg->gh[slot];
    g->fp = key_fp(&c->addr1, c->port1, &c->addr2, c->port2);
    g->stream = c->stream;
    g->base1 = c->flow1.base_seq;
    g->base2 = c->flow2.base_seq;
    g->set = (uint8_t)((c->flow1.base_set ? 1 : 0) | (c->flow2.base_set ? 2 : 0));
    g->ws1 = c->flow1.win_scale;
    g->ws2 = c->flow2.win_scale;
    g->irtt = c->ts_first_rtt > 0 && c->ts_first_rtt <= UINT32_MAX ? (uint32_t)c->ts_first_rtt : 0;
    uint32_t b = gh_bucket(t, g->fp);
    g->next = t->gh_heads[b];
    t->gh_heads[b] = ((slot << 1) | (uint32_t)k) + 1;
}

/* ---- create / free ---- */

static void flow_init(struct tcp_flow *f)
{
    f->win_scale = -1; /* unknown (pinfo->src_win_scale default) */
    f->window = UINT32_MAX;
    f->ws_offered = -1;
}

static struct tcp_seg *small_get(struct tcp_track *t)
{
    if (!t->small_free) {
        union seg_small *b = xmalloc(SEGS_CHUNK * sizeof *b);
        b[0].next = t->small_blocks;
        t->small_blocks = b;
        for (uint32_t i = 1; i < SEGS_CHUNK; i++) {
            b[i].next = t->small_free;
            t->small_free = &b[i];
        }
    }
    union seg_small *u = t->small_free;
    t->small_free = u->next;
    return u->seg;
}

static void small_put(struct tcp_track *t, struct tcp_seg *segs)
{
    union seg_small *u = (union seg_small *)(void *)segs;
    u->next = t->small_free;
    t->small_free = u;
}

static void conn_release(struct tcp_track *t, struct tcp_conn *c)
{
    t->total_segs -= c->flow1.nsegs + c->flow2.nsegs;
    /* a pooled array stays with the entry, a larger one goes back to malloc */
    if (c->flow1.capsegs > SEGS_SMALL) {
        free(c->flow1.segs);
        c->flow1.segs = NULL;
        c->flow1.capsegs = 0;
    }
    if (c->flow2.capsegs > SEGS_SMALL) {
        free(c->flow2.segs);
        c->flow2.segs = NULL;
        c->flow2.capsegs = 0;
    }
    c->hnext = t->free_conns;
    t->free_conns = c;
}

/* A cleared entry: a released one (keeping its pooled segment array, emptied) or a new one. */
static struct tcp_conn *conn_alloc(struct tcp_track *t)
{
    struct tcp_conn *c = t->free_conns;
    if (!c) {
        if (!t->block_left) {
            /* not calloc: one entry is cleared at a time, as it is taken */
            struct conn_block *b = xmalloc(sizeof *b);
            b->next = t->blocks;
            t->blocks = b;
            t->block_left = CONN_BLOCK;
        }
        c = &t->blocks->c[CONN_BLOCK - t->block_left--];
        zero_fixed(c, sizeof *c);
        return c;
    }
    t->free_conns = c->hnext;
    struct tcp_seg *s1 = c->flow1.segs, *s2 = c->flow2.segs;
    uint32_t c1 = c->flow1.capsegs, c2 = c->flow2.capsegs;
    zero_fixed(c, sizeof *c);
    c->flow1.segs = s1;
    c->flow1.capsegs = c1;
    c->flow2.segs = s2;
    c->flow2.capsegs = c2;
    return c;
}

/* Remove c from the table (it must be in it), report it and free it. */
static void conn_drop(struct tcp_track *t, struct tcp_conn *c)
{
    struct tcp_conn **pp = &t->buckets[c->hash & (t->nbuckets - 1)];
    while (*pp && *pp != c)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = c->hnext;
    lru_unlink(t, c);
    t->count--;
    t->st.open_now = t->count;
    if (t->cb)
        t->cb(t->cbctx, c);
    conn_release(t, c);
}

/* Past the soft size, closed conversations quiet for the grace period and open ones idle past
 * the timeout leave the table; past the hard cap the least recently active closed one (else
 * open one) leaves whatever its age. Each leaves a ghost behind. */
static void evict(struct tcp_track *t)
{
    while (t->count > t->lim.soft_conns) {
        struct tcp_conn *oc = t->lru[0].head, *cc = t->lru[1].head, *c;
        if (t->count > t->lim.max_conns) {
            c = cc ? cc : oc;
            t->st.evicted_cap++;
        } else if (cc && ts_diff(t->now, cc->ts_last) > t->lim.closed_grace) {
            c = cc;
            t->st.evicted_closed++;
        } else if (oc && ts_diff(t->now, oc->ts_last) > t->lim.idle_timeout) {
            c = oc;
            t->st.evicted_idle++;
        } else {
            break;
        }
        if (!c)
            break;
        ghost_add(t, c);
        conn_drop(t, c);
    }
}

/* A new table entry; ghost: the evicted conversation it continues (its stream number and base
 * sequence numbers come back), or NULL for a new stream. */
static struct tcp_conn *conn_new(struct tcp_track *t, uint32_t h, const struct pkt *p,
                                 int direction, const struct ghost *ghost)
{
    struct tcp_conn *c = conn_alloc(t);
    c->hash = h;
    c->stream = ghost ? ghost->stream : t->next_stream++;
    if (direction >= 0) {
        c->addr1 = p->src; c->port1 = p->sport;
        c->addr2 = p->dst; c->port2 = p->dport;
    } else {
        c->addr1 = p->dst; c->port1 = p->dport;
        c->addr2 = p->src; c->port2 = p->sport;
    }
    if (c->addr1.family == 4 && c->addr2.family == 4) {
        c->key1 = ep4(&c->addr1, c->port1);
        c->key2 = ep4(&c->addr2, c->port2);
    }
    flow_init(&c->flow1);
    flow_init(&c->flow2);
    if (ghost) {
        c->flow1.base_seq = ghost->base1;
        c->flow1.base_set = ghost->set & 1;
        c->flow2.base_seq = ghost->base2;
        c->flow2.base_set = (ghost->set & 2) != 0;
        c->flow1.win_scale = ghost->ws1;
        c->flow2.win_scale = ghost->ws2;
        c->ts_first_rtt = ghost->irtt;
        c->resumed = true;
        t->st.resumed++;
    } else {
        t->st.conns++;
        if (t->hooks.created)
            t->hooks.created(t->hooks.ctx, c->stream, p->frame);
    }
    c->ts_first = c->ts_last = ts_ns(p->ts_sec, p->ts_nsec);
    c->first_frame = p->frame;
    uint32_t b = h & (t->nbuckets - 1);
    c->hnext = t->buckets[b];
    t->buckets[b] = c;
    lru_push(t, c);
    t->count++;
    t->st.open_now = t->count;
    if (t->count > t->st.max_open)
        t->st.max_open = t->count;
    if (t->count > t->nbuckets)
        grow(t);
    return c;
}

/* A new conversation for the same address pair (port reuse): the old one leaves the table. */
static struct tcp_conn *conn_replace(struct tcp_track *t, struct tcp_conn *old, const struct pkt *p,
                                     int direction)
{
    uint32_t h = old->hash;
    old->replaced = true;
    conn_drop(t, old);
    return conn_new(t, h, p, direction, NULL);
}

/* ---- unacked segment list ---- */

static void seg_add(struct tcp_track *t, struct tcp_flow *f, uint64_t frame, uint32_t seq,
                    uint32_t nextseq, int64_t ts)
{
    if (f->nsegs >= t->lim.max_unacked ||
        t->total_segs >= t->segs_total_cap) {
        t->st.unacked_cap_hits++;
        return;
    }
    if (f->nsegs == f->capsegs) {
        if (!f->capsegs) {
            f->segs = small_get(t);
            f->capsegs = SEGS_SMALL;
        } else if (f->capsegs == SEGS_SMALL) {
            struct tcp_seg *n = xmalloc(2 * SEGS_SMALL * sizeof *n);
            memcpy(n, f->segs, SEGS_SMALL * sizeof *n);
            small_put(t, f->segs);
            f->segs = n;
            f->capsegs = 2 * SEGS_SMALL;
        } else {
            f->capsegs *= 2;
            f->segs = xrealloc(f->segs, f->capsegs * sizeof *f->segs);
        }
    }
    struct tcp_seg *s = &f->segs[f->nsegs++];
    s->frame = frame;
    s->seq = seq;
    s->nextseq = nextseq;
    s->ts = ts;
    t->total_segs++;
}

/* ---- skipped ranges (missed bytes) ----
 * A lost segment opens a hole [highest seq seen, seq). Data that arrives later inside it shrinks
 * it; an ACK from the peer that passes over what is left makes those bytes missed for good
 * (Zeek's missed_bytes and its G/g history letter). At most TCP_MAX_HOLES per direction: past
 * that the oldest hole is counted as missed at once. */
static void hole_add(struct tcp_flow *f, uint32_t l, uint32_t r)
{
    if (f->nholes == TCP_MAX_HOLES) {
        f->missed_bytes += f->holes[0].r - f->holes[0].l;
        memmove(f->holes, f->holes + 1, (TCP_MAX_HOLES - 1) * sizeof f->holes[0]);
        f->nholes--;
    }
    f->holes[f->nholes].l = l;
    f->holes[f->nholes].r = r;
    f->nholes++;
}

/* Segment [l, r) was seen: remove it from the holes (trimming; a segment strictly inside a
 * hole keeps the hole's larger side, which slightly overstates what is missing). */
static void hole_fill(struct tcp_flow *f, uint32_t l, uint32_t r)
{
    for (uint8_t i = 0; i < f->nholes;) {
        struct tcp_hole *h = &f->holes[i];
        if (SEQ_LEQ(r, h->l) || SEQ_GEQ(l, h->r)) {
            i++;
            continue;
        }
        if (SEQ_LEQ(l, h->l))
            h->l = SEQ_LT(r, h->r) ? r : h->r;
        else if (SEQ_GEQ(r, h->r))
            h->r = l;
        else if (l - h->l >= h->r - r)
            h->r = l;
        else
            h->l = r;
        if (h->l == h->r) {
            memmove(h, h + 1, (size_t)(f->nholes - i - 1) * sizeof *h);
            f->nholes--;
        } else {
            i++;
        }
    }
}

/* The peer acknowledged up to ack: what is left of the holes below it was missed. Returns the
 * number of holes (gaps) that became missed. */
static uint32_t hole_acked(struct tcp_flow *f, uint32_t ack)
{
    uint32_t gaps = 0;
    for (uint8_t i = 0; i < f->nholes;) {
        struct tcp_hole *h = &f->holes[i];
        if (SEQ_LEQ(ack, h->l)) {
            i++;
            continue;
        }
        uint32_t end = SEQ_LT(ack, h->r) ? ack : h->r;
        f->missed_bytes += end - h->l;
        gaps++;
        h->l = end;
        if (h->l == h->r) {
            memmove(h, h + 1, (size_t)(f->nholes - i - 1) * sizeof *h);
            f->nholes--;
        } else {
            i++;
        }
    }
    return gaps;
}

/* ---- the analysis ----
 * fwd: the flow of this segment's sender; rev: the other one. Mirrors Wireshark 4.0's order:
 * zero-window probe (jumps past the rest), zero window, lost segment, keep-alive, window update,
 * window full, keep-alive ACK (jumps), zero-window-probe ACK (jumps), duplicate ACK; then ACKed
 * unseen segment; then the retransmission family. */
static void analyze(struct tcp_track *t, struct tcp_conn *c, struct tcp_flow *fwd,
                    struct tcp_flow *rev, const struct pkt *p, struct tcp_rec *r, int64_t now)
{
    uint32_t seq = p->tcp.seq, ack = p->tcp.ack, seglen = p->tcp.seglen;
    uint16_t flags = p->tcp.flags;
    uint32_t window = p->tcp.win;
    uint16_t ta = r->flags;

    /* ZERO WINDOW PROBE: next expected seq, 1 byte, peer's window is zero */
    if (seglen == 1 && seq == fwd->nextseq && rev->window == 0) {
        ta |= TA_ZERO_WINDOW_PROBE;
        goto finished_fwd;
    }
    bool sfr = (flags & (TH_SYN | TH_FIN | TH_RST)) != 0;
    /* ZERO WINDOW: window 0 and none of SYN/FIN/RST */
    if (window == 0 && !sfr)
        ta |= TA_ZERO_WINDOW;
    /* LOST PACKET: beyond the highest seq seen (not for RST) */
    if (fwd->nextseq && SEQ_GT(seq, fwd->nextseq) && (flags & TH_RST) == 0) {
        ta |= TA_LOST_PACKET;
        hole_add(fwd, fwd->nextseq, seq);
    }
    /* The rest is by length (the tests are Wireshark's, in its order; those for segments
     * without data exclude those for segments with data). */
    if (seglen == 0) {
        if (!sfr) {
            /* KEEP ALIVE (RFC 1122 4.2.3.6): 0 or 1 byte starting one byte before the next
             * seq */
            if (seq == fwd->nextseq - 1)
                ta |= TA_KEEP_ALIVE;
            if (seq == fwd->nextseq && ack == fwd->lastack) {
                if (window != fwd->window) {
                    /* WINDOW UPDATE: no data, same seq/ack, new non-zero window */
                    if (window)
                        ta |= TA_WINDOW_UPDATE;
                } else if (window) {
                    /* KEEP ALIVE ACK: repeats the previous ACK right after a keep-alive from
                     * the peer */
                    if (rev->lastsegmentflags & TA_KEEP_ALIVE) {
                        ta |= TA_KEEP_ALIVE_ACK;
                        goto finished_fwd;
                    }
                    /* DUPLICATE ACK: no data, same window, seq and ack as the previous
                     * segment */
                    if (fwd->dupacknum == UINT32_MAX)
                        fwd->dupacknum = 1;
                    else
                        fwd->dupacknum++;
                    ta |= TA_DUPLICATE_ACK;
                    r->dupack_num = fwd->dupacknum;
                    r->dupack_frame = fwd->lastnondupack;
                } else if (rev->lastsegmentflags & TA_ZERO_WINDOW_PROBE) {
                    /* ZERO WINDOW PROBE ACK: repeats the previous zero-window ACK after a
                     * probe */
                    ta |= TA_ZERO_WINDOW_PROBE_ACK;
                    goto finished_fwd;
                }
            }
        }
    } else if (!sfr) {
        /* KEEP ALIVE with its one byte */
        if (seglen == 1 && seq == fwd->nextseq - 1)
            ta |= TA_KEEP_ALIVE;
        /* WINDOW FULL: data reaching exactly the right edge of the peer's advertised window */
        if (rev->win_scale != -1) {
            int sh = rev->is_first_ack ? 0 : (rev->win_scale == -2 ? 0 : rev->win_scale);
            uint32_t edge = rev->lastack + (uint32_t)(rev->window << sh);
            if (seq + seglen == edge)
                ta |= TA_WINDOW_FULL;
        }
    }

finished_fwd:
    if (ack != fwd->lastack) {
        fwd->lastnondupack = p->frame;
        fwd->dupacknum = 0;
    }

    /* ACKED LOST PACKET: acknowledges beyond what the peer was seen to send */
    if (rev->maxseqtobeacked && SEQ_GT(ack, rev->maxseqtobeacked) && (flags & TH_ACK)) {
        if (SEQ_LT(rev->maxseqtobeacked, rev->nextseq)) {
            rev->maxseqtobeacked = rev->nextseq;
            ta |= TA_ACK_LOST_PACKET;
        } else {
            if (rev->dupacknum == 0)
                ta |= TA_ACK_LOST_PACKET;
            rev->dupacknum = UINT32_MAX; /* Wireshark's -1 in an unsigned field */
        }
    }

    /* RETRANSMISSION / FAST RETRANSMISSION / OUT-OF-ORDER / SPURIOUS: a segment with data (or
     * SYN/FIN) that does not advance the sequence number; a keep-alive is none of these. */
    if (seglen > 0 || (flags & (TH_SYN | TH_FIN))) {
        bool seq_not_advanced = fwd->nextseq && SEQ_LT(seq, fwd->nextseq);
        if (ta & TA_KEEP_ALIVE)
            goto finished_retrans;
        /* data right after a probe byte really adds data */
        if (seglen > 1 && fwd->nextseq - 1 == seq)
            seq_not_advanced = false;
        /* SPURIOUS: every byte was already acknowledged by the peer */
        if (seglen > 0 && rev->lastack && SEQ_LEQ(seq + seglen, rev->lastack)) {
            ta |= TA_SPURIOUS_RETRANSMISSION;
            goto finished_retrans;
        }
        /* FAST RETRANSMISSION: >= 2 dup ACKs from the peer for this seq, within 20 ms of the
         * peer's last ACK (unsigned arithmetic as Wireshark: a negative gap never qualifies) */
        uint64_t dt = (uint64_t)ts_diff(now, rev->lastacktime);
        if (seq_not_advanced && rev->dupacknum >= 2 && rev->lastack == seq && dt < 20000000ULL) {
            ta |= TA_FAST_RETRANSMISSION;
            goto finished_retrans;
        }
        /* OUT-OF-ORDER: soon after the highest segment (within iRTT, or 3 ms) and not simply
         * the segment that ends where the highest one ended */
        dt = (uint64_t)ts_diff(now, fwd->nextseqtime);
        uint64_t thres = c->ts_first_rtt ? (uint64_t)c->ts_first_rtt : 3000000ULL;
        if (seq_not_advanced && dt < thres &&
            fwd->nextseq != seq + seglen + ((flags & (TH_SYN | TH_FIN)) ? 1 : 0)) {
            ta |= TA_OUT_OF_ORDER;
            goto finished_retrans;
        }
        if (seq_not_advanced)
            ta |= TA_RETRANSMISSION;
    }

finished_retrans:;
    if (seglen && fwd->nholes)
        hole_fill(fwd, seq, seq + seglen);
    if ((flags & TH_ACK) && rev->nholes)
        r->gaps_acked = hole_acked(rev, ack);
    uint32_t nextseq = seq + seglen;
    if (seglen || (flags & (TH_SYN | TH_FIN))) { /* seg_add applies the caps and counts hits */
        if (flags & (TH_SYN | TH_FIN))
            nextseq += 1;
        seg_add(t, fwd, p->frame, seq, nextseq, now);
    } else if (seglen || (flags & (TH_SYN | TH_FIN))) {
        /* as Wireshark: past the cap the segment is not kept (and a SYN/FIN's extra sequence
         * number is not counted in nextseq) */
        t->st.unacked_cap_hits++;
    }
    /* highest seq seen; zero-window probes do not advance it */
    if (SEQ_GT(nextseq, fwd->nextseq) || !fwd->nextseq) {
        if (!(ta & TA_ZERO_WINDOW_PROBE)) {
            fwd->nextseq = nextseq;
            fwd->nextseqtime = now;
        }
    }
    /* highest contiguous seq: what the peer may acknowledge */
    if (SEQ_EQ(seq, fwd->maxseqtobeacked) || !fwd->maxseqtobeacked) {
        if (!(ta & TA_ZERO_WINDOW_PROBE))
            fwd->maxseqtobeacked = fwd->nextseq;
    }
    fwd->window = window;
    fwd->lastack = ack;
    fwd->lastacktime = now;
    fwd->lastsegmentflags = ta;

    /* drop the peer's segments this ACK covers; remember the one it acknowledges exactly */
    /* (one pass, oldest first, keeping the survivors in order; where several segments end
     * at ack, the oldest is the one acknowledged, as in Wireshark's newest-first walk) */
    uint32_t n = rev->nsegs, w = 0;
    bool acked = t->lean; /* lean: the acknowledged frame and its RTT are not wanted */
    for (uint32_t i = 0; i < n; i++) {
        struct tcp_seg *s = &rev->segs[i];
        if (ack == s->nextseq) {
            if (!acked) {
                acked = true;
                r->acks_frame = s->frame;
                r->ack_rtt = ts_diff(now, s->ts);
            }
            continue;
        }
        if (SEQ_GT(ack, s->seq) && SEQ_LEQ(ack, s->nextseq))
            s->seq = ack;
        else if (!SEQ_GT(s->nextseq, ack))
            continue;
        if (w != i)
            rev->segs[w] = *s;
        w++;
    }
    rev->nsegs = w;
    t->total_segs -= n - w;
    r->flags = ta;
}

/* ---- per-packet entry ---- */

/* Wireshark's tcp.completeness bits a segment adds: a table indexed by the segment's FIN,
 * SYN, RST and ACK bits (at their TH_* places), 0x08 for data and 0x20 for the first segment
 * of the conversation. */
#define CPL_NEW(i) (((i) & 0x12) == 0x02 ? 1 | (((i) & 0x08) ? 8 : 0) : 0)
#define CPL_OLD(i)                                                                      \
    ((((i) & 0x12) == 0x12 ? 2 : 0) | (((i) & 0x12) == 0x10 ? (((i) & 0x08) ? 8 : 4) : 0) | \
     (((i) & 0x11) == 0x11 ? 16 : 0) | (((i) & 0x04) ? 32 : 0))
#define CPL(i) ((uint8_t)(((i) & 0x20) ? CPL_NEW(i) : CPL_OLD(i)))
#define CPL4(i) CPL(i), CPL((i) + 1), CPL((i) + 2), CPL((i) + 3)
#define CPL16(i) CPL4(i), CPL4((i) + 4), CPL4((i) + 8), CPL4((i) + 12)
_Static_assert(TH_FIN == 0x01 && TH_SYN == 0x02 && TH_RST == 0x04 && TH_ACK == 0x10,
               "completeness_bits indexes by the TH_* bits");
static const uint8_t completeness_bits[64] = {CPL16(0), CPL16(16), CPL16(32), CPL16(48)};

static inline void update_completeness(struct tcp_conn *c, uint16_t flags, uint32_t seglen,
                                       bool is_new)
{
    unsigned i = (flags & (TH_FIN | TH_SYN | TH_RST | TH_ACK)) | (seglen ? 0x08u : 0) |
                 (is_new ? 0x20u : 0);
    c->completeness |= completeness_bits[i];
}

static void track_inner(struct tcp_track *t, const struct pkt *p, struct tcp_rec *r)
{
    const struct pkt_inner *in = &p->icmp.inner;
    /* Wireshark dissects the quoted header as TCP from the inner addresses: it finds or creates
     * the conversation (so it can take a stream number) but does no sequence analysis. */
    struct pkt q;
    memset(&q, 0, offsetof(struct pkt, arena));
    q.frame = p->frame;
    q.ts_sec = p->ts_sec;
    q.ts_nsec = p->ts_nsec;
    q.src = in->src;
    q.dst = in->dst;
    q.sport = in->sport;
    q.dport = in->dport;
    struct pair_key k;
    pair_key_of(&k, &q.src, q.sport, &q.dst, q.dport);
    int dir = k.dir;
    uint32_t h = k.h;
    struct tcp_conn *c = lookup(t, &k, &q.src, q.sport, &q.dst, q.dport);
    if (!c) {
        uint32_t g = ghost_of(t, &q, dir);
        struct ghost copy;
        if (g) {
            copy = *ghost_at(t, g);
            ghost_unlink(t, g);
        }
        c = conn_new(t, h, &q, dir, g ? &copy : NULL);
    }
    struct tcp_flow *fwd = dir >= 0 ? &c->flow1 : &c->flow2;
    uint16_t flags = in->tcp_flags;
    if ((flags & (TH_SYN | TH_ACK)) == TH_SYN && fwd->base_set && in->seq != fwd->base_seq) {
        c = conn_replace(t, c, &q, dir);
        r->flags |= TA_REUSED_PORTS;
    } else if ((flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) && fwd->base_set &&
               in->seq != fwd->base_seq) {
        fwd->base_seq = in->seq;
        r->flags |= TA_REUSED_PORTS;
    }
    r->valid = true;
    r->inner = true;
    r->stream = c->stream;
    r->conn = c;
    r->seq = in->seq;
    r->ack = in->ack;
    r->win = in->win;
}

void tcp_track_set_hooks(struct tcp_track *t, const struct tcp_track_hooks *h)
{
    t->hooks = *h;
}

void tcp_track_set_lean(struct tcp_track *t, bool lean)
{
    t->lean = lean;
}

/* Whether evict would free an entry now (its first test, inline: past the soft size it is asked
 * for every packet, and most of the time the answer is no). */
static inline bool evict_due(const struct tcp_track *t)
{
    const struct tcp_conn *oc = t->lru[0].head, *cc = t->lru[1].head;
    return t->count > t->lim.max_conns ||
           (cc && ts_diff(t->now, cc->ts_last) > t->lim.closed_grace) ||
           (oc && ts_diff(t->now, oc->ts_last) > t->lim.idle_timeout);
}

static inline void tick(struct tcp_track *t, int64_t now)
{
    if (now > t->now)
        t->now = now;
    if (t->count > t->lim.soft_conns && evict_due(t))
        evict(t);
}

void tcp_track_tick(struct tcp_track *t, int64_t now)
{
    tick(t, now);
}

uint32_t tcp_track_pair_key(const struct addr *a, uint16_t pa, const struct addr *b, uint16_t pb)
{
    return pair_hash(a, pa, b, pb);
}

/* What the tracker files a packet under: the TCP header quoted by an ICMP error, the packet's
 * own whole TCP header (not a fragment), or nothing. */
enum track_as { TRACK_NONE, TRACK_INNER, TRACK_TCP };

static enum track_as track_as(const struct pkt *p)
{
    if (p->l4 == L4_TCP)
        return p->tcp.have_hdr && !p->frag ? TRACK_TCP : TRACK_NONE;
    if ((p->l4 == L4_ICMP || p->l4 == L4_ICMPV6) && p->icmp.inner.present)
        return p->icmp.inner.have_tcp ? TRACK_INNER : TRACK_NONE;
    return TRACK_NONE;
}

bool tcp_track_shard_key(const struct pkt *p, uint32_t *key)
{
    const struct pkt_inner *in = &p->icmp.inner;
    switch (track_as(p)) {
    case TRACK_INNER:
        *key = pair_hash(&in->src, in->sport, &in->dst, in->dport);
        return true;
    case TRACK_TCP:
        *key = pair_hash(&p->src, p->sport, &p->dst, p->dport);
        return true;
    default:
        return false;
    }
}

void tcp_track_packet(struct tcp_track *t, const struct pkt *p, struct tcp_rec *r)
{
    bool lean = t->lean;
    if (lean) { /* only what the analysis itself reads back (and valid) */
        r->valid = false;
        r->flags = 0;
        r->gaps_acked = 0;
    } else {
        zero_fixed(r, sizeof *r);
    }
    int64_t now = ts_ns(p->ts_sec, p->ts_nsec);
    tick(t, now);
    switch (track_as(p)) {
    case TRACK_NONE:
        return;
    case TRACK_INNER:
        track_inner(t, p, r);
        return;
    case TRACK_TCP:
        break;
    }

    const struct pkt_tcp *th = &p->tcp;
    struct pair_key k;
    pair_key_of(&k, &p->src, p->sport, &p->dst, p->dport);
    int dir = k.dir;
    uint32_t h = k.h;
    bool is_new = false;
    struct tcp_conn *c = lookup(t, &k, &p->src, p->sport, &p->dst, p->dport);
    if (!c) {
        uint32_t g = ghost_of(t, p, dir);
        struct ghost copy;
        if (!g) {
            c = conn_new(t, h, p, dir, NULL);
            is_new = true;
        } else {
            /* an evicted conversation's pair: port reuse as below, else the same stream goes on */
            copy = *ghost_at(t, g);
            ghost_unlink(t, g);
            bool had_base = (copy.set & (dir >= 0 ? 1 : 2)) != 0;
            uint32_t base = dir >= 0 ? copy.base1 : copy.base2;
            if ((th->flags & (TH_SYN | TH_ACK)) == TH_SYN && had_base && th->seq != base) {
                if (t->hooks.forgotten)
                    t->hooks.forgotten(t->hooks.ctx, copy.stream);
                c = conn_new(t, h, p, dir, NULL);
                r->flags |= TA_REUSED_PORTS;
                c->completeness = 1;
            } else {
                c = conn_new(t, h, p, dir, &copy);
            }
        }
    }
    struct tcp_flow *fwd = dir >= 0 ? &c->flow1 : &c->flow2;

    /* port reuse: a pure SYN with a new ISN on a conversation that already has one */
    if ((th->flags & (TH_SYN | TH_ACK)) == TH_SYN && fwd->base_set) {
        if (th->seq != fwd->base_seq) {
            c = conn_replace(t, c, p, dir);
            fwd = dir >= 0 ? &c->flow1 : &c->flow2;
            r->flags |= TA_REUSED_PORTS;
            c->completeness = 1;
        } else {
            /* same ISN: a SYN retransmission; restore nextseq (Wireshark issue 17616) */
            fwd->nextseq = fwd->maxseqtobeacked;
        }
    }
    /* a SYN-ACK with a new ISN: the peer restarted; re-base (Wireshark issue 16944) */
    if ((th->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) && fwd->base_set &&
        th->seq != fwd->base_seq) {
        fwd->base_seq = th->seq;
        r->flags |= TA_REUSED_PORTS;
    }
    struct tcp_flow *rev = fwd == &c->flow1 ? &c->flow2 : &c->flow1;
    c->ts_last = now > c->ts_last ? now : c->ts_last;
    c->last_frame = p->frame;
    c->pkts++;

    r->valid = true;
    if (!lean) {
        r->stream = c->stream;
        r->conn = c;
        r->from_flow1 = fwd == &c->flow1;
        r->seq = th->seq;
        r->ack = th->ack;
        r->win = th->win;
    }

    if (th->have_seglen) {
        if (!fwd->base_set) {
            fwd->base_seq = (th->flags & TH_SYN) ? th->seq : th->seq - 1;
            fwd->base_set = true;
        }
        if (!rev->base_set && (th->flags & TH_ACK)) {
            rev->base_seq = th->ack - 1;
            rev->base_set = true;
        }
        analyze(t, c, fwd, rev, p, r, now);
        if (!lean) {
            r->rel_ok = true;
            r->seq = th->seq - fwd->base_seq;
            if (th->flags & TH_ACK)
                r->ack = th->ack - rev->base_seq;
            r->nxtseq = r->seq + th->seglen + ((th->flags & (TH_SYN | TH_FIN)) ? 1 : 0);
            if (!(th->flags & TH_SYN) && fwd->win_scale >= 0)
                r->win = (uint32_t)th->win << fwd->win_scale;
        }
    }

    if (th->hlen >= 20) {
        update_completeness(c, th->flags, th->seglen, is_new);
        if (th->flags & TH_SYN) {
            if (!(th->flags & TH_ACK))
                c->ts_mru_syn = now;
            fwd->is_first_ack = true;
        }
        if (!c->ts_first_rtt && (th->flags & (TH_SYN | TH_ACK)) == TH_ACK && c->ts_mru_syn)
            c->ts_first_rtt = ts_diff(now, c->ts_mru_syn);
        if ((th->flags & (TH_SYN | TH_ACK)) == TH_ACK)
            fwd->is_first_ack = false;
        /* options take effect after this segment's own analysis (as in Wireshark) */
        const struct tcp_opts *o = &th->opt;
        if (o->has_ws)
            fwd->win_scale = (int8_t)(o->wscale > 14 ? 14 : o->wscale);
        if (!lean) {
            for (uint8_t i = 0; i < o->nsack && i < PKT_MAX_SACK; i++) {
                r->sack_l[i] = o->sack_l[i] - rev->base_seq;
                r->sack_r[i] = o->sack_r[i] - rev->base_seq;
            }
            r->nsack = o->nsack;
        }
        if (th->flags & TH_SYN) {
            bool synack = (th->flags & TH_ACK) != 0;
            if (fwd->win_scale == -1) {
                fwd->win_scale = -2;
                rev->win_scale = -2;
            } else if (synack && rev->win_scale == -2) {
                fwd->win_scale = -2;
            }
        }
    }
    if (!lean)
        r->irtt = c->ts_first_rtt;
    tcp_state_update(c, fwd, rev, p, r, lean);
    /* most recently active now, on the list of its state after this segment (nothing to do
     * when it is already the last one of that list) */
    if (c->lru_closed != c->closed) {
        lru_unlink(t, c);
        lru_push(t, c);
    } else if (c->lnext) {
        /* to the tail of the same list: c has a successor, so it is not the tail */
        struct lru *l = &t->lru[c->lru_closed];
        if (c->lprev)
            c->lprev->lnext = c->lnext;
        else
            l->head = c->lnext;
        c->lnext->lprev = c->lprev;
        c->lprev = l->tail;
        c->lnext = NULL;
        l->tail->lnext = c;
        l->tail = c;
    }
}

static int cmp_stream(const void *a, const void *b)
{
    const struct tcp_conn *x = *(struct tcp_conn *const *)a, *y = *(struct tcp_conn *const *)b;
    return x->stream < y->stream ? -1 : x->stream > y->stream;
}

void tcp_track_finish(struct tcp_track *t)
{
    if (!t->count)
        return;
    uint32_t lo = UINT32_MAX, hi = 0;
    for (int l = 0; l < 2; l++)
        for (struct tcp_conn *c = t->lru[l].head; c; c = c->lnext) {
            lo = c->stream < lo ? c->stream : lo;
            hi = c->stream > hi ? c->stream : hi;
        }
    uint64_t span = (uint64_t)hi - lo + 1;
    struct tcp_conn **all;
    uint32_t n = 0;
    if (span <= 4 * (uint64_t)t->count + 1024) {
        /* stream numbers are unique in the table: a slot each, in order, when they are dense */
        all = xcalloc(span, sizeof *all);
        for (int l = 0; l < 2; l++)
            for (struct tcp_conn *c = t->lru[l].head; c; c = c->lnext)
                all[c->stream - lo] = c;
        for (uint64_t i = 0; i < span; i++)
            if (all[i])
                all[n++] = all[i];
    } else {
        all = xmalloc(t->count * sizeof *all);
        for (int l = 0; l < 2; l++)
            for (struct tcp_conn *c = t->lru[l].head; c; c = c->lnext)
                all[n++] = c;
        qsort(all, n, sizeof *all, cmp_stream);
    }
    /* as conn_drop for each, without unlinking one by one: every entry leaves, so every
     * chain and both lists end empty */
    for (uint32_t i = 0; i < n; i++) {
        struct tcp_conn *c = all[i];
        t->count--;
        t->st.open_now = t->count;
        if (t->cb)
            t->cb(t->cbctx, c);
        t->buckets[c->hash & (t->nbuckets - 1)] = NULL;
        conn_release(t, c);
    }
    memset(t->lru, 0, sizeof t->lru);
    free(all);
}

void tcp_track_free(struct tcp_track *t)
{
    if (!t)
        return;
    for (int l = 0; l < 2; l++) {
        struct tcp_conn *c = t->lru[l].head, *n;
        for (; c; c = n) {
            n = c->lnext;
            conn_release(t, c);
        }
    }
    for (struct conn_block *b = t->blocks, *n; b; b = n) {
        n = b->next;
        free(b);
    }
    for (union seg_small *b = t->small_blocks, *n; b; b = n) {
        n = b[0].next;
        free(b);
    }
    free(t->buckets);
    free(t->ring[0].gh);
    free(t->ring[1].gh);
    free(t->gh_heads);
    free(t);
}
