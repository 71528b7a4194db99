/* summary: the progress bar on stderr while a large capture file is read (bytes, packets/s, ETA):
 * only when stderr is a terminal, redrawn at most CLI_PROGRESS_HZ times a second, erased when
 * reading ends. Fed by the analyzer's progress hook (run_opts.progress). */
#ifndef TCPLENS_CLI_PROGRESS_H
#define TCPLENS_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define CLI_PROGRESS_MIN_BYTES (50ull * 1000 * 1000) /* smaller files are read too fast to need it */
#define CLI_PROGRESS_HZ 10

struct cli_progress {
    uint64_t total;          /* file size in bytes */
    struct timespec start;   /* when reading began */
    int64_t last_ns;         /* when the bar was last drawn (ns since start) */
    bool shown;              /* a bar is on the screen */
};

/* Whether a bar should be shown for reading path: a regular file of at least
 * CLI_PROGRESS_MIN_BYTES, stderr a terminal (not TERM=dumb), and stdout not that same terminal
 * unless the command prints nothing until the end (output_at_end). Sets *size. */
bool cli_progress_wanted(const char *path, bool output_at_end, uint64_t *size);
void cli_progress_start(struct cli_progress *p, uint64_t total);
/* The analyzer's hook (ctx: struct cli_progress). */
void cli_progress_cb(void *ctx, uint64_t bytes, uint64_t total, uint64_t packets, bool done);
/* Format the bar line for the given state into buf (no control characters); for tests. */
size_t cli_progress_format(char *buf, size_t n, int width, uint64_t bytes, uint64_t total,
                           uint64_t packets, double secs);

#endif
