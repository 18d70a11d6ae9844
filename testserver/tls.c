/*
 * tls.c -- an HTTPS port with the certificate and key given on the command line
 * (--tls-cert FILE --tls-key FILE; tests make a self-signed pair with openssl at test time).
 *
 * A second libmicrohttpd daemon on 127.0.0.1 (ephemeral port) with MHD_USE_TLS, which needs
 * libmicrohttpd built with GnuTLS (Debian's is: MHD_FEATURE_TLS). It serves one small HTML
 * page without links for every path, except /robots.txt (404): a crawler that refuses the
 * certificate records a TLS error, one that accepts it (--insecure) finds a page.
 *
 * Threading: MHD's one internal thread; the handler keeps no state.
 */
#include "ts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

struct ts_tls {
	struct MHD_Daemon *daemon;
	char *cert, *key;
	unsigned port;
};

static const char tls_page[] = "<!DOCTYPE html>\n<html><head><title>TLS</title></head>"
			       "<body><p>A page over TLS with a self-signed certificate.</p>"
			       "</body></html>\n";

static enum MHD_Result tls_request(void *cls, struct MHD_Connection *c, const char *url,
				   const char *method, const char *version,
				   const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	(void)cls, (void)method, (void)version, (void)upload_data;
	if (!*con_cls) { /* headers only: answer in the next call */
		*con_cls = (void *)1;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	bool robots = strcmp(url, "/robots.txt") == 0;
	struct MHD_Response *r = ts_resp_copy(tls_page, sizeof tls_page - 1, TS_HTML);
	if (!r)
		return MHD_NO;
	enum MHD_Result ret = MHD_queue_response(c, robots ? 404 : 200, r);
	MHD_destroy_response(r);
	return ret;
}

static char *slurp(const char *file)
{
	FILE *f = fopen(file, "r");
	struct sb b = {0};
	char buf[4096];
	size_t n;
	if (!f) {
		fprintf(stderr, TS_PROG ": %s: %s\n", file, strerror(errno));
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sb_add(&b, buf, n);
	fclose(f);
	sb_add(&b, "", 1);
	if (b.oom) {
		sb_free(&b);
		return NULL;
	}
	return b.p;
}

struct ts_tls *tls_start(const char *cert_file, const char *key_file)
{
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		fprintf(stderr, TS_PROG ": this libmicrohttpd has no TLS support\n");
		return NULL;
	}
	struct ts_tls *t = calloc(1, sizeof *t);
	struct sockaddr_in sa = {.sin_family = AF_INET};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (!t || !(t->cert = slurp(cert_file)) || !(t->key = slurp(key_file)))
		goto fail;
	t->daemon = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TLS, 0, NULL, NULL,
				     tls_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				     MHD_OPTION_HTTPS_MEM_CERT, t->cert,
				     MHD_OPTION_HTTPS_MEM_KEY, t->key,
				     MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
	if (!t->daemon) {
		fprintf(stderr, TS_PROG ": cannot start the TLS daemon (bad --tls-cert/--tls-key?)\n");
		goto fail;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(t->daemon, MHD_DAEMON_INFO_BIND_PORT);
	t->port = info ? info->port : 0;
	return t;
fail:
	tls_stop(t);
	return NULL;
}

unsigned tls_port(const struct ts_tls *t)
{
	return t ? t->port : 0;
}

void tls_stop(struct ts_tls *t)
{
	if (!t)
		return;
	if (t->daemon)
		MHD_stop_daemon(t->daemon);
	free(t->cert);
	free(t->key);
	free(t);
}
