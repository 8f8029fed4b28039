/*
 * A server deciding on WebSocket upgrades the way janus's transport does:
 * LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION gets the Sec-WebSocket-Protocol
 * header (NULL when the client sent none), LWS_CALLBACK_ADD_HEADERS adds a
 * header or refuses the client by its Origin (non-zero: no 101, the
 * connection is dropped). Clients of the same context try, in turn: no
 * subprotocol, a refused origin, an accepted one; then HTTP GETs of a file
 * from a mount naming that protocol, which may refuse it the same way.
 * Prints one line per event that both sides see in a fixed order.
 *
 * Usage: ws-filter <port> (from the repository root: the mount serves
 * c-tests/)
 */
#include <libwebsockets.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct lws_context *ctx;
static int port, step, done;

static const char *
pname(struct lws *wsi)
{
	const struct lws_protocols *p = lws_get_protocol(wsi);

	return p && p->name ? p->name : "(none)";
}

static void
next_client(void)
{
	struct lws_client_connect_info i;

	memset(&i, 0, sizeof i);
	i.context = ctx;
	i.address = "127.0.0.1";
	i.port = port;
	i.host = i.address;
	i.path = "/";
	i.opaque_user_data = (void *)(intptr_t)(step + 1);
	switch (step++) {
	case 0:
		i.origin = "ok.test";
		break;
	case 1:
		i.protocol = "filtered";
		i.origin = "refused.test";
		break;
	case 2:
		i.protocol = "filtered";
		i.origin = "ok.test";
		break;
	case 3:
		i.method = "GET";
		i.path = "/ws-filter.c";
		i.origin = "refused.test";
		break;
	case 4:
		i.method = "GET";
		i.path = "/ws-filter.c";
		i.origin = "ok.test";
		break;
	case 5:
		/* refused by its own ESTABLISHED_CLIENT_HTTP */
		i.method = "GET";
		i.path = "/ws-filter.c";
		i.origin = "ok.test";
		break;
	default:
		done = 1;
		lws_cancel_service(ctx);
		return;
	}
	printf("cli %d: connect\n", step);
	if (!lws_client_connect_via_info(&i)) {
		printf("cli %d: connect failed\n", step);
		done = 1;
	}
}

/* the step of a client connection, or 0 */
static int
client_step(struct lws *wsi)
{
	return (int)(intptr_t)lws_get_opaque_user_data(wsi);
}

/* a client's end: report it and start the next one, once per client */
static void
client_end(struct lws *wsi, const char *how)
{
	int n = client_step(wsi);

	printf("cli %d: %s\n", n, how);
	if (n == step) {
		lws_set_opaque_user_data(wsi, NULL);
		next_client();
	}
}

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
   size_t len)
{
	struct lws_process_html_args *args = in;
	char origin[64];

	(void)user;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		printf("srv: filter on %s, in %s\n", pname(wsi),
		       in ? (const char *)in : "NULL");
		break;
	case LWS_CALLBACK_ADD_HEADERS:
		if (lws_hdr_copy(wsi, origin, sizeof origin,
				 WSI_TOKEN_ORIGIN) < 0)
			origin[0] = '\0';
		if (strstr(origin, "refused")) {
			printf("srv: add headers, origin %s: refused\n", origin);
			return -1;
		}
		printf("srv: add headers, origin %s\n", origin);
		if (lws_add_http_header_by_name(wsi,
				(const unsigned char *)"x-filter:",
				(const unsigned char *)"ok", 2,
				(unsigned char **)&args->p,
				(unsigned char *)args->p + args->max_len))
			return 1;
		break;
	case LWS_CALLBACK_ESTABLISHED:
		printf("srv: established on %s\n", pname(wsi));
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("cli %d: established\n", client_step(wsi));
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
		return -1;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (client_step(wsi) == 6)
			printf("cli 6: error '%s'\n", in ? (const char *)in : "");
		client_end(wsi, "connection error");
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		client_end(wsi, "closed");
		break;
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		if (lws_hdr_custom_copy(wsi, origin, sizeof origin, "x-filter:",
					9) < 0)
			strcpy(origin, "(none)");
		printf("cli %d: http %d, x-filter %s\n", client_step(wsi),
		       (int)lws_http_client_http_response(wsi), origin);
		if (client_step(wsi) == 6)
			return -1;
		break;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
		char b[LWS_PRE + 4096], *px = b + LWS_PRE;
		int lenx = (int)sizeof(b) - LWS_PRE;

		if (lws_http_client_read(wsi, &px, &lenx) < 0)
			return -1;
		break;
	}
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		printf("cli %d: http body complete\n", client_step(wsi));
		return -1;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		client_end(wsi, "http closed");
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "default", cb, 0, 0, 0, NULL, 0 },
	{ "filtered", cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_protocol_vhost_options c_mime = {
	NULL, NULL, ".c", "text/plain"
};

static const struct lws_http_mount mount = {
	.mountpoint = "/",
	.mountpoint_len = 1,
	.origin = "c-tests",
	.origin_protocol = LWSMPRO_FILE,
	.protocol = "filtered",
	.extra_mimetypes = &c_mime,
};

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	int n;

	if (argc < 2)
		return 1;
	alarm(20);
	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, NULL);
	port = atoi(argv[1]);
	memset(&info, 0, sizeof info);
	info.port = port;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.mounts = &mount;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	ctx = lws_create_context(&info);
	if (!ctx)
		return 2;
	next_client();
	while (!done && lws_service(ctx, 0) >= 0)
		;
	for (n = 0; n < 5; n++)
		lws_service(ctx, -1);
	lws_context_destroy(ctx);
	printf("done\n");
	return 0;
}
