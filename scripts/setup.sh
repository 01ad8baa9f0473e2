#!/usr/bin/env bash
# All set-up for `npm start`, `npm test` and `npm run bench` on a fresh machine, and a no-op
# (about a second) when nothing changed: npm packages (including Node 24 and the PostgreSQL
# binaries, both shipped inside npm packages), the Pulumi engine, and the TypeScript build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { echo "[setup] $*" >&2; }

# 1. npm packages, reinstalled only when a manifest or the lock file changed.
stamp="node_modules/.ablo-setup-stamp"
want="$(cat package-lock.json */package.json package.json | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  step "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error 2>&1 | grep -v EBADENGINE >&2 || true
  [ -d node_modules/@pulumi/pulumi ] || { step "FAILED: npm ci did not install @pulumi/pulumi"; exit 1; }
  echo "$want" >"$stamp"
fi

# 2. Node >= 22 (fails with a clear message otherwise).
source scripts/lib/node-dir.sh
step "node $("$ABLO_NODE_DIR/node" --version) from $ABLO_NODE_DIR"

# 3. The Pulumi engine (cached outside the work tree; built from the Go module proxy once).
engine="$(bash scripts/setup-engine.sh)"
step "pulumi $("$engine/pulumi" version) from $engine"

# 4. TypeScript build (incremental), then link our own bins (npm links a bin only once its
#    target exists, and dist/ is built after `npm ci`).
scripts/node node_modules/typescript/bin/tsc -b
if [ ! -e node_modules/.bin/ablo-local ] || [ ! -e node_modules/.bin/ablo-check-connection ]; then
  npm rebuild --ignore-scripts ablo-local @ablo/check-connection --loglevel=error >&2
fi
