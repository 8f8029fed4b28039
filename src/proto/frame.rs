//! RFC 6455 5.2 frame headers.
#![forbid(unsafe_code)]

pub const OP_CONT: u8 = 0;
pub const OP_TEXT: u8 = 1;
pub const OP_BINARY: u8 = 2;
pub const OP_CLOSE: u8 = 8;
pub const OP_PING: u8 = 9;
pub const OP_PONG: u8 = 10;

/// FIN bit in the first header byte.
pub const FIN: u8 = 0x80;
/// The three RSV bits in the first header byte.
pub const RSV_MASK: u8 = 0x70;
/// RSV1 (permessage-deflate's "compressed" bit).
pub const RSV1: u8 = 0x40;
/// Largest header: 2 + 8 (64-bit length) + 4 (mask key).
pub const MAX_HEADER_LEN: usize = 14;
/// Largest control frame payload.
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// True for CLOSE, PING, PONG and the reserved control opcodes 11-15.
#[inline]
pub fn is_control(opcode: u8) -> bool {
    opcode & 0x08 != 0
}

/// Writes a frame header into `out` (at most 14 bytes) and returns its
/// length. `rsv` is the 3 RSV bits already in position (0x40/0x20/0x10);
/// other bits of `rsv` and the high bits of `opcode` are ignored. `mask:
/// Some(key)` sets the MASK bit and appends the key. Lengths are encoded
/// minimally; a length with the top bit set is encoded as is (never sent:
/// no buffer is that big).
pub fn encode_header(
    out: &mut [u8; 14],
    fin: bool,
    rsv: u8,
    opcode: u8,
    mask: Option<[u8; 4]>,
    payload_len: u64,
) -> usize {
    out[0] = if fin { FIN } else { 0 } | (rsv & RSV_MASK) | (opcode & 0x0F);
    let mbit = if mask.is_some() { 0x80 } else { 0 };
    let mut n = if payload_len < 126 {
        out[1] = mbit | payload_len as u8;
        2
    } else if payload_len <= 0xFFFF {
        out[1] = mbit | 126;
        out[2..4].copy_from_slice(&(payload_len as u16).to_be_bytes());
        4
    } else {
        out[1] = mbit | 127;
        out[2..10].copy_from_slice(&payload_len.to_be_bytes());
        10
    };
    if let Some(key) = mask {
        out[n..n + 4].copy_from_slice(&key);
        n += 4;
    }
    n
}

/// Header length for a payload length: 2, 4 or 10, plus 4 when `masked`.
#[inline]
pub fn header_len(payload_len: u64, masked: bool) -> usize {
    let base = if payload_len < 126 {
        2
    } else if payload_len <= 0xFFFF {
        4
    } else {
        10
    };
    base + if masked { 4 } else { 0 }
}

/// Total header length implied by the second header byte.
#[inline]
pub fn header_len_from_byte1(b1: u8) -> usize {
    let base = match b1 & 0x7F {
        126 => 4,
        127 => 10,
        _ => 2,
    };
    base + if b1 & 0x80 != 0 { 4 } else { 0 }
}

/// A decoded frame header (no validation beyond structure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameHeader {
    pub fin: bool,
    /// RSV bits in position (0x70 mask).
    pub rsv: u8,
    pub opcode: u8,
    pub mask: Option<[u8; 4]>,
    pub payload_len: u64,
}

/// Decode a header from the start of `b`: `None` if `b` is too short,
/// otherwise the header and its length. Non-minimal lengths are accepted;
/// the caller checks the 64-bit top bit.
pub fn decode_header(b: &[u8]) -> Option<(FrameHeader, usize)> {
    if b.len() < 2 {
        return None;
    }
    let n = header_len_from_byte1(b[1]);
    if b.len() < n {
        return None;
    }
    let (payload_len, lenb) = match b[1] & 0x7F {
        126 => (u16::from_be_bytes([b[2], b[3]]) as u64, 4),
        127 => (
            u64::from_be_bytes(b[2..10].try_into().expect("8 bytes")),
            10,
        ),
        l => (l as u64, 2),
    };
    let mask = (b[1] & 0x80 != 0).then(|| [b[lenb], b[lenb + 1], b[lenb + 2], b[lenb + 3]]);
    Some((
        FrameHeader {
            fin: b[0] & FIN != 0,
            rsv: b[0] & RSV_MASK,
            opcode: b[0] & 0x0F,
            mask,
            payload_len,
        },
        n,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_roundtrip() {
        for &len in &[
            0u64,
            1,
            125,
            126,
            127,
            0xFFFF,
            0x1_0000,
            1 << 40,
            u64::MAX >> 1,
        ] {
            for mask in [None, Some([1, 2, 3, 4])] {
                for (fin, rsv, op) in [
                    (true, 0, OP_TEXT),
                    (false, RSV1, OP_CONT),
                    (true, 0x30, OP_PING),
                ] {
                    let mut out = [0u8; 14];
                    let n = encode_header(&mut out, fin, rsv, op, mask, len);
                    assert_eq!(n, header_len(len, mask.is_some()));
                    assert_eq!(n, header_len_from_byte1(out[1]));
                    assert_eq!(decode_header(&out[..n - 1]), None);
                    let (h, m) = decode_header(&out[..n]).unwrap();
                    assert_eq!(m, n);
                    assert_eq!(
                        h,
                        FrameHeader {
                            fin,
                            rsv,
                            opcode: op,
                            mask,
                            payload_len: len
                        }
                    );
                }
            }
        }
    }

    #[test]
    fn known_bytes() {
        let mut out = [0u8; 14];
        // RFC 6455 5.7: unmasked "Hello"
        assert_eq!(encode_header(&mut out, true, 0, OP_TEXT, None, 5), 2);
        assert_eq!(&out[..2], &[0x81, 0x05]);
        // masked "Hello"
        assert_eq!(
            encode_header(
                &mut out,
                true,
                0,
                OP_TEXT,
                Some([0x37, 0xfa, 0x21, 0x3d]),
                5
            ),
            6
        );
        assert_eq!(&out[..6], &[0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d]);
        // 256 bytes binary
        assert_eq!(encode_header(&mut out, true, 0, OP_BINARY, None, 256), 4);
        assert_eq!(&out[..4], &[0x82, 0x7E, 0x01, 0x00]);
        // 64 KiB binary
        assert_eq!(encode_header(&mut out, true, 0, OP_BINARY, None, 65536), 10);
        assert_eq!(&out[..10], &[0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0]);
        assert_eq!(header_len(125, false), 2);
        assert_eq!(header_len(126, false), 4);
        assert_eq!(header_len(65535, true), 8);
        assert_eq!(header_len(65536, true), 14);
    }
}
