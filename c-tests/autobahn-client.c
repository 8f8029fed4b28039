/*
 * autobahn-client.c - Autobahn|Testsuite fuzzingserver driver on the
 * libwebsockets 4.1 client API (ws:// only, no TLS).
 *
 *   autobahn-client -u ws://HOST:PORT [-a AGENT] [-d LOGLEVEL] [-q MAXQ]
 *                   [--deflate]
 *   autobahn-client -h HOST -p PORT [-a AGENT] ...
 *
 * It opens /getCaseCount (the server sends one text message: the number N
 * of cases), then for case 1..N /runCase?case=I&agent=AGENT, echoing every
 * message with the opcode it came with until the server closes, and last
 * /updateReports?agent=AGENT.  One context, one connection at a time, all
 * driven by lws_service(); the next connection is opened from the main
 * loop once the previous one has closed or failed.
 *
 * Echo: messages are echoed piece by piece as lws delivers them
 * (LWS_CALLBACK_CLIENT_RECEIVE chunks): each piece is queued per session
 * and written back as one frame (TEXT/BINARY for the first piece of a
 * message, CONTINUATION after it, LWS_WRITE_NO_FIN unless it ends the
 * message), one lws_write() per CLIENT_WRITEABLE.  When MAXQ pieces are
 * queued, rx flow control stops reading; it resumes once half drained.
 * So messages of any size (Autobahn 9.*: 16 MiB) go through.
 *
 * --deflate offers permessage-deflate (lws_extension_callback_pm_deflate
 * in info.extensions, offer "permessage-deflate; client_max_window_bits").
 *
 * Exit status: 0 when the case count was read and every connection was
 * attempted, 1 otherwise.  Progress goes to stderr.
 */

#include <libwebsockets.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct piece {
	struct piece *next;
	size_t len;
	int flags;		/* complete lws_write() flags for this piece */
	unsigned char buf[];	/* LWS_PRE bytes of headroom, then payload */
};

struct pss {
	struct piece *head, *tail;
	unsigned int count;
	unsigned char in_message;
	unsigned char rx_paused;
};

enum phase { PH_COUNT, PH_CASE, PH_REPORTS, PH_DONE };

static volatile sig_atomic_t interrupted;
static enum phase phase = PH_COUNT;
static int case_no, case_count = -1;
static int conn_active;		/* a connection is open or being opened */
static int failed;
static unsigned int max_queue = 64;
static char host[256], agent[128] = "lws-client";
static int port;
static char count_buf[32];
static size_t count_len;

static void
queue_free(struct pss *pss)
{
	struct piece *p = pss->head, *n;

	while (p) {
		n = p->next;
		free(p);
		p = n;
	}
	pss->head = pss->tail = NULL;
	pss->count = 0;
}

/* the connection of the current phase ended (closed or failed) */
static void
conn_ended(void)
{
	if (!conn_active)
		return;
	conn_active = 0;

	switch (phase) {
	case PH_COUNT:
		count_buf[count_len] = '\0';
		case_count = count_len ? atoi(count_buf) : -1;
		if (case_count < 0) {
			fprintf(stderr, "autobahn-client: no case count\n");
			failed = 1;
			phase = PH_DONE;
			break;
		}
		fprintf(stderr, "autobahn-client: %d cases\n", case_count);
		case_no = 1;
		phase = case_count ? PH_CASE : PH_REPORTS;
		break;
	case PH_CASE:
		if (++case_no > case_count)
			phase = PH_REPORTS;
		break;
	case PH_REPORTS:
		phase = PH_DONE;
		break;
	case PH_DONE:
		break;
	}
}

static int
callback_echo(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	struct piece *p;
	int first, final, n;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		fprintf(stderr, "autobahn-client: connection error: %s\n",
			in ? (const char *)in : "(null)");
		if (phase != PH_CASE)
			failed = 1;
		conn_ended();
		break;

	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		memset(pss, 0, sizeof(*pss));
		break;

	case LWS_CALLBACK_CLIENT_CLOSED:
		queue_free(pss);
		conn_ended();
		break;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (phase == PH_COUNT) {
			if (count_len + len >= sizeof(count_buf))
				return -1;
			memcpy(count_buf + count_len, in, len);
			count_len += len;
			break;
		}
		if (phase != PH_CASE)
			break;

		first = !pss->in_message;
		final = lws_is_final_fragment(wsi) &&
			!lws_remaining_packet_payload(wsi);

		p = malloc(sizeof(*p) + LWS_PRE + len);
		if (!p) {
			fprintf(stderr, "autobahn-client: out of memory\n");
			return -1;
		}
		p->next = NULL;
		p->len = len;
		if (first)
			p->flags = lws_frame_is_binary(wsi) ?
					LWS_WRITE_BINARY : LWS_WRITE_TEXT;
		else
			p->flags = LWS_WRITE_CONTINUATION;
		if (!final)
			p->flags |= LWS_WRITE_NO_FIN;
		if (len)
			memcpy(p->buf + LWS_PRE, in, len);

		if (pss->tail)
			pss->tail->next = p;
		else
			pss->head = p;
		pss->tail = p;
		pss->count++;
		pss->in_message = !final;

		if (pss->count >= max_queue && !pss->rx_paused) {
			pss->rx_paused = 1;
			lws_rx_flow_control(wsi, 0);
		}
		lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		p = pss->head;
		if (!p)
			break;
		n = lws_write(wsi, p->buf + LWS_PRE, p->len,
			      (enum lws_write_protocol)p->flags);
		if (n < (int)p->len) {
			fprintf(stderr, "autobahn-client: lws_write failed "
				"(%d of %zu)\n", n, p->len);
			return -1;
		}
		pss->head = p->next;
		if (!pss->head)
			pss->tail = NULL;
		pss->count--;
		free(p);

		if (pss->rx_paused && pss->count <= max_queue / 2) {
			pss->rx_paused = 0;
			lws_rx_flow_control(wsi, 1);
		}
		if (pss->head)
			lws_callback_on_writable(wsi);
		break;

	default:
		break;
	}

	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "autobahn-client", callback_echo, sizeof(struct pss), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* opens the connection of the current phase; 0 on success */
static int
connect_next(struct lws_context *context)
{
	struct lws_client_connect_info i;
	char path[512], hosthdr[300];

	switch (phase) {
	case PH_COUNT:
		snprintf(path, sizeof(path), "/getCaseCount");
		break;
	case PH_CASE:
		snprintf(path, sizeof(path), "/runCase?case=%d&agent=%s",
			 case_no, agent);
		fprintf(stderr, "autobahn-client: case %d/%d\n", case_no,
			case_count);
		break;
	case PH_REPORTS:
		snprintf(path, sizeof(path), "/updateReports?agent=%s", agent);
		break;
	default:
		return -1;
	}
	snprintf(hosthdr, sizeof(hosthdr), "%s:%d", host, port);

	memset(&i, 0, sizeof(i));
	i.context = context;
	i.address = host;
	i.port = port;
	i.path = path;
	i.host = hosthdr;
	i.origin = hosthdr;
	i.ssl_connection = 0;
	i.protocol = NULL;	/* no Sec-WebSocket-Protocol */
	i.local_protocol_name = protocols[0].name;

	conn_active = 1;
	if (!lws_client_connect_via_info(&i)) {
		/* may already have been reported by CONNECTION_ERROR */
		fprintf(stderr, "autobahn-client: connect to %s failed\n", path);
		if (phase != PH_CASE)
			failed = 1;
		conn_ended();
		return -1;
	}
	return 0;
}

/* "ws://host:port[/...]" -> host, port */
static int
parse_url(const char *url)
{
	const char *h, *e, *c;
	size_t hl;

	if (strncmp(url, "ws://", 5))
		return -1;
	h = url + 5;
	e = h + strcspn(h, "/?");
	c = memchr(h, ':', (size_t)(e - h));
	hl = (size_t)((c ? c : e) - h);
	if (!hl || hl >= sizeof(host))
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	port = c ? atoi(c + 1) : 80;
	return port > 0 && port < 65536 ? 0 : -1;
}

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static const struct lws_extension extensions[] = {
	{ "permessage-deflate", lws_extension_callback_pm_deflate,
	  "permessage-deflate; client_max_window_bits" },
	{ NULL, NULL, NULL }
};

int
main(int argc, const char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *context;
	struct sigaction sa;
	const char *p;
	int n = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lws_set_log_level((p = lws_cmdline_option(argc, argv, "-d")) ?
			  atoi(p) : LLL_ERR, NULL);

	snprintf(host, sizeof(host), "127.0.0.1");
	port = 9001;
	if ((p = lws_cmdline_option(argc, argv, "-u")) && parse_url(p)) {
		fprintf(stderr, "autobahn-client: bad url %s (ws://HOST:PORT)\n",
			p);
		return 1;
	}
	if ((p = lws_cmdline_option(argc, argv, "-h")))
		snprintf(host, sizeof(host), "%s", p);
	if ((p = lws_cmdline_option(argc, argv, "-p")))
		port = atoi(p);
	if ((p = lws_cmdline_option(argc, argv, "-a")))
		snprintf(agent, sizeof(agent), "%s", p);
	if ((p = lws_cmdline_option(argc, argv, "-q")) && atoi(p) > 1)
		max_queue = (unsigned int)atoi(p);

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	if (lws_cmdline_option(argc, argv, "--deflate"))
		info.extensions = extensions;

	context = lws_create_context(&info);
	if (!context) {
		fprintf(stderr, "autobahn-client: lws init failed\n");
		return 1;
	}

	while (n >= 0 && !interrupted) {
		if (!conn_active) {
			if (phase == PH_DONE)
				break;
			connect_next(context);
			continue;
		}
		n = lws_service(context, 0);
	}

	lws_context_destroy(context);

	if (interrupted || n < 0)
		failed = 1;
	fprintf(stderr, "autobahn-client: %s\n", failed ? "FAILED" : "done");

	return failed;
}
