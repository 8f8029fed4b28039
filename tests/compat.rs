//! `tools/lws-compat`, the compatibility checker: on a program built
//! against Debian's library it lists the libwebsockets symbols imported and
//! says whether ours exports them all; on the Debian packages that link
//! `libwebsockets.so.17` (downloaded with `apt-get download`, never
//! installed) every import must resolve on our library.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{compile_c_once, debian_lib_dir, have_debian_headers, our_cdylib, repo, Headers};

fn compat(args: &[&Path]) -> Output {
    Command::new(repo().join("tools/lws-compat"))
        .arg("--lib")
        .arg(our_cdylib())
        .arg("-v")
        .args(args)
        .output()
        .expect("run tools/lws-compat")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn debian_available() -> bool {
    if debian_lib_dir().is_some() && have_debian_headers() {
        return true;
    }
    eprintln!("compat: Debian's libwebsockets-dev is not installed; not run");
    false
}

#[test]
fn a_covered_program_is_reported_as_running() {
    if !debian_available() {
        return;
    }
    let bin = compile_c_once(
        "compat-util-debian",
        &[repo().join("c-tests/util.c")],
        Headers::Debian,
        &[],
    );
    let o = compat(&[&bin]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("links libwebsockets.so.17: yes"), "{out}");
    assert!(out.contains("ok      lws_parse_uri"), "{out}");
    assert!(out.contains("ok      lws_interface_to_sa"), "{out}");
    assert!(
        out.contains("verdict: every import resolves on lws-rs"),
        "{out}"
    );
}

/// A program importing a function we do not export is refused by name.
#[test]
fn a_missing_symbol_is_named() {
    if !debian_available() {
        return;
    }
    let dir = common::temp_dir("compat-missing");
    let src = dir.join("uses-close-length.c");
    std::fs::write(
        &src,
        "#include <libwebsockets.h>\n\
         int main(int argc, char **argv) {\n\
         \t(void)argv;\n\
         \tif (argc > 5)\n\
         \t\treturn lws_get_close_length(NULL);\n\
         \treturn lws_get_library_version() ? 0 : 1;\n\
         }\n",
    )
    .unwrap();
    let bin = compile_c_once("compat-missing-debian", &[src], Headers::Debian, &[]);
    let o = compat(&[&bin]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("MISSING lws_get_close_length"), "{out}");
    assert!(out.contains("ok      lws_get_library_version"), "{out}");
    assert!(
        out.contains("verdict: will NOT run on lws-rs (1 missing)"),
        "{out}"
    );
}

/// The Debian packages built against libwebsockets17 import only what we
/// export (the plugins too: janus' transport and event handler, kamailio's
/// lwsc, csound's and ardour's).
#[test]
fn debian_consumers_import_only_what_we_export() {
    if !debian_available() {
        return;
    }
    let dir = common::temp_dir("compat-debs");
    let pkgs = [
        "janus",
        "driftnet",
        "rtpengine-daemon",
        "kamailio-lwsc-modules",
        "csound-plugins",
        "seafile-daemon",
        "swupdate",
        "ardour",
    ];
    let dl = Command::new("apt-get")
        .arg("download")
        .args(pkgs)
        .current_dir(&dir)
        .output();
    let debs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .collect();
    if debs.len() != pkgs.len() {
        eprintln!(
            "compat: apt-get download got {} of {} packages; not run\n{:?}",
            debs.len(),
            pkgs.len(),
            dl.map(|o| text(&o))
        );
        return;
    }
    let args: Vec<&Path> = debs.iter().map(|p| p.as_path()).collect();
    let o = compat(&args);
    let out = text(&o);
    println!("{out}");
    assert!(o.status.success(), "{out}");
    for consumer in [
        "/usr/lib/x86_64-linux-gnu/janus/transports/libjanus_websockets.so",
        "/usr/lib/x86_64-linux-gnu/janus/events/libjanus_wsevh.so",
        "/usr/bin/driftnet",
        "/usr/bin/rtpengine",
        "/usr/lib/x86_64-linux-gnu/kamailio/modules/lwsc.so",
        "libwebsocketIO.so",
        "/usr/bin/seaf-daemon",
        "/usr/bin/swupdate",
        "libardour_websockets.so",
    ] {
        assert!(out.contains(consumer), "{consumer} not checked:\n{out}");
    }
    assert!(!out.contains("MISSING"), "{out}");
}
