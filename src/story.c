/* summary: collect connection stories from analyzer events (story.h). */
#include "story.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define STORY_BUCKETS 1024

struct story_node {
    struct story s;
    struct story_node *next;
};

struct story_ctx {
    struct story_opts o;
    story_cb cb;
    void *cb_ctx;
    struct story_node *bucket[STORY_BUCKETS];
    uint32_t open;
    struct story_stats st;
    /* stream numbers grow in order of first appearance: a stream not in the table whose
     * number is not above the highest seen was finished or refused already */
    bool any_seen;
    uint32_t max_seen;
};

uint32_t story_count(const struct story *s)
{
    return s->nhead + s->ntail;
}

const struct story_ev *story_at(const struct story *s, uint32_t i)
{
    if (i < s->nhead)
        return &s->head[i];
    i -= s->nhead;
    if (i >= s->ntail)
        return NULL;
    /* oldest tail entry is at tail_pos when the ring is full, at 0 otherwise */
    uint32_t start = s->ntail == STORY_TAIL ? s->tail_pos : 0;
    return &s->tail[(start + i) % STORY_TAIL];
}

uint32_t story_gap_after(const struct story *s)
{
    return s->omitted ? s->nhead - 1 : UINT32_MAX;
}

int story_ta_bit(uint16_t ta)
{
    for (int b = 0; b < STORY_NTA; b++)
        if (ta & (1u << b))
            return b;
    return -1;
}

static struct story_node **slot(struct story_ctx *c, uint32_t stream)
{
    struct story_node **pp = &c->bucket[stream % STORY_BUCKETS];
    while (*pp && (*pp)->s.stream != stream)
        pp = &(*pp)->next;
    return pp;
}

static void app_summary(char *out, size_t n, const struct pkt *p)
{
    out[0] = '\0';
    if (p->app != APP_HTTP)
        return;
    const struct pkt_http *h = &p->http;
    if (h->request && h->method)
        snprintf(out, n, "%s %s %s", h->method, h->uri ? h->uri : "",
                 h->version ? h->version : "");
    else if (!h->request && h->version && h->status)
        snprintf(out, n, "%s %u %s", h->version, h->status, h->reason ? h->reason : "");
    /* trim a trailing space left by an empty part */
    size_t l = strlen(out);
    while (l && out[l - 1] == ' ')
        out[--l] = '\0';
}

static void fill_ev(struct story_ev *e, const struct pkt_event *ev)
{
    const struct pkt *p = ev->pkt;
    const struct tcp_rec *r = ev->tcp;
    memset(e, 0, sizeof *e);
    e->frame = p->frame;
    e->t_rel = ev->t_rel;
    e->from_client = r->from_client;
    e->rel_ok = r->rel_ok;
    e->have_len = p->tcp.have_seglen;
    e->flags = p->tcp.flags;
    e->ta = r->flags;
    e->seq = r->seq;
    e->ack = r->ack;
    e->seq_raw = p->tcp.seq;
    e->ack_raw = p->tcp.ack;
    e->len = p->tcp.have_seglen ? p->tcp.seglen : 0;
    e->win = r->win;
    e->dupack_num = r->dupack_num;
    e->dupack_frame = r->dupack_frame;
    if (r->irtt && !strcmp(r->step, "handshake.3"))
        e->irtt = r->irtt;
    e->phase = r->phase;
    snprintf(e->step, sizeof e->step, "%s", r->step);
    e->st_client = r->st_client;
    e->st_server = r->st_server;
    if (p->tcp.flags & TH_SYN) {
        const struct tcp_opts *o = &p->tcp.opt;
        e->opt.has_mss = o->has_mss;
        e->opt.mss = o->mss;
        e->opt.has_ws = o->has_ws;
        e->opt.ws = o->wscale;
        e->opt.sack_perm = o->sack_perm;
        e->opt.has_ts = o->has_ts;
        e->opt.has_tfo = o->has_tfo;
    }
    app_summary(e->app, sizeof e->app, p);
}

static void add_ev(struct story *s, const struct pkt_event *ev)
{
    struct story_ev e;
    fill_ev(&e, ev);
    if (s->nhead < STORY_HEAD) {
        s->head[s->nhead++] = e;
    } else {
        if (s->ntail == STORY_TAIL) {
            s->omitted++;
            s->truncated = true;
        } else {
            s->ntail++;
        }
        s->tail[s->tail_pos] = e;
        s->tail_pos = (s->tail_pos + 1) % STORY_TAIL;
    }
    struct story_dir *d = e.from_client ? &s->to_server : &s->to_client;
    d->pkts++;
    d->bytes += e.len;
    if (e.len) {
        d->data_segs++;
        if (!d->first_data_frame)
            d->first_data_frame = e.frame;
        d->last_data_frame = e.frame;
    }
    /* as tshark's fields: fast and spurious retransmissions are retransmissions too */
    uint16_t ta = e.ta;
    if (ta & (TA_FAST_RETRANSMISSION | TA_SPURIOUS_RETRANSMISSION))
        ta |= TA_RETRANSMISSION;
    if (ta & TA_RETRANSMISSION)
        d->retrans_bytes += e.len;
    for (int b = 0; b < STORY_NTA; b++) {
        if (!(ta & (1u << b)))
            continue;
        if (d->ta_count[b] < STORY_TROUBLE_FRAMES)
            d->ta_frames[b][d->ta_count[b]] = e.frame;
        d->ta_count[b]++;
    }
    if (e.irtt && !s->irtt)
        s->irtt = e.irtt;
    s->pkts++;
    s->last_frame = e.frame;
    s->t_last = e.t_rel;
}

static void story_packet(void *vctx, const struct pkt_event *ev)
{
    struct story_ctx *c = vctx;
    const struct tcp_rec *r = ev->tcp;
    if (!r || !r->valid || r->inner || ev->pkt->l4 != L4_TCP || !ev->pkt->tcp.have_hdr)
        return;
    if (c->o.stream >= 0 && (int64_t)r->stream != c->o.stream)
        return;
    struct story_node **pp = slot(c, r->stream);
    if (!*pp) {
        if (c->any_seen && r->stream <= c->max_seen)
            return; /* told already, or refused */
        c->any_seen = true;
        c->max_seen = r->stream;
        if (c->open >= c->o.max_open) {
            c->st.skipped++;
            return;
        }
        struct story_node *n = xcalloc(1, sizeof *n);
        struct story *s = &n->s;
        s->stream = r->stream;
        const struct pkt *p = ev->pkt;
        if (r->from_client) {
            s->client = p->src;
            s->server = p->dst;
            s->client_port = p->sport;
            s->server_port = p->dport;
        } else {
            s->client = p->dst;
            s->server = p->src;
            s->client_port = p->dport;
            s->server_port = p->sport;
        }
        s->syn_seen_first = (p->tcp.flags & (TH_SYN | TH_ACK)) == TH_SYN;
        s->first_frame = p->frame;
        s->t_first = ev->t_rel;
        *pp = n;
        c->open++;
    }
    add_ev(&(*pp)->s, ev);
}

static void story_conn(void *vctx, const struct tcp_conn *tc)
{
    struct story_ctx *c = vctx;
    struct story_node **pp = slot(c, tc->stream);
    struct story_node *n = *pp;
    if (!n)
        return;
    *pp = n->next;
    c->open--;
    n->s.conn = tc;
    c->st.told++;
    if (c->cb)
        c->cb(c->cb_ctx, &n->s);
    free(n);
}

static void story_finish(void *vctx, const struct run_info *ri)
{
    (void)ri;
    struct story_ctx *c = vctx;
    /* the tracker hands every connection over before finish; anything left never got one */
    for (int b = 0; b < STORY_BUCKETS; b++) {
        while (c->bucket[b]) {
            struct story_node *n = c->bucket[b];
            c->bucket[b] = n->next;
            c->open--;
            c->st.told++;
            if (c->cb)
                c->cb(c->cb_ctx, &n->s);
            free(n);
        }
    }
}

struct sink story_sink(const struct story_opts *o, story_cb cb, void *ctx)
{
    struct story_ctx *c = xcalloc(1, sizeof *c);
    c->o = *o;
    if (!c->o.max_open)
        c->o.max_open = STORY_MAX_OPEN_DEFAULT;
    c->cb = cb;
    c->cb_ctx = ctx;
    struct sink s = {c, story_packet, story_conn, story_finish, NULL, NULL};
    return s;
}

const struct story_stats *story_sink_stats(const struct sink *s)
{
    const struct story_ctx *c = s->ctx;
    return &c->st;
}

void story_sink_free(struct sink *s)
{
    struct story_ctx *c = s->ctx;
    if (!c)
        return;
    for (int b = 0; b < STORY_BUCKETS; b++) {
        while (c->bucket[b]) {
            struct story_node *n = c->bucket[b];
            c->bucket[b] = n->next;
            free(n);
        }
    }
    free(c);
    s->ctx = NULL;
}
