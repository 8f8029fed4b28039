/*
 * h2-client.c - HTTP client requests over HTTP/2, driven by tests/h2_client.rs
 * (built on Debian's headers, run on Debian's library and on ours, against
 * c-tests/http-server.c on either library).
 *
 *   h2-client -p PORT [-s] [-k] [-m] [-w SECS] PATH...
 *
 * -s: TLS (self-signed accepted); -a LIST: the ALPN offer (connect info alpn)
 * -k: plain, LCCSCF_H2_PRIOR_KNOWLEDGE
 * -m: every request at once with LCCSCF_PIPELINE (streams of one
 *     connection once it is up); otherwise one after another, each
 *     started when the one before it closed
 * -w: the first request starts after its own connection reported
 *     ESTABLISHED, the others join it then (-m)
 * -d: log level (default LLL_ERR)
 *
 * -r CREDIT: LCCSCF_H2_MANUAL_RXFLOW with manual_initial_tx_credit CREDIT;
 *     each body piece read is given back with lws_h2_update_peer_txcredit,
 *     and the largest lws_h2_get_peer_txcredit_estimate seen is printed
 *
 * A PATH starting with "POST:" posts 1000 bytes to the rest of it; with
 * "LP:" it sends 10 bytes without a length and ends its side with
 * lws_h2_client_stream_long_poll_rxonly.
 * Each request's callbacks are collected and printed per request at the
 * end (streams interleave differently from run to run): reason names,
 * status, response headers, body length and checksum, whether the wsi
 * is a stream (its network wsi is another) and whether all streams of a
 * run shared one network connection.
 */

#include <libwebsockets.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAXR 32

struct req {
	const char *path;
	int post;
	int longpoll;
	int posted;
	int max_est;
	char log[4096];
	size_t loglen;
	unsigned long body;
	unsigned int sum;
	int done;
	struct lws *nwsi;
	int started;
};

static struct req reqs[MAXR];
static int nreq, port, tls, prior, multi, wait_est, closed;
static const char *alpn;
static int credit;
static struct lws_context *context;
static char netlog[1024];
static int netlog_n;

static void
logf_(struct req *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	r->loglen += (size_t)vsnprintf(r->log + r->loglen,
				       sizeof(r->log) - r->loglen, fmt, ap);
	va_end(ap);
	if (r->loglen >= sizeof(r->log))
		r->loglen = sizeof(r->log) - 1;
}

static void start(int n);

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
   size_t len)
{
	struct req *r = (struct req *)lws_get_opaque_user_data(wsi);
	char buf[LWS_PRE + 2048], *px;
	int lenx, n;

	(void)user;
	if (!r) {
		/* the network wsi of a stream, after 4.1.6 moved the
		 * request to the stream */
		switch (reason) {
		case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
			netlog_n += snprintf(netlog + netlog_n,
					     sizeof(netlog) - netlog_n,
					     "net %d\n", (int)reason);
			if (netlog_n >= (int)sizeof(netlog))
				netlog_n = sizeof(netlog) - 1;
			break;
		default:
			break;
		}
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		logf_(r, "CONNECTION_ERROR %s\n", in ? (char *)in : "(null)");
		r->done = 1;
		closed++;
		if (!multi && r - reqs + 1 < nreq)
			start((int)(r - reqs) + 1);
		break;
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		r->nwsi = lws_get_network_wsi(wsi);
		logf_(r, "ESTABLISHED status=%d stream=%d\n",
		      (int)lws_http_client_http_response(wsi),
		      r->nwsi != wsi);
		n = lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_CONTENT_TYPE);
		logf_(r, "  content-type=%s\n", n > 0 ? buf : "-");
		if (wait_est && r == reqs) {
			int k;

			for (k = 1; k < nreq; k++)
				start(k);
		}
		break;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (r->post) {
			unsigned char **p = (unsigned char **)in, *end = (*p) + len;

			if (!r->longpoll &&
			    lws_add_http_header_content_length(wsi, 1000, p, end))
				return -1;
			lws_client_http_body_pending(wsi, 1);
			lws_callback_on_writable(wsi);
		}
		break;
	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
		if (r->longpoll && !r->posted) {
			memcpy(&buf[LWS_PRE], "0123456789", 10);
			r->posted = 1;
			lws_client_http_body_pending(wsi, 0);
			n = lws_write(wsi, (unsigned char *)&buf[LWS_PRE], 10,
				      LWS_WRITE_HTTP);
			logf_(r, "WRITEABLE wrote=%d long_poll=%d\n", n,
			      lws_h2_client_stream_long_poll_rxonly(wsi));
			break;
		}
		if (r->post && !r->posted) {
			for (n = 0; n < 1000; n++)
				buf[LWS_PRE + n] = (char)('a' + n % 26);
			r->posted = 1;
			lws_client_http_body_pending(wsi, 0);
			n = lws_write(wsi, (unsigned char *)&buf[LWS_PRE], 1000,
				      LWS_WRITE_HTTP_FINAL);
			logf_(r, "WRITEABLE wrote=%d\n", n);
		}
		break;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		for (n = 0; n < (int)len; n++)
			r->sum = r->sum * 31 + ((unsigned char *)in)[n];
		if (getenv("H2C_BODY"))
			fwrite(in, 1, len, stderr);
		r->body += len;
		if (credit) {
			n = lws_h2_get_peer_txcredit_estimate(wsi);
			if (n > r->max_est)
				r->max_est = n;
			if (lws_h2_update_peer_txcredit(wsi, LWS_H2_STREAM_SID,
							(int)len))
				return -1;
		}
		break;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		px = buf + LWS_PRE;
		lenx = sizeof(buf) - LWS_PRE;
		if (lws_http_client_read(wsi, &px, &lenx) < 0)
			return -1;
		break;
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		logf_(r, "COMPLETED body=%lu sum=%u\n", r->body, r->sum);
		if (credit)
			logf_(r, "  credit estimate at most %d\n", r->max_est);
		break;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		if (r->done)
			break;
		logf_(r, "CLOSED\n");
		r->done = 1;
		closed++;
		if (!multi && r - reqs + 1 < nreq)
			start((int)(r - reqs) + 1);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "h2c", cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
start(int n)
{
	struct lws_client_connect_info i;
	struct req *r = &reqs[n];

	if (r->started)
		return;
	r->started = 1;
	memset(&i, 0, sizeof i);
	i.context = context;
	i.address = "127.0.0.1";
	i.port = port;
	i.path = r->path;
	i.host = i.address;
	i.origin = i.address;
	i.method = r->post ? "POST" : "GET";
	i.protocol = protocols[0].name;
	i.opaque_user_data = r;
	i.alpn = alpn;
	if (tls)
		i.ssl_connection = LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED |
				   LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
	if (prior)
		i.ssl_connection |= LCCSCF_H2_PRIOR_KNOWLEDGE;
	if (multi)
		i.ssl_connection |= LCCSCF_PIPELINE;
	if (credit) {
		i.ssl_connection |= LCCSCF_H2_MANUAL_RXFLOW;
		i.manual_initial_tx_credit = credit;
	}
	if (!lws_client_connect_via_info(&i)) {
		logf_(r, "connect failed\n");
		r->done = 1;
		closed++;
	}
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	int opt, n, shared = 1, logs = LLL_ERR;

	while ((opt = getopt(argc, argv, "p:skmwd:a:r:")) != -1) {
		switch (opt) {
		case 'p': port = atoi(optarg); break;
		case 's': tls = 1; break;
		case 'k': prior = 1; break;
		case 'm': multi = 1; break;
		case 'w': wait_est = 1; break;
		case 'a': alpn = optarg; break;
		case 'r': credit = atoi(optarg); break;
		case 'd': logs = atoi(optarg); break;
		default: return 1;
		}
	}
	for (n = optind; n < argc && nreq < MAXR; n++) {
		reqs[nreq].longpoll = !strncmp(argv[n], "LP:", 3);
		reqs[nreq].post = reqs[nreq].longpoll || !strncmp(argv[n], "POST:", 5);
		reqs[nreq].path = argv[n] + (reqs[nreq].longpoll ? 3 :
					     reqs[nreq].post ? 5 : 0);
		nreq++;
	}
	if (!nreq)
		return 1;
	lws_set_log_level(logs, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	context = lws_create_context(&info);
	if (!context)
		return 1;
	if (multi && !wait_est)
		for (n = 0; n < nreq; n++)
			start(n);
	else
		start(0);
	for (n = 0; n < 2000 && closed < nreq; n++)
		if (lws_service(context, 0) < 0)
			break;
	for (n = 0; n < nreq; n++) {
		printf("[%d] %s\n%s", n, reqs[n].path, reqs[n].log);
		if (n && reqs[n].nwsi != reqs[0].nwsi)
			shared = 0;
	}
	if (nreq > 1)
		printf("one connection=%d\n", shared);
	lws_context_destroy(context);
	printf("%s", netlog);
	return 0;
}
