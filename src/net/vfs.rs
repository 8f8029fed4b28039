//! File operations (lws-vfs.h). Each context has a list of
//! `lws_plat_file_ops`: its own platform set, then `info.fops`. File mounts
//! and lws_serve_http_file open files through the list, as 4.1.6 does, so
//! a program can wrap members of the platform set (`lws_get_fops(ctx)->open
//! = mine`, as upstream's test-server does), add a set for paths with a
//! signature (`"/x.zip/..."`), or swap the list (lws_set_fops).
//!
//! A set's functions are program code called outside `Wsi::dispatch`; a
//! read runs while the connection's file transfer is borrowed, so one that
//! calls back into lws for that connection meets a RefCell panic at the
//! boundary, not aliasing.

use std::cell::{Cell, UnsafeCell};
use std::ffi::{c_char, c_int, CStr, CString};
use std::io;

use crate::capi::types::{lws_fop_fd_t, lws_fop_flags_t, lws_plat_file_ops};

/// `LWS_FOP_FLAGS_MASK` etc. (lws-vfs.h).
pub(crate) const FLAGS_MASK: lws_fop_flags_t = (1 << 23) - 1;
pub(crate) const COMPR_ACCEPTABLE_GZIP: lws_fop_flags_t = 1 << 24;
pub(crate) const COMPR_IS_GZIP: lws_fop_flags_t = 1 << 25;
pub(crate) const MOD_TIME_VALID: lws_fop_flags_t = 1 << 26;
pub(crate) const VIRTUAL: lws_fop_flags_t = 1 << 27;

/// A context's file operations list.
pub(crate) struct Fops {
    /// The platform set: C may rewrite its members through lws_get_fops,
    /// so it lives at a fixed address and is only read through the pointer.
    platform: Box<UnsafeCell<lws_plat_file_ops>>,
    /// The head of the list (the platform set unless lws_set_fops).
    head: Cell<*const lws_plat_file_ops>,
}

impl Fops {
    /// The platform set followed by the program's (`info.fops`, may be NULL).
    pub(crate) fn new(user: *const lws_plat_file_ops) -> Fops {
        let mut p = crate::capi::vfs::PLATFORM;
        p.next = user;
        let platform = Box::new(UnsafeCell::new(p));
        let head = Cell::new(platform.get() as *const _);
        Fops { platform, head }
    }

    pub(crate) fn head(&self) -> *const lws_plat_file_ops {
        self.head.get()
    }

    pub(crate) fn set_head(&self, fops: *const lws_plat_file_ops) {
        self.head.set(if fops.is_null() {
            self.platform.get()
        } else {
            fops
        });
    }

    /// Opens `path` through the set its path selects (lws_vfs_file_open).
    pub(crate) fn open(&self, path: &str, flags: &mut lws_fop_flags_t) -> Option<VfsFile> {
        let path = CString::new(path).ok()?;
        // SAFETY: the head and the sets it links are the platform set or
        // sets the program gave us, which outlive the context.
        let fd = unsafe { open(self.head(), &path, flags) };
        if fd.is_null() {
            None
        } else {
            Some(VfsFile(fd))
        }
    }
}

/// The set that handles `path`, and where its virtual part starts (NULL:
/// none): the first set after the head with a signature that ends a
/// directory component of the path (lws_vfs_select_fops).
///
/// # Safety
/// `fops` is a valid list, its signatures C strings.
pub(crate) unsafe fn select(
    fops: *const lws_plat_file_ops,
    path: &CStr,
) -> (*const lws_plat_file_ops, *const c_char) {
    let bytes = path.to_bytes();
    // SAFETY: caller contract.
    if unsafe { (*fops).next }.is_null() {
        return (fops, std::ptr::null());
    }
    for (i, &c) in bytes.iter().enumerate() {
        if c != b'/' {
            continue;
        }
        // the head is the platform set: signatures start after it
        // SAFETY: caller contract.
        let mut pf = unsafe { (*fops).next };
        while !pf.is_null() {
            // SAFETY: caller contract.
            let set = unsafe { &*pf };
            for fi in set.fi.iter().take_while(|fi| !fi.sig.is_null()) {
                // the len - 1 bytes before this '/' are the signature's
                // first len - 1 (strncmp: a shorter signature never matches)
                let n = (fi.len as usize).saturating_sub(1);
                // SAFETY: caller contract (a C string).
                let sig = unsafe { CStr::from_ptr(fi.sig) }.to_bytes();
                if i >= fi.len as usize && sig.len() >= n && bytes[i - n..i] == sig[..n] {
                    // SAFETY: i < len: at worst the terminating NUL.
                    return (pf, unsafe { path.as_ptr().add(i + 1) });
                }
            }
            pf = set.next;
        }
    }
    (fops, std::ptr::null())
}

/// Opens `path` with the set [`select`] picks, passing it the list head.
///
/// # Safety
/// As [`select`]; the chosen set's `open` may be any C function.
pub(crate) unsafe fn open(
    fops: *const lws_plat_file_ops,
    path: &CStr,
    flags: &mut lws_fop_flags_t,
) -> lws_fop_fd_t {
    // SAFETY: caller contract.
    let (set, vpath) = unsafe { select(fops, path) };
    // SAFETY: caller contract.
    match unsafe { (*set).open } {
        // SAFETY: the set's own open, with the arguments lws passes.
        Some(f) => unsafe { f(fops, path.as_ptr(), vpath, flags) },
        None => std::ptr::null_mut(),
    }
}

/// A file opened through a context's file operations; closed (by its
/// set's `close`) on drop.
pub(crate) struct VfsFile(lws_fop_fd_t);

impl VfsFile {
    /// The length its set reported.
    pub(crate) fn len(&self) -> u64 {
        // SAFETY: open until drop.
        unsafe { (*self.0).len }
    }

    pub(crate) fn fd(&self) -> c_int {
        // SAFETY: open until drop.
        unsafe { (*self.0).fd }
    }

    pub(crate) fn flags(&self) -> lws_fop_flags_t {
        // SAFETY: open until drop.
        unsafe { (*self.0).flags }
    }

    pub(crate) fn mod_time(&self) -> u32 {
        // SAFETY: open until drop.
        unsafe { (*self.0).mod_time }
    }

    pub(crate) fn set_mod_time(&self, t: u32) {
        // SAFETY: open until drop; lws writes this field too.
        unsafe { (*self.0).mod_time = t };
    }
}

impl io::Read for VfsFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut amount = 0;
        // SAFETY: open until drop; the set's read fills at most len bytes.
        let r = unsafe {
            match (*self.0).fops.as_ref().and_then(|s| s.read) {
                Some(f) => f(self.0, &mut amount, buf.as_mut_ptr(), buf.len() as u64),
                None => -1,
            }
        };
        if r != 0 {
            return Err(io::Error::other("file operations read failed"));
        }
        Ok((amount as usize).min(buf.len()))
    }
}

impl Drop for VfsFile {
    fn drop(&mut self) {
        // SAFETY: open until here; close frees it (lws_vfs_file_close).
        unsafe {
            if let Some(f) = (*self.0).fops.as_ref().and_then(|s| s.close) {
                f(&mut self.0);
            }
        }
    }
}
