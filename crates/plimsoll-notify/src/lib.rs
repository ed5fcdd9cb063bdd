//! Webhook notifications: one JSON POST, bounded in time, retried a few
//! times with backoff, never fatal unless the caller makes it so.
//!
//! Flavours: `generic` posts the event object itself; `slack` posts
//! `{"text": …}` (Slack's incoming webhooks); `wecom` posts
//! `{"msgtype": "text", "text": {"content": …}}` (WeCom group robots).

use serde_json::{Value, json};
use std::fmt;
use std::time::Duration;

/// The body shape a webhook expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    Generic,
    Slack,
    Wecom,
}

impl Flavor {
    pub const NAMES: [&'static str; 3] = ["generic", "slack", "wecom"];

    pub fn parse(s: &str) -> Option<Flavor> {
        match s.to_ascii_lowercase().as_str() {
            "generic" | "json" => Some(Flavor::Generic),
            "slack" => Some(Flavor::Slack),
            "wecom" | "wechat-work" => Some(Flavor::Wecom),
            _ => None,
        }
    }
}

/// Where and how to post.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub url: String,
    pub flavor: Flavor,
    /// Whole-request timeout of one attempt.
    pub timeout: Duration,
    /// Attempts after the first one.
    pub retries: u32,
    /// Wait before the first retry; doubled for each further one.
    pub backoff: Duration,
}

impl Webhook {
    /// 5 s per attempt, 3 retries, backoff 0.5 s, 1 s, 2 s.
    pub fn new(url: impl Into<String>, flavor: Flavor) -> Webhook {
        Webhook {
            url: url.into(),
            flavor,
            timeout: Duration::from_secs(5),
            retries: 3,
            backoff: Duration::from_millis(500),
        }
    }
}

/// How a delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub attempts: u32,
    pub status: u16,
}

/// Why a notification was not delivered (after every attempt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyError {
    /// The URL with any credentials and query removed.
    pub url: String,
    pub attempts: u32,
    pub last: String,
}

impl fmt::Display for NotifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "webhook {} not delivered after {} attempt{}: {}",
            self.url,
            self.attempts,
            if self.attempts == 1 { "" } else { "s" },
            self.last
        )
    }
}

impl std::error::Error for NotifyError {}

/// A URL fit for messages: no user-info, no query (tokens live there).
pub fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (host, path) = rest.split_once('/').map_or((rest, ""), |(h, p)| (h, p));
    let host = host.rsplit('@').next().unwrap_or(host);
    let path = if path.is_empty() {
        String::new()
    } else {
        "/…".to_string()
    };
    if scheme.is_empty() {
        format!("{host}{path}")
    } else {
        format!("{scheme}://{host}{path}")
    }
}

/// The body for `flavor`: the event itself, or `text` wrapped as the chat
/// service wants it.
pub fn body(flavor: Flavor, event: &Value, text: &str) -> Value {
    match flavor {
        Flavor::Generic => event.clone(),
        Flavor::Slack => json!({ "text": text }),
        Flavor::Wecom => json!({ "msgtype": "text", "text": { "content": text } }),
    }
}

/// Whether a status is worth another attempt.
fn retryable(status: u16) -> bool {
    status == 408 || status == 429 || status >= 500
}

/// Posts `event` (or `text`, for chat flavours). Connection errors,
/// timeouts, 408, 429 and 5xx are retried; other 4xx are not.
pub fn send(hook: &Webhook, event: &Value, text: &str) -> Result<Delivered, NotifyError> {
    let payload = body(hook.flavor, event, text).to_string();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(hook.timeout))
        .http_status_as_error(false)
        .user_agent(concat!("plimsoll/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut wait = hook.backoff;
    let mut last = String::new();
    let mut attempts = 0;
    for attempt in 0..=hook.retries {
        if attempt > 0 {
            std::thread::sleep(wait);
            wait = wait.saturating_mul(2);
        }
        attempts += 1;
        match agent
            .post(&hook.url)
            .header("Content-Type", "application/json")
            .send(payload.as_bytes())
        {
            Ok(resp) => {
                let status = resp.status().as_u16();
                if (200..300).contains(&status) {
                    return Ok(Delivered { attempts, status });
                }
                last = format!("HTTP {status}");
                if !retryable(status) {
                    break;
                }
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(NotifyError {
        url: redact(&hook.url),
        attempts,
        last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_per_flavor() {
        let ev = json!({"verdict": "block"});
        assert_eq!(body(Flavor::Generic, &ev, "t"), ev);
        assert_eq!(body(Flavor::Slack, &ev, "t"), json!({"text": "t"}));
        assert_eq!(
            body(Flavor::Wecom, &ev, "t"),
            json!({"msgtype": "text", "text": {"content": "t"}})
        );
        assert_eq!(Flavor::parse("Slack"), Some(Flavor::Slack));
        assert_eq!(Flavor::parse("teams"), None);
    }

    #[test]
    fn urls_lose_their_secrets() {
        assert_eq!(
            redact("https://user:pw@hooks.slack.com/services/T0/B0/XYZ?x=1"),
            "https://hooks.slack.com/…"
        );
        assert_eq!(
            redact("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret"),
            "https://qyapi.weixin.qq.com/…"
        );
        assert_eq!(redact("http://127.0.0.1:9"), "http://127.0.0.1:9");
    }
}
