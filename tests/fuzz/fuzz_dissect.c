/* summary: fuzz target: bytes -> one packet on a chosen link type -> dissect, TCP tracking and
 * the Info / packet-list / JSON renderers into memory.
 *
 * Input: byte 0 picks the link type (low 4 bits, index into link_types[]) and whether the packet
 * was cut by a snapshot length (bit 4: the wire length is larger than the captured bytes); the
 * rest is the captured frame. The packet is tracked twice (the second copy one second later), so
 * the sequence analysis also sees a repeat of the segment. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "dissect.h"
#include "outbuf.h"
#include "render.h"
#include "render_info.h"
#include "tcp_track.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t link_types[16] = {
    LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_RAW, 12, 14,
    LINKTYPE_IPV4,     LINKTYPE_IPV6,      LINKTYPE_NULL,       LINKTYPE_LOOP,
    LINKTYPE_ETHERNET, LINKTYPE_ETHERNET,  LINKTYPE_RAW,        LINKTYPE_LINUX_SLL,
    LINKTYPE_ETHERNET, 147 /* unsupported */};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 18))
        return 0;
    uint8_t sel = data[0];
    struct cap_rec rec;
    memset(&rec, 0, sizeof rec);
    rec.ts_sec = 1700000000;
    rec.ts_nsec = 123456789;
    rec.caplen = (uint32_t)(size - 1);
    rec.wirelen = rec.caplen + ((sel & 0x10) ? 1000u + sel : 0u);
    rec.linktype = link_types[sel & 0x0F];
    /* an exact-size heap copy so ASan sees any read past the captured bytes */
    uint8_t *frame = xmalloc(rec.caplen ? rec.caplen : 1);
    memcpy(frame, data + 1, rec.caplen);
    rec.data = frame;

    struct pkt *p = xmalloc(sizeof *p);
    struct tcp_track_limits lim;
    tcp_track_defaults(&lim);
    struct tcp_track *tt = tcp_track_new(&lim);
    struct obuf list_ob, json_ob, info_ob;
    ob_init_mem(&list_ob, 1 << 20);
    ob_init_mem(&json_ob, 1 << 20);
    ob_init_mem(&info_ob, 1 << 16);
    struct list_opts lo = {false, TIME_REL, true};
    struct sink sinks[2] = {render_list_sink(&list_ob, &lo), render_json_sink(&json_ob)};

    int64_t first = rec.ts_sec * 1000000000LL + rec.ts_nsec;
    for (int i = 0; i < 2; i++) {
        dissect(p, &rec, (uint64_t)i + 1, DIS_DEPTH_APP);
        struct tcp_rec tr;
        tcp_track_packet(tt, p, &tr);
        int64_t now = rec.ts_sec * 1000000000LL + rec.ts_nsec;
        struct pkt_event ev = {p, tr.valid ? &tr : NULL, now - first, i ? 1000000000LL : 0, now};
        struct info_opts io = {i == 1, true};
        ob_reset(&info_ob);
        (void)info_proto(&ev);
        info_build(&info_ob, &ev, &io);
        (void)ob_cstr(&info_ob);
        for (int k = 0; k < 2; k++)
            sinks[k].packet(sinks[k].ctx, &ev);
        rec.ts_sec++;
    }
    tcp_track_finish(tt);
    struct run_info ri;
    memset(&ri, 0, sizeof ri);
    ri.source = "fuzz";
    ri.packets = ri.shown = 2;
    ri.track = tcp_track_stats(tt);
    for (int k = 0; k < 2; k++) {
        sinks[k].finish(sinks[k].ctx, &ri);
        render_sink_free(&sinks[k]);
    }
    tcp_track_free(tt);
    ob_free(&list_ob);
    ob_free(&json_ob);
    ob_free(&info_ob);
    free(p);
    free(frame);
    return 0;
}
