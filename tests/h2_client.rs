//! The HTTP/2 client: `c-tests/h2-client.c`, built against Debian's
//! header, fetches from `c-tests/http-server.c` (also Debian-built) on
//! Debian's library and on ours, with prior knowledge and over TLS.
//!
//! Where Debian's client is deterministic (one request after another)
//! both libraries must print the same trace. Debian's h2 client loses
//! requests now and then when streams run concurrently or over TLS (on
//! either server), so there our client is checked on its own: every
//! request completes, on one connection when pipelined.

mod common;

use common::{
    compile_c_once, debian_lib_dir, free_port, have_debian_headers, our_lib_dir, repo, temp_dir,
    Headers, Server,
};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

const PATHS: [&str; 4] = ["/hdr", "/static/", "POST:/post", "/status/404"];

struct Setup {
    client: PathBuf,
    server: PathBuf,
    deb: PathBuf,
    www: PathBuf,
    big_sum: u32,
    cert: PathBuf,
    key: PathBuf,
}

fn setup() -> Option<&'static Setup> {
    static S: OnceLock<Option<Setup>> = OnceLock::new();
    S.get_or_init(|| {
        let (Some(deb), true) = (debian_lib_dir(), have_debian_headers()) else {
            eprintln!("h2_client: Debian's libwebsockets-dev is not installed; not run");
            return None;
        };
        let dir = temp_dir("h2-client");
        let www = dir.join("www");
        std::fs::create_dir_all(&www).unwrap();
        std::fs::write(www.join("a.txt"), "hello a\n").unwrap();
        std::fs::write(www.join("index.html"), "<p>index</p>\n").unwrap();
        // 1 MiB that is not all one byte, for flow control
        let big: Vec<u8> = (0..1u32 << 20).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(www.join("big.txt"), &big).unwrap();
        let o = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes"])
            .args(["-keyout", "k.pem", "-out", "c.pem", "-days", "30"])
            .args(["-subj", "/CN=localhost"])
            .current_dir(&dir)
            .output()
            .expect("run openssl");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        Some(Setup {
            client: compile_c_once(
                "h2-client-debian",
                &[repo().join("c-tests/h2-client.c")],
                Headers::Debian,
                &[],
            ),
            server: compile_c_once(
                "http-server-h2c-debian",
                &[repo().join("c-tests/http-server.c")],
                Headers::Debian,
                &[],
            ),
            deb,
            big_sum: big
                .iter()
                .fold(0u32, |a, &b| a.wrapping_mul(31).wrapping_add(u32::from(b))),
            cert: dir.join("c.pem"),
            key: dir.join("k.pem"),
            www,
        })
    })
    .as_ref()
}

/// Starts the test server on library `lib`; `extra`: its options.
fn server(s: &Setup, lib: &Path, extra: &[&str]) -> (Server, u16) {
    let port = free_port();
    let p = port.to_string();
    let mut args = vec!["-p", &p, "-w", s.www.to_str().unwrap()];
    args.extend_from_slice(extra);
    let srv = Server::spawn(&s.server, Some(lib), &args);
    srv.wait_for("listening", Duration::from_secs(10));
    (srv, port)
}

fn tls_args(s: &Setup) -> Vec<&str> {
    vec![
        "-c",
        s.cert.to_str().unwrap(),
        "-K",
        s.key.to_str().unwrap(),
    ]
}

/// Runs the client on library `lib`: its trace.
fn client(s: &Setup, lib: &Path, port: u16, opts: &[&str], paths: &[&str]) -> String {
    let out = Command::new("timeout")
        .arg("30")
        .arg(&s.client)
        .args(["-p", &port.to_string()])
        .args(opts)
        .args(paths)
        .env("LD_LIBRARY_PATH", lib)
        .output()
        .expect("run h2-client");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "h2-client {opts:?} on {} failed: {}\n{text}",
        lib.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn count(t: &str, needle: &str) -> usize {
    t.matches(needle).count()
}

#[test]
fn prior_knowledge_traces_match_debian() {
    let Some(s) = setup() else { return };
    let ours = our_lib_dir();
    for (name, lib) in [("Debian's", &s.deb), ("our", &ours)] {
        let (_srv, port) = server(s, lib, &["-2"]);
        let d = client(s, &s.deb, port, &["-k"], &PATHS);
        let o = client(s, &ours, port, &["-k"], &PATHS);
        pretty_assertions::assert_eq!(d, o, "{name} server: Debian's client (left) vs ours");
        assert_eq!(count(&o, "stream=1"), 4, "{o}");
        assert_eq!(count(&o, "COMPLETED"), 4, "{o}");
        assert!(o.contains("status=404"), "{o}");
        // the 1000-byte body arrived: "len=1000" is 24 bytes
        assert!(o.contains("COMPLETED body=24 "), "{o}");
    }
}

#[test]
fn alpn_offer_and_fallback_match_debian() {
    let Some(s) = setup() else { return };
    let ours = our_lib_dir();
    for (name, lib) in [("Debian's", &s.deb), ("our", &ours)] {
        // without an ALPN list 4.1.6 offers none: HTTP/1.1 over TLS
        let (_srv, port) = server(s, lib, &tls_args(s));
        let d = client(s, &s.deb, port, &["-s"], &PATHS);
        let o = client(s, &ours, port, &["-s"], &PATHS);
        pretty_assertions::assert_eq!(d, o, "{name} server, no ALPN: Debian (left) vs ours");
        assert_eq!(count(&o, "stream=0"), 4, "{o}");
        assert_eq!(count(&o, "COMPLETED"), 4, "{o}");
        // a server that only speaks http/1.1: the h2 offer falls back
        let mut a = tls_args(s);
        a.extend(["-a", "http/1.1"]);
        let (_srv, port) = server(s, lib, &a);
        let opts = ["-s", "-a", "h2,http/1.1"];
        let d = client(s, &s.deb, port, &opts, &PATHS);
        let o = client(s, &ours, port, &opts, &PATHS);
        pretty_assertions::assert_eq!(d, o, "{name} server, h1 only: Debian (left) vs ours");
        assert_eq!(count(&o, "stream=0"), 4, "{o}");
    }
}

#[test]
fn alpn_h2_over_tls() {
    let Some(s) = setup() else { return };
    let ours = our_lib_dir();
    for lib in [&s.deb, &ours] {
        let (_srv, port) = server(s, lib, &tls_args(s));
        for alpn in ["h2", "h2,http/1.1"] {
            let o = client(s, &ours, port, &["-s", "-a", alpn], &PATHS);
            assert_eq!(count(&o, "stream=1"), 4, "{o}");
            assert_eq!(count(&o, "COMPLETED"), 4, "{o}");
            assert_eq!(count(&o, "CLOSED"), 4, "{o}");
        }
    }
}

#[test]
fn pipelined_requests_share_one_connection() {
    let Some(s) = setup() else { return };
    let ours = our_lib_dir();
    for lib in [&s.deb, &ours] {
        let (_srv, port) = server(s, lib, &["-2"]);
        // all at once: three queue on the first connection, then join it
        let o = client(s, &ours, port, &["-k", "-m"], &PATHS);
        assert_eq!(count(&o, "COMPLETED"), 4, "{o}");
        assert!(o.contains("one connection=1"), "{o}");
        assert_eq!(count(&o, "status=0"), 0, "{o}");
        // later ones join the connection once it is up; as in 4.1.6 they
        // hear ESTABLISHED_CLIENT_HTTP (no status yet) when they join
        let o = client(s, &ours, port, &["-k", "-m", "-w"], &PATHS);
        assert_eq!(count(&o, "COMPLETED"), 4, "{o}");
        assert!(o.contains("one connection=1"), "{o}");
        assert_eq!(count(&o, "ESTABLISHED status=0 stream=1"), 3, "{o}");
        // and over TLS
        let (_srv, port) = server(s, lib, &tls_args(s));
        let o = client(s, &ours, port, &["-s", "-a", "h2", "-m"], &PATHS);
        assert_eq!(count(&o, "COMPLETED"), 4, "{o}");
        assert!(o.contains("one connection=1"), "{o}");
    }
}

#[test]
fn many_streams_wait_for_the_servers_limit() {
    // the server allows 3 streams at once (http2_settings); 20 requests
    // take turns on one connection
    let Some(s) = setup() else { return };
    for lib in [&s.deb, &our_lib_dir()] {
        let (_srv, port) = server(s, lib, &["-2", "-S", "3"]);
        let paths = vec!["/static/"; 20];
        let o = client(s, &our_lib_dir(), port, &["-k", "-m"], &paths);
        assert_eq!(count(&o, "COMPLETED body=13 "), 20, "{o}");
        assert!(o.contains("one connection=1"), "{o}");
    }
}

#[test]
fn manual_rx_flow_and_long_poll() {
    // LCCSCF_H2_MANUAL_RXFLOW: the stream gets 16384 octets of credit on
    // top of the SETTINGS window and more only as the program reads
    // (lws_h2_update_peer_txcredit); 1 MiB still arrives whole
    let Some(s) = setup() else { return };
    for lib in [&s.deb, &our_lib_dir()] {
        let (_srv, port) = server(s, lib, &["-2"]);
        let o = client(
            s,
            &our_lib_dir(),
            port,
            &["-k", "-r", "16384"],
            &["/static/big.txt"],
        );
        assert!(
            o.contains(&format!("COMPLETED body=1048576 sum={}\n", s.big_sum)),
            "{o}"
        );
        let est: i64 = o
            .lines()
            .find_map(|l| l.trim().strip_prefix("credit estimate at most "))
            .and_then(|v| v.parse().ok())
            .unwrap_or(-1);
        assert!(est > 0 && est <= 65_535 + 16_384, "{o}");
    }
    // a body without a length ends with lws_h2_client_stream_long_poll_rxonly
    // (on our server: Debian's does not answer a request body without a
    // length on a stream)
    let (_srv, port) = server(s, &our_lib_dir(), &["-2"]);
    let o = client(s, &our_lib_dir(), port, &["-k"], &["LP:/post"]);
    assert!(o.contains("WRITEABLE wrote=10 long_poll=0"), "{o}");
    assert!(o.contains("COMPLETED body=22 "), "{o}");
}
