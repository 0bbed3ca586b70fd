#!/bin/sh
# Runs inside a qemu guest booted with real systemd, udev and D-Bus from a
# Debian root where the famfs .deb was installed (tests/system/boot_check.sh).
# The kernel gives it /dev/pmem0 (memmap=). Prints "BOOTCHECK PASS|FAIL NAME"
# lines and "BOOTCHECK END" on the console, then powers the guest off.
set -u

pass() { echo "BOOTCHECK PASS $*"; }
fail() { echo "BOOTCHECK FAIL $*"; }
# wait_for SECONDS COMMAND...: true once COMMAND succeeds.
wait_for() {
    limit=$(($1 * 10))
    shift
    i=0
    while [ $i -lt $limit ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
prop() { systemctl show -p "$2" --value "$1"; }
is_active() { [ "$(systemctl is-active "$1")" = active ]; }
is_inactive() { [ "$(systemctl is-active "$1")" = inactive ]; }
started() { [ "$(prop "$1" ExecMainStartTimestampMonotonic)" != 0 ]; }
exited() { [ "$(prop "$1" ExecMainExitTimestampMonotonic)" != 0 ]; }
status_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }
done_() {
    echo "BOOTCHECK END"
    sync
    echo o >/proc/sysrq-trigger
    sleep 10
}

# ---- famfs.ko, built by DKMS for this kernel, loaded at boot
ko=$(modinfo -n famfs 2>&1)
if [ "$ko" = "/lib/modules/$(uname -r)/updates/dkms/famfs.ko" ] && grep -q '^famfs ' /proc/modules &&
    [ "$(systemctl is-active systemd-modules-load.service)" = active ]; then
    pass "systemd-modules-load loaded famfs.ko ($ko, modules-load.d/famfs.conf)"
else
    fail "famfs.ko at boot: modinfo -n: $ko; /proc/modules: $(grep -c '^famfs ' /proc/modules); $(journalctl -b -u systemd-modules-load --no-pager 2>&1 | tail -n 5 | tr '\n' '|')"
fi

# Two guests on one nvdimm (shared_check.sh) run guest_shared.sh instead.
case " $(cat /proc/cmdline) " in
*" famfs_systest="*)
    . /usr/local/sbin/famfs-guest-shared
    done_
    ;;
esac

# ---- pmem without famfs: no instance
if wait_for 60 test -b /dev/pmem0; then pass "udev: /dev/pmem0 appeared"; else
    fail "udev: no /dev/pmem0"
    done_
fi
udevadm settle
if started famfs@pmem0.service; then fail "pmem0 without famfs: famfs@pmem0 was started"; else
    pass "pmem0 without famfs: no famfs@pmem0 started"
fi

# ---- mkfs.famfs: udev re-probes pmem0 when mkfs closes it ("change"): the
# by-uuid link appears, but a change event starts nothing.
mkfs.famfs /dev/pmem0 >/tmp/mkfs.out 2>&1 || fail "mkfs.famfs /dev/pmem0: $(cat /tmp/mkfs.out)"
udevadm settle
sleep 2
if started famfs@pmem0.service; then fail "a change event of pmem0 started famfs@pmem0"; else
    pass "mkfs.famfs /dev/pmem0 (change event): no instance started"
fi
uuid=$(sed -n 's/^ *file system UUID *//p' /tmp/mkfs.out)
if [ -n "$uuid" ] && [ -e "/dev/disk/by-uuid/$uuid" ]; then pass "udev: /dev/disk/by-uuid/$uuid"; else
    fail "udev: no /dev/disk/by-uuid/$uuid ($(udevadm info /dev/pmem0 | tr '\n' '|'))"
fi
# ---- pmem0 appears carrying famfs ("add"): udev wants famfs@pmem0
if ndctl disable-namespace namespace0.0 >/tmp/ndctl.out 2>&1 && wait_for 30 sh -c '! test -b /dev/pmem0' &&
    ndctl enable-namespace namespace0.0 >>/tmp/ndctl.out 2>&1 && wait_for 30 test -b /dev/pmem0; then
    pass "ndctl: pmem0 removed and added again"
else
    fail "ndctl disable/enable-namespace: $(tr '\n' '|' </tmp/ndctl.out)"
fi
if wait_for 90 is_active famfs@pmem0.service; then
    pass "pmem0 with famfs appears: udev starts famfs@pmem0.service, which reaches active (READY=1)"
else
    fail "famfs@pmem0.service not active: $(systemctl status --no-pager famfs@pmem0.service 2>&1 | tail -n 15 | tr '\n' '|')"
    done_
fi
if [ "$(findmnt -n -o FSTYPE --mountpoint /run/famfs/pmem0)" = famfs ]; then
    pass "famfs@pmem0 mounts famfs at the default /run/famfs/pmem0"
else
    fail "no famfs at /run/famfs/pmem0: $(findmnt -n --mountpoint /run/famfs/pmem0) $(famfsctl -d pmem0 status 2>&1 | tr '\n' '|')"
fi
[ "$(prop famfs@pmem0.service Type)" = notify ] && pass "famfs@pmem0: Type=notify" || fail "Type=$(prop famfs@pmem0.service Type)"
status=$(prop famfs@pmem0.service StatusText)
[ -n "$status" ] && pass "famfs@pmem0: STATUS= '$status'" || fail "famfs@pmem0: no STATUS="

# ---- the API through the shipped bus policy
if famfsctl list >/tmp/list.out 2>&1 && grep -q pmem0 /tmp/list.out; then pass "famfsctl list shows pmem0"; else
    fail "famfsctl list: $(tr '\n' '|' </tmp/list.out)"
fi
if famfsctl -d pmem0 mkdir data >/tmp/ctl.out 2>&1 &&
    famfsctl -d pmem0 create data/f --size 4M >>/tmp/ctl.out 2>&1 &&
    famfsctl -d pmem0 ls data 2>&1 | grep -qx f; then
    pass "famfsctl mkdir, create, ls as root (master)"
else
    fail "famfsctl mkdir/create/ls: $(tr '\n' '|' </tmp/ctl.out)"
fi
if setpriv --reuid=65534 --regid=65534 --clear-groups famfsctl -d pmem0 mkdir denied >/tmp/deny.out 2>&1; then
    fail "an unprivileged user could mkdir"
elif famfsctl -d pmem0 stat data/f >/dev/null 2>&1 &&
    setpriv --reuid=65534 --regid=65534 --clear-groups famfsctl -d pmem0 ls data >/dev/null 2>&1; then
    pass "bus policy: nobody may read (ls) but not mkdir ($(head -n 1 /tmp/deny.out))"
else
    fail "bus policy: nobody cannot read"
fi

# ---- hardening in effect
pid=$(prop famfs@pmem0.service MainPID)
[ "$(status_field "$pid" Seccomp)" = 2 ] && pass "famfsd runs under a seccomp filter" || fail "Seccomp: $(status_field "$pid" Seccomp)"
[ "$(status_field "$pid" NoNewPrivs)" = 1 ] && pass "famfsd: NoNewPrivs" || fail "NoNewPrivs: $(status_field "$pid" NoNewPrivs)"
[ "$(status_field "$pid" CapBnd)" = 000000000020001b ] &&
    pass "famfsd: capability bounding set is CAP_SYS_ADMIN, CAP_CHOWN, CAP_FOWNER, CAP_FSETID, CAP_DAC_OVERRIDE only" ||
    fail "CapBnd: $(status_field "$pid" CapBnd)"
if [ "$(readlink "/proc/$pid/ns/mnt")" = "$(readlink /proc/1/ns/mnt)" ]; then
    pass "famfsd shares the host's mount namespace (its mounts are the host's)"
else
    fail "famfsd runs in a mount namespace of its own"
fi
[ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/1/ns/net)" ] && pass "famfsd: private network namespace" ||
    fail "famfsd shares the host's network namespace"

# ---- watchdog (a drop-in shortens WatchdogSec= to 4s for this test), reload
sleep 6
if [ "$(prop famfs@pmem0.service WatchdogTimestampMonotonic)" != 0 ] &&
    [ "$(prop famfs@pmem0.service NRestarts)" = 0 ] && is_active famfs@pmem0.service; then
    pass "watchdog: WATCHDOG=1 received, no restart"
else
    fail "watchdog: timestamp $(prop famfs@pmem0.service WatchdogTimestampMonotonic), restarts $(prop famfs@pmem0.service NRestarts)"
fi
if systemctl reload famfs@pmem0.service && sleep 1 && is_active famfs@pmem0.service &&
    [ "$(prop famfs@pmem0.service MainPID)" = "$pid" ]; then
    pass "systemctl reload (SIGHUP): same process, still active"
else
    fail "reload: $(systemctl status --no-pager famfs@pmem0.service 2>&1 | tail -n 5 | tr '\n' '|')"
fi

# ---- famfs.target stops every instance
systemctl stop famfs.target
if wait_for 30 is_inactive famfs@pmem0.service; then pass "systemctl stop famfs.target stops famfs@pmem0"; else
    fail "famfs@pmem0 is $(systemctl is-active famfs@pmem0.service) after stopping famfs.target"
fi
# famfsd closing /dev/pmem0 makes a change event: it must not bring it back.
udevadm settle
sleep 3
if is_inactive famfs@pmem0.service; then pass "a stopped famfs@pmem0 stays stopped"; else
    fail "famfs@pmem0 came back after stop: $(systemctl is-active famfs@pmem0.service)"
fi

# ---- device-dax: the same memory as /dev/dax0.0
if ndctl create-namespace -f -e namespace0.0 --mode=devdax --align=2M >/tmp/ndctl.out 2>&1 &&
    wait_for 60 test -c /dev/dax0.0; then
    pass "ndctl: /dev/dax0.0"
    # The device carries no famfs now: famfsd starts, finds it unformatted
    # and exits 0 (allow_format is off), before READY=1, so systemd records a
    # failed start (Result: protocol); it must not restart it.
    if wait_for 90 started famfs@dax0.0.service && wait_for 30 exited famfs@dax0.0.service &&
        [ "$(prop famfs@dax0.0.service ExecMainStatus)" = 0 ] && sleep 4 &&
        [ "$(prop famfs@dax0.0.service NRestarts)" = 0 ] && ! is_active famfs@dax0.0.service; then
        pass "udev starts famfs@dax0.0 for a device_dax device; unformatted: exit 0, no restart ($(systemctl is-active famfs@dax0.0.service), Result: $(prop famfs@dax0.0.service Result))"
    else
        fail "famfs@dax0.0: started $(prop famfs@dax0.0.service ExecMainStartTimestampMonotonic) state $(systemctl is-active famfs@dax0.0.service) status $(prop famfs@dax0.0.service ExecMainStatus) restarts $(prop famfs@dax0.0.service NRestarts)"
    fi
    mkfs.famfs /dev/dax0.0 >/dev/null 2>&1 || fail "mkfs.famfs /dev/dax0.0"
    # Mounted elsewhere than the default /run/famfs/dax0.0.
    mnt=/mnt/famfs
    printf '\n[devices."dax0.0"]\nmountpoint = "%s"\n' "$mnt" >>/etc/famfs/famfs.toml
    systemctl reset-failed famfs@dax0.0.service
    systemctl start famfs@dax0.0.service
    if is_active famfs@dax0.0.service && famfsctl -d dax0.0 status >/dev/null 2>&1; then
        pass "famfs@dax0.0 serves a formatted /dev/dax0.0"
    else
        fail "famfs@dax0.0: $(systemctl status --no-pager famfs@dax0.0.service 2>&1 | tail -n 8 | tr '\n' '|')"
    fi
    # The mount, files, mmap, stop, and the device going (BindsTo).
    . /usr/local/sbin/famfs-guest-mount
else
    fail "ndctl create-namespace --mode=devdax: $(tr '\n' '|' </tmp/ndctl.out)"
fi

done_
