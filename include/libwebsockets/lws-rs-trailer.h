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


/* ---- flags for each fragment of a message sent in pieces (lws-write.h) ---- */

static LWS_INLINE int
lws_write_ws_flags(int initial, int is_start, int is_end)
{
	return (is_start ? initial : LWS_WRITE_CONTINUATION) |
	       (is_end ? 0 : LWS_WRITE_NO_FIN);
}

/* ---- an open file's own operations (lws-vfs.h) ---- */

#define LWS_FOP_OPEN		open
#define LWS_FOP_CLOSE		close
#define LWS_FOP_SEEK_CUR	seek_cur
#define LWS_FOP_READ		read
#define LWS_FOP_WRITE		write

static LWS_INLINE int
lws_vfs_file_close(lws_fop_fd_t *fop_fd)
{
	if (*fop_fd && (*fop_fd)->fops)
		return (*fop_fd)->fops->close(fop_fd);

	return 0;
}

static LWS_INLINE lws_fileofs_t
lws_vfs_file_seek_cur(lws_fop_fd_t fop_fd, lws_fileofs_t offset)
{
	return fop_fd->fops->seek_cur(fop_fd, offset);
}

static LWS_INLINE int
lws_vfs_file_read(lws_fop_fd_t fop_fd, lws_filepos_t *amount, uint8_t *buf,
		  lws_filepos_t len)
{
	return fop_fd->fops->read(fop_fd, amount, buf, len);
}

static LWS_INLINE int
lws_vfs_file_write(lws_fop_fd_t fop_fd, lws_filepos_t *amount, uint8_t *buf,
		   lws_filepos_t len)
{
	return fop_fd->fops->write(fop_fd, amount, buf, len);
}

/* ---- lists whose links live in the program's structs (lws-dll2.h) ---- */

static LWS_INLINE int
lws_dll2_is_detached(const struct lws_dll2 *d) { return !d->owner; }

static LWS_INLINE const struct lws_dll2_owner *
lws_dll2_owner(const struct lws_dll2 *d) { return d->owner; }

static LWS_INLINE struct lws_dll2 *
lws_dll2_get_head(struct lws_dll2_owner *owner) { return owner->head; }

static LWS_INLINE struct lws_dll2 *
lws_dll2_get_tail(struct lws_dll2_owner *owner) { return owner->tail; }

#define lws_dll2_search_sz_pl(own, name, namelen, type, membd2list, membptr) \
	((type *)_lws_dll2_search_sz_pl(own, name, namelen, \
				offsetof(type, membd2list), offsetof(type, membptr)))

#define lws_dll2_describe(x, y)

/* walk a dll2 list; the _safe forms allow removing the current element */
#define lws_start_foreach_dll(___type, ___it, ___start) \
	{ ___type ___it = ___start; while (___it) {
#define lws_end_foreach_dll(___it) \
	___it = (___it)->next; } }
#define lws_start_foreach_dll_safe(___type, ___it, ___tmp, ___start) \
	{ ___type ___it = ___start; while (___it) { ___type ___tmp = (___it)->next;
#define lws_end_foreach_dll_safe(___it, ___tmp) \
	___it = ___tmp; } }

/* walk a singly-linked list through member `nxt` */
#define lws_start_foreach_ll(type, it, start) \
	{ type it = start; while (it) {
#define lws_end_foreach_ll(it, nxt) \
	it = it->nxt; } }
#define lws_start_foreach_ll_safe(type, it, start, nxt) \
	{ type it = start; while (it) { type next_##it = it->nxt;
#define lws_end_foreach_ll_safe(it) \
	it = next_##it; } }

/* the same through a pointer to each link, so elements can be unlinked */
#define lws_start_foreach_llp(type, it, start) \
	{ type it = &(start); while (*(it)) {
#define lws_start_foreach_llp_safe(type, it, start, nxt) \
	{ type it = &(start); type next; while (*(it)) { next = &((*(it))->nxt);
#define lws_end_foreach_llp(it, nxt) \
	it = &(*(it))->nxt; } }
#define lws_end_foreach_llp_safe(it) \
	it = next; } }

#define lws_ll_fwd_insert(___new_object, ___m_list, ___list_head) { \
	___new_object->___m_list = ___list_head; \
	___list_head = ___new_object; }

#define lws_ll_fwd_remove(___type, ___m_list, ___target, ___list_head) { \
	lws_start_foreach_llp(___type **, ___ppss, ___list_head) { \
		if (*___ppss == ___target) { \
			*___ppss = ___target->___m_list; \
			break; \
		} \
	} lws_end_foreach_llp(___ppss, ___m_list); }

#define lws_write_http(wsi, buf, len) \
	lws_write(wsi, (unsigned char *)(buf), len, LWS_WRITE_HTTP)

/* ---- timers (lws-timeout-timer.h) ---- */

#define lws_time_in_microseconds lws_now_usecs
#define lws_wsi_close(w, to_kill) lws_set_timeout(w, 1, to_kill)
#define lws_sul_debug_zombies(_a, _b, _c, _d)

/*
 * lws-ring.h helpers. Consume `count` elements for the consumer whose tail
 * is *ptail (a member `mtail` of a `type` in the list at `list_head`,
 * linked through `mlist`); if that consumer was the oldest, the consumer
 * with the most elements still waiting becomes the oldest tail, which
 * retires (destroy_element) what no consumer needs any more.
 */
#define lws_ring_consume_and_update_oldest_tail(ring, type, ptail, count, \
						list_head, mtail, mlist) { \
	int ___was_oldest = lws_ring_get_oldest_tail(ring) == *(ptail); \
	lws_ring_consume(ring, ptail, NULL, count); \
	if (___was_oldest) { \
		uint32_t ___oldest = *(ptail); \
		int ___most = 0, ___w; \
		lws_start_foreach_llp(type **, ___ppss, list_head) { \
			___w = (int)lws_ring_get_count_waiting_elements(ring, \
						&(*___ppss)->mtail); \
			if (___w >= ___most) { \
				___most = ___w; \
				___oldest = (*___ppss)->mtail; \
			} \
		} lws_end_foreach_llp(___ppss, mlist); \
		lws_ring_update_oldest_tail(ring, ___oldest); \
	} \
}

/* The same for a ring with one consumer, whose tail is always the oldest. */
#define lws_ring_consume_single_tail(ring, ptail, count) { \
	lws_ring_consume(ring, ptail, NULL, count); \
	lws_ring_update_oldest_tail(ring, *(ptail)); \
}


/* ---- servicing from the program's own poll loop (lws-service.h) ---- */

LWS_VISIBLE LWS_EXTERN int
lws_service_fd(struct lws_context *context, struct lws_pollfd *pollfd);

LWS_VISIBLE LWS_EXTERN int
lws_service_fd_tsi(struct lws_context *context, struct lws_pollfd *pollfd,
		   int tsi);

LWS_VISIBLE LWS_EXTERN int
lws_handle_POLLOUT_event(struct lws *wsi, struct lws_pollfd *pollfd);

#ifdef __cplusplus
}
#endif

#endif
