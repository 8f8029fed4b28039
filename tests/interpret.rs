//! Mounts with `interpret`: `c-tests/interpret-server.c` serves a document
//! root whose ".html" files go through LWS_CALLBACK_PROCESS_HTML and
//! lws_chunked_html_process() ("$hello" -> "HELLO-REPLACED", "$world" ->
//! "w"). Ours is checked on the wire (chunk framing read strictly, headers,
//! keep-alive after it, callbacks); then the same binary built on Debian's
//! headers runs on Debian's library and on ours and the answers are
//! compared where 4.1.6 is right.
//!
//! Both libraries read an interpreted file in pieces of 3949 bytes (the
//! 4096-byte service buffer less 9 for an h2 frame header, 10 of headroom
//! for the chunk size and 128 of growth), so the pieces, and the chunks,
//! line up.

mod common;

use common::http::Conn;
use common::{
    compile_c, debian_lib_dir, free_port, have_debian_headers, our_lib_dir, temp_dir, Headers,
    Server,
};
use pretty_assertions::assert_eq;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);
const PIECE: usize = 3949;
/// Where "$hello" starts in straddle.html: "$he" ends the first piece.
const STRADDLE_AT: usize = PIECE - 3;

fn subst(s: &str) -> String {
    s.replace("$hello", "HELLO-REPLACED").replace("$world", "w")
}

/// big.html: > 8 KiB, three pieces, names every 10th line (a piece may
/// grow by at most 128 bytes), none across a piece boundary and none right
/// after a one-byte replacement (the cases where 4.1.6 goes wrong).
fn big_html() -> String {
    let s: String = (0..400)
        .map(|i| {
            if i % 10 == 3 {
                format!("line {i:04}: $hello, $world!!\n")
            } else {
                format!("line {i:04}: plain text here!\n")
            }
        })
        .collect();
    for b in [PIECE, 2 * PIECE] {
        assert!(
            // both names are 6 bytes long
            !s.as_bytes()[b - 5..b].contains(&b'$'),
            "a name straddles the piece boundary at {b}"
        );
    }
    s
}

/// straddle.html: "$hello" split 3/3 between the first two pieces, then
/// "$world$hello" (a name right after a one-byte replacement), > 8 KiB.
fn straddle_html() -> String {
    let filler: String = (0..STRADDLE_AT)
        .map(|i| (b'a' + (i % 26) as u8) as char)
        .collect();
    let mut s = filler;
    s.push_str("$hello-mid-$world$hello-");
    s.push_str(&"x".repeat(4000));
    s.push_str(" $world end $hel");
    s
}

fn make_root() -> PathBuf {
    let www = temp_dir("interpret").join("www");
    fs::create_dir_all(&www).unwrap();
    fs::write(www.join("index.html"), "<p>$hello and $world</p>\n").unwrap();
    fs::write(www.join("big.html"), big_html()).unwrap();
    fs::write(www.join("straddle.html"), straddle_html()).unwrap();
    fs::write(www.join("plain.txt"), "$hello plain\n").unwrap();
    fs::write(www.join("empty.html"), "").unwrap();
    fs::write(www.join("fail.html"), "abc FAILNOW def $hello\n").unwrap();
    fs::write(www.join("x.htm"), "$hello\n").unwrap();
    www
}

fn start(bin: &Path, lib: Option<&Path>, www: &Path) -> (Server, u16) {
    let port = free_port();
    let ps = port.to_string();
    let srv = Server::spawn(bin, lib, &["-p", &ps, "-w", www.to_str().unwrap()]);
    srv.wait_for("listening", TIMEOUT);
    (srv, port)
}

/// A response read byte-exactly: the head, and for a chunked body every
/// chunk's data (the empty last chunk included), framing checked strictly.
#[derive(Debug)]
struct Raw {
    code: u16,
    headers: Vec<(String, String)>,
    chunks: Vec<Vec<u8>>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn body(&self) -> String {
        String::from_utf8_lossy(&self.chunks.concat()).into_owned()
    }
    fn sizes(&self) -> Vec<usize> {
        self.chunks.iter().map(|c| c.len()).collect()
    }
}

struct Reader {
    s: std::net::TcpStream,
    buf: Vec<u8>,
}

impl Reader {
    fn connect(port: u16) -> Reader {
        let s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        Reader { s, buf: Vec::new() }
    }

    fn get(&mut self, method: &str, path: &str, extra: &str) {
        use std::io::Write;
        let r = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\n{extra}\r\n");
        self.s.write_all(r.as_bytes()).unwrap();
    }

    fn fill(&mut self) -> usize {
        let mut t = [0u8; 65536];
        let n = self.s.read(&mut t).expect("read");
        self.buf.extend_from_slice(&t[..n]);
        n
    }

    fn line(&mut self) -> String {
        loop {
            if let Some(i) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let l: Vec<u8> = self.buf.drain(..i + 2).collect();
                return String::from_utf8_lossy(&l[..i]).into_owned();
            }
            assert!(self.fill() > 0, "closed mid-line: {:?}", self.buf);
        }
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        while self.buf.len() < n {
            assert!(self.fill() > 0, "closed mid-body");
        }
        self.buf.drain(..n).collect()
    }

    fn response(&mut self, head: bool) -> Raw {
        let status = self.line();
        let code = status.split(' ').nth(1).unwrap().parse().unwrap();
        let mut headers = Vec::new();
        loop {
            let l = self.line();
            if l.is_empty() {
                break;
            }
            let (n, v) = l.split_once(':').unwrap();
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
        let mut r = Raw {
            code,
            headers,
            chunks: Vec::new(),
        };
        if head || code == 304 {
            return r;
        }
        if r.header("transfer-encoding") == Some("chunked") {
            loop {
                let size = self.line();
                assert!(
                    !size.is_empty() && size.bytes().all(|c| c.is_ascii_hexdigit()),
                    "bad chunk size line {size:?}"
                );
                let n = usize::from_str_radix(&size, 16).unwrap();
                let data = self.take(n);
                assert_eq!(self.take(2), b"\r\n", "chunk not followed by CRLF");
                r.chunks.push(data);
                if n == 0 {
                    break;
                }
            }
        } else if let Some(cl) = r.header("content-length") {
            let cl = cl.parse().unwrap();
            r.chunks.push(self.take(cl));
        }
        r
    }
}

fn fetch(port: u16, path: &str) -> Raw {
    let mut c = Reader::connect(port);
    c.get("GET", path, "");
    c.response(false)
}

/// Built once: the tests run in parallel and would rewrite a binary
/// another one is running.
fn our_bin() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        compile_c(
            "interpret-server-ours",
            &[common::repo().join("c-tests/interpret-server.c")],
            Headers::Ours,
            &[],
        )
    })
    .clone()
}

#[test]
fn interpreted_files_on_ours() {
    let www = make_root();
    let (srv, port) = start(&our_bin(), Some(&our_lib_dir()), &www);

    // several requests on one connection: keep-alive survives the
    // interpreted responses, and a plain file in between is untouched
    let mut c = Reader::connect(port);
    c.get("GET", "/", "");
    let r = c.response(false);
    assert_eq!(r.code, 200);
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.header("content-length"), None);
    assert_eq!(r.header("content-type"), Some("text/html"));
    assert!(r.header("etag").is_some());
    assert_eq!(r.body(), "<p>HELLO-REPLACED and w</p>\n");
    assert_eq!(r.sizes(), vec![28, 0]);

    c.get("GET", "/big.html", "");
    let r = c.response(false);
    assert_eq!(r.body(), subst(&big_html()));
    assert_eq!(
        r.chunks.len(),
        4,
        "one chunk per piece, then the last chunk"
    );

    c.get("GET", "/plain.txt", "");
    let r = c.response(false);
    assert_eq!(r.header("content-length"), Some("13"));
    assert_eq!(r.header("transfer-encoding"), None);
    assert_eq!(r.body(), "$hello plain\n");

    c.get("GET", "/straddle.html", "");
    let r = c.response(false);
    assert_eq!(r.body(), subst(&straddle_html()));
    // the split name is held back from the first piece's chunk
    assert_eq!(r.sizes()[0], STRADDLE_AT);
    assert!(r.body().contains("-mid-wHELLO-REPLACED-"));
    assert!(r.body().ends_with(" w end $hel"));

    // HEAD: the chunked head, no body; the ETag gives a 304
    c.get("HEAD", "/index.html", "");
    let r = c.response(true);
    assert_eq!(r.code, 200);
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    let etag = r.header("etag").unwrap().to_string();
    c.get("GET", "/index.html", &format!("If-None-Match: {etag}\r\n"));
    let r = c.response(false);
    assert_eq!(r.code, 304);

    // an empty interpreted file still ends its chunked body (4.1.6 never
    // calls PROCESS_HTML for it and leaves the body unterminated)
    c.get("GET", "/empty.html", "");
    let r = c.response(false);
    assert_eq!(r.sizes(), vec![0]);

    c.get("GET", "/index.html", "");
    assert_eq!(c.response(false).body(), "<p>HELLO-REPLACED and w</p>\n");
    drop(c);

    // the interpreting protocol was bound with fresh user space for each
    // file, PROCESS_HTML saw lws's piece geometry, FILE_COMPLETION went to it
    let want = [
        "bind interp zeroed=1",
        "piece len=25 max=4077 final=1 chunked=1",
        "completion interp pieces=1",
        "drop interp",
        "bind interp zeroed=1",
        "piece len=3949 max=4077 final=0 chunked=1",
        "piece len=3949 max=4077 final=0 chunked=1",
        "piece len=3302 max=4077 final=1 chunked=1",
        "completion interp pieces=3",
        "drop interp",
    ];
    for w in want {
        assert_eq!(srv.next_line(TIMEOUT).as_deref(), Some(w));
    }
}

#[test]
fn failures_on_ours() {
    let www = make_root();
    let (_srv, port) = start(&our_bin(), Some(&our_lib_dir()), &www);

    // PROCESS_HTML returning < 0 closes the connection
    let mut c = Conn::connect(port);
    c.send(b"GET /fail.html HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let (closed, got) = c.wait_closed(TIMEOUT);
    assert!(closed, "still open after the callback failed");
    let got = String::from_utf8_lossy(&got).into_owned();
    assert!(!got.contains("FAILNOW"), "{got}");

    // an interpret entry naming a protocol the vhost lacks: 500 (4.1.6
    // indexes its protocol array with a NULL pointer's offset)
    let r = fetch(port, "/x.htm");
    assert_eq!(r.code, 500);
}

/// The binary built on Debian's headers, run on both libraries.
#[test]
fn differential_against_debian() {
    if debian_lib_dir().is_none() || !have_debian_headers() {
        eprintln!("SKIPPED: Debian's libwebsockets.so.17 or libwebsockets-dev is not installed");
        return;
    }
    let bin = compile_c(
        "interpret-server-debian",
        &[common::repo().join("c-tests/interpret-server.c")],
        Headers::Debian,
        &[],
    );
    let www = make_root();
    let (_d, deb) = start(&bin, None, &www);
    let (_o, ours) = start(&bin, Some(&our_lib_dir()), &www);

    for path in ["/", "/index.html", "/big.html", "/plain.txt"] {
        let d = fetch(deb, path);
        let o = fetch(ours, path);
        assert_eq!(d.code, o.code, "{path}");
        for h in [
            "transfer-encoding",
            "content-length",
            "content-type",
            "etag",
        ] {
            assert_eq!(d.header(h), o.header(h), "{path}: {h}");
        }
        assert_eq!(d.body(), o.body(), "{path}");
        // same pieces, so the same chunks
        assert_eq!(d.sizes(), o.sizes(), "{path}");
    }
    assert_eq!(fetch(deb, "/big.html").body(), subst(&big_html()));

    // straddle.html: 4.1.6 writes the held "$he" over the start of the
    // second piece (losing "-mi") and misses the "$hello" right after the
    // one-byte "w"; compare only the part it gets right, up to and
    // including the split name's replacement. Ours is checked whole above.
    let d = fetch(deb, "/straddle.html");
    let o = fetch(ours, "/straddle.html");
    assert_eq!(d.header("transfer-encoding"), o.header("transfer-encoding"));
    let right = STRADDLE_AT + "HELLO-REPLACED".len();
    assert_eq!(d.body()[..right], o.body()[..right]);
    assert_eq!(d.sizes()[0], o.sizes()[0]);
    assert_eq!(o.body(), subst(&straddle_html()));
}
