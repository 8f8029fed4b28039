//! The C ABI: `#[repr(C)]` mirrors of lws's public types and the exported
//! `lws_*` functions. Unsafe pointer handling is concentrated here.
#![allow(non_camel_case_types, non_snake_case, non_upper_case_globals)]

#[macro_use]
pub mod ffi;
pub mod adopt;
pub mod buflist;
pub mod client;
pub mod context;
pub mod daemonize;
pub mod dll2;
pub mod enums;
pub mod ext;
pub mod headers;
pub mod http;
pub mod log;
pub mod misc;
pub mod purify;
pub mod ring;
pub mod service;
pub mod smd;
pub mod spa;
pub mod state;
pub mod sul;
pub mod tls;
pub mod types;
pub mod util;
pub mod vfs;
pub mod vhost;
pub mod write;
