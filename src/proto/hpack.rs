//! RFC 7541 HPACK: the header compression of HTTP/2.
//!
//! Written here rather than taken from a crate. The well-maintained Rust
//! implementation, the `h2` crate's, is private to it. The standalone
//! HPACK crates we looked at are old and unmaintained (`hpack` 0.3,
//! `hpack_codec` 0.1 with `u16` table sizes) or young copies inside larger
//! projects. None of them offers all the controls a C library that mirrors
//! lws needs:
//! - the decoder's table-size limit as our SETTINGS_HEADER_TABLE_SIZE,
//!   applied when the peer acknowledges it, with the size update the peer
//!   then owes us;
//! - bounds on the decoded header list (SETTINGS_MAX_HEADER_LIST_SIZE) and
//!   on single strings;
//! - a list-size overrun that leaves the table in sync, so it can be
//!   answered on one stream;
//! - an encoder that follows the peer's SETTINGS.
//!
//! It is under 1,000 lines with the tables, and it parses hostile input,
//! so it belongs in `proto/` under our own tests.
//! The Huffman table below is RFC 7541 Appendix B, transcribed from the RFC
//! text. Tests check that it is the canonical, complete code the RFC
//! describes.
//!
//! - [`Decoder`]: one per connection, fed whole field blocks (HEADERS or
//!   PUSH_PROMISE plus its CONTINUATIONs, concatenated). Every malformed
//!   input is an [`HpackError`]; all of them except
//!   [`HpackError::HeaderListTooLarge`] are an HTTP/2 connection error of
//!   type COMPRESSION_ERROR.
//! - [`Encoder`]: one per connection; static and dynamic table lookups,
//!   optional insertion, Huffman unless it is longer, never-indexed
//!   literals for sensitive fields, and the size updates the peer's
//!   SETTINGS call for.
//!
//! Field names and values are bytes; checking them against RFC 9113 8.2
//! (lowercase names, no CR/LF/NUL, pseudo-header rules) is the HTTP/2
//! message layer's job, not HPACK's.
#![forbid(unsafe_code)]

use std::collections::VecDeque;
use std::fmt;

/// Per-entry overhead in the table size (RFC 7541 4.1); RFC 9113 6.5.2
/// counts it per field in SETTINGS_MAX_HEADER_LIST_SIZE as well.
pub const ENTRY_OVERHEAD: usize = 32;
/// Initial SETTINGS_HEADER_TABLE_SIZE (RFC 9113 6.5.2), so the initial
/// dynamic table size of both directions.
pub const DEFAULT_TABLE_SIZE: usize = 4096;
/// Default bound on a decoded header list (name + value + 32 per field).
pub const DEFAULT_MAX_HEADER_LIST_SIZE: usize = 65536;
/// Default bound on one decoded string (a name or a value).
pub const DEFAULT_MAX_STRING_LEN: usize = 16384;

/// Everything that can go wrong while decoding a field block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HpackError {
    /// The block ends inside an integer or a string.
    Truncated,
    /// An integer above 2^32 - 1, or longer than the 5 continuation octets
    /// such a value needs.
    IntegerOverflow,
    /// Index 0 (RFC 7541 6.1).
    ZeroIndex,
    /// An index past the static and dynamic tables (RFC 7541 2.3.3).
    IndexOutOfRange,
    /// A dynamic table size update above our SETTINGS_HEADER_TABLE_SIZE
    /// (RFC 7541 6.3).
    TableSizeAboveLimit,
    /// A dynamic table size update after a field of the same block
    /// (RFC 7541 4.2).
    LateTableSizeUpdate,
    /// The first field block after our SETTINGS lowered the limit below the
    /// current table size did not begin with a size update (RFC 7541 4.2).
    MissingTableSizeUpdate,
    /// A string longer than the decoder's string limit.
    StringTooLong,
    /// A Huffman string contains the EOS symbol (RFC 7541 5.2).
    HuffmanEos,
    /// A Huffman string ends in more than 7 bits of padding, or in padding
    /// that is not the most significant bits of EOS (all ones).
    HuffmanPadding,
    /// The decoded list exceeds the header list limit. Decoding went on to
    /// the end of the block without emitting more fields, so the dynamic
    /// table is still in sync: this one can be answered on the stream alone
    /// (431 or RST_STREAM) rather than with a connection error.
    HeaderListTooLarge,
}

impl HpackError {
    /// True when the dynamic table may be out of sync with the peer: the
    /// connection must end with COMPRESSION_ERROR. False only for
    /// [`HpackError::HeaderListTooLarge`].
    pub fn is_connection_error(self) -> bool {
        self != HpackError::HeaderListTooLarge
    }

    /// A short description, for logs and GOAWAY debug data.
    pub fn as_str(self) -> &'static str {
        match self {
            HpackError::Truncated => "hpack: truncated field block",
            HpackError::IntegerOverflow => "hpack: integer overflow",
            HpackError::ZeroIndex => "hpack: index 0",
            HpackError::IndexOutOfRange => "hpack: index out of range",
            HpackError::TableSizeAboveLimit => "hpack: table size update above the limit",
            HpackError::LateTableSizeUpdate => "hpack: table size update after a field",
            HpackError::MissingTableSizeUpdate => "hpack: missing table size update",
            HpackError::StringTooLong => "hpack: string too long",
            HpackError::HuffmanEos => "hpack: EOS in Huffman string",
            HpackError::HuffmanPadding => "hpack: invalid Huffman padding",
            HpackError::HeaderListTooLarge => "hpack: header list too large",
        }
    }
}

impl fmt::Display for HpackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::error::Error for HpackError {}

/// A borrowed header field. `sensitive`: decoded from, or to be encoded
/// as, a never-indexed literal (RFC 7541 6.2.3); intermediaries keep it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    pub name: &'a [u8],
    pub value: &'a [u8],
    pub sensitive: bool,
}

impl<'a> Field<'a> {
    /// A field that is not marked sensitive (the encoder still treats
    /// `authorization` and friends as sensitive, see [`Encoder`]).
    pub fn new(name: &'a [u8], value: &'a [u8]) -> Self {
        Field {
            name,
            value,
            sensitive: false,
        }
    }
}

/// An owned header field, as [`Decoder::decode`] returns them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: Vec<u8>,
    pub value: Vec<u8>,
    pub sensitive: bool,
}

impl Header {
    pub fn as_field(&self) -> Field<'_> {
        Field {
            name: &self.name,
            value: &self.value,
            sensitive: self.sensitive,
        }
    }
}

/// The static table, RFC 7541 Appendix A; index `i` is `STATIC_TABLE[i - 1]`.
pub static STATIC_TABLE: [(&str, &str); 61] = [
    (":authority", ""),
    (":method", "GET"),
    (":method", "POST"),
    (":path", "/"),
    (":path", "/index.html"),
    (":scheme", "http"),
    (":scheme", "https"),
    (":status", "200"),
    (":status", "204"),
    (":status", "206"),
    (":status", "304"),
    (":status", "400"),
    (":status", "404"),
    (":status", "500"),
    ("accept-charset", ""),
    ("accept-encoding", "gzip, deflate"),
    ("accept-language", ""),
    ("accept-ranges", ""),
    ("accept", ""),
    ("access-control-allow-origin", ""),
    ("age", ""),
    ("allow", ""),
    ("authorization", ""),
    ("cache-control", ""),
    ("content-disposition", ""),
    ("content-encoding", ""),
    ("content-language", ""),
    ("content-length", ""),
    ("content-location", ""),
    ("content-range", ""),
    ("content-type", ""),
    ("cookie", ""),
    ("date", ""),
    ("etag", ""),
    ("expect", ""),
    ("expires", ""),
    ("from", ""),
    ("host", ""),
    ("if-match", ""),
    ("if-modified-since", ""),
    ("if-none-match", ""),
    ("if-range", ""),
    ("if-unmodified-since", ""),
    ("last-modified", ""),
    ("link", ""),
    ("location", ""),
    ("max-forwards", ""),
    ("proxy-authenticate", ""),
    ("proxy-authorization", ""),
    ("range", ""),
    ("referer", ""),
    ("refresh", ""),
    ("retry-after", ""),
    ("server", ""),
    ("set-cookie", ""),
    ("strict-transport-security", ""),
    ("transfer-encoding", ""),
    ("user-agent", ""),
    ("vary", ""),
    ("via", ""),
    ("www-authenticate", ""),
];

const STATIC_LEN: usize = STATIC_TABLE.len();

// ---------------------------------------------------------------------------
// Dynamic table

#[derive(Debug, Clone)]
struct Entry {
    /// name followed by value, one allocation per entry
    data: Box<[u8]>,
    name_len: usize,
}

impl Entry {
    fn name(&self) -> &[u8] {
        &self.data[..self.name_len]
    }
    fn value(&self) -> &[u8] {
        &self.data[self.name_len..]
    }
    fn size(&self) -> usize {
        self.data.len() + ENTRY_OVERHEAD
    }
}

/// The dynamic table (RFC 7541 2.3.2, 4): newest entry first, evicted from
/// the oldest end, size counted as name + value + 32 per entry.
#[derive(Debug, Clone)]
pub struct DynamicTable {
    entries: VecDeque<Entry>,
    size: usize,
    capacity: usize,
}

impl DynamicTable {
    fn new(capacity: usize) -> Self {
        DynamicTable {
            entries: VecDeque::new(),
            size: 0,
            capacity,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Current size in the RFC 7541 4.1 sense.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Current maximum size (the last size update, or the initial size).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Entry `i`, 0 = newest (HPACK index `62 + i`).
    pub fn get(&self, i: usize) -> Option<(&[u8], &[u8])> {
        self.entries.get(i).map(|e| (e.name(), e.value()))
    }

    /// Entries newest first.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.entries.iter().map(|e| (e.name(), e.value()))
    }

    fn evict_to(&mut self, target: usize) {
        while self.size > target {
            match self.entries.pop_back() {
                Some(e) => self.size -= e.size(),
                None => break,
            }
        }
    }

    fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity;
        self.evict_to(capacity);
    }

    /// RFC 7541 4.4: evict until the entry fits; an entry larger than the
    /// table empties it and is not added.
    fn insert(&mut self, name: &[u8], value: &[u8]) {
        let need = name.len() + value.len() + ENTRY_OVERHEAD;
        if need > self.capacity {
            self.entries.clear();
            self.size = 0;
            return;
        }
        self.evict_to(self.capacity - need);
        let mut data = Vec::with_capacity(name.len() + value.len());
        data.extend_from_slice(name);
        data.extend_from_slice(value);
        self.entries.push_front(Entry {
            data: data.into_boxed_slice(),
            name_len: name.len(),
        });
        self.size += need;
    }
}

// ---------------------------------------------------------------------------
// Integers (RFC 7541 5.1)

/// Largest integer the decoder accepts: every quantity HPACK carries
/// (indices, lengths, table sizes) is far below it.
const MAX_INT: u64 = u32::MAX as u64;

/// Decodes an integer with an `n`-bit prefix (1..=8) starting at `*pos`;
/// the first octet's high `8 - n` bits are the caller's.
fn decode_int(buf: &[u8], pos: &mut usize, n: u32) -> Result<usize, HpackError> {
    let max_prefix = (1u64 << n) - 1;
    let first = *buf.get(*pos).ok_or(HpackError::Truncated)?;
    *pos += 1;
    let mut v = u64::from(first) & max_prefix;
    if v < max_prefix {
        return Ok(v as usize);
    }
    let mut shift = 0u32;
    loop {
        let b = *buf.get(*pos).ok_or(HpackError::Truncated)?;
        *pos += 1;
        if shift > 28 {
            // a 6th continuation octet: more than 32 bits, or zero padding
            return Err(HpackError::IntegerOverflow);
        }
        v += u64::from(b & 0x7f) << shift;
        if v > MAX_INT {
            return Err(HpackError::IntegerOverflow);
        }
        if b & 0x80 == 0 {
            return usize::try_from(v).map_err(|_| HpackError::IntegerOverflow);
        }
        shift += 7;
    }
}

/// Appends `v` with an `n`-bit prefix; `high` holds the first octet's other
/// bits (the representation's pattern).
fn encode_int(out: &mut Vec<u8>, high: u8, n: u32, v: usize) {
    let max_prefix = (1usize << n) - 1;
    if v < max_prefix {
        out.push(high | v as u8);
        return;
    }
    out.push(high | max_prefix as u8);
    let mut rest = v - max_prefix;
    while rest >= 128 {
        out.push(0x80 | (rest & 0x7f) as u8);
        rest >>= 7;
    }
    out.push(rest as u8);
}

// ---------------------------------------------------------------------------
// Huffman code (RFC 7541 5.2 and Appendix B)

/// RFC 7541 Appendix B: `(code, bit length)` for symbols 0..=255 and EOS
/// (256), the code right-aligned.
#[rustfmt::skip]
const HUFFMAN: [(u32, u8); 257] = [
    // 0..=31
    (0x1ff8, 13), (0x7fffd8, 23), (0xfffffe2, 28), (0xfffffe3, 28),
    (0xfffffe4, 28), (0xfffffe5, 28), (0xfffffe6, 28), (0xfffffe7, 28),
    (0xfffffe8, 28), (0xffffea, 24), (0x3ffffffc, 30), (0xfffffe9, 28),
    (0xfffffea, 28), (0x3ffffffd, 30), (0xfffffeb, 28), (0xfffffec, 28),
    (0xfffffed, 28), (0xfffffee, 28), (0xfffffef, 28), (0xffffff0, 28),
    (0xffffff1, 28), (0xffffff2, 28), (0x3ffffffe, 30), (0xffffff3, 28),
    (0xffffff4, 28), (0xffffff5, 28), (0xffffff6, 28), (0xffffff7, 28),
    (0xffffff8, 28), (0xffffff9, 28), (0xffffffa, 28), (0xffffffb, 28),
    // ' ' ! " # $ % & '
    (0x14, 6), (0x3f8, 10), (0x3f9, 10), (0xffa, 12),
    (0x1ff9, 13), (0x15, 6), (0xf8, 8), (0x7fa, 11),
    // ( ) * + , - . /
    (0x3fa, 10), (0x3fb, 10), (0xf9, 8), (0x7fb, 11),
    (0xfa, 8), (0x16, 6), (0x17, 6), (0x18, 6),
    // 0 1 2 3 4 5 6 7
    (0x0, 5), (0x1, 5), (0x2, 5), (0x19, 6),
    (0x1a, 6), (0x1b, 6), (0x1c, 6), (0x1d, 6),
    // 8 9 : ; < = > ?
    (0x1e, 6), (0x1f, 6), (0x5c, 7), (0xfb, 8),
    (0x7ffc, 15), (0x20, 6), (0xffb, 12), (0x3fc, 10),
    // @ A B C D E F G
    (0x1ffa, 13), (0x21, 6), (0x5d, 7), (0x5e, 7),
    (0x5f, 7), (0x60, 7), (0x61, 7), (0x62, 7),
    // H I J K L M N O
    (0x63, 7), (0x64, 7), (0x65, 7), (0x66, 7),
    (0x67, 7), (0x68, 7), (0x69, 7), (0x6a, 7),
    // P Q R S T U V W
    (0x6b, 7), (0x6c, 7), (0x6d, 7), (0x6e, 7),
    (0x6f, 7), (0x70, 7), (0x71, 7), (0x72, 7),
    // X Y Z [ \ ] ^ _
    (0xfc, 8), (0x73, 7), (0xfd, 8), (0x1ffb, 13),
    (0x7fff0, 19), (0x1ffc, 13), (0x3ffc, 14), (0x22, 6),
    // ` a b c d e f g
    (0x7ffd, 15), (0x3, 5), (0x23, 6), (0x4, 5),
    (0x24, 6), (0x5, 5), (0x25, 6), (0x26, 6),
    // h i j k l m n o
    (0x27, 6), (0x6, 5), (0x74, 7), (0x75, 7),
    (0x28, 6), (0x29, 6), (0x2a, 6), (0x7, 5),
    // p q r s t u v w
    (0x2b, 6), (0x76, 7), (0x2c, 6), (0x8, 5),
    (0x9, 5), (0x2d, 6), (0x77, 7), (0x78, 7),
    // x y z { | } ~ DEL
    (0x79, 7), (0x7a, 7), (0x7b, 7), (0x7ffe, 15),
    (0x7fc, 11), (0x3ffd, 14), (0x1ffd, 13), (0xffffffc, 28),
    // 128..=143
    (0xfffe6, 20), (0x3fffd2, 22), (0xfffe7, 20), (0xfffe8, 20),
    (0x3fffd3, 22), (0x3fffd4, 22), (0x3fffd5, 22), (0x7fffd9, 23),
    (0x3fffd6, 22), (0x7fffda, 23), (0x7fffdb, 23), (0x7fffdc, 23),
    (0x7fffdd, 23), (0x7fffde, 23), (0xffffeb, 24), (0x7fffdf, 23),
    // 144..=159
    (0xffffec, 24), (0xffffed, 24), (0x3fffd7, 22), (0x7fffe0, 23),
    (0xffffee, 24), (0x7fffe1, 23), (0x7fffe2, 23), (0x7fffe3, 23),
    (0x7fffe4, 23), (0x1fffdc, 21), (0x3fffd8, 22), (0x7fffe5, 23),
    (0x3fffd9, 22), (0x7fffe6, 23), (0x7fffe7, 23), (0xffffef, 24),
    // 160..=175
    (0x3fffda, 22), (0x1fffdd, 21), (0xfffe9, 20), (0x3fffdb, 22),
    (0x3fffdc, 22), (0x7fffe8, 23), (0x7fffe9, 23), (0x1fffde, 21),
    (0x7fffea, 23), (0x3fffdd, 22), (0x3fffde, 22), (0xfffff0, 24),
    (0x1fffdf, 21), (0x3fffdf, 22), (0x7fffeb, 23), (0x7fffec, 23),
    // 176..=191
    (0x1fffe0, 21), (0x1fffe1, 21), (0x3fffe0, 22), (0x1fffe2, 21),
    (0x7fffed, 23), (0x3fffe1, 22), (0x7fffee, 23), (0x7fffef, 23),
    (0xfffea, 20), (0x3fffe2, 22), (0x3fffe3, 22), (0x3fffe4, 22),
    (0x7ffff0, 23), (0x3fffe5, 22), (0x3fffe6, 22), (0x7ffff1, 23),
    // 192..=207
    (0x3ffffe0, 26), (0x3ffffe1, 26), (0xfffeb, 20), (0x7fff1, 19),
    (0x3fffe7, 22), (0x7ffff2, 23), (0x3fffe8, 22), (0x1ffffec, 25),
    (0x3ffffe2, 26), (0x3ffffe3, 26), (0x3ffffe4, 26), (0x7ffffde, 27),
    (0x7ffffdf, 27), (0x3ffffe5, 26), (0xfffff1, 24), (0x1ffffed, 25),
    // 208..=223
    (0x7fff2, 19), (0x1fffe3, 21), (0x3ffffe6, 26), (0x7ffffe0, 27),
    (0x7ffffe1, 27), (0x3ffffe7, 26), (0x7ffffe2, 27), (0xfffff2, 24),
    (0x1fffe4, 21), (0x1fffe5, 21), (0x3ffffe8, 26), (0x3ffffe9, 26),
    (0xffffffd, 28), (0x7ffffe3, 27), (0x7ffffe4, 27), (0x7ffffe5, 27),
    // 224..=239
    (0xfffec, 20), (0xfffff3, 24), (0xfffed, 20), (0x1fffe6, 21),
    (0x3fffe9, 22), (0x1fffe7, 21), (0x1fffe8, 21), (0x7ffff3, 23),
    (0x3fffea, 22), (0x3fffeb, 22), (0x1ffffee, 25), (0x1ffffef, 25),
    (0xfffff4, 24), (0xfffff5, 24), (0x3ffffea, 26), (0x7ffff4, 23),
    // 240..=255
    (0x3ffffeb, 26), (0x7ffffe6, 27), (0x3ffffec, 26), (0x3ffffed, 26),
    (0x7ffffe7, 27), (0x7ffffe8, 27), (0x7ffffe9, 27), (0x7ffffea, 27),
    (0x7ffffeb, 27), (0xffffffe, 28), (0x7ffffec, 27), (0x7ffffed, 27),
    (0x7ffffee, 27), (0x7ffffef, 27), (0x7fffff0, 27), (0x3ffffee, 26),
    // EOS
    (0x3fffffff, 30),
];

const EOS: u16 = 256;
/// Longest code (EOS and a few control bytes).
const MAX_CODE_LEN: u32 = 30;

/// Decoding tables derived from [`HUFFMAN`] at compile time. The code is
/// canonical: codes of one length are consecutive, and each length's first
/// code continues where the shorter ones end. So with the next 30 input
/// bits `w` left-aligned, the symbol's length is the smallest `L` with
/// `w < limit[L]`, and it is `syms[offset[L] + (w >> (30 - L)) - first[L]]`.
struct HuffDecode {
    /// exclusive upper bound of the `L`-bit codes, left-aligned to 30 bits
    /// (carried over from the previous length where no code has `L` bits)
    limit: [u32; 31],
    /// smallest `L`-bit code
    first: [u32; 31],
    /// position of the first `L`-bit code in `syms`
    offset: [u16; 31],
    /// symbols in code order
    syms: [u16; 257],
    /// the next 8 bits -> `len << 9 | sym` when the code has at most 8 bits,
    /// 0 otherwise
    fast: [u16; 256],
}

const fn build_huff_decode() -> HuffDecode {
    let mut count = [0u32; 31];
    let mut first = [u32::MAX; 31];
    let mut i = 0;
    while i < 257 {
        let (code, len) = HUFFMAN[i];
        count[len as usize] += 1;
        if code < first[len as usize] {
            first[len as usize] = code;
        }
        i += 1;
    }
    let mut offset = [0u16; 31];
    let mut limit = [0u32; 31];
    let mut acc = 0u16;
    let mut prev_limit = 0u32;
    let mut l = 1;
    while l <= 30 {
        offset[l] = acc;
        acc += count[l] as u16;
        if count[l] > 0 {
            prev_limit = (first[l] + count[l]) << (30 - l);
        } else {
            first[l] = 0;
        }
        limit[l] = prev_limit;
        l += 1;
    }
    let mut syms = [0u16; 257];
    let mut s = 0;
    while s < 257 {
        let (code, len) = HUFFMAN[s];
        let l = len as usize;
        syms[offset[l] as usize + (code - first[l]) as usize] = s as u16;
        s += 1;
    }
    let mut fast = [0u16; 256];
    let mut p = 0;
    while p < 256 {
        let w = (p as u32) << 22;
        let mut l = 1;
        while l <= 8 {
            if w < limit[l] {
                let sym = syms[offset[l] as usize + ((w >> (30 - l)) - first[l]) as usize];
                fast[p] = ((l as u16) << 9) | sym;
                break;
            }
            l += 1;
        }
        p += 1;
    }
    HuffDecode {
        limit,
        first,
        offset,
        syms,
        fast,
    }
}

static HUFF_DECODE: HuffDecode = build_huff_decode();

/// `(symbol, length)` of the code at the top of the 30-bit window `w`.
#[inline]
fn huff_slow(w: u32) -> (u16, u32) {
    let t = &HUFF_DECODE;
    let mut l = 5; // the shortest codes have 5 bits
    while l < MAX_CODE_LEN as usize && w >= t.limit[l] {
        l += 1;
    }
    // w < limit[30] = 2^30 always holds, so l is a valid length here
    let idx = t.offset[l] as usize + ((w >> (30 - l)) - t.first[l]) as usize;
    (t.syms[idx], l as u32)
}

/// Length in octets of `src` Huffman-encoded.
pub fn huffman_encoded_len(src: &[u8]) -> usize {
    let bits: usize = src.iter().map(|&b| HUFFMAN[b as usize].1 as usize).sum();
    bits.div_ceil(8)
}

/// Appends `src` Huffman-encoded, padded with the high bits of EOS.
pub fn huffman_encode(src: &[u8], out: &mut Vec<u8>) {
    out.reserve(huffman_encoded_len(src));
    let mut acc: u64 = 0; // the low `nbits` bits are pending
    let mut nbits: u32 = 0;
    for &b in src {
        let (code, len) = HUFFMAN[b as usize];
        acc = (acc << len) | u64::from(code);
        nbits += u32::from(len);
        while nbits >= 8 {
            nbits -= 8;
            out.push((acc >> nbits) as u8);
        }
        acc &= (1u64 << nbits) - 1;
    }
    if nbits > 0 {
        out.push(((acc << (8 - nbits)) as u8) | (0xffu8 >> nbits));
    }
}

/// Appends the Huffman decoding of `src` to `out`; more than `max_len`
/// decoded octets is [`HpackError::StringTooLong`].
pub fn huffman_decode(src: &[u8], out: &mut Vec<u8>, max_len: usize) -> Result<(), HpackError> {
    let start = out.len();
    let mut acc: u64 = 0; // the high `nbits` bits are pending input
    let mut nbits: u32 = 0;
    let mut i = 0;
    loop {
        while nbits <= 56 && i < src.len() {
            acc |= u64::from(src[i]) << (56 - nbits);
            nbits += 8;
            i += 1;
        }
        if nbits == 0 {
            break;
        }
        let f = HUFF_DECODE.fast[(acc >> 56) as usize];
        let (sym, len) = if f != 0 && nbits >= 8 {
            (f & 0x1ff, u32::from(f >> 9))
        } else {
            huff_slow((acc >> 34) as u32)
        };
        if len > nbits {
            // The refill stops only at the end of the input (57+ bits are
            // pending otherwise, and codes are at most 30): what is left is
            // padding, checked below.
            break;
        }
        if sym == EOS {
            return Err(HpackError::HuffmanEos);
        }
        if out.len() - start >= max_len {
            return Err(HpackError::StringTooLong);
        }
        out.push(sym as u8);
        acc <<= len;
        nbits -= len;
    }
    if nbits > 7 {
        return Err(HpackError::HuffmanPadding);
    }
    if nbits > 0 && (acc >> (64 - nbits)) != (1u64 << nbits) - 1 {
        return Err(HpackError::HuffmanPadding);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Decoder

/// The HPACK decoder of one connection (the peer's encoder's counterpart).
#[derive(Debug, Clone)]
pub struct Decoder {
    table: DynamicTable,
    /// SETTINGS_HEADER_TABLE_SIZE in force (what we sent and the peer
    /// acknowledged): the most a size update may ask for
    limit: usize,
    /// the limit was lowered below the table size: the next field block
    /// must begin with a size update
    update_required: bool,
    max_header_list_size: usize,
    max_string_len: usize,
    name_buf: Vec<u8>,
    value_buf: Vec<u8>,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder as a connection starts: table size and limit 4096 (the
    /// SETTINGS_HEADER_TABLE_SIZE default), default list and string bounds.
    pub fn new() -> Self {
        Decoder {
            table: DynamicTable::new(DEFAULT_TABLE_SIZE),
            limit: DEFAULT_TABLE_SIZE,
            update_required: false,
            max_header_list_size: DEFAULT_MAX_HEADER_LIST_SIZE,
            max_string_len: DEFAULT_MAX_STRING_LEN,
            name_buf: Vec::new(),
            value_buf: Vec::new(),
        }
    }

    /// Our SETTINGS_HEADER_TABLE_SIZE, to call when the peer acknowledges the
    /// SETTINGS frame that carried it (until then the peer may still use the
    /// old size). When it is below the current table size, the next field
    /// block must begin with a size update no larger than it.
    pub fn set_max_table_size(&mut self, limit: usize) {
        self.limit = limit;
        if limit < self.table.capacity() {
            self.update_required = true;
        }
    }

    /// The size-update limit in force.
    pub fn max_table_size(&self) -> usize {
        self.limit
    }

    /// Bound on a decoded list: sum of name + value + 32 over its fields
    /// (our SETTINGS_MAX_HEADER_LIST_SIZE, or stricter).
    pub fn set_max_header_list_size(&mut self, n: usize) {
        self.max_header_list_size = n;
    }

    /// Bound on one decoded name or value.
    pub fn set_max_string_len(&mut self, n: usize) {
        self.max_string_len = n;
    }

    /// The dynamic table, for inspection.
    pub fn table(&self) -> &DynamicTable {
        &self.table
    }

    /// Decodes a complete field block into owned fields.
    pub fn decode(&mut self, block: &[u8]) -> Result<Vec<Header>, HpackError> {
        let mut v = Vec::new();
        self.decode_with(block, |f| {
            v.push(Header {
                name: f.name.to_vec(),
                value: f.value.to_vec(),
                sensitive: f.sensitive,
            })
        })?;
        Ok(v)
    }

    /// Decodes a complete field block, handing each field to `emit` in
    /// order. On [`HpackError::HeaderListTooLarge`], `emit` has seen the
    /// fields that fit; on the other errors, the fields before the error.
    pub fn decode_with<F: FnMut(Field<'_>)>(
        &mut self,
        block: &[u8],
        mut emit: F,
    ) -> Result<(), HpackError> {
        let mut name_buf = std::mem::take(&mut self.name_buf);
        let mut value_buf = std::mem::take(&mut self.value_buf);
        let r = self.decode_inner(block, &mut emit, &mut name_buf, &mut value_buf);
        // keep the scratch buffers unless a large string made them large
        name_buf.clear();
        value_buf.clear();
        if name_buf.capacity() <= 4096 {
            self.name_buf = name_buf;
        }
        if value_buf.capacity() <= 4096 {
            self.value_buf = value_buf;
        }
        r
    }

    fn decode_inner(
        &mut self,
        block: &[u8],
        emit: &mut dyn FnMut(Field<'_>),
        name_buf: &mut Vec<u8>,
        value_buf: &mut Vec<u8>,
    ) -> Result<(), HpackError> {
        let mut pos = 0;
        let mut seen_field = false;
        let mut list_size = 0usize;
        let mut too_large = false;
        while pos < block.len() {
            let b = block[pos];
            if b & 0xe0 == 0x20 {
                // 001xxxxx: dynamic table size update (RFC 7541 6.3)
                if seen_field {
                    return Err(HpackError::LateTableSizeUpdate);
                }
                let n = decode_int(block, &mut pos, 5)?;
                if n > self.limit {
                    return Err(HpackError::TableSizeAboveLimit);
                }
                self.table.set_capacity(n);
                self.update_required = false;
                continue;
            }
            if self.update_required {
                return Err(HpackError::MissingTableSizeUpdate);
            }
            seen_field = true;
            if b & 0x80 != 0 {
                // 1xxxxxxx: indexed field (RFC 7541 6.1)
                let idx = decode_int(block, &mut pos, 7)?;
                let (name, value) = self.lookup(idx)?;
                if !too_large {
                    list_size = list_size.saturating_add(name.len() + value.len() + ENTRY_OVERHEAD);
                    if list_size > self.max_header_list_size {
                        too_large = true;
                    } else {
                        emit(Field {
                            name,
                            value,
                            sensitive: false,
                        });
                    }
                }
                continue;
            }
            // literals (RFC 7541 6.2): 01xxxxxx with incremental indexing,
            // 0000xxxx without indexing, 0001xxxx never indexed
            let (prefix, incremental, never) = if b & 0x40 != 0 {
                (6, true, false)
            } else {
                (4, false, b & 0x10 != 0)
            };
            let idx = decode_int(block, &mut pos, prefix)?;
            name_buf.clear();
            if idx == 0 {
                self.decode_string(block, &mut pos, name_buf)?;
            } else {
                name_buf.extend_from_slice(self.lookup(idx)?.0);
            }
            value_buf.clear();
            self.decode_string(block, &mut pos, value_buf)?;
            if !too_large {
                list_size =
                    list_size.saturating_add(name_buf.len() + value_buf.len() + ENTRY_OVERHEAD);
                if list_size > self.max_header_list_size {
                    too_large = true;
                } else {
                    emit(Field {
                        name: name_buf,
                        value: value_buf,
                        sensitive: never,
                    });
                }
            }
            if incremental {
                self.table.insert(name_buf, value_buf);
            }
        }
        if too_large {
            return Err(HpackError::HeaderListTooLarge);
        }
        Ok(())
    }

    fn lookup(&self, idx: usize) -> Result<(&[u8], &[u8]), HpackError> {
        if idx == 0 {
            return Err(HpackError::ZeroIndex);
        }
        if idx <= STATIC_LEN {
            let (n, v) = STATIC_TABLE[idx - 1];
            return Ok((n.as_bytes(), v.as_bytes()));
        }
        self.table
            .get(idx - STATIC_LEN - 1)
            .ok_or(HpackError::IndexOutOfRange)
    }

    /// A string literal (RFC 7541 5.2) at `*pos` into `out` (cleared).
    fn decode_string(
        &self,
        block: &[u8],
        pos: &mut usize,
        out: &mut Vec<u8>,
    ) -> Result<(), HpackError> {
        let huffman = *block.get(*pos).ok_or(HpackError::Truncated)? & 0x80 != 0;
        let len = decode_int(block, pos, 7)?;
        if len > block.len() - *pos {
            return Err(HpackError::Truncated);
        }
        let raw = &block[*pos..*pos + len];
        *pos += len;
        if huffman {
            huffman_decode(raw, out, self.max_string_len)
        } else if len > self.max_string_len {
            Err(HpackError::StringTooLong)
        } else {
            out.extend_from_slice(raw);
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------
// Encoder

/// Fields the encoder always sends as never-indexed literals (RFC 7541
/// 7.1.3): credentials, which an attacker who can inject headers could
/// otherwise probe through the table (CRIME-style). A `cookie` shorter than
/// [`SHORT_COOKIE`] is treated the same way (a short value is guessable).
fn is_sensitive(name: &[u8], value: &[u8]) -> bool {
    match name {
        b"authorization" | b"proxy-authorization" => true,
        b"cookie" => value.len() < SHORT_COOKIE,
        _ => false,
    }
}

/// Cookies shorter than this are never indexed.
pub const SHORT_COOKIE: usize = 20;

/// Fields whose value changes with nearly every message: indexing them only
/// evicts entries that would be reused.
fn not_worth_indexing(name: &[u8]) -> bool {
    matches!(
        name,
        b":path"
            | b"content-length"
            | b"etag"
            | b"if-modified-since"
            | b"if-none-match"
            | b"last-modified"
    )
}

/// The HPACK encoder of one connection (the peer's decoder's counterpart).
#[derive(Debug, Clone)]
pub struct Encoder {
    table: DynamicTable,
    /// the peer's SETTINGS_HEADER_TABLE_SIZE
    peer_limit: usize,
    /// the most we are willing to use (memory), whatever the peer allows
    own_limit: usize,
    /// size updates owed at the start of the next block: (smallest size
    /// since the last block, final size)
    pending: Option<(usize, usize)>,
    huffman: bool,
}

impl Encoder {
    /// An encoder that uses at most `own_limit` octets of dynamic table (0:
    /// no dynamic table; the first block then tells the peer so). The peer's
    /// limit starts at 4096 until its SETTINGS say otherwise.
    pub fn new(own_limit: usize) -> Self {
        let cap = own_limit.min(DEFAULT_TABLE_SIZE);
        Encoder {
            table: DynamicTable::new(cap),
            peer_limit: DEFAULT_TABLE_SIZE,
            own_limit,
            pending: (cap != DEFAULT_TABLE_SIZE).then_some((cap, cap)),
            huffman: true,
        }
    }

    /// The peer's SETTINGS_HEADER_TABLE_SIZE, to call when its SETTINGS
    /// frame arrives (before acknowledging it). The table shrinks at once
    /// when needed; the next block begins with the size update(s).
    pub fn set_peer_max_table_size(&mut self, n: usize) {
        self.peer_limit = n;
        self.resize(n.min(self.own_limit));
    }

    /// Changes how much table we are willing to use (still bounded by the
    /// peer's limit).
    pub fn set_own_max_table_size(&mut self, n: usize) {
        self.own_limit = n;
        self.resize(n.min(self.peer_limit));
    }

    fn resize(&mut self, cap: usize) {
        if cap == self.table.capacity() {
            return;
        }
        self.table.set_capacity(cap);
        // RFC 7541 4.2: signal the smallest size since the last block when
        // the final one is larger, then the final size.
        self.pending = Some(match self.pending {
            Some((min, _)) => (min.min(cap), cap),
            None => (cap, cap),
        });
    }

    /// Huffman-code strings when that is not longer (the default), or never.
    pub fn set_huffman(&mut self, on: bool) {
        self.huffman = on;
    }

    /// The dynamic table, for inspection.
    pub fn table(&self) -> &DynamicTable {
        &self.table
    }

    /// Appends one field block for `fields` to `out`. Names should already
    /// be lowercase (RFC 9113 8.2.1); the encoder does not change them.
    pub fn encode<'a, I>(&mut self, fields: I, out: &mut Vec<u8>)
    where
        I: IntoIterator<Item = Field<'a>>,
    {
        if let Some((min, fin)) = self.pending.take() {
            if min < fin {
                encode_int(out, 0x20, 5, min);
            }
            encode_int(out, 0x20, 5, fin);
        }
        for f in fields {
            self.encode_field(f, out);
        }
    }

    fn encode_field(&mut self, f: Field<'_>, out: &mut Vec<u8>) {
        let sensitive = f.sensitive || is_sensitive(f.name, f.value);
        let (full, name_idx) = self.find(f.name, f.value);
        if !sensitive {
            if let Some(i) = full {
                encode_int(out, 0x80, 7, i);
                return;
            }
        }
        let size = f.name.len() + f.value.len() + ENTRY_OVERHEAD;
        // 0001xxxx never indexed, 01xxxxxx with incremental indexing,
        // 0000xxxx without indexing
        let (high, prefix, insert) = if sensitive {
            (0x10, 4, false)
        } else if size <= self.table.capacity() / 2 && !not_worth_indexing(f.name) {
            (0x40, 6, true)
        } else {
            (0x00, 4, false)
        };
        match name_idx {
            Some(i) => encode_int(out, high, prefix, i),
            None => {
                encode_int(out, high, prefix, 0);
                self.write_string(f.name, out);
            }
        }
        self.write_string(f.value, out);
        if insert {
            self.table.insert(f.name, f.value);
        }
    }

    /// (index of an exact match, index of a name match); static entries
    /// first (smaller indices), then the dynamic table newest first.
    fn find(&self, name: &[u8], value: &[u8]) -> (Option<usize>, Option<usize>) {
        let mut name_idx = None;
        for (i, (n, v)) in STATIC_TABLE.iter().enumerate() {
            if n.as_bytes() == name {
                if v.as_bytes() == value {
                    return (Some(i + 1), Some(i + 1));
                }
                name_idx.get_or_insert(i + 1);
            }
        }
        for (i, (n, v)) in self.table.iter().enumerate() {
            if n == name {
                let idx = STATIC_LEN + 1 + i;
                if v == value {
                    return (Some(idx), name_idx.or(Some(idx)));
                }
                name_idx.get_or_insert(idx);
            }
        }
        (None, name_idx)
    }

    fn write_string(&self, s: &[u8], out: &mut Vec<u8>) {
        if self.huffman {
            // Not longer rather than shorter: RFC 7541 C.6.2 Huffman-codes
            // "307" although it stays 3 octets.
            let hlen = huffman_encoded_len(s);
            if hlen <= s.len() {
                encode_int(out, 0x80, 7, hlen);
                huffman_encode(s, out);
                return;
            }
        }
        encode_int(out, 0x00, 7, s.len());
        out.extend_from_slice(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn fields<'a>(list: &'a [(&'a str, &'a str)]) -> impl Iterator<Item = Field<'a>> + 'a {
        list.iter()
            .map(|(n, v)| Field::new(n.as_bytes(), v.as_bytes()))
    }

    fn pairs(hs: &[Header]) -> Vec<(String, String)> {
        hs.iter()
            .map(|h| {
                (
                    String::from_utf8(h.name.clone()).unwrap(),
                    String::from_utf8(h.value.clone()).unwrap(),
                )
            })
            .collect()
    }

    fn table_state(t: &DynamicTable) -> (Vec<(String, String)>, usize) {
        let v = t
            .iter()
            .map(|(n, v)| {
                (
                    String::from_utf8(n.to_vec()).unwrap(),
                    String::from_utf8(v.to_vec()).unwrap(),
                )
            })
            .collect();
        (v, t.size())
    }

    fn owned(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    // --- Huffman table -----------------------------------------------------

    #[test]
    fn huffman_table_is_the_canonical_complete_code() {
        // Kraft sum exactly 1: the code is complete (no unused bit pattern
        // except as padding).
        let kraft: u64 = HUFFMAN.iter().map(|&(_, l)| 1u64 << (30 - l)).sum();
        assert_eq!(kraft, 1 << 30);
        // canonical: ordered by (length, symbol), each code is the previous
        // one plus 1, shifted left by the length difference
        let mut order: Vec<usize> = (0..257).collect();
        order.sort_by_key(|&s| (HUFFMAN[s].1, s));
        let (mut prev_code, mut prev_len) = (HUFFMAN[order[0]].0, HUFFMAN[order[0]].1);
        assert_eq!(prev_code, 0);
        for &s in &order[1..] {
            let (c, l) = HUFFMAN[s];
            assert!(c < (1 << l), "symbol {s}");
            assert_eq!(c, (prev_code + 1) << (l - prev_len), "symbol {s}");
            (prev_code, prev_len) = (c, l);
        }
        // EOS is the all-ones 30-bit code
        assert_eq!(HUFFMAN[256], (0x3fff_ffff, 30));
        // a few entries checked against the RFC's bit strings
        assert_eq!(HUFFMAN[b'/' as usize], (0b011000, 6));
        assert_eq!(HUFFMAN[b'0' as usize], (0b00000, 5));
        assert_eq!(HUFFMAN[b'\\' as usize], (0b1111111111111110000, 19));
        assert_eq!(HUFFMAN[255], (0b11111111111111111111101110, 26));
    }

    #[test]
    fn huffman_every_symbol_round_trips() {
        for b in 0..=255u8 {
            let mut enc = Vec::new();
            huffman_encode(&[b], &mut enc);
            assert_eq!(enc.len(), huffman_encoded_len(&[b]));
            let mut dec = Vec::new();
            huffman_decode(&enc, &mut dec, 10).unwrap();
            assert_eq!(dec, [b]);
        }
        let all: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        let mut enc = Vec::new();
        huffman_encode(&all, &mut enc);
        let mut dec = Vec::new();
        huffman_decode(&enc, &mut dec, usize::MAX).unwrap();
        assert_eq!(dec, all);
    }

    /// Bit-at-a-time reference decoder, straight from the table.
    fn naive_decode(src: &[u8]) -> Result<Vec<u8>, HpackError> {
        let mut out = Vec::new();
        let (mut code, mut len) = (0u32, 0u8);
        for i in 0..src.len() * 8 {
            let bit = (src[i / 8] >> (7 - i % 8)) & 1;
            code = (code << 1) | u32::from(bit);
            len += 1;
            if let Some(s) = HUFFMAN.iter().position(|&(c, l)| l == len && c == code) {
                if s == 256 {
                    return Err(HpackError::HuffmanEos);
                }
                out.push(s as u8);
                code = 0;
                len = 0;
            }
        }
        if len > 7 || code != (1 << len) - 1 {
            return Err(HpackError::HuffmanPadding);
        }
        Ok(out)
    }

    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u32 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) as u32
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
    }

    #[test]
    fn huffman_matches_the_naive_decoder_on_random_input() {
        let mut rng = Lcg(7);
        for round in 0..3000 {
            let n = (rng.next() % 12) as usize;
            let mut input = rng.bytes(n);
            if round % 2 == 0 {
                // mostly valid: encode random text, maybe damage the tail
                let text = rng.bytes(n);
                input.clear();
                huffman_encode(&text, &mut input);
                if round % 4 == 0 {
                    if let Some(last) = input.last_mut() {
                        *last ^= 1 << (rng.next() % 8);
                    }
                }
            }
            let mut fast = Vec::new();
            let r = huffman_decode(&input, &mut fast, usize::MAX).map(|_| fast);
            assert_eq!(r, naive_decode(&input), "input {input:02x?}");
        }
    }

    #[test]
    fn huffman_rfc_strings() {
        let mut out = Vec::new();
        huffman_encode(b"www.example.com", &mut out);
        assert_eq!(out, hex("f1e3 c2e5 f23a 6ba0 ab90 f4ff"));
        out.clear();
        huffman_encode(b"no-cache", &mut out);
        assert_eq!(out, hex("a8eb 1064 9cbf"));
        let mut dec = Vec::new();
        huffman_decode(&hex("25a8 49e9 5bb8 e8b4 bf"), &mut dec, 100).unwrap();
        assert_eq!(dec, b"custom-value");
    }

    #[test]
    fn huffman_eos_and_padding_errors() {
        let mut out = Vec::new();
        // EOS (30 ones) + 2 bits of padding
        assert_eq!(
            huffman_decode(&[0xff, 0xff, 0xff, 0xff], &mut out, 100),
            Err(HpackError::HuffmanEos)
        );
        // 'a' (00011) then EOS
        let mut bits = vec![0b0001_1111, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(
            huffman_decode(&bits, &mut out, 100),
            Err(HpackError::HuffmanEos)
        );
        // 8 bits of padding alone
        assert_eq!(
            huffman_decode(&[0xff], &mut out, 100),
            Err(HpackError::HuffmanPadding)
        );
        // 'a' + 11 one-bits: padding longer than 7 bits
        bits = vec![0b0001_1111, 0xff];
        assert_eq!(
            huffman_decode(&bits, &mut out, 100),
            Err(HpackError::HuffmanPadding)
        );
        // 'a' + 000: padding not all ones
        assert_eq!(
            huffman_decode(&[0b0001_1000], &mut out, 100),
            Err(HpackError::HuffmanPadding)
        );
        // 'a' + 110
        assert_eq!(
            huffman_decode(&[0b0001_1110], &mut out, 100),
            Err(HpackError::HuffmanPadding)
        );
        // 'a' + 111 is fine; so is an empty string
        out.clear();
        huffman_decode(&[0b0001_1111], &mut out, 100).unwrap();
        assert_eq!(out, b"a");
        out.clear();
        huffman_decode(&[], &mut out, 100).unwrap();
        assert!(out.is_empty());
        // a 5-bit code exactly filling... 8 symbols of 5 bits = 40 bits
        out.clear();
        let mut enc = Vec::new();
        huffman_encode(b"aaaaaaaa", &mut enc);
        assert_eq!(enc.len(), 5);
        huffman_decode(&enc, &mut out, 100).unwrap();
        assert_eq!(out, b"aaaaaaaa");
    }

    #[test]
    fn huffman_output_bound() {
        let mut enc = Vec::new();
        huffman_encode(&[b'0'; 100], &mut enc);
        let mut out = Vec::new();
        assert_eq!(
            huffman_decode(&enc, &mut out, 99),
            Err(HpackError::StringTooLong)
        );
        out.clear();
        huffman_decode(&enc, &mut out, 100).unwrap();
        assert_eq!(out.len(), 100);
    }

    // --- integers (RFC 7541 C.1) ------------------------------------------

    #[test]
    fn integers_c1() {
        let mut out = Vec::new();
        encode_int(&mut out, 0xe0, 5, 10);
        assert_eq!(out, [0xea]);
        out.clear();
        encode_int(&mut out, 0, 5, 1337);
        assert_eq!(out, [0x1f, 0x9a, 0x0a]);
        out.clear();
        encode_int(&mut out, 0, 8, 42);
        assert_eq!(out, [42]);
        let mut pos = 0;
        assert_eq!(decode_int(&[0xea], &mut pos, 5), Ok(10));
        pos = 0;
        assert_eq!(decode_int(&[0x1f, 0x9a, 0x0a], &mut pos, 5), Ok(1337));
        assert_eq!(pos, 3);
        pos = 0;
        assert_eq!(decode_int(&[42], &mut pos, 8), Ok(42));
    }

    #[test]
    fn integer_round_trip_and_edges() {
        for n in 1..=8 {
            for v in [
                0usize,
                1,
                (1 << n) - 2,
                (1 << n) - 1,
                1 << n,
                127,
                128,
                300,
                16383,
                16384,
                1 << 21,
                u32::MAX as usize,
            ] {
                let mut out = Vec::new();
                encode_int(&mut out, 0, n, v);
                let mut pos = 0;
                assert_eq!(decode_int(&out, &mut pos, n), Ok(v), "n={n} v={v}");
                assert_eq!(pos, out.len());
            }
        }
    }

    #[test]
    fn integer_overflow_and_truncation() {
        let mut pos = 0;
        // 2^32 with a 5-bit prefix
        let mut out = Vec::new();
        encode_int(&mut out, 0, 5, u32::MAX as usize + 1);
        assert_eq!(
            decode_int(&out, &mut pos, 5),
            Err(HpackError::IntegerOverflow)
        );
        // ever more continuation octets
        pos = 0;
        assert_eq!(
            decode_int(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], &mut pos, 7),
            Err(HpackError::IntegerOverflow)
        );
        // zero padding past the 5th continuation octet
        pos = 0;
        assert_eq!(
            decode_int(&[0x1f, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], &mut pos, 5),
            Err(HpackError::IntegerOverflow)
        );
        // 5 continuation octets with zero padding are fine
        pos = 0;
        assert_eq!(
            decode_int(&[0x1f, 0x81, 0x80, 0x80, 0x80, 0x00], &mut pos, 5),
            Ok(32)
        );
        pos = 0;
        assert_eq!(decode_int(&[], &mut pos, 5), Err(HpackError::Truncated));
        pos = 0;
        assert_eq!(decode_int(&[0x1f], &mut pos, 5), Err(HpackError::Truncated));
        pos = 0;
        assert_eq!(
            decode_int(&[0x1f, 0x80], &mut pos, 5),
            Err(HpackError::Truncated)
        );
        // a full block with an overflowing index
        let mut d = Decoder::new();
        assert_eq!(
            d.decode(&[0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
            Err(HpackError::IntegerOverflow)
        );
    }

    // --- RFC 7541 C.2 ------------------------------------------------------

    #[test]
    fn c2_1_literal_with_indexing() {
        let block = hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572");
        let mut d = Decoder::new();
        let h = d.decode(&block).unwrap();
        assert_eq!(pairs(&h), owned(&[("custom-key", "custom-header")]));
        assert_eq!(
            table_state(d.table()),
            (owned(&[("custom-key", "custom-header")]), 55)
        );
        let mut e = Encoder::new(4096);
        e.set_huffman(false);
        let mut out = Vec::new();
        e.encode(fields(&[("custom-key", "custom-header")]), &mut out);
        assert_eq!(out, block);
    }

    #[test]
    fn c2_2_literal_without_indexing() {
        let block = hex("040c 2f73 616d 706c 652f 7061 7468");
        let mut d = Decoder::new();
        let h = d.decode(&block).unwrap();
        assert_eq!(pairs(&h), owned(&[(":path", "/sample/path")]));
        assert!(!h[0].sensitive);
        assert!(d.table().is_empty());
        let mut e = Encoder::new(4096);
        e.set_huffman(false);
        let mut out = Vec::new();
        e.encode(fields(&[(":path", "/sample/path")]), &mut out);
        assert_eq!(out, block);
    }

    #[test]
    fn c2_3_literal_never_indexed() {
        let block = hex("1008 7061 7373 776f 7264 0673 6563 7265 74");
        let mut d = Decoder::new();
        let h = d.decode(&block).unwrap();
        assert_eq!(pairs(&h), owned(&[("password", "secret")]));
        assert!(h[0].sensitive);
        assert!(d.table().is_empty());
        let mut e = Encoder::new(4096);
        e.set_huffman(false);
        let mut out = Vec::new();
        e.encode(
            [Field {
                name: b"password",
                value: b"secret",
                sensitive: true,
            }],
            &mut out,
        );
        assert_eq!(out, block);
        assert!(e.table().is_empty());
    }

    #[test]
    fn c2_4_indexed() {
        let mut d = Decoder::new();
        let h = d.decode(&[0x82]).unwrap();
        assert_eq!(pairs(&h), owned(&[(":method", "GET")]));
        assert!(d.table().is_empty());
        let mut e = Encoder::new(4096);
        let mut out = Vec::new();
        e.encode(fields(&[(":method", "GET")]), &mut out);
        assert_eq!(out, [0x82]);
    }

    // --- RFC 7541 C.3 - C.6 ------------------------------------------------

    struct Step<'a> {
        block: &'a str,
        list: &'a [(&'a str, &'a str)],
        table: &'a [(&'a str, &'a str)],
        size: usize,
    }

    /// Decodes each block in turn, checking the list and the table after
    /// each, then encodes the same lists with our encoder and checks that
    /// it produces the RFC's bytes (the RFC's encoder indexes every field
    /// and Huffman-codes when shorter, like ours for these fields).
    fn run_sequence(steps: &[Step<'_>], huffman: bool, table_size: usize) {
        let mut d = Decoder::new();
        let mut e = Encoder::new(4096);
        e.set_huffman(huffman);
        if table_size != DEFAULT_TABLE_SIZE {
            // The RFC examples start with the table at this size (as
            // if both sides began there), without a size update.
            d.table.set_capacity(table_size);
            d.limit = table_size;
            e.set_peer_max_table_size(table_size);
            e.pending = None;
        }
        for (i, s) in steps.iter().enumerate() {
            let block = hex(s.block);
            let h = d.decode(&block).unwrap();
            assert_eq!(pairs(&h), owned(s.list), "step {i}");
            assert_eq!(table_state(d.table()), (owned(s.table), s.size), "step {i}");
            let mut out = Vec::new();
            e.encode(fields(s.list), &mut out);
            assert_eq!(out, block, "encoder, step {i}");
            assert_eq!(table_state(e.table()), (owned(s.table), s.size), "step {i}");
        }
    }

    const REQ1: &[(&str, &str)] = &[
        (":method", "GET"),
        (":scheme", "http"),
        (":path", "/"),
        (":authority", "www.example.com"),
    ];
    const REQ2: &[(&str, &str)] = &[
        (":method", "GET"),
        (":scheme", "http"),
        (":path", "/"),
        (":authority", "www.example.com"),
        ("cache-control", "no-cache"),
    ];
    const REQ3: &[(&str, &str)] = &[
        (":method", "GET"),
        (":scheme", "https"),
        (":path", "/index.html"),
        (":authority", "www.example.com"),
        ("custom-key", "custom-value"),
    ];
    const REQ_T1: &[(&str, &str)] = &[(":authority", "www.example.com")];
    const REQ_T2: &[(&str, &str)] = &[
        ("cache-control", "no-cache"),
        (":authority", "www.example.com"),
    ];
    const REQ_T3: &[(&str, &str)] = &[
        ("custom-key", "custom-value"),
        ("cache-control", "no-cache"),
        (":authority", "www.example.com"),
    ];

    #[test]
    fn c3_requests_without_huffman() {
        run_sequence(
            &[
                Step {
                    block: "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
                    list: REQ1,
                    table: REQ_T1,
                    size: 57,
                },
                Step {
                    block: "8286 84be 5808 6e6f 2d63 6163 6865",
                    list: REQ2,
                    table: REQ_T2,
                    size: 110,
                },
                Step {
                    block:
                        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
                    list: REQ3,
                    table: REQ_T3,
                    size: 164,
                },
            ],
            false,
            4096,
        );
    }

    #[test]
    fn c4_requests_with_huffman() {
        run_sequence(
            &[
                Step {
                    block: "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
                    list: REQ1,
                    table: REQ_T1,
                    size: 57,
                },
                Step {
                    block: "8286 84be 5886 a8eb 1064 9cbf",
                    list: REQ2,
                    table: REQ_T2,
                    size: 110,
                },
                Step {
                    block: "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
                    list: REQ3,
                    table: REQ_T3,
                    size: 164,
                },
            ],
            true,
            4096,
        );
    }

    const DATE1: &str = "Mon, 21 Oct 2013 20:13:21 GMT";
    const DATE2: &str = "Mon, 21 Oct 2013 20:13:22 GMT";
    const LOC: &str = "https://www.example.com";
    const COOKIE: &str = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
    const RESP1: &[(&str, &str)] = &[
        (":status", "302"),
        ("cache-control", "private"),
        ("date", DATE1),
        ("location", LOC),
    ];
    const RESP2: &[(&str, &str)] = &[
        (":status", "307"),
        ("cache-control", "private"),
        ("date", DATE1),
        ("location", LOC),
    ];
    const RESP3: &[(&str, &str)] = &[
        (":status", "200"),
        ("cache-control", "private"),
        ("date", DATE2),
        ("location", LOC),
        ("content-encoding", "gzip"),
        ("set-cookie", COOKIE),
    ];
    const RESP_T1: &[(&str, &str)] = &[
        ("location", LOC),
        ("date", DATE1),
        ("cache-control", "private"),
        (":status", "302"),
    ];
    const RESP_T2: &[(&str, &str)] = &[
        (":status", "307"),
        ("location", LOC),
        ("date", DATE1),
        ("cache-control", "private"),
    ];
    const RESP_T3: &[(&str, &str)] = &[
        ("set-cookie", COOKIE),
        ("content-encoding", "gzip"),
        ("date", DATE2),
    ];

    #[test]
    fn c5_responses_without_huffman() {
        run_sequence(
            &[
                Step {
                    block: "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133
                            2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70
                            6c65 2e63 6f6d",
                    list: RESP1,
                    table: RESP_T1,
                    size: 222,
                },
                Step {
                    block: "4803 3330 37c1 c0bf",
                    list: RESP2,
                    table: RESP_T2,
                    size: 222,
                },
                Step {
                    block: "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d
                            54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049
                            5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e
                            3d31",
                    list: RESP3,
                    table: RESP_T3,
                    size: 215,
                },
            ],
            false,
            256,
        );
    }

    #[test]
    fn c6_responses_with_huffman() {
        run_sequence(
            &[
                Step {
                    block: "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6
                            2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
                    list: RESP1,
                    table: RESP_T1,
                    size: 222,
                },
                Step {
                    block: "4883 640e ffc1 c0bf",
                    list: RESP2,
                    table: RESP_T2,
                    size: 222,
                },
                Step {
                    block: "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab
                            77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f
                            9587 3160 65c0 03ed 4ee5 b106 3d50 07",
                    list: RESP3,
                    table: RESP_T3,
                    size: 215,
                },
            ],
            true,
            256,
        );
    }

    // --- table size updates -----------------------------------------------

    #[test]
    fn size_update_evicts_and_is_bounded_by_the_limit() {
        let mut d = Decoder::new();
        d.decode(&hex(
            "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
        ))
        .unwrap();
        assert_eq!(d.table().len(), 1);
        // update to 0 empties the table, then back to 4096: both at the start
        let h = d.decode(&[0x20, 0x3f, 0xe1, 0x1f, 0x82]).unwrap();
        assert_eq!(pairs(&h), owned(&[(":method", "GET")]));
        assert!(d.table().is_empty());
        assert_eq!(d.table().capacity(), 4096);
        // 4097 > limit
        assert_eq!(
            d.decode(&[0x3f, 0xe2, 0x1f]),
            Err(HpackError::TableSizeAboveLimit)
        );
        // a block of only an update is fine
        let mut d = Decoder::new();
        assert_eq!(d.decode(&[0x3f, 0xe1, 0x0f]).unwrap(), vec![]);
        assert_eq!(d.table().capacity(), 31 + 0x61 + (0x0f << 7));
    }

    #[test]
    fn size_update_after_a_field_is_an_error() {
        let mut d = Decoder::new();
        assert_eq!(
            d.decode(&[0x82, 0x20]),
            Err(HpackError::LateTableSizeUpdate)
        );
        let mut d = Decoder::new();
        assert_eq!(
            d.decode(&[0x20, 0x82, 0x3f, 0x00]),
            Err(HpackError::LateTableSizeUpdate)
        );
    }

    #[test]
    fn lowered_limit_requires_an_update_first() {
        let mut d = Decoder::new();
        d.set_max_table_size(100);
        // a field before any update
        assert_eq!(d.decode(&[0x82]), Err(HpackError::MissingTableSizeUpdate));
        let mut d = Decoder::new();
        d.set_max_table_size(100);
        // an empty block does not settle it, nor fail
        assert_eq!(d.decode(&[]).unwrap(), vec![]);
        assert_eq!(
            d.decode(&[0x3f, 0x46]), // 31 + 70 = 101 > 100
            Err(HpackError::TableSizeAboveLimit)
        );
        let mut d = Decoder::new();
        d.set_max_table_size(100);
        assert_eq!(pairs(&d.decode(&[0x3f, 0x45, 0x82]).unwrap()).len(), 1);
        assert_eq!(d.table().capacity(), 100);
        // the next block needs no update
        assert_eq!(d.decode(&[0x82]).unwrap().len(), 1);
        // raising the limit requires nothing
        d.set_max_table_size(8192);
        assert_eq!(d.decode(&[0x82]).unwrap().len(), 1);
        // an encoder that already shrank its table owes nothing
        let mut d = Decoder::new();
        d.decode(&[0x20]).unwrap();
        d.set_max_table_size(100);
        assert_eq!(d.decode(&[0x82]).unwrap().len(), 1);
    }

    #[test]
    fn encoder_signals_size_changes() {
        let mut e = Encoder::new(4096);
        let mut d = Decoder::new();
        let list: &[(&str, &str)] = &[("x-a", "1"), ("x-b", "2")];
        let mut out = Vec::new();
        e.encode(fields(list), &mut out);
        d.decode(&out).unwrap();
        assert_eq!(e.table().len(), 2);
        // peer lowers to 0 then raises to 2048 before our next block:
        // smallest (0) then final (2048)
        e.set_peer_max_table_size(0);
        e.set_peer_max_table_size(2048);
        assert!(e.table().is_empty());
        d.set_max_table_size(2048);
        out.clear();
        e.encode(fields(list), &mut out);
        assert_eq!(&out[..4], &[0x20, 0x3f, 0xe1, 0x0f]);
        assert_eq!(pairs(&d.decode(&out).unwrap()), owned(list));
        assert_eq!(table_state(d.table()), table_state(e.table()));
        // peer lowers to 50: one update, table shrinks to fit
        e.set_peer_max_table_size(50);
        d.set_max_table_size(50);
        out.clear();
        e.encode(fields(list), &mut out);
        assert_eq!(&out[..2], &[0x3f, 0x13]);
        assert_eq!(pairs(&d.decode(&out).unwrap()), owned(list));
        assert_eq!(table_state(d.table()), table_state(e.table()));
        // the peer allowing more than we want: we stay at our own limit
        let mut e = Encoder::new(1024);
        let mut out = Vec::new();
        e.encode(fields(list), &mut out);
        assert_eq!(&out[..3], &[0x3f, 0xe1, 0x07]); // 1024
        e.set_peer_max_table_size(1 << 20);
        assert_eq!(e.table().capacity(), 1024);
        out.clear();
        e.encode(fields(list), &mut out);
        assert_eq!(out, [0xbf, 0xbe], "no second update");
        // no change, no update
        let mut e = Encoder::new(4096);
        e.set_peer_max_table_size(4096);
        out.clear();
        e.encode(fields(&[(":method", "GET")]), &mut out);
        assert_eq!(out, [0x82]);
    }

    #[test]
    fn encoder_without_dynamic_table() {
        let mut e = Encoder::new(0);
        let mut d = Decoder::new();
        let mut out = Vec::new();
        e.encode(
            fields(&[("x-long", "value"), ("x-long", "value")]),
            &mut out,
        );
        assert_eq!(out[0], 0x20);
        assert!(e.table().is_empty());
        let h = d.decode(&out).unwrap();
        assert_eq!(h.len(), 2);
        assert!(d.table().is_empty());
        assert_eq!(d.table().capacity(), 0);
    }

    // --- encoder choices ----------------------------------------------------

    #[test]
    fn encoder_reuses_dynamic_entries() {
        let mut e = Encoder::new(4096);
        let mut out = Vec::new();
        e.encode(fields(&[("x-custom", "abc")]), &mut out);
        out.clear();
        e.encode(
            fields(&[("x-custom", "abc"), ("x-custom", "def")]),
            &mut out,
        );
        // exact match -> 62; then a name match against the dynamic table
        assert_eq!(out[0], 0xbe);
        assert_eq!(out[1], 0x40 | 62);
        let mut d = Decoder::new();
        let mut all = Vec::new();
        let mut e = Encoder::new(4096);
        e.encode(fields(&[("x-custom", "abc")]), &mut all);
        assert_eq!(d.decode(&all).unwrap().len(), 1);
        all.clear();
        e.encode(
            fields(&[("x-custom", "abc"), ("x-custom", "def")]),
            &mut all,
        );
        assert_eq!(
            pairs(&d.decode(&all).unwrap()),
            owned(&[("x-custom", "abc"), ("x-custom", "def")])
        );
    }

    #[test]
    fn encoder_never_indexes_sensitive_fields() {
        let mut e = Encoder::new(4096);
        e.set_huffman(false);
        let mut out = Vec::new();
        e.encode(
            fields(&[
                ("authorization", "Basic dXNlcjpwYXNz"),
                ("proxy-authorization", "x"),
                ("cookie", "a=b"),
                ("cookie", "session=0123456789abcdef0123"),
            ]),
            &mut out,
        );
        // 0001xxxx with name index 23 (authorization): 0x1f 0x08
        assert_eq!(&out[..2], &[0x1f, 0x08]);
        // only the long cookie went into the table
        assert_eq!(
            table_state(e.table()).0,
            owned(&[("cookie", "session=0123456789abcdef0123")])
        );
        let mut d = Decoder::new();
        let h = d.decode(&out).unwrap();
        assert_eq!(
            h.iter().map(|h| h.sensitive).collect::<Vec<_>>(),
            [true, true, true, false]
        );
        // sending the same authorization again still does not index it,
        // and a caller-marked field is never indexed either
        out.clear();
        e.encode(
            [
                Field::new(b"authorization", b"Basic dXNlcjpwYXNz"),
                Field {
                    name: b"x-token",
                    value: b"t",
                    sensitive: true,
                },
            ],
            &mut out,
        );
        assert_eq!(&out[..2], &[0x1f, 0x08]);
        assert_eq!(e.table().len(), 1);
        let h = d.decode(&out).unwrap();
        assert!(h.iter().all(|h| h.sensitive));
        // a never-indexed field stays a literal even when it is also in the
        // table (RFC 7541 7.1.3: intermediaries keep the representation)
        let mut e = Encoder::new(4096);
        let mut out = Vec::new();
        e.encode(fields(&[("x-s", "v")]), &mut out);
        out.clear();
        e.encode(
            [Field {
                name: b"x-s",
                value: b"v",
                sensitive: true,
            }],
            &mut out,
        );
        assert_eq!(out[0] & 0xf0, 0x10);
    }

    #[test]
    fn encoder_skips_volatile_and_oversized_fields() {
        let mut e = Encoder::new(4096);
        let mut out = Vec::new();
        let big = "v".repeat(3000);
        e.encode(
            [
                Field::new(b":path", b"/a/b/c"),
                Field::new(b"content-length", b"1234"),
                Field::new(b"x-big", big.as_bytes()),
            ],
            &mut out,
        );
        assert!(e.table().is_empty());
        let mut d = Decoder::new();
        let h = d.decode(&out).unwrap();
        assert_eq!(h[2].value, big.as_bytes());
        assert!(d.table().is_empty());
    }

    #[test]
    fn encoder_huffman_only_when_not_longer() {
        let mut e = Encoder::new(0);
        let mut out = Vec::new();
        // control bytes have long codes: raw is shorter
        e.encode([Field::new(b"x", &[1, 2, 3])], &mut out);
        // update(0), 0x00 literal name, 'x' Huffman (1111001 + one bit of
        // padding: as long as raw), value raw (23 + 28 + 28 bits)
        assert_eq!(out, [0x20, 0x00, 0x81, 0xf3, 0x03, 1, 2, 3]);
        e.set_huffman(false);
        out.clear();
        e.encode([Field::new(b"x", b"aaaa")], &mut out);
        assert_eq!(out, [0x00, 0x01, b'x', 0x04, b'a', b'a', b'a', b'a']);
    }

    // --- round trips ----------------------------------------------------------

    #[test]
    fn round_trips_with_changing_table_sizes() {
        let mut rng = Lcg(42);
        let names: [&[u8]; 8] = [
            b":method",
            b":path",
            b"user-agent",
            b"x-a",
            b"x-bb",
            b"cookie",
            b"authorization",
            b"accept-encoding",
        ];
        let mut e = Encoder::new(4096);
        let mut d = Decoder::new();
        for round in 0..400 {
            if round % 37 == 0 {
                let n = [0usize, 64, 256, 1000, 4096][(rng.next() % 5) as usize];
                // our decoder's limit goes first (the SETTINGS we send), the
                // peer's encoder follows
                d.set_max_table_size(n);
                e.set_peer_max_table_size(n);
            }
            e.set_huffman(round % 3 != 0);
            let count = (rng.next() % 10) as usize;
            let list: Vec<Header> = (0..count)
                .map(|_| {
                    let name = names[(rng.next() % 8) as usize].to_vec();
                    let vlen = (rng.next() % 40) as usize;
                    let value = if rng.next() % 2 == 0 {
                        rng.bytes(vlen)
                    } else {
                        (0..vlen).map(|_| b'a' + (rng.next() % 4) as u8).collect()
                    };
                    Header {
                        name,
                        value,
                        sensitive: rng.next() % 10 == 0,
                    }
                })
                .collect();
            let mut out = Vec::new();
            e.encode(list.iter().map(|h| h.as_field()), &mut out);
            let got = d.decode(&out).unwrap();
            assert_eq!(got.len(), list.len());
            for (g, w) in got.iter().zip(&list) {
                assert_eq!((&g.name, &g.value), (&w.name, &w.value));
                if w.sensitive {
                    assert!(g.sensitive);
                }
            }
            assert_eq!(table_state_bytes(d.table()), table_state_bytes(e.table()));
        }
    }

    type TableBytes = (Vec<(Vec<u8>, Vec<u8>)>, usize, usize);

    fn table_state_bytes(t: &DynamicTable) -> TableBytes {
        (
            t.iter().map(|(n, v)| (n.to_vec(), v.to_vec())).collect(),
            t.size(),
            t.capacity(),
        )
    }

    // --- hostile input -------------------------------------------------------

    #[test]
    fn index_zero_and_out_of_range() {
        let mut d = Decoder::new();
        assert_eq!(d.decode(&[0x80]), Err(HpackError::ZeroIndex));
        assert_eq!(d.decode(&[0xbe]), Err(HpackError::IndexOutOfRange));
        assert_eq!(d.decode(&[0xbd]).unwrap().len(), 1); // 61 is static
                                                         // literal with a name index past the table: 0000xxxx, 15 + 47 = 62
        assert_eq!(
            d.decode(&[0x0f, 0x2f, 0x00]),
            Err(HpackError::IndexOutOfRange)
        );
        // with incremental indexing: 63 + 0 = 63
        assert_eq!(
            d.decode(&[0x7f, 0x00, 0x00]),
            Err(HpackError::IndexOutOfRange)
        );
        // one dynamic entry: 62 works, 63 does not
        d.decode(&hex("4003 782d 6101 31")).unwrap();
        assert_eq!(pairs(&d.decode(&[0xbe]).unwrap()), owned(&[("x-a", "1")]));
        assert_eq!(d.decode(&[0xbf]), Err(HpackError::IndexOutOfRange));
    }

    #[test]
    fn truncated_blocks() {
        let full = hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572");
        for cut in 1..full.len() {
            let mut d = Decoder::new();
            assert_eq!(
                d.decode(&full[..cut]),
                Err(HpackError::Truncated),
                "cut {cut}"
            );
        }
        // a Huffman string whose length runs past the block
        let mut d = Decoder::new();
        assert_eq!(d.decode(&hex("4188 f1e3 c2e5")), Err(HpackError::Truncated));
        // a huge claimed length is Truncated, not an allocation
        let mut d = Decoder::new();
        assert_eq!(
            d.decode(&[0x00, 0x7f, 0xff, 0xff, 0xff, 0x0f]),
            Err(HpackError::Truncated)
        );
    }

    #[test]
    fn huffman_errors_in_a_block() {
        let mut d = Decoder::new();
        // :authority with a Huffman value that is only padding (8 ones)
        assert_eq!(
            d.decode(&[0x41, 0x81, 0xff]),
            Err(HpackError::HuffmanPadding)
        );
        // value EOS
        assert_eq!(
            d.decode(&[0x41, 0x84, 0xff, 0xff, 0xff, 0xff]),
            Err(HpackError::HuffmanEos)
        );
    }

    #[test]
    fn string_length_bound() {
        let mut d = Decoder::new();
        d.set_max_string_len(8);
        let mut block = vec![0x00, 0x01, b'x', 0x09];
        block.extend_from_slice(b"123456789");
        assert_eq!(d.decode(&block), Err(HpackError::StringTooLong));
        block[3] = 0x08;
        block.pop();
        assert_eq!(d.decode(&block).unwrap()[0].value, b"12345678");
        // a Huffman string expanding past the bound: 6 octets of '0's
        // (5 bits each) decode to 9 octets
        let mut enc = Vec::new();
        huffman_encode(b"000000000", &mut enc);
        assert_eq!(enc.len(), 6);
        let mut block = vec![0x00, 0x01, b'x', 0x80 | enc.len() as u8];
        block.extend_from_slice(&enc);
        assert_eq!(d.decode(&block), Err(HpackError::StringTooLong));
    }

    #[test]
    fn header_list_bomb() {
        // a 4000-octet entry, then a block of 1000 one-octet references to
        // it: 4 MB of headers from 1 KB of input
        let mut e = Encoder::new(4096);
        let mut d = Decoder::new();
        let big = "b".repeat(1900);
        let mut out = Vec::new();
        e.encode([Field::new(b"x-big", big.as_bytes())], &mut out);
        d.decode(&out).unwrap();
        assert_eq!(d.table().len(), 1);
        let bomb = vec![0xbe; 1000];
        let mut emitted = 0;
        let r = d.decode_with(&bomb, |_| emitted += 1);
        assert_eq!(r, Err(HpackError::HeaderListTooLarge));
        assert!(!HpackError::HeaderListTooLarge.is_connection_error());
        // 65536 / (5 + 1900 + 32) = 33 fields fit
        assert_eq!(emitted, 33);
        // a literal with incremental indexing after the overrun is still
        // added, so the table stays in sync with the encoder
        let mut bomb2 = vec![0xbe; 40];
        bomb2.extend_from_slice(&hex("4003 782d 6101 31"));
        assert_eq!(d.decode(&bomb2), Err(HpackError::HeaderListTooLarge));
        assert_eq!(d.table().get(0), Some((&b"x-a"[..], &b"1"[..])));
        // the next block decodes normally
        assert_eq!(pairs(&d.decode(&[0xbe]).unwrap()), owned(&[("x-a", "1")]));
        // exact accounting: name + value + 32 per field
        let mut d = Decoder::new();
        d.set_max_header_list_size(2 * (7 + 3 + 32));
        assert_eq!(d.decode(&[0x82, 0x82]).unwrap().len(), 2);
        assert_eq!(
            d.decode(&[0x82, 0x82, 0x82]),
            Err(HpackError::HeaderListTooLarge)
        );
    }

    #[test]
    fn random_garbage_never_panics() {
        let mut rng = Lcg(1);
        for _ in 0..20000 {
            let n = (rng.next() % 24) as usize;
            let mut block = rng.bytes(n);
            // bias towards plausible first octets
            if let Some(b) = block.first_mut() {
                if rng.next() % 2 == 0 {
                    *b &= 0x4f;
                }
            }
            let mut d = Decoder::new();
            let _ = d.decode(&block);
            assert!(d.table().size() <= d.table().capacity());
        }
    }

    #[test]
    fn errors_have_messages() {
        assert_eq!(HpackError::ZeroIndex.to_string(), "hpack: index 0");
        assert!(HpackError::Truncated.is_connection_error());
    }
}
