//! Sans-I/O protocol core: bytes in, events out. No sockets, no C, no
//! callbacks. Every file here is `#![forbid(unsafe_code)]`.
//!
//! - [`mask`]: RFC 6455 5.3 masking, a word at a time.
//! - [`utf8`]: incremental, fail-fast UTF-8 validation.
//! - [`frame`]: frame header encoding (and decoding helpers).
//! - [`rx`]: the streaming receive state machine (chunks, not messages).
//! - [`close`]: close codes and close frame payloads.
//! - [`hpack`]: RFC 7541 HPACK header compression (HTTP/2).
//! - [`h2frame`]: RFC 9113 HTTP/2 frames: codec and incremental parser.
//! - [`h2conn`]: an HTTP/2 connection: streams, flow control, message rules
//!   and flood bounds.
//! - [`h2bridge`]: HTTP/2 requests as HTTP/1.1 heads for the HTTP/1.1
//!   server, and its responses back as header lists and body pieces.

pub mod chunked;
pub mod close;
pub mod frame;
pub mod h2bridge;
pub mod h2conn;
pub mod h2frame;
pub mod handshake;
pub mod hpack;
pub mod html_subst;
pub mod mask;
pub mod pmd;
pub mod rx;
pub mod spa;
pub mod uri;
pub mod utf8;
