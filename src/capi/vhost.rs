//! Vhost and protocol queries and the all-connection callbacks
//! (lws-vhost.h, lws-protocols-plugins.h, lws-misc.h).

use std::ffi::{c_char, c_int, c_void, CStr};
use std::rc::Rc;

use super::context::{ctx_ref, vhost_ref, wsi_ref};
use super::log;
use super::types::{lws, lws_context, lws_protocol_vhost_options, lws_protocols, lws_vhost};
use crate::net::context::{Context, Vhost};
use crate::net::wsi::{Wsi, WsiState};

/// Index in `vh`'s table of `prot`: the entry itself, else the entry of
/// the same name (a program may pass its own table), as lws looks it up.
fn protocol_index(vh: &Vhost, prot: *const lws_protocols) -> Option<usize> {
    if prot.is_null() {
        return None;
    }
    if let Some(i) = vh.protocols.iter().position(|p| std::ptr::eq(p, prot)) {
        return Some(i);
    }
    // SAFETY: the caller's protocol entry.
    let want = unsafe { &*prot };
    if want.name.is_null() {
        return None;
    }
    // SAFETY: protocol names are C strings.
    let want = unsafe { CStr::from_ptr(want.name) };
    vh.protocols
        .iter()
        // SAFETY: as above.
        .position(|p| !p.name.is_null() && unsafe { CStr::from_ptr(p.name) } == want)
}

/// Whether `prot` points into one of the vhosts' own protocol tables
/// (what lws_get_protocol and lws_vhost_name_to_protocol return).
fn is_vhost_entry(ctx: &Context, prot: *const lws_protocols) -> bool {
    ctx.vhosts
        .borrow()
        .iter()
        .any(|v| v.protocols.as_ptr_range().contains(&prot))
}

/// How the all-connection calls match a connection's protocol against
/// the one the program names.
#[derive(Clone, Copy)]
enum Match {
    /// A vhost's own entry (as 4.1.6 requires): that entry only.
    Entry(*const lws_protocols),
    /// Another table, typically the program's: by name and callback.
    Lenient(*const lws_protocols),
}

impl Match {
    fn new(ctx: &Context, prot: *const lws_protocols) -> Match {
        if is_vhost_entry(ctx, prot) {
            Match::Entry(prot)
        } else {
            Match::Lenient(prot)
        }
    }

    /// Whether `w` is bound to the protocol.
    fn hits(self, w: &Wsi) -> bool {
        let p = w.protocol_ptr();
        match self {
            Match::Entry(prot) => !p.is_null() && std::ptr::eq(p, prot),
            Match::Lenient(prot) => {
                if p.is_null() || prot.is_null() {
                    return false;
                }
                // SAFETY: both are protocol entries.
                let (a, b) = unsafe { (&*p, &*prot) };
                a.callback.map(|f| f as usize) == b.callback.map(|f| f as usize)
                    && match (a.name.is_null(), b.name.is_null()) {
                        (true, true) => true,
                        // SAFETY: protocol names are C strings.
                        (false, false) => unsafe {
                            CStr::from_ptr(a.name) == CStr::from_ptr(b.name)
                        },
                        _ => false,
                    }
            }
        }
    }
}

/// The context's sockets (listeners and connections), in slab order.
fn socket_wsis(ctx: &Context) -> Vec<Rc<Wsi>> {
    ctx.wsis.borrow().iter().flatten().cloned().collect()
}

/// Allocates `size` zeroed bytes of data private to `prot` on `vhost`
/// (typically in PROTOCOL_INIT); freed when the vhost is destroyed.
#[no_mangle]
pub unsafe extern "C" fn lws_protocol_vh_priv_zalloc(
    vhost: *mut lws_vhost,
    prot: *const lws_protocols,
    size: c_int,
) -> *mut c_void {
    ffi_boundary!("lws_protocol_vh_priv_zalloc", {
        // SAFETY: caller contract.
        let Some(vh) = (unsafe { vhost_ref(vhost) }) else {
            return std::ptr::null_mut();
        };
        let Some(i) = protocol_index(vh, prot) else {
            log::err("lws_protocol_vh_priv_zalloc: protocol not on this vhost");
            return std::ptr::null_mut();
        };
        // SAFETY: plain allocation; at least one byte so the result is
        // never mistaken for a failure.
        let p = unsafe { libc::calloc(1, size.max(1) as usize) };
        if p.is_null() {
            return p;
        }
        let old = std::mem::replace(&mut vh.vh_privs.borrow_mut()[i], p);
        if !old.is_null() {
            vh.vh_privs_old.borrow_mut().push(old);
        }
        p
    })
}

/// The data lws_protocol_vh_priv_zalloc made for `prot` on `vhost`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_protocol_vh_priv_get(
    vhost: *mut lws_vhost,
    prot: *const lws_protocols,
) -> *mut c_void {
    ffi_boundary!("lws_protocol_vh_priv_get", {
        // SAFETY: caller contract.
        let Some(vh) = (unsafe { vhost_ref(vhost) }) else {
            return std::ptr::null_mut();
        };
        if prot.is_null() {
            return std::ptr::null_mut();
        }
        match protocol_index(vh, prot) {
            Some(i) => vh.vh_privs.borrow()[i],
            None => {
                log::err("lws_protocol_vh_priv_get: unknown protocol");
                std::ptr::null_mut()
            }
        }
    })
}

/// The vhost's protocol entry called `name`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_vhost_name_to_protocol(
    vh: *mut lws_vhost,
    name: *const c_char,
) -> *const lws_protocols {
    ffi_boundary!("lws_vhost_name_to_protocol", {
        // SAFETY: caller contract.
        let Some(v) = (unsafe { vhost_ref(vh) }) else {
            return std::ptr::null();
        };
        if name.is_null() {
            return std::ptr::null();
        }
        // SAFETY: caller's C string.
        let want = unsafe { CStr::from_ptr(name) };
        v.protocols
            .iter()
            // SAFETY: protocol names are C strings.
            .find(|p| !p.name.is_null() && unsafe { CStr::from_ptr(p.name) } == want)
            .map_or(std::ptr::null(), |p| p as *const lws_protocols)
    })
}

/// The protocol the connection is bound to (as lws_get_protocol).
#[no_mangle]
pub unsafe extern "C" fn lws_protocol_get(wsi: *mut lws) -> *const lws_protocols {
    ffi_boundary!("lws_protocol_get", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi) }.map_or(std::ptr::null(), |w| w.protocol_ptr())
    })
}

/// The port the vhost listens on.
#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost_port(vhost: *mut lws_vhost) -> c_int {
    ffi_boundary!("lws_get_vhost_port", {
        // SAFETY: caller contract.
        unsafe { vhost_ref(vhost) }.map_or(-1, |v| v.listen_port.get())
    })
}

/// The interface the vhost was created with (info.iface), or NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost_iface(vhost: *mut lws_vhost) -> *const c_char {
    ffi_boundary!("lws_get_vhost_iface", {
        // SAFETY: caller contract.
        unsafe { vhost_ref(vhost) }
            .and_then(|v| v.iface.as_ref().map(|s| s.as_ptr()))
            .unwrap_or(std::ptr::null())
    })
}

/// The `user` pointer of the vhost's creation info.
#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost_user(vhost: *mut lws_vhost) -> *mut c_void {
    ffi_boundary!("lws_get_vhost_user", {
        // SAFETY: caller contract.
        unsafe { vhost_ref(vhost) }.map_or(std::ptr::null_mut(), |v| v.user)
    })
}

/// The `user` pointer of the vhost's creation info.
#[no_mangle]
pub unsafe extern "C" fn lws_vhost_user(vhost: *mut lws_vhost) -> *mut c_void {
    ffi_boundary!("lws_vhost_user", {
        // SAFETY: caller contract.
        unsafe { vhost_ref(vhost) }.map_or(std::ptr::null_mut(), |v| v.user)
    })
}

/// The entry called `name` in a per-vhost option list, or NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_pvo_search(
    pvo: *const lws_protocol_vhost_options,
    name: *const c_char,
) -> *const lws_protocol_vhost_options {
    ffi_boundary!("lws_pvo_search", {
        if name.is_null() {
            return std::ptr::null();
        }
        // SAFETY: caller's C string.
        let want = unsafe { CStr::from_ptr(name) };
        let mut p = pvo;
        while !p.is_null() {
            // SAFETY: the program's NULL-terminated list.
            let node = unsafe { &*p };
            // SAFETY: option names are C strings.
            if !node.name.is_null() && unsafe { CStr::from_ptr(node.name) } == want {
                return p;
            }
            p = node.next;
        }
        std::ptr::null()
    })
}

/// Sets `*result` to the value of option `name` in the list `in`: 0, or 1
/// if there is no such option.
#[no_mangle]
pub unsafe extern "C" fn lws_pvo_get_str(
    in_: *mut c_void,
    name: *const c_char,
    result: *mut *const c_char,
) -> c_int {
    ffi_boundary!("lws_pvo_get_str", {
        // SAFETY: caller contract.
        let p = unsafe { lws_pvo_search(in_ as *const lws_protocol_vhost_options, name) };
        if p.is_null() {
            return 1;
        }
        if !result.is_null() {
            // SAFETY: p is a list entry; result is writable.
            unsafe { *result = (*p).value };
        }
        0
    })
}

/// Gives the connection user space the program owns (freeing any the
/// library allocated).
#[no_mangle]
pub unsafe extern "C" fn lws_set_wsi_user(wsi: *mut lws, data: *mut c_void) {
    ffi_boundary!("lws_set_wsi_user", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return;
        };
        w.free_user_space();
        w.user_external.set(true);
        w.user_space.set(data);
    })
}

/// Changes the per-session data size of the connection's protocol (on
/// its vhost) and allocates the connection's user space if it has none;
/// returns the user space.
#[no_mangle]
pub unsafe extern "C" fn lws_adjust_protocol_psds(wsi: *mut lws, new_size: usize) -> *mut c_void {
    ffi_boundary!("lws_adjust_protocol_psds", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return std::ptr::null_mut();
        };
        let Some(e) = w.vhost().protocols.entry_mut(w.protocol.get()) else {
            return std::ptr::null_mut();
        };
        // SAFETY: the vhost's own table; no reference into it is live.
        unsafe { (*e).per_session_data_size = new_size };
        if w.user_space.get().is_null() && new_size > 0 {
            // SAFETY: zeroed allocation freed by free_user_space.
            let p = unsafe { libc::calloc(1, new_size) };
            if p.is_null() {
                return p;
            }
            w.user_space.set(p);
            w.user_allocated.set(true);
        }
        w.user_space.get()
    })
}

/// Calls `protocol`'s callback with `reason` for every socket bound to it.
#[no_mangle]
pub unsafe extern "C" fn lws_callback_all_protocol(
    context: *mut lws_context,
    protocol: *const lws_protocols,
    reason: c_int,
) -> c_int {
    ffi_boundary!("lws_callback_all_protocol", {
        // SAFETY: caller contract.
        let Some(ctx) = (unsafe { ctx_ref(context) }) else {
            return 0;
        };
        let m = Match::new(ctx, protocol);
        for w in socket_wsis(ctx) {
            if w.state.get() != WsiState::Dead && m.hits(&w) {
                w.dispatch(reason, std::ptr::null_mut(), std::ptr::null_mut(), 0);
            }
        }
        ctx.after_api_callbacks();
        0
    })
}

/// Calls, for every socket of `vh` bound to `protocol` (or any protocol
/// when NULL), its protocol's callback with `reason`, `argp` and `len`.
#[no_mangle]
pub unsafe extern "C" fn lws_callback_all_protocol_vhost_args(
    vh: *mut lws_vhost,
    protocol: *const lws_protocols,
    reason: c_int,
    argp: *mut c_void,
    len: usize,
) -> c_int {
    ffi_boundary!("lws_callback_all_protocol_vhost_args", {
        // SAFETY: caller contract.
        let Some(v) = (unsafe { vhost_ref(vh) }) else {
            return 0;
        };
        let ctx = v.ctx();
        let m = Match::new(ctx, protocol);
        for w in socket_wsis(ctx) {
            if std::ptr::eq(w.vhost.get(), v)
                && w.state.get() != WsiState::Dead
                && (protocol.is_null() || m.hits(&w))
            {
                w.dispatch(reason, argp, std::ptr::null_mut(), len);
            }
        }
        ctx.after_api_callbacks();
        0
    })
}

/// lws_callback_all_protocol_vhost_args without arguments.
#[no_mangle]
pub unsafe extern "C" fn lws_callback_all_protocol_vhost(
    vh: *mut lws_vhost,
    protocol: *const lws_protocols,
    reason: c_int,
) -> c_int {
    ffi_boundary!("lws_callback_all_protocol_vhost", {
        // SAFETY: caller contract.
        unsafe {
            lws_callback_all_protocol_vhost_args(vh, protocol, reason, std::ptr::null_mut(), 0)
        }
    })
}

/// Calls every protocol of the connection's vhost with `reason` for this
/// connection (user NULL); 1 as soon as one returns non-zero, else 0.
#[no_mangle]
pub unsafe extern "C" fn lws_callback_vhost_protocols(
    wsi: *mut lws,
    reason: c_int,
    in_: *mut c_void,
    len: c_int,
) -> c_int {
    ffi_boundary!("lws_callback_vhost_protocols", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return 0;
        };
        for i in 0..w.vhost().protocols.len() {
            if w.dispatch_protocol(i, reason, std::ptr::null_mut(), in_, len as usize) != 0 {
                return 1;
            }
        }
        0
    })
}

/// Calls every protocol of `vh` with `reason` on a vhost-level wsi (user
/// NULL); 1 as soon as one returns non-zero, else 0.
#[no_mangle]
pub unsafe extern "C" fn lws_callback_vhost_protocols_vhost(
    vh: *mut lws_vhost,
    reason: c_int,
    in_: *mut c_void,
    len: usize,
) -> c_int {
    ffi_boundary!("lws_callback_vhost_protocols_vhost", {
        // SAFETY: caller contract.
        let Some(v) = (unsafe { vhost_ref(vh) }) else {
            return 1;
        };
        let pws = v.proto_wsi.borrow().clone();
        for w in pws {
            if w.dispatch_user(reason, std::ptr::null_mut(), in_, len) != 0 {
                return 1;
            }
        }
        0
    })
}

/// lws_callback_on_writable for every WebSocket connection of `vhost`
/// bound to `protocol`; -1 if the protocol is not one of the vhost's.
#[no_mangle]
pub unsafe extern "C" fn lws_callback_on_writable_all_protocol_vhost(
    vhost: *const lws_vhost,
    protocol: *const lws_protocols,
) -> c_int {
    ffi_boundary!("lws_callback_on_writable_all_protocol_vhost", {
        // SAFETY: caller contract.
        let Some(v) = (unsafe { vhost_ref(vhost as *mut lws_vhost) }) else {
            return -1;
        };
        let ctx = v.ctx();
        // as 4.1.6, another vhost's entry is refused; the program's own
        // table is looked up by name
        let own = v.protocols.as_ptr_range().contains(&protocol);
        let idx = match protocol_index(v, protocol) {
            Some(i) if own || !is_vhost_entry(ctx, protocol) => i,
            _ => {
                log::err(
                    "lws_callback_on_writable_all_protocol_vhost: protocol is not from this vhost",
                );
                return -1;
            }
        };
        for w in socket_wsis(ctx) {
            if std::ptr::eq(w.vhost.get(), v)
                && w.protocol.get() == idx
                && w.state.get() == WsiState::Ws
            {
                w.want_write.set(true);
                if w.can_write.get() && !w.has_pending_tx() {
                    ctx.schedule(&w);
                }
                w.ext_sync();
            }
        }
        0
    })
}

/// Re-enables receiving on every connection bound to `protocol`.
#[no_mangle]
pub unsafe extern "C" fn lws_rx_flow_allow_all_protocol(
    context: *const lws_context,
    protocol: *const lws_protocols,
) {
    ffi_boundary!("lws_rx_flow_allow_all_protocol", {
        // SAFETY: caller contract.
        let Some(ctx) = (unsafe { ctx_ref(context as *mut lws_context) }) else {
            return;
        };
        let m = Match::new(ctx, protocol);
        for w in socket_wsis(ctx) {
            if m.hits(&w) && !w.rx_allowed.replace(true) {
                ctx.schedule(&w);
                w.ext_sync();
            }
        }
    })
}

/// Destroys a vhost: its connections close, its listener passes to a vhost
/// sharing the port (or closes), its protocols get PROTOCOL_DESTROY.
#[no_mangle]
pub unsafe extern "C" fn lws_vhost_destroy(vh: *mut lws_vhost) {
    ffi_boundary!("lws_vhost_destroy", {
        // SAFETY: caller contract.
        let Some(v) = (unsafe { vhost_ref(vh) }) else {
            return;
        };
        let Some(rc) = v.rc() else { return };
        rc.ctx().destroy_vhost(&rc);
    })
}

/// The number of service threads (always 1 here).
#[no_mangle]
pub unsafe extern "C" fn lws_get_count_threads(context: *mut lws_context) -> c_int {
    ffi_boundary!("lws_get_count_threads", {
        // SAFETY: caller contract.
        unsafe { ctx_ref(context) }.map_or(0, |_| 1)
    })
}
