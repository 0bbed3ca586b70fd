#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# famfs VM tests: /init of the test guests (busybox sh inside the initramfs
# that tests/vm/run.sh builds). The kernel console is ttyS0; check results go
# to ttyS1 (one "PASS ..."/"FAIL ..." line each), read by run.sh.
# Mode (kernel command line famfs_test=...):
#   main     pmem (memmap=) then devdax on the same memory: the full suite
#   share-a  nvdimm on a shared backing file: write files (fsdax, devdax)
#   share-b  same backing file, booted after share-a: read them back
#   famfsd, famfsd-a, famfsd-b  famfsd mounting through famfs.ko (famfsd.sh)
#   famfsd-bench  issue 11's numbers on a 1280 MiB devdax (famfsd_bench.sh)
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp /mnt /run
exec >/dev/ttyS1 2>&1

T=/bin/famfs-vmtest
mode=${famfs_test:-main}

# check TAG NAME CMD...: run CMD, report its status as one check
check() {
	tag=$1 name=$2
	shift 2
	"$@" >/tmp/cmd.log 2>&1
	rc=$?
	[ $rc -eq 0 ] || sed 's/^/  | /' /tmp/cmd.log
	$T check "$tag" "$name" "$rc"
	return $rc
}

wait_for() {
	i=0
	while [ ! -e "$1" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -e "$1" ]
}

# namespace (namespaceX.Y) behind a sysfs device path: the path itself
# (raw mode) or the "namespace" attribute of a pfn/dax seed on the way up
ns_of() {
	p=$(readlink -f "$1")
	while [ "$p" != / ] && [ -n "$p" ]; do
		case $(basename "$p") in
		namespace*) basename "$p"; return ;;
		esac
		if [ -f "$p/namespace" ]; then
			cat "$p/namespace"
			return
		fi
		p=$(dirname "$p")
	done
}
ns_of_pmem() { ns_of "/sys/block/$1/device"; }
ns_of_dax() { ns_of "/sys/bus/dax/devices/$1"; }

finish() {
	$T say "FAMFS-VM-END $mode"
	poweroff -f
	sleep 10
}

$T say "FAMFS-VM-BEGIN $mode $(uname -r)"
while read -r mod args; do
	insmod "/lib/modules/$mod" $args || echo "INFO insmod $mod failed"
done </lib/modules/load.list
check boot "insmod famfs.ko" insmod /lib/modules/famfs.ko || finish

case "$mode" in
main)
	check main "/dev/pmem0 present" wait_for /dev/pmem0 || finish
	$T mount-errors /dev/pmem0 /mnt
	if wait_for /dev/pmem1; then
		$T small-dev /dev/pmem1 /mnt
	else
		$T check main "/dev/pmem1 (8 MiB) present" 1
	fi
	$T fs pmem /dev/pmem0 /mnt
	$T interop pmem /dev/pmem0 /mnt
	$T stress /dev/pmem0 /mnt 3
	$T delete pmem /dev/pmem0 /mnt
	$T hwpoison /dev/pmem0 /mnt
	ns=$(ns_of_pmem pmem0)
	$T shutdown pmem /dev/pmem0 /mnt
	$T remove pmem /dev/pmem0 /mnt "$ns"
	check main "ndctl create-namespace -f -e $ns --mode=devdax --align=2M" \
		ndctl create-namespace -f -e "$ns" --mode=devdax --align=2M
	if check main "/dev/dax0.0 present" wait_for /dev/dax0.0; then
		$T fs devdax /dev/dax0.0 /mnt
		$T interop devdax /dev/dax0.0 /mnt
		$T stress /dev/dax0.0 /mnt 3
		$T delete devdax /dev/dax0.0 /mnt
		$T bench /dev/dax0.0 /mnt
		$T shutdown devdax /dev/dax0.0 /mnt
		$T remove devdax /dev/dax0.0 /mnt "$ns"
		$T remove devdax-ns /dev/dax0.0 /mnt "$ns"
	fi
	check main "rmmod famfs" rmmod famfs
	;;
share-a)
	# the nvdimm's label area starts empty: one label-less namespace
	# (raw, no DAX) covering region0; reconfigure it in place
	check share-A "/dev/pmem0 (raw nvdimm namespace) present" wait_for /dev/pmem0
	ns=$(ns_of_pmem pmem0)
	check share-A "region0 align 2 MiB" sh -c 'echo 0x200000 >/sys/bus/nd/devices/region0/align'
	check share-A "ndctl create-namespace -f -e $ns --mode=fsdax" \
		ndctl create-namespace -f -e "${ns:-namespace0.0}" --mode=fsdax --align=2M &&
		wait_for /dev/pmem0 && $T share-write pmem /dev/pmem0 /mnt
	check share-A "ndctl create-namespace -f -e $ns --mode=devdax" \
		ndctl create-namespace -f -e "${ns:-namespace0.0}" --mode=devdax --align=2M &&
		wait_for /dev/dax0.0 && $T share-write devdax /dev/dax0.0 /mnt
	# virtio-pmem (asynchronous flush): region1
	check share-A "/dev/pmem1 (virtio-pmem) present" wait_for /dev/pmem1 &&
		$T async /dev/pmem1 /mnt
	;;
share-b)
	# the devdax info block guest A wrote into the shared memory is found
	check share-B "/dev/dax0.0 present from guest A's namespace" wait_for /dev/dax0.0 &&
		$T share-read devdax /dev/dax0.0 /mnt
	ns=$(ns_of_dax dax0.0)
	check share-B "region0 align 2 MiB" sh -c 'echo 0x200000 >/sys/bus/nd/devices/region0/align'
	check share-B "ndctl create-namespace -f -e $ns --mode=fsdax" \
		ndctl create-namespace -f -e "${ns:-namespace0.0}" --mode=fsdax --align=2M &&
		wait_for /dev/pmem0 && $T share-read pmem /dev/pmem0 /mnt
	;;
famfsd)
	. /bin/famfsd-guest.sh
	famfsd_main
	;;
famfsd-a)
	. /bin/famfsd-guest.sh
	famfsd_share_a
	;;
famfsd-b)
	. /bin/famfsd-guest.sh
	famfsd_share_b
	;;
famfsd-bench)
	. /bin/famfsd-guest.sh
	. /bin/famfsd-bench.sh
	famfsd_bench_main
	;;
*)
	$T check boot "known mode '$mode'" 1
	;;
esac
finish
