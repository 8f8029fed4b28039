//! Arbitrary bytes into the receive state machine, split at an arbitrary
//! point, in both roles: no panic, ranges in bounds, and the split does not
//! change the events (data compared after concatenation).
#![no_main]

use libfuzzer_sys::fuzz_target;
use websockets::proto::rx::{Rx, RxConfig, RxEvent};

#[derive(Debug, PartialEq, Eq)]
enum Ev {
    Data(Vec<u8>, bool),
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    Close(Option<u16>, Vec<u8>),
    Fail(u16),
}

fn run(cfg: RxConfig, input: &[u8], split: usize) -> Vec<Ev> {
    let mut rx = Rx::new(cfg);
    let mut evs: Vec<Ev> = Vec::new();
    let mut msg: Vec<u8> = Vec::new();
    for part in [&input[..split], &input[split..]] {
        let mut buf = part.to_vec();
        let mut off = 0;
        loop {
            let (n, ev) = rx.feed(&mut buf[off..]);
            assert!(off + n <= buf.len(), "consumed past the end");
            let base = off;
            off += n;
            match ev {
                None => {
                    assert_eq!(off, buf.len(), "None before the end of the buffer");
                    break;
                }
                Some(RxEvent::Data { range, binary, frame_fin, frame_remaining, message_end, .. }) => {
                    assert!(range.start <= range.end && range.end <= n, "range out of bounds");
                    assert_eq!(message_end, frame_fin && frame_remaining == 0);
                    assert!(frame_remaining == 0 || base + range.end == buf.len());
                    msg.extend_from_slice(&buf[base + range.start..base + range.end]);
                    if message_end {
                        evs.push(Ev::Data(std::mem::take(&mut msg), binary));
                    }
                }
                Some(RxEvent::Ping(p)) => {
                    assert!(p.len() <= 125);
                    evs.push(Ev::Ping(p))
                }
                Some(RxEvent::Pong(p)) => {
                    assert!(p.len() <= 125);
                    evs.push(Ev::Pong(p))
                }
                Some(RxEvent::Close { code, reason }) => {
                    assert!(reason.len() <= 123);
                    if cfg.validate_utf8 {
                        assert!(std::str::from_utf8(&reason).is_ok());
                    }
                    evs.push(Ev::Close(code, reason))
                }
                Some(RxEvent::Fail { code, .. }) => {
                    assert!(matches!(code, 1002 | 1007 | 1009));
                    evs.push(Ev::Fail(code));
                    assert!(matches!(rx.feed(&mut [0x81, 0x00]), (0, Some(RxEvent::Fail { .. }))));
                    return evs;
                }
            }
        }
    }
    evs
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let split_sel = u16::from_le_bytes([data[0], data[1]]) as usize;
    let flags = data[2];
    let input = &data[3..];
    let split = split_sel % (input.len() + 1);
    for expect_masked in [true, false] {
        let cfg = RxConfig {
            expect_masked,
            max_frame_payload: if flags & 1 != 0 { 64 } else { 0 },
            max_message: if flags & 2 != 0 { 256 } else { 0 },
            validate_utf8: flags & 4 == 0,
            allowed_rsv: if flags & 8 != 0 { 0x40 } else { 0 },
        };
        let whole = run(cfg, input, 0);
        let parts = run(cfg, input, split);
        assert_eq!(whole, parts);
    }
});
