//! loadgen: WebSocket load generator for the echo server benchmarks.
//!
//! Not a test of our library: it is a self-contained WebSocket *client*
//! (HTTP/1.1 upgrade, masked client frames, streaming parser for the
//! server's unmasked frames) on std + mio + libc, driven against
//! `examples/echo-server.c` linked with either Debian's libwebsockets or
//! ours (see `benches/run.sh`).
//!
//! ```text
//! cargo bench --bench loadgen -- MODE [--addr 127.0.0.1:7681] [options]
//!
//! MODE
//!   latency     1 connection, --count round trips of --size bytes (text);
//!               prints median and p99 in µs
//!   pipelined   --conns connections, each keeping --depth text messages of
//!               --size bytes in flight; msgs/s over --secs
//!   throughput  --conns connections, each keeping --depth binary messages
//!               of --size bytes in flight; MB/s echoed over --secs
//!   connrate    --count connections, --conns at a time: connect, upgrade,
//!               one echo, close handshake (--keep: stay open instead, so
//!               connections accumulate); connections/s overall and for the
//!               last 1000
//!   idle        open --count upgraded connections (--conns handshakes at a
//!               time), print "ready", hold them until stdin closes or
//!               SIGTERM
//!   scale       open --idle upgraded connections that stay silent, then
//!               --conns active ones, each keeping --depth text messages of
//!               --size bytes in flight; over --secs: msgs/s, round-trip
//!               p50/p99, and (with --pid) the server's CPU time per message
//!               and RSS, from /proc/PID
//!
//! options (defaults depend on the mode, see `Opts::for_mode`)
//!   --addr HOST:PORT   server (127.0.0.1:7681)
//!   --protocol NAME    Sec-WebSocket-Protocol to ask for ("lws-echo";
//!                      "" = none)
//!   --conns N  --depth N  --size BYTES  --count N  --secs S  --warmup S
//!   --keep             (connrate) keep connections open
//!   --idle N           (scale) silent connections opened first
//!   --pid PID          (scale) the server process, for CPU time and RSS
//! ```
//!
//! Every mode ends with one machine-readable line
//! `RESULT <mode> key=value ...` that run.sh parses.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream as StdTcpStream};
use std::rc::Rc;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

// ---------------------------------------------------------------- options

#[derive(Clone, Debug)]
struct Opts {
    mode: String,
    addr: SocketAddr,
    protocol: String,
    conns: usize,
    depth: usize,
    size: usize,
    count: usize,
    secs: f64,
    warmup: f64,
    keep: bool,
    idle: usize,
    pid: u32,
}

impl Opts {
    fn for_mode(mode: &str) -> Opts {
        let mut o = Opts {
            mode: mode.to_string(),
            addr: "127.0.0.1:7681".parse().unwrap(),
            protocol: "lws-echo".to_string(),
            conns: 1,
            depth: 1,
            size: 16,
            count: 10_000,
            secs: 5.0,
            warmup: 0.5,
            keep: false,
            idle: 10_000,
            pid: 0,
        };
        match mode {
            "latency" => {}
            "pipelined" => {
                o.conns = 64;
                o.depth = 32;
            }
            "throughput" => {
                o.conns = 4;
                o.depth = 2;
                o.size = 1 << 20;
            }
            "connrate" => o.conns = 16,
            "idle" => o.conns = 200,
            "scale" => {
                o.conns = 100;
                o.size = 64;
                o.warmup = 1.0;
            }
            _ => usage(&format!("unknown mode {mode:?}")),
        }
        o
    }

    fn parse() -> Opts {
        // `cargo bench` appends `--bench`; ignore it wherever it is
        let args: Vec<String> = std::env::args()
            .skip(1)
            .filter(|a| a != "--bench")
            .collect();
        let Some(mode) = args.first() else {
            usage("no mode given")
        };
        if mode == "-h" || mode == "--help" {
            usage("");
        }
        let mut o = Opts::for_mode(mode);
        let mut it = args[1..].iter();
        while let Some(a) = it.next() {
            let mut val = || -> String {
                it.next()
                    .cloned()
                    .unwrap_or_else(|| usage(&format!("{a} needs a value")))
            };
            fn num<T: std::str::FromStr>(name: &str, v: String) -> T {
                v.parse()
                    .unwrap_or_else(|_| usage(&format!("bad value for {name}: {v:?}")))
            }
            match a.as_str() {
                "--addr" => o.addr = num(a, val()),
                "--port" => o.addr.set_port(num(a, val())),
                "--protocol" => o.protocol = val(),
                "--conns" => o.conns = num(a, val()),
                "--depth" => o.depth = num(a, val()),
                "--size" => o.size = num(a, val()),
                "--count" => o.count = num(a, val()),
                "--secs" => o.secs = num(a, val()),
                "--warmup" => o.warmup = num(a, val()),
                "--keep" => o.keep = true,
                "--idle" => o.idle = num(a, val()),
                "--pid" => o.pid = num(a, val()),
                _ => usage(&format!("unknown option {a:?}")),
            }
        }
        o.conns = o.conns.max(1);
        o.depth = o.depth.max(1);
        o
    }
}

fn usage(msg: &str) -> ! {
    if !msg.is_empty() {
        eprintln!("loadgen: {msg}");
    }
    eprintln!(
        "usage: loadgen latency|pipelined|throughput|connrate|idle|scale [--addr HOST:PORT] \
         [--protocol NAME] [--conns N] [--depth N] [--size BYTES] [--count N] \
         [--secs S] [--warmup S] [--keep] [--idle N] [--pid PID]"
    );
    std::process::exit(2)
}

fn raise_nofile() -> u64 {
    // SAFETY: plain libc calls on a stack struct
    unsafe {
        let mut rl = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) == 0 {
            rl.rlim_cur = rl.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &rl);
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl);
        }
        rl.rlim_cur as u64
    }
}

// ---------------------------------------------------------------- protocol

const WS_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
/// RFC 6455 section 1.3: the accept value for WS_KEY
const WS_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

const OP_CONT: u8 = 0;
const OP_TEXT: u8 = 1;
const OP_BINARY: u8 = 2;
const OP_CLOSE: u8 = 8;
const OP_PING: u8 = 9;

fn upgrade_request(o: &Opts) -> Vec<u8> {
    let mut r = format!(
        "GET / HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {WS_KEY}\r\nSec-WebSocket-Version: 13\r\n",
        o.addr
    );
    if !o.protocol.is_empty() {
        r.push_str(&format!("Sec-WebSocket-Protocol: {}\r\n", o.protocol));
    }
    r.push_str("\r\n");
    r.into_bytes()
}

/// Looks for the end of the response head in `buf`; Ok(Some(n)) = head is
/// `buf[..n]` and was a valid 101 for our key.
fn parse_upgrade_response(buf: &[u8]) -> io::Result<Option<usize>> {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        if buf.len() > 16 * 1024 {
            return Err(io::Error::other("upgrade response head too long"));
        }
        return Ok(None);
    };
    let head = String::from_utf8_lossy(&buf[..end]);
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or("");
    if !status.starts_with("HTTP/1.1 101") {
        return Err(io::Error::other(format!("upgrade refused: {status:?}")));
    }
    let accept_ok = lines.any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("sec-websocket-accept") && v.trim() == WS_ACCEPT
        })
    });
    if !accept_ok {
        return Err(io::Error::other("bad or missing Sec-WebSocket-Accept"));
    }
    Ok(Some(end + 4))
}

/// Tiny xorshift, for mask keys and payload bytes (no crate needed).
struct Rng(u64);
impl Rng {
    fn new() -> Rng {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9e37_79b9_7f4a_7c15);
        Rng(t | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// One complete masked client frame.
fn client_frame(opcode: u8, payload: &[u8], mask: [u8; 4]) -> Vec<u8> {
    let mut f = Vec::with_capacity(payload.len() + 14);
    f.push(0x80 | opcode);
    let n = payload.len();
    if n < 126 {
        f.push(0x80 | n as u8);
    } else if n <= 0xffff {
        f.push(0x80 | 126);
        f.extend_from_slice(&(n as u16).to_be_bytes());
    } else {
        f.push(0x80 | 127);
        f.extend_from_slice(&(n as u64).to_be_bytes());
    }
    f.extend_from_slice(&mask);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i & 3]));
    f
}

fn text_payload(size: usize) -> Vec<u8> {
    (0..size).map(|i| b"0123456789abcdef"[i & 15]).collect()
}

#[derive(Debug, Clone, Copy)]
enum WsEvent {
    /// a complete data message: (first opcode, total payload length)
    Message(u8, usize),
    Close,
    Ping,
}

/// Streaming parser of server frames: keeps only a header's worth of state,
/// payload bytes are counted, never buffered.
#[derive(Default)]
struct Parser {
    hdr: [u8; 14],
    hdr_len: usize,
    in_payload: bool,
    frame_left: u64,
    frame_op: u8,
    frame_fin: bool,
    msg_op: u8,
    msg_len: usize,
}

impl Parser {
    fn header_need(&self) -> usize {
        if self.hdr_len < 2 {
            return 2;
        }
        let mut n = 2 + match self.hdr[1] & 0x7f {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        if self.hdr[1] & 0x80 != 0 {
            n += 4;
        }
        n
    }

    fn feed(&mut self, mut data: &[u8], out: &mut Vec<WsEvent>) {
        while !data.is_empty() || (self.in_payload && self.frame_left == 0) {
            if !self.in_payload {
                let need = self.header_need();
                let take = (need - self.hdr_len).min(data.len());
                self.hdr[self.hdr_len..self.hdr_len + take].copy_from_slice(&data[..take]);
                self.hdr_len += take;
                data = &data[take..];
                if self.hdr_len < self.header_need() {
                    continue; // data is empty now, or the header grew
                }
                let h = &self.hdr;
                self.frame_fin = h[0] & 0x80 != 0;
                self.frame_op = h[0] & 0x0f;
                self.frame_left = match h[1] & 0x7f {
                    126 => u16::from_be_bytes([h[2], h[3]]) as u64,
                    127 => u64::from_be_bytes(h[2..10].try_into().unwrap()),
                    n => n as u64,
                };
                self.hdr_len = 0;
                self.in_payload = true;
                if matches!(self.frame_op, OP_TEXT | OP_BINARY) {
                    self.msg_op = self.frame_op;
                    self.msg_len = 0;
                }
            }
            let take = (self.frame_left.min(data.len() as u64)) as usize;
            if matches!(self.frame_op, OP_CONT | OP_TEXT | OP_BINARY) {
                self.msg_len += take;
            }
            self.frame_left -= take as u64;
            data = &data[take..];
            if self.frame_left == 0 {
                self.in_payload = false;
                match self.frame_op {
                    OP_CONT | OP_TEXT | OP_BINARY if self.frame_fin => {
                        out.push(WsEvent::Message(self.msg_op, self.msg_len));
                        self.msg_len = 0;
                    }
                    OP_CLOSE => out.push(WsEvent::Close),
                    OP_PING => out.push(WsEvent::Ping),
                    _ => {}
                }
            }
        }
    }
}

// ---------------------------------------------------------------- engine

#[derive(PartialEq, Eq, Clone, Copy, Debug)]
enum St {
    Connecting,
    Handshake,
    Open,
    Closing,
}

struct Conn {
    sock: TcpStream,
    st: St,
    hs: Vec<u8>,
    parser: Parser,
    /// small writes, coalesced; sent before `big`
    wbuf: Vec<u8>,
    wpos: usize,
    /// large shared frames (throughput mode): (frame, bytes already sent)
    big: VecDeque<(Rc<Vec<u8>>, usize)>,
    in_flight: usize,
    started: Instant,
    /// (scale) when the messages in flight were queued, oldest first
    sent_at: VecDeque<Instant>,
}

impl Conn {
    fn queue(&mut self, b: &[u8]) {
        self.wbuf.extend_from_slice(b);
    }

    fn flush(&mut self) -> io::Result<()> {
        while self.wpos < self.wbuf.len() {
            match self.sock.write(&self.wbuf[self.wpos..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.wpos += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.wbuf.clear();
        self.wpos = 0;
        while let Some((f, off)) = self.big.front_mut() {
            match self.sock.write(&f[*off..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    *off += n;
                    if *off == f.len() {
                        self.big.pop_front();
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// What a mode does with connection events.
trait Driver {
    fn on_open(&mut self, c: &mut Conn, now: Instant);
    fn on_message(&mut self, c: &mut Conn, op: u8, len: usize, now: Instant);
    /// the server sent a close frame; return true to drop the connection
    fn on_close_frame(&mut self, _c: &mut Conn, _now: Instant) -> bool {
        true
    }
    /// the connection is gone (EOF, error, or dropped after a close)
    fn on_gone(&mut self, _c: &Conn, _err: Option<&io::Error>, _now: Instant) {}
    /// called about every 20 ms and after each batch of events; may open
    /// connections through `eng`; return true to stop the loop
    fn tick(&mut self, eng: &mut Engine, now: Instant) -> bool;
}

struct Engine {
    opts: Opts,
    poll: Poll,
    conns: Vec<Option<Conn>>,
    free: Vec<usize>,
    live: usize,
    request: Vec<u8>,
    ping_reply: Vec<u8>,
}

impl Engine {
    fn new(opts: &Opts) -> Engine {
        Engine {
            opts: opts.clone(),
            poll: Poll::new().expect("epoll"),
            conns: Vec::new(),
            free: Vec::new(),
            live: 0,
            request: upgrade_request(opts),
            ping_reply: client_frame(0x0a, b"", [1, 2, 3, 4]),
        }
    }

    fn connect(&mut self) -> io::Result<()> {
        let mut sock = TcpStream::connect(self.opts.addr)?;
        let idx = self.free.pop().unwrap_or_else(|| {
            self.conns.push(None);
            self.conns.len() - 1
        });
        self.poll.registry().register(
            &mut sock,
            Token(idx),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        self.conns[idx] = Some(Conn {
            sock,
            st: St::Connecting,
            hs: Vec::new(),
            parser: Parser::default(),
            wbuf: Vec::new(),
            wpos: 0,
            big: VecDeque::new(),
            in_flight: 0,
            started: Instant::now(),
            sent_at: VecDeque::new(),
        });
        self.live += 1;
        Ok(())
    }

    fn drop_conn(&mut self, idx: usize) -> Option<Conn> {
        let mut c = self.conns[idx].take()?;
        let _ = self.poll.registry().deregister(&mut c.sock);
        self.free.push(idx);
        self.live -= 1;
        Some(c)
    }

    fn run<D: Driver>(&mut self, d: &mut D) {
        let mut events = Events::with_capacity(1024);
        let mut rbuf = vec![0u8; 256 * 1024];
        let mut wsev = Vec::new();
        loop {
            let now = Instant::now();
            if d.tick(self, now) {
                return;
            }
            match self.poll.poll(&mut events, Some(Duration::from_millis(20))) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => panic!("poll: {e}"),
            }
            let now = Instant::now();
            for ev in events.iter() {
                let idx = ev.token().0;
                let res = self.service(idx, ev.is_writable(), &mut rbuf, &mut wsev, d, now);
                if let Err(e) = res {
                    if let Some(c) = self.drop_conn(idx) {
                        d.on_gone(&c, Some(&e), now);
                    }
                }
            }
        }
    }

    fn service<D: Driver>(
        &mut self,
        idx: usize,
        writable: bool,
        rbuf: &mut [u8],
        wsev: &mut Vec<WsEvent>,
        d: &mut D,
        now: Instant,
    ) -> io::Result<()> {
        let request = &self.request;
        let Some(c) = self.conns.get_mut(idx).and_then(|c| c.as_mut()) else {
            return Ok(());
        };
        if c.st == St::Connecting {
            if !writable {
                return Ok(());
            }
            if let Some(e) = c.sock.take_error()? {
                return Err(e);
            }
            match c.sock.peer_addr() {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotConnected => return Ok(()),
                Err(e) => return Err(e),
            }
            let _ = c.sock.set_nodelay(true);
            c.st = St::Handshake;
            c.queue(request);
        }
        // read everything there is
        let mut eof = false;
        loop {
            let n = match c.sock.read(rbuf) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let mut data = &rbuf[..n];
            if c.st == St::Handshake {
                c.hs.extend_from_slice(data);
                match parse_upgrade_response(&c.hs)? {
                    None => continue,
                    Some(end) => {
                        let rest = c.hs.split_off(end);
                        c.hs = Vec::new();
                        c.st = St::Open;
                        d.on_open(c, now);
                        c.parser.feed(&rest, wsev);
                        data = &[];
                    }
                }
            }
            c.parser.feed(data, wsev);
            for ev in wsev.drain(..) {
                match ev {
                    WsEvent::Message(op, len) => d.on_message(c, op, len, now),
                    WsEvent::Ping => c.queue(&self.ping_reply),
                    WsEvent::Close => {
                        if d.on_close_frame(c, now) {
                            eof = true;
                        }
                    }
                }
            }
            if eof {
                break;
            }
        }
        if eof {
            if let Some(c) = self.drop_conn(idx) {
                d.on_gone(&c, None, now);
            }
            return Ok(());
        }
        c.flush()
    }
}

// ---------------------------------------------------------------- modes

fn result(mode: &str, kv: &[(&str, String)]) {
    let mut line = format!("RESULT {mode}");
    for (k, v) in kv {
        line.push_str(&format!(" {k}={v}"));
    }
    println!("{line}");
    let _ = io::stdout().flush();
}

fn die(msg: &str) -> ! {
    eprintln!("loadgen: {msg}");
    std::process::exit(1)
}

/// latency: blocking socket, one message in flight
fn mode_latency(o: &Opts) {
    let mut s = StdTcpStream::connect(o.addr).unwrap_or_else(|e| die(&format!("connect: {e}")));
    s.set_nodelay(true).ok();
    s.write_all(&upgrade_request(o)).unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut hs = Vec::new();
    let rest = loop {
        let n = s.read(&mut buf).unwrap();
        if n == 0 {
            die("EOF during upgrade");
        }
        hs.extend_from_slice(&buf[..n]);
        if let Some(end) = parse_upgrade_response(&hs).unwrap_or_else(|e| die(&e.to_string())) {
            break hs.split_off(end);
        }
    };
    let mut rng = Rng::new();
    let mask = rng.next().to_le_bytes();
    let frame = client_frame(
        OP_TEXT,
        &text_payload(o.size),
        [mask[0], mask[1], mask[2], mask[3]],
    );
    let mut p = Parser::default();
    let mut evs = Vec::new();
    p.feed(&rest, &mut evs);
    let warm = (o.count / 10).min(1000);
    let mut samples = Vec::with_capacity(o.count);
    for i in 0..warm + o.count {
        let t0 = Instant::now();
        s.write_all(&frame).unwrap();
        loop {
            if let Some(pos) = evs.iter().position(|e| matches!(e, WsEvent::Message(..))) {
                if let WsEvent::Message(_, len) = evs.remove(pos) {
                    if len != o.size {
                        die(&format!("echo of {} bytes, sent {}", len, o.size));
                    }
                }
                break;
            }
            if evs.iter().any(|e| matches!(e, WsEvent::Close)) {
                die("server closed");
            }
            let n = s.read(&mut buf).unwrap();
            if n == 0 {
                die("EOF");
            }
            p.feed(&buf[..n], &mut evs);
        }
        if i >= warm {
            samples.push(t0.elapsed().as_nanos() as u64);
        }
    }
    samples.sort_unstable();
    let pct = |q: f64| {
        samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)] as f64 / 1000.0
    };
    let (p50, p99) = (pct(0.5), pct(0.99));
    eprintln!(
        "latency: {} round trips of {} bytes: median {p50:.1} µs, p99 {p99:.1} µs",
        o.count, o.size
    );
    result(
        "latency",
        &[
            ("median_us", format!("{p50:.1}")),
            ("p99_us", format!("{p99:.1}")),
        ],
    );
}

/// pipelined and throughput: keep `depth` messages in flight per connection,
/// count echoes (and bytes) in the measuring window
struct Flood {
    small: Vec<u8>,
    big: Option<Rc<Vec<u8>>>,
    size: usize,
    depth: usize,
    conns: usize,
    started: bool,
    open: usize,
    t_open: Option<Instant>,
    win_start: Option<Instant>,
    win_end: Option<Instant>,
    msgs: u64,
    bytes: u64,
    warmup: Duration,
    secs: Duration,
    failed: bool,
}

impl Flood {
    fn send_one(&self, c: &mut Conn) {
        match &self.big {
            Some(f) => c.big.push_back((f.clone(), 0)),
            None => c.queue(&self.small),
        }
        c.in_flight += 1;
    }
}

impl Driver for Flood {
    fn on_open(&mut self, c: &mut Conn, _now: Instant) {
        self.open += 1;
        for _ in 0..self.depth {
            self.send_one(c);
        }
    }
    fn on_message(&mut self, c: &mut Conn, _op: u8, len: usize, now: Instant) {
        if len != self.size {
            eprintln!("loadgen: echo of {len} bytes, sent {}", self.size);
            self.failed = true;
        }
        if c.in_flight == 0 {
            // more echoes than messages sent: the count would be wrong
            eprintln!("loadgen: unsolicited message ({len} bytes)");
            self.failed = true;
            return;
        }
        c.in_flight -= 1;
        if let Some(ws) = self.win_start {
            if now >= ws && self.win_end.is_none() {
                self.msgs += 1;
                self.bytes += len as u64;
            }
        }
        self.send_one(c);
    }
    fn on_gone(&mut self, _c: &Conn, err: Option<&io::Error>, _now: Instant) {
        eprintln!("loadgen: connection lost: {err:?}");
        self.failed = true;
    }
    fn tick(&mut self, eng: &mut Engine, now: Instant) -> bool {
        if !self.started {
            self.started = true;
            for _ in 0..self.conns {
                eng.connect()
                    .unwrap_or_else(|e| die(&format!("connect: {e}")));
            }
        }
        if self.failed {
            return true;
        }
        if self.open == self.conns && self.t_open.is_none() {
            self.t_open = Some(now);
            self.win_start = Some(now + self.warmup);
        }
        if let Some(ws) = self.win_start {
            if now >= ws + self.secs {
                self.win_end = Some(now);
                return true;
            }
        }
        false
    }
}

fn mode_flood(o: &Opts) {
    let mut rng = Rng::new();
    let m = rng.next().to_le_bytes();
    let mask = [m[0], m[1], m[2], m[3]];
    let throughput = o.mode == "throughput";
    let (small, big) = if throughput {
        let payload: Vec<u8> = (0..o.size).map(|_| rng.next() as u8).collect();
        (
            Vec::new(),
            Some(Rc::new(client_frame(OP_BINARY, &payload, mask))),
        )
    } else {
        (client_frame(OP_TEXT, &text_payload(o.size), mask), None)
    };
    let mut d = Flood {
        small,
        big,
        size: o.size,
        depth: o.depth,
        conns: o.conns,
        started: false,
        open: 0,
        t_open: None,
        win_start: None,
        win_end: None,
        msgs: 0,
        bytes: 0,
        warmup: Duration::from_secs_f64(o.warmup),
        secs: Duration::from_secs_f64(o.secs),
        failed: false,
    };
    let mut eng = Engine::new(o);
    eng.run(&mut d);
    if d.failed {
        die("run failed");
    }
    let dt = (d.win_end.unwrap() - d.win_start.unwrap()).as_secs_f64();
    let rate = d.msgs as f64 / dt;
    let mbps = d.bytes as f64 / dt / 1e6;
    eprintln!(
        "{}: {} conns x {} in flight x {} bytes: {:.0} msgs/s, {:.1} MB/s echoed ({} msgs in {:.2} s)",
        o.mode, o.conns, o.depth, o.size, rate, mbps, d.msgs, dt
    );
    if throughput {
        result(
            "throughput",
            &[
                ("mb_per_s", format!("{mbps:.1}")),
                ("msgs_per_s", format!("{rate:.1}")),
            ],
        );
    } else {
        result("pipelined", &[("msgs_per_s", format!("{rate:.0}"))]);
    }
}

/// connrate and idle: open `count` connections, `conns` at a time
struct Opener {
    count: usize,
    parallel: usize,
    started: usize,
    /// connrate: connections that finished their cycle (or, with keep /
    /// idle, are open), with completion times
    done_at: Vec<Instant>,
    echo_frame: Vec<u8>,
    close_frame: Vec<u8>,
    /// connrate (send one echo); false for idle
    echo: bool,
    keep: bool,
    in_progress: usize,
    failed: usize,
    t0: Option<Instant>,
}

impl Opener {
    fn finish(&mut self, now: Instant) {
        self.done_at.push(now);
        self.in_progress -= 1;
    }
}

impl Driver for Opener {
    fn on_open(&mut self, c: &mut Conn, now: Instant) {
        if self.echo {
            c.queue(&self.echo_frame);
            c.in_flight = 1;
        } else {
            self.finish(now);
        }
    }
    fn on_message(&mut self, c: &mut Conn, _op: u8, _len: usize, now: Instant) {
        if c.in_flight == 1 {
            c.in_flight = 0;
            if self.keep {
                self.finish(now);
            } else {
                c.queue(&self.close_frame);
                c.st = St::Closing;
            }
        }
    }
    fn on_close_frame(&mut self, _c: &mut Conn, _now: Instant) -> bool {
        true
    }
    fn on_gone(&mut self, c: &Conn, err: Option<&io::Error>, now: Instant) {
        if c.st == St::Closing && err.is_none() {
            self.finish(now);
        } else if self.keep && c.st == St::Open && c.in_flight == 0 {
            // a kept connection died after it was counted
            eprintln!(
                "loadgen: kept connection lost after {:?}: {err:?}",
                c.started.elapsed()
            );
            self.failed += 1;
        } else {
            eprintln!("loadgen: connection failed in state {:?}: {err:?}", c.st);
            self.failed += 1;
            self.in_progress -= 1;
        }
    }
    fn tick(&mut self, eng: &mut Engine, now: Instant) -> bool {
        if self.t0.is_none() {
            self.t0 = Some(now);
        }
        if self.failed > 0 {
            return true;
        }
        while self.in_progress < self.parallel && self.started < self.count {
            if let Err(e) = eng.connect() {
                eprintln!("loadgen: connect #{}: {e}", self.started);
                self.failed += 1;
                return true;
            }
            self.started += 1;
            self.in_progress += 1;
        }
        self.done_at.len() >= self.count
    }
}

fn opener(o: &Opts, echo: bool) -> (Opener, Engine) {
    let mut rng = Rng::new();
    let m = rng.next().to_le_bytes();
    let mask = [m[0], m[1], m[2], m[3]];
    let mut d = Opener {
        count: o.count,
        parallel: o.conns,
        started: 0,
        done_at: Vec::with_capacity(o.count),
        echo_frame: client_frame(OP_TEXT, &text_payload(o.size), mask),
        close_frame: client_frame(OP_CLOSE, &1000u16.to_be_bytes(), mask),
        echo,
        keep: o.keep || !echo,
        in_progress: 0,
        failed: 0,
        t0: None,
    };
    let mut eng = Engine::new(o);
    eng.run(&mut d);
    (d, eng)
}

fn mode_connrate(o: &Opts) {
    let (d, _eng) = opener(o, true);
    if d.failed > 0 {
        die(&format!(
            "{} connections failed after {} completed",
            d.failed,
            d.done_at.len()
        ));
    }
    let t0 = d.t0.unwrap();
    let n = d.done_at.len();
    let total = n as f64 / (d.done_at[n - 1] - t0).as_secs_f64();
    let tail_n = 1000.min(n - 1).max(1);
    let tail_start = if n > tail_n {
        d.done_at[n - 1 - tail_n]
    } else {
        t0
    };
    let tail = tail_n as f64 / (d.done_at[n - 1] - tail_start).as_secs_f64();
    // the first 1000 against the last 1000 shows whether accepting gets
    // slower as connections accumulate (--keep)
    let head = tail_n as f64 / (d.done_at[tail_n - 1] - t0).as_secs_f64();
    eprintln!(
        "connrate{}: {n} connections ({} at a time): {total:.0}/s overall, {head:.0}/s for the first {tail_n}, {tail:.0}/s for the last {tail_n}",
        if o.keep { " (kept open)" } else { "" },
        o.conns
    );
    result(
        "connrate",
        &[
            ("keep", (o.keep as u8).to_string()),
            ("conns_per_s", format!("{total:.0}")),
            ("first1000_per_s", format!("{head:.0}")),
            ("last1000_per_s", format!("{tail:.0}")),
        ],
    );
}

fn mode_idle(o: &Opts) {
    let (d, eng) = opener(o, false);
    if d.failed > 0 {
        die(&format!(
            "{} connections failed after {} opened",
            d.failed,
            d.done_at.len()
        ));
    }
    let dt = (d.done_at[d.done_at.len() - 1] - d.t0.unwrap()).as_secs_f64();
    eprintln!(
        "idle: {} connections open after {dt:.2} s (live {})",
        d.done_at.len(),
        eng.live
    );
    result("idle", &[("conns", d.done_at.len().to_string())]);
    println!("ready");
    let _ = io::stdout().flush();
    // hold them until stdin closes (or we are killed)
    let mut sink = [0u8; 256];
    while matches!(io::stdin().read(&mut sink), Ok(n) if n > 0) {}
    drop(eng);
}

/// scale: a service pass should cost O(active connections), so echo
/// throughput with `idle` silent connections open should match the figure
/// without them
struct Scale {
    frame: Vec<u8>,
    size: usize,
    depth: usize,
    idle: usize,
    active: usize,
    pid: u32,
    /// idle connections opened / being opened
    idle_started: usize,
    idle_open: usize,
    active_started: bool,
    active_open: usize,
    t0: Option<Instant>,
    t_idle_done: Option<Instant>,
    win_start: Option<Instant>,
    win_end: Option<Instant>,
    /// the window has started and cpu0 holds its figure
    measuring: bool,
    /// server CPU ticks (utime+stime) at the window's start and end
    cpu0: u64,
    cpu1: u64,
    rss_idle_kib: u64,
    rss_kib: u64,
    msgs: u64,
    rtt_ns: Vec<u64>,
    warmup: Duration,
    secs: Duration,
    failed: bool,
}

/// utime + stime of `pid` in clock ticks (/proc/PID/stat fields 14, 15)
fn proc_cpu_ticks(pid: u32) -> u64 {
    let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    // the command name (field 2) may hold spaces; count from after its ')'
    let rest = &s[s.rfind(')').map_or(0, |i| i + 1)..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state): utime is field 14 = f[11]
    let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    num(11) + num(12)
}

fn proc_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

const SCALE_IDLE_PARALLEL: usize = 200;

impl Scale {
    fn send_one(&self, c: &mut Conn, now: Instant) {
        c.queue(&self.frame);
        c.sent_at.push_back(now);
        c.in_flight += 1;
    }
    fn in_window(&self, now: Instant) -> bool {
        self.win_start.is_some_and(|ws| now >= ws) && self.win_end.is_none()
    }
}

impl Driver for Scale {
    fn on_open(&mut self, c: &mut Conn, now: Instant) {
        if !self.active_started {
            // an idle connection: never sends a thing
            self.idle_open += 1;
            return;
        }
        self.active_open += 1;
        for _ in 0..self.depth {
            self.send_one(c, now);
        }
    }
    fn on_message(&mut self, c: &mut Conn, _op: u8, len: usize, now: Instant) {
        if len != self.size {
            eprintln!("loadgen: echo of {len} bytes, sent {}", self.size);
            self.failed = true;
        }
        let Some(t) = c.sent_at.pop_front() else {
            eprintln!("loadgen: unsolicited message ({len} bytes)");
            self.failed = true;
            return;
        };
        c.in_flight -= 1;
        if self.in_window(now) {
            self.msgs += 1;
            self.rtt_ns.push((now - t).as_nanos() as u64);
        }
        self.send_one(c, now);
    }
    fn on_gone(&mut self, c: &Conn, err: Option<&io::Error>, _now: Instant) {
        eprintln!(
            "loadgen: connection lost in state {:?} after {:?}: {err:?}",
            c.st,
            c.started.elapsed()
        );
        self.failed = true;
    }
    fn tick(&mut self, eng: &mut Engine, now: Instant) -> bool {
        if self.failed {
            return true;
        }
        if self.t0.is_none() {
            self.t0 = Some(now);
        }
        if !self.active_started {
            while self.idle_started - self.idle_open < SCALE_IDLE_PARALLEL
                && self.idle_started < self.idle
            {
                if let Err(e) = eng.connect() {
                    eprintln!("loadgen: connect idle #{}: {e}", self.idle_started);
                    self.failed = true;
                    return true;
                }
                self.idle_started += 1;
            }
            if self.idle_open < self.idle {
                return false;
            }
            self.t_idle_done = Some(now);
            self.rss_idle_kib = proc_rss_kib(self.pid);
            self.active_started = true;
            for i in 0..self.active {
                if let Err(e) = eng.connect() {
                    eprintln!("loadgen: connect active #{i}: {e}");
                    self.failed = true;
                    return true;
                }
            }
        }
        if self.active_open == self.active && self.win_start.is_none() {
            self.win_start = Some(now + self.warmup);
        }
        if let Some(ws) = self.win_start {
            if now >= ws && !self.measuring {
                self.measuring = true;
                self.cpu0 = proc_cpu_ticks(self.pid);
                // the window starts when the CPU figure was taken
                self.win_start = Some(Instant::now());
            }
            if now >= ws + self.secs {
                self.win_end = Some(Instant::now());
                self.cpu1 = proc_cpu_ticks(self.pid);
                self.rss_kib = proc_rss_kib(self.pid);
                return true;
            }
        }
        false
    }
}

fn mode_scale(o: &Opts) {
    let mut rng = Rng::new();
    let m = rng.next().to_le_bytes();
    let mut d = Scale {
        frame: client_frame(OP_TEXT, &text_payload(o.size), [m[0], m[1], m[2], m[3]]),
        size: o.size,
        depth: o.depth,
        idle: o.idle,
        active: o.conns,
        pid: o.pid,
        idle_started: 0,
        idle_open: 0,
        active_started: false,
        active_open: 0,
        t0: None,
        t_idle_done: None,
        win_start: None,
        win_end: None,
        measuring: false,
        cpu0: 0,
        cpu1: 0,
        rss_idle_kib: 0,
        rss_kib: 0,
        msgs: 0,
        rtt_ns: Vec::new(),
        warmup: Duration::from_secs_f64(o.warmup),
        secs: Duration::from_secs_f64(o.secs),
        failed: false,
    };
    let mut eng = Engine::new(o);
    eng.run(&mut d);
    if d.failed {
        die("run failed");
    }
    if d.msgs == 0 {
        die("no echoes in the window");
    }
    let dt = (d.win_end.unwrap() - d.win_start.unwrap()).as_secs_f64();
    let rate = d.msgs as f64 / dt;
    d.rtt_ns.sort_unstable();
    let pct = |q: f64| {
        let n = d.rtt_ns.len();
        d.rtt_ns[((n as f64 * q) as usize).min(n - 1)] as f64 / 1000.0
    };
    let (p50, p99) = (pct(0.5), pct(0.99));
    let open_s = (d.t_idle_done.unwrap() - d.t0.unwrap()).as_secs_f64();
    // SAFETY: sysconf has no preconditions
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let cpu_s = d.cpu1.saturating_sub(d.cpu0) as f64 / hz;
    let cpu_us = cpu_s * 1e6 / d.msgs as f64;
    if d.pid == 0 {
        eprintln!("scale: no --pid: the server CPU and RSS figures are 0");
    }
    eprintln!(
        "scale: {} idle (opened in {open_s:.1} s) + {} active x {} in flight x {} bytes: \
         {rate:.0} msgs/s, rtt p50 {p50:.1} µs p99 {p99:.1} µs; server: {cpu_s:.2} s CPU \
         in {dt:.2} s = {cpu_us:.2} µs/msg, RSS {} KiB ({} KiB before the active ones)",
        d.idle, d.active, d.depth, d.size, d.rss_kib, d.rss_idle_kib
    );
    result(
        "scale",
        &[
            ("idle", d.idle.to_string()),
            ("active", d.active.to_string()),
            ("msgs_per_s", format!("{rate:.0}")),
            ("p50_us", format!("{p50:.1}")),
            ("p99_us", format!("{p99:.1}")),
            ("cpu_us_per_msg", format!("{cpu_us:.2}")),
            ("cpu_s", format!("{cpu_s:.2}")),
            ("window_s", format!("{dt:.2}")),
            ("rss_kib", d.rss_kib.to_string()),
            ("rss_idle_kib", d.rss_idle_kib.to_string()),
            ("idle_open_s", format!("{open_s:.1}")),
        ],
    );
    drop(eng);
}

fn main() {
    let o = Opts::parse();
    let lim = raise_nofile();
    if o.mode == "scale" && lim < (o.idle + o.conns) as u64 + 64 {
        eprintln!(
            "loadgen: warning: RLIMIT_NOFILE is {lim}, {} connections will not fit",
            o.idle + o.conns
        );
    }
    if (o.mode == "idle" || (o.mode == "connrate" && o.keep)) && lim < o.count as u64 + 64 {
        eprintln!(
            "loadgen: warning: RLIMIT_NOFILE is {lim}, {} connections will not fit",
            o.count
        );
    }
    match o.mode.as_str() {
        "latency" => mode_latency(&o),
        "pipelined" | "throughput" => mode_flood(&o),
        "connrate" => mode_connrate(&o),
        "idle" => mode_idle(&o),
        "scale" => mode_scale(&o),
        _ => unreachable!(),
    }
}
