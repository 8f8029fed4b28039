//! State managers (lws-state.h) and the context's system state
//! (lws-system.h): notifiers may veto a transition; the context steps from
//! CONTEXT_CREATED to OPERATIONAL once its service loop runs.

use std::ffi::{c_char, c_int, c_void};

use super::context::ctx_ref;
use super::dll2;
use super::enums::LWSSMDCL_SYSTEM_STATE;
use super::types::{
    lws_context, lws_dll2_owner, lws_sorted_usec_list, lws_state_manager, lws_state_notify_link,
};
use crate::capi::log;

const SYSTATE_CONTEXT_CREATED: c_int = 1;
const SYSTATE_OPERATIONAL: c_int = 12;
pub(crate) const SYSTATE_POLICY_INVALID: c_int = 13;

/// lws's names of the system states, indexed by state.
struct Names([*const c_char; 14]);
// SAFETY: pointers to static C strings, never written.
unsafe impl Sync for Names {}
static SYSTEM_STATE_NAMES: Names = Names([
    c"undef".as_ptr(),
    c"CONTEXT_CREATED".as_ptr(),
    c"INITIALIZED".as_ptr(),
    c"IFACE_COLDPLUG".as_ptr(),
    c"DHCP".as_ptr(),
    c"CPD_PRE_TIME".as_ptr(),
    c"TIME_VALID".as_ptr(),
    c"CPD_POST_TIME".as_ptr(),
    c"POLICY_VALID".as_ptr(),
    c"REGISTERED".as_ptr(),
    c"AUTH1".as_ptr(),
    c"AUTH2".as_ptr(),
    c"OPERATIONAL".as_ptr(),
    c"POLICY_INVALID".as_ptr(),
]);

/// The context's system state manager and the timer that starts it; boxed
/// so C may hold pointers to both.
#[repr(C)]
pub(crate) struct SystemState {
    pub mgr: lws_state_manager,
    sul: lws_sorted_usec_list,
}

impl SystemState {
    pub(crate) fn new(ctx: *mut lws_context) -> Box<SystemState> {
        // SAFETY: all-zero is a valid (unlinked, NULL) value of both.
        let mut s: Box<SystemState> = Box::new(unsafe { std::mem::zeroed() });
        s.mgr.context = ctx;
        s.mgr.parent = ctx as *mut c_void;
        s.mgr.smd_class = LWSSMDCL_SYSTEM_STATE as u32;
        s.mgr.state_names = SYSTEM_STATE_NAMES.0.as_ptr() as *mut *const c_char;
        s.mgr.name = c"system".as_ptr();
        s.mgr.state = SYSTATE_CONTEXT_CREATED;
        s
    }

    /// Registers the creation info's notifiers and, on the first service,
    /// steps to OPERATIONAL (as lws, with a 1us timer on `own`).
    ///
    /// # Safety
    /// `list` is NULL or a NULL-terminated array of live links; `own` is
    /// the context's timer list and outlives this (boxed) state.
    pub(crate) unsafe fn start(
        &mut self,
        list: *const *mut lws_state_notify_link,
        own: *mut lws_dll2_owner,
    ) {
        // SAFETY: caller contract.
        unsafe {
            lws_state_reg_notifier_list(&mut self.mgr, list);
            self.sul.cb = Some(start_cb);
            self.sul.us = super::smd::lws_now_usecs() + 1;
            super::sul::insert(own, &mut self.sul);
        }
    }

    /// Unlinks the start timer (context destruction).
    pub(crate) fn stop(&mut self) {
        // SAFETY: our own timer; cancel tolerates an unlinked one.
        unsafe { super::sul::cancel(&mut self.sul) };
    }
}

unsafe extern "C" fn start_cb(sul: *mut lws_sorted_usec_list) {
    // SAFETY: `sul` is the `sul` member of a live SystemState.
    let st =
        unsafe { (sul as *mut u8).sub(std::mem::offset_of!(SystemState, sul)) as *mut SystemState };
    // SAFETY: as above.
    unsafe { lws_state_transition_steps(&mut (*st).mgr, SYSTATE_OPERATIONAL) };
}

/// Tells every notifier `current` -> `target`; true when one vetoes it.
///
/// # Safety
/// `mgr` is live and its list holds live links.
unsafe fn report(mgr: *mut lws_state_manager, current: c_int, target: c_int) -> bool {
    // SAFETY: caller contract; the next link is read before the callback,
    // which may deregister its own.
    unsafe {
        let mut d = (*mgr).notify_list.head;
        while !d.is_null() {
            let next = (*d).next;
            let l = d as *mut lws_state_notify_link;
            if let Some(cb) = (*l).notify_cb {
                if cb(mgr, l, current, target) != 0 {
                    return true;
                }
            }
            d = next;
        }
    }
    false
}

fn state_name(mgr: &lws_state_manager, state: c_int) -> String {
    if !mgr.state_names.is_null() && state >= 0 {
        // SAFETY: a manager's names table has an entry per state it uses
        // (lws reads it the same way).
        let p = unsafe { *mgr.state_names.add(state as usize) };
        if !p.is_null() {
            // SAFETY: a C string of the table.
            return unsafe { std::ffi::CStr::from_ptr(p) }
                .to_string_lossy()
                .into_owned();
        }
    }
    state.to_string()
}

/// One transition: vetoed (true) or made, the notifiers then told
/// `target` -> `target`, and a system-state message sent.
///
/// # Safety
/// As [`report`].
unsafe fn transition(mgr: *mut lws_state_manager, target: c_int) -> bool {
    // SAFETY: caller contract.
    unsafe {
        if report(mgr, (*mgr).state, target) {
            return true;
        }
        (*mgr).state = target;
        report(mgr, target, target);
        if (*mgr).smd_class != 0 {
            let text = format!("{{\"state\":\"{}\"}}", state_name(&*mgr, target));
            let m = super::smd::lws_smd_msg_alloc((*mgr).context, (*mgr).smd_class, text.len());
            if !m.is_null() {
                std::ptr::copy_nonoverlapping(text.as_ptr(), m as *mut u8, text.len());
                if super::smd::lws_smd_msg_send((*mgr).context, m) != 0 {
                    let mut m = m;
                    super::smd::lws_smd_msg_free(&mut m);
                }
            }
        }
    }
    false
}

/// Adds `nl` to the notifiers of `mgr` (first in line).
#[no_mangle]
pub unsafe extern "C" fn lws_state_reg_notifier(
    mgr: *mut lws_state_manager,
    nl: *mut lws_state_notify_link,
) {
    ffi_boundary!("lws_state_reg_notifier", {
        if mgr.is_null() || nl.is_null() {
            log::err("lws_state_reg_notifier: NULL manager or link");
            return;
        }
        // SAFETY: caller's live manager and link.
        unsafe { dll2::add_head(&mut (*nl).list, &mut (*mgr).notify_list) };
    })
}

/// Removes `nl` from its manager's notifiers.
#[no_mangle]
pub unsafe extern "C" fn lws_state_reg_deregister(nl: *mut lws_state_notify_link) {
    ffi_boundary!("lws_state_reg_deregister", {
        if !nl.is_null() {
            // SAFETY: caller's live link.
            unsafe { dll2::remove(&mut (*nl).list) };
        }
    })
}

/// Adds each link of the NULL-terminated array `nl` (which may be NULL).
#[no_mangle]
pub unsafe extern "C" fn lws_state_reg_notifier_list(
    mgr: *mut lws_state_manager,
    nl: *const *mut lws_state_notify_link,
) {
    ffi_boundary!("lws_state_reg_notifier_list", {
        if nl.is_null() {
            return;
        }
        let mut p = nl;
        // SAFETY: caller's NULL-terminated array of live links.
        unsafe {
            while !(*p).is_null() {
                lws_state_reg_notifier(mgr, *p);
                p = p.add(1);
            }
        }
    })
}

/// Steps the state up one at a time to `target`, stopping where a
/// notifier vetoes (it then owns trying again). Returns 0.
#[no_mangle]
pub unsafe extern "C" fn lws_state_transition_steps(
    mgr: *mut lws_state_manager,
    target: c_int,
) -> c_int {
    ffi_boundary!("lws_state_transition_steps", {
        if mgr.is_null() {
            return 0;
        }
        // SAFETY: caller's live manager.
        unsafe {
            let from = (*mgr).state;
            while (*mgr).state < target {
                if transition(mgr, (*mgr).state + 1) {
                    break;
                }
            }
            log::info(&format!(
                "lws_state_transition_steps: {} -> {}",
                state_name(&*mgr, from),
                state_name(&*mgr, (*mgr).state)
            ));
        }
        0
    })
}

/// Goes straight to `target` unless a notifier vetoes. Returns 0.
#[no_mangle]
pub unsafe extern "C" fn lws_state_transition(mgr: *mut lws_state_manager, target: c_int) -> c_int {
    ffi_boundary!("lws_state_transition", {
        // SAFETY: caller's live manager.
        if !mgr.is_null() && unsafe { (*mgr).state } != target {
            // SAFETY: as above.
            unsafe { transition(mgr, target) };
        }
        0
    })
}

/// The context's system state manager.
#[no_mangle]
pub unsafe extern "C" fn lws_system_get_state_manager(
    context: *mut lws_context,
) -> *mut lws_state_manager {
    ffi_boundary!("lws_system_get_state_manager", {
        // SAFETY: caller contract.
        match unsafe { ctx_ref(context) } {
            Some(c) => c.system_state_mgr(),
            None => std::ptr::null_mut(),
        }
    })
}
