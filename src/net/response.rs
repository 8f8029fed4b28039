//! Building HTTP/1.x response heads the way lws's header helpers do:
//! status line, vhost `headers`, `server:`, then the caller's headers.

use super::headers::TOKEN_NAMES;
use super::wsi::Wsi;

pub(crate) const LWSAHH_CODE_MASK: u32 = (1 << 16) - 1;
pub(crate) const LWSAHH_FLAG_NO_SERVER_NAME: u32 = 1 << 30;

const ERR400: [&str; 18] = [
    "Bad Request",
    "Unauthorized",
    "Payment Required",
    "Forbidden",
    "Not Found",
    "Method Not Allowed",
    "Not Acceptable",
    "Proxy Auth Required",
    "Request Timeout",
    "Conflict",
    "Gone",
    "Length Required",
    "Precondition Failed",
    "Request Entity Too Large",
    "Request URI too Long",
    "Unsupported Media Type",
    "Requested Range Not Satisfiable",
    "Expectation Failed",
];
const ERR500: [&str; 6] = [
    "Internal Server Error",
    "Not Implemented",
    "Bad Gateway",
    "Service Unavailable",
    "Gateway Timeout",
    "HTTP Version Not Supported",
];

/// The reason phrase lws puts after a status code.
pub(crate) fn description(code: u32) -> &'static str {
    match code {
        100 => "Continue",
        200 => "OK",
        304 => "Not Modified",
        300..=399 => "Redirect",
        400..=417 => ERR400[(code - 400) as usize],
        426 => "Upgrade Required",
        431 => "Request Header Fields Too Large",
        500..=505 => ERR500[(code - 500) as usize],
        _ => "",
    }
}

/// Appends `name value\r\n` (name as given, e.g. "content-type:").
pub(crate) fn header(out: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    out.extend_from_slice(name);
    out.push(b' ');
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Appends a header by token index.
pub(crate) fn header_token(out: &mut Vec<u8>, token: usize, value: &[u8]) -> bool {
    match TOKEN_NAMES.get(token) {
        Some(n) if !n.is_empty() => {
            header(out, n.as_bytes(), value);
            true
        }
        _ => false,
    }
}

/// Mozilla Observatory's recommendations, in lws's order.
const SECURITY_HEADERS: [(&str, &str); 5] = [
    (
        "content-security-policy:",
        "default-src 'none'; img-src 'self' data: ; script-src 'self'; \
         font-src 'self'; style-src 'self'; connect-src 'self' ws: wss:; \
         frame-ancestors 'none'; base-uri 'none';form-action 'self';",
    ),
    ("x-content-type-options:", "nosniff"),
    ("x-xss-protection:", "1; mode=block"),
    ("x-frame-options:", "deny"),
    ("referrer-policy:", "no-referrer"),
];

impl Wsi {
    /// Status line, the vhost's extra headers, the security headers
    /// (LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE),
    /// `server:` and Strict-Transport-Security (LWS_SERVER_OPTION_STS), as
    /// lws_add_http_header_status writes them.
    pub(crate) fn status_head(&self, code_flags: u32, out: &mut Vec<u8>) {
        let code = code_flags & LWSAHH_CODE_MASK;
        let ver = if self.http_minor.get() == 0 {
            "HTTP/1.0"
        } else {
            "HTTP/1.1"
        };
        out.extend_from_slice(format!("{ver} {code} {}\r\n", description(code)).as_bytes());
        let mut h = self.vhost().headers;
        while !h.is_null() {
            // SAFETY: the vhost's headers list is owned by the program for
            // the vhost's life; names and values are C strings.
            let node = unsafe { &*h };
            if !node.name.is_null() && !node.value.is_null() {
                // SAFETY: as above.
                let (n, v) = unsafe {
                    (
                        std::ffi::CStr::from_ptr(node.name).to_bytes(),
                        std::ffi::CStr::from_ptr(node.value).to_bytes(),
                    )
                };
                header(out, n, v);
            }
            h = node.next;
        }
        let options = self.vhost().options;
        if options & super::opt::SECURITY_BEST_PRACTICES != 0 {
            for (n, v) in SECURITY_HEADERS {
                header(out, n.as_bytes(), v.as_bytes());
            }
        }
        if code_flags & LWSAHH_FLAG_NO_SERVER_NAME == 0 {
            if let Some(sv) = &self.ctx().server_string {
                header(out, b"server:", sv.to_bytes());
            }
        }
        if options & super::opt::STS != 0 {
            header(
                out,
                b"Strict-Transport-Security:",
                b"max-age=15768000 ; includeSubDomains",
            );
        }
    }
}
