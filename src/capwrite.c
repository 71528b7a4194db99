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
    char path[256];
};

static int cw_drain(struct capwrite *w, struct errbuf *eb)
{
    size_t off = 0;
    while (off < w->len) {
        ssize_t n = write(w->fd, w->buf + off, w->len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            w->failed = true;
            w->len = 0;
            return err_set_errno(eb, errno, "cannot write %s", w->path);
        }
        off += (size_t)n;
    }
    w->len = 0;
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
