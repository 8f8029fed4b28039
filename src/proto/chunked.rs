//! Streaming decoder for `Transfer-Encoding: chunked` request bodies
//! (RFC 7230 4.1). Payload is reported as ranges of the input.
#![forbid(unsafe_code)]

use std::ops::Range;

const MAX_LINE: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum St {
    Size,
    Ext,
    SizeLf,
    Data(u64),
    DataCr,
    DataLf,
    Trailer { line_len: usize },
    TrailerLf { empty: bool },
    Done,
    Bad,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Data(Range<usize>),
    /// The body ended; bytes after it belong to the next request.
    End,
    /// Malformed framing: answer 400 and close.
    Error,
}

#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    st: St,
    size: u64,
    digits: usize,
    line: usize,
}

impl Default for ChunkedDecoder {
    fn default() -> Self {
        ChunkedDecoder {
            st: St::Size,
            size: 0,
            digits: 0,
            line: 0,
        }
    }
}

impl ChunkedDecoder {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn is_done(&self) -> bool {
        self.st == St::Done
    }

    /// Consumes from `buf`; returns (consumed, event). Call again with the
    /// rest while consumed < buf.len() and the event is not End/Error.
    pub fn feed(&mut self, buf: &[u8]) -> (usize, Option<Event>) {
        let mut i = 0;
        while i < buf.len() {
            let c = buf[i];
            match self.st {
                St::Done => return (i, Some(Event::End)),
                St::Bad => return (i, Some(Event::Error)),
                St::Size => {
                    let d = match c {
                        b'0'..=b'9' => Some(c - b'0'),
                        b'a'..=b'f' => Some(c - b'a' + 10),
                        b'A'..=b'F' => Some(c - b'A' + 10),
                        _ => None,
                    };
                    match d {
                        Some(d) => {
                            self.digits += 1;
                            if self.size > (u64::MAX >> 4) || self.digits > 16 {
                                return self.bad(i);
                            }
                            self.size = (self.size << 4) | d as u64;
                        }
                        None if self.digits == 0 => return self.bad(i),
                        None if c == b';' || c == b' ' || c == b'\t' => self.st = St::Ext,
                        None if c == b'\r' => self.st = St::SizeLf,
                        None => return self.bad(i),
                    }
                    i += 1;
                }
                St::Ext => {
                    self.line += 1;
                    if self.line > MAX_LINE || c == b'\n' {
                        return self.bad(i);
                    }
                    if c == b'\r' {
                        self.st = St::SizeLf;
                    }
                    i += 1;
                }
                St::SizeLf => {
                    if c != b'\n' {
                        return self.bad(i);
                    }
                    i += 1;
                    self.line = 0;
                    self.st = if self.size == 0 {
                        St::Trailer { line_len: 0 }
                    } else {
                        St::Data(self.size)
                    };
                }
                St::Data(rem) => {
                    let n = (rem as usize).min(buf.len() - i);
                    let start = i;
                    i += n;
                    let left = rem - n as u64;
                    self.st = if left == 0 {
                        St::DataCr
                    } else {
                        St::Data(left)
                    };
                    return (i, Some(Event::Data(start..i)));
                }
                St::DataCr => {
                    if c != b'\r' {
                        return self.bad(i);
                    }
                    self.st = St::DataLf;
                    i += 1;
                }
                St::DataLf => {
                    if c != b'\n' {
                        return self.bad(i);
                    }
                    self.size = 0;
                    self.digits = 0;
                    self.st = St::Size;
                    i += 1;
                }
                St::Trailer { line_len } => {
                    if c == b'\r' {
                        self.st = St::TrailerLf {
                            empty: line_len == 0,
                        };
                    } else if c == b'\n' || line_len >= MAX_LINE {
                        return self.bad(i);
                    } else {
                        self.st = St::Trailer {
                            line_len: line_len + 1,
                        };
                    }
                    i += 1;
                }
                St::TrailerLf { empty } => {
                    if c != b'\n' {
                        return self.bad(i);
                    }
                    i += 1;
                    if empty {
                        self.st = St::Done;
                        return (i, Some(Event::End));
                    }
                    self.st = St::Trailer { line_len: 0 };
                }
            }
        }
        match self.st {
            St::Done => (i, Some(Event::End)),
            St::Bad => (i, Some(Event::Error)),
            _ => (i, None),
        }
    }

    fn bad(&mut self, i: usize) -> (usize, Option<Event>) {
        self.st = St::Bad;
        (i, Some(Event::Error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_split(input: &[u8], step: usize) -> Result<(Vec<u8>, usize), ()> {
        let mut d = ChunkedDecoder::new();
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < input.len() {
            let end = (pos + step).min(input.len());
            let mut off = pos;
            while off < end {
                let (n, ev) = d.feed(&input[off..end]);
                match ev {
                    Some(Event::Data(r)) => {
                        out.extend_from_slice(&input[off + r.start..off + r.end])
                    }
                    Some(Event::End) => return Ok((out, off + n)),
                    Some(Event::Error) => return Err(()),
                    None => {}
                }
                off += n;
            }
            pos = end;
        }
        Err(())
    }

    #[test]
    fn every_split() {
        let body = b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-T: y\r\n\r\nNEXT";
        for step in 1..body.len() {
            let (out, used) = decode_split(body, step).unwrap();
            assert_eq!(out, b"hello, world");
            assert_eq!(&body[used..], b"NEXT");
        }
    }

    #[test]
    fn bad_framing() {
        for bad in [
            &b"x\r\n"[..],
            b"5\r\nhelloXX",
            b"5\nhello",
            b"\r\n",
            b"11111111111111111\r\n",
            b"5 \n",
        ] {
            assert!(
                decode_split(bad, 1).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
