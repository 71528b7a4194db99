/* summary: buffered output with fast number formatting and escaping for text, JSON and HTML.
 *
 * An obuf either drains into a file descriptor (fd >= 0) whenever it fills, or (fd < 0) is an
 * in-memory string that grows up to a hard cap; past the cap further bytes are dropped and
 * `truncated` is set. Write errors are sticky in `err` (an errno value); EPIPE is remembered
 * too so the caller can stop quietly when the reader of a pipe went away. */
#ifndef TCPLENS_OUTBUF_H
#define TCPLENS_OUTBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct obuf {
    int fd;          /* destination, or -1 for an in-memory string */
    char *buf;       /* owned */
    size_t len;      /* bytes pending / held */
    size_t cap;      /* allocated size */
    size_t max;      /* in-memory mode: hard ceiling */
    int err;         /* first write error (errno), 0 if none */
    int truncated;   /* in-memory mode: the ceiling was hit */
};

void ob_init_fd(struct obuf *ob, int fd, size_t bufsize);
void ob_init_mem(struct obuf *ob, size_t max);
void ob_free(struct obuf *ob);
int ob_flush(struct obuf *ob);
/* In-memory mode: a NUL-terminated view of the contents (borrowed). */
const char *ob_cstr(struct obuf *ob);
void ob_reset(struct obuf *ob);

/* fd mode: flush now unless n more bytes fit, so a line built next is never split by a flush
 * (ob_pad_to measures from a start offset within the current buffer). */
void ob_ensure(struct obuf *ob, size_t n);
/* ob_write, ob_puts and ob_putc are inline: the common case (the bytes fit) is a memcpy, and a
 * string literal's length is known at compile time. Everything else goes to ob_write_slow. */
void ob_write_slow(struct obuf *ob, const void *p, size_t n);
static inline void ob_write(struct obuf *ob, const void *p, size_t n)
{
    if (n - 1 < ob->cap - ob->len) { /* 0 < n <= room */
        memcpy(ob->buf + ob->len, p, n);
        ob->len += n;
        return;
    }
    ob_write_slow(ob, p, n);
}
static inline void ob_puts(struct obuf *ob, const char *s)
{
    ob_write(ob, s, strlen(s));
}
static inline void ob_putc(struct obuf *ob, char c)
{
    if (ob->len < ob->cap) {
        ob->buf[ob->len++] = c;
        return;
    }
    ob_write_slow(ob, &c, 1);
}
/* Room for n bytes at ob->buf + ob->len, flushing (fd mode) or growing (in-memory mode) first;
 * NULL if n bytes cannot be had (then write through the functions above, which truncate as
 * documented). Bytes written there count once ob_commit is called with their end; bytes past
 * that end may be scribbled on freely (up to n), they are never written out. */
char *ob_reserve(struct obuf *ob, size_t n);
static inline void ob_commit(struct obuf *ob, const char *end)
{
    ob->len = (size_t)(end - ob->buf);
}

/* Number formatting into a caller's buffer with room (no checks; see ob_reserve). Each returns
 * the end of what it wrote. */
extern const char ob_digits2[201];   /* "00" "01" ... "99" */
extern const uint64_t ob_pow10[20];  /* 0 (sic), 10, 100, ... 10^19 */
static inline unsigned fmt_u64_len(uint64_t v)
{
    unsigned t = (unsigned)(64 - __builtin_clzll(v | 1)) * 1233u >> 12;
    return t + (v >= ob_pow10[t]);
}
static inline char *fmt_u64(char *p, uint64_t v)
{
    if (v < 10) { /* the most common count of all: 0 */
        *p = (char)('0' + v);
        return p + 1;
    }
    char *e = p + fmt_u64_len(v), *q = e;
    while (v > UINT32_MAX) { /* two digits at a time, in 32 bits once they fit */
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        q -= 2;
        memcpy(q, ob_digits2 + 2 * r, 2);
    }
    uint32_t w = (uint32_t)v;
    while (w >= 10000) { /* four digits at a time */
        uint32_t r = w % 10000;
        w /= 10000;
        q -= 4;
        memcpy(q, ob_digits2 + 2 * (r / 100), 2);
        memcpy(q + 2, ob_digits2 + 2 * (r % 100), 2);
    }
    if (w >= 100) {
        unsigned r = w % 100;
        w /= 100;
        q -= 2;
        memcpy(q, ob_digits2 + 2 * r, 2);
    }
    if (w >= 10)
        memcpy(q - 2, ob_digits2 + 2 * w, 2);
    else
        q[-1] = (char)('0' + w);
    return e;
}
/* exactly `decimals` (0..19) digits of f (< 10^decimals), with leading zeros */
static inline char *fmt_frac(char *p, uint64_t f, int decimals)
{
    char *e = p + decimals, *q = e;
    int i = decimals;
    for (; i >= 2 && f > UINT32_MAX; i -= 2) {
        unsigned r = (unsigned)(f % 100);
        f /= 100;
        q -= 2;
        memcpy(q, ob_digits2 + 2 * r, 2);
    }
    uint32_t g = (uint32_t)f;
    for (; i >= 2; i -= 2) {
        unsigned r = g % 100;
        g /= 100;
        q -= 2;
        memcpy(q, ob_digits2 + 2 * r, 2);
    }
    if (i)
        q[-1] = (char)('0' + g % 10);
    return e;
}
/* v / 10^decimals with exactly `decimals` (1..18) digits after the point, as ob_fixed */
static inline char *fmt_fixed(char *p, int64_t v, int decimals)
{
    uint64_t a = (uint64_t)v;
    if (v < 0) {
        *p++ = '-';
        a = (uint64_t)0 - a;
    }
    uint64_t pow = 1;
    for (int i = 0; i < decimals; i++) /* folded when decimals is a constant */
        pow *= 10;
    p = fmt_u64(p, a / pow);
    *p++ = '.';
    return fmt_frac(p, a % pow, decimals);
}
/* seconds with 6 decimals from ns, truncated toward zero to microseconds */
static inline char *fmt_secs(char *p, int64_t ns)
{
    return fmt_fixed(p, ns / 1000, 6);
}
/* a string literal */
#define FMT_LIT(p, s) (memcpy((p), (s), sizeof(s) - 1), (p) + sizeof(s) - 1)

void ob_u64(struct obuf *ob, uint64_t v);
void ob_i64(struct obuf *ob, int64_t v);
/* Fixed-point: v / 10^decimals with exactly `decimals` digits after the point. */
void ob_fixed(struct obuf *ob, int64_t v, int decimals);
void ob_printf(struct obuf *ob, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ob_vprintf(struct obuf *ob, const char *fmt, va_list ap);
/* Pad with spaces to reach `width` columns counted from `start` (an earlier ob->len),
 * counting UTF-8 code points, not bytes. */
void ob_pad_to(struct obuf *ob, size_t start, size_t width);

/* Untrusted bytes (from packets) as text: printable ASCII as is, anything else as \xNN. */
void ob_text_esc(struct obuf *ob, const void *p, size_t n);
/* A JSON string literal, quotes included; bytes that are not valid UTF-8 become U+FFFD. */
void ob_json_str(struct obuf *ob, const char *s, size_t n);
void ob_json_cstr(struct obuf *ob, const char *s);
/* The same into a caller's buffer of at least FMT_JSON_STR_MAX(n) bytes; returns the end. */
#define FMT_JSON_STR_MAX(n) (2 + 6 * (size_t)(n))
char *fmt_json_str(char *p, const char *s, size_t n);
/* ... of the NUL-terminated s, at most cap bytes of it (room: FMT_JSON_STR_MAX(cap)) */
char *fmt_json_cstr(char *p, const char *s, size_t cap);
/* HTML text/attribute content with & < > " ' as entities. */
void ob_html_esc(struct obuf *ob, const char *s, size_t n);
void ob_html_cstr(struct obuf *ob, const char *s);

/* Number of UTF-8 code points in s[0..n) (display columns for the scripts we print). */
size_t utf8_width(const char *s, size_t n);

#endif
