//! # PX003: a probe checks a port the image does not expose
//!
//! Compares the ports of a container's liveness, readiness and startup
//! probes (`httpGet`, `tcpSocket`, `grpc`; named ports resolved through
//! the container's `ports`) with the image's `EXPOSE`d ports. `EXPOSE` is
//! documentation, not enforcement, but it is the image author's statement
//! of where the program listens: a probe on another port usually means the
//! manifest was copied from another service, or the port changed in the
//! image and not in the chart. A liveness probe on a port nothing listens
//! on restarts the pod forever; a readiness probe there keeps it out of
//! the Service. Images that expose no port at all are not judged.
//!
//! ## Bad
//! ```yaml
//! # image: EXPOSE 8080
//! livenessProbe:
//!   httpGet: {path: /healthz, port: 9090}
//! ```
//!
//! ## Good
//! ```yaml
//! ports:
//!   - {name: http, containerPort: 8080}
//! livenessProbe:
//!   httpGet: {path: /healthz, port: http}
//! ```
//!
//! ## Fix
//! Probe the port the program listens on (name it in `ports` and refer to
//! it by name), or `EXPOSE` the extra port (an admin or metrics listener)
//! in the image.
//!
//! ## Incident it prevents
//! A service moved its listener from 9090 to 8080; the Helm chart's probes
//! kept 9090 and every pod was killed after 30 seconds in a crash loop.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};

pub const META: Meta = Meta {
    code: "PX003",
    severity: Severity::Warning,
    category: Category::Cross,
    summary: "A probe checks a port the image does not EXPOSE",
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let Some(image) = cx.image else {
        return Vec::new();
    };
    if image.exposed_ports.is_empty() {
        return Vec::new();
    }
    let exposed: Vec<String> = image
        .exposed_ports
        .iter()
        .map(|(p, proto)| format!("{p}/{proto}"))
        .collect();
    let mut out = Vec::new();
    for c in image.targets.of(cx.workload) {
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            let Some(p) = c.get(probe) else { continue };
            for handler in ["httpGet", "tcpSocket", "grpc"] {
                let Some(port) = p.get(handler).and_then(|h| h.get("port")) else {
                    continue;
                };
                let number = match port.as_i64() {
                    Some(n) => Some(n),
                    None => port.as_str().and_then(|name| {
                        c.get("ports")?
                            .items()
                            .iter()
                            .find(|cp| cp.str_at("name") == Some(name))?
                            .get("containerPort")?
                            .as_i64()
                    }),
                };
                let Some(n) = number else { continue }; // unresolvable names: PK014
                if image
                    .exposed_ports
                    .iter()
                    .any(|(e, proto)| i64::from(*e) == n && proto == "tcp")
                {
                    continue;
                }
                out.push(
                    hit_at(
                        port,
                        format!(
                            "the {probe} of {} checks port {n}, but the image {} exposes only {}",
                            cx.who(c),
                            image.reference,
                            exposed.join(", ")
                        ),
                    )
                    .with_fix(format!(
                        "{probe}:\n  {handler}:\n    port: {}",
                        image.exposed_ports[0].0
                    )),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Settings;
    use crate::testing::{Stub, lines, run_with, view};

    fn hits(yaml: &str) -> Vec<Hit> {
        let stub = Stub {
            dirs: vec![],
            programs: vec![],
        };
        let v = view(&stub, "10001", Some(10001)); // exposes 8080/tcp
        run_with(check, yaml, &Settings::default(), Some(&v))
    }

    const POD: &str = "kind: Pod
spec:
  containers:
    - name: api
      image: registry.example.com/team/app:1
      ports: [{name: http, containerPort: 8080}, {name: admin, containerPort: 9090}]
      livenessProbe: {httpGet: {path: /healthz, port: 9090}}
      readinessProbe: {tcpSocket: {port: admin}}
      startupProbe: {httpGet: {path: /, port: http}}
";

    #[test]
    fn probes_on_unexposed_ports() {
        let h = hits(POD);
        assert_eq!(lines(&h), [7, 8]);
        assert!(
            h[0].message.contains("port 9090") && h[0].message.contains("8080/tcp"),
            "{}",
            h[0].message
        );
    }

    #[test]
    fn exposed_ports_pass() {
        let ok = POD
            .replace("port: 9090", "port: 8080")
            .replace("port: admin", "port: http");
        assert!(hits(&ok).is_empty());
    }
}
