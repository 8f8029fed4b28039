/*
 * The lws_x509_* API and lws_tls_cert_info on certificates made by
 * tests/tls.rs: x509 CA.pem LEAF.pem OTHER.pem. Prints what it finds;
 * run on Debian's library and on ours, the output must match.
 */
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *
slurp(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	char *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	if (fread(b, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(b);
		return NULL;
	}
	b[n] = '\0';
	fclose(f);
	*len = (size_t)n + 1; /* lws's examples pass the NUL too */
	return b;
}

static struct lws_x509_cert *
load(const char *path)
{
	struct lws_x509_cert *x = NULL;
	size_t len;
	char *pem = slurp(path, &len);
	int n;

	if (lws_x509_create(&x) || !x) {
		printf("create failed\n");
		exit(1);
	}
	n = lws_x509_parse_from_pem(x, pem, len);
	printf("parse %s: %d\n", strrchr(path, '/') ? strrchr(path, '/') + 1 : path, n);
	free(pem);
	return x;
}

static void
info(const char *what, struct lws_x509_cert *x)
{
	char big[sizeof(union lws_tls_cert_info_results) + 512];
	union lws_tls_cert_info_results *r = (union lws_tls_cert_info_results *)big;
	size_t room = sizeof(big) - sizeof(*r) + 64;
	long from = 0, to = 0;
	int n;

	n = lws_x509_info(x, LWS_TLS_CERT_INFO_COMMON_NAME, r, room);
	printf("%s cn: %d %s len=%d\n", what, n, n ? "-" : r->ns.name, n ? 0 : r->ns.len);
	n = lws_x509_info(x, LWS_TLS_CERT_INFO_ISSUER_NAME, r, room);
	printf("%s issuer: %d %s\n", what, n, n ? "-" : r->ns.name);
	if (!lws_x509_info(x, LWS_TLS_CERT_INFO_VALIDITY_FROM, r, room))
		from = (long)r->time;
	if (!lws_x509_info(x, LWS_TLS_CERT_INFO_VALIDITY_TO, r, room))
		to = (long)r->time;
	printf("%s span: %ld\n", what, to - from);
	n = lws_x509_info(x, LWS_TLS_CERT_INFO_USAGE, r, room);
	printf("%s usage: %d 0x%x\n", what, n, n ? 0 : r->usage);
	n = lws_x509_info(x, LWS_TLS_CERT_INFO_OPAQUE_PUBLIC_KEY, r, room);
	printf("%s pubkey: %d len=%d\n", what, n, n ? 0 : r->ns.len);
	n = lws_x509_info(x, LWS_TLS_CERT_INFO_VERIFIED, r, room);
	printf("%s verified: %d\n", what, n);
	n = lws_x509_info(x, LWS_TLS_CERT_INFO_COMMON_NAME, r, 12);
	printf("%s cn in 12 bytes: %d %s\n", what, n, n ? "-" : r->ns.name);
}

int
main(int argc, const char **argv)
{
	struct lws_x509_cert *ca, *leaf, *other, *empty = NULL;

	if (argc < 4)
		return 2;
	lws_set_log_level(0, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	ca = load(argv[1]);
	leaf = load(argv[2]);
	other = load(argv[3]);
	info("ca", ca);
	info("leaf", leaf);
	printf("verify leaf by ca: %d\n", lws_x509_verify(leaf, ca, NULL));
	printf("verify leaf by ca cn=client1: %d\n", lws_x509_verify(leaf, ca, "client1"));
	printf("verify leaf by ca cn=nobody: %d\n", lws_x509_verify(leaf, ca, "nobody"));
	printf("verify leaf by other: %d\n", lws_x509_verify(leaf, other, NULL));
	printf("verify ca by ca: %d\n", lws_x509_verify(ca, ca, NULL));
	lws_x509_create(&empty);
	printf("parse garbage: %d\n", lws_x509_parse_from_pem(empty, "not a cert", 11));
	lws_x509_destroy(&ca);
	lws_x509_destroy(&leaf);
	lws_x509_destroy(&other);
	lws_x509_destroy(&empty);
	printf("destroyed %d\n", ca == NULL && leaf == NULL && other == NULL && empty == NULL);

	return 0;
}
