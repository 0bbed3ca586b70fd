# SPDX-License-Identifier: GPL-2.0
# The kernels of the VM tier, sourced by tests/vm/run.sh (which sets ROOT,
# OUT, APT and apt_update): the 6.12 headers package to install, the
# kernel image and guest modules fetched and cached per headers version
# (tests/vm/out/kernel-<ver>/), famfs.ko built against installed headers
# and against the oldest 6.1 headers apt offers (tests/vm/out/headers-<ver>/).
# shellcheck shell=bash

# a versioned 6.12 headers package the configured sources (or, if reachable,
# bookworm-backports) offer: prints "pkg[/suite]" or nothing
find_612_headers() {
	local cand dep bp=/etc/apt/sources.list.d/famfs-vm-bookworm-backports.list
	cand=$(apt-cache policy linux-headers-6.12-amd64 2>/dev/null | awk '/Candidate:/ {print $2}')
	if [[ -n $cand && $cand != "(none)" ]]; then
		echo linux-headers-6.12-amd64
		return
	fi
	if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
		echo "deb http://deb.debian.org/debian bookworm-backports main" >"$bp"
		apt_updated=0
		if ! apt_update >&2 || ! apt-cache policy 2>/dev/null | grep -q bookworm-backports; then
			echo "bookworm-backports not reachable" >&2
			rm -f "$bp"
			return
		fi
	fi
	dep=$(apt-cache show linux-headers-amd64/bookworm-backports 2>/dev/null |
		awk -F': ' '/^Depends:/ {split($2, a, /[ ,]/); print a[1]; exit}')
	[[ $dep == linux-headers-6.12* ]] && echo "$dep/bookworm-backports"
}

# The uncompressed kernel (ELF with a PVH entry) boots straight from qemu:
# no decompression under TCG (about 10 s per boot). bzImage header: setup
# sectors at 0x1f1, payload offset/length at 0x248 (the payload ends with
# 4 bytes of uncompressed size).
extract_vmlinux() { # BZIMAGE OUT
	local img=$1 out=$2 ss po pl magic
	ss=$(od -An -tu1 -j $((0x1f1)) -N1 "$img" | tr -d ' ')
	((ss == 0)) && ss=4
	read -r po pl < <(od -An -tu4 -j $((0x248)) -N8 "$img")
	tail -c +$(((ss + 1) * 512 + po + 1)) "$img" | head -c $((pl - 4)) >"$out.z"
	magic=$(od -An -tx1 -N4 "$out.z" | tr -d ' ')
	case $magic in
	fd377a58) xz -dc "$out.z" >"$out" ;;
	28b52ffd) zstd -dcq "$out.z" >"$out" ;;
	1f8b*) gzip -dc "$out.z" >"$out" ;;
	*) false ;;
	esac
	local rc=$?
	rm -f "$out.z"
	((rc == 0)) && [[ $(od -An -tx1 -N4 "$out" | tr -d ' ') == 7f454c46 ]]
}

MODS="libnvdimm nd_btt nd_pmem nd_e820 nfit device_dax dax_pmem brd virtio_pci virtio_pmem"

# kernel image and the guest modules for $1, cached by headers version
fetch_kernel() {
	local kver=$1 kd=$OUT/kernel-$1 hver m f base stamp
	hver=$(dpkg-query -W -f '${Version}' "linux-headers-$kver" 2>/dev/null)
	# a kernel whose headers are not installed (the oldest 6.1): apt's candidate
	[[ -n $hver ]] || hver=$(apt-cache policy "linux-image-$kver" 2>/dev/null |
		awk '/Candidate:/ {print $2; exit}')
	# cache key: headers version and the module list
	stamp=$kd/.ok-$hver-$(echo "$MODS pvh" | md5sum | cut -c1-8)
	[[ -f $stamp ]] && return 0
	rm -rf "$kd"
	mkdir -p "$kd/dl" "$kd/modules"
	(cd "$kd/dl" && { "${APT[@]}" download "linux-image-$kver=$hver" ||
		"${APT[@]}" download "linux-image-$kver"; }) </dev/null || return 1
	dpkg-deb -x "$kd"/dl/linux-image-*.deb "$kd/root" || return 1
	if ! extract_vmlinux "$kd/root/boot/vmlinuz-$kver" "$kd/vmlinuz"; then
		echo "no ELF kernel extracted; booting the bzImage"
		cp "$kd/root/boot/vmlinuz-$kver" "$kd/vmlinuz" || return 1
	fi
	depmod -b "$kd/root" "$kver" || return 1
	: >"$kd/modules/load.list"
	for m in $MODS; do
		modprobe -C /dev/null -d "$kd/root" -S "$kver" --show-depends "$m" \
			>>"$kd/deps" || return 1
	done
	awk '$1 == "insmod" && !seen[$2]++ {print $2}' "$kd/deps" >"$kd/order"
	while read -r f; do
		base=$(basename "$f")
		case $f in
		*.ko.xz) base=${base%.xz}; xz -dc "$f" >"$kd/modules/$base" || return 1 ;;
		*.ko.zst) base=${base%.zst}; zstd -dcq "$f" >"$kd/modules/$base" || return 1 ;;
		*) cp "$f" "$kd/modules/$base" || return 1 ;;
		esac
		echo "$base" >>"$kd/modules/load.list"
	done <"$kd/order"
	[[ -s $kd/modules/load.list ]] || return 1
	rm -rf "$kd/root" "$kd/dl" "$kd/order" "$kd/deps"
	touch "$stamp"
}

# famfs.ko for $1; a warning-free build of the same sources with the same
# headers and compiler is reused (tests/vm/out/kernel-<ver>/famfs-<key>.ko)
build_module() {
	local kver=$1 kdir=/usr/src/linux-headers-$1 log=$OUT/kernel-$1/build.log rc key
	key=$({ cd "$ROOT/module" && find . -type f \( -name '*.[ch]' -o -name Kbuild -o -name Makefile \) \
		-not -name '*.mod.c' | LC_ALL=C sort | xargs sha256sum
		dpkg-query -W -f '${Version}' "linux-headers-$kver"; gcc --version | head -n 1; } |
		sha256sum | cut -c1-16)
	if [[ -f $OUT/kernel-$kver/famfs-$key.ko ]]; then
		echo "reusing famfs.ko built from the same sources ($key)"
		cp "$OUT/kernel-$kver/famfs-$key.ko" "$OUT/kernel-$kver/famfs.ko"
		return 0
	fi
	rm -f "$OUT/kernel-$kver"/famfs-*.ko
	make -C "$ROOT/module" KDIR="$kdir" clean >/dev/null 2>&1
	make -C "$ROOT/module" KDIR="$kdir" KCFLAGS=-Werror >"$log" 2>&1
	rc=$?
	if ((rc == 0)) && grep -qi 'warning' "$log"; then
		rc=1
	fi
	((rc == 0)) && cp "$ROOT/module/famfs.ko" "$OUT/kernel-$kver/famfs.ko" &&
		cp "$ROOT/module/famfs.ko" "$OUT/kernel-$kver/famfs-$key.ko"
	make -C "$ROOT/module" KDIR="$kdir" clean >/dev/null 2>&1
	((rc == 0)) || cat "$log"
	return $rc
}

# Debian 12 nodes run whatever 6.1 point release they were installed with,
# and older ones export less (6.1.0-47/-50 lack __iget): build famfs.ko
# against the oldest 6.1 headers apt still offers, unpacked privately
# (apt-get download + dpkg -x; cached in tests/vm/out/headers-<ver>/), so
# the host's installed headers stay as they are.
oldest_61() {
	apt-cache search --names-only '^linux-headers-6\.1\.0-[0-9]+-amd64$' 2>/dev/null |
		awk '{print $1}' | sed 's/^linux-headers-//' | sort -V | head -n 1
}
build_module_oldest() { # KVER
	local kver=$1 hd=$OUT/headers-$1 common log=$OUT/headers-$1/build.log rc tmp
	common=${kver%-amd64}-common
	if [[ ! -f $hd/.ok ]]; then
		rm -rf "$hd"
		mkdir -p "$hd/dl" "$hd/root/usr/lib"
		(cd "$hd/dl" && "${APT[@]}" download "linux-headers-$kver" "linux-headers-$common") </dev/null || return 1
		for d in "$hd"/dl/*.deb; do dpkg-deb -x "$d" "$hd/root" || return 1; done
		# the headers' Makefile names the common tree by absolute path;
		# kbuild's tools come from the host's linux-kbuild-6.1
		sed -i "s|/usr/src/linux-headers-$common|$hd/root/usr/src/linux-headers-$common|" \
			"$hd/root/usr/src/linux-headers-$kver/Makefile" || return 1
		ln -sfn /usr/lib/linux-kbuild-6.1 "$hd/root/usr/lib/linux-kbuild-6.1"
		rm -rf "$hd/dl"
		touch "$hd/.ok"
	fi
	[[ -d /usr/lib/linux-kbuild-6.1 ]] || { echo "linux-kbuild-6.1 not installed"; return 1; }
	# a private copy of the sources: the guests' builds use module/ itself
	tmp=$(mktemp -d)
	cp "$ROOT"/module/{Kbuild,Makefile,*.c,*.h} "$tmp/" && cp -r "$ROOT/module/include" "$tmp/"
	make -C "$tmp" KDIR="$hd/root/usr/src/linux-headers-$kver" KCFLAGS=-Werror >"$log" 2>&1
	rc=$?
	if ((rc == 0)) && { grep -qi 'warning' "$log" || [[ ! -f $tmp/famfs.ko ]]; }; then
		rc=1
	fi
	# for the guest booting this kernel (fetch_kernel made the directory)
	((rc == 0)) && [[ -d $OUT/kernel-$kver ]] && cp "$tmp/famfs.ko" "$OUT/kernel-$kver/famfs.ko"
	rm -rf "$tmp"
	((rc == 0)) || cat "$log"
	return $rc
}
