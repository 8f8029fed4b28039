//! Writing and per-connection WebSocket state (lws-write.h,
//! lws-writeable.h, lws-ws-close.h, lws-ws-state.h, lws-timeout-timer.h).

use std::ffi::{c_int, c_uchar, c_uint};

use super::context::{ctx_ref, wsi_ref};
use super::types::{lws, lws_context, lws_protocols};
use crate::capi::log;
use crate::net::wsi::WsiState;
use crate::proto::{close, frame};

const LWS_WRITE_TEXT: c_int = 0;
const LWS_WRITE_BINARY: c_int = 1;
const LWS_WRITE_CONTINUATION: c_int = 2;
const LWS_WRITE_HTTP: c_int = 3;
const LWS_WRITE_CLOSE: c_int = 4;
const LWS_WRITE_PING: c_int = 5;
const LWS_WRITE_PONG: c_int = 6;
const LWS_WRITE_HTTP_FINAL: c_int = 7;
const LWS_WRITE_HTTP_HEADERS: c_int = 8;
const LWS_WRITE_HTTP_HEADERS_CONTINUATION: c_int = 9;
const LWS_WRITE_NO_FIN: c_int = 0x40;

/// Sends `len` bytes at `buf` (which has LWS_PRE bytes of headroom) as a
/// frame of kind `wp`, or as raw HTTP data. Returns the number of payload
/// bytes accepted (all of them, or -1): what the kernel does not take now
/// is buffered and sent before the next WRITEABLE callback.
#[no_mangle]
pub unsafe extern "C" fn lws_write(
    wsi: *mut lws,
    buf: *mut c_uchar,
    len: usize,
    wp: c_int,
) -> c_int {
    ffi_boundary!("lws_write", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            log::err("lws_write: NULL wsi");
            return -1;
        };
        if buf.is_null() && len > 0 {
            log::err("lws_write: NULL buffer");
            return -1;
        }
        if len > c_int::MAX as usize {
            log::err("lws_write: length too large");
            return -1;
        }
        let base = wp & 0x1f;
        let fin = wp & LWS_WRITE_NO_FIN == 0;
        let st = w.state.get();
        let mut ret = len;
        let r = match (st, base) {
            (WsiState::Ws, LWS_WRITE_TEXT | LWS_WRITE_BINARY | LWS_WRITE_CONTINUATION) => {
                let op = match base {
                    LWS_WRITE_TEXT => frame::OP_TEXT,
                    LWS_WRITE_BINARY => frame::OP_BINARY,
                    _ => frame::OP_CONT,
                };
                if buf.is_null() {
                    w.send_frame_owned(fin, op, &[])
                } else {
                    // SAFETY: the API requires LWS_PRE bytes before buf.
                    unsafe { w.write_frame(buf, len, fin, op) }
                }
            }
            (WsiState::Ws, LWS_WRITE_PING | LWS_WRITE_PONG | LWS_WRITE_CLOSE) => {
                if len > 125 {
                    log::err("lws_write: control frame payload over 125 bytes");
                    return -1;
                }
                let op = match base {
                    LWS_WRITE_PING => frame::OP_PING,
                    LWS_WRITE_PONG => frame::OP_PONG,
                    _ => frame::OP_CLOSE,
                };
                if base == LWS_WRITE_CLOSE {
                    w.state.set(WsiState::WsClosing);
                }
                // 4.1.6 counts a control frame's header (and mask) in what
                // it returns
                ret = len + 2 + if w.is_client.get() { 4 } else { 0 };
                if buf.is_null() {
                    w.send_frame_owned(true, op, &[])
                } else {
                    // SAFETY: the API requires LWS_PRE bytes before buf.
                    unsafe { w.write_frame(buf, len, true, op) }
                }
            }
            (
                WsiState::HttpBusy | WsiState::HttpHead | WsiState::Ws | WsiState::ClientHandshake,
                LWS_WRITE_HTTP
                | LWS_WRITE_HTTP_FINAL
                | LWS_WRITE_HTTP_HEADERS
                | LWS_WRITE_HTTP_HEADERS_CONTINUATION,
            ) => {
                w.tx_started.set(true);
                let data = if len == 0 {
                    &[][..]
                } else {
                    // SAFETY: the caller provides len readable bytes.
                    unsafe { std::slice::from_raw_parts(buf, len) }
                };
                let r = w.send_raw(data);
                if base == LWS_WRITE_HTTP_FINAL && r.is_ok() && w.is_client.get() {
                    // an h2 request body without a length ends here
                    w.h2_client_body_final();
                }
                r
            }
            (WsiState::Raw | WsiState::RawFile, _) => {
                let data = if len == 0 {
                    &[][..]
                } else {
                    // SAFETY: the caller provides len readable bytes.
                    unsafe { std::slice::from_raw_parts(buf, len) }
                };
                w.send_raw(data)
            }
            (WsiState::WsClosing | WsiState::Dead, _) => {
                log::info("lws_write: connection is closing, write refused");
                return -1;
            }
            _ => {
                log::err(&format!(
                    "lws_write: write protocol {wp} not valid in this connection state"
                ));
                return -1;
            }
        };
        match r {
            Ok(()) => ret as c_int,
            Err(e) => {
                log::info(&format!("lws_write: {e}"));
                if let Some(rc) = w.rc() {
                    rc.ctx().reap.borrow_mut().push(rc.clone());
                }
                -1
            }
        }
    })
}

/// Asks for a WRITEABLE callback when the connection can take more data.
/// Returns 1 when scheduled, 0 if not applicable, -1 on error.
#[no_mangle]
pub unsafe extern "C" fn lws_callback_on_writable(wsi: *mut lws) -> c_int {
    ffi_boundary!("lws_callback_on_writable", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return -1;
        };
        // lws lets other threads ask (rtpengine's workers do)
        if w.ctx().on_foreign_thread() {
            return w.ctx().writable_from_foreign_thread(w);
        }
        w.request_writable()
    })
}

/// lws_callback_on_writable for every connection using `protocol`.
#[no_mangle]
pub unsafe extern "C" fn lws_callback_on_writable_all_protocol(
    context: *const lws_context,
    protocol: *const lws_protocols,
) -> c_int {
    ffi_boundary!("lws_callback_on_writable_all_protocol", {
        // SAFETY: caller contract.
        let Some(ctx) = (unsafe { ctx_ref(context as *mut lws_context) }) else {
            return -1;
        };
        if protocol.is_null() {
            return -1;
        }
        // SAFETY: protocol points into a table; compare by name, as a
        // program may pass its own table rather than lws's copy.
        let want = unsafe { &*protocol };
        let all: Vec<_> = ctx.wsis.borrow().iter().flatten().cloned().collect();
        for w in all {
            if w.state.get() != WsiState::Ws {
                continue;
            }
            let p = w.protocol_ptr();
            // SAFETY: protocol_ptr points into the vhost's table.
            let same = std::ptr::eq(p, protocol) || unsafe { same_protocol(&*p, want) };
            if same {
                w.want_write.set(true);
                if w.can_write.get() && !w.has_pending_tx() {
                    ctx.schedule(&w);
                }
                w.ext_sync();
            }
        }
        0
    })
}

/// Two protocol entries are the same protocol: same name and callback.
unsafe fn same_protocol(a: &lws_protocols, b: &lws_protocols) -> bool {
    if a.callback.map(|f| f as usize) != b.callback.map(|f| f as usize) {
        return false;
    }
    match (a.name.is_null(), b.name.is_null()) {
        (true, true) => true,
        // SAFETY: protocol names are C strings.
        (false, false) => unsafe {
            std::ffi::CStr::from_ptr(a.name) == std::ffi::CStr::from_ptr(b.name)
        },
        _ => false,
    }
}

/// Sets the status code and reason (at most 123 bytes) of the close frame
/// sent when this connection closes.
#[no_mangle]
pub unsafe extern "C" fn lws_close_reason(
    wsi: *mut lws,
    status: c_int,
    buf: *mut c_uchar,
    len: usize,
) {
    ffi_boundary!("lws_close_reason", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return;
        };
        let code = status as u32;
        if code > u16::MAX as u32 || !close::may_send(code as u16) {
            log::err(&format!(
                "lws_close_reason: code {status} may not be sent, using 1011"
            ));
        }
        let code = if code <= u16::MAX as u32 && close::may_send(code as u16) {
            code as u16
        } else {
            1011
        };
        let reason = if buf.is_null() || len == 0 {
            &[][..]
        } else {
            // SAFETY: the caller provides len readable bytes.
            unsafe { std::slice::from_raw_parts(buf, len) }
        };
        *w.close_reason.borrow_mut() = Some(close::close_payload(code, reason));
    })
}

/// Non-zero if the chunk being received ends a message.
#[no_mangle]
pub unsafe extern "C" fn lws_is_final_fragment(wsi: *mut lws) -> c_int {
    ffi_boundary!("lws_is_final_fragment", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi) }.map_or(0, |w| w.chunk.get().final_ as c_int)
    })
}

/// Non-zero if the chunk being received starts a message.
#[no_mangle]
pub unsafe extern "C" fn lws_is_first_fragment(wsi: *mut lws) -> c_int {
    ffi_boundary!("lws_is_first_fragment", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi) }.map_or(0, |w| w.chunk.get().first as c_int)
    })
}

/// Non-zero if the message being received is binary.
#[no_mangle]
pub unsafe extern "C" fn lws_frame_is_binary(wsi: *mut lws) -> c_int {
    ffi_boundary!("lws_frame_is_binary", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi) }.map_or(0, |w| w.chunk.get().binary as c_int)
    })
}

/// Bytes of the current frame still to come after this chunk.
#[no_mangle]
pub unsafe extern "C" fn lws_remaining_packet_payload(wsi: *mut lws) -> usize {
    ffi_boundary!("lws_remaining_packet_payload", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi) }.map_or(0, |w| w.chunk.get().remaining as usize)
    })
}

/// Enables (non-zero) or disables (0) receiving on this connection.
/// Data already read waits, in order, until receiving is enabled again.
#[no_mangle]
pub unsafe extern "C" fn lws_rx_flow_control(wsi: *mut lws, enable: c_int) -> c_int {
    ffi_boundary!("lws_rx_flow_control", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return -1;
        };
        // lws also accepts the LWS_RXFLOW_REASON_* bit form
        const APPLIES: c_int = 1 << 21;
        const USER_BOOL: c_int = 1 << 22;
        let allow = if enable & APPLIES != 0 {
            enable & USER_BOOL != 0
        } else {
            enable != 0
        };
        let was = w.rx_allowed.replace(allow);
        if allow != was {
            if let Some(rc) = w.rc() {
                if allow {
                    rc.ctx().schedule(&rc);
                }
                rc.ext_sync();
            }
        }
        0
    })
}

/// Non-zero if the connection cannot take more data now.
#[no_mangle]
pub unsafe extern "C" fn lws_send_pipe_choked(wsi: *mut lws) -> c_int {
    ffi_boundary!("lws_send_pipe_choked", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return 1;
        };
        if w.has_pending_tx() || !w.can_write.get() {
            return 1;
        }
        let fd = w.fd();
        if fd < 0 {
            return 1;
        }
        let mut p = libc::pollfd {
            fd,
            events: libc::POLLOUT,
            revents: 0,
        };
        // SAFETY: poll on one valid pollfd, no wait.
        let n = unsafe { libc::poll(&mut p, 1, 0) };
        (n != 1 || p.revents & libc::POLLOUT == 0) as c_int
    })
}

/// Non-zero if earlier output is still buffered in the library.
#[no_mangle]
pub unsafe extern "C" fn lws_partial_buffered(wsi: *mut lws) -> c_int {
    ffi_boundary!("lws_partial_buffered", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi) }.map_or(0, |w| w.has_pending_tx() as c_int)
    })
}

/// Arms (secs > 0) or cancels (0) a timeout that closes the connection;
/// LWS_TO_KILL_ASYNC closes it soon, LWS_TO_KILL_SYNC at once.
#[no_mangle]
pub unsafe extern "C" fn lws_set_timeout(wsi: *mut lws, reason: c_int, secs: c_int) {
    ffi_boundary!("lws_set_timeout", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return;
        };
        let Some(rc) = w.rc() else { return };
        match secs {
            -1 | -2 => {
                if secs == -2 && rc.ctx().depth.get() == 0 {
                    rc.close_now(true);
                } else {
                    rc.ctx().reap.borrow_mut().push(rc.clone());
                    rc.ctx().schedule(&rc);
                }
            }
            s if s > 0 => rc.set_timeout(reason, s),
            _ => rc.set_timeout(reason, 0),
        }
    })
}

/// The protocol the connection is bound to.
#[no_mangle]
pub unsafe extern "C" fn lws_get_protocol(wsi: *mut lws) -> *const lws_protocols {
    ffi_boundary!("lws_get_protocol", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi) }.map_or(std::ptr::null(), |w| w.protocol_ptr())
    })
}

/// The connection's per-session user space.
#[no_mangle]
pub unsafe extern "C" fn lws_wsi_user(wsi: *mut lws) -> *mut std::ffi::c_void {
    ffi_boundary!("lws_wsi_user", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi) }.map_or(std::ptr::null_mut(), |w| w.user_space.get())
    })
}

/// The connection's socket descriptor, or -1.
#[no_mangle]
pub unsafe extern "C" fn lws_get_socket_fd(wsi: *mut lws) -> c_int {
    ffi_boundary!("lws_get_socket_fd", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi) }.map_or(-1, |w| w.fd())
    })
}

#[allow(dead_code)]
fn _assert_types(_: c_uint) {}
