/* summary: a connection's summary from the tracker's state (see conn_summary.h; the rules for
 * `began` and `ended` are in docs/analysis.md). */
#include "conn_summary.h"

#include <string.h>

#include "hot.h"
#include "tcp_state.h"
#include "zeek.h"

static const char *const began_names[][2] = {
    [BEGAN_HANDSHAKE] = {"handshake", "3-way handshake"},
    [BEGAN_SYN_ONLY] = {"syn_only", "SYN only"},
    [BEGAN_SYN_SYNACK] = {"syn_synack", "SYN, SYN-ACK, no ACK"},
    [BEGAN_SIMULTANEOUS] = {"simultaneous", "simultaneous open"},
    [BEGAN_MIDSTREAM] = {"no_handshake", "no handshake seen"},
};

static const char *const ended_names[][2] = {
    [ENDED_OPEN] = {"open", "still open"},
    [ENDED_FOUR_WAY] = {"four_way", "4-way close"},
    [ENDED_THREE_WAY] = {"three_way", "3-way close"},
    [ENDED_SIMULTANEOUS] = {"simultaneous", "simultaneous close"},
    [ENDED_RST_CLIENT] = {"rst_client", "RST by client"},
    [ENDED_RST_SERVER] = {"rst_server", "RST by server"},
    [ENDED_REFUSED] = {"refused", "refused"},
    [ENDED_HALF_CLOSED] = {"half_closed", "half-closed"},
};

#define NAMES_N(t) (sizeof t / sizeof t[0])

const char *conn_began_name(enum conn_began b)
{
    return (unsigned)b < NAMES_N(began_names) ? began_names[b][0] : "";
}

const char *conn_began_text(enum conn_began b)
{
    return (unsigned)b < NAMES_N(began_names) ? began_names[b][1] : "";
}

const char *conn_ended_name(enum conn_ended e)
{
    return (unsigned)e < NAMES_N(ended_names) ? ended_names[e][0] : "";
}

const char *conn_ended_text(enum conn_ended e)
{
    return (unsigned)e < NAMES_N(ended_names) ? ended_names[e][1] : "";
}

static void side_fill(struct conn_side *d, const struct tcp_flow *f, const struct addr *a,
                      uint16_t port)
{
    d->addr = *a;
    d->port = port;
    d->pkts = f->pkts;
    d->bytes = f->bytes;
    d->ip_bytes = f->ip_bytes;
    d->seq_bytes = zeek_size(&f->zk);
    d->missed_bytes = f->missed_bytes;
    d->retrans = f->retrans;
    d->lost = f->lost;
    d->zero_windows = f->zero_windows;
    d->dup_acks = f->dup_acks;
    d->out_of_order = f->out_of_order;
    d->keep_alives = f->keep_alives;
    d->syn = f->syn;
    d->synack = f->synack;
    d->fin = f->fin;
    d->rst = f->rst;
    d->fin_frame = f->fin_frame;
    d->rst_frame = f->rst_frame;
    d->mss = f->has_mss ? f->mss : 0;
    d->wscale = f->ws_offered;
    d->sack_perm = f->sack_perm;
    d->rfc_state = tcp_st_name(f->st);
}

static enum conn_began began_of(const struct tcp_conn *c, const struct conn_side *cl,
                                const struct conn_side *sv)
{
    if (c->simultaneous_open || (cl->syn && sv->syn))
        return BEGAN_SIMULTANEOUS;
    if (!cl->syn)
        return BEGAN_MIDSTREAM;
    if (c->handshake_done)
        return BEGAN_HANDSHAKE;
    return sv->synack ? BEGAN_SYN_SYNACK : BEGAN_SYN_ONLY;
}

static enum conn_ended ended_of(const struct tcp_conn *c, const struct conn_side *cl,
                                const struct conn_side *sv)
{
    uint64_t rst = 0;
    bool rst_by_client = false;
    if (cl->rst && (!sv->rst || cl->rst_frame <= sv->rst_frame)) {
        rst = cl->rst_frame;
        rst_by_client = true;
    } else if (sv->rst) {
        rst = sv->rst_frame;
    }
    /* a RST after the FIN exchange completed does not change how it ended */
    if (rst && !(c->fin_close_frame && c->fin_close_frame < rst)) {
        if (!rst_by_client && cl->syn && !sv->synack && !c->handshake_done && !sv->bytes)
            return ENDED_REFUSED;
        return rst_by_client ? ENDED_RST_CLIENT : ENDED_RST_SERVER;
    }
    if (cl->fin && sv->fin) {
        if (c->simultaneous_close)
            return ENDED_SIMULTANEOUS;
        return c->fin_ack_combined ? ENDED_THREE_WAY : ENDED_FOUR_WAY;
    }
    if (cl->fin || sv->fin)
        return ENDED_HALF_CLOSED;
    return ENDED_OPEN;
}

void conn_summarize(const struct tcp_conn *c, struct conn_summary *s)
{
    zero_fixed(s, sizeof *s); /* plain stores, not `rep stos` (hot.h) */
    bool cl1 = c->client != 2;
    const struct tcp_flow *fc = cl1 ? &c->flow1 : &c->flow2, *fs = cl1 ? &c->flow2 : &c->flow1;
    side_fill(&s->client, fc, cl1 ? &c->addr1 : &c->addr2, cl1 ? c->port1 : c->port2);
    side_fill(&s->server, fs, cl1 ? &c->addr2 : &c->addr1, cl1 ? c->port2 : c->port1);
    s->stream = c->stream;
    s->client_is_first = !(c->hist_len && c->history[0] == '^');
    s->ts_start = c->ts_first;
    s->ts_end = c->ts_last;
    s->duration = ts_diff(c->ts_last, c->ts_first);
    s->irtt = c->ts_first_rtt;
    s->pkts = s->client.pkts + s->server.pkts;
    s->first_frame = c->first_frame;
    s->last_frame = c->last_frame;
    s->retrans = s->client.retrans + s->server.retrans;
    s->lost = s->client.lost + s->server.lost;
    s->zero_windows = s->client.zero_windows + s->server.zero_windows;
    s->dup_acks = s->client.dup_acks + s->server.dup_acks;
    s->began = began_of(c, &s->client, &s->server);
    s->ended = ended_of(c, &s->client, &s->server);
    s->closed = c->closed;
    s->replaced = c->replaced;
    s->completeness = c->completeness;
    /* copied whole: conn_state's name comes NUL-padded, the tracker's history is zeroed past
     * its letters */
    _Static_assert(sizeof s->conn_state == 8, "zeek_conn_state gives 8 bytes");
    memcpy(s->conn_state, zeek_conn_state(c), sizeof s->conn_state);
    _Static_assert(sizeof s->history == sizeof c->history, "history sizes differ");
    memcpy(s->history, c->history, sizeof s->history);
    s->history[sizeof s->history - 1] = '\0';
    s->zeek_duration =
        c->ts_zeek_last > c->ts_first ? ts_diff(c->ts_zeek_last, c->ts_first) : 0;
}

static void side_merge(struct conn_side *a, const struct conn_side *b)
{
    a->pkts += b->pkts;
    a->bytes += b->bytes;
    a->ip_bytes += b->ip_bytes;
    a->seq_bytes += b->seq_bytes;
    a->missed_bytes += b->missed_bytes;
    a->retrans += b->retrans;
    a->lost += b->lost;
    a->zero_windows += b->zero_windows;
    a->dup_acks += b->dup_acks;
    a->out_of_order += b->out_of_order;
    a->keep_alives += b->keep_alives;
    a->syn |= b->syn;
    a->synack |= b->synack;
    a->fin |= b->fin;
    a->rst |= b->rst;
    if (!a->fin_frame)
        a->fin_frame = b->fin_frame;
    if (!a->rst_frame)
        a->rst_frame = b->rst_frame;
    if (!a->mss)
        a->mss = b->mss;
    if (a->wscale < 0)
        a->wscale = b->wscale;
    a->sack_perm |= b->sack_perm;
    a->rfc_state = b->rfc_state;
}

void conn_summary_merge(struct conn_summary *a, const struct conn_summary *b)
{
    /* the later part may have guessed the client the other way round */
    bool same = b->client.port == a->client.port && addr_eq(&b->client.addr, &a->client.addr);
    side_merge(&a->client, same ? &b->client : &b->server);
    side_merge(&a->server, same ? &b->server : &b->client);
    int64_t zeek_last = a->ts_start + a->zeek_duration;
    if (!a->closed && b->pkts) {
        int64_t bl = b->ts_start + b->zeek_duration;
        if (bl > zeek_last)
            zeek_last = bl;
    }
    a->zeek_duration = zeek_last > a->ts_start ? ts_diff(zeek_last, a->ts_start) : 0;
    if (b->ts_end > a->ts_end)
        a->ts_end = b->ts_end;
    a->duration = ts_diff(a->ts_end, a->ts_start);
    if (a->irtt <= 0)
        a->irtt = b->irtt;
    a->pkts = a->client.pkts + a->server.pkts;
    if (b->last_frame > a->last_frame)
        a->last_frame = b->last_frame;
    a->retrans = a->client.retrans + a->server.retrans;
    a->lost = a->client.lost + a->server.lost;
    a->zero_windows = a->client.zero_windows + a->server.zero_windows;
    a->dup_acks = a->client.dup_acks + a->server.dup_acks;
    if (b->ended != ENDED_OPEN)
        a->ended = b->ended;
    a->closed |= b->closed;
    a->replaced = b->replaced;
    a->completeness |= b->completeness;
    /* Zeek: the later part alone began mid-stream ("OTH"); otherwise its state is the last */
    if (strcmp(b->conn_state, "OTH"))
        memcpy(a->conn_state, b->conn_state, sizeof a->conn_state);
    size_t n = strlen(a->history);
    for (const char *h = b->history; *h && n + 1 < sizeof a->history; h++) {
        char l = *h; /* upper case: the client's; b's sides may be the other way round */
        if (!same && l >= 'a' && l <= 'z')
            l = (char)(l - 'a' + 'A');
        else if (!same && l >= 'A' && l <= 'Z')
            l = (char)(l - 'A' + 'a');
        if (l != '^' && !strchr(a->history, l)) {
            a->history[n++] = l;
            a->history[n] = '\0';
        }
    }
}
