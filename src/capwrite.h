/* summary: writer of pcap files (-w): microsecond or nanosecond pcap, one link type.
 *
 * Writes through a buffer with write(2) and reports the first error (a full disk, say) once.
 * When a write fails part-way, the file is cut back to the last whole record, so it is always a
 * valid capture holding capwrite_count() packets. */
#ifndef TCPLENS_CAPWRITE_H
#define TCPLENS_CAPWRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "capfile.h"
#include "errbuf.h"

struct capwrite;

/* path "-" writes to stdout. nsec selects nanosecond timestamps. */
int capwrite_open(struct capwrite **out, const char *path, uint32_t linktype, uint32_t snaplen,
                  bool nsec, struct errbuf *eb);
/* Append one record; records of another link type than the file's are skipped and counted.
 * Returns 0, or -1 once writing failed (message in eb; later calls do nothing). */
int capwrite_put(struct capwrite *w, const struct cap_rec *rec, struct errbuf *eb);
int capwrite_flush(struct capwrite *w, struct errbuf *eb);
/* Flush and close; returns -1 if anything failed. */
int capwrite_close(struct capwrite *w, struct errbuf *eb);
uint64_t capwrite_count(const struct capwrite *w);
uint64_t capwrite_skipped(const struct capwrite *w);

#endif
