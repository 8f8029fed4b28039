/*
 * legacy-names.c - every name libwebsockets-legacy.h maps, in each
 * argument list it accepts, inside a function that never runs.  Built by
 * tests/legacy.rs with -Wall -Wextra -Werror as C and as C++: against
 * Debian's 4.1.6 headers and linked with its library (so each name lands
 * on a function 4.1.6 declares and exports, with matching types), and
 * against ours with -DLWS_RS_EXPORTED_ONLY, which leaves out the names
 * whose targets lws-rs does not export yet.
 *
 * Running it does nothing and exits 0.
 */

#include "libwebsockets-legacy.h"

#include <stdio.h>

static int
old_callback(struct libwebsocket_context *context, struct libwebsocket *wsi,
	     enum libwebsocket_callback_reasons reason, void *user, void *in,
	     size_t len)
{
	(void)context;
	(void)wsi;
	(void)reason;
	(void)user;
	(void)in;
	(void)len;

	return 0;
}

/* the old header's type is the six-argument one */
static callback_function *const old_type_check = old_callback;

LWS_LEGACY_CALLBACK(old_callback_v5, old_callback);

static struct libwebsocket_protocols protocols[] = {
	{ "legacy", old_callback_v5, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

void use_every_name(struct libwebsocket_context *context,
		    struct libwebsocket *wsi, struct libwebsocket_pollfd *pfd);

void
use_every_name(struct libwebsocket_context *context, struct libwebsocket *wsi,
	       struct libwebsocket_pollfd *pfd)
{
	unsigned char buf[LWS_SEND_BUFFER_PRE_PADDING + 32 +
			  LWS_SEND_BUFFER_POST_PADDING];
	struct lws_context_creation_info info;
	const struct libwebsocket_protocols *proto;
	const struct libwebsocket_extension *exts;
	struct libwebsocket_context *c;
	struct libwebsocket_pollargs pa;
	enum libwebsocket_write_protocol wp = LWS_WRITE_TEXT;
	enum libwebsocket_callback_reasons reason = LWS_CALLBACK_USER;
	enum libwebsocket_extension_callback_reasons ereason =
			(enum libwebsocket_extension_callback_reasons)0;
	extension_callback_function *ecb = lws_extension_callback_pm_deflate;
	char name[64], rip[64];
	int n = 0;

	memset(&info, 0, sizeof(info));
	memset(&pa, 0, sizeof(pa));
	info.protocols = protocols;
	exts = libwebsocket_get_internal_extensions();
	info.extensions = exts;

	c = libwebsocket_create_context(&info);
	n += libwebsocket_service(c, 0);
	n += libwebsocket_service(c, -1);
	n += libwebsocket_service(c, 50);
	libwebsocket_cancel_service(c);
	if (libwebsocket_context_user(c))
		n++;
	if (libwebsocket_canonical_hostname(c))
		n++;
	n += libwebsocket_set_proxy(c, "127.0.0.1:3128");
	libwebsocket_context_destroy(c);

	n += libwebsocket_write(wsi, &buf[LWS_SEND_BUFFER_PRE_PADDING], 1, wp);
	n += libwebsocket_write_http(wsi, "x", 1);
	n += libwebsocket_callback_on_writable(context, wsi);
	n += libwebsocket_callback_on_writable(wsi);
	n += libwebsocket_callback_on_writable_all_protocol(&protocols[0]);
	n += libwebsocket_callback_on_writable_all_protocol(context,
							    &protocols[0]);
	n += libwebsocket_rx_flow_control(wsi, 1);
	n += (int)libwebsockets_remaining_packet_payload(wsi);
	n += libwebsocket_is_final_fragment(wsi);
	proto = libwebsockets_get_protocol(wsi);
	n += libwebsocket_get_socket_fd(wsi);
	libwebsocket_set_timeout(wsi, PENDING_TIMEOUT_HTTP_CONTENT, 5);
	libwebsockets_get_peer_addresses(context, wsi, 3, name, sizeof(name),
					 rip, sizeof(rip));
	libwebsockets_get_peer_addresses(wsi, 3, name, sizeof(name), rip,
					 sizeof(rip));
	libwebsocket_close_and_free_session(context, wsi,
					    LWS_CLOSE_STATUS_NORMAL);
	n += libwebsockets_serve_http_file(context, wsi, "/f", "text/plain");
	n += libwebsockets_serve_http_file(context, wsi, "/f", "text/plain",
					   "x-a: b\r\n");
	n += libwebsockets_return_http_status(context, wsi, 404, NULL);
	n += libwebsockets_return_http_status(wsi, 404, "gone");
	if (libwebsocket_client_connect(context, "127.0.0.1", 80, 0, "/", "h",
					"o", "p", -1))
		n++;
	if (libwebsocket_client_connect_extended(context, "127.0.0.1", 443, 2,
						 "/", NULL, NULL, NULL, 13,
						 buf))
		n++;
	n += libwebsockets_get_random(context, buf, 4);

	n += libwebsocket_service_fd(context, pfd);
	n += libwebsocket_callback_all_protocol(&protocols[0], LWS_CALLBACK_USER);
	n += libwebsocket_callback_all_protocol(context, &protocols[0],
						LWS_CALLBACK_USER);
	libwebsocket_rx_flow_allow_all_protocol(&protocols[0]);
	libwebsocket_rx_flow_allow_all_protocol(context, &protocols[0]);
#if !defined(LWS_RS_EXPORTED_ONLY)
	/* lws-rs does not export these yet */
	n += libwebsocket_get_reserved_bits(wsi);
	n += libwebsockets_serve_http_file_fragment(context, wsi);
	n += libwebsockets_serve_http_file_fragment(wsi);
	if (libwebsockets_SHA1(buf, 4, buf))
		n++;
#else
	(void)pfd;
#endif

	printf("%d %p %p %p %d %d %d %p %d\n", n, (const void *)proto,
	       (const void *)exts, (void *)&pa, (int)wp, (int)reason,
	       (int)ereason, (void *)&old_type_check, ecb != NULL);
}

int
main(int argc, char **argv)
{
	(void)argv;
	if (argc > 1000)	/* never: only the link matters */
		use_every_name(NULL, NULL, NULL);

	return 0;
}
