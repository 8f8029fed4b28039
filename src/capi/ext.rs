//! WebSocket extensions (lws-ws-ext.h): permessage-deflate and the option
//! parsing helpers of the extension interface.
//!
//! The runtime negotiates and applies permessage-deflate itself
//! (`proto::pmd`) when a vhost's `extensions` list names
//! `lws_extension_callback_pm_deflate`; the exported callback also works
//! when C code calls it directly with the extension reasons.

use std::ffi::{c_char, c_int, c_void, CStr};

use super::context::wsi_ref;
use super::types::{lws, lws_context, lws_ext_option_arg, lws_ext_options, lws_extension};
use crate::proto::pmd::{self, Agreed, Pmd, Pulled};

const EXT_CB_CONSTRUCT: c_int = 4;
const EXT_CB_CLIENT_CONSTRUCT: c_int = 5;
const EXT_CB_DESTROY: c_int = 8;
const EXT_CB_PAYLOAD_TX: c_int = 21;
const EXT_CB_PAYLOAD_RX: c_int = 22;
const EXT_CB_OPTION_DEFAULT: c_int = 23;
const EXT_CB_OPTION_SET: c_int = 24;
const EXT_CB_OPTION_CONFIRM: c_int = 25;
const EXT_CB_NAMED_OPTION_SET: c_int = 26;

const EXTARG_NONE: c_int = 0;
const EXTARG_DEC: c_int = 1;

/// The options permessage-deflate understands, in 4.1.6's order.
struct Opts([lws_ext_options; 9]);
// SAFETY: the table only holds pointers to 'static C string literals.
unsafe impl Sync for Opts {}
static PMD_OPTIONS: Opts = Opts([
    lws_ext_options {
        name: c"server_no_context_takeover".as_ptr(),
        r#type: 0,
    },
    lws_ext_options {
        name: c"client_no_context_takeover".as_ptr(),
        r#type: 0,
    },
    lws_ext_options {
        name: c"server_max_window_bits".as_ptr(),
        r#type: 2,
    },
    lws_ext_options {
        name: c"client_max_window_bits".as_ptr(),
        r#type: 2,
    },
    lws_ext_options {
        name: c"rx_buf_size".as_ptr(),
        r#type: 1,
    },
    lws_ext_options {
        name: c"tx_buf_size".as_ptr(),
        r#type: 1,
    },
    lws_ext_options {
        name: c"compression_level".as_ptr(),
        r#type: 1,
    },
    lws_ext_options {
        name: c"mem_level".as_ptr(),
        r#type: 1,
    },
    lws_ext_options {
        name: std::ptr::null(),
        r#type: 0,
    },
]);
const SNCT: usize = 0;
const CNCT: usize = 1;
const SMWB: usize = 2;
const CMWB: usize = 3;
const COMP_LEVEL: usize = 6;

/// The permessage-deflate instance behind an extension user pointer.
struct PmdPriv {
    args: [c_int; 8],
    pmd: Option<Pmd>,
    out: Vec<u8>,
}

impl PmdPriv {
    fn defaults(&mut self) {
        self.args = [0, 0, 15, 15, 10, 10, 1, 8];
    }
}

/// `struct lws_tokens`.
#[repr(C)]
struct Tokens {
    token: *mut u8,
    len: c_int,
}

/// The in/out buffers of PAYLOAD_RX/TX.
#[repr(C)]
struct Ebufs {
    eb_in: Tokens,
    eb_out: Tokens,
}

/// Whether permessage-deflate understands an option of this name.
pub(crate) fn pmd_option_known(name: &str) -> bool {
    PMD_OPTIONS.0[..8]
        .iter()
        // SAFETY: the table's names are C string literals.
        .any(|o| unsafe { CStr::from_ptr(o.name) }.to_bytes() == name.as_bytes())
}

/// Whether an extension callback is our permessage-deflate: our function's
/// address, or the canonical one the dynamic linker gave the program (they
/// differ for non-PIE executables).
fn is_our_pm_deflate(cb: *const ()) -> bool {
    let ours = lws_extension_callback_pm_deflate as *const ();
    // SAFETY: dlsym with a NUL-terminated name.
    let canonical = unsafe {
        libc::dlsym(
            libc::RTLD_DEFAULT,
            c"lws_extension_callback_pm_deflate".as_ptr(),
        )
    } as *const ();
    cb == ours || cb == canonical
}

/// The client offer of a vhost's extensions list when it names our
/// permessage-deflate; other extensions are reported and left out.
pub(crate) fn vhost_pmd_offer(list: *const lws_extension) -> Option<String> {
    if list.is_null() {
        return None;
    }
    let mut found = None;
    let mut p = list;
    // SAFETY: the program's array, terminated by an entry without callback.
    unsafe {
        while let Some(cb) = (*p).callback {
            let name = if (*p).name.is_null() {
                String::new()
            } else {
                CStr::from_ptr((*p).name).to_string_lossy().into_owned()
            };
            if is_our_pm_deflate(cb as *const ()) && name == pmd::NAME {
                let offer = if (*p).client_offer.is_null() {
                    pmd::NAME.to_string()
                } else {
                    CStr::from_ptr((*p).client_offer)
                        .to_string_lossy()
                        .into_owned()
                };
                found = Some(offer);
            }
            p = p.add(1);
        }
    }
    found
}

/// The entries of a vhost's extensions list other than our
/// permessage-deflate: user-defined extensions, driven through their
/// callbacks (net/ext.rs).
pub(crate) fn vhost_user_exts(list: *const lws_extension) -> Vec<*const lws_extension> {
    let mut v = Vec::new();
    if list.is_null() {
        return v;
    }
    let mut p = list;
    // SAFETY: the program's array, terminated by an entry without callback.
    unsafe {
        while let Some(cb) = (*p).callback {
            if !is_our_pm_deflate(cb as *const ()) && !(*p).name.is_null() {
                v.push(p);
            }
            p = p.add(1);
        }
    }
    v
}

/// permessage-deflate (RFC 7692) as an extension callback. The library
/// negotiates and runs it itself for vhosts that list it; called directly,
/// it manages an instance in `*user` (CONSTRUCT), takes options, and
/// deflates/inflates whole messages between the `lws_tokens` of `in`.
/// (Prototype in lws-rs-trailer.h, with the enum reason.)
///
/// cbindgen:ignore
#[no_mangle]
pub unsafe extern "C" fn lws_extension_callback_pm_deflate(
    context: *mut lws_context,
    ext: *const lws_extension,
    wsi: *mut lws,
    reason: c_int,
    user: *mut c_void,
    in_: *mut c_void,
    len: usize,
) -> c_int {
    ffi_boundary!("lws_extension_callback_pm_deflate", {
        let _ = (context, ext, wsi, len);
        match reason {
            EXT_CB_CONSTRUCT | EXT_CB_CLIENT_CONSTRUCT => {
                if user.is_null() {
                    return -1;
                }
                let mut p = Box::new(PmdPriv {
                    args: [0; 8],
                    pmd: None,
                    out: Vec::new(),
                });
                p.defaults();
                // SAFETY: `user` is the instance slot (void **), `in` the
                // place for the options list, as the interface defines.
                unsafe {
                    *(user as *mut *mut c_void) = Box::into_raw(p) as *mut c_void;
                    if !in_.is_null() {
                        *(in_ as *mut *const lws_ext_options) = PMD_OPTIONS.0.as_ptr();
                    }
                }
                0
            }
            _ => {
                // SAFETY: after CONSTRUCT, `user` is the instance.
                let Some(p) = (unsafe { (user as *mut PmdPriv).as_mut() }) else {
                    return -1;
                };
                instance_call(p, user, reason, in_)
            }
        }
    })
}

fn instance_call(p: &mut PmdPriv, user: *mut c_void, reason: c_int, in_: *mut c_void) -> c_int {
    match reason {
        EXT_CB_DESTROY => {
            // SAFETY: the instance from CONSTRUCT, freed once.
            drop(unsafe { Box::from_raw(user as *mut PmdPriv) });
            0
        }
        EXT_CB_OPTION_DEFAULT => {
            p.defaults();
            0
        }
        EXT_CB_NAMED_OPTION_SET | EXT_CB_OPTION_SET => {
            // SAFETY: `in` is a struct lws_ext_option_arg for these reasons.
            let Some(oa) = (unsafe { (in_ as *mut lws_ext_option_arg).as_mut() }) else {
                return -1;
            };
            if reason == EXT_CB_NAMED_OPTION_SET {
                if oa.option_name.is_null() {
                    return 0;
                }
                // SAFETY: a C string from the caller.
                let want = unsafe { CStr::from_ptr(oa.option_name) };
                let Some(i) = PMD_OPTIONS.0[..8]
                    .iter()
                    // SAFETY: the table's names are C string literals.
                    .position(|o| unsafe { CStr::from_ptr(o.name) } == want)
                else {
                    return 0;
                };
                oa.option_index = i as c_int;
            }
            let i = oa.option_index;
            if !(0..8).contains(&i) {
                return -1;
            }
            p.args[i as usize] = if oa.start.is_null() {
                1
            } else {
                // SAFETY: `len` digits at `start`.
                let b = unsafe {
                    std::slice::from_raw_parts(oa.start as *const u8, oa.len.max(0) as usize)
                };
                std::str::from_utf8(b)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0)
            };
            if p.args[CMWB] == 8 {
                p.args[CMWB] = 9;
            }
            0
        }
        EXT_CB_OPTION_CONFIRM => {
            let ok = |v: c_int| (8..=15).contains(&v);
            if ok(p.args[SMWB]) && ok(p.args[CMWB]) {
                0
            } else {
                -1
            }
        }
        EXT_CB_PAYLOAD_TX | EXT_CB_PAYLOAD_RX => {
            // SAFETY: `in` is the in/out token pair for these reasons.
            let Some(eb) = (unsafe { (in_ as *mut Ebufs).as_mut() }) else {
                return -1;
            };
            let data: &[u8] = if eb.eb_in.token.is_null() || eb.eb_in.len <= 0 {
                &[]
            } else {
                // SAFETY: the caller's input of eb_in.len bytes.
                unsafe { std::slice::from_raw_parts(eb.eb_in.token, eb.eb_in.len as usize) }
            };
            let pmd = p.pmd.get_or_insert_with(|| {
                Pmd::new(
                    Agreed {
                        tx_window_bits: p.args[SMWB].clamp(9, 15) as u8,
                        tx_no_context_takeover: p.args[SNCT] != 0,
                        rx_no_context_takeover: p.args[CNCT] != 0,
                    },
                    p.args[COMP_LEVEL].clamp(0, 9) as u32,
                )
            });
            let out = if reason == EXT_CB_PAYLOAD_TX {
                match pmd.deflate_fragment(true, data, true) {
                    Some((c, _)) => c,
                    None => return -1,
                }
            } else {
                pmd.push(true, false, data, true);
                let mut all = Vec::new();
                let mut piece = Vec::new();
                loop {
                    match pmd.pull(&mut piece) {
                        Ok(st) => {
                            all.extend_from_slice(&piece);
                            if st == Pulled::MessageDone {
                                break;
                            }
                            if st == Pulled::NeedInput {
                                return -1;
                            }
                        }
                        Err(_) => return -1,
                    }
                }
                all
            };
            p.out = out;
            eb.eb_in.len = 0;
            eb.eb_out.token = p.out.as_mut_ptr();
            eb.eb_out.len = p.out.len() as c_int;
            0
        }
        _ => 0,
    }
}

/// Parses `o` ("name[=value]; ..." up to a comma) against `opts` and sets
/// each option on the extension instance with LWS_EXT_CB_OPTION_SET.
/// 0, or -1 for an unknown option or a value that does not fit it.
#[no_mangle]
pub unsafe extern "C" fn lws_ext_parse_options(
    ext: *const lws_extension,
    wsi: *mut lws,
    ext_user: *mut c_void,
    opts: *const lws_ext_options,
    o: *const c_char,
    len: c_int,
) -> c_int {
    ffi_boundary!("lws_ext_parse_options", {
        if ext.is_null() || opts.is_null() || o.is_null() || len < 0 {
            return -1;
        }
        // SAFETY: the caller's extension, option table (terminated by a
        // NULL name) and `len` bytes of options.
        let (ext, s) = unsafe {
            (
                &*ext,
                std::slice::from_raw_parts(o as *const u8, len as usize),
            )
        };
        let Some(cb) = ext.callback else { return -1 };
        let mut table = Vec::new();
        // SAFETY: as above.
        unsafe {
            let mut p = opts;
            while !(*p).name.is_null() {
                table.push((CStr::from_ptr((*p).name).to_bytes(), (*p).r#type));
                p = p.add(1);
            }
        }
        let s = match s.iter().position(|&c| c == b',') {
            Some(i) => &s[..i],
            None => s,
        };
        // SAFETY: the context of the caller's wsi (or NULL).
        let context = unsafe { wsi_ref(wsi) }.map_or(std::ptr::null_mut(), |w| w.ctx().as_c());
        let base = s.as_ptr();
        let mut at = 0usize;
        for part in s.split(|&c| c == b';') {
            let start = at;
            at += part.len() + 1;
            let lead = part.iter().take_while(|c| c.is_ascii_whitespace()).count();
            let item = part[lead..].trim_ascii_end();
            if item.is_empty() {
                continue;
            }
            let (name, val) = match item.iter().position(|&c| c == b'=') {
                Some(i) => (item[..i].trim_ascii(), Some(&item[i + 1..])),
                None => (item, None),
            };
            let Some(idx) = table.iter().position(|(n, _)| *n == name) else {
                return -1;
            };
            let ty = table[idx].1;
            let mut oa = lws_ext_option_arg {
                option_name: std::ptr::null(),
                option_index: idx as c_int,
                start: std::ptr::null(),
                len: 0,
            };
            match val {
                Some(_) if ty == EXTARG_NONE => return -1,
                None if ty == EXTARG_DEC => return -1,
                Some(v) => {
                    let v0 = v
                        .iter()
                        .take_while(|c| c.is_ascii_whitespace() || **c == b'"')
                        .count();
                    let digits = v[v0..].iter().take_while(|c| c.is_ascii_digit()).count();
                    if digits == 0 {
                        return -1;
                    }
                    let off = start + lead + (v.as_ptr() as usize - item.as_ptr() as usize) + v0;
                    // SAFETY: `off` is inside the caller's buffer.
                    oa.start = unsafe { base.add(off) } as *const c_char;
                    oa.len = digits as c_int;
                }
                None => {}
            }
            // SAFETY: the extension's own callback with the documented
            // OPTION_SET arguments.
            let f: crate::capi::types::lws_extension_callback_raw =
                unsafe { std::mem::transmute(cb) };
            unsafe {
                f(
                    context,
                    ext,
                    wsi,
                    EXT_CB_OPTION_SET,
                    ext_user,
                    &mut oa as *mut lws_ext_option_arg as *mut c_void,
                    0,
                )
            };
        }
        0
    })
}

/// Sets an option of an extension active on `wsi`. For permessage-deflate
/// `compression_level` takes effect on the next message; the RFC 7692
/// parameters are fixed once negotiated. 0, or -1 if the extension is not
/// active on the connection or the option is unknown.
#[no_mangle]
pub unsafe extern "C" fn lws_set_extension_option(
    wsi: *mut lws,
    ext_name: *const c_char,
    opt_name: *const c_char,
    opt_val: *const c_char,
) -> c_int {
    ffi_boundary!("lws_set_extension_option", {
        // SAFETY: caller contract.
        let Some(w) = (unsafe { wsi_ref(wsi) }) else {
            return -1;
        };
        if ext_name.is_null() || opt_name.is_null() {
            return -1;
        }
        // SAFETY: C strings from the caller.
        let (e, o) = unsafe { (CStr::from_ptr(ext_name), CStr::from_ptr(opt_name)) };
        if e.to_bytes() != pmd::NAME.as_bytes() {
            // a user-defined extension: NAMED_OPTION_SET, as lws
            let active = w.user_exts.borrow().iter().copied().find(|a| {
                // SAFETY: an entry of the program's extension list.
                crate::net::ext::ext_name(unsafe { &*a.ext }).as_bytes() == e.to_bytes()
            });
            let Some(a) = active else { return -1 };
            let mut oa = lws_ext_option_arg {
                option_name: opt_name,
                option_index: 0,
                start: opt_val,
                len: 0,
            };
            return w.ext_call(
                a.ext,
                EXT_CB_NAMED_OPTION_SET,
                a.user,
                &mut oa as *mut lws_ext_option_arg as *mut c_void,
                0,
            );
        }
        let mut g = w.pmd.borrow_mut();
        let Some(p) = g.as_mut() else { return -1 };
        // SAFETY: a C string from the caller, or NULL.
        let val = (!opt_val.is_null()).then(|| {
            unsafe { CStr::from_ptr(opt_val) }
                .to_string_lossy()
                .into_owned()
        });
        match o.to_bytes() {
            b"compression_level" => {
                let Some(l) = val
                    .and_then(|v| v.trim().parse::<u32>().ok())
                    .filter(|l| *l <= 9)
                else {
                    return -1;
                };
                p.set_level(l);
                0
            }
            // buffer sizes and zlib's memory level have no effect here
            b"rx_buf_size" | b"tx_buf_size" | b"mem_level" => 0,
            _ => -1,
        }
    })
}

/// The RSV bits (0x70 mask, in position) of the WebSocket frame being
/// received: an extension's way to see, e.g., RSV1.
#[no_mangle]
pub unsafe extern "C" fn lws_get_reserved_bits(wsi: *mut lws) -> c_int {
    ffi_boundary!("lws_get_reserved_bits", {
        // SAFETY: caller contract.
        unsafe { wsi_ref(wsi) }
            .and_then(|w| w.rx.borrow().as_ref().map(|r| c_int::from(r.frame_rsv())))
            .unwrap_or(0)
    })
}
