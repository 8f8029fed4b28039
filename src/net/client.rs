//! The client role: connecting (name resolution, non-blocking connect),
//! the WebSocket opening handshake from the client side, and the
//! callbacks lws gives client connections.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::FromRawFd;
use std::rc::Rc;

use base64::Engine;

use super::cb;
use super::context::Context;
use super::h2client::{Leader, PeerKey, LCCSCF_H2_PRIOR_KNOWLEDGE, LCCSCF_PIPELINE};
use super::wsi::{Sock, Wsi, WsiState};
use crate::capi::log;
use crate::capi::types::lws_client_connect_info;
use crate::proto::handshake;
use crate::proto::pmd;
use crate::proto::rx::{Rx, RxConfig};

/// What a client connection keeps until its handshake is done.
pub(crate) struct ClientHs {
    pub host: String,
    pub path: String,
    pub origin: Option<String>,
    pub protocols: Option<String>,
    pub accept: String,
    pub key: String,
    pub resp: Vec<u8>,
    pub version: c_int,
    /// Set for a plain HTTP client (the connect info's method).
    pub method: Option<String>,
    /// LCCSCF_HTTP_MULTIPART_MIME: the body is multipart/form-data.
    pub multipart: bool,
    /// The CONNECT request when going through the vhost's HTTP proxy.
    pub proxy_connect: Option<String>,
    /// The Sec-WebSocket-Extensions offer sent, if any.
    pub ext_offer: Option<String>,
    /// LCCSCF_* flags (TLS when LCCSCF_USE_SSL), and the ALPN offer.
    pub ssl_flags: c_int,
    pub alpn: Option<String>,
    /// LCCSCF_H2_MANUAL_RXFLOW: the stream's initial receive credit.
    pub manual_tx_credit: u32,
    /// Where a pipelined request connects (and the local interface), for
    /// when it has to make its own connection after queueing.
    pub peer: Option<PeerKey>,
    pub iface: Option<String>,
}

/// How a client HTTP response body is framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RespBody {
    Length(u64),
    Chunked,
    /// Until the server closes.
    UntilClose,
    Done,
}

fn opt_string(p: *const c_char) -> Option<String> {
    if p.is_null() {
        None
    } else {
        // SAFETY: lws API strings are NUL-terminated.
        Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }
}

const LCCSCF_HTTP_NO_FOLLOW_REDIRECT: c_int = 4096;
const LCCSCF_HTTP_MULTIPART_MIME: c_int = 1024;
const LCCSCF_HTTP_X_WWW_FORM_URLENCODED: c_int = 2048;

/// Fills `buf` from the kernel's random source.
pub(crate) fn random_bytes(buf: &mut [u8]) {
    let mut got = 0;
    while got < buf.len() {
        // SAFETY: getrandom into our own buffer.
        let n =
            unsafe { libc::getrandom(buf[got..].as_mut_ptr() as *mut c_void, buf.len() - got, 0) };
        if n <= 0 {
            // no entropy source: fall back to a time-derived value rather
            // than panic across the FFI (masking keys need no secrecy)
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            for (i, b) in buf[got..].iter_mut().enumerate() {
                *b = (t >> ((i % 16) * 8)) as u8 ^ i as u8;
            }
            return;
        }
        got += n as usize;
    }
}

impl Context {
    /// lws_client_connect_via_info: resolves (blocking, as 4.1.6 does
    /// without async DNS), starts a non-blocking connect and returns the
    /// new wsi. Failures before the connect starts return Err with no
    /// callback, as in lws.
    fn init_all_protocols(&self) {
        let vhs = self.vhosts.borrow().clone();
        for v in vhs {
            self.init_vhost_protocols(&v);
        }
    }

    /// 4.1.6 has initialised the protocols and bound the new wsi before
    /// name resolution fails; then it drops the wsi with no more callbacks.
    fn client_unresolved(&self, vh: &Rc<crate::net::Vhost>, i: &lws_client_connect_info) {
        self.init_all_protocols();
        let w = Rc::new(Wsi::new(self, vh, Sock::None, WsiState::ClientFailed));
        w.is_client.set(true);
        if bind_local_protocol(&w, vh, i) {
            let null = std::ptr::null_mut();
            w.dispatch(cb::CLIENT_HTTP_BIND_PROTOCOL, null, null, 0);
        }
        w.free_user_space();
    }

    pub(crate) fn client_connect(&self, i: &lws_client_connect_info) -> Result<Rc<Wsi>, String> {
        let vh = if i.vhost.is_null() {
            self.vhosts.borrow().first().cloned()
        } else {
            self.vhosts
                .borrow()
                .iter()
                .find(|v| std::ptr::eq(Rc::as_ptr(v) as *const _, i.vhost as *const _))
                .cloned()
        };
        let Some(vh) = vh else {
            return Err("no vhost".into());
        };
        let address = opt_string(i.address).ok_or("no address")?;
        let method = opt_string(i.method);
        if let Some(m) = &method {
            if m.is_empty() || !m.bytes().all(|c| c.is_ascii_alphabetic()) {
                return Err(format!("client method {m} is not supported"));
            }
        }
        // Like 4.1.6, a finished GET/POST/PUT connection idles this long
        // before closing; other methods close at once.
        let keep_warm = match method.as_deref() {
            Some("GET" | "POST" | "PUT") if i.keep_warm_secs != 0 => i.keep_warm_secs,
            Some("GET" | "POST" | "PUT") => 5,
            _ => 0,
        };
        let mut proxy_connect = None;
        // LCCSCF_PIPELINE: share a connection to the same peer, as lws
        // does for the methods it treats as streams
        let pipelined = i.ssl_connection & LCCSCF_PIPELINE != 0
            && matches!(method.as_deref(), Some("GET" | "POST" | "PUT"))
            && !address.starts_with('+')
            && vh.proxy.borrow().is_none();
        let peer = match (pipelined, u16::try_from(i.port)) {
            (true, Ok(port)) => Some(PeerKey {
                address: address.clone(),
                port,
                tls: i.ssl_connection & super::tls::LCCSCF_USE_SSL != 0,
            }),
            _ => None,
        };
        let leader = peer.as_ref().and_then(|k| self.h2_leader(k));
        let sock = if leader.is_some() {
            Sock::None
        } else if let Some(path) = address.strip_prefix('+') {
            // "+/path" (or "+@name" for the abstract namespace) is a unix
            // domain socket, as in lws
            let addr = if let Some(name) = path.strip_prefix('@') {
                <std::os::unix::net::SocketAddr as std::os::linux::net::SocketAddrExt>::from_abstract_name(name.as_bytes())
            } else {
                std::os::unix::net::SocketAddr::from_pathname(path)
            }
            .map_err(|e| format!("bad unix address: {e}"))?;
            let s = std::os::unix::net::UnixStream::connect_addr(&addr)
                .map_err(|e| format!("connect failed: {e}"))?;
            s.set_nonblocking(true).map_err(|e| e.to_string())?;
            Sock::Unix(mio::net::UnixStream::from_std(s))
        } else {
            let port = u16::try_from(i.port).map_err(|_| "bad port")?;
            let proxy = vh.proxy.borrow().clone();
            if let Some(p) = &proxy {
                let mut req = format!("CONNECT {address}:{port} HTTP/1.1\r\nHost: {address}:{port}\r\nUser-agent: lws\r\n");
                if let Some(auth) = &p.auth {
                    req.push_str(&format!("Proxy-authorization: basic {auth}\r\n"));
                }
                req.push_str("\r\n");
                proxy_connect = Some(req);
            }
            let (address, port) = match &proxy {
                Some(p) => (p.host.clone(), p.port),
                None => (address.clone(), port),
            };
            let addrs: Vec<SocketAddr> = match (address.as_str(), port).to_socket_addrs() {
                Ok(a) => a.collect(),
                Err(e) => {
                    self.client_unresolved(&vh, i);
                    return Err(format!("getaddrinfo failed: {e}"));
                }
            };
            let Some(addr) = addrs.first().copied() else {
                self.client_unresolved(&vh, i);
                return Err("no address found".into());
            };
            let stream = connect_from(addr, opt_string(i.iface).as_deref())
                .map_err(|e| format!("connect failed: {e}"))?;
            let _ = stream.set_nodelay(true);
            vh.apply_socket_options(std::os::fd::AsRawFd::as_raw_fd(&stream));
            Sock::Stream(stream)
        };

        let mut key = [0u8; 16];
        random_bytes(&mut key);
        let key = base64::engine::general_purpose::STANDARD.encode(key);
        let accept = handshake::accept_key(&key);
        let host = opt_string(i.host).unwrap_or_else(|| address.clone());
        let mut path = opt_string(i.path).unwrap_or_else(|| "/".into());
        if !path.starts_with('/') {
            path.insert(0, '/');
        }
        let w = Rc::new(Wsi::new(self, &vh, sock, WsiState::ClientConnecting));
        w.is_client.set(true);
        *w.client.borrow_mut() = Some(ClientHs {
            host,
            path,
            origin: opt_string(i.origin),
            protocols: opt_string(i.protocol).filter(|s| !s.is_empty()),
            accept,
            key,
            resp: Vec::new(),
            method,
            proxy_connect,
            multipart: i.ssl_connection & LCCSCF_HTTP_MULTIPART_MIME != 0,
            ext_offer: None,
            ssl_flags: i.ssl_connection,
            alpn: opt_string(i.alpn),
            manual_tx_credit: u32::try_from(i.manual_initial_tx_credit).unwrap_or(0),
            peer: peer.clone(),
            iface: opt_string(i.iface),
            version: if i.ietf_version_or_minus_one <= 0 {
                13
            } else {
                i.ietf_version_or_minus_one
            },
        });
        w.opaque_user_data.set(i.opaque_user_data);
        w.retry_policy.set(if i.retry_and_idle_policy.is_null() {
            &*w.ctx().default_retry
        } else {
            i.retry_and_idle_policy
        });
        if !i.retry_and_idle_policy.is_null() {
            // SAFETY: the program's policy, read once.
            let p = unsafe { &*i.retry_and_idle_policy };
            w.validity
                .set((p.secs_since_valid_ping, p.secs_since_valid_hangup));
        }
        if !i.parent_wsi.is_null() {
            let parent = i.parent_wsi as *const Wsi;
            w.parent.set(parent);
            // SAFETY: the program passes a live wsi of this context.
            unsafe { &*parent }
                .children
                .borrow_mut()
                .insert(0, Rc::as_ptr(&w));
        }
        w.no_follow_redirect
            .set(i.ssl_connection & LCCSCF_HTTP_NO_FOLLOW_REDIRECT != 0);
        w.keep_warm_secs.set(keep_warm);
        w.form_urlencoded
            .set(!i.method.is_null() && i.ssl_connection & LCCSCF_HTTP_X_WWW_FORM_URLENCODED != 0);
        self.insert_wsi(&w)
            .map_err(|e| format!("cannot register socket: {e}"))?;
        let named = bind_local_protocol(&w, &vh, i);
        if !i.pwsi.is_null() {
            // SAFETY: the caller's out-pointer, set before any callback
            unsafe { *i.pwsi = w.as_c() };
        }
        w.pwsi.set(i.pwsi);
        // as lws: protocols get PROTOCOL_INIT before the first client
        // connection, which is bound (CLIENT_HTTP_BIND_PROTOCOL) and then
        // announced to its protocol
        self.init_all_protocols();
        w.bound.set(true);
        let null = std::ptr::null_mut();
        if named {
            // a RAW client is bound in the raw role
            let raw = opt_string(i.method).as_deref() == Some("RAW");
            w.dispatch(
                if raw {
                    cb::RAW_SKT_BIND_PROTOCOL
                } else {
                    cb::CLIENT_HTTP_BIND_PROTOCOL
                },
                null,
                null,
                0,
            );
        }
        w.dispatch(cb::SERVER_NEW_CLIENT_INSTANTIATED, null, null, 0);
        let secs = if vh.connect_timeout_secs == 0 {
            20
        } else {
            vh.connect_timeout_secs
        };
        w.set_timeout(
            super::wsi::PENDING_TIMEOUT_AWAITING_CONNECT_ACK,
            secs as i32,
        );
        match leader {
            None => *w.client_key.borrow_mut() = peer,
            Some(Leader::Queue(l)) => l.client_queue.borrow_mut().push(w.clone()),
            Some(Leader::Muxed(n)) => {
                w.h2_client_attach(&n);
                // as 4.1.6: a request joining a connection that is up
                // hears ESTABLISHED_CLIENT_HTTP at once (no status yet)
                if w.dispatch(cb::ESTABLISHED_CLIENT_HTTP, null, null, 0) != 0 {
                    w.state.set(WsiState::ClientFailed);
                    w.close_now(false);
                    return Err("refused at ESTABLISHED_CLIENT_HTTP".into());
                }
                self.schedule(&w);
            }
        }
        Ok(w)
    }
}

impl Wsi {
    /// The client connection uses (or will use) TLS.
    pub(crate) fn tls_flags_use_ssl(&self) -> bool {
        self.client
            .borrow()
            .as_ref()
            .is_some_and(|c| c.ssl_flags & super::tls::LCCSCF_USE_SSL != 0)
    }

    /// Reports a failed client connection once, then frees it.
    pub(crate) fn client_fail(self: &Rc<Self>, why: &str) {
        let h2_sent = self.state.get() == WsiState::ClientHandshake && self.h2s.borrow().is_some();
        if h2_sent
            || !matches!(
                self.state.get(),
                WsiState::ClientConnecting | WsiState::ClientHandshake | WsiState::ClientProxy
            )
        {
            if h2_sent {
                log::info(&format!("http/2 client stream lost: {why}"));
            }
            self.close_now(true);
            return;
        }
        log::info(&format!("client connection failed: {why}"));
        let mut msg = CString::new(why).unwrap_or_default().into_bytes_with_nul();
        let len = msg.len() - 1;
        let pwsi = self.pwsi.replace(std::ptr::null_mut());
        if !pwsi.is_null() {
            // SAFETY: the caller's storage for this wsi, cleared on failure
            unsafe {
                if *pwsi == self.as_c() {
                    *pwsi = std::ptr::null_mut();
                }
            }
        }
        self.state.set(WsiState::ClientFailed);
        self.dispatch(
            cb::CLIENT_CONNECTION_ERROR,
            msg.as_mut_ptr() as *mut c_void,
            std::ptr::null_mut(),
            len,
        );
        self.close_now(true);
    }

    /// Sets up the user-defined extensions the server accepted, as 4.1.6:
    /// CLIENT_CONSTRUCT, the protocol's WS_EXT_DEFAULTS and the server's
    /// options through OPTION_SET, then OPTION_CONFIRM. False when the
    /// connection failed.
    fn client_user_exts(self: &Rc<Self>, resp: &[pmd::Offer]) -> bool {
        use super::ext::{ext_name, ActiveExt, EXT_CB_OPTION_CONFIRM};
        for o in resp {
            let exts: Vec<_> = self.vhost().user_exts.clone();
            for e in exts {
                // SAFETY: an entry of the program's extension list.
                if ext_name(unsafe { &*e }) != o.name {
                    continue;
                }
                let Some((user, opts)) = self.ext_construct(e, true) else {
                    log::info(&format!("ext {} failed construction", o.name));
                    continue;
                };
                let a = ActiveExt { ext: e, user };
                self.user_exts.borrow_mut().push(a);
                let mut name = CString::new(o.name.as_str())
                    .unwrap_or_default()
                    .into_bytes_with_nul();
                let mut defaults = [0u8; 128];
                if self.dispatch_user(
                    cb::WS_EXT_DEFAULTS,
                    name.as_mut_ptr() as *mut c_void,
                    defaults.as_mut_ptr() as *mut c_void,
                    defaults.len(),
                ) != 0
                {
                    self.client_fail("HS: EXT: failed setting defaults");
                    return false;
                }
                let d = CStr::from_bytes_until_nul(&defaults)
                    .map(|c| c.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if !d.is_empty() && !self.ext_parse_options(e, user, opts, &d) {
                    self.client_fail("HS: EXT: failed parsing defaults");
                    return false;
                }
                let args = o
                    .params
                    .iter()
                    .map(|(k, v)| match v {
                        Some(v) => format!("{k}={v}"),
                        None => k.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                if !args.is_empty() && !self.ext_parse_options(e, user, opts, &args) {
                    self.client_fail("HS: EXT: failed parsing options");
                    return false;
                }
                if self.ext_call(e, EXT_CB_OPTION_CONFIRM, user, std::ptr::null_mut(), 0) != 0 {
                    self.client_fail("HS: EXT: Rejects server options");
                    return false;
                }
            }
        }
        true
    }

    /// The socket became writable while connecting: check the connect's
    /// result and send the opening handshake.
    pub(crate) fn client_connected(self: &Rc<Self>) {
        if let Some(e) = self.socket_error() {
            log::info(&format!("client connect failed: {e}"));
            self.client_fail("Unable to connect");
            return;
        }
        // a connect still in progress reports no error and no peer yet
        if !self.has_peer() {
            return;
        }
        self.dispatch(
            cb::WSI_CREATE,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        );
        if self.state.get() != WsiState::ClientConnecting {
            return;
        }
        // through an HTTP proxy: CONNECT first, the handshake once it agreed
        let connect = self
            .client
            .borrow_mut()
            .as_mut()
            .and_then(|c| c.proxy_connect.take());
        if let Some(req) = connect {
            self.state.set(WsiState::ClientProxy);
            if self.send_raw(req.as_bytes()).is_err() {
                self.client_fail("proxy conn dead");
            }
            return;
        }
        self.client_start();
    }

    /// The connection is up (past any proxy): TLS first when asked for,
    /// then the opening handshake.
    pub(crate) fn client_start(self: &Rc<Self>) {
        let tls = self.client.borrow().as_ref().and_then(|c| {
            (c.ssl_flags & super::tls::LCCSCF_USE_SSL != 0).then(|| {
                // as 4.1.6: the connect info's list is offered; without
                // one a WebSocket client offers http/1.1 (ws over h2 is
                // not known to be possible before the server's SETTINGS)
                // and any other client offers nothing, so h2 is used only
                // when asked for (e.g. alpn "h2")
                let alpn = match (&c.alpn, &c.method) {
                    (Some(a), _) => a.clone(),
                    (None, None) => super::tls::ALPN_DEFAULT.into(),
                    (None, Some(_)) => String::new(),
                };
                (c.host.clone(), alpn, c.ssl_flags)
            })
        });
        let Some((host, alpn, flags)) = tls else {
            if self.client_h2_wanted(None) {
                self.h2_start_client();
            } else {
                self.client_send_handshake();
            }
            return;
        };
        if let Err(e) = self.tls_start_client(&host, &alpn, flags) {
            log::err(&format!("client TLS: {e}"));
            self.client_fail("bio_create failed");
            return;
        }
        if self.ctx().tls_progress(self) {
            self.ctx().handle_readable(self);
        }
    }

    /// Whether this client speaks h2 on its connection: an HTTP request
    /// (not RAW) over TLS where the server chose "h2" (`alpn`), or on a
    /// plain socket with LCCSCF_H2_PRIOR_KNOWLEDGE.
    pub(crate) fn client_h2_wanted(&self, alpn: Option<&str>) -> bool {
        let c = self.client.borrow();
        let Some(c) = c.as_ref() else { return false };
        let http = c.method.as_deref().is_some_and(|m| m != "RAW");
        if c.ssl_flags & super::tls::LCCSCF_USE_SSL != 0 {
            http && alpn == Some("h2")
        } else {
            http && c.ssl_flags & LCCSCF_H2_PRIOR_KNOWLEDGE != 0 && c.proxy_connect.is_none()
        }
    }

    /// Requests queued on this connection make their own: it is not
    /// going to be an h2 connection they can share.
    pub(crate) fn client_release_queue(&self) {
        self.client_key.borrow_mut().take();
        let q = std::mem::take(&mut *self.client_queue.borrow_mut());
        for w in q {
            if w.state.get() == WsiState::ClientConnecting && w.h2s.borrow().is_none() {
                w.needs_own_conn.set(true);
                self.ctx().schedule(&w);
            }
        }
    }

    /// A queued request's own connection (its leader could not take it).
    pub(crate) fn client_own_connection(self: &Rc<Self>) {
        self.needs_own_conn.set(false);
        let (peer, iface) = match self.client.borrow().as_ref() {
            Some(c) => (c.peer.clone(), c.iface.clone()),
            None => return,
        };
        let Some(peer) = peer else { return };
        let addr = (peer.address.as_str(), peer.port)
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next());
        let stream = addr.and_then(|a| connect_from(a, iface.as_deref()).ok());
        let Some(stream) = stream else {
            self.client_fail("Unable to connect");
            return;
        };
        let _ = stream.set_nodelay(true);
        self.vhost()
            .apply_socket_options(std::os::fd::AsRawFd::as_raw_fd(&stream));
        let ctx = self.ctx();
        ctx.remove_wsi(self);
        *self.sock.borrow_mut() = Sock::Stream(stream);
        self.can_write.set(true);
        if ctx.insert_wsi(self).is_err() {
            self.client_fail("Unable to connect");
        }
    }

    /// The proxy's answer to CONNECT: 200 lets the handshake start.
    pub(crate) fn client_proxy_input(self: &Rc<Self>, data: &[u8]) {
        let verdict = {
            let mut c = self.client.borrow_mut();
            let Some(c) = c.as_mut() else { return };
            c.resp.extend_from_slice(data);
            let mut hdrs = [httparse::EMPTY_HEADER; 32];
            let mut r = httparse::Response::new(&mut hdrs);
            match r.parse(&c.resp) {
                Ok(httparse::Status::Partial) if c.resp.len() > 8192 => Err("proxy read err"),
                Ok(httparse::Status::Partial) => return,
                Ok(httparse::Status::Complete(n)) if r.code == Some(200) => {
                    c.resp.drain(..n);
                    Ok(())
                }
                _ => Err("proxy not h1"),
            }
        };
        match verdict {
            Ok(()) => {
                self.client.borrow_mut().as_mut().map(|c| c.resp.clear());
                self.state.set(WsiState::ClientConnecting);
                self.client_start();
            }
            Err(e) => self.client_fail(e),
        }
    }

    /// Sends the request (WebSocket upgrade or plain HTTP) with the
    /// user's APPEND_HANDSHAKE_HEADER additions.
    pub(crate) fn client_send_handshake(self: &Rc<Self>) {
        if self.h2s.borrow().is_none() {
            // an HTTP/1.1 connection: nothing queued on it can share it
            self.client_release_queue();
        }
        let raw = self
            .client
            .borrow()
            .as_ref()
            .is_some_and(|c| c.method.as_deref() == Some("RAW"));
        if raw {
            // a raw client: connected is all there is to it
            self.state.set(WsiState::Raw);
            self.set_timeout(0, 0);
            let r = self.dispatch(
                cb::RAW_CONNECTED,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            );
            if r < 0 {
                self.close_now(true);
            } else {
                self.ctx().schedule(self);
            }
            return;
        }
        // the vhost's extensions, each if protocol 0 does not refuse it
        // (CLIENT_CONFIRM_EXTENSION_SUPPORTED), as 4.1.6 offers them
        let is_ws = self
            .client
            .borrow()
            .as_ref()
            .is_some_and(|c| c.method.is_none());
        let offer = match (&self.vhost().pmd_offer, is_ws) {
            (Some(o), true) => {
                let mut name = *b"permessage-deflate\0";
                let u = self.user_space.get();
                (self.dispatch_protocol(
                    0,
                    cb::CLIENT_CONFIRM_EXTENSION_SUPPORTED,
                    u,
                    name.as_mut_ptr() as *mut c_void,
                    0,
                ) == 0)
                    .then(|| o.clone())
            }
            _ => None,
        };
        if let Some(c) = self.client.borrow_mut().as_mut() {
            c.ext_offer = offer.clone();
        }
        // then the user-defined extensions' own offers
        let mut user_offers = Vec::new();
        if is_ws {
            for &e in &self.vhost().user_exts {
                // SAFETY: an entry of the program's extension list.
                let ext = unsafe { &*e };
                if ext.client_offer.is_null() {
                    continue;
                }
                let mut name = CString::new(super::ext::ext_name(ext))
                    .unwrap_or_default()
                    .into_bytes_with_nul();
                let u = self.user_space.get();
                if self.dispatch_protocol(
                    0,
                    cb::CLIENT_CONFIRM_EXTENSION_SUPPORTED,
                    u,
                    name.as_mut_ptr() as *mut c_void,
                    0,
                ) == 0
                {
                    // SAFETY: the program's C string.
                    user_offers.push(
                        unsafe { CStr::from_ptr(ext.client_offer) }
                            .to_string_lossy()
                            .into_owned(),
                    );
                }
            }
        }
        let offer = match (offer, user_offers.is_empty()) {
            (o, true) => o,
            (None, false) => Some(user_offers.join(", ")),
            (Some(o), false) => Some(format!("{o}, {}", user_offers.join(", "))),
        };
        let req = {
            let c = self.client.borrow();
            let Some(c) = c.as_ref() else { return };
            let meth = c.method.as_deref().unwrap_or("GET");
            let mut r = format!(
                "{meth} {} HTTP/1.1\r\nPragma: no-cache\r\nCache-Control: no-cache\r\nHost: {}\r\n",
                c.path, c.host
            );
            if let Some(o) = &c.origin {
                r.push_str(&format!("Origin: http://{o}\r\n"));
            }
            if c.multipart && c.method.is_some() {
                // a random boundary for lws_client_http_multipart parts
                let mut raw = [0u8; 10];
                random_bytes(&mut raw);
                // lws keeps 12 characters of it (its buffer holds three
                // base64 groups)
                let mut b = base64::engine::general_purpose::STANDARD.encode(raw);
                b.truncate(12);
                r.push_str(&format!(
                    "content-type: multipart/form-data; boundary=\"{b}\"\r\n"
                ));
                *self.multipart_boundary.borrow_mut() = Some(b);
                self.client_body_pending.set(true);
            }
            if c.method.is_some() {
                // one request per connection, as lws without pipelining
                r.push_str("connection: close\r\n");
            } else {
                r.push_str(&format!(
                    "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {}\r\n",
                    c.key
                ));
                if let Some(p) = &c.protocols {
                    r.push_str(&format!("Sec-WebSocket-Protocol: {p}\r\n"));
                }
                if let Some(o) = &offer {
                    r.push_str(&format!("Sec-WebSocket-Extensions: {o}\r\n"));
                }
                r.push_str(&format!("Sec-WebSocket-Version: {}\r\n", c.version));
            }
            r.into_bytes()
        };
        let mut req = req;
        // CLIENT_APPEND_HANDSHAKE_HEADER: `in` is a char ** the user
        // advances; len is the room left
        let room = 2048usize;
        let mut buf = vec![0u8; room + 1];
        let mut p = buf.as_mut_ptr() as *mut c_char;
        let start = p as usize;
        if self.dispatch(
            cb::CLIENT_APPEND_HANDSHAKE_HEADER,
            &mut p as *mut *mut c_char as *mut c_void,
            std::ptr::null_mut(),
            room,
        ) != 0
        {
            self.client_fail("user refused the handshake");
            return;
        }
        let used = (p as usize).saturating_sub(start).min(room);
        req.extend_from_slice(&buf[..used]);
        if self.form_urlencoded.get() {
            // as 4.1.6 through its public API: the form's length is not
            // known to the library, so it announces an empty body
            req.extend_from_slice(
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 0\r\n",
            );
            self.client_body_pending.set(true);
        }
        req.extend_from_slice(b"\r\n");
        self.state.set(WsiState::ClientHandshake);
        if self.send_raw(&req).is_err() {
            self.client_fail("write failed");
            return;
        }
        if self.client_body_pending.get() {
            // the request body comes from CLIENT_HTTP_WRITEABLE, before any
            // answer is read (as lws: writable right after the request)
            self.want_write.set(true);
            self.ctx().deliver_writeable(self);
        }
    }

    /// Bytes of the server's handshake response; validates it once
    /// complete and moves to the WebSocket state.
    pub(crate) fn client_handshake_input(self: &Rc<Self>, data: &[u8]) {
        let parsed = {
            let mut c = self.client.borrow_mut();
            let Some(c) = c.as_mut() else { return };
            c.resp.extend_from_slice(data);
            let mut hdrs = [httparse::EMPTY_HEADER; 64];
            let mut r = httparse::Response::new(&mut hdrs);
            match r.parse(&c.resp) {
                // frames may follow the head in the same read: only an
                // unfinished head is bounded
                Ok(httparse::Status::Partial) if c.resp.len() > 16384 => {
                    Err("HS: response too long".to_string())
                }
                Ok(httparse::Status::Partial) => return,
                Ok(httparse::Status::Complete(n)) if c.method.is_some() => {
                    // a plain HTTP client: the response goes to the user,
                    // once the borrow of the handshake state has ended
                    Ok((n, Err(HTTP_RESPONSE.to_string())))
                }
                Ok(httparse::Status::Complete(n)) => {
                    Ok((n, validate_response(&r, c, &self.vhost().user_exts)))
                }
                Err(_) => Err("problems parsing header".to_string()),
            }
        };
        let (head_len, checked) = match parsed {
            Ok(x) => x,
            Err(e) => {
                self.client_fail(&e);
                return;
            }
        };
        if matches!(&checked, Err(e) if e == HTTP_RESPONSE) {
            let (head, rest) = {
                let c = self.client.borrow();
                let Some(c) = c.as_ref() else { return };
                let mut hdrs = [httparse::EMPTY_HEADER; 64];
                let mut r = httparse::Response::new(&mut hdrs);
                let _ = r.parse(&c.resp);
                (http_head(&r), c.resp[head_len..].to_vec())
            };
            self.client_http_response(head, rest);
            return;
        }
        // the response headers are readable (lws_hdr_*) until the filter
        // callback has run, as in 4.1.6
        let table = {
            let c = self.client.borrow();
            let mut hdrs = [httparse::EMPTY_HEADER; 64];
            let mut r = httparse::Response::new(&mut hdrs);
            match c.as_ref().map(|c| r.parse(&c.resp)) {
                Some(Ok(_)) => {
                    // lws_http_client_http_response reports it (101) here
                    self.http_status.set(r.code.unwrap_or(0));
                    Some(header_table(&http_head(&r)))
                }
                _ => None,
            }
        };
        *self.hdrs.borrow_mut() = table;
        // lws tells the protocol a response head arrived before judging it
        if self.dispatch(
            cb::ESTABLISHED_CLIENT_HTTP,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        ) != 0
        {
            self.client_fail("HS: disallowed at ESTABLISHED");
            return;
        }
        let proto = match checked {
            Ok(p) => p,
            Err(e) => {
                self.client_fail(&e);
                return;
            }
        };
        // 4.1.6 keeps a client on the protocol it was bound to at connect;
        // the server's choice only has to be one of those offered
        let (_, agreed, user_resp) = proto;
        if !self.client_user_exts(&user_resp) {
            return;
        }
        if let Some(a) = agreed {
            // WS_EXT_DEFAULTS: the protocol may give option defaults
            // (e.g. "compression_level=9"); user = the extension's name
            let mut name = *b"permessage-deflate\0";
            let mut opts = [0u8; 64];
            if self.dispatch_user(
                cb::WS_EXT_DEFAULTS,
                name.as_mut_ptr() as *mut c_void,
                opts.as_mut_ptr() as *mut c_void,
                opts.len(),
            ) != 0
            {
                self.client_fail("HS: EXT: failed setting defaults");
                return;
            }
            let mut level = 1;
            let s = CStr::from_bytes_until_nul(&opts)
                .map(|c| c.to_string_lossy().into_owned())
                .unwrap_or_default();
            for item in s.split(';').map(str::trim).filter(|x| !x.is_empty()) {
                let (k, v) = item
                    .split_once('=')
                    .map_or((item, None), |(k, v)| (k.trim(), Some(v.trim())));
                match (k, v.and_then(|v| v.trim_matches('"').parse::<u32>().ok())) {
                    ("compression_level", Some(l)) if l <= 9 => level = l,
                    // the others do not change a negotiated connection
                    (k, _) if k != "compression_level" && crate::capi::ext::pmd_option_known(k) => {
                    }
                    _ => {
                        self.client_fail("HS: EXT: failed parsing defaults");
                        return;
                    }
                }
            }
            *self.pmd.borrow_mut() = Some(Box::new(pmd::Pmd::new(a, level)));
        }
        if self.dispatch(
            cb::CLIENT_FILTER_PRE_ESTABLISH,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        ) != 0
        {
            self.client_fail("HS: Rejected by filter cb");
            return;
        }
        self.hdrs.borrow_mut().take();
        let rest = {
            let mut c = self.client.borrow_mut();
            let c = c.take();
            c.map(|c| c.resp[head_len..].to_vec()).unwrap_or_default()
        };
        *self.rx.borrow_mut() = Some(Rx::new(RxConfig {
            expect_masked: false,
            max_frame_payload: 0,
            max_message: 0,
            // text a user extension transforms is checked after it
            validate_utf8: self.vhost().options & super::opt::VALIDATE_UTF8 != 0
                && !self.has_user_exts(),
            allowed_rsv: if self.pmd.borrow().is_some() || self.has_user_exts() {
                crate::proto::frame::RSV1
            } else {
                0
            },
        }));
        self.state.set(WsiState::Ws);
        self.established.set(true);
        self.set_timeout(0, 0);
        self.bound.set(true);
        self.validity_confirmed();
        if self.dispatch(
            cb::CLIENT_ESTABLISHED,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        ) != 0
        {
            // as 4.1.6: a refusal here fails the connection
            self.state.set(WsiState::ClientHandshake);
            self.client_fail("HS: Rejected at CLIENT_ESTABLISHED");
            return;
        }
        if !rest.is_empty() {
            let mut st = self.rx_stash.borrow_mut();
            let mut v = rest;
            v.extend_from_slice(&st);
            *st = v;
            drop(st);
            self.ctx().schedule(self);
        }
    }
}

/// Checks a 101 response against our request; Ok(chosen subprotocol).
#[allow(clippy::type_complexity)]
fn validate_response(
    r: &httparse::Response,
    c: &ClientHs,
    user_exts: &[*const crate::capi::types::lws_extension],
) -> Result<(Option<String>, Option<pmd::Agreed>, Vec<pmd::Offer>), String> {
    let mut pmd_agreed = None;
    let mut user_resp = Vec::new();
    let h = |name: &str| {
        r.headers
            .iter()
            .find(|x| x.name.eq_ignore_ascii_case(name))
            .map(|x| x.value)
    };
    match r.code {
        Some(101) => {}
        Some(401) => return Err("HS: ws upgrade unauthorized".into()),
        _ => return Err("HS: ws upgrade response not 101".into()),
    }
    let Some(acc) = h("sec-websocket-accept") else {
        return Err("HS: ACCEPT missing".into());
    };
    let Some(up) = h("upgrade") else {
        return Err("HS: UPGRADE missing".into());
    };
    if !up.trim_ascii().eq_ignore_ascii_case(b"websocket") {
        return Err("HS: Upgrade to something other than websocket".into());
    }
    let conn_ok = r
        .headers
        .iter()
        .filter(|x| x.name.eq_ignore_ascii_case("connection"))
        .any(|x| handshake::tokens(x.value).any(|t| t.eq_ignore_ascii_case("upgrade")));
    if !conn_ok {
        return Err("HS: UPGRADE malformed".into());
    }
    let proto = match h("sec-websocket-protocol") {
        None => None,
        Some(p) => {
            let p = String::from_utf8_lossy(p.trim_ascii()).into_owned();
            let offered = c.protocols.as_deref().unwrap_or("");
            if !handshake::tokens(offered.as_bytes()).any(|t| t == p) {
                return Err("HS: PROTOCOL malformed".into());
            }
            Some(p)
        }
    };
    let exts: Vec<&[u8]> = r
        .headers
        .iter()
        .filter(|x| x.name.eq_ignore_ascii_case("sec-websocket-extensions"))
        .map(|x| x.value)
        .collect();
    if !exts.is_empty() {
        let joined = exts
            .iter()
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect::<Vec<_>>()
            .join(", ");
        let all = pmd::parse_offers(&joined)
            .map_err(|_| "HS: EXT: failed parsing options".to_string())?;
        // user-defined extensions are set up once the checks pass
        let (resp, others): (Vec<_>, Vec<_>) = all.into_iter().partition(|o| o.name == pmd::NAME);
        for o in &others {
            if !user_exts.iter().any(|&e| {
                // SAFETY: an entry of the program's extension list.
                super::ext::ext_name(unsafe { &*e }) == o.name
            }) {
                return Err("HS: EXT: unknown ext".into());
            }
        }
        user_resp = others;
        let offered = c
            .ext_offer
            .as_deref()
            .map(pmd::parse_offers)
            .and_then(Result::ok)
            .unwrap_or_default();
        if !resp.is_empty() && offered.is_empty() {
            return Err("HS: EXT: unknown ext".into());
        }
        pmd_agreed = pmd::client_accept(&offered, &resp).map_err(str::to_string)?;
    }
    if acc.trim_ascii() != c.accept.as_bytes() {
        return Err("HS: Accept hash wrong".into());
    }
    Ok((proto, pmd_agreed, user_resp))
}

/// Marks a parsed head that belongs to a plain HTTP client.
const HTTP_RESPONSE: &str = "\0http";

/// What the HTTP client needs of a response head.
pub(crate) struct RespHead {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
}

fn http_head(r: &httparse::Response) -> RespHead {
    RespHead {
        status: r.code.unwrap_or(0),
        headers: r
            .headers
            .iter()
            .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
            .collect(),
    }
}

/// Binds a new client wsi (with the caller's userdata) to its local
/// protocol: local_protocol_name, else the offered subprotocol when it names
/// one of ours, else protocols[0]. True when found by name: only then does
/// 4.1.6 announce the binding with CLIENT_HTTP_BIND_PROTOCOL.
fn bind_local_protocol(
    w: &Rc<Wsi>,
    vh: &Rc<crate::net::Vhost>,
    i: &lws_client_connect_info,
) -> bool {
    if !i.userdata.is_null() {
        w.user_space.set(i.userdata);
        w.user_external.set(true);
    }
    let local = opt_string(i.local_protocol_name).or_else(|| opt_string(i.protocol));
    let named = local.and_then(|n| super::http::protocol_index(&vh.protocols, n.as_bytes()));
    w.bind_protocol(named.unwrap_or(0));
    named.is_some()
}

/// A response head as the table lws_hdr_* reads.
fn header_table(head: &RespHead) -> super::headers::HeaderTable {
    let mut t = super::headers::HeaderTable::default();
    for (n, v) in &head.headers {
        match super::headers::header_token(n) {
            Some(tok) => t.add(tok, v.trim_ascii()),
            None => t.add_custom(n, v.trim_ascii()),
        }
    }
    t
}

impl Wsi {
    /// A complete HTTP response head for a plain HTTP client: filter,
    /// ESTABLISHED_CLIENT_HTTP, then the body as it comes.
    fn client_http_response(self: &Rc<Self>, head: RespHead, rest: Vec<u8>) {
        self.client_http_response_framed(head, rest, None)
    }

    /// The same for an HTTP/2 stream, whose body ends with END_STREAM
    /// (`end`: already with the headers).
    pub(crate) fn client_http_response_h2(self: &Rc<Self>, head: RespHead, end: bool) {
        self.client_http_response_framed(head, Vec::new(), Some(end))
    }

    fn client_http_response_framed(
        self: &Rc<Self>,
        head: RespHead,
        rest: Vec<u8>,
        h2_end: Option<bool>,
    ) {
        let t = header_table(&head);
        let find = |name: &str| {
            head.headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let chunked = find("transfer-encoding").is_some_and(|v| {
            handshake::tokens(&v)
                .last()
                .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
        });
        let body = if let Some(end) = h2_end {
            if end {
                RespBody::Done
            } else {
                RespBody::UntilClose
            }
        } else if chunked {
            RespBody::Chunked
        } else if let Some(cl) = find("content-length") {
            match std::str::from_utf8(cl.trim_ascii())
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
            {
                Some(0) => RespBody::Done,
                Some(n) => RespBody::Length(n),
                None => {
                    self.client_fail("problems parsing header");
                    return;
                }
            }
        } else if head.status == 204 || head.status == 304 || (100..200).contains(&head.status) {
            RespBody::Done
        } else {
            RespBody::UntilClose
        };
        if matches!(head.status, 301 | 302 | 303 | 307 | 308) && !self.no_follow_redirect.get() {
            match find("location") {
                Some(loc) => {
                    self.client_redirect(head.status, &String::from_utf8_lossy(loc.trim_ascii()))
                }
                None => self.client_fail("HS: Redirect code but no Location"),
            }
            return;
        }
        *self.hdrs.borrow_mut() = Some(t);
        self.http_status.set(head.status);
        self.resp_body.set(body);
        *self.chunk_dec.borrow_mut() = Default::default();
        // the request stays known: lws_client_reset may reuse it

        self.set_timeout(0, 0);
        let null = std::ptr::null_mut();
        if self.dispatch(cb::CLIENT_FILTER_PRE_ESTABLISH, null, null, 0) != 0 {
            self.client_fail("HS: disallowed by client filter");
            return;
        }
        self.state.set(WsiState::ClientHttpBody);
        if self.dispatch(cb::ESTABLISHED_CLIENT_HTTP, null, null, 0) != 0 {
            if self.h2s.borrow().is_some() {
                self.close_now(true);
            } else {
                // as lws: refusing the response fails the connection
                // (CLIENT_CONNECTION_ERROR), it does not close it
                self.state.set(WsiState::ClientHandshake);
                self.client_fail("HS: disallowed at ESTABLISHED");
            }
            return;
        }
        // lws_client_reset from the callback moved the wsi on: this
        // response's body is not for it
        if self.state.get() == WsiState::ClientHttpBody {
            self.client_body_input(&rest);
        }
    }

    /// Follows a redirect on the same wsi, as lws does: CLIENT_HTTP_REDIRECT
    /// (the user may refuse), the protocol is dropped, a new connection
    /// made to the new location and the protocol bound again.
    fn client_redirect(self: &Rc<Self>, status: u16, loc: &str) {
        let redirects = self.redirects.get() + 1;
        self.redirects.set(redirects);
        if redirects > 3 {
            self.client_fail("HS: Redirect failed");
            return;
        }
        let mut cloc = CString::new(loc).unwrap_or_default().into_bytes_with_nul();
        let null = std::ptr::null_mut();
        if self.dispatch(
            cb::CLIENT_HTTP_REDIRECT,
            cloc.as_mut_ptr() as *mut c_void,
            null,
            status as usize,
        ) != 0
        {
            self.client_fail("HS: user code rejected redirect");
            return;
        }
        // the target: an absolute http:// URL, or a path on the same server
        let (host, port, path) = if let Some(rest) = loc.strip_prefix("http://") {
            let (hp, p) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let (h, port) = match hp.rsplit_once(':') {
                Some((h, p)) if !h.ends_with(']') || hp.starts_with('[') => (
                    h.trim_matches(|c| c == '[' || c == ']').to_string(),
                    p.parse::<u16>().unwrap_or(80),
                ),
                _ => (hp.trim_matches(|c| c == '[' || c == ']').to_string(), 80),
            };
            (
                h,
                port,
                if p.is_empty() {
                    "/".to_string()
                } else {
                    p.to_string()
                },
            )
        } else if let Some(rest) = loc.strip_prefix("https://") {
            let (hp, p) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let (h, port) = match hp.rsplit_once(':') {
                Some((h, p)) if !h.ends_with(']') || hp.starts_with('[') => (
                    h.trim_matches(|c| c == '[' || c == ']').to_string(),
                    p.parse::<u16>().unwrap_or(443),
                ),
                _ => (hp.trim_matches(|c| c == '[' || c == ']').to_string(), 443),
            };
            let path = if p.is_empty() {
                "/".to_string()
            } else {
                p.to_string()
            };
            let host_hdr = if port == 443 {
                h.clone()
            } else {
                format!("{h}:{port}")
            };
            if let Err(e) =
                self.client_reconnect(&h, port, path, host_hdr, status == 303, Some(true))
            {
                self.client_fail(e);
            }
            return;
        } else {
            let peer = self.with_stream(|s| s.peer_addr().ok()).flatten();
            let Some(peer) = peer else {
                self.client_fail("HS: Redirect failed");
                return;
            };
            let path = if loc.starts_with('/') {
                loc.to_string()
            } else {
                format!("/{loc}")
            };
            (peer.ip().to_string(), peer.port(), path)
        };
        // a path on the same server keeps the name it was asked by (Host,
        // and the name its certificate is checked against), as lws
        let same_server = !loc.starts_with("http://");
        let kept = same_server
            .then(|| self.client.borrow().as_ref().map(|c| c.host.clone()))
            .flatten()
            .filter(|h| !h.is_empty());
        let host_hdr = match kept {
            Some(h) => h,
            None if port == 80 => host.clone(),
            None => format!("{host}:{port}"),
        };
        // an absolute http:// target drops TLS, which 4.1.6 refuses
        let ssl = loc.starts_with("http://").then_some(false);
        if ssl == Some(false) && self.tls_flags_use_ssl() {
            self.client_fail("HS: Redirect attempted SSL downgrade");
            return;
        }
        if let Err(e) = self.client_reconnect(&host, port, path, host_hdr, status == 303, ssl) {
            self.client_fail(e);
        }
    }

    /// Moves this client wsi to a new connection (redirects,
    /// lws_client_reset): the protocol is dropped, the socket replaced,
    /// the protocol bound again, and the handshake starts once connected.
    pub(crate) fn client_reconnect(
        self: &Rc<Self>,
        host: &str,
        port: u16,
        path: String,
        host_hdr: String,
        to_get: bool,
        ssl: Option<bool>,
    ) -> Result<(), &'static str> {
        let addr = (host, port)
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next())
            .ok_or("HS: URI did not parse")?;
        let stream = mio::net::TcpStream::connect(addr).map_err(|_| "HS: Redirect failed")?;
        let _ = stream.set_nodelay(true);
        // a stream moves off its h2 connection onto its own
        self.h2_client_detach();
        self.client_release_queue();
        self.unbind();
        let ctx = self.ctx();
        ctx.remove_wsi(self);
        self.tls_free();
        self.tls_unusable.set(false);
        self.tls_done.set(false);
        *self.sock.borrow_mut() = Sock::Stream(stream);
        self.peer_hup.set(false);
        self.peer_eof.set(false);
        // nothing of the old response reaches the new one
        self.http_pieces.borrow_mut().clear();
        self.rx_stash.borrow_mut().clear();
        ctx.insert_wsi(self).map_err(|_| "HS: Redirect failed")?;
        {
            let mut c = self.client.borrow_mut();
            if let Some(c) = c.as_mut() {
                c.host = host_hdr;
                c.path = path;
                c.resp.clear();
                match ssl {
                    Some(true) => c.ssl_flags |= super::tls::LCCSCF_USE_SSL,
                    Some(false) => c.ssl_flags &= !super::tls::LCCSCF_USE_SSL,
                    None => {}
                }
                if to_get {
                    c.method = Some("GET".into());
                    self.redirected_to_get.set(true);
                }
            }
        }
        self.can_write.set(true);
        self.state.set(WsiState::ClientConnecting);
        self.bind_protocol(self.protocol.get());
        self.bound.set(true);
        let null = std::ptr::null_mut();
        self.dispatch(cb::CLIENT_HTTP_BIND_PROTOCOL, null, null, 0);
        let secs = match self.vhost().connect_timeout_secs {
            0 => 20,
            s => s,
        };
        self.set_timeout(
            super::wsi::PENDING_TIMEOUT_AWAITING_CONNECT_ACK,
            secs as i32,
        );
        Ok(())
    }

    /// Response body bytes: decoded into pieces the user collects with
    /// lws_http_client_read during RECEIVE_CLIENT_HTTP.
    pub(crate) fn client_body_input(self: &Rc<Self>, data: &[u8]) {
        let mut pieces: Vec<Vec<u8>> = Vec::new();
        let mut pos = 0;
        while pos < data.len() {
            match self.resp_body.get() {
                RespBody::Done => break,
                RespBody::UntilClose => {
                    pieces.push(data[pos..].to_vec());
                    pos = data.len();
                }
                RespBody::Length(rem) => {
                    let n = rem.min((data.len() - pos) as u64) as usize;
                    pieces.push(data[pos..pos + n].to_vec());
                    pos += n;
                    let left = rem - n as u64;
                    self.resp_body.set(if left == 0 {
                        RespBody::Done
                    } else {
                        RespBody::Length(left)
                    });
                }
                RespBody::Chunked => {
                    let (n, ev) = self.chunk_dec.borrow_mut().feed(&data[pos..]);
                    let base = pos;
                    pos += n;
                    match ev {
                        Some(crate::proto::chunked::Event::Data(r)) => {
                            pieces.push(data[base + r.start..base + r.end].to_vec())
                        }
                        Some(crate::proto::chunked::Event::End) => {
                            self.resp_body.set(RespBody::Done)
                        }
                        Some(crate::proto::chunked::Event::Error) => {
                            log::info("http client: bad chunked framing");
                            self.close_now(true);
                            return;
                        }
                        None => {}
                    }
                }
            }
        }
        self.http_pieces
            .borrow_mut()
            .extend(pieces.into_iter().filter(|p| !p.is_empty()));
        self.client_body_progress();
    }

    /// Tells the user about pending body data, and finishes the response
    /// when all of it was read.
    pub(crate) fn client_body_progress(self: &Rc<Self>) {
        let null = std::ptr::null_mut();
        if !self.http_pieces.borrow().is_empty() && self.state.get() == WsiState::ClientHttpBody {
            if self.dispatch(cb::RECEIVE_CLIENT_HTTP, null, null, 0) != 0 {
                self.close_now(true);
                return;
            }
        }
        if self.resp_body.get() == RespBody::Done
            && self.http_pieces.borrow().is_empty()
            && self.state.get() == WsiState::ClientHttpBody
        {
            self.state.set(WsiState::ClientHttpDone);
            let warm = self.keep_warm_secs.get();
            // an h2 stream carries one transaction; its connection is
            // what stays warm
            if self.dispatch(cb::COMPLETED_CLIENT_HTTP, null, null, 0) != 0
                || warm == 0
                || self.peer_eof.get()
                || self.h2s.borrow().is_some()
            {
                self.close_now(true);
            } else if self.state.get() == WsiState::ClientHttpDone {
                self.set_timeout(super::wsi::PENDING_TIMEOUT_CLIENT_CONN_IDLE, warm as i32);
            }
        }
    }

    /// lws_http_client_read: hands the pending body pieces to
    /// RECEIVE_CLIENT_HTTP_READ, at most `max` bytes a callback.
    pub(crate) fn client_http_read(self: &Rc<Self>, max: usize) -> c_int {
        loop {
            let piece = self.http_pieces.borrow_mut().pop_front();
            let Some(mut p) = piece else { break };
            let max = max.max(1);
            if p.len() > max {
                let rest = p.split_off(max);
                self.http_pieces.borrow_mut().push_front(rest);
            }
            let len = p.len();
            p.push(0);
            if self.dispatch(
                cb::RECEIVE_CLIENT_HTTP_READ,
                p.as_mut_ptr() as *mut c_void,
                std::ptr::null_mut(),
                len,
            ) != 0
            {
                return -1;
            }
        }
        0
    }
}

/// A non-blocking TCP connect, from local address `iface` when given (an
/// IP literal or an interface name, as lws's `iface`).
fn connect_from(addr: SocketAddr, iface: Option<&str>) -> std::io::Result<mio::net::TcpStream> {
    let Some(iface) = iface else {
        return mio::net::TcpStream::connect(addr);
    };
    let local: std::net::IpAddr = match iface.parse() {
        Ok(ip) => ip,
        Err(_) => {
            let c = CString::new(iface).map_err(|_| std::io::ErrorKind::InvalidInput)?;
            super::context::interface_ip(&c)?
        }
    };
    let domain = if addr.is_ipv6() {
        libc::AF_INET6
    } else {
        libc::AF_INET
    };
    // SAFETY: creating, binding and connecting our own socket with
    // sockaddr storage filled for its family.
    unsafe {
        let fd = libc::socket(
            domain,
            libc::SOCK_STREAM | libc::SOCK_NONBLOCK | libc::SOCK_CLOEXEC,
            0,
        );
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let guard = std::os::fd::OwnedFd::from_raw_fd(fd);
        let (lss, llen) = sockaddr_of(SocketAddr::new(local, 0));
        if libc::bind(fd, &lss as *const _ as *const libc::sockaddr, llen) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let (rss, rlen) = sockaddr_of(addr);
        if libc::connect(fd, &rss as *const _ as *const libc::sockaddr, rlen) != 0 {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EINPROGRESS) {
                return Err(e);
            }
        }
        Ok(mio::net::TcpStream::from_std(std::net::TcpStream::from(
            guard,
        )))
    }
}

fn sockaddr_of(a: SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: all-zero is a valid sockaddr_storage; we fill one family.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match a {
        SocketAddr::V4(v) => {
            // SAFETY: sockaddr_storage is larger than sockaddr_in.
            let sin = unsafe { &mut *(&mut ss as *mut _ as *mut libc::sockaddr_in) };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = v.port().to_be();
            sin.sin_addr.s_addr = u32::from(*v.ip()).to_be();
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v) => {
            // SAFETY: sockaddr_storage is larger than sockaddr_in6.
            let sin6 = unsafe { &mut *(&mut ss as *mut _ as *mut libc::sockaddr_in6) };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = v.port().to_be();
            sin6.sin6_addr.s6_addr = v.ip().octets();
            sin6.sin6_scope_id = v.scope_id();
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (ss, len as libc::socklen_t)
}

/// An HTTP proxy for client connections (lws_set_proxy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Proxy {
    pub host: String,
    pub port: u16,
    /// base64 of "user:password" when the proxy string carried one.
    pub auth: Option<String>,
}

/// Parses a proxy string as lws_set_proxy does: an optional "http://",
/// optional "user:pass@", then "host:port" or "[v6]:port"; `default_port`
/// serves when no port is given (0: a port is required).
pub(crate) fn parse_proxy(s: &str, default_port: u16) -> Result<Proxy, &'static str> {
    let s = s.strip_prefix("http://").unwrap_or(s);
    let (auth, rest) = match s.rfind('@') {
        Some(i) => {
            if i > 95 {
                return Err("proxy auth too long");
            }
            (
                Some(base64::engine::general_purpose::STANDARD.encode(&s.as_bytes()[..i])),
                &s[i + 1..],
            )
        }
        None => (None, s),
    };
    let rest = rest.trim_end_matches('/');
    let (host, port) = if let Some(r) = rest.strip_prefix('[') {
        let Some(end) = r.find(']') else {
            return Err("malformed proxy");
        };
        let port = r[end + 1..]
            .strip_prefix(':')
            .map(|p| p.parse::<u16>().unwrap_or(0));
        (r[..end].to_string(), port)
    } else {
        match rest.split_once(':') {
            Some((h, p)) => (h.to_string(), Some(p.parse::<u16>().unwrap_or(0))),
            None => (rest.to_string(), None),
        }
    };
    let port = match port {
        Some(p) => p,
        None if default_port != 0 => default_port,
        None => return Err("http_proxy needs to be ads:port"),
    };
    Ok(Proxy { host, port, auth })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_strings() {
        assert_eq!(
            parse_proxy("http://proxy:3128", 0).unwrap(),
            Proxy {
                host: "proxy".into(),
                port: 3128,
                auth: None
            }
        );
        let p = parse_proxy("user:pw@10.0.0.1:8080", 0).unwrap();
        assert_eq!((p.host.as_str(), p.port), ("10.0.0.1", 8080));
        assert_eq!(p.auth.as_deref(), Some("dXNlcjpwdw=="));
        assert_eq!(parse_proxy("[::1]:443", 0).unwrap().host, "::1");
        assert!(parse_proxy("noport", 0).is_err());
        assert_eq!(parse_proxy("noport", 99).unwrap().port, 99);
    }
}
