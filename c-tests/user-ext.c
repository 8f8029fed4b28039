/*
 * A user-defined WebSocket extension, "x-rot13", through the struct
 * lws_extension callback interface: both ends of one context (a server
 * vhost and a client) list it; the client offers "x-rot13; shout", the
 * server takes the arg-less option. PAYLOAD_TX rot13s the payload into the
 * extension's own buffer, PACKET_TX_PRESEND marks text frames with RSV1,
 * PAYLOAD_RX undoes rot13 and checks RSV1 with lws_get_reserved_bits().
 * Prints one line per extension and protocol event.
 *
 * Usage: user-ext <port>
 */
#include <libwebsockets.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The payload in/out contract of PAYLOAD_RX/TX as 4.1.6 passes it: the
 * extension points eb_out at its output and returns 0, leaving eb_in as
 * it was; the library takes eb_out's length as consumed from eb_in.
 */
struct ext_ebufs {
	struct lws_tokens eb_in;
	struct lws_tokens eb_out;
};

struct rot {
	int server, shout, rx_msgs, tx_msgs;
	unsigned char buf[LWS_PRE + 256];
};

static const struct lws_ext_options rot_opts[] = {
	{ "shout", EXTARG_NONE },
	{ "level", EXTARG_DEC },
	{ NULL, 0 }
};

static struct lws_context *ctx;
static int done;

static void
rot13(unsigned char *d, const unsigned char *s, int len)
{
	int n;

	for (n = 0; n < len; n++) {
		unsigned char c = s[n];

		if (isalpha(c))
			c = (unsigned char)((tolower(c) - 'a' + 13) % 26 +
					    (isupper(c) ? 'A' : 'a'));
		d[n] = c;
	}
}

static int
ext_cb(struct lws_context *context, const struct lws_extension *ext,
       struct lws *wsi, enum lws_extension_callback_reasons reason,
       void *user, void *in, size_t len)
{
	struct rot *r = (struct rot *)user;
	struct ext_ebufs *e = (struct ext_ebufs *)in;
	const struct lws_ext_option_arg *oa;
	struct lws_tokens *t;

	(void)context;
	switch ((int)reason) {
	case LWS_EXT_CB_CONSTRUCT:
	case LWS_EXT_CB_CLIENT_CONSTRUCT:
		r = calloc(1, sizeof(*r));
		if (!r)
			return -1;
		r->server = reason == LWS_EXT_CB_CONSTRUCT;
		*(void **)user = r;
		*(const struct lws_ext_options **)in = rot_opts;
		printf("%s: ext %s construct\n", r->server ? "srv" : "cli",
		       ext->name);
		break;
	case LWS_EXT_CB_OPTION_SET:
		oa = in;
		printf("%s: option set index %d name %s len %d\n",
		       r->server ? "srv" : "cli", oa->option_index,
		       oa->option_name ? oa->option_name : "(null)", oa->len);
		if (oa->option_index == 0)
			r->shout = 1;
		break;
	case LWS_EXT_CB_OPTION_CONFIRM:
		printf("%s: option confirm shout %d\n",
		       r->server ? "srv" : "cli", r->shout);
		break;
	case LWS_EXT_CB_NAMED_OPTION_SET:
		oa = in;
		printf("%s: named option %s = %.*s\n", r->server ? "srv" : "cli",
		       oa->option_name, oa->len, oa->start);
		break;
	case LWS_EXT_CB_PAYLOAD_TX:
		if (e->eb_in.len > 200)
			return -1;
		rot13(r->buf + LWS_PRE, e->eb_in.token, e->eb_in.len);
		e->eb_out.token = r->buf + LWS_PRE;
		e->eb_out.len = e->eb_in.len;
		r->tx_msgs++;
		printf("%s: payload tx %d bytes wp %d\n",
		       r->server ? "srv" : "cli", e->eb_out.len, (int)len);
		break;
	case LWS_EXT_CB_PACKET_TX_PRESEND:
		t = (struct lws_tokens *)in;
		/* a data frame's first byte: mark it */
		if ((t->token[0] & 0xf) == 1)
			t->token[0] |= 0x40;
		printf("%s: presend %d bytes, first byte 0x%02x\n",
		       r->server ? "srv" : "cli", t->len, t->token[0]);
		break;
	case LWS_EXT_CB_PAYLOAD_RX:
		if (!e->eb_in.len)
			break;
		printf("%s: payload rx %d bytes rsv 0x%02x\n",
		       r->server ? "srv" : "cli", e->eb_in.len,
		       lws_get_reserved_bits(wsi));
		rot13(r->buf + LWS_PRE, e->eb_in.token, e->eb_in.len);
		e->eb_out.token = r->buf + LWS_PRE;
		e->eb_out.len = e->eb_in.len;
		r->rx_msgs++;
		break;
	case LWS_EXT_CB_DESTROY:
		printf("%s: destroy after rx %d tx %d\n",
		       r->server ? "srv" : "cli", r->rx_msgs, r->tx_msgs);
		free(r);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_extension exts[] = {
	{ "x-rot13", ext_cb, "x-rot13; shout" },
	{ NULL, NULL, NULL }
};

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
   size_t len)
{
	unsigned char b[LWS_PRE + 64];

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_CONFIRM_EXTENSION_OKAY:
		printf("srv: confirm extension %s\n", (const char *)in);
		break;
	case LWS_CALLBACK_CLIENT_CONFIRM_EXTENSION_SUPPORTED:
		printf("cli: confirm extension supported %s\n", (const char *)in);
		break;
	case LWS_CALLBACK_ESTABLISHED:
		printf("srv: established\n");
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("cli: established\n");
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		memcpy(b + LWS_PRE, "Hello, World", 12);
		if (lws_write(wsi, b + LWS_PRE, 12, LWS_WRITE_TEXT) != 12)
			return -1;
		break;
	case LWS_CALLBACK_RECEIVE:
		printf("srv: receive '%.*s'\n", (int)len, (const char *)in);
		memcpy(b + LWS_PRE, in, len);
		if (lws_write(wsi, b + LWS_PRE, len, LWS_WRITE_TEXT) != (int)len)
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf("cli: receive '%.*s'\n", (int)len, (const char *)in);
		return -1;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("cli: connection error '%s'\n", in ? (char *)in : "");
		done = 1;
		lws_cancel_service(ctx);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		printf("cli: closed\n");
		done = 1;
		lws_cancel_service(ctx);
		break;
	case LWS_CALLBACK_CLOSED:
		printf("srv: closed\n");
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "rot", cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info i;
	int n;

	if (argc < 2)
		return 1;
	alarm(20);
	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = atoi(argv[1]);
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.extensions = exts;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	ctx = lws_create_context(&info);
	if (!ctx)
		return 2;
	memset(&i, 0, sizeof i);
	i.context = ctx;
	i.address = "127.0.0.1";
	i.port = info.port;
	i.host = i.address;
	i.path = "/";
	i.protocol = "rot";
	lws_client_connect_via_info(&i);
	while (!done && lws_service(ctx, 0) >= 0)
		;
	for (n = 0; n < 5; n++)
		lws_service(ctx, -1);
	lws_context_destroy(ctx);
	printf("done\n");
	return 0;
}
