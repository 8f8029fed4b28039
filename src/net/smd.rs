//! System message distribution: small class-tagged messages queued by any
//! thread and delivered from the service loop to registered peers.

use std::collections::VecDeque;
use std::ffi::c_void;
use std::sync::Mutex;

use crate::capi::types::{lws_smd_class_t, lws_smd_notification_cb_t};

pub const MAX_PAYLOAD: usize = 384;
/// Bytes before the payload, kept free as lws does for proxied streams.
pub const HEADER_ROOM: usize = 16;
const MAX_QUEUE_DEPTH: usize = 12;

pub struct Msg {
    pub class: lws_smd_class_t,
    pub len: usize,
    pub timestamp: i64,
    pub serial: u64,
    pub buf: [u8; HEADER_ROOM + MAX_PAYLOAD + 2],
}

impl Msg {
    /// Recovers the message from the payload pointer handed to C.
    ///
    /// # Safety
    /// `p` must be a payload pointer from `Msg::payload` of a live boxed Msg.
    pub unsafe fn from_payload(p: *mut c_void) -> *mut Msg {
        let off = std::mem::offset_of!(Msg, buf) + HEADER_ROOM;
        // SAFETY: per the contract, p lies `off` bytes into a Msg.
        unsafe { (p as *mut u8).sub(off) as *mut Msg }
    }

    pub fn payload(&mut self) -> *mut c_void {
        self.buf[HEADER_ROOM..].as_mut_ptr() as *mut c_void
    }
}

pub struct Peer {
    pub opaque: *mut c_void,
    pub filter: lws_smd_class_t,
    pub cb: lws_smd_notification_cb_t,
    /// Messages sent before this peer registered are not for it.
    pub since: u64,
    /// Serial of the last message delivered to this peer.
    pub seen: u64,
    /// The registry this peer is in.
    pub owner: *const SmdState,
}

#[derive(Default)]
pub struct Smd {
    pub peers: Vec<Box<Peer>>,
    pub queue: VecDeque<Box<Msg>>,
    pub serial: u64,
}

// SAFETY: the raw pointers are opaque user values passed back to the user's
// own callback on the service thread; the Mutex orders all access.
unsafe impl Send for Smd {}

pub struct SmdState(pub Mutex<Smd>);

impl Default for SmdState {
    fn default() -> Self {
        SmdState(Mutex::new(Smd::default()))
    }
}

impl SmdState {
    pub fn lock(&self) -> std::sync::MutexGuard<'_, Smd> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Union of the class filters of all peers.
    pub fn wanted(&self) -> lws_smd_class_t {
        self.lock().peers.iter().fold(0, |a, p| a | p.filter)
    }

    pub fn register(
        &self,
        opaque: *mut c_void,
        filter: lws_smd_class_t,
        cb: lws_smd_notification_cb_t,
    ) -> *mut Peer {
        let mut s = self.lock();
        let since = s.serial;
        let mut p = Box::new(Peer {
            opaque,
            filter,
            cb,
            since,
            seen: since,
            owner: self,
        });
        let ptr: *mut Peer = &mut *p;
        s.peers.push(p);
        ptr
    }

    /// Removes a peer; false if it was not registered.
    pub fn unregister(&self, pr: *const Peer) -> bool {
        let mut s = self.lock();
        let before = s.peers.len();
        s.peers.retain(|p| !std::ptr::eq(&**p, pr));
        before != s.peers.len()
    }

    /// Queues a message; gives it back when the queue is full.
    pub fn send(&self, mut m: Box<Msg>) -> Result<(), Box<Msg>> {
        let mut s = self.lock();
        if s.queue.len() >= MAX_QUEUE_DEPTH {
            return Err(m);
        }
        s.serial += 1;
        m.serial = s.serial;
        s.queue.push_back(m);
        Ok(())
    }

    pub fn has_queued(&self) -> bool {
        !self.lock().queue.is_empty()
    }

    /// Delivers queued messages in rounds, as lws does: each round gives
    /// every peer, in registration order, its oldest message not yet seen.
    /// No lock is held while callbacks run, so they may send, register or
    /// unregister.
    pub fn deliver(&self) {
        loop {
            let horizon = self.lock().serial;
            let mut delivered = false;
            let peers: Vec<*const Peer> = self
                .lock()
                .peers
                .iter()
                .map(|p| &**p as *const Peer)
                .collect();
            for t in peers {
                let next = {
                    let mut s = self.lock();
                    let Some(pi) = s.peers.iter().position(|p| std::ptr::eq(&**p, t)) else {
                        continue;
                    };
                    let (seen, since, filter) =
                        (s.peers[pi].seen, s.peers[pi].since, s.peers[pi].filter);
                    let found = s
                        .queue
                        .iter_mut()
                        .find(|m| m.serial > seen.max(since) && m.class & filter != 0)
                        .map(|m| (m.serial, m.class, m.timestamp, m.payload(), m.len));
                    if let Some((serial, ..)) = found {
                        s.peers[pi].seen = serial;
                    }
                    found.map(|f| (f, s.peers[pi].opaque, s.peers[pi].cb))
                };
                let Some(((_, class, ts, payload, len), opaque, cb)) = next else {
                    continue;
                };
                delivered = true;
                if let Some(cb) = cb {
                    // SAFETY: the user's notification callback with its own
                    // opaque pointer; the boxed message outlives the call.
                    unsafe { cb(opaque, class, ts, payload, len) };
                }
            }
            if !delivered {
                // everything up to the horizon reached every peer wanting it
                self.lock().queue.retain(|m| m.serial > horizon);
                return;
            }
        }
    }
}
