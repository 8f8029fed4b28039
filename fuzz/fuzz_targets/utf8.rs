//! The incremental validator agrees with std::str::from_utf8 for any split,
//! and never rejects a prefix of valid UTF-8.
#![no_main]

use libfuzzer_sys::fuzz_target;
use websockets::proto::utf8::{is_valid, Utf8Validator};

fuzz_target!(|data: &[u8]| {
    if data.is_empty() {
        return;
    }
    let input = &data[1..];
    let split = data[0] as usize % (input.len() + 1);
    let std_ok = std::str::from_utf8(input).is_ok();
    assert_eq!(is_valid(input), std_ok);

    let mut v = Utf8Validator::new();
    let first_ok = v.feed(&input[..split]);
    if std_ok {
        assert!(first_ok, "rejected a prefix of valid UTF-8");
    }
    let ok = first_ok && v.feed(&input[split..]) && v.is_complete();
    assert_eq!(ok, std_ok);

    // byte at a time: once rejected, the whole input must be invalid
    let mut v = Utf8Validator::new();
    let mut all_ok = true;
    for b in input {
        if !v.feed(std::slice::from_ref(b)) {
            all_ok = false;
            assert!(!std_ok);
            break;
        }
    }
    assert_eq!(all_ok && v.is_complete(), std_ok);
});
