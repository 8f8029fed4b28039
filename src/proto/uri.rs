//! Request-target processing as lws does it: %xx decoding, path
//! normalisation (`//`, `/./` and `/../`, never above the root) and the
//! query split into `&`/`;`-separated, decoded arguments.
#![forbid(unsafe_code)]

/// The decoded path and the query arguments of a request target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub path: Vec<u8>,
    pub args: Vec<Vec<u8>>,
}

fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes and normalises `raw`. Err(status) for a malformed escape (403,
/// as lws refuses it) or an encoded NUL (400).
pub fn parse_target(raw: &[u8]) -> Result<Target, u16> {
    // split at the first literal '?': an encoded one belongs to the path
    let (path_raw, query) = match raw.iter().position(|&c| c == b'?') {
        Some(i) => (&raw[..i], Some(&raw[i + 1..])),
        None => (raw, None),
    };
    let path = normalise_path(&decode(path_raw, false)?.0);
    let mut args = Vec::new();
    if let Some(q) = query {
        for part in q.split(|&c| c == b'&' || c == b';') {
            let (mut v, enc_eq) = decode(part, true)?;
            // an encoded '=' in the name part would fake a name: lws
            // turns it into '_'
            if let Some(first_literal) = enc_eq.first_literal_eq {
                for i in enc_eq.encoded_eqs.iter().filter(|&&i| i < first_literal) {
                    v[*i] = b'_';
                }
            } else {
                for &i in &enc_eq.encoded_eqs {
                    v[i] = b'_';
                }
            }
            args.push(v);
        }
    }
    Ok(Target { path, args })
}

#[derive(Default)]
struct EqInfo {
    encoded_eqs: Vec<usize>,
    first_literal_eq: Option<usize>,
}

/// %xx-decodes `s`. A literal '+' is a space, as in lws: always in
/// arguments, and in the path except where lws's normaliser is just past
/// a '/' ("/+", "/.+" and "/..+" keep it).
fn decode(s: &[u8], arg: bool) -> Result<(Vec<u8>, EqInfo), u16> {
    let mut out = Vec::with_capacity(s.len());
    let mut eq = EqInfo::default();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'%' {
            let (Some(h), Some(l)) = (
                s.get(i + 1).and_then(|&c| hex(c)),
                s.get(i + 2).and_then(|&c| hex(c)),
            ) else {
                return Err(403);
            };
            let v = (h << 4) | l;
            if v == 0 {
                return Err(400);
            }
            if v == b'=' {
                eq.encoded_eqs.push(out.len());
            }
            out.push(v);
            i += 3;
            continue;
        }
        if c == b'=' && eq.first_literal_eq.is_none() {
            eq.first_literal_eq = Some(out.len());
        }
        let after_slash = [&b"/"[..], b"/.", b"/.."].iter().any(|e| out.ends_with(e));
        out.push(if c == b'+' && (arg || !after_slash) {
            b' '
        } else {
            c
        });
        i += 1;
    }
    Ok((out, eq))
}

/// Collapses `//`, drops `/./` and resolves `/../` without going above `/`.
pub fn normalise_path(p: &[u8]) -> Vec<u8> {
    let mut segs: Vec<&[u8]> = Vec::new();
    let absolute = p.first() == Some(&b'/');
    let trailing = p.len() > 1 && (p.ends_with(b"/") || p.ends_with(b"/.") || p.ends_with(b"/.."));
    for seg in p.split(|&c| c == b'/') {
        match seg {
            b"" | b"." => {}
            b".." => {
                segs.pop();
            }
            s => segs.push(s),
        }
    }
    let mut out = Vec::with_capacity(p.len());
    if absolute || p.is_empty() {
        out.push(b'/');
    }
    for (i, s) in segs.iter().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(s);
    }
    if trailing && !segs.is_empty() {
        out.push(b'/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(raw: &str) -> (String, Vec<String>) {
        let t = parse_target(raw.as_bytes()).unwrap();
        (
            String::from_utf8(t.path).unwrap(),
            t.args
                .into_iter()
                .map(|a| String::from_utf8(a).unwrap())
                .collect(),
        )
    }

    #[test]
    fn paths() {
        assert_eq!(t("/").0, "/");
        assert_eq!(t("/a//b/./c").0, "/a/b/c");
        assert_eq!(t("/a/b/../c").0, "/a/c");
        assert_eq!(t("/../../etc/passwd").0, "/etc/passwd");
        assert_eq!(t("/%2e%2e/%2e%2e/etc/passwd").0, "/etc/passwd");
        assert_eq!(t("/a/.hidden/x").0, "/a/.hidden/x");
        assert_eq!(t("/dir/").0, "/dir/");
        assert_eq!(t("/a%20b").0, "/a b");
        assert_eq!(t("/a+b").0, "/a b");
        assert_eq!(t("/+a/.+b/..+c/...+d").0, "/+a/.+b/..+c/... d");
        assert_eq!(t("/a%2f+b/c%2b").0, "/a/+b/c+");
        assert_eq!(t("/x?/+y").1, vec!["/ y"]);
    }

    #[test]
    fn args() {
        assert_eq!(
            t("/x?a=1&b=hello+world;c=%41").1,
            vec!["a=1", "b=hello world", "c=A"]
        );
        assert_eq!(t("/x?na%3dme=v%3d").1, vec!["na_me=v="]);
        assert_eq!(t("/x?%3d=1").1, vec!["_=1"]);
        assert_eq!(t("/x%3fy").0, "/x?y");
        assert!(t("/x").1.is_empty());
    }

    #[test]
    fn bad_escapes() {
        assert_eq!(parse_target(b"/a%zz"), Err(403));
        assert_eq!(parse_target(b"/a%2"), Err(403));
        assert_eq!(parse_target(b"/a%00b"), Err(400));
    }
}
