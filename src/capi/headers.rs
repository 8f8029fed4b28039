//! The request header API (lws-http.h): reading headers by token, custom
//! headers, URL arguments, cookies, and the method/URI of a request.

use std::ffi::{c_char, c_int, c_uchar, CStr, CString};
use std::sync::OnceLock;

use super::context::wsi_ref;
use super::types::lws;
use crate::net::headers::{
    HeaderTable, TOKEN_NAMES, WSI_TOKEN_HTTP_COOKIE, WSI_TOKEN_HTTP_URI_ARGS,
};

/// Runs `f` on the wsi's current request headers.
fn with_table<R>(wsi: *mut lws, none: R, f: impl FnOnce(&HeaderTable) -> R) -> R {
    // SAFETY: callers pass a live wsi (or NULL), per the API contract.
    let Some(w) = (unsafe { wsi_ref(wsi) }) else {
        return none;
    };
    let t = w.hdrs.borrow();
    match t.as_ref() {
        Some(t) => f(t),
        None => none,
    }
}

fn token(h: c_int) -> Option<usize> {
    usize::try_from(h).ok().filter(|&h| h < TOKEN_NAMES.len())
}

/// Copies `v` and a NUL into `dst` of `len` bytes; false if it does not fit.
fn copy_nul(v: &[u8], dst: *mut c_char, len: c_int) -> bool {
    if dst.is_null() || len <= 0 || v.len() >= len as usize {
        return false;
    }
    // SAFETY: dst has len writable bytes and v.len() < len.
    unsafe {
        std::ptr::copy_nonoverlapping(v.as_ptr(), dst as *mut u8, v.len());
        *dst.add(v.len()) = 0;
    }
    true
}

/// Total length of header `h` (all its fragments and the separators
/// lws_hdr_copy puts between them); 0 if absent.
#[no_mangle]
pub unsafe extern "C" fn lws_hdr_total_length(wsi: *mut lws, h: c_int) -> c_int {
    ffi_boundary!("lws_hdr_total_length", {
        let Some(h) = token(h) else { return 0 };
        with_table(wsi, 0, |t| t.total_length(h) as c_int)
    })
}

/// Copies header `h` (fragments joined with ',', cookies without) and a
/// NUL into `dst`. Returns its length, 0 if absent, -1 if it does not fit.
#[no_mangle]
pub unsafe extern "C" fn lws_hdr_copy(
    wsi: *mut lws,
    dst: *mut c_char,
    len: c_int,
    h: c_int,
) -> c_int {
    ffi_boundary!("lws_hdr_copy", {
        if dst.is_null() || len <= 0 {
            crate::capi::log::err("lws_hdr_copy: no destination");
            return -1;
        }
        // SAFETY: dst has at least one byte.
        unsafe { *dst = 0 };
        let Some(h) = token(h) else { return 0 };
        with_table(wsi, 0, |t| {
            let v = t.joined(h);
            if v.is_empty() {
                0
            } else if copy_nul(&v, dst, len) {
                v.len() as c_int
            } else {
                -1
            }
        })
    })
}

/// Copies fragment `frag_idx` of header `h` and a NUL into `dst`. Returns
/// its length, or -1 if absent or too long.
#[no_mangle]
pub unsafe extern "C" fn lws_hdr_copy_fragment(
    wsi: *mut lws,
    dst: *mut c_char,
    len: c_int,
    h: c_int,
    frag_idx: c_int,
) -> c_int {
    ffi_boundary!("lws_hdr_copy_fragment", {
        let (Some(h), Ok(i)) = (token(h), usize::try_from(frag_idx)) else {
            return -1;
        };
        with_table(wsi, -1, |t| match t.fragment(h, i) {
            Some(v) if copy_nul(v, dst, len) => v.len() as c_int,
            _ => -1,
        })
    })
}

/// Length of fragment `frag_idx` of header `h`; 0 if absent.
#[no_mangle]
pub unsafe extern "C" fn lws_hdr_fragment_length(
    wsi: *mut lws,
    h: c_int,
    frag_idx: c_int,
) -> c_int {
    ffi_boundary!("lws_hdr_fragment_length", {
        let (Some(h), Ok(i)) = (token(h), usize::try_from(frag_idx)) else {
            return 0;
        };
        with_table(wsi, 0, |t| t.fragment(h, i).map_or(0, |v| v.len() as c_int))
    })
}

fn name_arg<'a>(name: *const c_char, nlen: c_int) -> Option<&'a [u8]> {
    if name.is_null() || nlen <= 0 {
        return None;
    }
    // SAFETY: the caller gives nlen readable bytes at name.
    Some(unsafe { std::slice::from_raw_parts(name as *const u8, nlen as usize) })
}

/// Length of the value of a header lws has no token for, named with its
/// lower-case name and colon (e.g. "x-my-header:"); -1 if absent.
#[no_mangle]
pub unsafe extern "C" fn lws_hdr_custom_length(
    wsi: *mut lws,
    name: *const c_char,
    nlen: c_int,
) -> c_int {
    ffi_boundary!("lws_hdr_custom_length", {
        let Some(n) = name_arg(name, nlen) else {
            return -1;
        };
        with_table(wsi, -1, |t| t.custom(n).map_or(-1, |v| v.len() as c_int))
    })
}

/// Copies a custom header's value and a NUL into `dst`. Returns its
/// length, or -1 if absent or too long.
#[no_mangle]
pub unsafe extern "C" fn lws_hdr_custom_copy(
    wsi: *mut lws,
    dst: *mut c_char,
    len: c_int,
    name: *const c_char,
    nlen: c_int,
) -> c_int {
    ffi_boundary!("lws_hdr_custom_copy", {
        if !dst.is_null() && len > 0 {
            // SAFETY: dst has at least one byte.
            unsafe { *dst = 0 };
        }
        let Some(n) = name_arg(name, nlen) else {
            return -1;
        };
        with_table(wsi, -1, |t| match t.custom(n) {
            Some(v) if copy_nul(v, dst, len) => v.len() as c_int,
            _ => -1,
        })
    })
}

/// Finds the URL argument starting with `name` (usually "name="), copies
/// that argument into `buf` and returns a pointer to what follows the name
/// in `buf`; NULL if there is none.
#[no_mangle]
pub unsafe extern "C" fn lws_get_urlarg_by_name(
    wsi: *mut lws,
    name: *const c_char,
    buf: *mut c_char,
    len: c_int,
) -> *const c_char {
    ffi_boundary!("lws_get_urlarg_by_name", {
        if name.is_null() {
            return std::ptr::null();
        }
        // SAFETY: a C string from the caller.
        let n = unsafe { CStr::from_ptr(name) }.to_bytes();
        with_table(wsi, std::ptr::null(), |t| {
            let mut i = 0;
            while let Some(arg) = t.fragment(WSI_TOKEN_HTTP_URI_ARGS, i) {
                if !copy_nul(arg, buf, len) {
                    // as lws: an argument that does not fit ends the search
                    return std::ptr::null();
                }
                if arg.starts_with(n) {
                    // SAFETY: n.len() <= arg.len() < len, inside buf.
                    return unsafe { buf.add(n.len()) } as *const c_char;
                }
                i += 1;
            }
            std::ptr::null()
        })
    })
}

/// The method tokens in lws's order; the return value of
/// lws_http_get_uri_and_method is an index into it.
const METHODS: [usize; 9] = [0, 1, 2, 74, 73, 75, 81, 82, 37];

/// Points `*puri_ptr` at the request's (decoded) URI and returns the
/// index of its method in lws's method list, or -1.
#[no_mangle]
pub unsafe extern "C" fn lws_http_get_uri_and_method(
    wsi: *mut lws,
    puri_ptr: *mut *mut c_char,
    puri_len: *mut c_int,
) -> c_int {
    ffi_boundary!("lws_http_get_uri_and_method", {
        if puri_ptr.is_null() || puri_len.is_null() {
            return -1;
        }
        with_table(wsi, -1, |t| {
            let present: Vec<usize> = (0..METHODS.len()).filter(|&i| t.has(METHODS[i])).collect();
            if present.len() != 1 {
                crate::capi::log::warn(
                    "lws_http_get_uri_and_method: no single method in the request",
                );
                return -1;
            }
            let n = present[0];
            let Some((p, l)) = t.first_ptr(METHODS[n]) else {
                return -1;
            };
            // SAFETY: out-pointers from the caller; p points into the
            // header table, valid while the request lasts.
            unsafe {
                *puri_ptr = p as *mut c_char;
                *puri_len = l as c_int;
            }
            n as c_int
        })
    })
}

/// Copies the value of cookie `name` into `buf` (at most `*max_len`
/// bytes plus NUL) and sets `*max_len` to its length. 0 found, 1 absent,
/// 2 too long.
#[no_mangle]
pub unsafe extern "C" fn lws_http_cookie_get(
    wsi: *mut lws,
    name: *const c_char,
    buf: *mut c_char,
    max_len: *mut usize,
) -> c_int {
    ffi_boundary!("lws_http_cookie_get", {
        if name.is_null() || buf.is_null() || max_len.is_null() {
            return 1;
        }
        // SAFETY: a C string and an in/out length from the caller.
        let (n, max) = unsafe { (CStr::from_ptr(name).to_bytes(), *max_len) };
        with_table(wsi, 1, |t| {
            let all = t.joined(WSI_TOKEN_HTTP_COOKIE);
            for c in all.split(|&b| b == b';') {
                let c = c.trim_ascii_start();
                if c.len() > n.len() && c.starts_with(n) && c[n.len()] == b'=' {
                    let v = &c[n.len() + 1..];
                    if v.len() >= max {
                        return 2;
                    }
                    // SAFETY: buf has max bytes; v.len() < max.
                    unsafe {
                        std::ptr::copy_nonoverlapping(v.as_ptr(), buf as *mut u8, v.len());
                        *buf.add(v.len()) = 0;
                        *max_len = v.len();
                    }
                    return 0;
                }
            }
            1
        })
    })
}

/// The lower-case name lws uses for token `token` ("host:", "get "...),
/// or NULL for values past the table.
#[no_mangle]
pub extern "C" fn lws_token_to_string(token: c_int) -> *const c_uchar {
    ffi_boundary!("lws_token_to_string", {
        static NAMES: OnceLock<Vec<CString>> = OnceLock::new();
        let names = NAMES.get_or_init(|| {
            TOKEN_NAMES
                .iter()
                .map(|n| CString::new(*n).unwrap_or_default())
                .collect()
        });
        match usize::try_from(token).ok().and_then(|t| names.get(t)) {
            Some(s) => s.as_ptr() as *const c_uchar,
            None => std::ptr::null(),
        }
    })
}
