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
    let bin = compile_c(
        "chat-server",
        &[repo().join("examples/chat-server.c")],
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
