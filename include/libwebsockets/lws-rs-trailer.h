/*
 * lws-rs: hand-written part of libwebsockets.h that follows the generated
 * declarations: prototypes whose exact C spelling matters, the callback
 * function types, and macros that use generated types.
 */
#ifndef LWS_RS_TRAILER_H
#define LWS_RS_TRAILER_H

#ifdef __cplusplus
extern "C" {
#endif

/* Function types, not pointer types, as lws declares them: programs write
 * `static lws_callback_function my_callback;`. */
typedef int lws_callback_function(struct lws *wsi, enum lws_callback_reasons reason,
				  void *user, void *in, size_t len);
typedef int lws_extension_callback_function(struct lws_context *context,
		const struct lws_extension *ext, struct lws *wsi,
		enum lws_extension_callback_reasons reason,
		void *user, void *in, size_t len);

LWS_VISIBLE LWS_EXTERN int
lws_callback_http_dummy(struct lws *wsi, enum lws_callback_reasons reason,
			void *user, void *in, size_t len);

LWS_VISIBLE LWS_EXTERN int
lws_extension_callback_pm_deflate(struct lws_context *context,
				  const struct lws_extension *ext,
				  struct lws *wsi,
				  enum lws_extension_callback_reasons reason,
				  void *user, void *in, size_t len);

LWS_VISIBLE LWS_EXTERN int
lws_snprintf(char *str, size_t size, const char *format, ...) LWS_FORMAT(3);

LWS_VISIBLE LWS_EXTERN int
lws_open(const char *__file, int __oflag, ...);

#define LWS_SMD_MAX_PAYLOAD		384
#define LWS_SMD_CLASS_BITFIELD_BYTES	4
#define LWS_SMD_STREAMTYPENAME		"_lws_smd"
#define LWS_SMD_SS_RX_HEADER_LEN	16
#define LWSSMDREG_FLAG_PROXIED_SS	(1 << 0)
struct lws_smd_msg;

LWS_VISIBLE LWS_EXTERN int
lws_smd_msg_printf(struct lws_context *ctx, lws_smd_class_t _class,
		   const char *format, ...) LWS_FORMAT(3);

/* Terminates a protocols array (spelled like later lws releases). */
#define LWS_PROTOCOL_LIST_TERM { NULL, NULL, 0, 0, 0, NULL, 0 }

/* the smaller of two lengths, for sources without a NUL */
#define lws_strnncpy(dest, src, size1, destsize) \
	lws_strncpy(dest, src, (size_t)(size1 + 1) < (size_t)(destsize) ? \
				(size_t)(size1 + 1) : (size_t)(destsize))

#define lws_ptr_diff(head, tail) \
			((int)((char *)(head) - (char *)(tail)))

#define lws_get_context_user lws_context_user

#ifdef __cplusplus
}
#endif

#endif
