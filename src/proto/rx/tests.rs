//! Unit and property tests of the receive state machine.
use super::*;
use crate::proto::frame::encode_header;

// ---------- helpers ----------

struct Prng(u64);
impl Prng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Encode one frame; mask the payload with `key` if given.
fn frame_bytes(fin: bool, rsv: u8, op: u8, key: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut h = [0u8; 14];
    let n = encode_header(&mut h, fin, rsv, op, key, payload.len() as u64);
    let mut v = h[..n].to_vec();
    let start = v.len();
    v.extend_from_slice(payload);
    if let Some(k) = key {
        apply_mask(&mut v[start..], k, 0);
    }
    v
}

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// Client-to-server frame (masked).
fn c(fin: bool, op: u8, payload: &[u8]) -> Vec<u8> {
    frame_bytes(fin, 0, op, Some(KEY), payload)
}

/// Normalised events: data reassembled per message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Norm {
    Msg { binary: bool, data: Vec<u8> },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<u16>, Vec<u8>),
    Fail(u16),
}

/// Feed `stream` split at `splits` (sorted cut points), checking the
/// per-event invariants, and return the normalised events.
fn run(cfg: RxConfig, stream: &[u8], splits: &[usize]) -> Vec<Norm> {
    let mut rx = Rx::new(cfg);
    let mut out = Vec::new();
    let mut msg: Option<(bool, Vec<u8>)> = None;
    let mut cuts = vec![0];
    cuts.extend(
        splits
            .iter()
            .copied()
            .filter(|&s| s > 0 && s < stream.len()),
    );
    cuts.push(stream.len());
    'segments: for w in cuts.windows(2) {
        let mut seg = stream[w[0]..w[1]].to_vec();
        let mut off = 0;
        loop {
            let (n, ev) = rx.feed(&mut seg[off..]);
            assert!(off + n <= seg.len());
            let base = off;
            off += n;
            match ev {
                None => {
                    assert_eq!(off, seg.len(), "None must mean all consumed");
                    break;
                }
                Some(RxEvent::Data {
                    range,
                    binary,
                    first,
                    frame_fin,
                    frame_remaining,
                    message_end,
                    ..
                }) => {
                    assert!(range.end <= n, "range within consumed");
                    assert_eq!(message_end, frame_fin && frame_remaining == 0);
                    // a chunk ends where the buffer ends or the frame ends
                    assert!(frame_remaining == 0 || base + range.end == seg.len());
                    assert_eq!(first, msg.is_none(), "first flag");
                    let m = msg.get_or_insert_with(|| (binary, Vec::new()));
                    assert_eq!(m.0, binary);
                    m.1.extend_from_slice(&seg[base + range.start..base + range.end]);
                    if message_end {
                        let (binary, data) = msg.take().unwrap();
                        out.push(Norm::Msg { binary, data });
                    }
                }
                Some(RxEvent::Ping(p)) => out.push(Norm::Ping(p)),
                Some(RxEvent::Pong(p)) => out.push(Norm::Pong(p)),
                Some(RxEvent::Close { code, reason }) => out.push(Norm::Close(code, reason)),
                Some(RxEvent::Fail { code, .. }) => {
                    out.push(Norm::Fail(code));
                    // sticky
                    assert!(
                        matches!(rx.feed(&mut [0x81, 0x80]), (0, Some(RxEvent::Fail { code: c, .. })) if c == code)
                    );
                    break 'segments;
                }
            }
        }
    }
    out
}

fn all(cfg: RxConfig, stream: &[u8]) -> Vec<Norm> {
    run(cfg, stream, &[])
}

fn bytewise(cfg: RxConfig, stream: &[u8]) -> Vec<Norm> {
    let cuts: Vec<usize> = (1..stream.len()).collect();
    run(cfg, stream, &cuts)
}

/// Events both all-at-once and byte-at-a-time (asserting they agree).
fn both(cfg: RxConfig, stream: &[u8]) -> Vec<Norm> {
    let a = all(cfg, stream);
    assert_eq!(a, bytewise(cfg, stream));
    a
}

fn fail_code(cfg: RxConfig, stream: &[u8]) -> Option<u16> {
    match both(cfg, stream).last() {
        Some(Norm::Fail(c)) => Some(*c),
        _ => None,
    }
}

fn srv() -> RxConfig {
    RxConfig::server()
}

fn cli() -> RxConfig {
    RxConfig::client()
}

fn msg(binary: bool, d: &[u8]) -> Norm {
    Norm::Msg {
        binary,
        data: d.to_vec(),
    }
}

// ---------- basic delivery ----------

#[test]
fn rfc_examples() {
    // RFC 6455 5.7
    assert_eq!(
        both(cli(), b"\x81\x05\x48\x65\x6c\x6c\x6f"),
        vec![msg(false, b"Hello")]
    );
    assert_eq!(
        both(srv(), b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"),
        vec![msg(false, b"Hello")]
    );
    assert_eq!(
        both(cli(), b"\x01\x03\x48\x65\x6c\x80\x02\x6c\x6f"),
        vec![msg(false, b"Hello")]
    );
    assert_eq!(
        both(cli(), b"\x89\x05\x48\x65\x6c\x6c\x6f"),
        vec![Norm::Ping(b"Hello".to_vec())]
    );
    assert_eq!(
        both(srv(), b"\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"),
        vec![Norm::Pong(b"Hello".to_vec())]
    );
    let mut big = vec![0x82, 0x7E, 0x01, 0x00];
    big.extend(std::iter::repeat_n(7u8, 256));
    assert_eq!(both(cli(), &big), vec![msg(true, &[7; 256])]);
    let mut big = vec![0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0];
    big.extend(std::iter::repeat_n(9u8, 65536));
    assert_eq!(all(cli(), &big), vec![msg(true, &[9; 65536])]);
}

#[test]
fn data_is_unmasked_in_place_without_copy() {
    let mut buf = c(true, OP_BINARY, b"abcdefghijklmnopqrstuvwxyz0123456789");
    let mut rx = Rx::new(srv());
    let (n, ev) = rx.feed(&mut buf);
    assert_eq!(n, buf.len());
    let Some(RxEvent::Data {
        range,
        binary: true,
        first: true,
        frame_fin: true,
        frame_remaining: 0,
        message_end: true,
        rsv: 0,
    }) = ev
    else {
        panic!("{ev:?}")
    };
    assert_eq!(range, 6..buf.len());
    assert_eq!(&buf[range], b"abcdefghijklmnopqrstuvwxyz0123456789");
    assert_eq!(rx.feed(&mut []), (0, None));
}

#[test]
fn chunks_end_at_buffer_end_and_report_remaining() {
    let payload: Vec<u8> = (0..100u8).collect();
    let mut stream = c(true, OP_BINARY, &payload);
    let mut rx = Rx::new(srv());
    let (a, b) = stream.split_at_mut(6 + 30);
    let (n, ev) = rx.feed(a);
    assert_eq!(n, 36);
    let Some(RxEvent::Data {
        range,
        first: true,
        frame_remaining: 70,
        message_end: false,
        frame_fin: true,
        ..
    }) = ev
    else {
        panic!("{ev:?}")
    };
    assert_eq!(&a[range], &payload[..30]);
    let (n, ev) = rx.feed(b);
    assert_eq!(n, 70);
    let Some(RxEvent::Data {
        range,
        first: false,
        frame_remaining: 0,
        message_end: true,
        ..
    }) = ev
    else {
        panic!("{ev:?}")
    };
    assert_eq!(&b[range], &payload[30..]);
}

#[test]
fn partial_header_is_buffered() {
    let stream = c(true, OP_TEXT, b"hi");
    let mut rx = Rx::new(srv());
    for (i, &byte) in stream.iter().enumerate().take(6) {
        let mut b = [byte];
        assert_eq!(rx.feed(&mut b), (1, None), "header byte {i}");
    }
    let mut rest = stream[6..].to_vec();
    let (n, ev) = rx.feed(&mut rest);
    assert_eq!(n, 2);
    assert!(matches!(ev, Some(RxEvent::Data { ref range, .. }) if &rest[range.clone()] == b"hi"));
}

#[test]
fn empty_messages_and_empty_final_fragment() {
    let mut s = c(true, OP_TEXT, b"");
    s.extend(c(true, OP_BINARY, b""));
    s.extend(c(false, OP_TEXT, b"ab"));
    s.extend(c(false, OP_CONT, b""));
    s.extend(c(true, OP_CONT, b""));
    assert_eq!(
        both(srv(), &s),
        vec![msg(false, b""), msg(true, b""), msg(false, b"ab")]
    );
    // exactly one (empty) Data event for an empty message
    let mut buf = c(true, OP_TEXT, b"");
    let mut rx = Rx::new(srv());
    let (n, ev) = rx.feed(&mut buf);
    assert_eq!(n, 6);
    assert!(
        matches!(ev, Some(RxEvent::Data { range, first: true, message_end: true, .. }) if range == (6..6))
    );
    assert_eq!(rx.feed(&mut []), (0, None));
}

#[test]
fn in_message_tracks_fragmentation() {
    let mut rx = Rx::new(srv());
    assert!(!rx.in_message());
    rx.feed(&mut c(false, OP_TEXT, b"a"));
    assert!(rx.in_message());
    assert!(matches!(
        rx.feed(&mut c(true, OP_PING, b"p")).1,
        Some(RxEvent::Ping(_))
    ));
    assert!(rx.in_message());
    rx.feed(&mut c(true, OP_CONT, b"b"));
    assert!(!rx.in_message());
}

#[test]
fn ten_thousand_small_frames_in_one_buffer() {
    let mut s = Vec::new();
    for i in 0..10_000u32 {
        let p = i.to_string();
        s.extend(c(
            true,
            if i % 3 == 0 { OP_BINARY } else { OP_TEXT },
            p.as_bytes(),
        ));
    }
    let mut rx = Rx::new(srv());
    let mut off = 0;
    let mut i = 0u32;
    loop {
        let (n, ev) = rx.feed(&mut s[off..]);
        match ev {
            Some(RxEvent::Data {
                range,
                binary,
                first: true,
                message_end: true,
                ..
            }) => {
                assert_eq!(
                    &s[off + range.start..off + range.end],
                    i.to_string().as_bytes()
                );
                assert_eq!(binary, i % 3 == 0);
                i += 1;
            }
            None => break,
            other => panic!("{other:?}"),
        }
        off += n;
    }
    assert_eq!(i, 10_000);
    assert_eq!(off, s.len());
}

// ---------- the rules ----------

#[test]
fn rule_rsv_bits() {
    for rsv in [0x10, 0x20, 0x40, 0x70] {
        assert_eq!(
            fail_code(srv(), &frame_bytes(true, rsv, OP_TEXT, Some(KEY), b"x")),
            Some(1002)
        );
    }
    // negotiated RSV1 is fine and reported
    let cfg = RxConfig {
        allowed_rsv: 0x40,
        ..srv()
    };
    let mut buf = frame_bytes(true, 0x40, OP_BINARY, Some(KEY), b"z");
    assert!(matches!(
        Rx::new(cfg).feed(&mut buf).1,
        Some(RxEvent::Data { rsv: 0x40, .. })
    ));
    // but not RSV2, and not RSV1 on control frames
    assert_eq!(
        fail_code(cfg, &frame_bytes(true, 0x20, OP_BINARY, Some(KEY), b"z")),
        Some(1002)
    );
    assert_eq!(
        fail_code(cfg, &frame_bytes(true, 0x40, OP_PING, Some(KEY), b"z")),
        Some(1002)
    );
    // compressed text is not UTF-8 checked here (the inflater does it)
    assert_eq!(
        both(cfg, &frame_bytes(true, 0x40, OP_TEXT, Some(KEY), b"\xff")),
        vec![msg(false, b"\xff")]
    );
}

#[test]
fn rule_reserved_opcodes() {
    for op in (3..=7).chain(11..=15) {
        assert_eq!(fail_code(srv(), &c(true, op, b"")), Some(1002), "op {op}");
        assert_eq!(
            fail_code(cli(), &frame_bytes(true, 0, op, None, b"abc")),
            Some(1002),
            "op {op}"
        );
        // fail-fast: the first byte suffices
        let mut rx = Rx::new(srv());
        assert!(matches!(
            rx.feed(&mut [0x80 | op]),
            (1, Some(RxEvent::Fail { code: 1002, .. }))
        ));
    }
}

#[test]
fn rule_control_frames() {
    // too long
    assert_eq!(fail_code(srv(), &c(true, OP_PING, &[0; 126])), Some(1002));
    assert_eq!(fail_code(srv(), &c(true, OP_PONG, &[0; 126])), Some(1002));
    assert_eq!(fail_code(srv(), &c(true, OP_CLOSE, &[3; 200])), Some(1002));
    // 125 is fine
    assert_eq!(
        both(srv(), &c(true, OP_PING, &[1; 125])),
        vec![Norm::Ping(vec![1; 125])]
    );
    // not FIN
    for op in [OP_PING, OP_PONG, OP_CLOSE] {
        assert_eq!(fail_code(srv(), &c(false, op, b"x")), Some(1002));
    }
    // empty ping/pong
    let mut s = c(true, OP_PING, b"");
    s.extend(c(true, OP_PONG, b""));
    assert_eq!(
        both(srv(), &s),
        vec![Norm::Ping(vec![]), Norm::Pong(vec![])]
    );
}

#[test]
fn rule_continuation_without_message() {
    assert_eq!(fail_code(srv(), &c(true, OP_CONT, b"x")), Some(1002));
    assert_eq!(fail_code(srv(), &c(false, OP_CONT, b"x")), Some(1002));
    let mut s = c(true, OP_TEXT, b"done");
    s.extend(c(true, OP_CONT, b"more"));
    assert_eq!(both(srv(), &s), vec![msg(false, b"done"), Norm::Fail(1002)]);
}

#[test]
fn rule_new_message_while_fragmented() {
    for op in [OP_TEXT, OP_BINARY] {
        let mut s = c(false, OP_TEXT, b"a");
        s.extend(c(true, op, b"b"));
        assert_eq!(fail_code(srv(), &s), Some(1002));
    }
}

#[test]
fn rule_masking_by_role() {
    assert_eq!(
        fail_code(srv(), &frame_bytes(true, 0, OP_TEXT, None, b"hi")),
        Some(1002)
    );
    assert_eq!(
        fail_code(cli(), &frame_bytes(true, 0, OP_TEXT, Some(KEY), b"hi")),
        Some(1002)
    );
    assert_eq!(
        fail_code(srv(), &frame_bytes(true, 0, OP_PING, None, b"")),
        Some(1002)
    );
}

#[test]
fn rule_64bit_length_top_bit() {
    let s = [0x82u8, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1];
    assert_eq!(fail_code(cli(), &s), Some(1002));
    let s = [0x82u8, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4];
    assert_eq!(fail_code(srv(), &s), Some(1002));
    // largest legal length is accepted (header only)
    let mut rx = Rx::new(cli());
    assert_eq!(
        rx.feed(&mut [0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
        (10, None)
    );
}

#[test]
fn non_minimal_lengths_are_accepted() {
    // "hi" with a 16-bit and a 64-bit length
    let s = [0x81u8, 0x7E, 0, 2, b'h', b'i'];
    assert_eq!(both(cli(), &s), vec![msg(false, b"hi")]);
    let s = [0x81u8, 0x7F, 0, 0, 0, 0, 0, 0, 0, 2, b'h', b'i'];
    assert_eq!(both(cli(), &s), vec![msg(false, b"hi")]);
}

#[test]
fn rule_invalid_utf8_text() {
    assert_eq!(fail_code(srv(), &c(true, OP_TEXT, b"\xff")), Some(1007));
    assert_eq!(
        fail_code(srv(), &c(true, OP_TEXT, b"a\xed\xa0\x80")),
        Some(1007)
    );
    // binary is not checked
    assert_eq!(
        both(srv(), &c(true, OP_BINARY, b"\xff")),
        vec![msg(true, b"\xff")]
    );
    // validation off
    let cfg = RxConfig {
        validate_utf8: false,
        ..srv()
    };
    assert_eq!(
        both(cfg, &c(true, OP_TEXT, b"\xff")),
        vec![msg(false, b"\xff")]
    );
}

#[test]
fn rule_utf8_fail_fast_across_fragments() {
    // Autobahn 6.4.x: the connection fails on the fragment with the bad byte,
    // before later fragments arrive.
    let mut s = c(false, OP_TEXT, "κόσμε".as_bytes());
    s.extend(c(false, OP_CONT, b"\xf4"));
    let ok_len = s.len();
    s.extend(c(false, OP_CONT, b"\x90"));
    s.extend(c(true, OP_CONT, b"\x80\x80edited"));
    let mut rx = Rx::new(srv());
    let mut off = 0;
    let mut fail_at = None;
    while off < s.len() {
        let (n, ev) = rx.feed(&mut s[off..]);
        off += n;
        if let Some(RxEvent::Fail { code, .. }) = ev {
            fail_at = Some((code, off));
            break;
        }
    }
    let (code, at) = fail_at.unwrap();
    assert_eq!(code, 1007);
    assert!(at > ok_len && at <= ok_len + 7, "failed at {at}");
    // within one frame: fails before the frame ends
    let frame = c(
        true,
        OP_TEXT,
        b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited",
    );
    let mut rx = Rx::new(srv());
    let mut failed_at = None;
    for (i, &byte) in frame.iter().enumerate() {
        if let (_, Some(RxEvent::Fail { code: 1007, .. })) = rx.feed(&mut [byte]) {
            failed_at = Some(i);
            break;
        }
    }
    assert_eq!(failed_at, Some(6 + 12)); // the 0xa0 after 0xed
}

#[test]
fn rule_utf8_incomplete_at_message_end() {
    // ends inside a code point in a single frame
    assert_eq!(
        fail_code(srv(), &c(true, OP_TEXT, b"ab\xe2\x82")),
        Some(1007)
    );
    // incomplete sequence before an empty final fragment
    let mut s = c(false, OP_TEXT, b"ab\xe2\x82");
    s.extend(c(true, OP_CONT, b""));
    assert_eq!(fail_code(srv(), &s), Some(1007));
    // but completing it in the next fragment is fine
    let mut s = c(false, OP_TEXT, b"ab\xe2\x82");
    s.extend(c(true, OP_CONT, b"\xac"));
    assert_eq!(both(srv(), &s), vec![msg(false, "ab€".as_bytes())]);
}

#[test]
fn rule_close_frames() {
    assert_eq!(
        both(srv(), &c(true, OP_CLOSE, b"")),
        vec![Norm::Close(None, vec![])]
    );
    assert_eq!(
        both(srv(), &c(true, OP_CLOSE, b"\x03\xe8")),
        vec![Norm::Close(Some(1000), vec![])]
    );
    assert_eq!(
        both(srv(), &c(true, OP_CLOSE, b"\x0f\xa0bye")),
        vec![Norm::Close(Some(4000), b"bye".to_vec())]
    );
    assert_eq!(fail_code(srv(), &c(true, OP_CLOSE, b"\x03")), Some(1002));
    for code in [
        0u16, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535,
    ] {
        assert_eq!(
            fail_code(srv(), &c(true, OP_CLOSE, &code.to_be_bytes())),
            Some(1002),
            "code {code}"
        );
    }
    for code in [
        1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999,
        4000, 4999,
    ] {
        assert_eq!(
            both(srv(), &c(true, OP_CLOSE, &code.to_be_bytes())),
            vec![Norm::Close(Some(code), vec![])]
        );
    }
    let mut bad = b"\x03\xe8".to_vec();
    bad.extend_from_slice(b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited");
    assert_eq!(fail_code(srv(), &c(true, OP_CLOSE, &bad)), Some(1007));
    let mut long = b"\x03\xe8".to_vec();
    long.extend_from_slice(&[b'r'; 123]);
    assert_eq!(
        both(srv(), &c(true, OP_CLOSE, &long)),
        vec![Norm::Close(Some(1000), vec![b'r'; 123])]
    );
}

#[test]
fn rule_control_interleaved_keeps_state() {
    // "€" split across fragments, with ping, pong interleaved
    let mut s = c(false, OP_TEXT, b"x\xe2");
    s.extend(c(true, OP_PING, b"p1"));
    s.extend(c(false, OP_CONT, b"\x82"));
    s.extend(c(true, OP_PONG, b"\xff\xfe"));
    s.extend(c(true, OP_PING, b""));
    s.extend(c(true, OP_CONT, b"\xacy"));
    assert_eq!(
        both(srv(), &s),
        vec![
            Norm::Ping(b"p1".to_vec()),
            Norm::Pong(vec![0xff, 0xfe]),
            Norm::Ping(vec![]),
            msg(false, "x€y".as_bytes())
        ]
    );
    // a close in the middle of a fragmented message is reported
    let mut s = c(false, OP_BINARY, b"a");
    s.extend(c(true, OP_CLOSE, b"\x03\xe8"));
    assert_eq!(both(srv(), &s), vec![Norm::Close(Some(1000), vec![])]);
}

#[test]
fn rule_too_big() {
    let cfg = RxConfig {
        max_frame_payload: 10,
        ..srv()
    };
    assert_eq!(
        both(cfg, &c(true, OP_BINARY, &[0; 10])),
        vec![msg(true, &[0; 10])]
    );
    assert_eq!(fail_code(cfg, &c(true, OP_BINARY, &[0; 11])), Some(1009));
    // control frames are not data frames
    assert_eq!(
        both(cfg, &c(true, OP_PING, &[0; 100])),
        vec![Norm::Ping(vec![0; 100])]
    );
    // failure happens at the header, before the payload arrives
    let mut rx = Rx::new(cfg);
    let mut hdr = c(true, OP_BINARY, &[0; 1000])[..8].to_vec();
    assert!(matches!(
        rx.feed(&mut hdr),
        (8, Some(RxEvent::Fail { code: 1009, .. }))
    ));

    let cfg = RxConfig {
        max_message: 10,
        ..srv()
    };
    let mut s = c(false, OP_TEXT, b"12345");
    s.extend(c(true, OP_CONT, b"12345"));
    s.extend(c(false, OP_TEXT, b"12345"));
    s.extend(c(true, OP_CONT, b"123456"));
    assert_eq!(
        both(cfg, &s),
        vec![msg(false, b"1234512345"), Norm::Fail(1009)]
    );
}

#[test]
fn fail_is_sticky() {
    let mut rx = Rx::new(srv());
    let mut s = c(true, OP_CONT, b"x");
    let (_, ev) = rx.feed(&mut s);
    assert!(matches!(ev, Some(RxEvent::Fail { code: 1002, .. })));
    for _ in 0..3 {
        assert!(matches!(
            rx.feed(&mut c(true, OP_TEXT, b"ok")),
            (0, Some(RxEvent::Fail { code: 1002, .. }))
        ));
        assert!(matches!(
            rx.feed(&mut []),
            (0, Some(RxEvent::Fail { code: 1002, .. }))
        ));
    }
}

// ---------- property test: random valid streams, random splits ----------

/// A random valid UTF-8 string of about `n` bytes.
fn random_text(r: &mut Prng, n: usize) -> Vec<u8> {
    const CHARS: [char; 10] = ['a', 'Z', '0', ' ', 'é', 'ß', '€', '中', '𝄞', '\u{10FFFF}'];
    let mut s = String::new();
    while s.len() < n {
        s.push(CHARS[r.below(CHARS.len() as u64) as usize]);
    }
    s.into_bytes()
}

fn random_len(r: &mut Prng) -> usize {
    match r.below(100) {
        0..=59 => r.below(20) as usize,
        60..=89 => r.below(300) as usize,
        90..=97 => 100 + r.below(2000) as usize,
        _ => 65530 + r.below(20) as usize,
    }
}

/// A random valid stream and the events it should produce.
fn random_stream(r: &mut Prng, masked: bool) -> (Vec<u8>, Vec<Norm>) {
    let mut s = Vec::new();
    let mut expect = Vec::new();
    let key = |r: &mut Prng| {
        if masked {
            Some((r.next() as u32).to_le_bytes())
        } else {
            None
        }
    };
    let control = |r: &mut Prng, s: &mut Vec<u8>, expect: &mut Vec<Norm>| {
        let len = r.below(126) as usize;
        let p = r.bytes(len);
        let k = key(r);
        if r.chance(50) {
            s.extend(frame_bytes(true, 0, OP_PING, k, &p));
            expect.push(Norm::Ping(p));
        } else {
            s.extend(frame_bytes(true, 0, OP_PONG, k, &p));
            expect.push(Norm::Pong(p));
        }
    };
    for _ in 0..r.below(12) {
        if r.chance(20) {
            control(r, &mut s, &mut expect);
            continue;
        }
        let binary = r.chance(50);
        let len = random_len(r);
        let data = if binary {
            r.bytes(len)
        } else {
            random_text(r, len)
        };
        // cut into fragments at arbitrary byte positions (also mid code point)
        let nfrag = 1 + r.below(4) as usize;
        let mut cuts: Vec<usize> = (0..nfrag - 1)
            .map(|_| r.below(data.len() as u64 + 1) as usize)
            .collect();
        cuts.sort_unstable();
        let mut bounds = vec![0];
        bounds.extend(cuts);
        bounds.push(data.len());
        for (i, w) in bounds.windows(2).enumerate() {
            let op = if i == 0 {
                if binary {
                    OP_BINARY
                } else {
                    OP_TEXT
                }
            } else {
                OP_CONT
            };
            let fin = i == nfrag - 1;
            s.extend(frame_bytes(fin, 0, op, key(r), &data[w[0]..w[1]]));
            if !fin && r.chance(30) {
                control(r, &mut s, &mut expect);
            }
        }
        expect.push(Norm::Msg { binary, data });
    }
    if r.chance(30) {
        let code = [1000u16, 1001, 1011, 3000, 4999][r.below(5) as usize];
        let rlen = r.below(60) as usize;
        let reason = random_text(r, rlen);
        let mut p = code.to_be_bytes().to_vec();
        p.extend_from_slice(&reason);
        s.extend(frame_bytes(true, 0, OP_CLOSE, key(r), &p));
        expect.push(Norm::Close(Some(code), reason));
    }
    (s, expect)
}

#[test]
fn property_any_split_gives_same_events() {
    let mut r = Prng(0x5EED_1234_ABCD_0001);
    for iter in 0..300 {
        let masked = iter % 2 == 0;
        let cfg = if masked { srv() } else { cli() };
        let (stream, expect) = random_stream(&mut r, masked);
        assert_eq!(all(cfg, &stream), expect, "iter {iter} all-at-once");
        // random split points
        let nsplits = r.below(40) as usize;
        let mut splits: Vec<usize> = (0..nsplits)
            .map(|_| r.below(stream.len() as u64 + 1) as usize)
            .collect();
        splits.sort_unstable();
        assert_eq!(
            run(cfg, &stream, &splits),
            expect,
            "iter {iter} splits {splits:?}"
        );
        // byte at a time (keep it quick for the long streams)
        if stream.len() < 200_000 && iter % 3 == 0 {
            assert_eq!(bytewise(cfg, &stream), expect, "iter {iter} bytewise");
        }
    }
}

#[test]
fn property_random_bytes_never_panic_and_agree() {
    // garbage (possibly starting with valid frames): any split gives the same events
    let mut r = Prng(0xBAD_C0DE);
    for iter in 0..2000 {
        let masked = iter % 2 == 0;
        let cfg = RxConfig {
            allowed_rsv: if iter % 5 == 0 { 0x40 } else { 0 },
            max_message: 1000,
            ..if masked { srv() } else { cli() }
        };
        let mut stream = if r.chance(50) {
            random_stream(&mut r, masked).0
        } else {
            Vec::new()
        };
        stream.truncate(4000);
        let n = r.below(64) as usize;
        stream.extend(r.bytes(n));
        let whole = all(cfg, &stream);
        let mut splits: Vec<usize> = (0..r.below(10))
            .map(|_| r.below(stream.len() as u64 + 1) as usize)
            .collect();
        splits.sort_unstable();
        assert_eq!(run(cfg, &stream, &splits), whole, "iter {iter}");
    }
}
