#!/usr/bin/env bash
# Checks that `npm run setup:istio` builds from scratch, as on a fresh machine: a copy of
# conformance/istio is built with empty Go caches (GOCACHE, and GOMODCACHE unless
# --keep-modules), then the binary translates testdata/basic.yaml and must report listener
# 0.0.0.0_8080 with route configuration http.8080. Prints the wall time. Takes minutes (about
# 15 on 2 busy cores); not part of npm test.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
# The module cache is read-only; make the scratch one writable before removing it.
trap 'chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/conformance" "$work/build"
cp -r "$here" "$work/conformance/istio"
export GOCACHE="$work/gocache"
if [ "${1:-}" != "--keep-modules" ]; then export GOMODCACHE="$work/gomodcache"; fi
start=$(date +%s)
(cd "$work" && bash conformance/istio/build.sh)
end=$(date +%s)
out="$("$work/build/istio-xds" -f "$here/testdata/basic.yaml" 2>/dev/null)"
if ! echo "$out" | tr -d ' \n' | grep -q '"name":"0.0.0.0_8080","port":8080,"routeConfigs":\["http.8080"\]'; then
  echo "check-cold-build: the scratch-built binary did not give listener 0.0.0.0_8080 / http.8080" >&2
  exit 1
fi
echo "check-cold-build: OK, scratch build in $((end - start)) s (${1:-fresh GOMODCACHE and GOCACHE})"
