//! Client-role differential tests: `ffi-tests/trace-client.c`, compiled
//! once against Debian's headers, runs each scenario on Debian's
//! `libwebsockets.so.17` and on ours against the same server; the callback
//! traces it prints must be identical.
//!
//! * `echo`: examples/echo-server (on our library) echoes a text and a
//!   binary message, then the client closes with 1000 "bye";
//! * `refused`: nothing listens on the port;
//! * `badstatus`: the server answers the upgrade with `404 Not Found`; the
//!   handshake requests are compared too (request line, header names, and
//!   the `X-Trace: 1` header the client adds from APPEND_HANDSHAKE_HEADER).

mod common;

use common::{
    compile_c, debian_lib_dir, free_port, have_debian_headers, our_lib_dir, start_example, Headers,
    Server,
};
use pretty_assertions::assert_eq;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(15);

/// The trace client built on Debian's headers, or `None` (with a message)
/// when Debian's library or headers are missing.
fn trace_client() -> Option<&'static PathBuf> {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN.get_or_init(|| {
        if debian_lib_dir().is_none() || !have_debian_headers() {
            eprintln!(
                "SKIPPED: Debian's libwebsockets.so.17 or libwebsockets-dev is not installed"
            );
            return None;
        }
        Some(compile_c(
            "diff-trace-client",
            &[common::repo().join("ffi-tests/trace-client.c")],
            Headers::Debian,
            &[],
        ))
    })
    .as_ref()
}

/// Runs `trace-client SCENARIO PORT` on the library in `lib_dir`; returns
/// its stdout lines once it has exited by itself.
fn trace(bin: &Path, lib_dir: &Path, scenario: &str, port: u16) -> Vec<String> {
    let mut cl = Server::spawn(bin, Some(lib_dir), &[scenario, &port.to_string()]);
    let (lines, exited) = cl.collect_until_exit(TIMEOUT);
    assert!(
        exited,
        "trace client ({scenario}, {}) did not exit; trace so far:\n{}",
        lib_dir.display(),
        lines.join("\n")
    );
    let st = cl.wait_exit(TIMEOUT).expect("trace client exit status");
    assert!(
        st.success(),
        "trace client ({scenario}, {}) exit status {st:?}; trace:\n{}",
        lib_dir.display(),
        lines.join("\n")
    );
    lines
}

// After the client's CLIENT_WRITEABLE returned -1 (the `close` line),
// Debian's 4.1.6 calls CLIENT_WRITEABLE once more (after
// WS_CLIENT_DROP_PROTOCOL, as it sends the close frame). Writing there
// would put data after the close frame, which we deliberately refuse (as on
// the server side, see tests/differential.rs), so WRITEABLE lines after the
// close are left out on both sides; every other callback must match.
fn after_close_writes(lines: Vec<String>) -> Vec<String> {
    let mut closing = false;
    lines
        .into_iter()
        .filter(|l| {
            let drop = closing && l.starts_with("cb 10 ");
            if l.starts_with("cb 10 ") && l.ends_with(" close") {
                closing = true;
            }
            !drop
        })
        .collect()
}

/// Runs `scenario` against `port` on both libraries and compares.
fn compare(scenario: &str, port: impl Fn() -> u16) {
    let Some(bin) = trace_client() else {
        return;
    };
    let debian = trace(bin, &debian_lib_dir().unwrap(), scenario, port());
    println!("Debian's trace ({scenario}):\n{}", debian.join("\n"));
    let ours = trace(bin, &our_lib_dir(), scenario, port());
    assert!(
        debian.iter().any(|l| l.starts_with("cb ")),
        "empty Debian trace: {debian:?}"
    );
    assert_eq!(
        after_close_writes(debian),
        after_close_writes(ours),
        "callback traces differ (left: Debian's library, right: ours)"
    );
}

#[test]

fn client_trace_echo() {
    if trace_client().is_none() {
        return;
    }
    let (_srv, port) = start_example("echo-server", "echo-server-client-diff");
    compare("echo", || port);
}

#[test]

fn client_trace_refused() {
    // a port that was free a moment ago, fresh for each run
    compare("refused", free_port);
}

/// A one-shot HTTP server on 127.0.0.1 that reads one request head,
/// answers `404 Not Found` and closes; the thread returns the request head.
fn serve_404() -> (u16, JoinHandle<String>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().unwrap().port();
    l.set_nonblocking(true).unwrap();
    let h = std::thread::spawn(move || {
        let deadline = Instant::now() + TIMEOUT;
        let mut s = loop {
            match l.accept() {
                Ok((s, _)) => break s,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    assert!(Instant::now() < deadline, "404 server: no connection");
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => panic!("404 server: accept: {e}"),
            }
        };
        s.set_nonblocking(false).unwrap();
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut req = Vec::new();
        let mut buf = [0u8; 4096];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => req.extend_from_slice(&buf[..n]),
                Err(e) => panic!("404 server: read: {e}"),
            }
        }
        let _ = s.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\
              Content-Length: 10\r\nConnection: close\r\n\r\nnot found\n",
        );
        let _ = s.flush();
        String::from_utf8_lossy(&req).into_owned()
    });
    (port, h)
}

/// Request line and the sorted, lower-cased header names of a request head.
fn request_shape(head: &str) -> (String, Vec<String>) {
    let mut lines = head.split("\r\n").filter(|l| !l.is_empty());
    let request_line = lines.next().unwrap_or("").to_string();
    let mut names: Vec<String> = lines
        .map(|l| {
            l.split(':')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .collect();
    names.sort();
    (request_line, names)
}

#[test]

fn client_trace_badstatus() {
    let Some(bin) = trace_client() else {
        return;
    };
    let run = |lib: &Path| {
        let (port, h) = serve_404();
        let lines = trace(bin, lib, "badstatus", port);
        let head = h.join().expect("404 server thread");
        (lines, head)
    };
    let (debian, debian_req) = run(&debian_lib_dir().unwrap());
    println!("Debian's trace (badstatus):\n{}", debian.join("\n"));
    println!("Debian's request:\n{debian_req}");
    let (ours, ours_req) = run(&our_lib_dir());
    println!("our request:\n{ours_req}");
    assert!(
        debian.iter().any(|l| l.starts_with("cb ")),
        "empty Debian trace: {debian:?}"
    );
    assert_eq!(
        debian, ours,
        "callback traces differ (left: Debian's library, right: ours)"
    );
    for (who, req) in [("Debian", &debian_req), ("ours", &ours_req)] {
        assert!(
            req.contains("\r\nX-Trace: 1\r\n"),
            "{who}: no X-Trace header from APPEND_HANDSHAKE_HEADER:\n{req}"
        );
    }
    assert_eq!(
        request_shape(&debian_req),
        request_shape(&ours_req),
        "handshake requests differ (left: Debian's library, right: ours)"
    );
}
