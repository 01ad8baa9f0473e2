#!/usr/bin/env bash
# Makes our Python language host (pulumi-language-python, for `runtime: python` programs; see
# scripts/engine/pythonhost/main.go for why our own) available offline and prints the folder that
# holds it. Built from the engine's Go module (scripts/engine), so a cold build reuses the packages
# the engine build compiled; cached outside the work tree under its own key (the module, the host's
# sources, this script), so changing the host never rebuilds the engine and a second run takes
# milliseconds. setup-engine.sh links it beside `pulumi`. Python itself is the user's: python3 (or
# PULUMI_PYTHON_CMD) on PATH when a program runs, not when the host is built.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mod="$here/engine"
ENGINE_VERSION="$(awk '$1 == "github.com/pulumi/pulumi/sdk/v3" { print $2 }' "$mod/go.mod")"
[ -n "$ENGINE_VERSION" ] || { echo "[engine] FAILED: no github.com/pulumi/pulumi/sdk/v3 requirement in $mod/go.mod" >&2; exit 1; }
cache="${ABLO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ablo-pulumi}"
dir="$cache/python-host-$ENGINE_VERSION-$(cat "$mod/go.mod" "$mod/go.sum" "$mod/pythonhost/"* "$mod/codegenrpc/"*.go "$mod/hostbase/"*.go "$here/setup-python-host.sh" "$here/lib/go-build.sh" | sha256sum | cut -c1-12)/bin"

if [ -x "$dir/pulumi-language-python" ]; then
  echo "$dir"; exit 0
fi

source "$here/lib/go-build.sh"
command -v go >/dev/null || fail "find go" "no 'go' on PATH; the Python language host is built from Go modules"
say "building pulumi-language-python (scripts/engine/pythonhost) from the Go module proxy (first run only; under a minute after the engine)"
mkdir -p "$cache"
tmp="$(mktemp -d "$cache/python-host.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cd "$mod"
go_download
go_build pulumi-language-python ./pythonhost "$tmp" "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$ENGINE_VERSION"

mkdir -p "$(dirname "$dir")"
rm -rf "$dir" && mv "$tmp" "$dir" && rm -f "$dir"/*.log
trap - EXIT
echo "$dir"
