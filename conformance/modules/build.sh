#!/usr/bin/env bash
# Builds the third-party-SDK modules the harness is checked against (test/modules/) into
# build/modules/: the Go plugins of conformance/modules/go/ on the proxy-wasm Go SDK (from the Go
# module proxy, pinned in go.mod/go.sum), as GOOS=wasip1 GOARCH=wasm -buildmode=c-shared
# reactors. Idempotent: a stamp holds the hash of the sources and of `go version`; nothing is
# rebuilt while it matches (this runs before every `npm test`).
#
# Without Go ≥ 1.24 it says so and exits 0 (the tests then skip loudly), except in CI, where it
# fails: CI must measure these modules.
set -euo pipefail
cd "$(dirname "$0")/../.."

SRC=conformance/modules/go
OUT=build/modules/go
MODULES=(headers body httpcall shareddata metrics ticks)

absent() {
  if [ -n "${CI:-}" ]; then echo "setup:modules: $1" >&2; exit 1; fi
  echo "setup:modules: $1; the foreign-module tests will skip" >&2
  exit 0
}

command -v go >/dev/null 2>&1 || absent "no go on PATH (Go ≥ 1.24 builds the Go-SDK modules)"
GO_VERSION=$(go env GOVERSION)
minor=$(sed -n 's/^go1\.\([0-9]*\).*/\1/p' <<<"$GO_VERSION")
[ -n "$minor" ] && [ "$minor" -ge 24 ] || absent "$GO_VERSION is older than go1.24 (wasip1 reactors with go:wasmexport)"

hash=$( { echo "$GO_VERSION"; cat "$SRC/go.mod" "$SRC/go.sum"; find "$SRC" -name '*.go' | sort | xargs cat; } | sha256sum | cut -d' ' -f1)
STAMP="$OUT/.stamp"
all_built() { for m in "${MODULES[@]}"; do [ -f "$OUT/$m.wasm" ] || return 1; done; }
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$hash" ] && all_built; then exit 0; fi

start=$(date +%s)
mkdir -p "$OUT"
rm -f "$STAMP"
for m in "${MODULES[@]}"; do
  # -mod=readonly: go.sum must already pin everything; the build never edits the repo.
  (cd "$SRC" && GOOS=wasip1 GOARCH=wasm go build -mod=readonly -trimpath -buildmode=c-shared -o "../../../$OUT/$m.wasm" "./$m")
done
echo "$hash" > "$STAMP"
echo "setup:modules: built ${#MODULES[@]} Go-SDK modules with $GO_VERSION in $(( $(date +%s) - start )) s"
