//! Escaping helpers (lws-purify.h) and the one-shot urlencode/urldecode of
//! lws-http.h, byte for byte as lws 4.1.6 does them, including its quirks:
//! - `lws_urlencode` keeps only ASCII letters and digits, turns ' ' into
//!   '+' and everything else (`-`, `_`, `.`, `~` too) into `%XX`;
//! - `lws_json_purify` escapes every byte >= 0x80 as `\u00XX` (C's `char`
//!   is signed), and `lws_json_purify_len` counts a backslash as 6 bytes
//!   although it is written as 2;
//! - `lws_urldecode` writes up to `len` decoded bytes and then a NUL (so
//!   `len + 1` bytes; callers pass `sizeof(buf) - 1`), and on a bad `%xx`
//!   returns -1 without terminating the output;
//! - `lws_filename_purify_inplace` turns `..`, `:`, `\`, `$` and `%` into
//!   `_` and leaves `/` alone.
//!
//! Where 4.1.6 can write past `len` (`lws_json_purify` with many
//! two-byte escapes) the output stops at what fits; with `len <= 0` the
//! escaping functions write nothing.

use std::ffi::{c_char, c_int, CStr};
use std::ptr;

use crate::capi::log;

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// The bytes of `s`, or None for NULL.
///
/// # Safety
/// `s` is NULL or a C string.
unsafe fn c_bytes<'a>(s: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: per the contract.
    (!s.is_null()).then(|| unsafe { CStr::from_ptr(s) }.to_bytes())
}

/// Writes `out` and a NUL at `dst`.
///
/// # Safety
/// `dst` has room for `out.len() + 1` bytes.
unsafe fn put(dst: *mut c_char, out: &[u8], nul: bool) {
    // SAFETY: per the contract; `out` is our own buffer, so it does not
    // overlap `dst`.
    unsafe {
        ptr::copy_nonoverlapping(out.as_ptr(), dst.cast::<u8>(), out.len());
        if nul {
            *dst.add(out.len()) = 0;
        }
    }
}

/// SQL escaping: `'` doubled, at most `len - 1` bytes plus a NUL.
fn sql_purify(s: &[u8], len: c_int) -> Vec<u8> {
    let mut left = len;
    let mut out = Vec::new();
    for &c in s {
        if left <= 2 {
            break;
        }
        left -= 1;
        if c == b'\'' {
            out.extend_from_slice(b"''");
            left -= 1;
        } else {
            out.push(c);
        }
    }
    out
}

/// JSON escaping; returns the output and how many input bytes it used.
fn json_purify(s: &[u8], len: c_int) -> (Vec<u8>, usize) {
    let room = len.max(0) as usize; // the real buffer, NUL included
    let mut left = len;
    let mut out = Vec::new();
    let mut used = 0;
    for &c in s {
        if left <= 6 {
            break;
        }
        let esc: &[u8] = match c {
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\\' => b"\\\\",
            _ => &[],
        };
        let six = esc.is_empty() && (c == b'"' || c < 0x20 || c >= 0x80);
        let add = if six { 6 } else { esc.len().max(1) };
        if out.len() + add + 1 > room {
            break;
        }
        left -= 1;
        if six {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(c >> 4) as usize]);
            out.push(HEX[(c & 15) as usize]);
            left -= 5;
        } else if !esc.is_empty() {
            out.extend_from_slice(esc);
        } else {
            out.push(c);
        }
        used += 1;
    }
    (out, used)
}

/// lws's estimate of the JSON-escaped length.
fn json_purify_len(s: &[u8]) -> c_int {
    s.iter()
        .map(|&c| match c {
            b'\t' | b'\n' | b'\r' => 2,
            b'"' | b'\\' => 6,
            _ if c < 0x20 || c >= 0x80 => 6,
            _ => 1,
        })
        .fold(0i32, |a, n| a.wrapping_add(n))
}

/// URL encoding: letters and digits kept, ' ' as '+', the rest %XX.
fn urlencode(s: &[u8], len: c_int) -> Vec<u8> {
    let mut left = len;
    let mut out = Vec::new();
    for &c in s {
        if left <= 3 {
            break;
        }
        left -= 1;
        if c == b' ' {
            out.push(b'+');
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.extend_from_slice(&[b'%', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
            left -= 2;
        }
    }
    out
}

/// URL decoding of at most `len` output bytes (negative: no limit); Err
/// carries what was decoded before a bad `%xx`.
fn urldecode(s: &[u8], len: c_int) -> Result<Vec<u8>, Vec<u8>> {
    let mut left = len as i64;
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() && left != 0 {
        match s[i] {
            b'%' => {
                // a '%' at the very end, or "%x" at the end, ends the input
                let Some(&h) = s.get(i + 1) else { break };
                let Some(hi) = hex(h) else { return Err(out) };
                let Some(&l) = s.get(i + 2) else { break };
                let Some(lo) = hex(l) else { return Err(out) };
                out.push(hi << 4 | lo);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
        left -= 1;
    }
    Ok(out)
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Copies `string` into `escaped` (`len` bytes) with each `'` doubled, for
/// SQL; truncates to fit. Returns `escaped`.
#[no_mangle]
pub unsafe extern "C" fn lws_sql_purify(
    escaped: *mut c_char,
    string: *const c_char,
    len: c_int,
) -> *const c_char {
    ffi_boundary!("lws_sql_purify", {
        if escaped.is_null() {
            log::err("lws_sql_purify: NULL output");
            return ptr::null();
        }
        // SAFETY: caller contract: a C string.
        let Some(s) = (unsafe { c_bytes(string) }) else {
            log::err("lws_sql_purify: NULL string");
            return escaped;
        };
        if len > 0 {
            // SAFETY: the output is at most len - 1 bytes, and escaped has len.
            unsafe { put(escaped, &sql_purify(s, len), true) };
        }
        escaped
    })
}

/// Copies `string` into `escaped` (`len` bytes) with JSON escaping; sets
/// `*in_used` (if not NULL) to the input bytes consumed. Returns `escaped`.
#[no_mangle]
pub unsafe extern "C" fn lws_json_purify(
    escaped: *mut c_char,
    string: *const c_char,
    len: c_int,
    in_used: *mut c_int,
) -> *const c_char {
    ffi_boundary!("lws_json_purify", {
        if escaped.is_null() {
            log::err("lws_json_purify: NULL output");
            return ptr::null();
        }
        // SAFETY: caller contract: NULL or a C string.
        let Some(s) = (unsafe { c_bytes(string) }) else {
            if len > 0 {
                // SAFETY: escaped has len >= 1 bytes.
                unsafe { *escaped = 0 };
            }
            return escaped;
        };
        if len <= 0 {
            return escaped;
        }
        let (out, used) = json_purify(s, len);
        // SAFETY: the output is at most len - 1 bytes; in_used is NULL or
        // an int (caller contract).
        unsafe {
            put(escaped, &out, true);
            if !in_used.is_null() {
                *in_used = used as c_int;
            }
        }
        escaped
    })
}

/// The length lws_json_purify() would produce for `string` without a
/// length limit (by lws's count, which rates a backslash as 6).
#[no_mangle]
pub unsafe extern "C" fn lws_json_purify_len(string: *const c_char) -> c_int {
    ffi_boundary!("lws_json_purify_len", {
        // SAFETY: caller contract: a C string.
        let Some(s) = (unsafe { c_bytes(string) }) else {
            log::err("lws_json_purify_len: NULL string");
            return 0;
        };
        json_purify_len(s)
    })
}

/// Replaces `..`, `:`, `\`, `$` and `%` in `filename` with `_`, in place.
#[no_mangle]
pub unsafe extern "C" fn lws_filename_purify_inplace(filename: *mut c_char) {
    ffi_boundary!("lws_filename_purify_inplace", {
        if filename.is_null() {
            log::err("lws_filename_purify_inplace: NULL filename");
            return;
        }
        let mut p = filename.cast::<u8>();
        // SAFETY: caller contract: a writable C string; p stays on its
        // bytes, and p[1] is read only when p[0] is not the NUL.
        unsafe {
            while *p != 0 {
                if *p == b'.' && *p.add(1) == b'.' {
                    *p = b'_';
                    *p.add(1) = b'_';
                }
                if matches!(*p, b':' | b'\\' | b'$' | b'%') {
                    *p = b'_';
                }
                p = p.add(1);
            }
        }
    })
}

/// Copies `string` into `escaped` (`len` bytes) URL-encoded (letters and
/// digits kept, ' ' as '+', the rest as %XX); truncates to fit. Returns
/// `escaped`.
#[no_mangle]
pub unsafe extern "C" fn lws_urlencode(
    escaped: *mut c_char,
    string: *const c_char,
    len: c_int,
) -> *const c_char {
    ffi_boundary!("lws_urlencode", {
        if escaped.is_null() {
            log::err("lws_urlencode: NULL output");
            return ptr::null();
        }
        // SAFETY: caller contract: a C string.
        let Some(s) = (unsafe { c_bytes(string) }) else {
            log::err("lws_urlencode: NULL string");
            return escaped;
        };
        if len > 0 {
            // SAFETY: the output is at most len - 1 bytes, and escaped has len.
            unsafe { put(escaped, &urlencode(s, len), true) };
        }
        escaped
    })
}

/// Decodes the URL-encoded C string `escaped` into `string` (which may be
/// the same buffer): at most `len` bytes, then a NUL. Returns 0, or -1 on a
/// bad %xx (the output is then not terminated).
#[no_mangle]
pub unsafe extern "C" fn lws_urldecode(
    string: *mut c_char,
    escaped: *const c_char,
    len: c_int,
) -> c_int {
    ffi_boundary!("lws_urldecode", {
        if string.is_null() {
            log::err("lws_urldecode: NULL output");
            return -1;
        }
        // SAFETY: caller contract: a C string.
        let Some(s) = (unsafe { c_bytes(escaped) }) else {
            log::err("lws_urldecode: NULL input");
            return -1;
        };
        // the input is read in full before the output is written, so
        // decoding in place is fine
        let (out, ok) = match urldecode(s, len) {
            Ok(o) => (o, true),
            Err(o) => (o, false),
        };
        // SAFETY: caller contract: string has room for len bytes plus the
        // NUL (out is at most len bytes, and never longer than the input).
        unsafe { put(string, &out, ok) };
        if ok {
            0
        } else {
            -1
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(sql_purify(b"it's", 64), b"it''s");
        assert_eq!(sql_purify(b"abcdef", 4), b"ab");
        assert_eq!(sql_purify(b"'''", 5), b"''''");
        assert_eq!(
            urlencode(b"a b-_.~/\xc3\xa9Z9", 64),
            b"a+b%2D%5F%2E%7E%2F%C3%A9Z9"
        );
        assert_eq!(urlencode(b"abc", 3), b"");
        assert_eq!(urlencode(b"abcdef", 6), b"abc");
        assert_eq!(urlencode(b"a/b", 6), b"a%2F");
        let (o, u) = json_purify(b"a\"b\\c\td\x01\xc3", 64);
        assert_eq!(o, b"a\\u0022b\\\\c\\td\\u0001\\u00C3");
        assert_eq!(u, 9);
        assert_eq!(
            json_purify_len(b"a\"b\\c\td\x01\xc3"),
            1 + 6 + 1 + 6 + 1 + 2 + 1 + 6 + 6
        );
        // lws would write 28 bytes into 20 here; we stop at 19
        let (o, u) = json_purify(&[b'\n'; 20], 20);
        assert_eq!((o.len(), u), (18, 9));
        assert_eq!(urldecode(b"a+b%41%4a%", 64), Ok(b"a bAJ".to_vec()));
        assert_eq!(urldecode(b"abc%4", 64), Ok(b"abc".to_vec()));
        assert_eq!(urldecode(b"abcdef", 3), Ok(b"abc".to_vec()));
        assert_eq!(urldecode(b"ab%zz", 64), Err(b"ab".to_vec()));
        assert_eq!(urldecode(b"ab%4z", 64), Err(b"ab".to_vec()));
        assert_eq!(urldecode(b"abcdef", -1), Ok(b"abcdef".to_vec()));
        assert_eq!(urldecode(b"abcdef", 0), Ok(b"".to_vec()));
    }
}
