//! Servicing the event loop (lws-service.h) and the dummy HTTP callback.

use std::ffi::{c_int, c_void};

use super::context::{ctx_ref, wsi_ref};
use super::types::{lws, lws_context, lws_protocols};
use crate::net::cb;

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
