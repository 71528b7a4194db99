/* summary: Zeek's view of a TCP connection: each endpoint's TCP_Endpoint state, the history
 * string and conn_state, restated from Zeek's TCPSessionAdapter (DeliverPacket,
 * UpdateStateMachine and the Update*State functions, update_history, update_window,
 * update_last_seq) and base/protocols/conn/main.zeek (conn_state). docs/analysis.md lists the
 * rules in words.
 *
 * Zeek's originator is tcplens's client (the sender of the first SYN; for a capture that starts
 * with the SYN-ACK or midstream, the side tcp_state.c picks, and the history then starts with
 * '^' as Zeek's does when it flips the roles). Per packet, in Zeek's order: the endpoint's
 * sequence bookkeeping is initialised, the history letter recorded, zero windows noted, the
 * connection's last time moved (only while not both sides have closed), retransmissions noted
 * (payload that does not advance the highest sequence number), then the state machine. */
#include "zeek.h"

#include <string.h>

#include "tcp_state.h"

/* the once-per-direction letters (Zeek's HIST_* masks; the responder's are shifted by 8) */
#define HIST_SYN 0x01
#define HIST_FIN 0x02
#define HIST_RST 0x04
#define HIST_FIN_RST 0x08
#define HIST_DATA 0x10
#define HIST_ACK 0x20
#define HIST_MULTI 0x40

static void add_history(struct tcp_conn *c, char code)
{
    if (c->hist_len + 1 < (int)sizeof c->history) {
        c->history[c->hist_len++] = code;
        c->history[c->hist_len] = '\0';
    }
}

/* The responder's letters are the lower-case ones (every code is an ASCII capital). */
static char side_code(bool is_orig, char code)
{
    return is_orig ? code : (char)(code | 0x20);
}

static void record_history(struct tcp_conn *c, bool is_orig, uint16_t mask, char code)
{
    c->hist_seen |= mask;
    add_history(c, side_code(is_orig, code));
}

/* Record code unless this direction already has it; true if it was already there. */
static inline bool check_history(struct tcp_conn *c, bool is_orig, uint16_t mask, char code)
{
    if (!is_orig)
        mask = (uint16_t)(mask << 8);
    if (c->hist_seen & mask)
        return true;
    record_history(c, is_orig, mask, code);
    return false;
}

/* Zeek's ScaledHistoryEntry with base 10: the 1st, 10th, 100th ... occurrence is recorded. */
static void scaled_history(struct tcp_conn *c, bool is_orig, char code, uint32_t *cnt,
                           uint32_t *thr)
{
    if (*thr == 0)
        *thr = 1;
    if (++*cnt == *thr) {
        add_history(c, side_code(is_orig, code));
        uint32_t next = *thr * 10u;
        if (next <= *thr)
            *cnt = 0;
        else
            *thr = next;
    }
}

static void set_state(struct zeek_ep *e, uint8_t st)
{
    e->prev_state = e->state;
    e->state = st;
}

static void init_endpoint(struct zeek_ep *e, bool syn, uint32_t seq, uint32_t one_past,
                          bool first)
{
    if (first) {
        if (syn) {
            e->start_seq = seq;
            e->last_seq = one_past;
        } else {
            /* a partial connection: numbered as though a SYN had been seen */
            e->start_seq = seq - 1;
            e->last_seq = seq;
        }
        e->span = e->last_seq - e->start_seq;
        return;
    }
    if (syn && e->state != ZK_RESET && e->state != ZK_CLOSED && seq != e->start_seq) {
        /* SYN_seq_jump / a SYN inside the connection: it (re)starts the numbering */
        e->start_seq = seq;
        e->last_seq = one_past;
        e->span = one_past - seq;
    }
}

static void update_history(struct tcp_conn *c, struct zeek_ep *e, bool is_orig, uint16_t f,
                           uint32_t rel_seq, uint32_t len)
{
    int bits = !!(f & TH_SYN) + !!(f & TH_FIN) + !!(f & TH_RST);
    if (bits > 1) {
        if ((f & TH_FIN) && (f & TH_RST))
            check_history(c, is_orig, HIST_FIN_RST, 'I');
        else
            check_history(c, is_orig, HIST_MULTI, 'Q');
    } else if (bits == 1) {
        if (f & TH_SYN) {
            char code = (f & TH_ACK) ? 'H' : 'S';
            if (check_history(c, is_orig, HIST_SYN, code) && rel_seq != e->hist_last_syn)
                add_history(c, side_code(is_orig, code));
            e->hist_last_syn = rel_seq;
        }
        if (f & TH_FIN) {
            /* a FIN's place is at the end of its data */
            if (check_history(c, is_orig, HIST_FIN, 'F') && rel_seq + len != e->hist_last_fin)
                add_history(c, side_code(is_orig, 'F'));
            e->hist_last_fin = rel_seq + len;
        }
        if (f & TH_RST) {
            if (check_history(c, is_orig, HIST_RST, 'R') && rel_seq != e->hist_last_rst)
                add_history(c, side_code(is_orig, 'R'));
            e->hist_last_rst = rel_seq;
        }
    } else if (len) {
        check_history(c, is_orig, HIST_DATA, 'D');
    } else if (f & TH_ACK) {
        check_history(c, is_orig, HIST_ACK, 'A');
    }
}

static void update_last_seq(struct tcp_conn *c, struct zeek_ep *e, bool is_orig, uint16_t f,
                            uint32_t one_past, uint32_t len)
{
    int32_t delta = (int32_t)(one_past - e->last_seq);
    if ((f & (TH_SYN | TH_RST)) && (delta > 16384 || delta < -16384))
        return; /* outlandish SYN/RST numbers are not trusted */
    if ((f & TH_FIN) && e->last_seq == e->start_seq + 1) {
        e->span += one_past - e->last_seq;
        e->last_seq = one_past;
    } else if (e->state == ZK_RESET) {
        return;
    } else if (delta > 0) {
        e->span += (uint32_t)delta;
        e->last_seq = one_past;
    } else if (len > 0) {
        scaled_history(c, is_orig, 'T', &e->rxmit, &e->rxmit_thr);
    }
}

static bool inactive(uint8_t st)
{
    return st == ZK_INACTIVE || st == ZK_PARTIAL;
}

/* UpdateStateMachine: returns true when the endpoint closes (FIN or RST: Zeek's do_close). */
static bool state_machine(struct zeek_ep *e, struct zeek_ep *peer, struct zeek_ep *orig,
                          bool is_orig, uint16_t f, uint32_t len)
{
    bool syn = f & TH_SYN, fin = f & TH_FIN, rst = f & TH_RST, ack = f & TH_ACK;
    bool close = false;
    switch (e->state) {
    case ZK_INACTIVE:
        if (syn) {
            if (is_orig) {
                set_state(e, ack ? ZK_SYN_ACK_SENT : ZK_SYN_SENT);
            } else {
                if (peer->state == ZK_SYN_SENT)
                    set_state(peer, ZK_ESTABLISHED);
                set_state(e, ZK_ESTABLISHED);
            }
        }
        if (fin) {
            set_state(e, ZK_CLOSED);
            close = true;
        }
        if (rst) {
            set_state(e, ZK_RESET);
            close = true;
        }
        if (e->state == ZK_INACTIVE) {
            if (!is_orig && len == 0 && orig->state == ZK_SYN_SENT)
                ; /* an ACK of the SYN before the SYN-ACK: not yet a partial connection */
            else if (ack && peer->state == ZK_ESTABLISHED)
                set_state(e, ZK_ESTABLISHED); /* the SYN was missed, the SYN-ACK seen */
            else
                set_state(e, ZK_PARTIAL);
        }
        break;
    case ZK_SYN_SENT:
    case ZK_SYN_ACK_SENT:
        if (fin) {
            set_state(e, ZK_CLOSED);
            close = true;
        }
        if (rst) {
            set_state(e, ZK_RESET);
            close = true;
        }
        break;
    case ZK_ESTABLISHED:
    case ZK_PARTIAL:
        if (syn && e->state == ZK_PARTIAL && peer->state == ZK_INACTIVE && !ack)
            set_state(e, ZK_SYN_SENT);
        if (fin && !rst) {
            set_state(e, ZK_CLOSED);
            /* the peer sent FIN then RST: that was a normal termination */
            if (peer->state == ZK_RESET && peer->prev_state == ZK_CLOSED)
                set_state(peer, ZK_CLOSED);
            close = true;
        }
        if (rst) {
            set_state(e, ZK_RESET);
            close = true;
        }
        break;
    case ZK_CLOSED:
        if (rst) {
            set_state(e, ZK_RESET);
            if (!e->did_close)
                close = true;
        }
        break;
    case ZK_RESET:
    default:
        break;
    }
    return close;
}

/* Every segment, in Zeek's order (see the top of the file). */
__attribute__((noinline)) static void update_full(struct tcp_conn *c, struct tcp_flow *fwd,
                                                  struct tcp_flow *rev, const struct pkt *p,
                                                  const struct tcp_rec *r)
{
    const struct tcp_flow *cl = tcp_conn_client(c);
    bool is_orig = fwd == cl;
    struct zeek_ep *e = &fwd->zk, *peer = &rev->zk;
    struct zeek_ep *orig = is_orig ? e : peer;
    const struct pkt_tcp *th = &p->tcp;
    uint16_t f = th->flags;
    uint32_t len = th->have_seglen ? th->seglen : 0;
    uint32_t seq = th->seq;
    uint32_t one_past = seq + len + !!(f & TH_SYN) + !!(f & TH_FIN);
    int64_t now = ts_ns(p->ts_sec, p->ts_nsec);

    if (c->pkts == 1 && !is_orig)
        add_history(c, '^');
    bool first = fwd->pkts == 1;
    init_endpoint(e, f & TH_SYN, seq, one_past, first);
    update_history(c, e, is_orig, f, seq - e->start_seq, len);
    if (th->win == 0 && !(f & TH_RST) && peer->state != ZK_CLOSED && e->state != ZK_RESET)
        scaled_history(c, is_orig, 'W', &e->zwin, &e->zwin_thr);
    if (!e->did_close || !peer->did_close)
        c->ts_zeek_last = now;
    update_last_seq(c, e, is_orig, f, one_past, len);
    if (f & TH_FIN)
        e->fin_seen = true;
    if (r->gaps_acked) {
        /* the peer's data this ACK passes over was never seen: Zeek's content gap */
        for (uint32_t i = 0; i < r->gaps_acked; i++)
            scaled_history(c, !is_orig, 'G', &peer->gaps, &peer->gaps_thr);
    }
    if (state_machine(e, peer, orig, is_orig, f, len))
        e->did_close = true;
}

void zeek_update(struct tcp_conn *c, struct tcp_flow *fwd, struct tcp_flow *rev,
                 const struct pkt *p, const struct tcp_rec *r)
{
    const struct pkt_tcp *th = &p->tcp;
    uint16_t f = th->flags;
    struct zeek_ep *e = &fwd->zk;
    /* The common segment (no SYN, FIN or RST, a non-zero window, no gap passed, on an
     * endpoint already established or partial, not its first): what update_full comes to for
     * it, without the rest of its tests. */
    if ((f & (TH_SYN | TH_FIN | TH_RST)) || !th->win || r->gaps_acked || fwd->pkts == 1 ||
        (e->state != ZK_ESTABLISHED && e->state != ZK_PARTIAL)) {
        update_full(c, fwd, rev, p, r);
        return;
    }
    bool is_orig = fwd == tcp_conn_client(c);
    uint32_t len = th->have_seglen ? th->seglen : 0;
    if (len)
        check_history(c, is_orig, HIST_DATA, 'D');
    else if (f & TH_ACK)
        check_history(c, is_orig, HIST_ACK, 'A');
    if (!e->did_close || !rev->zk.did_close)
        c->ts_zeek_last = ts_ns(p->ts_sec, p->ts_nsec);
    uint32_t one_past = th->seq + len;
    int32_t delta = (int32_t)(one_past - e->last_seq);
    if (delta > 0) {
        e->span += (uint32_t)delta;
        e->last_seq = one_past;
    } else if (len > 0) {
        scaled_history(c, is_orig, 'T', &e->rxmit, &e->rxmit_thr);
    }
}

uint64_t zeek_size(const struct zeek_ep *e)
{
    if (e->state == ZK_INACTIVE && e->span == 0)
        return 0;
    uint64_t size = e->span;
    if (size == 0)
        return 0;
    size--; /* the SYN's (real or assumed) sequence number */
    if (e->fin_seen && size)
        size--;
    return size;
}

/* The names, each padded to 8 bytes (conn_summary's conn_state): one fixed-size copy takes one. */
enum { CS_REJ, CS_RSTRH, CS_RSTR, CS_RSTOS0, CS_OTH, CS_RSTO, CS_SF, CS_SH, CS_S2, CS_SHR, CS_S3, CS_S0,
       CS_S1 };
static const char cs_names[][8] = {
    [CS_REJ] = "REJ",
    [CS_RSTRH] = "RSTRH",
    [CS_RSTR] = "RSTR",
    [CS_RSTOS0] = "RSTOS0",
    [CS_OTH] = "OTH",
    [CS_RSTO] = "RSTO",
    [CS_SF] = "SF",
    [CS_SH] = "SH",
    [CS_S2] = "S2",
    [CS_SHR] = "SHR",
    [CS_S3] = "S3",
    [CS_S0] = "S0",
    [CS_S1] = "S1",
};

const char *zeek_conn_state(const struct tcp_conn *c)
{
    const struct zeek_ep *o = &tcp_conn_client(c)->zk, *rs = &tcp_conn_server(c)->zk;
    uint8_t os = o->state, rst = rs->state;
    bool o_inactive = inactive(os), r_inactive = inactive(rst);
    if (rst == ZK_RESET) {
        if (os == ZK_SYN_SENT || os == ZK_SYN_ACK_SENT ||
            (os == ZK_RESET && zeek_size(o) == 0 && zeek_size(rs) == 0))
            return cs_names[CS_REJ];
        return cs_names[o_inactive ? CS_RSTRH : CS_RSTR];
    }
    if (os == ZK_RESET) {
        if (r_inactive) {
            /* history matches ^?S[^HAFGIQ]*R */
            const char *h = c->history;
            if (*h == '^')
                h++;
            if (*h == 'S') {
                for (h++; *h && !strchr("HAFGIQ", *h); h++)
                    if (*h == 'R')
                        return cs_names[CS_RSTOS0];
            }
            return cs_names[CS_OTH];
        }
        return cs_names[CS_RSTO];
    }
    if (rst == ZK_CLOSED && os == ZK_CLOSED)
        return cs_names[CS_SF];
    if (os == ZK_CLOSED)
        return cs_names[r_inactive ? CS_SH : CS_S2];
    if (rst == ZK_CLOSED)
        return cs_names[o_inactive ? CS_SHR : CS_S3];
    if (os == ZK_SYN_SENT && rst == ZK_INACTIVE)
        return cs_names[CS_S0];
    if (os == ZK_ESTABLISHED && rst == ZK_ESTABLISHED)
        return cs_names[CS_S1];
    return cs_names[CS_OTH];
}
