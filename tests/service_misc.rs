//! Context and connection options (`c-tests/service-misc.c`): TCP
//! keepalive on server and client sockets, opaque parent data, network wsi
//! and tx credit; uid/gid dropped after listening (at once, or at the first
//! service with explicit vhosts); event libraries refused. Built against
//! Debian's header; the same binary runs on Debian's library and on ours.

mod common;

use common::{
    compile_c, debian_lib_dir, free_port, have_debian_headers, our_lib_dir, repo, run_with_lib,
    Headers,
};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn ours_bin() -> &'static PathBuf {
    static B: OnceLock<PathBuf> = OnceLock::new();
    B.get_or_init(|| bin(Headers::Ours))
}

fn bin(headers: Headers) -> PathBuf {
    compile_c(
        match headers {
            Headers::Ours => "service-misc-ours",
            _ => "service-misc-debian",
        },
        &[repo().join("c-tests/service-misc.c")],
        headers,
        &[],
    )
}

fn deb_bin() -> Option<&'static (PathBuf, PathBuf)> {
    static B: OnceLock<Option<(PathBuf, PathBuf)>> = OnceLock::new();
    B.get_or_init(|| {
        let lib = debian_lib_dir()?;
        have_debian_headers().then(|| (bin(Headers::Debian), lib))
    })
    .as_ref()
}

fn run(bin: &Path, lib: &Path, args: &[&str]) -> String {
    let out = run_with_lib(bin, lib, args);
    let s = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} {args:?} failed: {}\n{s}",
        bin.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    s
}

/// Runs `args` on both libraries (same Debian-header binary) and returns
/// our output after checking it equals Debian's.
fn same(args: &[&str]) -> String {
    let ours = run(ours_bin(), &our_lib_dir(), args);
    if let Some((b, lib)) = deb_bin() {
        let deb = run(b, lib, args);
        let abi = run(b, &our_lib_dir(), args);
        pretty_assertions::assert_eq!(deb, abi, "Debian (left) vs ours (right): {args:?}");
        pretty_assertions::assert_eq!(deb, ours, "Debian header (left) vs ours: {args:?}");
    } else {
        eprintln!("service_misc: Debian's libwebsockets-dev missing; differential part not run");
    }
    ours
}

#[test]
fn tcp_keepalive_and_wsi_data() {
    let port = free_port().to_string();
    let out = same(&["ka", &port]);
    for who in ["server", "client"] {
        assert!(
            out.contains(&format!("{who}: keepalive 1 idle 37 intvl 7 cnt 4")),
            "{out}"
        );
        assert!(out.contains(&format!("{who}: user timeout 65000")), "{out}");
        assert!(
            out.contains(&format!(
                "{who}: parent data 1 network wsi self 1 tx credit 0"
            )),
            "{out}"
        );
    }
}

#[test]
fn listener_bound_to_device() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("service_misc: not root; SO_BINDTODEVICE not tested");
        return;
    }
    let port = free_port().to_string();
    let out = same(&["ka", &port, "lo"]);
    assert!(
        out.contains("server: keepalive 1 idle 37 intvl 7 cnt 4"),
        "{out}"
    );
}

#[test]
fn privileges_dropped_after_listening() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("service_misc: not root; privilege drop not tested");
        return;
    }
    let out = same(&["priv"]);
    assert!(
        out.contains("created: uid 65534 gid 65534, configured 65534 65534"),
        "{out}"
    );
    let out = same(&["priv-explicit"]);
    assert!(
        out.contains("created: uid 0 gid 0, configured 65534 65534"),
        "{out}"
    );
    assert!(out.contains("serviced: uid 65534 gid 65534"), "{out}");
}

#[test]
fn event_libraries_are_refused() {
    let out = run_with_lib(ours_bin(), &our_lib_dir(), &["evlib"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("libuv context 0"), "{stdout}");
    assert!(
        stderr.contains("libuv event loop is not supported"),
        "{stderr}"
    );
}

#[test]
fn unix_socket_vhost() {
    let dir = common::temp_dir("service-misc-unix");
    let path = dir.join("lws.sock");
    let out = same(&["unix", path.to_str().unwrap()]);
    for want in [
        "unix listening, path exists 1",
        "unix server established",
        "unix client established",
        "unix server got 'ping-u'",
        "path exists after destroy 0",
    ] {
        assert!(out.contains(want), "missing {want:?}:\n{out}");
    }
    let name = format!("@lws-rs-test-{}", std::process::id());
    let out = same(&["unix", &name]);
    assert!(out.contains("unix server got 'ping-u'"), "{out}");
}

#[test]
fn ipv6_listening_unless_disabled() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("service_misc: no IPv6 loopback here; not tested");
        return;
    }
    let port = free_port().to_string();
    let out = same(&["ipv6", &port]);
    assert!(out.contains("plain connect to ::1: accepted"), "{out}");
    assert!(out.contains("unix server got 'ping-u'"), "{out}");
    let port = free_port().to_string();
    let out = same(&["ipv6", &port, "v4"]);
    assert!(out.contains("plain connect to ::1: refused"), "{out}");
}
