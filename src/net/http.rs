//! HTTP/1.1 server side: request validation and the header table, the
//! WebSocket upgrade, mounts and static files, request bodies, status
//! responses and keep-alive.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::rc::Rc;

use super::cb;
use super::headers::{self, HeaderTable};
use super::opt;
use super::response;
use super::vfs::{self, VfsFile};
use super::wsi::{Wsi, WsiState};
use crate::capi::log;
use crate::capi::types::lws_fop_flags_t;
use crate::proto::chunked::{self, ChunkedDecoder};
use crate::proto::handshake::{self, Parse, Request, Upgrade, WsUpgrade};
use crate::proto::rx::{Rx, RxConfig};
use crate::proto::uri;

const LWSMPRO_FILE: u8 = 2;
const LWSMPRO_CGI: u8 = 3;
const LWSMPRO_REDIR_HTTP: u8 = 4;
const LWSMPRO_REDIR_HTTPS: u8 = 5;
const LWSMPRO_CALLBACK: u8 = 6;

/// `struct lws_process_html_args`, given to ADD_HEADERS, CHECK_ACCESS_RIGHTS
/// and PROCESS_HTML.
type ProcessHtmlArgs = crate::capi::types::lws_process_html_args;

/// How the request body is framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Body {
    None,
    Length(u64),
    Chunked,
}

/// A file being sent as a response body.
pub(crate) struct FileTx {
    pub file: VfsFile,
    pub remaining: u64,
    /// The protocol whose PROCESS_HTML rewrites each piece (a mount's
    /// `interpret` suffix matched); the body then goes chunked.
    pub interpret: Option<usize>,
    /// Interpreted: the final piece has yet to go through PROCESS_HTML
    /// (an empty file still gets one, so the chunked body is ended).
    pub final_pending: bool,
}

/// Validates the request head beyond what the parser checks (RFC 7230):
/// Host, body framing. Err(status) to refuse. `h2`: the request came on
/// an HTTP/2 stream, where the authority is optional (RFC 9113 8.3.1).
fn validate(req: &Request, h2: bool) -> Result<Body, u16> {
    let hosts = req.headers.iter().filter(|(n, _)| n == "host").count();
    if (req.minor_version >= 1 && hosts == 0 && !h2) || hosts > 1 {
        return Err(400);
    }
    let te: Vec<&[u8]> = req
        .headers
        .iter()
        .filter(|(n, _)| n == "transfer-encoding")
        .map(|(_, v)| v.as_slice())
        .collect();
    let cls: Vec<&[u8]> = req
        .headers
        .iter()
        .filter(|(n, _)| n == "content-length")
        .map(|(_, v)| v.as_slice())
        .collect();
    if !te.is_empty() {
        // a message with both is a smuggling vector: refuse it
        if !cls.is_empty() || req.minor_version == 0 {
            return Err(400);
        }
        let joined: Vec<String> = te
            .iter()
            .flat_map(|v| handshake::tokens(v).map(|t| t.to_ascii_lowercase()))
            .collect();
        return match joined.as_slice() {
            [only] if only == "chunked" => Ok(Body::Chunked),
            _ => Err(501),
        };
    }
    let mut len: Option<u64> = None;
    for v in cls {
        let t = v.trim_ascii();
        if t.is_empty() || t.len() > 19 || !t.iter().all(u8::is_ascii_digit) {
            return Err(400);
        }
        let n: u64 = std::str::from_utf8(t)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or(400u16)?;
        if len.is_some_and(|l| l != n) {
            return Err(400);
        }
        len = Some(n);
    }
    Ok(match len {
        Some(0) | None => Body::None,
        Some(n) => Body::Length(n),
    })
}

impl Wsi {
    /// Parses buffered request bytes; true if a request was handled.
    pub(crate) fn http_try_request(self: &Rc<Self>) -> bool {
        if self.state.get() != WsiState::HttpHead {
            return false;
        }
        let max = self.ctx().max_http_header_data;
        let parsed = {
            let buf = self.http_in.borrow();
            if buf.is_empty() {
                return false;
            }
            let r = handshake::parse_request(&buf, self.ctx().max_http_header_pool);
            if matches!(r, Parse::Partial) && buf.len() > max {
                Parse::Error(431)
            } else {
                r
            }
        };
        match parsed {
            Parse::Partial => false,
            Parse::Error(status) => {
                log::info(&format!("http: bad request, answering {status}"));
                self.http_in.borrow_mut().clear();
                self.send_error_and_close(status);
                true
            }
            Parse::Done(req) => {
                if req.head_len > max {
                    self.send_error_and_close(431);
                    return true;
                }
                self.http_in.borrow_mut().drain(..req.head_len);
                self.handle_request(req);
                true
            }
        }
    }

    pub(crate) fn send_error_and_close(self: &Rc<Self>, status: u16) {
        self.state.set(WsiState::HttpBusy);
        self.keep_alive.set(false);
        let body = format!(
            "<!doctype html><html><head><meta charset=utf-8></head><body><h1>{} {}</h1></body></html>",
            status,
            handshake::status_text(status)
        );
        let mut out = Vec::with_capacity(256 + body.len());
        self.status_head(status as u32, &mut out);
        response::header_token(&mut out, CONTENT_TYPE, b"text/html");
        response::header_token(&mut out, CONTENT_LENGTH, body.len().to_string().as_bytes());
        if status == 426 {
            response::header(&mut out, b"Sec-WebSocket-Version:", b"13");
        }
        response::header(&mut out, b"connection:", b"close");
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(body.as_bytes());
        self.tx_started.set(true);
        let _ = self.send_raw(&out);
        self.close_after_output();
    }

    /// The header table lws's API reads, from a parsed request.
    fn build_table(&self, req: &Request) -> Result<HeaderTable, u16> {
        let Some(mtok) = headers::method_token(&req.method) else {
            return Err(501);
        };
        let target = uri::parse_target(req.uri.as_bytes())?;
        let mut t = HeaderTable::default();
        t.method = Some(mtok);
        t.add(mtok, &target.path);
        for a in &target.args {
            t.add(headers::WSI_TOKEN_HTTP_URI_ARGS, a);
        }
        let limits = self.ctx().token_limits.as_deref();
        for (name, v) in &req.headers {
            let v = v.trim_ascii();
            match headers::header_token(name) {
                Some(tok) => {
                    if let Some(lim) = limits.and_then(|l| l.get(tok).copied()) {
                        if t.total_length(tok) + v.len() > lim as usize {
                            return Err(431);
                        }
                    }
                    t.add(tok, v)
                }
                None => t.add_custom(name, v),
            }
        }
        // an HTTP/2 stream also answers for its pseudo-headers
        if let Some(x) = self.h2s.borrow().as_ref() {
            for (tok, v) in &x.pseudo {
                t.add(*tok, v);
            }
        }
        if t.size() > self.ctx().max_http_header_data {
            return Err(431);
        }
        Ok(t)
    }

    fn handle_request(self: &Rc<Self>, req: Request) {
        self.state.set(WsiState::HttpBusy);
        self.http_minor.set(req.minor_version);
        self.keep_alive.set(req.keep_alive());
        self.resp_close.set(false);
        self.handling_404.set(false);
        let body = match validate(&req, self.h2s.borrow().is_some()) {
            Ok(b) => b,
            Err(status) => {
                log::info(&format!("http: refusing request ({status})"));
                self.send_error_and_close(status);
                return;
            }
        };
        let table = match self.build_table(&req) {
            Ok(t) => t,
            Err(status) => {
                log::info(&format!("http: refusing request ({status})"));
                self.send_error_and_close(status);
                return;
            }
        };
        *self.hdrs.borrow_mut() = Some(table);
        self.select_vhost_by_host();
        self.body.set(body);
        *self.chunk_dec.borrow_mut() = ChunkedDecoder::new();
        self.body_to_user.set(false);
        let up = handshake::check_upgrade(&req);
        let h2c = matches!(up, Upgrade::None) && body == Body::None && self.h2c_offered(&req);
        let h2c_head = h2c.then(|| h2c_stream_head(&req));
        *self.request.borrow_mut() = Some(req);
        if let Some((settings, head, head_request)) = h2c_head {
            self.h2c_upgrade(&settings, head, head_request);
            return;
        }
        match up {
            Upgrade::Reject { status, reason } => {
                log::info(&format!("websocket upgrade refused ({status}): {reason}"));
                self.send_error_and_close(status);
            }
            Upgrade::Ws(u) if body == Body::None => self.ws_upgrade(u),
            Upgrade::Ws(_) => self.send_error_and_close(400),
            Upgrade::None => self.http_dispatch(),
        }
    }

    /// As 4.1.6, a request moves to the vhost its Host header names among
    /// the vhosts on the port it came in on: the exact name (without any
    /// `:port`), else a vhost whose name is a dot-separated suffix of it,
    /// else the first vhost on the port; never one being destroyed. (4.1.6
    /// also takes a vhost whose name merely starts with the Host value; we
    /// do not.)
    fn select_vhost_by_host(&self) {
        let port = self.vhost().listen_port.get();
        if port <= 0 {
            return;
        }
        let host = self
            .hdrs
            .borrow()
            .as_ref()
            .and_then(|t| t.fragment(HOST, 0).map(<[u8]>::to_vec));
        let Some(host) = host.filter(|h| !h.is_empty()) else {
            return;
        };
        let ctx = self.ctx();
        let vh = ctx
            .select_vhost(port, &String::from_utf8_lossy(&host))
            .filter(|v| !v.doomed.get())
            .or_else(|| {
                ctx.vhosts
                    .borrow()
                    .iter()
                    .find(|v| v.listen_port.get() == port && !v.doomed.get())
                    .cloned()
            });
        if let Some(vh) = vh {
            if !std::ptr::eq(Rc::as_ptr(&vh), self.vhost.get()) {
                self.unbind();
                self.vhost_set(&vh);
                self.bind_protocol(vh.default_protocol);
            }
        }
    }

    /// permessage-deflate for a server connection: the first acceptable
    /// offer (RFC 7692), if the vhost lists the extension and the protocol
    /// agrees (CONFIRM_EXTENSION_OKAY); the response element.
    fn negotiate_pmd(&self, offer: Option<&str>) -> Option<String> {
        self.vhost().pmd_offer.as_ref()?;
        let offers = crate::proto::pmd::parse_offers(offer?).ok()?;
        let (agreed, resp) = crate::proto::pmd::server_accept(&offers)?;
        let mut name = *b"permessage-deflate\0";
        if self.dispatch(
            cb::CONFIRM_EXTENSION_OKAY,
            name.as_mut_ptr() as *mut c_void,
            std::ptr::null_mut(),
            0,
        ) != 0
        {
            return None;
        }
        *self.pmd.borrow_mut() = Some(Box::new(crate::proto::pmd::Pmd::new(agreed, 1)));
        Some(resp)
    }

    /// The vhost's user-defined extensions the client offered, in the order
    /// of its offer: each one the protocol agrees to
    /// (CONFIRM_EXTENSION_OKAY) and that constructs is made active, with
    /// the arg-less options it takes; the response elements. Err when an
    /// extension is offered twice (lws refuses the handshake).
    fn negotiate_user_exts(&self, offer: Option<&str>) -> Result<Option<String>, ()> {
        use super::ext::{ext_name, option_table, ActiveExt};
        let vh = self.vhost();
        let (false, Some(offer)) = (vh.user_exts.is_empty(), offer) else {
            return Ok(None);
        };
        let Ok(offers) = crate::proto::pmd::parse_offers(offer) else {
            return Ok(None);
        };
        let mut parts = Vec::new();
        for o in &offers {
            for &e in &vh.user_exts {
                // SAFETY: an entry of the program's extension list.
                if ext_name(unsafe { &*e }) != o.name {
                    continue;
                }
                if self.user_exts.borrow().iter().any(|a| a.ext == e) {
                    log::info("extension offered twice");
                    return Err(());
                }
                let mut name = CString::new(o.name.as_str())
                    .unwrap_or_default()
                    .into_bytes_with_nul();
                if self.dispatch(
                    cb::CONFIRM_EXTENSION_OKAY,
                    name.as_mut_ptr() as *mut c_void,
                    std::ptr::null_mut(),
                    0,
                ) != 0
                {
                    continue;
                }
                let Some((user, opts)) = self.ext_construct(e, false) else {
                    log::info(&format!("ext {} failed construction", o.name));
                    continue;
                };
                let a = ActiveExt { ext: e, user };
                let mut resp = o.name.clone();
                let table = option_table(opts);
                // as lws: only arg-less options, matched by their start
                for (pname, _) in &o.params {
                    for (i, (oname, ty)) in table.iter().enumerate() {
                        if *ty == 0
                            && pname.starts_with(oname.as_str())
                            && self.ext_option_set_flag(a, i)
                        {
                            resp.push_str("; ");
                            resp.push_str(oname);
                        }
                    }
                }
                self.user_exts.borrow_mut().push(a);
                parts.push(resp);
            }
        }
        Ok((!parts.is_empty()).then(|| parts.join(", ")))
    }

    /// `Upgrade: h2c` with HTTP2-Settings on a plain HTTP/1.1 connection.
    fn h2c_offered(&self, req: &Request) -> bool {
        req.has_token("upgrade", "h2c")
            && req.header("http2-settings").is_some()
            && req.minor_version == 1
            && self.ssl().is_null()
            && self.h2s.borrow().is_none()
            && self.is_connection()
    }

    /// As 4.1.6: HTTP_CONFIRM_UPGRADE ("h2c") may refuse (< 0 hangs up,
    /// > 0 means the protocol answered itself); else 101 and HTTP/2,
    /// the request being stream 1.
    fn h2c_upgrade(self: &Rc<Self>, settings: &[u8], head: Vec<u8>, head_request: bool) {
        let mut kind = *b"h2c\0";
        let r = self.dispatch(
            cb::HTTP_CONFIRM_UPGRADE,
            kind.as_mut_ptr() as *mut c_void,
            std::ptr::null_mut(),
            3,
        );
        if r < 0 {
            self.close_now(true);
            return;
        }
        if r > 0 {
            if self.transaction_completed() {
                self.close_after_output();
            }
            return;
        }
        // base64url without padding (RFC 7540 3.2.1); padding is forgiven
        let raw = settings.trim_ascii();
        let end = raw.iter().rposition(|&c| c != b'=').map_or(0, |i| i + 1);
        let decoded = base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            &raw[..end],
        );
        let ok = match decoded {
            Ok(s) => self.h2_start_upgraded(&s, head, head_request).is_ok(),
            Err(_) => false,
        };
        if !ok {
            log::info("http: h2c upgrade with bad HTTP2-Settings");
            self.send_error_and_close(400);
        }
    }

    fn ws_upgrade(self: &Rc<Self>, up: WsUpgrade) {
        let mut kind = *b"websocket\0";
        if self.dispatch(
            cb::HTTP_CONFIRM_UPGRADE,
            kind.as_mut_ptr() as *mut c_void,
            std::ptr::null_mut(),
            9,
        ) != 0
        {
            self.close_now(true);
            return;
        }
        let vh = self.vhost();
        let idx = if up.protocols.is_empty() {
            Some(vh.default_protocol)
        } else {
            // the client's first offer that the vhost knows, as lws does
            up.protocols
                .iter()
                .find_map(|want| protocol_index(&vh.protocols, want.as_bytes()))
        };
        let Some(idx) = idx else {
            log::notice(&format!(
                "No supported protocol \"{}\"",
                up.protocols.join(", ")
            ));
            self.send_error_and_close(400);
            return;
        };
        if self.bind_protocol_cb(idx) != 0 {
            self.close_now(true);
            return;
        }
        // the header as received, NULL without one, as 4.1.6 (janus
        // refuses clients that name no subprotocol on that NULL)
        let offered = self
            .hdrs
            .borrow()
            .as_ref()
            .and_then(|t| t.fragment(WS_PROTOCOL, 0).map(<[u8]>::to_vec))
            .and_then(|v| CString::new(v).ok());
        if self.dispatch(
            cb::FILTER_PROTOCOL_CONNECTION,
            offered
                .as_ref()
                .map_or(std::ptr::null_mut(), |o| o.as_ptr() as *mut c_void),
            std::ptr::null_mut(),
            0,
        ) != 0
        {
            log::info("user refused the websocket connection");
            self.send_error_and_close(403);
            return;
        }
        let pmd_resp = self.negotiate_pmd(up.extensions.as_deref());
        let user_resp = match self.negotiate_user_exts(up.extensions.as_deref()) {
            Ok(r) => r,
            Err(()) => {
                self.exts_destroy();
                self.send_error_and_close(400);
                return;
            }
        };
        let ext_resp = match (pmd_resp, user_resp) {
            (Some(p), Some(u)) => Some(format!("{p}, {u}")),
            (p, u) => p.or(u),
        };
        let mut resp = Vec::with_capacity(256);
        resp.extend_from_slice(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ");
        resp.extend_from_slice(handshake::accept_key(&up.key).as_bytes());
        resp.extend_from_slice(b"\r\n");
        let pname = vh.protocols[idx].name;
        if !up.protocols.is_empty() && !pname.is_null() {
            // SAFETY: protocol names are C strings owned by the program.
            let n = unsafe { CStr::from_ptr(pname) }.to_bytes();
            if !n.is_empty() {
                resp.extend_from_slice(b"Sec-WebSocket-Protocol: ");
                resp.extend_from_slice(n);
                resp.extend_from_slice(b"\r\n");
            }
        }
        if let Some(e) = &ext_resp {
            resp.extend_from_slice(b"Sec-WebSocket-Extensions: ");
            resp.extend_from_slice(e.as_bytes());
            resp.extend_from_slice(b"\r\n");
        }
        if !self.add_user_headers(&mut resp) {
            // 4.1.6 drops the connection without an answer
            log::info("ADD_HEADERS refused the websocket connection");
            self.close_now(true);
            return;
        }
        resp.extend_from_slice(b"\r\n");
        if self.send_raw(&resp).is_err() {
            self.close_now(true);
            return;
        }
        *self.rx.borrow_mut() = Some(Rx::new(RxConfig {
            expect_masked: true,
            max_frame_payload: 0,
            max_message: 0,
            // text a user extension transforms is checked after it
            validate_utf8: vh.options & opt::VALIDATE_UTF8 != 0 && !self.has_user_exts(),
            allowed_rsv: if ext_resp.is_some() {
                crate::proto::frame::RSV1
            } else {
                0
            },
        }));
        self.request.borrow_mut().take();
        self.state.set(WsiState::Ws);
        self.established.set(true);
        self.set_timeout(0, 0);
        self.validity_confirmed();
        if self.dispatch(
            cb::ESTABLISHED,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        ) != 0
        {
            self.user_close();
            return;
        }
        // bytes that followed the upgrade request are WebSocket frames
        let rest = std::mem::take(&mut *self.http_in.borrow_mut());
        if !rest.is_empty() {
            let mut st = self.rx_stash.borrow_mut();
            let mut v = rest;
            v.extend_from_slice(&st);
            *st = v;
            drop(st);
            self.ctx().schedule(self);
        }
    }

    /// ADD_HEADERS: the user may append header lines; false if it
    /// refused the request (non-zero return).
    #[must_use]
    fn add_user_headers(&self, out: &mut Vec<u8>) -> bool {
        let mut buf = vec![0u8; 2048];
        let mut args = ProcessHtmlArgs {
            p: buf.as_mut_ptr() as *mut c_char,
            len: 0,
            max_len: buf.len() as c_int,
            r#final: 0,
            chunked: 0,
        };
        let r = self.dispatch(
            cb::ADD_HEADERS,
            &mut args as *mut ProcessHtmlArgs as *mut c_void,
            std::ptr::null_mut(),
            0,
        );
        let used = (args.p as usize)
            .saturating_sub(buf.as_ptr() as usize)
            .min(buf.len());
        out.extend_from_slice(&buf[..used]);
        r == 0
    }

    fn http_dispatch(self: &Rc<Self>) {
        let (uri, path) = {
            let r = self.request.borrow();
            let r = r.as_ref().expect("request present");
            let path = self
                .hdrs
                .borrow()
                .as_ref()
                .and_then(|t| {
                    t.method.and_then(|m| {
                        t.fragment(m, 0)
                            .map(|p| String::from_utf8_lossy(p).into_owned())
                    })
                })
                .unwrap_or_default();
            (r.uri.clone(), path)
        };
        let curi = CString::new(uri.clone()).unwrap_or_default();
        if self.dispatch(
            cb::FILTER_HTTP_CONNECTION,
            curi.as_ptr() as *mut c_void,
            std::ptr::null_mut(),
            uri.len(),
        ) != 0
        {
            self.close_now(true);
            return;
        }
        self.set_timeout(
            super::wsi::PENDING_TIMEOUT_HTTP_CONTENT,
            self.ctx().timeout_secs as i32,
        );
        if self.redirect_to_https.get() {
            // plain http on a TLS port: send it to https://host/
            let host = self
                .hdrs
                .borrow()
                .as_ref()
                .and_then(|t| t.fragment(HOST, 0).map(<[u8]>::to_vec));
            match host {
                Some(h) if !h.is_empty() && h.len() <= 128 => {
                    let mut loc = b"https://".to_vec();
                    loc.extend_from_slice(&h);
                    loc.push(b'/');
                    let mut out = Vec::new();
                    self.redirect_head(301, &loc, &mut out);
                    self.tx_started.set(true);
                    if self.send_raw(&out).is_err() || self.transaction_completed() {
                        self.close_after_output();
                    }
                }
                _ => self.close_now(true),
            }
            return;
        }
        if let Some((m, rest)) = self.find_mount(&path) {
            // SAFETY: mounts are owned by the program for the vhost's life.
            let m = unsafe { &*m };
            if self.mount_redirect(m, &path, &rest) || !self.basic_auth_ok(m) {
                return;
            }
            if m.origin_protocol == LWSMPRO_CALLBACK || !m.protocol.is_null() {
                let name = if m.protocol.is_null() {
                    m.origin
                } else {
                    m.protocol
                };
                let want = cstr_or_empty(name).into_bytes();
                match protocol_index(&self.vhost().protocols, &want) {
                    Some(i) => {
                        if self.bind_protocol_cb(i) != 0 {
                            self.close_now(true);
                            return;
                        }
                    }
                    None => {
                        log::err(&format!(
                            "Unable to find protocol '{}' for mount",
                            String::from_utf8_lossy(&want)
                        ));
                        self.close_now(true);
                        return;
                    }
                }
                if !self.check_access_rights(m, &path) {
                    return;
                }
                if m.origin_protocol == LWSMPRO_CALLBACK {
                    self.http_to_user(&rest);
                    return;
                }
            }
            match m.origin_protocol {
                LWSMPRO_FILE => {
                    self.serve_mount(m, &path, &rest);
                    return;
                }
                _ => {}
            }
        }
        // no mount: protocols[0] answers, as in lws
        if self.bind_protocol_cb(0) != 0 {
            self.close_now(true);
            return;
        }
        self.http_to_user(&path);
    }

    /// Basic authentication for a mount with a login file (or the
    /// verify-callback mode). false when the request was answered (401 or
    /// 403) and must go no further.
    fn basic_auth_ok(self: &Rc<Self>, m: &crate::capi::types::lws_http_mount) -> bool {
        let mode = m.auth_mask & AUTH_MODE_MASK;
        if m.basic_auth_login_file.is_null() && mode == LWSAUTHM_DEFAULT {
            return true;
        }
        let (count, value) = {
            let t = self.hdrs.borrow();
            let t = t.as_ref();
            (
                t.map_or(0, |t| {
                    (0..)
                        .take_while(|&i| t.fragment(AUTHORIZATION, i).is_some())
                        .count()
                }),
                t.map(|t| t.joined(AUTHORIZATION)).unwrap_or_default(),
            )
        };
        if count != 1 {
            return self.unauthorised();
        }
        if value.len() < 7
            || value.len() >= 160
            || !value[..5].eq_ignore_ascii_case(b"Basic")
            || value[5] != b' '
        {
            self.send_status(403);
            return false;
        }
        use base64::Engine;
        let Ok(plain) = base64::engine::general_purpose::STANDARD.decode(value[6..].trim_ascii())
        else {
            self.send_status(403);
            return false;
        };
        let Some(colon) = plain.iter().position(|&c| c == b':') else {
            self.send_status(403);
            return false;
        };
        let ok = match mode {
            LWSAUTHM_DEFAULT => {
                let file = cstr_or_empty(m.basic_auth_login_file);
                match std::fs::read(&file) {
                    Ok(content) => content
                        .split(|&c| c == b'\n')
                        .any(|l| l.strip_suffix(b"\r").unwrap_or(l) == plain.as_slice()),
                    Err(_) => {
                        log::err(&format!("can't open auth file: {file}"));
                        false
                    }
                }
            }
            LWSAUTHM_BASIC_AUTH_CALLBACK => {
                let mut p = plain.clone();
                let len = p.len();
                p.push(0);
                self.dispatch(
                    cb::VERIFY_BASIC_AUTHORIZATION,
                    p.as_mut_ptr() as *mut c_void,
                    std::ptr::null_mut(),
                    len,
                ) != 0
            }
            _ => false,
        };
        if !ok {
            return self.unauthorised();
        }
        // from here the header holds just the user name, as in lws
        if let Some(t) = self.hdrs.borrow_mut().as_mut() {
            t.replace(AUTHORIZATION, &plain[..colon]);
        }
        true
    }

    /// 401 asking for basic auth, then the end of the transaction.
    fn unauthorised(self: &Rc<Self>) -> bool {
        let mut out = Vec::new();
        self.status_head(401, &mut out);
        response::header_token(&mut out, WWW_AUTHENTICATE, b"Basic realm=\"lwsws\"");
        response::header_token(&mut out, CONTENT_LENGTH, b"0");
        out.extend_from_slice(b"\r\n");
        self.tx_started.set(true);
        if self.send_raw(&out).is_err() || self.transaction_completed() {
            self.close_after_output();
        }
        false
    }

    /// CHECK_ACCESS_RIGHTS for a protocol mount; false when refused (401)
    /// or when the callback answered the request itself.
    fn check_access_rights(
        self: &Rc<Self>,
        m: &crate::capi::types::lws_http_mount,
        uri: &str,
    ) -> bool {
        let mut curi = CString::new(uri).unwrap_or_default().into_bytes_with_nul();
        let mut args = ProcessHtmlArgs {
            p: curi.as_mut_ptr() as *mut c_char,
            len: uri.len() as c_int,
            max_len: (m.auth_mask & !AUTH_MODE_MASK) as c_int,
            r#final: 0,
            chunked: 0,
        };
        if self.dispatch(
            cb::CHECK_ACCESS_RIGHTS,
            &mut args as *mut ProcessHtmlArgs as *mut c_void,
            std::ptr::null_mut(),
            0,
        ) != 0
        {
            let _ = self.return_http_status(401, "");
            self.close_after_output();
            return false;
        }
        args.r#final == 0
    }

    /// HTTP with `uri` to the bound protocol; the request body then follows
    /// as HTTP_BODY callbacks.
    fn http_to_user(self: &Rc<Self>, uri: &str) {
        let curi = CString::new(uri).unwrap_or_default();
        if self.body.get() != Body::None && self.expects_continue() {
            let _ = self.send_raw(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        if self.dispatch(
            cb::HTTP,
            curi.as_ptr() as *mut c_void,
            std::ptr::null_mut(),
            uri.len(),
        ) != 0
        {
            self.user_close();
            return;
        }
        if self.state.get() == WsiState::HttpBusy && self.body.get() != Body::None {
            self.body_to_user.set(true);
            self.feed_body_from_buffer();
        } else if self.state.get() == WsiState::HttpBusy && self.post_with_empty_body() {
            // lws gives a POST with `Content-Length: 0` an empty body and
            // its completion, so form handlers answer it
            let null = std::ptr::null_mut();
            if self.dispatch(cb::HTTP_BODY, null, null, 0) != 0
                || self.dispatch(cb::HTTP_BODY_COMPLETION, null, null, 0) != 0
            {
                self.user_close();
            }
        }
    }

    fn post_with_empty_body(&self) -> bool {
        self.request.borrow().as_ref().is_some_and(|r| {
            r.method == "POST"
                && r.header("content-length")
                    .is_some_and(|v| v.trim_ascii() == b"0")
        })
    }

    fn expects_continue(&self) -> bool {
        self.request.borrow().as_ref().is_some_and(|r| {
            r.minor_version >= 1
                && r.header("expect")
                    .is_some_and(|v| v.trim_ascii().eq_ignore_ascii_case(b"100-continue"))
        })
    }

    /// Body bytes that arrived with the head (or while busy) are in http_in.
    pub(crate) fn feed_body_from_buffer(self: &Rc<Self>) {
        if self.body.get() == Body::None {
            return;
        }
        let mut data = std::mem::take(&mut *self.http_in.borrow_mut());
        if data.is_empty() {
            return;
        }
        let used = self.body_input(&mut data);
        let mut rest = data.split_off(used.min(data.len()));
        let mut inb = self.http_in.borrow_mut();
        rest.extend_from_slice(&inb);
        *inb = rest;
    }

    /// Consumes request body bytes from `data`; returns how many belonged to
    /// the body (the rest is the next request). Delivers HTTP_BODY and, at
    /// the end, HTTP_BODY_COMPLETION to the user when it asked for the
    /// request; otherwise the body is read and dropped.
    pub(crate) fn body_input(self: &Rc<Self>, data: &mut Vec<u8>) -> usize {
        let mut pos = 0;
        while pos < data.len() && self.state.get() == WsiState::HttpBusy {
            match self.body.get() {
                Body::None => break,
                Body::Length(rem) => {
                    let n = (rem.min((data.len() - pos) as u64)) as usize;
                    let left = rem - n as u64;
                    self.body.set(if left == 0 {
                        Body::None
                    } else {
                        Body::Length(left)
                    });
                    if !self.deliver_body(&mut data[pos..pos + n]) {
                        return data.len();
                    }
                    pos += n;
                    if left == 0 {
                        self.body_complete();
                    }
                }
                Body::Chunked => {
                    let (n, ev) = self.chunk_dec.borrow_mut().feed(&data[pos..]);
                    let base = pos;
                    pos += n;
                    match ev {
                        Some(chunked::Event::Data(r)) => {
                            if !self.deliver_body(&mut data[base + r.start..base + r.end]) {
                                return data.len();
                            }
                        }
                        Some(chunked::Event::End) => {
                            self.body.set(Body::None);
                            self.body_complete();
                        }
                        Some(chunked::Event::Error) => {
                            log::info("http: bad chunked body framing");
                            self.body.set(Body::None);
                            if self.tx_started.get() {
                                self.close_now(true);
                            } else {
                                self.send_error_and_close(400);
                            }
                            return data.len();
                        }
                        None => {}
                    }
                }
            }
        }
        pos
    }

    fn deliver_body(self: &Rc<Self>, chunk: &mut [u8]) -> bool {
        if !self.body_to_user.get() || chunk.is_empty() {
            return true;
        }
        self.set_timeout(
            super::wsi::PENDING_TIMEOUT_HTTP_CONTENT,
            self.ctx().timeout_secs as i32,
        );
        if self.dispatch(
            cb::HTTP_BODY,
            chunk.as_mut_ptr() as *mut c_void,
            std::ptr::null_mut(),
            chunk.len(),
        ) != 0
        {
            self.user_close();
            return false;
        }
        true
    }

    fn body_complete(self: &Rc<Self>) {
        if !self.body_to_user.replace(false) {
            return;
        }
        if self.dispatch(
            cb::HTTP_BODY_COMPLETION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        ) != 0
        {
            self.user_close();
        }
    }

    /// The mount lws picks for `path` (its mountpoint_len decides, as in
    /// lws: the longest match wins; file mounts need GET, POST or HEAD or a
    /// protocol), and the rest of the path after it.
    fn find_mount(
        &self,
        path: &str,
    ) -> Option<(*const crate::capi::types::lws_http_mount, String)> {
        let pb = path.as_bytes();
        let method_ok = self
            .hdrs
            .borrow()
            .as_ref()
            .and_then(|t| t.method)
            .is_some_and(|m| matches!(m, 0 | 1 | 82));
        let mut best = 0usize;
        let mut hit: Option<(*const crate::capi::types::lws_http_mount, usize)> = None;
        let mut m = self.vhost().mounts;
        while !m.is_null() {
            // SAFETY: a NULL-terminated list owned by the program.
            let mr = unsafe { &*m };
            let l = mr.mountpoint_len as usize;
            if !mr.mountpoint.is_null() && pb.len() >= l {
                // SAFETY: mountpoint is a C string.
                let mp = unsafe { CStr::from_ptr(mr.mountpoint) }.to_bytes();
                // strncmp over l bytes: a shorter mountpoint compares its NUL
                let same = (0..l).all(|i| mp.get(i).copied().unwrap_or(0) == pb[i]);
                let boundary = pb.len() == l || pb[l] == b'/' || l == 1;
                if same && boundary {
                    if mr.origin_protocol == LWSMPRO_CALLBACK
                        || ((method_ok || !mr.protocol.is_null()) && l > best)
                    {
                        best = l;
                        hit = Some((m, l));
                    }
                }
            }
            m = mr.mount_next;
        }
        hit.map(|(m, l)| (m, path[l..].to_string()))
    }

    /// lws redirects a mount asked for without the slash after its
    /// mountpoint (so relative links work), and every redirect mount;
    /// true when it answered.
    fn mount_redirect(
        self: &Rc<Self>,
        m: &crate::capi::types::lws_http_mount,
        path: &str,
        rest: &str,
    ) -> bool {
        let redir = matches!(m.origin_protocol, LWSMPRO_REDIR_HTTP | LWSMPRO_REDIR_HTTPS);
        if !((m.mountpoint_len > 1 || redir)
            && (!rest.starts_with('/') || redir)
            && m.origin_protocol != LWSMPRO_CGI
            && m.origin_protocol != LWSMPRO_CALLBACK)
        {
            return false;
        }
        let loc = if redir {
            let scheme = if m.origin_protocol == LWSMPRO_REDIR_HTTP {
                "http://"
            } else {
                "https://"
            };
            format!("{scheme}{}", cstr_or_empty(m.origin))
        } else {
            let host = self
                .hdrs
                .borrow()
                .as_ref()
                .map(|t| t.joined(HOST))
                .unwrap_or_default();
            if host.is_empty() {
                self.close_now(true);
                return true;
            }
            format!("http://{}{}/", String::from_utf8_lossy(&host), path)
        };
        // lws answers these as HTTP/1.0 and ends the connection
        self.http_minor.set(0);
        self.keep_alive.set(false);
        self.redirect_and_complete(301, loc.as_bytes());
        true
    }

    /// Serves `rest` of the path from a file mount.
    fn serve_mount(
        self: &Rc<Self>,
        m: &crate::capi::types::lws_http_mount,
        path: &str,
        rest: &str,
    ) {
        let origin = cstr_or_empty(m.origin);
        let def = if m.def.is_null() {
            "index.html".to_string()
        } else {
            cstr_or_empty(m.def)
        };
        // as 4.1.6: the path is origin/rest, whatever slashes that makes
        // (file operations see it); only the mountpoint itself gets the
        // default name here, a directory below it when it is opened
        let rel = if rest.is_empty() || rest == "/" {
            def.clone()
        } else {
            rest.to_string()
        };
        // the path was decoded and normalised already; refuse what could
        // still name something outside the origin
        if rel.split('/').any(|c| c == "..") || rel.contains('\0') {
            self.send_status(403);
            return;
        }
        let mut full = format!("{origin}/{rel}");
        // as 4.1.6: opened through the context's file operations, then
        // fstat'ed (unless the set says the file is virtual); a directory
        // is opened again with the default name appended
        let mut fflags = libc::O_RDONLY as lws_fop_flags_t | self.gzip_acceptable();
        let mut spin = 0;
        let file = loop {
            spin += 1;
            let Some(file) = self.ctx().fops.open(&full, &mut fflags) else {
                self.mount_file_missing(m, path);
                return;
            };
            if fflags & vfs::VIRTUAL != 0 {
                break file;
            }
            // SAFETY: fstat of the open file's descriptor into our buffer.
            let mut st: libc::stat = unsafe { std::mem::zeroed() };
            if unsafe { libc::fstat(file.fd(), &mut st) } != 0 {
                self.mount_file_missing(m, path);
                return;
            }
            file.set_mod_time(st.st_mtime as u32);
            fflags |= vfs::MOD_TIME_VALID;
            match st.st_mode & libc::S_IFMT {
                // a symlink is followed wherever it leads, as in 4.1.6
                // (driftnet links its page into the directory it serves)
                libc::S_IFREG => break file,
                libc::S_IFDIR if spin < 5 => full = format!("{origin}/{rel}/{def}"),
                _ => {
                    self.mount_file_missing(m, path);
                    return;
                }
            }
        };
        let etag = format!("{:08X}{:08X}", file.len(), file.mod_time());
        let cache = cache_control(m);
        let inm = self.hdrs.borrow().as_ref().map(|t| t.joined(IF_NONE_MATCH));
        if inm.is_some_and(|v| v == etag.as_bytes()) {
            let mut out = Vec::new();
            self.status_head(304, &mut out);
            response::header_token(&mut out, ETAG, etag.as_bytes());
            response::header_token(&mut out, CACHE_CONTROL, cache.as_bytes());
            out.extend_from_slice(b"\r\n");
            self.tx_started.set(true);
            if self.send_raw(&out).is_err() || self.transaction_completed() {
                self.close_after_output();
            }
            return;
        }
        let Some(mime) = get_mimetype(&full, m) else {
            log::info(&format!("unknown mimetype for {full}"));
            self.send_status(415);
            return;
        };
        let mut extra = Vec::new();
        response::header_token(&mut extra, ETAG, etag.as_bytes());
        let interpret = match interpret_protocol(m, &full, &self.vhost().protocols) {
            Ok(i) => i,
            Err(name) => {
                log::err(&format!("interpret: no protocol '{name}' for {full}"));
                self.send_status(500);
                return;
            }
        };
        if let Some(i) = interpret {
            // as lws: the interpreting protocol is bound (fresh user space,
            // HTTP_BIND_PROTOCOL) and the body goes chunked
            if self.bind_protocol_cb(i) != 0 {
                self.close_now(true);
                return;
            }
            response::header_token(&mut extra, TRANSFER_ENCODING, b"chunked");
        }
        if !m.protocol.is_null() {
            if interpret.is_some() {
                // lws binds the mount's protocol again after the
                // interpreting one; PROCESS_HTML then still goes to the
                // interpreting protocol, with this binding's user space
                let want = cstr_or_empty(m.protocol).into_bytes();
                let Some(pi) = protocol_index(&self.vhost().protocols, &want) else {
                    self.close_now(true);
                    return;
                };
                if self.bind_protocol_cb(pi) != 0 {
                    self.close_now(true);
                    return;
                }
            }
            // a file mount with a protocol lets it add headers, or refuse
            // (4.1.6 then closes the connection)
            if !self.add_user_headers(&mut extra) {
                self.close_now(true);
                return;
            }
        }
        let len = file.len();
        self.serve_file_start(file, len, &mime, &extra, Some(&cache), interpret);
    }

    /// LWS_FOP_FLAG_COMPR_ACCEPTABLE_GZIP when the client accepts gzip:
    /// file operations that keep compressed files may then return them.
    pub(crate) fn gzip_acceptable(&self) -> lws_fop_flags_t {
        let ae = self
            .hdrs
            .borrow()
            .as_ref()
            .map(|t| t.joined(ACCEPT_ENCODING));
        if ae.is_some_and(|v| v.windows(4).any(|w| w == b"gzip")) {
            vfs::COMPR_ACCEPTABLE_GZIP
        } else {
            0
        }
    }

    /// A URL a file mount has no file for goes to the mount's protocol (or
    /// the vhost's first) as LWS_CALLBACK_HTTP with the whole path, as in
    /// lws: a handler may answer it (a form target), the default one
    /// answers 404.
    fn mount_file_missing(self: &Rc<Self>, m: &crate::capi::types::lws_http_mount, path: &str) {
        if m.protocol.is_null() && self.bind_protocol_cb(0) != 0 {
            self.close_now(true);
            return;
        }
        self.http_to_user(path);
    }

    /// Sends the head for a file and starts streaming it (lws_serve_http_file).
    pub(crate) fn serve_file_open(
        self: &Rc<Self>,
        file: VfsFile,
        len: u64,
        content_type: &str,
        other_headers: &[u8],
        cache: Option<&str>,
    ) {
        self.serve_file_start(file, len, content_type, other_headers, cache, None)
    }

    /// serve_file_open, optionally interpreted by protocol `interpret`
    /// (then the head has no content-length: `other_headers` carries
    /// `transfer-encoding: chunked`).
    fn serve_file_start(
        self: &Rc<Self>,
        file: VfsFile,
        len: u64,
        content_type: &str,
        other_headers: &[u8],
        cache: Option<&str>,
        interpret: Option<usize>,
    ) {
        let mut out = Vec::with_capacity(256);
        self.status_head(if self.handling_404.get() { 404 } else { 200 }, &mut out);
        // a file its set opened compressed, for a client that takes that
        let gzip = vfs::COMPR_ACCEPTABLE_GZIP | vfs::COMPR_IS_GZIP;
        if file.flags() & gzip == gzip {
            response::header_token(&mut out, CONTENT_ENCODING, b"gzip");
        }
        if !content_type.is_empty() {
            response::header_token(&mut out, CONTENT_TYPE, content_type.as_bytes());
        }
        if interpret.is_none() {
            response::header_token(&mut out, CONTENT_LENGTH, len.to_string().as_bytes());
        }
        let oh = String::from_utf8_lossy(other_headers);
        if !oh.contains("cache-control") && !oh.contains("Cache-Control") {
            response::header_token(
                &mut out,
                CACHE_CONTROL,
                cache.unwrap_or("no-store").as_bytes(),
            );
        }
        out.extend_from_slice(other_headers);
        out.extend_from_slice(b"\r\n");
        self.tx_started.set(true);
        if self.send_raw(&out).is_err() {
            self.close_now(true);
            return;
        }
        let head_only = self
            .request
            .borrow()
            .as_ref()
            .is_some_and(|r| r.method == "HEAD");
        let mut ft = FileTx {
            file,
            remaining: if head_only { 0 } else { len },
            interpret,
            final_pending: interpret.is_some() && !head_only,
        };
        // the first piece (uninterpreted) leaves with the head; the rest, and the
        // completion callback, come from the service loop (never inside the
        // callback that asked for the file)
        if ft.remaining > 0 && interpret.is_none() {
            use std::io::Read;
            let mut chunk = vec![0u8; (ft.remaining.min(FILE_CHUNK as u64)) as usize];
            if let Ok(n) = ft.file.read(&mut chunk) {
                chunk.truncate(n);
                ft.remaining -= n as u64;
                if self.send_raw(&chunk).is_err() {
                    self.close_now(true);
                    return;
                }
            }
        }
        *self.file_tx.borrow_mut() = Some(ft);
        self.ctx().schedule(self);
    }

    /// Sends more of the file while the socket takes it.
    pub(crate) fn continue_file(self: &Rc<Self>) {
        use std::io::Read;
        loop {
            // keep a bounded amount queued; the writable event (or the end
            // of a corked section) brings us back
            let queued = self.tx_pending.borrow().len()
                - self.tx_off.get().min(self.tx_pending.borrow().len());
            if queued >= FILE_QUEUE
                || (queued > 0 && !self.corked.get() && !self.can_write.get())
                || self.state.get() != WsiState::HttpBusy
            {
                return;
            }
            let (finished, interpret) = match self.file_tx.borrow().as_ref() {
                None => return,
                Some(f) => (f.remaining == 0 && !f.final_pending, f.interpret),
            };
            if finished {
                self.file_tx.borrow_mut().take();
                self.file_done();
                return;
            }
            if let Some(pi) = interpret {
                if !self.interpret_piece(pi) {
                    return;
                }
                continue;
            }
            let mut chunk = vec![0u8; FILE_CHUNK];
            let done = {
                let mut ft = self.file_tx.borrow_mut();
                let Some(f) = ft.as_mut() else { return };
                let want = (f.remaining.min(FILE_CHUNK as u64)) as usize;
                match f.file.read(&mut chunk[..want]) {
                    Ok(0) | Err(_) => None,
                    Ok(n) => {
                        f.remaining -= n as u64;
                        chunk.truncate(n);
                        Some(f.remaining == 0)
                    }
                }
            };
            let Some(done) = done else {
                // the file shrank or failed under us: the length we
                // promised cannot be kept
                log::warn("serving file: read failed, closing");
                self.file_tx.borrow_mut().take();
                self.close_now(true);
                return;
            };
            self.set_timeout(
                super::wsi::PENDING_TIMEOUT_HTTP_CONTENT,
                self.ctx().timeout_secs as i32,
            );
            if self.send_raw(&chunk).is_err() {
                self.file_tx.borrow_mut().take();
                self.close_now(true);
                return;
            }
            if done {
                self.file_tx.borrow_mut().take();
                self.file_done();
                return;
            }
        }
    }

    /// Reads the next piece of an interpreted file, has protocol `pi`
    /// rewrite it (PROCESS_HTML) and sends what it leaves. false when the
    /// connection is closing or the file is done.
    fn interpret_piece(self: &Rc<Self>, pi: usize) -> bool {
        use std::io::Read;
        // lws's piece: the service buffer less an h2 frame header, capped
        // by the bound protocol's tx_packet_size, less 10 bytes of headroom
        // for the chunk size and 128 of room to grow
        let mut piece = self.ctx().pt_serv_buf_size.saturating_sub(9);
        let txp = self
            .vhost()
            .protocols
            .get(self.protocol.get())
            .map_or(0, |p| p.tx_packet_size);
        if txp > 0 && piece > txp {
            piece = txp;
        }
        let piece = piece
            .saturating_sub(INTERPRET_HEADROOM + INTERPRET_GROWTH)
            .max(16);
        let mut buf = vec![0u8; INTERPRET_HEADROOM + piece + INTERPRET_GROWTH];
        let read = {
            let mut ft = self.file_tx.borrow_mut();
            let Some(f) = ft.as_mut() else { return false };
            let want = (f.remaining.min(piece as u64)) as usize;
            if want == 0 {
                Ok(0)
            } else {
                match f
                    .file
                    .read(&mut buf[INTERPRET_HEADROOM..INTERPRET_HEADROOM + want])
                {
                    Ok(0) | Err(_) => Err(()),
                    Ok(n) => {
                        f.remaining -= n as u64;
                        Ok(n)
                    }
                }
            }
        };
        let Ok(n) = read else {
            log::warn("serving file: read failed, closing");
            self.file_tx.borrow_mut().take();
            self.close_now(true);
            return false;
        };
        let last = self
            .file_tx
            .borrow()
            .as_ref()
            .is_some_and(|f| f.remaining == 0);
        if last {
            if let Some(f) = self.file_tx.borrow_mut().as_mut() {
                f.final_pending = false;
            }
        }
        self.set_timeout(
            super::wsi::PENDING_TIMEOUT_HTTP_CONTENT,
            self.ctx().timeout_secs as i32,
        );
        let mut args = ProcessHtmlArgs {
            // SAFETY: within buf (INTERPRET_HEADROOM < buf.len()).
            p: unsafe { buf.as_mut_ptr().add(INTERPRET_HEADROOM) } as *mut c_char,
            len: n as c_int,
            max_len: (piece + INTERPRET_GROWTH) as c_int,
            r#final: last as c_int,
            chunked: 1,
        };
        // the interpreting protocol's callback, with whatever user space the
        // wsi has now (lws does the same)
        let r = self.dispatch_protocol(
            pi,
            cb::PROCESS_HTML,
            self.user_space.get(),
            &mut args as *mut ProcessHtmlArgs as *mut c_void,
            0,
        );
        if self.state.get() != WsiState::HttpBusy || self.file_tx.borrow().is_none() {
            return false;
        }
        if r < 0 || args.len < 0 || (args.len > 0 && args.p.is_null()) {
            self.file_tx.borrow_mut().take();
            self.close_now(true);
            return false;
        }
        let out = if args.len == 0 {
            &[][..]
        } else {
            // SAFETY: the callback leaves args.p/args.len describing the
            // bytes to send (in buf, or memory of its own), as lws requires.
            unsafe { std::slice::from_raw_parts(args.p as *const u8, args.len as usize) }
        };
        if self.send_raw(out).is_err() {
            self.file_tx.borrow_mut().take();
            self.close_now(true);
            return false;
        }
        true
    }

    fn file_done(self: &Rc<Self>) {
        if self.dispatch(
            cb::HTTP_FILE_COMPLETION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        ) != 0
        {
            self.user_close();
            return;
        }
        if self.state.get() == WsiState::HttpBusy && self.transaction_completed() {
            self.close_after_output();
        }
    }

    /// A redirect with an empty body, then the end of the transaction.
    fn redirect_and_complete(self: &Rc<Self>, code: u32, loc: &[u8]) {
        let mut out = Vec::new();
        self.redirect_head(code, loc, &mut out);
        self.tx_started.set(true);
        if self.send_raw(&out).is_err() || self.transaction_completed() {
            self.close_after_output();
        }
    }

    /// The head lws_http_redirect writes.
    pub(crate) fn redirect_head(&self, code: u32, loc: &[u8], out: &mut Vec<u8>) {
        self.status_head(code, out);
        response::header_token(out, LOCATION, loc);
        response::header_token(out, CONTENT_TYPE, b"text/html");
        response::header_token(out, CONTENT_LENGTH, b"0");
        out.extend_from_slice(b"\r\n");
    }

    /// lws_return_http_status followed by completing the transaction.
    fn send_status(self: &Rc<Self>, code: u16) {
        if self.return_http_status(code as u32, "").is_err() || self.transaction_completed() {
            self.close_after_output();
        }
    }

    /// Sends a complete status response with lws's HTML body; a 404 goes
    /// to the vhost's error document instead, when it has one.
    pub(crate) fn return_http_status(&self, code: u32, html_body: &str) -> std::io::Result<()> {
        let code = code & response::LWSAHH_CODE_MASK;
        if code == 404 && !self.handling_404.get() {
            if let Some(doc) = self.vhost().error_document_404.clone() {
                let mut out = Vec::new();
                self.redirect_head(302, doc.as_bytes(), &mut out);
                self.tx_started.set(true);
                return self.send_raw(&out);
            }
        }
        let body = format!(
            "<html><head><meta charset=utf-8 http-equiv=\"Content-Language\" content=\"en\"/>\
             <link rel=\"stylesheet\" type=\"text/css\" href=\"/error.css\"/></head><body><h1>{code}</h1>{html_body}</body></html>"
        );
        let mut out = Vec::with_capacity(256 + body.len());
        self.status_head(code, &mut out);
        response::header_token(&mut out, CONTENT_TYPE, b"text/html");
        response::header_token(&mut out, CONTENT_LENGTH, body.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
        let head_only = self
            .request
            .borrow()
            .as_ref()
            .is_some_and(|r| r.method == "HEAD");
        if !head_only {
            out.extend_from_slice(body.as_bytes());
        }
        self.tx_started.set(true);
        self.send_raw(&out)
    }

    /// Ends the current HTTP transaction. true: the connection must close
    /// (no keep-alive, or a response without a length); false: it waits
    /// for the next request.
    pub(crate) fn transaction_completed(self: &Rc<Self>) -> bool {
        // an HTTP/2 stream carries one transaction
        if self.h2s.borrow().is_some() {
            return true;
        }
        if !matches!(self.state.get(), WsiState::HttpBusy | WsiState::HttpHead) {
            return true;
        }
        if !self.keep_alive.get() || self.resp_close.get() {
            return true;
        }
        // an unread request body would be taken for the next request
        if self.body.get() != Body::None {
            return true;
        }
        // as lws: a kept-alive connection goes back to protocols[0]
        if self.bind_protocol_cb(0) != 0 {
            return true;
        }
        self.request.borrow_mut().take();
        self.hdrs.borrow_mut().take();
        self.file_tx.borrow_mut().take();
        self.tx_started.set(false);
        self.handling_404.set(false);
        self.state.set(WsiState::HttpHead);
        self.want_write.set(false);
        self.set_timeout(
            super::wsi::PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE,
            self.vhost().keepalive_timeout as i32,
        );
        if !self.http_in.borrow().is_empty() {
            self.ctx().schedule(self);
        }
        false
    }

    /// What happens when a user callback returns non-zero.
    pub(crate) fn user_close(self: &Rc<Self>) {
        match self.state.get() {
            // as lws: a close frame only with a reason from lws_close_reason
            WsiState::Ws if self.close_reason.borrow().is_some() => self.start_ws_close(1000),
            WsiState::Ws => self.close_after_output(),
            WsiState::WsClosing => {}
            WsiState::HttpHead | WsiState::HttpBusy => self.close_after_output(),
            _ => self.close_now(true),
        }
    }
}

const FILE_CHUNK: usize = 64 * 1024;
/// Room before an interpreted piece for its chunk size line.
const INTERPRET_HEADROOM: usize = 10;
/// Room after an interpreted piece for it to grow by substitution.
const INTERPRET_GROWTH: usize = 128;
pub(crate) const TRANSFER_ENCODING: usize = 68;
const FILE_QUEUE: usize = 256 * 1024;
pub(crate) const CONTENT_TYPE: usize = 28;
pub(crate) const CONTENT_LENGTH: usize = 27;
pub(crate) const CACHE_CONTROL: usize = 24;
pub(crate) const IF_NONE_MATCH: usize = 20;
const ACCEPT_ENCODING: usize = 21;
const CONTENT_ENCODING: usize = 46;
pub(crate) const ETAG: usize = 50;
pub(crate) const LOCATION: usize = 59;
pub(crate) const AUTHORIZATION: usize = 25;
pub(crate) const HOST: usize = 3;
const WS_PROTOCOL: usize = 12;
pub(crate) const WWW_AUTHENTICATE: usize = 72;
const AUTH_MODE_MASK: u32 = 0xF000_0000;
const LWSAUTHM_DEFAULT: u32 = 0;
const LWSAUTHM_BASIC_AUTH_CALLBACK: u32 = 1 << 28;

/// Reads a C string that may be NULL.
fn cstr_or_empty(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        // SAFETY: lws API strings are NUL-terminated.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

/// The cache-control value lws sends for files of mount `m`.
fn cache_control(m: &crate::capi::types::lws_http_mount) -> String {
    let reusable = m.cache_bits.0 & 1 != 0;
    let revalidate = m.cache_bits.0 & 2 != 0;
    let intermediaries = if m.cache_bits.0 & 4 != 0 {
        "public"
    } else {
        "private"
    };
    if m.cache_max_age != 0 && reusable {
        if revalidate {
            format!(
                "must-revalidate, {intermediaries}, max-age={}",
                m.cache_max_age
            )
        } else {
            format!("{intermediaries}, max-age={}", m.cache_max_age)
        }
    } else {
        "no-store".to_string()
    }
}

const SERVER_MIMETYPES: [(&str, &CStr); 18] = [
    (".html", c"text/html"),
    (".htm", c"text/html"),
    (".js", c"text/javascript"),
    (".css", c"text/css"),
    (".png", c"image/png"),
    (".jpg", c"image/jpeg"),
    (".jpeg", c"image/jpeg"),
    (".ico", c"image/x-icon"),
    (".gif", c"image/gif"),
    (".svg", c"image/svg+xml"),
    (".ttf", c"application/x-font-ttf"),
    (".otf", c"application/font-woff"),
    (".woff", c"application/font-woff"),
    (".woff2", c"application/font-woff2"),
    (".gz", c"application/gzip"),
    (".txt", c"text/plain"),
    (".xml", c"application/xml"),
    (".json", c"application/json"),
];

fn ends_with_ci(file: &[u8], ext: &[u8]) -> bool {
    file.len() > ext.len() && file[file.len() - ext.len()..].eq_ignore_ascii_case(ext)
}

/// lws_get_mimetype: the mount's extra mimetypes first (a "*" entry is the
/// fallback), then lws's table; NULL when unknown.
pub(crate) fn get_mimetype_c(
    file: &[u8],
    m: *const crate::capi::types::lws_http_mount,
) -> *const c_char {
    let mut fallback: *const c_char = std::ptr::null();
    if !m.is_null() {
        // SAFETY: a mount owned by the program.
        let mut p = unsafe { (*m).extra_mimetypes };
        while !p.is_null() {
            // SAFETY: a NULL-terminated list of C strings.
            let node = unsafe { &*p };
            if !node.name.is_null() {
                // SAFETY: as above.
                let ext = unsafe { CStr::from_ptr(node.name) }.to_bytes();
                if fallback.is_null() && ext.first() == Some(&b'*') {
                    fallback = node.value;
                } else if ends_with_ci(file, ext) {
                    return node.value;
                }
            }
            p = node.next;
        }
    }
    for (ext, mime) in SERVER_MIMETYPES {
        if ends_with_ci(file, ext.as_bytes()) {
            return mime.as_ptr();
        }
    }
    fallback
}

fn get_mimetype(file: &str, m: *const crate::capi::types::lws_http_mount) -> Option<String> {
    let p = get_mimetype_c(file.as_bytes(), m);
    (!p.is_null()).then(|| cstr_or_empty(p))
}

/// Index of the protocol named `name` in a vhost's table.
/// The protocol that interprets `path` on mount `m`: the first `interpret`
/// entry whose name is a proper suffix of the path. Err(protocol name) when
/// that protocol does not exist on the vhost.
fn interpret_protocol(
    m: &crate::capi::types::lws_http_mount,
    path: &str,
    protocols: &[crate::capi::types::lws_protocols],
) -> Result<Option<usize>, String> {
    let mut pvo = m.interpret;
    while !pvo.is_null() {
        // SAFETY: the mount's interpret list is owned by the program for
        // the vhost's life.
        let o = unsafe { &*pvo };
        let name = cstr_or_empty(o.name);
        if path.len() > name.len() && path.ends_with(name.as_str()) {
            let value = cstr_or_empty(o.value);
            return match protocol_index(protocols, value.as_bytes()) {
                Some(i) => Ok(Some(i)),
                None => Err(value),
            };
        }
        pvo = o.next;
    }
    Ok(None)
}

pub(crate) fn protocol_index(
    protocols: &[crate::capi::types::lws_protocols],
    name: &[u8],
) -> Option<usize> {
    protocols.iter().position(|p| {
        // SAFETY: protocol names are C strings owned by the program.
        !p.name.is_null() && unsafe { CStr::from_ptr(p.name) }.to_bytes() == name
    })
}

/// What an `Upgrade: h2c` request leaves for HTTP/2: its HTTP2-Settings
/// value, its head without the upgrade fields (stream 1's request), and
/// whether it is a HEAD request.
fn h2c_stream_head(req: &Request) -> (Vec<u8>, Vec<u8>, bool) {
    let mut head = format!("{} {} HTTP/1.1\r\n", req.method, req.uri).into_bytes();
    for (n, v) in &req.headers {
        if ["upgrade", "connection", "http2-settings"]
            .iter()
            .any(|h| n.eq_ignore_ascii_case(h))
        {
            continue;
        }
        head.extend_from_slice(n.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(v);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    let settings = req.header("http2-settings").unwrap_or_default().to_vec();
    (settings, head, req.method == "HEAD")
}
