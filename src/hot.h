/* summary: small helpers for the per-packet path: a fixed-size clear that compiles to plain
 * stores, and the GCC hint that keeps a run of scalar stores from being packed into a vector. */
#ifndef TCPLENS_HOT_H
#define TCPLENS_HOT_H

#include <stddef.h>
#include <string.h>

/* GCC would store a run of a record's small fields as one vector, built with shifts and spills
 * at more cost than the plain stores */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_SLP __attribute__((optimize("no-tree-slp-vectorize")))
#else
#define NO_SLP
#endif

/* Zero n bytes at p, n known at compile time (up to 1 KiB is unrolled whole). One memset of a
 * structure of a few hundred bytes compiles to `rep stos`, whose start-up cost shows on the
 * per-packet path; in 64-byte pieces the compiler writes a few plain vector stores. */
static inline void zero_fixed(void *p, size_t n)
{
    unsigned char *b = p;
    size_t chunks = n / 64;
#pragma GCC unroll 16
    for (size_t i = 0; i < chunks; i++)
        memset(b + i * 64, 0, 64);
    memset(b + chunks * 64, 0, n % 64);
}

#endif
