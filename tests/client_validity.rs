//! Keepalive on client connections (retry_and_idle_policy): a ping after
//! secs_since_valid_ping without a pong, a hang-up after
//! secs_since_valid_hangup when the ping goes unanswered.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use base64::Engine;
use common::{compile_c, our_lib_dir, repo, run_with_lib, Headers};
use sha1::{Digest, Sha1};

#[test]
fn unanswered_ping_hangs_up() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut req = Vec::new();
        let mut b = [0u8; 4096];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = c.read(&mut b).unwrap();
            req.extend_from_slice(&b[..n]);
        }
        let text = String::from_utf8_lossy(&req).into_owned();
        let key = text
            .lines()
            .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
            .unwrap()
            .trim()
            .to_string();
        let mut h = Sha1::new();
        h.update(key.as_bytes());
        h.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
        let acc = base64::engine::general_purpose::STANDARD.encode(h.finalize());
        c.write_all(
            format!("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {acc}\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
        // never answer: record what arrives and when
        let start = Instant::now();
        let mut first_ping = None;
        loop {
            match c.read(&mut b) {
                Ok(0) | Err(_) => return (first_ping, start.elapsed()),
                Ok(n) => {
                    if first_ping.is_none() && n >= 2 && b[0] == 0x89 {
                        first_ping = Some(start.elapsed());
                    }
                }
            }
        }
    });
    let bin = compile_c(
        "client-validity",
        &[repo().join("c-tests/client-validity.c")],
        Headers::Ours,
        &[],
    );
    let out = run_with_lib(&bin, &our_lib_dir(), &[&port.to_string()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (ping_at, closed_at) = server.join().unwrap();
    assert!(
        stdout.contains("established") && stdout.contains("closed"),
        "{stdout}"
    );
    let ping_at = ping_at.expect("the client sent a ping");
    assert!(
        ping_at >= Duration::from_millis(900) && ping_at < Duration::from_millis(2500),
        "ping after {ping_at:?}"
    );
    assert!(
        closed_at >= Duration::from_millis(2500) && closed_at < Duration::from_secs(6),
        "closed after {closed_at:?}"
    );
}
