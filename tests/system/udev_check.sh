#!/usr/bin/env bash
# One `udevadm test` run of udev/60-famfs.rules on a fake device, with the
# system's own rules around it, in a private mount namespace so nothing
# reaches the host's /dev, /run/udev or /sys.
#
# Usage: unshare -m tests/system/udev_check.sh SCENARIO RULE PROBE MKFS
#   SCENARIO  dax-devdax  "add" of a device-dax bound to device_dax (coldplug):
#                         wants famfs@dax0.0
#             dax-bind    "bind" of device_dax to it (hotplug): wants famfs@dax0.0
#             dax-change  "change" of it: wants nothing (a stopped instance
#                         stays stopped)
#             dax-kmem    device-dax in system-ram mode (kmem): wants nothing
#             dax-unbound device-dax at hotplug, before a driver binds: nothing
#             pmem-famfs  "add" of pmem0 carrying famfs: wants famfs@pmem0,
#                         exports ID_FS_TYPE/ID_FS_UUID, gets a by-uuid link
#             pmem-famfs-change  "change" of it (a writer closed it): same
#                         properties and link, wants nothing
#             pmem-empty  pmem0 of zeros: wants nothing, no ID_FS_TYPE
#             pmem-corrupt pmem0 whose famfs superblock fails its CRC: nothing
#   RULE      the rule file; PROBE the famfs_probe binary; MKFS mkfs.famfs.
# Prints the properties udevadm computed; exits non-zero when an expectation
# fails.
set -euo pipefail

scenario=$1 rule=$2 probe=$3 mkfs=$4
case $scenario in
dax-bind) action=bind ;;
dax-change | pmem-famfs-change) action=change ;;
*) action=add ;;
esac

fail() {
    echo "udev_check: $scenario: $*" >&2
    exit 1
}

[[ $(readlink /proc/self/ns/mnt) != $(readlink /proc/1/ns/mnt) ]] ||
    fail "refusing to run outside a private mount namespace (use unshare -m)"
mount --make-rprivate /

work=$(mktemp -d)
# the tmpfs goes with the namespace; its empty mount point in /tmp must go too
trap 'umount -l "$work" 2>/dev/null; rmdir "$work"' EXIT
mount -t tmpfs famfs-udev-test "$work"

# /dev: a tmpfs with the few nodes udev and its helpers use, so the symlinks
# udev creates (/dev/disk/by-uuid, /dev/char, /dev/block) stay in here.
mkdir -p "$work/dev"
for node in null zero full random urandom; do
    touch "$work/dev/$node"
    mount --bind "/dev/$node" "$work/dev/$node"
done
# udev's database and its rules directory for the run.
mkdir -p "$work/run-udev/rules.d"

# The udev directory as the package lays it out: the system's rules and
# helpers plus ours (the rule calls famfs_probe by name, which udev resolves
# in its own directory).
udevdir=$(pkg-config --variable=udevdir udev 2>/dev/null || echo /lib/udev)
udevdir=$(readlink -f "$udevdir")
mkdir -p "$work/udev"
cp -a "$udevdir/." "$work/udev/"
cp "$rule" "$work/udev/rules.d/60-famfs.rules"
cp "$probe" "$work/udev/famfs_probe"

# A fake /sys (a tmpfs over it, in here only) holding one device directory
# with uevent and subsystem (and driver) links; SYSTEMD_DEVICE_VERIFY_SYSFS=0
# lets sd-device take it.
sys=$work/sys
mkdir -p "$sys"
case $scenario in
dax-*)
    dev=/sys/bus/dax/devices/dax0.0
    d=$sys${dev#/sys}
    mkdir -p "$d" "$sys/bus/dax/drivers/device_dax" "$sys/bus/dax/drivers/kmem"
    printf 'MAJOR=252\nMINOR=0\nDEVNAME=dax0.0\n' >"$d/uevent"
    ln -s ../../../../bus/dax "$d/subsystem"
    case $scenario in
    dax-devdax | dax-bind | dax-change) ln -s ../../../../bus/dax/drivers/device_dax "$d/driver" ;;
    dax-kmem) ln -s ../../../../bus/dax/drivers/kmem "$d/driver" ;;
    dax-unbound) ;;
    *) fail "unknown scenario" ;;
    esac
    ;;
pmem-*)
    dev=/sys/devices/platform/e820_pmem/ndbus0/region0/namespace0.0/block/pmem0
    d=$sys${dev#/sys}
    mkdir -p "$d" "$sys/class/block"
    printf 'MAJOR=259\nMINOR=0\nDEVNAME=pmem0\nDEVTYPE=disk\n' >"$d/uevent"
    ln -s ../../../../../../../../class/block "$d/subsystem"
    # The devnode the rule hands to famfs_probe: an image of the device.
    img=$work/dev/pmem0
    truncate -s 64M "$img"
    case $scenario in
    pmem-famfs | pmem-famfs-change | pmem-corrupt)
        "$mkfs" --system-uuid 11111111-2222-4333-8444-555555555555 "$img" >"$work/mkfs.out"
        ;;
    pmem-empty) ;;
    *) fail "unknown scenario" ;;
    esac
    if [[ $scenario == pmem-corrupt ]]; then
        # Flip one byte of the CRC-covered fs_uuid: magic still matches.
        printf '\xff' | dd of="$img" bs=1 seek=50 conv=notrunc status=none
    fi
    ;;
*) fail "unknown scenario" ;;
esac

mount --bind "$work/dev" /dev
mount --bind "$sys" /sys
mkdir -p /run/udev
mount --bind "$work/run-udev" /run/udev
mount --bind "$work/udev" "$udevdir"

out=$work/udevadm.out
SYSTEMD_DEVICE_VERIFY_SYSFS=0 SYSTEMD_LOG_LEVEL=debug \
    udevadm test --action="$action" "$dev" >"$out" 2>&1 || fail "udevadm test failed: $(tail -5 "$out")"

# Properties: the block after the blank line udevadm prints before them.
props=$work/props
sed -n '/^[A-Z_][A-Z0-9_]*=/p' "$out" >"$props"
cat "$props"

# The rule itself must parse: udev only logs rule errors. (A probe that
# finds no famfs "returned 1 (error), ignoring": that is expected.)
if grep -n '60-famfs.rules' "$out" | grep -v 'Command "famfs_probe [^"]*" returned [0-9]' |
    grep -Ei 'invalid|error|unknown|ignoring|failed|warning'; then
    fail "udev complains about 60-famfs.rules (above)"
fi

prop() { sed -n "s/^$1=//p" "$props"; }
wants=$(prop SYSTEMD_WANTS)
tags=$(prop CURRENT_TAGS)

case $scenario in
dax-devdax | dax-bind)
    [[ $wants == *famfs@dax0.0.service* ]] || fail "SYSTEMD_WANTS='$wants', expected famfs@dax0.0.service"
    [[ $tags == *:systemd:* ]] || fail "not tagged for systemd (CURRENT_TAGS='$tags')"
    ;;
dax-kmem | dax-unbound | dax-change)
    [[ $wants != *famfs@* ]] || fail "SYSTEMD_WANTS='$wants', expected no famfs@ instance"
    [[ $tags == *:systemd:* ]] || fail "not tagged for systemd (CURRENT_TAGS='$tags')"
    ;;
pmem-famfs | pmem-famfs-change)
    uuid=$(sed -n 's/^ *file system UUID *//p' "$work/mkfs.out")
    [[ -n $uuid ]] || fail "no UUID in mkfs.famfs output"
    if [[ $scenario == pmem-famfs ]]; then
        [[ $wants == *famfs@pmem0.service* ]] || fail "SYSTEMD_WANTS='$wants', expected famfs@pmem0.service"
    else
        [[ $wants != *famfs@* ]] || fail "SYSTEMD_WANTS='$wants' on a change event"
    fi
    [[ $(prop ID_FS_TYPE) == famfs ]] || fail "ID_FS_TYPE='$(prop ID_FS_TYPE)'"
    [[ $(prop ID_FS_UUID) == "$uuid" ]] || fail "ID_FS_UUID='$(prop ID_FS_UUID)', mkfs said $uuid"
    [[ $(prop FAMFS_MASTER_UUID) == 11111111-2222-4333-8444-555555555555 ]] ||
        fail "FAMFS_MASTER_UUID='$(prop FAMFS_MASTER_UUID)'"
    [[ $(prop DEVLINKS) == */dev/disk/by-uuid/$uuid* ]] || fail "no /dev/disk/by-uuid/$uuid in DEVLINKS='$(prop DEVLINKS)'"
    grep -q "Importing properties from results of 'famfs_probe /dev/pmem0'\|famfs_probe /dev/pmem0" "$out" ||
        fail "famfs_probe was not run on /dev/pmem0"
    ;;
pmem-empty | pmem-corrupt)
    [[ $wants != *famfs@* ]] || fail "SYSTEMD_WANTS='$wants' for a device without a valid famfs superblock"
    [[ $(prop ID_FS_TYPE) != famfs ]] || fail "ID_FS_TYPE=famfs for a device without a valid famfs superblock"
    grep -q "famfs_probe /dev/pmem0" "$out" || fail "famfs_probe was not run on /dev/pmem0"
    ;;
esac
echo "udev_check: $scenario: ok"
