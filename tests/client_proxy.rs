//! A client through an HTTP proxy: the same program on Debian's library and
//! on ours sends the same CONNECT and reaches the echo server.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use common::{
    compile_c, debian_lib_dir, have_debian_headers, our_lib_dir, repo, run_with_lib, start_example,
    Headers,
};

/// A one-connection CONNECT proxy; returns its port and the request head.
fn proxy() -> (u16, std::thread::JoinHandle<String>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let (mut c, _) = l.accept().unwrap();
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if c.read(&mut b).unwrap() == 0 {
                return String::from_utf8_lossy(&head).into_owned();
            }
            head.push(b[0]);
        }
        let text = String::from_utf8_lossy(&head).into_owned();
        let target = text.split_whitespace().nth(1).unwrap().to_string();
        let up = TcpStream::connect(&target).unwrap();
        c.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .unwrap();
        let (mut c2, mut up2) = (c.try_clone().unwrap(), up.try_clone().unwrap());
        let t = std::thread::spawn(move || {
            let _ = std::io::copy(&mut up2, &mut c2);
            let _ = c2.shutdown(std::net::Shutdown::Write);
        });
        let mut up = up;
        let _ = std::io::copy(&mut c, &mut up);
        let _ = up.shutdown(std::net::Shutdown::Write);
        let _ = t.join();
        text
    });
    (port, h)
}

fn run(bin: &std::path::Path, lib: &std::path::Path, server_port: u16) -> (String, String) {
    let (pport, h) = proxy();
    let out = run_with_lib(bin, lib, &[&pport.to_string(), &server_port.to_string()]);
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        h.join().unwrap(),
    )
}

#[test]
fn client_through_http_proxy() {
    let (_srv, sport) = start_example("echo-server", "echo-server-proxy");
    let ours_bin = compile_c(
        "client-proxy",
        &[repo().join("c-tests/client-proxy.c")],
        Headers::Ours,
        &[],
    );
    let (out, head) = run(&ours_bin, &our_lib_dir(), sport);
    assert_eq!(out, "established\nrx via proxy\nclosed\n");
    assert!(
        head.starts_with(&format!(
            "CONNECT 127.0.0.1:{sport} HTTP/1.1\r\nHost: 127.0.0.1:{sport}\r\n"
        )),
        "{head}"
    );

    let (Some(deb), true) = (debian_lib_dir(), have_debian_headers()) else {
        return;
    };
    let deb_bin = compile_c(
        "client-proxy-debian",
        &[repo().join("c-tests/client-proxy.c")],
        Headers::Debian,
        &[],
    );
    let (d_out, d_head) = run(&deb_bin, &deb, sport);
    let (o_out, o_head) = run(&deb_bin, &our_lib_dir(), sport);
    pretty_assertions::assert_eq!(d_out, o_out);
    pretty_assertions::assert_eq!(d_head, o_head);
}
