//! A timer/ring broadcast server (`ffi-tests/broadcast-server.c`) served
//! two ways: by lws_service, and from the program's own poll() array
//! through the LWS_CALLBACK_*_POLL_FD callbacks and lws_service_fd (as
//! upstream's test-server does with LWS_WITH_EXTERNAL_POLL). Two tungstenite
//! clients drive it through the same script every time.
//!
//! Debian's build has no external poll support (its lws_config.h lacks
//! LWS_WITH_EXTERNAL_POLL, so it never issues the poll callbacks), so the
//! differential is: Debian's library with lws_service, ours with
//! lws_service, and ours with the external poll loop, all running the
//! binary built against Debian's header, must print the same lines (minus
//! the "ext:" ones) and deliver the same messages to the clients.

mod common;

use common::{
    compile_c, debian_lib_dir, free_port, have_debian_headers, our_lib_dir, repo, Headers, Server,
};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;
use tungstenite::{Message, WebSocket};

const T: Duration = Duration::from_secs(10);

type Ws = WebSocket<TcpStream>;

fn connect(port: u16) -> Ws {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(T)).unwrap();
    let (ws, _) = tungstenite::client(format!("ws://127.0.0.1:{port}/"), s).unwrap();
    ws
}

fn recv_text(ws: &mut Ws) -> String {
    loop {
        match ws.read().unwrap() {
            Message::Text(t) => return t.to_string(),
            Message::Ping(_) | Message::Pong(_) => continue,
            m => panic!("unexpected {m:?}"),
        }
    }
}

/// Runs the script; returns the server's lines and what the clients got.
fn run(bin: &Path, lib: &Path, mode: &str) -> (Vec<String>, Vec<String>) {
    let port = free_port();
    let mut srv = Server::spawn(bin, Some(lib), &[&port.to_string(), mode]);
    let mut lines = Vec::new();
    loop {
        let l = srv.next_line(T).expect("server output");
        let up = l == "listening";
        lines.push(l);
        if up {
            break;
        }
    }
    let mut got = Vec::new();
    let mut a = connect(port);
    let mut b = connect(port);
    a.send(Message::text("hello")).unwrap();
    got.push(format!("a {}", recv_text(&mut a)));
    got.push(format!("b {}", recv_text(&mut b)));
    b.send(Message::text("tick")).unwrap();
    for _ in 0..3 {
        got.push(format!("a {}", recv_text(&mut a)));
    }
    for _ in 0..3 {
        got.push(format!("b {}", recv_text(&mut b)));
    }
    let big = "x".repeat(300);
    a.send(Message::text(big)).unwrap();
    got.push(format!("a {}", recv_text(&mut a).len()));
    got.push(format!("b {}", recv_text(&mut b).len()));
    a.close(None).unwrap();
    loop {
        match a.read() {
            Ok(_) => continue,
            Err(_) => break,
        }
    }
    b.send(Message::text("bye")).unwrap();
    got.push(format!("b {}", recv_text(&mut b)));
    b.send(Message::text("quit")).unwrap();
    let (rest, exited) = srv.collect_until_exit(T);
    assert!(exited, "server did not exit: {lines:?} {rest:?}");
    let st = srv.wait_exit(T).expect("exit status");
    assert!(st.success(), "server failed: {st:?}");
    lines.extend(rest);
    (lines, got)
}

fn without_ext(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| !l.starts_with("ext:"))
        .cloned()
        .collect()
}

#[test]
fn broadcast_server_external_poll_and_service() {
    let src = [repo().join("ffi-tests/broadcast-server.c")];
    let ours_bin = compile_c("broadcast-server-ours", &src, Headers::Ours, &[]);
    let (ext_lines, ext_got) = run(&ours_bin, &our_lib_dir(), "ext");
    let want_got = [
        "a 1: hello",
        "b 1: hello",
        "a tick 1",
        "a tick 2",
        "a tick 3",
        "b tick 1",
        "b tick 2",
        "b tick 3",
        "a 303",
        "b 303",
        "b 2: bye",
    ];
    assert_eq!(ext_got, want_got);
    let ext = ext_lines.join("\n");
    // every socket the program learned of was taken back, in order
    assert!(
        ext.contains("ext: adds=3 dels=1 changes>0=1 unknown=0 locks-even=1 fds-left=2 passes>0=1"),
        "{ext}"
    );
    assert!(
        ext.contains("ext: after destroy fds-left=0 unknown=0"),
        "{ext}"
    );
    let (svc_lines, svc_got) = run(&ours_bin, &our_lib_dir(), "svc");
    assert_eq!(svc_got, want_got);
    assert!(!svc_lines.iter().any(|l| l.starts_with("ext:")));
    pretty_assertions::assert_eq!(
        without_ext(&ext_lines),
        svc_lines,
        "own poll loop (left) vs lws_service (right), our library"
    );

    let (Some(deb_lib), true) = (debian_lib_dir(), have_debian_headers()) else {
        eprintln!(
            "extpoll: Debian's libwebsockets-dev is not installed; differential part not run"
        );
        return;
    };
    let deb_bin = compile_c("broadcast-server-debian", &src, Headers::Debian, &[]);
    let (deb_lines, deb_got) = run(&deb_bin, &deb_lib, "svc");
    assert_eq!(deb_got, want_got, "Debian's library");
    let (abi_lines, abi_got) = run(&deb_bin, &our_lib_dir(), "svc");
    assert_eq!(abi_got, want_got);
    pretty_assertions::assert_eq!(
        deb_lines,
        abi_lines,
        "Debian's library (left) vs ours (right), same binary"
    );
    pretty_assertions::assert_eq!(
        deb_lines,
        svc_lines,
        "built against Debian's header (left) vs ours (right)"
    );
    // the Debian-header binary on our library, served from its own loop
    let (abi_ext, abi_ext_got) = run(&deb_bin, &our_lib_dir(), "ext");
    assert_eq!(abi_ext_got, want_got);
    pretty_assertions::assert_eq!(deb_lines, without_ext(&abi_ext), "Debian svc vs ours ext");
}
