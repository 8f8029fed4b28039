//! Lists and timers (`c-tests/timers.c`): lws_dll2_*, lws_sul_* on the
//! context and on program-owned lists, LWS_CALLBACK_TIMER on server and
//! client connections, and retry scheduling of a refused client. Built
//! against Debian's header and run on Debian's library and on ours, and
//! built against our header; all outputs must be the same.

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
fn timers_same_on_both_libraries() {
    let src = [repo().join("c-tests/timers.c")];
    let ours_bin = compile_c("timers-ours", &src, Headers::Ours, &[]);
    let ours = run(&ours_bin, &our_lib_dir());
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

    let (Some(deb_lib), true) = (debian_lib_dir(), have_debian_headers()) else {
        eprintln!("timers: Debian's libwebsockets-dev is not installed; differential part not run");
        return;
    };
    let deb_bin = compile_c("timers-debian", &src, Headers::Debian, &[]);
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
