# SPDX-License-Identifier: GPL-2.0
# famfs VM tests: famfsd (with a private dbus-daemon) in the guest, mounting
# through famfs.ko. Sourced by init.sh (it provides check, wait_for, ns_of_*,
# $T) for the modes
#   famfsd    pmem (memmap=), then devdax on the same memory: master mounts,
#             creates, copies (one file; cp -r of a tree: CommitFiles);
#             bytes through read(2), mmap and the raw device;
#             stop with a file open; restart replays into a fresh mount;
#             a device-dax unbind under famfsd with a file mapped (famfsd
#             exits 3, the unbind returns); pmem memory failure -> failed
#   famfsd-a  two guests on one nvdimm backing file: A is the master ...
#   famfsd-b  ... B the client, booted once A printed FAMFSD-A-READY; each
#             sees the other's stores through mmap, B's mount shows A's new
#             files by itself; then deletion (a delete-enabled file system):
#             a process on B maps victim, A removes it and creates a file of
#             the same size (other memory), B's process unmaps, A's next
#             file reuses victim's memory; the mapping never showed another
#             file's bytes. The guests hand over through stores in the
#             shared file ping (offsets 12288.. below).
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/famfs-test-bus
MASTER_UUID=11111111-2222-4333-8444-555555555555
CLIENT_UUID=99999999-2222-4333-8444-555555555555
MNT=/mnt/famfs

start_bus() {
	dbus-daemon --config-file=/etc/famfs-test-bus.conf --nofork --nopidfile >/tmp/dbus.log 2>&1 &
	wait_for /run/famfs-test-bus
}

# start_famfsd DEV UUID: famfsd --backend kernel on DEV, ready when it answers
start_famfsd() {
	famfsd --device "$1" --system-uuid "$2" --backend kernel --mountpoint "$MNT" \
		>>/tmp/famfsd.log 2>&1 &
	FAMFSD_PID=$!
	i=0
	while [ $i -lt 600 ]; do
		famfsctl -d "$(basename "$1")" --timeout 5 status >/tmp/status.txt 2>&1 && return 0
		kill -0 "$FAMFSD_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	tail -n 20 /tmp/famfsd.log
	return 1
}

# stop_famfsd: SIGTERM, famfsd exits 0
stop_famfsd() {
	kill -TERM "$FAMFSD_PID" && wait "$FAMFSD_PID"
}

# kill_famfsd: SIGKILL (a crash); the mount stays
kill_famfsd() {
	kill -KILL "$FAMFSD_PID"
	wait "$FAMFSD_PID"
	mounted
}

# create under another writer's flock of .meta/.log: famfsctl exits 13 (Busy)
create_while_locked() {
	flock -x "$MNT/.meta/.log" -c "famfsctl -d $1 create locked --size 2M 2>/tmp/locked.err; echo \$? >/tmp/locked.rc"
	cat /tmp/locked.err
	[ "$(cat /tmp/locked.rc)" = 13 ] && grep -q 'locked by another writer on this host' /tmp/locked.err &&
		[ ! -e "$MNT/locked" ]
}

# wait_until SECONDS INSTANCE PATTERN: famfsctl status of INSTANCE matches
# PATTERN (grep) within SECONDS; the last status is left in /tmp/status.txt
wait_until() {
	i=0
	while [ $i -lt $(($1 * 10)) ]; do
		famfsctl -d "$2" --timeout 5 status >/tmp/status.txt 2>&1
		grep -q "$3" /tmp/status.txt && return 0
		sleep 0.1
		i=$((i + 1))
	done
	cat /tmp/status.txt
	return 1
}

mounted() { grep -q " $MNT famfs " /proc/mounts; }

# The tree famfsd_cp_tree copies: five files in three directories (a, b, b/c).
TREE_FILES="a/one a/two b/three b/c/four b/c/five"

# watch_tree SRC DST: until /tmp/tree.stop exists, every file of the tree
# visible under DST must hold all of SRC's bytes (each miss is written to
# /tmp/tree.bad); the number of files visible per poll goes to /tmp/tree.seen
watch_tree() {
	while [ ! -e /tmp/tree.stop ]; do
		n=0
		for f in $TREE_FILES; do
			[ -e "$2/$f" ] || continue
			n=$((n + 1))
			cmp -s "$1/$f" "$2/$f" || echo "$f visible before its bytes were complete" >>/tmp/tree.bad
		done
		echo "$n" >>/tmp/tree.seen
		sleep 0.05
	done
}

nothing_bad() { [ ! -s "$1" ] || { cat "$1"; false; }; }

# famfsd_cp_tree TAG FC: famfsctl cp -r of a small tree, which famfsctl
# copies with CopyIn commit=false and commits with one CommitFiles, through
# the kernel backend: a watcher reads the mount while the copy runs; then
# every file reads back through the famfs.ko mount with the source's bytes
famfsd_cp_tree() {
	rm -rf /tmp/tree /tmp/tree.stop /tmp/tree.bad /tmp/tree.seen
	mkdir -p /tmp/tree/a /tmp/tree/b/c
	seed=31
	for f in $TREE_FILES; do
		case $f in
		a/one) size=1 ;;
		a/two) size=4097 ;;
		b/three) size=2097155 ;;
		b/c/four) size=100000 ;;
		*) size=6291459 ;;
		esac
		$T pattern-file "/tmp/tree/$f" $size $seed
		seed=$((seed + 1))
	done
	watch_tree /tmp/tree "$MNT/tree" &
	watcher=$!
	check "$1" "famfsctl cp -r of 5 files in three directories (CopyIn commit=false, then CommitFiles)" \
		$2 cp -r /tmp/tree tree
	: >/tmp/tree.stop
	wait "$watcher"
	check "$1" "while cp -r ran, no file was in the mount before all its bytes were" nothing_bad /tmp/tree.bad
	# printed, not asserted: whether a poll fell between the copies and the
	# commit is timing
	$T say "INFO $1: cp -r watcher: $(wc -l </tmp/tree.seen) polls while cp -r ran; files visible per poll (runs): $(uniq /tmp/tree.seen | tr '\n' ' ')"
	for f in $TREE_FILES; do
		check "$1" "cp -r: $f reads back through the mount with the source's bytes" cmp "/tmp/tree/$f" "$MNT/tree/$f"
	done
	$T mmap-cmp "$1" "$MNT/tree/b/c/five" /tmp/tree/b/c/five
	check "$1" "cp -r: the mount holds the source tree, nothing more" \
		sh -c "[ \"\$(cd /tmp/tree && find . | sort)\" = \"\$(cd $MNT/tree && find . | sort)\" ]"
	check "$1" "cp -r: famfsctl ls and the mount agree on b/c" \
		sh -c "[ \"\$($2 ls tree/b/c | sort | tr '\n' ' ')\" = \"\$(ls $MNT/tree/b/c | sort | tr '\n' ' ')\" ]"
	rm -rf /tmp/tree
}

unmounted() { ! grep -q " $MNT " /proc/mounts; }
mode_is() { [ "$(stat -c %a "$1")" = "$2" ] || { echo "$1: mode $(stat -c %a "$1"), want $2"; false; }; }

# famfsd_single KIND DEV: the single-guest flow on one device
famfsd_single() {
	kind=$1 dev=$2 inst=$(basename "$2") tag="famfsd-$1"
	fc="famfsctl -d $inst"
	check "$tag" "mkfs.famfs $dev" mkfs.famfs --force --system-uuid "$MASTER_UUID" "$dev" || return
	check "$tag" "famfsd --backend kernel on $dev answers on the bus" start_famfsd "$dev" "$MASTER_UUID" || return
	check "$tag" "$MNT is a famfs mount" mounted
	check "$tag" "famfsctl status shows backend kernel and mount point $MNT" \
		sh -c "grep -q 'Backend.*kernel' /tmp/status.txt && grep -q 'Mount point.*$MNT' /tmp/status.txt"
	check "$tag" ".meta/.superblock is 0444" mode_is "$MNT/.meta/.superblock" 444
	check "$tag" ".meta/.log is 0644 on the master" mode_is "$MNT/.meta/.log" 644
	check "$tag" ".meta/.log holds the log (size 8 MiB)" sh -c "[ \$(stat -c %s $MNT/.meta/.log) = 8388608 ]"
	check "$tag" "famfsctl mkdir -p d/e" $fc mkdir -p d/e
	check "$tag" "d/e is in the mount when mkdir returns" test -d "$MNT/d/e"
	check "$tag" "famfsctl create d/e/empty --size 5M --mode 0640 --uid 1000 --gid 100" \
		$fc create d/e/empty --size 5M --mode 0640 --uid 1000 --gid 100
	check "$tag" "d/e/empty is in the mount when create returns: 5 MiB, 0640, 1000:100" \
		sh -c "[ \"\$(stat -c '%s %a %u:%g' $MNT/d/e/empty)\" = '5242880 640 1000:100' ]"
	head -c 5242880 /dev/zero >/tmp/zero
	check "$tag" "a new file reads as zeros" cmp /tmp/zero "$MNT/d/e/empty"
	$T pattern-file /tmp/src 25165917 7
	check "$tag" "famfsctl cp of 24 MiB" $fc cp /tmp/src d/copy
	check "$tag" "read(2) through the mount equals what CopyIn wrote" cmp /tmp/src "$MNT/d/copy"
	$T mmap-cmp "$tag" "$MNT/d/copy" /tmp/src
	$T raw-cmp "$tag" "$kind" "$dev" "$MNT/d/copy" /tmp/src
	$T pattern-file /tmp/src2 9437185 8
	check "$tag" "famfsctl cp --nstrips 2 --chunk-size 2M (interleaved)" \
		$fc cp --nstrips 2 --chunk-size 2M /tmp/src2 d/striped
	check "$tag" "read(2) of the interleaved file equals the source" cmp /tmp/src2 "$MNT/d/striped"
	$T mmap-cmp "$tag" "$MNT/d/striped" /tmp/src2
	$T raw-cmp "$tag" "$kind" "$dev" "$MNT/d/striped" /tmp/src2
	famfsd_cp_tree "$tag" "$fc"
	if [ "$kind" = devdax ]; then
		$T pattern-file /tmp/bench 67108864 5
		check "$tag" "famfsctl cp of a 64 MiB file for the mmap benchmark" $fc cp /tmp/bench bench &&
			$T bench-mmap "$tag" "$MNT/bench" "$dev"
		rm -f /tmp/bench
	fi
	check "$tag" "famfsctl ls and the mount agree" \
		sh -c "[ \"\$($fc ls d | sort | tr '\n' ' ')\" = \"\$(ls $MNT/d | sort | tr '\n' ' ')\" ]"
	# stop while a process holds a file open: the mount is detached lazily,
	# famfsd exits at once, the open file keeps reading the same bytes
	exec 5<"$MNT/d/copy"
	check "$tag" "SIGTERM with a file open: famfsd exits 0" stop_famfsd
	check "$tag" "the mount point is free after the stop" unmounted
	check "$tag" "the open file still reads what CopyIn wrote" cmp /tmp/src - <&5
	exec 5<&-
	check "$tag" "famfsd restarts on $dev after the last user closed" start_famfsd "$dev" "$MASTER_UUID" || return
	check "$tag" "the restarted famfsd published the log into the mount" cmp /tmp/src "$MNT/d/copy"
	check "$tag" "restart: owner and mode from the log" \
		sh -c "[ \"\$(stat -c '%a %u:%g' $MNT/d/e/empty)\" = '640 1000:100' ]"
	check "$tag" "a second famfsd for $dev on this host exits 1" \
		sh -c "! famfsd --device $dev --system-uuid $MASTER_UUID --instance dup --backend kernel --mountpoint /mnt/dup 2>/tmp/dup.err && grep -q 'served by another famfsd' /tmp/dup.err"
	check "$tag" "create while another writer holds the flock of .meta/.log: Busy, nothing created" \
		create_while_locked "$inst"
	check "$tag" "create once the lock is free" $fc create locked --size 2M
	# crash and restart: the new famfsd adopts the mount, stacks nothing
	check "$tag" "SIGKILL: famfsd dies, the mount stays" kill_famfsd
	check "$tag" "famfsd restarts while the mount exists" start_famfsd "$dev" "$MASTER_UUID" || return
	check "$tag" "it adopted the mount (logged)" grep -q "adopting the famfs mount of $dev" /tmp/famfsd.log
	check "$tag" "one famfs mount on $MNT, not two" sh -c "[ \$(grep -c ' $MNT ' /proc/mounts) = 1 ]"
	check "$tag" "every file matched the log: state ready" grep -q 'State.*ready' /tmp/status.txt
	check "$tag" "the adopted mount still serves the bytes" cmp /tmp/src "$MNT/d/copy"
	check "$tag" "create after the adoption" $fc create after --size 2M
	check "$tag" "the new file is in the adopted mount" test -f "$MNT/after"
	check "$tag" "SIGTERM: famfsd exits 0" stop_famfsd
	check "$tag" "the mount point is free after the stop" unmounted
}

# famfsd_poison DEV (pmem): a memory failure in a mapped file shuts the
# mount down; famfsd turns failed with the reason and still unmounts
famfsd_poison() {
	dev=$1 inst=$(basename "$1") tag=famfsd-hwpoison
	check "$tag" "mkfs.famfs $dev" mkfs.famfs --force --system-uuid "$MASTER_UUID" "$dev" || return
	check "$tag" "famfsd --backend kernel on $dev" start_famfsd "$dev" "$MASTER_UUID" || return
	check "$tag" "famfsctl create victim --size 4M" famfsctl -d "$inst" create victim --size 4M || return
	check "$tag" "madvise(MADV_HWPOISON) on a page of victim" $T poison "$MNT/victim" 8192
	check "$tag" "famfsd notices the shutdown: state failed" wait_until 30 "$inst" "State.*failed"
	check "$tag" "the reason names the shutdown" grep -q "shut the mount $MNT down" /tmp/status.txt
	check "$tag" "the reason is famfs.ko's (FAMFSIOC_GET_STATE): memory failure" \
		grep -q "memory failure reported by the kernel at device offset" /tmp/status.txt
	check "$tag" "SIGTERM: famfsd exits 0" stop_famfsd
	check "$tag" "the mount point is free after the stop" unmounted
}

# timed_unbind DRIVER NAME: unbind NAME from DRIVER (a sysfs driver
# directory) within 5 s; the time is left in /tmp/unbind.ms
timed_unbind() {
	s=$($T now)
	timeout 30 sh -c "echo $2 >$1/unbind"
	rc=$?
	e=$($T now)
	ms=$(((e - s) / 1000000))
	echo "unbind of $2: exit $rc after $ms ms"
	echo "$ms" >/tmp/unbind.ms
	[ $rc -eq 0 ] && [ $ms -lt 5000 ]
}

# famfsd_exits STATUS: famfsd ended by itself (within 10 s) with STATUS
famfsd_exits() {
	i=0
	while kill -0 "$FAMFSD_PID" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -0 "$FAMFSD_PID" 2>/dev/null && { echo "famfsd still running"; return 1; }
	wait "$FAMFSD_PID"
	rc=$?
	echo "famfsd exit status $rc"
	[ $rc -eq "$1" ]
}

no_hung_task() {
	! dmesg | grep "blocked for more than"
}

# famfsd_unbind DEV [NAMESPACE]: the device is unbound while famfsd serves
# it and a process maps a file (devdax: dax device from device_dax; pmem:
# NAMESPACE from nd_pmem, which removes the block device): the unbind
# returns at once, famfsd shuts the mount down, unmounts and exits 3, the
# process gets SIGBUS, no hung task. The device is brought back at the end.
famfsd_unbind() {
	# not tag/name/rc (check() sets those) nor ns (famfsd_main's)
	dev=$1 inst=$(basename "$1") unbind_ns=$2
	if [ -n "$unbind_ns" ]; then
		tag=famfsd-unbind-pmem drv=/sys/bus/nd/drivers/nd_pmem obj=$unbind_ns
		event="udev remove of block device $inst"
	else
		tag=famfsd-unbind drv=/sys/bus/dax/drivers/device_dax obj=$inst
		event="udev unbind of dax device $inst"
	fi
	echo 2 >/proc/sys/kernel/hung_task_timeout_secs
	check "$tag" "mkfs.famfs $dev" mkfs.famfs --force --system-uuid "$MASTER_UUID" "$dev" || return
	check "$tag" "famfsd --backend kernel on $dev" start_famfsd "$dev" "$MASTER_UUID" || return
	check "$tag" "famfsctl create held --size 4M" famfsctl -d "$inst" create held --size 4M || return
	$T mmap-wait "$tag" "mapping of held (never satisfied)" "$MNT/held" 0 NEVER 120 &
	mapper=$!
	sleep 1
	check "$tag" "unbind of $obj from $(basename $drv) returns within 5 s" timed_unbind "$drv" "$obj"
	$T say "INFO $tag: unbind of $obj with famfsd running and a file mapped: $(cat /tmp/unbind.ms) ms"
	check "$tag" "famfsd exits 3 by itself (device removed)" famfsd_exits 3
	check "$tag" "famfsd logged the removal and state failed" \
		grep -q "state failed: the device was removed ($event" /tmp/famfsd.log
	check "$tag" "the mount is gone" unmounted
	wait "$mapper"
	mrc=$?
	$T check "$tag" "the mapping process got SIGBUS (exit $mrc)" "$([ $mrc -eq 135 ] && echo 0 || echo 1)"
	sleep 5
	check "$tag" "no \"blocked for more than\" in the kernel log" no_hung_task
	check "$tag" "bind $obj again" sh -c "echo $obj >$drv/bind"
	check "$tag" "$dev present again" wait_for "$dev"
}

# refused_at DEV DIR WHY: famfsd with mount point DIR fails the instance
# with one line saying WHY, mounts nothing, and stops cleanly
refused_at() {
	keep=$MNT
	MNT=$2
	start_famfsd "$1" "$MASTER_UUID" && wait_until 30 "$(basename "$1")" "State.*failed" &&
		grep -q "mount failed: mount point $2 $3" /tmp/status.txt && ! grep -q " $2 famfs " /proc/mounts
	rc=$?
	stop_famfsd || rc=1
	MNT=$keep
	return $rc
}

# bench_creates DEV BACKEND N PREFIX: seconds (float) for N famfsctl creates
bench_creates() {
	famfsd --device "$1" --system-uuid "$MASTER_UUID" --backend "$2" --mountpoint "$MNT" \
		>>/tmp/famfsd.log 2>&1 &
	FAMFSD_PID=$!
	i=0
	until famfsctl -d "$(basename "$1")" --timeout 5 status >/dev/null 2>&1 || [ $i -ge 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	t0=$($T now)
	n=0
	while [ $n -lt "$3" ]; do
		famfsctl -d "$(basename "$1")" create "$4$n" --size 2M --no-zero >/dev/null 2>&1 || echo "create $4$n failed" >&2
		n=$((n + 1))
	done
	t1=$($T now)
	kill -TERM "$FAMFSD_PID" && wait "$FAMFSD_PID"
	echo $(((t1 - t0) / 1000000))
}

# famfsd_numbers DEV (devdax): printed, never asserted. Under TCG only
# ratios measured in one guest mean something.
famfsd_numbers() {
	dev=$1 inst=$(basename "$1")
	check famfsd-numbers "mkfs.famfs $dev" mkfs.famfs --force --system-uuid "$MASTER_UUID" "$dev" || return
	# CreateFile through D-Bus, one famfsctl process per call on both sides
	ms_k=$(bench_creates "$dev" kernel 100 k)
	ms_n=$(bench_creates "$dev" none 100 n)
	if [ "${ms_k:-0}" -gt 0 ] && [ "${ms_n:-0}" -gt 0 ]; then
		$T say "BENCH famfsctl create x100 (one famfsctl per call): kernel backend $ms_k ms, none $ms_n ms, rate ratio kernel/none $(awk "BEGIN {printf \"%.2f\", $ms_n / $ms_k}") (target >= 0.5)"
	fi
	# CopyIn against memcpy: 1 GiB in the famfsd-bench guest (famfsd_bench.sh)
}

famfsd_main() {
	start_bus || { $T check famfsd "private dbus-daemon" 1; return; }
	check famfsd "/dev/pmem0 present" wait_for /dev/pmem0 || return
	check famfsd "mkfs.famfs /dev/pmem0" mkfs.famfs --force --system-uuid "$MASTER_UUID" /dev/pmem0 || return
	: >/tmp/notdir
	check famfsd "a mount point that is a file is refused" refused_at /dev/pmem0 /tmp/notdir "is not a directory"
	mkdir -p /tmp/full && : >/tmp/full/x
	check famfsd "a mount point that is not empty is refused" refused_at /dev/pmem0 /tmp/full "is not empty"
	mkdir -p /tmp/busy && mount -t tmpfs tmpfs /tmp/busy
	check famfsd "a mount point that is a mount already is refused" \
		refused_at /dev/pmem0 /tmp/busy "is already a mount point (tmpfs from tmpfs)"
	umount /tmp/busy
	famfsd_single pmem /dev/pmem0
	ns=$(ns_of_pmem pmem0)
	famfsd_unbind /dev/pmem0 "$ns"
	check famfsd "ndctl create-namespace -f -e $ns --mode=devdax --align=2M" \
		ndctl create-namespace -f -e "$ns" --mode=devdax --align=2M || return
	check famfsd "/dev/dax0.0 present" wait_for /dev/dax0.0 || return
	famfsd_single devdax /dev/dax0.0
	famfsd_numbers /dev/dax0.0
	famfsd_unbind /dev/dax0.0
	# last: the poisoned page stays poisoned
	check famfsd "ndctl create-namespace -f -e $ns --mode=fsdax --align=2M" \
		ndctl create-namespace -f -e "$ns" --mode=fsdax --align=2M || return
	check famfsd "/dev/pmem0 present again" wait_for /dev/pmem0 || return
	famfsd_poison /dev/pmem0
}

# A: master on the shared nvdimm (devdax)
famfsd_share_a() {
	tag=famfsd-A fc="famfsctl -d dax0.0"
	start_bus || { $T check $tag "private dbus-daemon" 1; return; }
	check $tag "/dev/pmem0 (raw nvdimm namespace) present" wait_for /dev/pmem0 || return
	ns=$(ns_of_pmem pmem0)
	check $tag "region0 align 2 MiB" sh -c 'echo 0x200000 >/sys/bus/nd/devices/region0/align'
	check $tag "ndctl create-namespace -f -e $ns --mode=devdax" \
		ndctl create-namespace -f -e "${ns:-namespace0.0}" --mode=devdax --align=2M || return
	check $tag "/dev/dax0.0 present" wait_for /dev/dax0.0 || return
	check $tag "mkfs.famfs --enable-delete /dev/dax0.0" \
		mkfs.famfs --force --enable-delete --system-uuid "$MASTER_UUID" /dev/dax0.0 || return
	check $tag "famfsd master on /dev/dax0.0" start_famfsd /dev/dax0.0 "$MASTER_UUID" || return
	check $tag "famfsctl create ping --size 4M" $fc create ping --size 4M
	check $tag "store A1 through mmap of ping" $T mmap-put "$MNT/ping" 0 A1
	$T say "FAMFSD-A-READY"
	$T mmap-wait $tag "A's mapping sees B's store (B1)" "$MNT/ping" 4096 B1 900 || return
	$T pattern-file /tmp/late 3145729 11
	check $tag "famfsctl mkdir later" $fc mkdir later
	check $tag "famfsctl cp later/file (after B's famfsd runs)" $fc cp /tmp/late later/file
	$T mmap-wait $tag "A's mapping sees B's second store (B2: B saw later/file)" "$MNT/ping" 8192 B2 900
	share_delete_a
	check $tag "SIGTERM: famfsd exits 0" stop_famfsd
	check $tag "the mount point is free after the stop" unmounted
}

# B: client on the same memory, booted after A printed FAMFSD-A-READY
famfsd_share_b() {
	tag=famfsd-B
	start_bus || { $T check $tag "private dbus-daemon" 1; return; }
	check $tag "/dev/dax0.0 present from guest A's namespace" wait_for /dev/dax0.0 || return
	check $tag "famfsd client on /dev/dax0.0" start_famfsd /dev/dax0.0 "$CLIENT_UUID" || return
	check $tag "famfsctl status: role client" grep -q 'client' /tmp/status.txt
	check $tag "A's file ping is in B's mount, without write bits (0444)" mode_is "$MNT/ping" 444
	check $tag ".meta/.log is 0444 on the client" mode_is "$MNT/.meta/.log" 444
	$T mmap-wait $tag "B's mapping sees A's store (A1)" "$MNT/ping" 0 A1 60
	check $tag "store B1 through mmap of ping" $T mmap-put "$MNT/ping" 4096 B1
	# the file A creates now appears in B's mount by itself (no command here)
	i=0
	while [ ! -f "$MNT/later/file" ] && [ $i -lt 9000 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check $tag "A's new file later/file appears in B's mount by itself" test -f "$MNT/later/file"
	$T pattern-file /tmp/late 3145729 11
	# the file is published with its map before it is visible: bytes at once
	check $tag "read(2) of later/file on B equals what A copied in" cmp /tmp/late "$MNT/later/file"
	$T mmap-cmp $tag "$MNT/later/file" /tmp/late
	$T raw-cmp $tag devdax /dev/dax0.0 "$MNT/later/file" /tmp/late
	check $tag "store B2 through mmap of ping" $T mmap-put "$MNT/ping" 8192 B2
	share_delete_b
	check $tag "SIGTERM: famfsd exits 0" stop_famfsd
	check $tag "the mount point is free after the stop" unmounted
}

# ---- deletion across the two guests (ping offsets: 12288 A's steps,
# 16384 B's mapping process, 20480 GO for it, 24576 the end, 28672 A's
# requests to B's famfsd (STOP, AGAIN), 32768 B's answers (DOWN, UP))

# extents FILE: the extent objects of famfsctl getmap --json, one word each
extents() {
	famfsctl -d dax0.0 --json getmap "$1" | tr -d ' \n\t' | grep -oE '\{[^{}]*"offset":[0-9]+[^{}]*\}' |
		sort | tr '\n' ' '
}

# disjoint "A" "B": no extent of A in B (both non-empty)
disjoint() {
	echo "old: $1; new: $2"
	[ -n "$1" ] && [ -n "$2" ] || return 1
	for e in $1; do
		case " $2 " in *" $e "*) return 1 ;; esac
	done
}

# create_apart NAME WHEN: A creates a 4 MiB file NAME while victim is still
# held; its map shares no extent with victim's ($old)
create_apart() {
	check $tag "famfsctl create $1 --size 4M $2" $fc create "$1" --size 4M
	check $tag "$1's map shares no extent with the still held victim" disjoint "$old" "$(extents "$1")"
}

share_delete_a() {
	$T pattern-file /tmp/victim 4194304 21
	check $tag "famfsctl cp victim (4 MiB) on the delete-enabled file system" $fc cp /tmp/victim victim || return
	old=$(extents victim)
	check $tag "store V1: victim exists" $T mmap-put "$MNT/ping" 12288 V1
	$T mmap-wait $tag "a process on B maps victim (HELD)" "$MNT/ping" 16384 HELD 900 || return
	check $tag "famfsctl rm victim on the master" $fc rm victim
	check $tag "victim is gone from A's mount" sh -c "[ ! -e $MNT/victim ]"
	check $tag "famfsctl create new1 --size 4M while B maps victim" $fc create new1 --size 4M
	new1=$(extents new1)
	check $tag "new1's map shares no extent with the removed, still mapped victim" disjoint "$old" "$new1"
	check $tag "status: victim pending release, held by B's mapping" wait_until 60 dax0.0 "still has victim open or mapped"
	$T pattern-file /tmp/new1 4194304 22
	check $tag "fill new1 with a pattern (write through the mount)" \
		dd if=/tmp/new1 of="$MNT/new1" bs=1048576 conv=notrunc
	# three heartbeats later B still holds it: another file still gets other memory
	sleep 3
	check $tag "3 s later: still held by B's mapping" wait_until 60 dax0.0 "still has victim open or mapped"
	create_apart new3 "while B still maps victim"
	# B's famfsd stops while its process still maps victim, then comes back
	check $tag "store STOP: B's famfsd stops" $T mmap-put "$MNT/ping" 28672 STOP
	$T mmap-wait $tag "B's famfsd stopped, its busy mount left in place (DOWN)" "$MNT/ping" 32768 DOWN 900 || return
	check $tag "B's slot was not marked stopped: it goes stale and still holds victim" \
		wait_until 60 dax0.0 "still has victim open or mapped; it is stale (famfsctl hosts forget $CLIENT_UUID"
	create_apart new4 "while B's famfsd is down"
	check $tag "store AGAIN: B's famfsd may start again" $T mmap-put "$MNT/ping" 28672 AGAIN
	$T mmap-wait $tag "B's famfsd runs again on the mount it adopted (UP)" "$MNT/ping" 32768 UP 900 || return
	check $tag "B beats again (not stale) and, through famfs.ko's orphan list, still holds victim" \
		wait_until 60 dax0.0 "still has victim open or mapped$"
	create_apart new5 "after B's restart"
	check $tag "store GO: B's process unmaps" $T mmap-put "$MNT/ping" 20480 GO
	$T mmap-wait $tag "B's process unmapped victim (UNMAPPED)" "$MNT/ping" 16384 UNMAPPED 900 || return
	check $tag "status: nothing pending release once B let go" wait_until 60 dax0.0 "Pending release.* in 0 removed file"
	check $tag "famfsctl create new2 --size 4M after the release" $fc create new2 --size 4M
	new2=$(extents new2)
	echo "victim: $old; new2: $new2"
	check $tag "new2 reuses victim's memory (the same extents)" sh -c "[ -n \"$old\" ] && [ \"$old\" = \"$new2\" ]"
	check $tag "store DONE" $T mmap-put "$MNT/ping" 24576 DONE
}

share_delete_b() {
	$T mmap-wait $tag "A created victim (V1)" "$MNT/ping" 12288 V1 900 || return
	wait_for "$MNT/victim"
	$T pattern-file /tmp/victim 4194304 21
	check $tag "victim in B's mount holds A's bytes" cmp /tmp/victim "$MNT/victim"
	$T mmap-hold $tag "$MNT/victim" /tmp/victim "$MNT/ping" 16384 20480 900 &
	holder=$!
	i=0
	while [ -e "$MNT/victim" ] && [ $i -lt 9000 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	check $tag "victim leaves B's mount by itself (A removed it) while mapped" sh -c "[ ! -e $MNT/victim ]"
	check $tag "famfs.ko on B lists the removed, mapped victim (GET_ORPHANS)" sh -c "[ -n \"\$($T orphans $MNT)\" ]"
	# famfsd stops with victim still mapped: on a deletion-enabled file system
	# the busy mount stays for the next famfsd, which adopts it
	$T mmap-wait $tag "A asks B's famfsd to stop (STOP)" "$MNT/ping" 28672 STOP 900 || return
	check $tag "SIGTERM with victim mapped: famfsd exits 0" stop_famfsd
	check $tag "the busy mount stays mounted" mounted
	check $tag "famfsd said it left the mount for the next famfsd" \
		grep -q "left mounted for the next famfsd to adopt" /tmp/famfsd.log
	check $tag "famfsd said its host slot stays as it is (goes stale, holds)" \
		grep -q "host slot [0-9]* left as it is: it goes stale" /tmp/famfsd.log
	check $tag "famfs.ko still lists victim with famfsd gone" sh -c "[ -n \"\$($T orphans $MNT)\" ]"
	check $tag "store DOWN: B's famfsd is stopped" $T mmap-put "$MNT/ping" 32768 DOWN
	$T mmap-wait $tag "A saw victim still held by B's stale slot (AGAIN)" "$MNT/ping" 28672 AGAIN 900 || return
	check $tag "famfsd client on /dev/dax0.0 again" start_famfsd /dev/dax0.0 "$CLIENT_UUID" || return
	check $tag "the new famfsd adopted the mount left in place" \
		grep -q "adopting the famfs mount of /dev/dax0.0 at $MNT" /tmp/famfsd.log
	check $tag "new4 (created while B's famfsd was down) is published into the adopted mount" wait_for "$MNT/new4"
	check $tag "store UP: B's famfsd runs again" $T mmap-put "$MNT/ping" 32768 UP
	wait "$holder"
	hrc=$?
	$T check $tag "the mapping process ended well (exit $hrc)" "$hrc"
	check $tag "after the munmap famfs.ko on B lists no orphan" sh -c "[ -z \"\$($T orphans $MNT)\" ]"
	$T mmap-wait $tag "A is done (DONE)" "$MNT/ping" 24576 DONE 900
}
