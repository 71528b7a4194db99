/* summary: `tcplens interfaces`: what can be captured on, like tcpdump -D. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "cli.h"
#include "cli_common.h"
#include "exitcode.h"
#include "outbuf.h"

static const char interfaces_usage[] = "tcplens interfaces";

int cli_interfaces(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (opt == 'h') {
            printf("usage: %s\n\nList the interfaces that can be captured on, numbered like "
                   "tcpdump -D;\nthe names are what 'tcplens read -i' takes.\n",
                   interfaces_usage);
            return TL_EXIT_OK;
        }
        return cli_getopt_error("interfaces", interfaces_usage, argv, optind, optopt, "h");
    }
    if (optind < argc)
        return cli_usage_error("interfaces", interfaces_usage, "unexpected argument '%s'",
                               argv[optind]);
    struct obuf ob;
    ob_init_fd(&ob, STDOUT_FILENO, 1 << 14);
    struct errbuf eb = {""};
    int rc = capture_list_interfaces(&ob, &eb);
    ob_flush(&ob);
    ob_free(&ob);
    if (rc < 0) {
        cli_error("%s", eb.msg);
        return TL_EXIT_FAIL;
    }
    return TL_EXIT_OK;
}
