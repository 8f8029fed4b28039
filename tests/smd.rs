//! System message distribution (`c-tests/smd.c`): compiled against our
//! header and run on our library, and compiled against Debian's header and
//! run on both libraries; all three outputs must be the same.

mod common;

use common::{compile_c, debian_lib_dir, have_debian_headers, our_lib_dir, repo, run_ok, Headers};

#[test]
fn smd_same_on_both_libraries() {
    let src = [repo().join("c-tests/smd.c")];
    let ours_bin = compile_c("smd-ours", &src, Headers::Ours, &[]);
    let ours = run_ok(&ours_bin, &our_lib_dir());
    assert!(ours.contains("A class=1 len=5 msg=hello"), "{ours}");
    assert!(
        ours.contains("A class=4 len=13 msg=from-thread 7"),
        "{ours}"
    );
    assert!(ours.ends_with("received=5\n"), "{ours}");

    let (Some(deb_lib), true) = (debian_lib_dir(), have_debian_headers()) else {
        eprintln!("smd: Debian's libwebsockets-dev is not installed; differential part not run");
        return;
    };
    let deb_bin = compile_c("smd-debian", &src, Headers::Debian, &[]);
    let debian = run_ok(&deb_bin, &deb_lib);
    let ours_abi = run_ok(&deb_bin, &our_lib_dir());
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
