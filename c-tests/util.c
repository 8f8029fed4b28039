/*
 * Pure helpers: lws_parse_uri, base64 (one-shot and incremental), HTTP
 * basic auth, retry backoff, randomness, hex, lws_strncpy, lws_nstrstr,
 * lws_timingsafe_bcmp, big-endian (de)serialisation, lws_explicit_bzero,
 * lws_interface_to_sa.
 * Prints results for many inputs, buffers byte by byte (so where NULs and
 * untouched bytes are shows), and only bounds for random values: the output
 * is the same on Debian's library and on ours.
 */
#include <libwebsockets.h>
#include <arpa/inet.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* Prints n bytes: printable as is, '|' for NUL, \xNN otherwise. */
static void
dump(const char *label, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	printf("%s[", label);
	for (i = 0; i < n; i++) {
		if (!b[i])
			putchar('|');
		else if (b[i] >= 0x20 && b[i] < 0x7f && b[i] != '\\')
			putchar(b[i]);
		else
			printf("\\x%02x", b[i]);
	}
	printf("]");
}

static const char *uris[] = {
	"http://example.com/path/to",
	"https://example.com",
	"ws://h:7681/",
	"wss://h:7681",
	"http://h/",
	"http://h:/x",
	"http://h:abc/x",
	"http://h:99999999999/x",
	"http://h: 80/x",
	"http://h:-5/x",
	"http://h:12ab/x/y",
	"ftp://h/x",
	"HTTP://h/x",
	"h",
	"h/x",
	"h:81/x",
	"",
	"://h/x",
	"http:/h/x",
	"http//h",
	"http://",
	"http:///path",
	"http://[::1]/x",
	"http://[::1]:8080/x",
	"https://[fe80::1%eth0]:443",
	"http://[::1",
	"ws://[::1]abc/x",
	"ws://[::1]:/x",
	"http://+/var/run/s:/my/path",
	"http://+@abstract:/p",
	"http://+/tmp/nopath",
	"unix://+/tmp/x:",
	"ws://user:pw@host:90/p?q=1#f",
	"wss://h/a//b",
	"http://h?x=1",
	"http://a://b/c",
	"x://y://z",
	"http://h//",
	"ws://h:80:90/p",
};

static void
test_parse_uri(void)
{
	char buf[128];
	const char *prot, *ads, *path;
	size_t i, n;
	int port, r;

	for (i = 0; i < LWS_ARRAY_SIZE(uris); i++) {
		n = strlen(uris[i]) + 1;
		memset(buf, '#', sizeof(buf));
		memcpy(buf, uris[i], n);
		port = -7;
		prot = ads = path = NULL;
		r = lws_parse_uri(buf, &prot, &ads, &port, &path);
		printf("uri '%s': r=%d prot='%s'@%d ads='%s'@%d port=%d path='%s'",
		       uris[i], r, prot, (int)(prot - buf), ads,
		       (int)(ads - buf), port, path);
		if (path >= buf && path < buf + sizeof(buf))
			printf("@%d ", (int)(path - buf));
		else
			printf("@static ");
		dump("buf", buf, n + 1);
		printf("\n");
	}
}

static void
test_b64_encode(void)
{
	static const char *in[] = { "", "f", "fo", "foo", "foob", "fooba",
				    "foobar", "\xfb\xff\xbf", "\xfb\xef",
				    "any carnal pleasure." };
	char out[64];
	size_t i;
	int size, r;

	for (i = 0; i < LWS_ARRAY_SIZE(in); i++) {
		int l = (int)strlen(in[i]);

		for (size = 0; size <= 12; size++) {
			memset(out, '#', sizeof(out));
			r = lws_b64_encode_string(in[i], l, out, size);
			printf("enc %d/%d size=%d r=%d ", (int)i, l, size, r);
			dump("out", out, (size_t)size + 1);
			printf("\n");
		}
		memset(out, '#', sizeof(out));
		r = lws_b64_encode_string(in[i], l, out, sizeof(out));
		printf("enc %d full r=%d '%s'\n", (int)i, r, out);
		memset(out, '#', sizeof(out));
		r = lws_b64_encode_string_url(in[i], l, out, sizeof(out));
		printf("encurl %d full r=%d '%s'\n", (int)i, r, out);
	}
	/* embedded NULs are data */
	memset(out, '#', sizeof(out));
	r = lws_b64_encode_string("a\0b\0", 4, out, sizeof(out));
	printf("enc nul r=%d '%s'\n", r, out);
}

static void
test_b64_decode(void)
{
	static const char *in[] = {
		"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy",
		"Zg", "Zm8", "Zg=", "Z", "=", "==", "====", "Zg==Zg==",
		"Zm9v\nYmFy", " Z m 9 v ", "-_-_", "+/+/", "-/+_",
		"Zm9vYmFy!!", "!!!!", "Zm9vY", "YW55IGNhcm5hbCBwbGVhc3VyZS4=",
		"Zm=9v", "QUJD\x80\xff" "REVG", "@@@@Zm9v",
	};
	char out[64];
	size_t i;
	int size, r;

	for (i = 0; i < LWS_ARRAY_SIZE(in); i++) {
		for (size = 1; size <= 10; size++) {
			memset(out, '#', sizeof(out));
			r = lws_b64_decode_string(in[i], out, size);
			dump("dec ", in[i], strlen(in[i]));
			printf(" size=%d r=%d ", size, r);
			dump("out", out, (size_t)size + 1);
			printf("\n");
		}
		memset(out, '#', sizeof(out));
		r = lws_b64_decode_string(in[i], out, sizeof(out));
		dump("dec ", in[i], strlen(in[i]));
		printf(" full r=%d ", r);
		dump("out", out, r >= 0 ? (size_t)r + 2 : 2);
		printf("\n");
		for (size = -2; size <= (int)strlen(in[i]) + 1; size++) {
			memset(out, '#', sizeof(out));
			r = lws_b64_decode_string_len(in[i], size, out,
						      sizeof(out));
			dump("declen ", in[i], strlen(in[i]));
			printf(" in_len=%d r=%d ", size, r);
			dump("out", out, r >= 0 ? (size_t)r + 2 : 2);
			printf("\n");
		}
	}
}

static void
test_b64_stateful(void)
{
	static const char *in = "YW55IGNhcm5hbCBwbGVhc3VyZS4=";
	struct lws_b64state s;
	uint8_t out[64];
	size_t chunk, pos, il, ol, total;
	int r, fin;

	printf("b64state size=%d done@%d len@%d i@%d c@%d\n",
	       (int)sizeof(struct lws_b64state),
	       (int)offsetof(struct lws_b64state, done),
	       (int)offsetof(struct lws_b64state, len),
	       (int)offsetof(struct lws_b64state, i),
	       (int)offsetof(struct lws_b64state, c));
	for (chunk = 1; chunk <= 9; chunk++) {
		lws_b64_decode_state_init(&s);
		pos = total = 0;
		memset(out, '#', sizeof(out));
		printf("stateful chunk=%d:", (int)chunk);
		while (pos < strlen(in)) {
			il = chunk;
			if (pos + il > strlen(in))
				il = strlen(in) - pos;
			fin = pos + il == strlen(in);
			ol = sizeof(out) - total;
			r = lws_b64_decode_stateful(&s, in + pos, &il,
						    out + total, &ol, fin);
			printf(" (r=%d il=%d ol=%d i=%d len=%d c=%d done=%d)",
			       r, (int)il, (int)ol, s.i, (int)s.len, s.c,
			       (int)s.done);
			if (!il)
				break;
			pos += il;
			total += ol;
		}
		printf(" ");
		dump("out", out, total + 1);
		printf("\n");
	}
	/* a small output buffer, not final, then final with nothing new */
	lws_b64_decode_state_init(&s);
	memset(out, '#', sizeof(out));
	il = strlen(in);
	ol = 7;
	r = lws_b64_decode_stateful(&s, in, &il, out, &ol, 0);
	printf("stateful small r=%d il=%d ol=%d i=%d len=%d ", r, (int)il,
	       (int)ol, s.i, (int)s.len);
	dump("out", out, 9);
	printf("\n");
	il = 3;
	ol = 20;
	memset(out, '#', sizeof(out));
	r = lws_b64_decode_stateful(&s, "Zm9", &il, out, &ol, 0);
	printf("stateful partial r=%d il=%d ol=%d i=%d len=%d ", r, (int)il,
	       (int)ol, s.i, (int)s.len);
	il = 1;
	ol = 20;
	r = lws_b64_decode_stateful(&s, "v", &il, out, &ol, 1);
	printf("then r=%d il=%d ol=%d i=%d len=%d ", r, (int)il, (int)ol,
	       s.i, (int)s.len);
	dump("out", out, 5);
	printf("\n");
}

static void
test_basic_auth(void)
{
	static const char *up[][2] = {
		{ "", "" }, { "a", "" }, { "", "b" }, { "a", "b" },
		{ "ab", "cd" }, { "Aladdin", "open sesame" }, { "u:v", "w" },
	};
	char user[200], buf[300];
	size_t i, len;
	int r;

	for (i = 0; i < LWS_ARRAY_SIZE(up); i++) {
		for (len = 0; len <= 40; len++) {
			memset(buf, '#', sizeof(buf));
			r = lws_http_basic_auth_gen(up[i][0], up[i][1], buf, len);
			printf("auth '%s':'%s' len=%d r=%d ", up[i][0], up[i][1],
			       (int)len, r);
			dump("buf", buf, len + 1);
			printf("\n");
		}
	}
	/* "user:pw" of 124, 125, 126, 127, 200 bytes */
	for (len = 122; len <= 198; len++) {
		if (len > 125 && len != 198)
			continue;
		memset(user, 'u', len);
		user[len] = '\0';
		memset(buf, '#', sizeof(buf));
		r = lws_http_basic_auth_gen(user, "p", buf, sizeof(buf));
		printf("auth long user=%d r=%d ", (int)len, r);
		dump("buf", buf, 12);
		printf(" strlen=%d\n", memchr(buf, 0, sizeof(buf)) ?
						(int)strlen(buf) : -1);
	}
}

static void
test_retry(struct lws_context *ctx)
{
	static const uint32_t table[] = { 100, 200, 4000 };
	lws_retry_bo_t rb;
	uint16_t ctry;
	char conceal;
	unsigned int ms, base, pc;
	int i, j, inb, cfg;

	for (cfg = 0; cfg < 6; cfg++) {
		memset(&rb, 0, sizeof(rb));
		rb.retry_ms_table = table;
		rb.retry_ms_table_count = LWS_ARRAY_SIZE(table);
		rb.conceal_count = 3;
		pc = 30;
		switch (cfg) {
		case 1:
			rb.jitter_percent = 50;
			pc = 50;
			break;
		case 2:
			rb.jitter_percent = 255;
			pc = 255;
			break;
		case 3:
			rb.conceal_count = LWS_RETRY_CONCEAL_ALWAYS;
			rb.jitter_percent = 1;
			pc = 1;
			break;
		case 4:
			rb.retry_ms_table_count = 1;
			rb.conceal_count = 0;
			break;
		}
		ctry = 0;
		for (i = 0; i < 6; i++) {
			inb = 1;
			base = cfg == 5 ? 3000 :
				table[i < rb.retry_ms_table_count ?
				      i : rb.retry_ms_table_count - 1];
			for (j = 0; j < 300; j++) {
				uint16_t t = ctry;

				conceal = 9;
				ms = lws_retry_get_delay_ms(ctx, cfg == 5 ? NULL : &rb,
							    &t, &conceal);
				if (ms < base || ms > base + (base * pc) / 100)
					inb = 0;
				if (j == 299)
					printf("retry cfg=%d try=%d -> ctry=%d conceal=%d in-bounds=%d\n",
					       cfg, i, t, conceal, inb);
			}
			ctry++;
		}
	}
	ctry = 0xfffe;
	ms = lws_retry_get_delay_ms(ctx, NULL, &ctry, NULL);
	printf("retry sat ctry=%d\n", ctry);
	ms = lws_retry_get_delay_ms(ctx, NULL, &ctry, NULL);
	printf("retry sat ctry=%d in-bounds=%d\n", ctry, ms >= 3000 && ms <= 3900);
	rb.retry_ms_table_count = 3;
	rb.conceal_count = 0xfffe;
	conceal = 9;
	ctry = 0xfffe;
	ms = lws_retry_get_delay_ms(ctx, &rb, &ctry, &conceal);
	printf("retry conceal at 0xffff: ctry=%d conceal=%d\n", ctry, conceal);
	rb.conceal_count = 0xffff;
	ms = lws_retry_get_delay_ms(ctx, &rb, &ctry, &conceal);
	printf("retry conceal always at 0xffff: ctry=%d conceal=%d\n", ctry,
	       conceal);
}

static int
all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", s[i]) || !s[i])
			return 0;
	return 1;
}

static void
test_random(struct lws_context *ctx)
{
	char buf[64];
	size_t len, sl;
	int r, diff = 0, k;

	for (len = 0; len <= 48; len += 16)
		printf("get_random len=%d r=%d\n", (int)len,
		       (int)lws_get_random(ctx, buf, len));
	for (len = 1; len <= 12; len++) {
		memset(buf, '#', sizeof(buf));
		r = lws_hex_random(ctx, buf, len);
		sl = strlen(buf);
		printf("hex_random len=%d r=%d strlen=%d hex=%d after='%c'\n",
		       (int)len, r, (int)sl, all_hex(buf, sl), buf[len]);
	}
	/* two draws differ (16 random bytes) */
	for (k = 0; k < 4; k++) {
		char a[33], b[33];

		if (lws_hex_random(ctx, a, sizeof(a)) ||
		    lws_hex_random(ctx, b, sizeof(b)))
			printf("hex_random failed\n");
		diff += !!strcmp(a, b);
	}
	printf("hex_random draws differ=%d\n", diff);
}

static void
test_hex(void)
{
	static const char *in[] = { "", "00", "0a1B", "abc", "zz", "a", "0g",
				    "g0", "ABCDEF0123", "ff ", "FfEe" };
	uint8_t d[16];
	size_t i;
	int max, r;

	for (i = 0; i < LWS_ARRAY_SIZE(in); i++) {
		for (max = 0; max <= 7; max++) {
			memset(d, 0x5a, sizeof(d));
			r = lws_hex_to_byte_array(in[i], d, max);
			printf("hex '%s' max=%d r=%d ", in[i], max, r);
			dump("d", d, 6);
			printf("\n");
		}
		r = lws_hex_to_byte_array(in[i], d, -1);
		printf("hex '%s' max=-1 r=%d\n", in[i], r);
	}
}

static void
test_strings(void)
{
	static const char *hay = "GET /abcabd HTTP/1.1\r\nHost: x";
	static const char *needles[] = { "G", "abd", "ab", "x", "Host: x",
					 "Host: xy", "\r\n", "/1.1\r", "zz",
					 "GET /abcabd HTTP/1.1\r\nHost: x" };
	char buf[16];
	const char *p;
	size_t size, i, len;

	for (size = 1; size <= 9; size++) {
		memset(buf, '#', sizeof(buf));
		p = lws_strncpy(buf, "hello", size);
		printf("strncpy size=%d ret=%s ", (int)size,
		       p == buf ? "dest" : "other");
		dump("buf", buf, size + 1);
		printf("\n");
	}
	memset(buf, '#', sizeof(buf));
	lws_strncpy(buf, "", 4);
	dump("strncpy empty ", buf, 5);
	printf("\n");

	for (i = 0; i < LWS_ARRAY_SIZE(needles); i++) {
		for (len = 0; len <= strlen(hay); len += 3) {
			p = lws_nstrstr(hay, len, needles[i], strlen(needles[i]));
			printf("nstrstr '%s' len=%d -> %d\n", needles[i],
			       (int)len, p ? (int)(p - hay) : -1);
		}
		p = lws_nstrstr(hay, strlen(hay), needles[i], strlen(needles[i]));
		printf("nstrstr '%s' all -> %d\n", needles[i],
		       p ? (int)(p - hay) : -1);
	}
	/* the needle's length wins over its NUL; no NUL needed in buf */
	{
		static const char *h2 = "abcXdef";

		p = lws_nstrstr(h2, 7, "Xdzz", 2);
		printf("nstrstr partial needle -> %d\n", p ? (int)(p - h2) : -1);
	}
	p = lws_nstrstr("a\0b\0c", 5, "\0c", 2);
	printf("nstrstr with NULs -> %s\n", p ? "found" : "NULL");

	printf("bcmp same=%d diff=%d len0=%d bits=%d last=%d\n",
	       lws_timingsafe_bcmp("abcd", "abcd", 4),
	       lws_timingsafe_bcmp("abcd", "abce", 4) != 0,
	       lws_timingsafe_bcmp("a", "b", 0),
	       lws_timingsafe_bcmp("\x01\x10", "\x02\x20", 2),
	       lws_timingsafe_bcmp("xxxx\x80", "xxxx\x00", 5));
}

static void
test_ser(void)
{
	uint8_t b[10];

	memset(b, 0xee, sizeof(b));
	lws_ser_wu16be(b, 0x1234);
	dump("wu16", b, 3);
	printf(" r=%04x\n", lws_ser_ru16be(b));
	memset(b, 0xee, sizeof(b));
	lws_ser_wu32be(b + 1, 0x89abcdefu);
	dump("wu32", b, 6);
	printf(" r=%08x\n", lws_ser_ru32be(b + 1));
	memset(b, 0xee, sizeof(b));
	lws_ser_wu64be(b + 1, 0x0102030405060788ull);
	dump("wu64", b, 10);
	printf(" r=%016llx\n", (unsigned long long)lws_ser_ru64be(b + 1));
	memset(b, 0xff, sizeof(b));
	printf("ru all-ones %04x %08x %016llx\n", lws_ser_ru16be(b),
	       lws_ser_ru32be(b), (unsigned long long)lws_ser_ru64be(b));

	memset(b, 'z', sizeof(b));
	lws_explicit_bzero(b + 2, 5);
	dump("bzero", b, sizeof(b));
	printf("\n");
	lws_explicit_bzero(b, 0);
	dump("bzero0", b, sizeof(b));
	printf("\n");
}

static void
itosa4(const char *name)
{
	struct sockaddr_in sin;
	char ip[64];
	int rc;

	memset(&sin, 0xa5, sizeof(sin));
	rc = lws_interface_to_sa(0, name, &sin, sizeof(sin));
	if (rc) {
		printf("itosa4 '%s' rc=%d\n", name, rc);
		return;
	}
	inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip));
	printf("itosa4 '%s' rc=0 fam=%s port=%04x %s\n", name,
	       sin.sin_family == AF_INET ? "inet" : "untouched",
	       ntohs(sin.sin_port), ip);
}

static void
itosa6(const char *name)
{
	struct sockaddr_in6 sin6;
	char ip[64];
	int rc;

	memset(&sin6, 0, sizeof(sin6));
	rc = lws_interface_to_sa(1, name, (struct sockaddr_in *)&sin6,
				 sizeof(sin6));
	if (rc) {
		printf("itosa6 '%s' rc=%d\n", name, rc);
		return;
	}
	inet_ntop(AF_INET6, &sin6.sin6_addr, ip, sizeof(ip));
	printf("itosa6 '%s' rc=0 %s\n", name, ip);
}

/* lws_interface_to_sa: interfaces, literals and names that are neither */
static void
test_itosa(void)
{
	itosa4("lo");
	itosa4("127.0.0.1");
	itosa4("10.1.2.3");
	itosa4("no-such-if0");
	itosa4("");
	itosa6("lo");
	itosa6("::1");
	itosa6("fe80::1");
	itosa6("no-such-if0");
}

int main(void)
{
	struct lws_context_creation_info info;
	struct lws_context *ctx;

	lws_set_log_level(0, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	ctx = lws_create_context(&info);
	if (!ctx)
		return 1;

	test_parse_uri();
	test_b64_encode();
	test_b64_decode();
	test_b64_stateful();
	test_basic_auth();
	test_retry(ctx);
	test_random(ctx);
	test_hex();
	test_strings();
	test_ser();
	test_itosa();

	lws_context_destroy(ctx);
	printf("done\n");
	return 0;
}
