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

const char *pkt_strdup(struct pkt *p, const uint8_t *s, size_t n)
{
    size_t room = PKT_ARENA - p->arena_used;
    if (room <= 1)
        return "";
    if (n > room - 1)
        n = room - 1;
    char *d = p->arena + p->arena_used;
    for (size_t i = 0; i < n; i++) {
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
