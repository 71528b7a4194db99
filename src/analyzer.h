/* summary: the pipeline: source (file or live) -> filter -> dissect -> track connections ->
 * analyze -> events for the renderers.
 *
 * Renderers never see capture bytes: they get one event per packet (the decoded pkt and the TCP
 * analysis record, both borrowed for the duration of the call), one event per connection when it
 * leaves the tracker, and the run summary at the end. Several renderers can listen to one run, so
 * the packet list, the explanation and the ladder of `visit` come from the same events. */
#ifndef TCPLENS_ANALYZER_H
#define TCPLENS_ANALYZER_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "dissect.h"
#include "errbuf.h"
#include "pkt.h"
#include "tcp_track.h"

struct pkt_event {
    const struct pkt *pkt;
    const struct tcp_rec *tcp; /* NULL unless TCP (or ICMP quoting TCP) */
    int64_t t_rel;             /* ns since the first packet */
    int64_t t_delta;           /* ns since the previous packet */
    int64_t t_abs;             /* ns since the epoch */
};

struct run_info {
    const char *source;        /* file name or interface */
    bool live;
    uint64_t packets;          /* packets read */
    uint64_t shown;            /* packets that passed the filter */
    int64_t first_ts, last_ts; /* ns since the epoch (0 if no packets) */
    bool damaged;              /* the file ended in damage or was cut short */
    char damage[ERRBUF_SIZE];  /* what the reader said */
    bool interrupted;          /* stopped by a signal */
    bool have_kernel_stats;
    uint64_t kern_recv, kern_drop, kern_ifdrop;
    uint64_t written;          /* packets written with -w */
    bool write_failed;
    char write_error[ERRBUF_SIZE];
    uint64_t unsupported_linktype; /* packets on link types that cannot be decoded */
    const struct tcp_track_stats *track; /* after the run: points at track_stats */
    struct tcp_track_stats track_stats;
};

struct sink {
    void *ctx;
    void (*packet)(void *ctx, const struct pkt_event *ev);
    void (*conn)(void *ctx, const struct tcp_conn *c);
    void (*finish)(void *ctx, const struct run_info *ri);
    /* once, before any other event, with the first packet's time (ns since the epoch); may be
     * NULL. Not called when no packet passes the filter. */
    void (*start)(void *ctx, int64_t first_ts);
    /* the ghost of an evicted conversation is gone (tcp_track.h): no further part of this
     * stream will come (a sink holding its parts may finish it); may be NULL */
    void (*forgotten)(void *ctx, uint32_t stream);
};

struct run_opts {
    const char *file;          /* capture file ("-" = stdin), or NULL with iface */
    const uint8_t *mem;        /* capture file bytes in memory (file names them), or NULL */
    size_t mem_len;
    const char *iface;         /* live capture interface */
    const char *filter;        /* pcap-filter expression or NULL */
    uint64_t count;            /* stop after this many packets that pass the filter (0: all) */
    const char *write_path;    /* -w FILE */
    enum dis_depth depth;
    bool promisc;
    int snaplen;
    const char *drop_user;     /* -Z USER after opening the device */
    struct tcp_track_limits limits;
    bool have_limits;
    /* called once after the source is open (e.g. to print "listening on ..."); may be NULL */
    void (*on_open)(void *ctx, const char *what, uint32_t linktype);
    void *on_open_ctx;
    /* files: called every ANALYZER_PROGRESS_EVERY records with the bytes consumed so far and the
     * file's size (0 if unknown), and once with done set when reading ends, before the sinks'
     * finish; may be NULL. For a progress display at the edge. */
    void (*progress)(void *ctx, uint64_t bytes, uint64_t total, uint64_t packets, bool done);
    void *progress_ctx;
    /* files: the sinks need no packet events (only start, conn and finish), so the run may
     * share the conversations out to two threads (analyzer_par.c; TCPLENS_THREADS=1 keeps one) */
    bool conn_events_only;
    /* live: also stop when this returns true (checked on every packet and timeout) */
    bool (*should_stop)(void *ctx);
    void *should_stop_ctx;
    /* live: take packets from the kernel in blocks rather than one by one (live_opts.batch):
     * what a capture that must keep up under load wants; they then arrive up to
     * LIVE_TIMEOUT_MS late. false: immediate mode. */
    bool live_batch;
    /* live: called whenever the packets the kernel had ready are all processed (in blocks:
     * after each block), and with immediate delivery after every packet: to flush buffered
     * output to whoever watches it. May be NULL. */
    void (*flush)(void *ctx);
    void *flush_ctx;
};

#define ANALYZER_PROGRESS_EVERY 1024u /* records between progress calls (a power of two) */

enum run_status {
    RUN_OK = 0,
    RUN_DAMAGED,      /* read up to damage; everything before it was delivered */
    RUN_BAD_INPUT,    /* cannot open / not a capture / unsupported link type */
    RUN_BAD_FILTER,
    RUN_NO_PERM,
    RUN_CAPTURE_ERR,
    RUN_WRITE_ERR,
};

/* Run the pipeline, calling every sink. On RUN_BAD_* nothing was delivered and eb says why. */
enum run_status analyzer_run(const struct run_opts *o, struct sink *sinks, int nsinks,
                             struct run_info *ri, struct errbuf *eb);

#endif
