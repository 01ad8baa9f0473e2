#!/usr/bin/env bash
# Makes a working Pulumi engine available offline and prints the folder that holds it.
#   pulumi                          the CLI, built from the Go module proxy (pkg/v3)
#   pulumi-language-nodejs          our minimal language host (scripts/engine/langhost; see there why)
#   pulumi-resource-pulumi-nodejs   the dynamic-provider launcher (runs @pulumi/pulumi's own host; for
#                                   a pulumi from PATH, a link to the one shipped beside it, if any)
#   pulumi-language-yaml            Pulumi's YAML language host, a link to setup-yaml-host.sh's build
#   pulumi-language-python          our minimal Python language host, a link to setup-python-host.sh's
#                                   build (scripts/engine/pythonhost; see there why)
#   pulumi-language-go              our minimal Go language host, a link to setup-go-host.sh's build
#                                   (scripts/engine/gohost; see there why)
# A `pulumi` already on PATH is used when its version is at least the pinned one (and its own YAML,
# Python and Go hosts when it has them beside it). Builds are cached outside the work tree, keyed by
# version and sources, so a second run takes well under a second.
set -euo pipefail

ENGINE_VERSION="v3.274.1" # also pinned in scripts/engine/go.mod; >= the npm @pulumi/pulumi we use
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${ABLO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ablo-pulumi}"
# Keyed by version and by what we build it from (contents only, so every clone shares the cache).
# That is the modules, our Node.js language host (and the code generation it shares with the Python
# host), and how they are built and installed (this script and lib/go-build.sh: flags, the launcher
# written beside them). The YAML, Python and Go hosts have keys of their own.
bin="$cache/engine-$ENGINE_VERSION-$(cat "$here/engine/go.mod" "$here/engine/go.sum" "$here/engine/langhost/"*.go "$here/engine/codegenrpc/"*.go "$here/engine/hostbase/"*.go "$here/setup-engine.sh" "$here/lib/go-build.sh" | sha256sum | cut -c1-12)/bin"

source "$here/lib/go-build.sh"

install_launcher() {
  # The engine looks the dynamic provider up by plugin name; ours starts the SDK's own host.
  # Written beside and renamed into place: the name may be a link to a CLI's own launcher (below),
  # which writing through would overwrite.
  cat >"$1/.pulumi-resource-pulumi-nodejs.$$" <<'EOF'
#!/bin/sh
exec node -e "require(require.resolve('@pulumi/pulumi/cmd/dynamic-provider', { paths: [process.cwd()] }))" "$0" "$@"
EOF
  chmod +x "$1/.pulumi-resource-pulumi-nodejs.$$"
  mv -Tf "$1/.pulumi-resource-pulumi-nodejs.$$" "$1/pulumi-resource-pulumi-nodejs"
}

# The dynamic-provider launcher for a pulumi found on PATH: the one that ships beside it, linked,
# when it has one. The engine looks for its bundled plugins beside its own executable (links
# resolved) and warns at every run when the one on PATH (the shim folder comes first) is another
# file; a link to that very file is the same plugin to it, so nothing is said.
link_launcher() { # shim folder, pulumi found on PATH
  local own
  for own in "$(dirname "$(readlink -f "$2")")/pulumi-resource-pulumi-nodejs" "$(dirname "$2")/pulumi-resource-pulumi-nodejs"; do
    if [ -x "$own" ]; then
      if [ "$(readlink "$1/pulumi-resource-pulumi-nodejs" 2>/dev/null)" != "$own" ]; then
        ln -sfn "$own" "$1/.pulumi-resource-pulumi-nodejs.$$" && mv -Tf "$1/.pulumi-resource-pulumi-nodejs.$$" "$1/pulumi-resource-pulumi-nodejs"
      fi
      return 0
    fi
  done
  install_launcher "$1" # a CLI without one (a build like ours): the SDK's own host
}

link_host() { # language, folder [host]: links that language's host into the folder, built by us unless given
  local lang="$1" dir="$2" host="${3:-}" name="pulumi-language-$1"
  # Tried once per engine folder: a failed build is not retried at every run (delete the marker to retry).
  [ -e "$dir/.no-$lang-host" ] && [ -z "$host" ] && return 1
  if [ -z "$host" ] && ! host="$(bash "$here/setup-$lang-host.sh")/$name"; then
    touch "$dir/.no-$lang-host"
    return 1
  fi
  # The engine looks for its bundled language hosts beside `pulumi` first (and warns about one found
  # only on PATH); renamed into place so that a concurrent run never sees it missing.
  if [ "$(readlink "$dir/$name" 2>/dev/null)" != "$host" ]; then
    ln -sfn "$host" "$dir/.$name.$$" && mv -Tf "$dir/.$name.$$" "$dir/$name"
  fi
}

version_ge() { [ "$(printf '%s\n%s\n' "${2#v}" "${1#v}" | sort -V | head -n1)" = "${2#v}" ]; }

# Node.js programs run without them; only `runtime: yaml`, `python` and `go` need these hosts.
no_host() { # language, folder
  local what; case "$1" in yaml) what=YAML ;; python) what=Python ;; go) what=Go ;; *) what="$1" ;; esac
  say "pulumi-language-$1 could not be built (above): $what programs will not run; remove $2/.no-$1-host to retry"
}

link_hosts() { # folder [folder of a pulumi found on PATH, whose own hosts come first]
  local lang
  for lang in yaml python go; do
    if [ -n "${2:-}" ] && [ -x "$2/pulumi-language-$lang" ]; then
      link_host "$lang" "$1" "$2/pulumi-language-$lang"
    elif [ ! -e "$1/.no-$lang-host" ] && ! link_host "$lang" "$1"; then
      no_host "$lang" "$1"
    fi
  done
}

if [ -x "$bin/pulumi" ] && [ -x "$bin/pulumi-language-nodejs" ]; then
  link_hosts "$bin"
  echo "$bin"; exit 0
fi

if existing="$(command -v pulumi 2>/dev/null)" && [ -x "$(dirname "$existing")/pulumi-language-nodejs" ]; then
  v="$("$existing" version 2>/dev/null || true)"
  if [ -n "$v" ] && version_ge "$v" "$ENGINE_VERSION"; then
    shim="$cache/system-$v/bin"; mkdir -p "$shim"
    ln -sf "$existing" "$shim/pulumi"
    ln -sf "$(dirname "$existing")/pulumi-language-nodejs" "$shim/pulumi-language-nodejs"
    link_launcher "$shim" "$existing"
    link_hosts "$shim" "$(dirname "$existing")"
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
link_hosts "$bin"
say "ready: $("$bin/pulumi" version) in $bin"
echo "$bin"
