/*
 * libwebsockets-legacy.h for lws-rs: the names of the original
 * libwebsockets API (1.0 to 1.5: libwebsocket_*, libwebsockets_*,
 * struct libwebsocket*, callback_function), mapped onto the 4.1.6 API that
 * libwebsockets.so.17 exports.  Hand-written; nothing here adds a symbol
 * to the library: a name is either a macro or a static inline function
 * over an existing lws_* export.
 *
 * Use: include this header where the program included <libwebsockets.h>,
 * or leave the sources alone and compile with
 *
 *	cc -include libwebsockets-legacy.h ...
 *
 * How names map:
 *
 *  - where only the name changed, the old name is a macro for the new one
 *    (libwebsocket_write -> lws_write, struct libwebsocket -> struct lws);
 *  - where the arguments changed, the old name is a static inline wrapper
 *    with the old argument list (libwebsocket_client_connect() fills a
 *    struct lws_client_connect_info, libwebsockets_serve_http_file() drops
 *    the context and measures other_headers, ...);
 *  - where lws 1.6 added or removed the context argument, the old name
 *    accepts both argument lists (a macro picks the wrapper by their
 *    number), for programs that kept an old name but updated the call:
 *	libwebsocket_callback_on_writable(context, wsi)   (1.0-1.5)
 *	libwebsocket_callback_on_writable(wsi)            (1.6 argument list)
 *    These few names cannot have their address taken.
 *
 * Callbacks.  Until 1.5 a protocol callback took the context as its first
 * argument (six arguments); since 1.6 it takes five and the context comes
 * from lws_get_context(wsi).  The library calls five-argument callbacks,
 * so a 1.x program needs one source change per callback, either
 *
 *  - drop the context parameter and call lws_get_context(wsi) where it was
 *    used, or
 *  - keep the callback as it is and generate a five-argument adapter for
 *    the protocols table:
 *
 *	static int callback_echo(struct libwebsocket_context *context,
 *				 struct libwebsocket *wsi,
 *				 enum libwebsocket_callback_reasons reason,
 *				 void *user, void *in, size_t len) { ... }
 *	LWS_LEGACY_CALLBACK(callback_echo_v5, callback_echo);
 *
 *	static struct libwebsocket_protocols protocols[] = {
 *		{ "echo", callback_echo_v5, sizeof(struct pss), 0 },
 *		{ NULL, NULL, 0, 0 }
 *	};
 *
 * callback_function is the six-argument type, as the old header declared
 * it; putting a six-argument function straight into a protocols table is
 * a type error (and would crash if forced with a cast).
 *
 * The 1.x calls that took only a protocol (libwebsocket_callback_on_
 * writable_all_protocol(protocol), libwebsocket_callback_all_protocol(
 * protocol, reason), libwebsocket_rx_flow_allow_all_protocol(protocol))
 * found the context through the protocols array, which 4.1.6 no longer
 * records.  Here they act on every context that libwebsocket_create_context()
 * made and libwebsocket_context_destroy() has not yet destroyed (up to
 * LWS_LEGACY_MAX_CONTEXTS); lws acts only on connections of that
 * protocol, so only the context serving it is affected.  Create and destroy contexts
 * with the old names when the program uses these forms, and call them from
 * the service thread, as any lws API except lws_cancel_service().
 *
 * libwebsocket_service(context, timeout_ms): lws 1.x waited at most
 * timeout_ms (0: not at all; negative: until something happens).  4.1.6
 * ignores the value: 0 or more waits for the next event or timer, a
 * negative value does not wait.  The wrapper keeps the old meaning of 0
 * and of negative values; a positive timeout waits for the next event, so
 * a loop that relied on it to run periodic work must use a timer
 * (lws_sul_schedule) or another thread that wakes the loop with
 * lws_cancel_service().
 *
 * Not mapped (gone before 4.1.6; see README.md "Original API names" for
 * what replaces them): libwebsockets_broadcast and LWS_CALLBACK_BROADCAST,
 * libwebsockets_fork_service_loop, libwebsockets_hangup_on_client,
 * libwebsocket_ensure_user_space, libwebsocket_read, and the positional
 * libwebsocket_create_context() of 1.0.  Unchanged since 1.x, so nothing
 * to map: the LWS_CALLBACK_* names (except BROADCAST and the 1.0-1.2
 * SET_MODE_POLL_FD / CLEAR_MODE_POLL_FD, now CHANGE_MODE_POLL_FD),
 * lws_b64_encode_string, lws_b64_decode_string,
 * lws_hdr_total_length, lws_hdr_copy, lws_frame_is_binary, lws_is_ssl,
 * lws_send_pipe_choked, lws_partial_buffered, lws_get_library_version,
 * lws_set_log_level, lwsl_*, LWS_SEND_BUFFER_PRE_PADDING (now LWS_PRE) and
 * LWS_SEND_BUFFER_POST_PADDING (now 0).
 */
#ifndef LWS_RS_LEGACY_H
#define LWS_RS_LEGACY_H

#include "libwebsockets.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- type, struct and enum names ---- */

#define libwebsocket				lws
#define libwebsocket_context			lws_context
#define libwebsocket_protocols			lws_protocols
#define libwebsocket_extension			lws_extension
#define libwebsocket_callback_reasons		lws_callback_reasons
#define libwebsocket_extension_callback_reasons	lws_extension_callback_reasons
#define libwebsocket_write_protocol		lws_write_protocol
#define libwebsocket_pollfd			lws_pollfd
#define libwebsocket_pollargs			lws_pollargs

/* The 1.x protocol callback: the context first, six arguments. */
typedef int callback_function(struct lws_context *context, struct lws *wsi,
			      enum lws_callback_reasons reason, void *user,
			      void *in, size_t len);

/* Extension callbacks kept the context argument: same type as today. */
typedef lws_extension_callback_function extension_callback_function;

/*
 * LWS_LEGACY_CALLBACK(new_name, old_name); defines new_name, a
 * five-argument protocol callback that calls the six-argument old_name
 * with lws_get_context(wsi) as its context.  Use it at file scope after
 * old_name is declared, and put new_name in the protocols table.  (It ends
 * with a declaration of new_name, so that it takes a semicolon.)
 */
#define LWS_LEGACY_CALLBACK(new_name, old_name)				\
	static int new_name(struct lws *wsi,				\
			    enum lws_callback_reasons reason,		\
			    void *user, void *in, size_t len)		\
	{								\
		return old_name(lws_get_context(wsi), wsi, reason,	\
				user, in, len);				\
	}								\
	static int new_name(struct lws *wsi,				\
			    enum lws_callback_reasons reason,		\
			    void *user, void *in, size_t len)

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(x) LWS_ARRAY_SIZE(x)
#endif

/*
 * Picks NAME_<number of arguments>(...): the old and the 1.6 argument
 * lists of a name differ in length.
 */
#define LWS_RS_LEGACY_NARG(...) \
	LWS_RS_LEGACY_NARG_(__VA_ARGS__, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define LWS_RS_LEGACY_NARG_(a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, n, ...) n
#define LWS_RS_LEGACY_CAT_(a, b) a##b
#define LWS_RS_LEGACY_CAT(a, b) LWS_RS_LEGACY_CAT_(a, b)
#define LWS_RS_LEGACY_BY_NARG(name, ...) \
	LWS_RS_LEGACY_CAT(name, LWS_RS_LEGACY_NARG(__VA_ARGS__))(__VA_ARGS__)

/* ---- contexts made through the old names ---- */

#define LWS_LEGACY_MAX_CONTEXTS 8

/*
 * One table per program (or shared object): a weak definition, so every
 * file that includes this header shares it.
 */
#if defined(__GNUC__)
__attribute__((weak, visibility("hidden")))
#else
static
#endif
struct lws_context *lws_rs_legacy_contexts[LWS_LEGACY_MAX_CONTEXTS];

static LWS_INLINE int
lws_rs_legacy_any_context(const char *api)
{
	int n;

	(void)api;	/* unused when error logs are compiled out */
	for (n = 0; n < LWS_LEGACY_MAX_CONTEXTS; n++)
		if (lws_rs_legacy_contexts[n])
			return 1;
	lwsl_err("%s(protocol): no context from libwebsocket_create_context(); "
		 "pass the context as first argument\n", api);
	return 0;
}

/* 1.x took a non-const info; 4.1.6 takes const. */
static LWS_INLINE struct lws_context *
libwebsocket_create_context(const struct lws_context_creation_info *info)
{
	struct lws_context *context = lws_create_context(info);
	int n;

	if (!context)
		return NULL;
	for (n = 0; n < LWS_LEGACY_MAX_CONTEXTS; n++)
		if (!lws_rs_legacy_contexts[n]) {
			lws_rs_legacy_contexts[n] = context;
			return context;
		}
	lwsl_warn("libwebsocket_create_context: more than %d contexts, the "
		  "protocol-only *_all_protocol() calls miss this one\n",
		  LWS_LEGACY_MAX_CONTEXTS);

	return context;
}

static LWS_INLINE void
libwebsocket_context_destroy(struct lws_context *context)
{
	int n;

	for (n = 0; n < LWS_LEGACY_MAX_CONTEXTS; n++)
		if (lws_rs_legacy_contexts[n] == context)
			lws_rs_legacy_contexts[n] = NULL;
	lws_context_destroy(context);
}

/* ---- service ---- */

static LWS_INLINE int
libwebsocket_service(struct lws_context *context, int timeout_ms)
{
	/* 1.x 0: no wait -> 4.1.6 -1; 1.x negative: wait -> 4.1.6 0 */
	if (!timeout_ms)
		timeout_ms = -1;
	else if (timeout_ms < 0)
		timeout_ms = 0;

	return lws_service(context, timeout_ms);
}

#define libwebsocket_cancel_service	lws_cancel_service
#define libwebsocket_service_fd		lws_service_fd
#define libwebsocket_context_user	lws_context_user
#define libwebsocket_canonical_hostname	lws_canonical_hostname

/* ---- sending and writable callbacks ---- */

#define libwebsocket_write		lws_write
#define libwebsocket_write_http(wsi, buf, len) \
	lws_write(wsi, (unsigned char *)(buf), len, LWS_WRITE_HTTP)

/* (context, wsi) until 1.5, (wsi) since */
#define libwebsocket_callback_on_writable(...) \
	LWS_RS_LEGACY_BY_NARG(lws_rs_legacy_on_writable_, __VA_ARGS__)
#define lws_rs_legacy_on_writable_1 lws_callback_on_writable
static LWS_INLINE int
lws_rs_legacy_on_writable_2(struct lws_context *context, struct lws *wsi)
{
	(void)context;
	return lws_callback_on_writable(wsi);
}

/* (protocol) until 1.5, (context, protocol) since */
#define libwebsocket_callback_on_writable_all_protocol(...) \
	LWS_RS_LEGACY_BY_NARG(lws_rs_legacy_writable_all_, __VA_ARGS__)
#define lws_rs_legacy_writable_all_2 lws_callback_on_writable_all_protocol
static LWS_INLINE int
lws_rs_legacy_writable_all_1(const struct lws_protocols *protocol)
{
	int n;

	if (!lws_rs_legacy_any_context("libwebsocket_callback_on_writable_all_protocol"))
		return -1;
	for (n = 0; n < LWS_LEGACY_MAX_CONTEXTS; n++)
		if (lws_rs_legacy_contexts[n])
			lws_callback_on_writable_all_protocol(
					lws_rs_legacy_contexts[n], protocol);

	return 0;
}

/*
 * The next two go through a function pointer that the macro names, so
 * that the lws_* function is referred to only where the program uses the
 * legacy name.
 */

/* (protocol, reason) until 1.5, (context, protocol, reason) since */
#define libwebsocket_callback_all_protocol(...) \
	LWS_RS_LEGACY_BY_NARG(lws_rs_legacy_callback_all_, __VA_ARGS__)
#define lws_rs_legacy_callback_all_3 lws_callback_all_protocol
#define lws_rs_legacy_callback_all_2(protocol, reason) \
	lws_rs_legacy_each_callback_all(lws_callback_all_protocol, protocol, reason)
static LWS_INLINE int
lws_rs_legacy_each_callback_all(int (*fn)(struct lws_context *,
					  const struct lws_protocols *, int),
				const struct lws_protocols *protocol, int reason)
{
	int n;

	if (!lws_rs_legacy_any_context("libwebsocket_callback_all_protocol"))
		return -1;
	for (n = 0; n < LWS_LEGACY_MAX_CONTEXTS; n++)
		if (lws_rs_legacy_contexts[n])
			fn(lws_rs_legacy_contexts[n], protocol, reason);

	return 0;
}

/* ---- receiving ---- */

#define libwebsocket_rx_flow_control		lws_rx_flow_control
#define libwebsockets_remaining_packet_payload	lws_remaining_packet_payload
#define libwebsocket_is_final_fragment		lws_is_final_fragment
#define libwebsocket_get_reserved_bits		lws_get_reserved_bits

/* (protocol) until 1.5, (context, protocol) since */
#define libwebsocket_rx_flow_allow_all_protocol(...) \
	LWS_RS_LEGACY_BY_NARG(lws_rs_legacy_rx_allow_, __VA_ARGS__)
#define lws_rs_legacy_rx_allow_2 lws_rx_flow_allow_all_protocol
#define lws_rs_legacy_rx_allow_1(protocol) \
	lws_rs_legacy_each_rx_allow(lws_rx_flow_allow_all_protocol, protocol)
static LWS_INLINE void
lws_rs_legacy_each_rx_allow(void (*fn)(const struct lws_context *,
				       const struct lws_protocols *),
			    const struct lws_protocols *protocol)
{
	int n;

	if (!lws_rs_legacy_any_context("libwebsocket_rx_flow_allow_all_protocol"))
		return;
	for (n = 0; n < LWS_LEGACY_MAX_CONTEXTS; n++)
		if (lws_rs_legacy_contexts[n])
			fn(lws_rs_legacy_contexts[n], protocol);
}

/* ---- the connection ---- */

#define libwebsockets_get_protocol	lws_get_protocol
#define libwebsocket_get_socket_fd	lws_get_socket_fd
#define libwebsocket_set_timeout	lws_set_timeout

/*
 * (context, wsi, fd, name, name_len, rip, rip_len) until 1.5,
 * (wsi, fd, name, name_len, rip, rip_len) since
 */
#define libwebsockets_get_peer_addresses(...) \
	LWS_RS_LEGACY_BY_NARG(lws_rs_legacy_peer_addresses_, __VA_ARGS__)
#define lws_rs_legacy_peer_addresses_6 lws_get_peer_addresses
static LWS_INLINE void
lws_rs_legacy_peer_addresses_7(struct lws_context *context, struct lws *wsi,
			       int fd, char *name, int name_len,
			       char *rip, int rip_len)
{
	(void)context;
	lws_get_peer_addresses(wsi, fd, name, name_len, rip, rip_len);
}

/*
 * Public only in 1.0.  4.1.6 closes a connection from outside its own
 * callback with LWS_TO_KILL_ASYNC: the connection is dropped at the next
 * service pass and the wsi stays valid until its LWS_CALLBACK_CLOSED.
 * 4.1.6 sends no close frame then, so the peer does not see the status;
 * to send one, call lws_close_reason() and return -1 from the
 * connection's own callback.
 */
static LWS_INLINE void
libwebsocket_close_and_free_session(struct lws_context *context,
				    struct lws *wsi,
				    enum lws_close_status reason)
{
	(void)context;
	if (reason != LWS_CLOSE_STATUS_NOSTATUS)
		lws_close_reason(wsi, reason, NULL, 0);
	lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* ---- HTTP ---- */

/*
 * (context, wsi, file, content_type) in 1.1 and 1.2,
 * (context, wsi, file, content_type, other_headers) in 1.3 to 1.5; the
 * headers are a NUL-terminated string, 4.1.6 wants their length too.
 */
#define libwebsockets_serve_http_file(...) \
	LWS_RS_LEGACY_BY_NARG(lws_rs_legacy_serve_file_, __VA_ARGS__)
static LWS_INLINE int
lws_rs_legacy_serve_file_5(struct lws_context *context, struct lws *wsi,
			   const char *file, const char *content_type,
			   const char *other_headers)
{
	(void)context;
	return lws_serve_http_file(wsi, file, content_type, other_headers,
				   other_headers ? (int)strlen(other_headers) : 0);
}
static LWS_INLINE int
lws_rs_legacy_serve_file_4(struct lws_context *context, struct lws *wsi,
			   const char *file, const char *content_type)
{
	(void)context;
	return lws_serve_http_file(wsi, file, content_type, NULL, 0);
}

/* (context, wsi) until 1.5, (wsi) since */
#define libwebsockets_serve_http_file_fragment(...) \
	LWS_RS_LEGACY_BY_NARG(lws_rs_legacy_file_fragment_, __VA_ARGS__)
#define lws_rs_legacy_file_fragment_1 lws_serve_http_file_fragment
#define lws_rs_legacy_file_fragment_2(context, wsi) \
	((void)(context), lws_serve_http_file_fragment(wsi))

/* (context, wsi, code, html_body) until 1.5, (wsi, code, html_body) since */
#define libwebsockets_return_http_status(...) \
	LWS_RS_LEGACY_BY_NARG(lws_rs_legacy_http_status_, __VA_ARGS__)
#define lws_rs_legacy_http_status_3 lws_return_http_status
static LWS_INLINE int
lws_rs_legacy_http_status_4(struct lws_context *context, struct lws *wsi,
			    unsigned int code, const char *html_body)
{
	(void)context;
	return lws_return_http_status(wsi, code, html_body);
}

/* ---- client ---- */

/*
 * ssl_connection: 0 ws://, 1 wss://, 2 wss:// accepting a self-signed
 * server certificate; host NULL meant the address.
 */
static LWS_INLINE struct lws *
libwebsocket_client_connect_extended(struct lws_context *context,
				     const char *address, int port,
				     int ssl_connection, const char *path,
				     const char *host, const char *origin,
				     const char *protocol,
				     int ietf_version_or_minus_one,
				     void *userdata)
{
	struct lws_client_connect_info ci;

	memset(&ci, 0, sizeof(ci));
	ci.context = context;
	ci.address = address;
	ci.port = port;
	if (ssl_connection == 2)
		ci.ssl_connection = LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED;
	else if (ssl_connection)
		ci.ssl_connection = LCCSCF_USE_SSL;
	ci.path = path ? path : "/";
	ci.host = host ? host : address;
	ci.origin = origin;
	ci.protocol = protocol;
	ci.ietf_version_or_minus_one = ietf_version_or_minus_one;
	ci.userdata = userdata;

	return lws_client_connect_via_info(&ci);
}

static LWS_INLINE struct lws *
libwebsocket_client_connect(struct lws_context *context, const char *address,
			    int port, int ssl_connection, const char *path,
			    const char *host, const char *origin,
			    const char *protocol, int ietf_version_or_minus_one)
{
	return libwebsocket_client_connect_extended(context, address, port,
			ssl_connection, path, host, origin, protocol,
			ietf_version_or_minus_one, NULL);
}

/* 1.x set the proxy of the context; 4.1.6 sets it per vhost. */
static LWS_INLINE int
libwebsocket_set_proxy(struct lws_context *context, const char *proxy)
{
	struct lws_vhost *vh = lws_get_vhost_by_name(context, "default");

	if (!vh) {
		lwsl_err("libwebsocket_set_proxy: no vhost called \"default\"\n");
		return -1;
	}

	return lws_set_proxy(vh, proxy);
}

/* ---- extensions ---- */

/*
 * 1.x returned the extensions built into the library (deflate-stream,
 * deflate-frame, x-google-mux, all gone); 4.1.6 has permessage-deflate.
 */
static LWS_INLINE const struct lws_extension *
libwebsocket_get_internal_extensions(void)
{
	static const struct lws_extension exts[] = {
		{ "permessage-deflate", lws_extension_callback_pm_deflate,
		  "permessage-deflate; client_max_window_bits" },
		{ NULL, NULL, NULL }
	};

	return exts;
}

/* ---- utilities ---- */

/* 1.x returned and took int */
static LWS_INLINE int
libwebsockets_get_random(struct lws_context *context, void *buf, int len)
{
	if (len <= 0)
		return 0;

	return (int)lws_get_random(context, buf, (size_t)len);
}

#define libwebsockets_SHA1 lws_SHA1

#ifdef __cplusplus
}
#endif

#endif
