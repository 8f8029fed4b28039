//! Servicing the event loop (lws-service.h) and the dummy HTTP callback.

use std::ffi::{c_int, c_void};

use super::context::{ctx_ref, wsi_ref};
use super::types::{lws, lws_context, lws_pollfd, lws_protocols};
use crate::net::cb;
use crate::net::extpoll::FdService;

/// Services the context once: waits for the next event or timer (the
/// timeout is ignored, as in 4.1.6; a negative one does not wait). Returns
/// 0, or -1 on error.
#[no_mangle]
pub unsafe extern "C" fn lws_service(context: *mut lws_context, timeout_ms: c_int) -> c_int {
    ffi_boundary!("lws_service", {
        // SAFETY: caller contract.
        match unsafe { ctx_ref(context) } {
            Some(c) => c.service(timeout_ms),
            None => -1,
        }
    })
}

/// lws_service for service thread `tsi` (only thread 0 exists).
#[no_mangle]
pub unsafe extern "C" fn lws_service_tsi(
    context: *mut lws_context,
    timeout_ms: c_int,
    tsi: c_int,
) -> c_int {
    ffi_boundary!("lws_service_tsi", {
        if tsi != 0 {
            crate::capi::log::err("lws_service_tsi: only service thread 0 exists");
            return -1;
        }
        // SAFETY: caller contract.
        match unsafe { ctx_ref(context) } {
            Some(c) => c.service(timeout_ms),
            None => -1,
        }
    })
}

/// Services one descriptor of a program's own poll array: `pollfd->revents`
/// says what happened. Returns 0 with revents cleared when the socket is
/// ours and was serviced, 0 with revents untouched when it is not ours, 1
/// if the connection closed, -1 on error. The first call starts the
/// LWS_CALLBACK_*_POLL_FD callbacks that keep the program's array current.
/// NULL (valid before lws 3.2) just runs due timers.
/// (Prototype in lws-rs-trailer.h: `struct pollfd` is not a cbindgen type.)
/// cbindgen:ignore
#[no_mangle]
pub unsafe extern "C" fn lws_service_fd(
    context: *mut lws_context,
    pollfd: *mut lws_pollfd,
) -> c_int {
    ffi_boundary!("lws_service_fd", {
        // SAFETY: caller contract.
        unsafe { service_fd(context, pollfd) }
    })
}

/// lws_service_fd for service thread `tsi` (only thread 0 exists).
/// (Prototype in lws-rs-trailer.h: `struct pollfd` is not a cbindgen type.)
/// cbindgen:ignore
#[no_mangle]
pub unsafe extern "C" fn lws_service_fd_tsi(
    context: *mut lws_context,
    pollfd: *mut lws_pollfd,
    tsi: c_int,
) -> c_int {
    ffi_boundary!("lws_service_fd_tsi", {
        if tsi != 0 {
            crate::capi::log::err("lws_service_fd_tsi: only service thread 0 exists");
            return -1;
        }
        // SAFETY: caller contract.
        unsafe { service_fd(context, pollfd) }
    })
}

/// # Safety
/// `context` is NULL or live; `pollfd` is NULL or writable.
unsafe fn service_fd(context: *mut lws_context, pollfd: *mut lws_pollfd) -> c_int {
    // SAFETY: caller contract.
    let Some(c) = (unsafe { ctx_ref(context) }) else {
        return -1;
    };
    if c.destroying.get() {
        return -1;
    }
    c.ext_poll_start();
    // SAFETY: caller contract.
    let Some(p) = (unsafe { pollfd.as_mut() }) else {
        if !c.servicing.replace(true) {
            c.run_due_work();
            c.servicing.set(false);
        }
        return 0;
    };
    match c.service_fd(p.fd, p.events, p.revents) {
        FdService::Foreign => 0,
        FdService::Handled => {
            p.revents = 0;
            0
        }
        FdService::Closed => 1,
    }
}

/// Runs due timers and returns how long a program's poll may wait: 0 when
/// a connection needs service without network activity, else `timeout_ms`
/// or less if a timer comes due sooner.
#[no_mangle]
pub unsafe extern "C" fn lws_service_adjust_timeout(
    context: *mut lws_context,
    timeout_ms: c_int,
    tsi: c_int,
) -> c_int {
    ffi_boundary!("lws_service_adjust_timeout", {
        // SAFETY: caller contract.
        let Some(c) = (unsafe { ctx_ref(context) }) else {
            return 1;
        };
        if tsi != 0 {
            return timeout_ms;
        }
        c.ext_poll_start();
        c.adjust_timeout(timeout_ms)
    })
}

/// Handles the socket of `wsi` becoming writable (as lws_service_fd does
/// for POLLOUT); -1 if the connection closed.
/// (Prototype in lws-rs-trailer.h: `struct pollfd` is not a cbindgen type.)
/// cbindgen:ignore
#[no_mangle]
pub unsafe extern "C" fn lws_handle_POLLOUT_event(wsi: *mut lws, pollfd: *mut lws_pollfd) -> c_int {
    ffi_boundary!("lws_handle_POLLOUT_event", {
        let _ = pollfd;
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return -1;
        };
        let Some(rc) = w.rc() else { return -1 };
        if rc.state.get() == crate::net::wsi::WsiState::Dead {
            return -1;
        }
        if rc.ctx().pollout_event(&rc) {
            0
        } else {
            -1
        }
    })
}

/// A protocol callback that does what lws does by default: answers HTTP
/// requests nothing else handled with 404, completes transactions after
/// files, and ignores the rest.
/// cbindgen:ignore
#[no_mangle]
pub unsafe extern "C" fn lws_callback_http_dummy(
    wsi: *mut lws,
    reason: c_int,
    _user: *mut c_void,
    _in: *mut c_void,
    _len: usize,
) -> c_int {
    ffi_boundary!("lws_callback_http_dummy", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return 0;
        };
        let Some(w) = w.rc() else { return 0 };
        match reason {
            cb::HTTP => {
                if w.return_http_status(404, "").is_err() || w.transaction_completed() {
                    return -1;
                }
                0
            }
            cb::HTTP_FILE_COMPLETION | cb::HTTP_BODY_COMPLETION => {
                if w.transaction_completed() {
                    return -1;
                }
                0
            }
            _ => 0,
        }
    })
}

/// The protocol a vhost gets when it is created without any.
pub(crate) fn default_http_protocol() -> lws_protocols {
    lws_protocols {
        name: c"http-only".as_ptr(),
        // SAFETY: same ABI; the reason is an int in C.
        callback: Some(unsafe {
            std::mem::transmute::<
                unsafe extern "C" fn(*mut lws, c_int, *mut c_void, *mut c_void, usize) -> c_int,
                unsafe extern "C" fn(
                    *mut lws,
                    super::enums::lws_callback_reasons,
                    *mut c_void,
                    *mut c_void,
                    usize,
                ) -> c_int,
            >(lws_callback_http_dummy)
        }),
        per_session_data_size: 0,
        rx_buffer_size: 0,
        id: 0,
        user: std::ptr::null_mut(),
        tx_packet_size: 0,
    }
}
