//! # PB002: a required size-budget webhook was not delivered
//!
//! When a budget decision is `notify` or `block`, Plimsoll posts it to the
//! configured webhook (`--webhook` or `[budget] webhook`; generic JSON,
//! Slack or WeCom), with a 5 s timeout and 3 retries. A failed delivery is
//! normally only a warning on standard error: the run is recorded either
//! way and the gate's verdict does not change. With `webhook-required =
//! true` the team has said the notification is part of the contract, so an
//! undelivered one fails the gate with this finding.
//!
//! ## Bad
//! ```toml
//! [budget]
//! webhook = "https://hooks.example.com/wrong-path"
//! webhook-required = true
//! ```
//!
//! ## Good
//! ```toml
//! [budget]
//! webhook = "https://hooks.slack.com/services/T000/B000/XXXX"
//! webhook-format = "slack"
//! webhook-required = true
//! ```
//!
//! ## Fix
//! Check the URL and that the CI runner can reach it; or set
//! `webhook-required = false` when a missed notification is acceptable.
//!
//! ## Incident it prevents
//! A size-budget alert channel silently stopped receiving posts after a
//! token rotation; three releases grew past budget with nobody told.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PB002",
    severity: Severity::Error,
    category: Category::Size,
    summary: "A webhook the configuration requires could not be delivered",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    match cx.webhook {
        Some(w) if w.required => match &w.delivered {
            Err(why) => vec![Hit::new(format!("the size-budget notification was not delivered: {why}"))
                .with_fix("[budget]\nwebhook = \"https://…\"   # reachable from CI\nwebhook-required = true")],
            Ok(_) => Vec::new(),
        },
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Budgets, Measure, WebhookOutcome, decide, tests::record};

    #[test]
    fn only_required_failures() {
        let r = record(&[("a", 1)], &[]);
        let d = decide(
            "app",
            Budgets::default().class("app").unwrap(),
            Measure::Uncompressed,
            None,
            &r,
        );
        let failed = |required| WebhookOutcome {
            required,
            delivered: Err("HTTP 500".into()),
        };
        assert_eq!(
            check(&Context {
                decision: &d,
                webhook: Some(&failed(true))
            })
            .len(),
            1
        );
        assert!(
            check(&Context {
                decision: &d,
                webhook: Some(&failed(false))
            })
            .is_empty()
        );
        let ok = WebhookOutcome {
            required: true,
            delivered: Ok(1),
        };
        assert!(
            check(&Context {
                decision: &d,
                webhook: Some(&ok)
            })
            .is_empty()
        );
    }
}
