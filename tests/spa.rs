//! Escaping helpers (`c-tests/spa.c`: lws_sql_purify, lws_json_purify,
//! lws_json_purify_len, lws_filename_purify_inplace, lws_urlencode,
//! lws_urldecode): compiled against our header and run on our library, and
//! compiled against Debian's header and run on both libraries; all three
//! outputs must be the same. (The lws_spa_* parser is unit-tested in
//! `src/proto/spa.rs` and `src/capi/spa.rs`: it needs a POST request's wsi
//! to run on Debian's library.)

mod common;

use common::{compile_c, debian_lib_dir, have_debian_headers, our_lib_dir, repo, run_ok, Headers};

#[test]
fn purify_same_on_both_libraries() {
    let src = [repo().join("c-tests/spa.c")];
    let ours_bin = compile_c("spa-ours", &src, Headers::Ours, &[]);
    let ours = run_ok(&ours_bin, &our_lib_dir());
    // a few fixed points, checked on our library alone
    for line in [
        // "it's a 'quoted' string": quotes doubled
        "sql len=200 in=\"697427732061202771756f7465642720737472696e67\" out=6974272773206120272771756f746564272720737472696e6700",
        // "a-b_c.d~e/f?g=h&i#j": only letters and digits are kept
        "urlencode len=200 in=\"612d625f632e647e652f663f673d682669236a\" out=6125324462253546632532456425374565253246662533466725334468253236692532336a00",
        // "../../etc/passwd" -> "__/__/etc/passwd"
        "filename len=0 in=\"2e2e2f2e2e2f6574632f706173737764\" out=5f5f2f5f5f2f6574632f70617373776400",
    ] {
        assert!(ours.contains(line), "missing {line:?} in:\n{ours}");
    }
    assert!(ours.ends_with("done\n"), "{ours}");

    let (Some(deb_lib), true) = (debian_lib_dir(), have_debian_headers()) else {
        eprintln!("spa: Debian's libwebsockets-dev is not installed; differential part not run");
        return;
    };
    let deb_bin = compile_c("spa-debian", &src, Headers::Debian, &[]);
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

/// `c-tests/spa-server.c`: lws_spa_* fed by real POST bodies (urlencoded,
/// multipart, storage limits, file chunks), the same binary on Debian's
/// library and on ours.
#[test]
fn spa_server_same_on_both_libraries() {
    let (Some(deb_lib), true) = (debian_lib_dir(), have_debian_headers()) else {
        eprintln!("spa: Debian's libwebsockets-dev is not installed; not run");
        return;
    };
    let src = [repo().join("c-tests/spa-server.c")];
    let bin = compile_c("spa-server-debian", &src, Headers::Debian, &[]);
    let port = common::free_port().to_string();
    let run = |lib: &std::path::Path| {
        let out = common::run_with_lib(&bin, lib, &[&port]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    };
    let debian = run(&deb_lib);
    assert!(debian.contains("[6] text: len 10"), "{debian}");
    assert!(debian.ends_with("done\n"), "{debian}");
    let ours = run(&our_lib_dir());
    pretty_assertions::assert_eq!(debian, ours, "Debian's library (left) vs ours (right)");
}
