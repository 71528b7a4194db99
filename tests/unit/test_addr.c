/* summary: unit test of the packet list's address text: IPv6 exactly as inet_ntop(3) writes it. */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "pkt.h"
#include "render_info.h"
#include "unit.h"

/* Addresses rich in zero groups (runs of every length and position, ties, the IPv4-embedding
 * forms) and random ones, each against inet_ntop. */
static int addr_ipv6_as_inet_ntop(void)
{
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (int n = 0; n < 200000; n++) {
        struct addr a = {6, {0}};
        for (int g = 0; g < 8; g++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            unsigned kind = (unsigned)(x >> 60), v = (unsigned)(x >> 20) & 0xffff;
            if (kind < 9)
                v = 0; /* zero groups more often than not */
            else if (kind < 11)
                v &= 0xf;
            else if (kind < 12)
                v = 0xffff;
            a.a[2 * g] = (uint8_t)(v >> 8);
            a.a[2 * g + 1] = (uint8_t)v;
        }
        char mine[64], ref[64];
        size_t l = info_addr(&a, mine);
        CHECK(inet_ntop(AF_INET6, a.a, ref, sizeof ref) != NULL);
        CHECK_STR(mine, ref);
        CHECK_EQ_U(l, strlen(ref));
    }
    PASS;
}

static const struct unit_test addr_tests[] = {
    {"addr_ipv6_as_inet_ntop", addr_ipv6_as_inet_ntop},
    {NULL, NULL},
};
UNIT_REGISTER(addr_tests)
