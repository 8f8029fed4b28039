/*
 * http-server.c - an HTTP/1.1 server on the libwebsockets C API, driven by
 * tests/http.rs (our library) and tests/http_differential.rs (the same
 * binary, built on Debian's headers, run on Debian's library and on ours).
 *
 *   http-server -p PORT -w WWWDIR [-t TIMEOUT_SECS] [-k KEEPALIVE_SECS] [-e] [-2]
 *               [-c CERT -K KEY [-a ALPN]] [-S STREAMS]
 *
 * -2: also HTTP/2 with prior knowledge (LWS_SERVER_OPTION_H2_PRIOR_KNOWLEDGE).
 * -c/-K: TLS with this certificate and key (h2 offered by ALPN);
 * -a: the ALPN list instead (info.alpn).
 * -S: http2_settings with at most STREAMS concurrent streams (and the
 *     RFC's defaults for the rest).
 *
 * Prints "listening" once the context (and its listen socket on
 * 127.0.0.1:PORT) exists.
 *
 * Protocol 0 "http" routes (anything it does not handle goes to
 * lws_callback_http_dummy, which answers 404):
 *
 *   /hdr[/...]?...  text/plain, one "name=value" line per header API result
 *                   (method index and URI, lws_hdr_copy of host, user-agent,
 *                   accept and cookie, their total lengths, every URI_ARGS
 *                   fragment, urlargs a= and b=, custom header x-custom:,
 *                   cookie sid, some token names); written from
 *                   HTTP_WRITEABLE as common headers + lws_write(HTTP_FINAL)
 *   /post           counts the HTTP_BODY bytes and a checksum
 *                   (sum = sum * 31 + byte, 32-bit) and answers
 *                   "len=N sum=S" after HTTP_BODY_COMPLETION
 *   /file           lws_serve_http_file(WWWDIR/a.txt, "text/plain") with the
 *                   extra header "x-extra: 1"
 *   /missing-file   lws_serve_http_file of a file that does not exist
 *   /redirect       lws_http_redirect(302, "/hdr")
 *   /status/NNN     lws_return_http_status(NNN, "<p>x</p>")
 *
 * Mounts: /static (files in WWWDIR, default index.html, cache_max_age 60,
 * reusable), /auth (files in WWWDIR behind basic auth, credentials in
 * WWWDIR/../auth.txt), /redir (LWSMPRO_REDIR_HTTP to example.com/x).
 * The vhost adds "x-vhost: yes" to every response; server_string is
 * "lws-test"; -e sets error_document_404 to /static/404.html.
 */

#include <libwebsockets.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BODY_MAX 8192

enum route {
	R_NONE,
	R_HDR,
	R_POST,
};

struct pss {
	enum route route;
	int pending;		/* a response body waits for HTTP_WRITEABLE */
	unsigned long post_len;
	unsigned int post_sum;
	size_t body_len;
	char body[LWS_PRE + BODY_MAX];
};

static volatile sig_atomic_t interrupted;
static char wwwdir[1024], afile[1100], missing[1100], authfile[1100];

static void
sigint_handler(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void
add(struct pss *pss, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct pss *pss, const char *fmt, ...)
{
	size_t room = BODY_MAX - pss->body_len;
	va_list ap;
	int n;

	if (room <= 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(pss->body + LWS_PRE + pss->body_len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= room)
		n = (int)room - 1;
	pss->body_len += (size_t)n;
}

static void
build_hdr(struct lws *wsi, struct pss *pss)
{
	static const struct {
		const char *name;
		enum lws_token_indexes tok;
	} hdrs[] = {
		{ "host", WSI_TOKEN_HOST },
		{ "user-agent", WSI_TOKEN_HTTP_USER_AGENT },
		{ "accept", WSI_TOKEN_HTTP_ACCEPT },
		{ "cookie", WSI_TOKEN_HTTP_COOKIE },
	};
	static const enum lws_token_indexes toks[] = {
		WSI_TOKEN_GET_URI, WSI_TOKEN_POST_URI, WSI_TOKEN_HOST,
		WSI_TOKEN_HTTP_CONTENT_LENGTH, WSI_TOKEN_HTTP_COOKIE,
		WSI_TOKEN_HTTP_URI_ARGS,
	};
	char buf[1024], *uri = NULL;
	const char *s;
	size_t max;
	int n, m, ulen = 0;

	n = lws_http_get_uri_and_method(wsi, &uri, &ulen);
	add(pss, "method=%d uri=%.*s\n", n, uri ? ulen : 0, uri ? uri : "");

	for (m = 0; m < (int)LWS_ARRAY_SIZE(hdrs); m++) {
		n = lws_hdr_copy(wsi, buf, sizeof(buf), hdrs[m].tok);
		add(pss, "%s=%d:%s total=%d\n", hdrs[m].name, n,
		    n > 0 ? buf : "", lws_hdr_total_length(wsi, hdrs[m].tok));
	}

	add(pss, "args-total=%d\n",
	    lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_URI_ARGS));
	for (m = 0; m < 32; m++) {
		n = lws_hdr_copy_fragment(wsi, buf, sizeof(buf),
					  WSI_TOKEN_HTTP_URI_ARGS, m);
		if (n < 0)
			break;
		add(pss, "arg%d=%d:%s fraglen=%d\n", m, n, buf,
		    lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, m));
	}

	s = lws_get_urlarg_by_name(wsi, "a=", buf, sizeof(buf));
	add(pss, "urlarg-a=%s\n", s ? s : "(null)");
	s = lws_get_urlarg_by_name(wsi, "b=", buf, sizeof(buf));
	add(pss, "urlarg-b=%s\n", s ? s : "(null)");

	n = lws_hdr_custom_length(wsi, "x-custom:", 9);
	m = lws_hdr_custom_copy(wsi, buf, sizeof(buf), "x-custom:", 9);
	add(pss, "x-custom=%d:%d:%s\n", n, m, m >= 0 ? buf : "");

	max = sizeof(buf);
	n = lws_http_cookie_get(wsi, "sid", buf, &max);
	add(pss, "cookie-sid=%d:%s\n", n, n ? "" : buf);

	for (m = 0; m < (int)LWS_ARRAY_SIZE(toks); m++) {
		s = (const char *)lws_token_to_string(toks[m]);
		add(pss, "token%d=%s\n", (int)toks[m], s ? s : "(null)");
	}
}

static int
callback_http(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	unsigned char hbuf[LWS_PRE + 2048], *start = hbuf + LWS_PRE, *p = start,
		      *end = hbuf + sizeof(hbuf) - 1;
	const char *uri = (const char *)in;
	size_t i;
	int n;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		pss->route = R_NONE;
		pss->pending = 0;
		pss->body_len = 0;

		if (!strcmp(uri, "/hdr") || !strncmp(uri, "/hdr/", 5)) {
			pss->route = R_HDR;
			build_hdr(wsi, pss);
			pss->pending = 1;
			lws_callback_on_writable(wsi);
			return 0;
		}

		if (!strcmp(uri, "/post")) {
			pss->route = R_POST;
			pss->post_len = 0;
			pss->post_sum = 0;
			if (!lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI)) {
				/* no body is coming: answer now */
				add(pss, "len=0 sum=0\n");
				pss->pending = 1;
				lws_callback_on_writable(wsi);
			}
			return 0;
		}

		if (!strcmp(uri, "/file") || !strcmp(uri, "/missing-file")) {
			n = lws_serve_http_file(wsi,
					uri[1] == 'f' ? afile : missing,
					"text/plain", "x-extra: 1\r\n", 12);
			if (n < 0 || (n > 0 && lws_http_transaction_completed(wsi)))
				return -1;
			return 0;
		}

		if (!strcmp(uri, "/redirect")) {
			if (lws_http_redirect(wsi, HTTP_STATUS_FOUND,
					      (const unsigned char *)"/hdr", 4,
					      &p, end) < 0)
				return -1;
			if (lws_http_transaction_completed(wsi))
				return -1;
			return 0;
		}

		if (!strncmp(uri, "/status/", 8)) {
			if (lws_return_http_status(wsi,
					(unsigned int)atoi(uri + 8), "<p>x</p>"))
				return -1;
			if (lws_http_transaction_completed(wsi))
				return -1;
			return 0;
		}
		break;

	case LWS_CALLBACK_HTTP_BODY:
		if (pss->route != R_POST)
			return 0;
		for (i = 0; i < len; i++)
			pss->post_sum = pss->post_sum * 31u +
					((const unsigned char *)in)[i];
		pss->post_len += len;
		return 0;

	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		if (pss->route != R_POST)
			break;
		pss->body_len = 0;
		add(pss, "len=%lu sum=%u\n", pss->post_len, pss->post_sum);
		pss->pending = 1;
		lws_callback_on_writable(wsi);
		return 0;

	case LWS_CALLBACK_HTTP_WRITEABLE:
		if (!pss || !pss->pending)
			break;
		pss->pending = 0;
		if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK,
				"text/plain", pss->body_len, &p, end))
			return 1;
		if (lws_finalize_write_http_header(wsi, start, &p, end))
			return 1;
		n = lws_write(wsi, (unsigned char *)pss->body + LWS_PRE,
			      pss->body_len, LWS_WRITE_HTTP_FINAL);
		if (n != (int)pss->body_len)
			return 1;
		if (lws_http_transaction_completed(wsi))
			return -1;
		return 0;

	default:
		break;
	}

	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static struct lws_protocols protocols[] = {
	{ "http", callback_http, sizeof(struct pss), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static struct lws_http_mount mount_redir, mount_auth, mount_static;

static const struct lws_protocol_vhost_options vhost_headers = {
	NULL, NULL, "x-vhost:", "yes"
};

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *context;
	int port = 0, timeout = 0, keepalive = 0, err404 = 0, limits = 0, h2pk = 0, opt;
	const char *cert = NULL, *key = NULL, *alpn = NULL;
	int streams = 0;
	static struct lws_token_limits tl;

	setvbuf(stdout, NULL, _IOLBF, 0);
	wwwdir[0] = '\0';

	while ((opt = getopt(argc, argv, "p:w:t:k:el2c:K:a:S:")) != -1) {
		switch (opt) {
		case 'c':
			cert = optarg;
			break;
		case 'K':
			key = optarg;
			break;
		case 'a':
			alpn = optarg;
			break;
		case 'S':
			streams = atoi(optarg);
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'w':
			snprintf(wwwdir, sizeof(wwwdir), "%s", optarg);
			break;
		case 't':
			timeout = atoi(optarg);
			break;
		case 'k':
			keepalive = atoi(optarg);
			break;
		case 'e':
			err404 = 1;
			break;
		case 'l':
			limits = 1;
			break;
		case '2':
			h2pk = 1;
			break;
		default:
			fprintf(stderr, "usage: %s -p PORT -w WWWDIR "
				"[-t SECS] [-k SECS] [-e] [-l] [-2]\n", argv[0]);
			return 2;
		}
	}
	if (!port || !wwwdir[0]) {
		fprintf(stderr, "-p and -w are required\n");
		return 2;
	}

	snprintf(afile, sizeof(afile), "%s/a.txt", wwwdir);
	snprintf(missing, sizeof(missing), "%s/no-such-file.txt", wwwdir);
	snprintf(authfile, sizeof(authfile), "%s/../auth.txt", wwwdir);

	signal(SIGINT, sigint_handler);
	signal(SIGTERM, sigint_handler);
	lws_set_log_level(LLL_ERR, NULL);

	memset(&mount_redir, 0, sizeof(mount_redir));
	mount_redir.mountpoint = "/redir";
	mount_redir.mountpoint_len = 6;
	mount_redir.origin = "example.com/x";
	mount_redir.origin_protocol = LWSMPRO_REDIR_HTTP;

	memset(&mount_auth, 0, sizeof(mount_auth));
	mount_auth.mount_next = &mount_redir;
	mount_auth.mountpoint = "/auth";
	mount_auth.mountpoint_len = 5;
	mount_auth.origin = wwwdir;
	mount_auth.def = "index.html";
	mount_auth.origin_protocol = LWSMPRO_FILE;
	mount_auth.basic_auth_login_file = authfile;

	memset(&mount_static, 0, sizeof(mount_static));
	mount_static.mount_next = &mount_auth;
	mount_static.mountpoint = "/static";
	mount_static.mountpoint_len = 7;
	mount_static.origin = wwwdir;
	mount_static.def = "index.html";
	mount_static.origin_protocol = LWSMPRO_FILE;
	mount_static.cache_max_age = 60;
	mount_static.cache_reusable = 1;

	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.mounts = &mount_static;
	info.headers = &vhost_headers;
	info.server_string = "lws-test";
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	if (h2pk)
		info.options |= LWS_SERVER_OPTION_H2_PRIOR_KNOWLEDGE;
	if (streams) {
		info.http2_settings[0] = 1;
		info.http2_settings[1] = 4096;
		info.http2_settings[2] = 0;
		info.http2_settings[3] = (uint32_t)streams;
		info.http2_settings[4] = 65535;
		info.http2_settings[5] = 16384;
		info.http2_settings[6] = 16384;
	}
	if (cert && key) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = cert;
		info.ssl_private_key_filepath = key;
		info.alpn = alpn;
	}
	info.gid = -1;
	info.uid = -1;
	if (timeout)
		info.timeout_secs = (unsigned int)timeout;
	if (keepalive)
		info.keepalive_timeout = keepalive;
	if (err404)
		info.error_document_404 = "/static/404.html";
	if (limits) {
		/* -l: generous limits, but a user-agent of at most 16 bytes */
		int i;

		for (i = 0; i < WSI_TOKEN_COUNT; i++)
			tl.token_limit[i] = 1024;
		tl.token_limit[WSI_TOKEN_HTTP_USER_AGENT] = 16;
		info.token_limits = &tl;
	}

	context = lws_create_context(&info);
	if (!context) {
		fprintf(stderr, "lws_create_context failed\n");
		return 1;
	}
	printf("listening\n");

	while (!interrupted)
		if (lws_service(context, 0) < 0)
			break;

	lws_context_destroy(context);
	return 0;
}
