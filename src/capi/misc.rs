//! Peer addresses and host names (lws-network-helper.h, lws-misc.h).

use std::ffi::{c_char, c_int, CStr};
use std::net::SocketAddr;

use super::context::{ctx_ref, wsi_ref};
use super::types::{lws, lws_context};

fn peer_of(wsi: *mut lws) -> Option<SocketAddr> {
    // SAFETY: caller contract of the exported functions below.
    let w = unsafe { wsi_ref(wsi) }?;
    w.with_stream(|s| s.peer_addr().ok()).flatten()
}

fn ip_text(a: &SocketAddr) -> String {
    match a {
        SocketAddr::V4(v) => v.ip().to_string(),
        SocketAddr::V6(v) => match v.ip().to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => v.ip().to_string(),
        },
    }
}

/// Copies `s` into `buf` of `len` bytes, NUL-terminated and truncated.
fn copy_out(s: &str, buf: *mut c_char, len: usize) -> usize {
    if buf.is_null() || len == 0 {
        return 0;
    }
    let n = s.len().min(len - 1);
    // SAFETY: the caller gave len writable bytes at buf.
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr(), buf as *mut u8, n);
        *buf.add(n) = 0;
    }
    n
}

/// Writes the peer's numeric address into `name`; returns `name`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn lws_get_peer_simple(
    wsi: *mut lws,
    name: *mut c_char,
    namelen: usize,
) -> *const c_char {
    ffi_boundary!("lws_get_peer_simple", {
        match peer_of(wsi) {
            Some(a) if !name.is_null() && namelen > 0 => {
                copy_out(&ip_text(&a), name, namelen);
                name as *const c_char
            }
            _ => std::ptr::null(),
        }
    })
}

/// Writes the peer's host name (or its address when it has none) and
/// numeric address for socket `fd`.
#[no_mangle]
pub unsafe extern "C" fn lws_get_peer_addresses(
    wsi: *mut lws,
    fd: c_int,
    name: *mut c_char,
    name_len: c_int,
    rip: *mut c_char,
    rip_len: c_int,
) {
    ffi_boundary!("lws_get_peer_addresses", {
        if name_len > 0 && !name.is_null() {
            // SAFETY: caller buffer of name_len bytes.
            unsafe { *name = 0 };
        }
        if rip_len > 0 && !rip.is_null() {
            // SAFETY: caller buffer of rip_len bytes.
            unsafe { *rip = 0 };
        }
        let addr = peer_of(wsi).or_else(|| {
            // SAFETY: getpeername on the caller's descriptor into our storage.
            let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
            let mut sl = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
            if fd < 0
                || unsafe {
                    libc::getpeername(fd, &mut ss as *mut _ as *mut libc::sockaddr, &mut sl)
                } != 0
            {
                return None;
            }
            sockaddr_to_std(&ss)
        });
        let Some(a) = addr else { return };
        let ip = ip_text(&a);
        if rip_len > 0 {
            copy_out(&ip, rip, rip_len as usize);
        }
        if name_len > 0 {
            let host = reverse_lookup(&a).unwrap_or(ip);
            copy_out(&host, name, name_len as usize);
        }
    })
}

fn sockaddr_to_std(ss: &libc::sockaddr_storage) -> Option<SocketAddr> {
    match ss.ss_family as c_int {
        libc::AF_INET => {
            // SAFETY: family says this is a sockaddr_in.
            let sin = unsafe { &*(ss as *const _ as *const libc::sockaddr_in) };
            Some(SocketAddr::from((
                u32::from_be(sin.sin_addr.s_addr).to_be_bytes(),
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 => {
            // SAFETY: family says this is a sockaddr_in6.
            let sin6 = unsafe { &*(ss as *const _ as *const libc::sockaddr_in6) };
            Some(SocketAddr::from((
                sin6.sin6_addr.s6_addr,
                u16::from_be(sin6.sin6_port),
            )))
        }
        _ => None,
    }
}

fn reverse_lookup(a: &SocketAddr) -> Option<String> {
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match a {
        SocketAddr::V4(v) => {
            // SAFETY: writing a sockaddr_in into larger storage.
            let sin = unsafe { &mut *(&mut ss as *mut _ as *mut libc::sockaddr_in) };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_addr.s_addr = u32::from(*v.ip()).to_be();
            std::mem::size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(v) => {
            // SAFETY: writing a sockaddr_in6 into larger storage.
            let sin6 = unsafe { &mut *(&mut ss as *mut _ as *mut libc::sockaddr_in6) };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_addr.s6_addr = v.ip().octets();
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    let mut host = [0 as c_char; 256];
    // SAFETY: getnameinfo with our storage and output buffer.
    let r = unsafe {
        libc::getnameinfo(
            &ss as *const _ as *const libc::sockaddr,
            len as libc::socklen_t,
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            std::ptr::null_mut(),
            0,
            libc::NI_NAMEREQD,
        )
    };
    if r != 0 {
        return None;
    }
    // SAFETY: getnameinfo NUL-terminated it.
    Some(
        unsafe { CStr::from_ptr(host.as_ptr()) }
            .to_string_lossy()
            .into_owned(),
    )
}

/// The host name of the machine, as found at context creation.
#[no_mangle]
pub unsafe extern "C" fn lws_canonical_hostname(context: *mut lws_context) -> *const c_char {
    ffi_boundary!("lws_canonical_hostname", {
        // SAFETY: caller contract.
        match unsafe { ctx_ref(context) } {
            Some(c) => c.canonical_hostname.as_ptr(),
            None => std::ptr::null(),
        }
    })
}

/// Finds option `val` in argv (searching from the end): returns the next
/// argument for `-x value`, the text after `=` for `-x=value`, the rest
/// for `-xvalue`, or NULL when absent.
#[no_mangle]
pub unsafe extern "C" fn lws_cmdline_option(
    argc: c_int,
    argv: *const *const c_char,
    val: *const c_char,
) -> *const c_char {
    ffi_boundary!("lws_cmdline_option", {
        if argv.is_null() || val.is_null() {
            return std::ptr::null();
        }
        // SAFETY: argv has argc entries of C strings, val is a C string.
        unsafe {
            let v = CStr::from_ptr(val).to_bytes();
            let n = v.len();
            let mut c = argc;
            while {
                c -= 1;
                c > 0
            } {
                let a = *argv.add(c as usize);
                if a.is_null() {
                    continue;
                }
                let ab = CStr::from_ptr(a).to_bytes();
                if ab.len() >= n && &ab[..n] == v {
                    if ab.len() == n && c < argc - 1 {
                        let next = *argv.add(c as usize + 1);
                        if next.is_null() || CStr::from_ptr(next).to_bytes().len() > 1024 {
                            return std::ptr::null();
                        }
                        return next;
                    }
                    if ab.get(n) == Some(&b'=') {
                        return a.add(n + 1);
                    }
                    return a.add(n);
                }
            }
            std::ptr::null()
        }
    })
}

extern "C" fn ignore_signal(_: c_int) {}

/// The options every lws example understands: `-d <loglevel>` (else
/// user, error, warning and notice logs), `--udp-tx-loss <percent>`,
/// `--udp-rx-loss <percent>` (into `info`) and `--ignore-sigterm`.
#[no_mangle]
pub unsafe extern "C" fn lws_cmdline_option_handle_builtin(
    argc: c_int,
    argv: *const *const c_char,
    info: *mut super::types::lws_context_creation_info,
) {
    ffi_boundary!("lws_cmdline_option_handle_builtin", {
        let opt = |name: &CStr| -> Option<c_int> {
            // SAFETY: caller's argv; the result points into it.
            let p = unsafe { lws_cmdline_option(argc, argv, name.as_ptr()) };
            // SAFETY: a C string inside argv.
            (!p.is_null()).then(|| unsafe { libc::atoi(p) })
        };
        let mut logs = super::log::LLL_USER
            | super::log::LLL_ERR
            | super::log::LLL_WARN
            | super::log::LLL_NOTICE;
        if let Some(l) = opt(c"-d") {
            logs = l;
        }
        // SAFETY: caller's creation info, when given.
        if let Some(info) = unsafe { info.as_mut() } {
            if let Some(pc) = opt(c"--udp-tx-loss") {
                info.udp_loss_sim_tx_pc = pc as u8;
            }
            if let Some(pc) = opt(c"--udp-rx-loss") {
                info.udp_loss_sim_rx_pc = pc as u8;
            }
        }
        if opt(c"--ignore-sigterm").is_some() {
            // SAFETY: a handler that does nothing is async-signal-safe.
            unsafe {
                libc::signal(
                    libc::SIGTERM,
                    ignore_signal as extern "C" fn(c_int) as libc::sighandler_t,
                );
            }
        }
        super::log::lws_set_log_level(logs, None);
    })
}

/// With LWS_SERVER_OPTION_EXPLICIT_VHOSTS: drops to the configured user
/// and group once the vhosts are listening. 0, or 1 on failure.
#[no_mangle]
pub unsafe extern "C" fn lws_finalize_startup(context: *mut super::types::lws_context) -> c_int {
    ffi_boundary!("lws_finalize_startup", {
        // SAFETY: caller contract.
        let Some(c) = (unsafe { super::context::ctx_ref(context) }) else {
            return 1;
        };
        c.finalize_startup()
    })
}

/// The user and group ids the context runs as after startup.
#[no_mangle]
pub unsafe extern "C" fn lws_get_effective_uid_gid(
    context: *mut super::types::lws_context,
    uid: *mut c_int,
    gid: *mut c_int,
) {
    ffi_boundary!("lws_get_effective_uid_gid", {
        // SAFETY: caller contract.
        let Some(c) = (unsafe { super::context::ctx_ref(context) }) else {
            return;
        };
        // SAFETY: caller contract: writable ints.
        unsafe {
            if !uid.is_null() {
                *uid = c.uid.get();
            }
            if !gid.is_null() {
                *gid = c.gid.get();
            }
        }
    })
}

/// What an interface name or address literal gives, as lws_interface_to_sa.
enum Itosa {
    Usable(std::net::IpAddr),
    NotUsable,
    NotExist,
}

/// The first usable address of interface `name` (IPv4, or IPv6 too when
/// `ipv6`), else `name` read as an address literal.
fn interface_or_literal(name: &CStr, ipv6: bool) -> Itosa {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    let mut rc = Itosa::NotExist;
    let mut ifap: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills a list we only read and free below.
    unsafe {
        if libc::getifaddrs(&mut ifap) == 0 {
            let mut p = ifap;
            while !p.is_null() {
                let ifa = &*p;
                p = ifa.ifa_next;
                if ifa.ifa_addr.is_null()
                    || ifa.ifa_name.is_null()
                    || CStr::from_ptr(ifa.ifa_name) != name
                {
                    continue;
                }
                match (*ifa.ifa_addr).sa_family as c_int {
                    // the link exists without an address (yet)
                    libc::AF_PACKET => rc = Itosa::NotUsable,
                    libc::AF_INET => {
                        let sin = &*(ifa.ifa_addr as *const libc::sockaddr_in);
                        let v4 = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
                        rc = Itosa::Usable(IpAddr::V4(v4));
                        break;
                    }
                    libc::AF_INET6 if ipv6 => {
                        let sin6 = &*(ifa.ifa_addr as *const libc::sockaddr_in6);
                        rc = Itosa::Usable(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)));
                        break;
                    }
                    _ => {}
                }
            }
            libc::freeifaddrs(ifap);
        }
    }
    if matches!(rc, Itosa::Usable(_)) {
        return rc;
    }
    let text = name.to_string_lossy();
    if ipv6 {
        if let Ok(a) = text.parse::<Ipv6Addr>() {
            return Itosa::Usable(IpAddr::V6(a));
        }
    }
    match text.parse::<Ipv4Addr>() {
        Ok(a) => Itosa::Usable(IpAddr::V4(a)),
        Err(_) => rc,
    }
}

/// Resolves an interface name or address literal into `addr`: with `ipv6`
/// the address goes (IPv4 ones mapped) into the `sin6_addr` of a
/// `sockaddr_in6`, else a whole `sockaddr_in` (port 0) is written for an
/// interface and only `sin_addr` for a literal, as lws. Returns
/// LWS_ITOSA_USABLE, LWS_ITOSA_NOT_USABLE (the interface has no address)
/// or LWS_ITOSA_NOT_EXIST.
#[no_mangle]
pub unsafe extern "C" fn lws_interface_to_sa(
    ipv6: c_int,
    ifname: *const c_char,
    addr: *mut libc::sockaddr_in,
    addrlen: usize,
) -> c_int {
    ffi_boundary!("lws_interface_to_sa", {
        use super::enums::{LWS_ITOSA_NOT_EXIST, LWS_ITOSA_NOT_USABLE, LWS_ITOSA_USABLE};
        use std::net::IpAddr;
        if ifname.is_null() || addr.is_null() {
            super::log::err("lws_interface_to_sa: NULL ifname or addr");
            return LWS_ITOSA_NOT_EXIST;
        }
        // SAFETY: caller's NUL-terminated name.
        let name = unsafe { CStr::from_ptr(ifname) };
        let from_interface = name.to_string_lossy().parse::<IpAddr>().is_err();
        let ip = match interface_or_literal(name, ipv6 != 0) {
            Itosa::Usable(ip) => ip,
            Itosa::NotUsable => return LWS_ITOSA_NOT_USABLE,
            Itosa::NotExist => return LWS_ITOSA_NOT_EXIST,
        };
        if ipv6 != 0 {
            if addrlen < std::mem::size_of::<libc::sockaddr_in6>() {
                super::log::err("lws_interface_to_sa: addrlen too small for a sockaddr_in6");
                return LWS_ITOSA_NOT_USABLE;
            }
            let v6 = match ip {
                IpAddr::V4(v4) => v4.to_ipv6_mapped(),
                IpAddr::V6(v6) => v6,
            };
            // SAFETY: addrlen covers a sockaddr_in6 at addr.
            unsafe {
                let sin6 = addr as *mut libc::sockaddr_in6;
                (*sin6).sin6_addr.s6_addr = v6.octets();
            }
            return LWS_ITOSA_USABLE;
        }
        let IpAddr::V4(v4) = ip else {
            return LWS_ITOSA_NOT_EXIST;
        };
        if addrlen < std::mem::size_of::<libc::sockaddr_in>() {
            super::log::err("lws_interface_to_sa: addrlen too small for a sockaddr_in");
            return LWS_ITOSA_NOT_USABLE;
        }
        // SAFETY: addrlen covers a sockaddr_in at addr.
        unsafe {
            if from_interface {
                std::ptr::write_bytes(addr, 0, 1);
                (*addr).sin_family = libc::AF_INET as libc::sa_family_t;
            }
            (*addr).sin_addr.s_addr = u32::from(v4).to_be();
        }
        LWS_ITOSA_USABLE
    })
}
