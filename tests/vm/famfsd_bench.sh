# SPDX-License-Identifier: GPL-2.0
# famfs VM tests: issue 11's numbers that need a bigger guest (mode
# famfsd-bench, run.sh job_famfsd_bench: 1280 MiB of memmap= pmem above
# 4 GiB, turned devdax). Sourced after famfsd.sh (start_bus, stop_famfsd,
# $MNT, the UUIDs). Printed as BENCH lines, never asserted; both sides of
# each ratio are measured in this guest run (under TCG only ratios mean
# something):
#   client start: famfsd as a client on a 64 MiB log of ~123,000 entries
#     (replay + publish of every directory and file into the famfs.ko
#     mount) against making the same tree on tmpfs;
#   CopyIn of 1 GiB into a devdax-backed file against memcpy;
#   issue 15's scale point: the same on a 256 MiB log (~491,600 entries),
#   start time and RSS per log entry (printed for 64 and 256 MiB).

# The tree: 350 x 350 directories and 200 files, 123,051 entries with the
# top directory: all a 64 MiB log holds (123,361) but a margin. Files
# cannot be empty in famfs (each takes a 2 MiB unit; famfs.ko maps at
# least one extent), so the log is mostly directories.
BENCH_NTOP=350 BENCH_NSUB=350 BENCH_NFILES=200
BENCH_BIG_NTOP=700 BENCH_BIG_NSUB=700

# famfsd_on DEV UUID BACKEND LOG: famfsd started, ready once it serves its
# bus name (after replay and publishing everything)
famfsd_on() {
	: >"$4"
	famfsd --device "$1" --system-uuid "$2" --backend "$3" --mountpoint "$MNT" >>"$4" 2>&1 &
	FAMFSD_PID=$!
	until grep -q "serving as" "$4"; do
		kill -0 "$FAMFSD_PID" 2>/dev/null || { tail -n 20 "$4"; return 1; }
		sleep 0.02
	done
}

ms_between() { echo $((($2 - $1) / 1000000)); }
ratio() { awk "BEGIN {printf \"%.2f\", $1 / $2}"; }

# rss_kb PID: the resident set of process PID (VmRSS), kB
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

# famfsd_bench_start DEV LOG_MIB NTOP NSUB TMPFS: fill a LOG_MIB log with an
# NTOP x NSUB tree (plus BENCH_NFILES files) through famfsctl cp -r, start
# a kernel-backend client on it and report its start time and RSS per log
# entry; with TMPFS=1 also the same tree made on tmpfs (the ratio's base).
famfsd_bench_start() {
	dev=$1 logm=$2 ntop=$3 nsub=$4 inst=$(basename "$1") tag=famfsd-bench-start-${2}M
	dirs=$((ntop + ntop * nsub)) files=$BENCH_NFILES ms_tmpfs=0
	entries=$((dirs + files + 1))
	if [ "$5" = 1 ]; then
		# tmpfs: the same tree, empty files
		mkdir -p /mnt/tmpfs-bench
		check $tag "mount a tmpfs" mount -t tmpfs tmpfs /mnt/tmpfs-bench || return
		ms_tmpfs=$($T mktree /mnt/tmpfs-bench/tree "$ntop" "$nsub" "$files" 0)
		check $tag "the tree on tmpfs: $dirs directories, $files files" \
			sh -c "[ \"\$($T count-tree /mnt/tmpfs-bench/tree)\" = '$dirs $files' ]"
		umount /mnt/tmpfs-bench
	fi
	# the log, through the master's CreateFiles batches (famfsctl cp -r); the
	# source on a tmpfs without an inode limit (the guest's default tmpfs
	# limit, half its RAM pages, is below a 256 MiB log's 491k nodes)
	mkdir -p /tmp/src
	check $tag "mount a tmpfs without an inode limit for the source tree" \
		mount -t tmpfs -o nr_inodes=0 tmpfs /tmp/src || return
	$T mktree /tmp/src/tree "$ntop" "$nsub" "$files" 1 >/dev/null
	check $tag "the source tree: $dirs directories, $files files" \
		sh -c "[ \"\$($T count-tree /tmp/src/tree)\" = '$dirs $files' ]" || return
	check $tag "mkfs.famfs --log-size ${logm}M $dev" \
		mkfs.famfs --force --log-size "${logm}M" --system-uuid "$MASTER_UUID" "$dev" || return
	check $tag "famfsd master (backend none) on $dev" \
		famfsd_on "$dev" "$MASTER_UUID" none /tmp/famfsd-fill.log || return
	t0=$($T now)
	check $tag "famfsctl cp -r of the tree: $entries log entries" \
		famfsctl -d "$inst" --timeout 1200 cp -r /tmp/src/tree tree
	t1=$($T now)
	$T say "famfsd-bench: filled the ${logm} MiB log in $(ms_between "$t0" "$t1") ms"
	check $tag "SIGTERM: the master exits 0" stop_famfsd
	umount /tmp/src
	# the client: replay, mount, publish every node, then serve
	t0=$($T now)
	check $tag "famfsd client (backend kernel) starts on the full log" \
		famfsd_on "$dev" "$CLIENT_UUID" kernel /tmp/famfsd-client.log || return
	t1=$($T now)
	ms_client=$(ms_between "$t0" "$t1") rss=$(rss_kb "$FAMFSD_PID")
	check $tag "the client mount holds the tree: $dirs directories, $files files" \
		sh -c "[ \"\$($T count-tree $MNT/tree)\" = '$dirs $files' ]"
	check $tag "the client is ready (nothing refused by the mount)" \
		sh -c "famfsctl -d $inst status >/tmp/status.txt && grep -q 'State.*ready' /tmp/status.txt"
	grep 'log entries' /tmp/famfsd-client.log | sed 's/^/  famfsd: /'
	$T say "BENCH client RSS on a ${logm} MiB log: ${rss:-?} kB, $(awk "BEGIN {printf \"%.0f\", ${rss:-0} * 1024 / $entries}") bytes per log entry ($entries entries)"
	if [ "$ms_tmpfs" -gt 0 ]; then
		$T say "BENCH client start on a ${logm} MiB log ($entries entries: $dirs dirs, $files files): famfsd replay + publish into famfs.ko $ms_client ms, the same tree on tmpfs $ms_tmpfs ms, ratio $(ratio "$ms_client" "$ms_tmpfs") (target <= 2)"
	else
		$T say "BENCH client start on a ${logm} MiB log ($entries entries: $dirs dirs, $files files): famfsd replay + publish into famfs.ko $ms_client ms"
	fi
	check $tag "SIGTERM: the client exits 0" stop_famfsd
	check $tag "the mount point is free after the stop" unmounted
}

# copied_ms LOG: famfsd's own copy time of the 1 GiB file "big" ("copied
# 1073741824 bytes into big (copy X ms, ...)"), whole milliseconds
copied_ms() { sed -n 's/.*copied 1073741824 bytes into big (copy \([0-9]*\).*/\1/p' "$1"; }

famfsd_bench_copy() {
	dev=$1 inst=$(basename "$1") tag=famfsd-bench-copy
	check $tag "mkfs.famfs $dev" mkfs.famfs --force --system-uuid "$MASTER_UUID" "$dev" || return
	$T pattern-file /tmp/big 1073741824 9
	# the copy without a famfs.ko mount (backend none) first: famfsd's copy
	# path alone (first, so that the order cannot favour the kernel side)
	check $tag "famfsd master (backend none) on $dev" \
		famfsd_on "$dev" "$MASTER_UUID" none /tmp/famfsd-copy-none.log || return
	t2=$($T now)
	check $tag "famfsctl cp of 1 GiB (backend none)" famfsctl -d "$inst" cp /tmp/big big
	t3=$($T now)
	check $tag "SIGTERM: famfsd exits 0" stop_famfsd
	grep 'copied 1073741824' /tmp/famfsd-copy-none.log | sed 's/^/  famfsd: /'
	check $tag "mkfs.famfs $dev again" mkfs.famfs --force --system-uuid "$MASTER_UUID" "$dev" || return
	check $tag "famfsd master (backend kernel) on $dev" \
		famfsd_on "$dev" "$MASTER_UUID" kernel /tmp/famfsd-copy.log || return
	t0=$($T now)
	check $tag "famfsctl cp of 1 GiB" famfsctl -d "$inst" cp /tmp/big big
	t1=$($T now)
	$T mmap-cmp $tag "$MNT/big" /tmp/big
	check $tag "SIGTERM: famfsd exits 0" stop_famfsd
	grep 'copied 1073741824' /tmp/famfsd-copy.log | sed 's/^/  famfsd: /'
	# where the time goes, each part alone on the same memory (the file
	# system on it is done with)
	$T say "famfsd-bench: copy parts: $($T copy-parts /tmp/big "$dev")"
	rm -f /tmp/big
	mc=$($T memcpy-bw 1024)
	ms=$(ms_between "$t0" "$t1") ms_none=$(ms_between "$t2" "$t3") inner=$(copied_ms /tmp/famfsd-copy.log) none=$(copied_ms /tmp/famfsd-copy-none.log)
	own="famfsd did not log its copy time"
	[ "${inner:-0}" -gt 0 ] &&
		own="famfsd's copy alone $((1024 * 1000 / inner)) MiB/s, ratio $(ratio $((1024 * 1000 / inner)) "$mc")"
	own="$own; backend none (no famfs.ko mount): famfsctl cp $((1024 * 1000 / ms_none)) MiB/s, ratio $(ratio $((1024 * 1000 / ms_none)) "$mc")"
	[ "${none:-0}" -gt 0 ] &&
		own="$own, famfsd's copy alone $((1024 * 1000 / none)) MiB/s, ratio $(ratio $((1024 * 1000 / none)) "$mc")"
	[ "$ms" -gt 0 ] &&
		$T say "BENCH CopyIn of 1 GiB into devdax: famfsctl cp $((1024 * 1000 / ms)) MiB/s, ratio $(ratio $((1024 * 1000 / ms)) "$mc") (famfsctl and D-Bus start-up, commit included); $own; memcpy $mc MiB/s (target >= 0.7)"
}

famfsd_bench_main() {
	start_bus || { $T check famfsd-bench "private dbus-daemon" 1; return; }
	check famfsd-bench "/dev/pmem0 present" wait_for /dev/pmem0 || return
	ns=$(ns_of_pmem pmem0)
	check famfsd-bench "ndctl create-namespace -f -e $ns --mode=devdax --align=2M" \
		ndctl create-namespace -f -e "$ns" --mode=devdax --align=2M || return
	check famfsd-bench "/dev/dax0.0 present" wait_for /dev/dax0.0 || return
	b0=$($T now)
	famfsd_bench_start /dev/dax0.0 64 $BENCH_NTOP $BENCH_NSUB 1
	b1=$($T now)
	famfsd_bench_copy /dev/dax0.0
	b2=$($T now)
	# issue 15's scale point: a 256 MiB log (493,447 entries hold; the tree
	# takes 491,601), end to end with the kernel backend
	famfsd_bench_start /dev/dax0.0 256 $BENCH_BIG_NTOP $BENCH_BIG_NSUB 0
	b3=$($T now)
	$T say "famfsd-bench: client start part $(ms_between "$b0" "$b1") ms, copy part $(ms_between "$b1" "$b2") ms, 256 MiB log part $(ms_between "$b2" "$b3") ms"
}
