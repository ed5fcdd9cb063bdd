//! Go build information (`go version -m`), read from the bytes of an ELF file.
//!
//! Format (learned from Go's `debug/buildinfo` and `runtime/debug`): the
//! linker writes a 32-byte header at a 16-byte aligned position at the start
//! of the `.go.buildinfo` section (or, without section headers, near the start
//! of the first writable, non-executable `PT_LOAD` segment):
//!
//! - 14 bytes `\xff Go buildinf:`;
//! - 1 byte pointer size (4 or 8);
//! - 1 byte flags: bit 0 big-endian, bit 1 "strings inline" (Go 1.18+);
//! - then either, inline, two strings each prefixed by an unsigned varint
//!   length right after the 32 bytes, or two pointers (at offsets 16 and
//!   16 + pointer size) to Go string headers `{data pointer, length}` that
//!   must be resolved through the segments' virtual addresses.
//!
//! The first string is the toolchain version (`go1.19.8`); the second is the
//! module information, framed by 16-byte sentinels, as lines `path\tP`,
//! `mod\tPATH\tVERSION\tSUM`, `dep\t…`, `=>\t…` (a replacement of the line
//! before) and `build\tKEY=VALUE` with keys and values in Go's quoted-string
//! syntax when they contain spaces, tabs, quotes or `=`.

use crate::parse::{Load, Order, PF_W, PF_X, read_vaddr};
use serde::Serialize;

const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
const HEADER_LEN: usize = 32;
const ALIGN: usize = 16;
/// How much of the data start is searched for the header, as Go does.
const SEARCH_WINDOW: u64 = 64 * 1024;
const MAX_VERSION_LEN: u64 = 1024;
const MAX_MODINFO_LEN: u64 = 16 << 20;
const FLAG_INLINE: u8 = 0x2;

/// Build information embedded by the Go toolchain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoBuildInfo {
    /// Toolchain version, e.g. `go1.19.8`.
    pub go_version: String,
    /// Import path of the main package (empty when not built in module mode).
    pub path: String,
    /// The main module.
    pub main: Option<GoModule>,
    /// Dependency modules that contributed packages, in file order.
    pub deps: Vec<GoModule>,
    /// Build settings (`-ldflags`, `CGO_ENABLED`, `GOARCH`, `vcs.revision`, …)
    /// in file order.
    pub settings: Vec<(String, String)>,
}

/// One module of a Go build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoModule {
    /// Module path.
    pub path: String,
    /// Module version (`(devel)` for the main module of a local build).
    pub version: String,
    /// The `go.sum` checksum, when recorded.
    pub sum: Option<String>,
    /// The module that replaced this one (`replace` directive).
    pub replace: Option<Box<GoModule>>,
}

impl GoBuildInfo {
    /// The value of the first build setting named `key`.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `CGO_ENABLED` as recorded: `Some(true)` for `1`, `Some(false)` for `0`,
    /// `None` when absent (Go before 1.18) or another value.
    pub fn cgo_enabled(&self) -> Option<bool> {
        match self.setting("CGO_ENABLED") {
            Some("1") => Some(true),
            Some("0") => Some(false),
            _ => None,
        }
    }

    /// Parses the module-information text (without its sentinels). Lines
    /// that do not parse are skipped.
    pub fn parse_modinfo(go_version: String, text: &str) -> GoBuildInfo {
        let mut info = GoBuildInfo {
            go_version,
            path: String::new(),
            main: None,
            deps: Vec::new(),
            settings: Vec::new(),
        };
        enum Last {
            None,
            Main,
            Dep(usize),
        }
        let mut last = Last::None;
        // As in Go, a final line without a newline is not read.
        let mut rest = text;
        while let Some((line, tail)) = rest.split_once('\n') {
            rest = tail;
            if let Some(p) = line.strip_prefix("path\t") {
                info.path = p.to_string();
            } else if let Some(m) = line.strip_prefix("mod\t") {
                if let Some(m) = module_line(m) {
                    info.main = Some(m);
                    last = Last::Main;
                }
            } else if let Some(m) = line.strip_prefix("dep\t") {
                if let Some(m) = module_line(m) {
                    info.deps.push(m);
                    last = Last::Dep(info.deps.len().saturating_sub(1));
                }
            } else if let Some(m) = line.strip_prefix("=>\t") {
                if let Some(m) = module_line(m) {
                    let target = match last {
                        Last::Main => info.main.as_mut(),
                        Last::Dep(i) => info.deps.get_mut(i),
                        Last::None => None,
                    };
                    if let Some(t) = target {
                        t.replace = Some(Box::new(m));
                    }
                }
                last = Last::None;
            } else if let Some(kv) = line.strip_prefix("build\t")
                && let Some(kv) = build_line(kv)
            {
                info.settings.push(kv);
            }
        }
        info
    }
}

fn module_line(s: &str) -> Option<GoModule> {
    let cols: Vec<&str> = s.splitn(4, '\t').collect();
    let (path, version, sum) = match cols.as_slice() {
        [p, v] => (*p, *v, ""),
        [p, v, s] => (*p, *v, *s),
        _ => return None,
    };
    Some(GoModule {
        path: path.to_string(),
        version: version.to_string(),
        sum: (!sum.is_empty()).then(|| sum.to_string()),
        replace: None,
    })
}

/// `KEY=VALUE` where either side may be in Go's quoted syntax.
fn build_line(kv: &str) -> Option<(String, String)> {
    let (key, raw_value) = match kv.as_bytes().first()? {
        b'=' => return None,
        b'"' | b'`' => {
            let raw_key = quoted_prefix(kv)?;
            let after = kv.get(raw_key.len()..)?;
            let raw_value = after.strip_prefix('=')?;
            (unquote(raw_key)?, raw_value)
        }
        _ => {
            let (k, v) = kv.split_once('=')?;
            (k.to_string(), v)
        }
    };
    let value = match raw_value.as_bytes().first() {
        Some(b'"' | b'`') => unquote(raw_value)?,
        _ => raw_value.to_string(),
    };
    Some((key, value))
}

/// The leading quoted string of `s` (with its quotes), if it is well formed.
fn quoted_prefix(s: &str) -> Option<&str> {
    let bytes = s.as_bytes();
    let quote = *bytes.first()?;
    let mut i = 1usize;
    while let Some(&b) = bytes.get(i) {
        if b == quote {
            let candidate = s.get(..i.checked_add(1)?)?;
            return unquote(candidate).map(|_| candidate);
        }
        if b == b'\n' {
            return None;
        }
        if b == b'\\' && quote == b'"' {
            i = i.checked_add(1)?;
        }
        i = i.checked_add(1)?;
    }
    None
}

/// Go's `strconv.Unquote` for double-quoted and back-quoted strings.
pub(crate) fn unquote(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let quote = *bytes.first()?;
    if bytes.len() < 2 || bytes.last() != Some(&quote) {
        return None;
    }
    let inner = s.get(1..s.len() - 1)?;
    match quote {
        b'`' => {
            if inner.contains('`') {
                return None;
            }
            Some(inner.replace('\r', ""))
        }
        b'"' => unquote_double(inner),
        _ => None,
    }
}

fn unquote_double(inner: &str) -> Option<String> {
    let mut out: Vec<u8> = Vec::with_capacity(inner.len());
    let mut it = inner.bytes();
    while let Some(b) = it.next() {
        match b {
            b'"' | b'\n' => return None,
            b'\\' => {
                let e = it.next()?;
                match e {
                    b'a' => out.push(0x07),
                    b'b' => out.push(0x08),
                    b'f' => out.push(0x0c),
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'v' => out.push(0x0b),
                    b'\\' => out.push(b'\\'),
                    b'"' => out.push(b'"'),
                    b'x' => {
                        let v = hex_digits(&mut it, 2)?;
                        out.push(u8::try_from(v).ok()?);
                    }
                    b'0'..=b'7' => {
                        let mut v = u32::from(e - b'0');
                        for _ in 0..2 {
                            let d = it.next()?;
                            if !(b'0'..=b'7').contains(&d) {
                                return None;
                            }
                            v = v * 8 + u32::from(d - b'0');
                        }
                        out.push(u8::try_from(v).ok()?);
                    }
                    b'u' | b'U' => {
                        let n = if e == b'u' { 4 } else { 8 };
                        let c = char::from_u32(hex_digits(&mut it, n)?)?;
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                    _ => return None,
                }
            }
            _ => out.push(b),
        }
    }
    Some(match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

fn hex_digits(it: &mut impl Iterator<Item = u8>, n: usize) -> Option<u32> {
    let mut v: u32 = 0;
    for _ in 0..n {
        let d = char::from(it.next()?).to_digit(16)?;
        v = v.checked_mul(16)?.checked_add(d)?;
    }
    Some(v)
}

/// Unsigned LEB128 varint as Go's `binary.Uvarint` writes it.
fn uvarint(data: &[u8]) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    for (i, &b) in data.iter().enumerate().take(10) {
        let low = u64::from(b & 0x7f);
        if i == 9 && b > 1 {
            return None;
        }
        v |= low << (7 * i);
        if b & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// A varint-prefixed string at the start of `data`, and what follows it.
fn inline_string(data: &[u8], max: u64) -> Option<(&[u8], &[u8])> {
    let (len, n) = uvarint(data)?;
    if len > max {
        return None;
    }
    let rest = data.get(n..)?;
    let len = usize::try_from(len).ok()?;
    Some((rest.get(..len)?, rest.get(len..)?))
}

/// The Go build information of an ELF file, if it carries any readable one.
pub(crate) fn read(data: &[u8], loads: &[Load], section_addr: Option<u64>) -> Option<GoBuildInfo> {
    let start = section_addr.or_else(|| {
        loads
            .iter()
            .find(|l| l.flags & (PF_X | PF_W) == PF_W && l.filesz > 0)
            .map(|l| l.vaddr)
    })?;
    let window = read_vaddr(data, loads, start, SEARCH_WINDOW)?;
    let pos = (0..window.len()).step_by(ALIGN).find(|&i| {
        window
            .get(i..i.saturating_add(HEADER_LEN))
            .is_some_and(|h| h.starts_with(MAGIC))
    })?;
    let header = window.get(pos..pos.checked_add(HEADER_LEN)?)?;
    let ptr_size = *header.get(14)?;
    let flags = *header.get(15)?;

    let (version, modinfo): (&[u8], &[u8]) = if flags & FLAG_INLINE != 0 {
        let after = start
            .checked_add(u64::try_from(pos).ok()?)?
            .checked_add(HEADER_LEN as u64)?;
        let body = read_vaddr(data, loads, after, u64::MAX)?;
        let (version, rest) = inline_string(body, MAX_VERSION_LEN)?;
        // A missing or broken module string still leaves the version.
        let modinfo = inline_string(rest, MAX_MODINFO_LEN).map_or(&[][..], |(m, _)| m);
        (version, modinfo)
    } else {
        let order = Order {
            big: flags & 0x1 != 0,
        };
        let read_ptr = |bytes: &[u8], off: usize| -> Option<u64> {
            match ptr_size {
                4 => order.u32_at(bytes, off).map(u64::from),
                8 => order.u64_at(bytes, off),
                _ => None,
            }
        };
        let go_string = |addr: u64, max: u64| -> Option<&[u8]> {
            let hdr = read_vaddr(data, loads, addr, 2 * u64::from(ptr_size))?;
            let ptr = read_ptr(hdr, 0)?;
            let len = read_ptr(hdr, usize::from(ptr_size))?;
            if len > max {
                return None;
            }
            let bytes = read_vaddr(data, loads, ptr, len)?;
            (bytes.len() as u64 == len).then_some(bytes)
        };
        let version = go_string(read_ptr(header, 16)?, MAX_VERSION_LEN)?;
        let modinfo = read_ptr(header, 16 + usize::from(ptr_size))
            .and_then(|addr| go_string(addr, MAX_MODINFO_LEN))
            .unwrap_or_default();
        (version, modinfo)
    };
    if version.is_empty() {
        return None;
    }
    let version = String::from_utf8_lossy(version).into_owned();
    let modinfo = strip_sentinels(modinfo);
    Some(GoBuildInfo::parse_modinfo(
        version,
        &String::from_utf8_lossy(modinfo),
    ))
}

/// The module text sits between two 16-byte sentinels; the last byte before
/// the closing one is a newline. Anything else means no module information.
fn strip_sentinels(m: &[u8]) -> &[u8] {
    let n = m.len();
    if n >= 33 && m.get(n - 17) == Some(&b'\n') {
        m.get(16..n - 16).unwrap_or_default()
    } else {
        &[]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unquote_follows_go_syntax() {
        assert_eq!(unquote(r#""-s -w""#).as_deref(), Some("-s -w"));
        assert_eq!(
            unquote(r#""a\tb\n\"q\"\\""#).as_deref(),
            Some("a\tb\n\"q\"\\")
        );
        assert_eq!(
            unquote(r#""\x41\101\u00e9\U0001F600""#).as_deref(),
            Some("AAé😀")
        );
        assert_eq!(unquote("`raw \\n`").as_deref(), Some("raw \\n"));
        assert_eq!(unquote(r#""unterminated"#), None);
        assert_eq!(unquote(r#""bad \q escape""#), None);
        assert_eq!(unquote(r#""single \' is invalid""#), None);
        assert_eq!(unquote(r#""\400""#), None);
        assert_eq!(unquote(r#""\ud800""#), None);
        assert_eq!(unquote("\""), None);
        assert_eq!(unquote(""), None);
    }

    #[test]
    fn build_lines() {
        assert_eq!(
            build_line(r#"-ldflags="-s -w -X main.v=1""#),
            Some(("-ldflags".into(), "-s -w -X main.v=1".into()))
        );
        assert_eq!(
            build_line("CGO_ENABLED=0"),
            Some(("CGO_ENABLED".into(), "0".into()))
        );
        assert_eq!(
            build_line("-trimpath=true"),
            Some(("-trimpath".into(), "true".into()))
        );
        assert_eq!(
            build_line(r#""odd key"=v"#),
            Some(("odd key".into(), "v".into()))
        );
        assert_eq!(build_line("K="), Some(("K".into(), String::new())));
        assert_eq!(build_line("=v"), None);
        assert_eq!(build_line("novalue"), None);
        assert_eq!(build_line(r#""k"v"#), None);
    }

    #[test]
    fn modinfo_text() {
        let text = "path\texample.com/app\n\
                    mod\texample.com/app\t(devel)\t\n\
                    dep\texample.com/lib\tv1.2.3\th1:abc=\n\
                    dep\texample.com/old\tv0.1.0\n\
                    =>\t../old\t(devel)\t\n\
                    build\t-compiler=gc\n\
                    build\t-ldflags=\"-s -w\"\n\
                    build\tCGO_ENABLED=1\n\
                    garbage line\n\
                    build\tunterminated";
        let bi = GoBuildInfo::parse_modinfo("go1.19.8".into(), text);
        assert_eq!(bi.path, "example.com/app");
        let main = bi.main.as_ref().expect("main module");
        assert_eq!(main.version, "(devel)");
        assert_eq!(main.sum, None);
        assert_eq!(bi.deps.len(), 2);
        assert_eq!(bi.deps[0].sum.as_deref(), Some("h1:abc="));
        let rep = bi.deps[1].replace.as_ref().expect("replacement");
        assert_eq!(rep.path, "../old");
        assert_eq!(bi.setting("-ldflags"), Some("-s -w"));
        assert_eq!(bi.cgo_enabled(), Some(true));
        assert_eq!(bi.settings.len(), 3);
    }

    #[test]
    fn varints() {
        assert_eq!(uvarint(&[0x05]), Some((5, 1)));
        assert_eq!(uvarint(&[0x80, 0x01]), Some((128, 2)));
        assert_eq!(uvarint(&[0x80]), None);
        assert_eq!(uvarint(&[0xff; 10]), None);
        assert_eq!(
            uvarint(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
            Some((u64::MAX, 10))
        );
        assert_eq!(inline_string(&[3, b'a', b'b'], 100), None);
        assert_eq!(
            inline_string(&[2, b'a', b'b', b'c'], 100),
            Some((&b"ab"[..], &b"c"[..]))
        );
    }

    #[test]
    fn sentinels() {
        let mut m = vec![b'S'; 16];
        m.extend_from_slice(b"path\tx\n");
        m.extend_from_slice(&[b'E'; 16]);
        assert_eq!(strip_sentinels(&m), b"path\tx\n");
        assert_eq!(strip_sentinels(b"short"), b"");
    }
}
