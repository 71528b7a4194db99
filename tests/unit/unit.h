/* summary: the unit-test macros and registry (Redis testhelp style). */
#ifndef TCPLENS_UNIT_H
#define TCPLENS_UNIT_H

#include <stdio.h>
#include <string.h>

extern int unit_failed_checks;

#define CHECK(expr)                                                                            \
    do {                                                                                       \
        if (!(expr)) {                                                                         \
            fprintf(stderr, "  check failed %s:%d: %s\n", __FILE__, __LINE__, #expr);         \
            unit_failed_checks++;                                                              \
            return 1;                                                                          \
        }                                                                                      \
    } while (0)

#define CHECK_EQ_U(a, b)                                                                       \
    do {                                                                                       \
        unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b);         \
        if (_a != _b) {                                                                        \
            fprintf(stderr, "  check failed %s:%d: %s == %s (%llu != %llu)\n", __FILE__,       \
                    __LINE__, #a, #b, _a, _b);                                                 \
            unit_failed_checks++;                                                              \
            return 1;                                                                          \
        }                                                                                      \
    } while (0)

#define CHECK_STR(a, b)                                                                        \
    do {                                                                                       \
        const char *_a = (a), *_b = (b);                                                       \
        if (!_a || !_b || strcmp(_a, _b) != 0) {                                               \
            fprintf(stderr, "  check failed %s:%d: %s == \"%s\" (got \"%s\")\n", __FILE__,     \
                    __LINE__, #a, _b ? _b : "(null)", _a ? _a : "(null)");                     \
            unit_failed_checks++;                                                              \
            return 1;                                                                          \
        }                                                                                      \
    } while (0)

#define PASS return 0

struct unit_test {
    const char *name;
    int (*fn)(void);
};

/* Each tests/unit/test_*.c defines a table ending with {NULL, NULL} and registers it with
 * UNIT_REGISTER(table); the runner (tests/unit/main.c) runs every registered table, or only the
 * tests whose name contains argv[1]. */
void unit_register(const struct unit_test *table);
#define UNIT_REGISTER(table)                                                                   \
    __attribute__((constructor)) static void unit_register_##table(void)                      \
    {                                                                                          \
        unit_register(table);                                                                  \
    }

#endif
