/* error.c -- names and messages for error codes; version; library-wide initialisation. */
#include <curl/curl.h>
#include <pthread.h>

#include <weft.h>

#include "weft_build.h"

const char *weft_strerror(int err)
{
	switch (err) {
	case WEFT_OK: return "success";
	case WEFT_E_NOMEM: return "out of memory";
	case WEFT_E_INVAL: return "invalid argument";
	case WEFT_E_IO: return "input/output error";
	case WEFT_E_PARSE: return "malformed input";
	case WEFT_E_THREAD: return "could not start a thread";
	case WEFT_E_CANCELED: return "canceled";
	case WEFT_E_UNSUPPORTED: return "unsupported combination";
	case WEFT_E_OUTPUT: return "could not write output";
	}
	return "unknown error";
}

const char *weft_fetch_err_name(enum weft_fetch_err e)
{
	static const char *const names[] = {
		[WEFT_FE_NONE] = "none",
		[WEFT_FE_MISSING] = "missing",
		[WEFT_FE_FAKE] = "fake",
		[WEFT_FE_DNS] = "dns",
		[WEFT_FE_CONNECT] = "connect",
		[WEFT_FE_TLS] = "tls",
		[WEFT_FE_TIMEOUT] = "timeout",
		[WEFT_FE_PROTOCOL] = "protocol",
		[WEFT_FE_TOO_BIG] = "too_big",
		[WEFT_FE_REDIRECT_LOOP] = "redirect_loop",
		[WEFT_FE_TOO_MANY_REDIRECTS] = "too_many_redirects",
		[WEFT_FE_BAD_URL] = "bad_url",
		[WEFT_FE_HTTP] = "http",
		[WEFT_FE_OTHER] = "other",
	};
	if ((unsigned)e < sizeof(names) / sizeof(names[0]) && names[e])
		return names[e];
	return "other";
}

const char *weft_version(void)
{
	return WEFT_VERSION;
}

static pthread_mutex_t init_mu = PTHREAD_MUTEX_INITIALIZER;
static int init_count;

int weft_global_init(void)
{
	int rc = WEFT_OK;
	pthread_mutex_lock(&init_mu);
	if (init_count == 0) {
		if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
			rc = WEFT_E_NOMEM;
	}
	if (rc == WEFT_OK)
		init_count++;
	pthread_mutex_unlock(&init_mu);
	return rc;
}

void weft_global_cleanup(void)
{
	pthread_mutex_lock(&init_mu);
	if (init_count > 0 && --init_count == 0) {
		curl_global_cleanup();
	}
	pthread_mutex_unlock(&init_mu);
}
