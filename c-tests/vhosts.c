/*
 * Vhosts and the protocol API: LWS_SERVER_OPTION_EXPLICIT_VHOSTS with two
 * vhosts on their own ports and four sharing one port (chosen by the Host
 * header), per-vhost options (pvo) and private data, the vhosts' own
 * copies of the protocol tables, and the calls that reach every connection
 * of a protocol or vhost: lws_callback_all_protocol(_vhost(_args)),
 * lws_callback_vhost_protocols(_vhost), lws_callback_on_writable_all_
 * protocol_vhost, lws_rx_flow_allow_all_protocol; lws_set_wsi_user,
 * lws_adjust_protocol_psds, and lws_vhost_destroy of vhosts nothing is
 * bound to (from the main loop and from inside a callback: both finish at
 * once, PROTOCOL_DESTROY and info.finalize included). The clients are
 * in-process WebSocket clients on a listen-less vhost of their own.
 *
 * The all-connection calls get the vhosts' own protocol entries
 * (lws_get_protocol, lws_vhost_name_to_protocol): lws-rs also accepts the
 * program's table entries there, by name, and 4.1.6 does not.
 *
 * Usage: vhosts <port A> <port B> <shared port> [live]
 *
 * Prints one line per event (callbacks that happen in an order the
 * libraries may legitimately differ in are collected and printed sorted);
 * the output must be the same on every library. With "live", it also
 * destroys vhosts that still have connections: 4.1.6 never finishes that
 * (it does not mark the vhost as being destroyed, so its connections are
 * never closed), so that part is only checked on lws-rs.
 */
#include <libwebsockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* several of the calls under test are marked deprecated in 4.1.6 */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#define U_ALL (LWS_CALLBACK_USER + 0)	/* lws_callback_all_protocol(...) */
#define U_ARGS (LWS_CALLBACK_USER + 1)	/* ..._vhost_args, with an argument */
#define U_VHP (LWS_CALLBACK_USER + 2)	/* lws_callback_vhost_protocols */
#define U_VHPV (LWS_CALLBACK_USER + 3)	/* ..._vhost_protocols_vhost */
#define U_BCAST (LWS_CALLBACK_USER + 4)	/* arms a broadcast write */

static struct lws_context *ctx;
static struct lws_vhost *vha, *vhb, *vhs1, *vhs2, *vhs3, *vhs4, *vhc;
static int phase, phase_ready, done, live;

static const char *
vname(struct lws *wsi)
{
	return lws_get_vhost_name(lws_get_vhost(wsi));
}

/* the main loop moves to the next phase (outside any callback) */
static void
advance(void)
{
	phase_ready = 1;
	lws_cancel_service(ctx);
}

/* ---- lines collected while several things happen at once ---- */

static char *coll[64];
static int ncoll, want_coll;

static void
coll_add(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (ncoll < (int)LWS_ARRAY_SIZE(coll))
		coll[ncoll++] = strdup(buf);
	if (want_coll && ncoll == want_coll) {
		want_coll = 0;
		advance();
	}
}

static int
by_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
coll_flush(const char *what)
{
	int n;

	qsort(coll, (size_t)ncoll, sizeof coll[0], by_str);
	printf("%s: %d\n", what, ncoll);
	for (n = 0; n < ncoll; n++) {
		printf("  %s\n", coll[n]);
		free(coll[n]);
	}
	ncoll = 0;
}

/* wait for `n` collected lines, then advance */
static void
coll_expect(int n)
{
	ncoll = 0;
	want_coll = n;
}

/* ---- writing ---- */

static void
send_str(struct lws *wsi, const char *s)
{
	unsigned char buf[LWS_PRE + 128];
	size_t n = strlen(s);

	memcpy(buf + LWS_PRE, s, n);
	if (lws_write(wsi, buf + LWS_PRE, n, LWS_WRITE_TEXT) != (int)n)
		printf("write of %s failed\n", s);
}

/* ---- server side ---- */

struct vhd {
	char name[16];
	const char *greeting;
	int conns;
};

struct pss {
	int id;
	int flow_off, got_while_off;
	int bcast;
	char out[32];
};

static struct pss ext_pss, *pss_a;

static struct vhd *
vhd_of(struct lws *wsi)
{
	return lws_protocol_vh_priv_get(lws_get_vhost(wsi),
					lws_get_protocol(wsi));
}

static void
proto_init(struct lws *wsi, void *in, const char *pname)
{
	const char *g = "none", *lim = "none";
	struct vhd *v;
	int rg, rl;

	rg = lws_pvo_get_str(in, "greeting", &g);
	rl = lws_pvo_get_str(in, "limit", &lim);
	printf("%s init on %s pvo=%d greeting=%s(%d) limit=%s(%d) "
	       "search-missing-null=%d\n", pname, vname(wsi), !!in, g, rg,
	       lim, rl, lws_pvo_search(in, "zzz") == NULL);
	if (strcmp(pname, "chat"))
		return;
	v = lws_protocol_vh_priv_zalloc(lws_get_vhost(wsi),
					lws_get_protocol(wsi), sizeof(*v));
	if (!v)
		return;
	lws_strncpy(v->name, vname(wsi), sizeof v->name);
	v->greeting = rg ? "none" : g;
	printf("  priv-same=%d proto-is-vhost-copy=%d\n", vhd_of(wsi) == v,
	       lws_get_protocol(wsi) ==
			lws_vhost_name_to_protocol(lws_get_vhost(wsi), "chat"));
}

static int
cb_http(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	void *in, size_t len)
{
	switch ((int)reason) {
	case LWS_CALLBACK_PROTOCOL_INIT:
		proto_init(wsi, in, "http");
		return 0;
	case LWS_CALLBACK_PROTOCOL_DESTROY:
		printf("http destroy on %s\n", vname(wsi));
		return 0;
	case U_ALL:
		coll_add("http %s user-null=%d", vname(wsi), !user);
		return 0;
	case U_VHP:
		printf("  http vhp bound=%s user-null=%d in=%.*s\n",
		       lws_get_protocol(wsi)->name, !user, (int)len,
		       (const char *)in);
		return 0;
	case U_VHPV:
		printf("  http vhpv vhost=%s proto=%s user-null=%d\n",
		       vname(wsi), lws_get_protocol(wsi)->name, !user);
		return 0;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static int
cb_chat(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	struct vhd *v;
	char msg[64];
	int r;

	switch ((int)reason) {
	case LWS_CALLBACK_PROTOCOL_INIT:
		proto_init(wsi, in, "chat");
		break;
	case LWS_CALLBACK_PROTOCOL_DESTROY:
		v = vhd_of(wsi);
		printf("chat destroy on %s conns=%d\n", vname(wsi),
		       v ? v->conns : -1);
		break;
	case LWS_CALLBACK_ESTABLISHED:
		v = vhd_of(wsi);
		pss->id = v->conns++;
		printf("srv %s chat #%d established greeting=%s "
		       "proto-is-vhost-copy=%d protocol_get-same=%d vhd-name=%s\n",
		       vname(wsi), pss->id, v->greeting,
		       lws_get_protocol(wsi) ==
			   lws_vhost_name_to_protocol(lws_get_vhost(wsi), "chat"),
		       lws_protocol_get(wsi) == lws_get_protocol(wsi), v->name);
		if (lws_get_vhost(wsi) == vha && !pss_a)
			pss_a = pss;
		if (lws_get_vhost(wsi) != vhb)
			break;
		/* every protocol of the vhost, for this connection */
		r = lws_callback_vhost_protocols(wsi, U_VHP, (void *)"go", 2);
		printf("  vhost_protocols go -> %d\n", r);
		r = lws_callback_vhost_protocols(wsi, U_VHP, (void *)"stop", 4);
		printf("  vhost_protocols stop -> %d\n", r);
		/* the program takes over the user space */
		ext_pss = *pss;
		lws_set_wsi_user(wsi, &ext_pss);
		printf("  set_wsi_user wsi_user-is-ext=%d\n",
		       lws_wsi_user(wsi) == &ext_pss);
		break;
	case LWS_CALLBACK_RECEIVE:
		lws_snprintf(msg, sizeof msg, "%.*s", (int)len, (const char *)in);
		printf("srv %s chat #%d recv %s user-is-ext=%d\n", vname(wsi),
		       pss->id, msg, pss == &ext_pss);
		if (pss->flow_off)
			pss->got_while_off++;
		if (!strcmp(msg, "m1")) {
			lws_rx_flow_control(wsi, 0);
			pss->flow_off = 1;
			printf("  rx flow off\n");
		}
		if (!strcmp(msg, "destroy-vhs2")) {
			/* in 4.1.6 an empty vhost goes at once, even here */
			printf("destroy vhs2 (in a callback)\n");
			lws_vhost_destroy(vhs2);
			vhs2 = NULL;
			printf("destroyed vhs2: by_name-null=%d\n",
			       !lws_get_vhost_by_name(ctx, "vhs2"));
		}
		if (!strcmp(msg, "m1") || !strcmp(msg, "m3") ||
		    !strcmp(msg, "hi") || !strcmp(msg, "destroy-vhs2")) {
			lws_snprintf(pss->out, sizeof pss->out, "ack %s", msg);
			lws_callback_on_writable(wsi);
		}
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (pss->out[0]) {
			send_str(wsi, pss->out);
			pss->out[0] = '\0';
		} else if (pss->bcast) {
			pss->bcast = 0;
			lws_snprintf(msg, sizeof msg, "bcast %s #%d", vname(wsi),
				     pss->id);
			send_str(wsi, msg);
		}
		break;
	case LWS_CALLBACK_CLOSED:
		coll_add("srv %s chat #%d closed", vname(wsi), pss->id);
		break;
	case U_ALL:
		coll_add("chat %s #%d user-ok=%d", vname(wsi), pss->id,
			 user == lws_wsi_user(wsi));
		break;
	case U_ARGS:
		coll_add("chat %s #%d args=%.*s", vname(wsi), pss->id, (int)len,
			 (const char *)in);
		break;
	case U_BCAST:
		pss->bcast = 1;
		break;
	case U_VHP:
		printf("  chat vhp bound=%s user-null=%d in=%.*s\n",
		       lws_get_protocol(wsi)->name, !user, (int)len,
		       (const char *)in);
		return !strcmp((const char *)in, "stop");
	case U_VHPV:
		printf("  chat vhpv vhost=%s proto=%s user-null=%d\n",
		       vname(wsi), lws_get_protocol(wsi)->name, !user);
		return len == 4;
	}
	return 0;
}

static int
cb_quiet(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	 void *in, size_t len)
{
	void *p;

	switch ((int)reason) {
	case LWS_CALLBACK_PROTOCOL_INIT:
		proto_init(wsi, in, "quiet");
		break;
	case LWS_CALLBACK_PROTOCOL_DESTROY:
		printf("quiet destroy on %s\n", vname(wsi));
		break;
	case LWS_CALLBACK_ESTABLISHED:
		printf("srv %s quiet established user-null=%d psds=%d\n",
		       vname(wsi), !user,
		       (int)lws_get_protocol(wsi)->per_session_data_size);
		if (user || lws_get_vhost(wsi) != vhb)
			break;
		p = lws_adjust_protocol_psds(wsi, 32);
		printf("  adjusted user-ok=%d psds=%d\n",
		       p && p == lws_wsi_user(wsi),
		       (int)lws_get_protocol(wsi)->per_session_data_size);
		break;
	case LWS_CALLBACK_RECEIVE:
		printf("srv %s quiet recv %.*s user-ok=%d\n", vname(wsi),
		       (int)len, (const char *)in,
		       user && user == lws_wsi_user(wsi));
		break;
	case LWS_CALLBACK_CLOSED:
		coll_add("srv %s quiet closed", vname(wsi));
		break;
	case U_ALL:
		coll_add("quiet %s", vname(wsi));
		break;
	case U_VHP:
		printf("  quiet vhp bound=%s user-null=%d in=%.*s\n",
		       lws_get_protocol(wsi)->name, !user, (int)len,
		       (const char *)in);
		break;
	case U_VHPV:
		printf("  quiet vhpv vhost=%s proto=%s user-null=%d\n",
		       vname(wsi), lws_get_protocol(wsi)->name, !user);
		break;
	}
	return 0;
}

/* vha and vhb share this table; each vhost works on its own copy */
static struct lws_protocols t1[] = {
	{ "http", cb_http, 0, 0, 0, NULL, 0 },
	{ "chat", cb_chat, sizeof(struct pss), 128, 0, NULL, 0 },
	{ "quiet", cb_quiet, 0, 128, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* the vhosts on the shared port */
static struct lws_protocols t2[] = {
	{ "http", cb_http, 0, 0, 0, NULL, 0 },
	{ "chat", cb_chat, sizeof(struct pss), 128, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* ---- clients ---- */

struct client {
	const char *name, *host, *proto;
	int port;
	const char *q[4];	/* messages to send, in order */
	int qn, qi;
	struct lws *wsi;
	int open, closing, adv_on_est, close_on_est, allow_after_send;
};

static struct client cl[16];
static int ncl;
static lws_sorted_usec_list_t sul_allow;

static void
allow_due(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	advance();
}

static int
cb_cli(struct lws *wsi, enum lws_callback_reasons reason, void *user,
       void *in, size_t len)
{
	struct client *c = (struct client *)user;
	char msg[64];

	switch ((int)reason) {
	case LWS_CALLBACK_PROTOCOL_INIT:
		proto_init(wsi, in, "cli");
		break;
	case LWS_CALLBACK_PROTOCOL_DESTROY:
		printf("cli destroy on %s\n", vname(wsi));
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("cli %s connection error\n", c->name);
		advance();
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->open = 1;
		printf("cli %s established vhost=%s proto=%s\n", c->name,
		       vname(wsi), lws_get_protocol(wsi)->name);
		if (c->qn || c->close_on_est) {
			c->closing = c->close_on_est;
			lws_callback_on_writable(wsi);
		}
		if (c->adv_on_est)
			advance();
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		lws_snprintf(msg, sizeof msg, "%.*s", (int)len, (const char *)in);
		if (!strncmp(msg, "bcast", 5)) {
			coll_add("cli %s recv %s", c->name, msg);
			break;
		}
		printf("cli %s recv %s\n", c->name, msg);
		if (!strcmp(msg, "ack m1")) {
			c->q[c->qn++] = "m2";
			c->q[c->qn++] = "m3";
			c->allow_after_send = 1;
			lws_callback_on_writable(wsi);
		}
		if (!strcmp(msg, "ack m3") || !strcmp(msg, "ack hi") ||
		    !strcmp(msg, "ack destroy-vhs2"))
			advance();
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (c->qi < c->qn) {
			send_str(wsi, c->q[c->qi]);
			printf("cli %s sent %s\n", c->name, c->q[c->qi]);
			c->qi++;
			if (c->qi < c->qn || c->closing)
				lws_callback_on_writable(wsi);
			else if (c->allow_after_send) {
				c->allow_after_send = 0;
				lws_sul_schedule(ctx, 0, &sul_allow, allow_due,
						 200 * LWS_US_PER_MS);
			}
			break;
		}
		if (c->closing)
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		c->open = 0;
		coll_add("cli %s closed", c->name);
		break;
	case U_ALL:
		coll_add("cli %s user-is-mine=%d", c->name, user == c);
		break;
	}
	return 0;
}

static struct lws_protocols tc[] = {
	{ "cli", cb_cli, 0, 128, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static int port_a, port_b, port_s;

static struct client *
connect_client(const char *name, int port, const char *host, const char *proto)
{
	struct client *c = &cl[ncl++];
	struct lws_client_connect_info i;

	c->name = name;
	c->port = port;
	c->host = host;
	c->proto = proto;
	memset(&i, 0, sizeof i);
	i.context = ctx;
	i.vhost = vhc;
	i.address = "127.0.0.1";
	i.port = port;
	i.path = "/";
	i.host = host;
	i.origin = host;
	i.protocol = proto;
	i.local_protocol_name = "cli";
	i.userdata = c;
	i.pwsi = &c->wsi;
	if (!lws_client_connect_via_info(&i))
		printf("cli %s: connect returned NULL\n", name);
	return c;
}

/* closes the clients still open; both ends report (2 lines each) */
static void
close_open_clients(void)
{
	int n, k = 0;

	for (n = 0; n < ncl; n++)
		if (cl[n].open)
			k++;
	coll_expect(2 * k);
	for (n = 0; n < ncl; n++)
		if (cl[n].open) {
			cl[n].closing = 1;
			lws_callback_on_writable(cl[n].wsi);
		}
	if (!k)
		advance();
}

static void
close_one(struct client *c)
{
	c->closing = 1;
	lws_callback_on_writable(c->wsi);
}

/* ---- vhost creation and the queries ---- */

static const struct lws_protocol_vhost_options
	a_chat_lim = { NULL, NULL, "limit", "3" },
	a_chat_g = { &a_chat_lim, NULL, "greeting", "hello-a" },
	a_quiet_def = { NULL, NULL, "default", "1" },
	a_quiet = { NULL, &a_quiet_def, "quiet", "" },
	a_pvo = { &a_quiet, &a_chat_g, "chat", "" },
	b_chat_g = { NULL, NULL, "greeting", "hello-b" },
	b_quiet_def = { NULL, NULL, "default", "1" },
	b_quiet = { NULL, &b_quiet_def, "quiet", "" },
	b_pvo = { &b_quiet, &b_chat_g, "chat", "" },
	s1_g = { NULL, NULL, "greeting", "hello-s1" },
	s1_pvo = { NULL, &s1_g, "chat", "" },
	s2_g = { NULL, NULL, "greeting", "hello-s2" },
	s2_pvo = { NULL, &s2_g, "chat", "" },
	s3_g = { NULL, NULL, "greeting", "hello-s3" },
	s3_pvo = { NULL, &s3_g, "chat", "" },
	s4_g = { NULL, NULL, "greeting", "hello-s4" },
	s4_pvo = { NULL, &s4_g, "chat", "" };

static int tag_a, tag_b, tag_s;

static void
finalize(struct lws_vhost *vh, void *arg)
{
	printf("finalize %s arg-ok=%d\n", lws_get_vhost_name(vh),
	       !strcmp((const char *)arg, lws_get_vhost_name(vh)));
}

static struct lws_vhost *
mk_vhost(const char *name, int port, const char *iface,
	 const struct lws_protocols *p,
	 const struct lws_protocol_vhost_options *pvo, void *user)
{
	struct lws_context_creation_info info;
	struct lws_vhost *vh;

	memset(&info, 0, sizeof info);
	info.vhost_name = name;
	info.port = port;
	info.iface = iface;
	info.protocols = p;
	info.pvo = pvo;
	info.user = user;
	info.finalize = finalize;
	info.finalize_arg = (void *)name;
	printf("create %s\n", name);
	vh = lws_create_vhost(ctx, &info);
	if (!vh) {
		printf("create %s failed\n", name);
		exit(3);
	}
	return vh;
}

static void
show_vhost(struct lws_vhost *vh, void *tag)
{
	const char *iface = lws_get_vhost_iface(vh);
	int port = lws_get_vhost_port(vh);

	printf("vhost %s port=%s listen_port=%s iface=%s user-ok=%d\n",
	       lws_get_vhost_name(vh),
	       port == port_a ? "A" : port == port_b ? "B" :
	       port == port_s ? "S" : port == -1 ? "-1" : "other",
	       lws_get_vhost_listen_port(vh) == port ? "same" : "differs",
	       iface ? iface : "(null)",
	       lws_get_vhost_user(vh) == tag && lws_vhost_user(vh) == tag);
}

static void
queries(void)
{
	const struct lws_protocols *pa = lws_vhost_name_to_protocol(vha, "chat"),
				   *pb = lws_vhost_name_to_protocol(vhb, "chat");

	show_vhost(vha, &tag_a);
	show_vhost(vhb, &tag_b);
	show_vhost(vhs1, &tag_s);
	show_vhost(vhs2, &tag_s);
	show_vhost(vhs3, &tag_s);
	show_vhost(vhs4, &tag_s);
	show_vhost(vhc, NULL);
	printf("by_name vha=%d vhs2=%d cli=%d nope-null=%d\n",
	       lws_get_vhost_by_name(ctx, "vha") == vha,
	       lws_get_vhost_by_name(ctx, "vhs2") == vhs2,
	       lws_get_vhost_by_name(ctx, "cli") == vhc,
	       !lws_get_vhost_by_name(ctx, "nope"));
	printf("name_to_protocol chat-a-is-copy=%d a!=b=%d same-name=%d "
	       "quiet-on-s1-null=%d nope-null=%d\n",
	       pa && pa != &t1[1], pa != pb, pa && !strcmp(pa->name, "chat"),
	       !lws_vhost_name_to_protocol(vhs1, "quiet"),
	       !lws_vhost_name_to_protocol(vha, "nope"));
	printf("vh_priv a!=b=%d a-by-b's-entry=%d a-by-own-table=%d "
	       "quiet-null=%d null-vhost=%d null-prot=%d other-vhost's-name=%d\n",
	       lws_protocol_vh_priv_get(vha, pa) !=
			lws_protocol_vh_priv_get(vhb, pb),
	       lws_protocol_vh_priv_get(vha, pb) ==
			lws_protocol_vh_priv_get(vha, pa),
	       lws_protocol_vh_priv_get(vha, &t1[1]) ==
			lws_protocol_vh_priv_get(vha, pa),
	       !lws_protocol_vh_priv_get(vha,
				lws_vhost_name_to_protocol(vha, "quiet")),
	       !lws_protocol_vh_priv_get(NULL, pa),
	       !lws_protocol_vh_priv_get(vha, NULL),
	       !lws_protocol_vh_priv_get(vhs1,
				lws_vhost_name_to_protocol(vha, "quiet")));
	printf("count_threads=%d\n", lws_get_count_threads(ctx));
	/* nothing is bound to vhs4: it goes at once */
	printf("destroy vhs4\n");
	lws_vhost_destroy(vhs4);
	vhs4 = NULL;
	printf("destroyed vhs4: by_name-null=%d\n",
	       !lws_get_vhost_by_name(ctx, "vhs4"));
}

/* ---- the phases, run from the main loop ---- */

static void
step(void)
{
	const struct lws_protocols *p;
	int r;

	printf("-- phase %d\n", phase);
	switch (phase) {
	case 0: /* flow control on vha */
		cl[ncl].q[0] = "m1";
		cl[ncl].qn = 1;
		connect_client("a-chat", port_a, "vha", "chat");
		break;
	case 1:
		printf("allow all: got while off=%d\n",
		       pss_a ? pss_a->got_while_off : -1);
		if (pss_a)
			pss_a->flow_off = 0;
		lws_rx_flow_allow_all_protocol(ctx,
				lws_vhost_name_to_protocol(vha, "chat"));
		break;
	case 2: /* vhb: set_wsi_user, vhost_protocols */
		cl[ncl].q[0] = "hi";
		cl[ncl].qn = 1;
		connect_client("b-chat", port_b, "vhb", "chat");
		break;
	case 3: /* no protocol: vhb's default, "quiet", grows its psds */
		coll_expect(2);
		cl[ncl].q[0] = "q";
		cl[ncl].qn = 1;
		cl[ncl].close_on_est = 1;
		connect_client("b-quiet", port_b, "vhb", NULL);
		break;
	case 4:
		coll_flush("closed");
		/* vha's copy of "quiet" did not grow */
		coll_expect(2);
		cl[ncl].close_on_est = 1;
		connect_client("a-quiet", port_a, "vha", NULL);
		break;
	case 5:
		coll_flush("closed");
		/* vhb's copy did */
		coll_expect(2);
		cl[ncl].close_on_est = 1;
		connect_client("b-quiet2", port_b, "vhb", NULL);
		break;
	case 6:
		coll_flush("closed");
		cl[ncl].adv_on_est = 1;
		connect_client("s-vhs2", port_s, "vhs2", "chat");
		break;
	case 7:
		cl[ncl].adv_on_est = 1;
		connect_client("s-vhs1", port_s, "vhs1", "chat");
		break;
	case 8: /* wildcard-style match: *.vhs2 */
		cl[ncl].adv_on_est = 1;
		connect_client("s-www", port_s, "www.vhs2", "chat");
		break;
	case 9: /* no match: the first vhost on the port */
		cl[ncl].adv_on_est = 1;
		connect_client("s-other", port_s, "other", "chat");
		break;
	case 10:
		ncoll = 0;
		r = lws_callback_all_protocol(ctx,
				lws_vhost_name_to_protocol(vha, "chat"), U_ALL);
		coll_flush("all_protocol vha chat");
		printf("  -> %d\n", r);
		lws_callback_all_protocol(ctx,
				lws_vhost_name_to_protocol(vhs1, "chat"), U_ALL);
		coll_flush("all_protocol vhs1 chat");
		lws_callback_all_protocol(ctx,
				lws_vhost_name_to_protocol(vha, "http"), U_ALL);
		coll_flush("all_protocol vha http");
		lws_callback_all_protocol(ctx,
				lws_vhost_name_to_protocol(vha, "quiet"), U_ALL);
		coll_flush("all_protocol vha quiet");
		r = lws_callback_all_protocol_vhost(vhb, NULL, U_ALL);
		coll_flush("all_protocol_vhost vhb any");
		printf("  -> %d\n", r);
		lws_callback_all_protocol_vhost(vhc, NULL, U_ALL);
		coll_flush("all_protocol_vhost cli any");
		r = lws_callback_all_protocol_vhost_args(vhs2,
				lws_vhost_name_to_protocol(vhs2, "chat"), U_ARGS,
				(void *)"argz", 4);
		coll_flush("all_protocol_vhost_args vhs2 chat");
		printf("  -> %d\n", r);
		lws_callback_all_protocol_vhost_args(vhs1,
				lws_vhost_name_to_protocol(vhs2, "chat"), U_ARGS,
				(void *)"argz", 4);
		coll_flush("all_protocol_vhost_args vhs1 with vhs2's chat");

		printf("vhost_protocols_vhost vha:\n");
		r = lws_callback_vhost_protocols_vhost(vha, U_VHPV, (void *)"v", 1);
		printf("  -> %d\n", r);
		r = lws_callback_vhost_protocols_vhost(vha, U_VHPV,
						       (void *)"stop", 4);
		printf("  -> %d\n", r);

		/* broadcast on vha's and vhs2's chat */
		lws_callback_all_protocol_vhost(vha,
				lws_vhost_name_to_protocol(vha, "chat"), U_BCAST);
		lws_callback_all_protocol_vhost(vhs2,
				lws_vhost_name_to_protocol(vhs2, "chat"), U_BCAST);
		coll_expect(3);
		r = lws_callback_on_writable_all_protocol_vhost(vha,
				lws_vhost_name_to_protocol(vha, "chat"));
		printf("on_writable_all vha chat -> %d\n", r);
		r = lws_callback_on_writable_all_protocol_vhost(vhs2,
				lws_vhost_name_to_protocol(vhs2, "chat"));
		printf("on_writable_all vhs2 chat -> %d\n", r);
		r = lws_callback_on_writable_all_protocol_vhost(vha,
				lws_vhost_name_to_protocol(vhb, "chat"));
		printf("on_writable_all vha with vhb's chat -> %d\n", r);
		break;
	case 11:
		coll_flush("broadcast");
		/* empty vhs2, then destroy it */
		coll_expect(4);
		close_one(&cl[5]);
		close_one(&cl[7]);
		break;
	case 12:
		coll_flush("closed");
		/* the server destroys vhs2 when it gets this */
		cl[0].q[cl[0].qn++] = "destroy-vhs2";
		lws_callback_on_writable(cl[0].wsi);
		break;
	case 13:
		/* "vhs2" now falls back to the first vhost on the port */
		cl[ncl].adv_on_est = 1;
		connect_client("s-vhs2-again", port_s, "vhs2", "chat");
		break;
	case 14:
		if (!live) {
			advance();
			break;
		}
		/* vhb has b-chat connected: it closes, then PROTOCOL_DESTROY */
		coll_expect(2);
		printf("destroy vhb (live)\n");
		lws_vhost_destroy(vhb);
		vhb = NULL;
		printf("destroyed vhb: by_name-null=%d\n",
		       !lws_get_vhost_by_name(ctx, "vhb"));
		break;
	case 15:
		if (!live) {
			advance();
			break;
		}
		coll_flush("closed");
		/* its listener is gone */
		connect_client("b-gone", port_b, "vhb", "chat");
		break;
	case 16:
		if (!live) {
			advance();
			break;
		}
		/* vhs1 owns the shared listener: it passes to vhs3 */
		coll_expect(6);
		printf("destroy vhs1 (live)\n");
		lws_vhost_destroy(vhs1);
		vhs1 = NULL;
		break;
	case 17:
		if (!live) {
			advance();
			break;
		}
		coll_flush("closed");
		cl[ncl].adv_on_est = 1;
		connect_client("s-vhs1-again", port_s, "vhs1", "chat");
		break;
	case 18:
		p = lws_vhost_name_to_protocol(vha, "chat");
		printf("chat psds on vha is-pss=%d\n",
		       p->per_session_data_size == sizeof(struct pss));
		close_open_clients();
		break;
	case 19:
		coll_flush("closed");
		done = 1;
		break;
	}
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	int n = 0;

	if (argc < 4)
		return 1;
	alarm(30);
	port_a = atoi(argv[1]);
	port_b = atoi(argv[2]);
	port_s = atoi(argv[3]);
	live = argc > 4 && !strcmp(argv[4], "live");
	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, NULL);

	memset(&info, 0, sizeof info);
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	info.port = CONTEXT_PORT_NO_LISTEN;
	ctx = lws_create_context(&info);
	if (!ctx)
		return 2;

	vha = mk_vhost("vha", port_a, NULL, t1, &a_pvo, &tag_a);
	vhb = mk_vhost("vhb", port_b, "127.0.0.1", t1, &b_pvo, &tag_b);
	vhs1 = mk_vhost("vhs1", port_s, NULL, t2, &s1_pvo, &tag_s);
	vhs2 = mk_vhost("vhs2", port_s, NULL, t2, &s2_pvo, &tag_s);
	vhs3 = mk_vhost("vhs3", port_s, NULL, t2, &s3_pvo, &tag_s);
	vhs4 = mk_vhost("vhs4", port_s, NULL, t2, &s4_pvo, &tag_s);
	vhc = mk_vhost("cli", CONTEXT_PORT_NO_LISTEN, NULL, tc, NULL, NULL);
	printf("created\n");

	/* the first service pass initializes the protocols */
	lws_cancel_service(ctx);
	lws_service(ctx, 0);
	printf("serviced once\n");
	queries();

	step();
	while (!done && n >= 0) {
		n = lws_service(ctx, 0);
		if (phase_ready) {
			phase_ready = 0;
			phase++;
			step();
		}
	}
	printf("destroying context\n");
	lws_context_destroy(ctx);
	printf("done\n");
	return 0;
}
