/* summary: the pipeline driver: one loop from records to renderer events. */
#include "analyzer.h"
#include "analyzer_par.h"

#include <stdlib.h>
#include <string.h>

#include "capfile.h"
#include "capture.h"
#include "capwrite.h"
#include "xalloc.h"

#define NS_PER_SEC 1000000000LL

struct run_state {
    struct sink *sinks;
    int nsinks;
};

void sinks_start(struct sink *sinks, int nsinks, int64_t first_ts)
{
    for (int i = 0; i < nsinks; i++)
        if (sinks[i].start)
            sinks[i].start(sinks[i].ctx, first_ts);
}

/* a packet event to every sink that takes them (both loops of analyzer_run) */
static inline void sinks_packet(struct sink *sinks, int nsinks, const struct pkt_event *ev)
{
    for (int i = 0; i < nsinks; i++)
        if (sinks[i].packet)
            sinks[i].packet(sinks[i].ctx, ev);
}

void sinks_conn(struct sink *sinks, int nsinks, const struct tcp_conn *c)
{
    for (int i = 0; i < nsinks; i++)
        if (sinks[i].conn)
            sinks[i].conn(sinks[i].ctx, c);
}

void sinks_forgotten(struct sink *sinks, int nsinks, uint32_t stream)
{
    for (int i = 0; i < nsinks; i++)
        if (sinks[i].forgotten)
            sinks[i].forgotten(sinks[i].ctx, stream);
}

static void on_forgotten(void *ctx, uint32_t stream)
{
    struct run_state *rs = ctx;
    sinks_forgotten(rs->sinks, rs->nsinks, stream);
}

static void on_conn_close(void *ctx, const struct tcp_conn *c)
{
    struct run_state *rs = ctx;
    sinks_conn(rs->sinks, rs->nsinks, c);
}

/* The records of a file with nothing to do between reading and dissecting them (no filter, no
 * -w, no progress): the steps of the general loop in analyzer_run, in a loop of its own whose
 * state fits in registers. Every record is shown, so ri->packets and ri->shown are both the
 * frame number. The sinks take packet events or none (events), fixed for the run. */
static inline __attribute__((always_inline)) enum run_status
run_file_loop(struct capfile *cf, struct pkt *p, struct tcp_track *tt, struct sink *sinks,
              int nsinks, const struct run_opts *o, struct run_info *ri, const bool events)
{
    struct cap_rec rec;
    struct tcp_rec trec;
    struct errbuf rerr = {""};
    enum run_status status = RUN_OK;
    uint64_t count = o->count, frame = 0; /* frame == count never holds for count 0 */
    enum dis_depth depth = o->depth;
    int64_t first = 0, prev = 0, now = 0;
    uint64_t unsupported = 0;
    /* the last link type seen that can be decoded: another one is looked at (and, if it cannot
     * be, counted) off the common path */
    uint32_t ok_lt = LINKTYPE_ETHERNET;
    for (;;) {
        int rc = capfile_next(cf, &rec, &rerr);
        if (rc <= 0) {
            if (rc < 0) {
                ri->damaged = true;
                memcpy(ri->damage, rerr.msg, sizeof ri->damage);
                status = RUN_DAMAGED;
            }
            break;
        }
        if (capture_stop) {
            ri->interrupted = true;
            break;
        }
        frame++;
        dissect(p, &rec, frame, depth);
        if (rec.linktype != ok_lt) {
            if (linktype_supported(rec.linktype))
                ok_lt = rec.linktype;
            else
                unsupported++;
        }
        now = ts_ns(rec.ts_sec, rec.ts_nsec);
        if (frame == 1) {
            first = prev = now;
            sinks_start(sinks, nsinks, now);
        }
        tcp_track_packet(tt, p, &trec);
        if (events) {
            struct pkt_event ev = {p, trec.valid ? &trec : NULL, ts_diff(now, first),
                                   ts_diff(now, prev), now};
            prev = now;
            sinks_packet(sinks, nsinks, &ev);
        }
        if (frame == count)
            break;
    }
    ri->packets = ri->shown = frame;
    ri->unsupported_linktype = unsupported;
    if (frame) {
        ri->first_ts = first;
        ri->last_ts = now;
    }
    return status;
}

__attribute__((noinline)) static enum run_status
run_file(struct capfile *cf, struct pkt *p, struct tcp_track *tt, struct sink *sinks, int nsinks,
         const struct run_opts *o, struct run_info *ri)
{
    if (o->conn_events_only) /* the sinks take no packet events (analyzer.h) */
        return run_file_loop(cf, p, tt, sinks, nsinks, o, ri, false);
    return run_file_loop(cf, p, tt, sinks, nsinks, o, ri, true);
}

enum run_status analyzer_run(const struct run_opts *o, struct sink *sinks, int nsinks,
                             struct run_info *ri, struct errbuf *eb)
{
    memset(ri, 0, sizeof *ri);
    bool from_file = o->file || o->mem;
    ri->source = o->file ? (strcmp(o->file, "-") ? o->file : "standard input")
                 : o->mem ? "capture"
                          : o->iface;
    ri->live = !from_file;
    struct capfile *cf = NULL;
    struct live *lv = NULL;
    struct bpf_set *bpf = NULL;
    struct capwrite *cw = NULL;
    enum run_status status = RUN_OK;
    uint32_t linktype;

    if (from_file) {
        bool not_cap = false;
        int orc = o->mem ? capfile_open_mem(&cf, o->mem, o->mem_len, ri->source, &not_cap, eb)
                         : capfile_open(&cf, o->file, &not_cap, eb);
        if (orc < 0)
            return RUN_BAD_INPUT;
        linktype = capfile_linktype(cf);
        if (capfile_format(cf) != CAPFILE_PCAPNG && !linktype_supported(linktype)) {
            err_set(eb, "%s: link type %u is not supported (Ethernet, Linux cooked, BSD "
                        "loopback and raw IP are)",
                    ri->source, linktype);
            capfile_close(cf);
            return RUN_BAD_INPUT;
        }
        if (o->filter && o->filter[0] &&
            bpf_set_new(&bpf, o->filter, linktype, capfile_snaplen(cf), eb) < 0) {
            capfile_close(cf);
            return RUN_BAD_FILTER;
        }
    } else {
        struct live_opts lo = {o->iface, o->filter, o->snaplen, o->promisc, 0, o->live_batch};
        enum live_err why;
        if (live_open(&lv, &lo, &why, eb) < 0)
            return why == LIVE_ERR_PERM ? RUN_NO_PERM
                   : why == LIVE_ERR_FILTER ? RUN_BAD_FILTER : RUN_CAPTURE_ERR;
        linktype = live_linktype(lv);
        if (o->drop_user && capture_drop_privs(o->drop_user, eb) < 0) {
            live_close(lv);
            return RUN_CAPTURE_ERR;
        }
    }
    if (o->write_path) {
        bool nsec = cf && capfile_format(cf) == CAPFILE_PCAP_NSEC;
        uint32_t snap = cf ? capfile_snaplen(cf) : live_snaplen(lv);
        if (capwrite_open(&cw, o->write_path, linktype, snap, nsec, eb) < 0) {
            bpf_set_free(bpf);
            capfile_close(cf);
            live_close(lv);
            return RUN_WRITE_ERR;
        }
    }
    if (o->on_open)
        o->on_open(o->on_open_ctx, ri->source, linktype);

    struct tcp_track_limits lim;
    if (o->have_limits)
        lim = o->limits;
    else
        tcp_track_defaults(&lim);
    if (cf && !o->mem && analyzer_par_wanted(o)) {
        status = analyzer_run_par(o, cf, bpf, &lim, sinks, nsinks, ri, eb);
        bpf_set_free(bpf);
        capfile_close(cf);
        return status;
    }
    struct tcp_track *tt = tcp_track_new(&lim);
    struct run_state rs = {sinks, nsinks};
    tcp_track_on_close(tt, on_conn_close, &rs);
    struct tcp_track_hooks hk = {NULL, on_forgotten, &rs};
    tcp_track_set_hooks(tt, &hk);
    tcp_track_set_lean(tt, o->conn_events_only);

    struct pkt *p = xmalloc(sizeof *p);
    struct tcp_rec trec;
    struct cap_rec rec;
    uint64_t frame = 0;
    int64_t prev = 0;
    struct errbuf rerr = {""};
    /* fixed for the run, looked at once here rather than per packet */
    bool progress = o->progress && cf, extras = progress || bpf || cw;
    bool flush_each = lv && o->flush && !o->live_batch;
    bool packet_events = !o->conn_events_only; /* else the sinks take none (analyzer.h) */
    uint64_t count = o->count;
    enum dis_depth depth = o->depth;
    uint32_t last_lt = 0; /* whether rec.linktype can be decoded: asked on a change */
    bool last_lt_ok = linktype_supported(last_lt);
    if (cf && !extras) {
        status = run_file(cf, p, tt, sinks, nsinks, o, ri);
        goto done;
    }
    for (;;) {
        int rc;
        if (cf) {
            rc = capfile_next(cf, &rec, &rerr);
            if (rc == 0)
                break;
            if (rc < 0) {
                ri->damaged = true;
                memcpy(ri->damage, rerr.msg, sizeof ri->damage);
                status = RUN_DAMAGED;
                break;
            }
            if (capture_stop) {
                ri->interrupted = true;
                break;
            }
        } else {
            if (o->should_stop && o->should_stop(o->should_stop_ctx))
                break;
            rc = live_next(lv, &rec, &rerr);
            if (rc == 0) { /* nothing waiting in the kernel: show what is buffered */
                if (o->flush)
                    o->flush(o->flush_ctx);
                continue;
            }
            if (rc == -2) {
                ri->interrupted = capture_stop != 0;
                break;
            }
            if (rc < 0) {
                memcpy(ri->damage, rerr.msg, sizeof ri->damage);
                status = RUN_CAPTURE_ERR;
                break;
            }
        }
        frame++;
        ri->packets++;
        if (extras) {
            if (progress && (frame & (ANALYZER_PROGRESS_EVERY - 1)) == 0)
                o->progress(o->progress_ctx, capfile_offset(cf), capfile_size(cf), frame, false);
            if (bpf && !bpf_set_match(bpf, &rec))
                continue;
            if (cw && capwrite_put(cw, &rec, &rerr) < 0 && !ri->write_failed) {
                /* the disk is full or the file is gone: stop, as tcpdump does (the file keeps
                 * every packet written before, see capwrite.h) */
                ri->write_failed = true;
                memcpy(ri->write_error, rerr.msg, sizeof ri->write_error);
                break;
            }
        }
        dissect(p, &rec, cf ? frame : ri->shown + 1, depth);
        if (rec.linktype != last_lt) {
            last_lt = rec.linktype;
            last_lt_ok = linktype_supported(last_lt);
        }
        if (!last_lt_ok)
            ri->unsupported_linktype++;
        int64_t now = ts_ns(rec.ts_sec, rec.ts_nsec);
        if (ri->shown == 0) {
            ri->first_ts = now;
            prev = now;
            sinks_start(sinks, nsinks, now);
        }
        ri->last_ts = now;
        ri->shown++;
        tcp_track_packet(tt, p, &trec);
        if (packet_events) {
            struct pkt_event ev = {p, trec.valid ? &trec : NULL, ts_diff(now, ri->first_ts),
                                   ts_diff(now, prev), now};
            prev = now;
            sinks_packet(sinks, nsinks, &ev);
        }
        if (flush_each)
            o->flush(o->flush_ctx);
        if (count && ri->shown >= count)
            break;
    }
done:
    if (o->progress && cf)
        o->progress(o->progress_ctx, capfile_offset(cf), capfile_size(cf), frame, true);
    if (lv) {
        uint64_t r, d, i;
        if (live_stats(lv, &r, &d, &i) == 0) {
            ri->have_kernel_stats = true;
            ri->kern_recv = r;
            ri->kern_drop = d;
            ri->kern_ifdrop = i;
        }
    }
    tcp_track_finish(tt);
    ri->track = tcp_track_stats(tt);
    if (cw) {
        ri->written = capwrite_count(cw);
        if (capwrite_close(cw, &rerr) < 0 && !ri->write_failed) {
            ri->write_failed = true;
            memcpy(ri->write_error, rerr.msg, sizeof ri->write_error);
        }
    }
    for (int i = 0; i < nsinks; i++)
        if (sinks[i].finish)
            sinks[i].finish(sinks[i].ctx, ri);
    ri->track_stats = *ri->track; /* the tracker is freed below; callers still see its stats */
    ri->track = &ri->track_stats;
    free(p);
    tcp_track_free(tt);
    bpf_set_free(bpf);
    capfile_close(cf);
    live_close(lv);
    if (status == RUN_OK && ri->write_failed)
        status = RUN_WRITE_ERR;
    return status;
}
