//! The ELF walk: header, program headers, dynamic table, symbol versions,
//! section headers and notes.

use crate::{ElfError, ElfFacts, ElfKind, VersionNeed, go, is_elf, machine_name};
use object::Endianness;
use object::elf::{FileHeader32, FileHeader64};
use object::read::elf::{Dyn, FileHeader, ProgramHeader, SectionHeader};

// Program header types and flags.
const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;
const PT_NOTE: u32 = 4;
pub(crate) const PF_X: u32 = 1;
pub(crate) const PF_W: u32 = 2;

// Dynamic tags.
const DT_NULL: i64 = 0;
const DT_NEEDED: i64 = 1;
const DT_STRTAB: i64 = 5;
const DT_STRSZ: i64 = 10;
const DT_SONAME: i64 = 14;
const DT_RPATH: i64 = 15;
const DT_RUNPATH: i64 = 29;
const DT_FLAGS_1: i64 = 0x6fff_fffb;
const DT_VERDEF: i64 = 0x6fff_fffc;
const DT_VERDEFNUM: i64 = 0x6fff_fffd;
const DT_VERNEED: i64 = 0x6fff_fffe;
const DT_VERNEEDNUM: i64 = 0x6fff_ffff;
const DF_1_PIE: u64 = 0x0800_0000;
const VER_FLG_BASE: u16 = 1;

// Section types.
const SHT_SYMTAB: u32 = 2;
const SHT_NOTE: u32 = 7;
const SHT_NOBITS: u32 = 8;

// Note types.
const NT_GNU_BUILD_ID: u32 = 3;
const NT_GO_BUILD_ID: u32 = 4;

// File types.
const ET_REL: u16 = 1;
const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;
const ET_CORE: u16 = 4;

/// Caps on counts and sizes; real files stay far below them.
const MAX_PROGRAM_HEADERS: usize = 4096;
const MAX_SECTIONS: usize = 1 << 20;
const MAX_DYNAMIC_ENTRIES: usize = 65_536;
const MAX_VERNEED: usize = 4096;
const MAX_VERDEF: usize = 65_536;
const MAX_VERSION_AUX_TOTAL: usize = 65_536;
const MAX_NOTES_PER_REGION: usize = 4096;
const MAX_NOTE_REGIONS: usize = 256;
/// `PATH_MAX`; the kernel refuses longer interpreter paths too.
const MAX_PATH: usize = 4096;
/// A run-path list may hold many directories.
const MAX_PATH_LIST: usize = 65_536;
const MAX_ID_BYTES: usize = 1024;
/// All strings collected from the dynamic string table together.
const STRING_BUDGET: usize = 8 << 20;
/// How far into the file the UPX magic is looked for.
const UPX_SCAN: usize = 4096;

fn malformed(msg: impl Into<String>) -> ElfError {
    ElfError::Malformed(msg.into())
}

pub(crate) fn analyse(data: &[u8]) -> Result<ElfFacts, ElfError> {
    if !is_elf(data) {
        return Err(ElfError::NotElf);
    }
    match data.get(4) {
        Some(1) => analyse_as::<FileHeader32<Endianness>>(data),
        Some(2) => analyse_as::<FileHeader64<Endianness>>(data),
        Some(c) => Err(malformed(format!(
            "ELF class byte is {c}, expected 1 (32-bit) or 2 (64-bit)"
        ))),
        None => Err(malformed("file ends inside the ELF identification bytes")),
    }
}

/// A `PT_LOAD` segment: maps link-time addresses to file offsets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Load {
    pub vaddr: u64,
    pub offset: u64,
    pub filesz: u64,
    pub flags: u32,
}

/// The file bytes behind virtual address `addr`, up to `max` bytes, stopping
/// at the end of the containing `PT_LOAD` segment and at the end of the file.
/// `None` when no segment maps `addr` or the segment starts past the file.
pub(crate) fn read_vaddr<'a>(
    data: &'a [u8],
    loads: &[Load],
    addr: u64,
    max: u64,
) -> Option<&'a [u8]> {
    let load = loads
        .iter()
        .find(|l| addr >= l.vaddr && addr - l.vaddr < l.filesz)?;
    let rel = addr - load.vaddr;
    let avail = load.filesz - rel;
    let start = load.offset.checked_add(rel)?;
    let end = start.checked_add(avail.min(max))?;
    let start = usize::try_from(start).ok()?;
    let end = usize::try_from(end).unwrap_or(usize::MAX).min(data.len());
    data.get(start..end)
}

/// Byte-order-aware little readers over untrusted slices.
#[derive(Clone, Copy)]
pub(crate) struct Order {
    pub big: bool,
}

impl Order {
    pub fn u16_at(self, data: &[u8], off: usize) -> Option<u16> {
        let b: [u8; 2] = data.get(off..off.checked_add(2)?)?.try_into().ok()?;
        Some(if self.big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    pub fn u32_at(self, data: &[u8], off: usize) -> Option<u32> {
        let b: [u8; 4] = data.get(off..off.checked_add(4)?)?.try_into().ok()?;
        Some(if self.big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    pub fn u64_at(self, data: &[u8], off: usize) -> Option<u64> {
        let b: [u8; 8] = data.get(off..off.checked_add(8)?)?.try_into().ok()?;
        Some(if self.big {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }
}

/// The dynamic string table plus a budget on how much is copied out of it.
struct Strings<'a> {
    table: &'a [u8],
    budget: usize,
}

impl Strings<'_> {
    fn get(&mut self, off: u64, max: usize, what: &str) -> Result<String, ElfError> {
        let rest = usize::try_from(off)
            .ok()
            .and_then(|o| self.table.get(o..))
            .ok_or_else(|| {
                malformed(format!(
                    "{what}: string offset {off} is outside the dynamic string table ({} bytes)",
                    self.table.len()
                ))
            })?;
        let window = rest.get(..max.saturating_add(1)).unwrap_or(rest);
        let len = window.iter().position(|&b| b == 0).ok_or_else(|| {
            if window.len() > max {
                malformed(format!(
                    "{what}: string at offset {off} is longer than {max} bytes"
                ))
            } else {
                malformed(format!(
                    "{what}: string at offset {off} runs past the end of the dynamic string table"
                ))
            }
        })?;
        if len > self.budget {
            return Err(malformed(format!(
                "{what}: the dynamic strings exceed {STRING_BUDGET} bytes in total"
            )));
        }
        self.budget -= len;
        let bytes = window.get(..len).unwrap_or_default();
        Ok(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// What the `PT_DYNAMIC` table says, before strings are resolved.
#[derive(Default)]
struct DynInfo {
    strtab: Option<u64>,
    strsz: Option<u64>,
    needed: Vec<u64>,
    soname: Option<u64>,
    rpath: Vec<u64>,
    runpath: Vec<u64>,
    flags_1: u64,
    verneed: Option<u64>,
    verneednum: Option<u64>,
    verdef: Option<u64>,
    verdefnum: Option<u64>,
}

impl DynInfo {
    fn uses_strings(&self) -> bool {
        !self.needed.is_empty()
            || self.soname.is_some()
            || !self.rpath.is_empty()
            || !self.runpath.is_empty()
            || self.verneed.is_some()
            || self.verdef.is_some()
    }
}

fn analyse_as<Elf: FileHeader<Endian = Endianness>>(data: &[u8]) -> Result<ElfFacts, ElfError> {
    let header = Elf::parse(data).map_err(|e| malformed(format!("ELF header: {e}")))?;
    let endian = header
        .endian()
        .map_err(|e| malformed(format!("ELF header: {e}")))?;
    let big_endian = header.is_big_endian();
    let order = Order { big: big_endian };
    let class: u8 = if header.is_class_64() { 64 } else { 32 };
    let machine = header.e_machine(endian).0;
    let e_type = header.e_type(endian).0;

    let phdrs = header
        .program_headers(endian, data)
        .map_err(|e| malformed(format!("program headers: {e}")))?;
    if phdrs.len() > MAX_PROGRAM_HEADERS {
        return Err(malformed(format!(
            "{} program headers (limit {MAX_PROGRAM_HEADERS})",
            phdrs.len()
        )));
    }
    let sections = header
        .sections(endian, data)
        .map_err(|e| malformed(format!("section headers: {e}")))?;
    if sections.len() > MAX_SECTIONS {
        return Err(malformed(format!(
            "{} section headers (limit {MAX_SECTIONS})",
            sections.len()
        )));
    }

    // Program headers: what the kernel and the dynamic loader look at.
    let mut loads = Vec::new();
    let mut interpreter = None;
    let mut dynamic = None;
    let mut build_id = None;
    let mut go_build_id = None;
    let mut note_regions = 0usize;
    for ph in phdrs {
        match ph.p_type(endian).0 {
            PT_LOAD => loads.push(Load {
                vaddr: ph.p_vaddr(endian).into(),
                offset: ph.p_offset(endian).into(),
                filesz: ph.p_filesz(endian).into(),
                flags: ph.p_flags(endian).0,
            }),
            PT_INTERP if interpreter.is_none() => {
                let path = ph
                    .interpreter(endian, data)
                    .map_err(|e| malformed(format!("PT_INTERP: {e}")))?
                    .unwrap_or_default();
                if path.len() > MAX_PATH {
                    return Err(malformed(format!(
                        "PT_INTERP path is {} bytes long (limit {MAX_PATH})",
                        path.len()
                    )));
                }
                interpreter = Some(String::from_utf8_lossy(path).into_owned());
            }
            PT_DYNAMIC if dynamic.is_none() => {
                let entries = ph
                    .dynamic(endian, data)
                    .map_err(|e| malformed(format!("PT_DYNAMIC: {e}")))?
                    .unwrap_or_default();
                dynamic = Some(entries);
            }
            PT_NOTE if note_regions < MAX_NOTE_REGIONS => {
                note_regions += 1;
                // Notes are informative only: a bad note region is skipped.
                if let Ok(Some(notes)) = ph.notes(endian, data) {
                    scan_notes::<Elf>(notes, endian, &mut build_id, &mut go_build_id);
                }
            }
            _ => {}
        }
    }

    // The dynamic table.
    let mut info = DynInfo::default();
    if let Some(entries) = dynamic {
        let mut terminated = false;
        for d in entries.iter().take(MAX_DYNAMIC_ENTRIES) {
            let tag = d.d_tag(endian).0;
            let val = d.val(endian);
            match tag {
                DT_NULL => {
                    terminated = true;
                    break;
                }
                DT_NEEDED => info.needed.push(val),
                DT_STRTAB => info.strtab = Some(val),
                DT_STRSZ => info.strsz = Some(val),
                DT_SONAME => info.soname = Some(val),
                DT_RPATH => info.rpath.push(val),
                DT_RUNPATH => info.runpath.push(val),
                DT_FLAGS_1 => info.flags_1 = val,
                DT_VERNEED => info.verneed = Some(val),
                DT_VERNEEDNUM => info.verneednum = Some(val),
                DT_VERDEF => info.verdef = Some(val),
                DT_VERDEFNUM => info.verdefnum = Some(val),
                _ => {}
            }
        }
        if !terminated && entries.len() > MAX_DYNAMIC_ENTRIES {
            return Err(malformed(format!(
                "PT_DYNAMIC has more than {MAX_DYNAMIC_ENTRIES} entries before DT_NULL"
            )));
        }
    }

    let mut needed = Vec::new();
    let mut soname = None;
    let mut rpath = Vec::new();
    let mut runpath = Vec::new();
    let mut version_needs = Vec::new();
    let mut version_defs = Vec::new();
    if info.uses_strings() {
        let addr = info.strtab.ok_or_else(|| {
            malformed("PT_DYNAMIC refers to strings (DT_NEEDED, DT_SONAME, …) but has no DT_STRTAB")
        })?;
        let want = info.strsz.unwrap_or(u64::MAX);
        let table = read_vaddr(data, &loads, addr, want).ok_or_else(|| {
            malformed(format!(
                "DT_STRTAB address {addr:#x} is not inside a PT_LOAD segment within the file"
            ))
        })?;
        if let Some(size) = info.strsz
            && (table.len() as u64) < size
        {
            return Err(malformed(format!(
                "DT_STRTAB at {addr:#x} has DT_STRSZ {size} but only {} bytes are in the file",
                table.len()
            )));
        }
        let mut strings = Strings {
            table,
            budget: STRING_BUDGET,
        };
        for &off in &info.needed {
            needed.push(strings.get(off, MAX_PATH, "DT_NEEDED")?);
        }
        if let Some(off) = info.soname {
            soname = Some(strings.get(off, MAX_PATH, "DT_SONAME")?);
        }
        for &off in &info.rpath {
            let s = strings.get(off, MAX_PATH_LIST, "DT_RPATH")?;
            rpath.extend(split_path_list(&s));
        }
        for &off in &info.runpath {
            let s = strings.get(off, MAX_PATH_LIST, "DT_RUNPATH")?;
            runpath.extend(split_path_list(&s));
        }
        let mut aux_total = 0usize;
        if let Some(addr) = info.verneed {
            let region = read_vaddr(data, &loads, addr, u64::MAX).ok_or_else(|| {
                malformed(format!(
                    "DT_VERNEED address {addr:#x} is not inside a PT_LOAD segment within the file"
                ))
            })?;
            version_needs =
                parse_verneed(region, info.verneednum, order, &mut strings, &mut aux_total)?;
        }
        if let Some(addr) = info.verdef {
            let region = read_vaddr(data, &loads, addr, u64::MAX).ok_or_else(|| {
                malformed(format!(
                    "DT_VERDEF address {addr:#x} is not inside a PT_LOAD segment within the file"
                ))
            })?;
            version_defs =
                parse_verdef(region, info.verdefnum, order, &mut strings, &mut aux_total)?;
        }
    }

    // Section headers.
    let mut has_symtab = false;
    let mut debug_bytes: u64 = 0;
    let mut upx_sections = false;
    let mut go_section = None;
    let want_notes = build_id.is_none() || go_build_id.is_none();
    let mut note_sections = 0usize;
    for sh in sections.iter() {
        let name = sections
            .section_name(endian, sh)
            .map_err(|e| malformed(format!("section name: {e}")))?;
        let sh_type = sh.sh_type(endian).0;
        if sh_type == SHT_SYMTAB {
            has_symtab = true;
        }
        if (name.starts_with(b".debug_") || name.starts_with(b".zdebug_")) && sh_type != SHT_NOBITS
        {
            let size: u64 = sh.sh_size(endian).into();
            sh.data(endian, data).map_err(|_| {
                malformed(format!(
                    "section {} ({size} bytes) lies outside the file",
                    String::from_utf8_lossy(name)
                ))
            })?;
            debug_bytes = debug_bytes.saturating_add(size);
        }
        if name == b"UPX0" || name == b"UPX1" {
            upx_sections = true;
        }
        if name == b".go.buildinfo" && go_section.is_none() {
            go_section = Some(sh.sh_addr(endian).into());
        }
        if want_notes && sh_type == SHT_NOTE && note_sections < MAX_NOTE_REGIONS {
            note_sections += 1;
            if let Ok(Some(notes)) = sh.notes(endian, data) {
                scan_notes::<Elf>(notes, endian, &mut build_id, &mut go_build_id);
            }
        }
    }

    let upx = upx_sections || contains(data.get(..UPX_SCAN).unwrap_or(data), b"UPX!");

    let kind = match e_type {
        ET_REL => ElfKind::Relocatable,
        ET_EXEC => ElfKind::Executable,
        ET_DYN if interpreter.is_some() || info.flags_1 & DF_1_PIE != 0 => ElfKind::PieExecutable,
        ET_DYN => ElfKind::SharedObject,
        ET_CORE => ElfKind::Core,
        other => ElfKind::Other(other),
    };
    let is_static = interpreter.is_none() && needed.is_empty();
    let go = go::read(data, &loads, go_section);

    Ok(ElfFacts {
        class,
        big_endian,
        machine,
        machine_name: machine_name(machine, class, big_endian),
        kind,
        interpreter,
        needed,
        soname,
        rpath,
        runpath,
        is_static,
        version_needs,
        version_defs,
        stripped: !has_symtab,
        debug_bytes,
        build_id,
        go_build_id,
        upx,
        go,
    })
}

fn split_path_list(s: &str) -> impl Iterator<Item = String> + '_ {
    // An empty value lists nothing; empty components inside a list are kept
    // (the loader reads them as the current directory).
    let parts = if s.is_empty() {
        None
    } else {
        Some(s.split(':'))
    };
    parts.into_iter().flatten().map(str::to_string)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

fn scan_notes<Elf: FileHeader<Endian = Endianness>>(
    mut notes: object::read::elf::NoteIterator<'_, Elf>,
    endian: Endianness,
    build_id: &mut Option<String>,
    go_build_id: &mut Option<String>,
) {
    for _ in 0..MAX_NOTES_PER_REGION {
        let note = match notes.next() {
            Ok(Some(n)) => n,
            Ok(None) | Err(_) => return,
        };
        let n_type = note.n_type(endian).0;
        let desc = note.desc();
        if note.name() == b"GNU" && n_type == NT_GNU_BUILD_ID && build_id.is_none() {
            if !desc.is_empty() && desc.len() <= MAX_ID_BYTES {
                *build_id = Some(hex(desc));
            }
        } else if note.name() == b"Go" && n_type == NT_GO_BUILD_ID && go_build_id.is_none() {
            let mut text = desc;
            while let [rest @ .., 0] = text {
                text = rest;
            }
            if !text.is_empty() && text.len() <= MAX_ID_BYTES {
                *go_build_id = Some(String::from_utf8_lossy(text).into_owned());
            }
        }
        if build_id.is_some() && go_build_id.is_some() {
            return;
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len().saturating_mul(2));
    for &b in bytes {
        for nibble in [b >> 4, b & 0xf] {
            s.extend(char::from_digit(u32::from(nibble), 16));
        }
    }
    s
}

fn add(off: usize, delta: u32, what: &str) -> Result<usize, ElfError> {
    usize::try_from(delta)
        .ok()
        .and_then(|d| off.checked_add(d))
        .ok_or_else(|| malformed(format!("{what}: offset overflows")))
}

/// `Elf_Verneed` entries (16 bytes each, with 16-byte `Elf_Vernaux` records)
/// starting at `region`.
fn parse_verneed(
    region: &[u8],
    count: Option<u64>,
    order: Order,
    strings: &mut Strings<'_>,
    aux_total: &mut usize,
) -> Result<Vec<VersionNeed>, ElfError> {
    let limit = bounded_count(count, MAX_VERNEED, "DT_VERNEEDNUM")?;
    let truncated = |off: usize| {
        malformed(format!(
            "version-needed entry at offset {off} of DT_VERNEED runs past its segment"
        ))
    };
    let mut out = Vec::new();
    let mut off = 0usize;
    for _ in 0..limit {
        let cnt = order
            .u16_at(region, off.saturating_add(2))
            .ok_or_else(|| truncated(off))?;
        let file = order
            .u32_at(region, off.saturating_add(4))
            .ok_or_else(|| truncated(off))?;
        let aux = order
            .u32_at(region, off.saturating_add(8))
            .ok_or_else(|| truncated(off))?;
        let next = order
            .u32_at(region, off.saturating_add(12))
            .ok_or_else(|| truncated(off))?;
        let file = strings.get(u64::from(file), MAX_PATH, "DT_VERNEED file")?;
        let mut versions = Vec::new();
        let mut aoff = add(off, aux, "DT_VERNEED vn_aux")?;
        for _ in 0..cnt {
            *aux_total += 1;
            if *aux_total > MAX_VERSION_AUX_TOTAL {
                return Err(malformed(format!(
                    "more than {MAX_VERSION_AUX_TOTAL} symbol-version records"
                )));
            }
            let name = order
                .u32_at(region, aoff.saturating_add(8))
                .ok_or_else(|| truncated(aoff))?;
            let anext = order
                .u32_at(region, aoff.saturating_add(12))
                .ok_or_else(|| truncated(aoff))?;
            versions.push(strings.get(u64::from(name), MAX_PATH, "DT_VERNEED version")?);
            if anext == 0 {
                break;
            }
            aoff = add(aoff, anext, "DT_VERNEED vna_next")?;
        }
        out.push(VersionNeed { file, versions });
        if next == 0 {
            break;
        }
        off = add(off, next, "DT_VERNEED vn_next")?;
    }
    Ok(out)
}

/// `Elf_Verdef` entries (20 bytes each, with 8-byte `Elf_Verdaux` records)
/// starting at `region`. Only the first name of each definition is the
/// version defined; the others name its parents.
fn parse_verdef(
    region: &[u8],
    count: Option<u64>,
    order: Order,
    strings: &mut Strings<'_>,
    aux_total: &mut usize,
) -> Result<Vec<String>, ElfError> {
    let limit = bounded_count(count, MAX_VERDEF, "DT_VERDEFNUM")?;
    let truncated = |off: usize| {
        malformed(format!(
            "version-definition entry at offset {off} of DT_VERDEF runs past its segment"
        ))
    };
    let mut out = Vec::new();
    let mut off = 0usize;
    for _ in 0..limit {
        let flags = order
            .u16_at(region, off.saturating_add(2))
            .ok_or_else(|| truncated(off))?;
        let cnt = order
            .u16_at(region, off.saturating_add(6))
            .ok_or_else(|| truncated(off))?;
        let aux = order
            .u32_at(region, off.saturating_add(12))
            .ok_or_else(|| truncated(off))?;
        let next = order
            .u32_at(region, off.saturating_add(16))
            .ok_or_else(|| truncated(off))?;
        if cnt > 0 && flags & VER_FLG_BASE == 0 {
            *aux_total += 1;
            if *aux_total > MAX_VERSION_AUX_TOTAL {
                return Err(malformed(format!(
                    "more than {MAX_VERSION_AUX_TOTAL} symbol-version records"
                )));
            }
            let aoff = add(off, aux, "DT_VERDEF vd_aux")?;
            let name = order.u32_at(region, aoff).ok_or_else(|| truncated(aoff))?;
            out.push(strings.get(u64::from(name), MAX_PATH, "DT_VERDEF version")?);
        }
        if next == 0 {
            break;
        }
        off = add(off, next, "DT_VERDEF vd_next")?;
    }
    Ok(out)
}

fn bounded_count(count: Option<u64>, max: usize, what: &str) -> Result<usize, ElfError> {
    match count {
        // Without a count, entries are followed until a zero `next` link.
        None => Ok(max),
        Some(n) => match usize::try_from(n) {
            Ok(n) if n <= max => Ok(n),
            _ => Err(malformed(format!("{what} is {n} (limit {max})"))),
        },
    }
}
