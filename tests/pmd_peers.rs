//! permessage-deflate with peers nobody here wrote: Python `websockets`
//! and Node's `ws` (both offer compression by default) against the echo
//! example with `--deflate`, on our library. Each checks that the
//! extension was negotiated and that text and binary messages (small,
//! 200 kB compressible, 100 kB random) come back intact. The packages are
//! installed at test time (a venv from PyPI, `npm install ws`).

mod common;

use common::Server;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

fn echo_server(peer: &str) -> (Server, u16) {
    common::start_example_with(
        "echo-server",
        &format!("echo-server-pmd-{peer}"),
        &["--deflate"],
    )
}

/// A venv with `websockets`, made once under target/; None if that fails
/// (no network).
fn python() -> Option<&'static PathBuf> {
    static PY: OnceLock<Option<PathBuf>> = OnceLock::new();
    PY.get_or_init(|| common::python_venv("pyws-venv", "websockets", "websockets==15.0.1"))
        .as_ref()
}

const PY_CLIENT: &str = r#"
import asyncio, os, sys
from websockets.asyncio.client import connect

async def main():
    url = sys.argv[1]
    async with connect(url, subprotocols=["lws-echo"], max_size=None) as ws:
        ext = ws.response.headers.get("Sec-WebSocket-Extensions", "")
        assert "permessage-deflate" in ext, ext
        words = [b"the ", b"websocket ", b"message ", b"deflate ", b"frame "]
        text = b"".join(words[(i * 7) % 5] for i in range(40000)).decode()
        msgs = ["hello", text, os.urandom(100000), b"", "ünïcödé"]
        for m in msgs:
            await ws.send(m)
            r = await ws.recv()
            assert r == m, (len(r), len(m))
        print("ok", len(msgs), ext)

asyncio.run(main())
"#;

#[test]
fn python_websockets_compressed_echo() {
    let Some(py) = python() else {
        eprintln!("pmd_peers: could not install Python websockets; not run");
        return;
    };
    let (_s, port) = echo_server("python");
    let out = Command::new(py)
        .args(["-c", PY_CLIENT, &format!("ws://127.0.0.1:{port}/")])
        .output()
        .expect("run python");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("ok 5 permessage-deflate"),
        "{text}"
    );
}

/// A directory with `ws` installed by npm, made once under target/.
fn node_ws() -> Option<&'static PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = common::profile_dir().join("node-ws");
        if d.join("node_modules/ws").exists() {
            return Some(d);
        }
        std::fs::create_dir_all(&d).ok()?;
        let ok = Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "ws@8"])
            .current_dir(&d)
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(d)
    })
    .as_ref()
}

const NODE_CLIENT: &str = r#"
const WebSocket = require('ws');
const crypto = require('crypto');
const ws = new WebSocket(process.argv[1], 'lws-echo', { perMessageDeflate: true });
const words = ['the ', 'websocket ', 'message ', 'deflate ', 'frame '];
let text = '';
for (let i = 0; i < 40000; i++) text += words[(i * 7) % 5];
const msgs = ['hello', text, crypto.randomBytes(100000), Buffer.alloc(0), 'ünïcödé'];
let i = 0;
const timer = setTimeout(() => { console.log('timeout'); process.exit(1); }, 20000);
ws.on('open', () => {
  if (!/permessage-deflate/.test(ws.extensions)) { console.log('no pmd', ws.extensions); process.exit(1); }
  ws.send(msgs[0]);
});
ws.on('message', (data, isBinary) => {
  const want = msgs[i];
  const ok = typeof want === 'string' ? (!isBinary && data.toString() === want) : (isBinary && Buffer.compare(data, want) === 0);
  if (!ok) { console.log('mismatch at', i); process.exit(1); }
  i++;
  if (i < msgs.length) ws.send(msgs[i]);
  else { console.log('ok', i, ws.extensions); clearTimeout(timer); ws.close(1000); }
});
ws.on('error', (e) => { console.log('error', e.message); process.exit(1); });
"#;

#[test]
fn node_ws_compressed_echo() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("pmd_peers: node is not installed; not run");
        return;
    }
    let Some(dir) = node_ws() else {
        eprintln!("pmd_peers: could not install the ws package; not run");
        return;
    };
    let (_s, port) = echo_server("node");
    let out = Command::new("node")
        .args(["-e", NODE_CLIENT, &format!("ws://127.0.0.1:{port}/")])
        .current_dir(dir)
        .output()
        .expect("run node");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("ok 5 permessage-deflate"),
        "{text}"
    );
    let _ = Duration::ZERO;
}
