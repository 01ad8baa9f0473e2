#!/usr/bin/env bash
# Prints the path of actionlint (checks GitHub Actions workflows), built once from the Go module
# proxy into the same cache as the engine.
set -euo pipefail
VERSION="v1.7.12"
cache="${ABLO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ablo-pulumi}/actionlint-$VERSION"
if [ ! -x "$cache/actionlint" ]; then
  echo "[actionlint] building $VERSION from the Go module proxy" >&2
  mkdir -p "$cache"
  if ! out="$(CGO_ENABLED=0 GOBIN="$cache" GOTOOLCHAIN=local go install -trimpath "github.com/rhysd/actionlint/cmd/actionlint@$VERSION" 2>&1)"; then
    echo "[actionlint] FAILED at step 'go install': $(echo "$out" | tail -3)" >&2
    exit 1
  fi
fi
echo "$cache/actionlint"
