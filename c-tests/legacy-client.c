/*
 * legacy-client.c - a client written against the libwebsockets 1.x names
 * (libwebsocket_client_connect, libwebsocket_client_connect_extended,
 * six-argument callback); driven by tests/legacy.rs against
 * legacy-server.c.
 *
 *   legacy-client PORT
 *
 * Prints:
 *   service0 nowait=0|1        libwebsocket_service(context, 0) on an idle
 *                              context returned at once, as 1.x documented
 *   random ok=0|1              libwebsockets_get_random filled 16 bytes
 *   established conn=plain|extended context_ok=0|1 userdata_ok=0|1
 *   rx conn=plain|extended: TEXT
 *   closed conn=...
 *   error: REASON
 *   done
 *
 * Two connections, one from each connect call; each sends
 * "hello from <conn>" and closes once the echo arrives.  Exits 0 when both
 * echoes came back.
 */

#include "libwebsockets-legacy.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct per_session_data__client {
	int extended;
};

static struct libwebsocket_context *context;
/* the userdata of the extended connection: used as its user space */
static struct per_session_data__client extended_pss = { 1 };
static int done, failed, echoes;

static const char *
conn_name(const struct per_session_data__client *pss)
{
	return pss && pss->extended ? "extended" : "plain";
}

static int
callback_client(struct libwebsocket_context *ctx, struct libwebsocket *wsi,
		enum libwebsocket_callback_reasons reason, void *user,
		void *in, size_t len)
{
	struct per_session_data__client *pss =
			(struct per_session_data__client *)user;
	unsigned char buf[LWS_SEND_BUFFER_PRE_PADDING + 64 +
			  LWS_SEND_BUFFER_POST_PADDING];
	int n;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("established conn=%s context_ok=%d userdata_ok=%d\n",
		       conn_name(pss), ctx == context,
		       pss->extended ? pss == &extended_pss :
				       pss != &extended_pss);
		libwebsocket_callback_on_writable(ctx, wsi);
		break;

	case LWS_CALLBACK_CLIENT_WRITEABLE:
		n = sprintf((char *)&buf[LWS_SEND_BUFFER_PRE_PADDING],
			    "hello from %s", conn_name(pss));
		if (libwebsocket_write(wsi, &buf[LWS_SEND_BUFFER_PRE_PADDING],
				       (size_t)n, LWS_WRITE_TEXT) < n)
			return -1;
		break;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf("rx conn=%s: %.*s\n", conn_name(pss), (int)len,
		       (const char *)in);
		if (++echoes == 2)
			done = 1;
		return -1;

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("error: %s\n", in ? (const char *)in : "(null)");
		failed = done = 1;
		break;

	case LWS_CALLBACK_CLIENT_CLOSED:
		printf("closed conn=%s\n", conn_name(pss));
		break;

	default:
		break;
	}

	return 0;
}

LWS_LEGACY_CALLBACK(callback_client_v5, callback_client);

static struct libwebsocket_protocols protocols[] = {
	{ "legacy-echo", callback_client_v5,
	  sizeof(struct per_session_data__client), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static long
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);

	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	unsigned char random_bytes[16];
	long t0;
	int port;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: legacy-client PORT\n");
		return 1;
	}
	port = atoi(argv[1]);
	alarm(20);	/* never hang a test run */

	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;

	context = libwebsocket_create_context(&info);
	if (context == NULL) {
		fprintf(stderr, "libwebsocket init failed\n");
		return 1;
	}

	t0 = ms_now();
	libwebsocket_service(context, 0);
	printf("service0 nowait=%d\n", ms_now() - t0 < 1000);

	printf("random ok=%d\n",
	       libwebsockets_get_random(context, random_bytes,
					sizeof(random_bytes)) ==
					(int)sizeof(random_bytes));

	if (!libwebsocket_client_connect(context, "127.0.0.1", port, 0, "/",
					 "127.0.0.1", "http://127.0.0.1",
					 "legacy-echo", -1)) {
		printf("error: libwebsocket_client_connect\n");
		return 1;
	}
	/* no host: 1.x used the address */
	if (!libwebsocket_client_connect_extended(context, "127.0.0.1", port,
						  0, "/", NULL, NULL,
						  "legacy-echo", -1,
						  &extended_pss)) {
		printf("error: libwebsocket_client_connect_extended\n");
		return 1;
	}

	while (!done)
		if (libwebsocket_service(context, 50) < 0)
			break;

	libwebsocket_context_destroy(context);
	printf("done\n");

	return failed || echoes != 2;
}
