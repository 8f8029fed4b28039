/*
 * WebSocket client against an independent server (tungstenite, driven by
 * tests/client_peers.rs). Prints one line per callback; run on Debian's
 * library and on ours, the traces must match.
 *
 *   ws-peer-client SCENARIO PORT
 *     echo      text, binary, then "ab" + "cd" sent with LWS_WRITE_NO_FIN;
 *               after three echoes closes with 4000 "bye"
 *     big       one 16 MiB binary message; prints length and hash of the echo
 *     ping      sends ping "p1"; the server pings back; closes on "pong-ok"
 *     srvclose  the server closes with 4001 "srv"
 *     proto     offers "a,chat"; prints the protocol the wsi is bound to
 *     headers   adds "X-Custom: 42" and uses path /custom/path?q=1
 *     badkey    the server answers 101 with a wrong accept key
 *     refused   nothing listens on PORT
 *     dns       the address does not resolve
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG (16 * 1024 * 1024)

static const char *scenario;
static int interrupted, step, echoes, got_pong, got_ok;
static unsigned long long total;
static unsigned int sum = 2166136261u;

static int
is(const char *s)
{
	return !strcmp(scenario, s);
}

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
   size_t len)
{
	unsigned char buf[LWS_PRE + 64], *big;
	const struct lws_protocols *pr;
	char **pp, *end, tmp[64];
	size_t k;
	int n;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_LOCK_POLL: case LWS_CALLBACK_UNLOCK_POLL:
	case LWS_CALLBACK_ADD_POLL_FD: case LWS_CALLBACK_DEL_POLL_FD:
	case LWS_CALLBACK_CHANGE_MODE_POLL_FD: case LWS_CALLBACK_GET_THREAD_ID:
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		return 0;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (is("big")) {
			/* how a 16 MiB message is split depends on reads */
			for (k = 0; k < len; k++)
				sum = (sum ^ ((unsigned char *)in)[k]) * 16777619u;
			total += len;
			if (lws_is_final_fragment(wsi) &&
			    !lws_remaining_packet_payload(wsi)) {
				printf("cb 8 total=%llu sum=%08x\n", total, sum);
				step = 1;
				lws_callback_on_writable(wsi);
			}
			return 0;
		}
		break;
	default:
		break;
	}

	pr = wsi ? lws_get_protocol(wsi) : NULL;
	printf("cb %d proto=%s", (int)reason, pr && pr->name ? pr->name : "-");
	if (reason != LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER)
		printf(" len=%zu", len);

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf(" in=%s", in ? (char *)in : "(null)");
		interrupted = 1;
		break;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (is("headers")) {
			pp = (char **)in;
			end = *pp + len;
			n = snprintf(*pp, (size_t)(end - *pp), "X-Custom: 42\r\n");
			if (n < 0 || n >= end - *pp)
				return -1;
			*pp += n;
		}
		break;
	case LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH:
		/* the response headers are readable here, not after */
		n = lws_hdr_copy(wsi, tmp, sizeof tmp, WSI_TOKEN_PROTOCOL);
		printf(" server_proto=%s", n > 0 ? tmp : "-");
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		/* the others wait for the server's message before writing */
		if (is("echo") || is("big") || is("ping"))
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf(" first=%d final=%d binary=%d data=",
		       lws_is_first_fragment(wsi), lws_is_final_fragment(wsi),
		       lws_frame_is_binary(wsi));
		for (k = 0; k < len && k < 32; k++)
			printf(lws_frame_is_binary(wsi) ? "%02x" : "%c",
			       ((unsigned char *)in)[k]);
		if (lws_is_final_fragment(wsi) && ++echoes < 3 && is("echo"))
			lws_callback_on_writable(wsi);
		if (len == 7 && !memcmp(in, "pong-ok", 7))
			got_ok = 1;
		if ((is("echo") && echoes == 3) || (is("ping") && got_ok && got_pong) ||
		    is("proto") || is("headers")) {
			step = 100;
			lws_callback_on_writable(wsi);
		}
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		printf(" data=%.*s", (int)len, (char *)in);
		got_pong = 1;
		if (got_ok) {
			step = 100;
			lws_callback_on_writable(wsi);
		}
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2)
			printf(" code=%d reason=%.*s",
			       (((unsigned char *)in)[0] << 8) | ((unsigned char *)in)[1],
			       (int)len - 2, (char *)in + 2);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		printf(" step=%d", step);
		if (step == 100 || (is("big") && step == 1)) {
			step = 101;
			lws_close_reason(wsi, is("echo") ? 4000 : LWS_CLOSE_STATUS_NORMAL,
					 (unsigned char *)"bye", 3);
			printf(" close\n");
			return -1;
		}
		if (step > 100)
			break;
		if (is("echo")) {
			static const struct { const char *d; int n, f; } w[] = {
				{ "hello", 5, LWS_WRITE_TEXT },
				{ "\x01\x02\x03", 3, LWS_WRITE_BINARY },
				{ "ab", 2, LWS_WRITE_TEXT | LWS_WRITE_NO_FIN },
				{ "cd", 2, LWS_WRITE_CONTINUATION },
			};
			if (step < 4) {
				memcpy(&buf[LWS_PRE], w[step].d, (size_t)w[step].n);
				n = lws_write(wsi, &buf[LWS_PRE], (size_t)w[step].n,
					      (enum lws_write_protocol)w[step].f);
				printf(" wrote=%d", n);
				/* the next message waits for this one's echo,
				 * the continuation goes at once */
				if (++step == 3)
					lws_callback_on_writable(wsi);
			}
		} else if (is("big") && !step) {
			big = malloc(LWS_PRE + BIG);
			if (!big)
				return -1;
			for (k = 0; k < BIG; k++)
				big[LWS_PRE + k] = (unsigned char)((k * 2654435761u) >> 13);
			n = lws_write(wsi, big + LWS_PRE, BIG, LWS_WRITE_BINARY);
			printf(" wrote=%d", n);
			free(big);
			step = 2;
		} else if (is("ping") && !step) {
			memcpy(&buf[LWS_PRE], "p1", 2);
			n = lws_write(wsi, &buf[LWS_PRE], 2, LWS_WRITE_PING);
			printf(" wrote=%d", n);
			step = 2;
		}
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
	{ "a", cb, 0, 4096, 0, NULL, 0 },
	{ "chat", cb, 0, 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info i;
	struct lws_context *context;
	int n = 0;

	if (argc < 3)
		return 2;
	scenario = argv[1];
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	context = lws_create_context(&info);
	if (!context)
		return 1;
	memset(&i, 0, sizeof i);
	i.context = context;
	i.address = is("dns") ? "no-such-host.invalid" : "127.0.0.1";
	i.port = atoi(argv[2]);
	i.path = is("headers") ? "/custom/path?q=1" : "/";
	i.host = "127.0.0.1";
	i.origin = "127.0.0.1";
	i.protocol = is("proto") ? "a,chat" : "a";
	i.ietf_version_or_minus_one = -1;
	printf("connect=%s\n", lws_client_connect_via_info(&i) ? "ok" : "null");
	fflush(stdout);
	if (is("dns"))
		interrupted = 1;
	while (n >= 0 && !interrupted)
		n = lws_service(context, 0);
	lws_context_destroy(context);
	printf("destroyed\n");
	return 0;
}
