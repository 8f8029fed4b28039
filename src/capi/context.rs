//! Context and vhost lifecycle (lws-context-vhost.h).

use std::ffi::{c_char, c_int, c_void};

use super::types::{lws, lws_context, lws_context_creation_info, lws_vhost};
use crate::capi::log;
use crate::net::{Context, Vhost, Wsi};

/// # Safety
/// `p` is NULL or a context from lws_create_context that is not destroyed.
pub(crate) unsafe fn ctx_ref<'a>(p: *mut lws_context) -> Option<&'a Context> {
    // SAFETY: per the function contract.
    unsafe { (p as *const Context).as_ref() }
}

/// # Safety
/// `p` is NULL or a wsi handed to C whose WSI_DESTROY has not returned.
pub(crate) unsafe fn wsi_ref<'a>(p: *mut lws) -> Option<&'a Wsi> {
    // SAFETY: per the function contract.
    unsafe { (p as *const Wsi).as_ref() }
}

/// # Safety
/// `p` is NULL or a live vhost of a live context.
pub(crate) unsafe fn vhost_ref<'a>(p: *mut lws_vhost) -> Option<&'a Vhost> {
    // SAFETY: per the function contract.
    unsafe { (p as *const Vhost).as_ref() }
}

/// Creates a context (and, unless `LWS_SERVER_OPTION_EXPLICIT_VHOSTS`, its
/// default vhost with its listening socket). NULL on failure.
#[no_mangle]
pub unsafe extern "C" fn lws_create_context(
    info: *const lws_context_creation_info,
) -> *mut lws_context {
    ffi_boundary!("lws_create_context", {
        // SAFETY: the caller passes a valid creation info or NULL.
        let Some(info) = (unsafe { info.as_ref() }) else {
            log::err("lws_create_context: NULL info");
            return std::ptr::null_mut();
        };
        log::notice(&format!(
            "LWS: 4.1.6-lws-rs, loglevel {}",
            crate::capi::log::level()
        ));
        match Context::create(info) {
            Ok(ctx) => Box::into_raw(ctx) as *mut lws_context,
            Err(e) => {
                log::err(&format!("lws_create_context: {e}"));
                if !info.pcontext.is_null() {
                    // SAFETY: pcontext was set to the failed context; clear it.
                    unsafe { *info.pcontext = std::ptr::null_mut() };
                }
                std::ptr::null_mut()
            }
        }
    })
}

/// Closes every connection, destroys protocols and vhosts, frees the context.
#[no_mangle]
pub unsafe extern "C" fn lws_context_destroy(context: *mut lws_context) {
    ffi_boundary!("lws_context_destroy", {
        if context.is_null() {
            return;
        }
        // SAFETY: a context from lws_create_context.
        let ctx = unsafe { &*(context as *const Context) };
        if ctx.servicing.get() {
            log::err("lws_context_destroy: called from inside lws_service, refused");
            return;
        }
        ctx.destroy();
        // SAFETY: created by Box::into_raw in lws_create_context.
        drop(unsafe { Box::from_raw(context as *mut Context) });
    })
}

/// Creates another vhost on an existing context.
#[no_mangle]
pub unsafe extern "C" fn lws_create_vhost(
    context: *mut lws_context,
    info: *const lws_context_creation_info,
) -> *mut lws_vhost {
    ffi_boundary!("lws_create_vhost", {
        // SAFETY: caller contract.
        let (Some(ctx), Some(info)) = (unsafe { ctx_ref(context) }, unsafe { info.as_ref() })
        else {
            log::err("lws_create_vhost: NULL argument");
            return std::ptr::null_mut();
        };
        match ctx.create_vhost(info) {
            Ok(vh) => std::rc::Rc::as_ptr(&vh) as *mut lws_vhost,
            Err(e) => {
                log::err(&format!("lws_create_vhost: {e}"));
                std::ptr::null_mut()
            }
        }
    })
}

/// The `user` pointer given in the context creation info.
#[no_mangle]
pub unsafe extern "C" fn lws_context_user(context: *mut lws_context) -> *mut c_void {
    ffi_boundary!("lws_context_user", {
        // SAFETY: caller contract.
        unsafe { ctx_ref(context) }.map_or(std::ptr::null_mut(), |c| c.user)
    })
}

/// The context a wsi belongs to.
#[no_mangle]
pub unsafe extern "C" fn lws_get_context(wsi: *const lws) -> *mut lws_context {
    ffi_boundary!("lws_get_context", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi as *mut lws) }.map_or(std::ptr::null_mut(), |w| w.ctx().as_c())
    })
}

/// The vhost a wsi belongs to.
#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost(wsi: *mut lws) -> *mut lws_vhost {
    ffi_boundary!("lws_get_vhost", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi) }.map_or(std::ptr::null_mut(), |w| w.vhost.get() as *mut lws_vhost)
    })
}

/// The vhost called `name`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost_by_name(
    context: *mut lws_context,
    name: *const c_char,
) -> *mut lws_vhost {
    ffi_boundary!("lws_get_vhost_by_name", {
        // SAFETY: caller contract.
        let Some(ctx) = (unsafe { ctx_ref(context) }) else {
            return std::ptr::null_mut();
        };
        if name.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller's NUL-terminated name.
        let name = unsafe { std::ffi::CStr::from_ptr(name) };
        ctx.vhosts
            .borrow()
            .iter()
            .find(|v| v.name.as_c_str() == name)
            .map_or(std::ptr::null_mut(), |v| {
                std::rc::Rc::as_ptr(v) as *mut lws_vhost
            })
    })
}

/// The vhost's name (info.vhost_name, "default" when none was given).
#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost_name(vhost: *mut lws_vhost) -> *const c_char {
    ffi_boundary!("lws_get_vhost_name", {
        // SAFETY: caller contract; the name lives as long as the vhost.
        unsafe { vhost_ref(vhost) }.map_or(std::ptr::null(), |v| v.name.as_ptr())
    })
}

/// The port a vhost listens on (useful after asking for port 0).
#[no_mangle]
pub unsafe extern "C" fn lws_get_vhost_listen_port(vhost: *mut lws_vhost) -> c_int {
    ffi_boundary!("lws_get_vhost_listen_port", {
        // SAFETY: caller contract.
        unsafe { vhost_ref(vhost) }.map_or(-1, |v| v.listen_port.get())
    })
}

/// Wakes the service loop from any thread; the loop then issues
/// `LWS_CALLBACK_EVENT_WAIT_CANCELLED` to every protocol.
#[no_mangle]
pub unsafe extern "C" fn lws_cancel_service(context: *mut lws_context) {
    ffi_boundary!("lws_cancel_service", {
        // SAFETY: caller contract; cancel_service only touches thread-safe
        // fields (an atomic and the mio waker).
        if let Some(c) = unsafe { ctx_ref(context) } {
            c.cancel_service()
        }
    })
}

/// As lws_cancel_service, for the service thread of `wsi` (there is one).
#[no_mangle]
pub unsafe extern "C" fn lws_cancel_service_pt(wsi: *mut lws) {
    ffi_boundary!("lws_cancel_service_pt", {
        // SAFETY: caller contract.
        if let Some(w) = unsafe { wsi_ref(wsi) } {
            w.ctx().cancel_service()
        }
    })
}

static VERSION: &std::ffi::CStr = c"4.1.6-lws-rs";

/// The library version string.
#[no_mangle]
pub extern "C" fn lws_get_library_version() -> *const c_char {
    ffi_boundary!("lws_get_library_version", { VERSION.as_ptr() })
}
