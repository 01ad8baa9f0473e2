#!/usr/bin/env bash
# Makes a working Pulumi engine available offline and prints the folder that holds it.
#   pulumi                          the CLI, built from the Go module proxy (pkg/v3)
#   pulumi-language-nodejs          our minimal language host (scripts/engine/langhost; see there why)
#   pulumi-resource-pulumi-nodejs   the dynamic-provider launcher (runs @pulumi/pulumi's own)
# A `pulumi` already on PATH is used when its version is at least the pinned one. Builds are cached
# outside the work tree, keyed by version, so a second run takes well under a second.
set -euo pipefail

ENGINE_VERSION="v3.274.1" # also pinned in scripts/engine/go.mod; >= the npm @pulumi/pulumi we use
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${ABLO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ablo-pulumi}"
# Keyed by version and by what we build it from (contents only, so every clone shares the cache).
bin="$cache/engine-$ENGINE_VERSION-$(cat "$here/engine/go.sum" "$here/engine/langhost/main.go" | sha256sum | cut -c1-12)/bin"

say() { echo "[engine] $*" >&2; }
fail() { echo "[engine] FAILED at step '$1': $2" >&2; exit 1; }

install_launcher() {
  # The engine looks the dynamic provider up by plugin name; ours starts the SDK's own host.
  cat >"$1/pulumi-resource-pulumi-nodejs" <<'EOF'
#!/bin/sh
exec node -e "require(require.resolve('@pulumi/pulumi/cmd/dynamic-provider', { paths: [process.cwd()] }))" "$0" "$@"
EOF
  chmod +x "$1/pulumi-resource-pulumi-nodejs"
}

version_ge() { [ "$(printf '%s\n%s\n' "${2#v}" "${1#v}" | sort -V | head -n1)" = "${2#v}" ]; }

if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ]; then
  echo "$bin"; exit 0
fi

if existing="$(command -v pulumi 2>/dev/null)" && [ -x "$(dirname "$existing")/pulumi-language-nodejs" ]; then
  v="$("$existing" version 2>/dev/null || true)"
  if [ -n "$v" ] && version_ge "$v" "$ENGINE_VERSION"; then
    shim="$cache/system-$v/bin"; mkdir -p "$shim"
    ln -sf "$existing" "$shim/pulumi"
    ln -sf "$(dirname "$existing")/pulumi-language-nodejs" "$shim/pulumi-language-nodejs"
    install_launcher "$shim"
    say "using the pulumi $v found on PATH"
    echo "$shim"; exit 0
  fi
fi

command -v go >/dev/null || fail "find go" "no 'go' on PATH; the engine is built from Go modules"
say "building Pulumi $ENGINE_VERSION from the Go module proxy (first run only; several minutes on 2 cores)"
tmp="$(mktemp -d "$cache.build.XXXXXX" 2>/dev/null || { mkdir -p "$(dirname "$cache")"; mktemp -d "$cache.build.XXXXXX"; })"
trap 'rm -rf "$tmp"' EXIT
cd "$here/engine"
export CGO_ENABLED=0 GOFLAGS="-mod=mod" GOTOOLCHAIN=local

if ! out="$(go mod download 2>&1)"; then
  fail "download modules" "$(echo "$out" | grep -m3 -E 'proxy|403|404|not available|error' || echo "$out" | tail -3)"
fi

ldflags="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$ENGINE_VERSION"
build() { # name, package: shows a live count of compiled packages as progress
  local total done=0 start=$SECONDS
  total="$(go list -deps "$2" 2>/dev/null | wc -l)"
  go build -v -trimpath -ldflags "$ldflags" -o "$tmp/$1" "$2" 2>"$tmp/$1.log" &
  local pid=$!
  local tick=0
  while kill -0 "$pid" 2>/dev/null; do
    done="$(grep -cv '^#' "$tmp/$1.log" 2>/dev/null || true)"
    if [ -t 2 ]; then # a live counter on a terminal, a line every 30 s in CI logs
      printf '\r[engine] %s: %s/%s packages compiled, %ss ' "$1" "$done" "$total" "$((SECONDS - start))" >&2
    elif [ $((tick % 15)) -eq 0 ]; then
      printf '[engine] %s: %s/%s packages compiled, %ss\n' "$1" "$done" "$total" "$((SECONDS - start))" >&2
    fi
    tick=$((tick + 1)); sleep 2
  done
  if ! wait "$pid"; then
    echo >&2; fail "build $1" "$(grep -v '^[a-z0-9./_-]*$' "$tmp/$1.log" | tail -5)"
  fi
  printf '\r[engine] %s: built in %ss%*s\n' "$1" "$((SECONDS - start))" 20 '' >&2
}
build pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
build pulumi-language-nodejs ./langhost

install_launcher "$tmp"
mkdir -p "$(dirname "$bin")"
rm -rf "$bin" && mv "$tmp" "$bin" && rm -f "$bin"/*.log
trap - EXIT
say "ready: $("$bin/pulumi" version) in $bin"
echo "$bin"
