/*
 * File operations (lws-vfs.h), as upstream's test-server uses them: the
 * program wraps the platform open it gets from lws_get_fops(), and adds a
 * set of its own for paths with a ".vfs/" signature (info.fops), whose
 * files are virtual. Files are then opened through the list both by the
 * lws_vfs_* calls and by a file mount serving them.
 *
 * usage: vfs PORT
 *
 * Works in a fresh directory under /tmp: data.txt, index.html and
 * sub/index.html. Prints each open the list sees (paths relative to that
 * directory), what the lws_vfs_* calls return, and for each request a
 * thread makes to the mount, the status, the headers of interest and the
 * body.
 */
#include <libwebsockets.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static struct lws_context *ctx;
static struct lws_plat_file_ops plat;
static char dir[64];
static volatile int done;
static int port;

static const char *
rel(const char *path)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) ? path : path + n;
}

/* --- the program's virtual set: "<anything>.vfs/<name>" --- */

struct vfile {
	struct lws_fop_fd fd;		/* first: the handle lws sees */
	char content[64];
};

static struct lws_plat_file_ops custom;

static lws_fop_fd_t
custom_open(const struct lws_plat_file_ops *fops, const char *vfs_path,
	    const char *vpath, lws_fop_flags_t *flags)
{
	struct vfile *v;

	printf("custom open %s vpath=%s given-head=%d gzip-ok=%d\n",
	       rel(vfs_path), vpath ? vpath : "(null)",
	       fops == lws_get_fops(ctx),
	       !!(*flags & LWS_FOP_FLAG_COMPR_ACCEPTABLE_GZIP));
	if (!vpath || strstr(vpath, "missing.txt"))
		return NULL;

	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	snprintf(v->content, sizeof(v->content), "virtual %s\n", vpath);
	v->fd.fd = -1;
	v->fd.fops = &custom;
	v->fd.len = strlen(v->content);
	*flags |= LWS_FOP_FLAG_VIRTUAL;
	if (strstr(vpath, "gz.txt") &&
	    (*flags & LWS_FOP_FLAG_COMPR_ACCEPTABLE_GZIP))
		*flags |= LWS_FOP_FLAG_COMPR_IS_GZIP;
	v->fd.flags = *flags;

	return &v->fd;
}

static int closes;

static int
custom_close(lws_fop_fd_t *fop_fd)
{
	closes++;
	free(*fop_fd);
	*fop_fd = NULL;

	return 0;
}

static lws_fileofs_t
custom_seek_cur(lws_fop_fd_t fop_fd, lws_fileofs_t ofs)
{
	fop_fd->pos = (lws_filepos_t)((lws_fileofs_t)fop_fd->pos + ofs);

	return (lws_fileofs_t)fop_fd->pos;
}

static int
custom_read(lws_fop_fd_t fop_fd, lws_filepos_t *amount, uint8_t *buf,
	    lws_filepos_t len)
{
	struct vfile *v = (struct vfile *)fop_fd;
	lws_filepos_t n = fop_fd->len - fop_fd->pos;

	if (n > len)
		n = len;
	memcpy(buf, v->content + fop_fd->pos, n);
	fop_fd->pos += n;
	*amount = n;

	return 0;
}

/* --- the platform open, wrapped as test-server does --- */

static lws_fop_fd_t
logging_open(const struct lws_plat_file_ops *fops, const char *vfs_path,
	     const char *vpath, lws_fop_flags_t *flags)
{
	lws_fop_fd_t f = plat.open(fops, vfs_path, vpath, flags);

	if (f)
		printf("open %s vpath=%s gzip-ok=%d -> len %llu, own set %d\n",
		       rel(vfs_path), vpath ? vpath : "(null)",
		       !!(*flags & LWS_FOP_FLAG_COMPR_ACCEPTABLE_GZIP),
		       (unsigned long long)lws_vfs_get_length(f),
		       f->fops == fops);
	else
		printf("open %s failed\n", rel(vfs_path));

	return f;
}

static void
put(const char *name, const char *content)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(content, f);
	fclose(f);
}

/* the calls on an open file */
static void
api(void)
{
	lws_fop_flags_t flags = LWS_O_RDONLY;
	char path[128], buf[32];
	lws_filepos_t amount;
	lws_fileofs_t ofs;
	lws_fop_fd_t f;
	int r;

	snprintf(path, sizeof(path), "%s/data.txt", dir);
	f = lws_vfs_file_open(lws_get_fops(ctx), path, &flags);
	if (!f) {
		printf("data.txt did not open\n");
		return;
	}
	printf("len %llu tell %llu\n", (unsigned long long)lws_vfs_get_length(f),
	       (unsigned long long)lws_vfs_tell(f));
	memset(buf, 0, sizeof(buf));
	r = lws_vfs_file_read(f, &amount, (uint8_t *)buf, 4);
	printf("read %d %llu '%s' tell %llu\n", r, (unsigned long long)amount,
	       buf, (unsigned long long)lws_vfs_tell(f));
	ofs = lws_vfs_file_seek_set(f, 2);
	printf("seek_set 2: %lld tell %llu\n", (long long)ofs,
	       (unsigned long long)lws_vfs_tell(f));
	memset(buf, 0, sizeof(buf));
	r = lws_vfs_file_read(f, &amount, (uint8_t *)buf, 3);
	printf("read %d %llu '%s' tell %llu\n", r, (unsigned long long)amount,
	       buf, (unsigned long long)lws_vfs_tell(f));
	ofs = lws_vfs_file_seek_end(f, -3);
	printf("seek_end -3: %lld tell %llu\n", (long long)ofs,
	       (unsigned long long)lws_vfs_tell(f));
	ofs = lws_vfs_file_seek_cur(f, -100);
	printf("seek_cur -100: %lld tell %llu\n", (long long)ofs,
	       (unsigned long long)lws_vfs_tell(f));
	ofs = lws_vfs_file_seek_cur(f, 100);
	printf("seek_cur 100: %lld tell %llu\n", (long long)ofs,
	       (unsigned long long)lws_vfs_tell(f));
	lws_vfs_file_seek_set(f, 0);
	memset(buf, 0, sizeof(buf));
	r = lws_vfs_file_read(f, &amount, (uint8_t *)buf, sizeof(buf) - 1);
	printf("read %d %llu '%s'\n", r, (unsigned long long)amount, buf);
	r = lws_vfs_file_close(&f);
	printf("close %d, handle %s\n", r, f ? "kept" : "NULL");

	snprintf(path, sizeof(path), "%s/arch.vfs/inner.txt", dir);
	flags = LWS_O_RDONLY;
	f = lws_vfs_file_open(lws_get_fops(ctx), path, &flags);
	if (f) {
		memset(buf, 0, sizeof(buf));
		r = lws_vfs_file_read(f, &amount, (uint8_t *)buf, sizeof(buf) - 1);
		printf("virtual: virtual-flag %d len %llu read %d '%s'\n",
		       !!(flags & LWS_FOP_FLAG_VIRTUAL),
		       (unsigned long long)lws_vfs_get_length(f), r, buf);
		lws_vfs_file_close(&f);
	}

	snprintf(path, sizeof(path), "%s/none.txt", dir);
	flags = LWS_O_RDONLY;
	f = lws_vfs_file_open(lws_get_fops(ctx), path, &flags);
	printf("none.txt: %s\n", f ? "opened" : "NULL");
}

/* one HTTP/1.0 request; prints the status line, some headers, the body */
static void
get(const char *path, const char *extra)
{
	static const char *const want[] = {
		"content-type:", "content-encoding:", "content-length:"
	};
	struct sockaddr_in sa;
	char req[256], resp[4096], *body, *line, *save;
	size_t got = 0;
	ssize_t n;
	int fd, i;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		printf("GET %s: connect failed\n", path);
		close(fd);
		return;
	}
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: localhost\r\n%s\r\n",
		     path, extra);
	if (write(fd, req, (size_t)n) != n)
		printf("GET %s: write failed\n", path);
	while (got < sizeof(resp) - 1 &&
	       (n = read(fd, resp + got, sizeof(resp) - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	resp[got] = '\0';

	printf("GET %s%s\n", path, *extra ? " (accept-encoding sent)" : "");
	body = strstr(resp, "\r\n\r\n");
	if (body) {
		*body = '\0';
		body += 4;
	}
	for (line = strtok_r(resp, "\r\n", &save), i = 0; line;
	     line = strtok_r(NULL, "\r\n", &save), i++) {
		size_t k;

		if (!i) {
			printf("  %s\n", line);
			continue;
		}
		for (k = 0; k < LWS_ARRAY_SIZE(want); k++)
			if (!strncasecmp(line, want[k], strlen(want[k])))
				printf("  %s\n", line);
	}
	printf("  body '%s'\n", body ? body : "");
	fflush(stdout);
}

static void *
client(void *arg)
{
	(void)arg;
	get("/", "");
	get("/sub", "");
	get("/sub/", "");
	get("/nope", "");
	get("/v/inner.txt", "");
	get("/v/missing.txt", "");
	get("/v/gz.txt", "");
	get("/v/gz.txt", "Accept-Encoding: gzip\r\n");
	get("/data.txt", "Accept-Encoding: gzip, br\r\n");
	done = 1;
	lws_cancel_service(ctx);

	return NULL;
}

static const struct lws_protocols protocols[] = {
	{ "http", lws_callback_http_dummy, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_http_mount mount, vmount;
	char vorigin[128], cmd[128];
	const struct lws_plat_file_ops *saved;
	pthread_t t;

	if (argc < 2)
		return 1;
	port = atoi(argv[1]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	lws_set_log_level(LLL_ERR, NULL);

	strcpy(dir, "/tmp/lws-vfs-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(cmd, sizeof(cmd), "%s/sub", dir);
	mkdir(cmd, 0700);
	put("data.txt", "0123456789");
	put("index.html", "<p>index</p>\n");
	put("sub/index.html", "<p>sub</p>\n");

	custom.open = custom_open;
	custom.close = custom_close;
	custom.seek_cur = custom_seek_cur;
	custom.read = custom_read;
	custom.fi[0].sig = ".vfs/";
	custom.fi[0].len = 5;

	memset(&mount, 0, sizeof(mount));
	mount.mount_next = &vmount;
	mount.mountpoint = "/";
	mount.mountpoint_len = 1;
	mount.origin = dir;
	mount.def = "index.html";
	mount.origin_protocol = LWSMPRO_FILE;
	memset(&vmount, 0, sizeof(vmount));
	snprintf(vorigin, sizeof(vorigin), "%s/arch.vfs", dir);
	vmount.mountpoint = "/v";
	vmount.mountpoint_len = 2;
	vmount.origin = vorigin;
	vmount.origin_protocol = LWSMPRO_FILE;

	memset(&info, 0, sizeof(info));
	info.port = port;
	info.protocols = protocols;
	info.mounts = &mount;
	info.fops = &custom;
	ctx = lws_create_context(&info);
	if (!ctx)
		return 1;

	printf("list: head has open %d read %d, then the program's set %d, then %s\n",
	       !!lws_get_fops(ctx)->open, !!lws_get_fops(ctx)->read,
	       lws_get_fops(ctx)->next == &custom,
	       custom.next ? "more" : "nothing");
	saved = lws_get_fops(ctx);
	lws_set_fops(ctx, &custom);
	printf("lws_set_fops: head is the program's set %d\n",
	       lws_get_fops(ctx) == &custom);
	lws_set_fops(ctx, saved);

	plat = *lws_get_fops(ctx);
	lws_get_fops(ctx)->open = logging_open;

	api();

	pthread_create(&t, NULL, client, NULL);
	while (!done)
		lws_service(ctx, 0);
	pthread_join(t, NULL);
	lws_context_destroy(ctx);
	printf("custom closes %d\n", closes);

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	printf("done\n");

	return 0;
}
