/* summary: fuzz target: bytes -> a capture file in memory (pcap or pcapng) -> the whole
 * analyzer with every file renderer writing into memory: packet list, JSON, the connection
 * table (text, JSON or Zeek, chosen by the input's size), the explanation
 * (English or Chinese), the ladder, the HTML report and the connection summary of every
 * connection.
 *
 * The input is the capture file itself, so real captures are the seeds. Damage is expected:
 * the run may end RUN_BAD_INPUT or RUN_DAMAGED, but never crash, leak or read outside the
 * input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyzer.h"
#include "conn_summary.h"
#include "explain.h"
#include "ladder.h"
#include "render_conns.h"
#include "outbuf.h"
#include "render.h"
#include "render_html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void summary_conn(void *ctx, const struct tcp_conn *c)
{
    struct conn_summary s;
    conn_summarize(c, &s);
    *(uint64_t *)ctx += s.client.pkts + s.server.pkts;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 22))
        return 0;
    struct obuf list_ob, json_ob, html_ob, explain_ob, ladder_ob, conns_ob;
    ob_init_mem(&conns_ob, 1 << 22);
    struct conns_opts co = {(enum conns_fmt)(size % 3), (size & 32) != 0, false, 0, false,
                            (size & 64) ? 2u : 0u, (size & 128) ? 1u : 0u};
    ob_init_mem(&explain_ob, 1 << 22);
    ob_init_mem(&ladder_ob, 1 << 22);
    struct explain_opts eo = {size & 1 ? "zh" : "en", -1, size & 2, 0};
    struct ladder_opts lao = {-1, size & 4, size & 8, size & 2, size & 16, 0};
    ob_init_mem(&list_ob, 1 << 22);
    ob_init_mem(&json_ob, 1 << 22);
    ob_init_mem(&html_ob, 1 << 22);
    struct list_opts lo = {false, TIME_REL, false};
    struct html_opts ho;
    html_opts_init(&ho);
    ho.title = "fuzz";
    ho.lang = size & 1;
    uint64_t conn_pkts = 0;
    struct sink sinks[] = {
        render_list_sink(&list_ob, &lo),
        render_json_sink(&json_ob),
        render_html_sink(&html_ob, &ho),
        {&conn_pkts, NULL, summary_conn, NULL, NULL, NULL},
        render_explain_sink(&explain_ob, &eo),
        render_ladder_sink(&ladder_ob, &lao),
        render_conns_sink(&conns_ob, &co),
    };
    int nsinks = (int)(sizeof sinks / sizeof sinks[0]);
    struct run_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.mem = data;
    ro.mem_len = size;
    ro.depth = DIS_DEPTH_APP;
    /* small table limits so eviction is exercised too */
    tcp_track_defaults(&ro.limits);
    ro.limits.max_conns = 64;
    ro.limits.soft_conns = 16;
    ro.limits.max_unacked = 32;
    ro.have_limits = true;
    struct run_info ri;
    struct errbuf eb = {""};
    (void)analyzer_run(&ro, sinks, nsinks, &ri, &eb);
    render_sink_free(&sinks[0]);
    render_sink_free(&sinks[1]);
    render_html_free(&sinks[2]);
    render_explain_free(&sinks[4]);
    render_ladder_free(&sinks[5]);
    render_conns_free(&sinks[6]);
    ob_free(&conns_ob);
    ob_free(&explain_ob);
    ob_free(&ladder_ob);
    ob_free(&list_ob);
    ob_free(&json_ob);
    ob_free(&html_ob);
    return 0;
}
