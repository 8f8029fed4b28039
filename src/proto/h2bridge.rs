//! The bridge that lets an HTTP/2 stream reuse the HTTP/1.1 server: a
//! request's header list becomes an HTTP/1.1 request head (its DATA a
//! chunked body when it announced no length), and the HTTP/1.1 response
//! the server writes for it is turned back into a header list and body
//! pieces for HEADERS and DATA frames.
//!
//! So every HTTP callback, header accessor and response helper works the
//! same on a stream as on an HTTP/1.1 connection; what HTTP/2 forbids
//! (connection-specific headers, chunked framing) stays on our side.
#![forbid(unsafe_code)]

use super::chunked::{ChunkedDecoder, Event as ChunkEvent};
use super::hpack::Header;

/// Headers HTTP/2 does not carry (RFC 9113 8.2.2); dropped from responses.
const HOP_BY_HOP: [&str; 5] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
];

/// The HTTP/1.1 form of a request received on a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct H1Request {
    /// The request head, ending with the empty line.
    pub head: Vec<u8>,
    /// The body is sent chunked (the request announced no length).
    pub chunked_body: bool,
    pub method: String,
    pub path: String,
    /// An RFC 8441 WebSocket (extended CONNECT): the stream carries
    /// WebSocket frames once the upgrade is answered.
    pub websocket: bool,
}

/// Rebuilds a checked request header list as an HTTP/1.1 request head:
/// `:authority` becomes `Host`, cookies split across fields are joined
/// (RFC 9113 8.2.3). `end_stream`: the request has no body.
pub fn request_to_h1(headers: &[Header], end_stream: bool) -> Result<H1Request, &'static str> {
    let get = |n: &[u8]| {
        headers
            .iter()
            .find(|h| h.name == n)
            .map(|h| String::from_utf8_lossy(&h.value).into_owned())
    };
    let mut method = get(b":method").ok_or("no :method")?;
    let path = get(b":path").unwrap_or_else(|| "/".into());
    if method.bytes().any(|c| !c.is_ascii_graphic()) || path.bytes().any(|c| c <= b' ') {
        return Err("bad request line");
    }
    // RFC 8441: extended CONNECT for a WebSocket is the HTTP/1.1 upgrade
    // (the key is ours; the stream, not the key, proves the handshake)
    let websocket = method == "CONNECT"
        && get(b":protocol").is_some_and(|p| p.eq_ignore_ascii_case("websocket"));
    if websocket {
        method = "GET".into();
    }
    let mut head = format!("{method} {path} HTTP/1.1\r\n").into_bytes();
    if websocket {
        head.extend_from_slice(
            b"upgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-key: AQIDBAUGBwgJCgsMDQ4PEA==\r\n",
        );
    }
    let mut has_host = false;
    let mut has_length = false;
    let mut cookies: Vec<&[u8]> = Vec::new();
    for h in headers {
        if h.name.first() == Some(&b':') {
            continue;
        }
        match h.name.as_slice() {
            b"cookie" => {
                cookies.push(&h.value);
                continue;
            }
            b"host" => has_host = true,
            b"content-length" => has_length = true,
            _ => {}
        }
        head.extend_from_slice(&h.name);
        head.extend_from_slice(b": ");
        head.extend_from_slice(&h.value);
        head.extend_from_slice(b"\r\n");
    }
    if !has_host {
        if let Some(a) = get(b":authority") {
            head.extend_from_slice(b"host: ");
            head.extend_from_slice(a.as_bytes());
            head.extend_from_slice(b"\r\n");
        }
    }
    if !cookies.is_empty() {
        head.extend_from_slice(b"cookie: ");
        head.extend_from_slice(&cookies.join(&b"; "[..]));
        head.extend_from_slice(b"\r\n");
    }
    let chunked_body = !end_stream && !has_length && !websocket;
    if chunked_body {
        head.extend_from_slice(b"transfer-encoding: chunked\r\n");
    }
    head.extend_from_slice(b"\r\n");
    Ok(H1Request {
        head,
        chunked_body,
        method,
        path,
        websocket,
    })
}

/// One DATA frame's payload as a chunk of a chunked body (`last`: then the
/// terminating chunk).
pub fn body_chunk(data: &[u8], last: bool, out: &mut Vec<u8>) {
    if !data.is_empty() {
        out.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }
    if last {
        out.extend_from_slice(b"0\r\n\r\n");
    }
}

/// What the response converter produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponsePart {
    /// The response head: `:status` first, then the fields, names in
    /// lowercase, hop-by-hop ones dropped. `end_stream`: no body follows.
    Headers {
        headers: Vec<Header>,
        end_stream: bool,
    },
    /// Body bytes; `end_stream` on the last piece.
    Body { data: Vec<u8>, end_stream: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Length(u64),
    Chunked,
    /// until the stream is closed (HTTP/1.0 style)
    Close,
    None,
    /// WebSocket frames after an upgrade (RFC 8441)
    Tunnel,
}

#[derive(Debug)]
enum St {
    Head,
    Body(Framing),
    Done,
}

/// Turns the HTTP/1.1 response bytes a server writes on a stream into
/// header and body parts.
#[derive(Debug)]
pub struct ResponseConverter {
    st: St,
    buf: Vec<u8>,
    chunked: ChunkedDecoder,
    head_request: bool,
    websocket: bool,
}

/// Largest response head kept while incomplete.
const MAX_HEAD: usize = 64 * 1024;

impl ResponseConverter {
    /// `head_request`: the request was HEAD, so no body follows any
    /// announced length.
    pub fn new(head_request: bool) -> Self {
        ResponseConverter {
            st: St::Head,
            buf: Vec::new(),
            chunked: ChunkedDecoder::new(),
            head_request,
            websocket: false,
        }
    }

    /// For an RFC 8441 WebSocket: the HTTP/1.1 `101` becomes `:status 200`
    /// and what follows it is carried as it is.
    pub fn websocket() -> Self {
        ResponseConverter {
            websocket: true,
            ..Self::new(false)
        }
    }

    /// The response is complete.
    pub fn is_done(&self) -> bool {
        matches!(self.st, St::Done)
    }

    /// Feeds response bytes; appends the parts they complete.
    pub fn feed(&mut self, input: &[u8], out: &mut Vec<ResponsePart>) -> Result<(), &'static str> {
        let mut input = input;
        loop {
            match self.st {
                St::Done => {
                    // a response after the end would be a second one
                    return if input.is_empty() {
                        Ok(())
                    } else {
                        Err("data after the response")
                    };
                }
                St::Head => {
                    self.buf.extend_from_slice(input);
                    let mut hdrs = [httparse::EMPTY_HEADER; 128];
                    let mut r = httparse::Response::new(&mut hdrs);
                    let n = match r.parse(&self.buf) {
                        Ok(httparse::Status::Complete(n)) => n,
                        Ok(httparse::Status::Partial) => {
                            if self.buf.len() > MAX_HEAD {
                                return Err("response head too large");
                            }
                            return Ok(());
                        }
                        Err(_) => return Err("malformed response head"),
                    };
                    let mut status = r.code.ok_or("no status")?;
                    let upgraded = self.websocket && status == 101;
                    if upgraded {
                        status = 200;
                    }
                    let mut headers = vec![Header {
                        name: b":status".to_vec(),
                        value: status.to_string().into_bytes(),
                        sensitive: false,
                    }];
                    let mut framing = Framing::Close;
                    for h in r.headers.iter() {
                        let name = h.name.to_ascii_lowercase();
                        if name == "transfer-encoding" && h.value.eq_ignore_ascii_case(b"chunked") {
                            framing = Framing::Chunked;
                        }
                        if name == "content-length" && framing != Framing::Chunked {
                            let v = std::str::from_utf8(h.value)
                                .ok()
                                .and_then(|s| s.trim().parse::<u64>().ok())
                                .ok_or("bad content-length")?;
                            framing = Framing::Length(v);
                        }
                        if HOP_BY_HOP.contains(&name.as_str())
                            || (upgraded && name == "sec-websocket-accept")
                        {
                            continue;
                        }
                        headers.push(Header {
                            name: name.into_bytes(),
                            value: h.value.to_vec(),
                            sensitive: false,
                        });
                    }
                    let rest = self.buf.split_off(n);
                    self.buf.clear();
                    if upgraded {
                        out.push(ResponsePart::Headers {
                            headers,
                            end_stream: false,
                        });
                        self.st = St::Body(Framing::Tunnel);
                        if !rest.is_empty() {
                            return self.feed(&rest, out);
                        }
                        return Ok(());
                    }
                    if (100..200).contains(&status) {
                        // an interim response: its own header block
                        out.push(ResponsePart::Headers {
                            headers,
                            end_stream: false,
                        });
                        self.buf = rest;
                        if self.buf.is_empty() {
                            return Ok(());
                        }
                        let again = std::mem::take(&mut self.buf);
                        return self.feed(&again, out);
                    }
                    if self.head_request || status == 204 || status == 304 {
                        framing = Framing::None;
                    }
                    if framing == Framing::Length(0) {
                        framing = Framing::None;
                    }
                    let end = framing == Framing::None;
                    out.push(ResponsePart::Headers {
                        headers,
                        end_stream: end,
                    });
                    self.st = if end { St::Done } else { St::Body(framing) };
                    if !rest.is_empty() {
                        return self.feed(&rest, out);
                    }
                    return Ok(());
                }
                St::Body(f @ (Framing::Length(_) | Framing::Chunked)) => {
                    if !framed_body_step(f, &mut self.st, &mut self.chunked, &mut input, out)? {
                        return Ok(());
                    }
                }
                St::Body(Framing::Close) | St::Body(Framing::Tunnel) => {
                    if !input.is_empty() {
                        out.push(ResponsePart::Body {
                            data: input.to_vec(),
                            end_stream: false,
                        });
                    }
                    return Ok(());
                }
                St::Body(Framing::None) => {
                    self.st = St::Done;
                }
            }
        }
    }

    /// The server closed the stream: a body delimited by the close ends
    /// here. Err if the response was cut short.
    pub fn finish(&mut self, out: &mut Vec<ResponsePart>) -> Result<(), &'static str> {
        match self.st {
            St::Done => Ok(()),
            St::Body(Framing::Close) | St::Body(Framing::Tunnel) => {
                out.push(ResponsePart::Body {
                    data: Vec::new(),
                    end_stream: true,
                });
                self.st = St::Done;
                Ok(())
            }
            _ => Err("response cut short"),
        }
    }
}

/// One step through a body framed by length or chunked encoding: appends
/// the piece it completes and advances `input`. Ok(false): more input is
/// needed.
fn framed_body_step(
    f: Framing,
    st: &mut St,
    chunked: &mut ChunkedDecoder,
    input: &mut &[u8],
    out: &mut Vec<ResponsePart>,
) -> Result<bool, &'static str> {
    if input.is_empty() {
        return Ok(false);
    }
    if let Framing::Length(left) = f {
        let k = (left as usize).min(input.len());
        let left = left - k as u64;
        out.push(ResponsePart::Body {
            data: input[..k].to_vec(),
            end_stream: left == 0,
        });
        *input = &input[k..];
        *st = if left == 0 {
            St::Done
        } else {
            St::Body(Framing::Length(left))
        };
        return Ok(true);
    }
    let (used, e) = chunked.feed(input);
    let chunk = *input;
    *input = &input[used..];
    match e {
        Some(ChunkEvent::Data(r)) => out.push(ResponsePart::Body {
            data: chunk[r].to_vec(),
            end_stream: false,
        }),
        Some(ChunkEvent::End) => {
            out.push(ResponsePart::Body {
                data: Vec::new(),
                end_stream: true,
            });
            *st = St::Done;
        }
        Some(ChunkEvent::Error) => return Err("bad chunked body"),
        None => return Ok(used > 0),
    }
    Ok(true)
}

/// Turns the HTTP/1.1 request bytes a client writes on a stream into
/// header and body parts (the client side of the bridge).
#[derive(Debug)]
pub struct RequestConverter {
    st: St,
    buf: Vec<u8>,
    chunked: ChunkedDecoder,
    scheme: &'static str,
    user_agent: Option<&'static str>,
}

/// The body of a request: framed by its head, else (when the program
/// said a body follows) until [`RequestConverter::finish`].
const UNTIL_FINISH: Framing = Framing::Close;

impl RequestConverter {
    pub fn new(tls: bool) -> Self {
        RequestConverter {
            st: St::Head,
            buf: Vec::new(),
            chunked: ChunkedDecoder::new(),
            scheme: if tls { "https" } else { "http" },
            user_agent: None,
        }
    }

    /// A `user-agent` for requests that name none.
    pub fn with_user_agent(mut self, ua: &'static str) -> Self {
        self.user_agent = Some(ua);
        self
    }

    /// The request is complete (END_STREAM is out or queued).
    pub fn is_done(&self) -> bool {
        matches!(self.st, St::Done)
    }

    /// The head was converted: the stream is open.
    pub fn head_sent(&self) -> bool {
        !matches!(self.st, St::Head)
    }

    /// Feeds request bytes; appends the parts they complete.
    /// `body_follows`: the program announced a body (it writes it later
    /// and ends it with [`RequestConverter::finish`]).
    pub fn feed(
        &mut self,
        input: &[u8],
        body_follows: bool,
        out: &mut Vec<ResponsePart>,
    ) -> Result<(), &'static str> {
        let mut input = input;
        loop {
            match self.st {
                St::Done => {
                    return if input.is_empty() {
                        Ok(())
                    } else {
                        Err("data after the request")
                    };
                }
                St::Head => {
                    self.buf.extend_from_slice(input);
                    let mut hdrs = [httparse::EMPTY_HEADER; 128];
                    let mut r = httparse::Request::new(&mut hdrs);
                    let n = match r.parse(&self.buf) {
                        Ok(httparse::Status::Complete(n)) => n,
                        Ok(httparse::Status::Partial) => {
                            if self.buf.len() > MAX_HEAD {
                                return Err("request head too large");
                            }
                            return Ok(());
                        }
                        Err(_) => return Err("malformed request head"),
                    };
                    let h = |n: &str, v: &[u8]| Header {
                        name: n.as_bytes().to_vec(),
                        value: v.to_vec(),
                        sensitive: false,
                    };
                    let method = r.method.ok_or("no method")?;
                    let authority = r
                        .headers
                        .iter()
                        .find(|x| x.name.eq_ignore_ascii_case("host"))
                        .map(|x| x.value.to_vec());
                    let mut headers = vec![
                        h(":method", method.as_bytes()),
                        h(":scheme", self.scheme.as_bytes()),
                    ];
                    if let Some(a) = authority {
                        headers.push(h(":authority", &a));
                    }
                    headers.push(h(":path", r.path.unwrap_or("/").as_bytes()));
                    let mut framing = if body_follows {
                        UNTIL_FINISH
                    } else {
                        Framing::None
                    };
                    for x in r.headers.iter() {
                        let name = x.name.to_ascii_lowercase();
                        if name == "transfer-encoding" && x.value.eq_ignore_ascii_case(b"chunked") {
                            framing = Framing::Chunked;
                        }
                        if name == "content-length" && framing != Framing::Chunked {
                            let v = std::str::from_utf8(x.value)
                                .ok()
                                .and_then(|s| s.trim().parse::<u64>().ok())
                                .ok_or("bad content-length")?;
                            framing = Framing::Length(v);
                        }
                        // RFC 9113 8.2.2: no connection-specific fields;
                        // Host went into :authority
                        if HOP_BY_HOP.contains(&name.as_str())
                            || name == "host"
                            || (name == "te" && !x.value.eq_ignore_ascii_case(b"trailers"))
                        {
                            continue;
                        }
                        headers.push(Header {
                            name: name.into_bytes(),
                            value: x.value.to_vec(),
                            sensitive: false,
                        });
                    }
                    if framing == Framing::Length(0) {
                        framing = Framing::None;
                    }
                    if let Some(ua) = self.user_agent {
                        if !headers.iter().any(|x| x.name == b"user-agent") {
                            headers.push(h("user-agent", ua.as_bytes()));
                        }
                    }
                    let rest = self.buf.split_off(n);
                    self.buf.clear();
                    let end = framing == Framing::None;
                    out.push(ResponsePart::Headers {
                        headers,
                        end_stream: end,
                    });
                    self.st = if end { St::Done } else { St::Body(framing) };
                    if rest.is_empty() {
                        return Ok(());
                    }
                    return self.feed(&rest, body_follows, out);
                }
                St::Body(f @ (Framing::Length(_) | Framing::Chunked)) => {
                    if !framed_body_step(f, &mut self.st, &mut self.chunked, &mut input, out)? {
                        return Ok(());
                    }
                }
                St::Body(_) => {
                    if !input.is_empty() {
                        out.push(ResponsePart::Body {
                            data: input.to_vec(),
                            end_stream: false,
                        });
                    }
                    return Ok(());
                }
            }
        }
    }

    /// The program ended its body (LWS_WRITE_HTTP_FINAL): a body with no
    /// framing of its own ends here.
    pub fn finish(&mut self, out: &mut Vec<ResponsePart>) {
        if matches!(self.st, St::Body(UNTIL_FINISH)) {
            out.push(ResponsePart::Body {
                data: Vec::new(),
                end_stream: true,
            });
            self.st = St::Done;
        }
    }
}

/// A response header list as an HTTP/1.1-style head for the client: the
/// status and the regular fields (pseudo-headers dropped, cookies kept as
/// separate fields).
pub fn response_fields(headers: &[Header]) -> Result<(u16, Vec<(String, Vec<u8>)>), &'static str> {
    let status = headers
        .iter()
        .find(|h| h.name == b":status")
        .and_then(|h| std::str::from_utf8(&h.value).ok()?.parse::<u16>().ok())
        .ok_or("no :status")?;
    let fields = headers
        .iter()
        .filter(|h| h.name.first() != Some(&b':'))
        .map(|h| {
            (
                String::from_utf8_lossy(&h.name).into_owned(),
                h.value.clone(),
            )
        })
        .collect();
    Ok((status, fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(n: &str, v: &str) -> Header {
        Header {
            name: n.as_bytes().to_vec(),
            value: v.as_bytes().to_vec(),
            sensitive: false,
        }
    }

    #[test]
    fn request_becomes_h1() {
        let r = request_to_h1(
            &[
                h(":method", "GET"),
                h(":scheme", "https"),
                h(":authority", "example.com:8443"),
                h(":path", "/a?b=c"),
                h("accept", "*/*"),
                h("cookie", "a=1"),
                h("cookie", "b=2"),
            ],
            true,
        )
        .unwrap();
        assert_eq!(
            String::from_utf8(r.head).unwrap(),
            "GET /a?b=c HTTP/1.1\r\naccept: */*\r\nhost: example.com:8443\r\ncookie: a=1; b=2\r\n\r\n"
        );
        assert!(!r.chunked_body);
        assert_eq!((r.method.as_str(), r.path.as_str()), ("GET", "/a?b=c"));
    }

    #[test]
    fn body_without_length_is_chunked() {
        let r = request_to_h1(
            &[
                h(":method", "POST"),
                h(":path", "/up"),
                h(":scheme", "http"),
            ],
            false,
        )
        .unwrap();
        assert!(r.chunked_body);
        assert!(String::from_utf8_lossy(&r.head).contains("transfer-encoding: chunked\r\n"));
        let mut b = Vec::new();
        body_chunk(b"hello", false, &mut b);
        body_chunk(b"", true, &mut b);
        assert_eq!(b, b"5\r\nhello\r\n0\r\n\r\n");
        let with_len = request_to_h1(
            &[
                h(":method", "POST"),
                h(":path", "/up"),
                h("content-length", "5"),
            ],
            false,
        )
        .unwrap();
        assert!(!with_len.chunked_body);
    }

    #[test]
    fn request_line_injection_is_refused() {
        assert!(request_to_h1(&[h(":method", "GET"), h(":path", "/a b")], true).is_err());
        assert!(request_to_h1(&[h(":method", "G T"), h(":path", "/")], true).is_err());
    }

    fn conv(resp: &[u8], head: bool, split: usize) -> Vec<ResponsePart> {
        let mut c = ResponseConverter::new(head);
        let mut out = Vec::new();
        for piece in resp.chunks(split.max(1)) {
            c.feed(piece, &mut out).unwrap();
        }
        c.finish(&mut out).unwrap();
        out
    }

    fn flatten(parts: &[ResponsePart]) -> (Vec<Header>, Vec<u8>, bool) {
        let mut hs = Vec::new();
        let mut body = Vec::new();
        let mut ended = false;
        for p in parts {
            match p {
                ResponsePart::Headers {
                    headers,
                    end_stream,
                } => {
                    hs = headers.clone();
                    ended |= *end_stream;
                }
                ResponsePart::Body { data, end_stream } => {
                    body.extend_from_slice(data);
                    ended |= *end_stream;
                }
            }
        }
        (hs, body, ended)
    }

    #[test]
    fn sized_chunked_and_close_delimited_responses() {
        let sized = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: keep-alive\r\nX-A: b\r\n\r\nhello";
        let chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n";
        let close = b"HTTP/1.1 200 OK\r\nX-A: b\r\n\r\nhello";
        for split in [1, 3, 7, 1000] {
            for r in [&sized[..], &chunked[..], &close[..]] {
                let (hs, body, ended) = flatten(&conv(r, false, split));
                assert_eq!(hs[0], h(":status", "200"));
                assert!(hs.contains(&h("x-a", "b")));
                assert!(!hs
                    .iter()
                    .any(|x| x.name == b"connection" || x.name == b"transfer-encoding"));
                assert_eq!(body, b"hello", "split {split}");
                assert!(ended);
            }
        }
    }

    #[test]
    fn bodiless_responses_end_with_the_headers() {
        for (r, head) in [
            (&b"HTTP/1.1 204 No Content\r\n\r\n"[..], false),
            (
                &b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n"[..],
                false,
            ),
            (&b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"[..], true),
            (&b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"[..], false),
        ] {
            let parts = conv(r, head, 1000);
            assert_eq!(parts.len(), 1, "{parts:?}");
            assert!(matches!(
                parts[0],
                ResponsePart::Headers {
                    end_stream: true,
                    ..
                }
            ));
        }
    }

    #[test]
    fn interim_response_comes_first() {
        let r = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        let parts = conv(r, false, 5);
        assert!(
            matches!(&parts[0], ResponsePart::Headers { headers, end_stream: false } if headers[0] == h(":status", "100"))
        );
        let (hs, body, ended) = flatten(&parts);
        assert_eq!(hs[0], h(":status", "200"));
        assert_eq!(body, b"ok");
        assert!(ended);
    }

    #[test]
    fn websocket_tunnel() {
        let r = request_to_h1(
            &[
                h(":method", "CONNECT"),
                h(":protocol", "websocket"),
                h(":scheme", "https"),
                h(":authority", "x"),
                h(":path", "/chat"),
                h("sec-websocket-version", "13"),
                h("sec-websocket-protocol", "lws-echo"),
            ],
            false,
        )
        .unwrap();
        assert!(r.websocket && !r.chunked_body);
        let head = String::from_utf8(r.head).unwrap();
        assert!(
            head.starts_with("GET /chat HTTP/1.1\r\nupgrade: websocket\r\n"),
            "{head}"
        );
        let mut c = ResponseConverter::websocket();
        let mut out = Vec::new();
        c.feed(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\nSec-WebSocket-Protocol: lws-echo\r\n\r\n\x81\x02hi", &mut out).unwrap();
        assert_eq!(
            out[0],
            ResponsePart::Headers {
                headers: vec![h(":status", "200"), h("sec-websocket-protocol", "lws-echo")],
                end_stream: false
            }
        );
        assert_eq!(
            out[1],
            ResponsePart::Body {
                data: b"\x81\x02hi".to_vec(),
                end_stream: false
            }
        );
        c.finish(&mut out).unwrap();
        assert!(matches!(
            out[2],
            ResponsePart::Body {
                end_stream: true,
                ..
            }
        ));
    }

    #[test]
    fn bad_responses_are_errors() {
        let mut c = ResponseConverter::new(false);
        let mut out = Vec::new();
        assert!(c.feed(b"NOT HTTP\r\n\r\n", &mut out).is_err());
        let mut c = ResponseConverter::new(false);
        assert!(c
            .feed(
                b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort",
                &mut out
            )
            .is_ok());
        assert!(c.finish(&mut out).is_err());
        let mut c = ResponseConverter::new(false);
        assert!(c
            .feed(
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA",
                &mut out
            )
            .is_err());
    }

    #[test]
    fn client_request_becomes_headers() {
        let mut c = RequestConverter::new(true);
        let mut out = Vec::new();
        c.feed(
            b"GET /x?y HTTP/1.1\r\nPragma: no-cache\r\nHost: a.test:8443\r\nconnection: close\r\nTE: gzip\r\n\r\n",
            false,
            &mut out,
        )
        .unwrap();
        assert!(c.is_done());
        let ResponsePart::Headers {
            headers,
            end_stream,
        } = &out[0]
        else {
            panic!("{out:?}")
        };
        assert!(end_stream);
        let got: Vec<(String, String)> = headers
            .iter()
            .map(|h| {
                (
                    String::from_utf8_lossy(&h.name).into(),
                    String::from_utf8_lossy(&h.value).into(),
                )
            })
            .collect();
        let want = [
            (":method", "GET"),
            (":scheme", "https"),
            (":authority", "a.test:8443"),
            (":path", "/x?y"),
            ("pragma", "no-cache"),
        ];
        assert_eq!(
            got,
            want.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn client_body_by_length_or_until_finish() {
        let mut c = RequestConverter::new(false);
        let mut out = Vec::new();
        c.feed(
            b"POST /p HTTP/1.1\r\nhost: h\r\ncontent-length: 5\r\n\r\nab",
            true,
            &mut out,
        )
        .unwrap();
        c.feed(b"cde", true, &mut out).unwrap();
        assert!(c.is_done());
        assert_eq!(
            out[1..],
            [
                ResponsePart::Body {
                    data: b"ab".to_vec(),
                    end_stream: false
                },
                ResponsePart::Body {
                    data: b"cde".to_vec(),
                    end_stream: true
                },
            ]
        );
        assert!(c.feed(b"x", true, &mut out).is_err());

        let mut c = RequestConverter::new(false);
        let mut out = Vec::new();
        c.feed(b"POST /p HTTP/1.1\r\nhost: h\r\n\r\n", true, &mut out)
            .unwrap();
        assert!(matches!(
            &out[0],
            ResponsePart::Headers {
                end_stream: false,
                ..
            }
        ));
        c.feed(b"body", true, &mut out).unwrap();
        c.finish(&mut out);
        assert!(c.is_done());
        assert_eq!(
            out[1..],
            [
                ResponsePart::Body {
                    data: b"body".to_vec(),
                    end_stream: false
                },
                ResponsePart::Body {
                    data: vec![],
                    end_stream: true
                },
            ]
        );
    }

    #[test]
    fn response_fields_need_a_status() {
        assert!(response_fields(&[h("content-type", "x")]).is_err());
        let (st, f) = response_fields(&[h(":status", "404"), h("x-a", "1")]).unwrap();
        assert_eq!((st, f), (404, vec![("x-a".to_string(), b"1".to_vec())]));
    }
}
