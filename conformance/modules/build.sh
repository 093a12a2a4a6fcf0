#!/usr/bin/env bash
# Builds the third-party-SDK modules the harness is checked against (test/modules/) into
# build/modules/: the Go plugins of conformance/modules/go/ on the proxy-wasm Go SDK (from the Go
# module proxy, pinned in go.mod/go.sum), as GOOS=wasip1 GOARCH=wasm -buildmode=c-shared
# reactors, and the Rust plugin of conformance/modules/rust/ on the proxy-wasm crate (crates.io,
# pinned in Cargo.lock). Idempotent: a stamp per language holds the hash of the sources and the
# toolchain's version; nothing is rebuilt while it matches (this runs before every `npm test`).
#
# Without Go ≥ 1.24 it says so and exits 0 (the tests then skip loudly), except in CI, where it
# fails: CI must measure these modules. The Rust plugin needs the wasm32-wasip1 standard library,
# which only rustup's own download server provides (not one of the registries this project may
# install from), so it is built only where that target is already installed, and skipped with a
# line saying so everywhere else, CI included.
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

build_rust() {
  local src=conformance/modules/rust out=build/modules/rust
  if ! command -v cargo >/dev/null 2>&1 || ! rustc --print target-libdir --target wasm32-wasip1 2>/dev/null | xargs -I{} test -d {}; then
    echo "setup:modules: the Rust plugin is not built: no wasm32-wasip1 target (rustup target add wasm32-wasip1 downloads it from rustup's server); test/modules/rust-sdk.test.ts will skip" >&2
    return 0
  fi
  local h
  h=$( { rustc --version; cat "$src/Cargo.toml" "$src/Cargo.lock"; find "$src/src" -name '*.rs' | sort | xargs cat; } | sha256sum | cut -d' ' -f1)
  if [ -f "$out/.stamp" ] && [ "$(cat "$out/.stamp")" = "$h" ] && [ -f "$out/rust.wasm" ]; then return 0; fi
  local t0
  t0=$(date +%s)
  mkdir -p "$out"
  rm -f "$out/.stamp"
  # --locked: Cargo.lock pins every crate; the target directory stays under build/.
  CARGO_TARGET_DIR=build/modules/rust-target cargo build --quiet --locked --release --target wasm32-wasip1 --manifest-path "$src/Cargo.toml"
  cp build/modules/rust-target/wasm32-wasip1/release/gatewasm_rust_probe.wasm "$out/rust.wasm"
  echo "$h" > "$out/.stamp"
  echo "setup:modules: built the Rust-SDK module with $(rustc --version) in $(( $(date +%s) - t0 )) s"
}
build_rust

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
