//! A WebSocket client connection over a unix-domain socket ("+/path"),
//! against a minimal server written here.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixListener;

use base64::Engine;
use common::{compile_c, our_lib_dir, repo, run_with_lib, Headers};
use sha1::{Digest, Sha1};

#[test]
fn client_over_unix_socket() {
    let dir = std::env::temp_dir().join(format!("lws-rs-unix-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ws.sock");
    let _ = std::fs::remove_file(&path);
    let l = UnixListener::bind(&path).unwrap();
    let server = std::thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        let mut req = Vec::new();
        let mut b = [0u8; 1024];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = c.read(&mut b).unwrap();
            assert!(n > 0);
            req.extend_from_slice(&b[..n]);
        }
        let text = String::from_utf8_lossy(&req).into_owned();
        let key = text
            .lines()
            .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
            .expect("key")
            .trim()
            .to_string();
        let mut h = Sha1::new();
        h.update(key.as_bytes());
        h.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
        let acc = base64::engine::general_purpose::STANDARD.encode(h.finalize());
        let resp = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {acc}\r\n\r\n"
        );
        c.write_all(resp.as_bytes()).unwrap();
        c.write_all(b"\x81\x05hello\x88\x02\x03\xe8").unwrap();
        // the client answers the close; then the server hangs up
        let _ = c.read(&mut b);
        text
    });
    let bin = compile_c(
        "client-unix",
        &[repo().join("c-tests/client-unix.c")],
        Headers::Ours,
        &[],
    );
    let out = run_with_lib(&bin, &our_lib_dir(), &[path.to_str().unwrap()]);
    let req = server.join().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(req.starts_with("GET / HTTP/1.1\r\n"), "{req}");
    assert!(
        stdout.contains("established\nrx hello\nclosed\n"),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
