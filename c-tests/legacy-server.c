/*
 * legacy-server.c - an echo server written the way libwebsockets 1.x
 * programs were (libwebsocket_* names, six-argument callbacks with the
 * context first, LWS_SEND_BUFFER_PRE_PADDING), built with
 * -include libwebsockets-legacy.h and otherwise unchanged; driven by
 * tests/legacy.rs.
 *
 *   legacy-server PORT FILE
 *
 * Protocols: "http-only" (GET / serves FILE with libwebsockets_serve_http_file,
 * anything else gets 404 from libwebsockets_return_http_status) and
 * "legacy-echo" (rx_buffer_size 16, so longer messages arrive in chunks).
 * Every event prints one line:
 *
 *   listening hostname_ok=0|1
 *   http uri=URI
 *   established n=N proto=NAME context_ok=0|1 peer=IP peer_new=IP fd_ok=0|1
 *   rx n=N len=L remaining=R final=F
 *   echo n=N len=L
 *   broadcast seq=S form=1|2   "broadcast": the 1.x one-argument
 *                              libwebsocket_callback_on_writable_all_protocol;
 *                              "broadcast2": the form with the context
 *   broadcast-sent n=N seq=S
 *   bye n=N                    "bye": libwebsocket_close_and_free_session
 *                              with 1001
 *   closed n=N
 *
 * Other messages are echoed, reassembled from their chunks; reception is
 * paused (libwebsocket_rx_flow_control) until the echo is written.
 */

#include <libwebsockets.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_MESSAGE 256

struct per_session_data__echo {
	int n;
	int echo_pending;
	int broadcast_seen;
	size_t len;
	unsigned char buf[LWS_SEND_BUFFER_PRE_PADDING + MAX_MESSAGE +
			  LWS_SEND_BUFFER_POST_PADDING];
};

static struct libwebsocket_context *context;
static const char *file_to_serve;
static volatile sig_atomic_t force_exit;
static int connections, broadcast_seq;

static int
callback_http(struct libwebsocket_context *ctx, struct libwebsocket *wsi,
	      enum libwebsocket_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	(void)user;
	(void)len;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		printf("http uri=%s\n", (const char *)in);
		if (!strcmp((const char *)in, "/")) {
			if (libwebsockets_serve_http_file(ctx, wsi, file_to_serve,
							  "text/plain",
							  "x-legacy: 1\r\n"))
				return -1; /* sent, or failed: close */
			break;
		}
		libwebsockets_return_http_status(ctx, wsi, HTTP_STATUS_NOT_FOUND,
						 NULL);
		return -1;

	case LWS_CALLBACK_HTTP_FILE_COMPLETION:
		/* one file per connection, as the 1.x test server did */
		return -1;

	default:
		break;
	}

	return 0;
}

static int
is_message(const struct per_session_data__echo *pss, const char *text)
{
	size_t n = strlen(text);

	return pss->len == n &&
	       !memcmp(&pss->buf[LWS_SEND_BUFFER_PRE_PADDING], text, n);
}

static int
callback_echo(struct libwebsocket_context *ctx, struct libwebsocket *wsi,
	      enum libwebsocket_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	struct per_session_data__echo *pss =
			(struct per_session_data__echo *)user;
	unsigned char out[LWS_SEND_BUFFER_PRE_PADDING + 32 +
			  LWS_SEND_BUFFER_POST_PADDING];
	char name[128], rip[64], rip_new[64];
	size_t remaining;
	int fd, n;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		pss->n = ++connections;
		pss->broadcast_seen = broadcast_seq;
		fd = libwebsocket_get_socket_fd(wsi);
		/* the 1.1-1.5 argument list, then the 1.6 one */
		libwebsockets_get_peer_addresses(ctx, wsi, fd, name,
						 sizeof(name), rip, sizeof(rip));
		libwebsockets_get_peer_addresses(wsi, fd, name, sizeof(name),
						 rip_new, sizeof(rip_new));
		printf("established n=%d proto=%s context_ok=%d peer=%s "
		       "peer_new=%s fd_ok=%d\n", pss->n,
		       libwebsockets_get_protocol(wsi)->name, ctx == context,
		       rip, rip_new, fd >= 0);
		break;

	case LWS_CALLBACK_RECEIVE:
		remaining = libwebsockets_remaining_packet_payload(wsi);
		printf("rx n=%d len=%zu remaining=%zu final=%d\n", pss->n, len,
		       remaining, libwebsocket_is_final_fragment(wsi));
		if (pss->len + len > MAX_MESSAGE)
			return -1;
		memcpy(&pss->buf[LWS_SEND_BUFFER_PRE_PADDING + pss->len], in,
		       len);
		pss->len += len;
		if (remaining || !libwebsocket_is_final_fragment(wsi))
			break;

		/* a whole message */
		if (is_message(pss, "broadcast")) {
			pss->len = 0;
			printf("broadcast seq=%d form=1\n", ++broadcast_seq);
			libwebsocket_callback_on_writable_all_protocol(
					libwebsockets_get_protocol(wsi));
			break;
		}
		if (is_message(pss, "broadcast2")) {
			pss->len = 0;
			printf("broadcast seq=%d form=2\n", ++broadcast_seq);
			libwebsocket_callback_on_writable_all_protocol(ctx,
					libwebsockets_get_protocol(wsi));
			break;
		}
		if (is_message(pss, "bye")) {
			pss->len = 0;
			printf("bye n=%d\n", pss->n);
			libwebsocket_close_and_free_session(ctx, wsi,
						LWS_CLOSE_STATUS_GOINGAWAY);
			break;
		}
		pss->echo_pending = 1;
		libwebsocket_rx_flow_control(wsi, 0);
		libwebsocket_callback_on_writable(ctx, wsi);
		break;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (pss->echo_pending) {
			n = libwebsocket_write(wsi,
					&pss->buf[LWS_SEND_BUFFER_PRE_PADDING],
					pss->len, LWS_WRITE_TEXT);
			if (n < (int)pss->len)
				return -1;
			printf("echo n=%d len=%zu\n", pss->n, pss->len);
			pss->echo_pending = 0;
			pss->len = 0;
			libwebsocket_rx_flow_control(wsi, 1);
			/* one write per WRITEABLE: ask again for a broadcast */
			if (pss->broadcast_seen != broadcast_seq)
				libwebsocket_callback_on_writable(ctx, wsi);
			break;
		}
		if (pss->broadcast_seen == broadcast_seq)
			break;
		n = sprintf((char *)&out[LWS_SEND_BUFFER_PRE_PADDING],
			    "broadcast %d", broadcast_seq);
		if (libwebsocket_write(wsi, &out[LWS_SEND_BUFFER_PRE_PADDING],
				       (size_t)n, LWS_WRITE_TEXT) < n)
			return -1;
		pss->broadcast_seen = broadcast_seq;
		printf("broadcast-sent n=%d seq=%d\n", pss->n, broadcast_seq);
		break;

	case LWS_CALLBACK_CLOSED:
		printf("closed n=%d\n", pss->n);
		break;

	default:
		break;
	}

	return 0;
}

LWS_LEGACY_CALLBACK(callback_http_v5, callback_http);
LWS_LEGACY_CALLBACK(callback_echo_v5, callback_echo);

static struct libwebsocket_protocols protocols[] = {
	/* first protocol must always be the HTTP handler */
	{ "http-only", callback_http_v5, 0, 0, 0, NULL, 0 },
	{ "legacy-echo", callback_echo_v5,
	  sizeof(struct per_session_data__echo), 16, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
sighandler(int sig)
{
	(void)sig;
	force_exit = 1;
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	const char *canonical;
	char host[256];
	int n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3) {
		fprintf(stderr, "usage: legacy-server PORT FILE\n");
		return 1;
	}
	file_to_serve = argv[2];
	signal(SIGINT, sighandler);
	signal(SIGTERM, sighandler);

	memset(&info, 0, sizeof info);
	info.port = atoi(argv[1]);
	info.iface = NULL;
	info.protocols = protocols;
	info.extensions = libwebsocket_get_internal_extensions();
	info.ssl_cert_filepath = NULL;
	info.ssl_private_key_filepath = NULL;
	info.gid = -1;
	info.uid = -1;
	info.options = 0;

	context = libwebsocket_create_context(&info);
	if (context == NULL) {
		fprintf(stderr, "libwebsocket init failed\n");
		return 1;
	}

	canonical = libwebsocket_canonical_hostname(context);
	if (gethostname(host, sizeof(host)))
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	printf("listening hostname_ok=%d\n",
	       canonical && *canonical && !strcmp(canonical, host));

	while (n >= 0 && !force_exit)
		n = libwebsocket_service(context, 50);

	libwebsocket_context_destroy(context);

	return 0;
}
