/* summary: `tcplens conns`: one row per TCP connection of a capture file or a live interface. */
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
#include "outbuf.h"
#include "render_conns.h"

static const char conns_usage[] =
    "tcplens conns [options] FILE [FILTER]  |  tcplens conns -i IFACE [options] [FILTER]";

enum { OPT_SNAPLEN = OPT_CMD_BASE, OPT_STREAM };

static void conns_help(void)
{
    printf("usage: %s\n\n"
           "Print one row per TCP connection (tcp.stream), in stream order: client -> server\n"
           "(the client sent the first SYN), start (seconds after the first packet), duration,\n"
           "packets and payload bytes each way (client>server/server>client), handshake RTT,\n"
           "retransmissions, lost segments, zero windows, how it began and ended, and Zeek's\n"
           "conn_state and history.\n\n"
           "  FILE              pcap or pcapng file, '-' for standard input\n"
           "  FILTER            pcap-filter expression, as for tcpdump ('tcp port 80')\n"
           "  -i IFACE          capture live on IFACE: rows print as connections close\n"
           "                    (both FINs acknowledged or a RST), the rest at the end\n"
           "  -c N              stop after N packets\n"
           "  -s, --stream N    only connection N (tcp.stream)\n"
           "  --json            one JSON object per connection (docs/json.md)\n"
           "  --format FMT      text (default), json, or zeek (a Zeek conn.log)\n"
           "  -w FILE           live: also write the packets to FILE (pcap)\n"
           "  --snaplen N       live: bytes to capture per packet (default 262144)\n"
           "  -p                live: do not put the interface in promiscuous mode\n"
           "  -Z USER           live: drop root privileges to USER after opening the device\n"
           "  --max-conns N     connection table cap (default 1048576); the oldest are closed\n\n"
           "began: 3-way handshake, SYN only, SYN, SYN-ACK, no ACK, simultaneous open,\n"
           "       no handshake seen\n"
           "ended: 4-way close, 3-way close, simultaneous close, RST by client, RST by server,\n"
           "       refused, half-closed, still open   (docs/analysis.md has the rules)\n\n"
           "examples:\n"
           "  tcplens conns capture.pcap\n"
           "  tcplens conns capture.pcapng 'host 10.0.0.1' --json | jq 'select(.ended==\"refused\")'\n"
           "  tcplens conns capture.pcap --format zeek > conn.log\n"
           "  sudo tcplens conns -i eth0 'tcp port 443'\n",
           conns_usage);
}

int cli_conns(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"stream", required_argument, NULL, OPT_STREAM},
        {"snaplen", required_argument, NULL, OPT_SNAPLEN},
        {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct src_args a;
    src_args_init(&a);
    struct conns_opts co = {CONNS_TEXT, false, false, 0, false, 0, 0};
    bool fmt_given = false;
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, SRC_SHORTOPTS, longopts, NULL)) != -1) {
        int h = 0;
        switch (opt) {
        case 'h':
            conns_help();
            src_args_free(&a);
            return TL_EXIT_OK;
        case '?':
        case ':':
            src_args_free(&a);
            return cli_getopt_error("conns", conns_usage, argv, optind, optopt, SRC_SHORTOPTS);
        case 's':
        case OPT_STREAM: {
            unsigned long long v;
            if (cli_parse_uint(optarg, UINT32_MAX, &v) < 0) {
                src_args_free(&a);
                return cli_usage_error("conns", conns_usage,
                                       "invalid stream number '%s' (0, 1, 2, ...)", optarg);
            }
            co.stream = (uint32_t)v;
            co.one_stream = true;
            continue;
        }
        case OPT_SNAPLEN:
            h = src_args_opt(&a, "conns", 's', optarg);
            break;
        case OPT_FORMAT:
            if (!strcmp(optarg, "text"))
                co.fmt = CONNS_TEXT;
            else if (!strcmp(optarg, "json"))
                co.fmt = CONNS_JSON;
            else if (!strcmp(optarg, "zeek"))
                co.fmt = CONNS_ZEEK;
            else {
                src_args_free(&a);
                return cli_usage_error("conns", conns_usage,
                                       "invalid --format '%s' (text, json, zeek)", optarg);
            }
            fmt_given = true;
            continue;
        case 'S':
        case 't':
        case 'q':
            src_args_free(&a);
            return cli_usage_error("conns", conns_usage, "unknown option '-%c'", opt);
        default:
            h = src_args_opt(&a, "conns", opt, optarg);
            break;
        }
        if (h < 0) {
            fprintf(stderr, "usage: %s\n", conns_usage);
            src_args_free(&a);
            return TL_EXIT_USAGE;
        }
        if (h == 0) {
            src_args_free(&a);
            return cli_usage_error("conns", conns_usage, "unknown option");
        }
    }
    if (a.json) {
        if (fmt_given && co.fmt != CONNS_JSON) {
            src_args_free(&a);
            return cli_usage_error("conns", conns_usage, "--json and --format %s conflict",
                                   co.fmt == CONNS_ZEEK ? "zeek" : "text");
        }
        co.fmt = CONNS_JSON;
    }
    if (src_args_positional(&a, "conns", conns_usage, argc, argv, optind) < 0) {
        src_args_free(&a);
        return TL_EXIT_USAGE;
    }
    co.live = a.iface != NULL;
    /* for tests: a small in-memory window makes the spill file do the ordering */
    const char *w = getenv("TCPLENS_CONNS_WINDOW");
    if (w && w[0])
        co.window = (uint32_t)strtoul(w, NULL, 10);
    /* and a small cache of it makes every block go to the file and come back */
    const char *sb = getenv("TCPLENS_CONNS_SPILL_BLOCKS");
    if (sb && sb[0])
        co.spill_blocks = (uint32_t)strtoul(sb, NULL, 10);

    struct obuf ob;
    ob_init_fd(&ob, STDOUT_FILENO, 1 << 16);
    struct sink s = render_conns_sink(&ob, &co);
    struct run_opts ro;
    src_args_run_opts(&a, &ro);
    ro.depth = DIS_DEPTH_TRANSPORT;
    cli_live_output(&ro, &ob, false);
    ro.conn_events_only = !a.iface; /* the table needs no packet events from a file */
    if (a.iface)
        capture_install_signals();
    struct run_info ri;
    struct errbuf eb = {""};
    enum run_status st = analyzer_run(&ro, &s, 1, &ri, &eb);
    ob_flush(&ob);
    uint64_t rows, unordered;
    render_conns_counts(&s, &rows, &unordered);
    if (unordered)
        cli_warn("%llu connection%s printed out of stream order (could not wait for an "
                 "earlier, still open connection)",
                 (unsigned long long)unordered, unordered == 1 ? " was" : "s were");
    if (co.one_stream && !rows && (st == RUN_OK || st == RUN_DAMAGED))
        cli_warn("no TCP stream %u in %s", co.stream, ri.source ? ri.source : "the capture");
    int rc = cli_run_exit(st, &ri, &eb, &a);
    if (ob.err && rc == TL_EXIT_OK && ob.err != EPIPE) {
        cli_error("cannot write output: %s", strerror(ob.err));
        rc = TL_EXIT_OUTPUT;
    }
    render_conns_free(&s);
    ob_free(&ob);
    src_args_free(&a);
    return rc;
}
