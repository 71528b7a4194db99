/* summary: the process exit codes, the same for every subcommand (documented in README and tcplens(1)). */
#ifndef TCPLENS_EXITCODE_H
#define TCPLENS_EXITCODE_H

enum tl_exit {
    TL_EXIT_OK = 0,           /* success */
    TL_EXIT_FAIL = 1,         /* runtime failure; `ping`: no reply at all */
    TL_EXIT_USAGE = 2,        /* bad option, missing argument, filter that does not compile */
    TL_EXIT_INPUT = 3,        /* input cannot be opened, is not a capture, or has an unsupported link type */
    TL_EXIT_DAMAGED = 4,      /* capture damaged or cut short: every complete packet before it was processed */
    TL_EXIT_PERM = 5,         /* no privilege to capture */
    TL_EXIT_RESOLVE = 6,      /* host name did not resolve */
    TL_EXIT_CONNECT = 7,      /* connection refused or timed out (the capture is still explained) */
    TL_EXIT_NOCAPTURE = 8,    /* nothing was captured */
    TL_EXIT_OUTPUT = 9,       /* cannot write output (disk full, closed pipe is not an error) */
    TL_EXIT_INTERRUPTED = 130 /* stopped by Ctrl-C / SIGTERM where that is not the normal way to stop */
};

#endif
