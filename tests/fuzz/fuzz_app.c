/* summary: fuzz target: the DNS and HTTP dissectors alone, with their Info formatters.
 *
 * Byte 0 picks the dissector (even: DNS, odd: HTTP); the rest is the payload. The payload is
 * copied to an exact-size heap buffer so ASan sees any read past its end. */
#include <stdlib.h>
#include <string.h>

#include "dis_app.h"
#include "outbuf.h"
#include "pkt.h"
#include "xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1u << 18))
        return 0;
    size_t n = size - 1;
    uint8_t *b = xmalloc(n ? n : 1);
    memcpy(b, data + 1, n);
    struct pkt *p = xcalloc(1, sizeof *p);
    p->depth = 2;
    struct obuf ob;
    ob_init_mem(&ob, 1 << 20);
    if (data[0] & 1) {
        if (dis_http(p, b, n))
            http_info(&ob, p);
    } else {
        dis_dns(p, b, n);
        if (p->app == APP_DNS)
            dns_info(&ob, p);
    }
    (void)ob_cstr(&ob);
    ob_free(&ob);
    free(p);
    free(b);
    return 0;
}
