//! lws-rs: a memory-safe re-implementation of libwebsockets 4.1.6 with the
//! same C ABI (`libwebsockets.so.17`).
//!
//! Layers: `proto` is sans-I/O protocol logic, `net` owns connections and
//! the event loop, `capi` is the thin `extern "C"` surface.
#![deny(unsafe_op_in_unsafe_fn)]

pub mod capi;
/// cbindgen:ignore
pub mod net;
/// cbindgen:ignore
pub mod proto;
