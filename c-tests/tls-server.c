/*
 * TLS server for tests/tls.rs: https and wss echo on one port, built
 * against Debian's headers and run on both libraries; one line per TLS
 * event so the traces can be compared.
 *
 *   tls-server -p PORT --cert F --key F [options]
 *     --mem                 pass cert and key as memory (server_ssl_*_mem)
 *     --ca F                ssl_ca_filepath (for client certificates)
 *     --require-client-cert LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT
 *     --reject              the verification callback refuses every cert
 *     --alpn LIST           info.alpn
 *     --allow-non-ssl       LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT
 *     --redirect            ... plus LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS
 *     --sni-cert F --sni-key F   a second vhost "other.test" on the port
 *     --update-cert F --update-key F   copies in memory for GET /update,
 *                           which calls lws_tls_cert_updated
 *     --restrict N          simultaneous_ssl_restriction
 *     --info                ssl_info_event_mask = SSL_CB_HANDSHAKE_DONE
 *     -t SECS               timeout_secs
 *     --no-key              no key file: OPENSSL_CONTEXT_REQUIRES_PRIVATE_KEY
 *                           loads it into the SSL_CTX
 *     --pass PW             ssl_private_key_password (encrypted key)
 *     --ciphers L --tls13-ciphers L   ssl_cipher_list, tls1_3_plus_cipher_list
 *     --no-tls13            ssl_options_set = SSL_OP_NO_TLSv1_3
 *     --memca F             server_ssl_ca_mem (for client certificates)
 *     --curve NAME          ecdh_curve
 *
 * GET /anything answers "ssl=.. version=.. cn=.. verified=.. vhost=..".
 * The "echo" WebSocket protocol echoes each message.
 */
#include <libwebsockets.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile int interrupted;
static int reject;
static const char *late_key;
static struct lws_context *context;
static const char *cert_path, *key_path, *upd_cert, *upd_key;

struct pss {
	unsigned char buf[LWS_PRE + 8192];
	size_t len;
	int binary, pending;
};

static char *
slurp(const char *path, unsigned int *len)
{
	FILE *f = fopen(path, "rb");
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
	*len = (unsigned int)n;
	return b;
}

static void
peer_desc(struct lws *wsi, char *out, size_t olen)
{
	char big[sizeof(union lws_tls_cert_info_results) + 128];
	union lws_tls_cert_info_results *r = (union lws_tls_cert_info_results *)big;
	const char *cn = "-", *ver = "-";
	int verified = -1;
	SSL *ssl = lws_get_ssl(wsi);
	struct lws_vhost *vh = lws_get_vhost(wsi);
	char vcn[sizeof(big)];

	if (!lws_tls_peer_cert_info(wsi, LWS_TLS_CERT_INFO_COMMON_NAME, r,
				    sizeof(big) - sizeof(*r) + 64))
		cn = r->ns.name;
	snprintf(vcn, sizeof(vcn), "%s", cn);
	if (!lws_tls_peer_cert_info(wsi, LWS_TLS_CERT_INFO_VERIFIED, r, sizeof(*r)))
		verified = (int)r->verified;
	if (ssl)
		ver = SSL_get_version(ssl);
	snprintf(out, olen, "ssl=%d version=%s cn=%s verified=%d vhost=%s",
		 lws_is_ssl(wsi), ver, vcn, verified,
		 vh ? lws_get_vhost_name(vh) : "-");
}

static void
vhost_cert(struct lws_vhost *vh)
{
	char big[sizeof(union lws_tls_cert_info_results) + 128];
	union lws_tls_cert_info_results *r = (union lws_tls_cert_info_results *)big;
	size_t room = sizeof(big) - sizeof(*r) + 64;
	char cn[160] = "-", iss[160] = "-";
	long from = 0, to = 0;

	if (!lws_tls_vhost_cert_info(vh, LWS_TLS_CERT_INFO_COMMON_NAME, r, room))
		snprintf(cn, sizeof(cn), "%s", r->ns.name);
	if (!lws_tls_vhost_cert_info(vh, LWS_TLS_CERT_INFO_ISSUER_NAME, r, room))
		snprintf(iss, sizeof(iss), "%s", r->ns.name);
	if (!lws_tls_vhost_cert_info(vh, LWS_TLS_CERT_INFO_VALIDITY_FROM, r, room))
		from = (long)r->time;
	if (!lws_tls_vhost_cert_info(vh, LWS_TLS_CERT_INFO_VALIDITY_TO, r, room))
		to = (long)r->time;
	printf("vhost %s cert cn=%s issuer=%s span=%ld\n",
	       lws_get_vhost_name(vh), cn, iss, to - from);
}

static int
http_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	void *in, size_t len)
{
	unsigned char buf[LWS_PRE + 1024], *start = &buf[LWS_PRE], *p = start,
		      *end = &buf[sizeof(buf) - 1];
	char body[512], name[256];
	X509 *x;
	int n;

	(void)user;
	switch (reason) {
	case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS:
		printf("load-extra-server ctx=%d vhost=%s\n", user != NULL,
		       in ? lws_get_vhost_name((struct lws_vhost *)in) : "-");
		break;
	case LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS:
		printf("load-extra-client ctx=%d\n", user != NULL);
		break;
	case LWS_CALLBACK_OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION:
		x = X509_STORE_CTX_get_current_cert((X509_STORE_CTX *)user);
		name[0] = '\0';
		if (x)
			X509_NAME_oneline(X509_get_subject_name(x), name,
					  sizeof(name));
		printf("verify-client preverify=%d depth=%d ssl=%d subject=%s -> %s\n",
		       (int)len,
		       X509_STORE_CTX_get_error_depth((X509_STORE_CTX *)user),
		       in != NULL, name, reject ? "reject" : "accept");
		fflush(stdout);
		return reject;
	case LWS_CALLBACK_OPENSSL_CONTEXT_REQUIRES_PRIVATE_KEY:
		n = late_key && SSL_CTX_use_PrivateKey_file((SSL_CTX *)user,
					late_key, SSL_FILETYPE_PEM) == 1;
		printf("requires-private-key ctx=%d loaded=%d\n", user != NULL, n);
		fflush(stdout);
		return !n;
	case LWS_CALLBACK_SSL_INFO:
		printf("ssl-info where=0x%x\n",
		       ((struct lws_ssl_info *)in)->where);
		break;
	case LWS_CALLBACK_PROTOCOL_INIT:
		vhost_cert(lws_get_vhost(wsi));
		break;
	case LWS_CALLBACK_HTTP:
		if (!strcmp((const char *)in, "/update")) {
			unsigned int cl = 0, kl = 0;
			char *c = upd_cert ? slurp(upd_cert, &cl) : NULL,
			     *k = upd_key ? slurp(upd_key, &kl) : NULL;

			n = lws_tls_cert_updated(context, cert_path, key_path,
						 c, cl, k, kl);
			printf("cert-updated %d\n", n);
			free(c);
			free(k);
			vhost_cert(lws_get_vhost(wsi));
		}
		peer_desc(wsi, body, sizeof(body));
		printf("http %s %s\n", (const char *)in, body);
		fflush(stdout);
		n = (int)strlen(body);
		if (lws_add_http_common_headers(wsi, HTTP_STATUS_OK, "text/plain",
						(lws_filepos_t)n, &p, end) ||
		    lws_finalize_write_http_header(wsi, start, &p, end))
			return 1;
		memcpy(start, body, (size_t)n);
		if (lws_write(wsi, start, (size_t)n, LWS_WRITE_HTTP_FINAL) != n)
			return 1;
		if (lws_http_transaction_completed(wsi))
			return -1;
		return 0;
	default:
		break;
	}
	fflush(stdout);
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static int
echo_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
	void *in, size_t len)
{
	struct pss *pss = (struct pss *)user;
	char desc[512];
	int n;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		peer_desc(wsi, desc, sizeof(desc));
		printf("ws established %s\n", desc);
		break;
	case LWS_CALLBACK_RECEIVE:
		/* a message may come in pieces; the peer waits for each echo */
		if (pss->pending || pss->len + len > sizeof(pss->buf) - LWS_PRE)
			return -1;
		memcpy(&pss->buf[LWS_PRE + pss->len], in, len);
		pss->len += len;
		pss->binary = lws_frame_is_binary(wsi);
		if (!lws_is_final_fragment(wsi) ||
		    lws_remaining_packet_payload(wsi))
			break;
		pss->pending = 1;
		printf("ws rx %zu\n", pss->len);
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (!pss->pending)
			break;
		n = lws_write(wsi, &pss->buf[LWS_PRE], pss->len,
			      pss->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT);
		if (n < (int)pss->len)
			return -1;
		pss->pending = 0;
		pss->len = 0;
		break;
	case LWS_CALLBACK_CLOSED:
		printf("ws closed\n");
		break;
	default:
		break;
	}
	fflush(stdout);
	return 0;
}

static struct lws_protocols protocols[] = {
	{ "http", http_cb, 0, 0, 0, NULL, 0 },
	{ "echo", echo_cb, sizeof(struct pss), 8192, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
	lws_cancel_service(context);
}

int
main(int argc, const char **argv)
{
	struct lws_context_creation_info info;
	const char *p;
	char *cm = NULL, *km = NULL;
	unsigned int cl = 0, kl = 0;
	int n = 0;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	lws_set_log_level((p = lws_cmdline_option(argc, argv, "-d")) ?
			  atoi(p) : LLL_ERR, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	memset(&info, 0, sizeof(info));
	info.port = (p = lws_cmdline_option(argc, argv, "-p")) ? atoi(p) : 7681;
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	info.vhost_name = "localhost";
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
		       LWS_SERVER_OPTION_DISABLE_IPV6 |
		       LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	cert_path = lws_cmdline_option(argc, argv, "--cert");
	key_path = lws_cmdline_option(argc, argv, "--key");
	upd_cert = lws_cmdline_option(argc, argv, "--update-cert");
	upd_key = lws_cmdline_option(argc, argv, "--update-key");
	reject = !!lws_cmdline_option(argc, argv, "--reject");
	if (lws_cmdline_option(argc, argv, "--mem")) {
		cm = slurp(cert_path, &cl);
		km = slurp(key_path, &kl);
		info.server_ssl_cert_mem = cm;
		info.server_ssl_cert_mem_len = cl;
		info.server_ssl_private_key_mem = km;
		info.server_ssl_private_key_mem_len = kl;
	} else {
		info.ssl_cert_filepath = cert_path;
		info.ssl_private_key_filepath = key_path;
	}
	if (lws_cmdline_option(argc, argv, "--no-key")) {
		late_key = key_path;
		info.ssl_private_key_filepath = NULL;
	}
	info.ssl_private_key_password = lws_cmdline_option(argc, argv, "--pass");
	info.ssl_cipher_list = lws_cmdline_option(argc, argv, "--ciphers");
	info.tls1_3_plus_cipher_list = lws_cmdline_option(argc, argv, "--tls13-ciphers");
	if (lws_cmdline_option(argc, argv, "--no-tls13"))
		info.ssl_options_set = SSL_OP_NO_TLSv1_3;
	info.ssl_ca_filepath = lws_cmdline_option(argc, argv, "--ca");
	if ((p = lws_cmdline_option(argc, argv, "--memca")))
		info.server_ssl_ca_mem = slurp(p, &info.server_ssl_ca_mem_len);
	info.ecdh_curve = lws_cmdline_option(argc, argv, "--curve");
	if (lws_cmdline_option(argc, argv, "--require-client-cert"))
		info.options |= LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT;
	if (lws_cmdline_option(argc, argv, "--allow-non-ssl"))
		info.options |= LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT;
	if (lws_cmdline_option(argc, argv, "--redirect"))
		info.options |= LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT |
				LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS;
	info.alpn = lws_cmdline_option(argc, argv, "--alpn");
	if ((p = lws_cmdline_option(argc, argv, "--restrict")))
		info.simultaneous_ssl_restriction = atoi(p);
	if (lws_cmdline_option(argc, argv, "--info"))
		info.ssl_info_event_mask = SSL_CB_HANDSHAKE_DONE;
	if ((p = lws_cmdline_option(argc, argv, "-t")))
		info.timeout_secs = (unsigned int)atoi(p);

	context = lws_create_context(&info);
	if (!context || !lws_create_vhost(context, &info)) {
		printf("create failed\n");
		return 1;
	}
	if ((p = lws_cmdline_option(argc, argv, "--sni-cert"))) {
		info.vhost_name = "other.test";
		info.ssl_cert_filepath = p;
		info.ssl_private_key_filepath =
			lws_cmdline_option(argc, argv, "--sni-key");
		info.server_ssl_cert_mem = NULL;
		info.server_ssl_private_key_mem = NULL;
		if (!lws_create_vhost(context, &info)) {
			printf("sni vhost failed\n");
			return 1;
		}
	}
	printf("listening\n");

	while (n >= 0 && !interrupted)
		n = lws_service(context, 0);

	lws_context_destroy(context);
	free(cm);
	free(km);
	printf("exit\n");

	return 0;
}
