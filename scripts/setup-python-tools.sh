#!/usr/bin/env bash
# Makes the pinned Python tools of `npm run pack` (PyPA build + setuptools: the wheel and sdist of
# sdk/python) and of the Python registry test (twine, pypiserver) available and prints the path of
# their interpreter; run the tools as modules (`python -m build`, `-m twine`, `-m pypiserver`).
# A virtualenv of their own from PyPI (scripts/python-tools/: every version pinned), made once per
# pin set and interpreter under the shared cache, so a second run takes milliseconds and nothing is
# downloaded again. Python itself is the user's: python3 (or PULUMI_PYTHON_CMD), 3.10 or newer with venv.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="${PULUMI_PYTHON_CMD:-python3}"
fail() { echo "[python-tools] FAILED: $*" >&2; exit 1; }
command -v "$python" >/dev/null || fail "no '$python' on PATH: Python 3.10 or newer with venv is needed to build the Python SDK's wheel"
# The interpreter's own path and version go into the key: a virtualenv runs only on the Python that made it.
about="$("$python" -c 'import sys, venv; print(sys.version_info >= (3, 10), sys.executable, sys.version)' 2>/dev/null)" ||
  fail "$python cannot make a virtualenv (Debian: apt-get install python3-venv)"
[ "${about%% *}" = True ] || fail "$python is Python ${about#* * }; 3.10 or newer is needed"

cache="${ABLO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ablo-pulumi}"
key="$(printf '%s\n' "$about" | cat - "$here/python-tools/requirements.txt" "$here/python-tools/constraints.txt" "$here/setup-python-tools.sh" | sha256sum | cut -c1-12)"
venv="$cache/python-tools-$key"
if [ -f "$venv/.complete" ]; then
  echo "$venv/bin/python"; exit 0
fi

# One maker at a time (jest runs test files in parallel); the others wait and then find it made.
mkdir -p "$cache"
exec 9>"$cache/python-tools.lock"
flock 9
if [ ! -f "$venv/.complete" ]; then
  echo "[python-tools] making $venv (build, setuptools, twine, pypiserver from PyPI; first run only)" >&2
  rm -rf "${venv:?}"
  "$python" -m venv "$venv" >&2
  # The pip the interpreter ships is enough; no upgrade, so that nothing unpinned is fetched.
  if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    -r "$here/python-tools/requirements.txt" -c "$here/python-tools/constraints.txt" >&2; then
    rm -rf "${venv:?}"
    fail "pip could not install scripts/python-tools/requirements.txt from the package index"
  fi
  touch "$venv/.complete"
fi
echo "$venv/bin/python"
