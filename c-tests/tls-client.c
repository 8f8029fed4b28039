/*
 * TLS client for tests/tls.rs, built against Debian's headers and run on
 * both libraries: connects with the given LCCSCF_* flags and prints one
 * line per TLS-relevant callback.
 *
 *   tls-client -p PORT [options]
 *     --host NAME        Host/SNI/verified name (default localhost)
 *     --address A        address to connect to (default 127.0.0.1)
 *     --http             GET /path instead of a WebSocket echo
 *     --path P           request path (default /)
 *     --cafile F         client_ssl_ca_filepath
 *     --camem F          client_ssl_ca_mem (the file contents)
 *     --cert F --key F   client certificate and key
 *     --no-os-ca         LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS
 *     --selfsigned --skip-host --expired --insecure   LCCSCF_* flags
 *     --plain            no LCCSCF_USE_SSL
 *     --alpn LIST        connect info alpn
 *     --provided-ctx F   provided_client_ssl_ctx: our own SSL_CTX trusting F
 *     --extra-der F      lws_tls_client_vhost_extra_cert_mem with F (DER)
 *     --memcert F --memkey F   client certificate and key from memory
 *     --late-init        context without LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
 *                        lws_init_vhost_client_ssl() adds client TLS after
 */
#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int interrupted, done_rx;
static const char *path = "/";

static char *
slurp(const char *p, unsigned int *len)
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
	fclose(f);
	*len = (unsigned int)n;
	return b;
}

static void
describe(struct lws *wsi)
{
	char big[sizeof(union lws_tls_cert_info_results) + 128];
	union lws_tls_cert_info_results *r = (union lws_tls_cert_info_results *)big;
	const unsigned char *a = NULL;
	unsigned int alen = 0;
	SSL *ssl = lws_get_ssl(wsi);
	char cn[160] = "-";
	int verified = -1;

	if (!lws_tls_peer_cert_info(wsi, LWS_TLS_CERT_INFO_COMMON_NAME, r,
				    sizeof(big) - sizeof(*r) + 64))
		snprintf(cn, sizeof(cn), "%s", r->ns.name);
	if (!lws_tls_peer_cert_info(wsi, LWS_TLS_CERT_INFO_VERIFIED, r, sizeof(*r)))
		verified = (int)r->verified;
	if (ssl)
		SSL_get0_alpn_selected(ssl, &a, &alen);
	printf(" ssl=%d peer-cn=%s verified=%d alpn=%.*s", lws_is_ssl(wsi), cn,
	       verified, (int)alen, a ? (const char *)a : "");
}

static int
cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
   size_t len)
{
	unsigned char buf[LWS_PRE + 64];
	char rb[LWS_PRE + 1024], *px = rb + LWS_PRE;
	int lenx = (int)sizeof(rb) - LWS_PRE;
	X509 *x;
	char name[256];

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS:
		printf("load-extra-client ctx=%d\n", user != NULL);
		break;
	case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
		x = X509_STORE_CTX_get_current_cert((X509_STORE_CTX *)user);
		name[0] = '\0';
		if (x)
			X509_NAME_oneline(X509_get_subject_name(x), name,
					  sizeof(name));
		printf("verify-server preverify=%d depth=%d err=%d ssl=%d subject=%s\n",
		       (int)len,
		       X509_STORE_CTX_get_error_depth((X509_STORE_CTX *)user),
		       X509_STORE_CTX_get_error((X509_STORE_CTX *)user),
		       in != NULL, name);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		printf("connection-error %s\n", in ? (char *)in : "(null)");
		interrupted = 1;
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		printf("established");
		describe(wsi);
		printf("\n");
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (done_rx)
			return -1;
		memcpy(&buf[LWS_PRE], "hello over tls", 14);
		if (lws_write(wsi, &buf[LWS_PRE], 14, LWS_WRITE_TEXT) != 14)
			return -1;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		printf("rx %.*s\n", (int)len, (const char *)in);
		done_rx = 1;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		printf("closed\n");
		interrupted = 1;
		break;
	case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
		printf("http-established status=%d", (int)lws_http_client_http_response(wsi));
		describe(wsi);
		printf("\n");
		break;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
		printf("body %.*s\n", (int)len, (const char *)in);
		break;
	case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
		if (lws_http_client_read(wsi, &px, &lenx) < 0)
			return -1;
		return 0;
	case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
		printf("http-completed\n");
		interrupted = 1;
		break;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		interrupted = 1;
		break;
	default:
		break;
	}
	fflush(stdout);
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "echo", cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

int
main(int argc, const char **argv)
{
	struct lws_context_creation_info info;
	struct lws_client_connect_info i;
	struct lws_context *context;
	char *ca_mem = NULL;
	unsigned int ca_len = 0;
	const char *p;
	int n = 0, late;

	lws_set_log_level((p = lws_cmdline_option(argc, argv, "-d")) ?
			  atoi(p) : 0, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	if (lws_cmdline_option(argc, argv, "--no-os-ca"))
		info.options |= LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS;
	info.client_ssl_ca_filepath = lws_cmdline_option(argc, argv, "--cafile");
	if ((p = lws_cmdline_option(argc, argv, "--camem"))) {
		ca_mem = slurp(p, &ca_len);
		info.client_ssl_ca_mem = ca_mem;
		info.client_ssl_ca_mem_len = ca_len;
	}
	if ((p = lws_cmdline_option(argc, argv, "--memcert"))) {
		info.client_ssl_cert_mem = slurp(p, &info.client_ssl_cert_mem_len);
		info.client_ssl_key_mem = slurp(lws_cmdline_option(argc, argv, "--memkey"),
						&info.client_ssl_key_mem_len);
	}
	info.client_ssl_cert_filepath = lws_cmdline_option(argc, argv, "--cert");
	info.client_ssl_private_key_filepath =
				lws_cmdline_option(argc, argv, "--key");
	info.timeout_secs = 5;
	info.connect_timeout_secs = 5;

	if ((p = lws_cmdline_option(argc, argv, "--provided-ctx"))) {
		SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

		SSL_CTX_load_verify_locations(ctx, p, NULL);
		info.provided_client_ssl_ctx = ctx;
	}

	late = !!lws_cmdline_option(argc, argv, "--late-init");
	if (late)
		info.options &= ~(uint64_t)LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	context = lws_create_context(&info);
	if (!context) {
		printf("create failed\n");
		return 1;
	}
	if (late) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		printf("late-init %d\n", lws_init_vhost_client_ssl(&info,
				lws_get_vhost_by_name(context, "default")));
	}
	if ((p = lws_cmdline_option(argc, argv, "--extra-der"))) {
		unsigned int dl = 0;
		char *der = slurp(p, &dl);

		printf("extra-cert %d\n", lws_tls_client_vhost_extra_cert_mem(
			lws_get_vhost_by_name(context, "default"),
			(const uint8_t *)der, dl));
		free(der);
	}

	memset(&i, 0, sizeof(i));
	i.context = context;
	i.port = (p = lws_cmdline_option(argc, argv, "-p")) ? atoi(p) : 7681;
	i.address = (p = lws_cmdline_option(argc, argv, "--address")) ? p :
								  "127.0.0.1";
	i.host = (p = lws_cmdline_option(argc, argv, "--host")) ? p : "localhost";
	i.origin = i.host;
	if ((p = lws_cmdline_option(argc, argv, "--path")))
		path = p;
	i.path = path;
	i.ssl_connection = LCCSCF_USE_SSL;
	if (lws_cmdline_option(argc, argv, "--plain"))
		i.ssl_connection = 0;
	if (lws_cmdline_option(argc, argv, "--selfsigned"))
		i.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED;
	if (lws_cmdline_option(argc, argv, "--skip-host"))
		i.ssl_connection |= LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK;
	if (lws_cmdline_option(argc, argv, "--expired"))
		i.ssl_connection |= LCCSCF_ALLOW_EXPIRED;
	if (lws_cmdline_option(argc, argv, "--insecure"))
		i.ssl_connection |= LCCSCF_ALLOW_INSECURE;
	i.alpn = lws_cmdline_option(argc, argv, "--alpn");
	if (lws_cmdline_option(argc, argv, "--http"))
		i.method = "GET";
	else
		i.protocol = "echo";

	if (!lws_client_connect_via_info(&i)) {
		printf("connect failed\n");
		interrupted = 1;
	}

	while (n >= 0 && !interrupted)
		n = lws_service(context, 0);

	lws_context_destroy(context);
	free(ca_mem);
	printf("exit\n");

	return 0;
}
