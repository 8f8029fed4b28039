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
        // lws (and so we) route client connections through $http_proxy
        .env_remove("http_proxy")
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
            .env_remove("http_proxy")
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

/// A fresh empty directory under `target/<profile>/tmp/`, named after `tag`
/// and this process (removed first if a previous run left it behind).
pub fn temp_dir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = profile_dir()
        .join("tmp")
        .join(format!("{tag}-{}-{n}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Raw HTTP/1.1 over a `TcpStream`, for tests that need to see exactly what
/// the server sends (status line, header order, connection handling).
pub mod http {
    use std::io::{self, Read, Write};
    use std::net::TcpStream;
    use std::time::{Duration, Instant};

    /// A parsed response. Header names are lower-cased; values are trimmed.
    #[derive(Debug, Clone)]
    pub struct Response {
        pub status_line: String,
        pub code: u16,
        pub headers: Vec<(String, String)>,
        pub body: Vec<u8>,
    }

    impl Response {
        /// The first header called `name` (lower case).
        pub fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        }

        /// How many headers are called `name`.
        pub fn header_count(&self, name: &str) -> usize {
            self.headers.iter().filter(|(n, _)| n == name).count()
        }

        pub fn body_str(&self) -> String {
            String::from_utf8_lossy(&self.body).into_owned()
        }
    }

    /// A client connection with a read buffer, so pipelined responses and
    /// whatever follows a response are kept for the next read.
    pub struct Conn {
        pub stream: TcpStream,
        buf: Vec<u8>,
    }

    impl Conn {
        pub fn connect(port: u16) -> Conn {
            let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            stream.set_nodelay(true).unwrap();
            Conn {
                stream,
                buf: Vec::new(),
            }
        }

        pub fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
            self.stream.write_all(bytes)
        }

        /// Reads more bytes into the buffer; `Ok(0)` is EOF.
        fn fill(&mut self) -> io::Result<usize> {
            let mut tmp = vec![0u8; 256 * 1024];
            let n = self.stream.read(&mut tmp)?;
            self.buf.extend_from_slice(&tmp[..n]);
            Ok(n)
        }

        /// Reads one response. `head`: the request was HEAD, so there is no
        /// body whatever the headers say. A body without Content-Length or
        /// chunking is read until the peer closes.
        pub fn response(&mut self, head: bool) -> io::Result<Response> {
            let end = loop {
                if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                    break i;
                }
                if self.fill()? == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "closed before the end of the response head ({:?})",
                            String::from_utf8_lossy(&self.buf)
                        ),
                    ));
                }
            };
            let head_bytes: Vec<u8> = self.buf.drain(..end + 4).collect();
            let text = String::from_utf8_lossy(&head_bytes[..end]).into_owned();
            let mut lines = text.split("\r\n");
            let status_line = lines.next().unwrap_or("").to_string();
            let code = status_line
                .split(' ')
                .nth(1)
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let headers: Vec<(String, String)> = lines
                .map(|l| match l.split_once(':') {
                    Some((n, v)) => (n.trim().to_ascii_lowercase(), v.trim().to_string()),
                    None => (l.to_ascii_lowercase(), String::new()),
                })
                .collect();
            let mut r = Response {
                status_line,
                code,
                headers,
                body: Vec::new(),
            };
            if head || code / 100 == 1 || code == 204 || code == 304 {
                return Ok(r);
            }
            if let Some(cl) = r.header("content-length") {
                let cl: usize = cl.parse().map_err(|_| {
                    io::Error::new(io::ErrorKind::InvalidData, "bad content-length")
                })?;
                while self.buf.len() < cl {
                    if self.fill()? == 0 {
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            format!("closed after {} of {cl} body bytes", self.buf.len()),
                        ));
                    }
                }
                r.body = self.buf.drain(..cl).collect();
            } else if r
                .header("transfer-encoding")
                .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
            {
                loop {
                    let le = loop {
                        if let Some(i) = find(&self.buf, b"\r\n") {
                            break i;
                        }
                        if self.fill()? == 0 {
                            return Err(io::ErrorKind::UnexpectedEof.into());
                        }
                    };
                    let line = String::from_utf8_lossy(&self.buf[..le]).into_owned();
                    self.buf.drain(..le + 2);
                    let size = usize::from_str_radix(line.split(';').next().unwrap().trim(), 16)
                        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "chunk size"))?;
                    while self.buf.len() < size + 2 {
                        if self.fill()? == 0 {
                            return Err(io::ErrorKind::UnexpectedEof.into());
                        }
                    }
                    r.body.extend(self.buf.drain(..size));
                    self.buf.drain(..2);
                    if size == 0 {
                        break;
                    }
                }
            } else {
                while self.fill()? != 0 {}
                r.body = std::mem::take(&mut self.buf);
            }
            Ok(r)
        }

        /// Waits up to `timeout` for the peer to close (EOF or reset);
        /// returns whether it did and the bytes that arrived meanwhile.
        pub fn wait_closed(&mut self, timeout: Duration) -> (bool, Vec<u8>) {
            let deadline = Instant::now() + timeout;
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return (false, std::mem::take(&mut self.buf));
                }
                self.stream
                    .set_read_timeout(Some(left.max(Duration::from_millis(1))))
                    .unwrap();
                match self.fill() {
                    Ok(0) => return (true, std::mem::take(&mut self.buf)),
                    Ok(_) => continue,
                    Err(e)
                        if e.kind() == io::ErrorKind::WouldBlock
                            || e.kind() == io::ErrorKind::TimedOut =>
                    {
                        return (false, std::mem::take(&mut self.buf))
                    }
                    Err(_) => return (true, std::mem::take(&mut self.buf)),
                }
            }
        }
    }

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    /// One request on a new connection, one response.
    pub fn request(port: u16, raw: &[u8]) -> Response {
        let head = raw.starts_with(b"HEAD ");
        let mut c = Conn::connect(port);
        c.send(raw).expect("send request");
        c.response(head).unwrap_or_else(|e| {
            panic!(
                "no response to {:?}: {e}",
                String::from_utf8_lossy(&raw[..raw.len().min(200)])
            )
        })
    }

    /// `GET path` with a Host header, on a new connection.
    pub fn get(port: u16, path: &str) -> Response {
        request(
            port,
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes(),
        )
    }

    /// The checksum `c-tests/http-server.c` reports for a POST body.
    pub fn body_sum(b: &[u8]) -> u32 {
        b.iter()
            .fold(0u32, |s, &c| s.wrapping_mul(31).wrapping_add(c as u32))
    }
}

/// Runs `bin` on the library in `lib`, asserts it succeeded and returns its
/// stdout.
#[allow(dead_code)]
pub fn run_ok(bin: &Path, lib: &Path) -> String {
    let out = run_with_lib(bin, lib, &[]);
    assert!(
        out.status.success(),
        "{} failed: {}",
        bin.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// [`compile_c`] at most once per `name` in this test binary: tests run in
/// parallel, and two gcc runs writing the same output break each other.
pub fn compile_c_once(
    name: &str,
    sources: &[PathBuf],
    headers: Headers,
    extra_args: &[&str],
) -> PathBuf {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static BUILT: Mutex<BTreeMap<String, Arc<OnceLock<PathBuf>>>> = Mutex::new(BTreeMap::new());
    let cell = BUILT
        .lock()
        .unwrap()
        .entry(name.to_string())
        .or_default()
        .clone();
    cell.get_or_init(|| compile_c(name, sources, headers, extra_args))
        .clone()
}

/// Runs `bin` on the library in `lib` with `ports` fresh free ports as its
/// arguments, asserts it succeeded and returns its stdout.
pub fn run_with_ports(bin: &Path, lib: &Path, ports: usize) -> String {
    let args: Vec<String> = (0..ports).map(|_| free_port().to_string()).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_with_lib(bin, lib, &args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{} on {} failed: {}\n{stdout}",
        bin.display(),
        lib.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The differential test of `c-tests/<stem>.c` (see [`run_with_ports`] for
/// `ports`): built against our header and run on our library, its output
/// goes to `check`; then, when Debian's libwebsockets-dev is installed,
/// built against Debian's header and run on Debian's library and on ours.
/// All three outputs must be the same.
pub fn c_differential(stem: &str, ports: usize, check: impl FnOnce(&str)) {
    let src = [repo().join(format!("c-tests/{stem}.c"))];
    let ours_bin = compile_c_once(&format!("{stem}-ours"), &src, Headers::Ours, &[]);
    let ours = run_with_ports(&ours_bin, &our_lib_dir(), ports);
    check(&ours);

    let (Some(deb_lib), true) = (debian_lib_dir(), have_debian_headers()) else {
        // the test binary's name, e.g. "user_ext"
        let test = env!("CARGO_CRATE_NAME");
        eprintln!("{test}: Debian's libwebsockets-dev is not installed; differential part not run");
        return;
    };
    let deb_bin = compile_c_once(&format!("{stem}-debian"), &src, Headers::Debian, &[]);
    let debian = run_with_ports(&deb_bin, &deb_lib, ports);
    let ours_abi = run_with_ports(&deb_bin, &our_lib_dir(), ports);
    pretty_assertions::assert_eq!(
        debian,
        ours_abi,
        "Debian's library (left) vs ours (right), same binary"
    );
    pretty_assertions::assert_eq!(
        debian,
        ours,
        "built against Debian's header (left) vs ours (right)"
    );
}

/// Builds example `examples/<name>.c` against our header and starts it on
/// our library on a free port, serving examples/www; returns it and the port.
#[allow(dead_code)]
pub fn start_example(name: &str, bin_name: &str) -> (Server, u16) {
    start_example_with(name, bin_name, &[])
}

/// [`start_example`] with extra arguments (e.g. `--deflate`).
#[allow(dead_code)]
pub fn start_example_with(name: &str, bin_name: &str, extra: &[&str]) -> (Server, u16) {
    let bin = compile_c(
        bin_name,
        &[repo().join(format!("examples/{name}.c"))],
        Headers::Ours,
        &[],
    );
    let port = free_port();
    let www = repo().join("examples/www");
    let ps = port.to_string();
    let mut args = vec!["-p", ps.as_str(), "-w", www.to_str().unwrap()];
    args.extend_from_slice(extra);
    let srv = Server::spawn(&bin, Some(&our_lib_dir()), &args);
    srv.wait_for("listening", std::time::Duration::from_secs(10));
    (srv, port)
}

/// A Python venv under target/ named `name` where `import imports` works,
/// pip-installing `requirement` when it does not yet; None if that fails
/// (no PyPI). Callers keep the result in a OnceLock.
#[allow(dead_code)]
pub fn python_venv(name: &str, imports: &str, requirement: &str) -> Option<PathBuf> {
    let venv = profile_dir().join(name);
    let py = venv.join("bin/python3");
    let ok = |c: &mut Command| c.status().is_ok_and(|s| s.success());
    if !py.exists() && !ok(Command::new("python3").args(["-m", "venv"]).arg(&venv)) {
        return None;
    }
    let have = ok(Command::new(&py)
        .args(["-c", &format!("import {imports}")])
        .stderr(std::process::Stdio::null()));
    if !have
        && !ok(Command::new(&py).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            requirement,
        ]))
    {
        return None;
    }
    Some(py)
}
