//! The example programs on our library: the chat server broadcasts every
//! message to all clients (sender included) and serves the page.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{compile_c, free_port, our_lib_dir, repo, Headers, Server};
use tungstenite::client::IntoClientRequest;
use tungstenite::Message;

const TIMEOUT: Duration = Duration::from_secs(10);

fn connect(port: u16) -> tungstenite::WebSocket<TcpStream> {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut req = format!("ws://127.0.0.1:{port}/")
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "lws-chat".parse().unwrap());
    let (ws, resp) = tungstenite::client(req, s).expect("chat handshake");
    assert_eq!(resp.headers()["sec-websocket-protocol"], "lws-chat");
    ws
}

fn next_text(ws: &mut tungstenite::WebSocket<TcpStream>) -> String {
    loop {
        match ws.read().expect("read") {
            Message::Text(t) => return t.to_string(),
            Message::Ping(_) | Message::Pong(_) => {}
            m => panic!("unexpected {m:?}"),
        }
    }
}

#[test]
fn chat_broadcasts_to_everyone_and_serves_the_page() {
    let (_srv, port) = common::start_example("chat-server", "chat-server");

    let mut clients: Vec<_> = (0..5).map(|_| connect(port)).collect();
    for round in 0..3 {
        let from = round % clients.len();
        let text = format!("message {round} from client {from}");
        clients[from].send(Message::text(text.clone())).unwrap();
        for c in clients.iter_mut() {
            assert_eq!(next_text(c), text);
        }
    }

    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut resp = Vec::new();
    s.read_to_end(&mut resp).unwrap();
    let resp = String::from_utf8_lossy(&resp);
    assert!(resp.starts_with("HTTP/1.1 200 "), "{resp}");
    assert!(
        resp.to_ascii_lowercase()
            .contains("content-type: text/html"),
        "{resp}"
    );
    assert!(
        resp.contains("<html") || resp.contains("<!doctype") || resp.contains("<!DOCTYPE"),
        "{resp}"
    );
}

/// One port serves HTTP and WebSocket, and one connection can go from
/// kept-alive HTTP requests to a WebSocket upgrade.
#[test]
fn keep_alive_then_upgrade_on_one_connection() {
    let bin = compile_c(
        "echo-server-ka",
        &[repo().join("examples/echo-server.c")],
        Headers::Ours,
        &[],
    );
    let port = free_port();
    let www = repo().join("examples/www");
    let srv = Server::spawn(
        &bin,
        Some(&our_lib_dir()),
        &["-p", &port.to_string(), "-w", www.to_str().unwrap()],
    );
    srv.wait_for("listening", TIMEOUT);

    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    let mut inbuf = Vec::new();
    for _ in 0..2 {
        s.write_all(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        // read one response: head, then content-length bytes
        let (head_end, len) = loop {
            let mut b = [0u8; 4096];
            let n = s.read(&mut b).unwrap();
            assert!(n > 0, "connection closed during keep-alive");
            inbuf.extend_from_slice(&b[..n]);
            if let Some(i) = inbuf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&inbuf[..i]).to_ascii_lowercase();
                assert!(head.starts_with("http/1.1 200"), "{head}");
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .expect("content-length");
                break (i + 4, len);
            }
        };
        while inbuf.len() < head_end + len {
            let mut b = [0u8; 4096];
            let n = s.read(&mut b).unwrap();
            assert!(n > 0);
            inbuf.extend_from_slice(&b[..n]);
        }
        inbuf.drain(..head_end + len);
    }
    // the same socket now upgrades
    let mut req = format!("ws://127.0.0.1:{port}/")
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "lws-echo".parse().unwrap());
    let (mut ws, resp) = tungstenite::client(req, s).expect("upgrade after keep-alive");
    assert_eq!(resp.status(), 101);
    ws.send(Message::text("after keep-alive")).unwrap();
    assert_eq!(next_text(&mut ws), "after keep-alive");
}
