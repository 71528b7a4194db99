/* summary: shared command-line handling of packet sources and run results. */
#include "cli_common.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "cli.h"
#include "exitcode.h"
#include "xalloc.h"

void src_args_init(struct src_args *a)
{
    memset(a, 0, sizeof *a);
    a->color = -1;
    a->time = TIME_REL;
}

void src_args_free(struct src_args *a)
{
    free(a->filter);
    a->filter = NULL;
}

int cli_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

int cli_parse_seconds(const char *s, double *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int parse_count(const char *cmd, const char *arg, unsigned long long *out)
{
    unsigned long long v = 0;
    if (cli_parse_uint(arg, ULLONG_MAX, &v) < 0 || v == 0) {
        fprintf(stderr, "tcplens %s: invalid packet count '%s' (a positive number)\n", cmd, arg);
        return -1;
    }
    *out = v;
    return 0;
}

int src_args_opt(struct src_args *a, const char *cmd, int opt, const char *arg)
{
    switch (opt) {
    case 'i': a->iface = arg; return 1;
    case 'r': a->file = arg; return 1;
    case 'c': return parse_count(cmd, arg, &a->count) < 0 ? -1 : 1;
    case 'w': a->write_path = arg; return 1;
    case 'Z': a->drop_user = arg; return 1;
    case 'S': a->absolute_seq = true; return 1;
    case 'p': a->no_promisc = true; return 1;
    case 'q': a->quiet = true; return 1;
    case 's': {
        char *end;
        long v = strtol(arg, &end, 10);
        if (*end || v < 0 || v > 262144) {
            fprintf(stderr, "tcplens %s: invalid snapshot length '%s'\n", cmd, arg);
            return -1;
        }
        a->snaplen = (int)v;
        return 1;
    }
    case 't': {
        /* tshark's letters, and tcpdump's -tt/-ttt/-tttt/-ttttt (getopt hands us the rest of
         * the t's as the value of -t). */
        static const struct { const char *name; enum time_fmt fmt; } tf[] = {
            {"r", TIME_REL},        {"d", TIME_DELTA},     {"dd", TIME_DELTA},
            {"u", TIME_UTC_TOD},    {"ud", TIME_ABS_UTC},  {"a", TIME_LOCAL_TOD},
            {"ad", TIME_ABS_LOCAL}, {"e", TIME_EPOCH},     {"t", TIME_EPOCH},
            {"tt", TIME_DELTA},     {"ttt", TIME_ABS_LOCAL}, {"tttt", TIME_REL},
        };
        for (size_t k = 0; k < sizeof tf / sizeof tf[0]; k++)
            if (!strcmp(arg, tf[k].name)) {
                a->time = tf[k].fmt;
                return 1;
            }
        fprintf(stderr, "tcplens %s: invalid time format '%s' (r relative, d delta, u/ud UTC "
                        "time/date and time, a/ad local, e epoch)\n", cmd, arg);
        return -1;
    }
    case 'n': return 1; /* names are never resolved: accepted for tcpdump's -n/-nn */
    case OPT_MAX_CONNS: {
        char *end;
        unsigned long long v = strtoull(arg, &end, 10);
        if (!*arg || *end || arg[0] == '-' || v == 0 || v > UINT32_MAX) {
            fprintf(stderr, "tcplens %s: invalid --max-conns '%s' (a positive number)\n", cmd,
                    arg);
            return -1;
        }
        a->max_conns = (unsigned long)v;
        return 1;
    }
    case OPT_JSON: a->json = true; return 1;
    case OPT_NO_COLOR: a->color = 0; return 1;
    case OPT_COLOR:
        if (!arg || !strcmp(arg, "always")) a->color = 1;
        else if (!strcmp(arg, "never")) a->color = 0;
        else if (!strcmp(arg, "auto")) a->color = -1;
        else {
            fprintf(stderr, "tcplens %s: invalid --color '%s' (auto, always, never)\n", cmd, arg);
            return -1;
        }
        return 1;
    default:
        return 0;
    }
}

int src_args_positional(struct src_args *a, const char *cmd, const char *usage, int argc,
                        char **argv, int i)
{
    if (!a->iface && !a->file) {
        if (i >= argc) {
            cli_usage_error(cmd, usage, "no capture file or interface given");
            return -1;
        }
        a->file = argv[i++];
    }
    if (a->iface && a->file) {
        cli_usage_error(cmd, usage, "give either a capture file or -i IFACE, not both");
        return -1;
    }
    size_t n = 0;
    for (int k = i; k < argc; k++)
        n += strlen(argv[k]) + 1;
    if (n) {
        a->filter = xmalloc(n);
        a->filter[0] = '\0';
        for (int k = i; k < argc; k++) {
            if (k > i)
                strcat(a->filter, " ");
            strcat(a->filter, argv[k]);
        }
    }
    return 0;
}

bool src_args_color(const struct src_args *a)
{
    if (a->color >= 0)
        return a->color == 1;
    const char *nc = getenv("NO_COLOR");
    if (nc && nc[0])
        return false;
    const char *term = getenv("TERM");
    if (term && !strcmp(term, "dumb"))
        return false;
    return isatty(STDOUT_FILENO) != 0;
}

void src_args_run_opts(struct src_args *a, struct run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->file = a->file;
    o->iface = a->iface;
    o->filter = a->filter;
    o->count = a->count;
    o->write_path = a->write_path;
    o->depth = DIS_DEPTH_APP;
    o->promisc = !a->no_promisc;
    o->snaplen = a->snaplen;
    o->drop_user = a->drop_user;
    /* live capture started with sudo: give up root for the user who ran sudo once the device is
     * open, as tcpdump -Z does (-Z root keeps root) */
    const char *sudo_user = getenv("SUDO_USER");
    if (a->iface && !o->drop_user && geteuid() == 0 && sudo_user && sudo_user[0])
        o->drop_user = sudo_user;
    if (o->drop_user && !strcmp(o->drop_user, "root"))
        o->drop_user = NULL;
    if (a->max_conns) {
        tcp_track_defaults(&o->limits);
        o->limits.max_conns = (uint32_t)a->max_conns;
        if (o->limits.soft_conns > o->limits.max_conns)
            o->limits.soft_conns = o->limits.max_conns;
        o->have_limits = true;
    }
    uint64_t size;
    if (a->file && cli_progress_wanted(a->file, a->output_at_end || a->quiet, &size)) {
        cli_progress_start(&a->progress, size);
        o->progress = cli_progress_cb;
        o->progress_ctx = &a->progress;
    }
    /* live, printing only at the end (report): the kernel's blocks, which keep up under load */
    o->live_batch = a->iface && a->output_at_end;
    if (a->iface) {
        o->on_open = cli_on_open;
        o->on_open_ctx = NULL;
    }
}

int cli_getopt_error(const char *cmd, const char *usage, char **argv, int optind_, int optopt_,
                     const char *shortopts)
{
    const char *w = optind_ >= 1 ? argv[optind_ - 1] : "";
    if (w && !strncmp(w, "--", 2) && w[2]) {
        size_t n = strcspn(w, "=");
        if (optopt_) /* a known long option whose value is missing */
            return cli_usage_error(cmd, usage, "option '%.*s' needs a value", (int)n, w);
        return cli_usage_error(cmd, usage, "unknown option '%.*s'", (int)n, w);
    }
    const char *p = optopt_ > 0 && optopt_ < 128 && optopt_ != ':' ? strchr(shortopts, optopt_) : NULL;
    if (p && p[1] == ':')
        return cli_usage_error(cmd, usage, "option '-%c' needs a value", optopt_);
    if (optopt_ > 0 && optopt_ < 128)
        return cli_usage_error(cmd, usage, "unknown option '-%c'", optopt_);
    return cli_usage_error(cmd, usage, "unknown option '%s'", w ? w : "?");
}

static void flush_ob(void *ctx)
{
    ob_flush(ctx);
}

void cli_live_output(struct run_opts *o, struct obuf *ob, bool quiet)
{
    if (!o->iface)
        return;
    o->live_batch = quiet || !isatty(ob->fd);
    o->flush = flush_ob;
    o->flush_ctx = ob;
}

void cli_on_open(void *ctx, const char *what, uint32_t linktype)
{
    (void)ctx;
    fprintf(stderr, "listening on %s, link-type %u (%s), capture size 262144 bytes\n", what,
            linktype, linktype_name(linktype));
}

int cli_run_exit(enum run_status st, const struct run_info *ri, const struct errbuf *eb,
                 const struct src_args *a)
{
    switch (st) {
    case RUN_BAD_INPUT:
        cli_error("%s", eb->msg);
        return TL_EXIT_INPUT;
    case RUN_BAD_FILTER:
        cli_error("%s", eb->msg);
        return TL_EXIT_USAGE;
    case RUN_NO_PERM:
        cli_error("%s", eb->msg);
        return TL_EXIT_PERM;
    default:
        break;
    }
    if (st == RUN_WRITE_ERR && !ri->packets && !ri->write_failed) {
        cli_error("%s", eb->msg);
        return TL_EXIT_OUTPUT;
    }
    if (ri->live) {
        fprintf(stderr, "%llu packet%s captured\n", (unsigned long long)ri->shown,
                ri->shown == 1 ? "" : "s");
        if (ri->have_kernel_stats) {
            fprintf(stderr, "%llu packet%s received by filter\n",
                    (unsigned long long)ri->kern_recv, ri->kern_recv == 1 ? "" : "s");
            fprintf(stderr, "%llu packet%s dropped by kernel\n",
                    (unsigned long long)ri->kern_drop, ri->kern_drop == 1 ? "" : "s");
            if (ri->kern_ifdrop) /* as tcpdump: only when the interface counts any */
                fprintf(stderr, "%llu packet%s dropped by interface\n",
                        (unsigned long long)ri->kern_ifdrop, ri->kern_ifdrop == 1 ? "" : "s");
        }
        if (a->write_path)
            fprintf(stderr, "%llu packet%s written to %s\n", (unsigned long long)ri->written,
                    ri->written == 1 ? "" : "s", a->write_path);
    }
    if (ri->unsupported_linktype)
        cli_warn("%llu packet%s on a link type that cannot be decoded",
                 (unsigned long long)ri->unsupported_linktype,
                 ri->unsupported_linktype == 1 ? "" : "s");
    if (ri->track && ri->track->evicted_cap)
        cli_warn("connection table full: %llu connections were closed early (--max-conns)",
                 (unsigned long long)ri->track->evicted_cap);
    if (ri->track && ri->track->unacked_cap_hits)
        cli_warn("unacknowledged-segment cap reached: %llu segments were not remembered "
                 "(retransmission analysis may miss some)",
                 (unsigned long long)ri->track->unacked_cap_hits);
    if (ri->write_failed) {
        cli_error("%s (the capture file holds the packets written before)", ri->write_error);
        return TL_EXIT_OUTPUT;
    }
    if (st == RUN_CAPTURE_ERR) {
        cli_error("%s", ri->damage[0] ? ri->damage : eb->msg);
        return TL_EXIT_FAIL;
    }
    if (st == RUN_DAMAGED) {
        cli_error("%s: %s (%llu complete packet%s before it were processed)", ri->source,
                  ri->damage, (unsigned long long)ri->packets, ri->packets == 1 ? "" : "s");
        return TL_EXIT_DAMAGED;
    }
    return TL_EXIT_OK;
}
