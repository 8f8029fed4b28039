/*
 * HTTP client trace: logs every callback of one request.
 *   trace-http-client get|post|chunked|redirect|404|big|multipart|reset|urlencoded|warm PORT
 * Built against Debian's headers and run on Debian's library and on ours;
 * the traces must match. "big" prints only the body length and checksum;
 * "warm" checks the finished connection idles for keep_warm_secs (1 s).
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

static int interrupted, posted;
static unsigned long long total;
static unsigned int sum = 2166136261u;
static const char *scenario;
static int port_g;
static double completed_at;

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* exported by libwebsockets.so.17 but not declared in 4.1.6's headers */
struct lws *
lws_client_reset(struct lws **wsi, int ssl, const char *address, int port,
		 const char *path, const char *host, char weak);

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
   size_t len)
{
	char buf[LWS_PRE + 4096];
	(void)user;

	switch (reason) {
	case LWS_CALLBACK_LOCK_POLL: case LWS_CALLBACK_UNLOCK_POLL:
	case LWS_CALLBACK_ADD_POLL_FD: case LWS_CALLBACK_DEL_POLL_FD:
	case LWS_CALLBACK_CHANGE_MODE_POLL_FD: case LWS_CALLBACK_GET_THREAD_ID:
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		return 0;
	default:
		break;
	}
	if (!strcmp(scenario, "big") && (reason == LWS_CALLBACK_RECEIVE_CLIENT_HTTP ||
					  reason == LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ)) {
		if (reason == LWS_CALLBACK_RECEIVE_CLIENT_HTTP) {
			char *px = buf + LWS_PRE;
			int lenx = sizeof(buf) - LWS_PRE;
			return lws_http_client_read(wsi, &px, &lenx) < 0 ? -1 : 0;
		}
	} else
	printf("cb %d len=%zu", (int)reason,
	       reason == LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER ? 0 : len);
	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf(" in=%s", in ? (char *)in : "(null)");
		interrupted = 1;
		break;
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		printf(" status=%d", (int)lws_http_client_http_response(wsi));
		if (!strcmp(scenario, "reset") && !posted) {
			struct lws *w = wsi;

			posted = 1;
			printf(" reset=%s", lws_client_reset(&w, 0, "127.0.0.1",
				port_g, "/get", "127.0.0.1", 0) ? "ok" : "null");
		}
		break;
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		if (!strcmp(scenario, "post")) {
			unsigned char **p = (unsigned char **)in, *end = (*p) + len;
			if (lws_add_http_header_content_length(wsi, 10, p, end))
				return -1;
			lws_client_http_body_pending(wsi, 1);
			lws_callback_on_writable(wsi);
		}
		break;
	case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
		if (!posted && !strcmp(scenario, "multipart")) {
			char *p = &buf[LWS_PRE], *start = p, *end = &buf[sizeof(buf) - 1];
			if (lws_client_http_multipart(wsi, "text", NULL, NULL, &p, end))
				return -1;
			p += lws_snprintf(p, lws_ptr_diff(end, p), "hello");
			if (lws_client_http_multipart(wsi, "file", "a.txt", "text/plain", &p, end))
				return -1;
			p += lws_snprintf(p, lws_ptr_diff(end, p), "file body");
			if (lws_client_http_multipart(wsi, NULL, NULL, NULL, &p, end))
				return -1;
			posted = 1;
			lws_client_http_body_pending(wsi, 0);
			printf(" wrote=%d", lws_write(wsi, (unsigned char *)start, lws_ptr_diff(p, start), LWS_WRITE_HTTP_FINAL));
			break;
		}
		if (!posted) {
			memcpy(&buf[LWS_PRE], "0123456789", 10);
			posted = 1;
			lws_client_http_body_pending(wsi, 0);
			printf(" wrote=%d", lws_write(wsi, (unsigned char *)&buf[LWS_PRE], 10, LWS_WRITE_HTTP_FINAL));
		}
		break;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		if (!strcmp(scenario, "big")) {
			size_t k;
			for (k = 0; k < len; k++)
				sum = (sum ^ ((unsigned char *)in)[k]) * 16777619u;
			total += len;
			return 0;
		}
		printf(" data=%.*s", (int)(len > 40 ? 40 : len), (char *)in);
		break;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
		char *px = buf + LWS_PRE;
		int lenx = sizeof(buf) - LWS_PRE;
		printf("\n");
		if (lws_http_client_read(wsi, &px, &lenx) < 0)
			return -1;
		return 0;
	}
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		if (!strcmp(scenario, "big"))
			printf(" total=%llu sum=%08x", total, sum);
		if (!strcmp(scenario, "warm")) {
			completed_at = now_s();
			break;
		}
		interrupted = 1;
		break;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		if (completed_at > 0) {
			double idle = now_s() - completed_at;
			printf(" warm_ok=%d", idle > 0.8 && idle < 2.5);
			/* 4.1.6 otherwise sleeps in its next wait until its
			 * next timer, some 30 s away */
			lws_cancel_service(lws_get_context(wsi));
		}
		interrupted = 1;
		break;
	case LWS_CALLBACK_CLIENT_HTTP_REDIRECT:
		printf(" in=%s", in ? (char *)in : "(null)");
		break;
	default:
		break;
	}
	printf("\n");
	fflush(stdout);
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info i;
	struct lws_context *context;
	char path[64];
	int n = 0;

	if (argc < 3)
		return 1;
	scenario = argv[1];
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	context = lws_create_context(&info);
	memset(&i, 0, sizeof i);
	i.context = context;
	i.address = "127.0.0.1";
	i.port = atoi(argv[2]);
	port_g = i.port;
	snprintf(path, sizeof path, "/%s", scenario);
	i.path = path;
	i.host = i.address;
	i.origin = i.address;
	i.method = !strcmp(scenario, "post") || !strcmp(scenario, "multipart") ? "POST" : "GET";
	if (!strcmp(scenario, "multipart"))
		i.ssl_connection |= LCCSCF_HTTP_MULTIPART_MIME;
	if (!strcmp(scenario, "urlencoded")) {
		i.method = "POST";
		i.ssl_connection |= LCCSCF_HTTP_X_WWW_FORM_URLENCODED;
	}
	if (!strcmp(scenario, "warm"))
		i.keep_warm_secs = 1;
	i.protocol = protocols[0].name;
	printf("connect=%s\n", lws_client_connect_via_info(&i) ? "ok" : "null");
	while (n >= 0 && !interrupted)
		n = lws_service(context, 0);
	lws_context_destroy(context);
	printf("destroyed\n");
	return 0;
}
