//! Client connections (lws-client.h).

use std::ffi::{c_char, c_int, c_uint, c_void};

use super::context::{ctx_ref, wsi_ref};
use super::types::{lws, lws_client_connect_info};
use crate::capi::log;

/// Starts a client connection described by `i` and returns its wsi, or
/// NULL when it cannot even start (bad arguments, name resolution
/// failure); later failures arrive as LWS_CALLBACK_CLIENT_CONNECTION_ERROR.
/// `*i->pwsi` is set before any callback runs and cleared on failure.
#[no_mangle]
pub unsafe extern "C" fn lws_client_connect_via_info(
    i: *const lws_client_connect_info,
) -> *mut lws {
    ffi_boundary!("lws_client_connect_via_info", {
        // SAFETY: caller contract.
        let Some(i) = (unsafe { i.as_ref() }) else {
            log::err("lws_client_connect_via_info: NULL info");
            return std::ptr::null_mut();
        };
        // SAFETY: caller contract.
        let Some(ctx) = (unsafe { ctx_ref(i.context) }) else {
            log::err("lws_client_connect_via_info: NULL context");
            return std::ptr::null_mut();
        };
        match ctx.client_connect(i) {
            Ok(w) => w.as_c(),
            Err(e) => {
                log::err(&format!("lws_client_connect_via_info: {e}"));
                if !i.pwsi.is_null() {
                    // SAFETY: the caller's out-pointer.
                    unsafe { *i.pwsi = std::ptr::null_mut() };
                }
                std::ptr::null_mut()
            }
        }
    })
}

/// Sets the connection's opaque user pointer (not its user space).
#[no_mangle]
pub unsafe extern "C" fn lws_set_opaque_user_data(wsi: *mut lws, data: *mut c_void) {
    ffi_boundary!("lws_set_opaque_user_data", {
        // SAFETY: caller contract.
        if let Some(w) = unsafe { wsi_ref(wsi) } {
            w.opaque_user_data.set(data);
        }
    })
}

/// The connection's opaque user pointer.
#[no_mangle]
pub unsafe extern "C" fn lws_get_opaque_user_data(wsi: *const lws) -> *mut c_void {
    ffi_boundary!("lws_get_opaque_user_data", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi as *mut lws) }
            .map_or(std::ptr::null_mut(), |w| w.opaque_user_data.get())
    })
}

/// During RECEIVE_CLIENT_HTTP: delivers the response body read so far as
/// RECEIVE_CLIENT_HTTP_READ callbacks of at most `*buflen` bytes. Returns
/// 0, or -1 to close.
#[no_mangle]
pub unsafe extern "C" fn lws_http_client_read(
    wsi: *mut lws,
    buf: *mut *mut c_char,
    buflen: *mut c_int,
) -> c_int {
    ffi_boundary!("lws_http_client_read", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }).and_then(|w| w.rc()) else {
            return -1;
        };
        let max = if buflen.is_null() || buf.is_null() {
            4096
        } else {
            // SAFETY: the caller's buffer length.
            (unsafe { *buflen }).max(1) as usize
        };
        w.client_http_read(max)
    })
}

/// The status code of a client HTTP response (0 before it arrived).
#[no_mangle]
pub unsafe extern "C" fn lws_http_client_http_response(wsi: *mut lws) -> c_uint {
    ffi_boundary!("lws_http_client_http_response", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi) }.map_or(0, |w| w.http_status.get() as c_uint)
    })
}

/// 1 when a 303 redirect turned this client's request into a GET (a POST
/// flow then has no body to send), else 0.
#[no_mangle]
pub unsafe extern "C" fn lws_http_is_redirected_to_get(wsi: *mut lws) -> c_int {
    ffi_boundary!("lws_http_is_redirected_to_get", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi) }.is_some_and(|w| w.redirected_to_get.get()) as c_int
    })
}

/// Marks that a client HTTP request body is (1) or no longer (0) being
/// sent from CLIENT_HTTP_WRITEABLE.
#[no_mangle]
pub unsafe extern "C" fn lws_client_http_body_pending(
    wsi: *mut lws,
    something_left_to_send: c_int,
) {
    ffi_boundary!("lws_client_http_body_pending", {
        // SAFETY: caller contract.
        if let Some(w) = unsafe { wsi_ref(wsi) } {
            w.client_body_pending.set(something_left_to_send != 0);
        }
    })
}

/// The wsi given as `parent_wsi` when this one was created, or NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_get_parent(wsi: *const lws) -> *mut lws {
    ffi_boundary!("lws_get_parent", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi as *mut lws) }
            .map_or(std::ptr::null_mut(), |w| w.parent.get() as *mut lws)
    })
}

/// The most recently created child of this wsi, or NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_get_child(wsi: *const lws) -> *mut lws {
    ffi_boundary!("lws_get_child", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi as *mut lws) }
            .and_then(|w| w.children.borrow().first().copied())
            .map_or(std::ptr::null_mut(), |c| c as *mut lws)
    })
}

/// Confirms the connection is alive (restarts the keepalive interval of
/// its retry_and_idle_policy), as a received pong does.
#[no_mangle]
pub unsafe extern "C" fn lws_validity_confirmed(wsi: *mut lws) {
    ffi_boundary!("lws_validity_confirmed", {
        // SAFETY: caller contract.
        if let Some(w) = unsafe { wsi_ref(wsi) } {
            w.validity_confirmed();
        }
    })
}

/// Sets the HTTP proxy client connections of `vhost` go through:
/// "[http://][user:password@]host:port" (or "[v6addr]:port"). Returns 0,
/// or -1 for a malformed string.
#[no_mangle]
pub unsafe extern "C" fn lws_set_proxy(
    vhost: *mut super::types::lws_vhost,
    proxy: *const c_char,
) -> c_int {
    ffi_boundary!("lws_set_proxy", {
        // SAFETY: caller contract.
        let Some(vh) = (unsafe { super::context::vhost_ref(vhost) }) else {
            return -1;
        };
        if proxy.is_null() {
            return -1;
        }
        // SAFETY: a C string from the caller.
        let s = unsafe { std::ffi::CStr::from_ptr(proxy) }
            .to_string_lossy()
            .into_owned();
        let default_port = vh.proxy.borrow().as_ref().map_or(0, |p| p.port);
        match crate::net::client::parse_proxy(&s, default_port) {
            Ok(p) => {
                *vh.proxy.borrow_mut() = Some(p);
                0
            }
            Err(e) => {
                log::err(&format!("lws_set_proxy: {e}"));
                -1
            }
        }
    })
}

/// Writes at `*p` the start of a multipart/form-data part named `name`
/// (with `filename` and `content_type` when given), or with `name` NULL
/// the closing boundary, for a client connection made with
/// LCCSCF_HTTP_MULTIPART_MIME. Returns non-zero when the buffer filled up.
#[no_mangle]
pub unsafe extern "C" fn lws_client_http_multipart(
    wsi: *mut lws,
    name: *const c_char,
    filename: *const c_char,
    content_type: *const c_char,
    p: *mut *mut c_char,
    end: *mut c_char,
) -> c_int {
    ffi_boundary!("lws_client_http_multipart", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return 1;
        };
        let Some(boundary) = w.multipart_boundary.borrow().clone() else {
            log::err(
                "lws_client_http_multipart: connection not made with LCCSCF_HTTP_MULTIPART_MIME",
            );
            return 1;
        };
        if p.is_null() || end.is_null() {
            return 1;
        }
        let s = |c: *const c_char| {
            // SAFETY: C strings from the caller.
            (!c.is_null()).then(|| {
                unsafe { std::ffi::CStr::from_ptr(c) }
                    .to_string_lossy()
                    .into_owned()
            })
        };
        let text = match s(name) {
            None => format!("\r\n--{boundary}--\r\n"),
            Some(n) => {
                let mut t = String::new();
                if w.multipart_started.replace(true) {
                    t.push_str("\r\n");
                }
                t.push_str(&format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{n}\""
                ));
                if let Some(f) = s(filename) {
                    t.push_str(&format!("; filename=\"{f}\""));
                }
                if let Some(ct) = s(content_type) {
                    t.push_str(&format!("\r\nContent-Type: {ct}"));
                }
                t.push_str("\r\n\r\n");
                t
            }
        };
        // SAFETY: *p..end is the caller's buffer; we copy what fits, leaving
        // room for a NUL like snprintf would.
        unsafe {
            let room = (end as usize).saturating_sub(*p as usize);
            if room == 0 {
                return 1;
            }
            let n = text.len().min(room - 1);
            std::ptr::copy_nonoverlapping(text.as_ptr(), *p as *mut u8, n);
            *(*p).add(n) = 0;
            *p = (*p).add(if text.len() >= room { room } else { n });
            (*p == end) as c_int
        }
    })
}

/// Moves the client connection `*pwsi` to a new server (address, port,
/// path, host header), keeping the wsi and its method: the current
/// connection is dropped and a new one made. At most three times per
/// connection. Returns the wsi, or NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_client_reset(
    pwsi: *mut *mut lws,
    ssl: c_int,
    address: *const c_char,
    port: c_int,
    path: *const c_char,
    host: *const c_char,
    weak: c_char,
) -> *mut lws {
    ffi_boundary!("lws_client_reset", {
        let _ = weak;
        if pwsi.is_null() || address.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(*pwsi) }).and_then(|w| w.rc()) else {
            return std::ptr::null_mut();
        };
        if !w.is_client.get() || w.client.borrow().is_none() {
            log::err("lws_client_reset: not a client connection");
            return std::ptr::null_mut();
        }
        let redirects = w.redirects.get();
        if redirects >= 3 {
            log::err("lws_client_reset: Too many redirects");
            return std::ptr::null_mut();
        }
        w.redirects.set(redirects + 1);
        let Ok(port) = u16::try_from(port) else {
            return std::ptr::null_mut();
        };
        // SAFETY: C strings from the caller.
        let s = |p: *const c_char| {
            unsafe { std::ffi::CStr::from_ptr(p) }
                .to_string_lossy()
                .into_owned()
        };
        let address = s(address);
        // 4.1.6 always puts a '/' before the given path, even one that
        // starts with '/'; programs written for it pass paths without one.
        let path = if path.is_null() {
            "/".to_string()
        } else {
            format!("/{}", s(path))
        };
        let host_hdr = if host.is_null() {
            address.clone()
        } else {
            s(host)
        };
        match w.client_reconnect(&address, port, path, host_hdr, false, Some(ssl != 0)) {
            Ok(()) => w.as_c(),
            Err(e) => {
                log::err(&format!("lws_client_reset: {e}"));
                std::ptr::null_mut()
            }
        }
    })
}

/// Sets a pointer for the program's use, meant for a parent wsi's data.
#[no_mangle]
pub unsafe extern "C" fn lws_set_opaque_parent_data(wsi: *mut lws, data: *mut c_void) {
    ffi_boundary!("lws_set_opaque_parent_data", {
        // SAFETY: caller contract.
        if let Some(w) = unsafe { wsi_ref(wsi) } {
            w.opaque_parent_data.set(data);
        }
    })
}

/// The pointer set with lws_set_opaque_parent_data.
#[no_mangle]
pub unsafe extern "C" fn lws_get_opaque_parent_data(wsi: *const lws) -> *mut c_void {
    ffi_boundary!("lws_get_opaque_parent_data", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi as *mut lws) }
            .map_or(std::ptr::null_mut(), |w| w.opaque_parent_data.get())
    })
}

/// The wsi that owns the network connection: an HTTP/2 stream's
/// connection, else the wsi itself.
#[no_mangle]
pub unsafe extern "C" fn lws_get_network_wsi(wsi: *mut lws) -> *mut lws {
    ffi_boundary!("lws_get_network_wsi", {
        // SAFETY: caller contract.
        match unsafe { wsi_ref(wsi) } {
            Some(w) if w.h2s.borrow().is_some() && !w.parent.get().is_null() => {
                w.parent.get() as *mut lws
            }
            _ => wsi,
        }
    })
}

/// Transmit credit of an HTTP/2 stream: US_TO_PEER, what we may still
/// send; PEER_TO_US, what the peer may still send us. A non-zero `add`
/// adds to it (PEER_TO_US sends WINDOW_UPDATE). Other connections have
/// no such credit, which lws reports as 0.
#[no_mangle]
pub unsafe extern "C" fn lws_wsi_tx_credit(
    wsi: *mut lws,
    peer_to_us: std::ffi::c_char,
    add: c_int,
) -> c_int {
    ffi_boundary!("lws_wsi_tx_credit", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return 0;
        };
        let add = u32::try_from(add).unwrap_or(0);
        let clamp = |v: i64| v.clamp(0, c_int::MAX as i64) as c_int;
        if c_int::from(peer_to_us) == crate::capi::enums::LWSTXCR_PEER_TO_US {
            if add > 0 {
                return if w.h2_grant(-1, add) { 0 } else { 1 };
            }
            w.h2_peer_credit().map_or(0, clamp)
        } else {
            w.h2_send_credit(add).map_or(0, clamp)
        }
    })
}

/// lws_h2_update_peer_txcredit: lets the peer send `bump` more octets on
/// stream `sid` (`LWS_H2_STREAM_SID`, -1: this stream) and on the
/// connection. 0 on success.
#[no_mangle]
pub unsafe extern "C" fn lws_h2_update_peer_txcredit(
    wsi: *mut lws,
    sid: c_int,
    bump: c_int,
) -> c_int {
    ffi_boundary!("lws_h2_update_peer_txcredit", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            log::err("lws_h2_update_peer_txcredit: NULL wsi");
            return 1;
        };
        if bump == 0 {
            return 0;
        }
        let Ok(bump) = u32::try_from(bump) else {
            log::err("lws_h2_update_peer_txcredit: negative bump");
            return 1;
        };
        if w.h2_grant(sid, bump) {
            0
        } else {
            1
        }
    })
}

/// lws_h2_get_peer_txcredit_estimate: what the peer may still send us on
/// this stream (0 for a connection that is not HTTP/2).
#[no_mangle]
pub unsafe extern "C" fn lws_h2_get_peer_txcredit_estimate(wsi: *mut lws) -> c_int {
    ffi_boundary!("lws_h2_get_peer_txcredit_estimate", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi) }
            .and_then(|w| w.h2_peer_credit())
            .map_or(0, |v| v.clamp(0, c_int::MAX as i64) as c_int)
    })
}

/// lws_h2_client_stream_long_poll_rxonly: ends our side of a client
/// stream (END_STREAM) and lifts its timeout, so the response may take
/// as long as it likes. Non-zero when the wsi is not an HTTP/2 client
/// stream.
#[no_mangle]
pub unsafe extern "C" fn lws_h2_client_stream_long_poll_rxonly(wsi: *mut lws) -> c_int {
    ffi_boundary!("lws_h2_client_stream_long_poll_rxonly", {
        // SAFETY: caller contract.
        match unsafe { wsi_ref(wsi) }.and_then(|w| w.rc()) {
            Some(w) if w.h2_client_long_poll().is_ok() => 0,
            _ => 1,
        }
    })
}
