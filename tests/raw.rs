//! Raw connections and adopted descriptors (`c-tests/raw.c`): a pipe as a
//! raw file, a socketpair end as a raw socket and as HTTP with a request
//! already read, RAW clients to an ONLY_RAW vhost and to a FALLBACK_TO_RAW
//! HTTP vhost, and UDP sockets (lws_create_adopt_udp). Built against Debian's header and run on Debian's library
//! and on ours, and built against our header; all outputs must be the same.

mod common;

/// The program takes a port to listen on and one nobody listens on.
#[test]
fn raw_same_on_both_libraries() {
    common::c_differential("raw", 2, |ours| {
        for want in [
            "rawvh: raw rx file 9 'pipe-data'",
            "rawvh: raw close file",
            "peer got 8 'sp-hello'",
            "peer got 3 'bye'\npeer then got 0",
            "peer got status line 'HTTP/1.1 404 Not Found'",
            "rawvh: raw rx client 'client-hello'",
            "httpvh: raw rx server 'client-hello'",
            "udp server 1 client 1, udp record 1 1",
            "rawvh: raw rx server 'udp-hello'",
            "rawvh: raw rx client 'udp-hello'",
        ] {
            assert!(ours.contains(want), "missing {want:?} in:\n{ours}");
        }
        assert!(ours.ends_with("done\n"), "{ours}");
    });
}
