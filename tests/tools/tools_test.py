#!/usr/bin/env python3
"""End-to-end tests of mkfs.famfs and fsck.famfs on emulated devices.

Usage: tools_test.py BUILD_DIR TESTDATA_DIR
Each check runs the real binaries on /dev/shm files; prints one line per check
and exits non-zero if any failed.
"""
import json
import lzma
import os
import struct
import subprocess
import sys
import tempfile
import zlib

BUILD, TESTDATA = sys.argv[1], sys.argv[2]
MKFS = os.path.join(BUILD, "famfsd/tools/mkfs.famfs")
FSCK = os.path.join(BUILD, "famfsd/tools/fsck.famfs")
MiB, GiB = 1 << 20, 1 << 30
results = []


def run(*args):
    p = subprocess.run(list(args), capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    return p.returncode, p.stdout, p.stderr


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  -- " + detail))


made = []  # every emulated device of the run, removed at the end whatever happens


def device(size):
    fd, path = tempfile.mkstemp(prefix="famfs-test-", dir="/dev/shm")
    os.ftruncate(fd, size)
    os.close(fd)
    return path


def golden(name):
    meta = json.load(lzma.open(os.path.join(TESTDATA, name + ".json.xz")))
    path = device(meta["device_size"])
    with open(path, "r+b") as f:
        f.write(lzma.open(os.path.join(TESTDATA, name + ".head.xz")).read())
    return path, meta


def fsck_json(path):
    rc, out, err = run(FSCK, "--json", path)
    try:
        return rc, json.loads(out), err
    except ValueError:
        return rc, None, err


try:
    dev = device(4 * GiB)
    uuid_a, uuid_b = "11111111-2222-4333-8444-555555555555", "99999999-2222-4333-8444-555555555555"

    rc, out, err = run(MKFS, "--system-uuid", uuid_a, dev)
    check("mkfs formats a 4 GiB emulated device", rc == 0 and "created" in out, err)
    rc, rep, err = fsck_json(dev)
    check("fsck of a fresh file system is clean (exit 0)", rc == 0 and rep and rep["summary"]["clean"], err)
    check("fsck reports the master system UUID", rep and rep["superblock"]["system_uuid"] == uuid_a)
    check("fresh capacity figures", rep and rep["capacity"] == {
        "device_size": 4 * GiB, "allocated": 10 * MiB, "free": 4 * GiB - 10 * MiB, "sum_of_file_sizes": 0},
        json.dumps(rep and rep["capacity"]))
    check("fresh log figures", rep and rep["log"] == {
        "next_index": 0, "next_seqnum": 0, "last_index": 15419, "used": 0, "capacity": 15420})

    rc, out, err = run(MKFS, "--system-uuid", uuid_a, dev)
    check("mkfs refuses an existing file system without --force", rc == 1 and "--force" in err, err)
    rc, out, err = run(MKFS, "--system-uuid", uuid_b, dev)
    check("mkfs names another host's file system", rc == 1 and "another host" in err, err)
    rc, out, err = run(MKFS, "--force", "--system-uuid", uuid_b, "--log-size", "16M", dev)
    check("mkfs --force overwrites", rc == 0, err)
    rc, rep, err = fsck_json(dev)
    check("log size and owner changed", rep and rep["superblock"]["log_len"] == 16 * MiB
          and rep["superblock"]["system_uuid"] == uuid_b and rep["log"]["capacity"] == 30840
          and rep["log"]["last_index"] == 30839, json.dumps(rep and rep["log"]))

    for bad in ("12M", "4M", "abc", "-8M"):
        rc, out, err = run(MKFS, "--force", "--log-size", bad, dev)
        check(f"mkfs rejects --log-size {bad}", rc in (1, 2) and err.count("\n") == 1, err)
    rc, out, err = run(MKFS, "--system-uuid", "not-a-uuid", device(64 * MiB))
    check("mkfs rejects a malformed --system-uuid", rc == 1 and "not-a-uuid" in err, err)

    small = device(12 * MiB - 1)
    rc, out, err = run(MKFS, small)
    check("mkfs refuses a device smaller than metadata + one unit", rc == 1 and "at least" in err, err)
    exact = device(12 * MiB)
    check("mkfs accepts metadata + one unit", run(MKFS, "--system-uuid", uuid_a, exact)[0] == 0)

    rc, out, err = run(MKFS, "--kill", dev)
    check("mkfs --kill invalidates", rc == 0, err)
    rc, rep, err = fsck_json(dev)
    check("fsck of a killed superblock is an operational error (8)", rc == 8 and rep and "error" in rep, err)
    rc, out, err = run(MKFS, "--kill", dev)
    check("mkfs --kill without a superblock fails", rc == 1, err)

    check("fsck of a missing device exits 8", run(FSCK, "/nonexistent/dev")[0] == 8)
    check("fsck of a directory exits 8", run(FSCK, "/tmp")[0] == 8)
    check("fsck without a device exits 16", run(FSCK)[0] == 16)
    check("fsck with an unknown option exits 16", run(FSCK, "--bogus", dev)[0] == 16)
    check("mkfs without a device exits 2", run(MKFS)[0] == 2)
    for tool in (MKFS, FSCK):
        rc, out, err = run(tool, "--help")
        check(os.path.basename(tool) + " --help", rc == 0 and "Usage:" in out)

    for name in ("basic", "interleaved", "fulllog"):
        path, meta = golden(name)
        rc, rep, err = fsck_json(path)
        want = meta["expect"]["fsck"]
        got = rep and {
            "files": rep["summary"]["files"], "dirs": rep["summary"]["dirs"],
            "entries_used": rep["log"]["used"], "allocated_bytes": rep["capacity"]["allocated"],
            "free_bytes": rep["capacity"]["free"], "sum_of_file_sizes": rep["capacity"]["sum_of_file_sizes"]}
        sub = {k: want[k] for k in got} if got else None
        check(f"fsck --json of reference image {name} matches the reference fsck", rc == 0 and got == sub,
              f"rc={rc} got={got} want={sub}")
        rc, out, err = run(FSCK, "--verbose", path)
        check(f"fsck --verbose of {name} lists every file", rc == 0 and all(
            f["path"] in out for f in meta["expect"]["files"]) and out.rstrip().endswith("clean"), err)

    # Damage the reference image: one entry's CRC and one path ("../escape"
    # with a valid CRC), and an out-of-range extent. fsck reports all of them.
    path, meta = golden("basic")
    with open(path, "r+b") as f:
        def entry(i):
            return 0x200000 + 48 + 544 * i
        f.seek(entry(2) + 100)
        f.write(b"\xff")                               # dirA/f1: CRC mismatch
        f.seek(entry(4))
        raw = bytearray(f.read(544))                   # top: path "../escape"
        raw[40:120] = b"../escape".ljust(80, b"\0")
        raw[536:544] = struct.pack("<Q", zlib.crc32(bytes(raw[:536])))
        f.seek(entry(4))
        f.write(raw)
        f.seek(entry(5))
        raw = bytearray(f.read(544))                   # dirA/owned: extent past the device
        raw[136 + 8:136 + 16] = struct.pack("<Q", 2 * GiB)
        raw[536:544] = struct.pack("<Q", zlib.crc32(bytes(raw[:536])))
        f.seek(entry(5))
        f.write(raw)
    rc, rep, err = fsck_json(path)
    kinds = rep and [(p["index"], p["kind"]) for p in rep["problems"]]
    check("fsck finds every damaged entry and exits 4", rc == 4 and kinds == [
        (2, "bad_crc"), (4, "invalid_path"), (5, "out_of_range")], f"rc={rc} {kinds}")
    check("fsck still lists the intact entries", rep and [f["path"] for f in rep["files"]] == ["dirA/sub/f2"]
          and len(rep["dirs"]) == 3)
    rc, out, err = run(FSCK, path)
    check("fsck text output names each problem", rc == 4 and "3 problem(s)" in out and "escape" in out, out)
finally:
    for p in made:
        try:
            os.unlink(p)
        except OSError:
            pass

passed, failed = results.count(True), results.count(False)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
