/*
 * lws_daemonize(), as upstream's test-server calls it for -D.
 *
 * usage: daemonize LOCKFILE REPORTFILE
 *
 * Prints "parent" and daemonizes; the daemon writes what it finds itself
 * to be (its pid, whether it leads its session, its directory, umask and
 * stdout) to REPORTFILE, then waits for signals.
 */
#include <libwebsockets.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char cwd[256], out[256], tmp[300];
	ssize_t n;
	mode_t um;
	FILE *f;

	if (argc < 3)
		return 1;
	printf("parent\n");
	fflush(stdout);
	if (lws_daemonize(argv[1])) {
		printf("lws_daemonize failed\n");
		return 2;
	}

	um = umask(0);
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "?");
	n = readlink("/proc/self/fd/1", out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[2]);
	f = fopen(tmp, "w");
	if (!f)
		return 3;
	fprintf(f, "pid %d session-leader %d cwd %s umask %03o stdout %s\n",
		(int)getpid(), getsid(0) == getpid(), cwd, (unsigned int)um, out);
	fclose(f);
	rename(tmp, argv[2]);

	for (;;)
		pause();

	return 0;
}
