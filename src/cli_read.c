/* summary: `tcplens read`: the packet list of a capture file or a live interface. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "cli.h"
#include "cli_common.h"
#include "exitcode.h"
#include "outbuf.h"

static const char read_usage[] =
    "tcplens read [options] FILE [FILTER]  |  tcplens read -i IFACE [options] [FILTER]";

static void read_help(void)
{
    printf("usage: %s\n\n"
           "Print one line per packet, Wireshark style: No., time, source, destination,\n"
           "protocol, length and Info with relative Seq/Ack and analysis tags.\n\n"
           "  FILE            pcap or pcapng file, '-' for standard input\n"
           "  FILTER          pcap-filter expression, as for tcpdump ('tcp port 80')\n"
           "  -i IFACE        capture live on IFACE (see 'tcplens interfaces')\n"
           "  -c N            stop after N packets\n"
           "  -w FILE         also write the packets to FILE (pcap)\n"
           "  -S              absolute (raw) sequence numbers\n"
           "  -t FORMAT       time: r since first (default), d delta, a/ad local time/date,\n"
           "                  u/ud UTC time/date, e epoch; -tt, -ttt, -tttt as tcpdump\n"
           "  --json          one JSON object per packet (docs/json.md)\n"
           "  -q              print no packets (with -w: only save them)\n"
           "  -s SNAPLEN      live: bytes to capture per packet (default 262144)\n"
           "  -p              live: do not put the interface in promiscuous mode\n"
           "  -Z USER         live: drop root privileges to USER after opening the device\n"
           "                  (default under sudo: the user who ran sudo; -Z root keeps root)\n"
           "  --color[=WHEN]  colour analysis tags: auto (default), always, never\n"
           "  --max-conns N   connection table cap (default 1048576); the oldest are closed\n"
           "  -n              accepted for tcpdump: names are never resolved\n\n"
           "examples:\n"
           "  tcplens read capture.pcap\n"
           "  tcplens read capture.pcapng 'tcp port 443' --json | jq .analysis\n"
           "  tcplens read capture.pcap -t ud\n"
           "  sudo tcplens read -i eth0 -c 100 -w out.pcap host 10.0.0.1\n",
           read_usage);
}

int cli_read(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, OPT_JSON},
        {"max-conns", required_argument, NULL, OPT_MAX_CONNS},
        {"color", optional_argument, NULL, OPT_COLOR},
        {"colour", optional_argument, NULL, OPT_COLOR},
        {"no-color", no_argument, NULL, OPT_NO_COLOR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct src_args a;
    src_args_init(&a);
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, SRC_SHORTOPTS, longopts, NULL)) != -1) {
        if (opt == 'h') {
            read_help();
            return TL_EXIT_OK;
        }
        if (opt == '?' || opt == ':')
            return cli_getopt_error("read", read_usage, argv, optind, optopt, SRC_SHORTOPTS);
        int h = src_args_opt(&a, "read", opt, optarg);
        if (h < 0) {
            fprintf(stderr, "usage: %s\n", read_usage);
            return TL_EXIT_USAGE;
        }
        if (h == 0)
            return cli_usage_error("read", read_usage, "unknown option");
    }
    if (src_args_positional(&a, "read", read_usage, argc, argv, optind) < 0)
        return TL_EXIT_USAGE;

    struct obuf ob;
    ob_init_fd(&ob, STDOUT_FILENO, 1 << 16);
    struct sink s;
    if (a.json) {
        s = render_json_sink(&ob);
    } else {
        struct list_opts lo = {a.absolute_seq, a.time, src_args_color(&a)};
        s = render_list_sink(&ob, &lo);
    }
    struct run_opts ro;
    src_args_run_opts(&a, &ro);
    cli_live_output(&ro, &ob, a.quiet);
    if (a.iface)
        capture_install_signals();
    struct run_info ri;
    struct errbuf eb = {""};
    enum run_status st = analyzer_run(&ro, &s, a.quiet ? 0 : 1, &ri, &eb);
    ob_flush(&ob);
    int rc = cli_run_exit(st, &ri, &eb, &a);
    if (ob.err && rc == TL_EXIT_OK && ob.err != EPIPE) {
        cli_error("cannot write output: %s", strerror(ob.err));
        rc = TL_EXIT_OUTPUT;
    }
    render_sink_free(&s);
    ob_free(&ob);
    src_args_free(&a);
    return rc;
}
