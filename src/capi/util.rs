//! Pure helpers with no connection state (lws-misc.h, lws-sha1-base64.h,
//! lws-retry.h, lws-client.h): URI splitting, base64, HTTP basic auth,
//! retry backoff, randomness, hex, bounded string copies and search,
//! big-endian (de)serialisation.
//!
//! Each function follows what lws 4.1.6 does, quirks included (noted per
//! function). Where 4.1.6 would read or write outside the caller's buffers
//! (NULL pointers, negative lengths, a zero-sized destination) we return
//! the error value instead.

use std::ffi::{c_char, c_int, c_uint, c_void};

use super::types::{lws_context, lws_retry_bo_t};

/// Incremental base64 decoder state (`struct lws_b64state`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct lws_b64state {
    /// The four sextets of the group being assembled.
    pub quad: [u8; 4],
    /// Running count of decoded bytes.
    pub done: usize,
    /// Characters seen in the current group.
    pub len: usize,
    /// Slot in `quad` that is filled next.
    pub i: c_int,
    /// The last character read.
    pub c: c_int,
}
const _: () = assert!(std::mem::size_of::<lws_b64state>() == 32);
const _: () = assert!(std::mem::offset_of!(lws_b64state, done) == 8);
const _: () = assert!(std::mem::offset_of!(lws_b64state, len) == 16);
const _: () = assert!(std::mem::offset_of!(lws_b64state, i) == 24);
const _: () = assert!(std::mem::offset_of!(lws_b64state, c) == 28);

// ---- base64 ----

const B64_STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// The sextet a standard-alphabet character stands for.
fn b64_value(ch: u8) -> Option<u8> {
    match ch {
        b'A'..=b'Z' => Some(ch - b'A'),
        b'a'..=b'z' => Some(ch - b'a' + 26),
        b'0'..=b'9' => Some(ch - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Encodes `input` into `out` (whose length is the C `out_size`, clamped at
/// 0). Like 4.1.6: a group is written only while more than 4 bytes are
/// left, so a too-small buffer keeps the groups that fitted, has no NUL and
/// gives -1; otherwise NUL-terminated, returns the length without the NUL.
fn b64_encode(alphabet: &[u8; 64], input: &[u8], out: &mut [u8]) -> c_int {
    let size = out.len();
    let mut done = 0usize;
    for chunk in input.chunks(3) {
        if done + 4 >= size {
            return -1;
        }
        let b0 = chunk[0];
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        out[done] = alphabet[(b0 >> 2) as usize];
        out[done + 1] = alphabet[(((b0 & 3) << 4) | (b1 >> 4)) as usize];
        out[done + 2] = if chunk.len() > 1 {
            alphabet[(((b1 & 0x0f) << 2) | (b2 >> 6)) as usize]
        } else {
            b'='
        };
        out[done + 3] = if chunk.len() > 2 {
            alphabet[(b2 & 0x3f) as usize]
        } else {
            b'='
        };
        done += 4;
    }
    if done + 1 >= size {
        return -1;
    }
    out[done] = 0;
    done as c_int
}

/// One step of the incremental decoder over `input` (already cut at its
/// first NUL) into `out`; returns (bytes consumed, bytes produced). Both
/// alphabets are accepted; other characters are skipped. Like 4.1.6: a
/// group is decoded only while more than 4 bytes of `out` are left, a
/// trailing '=' at the very end of the input removes one byte of the last
/// group, and a NUL follows the output when there is room for it.
fn b64_decode_step(
    s: &mut lws_b64state,
    input: &[u8],
    out: &mut [u8],
    final_: bool,
) -> (usize, usize) {
    if !(0..=4).contains(&s.i) {
        // a state that was never initialised: start a fresh group
        s.i = 0;
    }
    let (mut ip, mut op) = (0usize, 0usize);
    while ip < input.len() && op + 4 < out.len() {
        while s.i < 4 && ip < input.len() {
            let mut v: u8 = 0;
            s.c = 0;
            while ip < input.len() && v == 0 {
                let ch = match input[ip] {
                    b'-' => b'+',
                    b'_' => b'/',
                    ch => ch,
                };
                ip += 1;
                s.c = c_int::from(ch);
                v = b64_value(ch).map_or(0, |x| x + 1);
            }
            if s.c != 0 {
                s.len = s.len.wrapping_add(1);
                if v != 0 {
                    s.quad[s.i as usize] = v - 1;
                }
            } else {
                s.quad[s.i as usize] = 0;
            }
            s.i += 1;
        }
        if s.i != 4 && !final_ {
            continue;
        }
        s.i = 0;
        if ip >= input.len() && s.c == c_int::from(b'=') {
            s.len = s.len.wrapping_sub(1);
        }
        let q = s.quad;
        if s.len >= 2 {
            out[op] = (q[0] << 2) | (q[1] >> 4);
            op += 1;
        }
        if s.len >= 3 {
            out[op] = (q[1] << 4) | (q[2] >> 2);
            op += 1;
        }
        if s.len >= 4 {
            out[op] = ((q[2] << 6) & 0xc0) | q[3];
            op += 1;
        }
        s.done = s.done.wrapping_add(s.len.wrapping_sub(1));
        s.len = 0;
    }
    if op < out.len() {
        out[op] = 0;
    }
    (ip, op)
}

/// Bytes at `p` before the first NUL, reading at most `max`.
///
/// # Safety
/// `p` points to `max` readable bytes or to a NUL within them.
unsafe fn bounded_cstr<'a>(p: *const c_char, max: usize) -> &'a [u8] {
    // SAFETY: caller contract; strnlen stops at the NUL or at max.
    unsafe {
        let n = libc::strnlen(p, max);
        std::slice::from_raw_parts(p as *const u8, n)
    }
}

/// Whole-buffer decode shared by the two exported string decoders:
/// returns the decoded length, or 0 when nothing was consumed.
///
/// # Safety
/// `input` is a C string (or has `in_len` readable bytes); `out` has
/// `out_size` writable bytes.
unsafe fn b64_decode_buf(
    input: *const c_char,
    in_len: c_int,
    out: *mut c_char,
    out_size: c_int,
) -> c_int {
    if input.is_null() || out.is_null() || out_size <= 0 {
        return 0;
    }
    // -1 means NUL-terminated. Any other negative length is a size_t so
    // large that 4.1.6's end pointer wraps below the start: nothing is read.
    let max = match in_len {
        -1 => usize::MAX,
        n if n < 0 => 0,
        n => n as usize,
    };
    // SAFETY: caller contract.
    let inp = unsafe { bounded_cstr(input, max) };
    // Decoding never produces more than the input length, plus up to 3
    // bytes left in a state; beyond that the output size changes nothing.
    let room = (out_size as usize).min(inp.len() + 16);
    // SAFETY: room <= out_size writable bytes at out.
    let o = unsafe { std::slice::from_raw_parts_mut(out as *mut u8, room) };
    let mut st = lws_b64state::default();
    let (consumed, produced) = b64_decode_step(&mut st, inp, o, true);
    if consumed == 0 {
        0
    } else {
        produced as c_int
    }
}

/// Shared body of the two encoders.
///
/// # Safety
/// `input` has `in_len` readable bytes; `out` has `out_size` writable bytes.
unsafe fn b64_encode_ffi(
    alphabet: &[u8; 64],
    input: *const c_char,
    in_len: c_int,
    out: *mut c_char,
    out_size: c_int,
) -> c_int {
    if in_len < 0 || (in_len > 0 && input.is_null()) || out.is_null() {
        return -1;
    }
    let inp: &[u8] = if in_len == 0 {
        &[]
    } else {
        // SAFETY: caller contract: in_len readable bytes.
        unsafe { std::slice::from_raw_parts(input as *const u8, in_len as usize) }
    };
    let size = out_size.max(0) as usize;
    // SAFETY: caller contract: out_size writable bytes.
    let o = unsafe { std::slice::from_raw_parts_mut(out as *mut u8, size) };
    b64_encode(alphabet, inp, o)
}

/// Base64-encodes `in_len` bytes into `out` (NUL-terminated). Returns the
/// encoded length, or -1 when `out_size` is too small (the groups that
/// fitted are written, without a NUL).
#[no_mangle]
pub unsafe extern "C" fn lws_b64_encode_string(
    in_: *const c_char,
    in_len: c_int,
    out: *mut c_char,
    out_size: c_int,
) -> c_int {
    ffi_boundary!("lws_b64_encode_string", {
        // SAFETY: caller contract, checked for NULL inside.
        unsafe { b64_encode_ffi(B64_STD, in_, in_len, out, out_size) }
    })
}

/// Like [`lws_b64_encode_string`] with the URL alphabet ('-' and '_'),
/// still '='-padded.
#[no_mangle]
pub unsafe extern "C" fn lws_b64_encode_string_url(
    in_: *const c_char,
    in_len: c_int,
    out: *mut c_char,
    out_size: c_int,
) -> c_int {
    ffi_boundary!("lws_b64_encode_string_url", {
        // SAFETY: caller contract, checked for NULL inside.
        unsafe { b64_encode_ffi(B64_URL, in_, in_len, out, out_size) }
    })
}

/// Decodes the NUL-terminated base64 (either alphabet) `in_` into `out`;
/// returns the decoded length. Output stops at a whole group once fewer
/// than 5 bytes are left; a NUL follows it when there is room.
#[no_mangle]
pub unsafe extern "C" fn lws_b64_decode_string(
    in_: *const c_char,
    out: *mut c_char,
    out_size: c_int,
) -> c_int {
    ffi_boundary!("lws_b64_decode_string", {
        // SAFETY: caller contract, checked for NULL inside.
        unsafe { b64_decode_buf(in_, -1, out, out_size) }
    })
}

/// Like [`lws_b64_decode_string`] for at most `in_len` bytes of `in_`
/// (up to a NUL; -1 means NUL-terminated, other negative lengths decode
/// nothing).
#[no_mangle]
pub unsafe extern "C" fn lws_b64_decode_string_len(
    in_: *const c_char,
    in_len: c_int,
    out: *mut c_char,
    out_size: c_int,
) -> c_int {
    ffi_boundary!("lws_b64_decode_string_len", {
        // SAFETY: caller contract, checked for NULL inside.
        unsafe { b64_decode_buf(in_, in_len, out, out_size) }
    })
}

/// Resets an incremental decoder state.
#[no_mangle]
pub unsafe extern "C" fn lws_b64_decode_state_init(state: *mut lws_b64state) {
    ffi_boundary!("lws_b64_decode_state_init", {
        if !state.is_null() {
            // SAFETY: caller gave a writable lws_b64state.
            unsafe { state.write(lws_b64state::default()) };
        }
    })
}

/// Decodes from `in_` (`*in_len` bytes, stopping at a NUL) into `out`
/// (`*out_size` bytes), carrying partial groups in `s` unless `final_`.
/// On return `*in_len` is what was consumed and `*out_size` what was
/// produced. Returns 0 (-1 for NULL arguments).
#[no_mangle]
pub unsafe extern "C" fn lws_b64_decode_stateful(
    s: *mut lws_b64state,
    in_: *const c_char,
    in_len: *mut usize,
    out: *mut u8,
    out_size: *mut usize,
    final_: c_int,
) -> c_int {
    ffi_boundary!("lws_b64_decode_stateful", {
        if s.is_null() || in_len.is_null() || out_size.is_null() {
            return -1;
        }
        // SAFETY: caller contract: s, in_len, out_size are valid; in_ has
        // *in_len readable bytes (or a NUL before), out has *out_size.
        unsafe {
            // a length past isize::MAX makes 4.1.6's end pointer wrap
            // below the start: nothing is read
            let inp: &[u8] = if *in_len == 0 || *in_len > isize::MAX as usize || in_.is_null() {
                &[]
            } else {
                bounded_cstr(in_, *in_len)
            };
            let room = if out.is_null() {
                0
            } else if *out_size > isize::MAX as usize {
                // as above for the output end: no room to decode, only
                // the NUL is written
                1
            } else {
                (*out_size).min(inp.len() + 16)
            };
            let o: &mut [u8] = if room == 0 {
                &mut []
            } else {
                std::slice::from_raw_parts_mut(out, room)
            };
            let (consumed, produced) = b64_decode_step(&mut *s, inp, o, final_ != 0);
            *in_len = consumed;
            *out_size = produced;
        }
        0
    })
}

// ---- URI ----

static SLASH: &[u8; 2] = b"/\0";

/// Splits `p` in place: NULs go where the separators were. 4.1.6's rules:
/// `*prot` is the text before "://" (or "" when there is none, and the
/// whole string is then the address); `*port` becomes 80 for http/ws and
/// 443 for https/wss, then whatever `atoi` makes of the text after a ':',
/// and is left untouched for other schemes without a port; an address in
/// `[...]` is IPv6 (brackets dropped); an address starting with '+' is a
/// unix socket and ends only at ':'; `*path` loses its leading '/' and is
/// "/" when nothing follows the separator. Returns 0 (-1 for NULL arguments).
#[no_mangle]
pub unsafe extern "C" fn lws_parse_uri(
    p: *mut c_char,
    prot: *mut *const c_char,
    ads: *mut *const c_char,
    port: *mut c_int,
    path: *mut *const c_char,
) -> c_int {
    ffi_boundary!("lws_parse_uri", {
        if p.is_null() || prot.is_null() || ads.is_null() || port.is_null() || path.is_null() {
            return -1;
        }
        // SAFETY: p is a writable NUL-terminated string (caller contract);
        // the slice covers it and its NUL. The out-pointers are writable.
        unsafe {
            let n = libc::strlen(p);
            let s = std::slice::from_raw_parts_mut(p as *mut u8, n + 1);
            let at = |i: usize| p.add(i) as *const c_char;

            let mut i = 0;
            while s[i] != 0 && (s[i] != b':' || s[i + 1] != b'/' || s[i + 2] != b'/') {
                i += 1;
            }
            let prot_i = if s[i] == 0 {
                let end = i;
                i = 0;
                end
            } else {
                s[i] = 0;
                i += 3;
                0
            };
            *prot = at(prot_i);
            let unix_skt = s[i] == b'+';
            let mut ads_i = i;
            let scheme = &s[prot_i..prot_i + libc::strlen(at(prot_i))];
            if scheme == b"http" || scheme == b"ws" {
                *port = 80;
            } else if scheme == b"https" || scheme == b"wss" {
                *port = 443;
            }

            if s[i] == b'[' {
                ads_i += 1;
                while s[i] != 0 && s[i] != b']' {
                    i += 1;
                }
                if s[i] != 0 {
                    s[i] = 0;
                    i += 1;
                }
            } else {
                while s[i] != 0 && s[i] != b':' && (unix_skt || s[i] != b'/') {
                    i += 1;
                }
            }
            *ads = at(ads_i);

            if s[i] == b':' {
                s[i] = 0;
                i += 1;
                *port = libc::atoi(at(i));
                while s[i] != 0 && s[i] != b'/' {
                    i += 1;
                }
            }
            *path = SLASH.as_ptr() as *const c_char;
            if s[i] != 0 {
                s[i] = 0;
                i += 1;
                if s[i] != 0 {
                    *path = at(i);
                }
            }
        }
        0
    })
}

// ---- HTTP basic auth ----

/// Writes "Basic " + base64("user:pw") into `buf`. Returns 1 (nothing
/// written) when `len` is under 4.1.6's estimate `6 + 4 * (strlen(user) +
/// strlen(pw) + 1) / 3 + 1`, 2 (after writing "Basic ") when "user:pw" is
/// 126 bytes or more, else 0. Like 4.1.6, the estimate can be a few bytes
/// short of the padded encoding: then the base64 is cut at a whole group
/// and `buf[len - 1]` is set to NUL, leaving the bytes between unwritten.
#[no_mangle]
pub unsafe extern "C" fn lws_http_basic_auth_gen(
    user: *const c_char,
    pw: *const c_char,
    buf: *mut c_char,
    len: usize,
) -> c_int {
    ffi_boundary!("lws_http_basic_auth_gen", {
        if user.is_null() || pw.is_null() || buf.is_null() {
            return 1;
        }
        // SAFETY: user and pw are C strings; buf has len writable bytes.
        unsafe {
            let u = std::ffi::CStr::from_ptr(user).to_bytes();
            let w = std::ffi::CStr::from_ptr(pw).to_bytes();
            let need = (u.len() + w.len() + 1)
                .checked_mul(4)
                .map(|x| x / 3 + 7)
                .unwrap_or(usize::MAX);
            if len < need {
                return 1;
            }
            let b = std::slice::from_raw_parts_mut(buf as *mut u8, len);
            b[..6].copy_from_slice(b"Basic ");
            let mut joined = Vec::with_capacity(u.len() + 1 + w.len());
            joined.extend_from_slice(u);
            joined.push(b':');
            joined.extend_from_slice(w);
            // 4.1.6 formats into a 128-byte buffer with lws_snprintf, which
            // reports at most 128.
            if joined.len().min(128) >= 126 {
                return 2;
            }
            // The encoder sees `(int)len - 6` bytes.
            let out_size = (len as c_int).wrapping_sub(6).max(0) as usize;
            b64_encode(B64_STD, &joined, &mut b[6..6 + out_size]);
            b[len - 1] = 0;
        }
        0
    })
}

// ---- randomness and retry ----

/// Fills `buf` with `len` random bytes from the kernel; returns `len`
/// (0 for a NULL buffer). The context is not needed.
#[no_mangle]
pub unsafe extern "C" fn lws_get_random(
    context: *mut lws_context,
    buf: *mut c_void,
    len: usize,
) -> usize {
    ffi_boundary!("lws_get_random", {
        let _ = context;
        if buf.is_null() || len == 0 {
            return 0;
        }
        // SAFETY: caller gave len writable bytes at buf.
        let b = unsafe { std::slice::from_raw_parts_mut(buf as *mut u8, len) };
        crate::net::client::random_bytes(b);
        len
    })
}

/// Writes `(len - 1) / 2` random bytes as lowercase hex plus a NUL into
/// `dest`; with an even `len` the last byte (after the NUL) is left holding
/// a random byte, as in 4.1.6. Returns 0, or 1 for NULL `dest` or `len` 0.
#[no_mangle]
pub unsafe extern "C" fn lws_hex_random(
    context: *mut lws_context,
    dest: *mut c_char,
    len: usize,
) -> c_int {
    ffi_boundary!("lws_hex_random", {
        let _ = context;
        if dest.is_null() || len == 0 {
            return 1;
        }
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let n = (len - 1) / 2;
        // SAFETY: dest has len writable bytes.
        let d = unsafe { std::slice::from_raw_parts_mut(dest as *mut u8, len) };
        // the random bytes go at the tail, then become hex from the front;
        // byte k is read before position 2k + 1 <= len - n + k is written
        let r0 = len - n;
        crate::net::client::random_bytes(&mut d[r0..]);
        for k in 0..n {
            let b = d[r0 + k];
            d[2 * k] = HEX[(b >> 4) as usize];
            d[2 * k + 1] = HEX[(b & 0xf) as usize];
        }
        d[2 * n] = 0;
        0
    })
}

/// The next backoff delay in ms for try `*ctry`, which is incremented (up
/// to 0xffff). The table's entry (the last one once tries exceed it), or
/// 3000 ms with no table, plus a random jitter of up to `jitter_percent`
/// (30 when 0 or with no table) percent: `ms + ms * pc * r / 65536 / 100`,
/// `r` a random 16-bit value, so callers (and tests) can only rely on the
/// bounds. `*conceal` is 0 with no table, else whether the incremented
/// count is within `conceal_count`. A table with no entries (which 4.1.6
/// reads out of bounds) counts as no table for the base delay.
#[no_mangle]
pub unsafe extern "C" fn lws_retry_get_delay_ms(
    context: *mut lws_context,
    retry: *const lws_retry_bo_t,
    ctry: *mut u16,
    conceal: *mut c_char,
) -> c_uint {
    ffi_boundary!("lws_retry_get_delay_ms", {
        let _ = context;
        // SAFETY: caller contract: conceal and ctry are NULL or writable,
        // retry is NULL or a valid policy whose table has
        // retry_ms_table_count entries.
        unsafe {
            if !conceal.is_null() {
                *conceal = 0;
            }
            let tries = if ctry.is_null() { 0 } else { *ctry };
            let retry = retry.as_ref();
            let mut ms: u64 = 3000;
            let mut pc: u64 = 30;
            if let Some(r) = retry {
                if r.retry_ms_table_count > 0 && !r.retry_ms_table.is_null() {
                    let idx = tries.min(r.retry_ms_table_count - 1);
                    ms = u64::from(*r.retry_ms_table.add(usize::from(idx)));
                }
                if r.jitter_percent != 0 {
                    pc = u64::from(r.jitter_percent);
                }
            }
            let mut ra = [0u8; 2];
            crate::net::client::random_bytes(&mut ra);
            let ra = u64::from(u16::from_ne_bytes(ra));
            ms += ((ms * pc * ra) >> 16) / 100;
            let tries = if tries < 0xffff { tries + 1 } else { tries };
            if !ctry.is_null() {
                *ctry = tries;
            }
            if let (Some(r), false) = (retry, conceal.is_null()) {
                *conceal = c_char::from(tries <= r.conceal_count);
            }
            ms as c_uint
        }
    })
}

// ---- hex, strings, comparison ----

fn hex_digit(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Decodes hex pairs from the C string `h` into `dest`; returns the byte
/// count, or -1 for a non-hex character or an odd count (bytes before it
/// stay written). As in 4.1.6, `max` must be MORE than the bytes produced:
/// filling `dest` exactly is -1.
#[no_mangle]
pub unsafe extern "C" fn lws_hex_to_byte_array(
    h: *const c_char,
    dest: *mut u8,
    max: c_int,
) -> c_int {
    ffi_boundary!("lws_hex_to_byte_array", {
        if h.is_null() || dest.is_null() || max < 0 {
            return -1;
        }
        // SAFETY: h is a C string; dest has max writable bytes, and each
        // write below is preceded by a decrement of max.
        unsafe {
            let h = std::ffi::CStr::from_ptr(h).to_bytes();
            let mut max = max;
            let (mut i, mut o) = (0usize, 0usize);
            loop {
                let more = max != 0;
                max -= 1;
                if !more || i >= h.len() {
                    break;
                }
                let t = hex_digit(h[i]);
                i += 1;
                let Some(t) = t.filter(|_| i < h.len()) else {
                    return -1;
                };
                let Some(t1) = hex_digit(h[i]) else {
                    return -1;
                };
                i += 1;
                *dest.add(o) = (t << 4) | t1;
                o += 1;
            }
            if max < 0 {
                return -1;
            }
            o as c_int
        }
    })
}

/// Compares `len` bytes of `a` and `b` in time independent of where they
/// differ: 0 when equal, else the OR of all byte differences (XOR), 1..255.
#[no_mangle]
pub unsafe extern "C" fn lws_timingsafe_bcmp(
    a: *const c_void,
    b: *const c_void,
    len: u32,
) -> c_int {
    ffi_boundary!("lws_timingsafe_bcmp", {
        if len == 0 {
            return 0;
        }
        if a.is_null() || b.is_null() {
            return 1;
        }
        // SAFETY: caller gave len readable bytes at a and b.
        let (x, y) = unsafe {
            (
                std::slice::from_raw_parts(a as *const u8, len as usize),
                std::slice::from_raw_parts(b as *const u8, len as usize),
            )
        };
        let mut sum = 0u8;
        for (p, q) in x.iter().zip(y) {
            sum |= p ^ q;
        }
        c_int::from(std::hint::black_box(sum))
    })
}

/// `strncpy(dest, src, size - 1)` (zero-padding included) then
/// `dest[size - 1] = 0`: always NUL-terminated. Returns `dest`; with `size`
/// 0 nothing is written.
#[no_mangle]
pub unsafe extern "C" fn lws_strncpy(
    dest: *mut c_char,
    src: *const c_char,
    size: usize,
) -> *mut c_char {
    ffi_boundary!("lws_strncpy", {
        if dest.is_null() || size == 0 {
            return dest;
        }
        // SAFETY: dest has size writable bytes; src is a C string.
        unsafe {
            if src.is_null() {
                *dest = 0;
            } else {
                libc::strncpy(dest, src, size - 1);
            }
            *dest.add(size - 1) = 0;
        }
        dest
    })
}

/// The first occurrence of `name[..nl]` in `buf[..len]` (no NULs needed),
/// or NULL. An empty needle is NULL too.
#[no_mangle]
pub unsafe extern "C" fn lws_nstrstr(
    buf: *const c_char,
    len: usize,
    name: *const c_char,
    nl: usize,
) -> *const c_char {
    ffi_boundary!("lws_nstrstr", {
        if buf.is_null() || name.is_null() || nl == 0 || nl > len {
            return std::ptr::null();
        }
        // SAFETY: caller gave len readable bytes at buf and nl at name.
        let (hay, needle) = unsafe {
            (
                std::slice::from_raw_parts(buf as *const u8, len),
                std::slice::from_raw_parts(name as *const u8, nl),
            )
        };
        match hay.windows(nl).position(|w| w == needle) {
            // SAFETY: i + nl <= len.
            Some(i) => unsafe { buf.add(i) },
            None => std::ptr::null(),
        }
    })
}

/// Zeroes `len` bytes at `p` with writes the compiler may not remove.
#[no_mangle]
pub unsafe extern "C" fn lws_explicit_bzero(p: *mut c_void, len: usize) {
    ffi_boundary!("lws_explicit_bzero", {
        if p.is_null() {
            return;
        }
        let b = p as *mut u8;
        for i in 0..len {
            // SAFETY: caller gave len writable bytes at p.
            unsafe { std::ptr::write_volatile(b.add(i), 0) };
        }
        std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
    })
}

// ---- big-endian serialisation ----

/// Writes `u` big-endian into `b[0..2]`.
#[no_mangle]
pub unsafe extern "C" fn lws_ser_wu16be(b: *mut u8, u: u16) {
    ffi_boundary!("lws_ser_wu16be", {
        if !b.is_null() {
            // SAFETY: caller gave 2 writable bytes.
            unsafe { std::ptr::copy_nonoverlapping(u.to_be_bytes().as_ptr(), b, 2) };
        }
    })
}

/// Writes `u32` big-endian into `b[0..4]`.
#[no_mangle]
pub unsafe extern "C" fn lws_ser_wu32be(b: *mut u8, u32: u32) {
    ffi_boundary!("lws_ser_wu32be", {
        if !b.is_null() {
            // SAFETY: caller gave 4 writable bytes.
            unsafe { std::ptr::copy_nonoverlapping(u32.to_be_bytes().as_ptr(), b, 4) };
        }
    })
}

/// Writes `u64` big-endian into `b[0..8]`.
#[no_mangle]
pub unsafe extern "C" fn lws_ser_wu64be(b: *mut u8, u64: u64) {
    ffi_boundary!("lws_ser_wu64be", {
        if !b.is_null() {
            // SAFETY: caller gave 8 writable bytes.
            unsafe { std::ptr::copy_nonoverlapping(u64.to_be_bytes().as_ptr(), b, 8) };
        }
    })
}

/// Reads a big-endian u16 from `b[0..2]` (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn lws_ser_ru16be(b: *const u8) -> u16 {
    ffi_boundary!("lws_ser_ru16be", {
        if b.is_null() {
            return 0;
        }
        // SAFETY: caller gave 2 readable bytes.
        u16::from_be_bytes(unsafe { std::ptr::read_unaligned(b as *const [u8; 2]) })
    })
}

/// Reads a big-endian u32 from `b[0..4]` (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn lws_ser_ru32be(b: *const u8) -> u32 {
    ffi_boundary!("lws_ser_ru32be", {
        if b.is_null() {
            return 0;
        }
        // SAFETY: caller gave 4 readable bytes.
        u32::from_be_bytes(unsafe { std::ptr::read_unaligned(b as *const [u8; 4]) })
    })
}

/// Reads a big-endian u64 from `b[0..8]` (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn lws_ser_ru64be(b: *const u8) -> u64 {
    ffi_boundary!("lws_ser_ru64be", {
        if b.is_null() {
            return 0;
        }
        // SAFETY: caller gave 8 readable bytes.
        u64::from_be_bytes(unsafe { std::ptr::read_unaligned(b as *const [u8; 8]) })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    fn enc(input: &[u8], size: usize) -> (c_int, Vec<u8>) {
        let mut out = vec![b'#'; size];
        let r = b64_encode(B64_STD, input, &mut out);
        (r, out)
    }

    fn dec(input: &str, size: c_int) -> (c_int, Vec<u8>) {
        let c = std::ffi::CString::new(input).unwrap();
        let mut out = vec![b'#'; size.max(0) as usize];
        // SAFETY: test buffers.
        let r = unsafe { b64_decode_buf(c.as_ptr(), -1, out.as_mut_ptr() as *mut c_char, size) };
        (r, out)
    }

    fn parse(uri: &str) -> (c_int, String, String, c_int, String) {
        let mut b = std::ffi::CString::new(uri).unwrap().into_bytes_with_nul();
        let (mut pr, mut a, mut pa) = (std::ptr::null(), std::ptr::null(), std::ptr::null());
        let mut port = -7;
        // SAFETY: test buffers.
        unsafe {
            let r = lws_parse_uri(
                b.as_mut_ptr() as *mut c_char,
                &mut pr,
                &mut a,
                &mut port,
                &mut pa,
            );
            let s = |p: *const c_char| CStr::from_ptr(p).to_string_lossy().into_owned();
            (r, s(pr), s(a), port, s(pa))
        }
    }

    #[test]
    fn encode_known_and_small_buffers() {
        assert_eq!(enc(b"any carnal pleasure.", 64).0, 28);
        let (r, o) = enc(b"ab", 5);
        assert_eq!(
            (r, &o[..]),
            (-1, &b"YWI=#"[..]),
            "group fits, the NUL does not"
        );
        let (r, o) = enc(b"ab", 6);
        assert_eq!((r, &o[..]), (4, &b"YWI=\0#"[..]));
        let (r, o) = enc(b"abcdef", 8);
        assert_eq!(
            (r, &o[..]),
            (-1, &b"YWJj####"[..]),
            "first group kept, no NUL"
        );
        assert_eq!(enc(b"", 1).0, -1);
        assert_eq!(enc(b"", 2), (0, b"\0#".to_vec()));
    }

    #[test]
    fn decode_padding_alphabets_and_junk() {
        assert_eq!(
            &dec("YW55IGNhcm5hbCBwbGVhc3VyZQ==", 64).1[..20],
            b"any carnal pleasure\0"
        );
        assert_eq!(dec("QQ==", 8).0, 1);
        assert_eq!(dec("QUI=", 8).0, 2);
        assert_eq!(dec("QUJD", 8).0, 3);
        assert_eq!(dec("QUJD", 4).0, 0, "out + 4 < end is required");
        assert_eq!(dec("QUJDREVG", 7).0, 3, "stops at a group boundary");
        assert_eq!(dec("-_-_", 8).1[..3], [0xfb, 0xff, 0xbf]);
        assert_eq!(dec("Q U\nJ\tD", 8).0, 3, "junk skipped");
        assert_eq!(dec("", 8), (0, b"\0#######".to_vec()));
        assert_eq!(dec("Q", 8).0, 0);
    }

    #[test]
    fn decode_stateful_in_pieces() {
        let mut s = lws_b64state::default();
        let mut out = [0u8; 32];
        let (c1, p1) = b64_decode_step(&mut s, b"YW55IG", &mut out, false);
        assert_eq!((c1, p1), (6, 3));
        let (c2, p2) = b64_decode_step(&mut s, b"Nhcm5h", &mut out[3..], true);
        assert_eq!((c2, p2), (6, 6));
        assert_eq!(&out[..9], b"any carna");
    }

    #[test]
    fn parse_uri_cases() {
        assert_eq!(
            parse("http://h/p/q"),
            (0, "http".into(), "h".into(), 80, "p/q".into())
        );
        assert_eq!(
            parse("wss://h:8080"),
            (0, "wss".into(), "h".into(), 8080, "/".into())
        );
        assert_eq!(
            parse("https://h/"),
            (0, "https".into(), "h".into(), 443, "/".into())
        );
        assert_eq!(
            parse("ftp://h/x"),
            (0, "ftp".into(), "h".into(), -7, "x".into())
        );
        assert_eq!(parse("h:99/x"), (0, "".into(), "h".into(), 99, "x".into()));
        assert_eq!(
            parse("ws://[::1]:7681/a"),
            (0, "ws".into(), "::1".into(), 7681, "a".into())
        );
        assert_eq!(
            parse("http://+/var/run/s:/my/path"),
            (0, "http".into(), "+/var/run/s".into(), 0, "my/path".into())
        );
        assert_eq!(
            parse("ws://[::1]abc/x"),
            (0, "ws".into(), "::1".into(), 80, "bc/x".into())
        );
    }

    #[test]
    fn hex_array_needs_spare_room() {
        let mut d = [0u8; 4];
        // SAFETY: test buffers.
        unsafe {
            assert_eq!(
                lws_hex_to_byte_array(c"abcd".as_ptr(), d.as_mut_ptr(), 3),
                2
            );
            assert_eq!(d[..2], [0xab, 0xcd]);
            assert_eq!(
                lws_hex_to_byte_array(c"abcd".as_ptr(), d.as_mut_ptr(), 2),
                -1
            );
            assert_eq!(
                lws_hex_to_byte_array(c"abc".as_ptr(), d.as_mut_ptr(), 4),
                -1
            );
            assert_eq!(lws_hex_to_byte_array(c"".as_ptr(), d.as_mut_ptr(), 0), -1);
            assert_eq!(lws_hex_to_byte_array(c"".as_ptr(), d.as_mut_ptr(), 1), 0);
        }
    }

    #[test]
    fn basic_auth_codes() {
        let mut b = [b'#'; 64];
        // SAFETY: test buffers.
        unsafe {
            let p = b.as_mut_ptr() as *mut c_char;
            assert_eq!(
                lws_http_basic_auth_gen(c"Aladdin".as_ptr(), c"open sesame".as_ptr(), p, 64),
                0
            );
            assert_eq!(
                CStr::from_ptr(p).to_bytes(),
                b"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
            );
            assert_eq!(
                lws_http_basic_auth_gen(c"a".as_ptr(), c"b".as_ptr(), p, 10),
                1
            );
        }
    }

    #[test]
    fn retry_bounds() {
        let table = [100u32, 200];
        let r = lws_retry_bo_t {
            retry_ms_table: table.as_ptr(),
            retry_ms_table_count: 2,
            conceal_count: 2,
            secs_since_valid_ping: 0,
            secs_since_valid_hangup: 0,
            jitter_percent: 50,
        };
        let (mut t, mut c) = (0u16, 9 as c_char);
        for (want, conceal) in [(100u32, 1), (200, 1), (200, 0)] {
            // SAFETY: test values.
            let ms = unsafe { lws_retry_get_delay_ms(std::ptr::null_mut(), &r, &mut t, &mut c) };
            assert!(ms >= want && ms < want + want / 2, "{ms}");
            assert_eq!(c, conceal);
        }
        assert_eq!(t, 3);
    }
}
