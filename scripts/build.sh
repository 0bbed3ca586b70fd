#!/usr/bin/env bash
# Configures (once) and builds famfs in ./build.
# Usage: scripts/build.sh [TARGET...]   (default: everything; targets as
#   ninja names them, e.g. famfsd/famfsd cli/famfsctl)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -f build/build.ninja ]]; then
  meson setup build
fi
ninja -C build "$@"
