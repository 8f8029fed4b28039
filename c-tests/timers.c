/*
 * Lists and timers: lws_dll2_*, lws_sul_* (context and program-owned
 * lists), lws_set_timer_usecs -> LWS_CALLBACK_TIMER on a server and a
 * client connection of the same context, and lws_retry_sul_schedule(_retry_wsi)
 * reconnecting a client to a refused port until the policy gives up.
 *
 * Usage: timers <free port> <refused port>. Prints one line per event; the
 * output must be the same on every library.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <time.h>
#include <unistd.h>

struct item {
	lws_dll2_t list;
	const char *name;
	int key;
};

static void
show(const char *what, lws_dll2_owner_t *o)
{
	printf("%s: count=%u", what, (unsigned)o->count);
	lws_start_foreach_dll(struct lws_dll2 *, p, lws_dll2_get_head(o)) {
		struct item *it = lws_container_of(p, struct item, list);
		printf(" %s%d", it->name, it->key);
	} lws_end_foreach_dll(p);
	if (o->head)
		printf(" head=%s tail=%s",
		       lws_container_of(o->head, struct item, list)->name,
		       lws_container_of(o->tail, struct item, list)->name);
	printf("\n");
}

static int
by_key(const lws_dll2_t *a, const lws_dll2_t *b)
{
	return lws_container_of(a, struct item, list)->key -
	       lws_container_of(b, struct item, list)->key;
}

static int
drop_even(struct lws_dll2 *d, void *user)
{
	struct item *it = lws_container_of(d, struct item, list);

	(*(int *)user)++;
	if (!(it->key & 1))
		lws_dll2_remove(d);
	return it->key == 7;
}

static void
lists(void)
{
	struct item a = { .name = "a", .key = 3 }, b = { .name = "b", .key = 1 },
		    c = { .name = "c", .key = 2 }, d = { .name = "d", .key = 4 },
		    e = { .name = "e", .key = 2 }, f = { .name = "f", .key = 7 },
		    g = { .name = "g", .key = 9 };
	lws_dll2_owner_t o, s;
	struct item *hit;
	int visits = 0, r;

	memset(&o, 0, sizeof o);
	memset(&s, 0, sizeof s);
	printf("detached a=%d\n", lws_dll2_is_detached(&a.list));
	lws_dll2_add_tail(&a.list, &o);
	lws_dll2_add_tail(&b.list, &o);
	lws_dll2_add_head(&c.list, &o);
	show("tail,tail,head", &o);
	printf("detached a=%d owner-ok=%d\n", lws_dll2_is_detached(&a.list),
	       lws_dll2_owner(&a.list) == &o);
	lws_dll2_add_before(&d.list, &b.list);
	lws_dll2_add_before(&e.list, &c.list);
	show("before b, before c", &o);
	lws_dll2_remove(&c.list);
	lws_dll2_remove(&c.list);
	show("remove c twice", &o);
	lws_dll2_remove(&e.list);
	lws_dll2_remove(&b.list);
	show("remove head and tail", &o);

	hit = lws_dll2_search_sz_pl(&o, "d", 1, struct item, list, name);
	printf("search d: %s\n", hit ? hit->name : "none");
	hit = lws_dll2_search_sz_pl(&o, "dx", 1, struct item, list, name);
	printf("search dx/1: %s\n", hit ? hit->name : "none");
	hit = lws_dll2_search_sz_pl(&o, "b", 1, struct item, list, name);
	printf("search b: %s\n", hit ? hit->name : "none");

	lws_dll2_add_sorted(&g.list, &s, by_key);
	lws_dll2_add_sorted(&b.list, &s, by_key);
	lws_dll2_add_sorted(&c.list, &s, by_key);
	lws_dll2_add_sorted(&e.list, &s, by_key);
	lws_dll2_add_sorted(&f.list, &s, by_key);
	show("sorted", &s);
	r = lws_dll2_foreach_safe(&s, &visits, drop_even);
	printf("foreach r=%d visits=%d\n", r, visits);
	show("even dropped until 7", &s);
	visits = 0;
	r = lws_dll2_foreach_safe(&s, &visits, drop_even);
	printf("foreach r=%d visits=%d\n", r, visits);

	lws_dll2_clear(&a.list);
	printf("cleared a detached=%d\n", lws_dll2_is_detached(&a.list));
	lws_dll2_owner_clear(&s);
	printf("owner cleared count=%u head=%p\n", (unsigned)s.count,
	       (void *)lws_dll2_get_head(&s));
}

/* ---- timers on the context ---- */

static struct lws_context *ctx;
static lws_sorted_usec_list_t s1, s2, s3, s4, s5, s6;
static int fired, s2_runs;
static lws_usec_t t0;

static void
sul_cb(lws_sorted_usec_list_t *sul)
{
	const char *n = sul == &s1 ? "s1" : sul == &s2 ? "s2" : sul == &s3 ?
			"s3" : sul == &s4 ? "s4" : sul == &s5 ? "s5" : "s6";

	printf("fired %s late=%d detached=%d us=%lld\n", n,
	       lws_now_usecs() - t0 >= 0, lws_dll2_is_detached(&sul->list),
	       (long long)sul->us);
	/* 4.1.6 runs due timers before it waits: wake the loop so it sees */
	if (++fired == 7)
		lws_cancel_service(ctx);
	if (sul == &s2 && ++s2_runs < 3)
		lws_sul_schedule(ctx, 0, &s2, sul_cb, 30 * LWS_US_PER_MS);
}

static void
context_timers(void)
{
	lws_usec_t e = 0;
	int n;

	t0 = lws_now_usecs();
	printf("earliest none=%d\n", lws_sul_earliest_wakeable_event(ctx, &e));
	lws_sul_schedule(ctx, 0, &s1, sul_cb, 300 * LWS_US_PER_MS);
	lws_sul_schedule(ctx, 0, &s2, sul_cb, 50 * LWS_US_PER_MS);
	lws_sul_schedule(ctx, 0, &s3, sul_cb, 200 * LWS_US_PER_MS);
	lws_sul_schedule(ctx, 0, &s4, sul_cb, 150 * LWS_US_PER_MS);
	lws_sul_schedule_wakesuspend(ctx, 0, &s5, sul_cb, 250 * LWS_US_PER_MS);
	/* absolute time, on the ordinary list */
	s6.cb = sul_cb;
	s6.us = lws_now_usecs() + 270 * LWS_US_PER_MS;
	lws_sul2_schedule(ctx, 0, LWSSULLI_MISS_IF_SUSPENDED, &s6);
	printf("scheduled detached=%d%d%d%d%d%d\n",
	       lws_dll2_is_detached(&s1.list), lws_dll2_is_detached(&s2.list),
	       lws_dll2_is_detached(&s3.list), lws_dll2_is_detached(&s4.list),
	       lws_dll2_is_detached(&s5.list), lws_dll2_is_detached(&s6.list));
	n = lws_sul_earliest_wakeable_event(ctx, &e);
	printf("earliest r=%d is-s5=%d\n", n, e == s5.us);
	lws_sul_cancel(&s4);
	lws_sul_cancel(&s4);
	printf("cancelled s4 detached=%d us=%lld\n",
	       lws_dll2_is_detached(&s4.list), (long long)s4.us);
	/* rescheduling moves it: s3 now comes after s1 */
	lws_sul_schedule(ctx, 0, &s3, sul_cb, 320 * LWS_US_PER_MS);
	lws_sul_schedule(ctx, 0, &s1, sul_cb, LWS_SET_TIMER_USEC_CANCEL);
	lws_sul_schedule(ctx, 0, &s1, sul_cb, 310 * LWS_US_PER_MS);
	while (fired < 7)
		if (lws_service(ctx, 0) < 0)
			break;
	n = lws_sul_earliest_wakeable_event(ctx, &e);
	printf("after: fired=%d earliest none=%d took>=320ms=%d\n", fired, n,
	       lws_now_usecs() - t0 >= 320 * LWS_US_PER_MS);
}

/* ---- timers on program-owned lists ---- */

static int own_fired;

static void
own_cb(lws_sorted_usec_list_t *sul)
{
	printf("own fired us=%lld\n", (long long)sul->us);
	own_fired++;
}

static void
own_lists(void)
{
	/* room before the owners, zeroed, for libraries that look there */
	static char arena[65536];
	lws_dll2_owner_t *own = (lws_dll2_owner_t *)
			(arena + sizeof(arena) - 2 * sizeof(lws_dll2_owner_t));
	lws_sorted_usec_list_t a, b, c;
	lws_usec_t r;

	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	memset(&c, 0, sizeof c);
	a.cb = b.cb = c.cb = own_cb;
	a.us = 100;
	b.us = 50;
	c.us = 70;
	__lws_sul_insert(&own[0], &a);
	__lws_sul_insert(&own[0], &b);
	__lws_sul_insert(&own[1], &c);
	printf("own counts %u %u\n", (unsigned)own[0].count,
	       (unsigned)own[1].count);
	r = __lws_sul_service_ripe(own, 2, 60);
	printf("ripe@60 -> %lld\n", (long long)r);
	r = __lws_sul_service_ripe(own, 2, 100);
	printf("ripe@100 -> %lld fired=%d\n", (long long)r, own_fired);
	r = __lws_sul_service_ripe(own, 2, 1000);
	printf("ripe@1000 -> %lld\n", (long long)r);
}

/* ---- LWS_CALLBACK_TIMER, and retries ---- */

static int srv_timers, done_conn, retry_done, port, refused_port;
static lws_sorted_usec_list_t sul_retry;
static uint16_t retry_count;
static const uint32_t backoff[] = { 20, 40 };
static const lws_retry_bo_t retry = {
	.retry_ms_table = backoff,
	.retry_ms_table_count = 2,
	.conceal_count = 3,
};

static void connect_refused(lws_sorted_usec_list_t *sul);

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
   size_t len)
{
	(void)in;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		printf("server established\n");
		*(int *)user = 1;
		lws_set_timer_usecs(wsi, 150 * LWS_US_PER_MS);
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("client established\n");
		*(int *)user = 2;
		/* replaced by the next call: fires once, soon */
		lws_set_timer_usecs(wsi, 5 * LWS_USEC_PER_SEC);
		lws_set_timer_usecs(wsi, 20 * LWS_US_PER_MS);
		break;
	case LWS_CALLBACK_TIMER:
		if (*(int *)user == 2) {
			printf("client timer\n");
			return 0;
		}
		srv_timers++;
		printf("server timer %d\n", srv_timers);
		if (srv_timers < 3) {
			lws_set_timer_usecs(wsi, 30 * LWS_US_PER_MS);
			return 0;
		}
		printf("server timer asks to close\n");
		return -1;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		printf("peer close frame len=%d\n", (int)len);
		break;
	case LWS_CALLBACK_CLOSED:
		printf("server closed\n");
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		printf("client closed\n");
		done_conn = 1;
		lws_cancel_service(ctx);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("client connection error (try %d)\n", retry_count);
		if (lws_retry_sul_schedule_retry_wsi(wsi, &sul_retry,
						     connect_refused,
						     &retry_count)) {
			printf("retries exhausted at %d\n", retry_count);
			retry_done = 1;
			lws_cancel_service(ctx);
		} else
			printf("retry scheduled, try %d, detached=%d\n",
			       retry_count,
			       lws_dll2_is_detached(&sul_retry.list));
		break;
	default:
		break;
	}
	fflush(stdout);
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "t", cb, sizeof(int), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
connect_refused(lws_sorted_usec_list_t *sul)
{
	struct lws_client_connect_info i;

	(void)sul;
	memset(&i, 0, sizeof i);
	i.context = ctx;
	i.address = "127.0.0.1";
	i.port = refused_port;
	i.path = "/";
	i.host = i.address;
	i.protocol = "t";
	i.retry_and_idle_policy = &retry;
	if (!lws_client_connect_via_info(&i))
		printf("connect returned NULL\n");
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info i;
	uint16_t ctry = 0;
	int n;

	if (argc < 3)
		return 1;
	alarm(30);
	port = atoi(argv[1]);
	refused_port = atoi(argv[2]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, NULL);
	lists();

	memset(&info, 0, sizeof info);
	info.port = port;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	ctx = lws_create_context(&info);
	if (!ctx)
		return 2;
	printf("now_secs ok=%d\n", labs((long)lws_now_secs() - (long)time(NULL)) <= 1);
	context_timers();
	own_lists();

	/* retry helper without a wsi: conceal_count 3 allows 3 schedules */
	for (n = 0; n < 5; n++) {
		int r = lws_retry_sul_schedule(ctx, 0, &s1, &retry, sul_cb, &ctry);
		printf("retry_sul_schedule r=%d ctry=%d\n", r, ctry);
	}
	lws_sul_cancel(&s1);
	printf("no policy r=%d\n",
	       lws_retry_sul_schedule(ctx, 0, &s1, NULL, sul_cb, &ctry));
	lws_sul_cancel(&s1);

	memset(&i, 0, sizeof i);
	i.context = ctx;
	i.address = "127.0.0.1";
	i.port = port;
	i.path = "/";
	i.host = i.address;
	i.protocol = "t";
	lws_client_connect_via_info(&i);
	while (!done_conn && lws_service(ctx, 0) >= 0)
		;
	/* a few passes to let the server side finish */
	for (n = 0; n < 5; n++)
		lws_service(ctx, -1);

	connect_refused(NULL);
	while (!retry_done && lws_service(ctx, 0) >= 0)
		;
	lws_context_destroy(ctx);
	printf("done\n");
	return 0;
}
