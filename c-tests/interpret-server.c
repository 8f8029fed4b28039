/*
 * interpret-server.c - a file mount whose ".html" files are interpreted by a
 * protocol (lws_http_mount.interpret), driven by tests/interpret.rs.
 *
 *   interpret-server -p PORT -w WWWDIR
 *
 * Prints "listening" once the context exists.
 *
 * Mount "/" serves WWWDIR (default index.html); files ending in ".html" go
 * through protocol "interp": each piece arrives as LWS_CALLBACK_PROCESS_HTML
 * and lws_chunked_html_process() replaces "$hello" with "HELLO-REPLACED"
 * and "$world" with "w" and frames the chunks. A piece containing
 * "FAILNOW" makes the callback return -1 (the connection must close).
 *
 * On stdout: "bind interp zeroed=Z" on HTTP_BIND_PROTOCOL (Z: the user space
 * was all zero), "drop interp", "completion interp pieces=N" on
 * HTTP_FILE_COMPLETION, and "piece len=L max=M final=F chunked=C" for each
 * PROCESS_HTML.
 */

#include <libwebsockets.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pss_interp {
	struct lws_process_html_state state;
	int pieces;
};

static volatile sig_atomic_t interrupted;
static char wwwdir[1024];

static const char * const vars[] = { "$hello", "$world" };

static void
sigint_handler(int sig)
{
	(void)sig;
	interrupted = 1;
}

static const char *
replace(void *data, int index)
{
	(void)data;
	switch (index) {
	case 0:
		return "HELLO-REPLACED";
	case 1:
		return "w";
	}
	return NULL;
}

static int
all_zero(const void *p, size_t len)
{
	const unsigned char *c = p;
	size_t n;

	for (n = 0; n < len; n++)
		if (c[n])
			return 0;
	return 1;
}

static int
callback_interp(struct lws *wsi, enum lws_callback_reasons reason,
		void *user, void *in, size_t len)
{
	struct pss_interp *pss = (struct pss_interp *)user;
	struct lws_process_html_args *args;
	int n;

	switch (reason) {
	case LWS_CALLBACK_HTTP_BIND_PROTOCOL:
		printf("bind interp zeroed=%d\n",
		       pss ? all_zero(pss, sizeof(*pss)) : -1);
		break;

	case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
		printf("drop interp\n");
		break;

	case LWS_CALLBACK_PROCESS_HTML:
		args = (struct lws_process_html_args *)in;
		if (!pss)
			return -1;
		printf("piece len=%d max=%d final=%d chunked=%d\n", args->len,
		       args->max_len, args->final, args->chunked);
		for (n = 0; n + 7 <= args->len; n++)
			if (!memcmp(args->p + n, "FAILNOW", 7))
				return -1;
		if (!pss->state.vars) {
			pss->state.vars = vars;
			pss->state.count_vars = LWS_ARRAY_SIZE(vars);
			pss->state.replace = replace;
			pss->state.data = NULL;
		}
		pss->pieces++;
		if (lws_chunked_html_process(args, &pss->state))
			return -1;
		return 0;

	case LWS_CALLBACK_HTTP_FILE_COMPLETION:
		printf("completion interp pieces=%d\n", pss ? pss->pieces : -1);
		break;

	default:
		break;
	}

	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
	{ "interp", callback_interp, sizeof(struct pss_interp), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static const struct lws_protocol_vhost_options interpret_htm = {
	NULL, NULL, ".htm", "no-such-protocol"
};

static const struct lws_protocol_vhost_options interpret_html = {
	&interpret_htm, NULL, ".html", "interp"
};

static struct lws_http_mount mount;

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *context;
	int port = 0, opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	wwwdir[0] = '\0';

	while ((opt = getopt(argc, argv, "p:w:")) != -1) {
		switch (opt) {
		case 'p':
			port = atoi(optarg);
			break;
		case 'w':
			snprintf(wwwdir, sizeof(wwwdir), "%s", optarg);
			break;
		default:
			fprintf(stderr, "usage: %s -p PORT -w WWWDIR\n", argv[0]);
			return 2;
		}
	}
	if (!port || !wwwdir[0]) {
		fprintf(stderr, "-p and -w are required\n");
		return 2;
	}

	signal(SIGINT, sigint_handler);
	signal(SIGTERM, sigint_handler);
	lws_set_log_level(LLL_ERR, NULL);

	memset(&mount, 0, sizeof(mount));
	mount.mountpoint = "/";
	mount.mountpoint_len = 1;
	mount.origin = wwwdir;
	mount.def = "index.html";
	mount.origin_protocol = LWSMPRO_FILE;
	mount.interpret = &interpret_html;

	memset(&info, 0, sizeof(info));
	info.port = port;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.mounts = &mount;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
	info.gid = -1;
	info.uid = -1;

	context = lws_create_context(&info);
	if (!context) {
		fprintf(stderr, "lws_create_context failed\n");
		return 1;
	}
	printf("listening\n");

	while (!interrupted)
		if (lws_service(context, 0) < 0)
			break;

	lws_context_destroy(context);

	return 0;
}
