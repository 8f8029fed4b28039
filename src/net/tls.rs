//! TLS over the system's OpenSSL: the vhosts' server and client `SSL_CTX`s
//! and the per-connection `SSL` the service loop drives without blocking.
//!
//! Programs hold real OpenSSL objects across the API (`lws_get_ssl`, the
//! `OPENSSL_*` callbacks, `provided_client_ssl_ctx`), so contexts are built
//! with the `openssl` crate and connections use `openssl-sys` directly on
//! the socket descriptor, as C callers of `SSL_get_fd` expect.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_long, c_ulong, c_void, CStr, CString};
use std::rc::Rc;
use std::sync::OnceLock;

use foreign_types::{ForeignType, ForeignTypeRef};
use openssl::pkey::PKey;
use openssl::ssl::{SslContext, SslContextBuilder, SslMethod, SslOptions};
use openssl::x509::X509;
use openssl_sys as ffi;

use super::context::{opt_cstr, Context, Vhost};
use super::wsi::{Wsi, WsiState};
use crate::capi::log;
use crate::capi::types::lws_context_creation_info;

pub(crate) const OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS: c_int = 21;
pub(crate) const OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS: c_int = 22;
pub(crate) const OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION: c_int = 23;
pub(crate) const OPENSSL_CONTEXT_REQUIRES_PRIVATE_KEY: c_int = 37;
pub(crate) const OPENSSL_PERFORM_SERVER_CERT_VERIFICATION: c_int = 58;
pub(crate) const SSL_INFO: c_int = 67;

pub(crate) const LCCSCF_USE_SSL: c_int = 1 << 0;
pub(crate) const LCCSCF_ALLOW_SELFSIGNED: c_int = 1 << 1;
pub(crate) const LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK: c_int = 1 << 2;
pub(crate) const LCCSCF_ALLOW_EXPIRED: c_int = 1 << 3;
pub(crate) const LCCSCF_ALLOW_INSECURE: c_int = 1 << 4;

pub(crate) mod opt {
    pub(crate) const REQUIRE_VALID_OPENSSL_CLIENT_CERT: u64 = (1 << 1) | (1 << 12);
    pub(crate) const ALLOW_NON_SSL_ON_SSL_PORT: u64 = (1 << 3) | (1 << 12);
    pub(crate) const DISABLE_OS_CA_CERTS: u64 = 1 << 6;
    pub(crate) const PEER_CERT_NOT_REQUIRED: u64 = 1 << 7;
    pub(crate) const REDIRECT_HTTP_TO_HTTPS: u64 = (1 << 11) | (1 << 12);
    pub(crate) const DO_SSL_GLOBAL_INIT: u64 = 1 << 12;
    pub(crate) const CREATE_VHOST_SSL_CTX: u64 = 1 << 24;
    pub(crate) const IGNORE_MISSING_CERT: u64 = 1 << 26;
    pub(crate) const ALLOW_HTTP_ON_HTTPS_LISTENER: u64 = 1 << 29;
}

fn has(options: u64, o: u64) -> bool {
    options & o == o
}

extern "C" {
    fn SSL_set_info_callback(
        ssl: *mut ffi::SSL,
        cb: Option<unsafe extern "C" fn(*const ffi::SSL, c_int, c_int)>,
    );
    fn X509_NAME_oneline(name: *const ffi::X509_NAME, buf: *mut c_char, size: c_int)
        -> *mut c_char;
    fn ERR_error_string_n(e: c_ulong, buf: *mut c_char, len: usize);
    fn SSL_get_SSL_CTX(ssl: *const ffi::SSL) -> *mut ffi::SSL_CTX;
    fn SSL_CTX_use_certificate(ctx: *mut ffi::SSL_CTX, x: *mut ffi::X509) -> c_int;
    fn SSL_CTX_use_PrivateKey(ctx: *mut ffi::SSL_CTX, k: *mut ffi::EVP_PKEY) -> c_int;
    fn SSL_CTX_check_private_key(ctx: *const ffi::SSL_CTX) -> c_int;
    fn SSL_set_fd(ssl: *mut ffi::SSL, fd: c_int) -> c_int;
    fn X509_VERIFY_PARAM_set1_ip_asc(
        param: *mut ffi::X509_VERIFY_PARAM,
        ip: *const c_char,
    ) -> c_int;
}

/// The ex_data slot of an `SSL` that holds its wsi.
fn wsi_index() -> c_int {
    static IDX: OnceLock<c_int> = OnceLock::new();
    *IDX.get_or_init(|| {
        // SAFETY: registers a plain slot with no constructors/destructors.
        unsafe {
            ffi::CRYPTO_get_ex_new_index(
                ffi::CRYPTO_EX_INDEX_SSL,
                0,
                std::ptr::null_mut(),
                None,
                None,
                None,
            )
        }
    })
}

/// The wsi an `SSL` belongs to.
///
/// # Safety
/// `ssl` must be a live SSL created by this module.
unsafe fn wsi_of(ssl: *const ffi::SSL) -> Option<&'static Wsi> {
    // SAFETY: per the contract; the slot holds a wsi that owns the SSL.
    let p = unsafe { ffi::SSL_get_ex_data(ssl, wsi_index()) } as *const Wsi;
    // SAFETY: the wsi frees its SSL before it is freed itself.
    (!p.is_null()).then(|| unsafe { &*p })
}

/// OpenSSL's text for an error code, as `ERR_error_string_n` gives it.
fn err_string(code: c_ulong) -> String {
    let mut buf = [0 as c_char; 256];
    // SAFETY: writes at most buf.len() bytes, NUL-terminated.
    unsafe {
        ERR_error_string_n(code, buf.as_mut_ptr(), buf.len());
        CStr::from_ptr(buf.as_ptr()).to_string_lossy().into_owned()
    }
}

fn clear_errors() {
    // SAFETY: clears this thread's OpenSSL error queue.
    unsafe { ffi::ERR_clear_error() };
}

/// The per-vhost TLS state.
#[derive(Default)]
pub(crate) struct VhostTls {
    /// The server `SSL_CTX` (the vhost listens with TLS).
    pub server: RefCell<Option<SslContext>>,
    /// The client `SSL_CTX` for wss:// and https:// connections.
    pub client: RefCell<Option<SslContext>>,
    pub info_mask: c_int,
    /// ALPN list (comma separated) the vhost offers/accepts.
    pub alpn: Option<String>,
    /// Where the server certificate came from (for lws_tls_cert_updated).
    pub cert_path: Option<String>,
    pub key_path: Option<String>,
}

/// Turns "a,b" into the ALPN wire format.
fn alpn_wire(list: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for p in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        if p.len() < 256 && out.len() + p.len() < 40 {
            out.push(p.len() as u8);
            out.extend_from_slice(p.as_bytes());
        }
    }
    out
}

/// The first of our protocols (server preference) the client offers,
/// as a slice of the client's list.
fn alpn_select<'a>(ours: &[u8], client: &'a [u8]) -> Option<&'a [u8]> {
    alpn_items(ours)
        .into_iter()
        .find_map(|o| alpn_items(client).into_iter().find(|t| *t == o))
}

fn alpn_items(mut b: &[u8]) -> Vec<&[u8]> {
    let mut v = Vec::new();
    while let Some((&n, rest)) = b.split_first() {
        let n = n as usize;
        if n == 0 || rest.len() < n {
            break;
        }
        v.push(&rest[..n]);
        b = &rest[n..];
    }
    v
}

/// What a client offers by default: http/1.1 only, until the HTTP/2
/// client exists.
pub(crate) const ALPN_DEFAULT: &str = "http/1.1";
/// What a server offers by default, as 4.1.6: h2 first.
pub(crate) const ALPN_SERVER_DEFAULT: &str = "h2,http/1.1";

fn mem_slice<'a>(p: *const c_void, len: u32) -> Option<&'a [u8]> {
    if p.is_null() || len == 0 {
        return None;
    }
    // SAFETY: the program's buffer of `len` bytes, read during creation.
    Some(unsafe { std::slice::from_raw_parts(p as *const u8, len as usize) })
}

fn is_pem(b: &[u8]) -> bool {
    b.windows(10).any(|w| w == b"-----BEGIN")
}

/// OpenSSL's reasons, without the decoder's attempt-by-attempt noise.
fn reasons(e: &openssl::error::ErrorStack) -> String {
    let mut v: Vec<&str> = e.errors().iter().filter_map(|x| x.reason()).collect();
    v.dedup();
    v.join(", ")
}

/// A certificate in PEM or DER.
fn cert_from_mem(b: &[u8]) -> Result<X509, String> {
    if is_pem(b) {
        X509::from_pem(b)
    } else {
        X509::from_der(b)
    }
    .map_err(|e| format!("unable to parse certificate: {}", reasons(&e)))
}

/// A private key in PEM (encrypted with `pass` or not) or DER.
fn key_from_mem(b: &[u8], pass: Option<&CStr>) -> Result<PKey<openssl::pkey::Private>, String> {
    let r = match (is_pem(b), pass) {
        (true, Some(p)) => PKey::private_key_from_pem_passphrase(b, p.to_bytes()),
        (true, None) => PKey::private_key_from_pem(b),
        (false, _) => PKey::private_key_from_der(b),
    };
    r.map_err(|e| format!("unable to use private key: {}", reasons(&e)))
}

fn read_file(path: &CStr) -> Result<Vec<u8>, String> {
    let p = path.to_string_lossy();
    std::fs::read(&*p).map_err(|e| format!("problem reading '{p}': {e}"))
}

/// Raw `SSL_CTX_set_verify` with our callback (the builder's closure form
/// cannot reach the wsi without ex_data anyway).
fn set_ctx_verify(b: &mut SslContextBuilder, mode: c_int) {
    // SAFETY: the builder's live SSL_CTX.
    unsafe { ffi::SSL_CTX_set_verify(b.as_ptr(), mode, Some(server_verify_cb)) };
}

/// Server side: a client certificate was checked; the program decides
/// (non-zero return from its callback rejects).
extern "C" fn server_verify_cb(preverify_ok: c_int, x: *mut ffi::X509_STORE_CTX) -> c_int {
    // SAFETY: OpenSSL passes the store context of a handshake on one of
    // our SSLs.
    unsafe {
        let ssl = ffi::X509_STORE_CTX_get_ex_data(x, ffi::SSL_get_ex_data_X509_STORE_CTX_idx())
            as *mut ffi::SSL;
        let Some(w) = wsi_of(ssl) else { return 0 };
        let n = w.dispatch_protocol(
            0,
            OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION,
            x as *mut c_void,
            ssl as *mut c_void,
            preverify_ok as usize,
        );
        // the callback's 0 means OK
        (n == 0) as c_int
    }
}

/// Client side: the server's chain was checked by OpenSSL; the connect
/// flags waive some failures, then the program has its say.
extern "C" fn client_verify_cb(preverify_ok: c_int, x: *mut ffi::X509_STORE_CTX) -> c_int {
    // SAFETY: as for server_verify_cb.
    unsafe {
        let ssl = ffi::X509_STORE_CTX_get_ex_data(x, ffi::SSL_get_ex_data_X509_STORE_CTX_idx())
            as *mut ffi::SSL;
        let Some(w) = wsi_of(ssl) else {
            log::err("client_verify_cb: SSL without its connection");
            return 0;
        };
        let flags = w.tls_flags.get();
        if preverify_ok == 0 {
            let err = ffi::X509_STORE_CTX_get_error(x);
            let waived = match err {
                ffi::X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
                | ffi::X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN => flags & LCCSCF_ALLOW_SELFSIGNED != 0,
                ffi::X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
                | ffi::X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE => {
                    flags & LCCSCF_ALLOW_INSECURE != 0
                }
                ffi::X509_V_ERR_CERT_NOT_YET_VALID | ffi::X509_V_ERR_CERT_HAS_EXPIRED => {
                    flags & LCCSCF_ALLOW_EXPIRED != 0
                }
                _ => false,
            };
            if err != ffi::X509_V_OK && waived {
                log::notice("accepting a server certificate the connect flags allow");
                ffi::X509_STORE_CTX_set_error(x, ffi::X509_V_OK);
                return 1;
            }
        }
        // as 4.1.6: the context's first protocol is asked
        let n = w.ctx().first_protocol_call(
            w,
            OPENSSL_PERFORM_SERVER_CERT_VERIFICATION,
            x as *mut c_void,
            ssl as *mut c_void,
            preverify_ok as usize,
        );
        if preverify_ok == 0 {
            let err = ffi::X509_STORE_CTX_get_error(x);
            if err != ffi::X509_V_OK {
                let depth = ffi::X509_STORE_CTX_get_error_depth(x);
                let msg = CStr::from_ptr(ffi::X509_verify_cert_error_string(err as c_long))
                    .to_string_lossy();
                log::err(&format!(
                    "SSL error: {msg} (preverify_ok={preverify_ok};err={err};depth={depth})"
                ));
                return 0;
            }
        }
        (n == 0) as c_int
    }
}

/// SSL_INFO: state changes the vhost's mask selects go to the wsi's
/// protocol; a non-zero return kills the connection.
unsafe extern "C" fn info_cb(ssl: *const ffi::SSL, where_: c_int, ret: c_int) {
    // SAFETY: OpenSSL calls this for one of our SSLs.
    let Some(w) = (unsafe { wsi_of(ssl) }) else {
        return;
    };
    if where_ & w.vhost().tls.info_mask == 0 {
        return;
    }
    let mut si = crate::capi::types::lws_ssl_info {
        r#where: where_,
        ret,
    };
    if w.dispatch(
        SSL_INFO,
        &mut si as *mut _ as *mut c_void,
        std::ptr::null_mut(),
        0,
    ) != 0
    {
        w.tls_kill.set(true);
    }
}

impl Context {
    /// Calls the first protocol of the context's first vhost for `w`.
    fn first_protocol_call(
        &self,
        w: &Wsi,
        reason: c_int,
        user: *mut c_void,
        in_: *mut c_void,
        len: usize,
    ) -> c_int {
        let f = self
            .vhosts
            .borrow()
            .first()
            .and_then(|v| v.protocols.first().and_then(|p| p.callback));
        let Some(f) = f else { return 0 };
        // SAFETY: as in Wsi::dispatch_protocol (same ABI, int reason).
        let f: crate::net::wsi::RawCallback = unsafe { std::mem::transmute(f) };
        w.call_callback(f, reason, user, in_, len)
    }

    /// TLS is set up only for contexts created with
    /// LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT, as in 4.1.6.
    pub(crate) fn tls_enabled(&self, info: &lws_context_creation_info) -> bool {
        has(self.options | info.options, opt::DO_SSL_GLOBAL_INIT)
    }

    /// Builds the TLS state of a new vhost, as 4.1.6 does at vhost
    /// creation: nothing without LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT.
    pub(crate) fn vhost_tls(
        &self,
        vh: &Rc<Vhost>,
        info: &lws_context_creation_info,
        listens: bool,
    ) -> Result<(), String> {
        if !self.tls_enabled(info) {
            return Ok(());
        }
        let mut options = vh.options;
        if !info.ssl_cert_filepath.is_null() || !info.server_ssl_cert_mem.is_null() {
            options |= opt::CREATE_VHOST_SSL_CTX;
        }
        if listens && has(options, opt::CREATE_VHOST_SSL_CTX) {
            let c = self.server_ctx(vh, info)?;
            *vh.tls.server.borrow_mut() = Some(c);
            log::notice(&format!(
                " Vhost '{}' using TLS mode",
                vh.name.to_string_lossy()
            ));
        } else if listens {
            log::notice(&format!(
                " Vhost '{}' using non-TLS mode",
                vh.name.to_string_lossy()
            ));
        }
        self.client_ctx(vh, info)
    }

    fn server_ctx(
        &self,
        vh: &Rc<Vhost>,
        info: &lws_context_creation_info,
    ) -> Result<SslContext, String> {
        let es = |e: openssl::error::ErrorStack| format!("problem creating ssl context: {e}");
        let mut b = SslContextBuilder::new(SslMethod::tls_server()).map_err(es)?;
        b.set_options(
            SslOptions::NO_SSLV2
                | SslOptions::NO_SSLV3
                | SslOptions::NO_COMPRESSION
                | SslOptions::SINGLE_DH_USE
                | SslOptions::CIPHER_SERVER_PREFERENCE,
        );
        if let Some(c) = opt_cstr(info.ssl_cipher_list) {
            log::notice(&format!(" SSL ciphers: '{}'", c.to_string_lossy()));
            let _ = b.set_cipher_list(&c.to_string_lossy());
        }
        if let Some(c) = opt_cstr(info.tls1_3_plus_cipher_list) {
            let _ = b.set_ciphersuites(&c.to_string_lossy());
        }
        // SNI: a connection moves to the vhost on this port named by it
        b.set_servername_callback(move |ssl, _alert| {
            // SAFETY: the SSL is one of ours, owned by a live wsi.
            let Some(w) = (unsafe { wsi_of(ssl.as_ptr()) }) else {
                return Ok(());
            };
            let port = w.vhost().listen_port.get();
            if let Some(name) = ssl.servername(openssl::ssl::NameType::HOST_NAME) {
                if let Some(v) = w.ctx().select_vhost(port, name) {
                    if let Some(c) = v.tls.server.borrow().as_ref() {
                        let _ = ssl.set_ssl_context(c);
                    }
                }
            }
            Ok(())
        });
        if let Some(ca) = opt_cstr(info.ssl_ca_filepath) {
            if b.set_ca_file(ca.to_string_lossy().as_ref()).is_err() {
                log::err("vhost_tls: SSL_CTX_load_verify_locations unhappy");
            }
        }
        if let Some(ca) = mem_slice(info.server_ssl_ca_mem, info.server_ssl_ca_mem_len) {
            let x = cert_from_mem(ca)?;
            b.cert_store_mut()
                .add_cert(x)
                .map_err(|e| format!("unable to add CA: {e}"))?;
        }
        if info.ssl_options_set != 0 {
            b.set_options(SslOptions::from_bits_retain(info.ssl_options_set as _));
        }
        if info.ssl_options_clear != 0 {
            b.clear_options(SslOptions::from_bits_retain(info.ssl_options_clear as _));
        }
        let pass = opt_cstr(info.ssl_private_key_password);
        load_server_certs(
            &mut b,
            vh,
            opt_cstr(info.ssl_cert_filepath).as_deref(),
            opt_cstr(info.ssl_private_key_filepath).as_deref(),
            mem_slice(info.server_ssl_cert_mem, info.server_ssl_cert_mem_len),
            mem_slice(
                info.server_ssl_private_key_mem,
                info.server_ssl_private_key_mem_len,
            ),
            pass.as_deref(),
        )?;
        // ecdh_curve limits key exchange to that curve when given; without
        // it OpenSSL's defaults apply (X25519 first), which is what 4.1.6
        // ends up with for certificates from files
        if let Some(curve) = opt_cstr(info.ecdh_curve).filter(|c| !c.is_empty()) {
            let curve = curve.to_string_lossy().into_owned();
            if b.set_groups_list(&curve).is_err() {
                return Err(format!("SSL: Unknown curve name '{curve}'"));
            }
            log::notice(&format!(" SSL ECDH curve '{curve}'"));
        }
        if has(vh.options, opt::REQUIRE_VALID_OPENSSL_CLIENT_CERT) {
            let mut mode = ffi::SSL_VERIFY_PEER;
            if !has(vh.options, opt::PEER_CERT_NOT_REQUIRED) {
                mode |= ffi::SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
            }
            let _ = b.set_session_id_context(&(self as *const Context as usize).to_ne_bytes());
            set_ctx_verify(&mut b, mode);
        }
        let wire = alpn_wire(vh.tls.alpn.as_deref().unwrap_or(ALPN_SERVER_DEFAULT));
        b.set_alpn_select_callback(move |_ssl, client| {
            alpn_select(&wire, client).ok_or(openssl::ssl::AlpnError::NOACK)
        });
        let ctx = b.build();
        // the program may add verification certs to the server's SSL_CTX
        if vh.pseudo_call(
            0,
            OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS,
            ctx.as_ptr() as *mut c_void,
            Rc::as_ptr(vh) as *mut c_void,
        ) != 0
        {
            return Err("OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS refused".into());
        }
        Ok(ctx)
    }

    /// The client SSL_CTX of a vhost (lws_init_vhost_client_ssl too).
    pub(crate) fn client_ctx(
        &self,
        vh: &Rc<Vhost>,
        info: &lws_context_creation_info,
    ) -> Result<(), String> {
        if vh.tls.client.borrow().is_some() {
            return Ok(());
        }
        if !info.provided_client_ssl_ctx.is_null() {
            let p = info.provided_client_ssl_ctx as *mut ffi::SSL_CTX;
            // SAFETY: the program's SSL_CTX; we hold our own reference.
            let c = unsafe {
                ffi::SSL_CTX_up_ref(p);
                SslContext::from_ptr(p)
            };
            *vh.tls.client.borrow_mut() = Some(c);
            return Ok(());
        }
        let has_server = vh.tls.server.borrow().is_some();
        // the client fields, else (for a vhost without a server context)
        // the server ones, as in 4.1.6
        let pick = |c: *const c_char, s: *const c_char| {
            opt_cstr(c).or_else(|| if has_server { None } else { opt_cstr(s) })
        };
        let cert = pick(info.client_ssl_cert_filepath, info.ssl_cert_filepath);
        let key = pick(
            info.client_ssl_private_key_filepath,
            info.ssl_private_key_filepath,
        );
        let ca = pick(info.client_ssl_ca_filepath, info.ssl_ca_filepath);
        let ciphers =
            opt_cstr(info.client_ssl_cipher_list).or_else(|| opt_cstr(info.ssl_cipher_list));
        let es = |e: openssl::error::ErrorStack| format!("problem creating ssl context: {e}");
        let mut b = SslContextBuilder::new(SslMethod::tls_client()).map_err(es)?;
        b.set_options(SslOptions::NO_COMPRESSION | SslOptions::CIPHER_SERVER_PREFERENCE);
        if info.ssl_client_options_set != 0 {
            b.set_options(SslOptions::from_bits_retain(
                info.ssl_client_options_set as _,
            ));
        }
        if info.ssl_client_options_clear != 0 {
            b.clear_options(SslOptions::from_bits_retain(
                info.ssl_client_options_clear as _,
            ));
        }
        if let Some(c) = &ciphers {
            let _ = b.set_cipher_list(&c.to_string_lossy());
        }
        if let Some(c) = opt_cstr(info.client_tls_1_3_plus_cipher_list) {
            let _ = b.set_ciphersuites(&c.to_string_lossy());
        }
        if vh.options & opt::DISABLE_OS_CA_CERTS == 0 {
            let _ = b.set_default_verify_paths();
        }
        let ca_mem = mem_slice(info.client_ssl_ca_mem, info.client_ssl_ca_mem_len);
        if let Some(ca) = &ca {
            if b.set_ca_file(ca.to_string_lossy().as_ref()).is_err() {
                log::err(&format!(
                    "Unable to load SSL Client certs file from {} -- client ssl isn't going to work",
                    ca.to_string_lossy()
                ));
            }
        } else if let Some(m) = ca_mem {
            match cert_from_mem(m) {
                Ok(x) => {
                    let _ = b.cert_store_mut().add_cert(x);
                }
                Err(e) => log::err(&format!("client CA: {e}")),
            }
        }
        if let Some(c) = &cert {
            let missing = std::fs::metadata(c.to_string_lossy().as_ref()).is_err();
            if !(missing && has(info.options, opt::IGNORE_MISSING_CERT)) {
                b.set_certificate_chain_file(c.to_string_lossy().as_ref())
                    .map_err(|e| format!("problem getting cert '{}': {e}", c.to_string_lossy()))?;
            }
        } else if let Some(m) = mem_slice(info.client_ssl_cert_mem, info.client_ssl_cert_mem_len) {
            let x = cert_from_mem(m)?;
            b.set_certificate(&x).map_err(|e| e.to_string())?;
        }
        let pass = opt_cstr(info.client_ssl_private_key_password)
            .or_else(|| opt_cstr(info.ssl_private_key_password));
        let keybytes = match &key {
            Some(k) => Some(read_file(k)?),
            None => {
                mem_slice(info.client_ssl_key_mem, info.client_ssl_key_mem_len).map(<[u8]>::to_vec)
            }
        };
        if let Some(kb) = keybytes {
            let k = key_from_mem(&kb, pass.as_deref())?;
            b.set_private_key(&k).map_err(|e| e.to_string())?;
            b.check_private_key()
                .map_err(|_| "Private SSL key doesn't match cert".to_string())?;
        }
        let ctx = b.build();
        vh.pseudo_call(
            0,
            OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS,
            ctx.as_ptr() as *mut c_void,
            std::ptr::null_mut(),
        );
        *vh.tls.client.borrow_mut() = Some(ctx);
        Ok(())
    }

    /// Stops or resumes accepting on the TLS vhosts' listeners
    /// (simultaneous_ssl_restriction).
    pub(crate) fn tls_gate_accepts(&self, on: bool) {
        use mio::unix::SourceFd;
        if self.destroying.get() {
            return;
        }
        let vhs = self.vhosts.borrow().clone();
        for vh in vhs {
            if vh.tls.server.borrow().is_none() {
                continue;
            }
            let Some(l) = vh.listener.borrow().clone() else {
                continue;
            };
            let fd = l.fd();
            let r = if on {
                self.registry.register(
                    &mut SourceFd(&fd),
                    mio::Token(l.slot.get()),
                    mio::Interest::READABLE,
                )
            } else {
                self.registry.deregister(&mut SourceFd(&fd))
            };
            if let Err(e) = r {
                log::err(&format!("tls_gate_accepts: {e}"));
            }
        }
        log::notice(&format!(
            "tls: accepts {}",
            if on { "resumed" } else { "paused" }
        ));
    }

    /// The vhost an SNI name selects on `port`: exact name, then a
    /// wildcard-like suffix match, as 4.1.6 chooses.
    pub(crate) fn select_vhost(&self, port: i32, name: &str) -> Option<Rc<Vhost>> {
        let name = name.split(':').next().unwrap_or(name);
        let vhs = self.vhosts.borrow();
        let on_port = |v: &&Rc<Vhost>| v.listen_port.get() == port;
        vhs.iter()
            .filter(on_port)
            .find(|v| v.name.to_bytes() == name.as_bytes())
            .or_else(|| {
                vhs.iter().filter(on_port).find(|v| {
                    let vn = v.name.to_bytes();
                    name.len() > vn.len() + 1
                        && name.as_bytes().ends_with(vn)
                        && name.as_bytes()[name.len() - vn.len() - 1] == b'.'
                })
            })
            .cloned()
    }

    /// lws_tls_cert_updated: vhosts created with these paths load the
    /// certificate and key again (new connections use them).
    pub(crate) fn tls_cert_updated(
        &self,
        cert: &str,
        key: &str,
        mem_cert: Option<&[u8]>,
        mem_key: Option<&[u8]>,
    ) -> Result<(), String> {
        let vhs = self.vhosts.borrow().clone();
        for vh in vhs {
            if vh.tls.cert_path.as_deref() != Some(cert) || vh.tls.key_path.as_deref() != Some(key)
            {
                continue;
            }
            let Some(c) = vh.tls.server.borrow().clone() else {
                continue;
            };
            // as 4.1.6: the files at the vhost's paths when they can be
            // read, else the copies in memory
            let (certb, keyb) = match (std::fs::read(cert), std::fs::read(key), mem_cert, mem_key) {
                (Ok(c), Ok(k), _, _) => (c, k),
                (_, _, Some(c), Some(k)) => (c.to_vec(), k.to_vec()),
                (Err(e), _, _, _) | (_, Err(e), _, _) => return Err(format!("{cert}: {e}")),
            };
            let x = cert_from_mem(&certb)?;
            let k = key_from_mem(&keyb, None)?;
            // SAFETY: updating our own live SSL_CTX; OpenSSL takes its own
            // references to the certificate and key.
            let ok = unsafe {
                SSL_CTX_use_certificate(c.as_ptr(), x.as_ptr()) == 1
                    && SSL_CTX_use_PrivateKey(c.as_ptr(), k.as_ptr()) == 1
                    && SSL_CTX_check_private_key(c.as_ptr()) == 1
            };
            if !ok {
                clear_errors();
                return Err(format!(
                    "vhost {}: unable to use the updated certificate",
                    vh.name.to_string_lossy()
                ));
            }
            log::notice(&format!(
                "vhost {}: certificate updated",
                vh.name.to_string_lossy()
            ));
        }
        Ok(())
    }
}

fn load_server_certs(
    b: &mut SslContextBuilder,
    vh: &Rc<Vhost>,
    cert: Option<&CStr>,
    key: Option<&CStr>,
    mem_cert: Option<&[u8]>,
    mem_key: Option<&[u8]>,
    pass: Option<&CStr>,
) -> Result<(), String> {
    match (cert, mem_cert) {
        (Some(c), _) => {
            let cs = c.to_string_lossy();
            b.set_certificate_chain_file(cs.as_ref())
                .map_err(|e| format!("problem getting cert '{cs}': {e}"))?;
        }
        (None, Some(m)) => {
            let x = cert_from_mem(m)?;
            b.set_certificate(&x)
                .map_err(|e| format!("Problem loading cert: {e}"))?;
        }
        (None, None) => return Ok(()),
    }
    let keyb = match (key, mem_key) {
        (Some(k), _) => Some(read_file(k)?),
        (None, Some(m)) => Some(m.to_vec()),
        (None, None) => None,
    };
    match keyb {
        Some(kb) => {
            let k = key_from_mem(&kb, pass).map_err(|e| {
                format!(
                    "ssl problem getting key '{}': {e}",
                    key.map(|k| k.to_string_lossy().into_owned())
                        .unwrap_or_default()
                )
            })?;
            b.set_private_key(&k).map_err(|e| e.to_string())?;
        }
        None => {
            if vh.pseudo_call(
                0,
                OPENSSL_CONTEXT_REQUIRES_PRIVATE_KEY,
                b.as_ptr() as *mut c_void,
                std::ptr::null_mut(),
            ) != 0
            {
                return Err("ssl private key not set".into());
            }
        }
    }
    b.check_private_key()
        .map_err(|_| "Private SSL key doesn't match cert".to_string())
}

impl Vhost {
    /// Calls protocol `idx` through the vhost's pseudo wsi for it.
    pub(crate) fn pseudo_call(
        &self,
        idx: usize,
        reason: c_int,
        user: *mut c_void,
        in_: *mut c_void,
    ) -> c_int {
        let w = self.proto_wsi.borrow().get(idx).cloned();
        match w {
            Some(w) => w.dispatch_user(reason, user, in_, 0),
            None => 0,
        }
    }
}

/// How a handshake step ended.
pub(crate) enum Step {
    Done,
    Again,
    Failed(String),
}

impl Wsi {
    /// The connection's SSL, or null.
    pub(crate) fn ssl(&self) -> *mut ffi::SSL {
        self.tls_ssl.get()
    }

    /// Starts server-side TLS on an accepted socket.
    pub(crate) fn tls_start_server(&self) -> Result<(), String> {
        let ctx = self.vhost().tls.server.borrow().clone();
        let Some(ctx) = ctx else { return Ok(()) };
        self.tls_new(&ctx, false)
    }

    /// Starts client-side TLS: SNI, hostname check and ALPN from the
    /// connect info.
    pub(crate) fn tls_start_client(
        &self,
        host: &str,
        alpn: &str,
        flags: c_int,
    ) -> Result<(), String> {
        let ctx = self.vhost().tls.client.borrow().clone();
        let Some(ctx) = ctx else {
            return Err("tls client context missing: create the context with LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT".into());
        };
        self.tls_flags.set(flags);
        self.tls_new(&ctx, true)?;
        let ssl = self.ssl();
        let host = host.split(':').next().unwrap_or(host);
        let chost = CString::new(host).unwrap_or_default();
        // SAFETY: configuring our own fresh SSL.
        unsafe {
            if flags & LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK == 0 {
                let param = ffi::SSL_get0_param(ssl);
                ffi::X509_VERIFY_PARAM_set_hostflags(
                    param,
                    ffi::X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS,
                );
                if X509_VERIFY_PARAM_set1_ip_asc(param, chost.as_ptr()) != 1 {
                    ffi::X509_VERIFY_PARAM_set1_host(param, chost.as_ptr(), host.len());
                }
            }
            ffi::SSL_set_verify(ssl, ffi::SSL_VERIFY_PEER, Some(client_verify_cb));
            ffi::SSL_ctrl(
                ssl,
                ffi::SSL_CTRL_SET_TLSEXT_HOSTNAME,
                ffi::TLSEXT_NAMETYPE_host_name as c_long,
                chost.as_ptr() as *mut c_void,
            );
            let wire = alpn_wire(alpn);
            if !wire.is_empty() {
                ffi::SSL_set_alpn_protos(ssl, wire.as_ptr(), wire.len() as _);
            }
        }
        clear_errors();
        Ok(())
    }

    fn tls_new(&self, ctx: &SslContext, client: bool) -> Result<(), String> {
        let c = self.ctx();
        if c.ssl_restriction > 0 && c.ssl_count.get() >= c.ssl_restriction {
            return Err("tls restriction limit".into());
        }
        clear_errors();
        // SAFETY: a new SSL on our live SSL_CTX, bound to our socket; the
        // wsi frees it (tls_free) before it is freed itself.
        unsafe {
            let ssl = ffi::SSL_new(ctx.as_ptr());
            if ssl.is_null() {
                let e = ffi::ERR_get_error();
                clear_errors();
                return Err(format!("SSL_new failed: {}", err_string(e)));
            }
            ffi::SSL_set_ex_data(ssl, wsi_index(), self as *const Wsi as *mut c_void);
            SSL_set_fd(ssl, self.fd());
            ffi::SSL_ctrl(
                ssl,
                ffi::SSL_CTRL_MODE,
                (ffi::SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER
                    | ffi::SSL_MODE_ENABLE_PARTIAL_WRITE
                    | ffi::SSL_MODE_RELEASE_BUFFERS) as c_long,
                std::ptr::null_mut(),
            );
            if self.vhost().tls.info_mask != 0 {
                SSL_set_info_callback(ssl, Some(info_cb));
            }
            if client {
                ffi::SSL_set_connect_state(ssl);
            } else {
                ffi::SSL_set_accept_state(ssl);
            }
            self.tls_ssl.set(ssl);
        }
        c.ssl_count.set(c.ssl_count.get() + 1);
        if c.ssl_restriction > 0 && c.ssl_count.get() == c.ssl_restriction {
            // the last TLS connection allowed: new ones wait in the backlog
            c.tls_gate_accepts(false);
        }
        self.tls_done.set(false);
        Ok(())
    }

    /// Whether the connection's TLS handshake is still running.
    pub(crate) fn tls_handshaking(&self) -> bool {
        !self.ssl().is_null() && !self.tls_done.get()
    }

    /// One step of the handshake.
    pub(crate) fn tls_handshake(&self) -> Step {
        let ssl = self.ssl();
        if ssl.is_null() {
            return Step::Done;
        }
        clear_errors();
        // SAFETY: our live SSL; OpenSSL reads/writes the non-blocking socket.
        let (n, m, en) = unsafe {
            let n = ffi::SSL_do_handshake(ssl);
            let en = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            (n, ffi::SSL_get_error(ssl, n), en)
        };
        if self.tls_kill.get() {
            return Step::Failed("killed by SSL_INFO".into());
        }
        if n == 1 {
            self.tls_done.set(true);
            return Step::Done;
        }
        match m {
            ffi::SSL_ERROR_WANT_READ | ffi::SSL_ERROR_WANT_WRITE => Step::Again,
            ffi::SSL_ERROR_SYSCALL => {
                self.tls_unusable.set(true);
                clear_errors();
                Step::Failed(format!("connect SYSCALL {en}"))
            }
            _ => {
                self.tls_unusable.set(true);
                clear_errors();
                Step::Failed(format!("connect SSL err {m}: {}", err_string(m as c_ulong)))
            }
        }
    }

    /// After a client handshake: the verification result, with the
    /// failures the connect flags allow waived.
    pub(crate) fn tls_confirm_peer(&self) -> Result<(), String> {
        // SAFETY: our live SSL.
        let n = unsafe { ffi::SSL_get_verify_result(self.ssl()) } as c_int;
        let flags = self.tls_flags.get();
        let ok = n == ffi::X509_V_OK
            || (matches!(
                n,
                ffi::X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
                    | ffi::X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
            ) && flags & LCCSCF_ALLOW_SELFSIGNED != 0)
            || (matches!(
                n,
                ffi::X509_V_ERR_CERT_NOT_YET_VALID | ffi::X509_V_ERR_CERT_HAS_EXPIRED
            ) && flags & LCCSCF_ALLOW_EXPIRED != 0)
            || n == ffi::X509_V_ERR_CERT_NOT_YET_VALID;
        if ok {
            return Ok(());
        }
        Err(format!(
            "server's cert didn't look good, X509_V_ERR = {n}: {}\n",
            err_string(n as c_ulong)
        ))
    }

    /// The ALPN protocol the handshake chose, if any.
    pub(crate) fn tls_alpn(&self) -> Option<String> {
        let ssl = self.ssl();
        if ssl.is_null() {
            return None;
        }
        let mut p: *const u8 = std::ptr::null();
        let mut len: u32 = 0;
        // SAFETY: reads the selection held by our live SSL.
        unsafe {
            ffi::SSL_get0_alpn_selected(ssl, &mut p, &mut len);
            (len > 0).then(|| {
                String::from_utf8_lossy(std::slice::from_raw_parts(p, len as usize)).into_owned()
            })
        }
    }

    /// SNI may have moved the connection to another vhost's SSL_CTX; the
    /// wsi follows it.
    pub(crate) fn tls_follow_sni(&self) {
        let ssl = self.ssl();
        if ssl.is_null() {
            return;
        }
        // SAFETY: our live SSL.
        let cur = unsafe { SSL_get_SSL_CTX(ssl) };
        let vh = self
            .ctx()
            .vhosts
            .borrow()
            .iter()
            .find(|v| {
                v.tls
                    .server
                    .borrow()
                    .as_ref()
                    .is_some_and(|c| c.as_ptr() == cur)
            })
            .cloned();
        if let Some(vh) = vh {
            if !std::ptr::eq(Rc::as_ptr(&vh), self.vhost.get()) {
                self.unbind();
                self.vhost_set(&vh);
                self.bind_protocol(vh.default_protocol);
            }
        }
    }

    /// Reads decrypted bytes: Ok(0) at the peer's end, WouldBlock when
    /// nothing is ready. Fills as much of `buf` as records are available;
    /// `tls_drained` tells whether the socket ran dry.
    pub(crate) fn tls_read(&self, buf: &mut [u8]) -> std::io::Result<usize> {
        let ssl = self.ssl();
        let mut got = 0usize;
        self.tls_drained.set(false);
        while got < buf.len() {
            clear_errors();
            let want = (buf.len() - got).min(c_int::MAX as usize) as c_int;
            // SAFETY: reading into our own buffer from our live SSL.
            let (n, m) = unsafe {
                let n = ffi::SSL_read(ssl, buf[got..].as_mut_ptr() as *mut c_void, want);
                (n, if n > 0 { 0 } else { ffi::SSL_get_error(ssl, n) })
            };
            if n > 0 {
                got += n as usize;
                continue;
            }
            match m {
                ffi::SSL_ERROR_WANT_READ | ffi::SSL_ERROR_WANT_WRITE => {
                    self.tls_drained.set(true);
                    if got > 0 {
                        return Ok(got);
                    }
                    return Err(std::io::ErrorKind::WouldBlock.into());
                }
                _ => {
                    // close_notify, an abrupt end or a bad record: the
                    // connection is over once what was read is handled
                    if m != ffi::SSL_ERROR_ZERO_RETURN {
                        self.tls_unusable.set(true);
                    }
                    clear_errors();
                    if got > 0 {
                        return Ok(got);
                    }
                    // a client still setting up reports it as 4.1.6 does
                    if matches!(
                        self.state.get(),
                        WsiState::ClientConnecting
                            | WsiState::ClientHandshake
                            | WsiState::ClientProxy
                    ) {
                        return Err(std::io::Error::other("read failed"));
                    }
                    return Ok(0);
                }
            }
        }
        Ok(got)
    }

    /// Writes through TLS: the count taken, or WouldBlock.
    pub(crate) fn tls_write(&self, data: &[u8]) -> std::io::Result<usize> {
        if self.tls_handshaking() {
            return Err(std::io::ErrorKind::WouldBlock.into());
        }
        if data.is_empty() {
            return Ok(0);
        }
        let ssl = self.ssl();
        clear_errors();
        let len = data.len().min(c_int::MAX as usize) as c_int;
        // SAFETY: writing from a valid slice through our live SSL.
        let (n, m) = unsafe {
            let n = ffi::SSL_write(ssl, data.as_ptr() as *const c_void, len);
            (n, if n > 0 { 0 } else { ffi::SSL_get_error(ssl, n) })
        };
        if n > 0 {
            return Ok(n as usize);
        }
        match m {
            ffi::SSL_ERROR_WANT_READ | ffi::SSL_ERROR_WANT_WRITE => {
                Err(std::io::ErrorKind::WouldBlock.into())
            }
            _ => {
                self.tls_unusable.set(true);
                let e = std::io::Error::other(format!(
                    "SSL_write failed: {}",
                    err_string(unsafe { ffi::ERR_get_error() })
                ));
                clear_errors();
                Err(e)
            }
        }
    }

    /// Sends close_notify once, if the connection is still usable.
    pub(crate) fn tls_notify_close(&self) {
        let ssl = self.ssl();
        if ssl.is_null() || !self.tls_done.get() || self.tls_unusable.replace(true) {
            return;
        }
        // SAFETY: our live SSL; a non-blocking best-effort close_notify.
        unsafe { ffi::SSL_shutdown(ssl) };
        clear_errors();
    }

    /// Sends close_notify (when the connection is still usable) and frees
    /// the SSL.
    pub(crate) fn tls_free(&self) {
        self.tls_notify_close();
        let ssl = self.tls_ssl.replace(std::ptr::null_mut());
        if ssl.is_null() {
            return;
        }
        // SAFETY: our SSL, freed once (the pointer was taken out above).
        unsafe {
            SSL_set_info_callback(ssl, None);
            clear_errors();
            ffi::SSL_free(ssl);
        }
        let c = self.ctx();
        let before = c.ssl_count.get();
        c.ssl_count.set(before.saturating_sub(1));
        if c.ssl_restriction > 0 && before == c.ssl_restriction {
            c.tls_gate_accepts(true);
        }
    }

    /// The first byte waiting on an accepted TLS socket is printable: the
    /// peer speaks plain HTTP.
    pub(crate) fn peek_plaintext(&self) -> Option<bool> {
        let mut b = [0u8; 1];
        // SAFETY: peeking one byte into a stack buffer from our socket.
        let n = unsafe { libc::recv(self.fd(), b.as_mut_ptr() as *mut c_void, 1, libc::MSG_PEEK) };
        (n == 1).then_some(b[0] >= b' ')
    }

    /// Drops TLS from a connection that turned out to be plain text.
    pub(crate) fn tls_abandon(&self) {
        self.tls_unusable.set(true);
        self.tls_free();
    }
}

/// `lws_tls_cert_info` for one certificate.
///
/// # Safety
/// `buf` must have room for `len` bytes (the union's name field may be
/// longer than declared, as lws allows).
pub(crate) unsafe fn cert_info(
    x: &openssl::x509::X509Ref,
    verified: Option<bool>,
    typ: c_int,
    buf: *mut u8,
    len: usize,
) -> c_int {
    const VALIDITY_FROM: c_int = 0;
    const VALIDITY_TO: c_int = 1;
    const COMMON_NAME: c_int = 2;
    const ISSUER_NAME: c_int = 3;
    const USAGE: c_int = 4;
    const VERIFIED: c_int = 5;
    const OPAQUE_PUBLIC_KEY: c_int = 6;
    // union layout: time_t/unsigned at 0; ns { int len; char name[] } with
    // name at offset 4
    let put_name = |s: &[u8]| {
        let room = len.saturating_sub(4 + 1);
        let n = s.len().min(room);
        // SAFETY: per the function contract.
        unsafe {
            std::ptr::copy_nonoverlapping(s.as_ptr(), buf.add(4), n);
            *buf.add(4 + n) = 0;
            (buf as *mut c_int).write_unaligned(n as c_int);
        }
    };
    let oneline = |name: *const ffi::X509_NAME| -> Vec<u8> {
        let mut tmp = vec![0 as c_char; len.max(8) + 64];
        // SAFETY: OpenSSL writes at most the size given, NUL-terminated.
        unsafe {
            X509_NAME_oneline(name, tmp.as_mut_ptr(), (len as c_int - 2).max(1));
            CStr::from_ptr(tmp.as_ptr()).to_bytes().to_vec()
        }
    };
    match typ {
        VALIDITY_FROM | VALIDITY_TO => {
            let t = if typ == VALIDITY_FROM {
                x.not_before()
            } else {
                x.not_after()
            };
            let Some(secs) = asn1_time_like_lws(t) else {
                return -1;
            };
            // SAFETY: per the function contract (time_t at offset 0).
            unsafe { (buf as *mut libc::time_t).write_unaligned(secs) };
            0
        }
        COMMON_NAME => {
            // SAFETY: the certificate's subject name.
            let s = oneline(unsafe { ffi::X509_get_subject_name(x.as_ptr()) });
            let cn = match s.windows(4).position(|w| w == b"/CN=") {
                Some(p) => &s[p + 4..],
                None => &s[..],
            };
            put_name(cn);
            0
        }
        ISSUER_NAME => {
            // SAFETY: the certificate's issuer name.
            let s = oneline(unsafe { ffi::X509_get_issuer_name(x.as_ptr()) });
            put_name(&s);
            0
        }
        USAGE => {
            // SAFETY: reads the key usage bits of a valid certificate.
            let u = unsafe { ffi::X509_get_key_usage(x.as_ptr()) };
            // SAFETY: per the function contract.
            unsafe { (buf as *mut u32).write_unaligned(u) };
            0
        }
        VERIFIED => match verified {
            Some(v) => {
                // SAFETY: per the function contract.
                unsafe { (buf as *mut u32).write_unaligned(v as u32) };
                0
            }
            None => -1,
        },
        OPAQUE_PUBLIC_KEY => {
            let Ok(k) = x.public_key() else { return -1 };
            let Ok(der) = k.public_key_to_der() else {
                return -1;
            };
            if der.is_empty() || der.len() + 4 > len {
                return -1;
            }
            // SAFETY: per the function contract (len bytes of room).
            unsafe {
                std::ptr::copy_nonoverlapping(der.as_ptr(), buf.add(4), der.len());
                (buf as *mut c_int).write_unaligned(der.len() as c_int);
            }
            0
        }
        _ => -1,
    }
}

/// An ASN.1 time as 4.1.6 reports it: its digits read into a `struct tm`
/// (with the day of month one lower, as 4.1.6 has it) and passed to
/// `mktime`, so programs comparing with the original see the same value.
fn asn1_time_like_lws(t: &openssl::asn1::Asn1TimeRef) -> Option<libc::time_t> {
    // SAFETY: reads the string bytes of a live ASN1_TIME.
    let s = unsafe {
        let p = t.as_ptr() as *const ffi::ASN1_STRING;
        let d = ffi::ASN1_STRING_get0_data(p);
        let n = ffi::ASN1_STRING_length(p);
        if d.is_null() || n < 0 {
            return None;
        }
        std::slice::from_raw_parts(d, n as usize)
    };
    let dec = |i: usize| -> Option<i32> {
        let c = *s.get(i)?;
        c.is_ascii_digit().then(|| (c - b'0') as i32)
    };
    let two = |i: usize| Some(dec(i)? * 10 + dec(i + 1)?);
    // SAFETY: an all-zero tm is valid.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let mut i;
    if s.len() == 13 {
        tm.tm_year = two(0)? + 100;
        i = 2;
    } else {
        tm.tm_year = two(0)? * 100 + two(2)?;
        i = 4;
    }
    tm.tm_mon = two(i)? - 1;
    i += 2;
    tm.tm_mday = two(i)? - 1;
    i += 2;
    tm.tm_hour = two(i)?;
    i += 2;
    tm.tm_min = two(i)?;
    i += 2;
    tm.tm_sec = two(i)?;
    // SAFETY: mktime on our own tm.
    let r = unsafe { libc::mktime(&mut tm) };
    (r != -1).then_some(r)
}

impl Drop for Wsi {
    fn drop(&mut self) {
        let ssl = self.tls_ssl.replace(std::ptr::null_mut());
        if !ssl.is_null() {
            // SAFETY: our SSL, not freed before (the pointer was still set).
            unsafe { ffi::SSL_free(ssl) };
        }
    }
}

impl Context {
    /// Drives a connection's TLS handshake; true once it is done and the
    /// connection can carry data (or fell back to plain text).
    pub(crate) fn tls_progress(&self, w: &Rc<Wsi>) -> bool {
        if !w.tls_handshaking() {
            return true;
        }
        let client = w.is_client.get();
        if !client && !w.tls_peeked.get() {
            let vo = w.vhost().options;
            if has(vo, opt::ALLOW_NON_SSL_ON_SSL_PORT) {
                match w.peek_plaintext() {
                    None => {
                        if w.peer_hup.get() {
                            w.close_now(true);
                        }
                        return false;
                    }
                    Some(true) => {
                        w.tls_peeked.set(true);
                        w.tls_abandon();
                        if has(vo, opt::REDIRECT_HTTP_TO_HTTPS) {
                            log::info("redirecting from http to https");
                            w.redirect_to_https.set(true);
                        } else if !has(vo, opt::ALLOW_HTTP_ON_HTTPS_LISTENER) {
                            log::notice(&format!(
                                "client did not send a valid tls hello (default vhost {})",
                                w.vhost().name.to_string_lossy()
                            ));
                            w.close_now(true);
                            return false;
                        }
                        w.rx_more.set(true);
                        return true;
                    }
                    Some(false) => {}
                }
            }
            w.tls_peeked.set(true);
        }
        match w.tls_handshake() {
            Step::Again => false,
            Step::Failed(e) => {
                if client {
                    w.client_fail(&e);
                } else {
                    log::info(&format!("SSL_accept failed: {e}"));
                    w.close_now(true);
                }
                false
            }
            Step::Done => {
                if let Some(a) = w.tls_alpn() {
                    log::info(&format!("negotiated '{a}' using ALPN"));
                }
                if client {
                    if let Err(e) = w.tls_confirm_peer() {
                        w.client_fail(&e);
                        return false;
                    }
                    let alpn = w.tls_alpn();
                    if w.client_h2_wanted(alpn.as_deref()) {
                        w.h2_start_client();
                    } else if alpn.as_deref() == Some("h2") {
                        // (4.1.6's client has no RFC 8441 either)
                        w.client_fail(
                            "HS: server chose h2, which this client speaks only for HTTP",
                        );
                    } else {
                        w.client_send_handshake();
                    }
                } else {
                    w.tls_follow_sni();
                    w.set_timeout(
                        super::wsi::PENDING_TIMEOUT_ESTABLISH_WITH_SERVER,
                        self.timeout_secs as i32,
                    );
                    if w.tls_alpn().as_deref() == Some("h2")
                        && w.state.get() == super::wsi::WsiState::HttpHead
                    {
                        w.h2_start_server(Vec::new());
                    }
                }
                // records may already wait inside OpenSSL
                w.rx_more.set(true);
                w.state.get() != super::wsi::WsiState::Dead
            }
        }
    }
}
