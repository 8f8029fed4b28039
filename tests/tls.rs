//! TLS, server and client, on Debian's library and ours.
//!
//! Certificates are made at test time with `openssl req`/`openssl x509`
//! (a CA, leaf certificates it signs, a self-signed one) and, for the one
//! whose validity lies in the past, with the `openssl` crate (the CLI of
//! OpenSSL 3.0 cannot back-date). `c-tests/tls-server.c` and
//! `c-tests/tls-client.c` are built against Debian's headers and run once
//! on each library; their traces must match. Independent peers check the
//! server: curl, `openssl s_client`, Python's `ssl` module (a WebSocket
//! echo over it), and the `openssl` crate for hostile clients.

mod common;

use common::{
    compile_c, debian_lib_dir, free_port, have_debian_headers, our_lib_dir, Headers, Server,
};
use pretty_assertions::assert_eq;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(20);

/// The certificates, made once per test binary.
fn certs() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = common::temp_dir("tls-certs");
        let sh = r#"
set -e
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj "/O=lws-rs test/CN=Test CA"
leaf() {
  openssl req -newkey rsa:2048 -nodes -keyout $1.key -out $1.csr -subj "/O=lws-rs test/CN=$2"
  printf "subjectAltName=%s\n" "$3" > $1.ext
  openssl x509 -req -in $1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $1.pem -days 30 -extfile $1.ext
}
leaf server localhost "DNS:localhost,IP:127.0.0.1"
leaf server2 localhost-v2 "DNS:localhost,IP:127.0.0.1"
leaf other other.test "DNS:other.test"
leaf client client1 "DNS:client1"
openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.pem -days 30 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1"
openssl rsa -in server.key -aes256 -passout pass:sekrit -out server-enc.key
openssl x509 -in ca.pem -outform DER -out ca.der
"#;
        let o = Command::new("sh")
            .arg("-c")
            .arg(sh)
            .current_dir(&d)
            .output()
            .expect("run openssl");
        assert!(
            o.status.success(),
            "certificate generation failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        expired_cert(&d);
        d
    })
}

/// A CA-signed certificate for localhost that expired last year.
fn expired_cert(d: &Path) {
    use openssl::asn1::Asn1Time;
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::x509::extension::SubjectAlternativeName;
    use openssl::x509::{X509NameBuilder, X509};
    let ca = X509::from_pem(&std::fs::read(d.join("ca.pem")).unwrap()).unwrap();
    let cakey = PKey::private_key_from_pem(&std::fs::read(d.join("ca.key")).unwrap()).unwrap();
    let key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "localhost").unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    let serial = openssl::bn::BigNum::from_u32(77)
        .unwrap()
        .to_asn1_integer()
        .unwrap();
    b.set_serial_number(&serial).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(ca.subject_name()).unwrap();
    b.set_pubkey(&key).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    b.set_not_before(&Asn1Time::from_unix(now - 400 * 86400).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(now - 365 * 86400).unwrap())
        .unwrap();
    let san = SubjectAlternativeName::new()
        .dns("localhost")
        .ip("127.0.0.1")
        .build(&b.x509v3_context(Some(&ca), None))
        .unwrap();
    b.append_extension(san).unwrap();
    b.sign(&cakey, MessageDigest::sha256()).unwrap();
    std::fs::write(d.join("expired.pem"), b.build().to_pem().unwrap()).unwrap();
    std::fs::write(
        d.join("expired.key"),
        key.private_key_to_pem_pkcs8().unwrap(),
    )
    .unwrap();
}

fn c(name: &str) -> String {
    certs().join(name).to_str().unwrap().to_string()
}

/// The libraries to run on: Debian's (when installed) and ours.
fn libs() -> Vec<(&'static str, PathBuf)> {
    let mut v = Vec::new();
    if let Some(d) = debian_lib_dir() {
        v.push(("debian", d));
    }
    v.push(("ours", our_lib_dir()));
    v
}

/// A C test program, built against Debian's headers when they are
/// installed (so it is the same binary on both libraries), else ours.
fn program(name: &str) -> PathBuf {
    let h = if have_debian_headers() && debian_lib_dir().is_some() {
        Headers::Debian
    } else {
        eprintln!("NOTE: Debian's libwebsockets-dev is not installed: ours only");
        Headers::Ours
    };
    compile_c(
        &format!("{name}-{h:?}"),
        &[common::repo().join(format!("c-tests/{name}.c"))],
        h,
        &["-Wl,--no-as-needed", "-lssl", "-lcrypto"],
    )
}

fn server_bin() -> &'static PathBuf {
    static B: OnceLock<PathBuf> = OnceLock::new();
    B.get_or_init(|| program("tls-server"))
}

fn client_bin() -> &'static PathBuf {
    static B: OnceLock<PathBuf> = OnceLock::new();
    B.get_or_init(|| program("tls-client"))
}

fn start_server(lib: &Path, args: &[&str]) -> (Server, u16) {
    let port = free_port();
    let ps = port.to_string();
    let mut a = vec!["-p", &ps];
    a.extend_from_slice(args);
    let s = Server::spawn(server_bin(), Some(lib), &a);
    let mut pre = Vec::new();
    loop {
        match s.next_line(T) {
            Some(l) if l == "listening" => break,
            Some(l) => pre.push(l),
            None => panic!("tls-server {args:?} did not start: {pre:?}"),
        }
    }
    PREAMBLE.with(|p| *p.borrow_mut() = pre);
    (s, port)
}

thread_local! {
    /// What the last server started on this thread printed before
    /// "listening" (vhost creation callbacks).
    static PREAMBLE: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Server lines until a quiet moment.
fn drain(s: &Server) -> Vec<String> {
    let mut v = Vec::new();
    while let Some(l) = s.next_line(Duration::from_millis(400)) {
        v.push(l);
    }
    v
}

fn run(cmd: &mut Command) -> String {
    let o = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

fn curl(port: u16, host: &str, path: &str) -> String {
    let o = Command::new("curl")
        .args([
            "-sS",
            "--http1.1",
            "--max-time",
            "10",
            "--cacert",
            &c("ca.pem"),
        ])
        .args(["--resolve", &format!("{host}:{port}:127.0.0.1")])
        .arg(format!("https://{host}:{port}{path}"))
        .output()
        .expect("curl");
    assert!(
        o.status.success(),
        "curl {path}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `openssl s_client` sends a GET; returns what it printed (with the
/// peer certificate's subject).
fn s_client(port: u16, servername: &str, path: &str) -> String {
    let mut ch = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
        .args(["-servername", servername, "-CAfile", &c("ca.pem")])
        .args(["-verify_return_error", "-ign_eof"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("openssl s_client");
    ch.stdin
        .take()
        .unwrap()
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {servername}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
    let o = ch.wait_with_output().unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A WebSocket echo over Python's ssl module (certificate verified against
/// the CA, SNI localhost): three messages up to 70 kB; prints "ok N".
const PY_WSS: &str = r#"
import ssl, socket, os, base64, sys, struct
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="localhost")
key = base64.b64encode(os.urandom(16)).decode()
s.sendall(("GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: echo\r\n\r\n" % key).encode())
buf = b""
while b"\r\n\r\n" not in buf:
    buf += s.recv(4096)
head, buf = buf.split(b"\r\n\r\n", 1)
assert head.startswith(b"HTTP/1.1 101"), head
def send(p):
    m = os.urandom(4); l = len(p)
    h = bytes([0x82]) + (bytes([0x80 | l]) if l < 126 else bytes([0xfe]) + struct.pack(">H", l) if l < 65536 else bytes([0xff]) + struct.pack(">Q", l))
    s.sendall(h + m + bytes(b ^ m[i % 4] for i, b in enumerate(p)))
def recv():
    global buf
    out = b""
    while True:
        while True:
            if len(buf) >= 2:
                l = buf[1] & 127; o = 2
                if l == 126: l = struct.unpack(">H", buf[2:4])[0]; o = 4
                elif l == 127: l = struct.unpack(">Q", buf[2:10])[0]; o = 10
                if len(buf) >= o + l: break
            d = s.recv(65536)
            if not d: raise SystemExit("eof")
            buf += d
        fin = buf[0] & 0x80; out += buf[o:o + l]; buf = buf[o + l:]
        if fin: return out
n = 0
for size in (5, 3000, 7000):
    p = os.urandom(size); send(p); assert recv() == p; n += 1
s.sendall(bytes([0x88, 0x82]) + b"\0\0\0\0" + b"\x03\xe8")
print("ok", n)
"#;

fn py_wss(port: u16) -> String {
    run(Command::new("python3").args(["-c", PY_WSS, &port.to_string(), &c("ca.pem")]))
}

/// The server seen by curl, s_client, Python and a certificate swap,
/// on both libraries: same trace.
#[test]
fn server_differential() {
    let mut traces = Vec::new();
    for (name, lib) in libs() {
        // the certificate files get replaced below: each run has copies
        let d = common::temp_dir(&format!("tls-srv-{name}"));
        for f in ["server.pem", "server.key"] {
            std::fs::copy(certs().join(f), d.join(f)).unwrap();
        }
        let (cert, key) = (d.join("server.pem"), d.join("server.key"));
        let (s, port) = start_server(
            &lib,
            &[
                "--cert",
                cert.to_str().unwrap(),
                "--key",
                key.to_str().unwrap(),
                "--sni-cert",
                &c("other.pem"),
                "--sni-key",
                &c("other.key"),
                "--info",
            ],
        );
        let mut t = PREAMBLE.with(|p| p.borrow().clone());
        t.extend(drain(&s));
        let body = curl(port, "localhost", "/curl");
        assert!(body.contains("ssl=1 version=TLSv1.3"), "{name}: {body}");
        assert!(body.contains("vhost=localhost"), "{name}: {body}");
        t.extend(drain(&s));
        let body = curl(port, "other.test", "/sni");
        assert!(body.contains("vhost=other.test"), "{name}: {body}");
        t.extend(drain(&s));
        let out = s_client(port, "localhost", "/s_client");
        assert!(out.contains("HTTP/1.1 200 OK"), "{name}: {out}");
        assert!(
            out.contains("subject=O = lws-rs test, CN = localhost"),
            "{name}: {out}"
        );
        t.extend(drain(&s));
        let out = s_client(port, "other.test", "/s_client-sni");
        assert!(
            out.contains("subject=O = lws-rs test, CN = other.test"),
            "{name}: {out}"
        );
        t.extend(drain(&s));
        let out = py_wss(port);
        assert!(out.contains("ok 3"), "{name}: python: {out}");
        t.extend(drain(&s));
        // renewed certificate at the same paths; /update reloads them
        std::fs::copy(certs().join("server2.pem"), &cert).unwrap();
        std::fs::copy(certs().join("server2.key"), &key).unwrap();
        curl(port, "localhost", "/update");
        t.extend(drain(&s));
        let out = s_client(port, "localhost", "/after-update");
        assert!(out.contains("CN = localhost-v2"), "{name}: {out}");
        t.extend(drain(&s));
        traces.push((name, t));
    }
    let ours = &traces.last().unwrap().1;
    for want in [
        "load-extra-server ctx=1 vhost=localhost",
        "load-extra-client ctx=1",
        "vhost localhost cert cn=localhost issuer=/O=lws-rs test/CN=Test CA span=2592000",
        "vhost other.test cert cn=other.test issuer=/O=lws-rs test/CN=Test CA span=2592000",
        "ssl-info where=0x20",
        "http /curl ssl=1 version=TLSv1.3 cn=- verified=-1 vhost=localhost",
        "http /sni ssl=1 version=TLSv1.3 cn=- verified=-1 vhost=other.test",
        "ws established ssl=1 version=TLSv1.3 cn=- verified=-1 vhost=localhost",
        "ws rx 7000",
        "ws closed",
        "cert-updated 0",
        "vhost localhost cert cn=localhost-v2 issuer=/O=lws-rs test/CN=Test CA span=2592000",
    ] {
        assert!(
            ours.iter().any(|l| l == want),
            "missing {want:?} in\n{}",
            ours.join("\n")
        );
    }
    if traces.len() == 2 {
        assert_eq!(
            traces[0].1, traces[1].1,
            "server trace: debian (left) vs ours"
        );
    }
}

/// The client on both libraries against servers (on our library) with a
/// CA-signed, a self-signed and an expired certificate, one that wants a
/// client certificate and one whose callback refuses it.
#[test]
fn client_differential() {
    let ours = our_lib_dir();
    let (good, pg) = start_server(
        &ours,
        &["--cert", &c("server.pem"), "--key", &c("server.key")],
    );
    let (_selfs, ps) = start_server(&ours, &["--cert", &c("self.pem"), "--key", &c("self.key")]);
    let (_exp, pe) = start_server(
        &ours,
        &["--cert", &c("expired.pem"), "--key", &c("expired.key")],
    );
    let (need, pn) = start_server(
        &ours,
        &[
            "--cert",
            &c("server.pem"),
            "--key",
            &c("server.key"),
            "--ca",
            &c("ca.pem"),
            "--require-client-cert",
        ],
    );
    let (_rej, pr) = start_server(
        &ours,
        &[
            "--cert",
            &c("server.pem"),
            "--key",
            &c("server.key"),
            "--ca",
            &c("ca.pem"),
            "--require-client-cert",
            "--reject",
        ],
    );
    let (_alpn, pa) = start_server(
        &ours,
        &[
            "--cert",
            &c("server.pem"),
            "--key",
            &c("server.key"),
            "--alpn",
            "lws-test,http/1.1",
        ],
    );
    drain(&good);
    drain(&need);
    let (ca, cert, key, der) = (c("ca.pem"), c("client.pem"), c("client.key"), c("ca.der"));
    let ok_ws = [
        "established ssl=1 peer-cn=localhost verified=1 alpn=http/1.1",
        "rx hello over tls",
        "closed",
    ];
    let failed = ["connection-error "];
    let cases: Vec<(&str, u16, Vec<&str>, &[&str])> = vec![
        ("ca file", pg, vec!["--cafile", &ca], &ok_ws),
        (
            "ca in memory",
            pg,
            vec!["--camem", &ca, "--no-os-ca"],
            &ok_ws,
        ),
        ("os store only", pg, vec![], &failed),
        (
            "untrusted, insecure allowed",
            pg,
            vec!["--no-os-ca", "--insecure"],
            &ok_ws,
        ),
        (
            "wrong host",
            pg,
            vec!["--cafile", &ca, "--host", "wrong.test"],
            &failed,
        ),
        (
            "wrong host, check skipped",
            pg,
            vec!["--cafile", &ca, "--host", "wrong.test", "--skip-host"],
            &ok_ws,
        ),
        ("self-signed", ps, vec!["--cafile", &ca], &failed),
        (
            "self-signed allowed",
            ps,
            vec!["--cafile", &ca, "--selfsigned"],
            &ok_ws,
        ),
        ("expired", pe, vec!["--cafile", &ca], &failed),
        (
            "expired allowed",
            pe,
            vec!["--cafile", &ca, "--expired"],
            &ok_ws,
        ),
        (
            "client cert",
            pn,
            vec!["--cafile", &ca, "--cert", &cert, "--key", &key],
            &ok_ws,
        ),
        ("no client cert", pn, vec!["--cafile", &ca], &failed),
        ("provided SSL_CTX", pg, vec!["--provided-ctx", &ca], &ok_ws),
        (
            "client cert in memory",
            pn,
            vec!["--cafile", &ca, "--memcert", &cert, "--memkey", &key],
            &ok_ws,
        ),
        (
            "client TLS added by lws_init_vhost_client_ssl",
            pg,
            vec!["--cafile", &ca, "--late-init"],
            &["late-init 0", "established ssl=1"],
        ),
        (
            "ALPN chosen by the server's list",
            pa,
            vec!["--cafile", &ca, "--alpn", "lws-test"],
            &["established ssl=1 peer-cn=localhost verified=1 alpn=lws-test"],
        ),
        (
            "extra DER certificate",
            pg,
            vec!["--extra-der", &der, "--no-os-ca"],
            &["extra-cert 0", "established ssl=1"],
        ),
        (
            "client cert refused",
            pr,
            vec!["--cafile", &ca, "--cert", &cert, "--key", &key],
            &failed,
        ),
        (
            "https GET",
            pg,
            vec![
                "--cafile", &ca, "--http", "--path", "/get", "--alpn", "http/1.1",
            ],
            &[
                "http-established status=200 ssl=1 peer-cn=localhost verified=1 alpn=http/1.1",
                "http-completed",
            ],
        ),
    ];
    for (what, port, args, want) in cases {
        let ps = port.to_string();
        let mut a = vec!["-p", ps.as_str()];
        a.extend(args.iter().copied());
        let mut traces = Vec::new();
        for (name, lib) in libs() {
            let cl = Server::spawn(client_bin(), Some(&lib), &a);
            let (lines, exited) = cl.collect_until_exit(T);
            assert!(exited, "{what} on {name}: no exit:\n{}", lines.join("\n"));
            traces.push((name, normalize(&lines)));
        }
        let ours = &traces.last().unwrap().1;
        for w in want {
            assert!(
                ours.iter().any(|l| l.starts_with(w)),
                "{what}: missing {w:?} in\n{}",
                ours.join("\n")
            );
        }
        if what == "https GET" {
            // 4.1.6 loses a body that arrives in the TLS record carrying
            // the response head; we deliver it
            assert!(
                ours.iter()
                    .any(|l| l.starts_with("body ssl=1 version=TLSv1.3")),
                "{}",
                ours.join("\n")
            );
            for t in traces.iter_mut() {
                t.1.retain(|l| !l.starts_with("body "));
            }
        }
        if what == "no client cert" || what == "client cert refused" {
            // the server refuses after the client finished its side of
            // the TLS 1.3 handshake: 4.1.6 sometimes closes such a
            // connection without CLIENT_CONNECTION_ERROR; we always report
            for t in traces.iter_mut() {
                t.1.retain(|l| l != "connection-error read/write failed");
            }
        }
        if traces.len() == 2 {
            assert_eq!(traces[0].1, traces[1].1, "{what}: debian (left) vs ours");
        }
    }
    // the server saw and checked the client certificate
    let t = drain(&need);
    assert!(
        t.iter().any(|l| l == "verify-client preverify=1 depth=0 ssl=1 subject=/O=lws-rs test/CN=client1 -> accept"),
        "{}",
        t.join("\n")
    );
    assert!(
        t.iter()
            .any(|l| l.starts_with("ws established ssl=1 version=TLSv1.3 cn=client1 verified=1")),
        "{}",
        t.join("\n")
    );
}

/// A client refused after its handshake learns it at its first write or
/// read or as the close, whichever comes first, on either library.
fn normalize(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| match l.as_str() {
            "connection-error read failed"
            | "connection-error write failed"
            | "connection-error Closed before conn" => {
                "connection-error read/write failed".to_string()
            }
            _ => l.clone(),
        })
        .collect()
}

/// Plain HTTP on a TLS port: redirected to https:// with
/// LWS_SERVER_OPTION_REDIRECT_HTTP_TO_HTTPS, dropped without it.
#[test]
fn plain_http_on_tls_port() {
    let mut seen = Vec::new();
    for (name, lib) in libs() {
        let (_s, port) = start_server(
            &lib,
            &[
                "--cert",
                &c("server.pem"),
                "--key",
                &c("server.key"),
                "--redirect",
            ],
        );
        let r = common::http::request(
            port,
            format!("GET /x HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").as_bytes(),
        );
        assert_eq!(r.code, 301, "{name}");
        let loc = r
            .header("location")
            .unwrap_or("")
            .replace(&port.to_string(), "PORT");
        assert_eq!(loc, "https://localhost:PORT/", "{name}");
        // TLS still works on the same port
        assert!(curl(port, "localhost", "/tls").contains("ssl=1"), "{name}");
        let (_s2, port2) = start_server(
            &lib,
            &[
                "--cert",
                &c("server.pem"),
                "--key",
                &c("server.key"),
                "--allow-non-ssl",
            ],
        );
        let mut conn = TcpStream::connect(("127.0.0.1", port2)).unwrap();
        conn.set_read_timeout(Some(T)).unwrap();
        conn.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut b = Vec::new();
        let _ = conn.read_to_end(&mut b);
        seen.push((name, loc, String::from_utf8_lossy(&b).into_owned()));
    }
    let ours = seen.last().unwrap();
    assert_eq!(
        ours.2, "",
        "no answer to plain text without the redirect option"
    );
    if seen.len() == 2 {
        assert_eq!(seen[0].1, seen[1].1);
        assert_eq!(seen[0].2, seen[1].2);
    }
}

/// The lws_x509_* API on generated certificates: same output on both.
#[test]
fn x509_api() {
    let bin = program("x509");
    let mut outs = Vec::new();
    for (name, lib) in libs() {
        let o = common::run_with_lib(
            &bin,
            &lib,
            &[&c("ca.pem"), &c("client.pem"), &c("self.pem")],
        );
        assert!(o.status.success(), "{name}");
        outs.push(String::from_utf8_lossy(&o.stdout).into_owned());
    }
    let ours = outs.last().unwrap();
    for want in [
        "leaf cn: 0 client1 len=7",
        "leaf issuer: 0 /O=lws-rs test/CN=Test CA",
        "leaf span: 2592000",
        "verify leaf by ca cn=client1: 0",
        "verify leaf by ca cn=nobody: -1",
        "verify leaf by other: -1",
        "parse garbage: -1",
        "destroyed 1",
    ] {
        assert!(ours.lines().any(|l| l == want), "missing {want:?}:\n{ours}");
    }
    if outs.len() == 2 {
        assert_eq!(outs[0], outs[1]);
    }
}

/// simultaneous_ssl_restriction 1: while one TLS connection is open a
/// second waits (accepts pause), and is served once the first closes.
#[test]
fn ssl_restriction() {
    for (name, lib) in libs() {
        let (_s, port) = start_server(
            &lib,
            &[
                "--cert",
                &c("server.pem"),
                "--key",
                &c("server.key"),
                "--restrict",
                "1",
            ],
        );
        let first = tls_connect(port).expect("first handshake");
        let second = std::thread::spawn(move || {
            let t0 = Instant::now();
            let r = tls_connect(port).map(|_| ());
            (r, t0.elapsed())
        });
        std::thread::sleep(Duration::from_millis(800));
        assert!(
            !second.is_finished(),
            "{name}: second connection was not held back"
        );
        drop(first);
        let (r, waited) = second.join().unwrap();
        assert!(r.is_ok(), "{name}: second connection: {r:?}");
        assert!(waited >= Duration::from_millis(700), "{name}: {waited:?}");
    }
}

fn tls_connect(port: u16) -> Result<openssl::ssl::SslStream<TcpStream>, String> {
    use openssl::ssl::{SslConnector, SslMethod};
    let mut b = SslConnector::builder(SslMethod::tls_client()).unwrap();
    b.set_ca_file(c("ca.pem")).unwrap();
    let conn = b.build();
    let tcp = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(T)).unwrap();
    let mut s = conn.connect("localhost", tcp).map_err(|e| e.to_string())?;
    // TLS 1.3: a server that drops us shows it at the first read
    s.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut b = [0u8; 12];
    s.read_exact(&mut b).map_err(|e| e.to_string())?;
    if &b != b"HTTP/1.1 200" {
        return Err(format!("{:?}", String::from_utf8_lossy(&b)));
    }
    Ok(s)
}

/// The first bytes a TLS client sends (its ClientHello).
fn client_hello() -> Vec<u8> {
    use openssl::ssl::{SslConnector, SslMethod};
    struct Capture(Vec<u8>);
    impl Read for Capture {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::WouldBlock.into())
        }
    }
    impl Write for Capture {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let conn = SslConnector::builder(SslMethod::tls_client())
        .unwrap()
        .build();
    match conn.connect("localhost", Capture(Vec::new())) {
        Err(openssl::ssl::HandshakeError::WouldBlock(m)) => m.get_ref().0.clone(),
        _ => panic!("expected a pending handshake"),
    }
}

/// Hostile TLS clients each lose their own connection within the
/// handshake timeout; the server keeps serving.
#[test]
fn hostile_tls_clients() {
    // (4.1.6 keeps a truncated ClientHello open for about twice the
    // timeout; only our library is held to the limit)
    {
        let (name, lib) = ("ours", our_lib_dir());
        let (_s, port) = start_server(
            &lib,
            &[
                "--cert",
                &c("server.pem"),
                "--key",
                &c("server.key"),
                "-t",
                "2",
            ],
        );
        let closed_within = |mut s: TcpStream, what: &str, limit: Duration| {
            s.set_read_timeout(Some(limit + Duration::from_secs(3)))
                .unwrap();
            let t0 = Instant::now();
            let mut b = [0u8; 4096];
            loop {
                match s.read(&mut b) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => continue,
                }
            }
            let dt = t0.elapsed();
            assert!(
                dt <= limit + Duration::from_secs(2),
                "{name}: {what}: open for {dt:?}"
            );
        };
        // plain text where a ClientHello belongs
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        closed_within(s, "plaintext", Duration::from_secs(1));
        // half a ClientHello, then nothing
        let hello = client_hello();
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(&hello[..hello.len() / 2]).unwrap();
        closed_within(s, "truncated ClientHello", Duration::from_secs(2));
        // connects and never speaks
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        closed_within(s, "stalled handshake", Duration::from_secs(2));
        // garbage records after a good handshake
        let mut t = tls_connect(port).expect("handshake");
        t.get_mut()
            .write_all(&[0x17, 0x03, 0x03, 0x00, 0x20])
            .unwrap();
        t.get_mut().write_all(&[0x55; 0x20]).unwrap();
        let raw = t.get_ref().try_clone().unwrap();
        closed_within(raw, "garbage after the handshake", Duration::from_secs(1));
        // a random flood instead of a handshake
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let junk: Vec<u8> = (0..65536u32)
            .map(|k| (k.wrapping_mul(2654435761) >> 7) as u8)
            .collect();
        let _ = s.write_all(&junk);
        closed_within(s, "junk flood", Duration::from_secs(1));
        // and the server still serves
        assert!(tls_connect(port).is_ok(), "{name}: server no longer serves");
    }
}

/// What `openssl s_client` negotiated with the server started with `args`.
fn negotiated(lib: &Path, args: &[&str]) -> (String, Vec<String>) {
    let (s, port) = start_server(lib, args);
    let out = s_client(port, "localhost", "/");
    let mut pre = PREAMBLE.with(|p| p.borrow().clone());
    pre.extend(drain(&s));
    // (s_client repeats the session summary for each TLS 1.3 ticket)
    let mut summary: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("Cipher is") || l.contains("Verify return code"))
        .map(str::trim)
        .collect();
    let mut seen = std::collections::HashSet::new();
    summary.retain(|l| seen.insert(*l));
    (summary.join("; "), pre)
}

/// Key password, cipher lists, TLS options and in-memory certificates give
/// the same handshakes on both libraries.
#[test]
fn server_options_differential() {
    let base = ["--cert", "server.pem", "--key", "server.key"];
    let cases: Vec<(&str, Vec<&str>, &str)> = vec![
        (
            "encrypted key",
            vec![
                "--cert",
                "server.pem",
                "--key",
                "server-enc.key",
                "--pass",
                "sekrit",
            ],
            "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384; Verify return code: 0 (ok)",
        ),
        (
            "TLS 1.2 cipher list",
            [
                &base[..],
                &["--no-tls13", "--ciphers", "ECDHE-RSA-AES128-GCM-SHA256"],
            ]
            .concat(),
            "New, TLSv1.2, Cipher is ECDHE-RSA-AES128-GCM-SHA256; Verify return code: 0 (ok)",
        ),
        (
            "TLS 1.3 cipher suites",
            [
                &base[..],
                &["--tls13-ciphers", "TLS_CHACHA20_POLY1305_SHA256"],
            ]
            .concat(),
            "New, TLSv1.3, Cipher is TLS_CHACHA20_POLY1305_SHA256; Verify return code: 0 (ok)",
        ),
        (
            "certificate in memory",
            [&base[..], &["--mem"]].concat(),
            "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384; Verify return code: 0 (ok)",
        ),
    ];
    for (what, args, want) in cases {
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                if a.ends_with(".pem") || a.ends_with(".key") {
                    c(a)
                } else {
                    a.to_string()
                }
            })
            .collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut seen = Vec::new();
        for (name, lib) in libs() {
            let r = negotiated(&lib, &args);
            assert_eq!(r.0, want, "{what} on {name}: {:?}", r.1);
            seen.push(r);
        }
        if seen.len() == 2 {
            assert_eq!(
                seen[0].1, seen[1].1,
                "{what}: server trace debian (left) vs ours"
            );
        }
    }
    // a wrong password: the vhost is not created, on both
    for (name, lib) in libs() {
        let s = Server::spawn(
            server_bin(),
            Some(&lib),
            &[
                "-p",
                &free_port().to_string(),
                "--cert",
                &c("server.pem"),
                "--key",
                &c("server-enc.key"),
                "--pass",
                "wrong",
            ],
        );
        let (lines, exited) = s.collect_until_exit(T);
        assert!(
            exited && lines.contains(&"create failed".to_string()),
            "{name}: {lines:?}"
        );
    }
}

/// OPENSSL_CONTEXT_REQUIRES_PRIVATE_KEY: with a certificate file and no
/// key file the program loads the key into the SSL_CTX it is given, as
/// the callback is documented (4.1.6 built against OpenSSL 3 loads no
/// certificate at all then and never calls it).
#[test]
fn requires_private_key_callback() {
    let (sum, pre) = negotiated(
        &our_lib_dir(),
        &[
            "--cert",
            &c("server.pem"),
            "--key",
            &c("server.key"),
            "--no-key",
        ],
    );
    assert_eq!(
        sum,
        "New, TLSv1.3, Cipher is TLS_AES_256_GCM_SHA384; Verify return code: 0 (ok)"
    );
    assert_eq!(
        pre.first().map(String::as_str),
        Some("requires-private-key ctx=1 loaded=1")
    );
}

/// A connection the server ends (a `Connection: close` request) ends with
/// TLS close_notify, not a bare TCP close, on both libraries.
#[test]
fn close_notify_on_close() {
    for (name, lib) in libs() {
        let (_s, port) = start_server(
            &lib,
            &["--cert", &c("server.pem"), "--key", &c("server.key")],
        );
        let mut t = tls_connect(port).expect("handshake");
        // finish the first (keep-alive) answer, then ask for a close
        let mut b = vec![0u8; 4096];
        let _ = t.ssl_read(&mut b);
        t.write_all(b"GET /bye HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .unwrap();
        let end = loop {
            match t.ssl_read(&mut b) {
                Ok(0) => break "eof".to_string(),
                Ok(_) => continue,
                Err(e) => break format!("{:?}", e.code()),
            }
        };
        assert_eq!(
            end, "ErrorCode(6)",
            "{name}: expected ZERO_RETURN (close_notify)"
        );
    }
}

/// Fields 4.1.6's OpenSSL build ignores but documents: `server_ssl_ca_mem`
/// verifies client certificates, `ecdh_curve` picks the key exchange.
#[test]
fn ca_in_memory_and_curve() {
    let ours = our_lib_dir();
    let (s, port) = start_server(
        &ours,
        &[
            "--cert",
            &c("server.pem"),
            "--key",
            &c("server.key"),
            "--memca",
            &c("ca.pem"),
            "--require-client-cert",
            "--curve",
            "secp384r1",
        ],
    );
    let cl = Server::spawn(
        client_bin(),
        Some(&ours),
        &[
            "-p",
            &port.to_string(),
            "--cafile",
            &c("ca.pem"),
            "--cert",
            &c("client.pem"),
            "--key",
            &c("client.key"),
        ],
    );
    let (lines, exited) = cl.collect_until_exit(T);
    assert!(
        exited && lines.iter().any(|l| l == "rx hello over tls"),
        "{lines:?}"
    );
    let t = drain(&s);
    assert!(
        t.iter()
            .any(|l| l.starts_with("ws established ssl=1 version=TLSv1.3 cn=client1 verified=1")),
        "{t:?}"
    );
    assert!(
        !t.iter().any(|l| l.starts_with("verify-client preverify=0")),
        "{t:?}"
    );
    let mut ch = Command::new("openssl")
        .args([
            "s_client",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-CAfile",
            &c("ca.pem"),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = String::new();
    ch.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    let _ = ch.wait();
    assert!(out.contains("Server Temp Key: ECDH, secp384r1"), "{out}");
}

/// The OS CA store is used by default: with OpenSSL's SSL_CERT_FILE
/// pointing at the test CA, a client given no CA verifies the server; with
/// LWS_SERVER_OPTION_DISABLE_OS_CA_CERTS it does not.
#[test]
fn os_ca_store_by_default() {
    let (_s, port) = start_server(
        &our_lib_dir(),
        &["--cert", &c("server.pem"), "--key", &c("server.key")],
    );
    for (name, lib) in libs() {
        for (extra, want) in [
            (None, "rx hello over tls"),
            (Some("--no-os-ca"), "connection-error "),
        ] {
            let mut cmd = Command::new(client_bin());
            cmd.args(["-p", &port.to_string()])
                .args(extra)
                .env("LD_LIBRARY_PATH", &lib)
                .env("SSL_CERT_FILE", c("ca.pem"))
                .stdin(Stdio::null());
            let out = run(&mut cmd);
            assert!(
                out.lines().any(|l| l.starts_with(want)),
                "{name} {extra:?}: {out}"
            );
        }
    }
}

/// curl negotiates h2 by ALPN, as with Debian's library (which offers
/// "h2,http/1.1"); the server sees the same request on both libraries.
#[test]
fn curl_negotiates_h2() {
    let mut traces = Vec::new();
    for (name, lib) in libs() {
        let (s, port) = start_server(
            &lib,
            &["--cert", &c("server.pem"), "--key", &c("server.key")],
        );
        drain(&s);
        let o = Command::new("curl")
            .args(["-sS", "--max-time", "10", "--cacert", &c("ca.pem")])
            .args(["-w", "\nversion=%{http_version} status=%{http_code}"])
            .args(["--resolve", &format!("localhost:{port}:127.0.0.1")])
            .arg(format!("https://localhost:{port}/curl"))
            .output()
            .expect("curl");
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(out.contains("version=2 status=200"), "{name}: {out}");
        traces.push((name, out, drain(&s)));
    }
    if traces.len() == 2 {
        pretty_assertions::assert_eq!(traces[0].1, traces[1].1, "curl's view");
        pretty_assertions::assert_eq!(traces[0].2, traces[1].2, "the server's trace");
    }
}
