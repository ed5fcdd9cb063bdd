//! A streaming tar reader with hard limits.
//!
//! Reads ustar, GNU (`L`/`K` long names, base-256 numbers) and PAX (`x`
//! and `g` records: `path`, `linkpath`, `size`, `uid`, `gid`) headers from
//! any [`BufRead`], one entry at a time, never seeking and never holding
//! more than one header's extension records in memory. Every length read
//! from the archive is checked against [`TarLimits`] before it is used, so
//! an absurd header is a clear error rather than an allocation.

use std::io::{self, BufRead};

/// Caps on what one archive may ask of the reader.
#[derive(Debug, Clone, Copy)]
pub struct TarLimits {
    /// Longest path or link target (GNU long name or PAX record).
    pub max_name: usize,
    /// Largest PAX extended header.
    pub max_pax: u64,
    /// Most entries in one archive.
    pub max_entries: usize,
}

impl Default for TarLimits {
    fn default() -> Self {
        TarLimits {
            max_name: 64 * 1024,
            max_pax: 1 << 20,
            max_entries: 4_000_000,
        }
    }
}

/// Entry types, as the typeflag byte says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryType {
    File,
    Hardlink,
    Symlink,
    Char,
    Block,
    Dir,
    Fifo,
    /// Anything else (e.g. Solaris ACLs): kept, without data meaning.
    Other(u8),
}

/// One entry's header, with GNU and PAX extensions applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub path: String,
    pub link: String,
    pub kind: EntryType,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TarError {
    Io(String),
    /// The stream ended inside a header or an entry's data.
    Truncated {
        after: Option<String>,
    },
    BadHeader {
        after: Option<String>,
        detail: String,
    },
    Limit(String),
}

impl std::fmt::Display for TarError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let after = |a: &Option<String>| match a {
            Some(p) => format!(" after entry {:?}", clip(p)),
            None => " at the first entry".to_string(),
        };
        match self {
            TarError::Io(e) => write!(f, "read error: {e}"),
            TarError::Truncated { after: a } => write!(f, "tar stream is truncated{}", after(a)),
            TarError::BadHeader { after: a, detail } => {
                write!(f, "invalid tar header{}: {detail}", after(a))
            }
            TarError::Limit(m) => f.write_str(m),
        }
    }
}

fn clip(s: &str) -> &str {
    match s.char_indices().nth(200) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl From<io::Error> for TarError {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            TarError::Truncated { after: None }
        } else {
            TarError::Io(e.to_string())
        }
    }
}

/// A buffered reader that may skip bytes faster than reading them.
pub trait SkipRead: BufRead {
    fn skip_bytes(&mut self, n: u64) -> io::Result<()> {
        let mut n = n;
        while n > 0 {
            let buf = self.fill_buf()?;
            if buf.is_empty() {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let k = (buf.len() as u64).min(n) as usize;
            self.consume(k);
            n -= k as u64;
        }
        Ok(())
    }
}

impl SkipRead for &[u8] {}
impl<R: io::Read> SkipRead for io::BufReader<R> {}

/// A file read through a buffer, skipping by seeking.
pub struct SeekingFile(pub io::BufReader<std::fs::File>);

impl io::Read for SeekingFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl BufRead for SeekingFile {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.0.fill_buf()
    }
    fn consume(&mut self, n: usize) {
        self.0.consume(n)
    }
}

impl SkipRead for SeekingFile {
    fn skip_bytes(&mut self, n: u64) -> io::Result<()> {
        use io::Seek;
        let off = i64::try_from(n).map_err(|_| io::Error::other("skip too large"))?;
        let before = self.0.stream_position()?;
        self.0.seek_relative(off)?;
        let len = self.0.get_ref().metadata()?.len();
        if before.saturating_add(n) > len {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        Ok(())
    }
}

/// Reads a tar stream entry by entry.
pub struct TarReader<R> {
    r: R,
    /// Bytes consumed from the start of the stream.
    pos: u64,
    limits: TarLimits,
    /// Data bytes of the current entry not yet read.
    remaining: u64,
    /// Padding after the current entry's data.
    pad: u64,
    entries: usize,
    last: Option<String>,
    global: Pax,
    done: bool,
}

#[derive(Debug, Default, Clone)]
struct Pax {
    path: Option<String>,
    link: Option<String>,
    size: Option<u64>,
    uid: Option<u64>,
    gid: Option<u64>,
}

impl Pax {
    fn merge_from(&mut self, o: &Pax) {
        if o.path.is_some() {
            self.path = o.path.clone();
        }
        if o.link.is_some() {
            self.link = o.link.clone();
        }
        if o.size.is_some() {
            self.size = o.size;
        }
        if o.uid.is_some() {
            self.uid = o.uid;
        }
        if o.gid.is_some() {
            self.gid = o.gid;
        }
    }
}

impl<R: SkipRead> TarReader<R> {
    pub fn new(r: R, limits: TarLimits) -> Self {
        TarReader {
            r,
            limits,
            pos: 0,
            remaining: 0,
            pad: 0,
            entries: 0,
            last: None,
            global: Pax::default(),
            done: false,
        }
    }

    /// The underlying reader (positioned after the end-of-archive block once
    /// [`next_header`](Self::next_header) returned `None`).
    pub fn into_inner(self) -> R {
        self.r
    }

    pub fn get_mut(&mut self) -> &mut R {
        &mut self.r
    }

    fn truncated(&self) -> TarError {
        TarError::Truncated {
            after: self.last.clone(),
        }
    }

    fn bad(&self, detail: impl Into<String>) -> TarError {
        TarError::BadHeader {
            after: self.last.clone(),
            detail: detail.into(),
        }
    }

    /// Discards `n` bytes.
    fn skip(&mut self, n: u64) -> Result<(), TarError> {
        match self.r.skip_bytes(n) {
            Ok(()) => {
                self.pos += n;
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(self.truncated()),
            Err(e) => Err(e.into()),
        }
    }

    /// Offset in the stream of the current entry's data.
    pub fn data_offset(&self) -> u64 {
        self.pos
    }

    fn read_exact(&mut self, out: &mut [u8]) -> Result<(), TarError> {
        let mut filled = 0;
        while filled < out.len() {
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                return Err(self.truncated());
            }
            let k = buf.len().min(out.len() - filled);
            out[filled..filled + k].copy_from_slice(&buf[..k]);
            self.r.consume(k);
            self.pos += k as u64;
            filled += k;
        }
        Ok(())
    }

    /// Reads the rest of the current entry into `out` (which must have room
    /// for it; callers check `size` against their own caps first).
    pub fn read_data_to_end(&mut self, out: &mut Vec<u8>) -> Result<(), TarError> {
        while self.remaining > 0 {
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                return Err(self.truncated());
            }
            let k = (buf.len() as u64).min(self.remaining) as usize;
            out.extend_from_slice(&buf[..k]);
            self.r.consume(k);
            self.pos += k as u64;
            self.remaining -= k as u64;
        }
        Ok(())
    }

    /// Reads up to `n` more bytes of the current entry into `out`.
    pub fn read_data_prefix(&mut self, out: &mut Vec<u8>, n: usize) -> Result<(), TarError> {
        let mut want = (n as u64).min(self.remaining);
        while want > 0 {
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                return Err(self.truncated());
            }
            let k = (buf.len() as u64).min(want) as usize;
            out.extend_from_slice(&buf[..k]);
            self.r.consume(k);
            self.pos += k as u64;
            self.remaining -= k as u64;
            want -= k as u64;
        }
        Ok(())
    }

    /// Reads some of the current entry's data (0 at its end).
    pub fn read_data(&mut self, out: &mut [u8]) -> Result<usize, TarError> {
        if self.remaining == 0 || out.is_empty() {
            return Ok(0);
        }
        let buf = self.r.fill_buf()?;
        if buf.is_empty() {
            return Err(self.truncated());
        }
        let k = (buf.len() as u64).min(self.remaining).min(out.len() as u64) as usize;
        out[..k].copy_from_slice(&buf[..k]);
        self.r.consume(k);
        self.pos += k as u64;
        self.remaining -= k as u64;
        Ok(k)
    }

    /// Data bytes of the current entry not read yet.
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// The next entry's header, or `None` at the end of the archive (an
    /// end-of-archive block, or a clean end of stream between entries).
    pub fn next_header(&mut self) -> Result<Option<Header>, TarError> {
        if self.done {
            return Ok(None);
        }
        let rest = self.remaining + self.pad;
        self.remaining = 0;
        self.pad = 0;
        self.skip(rest)?;
        let mut local = Pax::default();
        let mut gnu_name: Option<String> = None;
        let mut gnu_link: Option<String> = None;
        loop {
            let mut block = [0u8; 512];
            // A clean end of stream between entries is accepted (some
            // writers omit the end-of-archive blocks).
            if self.r.fill_buf()?.is_empty() {
                self.done = true;
                return Ok(None);
            }
            self.read_exact(&mut block)?;
            if block.iter().all(|&b| b == 0) {
                self.done = true;
                return Ok(None);
            }
            self.entries += 1;
            if self.entries > self.limits.max_entries {
                return Err(TarError::Limit(format!(
                    "more than {} tar entries (raise --max-entries if the image really has that many files)",
                    self.limits.max_entries
                )));
            }
            check_checksum(&block).map_err(|d| self.bad(d))?;
            let flag = block[156];
            let size =
                parse_number(&block[124..136]).map_err(|d| self.bad(format!("size: {d}")))?;
            let pad = (512 - size % 512) % 512;
            match flag {
                b'x' | b'g' => {
                    if size > self.limits.max_pax {
                        return Err(TarError::Limit(format!(
                            "a PAX header of {size} bytes exceeds the {} byte limit",
                            self.limits.max_pax
                        )));
                    }
                    let mut data = vec![0u8; size as usize];
                    self.read_exact(&mut data)?;
                    self.skip(pad)?;
                    let pax = parse_pax(&data, self.limits.max_name).map_err(|d| self.bad(d))?;
                    if flag == b'g' {
                        self.global.merge_from(&pax);
                    } else {
                        local.merge_from(&pax);
                    }
                    continue;
                }
                b'L' | b'K' => {
                    if size > self.limits.max_name as u64 {
                        return Err(TarError::Limit(format!(
                            "a GNU long name of {size} bytes exceeds the {} byte limit",
                            self.limits.max_name
                        )));
                    }
                    let mut data = vec![0u8; size as usize];
                    self.read_exact(&mut data)?;
                    self.skip(pad)?;
                    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
                    let s = String::from_utf8_lossy(&data[..end]).into_owned();
                    if flag == b'L' {
                        gnu_name = Some(s);
                    } else {
                        gnu_link = Some(s);
                    }
                    continue;
                }
                _ => {}
            }
            let mut pax = self.global.clone();
            pax.merge_from(&local);
            let magic = &block[257..263];
            let is_ustar = magic == b"ustar\0";
            let mut path = cstr(&block[0..100]);
            if is_ustar {
                let prefix = cstr(&block[345..500]);
                if !prefix.is_empty() {
                    path = format!("{prefix}/{path}");
                }
            }
            if let Some(n) = gnu_name.take() {
                path = n;
            }
            if let Some(p) = pax.path.take() {
                path = p;
            }
            let mut link = cstr(&block[157..257]);
            if let Some(l) = gnu_link.take() {
                link = l;
            }
            if let Some(l) = pax.link.take() {
                link = l;
            }
            let mode =
                parse_number(&block[100..108]).map_err(|d| self.bad(format!("mode: {d}")))?;
            let uid = match pax.uid {
                Some(u) => u,
                None => {
                    parse_number(&block[108..116]).map_err(|d| self.bad(format!("uid: {d}")))?
                }
            };
            let gid = match pax.gid {
                Some(g) => g,
                None => {
                    parse_number(&block[116..124]).map_err(|d| self.bad(format!("gid: {d}")))?
                }
            };
            let size = pax.size.unwrap_or(size);
            let kind = match flag {
                b'0' | 0 | b'7' => EntryType::File,
                b'1' => EntryType::Hardlink,
                b'2' => EntryType::Symlink,
                b'3' => EntryType::Char,
                b'4' => EntryType::Block,
                b'5' => EntryType::Dir,
                b'6' => EntryType::Fifo,
                b'S' => {
                    return Err(self.bad(format!(
                        "GNU sparse entry {:?} (sparse files are not supported in image layers)",
                        clip(&path)
                    )));
                }
                other => EntryType::Other(other),
            };
            // Old tar writers mark directories with a trailing slash only.
            let kind = if kind == EntryType::File && path.ends_with('/') {
                EntryType::Dir
            } else {
                kind
            };
            // Header-only types carry no data whatever their size field says
            // (hardlinks may carry data in PAX archives; honour the size).
            let data = match kind {
                EntryType::Dir
                | EntryType::Symlink
                | EntryType::Char
                | EntryType::Block
                | EntryType::Fifo => 0,
                _ => size,
            };
            self.remaining = data;
            self.pad = (512 - data % 512) % 512;
            self.last = Some(path.clone());
            return Ok(Some(Header {
                path,
                link,
                kind,
                mode: (mode & 0o7777) as u32,
                uid,
                gid,
                size: data,
            }));
        }
    }
}

fn cstr(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

fn check_checksum(block: &[u8; 512]) -> Result<(), String> {
    let want = parse_number(&block[148..156]).map_err(|d| format!("checksum field: {d}"))?;
    let mut unsigned: u64 = 0;
    let mut signed: i64 = 0;
    for (i, &b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    if want == unsigned || i64::try_from(want).ok() == Some(signed) {
        Ok(())
    } else {
        Err(format!(
            "checksum mismatch (header says {want}, block sums to {unsigned})"
        ))
    }
}

/// Parses a numeric header field: octal text (NUL/space padded) or GNU
/// base-256 (high bit set). Negative base-256 values are rejected.
fn parse_number(field: &[u8]) -> Result<u64, String> {
    if let Some(&first) = field.first()
        && first & 0x80 != 0
    {
        if first == 0xff {
            return Err("negative base-256 number".into());
        }
        let mut v: u64 = u64::from(first & 0x7f);
        for &b in &field[1..] {
            v = v
                .checked_mul(256)
                .and_then(|v| v.checked_add(u64::from(b)))
                .ok_or("base-256 number overflows 64 bits")?;
        }
        return Ok(v);
    }
    let mut v: u64 = 0;
    let mut seen = false;
    for &b in field {
        match b {
            b'0'..=b'7' => {
                v = v
                    .checked_mul(8)
                    .and_then(|v| v.checked_add(u64::from(b - b'0')))
                    .ok_or("octal number overflows 64 bits")?;
                seen = true;
            }
            b' ' if !seen => {}
            0 | b' ' => break,
            other => return Err(format!("byte {other:#04x} in an octal number")),
        }
    }
    Ok(v)
}

fn parse_pax(data: &[u8], max_name: usize) -> Result<Pax, String> {
    let mut pax = Pax::default();
    let mut rest = data;
    while !rest.is_empty() {
        if rest.iter().all(|&b| b == 0) {
            break;
        }
        let sp = rest
            .iter()
            .position(|&b| b == b' ')
            .ok_or("PAX record without a length")?;
        let len: usize = std::str::from_utf8(&rest[..sp])
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or("PAX record with a bad length")?;
        if len <= sp + 1 || len > rest.len() {
            return Err("PAX record length out of range".into());
        }
        let rec = &rest[sp + 1..len];
        let rec = rec
            .strip_suffix(b"\n")
            .ok_or("PAX record not ending in a newline")?;
        let eq = rec
            .iter()
            .position(|&b| b == b'=')
            .ok_or("PAX record without `=`")?;
        let (k, v) = (&rec[..eq], &rec[eq + 1..]);
        let text = || -> Result<String, String> {
            if v.len() > max_name {
                return Err(format!("PAX value longer than {max_name} bytes"));
            }
            Ok(String::from_utf8_lossy(v).into_owned())
        };
        let num = || -> Result<u64, String> {
            std::str::from_utf8(v)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or_else(|| format!("PAX {} is not a number", String::from_utf8_lossy(k)))
        };
        match k {
            b"path" => pax.path = Some(text()?),
            b"linkpath" => pax.link = Some(text()?),
            b"size" => pax.size = Some(num()?),
            b"uid" => pax.uid = Some(num()?),
            b"gid" => pax.gid = Some(num()?),
            k if k.starts_with(b"GNU.sparse.") => {
                return Err("PAX sparse file (not supported in image layers)".into());
            }
            _ => {}
        }
        rest = &rest[len..];
    }
    Ok(pax)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Builds tar archives byte by byte, for tests of every reader.

    pub fn header(path: &str, flag: u8, size: u64, link: &str, mode: u32) -> [u8; 512] {
        let mut b = [0u8; 512];
        let p = path.as_bytes();
        b[..p.len().min(100)].copy_from_slice(&p[..p.len().min(100)]);
        let put = |b: &mut [u8; 512], at: usize, len: usize, v: u64| {
            let s = format!("{:0w$o}\0", v, w = len - 1);
            b[at..at + len].copy_from_slice(s.as_bytes());
        };
        put(&mut b, 100, 8, u64::from(mode));
        put(&mut b, 108, 8, 0);
        put(&mut b, 116, 8, 0);
        put(&mut b, 124, 12, size);
        put(&mut b, 136, 12, 0);
        b[156] = flag;
        let l = link.as_bytes();
        b[157..157 + l.len().min(100)].copy_from_slice(&l[..l.len().min(100)]);
        b[257..263].copy_from_slice(b"ustar\0");
        b[263..265].copy_from_slice(b"00");
        b[148..156].copy_from_slice(b"        ");
        let sum: u64 = b.iter().map(|&x| u64::from(x)).sum();
        let s = format!("{sum:06o}\0 ");
        b[148..156].copy_from_slice(s.as_bytes());
        b
    }

    /// A tar of `(path, flag, data, link, mode)` entries plus the end blocks.
    pub fn tar(entries: &[(&str, u8, &[u8], &str, u32)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (path, flag, data, link, mode) in entries {
            if path.len() > 100 {
                let name = format!("{path}\0");
                out.extend_from_slice(&header("././@LongLink", b'L', name.len() as u64, "", 0));
                out.extend_from_slice(name.as_bytes());
                out.resize(out.len().div_ceil(512) * 512, 0);
            }
            out.extend_from_slice(&header(path, *flag, data.len() as u64, link, *mode));
            out.extend_from_slice(data);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out.extend_from_slice(&[0u8; 1024]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    fn all(bytes: &[u8]) -> Result<Vec<(Header, Vec<u8>)>, TarError> {
        let mut r = TarReader::new(bytes, TarLimits::default());
        let mut out = Vec::new();
        while let Some(h) = r.next_header()? {
            let mut d = Vec::new();
            r.read_data_to_end(&mut d)?;
            out.push((h, d));
        }
        Ok(out)
    }

    #[test]
    fn reads_entries_long_names_and_links() {
        let long = format!("usr/{}/file", "d".repeat(150));
        let t = tar(&[
            ("etc/", b'5', b"", "", 0o755),
            (
                "etc/passwd",
                b'0',
                b"root:x:0:0::/root:/bin/sh\n",
                "",
                0o644,
            ),
            (&long, b'0', b"x", "", 0o644),
            ("bin/sh", b'2', b"", "busybox", 0o777),
            ("bin/ash", b'1', b"", "bin/busybox", 0o755),
        ]);
        let e = all(&t).unwrap();
        assert_eq!(e.len(), 5);
        assert_eq!(e[0].0.kind, EntryType::Dir);
        assert_eq!(e[1].1, b"root:x:0:0::/root:/bin/sh\n");
        assert_eq!(e[2].0.path, long);
        assert_eq!(e[3].0.link, "busybox");
        assert_eq!(e[4].0.kind, EntryType::Hardlink);
    }

    #[test]
    fn pax_overrides_path_and_size_fields() {
        let rec = |k: &str, v: &str| {
            let body = format!(" {k}={v}\n");
            let mut n = body.len() + 1;
            if (n.to_string() + &body).len() != n {
                n += 1;
            }
            format!("{n}{body}")
        };
        let pax = rec("path", "a/very/long/pax/name") + &rec("uid", "100000");
        let mut t = Vec::new();
        t.extend_from_slice(&header("PaxHeader", b'x', pax.len() as u64, "", 0));
        t.extend_from_slice(pax.as_bytes());
        t.resize(1024, 0);
        t.extend_from_slice(&tar(&[("short", b'0', b"hi", "", 0o644)]));
        let e = all(&t).unwrap();
        assert_eq!(e[0].0.path, "a/very/long/pax/name");
        assert_eq!(e[0].0.uid, 100000);
        assert_eq!(e[0].1, b"hi");
    }

    #[test]
    fn truncation_and_garbage_are_errors() {
        let t = tar(&[("a", b'0', &[7u8; 3000], "", 0o644)]);
        for cut in [100, 512, 1000, 3000] {
            assert!(
                matches!(all(&t[..cut]), Err(TarError::Truncated { .. })),
                "cut {cut}"
            );
        }
        let mut bad = t.clone();
        bad[0] ^= 1;
        assert!(matches!(all(&bad), Err(TarError::BadHeader { .. })));
        assert!(all(b"").unwrap().is_empty());
    }

    #[test]
    fn absurd_lengths_hit_limits() {
        let mut t = Vec::new();
        t.extend_from_slice(&header("././@LongLink", b'L', 1 << 32, "", 0));
        assert!(matches!(all(&t), Err(TarError::Limit(_))));
        let mut t = Vec::new();
        t.extend_from_slice(&header("p", b'x', 1 << 30, "", 0));
        assert!(matches!(all(&t), Err(TarError::Limit(_))));
        let t = tar(&[("a", b'0', b"", "", 0), ("b", b'0', b"", "", 0)]);
        let mut r = TarReader::new(
            &t[..],
            TarLimits {
                max_entries: 1,
                ..TarLimits::default()
            },
        );
        assert!(r.next_header().is_ok());
        assert!(matches!(r.next_header(), Err(TarError::Limit(_))));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number(b"0000644\0"), Ok(0o644));
        assert_eq!(parse_number(b"  644 \0"), Ok(0o644));
        assert_eq!(parse_number(&[0x80, 0, 0, 0, 0, 0, 0, 1, 0]), Ok(256));
        assert!(parse_number(&[0xff; 12]).is_err());
        assert!(parse_number(b"9").is_err());
        assert!(
            parse_number(&[0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).is_err()
        );
    }
}
