/* summary: bounded reader over packet bytes; the only place that turns bytes into integers.
 *
 * Every read checks the remaining length. Past the end an accessor returns 0 and sets the
 * sticky `short_read` flag; the dissector checks the flag once per header. Nothing here ever
 * reads outside [p, end). */
#ifndef TCPLENS_RD_H
#define TCPLENS_RD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rd {
    const uint8_t *p;   /* cursor */
    const uint8_t *end; /* one past the last readable byte */
    bool short_read;    /* sticky: some read went past end */
};

static inline struct rd rd_make(const uint8_t *p, size_t n)
{
    struct rd r = {p, p + n, false};
    return r;
}

static inline size_t rd_left(const struct rd *r)
{
    return (size_t)(r->end - r->p);
}

static inline bool rd_has(const struct rd *r, size_t n)
{
    return rd_left(r) >= n;
}

static inline uint8_t rd_u8(struct rd *r)
{
    if (!rd_has(r, 1)) {
        r->short_read = true;
        r->p = r->end;
        return 0;
    }
    return *r->p++;
}

static inline uint16_t rd_be16(struct rd *r)
{
    if (!rd_has(r, 2)) {
        r->short_read = true;
        r->p = r->end;
        return 0;
    }
    uint16_t v = (uint16_t)((r->p[0] << 8) | r->p[1]);
    r->p += 2;
    return v;
}

static inline uint32_t rd_be32(struct rd *r)
{
    if (!rd_has(r, 4)) {
        r->short_read = true;
        r->p = r->end;
        return 0;
    }
    uint32_t v = ((uint32_t)r->p[0] << 24) | ((uint32_t)r->p[1] << 16) | ((uint32_t)r->p[2] << 8) |
                 (uint32_t)r->p[3];
    r->p += 4;
    return v;
}

static inline bool rd_skip(struct rd *r, size_t n)
{
    if (!rd_has(r, n)) {
        r->short_read = true;
        r->p = r->end;
        return false;
    }
    r->p += n;
    return true;
}

/* Copy n bytes out; on short read the destination is zero-filled. */
static inline bool rd_bytes(struct rd *r, void *dst, size_t n)
{
    uint8_t *d = dst;
    if (!rd_has(r, n)) {
        for (size_t i = 0; i < n; i++)
            d[i] = 0;
        r->short_read = true;
        r->p = r->end;
        return false;
    }
    for (size_t i = 0; i < n; i++)
        d[i] = r->p[i];
    r->p += n;
    return true;
}

/* Sub-reader over the next n bytes, clipped to what is there; advances r past them. */
static inline struct rd rd_sub(struct rd *r, size_t n)
{
    size_t have = rd_left(r);
    struct rd s = {r->p, r->p + (n < have ? n : have), false};
    r->p += (n < have ? n : have);
    return s;
}

/* Unaligned host-independent loads on a pointer already known to have n bytes. */
static inline uint16_t ld_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}
static inline uint32_t ld_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline uint16_t ld_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t ld_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

#endif
