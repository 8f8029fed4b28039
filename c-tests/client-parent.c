/*
 * Client connections with a parent: lws_get_parent / lws_get_child, and
 * children closed with their parent. Prints what it sees; the Rust test
 * (tests/client_parent.rs) checks it against an echo server.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

static struct lws *parent, *child;
static int established, closed, done;

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
   size_t len)
{
	(void)user; (void)in; (void)len;
	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (++established == 2) {
			printf("parent_of_child=%d child_of_parent=%d parent_of_parent=%d\n",
			       lws_get_parent(child) == parent,
			       lws_get_child(parent) == child,
			       lws_get_parent(parent) == NULL);
			lws_callback_on_writable(parent);
		}
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (wsi == parent && established == 2)
			return -1; /* closing the parent closes the child */
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		printf("closed %s\n", wsi == parent ? "parent" : "child");
		if (++closed == 2)
			done = 1;
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("error %s\n", in ? (char *)in : "");
		done = 1;
		break;
	default:
		break;
	}
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
	int n = 0, loops = 0;

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
	i.protocol = "lws-echo";
	i.pwsi = &parent;
	lws_client_connect_via_info(&i);
	i.parent_wsi = parent;
	i.pwsi = &child;
	lws_client_connect_via_info(&i);
	while (n >= 0 && !done && loops++ < 2000)
		n = lws_service(ctx, 0);
	lws_context_destroy(ctx);
	printf("done closed=%d\n", closed);
	return 0;
}
