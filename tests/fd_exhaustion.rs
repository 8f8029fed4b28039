//! Out of file descriptors: the server turns new clients away cleanly
//! (accept and close) instead of spinning on its listener, and keeps
//! serving the connections it has. Debian's 4.1.6 busy-loops here.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{compile_c, free_port, our_lib_dir, repo, Headers, Server};

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    // utime and stime are fields 14 and 15; after ") " they are 12 and 13
    f.get(11).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
        + f.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0)
}

/// One request on a kept-alive connection gets an answer. (While the
/// server is out of descriptors it cannot open files either, so the answer
/// may be a 404: what matters is that the connection is served.)
fn get(s: &mut TcpStream) -> bool {
    if s.write_all(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 4096];
    matches!(s.read(&mut buf), Ok(n) if n > 12 && buf.starts_with(b"HTTP/1.1 "))
}

#[test]
fn out_of_descriptors_refuses_cleanly_and_keeps_serving() {
    let bin = compile_c(
        "echo-server-fds",
        &[repo().join("examples/echo-server.c")],
        Headers::Ours,
        &[],
    );
    let port = free_port();
    let www = repo().join("examples/www");
    // a low descriptor limit for the server only
    let cmd = format!(
        "ulimit -n 48 && exec {} -p {port} -w {}",
        bin.display(),
        www.display()
    );
    let srv = Server::spawn_wrapped(
        &["bash", "-c", &cmd],
        std::path::Path::new(""),
        Some(&our_lib_dir()),
        &[],
    );
    srv.wait_for("listening", Duration::from_secs(10));
    let pid = srv.child.0.id();

    let mut held = Vec::new();
    for _ in 0..80 {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        held.push(s);
    }
    // the first connections are served; past the limit they are closed
    let served = held.iter_mut().take(20).map(get).filter(|&ok| ok).count();
    assert_eq!(served, 20, "connections within the limit must be served");
    let mut refused = 0;
    for s in held.iter_mut().skip(60) {
        let mut b = [0u8; 16];
        let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        if matches!(s.read(&mut b), Ok(0) | Err(_)) {
            refused += 1;
        }
    }
    assert!(refused > 0, "connections past the limit should be closed");

    // no busy loop: over a second of waiting the server uses little CPU
    let t0 = cpu_ticks(pid);
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(1));
    let used = cpu_ticks(pid) - t0;
    assert!(
        used < 30,
        "server used {used} ticks in {:?} while out of descriptors",
        start.elapsed()
    );

    // and the first connections still work
    assert!(
        get(&mut held[0]),
        "an existing connection stopped being served"
    );
}
