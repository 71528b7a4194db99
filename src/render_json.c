/* summary: the packet record as JSON Lines (docs/json.md). */
#include "render.h"

#include <stdlib.h>
#include <string.h>

#include "render_info.h"
#include "xalloc.h"

struct json_ctx {
    struct obuf *ob;
    struct obuf info;
};

/* ,"k": as one literal (k must be a string literal), so that each key is one fixed-size copy */
#define key(ob, k) ob_write((ob), ",\"" k "\":", sizeof(",\"" k "\":") - 1)

static void json_packet(void *vctx, const struct pkt_event *ev)
{
    struct json_ctx *c = vctx;
    struct obuf *ob = c->ob;
    const struct pkt *p = ev->pkt;
    const struct tcp_rec *r = ev->tcp;
    char a[64];
    ob_puts(ob, "{\"frame\":");
    ob_u64(ob, p->frame);
    key(ob, "time");
    ob_fixed(ob, ev->t_rel / 1000, 6);
    key(ob, "ts");
    ob_fixed(ob, ev->t_abs / 1000, 6);
    key(ob, "caplen");
    ob_u64(ob, p->caplen);
    key(ob, "wirelen");
    ob_u64(ob, p->wirelen);
    if (p->src.family && p->l3 != L3_ARP) {
        key(ob, "src");
        ob_putc(ob, '"');
        ob_write(ob, a, info_addr(&p->src, a));
        ob_putc(ob, '"');
        key(ob, "dst");
        ob_putc(ob, '"');
        ob_write(ob, a, info_addr(&p->dst, a));
        ob_putc(ob, '"');
    }
    bool ports = (p->l4 == L4_TCP && p->tcp.have_hdr) || (p->l4 == L4_UDP && p->udp.len) ||
                 (p->l4 == L4_TCP && p->sport);
    if (ports && !p->frag) {
        key(ob, "sport");
        ob_u64(ob, p->sport);
        key(ob, "dport");
        ob_u64(ob, p->dport);
    }
    key(ob, "proto");
    ob_json_cstr(ob, info_proto(ev));
    key(ob, "info");
    if (!c->info.buf) /* allocated on the first packet: a run that fails to open delivers none */
        ob_init_mem(&c->info, 1 << 16);
    ob_reset(&c->info);
    struct info_opts io = {false, true};
    info_build(&c->info, ev, &io);
    ob_json_str(ob, c->info.buf, c->info.len);
    if (p->l4 == L4_TCP && p->tcp.have_hdr && !p->frag) {
        const struct pkt_tcp *t = &p->tcp;
        if (t->have_seglen) {
            key(ob, "len");
            ob_u64(ob, t->seglen);
        }
    }
    if (r) {
        key(ob, "stream");
        ob_u64(ob, r->stream);
    }
    if (r && !r->inner) {
        const struct pkt_tcp *t = &p->tcp;
        key(ob, "flags");
        ob_putc(ob, '"');
        if (t->flags & 0x1FF)
            info_tcp_flags(ob, t->flags & 0x1FF, ",");
        ob_putc(ob, '"');
        key(ob, "seq");
        ob_u64(ob, r->seq);
        key(ob, "ack");
        ob_u64(ob, r->ack);
        key(ob, "seq_raw");
        ob_u64(ob, t->seq);
        key(ob, "ack_raw");
        ob_u64(ob, t->ack);
        key(ob, "win");
        ob_u64(ob, r->win);
    }
    if (r) {
        key(ob, "analysis");
        ob_putc(ob, '[');
        bool first = true;
        for (int i = 0; i < ta_names_count; i++) {
            uint16_t b = ta_names[i].bit;
            bool on = (r->flags & b) != 0;
            if (b == TA_DUPLICATE_ACK && !r->dupack_num)
                on = false;
            /* as in tshark's fields, fast and spurious retransmissions are retransmissions */
            if (b == TA_RETRANSMISSION &&
                (r->flags & (TA_FAST_RETRANSMISSION | TA_SPURIOUS_RETRANSMISSION)))
                on = true;
            if (!on)
                continue;
            if (!first)
                ob_putc(ob, ',');
            first = false;
            ob_putc(ob, '"');
            ob_puts(ob, ta_names[i].field);
            ob_putc(ob, '"');
        }
        ob_putc(ob, ']');
        if (r->dupack_num) {
            key(ob, "dup_ack_num");
            ob_u64(ob, r->dupack_num);
            key(ob, "dup_ack_frame");
            ob_u64(ob, r->dupack_frame);
        }
        if (r->acks_frame) {
            key(ob, "acks_frame");
            ob_u64(ob, r->acks_frame);
            if (r->ack_rtt > 0) {
                key(ob, "ack_rtt");
                ob_fixed(ob, r->ack_rtt, 9);
            }
        }
        if (r->irtt > 0) {
            key(ob, "irtt");
            ob_fixed(ob, r->irtt, 9);
        }
        if (!r->inner) {
            key(ob, "phase");
            ob_json_cstr(ob, tcp_phase_name(r->phase));
            if (r->step[0]) {
                key(ob, "step");
                ob_json_cstr(ob, r->step);
            }
            key(ob, "state");
            ob_puts(ob, "{\"client\":");
            ob_json_cstr(ob, tcp_st_name(r->st_client));
            ob_puts(ob, ",\"server\":");
            ob_json_cstr(ob, tcp_st_name(r->st_server));
            ob_putc(ob, '}');
        }
    }
    if (p->status != DIS_OK && p->bad_reason) {
        key(ob, "malformed");
        ob_putc(ob, '"');
        ob_puts(ob, p->bad_layer ? p->bad_layer : "frame");
        ob_puts(ob, ": ");
        ob_puts(ob, p->bad_reason);
        ob_putc(ob, '"');
    }
    ob_puts(ob, "}\n");
}

static void json_finish(void *vctx, const struct run_info *ri)
{
    struct json_ctx *c = vctx;
    (void)ri;
    ob_flush(c->ob);
    ob_free(&c->info);
}

struct sink render_json_sink(struct obuf *ob)
{
    struct json_ctx *c = xcalloc(1, sizeof *c);
    c->ob = ob;
    struct sink s = {c, json_packet, NULL, json_finish, NULL, NULL};
    return s;
}
