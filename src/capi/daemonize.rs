//! lws_daemonize (lws-misc.h): the calling process goes on in the
//! background, as 4.1.6 does it: the parent waits (at most 2 s) for the
//! forked child to report, writes the child's pid to the lock file and
//! exits 0; the child is a session leader in /tmp with umask 0 and stdio
//! on /dev/null, and on SIGTERM removes the lock file and kills itself.
//!
//! Signal handlers only read two values set before the handlers are
//! installed: the daemon's pid and the lock path (leaked, as 4.1.6 keeps
//! its copy for the life of the process).

use std::ffi::{c_char, c_int, CStr};
use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering};

/// The daemon's pid (in the parent: the child's).
static PID_DAEMON: AtomicI32 = AtomicI32::new(0);
/// The lock file path, NUL-terminated; NULL without one.
static LOCK_PATH: AtomicPtr<c_char> = AtomicPtr::new(std::ptr::null_mut());

extern "C" {
    static mut stdin: *mut libc::FILE;
    static mut stdout: *mut libc::FILE;
    static mut stderr: *mut libc::FILE;
}

/// The parent's handler: SIGUSR1 (the child is set up: write the lock
/// file), SIGCHLD (it died) or SIGALRM (it took too long); all exit 0.
extern "C" fn child_handler(signum: c_int) {
    let lock = LOCK_PATH.load(Ordering::Relaxed);
    if signum == libc::SIGUSR1 && !lock.is_null() {
        // SAFETY: the lock path is a C string; the rest are plain syscalls.
        unsafe {
            let fd = libc::open(
                lock,
                libc::O_TRUNC | libc::O_RDWR | libc::O_CREAT | libc::O_CLOEXEC,
                0o640 as libc::c_uint,
            );
            if fd < 0 {
                eprintln!(
                    "unable to create lock file {}, code={}",
                    CStr::from_ptr(lock).to_string_lossy(),
                    std::io::Error::last_os_error()
                );
            } else {
                let pid = PID_DAEMON.load(Ordering::Relaxed).to_string();
                if libc::write(fd, pid.as_ptr() as *const libc::c_void, pid.len())
                    != pid.len() as isize
                {
                    eprintln!(
                        "unable to write pid to lock file {}, code={}",
                        CStr::from_ptr(lock).to_string_lossy(),
                        std::io::Error::last_os_error()
                    );
                }
                libc::close(fd);
            }
        }
    }
    // SAFETY: ends the parent, which is only waiting in pause().
    unsafe { libc::exit(0) };
}

/// The daemon's SIGTERM: remove the lock file, then SIGKILL itself.
extern "C" fn daemon_closing(_: c_int) {
    // SAFETY: plain syscalls on our own process and path.
    unsafe {
        if libc::getpid() == PID_DAEMON.load(Ordering::Relaxed) {
            let lock = LOCK_PATH.swap(std::ptr::null_mut(), Ordering::Relaxed);
            if !lock.is_null() {
                libc::unlink(lock);
            }
        }
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
}

/// Refuses to start (exit 1) while the pid in the lock file is alive;
/// a stale lock is reported and removed.
fn check_lock(path: &CStr) {
    use std::os::unix::ffi::OsStrExt;
    let file = std::ffi::OsStr::from_bytes(path.to_bytes());
    let Ok(content) = std::fs::read(file) else {
        return;
    };
    if content.is_empty() {
        return;
    }
    // like atoi over the first bytes
    let digits: String = content
        .iter()
        .take(10)
        .map(|&c| c as char)
        .skip_while(|c| c.is_ascii_whitespace())
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let pid: i32 = digits.parse().unwrap_or(0);
    // SAFETY: probing a pid with signal 0.
    if unsafe { libc::kill(pid, 0) } >= 0 {
        eprintln!("Daemon already running pid {pid}");
        std::process::exit(1);
    }
    eprintln!(
        "Removing stale lock {} from dead pid {pid}",
        path.to_string_lossy()
    );
    // 4.1.6 unlinks its not yet set copy of the path here (so nothing);
    // the parent rewrites the file with O_TRUNC either way
    let _ = std::fs::remove_file(file);
}

/// Forks and returns 0 in the child, the daemon: a session leader in
/// /tmp with stdio on /dev/null. The caller's process exits 0 once the
/// child is set up, after writing its pid to `lock_path` (may be NULL);
/// it exits 1 at once if that file names a live process.
#[no_mangle]
pub unsafe extern "C" fn lws_daemonize(lock_path: *const c_char) -> c_int {
    ffi_boundary!("lws_daemonize", {
        if !lock_path.is_null() {
            // SAFETY: caller contract: a C string.
            let path = unsafe { CStr::from_ptr(lock_path) };
            check_lock(path);
            LOCK_PATH.store(path.to_owned().into_raw(), Ordering::Relaxed);
        }
        let handler = child_handler as extern "C" fn(c_int) as libc::sighandler_t;
        // SAFETY: installing handlers, forking; what follows in each
        // process is what 4.1.6 does.
        unsafe {
            libc::signal(libc::SIGCHLD, handler);
            libc::signal(libc::SIGUSR1, handler);
            libc::signal(libc::SIGALRM, handler);
            let pid = libc::fork();
            if pid < 0 {
                eprintln!(
                    "unable to fork daemon, code={}",
                    std::io::Error::last_os_error()
                );
                libc::exit(9);
            }
            if pid > 0 {
                PID_DAEMON.store(pid, Ordering::Relaxed);
                // wait for SIGUSR1 / SIGCHLD, or 2 s (SIGALRM)
                libc::alarm(2);
                libc::pause();
                libc::exit(1);
            }
            // the child
            let parent = libc::getppid();
            PID_DAEMON.store(libc::getpid(), Ordering::Relaxed);
            libc::signal(libc::SIGCHLD, libc::SIG_DFL);
            libc::signal(libc::SIGTSTP, libc::SIG_IGN);
            libc::signal(libc::SIGTTOU, libc::SIG_IGN);
            libc::signal(libc::SIGTTIN, libc::SIG_IGN);
            libc::signal(libc::SIGHUP, libc::SIG_IGN);
            libc::umask(0);
            if libc::setsid() < 0 {
                eprintln!(
                    "unable to create a new session, code {}",
                    std::io::Error::last_os_error()
                );
                libc::exit(2);
            }
            if libc::chdir(c"/tmp".as_ptr()) < 0 {
                eprintln!(
                    "unable to change directory to /tmp, code {}",
                    std::io::Error::last_os_error()
                );
                libc::exit(3);
            }
            let null = c"/dev/null".as_ptr();
            for (f, mode) in [(stdin, c"r"), (stdout, c"w"), (stderr, c"w")] {
                if libc::freopen(null, mode.as_ptr(), f).is_null() {
                    eprintln!(
                        "unable to freopen() stdio, code {}",
                        std::io::Error::last_os_error()
                    );
                }
            }
            libc::kill(parent, libc::SIGUSR1);
            let mut act: libc::sigaction = std::mem::zeroed();
            act.sa_sigaction = daemon_closing as extern "C" fn(c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut act.sa_mask);
            libc::sigaction(libc::SIGTERM, &act, std::ptr::null_mut());
        }
        0
    })
}
