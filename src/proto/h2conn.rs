//! Sans-I/O HTTP/2 connection (RFC 9113) on top of [`super::h2frame`] and
//! [`super::hpack`]: stream states, flow control in both directions, the
//! SETTINGS/PING/GOAWAY exchange, the request and response message rules
//! of RFC 9113 section 8, and bounds against the known floods.
//!
//! Bytes received go to [`H2Conn::feed`], which returns [`H2Event`]s and
//! queues what the protocol itself must answer (SETTINGS ACK, PING ACK,
//! WINDOW_UPDATE, RST_STREAM, GOAWAY); [`H2Conn::take_output`] hands those
//! and everything the `send_*` methods framed to the caller's socket.
//!
//! Bounds (each answered with the RFC's error, never with unbounded work):
//! - header blocks: at most `max_header_block` octets and
//!   `MAX_CONTINUATIONS` CONTINUATION frames (the CONTINUATION flood);
//!   decoded lists above `max_header_list_size` reset the stream;
//! - peer resets: beyond `MAX_PEER_RESETS` resets that outnumber the
//!   streams that completed, GOAWAY ENHANCE_YOUR_CALM (rapid reset);
//! - control frames that need an answer (SETTINGS, PING) while our output
//!   is not taken: beyond `MAX_PENDING_OUTPUT` octets, ENHANCE_YOUR_CALM;
//! - flow-control windows above 2^31-1: FLOW_CONTROL_ERROR;
//! - streams beyond our SETTINGS_MAX_CONCURRENT_STREAMS: REFUSED_STREAM.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;

use super::h2frame::{
    self, ErrorCode, Frame, FrameError, FrameParser, Role, Settings, SettingsValues,
    MAX_WINDOW_SIZE,
};
use super::hpack::{self, Field, Header, HpackError};

/// CONTINUATION frames one header block may take.
const MAX_CONTINUATIONS: usize = 64;
/// Peer resets tolerated before the rapid-reset rule applies.
const MAX_PEER_RESETS: u32 = 100;
/// Output not yet taken by the caller beyond which answering control
/// frames stops (the peer is not reading).
const MAX_PENDING_OUTPUT: usize = 4 * 1024 * 1024;

/// Our side's settings and limits.
#[derive(Debug, Clone, Copy)]
pub struct H2Config {
    pub header_table_size: u32,
    pub max_concurrent_streams: u32,
    pub initial_window_size: u32,
    pub max_frame_size: u32,
    pub max_header_list_size: u32,
    /// RFC 8441 extended CONNECT (WebSockets over HTTP/2).
    pub enable_connect_protocol: bool,
    /// Largest header block (HEADERS + CONTINUATIONs, compressed).
    pub max_header_block: usize,
}

impl Default for H2Config {
    fn default() -> Self {
        H2Config {
            header_table_size: 4096,
            max_concurrent_streams: 100,
            initial_window_size: 65_535,
            max_frame_size: 16_384,
            max_header_list_size: 16_384,
            enable_connect_protocol: true,
            max_header_block: 64 * 1024,
        }
    }
}

/// What the connection tells its user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum H2Event {
    /// A request (server) or response (client) header block; `end_stream`:
    /// no body follows. Pseudo-headers come first, checked per RFC 9113 8.
    Headers {
        stream_id: u32,
        headers: Vec<Header>,
        end_stream: bool,
    },
    /// Trailers, ending the stream.
    Trailers {
        stream_id: u32,
        headers: Vec<Header>,
    },
    /// Body bytes; `end_stream` on the last. Call [`H2Conn::consumed`]
    /// when they are processed, to reopen the window.
    Data {
        stream_id: u32,
        data: Vec<u8>,
        end_stream: bool,
    },
    /// The stream ended abnormally: reset by the peer, or by us for a
    /// stream-level error (`by_peer` false).
    Reset {
        stream_id: u32,
        code: ErrorCode,
        by_peer: bool,
    },
    /// The peer is going away; streams above `last_stream_id` were not
    /// processed.
    GoAway {
        last_stream_id: u32,
        code: ErrorCode,
    },
    /// Send window grew on a stream (0: the connection).
    WindowUpdate { stream_id: u32 },
    /// The peer acknowledged our SETTINGS.
    SettingsAcked,
    /// The peer's SETTINGS arrived (and were applied).
    PeerSettings,
}

/// The connection is over: a GOAWAY with `code` was queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnError {
    pub code: ErrorCode,
    pub reason: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StreamState {
    Open,
    /// the peer ended its side
    HalfClosedRemote,
    /// we ended our side
    HalfClosedLocal,
}

#[derive(Debug)]
struct Stream {
    state: StreamState,
    send_window: i64,
    recv_window: i64,
    /// request/response headers seen (the next block is trailers)
    got_headers: bool,
    /// content-length announced, and DATA received so far
    content_length: Option<u64>,
    received: u64,
    /// received DATA processed but not yet credited back
    unacked: u32,
}

/// A header block being collected.
struct Block {
    stream_id: u32,
    end_stream: bool,
    bytes: Vec<u8>,
    frames: usize,
    /// the stream is refused (or to be reset) once the block is decoded
    refuse: Option<ErrorCode>,
}

pub struct H2Conn {
    role: Role,
    cfg: H2Config,
    parser: FrameParser,
    decoder: hpack::Decoder,
    encoder: hpack::Encoder,
    /// our settings as the peer acknowledged them, and the peer's
    ours: SettingsValues,
    peer: SettingsValues,
    ours_pending: Option<SettingsValues>,
    streams: BTreeMap<u32, Stream>,
    /// highest stream id the peer opened, and the next we may open
    last_peer_stream: u32,
    next_local_stream: u32,
    conn_send_window: i64,
    conn_recv_window: i64,
    /// received DATA not yet credited back with WINDOW_UPDATE
    conn_unacked: u32,
    block: Option<Block>,
    out: Vec<u8>,
    goaway_sent: bool,
    goaway_received: bool,
    peer_resets: u32,
    completed: u32,
    failed: Option<ConnError>,
}

impl H2Conn {
    /// A server connection; our SETTINGS are queued. `expect_preface`:
    /// the client preface is still to come (false after an h2c upgrade
    /// consumed it).
    pub fn server(cfg: H2Config, expect_preface: bool) -> Self {
        let mut c = Self::new(Role::Server, cfg, expect_preface);
        c.next_local_stream = 2;
        c
    }

    /// A server connection after an HTTP/1.1 `Upgrade: h2c` (RFC 7540
    /// 3.2): `settings` is the decoded HTTP2-Settings payload, and the
    /// upgrading request is stream 1, already complete on the client's
    /// side. The client preface is still to come.
    pub fn server_upgraded(cfg: H2Config, settings: &[u8]) -> Result<Self, &'static str> {
        let mut c = Self::server(cfg, true);
        let s = Settings::parse(settings).map_err(|_| "bad HTTP2-Settings")?;
        c.peer.apply(&s).map_err(|_| "bad HTTP2-Settings")?;
        if let Some(n) = s.header_table_size {
            c.encoder.set_peer_max_table_size(n as usize);
        }
        c.streams.insert(
            1,
            Stream {
                state: StreamState::HalfClosedRemote,
                send_window: i64::from(c.peer.initial_window_size),
                recv_window: i64::from(c.ours_initial_window()),
                got_headers: true,
                content_length: None,
                received: 0,
                unacked: 0,
            },
        );
        c.last_peer_stream = 1;
        Ok(c)
    }

    /// A client connection: the preface and our SETTINGS are queued.
    pub fn client(cfg: H2Config) -> Self {
        let mut c = Self::new(Role::Client, cfg, false);
        let mut pre = h2frame::PREFACE.to_vec();
        pre.extend_from_slice(&c.out);
        c.out = pre;
        c.next_local_stream = 1;
        c
    }

    fn new(role: Role, cfg: H2Config, expect_preface: bool) -> Self {
        let mut parser = FrameParser::new(role, expect_preface);
        parser.set_max_frame_size(cfg.max_frame_size);
        let mut decoder = hpack::Decoder::new();
        decoder.set_max_header_list_size(cfg.max_header_list_size as usize);
        let wanted = SettingsValues {
            header_table_size: cfg.header_table_size,
            enable_push: false,
            max_concurrent_streams: Some(cfg.max_concurrent_streams),
            initial_window_size: cfg.initial_window_size,
            max_frame_size: cfg.max_frame_size,
            max_header_list_size: Some(cfg.max_header_list_size),
            enable_connect_protocol: cfg.enable_connect_protocol && role == Role::Server,
        };
        let mut c = H2Conn {
            role,
            cfg,
            parser,
            decoder,
            encoder: hpack::Encoder::new(4096),
            ours: SettingsValues::default(),
            peer: SettingsValues::default(),
            ours_pending: Some(wanted),
            streams: BTreeMap::new(),
            last_peer_stream: 0,
            next_local_stream: 1,
            conn_send_window: i64::from(h2frame::DEFAULT_INITIAL_WINDOW_SIZE),
            conn_recv_window: i64::from(h2frame::DEFAULT_INITIAL_WINDOW_SIZE),
            conn_unacked: 0,
            block: None,
            out: Vec::new(),
            goaway_sent: false,
            goaway_received: false,
            peer_resets: 0,
            completed: 0,
            failed: None,
        };
        let s = Settings {
            header_table_size: Some(wanted.header_table_size),
            enable_push: (role == Role::Client).then_some(false),
            max_concurrent_streams: Some(cfg.max_concurrent_streams),
            initial_window_size: Some(cfg.initial_window_size),
            max_frame_size: Some(cfg.max_frame_size),
            max_header_list_size: Some(cfg.max_header_list_size),
            enable_connect_protocol: wanted.enable_connect_protocol.then_some(true),
        };
        h2frame::write_settings(&mut c.out, &s);
        c
    }

    /// Bytes to send, in order; the buffer is left empty.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    pub fn has_output(&self) -> bool {
        !self.out.is_empty()
    }

    /// The peer's settings in force.
    pub fn peer_settings(&self) -> &SettingsValues {
        &self.peer
    }

    /// Open streams (not closed in both directions).
    pub fn open_streams(&self) -> usize {
        self.streams.len()
    }

    /// Feeds received bytes. Err: the connection is over (GOAWAY queued;
    /// send the output, then close).
    pub fn feed(&mut self, mut input: &[u8]) -> Result<Vec<H2Event>, ConnError> {
        let mut ev = Vec::new();
        if let Some(e) = self.failed {
            return Err(e);
        }
        while !input.is_empty() {
            let (used, r) = self.parser.feed(input);
            // the frame borrows the parser: copy what we keep out of it
            let owned = match r {
                Ok(Some(f)) => Ok(Some(OwnedFrame::from(f))),
                Ok(None) => Ok(None),
                Err(e) => Err(e),
            };
            input = &input[used..];
            match owned {
                Ok(Some(f)) => {
                    if let Err(e) = self.on_frame(f, &mut ev) {
                        return Err(self.fail(e));
                    }
                }
                Ok(None) => {
                    if used == 0 {
                        break;
                    }
                }
                Err(FrameError::Stream {
                    stream_id, code, ..
                }) => self.reset(stream_id, code, &mut ev),
                Err(FrameError::Connection { code, reason }) => {
                    return Err(self.fail(ConnError { code, reason }));
                }
            }
            if self.out.len() > MAX_PENDING_OUTPUT {
                return Err(self.fail(ConnError {
                    code: ErrorCode::EnhanceYourCalm,
                    reason: "peer does not read our answers",
                }));
            }
        }
        Ok(ev)
    }

    fn fail(&mut self, e: ConnError) -> ConnError {
        if self.failed.is_none() {
            self.failed = Some(e);
            if !self.goaway_sent {
                self.goaway_sent = true;
                h2frame::write_goaway(
                    &mut self.out,
                    self.last_peer_stream,
                    e.code,
                    e.reason.as_bytes(),
                );
            }
        }
        e
    }

    /// Resets a stream for a stream-level error and reports it.
    fn reset(&mut self, stream_id: u32, code: ErrorCode, ev: &mut Vec<H2Event>) {
        h2frame::write_rst_stream(&mut self.out, stream_id, code);
        if self.streams.remove(&stream_id).is_some() {
            ev.push(H2Event::Reset {
                stream_id,
                code,
                by_peer: false,
            });
        }
    }

    fn peer_initiated(&self, sid: u32) -> bool {
        match self.role {
            Role::Server => sid % 2 == 1,
            Role::Client => sid % 2 == 0,
        }
    }

    fn on_frame(&mut self, f: OwnedFrame, ev: &mut Vec<H2Event>) -> Result<(), ConnError> {
        let conn = |code, reason| ConnError { code, reason };
        match f {
            OwnedFrame::Settings { ack: true, .. } => {
                if let Some(s) = self.ours_pending.take() {
                    self.ours = s;
                    self.decoder
                        .set_max_table_size(s.header_table_size as usize);
                    ev.push(H2Event::SettingsAcked);
                }
            }
            OwnedFrame::Settings {
                ack: false,
                settings,
            } => {
                let old = self.peer.initial_window_size;
                self.peer.apply(&settings).map_err(to_conn)?;
                if let Some(n) = settings.header_table_size {
                    self.encoder.set_peer_max_table_size(n as usize);
                }
                // RFC 9113 6.9.2: the change applies to every stream
                let delta = i64::from(self.peer.initial_window_size) - i64::from(old);
                if delta != 0 {
                    for s in self.streams.values_mut() {
                        s.send_window += delta;
                        if s.send_window > i64::from(MAX_WINDOW_SIZE) {
                            return Err(conn(
                                ErrorCode::FlowControlError,
                                "window above 2^31-1 after SETTINGS",
                            ));
                        }
                    }
                }
                h2frame::write_settings_ack(&mut self.out);
                ev.push(H2Event::PeerSettings);
            }
            OwnedFrame::Ping { ack, data } => {
                if !ack {
                    h2frame::write_ping(&mut self.out, true, data);
                }
            }
            OwnedFrame::GoAway {
                last_stream_id,
                error_code,
            } => {
                self.goaway_received = true;
                ev.push(H2Event::GoAway {
                    last_stream_id,
                    code: ErrorCode::from_u32(error_code).unwrap_or(ErrorCode::InternalError),
                });
            }
            OwnedFrame::WindowUpdate {
                stream_id: 0,
                increment,
            } => {
                self.conn_send_window += i64::from(increment);
                if self.conn_send_window > i64::from(MAX_WINDOW_SIZE) {
                    return Err(conn(
                        ErrorCode::FlowControlError,
                        "connection window above 2^31-1",
                    ));
                }
                ev.push(H2Event::WindowUpdate { stream_id: 0 });
            }
            OwnedFrame::WindowUpdate {
                stream_id,
                increment,
            } => {
                if let Some(s) = self.streams.get_mut(&stream_id) {
                    s.send_window += i64::from(increment);
                    if s.send_window > i64::from(MAX_WINDOW_SIZE) {
                        self.reset(stream_id, ErrorCode::FlowControlError, ev);
                    } else {
                        ev.push(H2Event::WindowUpdate { stream_id });
                    }
                } else if self.is_idle(stream_id) {
                    return Err(conn(
                        ErrorCode::ProtocolError,
                        "WINDOW_UPDATE on idle stream",
                    ));
                }
            }
            OwnedFrame::RstStream {
                stream_id,
                error_code,
            } => {
                if self.is_idle(stream_id) {
                    return Err(conn(ErrorCode::ProtocolError, "RST_STREAM on idle stream"));
                }
                if self.streams.remove(&stream_id).is_some() {
                    ev.push(H2Event::Reset {
                        stream_id,
                        code: ErrorCode::from_u32(error_code).unwrap_or(ErrorCode::InternalError),
                        by_peer: true,
                    });
                }
                self.peer_resets += 1;
                if self.peer_resets > MAX_PEER_RESETS && self.peer_resets > self.completed {
                    return Err(conn(
                        ErrorCode::EnhanceYourCalm,
                        "too many streams reset by the peer",
                    ));
                }
            }
            OwnedFrame::Priority => {}
            OwnedFrame::PushPromise => {
                // we never enable push: a promise is a protocol error
                return Err(conn(ErrorCode::ProtocolError, "PUSH_PROMISE not enabled"));
            }
            OwnedFrame::Headers {
                stream_id,
                end_stream,
                end_headers,
                self_dependent,
                fragment,
            } => {
                self.start_block(stream_id, end_stream, self_dependent, ev)?;
                self.add_fragment(&fragment, end_headers, ev)?;
            }
            OwnedFrame::Continuation {
                stream_id,
                end_headers,
                fragment,
            } => {
                if self.block.as_ref().map(|b| b.stream_id) != Some(stream_id) {
                    return Err(conn(ErrorCode::ProtocolError, "unexpected CONTINUATION"));
                }
                self.add_fragment(&fragment, end_headers, ev)?;
            }
            OwnedFrame::Data {
                stream_id,
                end_stream,
                data,
                flow_len,
            } => self.on_data(stream_id, end_stream, data, flow_len, ev)?,
        }
        Ok(())
    }

    /// A stream id we have never seen used (neither side opened it yet).
    fn is_idle(&self, sid: u32) -> bool {
        if self.peer_initiated(sid) {
            sid > self.last_peer_stream
        } else {
            sid >= self.next_local_stream
        }
    }

    fn start_block(
        &mut self,
        sid: u32,
        end_stream: bool,
        self_dependent: bool,
        ev: &mut Vec<H2Event>,
    ) -> Result<(), ConnError> {
        let conn = |code, reason| ConnError { code, reason };
        let mut refuse = self_dependent.then_some(ErrorCode::ProtocolError);
        if let Some(s) = self.streams.get(&sid) {
            // trailers, or a response's headers (client)
            if !s.got_headers && self.role == Role::Server {
                return Err(conn(ErrorCode::ProtocolError, "second HEADERS"));
            }
            if s.state == StreamState::HalfClosedRemote {
                refuse = Some(ErrorCode::StreamClosed);
            } else if s.got_headers && !end_stream {
                // trailers must end the stream
                refuse = Some(ErrorCode::ProtocolError);
            }
        } else if self.peer_initiated(sid) && self.role == Role::Server {
            if sid <= self.last_peer_stream {
                // a stream that was closed
                return Err(conn(ErrorCode::StreamClosed, "HEADERS on a closed stream"));
            }
            self.last_peer_stream = sid;
            let open = self.streams.len() as u32;
            if self.goaway_sent || open >= self.cfg.max_concurrent_streams {
                refuse = Some(ErrorCode::RefusedStream);
            } else {
                self.streams.insert(
                    sid,
                    Stream {
                        state: StreamState::Open,
                        send_window: i64::from(self.peer.initial_window_size),
                        recv_window: i64::from(self.ours_initial_window()),
                        got_headers: false,
                        content_length: None,
                        received: 0,
                        unacked: 0,
                    },
                );
            }
        } else if self.role == Role::Client && !self.is_idle(sid) {
            // a response on a stream we already closed or reset: decode
            // for HPACK's sake, then drop
            refuse = Some(ErrorCode::StreamClosed);
        } else {
            return Err(conn(ErrorCode::ProtocolError, "HEADERS on an idle stream"));
        }
        let _ = ev;
        self.block = Some(Block {
            stream_id: sid,
            end_stream,
            bytes: Vec::new(),
            frames: 0,
            refuse,
        });
        Ok(())
    }

    fn ours_initial_window(&self) -> u32 {
        // until acknowledged, the RFC default holds for what the peer sends
        match &self.ours_pending {
            Some(p) => p.initial_window_size.min(self.ours.initial_window_size),
            None => self.ours.initial_window_size,
        }
    }

    fn add_fragment(
        &mut self,
        frag: &[u8],
        end_headers: bool,
        ev: &mut Vec<H2Event>,
    ) -> Result<(), ConnError> {
        let conn = |code, reason| ConnError { code, reason };
        let Some(b) = self.block.as_mut() else {
            return Err(conn(ErrorCode::ProtocolError, "fragment without HEADERS"));
        };
        b.frames += 1;
        if b.frames > MAX_CONTINUATIONS + 1
            || b.bytes.len() + frag.len() > self.cfg.max_header_block
        {
            return Err(conn(ErrorCode::EnhanceYourCalm, "header block too large"));
        }
        b.bytes.extend_from_slice(frag);
        if !end_headers {
            return Ok(());
        }
        let Some(b) = self.block.take() else {
            return Ok(());
        };
        let sid = b.stream_id;
        let headers = match self.decoder.decode(&b.bytes) {
            Ok(h) => h,
            Err(HpackError::HeaderListTooLarge) => {
                self.reset(sid, ErrorCode::ProtocolError, ev);
                return Ok(());
            }
            Err(_) => return Err(conn(ErrorCode::CompressionError, "bad header block")),
        };
        if let Some(code) = b.refuse {
            self.reset(sid, code, ev);
            return Ok(());
        }
        let trailers = self.streams.get(&sid).is_some_and(|s| s.got_headers);
        let checked = if trailers {
            check_trailers(&headers)
        } else if self.role == Role::Server {
            check_request(&headers, self.ours.enable_connect_protocol)
        } else {
            check_response(&headers)
        };
        let content_length = match checked {
            Ok(cl) => cl,
            Err(_) => {
                self.reset(sid, ErrorCode::ProtocolError, ev);
                return Ok(());
            }
        };
        let Some(s) = self.streams.get_mut(&sid) else {
            return Ok(());
        };
        if trailers {
            ev.push(H2Event::Trailers {
                stream_id: sid,
                headers,
            });
        } else {
            s.got_headers = true;
            s.content_length = content_length;
            ev.push(H2Event::Headers {
                stream_id: sid,
                headers,
                end_stream: b.end_stream,
            });
        }
        if b.end_stream {
            self.remote_end(sid, ev);
        }
        Ok(())
    }

    /// The peer ended its side of `sid`.
    fn remote_end(&mut self, sid: u32, ev: &mut Vec<H2Event>) {
        let Some(s) = self.streams.get_mut(&sid) else {
            return;
        };
        if let Some(cl) = s.content_length {
            if cl != s.received {
                self.reset(sid, ErrorCode::ProtocolError, ev);
                return;
            }
        }
        match s.state {
            StreamState::HalfClosedLocal => {
                self.streams.remove(&sid);
                self.completed += 1;
            }
            _ => s.state = StreamState::HalfClosedRemote,
        }
    }

    fn on_data(
        &mut self,
        sid: u32,
        end_stream: bool,
        data: Vec<u8>,
        flow_len: u32,
        ev: &mut Vec<H2Event>,
    ) -> Result<(), ConnError> {
        let conn = |code, reason| ConnError { code, reason };
        // the connection window counts every DATA frame
        self.conn_recv_window -= i64::from(flow_len);
        if self.conn_recv_window < 0 {
            return Err(conn(
                ErrorCode::FlowControlError,
                "connection window exceeded",
            ));
        }
        let Some(s) = self.streams.get_mut(&sid) else {
            if self.is_idle(sid) {
                return Err(conn(ErrorCode::ProtocolError, "DATA on an idle stream"));
            }
            // closed or reset: credit the connection back, reset the stream
            self.consumed(0, flow_len as usize);
            h2frame::write_rst_stream(&mut self.out, sid, ErrorCode::StreamClosed);
            return Ok(());
        };
        if s.state == StreamState::HalfClosedRemote || !s.got_headers {
            self.consumed(0, flow_len as usize);
            self.reset(sid, ErrorCode::StreamClosed, ev);
            return Ok(());
        }
        s.recv_window -= i64::from(flow_len);
        if s.recv_window < 0 {
            self.consumed(0, flow_len as usize);
            self.reset(sid, ErrorCode::FlowControlError, ev);
            return Ok(());
        }
        s.received += data.len() as u64;
        if s.content_length.is_some_and(|cl| s.received > cl) {
            self.consumed(0, flow_len as usize);
            self.reset(sid, ErrorCode::ProtocolError, ev);
            return Ok(());
        }
        // padding is consumed at once; the data when the user has it
        let padding = flow_len as usize - data.len();
        if padding > 0 {
            self.consumed(sid, padding);
        }
        ev.push(H2Event::Data {
            stream_id: sid,
            data,
            end_stream,
        });
        if end_stream {
            self.remote_end(sid, ev);
        }
        Ok(())
    }

    /// `n` received DATA octets on `sid` (0: only the connection) were
    /// processed: once half a window's worth is, WINDOW_UPDATE credits it
    /// back.
    pub fn consumed(&mut self, sid: u32, n: usize) {
        let n = n.min(MAX_WINDOW_SIZE as usize) as u32;
        let initial = self.ours_initial_window();
        if sid != 0 {
            if let Some(s) = self.streams.get_mut(&sid) {
                s.unacked = s.unacked.saturating_add(n);
                if s.unacked >= initial / 2 && s.state != StreamState::HalfClosedRemote {
                    s.recv_window += i64::from(s.unacked);
                    h2frame::write_window_update(&mut self.out, sid, s.unacked);
                    s.unacked = 0;
                }
            }
        }
        self.conn_unacked = self.conn_unacked.saturating_add(n);
        if self.conn_unacked >= h2frame::DEFAULT_INITIAL_WINDOW_SIZE / 2 {
            self.conn_recv_window += i64::from(self.conn_unacked);
            h2frame::write_window_update(&mut self.out, 0, self.conn_unacked);
            self.conn_unacked = 0;
        }
    }

    /// Gives the peer `n` more octets of credit on `sid` and on the
    /// connection (a program managing the receive window itself); a
    /// stream that has ended only passes it to the connection. False
    /// when a window would pass 2^31-1.
    pub fn grant(&mut self, sid: u32, n: u32) -> bool {
        if n == 0 {
            return true;
        }
        let max = i64::from(MAX_WINDOW_SIZE);
        if self.conn_recv_window + i64::from(n) > max {
            return false;
        }
        if let Some(s) = self.streams.get_mut(&sid).filter(|_| sid != 0) {
            if s.recv_window + i64::from(n) > max {
                return false;
            }
            if s.state != StreamState::HalfClosedRemote {
                s.recv_window += i64::from(n);
                h2frame::write_window_update(&mut self.out, sid, n);
            }
        }
        self.conn_recv_window += i64::from(n);
        h2frame::write_window_update(&mut self.out, 0, n);
        true
    }

    /// What the peer may still send us on `sid` (0: the connection).
    pub fn recv_credit(&self, sid: u32) -> i64 {
        if sid == 0 {
            return self.conn_recv_window;
        }
        self.streams.get(&sid).map_or(0, |s| s.recv_window)
    }

    /// Adds send credit the program vouches for (lws_wsi_tx_credit);
    /// false when the stream is gone or a window would pass 2^31-1.
    pub fn add_send_credit(&mut self, sid: u32, n: u32) -> bool {
        let max = i64::from(MAX_WINDOW_SIZE);
        let Some(s) = self.streams.get_mut(&sid) else {
            return false;
        };
        if s.send_window + i64::from(n) > max || self.conn_send_window + i64::from(n) > max {
            return false;
        }
        s.send_window += i64::from(n);
        self.conn_send_window += i64::from(n);
        true
    }

    /// The peer sent GOAWAY: no new streams.
    pub fn goaway_received(&self) -> bool {
        self.goaway_received
    }

    /// `open_stream` would refuse now (GOAWAY, ids used up, or the
    /// peer's concurrency limit reached).
    pub fn open_stream_would_fail(&self) -> bool {
        self.role != Role::Client
            || self.goaway_received
            || self.next_local_stream > h2frame::MAX_STREAM_ID
            || self
                .peer
                .max_concurrent_streams
                .is_some_and(|m| self.streams.len() as u32 >= m)
    }

    /// Opens a stream (client): its id.
    pub fn open_stream(&mut self) -> Option<u32> {
        if self.role != Role::Client || self.goaway_received {
            return None;
        }
        let sid = self.next_local_stream;
        if sid > h2frame::MAX_STREAM_ID {
            return None;
        }
        if self
            .peer
            .max_concurrent_streams
            .is_some_and(|m| self.streams.len() as u32 >= m)
        {
            return None;
        }
        self.next_local_stream += 2;
        self.streams.insert(
            sid,
            Stream {
                state: StreamState::Open,
                send_window: i64::from(self.peer.initial_window_size),
                recv_window: i64::from(self.ours_initial_window()),
                got_headers: false,
                content_length: None,
                received: 0,
                unacked: 0,
            },
        );
        Some(sid)
    }

    /// Sends a header block (request, response or trailers) on `sid`.
    pub fn send_headers(&mut self, sid: u32, fields: &[Field<'_>], end_stream: bool) -> bool {
        let Some(s) = self.streams.get(&sid) else {
            return false;
        };
        if s.state == StreamState::HalfClosedLocal {
            return false;
        }
        let mut block = Vec::new();
        self.encoder.encode(fields.iter().copied(), &mut block);
        h2frame::write_header_block(
            &mut self.out,
            sid,
            &block,
            end_stream,
            self.peer.max_frame_size,
        );
        if end_stream {
            self.local_end(sid);
        }
        true
    }

    /// How much DATA `sid` may send now (the smaller window).
    pub fn send_window(&self, sid: u32) -> usize {
        let Some(s) = self.streams.get(&sid) else {
            return 0;
        };
        s.send_window.min(self.conn_send_window).max(0) as usize
    }

    /// Sends up to the window's worth of `data` on `sid` as DATA frames of
    /// at most the peer's frame size; returns how much was taken. The
    /// stream ends with the last octet when `end_stream` and all was taken.
    pub fn send_data(&mut self, sid: u32, data: &[u8], end_stream: bool) -> usize {
        let room = self.send_window(sid);
        let Some(s) = self.streams.get_mut(&sid) else {
            return 0;
        };
        if s.state == StreamState::HalfClosedLocal {
            return 0;
        }
        let n = data.len().min(room);
        let fin = end_stream && n == data.len();
        if n == 0 && !fin {
            return 0;
        }
        s.send_window -= n as i64;
        self.conn_send_window -= n as i64;
        let max = self.peer.max_frame_size as usize;
        let mut off = 0;
        loop {
            let k = (n - off).min(max);
            let last = off + k == n;
            h2frame::write_data(&mut self.out, sid, &data[off..off + k], fin && last, None);
            off += k;
            if last {
                break;
            }
        }
        if fin {
            self.local_end(sid);
        }
        n
    }

    fn local_end(&mut self, sid: u32) {
        let Some(s) = self.streams.get_mut(&sid) else {
            return;
        };
        match s.state {
            StreamState::HalfClosedRemote => {
                self.streams.remove(&sid);
                self.completed += 1;
            }
            _ => s.state = StreamState::HalfClosedLocal,
        }
    }

    /// Resets `sid` from our side (e.g. the user closed it).
    pub fn reset_stream(&mut self, sid: u32, code: ErrorCode) {
        if self.streams.remove(&sid).is_some() {
            h2frame::write_rst_stream(&mut self.out, sid, code);
        }
    }

    /// Announces the end of the connection (NO_ERROR: graceful).
    pub fn goaway(&mut self, code: ErrorCode) {
        if !self.goaway_sent {
            self.goaway_sent = true;
            h2frame::write_goaway(&mut self.out, self.last_peer_stream, code, b"");
        }
    }

    /// Sends a PING (8 opaque octets) the peer must echo.
    pub fn ping(&mut self, data: [u8; 8]) {
        h2frame::write_ping(&mut self.out, false, data);
    }
}

fn to_conn(e: FrameError) -> ConnError {
    ConnError {
        code: e.code(),
        reason: e.reason(),
    }
}

/// A frame with its payload copied out of the parser.
enum OwnedFrame {
    Data {
        stream_id: u32,
        end_stream: bool,
        data: Vec<u8>,
        flow_len: u32,
    },
    Headers {
        stream_id: u32,
        end_stream: bool,
        end_headers: bool,
        self_dependent: bool,
        fragment: Vec<u8>,
    },
    Priority,
    RstStream {
        stream_id: u32,
        error_code: u32,
    },
    Settings {
        ack: bool,
        settings: Settings,
    },
    PushPromise,
    Ping {
        ack: bool,
        data: [u8; 8],
    },
    GoAway {
        last_stream_id: u32,
        error_code: u32,
    },
    WindowUpdate {
        stream_id: u32,
        increment: u32,
    },
    Continuation {
        stream_id: u32,
        end_headers: bool,
        fragment: Vec<u8>,
    },
}

impl From<Frame<'_>> for OwnedFrame {
    fn from(f: Frame<'_>) -> Self {
        match f {
            Frame::Data {
                stream_id,
                end_stream,
                data,
                flow_len,
            } => OwnedFrame::Data {
                stream_id,
                end_stream,
                data: data.to_vec(),
                flow_len,
            },
            Frame::Headers {
                stream_id,
                end_stream,
                end_headers,
                priority,
                fragment,
            } => OwnedFrame::Headers {
                stream_id,
                end_stream,
                end_headers,
                self_dependent: priority.is_some_and(|p| p.is_self_dependent(stream_id)),
                fragment: fragment.to_vec(),
            },
            Frame::Priority { .. } => OwnedFrame::Priority,
            Frame::RstStream {
                stream_id,
                error_code,
            } => OwnedFrame::RstStream {
                stream_id,
                error_code,
            },
            Frame::Settings { ack, settings } => OwnedFrame::Settings { ack, settings },
            Frame::PushPromise { .. } => OwnedFrame::PushPromise,
            Frame::Ping { ack, data } => OwnedFrame::Ping { ack, data },
            Frame::GoAway {
                last_stream_id,
                error_code,
                ..
            } => OwnedFrame::GoAway {
                last_stream_id,
                error_code,
            },
            Frame::WindowUpdate {
                stream_id,
                increment,
            } => OwnedFrame::WindowUpdate {
                stream_id,
                increment,
            },
            Frame::Continuation {
                stream_id,
                end_headers,
                fragment,
            } => OwnedFrame::Continuation {
                stream_id,
                end_headers,
                fragment: fragment.to_vec(),
            },
        }
    }
}

/// Headers no HTTP/2 message may carry (RFC 9113 8.2.2).
const CONNECTION_SPECIFIC: [&[u8]; 5] = [
    b"connection",
    b"keep-alive",
    b"proxy-connection",
    b"transfer-encoding",
    b"upgrade",
];

/// Checks the rules every field block shares; the content-length, if any.
fn check_fields(h: &[Header], allow_pseudo: &[&[u8]]) -> Result<Option<u64>, &'static str> {
    let mut regular = false;
    let mut seen: Vec<&[u8]> = Vec::new();
    let mut cl = None;
    for f in h {
        if f.name.is_empty() {
            return Err("empty name");
        }
        if f.name.iter().any(|c| c.is_ascii_uppercase()) {
            return Err("uppercase name");
        }
        if f.value.iter().any(|&c| c == 0 || c == b'\r' || c == b'\n') {
            return Err("bad value");
        }
        if f.name[0] == b':' {
            if regular {
                return Err("pseudo-header after a regular one");
            }
            if !allow_pseudo.contains(&f.name.as_slice()) {
                return Err("unknown pseudo-header");
            }
            if seen.contains(&f.name.as_slice()) {
                return Err("repeated pseudo-header");
            }
            seen.push(&f.name);
            continue;
        }
        regular = true;
        if CONNECTION_SPECIFIC.contains(&f.name.as_slice()) {
            return Err("connection-specific header");
        }
        if f.name == b"te" && f.value != b"trailers" {
            return Err("te other than trailers");
        }
        if f.name == b"content-length" {
            let v = std::str::from_utf8(&f.value)
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or("bad content-length")?;
            if cl.is_some_and(|c| c != v) {
                return Err("conflicting content-length");
            }
            cl = Some(v);
        }
    }
    Ok(cl)
}

fn pseudo<'a>(h: &'a [Header], name: &[u8]) -> Option<&'a [u8]> {
    h.iter()
        .find(|f| f.name == name)
        .map(|f| f.value.as_slice())
}

/// RFC 9113 8.3.1 (and RFC 8441 4 for extended CONNECT).
pub fn check_request(h: &[Header], connect_protocol: bool) -> Result<Option<u64>, &'static str> {
    let cl = check_fields(
        h,
        &[
            b":method",
            b":scheme",
            b":authority",
            b":path",
            b":protocol",
        ],
    )?;
    let method = pseudo(h, b":method").ok_or("no :method")?;
    let protocol = pseudo(h, b":protocol");
    if method == b"CONNECT" && protocol.is_none() {
        if pseudo(h, b":scheme").is_some() || pseudo(h, b":path").is_some() {
            return Err("CONNECT with :scheme or :path");
        }
        pseudo(h, b":authority").ok_or("CONNECT without :authority")?;
        return Ok(cl);
    }
    if protocol.is_some() && (!connect_protocol || method != b"CONNECT") {
        return Err(":protocol not allowed");
    }
    pseudo(h, b":scheme").ok_or("no :scheme")?;
    let path = pseudo(h, b":path").ok_or("no :path")?;
    if path.is_empty() {
        return Err("empty :path");
    }
    Ok(cl)
}

/// RFC 9113 8.3.2.
pub fn check_response(h: &[Header]) -> Result<Option<u64>, &'static str> {
    let cl = check_fields(h, &[b":status"])?;
    let st = pseudo(h, b":status").ok_or("no :status")?;
    if st.len() != 3 || !st.iter().all(u8::is_ascii_digit) {
        return Err("bad :status");
    }
    Ok(cl)
}

/// Trailers carry no pseudo-headers (RFC 9113 8.1).
fn check_trailers(h: &[Header]) -> Result<Option<u64>, &'static str> {
    check_fields(h, &[]).map(|_| None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hv(name: &str, value: &str) -> Header {
        Header {
            name: name.as_bytes().to_vec(),
            value: value.as_bytes().to_vec(),
            sensitive: false,
        }
    }

    /// Moves all pending bytes both ways until neither side has output.
    fn pump(c: &mut H2Conn, s: &mut H2Conn) -> (Vec<H2Event>, Vec<H2Event>) {
        let (mut ce, mut se) = (Vec::new(), Vec::new());
        for _ in 0..32 {
            let a = c.take_output();
            let b = s.take_output();
            if a.is_empty() && b.is_empty() {
                break;
            }
            se.extend(s.feed(&a).expect("server feed"));
            ce.extend(c.feed(&b).expect("client feed"));
        }
        (ce, se)
    }

    fn get(path: &str) -> Vec<(&'static str, String)> {
        vec![
            (":method", "GET".into()),
            (":scheme", "https".into()),
            (":authority", "example.com".into()),
            (":path", path.into()),
        ]
    }

    fn fields<'a>(v: &'a [(&'static str, String)]) -> Vec<Field<'a>> {
        v.iter()
            .map(|(n, val)| Field::new(n.as_bytes(), val.as_bytes()))
            .collect()
    }

    /// The events after the peer's SETTINGS (which every test sends).
    fn no_settings(ev: Vec<H2Event>) -> Vec<H2Event> {
        ev.into_iter()
            .filter(|e| *e != H2Event::PeerSettings)
            .collect()
    }

    fn pair() -> (H2Conn, H2Conn) {
        let mut c = H2Conn::client(H2Config::default());
        let mut s = H2Conn::server(H2Config::default(), true);
        let (ce, se) = pump(&mut c, &mut s);
        assert!(ce.contains(&H2Event::SettingsAcked));
        assert!(se.contains(&H2Event::SettingsAcked));
        (c, s)
    }

    #[test]
    fn request_response_round_trip() {
        let (mut c, mut s) = pair();
        let sid = c.open_stream().unwrap();
        assert_eq!(sid, 1);
        let req = get("/index.html");
        assert!(c.send_headers(sid, &fields(&req), true));
        let (_, se) = pump(&mut c, &mut s);
        let H2Event::Headers {
            stream_id,
            headers,
            end_stream,
        } = &se[0]
        else {
            panic!("{se:?}")
        };
        assert_eq!((*stream_id, *end_stream), (1, true));
        assert_eq!(headers[3], hv(":path", "/index.html"));
        let body = vec![7u8; 40_000];
        assert!(s.send_headers(1, &[Field::new(b":status", b"200")], false));
        assert_eq!(s.send_data(1, &body, true), 40_000);
        let (ce, _) = pump(&mut c, &mut s);
        let got: Vec<u8> = ce
            .iter()
            .filter_map(|e| match e {
                H2Event::Data { data, .. } => Some(data.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(got, body);
        assert!(ce.iter().any(|e| matches!(
            e,
            H2Event::Data {
                end_stream: true,
                ..
            }
        )));
        assert_eq!(s.open_streams(), 0);
    }

    #[test]
    fn flow_control_stops_and_resumes_sending() {
        let (mut c, mut s) = pair();
        let sid = c.open_stream().unwrap();
        c.send_headers(sid, &fields(&get("/")), true);
        pump(&mut c, &mut s);
        s.send_headers(sid, &[Field::new(b":status", b"200")], false);
        let big = vec![1u8; 200_000];
        let n = s.send_data(sid, &big, true);
        assert_eq!(n, 65_535, "the initial window bounds the first send");
        assert_eq!(s.send_window(sid), 0);
        assert_eq!(s.send_data(sid, &big[n..], true), 0);
        // the client processes what it got: windows reopen
        let (ce, se) = pump(&mut c, &mut s);
        let got: usize = ce
            .iter()
            .map(|e| match e {
                H2Event::Data { data, .. } => data.len(),
                _ => 0,
            })
            .sum();
        assert_eq!(got, 65_535);
        c.consumed(sid, got);
        let (_, se2) = pump(&mut c, &mut s);
        assert!(se
            .iter()
            .chain(se2.iter())
            .any(|e| matches!(e, H2Event::WindowUpdate { .. })));
        assert!(s.send_window(sid) > 0);
    }

    #[test]
    fn ping_is_answered_and_settings_acked() {
        let mut s = H2Conn::server(H2Config::default(), true);
        let mut b = h2frame::PREFACE.to_vec();
        h2frame::write_settings(&mut b, &Settings::default());
        h2frame::write_ping(&mut b, false, *b"12345678");
        s.feed(&b).unwrap();
        let out = s.take_output();
        // our SETTINGS, the ACK of theirs, and the PING ACK
        let mut p = FrameParser::new(Role::Client, false);
        let mut kinds = Vec::new();
        let mut rest: &[u8] = &out;
        while !rest.is_empty() {
            let (n, r) = p.feed(rest);
            if let Ok(Some(f)) = r {
                kinds.push(match f {
                    Frame::Settings { ack, .. } => format!("settings ack={ack}"),
                    Frame::Ping { ack, data } => format!("ping ack={ack} {:?}", data),
                    other => format!("{other:?}"),
                });
            }
            rest = &rest[n..];
        }
        assert_eq!(
            kinds,
            vec![
                "settings ack=false".to_string(),
                "settings ack=true".to_string(),
                format!("ping ack=true {:?}", *b"12345678")
            ]
        );
    }

    /// A raw client: preface + SETTINGS, then whatever `f` frames.
    fn raw(f: impl FnOnce(&mut Vec<u8>, &mut hpack::Encoder)) -> Vec<u8> {
        let mut b = h2frame::PREFACE.to_vec();
        h2frame::write_settings(&mut b, &Settings::default());
        let mut enc = hpack::Encoder::new(4096);
        f(&mut b, &mut enc);
        b
    }

    fn block(enc: &mut hpack::Encoder, v: &[(&'static str, String)]) -> Vec<u8> {
        let mut out = Vec::new();
        enc.encode(fields(v), &mut out);
        out
    }

    #[test]
    fn malformed_requests_reset_the_stream_only() {
        let cases: Vec<Vec<(&'static str, String)>> = vec![
            vec![(":method", "GET".into()), (":path", "/".into())], // no :scheme
            vec![
                (":method", "GET".into()),
                (":scheme", "https".into()),
                (":path", "/".into()),
                ("Upper", "x".into()),
            ],
            vec![
                (":method", "GET".into()),
                (":scheme", "https".into()),
                (":path", "/".into()),
                ("connection", "close".into()),
            ],
            vec![
                (":method", "GET".into()),
                ("x", "y".into()),
                (":scheme", "https".into()),
                (":path", "/".into()),
            ],
            vec![
                (":method", "GET".into()),
                (":scheme", "https".into()),
                (":path", "/".into()),
                (":method", "POST".into()),
            ],
            vec![
                (":method", "GET".into()),
                (":scheme", "https".into()),
                (":path", "/".into()),
                ("te", "gzip".into()),
            ],
        ];
        for (i, req) in cases.iter().enumerate() {
            let mut s = H2Conn::server(H2Config::default(), true);
            let b = raw(|b, enc| {
                let blk = block(enc, req);
                h2frame::write_headers(b, 1, &blk, true, true, None, None);
            });
            let ev = no_settings(s.feed(&b).unwrap_or_else(|e| panic!("case {i}: {e:?}")));
            assert_eq!(
                ev,
                vec![H2Event::Reset {
                    stream_id: 1,
                    code: ErrorCode::ProtocolError,
                    by_peer: false
                }],
                "case {i}"
            );
            // the connection goes on
            let b2 = {
                let mut v = Vec::new();
                // no dynamic table: the earlier block's entries do not matter
                let mut enc0 = hpack::Encoder::new(0);
                let blk = block(&mut enc0, &get("/ok"));
                h2frame::write_headers(&mut v, 3, &blk, true, true, None, None);
                v
            };
            let ev = s.feed(&b2);
            assert!(ev.is_ok(), "case {i}: {ev:?}");
        }
    }

    #[test]
    fn extended_connect_needs_the_setting() {
        let req: Vec<(&str, &str)> = vec![
            (":method", "CONNECT"),
            (":protocol", "websocket"),
            (":scheme", "https"),
            (":authority", "x"),
            (":path", "/chat"),
        ];
        let h: Vec<Header> = req.iter().map(|(n, v)| hv(n, v)).collect();
        assert!(check_request(&h, true).is_ok());
        assert!(check_request(&h, false).is_err());
        let plain = vec![hv(":method", "CONNECT"), hv(":authority", "x:443")];
        assert!(check_request(&plain, false).is_ok());
    }

    #[test]
    fn concurrency_limit_refuses_streams() {
        let cfg = H2Config {
            max_concurrent_streams: 2,
            ..H2Config::default()
        };
        let mut s = H2Conn::server(cfg, true);
        let b = raw(|b, _| {
            let mut enc0 = hpack::Encoder::new(0);
            for sid in [1u32, 3, 5] {
                let blk = block(&mut enc0, &get("/"));
                // open streams (no END_STREAM) so they stay counted
                h2frame::write_headers(b, sid, &blk, false, true, None, None);
            }
        });
        let ev = no_settings(s.feed(&b).unwrap());
        // the refused stream never reaches the user
        assert_eq!(ev.len(), 2, "{ev:?}");
        assert_eq!(s.open_streams(), 2);
        let out = s.take_output();
        let rst = [
            0,
            0,
            4,
            h2frame::kind::RST_STREAM,
            0,
            0,
            0,
            0,
            5,
            0,
            0,
            0,
            7,
        ];
        assert!(
            out.windows(rst.len()).any(|w| w == rst),
            "RST_STREAM REFUSED_STREAM on 5"
        );
    }

    #[test]
    fn rapid_reset_is_stopped() {
        let mut s = H2Conn::server(H2Config::default(), true);
        let b = raw(|b, _| {
            let mut enc0 = hpack::Encoder::new(0);
            for i in 0..300u32 {
                let sid = 2 * i + 1;
                let blk = block(&mut enc0, &get("/"));
                h2frame::write_headers(b, sid, &blk, false, true, None, None);
                h2frame::write_rst_stream(b, sid, ErrorCode::Cancel);
            }
        });
        let e = s.feed(&b).unwrap_err();
        assert_eq!(e.code, ErrorCode::EnhanceYourCalm);
        assert!(s.take_output().windows(1).count() > 0);
    }

    #[test]
    fn continuation_flood_is_stopped() {
        let mut s = H2Conn::server(H2Config::default(), true);
        let b = raw(|b, _| {
            h2frame::write_headers(b, 1, &[0x82], false, false, None, None);
            for _ in 0..1000 {
                h2frame::write_continuation(b, 1, &[], false);
            }
        });
        let e = s.feed(&b).unwrap_err();
        assert_eq!(e.code, ErrorCode::EnhanceYourCalm);
    }

    #[test]
    fn window_overflow_is_a_flow_control_error() {
        let mut s = H2Conn::server(H2Config::default(), true);
        let b = raw(|b, _| h2frame::write_window_update(b, 0, MAX_WINDOW_SIZE));
        let e = s.feed(&b).unwrap_err();
        assert_eq!(e.code, ErrorCode::FlowControlError);
    }

    #[test]
    fn data_beyond_the_window_is_refused() {
        let mut s = H2Conn::server(H2Config::default(), true);
        let b = raw(|b, _| {
            let mut enc0 = hpack::Encoder::new(0);
            let blk = block(
                &mut enc0,
                &[
                    (":method", "POST".into()),
                    (":scheme", "https".into()),
                    (":path", "/".into()),
                ],
            );
            h2frame::write_headers(b, 1, &blk, false, true, None, None);
            let chunk = vec![0u8; 16_384];
            for _ in 0..5 {
                h2frame::write_data(b, 1, &chunk, false, None);
            }
        });
        // 5 x 16 KiB > 64 KiB - 1 on the connection
        let e = s.feed(&b).unwrap_err();
        assert_eq!(e.code, ErrorCode::FlowControlError);
    }

    #[test]
    fn content_length_mismatch_resets() {
        let mut s = H2Conn::server(H2Config::default(), true);
        let b = raw(|b, _| {
            let mut enc0 = hpack::Encoder::new(0);
            let blk = block(
                &mut enc0,
                &[
                    (":method", "POST".into()),
                    (":scheme", "https".into()),
                    (":path", "/".into()),
                    ("content-length", "3".into()),
                ],
            );
            h2frame::write_headers(b, 1, &blk, false, true, None, None);
            h2frame::write_data(b, 1, b"hello", true, None);
        });
        let ev = no_settings(s.feed(&b).unwrap());
        assert!(ev.contains(&H2Event::Reset {
            stream_id: 1,
            code: ErrorCode::ProtocolError,
            by_peer: false
        }));
    }

    #[test]
    fn hpack_bomb_resets_the_stream() {
        let cfg = H2Config {
            max_header_list_size: 1024,
            ..H2Config::default()
        };
        let mut s = H2Conn::server(cfg, true);
        let b = raw(|b, _| {
            let mut enc = hpack::Encoder::new(4096);
            let mut v = get("/");
            let big = "a".repeat(900);
            v.push(("x-big", big));
            let blk1 = block(&mut enc, &v);
            h2frame::write_headers(b, 1, &blk1, true, true, None, None);
        });
        // the list limit applies to what we decode at once, acked or not
        let ev = no_settings(s.feed(&b).unwrap());
        assert_eq!(
            ev,
            vec![H2Event::Reset {
                stream_id: 1,
                code: ErrorCode::ProtocolError,
                by_peer: false
            }]
        );
    }

    #[test]
    fn goaway_from_peer_is_reported() {
        let mut s = H2Conn::server(H2Config::default(), true);
        let b = raw(|b, _| h2frame::write_goaway(b, 0, ErrorCode::NoError, b"bye"));
        let ev = no_settings(s.feed(&b).unwrap());
        assert_eq!(
            ev,
            vec![H2Event::GoAway {
                last_stream_id: 0,
                code: ErrorCode::NoError
            }]
        );
    }

    #[test]
    fn bad_preface_is_a_protocol_error() {
        let mut s = H2Conn::server(H2Config::default(), true);
        let e = s.feed(b"GET / HTTP/1.1\r\n\r\n").unwrap_err();
        assert_eq!(e.code, ErrorCode::ProtocolError);
    }

    #[test]
    fn trailers_end_the_stream() {
        let (mut c, mut s) = pair();
        let sid = c.open_stream().unwrap();
        let req = [
            (":method", "POST".to_string()),
            (":scheme", "https".to_string()),
            (":authority", "x".to_string()),
            (":path", "/up".to_string()),
        ];
        c.send_headers(sid, &fields(&req), false);
        c.send_data(sid, b"abc", false);
        c.send_headers(sid, &[Field::new(b"x-sum", b"3")], true);
        let (_, se) = pump(&mut c, &mut s);
        assert!(
            matches!(se.last(), Some(H2Event::Trailers { stream_id: 1, .. })),
            "{se:?}"
        );
    }

    #[test]
    fn random_input_never_panics() {
        // a simple LCG: frames with random types, flags, ids and payloads
        let mut x: u64 = 0x9e3779b97f4a7c15;
        let mut next = move || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u32
        };
        for _ in 0..300 {
            let mut s = H2Conn::server(H2Config::default(), true);
            let mut b = h2frame::PREFACE.to_vec();
            h2frame::write_settings(&mut b, &Settings::default());
            for _ in 0..20 {
                let len = (next() % 64) as usize;
                let kind = (next() % 11) as u8;
                let flags = (next() % 256) as u8;
                let sid = next() % 8;
                h2frame::write_frame_header(&mut b, len, kind, flags, sid);
                b.extend((0..len).map(|_| next() as u8));
            }
            // whole, then byte by byte on a fresh connection
            let _ = s.feed(&b);
            let mut s2 = H2Conn::server(H2Config::default(), true);
            for c in b.chunks(1) {
                if s2.feed(c).is_err() {
                    break;
                }
            }
        }
    }

    #[test]
    fn h2c_upgrade_serves_stream_1() {
        let mut settings = Vec::new();
        Settings {
            initial_window_size: Some(1000),
            ..Default::default()
        }
        .encode(&mut settings);
        let mut s = H2Conn::server_upgraded(H2Config::default(), &settings).unwrap();
        assert!(H2Conn::server_upgraded(H2Config::default(), &[0; 5]).is_err());
        assert_eq!(s.send_window(1), 1000);
        let mut c = H2Conn::client(H2Config::default());
        // the client's own view: stream 1 was opened by the upgrade
        assert_eq!(c.open_stream(), Some(1));
        c.local_end(1);
        let ev = s.feed(&c.take_output()).unwrap();
        assert!(ev.contains(&H2Event::PeerSettings), "{ev:?}");
        let f = [Field::new(b":status", b"200")];
        assert!(s.send_headers(1, &f, false));
        assert_eq!(s.send_data(1, b"hi", true), 2);
        let ev = c.feed(&s.take_output()).unwrap();
        assert!(
            ev.iter().any(|e| matches!(
                e,
                H2Event::Data {
                    stream_id: 1,
                    end_stream: true,
                    ..
                }
            )),
            "{ev:?}"
        );
        // a new client stream must be above 1
        assert_eq!(c.open_stream(), Some(3));
    }
}
