# Puts the project's toolchain first on PATH. Sourced by bootstrap.sh, test.sh and CI.
# The bootstrap installs Node 24 under .toolchain/ when the system Node is older than 22,
# and pnpm (the version pinned in package.json's packageManager) there in any case.
WITKIT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export WITKIT_ROOT
export PATH="$WITKIT_ROOT/.toolchain/bin:$WITKIT_ROOT/.toolchain/node_modules/.bin:$PATH"
# turbo asks to send anonymous usage data; nothing leaves this machine.
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
