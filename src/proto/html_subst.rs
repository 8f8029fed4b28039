//! `$variable` substitution over a file streamed in pieces, and HTTP/1.1
//! chunk framing of the result: the logic of `lws_chunked_html_process`.
//!
//! Matching follows lws's rule: from a `$`, characters are taken while at
//! least one variable name starts with them; when exactly one name matches
//! and is complete, it is replaced. When no name matches any more, the `$`
//! is literal and scanning resumes at the character after it. A name of
//! [`MAX_MATCH`] characters or more never matches (lws's match buffer is
//! 16 bytes with a terminator). Replacement text is not scanned again.

#![forbid(unsafe_code)]

/// The longest partial match kept; reaching it makes the `$` literal.
pub const MAX_MATCH: usize = 15;

/// Substitutes variables in `carry` followed by `input`.
///
/// `carry` is a partial match left over from the previous piece (it starts
/// with `$`). Returns the output and the new carry: the unfinished match at
/// the end of `input`, which the next piece completes. With `last`, nothing
/// is carried: an unfinished match is literal text.
///
/// `vars[i]` is a name (with its `$`), or None for a name that never
/// matches; `replace(i)` gives the text for name `i`.
pub fn substitute(
    carry: &[u8],
    input: &[u8],
    last: bool,
    vars: &[Option<&[u8]>],
    mut replace: impl FnMut(usize) -> Vec<u8>,
) -> (Vec<u8>, Vec<u8>) {
    let mut data = Vec::with_capacity(carry.len() + input.len());
    data.extend_from_slice(carry);
    data.extend_from_slice(input);
    let mut out = Vec::with_capacity(data.len() + 64);
    let mut i = 0;
    'scan: while i < data.len() {
        if data[i] != b'$' {
            // copy the run up to the next '$' at once
            let run = data[i..]
                .iter()
                .position(|&c| c == b'$')
                .unwrap_or(data.len() - i);
            out.extend_from_slice(&data[i..i + run]);
            i += run;
            continue;
        }
        let mut pos = 0;
        loop {
            if i + pos == data.len() {
                if last {
                    break; // unfinished at the end: literal
                }
                return (out, data[i..].to_vec());
            }
            pos += 1;
            if pos == MAX_MATCH {
                break;
            }
            let seen = &data[i..i + pos];
            let mut hits = 0;
            let mut hit = 0;
            for (n, v) in vars.iter().enumerate() {
                if let Some(v) = v {
                    if v.len() >= pos && &v[..pos] == seen {
                        hits += 1;
                        hit = n;
                    }
                }
            }
            if hits == 0 {
                break;
            }
            if hits == 1 && vars[hit].is_some_and(|v| v.len() == pos) {
                out.extend_from_slice(&replace(hit));
                i += pos;
                continue 'scan;
            }
        }
        // the '$' is literal; look again from the character after it
        out.push(b'$');
        i += 1;
    }
    (out, Vec::new())
}

/// The chunk header for `len` bytes of data.
pub fn chunk_header(len: usize) -> Vec<u8> {
    format!("{len:X}\r\n").into_bytes()
}

/// What follows a chunk's data: its CRLF, and the last chunk and the end of
/// the body when `last`.
pub fn chunk_trailer(last: bool) -> &'static [u8] {
    if last {
        b"\r\n0\r\n\r\n"
    } else {
        b"\r\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(pieces: &[&[u8]], vars: &[&[u8]]) -> Vec<u8> {
        let v: Vec<Option<&[u8]>> = vars.iter().map(|v| Some(*v)).collect();
        let mut carry = Vec::new();
        let mut all = Vec::new();
        for (k, p) in pieces.iter().enumerate() {
            let (o, c) = substitute(&carry, p, k + 1 == pieces.len(), &v, |n| {
                format!("<{n}>").into_bytes()
            });
            all.extend_from_slice(&o);
            carry = c;
        }
        assert!(carry.is_empty());
        all
    }

    #[test]
    fn whole_and_split() {
        let vars: &[&[u8]] = &[b"$hello", b"$world"];
        let want = b"a <0> b <1>! $x $hel $".to_vec();
        let text: &[u8] = b"a $hello b $world! $x $hel $";
        assert_eq!(run(&[text], vars), want);
        for cut in 0..=text.len() {
            assert_eq!(run(&[&text[..cut], &text[cut..]], vars), want, "cut {cut}");
        }
        // one byte at a time
        let pieces: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(run(&pieces, vars), want);
    }

    #[test]
    fn lws_matching_rules() {
        // "$a" is ambiguous with "$ab" until decided
        assert_eq!(run(&[b"$ab $ax"], &[b"$a", b"$ab"]), b"<1> $ax".to_vec());
        // restart after a failed match finds a variable inside it
        assert_eq!(run(&[b"$$hello"], &[b"$hello"]), b"$<0>".to_vec());
        assert_eq!(run(&[b"$he$hello"], &[b"$hello"]), b"$he<0>".to_vec());
        // names of 15 characters or more never match
        assert_eq!(
            run(&[b"$abcdefghijklmn"], &[b"$abcdefghijklmn"]),
            b"$abcdefghijklmn".to_vec()
        );
        assert_eq!(
            run(&[b"$abcdefghijklm"], &[b"$abcdefghijklm"]),
            b"<0>".to_vec()
        );
        // replacement text is not rescanned
        let v: Vec<Option<&[u8]>> = vec![Some(b"$a")];
        let (o, c) = substitute(b"", b"$a$a", true, &v, |_| b"$a".to_vec());
        assert_eq!((o, c), (b"$a$a".to_vec(), Vec::new()));
    }

    #[test]
    fn framing() {
        assert_eq!(chunk_header(0x1a2), b"1A2\r\n");
        assert_eq!(chunk_trailer(true), b"\r\n0\r\n\r\n");
    }
}
