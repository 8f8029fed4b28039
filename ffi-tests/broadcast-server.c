/*
 * A broadcast server in the style of lws's minimal examples: every message
 * a client sends goes to all clients through an lws_ring (one tail per
 * client), and "tick" starts an lws_sul timer that broadcasts three ticks.
 *
 * Usage: broadcast-server <port> svc|ext
 *   svc  serve with lws_service()
 *   ext  serve from the program's own poll() array, kept current by the
 *        LWS_CALLBACK_*_POLL_FD callbacks (only with an lws built with
 *        LWS_WITH_EXTERNAL_POLL); lines about that start with "ext:".
 *
 * Prints one line per event; "quit" from a client ends it.
 */
#include <libwebsockets.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct msg {
	char *payload; /* LWS_PRE bytes of headroom, then the text */
	size_t len;
};

struct pss {
	struct pss *next;
	struct lws *wsi;
	uint32_t tail;
	int id, sent, rcvd;
};

struct vhd {
	struct lws_context *context;
	struct lws_vhost *vhost;
	const struct lws_protocols *protocol;
	struct lws_ring *ring;
	struct pss *list;
	lws_sorted_usec_list_t sul;
	int ticks, conns;
};

static int done, ext_mode;

/* the program's own poll array */
#define MAX_FDS 256
static struct pollfd fds[MAX_FDS];
static int nfds, ext_adds, ext_dels, ext_changes, ext_unknown, ext_locks;

static void
destroy_msg(void *_m)
{
	struct msg *m = _m;

	free(m->payload);
	m->payload = NULL;
}

static int
broadcast(struct vhd *v, const char *text, size_t len)
{
	struct msg m;

	if (!lws_ring_get_count_free_elements(v->ring)) {
		printf("ring full\n");
		return 1;
	}
	m.payload = malloc(LWS_PRE + len);
	if (!m.payload)
		return 1;
	memcpy(m.payload + LWS_PRE, text, len);
	m.len = len;
	if (!lws_ring_insert(v->ring, &m, 1)) {
		destroy_msg(&m);
		return 1;
	}
	lws_callback_on_writable_all_protocol_vhost(v->vhost, v->protocol);
	return 0;
}

static void
tick(lws_sorted_usec_list_t *sul)
{
	struct vhd *v = lws_container_of(sul, struct vhd, sul);
	char buf[32];
	int n;

	n = snprintf(buf, sizeof buf, "tick %d", ++v->ticks);
	printf("timer: %s\n", buf);
	broadcast(v, buf, (size_t)n);
	if (v->ticks < 3)
		lws_sul_schedule(v->context, 0, &v->sul, tick, 30 * LWS_US_PER_MS);
}

static struct pollfd *
find_fd(int fd)
{
	int n;

	for (n = 0; n < nfds; n++)
		if (fds[n].fd == fd)
			return &fds[n];
	return NULL;
}

static int
cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	void *in, size_t len)
{
	struct lws_pollargs *pa = (struct lws_pollargs *)in;
	struct pollfd *p;

	switch (reason) {
	case LWS_CALLBACK_LOCK_POLL:
	case LWS_CALLBACK_UNLOCK_POLL:
		ext_locks++;
		return 0;
	case LWS_CALLBACK_ADD_POLL_FD:
		if (find_fd(pa->fd) || nfds == MAX_FDS) {
			ext_unknown++;
			return 0;
		}
		fds[nfds].fd = pa->fd;
		fds[nfds].events = (short)pa->events;
		fds[nfds].revents = 0;
		nfds++;
		ext_adds++;
		return 0;
	case LWS_CALLBACK_DEL_POLL_FD:
		p = find_fd(pa->fd);
		if (!p) {
			ext_unknown++;
			return 0;
		}
		*p = fds[--nfds];
		ext_dels++;
		return 0;
	case LWS_CALLBACK_CHANGE_MODE_POLL_FD:
		p = find_fd(pa->fd);
		if (!p || p->events != pa->prev_events) {
			ext_unknown++;
			return 0;
		}
		p->events = (short)pa->events;
		ext_changes++;
		return 0;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static int
cb_bcast(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	 void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	struct vhd *v = (struct vhd *)lws_protocol_vh_priv_get(
			lws_get_vhost(wsi), lws_get_protocol(wsi));
	const struct msg *m;
	char buf[600];
	int n;

	switch (reason) {
	case LWS_CALLBACK_PROTOCOL_INIT:
		v = lws_protocol_vh_priv_zalloc(lws_get_vhost(wsi),
				lws_get_protocol(wsi), sizeof(struct vhd));
		v->context = lws_get_context(wsi);
		v->vhost = lws_get_vhost(wsi);
		v->protocol = lws_get_protocol(wsi);
		v->ring = lws_ring_create(sizeof(struct msg), 8, destroy_msg);
		printf("protocol init, ring free %u\n",
		       (unsigned)lws_ring_get_count_free_elements(v->ring));
		break;
	case LWS_CALLBACK_PROTOCOL_DESTROY:
		if (!v)
			break;
		lws_sul_cancel(&v->sul);
		printf("protocol destroy, waiting %u\n",
		       (unsigned)lws_ring_get_count_waiting_elements(v->ring, NULL));
		lws_ring_destroy(v->ring);
		break;
	case LWS_CALLBACK_ESTABLISHED:
		lws_ll_fwd_insert(pss, next, v->list);
		pss->wsi = wsi;
		pss->tail = lws_ring_get_oldest_tail(v->ring);
		pss->id = ++v->conns;
		printf("established %d\n", pss->id);
		break;
	case LWS_CALLBACK_CLOSED:
		lws_ll_fwd_remove(struct pss, next, pss, v->list);
		printf("closed %d sent=%d rcvd=%d\n", pss->id, pss->sent,
		       pss->rcvd);
		break;
	case LWS_CALLBACK_RECEIVE:
		pss->rcvd++;
		if (len == 4 && !memcmp(in, "quit", 4)) {
			printf("quit from %d\n", pss->id);
			done = 1;
			lws_cancel_service(v->context);
			break;
		}
		if (len == 4 && !memcmp(in, "tick", 4)) {
			printf("ticks requested by %d\n", pss->id);
			v->ticks = 0;
			lws_sul_schedule(v->context, 0, &v->sul, tick,
					 30 * LWS_US_PER_MS);
			break;
		}
		n = snprintf(buf, sizeof buf, "%d: %.*s", pss->id,
			     (int)(len > 500 ? 500 : len), (const char *)in);
		printf("rx %d len %d\n", pss->id, (int)len);
		broadcast(v, buf, (size_t)n);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		m = lws_ring_get_element(v->ring, &pss->tail);
		if (!m)
			break;
		if (lws_write(wsi, (unsigned char *)m->payload + LWS_PRE, m->len,
			      LWS_WRITE_TEXT) < (int)m->len)
			return -1;
		pss->sent++;
		lws_ring_consume_and_update_oldest_tail(v->ring, struct pss,
				&pss->tail, 1, v->list, tail, next);
		if (lws_ring_get_element(v->ring, &pss->tail))
			lws_callback_on_writable(wsi);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "http", cb_http, 0, 0, 0, NULL, 0 },
	{ "bcast", cb_bcast, sizeof(struct pss), 1024, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_protocol_vhost_options pvo_default = {
	NULL, NULL, "default", "1"
};
static const struct lws_protocol_vhost_options pvo = {
	NULL, &pvo_default, "bcast", ""
};

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *ctx;
	int n = 0, i, passes = 0;

	if (argc < 3)
		return 1;
	ext_mode = !strcmp(argv[2], "ext");
	alarm(30);
	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, NULL);

	memset(&info, 0, sizeof info);
	info.port = atoi(argv[1]);
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.pvo = &pvo;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	ctx = lws_create_context(&info);
	if (!ctx)
		return 2;
	printf("listening\n");

	while (n >= 0 && !done) {
		if (!ext_mode) {
			n = lws_service(ctx, 0);
			continue;
		}
		n = lws_service_adjust_timeout(ctx, 1000, 0);
		n = poll(fds, (nfds_t)nfds, n);
		if (n < 0)
			break;
		passes++;
		for (i = 0; i < nfds; i++) {
			if (!fds[i].revents)
				continue;
			/* a closed connection leaves a hole the last fd fills */
			n = lws_service_fd(ctx, &fds[i]);
			if (n < 0)
				break;
			if (n == 0 && fds[i].revents) {
				printf("ext: fd not served\n");
				break;
			}
		}
		n = lws_service_tsi(ctx, -1, 0);
	}
	if (ext_mode)
		printf("ext: adds=%d dels=%d changes>0=%d unknown=%d "
		       "locks-even=%d fds-left=%d passes>0=%d\n",
		       ext_adds, ext_dels, ext_changes > 0, ext_unknown,
		       !(ext_locks & 1), nfds, passes > 0);
	lws_context_destroy(ctx);
	if (ext_mode)
		printf("ext: after destroy fds-left=%d unknown=%d\n", nfds,
		       ext_unknown);
	printf("done\n");
	return 0;
}
