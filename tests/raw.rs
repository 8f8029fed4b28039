//! Raw connections and adopted descriptors (`c-tests/raw.c`): a pipe as a
//! raw file, a socketpair end as a raw socket and as HTTP with a request
//! already read, RAW clients to an ONLY_RAW vhost and to a FALLBACK_TO_RAW
//! HTTP vhost, and UDP sockets (lws_create_adopt_udp). Built against Debian's header and run on Debian's library
//! and on ours, and built against our header; all outputs must be the same.

mod common;

use common::{
    compile_c, debian_lib_dir, free_port, have_debian_headers, our_lib_dir, repo, run_with_lib,
    Headers,
};
use std::path::Path;

fn run(bin: &Path, lib: &Path) -> String {
    let port = free_port().to_string();
    let refused = free_port().to_string();
    let out = run_with_lib(bin, lib, &[&port, &refused]);
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
fn raw_same_on_both_libraries() {
    let src = [repo().join("c-tests/raw.c")];
    let ours_bin = compile_c("raw-ours", &src, Headers::Ours, &[]);
    let ours = run(&ours_bin, &our_lib_dir());
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

    let (Some(deb_lib), true) = (debian_lib_dir(), have_debian_headers()) else {
        eprintln!("raw: Debian's libwebsockets-dev is not installed; differential part not run");
        return;
    };
    let deb_bin = compile_c("raw-debian", &src, Headers::Debian, &[]);
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
