/*
 * lws_callback_on_writable() called from another thread, which lws 4.1.6
 * allows with its default poll() loop (README.coding.md, "Libwebsockets is
 * singlethreaded"): the service thread must wake and issue WRITEABLE.
 *
 * usage: foreign-writable PORT1 PORT2 PORT3
 *
 * A server and a client share one context. Once the server's connection is
 * established, a worker thread asks for WRITEABLE on it ROUNDS times; each
 * WRITEABLE sends one message, and the worker waits (1 s at most) for the
 * client to receive it before the next round. Three ways, one per port:
 *
 *   cancel     lws_callback_on_writable(), then lws_cancel_service() to
 *              wake the service thread (rtpengine 10.5)
 *   thread-id  lws_callback_on_writable() alone; protocols[0] answers
 *              LWS_CALLBACK_GET_THREAD_ID, so lws sees a foreign thread
 *              and wakes the service thread itself
 *   locked     the service loop holds a lock around lws_service(); the
 *              worker takes a second lock, calls lws_cancel_service(),
 *              takes the service lock (lws_service() has returned), then
 *              lws_callback_on_writable() (later rtpengine)
 *
 * Prints what the client receives; exits 1 when a round times out.
 */
#include <libwebsockets.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ROUNDS 20

static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t service_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t callback_lock = PTHREAD_MUTEX_INITIALIZER;

static struct lws_context *ctx;
static struct lws *server_wsi;
enum mode { CANCEL, THREAD_ID, LOCKED };
static const char *const mode_name[] = { "cancel", "thread-id", "locked" };
static enum mode mode;
static int sent, received, done;

static int
callback_http(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	if (reason == LWS_CALLBACK_GET_THREAD_ID)
		return mode == THREAD_ID || mode == LOCKED ?
				(int)(long)pthread_self() : 0;

	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static int
callback_fw(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	    void *in, size_t len)
{
	unsigned char buf[LWS_PRE + 32];
	int n;

	(void)user;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		pthread_mutex_lock(&mtx);
		server_wsi = wsi;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&mtx);
		break;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		pthread_mutex_lock(&mtx);
		n = lws_snprintf((char *)buf + LWS_PRE, 32, "msg %d", sent++);
		pthread_mutex_unlock(&mtx);
		if (lws_write(wsi, buf + LWS_PRE, (size_t)n, LWS_WRITE_TEXT) < n)
			return -1;
		break;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf("%s: client got %.*s\n", mode_name[mode], (int)len,
		       (const char *)in);
		fflush(stdout);
		pthread_mutex_lock(&mtx);
		received++;
		pthread_cond_broadcast(&cond);
		pthread_mutex_unlock(&mtx);
		break;

	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("client connection error: %s\n",
		       in ? (const char *)in : "(null)");
		exit(1);

	default:
		break;
	}

	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", callback_http, 0, 0, 0, NULL, 0 },
	{ "fw", callback_fw, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* waits until pred() or 1 s passed; returns 0 when it came true */
static int
wait_for(int (*pred)(int), int arg)
{
	struct timespec ts;
	int r = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 1;
	pthread_mutex_lock(&mtx);
	while (!pred(arg) && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&cond, &mtx, &ts);
	r = pred(arg) ? 0 : -1;
	pthread_mutex_unlock(&mtx);

	return r;
}

static int
have_server(int unused)
{
	(void)unused;
	return server_wsi != NULL;
}

static int
received_more_than(int n)
{
	return received > n;
}

static void *
worker(void *arg)
{
	int i;

	(void)arg;
	if (wait_for(have_server, 0)) {
		printf("no connection\n");
		exit(1);
	}
	for (i = 0; i < ROUNDS; i++) {
		/* let the service thread settle into its wait */
		usleep(10000);
		switch (mode) {
		case CANCEL:
			lws_callback_on_writable(server_wsi);
			lws_cancel_service(ctx);
			break;
		case THREAD_ID:
			lws_callback_on_writable(server_wsi);
			break;
		case LOCKED:
			pthread_mutex_lock(&callback_lock);
			lws_cancel_service(ctx);
			pthread_mutex_lock(&service_lock);
			lws_callback_on_writable(server_wsi);
			pthread_mutex_unlock(&service_lock);
			pthread_mutex_unlock(&callback_lock);
			break;
		}

		if (wait_for(received_more_than, i)) {
			printf("%s: round %d: nothing within 1 s\n",
			       mode_name[mode], i);
			exit(1);
		}
	}
	pthread_mutex_lock(&mtx);
	done = 1;
	pthread_mutex_unlock(&mtx);
	lws_cancel_service(ctx);

	return NULL;
}

static int
is_done(void)
{
	int d;

	pthread_mutex_lock(&mtx);
	d = done;
	pthread_mutex_unlock(&mtx);

	return d;
}

static int
run(int port)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info cc;
	pthread_t t;

	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	ctx = lws_create_context(&info);
	if (!ctx)
		return 1;

	memset(&cc, 0, sizeof(cc));
	cc.context = ctx;
	cc.address = "127.0.0.1";
	cc.port = port;
	cc.path = "/";
	cc.host = "127.0.0.1";
	cc.origin = "127.0.0.1";
	cc.protocol = "fw";
	if (!lws_client_connect_via_info(&cc))
		return 1;

	server_wsi = NULL;
	sent = received = done = 0;
	pthread_create(&t, NULL, worker, NULL);
	while (!is_done()) {
		pthread_mutex_lock(&service_lock);
		lws_service(ctx, 0);
		pthread_mutex_unlock(&service_lock);
		/* lets a locked worker in between two service calls */
		pthread_mutex_lock(&callback_lock);
		pthread_mutex_unlock(&callback_lock);
	}
	pthread_join(t, NULL);
	lws_context_destroy(ctx);
	printf("%s: %d rounds\n", mode_name[mode], received);

	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 4)
		return 1;
	lws_set_log_level(LLL_ERR, NULL);

	for (mode = CANCEL; mode <= LOCKED; mode++)
		if (run(atoi(argv[1 + mode])))
			return 1;

	return 0;
}
