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

fn exchange(deflate: bool) {
    let Some(browser) = chromium() else {
        eprintln!("browser: chromium is not installed; not run");
        return;
    };
    let (_srv, port) = common::start_example_with(
        "echo-server",
        if deflate {
            "echo-server-browser-deflate"
        } else {
            "echo-server-browser"
        },
        if deflate { &["--deflate"][..] } else { &[][..] },
    );

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
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!(
            "http://127.0.0.1:{port}/#send=hello%20from%20chromium"
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
}
