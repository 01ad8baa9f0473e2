#!/usr/bin/env bash
# Makes our Python language host (pulumi-language-python, for `runtime: python` programs; see
# scripts/engine/pythonhost/main.go for why our own) available offline and prints the folder that
# holds it (built and cached by scripts/lib/lang-host.sh). setup-engine.sh links it beside `pulumi`.
# Python itself is the user's: python3 (or PULUMI_PYTHON_CMD) on PATH when a program runs, not when
# the host is built.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/lib/lang-host.sh"
lang_host python pythonhost "$here/setup-python-host.sh"
