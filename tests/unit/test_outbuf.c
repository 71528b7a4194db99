/* summary: unit test of the output buffer's number, address and JSON string formatting: the
 * fmt_* functions against printf(3) and inet_ntop(3), and the direct paths of ob_json_str,
 * ob_u64 and ob_fixed against their byte-wise ones (taken when the room is short). */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "outbuf.h"
#include "pkt.h"
#include "render_info.h"
#include "unit.h"

static uint64_t xs(uint64_t *x)
{
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    return *x;
}

/* interesting numbers: around every power of ten, the ends, and random ones of every length */
static uint64_t num_at(int i, uint64_t *x)
{
    if (i < 40) {
        uint64_t p = 1;
        for (int k = 0; k < i / 2; k++)
            p *= 10;
        return i % 2 ? p : p - 1;
    }
    if (i < 44)
        return UINT64_MAX - (uint64_t)(i - 40);
    return xs(x) >> (xs(x) % 64);
}

static int fmt_u64_as_printf(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 100000; i++) {
        uint64_t v = num_at(i, &x);
        char mine[32], ref[32];
        *fmt_u64(mine, v) = '\0';
        snprintf(ref, sizeof ref, "%" PRIu64, v);
        CHECK_STR(mine, ref);
        CHECK_EQ_U(fmt_u64_len(v), strlen(ref));
    }
    PASS;
}

static int fmt_fixed_as_printf(void)
{
    uint64_t x = 0x2545f4914f6cdd1dull;
    for (int i = 0; i < 20000; i++) {
        int64_t v = (int64_t)num_at(i, &x);
        if (i & 1)
            v = -v;
        for (int d = 1; d <= 18; d++) {
            uint64_t pow = 1;
            for (int k = 0; k < d; k++)
                pow *= 10;
            uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            char mine[64], ref[64];
            *fmt_fixed(mine, v, d) = '\0';
            snprintf(ref, sizeof ref, "%s%" PRIu64 ".%0*" PRIu64, v < 0 ? "-" : "", a / pow, d,
                     a % pow);
            CHECK_STR(mine, ref);
        }
        /* fmt_secs: ns truncated toward zero to microseconds */
        char mine[64], ref[64];
        *fmt_secs(mine, v) = '\0';
        int64_t us = v / 1000;
        uint64_t a = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
        snprintf(ref, sizeof ref, "%s%" PRIu64 ".%06" PRIu64, us < 0 ? "-" : "", a / 1000000,
                 a % 1000000);
        CHECK_STR(mine, ref);
    }
    PASS;
}

/* Every octet value in every position, and random addresses, against inet_ntop. */
static int addr_ipv4_as_inet_ntop(void)
{
    uint64_t x = 0x853c49e6748fea9bull;
    for (int n = 0; n < 256 * 4 + 100000; n++) {
        struct addr a = {4, {0}};
        uint64_t r = xs(&x);
        memcpy(a.a, &r, 4);
        if (n < 256 * 4)
            a.a[n / 256] = (uint8_t)n;
        char mine[64], ref[64];
        size_t l = info_addr(&a, mine);
        CHECK(inet_ntop(AF_INET, a.a, ref, sizeof ref) != NULL);
        CHECK_STR(mine, ref);
        CHECK_EQ_U(l, strlen(ref));
    }
    PASS;
}

#define FILL 256 /* an in-memory buffer's first allocation: filled, the next write must grow it */

/* s after FILL bytes into an in-memory buffer of ceiling FILL + max (the byte-wise path when
 * the worst case does not fit under it); returns what follows the filler */
static const char *json_into(struct obuf *ob, size_t max, const char *s, size_t n)
{
    char fill[FILL];
    memset(fill, '.', sizeof fill);
    ob_init_mem(ob, FILL + max);
    ob_write(ob, fill, sizeof fill);
    ob_json_str(ob, s, n);
    return ob_cstr(ob) + FILL;
}

static int json_str_direct_as_bytewise(void)
{
    /* bytes drawn from a mix: plain ASCII, quotes, controls, valid and broken UTF-8 */
    static const char *const parts[] = {"a", "Z", " ", "\"", "\\", "\n", "\r", "\t", "\x01",
                                        "\x1f", "\x7f", "\xc3\xa9", "\xe4\xb8\xad",
                                        "\xf0\x9f\x98\x80", "\xc3", "\xe4\xb8", "\x80", "\xff",
                                        "\xed\xa0\x80", "\xc0\xaf"};
    uint64_t x = 0xda3e39cb94b95bdbull;
    for (int i = 0; i < 20000; i++) {
        char s[256];
        size_t n = 0; /* at most 39 + 4 bytes */
        size_t want = xs(&x) % 40;
        while (n < want) {
            const char *p = parts[xs(&x) % (sizeof parts / sizeof parts[0])];
            size_t l = strlen(p);
            memcpy(s + n, p, l);
            n += l;
        }
        struct obuf fast, slow;
        const char *a = json_into(&fast, 1 << 20, s, n);
        /* a ceiling just big enough for the output but not for the worst case */
        const char *b = json_into(&slow, strlen(a), s, n);
        CHECK(!fast.truncated && !slow.truncated);
        CHECK_STR(b, a);
        /* from a C string with a cap, cutting anywhere (inside a UTF-8 sequence too) */
        char c1[512], c2[512];
        s[n] = '\0';
        size_t cap = xs(&x) % (n + 2);
        *fmt_json_cstr(c1, s, cap) = '\0';
        *fmt_json_str(c2, s, strnlen(s, cap)) = '\0';
        CHECK_STR(c1, c2);
        ob_free(&fast);
        ob_free(&slow);
    }
    PASS;
}

/* Near an in-memory ceiling the numbers are cut exactly where byte-wise writing would cut them. */
static int numbers_at_the_ceiling(void)
{
    char fill[FILL];
    memset(fill, '.', sizeof fill);
    for (size_t max = 0; max < 50; max++) {
        struct obuf ob;
        ob_init_mem(&ob, FILL + max);
        ob_write(&ob, fill, sizeof fill);
        ob_puts(&ob, "x=");
        ob_u64(&ob, 12345678901234567890ull);
        ob_putc(&ob, ' ');
        ob_fixed(&ob, -1234567, 6);
        ob_putc(&ob, ' ');
        ob_fixed(&ob, 5, 9);
        const char *full = "x=12345678901234567890 -1.234567 0.000000005";
        char want[64];
        snprintf(want, sizeof want, "%.*s", (int)max, full);
        CHECK_STR(ob_cstr(&ob) + FILL, want);
        CHECK(ob.truncated == (max < strlen(full)));
        ob_free(&ob);
    }
    PASS;
}

/* TCP flags: the direct path (room in the buffer) against the byte-wise one (a buffer filled to
 * its first allocation), for every 12-bit flag word and both separators. */
static int tcp_flags_direct_as_bytewise(void)
{
    static const char *const seps[] = {", ", ","};
    char fill[FILL];
    memset(fill, '.', sizeof fill);
    for (int k = 0; k < 2; k++) {
        for (unsigned f = 0; f < 4096; f++) {
            struct obuf a, b;
            ob_init_mem(&a, 1 << 16);
            info_tcp_flags(&a, (uint16_t)f, seps[k]);
            ob_init_mem(&b, 1 << 16);
            ob_write(&b, fill, sizeof fill);
            info_tcp_flags(&b, (uint16_t)f, seps[k]);
            CHECK_STR(ob_cstr(&b) + FILL, ob_cstr(&a));
            ob_free(&a);
            ob_free(&b);
        }
    }
    PASS;
}

/* ob_pad_to counts code points: short ASCII and UTF-8 texts, at every offset of the buffer's
 * first allocation (the 16-byte test near its end falls back to counting). */
static int pad_to_counts_code_points(void)
{
    static const char *const texts[] = {"", "a", "10.0.0.1", "192.168.100.200", "TCP",
                                        "\xe2\x86\x92", "a\xc3\xa9\x62", "0123456789abcdef",
                                        "fe80::1:2:3:4:5:6", "\xe4\xb8\xad\xe6\x96\x87"};
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        for (size_t off = 0; off < FILL; off += 7) {
            for (size_t width = 0; width < 24; width += 5) {
                struct obuf ob;
                ob_init_mem(&ob, 1 << 16);
                for (size_t i = 0; i < off; i++)
                    ob_putc(&ob, '.');
                size_t s0 = ob.len, n = strlen(texts[t]);
                ob_write(&ob, texts[t], n);
                ob_pad_to(&ob, s0, width);
                size_t w = utf8_width(texts[t], n);
                CHECK_EQ_U(ob.len - s0, n + (w < width ? width - w : 0));
                for (size_t i = s0 + n; i < ob.len; i++)
                    CHECK(ob.buf[i] == ' ');
                ob_free(&ob);
            }
        }
    }
    PASS;
}

static const struct unit_test outbuf_tests[] = {
    {"tcp_flags_direct_as_bytewise", tcp_flags_direct_as_bytewise},
    {"pad_to_counts_code_points", pad_to_counts_code_points},
    {"fmt_u64_as_printf", fmt_u64_as_printf},
    {"fmt_fixed_as_printf", fmt_fixed_as_printf},
    {"addr_ipv4_as_inet_ntop", addr_ipv4_as_inet_ntop},
    {"json_str_direct_as_bytewise", json_str_direct_as_bytewise},
    {"numbers_at_the_ceiling", numbers_at_the_ceiling},
    {NULL, NULL},
};
UNIT_REGISTER(outbuf_tests);
