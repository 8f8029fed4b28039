//! RFC 9113 HTTP/2 frame layer: the 9-octet frame header, the ten frame
//! types, SETTINGS, error codes, an incremental parser and serializers.
//!
//! [`FrameParser`] takes bytes as they arrive and yields whole frames. A
//! frame that lies entirely in the caller's input is returned borrowed from
//! it (no copy); one that straddles calls is gathered in a buffer bounded by
//! the local SETTINGS_MAX_FRAME_SIZE. Frames of unknown types are skipped as
//! they stream past, never buffered (RFC 9113 4.1, 5.5).
//!
//! The parser applies the rules that need no stream state: lengths per
//! type, stream 0 or not, padding, SETTINGS values, the connection preface,
//! SETTINGS as the first frame, CONTINUATION sequencing, and the few rules
//! that depend only on which side receives (PUSH_PROMISE to a server, a
//! server's ENABLE_PUSH=1 to a client, client streams being odd). Stream
//! states, flow-control windows and HPACK are the connection's business.
//!
//! Errors are [`FrameError`]s: a connection error (GOAWAY with the code;
//! the parser stays failed) or a stream error (RST_STREAM on that stream;
//! the frame was consumed and parsing goes on).
#![forbid(unsafe_code)]

use std::fmt;

/// The client connection preface (RFC 9113 3.4).
pub const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// Length of the frame header.
pub const FRAME_HEADER_LEN: usize = 9;
/// Initial SETTINGS_MAX_FRAME_SIZE, and the smallest allowed.
pub const DEFAULT_MAX_FRAME_SIZE: u32 = 16_384;
/// Largest SETTINGS_MAX_FRAME_SIZE (2^24 - 1).
pub const MAX_FRAME_SIZE_LIMIT: u32 = (1 << 24) - 1;
/// Largest flow-control window and SETTINGS_INITIAL_WINDOW_SIZE (2^31 - 1).
pub const MAX_WINDOW_SIZE: u32 = (1 << 31) - 1;
/// Initial SETTINGS_INITIAL_WINDOW_SIZE.
pub const DEFAULT_INITIAL_WINDOW_SIZE: u32 = 65_535;
/// Initial SETTINGS_HEADER_TABLE_SIZE.
pub const DEFAULT_HEADER_TABLE_SIZE: u32 = 4096;
/// Largest stream identifier (31 bits).
pub const MAX_STREAM_ID: u32 = (1 << 31) - 1;

/// Frame types (RFC 9113 6).
pub mod kind {
    pub const DATA: u8 = 0x0;
    pub const HEADERS: u8 = 0x1;
    pub const PRIORITY: u8 = 0x2;
    pub const RST_STREAM: u8 = 0x3;
    pub const SETTINGS: u8 = 0x4;
    pub const PUSH_PROMISE: u8 = 0x5;
    pub const PING: u8 = 0x6;
    pub const GOAWAY: u8 = 0x7;
    pub const WINDOW_UPDATE: u8 = 0x8;
    pub const CONTINUATION: u8 = 0x9;
}

/// Frame flags (RFC 9113 6); a flag means something only for the types
/// that define it, others are ignored.
pub mod flag {
    /// DATA, HEADERS
    pub const END_STREAM: u8 = 0x1;
    /// SETTINGS, PING
    pub const ACK: u8 = 0x1;
    /// HEADERS, PUSH_PROMISE, CONTINUATION
    pub const END_HEADERS: u8 = 0x4;
    /// DATA, HEADERS, PUSH_PROMISE
    pub const PADDED: u8 = 0x8;
    /// HEADERS
    pub const PRIORITY: u8 = 0x20;
}

/// SETTINGS identifiers (RFC 9113 6.5.2, RFC 8441 3).
pub mod setting {
    pub const HEADER_TABLE_SIZE: u16 = 0x1;
    pub const ENABLE_PUSH: u16 = 0x2;
    pub const MAX_CONCURRENT_STREAMS: u16 = 0x3;
    pub const INITIAL_WINDOW_SIZE: u16 = 0x4;
    pub const MAX_FRAME_SIZE: u16 = 0x5;
    pub const MAX_HEADER_LIST_SIZE: u16 = 0x6;
    pub const ENABLE_CONNECT_PROTOCOL: u16 = 0x8;
}

/// Error codes (RFC 9113 7). Codes received in RST_STREAM and GOAWAY are
/// kept as raw `u32`s: unknown ones must not trigger anything special.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum ErrorCode {
    NoError = 0x0,
    ProtocolError = 0x1,
    InternalError = 0x2,
    FlowControlError = 0x3,
    SettingsTimeout = 0x4,
    StreamClosed = 0x5,
    FrameSizeError = 0x6,
    RefusedStream = 0x7,
    Cancel = 0x8,
    CompressionError = 0x9,
    ConnectError = 0xa,
    EnhanceYourCalm = 0xb,
    InadequateSecurity = 0xc,
    Http11Required = 0xd,
}

impl ErrorCode {
    /// The known code with this number, if any.
    pub fn from_u32(v: u32) -> Option<ErrorCode> {
        Some(match v {
            0x0 => ErrorCode::NoError,
            0x1 => ErrorCode::ProtocolError,
            0x2 => ErrorCode::InternalError,
            0x3 => ErrorCode::FlowControlError,
            0x4 => ErrorCode::SettingsTimeout,
            0x5 => ErrorCode::StreamClosed,
            0x6 => ErrorCode::FrameSizeError,
            0x7 => ErrorCode::RefusedStream,
            0x8 => ErrorCode::Cancel,
            0x9 => ErrorCode::CompressionError,
            0xa => ErrorCode::ConnectError,
            0xb => ErrorCode::EnhanceYourCalm,
            0xc => ErrorCode::InadequateSecurity,
            0xd => ErrorCode::Http11Required,
            _ => return None,
        })
    }

    pub fn as_u32(self) -> u32 {
        self as u32
    }

    /// The RFC's name, e.g. `PROTOCOL_ERROR`.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::NoError => "NO_ERROR",
            ErrorCode::ProtocolError => "PROTOCOL_ERROR",
            ErrorCode::InternalError => "INTERNAL_ERROR",
            ErrorCode::FlowControlError => "FLOW_CONTROL_ERROR",
            ErrorCode::SettingsTimeout => "SETTINGS_TIMEOUT",
            ErrorCode::StreamClosed => "STREAM_CLOSED",
            ErrorCode::FrameSizeError => "FRAME_SIZE_ERROR",
            ErrorCode::RefusedStream => "REFUSED_STREAM",
            ErrorCode::Cancel => "CANCEL",
            ErrorCode::CompressionError => "COMPRESSION_ERROR",
            ErrorCode::ConnectError => "CONNECT_ERROR",
            ErrorCode::EnhanceYourCalm => "ENHANCE_YOUR_CALM",
            ErrorCode::InadequateSecurity => "INADEQUATE_SECURITY",
            ErrorCode::Http11Required => "HTTP_1_1_REQUIRED",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A violation found while parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// End the connection: GOAWAY with `code`. The parser stays failed.
    Connection {
        code: ErrorCode,
        reason: &'static str,
    },
    /// Reset the stream: RST_STREAM with `code`. The frame was consumed.
    Stream {
        stream_id: u32,
        code: ErrorCode,
        reason: &'static str,
    },
}

impl FrameError {
    fn conn(code: ErrorCode, reason: &'static str) -> Self {
        FrameError::Connection { code, reason }
    }
    fn stream(stream_id: u32, code: ErrorCode, reason: &'static str) -> Self {
        FrameError::Stream {
            stream_id,
            code,
            reason,
        }
    }
    pub fn code(&self) -> ErrorCode {
        match *self {
            FrameError::Connection { code, .. } | FrameError::Stream { code, .. } => code,
        }
    }
    pub fn reason(&self) -> &'static str {
        match *self {
            FrameError::Connection { reason, .. } | FrameError::Stream { reason, .. } => reason,
        }
    }
    pub fn is_connection_error(&self) -> bool {
        matches!(self, FrameError::Connection { .. })
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Connection { code, reason } => write!(f, "{code}: {reason}"),
            FrameError::Stream {
                stream_id,
                code,
                reason,
            } => write!(f, "stream {stream_id}: {code}: {reason}"),
        }
    }
}

impl std::error::Error for FrameError {}

/// Which side this endpoint is; the parser receives what the other sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Server,
    Client,
}

// ---------------------------------------------------------------------------
// Frame header

/// The 9-octet frame header (RFC 9113 4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    /// payload length, 24 bits
    pub length: u32,
    pub kind: u8,
    pub flags: u8,
    /// 31 bits; the reserved bit is ignored on receipt and never sent
    pub stream_id: u32,
}

impl FrameHeader {
    pub fn decode(b: &[u8; FRAME_HEADER_LEN]) -> Self {
        FrameHeader {
            length: u32::from_be_bytes([0, b[0], b[1], b[2]]),
            kind: b[3],
            flags: b[4],
            stream_id: u32::from_be_bytes([b[5], b[6], b[7], b[8]]) & MAX_STREAM_ID,
        }
    }

    /// The header's octets; `length` is cut to 24 bits and `stream_id` to 31.
    pub fn encode(&self) -> [u8; FRAME_HEADER_LEN] {
        let l = self.length.to_be_bytes();
        let s = (self.stream_id & MAX_STREAM_ID).to_be_bytes();
        [
            l[1], l[2], l[3], self.kind, self.flags, s[0], s[1], s[2], s[3],
        ]
    }

    fn has(&self, f: u8) -> bool {
        self.flags & f != 0
    }
}

// ---------------------------------------------------------------------------
// Frames

/// Stream priority (RFC 9113 5.3.1, 6.3; deprecated but still parsed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Priority {
    pub exclusive: bool,
    pub dependency: u32,
    /// the wire value: the weight is `weight + 1` (1..=256)
    pub weight: u8,
}

impl Priority {
    fn decode(b: &[u8]) -> Self {
        let d = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        Priority {
            exclusive: d & 0x8000_0000 != 0,
            dependency: d & MAX_STREAM_ID,
            weight: b[4],
        }
    }

    fn to_bytes(self) -> [u8; 5] {
        let e = if self.exclusive { 0x8000_0000 } else { 0 };
        let d = (e | (self.dependency & MAX_STREAM_ID)).to_be_bytes();
        [d[0], d[1], d[2], d[3], self.weight]
    }

    /// A stream may not depend on itself (RFC 9113 5.3.1): a stream error
    /// of type PROTOCOL_ERROR.
    pub fn is_self_dependent(&self, stream_id: u32) -> bool {
        self.dependency == stream_id
    }
}

/// The parameters one SETTINGS frame carries (RFC 9113 6.5.2, RFC 8441 3);
/// `None` = not in the frame. Within a frame a later value for the same
/// identifier replaces an earlier one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Settings {
    pub header_table_size: Option<u32>,
    pub enable_push: Option<bool>,
    pub max_concurrent_streams: Option<u32>,
    pub initial_window_size: Option<u32>,
    pub max_frame_size: Option<u32>,
    pub max_header_list_size: Option<u32>,
    pub enable_connect_protocol: Option<bool>,
}

impl Settings {
    /// Parses and checks a SETTINGS payload (not an ACK). Unknown
    /// identifiers are ignored; the length must be a multiple of 6.
    pub fn parse(payload: &[u8]) -> Result<Settings, FrameError> {
        if payload.len() % 6 != 0 {
            return Err(FrameError::conn(
                ErrorCode::FrameSizeError,
                "SETTINGS length not a multiple of 6",
            ));
        }
        let mut s = Settings::default();
        for p in payload.chunks_exact(6) {
            let id = u16::from_be_bytes([p[0], p[1]]);
            let v = u32::from_be_bytes([p[2], p[3], p[4], p[5]]);
            match id {
                setting::HEADER_TABLE_SIZE => s.header_table_size = Some(v),
                setting::ENABLE_PUSH => {
                    s.enable_push = Some(bool01(v, "SETTINGS_ENABLE_PUSH not 0 or 1")?)
                }
                setting::MAX_CONCURRENT_STREAMS => s.max_concurrent_streams = Some(v),
                setting::INITIAL_WINDOW_SIZE => {
                    if v > MAX_WINDOW_SIZE {
                        return Err(FrameError::conn(
                            ErrorCode::FlowControlError,
                            "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1",
                        ));
                    }
                    s.initial_window_size = Some(v)
                }
                setting::MAX_FRAME_SIZE => {
                    if !(DEFAULT_MAX_FRAME_SIZE..=MAX_FRAME_SIZE_LIMIT).contains(&v) {
                        return Err(FrameError::conn(
                            ErrorCode::ProtocolError,
                            "SETTINGS_MAX_FRAME_SIZE out of range",
                        ));
                    }
                    s.max_frame_size = Some(v)
                }
                setting::MAX_HEADER_LIST_SIZE => s.max_header_list_size = Some(v),
                setting::ENABLE_CONNECT_PROTOCOL => {
                    s.enable_connect_protocol =
                        Some(bool01(v, "SETTINGS_ENABLE_CONNECT_PROTOCOL not 0 or 1")?)
                }
                _ => {} // RFC 9113 6.5.2: unknown settings are ignored
            }
        }
        Ok(s)
    }

    /// Appends the payload: the parameters present, in identifier order.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let mut put = |id: u16, v: Option<u32>| {
            if let Some(v) = v {
                out.extend_from_slice(&id.to_be_bytes());
                out.extend_from_slice(&v.to_be_bytes());
            }
        };
        put(setting::HEADER_TABLE_SIZE, self.header_table_size);
        put(setting::ENABLE_PUSH, self.enable_push.map(u32::from));
        put(setting::MAX_CONCURRENT_STREAMS, self.max_concurrent_streams);
        put(setting::INITIAL_WINDOW_SIZE, self.initial_window_size);
        put(setting::MAX_FRAME_SIZE, self.max_frame_size);
        put(setting::MAX_HEADER_LIST_SIZE, self.max_header_list_size);
        put(
            setting::ENABLE_CONNECT_PROTOCOL,
            self.enable_connect_protocol.map(u32::from),
        );
    }

    /// Payload length of [`Settings::encode`].
    pub fn encoded_len(&self) -> usize {
        6 * [
            self.header_table_size.is_some(),
            self.enable_push.is_some(),
            self.max_concurrent_streams.is_some(),
            self.initial_window_size.is_some(),
            self.max_frame_size.is_some(),
            self.max_header_list_size.is_some(),
            self.enable_connect_protocol.is_some(),
        ]
        .iter()
        .filter(|&&b| b)
        .count()
    }
}

fn bool01(v: u32, reason: &'static str) -> Result<bool, FrameError> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(FrameError::conn(ErrorCode::ProtocolError, reason)),
    }
}

/// The settings in force for one direction: RFC defaults, updated by each
/// SETTINGS frame in turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettingsValues {
    pub header_table_size: u32,
    pub enable_push: bool,
    /// `None`: no limit (the initial value)
    pub max_concurrent_streams: Option<u32>,
    pub initial_window_size: u32,
    pub max_frame_size: u32,
    /// `None`: no limit (the initial value)
    pub max_header_list_size: Option<u32>,
    pub enable_connect_protocol: bool,
}

impl Default for SettingsValues {
    fn default() -> Self {
        SettingsValues {
            header_table_size: DEFAULT_HEADER_TABLE_SIZE,
            enable_push: true,
            max_concurrent_streams: None,
            initial_window_size: DEFAULT_INITIAL_WINDOW_SIZE,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            max_header_list_size: None,
            enable_connect_protocol: false,
        }
    }
}

impl SettingsValues {
    /// Applies a received SETTINGS frame. RFC 8441 3: the sender may not
    /// withdraw SETTINGS_ENABLE_CONNECT_PROTOCOL once it sent 1
    /// (PROTOCOL_ERROR); nothing is applied then.
    pub fn apply(&mut self, s: &Settings) -> Result<(), FrameError> {
        if self.enable_connect_protocol && s.enable_connect_protocol == Some(false) {
            return Err(FrameError::conn(
                ErrorCode::ProtocolError,
                "SETTINGS_ENABLE_CONNECT_PROTOCOL withdrawn",
            ));
        }
        if let Some(v) = s.header_table_size {
            self.header_table_size = v;
        }
        if let Some(v) = s.enable_push {
            self.enable_push = v;
        }
        if let Some(v) = s.max_concurrent_streams {
            self.max_concurrent_streams = Some(v);
        }
        if let Some(v) = s.initial_window_size {
            self.initial_window_size = v;
        }
        if let Some(v) = s.max_frame_size {
            self.max_frame_size = v;
        }
        if let Some(v) = s.max_header_list_size {
            self.max_header_list_size = Some(v);
        }
        if let Some(v) = s.enable_connect_protocol {
            self.enable_connect_protocol = v;
        }
        Ok(())
    }
}

/// A parsed frame; payload slices borrow the parser's input or buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame<'a> {
    /// `data` without padding; `flow_len` = the whole payload length,
    /// padding included, which is what flow control counts (RFC 9113 6.1).
    Data {
        stream_id: u32,
        end_stream: bool,
        data: &'a [u8],
        flow_len: u32,
    },
    /// `fragment` without padding or priority fields. A `priority` that
    /// depends on the stream itself is a stream error, which the caller
    /// raises after feeding the fragment to HPACK (the table must stay in
    /// sync), see [`Priority::is_self_dependent`].
    Headers {
        stream_id: u32,
        end_stream: bool,
        end_headers: bool,
        priority: Option<Priority>,
        fragment: &'a [u8],
    },
    Priority {
        stream_id: u32,
        priority: Priority,
    },
    RstStream {
        stream_id: u32,
        error_code: u32,
    },
    /// `settings` is empty for an ACK.
    Settings {
        ack: bool,
        settings: Settings,
    },
    PushPromise {
        stream_id: u32,
        end_headers: bool,
        promised_id: u32,
        fragment: &'a [u8],
    },
    Ping {
        ack: bool,
        data: [u8; 8],
    },
    GoAway {
        last_stream_id: u32,
        error_code: u32,
        debug: &'a [u8],
    },
    /// `increment` is 1..=2^31-1 (0 is an error).
    WindowUpdate {
        stream_id: u32,
        increment: u32,
    },
    Continuation {
        stream_id: u32,
        end_headers: bool,
        fragment: &'a [u8],
    },
}

/// What to do with a payload, decided from the header alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Parse,
    /// unknown type: skip the payload
    Skip,
}

/// The checks the header alone allows: stream 0 or not, lengths per type,
/// role rules. An `Err(Stream)` means: skip the payload, reset the stream.
fn check_header(h: &FrameHeader, role: Role) -> Result<Action, FrameError> {
    use ErrorCode::{FrameSizeError, ProtocolError};
    let len = h.length;
    let conn = FrameError::conn;
    let need_stream = |what: &'static str| {
        if h.stream_id == 0 {
            Err(conn(ProtocolError, what))
        } else {
            Ok(())
        }
    };
    let need_zero = |what: &'static str| {
        if h.stream_id != 0 {
            Err(conn(ProtocolError, what))
        } else {
            Ok(())
        }
    };
    let padded = u32::from(h.kind != kind::PRIORITY && h.has(flag::PADDED));
    match h.kind {
        kind::DATA => {
            need_stream("DATA on stream 0")?;
            if len < padded {
                return Err(conn(FrameSizeError, "DATA too short for its padding"));
            }
        }
        kind::HEADERS => {
            need_stream("HEADERS on stream 0")?;
            if role == Role::Server && h.stream_id % 2 == 0 {
                return Err(conn(
                    ProtocolError,
                    "HEADERS on an even stream from a client",
                ));
            }
            let prio = if h.has(flag::PRIORITY) { 5 } else { 0 };
            if len < padded + prio {
                return Err(conn(FrameSizeError, "HEADERS too short"));
            }
        }
        kind::PRIORITY => {
            need_stream("PRIORITY on stream 0")?;
            if len != 5 {
                return Err(FrameError::stream(
                    h.stream_id,
                    FrameSizeError,
                    "PRIORITY length not 5",
                ));
            }
        }
        kind::RST_STREAM => {
            need_stream("RST_STREAM on stream 0")?;
            if len != 4 {
                return Err(conn(FrameSizeError, "RST_STREAM length not 4"));
            }
        }
        kind::SETTINGS => {
            need_zero("SETTINGS on a stream")?;
            if h.has(flag::ACK) && len != 0 {
                return Err(conn(FrameSizeError, "SETTINGS ACK with a payload"));
            }
            if len % 6 != 0 {
                return Err(conn(FrameSizeError, "SETTINGS length not a multiple of 6"));
            }
        }
        kind::PUSH_PROMISE => {
            if role == Role::Server {
                return Err(conn(ProtocolError, "PUSH_PROMISE from a client"));
            }
            need_stream("PUSH_PROMISE on stream 0")?;
            if len < padded + 4 {
                return Err(conn(FrameSizeError, "PUSH_PROMISE too short"));
            }
        }
        kind::PING => {
            need_zero("PING on a stream")?;
            if len != 8 {
                return Err(conn(FrameSizeError, "PING length not 8"));
            }
        }
        kind::GOAWAY => {
            need_zero("GOAWAY on a stream")?;
            if len < 8 {
                return Err(conn(FrameSizeError, "GOAWAY shorter than 8"));
            }
        }
        kind::WINDOW_UPDATE => {
            if len != 4 {
                return Err(conn(FrameSizeError, "WINDOW_UPDATE length not 4"));
            }
        }
        kind::CONTINUATION => need_stream("CONTINUATION on stream 0")?,
        _ => return Ok(Action::Skip),
    }
    Ok(Action::Parse)
}

/// Strips padding: `body` follows the pad-length octet (and any fixed
/// fields); the padding must fit in it (RFC 9113 6.1, 6.2, 6.6).
fn unpad(pad: u8, body: &[u8]) -> Result<&[u8], FrameError> {
    let pad = pad as usize;
    if pad > body.len() {
        return Err(FrameError::conn(
            ErrorCode::ProtocolError,
            "padding longer than the payload",
        ));
    }
    Ok(&body[..body.len() - pad])
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Parses a payload whose header passed [`check_header`].
fn parse_payload<'a>(h: &FrameHeader, p: &'a [u8], role: Role) -> Result<Frame<'a>, FrameError> {
    debug_assert_eq!(p.len(), h.length as usize);
    let sid = h.stream_id;
    Ok(match h.kind {
        kind::DATA => {
            let data = if h.has(flag::PADDED) {
                unpad(p[0], &p[1..])?
            } else {
                p
            };
            Frame::Data {
                stream_id: sid,
                end_stream: h.has(flag::END_STREAM),
                data,
                flow_len: h.length,
            }
        }
        kind::HEADERS => {
            let (pad, mut rest) = if h.has(flag::PADDED) {
                (p[0], &p[1..])
            } else {
                (0, p)
            };
            let priority = if h.has(flag::PRIORITY) {
                let pr = Priority::decode(&rest[..5]);
                rest = &rest[5..];
                Some(pr)
            } else {
                None
            };
            Frame::Headers {
                stream_id: sid,
                end_stream: h.has(flag::END_STREAM),
                end_headers: h.has(flag::END_HEADERS),
                priority,
                fragment: unpad(pad, rest)?,
            }
        }
        kind::PRIORITY => {
            let priority = Priority::decode(p);
            if priority.is_self_dependent(sid) {
                return Err(FrameError::stream(
                    sid,
                    ErrorCode::ProtocolError,
                    "stream depends on itself",
                ));
            }
            Frame::Priority {
                stream_id: sid,
                priority,
            }
        }
        kind::RST_STREAM => Frame::RstStream {
            stream_id: sid,
            error_code: be32(p),
        },
        kind::SETTINGS => {
            if h.has(flag::ACK) {
                Frame::Settings {
                    ack: true,
                    settings: Settings::default(),
                }
            } else {
                let settings = Settings::parse(p)?;
                if role == Role::Client && settings.enable_push == Some(true) {
                    return Err(FrameError::conn(
                        ErrorCode::ProtocolError,
                        "SETTINGS_ENABLE_PUSH=1 from a server",
                    ));
                }
                Frame::Settings {
                    ack: false,
                    settings,
                }
            }
        }
        kind::PUSH_PROMISE => {
            let (pad, rest) = if h.has(flag::PADDED) {
                (p[0], &p[1..])
            } else {
                (0, p)
            };
            let promised_id = be32(rest) & MAX_STREAM_ID;
            if promised_id == 0 || promised_id % 2 != 0 {
                return Err(FrameError::conn(
                    ErrorCode::ProtocolError,
                    "PUSH_PROMISE of an invalid stream",
                ));
            }
            Frame::PushPromise {
                stream_id: sid,
                end_headers: h.has(flag::END_HEADERS),
                promised_id,
                fragment: unpad(pad, &rest[4..])?,
            }
        }
        kind::PING => {
            let mut data = [0u8; 8];
            data.copy_from_slice(p);
            Frame::Ping {
                ack: h.has(flag::ACK),
                data,
            }
        }
        kind::GOAWAY => Frame::GoAway {
            last_stream_id: be32(p) & MAX_STREAM_ID,
            error_code: be32(&p[4..]),
            debug: &p[8..],
        },
        kind::WINDOW_UPDATE => {
            let increment = be32(p) & MAX_WINDOW_SIZE;
            if increment == 0 {
                return Err(if sid == 0 {
                    FrameError::conn(ErrorCode::ProtocolError, "WINDOW_UPDATE of 0")
                } else {
                    FrameError::stream(sid, ErrorCode::ProtocolError, "WINDOW_UPDATE of 0")
                });
            }
            Frame::WindowUpdate {
                stream_id: sid,
                increment,
            }
        }
        kind::CONTINUATION => Frame::Continuation {
            stream_id: sid,
            end_headers: h.has(flag::END_HEADERS),
            fragment: p,
        },
        _ => unreachable!("check_header skips unknown types"),
    })
}

/// Parses one frame on its own: every rule of the header and payload, but
/// none that needs the frames before it (preface, SETTINGS first,
/// CONTINUATION sequencing, MAX_FRAME_SIZE: those are [`FrameParser`]'s).
/// `Ok(None)`: a frame of an unknown type, to ignore.
pub fn parse_frame<'a>(
    h: &FrameHeader,
    payload: &'a [u8],
    role: Role,
) -> Result<Option<Frame<'a>>, FrameError> {
    if payload.len() != h.length as usize {
        return Err(FrameError::conn(
            ErrorCode::FrameSizeError,
            "payload length differs from the header",
        ));
    }
    match check_header(h, role)? {
        Action::Skip => Ok(None),
        Action::Parse => parse_payload(h, payload, role).map(Some),
    }
}

// ---------------------------------------------------------------------------
// Incremental parser

/// How far the preface check got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrefaceMatch {
    /// `input` is a proper prefix of the preface: more is needed
    Partial,
    /// `input` begins with the whole preface
    Full,
    /// `input` is not the preface
    No,
}

/// Checks `input` against the client connection preface.
pub fn match_preface(input: &[u8]) -> PrefaceMatch {
    let n = input.len().min(PREFACE.len());
    if input[..n] != PREFACE[..n] {
        PrefaceMatch::No
    } else if n == PREFACE.len() {
        PrefaceMatch::Full
    } else {
        PrefaceMatch::Partial
    }
}

/// A released frame buffer up to this capacity is kept for the next one.
const KEEP_BUF: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// octets of the client preface matched so far
    Preface(usize),
    Header,
    Payload(FrameHeader),
    /// payload octets of an ignored frame still to skip
    Skip(u32),
    Failed(FrameError),
}

/// The incremental frame parser of one connection's receiving side.
#[derive(Debug, Clone)]
pub struct FrameParser {
    role: Role,
    max_frame_size: u32,
    state: State,
    hdr: [u8; FRAME_HEADER_LEN],
    hdr_len: usize,
    /// payload of a frame that straddles calls (at most max_frame_size)
    buf: Vec<u8>,
    /// `buf` holds the frame returned by the last call: clear it first
    release: bool,
    /// a field block is open on this stream: only its CONTINUATIONs may come
    continuation: Option<u32>,
    /// a SETTINGS frame came first, as it must (RFC 9113 3.4)
    settings_seen: bool,
}

impl FrameParser {
    /// A parser for `role`'s receiving side, with MAX_FRAME_SIZE 16384. A
    /// server expects the 24-octet client preface first unless
    /// `expect_preface` is false (another layer consumed it already).
    pub fn new(role: Role, expect_preface: bool) -> Self {
        FrameParser {
            role,
            max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            state: if role == Role::Server && expect_preface {
                State::Preface(0)
            } else {
                State::Header
            },
            hdr: [0; FRAME_HEADER_LEN],
            hdr_len: 0,
            buf: Vec::new(),
            release: false,
            continuation: None,
            settings_seen: false,
        }
    }

    /// Our SETTINGS_MAX_FRAME_SIZE: larger frames are a FRAME_SIZE_ERROR.
    /// Raise it when sending the SETTINGS, lower it only once they are
    /// acknowledged. Clamped to 16384..=2^24-1.
    pub fn set_max_frame_size(&mut self, n: u32) {
        self.max_frame_size = n.clamp(DEFAULT_MAX_FRAME_SIZE, MAX_FRAME_SIZE_LIMIT);
    }

    pub fn max_frame_size(&self) -> u32 {
        self.max_frame_size
    }

    /// The stream whose field block awaits CONTINUATION frames, if any.
    pub fn expecting_continuation(&self) -> Option<u32> {
        self.continuation
    }

    /// Payload octets held for a frame that straddles calls.
    pub fn buffered(&self) -> usize {
        if self.release {
            0
        } else {
            self.buf.len()
        }
    }

    /// Consumes octets from `input`; returns `(consumed, result)`.
    /// `Ok(Some(frame))`: one whole frame (the next call may then continue
    /// with `&input[consumed..]`). `Ok(None)`: all of `input` was consumed
    /// without completing a frame. `Err(Stream)`: that frame was consumed
    /// and parsing continues. `Err(Connection)`: sticky; every later call
    /// returns it again with 0 consumed.
    pub fn feed<'a>(
        &'a mut self,
        input: &'a [u8],
    ) -> (usize, Result<Option<Frame<'a>>, FrameError>) {
        if self.release {
            self.release = false;
            if self.buf.capacity() > KEEP_BUF {
                // no large buffer held between frames (idle connections)
                self.buf = Vec::new();
            } else {
                self.buf.clear();
            }
        }
        let mut pos = 0;
        loop {
            match self.state {
                State::Failed(e) => return (0, Err(e)),
                State::Preface(n) => {
                    let k = (PREFACE.len() - n).min(input.len() - pos);
                    if input[pos..pos + k] != PREFACE[n..n + k] {
                        return self.fail(
                            pos,
                            FrameError::conn(
                                ErrorCode::ProtocolError,
                                "invalid connection preface",
                            ),
                        );
                    }
                    pos += k;
                    if n + k < PREFACE.len() {
                        self.state = State::Preface(n + k);
                        return (pos, Ok(None));
                    }
                    self.state = State::Header;
                }
                State::Skip(rem) => {
                    let k = (rem as usize).min(input.len() - pos);
                    pos += k;
                    if k < rem as usize {
                        self.state = State::Skip(rem - k as u32);
                        return (pos, Ok(None));
                    }
                    self.state = State::Header;
                }
                State::Header => {
                    let k = (FRAME_HEADER_LEN - self.hdr_len).min(input.len() - pos);
                    self.hdr[self.hdr_len..self.hdr_len + k].copy_from_slice(&input[pos..pos + k]);
                    self.hdr_len += k;
                    pos += k;
                    if self.hdr_len < FRAME_HEADER_LEN {
                        return (pos, Ok(None));
                    }
                    self.hdr_len = 0;
                    let h = FrameHeader::decode(&self.hdr);
                    match self.on_header(&h) {
                        Ok(Action::Parse) => self.state = State::Payload(h),
                        Ok(Action::Skip) => self.state = State::Skip(h.length),
                        Err(e @ FrameError::Stream { .. }) => {
                            self.state = State::Skip(h.length);
                            return (pos, Err(e));
                        }
                        Err(e) => return self.fail(pos, e),
                    }
                }
                State::Payload(h) => {
                    let len = h.length as usize;
                    let avail = input.len() - pos;
                    if self.buf.is_empty() && avail >= len {
                        // the whole payload is in the input: no copy
                        self.state = State::Header;
                        let r = parse_payload(&h, &input[pos..pos + len], self.role);
                        pos += len;
                        if let Err(e @ FrameError::Connection { .. }) = r {
                            self.state = State::Failed(e);
                        }
                        return (pos, r.map(Some));
                    }
                    let k = (len - self.buf.len()).min(avail);
                    let need = self.buf.len() + k;
                    if need > self.buf.capacity() {
                        // grow by doubling, but never past this frame
                        let target = (self.buf.capacity() * 2).max(need).min(len);
                        self.buf.reserve_exact(target - self.buf.len());
                    }
                    self.buf.extend_from_slice(&input[pos..pos + k]);
                    pos += k;
                    if self.buf.len() < len {
                        return (pos, Ok(None));
                    }
                    self.state = State::Header;
                    self.release = true;
                    let r = parse_payload(&h, &self.buf, self.role);
                    if let Err(e @ FrameError::Connection { .. }) = r {
                        self.state = State::Failed(e);
                    }
                    return (pos, r.map(Some));
                }
            }
        }
    }

    fn fail<'a>(
        &mut self,
        pos: usize,
        e: FrameError,
    ) -> (usize, Result<Option<Frame<'a>>, FrameError>) {
        self.state = State::Failed(e);
        self.buf = Vec::new();
        self.release = false;
        (pos, Err(e))
    }

    /// The checks that need the frames before this one, then the header's.
    fn on_header(&mut self, h: &FrameHeader) -> Result<Action, FrameError> {
        use ErrorCode::{FrameSizeError, ProtocolError};
        if h.length > self.max_frame_size {
            // A connection error for every type: RFC 9113 4.2 requires it
            // for most, allows it for the rest.
            return Err(FrameError::conn(
                FrameSizeError,
                "frame larger than MAX_FRAME_SIZE",
            ));
        }
        if !self.settings_seen {
            if h.kind != kind::SETTINGS || h.has(flag::ACK) {
                return Err(FrameError::conn(
                    ProtocolError,
                    "first frame is not SETTINGS",
                ));
            }
            self.settings_seen = true;
        }
        if let Some(sid) = self.continuation {
            // RFC 9113 6.2, 6.10: nothing but the block's CONTINUATIONs,
            // not even frames of unknown types (RFC 9113 5.5)
            if h.kind != kind::CONTINUATION || h.stream_id != sid {
                return Err(FrameError::conn(
                    ProtocolError,
                    "field block interrupted before END_HEADERS",
                ));
            }
        } else if h.kind == kind::CONTINUATION {
            return Err(FrameError::conn(
                ProtocolError,
                "CONTINUATION without a field block",
            ));
        }
        let action = check_header(h, self.role)?;
        match h.kind {
            kind::HEADERS | kind::PUSH_PROMISE | kind::CONTINUATION => {
                self.continuation = if h.has(flag::END_HEADERS) {
                    None
                } else {
                    Some(h.stream_id)
                };
            }
            _ => {}
        }
        Ok(action)
    }
}

// ---------------------------------------------------------------------------
// Serializers

/// Appends a frame header. `length` must fit in 24 bits.
pub fn write_frame_header(out: &mut Vec<u8>, length: usize, kind: u8, flags: u8, stream_id: u32) {
    debug_assert!(length <= MAX_FRAME_SIZE_LIMIT as usize, "frame too long");
    out.extend_from_slice(
        &FrameHeader {
            length: length as u32,
            kind,
            flags,
            stream_id,
        }
        .encode(),
    );
}

/// Header, pad-length octet, `fixed`, `body`, then `pad` zero octets.
fn write_padded(
    out: &mut Vec<u8>,
    kind: u8,
    mut flags: u8,
    stream_id: u32,
    fixed: &[u8],
    body: &[u8],
    pad: Option<u8>,
) {
    let mut len = fixed.len() + body.len();
    if let Some(p) = pad {
        flags |= flag::PADDED;
        len += 1 + p as usize;
    }
    write_frame_header(out, len, kind, flags, stream_id);
    if let Some(p) = pad {
        out.push(p);
    }
    out.extend_from_slice(fixed);
    out.extend_from_slice(body);
    if let Some(p) = pad {
        out.resize(out.len() + p as usize, 0);
    }
}

pub fn write_data(
    out: &mut Vec<u8>,
    stream_id: u32,
    data: &[u8],
    end_stream: bool,
    pad: Option<u8>,
) {
    let flags = if end_stream { flag::END_STREAM } else { 0 };
    write_padded(out, kind::DATA, flags, stream_id, &[], data, pad);
}

pub fn write_headers(
    out: &mut Vec<u8>,
    stream_id: u32,
    fragment: &[u8],
    end_stream: bool,
    end_headers: bool,
    priority: Option<Priority>,
    pad: Option<u8>,
) {
    let mut flags = 0;
    if end_stream {
        flags |= flag::END_STREAM;
    }
    if end_headers {
        flags |= flag::END_HEADERS;
    }
    let fixed = match priority {
        Some(p) => {
            flags |= flag::PRIORITY;
            p.to_bytes()
        }
        None => [0; 5],
    };
    let fixed_len = if priority.is_some() { 5 } else { 0 };
    write_padded(
        out,
        kind::HEADERS,
        flags,
        stream_id,
        &fixed[..fixed_len],
        fragment,
        pad,
    );
}

/// A whole field block as HEADERS plus as many CONTINUATIONs as
/// `max_frame_size` (the peer's) requires.
pub fn write_header_block(
    out: &mut Vec<u8>,
    stream_id: u32,
    block: &[u8],
    end_stream: bool,
    max_frame_size: u32,
) {
    let max = max_frame_size.clamp(DEFAULT_MAX_FRAME_SIZE, MAX_FRAME_SIZE_LIMIT) as usize;
    let first = block.len().min(max);
    write_headers(
        out,
        stream_id,
        &block[..first],
        end_stream,
        first == block.len(),
        None,
        None,
    );
    let mut rest = &block[first..];
    while !rest.is_empty() {
        let n = rest.len().min(max);
        write_continuation(out, stream_id, &rest[..n], n == rest.len());
        rest = &rest[n..];
    }
}

pub fn write_priority(out: &mut Vec<u8>, stream_id: u32, priority: Priority) {
    write_frame_header(out, 5, kind::PRIORITY, 0, stream_id);
    out.extend_from_slice(&priority.to_bytes());
}

pub fn write_rst_stream(out: &mut Vec<u8>, stream_id: u32, code: ErrorCode) {
    write_frame_header(out, 4, kind::RST_STREAM, 0, stream_id);
    out.extend_from_slice(&code.as_u32().to_be_bytes());
}

pub fn write_settings(out: &mut Vec<u8>, settings: &Settings) {
    write_frame_header(out, settings.encoded_len(), kind::SETTINGS, 0, 0);
    settings.encode(out);
}

pub fn write_settings_ack(out: &mut Vec<u8>) {
    write_frame_header(out, 0, kind::SETTINGS, flag::ACK, 0);
}

pub fn write_push_promise(
    out: &mut Vec<u8>,
    stream_id: u32,
    promised_id: u32,
    fragment: &[u8],
    end_headers: bool,
    pad: Option<u8>,
) {
    let flags = if end_headers { flag::END_HEADERS } else { 0 };
    let fixed = (promised_id & MAX_STREAM_ID).to_be_bytes();
    write_padded(
        out,
        kind::PUSH_PROMISE,
        flags,
        stream_id,
        &fixed,
        fragment,
        pad,
    );
}

pub fn write_ping(out: &mut Vec<u8>, ack: bool, data: [u8; 8]) {
    write_frame_header(out, 8, kind::PING, if ack { flag::ACK } else { 0 }, 0);
    out.extend_from_slice(&data);
}

pub fn write_goaway(out: &mut Vec<u8>, last_stream_id: u32, code: ErrorCode, debug: &[u8]) {
    write_frame_header(out, 8 + debug.len(), kind::GOAWAY, 0, 0);
    out.extend_from_slice(&(last_stream_id & MAX_STREAM_ID).to_be_bytes());
    out.extend_from_slice(&code.as_u32().to_be_bytes());
    out.extend_from_slice(debug);
}

/// `increment` must be 1..=2^31-1.
pub fn write_window_update(out: &mut Vec<u8>, stream_id: u32, increment: u32) {
    debug_assert!((1..=MAX_WINDOW_SIZE).contains(&increment));
    write_frame_header(out, 4, kind::WINDOW_UPDATE, 0, stream_id);
    out.extend_from_slice(&(increment & MAX_WINDOW_SIZE).to_be_bytes());
}

pub fn write_continuation(out: &mut Vec<u8>, stream_id: u32, fragment: &[u8], end_headers: bool) {
    let flags = if end_headers { flag::END_HEADERS } else { 0 };
    write_frame_header(out, fragment.len(), kind::CONTINUATION, flags, stream_id);
    out.extend_from_slice(fragment);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ErrorCode::*;

    /// Feeds `input` in chunks of `chunk` octets; returns the frames and
    /// stream errors (as Debug strings) and the connection error, if any.
    fn run(p: &mut FrameParser, input: &[u8], chunk: usize) -> (Vec<String>, Option<FrameError>) {
        let mut out = Vec::new();
        for part in input.chunks(chunk.max(1)) {
            let mut off = 0;
            loop {
                let (n, r) = p.feed(&part[off..]);
                assert!(off + n <= part.len());
                off += n;
                match r {
                    Ok(Some(f)) => out.push(format!("{f:?}")),
                    Ok(None) => {
                        assert_eq!(off, part.len(), "None before the end of the input");
                        break;
                    }
                    Err(e @ FrameError::Stream { .. }) => out.push(format!("{e:?}")),
                    Err(e) => {
                        // sticky
                        assert_eq!(p.feed(&[0; 9]), (0, Err(e)));
                        return (out, Some(e));
                    }
                }
            }
        }
        (out, None)
    }

    /// A parser past its preface and first SETTINGS.
    fn ready(role: Role) -> FrameParser {
        let mut p = FrameParser::new(role, false);
        let mut s = Vec::new();
        write_settings(&mut s, &Settings::default());
        let (n, r) = p.feed(&s);
        assert_eq!(n, 9);
        assert!(matches!(r, Ok(Some(Frame::Settings { ack: false, .. }))));
        p
    }

    /// The one result of feeding a single frame to a ready parser.
    fn one(role: Role, bytes: &[u8]) -> Result<String, FrameError> {
        let mut p = ready(role);
        let (frames, err) = run(&mut p, bytes, bytes.len());
        match err {
            Some(e) => {
                assert!(frames.is_empty(), "{frames:?}");
                Err(e)
            }
            None => {
                assert_eq!(frames.len(), 1, "{frames:?}");
                Ok(frames.into_iter().next().unwrap())
            }
        }
    }

    fn raw(len: usize, kind: u8, flags: u8, sid: u32, payload: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        write_frame_header(&mut v, len, kind, flags, sid);
        v.extend_from_slice(payload);
        v
    }

    fn conn_err(r: Result<String, FrameError>, code: ErrorCode) {
        match r {
            Err(FrameError::Connection { code: c, .. }) => assert_eq!(c, code),
            other => panic!("expected connection error {code}, got {other:?}"),
        }
    }

    fn stream_err(r: Result<String, FrameError>, sid: u32, code: ErrorCode) {
        let s = r.expect("a stream error is not a connection error");
        assert_eq!(
            s,
            format!(
                "{:?}",
                FrameError::Stream {
                    stream_id: sid,
                    code,
                    reason: reason_of(&s)
                }
            )
        );
    }

    fn reason_of(s: &str) -> &'static str {
        // the reasons used for stream errors
        for r in [
            "PRIORITY length not 5",
            "stream depends on itself",
            "WINDOW_UPDATE of 0",
        ] {
            if s.contains(r) {
                return r;
            }
        }
        panic!("not a stream error: {s}")
    }

    // --- constants and codecs ------------------------------------------------

    #[test]
    fn preface() {
        assert_eq!(PREFACE, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        assert_eq!(PREFACE.len(), 24);
        assert_eq!(match_preface(b""), PrefaceMatch::Partial);
        assert_eq!(match_preface(b"PRI * HTTP/2"), PrefaceMatch::Partial);
        assert_eq!(match_preface(PREFACE), PrefaceMatch::Full);
        let mut more = PREFACE.to_vec();
        more.extend_from_slice(b"\0\0\0\x04");
        assert_eq!(match_preface(&more), PrefaceMatch::Full);
        assert_eq!(match_preface(b"GET / HTTP/1.1\r\n"), PrefaceMatch::No);
        assert_eq!(match_preface(b"PRI * HTTP/1.1"), PrefaceMatch::No);
    }

    #[test]
    fn server_parser_consumes_the_preface() {
        let mut input = PREFACE.to_vec();
        write_settings(
            &mut input,
            &Settings {
                max_concurrent_streams: Some(100),
                ..Settings::default()
            },
        );
        write_ping(&mut input, false, *b"12345678");
        for chunk in [1, 2, 5, 23, 24, 25, 1000] {
            let mut p = FrameParser::new(Role::Server, true);
            let (frames, err) = run(&mut p, &input, chunk);
            assert_eq!(err, None);
            assert_eq!(frames.len(), 2, "chunk {chunk}");
            assert!(frames[0].contains("max_concurrent_streams: Some(100)"));
        }
        // bad preface, at any point
        for bad in [
            &b"GET / HTTP/1.1\r\n"[..],
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\r",
        ] {
            let mut p = FrameParser::new(Role::Server, true);
            let (_, err) = run(&mut p, bad, 3);
            assert_eq!(err.map(|e| e.code()), Some(ProtocolError));
        }
        // a client parser sees no preface, the server's SETTINGS come first
        let mut p = FrameParser::new(Role::Client, true);
        let (_, err) = run(&mut p, PREFACE, 24);
        assert_eq!(err.map(|e| e.code()), Some(FrameSizeError)); // "PRI" as a length
    }

    #[test]
    fn frame_header_codec() {
        let h = FrameHeader {
            length: 0x00ab_cdef,
            kind: 0x1,
            flags: 0x25,
            stream_id: 0x1234_5678,
        };
        let b = h.encode();
        assert_eq!(b, [0xab, 0xcd, 0xef, 0x01, 0x25, 0x12, 0x34, 0x56, 0x78]);
        assert_eq!(FrameHeader::decode(&b), h);
        // the reserved bit is ignored on receipt and never sent
        let b = [0, 0, 0, 4, 0, 0x80, 0, 0, 1];
        assert_eq!(FrameHeader::decode(&b).stream_id, 1);
        let h = FrameHeader {
            length: 0,
            kind: 0,
            flags: 0,
            stream_id: 0xffff_ffff,
        };
        assert_eq!(h.encode()[5], 0x7f);
        // 24-bit length
        let h = FrameHeader::decode(&[0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0]);
        assert_eq!(h.length, MAX_FRAME_SIZE_LIMIT);
    }

    #[test]
    fn error_codes() {
        let all = [
            (NoError, 0x0, "NO_ERROR"),
            (ProtocolError, 0x1, "PROTOCOL_ERROR"),
            (InternalError, 0x2, "INTERNAL_ERROR"),
            (FlowControlError, 0x3, "FLOW_CONTROL_ERROR"),
            (SettingsTimeout, 0x4, "SETTINGS_TIMEOUT"),
            (StreamClosed, 0x5, "STREAM_CLOSED"),
            (FrameSizeError, 0x6, "FRAME_SIZE_ERROR"),
            (RefusedStream, 0x7, "REFUSED_STREAM"),
            (Cancel, 0x8, "CANCEL"),
            (CompressionError, 0x9, "COMPRESSION_ERROR"),
            (ConnectError, 0xa, "CONNECT_ERROR"),
            (EnhanceYourCalm, 0xb, "ENHANCE_YOUR_CALM"),
            (InadequateSecurity, 0xc, "INADEQUATE_SECURITY"),
            (Http11Required, 0xd, "HTTP_1_1_REQUIRED"),
        ];
        for (c, n, name) in all {
            assert_eq!(c.as_u32(), n);
            assert_eq!(ErrorCode::from_u32(n), Some(c));
            assert_eq!(c.to_string(), name);
        }
        assert_eq!(ErrorCode::from_u32(0xe), None);
        assert_eq!(ErrorCode::from_u32(u32::MAX), None);
        let e = FrameError::Stream {
            stream_id: 3,
            code: Cancel,
            reason: "x",
        };
        assert_eq!(e.to_string(), "stream 3: CANCEL: x");
        assert!(!e.is_connection_error());
        assert_eq!(e.reason(), "x");
    }

    // --- every frame type through the writers and the parser -----------------

    fn client_stream() -> Vec<u8> {
        let mut v = Vec::new();
        write_settings(
            &mut v,
            &Settings {
                header_table_size: Some(0),
                enable_push: Some(false),
                initial_window_size: Some(MAX_WINDOW_SIZE),
                max_frame_size: Some(MAX_FRAME_SIZE_LIMIT),
                max_header_list_size: Some(8192),
                ..Settings::default()
            },
        );
        write_settings_ack(&mut v);
        write_headers(&mut v, 1, b"\x82\x84", false, false, None, None);
        write_continuation(&mut v, 1, b"\x86", false);
        write_continuation(&mut v, 1, b"\x41\x01a", true);
        write_data(&mut v, 1, b"hello", false, None);
        write_data(&mut v, 1, b"padded", false, Some(7));
        write_data(&mut v, 1, b"", true, Some(0));
        let prio = Priority {
            exclusive: true,
            dependency: 1,
            weight: 255,
        };
        write_headers(&mut v, 3, b"\x82", true, true, Some(prio), Some(3));
        write_priority(
            &mut v,
            5,
            Priority {
                exclusive: false,
                dependency: 0,
                weight: 15,
            },
        );
        write_rst_stream(&mut v, 3, Cancel);
        write_ping(&mut v, false, *b"pingpong");
        write_ping(&mut v, true, [0xff; 8]);
        write_window_update(&mut v, 0, MAX_WINDOW_SIZE);
        write_window_update(&mut v, 1, 1);
        write_goaway(&mut v, 7, EnhanceYourCalm, b"bye");
        v
    }

    #[test]
    fn all_types_round_trip_in_any_chunking() {
        let input = client_stream();
        let mut p = FrameParser::new(Role::Server, false);
        let (whole, err) = run(&mut p, &input, input.len());
        assert_eq!(err, None);
        let expected = [
            "Settings { ack: false, settings: Settings { header_table_size: Some(0), enable_push: Some(false), \
             max_concurrent_streams: None, initial_window_size: Some(2147483647), max_frame_size: Some(16777215), \
             max_header_list_size: Some(8192), enable_connect_protocol: None } }",
            "Settings { ack: true, settings: Settings { header_table_size: None, enable_push: None, \
             max_concurrent_streams: None, initial_window_size: None, max_frame_size: None, \
             max_header_list_size: None, enable_connect_protocol: None } }",
            "Headers { stream_id: 1, end_stream: false, end_headers: false, priority: None, fragment: [130, 132] }",
            "Continuation { stream_id: 1, end_headers: false, fragment: [134] }",
            "Continuation { stream_id: 1, end_headers: true, fragment: [65, 1, 97] }",
            "Data { stream_id: 1, end_stream: false, data: [104, 101, 108, 108, 111], flow_len: 5 }",
            "Data { stream_id: 1, end_stream: false, data: [112, 97, 100, 100, 101, 100], flow_len: 14 }",
            "Data { stream_id: 1, end_stream: true, data: [], flow_len: 1 }",
            "Headers { stream_id: 3, end_stream: true, end_headers: true, priority: Some(Priority { exclusive: true, \
             dependency: 1, weight: 255 }), fragment: [130] }",
            "Priority { stream_id: 5, priority: Priority { exclusive: false, dependency: 0, weight: 15 } }",
            "RstStream { stream_id: 3, error_code: 8 }",
            "Ping { ack: false, data: [112, 105, 110, 103, 112, 111, 110, 103] }",
            "Ping { ack: true, data: [255, 255, 255, 255, 255, 255, 255, 255] }",
            "WindowUpdate { stream_id: 0, increment: 2147483647 }",
            "WindowUpdate { stream_id: 1, increment: 1 }",
            "GoAway { last_stream_id: 7, error_code: 11, debug: [98, 121, 101] }",
        ];
        assert_eq!(whole, expected);
        for chunk in [1, 2, 3, 7, 9, 10, 64] {
            let mut p = FrameParser::new(Role::Server, false);
            let (frames, err) = run(&mut p, &input, chunk);
            assert_eq!(err, None);
            assert_eq!(frames, whole, "chunk {chunk}");
        }
    }

    #[test]
    fn push_promise_round_trip() {
        let mut v = Vec::new();
        write_push_promise(&mut v, 1, 2, b"\x82\x87", true, None);
        write_push_promise(&mut v, 1, 4, b"\x82", false, Some(2));
        write_continuation(&mut v, 1, b"\x84", true);
        write_headers(&mut v, 2, b"\x88", false, true, None, None);
        let mut p = ready(Role::Client);
        let (frames, err) = run(&mut p, &v, 5);
        assert_eq!(err, None);
        assert_eq!(
            frames,
            [
                "PushPromise { stream_id: 1, end_headers: true, promised_id: 2, fragment: [130, 135] }",
                "PushPromise { stream_id: 1, end_headers: false, promised_id: 4, fragment: [130] }",
                "Continuation { stream_id: 1, end_headers: true, fragment: [132] }",
                // a client accepts HEADERS on a pushed (even) stream
                "Headers { stream_id: 2, end_stream: false, end_headers: true, priority: None, fragment: [136] }",
            ]
        );
    }

    #[test]
    fn unknown_flags_are_ignored() {
        // DATA with every flag but PADDED
        let r = one(Role::Server, &raw(2, kind::DATA, !flag::PADDED, 1, b"ab")).unwrap();
        assert_eq!(
            r,
            "Data { stream_id: 1, end_stream: true, data: [97, 98], flow_len: 2 }"
        );
        // PING with flags other than ACK
        let r = one(Role::Server, &raw(8, kind::PING, 0xfe, 0, &[0; 8])).unwrap();
        assert!(r.starts_with("Ping { ack: false"));
        // PRIORITY: 0x08 is not PADDED for it
        let r = one(
            Role::Server,
            &raw(5, kind::PRIORITY, 0xff, 3, &[0, 0, 0, 1, 7]),
        )
        .unwrap();
        assert!(r.starts_with("Priority { stream_id: 3"));
    }

    // --- parser-level rules ----------------------------------------------------

    #[test]
    fn first_frame_must_be_settings() {
        let mut p = FrameParser::new(Role::Server, false);
        let mut v = Vec::new();
        write_ping(&mut v, false, [0; 8]);
        assert_eq!(
            run(&mut p, &v, 100).1.map(|e| e.code()),
            Some(ProtocolError)
        );
        let mut p = FrameParser::new(Role::Client, false);
        let mut v = Vec::new();
        write_settings_ack(&mut v);
        assert_eq!(
            run(&mut p, &v, 100).1.map(|e| e.code()),
            Some(ProtocolError)
        );
        // not even an unknown frame may come first
        let mut p = FrameParser::new(Role::Client, false);
        assert_eq!(
            run(&mut p, &raw(0, 0x20, 0, 0, b""), 100)
                .1
                .map(|e| e.code()),
            Some(ProtocolError)
        );
    }

    #[test]
    fn max_frame_size_bounds_every_frame() {
        let big = vec![0u8; 16385];
        conn_err(
            one(Role::Server, &raw(16385, kind::DATA, 0, 1, &big)),
            FrameSizeError,
        );
        conn_err(
            one(Role::Server, &raw(16385, 0x77, 0, 1, &big)),
            FrameSizeError,
        );
        assert!(one(Role::Server, &raw(16384, kind::DATA, 0, 1, &big[..16384])).is_ok());
        // the error comes from the header: no payload needed
        let mut p = ready(Role::Server);
        let hdr = raw(MAX_FRAME_SIZE_LIMIT as usize, kind::DATA, 0, 1, b"");
        let (n, r) = p.feed(&hdr);
        assert_eq!(n, 9);
        assert_eq!(r.unwrap_err().code(), FrameSizeError);
        // raised limit
        let mut p = ready(Role::Server);
        p.set_max_frame_size(20000);
        assert_eq!(p.max_frame_size(), 20000);
        let (frames, err) = run(&mut p, &raw(16385, kind::DATA, 0, 1, &big), 1000);
        assert_eq!((frames.len(), err), (1, None));
        // clamped to the legal range
        p.set_max_frame_size(1);
        assert_eq!(p.max_frame_size(), DEFAULT_MAX_FRAME_SIZE);
        p.set_max_frame_size(u32::MAX);
        assert_eq!(p.max_frame_size(), MAX_FRAME_SIZE_LIMIT);
    }

    #[test]
    fn whole_frames_borrow_the_input_and_partial_ones_are_bounded() {
        let mut p = ready(Role::Server);
        let input = raw(5, kind::DATA, 0, 1, b"hello");
        let range = input.as_ptr_range();
        match p.feed(&input) {
            (14, Ok(Some(Frame::Data { data, .. }))) => {
                assert!(
                    range.contains(&data.as_ptr()),
                    "not borrowed from the input"
                )
            }
            other => panic!("{other:?}"),
        }
        // a 16384-octet frame trickling in: buffered grows to the frame and
        // no further, then is released
        let payload: Vec<u8> = (0..16384).map(|i| i as u8).collect();
        let input = raw(16384, kind::DATA, 0, 1, &payload);
        let mut max_seen = 0;
        let mut got = None;
        for part in input.chunks(1000) {
            let (n, r) = p.feed(part);
            assert_eq!(n, part.len());
            match r {
                Ok(None) => {}
                Ok(Some(Frame::Data { data, .. })) => got = Some(data.to_vec()),
                other => panic!("{other:?}"),
            }
            max_seen = max_seen.max(p.buffered());
            assert!(p.buf.capacity() <= 16384, "capacity {}", p.buf.capacity());
        }
        assert_eq!(got.as_deref(), Some(&payload[..]));
        assert!(max_seen <= 16384 && max_seen > 15000);
        assert_eq!(p.buffered(), 0);
        let empty = raw(0, kind::DATA, 1, 1, b"");
        let (n, r) = p.feed(&empty);
        assert_eq!(n, 9);
        assert!(matches!(
            r,
            Ok(Some(Frame::Data {
                end_stream: true,
                ..
            }))
        ));
    }

    #[test]
    fn unknown_frames_are_skipped_without_buffering() {
        let mut input = raw(10000, 0xfa, 0xff, 9, &[0xaa; 10000]);
        write_ping(&mut input, false, *b"afterwds");
        for chunk in [1, 100, 4096, input.len()] {
            let mut p = ready(Role::Server);
            let mut frames = Vec::new();
            for part in input.chunks(chunk) {
                let mut off = 0;
                loop {
                    let (n, r) = p.feed(&part[off..]);
                    off += n;
                    match r {
                        Ok(Some(f)) => frames.push(format!("{f:?}")),
                        Ok(None) => break,
                        Err(e) => panic!("{e}"),
                    }
                }
                assert!(p.buffered() <= 8, "buffered {}", p.buffered());
            }
            assert_eq!(frames.len(), 1, "chunk {chunk}");
            assert!(frames[0].starts_with("Ping"));
        }
        // parse_frame reports them as None
        let h = FrameHeader {
            length: 1,
            kind: 0x10,
            flags: 0,
            stream_id: 0,
        };
        assert_eq!(parse_frame(&h, b"x", Role::Server), Ok(None));
    }

    #[test]
    fn continuation_sequencing() {
        let mut ok = Vec::new();
        write_headers(&mut ok, 1, b"\x82", false, false, None, None);
        assert_eq!(
            {
                let mut p = ready(Role::Server);
                let _ = run(&mut p, &ok, 100);
                p.expecting_continuation()
            },
            Some(1)
        );
        let interruptions: [(&str, Vec<u8>); 5] = [
            ("ping", {
                let mut v = Vec::new();
                write_ping(&mut v, false, [0; 8]);
                v
            }),
            ("other stream", {
                let mut v = Vec::new();
                write_continuation(&mut v, 3, b"", true);
                v
            }),
            ("unknown type", raw(0, 0x42, 0, 1, b"")),
            ("data", raw(0, kind::DATA, 0, 1, b"")),
            ("headers", {
                let mut v = Vec::new();
                write_headers(&mut v, 3, b"\x82", false, true, None, None);
                v
            }),
        ];
        for (what, frame) in interruptions {
            let mut input = ok.clone();
            input.extend_from_slice(&frame);
            let mut p = ready(Role::Server);
            let (frames, err) = run(&mut p, &input, 100);
            assert_eq!(frames.len(), 1, "{what}");
            assert_eq!(err.map(|e| e.code()), Some(ProtocolError), "{what}");
        }
        // CONTINUATION out of the blue, and after a completed block
        let mut v = Vec::new();
        write_continuation(&mut v, 1, b"", true);
        conn_err(one(Role::Server, &v), ProtocolError);
        let mut input = Vec::new();
        write_headers(&mut input, 1, b"\x82", false, true, None, None);
        write_continuation(&mut input, 1, b"", true);
        let mut p = ready(Role::Server);
        let (frames, err) = run(&mut p, &input, 100);
        assert_eq!(frames.len(), 1);
        assert_eq!(err.map(|e| e.code()), Some(ProtocolError));
        // a proper sequence clears the expectation
        let mut input = ok.clone();
        write_continuation(&mut input, 1, b"", false);
        write_continuation(&mut input, 1, b"\x84", true);
        write_ping(&mut input, false, [0; 8]);
        let mut p = ready(Role::Server);
        let (frames, err) = run(&mut p, &input, 100);
        assert_eq!((frames.len(), err), (4, None));
        assert_eq!(p.expecting_continuation(), None);
    }

    #[test]
    fn header_block_splitting() {
        let block: Vec<u8> = (0..40000u32).map(|i| (i % 251) as u8).collect();
        let mut v = Vec::new();
        write_header_block(&mut v, 1, &block, true, 16384);
        let mut p = ready(Role::Server);
        let mut got = Vec::new();
        let mut ends = Vec::new();
        let mut off = 0;
        loop {
            let (n, r) = p.feed(&v[off..]);
            off += n;
            match r.unwrap() {
                Some(Frame::Headers {
                    end_stream,
                    end_headers,
                    fragment,
                    ..
                }) => {
                    assert!(end_stream);
                    assert_eq!(fragment.len(), 16384);
                    ends.push(end_headers);
                    got.extend_from_slice(fragment);
                }
                Some(Frame::Continuation {
                    end_headers,
                    fragment,
                    ..
                }) => {
                    ends.push(end_headers);
                    got.extend_from_slice(fragment);
                }
                Some(f) => panic!("{f:?}"),
                None => break,
            }
        }
        assert_eq!(got, block);
        assert_eq!(ends, [false, false, true]);
        // small and empty blocks: one HEADERS with END_HEADERS
        for b in [&b""[..], b"\x82"] {
            let mut v = Vec::new();
            write_header_block(&mut v, 3, b, false, 16384);
            assert_eq!(v.len(), 9 + b.len());
            assert_eq!(v[4], flag::END_HEADERS);
        }
    }

    #[test]
    fn stream_errors_let_parsing_continue() {
        let mut input = raw(4, kind::PRIORITY, 0, 3, &[0, 0, 0, 1]);
        input.extend(raw(5, kind::PRIORITY, 0, 3, &[0, 0, 0, 3, 0]));
        input.extend(raw(4, kind::WINDOW_UPDATE, 0, 3, &[0x80, 0, 0, 0]));
        write_ping(&mut input, false, [1; 8]);
        for chunk in [1, 4, 100] {
            let mut p = ready(Role::Server);
            let (frames, err) = run(&mut p, &input, chunk);
            assert_eq!(err, None);
            assert_eq!(frames.len(), 4);
            stream_err(Ok(frames[0].clone()), 3, FrameSizeError);
            stream_err(Ok(frames[1].clone()), 3, ProtocolError);
            stream_err(Ok(frames[2].clone()), 3, ProtocolError);
            assert!(frames[3].starts_with("Ping"));
        }
    }

    // --- per-type rules --------------------------------------------------------

    #[test]
    fn fixed_lengths() {
        for (k, sid, good) in [
            (kind::PING, 0, 8),
            (kind::WINDOW_UPDATE, 1, 4),
            (kind::WINDOW_UPDATE, 0, 4),
            (kind::RST_STREAM, 1, 4),
        ] {
            for len in [0, good - 1, good + 1] {
                conn_err(
                    one(Role::Server, &raw(len, k, 0, sid, &vec![1; len])),
                    FrameSizeError,
                );
            }
            assert!(one(Role::Server, &raw(good, k, 0, sid, &vec![1; good])).is_ok());
        }
        // PRIORITY: a stream error
        for len in [0, 4, 6] {
            stream_err(
                one(Role::Server, &raw(len, kind::PRIORITY, 0, 5, &vec![0; len])),
                5,
                FrameSizeError,
            );
        }
        // GOAWAY: at least 8
        conn_err(
            one(Role::Server, &raw(7, kind::GOAWAY, 0, 0, &[0; 7])),
            FrameSizeError,
        );
        let r = one(
            Role::Server,
            &raw(8, kind::GOAWAY, 0, 0, &[0x80, 0, 0, 5, 0, 0, 1, 0]),
        )
        .unwrap();
        // reserved bit masked, unknown error code kept as is
        assert_eq!(
            r,
            "GoAway { last_stream_id: 5, error_code: 256, debug: [] }"
        );
        // RST_STREAM with an unknown code
        let r = one(Role::Server, &raw(4, kind::RST_STREAM, 0, 1, &[0xff; 4])).unwrap();
        assert_eq!(r, "RstStream { stream_id: 1, error_code: 4294967295 }");
    }

    #[test]
    fn stream_zero_rules() {
        let p5 = [0, 0, 0, 0, 16];
        for (k, len, payload) in [
            (kind::DATA, 0, &b""[..]),
            (kind::HEADERS, 1, b"\x82"),
            (kind::PRIORITY, 5, &p5[..]),
            (kind::RST_STREAM, 4, &[0, 0, 0, 8][..]),
            (kind::CONTINUATION, 0, b""),
        ] {
            let h = FrameHeader {
                length: len,
                kind: k,
                flags: flag::END_HEADERS,
                stream_id: 0,
            };
            assert_eq!(
                parse_frame(&h, payload, Role::Server).unwrap_err().code(),
                ProtocolError,
                "type {k}"
            );
        }
        conn_err(
            one(
                Role::Client,
                &raw(4, kind::PUSH_PROMISE, 4, 0, &[0, 0, 0, 2]),
            ),
            ProtocolError,
        );
        for (k, len) in [(kind::SETTINGS, 0), (kind::PING, 8), (kind::GOAWAY, 8)] {
            conn_err(
                one(Role::Server, &raw(len, k, 0, 1, &vec![0; len])),
                ProtocolError,
            );
        }
        // WINDOW_UPDATE is fine on both
        assert!(one(
            Role::Server,
            &raw(4, kind::WINDOW_UPDATE, 0, 0, &[0, 0, 0, 1])
        )
        .is_ok());
        assert!(one(
            Role::Server,
            &raw(4, kind::WINDOW_UPDATE, 0, 7, &[0, 0, 0, 1])
        )
        .is_ok());
    }

    #[test]
    fn window_update_increment() {
        conn_err(
            one(Role::Server, &raw(4, kind::WINDOW_UPDATE, 0, 0, &[0; 4])),
            ProtocolError,
        );
        stream_err(
            one(Role::Server, &raw(4, kind::WINDOW_UPDATE, 0, 1, &[0; 4])),
            1,
            ProtocolError,
        );
        // the reserved bit is ignored
        let r = one(Role::Server, &raw(4, kind::WINDOW_UPDATE, 0, 1, &[0xff; 4])).unwrap();
        assert_eq!(r, "WindowUpdate { stream_id: 1, increment: 2147483647 }");
    }

    #[test]
    fn priority_self_dependency() {
        stream_err(
            one(
                Role::Server,
                &raw(5, kind::PRIORITY, 0, 3, &[0x80, 0, 0, 3, 0]),
            ),
            3,
            ProtocolError,
        );
        // in HEADERS the frame is still delivered (its block must reach HPACK)
        let mut v = Vec::new();
        let prio = Priority {
            exclusive: false,
            dependency: 3,
            weight: 0,
        };
        write_headers(&mut v, 3, b"\x82", true, true, Some(prio), None);
        let mut p = ready(Role::Server);
        match p.feed(&v).1 {
            Ok(Some(Frame::Headers {
                priority: Some(pr), ..
            })) => assert!(pr.is_self_dependent(3)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn padding() {
        // DATA: pad = payload - 1 leaves no data; more is an error
        let r = one(
            Role::Server,
            &raw(4, kind::DATA, flag::PADDED, 1, &[3, 0, 0, 0]),
        )
        .unwrap();
        assert_eq!(
            r,
            "Data { stream_id: 1, end_stream: false, data: [], flow_len: 4 }"
        );
        conn_err(
            one(
                Role::Server,
                &raw(4, kind::DATA, flag::PADDED, 1, &[4, 0, 0, 0]),
            ),
            ProtocolError,
        );
        conn_err(
            one(Role::Server, &raw(1, kind::DATA, flag::PADDED, 1, &[255])),
            ProtocolError,
        );
        // no room for the pad length octet
        conn_err(
            one(Role::Server, &raw(0, kind::DATA, flag::PADDED, 1, b"")),
            FrameSizeError,
        );
        // padding octets are not inspected (RFC 9113 6.1: a MAY)
        let r = one(
            Role::Server,
            &raw(3, kind::DATA, flag::PADDED, 1, &[1, b'x', 9]),
        )
        .unwrap();
        assert!(r.contains("data: [120]"));
        // HEADERS: the padding must fit after the priority fields
        let fl = flag::PADDED | flag::PRIORITY | flag::END_HEADERS;
        let r = one(
            Role::Server,
            &raw(8, kind::HEADERS, fl, 1, &[2, 0, 0, 0, 0, 9, 0x82, 0]),
        )
        .unwrap();
        assert!(r.contains("fragment: []"), "{r}");
        conn_err(
            one(
                Role::Server,
                &raw(8, kind::HEADERS, fl, 1, &[3, 0, 0, 0, 0, 9, 0, 0]),
            ),
            ProtocolError,
        );
        conn_err(
            one(
                Role::Server,
                &raw(5, kind::HEADERS, fl, 1, &[0, 0, 0, 0, 0]),
            ),
            FrameSizeError,
        );
        conn_err(
            one(
                Role::Server,
                &raw(
                    4,
                    kind::HEADERS,
                    flag::PRIORITY | flag::END_HEADERS,
                    1,
                    &[0; 4],
                ),
            ),
            FrameSizeError,
        );
        conn_err(
            one(
                Role::Server,
                &raw(0, kind::HEADERS, flag::PADDED | flag::END_HEADERS, 1, b""),
            ),
            FrameSizeError,
        );
        // PUSH_PROMISE: after the promised stream id
        let fl = flag::PADDED | flag::END_HEADERS;
        let r = one(
            Role::Client,
            &raw(6, kind::PUSH_PROMISE, fl, 1, &[1, 0, 0, 0, 2, 0]),
        )
        .unwrap();
        assert!(r.contains("promised_id: 2, fragment: []"), "{r}");
        conn_err(
            one(
                Role::Client,
                &raw(6, kind::PUSH_PROMISE, fl, 1, &[2, 0, 0, 0, 2, 0]),
            ),
            ProtocolError,
        );
        conn_err(
            one(
                Role::Client,
                &raw(4, kind::PUSH_PROMISE, fl, 1, &[0, 0, 0, 2]),
            ),
            FrameSizeError,
        );
        conn_err(
            one(
                Role::Client,
                &raw(3, kind::PUSH_PROMISE, flag::END_HEADERS, 1, &[0, 0, 0]),
            ),
            FrameSizeError,
        );
        // written padding round-trips (see all_types_round_trip too)
        let mut v = Vec::new();
        write_data(&mut v, 1, b"abc", true, Some(255));
        assert_eq!(v.len(), 9 + 1 + 3 + 255);
        let r = one(Role::Server, &v).unwrap();
        assert_eq!(
            r,
            "Data { stream_id: 1, end_stream: true, data: [97, 98, 99], flow_len: 259 }"
        );
    }

    #[test]
    fn role_rules() {
        // a client does not push
        let mut v = Vec::new();
        write_push_promise(&mut v, 1, 2, b"\x82", true, None);
        conn_err(one(Role::Server, &v), ProtocolError);
        // client streams are odd
        let mut v = Vec::new();
        write_headers(&mut v, 2, b"\x82", true, true, None, None);
        conn_err(one(Role::Server, &v), ProtocolError);
        assert!(one(Role::Client, &v).is_ok());
        // promised streams are even and not 0
        for promised in [0u32, 3] {
            let mut v = Vec::new();
            write_push_promise(&mut v, 1, promised, b"", true, None);
            conn_err(one(Role::Client, &v), ProtocolError);
        }
    }

    // --- SETTINGS ----------------------------------------------------------------

    fn settings_frame(params: &[(u16, u32)]) -> Vec<u8> {
        let mut payload = Vec::new();
        for &(id, v) in params {
            payload.extend_from_slice(&id.to_be_bytes());
            payload.extend_from_slice(&v.to_be_bytes());
        }
        let mut v = raw(payload.len(), kind::SETTINGS, 0, 0, &payload);
        // parse as a first frame
        v.shrink_to_fit();
        v
    }

    fn first(role: Role, bytes: &[u8]) -> Result<String, FrameError> {
        let mut p = FrameParser::new(role, false);
        let (frames, err) = run(&mut p, bytes, bytes.len());
        match err {
            Some(e) => Err(e),
            None => Ok(frames.concat()),
        }
    }

    #[test]
    fn settings_values_are_checked() {
        use setting::*;
        let ok = |params: &[(u16, u32)]| first(Role::Server, &settings_frame(params)).unwrap();
        let bad = |params: &[(u16, u32)], code| {
            conn_err(first(Role::Server, &settings_frame(params)), code)
        };
        ok(&[(ENABLE_PUSH, 0), (ENABLE_PUSH, 1)]);
        bad(&[(ENABLE_PUSH, 2)], ProtocolError);
        ok(&[(INITIAL_WINDOW_SIZE, MAX_WINDOW_SIZE)]);
        bad(
            &[(INITIAL_WINDOW_SIZE, MAX_WINDOW_SIZE + 1)],
            FlowControlError,
        );
        ok(&[
            (MAX_FRAME_SIZE, 16384),
            (MAX_FRAME_SIZE, MAX_FRAME_SIZE_LIMIT),
        ]);
        bad(&[(MAX_FRAME_SIZE, 16383)], ProtocolError);
        bad(&[(MAX_FRAME_SIZE, MAX_FRAME_SIZE_LIMIT + 1)], ProtocolError);
        ok(&[(ENABLE_CONNECT_PROTOCOL, 0), (ENABLE_CONNECT_PROTOCOL, 1)]);
        bad(&[(ENABLE_CONNECT_PROTOCOL, 2)], ProtocolError);
        // any value for these
        ok(&[
            (HEADER_TABLE_SIZE, u32::MAX),
            (MAX_CONCURRENT_STREAMS, 0),
            (MAX_HEADER_LIST_SIZE, u32::MAX),
        ]);
        // unknown identifiers ignored, whatever the value; later wins
        let r = ok(&[
            (0, 5),
            (7, u32::MAX),
            (9, 99),
            (0xffff, 1),
            (MAX_CONCURRENT_STREAMS, 10),
            (MAX_CONCURRENT_STREAMS, 20),
        ]);
        assert!(r.contains("max_concurrent_streams: Some(20)"), "{r}");
        assert!(r.contains("header_table_size: None"), "{r}");
        // shape
        conn_err(
            first(Role::Server, &raw(5, kind::SETTINGS, 0, 0, &[0; 5])),
            FrameSizeError,
        );
        conn_err(
            first(Role::Server, &raw(6, kind::SETTINGS, 0, 1, &[0; 6])),
            ProtocolError,
        );
        conn_err(
            one(Role::Server, &raw(6, kind::SETTINGS, flag::ACK, 0, &[0; 6])),
            FrameSizeError,
        );
        // a server may not enable push at the client
        conn_err(
            first(Role::Client, &settings_frame(&[(ENABLE_PUSH, 1)])),
            ProtocolError,
        );
        assert!(first(Role::Client, &settings_frame(&[(ENABLE_PUSH, 0)])).is_ok());
        // Settings::parse alone
        assert_eq!(
            Settings::parse(&[0, 4, 0, 0, 0, 1])
                .unwrap()
                .initial_window_size,
            Some(1)
        );
        assert!(Settings::parse(&[0; 7]).is_err());
    }

    #[test]
    fn settings_encode_parse() {
        let s = Settings {
            header_table_size: Some(1),
            enable_push: Some(true),
            max_concurrent_streams: Some(3),
            initial_window_size: Some(4),
            max_frame_size: Some(16385),
            max_header_list_size: Some(6),
            enable_connect_protocol: Some(true),
        };
        let mut payload = Vec::new();
        s.encode(&mut payload);
        assert_eq!(payload.len(), s.encoded_len());
        assert_eq!(payload.len(), 42);
        assert_eq!(&payload[36..], &[0, 8, 0, 0, 0, 1]);
        assert_eq!(Settings::parse(&payload), Ok(s));
        assert_eq!(Settings::default().encoded_len(), 0);
    }

    #[test]
    fn settings_values_apply() {
        let mut v = SettingsValues::default();
        assert_eq!(v.initial_window_size, 65535);
        assert_eq!(v.max_frame_size, 16384);
        assert_eq!(v.header_table_size, 4096);
        assert!(v.enable_push);
        assert_eq!(v.max_concurrent_streams, None);
        v.apply(&Settings {
            enable_connect_protocol: Some(true),
            max_concurrent_streams: Some(100),
            initial_window_size: Some(0),
            ..Settings::default()
        })
        .unwrap();
        assert_eq!(v.max_concurrent_streams, Some(100));
        assert_eq!(v.initial_window_size, 0);
        assert!(v.enable_connect_protocol);
        v.apply(&Settings {
            enable_connect_protocol: Some(true),
            ..Settings::default()
        })
        .unwrap();
        // RFC 8441 3: no going back from 1 to 0
        let before = v;
        let e = v
            .apply(&Settings {
                enable_connect_protocol: Some(false),
                max_frame_size: Some(20000),
                ..Settings::default()
            })
            .unwrap_err();
        assert_eq!(e.code(), ProtocolError);
        assert_eq!(v, before);
    }

    // --- hostile input ---------------------------------------------------------

    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u32 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) as u32
        }
    }

    #[test]
    fn random_input_never_panics_and_chunking_does_not_matter() {
        let mut rng = Lcg(3);
        let valid = client_stream();
        for round in 0..3000 {
            let role = if round % 2 == 0 {
                Role::Server
            } else {
                Role::Client
            };
            // a valid start, then random frames with plausible headers
            let mut input = Vec::new();
            write_settings(&mut input, &Settings::default());
            if round % 3 == 0 {
                input.extend_from_slice(&valid[..(rng.next() as usize) % valid.len()]);
            }
            for _ in 0..(rng.next() % 6) {
                let len = (rng.next() % 20) as usize;
                let k = (rng.next() % 12) as u8;
                let flags = rng.next() as u8;
                let sid = rng.next() % 4;
                input.extend(raw(len, k, flags, sid, &[]));
                for _ in 0..len {
                    input.push(rng.next() as u8);
                }
            }
            let cut = (rng.next() as usize) % (input.len() + 1);
            let mut p1 = FrameParser::new(role, false);
            let whole = run(&mut p1, &input[..cut], cut.max(1));
            let chunk = 1 + (rng.next() % 13) as usize;
            let mut p2 = FrameParser::new(role, false);
            let chunked = run(&mut p2, &input[..cut], chunk);
            assert_eq!(whole, chunked, "round {round}");
            assert!(p2.buffered() <= DEFAULT_MAX_FRAME_SIZE as usize);
        }
    }
}
