# One of two systemd guests sharing one nvdimm backing file
# (shared_check.sh); sourced by guest_check.sh (its pass/fail/wait_for
# helpers). The kernel command line says which: famfs_systest=master or
# famfs_systest=client, and systemd.machine_id= gives each its own system
# UUID (the root image is the same, booted with snapshot=on).
#   master: makes namespace0.0 devdax, formats it, copies a file in, prints
#           "BOOTCHECK MASTER-READY" (shared_check.sh then boots the client),
#           waits for the client to register, copies another file, and waits
#           for the client to stop.
#   client: its famfs@dax0.0, started by udev at boot, shows both files.
# Check names carry no role: run.sh prefixes them.
# shellcheck shell=sh

role=$(sed -n 's/.* famfs_systest=\([a-z]*\).*/\1/p' /proc/cmdline)
ref=/usr/bin/famfsctl # the bytes copied in: the same file in both guests
unit=famfs@dax0.0.service
mnt=/run/famfs/dax0.0 # the default mount point
mounted() { [ "$(findmnt -n -o FSTYPE --mountpoint "$1" 2>/dev/null)" = famfs ]; }
status_line() { famfsctl -d dax0.0 status 2>/dev/null | sed -n "s/^$1:[[:space:]]*//p"; }
why() { systemctl status --no-pager "$unit" 2>&1 | tail -n 8 | tr '\n' '|'; }
# host_row ROLE STATE-REGEX: famfsctl hosts lists a host of ROLE in a state
# matching STATE-REGEX (columns: system UUID, hostname, role, state, ...).
host_row() { famfsctl -d dax0.0 hosts 2>/dev/null | awk -v r="$1" -v s="^($2)\$" '$3 == r && $4 ~ s { f = 1 } END { exit !f }'; }
# same_bytes FILE: FILE in the mount equals $ref through read(2) and mmap.
same_bytes() { cmp "$1" "$ref" >/tmp/cmp.out 2>&1 && famfs-mmap-check compare "$1" "$ref" >>/tmp/cmp.out 2>&1; }
served() {
    if is_active "$unit" && wait_for 10 mounted "$mnt"; then
        pass "famfs@dax0.0 active, famfs mounted at the default $mnt"
    else
        fail "famfs@dax0.0: $(why) mount: $(findmnt -n --mountpoint "$mnt")"
        done_
    fi
    r=$(status_line Role) me=$(status_line 'System UUID') master=$(status_line 'Master system UUID')
    case $1 in
    master) [ "$me" = "$master" ] ;;
    *) [ -n "$master" ] && [ "$me" != "$master" ] ;;
    esac
    if [ $? = 0 ] && [ "$r" = "$1" ] && [ -n "$me" ]; then
        pass "famfsctl status: Role $r (system UUID $me, the master's $master)"
    else
        fail "famfsctl status: Role '$r' (want $1), system UUID $me, the master's $master"
    fi
}
# famfsd derives the system UUID from the machine id: it must be the one on
# the kernel command line.
id=$(sed -n 's/.* systemd\.machine_id=\([0-9a-f]*\).*/\1/p' /proc/cmdline)
if [ -n "$id" ] && [ "$(cat /etc/machine-id)" = "$id" ]; then
    pass "machine id $id from systemd.machine_id="
else
    fail "machine id $(cat /etc/machine-id), kernel command line '$id'"
fi

case $role in
master)
    if wait_for 60 test -b /dev/pmem0 && echo 0x200000 >/sys/bus/nd/devices/region0/align &&
        ndctl create-namespace -f -e namespace0.0 --mode=devdax --align=2M >/tmp/ndctl.out 2>&1 &&
        wait_for 60 test -c /dev/dax0.0; then
        pass "nvdimm: region0 align 2M, ndctl create-namespace --mode=devdax: /dev/dax0.0"
    else
        fail "nvdimm namespace: $(ls /dev/pmem* /dev/dax* 2>&1 | tr '\n' ' ') $(tr '\n' '|' </tmp/ndctl.out)"
        done_
    fi
    # udev starts the instance on the unformatted device; it exits at once.
    wait_for 90 started "$unit" && wait_for 30 exited "$unit"
    if mkfs.famfs /dev/dax0.0 >/tmp/mkfs.out 2>&1; then
        pass "mkfs.famfs /dev/dax0.0 ($(grep 'master system UUID' /tmp/mkfs.out | sed 's/^ *//'))"
    else
        fail "mkfs.famfs /dev/dax0.0: $(tr '\n' '|' </tmp/mkfs.out)"
    fi
    systemctl reset-failed "$unit"
    systemctl start "$unit"
    served master
    if famfsctl -d dax0.0 mkdir early >/tmp/ctl.out 2>&1 && famfsctl -d dax0.0 cp "$ref" early/famfsctl.bin >>/tmp/ctl.out 2>&1 &&
        same_bytes "$mnt/early/famfsctl.bin"; then
        pass "famfsctl mkdir early; cp $ref early/famfsctl.bin: read(2) and mmap equal it"
    else
        fail "mkdir/cp on the master: $(cat /tmp/ctl.out /tmp/cmp.out 2>/dev/null | tr '\n' '|')"
    fi
    echo "BOOTCHECK MASTER-READY"
    if wait_for 300 host_row client ready; then
        pass "famfsctl hosts: the client registered, ready"
    else
        fail "no ready client host: $(famfsctl -d dax0.0 hosts 2>&1 | tr '\n' '|')"
        done_
    fi
    if famfsctl -d dax0.0 cp "$ref" late.bin >/tmp/ctl.out 2>&1 &&
        famfsctl -d dax0.0 create late.done --size 4K >>/tmp/ctl.out 2>&1; then
        pass "with the client up: famfsctl cp $ref late.bin, then create late.done"
    else
        fail "cp late.bin: $(tr '\n' '|' </tmp/ctl.out)"
    fi
    # The client stops its instance when it has read everything.
    if wait_for 300 host_row client 'stopped|stale'; then
        pass "the client stopped (famfsctl hosts)"
    else
        fail "the client did not stop: $(famfsctl -d dax0.0 hosts 2>&1 | tr '\n' '|')"
    fi
    ;;
client)
    if wait_for 60 test -c /dev/dax0.0; then pass "/dev/dax0.0 at boot: the master's devdax namespace"; else
        fail "no /dev/dax0.0 at boot: $(ls /dev/pmem* /dev/dax* 2>&1 | tr '\n' ' ')"
        done_
    fi
    wait_for 120 is_active "$unit"
    # Pulled in by the device unit (udev's SYSTEMD_WANTS), nothing else:
    # systemd names it by its sysfs path (sys-devices-...-dax0.0.device),
    # dev-dax0.0.device being an alias.
    if prop "$unit" WantedBy | grep -Eq '(^| )sys-devices-[^ ]*-dax0\.0\.device( |$)' &&
        [ "$(prop "$unit" ExecMainStartTimestampMonotonic)" -lt "$(prop famfs-guest-check.service ExecMainStartTimestampMonotonic)" ]; then
        pass "udev started famfs@dax0.0 at boot (WantedBy= the dax0.0 device unit, started before this check ran)"
    else
        fail "famfs@dax0.0 not started at boot by udev: WantedBy=$(prop "$unit" WantedBy) $(why)"
    fi
    served client
    if wait_for 30 test -f "$mnt/early/famfsctl.bin" && same_bytes "$mnt/early/famfsctl.bin"; then
        pass "the master's early/famfsctl.bin is in the client's mount: read(2) and mmap equal the master's bytes"
    else
        fail "early/famfsctl.bin on the client: $(ls -lR "$mnt" 2>&1 | tr '\n' '|') $(tr '\n' '|' </tmp/cmp.out 2>/dev/null)"
    fi
    # The master copies late.bin once it sees this host registered, then
    # creates late.done: the client shows them by itself (poll).
    t0=$(date +%s)
    if wait_for 300 test -f "$mnt/late.done"; then
        pass "late.done (created by the master after this host registered) appears in the mount by itself, $(($(date +%s) - t0)) s after the client started waiting"
    else
        fail "late.done never appeared: $(ls -l "$mnt" 2>&1 | tr '\n' '|') $(famfsctl -d dax0.0 status 2>&1 | tr '\n' '|')"
    fi
    if same_bytes "$mnt/late.bin"; then
        pass "late.bin in the client's mount: read(2) and mmap equal the master's bytes"
    else
        fail "late.bin on the client: $(tr '\n' '|' </tmp/cmp.out)"
    fi
    if systemctl stop "$unit" && ! mounted "$mnt"; then pass "systemctl stop famfs@dax0.0: $mnt unmounted"; else
        fail "client stop: $(why)"
    fi
    ;;
*)
    fail "famfs_systest=$role: neither master nor client"
    ;;
esac
