/* summary: unit tests of the message tables: every message present in every language, and each
 * translation takes the same printf arguments (index and type) as English. */
#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "unit.h"

#define MAX_ARGS 16

/* Conversion types by argument index (1-based): 0 unused, else a type letter. Returns -1 on
 * a malformed or mixed (positional and not) format. */
static int arg_types(const char *f, char types[MAX_ARGS + 1])
{
    memset(types, 0, MAX_ARGS + 1);
    int next = 1, positional = -1;
    for (const char *p = f; *p; p++) {
        if (*p != '%')
            continue;
        p++;
        if (*p == '%')
            continue;
        int idx = 0;
        const char *q = p;
        while (isdigit((unsigned char)*q))
            idx = idx * 10 + (*q++ - '0');
        bool pos = *q == '$' && idx > 0;
        if (positional >= 0 && positional != (int)pos)
            return -1;
        positional = pos;
        if (pos)
            p = q + 1;
        else
            idx = next++;
        while (*p && strchr("-+ #0123456789.", *p))
            p++;
        char t;
        if (*p == 'f') {
            t = 'f';
        } else if (!strncmp(p, "llu", 3)) {
            t = 'U';
            p += 2;
        } else if (!strncmp(p, "lld", 3)) {
            t = 'D';
            p += 2;
        } else if (*p == 'u' || *p == 's' || *p == 'd') {
            t = *p;
        } else {
            return -1;
        }
        if (idx > MAX_ARGS)
            return -1;
        if (types[idx] && types[idx] != t)
            return -1;
        types[idx] = t;
    }
    return 0;
}

static int test_tables_complete(void)
{
    for (int i = 0; msg_tables[i]; i++)
        for (int id = 0; id < M_COUNT; id++) {
            if (!msg_tables[i]->text[id])
                fprintf(stderr, "  %s: message %d missing\n", msg_tables[i]->lang, id);
            CHECK(msg_tables[i]->text[id] != NULL);
        }
    PASS;
}

static int test_tables_same_args(void)
{
    for (int id = 0; id < M_COUNT; id++) {
        char en[MAX_ARGS + 1];
        CHECK(arg_types(msg_en.text[id], en) == 0);
        /* English uses its arguments 1..n without holes */
        int n = 0;
        while (n < MAX_ARGS && en[n + 1])
            n++;
        for (int k = n + 1; k <= MAX_ARGS; k++)
            CHECK(en[k] == 0);
        for (int i = 0; msg_tables[i]; i++) {
            char tr[MAX_ARGS + 1];
            if (arg_types(msg_tables[i]->text[id], tr) != 0 || memcmp(en, tr, sizeof tr)) {
                fprintf(stderr, "  %s message %d: arguments differ from English: \"%s\"\n",
                        msg_tables[i]->lang, id, msg_tables[i]->text[id]);
                CHECK(0);
            }
        }
    }
    PASS;
}

static int test_table_lookup(void)
{
    CHECK(msg_table_for("en") == &msg_en);
    CHECK(msg_table_for("zh") == &msg_zh);
    CHECK(msg_table_for("xx") == NULL);
    CHECK(msg_table_for(NULL) == NULL);
    PASS;
}

static int test_checker_catches(void)
{
    char t[MAX_ARGS + 1];
    CHECK(arg_types("%s and %2$u", t) == -1);
    CHECK(arg_types("%2$u %1$s", t) == 0 && t[1] == 's' && t[2] == 'u');
    CHECK(arg_types("%llu%%", t) == 0 && t[1] == 'U' && t[2] == 0);
    PASS;
}

static const struct unit_test msg_tests[] = {
    {"msg: every table has every message", test_tables_complete},
    {"msg: translations take the same arguments as English", test_tables_same_args},
    {"msg: table lookup by language", test_table_lookup},
    {"msg: the argument checker sees mixed and mismatched formats", test_checker_catches},
    {NULL, NULL},
};
UNIT_REGISTER(msg_tests)
