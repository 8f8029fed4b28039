//! Descriptors the program hands to the loop (lws_adopt_*): accepted
//! sockets served as HTTP, raw sockets (bytes in RAW_RX, out with
//! lws_write) and raw file descriptors (RAW_RX_FILE when readable); and a
//! raw view of HTTP connections whose first bytes are not HTTP.

use std::ffi::{c_int, c_void, CStr};
use std::os::fd::{FromRawFd, RawFd};
use std::rc::Rc;

use super::cb;
use super::context::{Context, Vhost};
use super::wsi::{Sock, Wsi, WsiState};
use crate::capi::log;

pub(crate) const ADOPT_HTTP: u32 = 1;
pub(crate) const ADOPT_SOCKET: u32 = 2;
pub(crate) const ADOPT_ALLOW_SSL: u32 = 4;
pub(crate) const ADOPT_FLAG_UDP: u32 = 16;

/// `type` bits this library knows (UDP and raw-proxy included).
const ADOPT_KNOWN: u32 = 1 | 2 | 4 | 16 | 32;

fn set_nonblocking(fd: RawFd) -> bool {
    // SAFETY: fcntl on a descriptor the program gave us.
    unsafe {
        let fl = libc::fcntl(fd, libc::F_GETFL);
        fl >= 0 && libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK) == 0
    }
}

fn close_fd(fd: RawFd) {
    // SAFETY: the adoption failed; lws closes the descriptor it was given.
    unsafe { libc::close(fd) };
}

impl Context {
    /// lws_adopt_descriptor_vhost_via_info. Takes ownership of `fd`: on
    /// failure it is closed, as lws does.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn adopt(
        &self,
        vh: &Rc<Vhost>,
        type_: u32,
        fd: RawFd,
        prot_name: Option<&CStr>,
        parent: *const Wsi,
        opaque: *mut c_void,
        readbuf: &[u8],
    ) -> Option<Rc<Wsi>> {
        if type_ & !ADOPT_KNOWN != 0 {
            log::err(&format!("adopt: unknown type bits 0x{type_:x}"));
            close_fd(fd);
            return None;
        }
        let proto = match prot_name {
            None => None,
            Some(n) => match super::http::protocol_index(&vh.protocols, n.to_bytes()) {
                Some(i) => Some(i),
                None => {
                    // as lws: the wsi was announced, then dropped silently
                    self.announce_doomed_wsi(vh, false);
                    log::err(&format!(
                        "Protocol {} not enabled on vhost {}",
                        n.to_string_lossy(),
                        vh.name.to_string_lossy()
                    ));
                    close_fd(fd);
                    return None;
                }
            },
        };
        if fd < 0 || !set_nonblocking(fd) {
            self.announce_doomed_wsi(vh, true);
            log::err(&format!("adopt: unable to set fd {fd} nonblocking"));
            if fd >= 0 {
                close_fd(fd);
            }
            return None;
        }
        let w = if type_ & ADOPT_SOCKET != 0 && type_ & ADOPT_HTTP != 0 {
            // SAFETY: the program hands us a connected stream socket.
            let stream = unsafe { mio::net::TcpStream::from_raw_fd(fd) };
            let w = self.adopt_http_stream(vh, stream, proto)?;
            w.opaque_user_data.set(opaque);
            w
        } else if type_ & ADOPT_SOCKET != 0 {
            // SAFETY: as above (a raw socket: TCP, unix or UDP).
            let stream = unsafe { mio::net::TcpStream::from_raw_fd(fd) };
            vh.apply_socket_options(fd);
            self.adopt_raw(
                vh,
                Sock::Stream(stream),
                proto,
                type_ & ADOPT_ALLOW_SSL != 0 && type_ & ADOPT_FLAG_UDP == 0,
                type_ & ADOPT_FLAG_UDP != 0,
                opaque,
            )?
        } else {
            // SAFETY: the program hands us a descriptor it gives up.
            let f = unsafe { std::fs::File::from_raw_fd(fd) };
            self.adopt_raw(vh, Sock::File(f), proto, false, false, opaque)?
        };
        if !parent.is_null() {
            w.parent.set(parent);
            // SAFETY: the program passes a live wsi of this context.
            unsafe { &*parent }
                .children
                .borrow_mut()
                .insert(0, Rc::as_ptr(&w));
        }
        if !readbuf.is_empty() && w.state.get() != WsiState::Dead {
            // handled now, before anything read from the descriptor
            let mut data = readbuf.to_vec();
            let n = data.len();
            data.push(0);
            self.feed_input(&w, &mut data, n);
            self.reap_closed();
        }
        Some(w)
    }

    /// WSI_CREATE (and WSI_DESTROY if `destroy`) for an adoption that
    /// fails after lws would have made its wsi.
    fn announce_doomed_wsi(&self, vh: &Rc<Vhost>, destroy: bool) {
        let w = Wsi::new(self, vh, Sock::None, WsiState::Pseudo);
        let null = std::ptr::null_mut();
        w.dispatch_protocol(0, cb::WSI_CREATE, null, null, 0);
        if destroy {
            w.dispatch_protocol(0, cb::WSI_DESTROY, null, null, 0);
        }
    }

    /// A raw socket or file: WSI_CREATE, the protocol binding and
    /// RAW_ADOPT(_FILE).
    fn adopt_raw(
        &self,
        vh: &Rc<Vhost>,
        sock: Sock,
        proto: Option<usize>,
        tls: bool,
        udp: bool,
        opaque: *mut c_void,
    ) -> Option<Rc<Wsi>> {
        let file = matches!(sock, Sock::File(_));
        let w = Rc::new(Wsi::new(
            self,
            vh,
            sock,
            if file {
                WsiState::RawFile
            } else {
                WsiState::Raw
            },
        ));
        w.opaque_user_data.set(opaque);
        w.protocol.set(0);
        if udp {
            // SAFETY: all-zero is a valid lws_udp.
            let mut u: crate::capi::types::lws_udp = unsafe { std::mem::zeroed() };
            let mut len = std::mem::size_of::<libc::sockaddr>() as libc::socklen_t;
            // a connected socket's replies go to its peer
            // SAFETY: getpeername into the record on the adopted socket.
            if unsafe { libc::getpeername(w.fd(), &mut u.sa, &mut len) } == 0 {
                u.salen = len;
            }
            let _ = w.udp.set(Box::new(std::cell::UnsafeCell::new(u)));
        }
        w.dispatch_protocol(
            0,
            cb::WSI_CREATE,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        );
        if let Err(e) = self.insert_wsi(&w) {
            log::err(&format!("adopt: cannot poll this descriptor: {e}"));
            w.close_now(false);
            return None;
        }
        let adopted = if file {
            // as lws: a file gets user space only when a protocol is named
            match proto {
                Some(i) => w.bind_protocol(i),
                None => w.protocol.set(vh.default_protocol),
            }
            cb::RAW_ADOPT_FILE
        } else {
            w.bind_protocol(proto.unwrap_or(vh.raw_protocol));
            w.bound.set(true);
            if w.dispatch(
                cb::RAW_SKT_BIND_PROTOCOL,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            ) != 0
            {
                w.close_now(true);
                self.reap_closed();
                return None;
            }
            if tls && vh.tls.server.borrow().is_some() {
                if let Err(e) = w.tls_start_server() {
                    log::err(&format!("TLS accept: {e}"));
                    w.close_now(true);
                    return None;
                }
            }
            cb::RAW_ADOPT
        };
        if w.dispatch(adopted, std::ptr::null_mut(), std::ptr::null_mut(), 0) != 0 {
            w.close_now(true);
            self.reap_closed();
            return None;
        }
        // the descriptor may already be readable
        w.rx_more.set(true);
        self.schedule(&w);
        Some(w)
    }
}

/// The start of a request head that no HTTP method can begin: the vhost
/// serves the connection raw instead (LWS_SERVER_OPTION_FALLBACK_TO_RAW).
pub(crate) fn not_http(head: &[u8]) -> bool {
    const METHODS: [&[u8]; 9] = [
        b"GET ",
        b"POST ",
        b"OPTIONS ",
        b"PUT ",
        b"PATCH ",
        b"DELETE ",
        b"CONNECT ",
        b"HEAD ",
        b"PRI ",
    ];
    let n = head.len().min(8);
    if n == 0 {
        return false;
    }
    !METHODS.iter().any(|m| {
        let k = n.min(m.len());
        head[..k].eq_ignore_ascii_case(&m[..k])
    })
}

impl Wsi {
    /// Turns an HTTP connection whose first bytes are not HTTP into a raw
    /// one: the raw protocol is bound, RAW_ADOPT, then RAW_RX with what
    /// came so far.
    pub(crate) fn fall_back_to_raw(self: &Rc<Self>) {
        let vh = self.vhost();
        let idx = vh
            .listen_accept_protocol
            .as_deref()
            .and_then(|n| super::http::protocol_index(&vh.protocols, n.to_bytes()))
            .unwrap_or(vh.raw_protocol);
        log::notice(&format!(
            "fallback to raw: vh {}, protocol {}",
            vh.name.to_string_lossy(),
            // SAFETY: protocol names are C strings.
            unsafe { CStr::from_ptr(vh.protocols[idx].name) }.to_string_lossy()
        ));
        // bound while still an HTTP connection, as lws does
        if self.bind_protocol_cb(idx) != 0 {
            self.close_now(true);
            return;
        }
        self.state.set(WsiState::Raw);
        self.set_timeout(0, 0);
        let mut data = std::mem::take(&mut *self.http_in.borrow_mut());
        self.hdrs.borrow_mut().take();
        if self.dispatch(cb::RAW_ADOPT, std::ptr::null_mut(), std::ptr::null_mut(), 0) != 0 {
            self.close_now(true);
            return;
        }
        let n = data.len();
        data.push(0);
        let r: c_int = self.dispatch(
            cb::RAW_RX,
            data.as_mut_ptr() as *mut c_void,
            std::ptr::null_mut(),
            n,
        );
        if r != 0 {
            self.close_now(true);
        }
    }
}

/// `LWS_CAUDP_*` flags of lws_create_adopt_udp.
const CAUDP_BIND: c_int = 1;
const CAUDP_BROADCAST: c_int = 2;

impl Context {
    /// lws_create_adopt_udp: a UDP socket for `ads`:`port` (bound there
    /// with LWS_CAUDP_BIND, else connected to it), adopted raw.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create_adopt_udp(
        &self,
        vh: &Rc<Vhost>,
        ads: Option<&CStr>,
        port: c_int,
        flags: c_int,
        prot: Option<&CStr>,
        ifname: Option<&CStr>,
        parent: *const Wsi,
        opaque: *mut c_void,
        retry: *const crate::capi::types::lws_retry_bo_t,
    ) -> Option<Rc<Wsi>> {
        let fd = match udp_socket(ads, port, flags, ifname) {
            Ok(fd) => fd,
            Err(e) => {
                self.announce_doomed_wsi(vh, true);
                log::err(&format!("lws_create_adopt_udp: {e}"));
                return None;
            }
        };
        let w = self.adopt(
            vh,
            ADOPT_SOCKET | ADOPT_FLAG_UDP,
            fd,
            prot,
            parent,
            opaque,
            &[],
        )?;
        if !retry.is_null() {
            w.retry_policy.set(retry);
        }
        Some(w)
    }
}

/// Resolves `ads` (any address when NULL) and makes the first UDP socket
/// that can be bound to, or connected to, one of its addresses.
fn udp_socket(
    ads: Option<&CStr>,
    port: c_int,
    flags: c_int,
    ifname: Option<&CStr>,
) -> Result<RawFd, String> {
    let svc = std::ffi::CString::new(format!("{}", port.max(0))).map_err(|e| e.to_string())?;
    // SAFETY: getaddrinfo with valid hints; the list is freed below and
    // only read while it lives.
    unsafe {
        let mut hints: libc::addrinfo = std::mem::zeroed();
        hints.ai_family = libc::AF_UNSPEC;
        hints.ai_socktype = libc::SOCK_DGRAM;
        hints.ai_protocol = libc::IPPROTO_UDP;
        hints.ai_flags = libc::AI_PASSIVE | libc::AI_ADDRCONFIG;
        let mut res: *mut libc::addrinfo = std::ptr::null_mut();
        let r = libc::getaddrinfo(
            ads.map_or(std::ptr::null(), |a| a.as_ptr()),
            svc.as_ptr(),
            &hints,
            &mut res,
        );
        if r != 0 {
            return Err(format!(
                "getaddrinfo error: {}",
                CStr::from_ptr(libc::gai_strerror(r)).to_string_lossy()
            ));
        }
        let mut p = res;
        let mut found = Err("unable to create a UDP socket".to_string());
        while !p.is_null() {
            let ai = &*p;
            p = ai.ai_next;
            let fd = libc::socket(ai.ai_family, libc::SOCK_DGRAM, libc::IPPROTO_UDP);
            if fd < 0 {
                continue;
            }
            let one: c_int = 1;
            let optlen = std::mem::size_of::<c_int>() as libc::socklen_t;
            let onep = &one as *const c_int as *const c_void;
            libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, onep, optlen);
            if flags & CAUDP_BROADCAST != 0 {
                libc::setsockopt(fd, libc::SOL_SOCKET, libc::SO_BROADCAST, onep, optlen);
            }
            if let Some(dev) = ifname {
                let b = dev.to_bytes_with_nul();
                if libc::setsockopt(
                    fd,
                    libc::SOL_SOCKET,
                    libc::SO_BINDTODEVICE,
                    b.as_ptr() as *const c_void,
                    b.len() as libc::socklen_t,
                ) != 0
                {
                    libc::close(fd);
                    found = Err(format!("cannot bind to device {}", dev.to_string_lossy()));
                    continue;
                }
            }
            let ok = if flags & CAUDP_BIND != 0 {
                libc::bind(fd, ai.ai_addr, ai.ai_addrlen) == 0
            } else {
                libc::connect(fd, ai.ai_addr, ai.ai_addrlen) == 0
            };
            if ok {
                found = Ok(fd);
                break;
            }
            found = Err(format!(
                "bind/connect failed: {}",
                std::io::Error::last_os_error()
            ));
            libc::close(fd);
        }
        libc::freeaddrinfo(res);
        found
    }
}
