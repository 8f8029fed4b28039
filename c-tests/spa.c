/*
 * Escaping helpers (lws_sql_purify, lws_json_purify, lws_json_purify_len,
 * lws_filename_purify_inplace, lws_urlencode, lws_urldecode) on many inputs
 * and output sizes. Prints every byte each call writes (the buffers are
 * bigger than the length given and pre-filled, so bytes written past it
 * show too); the output is the same on Debian's library and on ours.
 *
 * lws 4.1.6's lws_json_purify can write past its length with many
 * two-byte escapes; those cases are predicted here and not run.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

#define FILL 0x7f
#define SLACK 16

static const char *inputs[] = {
	"",
	"a",
	"hello world",
	"it's a 'quoted' string",
	"''''",
	"a-b_c.d~e/f?g=h&i#j",
	"tab\there\nnew\rline",
	"back\\slash \"quote\"",
	"\x01\x02\x1f ctl",
	"caf\xc3\xa9 \xe2\x82\xac",
	"../../etc/passwd",
	"...",
	"....x",
	"C:\\dir\\$file%20.txt",
	"ABCxyz0123456789",
	"%41%42%43",
	"%4a%4A%7e+plus+",
	"a%2",
	"a%",
	"bad%zz",
	"bad%4z",
	"%00nul",
	"+++",
	"100%",
	"%e2%82%ac%20euro",
};

static const int lens[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 16, 20, 32, 64, 200 };

static void
dump(const char *what, const char *in, int len, const char *buf, int size)
{
	int n, last = -1;

	for (n = 0; n < size; n++)
		if ((unsigned char)buf[n] != FILL)
			last = n;

	printf("%s len=%d in=\"", what, len);
	for (n = 0; in[n]; n++)
		printf("%02x", (unsigned char)in[n]);
	printf("\" out=");
	for (n = 0; n <= last; n++)
		printf("%02x", (unsigned char)buf[n]);
	printf("\n");
}

/* does 4.1.6's lws_json_purify write more than len bytes for s? */
static int
json_overflows(const char *s, int len)
{
	int left = len, out = 0;

	while (*s && left-- > 6) {
		unsigned char c = (unsigned char)*s++;

		if (c == '\t' || c == '\n' || c == '\r' || c == '\\')
			out += 2;
		else if (c == '"' || c < 0x20 || c >= 0x80) {
			out += 6;
			left -= 5;
		} else
			out++;
	}

	return out + 1 > len;
}

int
main(void)
{
	char buf[256 + SLACK], fn[64];
	const char *r;
	size_t i, j;
	int used, n;

	for (i = 0; i < LWS_ARRAY_SIZE(inputs); i++) {
		const char *in = inputs[i];

		for (j = 0; j < LWS_ARRAY_SIZE(lens); j++) {
			int len = lens[j];

			memset(buf, FILL, sizeof(buf));
			r = lws_sql_purify(buf, in, len);
			dump(r == buf ? "sql" : "sql-BADRET", in, len, buf, len + SLACK);

			memset(buf, FILL, sizeof(buf));
			r = lws_urlencode(buf, in, len);
			dump(r == buf ? "urlencode" : "urlencode-BADRET", in, len, buf,
			     len + SLACK);

			memset(buf, FILL, sizeof(buf));
			n = lws_urldecode(buf, in, len);
			printf("urldecode ret=%d ", n);
			dump("", in, len, buf, len + SLACK);

			if (json_overflows(in, len)) {
				printf("json len=%d skipped\n", len);
				continue;
			}
			memset(buf, FILL, sizeof(buf));
			used = -12345;
			r = lws_json_purify(buf, in, len, &used);
			printf("json used=%d ", used);
			dump(r == buf ? "" : "BADRET", in, len, buf, len + SLACK);
		}

		printf("json_purify_len %d\n", lws_json_purify_len(in));

		memset(fn, FILL, sizeof(fn));
		strcpy(fn, in);
		lws_filename_purify_inplace(fn);
		dump("filename", in, 0, fn, (int)sizeof(fn));

		/* urldecode in place */
		memset(buf, FILL, sizeof(buf));
		strcpy(buf, in);
		n = lws_urldecode(buf, buf, 200);
		printf("urldecode-inplace ret=%d ", n);
		dump("", in, 200, buf, 64);
	}

	/* json with a NULL string: an empty output, in_used untouched */
	memset(buf, FILL, sizeof(buf));
	used = -7;
	lws_json_purify(buf, NULL, 16, &used);
	printf("json NULL used=%d ", used);
	dump("", "", 16, buf, 32);

	/* json without in_used */
	memset(buf, FILL, sizeof(buf));
	lws_json_purify(buf, "x\"y", 64, NULL);
	dump("json no in_used", "x\"y", 64, buf, 80);

	printf("done\n");

	return 0;
}
