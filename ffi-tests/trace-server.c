/*
 * Differential trace server: logs every callback it sees (reason, protocol,
 * length, payload for data callbacks and per-session data state) to stdout,
 * echoes messages, and exits after the N-th connection closes.
 * Built against Debian's headers; run once on Debian's library and once on
 * ours, and the traces must match.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>

struct pss {
	int established;
	int count;
	unsigned char buf[LWS_PRE + 4096];
	size_t len;
	int binary;
	int pending;
};

static int closes_left = 1;
static volatile int interrupted;

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

	printf("cb %d proto=%s wsi=%s user=%s len=%zu", (int)reason,
	       proto_name(wsi), wsi ? "yes" : "no", user ? "yes" : "no",
	       (reason == LWS_CALLBACK_RECEIVE ||
		reason == LWS_CALLBACK_RECEIVE_PONG ||
		reason == LWS_CALLBACK_WS_PEER_INITIATED_CLOSE ||
		reason == LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION ||
		reason == LWS_CALLBACK_HTTP) ? len : (size_t)0);

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		printf(" pss_zero=%d", pss && !pss->established && !pss->count);
		if (pss)
			pss->established = 1;
		break;
	case LWS_CALLBACK_RECEIVE:
		printf(" first=%d final=%d binary=%d remaining=%zu data=",
		       lws_is_first_fragment(wsi), lws_is_final_fragment(wsi),
		       lws_frame_is_binary(wsi), lws_remaining_packet_payload(wsi));
		fwrite(in, 1, len > 64 ? 64 : len, stdout);
		if (len && len <= 4096 && !pss->pending) {
			memcpy(&pss->buf[LWS_PRE], in, len);
			pss->len = len;
			pss->binary = lws_frame_is_binary(wsi);
			pss->pending = 1;
			lws_callback_on_writable(wsi);
		}
		if (len == 5 && !memcmp(in, "close", 5)) {
			lws_close_reason(wsi, LWS_CLOSE_STATUS_GOINGAWAY,
					 (unsigned char *)"bye", 3);
			printf("\n");
			fflush(stdout);
			return -1;
		}
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (pss->pending) {
			int n = lws_write(wsi, &pss->buf[LWS_PRE], pss->len,
					  pss->binary ? LWS_WRITE_BINARY :
							LWS_WRITE_TEXT);
			printf(" wrote=%d", n);
			pss->pending = 0;
		}
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		if (len >= 2)
			printf(" code=%d", ((unsigned char *)in)[0] << 8 |
					   ((unsigned char *)in)[1]);
		break;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
	case LWS_CALLBACK_HTTP:
		if (in)
			printf(" in=%.*s", (int)len, (const char *)in);
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		if (!strcmp(proto_name(wsi), "trace") || !strcmp(proto_name(wsi), "http"))
			;
		break;
	case LWS_CALLBACK_CLOSED:
		if (--closes_left <= 0)
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
	{ "trace", callback_trace, sizeof(struct pss), 4096, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *context;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PORT [CLOSES]\n", argv[0]);
		return 1;
	}
	if (argc > 2)
		closes_left = atoi(argv[2]);

	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = atoi(argv[1]);
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;

	context = lws_create_context(&info);
	if (!context) {
		printf("create_context failed\n");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	while (!interrupted)
		if (lws_service(context, 0) < 0)
			break;
	lws_context_destroy(context);
	printf("destroyed\n");
	return 0;
}
