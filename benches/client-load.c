/*
 * client-load.c - WebSocket CLIENT load generator on the public
 * libwebsockets 4.1 client API (lws_client_connect_via_info & co).
 *
 * Used by benches/client-run.sh to measure the client role of a
 * libwebsockets.so.17 (Debian's, or ours through LD_LIBRARY_PATH) against an
 * echo server that stays the same for both (examples/echo-server.c on
 * Debian's library).  Only the public API is used, so it builds unchanged
 * against Debian's <libwebsockets.h>:
 *
 *   gcc -O2 -Wall -Wextra -Werror -pthread -o client-load client-load.c -lwebsockets
 *
 * Echo mode (default, -m echo):
 *
 *   client-load -p PORT [-c CONNS] [-d DEPTH] [-s SIZE] [-t SECS] [-r RXBUF]
 *
 *   Opens CONNS client connections (subprotocol "lws-echo") to
 *   127.0.0.1:PORT at once.  Nothing is sent until all of them are
 *   established; then the clock starts and every connection keeps DEPTH
 *   binary messages of SIZE bytes in flight: one lws_write() of a whole
 *   message per LWS_CALLBACK_CLIENT_WRITEABLE, and a message counts as
 *   echoed when LWS_CALLBACK_CLIENT_RECEIVE delivers its last piece
 *   (final fragment, no payload remaining); its pieces must add up to SIZE
 *   bytes.  After SECS seconds every connection is closed (close frame,
 *   status 1000) and the context destroyed.  Prints
 *
 *     RESULT msgs_per_s=N mb_per_s=M conns=C
 *
 *   msgs_per_s: echoed messages per second, summed over all connections;
 *   mb_per_s: echoed payload per second in MB (10^6 bytes), one direction.
 *
 * Connect mode (-m connect):
 *
 *   client-load -m connect -p PORT [-n N]
 *
 *   Opens N connections, keeping 16 in progress at any time: each one does
 *   the opening handshake, and as soon as it is established (first
 *   CLIENT_WRITEABLE) closes with status 1000; it is done at
 *   LWS_CALLBACK_CLIENT_CLOSED, and the next one is started.  Prints
 *
 *     RESULT conns_per_s=N
 *
 * -T connects with TLS (wss://), accepting the server's self-signed
 * certificate.  -Z offers permessage-deflate.  Messages are English-like
 * text.
 *
 * Exit status 0 when everything went as planned; 1 (after a diagnosis on
 * stderr, and the RESULT line if there was a measurement) when a connection
 * failed or closed early, a message came back with the wrong length, or the
 * run got stuck.  -D LEVEL sets the lws log level (default ERR|WARN).
 */

#include <libwebsockets.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CONNECT_PARALLEL 16

struct conn {
	struct lws *wsi;
	unsigned char *buf;	/* LWS_PRE headroom + size bytes */
	size_t rx_len;		/* bytes of the message being received */
	unsigned int inflight;
	int idx;
	unsigned char established;
	unsigned char closing;
};

static struct {
	int connect_mode;
	int tls;
	int port;
	int conns;
	unsigned int depth;
	size_t size;
	double secs;
	int n;
	size_t rxbuf;

	struct lws_context *context;
	struct lws **wsis;	/* echo mode: established connections */

	int launched, established, ended;	/* connections */
	int conn_errors, early_closes;
	int started, measuring, stopping;
	double t_start, t_end;
	unsigned long long sent, msgs, bad_len;
	volatile int ticker_stop;
} g;

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);

	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* wakes lws_service() up regularly, so the main loop sees the clock */
static void *
ticker(void *arg)
{
	(void)arg;
	while (!g.ticker_stop) {
		usleep(20000);
		lws_cancel_service(g.context);
	}

	return NULL;
}

/* English-like text (words from a small list, chosen pseudo-randomly):
 * compresses about as well as real text does */
static void
fill_text(unsigned char *p, size_t n)
{
	static const char *w[] = { "the ", "websocket ", "message ", "of ",
		"deflate ", "and ", "a ", "frame ", "server ", "client ",
		"library ", "compressed ", "data ", "is ", "sent ", "to " };
	unsigned int r = 12345;
	size_t k = 0;

	while (k < n) {
		const char *s;

		r = r * 1103515245u + 12345u;
		s = w[(r >> 16) & 15];
		while (*s && k < n)
			p[k++] = (unsigned char)*s++;
	}
}

static int
callback_load(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	struct conn *c = (struct conn *)user;
	int n;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		g.conn_errors++;
		g.ended++;
		if (g.conn_errors <= 5)
			fprintf(stderr, "client-load: connection error: %s\n",
				in ? (const char *)in : "(null)");
		break;

	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (!c) {
			fprintf(stderr, "client-load: no user space\n");
			return -1;
		}
		c->wsi = wsi;
		c->established = 1;
		g.established++;
		if (g.connect_mode) {
			lws_callback_on_writable(wsi);
			break;
		}
		c->buf = malloc(LWS_PRE + g.size);
		if (!c->buf) {
			fprintf(stderr, "client-load: out of memory\n");
			return -1;
		}
		fill_text(c->buf + LWS_PRE, g.size);
		c->idx = g.established - 1;
		g.wsis[c->idx] = wsi;
		if (g.established == g.conns) {
			int i;

			g.started = g.measuring = 1;
			g.t_start = now();
			for (i = 0; i < g.conns; i++)
				if (g.wsis[i])
					lws_callback_on_writable(g.wsis[i]);
		}
		break;

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (g.connect_mode || c->closing) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
			return -1;
		}
		if (!g.started || c->inflight >= g.depth)
			break;
		n = lws_write(wsi, c->buf + LWS_PRE, g.size, LWS_WRITE_BINARY);
		if (n < (int)g.size) {
			fprintf(stderr, "client-load: lws_write: %d of %zu\n",
				n, g.size);
			return -1;
		}
		c->inflight++;
		g.sent++;
		if (c->inflight < g.depth)
			lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (g.connect_mode)
			break;
		c->rx_len += len;
		if (!lws_is_final_fragment(wsi) ||
		    lws_remaining_packet_payload(wsi))
			break;
		/* a complete message */
		if (c->rx_len != g.size) {
			if (!g.bad_len)
				fprintf(stderr, "client-load: echoed message "
					"of %zu bytes, sent %zu\n",
					c->rx_len, g.size);
			g.bad_len++;
		}
		c->rx_len = 0;
		if (c->inflight)
			c->inflight--;
		if (g.measuring)
			g.msgs++;
		if (!g.stopping)
			lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_CLIENT_CLOSED:
		g.ended++;
		if (!c)
			break;
		if (!g.connect_mode) {
			if (!g.stopping) {
				g.early_closes++;
				fprintf(stderr, "client-load: connection %d "
					"closed during the run\n", c->idx);
			}
			if (c->established && c->idx < g.conns)
				g.wsis[c->idx] = NULL;
		}
		free(c->buf);
		c->buf = NULL;
		c->wsi = NULL;
		break;

	default:
		break;
	}

	return 0;
}

static const struct lws_extension exts[] = {
	{ "permessage-deflate", lws_extension_callback_pm_deflate,
	  "permessage-deflate; client_max_window_bits" },
	{ NULL, NULL, NULL }
};

static struct lws_protocols protocols[] = {
	{ "lws-echo", callback_load, sizeof(struct conn), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* returns 0 if lws took the connection attempt (it may still fail later) */
static int
connect_one(void)
{
	struct lws_client_connect_info i;
	char host[32];
	int ended = g.ended;

	snprintf(host, sizeof(host), "127.0.0.1:%d", g.port);
	memset(&i, 0, sizeof(i));
	i.context = g.context;
	i.address = "127.0.0.1";
	if (g.tls)
		i.ssl_connection = LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED |
				   LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
	i.port = g.port;
	i.path = "/";
	i.host = host;
	i.origin = host;
	i.protocol = "lws-echo";
	i.ietf_version_or_minus_one = -1;

	g.launched++;
	if (!lws_client_connect_via_info(&i)) {
		/* count it once, whether or not CONNECTION_ERROR came */
		if (g.ended == ended) {
			g.conn_errors++;
			g.ended++;
			if (g.conn_errors <= 5)
				fprintf(stderr, "client-load: "
					"lws_client_connect_via_info failed\n");
		}
		return 1;
	}

	return 0;
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: client-load -p PORT [-c CONNS] [-d DEPTH] [-s SIZE] [-t SECS] [-r RXBUF]\n"
		"       client-load -m connect -p PORT [-n N]\n");
	exit(2);
}

static int
run_echo(void)
{
	double t0 = now(), t, dt;
	int i, rc = 0;

	g.wsis = calloc((size_t)g.conns, sizeof(*g.wsis));
	if (!g.wsis)
		return 1;
	for (i = 0; i < g.conns; i++)
		connect_one();

	/* establish everything, then measure */
	while (1) {
		if (g.conn_errors || g.early_closes)
			break;
		t = now();
		if (g.started && t - g.t_start >= g.secs)
			break;
		if (!g.started && t - t0 > 30) {
			fprintf(stderr, "client-load: only %d of %d "
				"connections established after 30 s\n",
				g.established, g.conns);
			break;
		}
		if (lws_service(g.context, 0) < 0) {
			fprintf(stderr, "client-load: lws_service failed\n");
			break;
		}
	}
	g.t_end = now();
	g.measuring = 0;

	if (!g.started || g.conn_errors || g.early_closes) {
		if (g.started)
			fprintf(stderr, "client-load: %d connection errors, "
				"%d early closes\n", g.conn_errors,
				g.early_closes);
		rc = 1;
	}

	/* close all of them (close frame), give them a few seconds */
	g.stopping = 1;
	for (i = 0; i < g.conns; i++)
		if (g.wsis[i]) {
			struct conn *c = (struct conn *)lws_wsi_user(g.wsis[i]);

			if (c)
				c->closing = 1;
			lws_callback_on_writable(g.wsis[i]);
		}
	t0 = now();
	while (g.ended < g.launched && now() - t0 < 5)
		if (lws_service(g.context, 0) < 0)
			break;
	if (g.ended < g.launched)
		fprintf(stderr, "client-load: %d connections still open "
			"5 s after closing (left to lws_context_destroy)\n",
			g.launched - g.ended);

	if (!g.started)
		return 1;

	dt = g.t_end - g.t_start;
	fprintf(stderr, "client-load: %d conns x %u in flight x %zu bytes: "
		"%llu msgs echoed in %.2f s (%llu sent)\n", g.conns, g.depth,
		g.size, g.msgs, dt, g.sent);
	if (g.bad_len) {
		fprintf(stderr, "client-load: %llu messages echoed with the "
			"wrong length\n", g.bad_len);
		rc = 1;
	}
	printf("RESULT msgs_per_s=%.1f mb_per_s=%.2f conns=%d\n",
	       (double)g.msgs / dt, (double)g.msgs * (double)g.size / dt / 1e6,
	       g.established);

	return rc;
}

static int
run_connect(void)
{
	double t0 = now(), last = t0, dt;
	int ended = 0;

	while (g.ended < g.n) {
		while (g.launched < g.n &&
		       g.launched - g.ended < CONNECT_PARALLEL)
			connect_one();
		if (g.ended != ended) {
			ended = g.ended;
			last = now();
		} else if (now() - last > 10) {
			fprintf(stderr, "client-load: stuck: %d of %d done, "
				"%d in progress for 10 s\n", g.ended, g.n,
				g.launched - g.ended);
			return 1;
		}
		if (g.ended >= g.n)
			break;
		if (lws_service(g.context, 0) < 0) {
			fprintf(stderr, "client-load: lws_service failed\n");
			return 1;
		}
	}
	dt = now() - t0;
	fprintf(stderr, "client-load: %d connections opened and closed in "
		"%.2f s, %d established, %d failed\n", g.n, dt, g.established,
		g.conn_errors);
	printf("RESULT conns_per_s=%.1f established=%d failed=%d\n",
	       (double)(g.n - g.conn_errors) / dt, g.established,
	       g.conn_errors);

	return g.conn_errors || g.established != g.n;
}

int
main(int argc, const char **argv)
{
	struct lws_context_creation_info info;
	pthread_t tick;
	const char *p;
	int rc;

	signal(SIGPIPE, SIG_IGN);

	g.conns = 1;
	g.depth = 1;
	g.size = 16;
	g.secs = 5;
	g.n = 1000;

	/* -T: wss:// (self-signed server certificate accepted) */
	g.tls = !!lws_cmdline_option(argc, argv, "-T");
	if ((p = lws_cmdline_option(argc, argv, "-m"))) {
		if (!strcmp(p, "connect"))
			g.connect_mode = 1;
		else if (strcmp(p, "echo"))
			usage();
	}
	if (!(p = lws_cmdline_option(argc, argv, "-p")))
		usage();
	g.port = atoi(p);
	if ((p = lws_cmdline_option(argc, argv, "-c")))
		g.conns = atoi(p);
	if ((p = lws_cmdline_option(argc, argv, "-d")))
		g.depth = (unsigned int)atoi(p);
	if ((p = lws_cmdline_option(argc, argv, "-s")))
		g.size = (size_t)atol(p);
	if ((p = lws_cmdline_option(argc, argv, "-t")))
		g.secs = atof(p);
	if ((p = lws_cmdline_option(argc, argv, "-n")))
		g.n = atoi(p);
	if ((p = lws_cmdline_option(argc, argv, "-r")))
		protocols[0].rx_buffer_size = (size_t)atol(p);
	if (g.port <= 0 || g.conns <= 0 || !g.depth || !g.size ||
	    g.secs <= 0 || g.n <= 0)
		usage();

	lws_set_log_level((p = lws_cmdline_option(argc, argv, "-D")) ?
			  atoi(p) : LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	if (g.tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	if (lws_cmdline_option(argc, argv, "-Z"))
		info.extensions = exts;
	info.gid = -1;
	info.uid = -1;

	g.context = lws_create_context(&info);
	if (!g.context) {
		fprintf(stderr, "client-load: lws_create_context failed\n");
		return 1;
	}
	if (pthread_create(&tick, NULL, ticker, NULL)) {
		fprintf(stderr, "client-load: pthread_create failed\n");
		lws_context_destroy(g.context);
		return 1;
	}

	rc = g.connect_mode ? run_connect() : run_echo();
	fflush(stdout);

	g.ticker_stop = 1;
	pthread_join(tick, NULL);
	lws_context_destroy(g.context);
	free(g.wsis);

	return rc;
}
