/* summary: reader of capture files (pcap, nanosecond pcap, pcapng) from a file or stdin.
 *
 * Written here rather than taken from libpcap because libpcap refuses pcapng files whose
 * interfaces have different link types or snap lengths (common in merged captures) and because a
 * memory-mapped reader is measurably faster on large files. Regular files are memory-mapped;
 * pipes and stdin are read through a bounded buffer. Every length in the file is checked before
 * use: a record that claims more bytes than remain, or more than CAPFILE_MAX_RECORD, ends the
 * reading with a "damaged" error after every complete record before it was delivered. */
#ifndef TCPLENS_CAPFILE_H
#define TCPLENS_CAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

#define CAPFILE_MAX_RECORD (256u * 1024u)      /* largest packet accepted (wiretap's limit) */
#define CAPFILE_MAX_BLOCK (16u * 1024u * 1024u) /* largest pcapng block accepted */
#define CAPFILE_MAX_IFACES 65536                /* pcapng interfaces per section */
/* Timestamps are clamped to +-(2^32 - 1) seconds around the epoch (pcap's own range), so that
 * nanosecond times and their differences always fit in an int64_t. */
#define CAPFILE_TS_MAX 4294967295LL

enum capfile_format { CAPFILE_PCAP = 1, CAPFILE_PCAP_NSEC, CAPFILE_PCAPNG };

struct cap_rec {
    int64_t ts_sec;
    uint32_t ts_nsec;
    uint32_t caplen;        /* bytes at data */
    uint32_t wirelen;       /* original length on the wire (>= caplen) */
    uint32_t linktype;      /* LINKTYPE_* of the interface */
    uint32_t ifindex;       /* pcapng interface id, 0 for pcap */
    const uint8_t *data;    /* borrowed until the next capfile_next() */
};

struct capfile;

/* Open path ("-" = stdin). Returns 0, or -1 with a one-line message: *not_capture is set when
 * the file was readable but is not a capture file (bad magic / too short). */
int capfile_open(struct capfile **out, const char *path, bool *not_capture, struct errbuf *eb);
/* Same over len bytes in memory (borrowed: they must outlive the capfile; nothing is copied);
 * name is used in messages. For fuzzing and tests: every read stays inside data[0..len). */
int capfile_open_mem(struct capfile **out, const uint8_t *data, size_t len, const char *name,
                     bool *not_capture, struct errbuf *eb);
/* 1: a record is in *rec; 0: clean end of file; -1: damaged or cut short (message in eb). */
int capfile_next(struct capfile *cf, struct cap_rec *rec, struct errbuf *eb);
void capfile_close(struct capfile *cf);

enum capfile_format capfile_format(const struct capfile *cf);
/* Link type of the first interface (pcap: the file's). */
uint32_t capfile_linktype(const struct capfile *cf);
uint32_t capfile_snaplen(const struct capfile *cf);
/* Bytes consumed so far and total size (0 if unknown, e.g. a pipe): for progress display. */
uint64_t capfile_offset(const struct capfile *cf);
uint64_t capfile_size(const struct capfile *cf);

#endif
