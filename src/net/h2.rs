//! HTTP/2 on a network connection: the connection's frames go through
//! [`H2Conn`]; each stream is a child wsi that the HTTP/1.1 server serves
//! through [`h2bridge`] (its request arrives as an HTTP/1.1 head, its
//! response is converted into HEADERS and DATA). So a stream sees the same
//! HTTP callbacks as an HTTP/1.1 connection, and `lws_get_parent()` /
//! `lws_get_network_wsi()` lead to the connection.
//!
//! Streams have no socket: what they write waits in their `tx_pending`
//! (body bytes only) until flow control lets it out on the parent.

use std::collections::HashMap;
use std::rc::Rc;

use super::cb;
use super::wsi::{Sock, Wsi, WsiState};
use crate::capi::log;
use crate::proto::h2bridge::{self, RequestConverter, ResponseConverter, ResponsePart};
use crate::proto::h2conn::{H2Config, H2Conn, H2Event};
use crate::proto::h2frame::{self, ErrorCode};
use crate::proto::hpack::Field;

/// The HTTP/2 state of a network connection.
pub(crate) struct H2Net {
    pub conn: H2Conn,
    pub streams: HashMap<u32, Rc<Wsi>>,
    /// client: streams whose request waits for a stream id (the server's
    /// first SETTINGS, or its concurrency limit)
    pub waiting: std::collections::VecDeque<Rc<Wsi>>,
    /// client: the server's SETTINGS arrived, requests may go out
    pub ready: bool,
    /// server after h2c: the upgrading request (head, HEAD?), served as
    /// stream 1 once the client's SETTINGS arrive (as lws; answering
    /// before overruns clients still switching, e.g. curl)
    pub upgraded: Option<(Vec<u8>, bool)>,
}

/// How a stream's HTTP/1.1 bytes become frames: a server stream writes a
/// response, a client stream a request.
pub(crate) enum StreamConv {
    Server(ResponseConverter),
    Client(RequestConverter),
}

/// The HTTP/2 state of a stream wsi.
pub(crate) struct H2Stream {
    /// 0: a client stream not opened yet
    pub sid: u32,
    pub conv: StreamConv,
    /// the request body arrives chunked (it announced no length)
    pub chunked_req: bool,
    /// the response's last body byte is in tx_pending
    pub end_pending: bool,
    /// END_STREAM (or RST_STREAM) went out
    pub ended: bool,
    /// the request's pseudo-headers as lws header tokens
    pub pseudo: Vec<(usize, Vec<u8>)>,
    /// client: the request head, while the stream waits for an id
    pub pending_head: Option<(Vec<crate::proto::hpack::Header>, bool)>,
    /// client (LCCSCF_H2_MANUAL_RXFLOW): received data is credited back
    /// only by lws_h2_update_peer_txcredit; the credit granted at open
    pub manual_rx: Option<u32>,
}

/// Our HTTP/2 settings: as 4.1.6, `http2_settings[1..=6]` (indexed by
/// SETTINGS id) replace the defaults when `http2_settings[0]` is non-zero;
/// values RFC 9113 does not allow are refused with an error.
pub(crate) fn config_from(s: &[u32; 7]) -> H2Config {
    let mut c = H2Config::default();
    if s[0] == 0 {
        return c;
    }
    c.header_table_size = s[1];
    c.max_concurrent_streams = s[3];
    if s[4] <= h2frame::MAX_WINDOW_SIZE {
        c.initial_window_size = s[4];
    } else {
        log::err("http2_settings: initial window above 2^31-1; default kept");
    }
    if (16_384..=16_777_215).contains(&s[5]) {
        c.max_frame_size = s[5];
    } else {
        log::err("http2_settings: max frame size outside 16384..16777215; default kept");
    }
    if s[6] > 0 {
        c.max_header_list_size = s[6];
    }
    c
}

/// Unsent output beyond which an HTTP/2 connection stops reading.
pub(crate) const H2_TX_BACKLOG: usize = 1 << 20;

/// `LWS_SERVER_OPTION_H2_PRIOR_KNOWLEDGE`.
pub(crate) const OPT_H2_PRIOR_KNOWLEDGE: u64 = 1 << 34;

/// What to do with the first bytes of a connection on a vhost that takes
/// HTTP/2 with prior knowledge.
pub(crate) enum Preface {
    Yes,
    NotYet,
    No,
}

pub(crate) fn preface_state(input: &[u8]) -> Preface {
    match h2frame::match_preface(input) {
        h2frame::PrefaceMatch::Full => Preface::Yes,
        h2frame::PrefaceMatch::Partial => Preface::NotYet,
        h2frame::PrefaceMatch::No => Preface::No,
    }
}

impl Wsi {
    /// Turns an HTTP connection into an HTTP/2 one; `initial` are the
    /// bytes read so far (the preface first).
    pub(crate) fn h2_start_server(self: &Rc<Self>, initial: Vec<u8>) {
        log::info("http/2 server connection");
        self.state.set(WsiState::H2);
        self.h2_idle();
        self.request.borrow_mut().take();
        self.hdrs.borrow_mut().take();
        *self.h2.borrow_mut() = Some(Box::new(H2Net {
            // RFC 8441 is advertised: WebSockets may run over streams
            conn: H2Conn::server(self.vhost().h2_config, true),
            streams: HashMap::new(),
            waiting: Default::default(),
            ready: true,
            upgraded: None,
        }));
        self.h2_feed(&initial);
    }

    /// A server connection without streams closes after a while.
    fn h2_idle(self: &Rc<Self>) {
        self.set_timeout(
            super::wsi::PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE,
            self.vhost().h2_idle_secs as i32,
        );
    }

    /// Bytes received on an HTTP/2 connection.
    pub(crate) fn h2_feed(self: &Rc<Self>, input: &[u8]) {
        let r = match self.h2.borrow_mut().as_mut() {
            Some(h) => h.conn.feed(input),
            None => return,
        };
        match r {
            Ok(events) => {
                // what the streams answer leaves in as few writes as can be
                let was = self.corked.replace(true);
                for e in events {
                    self.h2_event(e);
                    if self.state.get() == WsiState::Dead {
                        return;
                    }
                }
                self.h2_flush();
                if !was {
                    if let Err(e) = self.uncork() {
                        super::wsi::log_io_err("send", &e);
                        self.close_now(true);
                    }
                }
            }
            Err(e) => {
                log::info(&format!("http/2: {} ({})", e.reason, e.code.name()));
                self.h2_flush();
                self.close_after_output();
            }
        }
    }

    /// Sends what the connection queued. A peer that does not read what
    /// we send (answers to its SETTINGS or PINGs included) is not read
    /// either until the backlog is out, which bounds our memory.
    pub(crate) fn h2_flush(&self) {
        let out = match self.h2.borrow_mut().as_mut() {
            Some(h) => h.conn.take_output(),
            None => return,
        };
        if !out.is_empty() {
            if let Err(e) = self.send_raw(&out) {
                super::wsi::log_io_err("send", &e);
                if let Some(rc) = self.rc() {
                    self.ctx().reap.borrow_mut().push(rc);
                }
            }
        }
        if self.tx_pending.borrow().len() > H2_TX_BACKLOG {
            self.rx_allowed.set(false);
        }
    }

    pub(crate) fn h2_stream(&self, sid: u32) -> Option<Rc<Wsi>> {
        self.h2.borrow().as_ref()?.streams.get(&sid).cloned()
    }

    fn h2_event(self: &Rc<Self>, e: H2Event) {
        if self.is_client.get() {
            self.h2_client_event(e);
            return;
        }
        match e {
            H2Event::Headers {
                stream_id,
                headers,
                end_stream,
            } => self.h2_new_stream(stream_id, &headers, end_stream),
            H2Event::Trailers { stream_id, .. } => {
                // a chunked request body ends here; trailers are not kept
                if let Some(s) = self.h2_stream(stream_id) {
                    let chunked = s.h2s.borrow().as_ref().is_some_and(|x| x.chunked_req);
                    if chunked {
                        let mut b = Vec::new();
                        h2bridge::body_chunk(&[], true, &mut b);
                        self.h2_stream_input(&s, b);
                    }
                }
            }
            H2Event::Data {
                stream_id,
                data,
                end_stream,
            } => {
                let n = data.len();
                if let Some(s) = self.h2_stream(stream_id) {
                    let chunked = s.h2s.borrow().as_ref().is_some_and(|x| x.chunked_req);
                    let bytes = if chunked {
                        let mut b = Vec::with_capacity(n + 16);
                        h2bridge::body_chunk(&data, end_stream, &mut b);
                        b
                    } else {
                        data
                    };
                    self.h2_stream_input(&s, bytes);
                }
                if let Some(h) = self.h2.borrow_mut().as_mut() {
                    h.conn.consumed(stream_id, n);
                }
            }
            H2Event::Reset { stream_id, .. } => {
                if let Some(s) = self.h2_stream(stream_id) {
                    if let Some(x) = s.h2s.borrow_mut().as_mut() {
                        x.ended = true;
                    }
                    s.close_now(true);
                }
            }
            H2Event::WindowUpdate { stream_id } => self.h2_window_opened(stream_id),
            H2Event::GoAway { .. } => {
                if self
                    .h2
                    .borrow()
                    .as_ref()
                    .is_some_and(|h| h.streams.is_empty())
                {
                    self.close_after_output();
                }
            }
            H2Event::PeerSettings => {
                let up = self
                    .h2
                    .borrow_mut()
                    .as_mut()
                    .and_then(|h| h.upgraded.take());
                if let Some((head, head_request)) = up {
                    self.h2_serve_stream(
                        1,
                        ResponseConverter::new(head_request),
                        false,
                        Vec::new(),
                        head,
                    );
                }
            }
            H2Event::SettingsAcked => {}
        }
    }

    /// A request opened stream `sid`: its wsi, served as HTTP/1.1.
    fn h2_new_stream(
        self: &Rc<Self>,
        sid: u32,
        headers: &[crate::proto::hpack::Header],
        end: bool,
    ) {
        let req = match h2bridge::request_to_h1(headers, end) {
            Ok(r) => r,
            Err(why) => {
                log::info(&format!("http/2 stream {sid}: {why}"));
                if let Some(h) = self.h2.borrow_mut().as_mut() {
                    h.conn.reset_stream(sid, ErrorCode::ProtocolError);
                }
                return;
            }
        };
        let pseudo = headers
            .iter()
            .filter_map(|h| {
                // :method and :path live in the method tokens, as lws
                let tok = match h.name.as_slice() {
                    b":authority" => 35,
                    b":scheme" => 38,
                    _ => return None,
                };
                Some((tok, h.value.clone()))
            })
            .collect();
        let conv = if req.websocket {
            log::info(&format!("http/2 stream {sid}: WebSocket (RFC 8441)"));
            ResponseConverter::websocket()
        } else {
            ResponseConverter::new(req.method == "HEAD")
        };
        self.h2_serve_stream(sid, conv, req.chunked_body, pseudo, req.head);
    }

    /// A stream's wsi, served as HTTP/1.1 from `head` (its request head).
    fn h2_serve_stream(
        self: &Rc<Self>,
        sid: u32,
        conv: ResponseConverter,
        chunked_req: bool,
        pseudo: Vec<(usize, Vec<u8>)>,
        head: Vec<u8>,
    ) {
        let ctx = self.ctx();
        let Some(vh) = self.vhost().rc() else { return };
        let s = Rc::new(Wsi::new(ctx, &vh, Sock::None, WsiState::HttpHead));
        *s.h2s.borrow_mut() = Some(Box::new(H2Stream {
            sid,
            conv: StreamConv::Server(conv),
            chunked_req,
            end_pending: false,
            ended: false,
            pseudo,
            pending_head: None,
            manual_rx: None,
        }));
        s.parent.set(Rc::as_ptr(self));
        self.children.borrow_mut().insert(0, Rc::as_ptr(&s));
        if ctx.insert_wsi(&s).is_err() {
            return;
        }
        if let Some(h) = self.h2.borrow_mut().as_mut() {
            h.streams.insert(sid, s.clone());
        }
        self.set_timeout(0, 0);
        s.keep_alive.set(true);
        s.bind_protocol(vh.default_protocol);
        s.dispatch_protocol(
            0,
            cb::WSI_CREATE,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        );
        self.h2_stream_input(&s, head);
    }

    /// `Upgrade: h2c` accepted (RFC 7540 3.2, as 4.1.6): 101, then the
    /// connection is HTTP/2 and the upgrading request (`head`, an
    /// HTTP/1.1 head without the upgrade fields) is stream 1. Err: the
    /// HTTP2-Settings were not valid (nothing was sent).
    pub(crate) fn h2_start_upgraded(
        self: &Rc<Self>,
        settings: &[u8],
        head: Vec<u8>,
        head_request: bool,
    ) -> Result<(), &'static str> {
        let conn = H2Conn::server_upgraded(self.vhost().h2_config, settings)?;
        log::info("http/2 by upgrade (h2c)");
        self.tx_started.set(true);
        self.send_raw(
            b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n",
        )
        .map_err(|_| "write failed")?;
        self.state.set(WsiState::H2);
        self.h2_idle();
        self.request.borrow_mut().take();
        self.hdrs.borrow_mut().take();
        *self.h2.borrow_mut() = Some(Box::new(H2Net {
            conn,
            streams: HashMap::new(),
            waiting: Default::default(),
            ready: true,
            upgraded: Some((head, head_request)),
        }));
        self.h2_flush();
        // the client preface may already have followed the request
        let rest = std::mem::take(&mut *self.http_in.borrow_mut());
        if !rest.is_empty() {
            self.h2_feed(&rest);
        }
        Ok(())
    }

    fn h2_stream_input(&self, s: &Rc<Wsi>, mut bytes: Vec<u8>) {
        if s.state.get() == WsiState::Dead {
            return;
        }
        let n = bytes.len();
        bytes.push(0);
        self.ctx().feed_input(s, &mut bytes, n);
        self.ctx().reap_closed();
    }

    /// Flow control let more out: streams with output waiting send it.
    pub(crate) fn h2_window_opened(&self, sid: u32) {
        let streams: Vec<Rc<Wsi>> = match self.h2.borrow().as_ref() {
            Some(h) if sid == 0 => h.streams.values().cloned().collect(),
            Some(h) => h.streams.get(&sid).cloned().into_iter().collect(),
            None => return,
        };
        for s in streams {
            if s.has_pending_tx()
                || s.h2s
                    .borrow()
                    .as_ref()
                    .is_some_and(|x| x.end_pending && !x.ended)
            {
                let _ = s.h2_stream_flush();
            }
        }
    }

    /// The parent network wsi of a stream.
    pub(crate) fn h2_parent(&self) -> Option<&Wsi> {
        let p = self.parent.get();
        // SAFETY: a stream's parent closes its children before it goes.
        (!p.is_null()).then(|| unsafe { &*p })
    }

    /// A stream's write: the HTTP/1.1 response bytes the server produced.
    /// Headers leave at once; body bytes wait in tx_pending for the window.
    pub(crate) fn h2_stream_send(&self, data: &[u8]) -> std::io::Result<()> {
        let mut parts = Vec::new();
        {
            let mut g = self.h2s.borrow_mut();
            let Some(x) = g.as_mut() else { return Ok(()) };
            if x.ended {
                return Err(std::io::Error::other("stream ended"));
            }
            match &mut x.conv {
                StreamConv::Server(c) => c.feed(data, &mut parts),
                StreamConv::Client(c) => c.feed(data, self.client_body_pending.get(), &mut parts),
            }
            .map_err(std::io::Error::other)?;
        }
        self.h2_apply_parts(parts)
    }

    pub(crate) fn h2_apply_parts(&self, parts: Vec<ResponsePart>) -> std::io::Result<()> {
        let Some(parent) = self.h2_parent() else {
            return Err(std::io::Error::other("no connection"));
        };
        let sid = self.h2s.borrow().as_ref().map_or(0, |x| x.sid);
        for p in parts {
            match p {
                ResponsePart::Headers {
                    headers,
                    end_stream,
                } => {
                    if sid == 0 {
                        // a client request: the stream opens now, or
                        // waits for the server's concurrency limit
                        self.h2_client_open(parent, headers, end_stream);
                        continue;
                    }
                    let fields: Vec<Field<'_>> = headers.iter().map(|h| h.as_field()).collect();
                    if let Some(h) = parent.h2.borrow_mut().as_mut() {
                        h.conn.send_headers(sid, &fields, end_stream);
                    }
                    if end_stream {
                        if let Some(x) = self.h2s.borrow_mut().as_mut() {
                            x.ended = true;
                        }
                    }
                }
                ResponsePart::Body { data, end_stream } => {
                    self.tx_pending.borrow_mut().extend_from_slice(&data);
                    if end_stream {
                        if let Some(x) = self.h2s.borrow_mut().as_mut() {
                            x.end_pending = true;
                        }
                    }
                }
            }
        }
        if !self.corked.get() {
            self.h2_stream_flush()?;
        } else {
            parent.h2_flush();
        }
        Ok(())
    }

    /// Sends as much of the stream's waiting body as flow control allows;
    /// Ok(true) when nothing is left.
    pub(crate) fn h2_stream_flush(&self) -> std::io::Result<bool> {
        let Some(parent) = self.h2_parent() else {
            return Err(std::io::Error::other("no connection"));
        };
        let (sid, end) = match self.h2s.borrow().as_ref() {
            // a client stream not yet opened keeps its body
            Some(x) if x.sid == 0 => return Ok(false),
            Some(x) if !x.ended => (x.sid, x.end_pending),
            _ => {
                self.tx_pending.borrow_mut().clear();
                self.tx_off.set(0);
                return Ok(true);
            }
        };
        let sent = {
            let p = self.tx_pending.borrow();
            let off = self.tx_off.get().min(p.len());
            let rest = &p[off..];
            let mut g = parent.h2.borrow_mut();
            let Some(h) = g.as_mut() else {
                return Err(std::io::Error::other("no connection"));
            };
            let n = h.conn.send_data(sid, rest, end);
            (n, n == rest.len())
        };
        self.tx_off.set(self.tx_off.get() + sent.0);
        let drained = sent.1;
        if drained {
            self.tx_pending.borrow_mut().clear();
            self.tx_off.set(0);
            if end {
                if let Some(x) = self.h2s.borrow_mut().as_mut() {
                    x.ended = true;
                }
            }
        }
        self.can_write.set(drained);
        parent.h2_flush();
        if drained && self.close_after_flush.get() {
            if let Some(rc) = self.rc() {
                self.ctx().reap.borrow_mut().push(rc.clone());
                self.ctx().schedule(&rc);
            }
        }
        if drained && (self.want_write.get() || self.file_tx.borrow().is_some()) {
            if let Some(rc) = self.rc() {
                self.ctx().schedule(&rc);
            }
        }
        Ok(drained)
    }

    /// The stream is closing: a body delimited by the close ends now,
    /// anything else unfinished is reset.
    pub(crate) fn h2_stream_closing(&self) {
        let Some(parent) = self.h2_parent() else {
            return;
        };
        let (sid, ended) = match self.h2s.borrow().as_ref() {
            Some(x) => (x.sid, x.ended),
            None => return,
        };
        if !ended {
            let mut parts = Vec::new();
            let fin = self.h2s.borrow_mut().as_mut().map(|x| match &mut x.conv {
                StreamConv::Server(c) => c.finish(&mut parts),
                StreamConv::Client(_) => Err("request cut short"),
            });
            if matches!(fin, Some(Ok(()))) && !parts.is_empty() {
                let _ = self.h2_apply_parts(parts);
                let _ = self.h2_stream_flush();
            }
            let still_open = self
                .h2s
                .borrow()
                .as_ref()
                .is_some_and(|x| !x.ended && x.sid != 0);
            if still_open {
                if let Some(h) = parent.h2.borrow_mut().as_mut() {
                    h.conn.reset_stream(sid, ErrorCode::Cancel);
                }
            }
        }
        if self.is_client.get() && sid != 0 {
            // a response not read to its end is cancelled (a no-op when
            // the stream already closed both ways)
            if let Some(h) = parent.h2.borrow_mut().as_mut() {
                h.conn.reset_stream(sid, ErrorCode::Cancel);
            }
        }
        if let Some(h) = parent.h2.borrow_mut().as_mut() {
            if sid != 0 {
                h.streams.remove(&sid);
            }
            h.waiting.retain(|w| !std::ptr::eq(Rc::as_ptr(w), self));
        }
        if let Some(p) = parent.rc() {
            if p.is_client.get() {
                p.h2_client_stream_gone();
            } else if p.h2.borrow().as_ref().is_some_and(|h| h.streams.is_empty()) {
                p.h2_idle();
            }
        }
        parent.h2_flush();
    }
}
