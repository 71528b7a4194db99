/* summary: helpers on the decoded packet: addresses and the per-packet text arena. */
#include "pkt.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

size_t addr_str(const struct addr *ad, char *buf, size_t n)
{
    if (n == 0)
        return 0;
    buf[0] = '\0';
    if (ad->family == 4) {
        if (!inet_ntop(AF_INET, ad->a, buf, (socklen_t)n))
            buf[0] = '\0';
    } else if (ad->family == 6) {
        if (!inet_ntop(AF_INET6, ad->a, buf, (socklen_t)n))
            buf[0] = '\0';
    }
    return strlen(buf);
}

/* Copies 8 bytes from s to d if none is a control character or past 0x7e (the two word tests
 * can only be wrong when some byte is one of those: then false, and nothing is copied). */
static inline bool plain8(const uint8_t *s, char *d)
{
    uint64_t x;
    memcpy(&x, s, 8);
    uint64_t below = (x - 0x2020202020202020ull) & ~x; /* a byte < 0x20 */
    uint64_t above = (x + 0x0101010101010101ull) | x;  /* a byte > 0x7e */
    if ((below | above) & 0x8080808080808080ull)
        return false;
    memcpy(d, &x, 8);
    return true;
}

const char *pkt_strdup(struct pkt *p, const uint8_t *s, size_t n)
{
    size_t room = PKT_ARENA - p->arena_used;
    if (room <= 1)
        return "";
    if (n > room - 1)
        n = room - 1;
    char *d = p->arena + p->arena_used;
    size_t i = 0;
    /* 8 bytes a step while they are all printable ASCII; the bytes left, one at a time */
    for (; i + 8 <= n; i += 8)
        if (!plain8(s + i, d + i))
            break;
    /* the last partial step as the 8 bytes that end the text (again those before it) */
    if (i < n && n >= 8 && i + 8 > n && plain8(s + n - 8, d + n - 8))
        i = n;
    for (; i < n; i++) {
        uint8_t c = s[i];
        d[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
    }
    d[n] = '\0';
    p->arena_used += n + 1;
    return d;
}

const char *pkt_cstr(struct pkt *p, const char *s)
{
    return pkt_strdup(p, (const uint8_t *)s, strlen(s));
}
