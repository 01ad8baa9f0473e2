#!/usr/bin/env bash
# Makes our Go language host (pulumi-language-go, for `runtime: go` programs; see
# scripts/engine/gohost/main.go for why our own) available offline and prints the folder that holds
# it (built and cached by scripts/lib/lang-host.sh). setup-engine.sh links it beside `pulumi`. The Go
# toolchain that builds a program is the user's: `go` on PATH when a program runs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib/lang-host.sh"
lang_host go gohost "$here/setup-go-host.sh"
