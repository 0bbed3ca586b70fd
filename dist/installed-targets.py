#!/usr/bin/env python3
"""Prints the ninja targets a package needs: everything `meson install` installs.

Usage: installed-targets.py BUILDDIR

Package builds compile only these (the unit tests, benchmarks and fuzz
targets are not installed) and then run `meson install --no-rebuild`.
"""
import json
import os
import subprocess
import sys


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    builddir = os.path.abspath(sys.argv[1])
    out = subprocess.run(["meson", "introspect", "--targets", builddir],
                         check=True, capture_output=True, text=True).stdout
    for target in json.loads(out):
        if target.get("installed"):
            for filename in target["filename"]:
                print(os.path.relpath(filename, builddir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
