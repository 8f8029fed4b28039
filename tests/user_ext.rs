//! A user-defined extension (`c-tests/user-ext.c`, "x-rot13") through the
//! `struct lws_extension` callback interface: negotiation with an
//! arg-less option, PAYLOAD_TX/RX rewriting the payload, PACKET_TX_PRESEND
//! setting RSV1 (seen with lws_get_reserved_bits), DESTROY. Built against
//! Debian's header and run on Debian's library and on ours, and built
//! against our header; all outputs must be the same.

mod common;

/// The program takes the port to listen on.
#[test]
fn user_extension_same_on_both_libraries() {
    common::c_differential("user-ext", 1, |ours| {
        for want in [
            "srv: option set index 0 name (null) len 0",
            "cli: option confirm shout 1",
            "srv: payload rx 12 bytes rsv 0x40\nsrv: receive 'Hello, World'",
            "cli: receive 'Hello, World'",
            "srv: destroy after rx 1 tx 1",
        ] {
            assert!(ours.contains(want), "missing {want:?} in:\n{ours}");
        }
        assert!(ours.ends_with("done\n"), "{ours}");
    });
}
