//! File operations (lws-vfs.h): the context's list of sets (see
//! net/vfs.rs), the queries on an open file, and the platform set, plain
//! POSIX files, which 4.1.6 exports as `_lws_plat_file_*`.

use std::ffi::{c_char, c_int, CStr};

use super::context::ctx_ref;
use super::types::{
    lws_context, lws_fileofs_t, lws_filepos_t, lws_fop_fd, lws_fop_fd_t, lws_fop_flags_t,
    lws_fops_index, lws_plat_file_ops,
};
use crate::net::vfs::FLAGS_MASK;

/// The platform set a context starts with (its `next` is `info.fops`).
pub(crate) const PLATFORM: lws_plat_file_ops = lws_plat_file_ops {
    open: Some(_lws_plat_file_open),
    close: Some(_lws_plat_file_close),
    seek_cur: Some(_lws_plat_file_seek_cur),
    read: Some(_lws_plat_file_read),
    write: Some(_lws_plat_file_write),
    fi: [lws_fops_index {
        sig: std::ptr::null(),
        len: 0,
    }; 3],
    next: std::ptr::null(),
};

/// The head of the context's file operations list: the platform set,
/// whose members the program may replace, unless lws_set_fops gave another.
#[no_mangle]
pub unsafe extern "C" fn lws_get_fops(context: *mut lws_context) -> *mut lws_plat_file_ops {
    ffi_boundary!("lws_get_fops", {
        // SAFETY: caller contract.
        unsafe { ctx_ref(context) }.map_or(std::ptr::null_mut(), |c| c.fops.head() as *mut _)
    })
}

/// Makes `fops` the head of the context's file operations list. NULL
/// makes it the platform set again (4.1.6 stores the NULL and crashes at
/// the next file it opens).
#[no_mangle]
pub unsafe extern "C" fn lws_set_fops(context: *mut lws_context, fops: *const lws_plat_file_ops) {
    ffi_boundary!("lws_set_fops", {
        // SAFETY: caller contract.
        if let Some(c) = unsafe { ctx_ref(context) } {
            c.fops.set_head(fops);
        }
    })
}

/// Reads a field of an open file (0 for NULL).
fn field<T: Default>(fop_fd: lws_fop_fd_t, f: impl FnOnce(&lws_fop_fd) -> T) -> T {
    // SAFETY: an open file of some set, or NULL.
    unsafe { fop_fd.as_ref() }.map_or_else(T::default, f)
}

/// The current position in an open file.
#[no_mangle]
pub unsafe extern "C" fn lws_vfs_tell(fop_fd: lws_fop_fd_t) -> lws_filepos_t {
    ffi_boundary!("lws_vfs_tell", { field(fop_fd, |f| f.pos) })
}

/// The length of an open file, as its set reported it.
#[no_mangle]
pub unsafe extern "C" fn lws_vfs_get_length(fop_fd: lws_fop_fd_t) -> lws_filepos_t {
    ffi_boundary!("lws_vfs_get_length", { field(fop_fd, |f| f.len) })
}

/// The modification time of an open file (set when a mount serves it).
#[no_mangle]
pub unsafe extern "C" fn lws_vfs_get_mod_time(fop_fd: lws_fop_fd_t) -> u32 {
    ffi_boundary!("lws_vfs_get_mod_time", { field(fop_fd, |f| f.mod_time) })
}

/// Calls the file's set's seek_cur with `rel`; -1 when there is none.
fn seek_cur(fop_fd: lws_fop_fd_t, rel: lws_fileofs_t) -> lws_fileofs_t {
    // SAFETY: an open file of some set, or NULL.
    let Some(f) = (unsafe { fop_fd.as_ref() }) else {
        return -1;
    };
    // SAFETY: the file's set, and its own seek.
    match unsafe { f.fops.as_ref() }.and_then(|s| s.seek_cur) {
        // SAFETY: as lws calls it.
        Some(seek) => unsafe { seek(fop_fd, rel) },
        None => -1,
    }
}

/// Seeks to `offset` from the start of the file.
#[no_mangle]
pub unsafe extern "C" fn lws_vfs_file_seek_set(
    fop_fd: lws_fop_fd_t,
    offset: lws_fileofs_t,
) -> lws_fileofs_t {
    ffi_boundary!("lws_vfs_file_seek_set", {
        let pos = field(fop_fd, |f| f.pos) as lws_fileofs_t;
        seek_cur(fop_fd, offset.wrapping_sub(pos))
    })
}

/// 4.1.6's seek "from the end": it asks the set to move by
/// `length + position + offset` from the current position (clamped to the
/// end by the platform set), which is kept for the same results.
#[no_mangle]
pub unsafe extern "C" fn lws_vfs_file_seek_end(
    fop_fd: lws_fop_fd_t,
    offset: lws_fileofs_t,
) -> lws_fileofs_t {
    ffi_boundary!("lws_vfs_file_seek_end", {
        let (len, pos) = field(fop_fd, |f| (f.len, f.pos));
        seek_cur(
            fop_fd,
            (len as lws_fileofs_t)
                .wrapping_add(pos as lws_fileofs_t)
                .wrapping_add(offset),
        )
    })
}

/// Opens `vfs_path` with the set of list `fops` its path selects (a
/// signature like `".zip/"` ending one of its directories), else the
/// head; that set's open gets the head and the part after the signature.
#[no_mangle]
pub unsafe extern "C" fn lws_vfs_file_open(
    fops: *const lws_plat_file_ops,
    vfs_path: *const c_char,
    flags: *mut lws_fop_flags_t,
) -> lws_fop_fd_t {
    ffi_boundary!("lws_vfs_file_open", {
        if fops.is_null() || vfs_path.is_null() || flags.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: caller contract: a list of sets, a C string, its flags.
        unsafe { crate::net::vfs::open(fops, CStr::from_ptr(vfs_path), &mut *flags) }
    })
}

/// The platform open: `open(2)` with the flags' access bits (mode 0664 if
/// it creates), the length from `fstat`.
#[no_mangle]
pub unsafe extern "C" fn _lws_plat_file_open(
    fops: *const lws_plat_file_ops,
    filename: *const c_char,
    vpath: *const c_char,
    flags: *mut lws_fop_flags_t,
) -> lws_fop_fd_t {
    ffi_boundary!("_lws_plat_file_open", {
        let _ = vpath;
        if filename.is_null() || flags.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: caller contract: a C string and the flags.
        let fl = unsafe { *flags };
        // SAFETY: as lws_open.
        let fd = unsafe {
            libc::open(
                filename,
                (fl & FLAGS_MASK) as c_int | libc::O_CLOEXEC,
                0o664 as libc::c_uint,
            )
        };
        if fd < 0 {
            return std::ptr::null_mut();
        }
        // SAFETY: fstat into our buffer; calloc'd like lws's malloc, so a
        // program's close may free() it.
        unsafe {
            let mut st: libc::stat = std::mem::zeroed();
            let f = if libc::fstat(fd, &mut st) == 0 {
                libc::calloc(1, std::mem::size_of::<lws_fop_fd>()) as lws_fop_fd_t
            } else {
                std::ptr::null_mut()
            };
            if f.is_null() {
                libc::close(fd);
                return std::ptr::null_mut();
            }
            (*f).fd = fd;
            (*f).fops = fops;
            (*f).flags = fl;
            (*f).len = st.st_size as lws_filepos_t;
            (*f).pos = 0;
            f
        }
    })
}

/// The platform close: frees the file, sets `*fop_fd` to NULL and returns
/// close(2)'s result.
#[no_mangle]
pub unsafe extern "C" fn _lws_plat_file_close(fop_fd: *mut lws_fop_fd_t) -> c_int {
    ffi_boundary!("_lws_plat_file_close", {
        // SAFETY: caller contract: a pointer to an open platform file.
        unsafe {
            if fop_fd.is_null() || (*fop_fd).is_null() {
                return -1;
            }
            let fd = (**fop_fd).fd;
            libc::free(*fop_fd as *mut libc::c_void);
            *fop_fd = std::ptr::null_mut();
            libc::close(fd)
        }
    })
}

/// The platform seek: by `offset` from the current position, kept within
/// the file; returns the new position, or -1.
#[no_mangle]
pub unsafe extern "C" fn _lws_plat_file_seek_cur(
    fop_fd: lws_fop_fd_t,
    offset: lws_fileofs_t,
) -> lws_fileofs_t {
    ffi_boundary!("_lws_plat_file_seek_cur", {
        // SAFETY: caller contract: an open platform file.
        let Some(f) = (unsafe { fop_fd.as_mut() }) else {
            return -1;
        };
        let (len, pos) = (f.len as lws_fileofs_t, f.pos as lws_fileofs_t);
        let mut offset = offset;
        if offset > 0 && offset > len - pos {
            offset = len - pos;
        }
        if pos + offset < 0 {
            offset = -pos;
        }
        // SAFETY: the file's descriptor.
        let r = unsafe { libc::lseek(f.fd, offset, libc::SEEK_CUR) };
        if r >= 0 {
            f.pos = r as lws_filepos_t;
        } else {
            super::log::err(&format!("error seeking from cur {pos}, offset {offset}"));
        }
        r
    })
}

/// read(2) or write(2) of up to `len` bytes; 0 with `*amount` set, or -1
/// with `*amount` 0.
fn plat_io(
    fop_fd: lws_fop_fd_t,
    amount: *mut lws_filepos_t,
    buf: *mut u8,
    len: lws_filepos_t,
    write: bool,
) -> c_int {
    // SAFETY: caller contract: an open platform file, `len` bytes at buf.
    let (Some(f), Some(amount)) = (unsafe { fop_fd.as_mut() }, unsafe { amount.as_mut() }) else {
        return -1;
    };
    // SAFETY: as above.
    let n = unsafe {
        if write {
            libc::write(f.fd, buf as *const libc::c_void, len as usize)
        } else {
            libc::read(f.fd, buf as *mut libc::c_void, len as usize)
        }
    };
    if n < 0 {
        *amount = 0;
        return -1;
    }
    f.pos += n as lws_filepos_t;
    *amount = n as lws_filepos_t;
    0
}

/// The platform read.
#[no_mangle]
pub unsafe extern "C" fn _lws_plat_file_read(
    fop_fd: lws_fop_fd_t,
    amount: *mut lws_filepos_t,
    buf: *mut u8,
    len: lws_filepos_t,
) -> c_int {
    ffi_boundary!("_lws_plat_file_read", {
        plat_io(fop_fd, amount, buf, len, false)
    })
}

/// The platform write.
#[no_mangle]
pub unsafe extern "C" fn _lws_plat_file_write(
    fop_fd: lws_fop_fd_t,
    amount: *mut lws_filepos_t,
    buf: *mut u8,
    len: lws_filepos_t,
) -> c_int {
    ffi_boundary!("_lws_plat_file_write", {
        plat_io(fop_fd, amount, buf, len, true)
    })
}
