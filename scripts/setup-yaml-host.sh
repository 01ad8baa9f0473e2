#!/usr/bin/env bash
# Makes the Pulumi YAML language host (pulumi-language-yaml, for `runtime: yaml` programs) available
# offline and prints the folder that holds it. Built from github.com/pulumi/pulumi-yaml in a Go module
# of its own, scripts/engine/yaml (its go.mod says why not the engine's), cached outside the work tree
# keyed by that module, so a second run takes milliseconds. setup-engine.sh links it beside `pulumi`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mod="$here/engine/yaml"
YAML_VERSION="$(awk '$1 == "github.com/pulumi/pulumi-yaml" { print $2 }' "$mod/go.mod")"
[ -n "$YAML_VERSION" ] || { echo "[engine] FAILED: no github.com/pulumi/pulumi-yaml requirement in $mod/go.mod" >&2; exit 1; }
cache="${ABLO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ablo-pulumi}"
dir="$cache/yaml-$YAML_VERSION-$(cat "$mod/go.mod" "$mod/go.sum" | sha256sum | cut -c1-12)/bin"

if [ -x "$dir/pulumi-language-yaml" ]; then
  echo "$dir"; exit 0
fi

source "$here/lib/go-build.sh"
command -v go >/dev/null || fail "find go" "no 'go' on PATH; the YAML language host is built from Go modules"
say "building pulumi-language-yaml $YAML_VERSION from the Go module proxy (first run only; about a minute after the engine)"
mkdir -p "$cache"
tmp="$(mktemp -d "$cache/yaml.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
cd "$mod"
go_download
go_build pulumi-language-yaml github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml "$tmp" \
  "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=$YAML_VERSION"

mkdir -p "$(dirname "$dir")"
rm -rf "$dir" && mv "$tmp" "$dir" && rm -f "$dir"/*.log
trap - EXIT
echo "$dir"
