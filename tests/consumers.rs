//! Debian's janus (WebRTC gateway, linked with `libwebsockets.so.17`) runs
//! unmodified on our library: its WebSocket transport (a server) answers a
//! Janus API session driven by tungstenite, and its WebSocket event handler
//! (a client) delivers events to a Python `websockets` server. Each scenario
//! runs on Debian's library first (a failure there is the harness's fault)
//! and then on ours, with the same assertions; `/proc/PID/maps` shows which
//! libwebsockets file janus loaded. Without janus installed (`.ci/run`
//! installs it) the tests print a note and pass.

mod common;

use std::net::TcpStream;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{debian_lib_dir, free_port, our_cdylib, our_lib_dir, temp_dir, KillOnDrop, Server};
use serde_json::{json, Value};
use tungstenite::client::IntoClientRequest;
use tungstenite::Message;

const JANUS: &str = "/usr/bin/janus";
const JANUS_LIBS: &str = "/usr/lib/x86_64-linux-gnu/janus";
const DEBIAN_LWS: &str = "/usr/lib/x86_64-linux-gnu/libwebsockets.so.17";

/// Whether janus is installed; if not, says so.
fn have_janus() -> bool {
    let ok = Path::new(JANUS).exists();
    if !ok {
        eprintln!("consumers: {JANUS} is not installed (apt-get install janus); not run");
    }
    ok
}

/// Debian's library (when installed), then ours.
fn libs() -> Vec<(&'static str, PathBuf)> {
    let mut v = Vec::new();
    match debian_lib_dir() {
        Some(d) => v.push(("debian", d)),
        None => eprintln!("consumers: Debian's libwebsockets.so.17 is not installed; ours only"),
    }
    v.push(("ours", our_lib_dir()));
    v
}

fn read(p: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(p).unwrap_or_default()).into_owned()
}

/// Optional configuration of janus's WebSocket transport.
#[derive(Default)]
struct Transport {
    general: &'static str,
    sections: &'static str,
}

/// A janus process with a configuration of its own, killed on drop.
struct Janus {
    proc: KillOnDrop,
    log: PathBuf,
    /// The WebSocket transport's port.
    port: u16,
}

impl Janus {
    /// Starts janus on the library in `lib` with only the echotest plugin
    /// and the WebSocket transport, plus the WebSocket event handler
    /// reporting to `backend` if given; `transport` is more of the
    /// transport's configuration (its own sections and lines of `general`).
    /// Each kind of module gets a folder holding just the wanted ones, as
    /// janus loads every module it finds (so the HTTP transport and the
    /// other plugins are never loaded).
    fn start(tag: &str, lib: &Path, backend: Option<&str>, transport: Transport) -> Janus {
        let dir = temp_dir(&format!("janus-{tag}"));
        let conf = dir.join("conf");
        let mut modules = vec![
            ("plugins", "libjanus_echotest.so"),
            ("transports", "libjanus_websockets.so"),
        ];
        if backend.is_some() {
            modules.push(("events", "libjanus_wsevh.so"));
        }
        for sub in ["conf", "plugins", "transports", "events", "loggers"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        for (sub, so) in modules {
            symlink(
                Path::new(JANUS_LIBS).join(sub).join(so),
                dir.join(sub).join(so),
            )
            .unwrap();
        }
        let d = dir.display();
        // event handlers are loaded only when events are broadcast
        let events = if backend.is_some() {
            "broadcast = true"
        } else {
            ""
        };
        let port = free_port();
        let Transport { general, sections } = transport;
        let files = [
            (
                "janus.jcfg",
                format!(
                    "general: {{\n\tconfigs_folder = \"{d}/conf\"\n\
                     \tplugins_folder = \"{d}/plugins\"\n\
                     \ttransports_folder = \"{d}/transports\"\n\
                     \tevents_folder = \"{d}/events\"\n\
                     \tloggers_folder = \"{d}/loggers\"\n}}\n\
                     events: {{\n\t{events}\n}}\n"
                ),
            ),
            (
                "janus.transport.websockets.jcfg",
                format!(
                    "general: {{\n\tws = true\n\tws_port = {port}\n\
                     \tws_ip = \"127.0.0.1\"\n\twss = false\n{general}}}\n\
                     admin: {{\n\tadmin_ws = false\n\tadmin_wss = false\n}}\n{sections}"
                ),
            ),
            (
                "janus.eventhandler.wsevh.jcfg",
                format!(
                    "general: {{\n\tenabled = true\n\tevents = \"all\"\n\
                     \tbackend = \"{}\"\n}}\n",
                    backend.unwrap_or("")
                ),
            ),
        ];
        for (name, text) in files {
            std::fs::write(conf.join(name), text).unwrap();
        }
        let log = dir.join("janus.log");
        let f = std::fs::File::create(&log).unwrap();
        let child = Command::new(JANUS)
            .arg("-F")
            .arg(&conf)
            .arg("-C")
            .arg(conf.join("janus.jcfg"))
            .arg("--disable-colors")
            .env("LD_LIBRARY_PATH", lib)
            .env_remove("http_proxy")
            .stdin(Stdio::null())
            .stdout(f.try_clone().unwrap())
            .stderr(f)
            .spawn()
            .expect("spawn janus");
        let mut j = Janus {
            proc: KillOnDrop(child),
            log,
            port,
        };
        j.wait_listening();
        j
    }

    fn pid(&self) -> u32 {
        self.proc.0.id()
    }

    fn log(&self) -> String {
        read(&self.log)
    }

    fn wait_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(st)) = self.proc.0.try_wait() {
                panic!("janus exited ({st}) before listening:\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "janus does not listen on {}:\n{}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Asserts janus loaded the libwebsockets file of `which` and prints it.
    fn assert_loaded(&self, which: &str) {
        let maps = std::fs::read_to_string(format!("/proc/{}/maps", self.pid())).unwrap();
        let mapped = maps
            .lines()
            .filter_map(|l| l.split_whitespace().nth(5))
            .find(|p| p.contains("libwebsockets"))
            .unwrap_or_else(|| panic!("janus has no libwebsockets mapped"));
        let got = std::fs::canonicalize(mapped).unwrap();
        let want = match which {
            "ours" => our_cdylib(),
            _ => PathBuf::from(DEBIAN_LWS),
        };
        assert_eq!(got, std::fs::canonicalize(want).unwrap(), "{which}");
        eprintln!(
            "  janus (pid {}) maps {mapped} = {}",
            self.pid(),
            got.display()
        );
    }

    /// SIGINT is janus's orderly shutdown (it destroys the lws contexts);
    /// asserts it finishes and exits 0.
    fn stop(mut self) -> String {
        // SAFETY: kill(2) on our own child, which has not been reaped yet.
        assert_eq!(unsafe { libc::kill(self.pid() as i32, libc::SIGINT) }, 0);
        let deadline = Instant::now() + Duration::from_secs(20);
        let st = loop {
            if let Some(st) = self.proc.0.try_wait().unwrap() {
                break st;
            }
            assert!(
                Instant::now() < deadline,
                "janus did not stop:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        let log = self.log();
        assert!(
            st.success() && log.contains("Bye!"),
            "janus exit {st}:\n{log}"
        );
        log
    }
}

type Ws = tungstenite::WebSocket<TcpStream>;

/// A Janus API client on the WebSocket transport.
fn connect(port: u16) -> Ws {
    connect_from(port, None)
}

/// [`connect`] sending an `Origin` header.
fn connect_from(port: u16, origin: Option<&str>) -> Ws {
    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!("ws://127.0.0.1:{port}/")
        .into_client_request()
        .unwrap();
    let h = req.headers_mut();
    h.insert("Sec-WebSocket-Protocol", "janus-protocol".parse().unwrap());
    if let Some(o) = origin {
        h.insert("Origin", o.parse().unwrap());
    }
    let (ws, resp) = tungstenite::client(req, tcp).expect("handshake with janus");
    let h = resp.headers();
    let proto = h.get("sec-websocket-protocol");
    assert_eq!(proto.and_then(|v| v.to_str().ok()), Some("janus-protocol"));
    // janus's ADD_HEADERS (CORS) header; "*" unless an origin is configured
    let acao = h.get("access-control-allow-origin");
    assert_eq!(
        acao.and_then(|v| v.to_str().ok()),
        Some(origin.unwrap_or("*"))
    );
    ws
}

fn send(ws: &mut Ws, v: &Value) {
    ws.send(Message::text(v.to_string())).expect("send");
}

fn recv(ws: &mut Ws) -> Value {
    loop {
        match ws.read().expect("read from janus") {
            Message::Text(t) => return serde_json::from_str(t.as_str()).expect("JSON from janus"),
            Message::Close(c) => panic!("janus closed: {c:?}"),
            _ => continue,
        }
    }
}

fn request(ws: &mut Ws, v: Value) -> Value {
    send(ws, &v);
    let r = recv(ws);
    assert_eq!(r["transaction"], v["transaction"], "{r}");
    r
}

fn id(v: &Value) -> u64 {
    v["data"]["id"]
        .as_u64()
        .unwrap_or_else(|| panic!("no id in {v}"))
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(|s| s.as_str())
        .collect();
    k.sort();
    k
}

/// info, create, attach to echotest, a message (ack and event), a large
/// keepalive, destroy. Returns the session and handle ids.
fn janus_session(ws: &mut Ws) -> (u64, u64) {
    let info = request(ws, json!({"janus": "info", "transaction": "t-info"}));
    assert_eq!(info["janus"], "server_info", "{info}");
    assert_eq!(info["version_string"], "1.1.2", "{info}");
    assert_eq!(keys(&info["plugins"]), ["janus.plugin.echotest"], "{info}");
    assert_eq!(
        keys(&info["transports"]),
        ["janus.transport.websockets"],
        "{info}"
    );

    let created = request(ws, json!({"janus": "create", "transaction": "t-create"}));
    assert_eq!(created["janus"], "success", "{created}");
    let session = id(&created);

    let attached = request(
        ws,
        json!({"janus": "attach", "session_id": session,
               "plugin": "janus.plugin.echotest", "transaction": "t-attach"}),
    );
    assert_eq!(attached["janus"], "success", "{attached}");
    assert_eq!(attached["session_id"], session);
    let handle = id(&attached);

    // the ack comes from the core, the event from the plugin's thread: any order
    send(
        ws,
        &json!({"janus": "message", "session_id": session, "handle_id": handle,
                "body": {"audio": true}, "transaction": "t-msg"}),
    );
    let mut replies = [recv(ws), recv(ws)];
    replies.sort_by_key(|r| r["janus"].as_str().unwrap_or("").to_string());
    let [ack, event] = replies;
    assert_eq!(ack["janus"], "ack", "{ack}");
    assert_eq!(ack["transaction"], "t-msg");
    assert_eq!(event["janus"], "event", "{event}");
    assert_eq!(event["transaction"], "t-msg");
    assert_eq!(event["sender"], handle);
    assert_eq!(event["plugindata"]["plugin"], "janus.plugin.echotest");
    assert_eq!(event["plugindata"]["data"]["echotest"], "event");
    assert_eq!(event["plugindata"]["data"]["result"], "ok");

    // 200 kB each way: janus joins the pieces the library delivers it
    // (lws_remaining_packet_payload) and answers in 2800-byte fragments
    let big = "x".repeat(200_000);
    let ack = request(
        ws,
        json!({"janus": "keepalive", "session_id": session, "transaction": big}),
    );
    assert_eq!(ack["janus"], "ack");

    let destroyed = request(
        ws,
        json!({"janus": "destroy", "session_id": session, "transaction": "t-destroy"}),
    );
    assert_eq!(destroyed["janus"], "success", "{destroyed}");
    assert_eq!(destroyed["session_id"], session);
    (session, handle)
}

#[test]
fn janus_websockets_transport() {
    if !have_janus() {
        return;
    }
    for (which, lib) in libs() {
        eprintln!("janus transport on {which}'s library");
        let janus = Janus::start(
            &format!("transport-{which}"),
            &lib,
            None,
            Transport::default(),
        );
        janus.assert_loaded(which);
        let mut ws = connect(janus.port);
        janus_session(&mut ws);
        // a session on a second connection while the first stays open
        let mut ws2 = connect(janus.port);
        janus_session(&mut ws2);
        ws.close(None).unwrap();
        while ws.read().is_ok() {}
        drop(ws2);
        let log = janus.stop();
        assert!(log.contains("WebSockets thread ended"), "{log}");
    }
}

/// CORS enforced (ADD_HEADERS refuses other origins), an ACL on the
/// peer's address (lws_get_peer_simple), and keepalive: a ping after 1 s
/// without traffic, a hang-up 1 s after an unanswered one
/// (retry_and_idle_policy).
const STRICT: Transport = Transport {
    general: "\tpingpong_trigger = 1\n\tpingpong_timeout = 1\n\tws_acl = \"127.0.0.1\"\n",
    sections: "cors: {\n\tallow_origin = \"http://allowed.test\"\n\tenforce_cors = true\n}\n",
};

/// Sends a WebSocket upgrade with `headers` and reads until the server
/// closes (or 6 s): whether it closed, what came, and when it closed.
fn raw_upgrade(port: u16, headers: &str) -> (bool, Vec<u8>, Duration) {
    let mut c = common::http::Conn::connect(port);
    let req = format!(
        "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n{headers}\r\n"
    );
    let t0 = Instant::now();
    c.send(req.as_bytes()).unwrap();
    let (closed, got) = c.wait_closed(Duration::from_secs(6));
    (closed, got, t0.elapsed())
}

#[test]
fn janus_websockets_transport_cors_and_keepalive() {
    if !have_janus() {
        return;
    }
    for (which, lib) in libs() {
        eprintln!("janus transport (CORS, ACL, keepalive) on {which}'s library");
        let janus = Janus::start(&format!("strict-{which}"), &lib, None, STRICT);
        janus.assert_loaded(which);
        let port = janus.port;

        // plain HTTP on the WebSocket port: janus answers 403
        assert_eq!(common::http::get(port, "/").code, 403);

        // no subprotocol: janus refuses on FILTER_PROTOCOL_CONNECTION's
        // NULL (4.1.6 drops the connection, we answer 403: README)
        let (closed, got, _) = raw_upgrade(port, "Origin: http://allowed.test\r\n");
        let got = String::from_utf8_lossy(&got);
        eprintln!(
            "  no subprotocol: {:?}",
            got.lines().next().unwrap_or("dropped")
        );
        assert!(
            closed && (got.is_empty() || got.starts_with("HTTP/1.1 403 ")),
            "{got:?}"
        );

        // an origin janus does not allow, or none: refused in ADD_HEADERS,
        // so the connection is dropped without an answer
        for origin in ["Origin: http://evil.test\r\n", ""] {
            let (closed, got, _) = raw_upgrade(
                port,
                &format!("Sec-WebSocket-Protocol: janus-protocol\r\n{origin}"),
            );
            assert!(
                closed && got.is_empty(),
                "{origin:?}: {:?}",
                String::from_utf8_lossy(&got)
            );
        }

        // the allowed origin: 101 with janus's CORS headers, then an empty
        // ping after 1 s idle and, unanswered, the hang-up 1 s later
        let (closed, got, took) = raw_upgrade(
            port,
            "Sec-WebSocket-Protocol: janus-protocol\r\nOrigin: http://allowed.test\r\n\
             Access-Control-Request-Headers: x-janus\r\n",
        );
        let text = String::from_utf8_lossy(&got);
        let end = text.find("\r\n\r\n").expect("a response head") + 4;
        let head = &text[..end];
        assert!(head.starts_with("HTTP/1.1 101 "), "{head}");
        assert!(
            head.contains("\r\nAccess-Control-Allow-Origin: http://allowed.test\r\n"),
            "{head}"
        );
        assert!(
            head.contains("\r\nAccess-Control-Allow-Headers: x-janus\r\n"),
            "{head}"
        );
        assert_eq!(&got[end..], b"\x89\x00", "one empty ping, then nothing");
        assert!(closed, "not hung up after {took:?}");
        assert!(
            took > Duration::from_millis(1500) && took < Duration::from_secs(5),
            "{took:?}"
        );
        eprintln!("  unanswered ping: hung up after {took:?}");

        // a client that answers the pings stays connected past the hang-up
        let mut ws = connect_from(port, Some("http://allowed.test"));
        ws.get_ref()
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let (mut pings, t0) = (0, Instant::now());
        while t0.elapsed() < Duration::from_millis(3500) {
            match ws.read() {
                Ok(Message::Ping(p)) => {
                    assert!(p.is_empty());
                    pings += 1;
                }
                Ok(m) => panic!("unexpected {m:?}"),
                Err(tungstenite::Error::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("after {:?}, {pings} pings: {e}", t0.elapsed()),
            }
        }
        assert!(pings >= 2, "{pings} pings in 3.5 s");
        eprintln!("  answered {pings} pings in 3.5 s");
        ws.get_ref()
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        janus_session(&mut ws);
        janus.stop();
    }
}

/// A venv with `websockets`, made once under target/ (shared with
/// tests/pmd_peers.rs); None if that fails (no network).
fn python() -> Option<&'static PathBuf> {
    static PY: OnceLock<Option<PathBuf>> = OnceLock::new();
    PY.get_or_init(|| common::python_venv("pyws-venv", "websockets", "websockets==15.0.1"))
        .as_ref()
}

/// The event handler's backend: prints each handshake and each event (one
/// JSON line each). Before "READY" it checks, with a client of its own that
/// offers compression, that it does negotiate permessage-deflate, so what
/// janus gets is up to janus and the library.
const PY_BACKEND: &str = r#"
import asyncio, json, sys
from websockets.asyncio.server import serve
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

def out(*a):
    print(*a, flush=True)

async def handler(ws):
    if ws.request.path == "/probe":
        return
    out("HANDSHAKE", json.dumps({
        "path": ws.request.path,
        "protocol": ws.subprotocol,
        "offer": ws.request.headers.get("Sec-WebSocket-Extensions"),
        "agreed": ws.response.headers.get("Sec-WebSocket-Extensions"),
    }))
    try:
        async for m in ws:
            v = json.loads(m)
            for e in v if isinstance(v, list) else [v]:
                out("EVENT", json.dumps(e))
    except ConnectionClosed:
        pass
    out("CLOSED", ws.close_code)

async def main():
    port = int(sys.argv[1])
    async with serve(handler, "127.0.0.1", port, subprotocols=["janus-event-handlers"]):
        probe = f"ws://127.0.0.1:{port}/probe"
        async with connect(probe, subprotocols=["janus-event-handlers"]) as ws:
            out("READY", ws.response.headers.get("Sec-WebSocket-Extensions"))
        await asyncio.Future()

asyncio.run(main())
"#;

#[test]
fn janus_websocket_event_handler() {
    if !have_janus() {
        return;
    }
    let Some(py) = python() else {
        eprintln!("consumers: could not install Python websockets; not run");
        return;
    };
    for (which, lib) in libs() {
        eprintln!("janus event handler on {which}'s library");
        let bport = free_port().to_string();
        let backend = Server::spawn(py, None, &["-c", PY_BACKEND, &bport]);
        let ready = backend.wait_for("READY", Duration::from_secs(20));
        assert!(ready.contains("permessage-deflate"), "{ready}");

        let url = format!("ws://127.0.0.1:{bport}/janus-events");
        let janus = Janus::start(
            &format!("wsevh-{which}"),
            &lib,
            Some(&url),
            Transport::default(),
        );
        janus.assert_loaded(which);
        let line = backend.wait_for("HANDSHAKE", Duration::from_secs(20));
        let hs: Value = serde_json::from_str(line.trim_start_matches("HANDSHAKE ")).unwrap();
        eprintln!("  event handler handshake: {hs}");
        assert_eq!(hs["path"], "/janus-events");
        assert_eq!(hs["protocol"], "janus-event-handlers");
        // janus passes its permessage-deflate table as client_exts, which
        // 4.1.6 ignores (vhost extensions only): no offer on either library
        assert_eq!(hs["offer"], Value::Null);
        assert_eq!(hs["agreed"], Value::Null);

        let mut ws = connect(janus.port);
        let (session, handle) = janus_session(&mut ws);

        // events until our session's "destroyed"; their order across
        // janus's threads is not fixed, so look them up
        let mut events = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let Some(l) = backend.next_line(left) else {
                panic!("events so far: {events:#?}\njanus:\n{}", janus.log());
            };
            let Some(e) = l.strip_prefix("EVENT ") else {
                continue;
            };
            let e: Value = serde_json::from_str(e).unwrap();
            let done =
                e["type"] == 1 && e["session_id"] == session && e["event"]["name"] == "destroyed";
            events.push(e);
            if done {
                break;
            }
        }
        let has = |f: &dyn Fn(&Value) -> bool, what: &str| {
            assert!(events.iter().any(f), "no {what} event in {events:#?}");
        };
        has(
            &|e| e["type"] == 256 && e["event"]["status"] == "started",
            "core started",
        );
        // the address comes from lws_get_peer_simple()
        has(
            &|e| {
                e["type"] == 128
                    && e["event"]["data"]["event"] == "connected"
                    && e["event"]["data"]["ip"] == "127.0.0.1"
            },
            "transport connected",
        );
        has(
            &|e| {
                e["type"] == 1
                    && e["session_id"] == session
                    && e["event"]["name"] == "created"
                    && e["event"]["transport"]["transport"] == "janus.transport.websockets"
            },
            "session created",
        );
        has(
            &|e| {
                e["type"] == 2
                    && e["session_id"] == session
                    && e["handle_id"] == handle
                    && e["event"]["name"] == "attached"
                    && e["event"]["plugin"] == "janus.plugin.echotest"
            },
            "handle attached",
        );
        has(
            &|e| {
                e["type"] == 64
                    && e["handle_id"] == handle
                    && e["event"]["data"]["audio_active"] == true
            },
            "echotest plugin",
        );
        eprintln!("  {} events", events.len());
        drop(ws);
        janus.stop();
        // lws_context_destroy() drops its client without a close frame
        let closed = backend.wait_for("CLOSED", Duration::from_secs(10));
        assert_eq!(closed, "CLOSED 1006");
    }
}
