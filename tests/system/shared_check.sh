#!/usr/bin/env bash
# Two systemd guests sharing one nvdimm backing file, as two hosts share CXL
# memory: the master guest formats the device and copies files in; the
# client guest boots once the master printed "BOOTCHECK MASTER-READY", and
# its famfs@dax0.0 (started by udev at boot) shows the master's files. Both
# boot the same root image (snapshot=on) under boot_check.sh; the kernel
# command line gives each its role (famfs_systest=, read by guest_shared.sh)
# and its machine id (systemd.machine_id=), from which famfsd derives the
# system UUID that makes it master or client.
#
# Usage: shared_check.sh ROOT_IMAGE OUTDIR CACHE_DIR
# Writes OUTDIR/shared-{master,client}-console.log; exits 0 when both guests
# reached "BOOTCHECK END". Prints how long each guest ran.
set -uo pipefail

image=$1 out=$2 cache=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mem=$out/shared-nvdimm.mem
m=$out/shared-master-console.log c=$out/shared-client-console.log
rm -f "$mem" "$m" "$c"
truncate -s 512M "$mem"
export FAMFS_SYSTEST_BOOT_TIMEOUT=${FAMFS_SYSTEST_BOOT_TIMEOUT:-600}

t0=$SECONDS
"$here/boot_check.sh" "$image" "$m" "$cache" "nvdimm=$mem" \
    "famfs_systest=master systemd.machine_id=f0f0f0f0aaaa4aaa8aaa000000000001 systemd.hostname=famfs-master" &
master=$!
while ! grep -q 'BOOTCHECK MASTER-READY' "$m" 2>/dev/null && kill -0 "$master" 2>/dev/null; do
    sleep 1
done
rc=0
if grep -q 'BOOTCHECK MASTER-READY' "$m" 2>/dev/null; then
    t1=$SECONDS
    echo "master ready after $((t1 - t0)) s; booting the client"
    "$here/boot_check.sh" "$image" "$c" "$cache" "nvdimm=$mem" \
        "famfs_systest=client systemd.machine_id=c1c1c1c1bbbb4bbb8bbb000000000002 systemd.hostname=famfs-client" || rc=1
    echo "client ran $((SECONDS - t1)) s"
else
    echo "the master never got ready"
    rc=1
fi
wait "$master" || rc=1
echo "master ran $((SECONDS - t0)) s; both guests $((SECONDS - t0)) s"
rm -f "$mem"
exit $rc
