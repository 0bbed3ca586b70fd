#!/bin/sh
# Runs inside a root where the famfs .deb was installed (tests/system/run.sh
# chroots into a throwaway Debian root). Checks that every file is where the
# units, the udev rule and the bus policy expect it, and that the installed
# programs run. Prints one line per problem; exits non-zero if there is any.
set -u

problems=0
bad() {
    echo "installed_check: $*"
    problems=$((problems + 1))
}
need_file() { [ -f "$1" ] || bad "missing $1"; }
need_exec() { [ -x "$1" ] || bad "missing or not executable: $1"; }

# systemd: where this distribution's systemd looks for units.
unitdir=/lib/systemd/system
[ -d /usr/lib/systemd/system ] && [ ! -f $unitdir/famfs@.service ] && unitdir=/usr/lib/systemd/system
unit=$unitdir/famfs@.service
need_file "$unit"
need_file "$unitdir/famfs.target"
if [ -f "$unit" ]; then
    exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
    need_exec "$exec_start"
    grep -q '^WantedBy=famfs.target$' "$unit" || bad "$unit is not WantedBy=famfs.target"
fi
# famfs.target is enabled, so enabled instances start at boot.
[ -L /etc/systemd/system/multi-user.target.wants/famfs.target ] ||
    bad "famfs.target is not enabled (no multi-user.target.wants link)"
[ -e /etc/systemd/system/multi-user.target.wants/famfs@.service ] &&
    bad "the template famfs@.service was enabled"

# sysusers.d / tmpfiles.d, and what they declare.
need_file /usr/lib/sysusers.d/famfs.conf
need_file /usr/lib/tmpfiles.d/famfs.conf
getent group famfs >/dev/null || bad "group famfs does not exist"

# udev: the rule and the helper it names, in udev's own directory.
udevdir=/lib/udev
need_file $udevdir/rules.d/60-famfs.rules
probe=$(sed -n 's/.*IMPORT{program}="\([^ "]*\).*/\1/p' $udevdir/rules.d/60-famfs.rules 2>/dev/null | head -n 1)
[ "$probe" = famfs_probe ] || bad "the rule imports '$probe', expected famfs_probe"
need_exec "$udevdir/$probe"

# D-Bus: the policy in a directory the system bus configuration includes,
# the introspection XML where D-Bus tools look for interfaces.
need_file /usr/share/dbus-1/system.d/org.famfs.Famfs1.conf
need_file /usr/share/dbus-1/interfaces/org.famfs.Famfs1.xml
need_file /usr/share/dbus-1/interfaces/org.famfs.Famfs1.Job.xml
grep -q '<includedir>/usr/share/dbus-1/system.d</includedir>\|<includedir>system.d</includedir>' \
    /usr/share/dbus-1/system.conf 2>/dev/null || bad "system.conf does not include /usr/share/dbus-1/system.d"
grep -q 'group="famfs"' /usr/share/dbus-1/system.d/org.famfs.Famfs1.conf ||
    bad "the bus policy does not name the famfs group"

# Configuration, documentation, completion.
need_file /etc/famfs/famfs.toml
for page in man8/famfsd.8 man8/famfsctl.8 man8/mkfs.famfs.8 man8/fsck.famfs.8 man5/famfs.toml.5; do
    [ -f /usr/share/man/$page ] || [ -f /usr/share/man/$page.gz ] || bad "missing man page $page"
done
need_file /usr/share/bash-completion/completions/famfsctl

# The programs run here, with only their package dependencies installed.
for prog in /usr/sbin/famfsd /usr/bin/famfsctl /usr/sbin/mkfs.famfs /usr/sbin/fsck.famfs "$udevdir/famfs_probe"; do
    "$prog" --help >/tmp/help.out 2>&1 || bad "$prog --help failed: $(head -n 3 /tmp/help.out)"
    grep -q '^Usage:' /tmp/help.out || bad "$prog --help printed no usage"
done

# The tools work on an emulated device.
img=/tmp/famfs-installed.img
rm -f $img
truncate -s 64M $img
mkfs.famfs --system-uuid 11111111-2222-4333-8444-555555555555 $img >/tmp/mkfs.out 2>&1 ||
    bad "mkfs.famfs failed: $(cat /tmp/mkfs.out)"
fsck.famfs $img >/tmp/fsck.out 2>&1 || bad "fsck.famfs failed: $(cat /tmp/fsck.out)"
"$udevdir/famfs_probe" $img >/tmp/probe.out 2>&1 || bad "famfs_probe failed: $(cat /tmp/probe.out)"
grep -q '^ID_FS_TYPE=famfs$' /tmp/probe.out || bad "famfs_probe did not report famfs"
rm -f $img

if [ $problems -eq 0 ]; then
    echo "installed_check: all files in place, programs run"
    exit 0
fi
exit 1
