/* summary: the progress bar shown on stderr while a large capture file is read. */
#include "cli_progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define NS_PER_SEC 1000000000LL

static int64_t since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - t0->tv_sec) * NS_PER_SEC + (now.tv_nsec - t0->tv_nsec);
}

bool cli_progress_wanted(const char *path, bool output_at_end, uint64_t *size)
{
    *size = 0;
    if (!path || !strcmp(path, "-") || !isatty(STDERR_FILENO))
        return false;
    const char *term = getenv("TERM");
    if (term && !strcmp(term, "dumb"))
        return false;
    struct stat st;
    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) ||
        (uint64_t)st.st_size < CLI_PROGRESS_MIN_BYTES)
        return false;
    if (!output_at_end && isatty(STDOUT_FILENO)) {
        /* packet lines going to the same terminal would be torn by the bar */
        struct stat so, se;
        if (fstat(STDOUT_FILENO, &so) == 0 && fstat(STDERR_FILENO, &se) == 0 &&
            so.st_rdev == se.st_rdev)
            return false;
    }
    *size = (uint64_t)st.st_size;
    return true;
}

void cli_progress_start(struct cli_progress *p, uint64_t total)
{
    memset(p, 0, sizeof *p);
    p->total = total;
    p->last_ns = -NS_PER_SEC; /* draw at the first call: the file is known to be large */
    clock_gettime(CLOCK_MONOTONIC, &p->start);
}

/* "12.3 MB" with 3 significant digits */
static void human_bytes(char *buf, size_t n, double v)
{
    static const char *unit[] = {"B", "kB", "MB", "GB", "TB"};
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        u++;
    }
    snprintf(buf, n, v < 10 && u ? "%.2f %s" : v < 100 && u ? "%.1f %s" : "%.0f %s", v, unit[u]);
}

static void human_rate(char *buf, size_t n, double v)
{
    if (v >= 1e6)
        snprintf(buf, n, "%.1fM", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, n, "%.0fk", v / 1e3);
    else
        snprintf(buf, n, "%.0f", v);
}

size_t cli_progress_format(char *buf, size_t n, int width, uint64_t bytes, uint64_t total,
                           uint64_t packets, double secs)
{
    if (bytes > total)
        bytes = total;
    double frac = total ? (double)bytes / (double)total : 0;
    char b[32], t[32], r[32], eta[32];
    human_bytes(b, sizeof b, (double)bytes);
    human_bytes(t, sizeof t, (double)total);
    human_rate(r, sizeof r, secs > 0 ? (double)packets / secs : 0);
    if (secs > 0 && bytes > 0 && bytes < total) {
        double left = secs * (double)(total - bytes) / (double)bytes;
        long s = left > 359999 ? 359999 : (long)(left + 0.5);
        if (s >= 3600)
            snprintf(eta, sizeof eta, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
        else
            snprintf(eta, sizeof eta, "%ld:%02ld", s / 60, s % 60);
    } else {
        snprintf(eta, sizeof eta, "--:--");
    }
    char tail[128];
    int tl = snprintf(tail, sizeof tail, " %3d%%  %s / %s  %s pkt/s  ETA %s",
                      (int)(frac * 100), b, t, r, eta);
    if (tl < 0)
        tl = 0;
    /* the bar takes what the text leaves, 10 to 40 columns; none on a very narrow terminal */
    int bar = width - 1 - tl - 2;
    if (bar > 40)
        bar = 40;
    size_t len = 0;
    if (bar >= 10 && n > (size_t)bar + 3) {
        int fill = (int)(frac * bar);
        buf[len++] = '[';
        for (int i = 0; i < bar; i++)
            buf[len++] = i < fill ? '=' : i == fill ? '>' : ' ';
        buf[len++] = ']';
    }
    int k = snprintf(buf + len, n - len, "%s", tail);
    if (k > 0)
        len += (size_t)k < n - len ? (size_t)k : n - len - 1;
    if (width > 1 && len > (size_t)width - 1)
        len = (size_t)width - 1; /* never wrap: \r could not return to the start */
    buf[len] = '\0';
    return len;
}

static int term_width(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

static void put(const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w <= 0)
            return; /* a progress bar is not worth failing for */
        s += w;
        n -= (size_t)w;
    }
}

void cli_progress_cb(void *ctx, uint64_t bytes, uint64_t total, uint64_t packets, bool done)
{
    struct cli_progress *p = ctx;
    if (done) {
        if (p->shown)
            put("\r\x1b[K", 4);
        p->shown = false;
        return;
    }
    int64_t t = since(&p->start);
    if (t - p->last_ns < NS_PER_SEC / CLI_PROGRESS_HZ)
        return;
    p->last_ns = t;
    if (!total)
        total = p->total;
    char line[512];
    line[0] = '\r';
    size_t len = 1 + cli_progress_format(line + 1, sizeof line - 5, term_width(), bytes, total,
                                         packets, (double)t / NS_PER_SEC);
    memcpy(line + len, "\x1b[K", 3);
    put(line, len + 3);
    p->shown = true;
}
