/*
 * Differential trace client: logs every callback it gets (reason, protocol,
 * len; the error string of CLIENT_CONNECTION_ERROR; fragment flags and data
 * of CLIENT_RECEIVE) to stdout, one line each.  Built against Debian's
 * headers; run once on Debian's library and once on ours against the same
 * server, and the traces must match.
 *
 *   trace-client echo PORT       ws://127.0.0.1:PORT/ with subprotocol
 *                                "lws-echo" (examples/echo-server): sends
 *                                "hello" (text), waits for its echo, sends
 *                                01 02 (binary), waits for its echo, then
 *                                closes with 1000 "bye" from CLIENT_WRITEABLE
 *   trace-client refused PORT    the same connect to a port nothing listens on
 *   trace-client badstatus PORT  the same connect to a server answering 404
 *
 * Every connect adds "X-Trace: 1" to its handshake request from
 * CLIENT_APPEND_HANDSHAKE_HEADER.  The program exits once the connection
 * has closed or failed (then "destroyed" is printed after the context is
 * gone); exit status 0, or 1 when the connect could not even be started.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>

struct pss {
	int step;		/* 0 send text, 1 send binary, 2 close */
	int want_write;
};

static volatile int interrupted;
static int scenario_echo;

static const char *proto_name(struct lws *wsi)
{
	const struct lws_protocols *p = wsi ? lws_get_protocol(wsi) : NULL;
	return p && p->name ? p->name : "-";
}

static int
callback_trace(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	       void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	unsigned char buf[LWS_PRE + 16];
	char **pp, *end;
	int n;

	switch (reason) {
	/* not traced: varies with timing and poll implementation */
	case LWS_CALLBACK_LOCK_POLL:
	case LWS_CALLBACK_UNLOCK_POLL:
	case LWS_CALLBACK_ADD_POLL_FD:
	case LWS_CALLBACK_DEL_POLL_FD:
	case LWS_CALLBACK_CHANGE_MODE_POLL_FD:
	case LWS_CALLBACK_GET_THREAD_ID:
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		return 0;
	default:
		break;
	}

	/*
	 * len of APPEND_HANDSHAKE_HEADER is the room left in the library's
	 * request buffer, an implementation detail: only whether it is
	 * enough for our header is logged
	 */
	if (reason == LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER)
		printf("cb %d proto=%s wsi=%s user=%s room_ok=%d", (int)reason,
		       proto_name(wsi), wsi ? "yes" : "no",
		       user ? "yes" : "no", len >= 64);
	else
		printf("cb %d proto=%s wsi=%s user=%s len=%zu", (int)reason,
		       proto_name(wsi), wsi ? "yes" : "no",
		       user ? "yes" : "no", len);

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf(" in=%s", in ? (const char *)in : "(null)");
		interrupted = 1;
		break;

	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		pp = (char **)in;
		end = *pp + len;
		n = snprintf(*pp, (size_t)(end - *pp), "X-Trace: 1\r\n");
		if (n < 0 || n >= end - *pp) {
			printf(" no-room\n");
			fflush(stdout);
			return -1;
		}
		*pp += n;
		break;

	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (pss) {
			printf(" pss_zero=%d", !pss->step && !pss->want_write);
			pss->step = 0;
		}
		if (scenario_echo)
			lws_callback_on_writable(wsi);
		break;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf(" first=%d final=%d binary=%d remaining=%zu data=",
		       lws_is_first_fragment(wsi), lws_is_final_fragment(wsi),
		       lws_frame_is_binary(wsi),
		       lws_remaining_packet_payload(wsi));
		if (lws_frame_is_binary(wsi))
			for (n = 0; n < (int)len && n < 32; n++)
				printf("%02x", ((unsigned char *)in)[n]);
		else
			fwrite(in, 1, len > 64 ? 64 : len, stdout);
		/* each echo moves the script on */
		if (pss && lws_is_final_fragment(wsi) &&
		    !lws_remaining_packet_payload(wsi)) {
			pss->step++;
			lws_callback_on_writable(wsi);
		}
		break;

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (!pss)
			break;
		printf(" step=%d", pss->step);
		switch (pss->step) {
		case 0:
			memcpy(&buf[LWS_PRE], "hello", 5);
			n = lws_write(wsi, &buf[LWS_PRE], 5, LWS_WRITE_TEXT);
			printf(" wrote=%d", n);
			break;
		case 1:
			buf[LWS_PRE] = 1;
			buf[LWS_PRE + 1] = 2;
			n = lws_write(wsi, &buf[LWS_PRE], 2, LWS_WRITE_BINARY);
			printf(" wrote=%d", n);
			break;
		case 2:
			lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL,
					 (unsigned char *)"bye", 3);
			printf(" close\n");
			fflush(stdout);
			pss->step++;
			return -1;
		default:
			break;
		}
		break;

	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2)
			printf(" code=%d", ((unsigned char *)in)[0] << 8 |
					   ((unsigned char *)in)[1]);
		break;

	case LWS_CALLBACK_CLIENT_CLOSED:
		interrupted = 1;
		break;

	default:
		break;
	}
	printf("\n");
	fflush(stdout);
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", callback_trace, 0, 0, 0, NULL, 0 },
	{ "lws-echo", callback_trace, sizeof(struct pss), 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info i;
	struct lws_context *context;
	char host[64];
	int port, rc = 0;

	if (argc < 3 || (strcmp(argv[1], "echo") && strcmp(argv[1], "refused") &&
			 strcmp(argv[1], "badstatus"))) {
		fprintf(stderr, "usage: %s echo|refused|badstatus PORT\n",
			argv[0]);
		return 1;
	}
	scenario_echo = !strcmp(argv[1], "echo");
	port = atoi(argv[2]);
	signal(SIGPIPE, SIG_IGN);

	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;

	context = lws_create_context(&info);
	if (!context) {
		printf("create_context failed\n");
		return 1;
	}
	printf("created\n");
	fflush(stdout);

	snprintf(host, sizeof host, "127.0.0.1:%d", port);
	memset(&i, 0, sizeof i);
	i.context = context;
	i.address = "127.0.0.1";
	i.port = port;
	i.path = "/";
	i.host = host;
	i.origin = host;
	i.protocol = "lws-echo";

	if (!lws_client_connect_via_info(&i)) {
		printf("connect failed\n");
		fflush(stdout);
		rc = 1;
		interrupted = 1;
	} else {
		printf("connecting\n");
		fflush(stdout);
	}

	while (!interrupted)
		if (lws_service(context, 0) < 0)
			break;
	lws_context_destroy(context);
	printf("destroyed\n");
	return rc;
}
