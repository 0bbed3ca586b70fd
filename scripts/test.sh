#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test tier:
#   unit (GoogleTest), format (clang-format), tools (mkfs/fsck end to end), integration (famfsd +
#   famfsctl on a private bus), hostile (raw hostile D-Bus callers),
#   asan (unit, integration and hostile built with ASan+UBSan), fuzz (libFuzzer, bounded),
#   bench (engine and service benchmarks, scale: print numbers, fail only
#   on wrong results), system (units, udev, packages, systemd guest),
#   vm (famfs.ko in qemu guests).
# Ends with "N passed, N failed"; exits non-zero on any failure.
# Usage (as root on Debian 12): scripts/test.sh [TIER...]
#   TIER: unit format tools integ registry delete hostile asan fuzz bench scale
#   sbench system vm; with none, all of them (what CI runs). Naming tiers runs
#   only those (after the installation and build), e.g. to rerun a failed one;
#   the run then says it was not the whole suite.
# Env: FAMFS_FUZZ_SECONDS (default 60), FAMFS_SKIP_VM=1 to leave out the VM tier
#      when iterating locally (the run then says so and fails: CI never sets it).
set -uo pipefail
cd "$(dirname "$0")/.."
all_tiers=(unit format tools integ registry delete hostile asan fuzz bench scale sbench system vm)
selected=("$@")
for t in "${selected[@]}"; do
  if [[ " ${all_tiers[*]} " != *" $t "* ]]; then
    echo "scripts/test.sh: unknown tier '$t' (tiers: ${all_tiers[*]})" >&2
    exit 2
  fi
done
want() { ((${#selected[@]} == 0)) || [[ " ${selected[*]} " == *" $1 "* ]]; }
passed=0
failed=0
log_dir=$(mktemp -d /tmp/famfs-test.XXXXXX)

tier() {  # tier NAME PASSED FAILED
  printf '== tier %-6s %s passed, %s failed\n' "$1" "$2" "$3"
  passed=$((passed + $2))
  failed=$((failed + $3))
}

# Counts "N passed, N failed" (optionally ", N skipped": skips are neither)
# on the last such line of FILE, or 0 1 if absent.
counts() {
  local line
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$1" | tail -n 1)
  if [[ -z "$line" ]]; then echo "0 1"; else echo "$line" | awk '{print $1, $3}'; fi
}

# py_tier NAME LOG SCRIPT ARG...: a Python harness's tier, its output in LOG
py_tier() {
  local name=$1 log=$log_dir/$2 p f
  shift 2
  python3 "$@" 2>&1 | tee "$log"
  read -r p f < <(counts "$log")
  tier "$name" "$p" "$f"
}

if ! scripts/install-deps.sh --test; then
  echo "dependency installation failed"
  echo "0 passed, 1 failed"
  exit 1
fi
if ! scripts/build.sh; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# unit
if want unit; then
  build/tests/unit/unit_tests --gtest_brief=1 2>&1 | tee "$log_dir/unit.log"
  rc=${PIPESTATUS[0]}
  up=$(grep -oE '\[  PASSED  \] [0-9]+' "$log_dir/unit.log" | grep -oE '[0-9]+$' || echo 0)
  uf=$(grep -oE '\[  FAILED  \] [0-9]+ test' "$log_dir/unit.log" | grep -oE '[0-9]+' | head -n 1 || true)
  uf=${uf:-0}
  if [[ $rc -ne 0 && $uf -eq 0 ]]; then uf=1; fi
  tier unit "${up:-0}" "$uf"
fi

# format: every C++ file matches .clang-format (scripts/check-format.sh)
want format && if scripts/check-format.sh >"$log_dir/format.log" 2>&1; then
  tier format 1 0
else
  tail -n 40 "$log_dir/format.log"
  tier format 0 1
fi

# tools
if want tools; then
  py_tier tools tools.log tests/tools/tools_test.py build tests/data/famfs-images
fi

# integration: private dbus-daemon with the shipped policy, three famfsd
# sharing one emulated device, driven through famfsctl
if want integ; then
  py_tier integ integration.log tests/integration/famfs_integration.py build .
fi
# the daemon's life cycle, the host registry, the reference's golden images
if want registry; then
  py_tier registry registry.log tests/integration/registry_integration.py build .
fi
# deletion (issue 13): remove, the cross-host grace period, hosts forget
if want delete; then
  py_tier delete delete.log tests/integration/delete_integration.py build .
fi

# hostile: hostile callers (raw D-Bus: wrong types, huge strings and option
# maps, invalid UTF-8, bad paths, every kind of descriptor, connection churn,
# 200 concurrent CopyIns) against famfsd on a private bus with the shipped policy
if want hostile; then
  py_tier hostile hostile.log tests/integration/hostile_client.py build .
fi

# asan: the unit, integration and hostile tiers again, built by gcc with
# AddressSanitizer + UndefinedBehaviorSanitizer (build-asan). Any report
# fails: the first report ends the process (halt_on_error); every ASan/LSan
# report of a harness's processes (famfsd, famfsctl, the tools) lands in a
# directory that must stay empty; and the famfsd logs the harness keeps (its
# work directory is under a TMPDIR of our own) must hold no UBSan report
# (gcc's UBSan writes to stderr whatever log_path says).
asan_harness() {  # asan_harness TIER SCRIPT [ARGS...]: runs SCRIPT build-asan . ARGS
  local dir files f p fl
  dir=$(mktemp -d /tmp/famfs-asan.XXXXXX)
  mkdir -p "$dir/reports"
  chmod 755 "$dir"            # callers run as nobody reach the bus socket below it
  chmod 1777 "$dir/reports"   # ... and write their reports
  TMPDIR=$dir ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$dir/reports/asan" \
    python3 "$2" build-asan . "${@:3}" 2>&1 | tee "$log_dir/$1.log"
  read -r p fl < <(counts "$log_dir/$1.log")
  mapfile -t files < <({ find "$dir/reports" -type f
    find "$dir" -name '*.log' -type f -exec grep -lE 'runtime error:|ERROR: (Address|Leak)Sanitizer' {} +; } | sort -u)
  if ((${#files[@]})); then
    echo "$1: ${#files[@]} file(s) with sanitizer reports (kept in $dir):"
    for f in "${files[@]}"; do echo "--- $f"; grep -m1 -A40 -E 'runtime error:|ERROR: ' "$f" || head -n 40 "$f"; done
  else
    rm -rf "$dir"
  fi
  tier "$1" "$p" "$((fl + ${#files[@]}))"
}
asan_start=$SECONDS
asan_targets=(tests/unit/unit_tests famfsd/famfsd cli/famfsctl famfsd/tools/mkfs.famfs famfsd/tools/fsck.famfs)
if ! want asan; then
  :
elif { [[ -f build-asan/build.ninja ]] || CC=gcc CXX=g++ meson setup build-asan -Db_sanitize=address,undefined; } \
     >"$log_dir/asan-build.log" 2>&1 && ninja -C build-asan "${asan_targets[@]}" >>"$log_dir/asan-build.log" 2>&1; then
  echo "asan: build took $((SECONDS - asan_start)) s"
  export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0:print_summary=1
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  build-asan/tests/unit/unit_tests --gtest_brief=1 2>&1 | tee "$log_dir/asan-unit.log"
  rc=${PIPESTATUS[0]}
  ap=$(grep -oE '\[  PASSED  \] [0-9]+' "$log_dir/asan-unit.log" | grep -oE '[0-9]+$' || echo 0)
  af=$(grep -oE '\[  FAILED  \] [0-9]+ test' "$log_dir/asan-unit.log" | grep -oE '[0-9]+' | head -n 1 || true)
  af=${af:-0}
  if [[ $rc -ne 0 && $af -eq 0 ]]; then af=1; fi  # a sanitizer report (leaks at exit) with every test passed
  tier asan-unit "${ap:-0}" "$af"
  asan_harness asan-integ tests/integration/famfs_integration.py
  asan_harness asan-registry tests/integration/registry_integration.py
  # ASan's quarantine keeps freed memory on purpose: no RSS bound there.
  asan_harness asan-hostile tests/integration/hostile_client.py --no-rss
  unset ASAN_OPTIONS UBSAN_OPTIONS
  echo "asan: build and the four tiers took $((SECONDS - asan_start)) s"
else
  tail -n 40 "$log_dir/asan-build.log"
  tier asan 0 1
fi

# fuzz: a clang build of the engine with ASan/UBSan, run for a bounded time
fuzz_seconds=${FAMFS_FUZZ_SECONDS:-60}
if ! want fuzz; then
  :
elif { [[ -f build-fuzz/build.ninja ]] || CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true; } >"$log_dir/fuzz-build.log" 2>&1 &&
   ninja -C build-fuzz >>"$log_dir/fuzz-build.log" 2>&1; then
  corpus=$(mktemp -d /tmp/famfs-fuzz.XXXXXX)
  python3 tests/fuzz/make_seeds.py tests/data/famfs-images "$corpus/seeds"
  mkdir -p "$corpus/work" "$corpus/artifacts"
  if build-fuzz/tests/fuzz/replay_fuzz -max_total_time="$fuzz_seconds" -rss_limit_mb=4096 -timeout=20 \
       -artifact_prefix="$corpus/artifacts/" -print_final_stats=1 "$corpus/work" "$corpus/seeds" \
       >"$log_dir/fuzz.log" 2>&1; then
    grep -E 'stat::(number_of_executed_units|new_units_added)' "$log_dir/fuzz.log"
    rm -rf "$corpus"  # seeds and the run's corpus; a crash keeps it (below)
    tier fuzz 1 0
  else
    tail -n 40 "$log_dir/fuzz.log"
    echo "fuzz: crash input kept in $corpus/artifacts"
    tier fuzz 0 1
  fi
else
  tail -n 30 "$log_dir/fuzz-build.log"
  tier fuzz 0 1
fi

# bench (numbers for the record; fails only if a result is wrong)
want bench && if build/tests/bench/engine_bench 2>&1 | tee "$log_dir/bench.log"; then tier bench 1 0; else tier bench 0 1; fi
# scale: 8, 64 and 256 MiB logs end to end (mkfs, fill, fsck, famfsd client
# start, RSS per entry); about 30 s, sparse devices in /dev/shm
want scale && if sh tests/bench/scale.sh build 2>&1 | tee "$log_dir/scale.log"; then tier scale 1 0; else tier scale 0 1; fi
if ! want sbench; then
  :
elif [[ -x build/tests/bench/service_bench ]]; then
  if build/tests/bench/service_bench 2>&1 | tee "$log_dir/service-bench.log"; then tier sbench 1 0; else tier sbench 0 1; fi
else
  echo "service_bench was not built"
  tier sbench 0 1
fi

# system: units, udev rules, man pages, packages, install into a chroot, a
# systemd guest (tests/system/run.sh)
if want system; then
  bash tests/system/run.sh build 2>&1 | tee "$log_dir/system.log"
  read -r sp sf < <(counts "$log_dir/system.log")
  tier system "$sp" "$sf"
fi

# vm
if ! want vm; then
  :
elif [[ "${FAMFS_SKIP_VM:-0}" == 1 ]]; then
  echo "vm tier skipped on request (FAMFS_SKIP_VM=1): counted as a failure"
  tier vm 0 1
else
  bash tests/vm/run.sh 2>&1 | tee "$log_dir/vm.log"
  read -r vp vf < <(counts "$log_dir/vm.log")
  tier vm "$vp" "$vf"
fi

echo "logs: $log_dir"
if ((${#selected[@]})); then
  echo "only the tiers ${selected[*]} ran: this is not the whole suite (scripts/test.sh without arguments runs it)"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
