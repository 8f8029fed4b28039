//! The context (one service thread, one mio `Poll`) and its vhosts.

use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::{BinaryHeap, VecDeque};
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Registry, Token, Waker};

use super::wsi::{Sock, Wsi, WsiState};
use super::{cb, opt, CONTEXT_PORT_NO_LISTEN, CONTEXT_PORT_NO_LISTEN_SERVER};
use crate::capi::log;
use crate::capi::types::{
    lws_context_creation_info, lws_dll2_owner, lws_http_mount, lws_protocols, lws_retry_bo_t,
    lws_vhost,
};

const SMD_CLASS_NETWORK: u32 = 1 << 2;

pub(crate) const WAKER_TOKEN: Token = Token(usize::MAX - 1);

/// A scheduled timeout: fires `wsi` (slot, generation) at `at`.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct TimerEntry {
    pub at: std::cmp::Reverse<Instant>,
    pub slot: usize,
    pub gen: u64,
}

pub struct Context {
    pub(crate) poll: RefCell<Poll>,
    pub(crate) registry: Registry,
    pub(crate) events: RefCell<Events>,
    pub(crate) waker: Arc<Waker>,
    pub(crate) cancelled: Arc<AtomicBool>,
    /// The thread that last entered lws_service (pthread_self, 0: none).
    pub(crate) service_tid: AtomicU64,
    /// lws_callback_on_writable() calls from other threads, which 4.1.6
    /// allows: (slot, wsi address), for the service thread to apply.
    pub(crate) foreign_writable: Mutex<Vec<(usize, usize)>>,
    pub(crate) vhosts: RefCell<Vec<Rc<Vhost>>>,
    /// Vhosts destroyed from inside a callback, kept until none can be
    /// in use on the stack.
    pub(crate) vhosts_gone: RefCell<Vec<Rc<Vhost>>>,
    /// Every wsi, indexed by its mio token.
    pub(crate) wsis: RefCell<Vec<Option<Rc<Wsi>>>>,
    pub(crate) free_slots: RefCell<Vec<usize>>,
    /// Wsis with work to do without a new readiness event.
    pub(crate) pending: RefCell<VecDeque<Rc<Wsi>>>,
    /// Wsis to close and free once no callback is on the stack.
    pub(crate) reap: RefCell<Vec<Rc<Wsi>>>,
    pub(crate) timers: RefCell<BinaryHeap<TimerEntry>>,
    pub(crate) rx_buf: RefCell<Vec<u8>>,
    pub(crate) user: *mut c_void,
    pub(crate) options: u64,
    pub(crate) pt_serv_buf_size: usize,
    pub(crate) servicing: Cell<bool>,
    pub(crate) destroying: Cell<bool>,
    pub(crate) depth: Cell<u32>,
    pub(crate) timeout_secs: u32,
    /// `server:` header value; lws sends none unless one is configured.
    pub(crate) server_string: Option<CString>,
    pub(crate) max_http_header_data: usize,
    pub(crate) max_http_header_pool: usize,
    pub(crate) serial: Cell<u64>,
    pub(crate) canonical_hostname: CString,
    /// The context's keepalive policy (ping, hangup seconds): lws's 300/310
    /// unless info.retry_and_idle_policy sets them.
    pub(crate) default_validity: (u16, u16),
    /// Kept open to make room for refusing connections when out of fds.
    pub(crate) spare_fd: Cell<i32>,
    /// Per-token value limits (info.token_limits).
    pub(crate) token_limits: Option<Vec<u16>>,
    /// The first service pass has run.
    pub(crate) started: Cell<bool>,
    /// System message distribution (lws_smd_*); usable from any thread.
    pub(crate) smd: super::smd::SmdState,
    /// simultaneous_ssl_restriction (0: none) and the TLS connections open.
    pub(crate) ssl_restriction: usize,
    pub(crate) ssl_count: Cell<usize>,
    /// lws_sul timers: the ordinary list and the wake-from-suspend list.
    /// The links live in the timers' own (often the program's) memory.
    pub(crate) sul_owners: Box<UnsafeCell<[lws_dll2_owner; 2]>>,
    /// The system state manager (lws_system_get_state_manager).
    system_state: Box<UnsafeCell<crate::capi::state::SystemState>>,
    /// The retry policy of connections that were given none (lws's
    /// 1/3/9/17 s backoff, keepalive from info.retry_and_idle_policy).
    pub(crate) default_retry: Box<lws_retry_bo_t>,
    /// The program polls our sockets itself (see net/extpoll.rs).
    pub(crate) ext_poll: Cell<bool>,
    /// Slab slot + 1 of the wsi using each descriptor (0: none).
    pub(crate) fd_slots: RefCell<Vec<u32>>,
    /// Identity to switch to once listening (info.uid/gid or the names
    /// info.username/groupname resolve to; 0 or -1: unchanged).
    pub(crate) uid: Cell<c_int>,
    pub(crate) gid: Cell<c_int>,
    pub(crate) finalized: Cell<bool>,
    /// The file operations files are served through (lws_get_fops).
    pub(crate) fops: super::vfs::Fops,
}

/// lws's default backoff table, in ms.
static DEFAULT_BACKOFF_MS: [u32; 4] = [1000, 3000, 9000, 17000];

/// A vhost: a protocol table, mounts and optionally a listening socket.
// ctx, name and user are kept for the vhost query API (lws_get_vhost_name, ...)
#[allow(dead_code)]
pub struct Vhost {
    pub(crate) ctx: *const Context,
    pub(crate) name: CString,
    /// The vhost's own copy of the protocol table (lws_adjust_protocol_psds
    /// writes to it, as lws does to its copy).
    pub(crate) protocols: ProtoTable,
    /// Per-vhost options (info.pvo) and per-protocol private data
    /// (lws_protocol_vh_priv_zalloc); replaced allocations are kept until
    /// the vhost goes, since the program may still hold them.
    pub(crate) pvo: *const crate::capi::types::lws_protocol_vhost_options,
    pub(crate) vh_privs: RefCell<Vec<*mut c_void>>,
    pub(crate) vh_privs_old: RefCell<Vec<*mut c_void>>,
    /// lws_vhost_destroy was called from a callback: finish after the pass.
    pub(crate) doomed: Cell<bool>,
    /// Protocol for raw connections (pvo "raw", else 0), and the one
    /// info.listen_accept_protocol names for accepted raw sockets.
    pub(crate) raw_protocol: usize,
    pub(crate) listen_accept_protocol: Option<CString>,
    /// TCP keepalive of the vhost's connections (ka_time, ka_interval,
    /// ka_probes), when info.ka_time is set.
    pub(crate) tcp_keepalive: Option<(c_int, c_int, c_int)>,
    /// info.bind_iface: sockets are bound to the device named by iface.
    pub(crate) bind_iface: bool,
    /// The vhost made the unix socket at the path in iface.
    pub(crate) unix_listening: Cell<bool>,
    /// Per-protocol pseudo wsi used for vhost-wide callbacks.
    pub(crate) proto_wsi: RefCell<Vec<Rc<Wsi>>>,
    pub(crate) mounts: *const lws_http_mount,
    pub(crate) listen_port: Cell<i32>,
    pub(crate) listener: RefCell<Option<Rc<Wsi>>>,
    pub(crate) options: u64,
    pub(crate) user: *mut c_void,
    pub(crate) iface: Option<CString>,
    pub(crate) protocols_inited: Cell<bool>,
    pub(crate) keepalive_timeout: u32,
    /// Seconds an HTTP/2 connection may sit without streams (4.1.6: the
    /// keepalive_timeout, else 31).
    pub(crate) h2_idle_secs: u32,
    /// HTTP proxy for client connections (http_proxy_address, $http_proxy
    /// or lws_set_proxy).
    pub(crate) proxy: RefCell<Option<super::client::Proxy>>,
    /// Keepalive policy of the vhost's connections (ping, hangup seconds).
    pub(crate) validity: (u16, u16),
    /// Seconds a client connect may take (info.connect_timeout_secs).
    pub(crate) connect_timeout_secs: u32,
    /// HTTP/2 settings we announce (info.http2_settings when its [0] is set).
    pub(crate) h2_config: crate::proto::h2conn::H2Config,
    /// Headers added to every response (info.headers).
    pub(crate) headers: *const crate::capi::types::lws_protocol_vhost_options,
    pub(crate) error_document_404: Option<String>,
    /// Protocol for upgrades that name none (pvo "default", else 0).
    pub(crate) default_protocol: usize,
    pub(crate) tls: super::tls::VhostTls,
    /// The client offer of permessage-deflate when info.extensions lists
    /// lws_extension_callback_pm_deflate (servers then accept it too).
    pub(crate) pmd_offer: Option<String>,
    /// User-defined extensions of the vhost (info.extensions entries other
    /// than permessage-deflate), in list order.
    pub(crate) user_exts: Vec<*const crate::capi::types::lws_extension>,
    /// Retry and idle policy of the vhost's connections.
    pub(crate) retry_policy: *const lws_retry_bo_t,
    /// info.finalize and its argument: called once, as the vhost goes.
    pub(crate) finalize: Cell<Option<unsafe extern "C" fn(*mut lws_vhost, *mut c_void)>>,
    pub(crate) finalize_arg: *mut c_void,
}

/// A protocol table the library owns and may write to from C calls.
pub(crate) struct ProtoTable {
    ptr: *mut lws_protocols,
    len: usize,
}

impl ProtoTable {
    fn new(v: Vec<lws_protocols>) -> ProtoTable {
        let b = v.into_boxed_slice();
        let len = b.len();
        ProtoTable {
            ptr: Box::into_raw(b) as *mut lws_protocols,
            len,
        }
    }

    /// Entry `i` for writing (no reference to it may be live).
    pub(crate) fn entry_mut(&self, i: usize) -> Option<*mut lws_protocols> {
        // SAFETY: within the allocation.
        (i < self.len).then(|| unsafe { self.ptr.add(i) })
    }
}

impl std::ops::Deref for ProtoTable {
    type Target = [lws_protocols];
    fn deref(&self) -> &[lws_protocols] {
        // SAFETY: allocated in `new` with `len` entries; writes happen only
        // through entry_mut between uses of these references.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Drop for ProtoTable {
    fn drop(&mut self) {
        // SAFETY: the box made in `new`.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(self.ptr, self.len)) });
    }
}

impl Drop for Vhost {
    fn drop(&mut self) {
        // a unix socket's path goes with its vhost, as in lws
        if self.unix_listening.get() {
            if let Some(p) = self.iface.as_deref() {
                if !p.to_bytes().starts_with(b"@") {
                    use std::os::unix::ffi::OsStrExt;
                    let _ = std::fs::remove_file(std::ffi::OsStr::from_bytes(p.to_bytes()));
                }
            }
        }
        for p in self
            .vh_privs
            .get_mut()
            .drain(..)
            .chain(self.vh_privs_old.get_mut().drain(..))
        {
            // SAFETY: calloc'd by lws_protocol_vh_priv_zalloc (or NULL).
            unsafe { libc::free(p) };
        }
    }
}

impl Vhost {
    /// Sets the vhost's TCP keepalive (and, with bind_iface, its device)
    /// on a socket, as lws does for listeners and connections.
    pub(crate) fn apply_socket_options(&self, fd: std::os::fd::RawFd) {
        if self.bind_iface {
            if let Some(dev) = self.iface.as_deref() {
                let b = dev.to_bytes();
                // SAFETY: setsockopt with the interface name's bytes.
                let r = unsafe {
                    libc::setsockopt(
                        fd,
                        libc::SOL_SOCKET,
                        libc::SO_BINDTODEVICE,
                        b.as_ptr() as *const c_void,
                        b.len() as libc::socklen_t,
                    )
                };
                if r != 0 {
                    log::warn(&format!(
                        "Failed to bind to device {}",
                        dev.to_string_lossy()
                    ));
                }
            }
        }
        let Some((idle, intvl, cnt)) = self.tcp_keepalive else {
            return;
        };
        let set = |level: c_int, opt: c_int, v: c_int| {
            // SAFETY: setsockopt with an int on a socket we serve.
            unsafe {
                libc::setsockopt(
                    fd,
                    level,
                    opt,
                    &v as *const c_int as *const c_void,
                    std::mem::size_of::<c_int>() as libc::socklen_t,
                )
            }
        };
        set(libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1);
        // give up on unacknowledged data when keepalive would have
        set(
            libc::IPPROTO_TCP,
            libc::TCP_USER_TIMEOUT,
            1000i32.saturating_mul(idle.saturating_add(intvl.saturating_mul(cnt))),
        );
        set(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, idle);
        set(libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, intvl);
        set(libc::IPPROTO_TCP, libc::TCP_KEEPCNT, cnt);
    }

    /// The pvo options for protocol `name` (what PROTOCOL_INIT gets in `in`).
    pub(crate) fn protocol_pvo(
        &self,
        name: &CStr,
    ) -> *const crate::capi::types::lws_protocol_vhost_options {
        let mut p = self.pvo;
        while !p.is_null() {
            // SAFETY: the program's NULL-terminated list, alive with the vhost.
            let node = unsafe { &*p };
            // SAFETY: as above; names are C strings.
            if !node.name.is_null() && unsafe { CStr::from_ptr(node.name) } == name {
                return node.options;
            }
            p = node.next;
        }
        std::ptr::null()
    }

    /// The end of a vhost: PROTOCOL_DESTROY to its protocols (if they
    /// were initialized), then info.finalize, as 4.1.6 does.
    pub(crate) fn finish(&self) {
        if self.protocols_inited.replace(false) {
            let pws = self.proto_wsi.borrow().clone();
            for w in pws {
                w.dispatch(
                    cb::PROTOCOL_DESTROY,
                    std::ptr::null_mut(),
                    std::ptr::null_mut(),
                    0,
                );
            }
        }
        if let Some(f) = self.finalize.take() {
            // SAFETY: the program's callback, with the vhost (still alive)
            // and the argument it gave.
            unsafe { f(self as *const Vhost as *mut lws_vhost, self.finalize_arg) };
        }
    }

    pub(crate) fn ctx(&self) -> &Context {
        // SAFETY: a vhost lives inside its context.
        unsafe { &*self.ctx }
    }

    /// The owning `Rc` of this vhost.
    pub(crate) fn rc(&self) -> Option<Rc<Vhost>> {
        self.ctx()
            .vhosts
            .borrow()
            .iter()
            .find(|v| std::ptr::eq(Rc::as_ptr(v), self))
            .cloned()
    }
}

/// The vhost's proxy: info.http_proxy_address (with http_proxy_port), else
/// the http_proxy environment variable, as lws does.
fn vhost_proxy(info: &lws_context_creation_info) -> Option<super::client::Proxy> {
    let (s, port) = match opt_cstr(info.http_proxy_address) {
        Some(a) => (
            a.to_string_lossy().into_owned(),
            info.http_proxy_port as u16,
        ),
        None => (std::env::var("http_proxy").ok()?, 0),
    };
    match super::client::parse_proxy(&s, port) {
        Ok(p) => Some(p),
        Err(e) => {
            log::err(&format!("{e}: '{s}'"));
            None
        }
    }
}

/// Event libraries (libuv, libev, libevent, glib) are not supported: a
/// context asking for one is refused rather than run on a loop the
/// program does not expect.
fn refuse_event_libs(info: &lws_context_creation_info) -> io::Result<()> {
    const LIBS: [(u64, &str); 4] = [
        (1 << 4, "libev"),
        (1 << 10, "libuv"),
        (1 << 21, "libevent"),
        (1 << 33, "glib"),
    ];
    for (bit, name) in LIBS {
        if info.options & bit != 0 {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("the {name} event loop is not supported by lws-rs (use lws_service or lws_service_fd)"),
            ));
        }
    }
    if !info.foreign_loops.is_null() {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "foreign_loops needs an event library, which lws-rs does not support",
        ));
    }
    Ok(())
}

/// "user:group" (names) as ids, for unix_socket_perms.
fn user_colon_group(s: &str) -> io::Result<(c_int, c_int)> {
    let (u, g) = s
        .split_once(':')
        .ok_or_else(|| io::Error::other(format!("Failed to translate {s}")))?;
    let (u, g) = (
        CString::new(u).map_err(io::Error::other)?,
        CString::new(g).map_err(io::Error::other)?,
    );
    // SAFETY: lookups with C strings; results read at once.
    unsafe {
        let pw = libc::getpwnam(u.as_ptr());
        let gr = libc::getgrnam(g.as_ptr());
        if pw.is_null() || gr.is_null() {
            return Err(io::Error::other(format!("Failed to translate {s}")));
        }
        Ok(((*pw).pw_uid as c_int, (*gr).gr_gid as c_int))
    }
}

/// The (ping, hangup) seconds of a retry policy, if it sets them.
pub(crate) fn policy_validity(p: *const crate::capi::types::lws_retry_bo_t) -> Option<(u16, u16)> {
    if p.is_null() {
        return None;
    }
    // SAFETY: a policy owned by the program for the object's life.
    let p = unsafe { &*p };
    (p.secs_since_valid_ping != 0).then_some((p.secs_since_valid_ping, p.secs_since_valid_hangup))
}

/// Reads a C string that may be NULL.
pub(crate) fn opt_cstr(p: *const c_char) -> Option<CString> {
    if p.is_null() {
        None
    } else {
        // SAFETY: lws API strings are NUL-terminated and live during the call.
        Some(unsafe { CStr::from_ptr(p) }.to_owned())
    }
}

impl Context {
    /// Creates a context from `info`, and its default vhost unless
    /// `LWS_SERVER_OPTION_EXPLICIT_VHOSTS` is set.
    pub fn create(info: &lws_context_creation_info) -> io::Result<Box<Context>> {
        refuse_event_libs(info)?;
        let poll = Poll::new()?;
        let registry = poll.registry().try_clone()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKER_TOKEN)?);
        let pt = if info.pt_serv_buf_size == 0 {
            4096
        } else {
            info.pt_serv_buf_size as usize
        };
        let server_string = opt_cstr(info.server_string);
        let ctx = Box::new(Context {
            poll: RefCell::new(poll),
            registry,
            events: RefCell::new(Events::with_capacity(1024)),
            waker,
            cancelled: Arc::new(AtomicBool::new(false)),
            service_tid: AtomicU64::new(0),
            foreign_writable: Mutex::new(Vec::new()),
            vhosts: RefCell::new(Vec::new()),
            vhosts_gone: RefCell::new(Vec::new()),
            wsis: RefCell::new(Vec::new()),
            free_slots: RefCell::new(Vec::new()),
            pending: RefCell::new(VecDeque::new()),
            reap: RefCell::new(Vec::new()),
            timers: RefCell::new(BinaryHeap::new()),
            // read buffer: large reads, one slack byte to NUL-terminate a
            // delivered chunk in place
            rx_buf: RefCell::new(vec![0u8; (pt.max(65536)) + 1]),
            user: info.user,
            options: info.options,
            pt_serv_buf_size: pt,
            servicing: Cell::new(false),
            destroying: Cell::new(false),
            depth: Cell::new(0),
            timeout_secs: if info.timeout_secs == 0 {
                20
            } else {
                info.timeout_secs
            },
            server_string,
            // the larger of the two fields; lws's default is 4096
            max_http_header_data: match (
                info.max_http_header_data as usize,
                info.max_http_header_data2 as usize,
            ) {
                (0, 0) => 4096,
                (a, b) => a.max(b),
            },
            max_http_header_pool: 64,
            serial: Cell::new(0),
            canonical_hostname: hostname(),
            started: Cell::new(false),
            default_validity: policy_validity(info.retry_and_idle_policy).unwrap_or((300, 310)),
            // SAFETY: opening /dev/null; closed in Drop.
            spare_fd: Cell::new(unsafe {
                libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC)
            }),
            token_limits: if info.token_limits.is_null() {
                None
            } else {
                // SAFETY: the program's token limit table, read once.
                Some(unsafe { (*info.token_limits).token_limit.to_vec() })
            },
            smd: Default::default(),
            ssl_restriction: info.simultaneous_ssl_restriction.max(0) as usize,
            ssl_count: Cell::new(0),
            ext_poll: Cell::new(false),
            finalized: Cell::new(false),
            fops: super::vfs::Fops::new(info.fops),
            uid: Cell::new(info.uid),
            gid: Cell::new(info.gid),
            fd_slots: RefCell::new(Vec::new()),
            sul_owners: Box::new(UnsafeCell::new(
                [lws_dll2_owner {
                    tail: std::ptr::null_mut(),
                    head: std::ptr::null_mut(),
                    count: 0,
                }; 2],
            )),
            system_state: Box::new(UnsafeCell::new(*crate::capi::state::SystemState::new(
                std::ptr::null_mut(),
            ))),
            default_retry: {
                let (ping, hangup) =
                    policy_validity(info.retry_and_idle_policy).unwrap_or((300, 310));
                Box::new(lws_retry_bo_t {
                    retry_ms_table: DEFAULT_BACKOFF_MS.as_ptr(),
                    retry_ms_table_count: DEFAULT_BACKOFF_MS.len() as u16,
                    conceal_count: DEFAULT_BACKOFF_MS.len() as u16,
                    secs_since_valid_ping: ping,
                    secs_since_valid_hangup: hangup,
                    jitter_percent: 20,
                })
            },
        });
        // as lws: a peer that vanishes must not kill the process on write
        // SAFETY: setting a signal disposition to ignore.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
        // lws's context listens to network-class messages itself, so
        // those can always be allocated
        ctx.smd
            .register(std::ptr::null_mut(), SMD_CLASS_NETWORK, None);
        if info.early_smd_cb.is_some() {
            ctx.smd.register(
                info.early_smd_opaque,
                info.early_smd_class_filter,
                info.early_smd_cb,
            );
        }
        // SAFETY: the state is boxed in the context, as is the timer list;
        // the notifier links are the program's, live while registered.
        unsafe {
            let st = &mut *ctx.system_state.get();
            st.mgr.context = ctx.as_c();
            st.mgr.parent = ctx.as_c() as *mut std::ffi::c_void;
            st.start(info.register_notifier_list, ctx.sul_owner(false));
        }
        if !info.pcontext.is_null() {
            // SAFETY: the caller asked us to store the context pointer there.
            unsafe { *info.pcontext = ctx.as_c() };
        }
        ctx.resolve_identity(info)?;
        if info.options & opt::EXPLICIT_VHOSTS == 0 {
            ctx.create_vhost(info)?;
            // listening: the privileges are no longer needed
            ctx.drop_privileges()?;
        }
        Ok(ctx)
    }

    pub(crate) fn system_state_mgr(&self) -> *mut crate::capi::types::lws_state_manager {
        // SAFETY: the boxed state lives as long as the context.
        unsafe { &mut (*self.system_state.get()).mgr }
    }

    pub fn as_c(&self) -> *mut crate::capi::types::lws_context {
        self as *const Context as *mut crate::capi::types::lws_context
    }

    /// Turns info.groupname/username into ids, as lws does at creation.
    fn resolve_identity(&self, info: &lws_context_creation_info) -> io::Result<()> {
        if let Some(g) = opt_cstr(info.groupname) {
            // SAFETY: getgrnam with a C string; the result is read at once.
            let gr = unsafe { libc::getgrnam(g.as_ptr()) };
            if gr.is_null() {
                return Err(io::Error::other(format!(
                    "unknown groupname '{}'",
                    g.to_string_lossy()
                )));
            }
            // SAFETY: non-NULL result of getgrnam.
            self.gid.set(unsafe { (*gr).gr_gid } as c_int);
        }
        if let Some(u) = opt_cstr(info.username) {
            // SAFETY: as above, for getpwnam.
            let pw = unsafe { libc::getpwnam(u.as_ptr()) };
            if pw.is_null() {
                return Err(io::Error::other(format!(
                    "unknown username {}",
                    u.to_string_lossy()
                )));
            }
            // SAFETY: non-NULL result of getpwnam.
            self.uid.set(unsafe { (*pw).pw_uid } as c_int);
        }
        Ok(())
    }

    /// lws_finalize_startup: with explicit vhosts, privileges go now.
    pub(crate) fn finalize_startup(&self) -> c_int {
        if self.options & opt::EXPLICIT_VHOSTS != 0 && !self.finalized.replace(true) {
            if let Err(e) = self.drop_privileges() {
                log::err(&e.to_string());
                return 1;
            }
        }
        0
    }

    /// Switches to the configured group and user (lws leaves 0 and -1
    /// alone).
    pub(crate) fn drop_privileges(&self) -> io::Result<()> {
        let (uid, gid) = (self.uid.get(), self.gid.get());
        if gid != 0 && gid != -1 {
            // SAFETY: plain libc calls with an id.
            unsafe {
                let gr = libc::getgrgid(gid as libc::gid_t);
                if gr.is_null() {
                    return Err(io::Error::other(format!("cannot find name for gid {gid}")));
                }
                if libc::setgid(gid as libc::gid_t) != 0 {
                    return Err(io::Error::other(format!(
                        "setgid: {} failed",
                        io::Error::last_os_error()
                    )));
                }
                log::notice(&format!(
                    "effective group '{}'",
                    CStr::from_ptr((*gr).gr_name).to_string_lossy()
                ));
            }
        }
        if uid != 0 && uid != -1 {
            // SAFETY: plain libc calls with an id and the passwd entry's name.
            unsafe {
                let pw = libc::getpwuid(uid as libc::uid_t);
                if pw.is_null() {
                    return Err(io::Error::other(format!(
                        "getpwuid: unable to find uid {uid}"
                    )));
                }
                let name = CStr::from_ptr((*pw).pw_name).to_owned();
                if libc::initgroups(name.as_ptr(), gid as libc::gid_t) != 0 {
                    return Err(io::Error::other("initgroups failed"));
                }
                if libc::setuid(uid as libc::uid_t) != 0 {
                    return Err(io::Error::other(format!(
                        "setuid: {} failed",
                        io::Error::last_os_error()
                    )));
                }
                log::notice(&format!("effective user '{}'", name.to_string_lossy()));
            }
        }
        Ok(())
    }

    /// The lws_sul list for ordinary timers, or for those that may wake the
    /// system from suspend.
    pub(crate) fn sul_owner(&self, wakeable: bool) -> *mut lws_dll2_owner {
        // SAFETY: the array lives as long as the context; only raw pointers
        // to it are handed out.
        unsafe { (self.sul_owners.get() as *mut lws_dll2_owner).add(wakeable as usize) }
    }

    /// Runs the due lws_sul timers; returns microseconds until the next.
    pub(crate) fn run_suls(&self) -> crate::capi::types::lws_usec_t {
        let now = crate::capi::smd::lws_now_usecs();
        // SAFETY: the context's owners; their elements are live timers
        // (the program's, or those of live wsis, unlinked when they close).
        unsafe { crate::capi::sul::service_ripe(self.sul_owner(false), 2, now) }
    }

    pub(crate) fn next_serial(&self) -> u64 {
        let s = self.serial.get() + 1;
        self.serial.set(s);
        s
    }

    /// Creates a vhost, binds its listener and initializes its protocols.
    pub fn create_vhost(&self, info: &lws_context_creation_info) -> io::Result<Rc<Vhost>> {
        let mut protocols = Vec::new();
        if !info.protocols.is_null() {
            let mut p = info.protocols;
            // SAFETY: the table is terminated by an entry without callback.
            unsafe {
                while (*p).callback.is_some() {
                    protocols.push(*p);
                    p = p.add(1);
                }
            }
        } else if !info.pprotocols.is_null() {
            // the same table given as pointers, NULL-terminated
            let mut pp = info.pprotocols;
            // SAFETY: a NULL-terminated array of valid protocol pointers.
            unsafe {
                while !(*pp).is_null() && (**pp).callback.is_some() {
                    protocols.push(**pp);
                    pp = pp.add(1);
                }
            }
        }
        if protocols.is_empty() {
            protocols.push(crate::capi::service::default_http_protocol());
        }
        let default_protocol = pvo_flagged_protocol(info.pvo, &protocols, c"default");
        let raw_protocol = pvo_flagged_protocol(info.pvo, &protocols, c"raw");
        let vh = Rc::new(Vhost {
            ctx: self as *const Context,
            name: opt_cstr(info.vhost_name).unwrap_or_else(|| c"default".to_owned()),
            vh_privs: RefCell::new(vec![std::ptr::null_mut(); protocols.len()]),
            vh_privs_old: RefCell::new(Vec::new()),
            doomed: Cell::new(false),
            raw_protocol,
            listen_accept_protocol: opt_cstr(info.listen_accept_protocol),
            bind_iface: info.bind_iface != 0,
            unix_listening: Cell::new(false),
            tcp_keepalive: (info.ka_time != 0).then_some((
                info.ka_time,
                info.ka_interval,
                info.ka_probes,
            )),
            pvo: info.pvo,
            protocols: ProtoTable::new(protocols),
            proto_wsi: RefCell::new(Vec::new()),
            mounts: info.mounts,
            listen_port: Cell::new(0),
            listener: RefCell::new(None),
            options: info.options | self.options,
            user: info.user,
            iface: opt_cstr(info.iface),
            protocols_inited: Cell::new(false),
            keepalive_timeout: if info.keepalive_timeout == 0 {
                5
            } else {
                info.keepalive_timeout as u32
            },
            h2_idle_secs: if info.keepalive_timeout == 0 {
                31
            } else {
                info.keepalive_timeout as u32
            },
            default_protocol,
            headers: info.headers,
            connect_timeout_secs: info.connect_timeout_secs,
            h2_config: super::h2::config_from(&info.http2_settings),
            proxy: RefCell::new(vhost_proxy(info)),
            validity: if info.retry_and_idle_policy.is_null() {
                self.default_validity
            } else {
                // SAFETY: the program's policy, read once.
                let p = unsafe { &*info.retry_and_idle_policy };
                (p.secs_since_valid_ping, p.secs_since_valid_hangup)
            },
            error_document_404: opt_cstr(info.error_document_404)
                .map(|s| s.to_string_lossy().into_owned()),
            pmd_offer: crate::capi::ext::vhost_pmd_offer(info.extensions),
            user_exts: crate::capi::ext::vhost_user_exts(info.extensions),
            retry_policy: if info.retry_and_idle_policy.is_null() {
                &*self.default_retry
            } else {
                info.retry_and_idle_policy
            },
            finalize: Cell::new(info.finalize),
            finalize_arg: info.finalize_arg,
            tls: super::tls::VhostTls {
                info_mask: info.ssl_info_event_mask,
                alpn: opt_cstr(info.alpn).map(|s| s.to_string_lossy().into_owned()),
                cert_path: opt_cstr(info.ssl_cert_filepath)
                    .map(|s| s.to_string_lossy().into_owned()),
                key_path: opt_cstr(info.ssl_private_key_filepath)
                    .map(|s| s.to_string_lossy().into_owned()),
                ..Default::default()
            },
        });
        // one pseudo wsi per protocol, for PROTOCOL_INIT and friends
        let pws: Vec<Rc<Wsi>> = (0..vh.protocols.len())
            .map(|i| {
                let w = Wsi::new(self, &vh, Sock::None, WsiState::Pseudo);
                w.protocol.set(i);
                Rc::new(w)
            })
            .collect();
        *vh.proto_wsi.borrow_mut() = pws;

        let listens =
            info.port != CONTEXT_PORT_NO_LISTEN && info.port != CONTEXT_PORT_NO_LISTEN_SERVER;
        if let Err(e) = self.vhost_tls(&vh, info, listens) {
            log::err(&format!(
                "vhost '{}': TLS setup failed: {e}",
                vh.name.to_string_lossy()
            ));
            return Err(io::Error::other(e));
        }
        // a vhost on a port another vhost listens on shares its listener
        let shared = info.port > 0
            && self
                .vhosts
                .borrow()
                .iter()
                .any(|v| v.listen_port.get() == info.port && v.iface == vh.iface);
        if listens && vh.options & opt::UNIX_SOCK != 0 {
            let lw = self.listen_unix(&vh, info)?;
            self.insert_wsi(&lw)?;
            *vh.listener.borrow_mut() = Some(lw);
        } else if shared || !listens {
            // as 4.1.6: a vhost without a listener reports its info.port
            // (CONTEXT_PORT_NO_LISTEN or _NO_LISTEN_SERVER)
            vh.listen_port.set(info.port);
        } else {
            let addr = listen_addr(vh.iface.as_deref(), info.port, vh.options)?;
            let listener = mio::net::TcpListener::bind(addr).or_else(|e| {
                // no IPv6 on this host: fall back to IPv4 any
                if addr.is_ipv6() && vh.iface.is_none() {
                    mio::net::TcpListener::bind(SocketAddr::new(
                        IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                        info.port as u16,
                    ))
                } else {
                    Err(e)
                }
            });
            let listener = match listener {
                Ok(l) => l,
                Err(e) => {
                    log::err(&format!(
                        "ERROR on binding fd to port {} ({}): {}",
                        info.port,
                        vh.iface
                            .as_deref()
                            .map(|s| s.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                        e
                    ));
                    return Err(e);
                }
            };
            vh.apply_socket_options(std::os::fd::AsRawFd::as_raw_fd(&listener));
            vh.listen_port.set(
                listener
                    .local_addr()
                    .map(|a| a.port() as i32)
                    .unwrap_or(info.port),
            );
            let lw = Rc::new(Wsi::new(
                self,
                &vh,
                Sock::Listen(listener),
                WsiState::Listen,
            ));
            self.insert_wsi(&lw)?;
            *vh.listener.borrow_mut() = Some(lw);
            log::notice(&format!(" Listening on port {}", vh.listen_port.get()));
        }
        self.vhosts.borrow_mut().push(vh.clone());
        // as in lws, protocols of vhosts that exist before the first service
        // pass are initialized by that pass
        if self.started.get() {
            self.init_vhost_protocols(&vh);
        }
        Ok(vh)
    }

    /// A listening unix-domain socket at the path in info.iface ("@name"
    /// for the abstract namespace), owned by unix_socket_perms
    /// ("user:group") or the context's uid/gid when those are set.
    fn listen_unix(&self, vh: &Rc<Vhost>, info: &lws_context_creation_info) -> io::Result<Rc<Wsi>> {
        use std::os::unix::ffi::OsStrExt;
        let Some(path) = vh.iface.as_deref() else {
            return Err(io::Error::other(
                "a unix socket vhost needs iface as its path",
            ));
        };
        let bytes = path.to_bytes();
        if bytes.len() >= 108 {
            return Err(io::Error::other(format!(
                "\"{}\" too long for UNIX domain socket",
                path.to_string_lossy()
            )));
        }
        let addr = if let Some(name) = bytes.strip_prefix(b"@") {
            <std::os::unix::net::SocketAddr as std::os::linux::net::SocketAddrExt>::from_abstract_name(name)?
        } else {
            let _ = std::fs::remove_file(std::ffi::OsStr::from_bytes(bytes));
            std::os::unix::net::SocketAddr::from_pathname(std::ffi::OsStr::from_bytes(bytes))?
        };
        let l = mio::net::UnixListener::bind_addr(&addr).map_err(|e| {
            log::err(&format!(
                "ERROR on binding fd to \"{}\" ({e})",
                path.to_string_lossy()
            ));
            e
        })?;
        if !bytes.starts_with(b"@") {
            let (mut uid, mut gid) = (self.uid.get(), self.gid.get());
            if let Some(perms) = opt_cstr(info.unix_socket_perms) {
                (uid, gid) = user_colon_group(&perms.to_string_lossy())?;
            }
            if uid != 0 && gid != 0 && uid != -1 && gid != -1 {
                // SAFETY: chown/chmod on the path we just bound.
                unsafe {
                    if libc::chown(path.as_ptr(), uid as libc::uid_t, gid as libc::gid_t) != 0
                        || libc::chmod(path.as_ptr(), 0o660) != 0
                    {
                        return Err(io::Error::other(format!(
                            "failed to set {} perms {uid}:{gid}",
                            path.to_string_lossy()
                        )));
                    }
                }
            }
        }
        vh.unix_listening.set(!bytes.starts_with(b"@"));
        log::notice(&format!(" Listening on \"{}\"", path.to_string_lossy()));
        Ok(Rc::new(Wsi::new(
            self,
            vh,
            Sock::UnixListen(l),
            WsiState::Listen,
        )))
    }

    /// PROTOCOL_INIT for each protocol of `vh`, once.
    pub(crate) fn init_vhost_protocols(&self, vh: &Rc<Vhost>) {
        if vh.protocols_inited.replace(true) {
            return;
        }
        let pws = vh.proto_wsi.borrow().clone();
        for (i, w) in pws.iter().enumerate() {
            let name = vh.protocols[i].name;
            if name.is_null() {
                continue;
            }
            // SAFETY: protocol names are C strings.
            let name = unsafe { CStr::from_ptr(name) };
            let pvo = vh.protocol_pvo(name);
            if w.dispatch(
                cb::PROTOCOL_INIT,
                pvo as *mut c_void,
                std::ptr::null_mut(),
                0,
            ) != 0
            {
                let p = std::mem::replace(&mut vh.vh_privs.borrow_mut()[i], std::ptr::null_mut());
                // SAFETY: calloc'd by lws_protocol_vh_priv_zalloc, or NULL.
                unsafe { libc::free(p) };
                log::err(&format!("protocol {} failed init", name.to_string_lossy()));
                return;
            }
        }
    }

    /// Puts `w` in the slab and registers its socket with mio.
    pub(crate) fn insert_wsi(&self, w: &Rc<Wsi>) -> io::Result<()> {
        let slot = {
            let mut wsis = self.wsis.borrow_mut();
            match self.free_slots.borrow_mut().pop() {
                Some(s) => {
                    wsis[s] = Some(w.clone());
                    s
                }
                None => {
                    wsis.push(Some(w.clone()));
                    wsis.len() - 1
                }
            }
        };
        w.slot.set(slot);
        let r = match &*w.sock.borrow() {
            Sock::Listen(_) | Sock::UnixListen(_) => {
                self.registry
                    .register(&mut SourceFd(&w.fd()), Token(slot), Interest::READABLE)
            }
            Sock::Stream(_) | Sock::Unix(_) | Sock::File(_) => self.registry.register(
                &mut SourceFd(&w.fd()),
                Token(slot),
                Interest::READABLE | Interest::WRITABLE,
            ),
            Sock::None => Ok(()),
        };
        if r.is_err() {
            self.wsis.borrow_mut()[slot] = None;
            self.free_slots.borrow_mut().push(slot);
            return r;
        }
        if let Ok(fd) = usize::try_from(w.fd()) {
            let mut m = self.fd_slots.borrow_mut();
            if m.len() <= fd {
                m.resize(fd + 1, 0);
            }
            m[fd] = slot as u32 + 1;
        }
        w.ext_add();
        r
    }

    pub(crate) fn remove_wsi(&self, w: &Wsi) {
        let slot = w.slot.get();
        if matches!(&*w.sock.borrow(), Sock::None) {
            // HTTP/2 streams and queued client requests are in the slab
            // without a socket
            let mut wsis = self.wsis.borrow_mut();
            if let Some(Some(x)) = wsis.get(slot) {
                if std::ptr::eq(Rc::as_ptr(x), w) {
                    wsis[slot] = None;
                    self.free_slots.borrow_mut().push(slot);
                }
            }
            return;
        }
        w.ext_del();
        let fd = w.fd();
        let _ = self.registry.deregister(&mut SourceFd(&fd));
        if let Ok(i) = usize::try_from(fd) {
            let mut m = self.fd_slots.borrow_mut();
            // only if still ours: a newer wsi may have the descriptor now
            if m.get(i) == Some(&(slot as u32 + 1)) {
                m[i] = 0;
            }
        }
        let mut wsis = self.wsis.borrow_mut();
        if let Some(Some(x)) = wsis.get(slot) {
            if std::ptr::eq(Rc::as_ptr(x), w) {
                wsis[slot] = None;
                self.free_slots.borrow_mut().push(slot);
            }
        }
    }

    pub(crate) fn wsi_at(&self, slot: usize) -> Option<Rc<Wsi>> {
        self.wsis.borrow().get(slot).and_then(|w| w.clone())
    }

    /// Marks `w` as needing service without a readiness event.
    pub(crate) fn schedule(&self, w: &Rc<Wsi>) {
        if !w.scheduled.replace(true) {
            self.pending.borrow_mut().push_back(w.clone());
        }
    }

    /// Thread-safe: wakes the service loop, which then issues
    /// `LWS_CALLBACK_EVENT_WAIT_CANCELLED` to every protocol.
    pub fn cancel_service(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        let _ = self.waker.wake();
    }

    /// Calls `reason` on every protocol of every vhost (pseudo wsi).
    pub(crate) fn callback_all_protocols(&self, reason: c_int) {
        let vhs = self.vhosts.borrow().clone();
        for vh in vhs {
            let pws = vh.proto_wsi.borrow().clone();
            for w in pws {
                w.dispatch(reason, std::ptr::null_mut(), std::ptr::null_mut(), 0);
            }
        }
    }

    /// lws_vhost_destroy: closes the vhost's connections (its listener
    /// passes to a vhost sharing the port), ends its protocols and frees
    /// it. From inside a callback, a vhost with connections finishes after
    /// the service pass; one without goes at once, as in 4.1.6.
    pub(crate) fn destroy_vhost(&self, vh: &Rc<Vhost>) {
        let conns: Vec<Rc<Wsi>> = self
            .wsis
            .borrow()
            .iter()
            .flatten()
            .filter(|w| {
                std::ptr::eq(w.vhost.get(), Rc::as_ptr(vh))
                    && !matches!(w.state.get(), WsiState::Listen | WsiState::Dead)
            })
            .cloned()
            .collect();
        let nested = self.depth.get() > 0;
        if nested && !conns.is_empty() {
            vh.doomed.set(true);
            return;
        }
        for w in &conns {
            w.close_now(false);
        }
        if !nested {
            self.reap_closed();
        }
        if let Some(lw) = vh.listener.borrow_mut().take() {
            let heir = self
                .vhosts
                .borrow()
                .iter()
                .find(|v| {
                    !Rc::ptr_eq(v, vh)
                        && !v.doomed.get()
                        && v.listen_port.get() == vh.listen_port.get()
                        && v.iface == vh.iface
                })
                .cloned();
            match heir {
                Some(h) => {
                    lw.vhost_set(&h);
                    *h.listener.borrow_mut() = Some(lw);
                }
                None => lw.close_now(false),
            }
        }
        vh.finish();
        self.vhosts.borrow_mut().retain(|v| !Rc::ptr_eq(v, vh));
        if nested {
            // callbacks on the stack may still hold pointers into it
            self.vhosts_gone.borrow_mut().push(vh.clone());
        }
    }

    /// After an API call ran user callbacks outside the service loop: do
    /// the closes they asked for now (inside the loop, the loop does).
    pub(crate) fn after_api_callbacks(&self) {
        if self.depth.get() == 0 && !self.servicing.get() {
            self.reap_closed();
            drop(std::mem::take(&mut *self.vhosts_gone.borrow_mut()));
        }
    }

    /// Finishes lws_vhost_destroy calls made from callbacks.
    pub(crate) fn destroy_doomed_vhosts(&self) {
        drop(std::mem::take(&mut *self.vhosts_gone.borrow_mut()));
        let doomed: Vec<Rc<Vhost>> = self
            .vhosts
            .borrow()
            .iter()
            .filter(|v| v.doomed.get())
            .cloned()
            .collect();
        for vh in doomed {
            self.destroy_vhost(&vh);
        }
    }

    /// Closes every connection, then destroys protocols and vhosts.
    pub fn destroy(&self) {
        if self.destroying.replace(true) {
            return;
        }
        // the notifiers hear the system leave its operational state first
        // SAFETY: our own boxed manager.
        unsafe {
            crate::capi::state::lws_state_transition(
                self.system_state_mgr(),
                crate::capi::state::SYSTATE_POLICY_INVALID,
            );
        }
        let all: Vec<Rc<Wsi>> = self.wsis.borrow().iter().flatten().cloned().collect();
        for w in all
            .iter()
            .filter(|w| !matches!(w.state.get(), WsiState::Listen))
        {
            w.close_now(false);
        }
        // listeners last, the newest first, as lws
        for w in all
            .iter()
            .rev()
            .filter(|w| matches!(w.state.get(), WsiState::Listen))
        {
            w.close_now(false);
        }
        self.reap_closed();
        let vhs: Vec<Rc<Vhost>> = self.vhosts.borrow().clone();
        for vh in &vhs {
            vh.finish();
        }
        self.vhosts.borrow_mut().clear();
        self.pending.borrow_mut().clear();
        // SAFETY: our own boxed state; its timer leaves the list.
        unsafe { (*self.system_state.get()).stop() };
        let mut smd = self.smd.lock();
        smd.queue.clear();
        smd.peers.clear();
    }
}

/// The first IPv4 address of interface `name`.
pub(crate) fn interface_ip(name: &CStr) -> io::Result<IpAddr> {
    let mut ifap: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills a list we free below; we only read it.
    unsafe {
        if libc::getifaddrs(&mut ifap) != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut p = ifap;
        let mut found = None;
        while !p.is_null() {
            let ifa = &*p;
            if !ifa.ifa_addr.is_null()
                && CStr::from_ptr(ifa.ifa_name) == name
                && (*ifa.ifa_addr).sa_family as i32 == libc::AF_INET
            {
                let sin = &*(ifa.ifa_addr as *const libc::sockaddr_in);
                found = Some(IpAddr::V4(Ipv4Addr::from(u32::from_be(
                    sin.sin_addr.s_addr,
                ))));
                break;
            }
            p = ifa.ifa_next;
        }
        libc::freeifaddrs(ifap);
        found.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("no interface {}", name.to_string_lossy()),
            )
        })
    }
}

/// Where a vhost listens: an IP literal, an interface name, or any.
fn listen_addr(iface: Option<&CStr>, port: i32, options: u64) -> io::Result<SocketAddr> {
    let port =
        u16::try_from(port).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "bad port"))?;
    let Some(iface) = iface else {
        return Ok(if options & opt::DISABLE_IPV6 != 0 {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port)
        } else {
            SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port)
        });
    };
    let s = iface.to_string_lossy();
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    // an interface name: its first IPv4 address
    Ok(SocketAddr::new(interface_ip(iface)?, port))
}

fn hostname() -> CString {
    let mut buf = [0 as c_char; 256];
    // SAFETY: gethostname into our buffer, NUL-terminated below.
    unsafe {
        if libc::gethostname(buf.as_mut_ptr(), buf.len() - 1) != 0 {
            return c"unknown".to_owned();
        }
        CStr::from_ptr(buf.as_ptr()).to_owned()
    }
}

/// The index of the protocol whose per-vhost options contain `flag`
/// ("default", "raw"), else 0.
fn pvo_flagged_protocol(
    pvo: *const crate::capi::types::lws_protocol_vhost_options,
    protocols: &[lws_protocols],
    flag: &CStr,
) -> usize {
    let mut p = pvo;
    while !p.is_null() {
        // SAFETY: a NULL-terminated list owned by the program.
        let node = unsafe { &*p };
        let mut o = node.options;
        while !o.is_null() {
            // SAFETY: as above.
            let opt = unsafe { &*o };
            if !opt.name.is_null()
                && unsafe { CStr::from_ptr(opt.name) } == flag
                && !node.name.is_null()
            {
                // SAFETY: names are C strings.
                let want = unsafe { CStr::from_ptr(node.name) };
                if let Some(i) = super::http::protocol_index(protocols, want.to_bytes()) {
                    return i;
                }
            }
            o = opt.next;
        }
        p = node.next;
    }
    0
}

impl Drop for Context {
    fn drop(&mut self) {
        let fd = self.spare_fd.replace(-1);
        if fd >= 0 {
            // SAFETY: our own descriptor.
            unsafe { libc::close(fd) };
        }
    }
}
