#!/usr/bin/env python3
"""Writes the seed corpus for replay_fuzz from the reference golden images.

Usage: make_seeds.py TESTDATA_DIR OUT_DIR
Each seed is one fix-up byte followed by the superblock, the log header and
the image's first entries, as replay_fuzz.cc expects.
"""
import lzma
import os
import sys

testdata, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
for name in ("basic", "interleaved"):
    head = lzma.open(os.path.join(testdata, name + ".head.xz")).read()
    body = head[:200] + head[0x200000:0x200000 + 48] + head[0x200000 + 48:0x200000 + 48 + 544 * 7]
    for flags in (0x00, 0x07, 0x17, 0x87):
        with open(os.path.join(out, f"{name}-{flags:02x}"), "wb") as f:
            f.write(bytes([flags]) + body)
