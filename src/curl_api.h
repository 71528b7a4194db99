/* summary: libcurl loaded on first use (dlopen of libcurl.so.4) instead of at start-up, so that
 * the commands that never make an HTTP request do not pay for relocating libcurl and its many
 * dependencies. curl's header is still used for the types and constants; the few functions
 * tcplens calls are reached through the table returned by curl_api(). */
#ifndef TCPLENS_CURL_API_H
#define TCPLENS_CURL_API_H

#include <curl/curl.h>

#include "errbuf.h"

#define CURL_API_SONAME "libcurl.so.4"

struct curl_api {
    __typeof__(curl_version) *version;
    __typeof__(curl_easy_init) *easy_init;
    __typeof__(curl_easy_setopt) *easy_setopt;
    __typeof__(curl_easy_perform) *easy_perform;
    __typeof__(curl_easy_getinfo) *easy_getinfo;
    __typeof__(curl_easy_cleanup) *easy_cleanup;
    __typeof__(curl_easy_strerror) *easy_strerror;
    __typeof__(curl_slist_append) *slist_append;
    __typeof__(curl_slist_free_all) *slist_free_all;
    __typeof__(curl_url) *url;
    __typeof__(curl_url_set) *url_set;
    __typeof__(curl_url_get) *url_get;
    __typeof__(curl_url_cleanup) *url_cleanup;
    __typeof__(curl_free) *free;
};

/* The table, loading libcurl the first time (thread-safe; the library stays loaded). NULL when
 * libcurl cannot be loaded or lacks a function: then eb (if not NULL) says why in one line. */
const struct curl_api *curl_api(struct errbuf *eb);

#endif
