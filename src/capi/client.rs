//! Client connections (lws-client.h).

use std::ffi::c_void;

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
