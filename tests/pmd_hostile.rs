//! Hostile permessage-deflate input against the echo example with
//! `--deflate` on our library: a small frame that inflates past the
//! message limit closes with 1009 while the server's memory stays small;
//! RSV1 where RFC 7692 forbids it closes with 1002; undecodable compressed
//! data closes with 1007; and the server keeps serving.

mod common;

use flate2::{Compress, Compression, FlushCompress};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn connect(port: u16) -> TcpStream {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(
        b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Protocol: lws-echo\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n",
    )
    .unwrap();
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut b).unwrap();
        head.push(b[0]);
    }
    let head = String::from_utf8_lossy(&head).to_lowercase();
    assert!(head.starts_with("http/1.1 101"), "{head}");
    assert!(
        head.contains("sec-websocket-extensions: permessage-deflate"),
        "{head}"
    );
    s
}

fn frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let mut v = vec![b0];
    let n = payload.len();
    if n < 126 {
        v.push(0x80 | n as u8);
    } else if n < 65536 {
        v.push(0x80 | 126);
        v.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        v.push(0x80 | 127);
        v.extend_from_slice(&(n as u64).to_be_bytes());
    }
    let key = [1u8, 2, 3, 4];
    v.extend_from_slice(&key);
    v.extend(payload.iter().enumerate().map(|(i, c)| c ^ key[i % 4]));
    v
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut c = Compress::new_with_window_bits(Compression::best(), false, 15);
    let mut out = Vec::with_capacity(data.len() / 100 + 1024);
    let mut input = data;
    loop {
        if out.capacity() - out.len() < 1024 {
            out.reserve(64 * 1024);
        }
        let before = c.total_in();
        c.compress_vec(input, &mut out, FlushCompress::Sync)
            .unwrap();
        input = &input[(c.total_in() - before) as usize..];
        if input.is_empty() && out.len() < out.capacity() {
            break;
        }
    }
    if out.ends_with(&[0, 0, 0xff, 0xff]) {
        out.truncate(out.len() - 4);
    }
    out
}

/// Reads frames until a close frame; returns its status code.
fn close_code(s: &mut TcpStream) -> Option<u16> {
    let mut all = Vec::new();
    let mut b = [0u8; 65536];
    loop {
        // parse what we have
        let mut i = 0;
        while all.len() >= i + 2 {
            let op = all[i] & 0x0f;
            let mut n = (all[i + 1] & 0x7f) as usize;
            let mut h = 2;
            if n == 126 {
                if all.len() < i + 4 {
                    break;
                }
                n = u16::from_be_bytes([all[i + 2], all[i + 3]]) as usize;
                h = 4;
            } else if n == 127 {
                if all.len() < i + 10 {
                    break;
                }
                n = u64::from_be_bytes(all[i + 2..i + 10].try_into().unwrap()) as usize;
                h = 10;
            }
            if all.len() < i + h + n {
                break;
            }
            if op == 8 {
                let p = &all[i + h..i + h + n];
                return (p.len() >= 2).then(|| u16::from_be_bytes([p[0], p[1]]));
            }
            i += h + n;
        }
        match s.read(&mut b) {
            Ok(0) | Err(_) => return None,
            Ok(k) => all.extend_from_slice(&b[..k]),
        }
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
        .unwrap_or(0)
}

#[test]
fn hostile_compressed_input() {
    let (srv, port) =
        common::start_example_with("echo-server", "echo-server-pmd-hostile", &["--deflate"]);
    let pid = srv.child.0.id();

    // a compressed echo works
    let mut s = connect(port);
    let msg = b"hello hello hello hello".repeat(100);
    s.write_all(&frame(0x80 | 0x40 | 2, &deflate(&msg)))
        .unwrap();
    let mut b = [0u8; 2];
    s.read_exact(&mut b).unwrap();
    assert_eq!(b[0], 0x80 | 0x40 | 2, "compressed binary echo expected");

    // 80 MiB of zeros in about 80 kB: closes with 1009, memory stays low
    let zeros = vec![0u8; 80 << 20];
    let bomb = deflate(&zeros);
    drop(zeros);
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    let mut s = connect(port);
    s.write_all(&frame(0x80 | 0x40 | 2, &bomb)).unwrap();
    assert_eq!(close_code(&mut s), Some(1009));
    let rss = rss_kib(pid);
    assert!(
        rss > 0 && rss < 64 * 1024,
        "server RSS {rss} KiB after the bomb"
    );

    // RSV1 on a continuation frame
    let mut s = connect(port);
    s.write_all(&frame(0x40 | 2, &deflate(b"abc"))).unwrap();
    s.write_all(&frame(0x80 | 0x40, &deflate(b"def"))).unwrap();
    assert_eq!(close_code(&mut s), Some(1002));

    // RSV1 on a control frame
    let mut s = connect(port);
    s.write_all(&frame(0x80 | 0x40 | 9, b"p")).unwrap();
    assert_eq!(close_code(&mut s), Some(1002));

    // bytes that are not deflate data
    let mut s = connect(port);
    s.write_all(&frame(0x80 | 0x40 | 2, &[0xff, 0xff, 0xff, 0xff, 0xff]))
        .unwrap();
    assert_eq!(close_code(&mut s), Some(1007));

    // compressed text that inflates to invalid UTF-8
    let mut s = connect(port);
    s.write_all(&frame(
        0x80 | 0x40 | 1,
        &deflate(&[0xce, 0xba, 0xe1, 0xbd, 0xc0]),
    ))
    .unwrap();
    assert_eq!(close_code(&mut s), Some(1007));

    // still serving
    let mut s = connect(port);
    s.write_all(&frame(0x80 | 0x40 | 1, &deflate(b"still here")))
        .unwrap();
    s.read_exact(&mut b).unwrap();
    assert_eq!(b[0], 0x80 | 0x40 | 1);
}
