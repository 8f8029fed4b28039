//! One connection (`struct lws` to C): its state, the single place that
//! calls user callbacks, writing and closing.

use std::cell::{Cell, RefCell};
use std::ffi::{c_int, c_void};
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::cb;
use super::context::{Context, TimerEntry, Vhost};
use crate::capi::log;
use crate::capi::types::lws;
use crate::proto::{close, frame, rx::Rx};

pub(crate) enum Sock {
    None,
    Listen(mio::net::TcpListener),
    /// A listening unix-domain socket (LWS_SERVER_OPTION_UNIX_SOCK).
    UnixListen(mio::net::UnixListener),
    Stream(mio::net::TcpStream),
    /// A unix-domain client connection (address "+/path").
    Unix(mio::net::UnixStream),
    /// An adopted descriptor that is not a socket (pipe, tty, device):
    /// read and written with read()/write().
    File(std::fs::File),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WsiState {
    /// Vhost/protocol-wide pseudo wsi: no socket.
    Pseudo,
    Listen,
    /// Reading an HTTP request head.
    HttpHead,
    /// A request was handed to the user; the response is being made.
    HttpBusy,
    Ws,
    /// We sent a close frame and wait for the peer's.
    WsClosing,
    /// Client: the TCP connect is in progress.
    ClientConnecting,
    /// Client: the opening handshake was sent, the answer is awaited.
    ClientHandshake,
    /// HTTP client: the response body is being read.
    ClientHttpBody,
    /// HTTP client: COMPLETED_CLIENT_HTTP was delivered.
    ClientHttpDone,
    /// Client: CONNECT sent to the HTTP proxy, its answer awaited.
    ClientProxy,
    /// Client: CLIENT_CONNECTION_ERROR was delivered.
    ClientFailed,
    /// A raw socket (adopted, a RAW client, or HTTP fallback): bytes in
    /// RAW_RX, out with lws_write.
    Raw,
    /// An adopted file descriptor: RAW_RX_FILE says it is readable.
    RawFile,
    /// An HTTP/2 network connection; its streams are child wsis.
    H2,
    /// Closed: waiting to be freed.
    Dead,
}

/// What the user can ask about the RECEIVE chunk being delivered.
#[derive(Clone, Copy, Default)]
pub(crate) struct ChunkInfo {
    pub first: bool,
    pub final_: bool,
    pub binary: bool,
    pub remaining: u64,
}

pub(crate) struct PendingChunk {
    pub data: Vec<u8>,
    pub frame_fin: bool,
    pub frame_remaining: u64,
    pub binary: bool,
}

pub(crate) type RawCallback =
    unsafe extern "C" fn(*mut lws, c_int, *mut c_void, *mut c_void, usize) -> c_int;

pub struct Wsi {
    pub(crate) ctx: *const Context,
    pub(crate) vhost: Cell<*const Vhost>,
    pub(crate) sock: RefCell<Sock>,
    pub(crate) slot: Cell<usize>,
    pub(crate) state: Cell<WsiState>,
    pub(crate) protocol: Cell<usize>,
    pub(crate) user_space: Cell<*mut c_void>,
    pub(crate) user_allocated: Cell<bool>,
    pub(crate) id: u64,
    pub(crate) http_in: RefCell<Vec<u8>>,
    pub(crate) request: RefCell<Option<crate::proto::handshake::Request>>,
    pub(crate) rx: RefCell<Option<Rx>>,
    /// Input not yet processed because rx flow control is off.
    pub(crate) rx_stash: RefCell<Vec<u8>>,
    pub(crate) rx_allowed: Cell<bool>,
    /// Part of a data frame not yet delivered because rx flow stopped.
    pub(crate) rx_pending_chunk: RefCell<Option<PendingChunk>>,
    /// The socket may hold unread data (edge-triggered readiness).
    pub(crate) rx_more: Cell<bool>,
    pub(crate) chunk: Cell<ChunkInfo>,
    pub(crate) rx_buffer_size: Cell<usize>,
    pub(crate) tx_pending: RefCell<Vec<u8>>,
    pub(crate) tx_off: Cell<usize>,
    pub(crate) want_write: Cell<bool>,
    pub(crate) can_write: Cell<bool>,
    pub(crate) scheduled: Cell<bool>,
    /// Close frame payload chosen with lws_close_reason.
    pub(crate) close_reason: RefCell<Option<Vec<u8>>>,
    /// After the output drains, close the connection.
    pub(crate) close_after_flush: Cell<bool>,
    pub(crate) timeout_at: Cell<Option<Instant>>,
    pub(crate) timeout_reason: Cell<c_int>,
    pub(crate) keep_alive: Cell<bool>,
    pub(crate) established: Cell<bool>,
    pub(crate) peer_eof: Cell<bool>,
    /// The poller reported the peer's end of input (RDHUP/ERR).
    pub(crate) peer_hup: Cell<bool>,
    /// A protocol error waiting for the user's queued writes to go out
    /// first (echoes of earlier messages precede the close).
    pub(crate) pending_fail: Cell<Option<(u16, &'static str)>>,
    /// Writes are collected and sent with one syscall when uncorked.
    pub(crate) corked: Cell<bool>,
    /// A client connection (callbacks use the CLIENT_* reasons, frames
    /// are masked).
    pub(crate) is_client: Cell<bool>,
    pub(crate) client: RefCell<Option<super::client::ClientHs>>,
    pub(crate) opaque_user_data: Cell<*mut c_void>,
    /// The connect info's pwsi, cleared if the connection fails.
    pub(crate) pwsi: Cell<*mut *mut lws>,
    /// HTTP client: response status, body framing, body pieces not yet
    /// read by the user, and whether the request body is still coming.
    pub(crate) http_status: Cell<u16>,
    pub(crate) resp_body: Cell<super::client::RespBody>,
    pub(crate) http_pieces: RefCell<std::collections::VecDeque<Vec<u8>>>,
    pub(crate) client_body_pending: Cell<bool>,
    pub(crate) no_follow_redirect: Cell<bool>,
    /// Multipart request bodies: the boundary, and whether a part was
    /// already started.
    pub(crate) multipart_boundary: RefCell<Option<String>>,
    pub(crate) multipart_started: Cell<bool>,
    /// LCCSCF_HTTP_X_WWW_FORM_URLENCODED.
    pub(crate) form_urlencoded: Cell<bool>,
    /// Seconds a finished HTTP client connection idles before closing.
    pub(crate) keep_warm_secs: Cell<u16>,
    /// Keepalive (retry_and_idle_policy): seconds without a pong before a
    /// ping and before hanging up, the next check, and whether it hangs up.
    pub(crate) validity: Cell<(u16, u16)>,
    pub(crate) validity_at: Cell<Option<Instant>>,
    pub(crate) validity_hup: Cell<bool>,
    /// The connect info's parent_wsi, and this wsi's own children (closed
    /// with it), newest first.
    pub(crate) parent: Cell<*const Wsi>,
    pub(crate) children: RefCell<Vec<*const Wsi>>,
    pub(crate) redirects: Cell<u8>,
    /// A 303 turned the client's request into a GET.
    pub(crate) redirected_to_get: Cell<bool>,
    /// The user space belongs to the program (client `userdata`).
    pub(crate) user_external: Cell<bool>,
    /// A BIND_PROTOCOL callback was issued and its DROP is still owed.
    pub(crate) bound: Cell<bool>,
    /// The current request's headers, as the lws_hdr_* API sees them.
    pub(crate) hdrs: RefCell<Option<super::headers::HeaderTable>>,
    /// Request body still to come, and whether it goes to the user.
    pub(crate) body: Cell<super::http::Body>,
    pub(crate) chunk_dec: RefCell<crate::proto::chunked::ChunkedDecoder>,
    pub(crate) body_to_user: Cell<bool>,
    /// A file being sent as the response body.
    pub(crate) file_tx: RefCell<Option<super::http::FileTx>>,
    /// The response asked for the connection to close after it.
    pub(crate) resp_close: Cell<bool>,
    /// HTTP/1.x minor version of the request.
    pub(crate) http_minor: Cell<u8>,
    pub(crate) handling_404: Cell<bool>,
    /// Some of the response has been sent.
    pub(crate) tx_started: Cell<bool>,
    /// TLS: the connection's SSL (null without TLS), whether its
    /// handshake finished, the client connect flags, and whether it may
    /// still send close_notify.
    pub(crate) tls_ssl: Cell<*mut openssl_sys::SSL>,
    pub(crate) tls_done: Cell<bool>,
    pub(crate) tls_flags: Cell<c_int>,
    pub(crate) tls_unusable: Cell<bool>,
    pub(crate) tls_drained: Cell<bool>,
    /// SSL_INFO's callback asked for the connection to end.
    pub(crate) tls_kill: Cell<bool>,
    /// The first bytes on a TLS port were checked for plain HTTP.
    pub(crate) tls_peeked: Cell<bool>,
    /// Plain HTTP arrived on a TLS port that redirects it to https.
    pub(crate) redirect_to_https: Cell<bool>,
    /// permessage-deflate, when negotiated.
    pub(crate) pmd: RefCell<Option<Box<crate::proto::pmd::Pmd>>>,
    /// lws_set_timer_usecs's timer, on the context's lws_sul list.
    pub(crate) hrtimer: std::cell::UnsafeCell<crate::capi::types::lws_sorted_usec_list>,
    /// Retry and idle policy (connect info's, else the vhost's).
    pub(crate) retry_policy: Cell<*const crate::capi::types::lws_retry_bo_t>,
    /// Poll events announced to a program polling our sockets (0: none).
    pub(crate) ext_events: Cell<i16>,
    /// lws_set_opaque_parent_data's pointer.
    pub(crate) opaque_parent_data: Cell<*mut c_void>,
    /// User-defined extensions active on the connection, and the UTF-8
    /// check of their output for a text message.
    pub(crate) user_exts: RefCell<Vec<super::ext::ActiveExt>>,
    pub(crate) ext_utf8: RefCell<crate::proto::utf8::Utf8Validator>,
    /// HTTP/2: the connection state (network wsi) or the stream state
    /// (a stream's wsi).
    pub(crate) h2: RefCell<Option<Box<super::h2::H2Net>>>,
    pub(crate) h2s: RefCell<Option<Box<super::h2::H2Stream>>>,
    /// A pipelined client connection's peer (others may share it), and
    /// the requests waiting for it to be up.
    pub(crate) client_key: RefCell<Option<super::h2client::PeerKey>>,
    pub(crate) client_queue: RefCell<Vec<Rc<Wsi>>>,
    /// A request queued on a connection that turned out not to be
    /// shareable: it makes its own at the next service pass.
    pub(crate) needs_own_conn: Cell<bool>,
    /// A UDP socket's peer: replies go to the last sender.
    pub(crate) udp: std::cell::OnceCell<Box<std::cell::UnsafeCell<crate::capi::types::lws_udp>>>,
}

impl Wsi {
    pub(crate) fn new(ctx: &Context, vh: &Rc<Vhost>, sock: Sock, state: WsiState) -> Wsi {
        Wsi {
            ctx,
            vhost: Cell::new(Rc::as_ptr(vh)),
            sock: RefCell::new(sock),
            slot: Cell::new(usize::MAX),
            state: Cell::new(state),
            protocol: Cell::new(0),
            user_space: Cell::new(std::ptr::null_mut()),
            user_allocated: Cell::new(false),
            id: ctx.next_serial(),
            http_in: RefCell::new(Vec::new()),
            request: RefCell::new(None),
            rx: RefCell::new(None),
            rx_stash: RefCell::new(Vec::new()),
            rx_allowed: Cell::new(true),
            rx_pending_chunk: RefCell::new(None),
            rx_more: Cell::new(false),
            chunk: Cell::new(ChunkInfo::default()),
            rx_buffer_size: Cell::new(0),
            tx_pending: RefCell::new(Vec::new()),
            tx_off: Cell::new(0),
            want_write: Cell::new(false),
            can_write: Cell::new(true),
            scheduled: Cell::new(false),
            close_reason: RefCell::new(None),
            close_after_flush: Cell::new(false),
            timeout_at: Cell::new(None),
            timeout_reason: Cell::new(0),
            keep_alive: Cell::new(false),
            established: Cell::new(false),
            peer_eof: Cell::new(false),
            peer_hup: Cell::new(false),
            pending_fail: Cell::new(None),
            corked: Cell::new(false),
            bound: Cell::new(false),
            is_client: Cell::new(false),
            client: RefCell::new(None),
            opaque_user_data: Cell::new(std::ptr::null_mut()),
            pwsi: Cell::new(std::ptr::null_mut()),
            user_external: Cell::new(false),
            http_status: Cell::new(0),
            resp_body: Cell::new(super::client::RespBody::Done),
            http_pieces: RefCell::new(std::collections::VecDeque::new()),
            client_body_pending: Cell::new(false),
            no_follow_redirect: Cell::new(false),
            multipart_boundary: RefCell::new(None),
            multipart_started: Cell::new(false),
            form_urlencoded: Cell::new(false),
            keep_warm_secs: Cell::new(0),
            parent: Cell::new(std::ptr::null()),
            validity: Cell::new(ctx.default_validity),
            validity_at: Cell::new(None),
            validity_hup: Cell::new(false),
            children: RefCell::new(Vec::new()),
            redirects: Cell::new(0),
            redirected_to_get: Cell::new(false),
            hdrs: RefCell::new(None),
            body: Cell::new(super::http::Body::None),
            chunk_dec: RefCell::new(Default::default()),
            body_to_user: Cell::new(false),
            file_tx: RefCell::new(None),
            resp_close: Cell::new(false),
            http_minor: Cell::new(1),
            handling_404: Cell::new(false),
            tx_started: Cell::new(false),
            tls_ssl: Cell::new(std::ptr::null_mut()),
            tls_done: Cell::new(false),
            tls_flags: Cell::new(0),
            tls_unusable: Cell::new(false),
            tls_drained: Cell::new(false),
            tls_kill: Cell::new(false),
            tls_peeked: Cell::new(false),
            redirect_to_https: Cell::new(false),
            pmd: RefCell::new(None),
            hrtimer: std::cell::UnsafeCell::new(crate::capi::types::lws_sorted_usec_list {
                list: crate::capi::types::lws_dll2 {
                    prev: std::ptr::null_mut(),
                    next: std::ptr::null_mut(),
                    owner: std::ptr::null_mut(),
                },
                us: 0,
                cb: None,
                latency_us: 0,
            }),
            retry_policy: Cell::new(vh.retry_policy),
            ext_events: Cell::new(0),
            opaque_parent_data: Cell::new(std::ptr::null_mut()),
            udp: std::cell::OnceCell::new(),
            h2: RefCell::new(None),
            h2s: RefCell::new(None),
            client_key: RefCell::new(None),
            client_queue: RefCell::new(Vec::new()),
            needs_own_conn: Cell::new(false),
            user_exts: RefCell::new(Vec::new()),
            ext_utf8: RefCell::new(crate::proto::utf8::Utf8Validator::new()),
        }
    }

    pub fn as_c(&self) -> *mut lws {
        self as *const Wsi as *mut lws
    }

    pub fn ctx(&self) -> &Context {
        // SAFETY: a context outlives all its wsis (destroy frees them first).
        unsafe { &*self.ctx }
    }

    pub fn vhost(&self) -> &Vhost {
        // SAFETY: vhosts live until the context is destroyed, after its wsis.
        unsafe { &*self.vhost.get() }
    }

    /// Moves the wsi to another vhost (SNI chose it).
    pub(crate) fn vhost_set(&self, vh: &Rc<Vhost>) {
        self.vhost.set(Rc::as_ptr(vh));
    }

    pub(crate) fn fd(&self) -> RawFd {
        match &*self.sock.borrow() {
            Sock::Listen(l) => l.as_raw_fd(),
            Sock::UnixListen(l) => l.as_raw_fd(),
            Sock::Stream(s) => s.as_raw_fd(),
            Sock::Unix(s) => s.as_raw_fd(),
            Sock::File(f) => f.as_raw_fd(),
            Sock::None => -1,
        }
    }

    /// The wsi has a connected socket (TCP or unix).
    pub(crate) fn is_connection(&self) -> bool {
        matches!(&*self.sock.borrow(), Sock::Stream(_) | Sock::Unix(_))
    }

    /// The pending error of the socket (SO_ERROR), if any.
    pub(crate) fn socket_error(&self) -> Option<io::Error> {
        let mut err: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: getsockopt into a stack int on our own socket.
        let r = unsafe {
            libc::getsockopt(
                self.fd(),
                libc::SOL_SOCKET,
                libc::SO_ERROR,
                &mut err as *mut _ as *mut c_void,
                &mut len,
            )
        };
        if r != 0 {
            return Some(io::Error::last_os_error());
        }
        (err != 0).then(|| io::Error::from_raw_os_error(err))
    }

    /// Whether the socket has a peer yet (a connect completed).
    pub(crate) fn has_peer(&self) -> bool {
        // SAFETY: getpeername into stack storage on our own socket.
        unsafe {
            let mut ss: libc::sockaddr_storage = std::mem::zeroed();
            let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            libc::getpeername(
                self.fd(),
                &mut ss as *mut _ as *mut libc::sockaddr,
                &mut len,
            ) == 0
        }
    }

    /// Runs `f` on the connection's TCP stream, if it has one.
    pub(crate) fn with_stream<R>(&self, f: impl FnOnce(&mio::net::TcpStream) -> R) -> Option<R> {
        match &*self.sock.borrow() {
            Sock::Stream(s) => Some(f(s)),
            _ => None,
        }
    }

    pub(crate) fn protocol_ptr(&self) -> *const crate::capi::types::lws_protocols {
        let vh = self.vhost();
        match vh.protocols.get(self.protocol.get()) {
            Some(p) => p,
            None => std::ptr::null(),
        }
    }

    /// Calls the bound protocol's callback with the wsi's user space.
    pub(crate) fn dispatch(
        &self,
        reason: c_int,
        in_: *mut c_void,
        _unused: *mut c_void,
        len: usize,
    ) -> c_int {
        self.dispatch_user(reason, self.user_space.get(), in_, len)
    }

    /// The one place user code is called. No RefCell borrow is held here.
    pub(crate) fn dispatch_user(
        &self,
        reason: c_int,
        user: *mut c_void,
        in_: *mut c_void,
        len: usize,
    ) -> c_int {
        self.dispatch_protocol(self.protocol.get(), reason, user, in_, len)
    }

    /// Calls protocol `idx`'s callback (bound or not) for this wsi.
    pub(crate) fn dispatch_protocol(
        &self,
        idx: usize,
        reason: c_int,
        user: *mut c_void,
        in_: *mut c_void,
        len: usize,
    ) -> c_int {
        let Some(p) = self.vhost().protocols.get(idx) else {
            return 0;
        };
        let Some(f) = p.callback else { return 0 };
        // SAFETY: the C callback takes `enum lws_callback_reasons`, which has
        // the ABI of int; calling through the int-typed pointer lets us pass
        // any reason value C code may use without creating an invalid enum.
        let f: RawCallback = unsafe { std::mem::transmute(f) };
        self.call_callback(f, reason, user, in_, len)
    }

    /// Calls callback `f` for this wsi (it may belong to another vhost's
    /// protocol, as for OPENSSL_PERFORM_SERVER_CERT_VERIFICATION).
    pub(crate) fn call_callback(
        &self,
        f: RawCallback,
        reason: c_int,
        user: *mut c_void,
        in_: *mut c_void,
        len: usize,
    ) -> c_int {
        let ctx = self.ctx();
        ctx.depth.set(ctx.depth.get() + 1);
        // SAFETY: a user callback with lws's documented arguments.
        let r = unsafe { f(self.as_c(), reason, user, in_, len) };
        ctx.depth.set(ctx.depth.get() - 1);
        r
    }

    /// Binds protocol `idx`, allocating zeroed per-session data.
    /// The reason a client connection gets for a server-role WebSocket
    /// reason (RECEIVE -> CLIENT_RECEIVE and so on).
    pub(crate) fn ws_reason(&self, server_reason: c_int) -> c_int {
        if !self.is_client.get() {
            return server_reason;
        }
        match server_reason {
            cb::RECEIVE => cb::CLIENT_RECEIVE,
            cb::RECEIVE_PONG => cb::CLIENT_RECEIVE_PONG,
            cb::SERVER_WRITEABLE => cb::CLIENT_WRITEABLE,
            cb::CLOSED => cb::CLIENT_CLOSED,
            r => r,
        }
    }

    pub(crate) fn bind_protocol(&self, idx: usize) {
        self.protocol.set(idx);
        if self.user_external.get() {
            let rxb = self.vhost().protocols[idx].rx_buffer_size;
            self.rx_buffer_size.set(if rxb == 0 {
                self.ctx().pt_serv_buf_size
            } else {
                rxb
            });
            return;
        }
        // a new binding gets fresh, zeroed user space, as in lws
        self.free_user_space();
        let size = self.vhost().protocols[idx].per_session_data_size;
        if size > 0 && self.user_space.get().is_null() {
            // SAFETY: calloc of a positive size; freed in destroy().
            let p = unsafe { libc::calloc(1, size) };
            self.user_space.set(p);
            self.user_allocated.set(true);
        }
        let rxb = self.vhost().protocols[idx].rx_buffer_size;
        self.rx_buffer_size.set(if rxb == 0 {
            self.ctx().pt_serv_buf_size
        } else {
            rxb
        });
    }

    /// The DROP_PROTOCOL callback owed for an earlier BIND when the
    /// connection closes (as lws, only when it has user space):
    /// WS_*_DROP_PROTOCOL for WebSocket connections, *HTTP_DROP_PROTOCOL
    /// otherwise.
    pub(crate) fn drop_protocol(&self) {
        self.drop_protocol_in(self.state.get())
    }

    fn drop_protocol_in(&self, st: WsiState) {
        if self.user_space.get().is_null() {
            return;
        }
        self.unbind_in(st);
    }

    /// The DROP owed before binding another protocol (lws_bind_protocol
    /// issues it whatever the user space).
    pub(crate) fn unbind(&self) {
        self.unbind_in(self.state.get())
    }

    fn unbind_in(&self, st: WsiState) {
        if !self.bound.replace(false) {
            return;
        }
        let reason = match st {
            WsiState::Ws | WsiState::WsClosing if self.is_client.get() => {
                cb::WS_CLIENT_DROP_PROTOCOL
            }
            WsiState::Ws | WsiState::WsClosing => cb::WS_SERVER_DROP_PROTOCOL,
            WsiState::Raw => cb::RAW_SKT_DROP_PROTOCOL,
            WsiState::RawFile => cb::RAW_FILE_DROP_PROTOCOL,
            _ if self.is_client.get() => cb::CLIENT_HTTP_DROP_PROTOCOL,
            _ => cb::HTTP_DROP_PROTOCOL,
        };
        self.dispatch(reason, std::ptr::null_mut(), std::ptr::null_mut(), 0);
    }

    /// Binds protocol `idx` as lws_bind_protocol does: the old binding is
    /// dropped, fresh user space allocated, HTTP_BIND_PROTOCOL issued.
    /// Returns the callback's answer.
    pub(crate) fn bind_protocol_cb(&self, idx: usize) -> c_int {
        self.unbind();
        self.bind_protocol(idx);
        self.bound.set(true);
        self.dispatch(
            cb::HTTP_BIND_PROTOCOL,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        )
    }

    pub(crate) fn free_user_space(&self) {
        if self.user_allocated.replace(false) {
            // SAFETY: allocated with calloc in bind_protocol.
            unsafe { libc::free(self.user_space.replace(std::ptr::null_mut())) };
        }
    }

    // ---- timeouts ----

    /// lws_set_timer_usecs: LWS_CALLBACK_TIMER `us` from now; -1 cancels.
    pub(crate) fn set_timer_usecs(&self, us: i64) {
        let sul = self.hrtimer.get();
        if us == -1 || self.state.get() == WsiState::Dead {
            // SAFETY: our own timer; its owner is the context's list.
            unsafe { crate::capi::sul::cancel(sul) };
            return;
        }
        // SAFETY: as above; the wsi lives in an Rc, so the timer does not
        // move, and close_now unlinks it before the wsi can be freed.
        unsafe {
            (*sul).cb = Some(hrtimer_fired);
            (*sul).us = crate::capi::smd::lws_now_usecs().saturating_add(us);
            crate::capi::sul::insert(self.ctx().sul_owner(false), sul);
        }
    }

    /// lws_set_timeout: secs > 0 arms, 0 cancels.
    pub(crate) fn set_timeout(self: &Rc<Self>, reason: c_int, secs: i32) {
        if secs <= 0 {
            self.timeout_at.set(None);
            return;
        }
        let at = Instant::now() + Duration::from_secs(secs as u64);
        self.timeout_at.set(Some(at));
        self.timeout_reason.set(reason);
        self.ctx().timers.borrow_mut().push(TimerEntry {
            at: std::cmp::Reverse(at),
            slot: self.slot.get(),
            gen: self.id,
        });
    }

    /// lws_validity_confirmed: the connection is alive (a pong came, or it
    /// was just established); the next check is a ping's interval away.
    pub(crate) fn validity_confirmed(&self) {
        let (ping, hangup) = self.validity.get();
        if hangup == 0 || !matches!(self.state.get(), WsiState::Ws) {
            return;
        }
        let hup = ping >= hangup;
        self.validity_hup.set(hup);
        self.arm_validity(if hup { hangup } else { ping });
    }

    fn arm_validity(&self, secs: u16) {
        let at = Instant::now() + Duration::from_secs(secs as u64);
        self.validity_at.set(Some(at));
        self.ctx().timers.borrow_mut().push(TimerEntry {
            at: std::cmp::Reverse(at),
            slot: self.slot.get(),
            gen: self.id,
        });
    }

    /// The validity check came due: ping, or hang up if a ping went
    /// unanswered.
    pub(crate) fn validity_expired(&self) {
        if self.state.get() != WsiState::Ws {
            return;
        }
        if self.validity_hup.get() {
            log::info("validity timeout: no pong, closing");
            self.close_now(true);
            return;
        }
        // an empty ping, as 4.1.6 sends
        if self.send_frame_owned(true, frame::OP_PING, &[]).is_err() {
            self.close_now(true);
            return;
        }
        let (ping, hangup) = self.validity.get();
        self.validity_hup.set(true);
        self.arm_validity(hangup.saturating_sub(ping).max(1));
    }

    // ---- output ----

    /// Queues or sends raw bytes; never loses them: what the kernel does
    /// not take is kept and flushed first on the next writable event.
    pub(crate) fn send_raw(&self, data: &[u8]) -> io::Result<()> {
        if self.h2s.borrow().is_some() {
            return self.h2_stream_send(data);
        }
        if !self.is_connection() && !matches!(&*self.sock.borrow(), Sock::File(_)) {
            return Err(io::Error::new(io::ErrorKind::NotConnected, "no socket"));
        };
        if self.corked.get() || !self.tx_pending.borrow().is_empty() {
            self.tx_pending.borrow_mut().extend_from_slice(data);
            return Ok(());
        }
        let mut off = 0;
        while off < data.len() {
            match self.sock_send(&data[off..]) {
                Ok(n) => off += n,
                Err(e) => match e.kind() {
                    io::ErrorKind::Interrupted => continue,
                    io::ErrorKind::WouldBlock => break,
                    _ => return Err(e),
                },
            }
        }
        if off < data.len() {
            self.can_write.set(false);
            let mut p = self.tx_pending.borrow_mut();
            p.extend_from_slice(&data[off..]);
            self.tx_off.set(0);
        }
        Ok(())
    }

    /// One send on the socket, through TLS when the connection has it.
    pub(crate) fn sock_send(&self, data: &[u8]) -> io::Result<usize> {
        if !self.tls_ssl.get().is_null() {
            return self.tls_write(data);
        }
        if let Some(u) = self.udp.get() {
            let u = u.get();
            // SAFETY: sendto from a valid slice to the recorded peer (or,
            // with none recorded, to the connected one).
            let n = unsafe {
                if (*u).salen == 0 {
                    libc::send(self.fd(), data.as_ptr() as *const c_void, data.len(), 0)
                } else {
                    libc::sendto(
                        self.fd(),
                        data.as_ptr() as *const c_void,
                        data.len(),
                        0,
                        &(*u).sa,
                        (*u).salen,
                    )
                }
            };
            return if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            };
        }
        if self.state.get() == WsiState::RawFile {
            // SAFETY: write to our own descriptor from a valid slice.
            let n = unsafe { libc::write(self.fd(), data.as_ptr() as *const c_void, data.len()) };
            return if n < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(n as usize)
            };
        }
        // SAFETY: send on our own socket from a valid slice.
        let n = unsafe {
            libc::send(
                self.fd(),
                data.as_ptr() as *const c_void,
                data.len(),
                libc::MSG_NOSIGNAL,
            )
        };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n as usize)
        }
    }

    /// One read from the socket, through TLS when the connection has it:
    /// Ok(0) at the end of input. The bool says the socket is known to
    /// be drained.
    pub(crate) fn sock_recv(&self, buf: &mut [u8]) -> io::Result<(usize, bool)> {
        if !self.tls_ssl.get().is_null() {
            let n = self.tls_read(buf)?;
            return Ok((n, self.tls_drained.get()));
        }
        if let Some(u) = self.udp.get() {
            let u = u.get();
            // SAFETY: recvfrom into our buffer, the sender into the udp
            // record (as lws, a struct sockaddr's worth of it).
            let n = unsafe {
                (*u).salen = std::mem::size_of::<libc::sockaddr>() as libc::socklen_t;
                libc::recvfrom(
                    self.fd(),
                    buf.as_mut_ptr() as *mut c_void,
                    buf.len(),
                    0,
                    &mut (*u).sa,
                    &mut (*u).salen,
                )
            };
            if n < 0 {
                return Err(io::Error::last_os_error());
            }
            // one datagram per read: read on until the socket says none
            return Ok((n as usize, false));
        }
        // SAFETY: reading into our own buffer.
        let n = unsafe { libc::recv(self.fd(), buf.as_mut_ptr() as *mut c_void, buf.len(), 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        // a short read usually means drained
        Ok((n as usize, (n as usize) < buf.len()))
    }

    /// Sends buffered output. Ok(true) when nothing is left.
    pub(crate) fn flush(&self) -> io::Result<bool> {
        if self.h2s.borrow().is_some() {
            return self.h2_stream_flush();
        }
        loop {
            let (ptr, len) = {
                let p = self.tx_pending.borrow();
                let off = self.tx_off.get();
                if off >= p.len() {
                    break;
                }
                (p[off..].as_ptr(), p.len() - off)
            };
            // SAFETY: the pointer/len pair is into tx_pending, which is not
            // modified during this call.
            let r = self.sock_send(unsafe { std::slice::from_raw_parts(ptr, len) });
            let n = match r {
                Ok(n) => n,
                Err(e) => match e.kind() {
                    io::ErrorKind::Interrupted => continue,
                    io::ErrorKind::WouldBlock => {
                        self.can_write.set(false);
                        return Ok(false);
                    }
                    _ => return Err(e),
                },
            };
            self.tx_off.set(self.tx_off.get() + n);
        }
        let mut p = self.tx_pending.borrow_mut();
        p.clear();
        if p.capacity() > 64 * 1024 {
            p.shrink_to(0);
        }
        self.tx_off.set(0);
        Ok(true)
    }

    /// Ends a corked section: sends what it collected.
    pub(crate) fn uncork(&self) -> io::Result<bool> {
        self.corked.set(false);
        if self.h2s.borrow().is_some() {
            return self.h2_stream_flush();
        }
        let done = if self.has_pending_tx() {
            self.flush()?
        } else {
            true
        };
        // a writable callback asked for while corked waited for this flush
        if done && self.want_write.get() && self.can_write.get() {
            if let Some(rc) = self.rc() {
                self.ctx().schedule(&rc);
            }
        }
        Ok(done)
    }

    /// Input received but not yet delivered: stashed bytes, a chunk held
    /// by flow control, or compressed data not yet inflated.
    pub(crate) fn has_held_input(&self) -> bool {
        !self.rx_stash.borrow().is_empty()
            || self.rx_pending_chunk.borrow().is_some()
            || self.pmd.borrow().as_ref().is_some_and(|p| p.has_pending())
    }

    pub(crate) fn has_pending_tx(&self) -> bool {
        self.tx_pending.borrow().len() > self.tx_off.get()
    }

    /// Sends one WebSocket frame whose payload is at `payload` with
    /// LWS_PRE bytes of headroom before it.
    ///
    /// # Safety
    /// `payload` must be valid for `len` bytes and have 14 writable bytes
    /// before it (LWS_PRE is 16).
    pub(crate) unsafe fn write_frame(
        &self,
        payload: *mut u8,
        len: usize,
        fin: bool,
        opcode: u8,
    ) -> io::Result<()> {
        if self.has_user_exts() {
            // SAFETY: per the function contract, payload has len bytes.
            let data = unsafe { std::slice::from_raw_parts(payload, len) };
            return self.write_frame_exts(data, fin, opcode);
        }
        if !frame::is_control(opcode) {
            let compressed = self.pmd.borrow_mut().as_mut().and_then(|p| {
                // SAFETY: per the function contract, payload has len bytes.
                let data = unsafe { std::slice::from_raw_parts(payload, len) };
                p.deflate_fragment(opcode != frame::OP_CONT, data, fin)
            });
            if let Some((c, rsv1)) = compressed {
                let rsv = if rsv1 { frame::RSV1 } else { 0 };
                return self.send_frame_rsv(fin, rsv, opcode, &c);
            }
        }
        if self.is_client.get() {
            // clients mask every frame with a fresh key; the user's buffer
            // is left as it was
            // SAFETY: per the function contract, payload has len bytes.
            let data = unsafe { std::slice::from_raw_parts(payload, len) };
            return self.send_frame_owned(fin, opcode, data);
        }
        let mut hdr = [0u8; 14];
        let hl = frame::encode_header(&mut hdr, fin, 0, opcode, None, len as u64);
        // SAFETY: per the function contract, the headroom is ours to write.
        unsafe {
            let start = payload.sub(hl);
            std::ptr::copy_nonoverlapping(hdr.as_ptr(), start, hl);
            self.send_raw(std::slice::from_raw_parts(start, hl + len))
        }
    }

    /// write_frame through user-defined extensions: PAYLOAD_TX on data,
    /// permessage-deflate if negotiated too, then PACKET_TX_PRESEND on the
    /// whole frame.
    fn write_frame_exts(&self, data: &[u8], fin: bool, opcode: u8) -> io::Result<()> {
        let failed = || io::Error::other("extension failed");
        let mut rsv = 0;
        let payload = if frame::is_control(opcode) {
            data.to_vec()
        } else {
            let wp = match opcode {
                frame::OP_TEXT => 0,
                frame::OP_BINARY => 1,
                _ => 2,
            } | if fin { 0 } else { 0x40 };
            let p = self.exts_payload_tx(data, wp).map_err(|_| failed())?;
            let compressed = self
                .pmd
                .borrow_mut()
                .as_mut()
                .and_then(|z| z.deflate_fragment(opcode != frame::OP_CONT, &p, fin));
            match compressed {
                Some((c, rsv1)) => {
                    rsv = if rsv1 { frame::RSV1 } else { 0 };
                    c
                }
                None => p,
            }
        };
        let f = self.build_frame(fin, rsv, opcode, &payload);
        let f = self.exts_presend(f).map_err(|_| failed())?;
        self.send_raw(&f)
    }

    /// Sends a frame from an owned payload (control frames we generate).
    pub(crate) fn send_frame_owned(&self, fin: bool, opcode: u8, payload: &[u8]) -> io::Result<()> {
        self.send_frame_rsv(fin, 0, opcode, payload)
    }

    /// Sends a frame with these RSV bits from an owned payload.
    pub(crate) fn send_frame_rsv(
        &self,
        fin: bool,
        rsv: u8,
        opcode: u8,
        payload: &[u8],
    ) -> io::Result<()> {
        let v = self.build_frame(fin, rsv, opcode, payload);
        self.send_raw(&v)
    }

    /// A whole frame, masked with a fresh key in the client role.
    fn build_frame(&self, fin: bool, rsv: u8, opcode: u8, payload: &[u8]) -> Vec<u8> {
        let mut hdr = [0u8; 14];
        let key = self.is_client.get().then(|| {
            let mut k = [0u8; 4];
            super::client::random_bytes(&mut k);
            k
        });
        let hl = frame::encode_header(&mut hdr, fin, rsv, opcode, key, payload.len() as u64);
        let mut v = Vec::with_capacity(hl + payload.len());
        v.extend_from_slice(&hdr[..hl]);
        let start = v.len();
        v.extend_from_slice(payload);
        if let Some(k) = key {
            crate::proto::mask::apply_mask(&mut v[start..], k, 0);
        }
        v
    }

    // ---- closing ----

    /// Starts the WebSocket closing handshake with `code` (or the reason set
    /// by lws_close_reason) and waits up to 5 s for the peer's close.
    pub(crate) fn start_ws_close(self: &Rc<Self>, code: u16) {
        if self.state.get() != WsiState::Ws {
            return;
        }
        let payload = self
            .close_reason
            .borrow_mut()
            .take()
            .unwrap_or_else(|| close::close_payload(code, b""));
        self.state.set(WsiState::WsClosing);
        if self
            .send_frame_owned(true, frame::OP_CLOSE, &payload)
            .is_err()
        {
            self.close_now(true);
            return;
        }
        self.set_timeout(PENDING_TIMEOUT_CLOSE_ACK, 5);
        // as in lws: the protocol is dropped when the close starts, and one
        // more WRITEABLE is delivered; lws_write then refuses data, since
        // nothing may follow a close frame
        self.drop_protocol();
        self.want_write.set(false);
        if self.state.get() == WsiState::WsClosing {
            self.dispatch(
                self.ws_reason(cb::SERVER_WRITEABLE),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            );
        }
    }

    /// Fails the connection (RFC 6455 7.1.7): close frame, then hang up.
    pub(crate) fn fail_ws(self: &Rc<Self>, code: u16, reason: &str) {
        if self.state.get() == WsiState::Ws {
            let payload = close::close_payload(code, reason.as_bytes());
            let _ = self.send_frame_owned(true, frame::OP_CLOSE, &payload);
        }
        self.close_after_output();
    }

    /// Closes once buffered output has gone (bounded by a timeout).
    pub(crate) fn close_after_output(self: &Rc<Self>) {
        if self.has_pending_tx() {
            self.close_after_flush.set(true);
            self.rx_allowed.set(false);
            self.set_timeout(PENDING_TIMEOUT_CLOSE_SEND, 5);
        } else {
            self.close_now(true);
        }
    }

    /// Closes the connection. Inside a callback the work is deferred until
    /// the stack unwinds to the service loop.
    pub(crate) fn close_now(&self, notify: bool) {
        let mut st = self.state.get();
        if st == WsiState::Dead {
            return;
        }
        if st == WsiState::ClientHandshake && self.h2s.borrow().is_some() {
            // as 4.1.6: an h2 client stream whose request went out is
            // established; losing it is CLOSED_CLIENT_HTTP
            st = WsiState::ClientHttpBody;
        }
        // an h2 connection's streams end with it: no frames for them, and
        // nothing reopens on it
        let h2 = self.h2.borrow_mut().take();
        // children go first, as in lws
        let kids: Vec<*const Wsi> = std::mem::take(&mut *self.children.borrow_mut());
        for k in kids {
            // SAFETY: children unlink themselves when freed, so every
            // pointer left here is a live wsi of this context.
            unsafe { &*k }.close_now(notify);
        }
        drop(h2);
        if self.h2s.borrow().is_some() {
            // a stream leaves its connection while it still knows it
            self.state.set(WsiState::Dead);
            self.h2_stream_closing();
        }
        let parent = self.parent.replace(std::ptr::null());
        if !parent.is_null() {
            // SAFETY: a parent outlives its linked children (it closes them
            // before itself).
            unsafe { &*parent }
                .children
                .borrow_mut()
                .retain(|&c| !std::ptr::eq(c, self));
        }
        let ctx = self.ctx();
        self.state.set(WsiState::Dead);
        if self.is_connection() {
            self.tls_notify_close();
            // SAFETY: shutdown on our own connected socket.
            unsafe { libc::shutdown(self.fd(), libc::SHUT_RDWR) };
        }
        ctx.remove_wsi(self);
        // as lws: extensions end before the protocol hears of the close
        self.exts_destroy();
        if notify {
            match st {
                WsiState::Ws | WsiState::WsClosing => {
                    self.drop_protocol_in(st);
                    self.dispatch(
                        self.ws_reason(cb::CLOSED),
                        std::ptr::null_mut(),
                        std::ptr::null_mut(),
                        0,
                    );
                }
                WsiState::HttpHead | WsiState::HttpBusy => {
                    self.drop_protocol_in(st);
                    if self.request.borrow().is_some() || st == WsiState::HttpBusy {
                        self.dispatch(
                            cb::CLOSED_HTTP,
                            std::ptr::null_mut(),
                            std::ptr::null_mut(),
                            0,
                        );
                    }
                }
                WsiState::ClientConnecting
                | WsiState::ClientHandshake
                | WsiState::ClientProxy
                | WsiState::ClientFailed => {
                    self.drop_protocol_in(st);
                }
                WsiState::ClientHttpBody | WsiState::ClientHttpDone => {
                    self.drop_protocol_in(st);
                    self.dispatch(
                        cb::CLOSED_CLIENT_HTTP,
                        std::ptr::null_mut(),
                        std::ptr::null_mut(),
                        0,
                    );
                }
                WsiState::Raw => {
                    self.drop_protocol_in(st);
                    self.dispatch(cb::RAW_CLOSE, std::ptr::null_mut(), std::ptr::null_mut(), 0);
                }
                WsiState::RawFile => {
                    self.dispatch(
                        cb::RAW_CLOSE_FILE,
                        std::ptr::null_mut(),
                        std::ptr::null_mut(),
                        0,
                    );
                }
                _ => {}
            }
        } else if matches!(st, WsiState::Ws | WsiState::WsClosing) {
            self.dispatch(
                self.ws_reason(cb::CLOSED),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            );
        } else if st == WsiState::Raw {
            // a raw connection hears of its end even when the context goes
            self.drop_protocol_in(st);
            self.dispatch(cb::RAW_CLOSE, std::ptr::null_mut(), std::ptr::null_mut(), 0);
        } else if st == WsiState::RawFile {
            self.dispatch(
                cb::RAW_CLOSE_FILE,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            );
        } else if matches!(st, WsiState::ClientHttpBody | WsiState::ClientHttpDone) {
            // 4.1.6 tells an established HTTP client it closed even when
            // the context is going away (e.g. one idling in keep-warm).
            self.drop_protocol_in(st);
            self.dispatch(
                cb::CLOSED_CLIENT_HTTP,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            );
        }
        if st != WsiState::Pseudo {
            // as lws: to protocol 0, with the wsi's user space
            self.dispatch_protocol(
                0,
                cb::WSI_DESTROY,
                self.user_space.get(),
                std::ptr::null_mut(),
                0,
            );
        }
        self.free_user_space();
        self.tx_pending.borrow_mut().clear();
        self.file_tx.borrow_mut().take();
        self.hdrs.borrow_mut().take();
        self.validity_at.set(None);
        self.timeout_at.set(None);
        // SAFETY: our own timer on the context's list.
        unsafe { crate::capi::sul::cancel(self.hrtimer.get()) };
        self.tls_free();
    }
}

impl Context {
    /// Runs deferred closes; called with no callback on the stack.
    pub(crate) fn reap_closed(&self) {
        loop {
            let v: Vec<Rc<Wsi>> = std::mem::take(&mut *self.reap.borrow_mut());
            if v.is_empty() {
                break;
            }
            for w in v {
                w.close_now(true);
            }
        }
    }
}

/// The wsi's lws_set_timer_usecs timer came due: LWS_CALLBACK_TIMER, and
/// a close if the callback returns non-zero.
unsafe extern "C" fn hrtimer_fired(sul: *mut crate::capi::types::lws_sorted_usec_list) {
    let off = std::mem::offset_of!(Wsi, hrtimer);
    // SAFETY: only wsis schedule this callback, on their `hrtimer` field.
    let w = unsafe { &*((sul as *const u8).sub(off) as *const Wsi) };
    let Some(w) = w.rc() else { return };
    if w.state.get() == WsiState::Dead {
        return;
    }
    if w.dispatch(cb::TIMER, std::ptr::null_mut(), std::ptr::null_mut(), 0) != 0 {
        // as lws: no close frame unless lws_close_reason chose one
        if w.state.get() == WsiState::Ws && w.close_reason.borrow().is_some() {
            w.start_ws_close(1000);
        } else {
            w.close_now(true);
        }
    }
    w.ctx().reap_closed();
}

pub(crate) const PENDING_TIMEOUT_CLOSE_ACK: c_int = 6;
pub(crate) const PENDING_TIMEOUT_SSL_ACCEPT: c_int = 9;
pub(crate) const PENDING_TIMEOUT_CLOSE_SEND: c_int = 24;
pub(crate) const PENDING_TIMEOUT_HTTP_KEEPALIVE_IDLE: c_int = 15;
pub(crate) const PENDING_TIMEOUT_ESTABLISH_WITH_SERVER: c_int = 3;

pub(crate) fn log_io_err(what: &str, e: &io::Error) {
    log::info(&format!("{what}: {e}"));
}
pub(crate) const PENDING_TIMEOUT_HTTP_CONTENT: c_int = 10;
pub(crate) const PENDING_TIMEOUT_CLIENT_CONN_IDLE: c_int = 27;
pub(crate) const PENDING_TIMEOUT_AWAITING_CONNECT_ACK: c_int = 4;

impl Wsi {
    /// The owning `Rc` of this wsi, if it is still in the context.
    pub(crate) fn rc(&self) -> Option<Rc<Wsi>> {
        let ctx = self.ctx();
        if let Some(w) = ctx.wsi_at(self.slot.get()) {
            if std::ptr::eq(Rc::as_ptr(&w), self) {
                return Some(w);
            }
        }
        // pseudo wsis are not in the slab
        for vh in ctx.vhosts.borrow().iter() {
            for w in vh.proto_wsi.borrow().iter() {
                if std::ptr::eq(Rc::as_ptr(w), self) {
                    return Some(w.clone());
                }
            }
        }
        None
    }
}
