//! # PB001: the image grew beyond its class's size budget
//!
//! Compares the image with its baseline — the last image recorded under
//! the same name and branch (or `--baseline REF`) — and judges the growth
//! by the thresholds of its delivery class (`--class`): by default `base`
//! runtime images may grow 5 MB before the gate blocks, `app` images 15 MB
//! before a warning and a webhook notification, `model` images 100 MB
//! before the growth is merely recorded. Thresholds are absolute and/or a
//! percentage (either one exceeded triggers the class's action) and are set
//! in `plimsoll.toml`'s `[budget.classes.NAME]`. The finding says how much
//! the image grew and where: the layers whose digest changed, and the
//! directories and largest files that grew. Its severity follows the
//! action: `block` is an error, `notify` a warning, `record` info.
//!
//! ## Bad
//! ```dockerfile
//! FROM golang:1.22
//! WORKDIR /src
//! COPY . .
//! RUN go build -o /app/server .     # SDK and module cache ship: +600 MB
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM golang:1.22 AS build
//! WORKDIR /src
//! COPY . .
//! RUN CGO_ENABLED=0 go build -o /server .
//! FROM gcr.io/distroless/static-debian12
//! COPY --from=build /server /server
//! ```
//!
//! ## Fix
//! Look at the layers and directories the finding names; move build tools
//! and caches into a builder stage, delete package caches in the layer that
//! made them, or, when the growth is intended, accept it by merging: the
//! next recorded run becomes the new baseline.
//!
//! ## Incident it prevents
//! A Go service image grew 300 % in one release because the SDK and the
//! module cache were left in the final stage; nobody noticed until node
//! disks filled during a rollout.

use crate::{Action, Context, Hit, Meta, Verdict, human};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PB001",
    severity: Severity::Error,
    category: Category::Size,
    summary: "The image grew beyond its class's size budget since its baseline",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let d = cx.decision;
    let severity = match d.verdict {
        Verdict::Pass => return Vec::new(),
        Verdict::Block => Severity::Error,
        Verdict::Notify => Severity::Warning,
        Verdict::Record => Severity::Info,
    };
    let Some(base) = &d.baseline else {
        return Vec::new();
    };
    let mut limits = Vec::new();
    if let Some(b) = d.threshold_bytes {
        limits.push(human(i64::try_from(b).unwrap_or(i64::MAX)));
    }
    if let Some(p) = d.threshold_percent {
        limits.push(format!("{p} %"));
    }
    let pct = d
        .growth_percent
        .map(|p| format!(" ({p:+.1} %)"))
        .unwrap_or_default();
    let since = match (&base.tag, &base.digest) {
        (Some(t), _) => format!("{t} recorded {}", base.timestamp),
        (None, Some(dg)) => format!("{} recorded {}", &dg[..dg.len().min(19)], base.timestamp),
        (None, None) => format!("the run recorded {}", base.timestamp),
    };
    let mut msg = format!(
        "{} grew by {}{pct} ({}) since {since}, over the `{}` class budget of {}: {}",
        d.name,
        human(d.growth_bytes),
        match d.measure {
            crate::Measure::Uncompressed => "uncompressed",
            crate::Measure::Compressed => "compressed",
        },
        d.class,
        limits.join(" or "),
        d.action.as_str()
    );
    if let Some(l) = d.grew.layers.first() {
        let cmd: String = l
            .created_by
            .as_deref()
            .unwrap_or("?")
            .chars()
            .take(80)
            .collect();
        msg.push_str(&format!(
            "; largest layer change: #{} {} ({})",
            l.index,
            human(l.delta_bytes),
            cmd.trim()
        ));
    }
    let dirs: Vec<String> = d
        .grew
        .directories
        .iter()
        .filter(|p| p.delta_bytes > 0)
        .take(3)
        .map(|p| format!("{} {}", p.path, human(p.delta_bytes)))
        .collect();
    if !dirs.is_empty() {
        msg.push_str(&format!("; grew most: {}", dirs.join(", ")));
    }
    let fix = match d.action {
        Action::Block | Action::Notify | Action::Record => {
            "# Multi-stage build: keep toolchains and caches in the builder\nFROM golang:1.22 AS build\n…\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /server /server"
        }
    };
    vec![Hit::new(msg).with_severity(severity).with_fix(fix)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Budgets, Measure, decide, tests::record};

    #[test]
    fn severity_follows_the_class_action() {
        let base = record(&[("l0", 50_000_000)], &[("/app", 1_000)]);
        let cand = record(&[("l1", 70_000_000)], &[("/app", 20_001_000)]);
        let b = Budgets::default();
        for (class, sev) in [("base", Severity::Error), ("app", Severity::Warning)] {
            let d = decide(
                class,
                b.class(class).unwrap(),
                Measure::Uncompressed,
                Some(&base),
                &cand,
            );
            let hits = check(&Context {
                decision: &d,
                webhook: None,
            });
            assert_eq!(hits.len(), 1);
            assert_eq!(hits[0].severity, Some(sev));
            let m = &hits[0].message;
            assert!(
                m.contains("grew by 20.0 MB") && m.contains("/app 20.0 MB"),
                "{m}"
            );
        }
        let d = decide(
            "model",
            b.class("model").unwrap(),
            Measure::Uncompressed,
            Some(&base),
            &cand,
        );
        assert!(
            check(&Context {
                decision: &d,
                webhook: None
            })
            .is_empty()
        );
    }
}
