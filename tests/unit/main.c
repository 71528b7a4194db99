/* summary: unit-test runner: runs every registered table and prints one line per test. */
#include <stdio.h>
#include <string.h>

#include "unit.h"

int unit_failed_checks;

#define MAX_TABLES 64
static const struct unit_test *tables[MAX_TABLES];
static int ntables;

void unit_register(const struct unit_test *table)
{
    if (ntables < MAX_TABLES)
        tables[ntables++] = table;
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    for (int t = 0; t < ntables; t++) {
        for (const struct unit_test *u = tables[t]; u->name; u++) {
            if (only && !strstr(u->name, only))
                continue;
            int rc = u->fn();
            printf("%s unit: %s\n", rc == 0 ? "PASS" : "FAIL", u->name);
            if (rc == 0)
                passed++;
            else
                failed++;
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
