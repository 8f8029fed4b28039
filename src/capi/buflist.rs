//! Chains of buffered byte segments (the `lws_buflist_*` part of
//! lws-misc.h): a `struct lws_buflist *` head owned by the caller, to which
//! copies of byte buffers are appended and from which they are used up in
//! order.
//!
//! Each segment is one libc allocation: a header, `LWS_PRE` bytes of
//! headroom (so whoever sends the data can put a protocol header in front
//! of it, as 4.1.6 allows), the data, and one spare byte. The layout is
//! private: C only ever holds pointers to the first segment.
//!
//! Quirks of 4.1.6 kept on purpose:
//! - `lws_buflist_append_segment()` returns 1 when the list was empty
//!   before, 0 otherwise, and refuses (-1) a list that already has 1024
//!   segments;
//! - `lws_buflist_total_len()` counts whole segments, including what was
//!   already used of the first one;
//! - `lws_buflist_linear_copy()` copies from the start of each segment,
//!   ignoring what was used, and never returns -1 (whatever its header
//!   says): it copies what fits and returns how much that was.
//!
//! Where 4.1.6 fails an `assert()` (Debian's build keeps them, so the
//! program aborts) we log with `lwsl_err` and return instead: appending a
//! NULL or empty buffer gives -1; using 0 bytes, or a segment of an empty
//! list, uses nothing; using more than the segment has uses the whole
//! segment.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::mem::size_of;
use std::ptr;

use crate::capi::log;

/// A list of buffered segments: opaque to C, which holds a
/// `struct lws_buflist *` head (NULL when empty).
pub struct lws_buflist {
    _p: [u8; 0],
}

/// `LWS_PRE`: headroom kept in front of each segment's data.
const PRE: usize = 16;

/// Most segments a list may hold (4.1.6 refuses to append beyond).
const MAX_SEGMENTS: usize = 1024;

/// Header of a segment; `PRE` bytes, the data and one spare byte follow.
#[repr(C)]
struct Segment {
    next: *mut Segment,
    /// Bytes of data (never 0).
    len: usize,
    /// Bytes already used (always below `len`).
    pos: usize,
}

impl Segment {
    /// The first data byte.
    ///
    /// # Safety
    /// `seg` is a live segment made by `lws_buflist_append_segment`.
    unsafe fn data(seg: *mut Segment) -> *mut u8 {
        // SAFETY: the allocation holds the header, PRE bytes and the data.
        unsafe { (seg as *mut u8).add(size_of::<Segment>() + PRE) }
    }
}

/// `%p` as glibc prints it.
fn fmt_ptr<T>(p: *const T) -> String {
    if p.is_null() {
        "(nil)".to_string()
    } else {
        format!("{p:p}")
    }
}

/// Unlinks and frees the first segment; true if the list is now empty.
///
/// # Safety
/// `*head` is a live, non-NULL segment.
unsafe fn drop_first(head: *mut *mut Segment) -> bool {
    // SAFETY: per the contract.
    unsafe {
        let old = *head;
        *head = (*old).next;
        libc::free(old.cast());
        (*head).is_null()
    }
}

/// Appends a copy of the `len` bytes at `buf` to the end of the list.
/// Returns 1 if the list was empty before (the first segment was just
/// created), 0 if not, and -1 on OOM, on an empty or NULL buffer, or when
/// the list already has 1024 segments.
#[no_mangle]
pub unsafe extern "C" fn lws_buflist_append_segment(
    head: *mut *mut lws_buflist,
    buf: *const u8,
    len: usize,
) -> c_int {
    ffi_boundary!("lws_buflist_append_segment", {
        if head.is_null() || buf.is_null() || len == 0 {
            log::err("lws_buflist_append_segment: NULL head or empty buffer");
            return -1;
        }
        let head = head as *mut *mut Segment;
        // SAFETY: caller contract: head points to a list head.
        let old_first = unsafe { *head };
        let mut at = head;
        let mut count = 0;
        // SAFETY: every link in the chain is NULL or a live segment.
        while !unsafe { *at }.is_null() {
            count += 1;
            if count >= MAX_SEGMENTS {
                log::err("lws_buflist_append_segment: buflist reached sanity limit");
                return -1;
            }
            // SAFETY: *at is a live segment.
            unsafe {
                if (**at).next == *at {
                    log::err("lws_buflist_append_segment: corrupt list points to self");
                    return -1;
                }
                at = &raw mut (**at).next;
            }
        }
        let first = old_first.is_null();
        log::info(&format!(
            "lws_buflist_append_segment: len {} first {} {}",
            len as u32,
            first as c_int,
            fmt_ptr(old_first)
        ));
        let Some(size) = len.checked_add(size_of::<Segment>() + PRE + 1) else {
            log::err("lws_buflist_append_segment: OOM");
            return -1;
        };
        // SAFETY: plain allocation, freed when the segment is used up or
        // the list destroyed.
        let seg = unsafe { libc::malloc(size) } as *mut Segment;
        if seg.is_null() {
            log::err("lws_buflist_append_segment: OOM");
            return -1;
        }
        // SAFETY: seg has room for the header, PRE, len bytes and one more;
        // buf has len bytes (caller contract); *at is the NULL end link.
        unsafe {
            seg.write(Segment {
                next: ptr::null_mut(),
                len,
                pos: 0,
            });
            let data = Segment::data(seg);
            ptr::copy_nonoverlapping(buf, data, len);
            *data.add(len) = 0;
            *at = seg;
        }
        first as c_int
    })
}

/// Bytes left in the first segment (0: the list is empty). If `buf` is not
/// NULL, `*buf` is set to where they start (NULL if the list is empty).
#[no_mangle]
pub unsafe extern "C" fn lws_buflist_next_segment_len(
    head: *mut *mut lws_buflist,
    buf: *mut *mut u8,
) -> usize {
    ffi_boundary!("lws_buflist_next_segment_len", {
        if !buf.is_null() {
            // SAFETY: caller contract: writable.
            unsafe { *buf = ptr::null_mut() };
        }
        if head.is_null() {
            return 0;
        }
        // SAFETY: caller contract: a list head.
        let b = unsafe { *(head as *mut *mut Segment) };
        if b.is_null() {
            return 0;
        }
        // SAFETY: b is a live segment; pos < len.
        unsafe {
            if !buf.is_null() {
                *buf = Segment::data(b).add((*b).pos);
            }
            (*b).len - (*b).pos
        }
    })
}

/// Marks `len` bytes of the first segment used. When that uses the segment
/// up, it is freed and the next one becomes first. Returns the bytes left
/// in the (new) first segment, 0 if the list is now empty.
#[no_mangle]
pub unsafe extern "C" fn lws_buflist_use_segment(head: *mut *mut lws_buflist, len: usize) -> usize {
    ffi_boundary!("lws_buflist_use_segment", {
        let head = head as *mut *mut Segment;
        // SAFETY: caller contract: NULL or a list head.
        if head.is_null() || unsafe { *head }.is_null() {
            log::err("lws_buflist_use_segment: empty list");
            return 0;
        }
        // SAFETY: *head is a live segment.
        let b = unsafe { &mut **head };
        let left = b.len - b.pos;
        if len == 0 {
            log::err("lws_buflist_use_segment: using 0 bytes");
            return left;
        }
        if len > left {
            log::err(&format!(
                "lws_buflist_use_segment: using {len} bytes of a segment with {left} left"
            ));
        }
        if len < left {
            b.pos += len;
            return left - len;
        }
        // SAFETY: *head is live; the reference `b` is not used again.
        if unsafe { drop_first(head) } {
            return 0;
        }
        // SAFETY: the new first segment is live.
        unsafe { (**head).len - (**head).pos }
    })
}

/// Frees every segment; `*head` is NULL afterwards.
#[no_mangle]
pub unsafe extern "C" fn lws_buflist_destroy_all_segments(head: *mut *mut lws_buflist) {
    ffi_boundary!("lws_buflist_destroy_all_segments", {
        if head.is_null() {
            return;
        }
        let head = head as *mut *mut Segment;
        // SAFETY: caller contract: a list head; each segment is live and
        // freed exactly once.
        unsafe {
            while !(*head).is_null() {
                drop_first(head);
            }
        }
    })
}

/// Total bytes of all segments (counting the whole first segment, also
/// the part already used).
#[no_mangle]
pub unsafe extern "C" fn lws_buflist_total_len(head: *mut *mut lws_buflist) -> usize {
    ffi_boundary!("lws_buflist_total_len", {
        if head.is_null() {
            return 0;
        }
        let mut total = 0usize;
        // SAFETY: caller contract: a list head of live segments.
        let mut p = unsafe { *(head as *mut *mut Segment) };
        while !p.is_null() {
            // SAFETY: p is live.
            unsafe {
                total = total.wrapping_add((*p).len);
                p = (*p).next;
            }
        }
        total
    })
}

/// Copies up to `len` bytes of the list's data, starting `ofs` bytes in,
/// to `buf` without using them up. Offsets count from the start of each
/// segment, including bytes already used. Returns the bytes copied (0 when
/// `ofs` is at or past the end).
#[no_mangle]
pub unsafe extern "C" fn lws_buflist_linear_copy(
    head: *mut *mut lws_buflist,
    ofs: usize,
    buf: *mut u8,
    len: usize,
) -> c_int {
    ffi_boundary!("lws_buflist_linear_copy", {
        if head.is_null() {
            return 0;
        }
        if buf.is_null() && len > 0 {
            log::err("lws_buflist_linear_copy: NULL buffer");
            return -1;
        }
        let (mut ofs, mut room, mut done) = (ofs, len, 0usize);
        // SAFETY: caller contract: a list head of live segments.
        let mut p = unsafe { *(head as *mut *mut Segment) };
        while !p.is_null() && room > 0 {
            // SAFETY: p is live; the copy stays inside its data and inside
            // the `len` bytes at buf (caller contract).
            unsafe {
                let seg_len = (*p).len;
                if ofs < seg_len {
                    let n = (seg_len - ofs).min(room);
                    ptr::copy_nonoverlapping(Segment::data(p).add(ofs), buf.add(done), n);
                    room -= n;
                    done += n;
                    ofs = 0;
                } else {
                    ofs -= seg_len;
                }
                p = (*p).next;
            }
        }
        done as c_int
    })
}

/// Logs (at notice level) each segment's used and total bytes, tagged with
/// `id` and `reason`.
#[no_mangle]
pub unsafe extern "C" fn lws_buflist_describe(
    head: *mut *mut lws_buflist,
    id: *mut c_void,
    reason: *const c_char,
) {
    ffi_boundary!("lws_buflist_describe", {
        if head.is_null() {
            return;
        }
        let reason = if reason.is_null() {
            "(null)".into()
        } else {
            // SAFETY: caller contract: a NUL-terminated string.
            unsafe { CStr::from_ptr(reason) }.to_string_lossy()
        };
        let id = fmt_ptr(id);
        // SAFETY: caller contract: a list head of live segments.
        let mut p = unsafe { *(head as *mut *mut Segment) };
        if p.is_null() {
            log::notice(&format!("{id}: {reason}: buflist empty"));
        }
        let mut n = 0;
        while !p.is_null() {
            // SAFETY: p is live.
            let (pos, len, next) = unsafe { ((*p).pos, (*p).len, (*p).next) };
            log::notice(&format!(
                "{id}: {reason}: {n}: {pos} / {len} ({} left)",
                len - pos
            ));
            if next == p {
                log::err("lws_buflist_describe: next points to self");
                break;
            }
            p = next;
            n += 1;
        }
    })
}
