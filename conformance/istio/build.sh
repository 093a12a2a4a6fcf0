#!/usr/bin/env bash
# Builds build/istio-xds (Istio's gateway xDS translator as a tool). Idempotent: Go's build
# cache makes a rebuild with nothing changed take seconds. The first build on a machine
# downloads the modules pinned in go.sum from the Go module proxy and compiles Istio's pilot
# (several minutes on 2 cores).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if ! command -v go >/dev/null 2>&1; then
  echo "setup:istio: the go command is needed (Go >= 1.26)" >&2
  exit 1
fi
mkdir -p "$root/build"
cd "$here"
# -mod=readonly: go.mod/go.sum are committed and must not change during a build.
GOFLAGS="${GOFLAGS:-} -mod=readonly" go build -trimpath -o "$root/build/istio-xds" .
