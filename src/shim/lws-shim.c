/*
 * lws-rs C shim: the exported symbols that take C variadic arguments or a
 * va_list, which stable Rust cannot define. Each formats in C and hands
 * the finished text to Rust through sinks registered at load time.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>

#define LWS_SHIM_EXPORT __attribute__((visibility("default")))

typedef int (*lws_shim_visible_fn)(int level);
typedef void (*lws_shim_emit_fn)(int level, const char *line);

static lws_shim_visible_fn shim_visible;
static lws_shim_emit_fn shim_emit;

/* Called by the Rust side from an .init_array entry; not exported. */
void lws_shim_set_sink(lws_shim_visible_fn visible, lws_shim_emit_fn emit);
void lws_shim_set_sink(lws_shim_visible_fn visible, lws_shim_emit_fn emit)
{
	shim_visible = visible;
	shim_emit = emit;
}

LWS_SHIM_EXPORT void _lws_logv(int filter, const char *format, va_list vl);
LWS_SHIM_EXPORT void _lws_log(int filter, const char *format, ...);
LWS_SHIM_EXPORT int lws_snprintf(char *str, size_t size, const char *format, ...);
LWS_SHIM_EXPORT int lws_open(const char *file, int oflag, ...);

void _lws_logv(int filter, const char *format, va_list vl)
{
	/* one line; longer messages are cut and marked, as lws does */
	char buf[1024];
	int n;

	if (!format || !shim_visible || !shim_emit || !shim_visible(filter))
		return;

	n = vsnprintf(buf, sizeof(buf), format, vl);
	if (n < 0)
		return;
	if (n >= (int)sizeof(buf)) {
		n = (int)sizeof(buf) - 5;
		buf[n++] = '.';
		buf[n++] = '.';
		buf[n++] = '.';
		buf[n++] = '\n';
		buf[n] = '\0';
	}
	shim_emit(filter, buf);
}

void _lws_log(int filter, const char *format, ...)
{
	va_list ap;

	va_start(ap, format);
	_lws_logv(filter, format, ap);
	va_end(ap);
}

int lws_snprintf(char *str, size_t size, const char *format, ...)
{
	va_list ap;
	int n;

	if (!size || !str || !format)
		return 0;

	va_start(ap, format);
	n = vsnprintf(str, size, format, ap);
	va_end(ap);

	if (n < 0) {
		str[0] = '\0';
		return 0;
	}
	/* lws reports the buffer size, not the untruncated length */
	if ((size_t)n >= size)
		return (int)size;

	return n;
}

int lws_open(const char *file, int oflag, ...)
{
	va_list ap;
	int fd;

	if (!file) {
		errno = EINVAL;
		return -1;
	}

	va_start(ap, oflag);
	/* the mode argument exists only when a file may be created */
	if ((oflag & O_CREAT) == O_CREAT
#if defined(O_TMPFILE)
	    || (oflag & O_TMPFILE) == O_TMPFILE
#endif
	   )
		fd = open(file, oflag | O_CLOEXEC, (unsigned int)va_arg(ap, unsigned int));
	else
		fd = open(file, oflag | O_CLOEXEC);
	va_end(ap);

	return fd;
}

/* System message distribution: the Rust side owns the messages. */
typedef int (*lws_shim_smd_wants_fn)(void *ctx, uint32_t cls);
typedef void *(*lws_shim_smd_alloc_fn)(void *ctx, uint32_t cls, size_t len);
typedef void (*lws_shim_smd_set_len_fn)(void *payload, size_t len);

static lws_shim_smd_wants_fn smd_wants;
static lws_shim_smd_alloc_fn smd_alloc;
static lws_shim_smd_set_len_fn smd_set_len;

void lws_shim_set_smd(lws_shim_smd_wants_fn w, lws_shim_smd_alloc_fn a,
		      lws_shim_smd_set_len_fn l);
void lws_shim_set_smd(lws_shim_smd_wants_fn w, lws_shim_smd_alloc_fn a,
		      lws_shim_smd_set_len_fn l)
{
	smd_wants = w;
	smd_alloc = a;
	smd_set_len = l;
}

/* exported by the Rust side */
int lws_smd_msg_send(void *ctx, void *payload);
void lws_smd_msg_free(void **payload);

#define LWS_SHIM_SMD_MAX_PAYLOAD 384

LWS_SHIM_EXPORT int lws_smd_msg_printf(void *ctx, uint32_t cls, const char *format, ...);

int lws_smd_msg_printf(void *ctx, uint32_t cls, const char *format, ...)
{
	va_list ap;
	void *p;
	int n;

	if (!format || !smd_wants || !smd_wants(ctx, cls))
		/* nobody listens to this class: nothing to do, not an error */
		return 0;

	va_start(ap, format);
	n = vsnprintf(NULL, 0, format, ap);
	va_end(ap);
	if (n < 0 || n > LWS_SHIM_SMD_MAX_PAYLOAD)
		return 1;

	p = smd_alloc(ctx, cls, (size_t)n + 2);
	if (!p)
		return 1;

	va_start(ap, format);
	vsnprintf((char *)p, (size_t)n + 1, format, ap);
	va_end(ap);
	smd_set_len(p, (size_t)n);

	if (lws_smd_msg_send(ctx, p)) {
		lws_smd_msg_free(&p);
		return 1;
	}

	return 0;
}
