//! TLS queries and certificates (lws-x509.h, lws_get_ssl, client TLS
//! setup on existing vhosts).

use std::ffi::{c_char, c_int, c_void, CStr};

use foreign_types::ForeignType;
use openssl::x509::X509;
use openssl_sys as ffi;

use super::context::{ctx_ref, vhost_ref, wsi_ref};
use super::types::{
    lws, lws_context, lws_context_creation_info, lws_tls_cert_info_results, lws_tls_conn,
    lws_vhost, lws_x509_cert,
};
use crate::capi::log;
use crate::net::tls::cert_info;

/// Whether the connection uses TLS (LCCSCF_USE_SSL, as 4.1.6 reports it).
#[no_mangle]
pub unsafe extern "C" fn lws_is_ssl(wsi: *mut lws) -> c_int {
    ffi_boundary!("lws_is_ssl", {
        // SAFETY: caller contract.
        match unsafe { wsi_ref(wsi) } {
            // an HTTP/2 stream is as secure as its connection
            Some(w) if w.h2s.borrow().is_some() => {
                let p = w.parent.get();
                // SAFETY: a stream's parent outlives it.
                (!p.is_null() && !unsafe { &*p }.ssl().is_null()) as c_int
            }
            Some(w) => (!w.ssl().is_null()) as c_int,
            None => 0,
        }
    })
}

/// The connection's OpenSSL `SSL *`, or NULL without TLS.
#[no_mangle]
pub unsafe extern "C" fn lws_get_ssl(wsi: *mut lws) -> *mut lws_tls_conn {
    ffi_boundary!("lws_get_ssl", {
        // SAFETY: caller contract.
        match unsafe { wsi_ref(wsi) } {
            Some(w) => w.ssl() as *mut lws_tls_conn,
            None => std::ptr::null_mut(),
        }
    })
}

/// Information from the peer's certificate. 0, or -1 without one.
#[no_mangle]
pub unsafe extern "C" fn lws_tls_peer_cert_info(
    wsi: *mut lws,
    type_: c_int,
    buf: *mut lws_tls_cert_info_results,
    len: usize,
) -> c_int {
    ffi_boundary!("lws_tls_peer_cert_info", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return -1;
        };
        let ssl = w.ssl();
        if ssl.is_null() || buf.is_null() {
            return -1;
        }
        // SAFETY: our live SSL; the peer certificate is a new reference we
        // own (freed when `x` drops).
        let x = unsafe {
            let p = ffi::SSL_get1_peer_certificate(ssl);
            if p.is_null() {
                return -1;
            }
            X509::from_ptr(p)
        };
        // SAFETY: our live SSL.
        let verified = unsafe { ffi::SSL_get_verify_result(ssl) } == ffi::X509_V_OK as _;
        // SAFETY: the caller's buffer of `len` bytes (at least the union).
        unsafe { cert_info(&x, Some(verified), type_, buf as *mut u8, len.max(8)) }
    })
}

/// Information from the vhost's own server certificate.
#[no_mangle]
pub unsafe extern "C" fn lws_tls_vhost_cert_info(
    vhost: *mut lws_vhost,
    type_: c_int,
    buf: *mut lws_tls_cert_info_results,
    len: usize,
) -> c_int {
    ffi_boundary!("lws_tls_vhost_cert_info", {
        // SAFETY: caller contract.
        let Some(vh) = (unsafe { vhost_ref(vhost) }) else {
            return -1;
        };
        let Some(c) = vh.tls.server.borrow().clone() else {
            return -1;
        };
        if buf.is_null() {
            return -1;
        }
        let Some(x) = c.certificate() else {
            return -1;
        };
        // SAFETY: the caller's buffer of `len` bytes.
        unsafe { cert_info(x, None, type_, buf as *mut u8, len.max(8)) }
    })
}

/// Adds client TLS to an existing vhost (from the info's client fields).
#[no_mangle]
pub unsafe extern "C" fn lws_init_vhost_client_ssl(
    info: *const lws_context_creation_info,
    vhost: *mut lws_vhost,
) -> c_int {
    ffi_boundary!("lws_init_vhost_client_ssl", {
        // SAFETY: caller contract.
        let (Some(info), Some(vh)) = (unsafe { info.as_ref() }, unsafe { vhost_ref(vhost) }) else {
            return -1;
        };
        let Some(rc) = vh.rc() else { return -1 };
        let ctx = vh.ctx();
        if !ctx.tls_enabled(info) {
            return 0;
        }
        match ctx.client_ctx(&rc, info) {
            Ok(()) => 0,
            Err(e) => {
                log::err(&format!("lws_init_vhost_client_ssl: {e}"));
                1
            }
        }
    })
}

/// Trusts one more DER certificate for the vhost's client connections.
#[no_mangle]
pub unsafe extern "C" fn lws_tls_client_vhost_extra_cert_mem(
    vh: *mut lws_vhost,
    der: *const u8,
    der_len: usize,
) -> c_int {
    ffi_boundary!("lws_tls_client_vhost_extra_cert_mem", {
        // SAFETY: caller contract.
        let Some(v) = (unsafe { vhost_ref(vh) }) else {
            return 1;
        };
        if der.is_null() {
            return 1;
        }
        // SAFETY: the caller's DER bytes.
        let b = unsafe { std::slice::from_raw_parts(der, der_len) };
        let Ok(x) = X509::from_der(b) else {
            log::err("lws_tls_client_vhost_extra_cert_mem: Failed to load DER");
            return 1;
        };
        let Some(c) = v.tls.client.borrow().clone() else {
            log::err("lws_tls_client_vhost_extra_cert_mem: vhost has no client TLS");
            return 1;
        };
        // SAFETY: the store of our live SSL_CTX; it takes its own reference.
        let n = unsafe {
            let st = ffi::SSL_CTX_get_cert_store(c.as_ptr());
            if st.is_null() {
                return 1;
            }
            ffi::X509_STORE_add_cert(st, x.as_ptr())
        };
        if n != 1 {
            log::err("lws_tls_client_vhost_extra_cert_mem: failed to add cert");
            // SAFETY: clearing this thread's OpenSSL errors.
            unsafe { ffi::ERR_clear_error() };
        }
        (n != 1) as c_int
    })
}

/// New server certificate and key for every vhost created with these
/// paths (new connections use them).
#[no_mangle]
pub unsafe extern "C" fn lws_tls_cert_updated(
    context: *mut lws_context,
    certpath: *const c_char,
    keypath: *const c_char,
    mem_cert: *const c_char,
    len_mem_cert: usize,
    mem_privkey: *const c_char,
    len_mem_privkey: usize,
) -> c_int {
    ffi_boundary!("lws_tls_cert_updated", {
        // SAFETY: caller contract.
        let Some(ctx) = (unsafe { ctx_ref(context) }) else {
            return 1;
        };
        if certpath.is_null() || keypath.is_null() {
            return 1;
        }
        // SAFETY: caller's strings and buffers.
        let (cert, key, mc, mk) = unsafe {
            let mem = |p: *const c_char, l: usize| {
                (!p.is_null() && l > 0).then(|| std::slice::from_raw_parts(p as *const u8, l))
            };
            (
                CStr::from_ptr(certpath).to_string_lossy().into_owned(),
                CStr::from_ptr(keypath).to_string_lossy().into_owned(),
                mem(mem_cert, len_mem_cert),
                mem(mem_privkey, len_mem_privkey),
            )
        };
        match ctx.tls_cert_updated(&cert, &key, mc, mk) {
            Ok(()) => 0,
            Err(e) => {
                log::err(&format!("lws_tls_cert_updated: {e}"));
                1
            }
        }
    })
}

/// Holder of one certificate for the lws_x509_* API.
struct X509Holder {
    cert: Option<X509>,
}

/// Allocates an empty certificate object. 0 on success.
#[no_mangle]
pub unsafe extern "C" fn lws_x509_create(x509: *mut *mut lws_x509_cert) -> c_int {
    ffi_boundary!("lws_x509_create", {
        if x509.is_null() {
            return 1;
        }
        let b = Box::new(X509Holder { cert: None });
        // SAFETY: the caller's out-pointer.
        unsafe { *x509 = Box::into_raw(b) as *mut lws_x509_cert };
        0
    })
}

/// Parses the (first) PEM certificate in `pem`. 0 on success.
#[no_mangle]
pub unsafe extern "C" fn lws_x509_parse_from_pem(
    x509: *mut lws_x509_cert,
    pem: *const c_void,
    len: usize,
) -> c_int {
    ffi_boundary!("lws_x509_parse_from_pem", {
        // SAFETY: an object from lws_x509_create.
        let Some(h) = (unsafe { (x509 as *mut X509Holder).as_mut() }) else {
            return -1;
        };
        if pem.is_null() {
            return -1;
        }
        // SAFETY: the caller's buffer.
        let b = unsafe { std::slice::from_raw_parts(pem as *const u8, len) };
        match X509::from_pem(b) {
            Ok(x) => {
                h.cert = Some(x);
                0
            }
            Err(_) => {
                log::err("lws_x509_parse_from_pem: unable to parse PEM cert");
                -1
            }
        }
    })
}

/// Checks that `trusted` issued `x509` and, if given, the subject's
/// common name. 0 when it holds.
#[no_mangle]
pub unsafe extern "C" fn lws_x509_verify(
    x509: *mut lws_x509_cert,
    trusted: *mut lws_x509_cert,
    common_name: *const c_char,
) -> c_int {
    ffi_boundary!("lws_x509_verify", {
        // SAFETY: objects from lws_x509_create.
        let (Some(h), Some(t)) = (unsafe { (x509 as *const X509Holder).as_ref() }, unsafe {
            (trusted as *const X509Holder).as_ref()
        }) else {
            return -1;
        };
        let (Some(x), Some(tc)) = (&h.cert, &t.cert) else {
            return -1;
        };
        if !common_name.is_null() {
            let mut r: lws_tls_cert_info_results = unsafe { std::mem::zeroed() };
            // SAFETY: our own results union with 32 bytes of name room, the
            // size 4.1.6 compares within.
            unsafe { cert_info(x, None, 2, &mut r as *mut _ as *mut u8, 32 + 4) };
            // SAFETY: cert_info NUL-terminates the name; caller's string.
            let (cn, want) = unsafe {
                (
                    CStr::from_ptr(r.ns.name.as_ptr()).to_bytes(),
                    CStr::from_ptr(common_name).to_bytes(),
                )
            };
            if cn != want {
                log::err("lws_x509_verify: common name mismatch");
                return -1;
            }
        }
        if tc.issued(x) != openssl::x509::X509VerifyResult::OK {
            log::err("lws_x509_verify: unable to verify cert relationship");
            return -1;
        }
        0
    })
}

/// Information from a parsed certificate.
#[no_mangle]
pub unsafe extern "C" fn lws_x509_info(
    x509: *mut lws_x509_cert,
    type_: c_int,
    buf: *mut lws_tls_cert_info_results,
    len: usize,
) -> c_int {
    ffi_boundary!("lws_x509_info", {
        // SAFETY: an object from lws_x509_create.
        let Some(h) = (unsafe { (x509 as *const X509Holder).as_ref() }) else {
            return -1;
        };
        let Some(x) = &h.cert else { return -1 };
        if buf.is_null() {
            return -1;
        }
        // SAFETY: the caller's buffer of `len` bytes.
        unsafe { cert_info(x, None, type_, buf as *mut u8, len.max(8)) }
    })
}

/// Frees a certificate object and clears the caller's pointer.
#[no_mangle]
pub unsafe extern "C" fn lws_x509_destroy(x509: *mut *mut lws_x509_cert) {
    ffi_boundary!("lws_x509_destroy", {
        if x509.is_null() {
            return;
        }
        // SAFETY: the caller's pointer to an object from lws_x509_create,
        // freed once and cleared.
        unsafe {
            let p = *x509 as *mut X509Holder;
            if !p.is_null() {
                drop(Box::from_raw(p));
            }
            *x509 = std::ptr::null_mut();
        }
    })
}
