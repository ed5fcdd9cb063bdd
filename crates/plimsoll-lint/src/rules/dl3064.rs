//! # DL3064: Possibly sensitive data in `ARG` or `ENV`
//!
//! **What it checks.** The names declared by `ARG` and `ENV` (ONBUILD triggers
//! included): a well-known credential variable (`AWS_SECRET_ACCESS_KEY`,
//! `GITHUB_TOKEN`, `NPM_TOKEN`, `POSTGRES_PASSWORD`, …) or a name containing
//! `password`, `secret`, `token`, `private`, `api_key`, `client_key` or
//! `username` (any case) is a finding.
//!
//! **Why.** `ENV` values are stored in the image config for anyone who
//! pulls the image to read (`docker inspect`), and the values of build
//! arguments used by a `RUN` end up in `docker history`. Credentials passed
//! this way leak with the image. BuildKit secrets (`RUN --mount=type=secret`)
//! give a step a credential without storing it.
//!
//! ## Bad
//! ```dockerfile
//! FROM node:22
//! ARG NPM_TOKEN
//! RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci
//! ```
//!
//! ## Good
//! ```dockerfile
//! FROM node:22
//! RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
//! ```
//!
//! ## Fix
//! Pass the credential as a build secret: `RUN --mount=type=secret,id=<id> …`
//! and `docker build --secret id=<id>,src=<file>`.
//!
//! ## Incident it prevents
//! A public image's history exposed an npm publish token passed as a build
//! argument; the token was used to push a malicious package release.

use crate::{Context, Hit, Meta};
use plimsoll_core::{Category, Severity};
use plimsoll_dockerfile::Kind;
use plimsoll_dockerfile::facts::pairs_with_spans;

pub const META: Meta = Meta {
    code: "DL3064",
    severity: Severity::Warning,
    category: Category::Hadolint,
    summary: "Potentially sensitive data should not be used in the `ARG` or `ENV` commands",
    enabled_by_default: true,
};

const KNOWN: &[&str] = &[
    "ACCESS_TOKEN",
    "APPLICATION_KEY",
    "APP_SECRET",
    "AUTH_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "BITTREX_API_KEY",
    "BITTREX_API_SECRET",
    "CF_PASSWORD",
    "CF_USERNAME",
    "CIRCLE_TOKEN",
    "CI_DEPLOY_PASSWORD",
    "CI_DEPLOY_USER",
    "DOCKERHUB_PASSWORD",
    "DOCKER_EMAIL",
    "DOCKER_PASSWORD",
    "DOCKER_USERNAME",
    "FACEBOOK_ACCESS_TOKEN",
    "FACEBOOK_APP_ID",
    "FACEBOOK_APP_SECRET",
    "FIREBASE_API_TOKEN",
    "FIREBASE_TOKEN",
    "FOSSA_API_KEY",
    "GH_ENTERPRISE_TOKEN",
    "GH_TOKEN",
    "GITHUB_ENTERPRISE_TOKEN",
    "GITHUB_TOKEN",
    "HEROKU_API_KEY",
    "HEROKU_API_USER",
    "NPM_AUTH_TOKEN",
    "NPM_TOKEN",
    "OKTA_AUTHN_GROUPID",
    "OKTA_CLIENT_ORGURL",
    "OKTA_CLIENT_TOKEN",
    "OKTA_OAUTH2_CLIENTID",
    "OKTA_OAUTH2_CLIENTSECRET",
    "OPENAI_API_KEY",
    "OS_PASSWORD",
    "OS_USERNAME",
    "POSTGRES_PASSWORD",
    "SLACK_TOKEN",
    "STRIPE_API_KEY",
    "STRIPE_DEVICE_NAME",
    "TRAVIS_OS_NAME",
    "TRAVIS_SECURE_ENV_VARS",
    "TRAVIS_SUDO",
    "VAULT_CLIENT_KEY",
    "VAULT_TOKEN",
];

const SUSPICIOUS: &[&str] = &[
    "api_key",
    "client_key",
    "password",
    "private",
    "secret",
    "token",
    "username",
];

fn sensitive(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let lower = name.to_ascii_lowercase();
    KNOWN.contains(&upper.as_str()) || SUSPICIOUS.iter().any(|s| lower.contains(s))
}

pub fn check(cx: &Context) -> Vec<Hit> {
    let mut out = Vec::new();
    for (_, ins) in cx.instructions() {
        if !matches!(ins.kind, Kind::Arg | Kind::Env) {
            continue;
        }
        for (name, _, key_span, _) in pairs_with_spans(ins) {
            if sensitive(&name) {
                out.push(
                    Hit::new(
                        key_span,
                        format!(
                            "`{name}` looks like a credential: {} values are stored in the image",
                            ins.kind.name()
                        ),
                    )
                    .with_fix("RUN --mount=type=secret,id=<id> <command>"),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::lines;

    #[test]
    fn flags_sensitive_names() {
        let src = "FROM a\nARG GITHUB_TOKEN\nENV DB_PASSWORD=x\nARG USERNAME=vscode\nENV sa_password \"p\"\nONBUILD ARG MY_SECRET\nENV A=1 \\\n    api_key=2\n";
        assert_eq!(lines(check, src), vec![2, 3, 4, 5, 6, 8]);
    }

    #[test]
    fn passes_ordinary_names() {
        let src = "ARG VERSION=1\nFROM a\nENV PATH=/x LANG=C\nARG USER=app\n";
        assert!(lines(check, src).is_empty());
    }
}
