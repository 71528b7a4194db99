/* summary: allocation that aborts with a message on failure; callers never check for NULL. */
#ifndef TCPLENS_XALLOC_H
#define TCPLENS_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
