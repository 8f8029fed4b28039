//! Adopting descriptors into the loop (lws-adopt.h) and raw helpers.

use std::ffi::{c_char, c_int, CStr};
use std::rc::Rc;

use super::context::{ctx_ref, vhost_ref, wsi_ref};
use super::log;
use super::types::{lws, lws_adopt_desc_t, lws_context, lws_sock_file_fd_type, lws_vhost};
use crate::net::adopt::{ADOPT_ALLOW_SSL, ADOPT_HTTP, ADOPT_SOCKET};
use crate::net::context::Vhost;
use crate::net::wsi::Wsi;

fn as_c(w: Option<Rc<Wsi>>) -> *mut lws {
    w.map_or(std::ptr::null_mut(), |w| w.as_c())
}

/// # Safety
/// `vh` is NULL or a live vhost; `readbuf` has `len` readable bytes.
unsafe fn adopt_on(
    vh: Option<&Vhost>,
    type_: u32,
    fd: c_int,
    prot: *const c_char,
    parent: *mut lws,
    opaque: *mut std::ffi::c_void,
    readbuf: *const c_char,
    len: usize,
) -> *mut lws {
    let Some(vh) = vh.and_then(|v| v.rc()) else {
        log::err("adopt: no vhost");
        if fd >= 0 {
            // SAFETY: lws closes a descriptor it could not adopt.
            unsafe { libc::close(fd) };
        }
        return std::ptr::null_mut();
    };
    // SAFETY: caller contract.
    let prot = (!prot.is_null()).then(|| unsafe { CStr::from_ptr(prot) });
    let rb = if readbuf.is_null() || len == 0 {
        &[][..]
    } else {
        // SAFETY: caller contract.
        unsafe { std::slice::from_raw_parts(readbuf as *const u8, len) }
    };
    let ctx = vh.ctx();
    let r = ctx.adopt(&vh, type_, fd, prot, parent as *const Wsi, opaque, rb);
    ctx.after_api_callbacks();
    match r {
        Some(w) if w.state.get() != crate::net::wsi::WsiState::Dead => w.as_c(),
        _ => as_c(None),
    }
}

/// Adopts a descriptor on `vh`: with LWS_ADOPT_SOCKET a connected socket
/// (served as HTTP with LWS_ADOPT_HTTP, else raw), otherwise a file
/// descriptor served raw. Returns the new wsi, or NULL having closed `fd`.
#[no_mangle]
pub unsafe extern "C" fn lws_adopt_descriptor_vhost(
    vh: *mut lws_vhost,
    type_: super::enums::lws_adoption_type,
    fd: lws_sock_file_fd_type,
    vh_prot_name: *const c_char,
    parent: *mut lws,
) -> *mut lws {
    ffi_boundary!("lws_adopt_descriptor_vhost", {
        // SAFETY: caller contract; both union members are an int.
        unsafe {
            adopt_on(
                vhost_ref(vh),
                type_ as u32,
                fd.sockfd,
                vh_prot_name,
                parent,
                std::ptr::null_mut(),
                std::ptr::null(),
                0,
            )
        }
    })
}

/// lws_adopt_descriptor_vhost with its arguments (and an opaque pointer
/// for the new wsi) in a struct.
#[no_mangle]
pub unsafe extern "C" fn lws_adopt_descriptor_vhost_via_info(
    info: *const lws_adopt_desc_t,
) -> *mut lws {
    ffi_boundary!("lws_adopt_descriptor_vhost_via_info", {
        // SAFETY: caller contract.
        let Some(i) = (unsafe { info.as_ref() }) else {
            log::err("lws_adopt_descriptor_vhost_via_info: NULL info");
            return std::ptr::null_mut();
        };
        // SAFETY: caller contract; both union members are an int.
        unsafe {
            adopt_on(
                vhost_ref(i.vh),
                i.r#type as u32,
                i.fd.sockfd,
                i.vh_prot_name,
                i.parent,
                i.opaque,
                std::ptr::null(),
                0,
            )
        }
    })
}

fn first_vhost(context: *mut lws_context) -> Option<&'static Vhost> {
    // SAFETY: the caller's live context; its vhosts live as long.
    let c = unsafe { ctx_ref(context) }?;
    let v = c.vhosts.borrow().first().cloned()?;
    // SAFETY: as above; the Rc stays in the context.
    Some(unsafe { &*Rc::as_ptr(&v) })
}

/// The lws_adopt_socket* family: an accepted socket served as HTTP on `vh`,
/// with `len` bytes of `readbuf` already read from it.
///
/// # Safety
/// As [`adopt_on`].
unsafe fn adopt_http_socket(
    vh: Option<&Vhost>,
    fd: c_int,
    readbuf: *const c_char,
    len: usize,
) -> *mut lws {
    // SAFETY: caller contract.
    unsafe {
        adopt_on(
            vh,
            ADOPT_SOCKET | ADOPT_HTTP | ADOPT_ALLOW_SSL,
            fd,
            std::ptr::null(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            readbuf,
            len,
        )
    }
}

/// Serves an accepted socket as an HTTP connection of `vh`.
#[no_mangle]
pub unsafe extern "C" fn lws_adopt_socket_vhost(vh: *mut lws_vhost, accept_fd: c_int) -> *mut lws {
    ffi_boundary!("lws_adopt_socket_vhost", {
        // SAFETY: caller contract.
        unsafe { adopt_http_socket(vhost_ref(vh), accept_fd, std::ptr::null(), 0) }
    })
}

/// Serves an accepted socket as an HTTP connection of the context's first
/// vhost.
#[no_mangle]
pub unsafe extern "C" fn lws_adopt_socket(context: *mut lws_context, accept_fd: c_int) -> *mut lws {
    ffi_boundary!("lws_adopt_socket", {
        // SAFETY: caller contract.
        unsafe { adopt_http_socket(first_vhost(context), accept_fd, std::ptr::null(), 0) }
    })
}

/// lws_adopt_socket, with `len` bytes already read from the socket that
/// are handled first.
#[no_mangle]
pub unsafe extern "C" fn lws_adopt_socket_readbuf(
    context: *mut lws_context,
    accept_fd: c_int,
    readbuf: *const c_char,
    len: usize,
) -> *mut lws {
    ffi_boundary!("lws_adopt_socket_readbuf", {
        // SAFETY: caller contract.
        unsafe { adopt_http_socket(first_vhost(context), accept_fd, readbuf, len) }
    })
}

/// lws_adopt_socket_vhost, with `len` bytes already read from the socket
/// that are handled first.
#[no_mangle]
pub unsafe extern "C" fn lws_adopt_socket_vhost_readbuf(
    vhost: *mut lws_vhost,
    accept_fd: c_int,
    readbuf: *const c_char,
    len: usize,
) -> *mut lws {
    ffi_boundary!("lws_adopt_socket_vhost_readbuf", {
        // SAFETY: caller contract.
        unsafe { adopt_http_socket(vhost_ref(vhost), accept_fd, readbuf, len) }
    })
}

/// For raw connections whose exchange is over: -1 (return it from the
/// callback to close) when nothing is left to send; otherwise 0, and the
/// connection closes once its buffered output is sent.
#[no_mangle]
pub unsafe extern "C" fn lws_raw_transaction_completed(wsi: *mut lws) -> c_int {
    ffi_boundary!("lws_raw_transaction_completed", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return -1;
        };
        if !w.has_pending_tx() {
            return -1;
        }
        let Some(rc) = w.rc() else { return -1 };
        rc.close_after_output();
        0
    })
}

/// Creates a UDP socket for `ads`:`port` (NULL `ads`: any address), bound
/// there with LWS_CAUDP_BIND or else connected to it, and adopts it as a
/// raw connection of `vhost` bound to `protocol_name`. RAW_RX delivers
/// each datagram; lws_write answers the last sender.
#[no_mangle]
pub unsafe extern "C" fn lws_create_adopt_udp(
    vhost: *mut lws_vhost,
    ads: *const c_char,
    port: c_int,
    flags: c_int,
    protocol_name: *const c_char,
    ifname: *const c_char,
    parent_wsi: *mut lws,
    opaque: *mut std::ffi::c_void,
    retry_policy: *const super::types::lws_retry_bo_t,
) -> *mut lws {
    ffi_boundary!("lws_create_adopt_udp", {
        // SAFETY: caller contract.
        let Some(vh) = (unsafe { vhost_ref(vhost) }).and_then(|v| v.rc()) else {
            log::err("lws_create_adopt_udp: NULL vhost");
            return std::ptr::null_mut();
        };
        // SAFETY: caller's C strings or NULL.
        let cs = |p: *const c_char| (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) });
        let ctx = vh.ctx();
        let r = ctx.create_adopt_udp(
            &vh,
            cs(ads),
            port,
            flags,
            cs(protocol_name),
            cs(ifname),
            parent_wsi as *const Wsi,
            opaque,
            retry_policy,
        );
        ctx.after_api_callbacks();
        as_c(r.filter(|w| w.state.get() != crate::net::wsi::WsiState::Dead))
    })
}

/// The peer record of a UDP connection (NULL for other connections).
#[no_mangle]
pub unsafe extern "C" fn lws_get_udp(wsi: *const lws) -> *const super::types::lws_udp {
    ffi_boundary!("lws_get_udp", {
        // SAFETY: caller contract.
        // as lws, the record is gone once the connection is closing
        unsafe { wsi_ref(wsi as *mut lws) }
            .filter(|w| w.state.get() != crate::net::wsi::WsiState::Dead)
            .and_then(|w| w.udp.get().map(|u| u.get() as *const _))
            .unwrap_or(std::ptr::null())
    })
}
