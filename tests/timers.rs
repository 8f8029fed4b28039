//! Lists and timers (`c-tests/timers.c`): lws_dll2_*, lws_sul_* on the
//! context and on program-owned lists, LWS_CALLBACK_TIMER on server and
//! client connections, and retry scheduling of a refused client. Built
//! against Debian's header and run on Debian's library and on ours, and
//! built against our header; all outputs must be the same.

mod common;

/// The program takes a port to listen on and one nobody listens on.
#[test]
fn timers_same_on_both_libraries() {
    common::c_differential("timers", 2, |ours| {
        for want in [
            "fired s2 late=1 detached=1 us=0\nfired s2",
            "fired s5 late=1 detached=1 us=0\nfired s6 late=1 detached=1 us=0\nfired s1",
            "fired s3 late=1 detached=1 us=0\nafter: fired=7 earliest none=1 took>=320ms=1",
            "ripe@60 -> 10",
            "client timer\n",
            "server timer 3\nserver timer asks to close\n",
            "retries exhausted at 4",
        ] {
            assert!(ours.contains(want), "missing {want:?} in:\n{ours}");
        }
        assert!(ours.ends_with("done\n"), "{ours}");
    });
}
