//! Debian programs that link `libwebsockets.so.17`, run unmodified on our
//! library: rtpengine, driftnet, kamailio's lwsc module and csound's
//! websocket opcodes (janus is in `tests/consumers.rs`). Each runs twice,
//! on Debian's library (so a failing scenario is the harness's fault) and
//! on ours (`LD_LIBRARY_PATH`), driven by a real peer and checked on what
//! it answers; `/proc/PID/maps` shows which libwebsockets file it loaded.
//! A program that is not installed is skipped with a note (`.ci/run`
//! installs them all).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{debian_lib_dir, free_port, our_cdylib, our_lib_dir, temp_dir, KillOnDrop};
use tungstenite::client::IntoClientRequest;
use tungstenite::Message;

/// The libraries to run each program on: Debian's (when installed) first.
fn libs() -> Vec<(&'static str, PathBuf)> {
    let mut v = Vec::new();
    match debian_lib_dir() {
        Some(d) => v.push(("debian", d)),
        None => eprintln!("Debian's libwebsockets.so.17 is not installed: ours only"),
    }
    v.push(("ours", our_lib_dir()));
    v
}

fn label(which: &str) -> &'static str {
    if which == "ours" {
        "our library"
    } else {
        "Debian's library"
    }
}

/// Whether `path` exists; if not, prints why the test does nothing.
fn installed(path: &str, package: &str) -> bool {
    let ok = Path::new(path).exists();
    if !ok {
        eprintln!("{path} is not installed (apt-get install {package}): test skipped");
    }
    ok
}

/// The libwebsockets file mapped into process `pid`.
fn loaded_lws(pid: u32) -> PathBuf {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps")).expect("read maps");
    maps.lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| p.contains("libwebsockets"))
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("process {pid} has no libwebsockets mapped"))
}

/// Asserts that process `pid` runs on the library `which` names.
fn assert_loaded(pid: u32, which: &str) {
    let got = std::fs::canonicalize(loaded_lws(pid)).expect("canonicalize");
    let want = match which {
        "ours" => our_cdylib(),
        _ => PathBuf::from("/usr/lib/x86_64-linux-gnu/libwebsockets.so.17"),
    };
    let want = std::fs::canonicalize(want).expect("canonicalize");
    assert_eq!(got, want, "process {pid} loaded the wrong libwebsockets");
    eprintln!("  pid {pid} runs on {}", got.display());
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`.
fn wait_listening(port: u16, child: &mut Child, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(st)) = child.try_wait() {
            panic!("exited ({st}) before listening on {port}:\n{}", read(log));
        }
        assert!(
            Instant::now() < deadline,
            "nothing listens on {port}:\n{}",
            read(log)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn read(p: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned()
}

/// Starts `cmd` on the library in `lib` with stdout and stderr in `log`.
fn spawn_logged(mut cmd: Command, lib: &Path, log: &Path) -> KillOnDrop {
    let f = std::fs::File::create(log).expect("create log");
    let child = cmd
        .env("LD_LIBRARY_PATH", lib)
        .env_remove("http_proxy")
        .stdin(Stdio::null())
        .stdout(f.try_clone().unwrap())
        .stderr(f)
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    KillOnDrop(child)
}

/// SIGTERM, then a clean exit within 10 s.
fn stop(child: &mut Child, log: &Path) {
    // SAFETY: kill(2) on our own child's pid.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            assert!(st.success(), "exit {st}:\n{}", read(log));
            return;
        }
        assert!(Instant::now() < deadline, "no exit:\n{}", read(log));
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A WebSocket client over any stream asking for `subprotocol`.
fn ws_connect<S: Read + Write>(
    url: &str,
    subprotocol: &str,
    stream: S,
) -> tungstenite::WebSocket<S> {
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", subprotocol.parse().unwrap());
    let (ws, resp) = tungstenite::client(req, stream)
        .unwrap_or_else(|e| panic!("handshake {url} {subprotocol}: {e}"));
    assert_eq!(
        resp.headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok()),
        Some(subprotocol)
    );
    ws
}

fn tcp(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// The next text or binary message as bytes.
fn next_data<S: Read + Write>(ws: &mut tungstenite::WebSocket<S>) -> Vec<u8> {
    loop {
        match ws.read().expect("read message") {
            Message::Text(t) => return t.as_bytes().to_vec(),
            Message::Binary(b) => return b.to_vec(),
            Message::Close(c) => panic!("closed: {c:?}"),
            _ => continue,
        }
    }
}

/// A self-signed certificate for 127.0.0.1 in `dir`: (cert, key).
fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let o = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=localhost", "-addext"])
        .arg("subjectAltName=DNS:localhost,IP:127.0.0.1")
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (cert, key)
}

/// A TLS connection to 127.0.0.1:`port` that trusts any certificate.
fn tls(port: u16) -> openssl::ssl::SslStream<TcpStream> {
    use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
    let mut b = SslConnector::builder(SslMethod::tls_client()).unwrap();
    b.set_verify(SslVerifyMode::NONE);
    b.set_alpn_protos(b"\x08http/1.1").unwrap();
    b.build()
        .connect("localhost", tcp(port))
        .expect("TLS handshake")
}

/// One HTTP/1.1 request over `s`, read until the server closes or the
/// body reaches its Content-Length; returns (status line, body).
fn http_exchange<S: Read + Write>(s: S, req: &str) -> (String, String) {
    let (status, body) = http_bytes(s, req);
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// [`http_exchange`] with the body as bytes.
fn http_bytes<S: Read + Write>(mut s: S, req: &str) -> (String, Vec<u8>) {
    s.write_all(req.as_bytes()).unwrap();
    let mut buf = Vec::new();
    let mut tmp = [0u8; 16384];
    let split = |buf: &[u8]| {
        let i = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&buf[..i]).into_owned();
        Some((head, buf[i + 4..].to_vec()))
    };
    let status = |head: &str| head.lines().next().unwrap_or("").to_string();
    loop {
        if let Some((head, body)) = split(&buf) {
            let len = head.lines().find_map(|l| {
                let (n, v) = l.split_once(':')?;
                n.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse::<usize>().ok())?
            });
            if len.is_some_and(|n| body.len() >= n) {
                return (status(&head), body);
            }
        }
        match s.read(&mut tmp) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&tmp[..n]),
        }
    }
    match split(&buf) {
        Some((head, body)) => (status(&head), body),
        None => (status(&String::from_utf8_lossy(&buf)), Vec::new()),
    }
}

/// rtpengine (userspace only: no kernel table, no syslog, no config file)
/// with its HTTP/WebSocket listener and an HTTPS/WSS one on a self-signed
/// certificate. Over WebSocket: the ng protocol (`ng.rtpengine.com`,
/// "cookie bencoded-dict": `ping` answers `pong`), the CLI
/// (`cli.rtpengine.com`) and the echo subprotocol; over HTTP: `GET /ping`,
/// a CLI command and an ng `POST /ng`; over TLS the same ng ping and
/// `/ping`.
#[test]
fn rtpengine() {
    if !installed("/usr/bin/rtpengine", "rtpengine-daemon") {
        return;
    }
    let dir = temp_dir("rtpengine");
    let (cert, key) = self_signed(&dir);
    for (which, lib) in libs() {
        eprintln!("rtpengine on {}", label(which));
        let (http, https) = (free_port(), free_port());
        let log = dir.join(format!("{which}.log"));
        let mut cmd = Command::new("/usr/bin/rtpengine");
        cmd.args(["--config-file=none", "--table=-1", "--foreground"])
            .args(["--log-stderr", "--log-level=6", "--interface=127.0.0.1"])
            .arg(format!("--listen-http=127.0.0.1:{http}"))
            .arg(format!("--listen-https=127.0.0.1:{https}"))
            .arg(format!("--https-cert={}", cert.display()))
            .arg(format!("--https-key={}", key.display()))
            .arg("--num-threads=2");
        let mut proc = spawn_logged(cmd, &lib, &log);
        wait_listening(http, &mut proc.0, &log);
        wait_listening(https, &mut proc.0, &log);
        assert_loaded(proc.0.id(), which);

        let url = format!("ws://127.0.0.1:{http}/");
        let mut ng = ws_connect(&url, "ng.rtpengine.com", tcp(http));
        ng.send(Message::text("c00kie1 d7:command4:pinge")).unwrap();
        assert_eq!(next_data(&mut ng), b"c00kie1 d6:result4:ponge");
        // an unknown command is an ng error, with the cookie echoed
        ng.send(Message::text("c00kie2 d7:command5:bogose"))
            .unwrap();
        let err = String::from_utf8(next_data(&mut ng)).unwrap();
        assert!(
            err.starts_with("c00kie2 d") && err.contains("6:result5:error"),
            "{err}"
        );

        let mut cli = ws_connect(&url, "cli.rtpengine.com", tcp(http));
        cli.send(Message::text("list totals")).unwrap();
        let totals = String::from_utf8(next_data(&mut cli)).unwrap();
        assert!(totals.contains("Owned sessions"), "{totals}");

        let mut echo = ws_connect(&url, "echo.rtpengine.com", tcp(http));
        echo.send(Message::text("hello rtpengine")).unwrap();
        assert_eq!(next_data(&mut echo), b"hello rtpengine");
        for ws in [&mut ng, &mut cli, &mut echo] {
            ws.close(None).unwrap();
            while ws.read().is_ok() {}
        }

        let get = |path: &str| {
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        };
        let (status, body) = http_exchange(tcp(http), &get("/ping"));
        assert!(status.contains(" 200 "), "{status}");
        assert_eq!(body, "pong\n");
        // lws turns '+' in the path into a space: the CLI sees "get timeout"
        let (status, body) = http_exchange(tcp(http), &get("/cli/get+timeout"));
        assert!(status.contains(" 200 "), "{status}");
        assert_eq!(body, "TIMEOUT=60\n");
        let ng_body = "c00kie3 d7:command4:pinge";
        let (status, body) = http_exchange(
            tcp(http),
            &format!(
                "POST /ng HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
                 Content-Type: application/x-rtpengine-ng\r\n\
                 Content-Length: {}\r\n\r\n{ng_body}",
                ng_body.len()
            ),
        );
        assert!(status.contains(" 200 "), "{status}");
        assert_eq!(body, "c00kie3 d6:result4:ponge");

        let (status, body) = http_exchange(tls(https), &get("/ping"));
        assert!(status.contains(" 200 "), "{status}");
        assert_eq!(body, "pong\n");
        let wss = format!("wss://127.0.0.1:{https}/");
        let mut ng = ws_connect(&wss, "ng.rtpengine.com", tls(https));
        ng.send(Message::text("c00kie4 d7:command4:pinge")).unwrap();
        assert_eq!(next_data(&mut ng), b"c00kie4 d6:result4:ponge");
        ng.close(None).unwrap();
        while ng.read().is_ok() {}

        // SIGTERM: rtpengine stops its service thread and destroys the
        // lws context
        assert!(proc.0.try_wait().unwrap().is_none(), "{}", read(&log));
        stop(&mut proc.0, &log);
        assert!(read(&log).contains("shutting down"), "{}", read(&log));
    }
}

/// A 2x2 red PNG.
fn png() -> Vec<u8> {
    use flate2::write::ZlibEncoder;
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend((data.len() as u32).to_be_bytes());
        out.extend(kind);
        out.extend(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend(crc.sum().to_be_bytes());
    }
    let mut z = ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    for _ in 0..2 {
        // filter byte, then two RGB pixels
        z.write_all(&[0, 255, 0, 0, 255, 0, 0]).unwrap();
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &[0, 0, 0, 2, 0, 0, 0, 2, 8, 2, 0, 0, 0]);
    chunk(&mut out, b"IDAT", &z.finish().unwrap());
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A pcap file header (Ethernet frames).
fn pcap_header() -> Vec<u8> {
    let mut h = Vec::new();
    h.extend(0xa1b2_c3d4u32.to_le_bytes());
    h.extend(2u16.to_le_bytes());
    h.extend(4u16.to_le_bytes());
    h.extend([0u8; 8]);
    h.extend(65535u32.to_le_bytes());
    h.extend(1u32.to_le_bytes());
    h
}

/// One pcap record: a TCP segment from 10.0.0.1:80 to 10.0.0.2:40000
/// carrying `payload`.
fn pcap_tcp_record(payload: &[u8]) -> Vec<u8> {
    let mut ip = vec![0x45, 0];
    ip.extend(((20 + 20 + payload.len()) as u16).to_be_bytes());
    ip.extend([0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    let sum = ip
        .chunks(2)
        .fold(0u32, |s, w| s + u32::from(u16::from_be_bytes([w[0], w[1]])));
    let sum = !((sum & 0xffff) + (sum >> 16)) as u16;
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    let mut tcp = Vec::new();
    tcp.extend(80u16.to_be_bytes());
    tcp.extend(40000u16.to_be_bytes());
    tcp.extend(1000u32.to_be_bytes()); // seq
    tcp.extend(1u32.to_be_bytes()); // ack
    tcp.extend([0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0]); // PSH|ACK
    let mut frame = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 8, 0];
    frame.extend(ip);
    frame.extend(tcp);
    frame.extend(payload);
    let mut r = Vec::new();
    r.extend(1u32.to_le_bytes());
    r.extend(0u32.to_le_bytes());
    r.extend((frame.len() as u32).to_le_bytes());
    r.extend((frame.len() as u32).to_le_bytes());
    r.extend(frame);
    r
}

/// A command running `program` in a new network namespace with only
/// loopback (up), for programs that listen on every interface. The
/// program keeps the command's pid (unshare and sh exec it).
fn in_own_netns(program: &str) -> Command {
    let mut cmd = Command::new("unshare");
    cmd.args(["--net", "--", "sh", "-c"])
        .arg("ip link set lo up && exec \"$0\" \"$@\"")
        .arg(program);
    cmd
}

/// Whether [`in_own_netns`] can work here (root, iproute2); if not, says
/// why `test` does nothing.
fn netns_possible(test: &str) -> bool {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("{test}: needs root for a network namespace: test skipped");
        return false;
    }
    installed("/usr/sbin/ip", "iproute2")
}

/// Moves the calling thread into the network namespace of process `pid`,
/// once that runs its program (so the namespace exists and is set up).
fn enter_netns(pid: u32) {
    use std::os::fd::AsRawFd;
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::read_link(format!("/proc/{pid}/exe")).is_ok_and(|p| {
        ["unshare", "sh", "dash", "bash", "ip"]
            .iter()
            .any(|n| p.ends_with(n))
    }) {
        assert!(Instant::now() < deadline, "process {pid} never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    let ns = std::fs::File::open(format!("/proc/{pid}/ns/net")).expect("open netns");
    // SAFETY: setns on a namespace descriptor; it affects this thread only.
    let r = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(r, 0, "setns: {}", std::io::Error::last_os_error());
}

/// driftnet's HTTP display (`-w`): lws serves its page from a mount and
/// pushes the name of each image it captures to WebSocket clients
/// (`images-pipe-protocol`, through an `lws_ring`; the capture thread
/// asks for WRITEABLE). driftnet listens on every interface and takes no
/// address, so it runs in a network namespace of its own with only
/// loopback (root only), and the test's client thread joins that
/// namespace. Packets come from a pcap stream on a named pipe: a TCP
/// segment with an HTTP response carrying a PNG; the client must get its
/// file name over the WebSocket and the same bytes from the server. The
/// capture thread calls `lws_callback_on_writable()` without waking the
/// service loop (and its protocols[0] does not answer GET_THREAD_ID), so
/// on Debian's library the name waits for the loop's next event, which the
/// test makes with an HTTP request after 3 s; ours wakes the loop itself.
#[test]
fn driftnet() {
    if !installed("/usr/bin/driftnet", "driftnet") || !netns_possible("driftnet") {
        return;
    }
    let dir = temp_dir("driftnet");
    let image = png();
    for (which, lib) in libs() {
        eprintln!("driftnet on {}", label(which));
        let fifo = dir.join(format!("{which}.pcap"));
        let fifo_c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid path string.
        assert_eq!(unsafe { libc::mkfifo(fifo_c.as_ptr(), 0o600) }, 0);
        let images = dir.join(format!("{which}-images"));
        std::fs::create_dir(&images).unwrap();
        let log = dir.join(format!("{which}.log"));
        // its own namespace: any port is free there
        const PORT: u16 = 9090;
        let mut cmd = in_own_netns("/usr/bin/driftnet");
        cmd.args(["-v", "-w", "-W", &PORT.to_string()])
            .arg("-d")
            .arg(&images)
            .arg("-f")
            .arg(&fifo);
        let mut proc = spawn_logged(cmd, &lib, &log);

        // driftnet opens the pipe at start and reads the pcap header before
        // it starts its HTTP server
        let mut pipe = {
            use std::os::unix::fs::OpenOptionsExt;
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                match std::fs::OpenOptions::new()
                    .write(true)
                    .custom_flags(libc::O_NONBLOCK)
                    .open(&fifo)
                {
                    Ok(f) => break f,
                    Err(e) => {
                        assert!(
                            Instant::now() < deadline && proc.0.try_wait().unwrap().is_none(),
                            "driftnet did not open its pcap pipe ({e}):\n{}",
                            read(&log)
                        );
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
            }
        };
        pipe.write_all(&pcap_header()).unwrap();

        let pid = proc.0.id();
        let mut nudge = which == "debian";
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let client = std::thread::spawn(move || {
            enter_netns(pid);
            let deadline = Instant::now() + Duration::from_secs(10);
            while TcpStream::connect(("127.0.0.1", PORT)).is_err() {
                assert!(Instant::now() < deadline, "driftnet does not listen");
                std::thread::sleep(Duration::from_millis(20));
            }
            let get = |path: &str| {
                format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            };
            let (status, page) = http_exchange(tcp(PORT), &get("/"));
            assert!(status.contains(" 200 "), "{status}");
            assert!(page.contains("images-pipe-protocol"), "{page}");

            let url = format!("ws://127.0.0.1:{PORT}/");
            let mut ws = ws_connect(&url, "images-pipe-protocol", tcp(PORT));
            // ESTABLISHED puts the connection on driftnet's list
            std::thread::sleep(Duration::from_millis(200));
            tx.send(()).unwrap();
            ws.get_ref()
                .set_read_timeout(Some(Duration::from_secs(3)))
                .unwrap();
            let name = loop {
                match ws.read() {
                    Ok(Message::Text(t)) => break t.to_string(),
                    Ok(m) => panic!("unexpected {m:?}"),
                    Err(tungstenite::Error::Io(e))
                        if nudge && e.kind() == std::io::ErrorKind::WouldBlock =>
                    {
                        // Debian's loop sleeps through the capture thread's
                        // request: any event wakes it
                        nudge = false;
                        let _ = http_exchange(tcp(PORT), &get("/"));
                    }
                    Err(e) => panic!("no image name: {e}"),
                }
            };
            let (status, body) = http_bytes(tcp(PORT), &get(&format!("/{name}")));
            ws.close(None).unwrap();
            while ws.read().is_ok() {}
            (name, status, body)
        });
        rx.recv_timeout(Duration::from_secs(15))
            .unwrap_or_else(|_| panic!("client not connected:\n{}", read(&log)));
        assert_loaded(pid, which);

        let mut payload = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\n\r\n",
            image.len()
        )
        .into_bytes();
        payload.extend(&image);
        pipe.write_all(&pcap_tcp_record(&payload)).unwrap();

        let (name, status, body) = client.join().expect("client");
        eprintln!("  image pushed as {name:?}");
        assert!(name.ends_with(".png"), "{name}");
        assert!(status.contains(" 200 "), "{status}");
        assert_eq!(body, image, "the image served back");
        assert!(proc.0.try_wait().unwrap().is_none(), "{}", read(&log));
    }
}

/// What the test's WebSocket server saw: (path, subprotocol, message).
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, String, String)>>>;

/// A WebSocket server on 127.0.0.1 that accepts any subprotocol offered
/// first, records every text message and answers one starting with
/// "req:" with "ack:" and the rest. Returns its port.
fn recording_ws_server(seen: Seen) -> u16 {
    use tungstenite::handshake::server::{Request, Response};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let seen = seen.clone();
            std::thread::spawn(move || {
                let mut meta = (String::new(), String::new());
                let cb = |req: &Request, mut resp: Response| {
                    meta.0 = req.uri().path().to_string();
                    if let Some(p) = req.headers().get("sec-websocket-protocol") {
                        let first = p.to_str().unwrap_or("").split(',').next().unwrap_or("");
                        meta.1 = first.trim().to_string();
                        resp.headers_mut()
                            .insert("Sec-WebSocket-Protocol", meta.1.parse().unwrap());
                    }
                    Ok(resp)
                };
                let Ok(mut ws) = tungstenite::accept_hdr(stream, cb) else {
                    return;
                };
                while let Ok(m) = ws.read() {
                    if let Message::Text(t) = m {
                        let t = t.to_string();
                        seen.lock()
                            .unwrap()
                            .push((meta.0.clone(), meta.1.clone(), t.clone()));
                        if let Some(rest) = t.strip_prefix("req:") {
                            let _ = ws.send(Message::text(format!("ack:{rest}")));
                        }
                    }
                }
            });
        }
    });
    port
}

/// Waits up to `secs` for `log` to contain `needle`.
fn wait_log(log: &Path, needle: &str, secs: u64, child: &mut Child) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let text = read(log);
        if text.contains(needle) {
            return text;
        }
        if let Ok(Some(st)) = child.try_wait() {
            panic!("exited ({st}) without {needle:?}:\n{text}");
        }
        assert!(Instant::now() < deadline, "no {needle:?} in:\n{text}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// kamailio's lwsc module (a WebSocket client): a configuration of our own
/// loads it and, when the first worker starts
/// (`event_route[core:worker-one-init]`), sends `lwsc_notify()`,
/// `lwsc_request()` and `lwsc_request_proto()` to a tungstenite server of
/// the test, which must get each message with the right subprotocol (the
/// module's `kmsg`, then `ksr`) while kamailio must log the server's
/// answers from `$lwsc(rdata)`; then kamailio stops on SIGTERM.
#[test]
fn kamailio_lwsc() {
    let mods = "/usr/lib/x86_64-linux-gnu/kamailio/modules";
    if !installed("/usr/sbin/kamailio", "kamailio")
        || !installed(&format!("{mods}/lwsc.so"), "kamailio-lwsc-modules")
    {
        return;
    }
    let dir = temp_dir("kamailio");
    for (which, lib) in libs() {
        eprintln!("kamailio on {}", label(which));
        let seen = Seen::default();
        let ws = recording_ws_server(seen.clone());
        let sip = free_port();
        let cfg = dir.join(format!("{which}.cfg"));
        std::fs::write(
            &cfg,
            format!(
                "#!KAMAILIO\n\
                 debug=2\n\
                 log_stderror=yes\n\
                 children=1\n\
                 disable_tcp=yes\n\
                 listen=udp:127.0.0.1:{sip}\n\
                 mpath=\"{mods}/\"\n\
                 loadmodule \"xlog.so\"\n\
                 loadmodule \"lwsc.so\"\n\
                 modparam(\"lwsc\", \"protocol\", \"kmsg\")\n\
                 request_route {{\n\
                 \tdrop;\n\
                 }}\n\
                 event_route[core:worker-one-init] {{\n\
                 \tlwsc_notify(\"ws://127.0.0.1:{ws}/notify\", \"hello from kamailio\");\n\
                 \tif (lwsc_request(\"ws://127.0.0.1:{ws}/rpc\", \"req:status\")) {{\n\
                 \t\txinfo(\"LWSC-REPLY [$lwsc(rdata)]\\n\");\n\
                 \t}} else {{\n\
                 \t\txerr(\"LWSC-FAILED\\n\");\n\
                 \t}}\n\
                 \tif (lwsc_request_proto(\"ws://127.0.0.1:{ws}/rpc2\", \"ksr\", \"req:proto\")) {{\n\
                 \t\txinfo(\"LWSC-PROTO [$lwsc(rdata)]\\n\");\n\
                 \t}}\n\
                 \txinfo(\"LWSC-DONE\\n\");\n\
                 }}\n"
            ),
        )
        .unwrap();
        let log = dir.join(format!("{which}.log"));
        let run = dir.join(format!("{which}-run"));
        std::fs::create_dir_all(&run).unwrap();
        let mut cmd = Command::new("/usr/sbin/kamailio");
        cmd.args(["-DD", "-E", "-m", "32", "-M", "8", "-f"])
            .arg(&cfg)
            .arg("-Y")
            .arg(&run)
            .arg("-w")
            .arg(&run);
        let mut proc = spawn_logged(cmd, &lib, &log);
        let text = wait_log(&log, "LWSC-DONE", 15, &mut proc.0);
        assert_loaded(proc.0.id(), which);
        assert!(
            text.contains("LWSC-REPLY [ack:status]"),
            "kamailio did not get the answer:\n{text}"
        );
        let seen = seen.lock().unwrap().clone();
        let kmsg = |path: &str, msg: &str| (path.to_string(), "kmsg".to_string(), msg.to_string());
        assert!(
            seen.contains(&kmsg("/notify", "hello from kamailio")),
            "{seen:?}"
        );
        assert!(seen.contains(&kmsg("/rpc", "req:status")), "{seen:?}");
        assert!(text.contains("LWSC-PROTO [ack:proto]"), "{text}");
        let ksr = (
            "/rpc2".to_string(),
            "ksr".to_string(),
            "req:proto".to_string(),
        );
        assert!(seen.contains(&ksr), "{seen:?}");
        stop(&mut proc.0, &log);
    }
}

/// csound's `websocket` opcode (csound-plugins' websocketIO), a server
/// with one subprotocol per variable: a .csd of our own sends a k-rate
/// ramp (the score time, as 64-bit floats, subprotocol `kramp`) and
/// prints what a client sends it (`kin`). It runs in real time with the
/// null audio device, in a network namespace of its own (the opcode
/// listens on every interface). One client must receive a rising series
/// of times, another's value must show up in csound's output.
#[test]
fn csound_websocket() {
    let plugin = "/usr/lib/x86_64-linux-gnu/csound/plugins64-6.0/libwebsocketIO.so";
    if !installed("/usr/bin/csound", "csound")
        || !installed(plugin, "csound-plugins")
        || !netns_possible("csound")
    {
        return;
    }
    const PORT: u16 = 7681;
    let dir = temp_dir("csound");
    let csd = dir.join("ws.csd");
    std::fs::write(
        &csd,
        format!(
            "<CsoundSynthesizer>\n\
             <CsOptions>\n\
             -d -+rtaudio=null -odac -+msg_color=0\n\
             </CsOptions>\n\
             <CsInstruments>\n\
             sr = 1000\n\
             ksmps = 10\n\
             nchnls = 1\n\
             0dbfs = 1\n\
             instr 1\n\
             \tkramp line 0, p3, p3\n\
             \tkin websocket {PORT}, kramp\n\
             \tprintk2 kin\n\
             endin\n\
             </CsInstruments>\n\
             <CsScore>\n\
             i 1 0 30\n\
             </CsScore>\n\
             </CsoundSynthesizer>\n"
        ),
    )
    .unwrap();
    for (which, lib) in libs() {
        eprintln!("csound on {}", label(which));
        let log = dir.join(format!("{which}.log"));
        let mut cmd = in_own_netns("/usr/bin/csound");
        cmd.arg(&csd);
        let mut proc = spawn_logged(cmd, &lib, &log);
        let pid = proc.0.id();
        let client = std::thread::spawn(move || {
            enter_netns(pid);
            let deadline = Instant::now() + Duration::from_secs(10);
            while TcpStream::connect(("127.0.0.1", PORT)).is_err() {
                assert!(Instant::now() < deadline, "csound does not listen");
                std::thread::sleep(Duration::from_millis(20));
            }
            let url = format!("ws://127.0.0.1:{PORT}/");
            let mut input = ws_connect(&url, "kin", tcp(PORT));
            input
                .send(Message::binary(42.5f64.to_le_bytes().to_vec()))
                .unwrap();
            let mut ramp = ws_connect(&url, "kramp", tcp(PORT));
            let mut times = Vec::new();
            while times.len() < 20 {
                let b = next_data(&mut ramp);
                assert_eq!(b.len(), 8, "one 64-bit float per message");
                times.push(f64::from_le_bytes(b.try_into().unwrap()));
            }
            for ws in [&mut ramp, &mut input] {
                ws.close(None).unwrap();
                while ws.read().is_ok() {}
            }
            times
        });
        let times = client.join().expect("client");
        assert_loaded(pid, which);
        eprintln!("  times {:?} .. {:?}", times[0], times[times.len() - 1]);
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]) && times[0] >= 0.0 && times[19] < 30.0,
            "{times:?}"
        );
        assert!(times[19] > times[0], "the ramp does not move: {times:?}");
        wait_log(&log, "42.50000", 10, &mut proc.0);
    }
}
