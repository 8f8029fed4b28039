/* A WebSocket client over a unix-domain socket: address "+/path". */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

static int done;

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
   size_t len)
{
	(void)wsi; (void)user;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("established\n");
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf("rx %.*s\n", (int)len, (const char *)in);
		break;
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
	{ "client", cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info i;
	struct lws_context *ctx;
	char address[256];
	int n = 0, loops = 0;

	if (argc < 2)
		return 1;
	snprintf(address, sizeof(address), "+%s", argv[1]);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	ctx = lws_create_context(&info);
	memset(&i, 0, sizeof i);
	i.context = ctx;
	i.address = address;
	i.path = "/";
	i.host = "localhost";
	if (!lws_client_connect_via_info(&i))
		printf("connect failed\n");
	while (n >= 0 && !done && loops++ < 1000)
		n = lws_service(ctx, 0);
	lws_context_destroy(ctx);
	return 0;
}
