//! The HTTP/2 client. As in lws, the wsi the program connected becomes
//! the network connection once h2 is agreed (ALPN "h2", or
//! `LCCSCF_H2_PRIOR_KNOWLEDGE` on a plain socket) and its request moves
//! to a new child wsi, stream 1, which from then on gets the request's
//! callbacks, user data and opaque pointer.
//!
//! A stream writes its request as HTTP/1.1 (the existing client code
//! produces it) and the bridge turns it into HEADERS and DATA; the
//! response's HEADERS and DATA feed the HTTP/1.1 client's response path,
//! so every client callback and accessor works the same per stream.
//!
//! `LCCSCF_PIPELINE` requests to the same address, port and TLS share
//! a connection: they join an h2 connection that is up as further
//! streams, or queue on one still connecting and join it (or make their
//! own connection, if it turns out HTTP/1.1 or fails).

use std::collections::HashMap;
use std::ffi::c_int;
use std::rc::Rc;

use super::client::{RespBody, RespHead};
use super::h2::{H2Net, H2Stream, StreamConv};
use super::wsi::{Sock, Wsi, WsiState};
use crate::capi::log;
use crate::proto::h2bridge::{self, RequestConverter};
use crate::proto::h2conn::{H2Config, H2Conn, H2Event};
use crate::proto::hpack::{Field, Header};

pub(crate) const LCCSCF_H2_MANUAL_RXFLOW: c_int = 1 << 9;
pub(crate) const LCCSCF_PIPELINE: c_int = 1 << 16;
pub(crate) const LCCSCF_H2_PRIOR_KNOWLEDGE: c_int = 1 << 18;

/// Where a client connects; pipelined requests share a connection only
/// when all of it matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PeerKey {
    pub address: String,
    pub port: u16,
    pub tls: bool,
}

/// What a pipelined request found for its peer.
pub(crate) enum Leader {
    /// an h2 connection that is up: join it as a stream now
    Muxed(Rc<Wsi>),
    /// a connection still being made: wait for it
    Queue(Rc<Wsi>),
}

impl super::context::Context {
    /// The connection a pipelined request to `key` may share, if any.
    pub(crate) fn h2_leader(&self, key: &PeerKey) -> Option<Leader> {
        let wsis = self.wsis.borrow();
        for w in wsis.iter().flatten() {
            if !w.is_client.get() || w.client_key.borrow().as_ref() != Some(key) {
                continue;
            }
            match w.state.get() {
                WsiState::H2 => {
                    let open =
                        w.h2.borrow()
                            .as_ref()
                            .is_some_and(|h| !h.conn.goaway_received());
                    if open {
                        return Some(Leader::Muxed(w.clone()));
                    }
                }
                WsiState::ClientConnecting | WsiState::ClientProxy if w.h2s.borrow().is_none() => {
                    return Some(Leader::Queue(w.clone()))
                }
                _ => {}
            }
        }
        None
    }
}

impl Wsi {
    /// h2 was agreed on this client connection: it becomes the network
    /// connection, its request moves to stream 1, and requests queued on
    /// it join as further streams.
    pub(crate) fn h2_start_client(self: &Rc<Self>) {
        log::info("http/2 client connection");
        self.state.set(WsiState::H2);
        let timeout = (self.timeout_at.get(), self.timeout_reason.get());
        self.set_timeout(0, 0);
        *self.h2.borrow_mut() = Some(Box::new(H2Net {
            conn: H2Conn::client(H2Config {
                enable_connect_protocol: false,
                ..self.vhost().h2_config
            }),
            streams: HashMap::new(),
            waiting: Default::default(),
            // as lws, requests wait for the server's SETTINGS (lws
            // servers refuse request bodies sent before them)
            ready: false,
            upgraded: None,
        }));
        self.h2_flush();
        let ctx = self.ctx();
        let Some(vh) = self.vhost().rc() else { return };
        let s = Rc::new(Wsi::new(ctx, &vh, Sock::None, WsiState::ClientConnecting));
        s.is_client.set(true);
        // the request, its user data and its callbacks move to the stream
        s.protocol.set(self.protocol.get());
        s.user_space
            .set(self.user_space.replace(std::ptr::null_mut()));
        s.user_allocated.set(self.user_allocated.replace(false));
        s.user_external.set(self.user_external.get());
        s.bound.set(self.bound.replace(false));
        s.opaque_user_data
            .set(self.opaque_user_data.replace(std::ptr::null_mut()));
        *s.client.borrow_mut() = self.client.borrow_mut().take();
        s.no_follow_redirect.set(self.no_follow_redirect.get());
        s.form_urlencoded.set(self.form_urlencoded.get());
        s.keep_warm_secs.set(self.keep_warm_secs.get());
        s.retry_policy.set(self.retry_policy.get());
        s.validity.set(self.validity.get());
        s.redirects.set(self.redirects.get());
        s.timeout_at.set(timeout.0);
        s.timeout_reason.set(timeout.1);
        if ctx.insert_wsi(&s).is_err() {
            self.close_now(true);
            return;
        }
        s.h2_client_attach(self);
        let queued = std::mem::take(&mut *self.client_queue.borrow_mut());
        s.client_send_handshake();
        for q in queued {
            if q.state.get() == WsiState::ClientConnecting {
                q.h2_client_attach(self);
                ctx.schedule(&q);
            }
        }
    }

    /// Makes this client wsi (no socket) a stream of connection `n`.
    pub(crate) fn h2_client_attach(&self, n: &Rc<Wsi>) {
        let manual = self
            .client
            .borrow()
            .as_ref()
            .filter(|c| c.ssl_flags & LCCSCF_H2_MANUAL_RXFLOW != 0)
            .map(|c| c.manual_tx_credit);
        *self.h2s.borrow_mut() = Some(Box::new(H2Stream {
            sid: 0,
            // lws names itself so on h2 requests
            conv: StreamConv::Client(
                RequestConverter::new(!n.ssl().is_null()).with_user_agent("lwsss"),
            ),
            chunked_req: false,
            end_pending: false,
            ended: false,
            pseudo: Vec::new(),
            pending_head: None,
            manual_rx: manual,
        }));
        self.parent.set(Rc::as_ptr(n));
        n.children.borrow_mut().insert(0, self as *const Wsi);
        // a connection idling for want of streams is busy again
        n.set_timeout(0, 0);
    }

    /// A stream scheduled to start (it joined or was queued): its request.
    pub(crate) fn h2_client_pending_start(self: &Rc<Self>) -> bool {
        if self.state.get() != WsiState::ClientConnecting
            || self.h2s.borrow().is_none()
            || self.parent.get().is_null()
        {
            return false;
        }
        self.client_send_handshake();
        true
    }

    /// The request head is converted: the stream opens now, or waits
    /// until the server's concurrency limit lets it.
    pub(crate) fn h2_client_open(&self, parent: &Wsi, headers: Vec<Header>, end: bool) {
        let Some(me) = self.rc() else { return };
        let sid = {
            let mut g = parent.h2.borrow_mut();
            let Some(h) = g.as_mut() else { return };
            let opened = if h.ready { h.conn.open_stream() } else { None };
            match opened {
                Some(sid) => {
                    let fields: Vec<Field<'_>> = headers.iter().map(|h| h.as_field()).collect();
                    h.conn.send_headers(sid, &fields, end);
                    h.streams.insert(sid, me.clone());
                    Some(sid)
                }
                None if h.ready && h.conn.goaway_received() => None,
                None => {
                    if let Some(x) = self.h2s.borrow_mut().as_mut() {
                        x.pending_head = Some((headers, end));
                    }
                    h.waiting.push_back(me.clone());
                    return;
                }
            }
        };
        let Some(sid) = sid else {
            me.client_fail("HS: h2 connection is going away");
            return;
        };
        let manual = {
            let mut g = self.h2s.borrow_mut();
            let Some(x) = g.as_mut() else { return };
            x.sid = sid;
            if end {
                x.ended = true;
            }
            x.manual_rx
        };
        if let Some(credit) = manual {
            if let Some(h) = parent.h2.borrow_mut().as_mut() {
                h.conn.grant(sid, credit);
            }
        }
        // body written while the stream waited goes out now
        if self.has_pending_tx() || self.h2s.borrow().as_ref().is_some_and(|x| x.end_pending) {
            let _ = self.h2_stream_flush();
        }
        parent.h2_flush();
    }

    /// A stream of this client connection ended: waiting requests may
    /// open now; with none left, the connection idles (keep_warm_secs)
    /// and then closes.
    pub(crate) fn h2_client_stream_gone(self: &Rc<Self>) {
        self.h2_client_open_waiting();
        let idle = self
            .h2
            .borrow()
            .as_ref()
            .is_some_and(|h| h.streams.is_empty() && h.waiting.is_empty());
        if idle && self.state.get() == WsiState::H2 {
            match self.keep_warm_secs.get() {
                0 => self.close_after_output(),
                s => self.set_timeout(super::wsi::PENDING_TIMEOUT_CLIENT_CONN_IDLE, s as i32),
            }
        }
    }

    /// Opens the streams waiting for an id, as far as the server lets us.
    fn h2_client_open_waiting(self: &Rc<Self>) {
        loop {
            let next = {
                let mut g = self.h2.borrow_mut();
                let Some(h) = g.as_mut() else { return };
                if h.waiting.is_empty() || !h.ready || h.conn.open_stream_would_fail() {
                    None
                } else {
                    h.waiting.pop_front()
                }
            };
            let Some(w) = next else { break };
            let head = w
                .h2s
                .borrow_mut()
                .as_mut()
                .and_then(|x| x.pending_head.take());
            if let Some((headers, end)) = head {
                w.h2_client_open(self, headers, end);
            }
        }
    }

    /// An event of this client connection.
    pub(crate) fn h2_client_event(self: &Rc<Self>, e: H2Event) {
        match e {
            H2Event::Headers {
                stream_id,
                headers,
                end_stream,
            } => {
                if let Some(s) = self.h2_stream(stream_id) {
                    s.h2_client_response(&headers, end_stream);
                }
            }
            H2Event::Trailers { stream_id, .. } => {
                if let Some(s) = self.h2_stream(stream_id) {
                    s.h2_client_data(&[], true);
                }
            }
            H2Event::Data {
                stream_id,
                data,
                end_stream,
            } => {
                let n = data.len();
                let s = self.h2_stream(stream_id);
                let manual = s
                    .as_ref()
                    .and_then(|s| s.h2s.borrow().as_ref().map(|x| x.manual_rx.is_some()))
                    .unwrap_or(false);
                if let Some(s) = s {
                    s.h2_client_data(&data, end_stream);
                }
                // a stream managed by the program gets credit only from
                // it; the connection's is renewed as data is taken
                if let Some(h) = self.h2.borrow_mut().as_mut() {
                    h.conn.consumed(if manual { 0 } else { stream_id }, n);
                }
            }
            H2Event::Reset {
                stream_id, code, ..
            } => {
                if let Some(s) = self.h2_stream(stream_id) {
                    if let Some(x) = s.h2s.borrow_mut().as_mut() {
                        x.ended = true;
                    }
                    log::info(&format!(
                        "http/2 stream {stream_id} reset ({})",
                        code.name()
                    ));
                    s.client_fail("HS: h2 stream reset");
                }
            }
            H2Event::WindowUpdate { stream_id } => self.h2_window_opened(stream_id),
            H2Event::GoAway {
                last_stream_id,
                code,
            } => {
                log::info(&format!(
                    "http/2: server going away ({}, last stream {last_stream_id})",
                    code.name()
                ));
                // streams the server did not process, and those still
                // waiting for an id, will not be answered here
                let lost: Vec<Rc<Wsi>> = match self.h2.borrow_mut().as_mut() {
                    Some(h) => h
                        .streams
                        .iter()
                        .filter(|(sid, _)| **sid > last_stream_id)
                        .map(|(_, w)| w.clone())
                        .chain(h.waiting.drain(..))
                        .collect(),
                    None => Vec::new(),
                };
                for w in lost {
                    w.client_fail("HS: h2 connection went away");
                }
                let empty = self
                    .h2
                    .borrow()
                    .as_ref()
                    .is_some_and(|h| h.streams.is_empty());
                if empty {
                    self.close_after_output();
                }
            }
            H2Event::PeerSettings => {
                let first = self
                    .h2
                    .borrow_mut()
                    .as_mut()
                    .is_some_and(|h| !std::mem::replace(&mut h.ready, true));
                if first {
                    self.h2_client_open_waiting();
                }
            }
            H2Event::SettingsAcked => {}
        }
    }

    /// The response's HEADERS on this stream.
    fn h2_client_response(self: &Rc<Self>, headers: &[Header], end: bool) {
        if self.state.get() != WsiState::ClientHandshake {
            return;
        }
        let (status, fields) = match h2bridge::response_fields(headers) {
            Ok(x) => x,
            Err(e) => {
                self.client_fail(&format!("HS: {e}"));
                return;
            }
        };
        if (100..200).contains(&status) {
            // an interim response; the real one follows
            return;
        }
        self.client_http_response_h2(
            RespHead {
                status,
                headers: fields,
            },
            end,
        );
    }

    /// Response DATA on this stream (`end`: END_STREAM).
    fn h2_client_data(self: &Rc<Self>, data: &[u8], end: bool) {
        if self.state.get() != WsiState::ClientHttpBody {
            return;
        }
        if !data.is_empty() {
            self.client_body_input(data);
        }
        if end && self.state.get() == WsiState::ClientHttpBody {
            self.resp_body.set(RespBody::Done);
            self.client_body_progress();
        }
    }

    /// LWS_WRITE_HTTP_FINAL on a client stream: a request body without a
    /// length of its own ends here.
    pub(crate) fn h2_client_body_final(&self) {
        let mut parts = Vec::new();
        {
            let mut g = self.h2s.borrow_mut();
            let Some(x) = g.as_mut() else { return };
            let StreamConv::Client(c) = &mut x.conv else {
                return;
            };
            c.finish(&mut parts);
        }
        if !parts.is_empty() {
            let _ = self.h2_apply_parts(parts);
        }
    }

    /// lws_h2_client_stream_long_poll_rxonly: our side of the stream ends
    /// now (HALF_CLOSED local); the response may go on as long as the
    /// server likes. Err: not a client stream.
    pub(crate) fn h2_client_long_poll(self: &Rc<Self>) -> Result<(), ()> {
        if !self.is_client.get() || self.h2s.borrow().is_none() {
            return Err(());
        }
        self.h2_client_body_final();
        self.set_timeout(0, 0);
        Ok(())
    }

    /// The stream leaves its connection (a redirect makes a connection
    /// of its own).
    pub(crate) fn h2_client_detach(self: &Rc<Self>) {
        if self.h2s.borrow().is_none() {
            return;
        }
        self.ctx().remove_wsi(self);
        self.h2_stream_closing();
        let parent = self.parent.replace(std::ptr::null());
        if !parent.is_null() {
            // SAFETY: a parent closes its children before it goes.
            unsafe { &*parent }
                .children
                .borrow_mut()
                .retain(|&c| !std::ptr::eq(c, Rc::as_ptr(self)));
        }
        self.h2s.borrow_mut().take();
        self.tx_pending.borrow_mut().clear();
        self.tx_off.set(0);
    }

    /// The stream's and the connection's credit the peer has to send us
    /// (lws_h2_get_peer_txcredit_estimate); None: not an h2 stream.
    pub(crate) fn h2_peer_credit(&self) -> Option<i64> {
        let sid = self.h2s.borrow().as_ref()?.sid;
        let p = self.h2_parent()?;
        let g = p.h2.borrow();
        let h = g.as_ref()?;
        Some(h.conn.recv_credit(sid))
    }

    /// lws_h2_update_peer_txcredit: `n` more octets the peer may send on
    /// `sid` (-1: this stream's) and on the connection.
    pub(crate) fn h2_grant(&self, sid: i32, n: u32) -> bool {
        let (p, sid) = if self.h2.borrow().is_some() {
            (self, if sid < 0 { 0 } else { sid as u32 })
        } else {
            let Some(own) = self.h2s.borrow().as_ref().map(|x| x.sid) else {
                return false;
            };
            let Some(p) = self.h2_parent() else {
                return false;
            };
            (p, if sid < 0 { own } else { sid as u32 })
        };
        let ok =
            p.h2.borrow_mut()
                .as_mut()
                .is_some_and(|h| h.conn.grant(sid, n));
        p.h2_flush();
        ok
    }

    /// lws_wsi_tx_credit with US_TO_PEER: what we may still send on this
    /// stream; `add`: credit the program vouches for.
    pub(crate) fn h2_send_credit(&self, add: u32) -> Option<i64> {
        let sid = self.h2s.borrow().as_ref()?.sid;
        let p = self.h2_parent()?;
        let mut g = p.h2.borrow_mut();
        let h = g.as_mut()?;
        if add > 0 {
            h.conn.add_send_credit(sid, add);
            return Some(0);
        }
        Some(h.conn.send_window(sid) as i64)
    }
}
