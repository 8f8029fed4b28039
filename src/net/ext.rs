//! User-defined WebSocket extensions: the `struct lws_extension` callback
//! interface as 4.1.6 drives it. Negotiation calls CONSTRUCT (the
//! extension stores its instance through `user` and its option table
//! through `in`) and OPTION_SET/CONFIRM; each data chunk received goes
//! through PAYLOAD_RX, each payload written through PAYLOAD_TX, and each
//! frame leaving through PACKET_TX_PRESEND; DESTROY ends an instance.
//!
//! The payload contract (`in` = two `lws_tokens`, eb_in and eb_out): the
//! extension points eb_out at its output and returns 0; the library counts
//! eb_out's length as consumed from eb_in, as 4.1.6 does.

use std::ffi::{c_int, c_void, CStr, CString};

use super::wsi::Wsi;
use crate::capi::log;
use crate::capi::types::{lws_ext_option_arg, lws_ext_options, lws_extension};

pub(crate) const EXT_CB_CONSTRUCT: c_int = 4;
pub(crate) const EXT_CB_CLIENT_CONSTRUCT: c_int = 5;
pub(crate) const EXT_CB_DESTROY: c_int = 8;
pub(crate) const EXT_CB_PACKET_TX_PRESEND: c_int = 12;
pub(crate) const EXT_CB_PAYLOAD_TX: c_int = 21;
pub(crate) const EXT_CB_PAYLOAD_RX: c_int = 22;
pub(crate) const EXT_CB_OPTION_SET: c_int = 24;
pub(crate) const EXT_CB_OPTION_CONFIRM: c_int = 25;

/// 4.1.6's "the extension has more output" answer.
const PMDR_HAS_PENDING: c_int = 2;
/// Output rounds per input chunk before an extension is deemed stuck.
const MAX_ROUNDS: usize = 64;

/// `struct lws_tokens`.
#[repr(C)]
pub(crate) struct Tokens {
    pub token: *mut u8,
    pub len: c_int,
}

/// The in/out buffers of PAYLOAD_RX/TX.
#[repr(C)]
pub(crate) struct Ebufs {
    pub eb_in: Tokens,
    pub eb_out: Tokens,
}

/// An extension active on a connection and its instance pointer.
#[derive(Clone, Copy)]
pub(crate) struct ActiveExt {
    pub ext: *const lws_extension,
    pub user: *mut c_void,
}

/// The name of a vhost extension entry.
pub(crate) fn ext_name(e: &lws_extension) -> String {
    if e.name.is_null() {
        return String::new();
    }
    // SAFETY: extension names are C strings owned by the program.
    unsafe { CStr::from_ptr(e.name) }
        .to_string_lossy()
        .into_owned()
}

impl Wsi {
    /// Calls extension `ext`'s callback for this connection.
    pub(crate) fn ext_call(
        &self,
        ext: *const lws_extension,
        reason: c_int,
        user: *mut c_void,
        in_: *mut c_void,
        len: usize,
    ) -> c_int {
        // SAFETY: an entry of the vhost's extension list, which the
        // program keeps for the vhost's life.
        let Some(cb) = (unsafe { (*ext).callback }) else {
            return -1;
        };
        // SAFETY: same ABI; the reason is an int in C.
        let f: crate::capi::types::lws_extension_callback_raw = unsafe { std::mem::transmute(cb) };
        let ctx = self.ctx();
        ctx.depth.set(ctx.depth.get() + 1);
        // SAFETY: the extension callback with lws's documented arguments.
        let r = unsafe { f(ctx.as_c(), ext, self.as_c(), reason, user, in_, len) };
        ctx.depth.set(ctx.depth.get() - 1);
        r
    }

    /// CONSTRUCT (or CLIENT_CONSTRUCT) of `ext` on this connection: its
    /// instance and option table, or None if it declined.
    pub(crate) fn ext_construct(
        &self,
        ext: *const lws_extension,
        client: bool,
    ) -> Option<(*mut c_void, *const lws_ext_options)> {
        let mut slot: *mut c_void = std::ptr::null_mut();
        let mut opts: *const lws_ext_options = std::ptr::null();
        let r = self.ext_call(
            ext,
            if client {
                EXT_CB_CLIENT_CONSTRUCT
            } else {
                EXT_CB_CONSTRUCT
            },
            &mut slot as *mut *mut c_void as *mut c_void,
            &mut opts as *mut *const lws_ext_options as *mut c_void,
            0,
        );
        (r == 0).then_some((slot, opts))
    }

    pub(crate) fn has_user_exts(&self) -> bool {
        !self.user_exts.borrow().is_empty()
    }

    /// Runs a received data chunk through the active extensions
    /// (PAYLOAD_RX); the output, or Err if an extension failed.
    pub(crate) fn exts_payload_rx(&self, data: &mut [u8]) -> Result<Vec<u8>, ()> {
        let exts: Vec<ActiveExt> = self.user_exts.borrow().clone();
        let mut out = Vec::new();
        let mut input = data.to_vec();
        for a in exts {
            let mut next = Vec::new();
            let mut pos = 0usize;
            let mut rounds = 0;
            loop {
                let len = input.len() - pos;
                let mut eb = Ebufs {
                    eb_in: Tokens {
                        // SAFETY: within `input`.
                        token: unsafe { input.as_mut_ptr().add(pos) },
                        len: len as c_int,
                    },
                    eb_out: Tokens {
                        token: unsafe { input.as_mut_ptr().add(pos) },
                        len: len as c_int,
                    },
                };
                let r = self.ext_call(
                    a.ext,
                    EXT_CB_PAYLOAD_RX,
                    a.user,
                    &mut eb as *mut Ebufs as *mut c_void,
                    0,
                );
                if r < 0 {
                    return Err(());
                }
                let took = take_out(&eb, &mut next);
                // what the extension left of the input, or (4.1.6's
                // reading) the input less what it put out
                let left = if eb.eb_in.len < len as c_int {
                    eb.eb_in.len.max(0) as usize
                } else {
                    len.saturating_sub(took)
                };
                pos += len - left.min(len);
                rounds += 1;
                if (left == 0 && r != PMDR_HAS_PENDING) || rounds >= MAX_ROUNDS {
                    break;
                }
            }
            input = next;
            out.clear();
            out.extend_from_slice(&input);
        }
        Ok(out)
    }

    /// Runs a payload about to be framed through the active extensions
    /// (PAYLOAD_TX, `len` = the lws_write protocol); the payload to send,
    /// or Err if an extension failed.
    pub(crate) fn exts_payload_tx(&self, data: &[u8], wp: c_int) -> Result<Vec<u8>, ()> {
        let exts: Vec<ActiveExt> = self.user_exts.borrow().clone();
        let mut cur = data.to_vec();
        for a in exts {
            let mut eb = Ebufs {
                eb_in: Tokens {
                    token: cur.as_mut_ptr(),
                    len: cur.len() as c_int,
                },
                eb_out: Tokens {
                    token: cur.as_mut_ptr(),
                    len: cur.len() as c_int,
                },
            };
            let r = self.ext_call(
                a.ext,
                EXT_CB_PAYLOAD_TX,
                a.user,
                &mut eb as *mut Ebufs as *mut c_void,
                wp as usize,
            );
            if r < 0 {
                return Err(());
            }
            if r == PMDR_HAS_PENDING {
                log::warn("extension output beyond one frame per write is not supported");
            }
            let mut next = Vec::new();
            take_out(&eb, &mut next);
            cur = next;
        }
        Ok(cur)
    }

    /// Shows a whole frame about to be sent to the active extensions
    /// (PACKET_TX_PRESEND): they may change it in place or replace it.
    pub(crate) fn exts_presend(&self, frame: Vec<u8>) -> Result<Vec<u8>, ()> {
        let exts: Vec<ActiveExt> = self.user_exts.borrow().clone();
        let mut cur = frame;
        for a in exts {
            let mut t = Tokens {
                token: cur.as_mut_ptr(),
                len: cur.len() as c_int,
            };
            let r = self.ext_call(
                a.ext,
                EXT_CB_PACKET_TX_PRESEND,
                a.user,
                &mut t as *mut Tokens as *mut c_void,
                0,
            );
            if r < 0 {
                return Err(());
            }
            if t.token != cur.as_mut_ptr() || t.len as usize != cur.len() {
                let n = t.len.max(0) as usize;
                // SAFETY: the extension's buffer of `n` bytes, valid during
                // this call.
                cur = unsafe { std::slice::from_raw_parts(t.token, n) }.to_vec();
            }
        }
        Ok(cur)
    }

    /// DESTROY for every active extension (the connection is closing).
    pub(crate) fn exts_destroy(&self) {
        let exts: Vec<ActiveExt> = std::mem::take(&mut *self.user_exts.borrow_mut());
        for a in exts {
            self.ext_call(a.ext, EXT_CB_DESTROY, a.user, std::ptr::null_mut(), 0);
        }
    }

    /// The options of a server's response (or the protocol's defaults)
    /// given to an extension instance, as lws_ext_parse_options does.
    pub(crate) fn ext_parse_options(
        &self,
        ext: *const lws_extension,
        user: *mut c_void,
        opts: *const lws_ext_options,
        s: &str,
    ) -> bool {
        let Ok(c) = CString::new(s) else { return false };
        // SAFETY: our own exported parser, with live arguments.
        unsafe {
            crate::capi::ext::lws_ext_parse_options(
                ext,
                self.as_c(),
                user,
                opts,
                c.as_ptr(),
                s.len() as c_int,
            ) == 0
        }
    }

    /// OPTION_SET for an arg-less option the client asked for; true if the
    /// extension took it.
    pub(crate) fn ext_option_set_flag(&self, a: ActiveExt, index: usize) -> bool {
        let mut oa = lws_ext_option_arg {
            option_name: std::ptr::null(),
            option_index: index as c_int,
            start: std::ptr::null(),
            len: 0,
        };
        self.ext_call(
            a.ext,
            EXT_CB_OPTION_SET,
            a.user,
            &mut oa as *mut lws_ext_option_arg as *mut c_void,
            0,
        ) == 0
    }
}

/// Appends an extension's eb_out to `out`; its length.
fn take_out(eb: &Ebufs, out: &mut Vec<u8>) -> usize {
    let n = eb.eb_out.len.max(0) as usize;
    if n > 0 && !eb.eb_out.token.is_null() {
        // SAFETY: the extension's output buffer of `n` bytes, valid until
        // its next call.
        out.extend_from_slice(unsafe { std::slice::from_raw_parts(eb.eb_out.token, n) });
    }
    n
}

/// The option table an extension gave at CONSTRUCT, as (name, type).
pub(crate) fn option_table(opts: *const lws_ext_options) -> Vec<(String, c_int)> {
    let mut v = Vec::new();
    let mut p = opts;
    if p.is_null() {
        return v;
    }
    // SAFETY: the extension's table, terminated by a NULL name.
    unsafe {
        while !(*p).name.is_null() {
            v.push((
                CStr::from_ptr((*p).name).to_string_lossy().into_owned(),
                (*p).r#type,
            ));
            p = p.add(1);
        }
    }
    v
}
