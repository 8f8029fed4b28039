//! A user-defined extension (`c-tests/user-ext.c`, "x-rot13") through the
//! `struct lws_extension` callback interface: negotiation with an
//! arg-less option, PAYLOAD_TX/RX rewriting the payload, PACKET_TX_PRESEND
//! setting RSV1 (seen with lws_get_reserved_bits), DESTROY. Built against
//! Debian's header and run on Debian's library and on ours, and built
//! against our header; all outputs must be the same.

mod common;

use common::{
    compile_c, debian_lib_dir, free_port, have_debian_headers, our_lib_dir, repo, run_with_lib,
    Headers,
};
use std::path::Path;

fn run(bin: &Path, lib: &Path) -> String {
    let port = free_port().to_string();
    let out = run_with_lib(bin, lib, &[&port]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} on {} failed: {}\n{stdout}",
        bin.display(),
        lib.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn user_extension_same_on_both_libraries() {
    let src = [repo().join("c-tests/user-ext.c")];
    let ours_bin = compile_c("user-ext-ours", &src, Headers::Ours, &[]);
    let ours = run(&ours_bin, &our_lib_dir());
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

    let (Some(deb_lib), true) = (debian_lib_dir(), have_debian_headers()) else {
        eprintln!(
            "user_ext: Debian's libwebsockets-dev is not installed; differential part not run"
        );
        return;
    };
    let deb_bin = compile_c("user-ext-debian", &src, Headers::Debian, &[]);
    let debian = run(&deb_bin, &deb_lib);
    let ours_abi = run(&deb_bin, &our_lib_dir());
    pretty_assertions::assert_eq!(
        debian,
        ours_abi,
        "Debian's library (left) vs ours (right), same binary"
    );
    pretty_assertions::assert_eq!(
        debian,
        ours,
        "built against Debian's header (left) vs ours (right)"
    );
}
