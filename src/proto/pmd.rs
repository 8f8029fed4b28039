//! permessage-deflate (RFC 7692): offer parsing, negotiation in both
//! roles, and the per-connection compressor/decompressor.
//!
//! Deflate is flate2 over zlib-rs: a maintained, memory-safe zlib with the
//! raw-deflate window-size control RFC 7692 needs (miniz_oxide has none).
//! zlib cannot compress with a 256-byte window, so when the peer limits us
//! to 8 window bits we send our messages uncompressed, which RFC 7692
//! allows per message. Inflating always uses a 32 KiB window, which decodes
//! any smaller one.
#![forbid(unsafe_code)]

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use super::close::{CLOSE_INVALID_PAYLOAD, CLOSE_MESSAGE_TOO_BIG};
use super::utf8::Utf8Validator;

pub const NAME: &str = "permessage-deflate";

/// An inflated message larger than this closes the connection with 1009:
/// a small frame must not inflate without bound.
pub const MAX_INFLATED_MESSAGE: u64 = 64 << 20;

/// Bytes of inflated output produced per step (and delivered per call).
pub const INFLATE_STEP: usize = 64 * 1024;

/// One extension of a `Sec-WebSocket-Extensions` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub name: String,
    pub params: Vec<(String, Option<String>)>,
}

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

/// Parses an extension list (RFC 6455 9.1, values may be quoted).
/// Err for a malformed list.
pub fn parse_offers(s: &str) -> Result<Vec<Offer>, ()> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t') {
            *i += 1;
        }
    };
    let token = |i: &mut usize| -> Result<String, ()> {
        let st = *i;
        while *i < b.len() && is_tchar(b[*i]) {
            *i += 1;
        }
        if *i == st {
            return Err(());
        }
        Ok(s[st..*i].to_string())
    };
    loop {
        skip_ws(&mut i);
        if i < b.len() && b[i] == b',' {
            // empty list elements are allowed
            i += 1;
            continue;
        }
        if i >= b.len() {
            break;
        }
        let name = token(&mut i)?;
        let mut params = Vec::new();
        loop {
            skip_ws(&mut i);
            if i >= b.len() || b[i] == b',' {
                break;
            }
            if b[i] != b';' {
                return Err(());
            }
            i += 1;
            skip_ws(&mut i);
            let k = token(&mut i)?;
            skip_ws(&mut i);
            let mut v = None;
            if i < b.len() && b[i] == b'=' {
                i += 1;
                skip_ws(&mut i);
                if i < b.len() && b[i] == b'"' {
                    i += 1;
                    let mut val = String::new();
                    loop {
                        match b.get(i) {
                            None => return Err(()),
                            Some(b'"') => {
                                i += 1;
                                break;
                            }
                            Some(b'\\') => {
                                let c = *b.get(i + 1).ok_or(())?;
                                val.push(c as char);
                                i += 2;
                            }
                            Some(&c) => {
                                val.push(c as char);
                                i += 1;
                            }
                        }
                    }
                    // a quoted value must still be a token (RFC 6455 9.1)
                    if val.is_empty() || !val.bytes().all(is_tchar) {
                        return Err(());
                    }
                    v = Some(val);
                } else {
                    v = Some(token(&mut i)?);
                }
            }
            params.push((k, v));
        }
        out.push(Offer { name, params });
    }
    Ok(out)
}

/// The parameters of one permessage-deflate offer or response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Params {
    pub server_no_context_takeover: bool,
    pub client_no_context_takeover: bool,
    pub server_max_window_bits: Option<u8>,
    /// Some(None): the parameter without a value (offers only).
    pub client_max_window_bits: Option<Option<u8>>,
}

fn window_bits(v: &str) -> Option<u8> {
    if v.is_empty() || v.len() > 2 || !v.bytes().all(|c| c.is_ascii_digit()) || v.starts_with('0') {
        return None;
    }
    let n: u8 = v.parse().ok()?;
    (8..=15).contains(&n).then_some(n)
}

/// Validates the parameters of a permessage-deflate element (RFC 7692 7):
/// unknown or repeated parameters and bad values make it invalid.
pub fn params(o: &Offer, is_response: bool) -> Option<Params> {
    let mut p = Params::default();
    let mut seen: Vec<&str> = Vec::new();
    for (k, v) in &o.params {
        if seen.contains(&k.as_str()) {
            return None;
        }
        seen.push(k);
        match (k.as_str(), v.as_deref()) {
            ("server_no_context_takeover", None) => p.server_no_context_takeover = true,
            ("client_no_context_takeover", None) => p.client_no_context_takeover = true,
            ("server_max_window_bits", Some(v)) => p.server_max_window_bits = Some(window_bits(v)?),
            ("client_max_window_bits", None) if !is_response => {
                p.client_max_window_bits = Some(None)
            }
            ("client_max_window_bits", Some(v)) => {
                p.client_max_window_bits = Some(Some(window_bits(v)?))
            }
            _ => return None,
        }
    }
    Some(p)
}

/// What a negotiation agreed, seen from one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Agreed {
    /// Our compressor's window bits; 8 means we send uncompressed.
    pub tx_window_bits: u8,
    /// Reset our compressor after each message.
    pub tx_no_context_takeover: bool,
    /// The peer resets after each message: so do we when inflating.
    pub rx_no_context_takeover: bool,
}

/// Server: the first acceptable permessage-deflate offer, the agreement and
/// the response element; None when nothing acceptable was offered.
pub fn server_accept(offers: &[Offer]) -> Option<(Agreed, String)> {
    for o in offers.iter().filter(|o| o.name == NAME) {
        let Some(p) = params(o, false) else { continue };
        let mut resp = String::from(NAME);
        if p.server_no_context_takeover {
            resp.push_str("; server_no_context_takeover");
        }
        if p.client_no_context_takeover {
            resp.push_str("; client_no_context_takeover");
        }
        if let Some(n) = p.server_max_window_bits {
            resp.push_str(&format!("; server_max_window_bits={n}"));
        }
        let agreed = Agreed {
            tx_window_bits: p.server_max_window_bits.unwrap_or(15),
            tx_no_context_takeover: p.server_no_context_takeover,
            rx_no_context_takeover: p.client_no_context_takeover,
        };
        return Some((agreed, resp));
    }
    None
}

/// Client: checks the server's response against what we offered.
pub fn client_accept(
    offered: &[Offer],
    response: &[Offer],
) -> Result<Option<Agreed>, &'static str> {
    match response {
        [] => Ok(None),
        [r] if r.name == NAME => {
            let p = params(r, true).ok_or("HS: EXT: failed parsing options")?;
            let ours: Vec<Params> = offered
                .iter()
                .filter(|o| o.name == NAME)
                .filter_map(|o| params(o, false))
                .collect();
            if ours.is_empty() {
                return Err("HS: EXT: unknown ext");
            }
            // client_max_window_bits only if we said we support it
            if p.client_max_window_bits.is_some()
                && !ours.iter().any(|o| o.client_max_window_bits.is_some())
            {
                return Err("HS: EXT: failed parsing options");
            }
            Ok(Some(Agreed {
                tx_window_bits: p.client_max_window_bits.flatten().unwrap_or(15),
                tx_no_context_takeover: p.client_no_context_takeover,
                rx_no_context_takeover: p.server_no_context_takeover,
            }))
        }
        [_] => Err("HS: EXT: unknown ext"),
        _ => Err("HS: EXT: more than one extension"),
    }
}

/// The per-connection compression state.
pub struct Pmd {
    tx: Option<Compress>,
    tx_reset: bool,
    tx_bits: u8,
    level: u32,
    level_changed: bool,
    /// A compressed message is being sent (its first frame had RSV1).
    tx_in_message: bool,
    rx: Decompress,
    rx_reset: bool,
    /// Compressed input not yet inflated (the 4-byte trailer appended at a
    /// message's end), and whether that end is in it.
    pending: Vec<u8>,
    pending_end: bool,
    rx_total: u64,
    rx_stream_end: bool,
    utf8: Option<Utf8Validator>,
    /// The message being inflated is binary; none of it was delivered yet.
    pub rx_binary: bool,
    rx_first: bool,
    /// The last pull filled its buffer: output may still be waiting.
    rx_more: bool,
    /// Inflate output buffer (allocated on first use).
    scratch: Vec<u8>,
}

/// How far inflating a message got.
#[derive(Debug, PartialEq, Eq)]
pub enum Pulled {
    /// Output was produced and more may follow: call again.
    More,
    /// Everything received so far is inflated; more frames will follow.
    NeedInput,
    /// The message is complete; this call's output is its last.
    MessageDone,
}

const TRAILER: [u8; 4] = [0, 0, 0xff, 0xff];

impl Pmd {
    /// `level` as zlib's (lws uses 1).
    pub fn new(a: Agreed, level: u32) -> Pmd {
        let tx = (a.tx_window_bits > 8).then(|| {
            Compress::new_with_window_bits(Compression::new(level), false, a.tx_window_bits)
        });
        Pmd {
            tx,
            tx_reset: a.tx_no_context_takeover,
            tx_bits: a.tx_window_bits,
            level,
            level_changed: false,
            tx_in_message: false,
            rx: Decompress::new_with_window_bits(false, 15),
            rx_reset: a.rx_no_context_takeover,
            pending: Vec::new(),
            pending_end: false,
            rx_total: 0,
            rx_stream_end: false,
            utf8: None,
            rx_binary: false,
            rx_first: false,
            rx_more: false,
            scratch: Vec::new(),
        }
    }

    /// Compresses one fragment of an outgoing data message. Returns the
    /// payload and whether RSV1 goes on this frame, or None when the
    /// message goes uncompressed.
    pub fn deflate_fragment(
        &mut self,
        first: bool,
        data: &[u8],
        fin: bool,
    ) -> Option<(Vec<u8>, bool)> {
        if first && self.level_changed && self.tx.is_some() {
            // a new level starts a new compressor (at a message boundary)
            self.level_changed = false;
            self.tx = Some(Compress::new_with_window_bits(
                Compression::new(self.level),
                false,
                self.tx_bits,
            ));
        }
        let c = self.tx.as_mut()?;
        if first {
            self.tx_in_message = true;
        } else if !self.tx_in_message {
            return None;
        }
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        let mut input = data;
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity().max(1024));
            }
            let before = c.total_in();
            if c.compress_vec(input, &mut out, FlushCompress::Sync)
                .is_err()
            {
                return None;
            }
            input = &input[(c.total_in() - before) as usize..];
            if input.is_empty() && out.len() < out.capacity() {
                break;
            }
        }
        if fin {
            // RFC 7692 7.2.1: the final empty stored block is not sent
            if out.ends_with(&TRAILER) {
                out.truncate(out.len() - 4);
            } else if out.is_empty() {
                // nothing new to flush: an empty message is one 0x00 byte
                // (the receiver's appended 00 00 ff ff completes the block)
                out.push(0);
            }
            self.tx_in_message = false;
            if self.tx_reset {
                c.reset();
            }
        }
        Some((out, first))
    }

    /// Starts (or continues) receiving a compressed message's payload.
    pub fn push(&mut self, first: bool, text_validate: bool, data: &[u8], message_end: bool) {
        if first {
            self.rx_first = true;
            self.rx_total = 0;
            self.utf8 = text_validate.then(Utf8Validator::new);
        }
        self.pending.extend_from_slice(data);
        if message_end {
            self.pending.extend_from_slice(&TRAILER);
            self.pending_end = true;
        }
    }

    /// Inflates up to [`INFLATE_STEP`] bytes into `out` (cleared first).
    pub fn pull(&mut self, out: &mut Vec<u8>) -> Result<Pulled, (u16, &'static str)> {
        let r = self.pull_inner(out);
        self.rx_more = matches!(r, Ok(Pulled::More));
        r
    }

    fn pull_inner(&mut self, out: &mut Vec<u8>) -> Result<Pulled, (u16, &'static str)> {
        out.clear();
        if self.scratch.len() != INFLATE_STEP {
            self.scratch = vec![0; INFLATE_STEP];
        }
        let mut filled = 0;
        while filled < INFLATE_STEP {
            if self.rx_stream_end {
                // the peer ended the deflate stream early: the rest of the
                // message carries nothing
                self.pending.clear();
                break;
            }
            let before_in = self.rx.total_in();
            let before_out = self.rx.total_out();
            let flush = if self.pending_end {
                FlushDecompress::Sync
            } else {
                FlushDecompress::None
            };
            let st = self
                .rx
                .decompress(&self.pending, &mut self.scratch[filled..], flush);
            let used = (self.rx.total_in() - before_in) as usize;
            let produced = (self.rx.total_out() - before_out) as usize;
            self.pending.drain(..used);
            filled += produced;
            match st {
                Err(_) => return Err((CLOSE_INVALID_PAYLOAD, "invalid compressed data")),
                Ok(Status::StreamEnd) => self.rx_stream_end = true,
                Ok(_) => {}
            }
            self.rx_total += produced as u64;
            if self.rx_total > MAX_INFLATED_MESSAGE {
                return Err((CLOSE_MESSAGE_TOO_BIG, "inflated message too big"));
            }
            if used == 0 && produced == 0 {
                break;
            }
        }
        out.extend_from_slice(&self.scratch[..filled]);
        if let Some(v) = self.utf8.as_mut() {
            if !v.feed(out) {
                return Err((CLOSE_INVALID_PAYLOAD, "invalid UTF-8"));
            }
        }
        if out.len() >= INFLATE_STEP {
            return Ok(Pulled::More);
        }
        if !self.pending.is_empty() && !self.rx_stream_end {
            return Ok(Pulled::More);
        }
        if !self.pending_end {
            return Ok(Pulled::NeedInput);
        }
        // message complete
        if let Some(v) = self.utf8.take() {
            if !v.is_complete() {
                return Err((CLOSE_INVALID_PAYLOAD, "invalid UTF-8"));
            }
        }
        self.pending_end = false;
        self.pending.clear();
        if self.rx_reset || self.rx_stream_end {
            self.rx.reset(false);
            self.rx_stream_end = false;
        }
        Ok(Pulled::MessageDone)
    }

    /// True once per message: its first output goes to the user now.
    pub fn take_first(&mut self) -> bool {
        std::mem::replace(&mut self.rx_first, false)
    }

    /// zlib's compression level for the coming messages.
    pub fn set_level(&mut self, level: u32) {
        self.level = level;
        self.level_changed = true;
    }

    /// Compressed input is waiting to be inflated.
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty() || self.pending_end || self.rx_more
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(a: Agreed, msgs: &[&[u8]]) {
        let mut tx = Pmd::new(a, 1);
        let mut rx = Pmd::new(a, 1);
        for (i, m) in msgs.iter().enumerate() {
            let (c, rsv) = tx.deflate_fragment(true, m, true).expect("compressed");
            let _ = i;
            assert!(rsv);
            rx.push(true, false, &c, true);
            let mut all = Vec::new();
            let mut out = Vec::new();
            loop {
                let st = rx.pull(&mut out).unwrap();
                all.extend_from_slice(&out);
                if st == Pulled::MessageDone {
                    break;
                }
            }
            assert_eq!(&all, m);
        }
    }

    #[test]
    fn parse_lists() {
        let o = parse_offers(
            "permessage-deflate; client_max_window_bits; server_max_window_bits=\"10\", foo, , x-webkit-deflate-frame",
        )
        .unwrap();
        assert_eq!(o.len(), 3);
        assert_eq!(
            o[0].params[1],
            ("server_max_window_bits".into(), Some("10".into()))
        );
        assert!(parse_offers("permessage-deflate; =1").is_err());
        assert!(parse_offers("a; b=\"x y\"").is_err());
    }

    #[test]
    fn negotiation() {
        let o = parse_offers("permessage-deflate; server_max_window_bits=7, permessage-deflate; client_no_context_takeover; server_max_window_bits=10").unwrap();
        let (a, r) = server_accept(&o).unwrap();
        assert_eq!(
            r,
            "permessage-deflate; client_no_context_takeover; server_max_window_bits=10"
        );
        assert_eq!(a.tx_window_bits, 10);
        assert!(a.rx_no_context_takeover);
        let o = parse_offers("permessage-deflate; foo").unwrap();
        assert!(server_accept(&o).is_none());
        let o = parse_offers(
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        )
        .unwrap();
        assert!(server_accept(&o).is_none());
        let offered = parse_offers("permessage-deflate; client_max_window_bits").unwrap();
        let resp = parse_offers(
            "permessage-deflate; client_max_window_bits=9; server_no_context_takeover",
        )
        .unwrap();
        let a = client_accept(&offered, &resp).unwrap().unwrap();
        assert_eq!(a.tx_window_bits, 9);
        assert!(a.rx_no_context_takeover);
        let offered = parse_offers("permessage-deflate").unwrap();
        assert!(client_accept(&offered, &resp).is_err());
        assert!(client_accept(&offered, &parse_offers("x-other").unwrap()).is_err());
    }

    #[test]
    fn round_trips() {
        let a = Agreed {
            tx_window_bits: 15,
            tx_no_context_takeover: false,
            rx_no_context_takeover: false,
        };
        roundtrip(
            a,
            &[b"hello hello hello", b"", b"hello again", &[7u8; 200_000]],
        );
        let a = Agreed {
            tx_window_bits: 9,
            tx_no_context_takeover: true,
            rx_no_context_takeover: true,
        };
        roundtrip(a, &[b"abcabcabc", b"abcabcabc", &[1u8; 70_000]]);
    }

    #[test]
    fn window_8_sends_plain() {
        let a = Agreed {
            tx_window_bits: 8,
            tx_no_context_takeover: false,
            rx_no_context_takeover: false,
        };
        assert!(Pmd::new(a, 1).deflate_fragment(true, b"x", true).is_none());
    }

    #[test]
    fn bomb_is_bounded() {
        let a = Agreed {
            tx_window_bits: 15,
            tx_no_context_takeover: false,
            rx_no_context_takeover: false,
        };
        let mut tx = Pmd::new(a, 9);
        let zeros = vec![0u8; 1 << 20];
        let mut rx = Pmd::new(a, 1);
        let mut out = Vec::new();
        let mut err = None;
        'outer: for i in 0..100 {
            let (c, _) = tx.deflate_fragment(i == 0, &zeros, false).unwrap();
            rx.push(i == 0, false, &c, false);
            loop {
                match rx.pull(&mut out) {
                    Ok(Pulled::More) => assert!(out.len() <= INFLATE_STEP),
                    Ok(_) => break,
                    Err(e) => {
                        err = Some(e);
                        break 'outer;
                    }
                }
            }
        }
        assert_eq!(err.map(|e| e.0), Some(CLOSE_MESSAGE_TOO_BIG));
    }

    #[test]
    fn invalid_data_and_utf8() {
        let a = Agreed {
            tx_window_bits: 15,
            tx_no_context_takeover: false,
            rx_no_context_takeover: false,
        };
        let mut rx = Pmd::new(a, 1);
        rx.push(true, false, &[0xff, 0xff, 0xff], true);
        let mut out = Vec::new();
        assert_eq!(rx.pull(&mut out).unwrap_err().0, CLOSE_INVALID_PAYLOAD);
        let mut tx = Pmd::new(a, 1);
        let mut rx = Pmd::new(a, 1);
        let (c, _) = tx
            .deflate_fragment(true, &[0xce, 0xba, 0xe1], true)
            .unwrap();
        rx.push(true, true, &c, true);
        assert_eq!(rx.pull(&mut out).unwrap_err().0, CLOSE_INVALID_PAYLOAD);
    }
}
