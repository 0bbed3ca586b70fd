#!/usr/bin/env python3
"""Writes the seed corpus for replay_fuzz from the reference golden images.

Usage: make_seeds.py TESTDATA_DIR OUT_DIR
Each seed is one fix-up byte followed by the superblock, the log header and
the image's first entries, as replay_fuzz.cc expects.
"""
import lzma
import os
import struct
import sys

testdata, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
for name in ("basic", "interleaved"):
    head = lzma.open(os.path.join(testdata, name + ".head.xz")).read()
    body = head[:200] + head[0x200000:0x200000 + 48] + head[0x200000 + 48:0x200000 + 48 + 544 * 7]
    for flags in (0x00, 0x07, 0x17, 0x87):
        with open(os.path.join(out, f"{name}-{flags:02x}"), "wb") as f:
            f.write(bytes([flags]) + body)
    # The same with a host area after the entries (replay_fuzz.cc): header
    # fixed up, a master record and a slot whose CRCs are resealed.
    sysuuid = head[0x50:0x60]
    master = bytearray(256)
    struct.pack_into("<Q", master, 0, 0x00004D53544252A7)
    master[0x08:0x18] = sysuuid
    master[0x28:0x2C] = b"seed"
    struct.pack_into("<IIQQQI", master, 0x68, 1234, 1000, 5, 999_000_000, 1, 1)
    slot = bytearray(master)
    struct.pack_into("<Q", slot, 0, 0x000048535453AB07)
    struct.pack_into("<II", slot, 0x88, 1, 1)
    for hflags in (0x07, 0x01, 0x00):
        tail = bytes([hflags]) + bytes(64) + bytes(master) + bytes(slot[:200])
        with open(os.path.join(out, f"{name}-hosts-{hflags:02x}"), "wb") as f:
            f.write(bytes([0x07]) + body + tail)
    # Deletion (docs/delete.md): the header has the delete feature (hflags
    # bit 3) and an 8th entry removes the first file of the image, naming
    # its creating entry, size and map (seqnum and CRC fixed up, flags 0x07).
    entries = body[248:]
    for k in range(7):
        e = entries[544 * k:544 * (k + 1)]
        if struct.unpack_from("<I", e, 8)[0] != 0 or e[40:45] == b".meta":
            continue
        d = bytearray(544)
        struct.pack_into("<QIIQIIQ", d, 0, 7, 2, 0, k, 0, 0, struct.unpack_from("<Q", e, 16)[0])
        d[40:120] = e[40:120]
        d[120:536] = e[120:536]
        tail = bytes([0x0F]) + bytes(64) + bytes(master) + bytes(slot[:200])
        with open(os.path.join(out, f"{name}-delete"), "wb") as f:
            f.write(bytes([0x07]) + body + bytes(d) + tail)
        break
