/* summary: pcap file writer with explicit error reporting. */
#include "capwrite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

#define CW_BUF (256u * 1024u)

struct capwrite {
    int fd;
    bool own;
    bool nsec;
    bool failed;
    uint32_t linktype, snaplen;
    uint8_t *buf;
    size_t len;
    uint64_t count, skipped;
    uint64_t buffered;       /* records in buf (counted in count) */
    uint64_t file_off;       /* bytes in the file, always at a record boundary */
    bool header_in_buf;      /* buf starts with the file header (not yet written) */
    char path[256];
};

/* A write failed after `done` bytes of the buffer went out: cut the file back to the last whole
 * record among them, so that it stays a valid capture (a full disk must not leave half a
 * record for readers to choke on). */
static void cw_keep_whole(struct capwrite *w, size_t done)
{
    size_t pos = w->header_in_buf ? 24 : 0, keep = 0;
    uint64_t whole = 0;
    if (done >= pos) {
        keep = pos;
        while (pos + 16 <= w->len) {
            uint32_t incl;
            memcpy(&incl, w->buf + pos + 8, 4);
            size_t end = pos + 16 + incl;
            if (end > done)
                break;
            keep = end;
            whole++;
            pos = end;
        }
    }
    if (done > keep && ftruncate(w->fd, (off_t)(w->file_off + keep)) < 0) {
        /* not a regular file (a pipe): nothing to cut back */
    }
    w->file_off += keep;
    w->count -= w->buffered - whole;
    w->buffered = 0;
}

static int cw_drain(struct capwrite *w, struct errbuf *eb)
{
    size_t off = 0;
    while (off < w->len) {
        ssize_t n = write(w->fd, w->buf + off, w->len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            cw_keep_whole(w, off);
            w->failed = true;
            w->len = 0;
            return err_set_errno(eb, e, "cannot write %s", w->path);
        }
        off += (size_t)n;
    }
    w->file_off += w->len;
    w->len = 0;
    w->buffered = 0;
    w->header_in_buf = false;
    return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
    memcpy(p, &v, 4); /* host byte order, as libpcap writes */
}

static void put16(uint8_t *p, uint16_t v)
{
    memcpy(p, &v, 2);
}

int capwrite_open(struct capwrite **out, const char *path, uint32_t linktype, uint32_t snaplen,
                  bool nsec, struct errbuf *eb)
{
    *out = NULL;
    struct capwrite *w = xcalloc(1, sizeof *w);
    size_t pl = strlen(path);
    if (pl >= sizeof w->path)
        pl = sizeof w->path - 1;
    memcpy(w->path, path, pl);
    w->path[pl] = '\0';
    if (!strcmp(path, "-")) {
        w->fd = STDOUT_FILENO;
    } else {
        w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (w->fd < 0) {
            err_set_errno(eb, errno, "cannot create %s", path);
            free(w);
            return -1;
        }
        w->own = true;
    }
    w->nsec = nsec;
    w->linktype = linktype;
    w->snaplen = snaplen ? snaplen : 262144;
    w->buf = xmalloc(CW_BUF);
    uint8_t *h = w->buf;
    put32(h, nsec ? 0xa1b23c4d : 0xa1b2c3d4);
    put16(h + 4, 2);
    put16(h + 6, 4);
    put32(h + 8, 0);
    put32(h + 12, 0);
    put32(h + 16, w->snaplen);
    put32(h + 20, linktype);
    w->len = 24;
    w->header_in_buf = true;
    if (cw_drain(w, eb) < 0) {
        capwrite_close(w, NULL);
        return -1;
    }
    *out = w;
    return 0;
}

int capwrite_put(struct capwrite *w, const struct cap_rec *rec, struct errbuf *eb)
{
    if (w->failed)
        return -1;
    if (rec->linktype != w->linktype) {
        w->skipped++;
        return 0;
    }
    size_t need = 16 + rec->caplen;
    if (w->len + need > CW_BUF && cw_drain(w, eb) < 0)
        return -1;
    uint8_t hdr[16];
    put32(hdr, (uint32_t)rec->ts_sec);
    put32(hdr + 4, w->nsec ? rec->ts_nsec : rec->ts_nsec / 1000);
    put32(hdr + 8, rec->caplen);
    put32(hdr + 12, rec->wirelen);
    if (need > CW_BUF) {
        /* cannot happen with CAPFILE_MAX_RECORD < CW_BUF, but stay safe */
        w->skipped++;
        return 0;
    }
    memcpy(w->buf + w->len, hdr, 16);
    memcpy(w->buf + w->len + 16, rec->data, rec->caplen);
    w->len += need;
    w->count++;
    w->buffered++;
    return 0;
}

int capwrite_flush(struct capwrite *w, struct errbuf *eb)
{
    if (w->failed)
        return -1;
    return cw_drain(w, eb);
}

int capwrite_close(struct capwrite *w, struct errbuf *eb)
{
    if (!w)
        return 0;
    int rc = 0;
    if (!w->failed && cw_drain(w, eb) < 0)
        rc = -1;
    if (w->failed)
        rc = -1;
    if (w->own && close(w->fd) < 0 && rc == 0)
        rc = err_set_errno(eb, errno, "cannot close %s", w->path);
    free(w->buf);
    free(w);
    return rc;
}

uint64_t capwrite_count(const struct capwrite *w)
{
    return w->count;
}

uint64_t capwrite_skipped(const struct capwrite *w)
{
    return w->skipped;
}
