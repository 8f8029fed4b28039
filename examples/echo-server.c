/*
 * echo-server.c - WebSocket echo server on the public libwebsockets 4.1 API.
 *
 * Used by benches/run.sh (speed, Debian's lib vs ours via LD_LIBRARY_PATH)
 * and by the Autobahn fuzzing client (conformance).  It only uses the
 * public API, so it builds unchanged against Debian's <libwebsockets.h>
 * and against ours.
 *
 *   echo-server [-p PORT] [-d LOGLEVEL] [-w WWWDIR] [-r RXBUF] [-q MAXQ]
 *               [--cert FILE --key FILE] [--deflate] [-v]
 *
 * --cert/--key serve https:// and wss://; --deflate lists
 * lws_extension_callback_pm_deflate in info.extensions (RFC 7692); -v
 * prints whether each WebSocket runs on its own connection or on an
 * HTTP/2 stream (RFC 8441).
 *
 * Every received message is echoed with the opcode it came with.  Messages
 * are echoed piece by piece as lws delivers them (LWS_CALLBACK_RECEIVE
 * chunks of at most rx_buffer_size): each piece is copied into a per-session
 * FIFO and written back as one frame (TEXT/BINARY for the first piece of a
 * message, CONTINUATION after that, LWS_WRITE_NO_FIN unless it ends the
 * message), one lws_write() per SERVER_WRITEABLE.  When the FIFO holds MAXQ
 * pieces, rx flow control stops reading from that connection; it is turned
 * back on once the FIFO has drained to half of that.  Nothing is ever
 * dropped, so messages of any size (Autobahn 9.*: 16 MiB) are echoed.
 *
 * Which protocol gets a WebSocket upgrade without Sec-WebSocket-Protocol:
 * lws binds such connections to the vhost's default protocol, which is
 * protocols[0] unless a protocol carries the per-vhost option "default"
 * (info.pvo).  protocols[0] is the "http" protocol here, so the pvo below
 * names "lws-echo" as the default.  lws binds new HTTP connections to the
 * default protocol as well, so the echo callback passes everything it does
 * not handle itself to lws_callback_http_dummy(); static files still come
 * from the mount.  Both `new WebSocket(url)` and
 * `new WebSocket(url, "lws-echo")` therefore reach the echo code.
 *
 * On startup exactly one line goes to stdout:
 *   listening on http://127.0.0.1:PORT/
 * SIGINT / SIGTERM end the service loop and destroy the context.
 */

#include <libwebsockets.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ECHO_DEFAULT_WWW
#define ECHO_DEFAULT_WWW "examples/www"
#endif

struct piece {
	struct piece *next;
	size_t len;
	int flags;		/* complete lws_write() flags for this piece */
	/* LWS_PRE bytes of headroom, then len bytes of payload */
	unsigned char buf[];
};

struct pss_echo {
	struct piece *head, *tail;
	unsigned int count;
	unsigned char in_message;	/* a message is open (more to come) */
	unsigned char rx_paused;	/* we turned rx flow control off */
};

static volatile sig_atomic_t interrupted;
static unsigned int max_queue = 64;
static int verbose;

static void
queue_free(struct pss_echo *pss)
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

static int
callback_echo(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	struct pss_echo *pss = (struct pss_echo *)user;
	struct piece *p;
	int first, final, n;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		memset(pss, 0, sizeof(*pss));
		if (verbose) {
			printf("established over %s\n",
			       lws_get_network_wsi(wsi) != wsi ?
			       "an http/2 stream" : "its own connection");
			fflush(stdout);
		}
		break;

	case LWS_CALLBACK_CLOSED:
		queue_free(pss);
		break;

	case LWS_CALLBACK_RECEIVE:
		first = !pss->in_message;
		final = lws_is_final_fragment(wsi) &&
			!lws_remaining_packet_payload(wsi);

		p = malloc(sizeof(*p) + LWS_PRE + len);
		if (!p) {
			lwsl_err("echo: out of memory (%zu)\n", len);
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

	case LWS_CALLBACK_SERVER_WRITEABLE:
		p = pss->head;
		if (!p)
			break;
		n = lws_write(wsi, p->buf + LWS_PRE, p->len,
			      (enum lws_write_protocol)p->flags);
		if (n < (int)p->len) {
			lwsl_err("echo: lws_write failed (%d of %zu)\n",
				 n, p->len);
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
		/* HTTP connections are bound to this protocol too (see top) */
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}

	return 0;
}

static struct lws_protocols protocols[] = {
	{ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
	{ "lws-echo", callback_echo, sizeof(struct pss_echo), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* "lws-echo" is the vhost's default protocol */
static const struct lws_protocol_vhost_options pvo_default = {
	NULL, NULL, "default", ""
};
static const struct lws_protocol_vhost_options pvo = {
	NULL, &pvo_default, "lws-echo", ""
};

static struct lws_http_mount mount;

/* --deflate: offer/accept permessage-deflate (RFC 7692) */
static const struct lws_extension extensions[] = {
	{ "permessage-deflate", lws_extension_callback_pm_deflate,
	  "permessage-deflate; client_no_context_takeover; client_max_window_bits" },
	{ NULL, NULL, NULL }
};

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

int
main(int argc, const char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *context;
	struct sigaction sa;
	const char *p, *www = ECHO_DEFAULT_WWW;
	int port = 7681, n = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lws_set_log_level((p = lws_cmdline_option(argc, argv, "-d")) ?
			  atoi(p) : LLL_ERR | LLL_WARN, NULL);
	if ((p = lws_cmdline_option(argc, argv, "-p")))
		port = atoi(p);
	verbose = !!lws_cmdline_option(argc, argv, "-v");
	if ((p = lws_cmdline_option(argc, argv, "-w")))
		www = p;
	if ((p = lws_cmdline_option(argc, argv, "--www")))
		www = p;
	if ((p = lws_cmdline_option(argc, argv, "-r")))
		protocols[1].rx_buffer_size = (size_t)atol(p);
	if ((p = lws_cmdline_option(argc, argv, "-q")) && atoi(p) > 1)
		max_queue = (unsigned int)atoi(p);

	memset(&mount, 0, sizeof(mount));
	mount.mountpoint = "/";
	mount.mountpoint_len = 1;
	mount.origin = www;
	mount.def = "index.html";
	mount.origin_protocol = LWSMPRO_FILE;

	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.pvo = &pvo;
	info.mounts = &mount;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 |
		       LWS_SERVER_OPTION_DISABLE_IPV6;
	/* --cert/--key: serve https:// and wss:// instead */
	info.ssl_cert_filepath = lws_cmdline_option(argc, argv, "--cert");
	info.ssl_private_key_filepath = lws_cmdline_option(argc, argv, "--key");
	if (info.ssl_cert_filepath)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	if (lws_cmdline_option(argc, argv, "--deflate"))
		info.extensions = extensions;

	context = lws_create_context(&info);
	if (!context) {
		lwsl_err("lws init failed\n");
		return 1;
	}

	printf("listening on %s://127.0.0.1:%d/\n",
	       info.ssl_cert_filepath ? "https" : "http", port);
	fflush(stdout);

	while (n >= 0 && !interrupted)
		n = lws_service(context, 0);

	lws_context_destroy(context);

	return 0;
}
