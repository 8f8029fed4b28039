//! Timers (lws-timeout-timer.h, lws-retry.h): `lws_sorted_usec_list`
//! timers kept in the program's memory on the context's sorted lists,
//! per-connection `LWS_CALLBACK_TIMER`, and retry scheduling.

use std::ffi::{c_int, c_ulong};

use super::context::{ctx_ref, wsi_ref};
use super::dll2;
use super::types::{
    lws, lws_context, lws_dll2, lws_dll2_owner, lws_retry_bo_t, lws_sorted_usec_list, lws_usec_t,
};
use crate::net::context::Context;

/// `LWS_SET_TIMER_USEC_CANCEL`.
const USEC_CANCEL: lws_usec_t = -1;
/// `LWSSULLI_WAKE_IF_SUSPENDED`.
const WAKE_IF_SUSPENDED: c_int = 1;

unsafe extern "C" fn sul_compare(d: *const lws_dll2, i: *const lws_dll2) -> c_int {
    // SAFETY: both are the first member of a listed lws_sorted_usec_list.
    let (a, b) = unsafe {
        (
            (*(d as *const lws_sorted_usec_list)).us,
            (*(i as *const lws_sorted_usec_list)).us,
        )
    };
    a.cmp(&b) as c_int
}

/// (Re)links `sul` into `own` by its due time `sul.us`.
///
/// # Safety
/// `sul` and `own` are live; `sul`'s current owner, if any, is live.
pub(crate) unsafe fn insert(own: *mut lws_dll2_owner, sul: *mut lws_sorted_usec_list) {
    // SAFETY: caller contract; `list` is the struct's first member.
    unsafe {
        dll2::remove(&mut (*sul).list);
        dll2::add_sorted(&mut (*sul).list, own, Some(sul_compare));
    }
}

/// Unlinks `sul` and clears its due time.
///
/// # Safety
/// As [`insert`].
pub(crate) unsafe fn cancel(sul: *mut lws_sorted_usec_list) {
    // SAFETY: caller contract.
    unsafe {
        dll2::remove(&mut (*sul).list);
        (*sul).us = 0;
    }
}

/// Runs every timer on the `n` owners at `own` that is due at `now`,
/// earliest first across all of them; returns the microseconds until the
/// next one, or 0 if none is left.
///
/// # Safety
/// `own` points to `n` live owners whose elements are live timers.
pub(crate) unsafe fn service_ripe(
    own: *mut lws_dll2_owner,
    n: usize,
    now: lws_usec_t,
) -> lws_usec_t {
    loop {
        let mut hit: *mut lws_sorted_usec_list = std::ptr::null_mut();
        // SAFETY: caller contract.
        unsafe {
            for k in 0..n {
                let head = (*own.add(k)).head as *mut lws_sorted_usec_list;
                if head.is_null() {
                    continue;
                }
                if hit.is_null() || (*head).us <= (*hit).us {
                    hit = head;
                }
            }
            if hit.is_null() {
                return 0;
            }
            if (*hit).us > now {
                return (*hit).us - now;
            }
            cancel(hit);
            if let Some(cb) = (*hit).cb {
                cb(hit);
            }
        }
    }
}

fn now_us() -> lws_usec_t {
    super::smd::lws_now_usecs()
}

/// Schedules `sul` to call `cb` `us` microseconds from now on the context's
/// ordinary timer list (`LWS_SET_TIMER_USEC_CANCEL` cancels it).
#[no_mangle]
pub unsafe extern "C" fn lws_sul_schedule(
    ctx: *mut lws_context,
    tsi: c_int,
    sul: *mut lws_sorted_usec_list,
    _cb: Option<unsafe extern "C" fn(sul: *mut lws_sorted_usec_list)>,
    _us: lws_usec_t,
) {
    ffi_boundary!("lws_sul_schedule", {
        // SAFETY: caller contract.
        unsafe { schedule_rel(ctx, tsi, sul, _cb, _us, 0) }
    })
}

/// lws_sul_schedule on the list of timers that may wake the system from
/// suspend (see lws_sul_earliest_wakeable_event).
#[no_mangle]
pub unsafe extern "C" fn lws_sul_schedule_wakesuspend(
    ctx: *mut lws_context,
    tsi: c_int,
    sul: *mut lws_sorted_usec_list,
    _cb: Option<unsafe extern "C" fn(sul: *mut lws_sorted_usec_list)>,
    _us: lws_usec_t,
) {
    ffi_boundary!("lws_sul_schedule_wakesuspend", {
        // SAFETY: caller contract.
        unsafe { schedule_rel(ctx, tsi, sul, _cb, _us, WAKE_IF_SUSPENDED) }
    })
}

/// # Safety
/// `ctx` is NULL or live; `sul` is NULL or a live timer.
unsafe fn schedule_rel(
    ctx: *mut lws_context,
    tsi: c_int,
    sul: *mut lws_sorted_usec_list,
    cb: Option<unsafe extern "C" fn(sul: *mut lws_sorted_usec_list)>,
    us: lws_usec_t,
    flags: c_int,
) {
    if sul.is_null() {
        super::log::err("lws_sul_schedule: NULL sul");
        return;
    }
    if us == USEC_CANCEL {
        // SAFETY: caller contract.
        unsafe { cancel(sul) };
        return;
    }
    // SAFETY: caller contract.
    let Some(c) = (unsafe { owners(ctx, tsi, "lws_sul_schedule") }) else {
        return;
    };
    if cb.is_none() {
        super::log::err("lws_sul_schedule: NULL callback");
        return;
    }
    // SAFETY: caller contract.
    unsafe {
        (*sul).cb = cb;
        (*sul).us = now_us().saturating_add(us);
        insert(c.sul_owner(flags & WAKE_IF_SUSPENDED != 0), sul);
    }
}

/// # Safety
/// `ctx` is NULL or live.
unsafe fn owners<'a>(ctx: *mut lws_context, tsi: c_int, what: &str) -> Option<&'a Context> {
    // SAFETY: caller contract.
    let c = unsafe { ctx_ref(ctx) };
    if c.is_none() {
        super::log::err(&format!("{what}: NULL context"));
        return None;
    }
    if tsi != 0 {
        super::log::err(&format!("{what}: only service thread 0 exists"));
        return None;
    }
    c
}

/// Schedules `sul` for the absolute time already in `sul->us` (in
/// lws_now_usecs() microseconds); `flags` LWSSULLI_WAKE_IF_SUSPENDED puts it
/// on the wake-from-suspend list.
#[no_mangle]
pub unsafe extern "C" fn lws_sul2_schedule(
    context: *mut lws_context,
    tsi: c_int,
    flags: c_int,
    sul: *mut lws_sorted_usec_list,
) {
    ffi_boundary!("lws_sul2_schedule", {
        if sul.is_null() {
            return;
        }
        // SAFETY: caller contract.
        let Some(c) = (unsafe { owners(context, tsi, "lws_sul2_schedule") }) else {
            return;
        };
        // SAFETY: caller contract.
        unsafe {
            if (*sul).cb.is_none() {
                super::log::err("lws_sul2_schedule: NULL callback");
                return;
            }
            insert(c.sul_owner(flags & WAKE_IF_SUSPENDED != 0), sul);
        }
    })
}

/// Unschedules `sul` (nothing happens if it is not scheduled).
#[no_mangle]
pub unsafe extern "C" fn lws_sul_cancel(sul: *mut lws_sorted_usec_list) {
    ffi_boundary!("lws_sul_cancel", {
        if sul.is_null() {
            return;
        }
        // SAFETY: caller contract.
        unsafe { cancel(sul) }
    })
}

/// The due time of the earliest timer that may wake the system: 0 with
/// `*pearliest` set, or 1 if there is none.
#[no_mangle]
pub unsafe extern "C" fn lws_sul_earliest_wakeable_event(
    ctx: *mut lws_context,
    pearliest: *mut lws_usec_t,
) -> c_int {
    ffi_boundary!("lws_sul_earliest_wakeable_event", {
        // SAFETY: caller contract.
        let Some(c) = (unsafe { ctx_ref(ctx) }) else {
            return 1;
        };
        // SAFETY: the owner is the context's; its head is a live timer.
        unsafe {
            let head = (*c.sul_owner(true)).head as *const lws_sorted_usec_list;
            if head.is_null() {
                return 1;
            }
            if !pearliest.is_null() {
                *pearliest = (*head).us;
            }
        }
        0
    })
}

/// Links `sul` into the program's own sorted owner `own` by `sul->us`.
#[no_mangle]
pub unsafe extern "C" fn __lws_sul_insert(
    own: *mut lws_dll2_owner,
    sul: *mut lws_sorted_usec_list,
) -> c_int {
    ffi_boundary!("__lws_sul_insert", {
        if own.is_null() || sul.is_null() {
            return 0;
        }
        // SAFETY: caller contract.
        unsafe { insert(own, sul) };
        0
    })
}

/// Runs the due timers on the program's `own_len` owners at `own`, earliest
/// first; returns microseconds until the next, or 0 if none remains.
#[no_mangle]
pub unsafe extern "C" fn __lws_sul_service_ripe(
    own: *mut lws_dll2_owner,
    own_len: c_int,
    usnow: lws_usec_t,
) -> lws_usec_t {
    ffi_boundary!("__lws_sul_service_ripe", {
        if own.is_null() || own_len <= 0 {
            return 0;
        }
        // SAFETY: caller contract.
        unsafe { service_ripe(own, own_len as usize, usnow) }
    })
}

/// Calls the connection's protocol with LWS_CALLBACK_TIMER `usecs` from
/// now, replacing any earlier request; LWS_SET_TIMER_USEC_CANCEL cancels.
#[no_mangle]
pub unsafe extern "C" fn lws_set_timer_usecs(wsi: *mut lws, usecs: lws_usec_t) {
    ffi_boundary!("lws_set_timer_usecs", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return;
        };
        w.set_timer_usecs(usecs);
    })
}

/// Wall-clock seconds since the epoch.
#[no_mangle]
pub extern "C" fn lws_now_secs() -> c_ulong {
    ffi_boundary!("lws_now_secs", {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as c_ulong)
    })
}

/// Schedules `sul` to call `cb` after the policy's next backoff delay, and
/// returns 0; returns 1 (scheduling nothing) once the tries exceed the
/// policy's conceal count.
#[no_mangle]
pub unsafe extern "C" fn lws_retry_sul_schedule(
    context: *mut lws_context,
    tid: c_int,
    sul: *mut lws_sorted_usec_list,
    retry: *const lws_retry_bo_t,
    cb: Option<unsafe extern "C" fn(sul: *mut lws_sorted_usec_list)>,
    ctry: *mut u16,
) -> c_int {
    ffi_boundary!("lws_retry_sul_schedule", {
        let mut conceal: std::ffi::c_char = 0;
        // SAFETY: caller contract.
        let ms = unsafe { super::util::lws_retry_get_delay_ms(context, retry, ctry, &mut conceal) };
        if conceal == 0 {
            return 1;
        }
        super::log::info(&format!("lws_retry_sul_schedule: retry in {ms}ms"));
        // SAFETY: caller contract.
        unsafe { schedule_rel(context, tid, sul, cb, lws_usec_t::from(ms) * 1000, 0) };
        0
    })
}

/// lws_retry_sul_schedule with the connection's context and retry policy.
#[no_mangle]
pub unsafe extern "C" fn lws_retry_sul_schedule_retry_wsi(
    wsi: *mut lws,
    sul: *mut lws_sorted_usec_list,
    cb: Option<unsafe extern "C" fn(sul: *mut lws_sorted_usec_list)>,
    ctry: *mut u16,
) -> c_int {
    ffi_boundary!("lws_retry_sul_schedule_retry_wsi", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return 1;
        };
        let ctx = w.ctx().as_c();
        // SAFETY: caller contract; the policy outlives the wsi.
        unsafe { lws_retry_sul_schedule(ctx, 0, sul, w.retry_policy.get(), cb, ctry) }
    })
}
