//! Fuzzes the Kubernetes path: the span-keeping YAML loader (multi-document
//! streams, anchors and aliases under the expansion budget, merge keys,
//! flow and block styles, JSON), the workload model, and every PK rule with
//! default settings and with a class that demands digests. Any panic is a
//! bug; every finding must have a position.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_k8s::Limits;
use plimsoll_k8s_rules::Settings;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits {
        max_bytes: 1 << 20,
        max_nodes: 200_000,
        alias_floor: 10_000,
    };
    let Ok(m) = plimsoll_k8s::load("fuzz.yaml", text, limits) else {
        return;
    };
    let production = Settings {
        class: Some("production".into()),
        trusted_registries: vec!["registry.example.com".into()],
        ..Settings::default()
    };
    for settings in [Settings::default(), production] {
        for f in plimsoll_k8s_rules::check(&m, &settings, None) {
            assert!(f.region.line >= 1 && f.region.column >= 1, "{f:?}");
        }
    }
});
