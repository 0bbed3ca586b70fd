# The famfs mount of a device-dax device in the systemd guest. Sourced by
# guest_check.sh (its pass/fail/wait_for helpers) once famfs@dax0.0 serves a
# formatted /dev/dax0.0 with famfs.ko loaded and /etc/famfs/famfs.toml
# setting mountpoint = "$mnt" for dax0.0. Ends with namespace0.0 disabled.
# shellcheck shell=sh

ref=/usr/bin/famfsctl # the bytes copied in: any file of the image
unit=famfs@dax0.0.service
mounted() { [ "$(findmnt -n -o FSTYPE --mountpoint "$1" 2>/dev/null)" = famfs ]; }
status_line() { famfsctl -d "$1" status 2>/dev/null | sed -n "s/^$2:[[:space:]]*//p"; }
why() { systemctl status --no-pager "$unit" 2>&1 | tail -n 8 | tr '\n' '|'; }
# Stopped by systemd (BindsTo: inactive) or by famfsd itself, which exits 3
# when its device goes (failed, not restarted: RestartPreventExitStatus=).
is_down() {
    case $(systemctl is-active "$1") in
    inactive | failed) return 0 ;;
    esac
    return 1
}

# bounded SECONDS COMMAND...: COMMAND's exit status, or 124 when it has not
# returned within SECONDS (then it is left behind: a hung task).
# (Wall-clock seconds: under a loaded TCG host a count of sleeps runs long.)
bounded() {
    deadline=$(($(date +%s) + $1))
    shift
    "$@" >/tmp/bounded.out 2>&1 &
    bpid=$!
    while [ -e "/proc/$bpid" ] && [ "$(cut -d ' ' -f 3 "/proc/$bpid/stat" 2>/dev/null)" != Z ]; do
        [ "$(date +%s)" -ge "$deadline" ] && return 124
        sleep 0.2
    done
    wait "$bpid"
}

# A process holding FILE mapped (famfs-mmap-check hold), re-reading it.
start_holder() {
    rm -f /tmp/hold.status
    famfs-mmap-check hold "$1" "$ref" /tmp/hold.status 2>/tmp/hold.err &
    holder=$!
    wait_for 30 test -s /tmp/hold.status && [ "$(cat /tmp/hold.status)" != sigbus ]
}
# Prints what became of the holder within 10 s: it keeps reading correct
# bytes (2 more passes) or it died of SIGBUS; false when it differs or hangs.
holder_verdict() {
    before=$(cat /tmp/hold.status 2>/dev/null)
    i=0
    while :; do
        now=$(cat /tmp/hold.status 2>/dev/null)
        case $now in
        sigbus)
            echo "SIGBUS"
            return 0
            ;;
        differs*)
            echo "mapped bytes $now"
            return 1
            ;;
        esac
        if [ "$now" -ge $((before + 2)) ] 2>/dev/null; then
            echo "the mapping keeps working ($before -> $now passes)"
            return 0
        fi
        if [ $i -ge 100 ]; then
            echo "hung: $before -> $now passes in 10 s, state $(cut -d ' ' -f 3 "/proc/$holder/stat" 2>/dev/null)"
            return 1
        fi
        sleep 0.1
        i=$((i + 1))
    done
}
stop_holder() { kill -9 "$holder" 2>/dev/null; }

# ---- the configured mount point
if wait_for 10 mounted "$mnt" && [ "$(status_line dax0.0 'Mount point')" = "$mnt" ] &&
    [ "$(status_line dax0.0 Backend)" = kernel ]; then
    pass "famfs@dax0.0 mounts famfs at the configured $mnt (famfs.toml [devices.\"dax0.0\"]), backend kernel"
else
    fail "famfs@dax0.0 mount: $(findmnt -n --mountpoint "$mnt") status: $(famfsctl -d dax0.0 status 2>&1 | tr '\n' '|')"
fi

# ---- create and cp, read back through the mount
if famfsctl -d dax0.0 create zeros --size 2M >/tmp/ctl.out 2>&1 &&
    famfsctl -d dax0.0 cp "$ref" famfsctl.bin >>/tmp/ctl.out 2>&1; then
    pass "famfsctl create zeros --size 2M; famfsctl cp $ref famfsctl.bin"
else
    fail "famfsctl create/cp: $(tr '\n' '|' </tmp/ctl.out)"
fi
if [ "$(stat -c %s "$mnt/zeros" 2>&1)" = 2097152 ] && cmp -n 2097152 "$mnt/zeros" /dev/zero; then
    pass "$mnt/zeros: 2 MiB of zeros read(2) through the mount"
else
    fail "$mnt/zeros: $(ls -l "$mnt" 2>&1 | tr '\n' '|')"
fi
if cmp "$mnt/famfsctl.bin" "$ref" >/tmp/cmp.out 2>&1; then
    pass "$mnt/famfsctl.bin read(2) equals what cp wrote ($(stat -c %s "$ref") bytes)"
else
    fail "read(2) of $mnt/famfsctl.bin: $(tr '\n' '|' </tmp/cmp.out)"
fi
if famfs-mmap-check compare "$mnt/famfsctl.bin" "$ref" >/tmp/mmap.out 2>&1; then
    pass "mmap of $mnt/famfsctl.bin equals what cp wrote (famfs-mmap-check)"
else
    fail "mmap of $mnt/famfsctl.bin: $(tr '\n' '|' </tmp/mmap.out)"
fi

# ---- systemctl stop unmounts; start mounts the same files again
if bounded 60 systemctl stop "$unit" && is_inactive "$unit" && ! mounted "$mnt"; then
    pass "systemctl stop famfs@dax0.0: inactive, $mnt unmounted"
else
    fail "systemctl stop famfs@dax0.0: $(systemctl is-active "$unit"), $(findmnt -n --mountpoint "$mnt")"
fi
systemctl start "$unit"
if wait_for 30 mounted "$mnt" && cmp "$mnt/famfsctl.bin" "$ref" >/dev/null 2>&1; then
    pass "systemctl start famfs@dax0.0: mounted again, famfsctl.bin unchanged"
else
    fail "restart: $(why)"
fi

# ---- ndctl disable-namespace: BindsTo stops the unit, the mount goes
# (before any file of it was mapped on this boot)
bounded 60 ndctl disable-namespace namespace0.0
rc=$?
if [ $rc = 124 ]; then
    fail "ndctl disable-namespace with famfs@dax0.0 mounted: no return within 60 s (hung: ndctl state $(cut -d ' ' -f 3 "/proc/$bpid/stat"), famfs@dax0.0 $(systemctl is-active "$unit"), $(findmnt -n --mountpoint "$mnt"))"
    fail "the device checks after the hung disable-namespace: not run"
    return 0
elif [ $rc = 0 ] && wait_for 60 is_down "$unit" && ! mounted "$mnt"; then
    pass "ndctl disable-namespace: famfs@dax0.0 stops ($(systemctl is-active "$unit")), $mnt unmounted"
else
    fail "disable-namespace: exit $rc $(tr '\n' '|' </tmp/bounded.out) $(systemctl is-active "$unit"), $(findmnt -n --mountpoint "$mnt")"
fi

# ---- the formatted device comes back: udev starts the instance, which mounts
if bounded 60 ndctl enable-namespace namespace0.0 && wait_for 60 test -c /dev/dax0.0 &&
    wait_for 90 is_active "$unit" && wait_for 10 mounted "$mnt" && cmp "$mnt/famfsctl.bin" "$ref" >/dev/null 2>&1; then
    pass "a formatted /dev/dax0.0 appears: udev starts famfs@dax0.0, mounted at $mnt with famfsctl.bin"
else
    fail "enable-namespace of formatted dax0.0: $(why)"
fi

# ---- systemctl stop while a process has the file mapped
if start_holder "$mnt/famfsctl.bin"; then
    bounded 60 systemctl stop "$unit"
    rc=$?
    if [ $rc = 0 ] && is_inactive "$unit" && ! mounted "$mnt"; then
        pass "systemctl stop famfs@dax0.0 with famfsctl.bin mapped: returns, inactive, $mnt unmounted"
    else
        fail "systemctl stop with a file mapped: exit $rc, $(systemctl is-active "$unit"), $(findmnt -n --mountpoint "$mnt")"
    fi
    if verdict=$(holder_verdict); then pass "the mapping after the stop: $verdict, no hang"; else
        fail "the mapping after the stop: $verdict"
    fi
    stop_holder
else
    fail "famfs-mmap-check hold: $(cat /tmp/hold.err /tmp/hold.status 2>&1 | tr '\n' '|')"
fi

systemctl start "$unit"
wait_for 30 mounted "$mnt" || fail "famfs@dax0.0 does not mount again: $(why)"

# ---- ndctl disable-namespace while a process has the file mapped
if start_holder "$mnt/famfsctl.bin"; then
    bounded 60 ndctl disable-namespace namespace0.0
    rc=$?
    if [ $rc = 124 ]; then
        fail "ndctl disable-namespace with famfsctl.bin mapped: no return within 60 s (hung: $(cut -d ' ' -f 3 "/proc/$bpid/stat"))"
    elif [ $rc = 0 ] && wait_for 60 is_down "$unit" && ! mounted "$mnt"; then
        pass "ndctl disable-namespace with famfsctl.bin mapped: returns, famfs@dax0.0 stops ($(systemctl is-active "$unit")), $mnt unmounted"
    else
        fail "disable-namespace with a file mapped: exit $rc $(tr '\n' '|' </tmp/bounded.out) $(systemctl is-active "$unit"), $(findmnt -n --mountpoint "$mnt")"
    fi
    if verdict=$(holder_verdict); then pass "the mapping after the device went away: $verdict, no hang"; else
        fail "the mapping after the device went away: $verdict"
    fi
    stop_holder
else
    fail "famfs-mmap-check hold: $(cat /tmp/hold.err /tmp/hold.status 2>&1 | tr '\n' '|')"
fi
