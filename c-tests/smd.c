/*
 * System message distribution: class filters, ordering, printf, alloc/free,
 * limits, and sends from another thread. Prints what the peers receive; the
 * output is the same on Debian's library and on ours.
 */
#include <libwebsockets.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static int received, interrupted;

static int
peer_cb(void *opaque, lws_smd_class_t _class, lws_usec_t timestamp,
	void *buf, size_t len)
{
	(void)timestamp;
	printf("%s class=%u len=%zu msg=%.*s\n", (const char *)opaque,
	       (unsigned int)_class, len, (int)len, (const char *)buf);
	fflush(stdout);
	if (++received == 6)
		interrupted = 1;
	return 0;
}

static void *
thread_send(void *arg)
{
	struct lws_context *ctx = arg;

	if (lws_smd_msg_printf(ctx, LWSSMDCL_NETWORK, "from-thread %d", 7))
		printf("thread printf failed\n");
	return NULL;
}

int main(void)
{
	struct lws_context_creation_info info;
	struct lws_context *ctx;
	struct lws_smd_peer *a, *b;
	pthread_t t;
	void *p;
	int loops = 0;

	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	ctx = lws_create_context(&info);
	if (!ctx)
		return 1;

	/* nobody listens yet: printf succeeds doing nothing, alloc refuses */
	printf("printf-no-listener=%d\n", lws_smd_msg_printf(ctx, LWSSMDCL_NETWORK, "x"));
	p = lws_smd_msg_alloc(ctx, LWSSMDCL_NETWORK, 4);
	printf("alloc-network=%s\n", p ? "ptr" : "NULL");
	lws_smd_msg_free(&p);

	a = lws_smd_register(ctx, "A", 0, LWSSMDCL_INTERACTION | LWSSMDCL_NETWORK, peer_cb);
	b = lws_smd_register(ctx, "B", 0, LWSSMDCL_NETWORK, peer_cb);
	printf("registered=%d\n", a && b);

	printf("printf-too-long=%d\n", lws_smd_msg_printf(ctx, LWSSMDCL_NETWORK,
			"%0500d", 1));

	p = lws_smd_msg_alloc(ctx, LWSSMDCL_INTERACTION, 5);
	memcpy(p, "hello", 5);
	printf("send=%d\n", lws_smd_msg_send(ctx, p));

	p = lws_smd_msg_alloc(ctx, LWSSMDCL_INTERACTION, 3);
	lws_smd_msg_free(&p);
	printf("freed=%s\n", p ? "no" : "yes");

	printf("printf=%d\n", lws_smd_msg_printf(ctx, LWSSMDCL_NETWORK, "net %s", "up"));
	/* a class nobody wants */
	printf("printf-unwanted=%d\n", lws_smd_msg_printf(ctx, LWSSMDCL_SYSTEM_STATE, "ignored"));

	while (received < 3 && loops++ < 100)
		lws_service(ctx, -1);

	lws_smd_unregister(b);
	pthread_create(&t, NULL, thread_send, ctx);
	pthread_join(t, NULL);
	printf("printf-after-unregister=%d\n", lws_smd_msg_printf(ctx, LWSSMDCL_NETWORK, "only A"));
	loops = 0;
	while (received < 5 && loops++ < 100)
		lws_service(ctx, 50);

	printf("received=%d\n", received);
	lws_smd_unregister(a);
	lws_context_destroy(ctx);
	(void)interrupted;
	return 0;
}
