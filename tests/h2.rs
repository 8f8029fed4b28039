//! HTTP/2 with prior knowledge on the HTTP/1.1 test server
//! (`c-tests/http-server.c -2`): every route served over h2 streams to
//! curl, to nghttp (several streams at once), and to our own sans-I/O
//! client (`proto::h2conn`), which also plays the hostile peer (rapid
//! reset, CONTINUATION flood) while another connection keeps being served.

mod common;

use common::{compile_c, free_port, our_lib_dir, temp_dir, Headers, Server};
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;
use websockets::proto::h2conn::{H2Config, H2Conn, H2Event};
use websockets::proto::h2frame::{self, ErrorCode};
use websockets::proto::hpack::Field;

const T: Duration = Duration::from_secs(10);

fn server_bin() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        compile_c(
            "http-server-h2",
            &[common::repo().join("c-tests/http-server.c")],
            Headers::Ours,
            &[],
        )
    })
}

struct Srv {
    _srv: Server,
    port: u16,
    big: Vec<u8>,
}

fn start(tag: &str) -> Srv {
    let root = temp_dir(tag);
    let www = root.join("www");
    fs::create_dir_all(&www).unwrap();
    fs::write(www.join("a.txt"), "hello a\n").unwrap();
    fs::write(www.join("index.html"), "<p>index</p>\n").unwrap();
    // 1 MiB of varied bytes: sixteen flow-control windows' worth
    let big: Vec<u8> = (0..1u32 << 20)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    fs::write(www.join("big.txt"), &big).unwrap();
    fs::write(root.join("auth.txt"), "user:pass\n").unwrap();
    let port = free_port();
    let srv = Server::spawn(
        server_bin(),
        Some(&our_lib_dir()),
        &["-p", &port.to_string(), "-w", www.to_str().unwrap(), "-2"],
    );
    srv.wait_for("listening", T);
    Srv {
        _srv: srv,
        port,
        big,
    }
}

fn curl(port: u16, path: &str, extra: &[&str]) -> (String, Vec<u8>) {
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
    let raw = out.stdout;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |i| i + 4);
    (
        String::from_utf8_lossy(&raw[..split]).into_owned(),
        raw[split..].to_vec(),
    )
}

#[test]
fn curl_over_prior_knowledge() {
    let s = start("h2-curl");
    let (h, b) = curl(s.port, "/static/a.txt", &[]);
    assert!(h.starts_with("HTTP/2 200"), "{h}");
    assert!(h.contains("content-length: 8"), "{h}");
    assert_eq!(b, b"hello a\n");
    let (h, b) = curl(s.port, "/hdr?a=1&b=2", &["-H", "x-custom: yes"]);
    assert!(h.starts_with("HTTP/2 200"), "{h}");
    let body = String::from_utf8_lossy(&b);
    assert!(body.contains("uri=/hdr"), "{body}");
    assert!(body.contains("user-agent="), "{body}");
    let (h, b) = curl(s.port, "/post", &["--data-binary", "hello world"]);
    assert!(h.starts_with("HTTP/2 200"), "{h}");
    assert_eq!(
        String::from_utf8_lossy(&b).trim_end(),
        "len=11 sum=1794106052"
    );
    // a body without a length arrives chunked to the server
    let (_, b) = curl(
        s.port,
        "/post",
        &["-H", "content-length:", "--data-binary", "abcdef"],
    );
    assert!(String::from_utf8_lossy(&b).starts_with("len=6 "), "{:?}", b);
    let (h, b) = curl(s.port, "/file", &[]);
    assert!(
        h.starts_with("HTTP/2 200") && h.contains("x-extra: 1"),
        "{h}"
    );
    assert_eq!(b, b"hello a\n");
    let (h, _) = curl(s.port, "/status/418", &[]);
    assert!(h.starts_with("HTTP/2 418"), "{h}");
    let (h, _) = curl(s.port, "/redirect", &[]);
    assert!(
        h.starts_with("HTTP/2 302") && h.contains("location: /hdr"),
        "{h}"
    );
    let (h, _) = curl(s.port, "/nowhere", &[]);
    assert!(h.starts_with("HTTP/2 404"), "{h}");
    let (h, b) = curl(s.port, "/static/big.txt", &[]);
    assert!(h.starts_with("HTTP/2 200"), "{h}");
    assert!(b == s.big, "1 MiB file: {} bytes, differs", b.len());
    // no connection-specific headers leak into h2
    assert!(!h.to_ascii_lowercase().contains("connection:"), "{h}");
}

/// curl --http2 on a plain URL: HTTP/1.1 with `Upgrade: h2c`.
fn curl_h2c(port: u16, path: &str, extra: &[&str]) -> (String, Vec<u8>) {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "10", "--http2", "-D", "-"])
        .args(extra)
        .arg(format!("http://127.0.0.1:{port}{path}"))
        .output()
        .expect("curl");
    let raw = out.stdout;
    // the 101 head, then the real one
    let mut end = 0;
    for _ in 0..2 {
        match raw[end..].windows(4).position(|w| w == b"\r\n\r\n") {
            Some(i) => end += i + 4,
            None => break,
        }
        if !raw[..end].starts_with(b"HTTP/1.1 101") {
            break;
        }
    }
    (
        String::from_utf8_lossy(&raw[..end]).into_owned(),
        raw[end..].to_vec(),
    )
}

#[test]
fn curl_upgrades_with_h2c() {
    // as 4.1.6: Upgrade: h2c is accepted on a plain connection and the
    // upgrading request is answered on stream 1
    let s = start("h2c-curl");
    let (h, b) = curl_h2c(s.port, "/static/a.txt", &[]);
    assert!(h.starts_with("HTTP/1.1 101 Switching Protocols"), "{h}");
    assert!(h.contains("\r\nHTTP/2 200"), "{h}");
    assert_eq!(b, b"hello a\n");
    let (h, b) = curl_h2c(s.port, "/hdr?a=1&b=2", &["-H", "x-custom: yes"]);
    assert!(h.contains("HTTP/2 200"), "{h}");
    let body = String::from_utf8_lossy(&b);
    assert!(
        body.contains("uri=/hdr") && body.contains("urlarg-a=1"),
        "{body}"
    );
    // the upgrade fields stay on the HTTP/1.1 side
    assert!(!body.contains("h2c"), "{body}");
    let (h, b) = curl_h2c(s.port, "/static/big.txt", &[]);
    assert!(h.contains("HTTP/2 200"), "{h}");
    assert!(b == s.big, "1 MiB file: {} bytes, differs", b.len());
    let (h, _) = curl_h2c(s.port, "/nowhere", &[]);
    assert!(h.contains("HTTP/2 404"), "{h}");
    // a request with a body is answered in HTTP/1.1 (it would have to be
    // read whole before switching)
    let (h, b) = curl_h2c(s.port, "/post", &["--data-binary", "hello world"]);
    assert!(h.starts_with("HTTP/1.1 200"), "{h}");
    assert_eq!(
        String::from_utf8_lossy(&b).trim_end(),
        "len=11 sum=1794106052"
    );
    // bad HTTP2-Settings: 400
    let mut c = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    c.set_read_timeout(Some(T)).unwrap();
    c.write_all(b"GET /hdr HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABk!\r\n\r\n").unwrap();
    let mut resp = Vec::new();
    let _ = c.read_to_end(&mut resp);
    assert!(
        resp.starts_with(b"HTTP/1.1 400"),
        "{}",
        String::from_utf8_lossy(&resp)
    );
}

#[test]
fn nghttp_streams_at_once() {
    if Command::new("nghttp").arg("--version").output().is_err() {
        eprintln!("h2: nghttp (nghttp2-client) is not installed; not run");
        return;
    }
    let s = start("h2-nghttp");
    let base = format!("http://127.0.0.1:{}", s.port);
    let out = Command::new("nghttp")
        .args(["-n", "-s", "-t", "10"])
        .args(
            [
                "/static/a.txt",
                "/hdr",
                "/static/big.txt",
                "/status/404",
                "/static/",
            ]
            .iter()
            .map(|p| format!("{base}{p}")),
        )
        .output()
        .expect("nghttp");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "nghttp failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // one line per response in the -s statistics
    assert_eq!(
        text.matches(" 200 ").count() + text.matches(" 404 ").count(),
        5,
        "{text}"
    );
}

/// Our sans-I/O client over a socket.
struct Client {
    s: TcpStream,
    c: H2Conn,
}

impl Client {
    fn connect(port: u16) -> Client {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(T)).unwrap();
        Client {
            s,
            c: H2Conn::client(H2Config::default()),
        }
    }

    fn get(&mut self, path: &str) -> u32 {
        let sid = self.c.open_stream().unwrap();
        let f = [
            Field::new(b":method", b"GET"),
            Field::new(b":scheme", b"http"),
            Field::new(b":authority", b"localhost"),
            Field::new(b":path", path.as_bytes()),
        ];
        assert!(self.c.send_headers(sid, &f, true));
        sid
    }

    fn send(&mut self) {
        let out = self.c.take_output();
        if !out.is_empty() {
            self.s.write_all(&out).unwrap();
        }
    }

    /// Reads until `n` streams ended; their (status, body) by stream id.
    fn responses(&mut self, n: usize) -> Vec<(u32, String, Vec<u8>)> {
        let mut done: Vec<(u32, String, Vec<u8>)> = Vec::new();
        let mut open: std::collections::HashMap<u32, (String, Vec<u8>)> = Default::default();
        let mut buf = vec![0u8; 65536];
        while done.len() < n {
            self.send();
            let k = self.s.read(&mut buf).expect("read");
            assert!(k > 0, "server closed");
            for e in self.c.feed(&buf[..k]).expect("h2 from server") {
                match e {
                    H2Event::Headers {
                        stream_id,
                        headers,
                        end_stream,
                    } => {
                        let st = String::from_utf8_lossy(&headers[0].value).into_owned();
                        if end_stream {
                            done.push((stream_id, st, Vec::new()));
                        } else {
                            open.insert(stream_id, (st, Vec::new()));
                        }
                    }
                    H2Event::Data {
                        stream_id,
                        data,
                        end_stream,
                    } => {
                        self.c.consumed(stream_id, data.len());
                        let e = open.get_mut(&stream_id).expect("data after headers");
                        e.1.extend_from_slice(&data);
                        if end_stream {
                            let (st, body) = open.remove(&stream_id).unwrap();
                            done.push((stream_id, st, body));
                        }
                    }
                    H2Event::Reset {
                        stream_id, code, ..
                    } => {
                        panic!("stream {stream_id} reset: {code:?}")
                    }
                    _ => {}
                }
            }
        }
        done.sort_by_key(|d| d.0);
        done
    }
}

#[test]
fn concurrent_streams_with_our_client() {
    let s = start("h2-ours");
    let mut c = Client::connect(s.port);
    let paths = ["/static/big.txt", "/static/a.txt", "/hdr", "/status/500"];
    for p in paths {
        c.get(p);
    }
    let r = c.responses(paths.len());
    assert_eq!(r[0].1, "200");
    assert!(r[0].2 == s.big);
    assert_eq!(
        (r[1].1.as_str(), r[1].2.as_slice()),
        ("200", &b"hello a\n"[..])
    );
    assert_eq!(r[2].1, "200");
    assert_eq!(r[3].1, "500");
    // and again on the same connection
    c.get("/static/a.txt");
    assert_eq!(c.responses(1)[0].2, b"hello a\n");
}

/// Sends raw frames after a preface and SETTINGS; the server's GOAWAY code.
fn hostile(port: u16, frames: impl FnOnce(&mut Vec<u8>)) -> Option<u32> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(T)).unwrap();
    let mut b = h2frame::PREFACE.to_vec();
    h2frame::write_settings(&mut b, &Default::default());
    frames(&mut b);
    let _ = s.write_all(&b);
    let mut got = Vec::new();
    let mut buf = vec![0u8; 65536];
    while let Ok(k) = s.read(&mut buf) {
        if k == 0 {
            break;
        }
        got.extend_from_slice(&buf[..k]);
    }
    // find the GOAWAY frame (type 7) and its error code
    let mut i = 0;
    while i + 9 <= got.len() {
        let len = u32::from_be_bytes([0, got[i], got[i + 1], got[i + 2]]) as usize;
        if got[i + 3] == h2frame::kind::GOAWAY && i + 9 + 8 <= got.len() {
            let p = &got[i + 9..];
            return Some(u32::from_be_bytes([p[4], p[5], p[6], p[7]]));
        }
        i += 9 + len;
    }
    None
}

#[test]
fn hostile_peers_get_goaway_and_others_are_served() {
    let s = start("h2-hostile");
    let get_block = || {
        let mut enc = websockets::proto::hpack::Encoder::new(0);
        let mut out = Vec::new();
        enc.encode(
            [
                Field::new(b":method", b"GET"),
                Field::new(b":scheme", b"http"),
                Field::new(b":path", b"/static/a.txt"),
            ],
            &mut out,
        );
        out
    };
    // rapid reset: open and cancel streams in a loop
    let code = hostile(s.port, |b| {
        let blk = get_block();
        for i in 0..500u32 {
            let sid = 2 * i + 1;
            h2frame::write_headers(b, sid, &blk, true, true, None, None);
            h2frame::write_rst_stream(b, sid, ErrorCode::Cancel);
        }
    });
    assert_eq!(code, Some(ErrorCode::EnhanceYourCalm.as_u32()));
    // CONTINUATION flood
    let code = hostile(s.port, |b| {
        h2frame::write_headers(b, 1, &[0x82], false, false, None, None);
        for _ in 0..10_000 {
            h2frame::write_continuation(b, 1, &[0x82], false);
        }
    });
    assert_eq!(code, Some(ErrorCode::EnhanceYourCalm.as_u32()));
    // a window that overflows
    let code = hostile(s.port, |b| {
        h2frame::write_window_update(b, 0, (1 << 31) - 1)
    });
    assert_eq!(code, Some(ErrorCode::FlowControlError.as_u32()));
    // a well-behaved client is still served
    let mut c = Client::connect(s.port);
    c.get("/static/a.txt");
    assert_eq!(c.responses(1)[0].2, b"hello a\n");
}

/// The server's frames on a connection, (type, flags, stream, payload),
/// read until `done` says so or the connection ends or stalls.
fn read_frames(
    s: &mut TcpStream,
    mut done: impl FnMut(&[(u8, u8, u32, Vec<u8>)]) -> bool,
) -> Vec<(u8, u8, u32, Vec<u8>)> {
    s.set_read_timeout(Some(T)).unwrap();
    let mut got = Vec::new();
    let mut frames = Vec::new();
    let mut buf = vec![0u8; 65536];
    loop {
        while got.len() >= 9 {
            let len = u32::from_be_bytes([0, got[0], got[1], got[2]]) as usize;
            if got.len() < 9 + len {
                break;
            }
            let sid = u32::from_be_bytes([got[5], got[6], got[7], got[8]]) & 0x7fff_ffff;
            frames.push((got[3], got[4], sid, got[9..9 + len].to_vec()));
            got.drain(..9 + len);
        }
        if done(&frames) {
            return frames;
        }
        match s.read(&mut buf) {
            Ok(0) | Err(_) => return frames,
            Ok(k) => got.extend_from_slice(&buf[..k]),
        }
    }
}

fn vm_rss_kib(pid: u32) -> u64 {
    let st = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    st.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn settings_flood_and_hpack_bomb_are_bounded() {
    let s = start("h2-floods");
    let pid = s._srv.child.0.id();
    let before = vm_rss_kib(pid);
    // SETTINGS flood from a peer that never reads the ACKs: the server
    // stops reading once its answers back up, so our writes stall
    let mut h = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    h.set_write_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut chunk = Vec::new();
    for _ in 0..10_000 {
        h2frame::write_settings(
            &mut chunk,
            &h2frame::Settings {
                max_concurrent_streams: Some(100),
                ..Default::default()
            },
        );
    }
    let mut first = h2frame::PREFACE.to_vec();
    first.extend_from_slice(&chunk);
    let mut sent = 0usize;
    let _ = h.write_all(&first);
    while sent < 512 << 20 {
        if h.write_all(&chunk).is_err() {
            break;
        }
        sent += chunk.len();
    }
    assert!(
        sent < 512 << 20,
        "the server read {sent} bytes of SETTINGS without pause"
    );
    let grown = vm_rss_kib(pid).saturating_sub(before);
    assert!(
        grown < 32 * 1024,
        "server grew by {grown} KiB under a SETTINGS flood"
    );
    // meanwhile others are served
    let mut c = Client::connect(s.port);
    c.get("/static/a.txt");
    assert_eq!(c.responses(1)[0].2, b"hello a\n");
    drop(h);

    // HPACK bomb: one 4000-byte entry in the dynamic table, referenced
    // 100 times (400 KB of headers from a 4 KB block): the stream is
    // reset, the table stays in sync (the next stream refers to an entry
    // the bomb's block added) and the next stream is served
    let mut b = h2frame::PREFACE.to_vec();
    h2frame::write_settings(&mut b, &Default::default());
    let mut blk = vec![0x82, 0x86, 0x84, 0x40, 0x08];
    blk.extend_from_slice(b"x-custom\x03yes");
    blk.extend_from_slice(&[0x40, 0x06]);
    blk.extend_from_slice(b"x-bomb");
    blk.extend_from_slice(&[0x7f, 0xa1, 0x1e]);
    blk.extend(std::iter::repeat_n(b'a', 4000));
    blk.extend(std::iter::repeat_n(0xbe, 100));
    h2frame::write_headers(&mut b, 1, &blk, true, true, None, None);
    // GET /hdr with x-custom by its dynamic index (63)
    let mut get = vec![0x82, 0x86, 0x04, 0x04];
    get.extend_from_slice(b"/hdr");
    get.push(0xbf);
    h2frame::write_headers(&mut b, 3, &get, true, true, None, None);
    let mut h = TcpStream::connect(("127.0.0.1", s.port)).unwrap();
    h.write_all(&b).unwrap();
    let frames = read_frames(&mut h, |f| {
        f.iter()
            .any(|x| x.0 == h2frame::kind::DATA && x.2 == 3 && x.1 & 1 != 0)
    });
    assert!(
        frames
            .iter()
            .any(|x| x.0 == h2frame::kind::RST_STREAM && x.2 == 1),
        "no RST_STREAM for the bomb: {frames:?}"
    );
    let body: Vec<u8> = frames
        .iter()
        .filter(|x| x.0 == h2frame::kind::DATA && x.2 == 3)
        .flat_map(|x| x.3.clone())
        .collect();
    let body = String::from_utf8_lossy(&body);
    assert!(
        body.contains("uri=/hdr") && body.contains("x-custom=3:"),
        "{body}"
    );
    assert!(
        !frames.iter().any(|x| x.0 == h2frame::kind::GOAWAY),
        "{frames:?}"
    );
}

#[test]
fn idle_connection_times_out() {
    // with keepalive_timeout 1 (-k 1), an h2 connection without streams
    // closes after about a second; one with a stream open stays
    let www = temp_dir("h2-idle");
    let port = free_port();
    let srv = Server::spawn(
        server_bin(),
        Some(&our_lib_dir()),
        &[
            "-p",
            &port.to_string(),
            "-w",
            www.to_str().unwrap(),
            "-2",
            "-k",
            "1",
        ],
    );
    srv.wait_for("listening", T);
    let mut h = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut b = h2frame::PREFACE.to_vec();
    h2frame::write_settings(&mut b, &Default::default());
    h.write_all(&b).unwrap();
    let t0 = std::time::Instant::now();
    read_frames(&mut h, |_| false);
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(800) && took < Duration::from_secs(4),
        "closed after {took:?}"
    );
}

/// RFC 8441: a WebSocket over an HTTP/2 stream of a TLS connection (ALPN
/// h2) to the echo example; frames go both ways inside DATA.
#[test]
fn websocket_over_h2_stream() {
    use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
    let d = temp_dir("h2-ws");
    let (cert, key) = (d.join("cert.pem"), d.join("key.pem"));
    let ok = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "openssl req");
    let (_srv, port) = common::start_example_with(
        "echo-server",
        "echo-server-h2-ws",
        &[
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ],
    );
    let mut b = SslConnector::builder(SslMethod::tls()).unwrap();
    b.set_verify(SslVerifyMode::NONE);
    b.set_alpn_protos(b"\x02h2").unwrap();
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(T)).unwrap();
    let mut s = b.build().connect("localhost", tcp).unwrap();
    assert_eq!(s.ssl().selected_alpn_protocol(), Some(&b"h2"[..]));
    let mut c = H2Conn::client(H2Config::default());
    let mut buf = vec![0u8; 65536];
    // the server must allow extended CONNECT before we use it
    let mut allowed = false;
    while !allowed {
        s.write_all(&c.take_output()).unwrap();
        let k = s.read(&mut buf).unwrap();
        c.feed(&buf[..k]).unwrap();
        allowed = c.peer_settings().enable_connect_protocol;
    }
    let sid = c.open_stream().unwrap();
    let f = [
        Field::new(b":method", b"CONNECT"),
        Field::new(b":protocol", b"websocket"),
        Field::new(b":scheme", b"https"),
        Field::new(b":authority", b"localhost"),
        Field::new(b":path", b"/"),
        Field::new(b"sec-websocket-version", b"13"),
        Field::new(b"sec-websocket-protocol", b"lws-echo"),
    ];
    assert!(c.send_headers(sid, &f, false));
    // a masked text frame "hello h2"
    let key4 = [1u8, 2, 3, 4];
    let mut frame = vec![0x81, 0x80 | 8];
    frame.extend_from_slice(&key4);
    frame.extend(b"hello h2".iter().enumerate().map(|(i, b)| b ^ key4[i % 4]));
    let mut status = None;
    let mut echoed = Vec::new();
    let mut sent = false;
    while echoed.len() < 10 {
        s.write_all(&c.take_output()).unwrap();
        let k = s.read(&mut buf).unwrap();
        assert!(k > 0, "closed");
        for e in c.feed(&buf[..k]).unwrap() {
            match e {
                H2Event::Headers { headers, .. } => {
                    status = Some(String::from_utf8_lossy(&headers[0].value).into_owned());
                    assert!(headers
                        .iter()
                        .any(|h| h.name == b"sec-websocket-protocol" && h.value == b"lws-echo"));
                }
                H2Event::Data { data, .. } => {
                    c.consumed(sid, data.len());
                    echoed.extend_from_slice(&data);
                }
                H2Event::Reset { code, .. } => panic!("reset {code:?}"),
                _ => {}
            }
        }
        if status.is_some() && !sent {
            assert_eq!(c.send_data(sid, &frame, false), frame.len());
            sent = true;
        }
    }
    assert_eq!(status.as_deref(), Some("200"));
    assert_eq!(&echoed[..10], b"\x81\x08hello h2");
}

/// A venv with httpx and h2, made once under target/; None without PyPI.
fn python_h2() -> Option<&'static PathBuf> {
    static PY: OnceLock<Option<PathBuf>> = OnceLock::new();
    PY.get_or_init(|| common::python_venv("pyh2-venv", "httpx, h2", "httpx[http2]==0.28.1"))
        .as_ref()
}

const PY_HTTPX: &str = r#"
import sys, httpx
base = sys.argv[1]
with httpx.Client(http1=False, http2=True, timeout=10) as c:
    r = c.get(base + "/static/a.txt")
    print(r.http_version, r.status_code, repr(r.text))
    r = c.post(base + "/post", content=b"hello httpx")
    print(r.http_version, r.status_code, r.text.strip())
    r = c.get(base + "/status/404")
    print(r.http_version, r.status_code)
"#;

/// Python's httpx (over the `h2` package), prior knowledge.
#[test]
fn python_httpx_over_h2() {
    let Some(py) = python_h2() else {
        eprintln!("h2: no Python httpx/h2 (PyPI unreachable); not run");
        return;
    };
    let s = start("h2-httpx");
    let out = Command::new(py)
        .args(["-c", PY_HTTPX, &format!("http://127.0.0.1:{}", s.port)])
        .output()
        .expect("python");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        text,
        "HTTP/2 200 'hello a\\n'\nHTTP/2 200 len=11 sum=1780404258\nHTTP/2 404\n"
    );
}
