/* summary: the SVG ladder diagram of one connection (see html_ladder.h).
 *
 * Layout, in SVG user units (1 unit = 1 CSS pixel at 100% zoom):
 *
 *   | No. time | state pills |C-lifeline  ---- arrow ---->  S-lifeline| state pills | band label |
 *
 * one row of ROW_H units per packet; the arrow slants down by SLANT units so time visibly
 * flows down; a pause of a second or more between two packets gets an extra spacer row that
 * says how long it was. The colours are CSS classes defined by the page (render_html.c), so
 * the diagram prints and themes with the rest of the page. */
#include "html_ladder.h"

#include <math.h>
#include <string.h>

#include "render_info.h"
#include "tcp_track.h"

#define W 900
#define CX 200          /* client lifeline */
#define SX 640          /* server lifeline */
#define HDR_H 66        /* header boxes */
#define ROW_H 50
#define SLANT 8
#define SUB_H 14        /* extra room for the line under an arrow */
#define GAP_H 20        /* spacer for a pause */
#define CUT_H 36        /* the band that says packets were left out */
#define GAP_NS 1000000000LL
#define CHAR_W 6.6      /* width of one character at the label font size (monospace 11px) */
#define APP_MAX 64      /* characters of the application summary drawn on the arrow */

struct band_msg {
    const char *client, *server;
    const char *hs3, *hs, *td4, *td3, *td, *rst;
    const char *omitted;     /* printf format with one %llu */
};

static const struct band_msg msgs[2] = {
    {"Client", "Server", "3-way handshake", "handshake", "4-way close", "3-way close", "close",
     "reset", "%llu packets left out"},
    {"客户端", "服务器", "三次握手", "握手", "四次挥手", "三次挥手", "挥手", "复位 (RST)",
     "省略了 %llu 个包"},
};

bool html_ladder_warn(uint16_t ta)
{
    return (ta & ~(TA_WINDOW_UPDATE | TA_KEEP_ALIVE_ACK)) != 0;
}

/* Flags as Wireshark writes them, escaped (info_tcp_flags may say "<None>"). */
static void put_flags(struct obuf *ob, uint16_t flags)
{
    char tmp[96];
    struct obuf t = {.fd = -1, .buf = tmp, .cap = sizeof tmp, .max = sizeof tmp - 1};
    info_tcp_flags(&t, flags, ", ");
    ob_html_esc(ob, t.buf, t.len < t.cap ? t.len : 0);
}

static void put_time(struct obuf *ob, int64_t ns)
{
    if (ns < 0)
        ns = 0;
    ob_fixed(ob, ns / 1000, 6);
}

/* Analysis tags in brackets, as the packet list writes them ("[TCP Dup ACK 1#2]"). */
static void put_tags(struct obuf *ob, const struct lad_pkt *p)
{
    bool any = false;
    for (int i = 0; i < ta_names_count; i++) {
        if (!(p->ta & ta_names[i].bit))
            continue;
        if (any)
            ob_putc(ob, ' ');
        ob_putc(ob, '[');
        ob_html_cstr(ob, ta_names[i].tag);
        if (ta_names[i].bit == TA_DUPLICATE_ACK && p->dupack_frame)
            ob_printf(ob, " %llu#%u", (unsigned long long)p->dupack_frame, p->dupack_num);
        ob_putc(ob, ']');
        any = true;
    }
}

/* Application summary, escaped and shortened to APP_MAX characters. */
static void put_app(struct obuf *ob, const char *s)
{
    size_t n = strlen(s);
    if (n <= APP_MAX) {
        ob_html_esc(ob, s, n);
        return;
    }
    ob_html_esc(ob, s, APP_MAX - 1);
    ob_puts(ob, "…");
}

static bool has_sub(const struct lad_pkt *p)
{
    return p->ta != 0 || (p->app && p->app[0]);
}

/* Height of a packet's row: a second line under the arrow needs room of its own. */
static double row_h(const struct lad_pkt *p)
{
    return ROW_H + (has_sub(p) ? SUB_H : 0);
}

static const char *arrow_class(const struct lad_pkt *p)
{
    if (html_ladder_warn(p->ta))
        return "warn";
    switch (p->phase) {
    case PH_HANDSHAKE: return "hs";
    case PH_TEARDOWN: return "td";
    case PH_RESET: return "rst";
    default: return "data";
    }
}

/* One state pill beside a lifeline: right-aligned to x (left side) or left-aligned from x. */
static void state_pill(struct obuf *ob, double x, double y, bool left, uint8_t st)
{
    const char *name = tcp_st_name((enum tcp_st)st);
    if (!name[0])
        return;
    double w = (double)strlen(name) * 6.0 + 12;
    double x0 = left ? x - w : x;
    ob_printf(ob, "<g class=\"st\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" "
                  "rx=\"8\"/><text x=\"%.1f\" y=\"%.1f\">%s</text></g>",
              x0, y - 8, w, x0 + w / 2, y + 3.5, name);
}

static void lifeline_box(struct obuf *ob, double cx, const char *role, const char *addr)
{
    double w = (double)strlen(addr) * CHAR_W + 24;
    if (w < 170)
        w = 170;
    double x0 = cx - w / 2;
    if (x0 < 4)
        x0 = 4;
    if (x0 + w > W - 4)
        x0 = W - 4 - w;
    ob_printf(ob, "<g class=\"who\"><rect x=\"%.1f\" y=\"8\" width=\"%.1f\" height=\"44\" "
                  "rx=\"6\"/><text class=\"role\" x=\"%.1f\" y=\"26\">",
              x0, w, x0 + w / 2);
    ob_html_cstr(ob, role);
    ob_printf(ob, "</text><text class=\"addr\" x=\"%.1f\" y=\"43\">", x0 + w / 2);
    ob_html_cstr(ob, addr);
    ob_puts(ob, "</text></g>");
}

static const char *band_label(const struct band_msg *m, uint8_t phase, size_t rows)
{
    switch (phase) {
    case PH_HANDSHAKE: return rows == 3 ? m->hs3 : m->hs;
    case PH_TEARDOWN: return rows == 4 ? m->td4 : rows == 3 ? m->td3 : m->td;
    default: return m->rst;
    }
}

/* Room above packet i: for the packets left out just before it, or for a pause. */
static double space_before(const struct lad_conn *c, size_t i)
{
    if (!i)
        return 0;
    if (c->omitted && i - 1 == c->gap_after)
        return CUT_H;
    return c->pkts[i].t_rel - c->pkts[i - 1].t_rel >= GAP_NS ? GAP_H : 0;
}

void html_ladder_svg(struct obuf *ob, const struct lad_conn *c)
{
    const struct band_msg *m = &msgs[c->lang == 1 ? 1 : 0];
    /* pass 1: heights */
    double h = HDR_H;
    for (size_t i = 0; i < c->n; i++)
        h += space_before(c, i) + row_h(&c->pkts[i]);
    h += 14;
    ob_printf(ob, "<svg class=\"ladder\" xmlns=\"http://www.w3.org/2000/svg\" "
                  "viewBox=\"0 0 %d %.0f\" width=\"%d\" height=\"%.0f\" role=\"img\">",
              W, h, W, h);

    /* bands behind everything: runs of handshake / teardown / reset rows */
    double y = HDR_H;
    for (size_t i = 0; i < c->n;) {
        y += space_before(c, i);
        uint8_t ph = c->pkts[i].phase;
        if (ph != PH_HANDSHAKE && ph != PH_TEARDOWN && ph != PH_RESET) {
            y += row_h(&c->pkts[i]);
            i++;
            continue;
        }
        double y0 = y;
        size_t j = i;
        /* a band stops at the packets left out */
        while (j < c->n && c->pkts[j].phase == ph &&
               (j == i || !c->omitted || j - 1 != c->gap_after)) {
            if (j > i)
                y += space_before(c, j);
            y += row_h(&c->pkts[j]);
            j++;
        }
        const char *cls = ph == PH_HANDSHAKE ? "hs" : ph == PH_TEARDOWN ? "td" : "rst";
        ob_printf(ob, "<g class=\"band %s\"><rect x=\"4\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
                      "rx=\"6\"/><text x=\"%d\" y=\"%.1f\">",
                  cls, y0 + 2, W - 8, y - y0 - 4, W - 12, y0 + 18);
        ob_html_cstr(ob, band_label(m, ph, j - i));
        ob_puts(ob, "</text></g>");
        i = j;
    }

    /* lifelines and their header boxes */
    ob_printf(ob, "<line class=\"life\" x1=\"%d\" y1=\"52\" x2=\"%d\" y2=\"%.0f\"/>"
                  "<line class=\"life\" x1=\"%d\" y1=\"52\" x2=\"%d\" y2=\"%.0f\"/>",
              CX, CX, h - 6, SX, SX, h - 6);
    lifeline_box(ob, CX, m->client, c->client);
    lifeline_box(ob, SX, m->server, c->server);

    /* one arrow per packet */
    uint8_t prev_c = 0, prev_s = 0;
    y = HDR_H;
    double mid = (CX + SX) / 2.0;
    for (size_t i = 0; i < c->n; i++) {
        const struct lad_pkt *p = &c->pkts[i];
        double sp = space_before(c, i);
        if (sp == CUT_H) {
            ob_printf(ob, "<g class=\"cut\"><rect x=\"4\" y=\"%.1f\" width=\"%d\" height=\"%d\" "
                          "rx=\"6\"/><text x=\"%.1f\" y=\"%.1f\">⋯ ",
                      y + 6, W - 8, CUT_H - 8, mid, y + 6 + (CUT_H - 8) / 2.0 + 4);
            ob_printf(ob, m->omitted, (unsigned long long)c->omitted);
            ob_puts(ob, " ⋯</text></g>");
        } else if (sp == GAP_H) {
            ob_printf(ob, "<text class=\"gap\" x=\"%.1f\" y=\"%.1f\">⋯ +", mid, y + 14);
            ob_fixed(ob, (p->t_rel - c->pkts[i - 1].t_rel) / 1000000, 3);
            ob_puts(ob, " s ⋯</text>");
        }
        y += sp;
        double x1 = p->from_client ? CX : SX, x2 = p->from_client ? SX : CX;
        double y1 = y + 22, y2 = y1 + SLANT;
        double dx = x2 - x1, dy = y2 - y1, len = sqrt(dx * dx + dy * dy);
        double ux = dx / len, uy = dy / len;
        double bx = x2 - ux * 10, by = y2 - uy * 10; /* base of the head */
        ob_printf(ob, "<a href=\"#%s-p%llu\"><g class=\"pkt %s\" data-frame=\"%llu\"><title>",
                  c->anchor, (unsigned long long)p->frame, arrow_class(p),
                  (unsigned long long)p->frame);
        /* the tooltip: every detail of the packet, one line each */
        ob_printf(ob, "No. %llu · ", (unsigned long long)p->frame);
        put_time(ob, p->t_rel);
        ob_printf(ob, " s · %s\n[", p->from_client ? "client → server" : "server → client");
        put_flags(ob, p->flags);
        ob_printf(ob, "] Seq=%u Ack=%u Len=%u Win=%u", p->seq, p->ack, p->len, p->win);
        if (p->ta) {
            ob_putc(ob, '\n');
            put_tags(ob, p);
        }
        if (p->step[0]) {
            ob_puts(ob, "\nstep: ");
            ob_html_cstr(ob, p->step);
        }
        ob_printf(ob, "\nclient %s · server %s", tcp_st_name((enum tcp_st)p->st_client),
                  tcp_st_name((enum tcp_st)p->st_server));
        if (p->app && p->app[0]) {
            ob_putc(ob, '\n');
            ob_html_cstr(ob, p->app);
        }
        ob_puts(ob, "</title>");
        /* a wide transparent line makes the arrow easy to hover and click */
        ob_printf(ob, "<line class=\"hit\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                      "<line class=\"shaft\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                      "<polygon class=\"head\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>",
                  x1, y1, x2, y2, x1, y1, bx, by, x2, y2, bx - uy * 4.5, by + ux * 4.5,
                  bx + uy * 4.5, by - ux * 4.5);
        /* frame number and time in the left column */
        ob_printf(ob, "<text class=\"no\" x=\"34\" y=\"%.1f\">%llu</text>"
                      "<text class=\"t\" x=\"40\" y=\"%.1f\">",
                  y2 + 1, (unsigned long long)p->frame, y2 + 1);
        put_time(ob, p->t_rel);
        ob_puts(ob, "</text>");
        /* the label above the arrow: flags and numbers */
        ob_printf(ob, "<text class=\"lbl\" x=\"%.1f\" y=\"%.1f\"><tspan class=\"fl\">", mid,
                  y + 15);
        put_flags(ob, p->flags);
        ob_printf(ob, "</tspan> Seq=%u", p->seq);
        if (p->flags & TH_ACK)
            ob_printf(ob, " Ack=%u", p->ack);
        ob_printf(ob, " Len=%u</text>", p->len);
        /* under the arrow: analysis tags, then what the application said */
        bool tags = p->ta != 0, app = p->app && p->app[0];
        if (has_sub(p)) {
            ob_printf(ob, "<text class=\"sub\" x=\"%.1f\" y=\"%.1f\">", mid, y2 + 16);
            if (tags) {
                ob_puts(ob, "<tspan class=\"tag\">");
                put_tags(ob, p);
                ob_puts(ob, "</tspan>");
            }
            if (app) {
                if (tags)
                    ob_putc(ob, ' ');
                ob_puts(ob, "<tspan class=\"app\">");
                put_app(ob, p->app);
                ob_puts(ob, "</tspan>");
            }
            ob_puts(ob, "</text>");
        }
        ob_puts(ob, "</g></a>");
        /* endpoint states where they change */
        if (p->st_client != prev_c)
            state_pill(ob, CX - 8, y2, true, p->st_client);
        if (p->st_server != prev_s)
            state_pill(ob, SX + 8, y2, false, p->st_server);
        prev_c = p->st_client;
        prev_s = p->st_server;
        y += row_h(p);
    }
    ob_puts(ob, "</svg>");
}
