#!/usr/bin/env bash
# Runs a command of the README's quick start the way a new user on a fresh
# Debian 12 machine would: in a pure `debootstrap --variant=minbase bookworm`
# root (no git, no compiler), with the source tree as a downloaded tarball
# has it (no .git), as root, without stdin. Not part of scripts/test.sh: it
# downloads a Debian root and every package the command installs, and the
# full suite in it takes an hour or more.
#
# Usage (as root on Debian 12):
#   scripts/fresh-root-check.sh [COMMAND [ARG...]]   (default: scripts/demo.sh)
#   e.g. scripts/fresh-root-check.sh scripts/test.sh
# The command runs as `cd /src/famfs && COMMAND` in a fresh copy of the root.
# Environment:
#   FAMFS_FRESH_DIR     where the pristine root (a tarball, made once), the
#                       copies and the logs live (default /var/tmp/famfs-fresh)
#   FAMFS_FRESH_MIRROR  Debian mirror (default http://deb.debian.org/debian)
#   FAMFS_FRESH_KEEP=1  keep the copy afterwards (to run more in it)
#   FAMFS_FRESH_ROOT    run in this kept copy instead of a fresh one (its
#                       /src/famfs is replaced by the current tree, build
#                       directories and downloads kept, unchanged files with
#                       their old times so builds redo only what changed)
# The copy's mounts (itself, as / is a mount point on a real machine; /proc,
# /sys, /dev, its own /dev/shm) live in a private mount namespace, so nothing
# reaches the host's mount table, and are unmounted at the end. The root gets the apt sources a Debian 12
# installation has (bookworm, bookworm-updates, bookworm-security).
# Afterwards it prints the wall time, the disk space the copy takes, what
# the command left in /dev/shm and /tmp, processes still running in the
# root, and the lasting changes to the system: apt sources added, kernel
# packages installed, files in /boot. Exits with the command's status.
set -euo pipefail
# One block, parsed whole before it runs: editing this file during a run
# (which takes an hour) does not change what the run does.
{
tree=$(cd "$(dirname "$0")/.." && pwd)
if [[ ! -f $tree/meson.build || ! -x $tree/scripts/demo.sh ]]; then
  echo "fresh-root-check.sh: $tree is no famfs source tree (run the script where it is, in scripts/)" >&2
  exit 1
fi
dir=${FAMFS_FRESH_DIR:-/var/tmp/famfs-fresh}
mirror=${FAMFS_FRESH_MIRROR:-http://deb.debian.org/debian}

if [[ ${1:-} == --inner ]]; then
  # In the private mount namespace: mount, run, report, unmount.
  shift
  r=$1
  shift
  mount --make-rprivate /
  # The root directory a mount of its own, as / is on a real machine: tests
  # that change the propagation of / (unshare --propagation private, mount
  # --make-rprivate /) get EINVAL for a / that is no mount point.
  mount --bind "$r" "$r"
  mount --bind /proc "$r/proc"
  mount --bind /sys "$r/sys"
  mount --rbind /dev "$r/dev"
  mount --make-rslave "$r/dev"
  mount -t tmpfs -o mode=1777,nosuid,nodev famfs-fresh-shm "$r/dev/shm"
  cp /etc/resolv.conf "$r/etc/resolv.conf"
  echo "== fresh root $r: $(chroot "$r" sh -c '. /etc/os-release; echo "$PRETTY_NAME"')," \
    "$(chroot "$r" dpkg-query -W -f '.\n' | wc -l) packages;" \
    "git: $(chroot "$r" sh -c 'command -v git || echo none')," \
    "gcc: $(chroot "$r" sh -c 'command -v gcc || echo none')"
  echo "== running: cd /src/famfs && $*   (stdin /dev/null)"
  t0=$SECONDS
  rc=0
  chroot "$r" /usr/bin/env -i HOME=/root TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c 'cd /src/famfs && exec "$@"' bash "$@" </dev/null 2>&1 || rc=$?
  wall=$((SECONDS - t0))
  set +e # the report and the unmounts go on whatever fails
  echo
  echo "== fresh root: exit status $rc, wall time ${wall} s ($((wall / 60)) min $((wall % 60)) s)"
  left=()
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/root" 2>/dev/null) == "$r" ]] && left+=("${p#/proc/}")
  done
  if ((${#left[@]})); then
    echo "== processes still running in the root (stopped now):"
    ps -o pid,etime,args -p "$(
      IFS=,
      echo "${left[*]}"
    )"
    kill "${left[@]}" 2>/dev/null
    sleep 2
    kill -9 "${left[@]}" 2>/dev/null
  fi
  echo "== left in /dev/shm:"
  ls -la "$r/dev/shm" | tail -n +4
  echo "== left in /tmp: $(find "$r/tmp" -mindepth 1 -maxdepth 1 | wc -l) entries"
  find "$r/tmp" -mindepth 1 -maxdepth 1 -printf '   %p %TY-%Tm-%Td %TH:%TM\n' | sed "s|$r||" | head -n 40
  echo "== apt sources in the root:"
  find "$r/etc/apt/sources.list.d" "$r/etc/apt/sources.list" -type f 2>/dev/null | sed "s|^$r|   |"
  echo "== kernel packages in the root:"
  kpkgs=$(chroot "$r" dpkg-query -W -f '   ${Package} ${Version} ${Status}\n' 'linux-image-*' 'linux-headers-*' 2>/dev/null |
    grep 'install ok installed')
  echo "${kpkgs:-   none}"
  echo "== /boot in the root:"
  ls "$r/boot" | sed 's/^/   /'
  # unmount what we mounted, and whatever the command left mounted in the root
  awk -v r="$r" '$5 == r || index($5, r "/") == 1 {print $5}' /proc/self/mountinfo | sort -r |
    while read -r m; do umount -l "$m" || echo "could not unmount $m"; done
  echo "== disk space of the root: $(du -sh --one-file-system "$r" | cut -f1)"
  exit "$rc"
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "fresh-root-check.sh: run it as root (debootstrap, chroot, mounts)" >&2
  exit 1
fi
(($#)) || set -- scripts/demo.sh
mkdir -p "$dir/logs"
pristine=$dir/bookworm-minbase.tar
if [[ ! -f $pristine ]]; then
  command -v debootstrap >/dev/null || apt-get install -y -q debootstrap </dev/null
  echo "== debootstrap --variant=minbase bookworm (once; kept as $pristine)"
  rm -rf "$dir/pristine.tmp"
  debootstrap --variant=minbase bookworm "$dir/pristine.tmp" "$mirror" </dev/null
  # the apt sources a Debian 12 installation has
  rm -f "$dir/pristine.tmp/etc/apt/sources.list"
  cat >"$dir/pristine.tmp/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  tar -C "$dir/pristine.tmp" -cf "$pristine.tmp" . && mv "$pristine.tmp" "$pristine"
  rm -rf "$dir/pristine.tmp"
fi

stamp=$(date -u +%Y%m%dT%H%M%S)
if [[ -n ${FAMFS_FRESH_ROOT:-} ]]; then
  r=$(realpath "$FAMFS_FRESH_ROOT")
  [[ -d $r/src/famfs ]] || { echo "fresh-root-check.sh: $r is not a kept root" >&2; exit 1; }
  echo "== reusing $r: its /src/famfs is replaced by $tree (build directories and downloads kept)"
  rm -rf "$r/src/famfs.new"
else
  r=$dir/root-$stamp
  echo "== fresh copy of the minbase root: $r"
  mkdir -p "$r"
  tar -C "$r" -xf "$pristine"
fi
# The source as a release tarball has it: the committed tree, no .git.
mkdir -p "$r/src/famfs.new"
if git -C "$tree" rev-parse --git-dir >/dev/null 2>&1; then
  git -C "$tree" diff --quiet HEAD || echo "== note: uncommitted changes in $tree are not in the root (git archive HEAD)"
  echo "== source: git archive HEAD ($(git -C "$tree" rev-parse --short HEAD))"
  git -C "$tree" archive HEAD | tar -x -C "$r/src/famfs.new"
else
  tar -C "$tree" --exclude='./build*' -cf - . | tar -x -C "$r/src/famfs.new"
fi
if [[ -d $r/src/famfs ]]; then
  # unchanged files keep their times, so the kept builds rebuild only what changed
  (cd "$r/src/famfs.new" && find . -type f -print0) | while IFS= read -r -d '' f; do
    if [[ -f $r/src/famfs/$f ]] && cmp -s "$r/src/famfs/$f" "$r/src/famfs.new/$f"; then
      touch -r "$r/src/famfs/$f" "$r/src/famfs.new/$f"
    fi
  done
  for keep in build build-asan build-fuzz tests/vm/out; do
    [[ -d $r/src/famfs/$keep ]] && mkdir -p "$(dirname "$r/src/famfs.new/$keep")" &&
      rm -rf "$r/src/famfs.new/$keep" && mv "$r/src/famfs/$keep" "$r/src/famfs.new/$keep"
  done
  rm -rf "$r/src/famfs"
fi
mv "$r/src/famfs.new" "$r/src/famfs"

log=$dir/logs/$stamp-$(basename "$1" .sh).log
echo "== log: $log"
set +e
unshare -m --propagation private "$0" --inner "$r" "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
if [[ ${FAMFS_FRESH_KEEP:-0} == 1 || -n ${FAMFS_FRESH_ROOT:-} ]]; then
  echo "== kept $r (FAMFS_FRESH_ROOT=$r runs more in it; rm -rf it when done)"
else
  rm -rf --one-file-system "$r"
fi
exit "$rc"
}
