/*
 * A WebSocket client through an HTTP proxy (info.http_proxy_address):
 * connects to the echo server, sends one message, prints the echo, closes.
 *   client-proxy PROXYPORT SERVERPORT
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static int done, sent;

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
   size_t len)
{
	unsigned char buf[LWS_PRE + 32];
	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("established\n");
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (!sent) {
			memcpy(&buf[LWS_PRE], "via proxy", 9);
			lws_write(wsi, &buf[LWS_PRE], 9, LWS_WRITE_TEXT);
			sent = 1;
		}
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf("rx %.*s\n", (int)len, (const char *)in);
		return -1;
	case LWS_CALLBACK_CLIENT_CLOSED:
		printf("closed\n");
		done = 1;
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("error %s\n", in ? (const char *)in : "");
		done = 1;
		break;
	default:
		break;
	}
	fflush(stdout);
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "lws-echo", cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info i;
	struct lws_context *ctx;
	char proxy[64];
	int n = 0, loops = 0;

	if (argc < 3)
		return 1;
	snprintf(proxy, sizeof proxy, "127.0.0.1:%s", argv[1]);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.http_proxy_address = proxy;
	ctx = lws_create_context(&info);
	memset(&i, 0, sizeof i);
	i.context = ctx;
	i.address = "127.0.0.1";
	i.port = atoi(argv[2]);
	i.path = "/";
	i.host = i.address;
	i.protocol = "lws-echo";
	if (!lws_client_connect_via_info(&i))
		printf("connect failed\n");
	while (n >= 0 && !done && loops++ < 2000)
		n = lws_service(ctx, 0);
	lws_context_destroy(ctx);
	return 0;
}
