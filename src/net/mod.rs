//! Connections, vhosts and the event loop. Owns every `wsi` and drives the
//! sans-I/O core in `proto`. User callbacks are called from one place,
//! `Wsi::dispatch`, with no `RefCell` borrow alive across the call.

pub(crate) mod adopt;
pub mod client;
pub mod context;
pub(crate) mod ext;
pub(crate) mod extpoll;
pub(crate) mod h2;
pub(crate) mod h2client;
pub mod headers;
pub mod http;
pub mod response;
pub mod service;
pub mod smd;
pub mod tls;
pub(crate) mod vfs;
pub mod wsi;

pub use context::{Context, Vhost};
pub use wsi::Wsi;

/// Callback reasons the runtime issues (values of `enum lws_callback_reasons`).
pub(crate) mod cb {
    use std::ffi::c_int;
    pub(crate) const ESTABLISHED: c_int = 0;
    pub(crate) const CLOSED: c_int = 4;
    pub(crate) const CLOSED_HTTP: c_int = 5;
    pub(crate) const RECEIVE: c_int = 6;
    pub(crate) const RECEIVE_PONG: c_int = 7;
    pub(crate) const SERVER_WRITEABLE: c_int = 11;
    pub(crate) const HTTP: c_int = 12;
    pub(crate) const HTTP_BODY: c_int = 13;
    pub(crate) const HTTP_BODY_COMPLETION: c_int = 14;
    pub(crate) const HTTP_FILE_COMPLETION: c_int = 15;
    pub(crate) const PROCESS_HTML: c_int = 52;
    pub(crate) const HTTP_WRITEABLE: c_int = 16;
    pub(crate) const FILTER_NETWORK_CONNECTION: c_int = 17;
    pub(crate) const FILTER_HTTP_CONNECTION: c_int = 18;
    pub(crate) const SERVER_NEW_CLIENT_INSTANTIATED: c_int = 19;
    pub(crate) const FILTER_PROTOCOL_CONNECTION: c_int = 20;
    pub(crate) const PROTOCOL_INIT: c_int = 27;
    pub(crate) const PROTOCOL_DESTROY: c_int = 28;
    pub(crate) const WSI_CREATE: c_int = 29;
    pub(crate) const WSI_DESTROY: c_int = 30;
    pub(crate) const WS_PEER_INITIATED_CLOSE: c_int = 38;
    pub(crate) const HTTP_BIND_PROTOCOL: c_int = 49;
    pub(crate) const HTTP_DROP_PROTOCOL: c_int = 50;
    pub(crate) const CHECK_ACCESS_RIGHTS: c_int = 51;
    pub(crate) const VERIFY_BASIC_AUTHORIZATION: c_int = 102;
    pub(crate) const ADD_HEADERS: c_int = 53;
    pub(crate) const EVENT_WAIT_CANCELLED: c_int = 71;
    pub(crate) const WS_SERVER_DROP_PROTOCOL: c_int = 78;
    pub(crate) const CLIENT_CONNECTION_ERROR: c_int = 1;
    pub(crate) const CLIENT_FILTER_PRE_ESTABLISH: c_int = 2;
    pub(crate) const CLIENT_ESTABLISHED: c_int = 3;
    pub(crate) const CLIENT_RECEIVE: c_int = 8;
    pub(crate) const CLIENT_RECEIVE_PONG: c_int = 9;
    pub(crate) const CLIENT_WRITEABLE: c_int = 10;
    pub(crate) const CLIENT_APPEND_HANDSHAKE_HEADER: c_int = 24;
    pub(crate) const CLIENT_CLOSED: c_int = 75;
    pub(crate) const WS_CLIENT_DROP_PROTOCOL: c_int = 80;
    pub(crate) const ESTABLISHED_CLIENT_HTTP: c_int = 44;
    pub(crate) const CLIENT_HTTP_DROP_PROTOCOL: c_int = 76;
    pub(crate) const CLIENT_HTTP_BIND_PROTOCOL: c_int = 85;
    pub(crate) const CLOSED_CLIENT_HTTP: c_int = 45;
    pub(crate) const RECEIVE_CLIENT_HTTP: c_int = 46;
    pub(crate) const COMPLETED_CLIENT_HTTP: c_int = 47;
    pub(crate) const RECEIVE_CLIENT_HTTP_READ: c_int = 48;
    pub(crate) const CLIENT_HTTP_WRITEABLE: c_int = 57;
    pub(crate) const CLIENT_HTTP_REDIRECT: c_int = 104;
    pub(crate) const HTTP_CONFIRM_UPGRADE: c_int = 86;
    pub(crate) const CONFIRM_EXTENSION_OKAY: c_int = 25;
    pub(crate) const CLIENT_CONFIRM_EXTENSION_SUPPORTED: c_int = 26;
    pub(crate) const WS_EXT_DEFAULTS: c_int = 39;
    pub(crate) const TIMER: c_int = 73;
    pub(crate) const RAW_RX: c_int = 59;
    pub(crate) const RAW_CLOSE: c_int = 60;
    pub(crate) const RAW_WRITEABLE: c_int = 61;
    pub(crate) const RAW_ADOPT: c_int = 62;
    pub(crate) const RAW_CONNECTED: c_int = 101;
    pub(crate) const RAW_SKT_BIND_PROTOCOL: c_int = 81;
    pub(crate) const RAW_SKT_DROP_PROTOCOL: c_int = 82;
    pub(crate) const RAW_ADOPT_FILE: c_int = 63;
    pub(crate) const RAW_RX_FILE: c_int = 64;
    pub(crate) const RAW_WRITEABLE_FILE: c_int = 65;
    pub(crate) const RAW_CLOSE_FILE: c_int = 66;
    pub(crate) const RAW_FILE_DROP_PROTOCOL: c_int = 84;
    pub(crate) const ADD_POLL_FD: c_int = 32;
    pub(crate) const DEL_POLL_FD: c_int = 33;
    pub(crate) const CHANGE_MODE_POLL_FD: c_int = 34;
    pub(crate) const LOCK_POLL: c_int = 35;
    pub(crate) const UNLOCK_POLL: c_int = 36;
}

/// Option bits of `lws_context_creation_info.options` the runtime reads.
pub(crate) mod opt {
    pub(crate) const DISABLE_IPV6: u64 = 1 << 5;
    pub(crate) const VALIDATE_UTF8: u64 = 1 << 8;
    pub(crate) const EXPLICIT_VHOSTS: u64 = 1 << 13;
    pub(crate) const UNIX_SOCK: u64 = 1 << 14;
    pub(crate) const STS: u64 = 1 << 15;
    pub(crate) const FALLBACK_TO_RAW: u64 = 1 << 20;
    pub(crate) const ONLY_RAW: u64 = 1 << 22;
    pub(crate) const SECURITY_BEST_PRACTICES: u64 = 1 << 28;
}

pub(crate) const CONTEXT_PORT_NO_LISTEN: i32 = -1;
pub(crate) const CONTEXT_PORT_NO_LISTEN_SERVER: i32 = -2;
