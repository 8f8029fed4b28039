/*
 * api-server.c - exercises the libwebsockets C API from a server protocol;
 * driven by tests/c_tests.rs, which reads the event lines printed here.
 *
 *   api-server PORT [-q]
 *
 * Protocol "api" (the vhost default, rx_buffer_size 1024).  Every event
 * prints one line on stdout (flushed):
 *
 *   listening
 *   established id=N pss_zero=0|1 peer=ADDR fd_ok=0|1 proto=NAME
 *   receive id=N len=L first=F final=F remaining=R binary=B  (not with -q)
 *   flow-off id=N rc=RC      "flow-off": lws_rx_flow_control(wsi, 0); a
 *                            thread sleeps 200 ms, then lws_cancel_service()
 *   flow-on id=N rc=RC       ... on EVENT_WAIT_CANCELLED: rx flow back on
 *   cancel-requested         "cancel": a thread calls lws_cancel_service()
 *   cancelled                ... and EVENT_WAIT_CANCELLED arrived
 *   close-me id=N            "close-me": lws_close_reason(4001, "custom"),
 *                            callback returns -1
 *   closed id=N
 *
 * Replies: a message that arrives in one RECEIVE is echoed (commands too,
 * except close-me).  A message delivered in several RECEIVE chunks is
 * answered with "rx-done bytes=B chunks=C".  "frag:N" is answered with one
 * message sent as N frames ("part0," "part1," ...) using LWS_WRITE_NO_FIN
 * and LWS_WRITE_CONTINUATION, one lws_write() per SERVER_WRITEABLE.
 *
 * SIGTERM / SIGINT end the loop; threads are joined and the context is
 * destroyed, so that valgrind can check for leaks.
 */

#include <libwebsockets.h>

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct msg {
	struct msg *next;
	size_t len;
	int flags;
	unsigned char buf[];	/* LWS_PRE headroom, then len bytes */
};

struct pss {
	int id;
	struct msg *head, *tail;
	size_t big_bytes;
	int big_chunks;
	int in_big;
	int frag_total, frag_next;
	unsigned char spare[64];	/* must be zero at ESTABLISHED too */
};

static struct lws_context *context;
static volatile sig_atomic_t interrupted;
static int quiet, next_id;

/* rx flow control test: one connection at a time */
static struct lws *flow_wsi;
static int flow_id;
static pthread_t flow_tid;
static int flow_thread_live;
static atomic_int flow_on_pending;

/* lws_cancel_service() from a thread */
static pthread_t cancel_tid;
static int cancel_thread_live;
static atomic_int cancel_pending;

static void
event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
event(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void *
flow_thread(void *arg)
{
	(void)arg;
	usleep(200 * 1000);
	atomic_store(&flow_on_pending, 1);
	lws_cancel_service(context);
	return NULL;
}

static void *
cancel_thread(void *arg)
{
	(void)arg;
	atomic_store(&cancel_pending, 1);
	lws_cancel_service(context);
	return NULL;
}

static int
queue(struct lws *wsi, struct pss *pss, const void *data, size_t len,
      int flags)
{
	struct msg *m = malloc(sizeof(*m) + LWS_PRE + len);

	if (!m)
		return -1;
	m->next = NULL;
	m->len = len;
	m->flags = flags;
	if (len)
		memcpy(m->buf + LWS_PRE, data, len);
	if (pss->tail)
		pss->tail->next = m;
	else
		pss->head = m;
	pss->tail = m;
	lws_callback_on_writable(wsi);
	return 0;
}

static void
queue_free(struct pss *pss)
{
	struct msg *m = pss->head, *n;

	while (m) {
		n = m->next;
		free(m);
		m = n;
	}
	pss->head = pss->tail = NULL;
}

static int
all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;

	while (len--)
		if (*c++)
			return 0;
	return 1;
}

static int
is(const void *in, size_t len, const char *s)
{
	return len == strlen(s) && !memcmp(in, s, len);
}

static int
callback_api(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	     void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	const struct lws_protocols *prot;
	char peer[64], reply[128];
	const char *pp;
	struct msg *m;
	int first, final, n, fl;
	size_t rem;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		n = all_zero(pss, sizeof(*pss));
		pss->id = ++next_id;
		peer[0] = '\0';
		pp = lws_get_peer_simple(wsi, peer, sizeof(peer));
		prot = lws_get_protocol(wsi);
		event("established id=%d pss_zero=%d peer=%s fd_ok=%d proto=%s",
		      pss->id, n, pp ? pp : "(null)",
		      lws_get_socket_fd(wsi) >= 0,
		      prot && prot->name ? prot->name : "(null)");
		break;

	case LWS_CALLBACK_CLOSED:
		if (wsi == flow_wsi)
			flow_wsi = NULL;
		queue_free(pss);
		event("closed id=%d", pss->id);
		break;

	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		if (atomic_exchange(&flow_on_pending, 0)) {
			pthread_join(flow_tid, NULL);
			flow_thread_live = 0;
			if (flow_wsi) {
				n = lws_rx_flow_control(flow_wsi, 1);
				event("flow-on id=%d rc=%d", flow_id, n);
			}
		}
		if (atomic_exchange(&cancel_pending, 0)) {
			pthread_join(cancel_tid, NULL);
			cancel_thread_live = 0;
			event("cancelled");
		}
		break;

	case LWS_CALLBACK_RECEIVE:
		first = lws_is_first_fragment(wsi);
		final = lws_is_final_fragment(wsi);
		rem = lws_remaining_packet_payload(wsi);
		if (!quiet)
			event("receive id=%d len=%zu first=%d final=%d "
			      "remaining=%zu binary=%d", pss->id, len, first,
			      final, rem, lws_frame_is_binary(wsi));

		if (pss->in_big || !first || !final || rem) {
			/* a message in several chunks: count it */
			pss->in_big = 1;
			pss->big_bytes += len;
			pss->big_chunks++;
			if (final && !rem) {
				n = snprintf(reply, sizeof(reply),
					     "rx-done bytes=%zu chunks=%d",
					     pss->big_bytes, pss->big_chunks);
				pss->in_big = 0;
				pss->big_bytes = 0;
				pss->big_chunks = 0;
				if (queue(wsi, pss, reply, (size_t)n,
					  LWS_WRITE_TEXT))
					return -1;
			}
			break;
		}

		if (is(in, len, "close-me")) {
			event("close-me id=%d", pss->id);
			lws_close_reason(wsi, 4001, (unsigned char *)"custom", 6);
			return -1;
		}
		if (is(in, len, "flow-off") && !flow_thread_live) {
			n = lws_rx_flow_control(wsi, 0);
			flow_wsi = wsi;
			flow_id = pss->id;
			event("flow-off id=%d rc=%d", pss->id, n);
			if (pthread_create(&flow_tid, NULL, flow_thread, NULL))
				return -1;
			flow_thread_live = 1;
		}
		if (is(in, len, "cancel") && !cancel_thread_live) {
			event("cancel-requested");
			if (pthread_create(&cancel_tid, NULL, cancel_thread,
					   NULL))
				return -1;
			cancel_thread_live = 1;
		}
		if (len > 5 && !memcmp(in, "frag:", 5)) {
			memcpy(reply, (char *)in + 5,
			       len - 5 < 16 ? len - 5 : 15);
			reply[len - 5 < 16 ? len - 5 : 15] = '\0';
			pss->frag_total = atoi(reply);
			pss->frag_next = 0;
			lws_callback_on_writable(wsi);
			break;
		}
		if (queue(wsi, pss, in, len, lws_frame_is_binary(wsi) ?
				LWS_WRITE_BINARY : LWS_WRITE_TEXT))
			return -1;
		break;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		if ((m = pss->head)) {
			n = lws_write(wsi, m->buf + LWS_PRE, m->len,
				      (enum lws_write_protocol)m->flags);
			if (n < (int)m->len) {
				event("write-failed id=%d n=%d", pss->id, n);
				return -1;
			}
			pss->head = m->next;
			if (!pss->head)
				pss->tail = NULL;
			free(m);
		} else if (pss->frag_next < pss->frag_total) {
			unsigned char buf[LWS_PRE + 32];

			n = snprintf((char *)buf + LWS_PRE, 32, "part%d,",
				     pss->frag_next);
			fl = pss->frag_next ? LWS_WRITE_CONTINUATION :
					      LWS_WRITE_TEXT;
			if (pss->frag_next + 1 < pss->frag_total)
				fl |= LWS_WRITE_NO_FIN;
			if (lws_write(wsi, buf + LWS_PRE, (size_t)n,
				      (enum lws_write_protocol)fl) < n) {
				event("write-failed id=%d", pss->id);
				return -1;
			}
			pss->frag_next++;
		}
		if (pss->head || pss->frag_next < pss->frag_total)
			lws_callback_on_writable(wsi);
		break;

	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}

	return 0;
}

static struct lws_protocols protocols[] = {
	{ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
	{ "api", callback_api, sizeof(struct pss), 1024, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_protocol_vhost_options pvo_default = {
	NULL, NULL, "default", ""
};
static const struct lws_protocol_vhost_options pvo = {
	NULL, &pvo_default, "api", ""
};

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	if (context)
		lws_cancel_service(context);
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct sigaction sa;
	int n = 0, i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PORT [-q]\n", argv[0]);
		return 1;
	}
	for (i = 2; i < argc; i++)
		if (!strcmp(argv[i], "-q"))
			quiet = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);

	memset(&info, 0, sizeof(info));
	info.port = atoi(argv[1]);
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.pvo = &pvo;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 |
		       LWS_SERVER_OPTION_DISABLE_IPV6;

	context = lws_create_context(&info);
	if (!context) {
		event("create-context-failed");
		return 1;
	}
	event("listening");

	while (n >= 0 && !interrupted)
		n = lws_service(context, 0);

	if (flow_thread_live)
		pthread_join(flow_tid, NULL);
	if (cancel_thread_live)
		pthread_join(cancel_tid, NULL);
	lws_context_destroy(context);
	event("destroyed");

	return 0;
}
