/*
 * Raw connections and adopted descriptors, one phase after the other:
 *  1. a pipe's read end adopted as a raw file (RAW_*_FILE)
 *  2. one end of a socketpair adopted as a raw socket, echoing
 *  3. one end of a socketpair adopted as HTTP with a request already read
 *  4. a RAW client connecting to an LWS_SERVER_OPTION_ONLY_RAW vhost
 *  5. a RAW client sending non-HTTP to a FALLBACK_TO_RAW http vhost
 *
 * Usage: raw <port1> <port2>. Prints one line per callback of interest.
 */
#include <libwebsockets.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <poll.h>

struct pss {
	char buf[64];
	int len;
	int client;
};

static struct lws_context *ctx;
static struct lws_vhost *vh_http, *vh_raw, *vh_plain;
static int phase_done;

static const char *
vname(struct lws *wsi)
{
	return lws_get_vhost_name(lws_get_vhost(wsi));
}

static void
done(void)
{
	phase_done = 1;
	lws_cancel_service(ctx);
}

static int
cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	void *in, size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_WSI_CREATE:
		printf("%s: http-proto wsi create\n", vname(wsi));
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		printf("%s: http-proto wsi destroy\n", vname(wsi));
		done();
		break;
	case LWS_CALLBACK_HTTP:
		printf("%s: http request '%s'\n", vname(wsi), (const char *)in);
		break;
	case LWS_CALLBACK_CLOSED_HTTP:
		printf("%s: closed http\n", vname(wsi));
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static int
cb_raw(struct lws *wsi, enum lws_callback_reasons reason, void *user,
       void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	char buf[128];
	ssize_t n;

	switch (reason) {
	case LWS_CALLBACK_WSI_CREATE:
		printf("%s: raw-proto wsi create\n", vname(wsi));
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		printf("%s: raw-proto wsi destroy\n", vname(wsi));
		break;
	case LWS_CALLBACK_HTTP_BIND_PROTOCOL:
		printf("%s: http bind, user %d\n", vname(wsi), !!user);
		break;
	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		printf("%s: http drop\n", vname(wsi));
		break;
	case LWS_CALLBACK_RAW_SKT_BIND_PROTOCOL:
		printf("%s: raw skt bind, user %d\n", vname(wsi), !!user);
		break;
	case LWS_CALLBACK_RAW_SKT_DROP_PROTOCOL:
		printf("%s: raw skt drop\n", vname(wsi));
		break;
	case LWS_CALLBACK_RAW_ADOPT:
		printf("%s: raw adopt, user %d\n", vname(wsi), !!user);
		break;
	case LWS_CALLBACK_RAW_CONNECTED:
		printf("%s: raw connected, user %d\n", vname(wsi), !!user);
		pss->client = 1;
		strcpy(pss->buf, "client-hello");
		pss->len = (int)strlen(pss->buf);
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("%s: client connection error '%s'\n", vname(wsi),
		       in ? (const char *)in : "");
		done();
		break;
	case LWS_CALLBACK_RAW_RX:
		printf("%s: raw rx %s '%.*s'\n", vname(wsi),
		       pss->client ? "client" : "server", (int)len,
		       (const char *)in);
		if (pss->client) {
			/* the echo came back: done with this connection */
			return -1;
		}
		if (len > sizeof(pss->buf) - 1)
			len = sizeof(pss->buf) - 1;
		memcpy(pss->buf, in, len);
		pss->len = (int)len;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_RAW_WRITEABLE:
		printf("%s: raw writeable %s\n", vname(wsi),
		       pss->client ? "client" : "server");
		if (!pss->len)
			break;
		memcpy(buf + LWS_PRE, pss->buf, (size_t)pss->len);
		if (lws_write(wsi, (unsigned char *)buf + LWS_PRE,
			      (size_t)pss->len, LWS_WRITE_RAW) != pss->len)
			return -1;
		pss->len = 0;
		if (!pss->client && !strncmp(pss->buf, "bye", 3))
			return lws_raw_transaction_completed(wsi);
		break;
	case LWS_CALLBACK_RAW_CLOSE:
		printf("%s: raw close %s%s\n", vname(wsi),
		       pss && pss->client ? "client" : "server",
		       lws_get_udp(wsi) ? " (udp)" : "");
		if (!pss || !pss->client || lws_get_udp(wsi))
			done();
		break;

	case LWS_CALLBACK_RAW_ADOPT_FILE:
		printf("%s: raw adopt file, user %d\n", vname(wsi), !!user);
		break;
	case LWS_CALLBACK_RAW_RX_FILE:
		n = read(lws_get_socket_fd(wsi), buf, sizeof(buf));
		printf("%s: raw rx file %d '%.*s'\n", vname(wsi), (int)n,
		       n > 0 ? (int)n : 0, buf);
		if (n == 0)
			return -1;
		break;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		printf("%s: raw close file\n", vname(wsi));
		done();
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", cb_http, 0, 0, 0, NULL, 0 },
	{ "raw-echo", cb_raw, sizeof(struct pss), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_protocol_vhost_options pvo_raw = {
	NULL, NULL, "raw", ""
};
static const struct lws_protocol_vhost_options pvo = {
	NULL, &pvo_raw, "raw-echo", ""
};

static void
run_phase(const char *name)
{
	int n = 0;

	printf("-- %s\n", name);
	while (!phase_done && n >= 0)
		n = lws_service(ctx, 0);
	/* let closes settle */
	for (n = 0; n < 3; n++)
		lws_service(ctx, -1);
	phase_done = 0;
}

/* services the context until the peer end `fd` has something to read */
static int
peer_read(int fd, char *buf, size_t len)
{
	struct pollfd pfd;
	int n;

	for (n = 0; n < 400; n++) {
		lws_service(ctx, -1);
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 5) == 1)
			return (int)read(fd, buf, len);
	}
	return -2;
}

static void
client(int port, const char *what)
{
	struct lws_client_connect_info i;

	memset(&i, 0, sizeof i);
	i.context = ctx;
	i.address = "127.0.0.1";
	i.port = port;
	i.host = i.address;
	i.method = "RAW";
	i.local_protocol_name = "raw-echo";
	i.vhost = vh_raw;
	if (!lws_client_connect_via_info(&i))
		printf("%s: connect failed\n", what);
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	lws_sock_file_fd_type fd;
	char resp[256];
	int p[2], sp[2], n;
	struct lws *w;

	if (argc < 3)
		return 1;
	alarm(30);
	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, NULL);

	memset(&info, 0, sizeof info);
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	ctx = lws_create_context(&info);
	if (!ctx)
		return 2;

	memset(&info, 0, sizeof info);
	info.port = atoi(argv[1]);
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.pvo = &pvo;
	info.vhost_name = "httpvh";
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6 |
		       LWS_SERVER_OPTION_FALLBACK_TO_RAW;
	vh_http = lws_create_vhost(ctx, &info);

	info.port = atoi(argv[2]);
	info.vhost_name = "rawvh";
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6 |
		       LWS_SERVER_OPTION_ONLY_RAW;
	info.listen_accept_role = "raw-skt";
	info.listen_accept_protocol = "raw-echo";
	vh_raw = lws_create_vhost(ctx, &info);

	/* serves only adopted sockets */
	info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
	info.vhost_name = "plainvh";
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	info.listen_accept_role = NULL;
	info.listen_accept_protocol = NULL;
	vh_plain = lws_create_vhost(ctx, &info);
	if (!vh_http || !vh_raw || !vh_plain)
		return 3;
	lws_service(ctx, -1);

	/* 1: a pipe */
	if (pipe(p))
		return 4;
	fd.filefd = p[0];
	w = lws_adopt_descriptor_vhost(vh_raw, LWS_ADOPT_RAW_FILE_DESC, fd,
				       "raw-echo", NULL);
	printf("adopted pipe %d\n", !!w);
	if (write(p[1], "pipe-data", 9) != 9)
		return 5;
	for (n = 0; n < 20; n++) {
		lws_service(ctx, -1);
		usleep(2000);
	}
	close(p[1]);
	run_phase("pipe");

	/* 2: a raw socket */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp))
		return 6;
	fd.sockfd = sp[0];
	w = lws_adopt_descriptor_vhost(vh_raw, LWS_ADOPT_SOCKET, fd,
				       "raw-echo", NULL);
	printf("adopted socket %d\n", !!w);
	if (write(sp[1], "sp-hello", 8) != 8)
		return 7;
	n = peer_read(sp[1], resp, sizeof resp);
	printf("peer got %d '%.*s'\n", n, n > 0 ? n : 0, resp);
	if (write(sp[1], "bye", 3) != 3)
		return 8;
	run_phase("raw socket");
	n = peer_read(sp[1], resp, sizeof resp);
	printf("peer got %d '%.*s'\n", n, n > 0 ? n : 0, resp);
	n = peer_read(sp[1], resp, sizeof resp);
	printf("peer then got %d\n", n);
	close(sp[1]);

	/* 3: HTTP with the request already read */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp))
		return 9;
	w = lws_adopt_socket_vhost_readbuf(vh_plain, sp[0],
			"GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", 35);
	printf("adopted http %d\n", !!w);
	n = peer_read(sp[1], resp, sizeof resp - 1);
	resp[n > 0 ? n : 0] = '\0';
	printf("peer got status line '%.*s'\n",
	       (int)(strchr(resp, '\r') ? strchr(resp, '\r') - resp : 0), resp);
	close(sp[1]);
	run_phase("http adopt");

	/* 4: RAW client to the raw-only vhost */
	client(atoi(argv[2]), "raw-only");
	run_phase("raw client to raw vhost");

	/* 5: RAW client to the http vhost with fallback */
	client(atoi(argv[1]), "fallback");
	run_phase("raw client to http vhost");

	/* 6: UDP, a bound "server" and a connected "client" */
	{
		struct lws *us, *uc;
		struct pss *cp;

		us = lws_create_adopt_udp(vh_raw, "127.0.0.1", atoi(argv[1]),
					  LWS_CAUDP_BIND, "raw-echo", NULL, NULL,
					  NULL, NULL);
		uc = lws_create_adopt_udp(vh_raw, "127.0.0.1", atoi(argv[1]), 0,
					  "raw-echo", NULL, NULL, NULL, NULL);
		printf("udp server %d client %d, udp record %d %d\n", !!us,
		       !!uc, us && lws_get_udp(us) != NULL,
		       uc && lws_get_udp(uc) != NULL);
		if (uc) {
			cp = (struct pss *)lws_wsi_user(uc);
			cp->client = 1;
			strcpy(cp->buf, "udp-hello");
			cp->len = 9;
			lws_callback_on_writable(uc);
		}
		run_phase("udp");
	}

	/* a descriptor that is not open */
	fd.sockfd = 1000;
	w = lws_adopt_descriptor_vhost(vh_raw, LWS_ADOPT_SOCKET, fd, NULL, NULL);
	printf("adopt bad fd %d\n", !!w);
	fd.sockfd = 0;
	w = lws_adopt_descriptor_vhost(vh_raw, LWS_ADOPT_SOCKET, fd,
				       "no-such-protocol", NULL);
	printf("adopt unknown protocol %d\n", !!w);

	lws_context_destroy(ctx);
	printf("done\n");
	return 0;
}
