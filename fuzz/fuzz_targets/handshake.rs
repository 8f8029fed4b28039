//! The request parser and upgrade check never panic, agree whether the
//! head arrives whole or split, and only accept keys that decode to 16 bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use websockets::proto::handshake::{accept_key, check_upgrade, parse_request, Parse, Upgrade};

fuzz_target!(|data: &[u8]| {
    let whole = parse_request(data, 64);
    if let Parse::Done(req) = &whole {
        assert!(req.head_len <= data.len());
        // any prefix short of the head is incomplete or already an error
        if let Parse::Done(_) = parse_request(&data[..req.head_len.saturating_sub(1)], 64) {
            panic!("head complete before its end");
        }
        if let Upgrade::Ws(u) = check_upgrade(req) {
            assert_eq!(accept_key(&u.key).len(), 28);
            assert_eq!(req.method, "GET");
        }
    }
});
