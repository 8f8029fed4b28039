//! Integration with a program's own poll loop: the program learns our
//! sockets from LWS_CALLBACK_ADD/DEL/CHANGE_MODE_POLL_FD (on protocol 0 of
//! the socket's vhost) and hands readiness back with lws_service_fd.
//!
//! The poll callbacks start with the program's first lws_service_fd or
//! lws_service_adjust_timeout call, which first announces every socket
//! that already exists: programs that use lws_service never see them, as
//! with Debian's build (made without LWS_WITH_EXTERNAL_POLL).

use std::ffi::{c_int, c_void};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::cb;
use super::context::Context;
use super::wsi::{Sock, Wsi, WsiState};
use crate::capi::types::lws_pollargs;

const POLLIN: i16 = libc::POLLIN;
const POLLOUT: i16 = libc::POLLOUT;

impl Wsi {
    /// The poll events the socket needs now.
    fn wanted_events(&self) -> i16 {
        match &*self.sock.borrow() {
            Sock::Listen(_) | Sock::UnixListen(_) => return POLLIN,
            Sock::None => return 0,
            _ => {}
        }
        let mut ev = 0;
        if self.rx_allowed.get() {
            ev |= POLLIN;
        }
        if self.want_write.get()
            || self.has_pending_tx()
            || self.file_tx.borrow().is_some()
            || self.state.get() == WsiState::ClientConnecting
        {
            ev |= POLLOUT;
        }
        ev
    }

    fn poll_cb(&self, reason: c_int, pa: &mut lws_pollargs, len: usize) -> c_int {
        self.dispatch_protocol(
            0,
            reason,
            self.user_space.get(),
            pa as *mut lws_pollargs as *mut c_void,
            len,
        )
    }

    /// Tells the program about a new socket (LOCK, ADD, UNLOCK).
    pub(crate) fn ext_add(&self) {
        if !self.ctx().ext_poll.get() || self.ext_events.get() != 0 {
            return;
        }
        let ev = self.wanted_events();
        if ev == 0 && !self.is_connection() {
            return;
        }
        let mut pa = lws_pollargs {
            fd: self.fd(),
            events: ev as c_int,
            prev_events: 0,
        };
        self.poll_cb(cb::LOCK_POLL, &mut pa, 1);
        self.poll_cb(cb::ADD_POLL_FD, &mut pa, 0);
        self.poll_cb(cb::UNLOCK_POLL, &mut pa, 1);
        // never 0 once added, so a socket that wants nothing is still known
        self.ext_events.set(ev | EXT_ADDED);
    }

    /// Tells the program a socket is going (LOCK, DEL, UNLOCK).
    pub(crate) fn ext_del(&self) {
        let prev = self.ext_events.replace(0);
        if prev == 0 || !self.ctx().ext_poll.get() {
            return;
        }
        let mut pa = lws_pollargs {
            fd: self.fd(),
            events: 0,
            prev_events: (prev & !EXT_ADDED) as c_int,
        };
        self.poll_cb(cb::LOCK_POLL, &mut pa, 1);
        self.poll_cb(cb::DEL_POLL_FD, &mut pa, 0);
        self.poll_cb(cb::UNLOCK_POLL, &mut pa, 1);
    }

    /// Tells the program when the events the socket needs changed.
    pub(crate) fn ext_sync(&self) {
        let prev = self.ext_events.get();
        if prev == 0 || self.state.get() == WsiState::Dead {
            return;
        }
        let ev = self.wanted_events();
        if ev == prev & !EXT_ADDED {
            return;
        }
        self.ext_events.set(ev | EXT_ADDED);
        let mut pa = lws_pollargs {
            fd: self.fd(),
            events: ev as c_int,
            prev_events: (prev & !EXT_ADDED) as c_int,
        };
        self.poll_cb(cb::LOCK_POLL, &mut pa, 0);
        self.poll_cb(cb::CHANGE_MODE_POLL_FD, &mut pa, 0);
        self.poll_cb(cb::UNLOCK_POLL, &mut pa, 0);
    }
}

/// Marks `ext_events` as announced (not a poll bit).
const EXT_ADDED: i16 = 0x4000;

/// What lws_service_fd did with a descriptor.
pub(crate) enum FdService {
    /// Not one of ours: revents left alone.
    Foreign,
    /// Serviced; revents cleared.
    Handled,
    /// The connection closed while being serviced.
    Closed,
}

impl Context {
    /// Starts the poll callbacks, announcing every existing socket.
    pub(crate) fn ext_poll_start(&self) {
        if self.ext_poll.replace(true) {
            return;
        }
        let all: Vec<Rc<Wsi>> = self.wsis.borrow().iter().flatten().cloned().collect();
        for w in all {
            w.ext_add();
        }
    }

    /// Re-announces the events of every socket whose needs changed.
    pub(crate) fn ext_sync_all(&self) {
        if !self.ext_poll.get() {
            return;
        }
        let all: Vec<Rc<Wsi>> = self.wsis.borrow().iter().flatten().cloned().collect();
        for w in all {
            w.ext_sync();
        }
    }

    /// The connection using descriptor `fd`, if it is ours.
    pub(crate) fn wsi_by_fd(&self, fd: c_int) -> Option<Rc<Wsi>> {
        let slot = *self.fd_slots.borrow().get(usize::try_from(fd).ok()?)?;
        let w = self.wsi_at(slot.checked_sub(1)? as usize)?;
        (w.fd() == fd).then_some(w)
    }

    /// lws_service_fd: services the socket `fd` for `revents`.
    pub(crate) fn service_fd(&self, fd: c_int, events: i16, revents: i16) -> FdService {
        let Some(w) = self.wsi_by_fd(fd) else {
            return FdService::Foreign;
        };
        if self.servicing.replace(true) {
            crate::capi::log::err("lws_service_fd: re-entrant call from a callback refused");
            return FdService::Handled;
        }
        let r = self.service_fd_inner(&w, events, revents);
        self.run_due_work();
        self.servicing.set(false);
        r
    }

    fn service_fd_inner(&self, w: &Rc<Wsi>, events: i16, revents: i16) -> FdService {
        let hup = revents & (libc::POLLHUP | libc::POLLERR) != 0;
        if hup && revents & events & POLLIN == 0 && w.state.get() != WsiState::Listen {
            // the peer is gone and there is nothing left to read
            w.close_now(true);
            self.reap_closed();
            return FdService::Closed;
        }
        if w.state.get() == WsiState::Listen {
            if revents & POLLIN != 0 {
                self.accept_ready(w);
            }
        } else {
            if revents & POLLOUT != 0 {
                w.can_write.set(true);
                self.handle_writable(w);
            }
            if hup {
                w.peer_hup.set(true);
            }
            if revents & POLLIN != 0 && w.state.get() != WsiState::Dead {
                w.rx_more.set(true);
                self.handle_readable(w);
            }
        }
        self.reap_closed();
        if w.state.get() == WsiState::Dead {
            return FdService::Closed;
        }
        w.ext_sync();
        FdService::Handled
    }

    /// lws_handle_POLLOUT_event: the socket can take output now.
    pub(crate) fn pollout_event(&self, w: &Rc<Wsi>) -> bool {
        w.can_write.set(true);
        self.handle_writable(w);
        self.reap_closed();
        w.ext_sync();
        w.state.get() != WsiState::Dead
    }

    /// Timers that are due and work that needs no socket event (what the
    /// program's forced service would do), without waiting.
    pub(crate) fn run_due_work(&self) {
        self.run_pending_round();
        self.smd.deliver();
        self.run_timers_now();
        self.reap_closed();
        self.run_suls();
        self.reap_closed();
        self.destroy_doomed_vhosts();
        self.ext_sync_all();
    }

    /// lws_service_adjust_timeout: runs due timers, then 0 if something
    /// needs service without waiting, else the wait until the next timer
    /// (at most `timeout_ms`).
    pub(crate) fn adjust_timeout(&self, timeout_ms: c_int) -> c_int {
        if !self.servicing.get() {
            self.servicing.set(true);
            self.run_suls();
            self.run_timers_now();
            self.reap_closed();
            self.ext_sync_all();
            self.servicing.set(false);
        }
        if !self.pending.borrow().is_empty() || self.smd.has_queued() {
            return 0;
        }
        match self.next_timer_in() {
            Some(d) if d < Duration::from_millis(timeout_ms.max(0) as u64) => {
                // round up, so the program does not wake just before it
                d.as_micros().div_ceil(1000) as c_int
            }
            _ => timeout_ms,
        }
    }

    /// The time until the earliest timeout or lws_sul timer.
    pub(crate) fn next_timer_in(&self) -> Option<Duration> {
        let heap = self
            .timers
            .borrow()
            .peek()
            .map(|t| t.at.0.saturating_duration_since(Instant::now()));
        match (heap, self.next_sul_in()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
