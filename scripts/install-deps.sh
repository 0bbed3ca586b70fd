#!/usr/bin/env bash
# Installs what famfs needs to build and test on Debian 12 (run as root).
# Usage: scripts/install-deps.sh [--test]   (--test adds clang for the fuzzer)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(meson ninja-build pkg-config g++ python3 xz-utils
      libsdbus-c++-dev libsdbus-c++-bin libsystemd-dev libudev-dev libdaxctl-dev
      libtomlplusplus-dev nlohmann-json3-dev zlib1g-dev libisal-dev libgtest-dev libgmock-dev dbus scdoc)
if [[ "${1:-}" == "--test" ]]; then
  # git: the system tier lists the tree's files; build-essential: the .deb
  # build checks it (dpkg-buildpackage: "Unmet build dependencies");
  # clang-format: the format tier (scripts/check-format.sh).
  pkgs+=(clang clang-format libclang-rt-14-dev systemd util-linux git build-essential)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  apt-get update -q </dev/null
  apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi
