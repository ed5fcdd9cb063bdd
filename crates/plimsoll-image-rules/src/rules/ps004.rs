//! # PS004: the largest wasted files
//!
//! Each of the largest file versions that nobody can see in the final
//! filesystem — overwritten by a later layer, deleted by a whiteout, or
//! hidden by an opaque directory — yet still shipped in the layer that
//! wrote it (up to ten, each of 1 MB or more). The finding names the bytes,
//! the layer that wrote them and its command, and the layer that hid them
//! and its command: the two instructions to merge or to move into a build
//! stage.
//!
//! ## Bad
//! ```dockerfile
//! RUN curl -LO https://example.com/sdk.tar.gz && tar xzf sdk.tar.gz
//! RUN ./sdk/install && rm -rf sdk sdk.tar.gz   # the archive is still in the layer above
//! ```
//!
//! ## Good
//! ```dockerfile
//! RUN curl -LO https://example.com/sdk.tar.gz && tar xzf sdk.tar.gz \
//!  && ./sdk/install && rm -rf sdk sdk.tar.gz
//! ```
//!
//! ## Fix
//! Do the creating and the deleting in one `RUN`, or create the files in a
//! builder stage and `COPY --from` only what is needed.
//!
//! ## Incident it prevents
//! A 700 MB installer downloaded in one `RUN` and deleted in the next made
//! every pull of a 150 MB application image 850 MB.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_image::tree::HiddenBy;

pub const META: Meta = Meta {
    code: "PS004",
    severity: Severity::Info,
    category: Category::Size,
    summary: "The largest file versions hidden by a later layer but still shipped",
};

const MIN: u64 = 1_000_000;
const SHOWN: usize = 10;

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for w in cx
        .facts
        .top_wasted
        .iter()
        .filter(|w| w.bytes >= MIN)
        .take(SHOWN)
    {
        let how = match w.how {
            HiddenBy::Overwritten => "overwritten",
            HiddenBy::Deleted => "deleted",
            HiddenBy::Opaque => "hidden (its directory made opaque)",
        };
        out.push(
            Hit::new(format!(
                "{}: {} written by {} and {how} by {}, still shipped in layer {}",
                w.path,
                crate::human(w.bytes),
                layer(w.layer, w.created_by.as_deref()),
                layer(w.hidden_by, w.hidden_by_command.as_deref()),
                w.layer
            ))
            .with_fix(if w.layer == w.hidden_by {
                "write the file once: the same layer writes it twice (e.g. a tar archive with duplicate members)".to_string()
            } else {
                format!(
                    "do both in one RUN (create, use and delete {} in the same instruction), or produce it in a builder stage and COPY --from only the result",
                    w.path
                )
            }),
        );
    }
    out
}

fn layer(i: usize, cmd: Option<&str>) -> String {
    match cmd {
        Some(c) => format!("layer {i} (`{}`)", crate::clip(c.trim(), 100)),
        None => format!("layer {i}"),
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::*;

    #[test]
    fn download_then_delete_in_another_run() {
        let img = ImageBuilder::new()
            .layer(Layer::new("ADD rootfs.tar /").sized("bin/sh", 10))
            .layer(
                Layer::new("RUN curl -LO https://example.com/sdk.tar.gz")
                    .sized("sdk.tar.gz", 3_000_000)
                    .sized("small.txt", 999_999),
            )
            .layer(
                Layer::new("RUN ./install && rm sdk.tar.gz small.txt")
                    .whiteout("sdk.tar.gz")
                    .whiteout("small.txt"),
            )
            .layer(Layer::new("COPY config.json /etc/app.json").sized("etc/app.json", 1_500_000))
            .layer(Layer::new("COPY config.prod.json /etc/app.json").sized("etc/app.json", 100))
            .empty_layer("USER 65532")
            .build();
        let hits = run(super::check, &img);
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert_eq!(
            hits[0].message,
            "/sdk.tar.gz: 3.0 MB written by layer 1 (`RUN curl -LO https://example.com/sdk.tar.gz`) and deleted by layer 2 (`RUN ./install && rm sdk.tar.gz small.txt`), still shipped in layer 1"
        );
        assert_eq!(
            hits[1].message,
            "/etc/app.json: 1.5 MB written by layer 3 (`COPY config.json /etc/app.json`) and overwritten by layer 4 (`COPY config.prod.json /etc/app.json`), still shipped in layer 3"
        );
        assert!(hits[0].fix.as_deref().unwrap_or("").contains("one RUN"));
    }

    #[test]
    fn opaque_and_at_most_ten() {
        let mut l = Layer::new("RUN make").dir("build");
        for i in 0..12 {
            l = l.sized(&format!("build/obj{i:02}.o"), 1_000_000 + i * 1000);
        }
        let img = ImageBuilder::new()
            .layer(l)
            .layer(
                Layer::new("RUN rm -rf /build && mkdir /build")
                    .dir("build")
                    .opaque("build"),
            )
            .build();
        let hits = run(super::check, &img);
        assert_eq!(hits.len(), 10);
        assert!(hits[0].message.starts_with("/build/obj11.o: 1.0 MB written by layer 0 (`RUN make`) and hidden (its directory made opaque) by layer 1"), "{}", hits[0].message);
    }

    #[test]
    fn no_waste_passes() {
        let img = ImageBuilder::new()
            .layer(Layer::new("ADD rootfs.tar /").sized("bin/sh", 2_000_000))
            .layer(Layer::new("COPY app /app").sized("app/x", 2_000_000))
            .build();
        assert!(run(super::check, &img).is_empty());
    }
}
