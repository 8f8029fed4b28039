//! The request header table: every header of a request stored under its
//! `lws_token_indexes` value (several occurrences are fragments of one
//! token), other headers kept by name, as lws's header API presents them.

/// Token names in `lws_token_indexes` order for Debian's build (HTTP/2,
/// WebSocket and uncommon headers enabled); `lws_token_to_string` returns
/// these. The last entry is the unmatchable one.
pub(crate) const TOKEN_NAMES: [&str; 88] = [
    "get ",
    "post ",
    "options ",
    "host:",
    "connection:",
    "upgrade:",
    "origin:",
    "sec-websocket-draft:",
    "\r\n",
    "sec-websocket-extensions:",
    "sec-websocket-key1:",
    "sec-websocket-key2:",
    "sec-websocket-protocol:",
    "sec-websocket-accept:",
    "sec-websocket-nonce:",
    "http/1.1 ",
    "http2-settings:",
    "accept:",
    "access-control-request-headers:",
    "if-modified-since:",
    "if-none-match:",
    "accept-encoding:",
    "accept-language:",
    "pragma:",
    "cache-control:",
    "authorization:",
    "cookie:",
    "content-length:",
    "content-type:",
    "date:",
    "range:",
    "referer:",
    "sec-websocket-key:",
    "sec-websocket-version:",
    "sec-websocket-origin:",
    ":authority",
    ":method",
    ":path",
    ":scheme",
    ":status",
    "accept-charset:",
    "accept-ranges:",
    "access-control-allow-origin:",
    "age:",
    "allow:",
    "content-disposition:",
    "content-encoding:",
    "content-language:",
    "content-location:",
    "content-range:",
    "etag:",
    "expect:",
    "expires:",
    "from:",
    "if-match:",
    "if-range:",
    "if-unmodified-since:",
    "last-modified:",
    "link:",
    "location:",
    "max-forwards:",
    "proxy-authenticate:",
    "proxy-authorization:",
    "refresh:",
    "retry-after:",
    "server:",
    "set-cookie:",
    "strict-transport-security:",
    "transfer-encoding:",
    "user-agent:",
    "vary:",
    "via:",
    "www-authenticate:",
    "patch",
    "put",
    "delete",
    "uri-args",
    "proxy ",
    "x-real-ip:",
    "http/1.0 ",
    "x-forwarded-for:",
    "connect ",
    "head ",
    "te:",
    "replay-nonce:",
    ":protocol",
    "x-auth-token:",
    "",
];

pub(crate) const WSI_TOKEN_HTTP_URI_ARGS: usize = 76;
pub(crate) const WSI_TOKEN_HTTP_COOKIE: usize = 26;

/// The token of a method, or None for methods lws does not know.
pub(crate) fn method_token(method: &str) -> Option<usize> {
    let want = match method {
        "GET" => "get ",
        "POST" => "post ",
        "OPTIONS" => "options ",
        "PUT" => "put",
        "PATCH" => "patch",
        "DELETE" => "delete",
        "CONNECT" => "connect ",
        "HEAD" => "head ",
        _ => return None,
    };
    TOKEN_NAMES.iter().position(|n| *n == want)
}

/// The token for a lower-case header name, if lws has one.
pub(crate) fn header_token(name: &str) -> Option<usize> {
    TOKEN_NAMES
        .iter()
        .position(|n| n.len() == name.len() + 1 && n.ends_with(':') && n.starts_with(name))
}

/// Header values of one request; every stored value is NUL-terminated so
/// C can be handed a pointer to it.
#[derive(Default)]
pub struct HeaderTable {
    data: Vec<u8>,
    /// (token, offset, len) in arrival order.
    frags: Vec<(usize, usize, usize)>,
    /// (lower-case name with ':', offset, len)
    custom: Vec<(Vec<u8>, usize, usize)>,
    /// The method's token.
    pub method: Option<usize>,
}

impl HeaderTable {
    fn store(&mut self, v: &[u8]) -> (usize, usize) {
        let off = self.data.len();
        self.data.extend_from_slice(v);
        self.data.push(0);
        (off, v.len())
    }

    pub fn add(&mut self, token: usize, v: &[u8]) {
        let (o, l) = self.store(v);
        self.frags.push((token, o, l));
    }

    pub fn add_custom(&mut self, name: &str, v: &[u8]) {
        let (o, l) = self.store(v);
        let mut n = name.as_bytes().to_vec();
        n.push(b':');
        self.custom.push((n, o, l));
    }

    /// Replaces every fragment of `token` with one value.
    pub fn replace(&mut self, token: usize, v: &[u8]) {
        self.frags.retain(|f| f.0 != token);
        self.add(token, v);
    }

    /// Bytes held, for the max_http_header_data limit.
    pub fn size(&self) -> usize {
        self.data.len()
    }

    fn token_frags(&self, token: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.frags
            .iter()
            .filter(move |f| f.0 == token)
            .map(|f| (f.1, f.2))
    }

    /// lws_hdr_total_length: fragments plus one separator between each
    /// (cookies have none).
    pub fn total_length(&self, token: usize) -> usize {
        let mut n = 0;
        let mut count = 0;
        for (_, l) in self.token_frags(token) {
            n += l;
            count += 1;
        }
        if count > 1 && token != WSI_TOKEN_HTTP_COOKIE {
            n += count - 1;
        }
        n
    }

    /// The value as lws_hdr_copy joins it (',' between fragments).
    pub fn joined(&self, token: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, (o, l)) in self.token_frags(token).enumerate() {
            if i > 0 && token != WSI_TOKEN_HTTP_COOKIE {
                out.push(b',');
            }
            out.extend_from_slice(&self.data[o..o + l]);
        }
        out
    }

    pub fn fragment(&self, token: usize, idx: usize) -> Option<&[u8]> {
        self.token_frags(token)
            .nth(idx)
            .map(|(o, l)| &self.data[o..o + l])
    }

    /// Pointer to the first fragment (NUL-terminated), lws_hdr_simple_ptr.
    pub fn first_ptr(&self, token: usize) -> Option<(*const u8, usize)> {
        self.token_frags(token)
            .next()
            .map(|(o, l)| (self.data[o..].as_ptr(), l))
    }

    pub fn custom(&self, name: &[u8]) -> Option<&[u8]> {
        self.custom
            .iter()
            .find(|c| c.0 == name)
            .map(|c| &self.data[c.1..c.1 + c.2])
    }

    pub fn has(&self, token: usize) -> bool {
        self.frags.iter().any(|f| f.0 == token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_line_up_with_debian() {
        assert_eq!(TOKEN_NAMES[3], "host:");
        assert_eq!(TOKEN_NAMES[WSI_TOKEN_HTTP_COOKIE], "cookie:");
        assert_eq!(TOKEN_NAMES[WSI_TOKEN_HTTP_URI_ARGS], "uri-args");
        assert_eq!(header_token("content-length"), Some(27));
        assert_eq!(
            method_token("HEAD"),
            TOKEN_NAMES.iter().position(|n| *n == "head ")
        );
        assert_eq!(header_token("x-unknown"), None);
    }

    #[test]
    fn fragments_join() {
        let mut t = HeaderTable::default();
        t.add(17, b"a");
        t.add(17, b"bc");
        assert_eq!(t.total_length(17), 4);
        assert_eq!(t.joined(17), b"a,bc");
        t.add(WSI_TOKEN_HTTP_COOKIE, b"x=1");
        t.add(WSI_TOKEN_HTTP_COOKIE, b"y=2");
        assert_eq!(t.total_length(WSI_TOKEN_HTTP_COOKIE), 6);
        assert_eq!(t.fragment(17, 1), Some(&b"bc"[..]));
        t.add_custom("x-my", b"v");
        assert_eq!(t.custom(b"x-my:"), Some(&b"v"[..]));
    }
}
