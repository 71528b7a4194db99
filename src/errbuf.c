/* summary: bounded one-line error messages. */
#include "errbuf.h"

#include <stdio.h>
#include <string.h>

int err_set(struct errbuf *eb, const char *fmt, ...)
{
    if (!eb)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(eb->msg, sizeof eb->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int err_set_errno(struct errbuf *eb, int errnum, const char *fmt, ...)
{
    if (!eb)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(eb->msg, sizeof eb->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof eb->msg)
        snprintf(eb->msg + n, sizeof eb->msg - (size_t)n, ": %s", strerror(errnum));
    return -1;
}
