/* summary: turn a connection story into plain-language text (explain.h).
 *
 * The facts are taken from the packets, never assumed: every "Ack = X + 1 = Y" is printed only
 * after checking it against the segment's real numbers, and where the capture breaks the rule
 * the text says so. Wording lives in the message tables (msg.h); this file only decides which
 * message applies and fills in the numbers. Paragraphs are wrapped to the width, counting East
 * Asian characters as two columns and breaking between them where there are no spaces. */
#include "explain.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn_end.h"
#include "msg.h"
#include "render_info.h"
#include "tcp_seq.h"
#include "xalloc.h"

#define NS_PER_MS 1000000LL
#define MAX_APP_LINES 6
#define MAX_LIST 8

struct xp {
    struct obuf *ob;
    struct obuf para;
    const struct msg_table *t;
    const struct story *s;
    bool color;
    int width;
    bool intro;             /* explain what Seq and Ack are (once per run) */
};

/* ---- text helpers ---- */

static const char *M(const struct xp *x, enum msg_id id)
{
    const char *s = x->t->text[id];
    return s ? s : msg_en.text[id];
}

/* Append a message to the paragraph being built. */
static void say(struct xp *x, enum msg_id id, ...)
{
    va_list ap;
    va_start(ap, id);
    ob_vprintf(&x->para, M(x, id), ap);
    va_end(ap);
}

/* Format a message into a small string (for slots). */
static const char *fmt(char *buf, size_t n, const struct xp *x, enum msg_id id, ...)
{
    va_list ap;
    va_start(ap, id);
    vsnprintf(buf, n, M(x, id), ap);
    va_end(ap);
    return buf;
}

static void sp(struct xp *x)
{
    /* a space between sentences unless the paragraph is empty or ends in wide text */
    if (!x->para.len)
        return;
    unsigned char c = (unsigned char)x->para.buf[x->para.len - 1];
    if (c < 0x80 && c != ' ')
        ob_putc(&x->para, ' ');
}

static uint32_t decode_cp(const unsigned char *s, size_t n, size_t *len)
{
    if (s[0] < 0x80 || n < 2) {
        *len = 1;
        return s[0];
    }
    if ((s[0] & 0xE0) == 0xC0) {
        *len = 2;
        return ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    }
    if ((s[0] & 0xF0) == 0xE0 && n >= 3) {
        *len = 3;
        return ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    }
    if ((s[0] & 0xF8) == 0xF0 && n >= 4) {
        *len = 4;
        return ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
               ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
    }
    *len = 1;
    return s[0];
}

static bool cp_wide(uint32_t c)
{
    return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
           (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
           (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD);
}

/* Wide punctuation that must not start a line. */
static bool cp_no_start(uint32_t c)
{
    return c == 0x3001 || c == 0x3002 || c == 0xFF0C || c == 0xFF1A || c == 0xFF1B ||
           c == 0xFF09 || c == 0x300D || c == 0x300F || c == 0xFF01 || c == 0xFF1F ||
           c == 0x201D;
}

/* Wide punctuation that must not end a line. */
static bool cp_no_end(uint32_t c)
{
    return c == 0xFF08 || c == 0x300C || c == 0x300E || c == 0x201C;
}

/* Write the paragraph wrapped at x->width: first line indented by `first`, the others by
 * `rest` columns. */
static void flush_para(struct xp *x, int first, int rest)
{
    const char *s = x->para.buf;
    size_t n = x->para.len;
    while (n && s[n - 1] == ' ')
        n--;
    size_t i = 0;
    int indent = first;
    size_t width = (size_t)(x->width > 20 ? x->width : 80);
    while (i < n) {
        while (i < n && s[i] == ' ')
            i++;
        if (i >= n)
            break;
        /* find the longest piece [i, brk) that fits */
        size_t col = (size_t)indent, j = i, brk = 0, next = 0;
        uint32_t prev = 0;
        while (j < n) {
            size_t l;
            uint32_t c = decode_cp((const unsigned char *)s + j, n - j, &l);
            if (c == ' ') {
                /* keep "Ack = 78 + 1 = 79" on one line */
                bool formula = (j + 1 < n && (s[j + 1] == '=' || s[j + 1] == '+')) ||
                               (j > 0 && (s[j - 1] == '=' || s[j - 1] == '+'));
                if (!formula) {
                    brk = j;
                    next = j + 1;
                }
            } else if (j > i && ((cp_wide(c) && !cp_no_start(c)) ||
                                 (cp_wide(prev) && !cp_no_end(prev) && !cp_no_start(c)))) {
                brk = j;
                next = j;
            }
            size_t w = cp_wide(c) ? 2 : 1;
            if (col + w > width && brk > i)
                break;
            col += w;
            prev = c;
            j += l;
        }
        size_t end = j >= n ? n : brk;
        if (j >= n)
            next = n;
        for (int k = 0; k < indent; k++)
            ob_putc(x->ob, ' ');
        size_t e = end;
        while (e > i && s[e - 1] == ' ')
            e--;
        ob_write(x->ob, s + i, e - i);
        ob_putc(x->ob, '\n');
        i = next > i ? next : end;
        indent = rest;
    }
    ob_reset(&x->para);
}

static void heading(struct xp *x, enum msg_id id, ...)
{
    va_list ap;
    va_start(ap, id);
    ob_putc(x->ob, '\n');
    if (x->color)
        ob_puts(x->ob, "\x1b[1m");
    ob_vprintf(x->ob, M(x, id), ap);
    if (x->color)
        ob_puts(x->ob, "\x1b[0m");
    ob_putc(x->ob, '\n');
    va_end(ap);
}

static const char *who(const struct xp *x, bool client)
{
    return M(x, client ? M_W_CLIENT : M_W_SERVER);
}

static const char *ev_who(const struct xp *x, const struct story_ev *e)
{
    return who(x, e->from_client);
}

static const char *ev_peer(const struct xp *x, const struct story_ev *e)
{
    return who(x, !e->from_client);
}

static const char *bytes_str(char *buf, size_t n, const struct xp *x, uint64_t v)
{
    return fmt(buf, n, x, v == 1 ? M_BYTES_1 : M_BYTES_N, (unsigned long long)v);
}

static const char *segs_str(char *buf, size_t n, const struct xp *x, uint64_t v)
{
    return fmt(buf, n, x, v == 1 ? M_SEGS_1 : M_SEGS_N, (unsigned long long)v);
}

static const char *range_str(char *buf, size_t n, const struct xp *x, uint64_t a, uint64_t b)
{
    if (a == b) {
        snprintf(buf, n, "%llu", (unsigned long long)a);
        return buf;
    }
    return fmt(buf, n, x, M_RANGE, (unsigned long long)a, (unsigned long long)b);
}

/* "packet 4" or "packets 4–9" */
static const char *pkts_str(char *buf, size_t n, const struct xp *x, uint64_t a, uint64_t b)
{
    char r[64];
    if (a == b)
        return fmt(buf, n, x, M_PKTS_1, (unsigned long long)a);
    return fmt(buf, n, x, M_PKTS_N, range_str(r, sizeof r, x, a, b));
}

/* "5, 8, 9" (at most MAX_LIST numbers, then "..."), from frames[0..nkept) of total. */
static const char *frames_str(char *buf, size_t n, const struct xp *x, const uint64_t *frames,
                              uint64_t nkept, uint64_t total)
{
    size_t o = 0;
    buf[0] = '\0';
    for (uint64_t i = 0; i < nkept && o + 24 < n; i++) {
        int w = snprintf(buf + o, n - o, "%s%llu", i ? M(x, M_LIST_SEP) : "",
                         (unsigned long long)frames[i]);
        if (w < 0 || (size_t)w >= n - o)
            break;
        o += (size_t)w;
    }
    if (total > nkept && o + 8 < n)
        snprintf(buf + o, n - o, "%s", M(x, M_MORE_PACKETS));
    return buf;
}

/* "packet 4" or "packets 5, 8, 9" */
static const char *frames_phrase(char *buf, size_t n, const struct xp *x, const uint64_t *frames,
                                 uint64_t nkept, uint64_t total)
{
    char list[160];
    if (total == 1 && nkept == 1)
        return fmt(buf, n, x, M_PKTS_1, (unsigned long long)frames[0]);
    return fmt(buf, n, x, M_PKTS_N, frames_str(list, sizeof list, x, frames, nkept, total));
}

/* "-12.345" from ns with `div` ns per unit, 3 decimals (no overflow for any value). */
static void fixed3(char *buf, size_t n, int64_t ns, uint64_t div)
{
    uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    snprintf(buf, n, "%s%llu.%03llu", ns < 0 ? "-" : "", (unsigned long long)(u / div),
             (unsigned long long)(u % div / (div / 1000)));
}

static const char *ms_str(char *buf, size_t n, const struct xp *x, int64_t ns)
{
    char num[32];
    fixed3(num, sizeof num, ns, (uint64_t)NS_PER_MS);
    return fmt(buf, n, x, M_MS, num);
}

static const char *sec_str(char *buf, size_t n, const struct xp *x, int64_t ns)
{
    char num[32];
    fixed3(num, sizeof num, ns, 1000000000ULL);
    return fmt(buf, n, x, M_SECONDS, num);
}

/* "SYN=1, ACK=1, Seq=0, Ack=1" (+ ", Len=N" when it carries data). */
static const char *fields_str(char *buf, size_t n, const struct xp *x, const struct story_ev *e)
{
    static const struct {
        uint16_t bit;
        const char *name;
    } fl[] = {{TH_SYN, "SYN"}, {TH_FIN, "FIN"}, {TH_RST, "RST"},
              {TH_PUSH, "PSH"}, {TH_URG, "URG"}, {TH_ACK, "ACK"}};
    const char *sep = M(x, M_LIST_SEP);
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
        if (e->flags & fl[i].bit)
            o += (size_t)snprintf(buf + o, n - o, "%s%s=1", o ? sep : "", fl[i].name);
    if (o < n)
        o += (size_t)snprintf(buf + o, n - o, "%sSeq=%u", o ? sep : "", e->seq);
    if ((e->flags & TH_ACK) && o < n)
        o += (size_t)snprintf(buf + o, n - o, "%sAck=%u", sep, e->ack);
    if (e->len && o < n)
        snprintf(buf + o, n - o, "%sLen=%u", sep, e->len);
    return buf;
}

static void step_line(struct xp *x, unsigned k, const struct story_ev *e)
{
    char f[160];
    say(x, M_STEP, k, (unsigned long long)e->frame, ev_who(x, e), ev_peer(x, e),
        fields_str(f, sizeof f, x, e));
    flush_para(x, 2, 5);
}

static void detail(struct xp *x)
{
    flush_para(x, 5, 5);
}

/* ---- facts taken from the packets ---- */

struct facts {
    const struct story_ev *syn, *synack, *hs3;
    uint64_t syn_frames[MAX_LIST];
    uint64_t nsyn;
    const struct story_ev *fin[2];    /* first FIN of the client [0] / server [1] */
    const struct story_ev *finack[2]; /* the ACK of that FIN, sent by the other side */
    const struct story_ev *rst;
    uint64_t rst_frames[MAX_LIST];
    uint64_t nrst;
    uint32_t dataend[2];              /* relative seq after the last byte before the FIN */
    bool have_dataend[2];
    bool have_data[2];
    uint32_t prefin_end[2];           /* the same, before the FIN packet's own data */
    bool have_prefin[2];
    uint64_t data_acked_frame[2];     /* first packet acknowledging all data of a side */
    uint32_t data_acked_ack[2];       /* and its Ack */
    uint64_t half_frames[MAX_LIST];   /* data segments after the first FIN, other side */
    uint64_t nhalf, half_bytes;
    int first_closer;                 /* 0 client, 1 server, -1 none */
    bool simultaneous;
    uint64_t fin_again[MAX_LIST];
    uint64_t nfin_again;
    int64_t hs_ack_irtt;
};

static int side(const struct story_ev *e)
{
    return e->from_client ? 0 : 1;
}

static void gather(const struct story *s, struct facts *f)
{
    memset(f, 0, sizeof *f);
    f->first_closer = -1;
    uint32_t n = story_count(s);
    for (uint32_t i = 0; i < n; i++) {
        const struct story_ev *e = story_at(s, i);
        int d = side(e);
        if ((e->flags & (TH_SYN | TH_ACK)) == TH_SYN && e->from_client) {
            if (!f->syn)
                f->syn = e;
            if (f->nsyn < MAX_LIST)
                f->syn_frames[f->nsyn] = e->frame;
            f->nsyn++;
        } else if ((e->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) && !e->from_client) {
            if (!f->synack)
                f->synack = e;
        } else if (!f->hs3 && !strcmp(e->step, "handshake.3")) {
            f->hs3 = e;
        }
        if (e->flags & TH_RST) {
            if (!f->rst)
                f->rst = e;
            if (f->nrst < MAX_LIST)
                f->rst_frames[f->nrst] = e->frame;
            f->nrst++;
        }
        /* data end before the FIN of this side */
        if (!f->fin[d] && !(e->flags & TH_RST) && e->rel_ok) {
            uint32_t end = e->seq + e->len + ((e->flags & TH_SYN) ? 1 : 0);
            if (e->flags & TH_FIN) {
                /* where the data before the FIN packet ended */
                f->prefin_end[d] = f->dataend[d];
                f->have_prefin[d] = f->have_dataend[d];
            }
            if (!f->have_dataend[d] || SEQ_GT(end, f->dataend[d])) {
                f->dataend[d] = end;
                f->have_dataend[d] = true;
                f->data_acked_frame[d] = 0; /* new data: wait for its ACK */
            }
            if (e->len)
                f->have_data[d] = true;
        }
        /* the peer's data acknowledged in full */
        int o = 1 - d;
        if ((e->flags & TH_ACK) && f->have_data[o] && !f->data_acked_frame[o] &&
            SEQ_GEQ(e->ack, f->dataend[o]) && e->rel_ok) {
            f->data_acked_frame[o] = e->frame;
            f->data_acked_ack[o] = e->ack;
        }
        /* ACK of the peer's FIN */
        if ((e->flags & TH_ACK) && f->fin[o] && !f->finack[o] &&
            SEQ_GEQ(e->ack_raw, f->fin[o]->seq_raw + f->fin[o]->len + 1))
            f->finack[o] = e;
        if (e->flags & TH_FIN) {
            if (!f->fin[d]) {
                f->fin[d] = e;
                if (f->first_closer < 0)
                    f->first_closer = d;
                else if (!f->finack[o] || f->finack[o] == e)
                    f->simultaneous = f->finack[o] != e && !(e->flags & TH_ACK &&
                                      SEQ_GEQ(e->ack_raw, f->fin[o]->seq_raw + f->fin[o]->len + 1));
            } else if (f->nfin_again < MAX_LIST) {
                f->fin_again[f->nfin_again++] = e->frame;
            }
        } else if (f->first_closer >= 0 && d != f->first_closer && e->len && !f->fin[d]) {
            if (f->nhalf < MAX_LIST)
                f->half_frames[f->nhalf] = e->frame;
            f->nhalf++;
            f->half_bytes += e->len;
        }
    }
}

/* ---- the sections ---- */

static void header(struct xp *x, const struct facts *f)
{
    const struct story *s = x->s;
    char ca[64], sa[64], svc[48] = "", b1[64], b2[64];
    info_addr(&s->client, ca);
    info_addr(&s->server, sa);
    const char *name = conn_end_service(s->server_port);
    if (name)
        fmt(svc, sizeof svc, x, M_SERVICE, name);
    if (x->color)
        ob_puts(x->ob, "\x1b[1m");
    say(x, M_TITLE, ca, (unsigned)s->client_port, sa, (unsigned)s->server_port,
        (unsigned)s->stream);
    flush_para(x, 0, 2);
    if (x->color)
        ob_puts(x->ob, "\x1b[0m");
    if (f->syn || f->synack)
        say(x, M_OPENED_BY_CLIENT, ca, (unsigned)s->client_port, sa, (unsigned)s->server_port,
            svc);
    else
        say(x, M_OPENED_UNKNOWN, ca, (unsigned)s->client_port, sa, (unsigned)s->server_port,
            svc);
    sp(x);
    if (s->pkts == 1)
        say(x, M_SPAN_1, (unsigned long long)s->first_frame);
    else
        say(x, M_SPAN, (unsigned long long)s->pkts, pkts_str(b1, sizeof b1, x, s->first_frame,
            s->last_frame), sec_str(b2, sizeof b2, x, ts_diff(s->t_last, s->t_first)));
    if (s->truncated) {
        sp(x);
        say(x, M_TRUNCATED, (unsigned long long)s->omitted, (unsigned)STORY_HEAD,
            (unsigned)STORY_TAIL);
    }
    flush_para(x, 0, 0);
}

static void opt_list(char *buf, size_t n, const struct xp *x, const struct story_synopt *o)
{
    const char *sep = M(x, M_LIST_SEP);
    size_t k = 0;
    buf[0] = '\0';
    if (o->has_mss)
        k += (size_t)snprintf(buf + k, n - k, "MSS=%u", o->mss);
    if (o->has_ws && k < n)
        k += (size_t)snprintf(buf + k, n - k, "%sWS=%u", k ? sep : "",
                              o->ws <= 14 ? 1u << o->ws : 1u << 14);
    if (o->sack_perm && k < n)
        k += (size_t)snprintf(buf + k, n - k, "%sSACK_PERM", k ? sep : "");
    if (o->has_ts && k < n)
        k += (size_t)snprintf(buf + k, n - k, "%sTSval", k ? sep : "");
    if (o->has_tfo && k < n)
        snprintf(buf + k, n - k, "%sTFO", k ? sep : "");
}

static void options(struct xp *x, const struct facts *f)
{
    if (!f->syn || !f->synack)
        return;
    const struct story_synopt *c = &f->syn->opt, *s = &f->synack->opt;
    char co[96], so[96];
    opt_list(co, sizeof co, x, c);
    opt_list(so, sizeof so, x, s);
    /* what both sides use */
    const char *items[5];
    char part[256];
    int ni = 0;
    unsigned to_server = s->has_mss ? s->mss : 536, to_client = c->has_mss ? c->mss : 536;
    if (c->has_mss || s->has_mss)
        items[ni++] = fmt(part, sizeof part, x, M_AG_MSS, to_server, to_client);
    if (c->has_ws && s->has_ws)
        items[ni++] = M(x, M_AG_WS);
    else if (c->has_ws || s->has_ws)
        items[ni++] = M(x, M_AG_NOWS);
    if (c->sack_perm && s->sack_perm)
        items[ni++] = M(x, M_AG_SACK);
    if (c->has_ts && s->has_ts)
        items[ni++] = M(x, M_AG_TS);
    char ag[768];
    size_t k = 0;
    ag[0] = '\0';
    for (int i = 0; i < ni && k < sizeof ag; i++)
        k += (size_t)snprintf(ag + k, sizeof ag - k, "%s%s",
                              i == 0 ? "" : i == ni - 1 ? M(x, M_CLAUSE_AND) : M(x, M_CLAUSE_SEP),
                              items[i]);
    say(x, M_OPTIONS, co[0] ? co : M(x, M_OPT_NONE), so[0] ? so : M(x, M_OPT_NONE),
        ag[0] ? ag : M(x, M_AG_NOTHING));
    flush_para(x, 2, 2);
}

static void handshake(struct xp *x, const struct facts *f)
{
    const struct story *s = x->s;
    char b[64], fr[160];
    if (!f->syn && !f->synack) {
        heading(x, M_H_OPEN_PARTIAL);
        say(x, M_NO_HANDSHAKE);
        flush_para(x, 2, 2);
        return;
    }
    const struct story_ev *last = f->hs3 ? f->hs3 : f->synack ? f->synack : f->syn;
    const struct story_ev *firstev = f->syn ? f->syn : f->synack;
    heading(x, f->hs3 ? M_H_OPEN : M_H_OPEN_TRY, pkts_str(b, sizeof b, x, firstev->frame, last->frame));
    if (x->intro) {
        say(x, M_SEQACK_INTRO);
        flush_para(x, 2, 2);
        x->intro = false;
    }
    unsigned k = 1;
    if (f->syn) {
        step_line(x, k++, f->syn);
        say(x, M_SYN, who(x, true), f->syn->seq, f->syn->seq_raw);
        if (f->nsyn > 1) {
            sp(x);
            say(x, M_SYN_AGAIN, (unsigned long long)f->nsyn,
                frames_phrase(fr, sizeof fr, x, f->syn_frames,
                           f->nsyn < MAX_LIST ? f->nsyn : MAX_LIST, f->nsyn));
        }
        detail(x);
    } else {
        say(x, M_STARTS_SYNACK);
        flush_para(x, 2, 2);
    }
    if (f->synack) {
        const struct story_ev *e = f->synack;
        step_line(x, k++, e);
        say(x, M_SYNACK, who(x, false), e->seq, e->seq_raw);
        if (f->syn) {
            sp(x);
            uint32_t want_raw = f->syn->seq_raw + 1;
            if (e->ack_raw == want_raw)
                say(x, M_ACK_SYN, f->syn->seq, f->syn->seq + 1, who(x, false), who(x, true));
            else
                say(x, M_ACK_SYN_BAD, f->syn->seq, f->syn->seq + 1,
                    (unsigned long long)f->syn->frame, e->ack);
        }
        detail(x);
    } else if (f->syn && !f->rst) {
        char ip[64];
        info_addr(&s->server, ip);
        say(x, M_SYN_NO_ANSWER, ip, (unsigned)s->server_port);
        flush_para(x, 2, 2);
    }
    if (f->hs3) {
        const struct story_ev *e = f->hs3;
        step_line(x, k++, e);
        if (f->synack) {
            if (e->seq_raw == f->synack->ack_raw)
                say(x, M_HS3_SEQ, e->seq, who(x, false), (unsigned long long)f->synack->frame);
            else
                say(x, M_HS3_SEQ_BAD, e->seq, who(x, false),
                    (unsigned long long)f->synack->frame, f->synack->ack);
            sp(x);
            if (e->ack_raw == f->synack->seq_raw + 1)
                say(x, M_ACK_SYN, f->synack->seq, f->synack->seq + 1, who(x, true),
                    who(x, false));
            else
                say(x, M_ACK_SYN_BAD, f->synack->seq, f->synack->seq + 1,
                    (unsigned long long)f->synack->frame, e->ack);
            sp(x);
        }
        say(x, M_ESTABLISHED);
        detail(x);
    } else if (f->synack && !(f->rst && f->rst->frame > f->synack->frame &&
                              !strcmp(f->rst->step, "reset.refused"))) {
        say(x, M_NO_HS3);
        flush_para(x, 2, 2);
    }
    options(x, f);
    if (s->irtt && f->syn && f->hs3) {
        char ms[64];
        say(x, M_IRTT, ms_str(ms, sizeof ms, x, s->irtt), (unsigned long long)f->syn->frame,
            (unsigned long long)f->hs3->frame);
        flush_para(x, 2, 2);
    }
}

struct tr_kind {
    uint16_t bit;
    enum msg_id id;
};

static const struct tr_kind tr_kinds[] = {
    {TA_RETRANSMISSION, M_TR_RETRANS},
    {TA_FAST_RETRANSMISSION, M_TR_FAST_RETRANS},
    {TA_SPURIOUS_RETRANSMISSION, M_TR_SPURIOUS},
    {TA_LOST_PACKET, M_TR_LOST},
    {TA_ACK_LOST_PACKET, M_TR_ACK_LOST},
    {TA_OUT_OF_ORDER, M_TR_OOO},
    {TA_DUPLICATE_ACK, M_TR_DUPACK},
    {TA_ZERO_WINDOW, M_TR_ZERO_WIN},
    {TA_ZERO_WINDOW_PROBE, M_TR_ZW_PROBE},
    {TA_WINDOW_FULL, M_TR_WIN_FULL},
    {TA_KEEP_ALIVE, M_TR_KEEPALIVE},
    {TA_REUSED_PORTS, M_TR_REUSED},
};

static bool any_trouble(const struct story *s)
{
    for (size_t i = 0; i < sizeof tr_kinds / sizeof tr_kinds[0]; i++) {
        int b = story_ta_bit(tr_kinds[i].bit);
        if (tr_kinds[i].bit == TA_KEEP_ALIVE || tr_kinds[i].bit == TA_REUSED_PORTS)
            continue;
        if (s->to_server.ta_count[b] || s->to_client.ta_count[b])
            return true;
    }
    return false;
}

static void data_section(struct xp *x, const struct facts *f)
{
    const struct story *s = x->s;
    char b1[64], b2[64], b3[160];
    /* the data part: after the handshake, before the first FIN or RST */
    uint64_t from = f->hs3 ? f->hs3->frame + 1 : f->synack ? f->synack->frame + 1
                  : f->syn ? f->syn->frame + 1 : s->first_frame;
    uint64_t to = s->last_frame;
    const struct story_ev *stop = NULL;
    if (f->fin[0] && (!f->fin[1] || f->fin[0]->frame < f->fin[1]->frame))
        stop = f->fin[0];
    else if (f->fin[1])
        stop = f->fin[1];
    if (f->rst && (!stop || f->rst->frame < stop->frame))
        stop = f->rst;
    if (stop)
        to = stop->frame - 1;
    if (from > to) {
        if (!s->to_server.bytes && !s->to_client.bytes &&
            !(f->rst && !strcmp(f->rst->step, "reset.refused")) && (f->hs3 || f->fin[0] ||
                                                                   f->fin[1])) {
            heading(x, M_H_DATA_NONE);
            say(x, M_DATA_NONE);
            flush_para(x, 2, 2);
        }
        if (!any_trouble(s))
            return;
    } else {
        bool http = false;
        for (uint32_t i = 0; i < story_count(s) && !http; i++)
            http = story_at(s, i)->app[0] != '\0';
        if (http)
            heading(x, M_H_DATA_APP, "HTTP", pkts_str(b1, sizeof b1, x, from, to));
        else
            heading(x, M_H_DATA, pkts_str(b1, sizeof b1, x, from, to));
    }
    if (from <= to || s->to_server.bytes || s->to_client.bytes) {
        for (int d = 0; d < 2; d++) {
            const struct story_dir *sd = d == 0 ? &s->to_server : &s->to_client;
            if (sd->bytes)
                say(x, M_DATA_DIR, who(x, d == 0), bytes_str(b1, sizeof b1, x, sd->bytes),
                    segs_str(b2, sizeof b2, x, sd->data_segs));
            else
                say(x, M_DATA_DIR_NONE, who(x, d == 0));
            if (sd->retrans_bytes) {
                sp(x);
                say(x, M_DATA_RETX, bytes_str(b1, sizeof b1, x, sd->retrans_bytes));
            }
            /* all of it acknowledged? (relative numbers start at 1 after the SYN) */
            if (sd->bytes && f->data_acked_frame[d] && f->have_dataend[d]) {
                sp(x);
                if ((d == 0 ? f->syn != NULL : f->synack != NULL) &&
                    f->dataend[d] == 1 + sd->bytes && f->data_acked_ack[d] == f->dataend[d])
                    say(x, M_ACKED_ALL_SUM, (unsigned long long)f->data_acked_frame[d],
                        who(x, d != 0), (unsigned long long)sd->bytes, f->dataend[d]);
                else
                    say(x, M_ACKED_ALL, (unsigned long long)f->data_acked_frame[d],
                        who(x, d != 0), f->data_acked_ack[d]);
            } else if (sd->bytes && f->have_dataend[d] && !(f->rst)) {
                sp(x);
                say(x, M_NOT_ACKED, who(x, d != 0), who(x, d == 0));
            }
            flush_para(x, 2, 2);
        }
    }
    /* what the application said */
    uint32_t n = story_count(s), shown = 0, more = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct story_ev *e = story_at(s, i);
        if (!e->app[0] || (e->ta & (TA_RETRANSMISSION | TA_FAST_RETRANSMISSION |
                                    TA_SPURIOUS_RETRANSMISSION)))
            continue;
        if (shown == MAX_APP_LINES) {
            more++;
            continue;
        }
        if (!shown) {
            say(x, M_APP_INTRO);
            flush_para(x, 2, 2);
        }
        say(x, M_APP_LINE, (unsigned long long)e->frame, ev_who(x, e), ev_peer(x, e), e->app);
        flush_para(x, 4, 6);
        shown++;
    }
    if (more) {
        say(x, M_APP_MORE, (unsigned)more);
        flush_para(x, 4, 6);
    }
    /* trouble */
    bool any = false;
    for (size_t i = 0; i < sizeof tr_kinds / sizeof tr_kinds[0]; i++) {
        int bit = story_ta_bit(tr_kinds[i].bit);
        for (int d = 0; d < 2; d++) {
            const struct story_dir *sd = d == 0 ? &s->to_server : &s->to_client;
            uint64_t c = sd->ta_count[bit];
            if (!c)
                continue;
            uint64_t kept = c < STORY_TROUBLE_FRAMES ? c : STORY_TROUBLE_FRAMES;
            say(x, tr_kinds[i].id, who(x, d == 0), (unsigned long long)c,
                frames_phrase(b3, sizeof b3, x, sd->ta_frames[bit], kept, c), who(x, d != 0));
            flush_para(x, 2, 4);
            if (tr_kinds[i].bit != TA_KEEP_ALIVE && tr_kinds[i].bit != TA_REUSED_PORTS)
                any = true;
        }
    }
    if (!any && (s->to_server.bytes || s->to_client.bytes)) {
        say(x, M_TROUBLE_NONE);
        flush_para(x, 2, 2);
    }
}

/* Which states appeared in the close, for the legend. */
static void note_state(bool *seen, enum tcp_st st)
{
    if ((unsigned)st <= ST_TIME_WAIT)
        seen[st] = true;
}

static void states_line(struct xp *x, const struct story_ev *e, bool *seen)
{
    sp(x);
    say(x, M_STATES, tcp_st_name(e->st_client), tcp_st_name(e->st_server));
    note_state(seen, e->st_client);
    note_state(seen, e->st_server);
}

/* Explain "Ack = F + 1" for the ACK e of FIN fin. */
static void ack_of_fin(struct xp *x, const struct story_ev *e, const struct story_ev *fin)
{
    uint32_t want_raw = fin->seq_raw + fin->len + 1;
    if (e->ack_raw == want_raw) {
        if (fin->len)
            say(x, M_ACK_FIN_DATA, fin->seq, fin->len, fin->seq + fin->len + 1, ev_who(x, e),
                ev_peer(x, e));
        else
            say(x, M_ACK_FIN, fin->seq, fin->seq + 1, ev_who(x, e), ev_peer(x, e));
    } else {
        say(x, M_ACK_FIN_BAD, fin->seq, fin->seq + fin->len + 1, (unsigned long long)fin->frame,
            e->ack);
    }
}

/* "Seq=78: its data took numbers 1 to 77" for a FIN (checked against the data seen). */
static void fin_seq(struct xp *x, const struct facts *f, const struct story_ev *e)
{
    int d = side(e);
    bool hs = d == 0 ? f->syn != NULL : f->synack != NULL;
    if (!hs || !f->have_prefin[d] || !e->rel_ok)
        return;
    sp(x);
    uint32_t end = f->prefin_end[d];
    if (e->seq == end) {
        if (e->len)
            say(x, M_FIN_WITH_DATA, e->seq, e->len, e->seq + e->len - 1, e->seq + e->len);
        else if (end > 1)
            say(x, M_FIN_SEQ_DATA, e->seq, end - 1);
        else
            say(x, M_FIN_SEQ_NODATA, e->seq);
    } else if (SEQ_GT(e->seq, end)) {
        say(x, M_FIN_SEQ_GAP, e->seq, end - 1, e->seq - end);
    }
}

/* Did side d send its FIN before packet e? */
static bool fin_before(const struct facts *f, int d, const struct story_ev *e)
{
    return f->fin[d] && f->fin[d]->frame < e->frame;
}

static void close_section(struct xp *x, const struct facts *f, enum conn_end how)
{
    const struct story *s = x->s;
    char b1[64], b2[64], b3[160];
    bool seen[ST_TIME_WAIT + 1] = {false};
    if (how == CE_REFUSED && f->rst) {
        const struct story_ev *e = f->rst;
        heading(x, M_H_REFUSED, pkts_str(b1, sizeof b1, x, f->syn ? f->syn->frame : e->frame,
                                           e->frame));
        step_line(x, 1, e);
        say(x, M_REFUSED, ev_who(x, e), (unsigned)s->server_port);
        if (f->syn && (e->flags & TH_ACK)) {
            sp(x);
            if (e->ack_raw == f->syn->seq_raw + 1)
                say(x, M_REFUSED_ACK, f->syn->seq, f->syn->seq + 1,
                    (unsigned long long)f->syn->frame);
            else
                say(x, M_ACK_SYN_BAD, f->syn->seq, f->syn->seq + 1,
                    (unsigned long long)f->syn->frame, e->ack);
        }
        detail(x);
        return;
    }
    if (how == CE_NO_ANSWER || how == CE_MIDSTREAM_OPEN || how == CE_OPEN) {
        if (how == CE_OPEN || how == CE_MIDSTREAM_OPEN) {
            const struct story_ev *last = story_at(s, story_count(s) - 1);
            heading(x, M_H_CLOSE_NONE);
            say(x, M_STILL_OPEN, tcp_st_name(last->st_client), tcp_st_name(last->st_server));
            flush_para(x, 2, 2);
        }
        return;
    }
    /* the close events, in order */
    const struct story_ev *first = NULL;
    uint32_t n = story_count(s);
    for (uint32_t i = 0; i < n; i++) {
        const struct story_ev *e = story_at(s, i);
        if (e == f->fin[0] || e == f->fin[1] || e == f->finack[0] || e == f->finack[1] ||
            e == f->rst) {
            first = e;
            break;
        }
    }
    if (!first) {
        heading(x, M_H_CLOSE, pkts_str(b1, sizeof b1, x, s->last_frame, s->last_frame));
        say(x, M_CLOSE_NOT_KEPT);
        flush_para(x, 2, 2);
        return;
    }
    enum msg_id h = how == CE_FOUR_WAY ? M_H_CLOSE_FOUR : how == CE_THREE_WAY ? M_H_CLOSE_THREE
                  : how == CE_SIMULTANEOUS ? M_H_CLOSE_SIMUL : how == CE_RESET ? M_H_RESET
                                                                               : M_H_CLOSE;
    uint64_t last_frame = first->frame;
    for (uint32_t i = 0; i < n; i++) {
        const struct story_ev *e = story_at(s, i);
        if (e == f->fin[0] || e == f->fin[1] || e == f->finack[0] || e == f->finack[1] ||
            e == f->rst)
            if (e->frame > last_frame)
                last_frame = e->frame;
    }
    heading(x, h, pkts_str(b1, sizeof b1, x, first->frame, last_frame));
    unsigned k = 1;
    bool half_said = false, half_data_said = false;
    for (uint32_t i = 0; i < n; i++) {
        const struct story_ev *e = story_at(s, i);
        int d = side(e), o = 1 - d;
        bool is_fin = e == f->fin[d];
        bool is_finack = e == f->finack[o];
        bool is_rst = e == f->rst;
        if (!is_fin && !is_finack && !is_rst)
            continue;
        step_line(x, k++, e);
        if (is_rst) {
            say(x, M_RST_ABORT, ev_who(x, e));
            if (f->fin[0] || f->fin[1]) {
                sp(x);
                say(x, M_RST_AFTER_FIN, ev_who(x, e));
            }
            if (f->nrst > 1) {
                sp(x);
                say(x, M_RST_MORE, (unsigned long long)(f->nrst - 1),
                    frames_phrase(b3, sizeof b3, x, f->rst_frames + 1,
                               (f->nrst < MAX_LIST ? f->nrst : MAX_LIST) - 1, f->nrst - 1));
            }
            states_line(x, e, seen);
            detail(x);
            continue;
        }
        if (is_fin && is_finack) {
            /* the three-packet close: ACK of the first FIN and the second FIN together */
            say(x, M_FIN_AND_ACK, ev_who(x, e));
            sp(x);
            ack_of_fin(x, e, f->fin[o]);
            fin_seq(x, f, e);
        } else if (is_fin && f->first_closer == d) {
            say(x, M_FIN_FIRST, ev_who(x, e));
            fin_seq(x, f, e);
        } else if (is_fin) {
            say(x, M_FIN_SECOND, ev_who(x, e));
            /* the same numbers as its ACK of the first FIN? */
            const struct story_ev *prev = f->finack[o];
            if (prev && side(prev) == d && prev->seq == e->seq && prev->ack == e->ack) {
                sp(x);
                say(x, M_SEQ_SAME, e->seq, e->ack, (unsigned long long)prev->frame);
            } else {
                fin_seq(x, f, e);
            }
            if (f->simultaneous) {
                sp(x);
                say(x, M_SIMUL, (unsigned long long)f->fin[o]->frame,
                    (unsigned long long)e->frame, ev_who(x, e), e->ack, ev_peer(x, e));
            }
        } else {
            /* ACK of a FIN */
            ack_of_fin(x, e, f->fin[o]);
            bool ack_of_first = f->first_closer == o && !f->simultaneous;
            if (ack_of_first && !fin_before(f, d, e)) {
                /* its own Seq: simply the next number */
                bool hs = d == 0 ? f->syn != NULL : f->synack != NULL;
                if (hs && f->have_dataend[d] && e->seq == f->dataend[d]) {
                    sp(x);
                    if (e->seq > 1)
                        say(x, M_SEQ_NEXT, e->seq, ev_who(x, e), e->seq - 1);
                    else
                        say(x, M_SEQ_NEXT_NODATA, e->seq, ev_who(x, e));
                }
            } else if (f->fin[d] && e->frame > f->fin[d]->frame) {
                sp(x);
                uint32_t want = f->fin[d]->seq + f->fin[d]->len + 1;
                if (e->seq == want)
                    say(x, M_SEQ_AFTER_FIN, e->seq, f->fin[d]->seq + f->fin[d]->len);
                else
                    say(x, M_SEQ_AFTER_FIN_BAD, e->seq, want);
            }
        }
        bool last_ack = is_finack && f->fin[d] && f->finack[d] && e->frame >= f->fin[d]->frame &&
                        e->frame >= f->finack[d]->frame;
        if (last_ack) {
            note_state(seen, e->st_client);
            note_state(seen, e->st_server);
        } else {
            states_line(x, e, seen);
        }
        if (is_finack && !is_fin && f->first_closer == o && !f->simultaneous &&
            !fin_before(f, d, e)) {
            sp(x);
            say(x, M_HALF_CLOSED, ev_peer(x, e), ev_who(x, e));
            half_said = true;
        }
        if (last_ack) {
            /* the last ACK: who waits in TIME-WAIT */
            sp(x);
            if (e->st_client == ST_TIME_WAIT && e->st_server == ST_TIME_WAIT)
                say(x, M_TIME_WAIT_BOTH);
            else
                say(x, M_TIME_WAIT, ev_peer(x, e), ev_who(x, e));
        }
        detail(x);
        if (half_said && f->nhalf && is_finack && !is_fin && !half_data_said) {
            half_data_said = true;
            say(x, M_HALF_DATA, who(x, f->first_closer == 1),
                bytes_str(b1, sizeof b1, x, f->half_bytes),
                segs_str(b2, sizeof b2, x, f->nhalf),
                frames_phrase(b3, sizeof b3, x, f->half_frames,
                           f->nhalf < MAX_LIST ? f->nhalf : MAX_LIST, f->nhalf),
                who(x, f->first_closer == 0));
            detail(x);
        }
    }
    if (f->nfin_again) {
        say(x, M_FIN_AGAIN, frames_phrase(b3, sizeof b3, x, f->fin_again,
                                       f->nfin_again, f->nfin_again));
        flush_para(x, 2, 2);
    }
    /* what is missing */
    for (int d = 0; d < 2; d++) {
        if (f->fin[d] && !f->finack[d] && !f->rst) {
            const struct story_ev *last = story_at(s, n - 1);
            say(x, M_FIN_NOT_ACKED, who(x, d == 0),
                tcp_st_name(d == 0 ? last->st_client : last->st_server));
            flush_para(x, 2, 2);
        }
    }
    if (!f->rst && (f->fin[0] != NULL) != (f->fin[1] != NULL)) {
        int d = f->fin[0] ? 0 : 1;
        const struct story_ev *last = story_at(s, n - 1);
        say(x, M_ONLY_ONE_FIN, who(x, d == 0), who(x, d != 0),
            tcp_st_name(d == 0 ? last->st_server : last->st_client));
        flush_para(x, 2, 2);
    }
    /* the legend of the states named above */
    static const enum msg_id st_msg[] = {
        [ST_SYN_SENT] = M_ST_SYN_SENT,     [ST_SYN_RECEIVED] = M_ST_SYN_RECEIVED,
        [ST_ESTABLISHED] = M_ST_ESTABLISHED, [ST_FIN_WAIT_1] = M_ST_FIN_WAIT_1,
        [ST_FIN_WAIT_2] = M_ST_FIN_WAIT_2, [ST_CLOSE_WAIT] = M_ST_CLOSE_WAIT,
        [ST_CLOSING] = M_ST_CLOSING,       [ST_LAST_ACK] = M_ST_LAST_ACK,
        [ST_TIME_WAIT] = M_ST_TIME_WAIT,   [ST_CLOSED] = M_ST_CLOSED,
    };
    bool any = false;
    for (int st = ST_SYN_SENT; st <= ST_TIME_WAIT; st++) {
        if (!seen[st] || st == ST_ESTABLISHED || st == ST_LISTEN)
            continue;
        if (!any) {
            say(x, M_STATE_LEGEND);
            flush_para(x, 2, 2);
            any = true;
        }
        say(x, st_msg[st]);
        flush_para(x, 4, 6);
    }
    if (!any && seen[ST_CLOSED]) {
        say(x, M_STATE_LEGEND);
        flush_para(x, 2, 2);
        say(x, M_ST_CLOSED);
        flush_para(x, 4, 6);
    }
}

static void summary(struct xp *x, const struct facts *f, enum conn_end how)
{
    const struct story *s = x->s;
    char b1[64], b2[64];
    heading(x, M_H_SUMMARY);
    const char *up = bytes_str(b1, sizeof b1, x, s->to_server.bytes);
    const char *down = bytes_str(b2, sizeof b2, x, s->to_client.bytes);
    int closer = f->first_closer;
    const struct story_ev *rst = f->rst;
    switch (how) {
    case CE_FOUR_WAY: say(x, M_SUM_NORMAL, up, down, who(x, closer != 1)); break;
    case CE_THREE_WAY: say(x, M_SUM_THREE, up, down, who(x, closer != 1)); break;
    case CE_SIMULTANEOUS: say(x, M_SUM_SIMUL, up, down); break;
    case CE_RESET: say(x, M_SUM_RESET, up, down, rst ? ev_who(x, rst) : who(x, true)); break;
    case CE_REFUSED: say(x, M_SUM_REFUSED, who(x, false), (unsigned)s->server_port); break;
    case CE_NO_ANSWER: say(x, M_SUM_NO_ANSWER, (unsigned long long)f->nsyn); break;
    case CE_HALF_CLOSED: say(x, M_SUM_HALF, up, down, who(x, closer != 1)); break;
    case CE_OPEN: case CE_MIDSTREAM_OPEN: default: say(x, M_SUM_OPEN, up, down); break;
    }
    if (!f->syn && !f->synack) {
        sp(x);
        say(x, M_SUM_MIDSTREAM);
    }
    if (how != CE_REFUSED && how != CE_NO_ANSWER) {
        sp(x);
        say(x, any_trouble(s) ? M_SUM_TROUBLE : M_SUM_CLEAN);
    }
    flush_para(x, 2, 2);
}

/* ---- entry points ---- */

static const struct msg_table *table_for(const char *lang)
{
    const struct msg_table *t = msg_table_for(lang ? lang : "en");
    return t ? t : &msg_en;
}

bool explain_lang_ok(const char *lang)
{
    return lang && msg_table_for(lang) != NULL;
}

const char *explain_langs(void)
{
    return "en, zh";
}

/* Returns true if the paragraph on Seq and Ack was written. */
static bool explain_one(struct obuf *ob, const struct story *s, const struct explain_opts *o,
                        bool intro)
{
    struct xp x = {ob, {0}, table_for(o->lang), s, o->color, o->width ? o->width : 80, intro};
    ob_init_mem(&x.para, 1 << 16);
    struct facts f;
    gather(s, &f);
    enum conn_end how = conn_end_of(s);
    header(&x, &f);
    handshake(&x, &f);
    data_section(&x, &f);
    close_section(&x, &f, how);
    summary(&x, &f, how);
    ob_free(&x.para);
    return intro && !x.intro;
}

void explain_story(struct obuf *ob, const struct story *s, const struct explain_opts *o)
{
    (void)explain_one(ob, s, o, true);
}

struct explain_ctx {
    struct obuf *ob;
    struct explain_opts o;
    struct sink story;
    uint64_t told;
    bool intro_done;
};

static void explain_cb(void *vctx, const struct story *s)
{
    struct explain_ctx *c = vctx;
    if (c->told)
        ob_putc(c->ob, '\n');
    if (explain_one(c->ob, s, &c->o, !c->intro_done))
        c->intro_done = true;
    c->told++;
}

static void ex_packet(void *vctx, const struct pkt_event *ev)
{
    struct explain_ctx *c = vctx;
    c->story.packet(c->story.ctx, ev);
}

static void ex_conn(void *vctx, const struct tcp_conn *tc)
{
    struct explain_ctx *c = vctx;
    c->story.conn(c->story.ctx, tc);
}

static void ex_finish(void *vctx, const struct run_info *ri)
{
    struct explain_ctx *c = vctx;
    c->story.finish(c->story.ctx, ri);
    const struct msg_table *t = table_for(c->o.lang);
    const struct story_stats *st = story_sink_stats(&c->story);
    if (!c->told) {
        if (c->o.stream >= 0)
            ob_printf(c->ob, t->text[M_NO_STREAM], (unsigned)c->o.stream);
        else
            ob_puts(c->ob, t->text[M_NO_CONN]);
        ob_putc(c->ob, '\n');
    }
    if (st->skipped) {
        ob_putc(c->ob, '\n');
        ob_printf(c->ob, t->text[M_SKIPPED], (unsigned long long)st->skipped,
                  (unsigned)STORY_MAX_OPEN_DEFAULT);
        ob_putc(c->ob, '\n');
    }
    ob_flush(c->ob);
}

struct sink render_explain_sink(struct obuf *ob, const struct explain_opts *o)
{
    struct explain_ctx *c = xcalloc(1, sizeof *c);
    c->ob = ob;
    c->o = *o;
    struct story_opts so = {o->stream, 0};
    c->story = story_sink(&so, explain_cb, c);
    struct sink s = {c, ex_packet, ex_conn, ex_finish, NULL, NULL};
    return s;
}

uint64_t render_explain_count(const struct sink *s)
{
    const struct explain_ctx *c = s->ctx;
    return c->told;
}

void render_explain_free(struct sink *s)
{
    struct explain_ctx *c = s->ctx;
    if (!c)
        return;
    story_sink_free(&c->story);
    free(c);
    s->ctx = NULL;
}
