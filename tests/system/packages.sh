# shellcheck shell=bash
# shellcheck disable=SC2154  # check, out, root, famfs_version come from run.sh
# Sourced by tests/system/run.sh (its check, $out, $root, $famfs_version):
# build the RPM and DEB packages from the source tree and check what they
# carry and depend on.

# The source as a release tarball would carry it: tracked and new files,
# nothing ignored (no build directories).
# A tree that is no git checkout (a release tarball, an exported tree) is
# copied without its build and test output directories.
make_source_tree() { # make_source_tree DIR
    rm -rf "$1" && mkdir -p "$1" || return
    if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        (cd "$root" && git ls-files -z --cached --others --exclude-standard |
            xargs -0 -I{} sh -c '[ -e "{}" ] && printf "%s\0" "{}"' |
            tar --null -T - -cf -) | tar -xf - -C "$1"
    else
        # what the .gitignore files leave out
        tar -C "$root" --anchored --exclude='./build*' --exclude=./.cache --exclude=./.git \
            --exclude=./tests/vm/out --exclude=./tests/system/out --exclude=./module/.tmp_versions \
            --no-anchored --exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
            --exclude='*.cmd' --exclude='*.symvers' --exclude='*.order' --exclude=.cache.mk \
            --exclude=__pycache__ -cf - . | tar -xf - -C "$1"
    fi
}

rpm_top=$out/rpm
build_rpm() {
    rm -rf "$rpm_top" && mkdir -p "$rpm_top/SOURCES" &&
        make_source_tree "$rpm_top/famfs-$famfs_version" &&
        tar -czf "$rpm_top/SOURCES/famfs-$famfs_version.tar.gz" -C "$rpm_top" "famfs-$famfs_version" &&
        rpmbuild -bb --nodeps --define "_topdir $rpm_top" "$root/famfs.spec"
}
check "rpmbuild -bb --nodeps famfs.spec" build_rpm

rpm_contents() {
    local main dkms rc=0 f
    main=$(ls "$rpm_top"/RPMS/*/famfs-"$famfs_version"-*.rpm 2>/dev/null | grep -v dkms | head -n 1)
    dkms=$(ls "$rpm_top"/RPMS/noarch/famfs-dkms-"$famfs_version"-*.noarch.rpm 2>/dev/null | head -n 1)
    [[ -f $main && -f $dkms ]] || {
        echo "missing RPMs: main '$main' dkms '$dkms'"
        return 1
    }
    rpm -qlp "$main" >"$out/rpm-main.list"
    for f in /usr/sbin/famfsd /usr/bin/famfsctl /usr/sbin/mkfs.famfs /usr/sbin/fsck.famfs \
        famfs_probe rules.d/60-famfs.rules systemd/system/famfs@.service systemd/system/famfs.target \
        /usr/lib/sysusers.d/famfs.conf /usr/lib/tmpfiles.d/famfs.conf \
        /usr/share/dbus-1/system.d/org.famfs.Famfs1.conf /usr/share/dbus-1/interfaces/org.famfs.Famfs1.xml \
        /usr/share/bash-completion/completions/famfsctl man8/famfsd.8 man5/famfs.toml.5 /etc/famfs/famfs.toml; do
        grep -q -- "$f" "$out/rpm-main.list" || {
            echo "famfs RPM lacks $f"
            rc=1
        }
    done
    rpm -qp --scripts "$main" | grep >/dev/null 'groupadd -r famfs' || { echo "no group creation in %pre"; rc=1; }
    rpm -qp --configfiles "$main" | grep >/dev/null '/etc/famfs/famfs.toml' || { echo "famfs.toml is not %config"; rc=1; }
    rpm -qlp "$dkms" | grep >/dev/null "/usr/src/famfs-$famfs_version/dkms.conf" || { echo "no dkms.conf"; rc=1; }
    rpm2cpio "$dkms" | (cd "$out" && rm -rf rpm-dkms && mkdir rpm-dkms && cd rpm-dkms && cpio -idm --quiet)
    grep -q "PACKAGE_VERSION=\"$famfs_version\"" "$out/rpm-dkms/usr/src/famfs-$famfs_version/dkms.conf" ||
        { echo "dkms.conf has no version $famfs_version"; rc=1; }
    return $rc
}
check "RPMs: famfs has every file, %pre group, %config; famfs-dkms has the module and dkms.conf" rpm_contents

deb_top=$out/deb
build_deb() {
    rm -rf "$deb_top" && mkdir -p "$deb_top" &&
        make_source_tree "$deb_top/famfs-$famfs_version" &&
        (cd "$deb_top/famfs-$famfs_version" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
            dpkg-buildpackage -b -us -uc)
}
check "dpkg-buildpackage -b (famfs, famfs-dkms)" build_deb

deb_main=$deb_top/famfs_${famfs_version}_amd64.deb
deb_dkms=$deb_top/famfs-dkms_${famfs_version}_all.deb
deb_contents() {
    local rc=0
    [[ -f $deb_main && -f $deb_dkms ]] || {
        ls "$deb_top"
        return 1
    }
    dpkg-deb -c "$deb_dkms" | grep >/dev/null "usr/src/famfs-$famfs_version/dkms.conf" || { echo "no dkms.conf"; rc=1; }
    dpkg-deb -I "$deb_dkms" | grep >/dev/null 'Depends:.*dkms' || { echo "famfs-dkms does not depend on dkms"; rc=1; }
    dpkg-deb --ctrl-tarfile "$deb_dkms" | tar -xOf - ./postinst | grep >/dev/null 'dkms' || { echo "no dkms postinst"; rc=1; }
    dpkg-deb --ctrl-tarfile "$deb_main" | tar -xOf - ./postinst >"$out/famfs.postinst"
    grep -q 'systemd-sysusers famfs.conf' "$out/famfs.postinst" || { echo "postinst creates no group"; rc=1; }
    grep -q 'famfs.target' "$out/famfs.postinst" || { echo "postinst does not enable famfs.target"; rc=1; }
    grep -q 'famfs@.service' "$out/famfs.postinst" && { echo "postinst touches the template"; rc=1; }
    dpkg-deb --ctrl-tarfile "$deb_main" | tar -xOf - ./conffiles | grep -x /etc/famfs/famfs.toml >/dev/null ||
        { echo "famfs.toml is not a conffile"; rc=1; }
    return $rc
}
check "DEBs: famfs-dkms carries dkms.conf and its scripts; famfs postinst and conffiles" deb_contents

# Every program the units run (ExecStart=, ExecReload=, ExecStop*=, ...)
# comes from the famfs package itself, an Essential package, or a package
# the .deb depends on; and the .deb depends on the libraries famfsd links.
deb_runtime_dependencies() {
    local rc=0 depends unit cmd path pkg
    depends=$(dpkg-deb -f "$deb_main" Depends | tr ',|' '\n\n' | sed 's/(.*//; s/[[:space:]]//g' | sort -u)
    for unit in "$root"/systemd/*.service.in "$root"/systemd/*.service "$root"/systemd/*.target; do
        [[ -f $unit ]] || continue
        while read -r cmd; do
            cmd=${cmd#*=}
            [[ $cmd == *@[a-z]*dir@/* ]] && continue  # @sbindir@/...: installed by famfs itself
            cmd=${cmd#[-@:+!]}
            cmd=${cmd#[-@:+!]}
            cmd=${cmd%% *}
            if dpkg-deb -c "$deb_main" | awk '{print $6}' | sed 's|^\.||' | grep -qx -- "$cmd"; then continue; fi
            if [[ $cmd == /* ]]; then path=$cmd; else path=$(type -P "$cmd") || path=; fi
            [[ -n $path && -e $path ]] || { echo "$(basename "$unit"): $cmd not found on this host"; rc=1; continue; }
            path=$(readlink -f "$path")
            pkg=$(dpkg -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1)
            [[ -n $pkg ]] || pkg=$(dpkg -S "${path#/usr}" 2>/dev/null | head -n 1 | cut -d: -f1)  # merged /usr
            [[ -n $pkg ]] || { echo "$(basename "$unit"): no package provides $path"; rc=1; continue; }
            [[ $(dpkg-query -W -f '${Essential}' "$pkg" 2>/dev/null) == yes ]] && continue
            grep -qx -- "$pkg" <<<"$depends" || { echo "$(basename "$unit"): $cmd is in $pkg, which famfs does not depend on (Depends: $(echo $depends))"; rc=1; }
        done < <(grep -E '^Exec[A-Za-z]*=' "$unit")
    done
    for lib in libisal2 libsdbus-c++1 libsystemd0 libdaxctl1; do
        grep -q -- "^$lib" <<<"$depends" || { echo "the .deb does not depend on $lib"; rc=1; }
    done
    return $rc
}
check "DEB: Depends covers every program the units run and famfsd's libraries" deb_runtime_dependencies
