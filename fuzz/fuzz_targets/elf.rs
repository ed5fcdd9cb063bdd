//! Fuzzes the ELF reader: `analyse` on arbitrary bytes, then everything a
//! caller derives from the facts. Any panic is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::cmp::Ordering;

fuzz_target!(|data: &[u8]| {
    let _ = plimsoll_elf::is_elf(data);
    let Ok(facts) = plimsoll_elf::analyse(data) else {
        return;
    };
    assert!(facts.class == 32 || facts.class == 64);
    assert_eq!(
        facts.is_static,
        facts.interpreter.is_none() && facts.needed.is_empty()
    );
    let _ = facts.libc();
    let _ = facts.max_glibc_needed();
    // compare_versions must be a total order on whatever names were read.
    let mut names: Vec<&str> = facts.needed_versions().collect();
    names.extend(facts.version_defs.iter().map(String::as_str));
    names.truncate(64);
    for a in &names {
        for b in &names {
            let ab = plimsoll_elf::compare_versions(a, b);
            assert_eq!(ab, plimsoll_elf::compare_versions(b, a).reverse());
            assert_eq!(ab == Ordering::Equal, a == b);
        }
    }
    names.sort_by(|a, b| plimsoll_elf::compare_versions(a, b));
    if let Some(go) = &facts.go {
        let _ = go.cgo_enabled();
        let _ = go.setting("-ldflags");
    }
});
