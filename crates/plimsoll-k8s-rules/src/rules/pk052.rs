//! # PK052: secret written as a literal env value
//!
//! Flags `env` entries whose literal `value:` looks like a credential:
//!
//! - the variable's name says so (`*PASSWORD*`, `*PASSWD*`, `*SECRET*`,
//!   `*TOKEN*`, `*API_KEY*`, `*PRIVATE_KEY*`, `*ACCESS_KEY*`,
//!   `*CREDENTIAL*`, `*PASSPHRASE*`, a `PASS` or `PWD` word), unless the
//!   name ends in a word that names something else (`_FILE`, `_PATH`,
//!   `_NAME`, `_URL`, `_TTL`, `_ID`, …), or the value is plainly not a
//!   secret: empty, a path, a number, a boolean, a `$(VAR)` reference, a
//!   `${…}`/`{{…}}` template placeholder, a `<…>` placeholder, or a
//!   secret-manager reference (`vault:`, `ref+`, `arn:`);
//! - or the value is a URL with a password in it (`postgres://app:s3cret@db/app`),
//!   or a PEM private key, whatever the variable is called.
//!
//! A literal value is stored in plain text in the manifest, in Git, in the
//! workload object (readable by anyone with `get` on Deployments, who may
//! not be allowed to read Secrets), in `kubectl describe` output and in
//! every tool that archives manifests. The finding never repeats the value:
//! it gives only its length.
//!
//! ## Bad
//! ```yaml
//! env:
//!   - name: DB_PASSWORD
//!     value: hunter2-prod
//! ```
//!
//! ## Good
//! ```yaml
//! env:
//!   - name: DB_PASSWORD
//!     valueFrom:
//!       secretKeyRef: {name: api-db, key: password}
//! ```
//!
//! ## Fix
//! ```yaml
//! # kubectl create secret generic api-db --from-literal=password=...
//! valueFrom:
//!   secretKeyRef: {name: api-db, key: password}
//! ```
//!
//! ## Incident it prevents
//! A production database password committed as `value:` in a Deployment
//! was readable by every contractor with view access to the namespace and
//! by the public mirror of the deploy repository; rotating it took a
//! maintenance window.

use crate::{Context, Hit, Meta, hit_at};
use plimsoll_core::{Category, Severity};
use plimsoll_k8s::Value;

pub const META: Meta = Meta {
    code: "PK052",
    severity: Severity::Warning,
    category: Category::Kubernetes,
    summary: "A credential is written as a literal env value",
};

pub const PEERS: &[&str] = &[
    "kube-linter:env-var-secret",
    "polaris:sensitiveContainerEnvVar",
];

/// Name fragments that mark a credential.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "API_KEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIAL",
    "PASSPHRASE",
];

/// Last words of a name that describe something other than the secret.
const OTHER_LAST_WORDS: &[&str] = &[
    "FILE",
    "FILES",
    "FILENAME",
    "PATH",
    "DIR",
    "NAME",
    "NAMES",
    "REF",
    "ID",
    "UID",
    "TTL",
    "TIMEOUT",
    "EXPIRY",
    "EXPIRES",
    "EXPIRATION",
    "LENGTH",
    "LEN",
    "SIZE",
    "HEADER",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "DISABLE",
    "REQUIRED",
    "MODE",
    "TYPE",
    "ENDPOINT",
    "URL",
    "URI",
    "HOST",
    "PORT",
    "USER",
    "USERNAME",
    "NAMESPACE",
    "REGION",
    "ALGORITHM",
    "ISSUER",
    "AUDIENCE",
    "SCOPE",
    "SCOPES",
    "POLICY",
    "PROVIDER",
    "BACKEND",
    "STORE",
    "VERSION",
    "PREFIX",
    "KIND",
    "COUNT",
    "LIMIT",
    "INTERVAL",
    "DURATION",
    "SECONDS",
    "LIFETIME",
    "AGE",
    "LOCATION",
    "FORMAT",
    "FIELD",
    "SOURCE",
    "METHOD",
    "DELAY",
    "RETRIES",
    "PERIOD",
];

fn sensitive_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let Some(last) = words.last() else {
        return false;
    };
    if OTHER_LAST_WORDS.contains(last) {
        return false;
    }
    let joined = words.join("_");
    SECRET_WORDS.iter().any(|w| joined.contains(w))
        || words.iter().any(|w| *w == "PASS" || *w == "PRIVATEKEY")
        || (words.len() > 1 && words.contains(&"PWD"))
}

/// Values that are not a secret whatever the variable is called.
fn plainly_not_secret(value: &str) -> bool {
    let v = value.trim();
    let lower = v.to_ascii_lowercase();
    v.is_empty()
        || v.contains("$(")
        || v.contains("${")
        || v.contains("{{")
        || v.starts_with('/')
        || v.starts_with("./")
        || lower.starts_with("file:")
        || (v.starts_with('<') && v.ends_with('>'))
        || v.chars().all(|c| c.is_ascii_digit())
        || matches!(
            lower.as_str(),
            "true"
                | "false"
                | "yes"
                | "no"
                | "on"
                | "off"
                | "none"
                | "null"
                | "enabled"
                | "disabled"
        )
        || ["vault:", "ref+", "arn:", "sm://", "secretmanager:"]
            .iter()
            .any(|p| lower.starts_with(p))
}

/// A URL carrying a password: `scheme://user:password@host`.
fn url_with_password(v: &str) -> bool {
    let Some((scheme, rest)) = v.split_once("://") else {
        return false;
    };
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let Some((userinfo, _host)) = authority.rsplit_once('@') else {
        return false;
    };
    let Some((_user, password)) = userinfo.split_once(':') else {
        return false;
    };
    !password.is_empty() && !plainly_not_secret(password)
}

fn pem_private_key(v: &str) -> bool {
    v.contains("-----BEGIN") && v.contains("PRIVATE KEY-----")
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for c in cx.containers() {
        let Some(env) = c.get("env") else { continue };
        for e in env.items() {
            let Some(name) = e.str_at("name") else {
                continue;
            };
            let Some(v) = e.get("value") else { continue };
            let Value::Scalar { text, .. } = &v.value else {
                continue;
            };
            if v.is_null() {
                continue;
            }
            let why = if pem_private_key(text) {
                Some("a PEM private key")
            } else if url_with_password(text) {
                Some("a URL with a password in it")
            } else if sensitive_name(name) && !plainly_not_secret(text) {
                Some("a literal value")
            } else {
                None
            };
            let Some(why) = why else { continue };
            let key = name.to_ascii_lowercase().replace('_', "-");
            out.push(
                hit_at(
                    v,
                    format!(
                        "{} sets {name} to {why} (redacted, {} characters): it is readable by anyone \
                         who can read the workload or its manifest; reference a Secret instead",
                        cx.who(c),
                        text.chars().count()
                    ),
                )
                .with_fix(format!(
                    "- name: {name}\n  valueFrom:\n    secretKeyRef: {{name: {}-secrets, key: {key}}}",
                    if cx.workload.name.is_empty() { "app" } else { cx.workload.name }
                )),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{lines, run};

    #[test]
    fn names_that_mean_a_secret() {
        for n in [
            "DB_PASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "RABBITMQ_DEFAULT_PASS",
            "api-key",
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "clientSecret",
            "SSH_PRIVATE_KEY",
            "DB_PWD",
            "ETCD_INITIAL_CLUSTER_TOKEN",
        ] {
            assert!(sensitive_name(n), "{n}");
        }
        for n in [
            "PWD",
            "DB_PASSWORD_FILE",
            "SECRET_NAME",
            "TOKEN_TTL",
            "AWS_ACCESS_KEY_ID",
            "GOOGLE_APPLICATION_CREDENTIALS_PATH",
            "TOKEN_URL",
            "LOG_LEVEL",
            "SECRET_STORE",
            "PASSENGER_MAX_POOL",
        ] {
            assert!(!sensitive_name(n), "{n}");
        }
    }

    #[test]
    fn flags_literal_credentials_without_repeating_them() {
        let yaml = "apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          env:
            - {name: DATABASE_URL, value: \"postgres://app:s3cretpw@db:5432/app\"}
      containers:
        - name: api
          env:
            - name: DB_PASSWORD
              value: hunter2-prod
            - {name: API_TOKEN, value: 'abc123'}
            - {name: TLS_KEY, value: \"-----BEGIN RSA PRIVATE KEY-----\\nMIIE\\n-----END RSA PRIVATE KEY-----\"}
";
        let hits = run(check, yaml);
        assert_eq!(lines(&hits), [10, 15, 16, 17]);
        assert!(
            hits[0].message.contains("URL with a password"),
            "{}",
            hits[0].message
        );
        assert!(
            hits[1].message.contains("DB_PASSWORD") && hits[1].message.contains("12 characters")
        );
        for h in &hits {
            assert!(
                !h.message.contains("hunter2") && !h.message.contains("s3cret"),
                "{}",
                h.message
            );
        }
        assert!(
            hits[1]
                .fix
                .as_deref()
                .unwrap()
                .contains("secretKeyRef: {name: api-secrets, key: db-password}")
        );
        assert!(hits[3].message.contains("PEM private key"));
    }

    #[test]
    fn references_placeholders_and_non_secrets_pass() {
        let yaml = "apiVersion: batch/v1
kind: CronJob
metadata: {name: backup}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: b
              env:
                - name: DB_PASSWORD
                  valueFrom: {secretKeyRef: {name: db, key: password}}
                - {name: DB_PASSWORD_FILE, value: /run/secrets/db}
                - {name: MYSQL_ALLOW_EMPTY_PASSWORD, value: \"1\"}
                - {name: MYSQL_RANDOM_ROOT_PASSWORD, value: \"yes\"}
                - {name: TOKEN, value: \"$(VAULT_TOKEN)\"}
                - {name: API_KEY, value: \"${API_KEY}\"}
                - {name: OAUTH_CLIENT_SECRET, value: \"<client secret>\"}
                - {name: GH_TOKEN, value: \"vault:secret/data/ci#token\"}
                - {name: PASSWORD, value: ~}
                - {name: SECRET, value: \"\"}
                - {name: DSN, value: \"postgres://app:$(DB_PASSWORD)@db/app\"}
                - {name: HOME_URL, value: \"https://example.com/a@b\"}
                - {name: MAX_TOTAL_TOKENS, value: \"4096\"}
";
        assert!(run(check, yaml).is_empty());
    }
}
