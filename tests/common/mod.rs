//! Helpers shared by the integration tests: where things are, compiling C
//! programs against our header and library or Debian's, running them with
//! either library, and managing server processes.
//!
//! Every test binary includes this with `mod common;` and uses a subset.
#![allow(dead_code)]

use std::fs;
use std::io;
use std::net::TcpListener;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};

/// Debian's library, the oracle for ABI and differential tests.
const DEBIAN_LIB: &str = "/usr/lib/x86_64-linux-gnu/libwebsockets.so.17";
/// Debian's main header (from `libwebsockets-dev`).
pub const DEBIAN_HEADER: &str = "/usr/include/libwebsockets.h";

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `target/<profile>/`: the test executable lives in its `deps/`.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("exe dir");
    if deps.file_name().is_some_and(|n| n == "deps") {
        deps.parent().expect("profile dir").to_path_buf()
    } else {
        deps.to_path_buf()
    }
}

/// Our cdylib as cargo built it for this test run.
pub fn our_cdylib() -> PathBuf {
    let profile = profile_dir();
    for p in [
        profile.join("deps/libwebsockets.so"),
        profile.join("libwebsockets.so"),
    ] {
        if p.exists() {
            return p;
        }
    }
    panic!(
        "our cdylib libwebsockets.so not found under {}",
        profile.display()
    );
}

/// A directory holding `libwebsockets.so.17` and `libwebsockets.so`
/// symlinks to our cdylib: use it for `-L` and `LD_LIBRARY_PATH`.
pub fn our_lib_dir() -> PathBuf {
    let dir = profile_dir().join("lws-rs-lib");
    link_dir(&dir, &our_cdylib());
    dir
}

/// A directory holding `libwebsockets.so.17` and `libwebsockets.so`
/// symlinks to Debian's library, or `None` when it is not installed.
pub fn debian_lib_dir() -> Option<PathBuf> {
    let lib = Path::new(DEBIAN_LIB);
    if !lib.exists() {
        return None;
    }
    let dir = profile_dir().join("lws-debian-lib");
    link_dir(&dir, lib);
    Some(dir)
}

/// Whether Debian's headers are installed.
pub fn have_debian_headers() -> bool {
    Path::new(DEBIAN_HEADER).exists()
}

/// Makes `dir/libwebsockets.so{,.17}` point at `target`. Test binaries run
/// in parallel, so each link is made under a unique name and renamed into
/// place (atomic).
fn link_dir(dir: &Path, target: &Path) {
    fs::create_dir_all(dir).expect("create lib dir");
    for name in ["libwebsockets.so.17", "libwebsockets.so"] {
        let dst = dir.join(name);
        if fs::read_link(&dst).is_ok_and(|t| t == target) {
            continue;
        }
        let tmp = dir.join(format!(".{name}.{}", std::process::id()));
        let _ = fs::remove_file(&tmp);
        symlink(target, &tmp).expect("symlink");
        fs::rename(&tmp, &dst).expect("rename symlink");
    }
}

/// Which header and library a C program is built against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Headers {
    /// `include/` of this repository, linked with our cdylib.
    Ours,
    /// Debian's `/usr/include`, linked with Debian's `libwebsockets.so.17`.
    Debian,
}

/// Compiles and links `sources` into `target/<profile>/c-bin/<name>` with
/// `gcc -Wall -Wextra -Werror`, against our or Debian's header and library
/// (`-lwebsockets -lpthread`); panics with gcc's output on failure.
/// Either way the binary needs `libwebsockets.so.17`, so [`run_with_lib`]
/// can run it on either library.
pub fn compile_c(
    name: &str,
    sources: &[PathBuf],
    headers: Headers,
    extra_args: &[&str],
) -> PathBuf {
    let out_dir = profile_dir().join("c-bin");
    fs::create_dir_all(&out_dir).expect("create c-bin");
    let out = out_dir.join(name);
    let mut cmd = Command::new("gcc");
    cmd.args(["-Wall", "-Wextra", "-Werror", "-g", "-o"])
        .arg(&out);
    let lib_dir = match headers {
        Headers::Ours => {
            cmd.arg("-I").arg(repo().join("include"));
            our_lib_dir()
        }
        Headers::Debian => debian_lib_dir().expect("Debian's libwebsockets.so.17 is not installed"),
    };
    cmd.args(extra_args).args(sources);
    cmd.arg("-L")
        .arg(&lib_dir)
        .args(["-lwebsockets", "-lpthread"]);
    let o = cmd.output().expect("run gcc");
    if !o.status.success() {
        panic!(
            "gcc failed for {name} ({headers:?}): {cmd:?}\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    out
}

/// Runs `bin` with `args`, loading `libwebsockets.so.17` from `lib_dir`
/// ([`our_lib_dir`] or [`debian_lib_dir`]), and collects its output.
pub fn run_with_lib(bin: &Path, lib_dir: &Path, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .env("LD_LIBRARY_PATH", lib_dir)
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", bin.display()))
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local_addr").port()
}

/// A child process (e.g. a server under test) that is killed and reaped
/// when this value is dropped, even if the test panics.
pub struct KillOnDrop(pub Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _: io::Result<()> = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A server process under test: killed on drop, with its stdout read line
/// by line on a background thread so tests can wait with a timeout.
pub struct Server {
    pub child: KillOnDrop,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Server {
    /// Starts `bin args` in the repository root with stdout piped (stderr is
    /// inherited, so the library's logs show up in a failing test's output).
    /// `lib_dir` sets `LD_LIBRARY_PATH`; `None` leaves the environment alone
    /// (the system library is used).
    pub fn spawn(bin: &Path, lib_dir: Option<&Path>, args: &[&str]) -> Server {
        Self::spawn_wrapped(&[], bin, lib_dir, args)
    }

    /// Like [`Server::spawn`], but runs `wrapper... bin args` (e.g. valgrind).
    pub fn spawn_wrapped(
        wrapper: &[&str],
        bin: &Path,
        lib_dir: Option<&Path>,
        args: &[&str],
    ) -> Server {
        use std::io::BufRead;
        use std::process::Stdio;
        let mut cmd = if let Some((w, rest)) = wrapper.split_first() {
            let mut c = Command::new(w);
            c.args(rest).arg(bin);
            c
        } else {
            Command::new(bin)
        };
        cmd.args(args)
            .current_dir(repo())
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        if let Some(d) = lib_dir {
            cmd.env("LD_LIBRARY_PATH", d);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {}: {e}", bin.display()));
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in io::BufReader::new(out).lines() {
                match line {
                    Ok(l) => {
                        if tx.send(l).is_err() {
                            break;
                        }
                    }
                    Err(_) => break,
                }
            }
        });
        Server {
            child: KillOnDrop(child),
            lines: rx,
        }
    }

    /// The next stdout line, or `None` on EOF or after `timeout`.
    pub fn next_line(&self, timeout: std::time::Duration) -> Option<String> {
        self.lines.recv_timeout(timeout).ok()
    }

    /// Reads lines until one contains `needle` (returned), panicking after
    /// `timeout` or on EOF.
    pub fn wait_for(&self, needle: &str, timeout: std::time::Duration) -> String {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if l.contains(needle) => return l,
                Ok(_) => continue,
                Err(e) => panic!("server: no line containing {needle:?} ({e:?})"),
            }
        }
    }

    /// All stdout lines until EOF (the process exited) or `timeout`.
    pub fn collect_until_exit(&self, timeout: std::time::Duration) -> (Vec<String>, bool) {
        let deadline = std::time::Instant::now() + timeout;
        let mut v = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => v.push(l),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return (v, true),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => return (v, false),
            }
        }
    }

    /// Waits up to `timeout` for the process to exit by itself.
    pub fn wait_exit(&mut self, timeout: std::time::Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Ok(Some(st)) = self.child.0.try_wait() {
                return Some(st);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}
