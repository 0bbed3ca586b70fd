#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# famfs VM test tier: famfs.ko in qemu guests (TCG, no KVM needed).
#
# For every Debian kernel whose headers are installed
# (/usr/src/linux-headers-*-amd64; 6.1, plus 6.12 when Debian offers it):
#   - builds famfs.ko (warnings are failures) and the static guest test
#     program (tests/vm/*.c),
#   - fetches the matching kernel image (tests/vm/kernels.sh: apt-get download + dpkg -x; cached
#     in tests/vm/out/kernel-<ver>/),
#   - packs busybox, the test program, famfs.ko, the nvdimm/dax/brd modules
#     and ndctl/daxctl with their libraries into an initramfs,
#   - boots guests: "main" (pmem from memmap=, then devdax on the same memory:
#     the full suite), "share" (two guests on one nvdimm backing file, A
#     writes, B reads),
#   - counts every check line, and fails on a missing end marker, a qemu
#     timeout, or Oops/BUG/WARNING in a guest console log.
# Ends with "N passed, N failed"; exits non-zero on any failure.
#
# Run as root on Debian 12, no stdin needed:   bash tests/vm/run.sh
# Env: FAMFS_VM_JOBS     guests run at once (default: number of CPUs)
#      FAMFS_VM_TIMEOUT  seconds per guest boot (default 300)
#      FAMFS_VM_GUESTS   space-separated guest jobs to limit the run to
#                        (main share famfsd famfsd-share oldest famfsd_bench;
#                        default all; oldest: the main and famfsd guests on the
#                        oldest 6.1; famfsd_bench: issue 11's numbers, once)
#      FAMFS_VM_KERNELS  space-separated kernel versions to limit the run to
#      FAMFS_BUILD_DIR   meson build tree with famfsd, famfsctl, mkfs.famfs for
#                        the famfsd guests (default: build)
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
ROOT=$PWD
VM=$ROOT/tests/vm
OUT=$VM/out
mkdir -p "$OUT"
T0=$SECONDS
# one run at a time per tree (shared caches, in-tree module build)
exec 9>"$OUT/.lock"
if ! flock -n 9; then
	echo "another tests/vm/run.sh is running in this tree; waiting for it"
	flock 9
fi
JOBS=${FAMFS_VM_JOBS:-$(nproc)}
BUILD=${FAMFS_BUILD_DIR:-$ROOT/build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
TIMEOUT=${FAMFS_VM_TIMEOUT:-300}
GUESTS=${FAMFS_VM_GUESTS:-main share famfsd famfsd-share oldest famfsd_bench}
want_guest() { [[ " $GUESTS " == *" $1 "* ]]; }
export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -o DPkg::Lock::Timeout=600 -o APT::Sandbox::User=root -q -y)

passed=0
failed=0
pass() { echo "PASS host: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL host: $*"; failed=$((failed + 1)); }
check() { # check NAME CMD...: one host check, output shown on failure
	local name=$1 log
	shift
	log=$(mktemp)
	if "$@" >"$log" 2>&1; then
		pass "$name"
	else
		tail -n 40 "$log" | sed 's/^/  | /'
		fail "$name"
	fi
	rm -f "$log"
}
finish() {
	echo "vm tier run time: $((SECONDS - T0)) s"
	echo "$passed passed, $failed failed"
	[[ $failed -eq 0 ]]
	exit $?
}

# ---------------------------------------------------------------- packages

# shellcheck source=tests/vm/kernels.sh
. "$VM/kernels.sh"

installed() { dpkg-query -W -f '${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
apt_updated=0
apt_update() {
	((apt_updated)) && return 0
	apt_updated=1
	"${APT[@]}" update </dev/null
}
# The 6.12 headers depend on the 6.12 image, whose install would build an
# initramfs for the host (minutes). In a container (CI) or a chroot the host
# never boots it: skip that step there. On a machine that boots from /boot
# keep it.
host_boots_kernels() {
	[[ ! -e /.dockerenv && ! -e /run/.containerenv ]] && ! in_chroot &&
		grep -qxE 'systemd|init' /proc/1/comm 2>/dev/null
}
# a chroot: init's root (when we may see it) is not ours
in_chroot() {
	local init_root
	init_root=$(stat -L -c %d:%i /proc/1/root/ 2>/dev/null) || return 1
	[[ $init_root != "$(stat -c %d:%i /)" ]]
}
apt_install() {
	if host_boots_kernels; then
		"${APT[@]}" install --no-install-recommends "$@" </dev/null
	else
		INITRD=No "${APT[@]}" install --no-install-recommends "$@" </dev/null
	fi
}

deps() {
	local p missing=() h612
	for p in linux-headers-amd64 qemu-system-x86 busybox-static ndctl daxctl \
		gcc make libc6-dev xz-utils zstd cpio kmod; do
		installed "$p" || missing+=("$p")
	done
	if ((${#missing[@]})); then
		echo "installing ${missing[*]}"
		apt_update || return 1
		apt_install "${missing[@]}" || return 1
	fi
	if ! compgen -G "/usr/src/linux-headers-6.12*-amd64" >/dev/null; then
		apt_update || echo "apt-get update failed; continuing with what is installed"
		h612=$(find_612_headers)
		if [[ -n $h612 ]]; then
			echo "installing $h612"
			apt_install "$h612" || echo "6.12 headers not installed; testing the other kernels only"
		else
			echo "no 6.12 headers available; testing the other kernels only"
		fi
	fi
	return 0
}

echo "== vm tier: dependencies"
check "packages installed (apt-get)" deps
for t in qemu-system-x86_64 busybox ndctl daxctl gcc make cpio modprobe depmod xz dpkg-deb; do
	command -v "$t" >/dev/null || { fail "tool $t missing"; finish; }
done

# kernels whose headers are installed (generic amd64 flavour only)
KVERS=()
for d in $(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V); do
	v=${d#/usr/src/linux-headers-}
	case $v in *-rt-amd64 | *-cloud-amd64) continue ;; esac
	[[ -f $d/Module.symvers ]] || continue
	if [[ -n ${FAMFS_VM_KERNELS:-} && " $FAMFS_VM_KERNELS " != *" $v "* ]]; then
		continue
	fi
	KVERS+=("$v")
done
if ((${#KVERS[@]} == 0)); then
	fail "no /usr/src/linux-headers-*-amd64 installed"
	finish
fi
echo "kernels: ${KVERS[*]}"

# ---------------------------------------------------------------- builds

echo "== vm tier: builds ($((SECONDS - T0)) s elapsed)"
# guest test program: static, kernel independent
rm -f "$OUT/famfs-vmtest"
check "build guest test program (gcc -static -Werror)" \
	gcc -static -O2 -Wall -Wextra -Werror -I"$ROOT/module/include/uapi" \
	-o "$OUT/famfs-vmtest" "$VM"/*.c

# famfsd guests: the project's programs must be built
famfsd_built() {
	local pair
	for pair in "${FAMFSD_BINS[@]}"; do
		[[ -x $BUILD/${pair%%:*} ]] || { echo "$BUILD/${pair%%:*} missing (meson setup build && ninja -C build)"; return 1; }
	done
	command -v dbus-daemon >/dev/null || { echo "dbus-daemon missing (apt-get install dbus)"; return 1; }
}
check "famfsd, famfsctl, mkfs.famfs built in $BUILD; dbus-daemon installed" famfsd_built

copy_with_libs() { # copy_with_libs DESTROOT BINARY...
	local dest=$1 b
	shift
	for b in "$@"; do
		install_with_libs "$dest" "$b" "$b" || return 1
	done
}

install_with_libs() { # install_with_libs DESTROOT BINARY PATH-IN-DESTROOT
	local dest=$1 b=$2 to=$3 l
	install -D -m 0755 "$b" "$dest$to" || return 1
	for l in $(ldd "$b" | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i}'); do
		[[ -e $dest$l ]] || install -D -m 0755 "$(readlink -f "$l")" "$dest$l" || return 1
	done
}

FAMFSD_BINS=(famfsd/famfsd:/usr/sbin/famfsd cli/famfsctl:/usr/bin/famfsctl
	famfsd/tools/mkfs.famfs:/usr/sbin/mkfs.famfs)
# famfsd, famfsctl, mkfs.famfs (from $BUILD), dbus-daemon and a private bus
# configuration for the famfsd guests
pack_famfsd() { # DESTROOT
	local ir=$1 pair
	for pair in "${FAMFSD_BINS[@]}"; do
		install_with_libs "$ir" "$BUILD/${pair%%:*}" "${pair#*:}" || return 1
	done
	install_with_libs "$ir" "$(command -v dbus-daemon)" /usr/bin/dbus-daemon || return 1
	# util-linux flock(1): holds .meta/.log as the reference CLI does
	install_with_libs "$ir" "$(command -v flock)" /usr/bin/flock || return 1
	install -m 0644 "$VM/famfsd.sh" "$ir/bin/famfsd-guest.sh" || return 1
	install -m 0644 "$VM/famfsd_bench.sh" "$ir/bin/famfsd-bench.sh" || return 1
	echo "root:x:0:0:root:/root:/bin/sh" >"$ir/etc/passwd"
	echo "root:x:0:" >"$ir/etc/group"
	echo "0123456789abcdef0123456789abcdef" >"$ir/etc/machine-id"
	cat >"$ir/etc/famfs-test-bus.conf" <<-'EOF_BUS'
	<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
	 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
	<busconfig>
	  <type>system</type>
	  <listen>unix:path=/run/famfs-test-bus</listen>
	  <auth>EXTERNAL</auth>
	  <policy context="default">
	    <allow user="*"/>
	    <allow own="*"/>
	    <allow send_destination="*" eavesdrop="true"/>
	    <allow eavesdrop="true"/>
	  </policy>
	</busconfig>
	EOF_BUS
}

build_initramfs() {
	local kver=$1 kd=$OUT/kernel-$1 ir=$OUT/kernel-$1/initramfs a
	rm -rf "$ir"
	mkdir -p "$ir"/{bin,sbin,usr/bin,usr/sbin,lib/modules,proc,sys,dev,tmp,mnt,run,etc}
	cp /bin/busybox "$ir/bin/busybox" || return 1
	for a in $("$ir/bin/busybox" --list); do
		[[ -e $ir/bin/$a ]] || ln -s busybox "$ir/bin/$a"
	done
	cp "$OUT/famfs-vmtest" "$ir/bin/" || return 1
	install -m 0755 "$VM/init.sh" "$ir/init" || return 1
	copy_with_libs "$ir" "$(command -v ndctl)" "$(command -v daxctl)" || return 1
	pack_famfsd "$ir" || return 1
	cp "$kd"/modules/* "$ir/lib/modules/" || return 1
	cp "$kd/famfs.ko" "$ir/lib/modules/famfs.ko" || return 1
	(cd "$ir" && find . | cpio -o -H newc -R 0:0 --quiet) >"$kd/initramfs.cpio" || return 1
	rm -rf "$ir"
}

OLDEST=$(oldest_61)
if [[ -z $OLDEST ]]; then
	fail "apt offers a Debian 6.1 headers package (apt-cache search linux-headers-6.1.0-*-amd64)"
elif [[ ! -d /usr/src/linux-headers-$OLDEST ]]; then
	# the oldest 6.1 also boots (main suite guest: module tests, removal)
	if want_guest oldest && [[ -f $OUT/famfs-vmtest ]]; then
		check "kernel image and modules for $OLDEST (apt-get download, cached)" fetch_kernel "$OLDEST" ||
			OLDEST_BOOT=0
	fi
	rm -f "$OUT/kernel-$OLDEST/famfs.ko"
	check "build famfs.ko against the oldest 6.1 headers apt offers ($OLDEST), no warnings" \
		build_module_oldest "$OLDEST"
	if want_guest oldest && [[ -f $OUT/kernel-$OLDEST/famfs.ko && ${OLDEST_BOOT:-1} == 1 ]]; then
		check "initramfs for $OLDEST" build_initramfs "$OLDEST" && OLDEST_READY=$OLDEST
		rm -f "$OUT/kernel-$OLDEST/famfs.ko"
	fi
fi

READY=()
for kver in "${KVERS[@]}"; do
	ok=1
	check "kernel image and modules for $kver (apt-get download, cached)" fetch_kernel "$kver" || ok=0
	if ((ok)); then
		check "build famfs.ko against $kver headers, no warnings" build_module "$kver"
		[[ -f $OUT/kernel-$kver/famfs.ko ]] || ok=0
	fi
	if ((ok)) && [[ -f $OUT/famfs-vmtest ]]; then
		check "initramfs for $kver" build_initramfs "$kver"
		[[ -f $OUT/kernel-$kver/initramfs.cpio ]] || ok=0
	else
		ok=0
	fi
	((ok)) && READY+=("$kver")
	rm -f "$OUT/kernel-$kver/famfs.ko"
done
# a failed build leaves nothing stale behind for the guests
for kver in "${KVERS[@]}"; do
	[[ " ${READY[*]} " == *" $kver "* ]] || rm -f "$OUT/kernel-$kver/initramfs.cpio"
done

# ---------------------------------------------------------------- guests

# boot DIR KVER MODE MEM APPEND QEMU-ARGS...: one guest, results in DIR.
# no_timer_check: under TCG on a loaded host the kernel's IO-APIC timer check
# can fail at boot ("IO-APIC + timer doesn't work!" panic, seen on 6.12)
boot() {
	local dir=$1 kver=$2 mode=$3 mem=$4 append=$5 t rc
	shift 5
	mkdir -p "$dir"
	t=$SECONDS
	timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -machine pc -smp "${SMP:-1}" -m "$mem" \
		-nodefaults -display none -no-reboot \
		-kernel "$OUT/kernel-$kver/vmlinuz" -initrd "$OUT/kernel-$kver/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 oops=panic no_timer_check rdinit=/init famfs_test=$mode $append" \
		-serial "file:$dir/console.log" -serial "file:$dir/results.log" \
		"$@" >"$dir/qemu.log" 2>&1 </dev/null
	rc=$?
	echo "$rc $((SECONDS - t))" >"$dir/status"
}

job_main() { # KVER
	# 2 vCPUs: the stress test needs real parallelism
	SMP=2 boot "$OUT/run-$1/main" "$1" main 3G "memmap=512M!2G memmap=8M!2600M"
}

# KVER: guest A writes, then guest B (same nvdimm backing file) reads.
# Guest A also gets an (asynchronous) virtio-pmem device for MAP_SYNC.
job_share() {
	local mem=$OUT/run-$1/shared.mem vp=$OUT/run-$1/virtio-pmem.mem nv
	mkdir -p "$OUT/run-$1"
	rm -f "$mem" "$vp"
	truncate -s 512M "$mem"
	truncate -s 32M "$vp"
	nv=(-machine pc,nvdimm=on -m 3G,slots=4,maxmem=8G
		-object "memory-backend-file,id=m1,share=on,mem-path=$mem,size=512M,align=2M"
		-device nvdimm,memdev=m1,label-size=128K)
	boot "$OUT/run-$1/share-a" "$1" share-a 3G "" "${nv[@]}" \
		-object "memory-backend-file,id=vp1,share=on,mem-path=$vp,size=32M" \
		-device virtio-pmem-pci,memdev=vp1,id=vpmem1
	boot "$OUT/run-$1/share-b" "$1" share-b 3G "" "${nv[@]}"
	rm -f "$mem" "$vp"
}

# KVER: famfsd mounting through famfs.ko in one guest (pmem, then devdax)
job_famfsd() {
	boot "$OUT/run-$1/famfsd" "$1" famfsd 3G "memmap=512M!2G"
}

# KVER: issue 11's numbers that need a 1 GiB file (famfsd_bench.sh): 1280
# MiB of pmem at 4 GiB, above qemu pc's PCI hole (the guest keeps 3.75 GiB
# of RAM for the 1 GiB source, memcpy's buffers, two 123k-node trees and
# the 491k-node tree of the 256 MiB log)
job_famfsd_bench() {
	TIMEOUT=${FAMFS_VM_BENCH_TIMEOUT:-1500} boot "$OUT/run-$1/famfsd-bench" "$1" famfsd-bench 5G "memmap=1280M!4G"
}

# KVER: famfsd master in guest A, client in guest B, one nvdimm backing
# file, both running at once: B boots once A has formatted the device, is
# serving it and printed FAMFSD-A-READY; then they talk through the mapping.
job_famfsd_share() {
	local mem=$OUT/run-$1/famfsd-shared.mem nv a=$OUT/run-$1/famfsd-a pid
	mkdir -p "$OUT/run-$1"
	rm -f "$mem"
	truncate -s 512M "$mem"
	nv=(-machine pc,nvdimm=on -m 3G,slots=4,maxmem=8G
		-object "memory-backend-file,id=m1,share=on,mem-path=$mem,size=512M,align=2M"
		-device nvdimm,memdev=m1,label-size=128K)
	boot "$a" "$1" famfsd-a 3G "" "${nv[@]}" &
	pid=$!
	while ! grep -q '^FAMFSD-A-READY' "$a/results.log" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do
		sleep 1
	done
	if grep -q '^FAMFSD-A-READY' "$a/results.log" 2>/dev/null; then
		boot "$OUT/run-$1/famfsd-b" "$1" famfsd-b 3G "" "${nv[@]}"
	fi
	wait "$pid"
	rm -f "$mem"
}

echo "== vm tier: guests ($((SECONDS - T0)) s elapsed; ${READY[*]:-none}; $JOBS at a time, TCG)"
for kver in "${READY[@]}"; do
	rm -rf "$OUT/run-$kver"
done
[[ -n ${OLDEST_READY:-} ]] && rm -rf "$OUT/run-$OLDEST_READY"
running=0
# the longest guest first (it runs once, on the first kernel: the numbers do
# not depend on it), then the oldest 6.1's guests, then the rest
for job in "famfsd_bench:${READY[0]:-}" ${OLDEST_READY:+main:$OLDEST_READY famfsd:$OLDEST_READY} "${READY[@]/#/main:}" \
	"${READY[@]/#/share:}" "${READY[@]/#/famfsd:}"; do
	[[ $job == *: ]] && continue
	want_guest "${job%%:*}" || [[ ${job#*:} == "${OLDEST_READY:-}" ]] || continue
	if ((running >= JOBS)); then
		wait -n
		running=$((running - 1))
	fi
	"job_${job%%:*}" "${job#*:}" &
	running=$((running + 1))
done
wait
# two guests at once each: one pair at a time, after the rest (under TCG a
# starved guest stalls, and the pair must not slow the others down)
if want_guest famfsd-share; then
	for kver in "${READY[@]}"; do
		job_famfsd_share "$kver"
	done
fi

# ---------------------------------------------------------------- verdicts

BENCH=()
evaluate() { # DIR LABEL
	local dir=$1 label=$2 rc secs line bad
	read -r rc secs <"$dir/status" 2>/dev/null || { rc=x; secs=?; }
	echo "-- $label: qemu exit $rc after ${secs} s"
	if [[ -f $dir/results.log ]]; then
		while IFS= read -r line; do
			line=${line%$'\r'}
			case $line in
			PASS\ *) passed=$((passed + 1)); echo "PASS [$label] ${line#PASS }" ;;
			FAIL\ *) failed=$((failed + 1)); echo "FAIL [$label] ${line#FAIL }" ;;
			BENCH\ *) BENCH+=("[$label] ${line#BENCH }"); echo "BENCH [$label] ${line#BENCH }" ;;
			"") ;;
			*) echo "     [$label] $line" ;;
			esac
		done <"$dir/results.log"
	fi
	if [[ $rc == 124 || $rc == 137 ]]; then
		fail "[$label] guest finished within ${TIMEOUT} s (timed out)"
	elif [[ $rc != 0 ]]; then
		fail "[$label] qemu exit status 0 (got $rc)"
		sed 's/^/  | /' "$dir/qemu.log" | tail -n 20
	else
		pass "[$label] qemu finished in time"
	fi
	if grep -q "^FAMFS-VM-END" "$dir/results.log" 2>/dev/null; then
		pass "[$label] end marker reached"
	else
		fail "[$label] end marker reached"
		echo "  | last console lines:"
		tr -d '\r' <"$dir/console.log" 2>/dev/null | tail -n 30 | sed 's/^/  | /'
	fi
	bad=$(tr -d '\r' <"$dir/console.log" 2>/dev/null |
		grep -nE 'Oops|BUG:|WARNING:|Kernel panic|Call Trace|general protection' | head -n 5)
	if [[ -z $bad && -s $dir/console.log ]]; then
		pass "[$label] console log free of Oops/BUG/WARNING"
	else
		fail "[$label] console log free of Oops/BUG/WARNING"
		echo "$bad" | sed 's/^/  | /'
		grep -nE -A 25 'Oops|BUG:|WARNING:|Kernel panic' "$dir/console.log" 2>/dev/null |
			tr -d '\r' | head -n 60 | sed 's/^/  | /'
	fi
}

if [[ -n ${OLDEST_READY:-} ]]; then
	evaluate "$OUT/run-$OLDEST_READY/main" "$OLDEST_READY main (oldest 6.1)"
	evaluate "$OUT/run-$OLDEST_READY/famfsd" "$OLDEST_READY famfsd (oldest 6.1)"
	read -r _ osecs <"$OUT/run-$OLDEST_READY/main/status" 2>/dev/null
	read -r _ fsecs <"$OUT/run-$OLDEST_READY/famfsd/status" 2>/dev/null
	echo "     oldest 6.1 guests ($OLDEST_READY): main ${osecs:-?} s + famfsd ${fsecs:-?} s of guest time added (run $JOBS at a time with the others)"
elif want_guest oldest; then
	fail "the oldest 6.1 kernel apt offers (${OLDEST:-none}) booted"
fi
for kver in "${READY[@]}"; do
	want_guest main && evaluate "$OUT/run-$kver/main" "$kver main"
	if want_guest share; then
		evaluate "$OUT/run-$kver/share-a" "$kver share-A"
		evaluate "$OUT/run-$kver/share-b" "$kver share-B"
	fi
	want_guest famfsd && evaluate "$OUT/run-$kver/famfsd" "$kver famfsd"
	if want_guest famfsd-share; then
		evaluate "$OUT/run-$kver/famfsd-a" "$kver famfsd-A"
		if [[ -d $OUT/run-$kver/famfsd-b ]]; then
			evaluate "$OUT/run-$kver/famfsd-b" "$kver famfsd-B"
		else
			fail "[$kver famfsd-B] booted (guest A never printed FAMFSD-A-READY)"
		fi
	fi
done

if [[ -n ${READY[0]:-} ]] && want_guest famfsd_bench; then
	evaluate "$OUT/run-${READY[0]}/famfsd-bench" "${READY[0]} famfsd-bench"
	read -r _ secs <"$OUT/run-${READY[0]}/famfsd-bench/status" 2>/dev/null &&
		echo "famfsd-bench guest (issue 11's numbers): $secs s of the tier's run time"
fi

echo "== vm tier: summary ($((SECONDS - T0)) s elapsed)"
for line in "${BENCH[@]}"; do
	echo "BENCH $line"
done
finish
