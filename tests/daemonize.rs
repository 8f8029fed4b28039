//! lws_daemonize (`c-tests/daemonize.c`): the parent exits 0 once the
//! daemon is set up and has written its pid to the lock file; the daemon
//! leads its own session in /tmp with umask 0 and stdout on /dev/null; a
//! second start refuses while it runs; SIGTERM removes the lock file and
//! ends it; a stale lock (a dead pid) is reported and replaced. Built
//! against Debian's header and run on Debian's library and on ours, and
//! built against our header; all must tell the same story.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{compile_c_once, debian_lib_dir, have_debian_headers, our_lib_dir, repo, Headers};

/// Runs the program to its exit (10 s at most): exit code, stdout, stderr.
/// Output goes through files: the daemon keeps inherited pipes open until
/// it points its stdio at /dev/null.
fn run(bin: &Path, lib: &Path, dir: &Path, args: &[&Path]) -> (i32, String, String) {
    let (o, e) = (dir.join("stdout"), dir.join("stderr"));
    let mut child = Command::new(bin)
        .args(args)
        .env("LD_LIBRARY_PATH", lib)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&o).unwrap())
        .stderr(std::fs::File::create(&e).unwrap())
        .spawn()
        .expect("spawn daemonize");
    let end = Instant::now() + Duration::from_secs(10);
    let code = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st.code().unwrap_or(-1);
        }
        if Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            break -2;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |p| std::fs::read_to_string(p).unwrap_or_default();
    (code, read(&o), read(&e))
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(5);
    while !f() {
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Gone, or a zombie nobody reaps.
fn dead(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| {
        s.rsplit(')')
            .next()
            .is_some_and(|r| r.trim_start().starts_with('Z'))
    })
}

/// Starts a daemon with `lock` and checks it; returns its pid.
fn start(bin: &Path, lib: &Path, dir: &Path, lock: &Path, log: &mut Vec<String>) -> i32 {
    let report = dir.join("report");
    let _ = std::fs::remove_file(&report);
    let (code, out, err) = run(bin, lib, dir, &[lock, &report]);
    let err = err.replace(&lock.display().to_string(), "LOCK");
    log.push(format!(
        "start: exit {code}, stdout {out:?}, stderr {err:?}"
    ));
    let pid: i32 = std::fs::read_to_string(lock)
        .unwrap_or_default()
        .parse()
        .unwrap_or(0);
    wait_for("the daemon's report", || report.exists());
    let rep = std::fs::read_to_string(&report).unwrap();
    let rep = rep.replacen(&format!("pid {pid} "), "pid (the lock's) ", 1);
    log.push(format!("daemon: {}", rep.trim_end()));
    pid
}

/// The whole story, with pids and paths replaced by names.
fn story(bin: &Path, lib: &Path, tag: &str) -> Vec<String> {
    let dir = common::temp_dir(tag);
    let lock = dir.join("lock");
    let mut log = Vec::new();
    let pid = start(bin, lib, &dir, &lock, &mut log);

    let (code, out, err) = run(bin, lib, &dir, &[&lock, &dir.join("report2")]);
    let err = err.replace(&pid.to_string(), "DAEMON");
    log.push(format!(
        "again: exit {code}, stdout {out:?}, stderr {err:?}"
    ));

    // SAFETY: signalling the daemon this test started.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    wait_for("the daemon to end", || dead(pid));
    log.push(format!("after SIGTERM: lock file exists {}", lock.exists()));

    // a lock naming a process that has ended
    let mut gone = Command::new("true").spawn().unwrap();
    gone.wait().unwrap();
    std::fs::write(&lock, gone.id().to_string()).unwrap();
    let pid = start(bin, lib, &dir, &lock, &mut log);
    let dead_pid = gone.id().to_string();
    for l in log.iter_mut().rev().take(2) {
        *l = l.replace(&dead_pid, "DEAD");
    }
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    wait_for("the second daemon to end", || dead(pid));
    let _ = std::fs::remove_dir_all(&dir);
    log
}

#[test]
fn daemonize_same_on_both_libraries() {
    let src = [repo().join("c-tests/daemonize.c")];
    let ours_bin = compile_c_once("daemonize-ours", &src, Headers::Ours, &[]);
    let ours = story(&ours_bin, &our_lib_dir(), "daemonize-ours");
    let text = ours.join("\n");
    for want in [
        "start: exit 0, stdout \"parent\\n\", stderr \"\"",
        "daemon: pid (the lock's) session-leader 1 cwd /tmp umask 000 stdout /dev/null",
        "again: exit 1, stdout \"parent\\n\", stderr \"Daemon already running pid DAEMON\\n\"",
        "after SIGTERM: lock file exists false",
        "stderr \"Removing stale lock LOCK from dead pid DEAD\\n\"",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    let (Some(deb_lib), true) = (debian_lib_dir(), have_debian_headers()) else {
        eprintln!(
            "daemonize: Debian's libwebsockets-dev is not installed; differential part not run"
        );
        return;
    };
    let deb_bin = compile_c_once("daemonize-debian", &src, Headers::Debian, &[]);
    let debian = story(&deb_bin, &deb_lib, "daemonize-debian");
    let ours_abi = story(&deb_bin, &our_lib_dir(), "daemonize-abi");
    pretty_assertions::assert_eq!(debian, ours_abi, "Debian's library (left) vs ours (right)");
    pretty_assertions::assert_eq!(debian, ours, "Debian's header (left) vs ours (right)");
}
