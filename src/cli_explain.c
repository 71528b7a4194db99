/* summary: `tcplens explain` and `tcplens ladder`: the plain-language story and the sequence
 * diagram of each TCP connection of a capture file or a live capture. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "cli.h"
#include "cli_common.h"
#include "exitcode.h"
#include "explain.h"
#include "ladder.h"
#include "outbuf.h"

enum { OPT_SNAPLEN = OPT_CMD_BASE, OPT_WIDTH };

static const char explain_usage[] =
    "tcplens explain [options] FILE [FILTER]  |  tcplens explain -i IFACE [options] [FILTER]";
static const char ladder_usage[] =
    "tcplens ladder [options] FILE [FILTER]  |  tcplens ladder -i IFACE [options] [FILTER]";

static void explain_help(void)
{
    printf("usage: %s\n\n"
           "Explain each TCP connection in plain language: who talks to whom, the three-way\n"
           "handshake step by step with the Seq/Ack arithmetic, the options, the data and any\n"
           "trouble (retransmissions, lost segments, zero windows), and how the connection\n"
           "ended (four-way close, three-packet close, simultaneous close, reset, refused),\n"
           "checked against the packets; says what a partial capture is missing.\n\n"
           "  FILE            pcap or pcapng file, '-' for standard input\n"
           "  FILTER          pcap-filter expression, as for tcpdump ('tcp port 80')\n"
           "  -s STREAM       only this TCP stream (the 'stream' of --json, from 0)\n"
           "  --lang LANG     language: en (default), zh\n"
           "  -i IFACE        capture live on IFACE; Ctrl-C stops and explains\n"
           "  -c N            stop after N packets\n"
           "  -w FILE         also write the packets to FILE (pcap)\n"
           "  --snaplen N     live: bytes to capture per packet (default 262144)\n"
           "  -p              live: do not put the interface in promiscuous mode\n"
           "  -Z USER         live: drop root privileges to USER after opening the device\n"
           "  --color[=WHEN]  bold headings: auto (default, terminal only), always, never\n"
           "  --width N       wrap the text at N columns (default 80)\n\n"
           "examples:\n"
           "  tcplens explain examples/seed-baidu.pcap\n"
           "  tcplens explain capture.pcapng -s 3 --lang zh\n"
           "  sudo tcplens explain -i eth0 -c 50 'host 10.0.0.1 and tcp port 80'\n",
           explain_usage);
}

static void ladder_help(void)
{
    printf("usage: %s\n\n"
           "Draw each TCP connection as a ladder (sequence) diagram: the client's and the\n"
           "server's lifelines, one arrow per packet with its number, flags, Seq/Ack/Len and\n"
           "analysis tags, and the endpoint states where they change. Fits 80 columns; long\n"
           "runs of data packets are folded into one line with counts.\n\n"
           "  FILE            pcap or pcapng file, '-' for standard input\n"
           "  FILTER          pcap-filter expression, as for tcpdump ('tcp port 80')\n"
           "  -s STREAM       only this TCP stream (the 'stream' of --json, from 0)\n"
           "  --full          one line per packet, nothing folded\n"
           "  --ascii         ASCII instead of Unicode box characters\n"
           "  -S              absolute (raw) sequence numbers\n"
           "  -i IFACE        capture live on IFACE; Ctrl-C stops and draws\n"
           "  -c N            stop after N packets\n"
           "  -w FILE         also write the packets to FILE (pcap)\n"
           "  --snaplen N     live: bytes to capture per packet (default 262144)\n"
           "  -p              live: do not put the interface in promiscuous mode\n"
           "  -Z USER         live: drop root privileges to USER after opening the device\n"
           "  --color[=WHEN]  colours: auto (default, terminal only, NO_COLOR respected),\n"
           "                  always, never\n"
           "  --width N       columns to draw in (default 80, at least 60)\n\n"
           "examples:\n"
           "  tcplens ladder examples/seed-baidu.pcap\n"
           "  tcplens ladder capture.pcapng -s 0 --full --ascii\n"
           "  sudo tcplens ladder -i lo -c 30 'tcp port 8080'\n",
           ladder_usage);
}

static int parse_num(const char *cmd, const char *what, const char *arg, long lo, long hi,
                     long *out)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (!*arg || *end || errno || v < lo || v > hi) {
        fprintf(stderr, "tcplens %s: invalid %s '%s' (%ld to %ld)\n", cmd, what, arg, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

static int run(int argc, char **argv, bool is_ladder)
{
    const char *cmd = is_ladder ? "ladder" : "explain";
    const char *usage = is_ladder ? ladder_usage : explain_usage;
    static const struct option longopts[] = {
        {"lang", required_argument, NULL, OPT_LANG},
        {"ascii", no_argument, NULL, OPT_ASCII},
        {"full", no_argument, NULL, OPT_FULL},
        {"stream", required_argument, NULL, 's'},
        {"snaplen", required_argument, NULL, OPT_SNAPLEN},
        {"width", required_argument, NULL, OPT_WIDTH},
        {"color", optional_argument, NULL, OPT_COLOR},
        {"colour", optional_argument, NULL, OPT_COLOR},
        {"no-color", no_argument, NULL, OPT_NO_COLOR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct src_args a;
    src_args_init(&a);
    const char *lang = "en";
    long stream = -1, width = 80;
    bool ascii = false, full = false;
    optind = 1;
    opterr = 0;
    int opt, rc = TL_EXIT_USAGE;
    bool bad = false; /* a value was wrong: the message is printed, add the usage line */
    while ((opt = getopt_long(argc, argv, SRC_SHORTOPTS, longopts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            if (is_ladder)
                ladder_help();
            else
                explain_help();
            src_args_free(&a);
            return TL_EXIT_OK;
        case '?':
        case ':':
            rc = cli_getopt_error(cmd, usage, argv, optind, optopt, SRC_SHORTOPTS);
            goto out;
        case 's':
            if (parse_num(cmd, "stream number", optarg, 0, 0xFFFFFFFFL, &stream) < 0) {
                bad = true;
                goto out;
            }
            continue;
        case OPT_SNAPLEN:
            if (src_args_opt(&a, cmd, 's', optarg) < 0) {
                bad = true;
                goto out;
            }
            continue;
        case OPT_WIDTH:
            if (parse_num(cmd, "width", optarg, 60, 1000, &width) < 0) {
                bad = true;
                goto out;
            }
            continue;
        case OPT_LANG:
            if (is_ladder || !explain_lang_ok(optarg)) {
                cli_usage_error(cmd, usage, "unknown language '%s' (%s)", optarg,
                                explain_langs());
                goto out;
            }
            lang = optarg;
            continue;
        case OPT_ASCII:
        case OPT_FULL:
            if (!is_ladder) {
                cli_usage_error(cmd, usage, "--%s is an option of 'tcplens ladder'",
                                opt == OPT_ASCII ? "ascii" : "full");
                goto out;
            }
            if (opt == OPT_ASCII)
                ascii = true;
            else
                full = true;
            continue;
        default:
            break;
        }
        if (opt == OPT_JSON || opt == 't' || opt == 'q' || (opt == 'S' && !is_ladder)) {
            cli_usage_error(cmd, usage, "option %s is not used by '%s'",
                            opt == OPT_JSON ? "--json" : opt == 't' ? "-t" : opt == 'q' ? "-q"
                                                                                        : "-S",
                            cmd);
            goto out;
        }
        int h = src_args_opt(&a, cmd, opt, optarg);
        if (h < 0) {
            bad = true;
            goto out;
        }
        if (h == 0) {
            cli_usage_error(cmd, usage, "unknown option");
            goto out;
        }
    }
    if (src_args_positional(&a, cmd, usage, argc, argv, optind) < 0)
        goto out;

    struct obuf ob;
    ob_init_fd(&ob, STDOUT_FILENO, 1 << 16);
    struct sink s;
    if (is_ladder) {
        struct ladder_opts lo = {stream, ascii, full, src_args_color(&a), a.absolute_seq,
                                 (int)width};
        s = render_ladder_sink(&ob, &lo);
    } else {
        struct explain_opts eo = {lang, stream, src_args_color(&a), (int)width};
        s = render_explain_sink(&ob, &eo);
    }
    struct run_opts ro;
    src_args_run_opts(&a, &ro);
    ro.live_batch = a.iface != NULL; /* printed at the end: take the kernel's blocks */
    if (a.iface)
        capture_install_signals();
    struct run_info ri;
    struct errbuf eb = {""};
    enum run_status st = analyzer_run(&ro, &s, 1, &ri, &eb);
    ob_flush(&ob);
    rc = cli_run_exit(st, &ri, &eb, &a);
    if (ob.err && rc == TL_EXIT_OK && ob.err != EPIPE) {
        cli_error("cannot write output: %s", strerror(ob.err));
        rc = TL_EXIT_OUTPUT;
    }
    if (is_ladder)
        render_ladder_free(&s);
    else
        render_explain_free(&s);
    ob_free(&ob);
out:
    if (bad)
        fprintf(stderr, "usage: %s\n", usage);
    src_args_free(&a);
    return rc;
}

int cli_explain(int argc, char **argv)
{
    return run(argc, argv, false);
}

int cli_ladder(int argc, char **argv)
{
    return run(argc, argv, true);
}
