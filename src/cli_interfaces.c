/* summary: `tcplens interfaces`: what can be captured on, like tcpdump -D. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "capture.h"
#include "cli.h"
#include "exitcode.h"
#include "outbuf.h"

int cli_interfaces(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        printf("usage: tcplens interfaces\n\nList the interfaces that can be captured on, "
               "numbered like tcpdump -D.\n");
        return TL_EXIT_OK;
    }
    if (argc > 1)
        return cli_usage_error("interfaces", "tcplens interfaces", "unexpected argument '%s'",
                               argv[1]);
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
