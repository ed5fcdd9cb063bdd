//! # PD011: A service image exposes a port but has no HEALTHCHECK
//!
//! **What it checks.** The final image `EXPOSE`s a port (in the final stage
//! or a stage it is built FROM, since the image config is inherited) and
//! no `HEALTHCHECK` is set in that lineage. `HEALTHCHECK NONE` is a
//! deliberate choice (for example when the orchestrator probes instead)
//! and passes. A HEALTHCHECK inside `ONBUILD` does not count: it applies
//! to child images only.
//!
//! **Why.** An exposed port says "this is a server". Without a health
//! check, `docker run`, Compose (`depends_on: condition: service_healthy`)
//! and Swarm consider the container healthy as soon as the process exists —
//! a server stuck in a deadlock or still loading its cache receives
//! traffic. On Kubernetes, where probes replace HEALTHCHECK, write
//! `HEALTHCHECK NONE` to say so, and keep the probe next to the image.
//! For images without a shell or curl (scratch, distroless), let the
//! binary check itself: `HEALTHCHECK CMD ["/app", "-healthcheck"]`.
//!
//! ## Bad
//! ```dockerfile
//! FROM gcr.io/distroless/static-debian12:nonroot
//! COPY --from=build /out/orders /orders
//! EXPOSE 8080
//! ENTRYPOINT ["/orders"]
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM gcr.io/distroless/static-debian12:nonroot
//! COPY --from=build /out/orders /orders
//! EXPOSE 8080
//! HEALTHCHECK --interval=30s --timeout=3s CMD ["/orders", "-healthcheck"]
//! ENTRYPOINT ["/orders"]
//! ```
//!
//! ## Fix
//! ```dockerfile
//! HEALTHCHECK --interval=30s --timeout=3s --start-period=10s CMD ["/app", "-healthcheck"]
//! ```
//!
//! ## Incident it prevents
//! After a config change the orders service hung on start-up waiting for a
//! lock, but Compose reported it "Up" and started the dependants; the
//! checkout flow returned 502s for forty minutes before anyone looked at it.

use crate::helpers_pd::{final_lineage, instr, lineage_instructions};
use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;

pub const META: Meta = Meta {
    code: "PD011",
    severity: Severity::Info,
    category: Category::Dockerfile,
    summary: "Final image EXPOSEs a port but has no HEALTHCHECK",
    enabled_by_default: true,
};

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    let lineage = final_lineage(cx);
    let mut expose = None;
    for i in lineage_instructions(cx, &lineage) {
        let Some(ins) = instr(cx, i) else { continue };
        match ins.kind {
            Kind::Healthcheck => return out,
            Kind::Expose if expose.is_none() => expose = Some(ins),
            _ => {}
        }
    }
    if let Some(ins) = expose {
        out.push(
            Hit::new(
                ins.args_full_span(),
                format!(
                    "The final image exposes {} but has no HEALTHCHECK: it counts as healthy as soon as the process exists (write HEALTHCHECK NONE if the orchestrator probes instead)",
                    ins.args.trim()
                ),
            )
            .with_fix("HEALTHCHECK --interval=30s --timeout=3s CMD [\"/app\", \"-healthcheck\"]"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn flags_expose_without_healthcheck() {
        let r = run(check, "FROM nginx:1.27\nEXPOSE 80 443\nEXPOSE 8080\n");
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, 2);
        assert!(r[0].1.contains("80 443"));
    }

    #[test]
    fn passes_with_healthcheck_or_none() {
        assert!(
            lines(
                check,
                "FROM a\nEXPOSE 80\nHEALTHCHECK CMD curl -f http://localhost/ || exit 1\n"
            )
            .is_empty()
        );
        assert!(lines(check, "FROM a\nEXPOSE 80\nHEALTHCHECK NONE\n").is_empty());
        assert!(lines(check, "FROM a\nCMD x\n").is_empty());
    }

    #[test]
    fn multi_stage_lineage() {
        // EXPOSE in a builder does not reach the final image
        assert!(lines(check, "FROM a AS b\nEXPOSE 80\nFROM c\nCMD x\n").is_empty());
        // inherited EXPOSE and HEALTHCHECK
        assert_eq!(
            lines(check, "FROM a AS base\nEXPOSE 80\nFROM base\nCMD x\n"),
            vec![2]
        );
        assert!(
            lines(
                check,
                "FROM a AS base\nHEALTHCHECK CMD [\"/h\"]\nFROM base\nEXPOSE 80\n"
            )
            .is_empty()
        );
        // ONBUILD HEALTHCHECK does not count
        assert_eq!(
            lines(check, "FROM a\nONBUILD HEALTHCHECK CMD x\nEXPOSE 80\n"),
            vec![3]
        );
        // variable port
        assert_eq!(
            lines(check, "FROM a\nARG PORT=8080\nEXPOSE ${PORT}\n"),
            vec![3]
        );
    }
}
