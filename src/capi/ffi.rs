//! Helpers for the FFI boundary: no panic crosses into C.

/// Value a function returns to C when its body panicked.
pub trait PanicDefault {
    fn panic_default() -> Self;
}

macro_rules! impl_panic_default {
    ($($t:ty => $v:expr),* $(,)?) => { $(impl PanicDefault for $t { fn panic_default() -> Self { $v } })* };
}

impl_panic_default!(
    () => (),
    i32 => -1,
    u32 => 0,
    i64 => -1,
    u64 => 0,
    usize => 0,
    isize => -1,
    u8 => 0,
    i8 => -1,
    u16 => 0,
);

impl<T> PanicDefault for *mut T {
    fn panic_default() -> Self {
        std::ptr::null_mut()
    }
}

impl<T> PanicDefault for *const T {
    fn panic_default() -> Self {
        std::ptr::null()
    }
}

/// Runs `f`; a panic is logged with `lwsl_err` and turned into the return
/// type's error value.
#[inline]
pub fn boundary<R: PanicDefault, F: FnOnce() -> R>(name: &str, f: F) -> R {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(e) => {
            let msg = if let Some(s) = e.downcast_ref::<&str>() {
                (*s).to_string()
            } else if let Some(s) = e.downcast_ref::<String>() {
                s.clone()
            } else {
                "unknown panic".to_string()
            };
            crate::capi::log::err(&format!("{name}: internal error: {msg}"));
            R::panic_default()
        }
    }
}

/// Wraps the body of an exported function in the panic boundary.
macro_rules! ffi_boundary {
    ($name:literal, $body:block) => {
        $crate::capi::ffi::boundary($name, move || $body)
    };
}
