/* summary: endpoint states (RFC 9293 §3.3.2), phases and steps of each segment.
 *
 * The states are inferred from what the capture shows, taking each segment as delivered: a FIN
 * moves its receiver from ESTABLISHED to CLOSE-WAIT at once, an ACK of a FIN moves the FIN's
 * sender from FIN-WAIT-1 to FIN-WAIT-2, and so on. A connection whose start was not captured is
 * assumed ESTABLISHED on both sides. A listening server stays in LISTEN until it answers a SYN.
 *
 * Steps: handshake.1 (SYN), handshake.2 (SYN+ACK), handshake.3 (the ACK that completes it);
 * teardown.1 (the first FIN), teardown.2 (the ACK of the first FIN), teardown.3 (the second
 * FIN), teardown.4 (the ACK of the second FIN); "teardown.2+3" when one segment both
 * acknowledges the first FIN and carries the second (the three-packet close); a second FIN that
 * does not acknowledge the first crossed it on the way (simultaneous close: both sides go
 * through CLOSING to TIME-WAIT); reset.refused
 * (a RST answering a SYN) and reset.abort (any other RST). */
#include "tcp_state.h"

#include <stdio.h>
#include <string.h>

#include "tcp_seq.h"
#include "zeek.h"

static const char *const st_names[] = {
    [ST_NONE] = "",
    [ST_CLOSED] = "CLOSED",
    [ST_LISTEN] = "LISTEN",
    [ST_SYN_SENT] = "SYN-SENT",
    [ST_SYN_RECEIVED] = "SYN-RECEIVED",
    [ST_ESTABLISHED] = "ESTABLISHED",
    [ST_FIN_WAIT_1] = "FIN-WAIT-1",
    [ST_FIN_WAIT_2] = "FIN-WAIT-2",
    [ST_CLOSE_WAIT] = "CLOSE-WAIT",
    [ST_CLOSING] = "CLOSING",
    [ST_LAST_ACK] = "LAST-ACK",
    [ST_TIME_WAIT] = "TIME-WAIT",
};

const char *tcp_st_name(enum tcp_st st)
{
    if ((unsigned)st >= sizeof st_names / sizeof st_names[0])
        return "";
    return st_names[st];
}

const char *tcp_phase_name(enum tcp_phase ph)
{
    switch (ph) {
    case PH_HANDSHAKE: return "handshake";
    case PH_DATA: return "data";
    case PH_TEARDOWN: return "teardown";
    case PH_RESET: return "reset";
    default: return "";
    }
}

/* The step names, each padded to the size of tcp_rec.step so one fixed-size copy fills it. */
enum step {
    S_NONE, S_HS1, S_HS2, S_HS3, S_TD1, S_TD2, S_TD23, S_TD3, S_TD4, S_RST_REFUSED, S_RST_ABORT
};
static const char step_names[][sizeof ((struct tcp_rec *)0)->step] = {
    [S_NONE] = "",
    [S_HS1] = "handshake.1",
    [S_HS2] = "handshake.2",
    [S_HS3] = "handshake.3",
    [S_TD1] = "teardown.1",
    [S_TD2] = "teardown.2",
    [S_TD23] = "teardown.2+3",
    [S_TD3] = "teardown.3",
    [S_TD4] = "teardown.4",
    [S_RST_REFUSED] = "reset.refused",
    [S_RST_ABORT] = "reset.abort",
};

/* Decide who is the client when the first segment of a conversation is seen. */
static void pick_client(struct tcp_conn *c, bool from1, const struct pkt *p)
{
    uint16_t f = p->tcp.flags;
    bool sender_is_client;
    if ((f & (TH_SYN | TH_ACK)) == TH_SYN) {
        sender_is_client = true;
        c->syn_seen_first = true;
    } else if ((f & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
        sender_is_client = false;
    } else if (p->sport < 1024 && p->dport >= 1024) {
        sender_is_client = false; /* midstream: the well-known port is the server's */
    } else if (p->dport < 1024 && p->sport >= 1024) {
        sender_is_client = true;
    } else {
        sender_is_client = p->sport > p->dport;
    }
    c->client = (uint8_t)((sender_is_client == from1) ? 1 : 2);
    struct tcp_flow *cl = c->client == 1 ? &c->flow1 : &c->flow2;
    struct tcp_flow *sv = c->client == 1 ? &c->flow2 : &c->flow1;
    if ((f & (TH_SYN | TH_ACK)) == TH_SYN) {
        cl->st = ST_CLOSED;
        sv->st = ST_LISTEN;
    } else if ((f & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
        cl->st = ST_SYN_SENT;
        sv->st = ST_LISTEN;
    } else {
        cl->st = ST_ESTABLISHED;
        sv->st = ST_ESTABLISHED;
    }
}

/* The sender's counters of the connection summary. */
static inline void count(struct tcp_flow *fwd, const struct pkt *p, const struct tcp_rec *r)
{
    fwd->pkts++;
    if (p->tcp.have_seglen)
        fwd->bytes += p->tcp.seglen;
    fwd->ip_bytes += p->ip_len;
    if (r->flags) {
        if (r->flags & (TA_RETRANSMISSION | TA_FAST_RETRANSMISSION | TA_SPURIOUS_RETRANSMISSION))
            fwd->retrans++;
        if (r->flags & TA_LOST_PACKET)
            fwd->lost++;
        if (r->flags & TA_ZERO_WINDOW)
            fwd->zero_windows++;
        if (r->flags & TA_DUPLICATE_ACK)
            fwd->dup_acks++;
        if (r->flags & TA_OUT_OF_ORDER)
            fwd->out_of_order++;
        if (r->flags & TA_KEEP_ALIVE)
            fwd->keep_alives++;
    }
}

__attribute__((noinline)) static void update_full(struct tcp_conn *c, struct tcp_flow *fwd,
                                                  struct tcp_flow *rev, const struct pkt *p,
                                                  struct tcp_rec *r, bool lean)
{
    const struct pkt_tcp *th = &p->tcp;
    uint16_t f = th->flags;
    bool from1 = fwd == &c->flow1;
    if (c->client == 0)
        pick_client(c, from1, p);
    if (!lean)
        r->from_client = (c->client == 1) == from1;

    count(fwd, p, r);
    if (f & TH_SYN) {
        if (f & TH_ACK)
            fwd->synack = true;
        else
            fwd->syn = true;
        if (th->opt.has_mss) {
            fwd->has_mss = true;
            fwd->mss = th->opt.mss;
        }
        if (th->opt.sack_perm)
            fwd->sack_perm = true;
        if (th->opt.has_ts)
            fwd->ts_ok = true;
        if (th->opt.has_ws)
            fwd->ws_offered = th->opt.wscale;
    }

    enum tcp_phase ph = PH_DATA;
    enum step step = S_NONE;
    bool retrans = (r->flags & (TA_RETRANSMISSION | TA_FAST_RETRANSMISSION |
                                TA_SPURIOUS_RETRANSMISSION | TA_OUT_OF_ORDER)) != 0;

    /* an ACK that covers the peer's FIN */
    bool acks_fin = (f & TH_ACK) && rev->fin && !rev->fin_acked &&
                    SEQ_GEQ(th->ack, rev->fin_seq);
    bool acks_syn_first = false;

    if (f & TH_RST) {
        ph = PH_RESET;
        bool refused = (rev->st == ST_SYN_SENT && !rev->synack) ||
                       (fwd->st == ST_LISTEN && !fwd->synack);
        step = refused ? S_RST_REFUSED : S_RST_ABORT;
        if (!fwd->rst) {
            fwd->rst = true;
            fwd->rst_frame = p->frame;
        }
        fwd->st = ST_CLOSED;
        rev->st = ST_CLOSED;
        c->closed = true;
    } else if ((f & (TH_SYN | TH_ACK)) == TH_SYN) {
        ph = PH_HANDSHAKE;
        step = S_HS1;
        if (fwd->st == ST_NONE || fwd->st == ST_CLOSED || fwd->st == ST_LISTEN) {
            if (rev->st == ST_SYN_SENT) {
                /* simultaneous open: both sent SYNs */
                c->simultaneous_open = true;
                fwd->st = ST_SYN_RECEIVED;
                rev->st = ST_SYN_RECEIVED;
            } else {
                fwd->st = ST_SYN_SENT;
                if (rev->st == ST_NONE || rev->st == ST_CLOSED)
                    rev->st = ST_LISTEN;
            }
        }
    } else if ((f & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
        ph = PH_HANDSHAKE;
        step = S_HS2;
        if (fwd->st == ST_NONE || fwd->st == ST_LISTEN || fwd->st == ST_CLOSED ||
            fwd->st == ST_SYN_SENT)
            fwd->st = ST_SYN_RECEIVED;
        if (rev->st == ST_SYN_SENT || rev->st == ST_SYN_RECEIVED || rev->st == ST_NONE)
            rev->st = ST_ESTABLISHED;
    } else {
        if ((f & TH_ACK) && rev->st == ST_SYN_RECEIVED && rev->synack) {
            rev->st = ST_ESTABLISHED;
            if (fwd->st == ST_SYN_SENT || fwd->st == ST_SYN_RECEIVED)
                fwd->st = ST_ESTABLISHED;
            acks_syn_first = true;
            c->handshake_done = true;
        }
        if (acks_syn_first) {
            ph = (th->seglen > 0 && !(f & TH_FIN)) ? PH_DATA : PH_HANDSHAKE;
            step = S_HS3;
        } else if (fwd->st == ST_SYN_SENT || fwd->st == ST_SYN_RECEIVED ||
                   rev->st == ST_SYN_SENT) {
            ph = PH_HANDSHAKE;
        }
        /* the ACK part of the segment first: it may complete the peer's close */
        if (acks_fin) {
            rev->fin_acked = true;
            switch (rev->st) {
            case ST_FIN_WAIT_1: rev->st = ST_FIN_WAIT_2; break;
            case ST_CLOSING: rev->st = ST_TIME_WAIT; break;
            case ST_LAST_ACK: rev->st = ST_CLOSED; break;
            default: break;
            }
            ph = PH_TEARDOWN;
            bool rev_first = !fwd->fin || rev->fin_frame < fwd->fin_frame;
            step = rev_first ? S_TD2 : S_TD4;
        }
        if (f & TH_FIN) {
            ph = PH_TEARDOWN;
            bool first = !rev->fin && !fwd->fin;
            bool again = fwd->fin; /* a retransmitted FIN */
            if (!fwd->fin) {
                fwd->fin = true;
                fwd->fin_frame = p->frame;
                /* raw seq after the FIN: what the peer's ACK must reach */
                fwd->fin_seq = th->seq + th->seglen + 1;
            }
            if (again) {
                bool was_first = !rev->fin || fwd->fin_frame < rev->fin_frame;
                step = was_first ? S_TD1 : S_TD3;
            } else if (first) {
                step = S_TD1;
            } else {
                step = acks_fin && step == S_TD2 ? S_TD23 : S_TD3;
                if (step == S_TD23)
                    c->fin_ack_combined = true;
            }
            /* a FIN that does not acknowledge the peer's earlier FIN was sent before that FIN
             * arrived: the two crossed (simultaneous close), both sides go through CLOSING */
            bool crossed = !again && rev->fin && !rev->fin_acked && fwd->st == ST_CLOSE_WAIT &&
                           rev->st == ST_FIN_WAIT_1 &&
                           !((f & TH_ACK) && SEQ_GEQ(th->ack, rev->fin_seq));
            if (crossed) {
                fwd->st = ST_CLOSING;
                rev->st = ST_CLOSING;
                c->simultaneous_close = true;
            } else if (!again) {
                switch (fwd->st) {
                case ST_CLOSE_WAIT: fwd->st = ST_LAST_ACK; break;
                case ST_ESTABLISHED: case ST_SYN_RECEIVED: case ST_NONE:
                    fwd->st = ST_FIN_WAIT_1;
                    break;
                default: break;
                }
                switch (rev->st) {
                case ST_ESTABLISHED: case ST_SYN_RECEIVED: case ST_NONE:
                    rev->st = ST_CLOSE_WAIT;
                    break;
                case ST_FIN_WAIT_1: /* simultaneous close */
                    rev->st = ST_CLOSING;
                    c->simultaneous_close = true;
                    break;
                case ST_FIN_WAIT_2: rev->st = ST_TIME_WAIT; break;
                default: break;
                }
            }
        } else if (!acks_fin && (fwd->fin || rev->fin)) {
            /* after a FIN: data still flowing the other way is a half-close, the rest
             * belongs to the close */
            ph = (th->seglen > 0 && !fwd->fin) ? PH_DATA : PH_TEARDOWN;
        }
    }
    (void)retrans;
    if (!c->fin_close_frame && fwd->fin && fwd->fin_acked && rev->fin && rev->fin_acked)
        c->fin_close_frame = p->frame;
    if ((fwd->fin && fwd->fin_acked && rev->fin && rev->fin_acked) ||
        (fwd->st == ST_CLOSED && rev->st == ST_CLOSED) ||
        (fwd->st == ST_TIME_WAIT && rev->st == ST_CLOSED) ||
        (rev->st == ST_TIME_WAIT && fwd->st == ST_CLOSED)) {
        c->closed = true;
    }
    if (!lean) {
        r->phase = ph;
        /* one fixed-size copy of the padded name */
        memcpy(r->step, step_names[step], sizeof r->step);
        const struct tcp_flow *cl = tcp_conn_client(c), *sv = tcp_conn_server(c);
        r->st_client = cl->st;
        r->st_server = sv->st;
    }
    zeek_update(c, fwd, rev, p, r);
}

void tcp_state_update(struct tcp_conn *c, struct tcp_flow *fwd, struct tcp_flow *rev,
                      const struct pkt *p, struct tcp_rec *r, bool lean)
{
    /* The common segment: no SYN, FIN or RST, both sides established and neither has sent a
     * FIN. update_full comes to this for it: a data-phase segment, no step, no state change. */
    if (!c->client || (p->tcp.flags & (TH_SYN | TH_FIN | TH_RST)) ||
        fwd->st != ST_ESTABLISHED || rev->st != ST_ESTABLISHED || fwd->fin || rev->fin) {
        update_full(c, fwd, rev, p, r, lean);
        return;
    }
    if (!lean) {
        r->from_client = (c->client == 1) == (fwd == &c->flow1);
        r->phase = PH_DATA;
        r->st_client = ST_ESTABLISHED;
        r->st_server = ST_ESTABLISHED;
    }
    count(fwd, p, r);
    zeek_update(c, fwd, rev, p, r);
}
