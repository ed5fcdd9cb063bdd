#!/usr/bin/env bash
# Regenerates docs/hadolint-parity.md: runs the differential test against
# hadolint 2.15.1 (crates/plimsoll/tests/hadolint_parity.rs) over the shared
# corpus with PLIMSOLL_WRITE_PARITY=1. The report is written even when the
# test's thresholds fail (the test still fails then).
#
# Needs hadolint 2.15.1 in the venv scripts/test.sh installs; extra
# arguments go to the test binary (e.g. --nocapture).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

export PLIMSOLL_VENV=${PLIMSOLL_VENV:-$HOME/.cache/plimsoll-venv}
export PLIMSOLL_HADOLINT=${PLIMSOLL_HADOLINT:-$PLIMSOLL_VENV/bin/hadolint}
export PLIMSOLL_CORPUS=${PLIMSOLL_CORPUS:-$root/../shared/corpus}

if ! "$PLIMSOLL_HADOLINT" --version 2>/dev/null | grep -q '2\.15\.1'; then
  echo "hadolint-parity.sh: hadolint 2.15.1 not found at $PLIMSOLL_HADOLINT; run scripts/test.sh (it installs it)" >&2
  exit 2
fi
unset PLIMSOLL_PARITY_HADOLINT_CACHE
PLIMSOLL_WRITE_PARITY=1 cargo test -p plimsoll --locked --test hadolint_parity -- --nocapture "$@"
echo "hadolint-parity.sh: wrote docs/hadolint-parity.md" >&2
