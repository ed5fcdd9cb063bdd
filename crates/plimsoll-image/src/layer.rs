//! One layer blob → its listing: every tar entry with its metadata, and
//! the facts of the few files whose contents matter (ELF binaries, script
//! shebangs, `/etc/passwd` and friends, secrets).
//!
//! The blob is read exactly once, as a stream: its sha256 is computed on
//! the compressed bytes and (when compressed) again on the uncompressed
//! tar, gzip and zstd are detected from the media type or sniffed, and
//! nothing is written to disk. Memory is bounded by the caps in
//! [`Limits`], not by the size of the layer.

use crate::ImageError;
use crate::tar::{EntryType, SkipRead, TarError, TarLimits, TarReader};
use plimsoll_elf::ElfFacts;
use plimsoll_oci::{Compression, Digest};
use sha2::{Digest as _, Sha256};
use std::io::{self, BufRead, BufReader, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};

/// Caps that protect the reader from hostile or absurd images.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub tar: TarLimits,
    /// Largest uncompressed layer.
    pub max_layer_bytes: u64,
    /// Largest expansion ratio of a compressed layer, checked once the
    /// layer has expanded beyond 64 MiB (a decompression bomb's signature).
    pub max_ratio: u64,
    /// Largest file whose contents are read into memory for analysis
    /// (ELF binaries); bigger ones are listed but not analysed.
    pub max_analysed_file: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            tar: TarLimits::default(),
            max_layer_bytes: 64 << 30,
            max_ratio: 1000,
            max_analysed_file: 512 << 20,
        }
    }
}

/// What kind of filesystem object an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Hardlink,
    Device,
    Fifo,
    /// `.wh.NAME`: deletes NAME from lower layers.
    Whiteout,
    /// `.wh..wh..opq`: hides everything lower layers put in this directory.
    Opaque,
}

/// One tar entry of a layer, its path normalised (relative, no `.`/`..`
/// components, no trailing slash; for whiteouts, the path they delete; for
/// opaque markers, their directory).
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: Box<str>,
    pub kind: Kind,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    /// Symlink target as written, or hardlink target (normalised path).
    pub link: Option<Box<str>>,
    /// The entry's name in the tar said something odd about its path
    /// (absolute or `..` components), normalised away.
    pub normalised: bool,
    pub content: Option<Arc<Content>>,
}

/// What was learnt from a file's bytes.
#[derive(Debug, Clone)]
pub enum Content {
    Elf(Box<ElfFacts>),
    /// Starts with the ELF magic but could not be parsed, or too large.
    BadElf(String),
    /// A script: the raw first line after `#!` (CR kept, to be judged).
    Script {
        shebang: String,
    },
    /// A small configuration file the analysis reads (`/etc/passwd`, …).
    Text(Box<[u8]>),
    /// A secret found in the file (kind, redacted sample).
    Secret {
        kind: &'static str,
        sample: String,
    },
}

/// A layer after reading.
#[derive(Debug, Clone)]
pub struct Listing {
    /// sha256 of the blob as stored (compressed).
    pub digest: Digest,
    /// sha256 of the uncompressed tar (equals `digest` when uncompressed).
    pub diff_id: Digest,
    pub compression: Compression,
    pub compressed_bytes: u64,
    pub uncompressed_bytes: u64,
    pub entries: Vec<Entry>,
}

/// What the caller expects of a layer blob, for verification.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// Human name of the blob for errors (digest or archive member).
    pub name: String,
    pub digest: Option<Digest>,
    pub diff_id: Option<Digest>,
    pub compression: Option<Compression>,
}

/// A reader that hashes and counts what passes through it.
struct Hashing<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
    on: bool,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.on {
            self.hash.update(&buf[..n]);
        }
        self.bytes += n as u64;
        Ok(n)
    }
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            hash: Sha256::new(),
            bytes: 0,
            on: true,
        }
    }

    fn finish(self) -> (Digest, u64, R) {
        let out: [u8; 32] = self.hash.finalize().into();
        (Digest::from_sha256(&out), self.bytes, self.inner)
    }
}

/// Counts raw bytes into a counter the decompressing side can see.
struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Counts decompressed bytes and stops a decompression bomb: too many
/// bytes in all, or too many per compressed byte once past 64 MiB.
struct Capped<R> {
    inner: R,
    bytes: u64,
    max: u64,
    ratio: u64,
    compressed: Arc<AtomicU64>,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        if self.bytes > self.max {
            return Err(io::Error::other(CAP_MARK));
        }
        if self.bytes > 64 << 20
            && self.bytes
                > self
                    .ratio
                    .saturating_mul(self.compressed.load(Ordering::Relaxed).max(1))
        {
            return Err(io::Error::other(RATIO_MARK));
        }
        Ok(n)
    }
}

const CAP_MARK: &str = "plimsoll: uncompressed size cap";
const RATIO_MARK: &str = "plimsoll: expansion ratio cap";
const BUF: usize = 256 * 1024;

/// The decompressing part of the pipeline, so the raw stream can be
/// recovered afterwards and drained for its hash.
enum Decoder<R: BufRead> {
    Plain(R),
    Gzip(Box<flate2::bufread::MultiGzDecoder<R>>),
    Zstd(zstd::stream::read::Decoder<'static, R>),
}

impl<R: BufRead> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(r) => r.read(buf),
            Decoder::Zstd(r) => r.read(buf),
        }
    }
}

impl<R: BufRead> Decoder<R> {
    fn into_raw(self) -> R {
        match self {
            Decoder::Plain(r) => r,
            Decoder::Gzip(r) => r.into_inner(),
            Decoder::Zstd(r) => r.finish(),
        }
    }
}

/// Reads one layer blob.
pub fn read_layer<R: Read + Send>(
    raw: R,
    expect: &Expect,
    limits: &Limits,
) -> Result<Listing, ImageError> {
    let name = expect.name.as_str();
    let io_err = |e: io::Error| ImageError::Layer {
        blob: name.to_string(),
        detail: match e.to_string().as_str() {
            CAP_MARK => format!(
                "uncompressed size exceeds {} bytes (decompression bomb? raise --max-layer-bytes if this is real)",
                limits.max_layer_bytes
            ),
            RATIO_MARK => format!(
                "expands more than {}x (decompression bomb? raise --max-ratio if this is real)",
                limits.max_ratio
            ),
            m => m.to_string(),
        },
    };
    let count = Arc::new(AtomicU64::new(0));
    let raw = Counted {
        inner: raw,
        count: count.clone(),
    };
    let mut raw = BufReader::with_capacity(BUF, Hashing::new(raw));
    let compression = match expect.compression {
        Some(Compression::Sniff) | None => {
            let head = raw.fill_buf().map_err(io_err)?;
            if head.starts_with(&[0x1f, 0x8b]) {
                Compression::Gzip
            } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
                Compression::Zstd
            } else {
                Compression::None
            }
        }
        Some(c) => c,
    };
    let decoder = match compression {
        Compression::Gzip => Decoder::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(raw))),
        Compression::Zstd => {
            Decoder::Zstd(zstd::stream::read::Decoder::with_buffer(raw).map_err(io_err)?)
        }
        _ => Decoder::Plain(raw),
    };
    let plain = compression == Compression::None || compression == Compression::Sniff;
    // Uncompressed layers are hashed once: their digest is their diff_id.
    let mut hashed = Hashing::new(decoder);
    hashed.on = !plain;
    let capped = Capped {
        inner: hashed,
        bytes: 0,
        max: limits.max_layer_bytes,
        ratio: if plain { u64::MAX } else { limits.max_ratio },
        compressed: count,
    };
    let tar_err = |e: TarError| match e {
        TarError::Io(m) if m == CAP_MARK || m == RATIO_MARK => io_err(io::Error::other(m)),
        e => ImageError::Layer {
            blob: name.to_string(),
            detail: e.to_string(),
        },
    };
    // Two threads per layer: this one reads, decompresses and hashes (the
    // sha256 is sequential and the floor of the whole analysis); the other
    // parses the tar and looks at file contents, from chunks handed over a
    // small bounded channel (memory stays bounded: CHUNKS × CHUNK bytes).
    let (digests, parsed) = std::thread::scope(|scope| {
        let (tx, rx) = mpsc::sync_channel::<io::Result<(Vec<u8>, usize)>>(CHUNKS);
        let (recycle_tx, recycle_rx) = mpsc::channel::<Vec<u8>>();
        let producer = scope.spawn(move || -> io::Result<(Digest, u64, Digest, u64)> {
            let mut capped = capped;
            loop {
                // Buffers come back from the parser and keep their length:
                // no allocation or zeroing per chunk once the pool is full.
                let mut chunk = recycle_rx.try_recv().unwrap_or_else(|_| vec![0; CHUNK]);
                let n = match read_full(&mut capped, &mut chunk) {
                    Ok(n) => n,
                    Err(e) => {
                        let _ = tx.send(Err(io::Error::new(e.kind(), e.to_string())));
                        return Err(e);
                    }
                };
                if n == 0 {
                    break;
                }
                if tx.send(Ok((chunk, n))).is_err() {
                    return Err(io::Error::other("the tar reader stopped"));
                }
            }
            drop(tx);
            let (diff_id, uncompressed, decoder) = capped.inner.finish();
            let mut raw = decoder.into_raw();
            io::copy(&mut raw, &mut io::sink())?;
            let (digest, compressed, _) = raw.into_inner().finish();
            Ok((digest, compressed, diff_id, uncompressed))
        });
        let reader = ChunkReader {
            rx,
            cur: Vec::new(),
            len: 0,
            pos: 0,
            recycle: recycle_tx,
        };
        let parsed = parse_entries(reader, limits, &tar_err);
        let digests = producer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("layer reader thread panicked")));
        (digests, parsed)
    });
    let entries = parsed?;
    let (digest, compressed, diff_id, uncompressed) = digests.map_err(io_err)?;
    let diff_id = if plain { digest.clone() } else { diff_id };
    if let Some(want) = &expect.digest
        && *want != digest
    {
        return Err(ImageError::DigestMismatch {
            blob: name.to_string(),
            expected: want.clone(),
            actual: digest,
        });
    }
    if let Some(want) = &expect.diff_id
        && *want != diff_id
    {
        return Err(ImageError::DigestMismatch {
            blob: format!("{name} (uncompressed, diff_id)"),
            expected: want.clone(),
            actual: diff_id,
        });
    }
    Ok(Listing {
        digest,
        diff_id,
        compression: if plain {
            Compression::None
        } else {
            compression
        },
        compressed_bytes: compressed,
        uncompressed_bytes: if plain { compressed } else { uncompressed },
        entries,
    })
}

/// Parses the tar stream of a layer into entries, then drains what follows
/// the end-of-archive blocks so the hashes cover the whole blob.
fn parse_entries<R: SkipRead>(
    reader: R,
    limits: &Limits,
    tar_err: &dyn Fn(TarError) -> ImageError,
) -> Result<Vec<Entry>, ImageError> {
    let mut tar = TarReader::new(reader, limits.tar);
    let mut entries = Vec::new();
    let mut buf = Vec::new();
    loop {
        let h = match tar.next_header() {
            Ok(Some(h)) => h,
            Ok(None) => break,
            Err(e) => return Err(tar_err(e)),
        };
        let Some((path, normalised)) = normalise(&h.path) else {
            continue; // the root itself
        };
        let (file_name, parent) = match path.rfind('/') {
            Some(i) => (&path[i + 1..], &path[..i]),
            None => (path.as_str(), ""),
        };
        let (kind, path) = if file_name == ".wh..wh..opq" {
            (Kind::Opaque, parent.to_string())
        } else if let Some(target) = file_name.strip_prefix(".wh.") {
            let p = if parent.is_empty() {
                target.to_string()
            } else {
                format!("{parent}/{target}")
            };
            (Kind::Whiteout, p)
        } else {
            let k = match h.kind {
                EntryType::File | EntryType::Other(_) => Kind::File,
                EntryType::Dir => Kind::Dir,
                EntryType::Symlink => Kind::Symlink,
                EntryType::Hardlink => Kind::Hardlink,
                EntryType::Char | EntryType::Block => Kind::Device,
                EntryType::Fifo => Kind::Fifo,
            };
            (k, path)
        };
        let link = match kind {
            Kind::Symlink => Some(h.link.clone().into_boxed_str()),
            Kind::Hardlink => normalise(&h.link).map(|(p, _)| p.into_boxed_str()),
            _ => None,
        };
        let content = if kind == Kind::File && h.size > 0 {
            inspect(&mut tar, &path, h.size, limits, &mut buf).map_err(tar_err)?
        } else {
            None
        };
        entries.push(Entry {
            path: path.into_boxed_str(),
            kind,
            mode: h.mode,
            uid: u32::try_from(h.uid).unwrap_or(u32::MAX),
            gid: u32::try_from(h.gid).unwrap_or(u32::MAX),
            size: h.size,
            link,
            normalised,
            content,
        });
    }
    let mut rest = tar.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(|e| tar_err(TarError::Io(e.to_string())))?;
    Ok(entries)
}

const CHUNK: usize = 256 * 1024;
const CHUNKS: usize = 8;

/// Reads until `buf` is full or the stream ends.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The consuming end of the layer pipeline: chunks as a buffered reader.
struct ChunkReader {
    rx: mpsc::Receiver<io::Result<(Vec<u8>, usize)>>,
    cur: Vec<u8>,
    /// Bytes of `cur` that hold data.
    len: usize,
    pos: usize,
    recycle: mpsc::Sender<Vec<u8>>,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ChunkReader {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.pos >= self.len {
            match self.rx.recv() {
                Ok(Ok((next, n))) => {
                    let old = std::mem::replace(&mut self.cur, next);
                    if !old.is_empty() {
                        let _ = self.recycle.send(old);
                    }
                    self.len = n.min(self.cur.len());
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    self.len = 0;
                    self.pos = 0;
                }
            }
        }
        Ok(&self.cur[self.pos..self.len])
    }

    fn consume(&mut self, n: usize) {
        self.pos = (self.pos + n).min(self.len);
    }
}

impl SkipRead for ChunkReader {}

/// Normalises a tar path: relative to the root, `.` and empty components
/// dropped, `..` resolved without ever leaving the root. Returns `None`
/// for the root itself, and whether the name needed more than cosmetic
/// normalisation (absolute or `..`).
pub fn normalise(p: &str) -> Option<(String, bool)> {
    let mut parts: Vec<&str> = Vec::new();
    let mut odd = p.starts_with('/');
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                odd = true;
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        None
    } else {
        Some((parts.join("/"), odd))
    }
}

/// Files whose text the analysis reads.
fn wanted_text(path: &str) -> bool {
    matches!(
        path,
        "etc/passwd" | "etc/group" | "etc/ld.so.conf" | "etc/os-release" | "usr/lib/os-release"
    ) || path.starts_with("etc/ld.so.conf.d/")
        || (path.starts_with("etc/ld-musl-") && path.ends_with(".path"))
}

const PREFIX: usize = 4096;
const MAX_TEXT: u64 = 1 << 20;

/// Looks at a regular file's bytes as they stream past.
fn inspect<R: SkipRead>(
    tar: &mut TarReader<R>,
    path: &str,
    size: u64,
    limits: &Limits,
    buf: &mut Vec<u8>,
) -> Result<Option<Arc<Content>>, TarError> {
    buf.clear();
    tar.read_data_prefix(buf, PREFIX)?;
    if buf.starts_with(b"\x7fELF") {
        if size > limits.max_analysed_file {
            return Ok(Some(Arc::new(Content::BadElf(format!(
                "{size} bytes, more than the {} analysed (--max-file-bytes)",
                limits.max_analysed_file
            )))));
        }
        buf.reserve(size as usize - buf.len());
        tar.read_data_to_end(buf)?;
        let c = match plimsoll_elf::analyse(buf) {
            Ok(f) => Content::Elf(Box::new(f)),
            Err(e) => Content::BadElf(e.to_string()),
        };
        release(buf);
        return Ok(Some(Arc::new(c)));
    }
    if let Some(rest) = buf.strip_prefix(b"#!") {
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(rest.len().min(255));
        let shebang = String::from_utf8_lossy(&rest[..end]).into_owned();
        return Ok(Some(Arc::new(Content::Script { shebang })));
    }
    if wanted_text(path) && size <= MAX_TEXT {
        tar.read_data_to_end(buf)?;
        return Ok(Some(Arc::new(Content::Text(buf.as_slice().into()))));
    }
    if size <= MAX_TEXT
        && let Some((kind, sample)) = crate::secrets::scan(buf)
    {
        return Ok(Some(Arc::new(Content::Secret { kind, sample })));
    }
    Ok(None)
}

/// Gives back a large buffer's memory after a big binary.
fn release(buf: &mut Vec<u8>) {
    buf.clear();
    if buf.capacity() > 8 << 20 {
        *buf = Vec::new();
    }
}
