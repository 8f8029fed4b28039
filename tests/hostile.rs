//! Hostile and edge-case clients against `examples/echo-server.c` built on
//! our header and run on our library: every case asserts the exact answer
//! RFC 6455 / DESIGN.md §5 require, then checks that a fresh, well-behaved
//! client still gets its echo (one bad peer never hurts the others).
//!
//! Everything is raw `std::net::TcpStream` so that we can send what no
//! WebSocket library would.

mod common;

use common::{compile_c, free_port, our_lib_dir, Headers, Server};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);
const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

const OP_CONT: u8 = 0;
const OP_TEXT: u8 = 1;
const OP_BINARY: u8 = 2;
const OP_CLOSE: u8 = 8;
const OP_PING: u8 = 9;
const OP_PONG: u8 = 10;

fn echo_server_bin() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        compile_c(
            "hostile-echo-server",
            &[common::repo().join("examples/echo-server.c")],
            Headers::Ours,
            &[],
        )
    })
}

/// An echo server on a free port; dropped = killed.
struct Echo {
    _srv: Server,
    port: u16,
}

fn start() -> Echo {
    start_args(&[])
}

fn start_args(extra: &[&str]) -> Echo {
    let port = free_port();
    let ps = port.to_string();
    let mut args = vec!["-p", ps.as_str()];
    args.extend_from_slice(extra);
    let lib = our_lib_dir();
    let srv = Server::spawn(echo_server_bin(), Some(&lib), &args);
    srv.wait_for(&format!("listening on http://127.0.0.1:{port}/"), TIMEOUT);
    Echo { _srv: srv, port }
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s.set_write_timeout(Some(TIMEOUT)).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

// ---------------------------------------------------------------- HTTP

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one HTTP response head, byte by byte so nothing after it is eaten.
fn read_head(s: &mut TcpStream) -> Response {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(0) => panic!(
                "EOF before the end of the HTTP response head; got {:?}",
                String::from_utf8_lossy(&head)
            ),
            Ok(_) => head.push(b[0]),
            Err(e) => panic!(
                "reading HTTP response head: {e}; got {:?}",
                String::from_utf8_lossy(&head)
            ),
        }
        assert!(head.len() < 65536, "response head too long");
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or("");
    assert!(
        version.starts_with("HTTP/1."),
        "bad status line {status_line:?}"
    );
    let status = parts
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Response { status, headers }
}

/// Sends a raw request and reads the response head.
fn http(port: u16, request: &str) -> (TcpStream, Response) {
    let mut s = connect(port);
    s.write_all(request.as_bytes()).expect("write request");
    let r = read_head(&mut s);
    (s, r)
}

/// Reads (and discards) until EOF; panics if the peer keeps the connection
/// open past the timeout. A reset counts as closed.
fn expect_eof(s: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return,
            Err(e) => panic!("expected the server to close the connection: {e}"),
        }
    }
}

fn upgrade_request(method: &str, version: &str, extra: &str) -> String {
    format!(
        "{method} / {version}\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\n{extra}\r\n"
    )
}

/// Handshakes on `s`; asserts 101 with the right accept token.
fn do_upgrade(s: &mut TcpStream) {
    let req = upgrade_request(
        "GET",
        "HTTP/1.1",
        &format!("Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n"),
    );
    s.write_all(req.as_bytes()).expect("write upgrade");
    let r = read_head(s);
    assert_eq!(r.status, 101, "upgrade status; headers {:?}", r.headers);
    assert_eq!(r.header("Sec-WebSocket-Accept"), Some(ACCEPT));
}

fn ws(port: u16) -> TcpStream {
    let mut s = connect(port);
    do_upgrade(&mut s);
    s
}

// ---------------------------------------------------------------- frames

const MASK: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

/// Encodes one frame; `rsv` is the 3 RSV bits (0..=7).
fn frame(fin: bool, rsv: u8, opcode: u8, mask: bool, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(payload.len() + 14);
    f.push((fin as u8) << 7 | (rsv & 7) << 4 | (opcode & 0xf));
    let m = (mask as u8) << 7;
    let len = payload.len();
    if len < 126 {
        f.push(m | len as u8);
    } else if len < 65536 {
        f.push(m | 126);
        f.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        f.push(m | 127);
        f.extend_from_slice(&(len as u64).to_be_bytes());
    }
    if mask {
        f.extend_from_slice(&MASK);
        f.extend(payload.iter().enumerate().map(|(i, b)| b ^ MASK[i & 3]));
    } else {
        f.extend_from_slice(payload);
    }
    f
}

fn send_frame(s: &mut TcpStream, fin: bool, rsv: u8, opcode: u8, mask: bool, payload: &[u8]) {
    s.write_all(&frame(fin, rsv, opcode, mask, payload))
        .expect("write frame");
}

fn send_text(s: &mut TcpStream, text: &str) {
    send_frame(s, true, 0, OP_TEXT, true, text.as_bytes());
}

fn close_payload(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut p = code.to_be_bytes().to_vec();
    p.extend_from_slice(reason);
    p
}

/// Reads one frame: (fin, opcode, payload). Server frames must be unmasked
/// with RSV 0.
fn read_frame(s: &mut TcpStream) -> (bool, u8, Vec<u8>) {
    try_read_frame(s).unwrap_or_else(|e| panic!("reading a frame: {e}"))
}

fn try_read_frame(s: &mut TcpStream) -> std::io::Result<(bool, u8, Vec<u8>)> {
    let mut h = [0u8; 2];
    s.read_exact(&mut h)?;
    assert_eq!(h[0] & 0x70, 0, "server frame with RSV bits set");
    assert_eq!(h[1] & 0x80, 0, "server frame is masked");
    let len = match h[1] & 0x7f {
        126 => {
            let mut b = [0u8; 2];
            s.read_exact(&mut b)?;
            u16::from_be_bytes(b) as usize
        }
        127 => {
            let mut b = [0u8; 8];
            s.read_exact(&mut b)?;
            u64::from_be_bytes(b) as usize
        }
        n => n as usize,
    };
    let mut p = vec![0u8; len];
    s.read_exact(&mut p)?;
    Ok((h[0] & 0x80 != 0, h[0] & 0xf, p))
}

/// Reads one whole data message (reassembling fragments): (opcode, payload).
/// Control frames in between are not expected and fail the test.
fn read_message(s: &mut TcpStream) -> (u8, Vec<u8>) {
    let (mut fin, opcode, mut data) = read_frame(s);
    assert!(
        opcode == OP_TEXT || opcode == OP_BINARY,
        "expected a data frame, got opcode {opcode}"
    );
    while !fin {
        let (f, op, p) = read_frame(s);
        assert_eq!(op, OP_CONT, "expected a continuation frame");
        data.extend_from_slice(&p);
        fin = f;
    }
    (opcode, data)
}

/// The next frame must be a close with `code`; returns its reason.
fn expect_close(s: &mut TcpStream, code: u16) -> Vec<u8> {
    expect_close_inner(s, code, false)
}

/// Like [`expect_close`], but first skips data frames: the echo server
/// echoes each piece of a message as it arrives, so the valid prefix of a
/// message that turns out bad is echoed before the close.
fn expect_close_after_echo(s: &mut TcpStream, code: u16) -> Vec<u8> {
    expect_close_inner(s, code, true)
}

fn expect_close_inner(s: &mut TcpStream, code: u16, skip_data: bool) -> Vec<u8> {
    let (fin, opcode, p) = loop {
        match try_read_frame(s) {
            Ok((_, OP_TEXT | OP_CONT, _)) if skip_data => continue,
            Ok(f) => break f,
            Err(e) => panic!("expected close {code}, but the connection ended without one: {e}"),
        }
    };
    assert!(fin);
    assert_eq!(
        opcode,
        OP_CLOSE,
        "expected close {code}, got opcode {opcode} payload {:?}",
        String::from_utf8_lossy(&p)
    );
    assert!(
        p.len() >= 2,
        "expected close {code}, got close with payload {p:?}"
    );
    let got = u16::from_be_bytes([p[0], p[1]]);
    assert_eq!(
        got,
        code,
        "close code (reason {:?})",
        String::from_utf8_lossy(&p[2..])
    );
    assert!(p.len() <= 125);
    assert!(
        std::str::from_utf8(&p[2..]).is_ok(),
        "close reason is not UTF-8"
    );
    p[2..].to_vec()
}

/// A fresh client still gets an echo and a clean close.
fn assert_alive(port: u16) {
    let mut s = ws(port);
    send_text(&mut s, "still alive?");
    assert_eq!(read_message(&mut s), (OP_TEXT, b"still alive?".to_vec()));
    send_frame(&mut s, true, 0, OP_CLOSE, true, &close_payload(1000, b""));
    expect_close(&mut s, 1000);
}

/// Opens a WebSocket, sends `bytes`, expects close `code`, then checks
/// that the server still serves others.
fn hostile_ws(e: &Echo, bytes: &[u8], code: u16) {
    let mut s = ws(e.port);
    s.write_all(bytes).expect("write");
    expect_close(&mut s, code);
    drop(s);
    assert_alive(e.port);
}

/// [`hostile_ws`] for a bad text message whose valid start may be echoed
/// before the close.
fn hostile_ws_text(e: &Echo, bytes: &[u8], code: u16) {
    let mut s = ws(e.port);
    s.write_all(bytes).expect("write");
    expect_close_after_echo(&mut s, code);
    drop(s);
    assert_alive(e.port);
}

/// Sends a raw HTTP request and expects `status`; then checks the server
/// still serves others.
fn hostile_http(e: &Echo, request: &str, status: u16) -> Response {
    let (_s, r) = http(e.port, request);
    assert_eq!(
        r.status, status,
        "request {request:?}, headers {:?}",
        r.headers
    );
    assert_alive(e.port);
    r
}

// ---------------------------------------------------------------- tests

#[test]
fn well_behaved_echo() {
    let e = start();
    assert_alive(e.port);
}

#[test]
fn unmasked_client_frame_is_1002() {
    let e = start();
    hostile_ws(&e, &frame(true, 0, OP_TEXT, false, b"hello"), 1002);
}

#[test]
fn invalid_key_is_400() {
    let e = start();
    for key in [
        "not-base64!!",
        "aGVsbG8=",
        "dGhlIHNhbXBsZSBub25jZQ==AAAA",
        "",
    ] {
        let req = upgrade_request(
            "GET",
            "HTTP/1.1",
            &format!("Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"),
        );
        hostile_http(&e, &req, 400);
    }
}

#[test]
fn missing_key_is_400() {
    let e = start();
    let req = upgrade_request("GET", "HTTP/1.1", "Sec-WebSocket-Version: 13\r\n");
    hostile_http(&e, &req, 400);
}

#[test]
fn version_8_is_426() {
    let e = start();
    let req = upgrade_request(
        "GET",
        "HTTP/1.1",
        &format!("Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 8\r\n"),
    );
    let r = hostile_http(&e, &req, 426);
    assert_eq!(
        r.header("Sec-WebSocket-Version"),
        Some("13"),
        "headers {:?}",
        r.headers
    );
}

#[test]
fn post_upgrade_is_400() {
    let e = start();
    let req = upgrade_request(
        "POST",
        "HTTP/1.1",
        &format!("Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n"),
    );
    hostile_http(&e, &req, 400);
}

#[test]
fn http10_upgrade_is_400() {
    let e = start();
    let req = upgrade_request(
        "GET",
        "HTTP/1.0",
        &format!("Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n"),
    );
    hostile_http(&e, &req, 400);
}

#[test]
fn reserved_opcodes_are_1002() {
    let e = start();
    for op in [3u8, 11] {
        hostile_ws(&e, &frame(true, 0, op, true, b"x"), 1002);
    }
}

#[test]
fn rsv_bits_are_1002() {
    let e = start();
    for rsv in [1u8, 2, 4, 7] {
        hostile_ws(&e, &frame(true, rsv, OP_TEXT, true, b"hello"), 1002);
    }
}

#[test]
fn ping_126_bytes_is_1002() {
    let e = start();
    hostile_ws(&e, &frame(true, 0, OP_PING, true, &[b'p'; 126]), 1002);
}

#[test]
fn fragmented_ping_is_1002() {
    let e = start();
    hostile_ws(&e, &frame(false, 0, OP_PING, true, b"ping"), 1002);
}

#[test]
fn orphan_continuation_is_1002() {
    let e = start();
    hostile_ws(&e, &frame(true, 0, OP_CONT, true, b"orphan"), 1002);
}

#[test]
fn length_top_bit_is_1002() {
    let e = start();
    let mut f = vec![0x82, 0x80 | 127];
    f.extend_from_slice(&(1u64 << 63).to_be_bytes());
    f.extend_from_slice(&MASK);
    hostile_ws(&e, &f, 1002);
}

#[test]
fn invalid_utf8_text_is_1007() {
    let e = start();
    hostile_ws(
        &e,
        &frame(true, 0, OP_TEXT, true, b"hello \xff world"),
        1007,
    );
    // an overlong encoding and a UTF-16 surrogate
    hostile_ws(&e, &frame(true, 0, OP_TEXT, true, b"\xc0\xaf"), 1007);
    hostile_ws(&e, &frame(true, 0, OP_TEXT, true, b"a\xed\xa0\x80b"), 1007);
}

#[test]
fn invalid_utf8_across_fragments_is_1007() {
    let e = start();
    // "κ" then a lead byte whose continuation arrives in the next fragment,
    // and is not a continuation byte
    let mut bytes = frame(false, 0, OP_TEXT, true, b"\xce\xba\xe1");
    bytes.extend(frame(true, 0, OP_CONT, true, b"\x28hello"));
    hostile_ws_text(&e, &bytes, 1007);
}

#[test]
fn invalid_utf8_across_tcp_writes_is_1007() {
    let e = start();
    // one frame; the invalid surrogate sequence \xed\xa0\x80 is cut in two
    // TCP writes
    let payload = b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited";
    let f = frame(true, 0, OP_TEXT, true, payload);
    let cut = 6 + 12; // header (2 + 4 mask) + up to \xed
    let mut s = ws(e.port);
    s.write_all(&f[..cut]).unwrap();
    s.flush().unwrap();
    std::thread::sleep(Duration::from_millis(30));
    // the valid prefix alone must not have produced an error
    s.write_all(&f[cut..]).unwrap();
    expect_close_after_echo(&mut s, 1007);
    drop(s);

    // and the same across fragments written separately
    let mut s = ws(e.port);
    s.write_all(&frame(false, 0, OP_TEXT, true, b"ab\xf0\x90"))
        .unwrap();
    std::thread::sleep(Duration::from_millis(30));
    s.write_all(&frame(true, 0, OP_CONT, true, b"\x80"))
        .unwrap(); // truncated 4-byte seq then end
    expect_close_after_echo(&mut s, 1007);
    drop(s);
    assert_alive(e.port);
}

#[test]
fn incomplete_utf8_then_empty_final_continuation_is_1007() {
    let e = start();
    let mut bytes = frame(false, 0, OP_TEXT, true, b"a\xe2\x82");
    bytes.extend(frame(true, 0, OP_CONT, true, b""));
    hostile_ws_text(&e, &bytes, 1007);
}

#[test]
fn close_with_one_byte_body_is_1002() {
    let e = start();
    hostile_ws(&e, &frame(true, 0, OP_CLOSE, true, &[0x03]), 1002);
}

#[test]
fn invalid_close_codes_are_1002() {
    let e = start();
    for code in [0u16, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
        let mut s = ws(e.port);
        send_frame(&mut s, true, 0, OP_CLOSE, true, &close_payload(code, b""));
        let got = match try_read_frame(&mut s) {
            Ok((_, OP_CLOSE, p)) if p.len() >= 2 => u16::from_be_bytes([p[0], p[1]]),
            other => panic!("close code {code}: expected close 1002, got {other:?}"),
        };
        assert_eq!(got, 1002, "answer to close code {code}");
    }
    assert_alive(e.port);
}

#[test]
fn valid_close_codes_are_echoed() {
    let e = start();
    for code in [
        1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999,
    ] {
        let mut s = ws(e.port);
        send_frame(&mut s, true, 0, OP_CLOSE, true, &close_payload(code, b""));
        let got = match try_read_frame(&mut s) {
            Ok((_, OP_CLOSE, p)) if p.len() >= 2 => u16::from_be_bytes([p[0], p[1]]),
            Ok((_, OP_CLOSE, p)) if p.is_empty() => 0,
            other => panic!("close code {code}: expected a close, got {other:?}"),
        };
        assert_eq!(got, code, "answer to close code {code}");
    }
    assert_alive(e.port);
}

#[test]
fn close_reason_invalid_utf8_is_1007() {
    let e = start();
    hostile_ws(
        &e,
        &frame(true, 0, OP_CLOSE, true, &close_payload(1000, b"bye \xff")),
        1007,
    );
}

#[test]
fn close_1000_is_echoed_then_eof() {
    let e = start();
    let mut s = ws(e.port);
    send_frame(
        &mut s,
        true,
        0,
        OP_CLOSE,
        true,
        &close_payload(1000, b"bye"),
    );
    expect_close(&mut s, 1000);
    expect_eof(&mut s);
    assert_alive(e.port);
}

#[test]
fn ten_pings_ten_pongs_in_order() {
    let e = start();
    let mut s = ws(e.port);
    let mut all = Vec::new();
    for i in 0..10u8 {
        let payload: Vec<u8> = (0..(i as usize * 12)).map(|j| i ^ j as u8).collect();
        all.extend(frame(true, 0, OP_PING, true, &payload));
    }
    s.write_all(&all).unwrap();
    for i in 0..10u8 {
        let payload: Vec<u8> = (0..(i as usize * 12)).map(|j| i ^ j as u8).collect();
        let (fin, op, p) = read_frame(&mut s);
        assert!(fin);
        assert_eq!(op, OP_PONG, "pong {i}");
        assert_eq!(p, payload, "pong {i} payload");
    }
    send_text(&mut s, "after pings");
    assert_eq!(read_message(&mut s), (OP_TEXT, b"after pings".to_vec()));
    drop(s);
    assert_alive(e.port);
}

#[test]
fn byte_at_a_time_client() {
    let e = start();
    let mut s = connect(e.port);
    let req = upgrade_request(
        "GET",
        "HTTP/1.1",
        &format!("Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n"),
    );
    for b in req.as_bytes() {
        s.write_all(std::slice::from_ref(b)).unwrap();
    }
    let r = read_head(&mut s);
    assert_eq!(r.status, 101);
    assert_eq!(r.header("Sec-WebSocket-Accept"), Some(ACCEPT));
    let msg = "one byte at a time, é ✓";
    for b in frame(true, 0, OP_TEXT, true, msg.as_bytes()) {
        s.write_all(&[b]).unwrap();
    }
    assert_eq!(read_message(&mut s), (OP_TEXT, msg.as_bytes().to_vec()));
    drop(s);
    assert_alive(e.port);
}

#[test]
fn ten_thousand_small_frames_in_one_write() {
    let e = start();
    let mut s = ws(e.port);
    const N: usize = 10_000;
    let mut all = Vec::new();
    for i in 0..N {
        all.extend(frame(true, 0, OP_TEXT, true, format!("msg {i}").as_bytes()));
    }
    // write from another thread: the server applies flow control, so a
    // single-threaded write-then-read could deadlock on full buffers
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || w.write_all(&all));
    for i in 0..N {
        let (op, p) = read_message(&mut s);
        assert_eq!(op, OP_TEXT);
        assert_eq!(String::from_utf8(p).unwrap(), format!("msg {i}"));
    }
    writer.join().unwrap().expect("write 10,000 frames");
    drop(s);
    assert_alive(e.port);
}

fn checksum(data: &[u8]) -> u64 {
    // FNV-1a, 64-bit
    data.iter().fold(0xcbf29ce484222325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

fn big_payload(len: usize) -> Vec<u8> {
    let mut x = 0x2545F4914F6CDD1Du64;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn echo_big(port: u16, fragments: usize) {
    const LEN: usize = 16 << 20;
    let payload = big_payload(LEN);
    let want = checksum(&payload);
    let mut s = ws(port);
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        let step = LEN / fragments;
        for (i, chunk) in payload.chunks(step).enumerate() {
            let op = if i == 0 { OP_BINARY } else { OP_CONT };
            w.write_all(&frame(i == fragments - 1, 0, op, true, chunk))?;
        }
        Ok(())
    });
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let (op, got) = read_message(&mut s);
    writer.join().unwrap().expect("write 16 MiB");
    assert_eq!(op, OP_BINARY);
    assert_eq!(got.len(), LEN);
    assert_eq!(checksum(&got), want, "16 MiB echo corrupted");
    send_frame(&mut s, true, 0, OP_CLOSE, true, &close_payload(1000, b""));
    expect_close(&mut s, 1000);
}

#[test]
fn sixteen_mib_one_frame() {
    let e = start();
    echo_big(e.port, 1);
    assert_alive(e.port);
}

#[test]
fn sixteen_mib_sixteen_fragments() {
    let e = start();
    echo_big(e.port, 16);
    assert_alive(e.port);
}

#[test]
fn http_get_index_is_200_html() {
    let e = start();
    let (_s, r) = http(e.port, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assert_eq!(r.status, 200);
    let ct = r.header("Content-Type").expect("Content-Type");
    assert!(ct.starts_with("text/html"), "Content-Type {ct:?}");
    assert_alive(e.port);
}

#[test]
fn http_get_missing_is_404() {
    let e = start();
    hostile_http(&e, "GET /missing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 404);
}

#[test]
fn http_huge_head_is_431_and_closed() {
    let e = start();
    let mut req = String::from("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for i in 0..10 {
        req.push_str(&format!("X-Filler-{i}: {}\r\n", "a".repeat(1000)));
    }
    req.push_str("\r\n");
    let mut s = connect(e.port);
    // the server may answer and close before it has read everything
    let _ = s.write_all(req.as_bytes());
    let r = read_head(&mut s);
    assert!(
        r.status == 431 || r.status == 400,
        "status {} for a 10 KiB head",
        r.status
    );
    expect_eof(&mut s);
    drop(s);
    assert_alive(e.port);
}

#[test]
fn http_garbage_header_line_is_400() {
    let e = start();
    hostile_http(
        &e,
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nthis is not a header\r\n\r\n",
        400,
    );
    let req = upgrade_request(
        "GET",
        "HTTP/1.1",
        &format!("Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\x01\x02garbage\r\n"),
    );
    hostile_http(&e, &req, 400);
}
