//! `c-tests/ws-filter.c`: a server refusing WebSocket upgrades the way
//! janus's transport does. FILTER_PROTOCOL_CONNECTION gets the
//! Sec-WebSocket-Protocol header, NULL when there is none; a non-zero
//! ADD_HEADERS drops the connection without an answer (WebSocket upgrade
//! and a file served from a mount naming the protocol); headers it adds
//! reach the client; a client refusing the response in
//! ESTABLISHED_CLIENT_HTTP gets CLIENT_CONNECTION_ERROR. Clients of the
//! same context drive it. Built against
//! Debian's header and run on Debian's library and on ours, and built
//! against our header; all outputs must be the same.

mod common;

/// The program takes the port to listen on; its mount serves `c-tests/`
/// relative to the working directory, the repository root under cargo.
#[test]
fn upgrade_filters_same_on_both_libraries() {
    common::c_differential("ws-filter", 1, |ours| {
        for want in [
            "srv: filter on default, in NULL\n",
            "srv: add headers, origin http://refused.test: refused\ncli 2: connection error\n",
            "srv: add headers, origin http://refused.test: refused\ncli 4: connection error\n",
            "cli 3: http 101, x-filter ok\n",
            "cli 5: http 200, x-filter ok\ncli 5: http body complete\n",
            "cli 6: http 200, x-filter ok\ncli 6: error 'HS: disallowed at ESTABLISHED'\ncli 6: connection error\n",
        ] {
            assert!(ours.contains(want), "missing {want:?} in:\n{ours}");
        }
        assert!(ours.ends_with("done\n"), "{ours}");
    });
}
