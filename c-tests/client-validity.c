/*
 * Keepalive: a client with retry_and_idle_policy pings after
 * secs_since_valid_ping without a pong, and hangs up after
 * secs_since_valid_hangup. Prints when it closes.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static int done;

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
   size_t len)
{
	(void)wsi; (void)user; (void)len;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("established %lld\n", (long long)(lws_now_usecs() / 1000000));
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		printf("pong\n");
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		printf("closed %lld\n", (long long)(lws_now_usecs() / 1000000));
		done = 1;
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("error %s\n", in ? (char *)in : "");
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

static const lws_retry_bo_t policy = {
	.secs_since_valid_ping = 1,
	.secs_since_valid_hangup = 3,
};

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info i;
	struct lws_context *ctx;
	int n = 0;

	if (argc < 2)
		return 1;
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	ctx = lws_create_context(&info);
	memset(&i, 0, sizeof i);
	i.context = ctx;
	i.address = "127.0.0.1";
	i.port = atoi(argv[1]);
	i.path = "/";
	i.host = i.address;
	i.retry_and_idle_policy = &policy;
	lws_client_connect_via_info(&i);
	while (n >= 0 && !done)
		n = lws_service(ctx, 0);
	lws_context_destroy(ctx);
	return 0;
}
