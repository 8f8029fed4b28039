//! Stateful POST argument parsing (lws-spa.h), sans-I/O: form bodies in,
//! named values stored and file parts streamed out.
//!
//! Two body formats, chosen by the request's Content-Type:
//! - `application/x-www-form-urlencoded` (anything that is not multipart):
//!   `name=value&...`, values decoded (`+` is a space, `%xx` a byte), names
//!   taken as they are.
//! - `multipart/form-data` (or `multipart/related`) with a `boundary=`:
//!   parts with `Content-Disposition: form-data; name="..."[; filename="..."]`.
//!   Parts with a filename are files: their data goes to the upload sink as
//!   [`UploadState::Open`], [`UploadState::Content`]\*,
//!   [`UploadState::FinalContent`]; the other parts are values.
//!
//! The input may be cut anywhere (inside `%xx`, inside a boundary, inside a
//! part header): the parser keeps its state between [`Spa::process`] calls.
//!
//! Facts kept from lws 4.1.6, because programs can see them:
//! - names are at most 31 bytes: a longer urlencoded name is an error,
//!   a longer multipart name is cut; filenames are cut at 255 bytes;
//! - every stored value takes its length plus one (a NUL) in a store of
//!   `max_storage` bytes, and a value fits only while
//!   `used + len < max_storage - 1`; a value that does not fit is an error
//!   (the rest of the body is refused), not a truncation;
//! - an empty value is not stored (the parameter stays absent);
//! - a name given twice keeps its first value, and its length is the sum of
//!   both (in "arena" mode, lws's `lwsac` one, the last value wins);
//! - file data arrives in chunks of up to `max_storage - used - 1` bytes,
//!   less the bytes of a boundary that is being matched at that moment;
//! - after the final boundary (`--boundary--`) the rest is ignored;
//! - at [`Spa::finish`] a pending urlencoded value is stored only if the
//!   body did not end inside `%xx`; the sink always gets one
//!   [`UploadState::Close`], with the current part's name and filename.
//!
//! Where 4.1.6 reads uninitialised memory or writes past its buffer (a
//! `name&` with no `=`, values that fill the store while a boundary is half
//! matched, `max_storage` 0), this parser does the sensible thing instead:
//! `name&` is a name with an empty value, the store bounds hold, 0 means
//! the default 512.
#![forbid(unsafe_code)]

/// Longest name kept, plus its NUL (lws's `LWS_MAX_ELEM_NAME`).
pub const NAME_SIZE: usize = 32;
/// Longest multipart filename kept, plus its NUL.
pub const FILENAME_SIZE: usize = 256;
/// Room for `"\r\n--" + boundary + NUL`.
const BOUNDARY_SIZE: usize = 128;
/// A Content-Type header of this many bytes or more is not looked at
/// (lws copies it into a buffer of this size).
const CONTENT_TYPE_MAX: usize = 205;
/// `max_storage` when the caller gives 0 (or less).
pub const DEFAULT_STORAGE: usize = 512;

/// What an upload-sink call is about (the values of
/// `enum lws_spa_fileupload_states`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadState {
    /// A chunk of file data.
    Content,
    /// The last chunk of a file (maybe empty).
    FinalContent,
    /// A file starts (no data).
    Open,
    /// The parser is done (no data; once per parser).
    Close,
}

/// One call of the upload sink.
#[derive(Debug)]
pub struct Upload<'a> {
    pub state: UploadState,
    /// The part's name, NUL-terminated.
    pub name: &'a [u8],
    /// The part's filename, NUL-terminated (just the NUL when none).
    pub filename: &'a [u8],
    /// The data; `None` for [`UploadState::Close`].
    pub data: Option<&'a mut [u8]>,
}

/// The sink refused the data (the upload callback returned < 0), or the
/// body is malformed / over the storage limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Error;

/// Where a stored value lives.
#[derive(Clone, Copy, Debug)]
enum Slot {
    /// `store[offset..]`, NUL-terminated.
    Store(usize),
    /// `arena[index]`, NUL-terminated.
    Arena(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    // urlencoded
    Name,
    Value,
    Percent1,
    Percent2(u8),
    // multipart
    /// Part data (or the preamble), watching for the boundary.
    Data,
    /// Matching a part header name.
    HeaderName,
    /// In `Content-Disposition: ...`.
    Disposition,
    /// In `Content-Type: ...` (ignored).
    ContentType,
    /// Skipping to a CR ('-' may start the closing `--`).
    SkipLine,
    /// Waiting for the LF of a line.
    LineFeed,
    /// After a '-' that follows a boundary.
    Dash,
    /// After the closing boundary: everything is ignored.
    Completed,
}

/// The part header names recognised, lower case, with what follows.
const PART_HEADERS: [&[u8]; 3] = [b"content-disposition: ", b"content-type: ", b"\r\n"];

/// The configuration a parser is created with.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The parameter names, by ordinal (`None` never matches).
    pub names: Vec<Option<Vec<u8>>>,
    /// Bytes of value storage; 0 means [`DEFAULT_STORAGE`].
    pub max_storage: usize,
    /// lws's `lwsac` mode: each value is its own allocation, the last one
    /// wins, and the storage limit only bounds chunks.
    pub arena: bool,
}

/// A form-body parser and the values it stored.
#[derive(Debug)]
pub struct Spa {
    names: Vec<Option<Vec<u8>>>,
    max: usize,
    arena_mode: bool,
    /// Value storage, `max` bytes, never reallocated (C holds pointers).
    store: Vec<u8>,
    used: usize,
    arena: Vec<Box<[u8]>>,
    slots: Vec<Option<Slot>>,
    lengths: Vec<i32>,

    state: State,
    /// The current part's (or pair's) data, not yet handed on.
    part: Vec<u8>,
    name: [u8; NAME_SIZE],
    name_len: usize,
    filename: [u8; FILENAME_SIZE],
    filename_len: usize,
    /// `"\r\n--" + boundary`; empty if not multipart or no boundary.
    boundary: Vec<u8>,
    /// Bytes of `boundary` matched so far.
    matched: usize,
    /// A boundary was seen, so a partial match starts with a real CRLF.
    after_boundary: bool,
    /// Header-name position (bytes matched), bit set of candidates.
    hdr_pos: usize,
    hdr_candidates: u8,
    /// Content-Disposition: the parameter name being read, whether we are
    /// reading one, inside quotes, and the position in the value.
    sub: Vec<u8>,
    in_subname: bool,
    in_quote: bool,
    field_pos: usize,

    failed: bool,
    finished: bool,
}

impl Spa {
    /// A parser for a body whose Content-Type header is `content_type`.
    pub fn new(cfg: Config, content_type: Option<&[u8]>) -> Spa {
        let max = if cfg.max_storage == 0 {
            DEFAULT_STORAGE
        } else {
            cfg.max_storage
        };
        let count = cfg.names.len();
        let mut spa = Spa {
            names: cfg.names,
            max,
            arena_mode: cfg.arena,
            store: vec![0; max],
            used: 0,
            arena: Vec::new(),
            slots: vec![None; count],
            lengths: vec![0; count],
            state: State::Name,
            part: Vec::with_capacity(max.min(64 * 1024)),
            name: [0; NAME_SIZE],
            name_len: 0,
            filename: [0; FILENAME_SIZE],
            filename_len: 0,
            boundary: Vec::new(),
            matched: 0,
            after_boundary: false,
            hdr_pos: 0,
            hdr_candidates: 0,
            sub: Vec::new(),
            in_subname: false,
            in_quote: false,
            field_pos: 0,
            failed: false,
            finished: false,
        };
        if let Some(b) = content_type.and_then(multipart_boundary) {
            spa.state = State::Data;
            spa.boundary = b;
            // the body starts with "--boundary", without the CRLF
            spa.matched = 2;
        }
        spa
    }

    /// True for a multipart body.
    pub fn is_multipart(&self) -> bool {
        !matches!(
            self.state,
            State::Name | State::Value | State::Percent1 | State::Percent2(_)
        )
    }

    /// True once the closing boundary has been seen.
    pub fn completed(&self) -> bool {
        self.state == State::Completed
    }

    /// Parameter `n`'s value with its NUL, if one was stored.
    pub fn value(&self, n: usize) -> Option<&[u8]> {
        let end_of = |b: &[u8]| b.iter().position(|&c| c == 0).unwrap_or(b.len());
        match self.slots.get(n).copied().flatten()? {
            Slot::Store(off) => {
                let v = &self.store[off..];
                Some(&v[..end_of(v) + 1])
            }
            Slot::Arena(i) => Some(&self.arena[i]),
        }
    }

    /// Parameter `n`'s value bytes (without the NUL; but see [`Spa::length`]).
    pub fn value_str(&self, n: usize) -> Option<&[u8]> {
        self.value(n).map(|v| &v[..v.len() - 1])
    }

    /// The sum of the lengths of the values received for parameter `n`.
    pub fn length(&self, n: usize) -> i32 {
        self.lengths.get(n).copied().unwrap_or(0)
    }

    /// Parses the next piece of the body. After an error every later call
    /// fails too; after [`Spa::finish`] input is ignored.
    pub fn process(
        &mut self,
        input: &[u8],
        sink: &mut dyn FnMut(Upload<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self.finished || input.is_empty() {
            return Ok(());
        }
        if self.failed {
            return Err(Error);
        }
        let r = self.run(input, sink);
        if r.is_err() {
            self.failed = true;
        }
        r
    }

    /// The body is complete: stores a pending urlencoded value and tells the
    /// sink [`UploadState::Close`]. Further calls do nothing.
    pub fn finish(&mut self, sink: &mut dyn FnMut(Upload<'_>) -> Result<(), Error>) {
        if self.finished {
            return;
        }
        self.finished = true;
        if !self.failed && self.state == State::Value {
            let _ = self.end_value();
        }
        self.name[self.name_len] = 0;
        let _ = sink(Upload {
            state: UploadState::Close,
            name: &self.name[..self.name_len + 1],
            filename: &self.filename[..self.filename_len + 1],
            data: None,
        });
    }

    /// Bytes a chunk may hold before it is handed on.
    fn chunk_room(&self) -> usize {
        if self.arena_mode {
            self.max
        } else {
            self.max - self.used
        }
    }

    fn is_file(&self) -> bool {
        self.filename_len > 0
    }

    fn lookup(&self) -> Option<usize> {
        let name = &self.name[..self.name_len];
        self.names.iter().position(|n| n.as_deref() == Some(name))
    }

    fn run(
        &mut self,
        input: &[u8],
        sink: &mut dyn FnMut(Upload<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        for &c in input {
            if matches!(
                self.state,
                State::Value | State::Percent1 | State::Percent2(_) | State::Data
            ) {
                self.before_data_byte(sink)?;
            }
            match self.state {
                State::Name => match c {
                    b'=' => self.state = State::Value,
                    b'&' => {
                        // a name without a value: nothing to store
                        self.name_len = 0;
                        self.name[0] = 0;
                    }
                    _ if self.name_len >= NAME_SIZE - 1 => return Err(Error),
                    _ => {
                        self.name[self.name_len] = c;
                        self.name_len += 1;
                        self.name[self.name_len] = 0;
                    }
                },
                State::Value => match c {
                    b'%' => self.state = State::Percent1,
                    b'&' => {
                        self.end_value()?;
                        self.state = State::Name;
                        self.name_len = 0;
                    }
                    b'+' => self.part.push(b' '),
                    _ => self.part.push(c),
                },
                State::Percent1 => {
                    let h = hex(c).ok_or(Error)?;
                    self.state = State::Percent2(h << 4);
                }
                State::Percent2(hi) => {
                    let h = hex(c).ok_or(Error)?;
                    self.part.push(hi | h);
                    self.state = State::Value;
                }
                State::Data => self.data_byte(c, sink)?,
                State::HeaderName => self.header_name_byte(c),
                State::Disposition => self.disposition_byte(c, sink)?,
                State::ContentType => {
                    if c == b'\r' {
                        self.state = State::LineFeed;
                    }
                }
                State::SkipLine => match c {
                    b'\r' => self.state = State::LineFeed,
                    b'-' => self.state = State::Dash,
                    _ => {}
                },
                State::LineFeed => {
                    self.hdr_pos = 0;
                    if c == b'\n' {
                        self.state = State::HeaderName;
                    }
                }
                State::Dash => match c {
                    b'\r' => self.state = State::SkipLine,
                    b'-' => self.state = State::Completed,
                    _ => {}
                },
                State::Completed => {}
            }
        }
        Ok(())
    }

    /// Before each byte of a value or part: refuse a value that can no
    /// longer fit, hand on a full chunk.
    fn before_data_byte(
        &mut self,
        sink: &mut dyn FnMut(Upload<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let pos = self.part.len();
        if pos == 0 {
            return Ok(());
        }
        let room = self.chunk_room();
        let file = self.is_file();
        if !file && !self.arena_mode && self.lookup().is_some() {
            if room >= 2 && pos + 1 >= room {
                return Err(Error);
            }
            if room < 2 {
                // lws runs past its store here and fails only when the
                // value ends; one byte is enough to fail it then
                self.part.truncate(1);
            }
            return Ok(());
        }
        if pos + self.matched + 1 < room {
            return Ok(());
        }
        if file {
            self.emit_file(UploadState::Content, sink)?;
        } else if let Some(n) = self.lookup() {
            // arena mode: this chunk replaces the value
            self.store_value(n)?;
        }
        self.part.clear();
        Ok(())
    }

    /// One byte of multipart data: boundary matching.
    fn data_byte(
        &mut self,
        c: u8,
        sink: &mut dyn FnMut(Upload<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self.matched < self.boundary.len() && c == self.boundary[self.matched] {
            self.matched += 1;
            if self.matched == self.boundary.len() {
                self.matched = 0;
                self.state = State::SkipLine;
                self.end_part(sink)?;
                self.name_len = 0;
                self.name[0] = 0;
                self.filename_len = 0;
                self.filename[0] = 0;
                self.after_boundary = true;
            }
            return Ok(());
        }
        if self.matched > 0 {
            // the partial match was data after all
            let skip = if self.after_boundary { 0 } else { 2 };
            if self.matched >= skip {
                let (m, b) = (self.matched, &self.boundary);
                self.part.extend_from_slice(b.get(skip..m).unwrap_or(&[]));
                self.matched = 0;
                if !self.boundary.is_empty() && c == self.boundary[0] {
                    self.matched = 1;
                    return Ok(());
                }
            }
        }
        self.part.push(c);
        self.matched = 0;
        Ok(())
    }

    fn header_name_byte(&mut self, c: u8) {
        let c = c.to_ascii_lowercase();
        if self.hdr_pos == 0 {
            self.hdr_candidates = (1 << PART_HEADERS.len()) - 1;
        }
        let mut hit = None;
        for (i, h) in PART_HEADERS.iter().enumerate() {
            if self.hdr_candidates & (1 << i) == 0 {
                continue;
            }
            if self.hdr_pos >= h.len() || h[self.hdr_pos] != c {
                self.hdr_candidates &= !(1 << i);
                continue;
            }
            if self.hdr_pos + 1 == h.len() {
                hit = Some(i);
                break;
            }
        }
        let Some(hit) = hit else {
            if self.hdr_candidates == 0 {
                self.state = State::SkipLine;
                self.hdr_pos = 0;
            } else {
                self.hdr_pos += 1;
            }
            return;
        };
        self.hdr_pos = 0;
        self.sub.clear();
        self.in_subname = false;
        self.field_pos = 0;
        self.state = match hit {
            0 => State::Disposition,
            1 => State::ContentType,
            _ => State::Data,
        };
    }

    /// `form-data; name="file"; filename="t.txt"`
    fn disposition_byte(
        &mut self,
        c: u8,
        sink: &mut dyn FnMut(Upload<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        match c {
            b'\r' => {
                self.state = State::LineFeed;
                if self.is_file() {
                    self.emit_file(UploadState::Open, sink)?;
                }
            }
            b';' => {
                self.in_subname = true;
                self.sub.clear();
                self.field_pos = 0;
            }
            b'"' => self.in_quote = !self.in_quote,
            _ if self.in_subname => {
                if c == b'=' {
                    self.in_subname = false;
                    self.field_pos = 0;
                } else if self.sub.len() < NAME_SIZE - 1 && (c != b' ' || self.in_quote) {
                    self.sub.push(c);
                }
            }
            _ if self.sub == b"name" => {
                if self.field_pos < NAME_SIZE - 1 {
                    self.name[self.field_pos] = c;
                    self.field_pos += 1;
                }
                self.name_len = self.field_pos;
                self.name[self.name_len] = 0;
            }
            _ if self.sub == b"filename" => {
                if self.field_pos < FILENAME_SIZE - 1 {
                    self.filename[self.field_pos] = c;
                    self.field_pos += 1;
                }
                self.filename_len = self.field_pos;
                self.filename[self.filename_len] = 0;
            }
            _ => {} // the disposition type, or a parameter we ignore
        }
        Ok(())
    }

    fn emit_file(
        &mut self,
        state: UploadState,
        sink: &mut dyn FnMut(Upload<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        sink(Upload {
            state,
            name: &self.name[..self.name_len + 1],
            filename: &self.filename[..self.filename_len + 1],
            data: Some(&mut self.part[..]),
        })
    }

    /// The end of a multipart part (at a boundary).
    fn end_part(
        &mut self,
        sink: &mut dyn FnMut(Upload<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if self.is_file() {
            self.emit_file(UploadState::FinalContent, sink)?;
            self.part.clear();
            return Ok(());
        }
        self.end_value()
    }

    /// The end of a value: store it if its name is wanted.
    fn end_value(&mut self) -> Result<(), Error> {
        let r = match self.lookup() {
            Some(n) if !self.part.is_empty() => self.store_value(n),
            _ => Ok(()),
        };
        self.part.clear();
        r
    }

    /// Stores `part` as parameter `n`'s value (or its latest chunk).
    fn store_value(&mut self, n: usize) -> Result<(), Error> {
        let len = self.part.len();
        if self.arena_mode {
            let mut v = Vec::with_capacity(len + 1);
            v.extend_from_slice(&self.part);
            v.push(0);
            self.arena.push(v.into_boxed_slice());
            self.slots[n] = Some(Slot::Arena(self.arena.len() - 1));
        } else {
            if self.used + len >= self.max - 1 {
                return Err(Error);
            }
            self.store[self.used..self.used + len].copy_from_slice(&self.part);
            self.store[self.used + len] = 0;
            if self.slots[n].is_none() {
                self.slots[n] = Some(Slot::Store(self.used));
            }
            self.used += len + 1;
        }
        self.lengths[n] = self.lengths[n].saturating_add(len as i32);
        Ok(())
    }

    /// The address of parameter `n`'s stored value, for C: stable until the
    /// parser is dropped.
    pub fn value_ptr(&self, n: usize) -> Option<*const u8> {
        match self.slots.get(n).copied().flatten()? {
            Slot::Store(off) => Some(self.store[off..].as_ptr()),
            Slot::Arena(i) => Some(self.arena[i].as_ptr()),
        }
    }
}

/// The `"\r\n--boundary"` pattern of a multipart Content-Type, `Some(empty)`
/// for multipart without a boundary, `None` when not multipart.
pub fn multipart_boundary(ct: &[u8]) -> Option<Vec<u8>> {
    if ct.is_empty() || ct.len() >= CONTENT_TYPE_MAX {
        return None;
    }
    // the header as a C string: up to a NUL
    let ct = &ct[..ct.iter().position(|&c| c == 0).unwrap_or(ct.len())];
    if !ct.starts_with(b"multipart/form-data") && !ct.starts_with(b"multipart/related") {
        return None;
    }
    let key = b"boundary=";
    let Some(at) = ct.windows(key.len()).position(|w| w == key) else {
        return Some(Vec::new());
    };
    let mut rest = &ct[at + key.len()..];
    if rest.first() == Some(&b'"') {
        rest = &rest[1..];
    }
    let mut b = b"\r\n--".to_vec();
    for &c in rest {
        if b.len() >= BOUNDARY_SIZE - 1 || matches!(c, b' ' | b';' | b'"') {
            break;
        }
        b.push(c);
    }
    Some(b)
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Ev(UploadState, String, String, Vec<u8>);

    /// Feeds `chunks`, finishes; returns the events (file data chunks
    /// merged by state run, so chunking does not matter) and the result.
    fn run(cfg: &Config, ct: Option<&str>, chunks: &[&[u8]]) -> (Spa, Vec<Ev>, Result<(), Error>) {
        let mut spa = Spa::new(cfg.clone(), ct.map(str::as_bytes));
        let mut evs = Vec::new();
        let mut sink = |u: Upload<'_>| {
            let s = |b: &[u8]| {
                assert_eq!(b.last(), Some(&0));
                String::from_utf8_lossy(&b[..b.len() - 1]).into_owned()
            };
            evs.push(Ev(
                u.state,
                s(u.name),
                s(u.filename),
                u.data.map(|d| d.to_vec()).unwrap_or_default(),
            ));
            Ok(())
        };
        let mut r = Ok(());
        for c in chunks {
            if let Err(e) = spa.process(c, &mut sink) {
                r = Err(e);
            }
        }
        spa.finish(&mut sink);
        (spa, evs, r)
    }

    /// Merges consecutive Content events and the FinalContent after them.
    fn merged(evs: &[Ev]) -> Vec<Ev> {
        let mut out: Vec<Ev> = Vec::new();
        for e in evs {
            if let Some(last) = out.last_mut() {
                if last.0 == UploadState::Content
                    && matches!(e.0, UploadState::Content | UploadState::FinalContent)
                {
                    last.3.extend_from_slice(&e.3);
                    last.0 = e.0;
                    continue;
                }
            }
            out.push(e.clone());
        }
        out
    }

    fn cfg(names: &[&str], max: usize) -> Config {
        Config {
            names: names.iter().map(|n| Some(n.as_bytes().to_vec())).collect(),
            max_storage: max,
            arena: false,
        }
    }

    fn vals(spa: &Spa, n: usize) -> Vec<(Option<String>, i32)> {
        (0..n)
            .map(|i| {
                (
                    spa.value_str(i)
                        .map(|v| String::from_utf8_lossy(v).into_owned()),
                    spa.length(i),
                )
            })
            .collect()
    }

    /// Every split of `body` into two and three pieces gives `expect`.
    fn every_split<F: Fn(&Spa, &[Ev], Result<(), Error>)>(
        cfg: &Config,
        ct: Option<&str>,
        body: &[u8],
        check: F,
    ) {
        let (spa, evs, r) = run(cfg, ct, &[body]);
        check(&spa, &evs, r);
        for i in 0..=body.len() {
            let (spa, evs, r) = run(cfg, ct, &[&body[..i], &body[i..]]);
            check(&spa, &evs, r);
        }
        if body.len() <= 300 {
            for i in 0..=body.len() {
                for j in i..=body.len() {
                    let (spa, evs, r) = run(cfg, ct, &[&body[..i], &body[i..j], &body[j..]]);
                    check(&spa, &evs, r);
                }
            }
        }
        // one byte at a time
        let bytes: Vec<&[u8]> = body.chunks(1).collect();
        let (spa, evs, r) = run(cfg, ct, &bytes);
        check(&spa, &evs, r);
    }

    fn close(name: &str, filename: &str) -> Ev {
        Ev(UploadState::Close, name.into(), filename.into(), vec![])
    }

    #[test]
    fn urlencoded_every_split() {
        let c = cfg(&["user", "pass", "text", "none"], 256);
        every_split(
            &c,
            Some("application/x-www-form-urlencoded"),
            b"user=jo+bloggs&skip=1&pass=p%41%3d%3Dss%7e&text=a%20b+c%2B",
            |spa, evs, r| {
                assert_eq!(r, Ok(()));
                assert_eq!(
                    vals(spa, 4),
                    vec![
                        (Some("jo bloggs".into()), 9),
                        (Some("pA==ss~".into()), 7),
                        (Some("a b c+".into()), 6),
                        (None, 0)
                    ]
                );
                assert_eq!(evs, &[close("text", "")]);
                assert!(!spa.is_multipart());
            },
        );
    }

    #[test]
    fn urlencoded_quirks() {
        let c = cfg(&["a", "b", ""], 64);
        // empty values are not stored; '=' inside a value is data
        let (spa, _, r) = run(&c, None, &[b"a=&b=x=y"]);
        assert_eq!(r, Ok(()));
        assert_eq!(vals(&spa, 2), vec![(None, 0), (Some("x=y".into()), 3)]);
        // twice: first value kept, lengths summed
        let (spa, _, _) = run(&c, None, &[b"a=12&a=345"]);
        assert_eq!(vals(&spa, 1), vec![(Some("12".into()), 5)]);
        // names are not decoded
        let (spa, _, _) = run(&cfg(&["a+b"], 0), None, &[b"a+b=1"]);
        assert_eq!(vals(&spa, 1), vec![(Some("1".into()), 1)]);
        // a body ending inside %xx loses the last value
        let (spa, _, _) = run(&c, None, &[b"a=1&b=2%4"]);
        assert_eq!(vals(&spa, 2), vec![(Some("1".into()), 1), (None, 0)]);
        // bad hex is an error, and so is everything after it
        let mut spa = Spa::new(c.clone(), None);
        let mut sink = |_: Upload<'_>| Ok(());
        assert_eq!(spa.process(b"a=%g1", &mut sink), Err(Error));
        assert_eq!(spa.process(b"&b=1", &mut sink), Err(Error));
        spa.finish(&mut sink);
        assert_eq!(spa.process(b"x", &mut sink), Ok(()));
        // 31-byte names are fine, 32 is an error
        let long = "n".repeat(31);
        let (spa, _, r) = run(&cfg(&[&long], 0), None, &[format!("{long}=v").as_bytes()]);
        assert_eq!((r, vals(&spa, 1)), (Ok(()), vec![(Some("v".into()), 1)]));
        let (_, _, r) = run(&c, None, &[format!("{long}n=v").as_bytes()]);
        assert_eq!(r, Err(Error));
        // a name without '=' has no value
        let (spa, _, _) = run(&c, None, &[b"a&b=2"]);
        assert_eq!(vals(&spa, 2), vec![(None, 0), (Some("2".into()), 1)]);
    }

    #[test]
    fn storage_limit() {
        // 16 bytes: a value fits while used + len < 15
        let c = cfg(&["a", "b", "u"], 16);
        let (spa, _, r) = run(&c, None, &[b"a=12345678901234"]);
        assert_eq!(
            (r, vals(&spa, 1)),
            (Ok(()), vec![(Some("12345678901234".into()), 14)])
        );
        // 15 bytes do not fit: dropped at the end, without an error...
        let (spa, _, r) = run(&c, None, &[b"a=123456789012345"]);
        assert_eq!((r, vals(&spa, 1)), (Ok(()), vec![(None, 0)]));
        // ...16 are an error as soon as the 16th arrives
        let (spa, _, r) = run(&c, None, &[b"a=1234567890123456"]);
        assert_eq!((r, vals(&spa, 1)), (Err(Error), vec![(None, 0)]));
        // 6 + 1 used: the next value may have 7 bytes
        let (spa, _, r) = run(&c, None, &[b"a=123456&b=1234567"]);
        assert_eq!(r, Ok(()));
        assert_eq!(vals(&spa, 2)[1], (Some("1234567".into()), 7));
        let (spa, _, r) = run(&c, None, &[b"a=123456&b=12345678"]);
        assert_eq!((r, vals(&spa, 2)[1].clone()), (Ok(()), (None, 0)));
        let (_, _, r) = run(&c, None, &[b"a=123456&b=123456789"]);
        assert_eq!(r, Err(Error));
        // a full store (15 of 16 used) fails the next value only at its end
        let (spa, _, r) = run(&c, None, &[b"a=123456&b=1234567&u=", &[b'9'; 100]]);
        assert_eq!((r, vals(&spa, 3)[2].clone()), (Ok(()), (None, 0)));
        let (_, _, r) = run(&c, None, &[b"a=123456&b=1234567&u=12&x=1"]);
        assert_eq!(r, Err(Error));
        // unwanted values take no room, whatever their length
        let (spa, _, r) = run(&c, None, &[b"x=", &[b'z'; 1000], b"&a=1"]);
        assert_eq!((r, vals(&spa, 1)), (Ok(()), vec![(Some("1".into()), 1)]));
        // the default
        let (spa, _, r) = run(&cfg(&["a"], 0), None, &[b"a=", &[b'z'; 510]]);
        assert_eq!((r, spa.length(0)), (Ok(()), 510));
        let (spa, _, r) = run(&cfg(&["a"], 0), None, &[b"a=", &[b'z'; 511]]);
        assert_eq!((r, spa.length(0)), (Ok(()), 0));
        let (_, _, r) = run(&cfg(&["a"], 0), None, &[b"a=", &[b'z'; 512]]);
        assert_eq!(r, Err(Error));
    }

    #[test]
    fn arena_mode_last_chunk_wins() {
        let mut c = cfg(&["a"], 8);
        c.arena = true;
        // chunks of 7 bytes: "1234567" "89" -> the value is the last one
        let (spa, _, r) = run(&c, None, &[b"a=123456789"]);
        assert_eq!((r, vals(&spa, 1)), (Ok(()), vec![(Some("89".into()), 9)]));
        let (spa, _, _) = run(&c, None, &[b"a=1&a=2"]);
        assert_eq!(vals(&spa, 1), vec![(Some("2".into()), 2)]);
    }

    const CT: &str = "multipart/form-data; boundary=----WebKitFormBoundaryX7";

    fn multipart_body() -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(b"------WebKitFormBoundaryX7\r\n");
        b.extend_from_slice(b"Content-Disposition: form-data; name=\"text\"\r\n\r\n");
        b.extend_from_slice(b"hello\r\n-- not a boundary\r\n------WebKitFormBoundaryX\r\nend");
        b.extend_from_slice(b"\r\n------WebKitFormBoundaryX7\r\n");
        b.extend_from_slice(
            b"content-disposition: form-data; name=\"file\"; filename=\"a b.txt\"\r\n",
        );
        b.extend_from_slice(b"Content-Type: text/plain\r\n\r\n");
        b.extend_from_slice(b"line1\r\nline2\r\r\n--\r\n");
        b.extend_from_slice(b"\r\n------WebKitFormBoundaryX7\r\n");
        b.extend_from_slice(
            b"Content-Disposition: form-data; name=\"empty\"; filename=\"e\"\r\n\r\n",
        );
        b.extend_from_slice(b"\r\n------WebKitFormBoundaryX7\r\n");
        b.extend_from_slice(b"Content-Disposition: form-data; name=\"n2\"\r\n\r\n");
        b.extend_from_slice(b"v2\r\n------WebKitFormBoundaryX7--\r\ntrailing junk");
        b
    }

    #[test]
    fn multipart_every_split() {
        let c = cfg(&["text", "n2", "file"], 1024);
        let body = multipart_body();
        every_split(&c, Some(CT), &body, |spa, evs, r| {
            assert_eq!(r, Ok(()));
            assert_eq!(
                vals(spa, 3),
                vec![
                    (
                        Some(
                            "hello\r\n-- not a boundary\r\n------WebKitFormBoundaryX\r\nend".into()
                        ),
                        56
                    ),
                    (Some("v2".into()), 2),
                    (None, 0)
                ]
            );
            assert!(spa.completed());
            let f = |s, n: &str, f: &str, d: &[u8]| Ev(s, n.into(), f.into(), d.to_vec());
            assert_eq!(
                merged(evs),
                vec![
                    f(UploadState::Open, "file", "a b.txt", b""),
                    f(
                        UploadState::FinalContent,
                        "file",
                        "a b.txt",
                        b"line1\r\nline2\r\r\n--\r\n"
                    ),
                    f(UploadState::Open, "empty", "e", b""),
                    f(UploadState::FinalContent, "empty", "e", b""),
                    close("", ""),
                ]
            );
        });
    }

    #[test]
    fn multipart_file_chunks() {
        // 64 bytes of storage, nothing stored: chunks of at most 63 bytes
        let c = cfg(&["x"], 64);
        let mut body =
            b"--B\r\nContent-Disposition: form-data; name=\"f\"; filename=\"f\"\r\n\r\n".to_vec();
        let data: Vec<u8> = (0..1000u32).map(|i| b'a' + (i % 26) as u8).collect();
        body.extend_from_slice(&data);
        body.extend_from_slice(b"\r\n--B--");
        let ct = Some("multipart/form-data; boundary=B");
        every_split(&c, ct, &body, |_, evs, r| {
            assert_eq!(r, Ok(()));
            let mut got = Vec::new();
            for e in &evs[1..evs.len() - 2] {
                assert_eq!(e.0, UploadState::Content);
                assert_eq!(e.3.len(), 63);
                got.extend_from_slice(&e.3);
            }
            let fin = &evs[evs.len() - 2];
            assert_eq!(fin.0, UploadState::FinalContent);
            got.extend_from_slice(&fin.3);
            assert_eq!(got, data);
        });
    }

    #[test]
    fn multipart_quirks() {
        let c = cfg(&["a"], 0);
        // no boundary: nothing is found
        let (spa, evs, _) = run(&c, Some("multipart/form-data"), &[b"--\r\n"]);
        assert!(spa.is_multipart());
        assert_eq!(evs, vec![close("", "")]);
        // quoted boundary, multipart/related
        assert_eq!(
            multipart_boundary(b"multipart/related; boundary=\"xy z\"; a=b"),
            Some(b"\r\n--xy".to_vec())
        );
        assert_eq!(multipart_boundary(b"Multipart/form-data; boundary=b"), None);
        assert_eq!(multipart_boundary(&[b'm'; 205]), None);
        // a long name is cut at 31 bytes; a body cut short reports its part
        let long = "n".repeat(40);
        let body = format!(
            "--B\r\nContent-Disposition: form-data; name=\"{long}\"; filename=\"f\"\r\n\r\nabc"
        );
        let (_, evs, _) = run(
            &c,
            Some("multipart/form-data; boundary=B"),
            &[body.as_bytes()],
        );
        assert_eq!(
            evs,
            vec![
                Ev(UploadState::Open, "n".repeat(31), "f".into(), vec![]),
                close(&"n".repeat(31), "f")
            ]
        );
        // the sink's refusal is an error
        let mut spa = Spa::new(c, Some(b"multipart/form-data; boundary=B"));
        let mut sink = |_: Upload<'_>| Err(Error);
        assert_eq!(spa.process(body.as_bytes(), &mut sink), Err(Error));
    }
}
