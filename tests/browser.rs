//! A real browser: headless Chromium loads the example page from the echo
//! server on our library and exchanges a WebSocket message from the page.
//! Runs when Chromium is installed (`.ci/run` installs it).

mod common;

use std::process::Command;

fn chromium() -> Option<&'static str> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
}

#[test]
fn page_exchanges_messages_in_chromium() {
    exchange(false);
}

/// Chromium offers permessage-deflate by default: with the echo server's
/// --deflate it is negotiated and the messages go compressed both ways.
#[test]
fn page_exchanges_compressed_messages_in_chromium() {
    exchange(true);
}

/// Over TLS the page comes by HTTP/2 (ALPN h2, offered as 4.1.6 does),
/// and Chromium opens the WebSocket as an RFC 8441 extended CONNECT stream
/// on that connection (its default; the flag keeps older builds in line):
/// the protocol callback sees the same callbacks as over HTTP/1.1, and
/// Debian's 4.1.6 serves this page the same way.
#[test]
fn page_over_tls_runs_its_websocket_on_an_http2_stream_in_chromium() {
    exchange_tls(
        "browser-tls",
        &["--enable-features=EnableWebsocketsOverHttp2"],
        "an http/2 stream",
    );
}

fn exchange_tls(name: &str, browser_args: &[&str], over: &str) {
    let d = common::temp_dir(name);
    let (cert, key) = (d.join("cert.pem"), d.join("key.pem"));
    let ok = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "openssl req");
    let srv = exchange_with(
        false,
        &format!("echo-server-{name}"),
        &[
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
            "-v",
        ],
        "https",
        browser_args,
    );
    if let Some(srv) = srv {
        let line = srv.wait_for("established over", std::time::Duration::from_secs(5));
        assert!(line.contains(over), "expected {over:?}: {line}");
    }
}

fn exchange(deflate: bool) {
    let _ = exchange_with(
        deflate,
        if deflate {
            "echo-server-browser-deflate"
        } else {
            "echo-server-browser"
        },
        if deflate { &["--deflate"][..] } else { &[][..] },
        "http",
        &[],
    );
}

/// Returns the server (for its output) once the page has exchanged a
/// message, or `None` when Chromium is not installed.
fn exchange_with(
    deflate: bool,
    bin: &str,
    args: &[&str],
    scheme: &str,
    browser_args: &[&str],
) -> Option<common::Server> {
    let Some(browser) = chromium() else {
        eprintln!("browser: chromium is not installed; not run");
        return None;
    };
    let (srv, port) = common::start_example_with("echo-server", bin, args);

    let profile = std::env::temp_dir().join(format!("lws-rs-chromium-{port}"));
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
            "--dump-dom",
            "--ignore-certificate-errors",
        ])
        .args(browser_args)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!(
            "{scheme}://127.0.0.1:{port}/#send=hello%20from%20chromium"
        ))
        .output()
        .expect("run chromium");
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains("connected (lws-echo)"),
        "page did not connect:\n{dom}"
    );
    assert!(
        dom.contains("&gt; hello from chromium"),
        "page did not send:\n{dom}"
    );
    assert!(
        dom.contains("&lt; hello from chromium"),
        "echo did not come back:\n{dom}"
    );
    assert_eq!(
        dom.contains("[permessage-deflate"),
        deflate,
        "permessage-deflate negotiated only with --deflate:\n{dom}"
    );
    Some(srv)
}
