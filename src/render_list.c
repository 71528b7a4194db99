/* summary: the packet list as text: No., Time, Source, Destination, Protocol, Length, Info. */
#include "render.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render_info.h"
#include "xalloc.h"

#define NS_PER_SEC 1000000000LL

struct list_ctx {
    struct obuf *ob;
    struct list_opts o;
    struct info_opts io;
};

void render_time(struct obuf *ob, const struct pkt_event *ev, enum time_fmt fmt)
{
    switch (fmt) {
    case TIME_REL:
        ob_fixed(ob, ev->t_rel / 1000, 6);
        break;
    case TIME_DELTA:
        ob_fixed(ob, ev->t_delta / 1000, 6);
        break;
    case TIME_EPOCH:
        ob_fixed(ob, ev->t_abs / 1000, 6);
        break;
    case TIME_ABS_UTC:
    case TIME_ABS_LOCAL:
    case TIME_UTC_TOD:
    case TIME_LOCAL_TOD: {
        time_t s = (time_t)(ev->t_abs / NS_PER_SEC);
        long us = (long)((ev->t_abs % NS_PER_SEC) / 1000);
        struct tm tm;
        if (fmt == TIME_ABS_UTC || fmt == TIME_UTC_TOD)
            gmtime_r(&s, &tm);
        else
            localtime_r(&s, &tm);
        char buf[64];
        bool date = fmt == TIME_ABS_UTC || fmt == TIME_ABS_LOCAL;
        strftime(buf, sizeof buf, date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
        ob_printf(ob, "%s.%06ld", buf, us);
        break;
    }
    }
}

static const char *C_RED = "\x1b[31m", *C_YEL = "\x1b[33m", *C_DIM = "\x1b[2m",
                  *C_OFF = "\x1b[0m";

static void list_packet(void *vctx, const struct pkt_event *ev)
{
    struct list_ctx *c = vctx;
    struct obuf *ob = c->ob;
    const struct pkt *p = ev->pkt;
    char a[64], b[64];
    ob_ensure(ob, 4096);
    size_t start = ob->len;
    bool warn = ev->tcp && ev->tcp->flags;
    bool bad = ev->tcp && (ev->tcp->flags & (TA_RETRANSMISSION | TA_FAST_RETRANSMISSION |
                                             TA_LOST_PACKET | TA_ACK_LOST_PACKET |
                                             TA_ZERO_WINDOW | TA_OUT_OF_ORDER));
    if (c->o.color && warn)
        ob_puts(ob, bad ? C_RED : C_YEL);
    if (c->o.color && warn)
        start = ob->len;
    /* No. right-aligned in 5 columns */
    char num[24];
    int nl = 0;
    uint64_t f = p->frame;
    do {
        num[nl++] = (char)('0' + f % 10);
        f /= 10;
    } while (f);
    for (int i = nl; i < 5; i++)
        ob_putc(ob, ' ');
    while (nl)
        ob_putc(ob, num[--nl]);
    ob_putc(ob, ' ');
    size_t tstart = ob->len;
    render_time(ob, ev, c->o.time);
    if (c->o.time == TIME_REL || c->o.time == TIME_DELTA) {
        /* right-align relative times in 11 columns */
        size_t tl = ob->len - tstart;
        if (tl < 11) {
            /* take the time text back out and write it again after the padding (an in-memory
             * obuf may have no room to shift it in place) */
            char tt[11];
            memcpy(tt, ob->buf + tstart, tl);
            ob->len = tstart;
            for (size_t i = tl; i < 11; i++)
                ob_putc(ob, ' ');
            ob_write(ob, tt, tl);
        }
    }
    ob_putc(ob, ' ');
    if (p->src.family) {
        size_t la = info_addr(&p->src, a), lb = info_addr(&p->dst, b);
        size_t s0 = ob->len;
        ob_write(ob, a, la);
        ob_pad_to(ob, s0, 15);
        ob_puts(ob, " \xe2\x86\x92 ");
        s0 = ob->len;
        ob_write(ob, b, lb);
        ob_pad_to(ob, s0, 15);
    } else {
        size_t s0 = ob->len;
        ob_puts(ob, "?");
        ob_pad_to(ob, s0, 15);
        ob_puts(ob, " \xe2\x86\x92 ");
        s0 = ob->len;
        ob_puts(ob, "?");
        ob_pad_to(ob, s0, 15);
    }
    ob_putc(ob, ' ');
    size_t s0 = ob->len;
    ob_puts(ob, info_proto(ev));
    ob_pad_to(ob, s0, 6);
    ob_putc(ob, ' ');
    char len[24];
    int ll = 0;
    uint32_t w = p->wirelen;
    do {
        len[ll++] = (char)('0' + w % 10);
        w /= 10;
    } while (w);
    for (int i = ll; i < 5; i++)
        ob_putc(ob, ' ');
    while (ll)
        ob_putc(ob, len[--ll]);
    ob_putc(ob, ' ');
    info_build(ob, ev, &c->io);
    if (c->o.color && warn)
        ob_puts(ob, C_OFF);
    ob_putc(ob, '\n');
    (void)start;
    (void)C_DIM;
}

static void list_finish(void *vctx, const struct run_info *ri)
{
    struct list_ctx *c = vctx;
    (void)ri;
    ob_flush(c->ob);
}

struct sink render_list_sink(struct obuf *ob, const struct list_opts *o)
{
    struct list_ctx *c = xcalloc(1, sizeof *c);
    c->ob = ob;
    c->o = *o;
    c->io.absolute_seq = o->absolute_seq;
    c->io.tags = true;
    struct sink s = {c, list_packet, NULL, list_finish, NULL, NULL};
    return s;
}

void render_sink_free(struct sink *s)
{
    free(s->ctx);
    s->ctx = NULL;
}
