/* summary: libcurl through dlopen on first use: the table of the functions tcplens calls. */
#include "curl_api.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct curl_api api;
static int api_ok;
static char api_err[ERRBUF_SIZE];
static pthread_once_t api_once = PTHREAD_ONCE_INIT;

static void api_load(void)
{
    void *h = dlopen(CURL_API_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        snprintf(api_err, sizeof api_err, "cannot load libcurl (install the libcurl4 package): %s",
                 e ? e : CURL_API_SONAME);
        return;
    }
    const char *missing = NULL;
#define LOAD(field, sym)                                                                       \
    do {                                                                                       \
        if (!missing && !(api.field = (__typeof__(api.field))dlsym(h, #sym)))                  \
            missing = #sym;                                                                    \
    } while (0)
    LOAD(version, curl_version);
    LOAD(easy_init, curl_easy_init);
    LOAD(easy_setopt, curl_easy_setopt);
    LOAD(easy_perform, curl_easy_perform);
    LOAD(easy_getinfo, curl_easy_getinfo);
    LOAD(easy_cleanup, curl_easy_cleanup);
    LOAD(easy_strerror, curl_easy_strerror);
    LOAD(slist_append, curl_slist_append);
    LOAD(slist_free_all, curl_slist_free_all);
    LOAD(url, curl_url);
    LOAD(url_set, curl_url_set);
    LOAD(url_get, curl_url_get);
    LOAD(url_cleanup, curl_url_cleanup);
    LOAD(free, curl_free);
#undef LOAD
    if (missing) {
        /* Too old a libcurl (the URL API came in 7.62); it stays loaded, unused. */
        snprintf(api_err, sizeof api_err, "cannot use %s: it has no %s (libcurl 7.62 or later needed)",
                 CURL_API_SONAME, missing);
        return;
    }
    api_ok = 1;
}

const struct curl_api *curl_api(struct errbuf *eb)
{
    pthread_once(&api_once, api_load);
    if (api_ok)
        return &api;
    err_set(eb, "%s", api_err);
    return NULL;
}
