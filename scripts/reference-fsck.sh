#!/bin/bash
# Runs the reference famfs's fsck (and its logplay dry run) on a famfs
# image next to this project's fsck.famfs, as docs/delete.md ("What the
# reference famfs reports") did for a deletion-enabled file system.
#
#   scripts/reference-fsck.sh IMAGE REFERENCE_BINARY [FSCK_FAMFS]
#
# Not run by scripts/test.sh or CI: neither has a reference binary (the
# reference is not packaged for Debian). Needs root (losetup, unshare).
#
# REFERENCE_BINARY is the reference's `famfs` CLI, or a build of its fsck
# and logplay functions that takes the same `fsck [-h] [-v] DEVICE` and
# `logplay -n -v DEVICE` arguments. The reference fsck takes a block or dax
# device, not a regular file, so IMAGE is attached read-only to a loop
# device. It runs in a private mount namespace with a tmpfs on /opt: the
# reference creates /opt/famfs/system_uuid when it is missing, which would
# change this host's system UUID for famfsd too. SYSTEM_UUID=U puts U in
# that file first (U = the superblock's master UUID makes it the master's
# view; by default it is a client with a random UUID). FSCK_FAMFS defaults
# to build/famfsd/tools/fsck.famfs. Exits with the reference fsck's status
# (without options); the outputs go to standard output.
set -uo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 IMAGE REFERENCE_BINARY [FSCK_FAMFS]" >&2
  exit 2
fi
image=$1
ref=$(realpath -e "$2") || exit 2
fsck=${3:-$(dirname "$0")/../build/famfsd/tools/fsck.famfs}
if [ ! -f "$image" ]; then
  echo "$0: $image is not a regular file" >&2
  exit 2
fi
if [ ! -x "$ref" ]; then
  echo "$0: $ref is not executable" >&2
  exit 2
fi
if [ "$(id -u)" != 0 ]; then
  echo "$0: needs root (losetup, unshare)" >&2
  exit 2
fi

loop=$(losetup -f --show -r "$image") || exit 1
trap 'losetup -d "$loop"' EXIT

# reference COMMAND...: runs the reference binary with a private /opt
reference() {
  # shellcheck disable=SC2016 # the inner script expands its own variables
  unshare -m --propagation private bash -c '
    mount -t tmpfs famfs-ref-opt /opt || exit 1
    if [ -n "${SYSTEM_UUID:-}" ]; then
      mkdir -p /opt/famfs && printf "%s\n" "$SYSTEM_UUID" > /opt/famfs/system_uuid
    fi
    exec "$@"' bash "$ref" "$@"
}

status=0
for opts in "" "-v" "-h"; do
  echo "== reference: famfs fsck ${opts:+$opts }$loop ($image)"
  # shellcheck disable=SC2086 # opts is one option or none
  reference fsck $opts "$loop" 2>&1
  rc=$?
  echo "== exit status $rc"
  [ -z "$opts" ] && status=$rc
done

echo "== reference: famfs logplay -n -v $loop"
reference logplay -n -v "$loop" 2>&1
echo "== exit status $? (the reference CLI's logplay reads a mounted famfs;" \
  "if it refused the device, mount it on a reference host and run famfs logplay -n -v MOUNTPOINT there)"

echo "== fsck.famfs --verbose $image"
"$fsck" --verbose "$image" 2>&1
echo "== exit status $?"
exit "$status"
