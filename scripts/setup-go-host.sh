#!/usr/bin/env bash
# Makes our Go language host (pulumi-language-go, for `runtime: go` programs; see
# scripts/engine/gohost/main.go for why our own) available offline and prints the folder that holds
# it. Built from the engine's Go module (scripts/engine), so a cold build reuses the packages the
# engine build compiled; cached outside the work tree under its own key (the module, the host's
# sources, this script), so changing the host never rebuilds the engine and a second run takes
# milliseconds. setup-engine.sh links it beside `pulumi`. The Go toolchain that builds a program is
# the user's: `go` on PATH when a program runs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mod="$here/engine"
ENGINE_VERSION="$(awk '$1 == "github.com/pulumi/pulumi/sdk/v3" { print $2 }' "$mod/go.mod")"
[ -n "$ENGINE_VERSION" ] || { echo "[engine] FAILED: no github.com/pulumi/pulumi/sdk/v3 requirement in $mod/go.mod" >&2; exit 1; }
cache="${ABLO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ablo-pulumi}"
dir="$cache/go-host-$ENGINE_VERSION-$(cat "$mod/go.mod" "$mod/go.sum" "$mod/gohost/"*.go "$mod/codegenrpc/"*.go "$mod/hostbase/"*.go "$here/setup-go-host.sh" "$here/lib/go-build.sh" | sha256sum | cut -c1-12)/bin"

if [ -x "$dir/pulumi-language-go" ]; then
  echo "$dir"; exit 0
fi

source "$here/lib/go-build.sh"
command -v go >/dev/null || fail "find go" "no 'go' on PATH; the Go language host is built from Go modules"
say "building pulumi-language-go (scripts/engine/gohost) from the Go module proxy (first run only; under a minute after the engine)"
mkdir -p "$cache"
tmp="$(mktemp -d "$cache/go-host.build.XXXXXX")"
trap 'rm -rf "${tmp:?}"' EXIT
cd "$mod"
go_download
go_build pulumi-language-go ./gohost "$tmp" "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$ENGINE_VERSION"

mkdir -p "$(dirname "$dir")"
rm -rf "${dir:?}" && mv "$tmp" "$dir" && rm -f "$dir"/*.log
trap - EXIT
echo "$dir"
