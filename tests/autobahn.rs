//! Autobahn|Testsuite (fuzzingclient) against the C echo example running on
//! our library: cases 1.* to 10.* except 9.* (performance) and 12.*/13.*
//! (permessage-deflate, not negotiated yet). Needs the shared harness
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

#[test]
fn autobahn_server_echo() {
    let Some(dir) = harness() else {
        eprintln!("autobahn: harness not found (../shared/autobahn or LWS_AUTOBAHN_DIR); not run");
        return;
    };
    let bin = compile_c(
        "echo-server-autobahn",
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

    let reports = common::profile_dir().join("autobahn-reports");
    let out = Command::new(dir.join("test-server"))
        .arg(format!("ws://127.0.0.1:{port}"))
        .arg("lws-rs")
        .env("AUTOBAHN_EXCLUDE", "9.*,12.*,13.*")
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
    assert!(
        passed >= 247,
        "expected all 247 cases of 1-7 and 10 to pass:\n{summary}"
    );
}
