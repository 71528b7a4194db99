/* summary: the HTML report renderer (render_html.h): collects the run's events within fixed
 * bounds and writes one self-contained page when the run finishes. */
#include "render_html.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conn_summary.h"
#include "explain.h"
#include "html_ladder.h"
#include "render_info.h"
#include "story.h"
#include "tcp_track.h"
#include "version.h"
#include "xalloc.h"

#define NS_PER_SEC 1000000000LL
#define ENDP_LEN 72

/* ---- the words of the page (English, Chinese) ---- */

#define N_BEGAN (BEGAN_MIDSTREAM + 1)
#define N_ENDED (ENDED_HALF_CLOSED + 1)

struct page_msg {
    const char *lang, *title, *summary, *packets, *tcp_packets, *other_packets, *span, *conns,
        *by_end, *anomalies, *no_anomalies, *conn_table, *conn, *client, *server, *began, *ended,
        *zeek, *pkts_cs, *bytes_cs, *duration, *irtt, *irtt_short, *trouble, *ladder,
        *explanation, *packet_list, *no, *time, *dir, *info, *step, *states, *legend[5],
        *hint_hover, *not_full, *not_full_cmd, *rows_cut, *pkts_cut, *gap_rows, *damaged,
        *none_tcp, *only_stream, *stream_missing;
    /* how a connection began and ended (conn_summary.h); English: conn_*_text() */
    const char *began_w[N_BEGAN], *ended_w[N_ENDED];
};

static const struct page_msg page_msgs[2] = {
    {
        .lang = "en",
        .title = "tcplens report",
        .summary = "Summary",
        .packets = "Packets",
        .tcp_packets = "TCP",
        .other_packets = "other",
        .span = "Time span",
        .conns = "TCP connections",
        .by_end = "How the connections ended",
        .anomalies = "Anomalies by kind",
        .no_anomalies = "none: no retransmission, loss, duplicate ACK or zero window was seen",
        .conn_table = "Connections",
        .conn = "Connection",
        .client = "Client",
        .server = "Server",
        .began = "Began",
        .ended = "Ended",
        .zeek = "Zeek",
        .pkts_cs = "Packets C→S / S→C",
        .bytes_cs = "Bytes C→S / S→C",
        .duration = "Duration",
        .irtt = "Handshake RTT",
        .irtt_short = "iRTT",
        .trouble = "Retr. / lost / 0-win",
        .ladder = "Ladder diagram",
        .explanation = "What happened",
        .packet_list = "Packets",
        .no = "No.",
        .time = "Time",
        .dir = "Dir",
        .info = "Info",
        .step = "Step",
        .states = "States after (client / server)",
        .legend = {"handshake", "data", "close", "reset", "anomaly"},
        .hint_hover = "Hover over an arrow for the packet's details; click it to jump to the "
                      "packet in the list.",
        .not_full = "Only the first %u connections are drawn in full.",
        .not_full_cmd = "To draw any other one, choose it by its number with -s:",
        .rows_cut = "The table lists the first %u of %llu connections.",
        .pkts_cut = "The diagram and the list show the first %1$u and the last %2$u of this "
                    "connection's %3$llu packets; the %4$llu in between are left out.",
        .gap_rows = "⋯ %llu packets left out ⋯",
        .damaged = "The capture is damaged or cut short; everything before the damage is shown:",
        .none_tcp = "The capture holds no TCP connection.",
        .only_stream = "Only connection %lld is drawn in full (-s).",
        .stream_missing = "There is no connection %lld in this capture.",
    },
    {
        .lang = "zh",
        .title = "tcplens 报告",
        .summary = "概览",
        .packets = "数据包",
        .tcp_packets = "TCP",
        .other_packets = "其他",
        .span = "时间范围",
        .conns = "TCP 连接",
        .by_end = "连接如何结束",
        .anomalies = "异常（按类型）",
        .no_anomalies = "无：没有重传、丢包、重复 ACK 或零窗口",
        .conn_table = "连接列表",
        .conn = "连接",
        .client = "客户端",
        .server = "服务器",
        .began = "开始",
        .ended = "结束",
        .zeek = "Zeek",
        .pkts_cs = "包 C→S / S→C",
        .bytes_cs = "字节 C→S / S→C",
        .duration = "时长",
        .irtt = "握手 RTT",
        .irtt_short = "iRTT",
        .trouble = "重传 / 丢失 / 零窗口",
        .ladder = "时序图",
        .explanation = "解读",
        .packet_list = "数据包列表",
        .no = "序号",
        .time = "时间",
        .dir = "方向",
        .info = "信息",
        .step = "步骤",
        .states = "之后的状态（客户端 / 服务器）",
        .legend = {"握手", "数据", "挥手", "复位", "异常"},
        .hint_hover = "鼠标悬停在箭头上查看数据包详情；点击跳到列表中的该包。",
        .not_full = "只完整绘制了前 %u 个连接。",
        .not_full_cmd = "要查看其他连接，用 -s 指定它的编号：",
        .rows_cut = "表中列出了 %2$llu 个连接中的前 %1$u 个。",
        .pkts_cut = "图和列表只显示该连接 %3$llu 个包中的前 %1$u 个和最后 %2$u 个；"
                    "中间的 %4$llu 个省略。",
        .gap_rows = "⋯ 省略 %llu 个包 ⋯",
        .damaged = "抓包文件已损坏或被截断；损坏之前的内容均已显示：",
        .none_tcp = "抓包中没有 TCP 连接。",
        .only_stream = "只完整绘制了连接 %lld（-s）。",
        .stream_missing = "抓包中没有连接 %lld。",
        .began_w = {[BEGAN_HANDSHAKE] = "三次握手",
                    [BEGAN_SYN_ONLY] = "只有 SYN",
                    [BEGAN_SYN_SYNACK] = "SYN 与 SYN-ACK，未见 ACK",
                    [BEGAN_SIMULTANEOUS] = "同时打开",
                    [BEGAN_MIDSTREAM] = "未见握手"},
        .ended_w = {[ENDED_OPEN] = "仍未关闭",
                    [ENDED_FOUR_WAY] = "四次挥手",
                    [ENDED_THREE_WAY] = "三次挥手",
                    [ENDED_SIMULTANEOUS] = "同时关闭",
                    [ENDED_RST_CLIENT] = "客户端复位 (RST)",
                    [ENDED_RST_SERVER] = "服务器复位 (RST)",
                    [ENDED_REFUSED] = "连接被拒绝",
                    [ENDED_HALF_CLOSED] = "半关闭"},
    },
};

/* ---- what the sink keeps ---- */

struct hconn {                 /* one row of the connection table */
    uint32_t stream;
    char client[ENDP_LEN], server[ENDP_LEN];
    uint64_t pkts_c, pkts_s, bytes_c, bytes_s;
    int64_t ts_first, ts_last;
    int64_t irtt;
    uint32_t retrans, lost, zero_windows;
    char zeek[8];
    char history[48];
    uint8_t began, ended;
};

struct hstream {               /* a connection drawn in full */
    bool used;
    uint32_t stream;
    struct story *st;          /* owned copy of its story (st->conn cleared) */
    char *explain;             /* owned: its explanation, plain text */
    char client[ENDP_LEN], server[ENDP_LEN];
};

struct html_ctx {
    struct obuf *ob;
    struct html_opts o;
    struct sink story;         /* the story collector the page reads (story.h) */
    /* totals */
    uint64_t tcp_pkts, other_pkts;
    uint64_t ta_count[16];
    uint64_t nconns;
    uint64_t ended_count[N_ENDED];
    /* table rows */
    struct hconn *rows;
    size_t nrows, caprows;
    /* connections in full: index = stream (or 0 for the chosen stream) */
    struct hstream *full;
    uint32_t nfull;
};

static void endpoint(char *buf, const struct addr *a, uint16_t port)
{
    char s[48];
    info_addr(a, s);
    if (a->family == 6)
        snprintf(buf, ENDP_LEN, "[%s]:%u", s, port);
    else
        snprintf(buf, ENDP_LEN, "%s:%u", s, port);
}

static struct hstream *full_slot(struct html_ctx *c, uint32_t stream)
{
    if (c->o.stream >= 0)
        return (int64_t)stream == c->o.stream ? &c->full[0] : NULL;
    return stream < c->nfull ? &c->full[stream] : NULL;
}

static void html_packet(void *vctx, const struct pkt_event *ev)
{
    struct html_ctx *c = vctx;
    const struct tcp_rec *r = ev->tcp;
    if (!r || !r->valid || r->inner || ev->pkt->l4 != L4_TCP) {
        c->other_pkts++;
    } else {
        c->tcp_pkts++;
        for (int b = 0; b < 16; b++)
            if (r->flags & (1u << b))
                c->ta_count[b]++;
    }
    c->story.packet(c->story.ctx, ev);
}

/* A connection's story is complete: keep it (and its explanation) if it is to be drawn. */
static void html_story(void *vctx, const struct story *st)
{
    struct html_ctx *c = vctx;
    struct hstream *hs = full_slot(c, st->stream);
    if (!hs || hs->used)
        return;
    hs->used = true;
    hs->stream = st->stream;
    hs->st = xmalloc(sizeof *hs->st);
    *hs->st = *st;
    hs->st->conn = NULL;
    endpoint(hs->client, &st->client, st->client_port);
    endpoint(hs->server, &st->server, st->server_port);
    /* one paragraph per line: the browser wraps */
    struct explain_opts eo = {c->o.lang == 1 ? "zh" : "en", -1, false, 1 << 20};
    struct obuf e;
    ob_init_mem(&e, 1 << 20);
    explain_story(&e, st, &eo);
    hs->explain = xstrdup(ob_cstr(&e));
    ob_free(&e);
}

/* A later part of a conversation the tracker evicted and a packet continued (tcp_track.h):
 * counted once, folded into its row as conns does (conn_summary_merge). */
static void html_conn_later(struct html_ctx *c, const struct conn_summary *cs)
{
    struct hconn *h = NULL;
    for (size_t i = c->nrows; i-- > 0;)
        if (c->rows[i].stream == cs->stream) {
            h = &c->rows[i];
            break;
        }
    /* how it ended: the earlier part's (usually "open": evicted while silent) unless this one
     * says more */
    uint8_t was = h ? h->ended : (uint8_t)ENDED_OPEN;
    if (cs->ended != ENDED_OPEN && (unsigned)cs->ended < N_ENDED && was < N_ENDED &&
        c->ended_count[was]) {
        c->ended_count[was]--;
        c->ended_count[cs->ended]++;
    }
    if (!h)
        return;
    char cl[ENDP_LEN];
    endpoint(cl, &cs->client.addr, cs->client.port);
    bool same = !strcmp(cl, h->client);
    h->pkts_c += same ? cs->client.pkts : cs->server.pkts;
    h->pkts_s += same ? cs->server.pkts : cs->client.pkts;
    h->bytes_c += same ? cs->client.bytes : cs->server.bytes;
    h->bytes_s += same ? cs->server.bytes : cs->client.bytes;
    if (cs->ts_end > h->ts_last)
        h->ts_last = cs->ts_end;
    if (h->irtt <= 0)
        h->irtt = cs->irtt;
    h->retrans += cs->retrans;
    h->lost += cs->lost;
    h->zero_windows += cs->zero_windows;
    if (strcmp(cs->conn_state, "OTH"))
        snprintf(h->zeek, sizeof h->zeek, "%s", cs->conn_state);
    if (cs->ended != ENDED_OPEN)
        h->ended = (uint8_t)cs->ended;
}

static void html_conn(void *vctx, const struct tcp_conn *tc)
{
    struct html_ctx *c = vctx;
    struct conn_summary cs;
    conn_summarize(tc, &cs);
    if (tc->resumed) {
        html_conn_later(c, &cs);
        return;
    }
    c->nconns++;
    if ((unsigned)cs.ended < N_ENDED)
        c->ended_count[cs.ended]++;
    if (c->nrows >= c->o.max_rows) {
        /* keep the row of the chosen connection even past the cap */
        if (c->o.stream < 0 || (int64_t)tc->stream != c->o.stream)
            return;
    }
    if (c->nrows == c->caprows) {
        c->caprows = c->caprows ? c->caprows * 2 : 64;
        c->rows = xrealloc(c->rows, c->caprows * sizeof *c->rows);
    }
    struct hconn *h = &c->rows[c->nrows++];
    memset(h, 0, sizeof *h);
    h->stream = cs.stream;
    endpoint(h->client, &cs.client.addr, cs.client.port);
    endpoint(h->server, &cs.server.addr, cs.server.port);
    h->pkts_c = cs.client.pkts;
    h->pkts_s = cs.server.pkts;
    h->bytes_c = cs.client.bytes;
    h->bytes_s = cs.server.bytes;
    h->ts_first = cs.ts_start;
    h->ts_last = cs.ts_end;
    h->irtt = cs.irtt;
    h->retrans = cs.retrans;
    h->lost = cs.lost;
    h->zero_windows = cs.zero_windows;
    snprintf(h->zeek, sizeof h->zeek, "%s", cs.conn_state);
    snprintf(h->history, sizeof h->history, "%s", cs.history);
    h->began = (uint8_t)cs.began;
    h->ended = (uint8_t)cs.ended;
}

static void html_conn_story(void *vctx, const struct tcp_conn *tc)
{
    struct html_ctx *c = vctx;
    html_conn(c, tc);
    c->story.conn(c->story.ctx, tc);
}

/* ---- page writing ---- */

static const char page_css[] =
    ":root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f6f7f9;--card:#fff;"
    "--hs:#2563eb;--td:#7c3aed;--rst:#dc2626;--data:#475569;--warn:#d97706;"
    "--mono:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--fg);"
    "font:15px/1.5 system-ui,-apple-system,'Segoe UI','Noto Sans','DejaVu Sans',sans-serif}\n"
    "main{max-width:1260px;margin:0 auto;padding:28px 24px 48px}\n"
    "header.top{display:flex;align-items:baseline;gap:16px;flex-wrap:wrap;"
    "border-bottom:3px solid var(--fg);padding-bottom:10px;margin-bottom:22px}\n"
    "header.top h1{font-size:26px;margin:0;letter-spacing:-.01em}\n"
    "header.top .cap{font-family:var(--mono);font-size:15px;color:var(--muted);"
    "word-break:break-all}\n"
    "h2{font-size:20px;margin:34px 0 12px}\n"
    "h3{font-size:15px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);"
    "margin:22px 0 8px}\n"
    ".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:12px}\n"
    ".card{background:var(--card);border:1px solid var(--line);border-radius:10px;"
    "padding:14px 16px}\n"
    ".card .k{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}\n"
    ".card .v{font-size:24px;font-weight:650;margin-top:2px;word-break:break-all}\n"
    ".card .v.small{font-size:15px;font-weight:500;font-family:var(--mono)}\n"
    ".card .d{font-size:13px;color:var(--muted)}\n"
    ".wide{grid-column:span 2}\n"
    ".bars{list-style:none;margin:8px 0 0;padding:0;font-size:14px}\n"
    ".bars li{display:grid;grid-template-columns:1fr 48px;gap:8px;align-items:center;"
    "margin:5px 0;position:relative}\n"
    ".bars .bar{height:6px;background:var(--line);border-radius:3px;grid-column:1/3;"
    "margin-top:-2px}\n"
    ".bars .bar i{display:block;height:6px;border-radius:3px;background:var(--hs)}\n"
    ".bars.warn .bar i{background:var(--warn)}\n"
    ".bars .n{text-align:right;font-variant-numeric:tabular-nums;font-weight:600}\n"
    ".muted{color:var(--muted)}\n"
    ".note{background:#fffbeb;border:1px solid #fde68a;border-radius:8px;padding:10px 14px;"
    "margin:12px 0;font-size:14px}\n"
    ".note code{background:#fff;border:1px solid #fde68a;border-radius:4px;padding:1px 5px}\n"
    ".tablewrap{overflow-x:auto;background:var(--card);border:1px solid var(--line);"
    "border-radius:10px}\n"
    "table{border-collapse:collapse;width:100%;font-size:12.5px}\n"
    "th{text-align:left;font-weight:600;color:var(--muted);font-size:12px;background:#f9fafb;"
    "border-bottom:1px solid var(--line);padding:7px 8px;vertical-align:bottom}\n"
    "td{padding:5px 8px;border-bottom:1px solid #f1f3f5;vertical-align:top}\n"
    "tr:last-child td{border-bottom:0}\n"
    "td.nw{white-space:nowrap}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    "td.m,table.pkts td{font-family:var(--mono);font-size:12.5px}\n"
    "table.pkts td.info{white-space:pre-wrap;overflow-wrap:anywhere}\n"
    "table.conns tbody tr:hover,table.pkts tbody tr:hover{background:#f8fafc}\n"
    "tr.warn td:first-child{box-shadow:inset 3px 0 var(--warn)}\n"
    "tr.warn td.info{color:#92400e}\n"
    "tr:target{background:#fef3c7!important}\n"
    ".dir{color:var(--muted)}\n"
    ".badge{display:inline-block;border-radius:999px;padding:1px 9px;font-size:12px;"
    "font-weight:600;background:#eef2f7;color:#334155;margin-right:6px;white-space:nowrap}\n"
    ".badge.ok{background:#dcfce7;color:#166534}.badge.bad{background:#fee2e2;color:#991b1b}\n"
    ".badge.mid{background:#fef3c7;color:#92400e}\n"
    "section.conn{background:var(--card);border:1px solid var(--line);border-radius:12px;"
    "padding:6px 22px 22px;margin-top:28px}\n"
    "section.conn h2{margin-top:18px;font-size:19px}\n"
    "section.conn h2 .ep{font-family:var(--mono);font-weight:500;font-size:16px}\n"
    ".facts{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:14px;color:var(--muted)}\n"
    ".facts b{color:var(--fg);font-weight:600}\n"
    ".svgwrap{overflow-x:auto}.svgwrap svg{margin:0 auto}\n"
    ".hint{font-size:13px;color:var(--muted);margin:4px 0 6px}\n"
    ".legend{white-space:nowrap;margin-left:8px}.legend span{margin-right:12px}\n"
    ".legend i{display:inline-block;width:18px;height:3px;border-radius:2px;vertical-align:middle;"
    "margin-right:5px;background:var(--data)}\n"
    ".legend .hs i{background:var(--hs)}.legend .td i{background:var(--td)}"
    ".legend .rst i{background:var(--rst)}.legend .warn i{background:var(--warn)}\n"
    ".explain{font-size:14.5px;line-height:1.6;background:#f9fafb;max-width:980px;"
    "border-left:3px solid var(--hs);padding:8px 18px;border-radius:0 8px 8px 0;margin:0}\n"
    ".explain p{margin:3px 0}.explain .xt{font-weight:600}"
    ".explain .xs{font-weight:600;margin-top:8px}"
    ".explain .xh{font-weight:700;margin-top:12px;color:#111827}\n"
    "table.pkts td.fl{font-weight:600;white-space:nowrap}\n"
    "table.pkts .tag{color:#b45309;font-weight:600}table.pkts .app{color:#0f766e;font-weight:600}\n"
    "tr.gap td{text-align:center;color:var(--muted);font-style:italic;background:#fafafa}\n"
    "a{color:var(--hs);text-decoration:none}a:hover{text-decoration:underline}\n"
    "footer{margin-top:40px;font-size:12px;color:var(--muted);text-align:center}\n"
    /* the ladder */
    "svg.ladder{display:block;max-width:none;font-family:var(--mono);font-size:11px}\n"
    "svg.ladder .life{stroke:#94a3b8;stroke-width:2}\n"
    "svg.ladder .who rect{fill:#f1f5f9;stroke:#cbd5e1}\n"
    "svg.ladder .who text{text-anchor:middle;fill:#0f172a}\n"
    "svg.ladder .who .role{font:700 12px system-ui,'DejaVu Sans',sans-serif;fill:#334155}\n"
    "svg.ladder .band rect{fill:#eff6ff}svg.ladder .band.td rect{fill:#f5f3ff}"
    "svg.ladder .band.rst rect{fill:#fef2f2}\n"
    "svg.ladder .band text{text-anchor:end;font:700 11px system-ui,'DejaVu Sans',sans-serif;"
    "letter-spacing:.04em;fill:var(--hs)}\n"
    "svg.ladder .band.td text{fill:var(--td)}svg.ladder .band.rst text{fill:var(--rst)}\n"
    "svg.ladder .pkt{--c:var(--data);cursor:pointer}\n"
    "svg.ladder .pkt.hs{--c:var(--hs)}svg.ladder .pkt.td{--c:var(--td)}"
    "svg.ladder .pkt.rst{--c:var(--rst)}svg.ladder .pkt.warn{--c:var(--warn)}\n"
    "svg.ladder .shaft{stroke:var(--c);stroke-width:1.7}\n"
    "svg.ladder .head{fill:var(--c)}\n"
    "svg.ladder .hit{stroke:transparent;stroke-width:16}\n"
    "svg.ladder .pkt:hover .shaft{stroke-width:3}\n"
    "svg.ladder .lbl{text-anchor:middle;fill:#1f2937}\n"
    "svg.ladder .fl{font-weight:700;fill:var(--c)}\n"
    "svg.ladder .sub{text-anchor:middle;fill:#475569}\n"
    "svg.ladder .tag{fill:#b45309;font-weight:700}\n"
    "svg.ladder .app{fill:#0f766e;font-weight:600}\n"
    "svg.ladder .no{text-anchor:end;font-weight:700;fill:#334155}\n"
    "svg.ladder .t{fill:#94a3b8}\n"
    "svg.ladder .gap{text-anchor:middle;fill:#94a3b8;font-style:italic}\n"
    "svg.ladder .cut rect{fill:#f8fafc;stroke:#cbd5e1;stroke-dasharray:4 3}\n"
    "svg.ladder .cut text{text-anchor:middle;fill:#64748b;font-style:italic}\n"
    "svg.ladder .st rect{fill:#fff;stroke:#cbd5e1}\n"
    "svg.ladder .st text{text-anchor:middle;font-size:10px;fill:#334155}\n"
    "@media print{body{background:#fff;font-size:12px}main{max-width:none;padding:0}"
    "section.conn{break-inside:auto;border:0;padding:0}svg.ladder{break-inside:avoid}"
    ".tablewrap{overflow:visible;border:0}a{color:inherit}.hint{display:none}"
    "tr{break-inside:avoid}}\n";

/* Fills data-ladders on <body> with "section:arrows:drawn:x,y,w,h" per diagram: how many
 * arrows the browser laid out with a non-empty box, and where the diagram is on the page (a
 * check for people and tests alike). */
static const char page_js[] =
    "(function(){var r=[];document.querySelectorAll('svg.ladder').forEach(function(s){"
    "var n=0,d=0;s.querySelectorAll('g.pkt').forEach(function(g){n++;var b=g.getBBox();"
    "if(b.width>0&&b.height>0)d++;});var q=s.getBoundingClientRect();"
    "r.push(s.closest('section').id+':'+n+':'+d+':'+[q.left+scrollX,q.top+scrollY,q.width,"
    "q.height].map(Math.round).join(','));});"
    "document.body.setAttribute('data-ladders',r.join(' '));})();";

static void put_dur(struct obuf *ob, int64_t ns)
{
    if (ns < 0)
        ns = 0;
    if (ns < NS_PER_SEC) {
        ob_fixed(ob, ns / 1000, 3); /* ms with microseconds */
        ob_puts(ob, " ms");
    } else {
        ob_fixed(ob, ns / 1000000, 3);
        ob_puts(ob, " s");
    }
}

static void put_utc(struct obuf *ob, int64_t ns)
{
    time_t s = (time_t)(ns / NS_PER_SEC);
    struct tm tm;
    gmtime_r(&s, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    ob_printf(ob, "%s.%06ld UTC", buf, (long)((ns % NS_PER_SEC) / 1000));
}

static const char *ended_badge(uint8_t e)
{
    switch (e) {
    case ENDED_FOUR_WAY: case ENDED_THREE_WAY: case ENDED_SIMULTANEOUS: return "ok";
    case ENDED_RST_CLIENT: case ENDED_RST_SERVER: case ENDED_REFUSED: return "bad";
    default: return "mid";
    }
}

static const char *began_word(const struct page_msg *m, uint8_t b)
{
    if (m == &page_msgs[0] || b >= N_BEGAN || !m->began_w[b])
        return conn_began_text((enum conn_began)b);
    return m->began_w[b];
}

static const char *ended_word(const struct page_msg *m, uint8_t e)
{
    if (m == &page_msgs[0] || e >= N_ENDED || !m->ended_w[e])
        return conn_ended_text((enum conn_ended)e);
    return m->ended_w[e];
}

static void bar_item(struct obuf *ob, const char *label, uint64_t n, uint64_t max)
{
    unsigned pct = max ? (unsigned)((n * 100 + max - 1) / max) : 0;
    ob_puts(ob, "<li><span>");
    ob_html_cstr(ob, label);
    ob_printf(ob, "</span><span class=\"n\">%llu</span><span class=\"bar\"><i style=\"width:%u%%\">"
                  "</i></span></li>",
              (unsigned long long)n, pct);
}

/* A count with thousands grouped by a thin space ("1 000 000"), for the summary's big numbers. */
static void put_count(struct obuf *ob, uint64_t v)
{
    char d[24];
    int n = snprintf(d, sizeof d, "%llu", (unsigned long long)v);
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            ob_puts(ob, " ");
        ob_putc(ob, d[i]);
    }
}

static void write_summary(struct html_ctx *c, const struct page_msg *m, const struct run_info *ri)
{
    struct obuf *ob = c->ob;
    ob_printf(ob, "<section id=\"summary\"><h2>%s</h2><div class=\"cards\">", m->summary);
    ob_printf(ob, "<div class=\"card\"><div class=\"k\">%s</div><div class=\"v\">", m->packets);
    put_count(ob, c->tcp_pkts + c->other_pkts);
    ob_printf(ob, "</div><div class=\"d\">%s %llu · %s %llu</div></div>", m->tcp_packets,
              (unsigned long long)c->tcp_pkts, m->other_packets,
              (unsigned long long)c->other_pkts);
    ob_printf(ob, "<div class=\"card\"><div class=\"k\">%s</div><div class=\"v\">", m->span);
    put_dur(ob, ri->last_ts - ri->first_ts);
    ob_puts(ob, "</div><div class=\"d\">");
    if (ri->first_ts)
        put_utc(ob, ri->first_ts);
    ob_puts(ob, "</div></div>");
    ob_printf(ob, "<div class=\"card\"><div class=\"k\">%s</div><div class=\"v\">", m->conns);
    put_count(ob, c->nconns);
    ob_puts(ob, "</div>");
    ob_printf(ob, "<div class=\"d\">%s</div><ul class=\"bars\">", m->by_end);
    for (int e = 0; e < N_ENDED; e++)
        if (c->ended_count[e])
            bar_item(ob, ended_word(m, (uint8_t)e), c->ended_count[e], c->nconns);
    ob_puts(ob, "</ul></div>");
    ob_printf(ob, "<div class=\"card\"><div class=\"k\">%s</div>", m->anomalies);
    uint64_t total = 0, max = 0;
    for (int b = 0; b < 16; b++) {
        total += c->ta_count[b];
        if (c->ta_count[b] > max)
            max = c->ta_count[b];
    }
    if (!total) {
        ob_printf(ob, "<div class=\"v\">0</div><div class=\"d\">%s</div>", m->no_anomalies);
    } else {
        ob_puts(ob, "<div class=\"v\">");
        put_count(ob, total);
        ob_puts(ob, "</div><ul class=\"bars warn\">");
        for (int i = 0; i < ta_names_count; i++) {
            uint16_t bit = ta_names[i].bit;
            int b = __builtin_ctz(bit);
            if (c->ta_count[b])
                bar_item(ob, ta_names[i].tag, c->ta_count[b], max);
        }
        ob_puts(ob, "</ul>");
    }
    ob_puts(ob, "</div></div>");
    if (ri->damaged) {
        ob_printf(ob, "<p class=\"note\">%s ", m->damaged);
        ob_html_cstr(ob, ri->damage);
        ob_puts(ob, "</p>");
    }
    ob_puts(ob, "</section>\n");
}

static int cmp_row(const void *a, const void *b)
{
    const struct hconn *x = a, *y = b;
    return x->stream < y->stream ? -1 : x->stream > y->stream;
}

static const struct hstream *find_full(const struct html_ctx *c, uint32_t stream)
{
    for (uint32_t i = 0; i < c->nfull; i++)
        if (c->full[i].used && c->full[i].stream == stream)
            return &c->full[i];
    return NULL;
}

static const struct hconn *find_row(const struct html_ctx *c, uint32_t stream)
{
    struct hconn key = {.stream = stream};
    return bsearch(&key, c->rows, c->nrows, sizeof key, cmp_row);
}

static void cmd_hint(struct html_ctx *c)
{
    struct obuf *ob = c->ob;
    ob_puts(ob, "<code>");
    if (c->o.cmd_hint) {
        ob_html_cstr(ob, c->o.cmd_hint);
    } else {
        ob_puts(ob, "tcplens report ");
        ob_html_cstr(ob, c->o.title ? c->o.title : "FILE");
    }
    ob_puts(ob, " -s N -o report.html</code>");
}

static void write_table(struct html_ctx *c, const struct page_msg *m)
{
    struct obuf *ob = c->ob;
    ob_printf(ob, "<section id=\"conns\"><h2>%s</h2>", m->conn_table);
    struct sink self = {c, NULL, NULL, NULL, NULL, NULL};
    uint32_t drawn = render_html_drawn(&self);
    if (c->o.stream >= 0) {
        ob_puts(ob, "<p class=\"note\">");
        ob_printf(ob, drawn ? m->only_stream : m->stream_missing, (long long)c->o.stream);
        ob_puts(ob, "</p>");
    } else if (c->nconns > drawn) {
        ob_puts(ob, "<p class=\"note\">");
        ob_printf(ob, m->not_full, drawn);
        ob_printf(ob, " %s ", m->not_full_cmd);
        cmd_hint(c);
        ob_puts(ob, "</p>");
    }
    if (!c->nconns) {
        ob_printf(ob, "<p class=\"muted\">%s</p></section>\n", m->none_tcp);
        return;
    }
    ob_printf(ob, "<div class=\"tablewrap\"><table class=\"conns\"><thead><tr><th>#</th>"
                  "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                  "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
              m->client, m->server, m->began, m->ended, m->zeek, m->pkts_cs,
              m->bytes_cs, m->duration, m->irtt_short, m->trouble);
    for (size_t i = 0; i < c->nrows; i++) {
        const struct hconn *h = &c->rows[i];
        bool full = find_full(c, h->stream) != NULL;
        ob_ensure(ob, 2048);
        ob_printf(ob, "<tr id=\"row-%u\"%s><td class=\"num\">", h->stream,
                  h->retrans || h->lost || h->zero_windows ? " class=\"warn\"" : "");
        if (full)
            ob_printf(ob, "<a href=\"#conn-%u\">%u</a>", h->stream, h->stream);
        else
            ob_printf(ob, "%u", h->stream);
        ob_puts(ob, "</td><td class=\"m\">");
        ob_html_cstr(ob, h->client);
        ob_puts(ob, "</td><td class=\"m\">");
        ob_html_cstr(ob, h->server);
        ob_printf(ob, "</td><td class=\"nw\">%s</td><td><span class=\"badge %s\">%s</span></td>"
                      "<td class=\"m nw\">%s ",
                  began_word(m, h->began), ended_badge(h->ended), ended_word(m, h->ended), h->zeek);
        ob_html_cstr(ob, h->history);
        ob_printf(ob, "</td><td class=\"num\">%llu / %llu</td><td class=\"num\">%llu / %llu</td>"
                      "<td class=\"num\">",
                  (unsigned long long)h->pkts_c, (unsigned long long)h->pkts_s,
                  (unsigned long long)h->bytes_c, (unsigned long long)h->bytes_s);
        put_dur(ob, h->ts_last - h->ts_first);
        ob_puts(ob, "</td><td class=\"num\">");
        if (h->irtt > 0)
            put_dur(ob, h->irtt);
        else
            ob_puts(ob, "–");
        ob_printf(ob, "</td><td class=\"num\">%u / %u / %u</td></tr>\n", h->retrans, h->lost,
                  h->zero_windows);
    }
    ob_puts(ob, "</tbody></table></div>");
    if (c->nconns > c->nrows) {
        ob_puts(ob, "<p class=\"note\">");
        ob_printf(ob, m->rows_cut, c->o.max_rows,
                  (unsigned long long)c->nconns);
        ob_puts(ob, "</p>");
    }
    ob_puts(ob, "</section>\n");
}

/* Flags as Wireshark writes them, escaped (info_tcp_flags may say "<None>"). */
static void put_flags(struct obuf *ob, uint16_t flags)
{
    char tmp[96];
    struct obuf t = {.fd = -1, .buf = tmp, .cap = sizeof tmp, .max = sizeof tmp - 1};
    info_tcp_flags(&t, flags, ", ");
    ob_html_esc(ob, t.buf, t.len < t.cap ? t.len : 0);
}

/* The Info cell of a segment: analysis tags, what the application said, the SYN's options. */
static void write_ev_info(struct obuf *ob, const struct story_ev *e)
{
    bool sp = false;
    for (int i = 0; i < ta_names_count; i++) {
        if (!(e->ta & ta_names[i].bit))
            continue;
        ob_printf(ob, "%s<span class=\"tag\">[", sp ? " " : "");
        ob_html_cstr(ob, ta_names[i].tag);
        if (ta_names[i].bit == TA_DUPLICATE_ACK && e->dupack_frame)
            ob_printf(ob, " %llu#%u", (unsigned long long)e->dupack_frame, e->dupack_num);
        ob_puts(ob, "]</span>");
        sp = true;
    }
    if (e->app[0]) {
        ob_printf(ob, "%s<span class=\"app\">", sp ? " " : "");
        ob_html_esc(ob, e->app, strnlen(e->app, sizeof e->app));
        ob_puts(ob, "</span>");
        sp = true;
    }
    if (e->flags & TH_SYN) {
        const struct story_synopt *o = &e->opt;
        if (o->has_mss)
            ob_printf(ob, "%sMSS=%u", sp ? " " : "", o->mss), sp = true;
        if (o->has_ws)
            ob_printf(ob, "%sWS=%u", sp ? " " : "", 1u << (o->ws > 14 ? 14 : o->ws)), sp = true;
        if (o->sack_perm)
            ob_printf(ob, "%sSACK_PERM", sp ? " " : ""), sp = true;
        if (o->has_ts)
            ob_printf(ob, "%sTS", sp ? " " : ""), sp = true;
        if (o->has_tfo)
            ob_printf(ob, "%sTFO", sp ? " " : ""), sp = true;
    }
}

/* The explanation: one paragraph per line; a line that is not indented and does not end a
 * sentence is a heading; indentation becomes a margin. */
static void write_explain(struct obuf *ob, const char *text)
{
    const char *p = text;
    bool first = true;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        size_t ind = 0;
        while (ind < n && p[ind] == ' ')
            ind++;
        if (ind < n) {
            bool sentence = n > 0 && (p[n - 1] == '.' || p[n - 1] == ':' ||
                                      (n >= 3 && !memcmp(p + n - 3, "。", 3)));
            /* "1. Packet 1, client -> server: ..." begins a step */
            bool step = n - ind > 3 && p[ind] >= '1' && p[ind] <= '9' && p[ind + 1] == '.' &&
                        p[ind + 2] == ' ';
            if (first)
                ob_puts(ob, "<p class=\"xt\">");
            else if (!ind && !sentence)
                ob_puts(ob, "<p class=\"xh\">");
            else
                ob_printf(ob, "<p%s style=\"margin-left:%zuch\">", step ? " class=\"xs\"" : "",
                          ind);
            ob_html_esc(ob, p + ind, n - ind);
            ob_puts(ob, "</p>");
            first = false;
        }
        p += n + (nl ? 1 : 0);
    }
}

static void write_conn(struct html_ctx *c, const struct page_msg *m, const struct hstream *hs)
{
    struct obuf *ob = c->ob;
    const struct hconn *h = find_row(c, hs->stream);
    char anchor[24];
    snprintf(anchor, sizeof anchor, "c%u", hs->stream);
    ob_printf(ob, "<section class=\"conn\" id=\"conn-%u\"><h2>%s %u · <span class=\"ep\">",
              hs->stream, m->conn, hs->stream);
    ob_html_cstr(ob, hs->client);
    ob_puts(ob, " → ");
    ob_html_cstr(ob, hs->server);
    ob_puts(ob, "</span></h2>");
    if (h) {
        ob_printf(ob, "<div class=\"facts\"><span><span class=\"badge\">%s</span>"
                      "<span class=\"badge %s\">%s</span></span>"
                      "<span>%s <b class=\"m\">%s</b> <b class=\"m\">",
                  began_word(m, h->began), ended_badge(h->ended), ended_word(m, h->ended),
                  m->zeek, h->zeek);
        ob_html_cstr(ob, h->history);
        ob_printf(ob, "</b></span><span>%s <b>%llu / %llu</b></span>"
                      "<span>%s <b>%llu / %llu</b></span><span>%s <b>",
                  m->pkts_cs, (unsigned long long)h->pkts_c, (unsigned long long)h->pkts_s,
                  m->bytes_cs, (unsigned long long)h->bytes_c, (unsigned long long)h->bytes_s,
                  m->duration);
        put_dur(ob, h->ts_last - h->ts_first);
        ob_puts(ob, "</b></span>");
        if (h->irtt > 0) {
            ob_printf(ob, "<span>%s <b>", m->irtt);
            put_dur(ob, h->irtt);
            ob_puts(ob, "</b></span>");
        }
        ob_puts(ob, "</div>");
    }
    const struct story *st = hs->st;
    uint32_t n = story_count(st);
    uint32_t gap = story_gap_after(st);
    if (st->omitted) {
        ob_puts(ob, "<p class=\"note\">");
        ob_printf(ob, m->pkts_cut, st->nhead, st->ntail, (unsigned long long)st->pkts,
                  (unsigned long long)st->omitted);
        ob_puts(ob, "</p>");
    }
    ob_printf(ob, "<h3>%s</h3><p class=\"hint\">%s <span class=\"legend\">", m->ladder,
              m->hint_hover);
    static const char *const legend_cls[5] = {"hs", "data", "td", "rst", "warn"};
    for (int i = 0; i < 5; i++)
        ob_printf(ob, "<span class=\"%s\"><i></i>%s</span>", legend_cls[i], m->legend[i]);
    ob_puts(ob, "</span></p><div class=\"svgwrap\">");
    struct lad_pkt *lp = xcalloc(n ? n : 1, sizeof *lp);
    for (uint32_t i = 0; i < n; i++) {
        const struct story_ev *e = story_at(st, i);
        lp[i].frame = e->frame;
        lp[i].t_rel = e->t_rel;
        lp[i].from_client = e->from_client;
        lp[i].flags = e->flags;
        bool raw = c->o.absolute_seq || !e->rel_ok;
        lp[i].seq = raw ? e->seq_raw : e->seq;
        lp[i].ack = raw ? e->ack_raw : e->ack;
        lp[i].len = e->len;
        lp[i].win = e->win;
        lp[i].ta = e->ta;
        lp[i].dupack_frame = e->dupack_frame;
        lp[i].dupack_num = e->dupack_num;
        lp[i].phase = (uint8_t)e->phase;
        lp[i].st_client = (uint8_t)e->st_client;
        lp[i].st_server = (uint8_t)e->st_server;
        memcpy(lp[i].step, e->step, sizeof lp[i].step);
        lp[i].step[sizeof lp[i].step - 1] = '\0';
        lp[i].app = e->app[0] ? e->app : NULL;
    }
    struct lad_conn lc = {anchor, hs->client, hs->server, c->o.lang, lp, n,
                          gap == UINT32_MAX ? SIZE_MAX : gap, st->omitted};
    html_ladder_svg(ob, &lc);
    ob_puts(ob, "</div>");
    if (hs->explain && hs->explain[0]) {
        ob_printf(ob, "<h3>%s</h3><div class=\"explain\">", m->explanation);
        write_explain(ob, hs->explain);
        ob_puts(ob, "</div>");
    }

    ob_printf(ob, "<h3>%s</h3><div class=\"tablewrap\"><table class=\"pkts\"><thead><tr>"
                  "<th>%s</th><th>%s</th><th>%s</th><th>Flags</th><th>Seq</th><th>Ack</th>"
                  "<th>Len</th><th>Win</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
              m->packet_list, m->no, m->time, m->dir, m->info, m->step, m->states);
    for (uint32_t i = 0; i < n; i++) {
        const struct story_ev *e = story_at(st, i);
        const struct lad_pkt *p = &lp[i];
        ob_ensure(ob, 4096);
        ob_printf(ob, "<tr id=\"%s-p%llu\"%s><td class=\"num\">%llu</td><td class=\"num\">",
                  anchor, (unsigned long long)p->frame,
                  html_ladder_warn(p->ta) ? " class=\"warn\"" : "", (unsigned long long)p->frame);
        ob_fixed(ob, p->t_rel / 1000, 6);
        ob_printf(ob, "</td><td class=\"dir\">%s</td><td class=\"fl\">",
                  p->from_client ? "C→S" : "S→C");
        put_flags(ob, p->flags);
        ob_printf(ob, "</td><td class=\"num\">%u</td><td class=\"num\">", p->seq);
        if (p->flags & TH_ACK)
            ob_printf(ob, "%u", p->ack);
        ob_printf(ob, "</td><td class=\"num\">%u</td><td class=\"num\">%u</td><td class=\"info\">",
                  p->len, p->win);
        write_ev_info(ob, e);
        ob_puts(ob, "</td><td>");
        ob_html_cstr(ob, p->step);
        ob_printf(ob, "</td><td>%s / %s</td></tr>\n", tcp_st_name((enum tcp_st)p->st_client),
                  tcp_st_name((enum tcp_st)p->st_server));
        if (i == gap) {
            ob_puts(ob, "<tr class=\"gap\"><td colspan=\"11\">");
            ob_printf(ob, m->gap_rows, (unsigned long long)st->omitted);
            ob_puts(ob, "</td></tr>\n");
        }
    }
    free(lp);
    ob_puts(ob, "</tbody></table></div></section>\n");
}

static void html_finish(void *vctx, const struct run_info *ri)
{
    struct html_ctx *c = vctx;
    const struct page_msg *m = &page_msgs[c->o.lang == 1 ? 1 : 0];
    struct obuf *ob = c->ob;
    if (c->story.finish)
        c->story.finish(c->story.ctx, ri);
    if (c->nrows > 1)
        qsort(c->rows, c->nrows, sizeof *c->rows, cmp_row);
    ob_printf(ob, "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                  "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                  "<meta name=\"generator\" content=\"tcplens %s\"><title>%s · ",
              m->lang, TCPLENS_VERSION, m->title);
    ob_html_cstr(ob, c->o.title ? c->o.title : "");
    ob_printf(ob, "</title><style>%s</style></head>\n<body><main>", page_css);
    ob_printf(ob, "<header class=\"top\"><h1>%s</h1><span class=\"cap\">", m->title);
    ob_html_cstr(ob, c->o.title ? c->o.title : "");
    ob_puts(ob, "</span></header>\n");
    write_summary(c, m, ri);
    write_table(c, m);

    for (uint32_t i = 0; i < c->nfull; i++)
        if (c->full[i].used)
            write_conn(c, m, &c->full[i]);
    ob_printf(ob, "<footer>tcplens %s</footer></main><script>%s</script></body></html>\n",
              TCPLENS_VERSION, page_js);
}

void html_opts_init(struct html_opts *o)
{
    memset(o, 0, sizeof *o);
    o->stream = -1;
    o->max_full = 20;
    o->max_rows = 2000;
}

struct sink render_html_sink(struct obuf *ob, const struct html_opts *o)
{
    struct html_ctx *c = xcalloc(1, sizeof *c);
    c->ob = ob;
    c->o = *o;
    if (!c->o.max_rows)
        c->o.max_rows = 2000;
    c->nfull = o->stream >= 0 ? 1 : o->max_full;
    if (c->nfull)
        c->full = xcalloc(c->nfull, sizeof *c->full);
    /* streams are numbered in order of first appearance, so max_full open stories always
     * leave room for each of the first max_full streams: no story is kept for nothing */
    struct story_opts so = {o->stream, c->nfull ? c->nfull : 1};
    c->story = story_sink(&so, html_story, c);
    return (struct sink){c, html_packet, html_conn_story, html_finish, NULL, NULL};
}

uint32_t render_html_drawn(const struct sink *s)
{
    const struct html_ctx *c = s->ctx;
    uint32_t n = 0;
    for (uint32_t i = 0; c && i < c->nfull; i++)
        n += c->full[i].used;
    return n;
}

void render_html_free(struct sink *s)
{
    struct html_ctx *c = s->ctx;
    if (!c)
        return;
    for (uint32_t i = 0; i < c->nfull; i++) {
        free(c->full[i].st);
        free(c->full[i].explain);
    }
    story_sink_free(&c->story);
    free(c->full);
    free(c->rows);
    free(c);
    s->ctx = NULL;
}

int html_file_open(struct html_file *hf, const char *path, const struct html_opts *o,
                   struct errbuf *eb)
{
    memset(hf, 0, sizeof *hf);
    if (!strcmp(path, "-")) {
        hf->fd = STDOUT_FILENO;
    } else {
        hf->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (hf->fd < 0)
            return err_set_errno(eb, errno, "cannot create %s", path);
        hf->path = xstrdup(path);
    }
    ob_init_fd(&hf->ob, hf->fd, 1 << 16);
    hf->sink = render_html_sink(&hf->ob, o);
    return 0;
}

int html_file_close(struct html_file *hf, struct errbuf *eb)
{
    ob_flush(&hf->ob);
    int err = hf->ob.err;
    if (hf->path && close(hf->fd) < 0 && !err)
        err = errno;
    int rc = 0;
    if (err) {
        rc = err_set_errno(eb, err, "cannot write %s", hf->path ? hf->path : "the report");
        if (hf->path)
            unlink(hf->path);
    }
    render_html_free(&hf->sink);
    ob_free(&hf->ob);
    free(hf->path);
    hf->path = NULL;
    return rc;
}
