//! Fuzzes the layer reader: arbitrary bytes as a layer blob (gzip, zstd or
//! plain tar, sniffed), then the merged tree, dive's figures and the
//! runnability checks over whatever entries were read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plimsoll_image::layer::{Expect, Limits, read_layer};

fuzz_target!(|data: &[u8]| {
    let mut limits = Limits::default();
    limits.max_layer_bytes = 64 << 20;
    limits.max_analysed_file = 8 << 20;
    let expect = Expect {
        name: "fuzz".into(),
        ..Expect::default()
    };
    if let Ok(listing) = read_layer(data, &expect, &limits) {
        let config = plimsoll_oci::ImageConfig::parse(
            "c",
            br#"{"architecture":"amd64","os":"linux","config":{"User":"app","Entrypoint":["/bin/sh","-c","x"],"Env":["PATH=/usr/bin:/bin"]}}"#,
        )
        .expect("fixed config parses");
        let img =
            plimsoll_image::Image::from_listings("fuzz", config, vec![listing.clone(), listing]);
        let _ = plimsoll_image::facts::facts(&img);
    }
});
