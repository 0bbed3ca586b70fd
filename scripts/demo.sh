#!/usr/bin/env bash
# The main job on an embedded default: two hosts sharing one emulated 4 GiB
# memory device (a /dev/shm file). famfsd runs as the master and as a client
# on a private D-Bus (the shipped bus policy included); famfsctl formats,
# creates a directory, a zeroed file and a copy of real data on the master,
# and the client sees them by itself and reads the same bytes.
# Usage (as root on Debian 12): scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# only what the demo runs (scripts/test.sh builds the rest)
echo "== building famfsd, famfsctl and fsck.famfs in build/ (a few minutes on a fresh machine)"
build_log=$(mktemp /tmp/famfs-demo-build.XXXXXX)
if ! scripts/build.sh famfsd/famfsd cli/famfsctl famfsd/tools/fsck.famfs >"$build_log" 2>&1; then
  tail -n 40 "$build_log"
  echo "build failed (log: $build_log)"
  exit 1
fi
rm -f "$build_log"

work=$(mktemp -d /tmp/famfs-demo.XXXXXX)
dev=/dev/shm/famfs-demo.img
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work" "$dev"
}
trap cleanup EXIT

# A private system-style bus whose policy is the one famfs ships.
cat >"$work/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$work/bus.sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny send_type="method_call"/>
    <allow send_destination="org.freedesktop.DBus"/>
    <allow receive_type="method_call"/><allow receive_type="method_return"/>
    <allow receive_type="error"/><allow receive_type="signal"/>
    <allow send_type="signal"/><allow send_type="method_return"/><allow send_type="error"/>
  </policy>
  <include>$PWD/dbus/org.famfs.Famfs1.conf</include>
</busconfig>
EOF
dbus-daemon --config-file="$work/bus.conf" --nofork --print-address=1 >"$work/address" 2>/dev/null </dev/null &
pids+=($!)
for _ in $(seq 100); do [[ -s "$work/address" ]] && break; sleep 0.05; done
DBUS_SYSTEM_BUS_ADDRESS=$(head -n 1 "$work/address")
export DBUS_SYSTEM_BUS_ADDRESS

rm -f "$dev"
truncate -s 4G "$dev"
echo "allow_format = true" >"$work/master.toml"
: >"$work/client.toml"
ctl=build/cli/famfsctl
start() {  # start NAME UUID CONFIG
  build/famfsd/famfsd --device "$dev" --instance "$1" --system-uuid "$2" --config "$3" \
    --backend none 2>>"$work/$1.log" </dev/null &
  pids+=($!)
  for _ in $(seq 100); do $ctl -d "$1" status >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "famfsd $1 did not come up:"; cat "$work/$1.log"; return 1
}

echo "== famfsd (master) on an unformatted emulated 4 GiB device $dev"
start host-a 11111111-2222-4333-8444-555555555555 "$work/master.toml"
echo "== famfsctl format"
$ctl -d host-a format
echo "== famfsd (client) on the same memory, with another system UUID"
start host-b 99999999-2222-4333-8444-555555555555 "$work/client.toml"
$ctl list
echo
echo "== on the master: mkdir, create, cp"
$ctl -d host-a mkdir -p datasets/arrow
$ctl -d host-a create datasets/scratch --size 64M
head -c 24M /dev/urandom >"$work/frame.bin"
$ctl -d host-a cp "$work/frame.bin" datasets/arrow/frame.bin
sleep 0.1
echo
echo "== on the client, which replayed the log by itself"
$ctl -d host-b ls -l datasets/arrow
$ctl -d host-b getmap datasets/arrow/frame.bin
if $ctl -d host-b cat datasets/arrow/frame.bin | cmp - "$work/frame.bin"; then
  echo "client reads the same 24 MiB the master copied in"
fi
echo
echo "== status of the client"
$ctl -d host-b status
echo
echo "== fsck.famfs $dev"
build/famfsd/tools/fsck.famfs "$dev"
