//! ABI check: `ffi-tests/abi/abi_layout.c` prints every struct size, field
//! offset, enumerator and constant of libwebsockets.h; built against
//! Debian's headers and against ours, the two outputs must be identical.

mod common;

use common::{
    compile_c, debian_lib_dir, have_debian_headers, our_lib_dir, repo, run_with_lib, Headers,
};

#[test]
fn layout_matches_debian() {
    if !have_debian_headers() || debian_lib_dir().is_none() {
        eprintln!(
            "SKIPPED: Debian's libwebsockets headers/library are not installed \
             (apt-get install libwebsockets-dev)"
        );
        return;
    }
    let src = [repo().join("ffi-tests/abi/abi_layout.c")];
    let facts = |headers, name: &str, lib_dir: std::path::PathBuf| {
        let bin = compile_c(name, &src, headers, &[]);
        let out = run_with_lib(&bin, &lib_dir, &[]);
        assert!(out.status.success(), "{name} failed: {out:?}");
        String::from_utf8(out.stdout).expect("utf-8 output")
    };
    let debian = facts(
        Headers::Debian,
        "abi_layout_debian",
        debian_lib_dir().unwrap(),
    );
    let ours = facts(Headers::Ours, "abi_layout_ours", our_lib_dir());

    let d: Vec<&str> = debian.lines().collect();
    let o: Vec<&str> = ours.lines().collect();
    let mut mismatches = 0;
    for i in 0..d.len().max(o.len()) {
        let (a, b) = (
            d.get(i).copied().unwrap_or("<missing>"),
            o.get(i).copied().unwrap_or("<missing>"),
        );
        if a != b {
            mismatches += 1;
            println!("MISMATCH line {}: debian `{a}` ours `{b}`", i + 1);
        }
    }
    println!("abi: checked {} lines, {mismatches} mismatches", d.len());
    assert!(d.len() > 100, "abi_layout printed too little: {}", d.len());
    assert_eq!(
        mismatches, 0,
        "ABI differs from Debian's (see the lines above)"
    );
}
