/* summary: the terminal ladder diagram of a connection story (ladder.h).
 *
 * Layout (columns for the default width of 80; wider widths widen the arrow area):
 *   0-4 packet number, 6-17 the client's state (right-aligned), 19 the client's lifeline,
 *   20..R-1 the arrow, R the server's lifeline, R+2.. the server's state. A second row under an
 *   arrow carries the analysis tags and what the application said, when there are any. */
#include "ladder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "render_info.h"
#include "xalloc.h"

#define ROW_MAX 2048
#define NUM_W 5
#define ST_W 12
#define LEFT_LINE (NUM_W + 1 + ST_W + 1) /* 19 */
#define FOLD_MIN 6                       /* runs at least this long are folded */

struct glyphs {
    const char *line, *dotted, *h, *right, *left;
};

static const struct glyphs G_UNI = {"\xe2\x94\x82", "\xe2\x94\x8a", "\xe2\x94\x80",
                                    "\xe2\x96\xb6", "\xe2\x97\x80"};
static const struct glyphs G_ASCII = {"|", ":", "-", ">", "<"};

enum color { C_NONE, C_SYN, C_FIN, C_RST, C_BAD, C_WARN, C_DIM, C_APP };

static const char *const ansi[] = {
    [C_NONE] = "", [C_SYN] = "\x1b[32m", [C_FIN] = "\x1b[36m", [C_RST] = "\x1b[31;1m",
    [C_BAD] = "\x1b[31m", [C_WARN] = "\x1b[33m", [C_DIM] = "\x1b[2m", [C_APP] = "\x1b[35m",
};

struct row {
    char buf[ROW_MAX];
    size_t len;
    int col;
};

struct lad {
    struct obuf *ob;
    const struct ladder_opts *o;
    const struct glyphs *g;
    int width, right;       /* total columns, the server's lifeline column */
    enum tcp_st cst, sst;   /* states shown last */
    int64_t gap_ns;         /* a pause at least this long gets its own row */
    int64_t last_t;         /* time of the packet drawn last (-1: none) */
};

static void row_init(struct row *r)
{
    r->len = 0;
    r->col = 0;
    r->buf[0] = '\0';
}

/* Append s (display width: its code points) without passing `limit` columns. */
static void row_put(struct row *r, const char *s, int limit)
{
    while (*s && r->len + 8 < ROW_MAX) {
        size_t l = 1;
        unsigned char c = (unsigned char)*s;
        if (c >= 0xF0)
            l = 4;
        else if (c >= 0xE0)
            l = 3;
        else if (c >= 0xC0)
            l = 2;
        if (r->col >= limit)
            return;
        size_t k = 0;
        while (k < l && s[k])
            k++;
        memcpy(r->buf + r->len, s, k);
        r->len += k;
        r->col++;
        s += k;
    }
    r->buf[r->len] = '\0';
}

static void row_pad(struct row *r, int col)
{
    while (r->col < col && r->len + 2 < ROW_MAX) {
        r->buf[r->len++] = ' ';
        r->col++;
    }
    r->buf[r->len] = '\0';
}

static void row_rep(struct row *r, const char *s, int n)
{
    for (int i = 0; i < n; i++)
        row_put(r, s, 1 << 30);
}

static void row_color(struct lad *L, struct row *r, enum color c)
{
    if (!L->o->color)
        return;
    const char *a = c == C_NONE ? "\x1b[0m" : ansi[c];
    size_t n = strlen(a);
    if (r->len + n + 1 < ROW_MAX) {
        memcpy(r->buf + r->len, a, n);
        r->len += n;
        r->buf[r->len] = '\0';
    }
}

static void row_emit(struct lad *L, struct row *r)
{
    /* drop trailing spaces */
    while (r->len && r->buf[r->len - 1] == ' ')
        r->len--;
    ob_write(L->ob, r->buf, r->len);
    ob_putc(L->ob, '\n');
}

static int text_cols(const char *s)
{
    return (int)utf8_width(s, strlen(s));
}

/* The number column and the client's state (right-aligned), up to the client's lifeline. */
static void left_part(struct lad *L, struct row *r, uint64_t frame, const char *state)
{
    row_init(r);
    if (frame) {
        char num[24];
        snprintf(num, sizeof num, "%5llu", (unsigned long long)frame);
        row_put(r, num, 1 << 30);
    }
    if (state && state[0]) {
        int w = text_cols(state);
        row_pad(r, LEFT_LINE - 1 - (w < ST_W ? w : ST_W));
        row_color(L, r, C_DIM);
        row_put(r, state, LEFT_LINE - 1);
        row_color(L, r, C_NONE);
    }
    row_pad(r, LEFT_LINE);
}

static void right_state(struct lad *L, struct row *r, const char *state)
{
    if (!state || !state[0])
        return;
    row_pad(r, L->right + 2);
    row_color(L, r, C_DIM);
    row_put(r, state, L->width);
    row_color(L, r, C_NONE);
}

/* An empty stretch of lifelines with optional text in the middle area. */
static void lifelines(struct lad *L, const char *text, enum color c, bool dotted, bool center)
{
    struct row r;
    left_part(L, &r, 0, NULL);
    const char *ln = dotted ? L->g->dotted : L->g->line;
    row_put(&r, ln, 1 << 30);
    if (text && text[0]) {
        int area = L->right - LEFT_LINE - 1;
        int w = text_cols(text);
        if (w > area - 2)
            w = area - 2;
        row_pad(&r, LEFT_LINE + 1 + (center ? (area - w) / 2 : 2));
        row_color(L, &r, c);
        row_put(&r, text, L->right - 1);
        row_color(L, &r, C_NONE);
    }
    row_pad(&r, L->right);
    row_put(&r, ln, 1 << 30);
    row_emit(L, &r);
}

static const char *flags_str(char *buf, size_t n, uint16_t f)
{
    static const struct {
        uint16_t bit;
        const char *name;
    } fl[] = {{TH_SYN, "SYN"}, {TH_FIN, "FIN"}, {TH_RST, "RST"}, {TH_PUSH, "PSH"},
              {TH_URG, "URG"}, {TH_ACK, "ACK"}, {TH_ECE, "ECE"}, {TH_CWR, "CWR"}};
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof fl / sizeof fl[0]; i++)
        if ((f & fl[i].bit) && o + 5 < n)
            o += (size_t)snprintf(buf + o, n - o, "%s%s", o ? "," : "", fl[i].name);
    if (!o)
        snprintf(buf, n, "none");
    return buf;
}

/* The arrow label, shortened until it fits `room` columns. */
static void label_for(const struct lad *L, const struct story_ev *e, char *buf, size_t n,
                      int room)
{
    char fl[48];
    flags_str(fl, sizeof fl, e->flags);
    uint32_t seq = L->o->absolute_seq || !e->rel_ok ? e->seq_raw : e->seq;
    uint32_t ack = L->o->absolute_seq || !e->rel_ok ? e->ack_raw : e->ack;
    for (int tries = 0; tries < 4; tries++) {
        size_t o = (size_t)snprintf(buf, n, "%s Seq=%u", fl, seq);
        if ((e->flags & TH_ACK) && o < n)
            o += (size_t)snprintf(buf + o, n - o, " Ack=%u", ack);
        if ((tries == 0 || e->len) && o < n)
            snprintf(buf + o, n - o, tries >= 2 ? " L=%u" : " Len=%u", e->len);
        if (tries == 3) {
            /* last resort: flags and Seq only */
            snprintf(buf, n, "%s Seq=%u", fl, seq);
        }
        if ((int)strlen(buf) <= room)
            return;
    }
    if ((int)strlen(buf) > room && room > 0 && (size_t)room < n)
        buf[room] = '\0';
}

static enum color ev_color(const struct story_ev *e)
{
    if (e->flags & TH_RST)
        return C_RST;
    if (e->flags & TH_SYN)
        return C_SYN;
    if (e->flags & TH_FIN)
        return C_FIN;
    return C_NONE;
}

static bool ta_bad(uint16_t ta)
{
    return ta & (TA_RETRANSMISSION | TA_FAST_RETRANSMISSION | TA_LOST_PACKET |
                 TA_ACK_LOST_PACKET | TA_ZERO_WINDOW | TA_OUT_OF_ORDER |
                 TA_SPURIOUS_RETRANSMISSION);
}

/* Short analysis tags, Wireshark's words: "[Retransmission] [Dup ACK 5#1]". */
static void tags_str(const struct story_ev *e, char *buf, size_t n)
{
    static const struct {
        uint16_t bit;
        const char *tag;
    } t[] = {
        {TA_RETRANSMISSION, "Retransmission"}, {TA_FAST_RETRANSMISSION, "Fast Retransmission"},
        {TA_SPURIOUS_RETRANSMISSION, "Spurious Retransmission"},
        {TA_OUT_OF_ORDER, "Out-Of-Order"}, {TA_LOST_PACKET, "Previous segment not captured"},
        {TA_ACK_LOST_PACKET, "ACKed unseen segment"}, {TA_ZERO_WINDOW, "ZeroWindow"},
        {TA_ZERO_WINDOW_PROBE, "ZeroWindowProbe"}, {TA_ZERO_WINDOW_PROBE_ACK, "ZeroWindowProbeAck"},
        {TA_WINDOW_FULL, "Window Full"}, {TA_WINDOW_UPDATE, "Window Update"},
        {TA_KEEP_ALIVE, "Keep-Alive"}, {TA_KEEP_ALIVE_ACK, "Keep-Alive ACK"},
        {TA_REUSED_PORTS, "Port numbers reused"},
    };
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof t / sizeof t[0] && o + 2 < n; i++) {
        if (!(e->ta & t[i].bit))
            continue;
        o += (size_t)snprintf(buf + o, n - o, "%s[%s]", o ? " " : "", t[i].tag);
    }
    if ((e->ta & TA_DUPLICATE_ACK) && e->dupack_num && o + 2 < n)
        snprintf(buf + o, n - o, "%s[Dup ACK %llu#%u]", o ? " " : "",
                 (unsigned long long)e->dupack_frame, e->dupack_num);
}

static void arrow(struct lad *L, const struct story_ev *e)
{
    struct row r;
    const char *cs = e->st_client != L->cst ? tcp_st_name(e->st_client) : NULL;
    const char *ss = e->st_server != L->sst ? tcp_st_name(e->st_server) : NULL;
    L->cst = e->st_client;
    L->sst = e->st_server;
    left_part(L, &r, e->frame, cs);
    row_put(&r, L->g->line, 1 << 30);
    int area = L->right - LEFT_LINE - 1;
    char lab[128];
    label_for(L, e, lab, sizeof lab, area - 5);
    int lw = text_cols(lab);
    int fill = area - lw - 4;
    if (fill < 0)
        fill = 0;
    enum color c = ev_color(e);
    row_color(L, &r, c);
    if (e->from_client) {
        row_rep(&r, L->g->h, 1);
        row_put(&r, " ", 1 << 30);
        row_put(&r, lab, L->right);
        row_put(&r, " ", 1 << 30);
        row_rep(&r, L->g->h, fill + (area - 4 - lw - fill));
        row_put(&r, L->g->right, 1 << 30);
    } else {
        row_put(&r, L->g->left, 1 << 30);
        row_rep(&r, L->g->h, fill + (area - 4 - lw - fill));
        row_put(&r, " ", 1 << 30);
        row_put(&r, lab, L->right);
        row_put(&r, " ", 1 << 30);
        row_rep(&r, L->g->h, 1);
    }
    row_color(L, &r, C_NONE);
    row_pad(&r, L->right);
    row_put(&r, L->g->line, 1 << 30);
    right_state(L, &r, ss);
    row_emit(L, &r);
    /* the note row: tags and what the application said */
    char tags[256], note[384];
    tags_str(e, tags, sizeof tags);
    if (tags[0] || e->app[0]) {
        snprintf(note, sizeof note, "%s%s%s", tags, tags[0] && e->app[0] ? " " : "", e->app);
        struct row r2;
        left_part(L, &r2, 0, NULL);
        row_put(&r2, L->g->line, 1 << 30);
        int w = text_cols(note);
        if (w > area - 4)
            w = area - 4;
        row_pad(&r2, e->from_client ? LEFT_LINE + 3 : L->right - 2 - w);
        if (tags[0]) {
            row_color(L, &r2, ta_bad(e->ta) ? C_BAD : C_WARN);
            row_put(&r2, tags, L->right - 2);
            row_color(L, &r2, C_NONE);
            if (e->app[0])
                row_put(&r2, " ", L->right - 2);
        }
        if (e->app[0]) {
            row_color(L, &r2, C_APP);
            row_put(&r2, e->app, L->right - 2);
            row_color(L, &r2, C_NONE);
        }
        row_pad(&r2, L->right);
        row_put(&r2, L->g->line, 1 << 30);
        row_emit(L, &r2);
    }
}

/* A long pause before e (the timeline is not to scale, so say it). */
static bool pause_before(const struct lad *L, const struct story_ev *e, int64_t prev_t)
{
    return prev_t >= 0 && ts_diff(e->t_rel, prev_t) >= L->gap_ns;
}

static void pause_row(struct lad *L, int64_t ns)
{
    char txt[64];
    snprintf(txt, sizeof txt, msg_en.text[M_L_PAUSE], (double)ns / 1e9);
    lifelines(L, txt, C_DIM, true, true);
}

/* A packet that may be folded into a run: plain data or ACK, nothing notable. */
static bool plain(const struct lad *L, const struct story_ev *e, int64_t prev_t)
{
    return !(e->flags & (TH_SYN | TH_FIN | TH_RST)) && !e->ta && !e->app[0] && !e->step[0] &&
           e->st_client == L->cst && e->st_server == L->sst && !pause_before(L, e, prev_t);
}

static void fold_line(struct lad *L, const struct story_ev *const *run, uint32_t n)
{
    unsigned long long up = 0, down = 0, bup = 0, bdown = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (run[i]->from_client) {
            up++;
            bup += run[i]->len;
        } else {
            down++;
            bdown += run[i]->len;
        }
    }
    char txt[192];
    snprintf(txt, sizeof txt, msg_en.text[M_L_FOLD], (unsigned long long)n, up, L->g->right,
             bup, down, L->g->left, bdown);
    lifelines(L, txt, C_DIM, true, true);
}

static void draw(struct lad *L, const struct story *s)
{
    char ca[64], sa[64], cl[96], sl[96], title[256];
    info_addr(&s->client, ca);
    info_addr(&s->server, sa);
    if (s->client.family == 6)
        snprintf(cl, sizeof cl, "[%s]:%u", ca, (unsigned)s->client_port);
    else
        snprintf(cl, sizeof cl, "%s:%u", ca, (unsigned)s->client_port);
    if (s->server.family == 6)
        snprintf(sl, sizeof sl, "[%s]:%u", sa, (unsigned)s->server_port);
    else
        snprintf(sl, sizeof sl, "%s:%u", sa, (unsigned)s->server_port);
    snprintf(title, sizeof title, msg_en.text[M_L_TITLE], (unsigned)s->stream);
    struct row r;
    ob_puts(L->ob, L->o->color ? "\x1b[1m" : "");
    ob_puts(L->ob, title);
    ob_puts(L->ob, L->o->color ? "\x1b[0m\n" : "\n");
    ob_puts(L->ob, msg_en.text[L->o->absolute_seq ? M_L_LEGEND_ABS : M_L_LEGEND]);
    ob_putc(L->ob, '\n');
    /* the names and addresses over the lifelines */
    const char *cn = msg_en.text[M_L_CLIENT], *sn = msg_en.text[M_L_SERVER];
    row_init(&r);
    row_pad(&r, LEFT_LINE);
    row_put(&r, cn, L->width);
    row_pad(&r, L->right + 1 - text_cols(sn));
    row_put(&r, sn, L->width);
    row_emit(L, &r);
    int cw = text_cols(cl), sw = text_cols(sl);
    row_init(&r);
    if (LEFT_LINE + cw + 2 + sw <= L->right + 1) {
        row_pad(&r, LEFT_LINE);
        row_put(&r, cl, L->width);
        row_pad(&r, L->right + 1 - sw);
        row_put(&r, sl, L->width);
        row_emit(L, &r);
    } else {
        row_pad(&r, LEFT_LINE);
        row_put(&r, cl, L->width);
        row_emit(L, &r);
        row_init(&r);
        row_pad(&r, sw <= L->right + 1 ? L->right + 1 - sw : 0);
        row_put(&r, sl, L->width);
        row_emit(L, &r);
    }
    /* the states before the first packet */
    uint32_t n = story_count(s);
    const struct story_ev *first = n ? story_at(s, 0) : NULL;
    if (first && (first->flags & (TH_SYN | TH_ACK)) == TH_SYN && first->from_client) {
        L->cst = ST_CLOSED;
        L->sst = ST_LISTEN;
    } else {
        L->cst = ST_ESTABLISHED;
        L->sst = ST_ESTABLISHED;
    }
    left_part(L, &r, 0, tcp_st_name(L->cst));
    row_put(&r, L->g->line, 1 << 30);
    row_pad(&r, L->right);
    row_put(&r, L->g->line, 1 << 30);
    right_state(L, &r, tcp_st_name(L->sst));
    row_emit(L, &r);

    const struct story_ev **run = xmalloc((n ? n : 1) * sizeof *run);
    uint32_t nrun = 0;
    uint32_t gap = story_gap_after(s);
    /* a pause worth a row: 10 round trips, at least 200 ms */
    /* (an iRTT from absurd timestamps can be near INT64_MAX: compare before multiplying) */
    L->gap_ns = s->irtt > 20000000LL ? (s->irtt > INT64_MAX / 10 ? INT64_MAX : s->irtt * 10)
                                     : 200000000LL;
    int64_t prev_t = -1;
    for (uint32_t i = 0; i <= n; i++) {
        const struct story_ev *e = i < n ? story_at(s, i) : NULL;
        bool fold = e && !L->o->full && plain(L, e, prev_t);
        if (fold)
            run[nrun++] = e;
        if (!fold || i == gap || !e) {
            /* flush the run: fold the middle of a long one */
            if (nrun >= FOLD_MIN) {
                arrow(L, run[0]);
                fold_line(L, run + 1, nrun - 2);
                arrow(L, run[nrun - 1]);
            } else {
                for (uint32_t k = 0; k < nrun; k++)
                    arrow(L, run[k]);
            }
            nrun = 0;
        }
        if (e && !fold) {
            if (pause_before(L, e, prev_t))
                pause_row(L, ts_diff(e->t_rel, prev_t));
            arrow(L, e);
        }
        if (e)
            prev_t = e->t_rel;
        if (i == gap) {
            char txt[128];
            snprintf(txt, sizeof txt, msg_en.text[M_L_OMITTED], (unsigned long long)s->omitted);
            lifelines(L, txt, C_DIM, true, true);
        }
    }
    free(run);
}

void ladder_story(struct obuf *ob, const struct story *s, const struct ladder_opts *o)
{
    struct lad L = {ob, o, o->ascii ? &G_ASCII : &G_UNI, 80, 0, ST_NONE, ST_NONE, 0, -1};
    if (o->width >= 60)
        L.width = o->width;
    L.right = L.width - 2 - ST_W;
    draw(&L, s);
}

struct ladder_ctx {
    struct obuf *ob;
    struct ladder_opts o;
    struct sink story;
    uint64_t told;
};

static void ladder_cb(void *vctx, const struct story *s)
{
    struct ladder_ctx *c = vctx;
    if (c->told)
        ob_putc(c->ob, '\n');
    ladder_story(c->ob, s, &c->o);
    c->told++;
}

static void ld_packet(void *vctx, const struct pkt_event *ev)
{
    struct ladder_ctx *c = vctx;
    c->story.packet(c->story.ctx, ev);
}

static void ld_conn(void *vctx, const struct tcp_conn *tc)
{
    struct ladder_ctx *c = vctx;
    c->story.conn(c->story.ctx, tc);
}

static void ld_finish(void *vctx, const struct run_info *ri)
{
    struct ladder_ctx *c = vctx;
    c->story.finish(c->story.ctx, ri);
    if (!c->told) {
        if (c->o.stream >= 0)
            ob_printf(c->ob, msg_en.text[M_NO_STREAM], (unsigned)c->o.stream);
        else
            ob_puts(c->ob, msg_en.text[M_NO_CONN]);
        ob_putc(c->ob, '\n');
    }
    const struct story_stats *st = story_sink_stats(&c->story);
    if (st->skipped) {
        ob_putc(c->ob, '\n');
        ob_printf(c->ob, msg_en.text[M_SKIPPED], (unsigned long long)st->skipped,
                  (unsigned)STORY_MAX_OPEN_DEFAULT);
        ob_putc(c->ob, '\n');
    }
    ob_flush(c->ob);
}

struct sink render_ladder_sink(struct obuf *ob, const struct ladder_opts *o)
{
    struct ladder_ctx *c = xcalloc(1, sizeof *c);
    c->ob = ob;
    c->o = *o;
    struct story_opts so = {o->stream, 0};
    c->story = story_sink(&so, ladder_cb, c);
    struct sink s = {c, ld_packet, ld_conn, ld_finish, NULL, NULL};
    return s;
}

uint64_t render_ladder_count(const struct sink *s)
{
    const struct ladder_ctx *c = s->ctx;
    return c->told;
}

void render_ladder_free(struct sink *s)
{
    struct ladder_ctx *c = s->ctx;
    if (!c)
        return;
    story_sink_free(&c->story);
    free(c);
    s->ctx = NULL;
}
