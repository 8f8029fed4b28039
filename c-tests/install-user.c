/*
 * A program built against the installed library, as its users build it:
 * tests/install.rs compiles it with pkg-config and with CMake's
 * find_package(libwebsockets) (shared and static targets), tests/deb.rs
 * with the pkg-config file of the installed Debian package.
 *
 * Usage: install-user [port]. Prints the library version, a log line through
 * its own emitter, and, given a port, serves one HTTP request on a vhost
 * there that a thread of its own sends. Last, it prints which
 * libwebsockets file /proc/self/maps shows loaded ("none" when linked
 * statically), so the test can tell the installed library was used.
 */
#include <libwebsockets.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct lws_context *context;
static int port;
static atomic_int client_done;
static char status_line[128] = "no response";

static void
emit(int level, const char *line)
{
	(void)level;
	printf("log: %s", line);
	if (!strchr(line, '\n'))
		printf("\n");
}

static int
callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	 void *in, size_t len)
{
	if (reason == LWS_CALLBACK_HTTP) {
		printf("server: request %s\n", (const char *)in);
		if (lws_return_http_status(wsi, HTTP_STATUS_OK, "installed"))
			return -1;
		return lws_http_transaction_completed(wsi) ? -1 : 0;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ "http", callback, 0, 0, 0, NULL, 0 },
	LWS_PROTOCOL_LIST_TERM
};

/* A plain blocking client; it wakes the service loop when it is done. */
static void *
client(void *arg)
{
	static const char req[] = "GET /install-check HTTP/1.1\r\nHost: localhost\r\n\r\n";
	struct timeval tv = { 10, 0 };
	struct sockaddr_in sa;
	char buf[1024];
	size_t have = 0;
	ssize_t n;
	int fd;

	(void)arg;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		if (!connect(fd, (struct sockaddr *)&sa, sizeof sa) &&
		    write(fd, req, sizeof req - 1) == (ssize_t)sizeof req - 1) {
			while (have < sizeof buf - 1 &&
			       (n = read(fd, buf + have, sizeof buf - 1 - have)) > 0) {
				have += (size_t)n;
				buf[have] = '\0';
				if (strstr(buf, "\r\n"))
					break;
			}
			buf[have] = '\0';
			if (strstr(buf, "\r\n")) {
				*strstr(buf, "\r\n") = '\0';
				lws_strncpy(status_line, buf, sizeof status_line);
			}
		}
		close(fd);
	}
	client_done = 1;
	lws_cancel_service(context);
	return NULL;
}

static void
print_loaded(void)
{
	char line[4096], last[4096] = "";
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;

	while (f && fgets(line, sizeof line, f)) {
		char *path = strchr(line, '/');

		if (!path || !strstr(path, "/libwebsockets"))
			continue;
		path[strcspn(path, "\n")] = '\0';
		if (!strcmp(path, last))
			continue;
		lws_strncpy(last, path, sizeof last);
		printf("loaded: %s\n", path);
		found = 1;
	}
	if (f)
		fclose(f);
	if (!found)
		printf("loaded: none\n");
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_vhost *vh;
	pthread_t thread;

	port = argc > 1 ? atoi(argv[1]) : 0;
	lws_set_log_level(LLL_ERR | LLL_WARN | LLL_USER, emit);
	printf("version: %s\n", lws_get_library_version());
	lwsl_user("hello from %s\n", "install-user");

	memset(&info, 0, sizeof info);
	info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	context = lws_create_context(&info);
	if (!context) {
		printf("lws_create_context failed\n");
		return 1;
	}
	info.port = port ? port : CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.vhost_name = "install-user";
	vh = lws_create_vhost(context, &info);
	if (!vh) {
		printf("lws_create_vhost failed\n");
		lws_context_destroy(context);
		return 1;
	}
	printf("vhost: %s\n", lws_get_vhost_name(vh));

	if (port) {
		printf("listening: %d\n", lws_get_vhost_listen_port(vh) == port);
		if (pthread_create(&thread, NULL, client, NULL)) {
			lws_context_destroy(context);
			return 1;
		}
		while (!client_done)
			if (lws_service(context, 1000) < 0)
				break;
		pthread_join(thread, NULL);
		printf("client: %s\n", status_line);
	}

	print_loaded();
	lws_context_destroy(context);
	printf("destroyed\n");
	return 0;
}
