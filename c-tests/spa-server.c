/*
 * lws_spa_* on real POST bodies: a server whose HTTP_BODY callbacks feed a
 * form parser, and a client thread that POSTs urlencoded and multipart
 * bodies (the storage size is the last URL segment). Prints every upload
 * callback and the stored values; the output is the same on Debian's
 * library and on ours.
 *
 * usage: spa-server <port>
 */
#include <libwebsockets.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char * const param_names[] = { "user", "pass", "text", "a", "n2",
					    "file" };

struct pss {
	struct lws_spa *spa;
	int max_storage;
	int id;
};

static volatile int interrupted;
static int port, ids;
static struct lws_context *context;

static void
show(const char *what, const char *buf, int len)
{
	int n;

	printf("%s \"", what);
	for (n = 0; n < len; n++) {
		unsigned char c = (unsigned char)buf[n];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"')
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	printf("\"\n");
}

static int
upload_cb(void *data, const char *name, const char *filename, char *buf,
	  int len, enum lws_spa_fileupload_states state)
{
	struct pss *pss = data;

	printf("  [%d] upload state=%d name=%s filename=%s buf=%s len=%d\n",
	       pss->id, (int)state, name, filename, buf ? "set" : "NULL", len);
	if (buf && len)
		show("    data", buf, len);

	return 0;
}

static int
callback_http(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	      void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	const char *p;
	int n;

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		p = strrchr((const char *)in, '/');
		pss->max_storage = p ? atoi(p + 1) : 0;
		pss->id = ++ids;
		return 0;

	case LWS_CALLBACK_HTTP_BODY:
		if (!pss->spa) {
			pss->spa = lws_spa_create(wsi, param_names,
					LWS_ARRAY_SIZE(param_names),
					pss->max_storage, upload_cb, pss);
			if (!pss->spa)
				return -1;
		}
		n = lws_spa_process(pss->spa, in, (int)len);
		if (n) {
			printf("  [%d] process=%d\n", pss->id, n);
			fflush(stdout);
			return -1;
		}
		break;

	case LWS_CALLBACK_HTTP_BODY_COMPLETION:
		printf("  [%d] finalize=%d\n", pss->id, lws_spa_finalize(pss->spa));
		for (n = 0; n < (int)LWS_ARRAY_SIZE(param_names); n++) {
			if (!lws_spa_get_string(pss->spa, n))
				printf("  [%d] %s: absent (len %d)\n", pss->id,
				       param_names[n],
				       lws_spa_get_length(pss->spa, n));
			else {
				printf("  [%d] %s: len %d ", pss->id,
				       param_names[n],
				       lws_spa_get_length(pss->spa, n));
				show("", lws_spa_get_string(pss->spa, n),
				     (int)strlen(lws_spa_get_string(pss->spa, n)));
			}
		}
		lws_spa_destroy(pss->spa);
		pss->spa = NULL;
		fflush(stdout);
		return -1; /* the client reads until we close */

	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		if (pss && pss->spa) {
			lws_spa_destroy(pss->spa);
			pss->spa = NULL;
		}
		break;

	default:
		break;
	}

	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static struct lws_protocols protocols[] = {
	{ "http", callback_http, sizeof(struct pss), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const char mp_body[] =
	"------WebKitFormBoundaryX7\r\n"
	"Content-Disposition: form-data; name=\"text\"\r\n\r\n"
	"hello\r\n-- not a boundary\r\n------WebKitFormBoundaryX\r\nend"
	"\r\n------WebKitFormBoundaryX7\r\n"
	"content-disposition: form-data; name=\"file\"; filename=\"a b.txt\"\r\n"
	"Content-Type: text/plain\r\n\r\n"
	"line1\r\nline2\r\r\n--\r\n"
	"\r\n------WebKitFormBoundaryX7\r\n"
	"Content-Disposition: form-data; name=\"empty\"; filename=\"e\"\r\n\r\n"
	"\r\n------WebKitFormBoundaryX7\r\n"
	"Content-Disposition: form-data; name=\"n2\"\r\n\r\n"
	"v2\r\n------WebKitFormBoundaryX7--\r\ntrailing junk";

static const char mp_ct[] =
	"multipart/form-data; boundary=----WebKitFormBoundaryX7";

static void
post(const char *path, const char *ct, const char *body, size_t blen)
{
	struct sockaddr_in sa;
	char req[512], rbuf[256];
	size_t off;
	int fd, n, tries = 0;

	printf("POST %s %s (%zu bytes)\n", path, ct, blen);
	fflush(stdout);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	for (;;) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		close(fd);
		if (++tries > 100) {
			printf("cannot connect\n");
			exit(1);
		}
		usleep(50000);
	}

	n = snprintf(req, sizeof(req), "POST %s HTTP/1.1\r\nHost: localhost\r\n"
		     "Content-Type: %s\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n\r\n", path, ct, blen);
	if (write(fd, req, (size_t)n) != n)
		exit(1);
	/* the body in pieces of 37 bytes, a little apart */
	for (off = 0; off < blen; off += 37) {
		size_t c = blen - off < 37 ? blen - off : 37;

		if (write(fd, body + off, c) != (ssize_t)c)
			break;
		usleep(2000);
	}
	while (read(fd, rbuf, sizeof(rbuf)) > 0)
		;
	close(fd);
}

static void *
client(void *arg)
{
	static const char u1[] =
		"user=jo+bloggs&skip=1&pass=p%41%3d%3Dss%7e&text=a%20b+c%2B";
	static const char u2[] = "a=12&a=345&n2=&text=x=y&user=%4";
	static const char u3[] = "a=123456&user=123456789";
	static const char u4[] = "a=1234567&text=123456";
	char big[1400];
	const char *hd = "--B\r\nContent-Disposition: form-data; name=\"text\""
			 "\r\n\r\n0123456789\r\n--B\r\nContent-Disposition: "
			 "form-data; name=\"file\"; filename=\"f\"\r\n\r\n";
	size_t n, h;

	(void)arg;

	post("/form/1024", "application/x-www-form-urlencoded", u1, strlen(u1));
	post("/form/1024", "application/x-www-form-urlencoded", u2, strlen(u2));
	post("/form/16", "application/x-www-form-urlencoded", u3, strlen(u3));
	post("/form/16", "application/x-www-form-urlencoded", u4, strlen(u4));
	post("/form/1024", mp_ct, mp_body, strlen(mp_body));

	/* a 10-byte value, then a file of 1000 bytes with 64 bytes storage */
	h = strlen(hd);
	memcpy(big, hd, h);
	for (n = 0; n < 1000; n++)
		big[h + n] = (char)('a' + (n % 26));
	memcpy(big + h + 1000, "\r\n--B--\r\n", 9);
	post("/form/64", "multipart/form-data; boundary=B", big, h + 1009);

	interrupted = 1;
	lws_cancel_service(context);

	return NULL;
}

int
main(int argc, const char **argv)
{
	struct lws_context_creation_info info;
	pthread_t t;

	if (argc < 2)
		return 1;
	port = atoi(argv[1]);

	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = port;
	info.protocols = protocols;

	context = lws_create_context(&info);
	if (!context)
		return 1;

	pthread_create(&t, NULL, client, NULL);
	while (!interrupted)
		if (lws_service(context, 50) < 0)
			break;
	pthread_join(t, NULL);
	lws_context_destroy(context);
	printf("done\n");

	return 0;
}
