#!/usr/bin/env python3
"""Integration tests of deletion (issue 13, docs/delete.md): a private
dbus-daemon with the shipped policy and three famfsd processes (three hosts)
on one /dev/shm emulated device formatted with --enable-delete, driven
through famfsctl. Remove on the master, gone on every client; a stopped
client (SIGSTOP) holds the removed file's memory back until it resumes and
applies the DELETE; `hosts forget` releases what a dead host held.

Usage: delete_integration.py BUILD_DIR SOURCE_DIR
Prints one line per check and ends with "N passed, N failed".
"""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

NOBODY = 65534
HB = 200  # heartbeat_interval_ms of these daemons
CFG = "heartbeat_interval_ms = %d\n" % HB


def names(name, path=""):
    out = listing(name, path)
    return sorted(e["name"] for e in out["entries"]) if isinstance(out, dict) else out


def extents(name, path):
    out = getmap(name, path)
    return norm_extents(out) if isinstance(out, dict) else out


def pending(name):
    st = status(name)
    return st.get("pending_release_bytes"), st.get("pending_release") or []


member = None
try:
    member = Member()
    bus = Bus(work, POLICY)
    procs.append(bus.proc)

    # ---- a file system without deletion refuses, saying why ----
    plain = shm(64 * MiB)
    subprocess.run([MKFS, "--system-uuid", UUID_M, plain], check=True, capture_output=True)
    p0 = Daemon("plain", plain, UUID_M, CFG)
    ctl("-d", "plain", "create", "f", "--size", "2M")
    rc, out, err = ctl("-d", "plain", "rm", "f")
    check("rm without --enable-delete: Unsupported (exit 13) naming --enable-delete and the reference",
          rc == EX_BUSY and "--enable-delete" in err and "reference" in err, (rc, err))
    check("... and the file stays", names("plain") == [".meta", "f"], names("plain"))
    check("status says deletion is disabled", status("plain").get("delete_enabled") is False, status("plain"))
    p0.proc.terminate()
    p0.proc.wait(30)

    # ---- three hosts on a deletion-enabled device ----
    dev = shm(256 * MiB)
    mk = subprocess.run([MKFS, "--enable-delete", "--system-uuid", UUID_M, dev], capture_output=True, text=True)
    check("mkfs.famfs --enable-delete", mk.returncode == 0 and "deletion          enabled" in mk.stdout, mk)
    m = Daemon("dm", dev, UUID_M, CFG)
    c1 = Daemon("dc1", dev, UUID_C1, CFG)
    c2 = Daemon("dc2", dev, UUID_C2, CFG)
    check("every host sees deletion enabled", all(status(n).get("delete_enabled") is True for n in ("dm", "dc1", "dc2")))

    def all_hosts_released():
        rc, out, err = ctl_json("-d", "dm", "hosts")
        return rc == 0 and len(out["hosts"]) == 3

    check("three hosts registered", wait_for(all_hosts_released, timeout=10))

    # The first allocation: its space is the lowest free run, so reuse is visible in the maps.
    check("create a 4 MiB file", ctl("-d", "dm", "create", "a", "--size", "4M")[0] == 0)
    a_map = extents("dm", "a")
    check("every client sees it", wait_for(lambda: all(names(n) == [".meta", "a"] for n in ("dc1", "dc2"))))

    mon = subprocess.Popen([FAMFSCTL, "--json", "-d", "dc1", "monitor"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    procs.append(mon)
    time.sleep(0.5)

    # ---- SIGSTOP one client: the space is held ----
    c2.proc.send_signal(signal.SIGSTOP)
    rc, out, err = ctl("-d", "dm", "rm", "a")
    check("rm a on the master", rc == 0, err)
    check("gone on the master at once and on the running client within its poll",
          names("dm") == [".meta"] and wait_for(lambda: names("dc1") == [".meta"]), (names("dm"), names("dc1")))
    b, held = pending("dm")
    check("4 MiB pending release on the master", b == 4 * MiB and len(held) == 1 and held[0]["path"] == "a", held)
    time.sleep(5 * HB / 1000)  # several beats: the running hosts release
    b, held = pending("dm")
    reasons = held[0]["held_by"] if held else []
    check("held back by the stopped client only, and status says why",
          b == 4 * MiB and len(reasons) == 1 and UUID_C2 in reasons[0] and "has not applied entry" in reasons[0],
          held)
    rc, out, err = ctl("-d", "dm", "status")
    check("famfsctl status shows the held file and the host holding it",
          rc == 0 and "Pending release:" in out.decode() and "held: " in out.decode()
          and UUID_C2 in out.decode(), out.decode())
    check("create a file of the same size while held", ctl("-d", "dm", "create", "b", "--size", "4M")[0] == 0)
    b_map = extents("dm", "b")
    check("it gets other memory than the removed file (maps compared)",
          isinstance(b_map, list) and not set(b_map) & set(a_map), (a_map, b_map))
    c2.proc.send_signal(signal.SIGCONT)
    check("the resumed client applies the DELETE: a is gone there too",
          wait_for(lambda: names("dc2") == [".meta", "b"], timeout=10), names("dc2"))
    check("after it releases, nothing is pending", wait_for(lambda: pending("dm")[0] == 0, timeout=10 * HB / 1000 + 5),
          pending("dm"))
    check("a new file of the same size now reuses the freed memory",
          ctl("-d", "dm", "create", "c", "--size", "4M")[0] == 0 and extents("dm", "c") == a_map,
          (a_map, extents("dm", "c")))
    check("every client agrees on the reused map", wait_for(
        lambda: all(extents(n, "c") == a_map for n in ("dc1", "dc2")), timeout=10))
    for n in ("dc1", "dc2"):
        rc, out, err = ctl_json("-d", n, "check")
        check(f"check on {n} is clean after create/remove/reuse", rc == 0 and out.get("clean") is True, (rc, out, err))

    # ---- a dead client holds memory until root forgets it ----
    ctl("-d", "dm", "create", "d", "--size", "2M")
    wait_for(lambda: "d" in names("dc2"))
    c2.proc.send_signal(signal.SIGKILL)
    c2.proc.wait()
    check("rm d while a client is dead", ctl("-d", "dm", "rm", "d")[0] == 0)
    time.sleep(4 * HB / 1000)
    b, held = pending("dm")
    check("the dead host holds it and is named stale with the way out",
          b == 2 * MiB and held and any("stale" in r and "hosts forget" in r for r in held[0]["held_by"]), held)
    rc, out, err = ctl("-d", "dm", "hosts", "forget", UUID_C2, user=NOBODY)
    check("hosts forget as nobody -> AccessDenied", rc == EX_DENIED, (rc, err))
    rc, out, err = ctl("-d", "dm", "hosts", "forget", UUID_C2)
    check("hosts forget (root)", rc == 0, err)
    check("forgetting the dead host releases its hold",
          wait_for(lambda: pending("dm")[0] == 0, timeout=10 * HB / 1000 + 5), pending("dm"))

    # ---- a host slot that does not validate may be a host: it holds memory ----
    SLOT = 4000
    with open(dev, "r+b") as f:
        f.seek(0x2000 + SLOT * 256)
        f.write(b"\x5a" * 256)  # neither zero nor a valid slot (a damaged host, as far as anyone can tell)
    ctl("-d", "dm", "create", "h", "--size", "2M")
    check("rm h with a damaged slot in the table", ctl("-d", "dm", "rm", "h")[0] == 0)
    time.sleep(4 * HB / 1000)
    b, held = pending("dm")
    check("the damaged slot holds the memory and status says how to clear it",
          b == 2 * MiB and held and any("host slot %d does not validate" % SLOT in r and "hosts forget %d" % SLOT in r
                                        for r in held[0]["held_by"]), held)
    rc, out, err = ctl("-d", "dm", "hosts")
    check("famfsctl hosts lists the damaged slot", rc == 0 and ("slot %d does not validate" % SLOT).encode() in out,
          out)
    rc, out, err = ctl_json("-d", "dm", "hosts")
    check("famfsctl hosts --json: damaged_slots and every host's released index",
          rc == 0 and [d["slot"] for d in out.get("damaged_slots", [])] == [SLOT]
          and all(isinstance(h.get("released"), int) for h in out["hosts"]), out)
    rc, out, err = ctl("-d", "dm", "hosts", "forget", str(SLOT), user=NOBODY)
    check("hosts forget SLOT as nobody -> AccessDenied", rc == EX_DENIED, (rc, err))
    rc, out, err = ctl("-d", "dm", "hosts", "forget", str(SLOT + 1))
    check("hosts forget of an empty slot -> NotFound", rc == EX_NOTFOUND and "is empty" in err, (rc, err))
    rc, out, err = ctl("-d", "dm", "hosts", "forget", str(SLOT))
    check("hosts forget SLOT (root) clears it", rc == 0 and b"cleared host slot" in out, (rc, out, err))
    check("with the slot cleared the memory is released",
          wait_for(lambda: pending("dm")[0] == 0, timeout=10 * HB / 1000 + 5), pending("dm"))

    # ---- a damaged host area header does not turn deletion off ----
    image = open(dev, "rb").read()
    copy = shm(len(image))
    with open(copy, "r+b") as f:
        f.write(image[:0x1008] + bytes([image[0x1008] ^ 0xFF]) + image[0x1009:])
    p = subprocess.run([FSCK, "--json", copy], capture_output=True, timeout=60)
    dl = json.loads(p.stdout or b"{}").get("deletion", {})
    check("fsck.famfs with the header damaged: deletion inferred from the log's DELETE entries",
          dl.get("enabled") is True and isinstance(dl.get("inferred_from_entry"), int), (p.returncode, dl))
    with open(dev, "r+b") as f:
        f.seek(0x1008)
        f.write(bytes([image[0x1008] ^ 0xFF]))
    check("the master re-initializes the damaged area and keeps deletion",
          wait_for(lambda: "preparing the host area" in open(m.log).read(), timeout=10)
          and status("dm").get("delete_enabled") is True, open(m.log).read()[-600:])
    ctl("-d", "dm", "create", "after-damage", "--size", "2M")
    check("rm still works after the area was re-initialized", ctl("-d", "dm", "rm", "after-damage")[0] == 0)
    check("a client still sees deletion enabled", status("dc1").get("delete_enabled") is True, status("dc1"))
    check("the client registers again and the removed file is released",
          wait_for(lambda: pending("dm")[0] == 0, timeout=20 * HB / 1000 + 5), pending("dm"))

    # ---- directories, errors ----
    ctl("-d", "dm", "mkdir", "-p", "t/u")
    ctl("-d", "dm", "create", "t/u/f", "--size", "2M")
    ctl("-d", "dm", "create", "t/g", "--size", "2M")
    rc, out, err = ctl("-d", "dm", "rm", "t")
    check("rm of a non-empty directory without -r -> NotEmpty (exit 6)", rc == EX_EXISTS and "not empty" in err,
          (rc, err))
    # The client must have replayed t/g first, or it answers NotFound before it looks at its role.
    wait_for(lambda: "g" in names("dc1", "t"))
    rc, out, err = ctl("-d", "dc1", "rm", "t/g")
    check("rm on a client -> NotMaster", rc == EX_NOTMASTER, (rc, err))
    rc, out, err = ctl("-d", "dm", "rm", "nope")
    check("rm of a missing path -> NotFound", rc == EX_NOTFOUND, (rc, err))
    rc, out, err = ctl("-d", "dm", "rm", ".meta")
    check("rm .meta -> InvalidPath/InvalidArgument (exit 4)", rc == 4, (rc, err))
    rc, out, err = ctl("--json", "-d", "dm", "rm", "-r", "t")
    check("rm -r t removes the four nodes", rc == 0 and json.loads(out).get("removed") == 4, (rc, out, err))
    check("gone on the client", wait_for(lambda: "t" not in names("dc1")), names("dc1"))
    ctl("-d", "dm", "mkdir", "e")
    check("an empty directory is removed without -r", ctl("-d", "dm", "rm", "e")[0] == 0
          and wait_for(lambda: "e" not in names("dc1")))

    # ---- permissions: as unlink(2) / rmdir(2) ----
    uid = member.uid
    ctl("-d", "dm", "mkdir", "--mode", "0755", "ro")
    ctl("-d", "dm", "create", "ro/f", "--size", "2M", "--uid", str(uid))
    rc, out, err = ctl("-d", "dm", "rm", "ro/f", user=member)
    check("a famfs member may not remove its own file from a 0755 root directory (w+x on the parent)",
          rc == EX_DENIED and "write and search" in err, (rc, err))
    ctl("-d", "dm", "mkdir", "--mode", "0777", "open")
    ctl("-d", "dm", "create", "open/rootfile", "--size", "2M")
    rc, out, err = ctl("-d", "dm", "rm", "open/rootfile", user=member)
    check("... but may remove root's file from a 0777 directory", rc == 0, (rc, err))
    ctl("-d", "dm", "mkdir", "--mode", "1777", "sticky")
    ctl("-d", "dm", "create", "sticky/rootfile", "--size", "2M")
    ctl("-d", "dm", "create", "sticky/mine", "--size", "2M", "--uid", str(uid))
    rc, out, err = ctl("-d", "dm", "rm", "sticky/rootfile", user=member)
    check("a sticky directory: another user's file -> AccessDenied naming the sticky bit",
          rc == EX_DENIED and "sticky" in err, (rc, err))
    rc, out, err = ctl("-d", "dm", "rm", "sticky/mine", user=member)
    check("a sticky directory: one's own file is removed", rc == 0, (rc, err))
    ctl("-d", "dm", "mkdir", "--mode", "0777", "--uid", str(uid), "open/tree")
    ctl("-d", "dm", "mkdir", "--mode", "0555", "--uid", str(uid), "open/tree/locked")
    ctl("-d", "dm", "create", "open/tree/locked/f", "--size", "2M", "--uid", str(uid))
    ctl("-d", "dm", "create", "open/tree/g", "--size", "2M", "--uid", str(uid))
    rc, out, err = ctl("-d", "dm", "rm", "-r", "open/tree", user=member)
    check("rm -r through a directory without write -> AccessDenied naming it, nothing removed",
          rc == EX_DENIED and "open/tree/locked" in err and names("dm", "open/tree/locked") == ["f"]
          and names("dm", "open/tree") == ["g", "locked"], (rc, err))
    ctl("-d", "dm", "mkdir", "--mode", "0777", "--uid", str(uid), "open/mine")
    ctl("-d", "dm", "create", "open/mine/f", "--size", "2M", "--uid", str(uid))
    rc, out, err = ctl("-d", "dm", "rm", "-r", "open/mine", user=member)
    check("rm -r of a tree the member may empty", rc == 0 and "mine" not in names("dm", "open"), (rc, err))
    rc, out, err = ctl("-d", "dm", "rm", "open", user=NOBODY)
    check("nobody (not in the famfs group) -> AccessDenied", rc == EX_DENIED, (rc, err))
    check("root removes anything", ctl("-d", "dm", "rm", "-r", "open", "sticky", "ro")[0] == 0)

    time.sleep(0.3)
    mon.terminate()
    events = [json.loads(l) for l in mon.communicate(timeout=10)[0].decode().splitlines() if l.startswith("{")]
    check("FileRemoved and DirectoryRemoved signals on a client",
          any(e.get("signal") == "FileRemoved" and e.get("path") == "a" for e in events)
          and any(e.get("signal") == "DirectoryRemoved" and e.get("path") == "t" for e in events),
          [e for e in events if "Removed" in e.get("signal", "")])

    # ---- fsck.famfs on the image ----
    p = subprocess.run([FSCK, "--json", dev], capture_output=True, timeout=60)
    rep = json.loads(p.stdout or b"{}")
    check("fsck.famfs: a log with DELETE entries is clean (exit 0)", p.returncode == 0, (p.returncode, p.stdout[-600:]))
    dl = rep.get("deletion", {})
    check("fsck.famfs reports deletion enabled and the removed files not reused since (the last rm -r)",
          dl.get("enabled") is True and dl.get("pending_release_bytes", 0) > 0
          and any(x["path"] == "ro/f" for x in dl.get("pending_release", [])), dl)
    m.proc.terminate()
    m.proc.wait(30)
    m.start()
    st = status("dm")
    check("a restarted master replays the DELETEs to the same state", st.get("state") == "ready"
          and st.get("problems") == [] and names("dm") == names("dc1"), (st, names("dm"), names("dc1")))
finally:
    clean_up(procs, shm_files, member)

report(results, work)
