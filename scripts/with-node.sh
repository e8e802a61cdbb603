#!/bin/sh
# Runs a command with the Node the project needs (>= 22.19, see package.json "engines") and its
# dependencies installed exactly as locked. A fresh machine may only have an older system Node: then
# Node 24 comes from the npm registry (package `node@24`, which ships a real node binary) into
# .tools/, and is put first on PATH.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

node_ok() {
  command -v node >/dev/null 2>&1 && node -e '
    const [maj, min] = process.versions.node.split(".").map(Number);
    process.exit(maj > 22 || (maj === 22 && min >= 19) ? 0 : 1)'
}

if ! node_ok; then
  tools="$root/.tools"
  if [ ! -x "$tools/node_modules/node/bin/node" ]; then
    echo "runpages: system Node is $(node --version 2>/dev/null || echo missing); fetching Node 24 from the npm registry into .tools/ ..." >&2
    mkdir -p "$tools"
    npm install --silent --no-audit --no-fund --no-save --prefix "$tools" node@24 >&2
  fi
  PATH="$tools/node_modules/node/bin:$PATH"
  export PATH
fi

# Install dependencies when they are missing or older than the lockfile, exactly as locked (`npm ci`:
# what a clone installs is what CI tested). The lockfile is npm-shrinkwrap.json, so a user's install
# of runpages from a tarball or a git URL gets the same dependency tree too.
if [ ! -d node_modules ] || [ npm-shrinkwrap.json -nt node_modules/.package-lock.json ]; then
  echo "runpages: installing dependencies (npm ci, as locked in npm-shrinkwrap.json) ..." >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

PATH="$root/node_modules/.bin:$PATH"
export PATH
exec "$@"
