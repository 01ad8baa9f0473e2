# Sourced by the set-up scripts that build Go programs from the module proxy (setup-engine.sh,
# setup-yaml-host.sh). Run from inside the Go module; they print "[engine] ..." progress on stderr.
export CGO_ENABLED=0 GOFLAGS="-mod=mod" GOTOOLCHAIN=local

say() { echo "[engine] $*" >&2; }
fail() { echo "[engine] FAILED at step '$1': $2" >&2; exit 1; }

go_download() { # fetches the current module's dependencies, with the proxy's reason when it refuses one
  local out
  if ! out="$(go mod download 2>&1)"; then
    fail "download modules" "$(echo "$out" | grep -m3 -E 'proxy|403|404|not available|error' || echo "$out" | tail -3)"
  fi
}

go_build() { # name, package, output folder, ldflags: shows a live count of compiled packages as progress
  local total done=0 start=$SECONDS tick=0 pid
  total="$(go list -deps "$2" 2>/dev/null | wc -l)"
  go build -v -trimpath -ldflags "$4" -o "$3/$1" "$2" 2>"$3/$1.log" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    done="$(grep -cv '^#' "$3/$1.log" 2>/dev/null || true)"; done="${done:-0}"
    if [ -t 2 ]; then # a live counter on a terminal, a line every 30 s in CI logs
      printf '\r[engine] %s: %s/%s packages compiled, %ss ' "$1" "$done" "$total" "$((SECONDS - start))" >&2
    elif [ $((tick % 15)) -eq 0 ]; then
      printf '[engine] %s: %s/%s packages compiled, %ss\n' "$1" "$done" "$total" "$((SECONDS - start))" >&2
    fi
    tick=$((tick + 1)); sleep 2
  done
  if ! wait "$pid"; then
    echo >&2; fail "build $1" "$(grep -v '^[a-z0-9./_-]*$' "$3/$1.log" | tail -5)"
  fi
  printf '\r[engine] %s: built in %ss%*s\n' "$1" "$((SECONDS - start))" 20 '' >&2
}
