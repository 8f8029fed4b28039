//! HTTP/1.1 server side: request dispatch, the WebSocket upgrade, static
//! files from mounts, status responses and keep-alive.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::rc::Rc;

use super::cb;
use super::opt;
use super::wsi::{Wsi, WsiState};
use crate::capi::log;
use crate::proto::handshake::{self, Parse, Request, Upgrade, WsUpgrade};
use crate::proto::rx::{Rx, RxConfig};

const LWSMPRO_FILE: u8 = 2;
const LWSMPRO_CALLBACK: u8 = 6;

/// `struct lws_process_html_args`, given to ADD_HEADERS.
#[repr(C)]
struct ProcessHtmlArgs {
    p: *mut c_char,
    len: c_int,
    max_len: c_int,
    final_: c_int,
    chunked: c_int,
}

impl Wsi {
    /// Parses buffered request bytes; Some(true) if a request was handled.
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
        let server = self.ctx().server_string.to_string_lossy().into_owned();
        let _ = self.send_raw(&handshake::error_response(status, &server));
        self.close_after_output();
    }

    fn handle_request(self: &Rc<Self>, req: Request) {
        self.state.set(WsiState::HttpBusy);
        self.keep_alive.set(req.keep_alive());
        let up = handshake::check_upgrade(&req);
        *self.request.borrow_mut() = Some(req);
        match up {
            Upgrade::Reject { status, reason } => {
                log::info(&format!("websocket upgrade refused ({status}): {reason}"));
                self.send_error_and_close(status);
            }
            Upgrade::Ws(u) => self.ws_upgrade(u),
            Upgrade::None => self.http_dispatch(),
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
        self.bind_protocol(idx);
        if self.dispatch(
            cb::HTTP_BIND_PROTOCOL,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        ) != 0
        {
            self.close_now(true);
            return;
        }
        let offered = CString::new(up.protocols.join(", ")).unwrap_or_default();
        if self.dispatch(
            cb::FILTER_PROTOCOL_CONNECTION,
            offered.as_ptr() as *mut c_void,
            std::ptr::null_mut(),
            0,
        ) != 0
        {
            log::info("user refused the websocket connection");
            self.send_error_and_close(403);
            return;
        }
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
        self.add_user_headers(&mut resp);
        resp.extend_from_slice(b"\r\n");
        if self.send_raw(&resp).is_err() {
            self.close_now(true);
            return;
        }
        *self.rx.borrow_mut() = Some(Rx::new(RxConfig {
            expect_masked: true,
            max_frame_payload: 0,
            max_message: 0,
            validate_utf8: vh.options & opt::VALIDATE_UTF8 != 0,
            allowed_rsv: 0,
        }));
        self.request.borrow_mut().take();
        self.state.set(WsiState::Ws);
        self.established.set(true);
        self.set_timeout(0, 0);
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

    /// ADD_HEADERS: the user may append header lines.
    fn add_user_headers(&self, out: &mut Vec<u8>) {
        let mut buf = vec![0u8; 2048];
        let mut args = ProcessHtmlArgs {
            p: buf.as_mut_ptr() as *mut c_char,
            len: 0,
            max_len: buf.len() as c_int,
            final_: 0,
            chunked: 0,
        };
        self.dispatch(
            cb::ADD_HEADERS,
            &mut args as *mut ProcessHtmlArgs as *mut c_void,
            std::ptr::null_mut(),
            0,
        );
        let used = (args.p as usize)
            .saturating_sub(buf.as_ptr() as usize)
            .min(buf.len());
        out.extend_from_slice(&buf[..used]);
    }

    fn http_dispatch(self: &Rc<Self>) {
        let (uri, path) = {
            let r = self.request.borrow();
            let r = r.as_ref().expect("request present");
            (r.uri.clone(), r.path().to_string())
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
        if let Some((m, rest)) = self.find_mount(&path) {
            // SAFETY: mounts are owned by the program for the vhost's life.
            let m = unsafe { &*m };
            match m.origin_protocol {
                LWSMPRO_FILE => {
                    self.serve_mount_file(m, &rest);
                    return;
                }
                LWSMPRO_CALLBACK if !m.origin.is_null() => {
                    // SAFETY: origin is the protocol name, a C string.
                    let want = unsafe { CStr::from_ptr(m.origin) }.to_bytes().to_vec();
                    if let Some(i) = protocol_index(&self.vhost().protocols, &want) {
                        self.bind_protocol(i);
                    }
                    self.http_to_user(&rest);
                    return;
                }
                _ => {}
            }
        }
        self.http_to_user(&path);
    }

    /// HTTP_BIND_PROTOCOL, then HTTP with `uri` to the bound protocol.
    fn http_to_user(self: &Rc<Self>, uri: &str) {
        let curi = CString::new(uri).unwrap_or_default();
        self.dispatch(
            cb::HTTP_BIND_PROTOCOL,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        );
        if self.dispatch(
            cb::HTTP,
            curi.as_ptr() as *mut c_void,
            std::ptr::null_mut(),
            uri.len(),
        ) != 0
        {
            self.user_close();
        }
    }

    /// The mount with the longest mountpoint matching `path`, and the rest
    /// of the path after it.
    fn find_mount(
        &self,
        path: &str,
    ) -> Option<(*const crate::capi::types::lws_http_mount, String)> {
        let mut best: Option<(*const crate::capi::types::lws_http_mount, usize)> = None;
        let mut m = self.vhost().mounts;
        while !m.is_null() {
            // SAFETY: a NULL-terminated list owned by the program.
            let mr = unsafe { &*m };
            if !mr.mountpoint.is_null() {
                // SAFETY: mountpoint is a C string.
                let mp = unsafe { CStr::from_ptr(mr.mountpoint) }
                    .to_string_lossy()
                    .into_owned();
                let mp_trim = mp.trim_end_matches('/');
                let hit = path == mp
                    || path.starts_with(mp_trim)
                        && (path.len() == mp_trim.len() || path.as_bytes()[mp_trim.len()] == b'/');
                if hit && best.is_none_or(|(_, l)| mp_trim.len() >= l) {
                    best = Some((m, mp_trim.len()));
                }
            }
            m = mr.mount_next;
        }
        best.map(|(m, l)| (m, path[l..].to_string()))
    }

    fn serve_mount_file(self: &Rc<Self>, m: &crate::capi::types::lws_http_mount, rest: &str) {
        // SAFETY: origin and def are C strings owned by the program.
        let origin = if m.origin.is_null() {
            String::new()
        } else {
            unsafe { CStr::from_ptr(m.origin) }
                .to_string_lossy()
                .into_owned()
        };
        let mut rel = rest.trim_start_matches('/').to_string();
        if rel.is_empty() || rest.ends_with('/') {
            let def = if m.def.is_null() {
                "index.html".to_string()
            } else {
                unsafe { CStr::from_ptr(m.def) }
                    .to_string_lossy()
                    .into_owned()
            };
            rel.push_str(&def);
        }
        let rel = percent_decode(&rel);
        // no escape from the mount's directory
        if rel.split('/').any(|c| c == "..") || rel.contains('\0') {
            self.send_status(403);
            return;
        }
        let full = format!("{}/{}", origin.trim_end_matches('/'), rel);
        let head_only = self
            .request
            .borrow()
            .as_ref()
            .is_some_and(|r| r.method == "HEAD");
        match std::fs::read(&full) {
            Ok(body) => {
                let mime = mime_for(&full);
                let mut resp = format!(
                    "HTTP/1.1 200 OK\r\nserver: {}\r\ncontent-type: {}\r\ncontent-length: {}\r\n",
                    self.ctx().server_string.to_string_lossy(),
                    mime,
                    body.len()
                );
                resp.push_str(if self.keep_alive.get() {
                    "connection: keep-alive\r\n"
                } else {
                    "connection: close\r\n"
                });
                resp.push_str("\r\n");
                let mut out = resp.into_bytes();
                if !head_only {
                    out.extend_from_slice(&body);
                }
                if self.send_raw(&out).is_err() {
                    self.close_now(true);
                    return;
                }
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
            Err(_) => self.send_status(404),
        }
    }

    /// lws_return_http_status followed by completing the transaction.
    fn send_status(self: &Rc<Self>, code: u16) {
        if self.return_http_status(code as u32, "").is_err() || self.transaction_completed() {
            self.close_after_output();
        }
    }

    /// Sends a complete status response with lws's HTML body.
    pub(crate) fn return_http_status(&self, code: u32, html_body: &str) -> std::io::Result<()> {
        let body = format!(
            "<html><head><meta charset=utf-8 http-equiv=\"Content-Language\" content=\"en\"/>\
             <link rel=\"stylesheet\" type=\"text/css\" href=\"/error.css\"/></head><body><h1>{code}</h1>{html_body}</body></html>"
        );
        let resp = format!(
            "HTTP/1.1 {} {}\r\nserver: {}\r\ncontent-type: text/html\r\ncontent-length: {}\r\n{}\r\n{}",
            code,
            handshake::status_text(code.min(999) as u16),
            self.ctx().server_string.to_string_lossy(),
            body.len(),
            if self.keep_alive.get() { "connection: keep-alive\r\n" } else { "connection: close\r\n" },
            body
        );
        self.send_raw(resp.as_bytes())
    }

    /// Ends the current HTTP transaction. true: the connection must close
    /// (no keep-alive); false: it waits for the next request.
    pub(crate) fn transaction_completed(self: &Rc<Self>) -> bool {
        if !matches!(self.state.get(), WsiState::HttpBusy | WsiState::HttpHead) {
            return true;
        }
        if !self.keep_alive.get() {
            return true;
        }
        self.request.borrow_mut().take();
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
            WsiState::Ws => self.start_ws_close(1000),
            WsiState::WsClosing => {}
            WsiState::HttpHead | WsiState::HttpBusy => self.close_after_output(),
            _ => self.close_now(true),
        }
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() + 0 && i + 2 <= b.len() - 1 {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Mime types lws knows for the common extensions.
pub(crate) fn mime_for(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html",
        "js" => "application/javascript",
        "css" => "text/css",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "txt" => "text/plain",
        "ttf" => "application/x-font-ttf",
        "woff" => "application/font-woff",
        "woff2" => "application/font-woff2",
        "xml" => "application/xml",
        "zip" => "application/zip",
        "gz" => "application/gzip",
        "webp" => "image/webp",
        "wasm" => "application/wasm",
        "mp4" => "video/mp4",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// Index of the protocol named `name` in a vhost's table.
pub(crate) fn protocol_index(
    protocols: &[crate::capi::types::lws_protocols],
    name: &[u8],
) -> Option<usize> {
    protocols.iter().position(|p| {
        // SAFETY: protocol names are C strings owned by the program.
        !p.name.is_null() && unsafe { CStr::from_ptr(p.name) }.to_bytes() == name
    })
}
