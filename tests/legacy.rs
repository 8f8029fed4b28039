//! `include/libwebsockets-legacy.h`: programs written against the original
//! libwebsockets names (1.0 to 1.5) build against our header and run on
//! our library.
//!
//! - `c-tests/legacy-server.c` (built with `-include
//!   libwebsockets-legacy.h`, `-Wall -Wextra -Werror`) is driven by
//!   tungstenite and plain HTTP: protocol name, peer address, chunked
//!   receive with `libwebsockets_remaining_packet_payload`, echo, both
//!   forms of `libwebsocket_callback_on_writable_all_protocol`,
//!   `libwebsocket_close_and_free_session`, `libwebsockets_serve_http_file`
//!   and `libwebsockets_return_http_status`;
//! - `c-tests/legacy-client.c` connects to it with
//!   `libwebsocket_client_connect` and `..._extended` and gets its echoes;
//! - `c-tests/legacy-names.c` uses every mapped name: compiled as C99
//!   (pedantic), GNU C and C++ against our header, and, when Debian's
//!   `libwebsockets-dev` is installed, against Debian's 4.1.6 header and
//!   linked with its library, which proves every name lands on a 4.1.6
//!   function with the right types;
//! - the server and client built against Debian's header run the same
//!   scenarios on Debian's library.

mod common;

use common::{compile_c, free_port, http, our_lib_dir, repo, Headers, Server};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;
use tungstenite::client::IntoClientRequest;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Message, WebSocket};

const TIMEOUT: Duration = Duration::from_secs(10);

type Ws = WebSocket<TcpStream>;

/// Which header the programs are built against, and so which library
/// they run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flavor {
    Ours,
    Debian,
}

/// A directory holding only a copy of our legacy header: with it on the
/// include path, its `#include "libwebsockets.h"` finds Debian's header.
fn legacy_only_include() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = common::temp_dir("legacy-include");
        std::fs::copy(
            repo().join("include/libwebsockets-legacy.h"),
            dir.join("libwebsockets-legacy.h"),
        )
        .expect("copy the legacy header");
        dir
    })
}

fn build(flavor: Flavor, name: &str, source: &str, extra: &[&str]) -> PathBuf {
    let src = vec![repo().join("c-tests").join(source)];
    match flavor {
        Flavor::Ours => compile_c(name, &src, Headers::Ours, extra),
        Flavor::Debian => {
            let inc = legacy_only_include().to_str().unwrap().to_string();
            let mut args = vec!["-I", inc.as_str()];
            args.extend_from_slice(extra);
            compile_c(&format!("{name}-debian"), &src, Headers::Debian, &args)
        }
    }
}

fn server_bin(flavor: Flavor) -> PathBuf {
    static OURS: OnceLock<PathBuf> = OnceLock::new();
    static DEBIAN: OnceLock<PathBuf> = OnceLock::new();
    let cell = if flavor == Flavor::Ours {
        &OURS
    } else {
        &DEBIAN
    };
    // An unmodified 1.x source gets the mapping through -include.
    cell.get_or_init(|| {
        build(
            flavor,
            "legacy-server",
            "legacy-server.c",
            &["-include", "libwebsockets-legacy.h"],
        )
    })
    .clone()
}

fn client_bin(flavor: Flavor) -> PathBuf {
    static OURS: OnceLock<PathBuf> = OnceLock::new();
    static DEBIAN: OnceLock<PathBuf> = OnceLock::new();
    let cell = if flavor == Flavor::Ours {
        &OURS
    } else {
        &DEBIAN
    };
    cell.get_or_init(|| build(flavor, "legacy-client", "legacy-client.c", &[]))
        .clone()
}

fn lib_dir(flavor: Flavor) -> PathBuf {
    match flavor {
        Flavor::Ours => our_lib_dir(),
        Flavor::Debian => common::debian_lib_dir().expect("Debian's library"),
    }
}

fn debian_available() -> bool {
    if common::have_debian_headers() && common::debian_lib_dir().is_some() {
        return true;
    }
    eprintln!("skipped: Debian's libwebsockets-dev is not installed");
    false
}

const FILE_BODY: &str = "legacy file\n";

struct Legacy {
    srv: Server,
    port: u16,
}

fn start(flavor: Flavor) -> Legacy {
    let dir = common::temp_dir("legacy");
    let file = dir.join("index.txt");
    std::fs::write(&file, FILE_BODY).unwrap();
    let port = free_port();
    let ps = port.to_string();
    let srv = Server::spawn(
        &server_bin(flavor),
        Some(&lib_dir(flavor)),
        &[ps.as_str(), file.to_str().unwrap()],
    );
    let l = srv.wait_for("listening", TIMEOUT);
    assert_eq!(l, "listening hostname_ok=1");
    Legacy { srv, port }
}

impl Legacy {
    fn line(&self) -> String {
        self.srv
            .next_line(TIMEOUT)
            .expect("legacy-server: no more event lines")
    }

    /// Lines up to and including the first one starting with `prefix`.
    fn until(&self, prefix: &str) -> Vec<String> {
        let mut v = Vec::new();
        loop {
            let l = self.srv.next_line(TIMEOUT).unwrap_or_else(|| {
                panic!("legacy-server: no line starting with {prefix:?}; got {v:#?}")
            });
            let done = l.starts_with(prefix);
            v.push(l);
            if done {
                return v;
            }
        }
    }
}

/// A WebSocket connection asking for the "legacy-echo" subprotocol.
fn connect(port: u16) -> Ws {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    let mut req = format!("ws://127.0.0.1:{port}/")
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "legacy-echo".parse().unwrap());
    let (ws, resp) = tungstenite::client(req, stream).expect("handshake");
    assert_eq!(resp.status(), 101);
    assert_eq!(
        resp.headers()
            .get("Sec-WebSocket-Protocol")
            .map(|v| v.to_str().unwrap()),
        Some("legacy-echo")
    );
    ws
}

fn read_text(ws: &mut Ws) -> String {
    loop {
        match ws.read().expect("read") {
            Message::Text(t) => return t.as_str().to_string(),
            Message::Ping(_) | Message::Pong(_) => continue,
            m => panic!("expected text, got {m:?}"),
        }
    }
}

/// Closes from our side and waits for the server's "closed n=N".
fn close(l: &Legacy, mut ws: Ws, n: usize) {
    ws.close(None).unwrap();
    loop {
        match ws.read() {
            Ok(_) => continue,
            Err(_) => break,
        }
    }
    l.until(&format!("closed n={n}"));
}

fn established_line(n: usize) -> String {
    format!(
        "established n={n} proto=legacy-echo context_ok=1 peer=127.0.0.1 \
         peer_new=127.0.0.1 fd_ok=1"
    )
}

/// Protocol name, peer address (both argument lists of
/// libwebsockets_get_peer_addresses), the context handed to the
/// six-argument callback, and echo of a message that fits one RECEIVE.
fn scenario_echo(flavor: Flavor) {
    let l = start(flavor);
    let mut ws = connect(l.port);
    assert_eq!(l.line(), established_line(1));

    ws.send(Message::text("hello")).unwrap();
    assert_eq!(read_text(&mut ws), "hello");
    assert_eq!(l.line(), "rx n=1 len=5 remaining=0 final=1");
    assert_eq!(l.line(), "echo n=1 len=5");
    close(&l, ws, 1);
}

/// rx_buffer_size 16: a 40-byte message arrives in chunks whose
/// libwebsockets_remaining_packet_payload counts down to 0 (final only
/// then); the server reassembles and echoes it whole.
fn scenario_chunks(flavor: Flavor) {
    let l = start(flavor);
    let mut ws = connect(l.port);
    assert_eq!(l.line(), established_line(1));

    let msg: String = (0..40).map(|i| (b'a' + (i % 26) as u8) as char).collect();
    ws.send(Message::text(msg.clone())).unwrap();
    assert_eq!(read_text(&mut ws), msg);

    let lines = l.until("echo n=1");
    assert_eq!(lines.last().unwrap(), "echo n=1 len=40");
    let rx = &lines[..lines.len() - 1];
    assert!(rx.len() >= 3, "40 bytes in chunks of at most 16: {rx:#?}");
    let mut got = 0;
    for (i, line) in rx.iter().enumerate() {
        let f: Vec<&str> = line.split(' ').collect();
        assert_eq!(f[0..2], ["rx", "n=1"], "{line}");
        let len: usize = f[2].strip_prefix("len=").unwrap().parse().unwrap();
        let remaining: usize = f[3].strip_prefix("remaining=").unwrap().parse().unwrap();
        let last = i == rx.len() - 1;
        assert!(len > 0 && len <= 16, "{line}");
        got += len;
        assert_eq!(remaining, 40 - got, "{line}");
        assert_eq!(f[4], if last { "final=1" } else { "final=0" }, "{line}");
    }
    assert_eq!(got, 40);
    close(&l, ws, 1);
}

/// libwebsocket_callback_on_writable_all_protocol(protocol), the 1.x form
/// that finds the context itself, and (context, protocol), the 1.6 form:
/// every connection of the protocol gets WRITEABLE and sends the news.
fn scenario_broadcast(flavor: Flavor) {
    let l = start(flavor);
    let mut a = connect(l.port);
    assert_eq!(l.line(), established_line(1));
    let mut b = connect(l.port);
    assert_eq!(l.line(), established_line(2));

    for (seq, (who, cmd)) in [("a", "broadcast"), ("b", "broadcast2")].iter().enumerate() {
        let seq = seq + 1;
        let sender = if *who == "a" { &mut a } else { &mut b };
        sender.send(Message::text(*cmd)).unwrap();
        let expect = format!("broadcast {seq}");
        assert_eq!(read_text(&mut a), expect);
        assert_eq!(read_text(&mut b), expect);

        let mut lines: Vec<String> = (0..4).map(|_| l.line()).collect();
        assert_eq!(lines.remove(1), format!("broadcast seq={seq} form={seq}"));
        lines.sort();
        assert_eq!(
            lines,
            [
                format!("broadcast-sent n=1 seq={seq}"),
                format!("broadcast-sent n=2 seq={seq}"),
                format!("rx n={} len={} remaining=0 final=1", seq, cmd.len()),
            ]
        );
    }
    close(&l, a, 1);
    close(&l, b, 2);
}

/// libwebsocket_close_and_free_session(context, wsi, 1001) from within
/// RECEIVE ends the connection.  It maps onto lws_set_timeout(...,
/// LWS_TO_KILL_ASYNC), which drops the connection without a close frame on
/// 4.1.6 (and on ours); a close frame, if one came, would carry 1001.
fn scenario_close_and_free(flavor: Flavor) {
    let l = start(flavor);
    let mut ws = connect(l.port);
    assert_eq!(l.line(), established_line(1));

    ws.send(Message::text("bye")).unwrap();
    loop {
        match ws.read() {
            Ok(Message::Close(Some(f))) => assert_eq!(f.code, CloseCode::Away),
            Ok(Message::Close(None)) => panic!("close frame without the status"),
            Ok(m) => panic!("unexpected {m:?} before the close"),
            Err(_) => break,
        }
    }
    assert_eq!(l.line(), "rx n=1 len=3 remaining=0 final=1");
    assert_eq!(l.line(), "bye n=1");
    assert_eq!(l.line(), "closed n=1");
}

/// libwebsockets_serve_http_file(context, wsi, file, type, other_headers)
/// and libwebsockets_return_http_status(context, wsi, 404, NULL).
fn scenario_http(flavor: Flavor) {
    let l = start(flavor);
    let r = http::get(l.port, "/");
    assert_eq!(r.code, 200, "{r:?}");
    assert_eq!(r.body_str(), FILE_BODY);
    assert_eq!(r.header("x-legacy"), Some("1"));
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    assert_eq!(l.line(), "http uri=/");

    let r = http::get(l.port, "/nothing-here");
    assert_eq!(r.code, 404, "{r:?}");
    assert_eq!(l.line(), "http uri=/nothing-here");
}

/// legacy-client: libwebsocket_client_connect and ..._extended (with
/// userdata as the user space, and no host) reach the server and get
/// their echoes; libwebsocket_service(context, 0) does not wait.
fn scenario_client(flavor: Flavor) {
    let l = start(flavor);
    let ps = l.port.to_string();
    let out = common::run_with_lib(&client_bin(flavor), &lib_dir(flavor), &[ps.as_str()]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "legacy-client failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[..2],
        ["service0 nowait=1", "random ok=1"],
        "{lines:#?}"
    );
    for want in [
        "established conn=plain context_ok=1 userdata_ok=1",
        "established conn=extended context_ok=1 userdata_ok=1",
        "rx conn=plain: hello from plain",
        "rx conn=extended: hello from extended",
    ] {
        assert!(lines.contains(&want), "no {want:?} in {lines:#?}");
    }
    assert_eq!(lines.last(), Some(&"done"));

    // the server saw two connections from 127.0.0.1 and echoed both
    let mut seen: Vec<String> = Vec::new();
    while seen.iter().filter(|s| s.starts_with("closed")).count() < 2 {
        seen.push(l.line());
    }
    for n in 1..=2 {
        assert!(seen.contains(&established_line(n)), "{seen:#?}");
    }
    // "hello from plain" and "hello from extended", in either order
    let mut lens: Vec<&str> = seen
        .iter()
        .filter(|s| s.starts_with("echo"))
        .map(|s| s.rsplit(' ').next().unwrap())
        .collect();
    lens.sort();
    assert_eq!(lens, ["len=16", "len=19"], "{seen:#?}");
}

#[test]
fn echo_protocol_name_and_peer() {
    scenario_echo(Flavor::Ours);
}

#[test]
fn chunked_receive_and_remaining_payload() {
    scenario_chunks(Flavor::Ours);
}

#[test]
fn writable_all_protocol_both_forms() {
    scenario_broadcast(Flavor::Ours);
}

#[test]
fn close_and_free_session() {
    scenario_close_and_free(Flavor::Ours);
}

#[test]
fn http_file_and_status() {
    scenario_http(Flavor::Ours);
}

#[test]
fn client_connects_and_gets_echo() {
    scenario_client(Flavor::Ours);
}

/// The same programs built against Debian's header, on Debian's library.
#[test]
fn same_scenarios_on_debian() {
    if !debian_available() {
        return;
    }
    scenario_echo(Flavor::Debian);
    scenario_chunks(Flavor::Debian);
    scenario_broadcast(Flavor::Debian);
    scenario_close_and_free(Flavor::Debian);
    scenario_http(Flavor::Debian);
    scenario_client(Flavor::Debian);
}

/// Runs a compiler that only checks `c-tests/legacy-names.c`.
fn syntax_check(compiler: &str, args: &[&str]) {
    let src = repo().join("c-tests/legacy-names.c");
    let o = Command::new(compiler)
        .args(["-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
        .args(args)
        .arg(&src)
        .output()
        .unwrap_or_else(|e| panic!("run {compiler}: {e}"));
    assert!(
        o.status.success(),
        "{compiler} {args:?} legacy-names.c:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn run_names(bin: &Path, lib: &Path) {
    let out = common::run_with_lib(bin, lib, &[]);
    assert!(out.status.success(), "{} failed", bin.display());
    assert!(out.stdout.is_empty());
}

/// Every mapped name, in every argument list it accepts, compiles without
/// a warning against our header (C99 pedantic, GNU C, C++) and links with
/// our library, except the six whose lws functions we do not export yet.
#[test]
fn every_name_compiles_against_ours() {
    let inc = repo().join("include");
    let inc = inc.to_str().unwrap();
    let only = "-DLWS_RS_EXPORTED_ONLY";
    syntax_check("gcc", &["-std=c99", "-Wpedantic", "-I", inc, only]);
    syntax_check("gcc", &["-std=gnu11", "-I", inc, only]);
    syntax_check("g++", &["-std=c++11", "-x", "c++", "-I", inc, only]);
    let bin = compile_c(
        "legacy-names",
        &[repo().join("c-tests/legacy-names.c")],
        Headers::Ours,
        &[only],
    );
    run_names(&bin, &our_lib_dir());
}

/// All of them against Debian's 4.1.6 header, linked with Debian's
/// library: each name maps onto a function 4.1.6 declares and exports.
#[test]
fn every_name_maps_onto_debian_4_1_6() {
    if !debian_available() {
        return;
    }
    let inc = legacy_only_include().to_str().unwrap();
    syntax_check("g++", &["-std=c++11", "-x", "c++", "-I", inc]);
    let bin = build(Flavor::Debian, "legacy-names", "legacy-names.c", &[]);
    run_names(&bin, &lib_dir(Flavor::Debian));
}
