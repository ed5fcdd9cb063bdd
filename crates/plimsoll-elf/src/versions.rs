//! Ordering of symbol-version names such as `GLIBC_2.2.5`.

use std::cmp::Ordering;

/// Compares symbol-version names numerically: `GLIBC_2.9` < `GLIBC_2.34`,
/// and `GLIBC_2.2.5` reads as `[2, 2, 5]` (so `GLIBC_2.2` < `GLIBC_2.2.5` <
/// `GLIBC_2.3`).
///
/// A name is split into a prefix (everything before the first ASCII digit,
/// e.g. `GLIBC_`, `GLIBCXX_`, `CXXABI_`) and dot-separated components. Names
/// compare by prefix first, then component by component: numbers by value (of
/// any length, without overflow), a number before a non-numeric component,
/// non-numeric components as text, a shorter list before a longer one that
/// extends it. Ties (such as `2.01` against `2.1`) fall back to comparing the
/// whole names as text, so this is a total order suitable for sorting.
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    let (pa, ra) = split_prefix(a);
    let (pb, rb) = split_prefix(b);
    pa.cmp(pb)
        .then_with(|| compare_components(ra, rb))
        .then_with(|| a.cmp(b))
}

fn split_prefix(s: &str) -> (&str, &str) {
    match s.find(|c: char| c.is_ascii_digit()) {
        Some(i) => (s.get(..i).unwrap_or(s), s.get(i..).unwrap_or("")),
        None => (s, ""),
    }
}

fn compare_components(a: &str, b: &str) -> Ordering {
    let mut ia = a.split('.').filter(|c| !c.is_empty());
    let mut ib = b.split('.').filter(|c| !c.is_empty());
    loop {
        match (ia.next(), ib.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let ord = compare_component(x, y);
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

fn compare_component(a: &str, b: &str) -> Ordering {
    let na = a.bytes().all(|c| c.is_ascii_digit());
    let nb = b.bytes().all(|c| c.is_ascii_digit());
    match (na, nb) {
        (true, true) => {
            let a = a.trim_start_matches('0');
            let b = b.trim_start_matches('0');
            a.len().cmp(&b.len()).then_with(|| a.cmp(b))
        }
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::compare_versions;
    use std::cmp::Ordering::{Equal, Greater, Less};

    #[test]
    fn glibc_versions_compare_numerically() {
        assert_eq!(compare_versions("GLIBC_2.9", "GLIBC_2.34"), Less);
        assert_eq!(compare_versions("GLIBC_2.34", "GLIBC_2.9"), Greater);
        assert_eq!(compare_versions("GLIBC_2.2.5", "GLIBC_2.3"), Less);
        assert_eq!(compare_versions("GLIBC_2.2", "GLIBC_2.2.5"), Less);
        assert_eq!(compare_versions("GLIBC_2.17", "GLIBC_2.17"), Equal);
        assert_eq!(compare_versions("GLIBC_2.10", "GLIBC_2.9"), Greater);
    }

    #[test]
    fn sorting_gives_release_order() {
        let mut v = vec![
            "GLIBC_2.34",
            "GLIBC_2.2.5",
            "GLIBC_2.9",
            "GLIBC_2.14",
            "GLIBC_2.3.4",
            "GLIBC_2.3",
            "GLIBC_2.28",
        ];
        v.sort_by(|a, b| compare_versions(a, b));
        assert_eq!(
            v,
            [
                "GLIBC_2.2.5",
                "GLIBC_2.3",
                "GLIBC_2.3.4",
                "GLIBC_2.9",
                "GLIBC_2.14",
                "GLIBC_2.28",
                "GLIBC_2.34"
            ]
        );
    }

    #[test]
    fn prefixes_compare_first() {
        // Prefixes compare as text: 'X' (0x58) sorts before '_' (0x5f), so
        // every GLIBCXX_ name sorts before every GLIBC_ name.
        assert_eq!(compare_versions("GLIBCXX_3.4.29", "GLIBC_2.2.5"), Less);
        assert_eq!(compare_versions("CXXABI_1.3", "GLIBC_2.2.5"), Less);
        assert_eq!(compare_versions("GCC_3.0", "GCC_4.2.0"), Less);
        assert_eq!(compare_versions("GLIBCXX_3.4.9", "GLIBCXX_3.4.29"), Less);
    }

    #[test]
    fn names_without_numbers_and_odd_forms() {
        // GLIBC_PRIVATE has prefix "GLIBC_PRIVATE", which sorts after "GLIBC_".
        assert_eq!(compare_versions("GLIBC_PRIVATE", "GLIBC_2.34"), Greater);
        assert_eq!(compare_versions("Base", "Base"), Equal);
        assert_eq!(compare_versions("", ""), Equal);
        assert_eq!(compare_versions("", "GLIBC_2.0"), Less);
        // Leading zeros: numerically equal, then total order by text.
        assert_eq!(compare_versions("GLIBC_2.01", "GLIBC_2.1"), Less);
        assert_eq!(compare_versions("GLIBC_2.1", "GLIBC_2.01"), Greater);
        // A number sorts before a non-numeric component.
        assert_eq!(compare_versions("X_1.2", "X_1.beta"), Less);
        // Huge numbers do not overflow.
        assert_eq!(
            compare_versions(
                "V_99999999999999999999999999",
                "V_100000000000000000000000000"
            ),
            Less
        );
    }

    #[test]
    fn order_is_antisymmetric_on_a_sample() {
        let names = [
            "GLIBC_2.34",
            "GLIBC_2.2.5",
            "GLIBC_PRIVATE",
            "GLIBC_2.01",
            "GLIBC_2.1",
            "GLIBCXX_3.4",
            "X_1.beta",
            "X_1.2",
            "",
            "2.3",
            "GLIBC_2..3",
        ];
        for a in names {
            for b in names {
                assert_eq!(compare_versions(a, b), compare_versions(b, a).reverse());
                if a == b {
                    assert_eq!(compare_versions(a, b), Equal);
                } else {
                    assert_ne!(compare_versions(a, b), Equal, "{a} vs {b}");
                }
            }
        }
    }
}
