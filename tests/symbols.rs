//! Exported symbols: ours must be a subset of Debian's libwebsockets.so.17
//! (`ffi-tests/symbols.txt`, its 348 names); every exported Rust function
//! must run its body inside `ffi_boundary!`.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{our_cdylib, repo};

const DEBIAN_LIB: &str = "/usr/lib/x86_64-linux-gnu/libwebsockets.so.17";

/// `nm -D --defined-only` names of a shared library.
fn exported(lib: &Path) -> BTreeSet<String> {
    let o = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(lib)
        .output()
        .expect("run nm");
    assert!(o.status.success(), "nm {} failed: {o:?}", lib.display());
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_string))
        .collect()
}

fn debian_names() -> BTreeSet<String> {
    let list =
        fs::read_to_string(repo().join("ffi-tests/symbols.txt")).expect("ffi-tests/symbols.txt");
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn exports_are_a_subset_of_debian() {
    let debian = debian_names();
    assert_eq!(
        debian.len(),
        348,
        "ffi-tests/symbols.txt should list Debian's 348 names"
    );
    if Path::new(DEBIAN_LIB).exists() {
        assert_eq!(
            exported(Path::new(DEBIAN_LIB)),
            debian,
            "ffi-tests/symbols.txt is not Debian's list"
        );
    }
    let ours = exported(&our_cdylib());
    let extra: Vec<_> = ours.difference(&debian).collect();
    let missing = debian.difference(&ours).count();
    println!(
        "exported {}/{} (missing {missing})",
        ours.len() - extra.len(),
        debian.len()
    );
    assert!(
        extra.is_empty(),
        "exported names that Debian's library does not have: {extra:?}"
    );
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).expect("read_dir") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `#[no_mangle]` function in src/capi opens its body with
/// `ffi_boundary!(` (after comments), so no panic reaches C.
#[test]
fn exported_functions_use_ffi_boundary() {
    let mut files = Vec::new();
    rust_files(&repo().join("src/capi"), &mut files);
    let mut bad = Vec::new();
    let mut checked = 0;
    for f in files {
        let text = fs::read_to_string(&f).expect("read source");
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let t = l.trim();
            if t != "#[no_mangle]" && t != "#[unsafe(no_mangle)]" {
                continue;
            }
            // The item: from the next `fn` line to the line with the body's `{`.
            let Some(start) = (i + 1..lines.len()).find(|&j| lines[j].contains("fn ")) else {
                continue;
            };
            if !lines[start].contains("extern \"C\"") {
                continue;
            }
            let name = lines[start]
                .split("fn ")
                .nth(1)
                .unwrap_or("")
                .split(['(', '<'])
                .next()
                .unwrap_or("")
                .trim();
            checked += 1;
            let Some(open) = (start..lines.len()).find(|&j| lines[j].trim_end().ends_with('{'))
            else {
                bad.push(format!("{}:{}: {name}: no body", f.display(), start + 1));
                continue;
            };
            let first = lines[open + 1..]
                .iter()
                .map(|l| l.trim())
                .find(|l| !l.is_empty() && !l.starts_with("//"))
                .unwrap_or("");
            if !first.starts_with("ffi_boundary!(") {
                bad.push(format!("{}:{}: {name}", f.display(), start + 1));
            }
        }
    }
    println!("checked {checked} exported functions");
    assert!(
        bad.is_empty(),
        "exported functions whose body is not wrapped in ffi_boundary!:\n{}",
        bad.join("\n")
    );
}
