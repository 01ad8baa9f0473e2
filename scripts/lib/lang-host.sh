# Sourced by setup-python-host.sh and setup-go-host.sh: one of our language hosts
# (scripts/engine/<package>), built from the engine's Go module, so a cold build reuses the packages
# the engine build compiled; cached outside the work tree under its own key (the module, the host's
# sources, the calling script and this file), so changing a host never rebuilds the engine and a
# second run takes milliseconds. Prints the folder that holds pulumi-language-<language>.
#   lang_host <language> <package folder under scripts/engine> <calling script>
lang_host() {
  local lang="$1" pkg="$2" caller="$3" scripts mod version cache dir
  scripts="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  mod="$scripts/engine"
  version="$(awk '$1 == "github.com/pulumi/pulumi/sdk/v3" { print $2 }' "$mod/go.mod")"
  [ -n "$version" ] || { echo "[engine] FAILED: no github.com/pulumi/pulumi/sdk/v3 requirement in $mod/go.mod" >&2; exit 1; }
  cache="${ABLO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ablo-pulumi}"
  dir="$cache/$lang-host-$version-$(cat "$mod/go.mod" "$mod/go.sum" "$mod/$pkg/"* "$mod/codegenrpc/"*.go "$mod/hostbase/"*.go "$caller" "$scripts/lib/lang-host.sh" "$scripts/lib/go-build.sh" | sha256sum | cut -c1-12)/bin"

  if [ -x "$dir/pulumi-language-$lang" ]; then
    echo "$dir"; return 0
  fi

  source "$scripts/lib/go-build.sh"
  command -v go >/dev/null || fail "find go" "no 'go' on PATH; the $lang language host is built from Go modules"
  say "building pulumi-language-$lang (scripts/engine/$pkg) from the Go module proxy (first run only; under a minute after the engine)"
  mkdir -p "$cache"
  # Global, not local: the EXIT trap runs after this function has returned.
  LANG_HOST_BUILD="$(mktemp -d "$cache/$lang-host.build.XXXXXX")"
  trap 'rm -rf "${LANG_HOST_BUILD:?}"' EXIT
  cd "$mod"
  go_download
  go_build "pulumi-language-$lang" "./$pkg" "$LANG_HOST_BUILD" "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version"

  mkdir -p "$(dirname "$dir")"
  rm -rf "${dir:?}" && mv "$LANG_HOST_BUILD" "$dir" && rm -f "$dir"/*.log
  trap - EXIT
  echo "$dir"
}
