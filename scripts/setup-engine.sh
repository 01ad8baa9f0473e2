#!/usr/bin/env bash
# Makes a working Pulumi engine available offline and prints the folder that holds it.
#   pulumi                          the CLI, built from the Go module proxy (pkg/v3)
#   pulumi-language-nodejs          our minimal language host (scripts/engine/langhost; see there why)
#   pulumi-resource-pulumi-nodejs   the dynamic-provider launcher (runs @pulumi/pulumi's own)
#   pulumi-language-yaml            Pulumi's YAML language host, a link to setup-yaml-host.sh's build
# A `pulumi` already on PATH is used when its version is at least the pinned one (and its own YAML
# host when it has one beside it). Builds are cached outside the work tree, keyed by version and
# sources, so a second run takes well under a second.
set -euo pipefail

ENGINE_VERSION="v3.274.1" # also pinned in scripts/engine/go.mod; >= the npm @pulumi/pulumi we use
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${ABLO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ablo-pulumi}"
# Keyed by version and by what we build it from (contents only, so every clone shares the cache).
# That is the modules, our language host, and how they are built and installed (this script and
# lib/go-build.sh: flags, the launcher written beside them).
bin="$cache/engine-$ENGINE_VERSION-$(cat "$here/engine/go.mod" "$here/engine/go.sum" "$here/engine/langhost/"*.go "$here/setup-engine.sh" "$here/lib/go-build.sh" | sha256sum | cut -c1-12)/bin"

source "$here/lib/go-build.sh"

install_launcher() {
  # The engine looks the dynamic provider up by plugin name; ours starts the SDK's own host.
  cat >"$1/pulumi-resource-pulumi-nodejs" <<'EOF'
#!/bin/sh
exec node -e "require(require.resolve('@pulumi/pulumi/cmd/dynamic-provider', { paths: [process.cwd()] }))" "$0" "$@"
EOF
  chmod +x "$1/pulumi-resource-pulumi-nodejs"
}

link_yaml_host() { # folder [host]: links the YAML host into the folder, built by us unless given
  local host="${2:-}"
  # Tried once per engine folder: a failed build is not retried at every run (delete the marker to retry).
  [ -e "$1/.no-yaml-host" ] && [ -z "$host" ] && return 1
  if [ -z "$host" ] && ! host="$(bash "$here/setup-yaml-host.sh")/pulumi-language-yaml"; then
    touch "$1/.no-yaml-host"
    return 1
  fi
  # The engine looks for its bundled language hosts beside `pulumi` first (and warns about one found
  # only on PATH); renamed into place so that a concurrent run never sees it missing.
  if [ "$(readlink "$1/pulumi-language-yaml" 2>/dev/null)" != "$host" ]; then
    ln -sfn "$host" "$1/.pulumi-language-yaml.$$" && mv -Tf "$1/.pulumi-language-yaml.$$" "$1/pulumi-language-yaml"
  fi
}

version_ge() { [ "$(printf '%s\n%s\n' "${2#v}" "${1#v}" | sort -V | head -n1)" = "${2#v}" ]; }

# Node.js programs run without it; only `runtime: yaml` needs the YAML host.
no_yaml() { say "pulumi-language-yaml could not be built (above): YAML programs will not run; remove $1/.no-yaml-host to retry"; }

if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ]; then
  if [ ! -e "$bin/.no-yaml-host" ]; then link_yaml_host "$bin" || no_yaml "$bin"; fi
  echo "$bin"; exit 0
fi

if existing="$(command -v pulumi 2>/dev/null)" && [ -x "$(dirname "$existing")/pulumi-language-nodejs" ]; then
  v="$("$existing" version 2>/dev/null || true)"
  if [ -n "$v" ] && version_ge "$v" "$ENGINE_VERSION"; then
    shim="$cache/system-$v/bin"; mkdir -p "$shim"
    ln -sf "$existing" "$shim/pulumi"
    ln -sf "$(dirname "$existing")/pulumi-language-nodejs" "$shim/pulumi-language-nodejs"
    install_launcher "$shim"
    system_yaml="$(dirname "$existing")/pulumi-language-yaml"
    if [ -x "$system_yaml" ]; then
      link_yaml_host "$shim" "$system_yaml"
    elif [ ! -e "$shim/.no-yaml-host" ] && ! link_yaml_host "$shim"; then
      no_yaml "$shim"
    fi
    say "using the pulumi $v found on PATH"
    echo "$shim"; exit 0
  fi
fi

command -v go >/dev/null || fail "find go" "no 'go' on PATH; the engine is built from Go modules"
say "building Pulumi $ENGINE_VERSION from the Go module proxy (first run only; several minutes on 2 cores)"
tmp="$(mktemp -d "$cache.build.XXXXXX" 2>/dev/null || { mkdir -p "$(dirname "$cache")"; mktemp -d "$cache.build.XXXXXX"; })"
trap 'rm -rf "$tmp"' EXIT
cd "$here/engine"
go_download

ldflags="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$ENGINE_VERSION"
go_build pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi "$tmp" "$ldflags"
go_build pulumi-language-nodejs ./langhost "$tmp" "$ldflags"

install_launcher "$tmp"
mkdir -p "$(dirname "$bin")"
rm -rf "$bin" && mv "$tmp" "$bin" && rm -f "$bin"/*.log
trap - EXIT
link_yaml_host "$bin" || no_yaml "$bin"
say "ready: $("$bin/pulumi" version) in $bin"
echo "$bin"
