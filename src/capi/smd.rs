//! System message distribution (lws-smd.h) and the monotonic clock.

use std::ffi::{c_int, c_void};

use super::context::ctx_ref;
use super::types::{
    lws_context, lws_smd_class_t, lws_smd_notification_cb_t, lws_smd_peer, lws_usec_t,
};
use crate::capi::log;
use crate::net::smd::{Msg, Peer, HEADER_ROOM, MAX_PAYLOAD};

/// Microseconds of CLOCK_MONOTONIC.
#[no_mangle]
pub extern "C" fn lws_now_usecs() -> lws_usec_t {
    ffi_boundary!("lws_now_usecs", {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime into a stack timespec.
        if unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) } != 0 {
            return 0;
        }
        ts.tv_sec * 1_000_000 + ts.tv_nsec / 1000
    })
}

/// Allocates a message of class `_class` with `len` payload bytes (at most
/// LWS_SMD_MAX_PAYLOAD). NULL if no registered peer wants the class.
#[no_mangle]
pub unsafe extern "C" fn lws_smd_msg_alloc(
    ctx: *mut lws_context,
    _class: lws_smd_class_t,
    len: usize,
) -> *mut c_void {
    ffi_boundary!("lws_smd_msg_alloc", {
        // SAFETY: caller contract.
        let Some(c) = (unsafe { ctx_ref(ctx) }) else {
            return std::ptr::null_mut();
        };
        if len > MAX_PAYLOAD {
            log::err(&format!(
                "lws_smd_msg_alloc: {len} bytes is over LWS_SMD_MAX_PAYLOAD ({MAX_PAYLOAD})"
            ));
            return std::ptr::null_mut();
        }
        if c.smd.wanted() & _class == 0 {
            log::info(&format!(
                "lws_smd_msg_alloc: no participant wants class 0x{_class:x}"
            ));
            return std::ptr::null_mut();
        }
        let m = Box::new(Msg {
            class: _class,
            len,
            timestamp: lws_now_usecs(),
            serial: 0,
            buf: [0; HEADER_ROOM + MAX_PAYLOAD + 2],
        });
        let m = Box::into_raw(m);
        // SAFETY: freshly boxed; the payload pointer is how C holds it.
        unsafe { (*m).payload() }
    })
}

/// Frees a message that was allocated but not sent; sets `*payload` NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_smd_msg_free(payload: *mut *mut c_void) {
    ffi_boundary!("lws_smd_msg_free", {
        // SAFETY: caller contract: payload points to a pointer from
        // lws_smd_msg_alloc (or NULL).
        unsafe {
            if payload.is_null() || (*payload).is_null() {
                return;
            }
            drop(Box::from_raw(Msg::from_payload(*payload)));
            *payload = std::ptr::null_mut();
        }
    })
}

/// Queues the message for delivery from the service loop, which takes
/// ownership. Non-zero (and the caller keeps it) when the queue is full.
/// Callable from any thread.
#[no_mangle]
pub unsafe extern "C" fn lws_smd_msg_send(ctx: *mut lws_context, payload: *mut c_void) -> c_int {
    ffi_boundary!("lws_smd_msg_send", {
        // SAFETY: caller contract.
        let Some(c) = (unsafe { ctx_ref(ctx) }) else {
            return 1;
        };
        if payload.is_null() {
            return 1;
        }
        // SAFETY: payload came from lws_smd_msg_alloc.
        let m = unsafe { Box::from_raw(Msg::from_payload(payload)) };
        match c.smd.send(m) {
            Ok(()) => {
                let _ = c.waker.wake();
                0
            }
            Err(m) => {
                log::warn("lws_smd_msg_send: queue full");
                // ownership goes back to the caller
                let _ = Box::into_raw(m);
                1
            }
        }
    })
}

/// Registers a peer that receives messages of the classes in
/// `_class_filter` through `cb`.
#[no_mangle]
pub unsafe extern "C" fn lws_smd_register(
    ctx: *mut lws_context,
    opaque: *mut c_void,
    flags: c_int,
    _class_filter: lws_smd_class_t,
    cb: lws_smd_notification_cb_t,
) -> *mut lws_smd_peer {
    ffi_boundary!("lws_smd_register", {
        // SAFETY: caller contract.
        let Some(c) = (unsafe { ctx_ref(ctx) }) else {
            return std::ptr::null_mut();
        };
        if flags != 0 {
            log::err("lws_smd_register: proxied secure-stream peers are not supported");
            return std::ptr::null_mut();
        }
        c.smd.register(opaque, _class_filter, cb) as *mut lws_smd_peer
    })
}

/// Removes a peer registered with lws_smd_register.
#[no_mangle]
pub unsafe extern "C" fn lws_smd_unregister(pr: *mut lws_smd_peer) {
    ffi_boundary!("lws_smd_unregister", {
        if pr.is_null() {
            return;
        }
        // SAFETY: a peer from lws_smd_register stays valid until this call;
        // it knows the registry of its context.
        let owner = unsafe { (*(pr as *const Peer)).owner };
        // SAFETY: the context (and its registry) outlives its peers.
        if !unsafe { &*owner }.unregister(pr as *const Peer) {
            log::err("lws_smd_unregister: unknown peer");
        }
    })
}

// called from the shim's lws_smd_msg_printf
pub(crate) extern "C" fn shim_smd_wants(ctx: *mut lws_context, class: lws_smd_class_t) -> c_int {
    // SAFETY: the shim passes the caller's context pointer.
    match unsafe { ctx_ref(ctx) } {
        Some(c) => (c.smd.wanted() & class != 0) as c_int,
        None => 0,
    }
}

pub(crate) extern "C" fn shim_smd_alloc(
    ctx: *mut lws_context,
    class: lws_smd_class_t,
    len: usize,
) -> *mut c_void {
    // room for the formatted text and its NUL; the length is set after
    // SAFETY: the shim passes the caller's context pointer.
    unsafe { lws_smd_msg_alloc(ctx, class, len.min(MAX_PAYLOAD)) }
}

pub(crate) extern "C" fn shim_smd_set_len(payload: *mut c_void, len: usize) {
    if !payload.is_null() {
        // SAFETY: payload came from lws_smd_msg_alloc.
        unsafe { (*Msg::from_payload(payload)).len = len.min(MAX_PAYLOAD) };
    }
}

#[allow(unused_doc_comments)]
/// cbindgen:ignore
extern "C" {
    fn lws_shim_set_smd(
        wants: extern "C" fn(*mut lws_context, lws_smd_class_t) -> c_int,
        alloc: extern "C" fn(*mut lws_context, lws_smd_class_t, usize) -> *mut c_void,
        set_len: extern "C" fn(*mut c_void, usize),
    );
}

extern "C" fn register_smd_shim() {
    // SAFETY: runs once at load; the shim only stores the pointers.
    unsafe { lws_shim_set_smd(shim_smd_wants, shim_smd_alloc, shim_smd_set_len) }
}

#[used]
#[unsafe(link_section = ".init_array")]
static REGISTER_SMD_SHIM: extern "C" fn() = register_smd_shim;
