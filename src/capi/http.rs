//! HTTP responses (lws-http.h) available in the server role.

use std::ffi::{c_char, c_int, c_uint, CStr};

use super::context::wsi_ref;
use super::types::lws;

/// Sends a complete response with status `code` and an HTML body holding
/// the code and `html_body`. Returns 0, or non-zero on failure.
#[no_mangle]
pub unsafe extern "C" fn lws_return_http_status(
    wsi: *mut lws,
    code: c_uint,
    html_body: *const c_char,
) -> c_int {
    ffi_boundary!("lws_return_http_status", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return 1;
        };
        let body = if html_body.is_null() {
            String::new()
        } else {
            // SAFETY: a C string from the caller.
            unsafe { CStr::from_ptr(html_body) }
                .to_string_lossy()
                .into_owned()
        };
        match w.return_http_status(code, &body) {
            Ok(()) => 0,
            Err(_) => 1,
        }
    })
}

/// Ends the HTTP transaction. 0: the connection waits for the next request
/// (keep-alive); non-zero: the caller should close it (return -1).
#[no_mangle]
pub unsafe extern "C" fn lws_http_transaction_completed(wsi: *mut lws) -> c_int {
    ffi_boundary!("lws_http_transaction_completed", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }).and_then(|w| w.rc()) else {
            return 1;
        };
        w.transaction_completed() as c_int
    })
}

/// The request's Content-Type header value, for the POST argument parser.
/// None if the wsi has no request or no such header.
///
/// # Safety
/// `wsi` is NULL or a live wsi.
pub(crate) unsafe fn request_content_type(wsi: *mut lws) -> Option<Vec<u8>> {
    // SAFETY: per the function contract.
    let w = unsafe { wsi_ref(wsi) }?;
    let r = w.request.borrow();
    r.as_ref()?.header("content-type").map(|v| v.to_vec())
}
