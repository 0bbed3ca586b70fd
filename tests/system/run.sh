#!/usr/bin/env bash
# System integration checks: systemd units, udev rule and probe helper, man
# pages, bash completion, RPM and DEB packages (with DKMS), and an install of
# the .deb into a throwaway Debian root.
#
# Usage: tests/system/run.sh [BUILDDIR]     (as root, no stdin needed)
#   BUILDDIR  meson build directory to use (default: build/; set up if absent)
# Environment:
#   FAMFS_SYSTEST_CACHE     where the debootstrap base root and downloaded
#                           .debs are kept between runs
#                           (default /var/cache/famfs-systest)
#   FAMFS_SYSTEST_QUICK=1   skip the package builds and the chroot install
#
# Prints one line per check and ends with "N passed, N failed"; exits 1 when
# any check failed. Logs: tests/system/out/logs/.
set -uo pipefail
export LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$here/out
logs=$out/logs
build=$(realpath -m "${1:-$root/build}")
cache=${FAMFS_SYSTEST_CACHE:-/var/cache/famfs-systest}
quick=${FAMFS_SYSTEST_QUICK:-0}
suite=bookworm
mirror=http://deb.debian.org/debian
apt_opts=(-o DPkg::Lock::Timeout=600 -q -y --no-install-recommends)

start=$SECONDS
passed=0 failed=0 skipped=0
rm -rf "$logs"
mkdir -p "$logs"

# check NAME COMMAND...: runs COMMAND with its output in logs/NAME.log and
# prints one line; a failure also shows the log's last lines.
check() {
    local name=$1
    shift
    local f
    f=$logs/$(tr -c 'A-Za-z0-9._-' '_' <<<"$name" | cut -c1-80).log
    local t0=$SECONDS
    if "$@" >"$f" 2>&1 </dev/null; then
        echo "PASS  $name$(took $t0)"
        passed=$((passed + 1))
    else
        echo "FAIL  $name$(took $t0)  (log: ${f#"$root"/})"
        tail -n 12 "$f" | sed 's/^/      | /'
        failed=$((failed + 1))
    fi
}
took() { # took T0: " (N s)" when the check took 5 s or more
    local dt=$((SECONDS - $1))
    ((dt >= 5)) && echo " ($dt s)"
}
skip() {
    echo "SKIP  $1 ($2)"
    skipped=$((skipped + 1))
}
finish() {
    echo "system tests: $((SECONDS - start)) s"
    if ((skipped)); then
        echo "$passed passed, $failed failed, $skipped skipped"
    else
        echo "$passed passed, $failed failed"
    fi
    ((failed == 0))
    exit $?
}

if ((EUID != 0)); then
    echo "tests/system/run.sh: must run as root (apt-get, namespaces, chroot)"
    echo "0 passed, 1 failed"
    exit 1
fi

# ---------------------------------------------------------------- packages
# What these checks use, plus the .deb's build dependencies (from
# debian/control, so the two never drift apart). linux-headers-amd64: the
# DKMS build and the guests' kernel (the vm tier, which installs it too,
# runs after this one); procps: the units' ExecReload=kill, which the
# dependency check looks up on this host.
host_packages() {
    echo systemd udev dbus pkg-config python3 meson ninja-build scdoc man-db groff-base \
        bash-completion rpm dpkg-dev debhelper dh-dkms fakeroot debootstrap util-linux \
        dkms make kmod gcc libc6-dev qemu-system-x86 busybox-static cpio file \
        linux-headers-amd64 procps
    sed -n '/^Build-Depends:/,/^[A-Z]/p' "$root/debian/control" | sed '1s/^Build-Depends://;$d' |
        tr ',' '\n' | sed 's/([^)]*)//g; s/<[^>]*>//g; s/\[[^]]*\]//g' | tr -d ' \t' | grep -v '^$'
}
install_host_packages() {
    local missing=() p
    for p in $(host_packages | sort -u); do
        case $p in
        debhelper-compat) p=debhelper ;;
        dh-sequence-dkms) p=dh-dkms ;;
        esac
        dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    echo "installing: ${missing[*]}"
    apt-get -o DPkg::Lock::Timeout=600 -q update &&
        apt-get "${apt_opts[@]}" install "${missing[@]}"
}
check "host packages installed (apt-get)" install_host_packages

# ---------------------------------------------------------------- build
famfs_version=$(sed -n "s/^ *version: '\([^']*\)',*$/\1/p" "$root/meson.build" | head -n 1)
build_installed() {
    if [[ ! -f $build/build.ninja ]]; then
        meson setup "$build" "$root" || return 1
    fi
    # Reconfigures by itself when meson files changed.
    ninja -C "$build" build.ninja || return 1
    # shellcheck disable=SC2046
    ninja -C "$build" $(python3 "$root/dist/installed-targets.py" "$build")
}
check "build what gets installed ($build)" build_installed

bin() { # bin NAME: path of a built executable in $build
    meson introspect --targets "$build" |
        python3 -c 'import json,sys; n=sys.argv[1]; print(next(f for t in json.load(sys.stdin) if t["name"]==n for f in t["filename"]))' "$1"
}
famfsd=$(bin famfsd 2>/dev/null)
famfsctl=$(bin famfsctl 2>/dev/null)
mkfs=$(bin mkfs.famfs 2>/dev/null)
fsck=$(bin fsck.famfs 2>/dev/null)
probe=$(bin famfs_probe 2>/dev/null)

# ---------------------------------------------------------------- version
check_versions() {
    local spec deb bin_v
    spec=$(sed -n 's/^%global famfs_version //p' "$root/famfs.spec")
    deb=$(dpkg-parsechangelog -l "$root/debian/changelog" -S Version)
    bin_v=$("$famfsd" --version | awk '{print $2}')
    echo "meson.build $famfs_version, famfs.spec $spec, debian/changelog $deb, famfsd --version $bin_v"
    [[ -n $famfs_version && $spec == "$famfs_version" && ${deb%-*} == "$famfs_version" && $bin_v == "$famfs_version" ]]
}
check "version: meson.build = famfs.spec = debian/changelog = famfsd --version" check_versions

# ---------------------------------------------------------------- systemd
units=$out/units
prepare_units() {
    rm -rf "$units" && mkdir -p "$units" &&
        # A build-tree copy whose ExecStart exists.
        sed "s|^ExecStart=[^ ]*famfsd|ExecStart=$famfsd|" "$build/systemd/famfs@.service" >"$units/famfs@.service" &&
        cp "$root/systemd/famfs.target" "$units/" &&
        grep -q "^ExecStart=$famfsd --device /dev/%I$" "$units/famfs@.service"
}
check "units: build-tree copy of famfs@.service runs $famfsd" prepare_units

verify_units() {
    local output
    output=$(SYSTEMD_UNIT_PATH="$units:" systemd-analyze verify --man=no \
        famfs@dax0.0.service famfs@pmem0.service famfs.target 2>&1)
    local rc=$?
    printf '%s\n' "$output"
    [[ $rc -eq 0 && -z $output ]]
}
check "systemd-analyze verify famfs@dax0.0.service famfs@pmem0.service famfs.target prints nothing" verify_units

# The score recorded in README.md ("Exposure score: N.N"), in tenths for
# --threshold.
recorded=$(sed -n 's/.*systemd-analyze security.*exposure score: *\([0-9.]*\).*/\1/ip' "$root/README.md" | head -n 1)
security_score() {
    [[ -n $recorded ]] || {
        echo "README.md records no exposure score"
        return 1
    }
    local threshold
    threshold=$(awk -v s="$recorded" 'BEGIN { printf "%d", s * 10 + 0.5 }')
    SYSTEMD_UNIT_PATH="$units:" systemd-analyze security --offline=true --no-pager \
        --threshold="$threshold" famfs@dax0.0.service
}
check "systemd-analyze security famfs@dax0.0.service <= ${recorded:-?} (README.md)" security_score

no_mount_namespace() {
    # Each of these gives the service a mount namespace of its own, where
    # the famfs mount would be invisible to the host.
    local bad
    bad=$(grep -En '^(ProtectSystem|ProtectHome|PrivateTmp|PrivateDevices|ProtectKernelTunables|ProtectKernelModules|ProtectKernelLogs|ProtectControlGroups|ProtectProc|ProcSubset|ReadWritePaths|ReadOnlyPaths|InaccessiblePaths|ExecPaths|NoExecPaths|TemporaryFileSystem|BindPaths|BindReadOnlyPaths|PrivateIPC|IPCNamespacePath|RootDirectory|RootImage|MountFlags|MountImages|ExtensionImages|ExtensionDirectories|LogNamespace|StateDirectory|CacheDirectory|LogsDirectory)=|^PrivateMounts=(yes|true|1|on)' \
        "$units/famfs@.service")
    echo "${bad:-no mount-namespace option}"
    [[ -z $bad ]] && grep -q '^PrivateMounts=no$' "$units/famfs@.service"
}
check "famfs@.service: no option that creates a mount namespace (PrivateMounts=no)" no_mount_namespace

unit_wiring() {
    local u=$units/famfs@.service ok=0
    for line in 'Type=notify' 'BindsTo=dev-%i.device' 'After=dev-%i.device' 'Before=run-famfs-%i.mount' \
        'PartOf=famfs.target' 'WantedBy=famfs.target' 'Restart=on-failure' 'DevicePolicy=closed' \
        'DeviceAllow=/dev/%I rw' 'CapabilityBoundingSet=CAP_SYS_ADMIN CAP_CHOWN CAP_FOWNER CAP_FSETID CAP_DAC_OVERRIDE' 'RestrictAddressFamilies=AF_UNIX' \
        'NoNewPrivileges=yes'; do
        grep -qxF "$line" "$u" || {
            echo "missing: $line"
            ok=1
        }
    done
    grep -q '^WatchdogSec=' "$u" || { echo "missing WatchdogSec="; ok=1; }
    grep -q '^StartLimitBurst=' "$u" || { echo "missing StartLimitBurst="; ok=1; }
    # %i names the device unit, %I the path: both right for dax0.0.
    [[ $(systemd-escape --path /dev/dax0.0) == "dev-$(systemd-escape dax0.0)" ]] || { echo "escaping differs"; ok=1; }
    [[ $(systemd-escape --path /run/famfs/dax0.0) == "run-famfs-$(systemd-escape dax0.0)" ]] || { echo "escaping differs"; ok=1; }
    return $ok
}
check "famfs@.service: notify, watchdog, restart limit, device binding, mount ordering" unit_wiring

sysusers_tmpfiles() {
    local r=$out/sysroot
    rm -rf "$r" && mkdir -p "$r/etc" "$r/run" && touch "$r/etc/group" "$r/etc/passwd" &&
        systemd-sysusers --root="$r" "$root/systemd/famfs.sysusers" &&
        grep '^famfs:' "$r/etc/group" &&
        systemd-tmpfiles --root="$r" --create "$root/systemd/famfs.tmpfiles" &&
        [[ $(stat -c '%a %U' "$r/run/famfs") == "755 root" ]]
}
check "sysusers.d creates group famfs; tmpfiles.d creates /run/famfs 0755" sysusers_tmpfiles

# ---------------------------------------------------------------- probe
probe_exit_codes() {
    local d=$out/probe
    rm -rf "$d" && mkdir -p "$d"
    truncate -s 64M "$d/famfs.img" "$d/zero.img"
    "$mkfs" --system-uuid 11111111-2222-4333-8444-555555555555 "$d/famfs.img" || return 1
    cp "$d/famfs.img" "$d/corrupt.img"
    printf '\xff' | dd of="$d/corrupt.img" bs=1 seek=50 conv=notrunc status=none
    "$probe" "$d/famfs.img" >"$d/famfs.out"
    local rc_famfs=$? rc_zero rc_corrupt rc_missing
    "$probe" "$d/zero.img" >"$d/zero.out"
    rc_zero=$?
    "$probe" "$d/corrupt.img" >"$d/corrupt.out"
    rc_corrupt=$?
    "$probe" "$d/missing.img" >"$d/missing.out"
    rc_missing=$?
    cat "$d/famfs.out"
    echo "exit codes: famfs $rc_famfs, zeros $rc_zero, corrupt $rc_corrupt, missing $rc_missing"
    [[ $rc_famfs == 0 && $rc_zero == 1 && $rc_corrupt == 2 && $rc_missing == 3 ]] &&
        grep -qx 'ID_FS_TYPE=famfs' "$d/famfs.out" &&
        [[ ! -s $d/zero.out && ! -s $d/corrupt.out && ! -s $d/missing.out ]] &&
        "$fsck" "$d/famfs.img" >/dev/null &&
        grep -qx "ID_FS_UUID=$("$fsck" --json "$d/famfs.img" |
            python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["superblock"]["fs_uuid"])')" "$d/famfs.out"
}
check "famfs_probe: properties only for a valid superblock (exit 0/1/2/3)" probe_exit_codes

# ---------------------------------------------------------------- udev
for scenario in dax-devdax dax-bind dax-change dax-kmem dax-unbound pmem-famfs pmem-famfs-change pmem-empty pmem-corrupt; do
    case $scenario in
    dax-devdax) what="add of dax0.0 on device_dax wants famfs@dax0.0.service" ;;
    dax-bind) what="bind of device_dax to dax0.0 (hotplug) wants famfs@dax0.0.service" ;;
    dax-change) what="change of dax0.0 wants nothing (stopped stays stopped)" ;;
    pmem-famfs-change) what="change of pmem0 with famfs: ID_FS_UUID, by-uuid link, wants nothing" ;;
    dax-kmem) what="dax0.0 in system-ram mode (kmem) wants nothing" ;;
    dax-unbound) what="dax0.0 before its driver binds wants nothing" ;;
    pmem-famfs) what="add of pmem0 with famfs wants famfs@pmem0.service, ID_FS_UUID, by-uuid link" ;;
    pmem-empty) what="pmem0 without famfs wants nothing" ;;
    pmem-corrupt) what="pmem0 with a corrupt famfs superblock wants nothing" ;;
    esac
    check "udevadm test: $what" unshare -m "$here/udev_check.sh" "$scenario" \
        "$root/udev/60-famfs.rules" "$probe" "$mkfs"
done

# The checker itself: a rule with a syntax error must not pass.
broken_rule_fails() {
    local rule=$out/broken/60-famfs.rules
    mkdir -p "$out/broken" && cp "$root/udev/60-famfs.rules" "$rule" &&
        echo 'SUBSYSTEM=="dax", TAGG+="systemd"' >>"$rule" || return 1
    if unshare -m "$here/udev_check.sh" dax-devdax "$rule" "$probe" "$mkfs"; then
        echo "a rule with an invalid key passed"
        return 1
    fi
}
check "udevadm test: the check catches a rule udev cannot parse" broken_rule_fails

# ---------------------------------------------------------------- man pages
man_render() {
    local page rc=0 warn
    for page in famfsd.8 famfsctl.8 mkfs.famfs.8 fsck.famfs.8 famfs.toml.5; do
        [[ -s $build/man/$page ]] || {
            echo "not built: $page"
            rc=1
            continue
        }
        warn=$(MANWIDTH=80 man --warnings -l "$build/man/$page" 2>&1 >/dev/null)
        [[ -z $warn ]] || {
            echo "$page: $warn"
            rc=1
        }
    done
    return $rc
}
check "man pages: all five built, render without groff warnings" man_render

# Every long option a program's --help lists appears in its man page.
options_in_man() { # options_in_man MANSOURCE HELPTEXT...
    local src=$1 rc=0 opt
    shift
    for opt in $(printf '%s\n' "$@" | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
        grep -qF -- "*$opt*" "$src" || {
            echo "$(basename "$src"): no $opt"
            rc=1
        }
    done
    return $rc
}
man_matches_help() {
    local rc=0 cmd helps=()
    options_in_man "$root/man/famfsd.8.scd" "$("$famfsd" --help)" || rc=1
    options_in_man "$root/man/mkfs.famfs.8.scd" "$("$mkfs" --help)" || rc=1
    options_in_man "$root/man/fsck.famfs.8.scd" "$("$fsck" --help)" || rc=1
    for cmd in $(famfsctl_commands); do
        helps+=("$("$famfsctl" "$cmd" --help)")
        grep -qE "^\*$cmd\*" "$root/man/famfsctl.8.scd" || {
            echo "famfsctl.8.scd: no command $cmd"
            rc=1
        }
    done
    options_in_man "$root/man/famfsctl.8.scd" "$("$famfsctl" --help)" "${helps[@]}" || rc=1
    return $rc
}
famfsctl_commands() {
    "$famfsctl" --help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }'
}
check "man pages name every command and option the programs' --help lists" man_matches_help

# ---------------------------------------------------------------- completion
# complete_words WORD...: what the completion offers for the last WORD.
complete_words() {
    bash -c '
        source /usr/share/bash-completion/bash_completion
        source "$1"
        shift
        COMP_WORDS=("$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="${COMP_WORDS[*]}"
        COMP_POINT=${#COMP_LINE}
        _famfsctl famfsctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}"
    ' complete "$root/completion/famfsctl" "$@"
}
completion_matches_help() {
    local rc=0 cmd want got
    want=$(famfsctl_commands | sort)
    got=$(complete_words famfsctl "" | sort)
    [[ $want == "$got" ]] || {
        echo "commands: --help has [$want], completion offers [$got]"
        rc=1
    }
    for cmd in $(famfsctl_commands); do
        want=$("$famfsctl" "$cmd" --help | awk '/^Options:/ { on = 1; next } on && /^$/ { exit } on' |
            grep -oE -- '(^|[ ,])--?[a-z][a-z-]*' | tr -d ' ,' | sort -u)
        got=$(complete_words famfsctl "$cmd" - | sort -u)
        for opt in $want; do
            grep -qxF -- "$opt" <<<"$got" || {
                echo "famfsctl $cmd: completion lacks $opt"
                rc=1
            }
        done
    done
    return $rc
}
check "bash completion offers every famfsctl command and option from --help" completion_matches_help

# ---------------------------------------------------------------- packages
if [[ $quick == 1 ]]; then
    skip "RPM and DEB packages, DKMS build, chroot install" "FAMFS_SYSTEST_QUICK=1"
    finish
fi

# shellcheck source=tests/system/packages.sh
source "$here/packages.sh"

# DKMS builds famfs.ko from what famfs-dkms installs, against Debian's 6.1
# headers, in a private DKMS tree (nothing lands in the host's /lib/modules).
kdir=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | head -n 1)
if [[ -n $kdir && -d /lib/modules/${kdir#/usr/src/linux-headers-}/build ]]; then
    dkms_build() {
        local kver=${kdir#/usr/src/linux-headers-} d=$out/dkms
        rm -rf "$d" && mkdir -p "$d/root" "$d/tree" &&
            dpkg-deb -x "$deb_dkms" "$d/root" &&
            dkms build -m famfs -v "$famfs_version" -k "$kver" \
                --sourcetree "$d/root/usr/src" --dkmstree "$d/tree" &&
            modinfo "$d/tree/famfs/$famfs_version/$kver/x86_64/module/famfs.ko" | grep -E '^(name|vermagic)'
    }
    check "dkms build of famfs-dkms for $(basename "$kdir")" dkms_build

    # What installing famfs-dkms leaves on a host running that kernel:
    # famfs.ko where dkms.conf's DEST_MODULE_LOCATION says, under
    # /lib/modules/KVER, and the package's modules-load.d file; the kernel's
    # modules.builtin* and modules.order beside it for depmod (run in
    # chroot_root.sh). The guest boots this kernel (kernel_tree.sh).
    guest_module() {
        local kver=${kdir#/usr/src/linux-headers-} d=$out/dkms g=$out/guest-module ktree dest
        ktree=$("$here/kernel_tree.sh" "$cache")/tree/lib/modules/$kver || return 1
        dest=$(sed -n 's/^DEST_MODULE_LOCATION\[0\]="\(.*\)"$/\1/p' "$d/root/usr/src/famfs-$famfs_version/dkms.conf")
        [[ $dest == /* ]] || { echo "dkms.conf: no DEST_MODULE_LOCATION[0]"; return 1; }
        rm -rf "$g" && mkdir -p "$g/lib/modules/$kver$dest" "$g/usr/lib/modules-load.d" &&
            cp "$d/tree/famfs/$famfs_version/$kver/x86_64/module/famfs.ko" "$g/lib/modules/$kver$dest/" &&
            cp "$ktree"/modules.{builtin,builtin.modinfo,order} "$g/lib/modules/$kver/" &&
            cp "$d/root/usr/lib/modules-load.d/famfs.conf" "$g/usr/lib/modules-load.d/famfs.conf" || return 1
        # famfs.ko needs nothing but the kernel image (DAX is built in).
        [[ -z $(modinfo -F depends "$g/lib/modules/$kver$dest/famfs.ko") ]] || {
            echo "famfs.ko depends on modules: $(modinfo -F depends "$g/lib/modules/$kver$dest/famfs.ko")"
            return 1
        }
        echo "$kver" >"$g/kver"
        (cd "$g" && find . -type f | sort)
        cat "$g/usr/lib/modules-load.d/famfs.conf"
    }
    check "famfs.ko for the guest: in /lib/modules/KVER/updates/dkms as dkms install puts it, modules-load.d from famfs-dkms" guest_module
else
    skip "dkms build of famfs-dkms" "no /usr/src/linux-headers-*-amd64 with /lib/modules/*/build"
fi

# ---------------------------------------------------------------- chroot
# A minimal Debian root with systemd, made once with debootstrap and kept in
# $cache; each run installs into a throwaway overlay on top of it.
base=$cache/$suite-systemd
make_base() {
    [[ -x $base/lib/systemd/systemd ]] && return 0
    mkdir -p "$cache" && rm -rf "$base.tmp" &&
        debootstrap --variant=minbase --include=systemd,procps "$suite" "$base.tmp" "$mirror" &&
        mv "$base.tmp" "$base"
}
check "debootstrap --variant=minbase --include=systemd $suite (cached in $cache)" make_base

# Installs the .deb with apt-get (which pulls its dependencies from the
# archive), runs installed_check.sh inside, verifies the installed units with
# systemd-analyze --root, and (unless FAMFS_SYSTEST_BOOT=0) makes the root a
# bootable ext4 image for boot_check.sh (chroot_root.sh does the work).
boot=${FAMFS_SYSTEST_BOOT:-1}
# The mmap checker the guests run (they have no compiler).
build_mmap_check() {
    cc -O2 -Wall -Wextra -Werror -static -o "$out/famfs-mmap-check" "$here/mmap_check.c" &&
        file "$out/famfs-mmap-check" | grep 'statically linked'
}
[[ $boot == 1 ]] && check "cc -static tests/system/mmap_check.c (famfs-mmap-check for the guests)" build_mmap_check
chroot_install() {
    local o=$out/chroot
    mkdir -p "$cache/archives/partial"
    rm -rf "$o" && mkdir -p "$o/upper" "$o/work" "$o/root" &&
        cp "$deb_main" "$here/installed_check.sh" "$here/guest_check.sh" "$here/guest_mount.sh" \
            "$here/guest_shared.sh" "$o/" &&
        { [[ ! -x $out/famfs-mmap-check ]] || cp "$out/famfs-mmap-check" "$o/"; } &&
        { [[ ! -d $out/guest-module ]] || cp -a "$out/guest-module" "$o/"; } &&
        unshare -m "$here/chroot_root.sh" "$base" "$o" "$cache/archives" "$(basename "$deb_main")" "$boot"
}
check "apt-get install the .deb into a throwaway $suite root: files in place, --help runs, units verify" chroot_install

# ---------------------------------------------------------------- boot
# The installed root booted in qemu: real systemd, udev and the system bus.
console_clean() { # console_clean LOG
    [[ -s $1 ]] || { echo "no console log $1"; return 1; }
    ! grep -E 'Oops|BUG:|WARNING:|blocked for more than|Call Trace' "$1"
}
if [[ $boot != 1 ]]; then
    skip "boot the installed root in qemu" "FAMFS_SYSTEST_BOOT=0"
elif [[ ! -f $out/chroot/root.img ]]; then
    check "boot the installed root in qemu (no root image)" false
else
    check "boot the installed root in qemu (systemd, udev, D-Bus; log: out/guest-console.log)" \
        "$here/boot_check.sh" "$out/chroot/root.img" "$out/guest-console.log" "$cache"
    # One line per check the guest made.
    while read -r verdict name; do
        if [[ $verdict == PASS ]]; then
            check "guest: $name" true
        else
            check "guest: $name" false
        fi
    done < <(sed -n 's/^.*BOOTCHECK \(PASS\|FAIL\) /\1 /p' "$out/guest-console.log" 2>/dev/null | tr -d '\r')
    check "guest console free of Oops, BUG, WARNING and hung tasks" console_clean "$out/guest-console.log"

    # Two guests on one nvdimm backing file (two hosts sharing CXL memory):
    # the master formats and writes, the client's instance (started by udev
    # at boot) shows the files.
    check "two systemd guests on one nvdimm backing file (logs: out/shared-{master,client}-console.log)" \
        "$here/shared_check.sh" "$out/chroot/root.img" "$out" "$cache"
    for role in master client; do
        while read -r verdict name; do
            if [[ $verdict == PASS ]]; then
                check "$role guest: $name" true
            else
                check "$role guest: $name" false
            fi
        done < <(sed -n 's/^.*BOOTCHECK \(PASS\|FAIL\) /\1 /p' "$out/shared-$role-console.log" 2>/dev/null | tr -d '\r')
        check "$role guest console free of Oops, BUG, WARNING and hung tasks" console_clean "$out/shared-$role-console.log"
    done
fi

finish
