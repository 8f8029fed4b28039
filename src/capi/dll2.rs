//! Doubly-linked lists whose links live in the program's own structs
//! (lws-dll2.h). The library's timers (lws_sul) are kept on them too, so
//! a program can see whether its timer is scheduled with
//! `lws_dll2_is_detached(&sul.list)`.

use std::ffi::{c_char, c_int, c_void, CStr};

use super::types::{lws_dll2, lws_dll2_owner};

pub(crate) type Dll2Compare =
    Option<unsafe extern "C" fn(d: *const lws_dll2, i: *const lws_dll2) -> c_int>;

/// Links the detached `d` first in `owner`'s list.
///
/// # Safety
/// Both point to live, initialized list structs.
pub(crate) unsafe fn add_head(d: *mut lws_dll2, owner: *mut lws_dll2_owner) {
    // SAFETY: caller contract.
    unsafe {
        if !(*d).owner.is_null() {
            return;
        }
        let o = &mut *owner;
        if o.head != d {
            (*d).next = o.head;
        }
        if !(*d).next.is_null() {
            (*(*d).next).prev = d;
        }
        (*d).prev = std::ptr::null_mut();
        o.head = d;
        if o.tail.is_null() {
            o.tail = d;
        }
        (*d).owner = owner;
        o.count += 1;
    }
}

/// Links the detached `d` last in `owner`'s list.
///
/// # Safety
/// Both point to live, initialized list structs.
pub(crate) unsafe fn add_tail(d: *mut lws_dll2, owner: *mut lws_dll2_owner) {
    // SAFETY: caller contract.
    unsafe {
        if !(*d).owner.is_null() {
            return;
        }
        let o = &mut *owner;
        (*d).prev = o.tail;
        if !(*d).prev.is_null() {
            (*(*d).prev).next = d;
        }
        (*d).next = std::ptr::null_mut();
        o.tail = d;
        if o.head.is_null() {
            o.head = d;
        }
        (*d).owner = owner;
        o.count += 1;
    }
}

/// Links the detached `d` just before the listed `after`.
///
/// # Safety
/// Both point to live, initialized list structs.
pub(crate) unsafe fn add_before(d: *mut lws_dll2, after: *mut lws_dll2) {
    // SAFETY: caller contract.
    unsafe {
        let owner = (*after).owner;
        if !(*d).owner.is_null() || owner.is_null() {
            return;
        }
        (*d).owner = owner;
        (*d).next = after;
        (*d).prev = (*after).prev;
        if (*after).prev.is_null() {
            (*owner).head = d;
        } else {
            (*(*after).prev).next = d;
        }
        (*after).prev = d;
        (*owner).count += 1;
    }
}

/// Unlinks `d` from whatever list holds it; a detached `d` is left alone.
///
/// # Safety
/// `d` points to a live, initialized list struct whose owner (if any) is
/// live.
pub(crate) unsafe fn remove(d: *mut lws_dll2) {
    // SAFETY: caller contract.
    unsafe {
        let owner = (*d).owner;
        if owner.is_null() {
            return;
        }
        if !(*d).next.is_null() {
            (*(*d).next).prev = (*d).prev;
        }
        if !(*d).prev.is_null() {
            (*(*d).prev).next = (*d).next;
        }
        if (*owner).tail == d {
            (*owner).tail = (*d).prev;
        }
        if (*owner).head == d {
            (*owner).head = (*d).next;
        }
        (*owner).count -= 1;
        (*d).owner = std::ptr::null_mut();
        (*d).prev = std::ptr::null_mut();
        (*d).next = std::ptr::null_mut();
    }
}

/// Inserts `d` before the first element `compare` says is not smaller, so
/// equal keys keep their insertion order reversed as lws does.
///
/// # Safety
/// As [`add_before`]; `compare` is callable on any two list elements.
pub(crate) unsafe fn add_sorted(d: *mut lws_dll2, own: *mut lws_dll2_owner, compare: Dll2Compare) {
    // SAFETY: caller contract.
    unsafe {
        if let Some(cmp) = compare {
            let mut p = (*own).head;
            while !p.is_null() {
                let next = (*p).next;
                if cmp(p, d) >= 0 {
                    add_before(d, p);
                    return;
                }
                p = next;
            }
        }
        add_tail(d, own);
    }
}

/// Adds the detached `d` as the first element of `owner`'s list.
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_add_head(d: *mut lws_dll2, owner: *mut lws_dll2_owner) {
    ffi_boundary!("lws_dll2_add_head", {
        if d.is_null() || owner.is_null() {
            return;
        }
        // SAFETY: caller contract.
        unsafe { add_head(d, owner) }
    })
}

/// Adds the detached `d` as the last element of `owner`'s list.
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_add_tail(d: *mut lws_dll2, owner: *mut lws_dll2_owner) {
    ffi_boundary!("lws_dll2_add_tail", {
        if d.is_null() || owner.is_null() {
            return;
        }
        // SAFETY: caller contract.
        unsafe { add_tail(d, owner) }
    })
}

/// Adds the detached `d` just before `after`, in `after`'s list.
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_add_before(d: *mut lws_dll2, after: *mut lws_dll2) {
    ffi_boundary!("lws_dll2_add_before", {
        if d.is_null() || after.is_null() {
            return;
        }
        // SAFETY: caller contract.
        unsafe { add_before(d, after) }
    })
}

/// Adds the detached `d` to `own`'s list before the first element that
/// `compare(element, d)` finds greater or equal, else last.
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_add_sorted(
    d: *mut lws_dll2,
    own: *mut lws_dll2_owner,
    compare: Option<unsafe extern "C" fn(d: *const lws_dll2, i: *const lws_dll2) -> c_int>,
) {
    ffi_boundary!("lws_dll2_add_sorted", {
        if d.is_null() || own.is_null() {
            return;
        }
        // SAFETY: caller contract.
        unsafe { add_sorted(d, own, compare) }
    })
}

/// Removes `d` from its list; nothing happens if it is detached.
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_remove(d: *mut lws_dll2) {
    ffi_boundary!("lws_dll2_remove", {
        if d.is_null() {
            return;
        }
        // SAFETY: caller contract.
        unsafe { remove(d) }
    })
}

/// Marks `d` detached without touching any list (for fresh memory).
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_clear(d: *mut lws_dll2) {
    ffi_boundary!("lws_dll2_clear", {
        if d.is_null() {
            return;
        }
        // SAFETY: caller contract.
        unsafe {
            (*d).owner = std::ptr::null_mut();
            (*d).prev = std::ptr::null_mut();
            (*d).next = std::ptr::null_mut();
        }
    })
}

/// Empties an owner without touching its former elements.
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_owner_clear(d: *mut lws_dll2_owner) {
    ffi_boundary!("lws_dll2_owner_clear", {
        if d.is_null() {
            return;
        }
        // SAFETY: caller contract.
        unsafe {
            (*d).head = std::ptr::null_mut();
            (*d).tail = std::ptr::null_mut();
            (*d).count = 0;
        }
    })
}

/// Calls `cb` on each element, head first; `cb` may remove or free the
/// element it is given. Stops and returns 1 when `cb` returns non-zero.
#[no_mangle]
pub unsafe extern "C" fn lws_dll2_foreach_safe(
    owner: *mut lws_dll2_owner,
    user: *mut c_void,
    cb: Option<unsafe extern "C" fn(d: *mut lws_dll2, user: *mut c_void) -> c_int>,
) -> c_int {
    ffi_boundary!("lws_dll2_foreach_safe", {
        let Some(cb) = cb else { return 0 };
        if owner.is_null() {
            return 0;
        }
        // SAFETY: caller contract; the next element is read before `cb`
        // may free the current one.
        unsafe {
            let mut p = (*owner).head;
            while !p.is_null() {
                let next = (*p).next;
                if cb(p, user) != 0 {
                    return 1;
                }
                p = next;
            }
        }
        0
    })
}

/// Finds the element whose `const char *` member (at `ptr_ofs` in the
/// struct whose list member is at `dll2_ofs`) equals the first `namelen`
/// bytes of `name` exactly; returns the struct, or NULL.
#[no_mangle]
pub unsafe extern "C" fn _lws_dll2_search_sz_pl(
    own: *mut lws_dll2_owner,
    name: *const c_char,
    namelen: usize,
    dll2_ofs: usize,
    ptr_ofs: usize,
) -> *mut c_void {
    ffi_boundary!("_lws_dll2_search_sz_pl", {
        if own.is_null() || name.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: caller contract: the offsets describe the listed structs
        // and `name` has `namelen` readable bytes.
        unsafe {
            let want = std::slice::from_raw_parts(name as *const u8, namelen);
            let mut p = (*own).head;
            while !p.is_null() {
                let base = (p as *mut u8).sub(dll2_ofs);
                let s = *(base.add(ptr_ofs) as *const *const c_char);
                if !s.is_null() && CStr::from_ptr(s).to_bytes() == want {
                    return base as *mut c_void;
                }
                p = (*p).next;
            }
        }
        std::ptr::null_mut()
    })
}
