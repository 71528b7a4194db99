/* summary: `tcplens report`: one self-contained HTML page (summary, connection table, and per
 * connection the ladder diagram, the explanation and the packet list) of a capture file or a
 * live interface. */
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
#include "render_html.h"

static const char report_usage[] =
    "tcplens report [options] FILE [FILTER] -o report.html  |  "
    "tcplens report -i IFACE [options] [FILTER] -o report.html";

enum { OPT_CONNS = OPT_CMD_BASE, OPT_SNAPLEN };

static void report_help(void)
{
    printf("usage: %s\n\n"
           "Write one self-contained HTML page (no external resources; it opens offline): a\n"
           "summary, the connection table, and per connection an SVG ladder diagram, the\n"
           "explanation and the packet list.\n\n"
           "  FILE            pcap or pcapng file, '-' for standard input\n"
           "  FILTER          pcap-filter expression, as for tcpdump ('tcp port 80')\n"
           "  -i IFACE        capture live on IFACE until Ctrl-C or -c N packets\n"
           "  -o FILE         the page to write ('-' for standard output)\n"
           "  -s STREAM       draw only this connection (its number in the table)\n"
           "  --conns N       draw the first N connections in full (default 20)\n"
           "  --lang en|zh    language of the page and the explanation (default en)\n"
           "  -S              absolute (raw) sequence numbers\n"
           "  -c N            stop after N packets\n"
           "  -w FILE         also write the packets to FILE (pcap)\n"
           "  --snaplen N     live: bytes to capture per packet (default 262144)\n"
           "  -p              live: do not put the interface in promiscuous mode\n"
           "  -Z USER         live: drop root privileges to USER after opening the device\n\n"
           "examples:\n"
           "  tcplens report capture.pcap -o report.html\n"
           "  tcplens report capture.pcapng 'tcp port 80' -s 3 --lang zh -o conn3.html\n",
           report_usage);
}

int cli_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"lang", required_argument, NULL, OPT_LANG},
        {"conns", required_argument, NULL, OPT_CONNS},
        {"snaplen", required_argument, NULL, OPT_SNAPLEN},
        {"output", required_argument, NULL, 'o'},
        {"stream", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct src_args a;
    src_args_init(&a);
    struct html_opts ho;
    html_opts_init(&ho);
    const char *out = NULL;
    optind = 1;
    opterr = 0;
    int opt;
    int rc = TL_EXIT_USAGE;
    while ((opt = getopt_long(argc, argv, SRC_SHORTOPTS "o:", longopts, NULL)) != -1) {
        unsigned long long v;
        switch (opt) {
        case 'h':
            report_help();
            src_args_free(&a);
            return TL_EXIT_OK;
        case 'o':
            out = optarg;
            continue;
        case 's': /* here -s chooses a connection; the snapshot length is --snaplen */
            if (cli_parse_uint(optarg, UINT32_MAX, &v) < 0) {
                cli_usage_error("report", report_usage,
                                "invalid stream '%s' (a connection number from the table)",
                                optarg);
                goto out;
            }
            ho.stream = (int64_t)v;
            continue;
        case OPT_CONNS:
            if (cli_parse_uint(optarg, 100000, &v) < 0) {
                cli_usage_error("report", report_usage, "invalid --conns '%s' (0 to 100000)",
                                optarg);
                goto out;
            }
            ho.max_full = (uint32_t)v;
            continue;
        case OPT_SNAPLEN:
            if (src_args_opt(&a, "report", 's', optarg) < 0)
                goto out;
            continue;
        case OPT_LANG:
            if (!strcmp(optarg, "en")) {
                ho.lang = 0;
            } else if (!strcmp(optarg, "zh")) {
                ho.lang = 1;
            } else {
                cli_usage_error("report", report_usage, "invalid --lang '%s' (en or zh)", optarg);
                goto out;
            }
            continue;
        case '?':
        case ':':
            cli_getopt_error("report", report_usage, argv, optind, optopt, SRC_SHORTOPTS "o:");
            goto out;
        default:
            break;
        }
        int h = src_args_opt(&a, "report", opt, optarg);
        if (h < 0)
            goto out;
        if (h == 0 || opt == OPT_JSON) {
            cli_usage_error("report", report_usage, "option '%s' does not apply to report",
                            argv[optind - 1]);
            goto out;
        }
    }
    if (src_args_positional(&a, "report", report_usage, argc, argv, optind) < 0)
        goto out;
    if (!out) {
        cli_usage_error("report", report_usage, "no output file: give -o FILE (or -o - for "
                                                "standard output)");
        goto out;
    }
    a.output_at_end = true; /* the page is written when reading is done */
    ho.title = a.iface ? a.iface : a.file;
    ho.absolute_seq = a.absolute_seq;

    struct errbuf eb = {""};
    struct html_file hf;
    if (html_file_open(&hf, out, &ho, &eb) < 0) {
        cli_error("%s", eb.msg);
        rc = TL_EXIT_OUTPUT;
        goto out;
    }
    struct run_opts ro;
    src_args_run_opts(&a, &ro);
    if (a.iface)
        capture_install_signals();
    struct run_info ri;
    enum run_status st = analyzer_run(&ro, &hf.sink, 1, &ri, &eb);
    if (st == RUN_BAD_INPUT || st == RUN_BAD_FILTER || st == RUN_NO_PERM) {
        /* nothing was read: do not leave an empty page behind */
        rc = cli_run_exit(st, &ri, &eb, &a);
        hf.ob.len = 0;
        if (hf.path)
            unlink(hf.path);
        struct errbuf ignore;
        html_file_close(&hf, &ignore);
        goto out;
    }
    uint32_t drawn = render_html_drawn(&hf.sink);
    struct errbuf web = {""};
    int wrc = html_file_close(&hf, &web);
    rc = cli_run_exit(st, &ri, &eb, &a);
    if (wrc < 0) {
        cli_error("%s", web.msg);
        rc = TL_EXIT_OUTPUT;
    } else if (ho.stream >= 0 && !drawn && rc == TL_EXIT_OK) {
        cli_error("there is no connection %lld in %s (the report says so)",
                  (long long)ho.stream, ho.title);
        rc = TL_EXIT_FAIL;
    }
out:
    src_args_free(&a);
    return rc;
}
