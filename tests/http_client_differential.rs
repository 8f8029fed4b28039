//! The HTTP client role: `ffi-tests/trace-http-client.c`, built against
//! Debian's headers, runs the same requests on Debian's library and on
//! ours against a small local HTTP server; the callback traces must match.
//! Covers GET, POST with a body from CLIENT_HTTP_WRITEABLE, a chunked
//! response, a redirect, a 404, a multipart/form-data POST,
//! lws_client_reset to another path, a form-urlencoded POST, keep-warm
//! idling of a finished connection, and a 100 MiB body checked by hash.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

use common::{
    compile_c, debian_lib_dir, have_debian_headers, our_lib_dir, repo, run_with_lib, Headers,
};

const BIG: usize = 100 * 1024 * 1024;

fn serve_one(mut s: TcpStream) {
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let mut r = BufReader::new(s.try_clone().unwrap());
    let mut line = String::new();
    if r.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut clen = 0usize;
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            clen = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0u8; clen];
    let _ = r.read_exact(&mut body);
    if path == "/multipart" {
        // no length: the body ends with the closing boundary
        let mut b = [0u8; 1];
        while !body.ends_with(b"--\r\n") || body.len() < 20 {
            match r.read(&mut b) {
                Ok(1) => body.push(b[0]),
                _ => break,
            }
        }
    }
    let _ = match path.as_str() {
        "/reset" | "/get" => s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\n\r\nhello from get"),
        "/warm" => {
            // keep the connection open: the client closes it after keep-warm
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nwarm");
            // (at most 3 s: Debian's library waits for our close after its own)
            s.set_read_timeout(Some(Duration::from_secs(3))).ok();
            let mut b = [0u8; 64];
            while matches!(r.read(&mut b), Ok(n) if n > 0) {}
            Ok(())
        }
        "/post" | "/urlencoded" => {
            let mut out = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\ngot ", 4 + body.len()).into_bytes();
            out.extend_from_slice(&body);
            s.write_all(&out)
        }
        // all chunks in one write, so both libraries see the same reads
        "/chunked" => s.write_all(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nhello \r\n8\r\nchunked \r\n5\r\nworld\r\n0\r\n\r\n",
        ),
        "/multipart" => {
            // the boundary is random: answer with what does not depend on it
            let text = String::from_utf8_lossy(&body).into_owned();
            let parts = text.matches("Content-Disposition: form-data").count();
            let ok = text.contains("name=\"text\"\r\n\r\nhello\r\n--")
                && text.contains("name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nfile body\r\n--")
                && text.ends_with("--\r\n");
            let reply = format!("len={} parts={parts} ok={ok}", body.len());
            s.write_all(format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{reply}", reply.len()).as_bytes())
        }
        "/redirect" => s.write_all(b"HTTP/1.1 302 Found\r\nLocation: /get\r\nContent-Length: 0\r\n\r\n"),
        "/big" => {
            let _ = s.write_all(format!("HTTP/1.1 200 OK\r\nContent-Length: {BIG}\r\n\r\n").as_bytes());
            let chunk: Vec<u8> = (0..65536u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect();
            let mut sent = 0;
            while sent < BIG {
                if s.write_all(&chunk).is_err() {
                    break;
                }
                sent += chunk.len();
            }
            Ok(())
        }
        _ => s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nnop"),
    };
}

/// A server answering a fixed number of connections on its own thread.
fn server(conns: usize) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().take(conns).flatten() {
            serve_one(s);
        }
    });
    port
}

fn trace(bin: &Path, lib: &Path, scenario: &str, conns: usize) -> String {
    let port = server(conns);
    let out = run_with_lib(bin, lib, &[scenario, &port.to_string()]);
    assert!(
        out.status.success(),
        "{scenario}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn http_client_traces_match_debian() {
    let (Some(deb), true) = (debian_lib_dir(), have_debian_headers()) else {
        eprintln!("http client: Debian's libwebsockets-dev is not installed; not run");
        return;
    };
    let bin = compile_c(
        "trace-http-client",
        &[repo().join("ffi-tests/trace-http-client.c")],
        Headers::Debian,
        &[],
    );
    for (scenario, conns) in [
        ("get", 1),
        ("post", 1),
        ("chunked", 1),
        ("redirect", 2),
        ("404", 1),
        ("big", 1),
        ("multipart", 1),
        ("reset", 2),
        ("urlencoded", 1),
        ("warm", 1),
    ] {
        let d = trace(&bin, &deb, scenario, conns);
        let o = trace(&bin, &our_lib_dir(), scenario, conns);
        assert!(
            d.contains("cb 47"),
            "{scenario}: Debian's trace has no completion:\n{d}"
        );
        if scenario == "warm" {
            assert!(d.contains("warm_ok=1"), "Debian did not keep warm:\n{d}");
        }
        if scenario == "multipart" {
            assert!(
                d.contains("parts=2 ok=true"),
                "multipart body not as expected:\n{d}"
            );
        }
        if scenario == "chunked" {
            // how many RECEIVE_CLIENT_HTTP notifications a chunked body
            // takes depends on reads; the data and the rest must match
            let strip = |t: &str| {
                t.lines()
                    .filter(|l| !l.starts_with("cb 46"))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            pretty_assertions::assert_eq!(
                strip(&d),
                strip(&o),
                "{scenario}: Debian (left) vs ours (right)"
            );
        } else {
            pretty_assertions::assert_eq!(d, o, "{scenario}: Debian (left) vs ours (right)");
        }
    }
}
