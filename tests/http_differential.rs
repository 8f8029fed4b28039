//! Differential HTTP tests: `c-tests/http-server.c` is built once against
//! Debian's headers and run twice, on Debian's `libwebsockets.so.17` and on
//! ours, over the same document root; the same well-formed requests go to
//! both and the answers must match (status line, the headers that matter,
//! body).
//!
//! Left out on purpose (ours is deliberately stricter than 4.1.6, see the
//! README's list of differences and tests/http.rs for what we do):
//! - malformed and hostile requests (bad request line, whitespace before a
//!   colon, missing Host, CL+TE, duplicate Content-Length, bad chunk size,
//!   huge headers, unknown methods or transfer-codings): 4.1.6 often drops
//!   the connection or accepts them; we answer 400/431/501.
//! - POST without Content-Length or Transfer-Encoding: 4.1.6 waits for a
//!   body forever (until its timeout); so do we, so nothing to compare
//!   quickly.
//! - timeouts (slowloris, idle keep-alive): timing, tested in tests/http.rs.
//! - chunked request bodies: 4.1.6's server never delivers them (no
//!   HTTP_BODY, no answer); RFC 7230 3.3.1 requires them and ours decodes
//!   them (tests/http.rs `post_chunked_in_odd_sizes`).
//! - `lws_http_cookie_get()` where 4.1.6's scan is off by the name's length:
//!   it misses a cookie whose name=value ends less than strlen(name) bytes
//!   before the end of the header ("a=1; sid=2", "a=b;sid=c", and
//!   "sidx=1; sid=2" are "not found") and refuses an empty value ("sid=");
//!   ours finds them ("2", "c", "2", ""). Only cases where both agree are
//!   compared.
//! - a pipelined `lws_serve_http_file()` after a file from a mount with
//!   cache_max_age: 4.1.6 reuses the mount's "cache-control: private,
//!   max-age=60" for the program's file (state leaking from the previous
//!   transaction); ours sends "no-store" as for any non-mount file. The
//!   pipelined comparison serves /file before the mount's file.

mod common;

use common::http::{Conn, Response};
use common::{
    compile_c, debian_lib_dir, free_port, have_debian_headers, our_lib_dir, temp_dir, Headers,
    Server,
};
use pretty_assertions::assert_eq;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

/// The headers compared; anything else (date-like or order) is ignored.
const COMPARED: &[&str] = &[
    "content-type",
    "content-length",
    "transfer-encoding",
    "connection",
    "cache-control",
    "location",
    "www-authenticate",
    "etag",
    "x-vhost",
    "x-extra",
    "server",
];

/// http-server built on Debian's headers, or `None` (with a message) when
/// Debian's library or headers are missing.
fn server_bin() -> Option<&'static PathBuf> {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN.get_or_init(|| {
        if debian_lib_dir().is_none() || !have_debian_headers() {
            eprintln!(
                "SKIPPED: Debian's libwebsockets.so.17 or libwebsockets-dev is not installed"
            );
            return None;
        }
        Some(compile_c(
            "http-server-debian",
            &[common::repo().join("c-tests/http-server.c")],
            Headers::Debian,
            &[],
        ))
    })
    .as_ref()
}

/// One document root, served by both libraries (so ETags, which depend on
/// size and mtime, are comparable).
fn make_root() -> PathBuf {
    let root = temp_dir("http-diff");
    let www = root.join("www");
    fs::create_dir_all(www.join("sub")).unwrap();
    fs::write(www.join("a.txt"), "hello a\n").unwrap();
    fs::write(www.join("index.html"), "<p>index</p>\n").unwrap();
    fs::write(www.join("404.html"), "<p>custom 404</p>\n").unwrap();
    fs::write(www.join("style.css"), "p { color: red }\n").unwrap();
    fs::write(www.join("data.json"), "{\"a\": 1}\n").unwrap();
    fs::write(www.join("pic.png"), [0x89u8, b'P', b'N', b'G', 0, 1, 2, 3]).unwrap();
    fs::write(www.join("sub/index.html"), "<p>sub</p>\n").unwrap();
    fs::write(root.join("auth.txt"), "user:pass\n").unwrap();
    fs::write(root.join("secret.txt"), "TOP-SECRET\n").unwrap();
    let _ = symlink(root.join("secret.txt"), www.join("link.txt"));
    www
}

struct Pair {
    _deb: Server,
    _ours: Server,
    deb: u16,
    ours: u16,
}

fn start(bin: &Path, lib: Option<&Path>, www: &Path, extra: &[&str]) -> (Server, u16) {
    let port = free_port();
    let ps = port.to_string();
    let mut args = vec!["-p", ps.as_str(), "-w", www.to_str().unwrap()];
    args.extend_from_slice(extra);
    let srv = Server::spawn(bin, lib, &args);
    srv.wait_for("listening", TIMEOUT);
    (srv, port)
}

fn pair(extra: &[&str]) -> Option<Pair> {
    let bin = server_bin()?;
    let www = make_root();
    // Debian's: the plain system library
    let (d, deb) = start(bin, None, &www, extra);
    let (o, ours) = start(bin, Some(&our_lib_dir()), &www, extra);
    Some(Pair {
        _deb: d,
        _ours: o,
        deb,
        ours,
    })
}

/// What is compared of a response.
fn view(r: &Response) -> String {
    let mut s = format!("{}\n", r.status_line);
    for h in COMPARED {
        for (n, v) in &r.headers {
            if n == h {
                s.push_str(&format!("{n}: {v}\n"));
            }
        }
    }
    s.push('\n');
    s.push_str(&String::from_utf8_lossy(&r.body));
    s
}

fn send(port: u16, raw: &[u8]) -> Response {
    let mut c = Conn::connect(port);
    c.send(raw).unwrap();
    c.response(raw.starts_with(b"HEAD ")).unwrap_or_else(|e| {
        panic!(
            "port {port}: no answer to {:?}: {e}",
            String::from_utf8_lossy(raw)
        )
    })
}

fn req(method: &str, path: &str, headers: &str) -> Vec<u8> {
    format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n").into_bytes()
}

impl Pair {
    /// Sends `raw` to both; asserts the answers match; returns Debian's.
    fn same(&self, raw: &[u8]) -> Response {
        let d = send(self.deb, raw);
        let o = send(self.ours, raw);
        assert_eq!(
            view(&d),
            view(&o),
            "request {:?}: Debian (left) vs ours (right)",
            String::from_utf8_lossy(raw)
        );
        d
    }
}

#[test]
fn differential_routes() {
    let Some(p) = pair(&[]) else { return };
    for raw in [
        b"GET /hdr?a=1&b=x%20y&c HTTP/1.1\r\nHost: example.org\r\nUser-Agent: ua/1\r\n\
           Accept: text/plain\r\nCookie: x=1; sid=abc123; y=2\r\nX-Custom: custom value\r\n\r\n"
            .to_vec(),
        req("GET", "/hdr", ""),
        req("GET", "/hdr?a=&b", ""),
        req("GET", "/hdr?a=1&a=2&b=%41%42", ""),
        req("GET", "/hdr?a=x+y&b=%2526", ""),
        // '+' is a space in the path too, except just past a '/'
        req("GET", "/hdr/list+totals/+a/.+b/..+c/...+d%2f+e?a=x+y", ""),
        req("GET", "/hdr", "Cookie: sid=abc\r\n"),
        req("GET", "/hdr", "Cookie: sid=1; sid=2\r\n"),
        req("GET", "/hdr", "Cookie: x=1\r\n"),
        req("GET", "/hdr", "Cookie: theme=dark; sid=abcdef; lang=en\r\n"),
        req("GET", "/hdr", "X-Custom: \r\nUser-Agent: a b  c\r\n"),
        b"GET /hdr HTTP/1.0\r\n\r\n".to_vec(),
        req("GET", "/file", ""),
        req("GET", "/missing-file", ""),
        req("GET", "/redirect", ""),
        req("GET", "/status/200", ""),
        req("GET", "/status/404", ""),
        req("GET", "/status/418", ""),
        req("GET", "/status/500", ""),
        req("GET", "/status/503", ""),
        req("GET", "/nope", ""),
        req("GET", "/", ""),
        req("GET", "/nope/deeper?x=1", ""),
    ] {
        p.same(&raw);
    }
}

#[test]
fn differential_static() {
    let Some(p) = pair(&[]) else { return };
    for path in [
        "/static/",
        "/static/a.txt",
        "/static/index.html",
        "/static/style.css",
        "/static/data.json",
        "/static/pic.png",
        "/static/sub/",
        "/static/sub/index.html",
        "/static/nope.txt",
        "/static/nope/",
        "/static/a.txt?x=1",
        "/static//a.txt",
        // a symlink in the mount is followed wherever it leads
        "/static/link.txt",
    ] {
        p.same(&req("GET", path, ""));
    }
    p.same(&req("HEAD", "/static/a.txt", ""));
    p.same(&req("HEAD", "/static/", ""));

    // ETag round trip: the tag from a GET gives 304; another gives 200
    let d = p.same(&req("GET", "/static/a.txt", ""));
    let etag = d.header("etag").expect("etag").to_string();
    let r = p.same(&req(
        "GET",
        "/static/a.txt",
        &format!("If-None-Match: {etag}\r\n"),
    ));
    assert_eq!(r.code, 304);
    let r = p.same(&req(
        "GET",
        "/static/a.txt",
        "If-None-Match: 0000000000000000\r\n",
    ));
    assert_eq!(r.code, 200);
}

#[test]
fn differential_keep_alive() {
    let Some(p) = pair(&[]) else { return };
    let mut raw = Vec::new();
    raw.extend(req("GET", "/hdr?a=1", ""));
    raw.extend(req("GET", "/file", ""));
    raw.extend(req("GET", "/static/a.txt", ""));
    raw.extend(req("GET", "/nope", ""));
    raw.extend(req("GET", "/hdr?a=2", ""));
    let mut views = Vec::new();
    for port in [p.deb, p.ours] {
        let mut c = Conn::connect(port);
        c.send(&raw).unwrap();
        views.push(
            (0..5)
                .map(|_| view(&c.response(false).unwrap()))
                .collect::<Vec<_>>(),
        );
    }
    assert_eq!(
        views[0], views[1],
        "pipelined: Debian (left) vs ours (right)"
    );
}

#[test]
fn differential_basic_auth() {
    let Some(p) = pair(&[]) else { return };
    for creds in [
        "",
        "Authorization: Basic dXNlcjpwYXNz\r\n", // user:pass
        "Authorization: Basic dXNlcjp3cm9uZw==\r\n", // user:wrong
        "Authorization: Basic dXNlcjpwYXM=\r\n", // user:pas
        "Authorization: Basic bm9jb2xvbg==\r\n", // nocolon
        "Authorization: Basic !!!\r\n",
        "Authorization: Bearer abc\r\n",
    ] {
        p.same(&req("GET", "/auth/a.txt", creds));
    }
    p.same(&req(
        "GET",
        "/auth/",
        "Authorization: Basic dXNlcjpwYXNz\r\n",
    ));
}

#[test]
fn differential_post() {
    let Some(p) = pair(&[]) else { return };
    let mut raw = req("POST", "/post", "Content-Length: 10\r\n");
    raw.extend_from_slice(b"0123456789");
    p.same(&raw);

    let body: Vec<u8> = (0..200_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    let mut raw = req(
        "POST",
        "/post",
        &format!("Content-Length: {}\r\n", body.len()),
    );
    raw.extend_from_slice(&body);
    p.same(&raw);

    p.same(&req("GET", "/post", ""));
}

#[test]

fn differential_empty_post() {
    let Some(p) = pair(&[]) else { return };
    p.same(&req("POST", "/post", "Content-Length: 0\r\n"));
}

#[test]
fn differential_error_document_404() {
    let Some(p) = pair(&["-e"]) else { return };
    for path in [
        "/nope",
        "/static/nope.txt",
        "/missing-file",
        "/status/404",
        "/static/404.html",
    ] {
        p.same(&req("GET", path, ""));
    }
}

#[test]

fn differential_mount_redirects() {
    let Some(p) = pair(&[]) else { return };
    for path in ["/static", "/auth", "/redir", "/redir/", "/redir/foo"] {
        p.same(&req("GET", path, ""));
    }
}
