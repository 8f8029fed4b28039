//! Ring buffers of fixed-size elements with one head and any number of
//! consumer tails (lws-ring.h).
//!
//! A tail is a byte offset into the buffer (`uint32_t`) that the consumer
//! owns; NULL stands for the ring's own "oldest tail". The ring keeps one
//! element's worth of space free, so `head == tail` always means empty.
//! Elements behind the oldest tail are retired through the optional
//! `destroy_element` callback.
//!
//! Quirks of 4.1.6 kept on purpose:
//! - the free count is "free bytes minus one element", and a result below
//!   2 bytes reads as no room at all, so a ring of 1-byte elements refuses
//!   to go from two free slots to one;
//! - counts are computed in C `int`, so a ring of 2 GiB or more reports no
//!   free space;
//! - `lws_ring_consume()` with a NULL tail moves the oldest tail and so
//!   retires (destroys) the consumed elements at once; with a caller's tail
//!   nothing is retired until `lws_ring_update_oldest_tail()`;
//! - `lws_ring_next_linear_insert_range()` and `lws_ring_bump_head()` work in
//!   bytes and do not check what the caller bumps by.
//!
//! Where 4.1.6 crashes or loops forever (a NULL ring, an empty ring size,
//! a tail beyond the buffer, a tail that element steps never reach while
//! retiring) we log with `lwsl_err` and return the neutral value instead.

use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::ptr;

use crate::capi::log;

/// An lws ring buffer: opaque to C, made by [`lws_ring_create`].
pub struct lws_ring {
    _p: [u8; 0],
}

/// `destroy_element` callback of a ring.
type DestroyFn = unsafe extern "C" fn(element: *mut c_void);

/// The ring behind a `struct lws_ring *`. Positions are in `Cell`s so that
/// a `destroy_element` callback may call back into the ring's API while we
/// hold a shared reference.
struct Ring {
    /// `buflen` bytes from libc `malloc` (C code is handed pointers into it).
    buf: *mut u8,
    destroy: Option<DestroyFn>,
    /// `count * element_len`, never 0 and fits `u32`.
    buflen: u32,
    element_len: u32,
    head: Cell<u32>,
    oldest_tail: Cell<u32>,
}

impl Ring {
    /// Bytes that may still be inserted, as 4.1.6 counts them: the free
    /// span less one element, in C `int` (so a huge span is negative).
    fn free_bytes(&self) -> i32 {
        let (h, t, el) = (self.head.get(), self.oldest_tail.get(), self.element_len);
        let span = if h == t {
            self.buflen.wrapping_sub(el)
        } else if h < t {
            (t - h).wrapping_sub(el)
        } else {
            self.buflen.wrapping_sub(h).wrapping_add(t).wrapping_sub(el)
        };
        span as i32
    }

    fn free_elements(&self) -> usize {
        let f = self.free_bytes();
        if f < 2 {
            return 0;
        }
        (f as u32 / self.element_len) as usize
    }

    fn waiting_elements(&self, tail: u32) -> usize {
        let h = self.head.get();
        let bytes = if h == tail {
            0
        } else if h > tail {
            h - tail
        } else {
            self.buflen.wrapping_sub(tail).wrapping_add(h)
        };
        (bytes / self.element_len) as usize
    }

    /// Bytes the next insertion may take: the free elements in bytes, as a
    /// C `int` would hold them.
    fn insertable_bytes(&self) -> usize {
        let n = self.free_elements().wrapping_mul(self.element_len as usize) as i32;
        n.max(0) as usize
    }

    /// Element steps from the oldest tail to `to`, if stepping reaches it.
    fn steps_to(&self, to: u32) -> Option<u64> {
        let (len, el) = (u64::from(self.buflen), u64::from(self.element_len));
        let (from, to) = (u64::from(self.oldest_tail.get()), u64::from(to));
        if from >= len || to >= len {
            return None;
        }
        let d = (to + len - from) % len;
        (d % el == 0).then_some(d / el)
    }

    /// Calls `destroy_element` on up to `steps` elements from the oldest
    /// tail, moving the oldest tail past each one, stopping early at `to`.
    fn retire(&self, destroy: DestroyFn, to: u32, steps: u64) {
        for _ in 0..steps {
            let t = self.oldest_tail.get();
            if t == to {
                break;
            }
            // SAFETY: t < buflen (steps_to checked it, and every step stays
            // inside by the modulo), so the element lies inside `buf`.
            unsafe { destroy(self.buf.add(t as usize).cast()) };
            // Re-read: the callback may have moved things itself.
            let t = self.oldest_tail.get();
            self.oldest_tail.set(
                ((u64::from(t) + u64::from(self.element_len)) % u64::from(self.buflen)) as u32,
            );
        }
    }

    fn update_oldest_tail(&self, tail: u32) {
        let Some(destroy) = self.destroy else {
            self.oldest_tail.set(tail);
            return;
        };
        match self.steps_to(tail) {
            Some(steps) => self.retire(destroy, tail, steps),
            None => log::err(&format!(
                "lws_ring_update_oldest_tail: tail {tail} is not an element position \
                 (buflen {}, element_len {}, oldest {}): ignored",
                self.buflen,
                self.element_len,
                self.oldest_tail.get()
            )),
        }
    }

    /// Copies `n` bytes starting at ring offset `at` (wrapping at the end
    /// of the buffer) into `dest`; returns the offset after them.
    ///
    /// # Safety
    /// `at < buflen`, `n <= buflen`, `dest` valid for `n` bytes.
    unsafe fn copy_out(&self, at: u32, dest: *mut u8, n: usize) -> u32 {
        let (at_u, len) = (at as usize, self.buflen as usize);
        let first = n.min(len - at_u);
        // SAFETY: both ranges are inside their buffers per the contract;
        // `copy` tolerates a destination inside the ring.
        unsafe {
            ptr::copy(self.buf.add(at_u), dest, first);
            ptr::copy(self.buf, dest.add(first), n - first);
        }
        ((at_u + n) % len) as u32
    }
}

/// The `Ring` behind a C pointer, or None for NULL (logged).
///
/// # Safety
/// `ring` is NULL or came from [`lws_ring_create`] and was not destroyed.
unsafe fn ring_ref<'a>(ring: *mut lws_ring, func: &str) -> Option<&'a Ring> {
    if ring.is_null() {
        log::err(&format!("{func}: NULL ring"));
        return None;
    }
    // SAFETY: per the contract it points to a live boxed Ring.
    Some(unsafe { &*(ring as *const Ring) })
}

/// Creates a ring of `count` elements of `element_len` bytes each.
/// `destroy_element`, if not NULL, is called for each element that is
/// retired because the oldest tail moved past it, and for each element
/// still waiting when the ring is destroyed.
///
/// One element is always kept free, so the ring holds at most `count - 1`
/// elements. Returns NULL if allocation fails or the size (`count *
/// element_len`) is 0 or does not fit 32 bits.
#[no_mangle]
pub unsafe extern "C" fn lws_ring_create(
    element_len: usize,
    count: usize,
    destroy_element: Option<unsafe extern "C" fn(element: *mut c_void)>,
) -> *mut lws_ring {
    ffi_boundary!("lws_ring_create", {
        let Some(buflen) = count
            .checked_mul(element_len)
            .filter(|&b| b > 0)
            .and_then(|b| u32::try_from(b).ok())
        else {
            log::err(&format!(
                "lws_ring_create: {count} elements of {element_len} bytes: unusable size"
            ));
            return ptr::null_mut();
        };
        // SAFETY: plain allocation; freed in lws_ring_destroy.
        let buf = unsafe { libc::malloc(buflen as usize) } as *mut u8;
        if buf.is_null() {
            log::err("lws_ring_create: OOM");
            return ptr::null_mut();
        }
        let r = Box::new(Ring {
            buf,
            destroy: destroy_element,
            buflen,
            element_len: element_len as u32,
            head: Cell::new(0),
            oldest_tail: Cell::new(0),
        });
        Box::into_raw(r) as *mut lws_ring
    })
}

/// Destroys the ring: calls `destroy_element` (if any) for each element
/// between the oldest tail and the head, then frees the buffer and the
/// ring. NULL is ignored.
#[no_mangle]
pub unsafe extern "C" fn lws_ring_destroy(ring: *mut lws_ring) {
    ffi_boundary!("lws_ring_destroy", {
        if ring.is_null() {
            return;
        }
        // SAFETY: caller contract: a live ring from lws_ring_create.
        let r = unsafe { &*(ring as *const Ring) };
        if let Some(destroy) = r.destroy {
            let head = r.head.get();
            let steps = r.steps_to(head).unwrap_or_else(|| {
                log::err("lws_ring_destroy: head is not an element position");
                r.waiting_elements(r.oldest_tail.get()) as u64
            });
            r.retire(destroy, head, steps);
        }
        // SAFETY: the ring is ours to free now; `buf` came from malloc and
        // the Box from lws_ring_create.
        unsafe {
            libc::free(r.buf.cast());
            drop(Box::from_raw(ring as *mut Ring));
        }
    })
}

/// How many whole elements can be inserted now.
#[no_mangle]
pub unsafe extern "C" fn lws_ring_get_count_free_elements(ring: *mut lws_ring) -> usize {
    ffi_boundary!("lws_ring_get_count_free_elements", {
        // SAFETY: caller contract.
        let Some(r) = (unsafe { ring_ref(ring, "lws_ring_get_count_free_elements") }) else {
            return 0;
        };
        r.free_elements()
    })
}

/// How many elements are waiting for the consumer whose tail is `*tail`
/// (NULL: the oldest tail).
#[no_mangle]
pub unsafe extern "C" fn lws_ring_get_count_waiting_elements(
    ring: *mut lws_ring,
    tail: *mut u32,
) -> usize {
    ffi_boundary!("lws_ring_get_count_waiting_elements", {
        // SAFETY: caller contract.
        let Some(r) = (unsafe { ring_ref(ring, "lws_ring_get_count_waiting_elements") }) else {
            return 0;
        };
        let t = if tail.is_null() {
            r.oldest_tail.get()
        } else {
            // SAFETY: caller contract: a readable tail.
            unsafe { *tail }
        };
        r.waiting_elements(t)
    })
}

/// Copies as many of the `max_count` elements at `src` into the ring as
/// fit; returns how many were inserted.
#[no_mangle]
pub unsafe extern "C" fn lws_ring_insert(
    ring: *mut lws_ring,
    src: *const c_void,
    max_count: usize,
) -> usize {
    ffi_boundary!("lws_ring_insert", {
        // SAFETY: caller contract.
        let Some(r) = (unsafe { ring_ref(ring, "lws_ring_insert") }) else {
            return 0;
        };
        let el = r.element_len as usize;
        let mut n = r.insertable_bytes();
        // 4.1.6 multiplies in size_t, wrapping.
        let wanted = max_count.wrapping_mul(el);
        if n > wanted {
            n = wanted;
        }
        if n == 0 {
            return 0;
        }
        if src.is_null() {
            log::err("lws_ring_insert: NULL src");
            return 0;
        }
        let (head, len) = (r.head.get() as usize, r.buflen as usize);
        let first = n.min(len - head);
        let src = src as *const u8;
        // SAFETY: head < buflen and n <= free bytes < buflen, so both parts
        // are inside `buf`; the caller provides max_count elements at src.
        unsafe {
            ptr::copy(src, r.buf.add(head), first);
            ptr::copy(src.add(first), r.buf, n - first);
        }
        r.head.set(((head + n) % len) as u32);
        n / el
    })
}

/// Consumes up to `max_count` elements waiting for `*tail` (NULL: the
/// oldest tail), copying them to `dest` unless it is NULL, and advances the
/// tail past them. With a NULL tail the oldest tail moves, so the consumed
/// elements are also retired (`destroy_element`) at once. Returns how many
/// elements were consumed.
#[no_mangle]
pub unsafe extern "C" fn lws_ring_consume(
    ring: *mut lws_ring,
    tail: *mut u32,
    dest: *mut c_void,
    max_count: usize,
) -> usize {
    ffi_boundary!("lws_ring_consume", {
        // SAFETY: caller contract.
        let Some(r) = (unsafe { ring_ref(ring, "lws_ring_consume") }) else {
            return 0;
        };
        let el = r.element_len as usize;
        let t = if tail.is_null() {
            r.oldest_tail.get()
        } else {
            // SAFETY: caller contract: a readable, writable tail.
            unsafe { *tail }
        };
        if t >= r.buflen {
            log::err(&format!(
                "lws_ring_consume: tail {t} is outside the ring ({} bytes)",
                r.buflen
            ));
            return 0;
        }
        // In C `int`, as 4.1.6 does (only a ring of 2 GiB or more goes
        // negative; that consumes nothing here).
        let avail = r.waiting_elements(t).wrapping_mul(el) as i32;
        let mut n = avail.max(0) as usize;
        let wanted = max_count.wrapping_mul(el);
        if n > wanted {
            n = wanted;
        }
        let new_tail = if dest.is_null() {
            ((t as usize + n) % r.buflen as usize) as u32
        } else {
            // SAFETY: t < buflen, n <= waiting bytes < buflen; the caller
            // provides room for max_count elements at dest.
            unsafe { r.copy_out(t, dest as *mut u8, n) }
        };
        if tail.is_null() {
            r.update_oldest_tail(new_tail);
        } else {
            // SAFETY: as above.
            unsafe { *tail = new_tail };
        }
        n / el
    })
}

/// Points at the next element waiting for `*tail` (NULL: the oldest tail)
/// inside the ring, or NULL if none. Consume it afterwards with
/// `lws_ring_consume(ring, tail, NULL, 1)`.
#[no_mangle]
pub unsafe extern "C" fn lws_ring_get_element(
    ring: *mut lws_ring,
    tail: *mut u32,
) -> *const c_void {
    ffi_boundary!("lws_ring_get_element", {
        // SAFETY: caller contract.
        let Some(r) = (unsafe { ring_ref(ring, "lws_ring_get_element") }) else {
            return ptr::null();
        };
        let t = if tail.is_null() {
            r.oldest_tail.get()
        } else {
            // SAFETY: caller contract: a readable tail.
            unsafe { *tail }
        };
        if t == r.head.get() {
            return ptr::null();
        }
        if t >= r.buflen {
            log::err(&format!(
                "lws_ring_get_element: tail {t} is outside the ring ({} bytes)",
                r.buflen
            ));
            return ptr::null();
        }
        // SAFETY: t < buflen.
        unsafe { r.buf.add(t as usize) as *const c_void }
    })
}

/// Tells the ring that no consumer needs the elements before `tail` any
/// more: with a `destroy_element` callback, each of them is destroyed as
/// the oldest tail steps past it.
#[no_mangle]
pub unsafe extern "C" fn lws_ring_update_oldest_tail(ring: *mut lws_ring, tail: u32) {
    ffi_boundary!("lws_ring_update_oldest_tail", {
        // SAFETY: caller contract.
        if let Some(r) = unsafe { ring_ref(ring, "lws_ring_update_oldest_tail") } {
            r.update_oldest_tail(tail);
        }
    })
}

/// The oldest tail: where a new consumer starts to see every element that
/// is still in the ring.
#[no_mangle]
pub unsafe extern "C" fn lws_ring_get_oldest_tail(ring: *mut lws_ring) -> u32 {
    ffi_boundary!("lws_ring_get_oldest_tail", {
        // SAFETY: caller contract.
        match unsafe { ring_ref(ring, "lws_ring_get_oldest_tail") } {
            Some(r) => r.oldest_tail.get(),
            None => 0,
        }
    })
}

/// For writing straight into the ring: sets `*start` to the head and
/// `*bytes` to how many bytes may be written there without wrapping.
/// Commit them with [`lws_ring_bump_head`]. Non-zero if there is no room.
#[no_mangle]
pub unsafe extern "C" fn lws_ring_next_linear_insert_range(
    ring: *mut lws_ring,
    start: *mut *mut c_void,
    bytes: *mut usize,
) -> c_int {
    ffi_boundary!("lws_ring_next_linear_insert_range", {
        // SAFETY: caller contract.
        let Some(r) = (unsafe { ring_ref(ring, "lws_ring_next_linear_insert_range") }) else {
            return 1;
        };
        let n = r.insertable_bytes();
        if n == 0 {
            return 1;
        }
        if start.is_null() || bytes.is_null() {
            log::err("lws_ring_next_linear_insert_range: NULL out-parameter");
            return 1;
        }
        let head = r.head.get() as usize;
        let room = n.min(r.buflen as usize - head);
        // SAFETY: head < buflen; the out-parameters are writable (checked
        // non-NULL, caller contract for the rest).
        unsafe {
            *start = r.buf.add(head).cast();
            *bytes = room;
        }
        0
    })
}

/// Moves the head on by `bytes` after writing into the range that
/// [`lws_ring_next_linear_insert_range`] gave.
#[no_mangle]
pub unsafe extern "C" fn lws_ring_bump_head(ring: *mut lws_ring, bytes: usize) {
    ffi_boundary!("lws_ring_bump_head", {
        // SAFETY: caller contract.
        if let Some(r) = unsafe { ring_ref(ring, "lws_ring_bump_head") } {
            // u32 arithmetic, as in 4.1.6.
            r.head
                .set(r.head.get().wrapping_add(bytes as u32) % r.buflen);
        }
    })
}

/// Logs (at notice level) the ring's sizes, head and oldest tail, and how
/// many elements are free and waiting for `*tail` (NULL: the oldest tail).
#[no_mangle]
pub unsafe extern "C" fn lws_ring_dump(ring: *mut lws_ring, tail: *mut u32) {
    ffi_boundary!("lws_ring_dump", {
        // SAFETY: caller contract.
        let Some(r) = (unsafe { ring_ref(ring, "lws_ring_dump") }) else {
            return;
        };
        let t = if tail.is_null() {
            r.oldest_tail.get()
        } else {
            // SAFETY: caller contract: a readable tail.
            unsafe { *tail }
        };
        log::notice(&format!(
            "ring {ring:p}: buflen {}, elem_len {}, head {}, oldest_tail {}\n     \
             free_elems: {}; for tail {t}, waiting elements: {}\n",
            r.buflen,
            r.element_len,
            r.head.get(),
            r.oldest_tail.get(),
            r.free_elements() as u32,
            r.waiting_elements(t) as u32,
        ));
    })
}
