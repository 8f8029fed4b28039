//! HTTP responses (lws-http.h) available in the server role.

use std::ffi::{c_char, c_int, c_uchar, c_uint, CStr};

use super::context::wsi_ref;
use super::types::{
    lws, lws_filepos_t, lws_fop_flags_t, lws_http_mount, lws_process_html_args,
    lws_process_html_state,
};
use crate::proto::html_subst;

/// Sends a complete response with status `code` and an HTML body holding
/// the code and `html_body`. Returns 0, or non-zero on failure.
#[no_mangle]
pub unsafe extern "C" fn lws_return_http_status(
    wsi: *mut lws,
    code: c_uint,
    html_body: *const c_char,
) -> c_int {
    ffi_boundary!("lws_return_http_status", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return 1;
        };
        let body = if html_body.is_null() {
            String::new()
        } else {
            // SAFETY: a C string from the caller.
            unsafe { CStr::from_ptr(html_body) }
                .to_string_lossy()
                .into_owned()
        };
        match w.return_http_status(code, &body) {
            Ok(()) => 0,
            Err(_) => 1,
        }
    })
}

/// Ends the HTTP transaction. 0: the connection waits for the next request
/// (keep-alive); non-zero: the caller should close it (return -1).
#[no_mangle]
pub unsafe extern "C" fn lws_http_transaction_completed(wsi: *mut lws) -> c_int {
    ffi_boundary!("lws_http_transaction_completed", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }).and_then(|w| w.rc()) else {
            return 1;
        };
        w.transaction_completed() as c_int
    })
}

/// The response on this wsi is now a stream of server-sent events: it
/// loses its timeout and lives until either side closes it (on HTTP/2 the
/// connection has no idle timeout while a stream is open).
#[no_mangle]
pub unsafe extern "C" fn lws_http_mark_sse(wsi: *mut lws) -> c_int {
    ffi_boundary!("lws_http_mark_sse", {
        // SAFETY: caller contract.
        if let Some(w) = (unsafe { wsi_ref(wsi) }).and_then(|w| w.rc()) {
            w.set_timeout(0, 0);
        }
        0
    })
}

/// The request's Content-Type header value, for the POST argument parser.
/// None if the wsi has no request or no such header.
///
/// # Safety
/// `wsi` is NULL or a live wsi.
pub(crate) unsafe fn request_content_type(wsi: *mut lws) -> Option<Vec<u8>> {
    // SAFETY: per the function contract.
    let w = unsafe { wsi_ref(wsi) }?;
    let r = w.request.borrow();
    r.as_ref()?.header("content-type").map(|v| v.to_vec())
}

/// Appends `data` at `*p` if it fits before `end` with `reserve` bytes to
/// spare, advancing `*p`.
///
/// # Safety
/// `p` points to a pointer into a buffer that ends at `end`.
unsafe fn put(p: *mut *mut c_uchar, end: *mut c_uchar, data: &[u8], reserve: usize) -> bool {
    // SAFETY: per the function contract.
    unsafe {
        if p.is_null() || (*p).is_null() || end.is_null() {
            return false;
        }
        let room = (end as usize).saturating_sub(*p as usize);
        if data.len() + reserve > room {
            return false;
        }
        std::ptr::copy_nonoverlapping(data.as_ptr(), *p, data.len());
        *p = (*p).add(data.len());
    }
    true
}

/// Writes the status line, the vhost's extra headers and `server:` at
/// `*p`. Returns 0, or 1 if the buffer is too small.
#[no_mangle]
pub unsafe extern "C" fn lws_add_http_header_status(
    wsi: *mut lws,
    code: c_uint,
    p: *mut *mut c_uchar,
    end: *mut c_uchar,
) -> c_int {
    ffi_boundary!("lws_add_http_header_status", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return 1;
        };
        let mut out = Vec::with_capacity(128);
        w.status_head(code, &mut out);
        // SAFETY: caller contract on p/end; lws keeps 2 bytes for the CRLF.
        if unsafe { put(p, end, &out, 2) } {
            0
        } else {
            crate::capi::log::err("lws_add_http_header_status: buffer too small");
            1
        }
    })
}

/// Writes `name value\r\n` (name as given, e.g. "content-type:"); a NULL
/// name writes just the value line. Returns 0, or 1 if it does not fit.
#[no_mangle]
pub unsafe extern "C" fn lws_add_http_header_by_name(
    wsi: *mut lws,
    name: *const c_uchar,
    value: *const c_uchar,
    length: c_int,
    p: *mut *mut c_uchar,
    end: *mut c_uchar,
) -> c_int {
    ffi_boundary!("lws_add_http_header_by_name", {
        let _ = wsi;
        if (value.is_null() && length > 0) || length < 0 {
            return 1;
        }
        let mut out = Vec::new();
        if !name.is_null() {
            // SAFETY: a C string from the caller.
            out.extend_from_slice(unsafe { CStr::from_ptr(name as *const c_char) }.to_bytes());
            out.push(b' ');
        }
        if length > 0 {
            // SAFETY: the caller gives length readable bytes.
            out.extend_from_slice(unsafe { std::slice::from_raw_parts(value, length as usize) });
        }
        out.extend_from_slice(b"\r\n");
        // SAFETY: caller contract on p/end.
        if unsafe { put(p, end, &out, 1) } {
            0
        } else {
            1
        }
    })
}

/// lws_add_http_header_by_name with the name of token `token`.
#[no_mangle]
pub unsafe extern "C" fn lws_add_http_header_by_token(
    wsi: *mut lws,
    token: c_int,
    value: *const c_uchar,
    length: c_int,
    p: *mut *mut c_uchar,
    end: *mut c_uchar,
) -> c_int {
    ffi_boundary!("lws_add_http_header_by_token", {
        let name = super::headers::lws_token_to_string(token);
        if name.is_null() {
            return 1;
        }
        // SAFETY: forwarding the caller's arguments.
        unsafe { lws_add_http_header_by_name(wsi, name, value, length, p, end) }
    })
}

/// Writes `content-length:` and remembers the length of the response.
#[no_mangle]
pub unsafe extern "C" fn lws_add_http_header_content_length(
    wsi: *mut lws,
    content_length: lws_filepos_t,
    p: *mut *mut c_uchar,
    end: *mut c_uchar,
) -> c_int {
    ffi_boundary!("lws_add_http_header_content_length", {
        let v = content_length.to_string();
        // SAFETY: forwarding the caller's arguments.
        unsafe {
            lws_add_http_header_by_token(
                wsi,
                CONTENT_LENGTH_TOKEN,
                v.as_ptr(),
                v.len() as c_int,
                p,
                end,
            )
        }
    })
}

const CONTENT_LENGTH_TOKEN: c_int = 27;
const CONTENT_TYPE_TOKEN: c_int = 28;
const CONNECTION_TOKEN: c_int = 4;
const LWS_ILLEGAL_HTTP_CONTENT_LEN: lws_filepos_t = u64::MAX;

/// Status, content-type and content-length; without a length
/// (LWS_ILLEGAL_HTTP_CONTENT_LEN) `connection: close`, and the connection
/// closes after the response.
#[no_mangle]
pub unsafe extern "C" fn lws_add_http_common_headers(
    wsi: *mut lws,
    code: c_uint,
    content_type: *const c_char,
    content_len: lws_filepos_t,
    p: *mut *mut c_uchar,
    end: *mut c_uchar,
) -> c_int {
    ffi_boundary!("lws_add_http_common_headers", {
        // SAFETY: forwarding the caller's arguments throughout.
        unsafe {
            if lws_add_http_header_status(wsi, code, p, end) != 0 {
                return 1;
            }
            if !content_type.is_null() {
                let ct = CStr::from_ptr(content_type).to_bytes();
                if lws_add_http_header_by_token(
                    wsi,
                    CONTENT_TYPE_TOKEN,
                    ct.as_ptr(),
                    ct.len() as c_int,
                    p,
                    end,
                ) != 0
                {
                    return 1;
                }
            }
            if content_len != LWS_ILLEGAL_HTTP_CONTENT_LEN {
                return lws_add_http_header_content_length(wsi, content_len, p, end);
            }
            if lws_add_http_header_by_token(
                wsi,
                CONNECTION_TOKEN,
                c"close".as_ptr() as *const c_uchar,
                5,
                p,
                end,
            ) != 0
            {
                return 1;
            }
            if let Some(w) = wsi_ref(wsi) {
                w.resp_close.set(true);
            }
        }
        0
    })
}

/// Ends the header block with the empty line. 0, or 1 if it does not fit.
#[no_mangle]
pub unsafe extern "C" fn lws_finalize_http_header(
    wsi: *mut lws,
    p: *mut *mut c_uchar,
    end: *mut c_uchar,
) -> c_int {
    ffi_boundary!("lws_finalize_http_header", {
        let _ = wsi;
        // SAFETY: caller contract on p/end.
        if unsafe { put(p, end, b"\r\n", 0) } {
            0
        } else {
            1
        }
    })
}

/// Finalizes the headers built from `start` to `*pp` and sends them.
#[no_mangle]
pub unsafe extern "C" fn lws_finalize_write_http_header(
    wsi: *mut lws,
    start: *mut c_uchar,
    pp: *mut *mut c_uchar,
    end: *mut c_uchar,
) -> c_int {
    ffi_boundary!("lws_finalize_write_http_header", {
        // SAFETY: forwarding the caller's arguments.
        unsafe {
            if lws_finalize_http_header(wsi, pp, end) != 0 {
                return 1;
            }
            let len = (*pp as usize).saturating_sub(start as usize);
            if super::write::lws_write(wsi, start, len, LWS_WRITE_HTTP_HEADERS) != len as c_int {
                return 1;
            }
        }
        0
    })
}

const LWS_WRITE_HTTP_HEADERS: c_int = 8;

/// Builds and sends a redirect (status `code`, `location:`, empty body) in
/// the buffer at `*p`. Returns what lws_write returned, or -1.
#[no_mangle]
pub unsafe extern "C" fn lws_http_redirect(
    wsi: *mut lws,
    code: c_int,
    loc: *const c_uchar,
    len: c_int,
    p: *mut *mut c_uchar,
    end: *mut c_uchar,
) -> c_int {
    ffi_boundary!("lws_http_redirect", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return -1;
        };
        if loc.is_null() || len < 0 || p.is_null() {
            return -1;
        }
        // SAFETY: the caller gives len readable bytes.
        let l = unsafe { std::slice::from_raw_parts(loc, len as usize) };
        let mut out = Vec::new();
        w.redirect_head(code as u32, l, &mut out);
        // SAFETY: caller contract on p/end; then send what was built.
        unsafe {
            let start = *p;
            if !put(p, end, &out, 0) {
                return -1;
            }
            super::write::lws_write(wsi, start, out.len(), LWS_WRITE_HTTP_HEADERS)
        }
    })
}

/// The mime type lws gives `file`: the mount's extra mimetypes first, then
/// its built-in table; NULL when unknown.
#[no_mangle]
pub unsafe extern "C" fn lws_get_mimetype(
    file: *const c_char,
    m: *const lws_http_mount,
) -> *const c_char {
    ffi_boundary!("lws_get_mimetype", {
        if file.is_null() {
            return std::ptr::null();
        }
        // SAFETY: a C string from the caller.
        let f = unsafe { CStr::from_ptr(file) }.to_bytes();
        crate::net::http::get_mimetype_c(f, m)
    })
}

/// Sends `file` as the response: 200 with `content_type`, its length,
/// cache-control and `other_headers`, then the content, then
/// HTTP_FILE_COMPLETION. If it cannot be opened, answers 404 and returns
/// non-zero.
#[no_mangle]
pub unsafe extern "C" fn lws_serve_http_file(
    wsi: *mut lws,
    file: *const c_char,
    content_type: *const c_char,
    other_headers: *const c_char,
    other_headers_len: c_int,
) -> c_int {
    ffi_boundary!("lws_serve_http_file", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }).and_then(|w| w.rc()) else {
            return -1;
        };
        if file.is_null() {
            return -1;
        }
        // SAFETY: C strings / buffers from the caller.
        let (path, ct, oh) = unsafe {
            (
                CStr::from_ptr(file).to_string_lossy().into_owned(),
                if content_type.is_null() {
                    String::new()
                } else {
                    CStr::from_ptr(content_type).to_string_lossy().into_owned()
                },
                if other_headers.is_null() || other_headers_len <= 0 {
                    Vec::new()
                } else {
                    std::slice::from_raw_parts(
                        other_headers as *const u8,
                        other_headers_len as usize,
                    )
                    .to_vec()
                },
            )
        };
        // through the context's file operations, as 4.1.6; a file the
        // platform set opened must be a regular one
        let mut fflags = libc::O_RDONLY as lws_fop_flags_t | w.gzip_acceptable();
        let opened = match w.ctx().fops.open(&path, &mut fflags) {
            None => Err(std::io::Error::last_os_error()),
            Some(f) if fflags & crate::net::vfs::VIRTUAL != 0 => Ok(f),
            Some(f) => {
                // SAFETY: fstat of the open file's descriptor into our buffer.
                let mut st: libc::stat = unsafe { std::mem::zeroed() };
                if unsafe { libc::fstat(f.fd(), &mut st) } == 0
                    && st.st_mode & libc::S_IFMT == libc::S_IFREG
                {
                    Ok(f)
                } else {
                    Err(std::io::ErrorKind::InvalidInput.into())
                }
            }
        };
        match opened {
            Ok(f) => {
                let len = f.len();
                w.serve_file_open(f, len, &ct, &oh, None);
                0
            }
            Err(e) => {
                crate::capi::log::info(&format!(
                    "lws_serve_http_file: unable to open '{path}': {e}"
                ));
                if w.return_http_status(404, "").is_err() {
                    return -1;
                }
                1
            }
        }
    })
}

/// Substitutes `$name` variables in the piece at `args->p` (names in
/// `s->vars`, text from `s->replace(s->data, index)`), then, when
/// `args->chunked`, frames it as an HTTP/1.1 chunk (the header goes into
/// the 10 bytes before `args->p`, which moves back), ending the body when
/// `args->final`. `s` carries a name split between pieces; zero it before
/// the first piece. Returns 0, or -1 when the result exceeds
/// `args->max_len`.
#[no_mangle]
pub unsafe extern "C" fn lws_chunked_html_process(
    args: *mut lws_process_html_args,
    s: *mut lws_process_html_state,
) -> c_int {
    ffi_boundary!("lws_chunked_html_process", {
        // Differences from lws 4.1.6 on purpose (its output is wrong there):
        // - 4.1.6 resumes scanning two bytes into a replacement, so the
        //   byte after a replacement shorter than two bytes is never looked
        //   at ("$world$hello" with "$world" -> "w" keeps "$hello"), and a
        //   longer replacement's text is scanned (and substituted) again;
        //   here replacement text is final and scanning goes on after it.
        // - a name split between two pieces: 4.1.6 keeps the start in
        //   `swallow` but then writes it over the start of the next piece,
        //   losing that many bytes; here it is finished with the next piece.
        // - 4.1.6 stretches the scanned length by a byte per replacement
        //   (its count of args->len comes out right, the scan reads a byte
        //   past the data); here only the piece is read.
        // - an empty piece: 4.1.6 frames it as "0\r\n\r\n" (an early end
        //   of the body) plus the final trailer; here an empty non-final
        //   piece produces nothing and an empty final one just ends the body.
        if args.is_null() || s.is_null() {
            return -1;
        }
        // SAFETY: non-NULL; the caller owns both structs for this call. Copies
        // are taken so no reference lives while `replace` runs.
        let (a, st) = unsafe { (*args, *s) };
        if a.p.is_null() || a.len < 0 || a.max_len < 0 {
            return -1;
        }
        if st.pos < 0 || st.pos as usize >= st.swallow.len() {
            return -1;
        }
        let count = st.count_vars.max(0) as usize;
        if count > 0 && (st.vars.is_null() || st.replace.is_none()) {
            return -1;
        }
        let mut names: Vec<Option<Vec<u8>>> = Vec::with_capacity(count);
        for n in 0..count {
            // SAFETY: `vars` holds `count_vars` entries, each NULL or a C string.
            let v = unsafe { *st.vars.add(n) };
            names.push(if v.is_null() {
                None
            } else {
                // SAFETY: as above.
                Some(unsafe { CStr::from_ptr(v) }.to_bytes().to_vec())
            });
        }
        let vars: Vec<Option<&[u8]>> = names.iter().map(|v| v.as_deref()).collect();
        let carry: Vec<u8> = st.swallow[..st.pos as usize]
            .iter()
            .map(|&c| c as u8)
            .collect();
        let input = if a.len == 0 {
            Vec::new()
        } else {
            // SAFETY: `p` holds `len` bytes (caller contract).
            unsafe { std::slice::from_raw_parts(a.p as *const u8, a.len as usize) }.to_vec()
        };
        let last = a.r#final != 0;
        let (body, left) = html_subst::substitute(&carry, &input, last, &vars, |n| {
            let f = st.replace.expect("checked above");
            // SAFETY: the user's replace callback with its own data pointer.
            let t = unsafe { f(st.data, n as c_int) };
            if t.is_null() {
                b"NULL".to_vec()
            } else {
                // SAFETY: the callback returns a C string.
                unsafe { CStr::from_ptr(t) }.to_bytes().to_vec()
            }
        });
        let chunked = a.chunked != 0;
        let (head, tail): (Vec<u8>, &[u8]) = match (chunked, body.is_empty(), last) {
            (false, _, _) | (true, true, false) => (Vec::new(), b""),
            // nothing left but the end of the body
            (true, true, true) => (Vec::new(), b"0\r\n\r\n"),
            (true, false, _) => (
                html_subst::chunk_header(body.len()),
                html_subst::chunk_trailer(last),
            ),
        };
        if body.len() + tail.len() > a.max_len as usize || head.len() > 10 {
            crate::capi::log::err("lws_chunked_html_process: used up interpret padding");
            return -1;
        }
        let total = head.len() + body.len() + tail.len();
        // SAFETY: the piece's buffer has max_len bytes from p, and 10 bytes
        // of headroom before p (both checked above against what we write).
        unsafe {
            let start = (a.p as *mut u8).sub(head.len());
            std::ptr::copy_nonoverlapping(head.as_ptr(), start, head.len());
            std::ptr::copy(body.as_ptr(), start.add(head.len()), body.len());
            std::ptr::copy_nonoverlapping(
                tail.as_ptr(),
                start.add(head.len() + body.len()),
                tail.len(),
            );
            (*args).p = start as *mut c_char;
            (*args).len = total as c_int;
            (*s).start = a.p;
            let mut sw = [0 as c_char; 16];
            for (d, &c) in sw.iter_mut().zip(left.iter()) {
                *d = c as c_char;
            }
            (*s).swallow = sw;
            (*s).pos = left.len() as c_int;
        }
        0
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::c_void;

    unsafe extern "C" fn rep(_data: *mut c_void, index: c_int) -> *const c_char {
        match index {
            0 => c"HELLO-REPLACED".as_ptr(),
            1 => c"w".as_ptr(),
            _ => std::ptr::null(),
        }
    }

    /// Runs `pieces` through lws_chunked_html_process as the file server
    /// does (10 bytes of headroom, 128 of growth) and returns the wire bytes.
    fn process(pieces: &[&[u8]], chunked: bool) -> Result<Vec<u8>, usize> {
        let vars = [c"$hello".as_ptr(), c"$world".as_ptr(), c"$nul".as_ptr()];
        // SAFETY: all-zero is the documented initial state.
        let mut st: lws_process_html_state = unsafe { std::mem::zeroed() };
        st.vars = vars.as_ptr();
        st.count_vars = 3;
        st.replace = Some(rep);
        let mut wire = Vec::new();
        for (k, p) in pieces.iter().enumerate() {
            let mut buf = vec![b'#'; 10 + p.len() + 128];
            buf[10..10 + p.len()].copy_from_slice(p);
            let mut a = lws_process_html_args {
                // SAFETY: inside buf.
                p: unsafe { buf.as_mut_ptr().add(10) } as *mut c_char,
                len: p.len() as c_int,
                max_len: (p.len() + 128) as c_int,
                r#final: (k + 1 == pieces.len()) as c_int,
                chunked: chunked as c_int,
            };
            // SAFETY: valid args and state.
            if unsafe { lws_chunked_html_process(&mut a, &mut st) } != 0 {
                return Err(k);
            }
            let off = a.p as usize - buf.as_ptr() as usize;
            wire.extend_from_slice(&buf[off..off + a.len as usize]);
        }
        Ok(wire)
    }

    #[test]
    fn substitutes_and_frames() {
        assert_eq!(
            process(&[b"a $hello b"], true).unwrap(),
            b"12\r\na HELLO-REPLACED b\r\n0\r\n\r\n".to_vec()
        );
        // where 4.1.6 misses the second name
        assert_eq!(
            process(&[b"$world$hello"], true).unwrap(),
            b"F\r\nwHELLO-REPLACED\r\n0\r\n\r\n".to_vec()
        );
        // NULL from replace stands for "NULL"
        assert_eq!(process(&[b"[$nul]"], false).unwrap(), b"[NULL]".to_vec());
        // a name split between pieces; an empty final piece
        assert_eq!(
            process(&[b"x $he", b"llo y", b""], true).unwrap(),
            b"2\r\nx \r\n10\r\nHELLO-REPLACED y\r\n0\r\n\r\n".to_vec()
        );
        // a piece that is all partial name gives nothing, not a last chunk
        assert_eq!(
            process(&[b"$w", b"orld"], true).unwrap(),
            b"1\r\nw\r\n0\r\n\r\n".to_vec()
        );
        // unfinished name at the end of the file is literal
        assert_eq!(process(&[b"a", b"$hel"], false).unwrap(), b"a$hel".to_vec());
    }

    #[test]
    fn out_of_room_and_bad_args() {
        let big = vec![b'$'; 1]
            .into_iter()
            .chain(b"hello".iter().copied())
            .cycle()
            .take(6 * 40)
            .collect::<Vec<u8>>();
        // 40 names grow by 8 each: 320 > 128 of room
        assert_eq!(process(&[&big], true), Err(0));
        // SAFETY: NULL arguments are refused.
        assert_eq!(
            unsafe { lws_chunked_html_process(std::ptr::null_mut(), std::ptr::null_mut()) },
            -1
        );
    }
}
