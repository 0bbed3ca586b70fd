#!/usr/bin/env bash
# The main job on an embedded default: format an emulated 4 GiB shared-memory
# device (a /dev/shm file) with mkfs.famfs and show fsck.famfs's report.
# Usage (as root on Debian 12): scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh >/dev/null
dev=/dev/shm/famfs-demo.img
trap 'rm -f "$dev"' EXIT
rm -f "$dev"
truncate -s 4G "$dev"
echo "== mkfs.famfs $dev (4 GiB emulated device)"
build/famfsd/tools/mkfs.famfs "$dev"
echo
echo "== fsck.famfs $dev"
build/famfsd/tools/fsck.famfs "$dev"
echo
echo "== fsck.famfs --json $dev (summary and capacity)"
build/famfsd/tools/fsck.famfs --json "$dev" |
  python3 -c 'import json,sys; r=json.load(sys.stdin); print(json.dumps({k: r[k] for k in ("log", "capacity", "summary")}, indent=2))'
