//! Broken, truncated and foreign input: always an error or facts, never a
//! panic, and errors that say what is wrong.

mod common;

use common::{HELLO_C, compile_c, tempdir};
use plimsoll_elf::{ElfError, analyse, is_elf};

/// Deterministic pseudo-random bytes (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn hello(args: &[&str]) -> Vec<u8> {
    let dir = tempdir();
    let bin = compile_c(dir.path(), "hello", "gcc", HELLO_C, args);
    std::fs::read(bin).expect("read binary")
}

fn malformed_message(r: Result<plimsoll_elf::ElfFacts, ElfError>) -> String {
    match r {
        Err(ElfError::Malformed(m)) => m,
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn not_elf() {
    assert_eq!(analyse(b""), Err(ElfError::NotElf));
    assert_eq!(analyse(b"#!/bin/sh\necho hi\n"), Err(ElfError::NotElf));
    assert_eq!(analyse(b"\x7fEL"), Err(ElfError::NotElf));
    assert_eq!(analyse(b"MZ\x90\x00"), Err(ElfError::NotElf));
    assert!(!is_elf(b"\x7fEL"));
    assert!(is_elf(b"\x7fELF\x02\x01\x01"));
    assert!(!is_elf(b"#!/usr/bin/env python3\n"));
    let text = std::fs::read("/etc/os-release").expect("read /etc/os-release");
    assert_eq!(analyse(&text), Err(ElfError::NotElf));
    assert_eq!(
        ElfError::NotElf.to_string(),
        "not an ELF file (no \\x7fELF magic at offset 0)"
    );
}

#[test]
fn every_truncation_of_the_first_4k_is_an_error() {
    for bytes in [hello(&[]), hello(&["-static"])] {
        let full = analyse(&bytes).expect("the whole file parses");
        assert_eq!(full.class, 64);
        for n in 0..=4096.min(bytes.len() - 1) {
            let r = analyse(&bytes[..n]);
            if n < 4 {
                assert_eq!(r, Err(ElfError::NotElf), "length {n}");
            } else {
                // Section headers sit at the end of the file, past 4 KiB.
                let msg = malformed_message(r);
                assert!(!msg.is_empty());
            }
        }
    }
}

#[test]
fn every_truncation_of_a_whole_binary_is_handled() {
    let bytes = hello(&[]);
    let mut errors = 0;
    for n in 0..bytes.len() {
        if analyse(&bytes[..n]).is_err() {
            errors += 1;
        }
    }
    // Cutting anything off loses the section headers at the end.
    assert_eq!(errors, bytes.len());
}

#[test]
fn random_bytes_do_not_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut not_elf = 0;
    for round in 0..2000 {
        let len = rng.below(4096);
        let mut buf: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if round % 2 == 0 && buf.len() >= 6 {
            // Give half of them a plausible identification.
            buf[..4].copy_from_slice(b"\x7fELF");
            buf[4] = 1 + (rng.next() % 2) as u8;
            buf[5] = 1 + (rng.next() % 2) as u8;
        }
        match analyse(&buf) {
            Err(ElfError::NotElf) => not_elf += 1,
            Err(ElfError::Malformed(m)) => assert!(!m.is_empty()),
            Ok(f) => assert!(f.class == 32 || f.class == 64),
        }
    }
    assert!(not_elf >= 900, "odd rounds have no magic: {not_elf}");
}

#[test]
fn mutated_real_binaries_do_not_panic() {
    let originals = [hello(&[]), hello(&["-static"]), hello(&["-g"])];
    let mut rng = Rng(42);
    let mut ok = 0;
    let mut err = 0;
    for original in &originals {
        for _ in 0..1500 {
            let mut bytes = original.clone();
            // Mostly hit the headers and dynamic data near the start.
            for _ in 0..1 + rng.below(8) {
                let limit = if rng.below(4) == 0 {
                    bytes.len()
                } else {
                    4096.min(bytes.len())
                };
                let at = rng.below(limit);
                bytes[at] = rng.next() as u8;
            }
            match analyse(&bytes) {
                Ok(f) => {
                    ok += 1;
                    // Whatever was read stays consistent with itself.
                    assert_eq!(f.is_static, f.interpreter.is_none() && f.needed.is_empty());
                    let _ = f.libc();
                    let _ = f.max_glibc_needed();
                }
                Err(e) => {
                    err += 1;
                    assert!(!e.to_string().is_empty());
                }
            }
        }
    }
    assert_eq!(ok + err, 4500);
    assert!(ok > 0 && err > 0, "ok {ok}, err {err}");
}

/// Offsets of the `PT_DYNAMIC` entries of a 64-bit little-endian file.
fn dynamic_entries(bytes: &[u8]) -> Vec<(usize, u64, u64)> {
    let u16_at = |o: usize| u16::from_le_bytes(bytes[o..o + 2].try_into().unwrap());
    let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap());
    let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap());
    let phoff = u64_at(0x20) as usize;
    let phnum = u16_at(0x38) as usize;
    for i in 0..phnum {
        let ph = phoff + i * 56;
        if u32_at(ph) == 2 {
            let off = u64_at(ph + 8) as usize;
            let size = u64_at(ph + 32) as usize;
            return (off..off + size)
                .step_by(16)
                .map(|e| (e, u64_at(e), u64_at(e + 8)))
                .collect();
        }
    }
    panic!("no PT_DYNAMIC");
}

fn set_dynamic(bytes: &mut [u8], tag: u64, value: u64) {
    let (at, _, _) = dynamic_entries(bytes)
        .into_iter()
        .find(|(_, t, _)| *t == tag)
        .unwrap_or_else(|| panic!("no dynamic tag {tag:#x}"));
    bytes[at + 8..at + 16].copy_from_slice(&value.to_le_bytes());
}

#[test]
fn errors_name_the_broken_structure() {
    let good = hello(&[]);

    let mut b = good.clone();
    b[4] = 7;
    assert!(malformed_message(analyse(&b)).contains("class"));

    let mut b = good.clone();
    b[0x20..0x28].copy_from_slice(&u64::MAX.to_le_bytes()); // e_phoff
    assert!(malformed_message(analyse(&b)).contains("program headers"));

    let mut b = good.clone();
    let len = b.len() as u64;
    b[0x28..0x30].copy_from_slice(&len.to_le_bytes()); // e_shoff
    assert!(malformed_message(analyse(&b)).contains("section headers"));

    let mut b = good.clone();
    set_dynamic(&mut b, 5, 0xdead_0000_0000); // DT_STRTAB
    assert!(malformed_message(analyse(&b)).contains("DT_STRTAB"));

    let mut b = good.clone();
    set_dynamic(&mut b, 10, 1 << 40); // DT_STRSZ
    assert!(malformed_message(analyse(&b)).contains("DT_STRSZ"));

    let mut b = good.clone();
    set_dynamic(&mut b, 1, 1 << 20); // DT_NEEDED offset
    assert!(malformed_message(analyse(&b)).contains("DT_NEEDED"));

    let mut b = good.clone();
    set_dynamic(&mut b, 0x6fff_fffe, 0xdead_0000_0000); // DT_VERNEED
    assert!(malformed_message(analyse(&b)).contains("DT_VERNEED"));

    let mut b = good.clone();
    set_dynamic(&mut b, 0x6fff_ffff, 1 << 30); // DT_VERNEEDNUM
    assert!(malformed_message(analyse(&b)).contains("DT_VERNEEDNUM"));

    let e = ElfError::Malformed("x".into());
    assert_eq!(e.to_string(), "malformed ELF file: x");
}

#[test]
fn version_need_cycles_are_bounded() {
    // Point vn_next of the only version-needed entry back at itself: the
    // walk stops at the declared count instead of looping.
    let good = hello(&[]);
    let entries = dynamic_entries(&good);
    let verneed_vaddr = entries
        .iter()
        .find(|(_, t, _)| *t == 0x6fff_fffe)
        .map(|(_, _, v)| *v)
        .expect("DT_VERNEED");
    // In this small PIE the first PT_LOAD maps vaddr 0 at offset 0.
    let at = verneed_vaddr as usize;
    let mut b = good.clone();
    // vn_cnt = 65535 with vna_next = 0 on the aux: one record read.
    b[at + 2..at + 4].copy_from_slice(&u16::MAX.to_le_bytes());
    let f = analyse(&b).expect("still readable");
    assert_eq!(f.version_needs.len(), 1);
    assert!(!f.version_needs[0].versions.is_empty());

    // vn_next pointing nowhere valid (past the segment) fails cleanly.
    let mut b = good.clone();
    set_dynamic(&mut b, 0x6fff_ffff, 3);
    b[at + 12..at + 16].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
    assert!(malformed_message(analyse(&b)).contains("DT_VERNEED"));
}
