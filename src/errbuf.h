/* summary: a bounded one-line error message filled at I/O boundaries (libpcap's errbuf idea). */
#ifndef TCPLENS_ERRBUF_H
#define TCPLENS_ERRBUF_H

#include <stdarg.h>

#define ERRBUF_SIZE 256

struct errbuf {
    char msg[ERRBUF_SIZE]; /* one line, no trailing newline; "" when nothing was reported */
};

/* Format a message into eb (NULL eb is allowed and ignored). Always returns -1 so callers can
 * write `return err_set(eb, ...);`. */
int err_set(struct errbuf *eb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, with ": strerror(errnum)" appended. */
int err_set_errno(struct errbuf *eb, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
