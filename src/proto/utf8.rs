//! Incremental UTF-8 validation (RFC 3629): no overlong forms, no surrogates,
//! nothing above U+10FFFF. Fail-fast: a byte is rejected as soon as the input
//! so far cannot be the prefix of valid UTF-8, which is what Autobahn 6.*
//! expects from a fragmented text message.
#![forbid(unsafe_code)]

/// Incremental validator. Feed chunks; `false` means invalid (sticky).
#[derive(Default, Clone, Debug)]
pub struct Utf8Validator {
    /// Continuation bytes still expected for the current code point.
    need: u8,
    /// Allowed range of the next continuation byte (only when `need > 0`).
    lo: u8,
    hi: u8,
    /// Once invalid, always invalid (until `reset`).
    bad: bool,
}

impl Utf8Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Validate the next chunk. Returns false as soon as the bytes seen so far
    /// cannot be a prefix of valid UTF-8; stays false until [`reset`](Self::reset).
    pub fn feed(&mut self, bytes: &[u8]) -> bool {
        if self.bad {
            return false;
        }
        let mut i = 0;
        // Finish a code point left open by the previous chunk.
        while self.need > 0 {
            let Some(&b) = bytes.get(i) else { return true };
            if !self.step(b) {
                return false;
            }
            i += 1;
        }
        let rest = &bytes[i..];
        match std::str::from_utf8(rest) {
            Ok(_) => true,
            Err(e) if e.error_len().is_some() => {
                self.bad = true;
                false
            }
            Err(e) => {
                // Truncated at the end: walk the (at most 3) trailing bytes.
                for &b in &rest[e.valid_up_to()..] {
                    if !self.step(b) {
                        return false;
                    }
                }
                true
            }
        }
    }

    /// One byte of the DFA.
    #[inline]
    fn step(&mut self, b: u8) -> bool {
        if self.need > 0 {
            if b < self.lo || b > self.hi {
                self.bad = true;
                return false;
            }
            self.need -= 1;
            self.lo = 0x80;
            self.hi = 0xBF;
            return true;
        }
        let (need, lo, hi) = match b {
            0x00..=0x7F => return true,
            0xC2..=0xDF => (1, 0x80, 0xBF),
            0xE0 => (2, 0xA0, 0xBF),
            0xE1..=0xEC | 0xEE..=0xEF => (2, 0x80, 0xBF),
            0xED => (2, 0x80, 0x9F), // no surrogates
            0xF0 => (3, 0x90, 0xBF),
            0xF1..=0xF3 => (3, 0x80, 0xBF),
            0xF4 => (3, 0x80, 0x8F), // <= U+10FFFF
            _ => {
                self.bad = true;
                return false;
            }
        };
        self.need = need;
        self.lo = lo;
        self.hi = hi;
        true
    }

    /// True when not in the middle of a code point (and nothing invalid seen).
    pub fn is_complete(&self) -> bool {
        !self.bad && self.need == 0
    }

    pub fn reset(&mut self) {
        *self = Self::default();
    }
}

/// One-shot check.
pub fn is_valid(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_splits_agree(input: &[u8]) {
        let expect = std::str::from_utf8(input).is_ok();
        for cut in 0..=input.len() {
            let mut v = Utf8Validator::new();
            let ok = v.feed(&input[..cut]) && v.feed(&input[cut..]) && v.is_complete();
            assert_eq!(ok, expect, "{input:02x?} cut {cut}");
        }
        let mut v = Utf8Validator::new();
        let ok = input.iter().all(|b| v.feed(std::slice::from_ref(b))) && v.is_complete();
        assert_eq!(ok, expect, "{input:02x?} bytewise");
        assert_eq!(is_valid(input), expect);
    }

    #[test]
    fn valid_samples() {
        for s in [
            "",
            "a",
            "κόσμε",
            "Hello-µ@ßöäüàá-UTF-8!!",
            "\u{10FFFF}",
            "\u{FFFF}",
            "\u{D7FF}",
            "\u{E000}",
            "𝄞x",
        ] {
            all_splits_agree(s.as_bytes());
        }
    }

    #[test]
    fn invalid_samples() {
        let cases: &[&[u8]] = &[
            b"\xc0\x80",
            b"\xc1\xbf",
            b"\xe0\x80\x80",
            b"\xe0\x9f\xbf",
            b"\xed\xa0\x80",
            b"\xed\xbf\xbf",
            b"\xf0\x80\x80\x80",
            b"\xf0\x8f\xbf\xbf",
            b"\xf4\x90\x80\x80",
            b"\xf5\x80\x80\x80",
            b"\xff",
            b"\xfe",
            b"\x80",
            b"\xbf",
            b"a\xc2",
            b"\xe2\x82",
            b"\xf0\x9f\x98",
            b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited",
        ];
        for c in cases {
            all_splits_agree(c);
        }
    }

    #[test]
    fn fail_fast() {
        // Autobahn 6.3.2-style: fails at the first impossible byte, not at the end.
        let mut v = Utf8Validator::new();
        assert!(v.feed(b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"));
        assert!(v.feed(b"\xed"));
        assert!(!v.feed(b"\xa0"));
        assert!(!v.feed(b"ok")); // sticky
        let mut v = Utf8Validator::new();
        assert!(!v.feed(b"\xf4\x90"));
        let mut v = Utf8Validator::new();
        assert!(!v.feed(b"\xe0\x80"));
        let mut v = Utf8Validator::new();
        assert!(v.feed(b"\xf0\x90\x80"));
        assert!(!v.is_complete());
        assert!(v.feed(b"\x80"));
        assert!(v.is_complete());
        v.reset();
        assert!(!v.feed(b"\xc0"));
        v.reset();
        assert!(v.feed(b"x") && v.is_complete());
    }

    #[test]
    fn exhaustive_short_sequences() {
        // every 1- and 2-byte input, and 3-byte inputs with a lead >= 0xC0
        for a in 0..=255u8 {
            all_splits_agree(&[a]);
            for b in 0..=255u8 {
                all_splits_agree(&[a, b]);
            }
        }
        for a in 0xE0..=0xF4u8 {
            for b in 0x70..=0xC0u8 {
                for c in [0x00, 0x7f, 0x80, 0xbf, 0xc0] {
                    all_splits_agree(&[a, b, c]);
                    all_splits_agree(&[a, b, c, 0x80]);
                    all_splits_agree(&[a, b, 0x80, c]);
                }
            }
        }
    }

    #[test]
    fn prefix_property_matches_std() {
        // feed() returning true on a prefix must mean some valid completion
        // exists; check against std by trying all completions of length <= 3.
        let mut s: u64 = 0x1234_5678_9abc_def1;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let conts: [&[u8]; 8] = [
            b"",
            b"\x80",
            b"\x80\x80",
            b"\x80\x80\x80",
            b"\x90\x80\x80",
            b"\xa0\x80",
            b"\x90\x80",
            b"\xa0",
        ];
        for _ in 0..20000 {
            let len = (next() % 6) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| 0x70 + (next() % 0x90) as u8).collect();
            let mut v = Utf8Validator::new();
            let ok = v.feed(&bytes);
            let completable = conts.iter().any(|c| {
                let mut t = bytes.clone();
                t.extend_from_slice(c);
                std::str::from_utf8(&t).is_ok()
            });
            assert_eq!(ok, completable, "{bytes:02x?}");
        }
    }
}
