//! Logging: the level mask, the emit function, and lws's stderr/syslog
//! emitters. The C-variadic `_lws_log`/`_lws_logv` live in the C shim and
//! reach `emit()` through the sink registered below.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::io::Write;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};

pub(crate) const LLL_ERR: c_int = 1 << 0;
pub(crate) const LLL_WARN: c_int = 1 << 1;
pub(crate) const LLL_NOTICE: c_int = 1 << 2;
pub(crate) const LLL_INFO: c_int = 1 << 3;
pub(crate) const LLL_DEBUG: c_int = 1 << 4;
/// lwsl_user, level 10 of lws-logs.h
pub(crate) const LLL_USER: c_int = 1 << 10;
const LLL_COUNT: usize = 12;

static LEVEL: AtomicI32 = AtomicI32::new(LLL_ERR | LLL_WARN | LLL_NOTICE);
/// 0 means `lwsl_emit_stderr`; otherwise a C `void (*)(int, const char *)`.
static EMITTER: AtomicUsize = AtomicUsize::new(0);

type EmitFn = unsafe extern "C" fn(c_int, *const c_char);

#[allow(unused_doc_comments)]
/// cbindgen:ignore
extern "C" {
    fn lws_shim_set_sink(
        visible: extern "C" fn(c_int) -> c_int,
        emit: extern "C" fn(c_int, *const c_char),
    );
}

extern "C" fn shim_visible(level: c_int) -> c_int {
    (LEVEL.load(Ordering::Relaxed) & level != 0) as c_int
}

extern "C" fn shim_emit(level: c_int, line: *const c_char) {
    let _ = std::panic::catch_unwind(|| emit_cstr(level, line));
}

extern "C" fn register_sink() {
    // SAFETY: runs once at load time, before any C code can log; the shim
    // only stores the two function pointers.
    unsafe { lws_shim_set_sink(shim_visible, shim_emit) }
}

#[used]
#[unsafe(link_section = ".init_array")]
static REGISTER_SINK: extern "C" fn() = register_sink;

pub fn visible(level: c_int) -> bool {
    LEVEL.load(Ordering::Relaxed) & level != 0
}

fn emit_cstr(level: c_int, line: *const c_char) {
    match EMITTER.load(Ordering::Relaxed) {
        0 => emit_stderr(level, line, true),
        f => {
            // SAFETY: EMITTER only ever holds a non-null function pointer of
            // type EmitFn, stored by lws_set_log_level.
            let f: EmitFn = unsafe { std::mem::transmute::<usize, EmitFn>(f) };
            unsafe { f(level, line) }
        }
    }
}

/// Emits one line (a trailing newline is added if missing) at `level`.
pub fn emit(level: c_int, msg: &str) {
    if !visible(level) {
        return;
    }
    let mut v = Vec::with_capacity(msg.len() + 2);
    v.extend(msg.bytes().filter(|&b| b != 0));
    if !v.ends_with(b"\n") {
        v.push(b'\n');
    }
    v.push(0);
    emit_cstr(level, v.as_ptr() as *const c_char);
}

pub fn err(msg: &str) {
    emit(LLL_ERR, msg)
}
pub fn warn(msg: &str) {
    emit(LLL_WARN, msg)
}
pub fn notice(msg: &str) {
    emit(LLL_NOTICE, msg)
}
pub fn info(msg: &str) {
    emit(LLL_INFO, msg)
}
pub fn debug(msg: &str) {
    emit(LLL_DEBUG, msg)
}

const LEVEL_NAMES: &[u8] = b"EWNIDPHXCLUT??";
const COLOURS: [&str; LLL_COUNT] = [
    "[31;1m", "[36;1m", "[35;1m", "[32;1m", "[34;1m", "[33;1m", "[33m", "[33m", "[33m", "[33;1m",
    "[0;1m", "[31m",
];

fn timestamp(level: c_int) -> String {
    let Some(n) = (0..LLL_COUNT).find(|&n| level == 1 << n) else {
        return String::new();
    };
    let mut tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    // SAFETY: plain libc calls on stack-owned out-parameters.
    let tm = unsafe {
        libc::gettimeofday(&mut tv, std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&tv.tv_sec, &mut tm).is_null() {
            None
        } else {
            Some(tm)
        }
    };
    let frac = (tv.tv_usec / 100) % 10000;
    let c = LEVEL_NAMES[n] as char;
    match tm {
        Some(tm) => format!(
            "[{:04}/{:02}/{:02} {:02}:{:02}:{:02}:{:04}] {}: ",
            tm.tm_year + 1900,
            tm.tm_mon + 1,
            tm.tm_mday,
            tm.tm_hour,
            tm.tm_min,
            tm.tm_sec,
            frac,
            c
        ),
        None => format!("[{}:{:04}] {}: ", tv.tv_sec, frac, c),
    }
}

fn emit_stderr(level: c_int, line: *const c_char, ts: bool) {
    if line.is_null() {
        return;
    }
    // SAFETY: callers pass a NUL-terminated string.
    let text = unsafe { CStr::from_ptr(line) }.to_bytes();
    let prefix = if ts { timestamp(level) } else { String::new() };
    // SAFETY: isatty has no preconditions.
    let tty = unsafe { libc::isatty(2) } != 0;
    let mut out = Vec::with_capacity(prefix.len() + text.len() + 16);
    if tty {
        let m = (0..LLL_COUNT)
            .rev()
            .find(|&n| level & (1 << n) != 0)
            .unwrap_or(LLL_COUNT - 1);
        out.push(27);
        out.extend_from_slice(COLOURS[m].as_bytes());
        out.extend_from_slice(prefix.as_bytes());
        out.extend_from_slice(text);
        out.extend_from_slice(b"\x1b[0m");
    } else {
        out.extend_from_slice(prefix.as_bytes());
        out.extend_from_slice(text);
    }
    let _ = std::io::stderr().lock().write_all(&out);
}

/// Sets the mask of log levels that are emitted and, if non-NULL, the
/// function that emits each line.
#[no_mangle]
pub extern "C" fn lws_set_log_level(
    level: c_int,
    log_emit_function: Option<unsafe extern "C" fn(level: c_int, line: *const c_char)>,
) {
    ffi_boundary!("lws_set_log_level", {
        LEVEL.store(level, Ordering::Relaxed);
        if let Some(f) = log_emit_function {
            EMITTER.store(f as usize, Ordering::Relaxed);
        }
    })
}

/// Non-zero if `level` is currently emitted.
#[no_mangle]
pub extern "C" fn lwsl_visible(level: c_int) -> c_int {
    ffi_boundary!("lwsl_visible", { LEVEL.load(Ordering::Relaxed) & level })
}

/// Writes `[YYYY/MM/DD hh:mm:ss:ffff] L: ` for `level` into `p`; returns
/// its length.
#[no_mangle]
pub unsafe extern "C" fn lwsl_timestamp(level: c_int, p: *mut c_char, len: c_int) -> c_int {
    ffi_boundary!("lwsl_timestamp", {
        if p.is_null() || len <= 0 {
            return 0;
        }
        let s = timestamp(level);
        let n = s.len().min(len as usize - 1);
        // SAFETY: p has room for len bytes per the API contract.
        unsafe {
            std::ptr::copy_nonoverlapping(s.as_ptr(), p as *mut u8, n);
            *p.add(n) = 0;
        }
        n as c_int
    })
}

/// The default emitter: a timestamped line on stderr, coloured on a tty.
#[no_mangle]
pub unsafe extern "C" fn lwsl_emit_stderr(level: c_int, line: *const c_char) {
    ffi_boundary!("lwsl_emit_stderr", { emit_stderr(level, line, true) })
}

/// Like `lwsl_emit_stderr` without the timestamp.
#[no_mangle]
pub unsafe extern "C" fn lwsl_emit_stderr_notimestamp(level: c_int, line: *const c_char) {
    ffi_boundary!("lwsl_emit_stderr_notimestamp", {
        emit_stderr(level, line, false)
    })
}

/// Emits through syslog(3) with the matching priority.
#[no_mangle]
pub unsafe extern "C" fn lwsl_emit_syslog(level: c_int, line: *const c_char) {
    ffi_boundary!("lwsl_emit_syslog", {
        if line.is_null() {
            return;
        }
        let prio = match level {
            LLL_ERR => libc::LOG_ERR,
            LLL_WARN => libc::LOG_WARNING,
            LLL_NOTICE => libc::LOG_NOTICE,
            LLL_INFO => libc::LOG_INFO,
            _ => libc::LOG_DEBUG,
        };
        // SAFETY: constant format string, NUL-terminated argument.
        unsafe { libc::syslog(prio, c"%s".as_ptr(), line) }
    })
}

/// Logs a hex and ASCII dump of `len` bytes at `level`, 16 bytes a line.
#[no_mangle]
pub unsafe extern "C" fn lwsl_hexdump_level(level: c_int, vbuf: *const c_void, len: usize) {
    ffi_boundary!("lwsl_hexdump_level", {
        if !visible(level) {
            return;
        }
        if len == 0 {
            emit(level, "(hexdump: zero length)");
            return;
        }
        if vbuf.is_null() {
            emit(level, "(hexdump: NULL ptr)");
            return;
        }
        // SAFETY: the caller provides len readable bytes at vbuf.
        let buf = unsafe { std::slice::from_raw_parts(vbuf as *const u8, len) };
        emit(level, "");
        for (i, chunk) in buf.chunks(16).enumerate() {
            let mut line = format!("{:04X}: ", i * 16);
            for b in chunk {
                line.push_str(&format!("{b:02X} "));
            }
            for _ in chunk.len()..16 {
                line.push_str("   ");
            }
            line.push_str("   ");
            for &b in chunk {
                line.push(if (b' '..127).contains(&b) {
                    b as char
                } else {
                    '.'
                });
            }
            for _ in chunk.len()..16 {
                line.push(' ');
            }
            emit(level, &line);
        }
        emit(level, "");
    })
}

/// Hexdump at `LLL_DEBUG`.
#[no_mangle]
pub unsafe extern "C" fn lwsl_hexdump(buf: *const c_void, len: usize) {
    ffi_boundary!("lwsl_hexdump", {
        // SAFETY: same contract as lwsl_hexdump_level.
        unsafe { lwsl_hexdump_level(LLL_DEBUG, buf, len) }
    })
}

/// The current log level mask.
pub fn level() -> c_int {
    LEVEL.load(Ordering::Relaxed)
}
