#!/usr/bin/env bash
# The Debian 6.1 kernel the system guests boot: the one whose headers are
# installed on the host (never the running one), so the famfs.ko DKMS builds
# from them loads in the guest. Fetches its linux-image package once
# (apt-get download + dpkg -x, cached in CACHE_DIR/kernel-KVER) and prints
# that directory: vmlinuz and tree/lib/modules/KVER (with modules.dep).
#
# Usage: kernel_tree.sh CACHE_DIR
set -euo pipefail

cache=$1
kver=$(ls -d /usr/src/linux-headers-*-amd64 | sed 's|.*/linux-headers-||' | sort -V | head -n 1)
kdir=$cache/kernel-$kver
if [[ ! -f $kdir/vmlinuz || ! -f $kdir/tree/lib/modules/$kver/modules.dep ]]; then
    rm -rf "$kdir" && mkdir -p "$kdir/dl"
    (cd "$kdir/dl" && apt-get -o APT::Sandbox::User=root -q download "linux-image-$kver") </dev/null >&2
    dpkg -x "$kdir"/dl/linux-image-*.deb "$kdir/tree"
    depmod -b "$kdir/tree" "$kver"
    cp "$kdir/tree/boot/vmlinuz-$kver" "$kdir/vmlinuz"
    rm -rf "$kdir/dl"
fi
echo "$kdir"
