#!/usr/bin/env bash
# Boots a Debian root image (with famfs installed, made by run.sh) in qemu
# (TCG) under Debian's kernel with real systemd, udev and D-Bus, and lets
# guest_check.sh run there. The kernel is Debian's linux-image package
# (kernel_tree.sh: apt-get download + dpkg -x, cached); a busybox initramfs
# loads the virtio, ext4 and nvdimm/dax modules and switches to the image's
# systemd.
#
# Usage: boot_check.sh ROOT_IMAGE CONSOLE_LOG CACHE_DIR [MEMORY [APPEND]]
#   MEMORY  memmap (default): 512 MiB of the guest's RAM at 2 GiB become
#           /dev/pmem0 (memmap=512M!2G);
#           nvdimm=FILE: an emulated NVDIMM on the shared backing FILE
#           (512 MiB, 128 KiB label area), as two hosts share CXL memory
#   APPEND  more kernel parameters (famfs_systest=ROLE, systemd.machine_id=)
# Exits 0 when the guest printed "BOOTCHECK END"; the console log holds the
# guest's BOOTCHECK PASS/FAIL lines. The image stays unchanged (snapshot=on),
# so several guests may boot it at once.
set -euo pipefail

image=$1 console=$2 cache=$3 memory=${4:-memmap} append=${5:-}
timeout=${FAMFS_SYSTEST_BOOT_TIMEOUT:-420}

kdir=$("$(dirname "${BASH_SOURCE[0]}")/kernel_tree.sh" "$cache")
kver=${kdir##*/kernel-}
case $memory in
memmap)
    mem=(-machine pc -m 3G)
    append="memmap=512M!2G $append"
    ;;
nvdimm=/*)
    mem=(-machine pc,nvdimm=on -m 3G,slots=2,maxmem=8G
        -object "memory-backend-file,id=m1,share=on,mem-path=${memory#nvdimm=},size=512M,align=2M"
        -device nvdimm,memdev=m1,label-size=128K)
    ;;
*)
    echo "boot_check: MEMORY is memmap or nvdimm=/ABSOLUTE/FILE, not '$memory'"
    exit 2
    ;;
esac

# The initramfs: busybox and the modules the guest needs before its root is
# mounted (in dependency order), then switch_root to systemd.
work=${console%.log}.initramfs
rm -rf "$work" && mkdir -p "$work"/{bin,dev,proc,sys,newroot,lib/modules}
cp /bin/busybox "$work/bin/busybox"
file "$work/bin/busybox" | grep -q 'statically linked' || {
    echo "boot_check: /bin/busybox is not static (install busybox-static)"
    exit 1
}
: >"$work/modules.order"
for mod in virtio_pci virtio_blk ext4 nd_e820 nfit nd_pmem dax_pmem device_dax; do
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

rm -f "$console"
timeout "$timeout" qemu-system-x86_64 "${mem[@]}" -cpu max -smp 2 \
    -nographic -no-reboot -serial "file:$console" -monitor none \
    -kernel "$kdir/vmlinuz" -initrd "$work.cpio.gz" \
    -append "console=ttyS0 $append panic=-1 rw systemd.unit=multi-user.target systemd.show_status=0 loglevel=4" \
    -drive "file=$image,format=raw,if=virtio,snapshot=on" \
    -nic none </dev/null >/dev/null 2>&1 || true
grep -q 'BOOTCHECK END' "$console"
