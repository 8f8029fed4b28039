//! Pure helpers (`c-tests/util.c`: lws_parse_uri, base64, basic auth, retry
//! backoff, random, hex, strings, big-endian): compiled against Debian's
//! header and run on Debian's library and on ours, and compiled against our
//! header and run on ours; all three outputs must be the same. Random values
//! are never printed, only whether they are within their bounds.

mod common;

use common::{compile_c, debian_lib_dir, have_debian_headers, our_lib_dir, repo, run_ok, Headers};

#[test]
fn util_same_on_both_libraries() {
    let src = [repo().join("c-tests/util.c")];
    let ours_bin = compile_c("util-ours", &src, Headers::Ours, &[]);
    let ours = run_ok(&ours_bin, &our_lib_dir());
    assert!(
        ours.contains("uri 'http://example.com/path/to': r=0 prot='http'@0 ads='example.com'@7 port=80 path='path/to'@19"),
        "{ours}"
    );
    assert!(
        ours.contains("enc 9 full r=28 'YW55IGNhcm5hbCBwbGVhc3VyZS4='"),
        "{ours}"
    );
    assert!(!ours.contains("in-bounds=0"), "{ours}");
    assert!(ours.ends_with("done\n"), "{ours}");

    let (Some(deb_lib), true) = (debian_lib_dir(), have_debian_headers()) else {
        eprintln!("util: Debian's libwebsockets-dev is not installed; differential part not run");
        return;
    };
    let deb_bin = compile_c("util-debian", &src, Headers::Debian, &[]);
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
