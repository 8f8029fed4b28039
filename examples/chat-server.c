/*
 * chat-server.c - WebSocket broadcast ("chat") server on the public
 * libwebsockets 4.1 API.
 *
 *   chat-server [-p PORT] [-d LOGLEVEL] [-w WWWDIR]
 *
 * Subprotocol "lws-chat" (also the vhost default, see echo-server.c for why
 * that needs the "default" pvo and the fall-through to
 * lws_callback_http_dummy()).  Every complete message a client sends (up to
 * MAX_MSG bytes, fragments joined) is appended to a shared history of the
 * last HISTORY messages and sent to every connected client, the sender
 * included, as a text message.  Each session remembers the sequence number
 * of the next message it has to send; a client that falls more than
 * HISTORY messages behind skips the ones it missed.  Static files of
 * WWWDIR are served at "/".
 *
 * Prints "listening on http://127.0.0.1:PORT/" once, exits cleanly on
 * SIGINT / SIGTERM.
 */

#include <libwebsockets.h>

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CHAT_DEFAULT_WWW
#define CHAT_DEFAULT_WWW "examples/www"
#endif

#define HISTORY 256
#define MAX_MSG (64 * 1024)

struct chat_msg {
	size_t len;
	unsigned char *buf;	/* LWS_PRE headroom + len bytes */
};

/* history ring: message number s lives in slot s % HISTORY */
static struct chat_msg history[HISTORY];
static uint64_t next_seq;	/* number the next message will get */

struct pss_chat {
	uint64_t seq;		/* next message to send to this client */
	unsigned char *rx;	/* message being assembled (no headroom) */
	size_t rx_len;
	unsigned char rx_too_big;
};

static volatile sig_atomic_t interrupted;

static void
history_add(const unsigned char *data, size_t len)
{
	struct chat_msg *m = &history[next_seq % HISTORY];
	unsigned char *b = malloc(LWS_PRE + len + 1);

	if (!b)
		return;
	free(m->buf);
	memcpy(b + LWS_PRE, data, len);
	m->buf = b;
	m->len = len;
	next_seq++;
}

static int
callback_chat(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	struct pss_chat *pss = (struct pss_chat *)user;
	struct chat_msg *m;
	unsigned char *nb;
	int n;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		memset(pss, 0, sizeof(*pss));
		pss->seq = next_seq;	/* only messages from now on */
		break;

	case LWS_CALLBACK_CLOSED:
		free(pss->rx);
		pss->rx = NULL;
		break;

	case LWS_CALLBACK_RECEIVE:
		if (!pss->rx_too_big && pss->rx_len + len <= MAX_MSG) {
			nb = realloc(pss->rx, pss->rx_len + len + 1);
			if (!nb)
				return -1;
			pss->rx = nb;
			if (len)
				memcpy(pss->rx + pss->rx_len, in, len);
			pss->rx_len += len;
		} else
			pss->rx_too_big = 1;

		if (!lws_is_final_fragment(wsi) ||
		    lws_remaining_packet_payload(wsi))
			break;

		if (pss->rx_too_big)
			lwsl_warn("chat: dropping message over %d bytes\n",
				  MAX_MSG);
		else
			history_add(pss->rx ? pss->rx : (unsigned char *)"",
				    pss->rx_len);
		free(pss->rx);
		pss->rx = NULL;
		pss->rx_len = 0;
		pss->rx_too_big = 0;

		lws_callback_on_writable_all_protocol(lws_get_context(wsi),
						      lws_get_protocol(wsi));
		break;

	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (pss->seq >= next_seq)
			break;
		if (next_seq - pss->seq > HISTORY) {
			lwsl_warn("chat: client lagging, skipping %llu\n",
				  (unsigned long long)(next_seq - pss->seq -
						       HISTORY));
			pss->seq = next_seq - HISTORY;
		}
		m = &history[pss->seq % HISTORY];
		n = lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
		if (n < (int)m->len) {
			lwsl_err("chat: lws_write failed\n");
			return -1;
		}
		pss->seq++;
		if (pss->seq < next_seq)
			lws_callback_on_writable(wsi);
		break;

	default:
		return lws_callback_http_dummy(wsi, reason, user, in, len);
	}

	return 0;
}

static struct lws_protocols protocols[] = {
	{ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
	{ "lws-chat", callback_chat, sizeof(struct pss_chat), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_protocol_vhost_options pvo_default = {
	NULL, NULL, "default", ""
};
static const struct lws_protocol_vhost_options pvo = {
	NULL, &pvo_default, "lws-chat", ""
};

static struct lws_http_mount mount;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

int
main(int argc, const char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *context;
	struct sigaction sa;
	const char *p, *www = CHAT_DEFAULT_WWW;
	int port = 7681, n = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	lws_set_log_level((p = lws_cmdline_option(argc, argv, "-d")) ?
			  atoi(p) : LLL_ERR | LLL_WARN, NULL);
	if ((p = lws_cmdline_option(argc, argv, "-p")))
		port = atoi(p);
	if ((p = lws_cmdline_option(argc, argv, "-w")))
		www = p;
	if ((p = lws_cmdline_option(argc, argv, "--www")))
		www = p;

	memset(&mount, 0, sizeof(mount));
	mount.mountpoint = "/";
	mount.mountpoint_len = 1;
	mount.origin = www;
	mount.def = "index.html";
	mount.origin_protocol = LWSMPRO_FILE;

	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.pvo = &pvo;
	info.mounts = &mount;
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 |
		       LWS_SERVER_OPTION_DISABLE_IPV6;

	context = lws_create_context(&info);
	if (!context) {
		lwsl_err("lws init failed\n");
		return 1;
	}

	printf("listening on http://127.0.0.1:%d/\n", port);
	fflush(stdout);

	while (n >= 0 && !interrupted)
		n = lws_service(context, 0);

	lws_context_destroy(context);

	for (n = 0; n < HISTORY; n++)
		free(history[n].buf);

	return 0;
}
