//! Streaming RFC 6455 receive state machine.
//!
//! Data is not reassembled: payload is delivered in chunks, unmasked in place
//! in the caller's buffer (no copy). A chunk ends where the caller's buffer
//! ends or where the frame ends. Only partial headers (<= 14 bytes) and
//! partial control frames (<= 125 bytes) are buffered internally.
//!
//! Permessage-deflate: when `allowed_rsv` has RSV1 and a message's first
//! frame has RSV1 set, its payload is compressed, so this machine does not
//! check UTF-8 for it (the inflating layer must, e.g. with
//! [`Utf8Validator`]); `max_message` then counts compressed bytes.
#![forbid(unsafe_code)]

use std::ops::Range;

use super::close::{self, CLOSE_INVALID_PAYLOAD, CLOSE_MESSAGE_TOO_BIG, CLOSE_PROTOCOL_ERROR};
use super::frame::{self, OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, RSV1};
use super::mask::apply_mask;
use super::utf8::Utf8Validator;

/// Receive limits and role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RxConfig {
    /// Server role: true (client frames must be masked); client role: false.
    pub expect_masked: bool,
    /// 0 = unlimited; a larger data frame -> Fail(1009).
    pub max_frame_payload: u64,
    /// 0 = unlimited; a larger (cumulative) data message -> Fail(1009).
    pub max_message: u64,
    /// Validate UTF-8 of text messages and close reasons.
    pub validate_utf8: bool,
    /// RSV bits an extension negotiated (in position, 0x40/0x20/0x10), normally 0.
    pub allowed_rsv: u8,
}

impl RxConfig {
    /// Server role, no limits, UTF-8 validation on, no extensions.
    pub fn server() -> Self {
        RxConfig {
            expect_masked: true,
            max_frame_payload: 0,
            max_message: 0,
            validate_utf8: true,
            allowed_rsv: 0,
        }
    }
    /// Client role, no limits, UTF-8 validation on, no extensions.
    pub fn client() -> Self {
        RxConfig {
            expect_masked: false,
            ..Self::server()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RxEvent {
    /// Payload bytes in `buf[range]`, already unmasked. `binary` = message
    /// opcode is binary (continuations inherit). `first` = first chunk of the
    /// message. `frame_fin` = the frame has FIN set; `frame_remaining` = bytes
    /// of this frame's payload still to come after this chunk; `message_end` =
    /// `frame_fin && frame_remaining == 0`. Empty data frames still produce
    /// one Data event with an empty range. `rsv` = this frame's RSV bits.
    Data {
        range: Range<usize>,
        binary: bool,
        first: bool,
        frame_fin: bool,
        frame_remaining: u64,
        message_end: bool,
        rsv: u8,
    },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    /// A valid close frame; `code` None when the body was empty; `reason` is
    /// valid UTF-8 (when validating) and at most 123 bytes.
    Close {
        code: Option<u16>,
        reason: Vec<u8>,
    },
    /// Protocol violation: close with this code (1002, 1007, 1009) and this
    /// short reason. Sticky: every later `feed` returns `(0, Some(Fail))`.
    Fail {
        code: u16,
        reason: &'static str,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    Data,
    Control,
    Failed,
}

/// The receive state machine. See the module docs.
#[derive(Debug, Clone)]
pub struct Rx {
    cfg: RxConfig,
    state: State,
    hdr: [u8; frame::MAX_HEADER_LEN],
    hdr_len: u8,
    // current frame
    fin: bool,
    rsv: u8,
    opcode: u8,
    key: Option<[u8; 4]>,
    frame_pos: u64,
    remaining: u64,
    /// partial control frame payload (unmasked); empty capacity when idle
    ctrl: Vec<u8>,
    // current data message
    /// continuations expected (a non-FIN TEXT/BINARY frame was seen and its
    /// FIN continuation not yet)
    msg_open: bool,
    msg_binary: bool,
    msg_compressed: bool,
    msg_first: bool,
    msg_len: u64,
    utf8: Utf8Validator,
    fail: (u16, &'static str),
}

impl Rx {
    pub fn new(cfg: RxConfig) -> Self {
        Rx {
            cfg,
            state: State::Header,
            hdr: [0; frame::MAX_HEADER_LEN],
            hdr_len: 0,
            fin: false,
            rsv: 0,
            opcode: 0,
            key: None,
            frame_pos: 0,
            remaining: 0,
            ctrl: Vec::new(),
            msg_open: false,
            msg_binary: false,
            msg_compressed: false,
            msg_first: false,
            msg_len: 0,
            utf8: Utf8Validator::new(),
            fail: (0, ""),
        }
    }

    /// True while inside a fragmented message (continuations expected).
    pub fn in_message(&self) -> bool {
        self.msg_open
    }

    /// The configuration in use.
    pub fn config(&self) -> &RxConfig {
        &self.cfg
    }

    /// Consume bytes from `buf` (unmasking payload in place). Returns
    /// `(consumed, event)`. Call again with `&mut buf[consumed..]` while
    /// `consumed > 0` or an event is returned. `(buf.len(), None)` means all
    /// of `buf` was consumed without completing an event. At most one event
    /// per call; a Data range lies within `buf[..consumed]`.
    pub fn feed(&mut self, buf: &mut [u8]) -> (usize, Option<RxEvent>) {
        let mut pos = 0usize;
        loop {
            match self.state {
                State::Failed => {
                    let (code, reason) = self.fail;
                    return (0, Some(RxEvent::Fail { code, reason }));
                }
                State::Header => {
                    if let Err(f) = self.read_header(buf, &mut pos) {
                        return self.fail_at(pos, f);
                    }
                    if self.state == State::Header {
                        debug_assert_eq!(pos, buf.len());
                        return (pos, None);
                    }
                    // A zero-length frame completes right here.
                    if self.remaining == 0 {
                        return match self.state {
                            State::Data => self.deliver(buf, pos, 0),
                            _ => self.finish_control(pos),
                        };
                    }
                }
                State::Data => {
                    let avail = buf.len() - pos;
                    if avail == 0 {
                        return (pos, None);
                    }
                    let n = avail.min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
                    return self.deliver(buf, pos, n);
                }
                State::Control => {
                    let avail = buf.len() - pos;
                    let n = avail.min(self.remaining as usize); // remaining <= 125
                    let start = self.ctrl.len();
                    self.ctrl.extend_from_slice(&buf[pos..pos + n]);
                    if let Some(k) = self.key {
                        apply_mask(&mut self.ctrl[start..], k, (self.frame_pos % 4) as usize);
                    }
                    self.frame_pos += n as u64;
                    self.remaining -= n as u64;
                    pos += n;
                    if self.remaining > 0 {
                        return (pos, None);
                    }
                    return self.finish_control(pos);
                }
            }
        }
    }

    /// Accumulate header bytes from `buf[*pos..]`; validate fail-fast; on a
    /// complete header set up the frame and switch state.
    fn read_header(&mut self, buf: &[u8], pos: &mut usize) -> Result<(), (u16, &'static str)> {
        if self.hdr_len == 0 {
            let Some(&b0) = buf.get(*pos) else {
                return Ok(());
            };
            *pos += 1;
            self.hdr[0] = b0;
            self.hdr_len = 1;
            self.check_byte0(b0)?;
        }
        if self.hdr_len == 1 {
            let Some(&b1) = buf.get(*pos) else {
                return Ok(());
            };
            *pos += 1;
            self.hdr[1] = b1;
            self.hdr_len = 2;
            self.check_byte1(b1)?;
        }
        let need = frame::header_len_from_byte1(self.hdr[1]);
        let have = self.hdr_len as usize;
        let take = (need - have).min(buf.len() - *pos);
        self.hdr[have..have + take].copy_from_slice(&buf[*pos..*pos + take]);
        *pos += take;
        self.hdr_len += take as u8;
        if (self.hdr_len as usize) < need {
            return Ok(());
        }
        let (h, _) = frame::decode_header(&self.hdr[..need]).expect("complete header");
        self.hdr_len = 0;
        if h.payload_len >> 63 != 0 {
            return Err((CLOSE_PROTOCOL_ERROR, "64-bit length with top bit set"));
        }
        self.fin = h.fin;
        self.rsv = h.rsv;
        self.opcode = h.opcode;
        self.key = h.mask;
        self.frame_pos = 0;
        self.remaining = h.payload_len;
        if frame::is_control(h.opcode) {
            self.ctrl = Vec::with_capacity(h.payload_len as usize);
            self.state = State::Control;
            return Ok(());
        }
        if self.cfg.max_frame_payload != 0 && h.payload_len > self.cfg.max_frame_payload {
            return Err((CLOSE_MESSAGE_TOO_BIG, "frame too big"));
        }
        if h.opcode == OP_CONT {
            self.msg_len = self.msg_len.saturating_add(h.payload_len);
        } else {
            self.msg_binary = h.opcode == OP_BINARY;
            self.msg_compressed = h.rsv & self.cfg.allowed_rsv & RSV1 != 0;
            self.msg_first = true;
            self.msg_len = h.payload_len;
            self.utf8.reset();
        }
        if self.cfg.max_message != 0 && self.msg_len > self.cfg.max_message {
            return Err((CLOSE_MESSAGE_TOO_BIG, "message too big"));
        }
        self.msg_open = !h.fin;
        self.state = State::Data;
        Ok(())
    }

    /// The RSV bits (in position, 0x70 mask) of the frame being received.
    pub fn frame_rsv(&self) -> u8 {
        self.rsv
    }

    /// The data message being received was sent compressed (RSV1 on its
    /// first frame, with RSV1 allowed).
    pub fn message_compressed(&self) -> bool {
        self.msg_compressed
    }

    fn check_byte0(&self, b0: u8) -> Result<(), (u16, &'static str)> {
        let rsv = b0 & frame::RSV_MASK;
        let opcode = b0 & 0x0F;
        let fin = b0 & frame::FIN != 0;
        if rsv & !self.cfg.allowed_rsv != 0 {
            return Err((CLOSE_PROTOCOL_ERROR, "reserved bits set"));
        }
        match opcode {
            OP_CONT if !self.msg_open => {
                Err((CLOSE_PROTOCOL_ERROR, "continuation without message"))
            }
            // RFC 7692 6.1: RSV1 marks a message on its first frame only
            OP_CONT if rsv & RSV1 != 0 => {
                Err((CLOSE_PROTOCOL_ERROR, "RSV1 on a continuation frame"))
            }
            OP_TEXT | OP_BINARY if self.msg_open => {
                Err((CLOSE_PROTOCOL_ERROR, "expected continuation frame"))
            }
            OP_CONT | OP_TEXT | OP_BINARY => Ok(()),
            OP_CLOSE | OP_PING | OP_PONG if !fin => {
                Err((CLOSE_PROTOCOL_ERROR, "fragmented control frame"))
            }
            // no extension defines RSV bits on control frames
            OP_CLOSE | OP_PING | OP_PONG if rsv != 0 => {
                Err((CLOSE_PROTOCOL_ERROR, "reserved bits on control frame"))
            }
            OP_CLOSE | OP_PING | OP_PONG => Ok(()),
            _ => Err((CLOSE_PROTOCOL_ERROR, "reserved opcode")),
        }
    }

    fn check_byte1(&self, b1: u8) -> Result<(), (u16, &'static str)> {
        let masked = b1 & 0x80 != 0;
        if masked != self.cfg.expect_masked {
            return Err((
                CLOSE_PROTOCOL_ERROR,
                if masked {
                    "masked frame from server"
                } else {
                    "unmasked frame from client"
                },
            ));
        }
        if frame::is_control(self.hdr[0] & 0x0F)
            && (b1 & 0x7F) as usize > frame::MAX_CONTROL_PAYLOAD
        {
            return Err((CLOSE_PROTOCOL_ERROR, "control frame too long"));
        }
        Ok(())
    }

    /// Unmask, validate and report `buf[start..start + n]` of the current data frame.
    fn deliver(&mut self, buf: &mut [u8], start: usize, n: usize) -> (usize, Option<RxEvent>) {
        let end = start + n;
        let chunk = &mut buf[start..end];
        if let Some(k) = self.key {
            apply_mask(chunk, k, (self.frame_pos % 4) as usize);
        }
        self.frame_pos += n as u64;
        self.remaining -= n as u64;
        let message_end = self.fin && self.remaining == 0;
        if !self.msg_binary && !self.msg_compressed && self.cfg.validate_utf8 {
            if !self.utf8.feed(chunk) {
                return self.fail_at(
                    end,
                    (CLOSE_INVALID_PAYLOAD, "invalid UTF-8 in text message"),
                );
            }
            if message_end && !self.utf8.is_complete() {
                return self.fail_at(
                    end,
                    (
                        CLOSE_INVALID_PAYLOAD,
                        "text message ends inside a UTF-8 sequence",
                    ),
                );
            }
        }
        let ev = RxEvent::Data {
            range: start..end,
            binary: self.msg_binary,
            first: self.msg_first,
            frame_fin: self.fin,
            frame_remaining: self.remaining,
            message_end,
            rsv: self.rsv,
        };
        self.msg_first = false;
        if self.remaining == 0 {
            self.state = State::Header;
        }
        (end, Some(ev))
    }

    fn finish_control(&mut self, pos: usize) -> (usize, Option<RxEvent>) {
        self.state = State::Header;
        let mut payload = std::mem::take(&mut self.ctrl);
        let ev = match self.opcode {
            OP_PING => RxEvent::Ping(payload),
            OP_PONG => RxEvent::Pong(payload),
            _ => match close::parse_close_payload_opt(&payload, self.cfg.validate_utf8) {
                Ok(None) => RxEvent::Close {
                    code: None,
                    reason: Vec::new(),
                },
                Ok(Some((code, _))) => {
                    payload.drain(..2);
                    RxEvent::Close {
                        code: Some(code),
                        reason: payload,
                    }
                }
                Err(CLOSE_INVALID_PAYLOAD) => {
                    return self.fail_at(
                        pos,
                        (CLOSE_INVALID_PAYLOAD, "invalid UTF-8 in close reason"),
                    )
                }
                Err(code) => {
                    let why = if payload.len() == 1 {
                        "close payload of 1 byte"
                    } else {
                        "invalid close code"
                    };
                    return self.fail_at(pos, (code, why));
                }
            },
        };
        (pos, Some(ev))
    }

    fn fail_at(
        &mut self,
        pos: usize,
        (code, reason): (u16, &'static str),
    ) -> (usize, Option<RxEvent>) {
        self.state = State::Failed;
        self.fail = (code, reason);
        self.ctrl = Vec::new();
        (pos, Some(RxEvent::Fail { code, reason }))
    }
}

#[cfg(test)]
mod tests;
