//! Stateful POST argument parsing (lws-spa.h): the C face of
//! [`crate::proto::spa`].
//!
//! The upload callback must not call back into the same `lws_spa` (lws
//! 4.1.6 does not expect it either): such calls are refused with an error.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::ptr;

use super::enums::lws_spa_fileupload_states;
use super::types::lws;
use crate::capi::log;
use crate::proto::spa::{Config, Error, Spa, Upload, UploadState};

/// A form-body parser (opaque).
pub struct lws_spa {
    _p: [u8; 0],
}

/// An allocation arena (lws-lwsac.h; opaque). lws-rs has no `lwsac_*`
/// functions, so only a pointer to a NULL `struct lwsac *` can be given to
/// lws_spa_create_via_info(); it stays NULL.
pub struct lwsac {
    _p: [u8; 0],
}

/// Receives file-upload data: `state` says whether a file opens, data
/// arrives, its last chunk arrives, or the parser closes. Return < 0 to
/// abort.
pub type lws_spa_fileupload_cb = Option<
    unsafe extern "C" fn(
        data: *mut c_void,
        name: *const c_char,
        filename: *const c_char,
        buf: *mut c_char,
        len: c_int,
        state: lws_spa_fileupload_states,
    ) -> c_int,
>;

/// How to create a form-body parser.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct lws_spa_create_info {
    /// Array of form parameter names, like "username".
    pub param_names: *const *const c_char,
    /// Count of param_names.
    pub count_params: c_int,
    /// Total bytes of parameter values that can be stored (0: 512).
    pub max_storage: c_int,
    /// NULL, or the callback that receives file upload data.
    pub opt_cb: lws_spa_fileupload_cb,
    /// User pointer given to opt_cb.
    pub opt_data: *mut c_void,
    /// 0 if param_names is an array of char *, else the stride to the next
    /// char *.
    pub param_names_stride: usize,
    /// NULL, or where to keep the allocations (must point to NULL here).
    pub ac: *mut *mut lwsac,
    /// 0 for the default, or the arena chunk size.
    pub ac_chunk_size: usize,
}

/// `struct lws_spa_create_info`.
pub type lws_spa_create_info_t = lws_spa_create_info;

const _: () = assert!(std::mem::size_of::<lws_spa_create_info>() == 56);

/// What a `struct lws_spa *` points to.
struct Handle {
    spa: RefCell<Spa>,
    opt_cb: lws_spa_fileupload_cb,
    opt_data: *mut c_void,
}

impl Handle {
    /// Runs `f` with the parser and a sink that calls the upload callback.
    fn with<R>(
        &self,
        what: &str,
        f: impl FnOnce(&mut Spa, &mut dyn FnMut(Upload<'_>) -> Result<(), Error>) -> R,
    ) -> Option<R> {
        let Ok(mut spa) = self.spa.try_borrow_mut() else {
            log::err(&format!(
                "{what}: called from the spa's own upload callback"
            ));
            return None;
        };
        let (cb, data) = (self.opt_cb, self.opt_data);
        let mut sink = |u: Upload<'_>| -> Result<(), Error> {
            let Some(cb) = cb else {
                return Ok(());
            };
            let (buf, len) = match u.data {
                Some(d) => (d.as_mut_ptr().cast::<c_char>(), d.len() as c_int),
                None => (ptr::null_mut(), 0),
            };
            let state = match u.state {
                UploadState::Content => lws_spa_fileupload_states::LWS_UFS_CONTENT,
                UploadState::FinalContent => lws_spa_fileupload_states::LWS_UFS_FINAL_CONTENT,
                UploadState::Open => lws_spa_fileupload_states::LWS_UFS_OPEN,
                UploadState::Close => lws_spa_fileupload_states::LWS_UFS_CLOSE,
            };
            // SAFETY: the user's callback with their pointer; name and
            // filename are NUL-terminated, buf holds len writable bytes, all
            // valid for the duration of the call.
            let r = unsafe {
                cb(
                    data,
                    u.name.as_ptr().cast(),
                    u.filename.as_ptr().cast(),
                    buf,
                    len,
                    state,
                )
            };
            if r < 0 {
                Err(Error)
            } else {
                Ok(())
            }
        };
        Some(f(&mut spa, &mut sink))
    }
}

/// # Safety
/// `p` is NULL or came from lws_spa_create*() and was not destroyed.
unsafe fn handle<'a>(p: *mut lws_spa) -> Option<&'a Handle> {
    // SAFETY: per the contract, a live Box<Handle>.
    unsafe { p.cast::<Handle>().as_ref() }
}

/// Reads the parameter names: `count` `char *`s, `stride` bytes apart.
///
/// # Safety
/// `names` points to `count` readable `char *` entries at that stride, each
/// NULL or a C string.
unsafe fn read_names(
    names: *const *const c_char,
    count: usize,
    stride: usize,
) -> Vec<Option<Vec<u8>>> {
    let stride = if stride == 0 {
        std::mem::size_of::<*const c_char>()
    } else {
        stride
    };
    (0..count)
        .map(|i| {
            // SAFETY: per the contract; the entry may be unaligned when the
            // stride is odd.
            let p = unsafe {
                names
                    .cast::<u8>()
                    .add(i * stride)
                    .cast::<*const c_char>()
                    .read_unaligned()
            };
            // SAFETY: per the contract, NULL or a C string.
            (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes().to_vec())
        })
        .collect()
}

/// Creates a form-body parser for the POST body of `wsi` (whose
/// Content-Type says urlencoded or multipart), as `info` describes. NULL on
/// bad arguments.
#[no_mangle]
pub unsafe extern "C" fn lws_spa_create_via_info(
    wsi: *mut lws,
    info: *const lws_spa_create_info_t,
) -> *mut lws_spa {
    ffi_boundary!("lws_spa_create_via_info", {
        // SAFETY: caller contract: NULL or a valid info.
        let Some(i) = (unsafe { info.as_ref() }) else {
            log::err("lws_spa_create_via_info: NULL info");
            return ptr::null_mut();
        };
        if i.count_params < 0 || i.max_storage < 0 {
            log::err("lws_spa_create_via_info: negative count_params or max_storage");
            return ptr::null_mut();
        }
        if i.count_params > 0 && i.param_names.is_null() {
            log::err("lws_spa_create_via_info: NULL param_names");
            return ptr::null_mut();
        }
        let mut arena = false;
        if !i.ac.is_null() {
            // SAFETY: caller contract: ac points to a `struct lwsac *`.
            if !unsafe { *i.ac }.is_null() {
                log::err("lws_spa_create_via_info: lwsac is not supported (give a NULL one)");
                return ptr::null_mut();
            }
            arena = true;
        }
        // SAFETY: caller contract: count_params names at the stride.
        let names =
            unsafe { read_names(i.param_names, i.count_params as usize, i.param_names_stride) };
        // SAFETY: wsi is NULL or a live wsi (caller contract).
        let ct = unsafe { crate::capi::http::request_content_type(wsi) };
        let spa = Spa::new(
            Config {
                names,
                max_storage: i.max_storage as usize,
                arena,
            },
            ct.as_deref(),
        );
        let h = Box::new(Handle {
            spa: RefCell::new(spa),
            opt_cb: i.opt_cb,
            opt_data: i.opt_data,
        });
        Box::into_raw(h).cast::<lws_spa>()
    })
}

/// Creates a form-body parser (the older form of
/// lws_spa_create_via_info()).
#[no_mangle]
pub unsafe extern "C" fn lws_spa_create(
    wsi: *mut lws,
    param_names: *const *const c_char,
    count_params: c_int,
    max_storage: c_int,
    opt_cb: lws_spa_fileupload_cb,
    opt_data: *mut c_void,
) -> *mut lws_spa {
    ffi_boundary!("lws_spa_create", {
        let i = lws_spa_create_info {
            param_names,
            count_params,
            max_storage,
            opt_cb,
            opt_data,
            param_names_stride: 0,
            ac: ptr::null_mut(),
            ac_chunk_size: 0,
        };
        // SAFETY: the caller's arguments, passed on.
        unsafe { lws_spa_create_via_info(wsi, &i) }
    })
}

/// Parses `len` more bytes of the body. 0, or -1 when the body is
/// malformed, a value does not fit in max_storage, or the upload callback
/// returned < 0 (then every later call fails too). Ignored after
/// lws_spa_finalize().
#[no_mangle]
pub unsafe extern "C" fn lws_spa_process(
    spa: *mut lws_spa,
    in_: *const c_char,
    len: c_int,
) -> c_int {
    ffi_boundary!("lws_spa_process", {
        // SAFETY: caller contract.
        let Some(h) = (unsafe { handle(spa) }) else {
            log::err("lws_spa_process: NULL spa");
            return -1;
        };
        if len < 0 || (in_.is_null() && len > 0) {
            log::err("lws_spa_process: bad buffer");
            return -1;
        }
        let input = if len == 0 {
            &[][..]
        } else {
            // SAFETY: caller contract: len readable bytes at in_.
            unsafe { std::slice::from_raw_parts(in_.cast::<u8>(), len as usize) }
        };
        match h.with("lws_spa_process", |s, sink| s.process(input, sink)) {
            Some(Ok(())) => 0,
            _ => -1,
        }
    })
}

/// Ends the body: stores the last urlencoded value and calls the upload
/// callback with LWS_UFS_CLOSE. Returns 0.
#[no_mangle]
pub unsafe extern "C" fn lws_spa_finalize(spa: *mut lws_spa) -> c_int {
    ffi_boundary!("lws_spa_finalize", {
        // SAFETY: caller contract.
        let Some(h) = (unsafe { handle(spa) }) else {
            return 0;
        };
        let _ = h.with("lws_spa_finalize", |s, sink| s.finish(sink));
        0
    })
}

/// The length of parameter `n`'s value (0 if absent).
#[no_mangle]
pub unsafe extern "C" fn lws_spa_get_length(spa: *mut lws_spa, n: c_int) -> c_int {
    ffi_boundary!("lws_spa_get_length", {
        // SAFETY: caller contract.
        let Some(h) = (unsafe { handle(spa) }) else {
            log::err("lws_spa_get_length: NULL spa");
            return 0;
        };
        let Ok(s) = h.spa.try_borrow() else {
            log::err("lws_spa_get_length: called from the spa's own upload callback");
            return 0;
        };
        usize::try_from(n).map_or(0, |n| s.length(n))
    })
}

/// Parameter `n`'s value, NUL-terminated, valid until lws_spa_destroy();
/// NULL if it was absent or empty.
#[no_mangle]
pub unsafe extern "C" fn lws_spa_get_string(spa: *mut lws_spa, n: c_int) -> *const c_char {
    ffi_boundary!("lws_spa_get_string", {
        // SAFETY: caller contract.
        let Some(h) = (unsafe { handle(spa) }) else {
            log::err("lws_spa_get_string: NULL spa");
            return ptr::null();
        };
        let Ok(s) = h.spa.try_borrow() else {
            log::err("lws_spa_get_string: called from the spa's own upload callback");
            return ptr::null();
        };
        usize::try_from(n)
            .ok()
            .and_then(|n| s.value_ptr(n))
            .map_or(ptr::null(), |p| p.cast())
    })
}

/// Frees the parser (finalizing it first if needed, which calls the upload
/// callback with LWS_UFS_CLOSE). Returns 0.
#[no_mangle]
pub unsafe extern "C" fn lws_spa_destroy(spa: *mut lws_spa) -> c_int {
    ffi_boundary!("lws_spa_destroy", {
        // SAFETY: caller contract.
        let Some(h) = (unsafe { handle(spa) }) else {
            return 0;
        };
        if h.with("lws_spa_destroy", |s, sink| s.finish(sink))
            .is_none()
        {
            return -1;
        }
        // SAFETY: from Box::into_raw in lws_spa_create_via_info; the caller
        // gives it up, and no borrow of it is alive.
        drop(unsafe { Box::from_raw(spa.cast::<Handle>()) });
        0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CString;

    #[derive(Default)]
    struct Seen(Vec<(c_int, String, String, Vec<u8>, bool)>);

    unsafe extern "C" fn cb(
        data: *mut c_void,
        name: *const c_char,
        filename: *const c_char,
        buf: *mut c_char,
        len: c_int,
        state: lws_spa_fileupload_states,
    ) -> c_int {
        // SAFETY: test data: a Seen, C strings, len bytes at buf.
        unsafe {
            let seen = &mut *data.cast::<Seen>();
            let s = |p: *const c_char| CStr::from_ptr(p).to_string_lossy().into_owned();
            let d = if buf.is_null() {
                vec![]
            } else {
                std::slice::from_raw_parts(buf.cast::<u8>(), len as usize).to_vec()
            };
            seen.0
                .push((state as c_int, s(name), s(filename), d, buf.is_null()));
        }
        0
    }

    #[test]
    fn urlencoded_through_the_c_api() {
        let names = [c"a".as_ptr(), c"b".as_ptr(), c"c".as_ptr()];
        let mut seen = Seen::default();
        // SAFETY: valid arguments throughout.
        unsafe {
            let spa = lws_spa_create(
                ptr::null_mut(),
                names.as_ptr(),
                3,
                64,
                Some(cb),
                (&mut seen as *mut Seen).cast(),
            );
            assert!(!spa.is_null());
            let body = b"a=x%2By&c=hello+world&b=";
            for c in body.chunks(5) {
                assert_eq!(lws_spa_process(spa, c.as_ptr().cast(), c.len() as c_int), 0);
            }
            assert_eq!(lws_spa_finalize(spa), 0);
            assert_eq!(lws_spa_process(spa, c"junk".as_ptr(), 4), 0);
            assert_eq!(CStr::from_ptr(lws_spa_get_string(spa, 0)), c"x+y");
            assert_eq!(lws_spa_get_length(spa, 0), 3);
            assert!(lws_spa_get_string(spa, 1).is_null());
            assert_eq!(lws_spa_get_length(spa, 1), 0);
            assert_eq!(CStr::from_ptr(lws_spa_get_string(spa, 2)), c"hello world");
            assert!(lws_spa_get_string(spa, 3).is_null());
            assert!(lws_spa_get_string(spa, -1).is_null());
            assert_eq!(lws_spa_destroy(spa), 0);
        }
        assert_eq!(seen.0, vec![(3, "b".into(), "".into(), vec![], true)]);
    }

    #[test]
    fn stride_and_misuse() {
        #[repr(C)]
        struct Row {
            name: *const c_char,
            other: u32,
        }
        let rows = [
            Row {
                name: c"x".as_ptr(),
                other: 1,
            },
            Row {
                name: c"y".as_ptr(),
                other: 2,
            },
        ];
        assert_eq!(rows[1].other, 2);
        let i = lws_spa_create_info {
            param_names: rows.as_ptr().cast(),
            count_params: 2,
            max_storage: 0,
            opt_cb: None,
            opt_data: ptr::null_mut(),
            param_names_stride: std::mem::size_of::<Row>(),
            ac: ptr::null_mut(),
            ac_chunk_size: 0,
        };
        // SAFETY: valid arguments, and NULLs the API must refuse.
        unsafe {
            let spa = lws_spa_create_via_info(ptr::null_mut(), &i);
            let body = CString::new("y=2&x=1").unwrap();
            assert_eq!(lws_spa_process(spa, body.as_ptr(), 7), 0);
            assert_eq!(lws_spa_process(spa, ptr::null(), 3), -1);
            assert_eq!(lws_spa_process(spa, body.as_ptr(), -1), -1);
            lws_spa_finalize(spa);
            assert_eq!(CStr::from_ptr(lws_spa_get_string(spa, 0)), c"1");
            assert_eq!(CStr::from_ptr(lws_spa_get_string(spa, 1)), c"2");
            lws_spa_destroy(spa);

            assert_eq!(lws_spa_process(ptr::null_mut(), body.as_ptr(), 1), -1);
            assert_eq!(lws_spa_finalize(ptr::null_mut()), 0);
            assert!(lws_spa_get_string(ptr::null_mut(), 0).is_null());
            assert!(lws_spa_create_via_info(ptr::null_mut(), ptr::null()).is_null());

            // an arena that is NULL works; one that is not, is refused
            let mut ac: *mut lwsac = ptr::null_mut();
            let spa =
                lws_spa_create_via_info(ptr::null_mut(), &lws_spa_create_info { ac: &mut ac, ..i });
            assert!(!spa.is_null());
            lws_spa_destroy(spa);
            assert!(ac.is_null());
            let mut not_null = 1u8;
            let mut ac: *mut lwsac = (&mut not_null as *mut u8).cast();
            assert!(lws_spa_create_via_info(
                ptr::null_mut(),
                &lws_spa_create_info { ac: &mut ac, ..i }
            )
            .is_null());
        }
    }

    #[test]
    fn destroy_without_finalize_closes() {
        let mut seen = Seen::default();
        // SAFETY: valid arguments.
        unsafe {
            let spa = lws_spa_create(
                ptr::null_mut(),
                ptr::null(),
                0,
                0,
                Some(cb),
                (&mut seen as *mut Seen).cast(),
            );
            assert_eq!(lws_spa_process(spa, c"q=1".as_ptr(), 3), 0);
            assert_eq!(lws_spa_destroy(spa), 0);
        }
        assert_eq!(seen.0, vec![(3, "q".into(), "".into(), vec![], true)]);
    }
}
