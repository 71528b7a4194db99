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
/* HTML text/attribute content with & < > " ' as entities. */
void ob_html_esc(struct obuf *ob, const char *s, size_t n);
void ob_html_cstr(struct obuf *ob, const char *s);

/* Number of UTF-8 code points in s[0..n) (display columns for the scripts we print). */
size_t utf8_width(const char *s, size_t n);

#endif
