/* summary: buffered output with fast number formatting and escaping. */
#include "outbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xalloc.h"

void ob_init_fd(struct obuf *ob, int fd, size_t bufsize)
{
    memset(ob, 0, sizeof *ob);
    ob->fd = fd;
    ob->cap = bufsize < 4096 ? 4096 : bufsize;
    ob->buf = xmalloc(ob->cap);
}

void ob_init_mem(struct obuf *ob, size_t max)
{
    memset(ob, 0, sizeof *ob);
    ob->fd = -1;
    ob->max = max;
    ob->cap = 256;
    ob->buf = xmalloc(ob->cap);
}

void ob_free(struct obuf *ob)
{
    if (!ob)
        return;
    free(ob->buf);
    ob->buf = NULL;
    ob->len = ob->cap = 0;
}

void ob_reset(struct obuf *ob)
{
    ob->len = 0;
    ob->truncated = 0;
}

int ob_flush(struct obuf *ob)
{
    if (ob->fd < 0)
        return 0;
    size_t off = 0;
    while (off < ob->len) {
        if (ob->err) {
            break;
        }
        ssize_t w = write(ob->fd, ob->buf + off, ob->len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            ob->err = errno;
            break;
        }
        off += (size_t)w;
    }
    ob->len = 0;
    return ob->err ? -1 : 0;
}

const char *ob_cstr(struct obuf *ob)
{
    if (ob->len + 1 > ob->cap) {
        ob->cap = ob->len + 1;
        ob->buf = xrealloc(ob->buf, ob->cap);
    }
    ob->buf[ob->len] = '\0';
    return ob->buf;
}

/* Make room for n more bytes; returns how many may actually be written. */
static size_t ob_room(struct obuf *ob, size_t n)
{
    if (ob->len + n <= ob->cap)
        return n;
    if (ob->fd >= 0) {
        ob_flush(ob);
        if (n <= ob->cap)
            return n;
        return 0; /* caller writes directly */
    }
    size_t want = ob->len + n;
    if (want > ob->max) {
        ob->truncated = 1;
        want = ob->max;
    }
    if (want > ob->cap) {
        size_t nc = ob->cap * 2;
        while (nc < want)
            nc *= 2;
        if (nc > ob->max)
            nc = ob->max;
        ob->buf = xrealloc(ob->buf, nc + 1);
        ob->cap = nc;
    }
    return want - ob->len;
}

void ob_ensure(struct obuf *ob, size_t n)
{
    if (ob->fd >= 0 && ob->cap - ob->len < n)
        ob_flush(ob);
}

void ob_write_slow(struct obuf *ob, const void *p, size_t n)
{
    if (n == 0)
        return;
    size_t room = ob_room(ob, n);
    if (room == 0 && ob->fd >= 0) {
        /* larger than the whole buffer: write through */
        const char *c = p;
        while (n > 0 && !ob->err) {
            ssize_t w = write(ob->fd, c, n);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                ob->err = errno;
                break;
            }
            c += w;
            n -= (size_t)w;
        }
        return;
    }
    memcpy(ob->buf + ob->len, p, room);
    ob->len += room;
}

const char ob_digits2[201] = "00010203040506070809101112131415161718192021222324252627282930"
                              "31323334353637383940414243444546474849505152535455565758596061"
                              "62636465666768697071727374757677787980818283848586878889909192"
                              "93949596979899";
const uint64_t ob_pow10[20] = {0, /* so that 0 has one digit in fmt_u64_len */
                               10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
                               10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
                               100000000000ull, 1000000000000ull, 10000000000000ull,
                               100000000000000ull, 1000000000000000ull, 10000000000000000ull,
                               100000000000000000ull, 1000000000000000000ull,
                               10000000000000000000ull};

char *ob_reserve(struct obuf *ob, size_t n)
{
    if (ob->cap - ob->len >= n)
        return ob->buf + ob->len;
    if (ob->fd >= 0) {
        ob_flush(ob);
        return ob->cap >= n ? ob->buf : NULL;
    }
    if (n > ob->max || ob->len > ob->max - n)
        return NULL;
    size_t want = ob->len + n, nc = ob->cap * 2;
    while (nc < want)
        nc *= 2;
    if (nc > ob->max)
        nc = ob->max;
    ob->buf = xrealloc(ob->buf, nc + 1);
    ob->cap = nc;
    return ob->buf + ob->len;
}

void ob_u64(struct obuf *ob, uint64_t v)
{
    if (ob->cap - ob->len >= 20) {
        ob_commit(ob, fmt_u64(ob->buf + ob->len, v));
        return;
    }
    char tmp[24];
    char *e = tmp + sizeof tmp, *q = e;
    do {
        *--q = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    ob_write(ob, q, (size_t)(e - q));
}

void ob_i64(struct obuf *ob, int64_t v)
{
    if (v < 0) {
        ob_putc(ob, '-');
        ob_u64(ob, (uint64_t)0 - (uint64_t)v);
    } else {
        ob_u64(ob, (uint64_t)v);
    }
}

void ob_fixed(struct obuf *ob, int64_t v, int decimals)
{
    if (decimals == 6 && ob->cap - ob->len >= 32) {
        ob_commit(ob, fmt_fixed(ob->buf + ob->len, v, 6));
        return;
    }
    if (decimals > 0 && decimals <= 18 && ob->cap - ob->len >= 48) {
        ob_commit(ob, fmt_fixed(ob->buf + ob->len, v, decimals));
        return;
    }
    uint64_t pow = 1;
    for (int i = 0; i < decimals; i++)
        pow *= 10;
    uint64_t a;
    if (v < 0) {
        ob_putc(ob, '-');
        a = (uint64_t)0 - (uint64_t)v;
    } else {
        a = (uint64_t)v;
    }
    ob_u64(ob, a / pow);
    if (decimals > 0) {
        char tmp[24];
        uint64_t f = a % pow;
        for (int i = decimals - 1; i >= 0; i--) {
            tmp[i] = (char)('0' + f % 10);
            f /= 10;
        }
        ob_putc(ob, '.');
        ob_write(ob, tmp, (size_t)decimals);
    }
}

void ob_vprintf(struct obuf *ob, const char *fmt, va_list ap)
{
    char tmp[512];
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    if (n < 0) {
        va_end(ap2);
        return;
    }
    if ((size_t)n < sizeof tmp) {
        ob_write(ob, tmp, (size_t)n);
    } else {
        char *big = xmalloc((size_t)n + 1);
        vsnprintf(big, (size_t)n + 1, fmt, ap2);
        ob_write(ob, big, (size_t)n);
        free(big);
    }
    va_end(ap2);
}

void ob_printf(struct obuf *ob, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ob_vprintf(ob, fmt, ap);
    va_end(ap);
}

size_t utf8_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            w++;
    return w;
}

/* utf8_width of a short text in the buffer (n <= 16, 16 bytes readable from s): its length when
 * it is ASCII (the usual case), tested 8 bytes at a time */
static size_t short_width(const char *s, size_t n)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t x0, x1;
    memcpy(&x0, s, 8);
    memcpy(&x1, s + 8, 8);
    /* only the text's own bytes: the first n of the 16 */
    uint64_t m0 = n >= 8 ? ~0ull : (1ull << (8 * n)) - 1;
    uint64_t m1 = n >= 16 ? ~0ull : n <= 8 ? 0 : (1ull << (8 * (n - 8))) - 1;
    if (!(((x0 & m0) | (x1 & m1)) & 0x8080808080808080ull))
        return n;
#endif
    return utf8_width(s, n);
}

void ob_pad_to(struct obuf *ob, size_t start, size_t width)
{
    size_t have = 0;
    if (ob->fd < 0 || start <= ob->len) {
        size_t n = ob->len - start;
        have = n <= 16 && ob->cap - start >= 16 ? short_width(ob->buf + start, n)
                                                : utf8_width(ob->buf + start, n);
    }
    if (have >= width)
        return;
    size_t pad = width - have;
    if (pad <= 16 && ob->cap - ob->len >= 16) {
        static const char sp[17] = "                ";
        memcpy(ob->buf + ob->len, sp, 16);
        ob->len += pad;
        return;
    }
    if (pad <= ob->cap - ob->len) {
        memset(ob->buf + ob->len, ' ', pad);
        ob->len += pad;
        return;
    }
    while (pad--)
        ob_putc(ob, ' ');
}

static const char hexd[] = "0123456789abcdef";

void ob_text_esc(struct obuf *ob, const void *p, size_t n)
{
    const unsigned char *c = p;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = c[i];
        if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
            run++;
            continue;
        }
        ob_write(ob, c + i - run, run);
        run = 0;
        char e[4] = {'\\', 'x', hexd[ch >> 4], hexd[ch & 15]};
        if (ch == '\\') {
            ob_write(ob, "\\\\", 2);
        } else {
            ob_write(ob, e, 4);
        }
    }
    ob_write(ob, c + n - run, run);
}

/* Length of a valid UTF-8 sequence starting at s (max n bytes), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        len = 2;
        cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* 1: a byte that stands for itself in a JSON string (printable ASCII but " and \, and DEL) */
static const uint8_t json_plain[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x80 and up: UTF-8, checked */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

char *fmt_json_str(char *p, const char *s, size_t n)
{
    const unsigned char *c = (const unsigned char *)s, *e = c + n;
    *p++ = '"';
    /* the plain run at the start (usually all of it) in one copy */
    size_t run = 0;
    while (run < n && json_plain[c[run]])
        run++;
    memcpy(p, c, run);
    p += run;
    c += run;
    while (c < e) {
        unsigned char ch = *c;
        if (ch >= 0x20 && ch < 0x80 && ch != '"' && ch != '\\') {
            *p++ = (char)ch;
            c++;
        } else if (ch == '"' || ch == '\\') {
            p[0] = '\\';
            p[1] = (char)ch;
            p += 2;
            c++;
        } else if (ch < 0x20) {
            char x = ch == '\n' ? 'n' : ch == '\r' ? 'r' : ch == '\t' ? 't' : 0;
            if (x) {
                p[0] = '\\';
                p[1] = x;
                p += 2;
            } else {
                memcpy(p, "\\u00", 4);
                p[4] = hexd[ch >> 4];
                p[5] = hexd[ch & 15];
                p += 6;
            }
            c++;
        } else {
            size_t l = utf8_seq(c, (size_t)(e - c));
            if (l == 0) {
                memcpy(p, "\xEF\xBF\xBD", 3);
                p += 3;
                c++;
            } else {
                memcpy(p, c, l);
                p += l;
                c += l;
            }
        }
    }
    *p++ = '"';
    return p;
}

char *fmt_json_cstr(char *p, const char *s, size_t cap)
{
    const unsigned char *c = (const unsigned char *)s;
    size_t run = 0;
    while (run < cap && json_plain[c[run]])
        run++;
    if (run == cap || !c[run]) { /* all plain (the usual case) */
        *p++ = '"';
        memcpy(p, c, run);
        p += run;
        *p++ = '"';
        return p;
    }
    return fmt_json_str(p, s, strnlen(s, cap));
}

void ob_json_str(struct obuf *ob, const char *s, size_t n)
{
    /* straight into the buffer when there is room for the worst case (never a flush the
     * byte-wise path below would not have made) */
    if (n <= 4096 && (ob->fd < 0 || ob->cap - ob->len >= FMT_JSON_STR_MAX(n))) {
        char *p = ob_reserve(ob, FMT_JSON_STR_MAX(n));
        if (p) {
            ob_commit(ob, fmt_json_str(p, s, n));
            return;
        }
    }
    const unsigned char *c = (const unsigned char *)s;
    ob_putc(ob, '"');
    size_t i = 0, run = 0;
    while (i < n) {
        unsigned char ch = c[i];
        if (ch >= 0x20 && ch < 0x80 && ch != '"' && ch != '\\') {
            run++;
            i++;
            continue;
        }
        ob_write(ob, c + i - run, run);
        run = 0;
        if (ch == '"' || ch == '\\') {
            char e[2] = {'\\', (char)ch};
            ob_write(ob, e, 2);
            i++;
        } else if (ch < 0x20) {
            switch (ch) {
            case '\n': ob_write(ob, "\\n", 2); break;
            case '\r': ob_write(ob, "\\r", 2); break;
            case '\t': ob_write(ob, "\\t", 2); break;
            default: {
                char e[6] = {'\\', 'u', '0', '0', hexd[ch >> 4], hexd[ch & 15]};
                ob_write(ob, e, 6);
            }
            }
            i++;
        } else {
            size_t l = utf8_seq(c + i, n - i);
            if (l == 0) {
                ob_write(ob, "\xEF\xBF\xBD", 3);
                i++;
            } else {
                ob_write(ob, c + i, l);
                i += l;
            }
        }
    }
    ob_write(ob, c + n - run, run);
    ob_putc(ob, '"');
}

void ob_json_cstr(struct obuf *ob, const char *s)
{
    ob_json_str(ob, s, strlen(s));
}

void ob_html_esc(struct obuf *ob, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *e = NULL;
        switch (s[i]) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        default: break;
        }
        if (!e) {
            run++;
            continue;
        }
        ob_write(ob, s + i - run, run);
        run = 0;
        ob_puts(ob, e);
    }
    ob_write(ob, s + n - run, run);
}

void ob_html_cstr(struct obuf *ob, const char *s)
{
    ob_html_esc(ob, s, strlen(s));
}
