#!/usr/bin/env bash
# Installs the famfs .deb into a throwaway root: an overlay over the cached
# debootstrap base, so the base stays pristine. Called by run.sh as
#   unshare -m chroot_root.sh BASE OUTDIR ARCHIVES DEB BOOT
# OUTDIR holds DEB, installed_check.sh and the guest_*.sh scripts (and, when
# run.sh made them, famfs-mmap-check and guest-module/), and gets upper/,
# work/ and root/ (the overlay). With BOOT=1 the installed root also gets udev,
# ndctl, the guest test unit, famfs.ko for the guest kernel and the mmap
# checker, and becomes OUTDIR/root.img (ext4) for boot_check.sh.
set -euo pipefail

base=$1 o=$2 archives=$3 deb=$4 boot=$5
[[ -d $base/usr && -n $o && $o == /* && -d $o/root && -f $o/$deb ]] || {
    echo "chroot_root.sh: bad arguments: $*"
    exit 2
}
apt=(apt-get -o DPkg::Lock::Timeout=600 -q -y --no-install-recommends)

[[ $(readlink /proc/self/ns/mnt) != $(readlink /proc/1/ns/mnt) ]] || {
    echo "chroot_root.sh: run it in a private mount namespace (unshare -m)"
    exit 1
}
mount --make-rprivate /
r=$o/root
mount -t overlay famfs-systest -o "lowerdir=$base,upperdir=$o/upper,workdir=$o/work" "$r"
mount --bind /proc "$r/proc"
mount --bind /dev "$r/dev"
mount --bind "$archives" "$r/var/cache/apt/archives"
mkdir -p "$r/tmp/famfs"
mount --bind "$o" "$r/tmp/famfs"
cp /etc/resolv.conf "$r/etc/resolv.conf"

chroot "$r" "${apt[@]}" update
chroot "$r" "${apt[@]}" install "/tmp/famfs/$deb"
chroot "$r" dpkg -s famfs | grep -E '^(Status|Version):'
chroot "$r" sh /tmp/famfs/installed_check.sh

# The installed units, verified against the root they were installed in
# (ExecStart= and every unit they name must exist there).
verify=$(systemd-analyze verify --root="$r" --man=no \
    famfs@dax0.0.service famfs@pmem0.service famfs.target 2>&1) || true
if [[ -n $verify ]]; then
    echo "systemd-analyze verify --root: $verify"
    exit 1
fi
echo "systemd-analyze verify --root=<chroot> famfs@dax0.0.service famfs@pmem0.service famfs.target: clean"

[[ $boot == 1 ]] || exit 0

# What a node has besides: udev, ndctl to turn pmem into devdax, and kmod
# (depmod, modinfo; famfs-dkms pulls it in through dkms).
chroot "$r" "${apt[@]}" install udev ndctl kmod
install -m 755 "$o/guest_check.sh" "$r/usr/local/sbin/famfs-guest-check"
install -m 755 "$o/guest_mount.sh" "$r/usr/local/sbin/famfs-guest-mount"
install -m 755 "$o/guest_shared.sh" "$r/usr/local/sbin/famfs-guest-shared"
[[ ! -f $o/famfs-mmap-check ]] || install -m 755 "$o/famfs-mmap-check" "$r/usr/local/bin/famfs-mmap-check"
# famfs.ko as installing famfs-dkms leaves it (run.sh's guest_module), and
# depmod as dkms install runs it: systemd-modules-load loads it at boot.
if [[ -f $o/guest-module/kver ]]; then
    kver=$(cat "$o/guest-module/kver")
    # (/lib is a symlink to usr/lib in the root: copy into it, never over it)
    mkdir -p "$r/lib/modules" && cp -a "$o/guest-module/lib/modules/." "$r/lib/modules/"
    install -D -m 644 "$o/guest-module/usr/lib/modules-load.d/famfs.conf" "$r/usr/lib/modules-load.d/famfs.conf"
    chroot "$r" depmod "$kver"
    chroot "$r" modprobe -S "$kver" --show-depends famfs
fi
printf '%s\n' '[Unit]' 'Description=famfs system test inside the guest' 'After=multi-user.target' \
    '[Service]' 'Type=oneshot' 'ExecStart=/usr/local/sbin/famfs-guest-check' \
    'StandardOutput=journal+console' 'StandardError=journal+console' \
    '[Install]' 'WantedBy=multi-user.target' >"$r/etc/systemd/system/famfs-guest-check.service"
mkdir -p "$r/etc/systemd/system/multi-user.target.wants"
ln -sf ../famfs-guest-check.service "$r/etc/systemd/system/multi-user.target.wants/famfs-guest-check.service"
# Only the timing of the watchdog check: WATCHDOG=1 every 2 s, not 15 s.
mkdir -p "$r/etc/systemd/system/famfs@.service.d"
printf '[Service]\nWatchdogSec=4s\n' >"$r/etc/systemd/system/famfs@.service.d/watchdog-test.conf"
echo famfs-guest >"$r/etc/hostname"

umount "$r/tmp/famfs" "$r/var/cache/apt/archives" "$r/dev" "$r/proc"
rmdir "$r/tmp/famfs"
rm -f "$o/root.img"
mkfs.ext4 -q -F -L famfs-guest -d "$r" "$o/root.img" 2G
echo "root image: $o/root.img"
