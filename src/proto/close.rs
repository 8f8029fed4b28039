//! RFC 6455 5.5.1 / 7.4 close codes and close frame payloads.
#![forbid(unsafe_code)]

use std::ops::Range;

pub const CLOSE_NORMAL: u16 = 1000;
pub const CLOSE_GOING_AWAY: u16 = 1001;
pub const CLOSE_PROTOCOL_ERROR: u16 = 1002;
pub const CLOSE_UNACCEPTABLE_OPCODE: u16 = 1003;
pub const CLOSE_NO_STATUS: u16 = 1005;
pub const CLOSE_ABNORMAL: u16 = 1006;
pub const CLOSE_INVALID_PAYLOAD: u16 = 1007;
pub const CLOSE_POLICY_VIOLATION: u16 = 1008;
pub const CLOSE_MESSAGE_TOO_BIG: u16 = 1009;
pub const CLOSE_EXTENSION_REQUIRED: u16 = 1010;
pub const CLOSE_UNEXPECTED_CONDITION: u16 = 1011;
pub const CLOSE_TLS_FAILURE: u16 = 1015;

/// Longest close reason: 125 - 2 bytes of code.
pub const MAX_REASON_LEN: usize = 123;

/// True for codes a peer may send in a close frame: 1000-1003, 1007-1014,
/// 3000-4999.
pub fn is_valid_received_code(code: u16) -> bool {
    matches!(code, 1000..=1003 | 1007..=1014 | 3000..=4999)
}

/// Codes we may put on the wire: the same set a peer accepts (so never 1005,
/// 1006, 1015, nor reserved or out-of-range codes that a strict peer would
/// answer with 1002).
pub fn may_send(code: u16) -> bool {
    is_valid_received_code(code)
}

/// Build a close payload: 2-byte code + reason cut to at most 123 bytes on a
/// UTF-8 character boundary (an invalid reason is cut before its first
/// invalid byte). Code 1005 (no status) gives an empty payload. The caller
/// should check [`may_send`] first; this function encodes whatever code it gets.
pub fn close_payload(code: u16, reason: &[u8]) -> Vec<u8> {
    if code == CLOSE_NO_STATUS {
        return Vec::new();
    }
    let r = &reason[..reason.len().min(MAX_REASON_LEN)];
    let keep = match std::str::from_utf8(r) {
        Ok(_) => r.len(),
        Err(e) => e.valid_up_to(),
    };
    let mut v = Vec::with_capacity(2 + keep);
    v.extend_from_slice(&code.to_be_bytes());
    v.extend_from_slice(&r[..keep]);
    v
}

/// Parse a received close payload: `Ok(None)` when empty;
/// `Ok(Some((code, reason_range)))` when valid; `Err(1002)` for length 1, a
/// payload over 125 bytes or an invalid code; `Err(1007)` for a reason that is
/// not UTF-8.
pub fn parse_close_payload(p: &[u8]) -> Result<Option<(u16, Range<usize>)>, u16> {
    parse_close_payload_opt(p, true)
}

/// As [`parse_close_payload`], with UTF-8 checking of the reason optional.
pub fn parse_close_payload_opt(
    p: &[u8],
    check_utf8: bool,
) -> Result<Option<(u16, Range<usize>)>, u16> {
    match p.len() {
        0 => Ok(None),
        1 => Err(CLOSE_PROTOCOL_ERROR),
        n if n > 125 => Err(CLOSE_PROTOCOL_ERROR),
        n => {
            let code = u16::from_be_bytes([p[0], p[1]]);
            if !is_valid_received_code(code) {
                return Err(CLOSE_PROTOCOL_ERROR);
            }
            if check_utf8 && !crate::proto::utf8::is_valid(&p[2..]) {
                return Err(CLOSE_INVALID_PAYLOAD);
            }
            Ok(Some((code, 2..n)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_codes() {
        for c in 0..=u16::MAX {
            let expect = matches!(
                c,
                1000 | 1001 | 1002 | 1003 | 1007 | 1008 | 1009 | 1010 | 1011 | 1012 | 1013 | 1014
            ) || (3000..5000).contains(&c);
            assert_eq!(is_valid_received_code(c), expect, "{c}");
            assert_eq!(may_send(c), expect, "{c}");
        }
        for c in [
            0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535,
        ] {
            assert!(!is_valid_received_code(c));
            assert!(!may_send(c));
        }
    }

    #[test]
    fn payload_build() {
        assert_eq!(close_payload(1005, b"ignored"), Vec::<u8>::new());
        assert_eq!(close_payload(1000, b""), vec![0x03, 0xE8]);
        assert_eq!(close_payload(1001, b"bye"), b"\x03\xe9bye".to_vec());
        let long = vec![b'a'; 300];
        assert_eq!(close_payload(1000, &long).len(), 125);
        // a 2-byte char straddling byte 123 is dropped whole
        let mut r = vec![b'a'; 122];
        r.extend_from_slice("é".as_bytes());
        let p = close_payload(1000, &r);
        assert_eq!(p.len(), 2 + 122);
        assert!(std::str::from_utf8(&p[2..]).is_ok());
        // 4-byte chars: 123 = 30*4 + 3 -> 120 bytes kept
        let r = "𝄞".repeat(40);
        let p = close_payload(4000, r.as_bytes());
        assert_eq!(p.len(), 2 + 120);
        // invalid reason is cut at the first invalid byte
        assert_eq!(close_payload(1000, b"ab\xffcd"), b"\x03\xe8ab".to_vec());
        for len in 0..200 {
            let r = "é".repeat(len);
            let p = close_payload(1000, r.as_bytes());
            assert!(p.len() <= 125);
            assert_eq!(parse_close_payload(&p), Ok(Some((1000, 2..p.len()))));
        }
    }

    #[test]
    fn payload_parse() {
        assert_eq!(parse_close_payload(b""), Ok(None));
        assert_eq!(parse_close_payload(b"\x03"), Err(1002));
        assert_eq!(parse_close_payload(b"\x03\xe8"), Ok(Some((1000, 2..2))));
        assert_eq!(parse_close_payload(b"\x03\xe8hi"), Ok(Some((1000, 2..4))));
        assert_eq!(parse_close_payload(b"\x03\xed"), Err(1002)); // 1005
        assert_eq!(parse_close_payload(b"\x03\xee"), Err(1002)); // 1006
        assert_eq!(parse_close_payload(b"\x03\xf7"), Err(1002)); // 1015
        assert_eq!(parse_close_payload(b"\x00\x00"), Err(1002));
        assert_eq!(parse_close_payload(b"\x13\x88"), Err(1002)); // 5000
        assert_eq!(parse_close_payload(b"\x0b\xb8"), Ok(Some((3000, 2..2))));
        assert_eq!(
            parse_close_payload(
                b"\x03\xe8\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited"
            ),
            Err(1007)
        );
        assert_eq!(
            parse_close_payload_opt(b"\x03\xe8\xff", false),
            Ok(Some((1000, 2..3)))
        );
        let mut big = b"\x03\xe8".to_vec();
        big.extend_from_slice(&[b'a'; 124]);
        assert_eq!(parse_close_payload(&big), Err(1002));
    }
}
