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
    made.append(path)
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


def append_file_entry(path, relpath, offset, length, size, mode=0o644):
    """Appends a valid FILE entry (one simple extent) to the log of the famfs
    image at PATH, as the reference's master would write it."""
    with open(path, "r+b") as f:
        base = 0x200000
        f.seek(base + 32)
        seq, nxt = struct.unpack("<QQ", f.read(16))
        e = bytearray(544)
        struct.pack_into("<QI", e, 0, seq, 0)
        struct.pack_into("<QIIII", e, 16, size, 2, 0, 0, mode)
        e[40:40 + len(relpath)] = relpath.encode()
        struct.pack_into("<II", e, 120, 0, 0)
        struct.pack_into("<I", e, 128, 1)
        struct.pack_into("<QQQ", e, 136, 0, offset, length)
        struct.pack_into("<Q", e, 536, zlib.crc32(bytes(e[:536])))
        f.seek(base + 48 + 544 * nxt)
        f.write(e)
        f.seek(base + 32)
        f.write(struct.pack("<QQ", seq + 1, nxt + 1))
    return nxt


def free_offset(rep):
    """A 2 MiB-aligned device offset past every file of an fsck --json report."""
    end = 0x200000 + rep["superblock"]["log_len"]
    for fe in rep["files"]:
        for x in fe["map"].get("extents") or fe["map"].get("strips") or []:
            end = max(end, x["offset"] + x["length"])
    return end


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

    # The host area (docs/host-area.md): mkfs zeroes the stale bytes the
    # reference leaves in the superblock region and writes the area's header.
    junk = device(64 * MiB)
    made.append(junk)
    with open(junk, "r+b") as f:
        f.write(os.urandom(0x200000))
    rc, out, err = run(MKFS, "--system-uuid", uuid_a, junk)
    area = open(junk, "rb").read(0x200000)
    hdr = area[0x1000:0x1040]
    magic, version, nslots, slot_size, slot_off, master_off = struct.unpack_from("<QIIIII", hdr, 0)
    check("mkfs zeroes the host area and writes its header (magic, version 1, 4096 slots of 256 bytes, CRC)",
          rc == 0 and area[200:0x1000] == bytes(0x1000 - 200) and area[0x1040:] == bytes(0x200000 - 0x1040)
          and (magic, version, nslots, slot_size, slot_off, master_off) == (0xA5EAF05CA1FA, 1, 4096, 256, 0x2000, 0x1100)
          and struct.unpack_from("<Q", hdr, 0x38)[0] == zlib.crc32(hdr[:0x38]), err)
    rc, rep, err = fsck_json(junk)
    ha = rep and rep.get("host_area")
    check("fsck --json reports the empty registry of a fresh file system",
          rc == 0 and ha == {"valid": True, "problem": None, "master": None, "hosts": [], "notes": []}, json.dumps(ha))
    # A host slot with a bad CRC and a master record of another system UUID: notes, still clean.
    with open(junk, "r+b") as f:
        f.seek(0x2000 + 256 * 5)
        f.write(b"\x07\xab" + bytes(254))
    rc, rep, err = fsck_json(junk)
    kinds = [n["kind"] for n in (rep or {}).get("host_area", {}).get("notes", [])]
    check("fsck notes a damaged host slot without failing a clean file system",
          rc == 0 and rep["summary"]["clean"] and kinds == ["bad_slot"], (rc, kinds))
    rc, out, err = run(FSCK, junk)
    check("fsck text shows the host area and its notes before the verdict",
          rc == 0 and "host area: 0 host(s) registered" in out and "note (bad_slot): slot 5:" in out
          and out.rstrip().endswith("clean"), out)

    for name in ("basic", "interleaved", "fulllog"):
        path, meta = golden(name)
        with open(path, "r+b") as f:  # stale bytes where the host area lives
            f.seek(0x1000)
            f.write(os.urandom(0x1000))
        rc, rep, err = fsck_json(path)
        notes = (rep or {}).get("host_area", {}).get("notes", [])
        check(f"fsck of reference image {name} with stale host-area bytes: no registry, one note, clean",
              rc == 0 and rep["host_area"]["valid"] is False and [n["kind"] for n in notes] == ["no_area"], notes)
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

    # A host set up by the reference: /opt/famfs/system_uuid holds the 36
    # characters and a NUL (37 bytes). mkfs.famfs runs in a private mount
    # namespace with a tmpfs over /opt, so the real /opt is never touched.
    def mkfs_with_uuid_file(content):
        dev2 = device(64 * MiB)
        src = device(0)
        with open(src, "wb") as f:
            f.write(content)
        script = 'mount -t tmpfs famfs-test /opt && mkdir /opt/famfs && cp "$1" /opt/famfs/system_uuid && exec "$2" "$3"'
        p = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh",
                            src, MKFS, dev2], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                           timeout=120)
        rc2, rep2, _ = fsck_json(dev2)
        return p.returncode, p.stderr, (rep2 or {}).get("superblock", {}).get("system_uuid")
    ref_uuid = b"0123abcd-2222-4333-8444-555555555555"
    for label, content in (("36 characters and a NUL (37 bytes)", ref_uuid + b"\0"),
                           ("36 characters and a newline", ref_uuid + b"\n"),
                           ("36 characters and nothing else", ref_uuid)):
        rc, err, su = mkfs_with_uuid_file(content)
        check(f"mkfs takes the master UUID from a system_uuid file of {label}",
              rc == 0 and su == ref_uuid.decode(), f"rc={rc} {err} {su}")
    for label, content in (("a truncated UUID", ref_uuid[:35] + b"\0"), ("junk after the NUL", ref_uuid + b"\0x"),
                           ("two UUIDs", ref_uuid + b"\n" + ref_uuid), ("an empty file", b""),
                           ("a NUL inside", ref_uuid[:8] + b"\0" + ref_uuid[9:])):
        rc, err, su = mkfs_with_uuid_file(content)
        check(f"mkfs refuses a system_uuid file with {label}, naming the file",
              rc == 1 and "/opt/famfs/system_uuid" in err and err.count("\n") == 1, f"rc={rc} {err!r}")

    # The reference logs its allocation config as .meta/.alloc.cfg, a FILE
    # entry with no MKDIR for .meta (its mount creates .meta on every host).
    path, meta = golden("basic")
    rc, rep, err = fsck_json(path)
    base_dirs = rep["summary"]["dirs"]
    cfg_at = free_offset(rep)
    idx = append_file_entry(path, ".meta/.alloc.cfg", cfg_at, 2 * MiB, 123)
    rc, rep, err = fsck_json(path)
    cfg = rep and [f for f in rep["files"] if f["path"] == ".meta/.alloc.cfg"]
    check("fsck: .meta/.alloc.cfg without a .meta entry is clean (exit 0)",
          rc == 0 and rep["summary"]["clean"] and rep["problems"] == [], f"rc={rc} {rep and rep['problems']}")
    check("fsck lists .meta/.alloc.cfg with its map; dirs and counts hold only logged directories",
          cfg and cfg[0]["size"] == 123 and cfg[0]["index"] == idx and
          cfg[0]["map"]["extents"][0]["offset"] == cfg_at and
          ".meta" not in [d["path"] for d in rep["dirs"]] and len(rep["dirs"]) == base_dirs and
          rep["summary"]["dirs"] == base_dirs, rep and (cfg, rep["dirs"], rep["summary"]))
    rc, out, err = run(FSCK, "--verbose", path)
    check("fsck --verbose shows .meta/.alloc.cfg, clean", rc == 0 and ".meta/.alloc.cfg" in out and
          out.rstrip().endswith("clean"), out + err)
    append_file_entry(path, "nometa/x", cfg_at + 2 * MiB, 2 * MiB, 1)
    append_file_entry(path, ".meta", cfg_at + 4 * MiB, 2 * MiB, 1)
    rc, rep, err = fsck_json(path)
    kinds = rep and [(p["index"], p["kind"]) for p in rep["problems"]]
    check("fsck still reports a real orphan and a FILE named .meta (exit 4)",
          rc == 4 and kinds == [(idx + 1, "orphan"), (idx + 2, "duplicate")], f"rc={rc} {kinds}")

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
