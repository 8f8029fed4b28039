//! lws 4.1.6's public enums and plain-constant macros, with the values of
//! Debian bookworm's build (checked by `tests/abi.rs`).
//!
//! These types exist so that cbindgen writes the C spellings into
//! `libwebsockets.h`; code that receives one of these values *from* C takes a
//! `c_int` (an out-of-range Rust enum value would be undefined behaviour).
//!
//! Rules: a tagged C enum is a `#[repr(C)]` Rust enum of the same name. A
//! C `typedef enum { .. } name_t;` is a Rust enum named without the `_t`
//! (or with `_e` added) plus a `pub type` alias, rendering as
//! `typedef enum name name_t;`. Enumerators that repeat an earlier value
//! (aliases) and anonymous C enums become `pub const` items, which cbindgen
//! renders as `#define`s.

use std::ffi::c_int;

/// Why a connection has a timeout pending (`lws_set_timeout`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum pending_timeout {
    NO_PENDING_TIMEOUT = 0,
    PENDING_TIMEOUT_AWAITING_PROXY_RESPONSE = 1,
    PENDING_TIMEOUT_AWAITING_CONNECT_RESPONSE = 2,
    PENDING_TIMEOUT_ESTABLISH_WITH_SERVER = 3,
    PENDING_TIMEOUT_AWAITING_SERVER_RESPONSE = 4,
    PENDING_TIMEOUT_AWAITING_PING = 5,
    PENDING_TIMEOUT_CLOSE_ACK = 6,
    PENDING_TIMEOUT_UNUSED1 = 7,
    PENDING_TIMEOUT_SENT_CLIENT_HANDSHAKE = 8,
    PENDING_TIMEOUT_SSL_ACCEPT = 9,
    PENDING_TIMEOUT_HTTP_CONTENT = 10,
    PENDING_TIMEOUT_AWAITING_CLIENT_HS_SEND = 11,
    PENDING_FLUSH_STORED_SEND_BEFORE_CLOSE = 12,
    PENDING_TIMEOUT_SHUTDOWN_FLUSH = 13,
    PENDING_TIMEOUT_CGI = 14,
    PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE = 15,
    PENDING_TIMEOUT_WS_PONG_CHECK_SEND_PING = 16,
    PENDING_TIMEOUT_WS_PONG_CHECK_GET_PONG = 17,
    PENDING_TIMEOUT_CLIENT_ISSUE_PAYLOAD = 18,
    PENDING_TIMEOUT_AWAITING_SOCKS_GREETING_REPLY = 19,
    PENDING_TIMEOUT_AWAITING_SOCKS_CONNECT_REPLY = 20,
    PENDING_TIMEOUT_AWAITING_SOCKS_AUTH_REPLY = 21,
    PENDING_TIMEOUT_KILLED_BY_SSL_INFO = 22,
    PENDING_TIMEOUT_KILLED_BY_PARENT = 23,
    PENDING_TIMEOUT_CLOSE_SEND = 24,
    PENDING_TIMEOUT_HOLDING_AH = 25,
    PENDING_TIMEOUT_UDP_IDLE = 26,
    PENDING_TIMEOUT_CLIENT_CONN_IDLE = 27,
    PENDING_TIMEOUT_LAGGING = 28,
    PENDING_TIMEOUT_THREADPOOL = 29,
    PENDING_TIMEOUT_THREADPOOL_TASK = 30,
    PENDING_TIMEOUT_KILLED_BY_PROXY_CLIENT_CLOSE = 31,
    PENDING_TIMEOUT_USER_OK = 32,
    PENDING_TIMEOUT_USER_REASON_BASE = 1000,
}

// System message distribution class bits (`lws_smd_class_t`). (an anonymous enum in `lws-smd.h`)
pub const LWSSMDCL_INTERACTION: c_int = 1;
pub const LWSSMDCL_SYSTEM_STATE: c_int = 2;
pub const LWSSMDCL_NETWORK: c_int = 4;

/// What kind of descriptor `lws_adopt_descriptor_vhost()` and friends are given (bit flags).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_adoption_type_e {
    LWS_ADOPT_RAW_FILE_DESC = 0,
    LWS_ADOPT_HTTP = 1,
    LWS_ADOPT_SOCKET = 2,
    LWS_ADOPT_ALLOW_SSL = 4,
    LWS_ADOPT_FLAG_UDP = 16,
    LWS_ADOPT_FLAG_RAW_PROXY = 32,
    LWS_ADOPT_RAW_SOCKET_UDP = 18,
}
/// C spelling: `lws_adoption_type`.
pub type lws_adoption_type = lws_adoption_type_e;

/// Indexes of the system blobs (`lws_system_get_blob`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_system_blob_item {
    LWS_SYSBLOB_TYPE_AUTH = 0,
    LWS_SYSBLOB_TYPE_CLIENT_CERT_DER = 2,
    LWS_SYSBLOB_TYPE_CLIENT_KEY_DER = 3,
    LWS_SYSBLOB_TYPE_DEVICE_SERIAL = 4,
    LWS_SYSBLOB_TYPE_DEVICE_FW_VERSION = 5,
    LWS_SYSBLOB_TYPE_DEVICE_TYPE = 6,
    LWS_SYSBLOB_TYPE_NTP_SERVER = 7,
    LWS_SYSBLOB_TYPE_COUNT = 8,
}
/// C spelling: `lws_system_blob_item_t`.
pub type lws_system_blob_item_t = lws_system_blob_item;

/// The states of the context's system state manager, in order.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_system_states {
    LWS_SYSTATE_UNKNOWN = 0,
    LWS_SYSTATE_CONTEXT_CREATED = 1,
    LWS_SYSTATE_INITIALIZED = 2,
    LWS_SYSTATE_IFACE_COLDPLUG = 3,
    LWS_SYSTATE_DHCP = 4,
    LWS_SYSTATE_CPD_PRE_TIME = 5,
    LWS_SYSTATE_TIME_VALID = 6,
    LWS_SYSTATE_CPD_POST_TIME = 7,
    LWS_SYSTATE_POLICY_VALID = 8,
    LWS_SYSTATE_REGISTERED = 9,
    LWS_SYSTATE_AUTH1 = 10,
    LWS_SYSTATE_AUTH2 = 11,
    LWS_SYSTATE_OPERATIONAL = 12,
    LWS_SYSTATE_POLICY_INVALID = 13,
}
/// C spelling: `lws_system_states_t`.
pub type lws_system_states_t = lws_system_states;

/// Result of captive portal detection.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_cpd_result {
    LWS_CPD_UNKNOWN = 0,
    LWS_CPD_INTERNET_OK = 1,
    LWS_CPD_CAPTIVE_PORTAL = 2,
    LWS_CPD_NO_INTERNET = 3,
}
/// C spelling: `lws_cpd_result_t`.
pub type lws_cpd_result_t = lws_cpd_result;

/// WebSocket close status codes (RFC 6455 section 7.4.1), as given to `lws_close_reason()`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_close_status {
    /// No status: lws closes without sending a status code in the close frame.
    LWS_CLOSE_STATUS_NOSTATUS = 0,
    /// 1000: normal closure, the purpose of the connection has been fulfilled.
    LWS_CLOSE_STATUS_NORMAL = 1000,
    /// 1001: the endpoint is going away (server shutdown, browser leaving the page).
    LWS_CLOSE_STATUS_GOINGAWAY = 1001,
    /// 1002: the peer violated the WebSocket protocol.
    LWS_CLOSE_STATUS_PROTOCOL_ERR = 1002,
    /// 1003: the endpoint received a type of data it cannot accept (e.g. binary on a text-only endpoint).
    LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE = 1003,
    /// 1004: reserved by RFC 6455, meaning undefined; never sent.
    LWS_CLOSE_STATUS_RESERVED = 1004,
    /// 1005: reserved; reports that a close frame carried no status code. Never sent on the wire.
    LWS_CLOSE_STATUS_NO_STATUS = 1005,
    /// 1006: reserved; reports that the connection dropped without a close frame. Never sent on the wire.
    LWS_CLOSE_STATUS_ABNORMAL_CLOSE = 1006,
    /// 1007: a message's data was inconsistent with its type (e.g. invalid UTF-8 in a text message).
    LWS_CLOSE_STATUS_INVALID_PAYLOAD = 1007,
    /// 1008: a message violated the endpoint's policy (generic code when no other fits).
    LWS_CLOSE_STATUS_POLICY_VIOLATION = 1008,
    /// 1009: a message was too big to process.
    LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE = 1009,
    /// 1010: (client) the server did not negotiate an extension the client requires.
    LWS_CLOSE_STATUS_EXTENSION_REQUIRED = 1010,
    /// 1011: (server) an unexpected condition prevented the server from fulfilling the request.
    LWS_CLOSE_STATUS_UNEXPECTED_CONDITION = 1011,
    /// 1015: reserved; reports a failed TLS handshake. Never sent on the wire.
    LWS_CLOSE_STATUS_TLS_FAILURE = 1015,
    /// 2000: lws private code, not sent on the wire: a client HTTP transaction completed.
    LWS_CLOSE_STATUS_CLIENT_TRANSACTION_DONE = 2000,
    /// 9999: lws private code, not sent on the wire: closing because the context is being destroyed.
    LWS_CLOSE_STATUS_NOSTATUS_CONTEXT_DESTROY = 9999,
}

/// States of the ACME certificate update machinery.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_cert_update_state {
    LWS_CUS_IDLE = 0,
    LWS_CUS_STARTING = 1,
    LWS_CUS_SUCCESS = 2,
    LWS_CUS_FAILED = 3,
    LWS_CUS_CREATE_KEYS = 4,
    LWS_CUS_REG = 5,
    LWS_CUS_AUTH = 6,
    LWS_CUS_CHALLENGE = 7,
    LWS_CUS_CREATE_REQ = 8,
    LWS_CUS_REQ = 9,
    LWS_CUS_CONFIRM = 10,
    LWS_CUS_ISSUE = 11,
}

// Indexes of the ACME certificate request elements and settings. (an anonymous enum in `lws-callbacks.h`)
pub const LWS_TLS_REQ_ELEMENT_COUNTRY: c_int = 0;
pub const LWS_TLS_REQ_ELEMENT_STATE: c_int = 1;
pub const LWS_TLS_REQ_ELEMENT_LOCALITY: c_int = 2;
pub const LWS_TLS_REQ_ELEMENT_ORGANIZATION: c_int = 3;
pub const LWS_TLS_REQ_ELEMENT_COMMON_NAME: c_int = 4;
pub const LWS_TLS_REQ_ELEMENT_SUBJECT_ALT_NAME: c_int = 5;
pub const LWS_TLS_REQ_ELEMENT_EMAIL: c_int = 6;
pub const LWS_TLS_REQ_ELEMENT_COUNT: c_int = 7;
pub const LWS_TLS_SET_DIR_URL: c_int = 7;
pub const LWS_TLS_SET_AUTH_PATH: c_int = 8;
pub const LWS_TLS_SET_CERT_PATH: c_int = 9;
pub const LWS_TLS_SET_KEY_PATH: c_int = 10;
pub const LWS_TLS_TOTAL_COUNT: c_int = 11;

/// Why a protocol callback is being called. User code passes reasons from `LWS_CALLBACK_USER` up to its own callbacks, so Rust code that receives a reason from C must treat it as a `c_int`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_callback_reasons {
    LWS_CALLBACK_PROTOCOL_INIT = 27,
    LWS_CALLBACK_PROTOCOL_DESTROY = 28,
    LWS_CALLBACK_WSI_CREATE = 29,
    LWS_CALLBACK_WSI_DESTROY = 30,
    LWS_CALLBACK_WSI_TX_CREDIT_GET = 103,
    LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS = 21,
    LWS_CALLBACK_OPENSSL_LOAD_EXTRA_SERVER_VERIFY_CERTS = 22,
    LWS_CALLBACK_OPENSSL_PERFORM_CLIENT_CERT_VERIFICATION = 23,
    LWS_CALLBACK_OPENSSL_CONTEXT_REQUIRES_PRIVATE_KEY = 37,
    LWS_CALLBACK_SSL_INFO = 67,
    LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION = 58,
    LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED = 19,
    LWS_CALLBACK_HTTP = 12,
    LWS_CALLBACK_HTTP_BODY = 13,
    LWS_CALLBACK_HTTP_BODY_COMPLETION = 14,
    LWS_CALLBACK_HTTP_FILE_COMPLETION = 15,
    LWS_CALLBACK_HTTP_WRITEABLE = 16,
    LWS_CALLBACK_CLOSED_HTTP = 5,
    LWS_CALLBACK_FILTER_HTTP_CONNECTION = 18,
    LWS_CALLBACK_ADD_HEADERS = 53,
    LWS_CALLBACK_VERIFY_BASIC_AUTHORIZATION = 102,
    LWS_CALLBACK_CHECK_ACCESS_RIGHTS = 51,
    LWS_CALLBACK_PROCESS_HTML = 52,
    LWS_CALLBACK_HTTP_BIND_PROTOCOL = 49,
    LWS_CALLBACK_HTTP_DROP_PROTOCOL = 50,
    LWS_CALLBACK_HTTP_CONFIRM_UPGRADE = 86,
    LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP = 44,
    LWS_CALLBACK_CLOSED_CLIENT_HTTP = 45,
    LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ = 48,
    LWS_CALLBACK_RECEIVE_CLIENT_HTTP = 46,
    LWS_CALLBACK_COMPLETED_CLIENT_HTTP = 47,
    LWS_CALLBACK_CLIENT_HTTP_WRITEABLE = 57,
    LWS_CALLBACK_CLIENT_HTTP_REDIRECT = 104,
    LWS_CALLBACK_CLIENT_HTTP_BIND_PROTOCOL = 85,
    LWS_CALLBACK_CLIENT_HTTP_DROP_PROTOCOL = 76,
    LWS_CALLBACK_ESTABLISHED = 0,
    LWS_CALLBACK_CLOSED = 4,
    LWS_CALLBACK_SERVER_WRITEABLE = 11,
    LWS_CALLBACK_RECEIVE = 6,
    LWS_CALLBACK_RECEIVE_PONG = 7,
    LWS_CALLBACK_WS_PEER_INITIATED_CLOSE = 38,
    LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION = 20,
    LWS_CALLBACK_CONFIRM_EXTENSION_OKAY = 25,
    LWS_CALLBACK_WS_SERVER_BIND_PROTOCOL = 77,
    LWS_CALLBACK_WS_SERVER_DROP_PROTOCOL = 78,
    LWS_CALLBACK_CLIENT_CONNECTION_ERROR = 1,
    LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH = 2,
    LWS_CALLBACK_CLIENT_ESTABLISHED = 3,
    LWS_CALLBACK_CLIENT_CLOSED = 75,
    LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER = 24,
    LWS_CALLBACK_CLIENT_RECEIVE = 8,
    LWS_CALLBACK_CLIENT_RECEIVE_PONG = 9,
    LWS_CALLBACK_CLIENT_WRITEABLE = 10,
    LWS_CALLBACK_CLIENT_CONFIRM_EXTENSION_SUPPORTED = 26,
    LWS_CALLBACK_WS_EXT_DEFAULTS = 39,
    LWS_CALLBACK_FILTER_NETWORK_CONNECTION = 17,
    LWS_CALLBACK_WS_CLIENT_BIND_PROTOCOL = 79,
    LWS_CALLBACK_WS_CLIENT_DROP_PROTOCOL = 80,
    LWS_CALLBACK_GET_THREAD_ID = 31,
    LWS_CALLBACK_ADD_POLL_FD = 32,
    LWS_CALLBACK_DEL_POLL_FD = 33,
    LWS_CALLBACK_CHANGE_MODE_POLL_FD = 34,
    LWS_CALLBACK_LOCK_POLL = 35,
    LWS_CALLBACK_UNLOCK_POLL = 36,
    LWS_CALLBACK_CGI = 40,
    LWS_CALLBACK_CGI_TERMINATED = 41,
    LWS_CALLBACK_CGI_STDIN_DATA = 42,
    LWS_CALLBACK_CGI_STDIN_COMPLETED = 43,
    LWS_CALLBACK_CGI_PROCESS_ATTACH = 70,
    LWS_CALLBACK_SESSION_INFO = 54,
    LWS_CALLBACK_GS_EVENT = 55,
    LWS_CALLBACK_HTTP_PMO = 56,
    LWS_CALLBACK_RAW_PROXY_CLI_RX = 89,
    LWS_CALLBACK_RAW_PROXY_SRV_RX = 90,
    LWS_CALLBACK_RAW_PROXY_CLI_CLOSE = 91,
    LWS_CALLBACK_RAW_PROXY_SRV_CLOSE = 92,
    LWS_CALLBACK_RAW_PROXY_CLI_WRITEABLE = 93,
    LWS_CALLBACK_RAW_PROXY_SRV_WRITEABLE = 94,
    LWS_CALLBACK_RAW_PROXY_CLI_ADOPT = 95,
    LWS_CALLBACK_RAW_PROXY_SRV_ADOPT = 96,
    LWS_CALLBACK_RAW_PROXY_CLI_BIND_PROTOCOL = 97,
    LWS_CALLBACK_RAW_PROXY_SRV_BIND_PROTOCOL = 98,
    LWS_CALLBACK_RAW_PROXY_CLI_DROP_PROTOCOL = 99,
    LWS_CALLBACK_RAW_PROXY_SRV_DROP_PROTOCOL = 100,
    LWS_CALLBACK_RAW_RX = 59,
    LWS_CALLBACK_RAW_CLOSE = 60,
    LWS_CALLBACK_RAW_WRITEABLE = 61,
    LWS_CALLBACK_RAW_ADOPT = 62,
    LWS_CALLBACK_RAW_CONNECTED = 101,
    LWS_CALLBACK_RAW_SKT_BIND_PROTOCOL = 81,
    LWS_CALLBACK_RAW_SKT_DROP_PROTOCOL = 82,
    LWS_CALLBACK_RAW_ADOPT_FILE = 63,
    LWS_CALLBACK_RAW_RX_FILE = 64,
    LWS_CALLBACK_RAW_WRITEABLE_FILE = 65,
    LWS_CALLBACK_RAW_CLOSE_FILE = 66,
    LWS_CALLBACK_RAW_FILE_BIND_PROTOCOL = 83,
    LWS_CALLBACK_RAW_FILE_DROP_PROTOCOL = 84,
    LWS_CALLBACK_TIMER = 73,
    LWS_CALLBACK_EVENT_WAIT_CANCELLED = 71,
    LWS_CALLBACK_CHILD_CLOSING = 69,
    LWS_CALLBACK_VHOST_CERT_AGING = 72,
    LWS_CALLBACK_VHOST_CERT_UPDATE = 74,
    LWS_CALLBACK_MQTT_NEW_CLIENT_INSTANTIATED = 200,
    LWS_CALLBACK_MQTT_IDLE = 201,
    LWS_CALLBACK_MQTT_CLIENT_ESTABLISHED = 202,
    LWS_CALLBACK_MQTT_SUBSCRIBED = 203,
    LWS_CALLBACK_MQTT_CLIENT_WRITEABLE = 204,
    LWS_CALLBACK_MQTT_CLIENT_RX = 205,
    LWS_CALLBACK_MQTT_UNSUBSCRIBED = 206,
    LWS_CALLBACK_MQTT_DROP_PROTOCOL = 207,
    LWS_CALLBACK_MQTT_CLIENT_CLOSED = 208,
    LWS_CALLBACK_MQTT_ACK = 209,
    LWS_CALLBACK_MQTT_RESEND = 210,
    LWS_CALLBACK_USER = 1000,
}

/// Why an extension callback is being called.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_extension_callback_reasons {
    LWS_EXT_CB_CONSTRUCT = 4,
    LWS_EXT_CB_CLIENT_CONSTRUCT = 5,
    LWS_EXT_CB_DESTROY = 8,
    LWS_EXT_CB_PACKET_TX_PRESEND = 12,
    LWS_EXT_CB_PAYLOAD_TX = 21,
    LWS_EXT_CB_PAYLOAD_RX = 22,
    LWS_EXT_CB_OPTION_DEFAULT = 23,
    LWS_EXT_CB_OPTION_SET = 24,
    LWS_EXT_CB_OPTION_CONFIRM = 25,
    LWS_EXT_CB_NAMED_OPTION_SET = 26,
}

/// Type of an extension option argument.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_ext_options_types {
    EXTARG_NONE = 0,
    EXTARG_DEC = 1,
    EXTARG_OPT_DEC = 2,
}

/// What an HTTP mount serves (`lws_http_mount.origin_protocol`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_mount_protocols {
    LWSMPRO_HTTP = 0,
    LWSMPRO_HTTPS = 1,
    LWSMPRO_FILE = 2,
    LWSMPRO_CGI = 3,
    LWSMPRO_REDIR_HTTP = 4,
    LWSMPRO_REDIR_HTTPS = 5,
    LWSMPRO_CALLBACK = 6,
}

/// How a vhost checks HTTP authentication (upper bits of `lws_http_mount.auth_mask`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_authentication_mode {
    LWSAUTHM_DEFAULT = 0,
    LWSAUTHM_BASIC_AUTH_CALLBACK = 268435456,
}

/// Bit flags for `lws_client_connect_info.ssl_connection`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_client_connect_ssl_connection_flags {
    LCCSCF_USE_SSL = 1,
    LCCSCF_ALLOW_SELFSIGNED = 2,
    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK = 4,
    LCCSCF_ALLOW_EXPIRED = 8,
    LCCSCF_ALLOW_INSECURE = 16,
    LCCSCF_H2_QUIRK_NGHTTP2_END_STREAM = 32,
    LCCSCF_H2_QUIRK_OVERFLOWS_TXCR = 64,
    LCCSCF_H2_AUTH_BEARER = 128,
    LCCSCF_H2_HEXIFY_AUTH_TOKEN = 256,
    LCCSCF_H2_MANUAL_RXFLOW = 512,
    LCCSCF_HTTP_MULTIPART_MIME = 1024,
    LCCSCF_HTTP_X_WWW_FORM_URLENCODED = 2048,
    LCCSCF_HTTP_NO_FOLLOW_REDIRECT = 4096,
    LCCSCF_PIPELINE = 65536,
    LCCSCF_MUXABLE_STREAM = 131072,
    LCCSCF_H2_PRIOR_KNOWLEDGE = 262144,
    LCCSCF_WAKE_SUSPEND__VALIDITY = 524288,
    LCCSCF_PRIORITIZE_READS = 1048576,
}

/// HTTP status codes lws knows by name.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum http_status {
    HTTP_STATUS_CONTINUE = 100,
    HTTP_STATUS_OK = 200,
    HTTP_STATUS_NO_CONTENT = 204,
    HTTP_STATUS_PARTIAL_CONTENT = 206,
    HTTP_STATUS_MOVED_PERMANENTLY = 301,
    HTTP_STATUS_FOUND = 302,
    HTTP_STATUS_SEE_OTHER = 303,
    HTTP_STATUS_NOT_MODIFIED = 304,
    HTTP_STATUS_BAD_REQUEST = 400,
    HTTP_STATUS_UNAUTHORIZED = 401,
    HTTP_STATUS_PAYMENT_REQUIRED = 402,
    HTTP_STATUS_FORBIDDEN = 403,
    HTTP_STATUS_NOT_FOUND = 404,
    HTTP_STATUS_METHOD_NOT_ALLOWED = 405,
    HTTP_STATUS_NOT_ACCEPTABLE = 406,
    HTTP_STATUS_PROXY_AUTH_REQUIRED = 407,
    HTTP_STATUS_REQUEST_TIMEOUT = 408,
    HTTP_STATUS_CONFLICT = 409,
    HTTP_STATUS_GONE = 410,
    HTTP_STATUS_LENGTH_REQUIRED = 411,
    HTTP_STATUS_PRECONDITION_FAILED = 412,
    HTTP_STATUS_REQ_ENTITY_TOO_LARGE = 413,
    HTTP_STATUS_REQ_URI_TOO_LONG = 414,
    HTTP_STATUS_UNSUPPORTED_MEDIA_TYPE = 415,
    HTTP_STATUS_REQ_RANGE_NOT_SATISFIABLE = 416,
    HTTP_STATUS_EXPECTATION_FAILED = 417,
    HTTP_STATUS_INTERNAL_SERVER_ERROR = 500,
    HTTP_STATUS_NOT_IMPLEMENTED = 501,
    HTTP_STATUS_BAD_GATEWAY = 502,
    HTTP_STATUS_SERVICE_UNAVAILABLE = 503,
    HTTP_STATUS_GATEWAY_TIMEOUT = 504,
    HTTP_STATUS_HTTP_VERSION_NOT_SUPPORTED = 505,
}

/// Indexes of the HTTP headers and pseudo-headers lws parses, for `lws_hdr_total_length()`, `lws_hdr_copy()` and friends. The set and the values are those of Debian's build (uncommon headers, HTTP/2 and custom headers enabled).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_token_indexes {
    WSI_TOKEN_GET_URI = 0,
    WSI_TOKEN_POST_URI = 1,
    WSI_TOKEN_OPTIONS_URI = 2,
    WSI_TOKEN_HOST = 3,
    WSI_TOKEN_CONNECTION = 4,
    WSI_TOKEN_UPGRADE = 5,
    WSI_TOKEN_ORIGIN = 6,
    WSI_TOKEN_DRAFT = 7,
    WSI_TOKEN_CHALLENGE = 8,
    WSI_TOKEN_EXTENSIONS = 9,
    WSI_TOKEN_KEY1 = 10,
    WSI_TOKEN_KEY2 = 11,
    WSI_TOKEN_PROTOCOL = 12,
    WSI_TOKEN_ACCEPT = 13,
    WSI_TOKEN_NONCE = 14,
    WSI_TOKEN_HTTP = 15,
    WSI_TOKEN_HTTP2_SETTINGS = 16,
    WSI_TOKEN_HTTP_ACCEPT = 17,
    WSI_TOKEN_HTTP_AC_REQUEST_HEADERS = 18,
    WSI_TOKEN_HTTP_IF_MODIFIED_SINCE = 19,
    WSI_TOKEN_HTTP_IF_NONE_MATCH = 20,
    WSI_TOKEN_HTTP_ACCEPT_ENCODING = 21,
    WSI_TOKEN_HTTP_ACCEPT_LANGUAGE = 22,
    WSI_TOKEN_HTTP_PRAGMA = 23,
    WSI_TOKEN_HTTP_CACHE_CONTROL = 24,
    WSI_TOKEN_HTTP_AUTHORIZATION = 25,
    WSI_TOKEN_HTTP_COOKIE = 26,
    WSI_TOKEN_HTTP_CONTENT_LENGTH = 27,
    WSI_TOKEN_HTTP_CONTENT_TYPE = 28,
    WSI_TOKEN_HTTP_DATE = 29,
    WSI_TOKEN_HTTP_RANGE = 30,
    WSI_TOKEN_HTTP_REFERER = 31,
    WSI_TOKEN_KEY = 32,
    WSI_TOKEN_VERSION = 33,
    WSI_TOKEN_SWORIGIN = 34,
    WSI_TOKEN_HTTP_COLON_AUTHORITY = 35,
    WSI_TOKEN_HTTP_COLON_METHOD = 36,
    WSI_TOKEN_HTTP_COLON_PATH = 37,
    WSI_TOKEN_HTTP_COLON_SCHEME = 38,
    WSI_TOKEN_HTTP_COLON_STATUS = 39,
    WSI_TOKEN_HTTP_ACCEPT_CHARSET = 40,
    WSI_TOKEN_HTTP_ACCEPT_RANGES = 41,
    WSI_TOKEN_HTTP_ACCESS_CONTROL_ALLOW_ORIGIN = 42,
    WSI_TOKEN_HTTP_AGE = 43,
    WSI_TOKEN_HTTP_ALLOW = 44,
    WSI_TOKEN_HTTP_CONTENT_DISPOSITION = 45,
    WSI_TOKEN_HTTP_CONTENT_ENCODING = 46,
    WSI_TOKEN_HTTP_CONTENT_LANGUAGE = 47,
    WSI_TOKEN_HTTP_CONTENT_LOCATION = 48,
    WSI_TOKEN_HTTP_CONTENT_RANGE = 49,
    WSI_TOKEN_HTTP_ETAG = 50,
    WSI_TOKEN_HTTP_EXPECT = 51,
    WSI_TOKEN_HTTP_EXPIRES = 52,
    WSI_TOKEN_HTTP_FROM = 53,
    WSI_TOKEN_HTTP_IF_MATCH = 54,
    WSI_TOKEN_HTTP_IF_RANGE = 55,
    WSI_TOKEN_HTTP_IF_UNMODIFIED_SINCE = 56,
    WSI_TOKEN_HTTP_LAST_MODIFIED = 57,
    WSI_TOKEN_HTTP_LINK = 58,
    WSI_TOKEN_HTTP_LOCATION = 59,
    WSI_TOKEN_HTTP_MAX_FORWARDS = 60,
    WSI_TOKEN_HTTP_PROXY_AUTHENTICATE = 61,
    WSI_TOKEN_HTTP_PROXY_AUTHORIZATION = 62,
    WSI_TOKEN_HTTP_REFRESH = 63,
    WSI_TOKEN_HTTP_RETRY_AFTER = 64,
    WSI_TOKEN_HTTP_SERVER = 65,
    WSI_TOKEN_HTTP_SET_COOKIE = 66,
    WSI_TOKEN_HTTP_STRICT_TRANSPORT_SECURITY = 67,
    WSI_TOKEN_HTTP_TRANSFER_ENCODING = 68,
    WSI_TOKEN_HTTP_USER_AGENT = 69,
    WSI_TOKEN_HTTP_VARY = 70,
    WSI_TOKEN_HTTP_VIA = 71,
    WSI_TOKEN_HTTP_WWW_AUTHENTICATE = 72,
    WSI_TOKEN_PATCH_URI = 73,
    WSI_TOKEN_PUT_URI = 74,
    WSI_TOKEN_DELETE_URI = 75,
    WSI_TOKEN_HTTP_URI_ARGS = 76,
    WSI_TOKEN_PROXY = 77,
    WSI_TOKEN_HTTP_X_REAL_IP = 78,
    WSI_TOKEN_HTTP1_0 = 79,
    WSI_TOKEN_X_FORWARDED_FOR = 80,
    WSI_TOKEN_CONNECT = 81,
    WSI_TOKEN_HEAD_URI = 82,
    WSI_TOKEN_TE = 83,
    WSI_TOKEN_REPLAY_NONCE = 84,
    WSI_TOKEN_COLON_PROTOCOL = 85,
    WSI_TOKEN_X_AUTH_TOKEN = 86,
    _WSI_TOKEN_CLIENT_SENT_PROTOCOLS = 87,
    _WSI_TOKEN_CLIENT_PEER_ADDRESS = 88,
    _WSI_TOKEN_CLIENT_URI = 89,
    _WSI_TOKEN_CLIENT_HOST = 90,
    _WSI_TOKEN_CLIENT_ORIGIN = 91,
    _WSI_TOKEN_CLIENT_METHOD = 92,
    _WSI_TOKEN_CLIENT_IFACE = 93,
    _WSI_TOKEN_CLIENT_ALPN = 94,
    WSI_TOKEN_COUNT = 95,
    WSI_TOKEN_NAME_PART = 96,
    WSI_TOKEN_UNKNOWN_VALUE_PART = 97,
    WSI_TOKEN_SKIPPING = 98,
    WSI_TOKEN_SKIPPING_SAW_CR = 99,
    WSI_PARSING_COMPLETE = 100,
    WSI_INIT_TOKEN_MUXURL = 101,
}

/// HTTP/2 SETTINGS identifiers, indexes of `lws_context_creation_info.http2_settings`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_h2_settings {
    H2SET_HEADER_TABLE_SIZE = 1,
    H2SET_ENABLE_PUSH = 2,
    H2SET_MAX_CONCURRENT_STREAMS = 3,
    H2SET_INITIAL_WINDOW_SIZE = 4,
    H2SET_MAX_FRAME_SIZE = 5,
    H2SET_MAX_HEADER_LIST_SIZE = 6,
    H2SET_RESERVED7 = 7,
    H2SET_ENABLE_CONNECT_PROTOCOL = 8,
    H2SET_COUNT = 9,
}

// HTTP methods as returned by `lws_http_get_uri_and_method()`. (an anonymous enum in `lws-http.h`)
pub const LWSHUMETH_GET: c_int = 0;
pub const LWSHUMETH_POST: c_int = 1;
pub const LWSHUMETH_OPTIONS: c_int = 2;
pub const LWSHUMETH_PUT: c_int = 3;
pub const LWSHUMETH_PATCH: c_int = 4;
pub const LWSHUMETH_DELETE: c_int = 5;
pub const LWSHUMETH_CONNECT: c_int = 6;
pub const LWSHUMETH_HEAD: c_int = 7;
pub const LWSHUMETH_COLON_PATH: c_int = 8;

/// Where a form-upload callback is in the stream of one file.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_spa_fileupload_states {
    LWS_UFS_CONTENT = 0,
    LWS_UFS_FINAL_CONTENT = 1,
    LWS_UFS_OPEN = 2,
    LWS_UFS_CLOSE = 3,
}

// Reasons and flags for `lws_rx_flow_control()`. (an anonymous enum in `lws-misc.h`)
pub const LWS_RXFLOW_REASON_USER_BOOL: c_int = 1;
pub const LWS_RXFLOW_REASON_HTTP_RXBUFFER: c_int = 64;
pub const LWS_RXFLOW_REASON_H2_PPS_PENDING: c_int = 128;
pub const LWS_RXFLOW_REASON_APPLIES: c_int = 16384;
pub const LWS_RXFLOW_REASON_APPLIES_ENABLE_BIT: c_int = 8192;
pub const LWS_RXFLOW_REASON_APPLIES_ENABLE: c_int = 24576;
pub const LWS_RXFLOW_REASON_APPLIES_DISABLE: c_int = 16384;
pub const LWS_RXFLOW_REASON_FLAG_PROCESS_NOW: c_int = 4096;

/// Type of a directory entry reported by `lws_dir()`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_dir_obj_type {
    LDOT_UNKNOWN = 0,
    LDOT_FILE = 1,
    LDOT_DIR = 2,
    LDOT_LINK = 3,
    LDOT_FIFO = 4,
    LDOTT_SOCKET = 5,
    LDOT_CHAR = 6,
    LDOT_BLOCK = 7,
}
/// C spelling: `lws_dir_obj_type_t`.
pub type lws_dir_obj_type_t = lws_dir_obj_type;

/// How `lws_write()` frames the buffer; the low bits select the kind, the high bits are flags OR-ed in.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_write_protocol {
    LWS_WRITE_TEXT = 0,
    LWS_WRITE_BINARY = 1,
    LWS_WRITE_CONTINUATION = 2,
    LWS_WRITE_HTTP = 3,
    LWS_WRITE_PING = 5,
    LWS_WRITE_PONG = 6,
    LWS_WRITE_HTTP_FINAL = 7,
    LWS_WRITE_HTTP_HEADERS = 8,
    LWS_WRITE_HTTP_HEADERS_CONTINUATION = 9,
    LWS_WRITE_BUFLIST = 32,
    LWS_WRITE_NO_FIN = 64,
    LWS_WRITE_H2_STREAM_END = 128,
}
/// Alias of `LWS_WRITE_H2_STREAM_END`.
pub const LWS_WRITE_CLIENT_IGNORE_XOR_MASK: c_int = 128;

/// Which certificate property `lws_tls_peer_cert_info()` reports.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_tls_cert_info {
    LWS_TLS_CERT_INFO_VALIDITY_FROM = 0,
    LWS_TLS_CERT_INFO_VALIDITY_TO = 1,
    LWS_TLS_CERT_INFO_COMMON_NAME = 2,
    LWS_TLS_CERT_INFO_ISSUER_NAME = 3,
    LWS_TLS_CERT_INFO_USAGE = 4,
    LWS_TLS_CERT_INFO_VERIFIED = 5,
    LWS_TLS_CERT_INFO_OPAQUE_PUBLIC_KEY = 6,
}

/// Index of a CGI child's standard stream.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_enum_stdinouterr {
    LWS_STDIN = 0,
    LWS_STDOUT = 1,
    LWS_STDERR = 2,
}

/// State of the CGI response header parser.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum lws_cgi_hdr_state {
    LCHS_HEADER = 0,
    LCHS_CR1 = 1,
    LCHS_LF1 = 2,
    LCHS_CR2 = 3,
    LCHS_LF2 = 4,
    LHCS_RESPONSE = 5,
    LHCS_DUMP_HEADERS = 6,
    LHCS_PAYLOAD = 7,
    LCHS_SINGLE_0A = 8,
}

// ---- Plain-constant macros ----

// Context and vhost option bits (`lws_context_creation_info.options`), 64-bit
// like lws's `(1ll << n)` spellings. Some options imply
// LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT and include its bit.
pub const LWS_SERVER_OPTION_REQUIRE_VALID_OPENSSL_CLIENT_CERT: i64 =
    (1i64 << 1) | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
pub const LWS_SERVER_OPTION_SKIP_SERVER_CANONICAL_NAME: i64 = 1i64 << 2;
pub const LWS_SERVER_OPTION_ALLOW_NON_SSL_ON_SSL_PORT: i64 =
    (1i64 << 3) | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
pub const LWS_SERVER_OPTION_LIBEV: i64 = 1i64 << 4;
pub const LWS_SERVER_OPTION_DISABLE_IPV6: i64 = 1i64 << 5;
pub const LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS: i64 = 1i64 << 6;
pub const LWS_SERVER_OPTION_PEER_CERT_NOT_REQUIRED: i64 = 1i64 << 7;
pub const LWS_SERVER_OPTION_VALIDATE_UTF8: i64 = 1i64 << 8;
pub const LWS_SERVER_OPTION_SSL_ECDH: i64 = (1i64 << 9) | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
pub const LWS_SERVER_OPTION_LIBUV: i64 = 1i64 << 10;
pub const LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS: i64 =
    (1i64 << 11) | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
pub const LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT: i64 = 1i64 << 12;
pub const LWS_SERVER_OPTION_EXPLICIT_VHOSTS: i64 = 1i64 << 13;
pub const LWS_SERVER_OPTION_UNIX_SOCK: i64 = 1i64 << 14;
pub const LWS_SERVER_OPTION_STS: i64 = 1i64 << 15;
pub const LWS_SERVER_OPTION_IPV6_V6ONLY_MODIFY: i64 = 1i64 << 16;
pub const LWS_SERVER_OPTION_IPV6_V6ONLY_VALUE: i64 = 1i64 << 17;
pub const LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN: i64 = 1i64 << 18;
pub const LWS_SERVER_OPTION_JUST_USE_RAW_ORIGIN: i64 = 1i64 << 19;
pub const LWS_SERVER_OPTION_FALLBACK_TO_RAW: i64 = 1i64 << 20;
pub const LWS_SERVER_OPTION_FALLBACK_TO_APPLY_LISTEN_ACCEPT_CONFIG: i64 = 1i64 << 20;
pub const LWS_SERVER_OPTION_LIBEVENT: i64 = 1i64 << 21;
pub const LWS_SERVER_OPTION_ONLY_RAW: i64 = 1i64 << 22;
pub const LWS_SERVER_OPTION_ADOPT_APPLY_LISTEN_ACCEPT_CONFIG: i64 = 1i64 << 22;
pub const LWS_SERVER_OPTION_ALLOW_LISTEN_SHARE: i64 = 1i64 << 23;
pub const LWS_SERVER_OPTION_CREATE_VHOST_SSL_CTX: i64 = 1i64 << 24;
pub const LWS_SERVER_OPTION_SKIP_PROTOCOL_INIT: i64 = 1i64 << 25;
pub const LWS_SERVER_OPTION_IGNORE_MISSING_CERT: i64 = 1i64 << 26;
pub const LWS_SERVER_OPTION_VHOST_UPG_STRICT_HOST_CHECK: i64 = 1i64 << 27;
pub const LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE: i64 = 1i64 << 28;
pub const LWS_SERVER_OPTION_ALLOW_HTTP_ON_HTTPS_LISTENER: i64 = 1i64 << 29;
pub const LWS_SERVER_OPTION_FAIL_UPON_UNABLE_TO_BIND: i64 = 1i64 << 30;
pub const LWS_SERVER_OPTION_H2_JUST_FIX_WINDOW_UPDATE_OVERFLOW: i64 = 1i64 << 31;
pub const LWS_SERVER_OPTION_VH_H2_HALF_CLOSED_LONG_POLL: i64 = 1i64 << 32;
pub const LWS_SERVER_OPTION_GLIB: i64 = 1i64 << 33;
pub const LWS_SERVER_OPTION_H2_PRIOR_KNOWLEDGE: i64 = 1i64 << 34;
pub const LWS_SERVER_OPTION_NO_LWS_SYSTEM_STATES: i64 = 1i64 << 35;

// `lws_set_timeout()` secs values: close the connection now, asynchronously (`ASYNC`, safe in a callback) or synchronously (`SYNC`).
pub const LWS_TO_KILL_ASYNC: c_int = -1;
pub const LWS_TO_KILL_SYNC: c_int = -2;

/// Number of timer lists per service thread.
pub const LWS_COUNT_PT_SUL_OWNERS: c_int = 2;

// `lws_sul_schedule()` flags: whether the timer may be missed while the system is suspended.
pub const LWSSULLI_MISS_IF_SUSPENDED: c_int = 0;
pub const LWSSULLI_WAKE_IF_SUSPENDED: c_int = 1;

// Bits in the per-connection callback bookkeeping (CGI/proxy).
pub const LWS_CB_REASON_AUX_BF__CGI: c_int = 1;
pub const LWS_CB_REASON_AUX_BF__PROXY: c_int = 2;
pub const LWS_CB_REASON_AUX_BF__CGI_CHUNK_END: c_int = 4;
pub const LWS_CB_REASON_AUX_BF__CGI_HEADERS: c_int = 8;
pub const LWS_CB_REASON_AUX_BF__PROXY_TRANS_END: c_int = 16;
pub const LWS_CB_REASON_AUX_BF__PROXY_HEADERS: c_int = 32;

/// Alias of `LWS_WRITE_HTTP` for raw connections.
pub const LWS_WRITE_RAW: c_int = 3;

/// Minimum buffer an HTTP header writer should provide.
pub const LWS_RECOMMENDED_MIN_HEADER_SPACE: c_int = 2048;

// `lws_add_http_header_status()` code mask and flag.
pub const LWSAHH_CODE_MASK: c_int = 65535;
pub const LWSAHH_FLAG_NO_SERVER_NAME: c_int = 1073741824;

/// Pseudo stream id used for the whole HTTP/2 connection.
pub const LWS_H2_STREAM_SID: c_int = -1;

/// Bits of `lws_http_mount.auth_mask` that hold the `lws_authentication_mode`.
pub const AUTH_MODE_MASK: u32 = 4026531840;

// `lws_create_adopt_udp()` flags.
pub const LWS_CAUDP_BIND: c_int = 1;
pub const LWS_CAUDP_BROADCAST: c_int = 2;
pub const LWS_CAUDP_PF_PACKET: c_int = 4;

/// Magic number of `lws_plugin_header_t`.
pub const LWS_PLUGIN_API_MAGIC: c_int = 190;

/// `lws_retry_bo.conceal_count` value meaning: never give up.
pub const LWS_RETRY_CONCEAL_ALWAYS: c_int = 65535;

// Results of `lws_interface_to_sa()`.
pub const LWS_ITOSA_USABLE: c_int = 0;
pub const LWS_ITOSA_NOT_EXIST: c_int = -1;
pub const LWS_ITOSA_NOT_USABLE: c_int = -2;
pub const LWS_ITOSA_BUSY: c_int = -3;

// File-operation flags (`lws_fop_flags_t`).
pub const LWS_FOP_FLAGS_MASK: c_int = 8388607;
pub const LWS_FOP_FLAG_COMPR_ACCEPTABLE_GZIP: c_int = 16777216;
pub const LWS_FOP_FLAG_COMPR_IS_GZIP: c_int = 33554432;
pub const LWS_FOP_FLAG_MOD_TIME_VALID: c_int = 67108864;
pub const LWS_FOP_FLAG_VIRTUAL: c_int = 134217728;

// Directions for `lws_wsi_tx_credit()`.
pub const LWSTXCR_US_TO_PEER: c_int = 0;
pub const LWSTXCR_PEER_TO_US: c_int = 1;
