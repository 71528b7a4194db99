/* summary: the two-thread pipeline for a file whose sinks need only connection events
 * (`tcplens conns FILE`).
 *
 * Two shard threads each read the whole file (each its own memory map; the pages are shared in
 * the page cache), dissect every packet and analyse only the conversations whose address/port
 * pair falls to them (tcp_track_shard_key), ticking their table's clock on the other packets so
 * that eviction sees the same capture times. A conversation never crosses shards, so its
 * analysis is the one a single table makes. Each shard numbers its streams in its own order and
 * reports "stream created by frame F", "stream left the table" and "stream forgotten" through a
 * bounded ring; the calling thread merges the creations by frame number, which gives every
 * stream the number one table gives it (tshark's: order of first appearance), and hands the
 * renumbered conversations to the sinks. Limits are shared out: each shard's table has half of
 * the caps (connections, soft size, ghosts, unacknowledged segments). Where the eviction of a
 * quiet conversation matters (a packet for it after it was evicted), the two tables may evict at
 * other moments than one table would: the ghost then resumes the stream as usual. */
#ifndef TCPLENS_ANALYZER_PAR_H
#define TCPLENS_ANALYZER_PAR_H

#include <stdbool.h>

#include "analyzer.h"

#define PAR_SHARDS 2

struct capfile;
struct bpf_set;

/* Whether analyzer_run should use the shards for o: a regular file (not standard input), sinks
 * that need no packet events, no -w, and three CPUs for the three busy threads
 * (TCPLENS_THREADS=1 forces one thread, TCPLENS_THREADS=2 two). */
bool analyzer_par_wanted(const struct run_opts *o);

/* Run with cf (already open, becomes shard 0's; not closed here) and bpf (shard 0's, may be
 * NULL; not freed here); lim: the limits of one table. Same contract as analyzer_run. */
enum run_status analyzer_run_par(const struct run_opts *o, struct capfile *cf,
                                 struct bpf_set *bpf, const struct tcp_track_limits *lim,
                                 struct sink *sinks, int nsinks, struct run_info *ri,
                                 struct errbuf *eb);

/* The sinks' start, conn and forgotten events, each sink in turn (analyzer.c): the one way
 * both drivers hand events over. */
void sinks_start(struct sink *sinks, int nsinks, int64_t first_ts);
void sinks_conn(struct sink *sinks, int nsinks, const struct tcp_conn *c);
void sinks_forgotten(struct sink *sinks, int nsinks, uint32_t stream);

#endif
