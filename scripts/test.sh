#!/usr/bin/env bash
# The whole test suite: set-up (idempotent), then every test of the workspace.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
cd "$root"
cargo test --workspace --release "$@"
