//! Autobahn|Testsuite (fuzzingserver) against `c-tests/autobahn-client.c`
//! built on our header and running on our library: the client role, cases
//! 1.* to 10.* except 9.* (performance) and 12.*/13.* (permessage-deflate).
//! Needs the shared harness (`../shared/autobahn`, or `LWS_AUTOBAHN_DIR`)
//! and PyPI for its venv.
//!
//! For reference, the same driver on Debian's libwebsockets 4.1.6 gives
//! 246 passed, 1 failed: 2.10 (lws keeps one pong in flight and drops the
//! other pings, as its README.test-apps says). Ours must fail nothing.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{compile_c, our_lib_dir, repo, Headers};

/// Cases of 1.*-7.* and 10.* (no 9.*, 12.*, 13.*), as wstest counts them.
const CASES: u32 = 247;

fn harness() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("LWS_AUTOBAHN_DIR") {
        return Some(PathBuf::from(d));
    }
    let d = repo().join("../shared/autobahn");
    d.join("test-client").exists().then_some(d)
}

/// Single-quotes `s` for `bash -c`.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[test]

fn autobahn_client_echo() {
    run(false);
}

/// The client with permessage-deflate offered: 1.* to 10.* except 9.*,
/// and the same sample of 12.*/13.* as the server test.
#[test]
fn autobahn_client_echo_deflate() {
    run(true);
}

fn run(deflate: bool) {
    let Some(dir) = harness() else {
        eprintln!("autobahn: harness not found (../shared/autobahn or LWS_AUTOBAHN_DIR); not run");
        return;
    };
    let bin = compile_c(
        if deflate {
            "autobahn-client-deflate"
        } else {
            "autobahn-client"
        },
        &[repo().join("c-tests/autobahn-client.c")],
        Headers::Ours,
        &[],
    );
    let lib = our_lib_dir();
    let command = format!(
        "LD_LIBRARY_PATH={} {} -u \"$AUTOBAHN_URL\" -a \"$AUTOBAHN_AGENT\"{}",
        shell_quote(lib.to_str().expect("utf-8 lib path")),
        shell_quote(bin.to_str().expect("utf-8 bin path")),
        if deflate { " --deflate" } else { "" },
    );

    let reports = common::profile_dir().join(if deflate {
        "autobahn-reports-client-deflate"
    } else {
        "autobahn-reports-client"
    });
    let out = Command::new(dir.join("test-client"))
        .arg(&command)
        .arg(if deflate {
            "lws-rs-client-deflate"
        } else {
            "lws-rs-client"
        })
        .arg(if deflate {
            "1.*,2.*,3.*,4.*,5.*,6.*,7.*,10.*,12.1.*,12.4.*,13.1.*,13.3.*,13.5.*,13.7.*"
        } else {
            "*"
        })
        .env(
            "AUTOBAHN_EXCLUDE",
            if deflate { "9.*" } else { "9.*,12.*,13.*" },
        )
        .env("AUTOBAHN_REPORTS", &reports)
        .env("AUTOBAHN_TIMEOUT", "600")
        .output()
        .expect("run autobahn test-client");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let summary: String = text
        .lines()
        .filter(|l| !l.starts_with("Running test case ID") && !l.contains(": case "))
        .collect::<Vec<_>>()
        .join("\n");
    println!("{summary}");
    let last = text
        .lines()
        .rev()
        .find(|l| l.ends_with(" failed") && l.contains(" passed, "))
        .unwrap_or("");
    let nums: Vec<u32> = last
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|s| s.parse().ok())
        .collect();
    assert!(nums.len() >= 2, "no Autobahn summary:\n{text}");
    let (passed, failed) = (nums[0], nums[1]);
    assert_eq!(failed, 0, "Autobahn client cases failed:\n{summary}");
    let want = if deflate { CASES + 108 } else { CASES };
    assert_eq!(
        passed, want,
        "expected all {want} cases to have a passing result:\n{summary}"
    );
    assert!(
        out.status.success(),
        "test-client exited with {:?}:\n{summary}",
        out.status
    );
}
