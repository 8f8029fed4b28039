//! C API tests: `c-tests/api-server.c`, built against our header and run on
//! our library, driven by tungstenite (and, for wire-level checks, raw
//! frames). The server prints one line per event; the tests assert on them.
//!
//! `LWS_VALGRIND=1` also runs the server under valgrind (memcheck, leak
//! check) through the same scenarios.

mod common;

use common::{compile_c, free_port, our_lib_dir, Headers, Server};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::{Error, Message, WebSocket};

const TIMEOUT: Duration = Duration::from_secs(10);

fn api_server_bin() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        compile_c(
            "api-server",
            &[common::repo().join("c-tests/api-server.c")],
            Headers::Ours,
            &[],
        )
    })
}

struct Api {
    srv: Server,
    port: u16,
}

fn start(extra: &[&str]) -> Api {
    start_wrapped(&[], extra, TIMEOUT)
}

fn start_wrapped(wrapper: &[&str], extra: &[&str], timeout: Duration) -> Api {
    let port = free_port();
    let ps = port.to_string();
    let mut args = vec![ps.as_str()];
    args.extend_from_slice(extra);
    let srv = Server::spawn_wrapped(wrapper, api_server_bin(), Some(&our_lib_dir()), &args);
    srv.wait_for("listening", timeout);
    Api { srv, port }
}

impl Api {
    /// The next event line; panics on timeout or exit.
    fn line(&self) -> String {
        self.srv
            .next_line(TIMEOUT)
            .expect("api-server: no more event lines")
    }

    /// Lines up to and including the first one starting with `prefix`.
    fn until(&self, prefix: &str) -> Vec<String> {
        let mut v = Vec::new();
        loop {
            let l = self.srv.next_line(TIMEOUT).unwrap_or_else(|| {
                panic!("api-server: no line starting with {prefix:?}; got {v:#?}")
            });
            let done = l.starts_with(prefix);
            v.push(l);
            if done {
                return v;
            }
        }
    }
}

/// Parses `key=value` fields of an event line.
fn field<'a>(line: &'a str, key: &str) -> &'a str {
    line.split(' ')
        .find_map(|kv| kv.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
}

fn num(line: &str, key: &str) -> usize {
    field(line, key)
        .parse()
        .unwrap_or_else(|_| panic!("{key} in {line:?}"))
}

type Ws = WebSocket<TcpStream>;

fn connect(port: u16) -> Ws {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    let (ws, resp) =
        tungstenite::client(format!("ws://127.0.0.1:{port}/"), stream).expect("handshake");
    assert_eq!(resp.status(), 101);
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

fn echo(ws: &mut Ws, text: &str) {
    ws.send(Message::text(text)).unwrap();
    assert_eq!(read_text(ws), text);
}

fn close(mut ws: Ws) {
    ws.close(None).unwrap();
    loop {
        match ws.read() {
            Ok(_) => continue,
            Err(Error::ConnectionClosed) | Err(Error::AlreadyClosed) => return,
            Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => return,
            Err(e) => panic!("closing: {e}"),
        }
    }
}

/// (vi) ESTABLISHED: pss zeroed, peer address, socket fd, protocol name;
/// then an echo and a clean close.
fn check_established(api: &Api) -> Ws {
    let mut ws = connect(api.port);
    let l = api.until("established");
    let l = l.last().unwrap();
    assert_eq!(field(l, "pss_zero"), "1", "{l}");
    assert_eq!(field(l, "peer"), "127.0.0.1", "{l}");
    assert_eq!(field(l, "fd_ok"), "1", "{l}");
    assert_eq!(field(l, "proto"), "api", "{l}");
    echo(&mut ws, "hello");
    ws
}

/// (v) a 10,000-byte message with rx_buffer_size 1024 arrives in 10
/// RECEIVE calls of at most 1024 bytes; first/final/remaining are right.
fn check_chunking(api: &Api, ws: &mut Ws) {
    let payload: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
    ws.send(Message::binary(payload)).unwrap();
    assert_eq!(read_text(ws), "rx-done bytes=10000 chunks=10");
    let mut lines = Vec::new();
    while lines.len() < 10 {
        let l = api.line();
        if l.starts_with("receive") && field(&l, "binary") == "1" {
            lines.push(l);
        }
    }
    let mut total = 0;
    for (i, l) in lines.iter().enumerate() {
        let len = num(l, "len");
        assert!(len <= 1024 && len > 0, "chunk {i}: {l}");
        total += len;
        assert_eq!(num(l, "first"), (i == 0) as usize, "chunk {i}: {l}");
        assert_eq!(num(l, "final"), (i == 9) as usize, "chunk {i}: {l}");
        assert_eq!(num(l, "remaining"), 10_000 - total, "chunk {i}: {l}");
    }
    assert_eq!(total, 10_000);
}

/// (ii) rx flow control off from RECEIVE, back on 200 ms later from
/// EVENT_WAIT_CANCELLED raised by lws_cancel_service() in a thread; the
/// message sent right after "flow-off" is held back until then.
fn check_flow_control(api: &Api, ws: &mut Ws) {
    let t = Instant::now();
    ws.send(Message::text("flow-off")).unwrap();
    ws.send(Message::text("after-flow")).unwrap();
    assert_eq!(read_text(ws), "flow-off");
    assert_eq!(read_text(ws), "after-flow");
    let elapsed = t.elapsed();
    assert!(
        elapsed >= Duration::from_millis(150),
        "after-flow echoed after {elapsed:?}"
    );
    let lines = api.until("flow-on");
    let off = lines
        .iter()
        .position(|l| l.starts_with("flow-off"))
        .expect("flow-off line");
    assert_eq!(field(&lines[off], "rc"), "0");
    assert_eq!(field(lines.last().unwrap(), "rc"), "0");
    assert!(
        !lines[off..]
            .iter()
            .any(|l| l.starts_with("receive") && num(l, "len") == 10),
        "after-flow was received while rx flow control was off: {lines:#?}"
    );
    let l = api.line();
    assert!(
        l.starts_with("receive") && num(&l, "len") == 10,
        "expected after-flow's RECEIVE, got {l}"
    );
}

/// (c) lws_cancel_service() from another thread -> EVENT_WAIT_CANCELLED.
fn check_cancel(api: &Api, ws: &mut Ws) {
    echo(ws, "cancel");
    api.until("cancel-requested");
    api.until("cancelled");
}

/// (iv) "frag:N": one message written as N frames with LWS_WRITE_NO_FIN;
/// tungstenite reassembles it.
fn check_frag(ws: &mut Ws) {
    ws.send(Message::text("frag:4")).unwrap();
    assert_eq!(read_text(ws), "part0,part1,part2,part3,");
}

/// (iii) lws_close_reason(4001, "custom") + return -1 -> close 4001 "custom".
fn check_close_reason(api: &Api, mut ws: Ws) {
    ws.send(Message::text("close-me")).unwrap();
    let mut got = None;
    loop {
        match ws.read() {
            Ok(Message::Close(f)) => got = f,
            Ok(m) => panic!("unexpected {m:?} before the close"),
            Err(Error::ConnectionClosed) | Err(Error::AlreadyClosed) => break,
            Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("reading the close: {e}"),
        }
    }
    let f = got.expect("a close frame");
    assert_eq!(f.code, CloseCode::from(4001));
    assert_eq!(f.reason.as_str(), "custom");
    api.until("close-me");
    api.until("closed");
}

#[test]
fn api_established_info() {
    let api = start(&[]);
    let ws = check_established(&api);
    close(ws);
    api.until("closed");
}

#[test]
fn api_rx_chunking() {
    let api = start(&[]);
    let mut ws = check_established(&api);
    check_chunking(&api, &mut ws);
    close(ws);
}

#[test]
fn api_rx_flow_control_via_cancel_service() {
    let api = start(&[]);
    let mut ws = check_established(&api);
    // a second connection keeps working while the first is paused
    let mut other = connect(api.port);
    check_flow_control(&api, &mut ws);
    echo(&mut other, "other");
    echo(&mut ws, "resumed");
    close(other);
    close(ws);
}

#[test]
fn api_cancel_service_from_thread() {
    let api = start(&[]);
    let mut ws = check_established(&api);
    check_cancel(&api, &mut ws);
    // and again: the pipe is drained and re-armed
    check_cancel(&api, &mut ws);
    close(ws);
}

#[test]
fn api_close_reason() {
    let api = start(&[]);
    let ws = check_established(&api);
    check_close_reason(&api, ws);
}

#[test]
fn api_fragmented_write() {
    let api = start(&[]);
    let mut ws = check_established(&api);
    check_frag(&mut ws);
    close(ws);
}

/// The frames of "frag:3" on the wire: TEXT !FIN, CONT !FIN, CONT FIN.
#[test]
fn api_fragmented_write_wire() {
    let api = start(&["-q"]);
    let mut s = TcpStream::connect(("127.0.0.1", api.port)).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s.write_all(
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    )
    .unwrap();
    let mut head = Vec::new();
    let mut b = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(s.read(&mut b).unwrap(), 1, "EOF in the handshake");
        head.push(b[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    // masked text "frag:3" (mask 0)
    let mut f = vec![0x81, 0x80 | 6, 0, 0, 0, 0];
    f.extend_from_slice(b"frag:3");
    s.write_all(&f).unwrap();
    let want: [(u8, &[u8]); 3] = [(0x01, b"part0,"), (0x00, b"part1,"), (0x80, b"part2,")];
    for (i, (b0, payload)) in want.iter().enumerate() {
        let mut h = [0u8; 2];
        s.read_exact(&mut h).unwrap();
        assert_eq!(h[0], *b0, "frame {i} first byte");
        assert_eq!(h[1] as usize, payload.len(), "frame {i} length (unmasked)");
        let mut p = vec![0u8; payload.len()];
        s.read_exact(&mut p).unwrap();
        assert_eq!(&p, payload, "frame {i}");
    }
}

/// (b) 200 concurrent clients each echo 10 messages.
#[test]
fn api_many_connections() {
    let api = start(&["-q"]);
    many_clients(api.port, 200, 10);
    let established = (0..200).map(|_| api.until("established")).count();
    assert_eq!(established, 200);
}

fn many_clients(port: u16, clients: usize, messages: usize) {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(clients));
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let barrier = barrier.clone();
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    let mut ws = connect(port);
                    barrier.wait(); // all connected at once
                    for m in 0..messages {
                        echo(&mut ws, &format!("client {c} message {m}"));
                    }
                    close(ws);
                })
                .unwrap()
        })
        .collect();
    for t in threads {
        t.join().expect("client thread");
    }
}

/// Everything above once under valgrind; then SIGTERM and a leak report.
#[test]
fn api_under_valgrind() {
    if std::env::var_os("LWS_VALGRIND").is_none_or(|v| v != "1") {
        eprintln!("skipped: set LWS_VALGRIND=1 to run api-server under valgrind");
        return;
    }
    let log = common::profile_dir().join(format!("api-server-valgrind.{}.log", std::process::id()));
    let log_arg = format!("--log-file={}", log.display());
    let mut api = start_wrapped(
        &[
            "valgrind",
            "--leak-check=full",
            "--error-exitcode=99",
            "--errors-for-leak-kinds=definite,indirect",
            &log_arg,
        ],
        &[],
        Duration::from_secs(60),
    );
    let mut ws = check_established(&api);
    check_chunking(&api, &mut ws);
    check_flow_control(&api, &mut ws);
    check_cancel(&api, &mut ws);
    check_frag(&mut ws);
    check_close_reason(&api, ws);
    many_clients(api.port, 20, 10);
    let pid = api.srv.child.0.id();
    let st = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let st = api
        .srv
        .wait_exit(Duration::from_secs(60))
        .expect("api-server did not exit on SIGTERM");
    let report = std::fs::read_to_string(&log).unwrap_or_default();
    eprintln!("{report}");
    assert_eq!(
        st.code(),
        Some(0),
        "valgrind found errors or leaks (exit {st:?}); log {}",
        log.display()
    );
}
