//! # PK062: preStop sleep uses up the termination grace period
//!
//! Flags a long-running container whose `lifecycle.preStop` hook sleeps
//! for as long as the pod's `terminationGracePeriodSeconds` (30 when
//! unset), or longer. The grace period starts when the pod is deleted and
//! covers the preStop hook *and* the process's own shutdown after SIGTERM.
//! A `sleep 30` preStop (the common trick to let endpoints and load
//! balancers stop sending traffic) under the default 30-second grace
//! period leaves the application no time at all: the kubelet sends SIGTERM
//! when the hook ends and SIGKILL two seconds later, so in-flight requests
//! are cut and shutdown hooks never finish.
//!
//! Recognised sleeps: the `sleep` action (`preStop: {sleep: {seconds: N}}`),
//! an exec `sleep N` (`N`, `Ns`, `Nm`), and `sleep N` commands inside a
//! `sh -c`/`bash -c` script (added up).
//!
//! ## Bad
//! ```yaml
//! spec:
//!   containers:
//!     - name: web
//!       lifecycle:
//!         preStop:
//!           exec: {command: [sleep, "30"]}
//! ```
//!
//! ## Good
//! ```yaml
//! spec:
//!   terminationGracePeriodSeconds: 60
//!   containers:
//!     - name: web
//!       lifecycle:
//!         preStop:
//!           sleep: {seconds: 15}
//! ```
//!
//! ## Fix
//! ```yaml
//! terminationGracePeriodSeconds: 60   # preStop sleep + the app's own shutdown time
//! ```
//!
//! ## Incident it prevents
//! A preStop `sleep 30` added to stop 502s during rollouts, under the
//! default 30-second grace period, made the API get SIGKILL two seconds
//! after SIGTERM on every deploy: its graceful shutdown, which flushed the
//! write-behind cache, never ran, and each rollout lost recent writes.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::Node;

pub const META: Meta = Meta {
    code: "PK062",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A preStop sleep takes the whole termination grace period",
};

pub const PEERS: &[&str] = &[];

/// Seconds in a `sleep` argument: `30`, `30s`, `2m`, `1.5`.
fn duration(arg: &str) -> Option<f64> {
    let a = arg.trim().trim_matches(['"', '\'']);
    let (num, mult) = match a.char_indices().last()? {
        (i, 's') => (&a[..i], 1.0),
        (i, 'm') => (&a[..i], 60.0),
        (i, 'h') => (&a[..i], 3600.0),
        _ => (a, 1.0),
    };
    let v: f64 = num.parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some(v * mult)
}

/// Total seconds of `sleep N` commands in a shell script.
fn script_sleeps(script: &str) -> Option<f64> {
    let words: Vec<&str> = script
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut total = 0.0;
    let mut found = false;
    for pair in words.windows(2) {
        let cmd = pair[0].rsplit('/').next().unwrap_or(pair[0]);
        if cmd == "sleep"
            && let Some(d) = duration(pair[1])
        {
            total += d;
            found = true;
        }
    }
    found.then_some(total)
}

/// How long a preStop handler sleeps, as far as it can be read.
fn pre_stop_sleep(pre_stop: &Node) -> Option<f64> {
    if let Some(s) = pre_stop.path(&["sleep", "seconds"]).and_then(Node::as_i64) {
        return Some(s as f64);
    }
    let cmd: Vec<&str> = pre_stop
        .path(&["exec", "command"])?
        .items()
        .iter()
        .filter_map(Node::as_str)
        .collect();
    let program = cmd.first()?.rsplit('/').next().unwrap_or("");
    match program {
        "sleep" => duration(cmd.get(1)?),
        "sh" | "bash" | "ash" | "dash" | "zsh" => {
            let i = cmd
                .iter()
                .position(|a| a.starts_with('-') && a.contains('c'))?;
            script_sleeps(cmd.get(i + 1)?)
        }
        _ => None,
    }
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let w = cx.workload;
    let grace_node = w.pod("terminationGracePeriodSeconds");
    let grace = match grace_node {
        None => 30,
        Some(n) if n.is_null() => 30,
        Some(n) => match n.as_i64() {
            Some(g) if g > 0 => g,
            _ => return Vec::new(), // 0, negative or unreadable: PK061's business
        },
    };
    let mut out = Vec::new();
    for c in cx.long_running_containers() {
        let Some((key, pre_stop)) = c
            .get("lifecycle")
            .and_then(|l| l.entry("preStop"))
            .filter(|(_, v)| !v.is_null())
        else {
            continue;
        };
        let Some(sleep) = pre_stop_sleep(pre_stop) else {
            continue;
        };
        if sleep < grace as f64 {
            continue;
        }
        let set = if grace_node.is_some_and(|n| !n.is_null()) {
            ""
        } else {
            " (the default)"
        };
        let suggested = (sleep.ceil() as i64).saturating_add(30);
        out.push(
            hit_at(
                key,
                format!(
                    "{}'s preStop sleeps {sleep}s, and the pod's terminationGracePeriodSeconds is \
                     {grace}{set}: the process gets SIGTERM only when the grace period is spent and is \
                     killed 2 seconds later",
                    cx.who(c)
                ),
            )
            .with_fix(format!(
                "terminationGracePeriodSeconds: {suggested}   # preStop sleep + the app's own shutdown time"
            )),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn sleeps_that_eat_the_grace_period() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      initContainers:
        - name: proxy
          restartPolicy: Always
          lifecycle:
            preStop: {exec: {command: [\"/bin/sh\", \"-c\", \"sleep 20; nginx -s quit; sleep 10\"]}}
      containers:
        - name: web
          lifecycle:
            preStop:
              exec: {command: [sleep, \"30\"]}
        - name: side
          lifecycle:
            preStop: {sleep: {seconds: 45}}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [11, 15, 19]);
        assert!(
            hits[0].message.contains("sidecar container \"proxy\""),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.contains("sleeps 30s") && hits[1].message.contains("30 (the default)")
        );
        assert_eq!(
            hits[2].fix.as_deref(),
            Some(
                "terminationGracePeriodSeconds: 75   # preStop sleep + the app's own shutdown time"
            )
        );
    }

    #[test]
    fn short_sleeps_long_grace_and_init_containers_pass() {
        let yaml = "apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  terminationGracePeriodSeconds: 90
  initContainers:
    - name: init
      lifecycle: {preStop: {exec: {command: [sleep, \"300\"]}}}
  containers:
    - name: a
      lifecycle: {preStop: {exec: {command: [sleep, 1m]}}}
    - name: b
      lifecycle: {preStop: {httpGet: {path: /drain, port: 8080}}}
    - name: c
      lifecycle: {preStop: {exec: {command: [/app/drain, --wait, \"120\"]}}}
";
        assert!(run(check, yaml).is_empty());
        assert_eq!(duration("1.5"), Some(1.5));
        assert_eq!(duration("2m"), Some(120.0));
        assert_eq!(duration("x"), None);
        assert_eq!(
            script_sleeps("echo hi && sleep 5 && /bin/sleep 5"),
            Some(10.0)
        );
    }
}
