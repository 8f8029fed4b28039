//! Autobahn|Testsuite (fuzzingclient) against the C echo example running on
//! our library, over ws:// and over wss:// (a certificate made at test
//! time): cases 1.* to 10.* (over ws:// except 9.*, the performance
//! cases, which benches/ and the wss run cover); and with
//! permessage-deflate on, 1.* to 10.* except 9.* plus a sample of
//! 12.*/13.* ([`PMD_SAMPLE`]). Needs the shared harness
//! (`../shared/autobahn`, or `LWS_AUTOBAHN_DIR`) and PyPI for its venv.

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use common::{compile_c, our_lib_dir, repo, Headers, KillOnDrop};

fn harness() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("LWS_AUTOBAHN_DIR") {
        return Some(PathBuf::from(d));
    }
    let d = repo().join("../shared/autobahn");
    d.join("test-server").exists().then_some(d)
}

/// The permessage-deflate cases run in CI: text and binary, window bits
/// 8 and 15, no context takeover, several offers (108 of 216).
pub const PMD_SAMPLE: &str = "12.1.*,12.4.*,13.1.*,13.3.*,13.5.*,13.7.*";

#[test]
fn autobahn_server_echo() {
    suite(false, false);
}

#[test]
fn autobahn_server_echo_wss() {
    suite(true, false);
}

/// The echo example with permessage-deflate: 1.* to 10.* except 9.*, and
/// the sampled 12.*/13.* compression cases.
#[test]
fn autobahn_server_echo_deflate() {
    suite(false, true);
}

fn suite(tls: bool, deflate: bool) {
    let Some(dir) = harness() else {
        eprintln!("autobahn: harness not found (../shared/autobahn or LWS_AUTOBAHN_DIR); not run");
        return;
    };
    let mut tls_args = Vec::new();
    if tls {
        let d = common::temp_dir("autobahn-cert");
        let o = Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes"])
            .args(["-keyout", "key.pem", "-out", "cert.pem", "-days", "2"])
            .args(["-subj", "/CN=localhost"])
            .current_dir(&d)
            .output()
            .expect("openssl req");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        for (opt, f) in [("--cert", "cert.pem"), ("--key", "key.pem")] {
            tls_args.push(opt.to_string());
            tls_args.push(d.join(f).to_str().unwrap().to_string());
        }
    }
    let bin = compile_c(
        // one binary per test: they run in parallel
        match (tls, deflate) {
            (true, _) => "echo-server-autobahn-wss",
            (_, true) => "echo-server-autobahn-deflate",
            _ => "echo-server-autobahn",
        },
        &[repo().join("examples/echo-server.c")],
        Headers::Ours,
        &[],
    );
    let port = common::free_port();
    let mut child = KillOnDrop(
        Command::new(&bin)
            .args([
                "-p",
                &port.to_string(),
                "-w",
                repo().join("examples/www").to_str().unwrap(),
            ])
            .args(&tls_args)
            .args(if deflate { &["--deflate"][..] } else { &[][..] })
            .env("LD_LIBRARY_PATH", our_lib_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start echo server"),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("listening"), "echo server: {line}");

    let reports = common::profile_dir().join(if tls {
        "autobahn-reports-wss"
    } else {
        "autobahn-reports"
    });
    let out = Command::new(dir.join("test-server"))
        .arg(format!(
            "{}://127.0.0.1:{port}",
            if tls { "wss" } else { "ws" }
        ))
        .arg(match (tls, deflate) {
            (true, _) => "lws-rs-wss",
            (_, true) => "lws-rs-deflate",
            _ => "lws-rs",
        })
        .arg(if deflate {
            format!("1.*,2.*,3.*,4.*,5.*,6.*,7.*,10.*,{PMD_SAMPLE}")
        } else {
            "*".to_string()
        })
        // over wss the 9.* limits/performance cases run too (issue 5)
        .env(
            "AUTOBAHN_EXCLUDE",
            match (tls, deflate) {
                (true, _) => "12.*,13.*",
                (_, true) => "9.*",
                _ => "9.*,12.*,13.*",
            },
        )
        .env("AUTOBAHN_REPORTS", &reports)
        .env("AUTOBAHN_TIMEOUT", "600")
        .output()
        .expect("run autobahn test-server");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let summary: String = text
        .lines()
        .skip_while(|l| !l.starts_with("Agent "))
        .collect::<Vec<_>>()
        .join("\n");
    println!("{summary}");
    let last = text
        .lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .unwrap_or("");
    let nums: Vec<u32> = last
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|s| s.parse().ok())
        .collect();
    assert!(nums.len() >= 2, "no Autobahn summary:\n{text}");
    let (passed, failed) = (nums[0], nums[1]);
    assert_eq!(failed, 0, "Autobahn cases failed:\n{summary}");
    let want = match (tls, deflate) {
        (true, _) => 247 + 54,
        (_, true) => 247 + 108,
        _ => 247,
    };
    assert!(
        passed >= want,
        "expected all {want} cases to pass:\n{summary}"
    );
}
