//! The HTTP/1.1 server role through the C API: `c-tests/http-server.c`,
//! built against our header and run on our library, driven by raw HTTP over
//! `TcpStream` (so status lines, header order and connection handling are
//! seen exactly as sent).

mod common;

use common::http::{body_sum, get, request, Conn, Response};
use common::{compile_c, free_port, our_lib_dir, temp_dir, Headers, Server};
use std::fs;
use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(10);

fn server_bin() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        compile_c(
            "http-server",
            &[common::repo().join("c-tests/http-server.c")],
            Headers::Ours,
            &[],
        )
    })
}

/// A running http-server with its document root.
struct Srv {
    _srv: Server,
    port: u16,
    www: PathBuf,
    root: PathBuf,
}

const A_TXT: &str = "hello a\n";
const INDEX: &str = "<p>index</p>\n";
const SECRET: &str = "TOP-SECRET-CONTENT\n";

/// Lays out a document root: `root/www/{a.txt,index.html,404.html}`,
/// `root/auth.txt` ("user:pass"), `root/secret.txt` outside the root and
/// `www/link.txt`, a symlink to it.
fn make_root(tag: &str) -> (PathBuf, PathBuf) {
    let root = temp_dir(tag);
    let www = root.join("www");
    fs::create_dir_all(&www).unwrap();
    fs::write(www.join("a.txt"), A_TXT).unwrap();
    fs::write(www.join("index.html"), INDEX).unwrap();
    fs::write(www.join("404.html"), "<p>custom 404</p>\n").unwrap();
    fs::write(root.join("auth.txt"), "user:pass\n").unwrap();
    fs::write(root.join("secret.txt"), SECRET).unwrap();
    symlink(root.join("secret.txt"), www.join("link.txt")).unwrap();
    (root, www)
}

fn start(extra: &[&str]) -> Srv {
    let (root, www) = make_root("http");
    start_in(root, www, extra)
}

fn start_in(root: PathBuf, www: PathBuf, extra: &[&str]) -> Srv {
    let port = free_port();
    let ps = port.to_string();
    let ws = www.to_str().unwrap().to_string();
    let mut args = vec!["-p", ps.as_str(), "-w", ws.as_str()];
    args.extend_from_slice(extra);
    let srv = Server::spawn(server_bin(), Some(&our_lib_dir()), &args);
    srv.wait_for("listening", TIMEOUT);
    Srv {
        _srv: srv,
        port,
        www,
        root,
    }
}

fn req(method: &str, path: &str, headers: &str) -> Vec<u8> {
    format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n").into_bytes()
}

/// The `name=value` lines of a /hdr answer.
fn hdr_lines(r: &Response) -> Vec<String> {
    r.body_str().lines().map(str::to_string).collect()
}

fn assert_has_line(r: &Response, line: &str) {
    let lines = hdr_lines(r);
    assert!(
        lines.iter().any(|l| l == line),
        "no line {line:?} in /hdr answer:\n{}",
        r.body_str()
    );
}

/// Every response carries the vhost's extra header and server string.
fn assert_vhost_headers(r: &Response) {
    assert_eq!(r.header("x-vhost"), Some("yes"), "{r:?}");
    assert_eq!(r.header("server"), Some("lws-test"), "{r:?}");
}

// ---- routes of the protocol callback ----------------------------------

#[test]
fn hdr_reports_the_header_api() {
    let s = start(&[]);
    let r = request(
        s.port,
        b"GET /hdr?a=1&b=x%20y&c HTTP/1.1\r\nHost: example.org\r\nUser-Agent: test-ua/1.0\r\n\
          Accept: text/plain\r\nCookie: x=1; sid=abc123; y=2\r\nX-Custom: custom value\r\n\r\n",
    );
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert_eq!(
        r.header("content-length")
            .map(|c| c.parse::<usize>().unwrap()),
        Some(r.body.len())
    );
    assert_vhost_headers(&r);
    for line in [
        "method=0 uri=/hdr",
        "host=11:example.org total=11",
        "user-agent=11:test-ua/1.0 total=11",
        "accept=10:text/plain total=10",
        "cookie=20:x=1; sid=abc123; y=2 total=20",
        // fragments are stored %-decoded, without the '&'
        "args-total=11",
        "arg0=3:a=1 fraglen=3",
        "arg1=5:b=x y fraglen=5",
        "arg2=1:c fraglen=1",
        "urlarg-a=1",
        "urlarg-b=x y",
        "x-custom=12:12:custom value",
        "cookie-sid=0:abc123",
        "token0=get ",
        "token1=post ",
        "token3=host:",
        "token27=content-length:",
        "token26=cookie:",
        "token76=uri-args",
    ] {
        assert_has_line(&r, line);
    }
}

#[test]
fn hdr_without_optional_headers() {
    let s = start(&[]);
    let r = get(s.port, "/hdr");
    assert_eq!(r.code, 200);
    for line in [
        "method=0 uri=/hdr",
        "user-agent=0: total=0",
        "cookie=0: total=0",
        "args-total=0",
        "urlarg-a=(null)",
        "urlarg-b=(null)",
        "x-custom=-1:-1:",
    ] {
        assert_has_line(&r, line);
    }
    assert!(
        hdr_lines(&r).iter().all(|l| !l.starts_with("arg0=")),
        "{}",
        r.body_str()
    );
    assert!(
        hdr_lines(&r)
            .iter()
            .any(|l| l.starts_with("cookie-sid=") && l != "cookie-sid=0:"),
        "cookie_get must fail without a cookie: {}",
        r.body_str()
    );
}

#[test]
fn file_route_serves_with_extra_header() {
    let s = start(&[]);
    let r = get(s.port, "/file");
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert_eq!(r.header("x-extra"), Some("1"));
    assert_eq!(r.header("content-length"), Some("8"));
    assert_vhost_headers(&r);
    assert_eq!(r.body_str(), A_TXT);
}

#[test]
fn missing_file_is_404() {
    let s = start(&[]);
    let r = get(s.port, "/missing-file");
    assert_eq!(r.code, 404, "{r:?}");
    assert_vhost_headers(&r);
    assert!(r.body_str().contains("404"), "{r:?}");
}

#[test]
fn redirect_route() {
    let s = start(&[]);
    let r = get(s.port, "/redirect");
    assert_eq!(r.code, 302, "{r:?}");
    assert_eq!(r.header("location"), Some("/hdr"));
    assert_vhost_headers(&r);
}

#[test]
fn status_route() {
    let s = start(&[]);
    for code in [200u16, 403, 418, 500, 503] {
        let r = get(s.port, &format!("/status/{code}"));
        assert_eq!(r.code, code, "{r:?}");
        assert!(
            r.status_line.starts_with(&format!("HTTP/1.1 {code}")),
            "{r:?}"
        );
        assert_vhost_headers(&r);
        assert!(r.body_str().contains("<p>x</p>"), "{r:?}");
    }
}

#[test]
fn unknown_path_is_404_from_the_dummy() {
    let s = start(&[]);
    let r = get(s.port, "/nope");
    assert_eq!(r.status_line, "HTTP/1.1 404 Not Found");
    assert_vhost_headers(&r);
}

// ---- request bodies ----------------------------------------------------

fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 8) as u8
        })
        .collect()
}

#[test]
fn post_one_mib_content_length() {
    let s = start(&[]);
    let body = pattern(1 << 20, 7);
    let mut c = Conn::connect(s.port);
    let mut raw = req(
        "POST",
        "/post",
        &format!(
            "Content-Length: {}\r\nContent-Type: application/octet-stream\r\n",
            body.len()
        ),
    );
    raw.extend_from_slice(&body);
    c.send(&raw).unwrap();
    let r = c.response(false).unwrap();
    assert_eq!(r.code, 200, "{r:?}");
    assert_eq!(
        r.body_str(),
        format!("len={} sum={}\n", body.len(), body_sum(&body))
    );
}

#[test]
fn post_chunked_in_odd_sizes() {
    let s = start(&[]);
    let body = pattern(100_000, 99);
    let mut c = Conn::connect(s.port);
    c.send(&req("POST", "/post", "Transfer-Encoding: chunked\r\n"))
        .unwrap();
    let sizes = [1usize, 2, 3, 7, 13, 255, 256, 4097, 1, 65_537];
    let mut off = 0;
    let mut i = 0;
    while off < body.len() {
        let n = sizes[i % sizes.len()].min(body.len() - off);
        i += 1;
        // a chunk extension on some, upper-case hex on others
        let size = if i % 3 == 0 {
            format!("{n:X};ext=1")
        } else {
            format!("{n:x}")
        };
        let mut chunk = format!("{size}\r\n").into_bytes();
        chunk.extend_from_slice(&body[off..off + n]);
        chunk.extend_from_slice(b"\r\n");
        c.send(&chunk).unwrap();
        off += n;
    }
    c.send(b"0\r\n\r\n").unwrap();
    let r = c.response(false).unwrap();
    assert_eq!(r.code, 200, "{r:?}");
    assert_eq!(
        r.body_str(),
        format!("len={} sum={}\n", body.len(), body_sum(&body))
    );
    // and the connection is still usable
    c.send(&req("GET", "/hdr", "")).unwrap();
    assert_eq!(c.response(false).unwrap().code, 200);
}

#[test]
fn expect_100_continue() {
    let s = start(&[]);
    let body = b"0123456789";
    let mut c = Conn::connect(s.port);
    c.send(&req(
        "POST",
        "/post",
        "Content-Length: 10\r\nExpect: 100-continue\r\n",
    ))
    .unwrap();
    let r = c.response(false).unwrap();
    assert_eq!(r.code, 100, "the interim answer comes first: {r:?}");
    assert!(r.status_line.starts_with("HTTP/1.1 100"), "{r:?}");
    c.send(body).unwrap();
    let r = c.response(false).unwrap();
    assert_eq!(r.code, 200, "{r:?}");
    assert_eq!(r.body_str(), format!("len=10 sum={}\n", body_sum(body)));
}

#[test]

fn empty_post() {
    let s = start(&[]);
    let r = request(s.port, &req("POST", "/post", "Content-Length: 0\r\n"));
    assert_eq!(r.code, 200, "{r:?}");
    assert_eq!(r.body_str(), "len=0 sum=0\n");
}

// ---- static files (LWSMPRO_FILE mount) --------------------------------

#[test]
fn static_index_and_file() {
    let s = start(&[]);
    let r = get(s.port, "/static/");
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert_eq!(r.header("cache-control"), Some("private, max-age=60"));
    assert!(r.header("etag").is_some(), "{r:?}");
    assert_vhost_headers(&r);
    assert_eq!(r.body_str(), INDEX);

    let r = get(s.port, "/static/a.txt");
    assert_eq!(r.code, 200);
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert_eq!(r.header("content-length"), Some("8"));
    assert_eq!(r.body_str(), A_TXT);

    let r = get(s.port, "/static/nope.txt");
    assert_eq!(r.code, 404, "{r:?}");
}

#[test]
fn static_without_slash_redirects() {
    let s = start(&[]);
    let r = get(s.port, "/static");
    assert_eq!(r.code, 301, "{r:?}");
    let loc = r.header("location").expect("location");
    assert!(loc.ends_with("/static/"), "{loc}");
}

#[test]
fn head_of_static_file_has_no_body() {
    let s = start(&[]);
    let mut c = Conn::connect(s.port);
    // HEAD then GET pipelined: a body after the HEAD answer would be taken
    // for the second status line
    let mut raw = req("HEAD", "/static/a.txt", "");
    raw.extend(req("GET", "/hdr", ""));
    c.send(&raw).unwrap();
    let r = c.response(true).unwrap();
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.header("content-length"), Some("8"));
    assert_eq!(r.header("content-type"), Some("text/plain"));
    let r2 = c.response(false).unwrap();
    assert_eq!(r2.status_line, "HTTP/1.1 200 OK", "body bytes after HEAD?");
    assert_has_line(&r2, "method=0 uri=/hdr");
}

#[test]
fn etag_round_trip() {
    let s = start(&[]);
    let r = get(s.port, "/static/a.txt");
    let etag = r.header("etag").expect("etag").to_string();
    assert!(!etag.is_empty());

    let mut c = Conn::connect(s.port);
    c.send(&req(
        "GET",
        "/static/a.txt",
        &format!("If-None-Match: {etag}\r\n"),
    ))
    .unwrap();
    let r = c.response(false).unwrap();
    assert_eq!(r.code, 304, "{r:?}");
    assert_eq!(r.body, b"");
    assert_vhost_headers(&r);
    // a 304 has no body: the next answer on the connection is clean
    c.send(&req("GET", "/static/a.txt", "If-None-Match: \"nope\"\r\n"))
        .unwrap();
    let r = c.response(false).unwrap();
    assert_eq!(r.code, 200, "mismatching etag: {r:?}");
    assert_eq!(r.body_str(), A_TXT);
    assert_eq!(r.header("etag"), Some(etag.as_str()));
}

#[test]
fn etag_changes_with_the_file() {
    let s = start(&[]);
    let e1 = get(s.port, "/static/a.txt")
        .header("etag")
        .unwrap()
        .to_string();
    fs::write(s.www.join("a.txt"), "a different, longer content\n").unwrap();
    let r = request(
        s.port,
        &req("GET", "/static/a.txt", &format!("If-None-Match: {e1}\r\n")),
    );
    assert_eq!(r.code, 200, "stale etag must not give 304: {r:?}");
    assert_ne!(r.header("etag"), Some(e1.as_str()));
}

#[test]
fn big_file_download() {
    let (root, www) = make_root("http-big");
    const SIZE: usize = 100 << 20;
    let data = pattern(SIZE, 12345);
    fs::write(www.join("big.gz"), &data).unwrap();
    let s = start_in(root, www, &[]);
    let mut c = Conn::connect(s.port);
    c.stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    c.send(&req("GET", "/static/big.gz", "")).unwrap();
    let r = c.response(false).unwrap();
    assert_eq!(r.code, 200);
    assert_eq!(r.header("content-length"), Some(SIZE.to_string().as_str()));
    assert!(
        r.header("content-type").is_some_and(|t| t.contains("gzip")),
        "{:?}",
        r.header("content-type")
    );
    assert_eq!(r.body.len(), SIZE);
    if let Some(i) = r.body.iter().zip(&data).position(|(a, b)| a != b) {
        panic!("body differs from the file at byte {i}");
    }
    drop(data);
    // still keep-alive afterwards
    c.send(&req("GET", "/static/a.txt", "")).unwrap();
    assert_eq!(c.response(false).unwrap().body_str(), A_TXT);
    let _ = fs::remove_dir_all(&s.root);
}

// ---- path traversal ------------------------------------------------------

#[test]
fn path_traversal_is_refused() {
    let s = start(&[]);
    let passwd = fs::read_to_string("/etc/passwd").unwrap_or_default();
    for path in [
        "/static/../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/%2E%2E/%2E%2E/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        "/static/..%2f..%2f..%2f..%2fetc/passwd",
        "/static/../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/a%00b",
        "/static/a.txt%00.html",
        "/auth/../secret.txt",
    ] {
        let r = request(
            s.port,
            &req("GET", path, "Authorization: Basic dXNlcjpwYXNz\r\n"),
        );
        let body = r.body_str();
        assert!(
            !body.contains("TOP-SECRET") && !body.contains("root:x:0:0"),
            "{path}: leaked a file outside the root: {r:?}"
        );
        assert!(
            passwd.is_empty() || !body.contains(passwd.lines().next().unwrap()),
            "{path}: leaked /etc/passwd"
        );
        // allowed answers: refused (400/403/404), or a redirect/normalised
        // path that stays inside the root (200 only with in-root content)
        match r.code {
            400 | 403 | 404 => {}
            200 => assert!(
                body == A_TXT || body == INDEX,
                "{path}: 200 with unexpected content {body:?}"
            ),
            301 | 302 => {
                let loc = r.header("location").unwrap_or("");
                assert!(
                    !loc.contains("passwd") && !loc.contains("secret"),
                    "{path}: {loc}"
                );
            }
            other => panic!("{path}: unexpected status {other}: {r:?}"),
        }
        assert!(!r.status_line.is_empty());
    }
}

// ---- keep-alive and pipelining -----------------------------------------

#[test]
fn keep_alive_sequential() {
    let s = start(&[]);
    let mut c = Conn::connect(s.port);
    for i in 0..3 {
        c.send(&req("GET", &format!("/hdr?a={i}"), "")).unwrap();
        let r = c.response(false).unwrap();
        assert_eq!(r.code, 200);
        assert_has_line(&r, &format!("urlarg-a={i}"));
    }
    c.send(&req("GET", "/static/a.txt", "")).unwrap();
    assert_eq!(c.response(false).unwrap().body_str(), A_TXT);
}

#[test]
fn keep_alive_pipelined() {
    let s = start(&[]);
    let mut c = Conn::connect(s.port);
    let mut raw = Vec::new();
    for i in 0..3 {
        raw.extend(req("GET", &format!("/hdr?a={i}"), ""));
    }
    raw.extend(req("GET", "/file", ""));
    raw.extend(req("POST", "/post", "Content-Length: 3\r\n"));
    raw.extend_from_slice(b"abc");
    raw.extend(req("GET", "/static/a.txt", ""));
    c.send(&raw).unwrap();
    for i in 0..3 {
        let r = c.response(false).unwrap();
        assert_eq!(r.code, 200);
        assert_has_line(&r, &format!("urlarg-a={i}"));
    }
    let r = c.response(false).unwrap();
    assert_eq!(r.header("x-extra"), Some("1"));
    assert_eq!(r.body_str(), A_TXT);
    let r = c.response(false).unwrap();
    assert_eq!(r.body_str(), format!("len=3 sum={}\n", body_sum(b"abc")));
    let r = c.response(false).unwrap();
    assert_eq!(r.body_str(), A_TXT);
}

// ---- basic auth ----------------------------------------------------------

#[test]
fn basic_auth() {
    let s = start(&[]);
    let r = get(s.port, "/auth/a.txt");
    assert_eq!(r.code, 401, "{r:?}");
    assert_eq!(r.header("www-authenticate"), Some("Basic realm=\"lwsws\""));
    assert_vhost_headers(&r);

    // user:wrong, and a password that is only a prefix of the right one
    for creds in ["dXNlcjp3cm9uZw==", "dXNlcjpwYXM=", "dXNlcjpwYXNzeA=="] {
        let r = request(
            s.port,
            &req(
                "GET",
                "/auth/a.txt",
                &format!("Authorization: Basic {creds}\r\n"),
            ),
        );
        assert_eq!(r.code, 401, "{creds}: {r:?}");
        assert_eq!(r.header("www-authenticate"), Some("Basic realm=\"lwsws\""));
        assert!(!r.body_str().contains("hello"), "{creds}: {r:?}");
    }
    // credentials without a colon, or not base64: 4.1.6 answers 403
    for creds in ["bm9jb2xvbg==", "!!!"] {
        let r = request(
            s.port,
            &req(
                "GET",
                "/auth/a.txt",
                &format!("Authorization: Basic {creds}\r\n"),
            ),
        );
        assert_eq!(r.code, 403, "{creds}: {r:?}");
        assert!(!r.body_str().contains("hello"), "{creds}: {r:?}");
    }

    let r = request(
        s.port,
        &req(
            "GET",
            "/auth/a.txt",
            "Authorization: Basic dXNlcjpwYXNz\r\n",
        ),
    );
    assert_eq!(r.code, 200, "{r:?}");
    assert_eq!(r.body_str(), A_TXT);
}

// ---- mounts: redirect, error document ------------------------------------

#[test]
fn redir_mount_is_301_to_origin() {
    let s = start(&[]);
    for path in ["/redir", "/redir/", "/redir/foo"] {
        let r = get(s.port, path);
        assert_eq!(r.code, 301, "{path}: {r:?}");
        assert_eq!(r.header("location"), Some("http://example.com/x"), "{path}");
    }
}

#[test]
fn error_document_404() {
    let s = start(&["-e"]);
    for path in ["/nope", "/static/nope.txt"] {
        let r = get(s.port, path);
        assert_eq!(r.code, 302, "{path}: {r:?}");
        let loc = r.header("location").expect("location");
        assert!(loc.ends_with("/static/404.html"), "{path}: {loc}");
    }
    let r = get(s.port, "/static/404.html");
    assert_eq!(r.code, 200);
    assert_eq!(r.body_str(), "<p>custom 404</p>\n");
}

// ---- hostile requests ------------------------------------------------------

/// Sends `raw` (tolerating the server closing early), reads one response.
fn hostile(port: u16, raw: &[u8]) -> Response {
    let mut c = Conn::connect(port);
    let stream = c.stream.try_clone().unwrap();
    let raw = raw.to_vec();
    // write from a thread: the server may answer (and stop reading) before
    // the whole request is sent
    let w = std::thread::spawn(move || {
        let mut s = stream;
        for chunk in raw.chunks(16 * 1024) {
            if s.write_all(chunk).is_err() {
                break;
            }
        }
    });
    let r = c
        .response(false)
        .unwrap_or_else(|e| panic!("no answer: {e}"));
    let _ = c.stream.shutdown(std::net::Shutdown::Both);
    let _ = w.join();
    r
}

fn assert_status_in(r: &Response, codes: &[u16], what: &str) {
    assert!(
        r.status_line.starts_with("HTTP/1.") && codes.contains(&r.code),
        "{what}: want one of {codes:?} with a status line, got {r:?}"
    );
}

#[test]
fn hostile_malformed_requests_get_400() {
    let s = start(&[]);
    for (what, raw) in [
        ("garbage request line", &b"HELLO\r\n\r\n"[..]),
        ("no version", b"GET /hdr\r\nHost: x\r\n\r\n"),
        ("space before colon", b"GET /hdr HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n"),
        ("missing host", b"GET /hdr HTTP/1.1\r\nUser-Agent: x\r\n\r\n"),
        (
            "content-length and transfer-encoding",
            b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        ),
        (
            "two different content-lengths",
            b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        ),
        (
            "bad chunk size",
            b"POST /post HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        ),
        (
            "negative content-length",
            b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        ),
    ] {
        let r = hostile(s.port, raw);
        assert_status_in(&r, &[400], what);
    }
    // an unsupported major version: 505 (RFC 7230 2.6) or 400
    let r = hostile(s.port, b"GET /hdr HTTP/9\r\nHost: x\r\n\r\n");
    assert_status_in(&r, &[400, 505], "bad version");
    let r = hostile(s.port, b"GET /hdr HTTP/1.x\r\nHost: x\r\n\r\n");
    assert_status_in(&r, &[400, 505], "garbage version");
    // the server is still fine
    assert_eq!(get(s.port, "/hdr").code, 200);
}

#[test]
fn hostile_big_headers_get_431_or_400() {
    let s = start(&[]);
    let mut long_line = b"GET /hdr HTTP/1.1\r\nHost: x\r\nX-Long: ".to_vec();
    long_line.extend(std::iter::repeat_n(b'a', 64 * 1024));
    long_line.extend_from_slice(b"\r\n\r\n");

    let mut mib = b"GET /hdr HTTP/1.1\r\nHost: x\r\n".to_vec();
    let mut i = 0;
    while mib.len() < 1 << 20 {
        mib.extend(format!("X-H{i}: {}\r\n", "b".repeat(1000)).bytes());
        i += 1;
    }
    mib.extend_from_slice(b"\r\n");

    let mut many = b"GET /hdr HTTP/1.1\r\nHost: x\r\n".to_vec();
    for i in 0..5000 {
        many.extend(format!("X-{i}: v\r\n").bytes());
    }
    many.extend_from_slice(b"\r\n");

    for (what, raw) in [
        ("64 KiB header line", long_line),
        ("1 MiB of headers", mib),
        ("5000 headers", many),
    ] {
        let r = hostile(s.port, &raw);
        assert_status_in(&r, &[400, 431], what);
    }
    assert_eq!(get(s.port, "/hdr").code, 200);
}

#[test]
fn hostile_unknown_method_and_te() {
    let s = start(&[]);
    let r = hostile(s.port, b"BREW /hdr HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_status_in(&r, &[400, 501], "unknown method");
    let r = hostile(
        s.port,
        b"POST /post HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
    );
    assert_status_in(&r, &[400, 501], "unknown transfer-encoding");
    let r = hostile(s.port, b"GET /static/%zz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_status_in(&r, &[400, 403, 404], "bad %-escape");
}

// ---- timeouts --------------------------------------------------------------

#[test]
fn slowloris_is_cut_while_others_are_served() {
    let s = start(&["-t", "2"]);
    let mut slow = Conn::connect(s.port);
    slow.send(b"GET /hdr HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .unwrap();
    let t0 = Instant::now();
    let mut served = 0;
    let closed_at = loop {
        let t = t0.elapsed();
        assert!(t < Duration::from_secs(15), "slow client never cut");
        if slow.send(b"a").is_err() {
            break t;
        }
        // meanwhile another client is served promptly
        let q = Instant::now();
        let r = get(s.port, "/hdr");
        assert_eq!(r.code, 200);
        assert!(q.elapsed() < Duration::from_secs(2), "other client starved");
        served += 1;
        let (closed, _) = slow.wait_closed(Duration::from_millis(500));
        if closed {
            break t0.elapsed();
        }
    };
    assert!(
        closed_at >= Duration::from_millis(1500),
        "cut too early ({closed_at:?})"
    );
    assert!(
        closed_at <= Duration::from_secs(8),
        "cut too late ({closed_at:?}) for timeout_secs 2"
    );
    assert!(served >= 2, "served {served}");
}

#[test]
fn idle_keep_alive_is_closed() {
    let s = start(&["-k", "2"]);
    let mut c = Conn::connect(s.port);
    c.send(&req("GET", "/hdr", "")).unwrap();
    assert_eq!(c.response(false).unwrap().code, 200);
    let t0 = Instant::now();
    let (closed, extra) = c.wait_closed(Duration::from_secs(10));
    let t = t0.elapsed();
    assert!(closed, "idle keep-alive connection still open after {t:?}");
    assert!(extra.is_empty(), "unexpected bytes {extra:?}");
    assert!(t >= Duration::from_millis(1500), "closed too early ({t:?})");
    assert!(t <= Duration::from_secs(6), "closed too late ({t:?})");
}

#[test]
fn keep_alive_survives_short_pauses() {
    let s = start(&["-k", "3"]);
    let mut c = Conn::connect(s.port);
    for _ in 0..3 {
        c.send(&req("GET", "/hdr", "")).unwrap();
        assert_eq!(c.response(false).unwrap().code, 200);
        std::thread::sleep(Duration::from_millis(1000));
    }
}

#[test]
fn many_connections_at_once() {
    let s = start(&[]);
    let mut conns: Vec<Conn> = (0..50).map(|_| Conn::connect(s.port)).collect();
    for (i, c) in conns.iter_mut().enumerate() {
        c.send(&req("GET", &format!("/hdr?a={i}"), "")).unwrap();
    }
    for (i, c) in conns.iter_mut().enumerate() {
        let r = c.response(false).unwrap();
        assert_has_line(&r, &format!("urlarg-a={i}"));
    }
}

/// `token_limits`: a header longer than its token's limit is refused with
/// 431; within the limit it is served.
#[test]
fn token_limits_refuse_long_headers() {
    let s = start(&["-l"]);
    let ok = common::http::request(
        s.port,
        b"GET /hdr HTTP/1.1\r\nHost: x\r\nUser-Agent: short-agent\r\n\r\n",
    );
    assert_eq!(ok.code, 200, "{ok:?}");
    let long = common::http::request(
        s.port,
        b"GET /hdr HTTP/1.1\r\nHost: x\r\nUser-Agent: a-user-agent-longer-than-sixteen\r\n\r\n",
    );
    assert_eq!(long.code, 431, "{long:?}");
}
