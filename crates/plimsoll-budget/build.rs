include!("../plimsoll-core/build/registry.rs");
