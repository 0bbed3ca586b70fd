#!/bin/bash
# Checks that C++ sources match .clang-format (nothing is rewritten).
#   scripts/check-format.sh            every C++ file of famfsd/, cli/, dbus/, tests/
#   scripts/check-format.sh FILE...    only these files
#   scripts/check-format.sh --changed [BASE]  the C++ files changed since BASE (default main)
#   scripts/check-format.sh --fix ...  rewrite instead of checking (same selections)
# Exits 1 and lists the files that differ (with the diff) when any does.
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-$(command -v clang-format || command -v clang-format-14 || true)}
if [ -z "$CLANG_FORMAT" ]; then
  echo "check-format: clang-format not found (apt-get install clang-format)" >&2
  exit 2
fi
fix=0
if [ "${1:-}" = "--fix" ]; then fix=1; shift; fi
cxx_pattern='^(famfsd|cli|dbus|tests/(unit|bench|fuzz))/.*\.(cc|h)$'
if [ "${1:-}" = "--changed" ]; then
  base=${2:-main}
  mapfile -t files < <(git diff --name-only --diff-filter=ACMR "$base" -- | grep -E "$cxx_pattern" || true)
elif [ $# -gt 0 ]; then
  files=("$@")
elif git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files | grep -E "$cxx_pattern")
else
  # a source tree without git (a release tarball, an exported tree): every
  # C++ file under the same directories, build trees left out
  mapfile -t files < <(find famfsd cli dbus tests/unit tests/bench tests/fuzz -type f \( -name '*.cc' -o -name '*.h' \) |
    sed 's|^\./||' | grep -E "$cxx_pattern" | sort)
fi
if [ ${#files[@]} -eq 0 ]; then
  # the whole-tree check with nothing to check is a broken selection, not a pass
  [ "${1:-}" = "--changed" ] && { echo "check-format: no C++ files changed"; exit 0; }
  echo "check-format: no C++ files found" >&2
  exit 1
fi
if [ $fix -eq 1 ]; then
  "$CLANG_FORMAT" -i --style=file "${files[@]}"
  echo "check-format: formatted ${#files[@]} file(s)"
  exit 0
fi
bad=0
for f in "${files[@]}"; do
  if ! "$CLANG_FORMAT" --style=file "$f" | diff -u --label "$f" --label "$f (clang-format)" "$f" - ; then
    bad=$((bad + 1))
  fi
done
if [ $bad -gt 0 ]; then
  echo "check-format: $bad of ${#files[@]} file(s) differ from .clang-format (scripts/check-format.sh --fix FILE...)" >&2
  exit 1
fi
echo "check-format: ${#files[@]} file(s) formatted as .clang-format says"
