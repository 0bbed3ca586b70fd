#!/bin/sh
# Scale end to end (issue 15): for logs of 8, 64 and 256 MiB (15,420,
# 123,361 and 493,447 entries), engine_bench fills the log through the
# master's append path and saves the file system as a sparse image in
# /dev/shm (the data area stays a hole); fsck.famfs checks it; famfsd starts
# on it as a client (another system UUID) on a private dbus-daemon. Prints
# fsck's result and time, famfsd's start time (until it serves its name)
# and its anonymous RSS per log entry (the mapped log pages are file pages,
# printed apart). Numbers only: fails on a wrong result, never on time.
# Usage: tests/bench/scale.sh [BUILDDIR] (root: famfsd owns its bus name).
set -eu
build=${1:-build}
work=$(mktemp -d /tmp/famfs-scale-XXXXXX)
bus_pid=
cleanup() {
  [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null || true
  rm -f /dev/shm/famfs-scale-$$-*.img
  rm -rf "$work"
}
trap cleanup EXIT
dbus-daemon --session --nofork --address="unix:path=$work/bus" >"$work/bus.log" 2>&1 &
bus_pid=$!
sleep 0.5
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$work/bus"
now() { date +%s.%N; }
for mib in 8 64 256; do
  img=/dev/shm/famfs-scale-$$-$mib.img
  "$build/tests/bench/engine_bench" --log-size "$mib" --replay-only --save "$img" >"$work/bench$mib.log"
  t0=$(now)
  if ! "$build/famfsd/tools/fsck.famfs" "$img" >"$work/fsck$mib.log" 2>&1; then
    echo "scale: fsck.famfs of the $mib MiB log is not clean:"; tail -5 "$work/fsck$mib.log"; exit 1
  fi
  t1=$(now)
  "$build/famfsd/famfsd" --device "$img" --instance "scale$mib" --backend none \
    --system-uuid 5ca1e000-0000-4000-8000-00000000000$((mib % 10)) >"$work/famfsd$mib.log" 2>&1 &
  pid=$!
  i=0
  until grep -q "serving as" "$work/famfsd$mib.log"; do
    i=$((i + 1))
    if [ $i -gt 3000 ] || ! kill -0 $pid 2>/dev/null; then echo "scale: famfsd did not start:"; cat "$work/famfsd$mib.log"; exit 1; fi
    sleep 0.01
  done
  t2=$(now)
  entries=$(sed -n 's/.* \([0-9]*\) log entries.*/\1/p' "$work/famfsd$mib.log")
  grep -q "role client" "$work/famfsd$mib.log" || { echo "scale: famfsd is not a client"; exit 1; }
  anon=$(awk '/RssAnon/ {print $2}' /proc/$pid/status)
  file=$(awk '/RssFile|RssShmem/ {s += $2} END {print s}' /proc/$pid/status)
  kill $pid; wait $pid || true
  printf 'log %3s MiB, %6s entries: fsck clean in %.2f s; famfsd client start %.2f s, RSS anon %s KiB = %s B/entry (mapped log %s KiB)\n' \
    "$mib" "$entries" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$anon" "$((anon * 1024 / entries))" "$file"
  rm -f "$img"
done
