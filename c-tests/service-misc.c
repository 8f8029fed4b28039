/*
 * Context and connection options:
 *   ka <port> [lo]   TCP keepalive (ka_time/ka_interval/ka_probes) on a
 *                    server and a client connection of one context, plus
 *                    opaque parent data, lws_get_network_wsi and
 *                    lws_wsi_tx_credit on them
 *   priv             uid/gid dropped after creating a listening context
 *   priv-explicit    the same with LWS_SERVER_OPTION_EXPLICIT_VHOSTS: the
 *                    drop waits for the first service
 *   ipv6 <port> [v4] a vhost on all addresses (only IPv4 with "v4":
 *                    LWS_SERVER_OPTION_DISABLE_IPV6), a client to ::1
 *   evlib            a context asking for an event library
 *   unix <path>      a vhost listening on a unix socket (path, or @name
 *                    for the abstract namespace) and a client using it
 * Prints one line per observation.
 */
#include <libwebsockets.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int done, unix_mode;
static struct lws_context *ctx;
static int parent_token;

static void
show_ka(const char *who, struct lws *wsi)
{
	int fd = lws_get_socket_fd(wsi), on = 0, idle = 0, intvl = 0, cnt = 0;
	socklen_t l = sizeof(int);

	getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, &l);
	l = sizeof(int);
	getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, &l);
	l = sizeof(int);
	getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, &l);
	l = sizeof(int);
	getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, &l);
	printf("%s: keepalive %d idle %d intvl %d cnt %d\n", who, !!on, idle,
	       intvl, cnt);
	l = sizeof(int);
	getsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &on, &l);
	printf("%s: user timeout %d\n", who, on);
	lws_set_opaque_parent_data(wsi, &parent_token);
	printf("%s: parent data %d network wsi self %d tx credit %d\n", who,
	       lws_get_opaque_parent_data(wsi) == &parent_token,
	       lws_get_network_wsi(wsi) == wsi,
	       lws_wsi_tx_credit(wsi, LWSTXCR_PEER_TO_US, 0));
}

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
   size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		if (unix_mode) {
			printf("unix server established\n");
			break;
		}
		show_ka("server", wsi);
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (unix_mode) {
			printf("unix client established\n");
			lws_callback_on_writable(wsi);
			break;
		}
		show_ka("client", wsi);
		return -1;
	case LWS_CALLBACK_CLIENT_WRITEABLE: {
		unsigned char b[LWS_PRE + 8];

		memcpy(b + LWS_PRE, "ping-u", 6);
		lws_write(wsi, b + LWS_PRE, 6, LWS_WRITE_TEXT);
		break;
	}
	case LWS_CALLBACK_RECEIVE:
		printf("unix server got '%.*s'\n", (int)len, (const char *)in);
		return -1;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("client connection error\n");
		/* fallthrough */
	case LWS_CALLBACK_CLIENT_CLOSED:
		done = 1;
		lws_cancel_service(ctx);
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ "ka", cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
show_ids(const char *when)
{
	int uid = -5, gid = -5;

	lws_get_effective_uid_gid(ctx, &uid, &gid);
	printf("%s: uid %d gid %d, configured %d %d\n", when, (int)getuid(),
	       (int)getgid(), uid, gid);
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info i;

	if (argc < 2)
		return 1;
	alarm(20);
	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	info.iface = "127.0.0.1";

	if (!strcmp(argv[1], "ka") && argc > 2) {
		info.port = atoi(argv[2]);
		if (argc > 3) {
			/* listen on the loopback device by name, bound to it */
			info.iface = "lo";
			info.bind_iface = 1;
		}
		info.ka_time = 37;
		info.ka_interval = 7;
		info.ka_probes = 4;
		ctx = lws_create_context(&info);
		if (!ctx)
			return 2;
		memset(&i, 0, sizeof i);
		i.context = ctx;
		i.address = "127.0.0.1";
		i.port = info.port;
		i.host = i.address;
		i.path = "/";
		lws_client_connect_via_info(&i);
		while (!done && lws_service(ctx, 0) >= 0)
			;
	} else if (!strncmp(argv[1], "priv", 4)) {
		info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
		info.uid = 65534;
		info.gid = 65534;
		if (!strcmp(argv[1], "priv-explicit"))
			info.options |= LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
		ctx = lws_create_context(&info);
		if (!ctx)
			return 2;
		show_ids("created");
		lws_service(ctx, -1);
		show_ids("serviced");
	} else if (!strcmp(argv[1], "unix") && argc > 2) {
		char ads[128];

		unix_mode = 1;
		info.port = 0;
		info.iface = argv[2];
		info.options = LWS_SERVER_OPTION_UNIX_SOCK;
		ctx = lws_create_context(&info);
		if (!ctx)
			return 2;
		printf("unix listening, path exists %d\n",
		       argv[2][0] == '@' || !access(argv[2], F_OK));
		snprintf(ads, sizeof ads, "+%s", argv[2]);
		memset(&i, 0, sizeof i);
		i.context = ctx;
		i.address = ads;
		i.host = "localhost";
		i.path = "/";
		lws_client_connect_via_info(&i);
		while (!done && lws_service(ctx, 0) >= 0)
			;
		lws_context_destroy(ctx);
		ctx = NULL;
		printf("path exists after destroy %d\n",
		       argv[2][0] != '@' && !access(argv[2], F_OK));
	} else if (!strcmp(argv[1], "ipv6") && argc > 2) {
		info.port = atoi(argv[2]);
		info.iface = NULL;
		info.options = argc > 3 ? LWS_SERVER_OPTION_DISABLE_IPV6 : 0;
		unix_mode = 1;
		ctx = lws_create_context(&info);
		if (!ctx)
			return 2;
		{
			struct sockaddr_in6 a;
			int s6 = socket(AF_INET6, SOCK_STREAM, 0);

			memset(&a, 0, sizeof a);
			a.sin6_family = AF_INET6;
			a.sin6_port = htons((uint16_t)info.port);
			a.sin6_addr = in6addr_loopback;
			printf("plain connect to ::1: %s\n",
			       connect(s6, (struct sockaddr *)&a, sizeof a) ?
			       "refused" : "accepted");
			close(s6);
		}
		if (argc > 3)
			done = 1;
		memset(&i, 0, sizeof i);
		i.context = ctx;
		i.address = "::1";
		i.port = info.port;
		i.host = "localhost";
		i.path = "/";
		if (!done)
			lws_client_connect_via_info(&i);
		while (!done && lws_service(ctx, 0) >= 0)
			;
	} else if (!strcmp(argv[1], "evlib")) {
		info.port = CONTEXT_PORT_NO_LISTEN;
		info.options |= LWS_SERVER_OPTION_LIBUV;
		ctx = lws_create_context(&info);
		printf("libuv context %d\n", !!ctx);
	}
	if (ctx)
		lws_context_destroy(ctx);
	printf("done\n");
	return 0;
}
