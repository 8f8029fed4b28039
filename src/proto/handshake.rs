//! HTTP/1.1 request parsing (httparse) and validation of the RFC 6455
//! server opening handshake.
#![forbid(unsafe_code)]

use base64::Engine;
use sha1::{Digest, Sha1};

const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// A parsed request head.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Request target as sent (path and query).
    pub uri: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor_version: u8,
    pub headers: Vec<(String, Vec<u8>)>,
    /// Length of the head including the final CRLFCRLF.
    pub head_len: usize,
}

#[derive(Debug)]
pub enum Parse {
    /// More bytes are needed.
    Partial,
    Done(Request),
    /// Answer with this HTTP status and close.
    Error(u16),
}

/// Parses a request head from `buf`. `max_headers` bounds the header
/// count (431 past it); the caller bounds the head's byte size.
pub fn parse_request(buf: &[u8], max_headers: usize) -> Parse {
    let mut storage = vec![httparse::EMPTY_HEADER; max_headers.max(1)];
    let mut req = httparse::Request::new(&mut storage);
    match req.parse(buf) {
        Ok(httparse::Status::Partial) => Parse::Partial,
        Ok(httparse::Status::Complete(head_len)) => {
            let (Some(method), Some(uri), Some(v)) = (req.method, req.path, req.version) else {
                return Parse::Error(400);
            };
            Parse::Done(Request {
                method: method.to_string(),
                uri: uri.to_string(),
                minor_version: v,
                headers: req
                    .headers
                    .iter()
                    .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
                    .collect(),
                head_len,
            })
        }
        Err(httparse::Error::TooManyHeaders) => Parse::Error(431),
        Err(httparse::Error::Version) => Parse::Error(505),
        Err(_) => Parse::Error(400),
    }
}

impl Request {
    /// First value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// All values of `name` joined with ", " (RFC 7230 3.2.2).
    pub fn header_joined(&self, name: &str) -> Option<Vec<u8>> {
        let mut out: Option<Vec<u8>> = None;
        for (_, v) in self.headers.iter().filter(|(n, _)| n == name) {
            match &mut out {
                None => out = Some(v.clone()),
                Some(o) => {
                    o.extend_from_slice(b", ");
                    o.extend_from_slice(v);
                }
            }
        }
        out
    }

    /// True if the comma-separated header `name` holds `token`
    /// (case-insensitive).
    pub fn has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .any(|(_, v)| tokens(v).any(|t| t.eq_ignore_ascii_case(token)))
    }

    /// Path part of the URI (before any '?').
    pub fn path(&self) -> &str {
        self.uri.split('?').next().unwrap_or("")
    }

    pub fn keep_alive(&self) -> bool {
        if self.minor_version == 0 {
            self.has_token("connection", "keep-alive")
        } else {
            !self.has_token("connection", "close")
        }
    }
}

/// Comma-separated tokens of a header value, trimmed, empty ones skipped.
pub fn tokens(v: &[u8]) -> impl Iterator<Item = &str> {
    std::str::from_utf8(v)
        .unwrap_or("")
        .split(',')
        .map(|t| t.trim_matches(|c| c == ' ' || c == '\t'))
        .filter(|t| !t.is_empty())
}

/// A valid WebSocket upgrade request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsUpgrade {
    pub key: String,
    /// Offered subprotocols, in the client's order.
    pub protocols: Vec<String>,
    /// The raw Sec-WebSocket-Extensions offer, if any.
    pub extensions: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upgrade {
    /// Not a WebSocket upgrade: plain HTTP.
    None,
    Ws(WsUpgrade),
    /// A broken upgrade request: answer with this status (426 carries
    /// `Sec-WebSocket-Version: 13`) and close.
    Reject {
        status: u16,
        reason: &'static str,
    },
}

/// Decides whether `req` asks for a WebSocket and whether it may have one
/// (RFC 6455 4.2.1).
pub fn check_upgrade(req: &Request) -> Upgrade {
    if !req.has_token("upgrade", "websocket") {
        return Upgrade::None;
    }
    if req.method != "GET" {
        return Upgrade::Reject {
            status: 400,
            reason: "websocket upgrade needs GET",
        };
    }
    if req.minor_version < 1 {
        return Upgrade::Reject {
            status: 400,
            reason: "websocket upgrade needs HTTP/1.1",
        };
    }
    if req.header("host").is_none() {
        return Upgrade::Reject {
            status: 400,
            reason: "missing Host",
        };
    }
    if !req.has_token("connection", "upgrade") {
        return Upgrade::Reject {
            status: 400,
            reason: "Connection lacks upgrade",
        };
    }
    match req.header("sec-websocket-version") {
        None => {
            return Upgrade::Reject {
                status: 426,
                reason: "missing Sec-WebSocket-Version",
            }
        }
        Some(v) if v.trim_ascii() != b"13" => {
            return Upgrade::Reject {
                status: 426,
                reason: "unsupported Sec-WebSocket-Version",
            }
        }
        _ => {}
    }
    let key = match req.header("sec-websocket-key") {
        Some(k) => k.trim_ascii(),
        None => {
            return Upgrade::Reject {
                status: 400,
                reason: "missing Sec-WebSocket-Key",
            }
        }
    };
    let valid_key = base64::engine::general_purpose::STANDARD
        .decode(key)
        .map(|d| d.len() == 16)
        .unwrap_or(false);
    if !valid_key
        || req
            .headers
            .iter()
            .filter(|(n, _)| n == "sec-websocket-key")
            .count()
            > 1
    {
        return Upgrade::Reject {
            status: 400,
            reason: "invalid Sec-WebSocket-Key",
        };
    }
    let protocols = req
        .headers
        .iter()
        .filter(|(n, _)| n == "sec-websocket-protocol")
        .flat_map(|(_, v)| tokens(v).map(str::to_string).collect::<Vec<_>>())
        .collect();
    let extensions = req
        .header_joined("sec-websocket-extensions")
        .map(|v| String::from_utf8_lossy(&v).into_owned());
    Upgrade::Ws(WsUpgrade {
        key: String::from_utf8_lossy(key).into_owned(),
        protocols,
        extensions,
    })
}

/// `Sec-WebSocket-Accept` for a client key.
pub fn accept_key(key: &str) -> String {
    let mut h = Sha1::new();
    h.update(key.as_bytes());
    h.update(WS_GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

/// The reason phrase lws uses for a status code.
pub fn status_text(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        206 => "Partial Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        411 => "Length Required",
        413 => "Payload Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        426 => "Upgrade Required",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// A complete error response that closes the connection.
pub fn error_response(status: u16, server: &str) -> Vec<u8> {
    let body = format!(
        "<!doctype html><html><head><meta charset=utf-8></head><body><h1>{} {}</h1></body></html>",
        status,
        status_text(status)
    );
    let extra = if status == 426 {
        "Sec-WebSocket-Version: 13\r\n"
    } else {
        ""
    };
    format!(
        "HTTP/1.1 {} {}\r\nserver: {}\r\ncontent-type: text/html\r\ncontent-length: {}\r\n{}connection: close\r\n\r\n{}",
        status,
        status_text(status),
        server,
        body.len(),
        extra,
        body
    )
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(s: &str) -> Request {
        match parse_request(s.as_bytes(), 64) {
            Parse::Done(r) => r,
            other => panic!("{other:?}"),
        }
    }

    const GOOD: &str = "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
        Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Protocol: x\r\n\r\n";

    #[test]
    fn rfc_sample_accept_key() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn good_upgrade() {
        match check_upgrade(&req(GOOD)) {
            Upgrade::Ws(u) => {
                assert_eq!(u.protocols, vec!["chat", "superchat", "x"]);
                assert_eq!(u.key, "dGhlIHNhbXBsZSBub25jZQ==");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn partial_and_plain() {
        assert!(matches!(
            parse_request(b"GET / HTTP/1.1\r\nHost: x\r\n", 8),
            Parse::Partial
        ));
        assert_eq!(
            check_upgrade(&req("GET / HTTP/1.1\r\nHost: x\r\n\r\n")),
            Upgrade::None
        );
    }

    fn status_of(s: &str) -> u16 {
        match check_upgrade(&req(s)) {
            Upgrade::Reject { status, .. } => status,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejections() {
        assert_eq!(status_of(&GOOD.replace("GET", "POST")), 400);
        assert_eq!(status_of(&GOOD.replace("HTTP/1.1", "HTTP/1.0")), 400);
        assert_eq!(status_of(&GOOD.replace("Version: 13", "Version: 8")), 426);
        assert_eq!(
            status_of(&GOOD.replace("dGhlIHNhbXBsZSBub25jZQ==", "abc")),
            400
        );
        assert_eq!(
            status_of(&GOOD.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "")),
            400
        );
        assert_eq!(
            status_of(&GOOD.replace("keep-alive, Upgrade", "keep-alive")),
            400
        );
        assert!(error_response(426, "lws")
            .windows(26)
            .any(|w| w == b"Sec-WebSocket-Version: 13\r"));
    }

    #[test]
    fn too_many_headers() {
        let mut s = String::from("GET / HTTP/1.1\r\n");
        for i in 0..100 {
            s.push_str(&format!("X-{i}: y\r\n"));
        }
        s.push_str("\r\n");
        assert!(matches!(parse_request(s.as_bytes(), 64), Parse::Error(431)));
    }
}
