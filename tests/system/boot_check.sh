#!/usr/bin/env bash
# Boots a Debian root image (with famfs installed, made by run.sh) in qemu
# (TCG) under Debian's kernel with real systemd, udev and D-Bus, and lets
# guest_check.sh run there. The kernel is Debian's linux-image package
# (apt-get download + dpkg -x, cached); a busybox initramfs loads the
# virtio, ext4 and nvdimm/dax modules and switches to the image's systemd.
#
# Usage: boot_check.sh ROOT_IMAGE CONSOLE_LOG CACHE_DIR
# Exits 0 when the guest printed "BOOTCHECK END"; the console log holds the
# guest's BOOTCHECK PASS/FAIL lines.
set -euo pipefail

image=$1 console=$2 cache=$3
timeout=${FAMFS_SYSTEST_BOOT_TIMEOUT:-420}

# The Debian 6.1 kernel whose headers are installed (never the running one).
kver=$(ls -d /usr/src/linux-headers-*-amd64 | sed 's|.*/linux-headers-||' | sort -V | head -n 1)
kdir=$cache/kernel-$kver
if [[ ! -f $kdir/vmlinuz || ! -f $kdir/tree/lib/modules/$kver/modules.dep ]]; then
    rm -rf "$kdir" && mkdir -p "$kdir/dl"
    (cd "$kdir/dl" && apt-get -o APT::Sandbox::User=root -q download "linux-image-$kver") </dev/null
    dpkg -x "$kdir"/dl/linux-image-*.deb "$kdir/tree"
    depmod -b "$kdir/tree" "$kver"
    cp "$kdir/tree/boot/vmlinuz-$kver" "$kdir/vmlinuz"
    rm -rf "$kdir/dl"
fi

# The initramfs: busybox and the modules the guest needs before its root is
# mounted (in dependency order), then switch_root to systemd.
work=$(dirname "$console")/initramfs
rm -rf "$work" && mkdir -p "$work"/{bin,dev,proc,sys,newroot,lib/modules}
cp /bin/busybox "$work/bin/busybox"
file "$work/bin/busybox" | grep -q 'statically linked' || {
    echo "boot_check: /bin/busybox is not static (install busybox-static)"
    exit 1
}
: >"$work/modules.order"
for mod in virtio_pci virtio_blk ext4 nd_e820 nd_pmem dax_pmem device_dax; do
    modprobe -C /dev/null -d "$kdir/tree" -S "$kver" --show-depends "$mod" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
    name=$(basename "$ko")
    case $name in
    *.xz) xz -dc "$ko" >"$work/lib/modules/${name%.xz}" && name=${name%.xz} ;;
    *.zst) zstd -qdc "$ko" >"$work/lib/modules/${name%.zst}" && name=${name%.zst} ;;
    *) cp "$ko" "$work/lib/modules/$name" ;;
    esac
    echo "$name" >>"$work/modules.order"
done
cat >"$work/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.order); do insmod "/lib/modules/$m" 2>/dev/null; done
i=0
while [ ! -b /dev/vda ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if ! mount -t ext4 -o rw /dev/vda /newroot; then
    echo "BOOTCHECK FAIL initramfs: cannot mount the root image"
    echo "BOOTCHECK END"
    poweroff -f
fi
mount --move /dev /newroot/dev
umount /sys /proc
exec switch_root /newroot /lib/systemd/systemd
EOF
chmod +x "$work/init"
(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) >"$work.cpio.gz"

# 3 GiB of RAM of which 512 MiB at 2 GiB become /dev/pmem0.
rm -f "$console"
timeout "$timeout" qemu-system-x86_64 -machine pc -cpu max -m 3G -smp 2 \
    -nographic -no-reboot -serial "file:$console" -monitor none \
    -kernel "$kdir/vmlinuz" -initrd "$work.cpio.gz" \
    -append "console=ttyS0 memmap=512M!2G panic=-1 rw systemd.unit=multi-user.target systemd.show_status=0 loglevel=4" \
    -drive "file=$image,format=raw,if=virtio,snapshot=on" \
    -nic none </dev/null >/dev/null 2>&1 || true
grep -q 'BOOTCHECK END' "$console"
