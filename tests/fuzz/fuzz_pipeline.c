/* summary: fuzz target: bytes -> a capture file in memory (pcap or pcapng) -> the whole
 * analyzer with every file renderer (packet list, JSON) writing into memory.
 *
 * The input is the capture file itself, so real captures are the seeds. Damage is expected:
 * the run may end RUN_BAD_INPUT or RUN_DAMAGED, but never crash, leak or read outside the
 * input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "analyzer.h"
#include "outbuf.h"
#include "render.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 22))
        return 0;
    struct obuf list_ob, json_ob;
    ob_init_mem(&list_ob, 1 << 22);
    ob_init_mem(&json_ob, 1 << 22);
    struct list_opts lo = {false, TIME_REL, false};
    struct sink sinks[] = {
        render_list_sink(&list_ob, &lo),
        render_json_sink(&json_ob),
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
    for (int k = 0; k < nsinks; k++)
        render_sink_free(&sinks[k]);
    ob_free(&list_ob);
    ob_free(&json_ob);
    return 0;
}
