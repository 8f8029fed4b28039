//! HTTP/2 with prior knowledge, differential: `c-tests/http-server.c -2`
//! built against Debian's header runs on Debian's library and on ours;
//! curl's view of each route (status, headers, body) must match, except
//! where we give more than 4.1.6 does on a stream (see README): a
//! `content-length` on served files, `Host` taken from `:authority`, and
//! custom headers readable with lws_hdr_custom_*, and lws_serve_http_file
//! with extra headers (4.1.6 sends curl nothing for it on a stream).

mod common;

use common::{
    compile_c, debian_lib_dir, free_port, have_debian_headers, our_lib_dir, temp_dir, Headers,
    Server,
};
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn fetch(port: u16, path: &str, extra: &[&str]) -> String {
    let out = Command::new("curl")
        .args([
            "-s",
            "--max-time",
            "10",
            "--http2-prior-knowledge",
            "-D",
            "-",
        ])
        .args(extra)
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            // what we add on purpose, and values that carry the port
            !l.starts_with("content-length:")
                && !l.starts_with("etag:")
                && !l.starts_with("host=")
                && !l.starts_with("x-custom=")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn run(bin: &Path, lib: &Path, www: &Path) -> Vec<String> {
    let port = free_port();
    let srv = Server::spawn(
        bin,
        Some(lib),
        &["-p", &port.to_string(), "-w", www.to_str().unwrap(), "-2"],
    );
    srv.wait_for("listening", Duration::from_secs(10));
    let mut v = Vec::new();
    for (path, extra) in [
        ("/static/a.txt", &[][..]),
        ("/static/", &[][..]),
        (
            "/hdr?a=1&b=2",
            &["-H", "x-custom: yes", "-H", "cookie: sid=abc"][..],
        ),
        ("/post", &["--data-binary", "hello h2"][..]),
        // (/file: lws_serve_http_file with extra headers gives curl
        // nothing on Debian's h2; served fine by ours, see tests/h2.rs)
        ("/missing-file", &[][..]),
        ("/redirect", &[][..]),
        ("/status/418", &[][..]),
        ("/nowhere", &[][..]),
    ] {
        v.push(format!("== {path}\n{}", fetch(port, path, extra)));
    }
    v
}

#[test]
fn h2_same_on_both_libraries() {
    let (Some(deb_lib), true) = (debian_lib_dir(), have_debian_headers()) else {
        eprintln!("h2_differential: Debian's libwebsockets-dev is not installed; not run");
        return;
    };
    let root = temp_dir("h2-diff");
    let www = root.join("www");
    fs::create_dir_all(&www).unwrap();
    fs::write(www.join("a.txt"), "hello a\n").unwrap();
    fs::write(www.join("index.html"), "<p>index</p>\n").unwrap();
    let bin = compile_c(
        "http-server-h2-debian",
        &[common::repo().join("c-tests/http-server.c")],
        Headers::Debian,
        &[],
    );
    let debian = run(&bin, &deb_lib, &www);
    let ours = run(&bin, &our_lib_dir(), &www);
    assert!(debian[0].contains("HTTP/2 200"), "{debian:?}");
    pretty_assertions::assert_eq!(debian, ours, "Debian's library (left) vs ours (right)");
}
