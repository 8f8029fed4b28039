//! The service loop: one `epoll` wait, then accepts, reads, writes,
//! deferred work, timeouts and deferred closes.

use std::ffi::{c_int, c_void};
use std::io;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use mio::Token;

use super::cb;
use super::context::{Context, WAKER_TOKEN};
use super::wsi::{Sock, Wsi, WsiState};
use crate::capi::log;
use crate::proto::{close, frame, rx::RxEvent};

/// `struct lws_filter_network_conn_args` for FILTER_NETWORK_CONNECTION.
#[repr(C)]
struct FilterNetworkConnArgs {
    cli_addr: libc::sockaddr_storage,
    clilen: libc::socklen_t,
    accept_fd: c_int,
}

enum Shed {
    One,
    NoneWaiting,
    NoSpare,
}

enum Delivered {
    All,
    Closed,
    StoppedAt(usize),
}

/// WRITEABLE callbacks per wsi per pass, and the output that ends them.
const WRITEABLE_TURNS: usize = 64;
const CORK_LIMIT: usize = 256 * 1024;

/// Reads per wsi per pass before others get a turn.
const READ_BUDGET: usize = 16;

/// The calling thread's id.
fn this_thread() -> u64 {
    // SAFETY: pthread_self has no preconditions.
    unsafe { libc::pthread_self() as u64 }
}

impl Wsi {
    /// lws_callback_on_writable on the service thread: 1 when WRITEABLE
    /// will come, 0 if the state has none, -1 if the connection is closing.
    pub(crate) fn request_writable(&self) -> c_int {
        match self.state.get() {
            WsiState::Ws
            | WsiState::HttpBusy
            | WsiState::ClientHandshake
            | WsiState::ClientConnecting
            | WsiState::Raw
            | WsiState::RawFile => {}
            WsiState::Dead | WsiState::WsClosing => return -1,
            _ => return 0,
        }
        self.want_write.set(true);
        if let Some(rc) = self.rc() {
            if rc.can_write.get() && !rc.has_pending_tx() {
                rc.ctx().schedule(&rc);
            }
            rc.ext_sync();
        }
        1
    }
}

impl Context {
    /// One service pass. `timeout_ms` < 0 only services what is pending;
    /// otherwise the wait lasts until the next event or timer (4.1.6
    /// ignores the value).
    pub fn service(&self, timeout_ms: c_int) -> c_int {
        if self.servicing.replace(true) {
            log::err("lws_service: re-entrant call from a callback refused");
            return -1;
        }
        self.service_tid.store(this_thread(), Ordering::Release);
        let r = self.service_pass(timeout_ms);
        self.servicing.set(false);
        r
    }

    fn next_wait(&self, timeout_ms: c_int) -> Option<Duration> {
        if timeout_ms < 0 || !self.pending.borrow().is_empty() || self.smd.has_queued() {
            return Some(Duration::ZERO);
        }
        self.next_timer_in()
    }

    /// Time until the earliest lws_sul timer, if any is scheduled.
    pub(crate) fn next_sul_in(&self) -> Option<Duration> {
        let mut first: Option<i64> = None;
        for wake in [false, true] {
            // SAFETY: the context's owners; heads are live timers.
            let head = unsafe { (*self.sul_owner(wake)).head }
                as *const crate::capi::types::lws_sorted_usec_list;
            if !head.is_null() {
                // SAFETY: as above.
                let us = unsafe { (*head).us };
                first = Some(first.map_or(us, |f| f.min(us)));
            }
        }
        let us = first? - crate::capi::smd::lws_now_usecs();
        Some(Duration::from_micros(us.max(0) as u64))
    }

    fn service_pass(&self, timeout_ms: c_int) -> c_int {
        if !self.started.replace(true) {
            if self.finalize_startup() != 0 {
                return -1;
            }
            let vhs = self.vhosts.borrow().clone();
            for vh in vhs {
                self.init_vhost_protocols(&vh);
            }
        }
        let wait = self.next_wait(timeout_ms);
        let ready: Vec<(Token, bool, bool, bool)> = {
            let mut events = self.events.borrow_mut();
            match self.poll.borrow_mut().poll(&mut events, wait) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => return 0,
                Err(e) => {
                    log::err(&format!("lws_service: poll failed: {e}"));
                    return -1;
                }
            }
            events
                .iter()
                .map(|e| {
                    (
                        e.token(),
                        e.is_readable() || e.is_read_closed() || e.is_error(),
                        e.is_writable() || e.is_write_closed(),
                        e.is_read_closed() || e.is_error(),
                    )
                })
                .collect()
        };
        self.take_foreign_writable();
        for (tok, r, w, hup) in ready {
            if tok == WAKER_TOKEN {
                if self.cancelled.swap(false, Ordering::SeqCst) {
                    self.callback_all_protocols(cb::EVENT_WAIT_CANCELLED);
                }
                continue;
            }
            let Some(wsi) = self.wsi_at(tok.0) else {
                continue;
            };
            if wsi.state.get() == WsiState::Listen {
                self.accept_all(&wsi);
                continue;
            }
            if w {
                wsi.can_write.set(true);
                self.handle_writable(&wsi);
            }
            if hup {
                // the peer's end of input will not get an edge of its own
                wsi.peer_hup.set(true);
            }
            if r {
                wsi.rx_more.set(true);
                self.handle_readable(&wsi);
            }
            self.reap_closed();
        }
        self.run_pending_round();
        self.smd.deliver();
        self.run_timers_now();
        self.reap_closed();
        self.run_suls();
        self.reap_closed();
        self.destroy_doomed_vhosts();
        self.ext_sync_all();
        0
    }

    /// Whether the caller is another thread than the one in lws_service.
    pub(crate) fn on_foreign_thread(&self) -> bool {
        let t = self.service_tid.load(Ordering::Acquire);
        t != 0 && t != this_thread()
    }

    /// lws_callback_on_writable from another thread: only the service
    /// thread may touch a wsi, so it is queued for that thread, which is
    /// woken (4.1.6 wakes it only if protocols[0] answers GET_THREAD_ID).
    pub(crate) fn writable_from_foreign_thread(&self, w: &Wsi) -> c_int {
        let entry = (w.slot.get(), w as *const Wsi as usize);
        self.foreign_writable
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(entry);
        let _ = self.waker.wake();
        1
    }

    /// Applies the lws_callback_on_writable calls of other threads.
    fn take_foreign_writable(&self) {
        let queued = std::mem::take(
            &mut *self
                .foreign_writable
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for (slot, addr) in queued {
            // the wsi may have gone meanwhile
            if let Some(w) = self.wsi_at(slot).filter(|w| Rc::as_ptr(w) as usize == addr) {
                w.request_writable();
            }
        }
    }

    /// Work that needs no new event: one round per pass, so a wsi that
    /// keeps asking cannot starve the others.
    pub(crate) fn run_pending_round(&self) {
        let round: Vec<Rc<Wsi>> = self.pending.borrow_mut().drain(..).collect();
        for wsi in round {
            wsi.scheduled.set(false);
            if wsi.state.get() == WsiState::Dead {
                continue;
            }
            if wsi.state.get() == WsiState::HttpHead && !wsi.http_in.borrow().is_empty() {
                wsi.http_try_request();
            }
            if wsi.needs_own_conn.get() {
                wsi.client_own_connection();
                continue;
            }
            if wsi.h2_client_pending_start() {
                self.reap_closed();
                continue;
            }
            if wsi.has_held_input() || wsi.rx_more.get() {
                self.handle_readable(&wsi);
            }
            if wsi.file_tx.borrow().is_some() {
                wsi.continue_file();
            } else if wsi.want_write.get() && wsi.can_write.get() && !wsi.has_pending_tx() {
                self.deliver_writeable(&wsi);
            }
            self.check_pending_fail(&wsi);
            self.reap_closed();
        }
    }

    /// Accepts what is waiting on listener `lw`.
    pub(crate) fn accept_ready(&self, lw: &Rc<Wsi>) {
        self.accept_all(lw)
    }

    /// Serves the accepted (or adopted) stream as an HTTP connection of
    /// `vh`, bound to protocol `proto` (else the vhost's default).
    pub(crate) fn adopt_http_stream(
        &self,
        vh: &Rc<super::context::Vhost>,
        stream: mio::net::TcpStream,
        proto: Option<usize>,
    ) -> Option<Rc<Wsi>> {
        vh.apply_socket_options(std::os::fd::AsRawFd::as_raw_fd(&stream));
        let w = Rc::new(Wsi::new(
            self,
            &vh,
            Sock::Stream(stream),
            WsiState::HttpHead,
        ));
        if let Err(e) = self.insert_wsi(&w) {
            log::err(&format!("cannot register accepted socket: {e}"));
            return None;
        }
        w.validity.set(vh.validity);
        w.bind_protocol(proto.unwrap_or(vh.default_protocol));
        w.set_timeout(
            super::wsi::PENDING_TIMEOUT_ESTABLISH_WITH_SERVER,
            self.timeout_secs as i32,
        );
        // as lws: to protocol 0, before there is any user space
        if w.dispatch_protocol(
            0,
            cb::WSI_CREATE,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            0,
        ) != 0
            || w.dispatch(
                cb::SERVER_NEW_CLIENT_INSTANTIATED,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            ) != 0
        {
            w.close_now(true);
            return None;
        }
        if vh.tls.server.borrow().is_some() {
            if let Err(e) = w.tls_start_server() {
                log::err(&format!("TLS accept: {e}"));
                w.close_now(true);
                return None;
            }
            w.set_timeout(
                super::wsi::PENDING_TIMEOUT_SSL_ACCEPT,
                self.timeout_secs as i32,
            );
        }
        Some(w)
    }

    fn accept_all(&self, lw: &Rc<Wsi>) {
        let sock = lw.sock.borrow();
        loop {
            let accepted = match &*sock {
                Sock::Listen(l) => l.accept().map(|(s, a)| (s, Some(a))),
                Sock::UnixListen(l) => l.accept().map(|(s, _)| {
                    // served like a TCP stream: only the descriptor is used
                    let fd = std::os::fd::IntoRawFd::into_raw_fd(s);
                    // SAFETY: the accepted descriptor, owned from here on.
                    let s =
                        unsafe { <mio::net::TcpStream as std::os::fd::FromRawFd>::from_raw_fd(fd) };
                    (s, None)
                }),
                _ => return,
            };
            let (stream, addr) = match accepted {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if matches!(e.raw_os_error(), Some(libc::EMFILE) | Some(libc::ENFILE)) => {
                    // out of descriptors: turn the waiting client away (a
                    // spare descriptor makes room to accept and close it)
                    // instead of spinning on a listener that stays readable
                    match self.shed_one_connection(lw.fd()) {
                        Shed::One => continue,
                        Shed::NoneWaiting => return,
                        Shed::NoSpare => {
                            log::warn(&format!("accept failed: {e}"));
                            return;
                        }
                    }
                }
                Err(e) => {
                    log::warn(&format!("accept failed: {e}"));
                    return;
                }
            };
            let _ = stream.set_nodelay(true);
            let mut filt = FilterNetworkConnArgs {
                // SAFETY: all-zero is a valid sockaddr_storage.
                cli_addr: unsafe { std::mem::zeroed() },
                clilen: 0,
                accept_fd: std::os::fd::AsRawFd::as_raw_fd(&stream),
            };
            if let Some(addr) = addr {
                filt.clilen = socket2_like(addr, &mut filt.cli_addr);
            } else {
                filt.cli_addr.ss_family = libc::AF_UNIX as libc::sa_family_t;
                filt.clilen = std::mem::size_of::<libc::sa_family_t>() as libc::socklen_t;
            }
            if lw.dispatch_user(
                cb::FILTER_NETWORK_CONNECTION,
                &mut filt as *mut FilterNetworkConnArgs as *mut c_void,
                filt.accept_fd as isize as *mut c_void,
                0,
            ) != 0
            {
                continue;
            }
            let Some(vh) = lw.vhost().rc() else { continue };
            if vh.options & super::opt::ONLY_RAW != 0 {
                let proto = vh.listen_accept_protocol.clone();
                let fd = std::os::fd::IntoRawFd::into_raw_fd(stream);
                self.adopt(
                    &vh,
                    super::adopt::ADOPT_SOCKET | super::adopt::ADOPT_ALLOW_SSL,
                    fd,
                    proto.as_deref(),
                    std::ptr::null(),
                    std::ptr::null_mut(),
                    &[],
                );
                continue;
            }
            self.adopt_http_stream(&vh, stream, None);
        }
    }

    /// Accepts and closes one pending connection using the spare
    /// descriptor; false if there is none to use.
    fn shed_one_connection(&self, listen_fd: i32) -> Shed {
        let spare = self.spare_fd.replace(-1);
        if spare < 0 {
            return Shed::NoSpare;
        }
        // SAFETY: closing our own spare descriptor, then accepting and
        // closing a socket nobody else knows about, then reopening.
        unsafe {
            libc::close(spare);
            let fd = libc::accept4(
                listen_fd,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                libc::SOCK_CLOEXEC,
            );
            if fd >= 0 {
                libc::close(fd);
            }
            self.spare_fd.set(libc::open(
                c"/dev/null".as_ptr(),
                libc::O_RDONLY | libc::O_CLOEXEC,
            ));
            if fd < 0 {
                return Shed::NoneWaiting;
            }
        }
        log::warn("out of file descriptors: refused a new connection");
        Shed::One
    }

    pub(crate) fn handle_writable(&self, w: &Rc<Wsi>) {
        if w.tls_handshaking() {
            if self.tls_progress(w) {
                self.handle_readable(w);
            }
            return;
        }
        if w.state.get() == WsiState::ClientConnecting {
            w.client_connected();
            return;
        }
        if w.has_pending_tx() {
            match w.flush() {
                // 4.1.6 gives a WebSocket connection a WRITEABLE turn once
                // the rest of a partial write has gone out, asked for or not
                Ok(true) if w.state.get() == WsiState::Ws => w.want_write.set(true),
                Ok(true) if w.state.get() == WsiState::H2 && !w.rx_allowed.get() => {
                    // the backlog that paused reading is out
                    w.rx_allowed.set(true);
                    w.rx_more.set(true);
                    self.schedule(w);
                }
                Ok(true) => {}
                Ok(false) => return,
                Err(e) => {
                    super::wsi::log_io_err("send", &e);
                    w.close_now(true);
                    return;
                }
            }
        }
        if w.close_after_flush.get() {
            w.close_now(true);
            return;
        }
        if w.file_tx.borrow().is_some() {
            w.continue_file();
        }
        if w.want_write.get() {
            self.deliver_writeable(w);
        }
        self.check_pending_fail(w);
    }

    /// WRITEABLE callbacks: while the user keeps asking and little is
    /// buffered, it gets further turns in this pass, and everything written
    /// goes out with one send (one lws_write per callback still holds).
    pub(crate) fn deliver_writeable(&self, w: &Rc<Wsi>) {
        if matches!(w.state.get(), WsiState::Raw | WsiState::RawFile) {
            w.want_write.set(false);
            let file = w.state.get() == WsiState::RawFile;
            let reason = if file {
                cb::RAW_WRITEABLE_FILE
            } else {
                cb::RAW_WRITEABLE
            };
            let r = w.dispatch(reason, std::ptr::null_mut(), std::ptr::null_mut(), 0);
            // as lws: any answer but 0 closes a file, only < 0 a socket
            if (file && r != 0) || r < 0 {
                w.close_now(true);
            } else if w.close_after_flush.get() && !w.has_pending_tx() {
                w.close_now(true);
            }
            return;
        }
        let reason = match w.state.get() {
            WsiState::Ws => w.ws_reason(cb::SERVER_WRITEABLE),
            WsiState::HttpBusy => cb::HTTP_WRITEABLE,
            WsiState::ClientHandshake
                if w.client
                    .borrow()
                    .as_ref()
                    .is_some_and(|c| c.method.is_some()) =>
            {
                cb::CLIENT_HTTP_WRITEABLE
            }
            _ => return,
        };
        w.corked.set(true);
        for _ in 0..WRITEABLE_TURNS {
            w.want_write.set(false);
            if w.dispatch(reason, std::ptr::null_mut(), std::ptr::null_mut(), 0) != 0 {
                w.user_close();
                break;
            }
            if !w.want_write.get()
                || w.state.get() != WsiState::Ws
                || w.tx_pending.borrow().len() >= CORK_LIMIT
            {
                break;
            }
        }
        self.uncork(w);
        if w.want_write.get() && w.can_write.get() && !w.has_pending_tx() {
            self.schedule(w);
        }
    }

    fn uncork(&self, w: &Rc<Wsi>) {
        match w.uncork() {
            Ok(true) if w.close_after_flush.get() => w.close_now(true),
            Ok(true) if w.file_tx.borrow().is_some() => w.continue_file(),
            Ok(_) => {}
            Err(e) => {
                super::wsi::log_io_err("send", &e);
                w.close_now(true);
            }
        }
    }

    /// Reads until the socket is drained, the budget is spent or rx flow
    /// control stops us; feeds what was read to the connection's state.
    /// Processes input kept back earlier; false if some is still held
    /// (flow control) or the connection ended.
    fn drain_held(&self, w: &Rc<Wsi>) -> bool {
        if w.rx_pending_chunk.borrow().is_some()
            && (!w.rx_allowed.get() || !self.deliver_pending_chunk(w))
        {
            return false;
        }
        // compressed input received but not yet inflated
        if w.pmd.borrow().as_ref().is_some_and(|p| p.has_pending())
            && !matches!(self.pmd_pump(w), Delivered::All)
        {
            return false;
        }
        if !w.rx_stash.borrow().is_empty() {
            if !w.rx_allowed.get() {
                return false;
            }
            let mut data = std::mem::take(&mut *w.rx_stash.borrow_mut());
            let n = data.len();
            data.push(0);
            self.process_input(w, &mut data, n);
            if !w.rx_stash.borrow().is_empty() || w.state.get() == WsiState::Dead {
                return false;
            }
        }
        true
    }

    pub(crate) fn handle_readable(&self, w: &Rc<Wsi>) {
        if w.pending_fail.get().is_some() {
            return;
        }
        if w.state.get() == WsiState::RawFile {
            self.raw_file_readable(w);
            return;
        }
        if w.tls_handshaking() && !self.tls_progress(w) {
            return;
        }
        if !self.drain_held(w) {
            return;
        }
        let mut budget = READ_BUDGET;
        while w.rx_more.get() && w.rx_allowed.get() && !matches!(w.state.get(), WsiState::Dead) {
            if budget == 0 {
                self.schedule(w);
                return;
            }
            budget -= 1;
            // input held back (flow control, bytes that followed a
            // handshake) goes before anything read now
            if !self.drain_held(w) {
                return;
            }
            let mut buf = std::mem::take(&mut *self.rx_buf.borrow_mut());
            if buf.is_empty() {
                buf = vec![0u8; self.pt_serv_buf_size.max(65536) + 1];
            }
            let cap = buf.len() - 1;
            // one slack byte stays free
            let r = w.sock_recv(&mut buf[..cap]);
            if let Err(e) = r {
                *self.rx_buf.borrow_mut() = buf;
                match e.kind() {
                    io::ErrorKind::WouldBlock => {
                        w.rx_more.set(false);
                        return;
                    }
                    io::ErrorKind::Interrupted => continue,
                    _ => {
                        super::wsi::log_io_err("recv", &e);
                        if matches!(
                            w.state.get(),
                            WsiState::ClientConnecting
                                | WsiState::ClientHandshake
                                | WsiState::ClientProxy
                        ) {
                            if w.ssl().is_null() {
                                w.client_fail(&format!("read failed: {e}"));
                            } else {
                                w.client_fail("read failed");
                            }
                        } else {
                            w.close_now(true);
                        }
                        return;
                    }
                }
            }
            let (n, drained) = r.unwrap_or((0, true));
            if n == 0 && w.udp.get().is_some() {
                // an empty datagram: nothing to deliver (lws would close
                // the socket, letting any sender shut a UDP service down)
                *self.rx_buf.borrow_mut() = buf;
                continue;
            }
            if n == 0 {
                *self.rx_buf.borrow_mut() = buf;
                w.rx_more.set(false);
                w.peer_eof.set(true);
                if matches!(
                    w.state.get(),
                    WsiState::ClientConnecting | WsiState::ClientHandshake | WsiState::ClientProxy
                ) {
                    w.client_fail("Peer hung up");
                } else if w.state.get() == WsiState::ClientHttpBody
                    && w.resp_body.get() == super::client::RespBody::UntilClose
                {
                    // a body without a length ends with the connection
                    w.resp_body.set(super::client::RespBody::Done);
                    w.client_body_progress();
                    w.close_now(true);
                } else {
                    w.close_now(true);
                }
                return;
            }
            // replies made while handling this read leave in one send
            w.corked.set(true);
            self.process_input(w, &mut buf, n);
            *self.rx_buf.borrow_mut() = buf;
            self.uncork(w);
            if drained && !w.peer_hup.get() {
                // the next edge tells us if more came (unless the peer
                // already hung up: then read on to see the end)
                w.rx_more.set(false);
            }
        }
    }

    /// Sends a deferred protocol-error close once the user's writes are out.
    fn check_pending_fail(&self, w: &Rc<Wsi>) {
        if let Some((code, reason)) = w.pending_fail.get() {
            if !w.want_write.get() && !w.has_pending_tx() {
                w.pending_fail.set(None);
                w.fail_ws(code, reason);
            }
        }
    }

    /// Handles `buf[..n]` (buf has at least one byte beyond n).
    /// Input that did not come from the socket (an adopted read buffer).
    pub(crate) fn feed_input(&self, w: &Rc<Wsi>, buf: &mut [u8], n: usize) {
        w.corked.set(true);
        self.process_input(w, buf, n);
        self.uncork(w);
    }

    fn process_input(&self, w: &Rc<Wsi>, buf: &mut [u8], n: usize) {
        if w.pending_fail.get().is_some() {
            return;
        }
        match w.state.get() {
            WsiState::HttpBusy
                if w.body.get() != super::http::Body::None && w.http_in.borrow().is_empty() =>
            {
                let mut data = buf[..n].to_vec();
                let used = w.body_input(&mut data);
                if used < data.len() && w.state.get() != WsiState::Dead {
                    w.http_in.borrow_mut().extend_from_slice(&data[used..]);
                }
            }
            WsiState::H2 => w.h2_feed(&buf[..n]),
            WsiState::HttpHead | WsiState::HttpBusy => {
                w.http_in.borrow_mut().extend_from_slice(&buf[..n]);
                if w.state.get() == WsiState::HttpHead
                    && w.request.borrow().is_none()
                    && w.h2s.borrow().is_none()
                    && w.ssl().is_null()
                    && w.vhost().options & super::h2::OPT_H2_PRIOR_KNOWLEDGE != 0
                {
                    let pre = super::h2::preface_state(&w.http_in.borrow());
                    match pre {
                        super::h2::Preface::Yes => {
                            let initial = std::mem::take(&mut *w.http_in.borrow_mut());
                            w.h2_start_server(initial);
                            return;
                        }
                        super::h2::Preface::NotYet => return,
                        super::h2::Preface::No => {}
                    }
                }
                if w.state.get() == WsiState::HttpHead
                    && w.vhost().options & super::opt::FALLBACK_TO_RAW != 0
                    && w.request.borrow().is_none()
                    && super::adopt::not_http(&w.http_in.borrow())
                {
                    w.fall_back_to_raw();
                    return;
                }
                if w.state.get() == WsiState::HttpHead {
                    w.http_try_request();
                    if w.http_in.borrow().len() > self.max_http_header_data * 4 {
                        // a client sending more than we can hold while busy
                        w.send_error_and_close(431);
                    }
                }
            }
            WsiState::Ws | WsiState::WsClosing => self.ws_input(w, buf, 0, n),
            WsiState::ClientHandshake => w.client_handshake_input(&buf[..n]),
            WsiState::ClientProxy => w.client_proxy_input(&buf[..n]),
            WsiState::ClientHttpBody => w.client_body_input(&buf[..n]),
            WsiState::Raw => {
                let r = w.dispatch(
                    cb::RAW_RX,
                    buf.as_mut_ptr() as *mut c_void,
                    std::ptr::null_mut(),
                    n,
                );
                // as lws, only a negative answer closes a raw socket
                if r < 0 {
                    w.close_now(true);
                }
            }
            _ => {}
        }
    }

    fn stash(&self, w: &Rc<Wsi>, data: &[u8]) {
        let mut st = w.rx_stash.borrow_mut();
        let mut v = data.to_vec();
        v.extend_from_slice(&st);
        *st = v;
    }

    /// Feeds WebSocket bytes `buf[start..end]` to the receive machine and
    /// delivers its events; `buf[end]` is scratch for NUL-terminating.
    fn ws_input(&self, w: &Rc<Wsi>, buf: &mut [u8], start: usize, end: usize) {
        let mut pos = start;
        while pos < end {
            if !matches!(w.state.get(), WsiState::Ws | WsiState::WsClosing) {
                return;
            }
            if !w.rx_allowed.get() {
                self.stash(w, &buf[pos..end]);
                return;
            }
            let (used, ev) = {
                let mut rx = w.rx.borrow_mut();
                let Some(rx) = rx.as_mut() else { return };
                rx.feed(&mut buf[pos..end])
            };
            let base = pos;
            pos += used;
            let Some(ev) = ev else {
                if used == 0 {
                    break;
                }
                continue;
            };
            match ev {
                RxEvent::Data {
                    range,
                    binary,
                    first,
                    frame_fin,
                    frame_remaining,
                    ..
                } => {
                    if w.state.get() == WsiState::WsClosing {
                        continue;
                    }
                    let (s0, e0) = (base + range.start, base + range.end);
                    let compressed = w.pmd.borrow().is_some()
                        && w.rx
                            .borrow()
                            .as_ref()
                            .is_some_and(|r| r.message_compressed());
                    if !compressed && w.has_user_exts() {
                        match self.deliver_via_exts(
                            w,
                            &mut buf[s0..e0],
                            first,
                            frame_fin,
                            frame_remaining,
                            binary,
                        ) {
                            Delivered::All => continue,
                            Delivered::Closed => return,
                            Delivered::StoppedAt(_) => {
                                self.stash(w, &buf[pos..end]);
                                return;
                            }
                        }
                    }
                    if compressed {
                        let validate =
                            !binary && w.vhost().options & super::opt::VALIDATE_UTF8 != 0;
                        if let Some(p) = w.pmd.borrow_mut().as_mut() {
                            p.rx_binary = binary;
                            p.push(
                                first,
                                validate,
                                &buf[s0..e0],
                                frame_fin && frame_remaining == 0,
                            );
                        }
                        match self.pmd_pump(w) {
                            Delivered::All => continue,
                            Delivered::Closed => return,
                            Delivered::StoppedAt(_) => {
                                self.stash(w, &buf[pos..end]);
                                return;
                            }
                        }
                    }
                    match self.deliver_data(
                        w,
                        buf,
                        s0,
                        e0,
                        first,
                        frame_fin,
                        frame_remaining,
                        binary,
                    ) {
                        Delivered::All => {}
                        Delivered::Closed => return,
                        Delivered::StoppedAt(s) => {
                            // flow control: keep the rest of this chunk and
                            // of the input for when rx is allowed again
                            *w.rx_pending_chunk.borrow_mut() = Some(super::wsi::PendingChunk {
                                data: buf[s..e0].to_vec(),
                                frame_fin,
                                frame_remaining,
                                binary,
                            });
                            self.stash(w, &buf[pos..end]);
                            return;
                        }
                    }
                }
                RxEvent::Ping(p) => {
                    if w.state.get() == WsiState::Ws {
                        if w.send_frame_owned(true, frame::OP_PONG, &p).is_err() {
                            w.close_now(true);
                            return;
                        }
                        // lws answers pings from its writeable path and then
                        // gives the protocol a WRITEABLE turn; keep that
                        w.want_write.set(true);
                        self.schedule(w);
                    }
                }
                RxEvent::Pong(mut p) => {
                    w.validity_confirmed();
                    if w.state.get() == WsiState::Ws {
                        let len = p.len();
                        p.push(0);
                        if w.dispatch(
                            w.ws_reason(cb::RECEIVE_PONG),
                            p.as_mut_ptr() as *mut c_void,
                            std::ptr::null_mut(),
                            len,
                        ) != 0
                        {
                            w.user_close();
                            return;
                        }
                    }
                }
                RxEvent::Close { code, reason } => {
                    if w.state.get() == WsiState::WsClosing {
                        // our close was answered: the handshake is complete;
                        // a client leaves the TCP close to the server
                        if w.is_client.get() {
                            w.set_timeout(super::wsi::PENDING_TIMEOUT_CLOSE_ACK, 2);
                        } else {
                            w.close_now(true);
                        }
                        return;
                    }
                    let mut payload = Vec::with_capacity(2 + reason.len() + 1);
                    if let Some(c) = code {
                        payload.extend_from_slice(&c.to_be_bytes());
                        payload.extend_from_slice(&reason);
                    }
                    let len = payload.len();
                    payload.push(0);
                    let r = w.dispatch(
                        cb::WS_PEER_INITIATED_CLOSE,
                        payload.as_mut_ptr() as *mut c_void,
                        std::ptr::null_mut(),
                        len,
                    );
                    if w.state.get() != WsiState::Ws {
                        return;
                    }
                    if r == 0 {
                        // echo the status code (RFC 6455 5.5.1), and the
                        // reason with it as 4.1.6 does
                        let echo = match code {
                            Some(c) => close::close_payload(c, &reason),
                            None => Vec::new(),
                        };
                        let _ = w.send_frame_owned(true, frame::OP_CLOSE, &echo);
                    }
                    w.state.set(WsiState::WsClosing);
                    if w.is_client.get() {
                        // RFC 6455 7.1.1: the server closes TCP first
                        w.set_timeout(super::wsi::PENDING_TIMEOUT_CLOSE_ACK, 2);
                    } else {
                        w.close_after_output();
                    }
                    return;
                }
                RxEvent::Fail { code, reason } => {
                    self.ws_protocol_fail(w, code, reason);
                    return;
                }
            }
        }
    }

    /// Fails the connection for a protocol error; replies already queued
    /// for earlier messages go out first.
    fn ws_protocol_fail(&self, w: &Rc<Wsi>, code: u16, reason: &'static str) {
        log::info(&format!("websocket protocol error {code}: {reason}"));
        if w.state.get() == WsiState::Ws && (w.want_write.get() || w.has_pending_tx()) {
            w.pending_fail.set(Some((code, reason)));
            w.set_timeout(super::wsi::PENDING_TIMEOUT_CLOSE_SEND, 5);
            self.schedule(w);
        } else {
            w.fail_ws(code, reason);
        }
    }

    /// Inflates what permessage-deflate holds and delivers it, a bounded
    /// piece at a time, until it needs more input, the message ends, flow
    /// control stops it (the undelivered rest is kept) or the connection
    /// fails.
    fn pmd_pump(&self, w: &Rc<Wsi>) -> Delivered {
        let mut out = Vec::new();
        loop {
            if !w.rx_allowed.get() {
                return Delivered::StoppedAt(0);
            }
            let (st, first, binary) = {
                let mut g = w.pmd.borrow_mut();
                let Some(p) = g.as_mut() else {
                    return Delivered::All;
                };
                if !p.has_pending() {
                    return Delivered::All;
                }
                let st = p.pull(&mut out);
                let deliver = st
                    .as_ref()
                    .is_ok_and(|s| !out.is_empty() || *s == crate::proto::pmd::Pulled::MessageDone);
                (st, deliver && p.take_first(), p.rx_binary)
            };
            let pulled = match st {
                Ok(p) => p,
                Err((code, reason)) => {
                    self.ws_protocol_fail(w, code, reason);
                    return Delivered::Closed;
                }
            };
            let done = pulled == crate::proto::pmd::Pulled::MessageDone;
            if !out.is_empty() || done {
                let n = out.len();
                out.push(0);
                match self.deliver_data(w, &mut out, 0, n, first, done, 0, binary) {
                    Delivered::All => {}
                    Delivered::Closed => return Delivered::Closed,
                    Delivered::StoppedAt(s) => {
                        *w.rx_pending_chunk.borrow_mut() = Some(super::wsi::PendingChunk {
                            data: out[s..n].to_vec(),
                            frame_fin: done,
                            frame_remaining: 0,
                            binary,
                        });
                        return Delivered::StoppedAt(s);
                    }
                }
            }
            if pulled != crate::proto::pmd::Pulled::More {
                return Delivered::All;
            }
        }
    }

    /// Delivers payload `buf[s0..e0]` as RECEIVE callbacks of at most the
    /// protocol's rx_buffer_size; `buf[e0]` must exist (NUL scratch).
    #[allow(clippy::too_many_arguments)]
    fn deliver_data(
        &self,
        w: &Rc<Wsi>,
        buf: &mut [u8],
        s0: usize,
        e0: usize,
        first: bool,
        frame_fin: bool,
        frame_remaining: u64,
        binary: bool,
    ) -> Delivered {
        let step = w.rx_buffer_size.get().max(1);
        let mut s = s0;
        let mut first_chunk = first;
        loop {
            let e = (s + step).min(e0);
            let remaining = frame_remaining + (e0 - e) as u64;
            w.chunk.set(super::wsi::ChunkInfo {
                first: first_chunk,
                final_: frame_fin && remaining == 0,
                binary,
                remaining,
            });
            // NUL-terminate in place, as lws does, then restore
            let saved = buf[e];
            buf[e] = 0;
            let r = w.dispatch(
                w.ws_reason(cb::RECEIVE),
                buf[s..].as_mut_ptr() as *mut c_void,
                std::ptr::null_mut(),
                e - s,
            );
            buf[e] = saved;
            if r != 0 {
                w.user_close();
                return Delivered::Closed;
            }
            if w.state.get() != WsiState::Ws {
                return Delivered::Closed;
            }
            first_chunk = false;
            s = e;
            if s >= e0 {
                return Delivered::All;
            }
            if !w.rx_allowed.get() {
                return Delivered::StoppedAt(s);
            }
        }
    }

    /// A data chunk through the user-defined extensions (PAYLOAD_RX), its
    /// output checked as UTF-8 when the vhost asks for it, then delivered.
    fn deliver_via_exts(
        &self,
        w: &Rc<Wsi>,
        data: &mut [u8],
        first: bool,
        frame_fin: bool,
        frame_remaining: u64,
        binary: bool,
    ) -> Delivered {
        let Ok(mut out) = w.exts_payload_rx(data) else {
            log::info("extension failed on received data");
            w.close_now(true);
            return Delivered::Closed;
        };
        if !binary && w.vhost().options & super::opt::VALIDATE_UTF8 != 0 {
            let mut v = w.ext_utf8.borrow_mut();
            if first {
                v.reset();
            }
            let end = frame_fin && frame_remaining == 0;
            if !v.feed(&out) || (end && !v.is_complete()) {
                drop(v);
                self.ws_protocol_fail(w, close::CLOSE_INVALID_PAYLOAD, "bad utf8");
                return Delivered::Closed;
            }
        }
        let n = out.len();
        out.push(0);
        match self.deliver_data(w, &mut out, 0, n, first, frame_fin, frame_remaining, binary) {
            Delivered::StoppedAt(s) => {
                *w.rx_pending_chunk.borrow_mut() = Some(super::wsi::PendingChunk {
                    data: out[s..n].to_vec(),
                    frame_fin,
                    frame_remaining,
                    binary,
                });
                Delivered::StoppedAt(s)
            }
            d => d,
        }
    }

    /// Delivers a chunk held back by flow control.
    fn deliver_pending_chunk(&self, w: &Rc<Wsi>) -> bool {
        let Some(pc) = w.rx_pending_chunk.borrow_mut().take() else {
            return true;
        };
        let mut v = pc.data;
        let n = v.len();
        v.push(0);
        match self.deliver_data(
            w,
            &mut v,
            0,
            n,
            false,
            pc.frame_fin,
            pc.frame_remaining,
            pc.binary,
        ) {
            Delivered::All => true,
            Delivered::Closed => false,
            Delivered::StoppedAt(s) => {
                *w.rx_pending_chunk.borrow_mut() = Some(super::wsi::PendingChunk {
                    data: v[s..n].to_vec(),
                    frame_fin: pc.frame_fin,
                    frame_remaining: pc.frame_remaining,
                    binary: pc.binary,
                });
                false
            }
        }
    }

    pub(crate) fn run_timers_now(&self) {
        let now = Instant::now();
        loop {
            let entry = {
                let mut t = self.timers.borrow_mut();
                match t.peek() {
                    Some(e) if e.at.0 <= now => t.pop(),
                    _ => None,
                }
            };
            let Some(e) = entry else { break };
            let Some(w) = self.wsi_at(e.slot) else {
                continue;
            };
            if w.id != e.gen {
                continue;
            }
            if w.validity_at.get() == Some(e.at.0) {
                w.validity_at.set(None);
                w.validity_expired();
                self.reap_closed();
                continue;
            }
            if w.timeout_at.get() != Some(e.at.0) {
                continue;
            }
            w.timeout_at.set(None);
            log::info(&format!(
                "wsi timed out (reason {})",
                w.timeout_reason.get()
            ));
            if matches!(
                w.state.get(),
                WsiState::ClientConnecting | WsiState::ClientHandshake | WsiState::ClientProxy
            ) {
                w.client_fail("timed out");
                self.reap_closed();
                continue;
            }
            if w.state.get() == WsiState::Ws {
                let _ = w.send_frame_owned(true, frame::OP_CLOSE, &close::close_payload(1001, b""));
            }
            w.close_now(true);
            self.reap_closed();
        }
    }
}

/// Writes `addr` as a C sockaddr into `out`; returns its length.
fn socket2_like(addr: std::net::SocketAddr, out: &mut libc::sockaddr_storage) -> libc::socklen_t {
    match addr {
        std::net::SocketAddr::V4(a) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: a.port().to_be(),
                sin_addr: libc::in_addr {
                    s_addr: u32::from(*a.ip()).to_be(),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is larger than sockaddr_in.
            unsafe { std::ptr::write(out as *mut _ as *mut libc::sockaddr_in, sin) };
            std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t
        }
        std::net::SocketAddr::V6(a) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: a.port().to_be(),
                sin6_flowinfo: a.flowinfo(),
                sin6_addr: libc::in6_addr {
                    s6_addr: a.ip().octets(),
                },
                sin6_scope_id: a.scope_id(),
            };
            // SAFETY: sockaddr_storage is larger than sockaddr_in6.
            unsafe { std::ptr::write(out as *mut _ as *mut libc::sockaddr_in6, sin6) };
            std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t
        }
    }
}

impl Context {
    /// An adopted file descriptor has input: RAW_RX_FILE (the program
    /// reads it). Readiness is edge-triggered here, so while unread input
    /// remains the wsi is serviced again, as a level-triggered poll would.
    fn raw_file_readable(&self, w: &Rc<Wsi>) {
        let avail = |w: &Wsi| -> Option<c_int> {
            let mut n: c_int = 0;
            // SAFETY: FIONREAD into a stack int on our own descriptor.
            (unsafe { libc::ioctl(w.fd(), libc::FIONREAD, &mut n) } == 0).then_some(n)
        };
        let before = avail(w);
        if !w.peer_hup.get() || before.is_some_and(|n| n > 0) {
            if !w.rx_allowed.get() {
                return;
            }
            let r = w.dispatch(
                cb::RAW_RX_FILE,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            );
            if r != 0 {
                w.close_now(true);
                return;
            }
        }
        match avail(w) {
            Some(n) if n > 0 => {
                w.rx_more.set(true);
                self.schedule(w);
            }
            _ if w.peer_hup.get() => w.close_now(true),
            _ => w.rx_more.set(false),
        }
    }
}
