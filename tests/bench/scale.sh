#!/bin/sh
# Scale end to end (issue 15): for each log size (MiB; default 8 64 256:
# 15,420, 123,361 and 493,447 entries) a sparse device file in /dev/shm
# (one 2 MiB allocation unit per entry, the data area stays a hole) is
# formatted by mkfs.famfs --log-size, filled to the last log slot by
# engine_bench through the master's append path (which also prints full
# replay against the CRC floor and RSS per entry on that device), checked by
# fsck.famfs, and served by famfsd as a client (another system UUID, backend
# none: publishing into famfs.ko needs a guest, tests/vm) on a private
# dbus-daemon. Prints each step's time, famfsd's start time (until it
# serves its name) and its anonymous RSS per log entry (the mapped log
# pages are file pages, printed apart). Fails on a wrong result, never on
# time. The /dev/shm files are removed on every exit.
# Usage: tests/bench/scale.sh [BUILDDIR [MIB...]] (root: famfsd owns its bus name).
set -eu
build=${1:-build}
[ $# -gt 0 ] && shift
sizes=${*:-8 64 256}
work=$(mktemp -d /tmp/famfs-scale-XXXXXX)
bus_pid=
famfsd_pid=
cleanup() {
  [ -n "$famfsd_pid" ] && kill "$famfsd_pid" 2>/dev/null || true
  [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null || true
  rm -f /dev/shm/famfs-scale-$$-*.img
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
  echo "scale: $1"
  [ -n "${2:-}" ] && tail -20 "$2"
  exit 1
}
dbus-daemon --session --nofork --address="unix:path=$work/bus" >"$work/bus.log" 2>&1 &
bus_pid=$!
sleep 0.5
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$work/bus"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
master=5ca1e000-0000-4000-8000-000000000001
for mib in $sizes; do
  img=/dev/shm/famfs-scale-$$-$mib.img
  size=$("$build/tests/bench/engine_bench" --device-size --log-size "$mib")
  truncate -s "$size" "$img"
  t0=$(now)
  "$build/famfsd/tools/mkfs.famfs" --log-size "${mib}M" --system-uuid "$master" "$img" >"$work/mkfs$mib.log" 2>&1 ||
    fail "mkfs.famfs --log-size ${mib}M failed:" "$work/mkfs$mib.log"
  t1=$(now)
  "$build/tests/bench/engine_bench" --device "$img" --system-uuid "$master" --replay-only >"$work/bench$mib.log" 2>&1 ||
    fail "engine_bench could not fill the $mib MiB log:" "$work/bench$mib.log"
  t2=$(now)
  "$build/famfsd/tools/fsck.famfs" "$img" >"$work/fsck$mib.log" 2>&1 ||
    fail "fsck.famfs of the $mib MiB log is not clean:" "$work/fsck$mib.log"
  t3=$(now)
  "$build/famfsd/famfsd" --device "$img" --instance "scale$mib" --backend none \
    --system-uuid 5ca1e000-0000-4000-8000-000000000002 >"$work/famfsd$mib.log" 2>&1 &
  famfsd_pid=$!
  i=0
  until grep -q "serving as" "$work/famfsd$mib.log"; do
    i=$((i + 1))
    if [ $i -gt 6000 ] || ! kill -0 $famfsd_pid 2>/dev/null; then fail "famfsd did not start:" "$work/famfsd$mib.log"; fi
    sleep 0.01
  done
  t4=$(now)
  grep -q "role client" "$work/famfsd$mib.log" || fail "famfsd is not a client:" "$work/famfsd$mib.log"
  entries=$(sed -n 's/.* \([0-9]*\) log entries.*/\1/p' "$work/famfsd$mib.log" | head -1)
  filled=$(sed -n 's/^log: \([0-9]*\) entries.*/\1/p' "$work/bench$mib.log")
  [ -n "$entries" ] && [ "$entries" = "$filled" ] ||
    fail "famfsd replayed '${entries}' entries, engine_bench wrote '${filled}':" "$work/famfsd$mib.log"
  anon=$(awk '/RssAnon/ {print $2}' /proc/$famfsd_pid/status)
  file=$(awk '/RssFile|RssShmem/ {s += $2} END {print s}' /proc/$famfsd_pid/status)
  kill $famfsd_pid
  wait $famfsd_pid || true
  famfsd_pid=
  echo "log $mib MiB:"
  sed -n 's/^/  engine_bench: /; /full replay \/ CRC floor/p; /RSS of a replayed/p' "$work/bench$mib.log"
  printf '  %s entries: mkfs %.2f s, fill %.2f s, fsck clean in %.2f s; famfsd client start %.2f s, RSS anon %s KiB = %s B/entry (mapped log %s KiB)\n' \
    "$entries" "$(secs "$t0" "$t1")" "$(secs "$t1" "$t2")" "$(secs "$t2" "$t3")" "$(secs "$t3" "$t4")" "$anon" \
    "$((anon * 1024 / entries))" "$file"
  rm -f "$img"
done
