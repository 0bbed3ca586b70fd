#!/usr/bin/env python3
"""Hostile callers: a real famfsd (master) on a private dbus-daemon that
includes the shipped bus policy, fed with everything a misbehaving or
malicious local program can send over the bus: wrong argument types,
oversized strings, huge option maps, unknown options, invalid UTF-8,
absolute and dot paths, CopyIn/ReadFile descriptors of every kind, 1,000
connections opened and dropped, 200 concurrent CopyIns, pipelined floods and
calls that want no reply. Each hostile call must get its precise named
error (or the bus must drop the sender, for what the D-Bus protocol itself
forbids). After each group: famfsd answers status, its descriptor count is
back where it started and its RSS within a small bound of it, fsck.famfs is
clean and FreeBytes is exactly what the files that were meant to be created
account for.

The client is tests/integration/dbus_wire.py, a raw wire-protocol client:
the libraries refuse to send most of this.

Usage: hostile_client.py BUILD_DIR SOURCE_DIR [--no-rss]
       --no-rss: leave out the RSS bound (for an ASan build, whose quarantine
       keeps freed memory on purpose); every other check stays.
       (internally: hostile_client.py --as-caller ADDRESS, as nobody)
Prints one line per check and ends with "N passed, N failed"; exits non-zero
if any check failed. Runs as root.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dbus_wire as wire  # noqa: E402
from private_bus import Bus, reap, report, wait_for  # noqa: E402

from hostile_checks import *  # noqa: E402,F401,F403
from hostile_checks import results  # noqa: E402


def as_caller(address):
    """The checks run as an unprivileged caller (through setpriv)."""
    argument_checks(address, READ_METHODS, "nobody")
    c = wire.Connection(address)
    devnull = os.open("/dev/null", os.O_RDWR)
    refused = {}
    for m in METHODS:
        if m not in READ_METHODS:
            sig, args = args_for(m)
            r = c.call(DEST, OBJ, FS, m, sig, args, fds=[devnull] if "h" in sig else ())
            if not is_error(r, DBUS_E + "AccessDenied"):
                refused[m] = r
    os.close(devnull)
    c.close()
    check("nobody: the bus refuses every method that changes the file system (%d) -> AccessDenied" %
          (len(METHODS) - len(READ_METHODS)), not refused, refused)
    connection_churn(address, 1000, "nobody")
    # A pipelined flood that is never read, then a drop.
    c = wire.Connection(address)
    for _ in range(10000):
        c.send(DEST, OBJ, FS, "Stat", "sa{sv}", ["", {}])
    c.close()
    c = wire.Connection(address)
    r = c.call(DEST, OBJ, FS, "Stat", "sa{sv}", ["", {}])
    c.close()
    check("nobody: 10,000 pipelined calls never read, then dropped; a new caller is answered",
          r.type == wire.METHOD_RETURN and r.args[0].get("type") == "dir", r)


# ---------------------------------------------------------------------------
# The harness (root).
# ---------------------------------------------------------------------------
def proc_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def proc_rss_kib(pid):
    """Anonymous resident memory (the device mapping is shared memory whose
    touched pages count in VmRSS)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    return 0


def main():
    build, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    check_rss = "--no-rss" not in sys.argv[3:]
    famfsd = os.path.join(build, "famfsd/famfsd")
    famfsctl = os.path.join(build, "cli/famfsctl")
    mkfs = os.path.join(build, "famfsd/tools/mkfs.famfs")
    fsck = os.path.join(build, "famfsd/tools/fsck.famfs")
    work = tempfile.mkdtemp(prefix="famfs-hostile-")
    procs = []
    fd, dev = tempfile.mkstemp(prefix="famfs-hostile-", dir="/dev/shm")
    os.ftruncate(fd, DEVICE_SIZE)  # sparse: only what is written takes memory
    os.close(fd)
    try:
        bus = Bus(work, os.path.join(src, "dbus/org.famfs.Famfs1.conf"))
        procs.append(bus.proc)
        subprocess.run([mkfs, "--system-uuid", UUID_M, dev], check=True, capture_output=True)
        cfg = os.path.join(work, "famfs.toml")
        with open(cfg, "w") as f:
            f.write('log_level = "info"\n')
        log = os.path.join(work, "famfsd.log")
        d = subprocess.Popen([famfsd, "--device", dev, "--instance", INSTANCE, "--system-uuid", UUID_M, "--config",
                              cfg, "--backend", "none"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=open(log, "w"))
        procs.append(d)

        def status():
            p = subprocess.run([famfsctl, "--json", "-d", INSTANCE, "status"], capture_output=True, timeout=60)
            try:
                return json.loads(p.stdout) if p.returncode == 0 else {}
            except ValueError:
                return {}

        if not check("famfsd serves the hostile instance", wait_for(lambda: status().get("state") == "ready", 20),
                     open(log).read()[-2000:]):
            return
        c = wire.Connection(bus.address)

        def call(method, sig, args, fds=(), iface=FS, path=OBJ, **kw):
            return c.call(DEST, path, iface, method, sig, args, fds=fds, **kw)

        def get(prop):
            r = call("Get", "ss", [FS, prop], iface=PROPS)
            return r.args[0] if r.type == wire.METHOD_RETURN else None

        # Warm up every path once (first worker thread, first job, caches),
        # then take the baseline.
        seed = memfd(os.urandom(3 * MiB + 17))
        for r in (call("Mkdir", "sa{sv}", ["hostile", {}]), call("CopyIn", "sha{sv}", ["hostile/seed", 0, {}], [seed]),
                  call("CopyIn", "sha{sv}", ["hostile/job", 0, {"job": ("b", True)}], [seed])):
            check("warm-up call succeeds", r.type == wire.METHOD_RETURN, r)
        os.close(seed)
        devnull = os.open("/dev/null", os.O_WRONLY)
        call("ReadFile", "sha{sv}", ["hostile/seed", 0, {}], [devnull])
        os.close(devnull)
        wait_for(lambda: get("Files") == 2, 20)
        time.sleep(6)  # the warm-up job object lingers 5 s after completing
        def allocations():
            """path -> allocated bytes of every file in the namespace."""
            out, todo = {}, [""]
            while todo:
                dirpath = todo.pop()
                r = call("ListDirectory", "sa{sv}", [dirpath, {}])
                for name, kind, *_ in (r.args[0] if r.type == wire.METHOD_RETURN else []):
                    path = dirpath + "/" + name if dirpath else name
                    if kind == "dir":
                        todo.append(path)
                    else:
                        x = call("Stat", "sa{sv}", [path, {}])
                        out[path] = x.args[0].get("allocated") if x.type == wire.METHOD_RETURN else None
            return out

        base = {"fds": proc_fds(d.pid), "rss": proc_rss_kib(d.pid), "free": get("FreeBytes"),
                "files": allocations()}

        def after(group):
            """The invariants every group must leave intact."""
            st = status()
            check("after %s: famfsd answers status, state ready" % group, d.poll() is None and st.get("state") ==
                  "ready", (d.poll(), st, open(log).read()[-1500:]))
            fds_ok = wait_for(lambda: proc_fds(d.pid) == base["fds"], 20) if d.poll() is None else False
            check("after %s: open descriptors back to %d" % (group, base["fds"]), fds_ok,
                  proc_fds(d.pid) if d.poll() is None else "dead")
            if check_rss and d.poll() is None:
                wait_for(lambda: proc_rss_kib(d.pid) <= base["rss"] + RSS_BOUND_KIB, 20)
            rss = proc_rss_kib(d.pid) if d.poll() is None else -1
            if check_rss:
                check("after %s: RSS %d KiB within %d KiB of %d KiB" % (group, rss, RSS_BOUND_KIB, base["rss"]),
                      0 <= rss <= base["rss"] + RSS_BOUND_KIB, rss)
            p = subprocess.run([fsck, dev], capture_output=True, text=True, timeout=120)
            check("after %s: fsck.famfs clean" % group, p.returncode == 0, p.stdout[-800:] + p.stderr[-400:])
            # Every copy has ended once the descriptors are back; the space
            # not free is then exactly that of the files created since.
            now = allocations()
            want = base["free"] - sum(v or 0 for k, v in now.items() if k not in base["files"])
            free = get("FreeBytes")
            check("after %s: FreeBytes %s = the baseline less the %d files created since" %
                  (group, free, len(now) - len(base["files"])), free == want and None not in now.values(),
                  (free, want))

        def created(path):
            r = call("Stat", "sa{sv}", [path, {}])
            return r.type == wire.METHOD_RETURN

        # ---- every method, as root: types, sizes, maps, options, paths, UTF-8 ----
        table_checks(src)
        argument_checks(bus.address, list(METHODS), "root")
        after("hostile arguments as root")

        # ---- the same for the read-only methods as nobody, plus churn and a flood ----
        p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable,
                            os.path.abspath(__file__), "--as-caller", bus.address], capture_output=True, text=True,
                           timeout=900)
        lines = [ln for ln in p.stdout.splitlines() if ln.startswith(("ok   ", "FAIL "))]
        for ln in lines:
            print(ln, flush=True)
            results.append(ln.startswith("ok   "))
        check("nobody: the unprivileged caller ran to the end", "caller done" in p.stdout and len(lines) > 40,
              (p.returncode, p.stderr[-1500:]))
        after("hostile arguments, 1,000 connections and a flood as nobody")

        # ---- other members, objects and interfaces ----
        r = call("Frobnicate", "", [])
        check("unknown method -> UnknownMethod", is_error(r, DBUS_E + "UnknownMethod"), r)
        r = call("Stat", "sa{sv}", ["", {}], path="/org/famfs/Famfs1/jobs/999999")
        check("a job path that does not exist -> UnknownObject", is_error(r, DBUS_E + "UnknownObject"), r)
        r = call("Stat", "sa{sv}", ["", {}], iface="org.famfs.Famfs1.Nope")
        check("unknown interface -> UnknownInterface or UnknownMethod",
              r.error_name in (DBUS_E + "UnknownInterface", DBUS_E + "UnknownMethod"), r)
        r = call("Set", "ssv", [FS, "FreeBytes", ("t", 1 << 40)], iface=PROPS)
        check("setting a read-only property -> PropertyReadOnly", is_error(r, DBUS_E + "PropertyReadOnly"), r)
        r = call("Get", "ss", [FS, "NoSuchProperty"], iface=PROPS)
        check("an unknown property -> UnknownProperty", is_error(r, DBUS_E + "UnknownProperty"), r)
        r = call("Get", "ss", ["org.famfs.Famfs1.Nope", "State"], iface=PROPS)
        check("a property of an unknown interface -> an Unknown* error",
              (r.error_name or "").startswith(DBUS_E + "Unknown"), r)
        r = call("Introspect", "", [], iface="org.freedesktop.DBus.Introspectable")
        check("Introspect works", r.type == wire.METHOD_RETURN and "CopyIn" in r.args[0], r)
        r = call("Introspect", "s", ["x"], iface="org.freedesktop.DBus.Introspectable")
        check("Introspect with an argument -> InvalidArgs", is_error(r, DBUS_E + "InvalidArgs"), r)
        r = call("GetManagedObjects", "", [], iface="org.freedesktop.DBus.ObjectManager")
        check("GetManagedObjects works", r.type == wire.METHOD_RETURN, r)
        r = call("GetAll", "s", [FS], iface=PROPS)
        check("GetAll works", r.type == wire.METHOD_RETURN and r.args[0].get("State") == "ready", r)
        r = call("Stat", "sa{sv}", ["/x", {}], iface=None)
        check("a call without an interface field -> UnknownObject (sd-bus needs the interface)",
              is_error(r, DBUS_E + "UnknownObject"), r)
        r = call("Format", "a{sv}", [{"force": ("b", True)}])
        check("Format without allow_format -> Unsupported", is_error(r, E + "Unsupported", "allow_format"), r)
        r = call("Format", "a{sv}", [{"log_size": ("t", 1 << 63), "force": ("b", True)}])
        check("Format with an absurd log size, formatting not allowed -> Unsupported", is_error(r, E + "Unsupported"),
              r)

        # ---- values: sizes, modes, stripes, offsets ----
        cases = [
            ("CreateFile", "sta{sv}", ["v0", 0, {}], "InvalidArgument", "size 0"),
            ("CreateFile", "sta{sv}", ["v1", (1 << 64) - 1, {}], "InvalidArgument", "larger than the device"),
            ("CreateFile", "sta{sv}", ["v2", 2 * MiB, {"mode": ("u", 0xFFFFFFFF)}], "InvalidArgument", "mode"),
            ("CreateFile", "sta{sv}", ["v3", 8 * MiB, {"nstrips": ("u", 0), "chunk_size": ("t", 2 * MiB)}],
             "InvalidArgument", "nstrips"),
            ("CreateFile", "sta{sv}", ["v4", 8 * MiB, {"nstrips": ("u", 1 << 31), "chunk_size": ("t", 2 * MiB)}],
             "InvalidArgument", "nstrips"),
            ("CreateFile", "sta{sv}", ["v5", 8 * MiB, {"nstrips": ("u", 4), "chunk_size": ("t", 3 * MiB)}],
             "InvalidArgument", "chunk_size"),
            ("CreateFile", "sta{sv}", ["v6", 8 * MiB, {"nstrips": ("u", 4)}], "InvalidArgument", "together"),
            ("CreateFile", "sta{sv}", ["v8", get("FreeBytes") + 2 * MiB, {}], "NoSpace", ""),
            ("CreateFile", "sta{sv}", ["hostile/seed", 2 * MiB, {}], "Exists", ""),
            ("CreateFile", "sta{sv}", ["hostile/seed/under", 2 * MiB, {}], "NotDirectory", ""),
            ("CreateFile", "sta{sv}", ["no/such/dir", 2 * MiB, {}], "NotFound", ""),
            ("Mkdir", "sa{sv}", ["hostile/seed", {}], "Exists", ""),
            ("Mkdir", "sa{sv}", ["m1", {"mode": ("u", 0o100755)}], "InvalidArgument", "mode"),
            ("Mkdir", "sa{sv}", ["hostile/seed/d", {"parents": ("b", True)}], "NotDirectory", ""),
            ("ListDirectory", "sa{sv}", ["hostile/seed", {}], "NotDirectory", ""),
            ("ListDirectory", "sa{sv}", ["nothing", {}], "NotFound", ""),
            ("Stat", "sa{sv}", ["nothing/here", {}], "NotFound", ""),
            ("GetFileMap", "sa{sv}", ["hostile", {}], "InvalidArgument", "directory"),
            ("ReadFile", "sha{sv}", ["hostile", 0, {}], "InvalidArgument", "directory"),
            ("ReadFile", "sha{sv}", ["hostile/seed", 0, {"offset": ("t", (1 << 64) - 1)}], "InvalidArgument",
             "offset"),
        ]
        devnull = os.open("/dev/null", os.O_WRONLY)
        for m, sig, args, err, word in cases:
            r = call(m, sig, args, fds=[devnull] if "h" in sig else ())
            check("%s%s -> %s" % (m, json.dumps(args, default=str)[:120], err), is_error(r, E + err, word), r)
        r = call("ReadFile", "sha{sv}", ["hostile/seed", 0, {"offset": ("t", 3 * MiB), "length": ("t", (1 << 64) - 1)}],
                 [devnull])
        check("ReadFile with offset + length beyond 2^64 reads to the end", r.type == wire.METHOD_RETURN and
              r.args == [17], r)
        os.close(devnull)
        after("hostile values")

        # ---- CreateFiles: huge batches, duplicates, bad items among good ones ----
        big = [["batch/h%d" % i, 2 * MiB, {}] for i in range(100000)]
        r = call("CreateFiles", "a(sta{sv})a{sv}", [big, {}])
        check("CreateFiles with 100,000 items -> InvalidArgument naming the limit, nothing created",
              is_error(r, E + "InvalidArgument", "1024") and not created("batch/h0"), r)
        r = call("Mkdir", "sa{sv}", ["batch", {}])
        check("Mkdir batch", r.type == wire.METHOD_RETURN, r)
        items = []
        for i in range(1024):
            kind = i % 8
            if kind == 0:
                items.append(["batch/d%d" % i, 0, {"directory": ("b", True)}])
            elif kind == 1:
                items.append(["batch/d%d/f" % (i - 1), 2 * MiB, {}])  # inside the directory just before
            elif kind == 2:
                items.append(["batch/dup", 2 * MiB, {}])  # the same path 128 times
            elif kind == 3:
                items.append([BAD_PATHS[i % len(BAD_PATHS)], 2 * MiB, {}])
            elif kind == 4:
                items.append(["batch/s%d" % i, 0, {}])
            elif kind == 5:
                items.append(["batch/o%d" % i, 2 * MiB, {"directory": ("s", "yes")}])
            elif kind == 6:
                items.append(["batch/x%d" % i, 2 * MiB, {"mode": ("u", 0o170000)}])
            else:
                items.append(["batch/g%d" % i, 2 * MiB, {"zero": ("b", False)}])
        r = call("CreateFiles", "a(sta{sv})a{sv}", [items, {}])
        res = r.args[0] if r.type == wire.METHOD_RETURN else []
        want = {0: "", 1: "", 3: E + "InvalidPath", 4: E + "InvalidArgument", 5: E + "InvalidArgument",
                6: E + "InvalidArgument", 7: ""}
        wrong = [(i, items[i][0], res[i]) for i in range(min(len(res), 1024))
                 if (i % 8 != 2 and res[i][0] != want[i % 8])
                 or (i % 8 == 2 and res[i][0] != ("" if i == 2 else E + "Exists"))]
        check("CreateFiles with 1,024 mixed items: one answer each, in order (dirs and files inside them created, "
              "a repeated path Exists after the first, bad paths, sizes, option types and modes named)",
              len(res) == 1024 and not wrong, (r.error_name, r.args[:1] if r.error_name else wrong[:5]))
        check("CreateFiles: the good items are there, the bad ones not",
              created("batch/d8/f") and created("batch/dup") and created("batch/g1023") and not created("batch/s4"))
        r = call("CreateFiles", "a(sta{sv})a{sv}", [[], {}])
        check("CreateFiles with no items -> no results", r.type == wire.METHOD_RETURN and r.args == [[]], r)
        after("CreateFiles batches")

        # ---- CommitFiles: too many, hostile and others' handles ----
        commit_checks(bus.address, call)
        after("CommitFiles handles")

        # ---- CopyIn source descriptors of every kind ----
        def copy_in(path, fd, opts=None, fds=None, index=0):
            return call("CopyIn", "sha{sv}", [path, index, opts or {}], fds=[fd] if fds is None else fds)

        tmpf = os.path.join(work, "plain")
        with open(tmpf, "wb") as f:
            f.write(b"plain" * 1000)
        fifo = os.path.join(work, "fifo")
        os.mkfifo(fifo)
        empty = os.path.join(work, "empty")
        open(empty, "w").close()
        s1, s2 = socket.socketpair()
        rd, wr = os.pipe()
        sources = [
            ("an O_PATH descriptor", lambda: os.open(tmpf, os.O_PATH), "InvalidArgument", "reading"),
            ("a write-only descriptor", lambda: os.open(tmpf, os.O_WRONLY), "InvalidArgument", "reading"),
            ("a directory", lambda: os.open(work, os.O_RDONLY | os.O_DIRECTORY), "InvalidArgument", "regular"),
            ("a FIFO that never delivers", lambda: os.open(fifo, os.O_RDWR), "InvalidArgument", "regular"),
            ("a pipe", lambda: os.dup(rd), "InvalidArgument", "regular"),
            ("a socket", lambda: os.dup(s1.fileno()), "InvalidArgument", "regular"),
            ("/dev/zero", lambda: os.open("/dev/zero", os.O_RDONLY), "InvalidArgument", "regular"),
            ("an eventfd", lambda: os.eventfd(0), "InvalidArgument", "regular"),
            ("an empty file", lambda: os.open(empty, os.O_RDONLY), "InvalidArgument", "size 0"),
            ("a file that ends before its size (sysfs)", lambda: os.open("/sys/kernel/uevent_seqnum", os.O_RDONLY),
             "IoError", "ended early"),
        ]
        for i, (what, opener, err, word) in enumerate(sources):
            fd = opener()
            r = copy_in("hostile/src%d" % i, fd)
            os.close(fd)
            check("CopyIn from %s -> %s" % (what, err), is_error(r, E + err, word), r)
        # A descriptor index without a descriptor: sd-bus refuses to read it.
        r = copy_in("hostile/nofd", 0, fds=[])
        check("CopyIn naming a descriptor it did not send -> InconsistentMessage",
              is_error(r, DBUS_E + "InconsistentMessage"), r)
        fd = memfd(b"seven")
        r = copy_in("hostile/fd7", None, fds=[fd], index=7)
        os.close(fd)
        check("CopyIn naming descriptor index 7 of 1 -> InconsistentMessage",
              is_error(r, DBUS_E + "InconsistentMessage"), r)
        free = get("FreeBytes")
        sparse = os.path.join(work, "sparse")
        with open(sparse, "wb") as f:
            f.truncate(free + 2 * MiB)
        fd = os.open(sparse, os.O_RDONLY)
        r = copy_in("hostile/toolarge", fd)
        check("CopyIn of a sparse file larger than the free space -> NoSpace", is_error(r, E + "NoSpace"), r)
        os.close(fd)
        with open(sparse, "wb") as f:
            f.truncate(DEVICE_SIZE + 2 * MiB)
        fd = os.open(sparse, os.O_RDONLY)
        r = copy_in("hostile/toolarge", fd)
        os.close(fd)
        check("CopyIn of a sparse file larger than the device -> InvalidArgument",
              is_error(r, E + "InvalidArgument", "larger than the device"), r)
        # A file truncated while it is copied: a large job, truncated as soon
        # as the job exists (the copy of 3 GiB takes far longer than that).
        shrink = os.path.join(work, "shrink")
        with open(shrink, "wb") as f:
            f.truncate(3 * GiB)
        fd = os.open(shrink, os.O_RDONLY)
        r = copy_in("hostile/shrinking", fd, {"job": ("b", True)})
        os.truncate(shrink, 4096)
        os.close(fd)
        ok = r.type == wire.METHOD_RETURN and r.args[0].startswith("/org/famfs/Famfs1/jobs/")
        job_result = None
        if ok:
            jp = r.args[0]

            def job_prop(name):
                x = call("Get", "ss", [JOB, name], iface=PROPS, path=jp)
                return x.args[0] if x.type == wire.METHOD_RETURN else None
            wait_for(lambda: job_prop("Finished"), 120)
            job_result = (job_prop("Finished"), job_prop("Success"), job_prop("Error"), job_prop("Message"))
            x = call("Cancel", "a{sv}", [{}], iface=JOB, path=jp)
            check("Job.Cancel of a finished job -> Busy", is_error(x, E + "Busy"), x)
            job_argument_checks(call, jp)
        check("CopyIn of a file truncated while it is copied: the job fails with IoError",
              job_result is not None and job_result[:3] == (True, False, E + "IoError") and
              "\n" not in job_result[3], (r, job_result))
        r = call("Stat", "sa{sv}", ["hostile/shrinking", {}])
        check("the truncated copy left no file", is_error(r, E + "NotFound"), r)
        # A memfd (the positive control) and a caller that drops before its reply.
        fd = memfd(b"m" * 5000)
        r = copy_in("hostile/memfd", fd)
        check("CopyIn from a memfd succeeds", r.type == wire.METHOD_RETURN and r.args == ["/"], r)
        # Descriptors the call does not name: famfsd must close them all.
        extra = [os.open("/dev/null", os.O_RDONLY) for _ in range(15)]
        r = copy_in("hostile/extrafds", fd, fds=[fd] + extra)
        check("CopyIn with 15 more descriptors than it names succeeds", r.type == wire.METHOD_RETURN, r)
        devnull = os.open("/dev/null", os.O_WRONLY)
        r = call("ReadFile", "sha{sv}", ["hostile/seed", 1, {}], fds=[fd, devnull] + extra[:14])
        check("ReadFile naming the second of 16 descriptors writes there", r.type == wire.METHOD_RETURN and
              r.args == [3 * MiB + 17], r)
        os.close(devnull)
        for x in extra:
            os.close(x)
        # O_DIRECT wants aligned lengths: the tail of a 5000-byte file is not.
        direct_path = os.path.join(work, "direct")
        with open(direct_path, "wb") as f:
            f.write(b"d" * 5000)
        try:
            dfd = os.open(direct_path, os.O_RDONLY | os.O_DIRECT)
        except OSError:
            dfd = None  # the work directory's file system has no O_DIRECT
        if dfd is not None:
            r = copy_in("hostile/direct", dfd)
            os.close(dfd)
            check("CopyIn from an O_DIRECT descriptor succeeds", r.type == wire.METHOD_RETURN, r)
            pr, pw = os.pipe()
            r = call("ReadFile", "sha{sv}", ["hostile/direct", 0, {}], fds=[pw])
            os.close(pw)
            got = os.read(pr, 10000)
            os.close(pr)
            check("... and holds the file's bytes", r.type == wire.METHOD_RETURN and got == b"d" * 5000, (r, len(got)))
        check("the memfd copy exists", created("hostile/memfd"))
        dropper = wire.Connection(bus.address)
        dropper.send(DEST, OBJ, FS, "CopyIn", "sha{sv}", ["hostile/dropped", 0, {}], fds=[fd])
        dropper.close()
        os.close(fd)
        # famfsd may see it (the copy runs, nobody hears the reply) or not (it
        # cannot learn a vanished caller's credentials): the invariants below
        # hold either way.

        # NO_REPLY_EXPECTED calls of every kind, then a round trip.
        fd = memfd(b"n" * 100)
        devnull = os.open("/dev/null", os.O_WRONLY)
        c.send(DEST, OBJ, FS, "CopyIn", "sha{sv}", ["hostile/noreply", 0, {}], fds=[fd], flags=wire.NO_REPLY_EXPECTED)
        c.send(DEST, OBJ, FS, "CopyIn", "sha{sv}", ["/abs", 0, {}], fds=[fd], flags=wire.NO_REPLY_EXPECTED)
        c.send(DEST, OBJ, FS, "ReadFile", "sha{sv}", ["hostile/seed", 0, {}], fds=[devnull],
               flags=wire.NO_REPLY_EXPECTED)
        c.send(DEST, OBJ, FS, "Stat", "sa{sv}", ["..", {}], flags=wire.NO_REPLY_EXPECTED)
        c.send(DEST, OBJ, FS, "Mkdir", "u", [1], flags=wire.NO_REPLY_EXPECTED)
        os.close(fd)
        os.close(devnull)
        r = call("Ping", "", [], iface="org.freedesktop.DBus.Peer")
        check("calls that want no reply: famfsd still answers", r.type == wire.METHOD_RETURN, r)
        check("a CopyIn that wants no reply still creates its file", wait_for(lambda: created("hostile/noreply"), 20))
        s1.close()
        s2.close()
        os.close(rd)
        os.close(wr)
        after("CopyIn descriptors of every kind")

        # ---- ReadFile destination descriptors ----
        rdonly = os.open(tmpf, os.O_RDONLY)
        dests = [
            ("a read-only descriptor", lambda: os.dup(rdonly), "InvalidArgument", "writing"),
            ("an O_PATH descriptor", lambda: os.open(tmpf, os.O_PATH), "InvalidArgument", "writing"),
            ("a directory", lambda: os.open(work, os.O_RDONLY | os.O_DIRECTORY), "InvalidArgument", "writing"),
            ("a pipe's read end", lambda: os.pipe()[0], "InvalidArgument", "writing"),
            ("/dev/full", lambda: os.open("/dev/full", os.O_WRONLY), "IoError", "No space"),
        ]
        for what, opener, err, word in dests:
            fd = opener()
            r = call("ReadFile", "sha{sv}", ["hostile/seed", 0, {}], fds=[fd])
            os.close(fd)
            check("ReadFile into %s -> %s" % (what, err), is_error(r, E + err, word), r)
        os.close(rdonly)
        after("ReadFile destinations")

        # ---- 1,000 connections as root, some dropping CopyIns and ReadFiles ----
        src_fd = memfd(b"c" * 1000)
        for i in range(1000):
            x = wire.Connection(bus.address)
            if i % 10 == 3:
                x.send(DEST, OBJ, FS, "CopyIn", "sha{sv}", ["hostile/churn%03d" % i, 0, {}], fds=[src_fd])
            elif i % 10 == 5:
                pr, pw = os.pipe()
                x.send(DEST, OBJ, FS, "ReadFile", "sha{sv}", ["hostile/seed", 0, {}], fds=[pw])
                os.close(pw)
                os.close(pr)
            elif i % 10 in (1, 7):
                x.send(DEST, OBJ, FS, "Stat", "sa{sv}", ["hostile", {}])
            x.close()
        os.close(src_fd)
        r = call("Stat", "sa{sv}", ["hostile/seed", {}])
        check("root: 1,000 connections opened and dropped (100 dropping a CopyIn, 100 a ReadFile); famfsd answers",
              r.type == wire.METHOD_RETURN and r.args[0].get("size") == 3 * MiB + 17, r)
        after("1,000 connections as root")

        # ---- 200 concurrent CopyIns ----
        r = call("Mkdir", "sa{sv}", ["conc", {}])
        check("mkdir for the concurrent copies", r.type == wire.METHOD_RETURN, r)
        conns, fds, want = [], [], {}
        for i in range(200):
            data = (b"%04d" % i) * (64 * 1024 + i)
            path = "conc/same" if i % 10 == 0 else "conc/f%03d" % i
            if path != "conc/same":
                want[path] = data
            fd = memfd(data)
            fds.append(fd)
            x = wire.Connection(bus.address)
            conns.append((x, x.send(DEST, OBJ, FS, "CopyIn", "sha{sv}", [path, 0, {}], fds=[fd]), path))
        outcomes = {}
        for x, serial, path in conns:
            m = x.reply_to(serial)
            outcomes.setdefault(path, []).append("ok" if m.type == wire.METHOD_RETURN else m.error_name)
            x.close()
        for fd in fds:
            os.close(fd)
        # More than famfsd runs at once (32): the rest wait for a worker.
        check("200 concurrent CopyIns: all 180 distinct paths succeed",
              all(v == ["ok"] for p, v in outcomes.items() if p != "conc/same"),
              {p: v for p, v in outcomes.items() if v != ["ok"]})
        check("200 concurrent CopyIns: of 20 to one path exactly one wins, 19 get Exists",
              sorted(outcomes["conc/same"]) == sorted(["ok"] + [E + "Exists"] * 19), outcomes["conc/same"])
        bad = []
        for path, data in want.items():
            if outcomes[path] == ["ok"]:
                if read_back(c, path) != data:
                    bad.append(path)
            else:
                r = call("Stat", "sa{sv}", [path, {}])
                if not is_error(r, E + "NotFound"):
                    bad.append((path, r))
        check("every concurrent copy reads back its own bytes", not bad and created("conc/same"), bad)
        after("200 concurrent CopyIns")
        c.close()

        d.terminate()
        rc = d.wait(30)
        check("famfsd stops cleanly at the end (exit 0)", rc == 0, (rc, open(log).read()[-1000:]))
        log_text = open(log).read()
        check("famfsd logged no unexpected failure", "failed unexpectedly" not in log_text, log_text[-1500:])
    finally:
        reap(procs)
        os.unlink(dev)
        if all(results):
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("famfsd log and bus log kept in " + work, flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--as-caller":
        as_caller(sys.argv[2])
        print("caller done", flush=True)
        passed, failed = results.count(True), results.count(False)
        sys.exit(1 if failed else 0)
    main()
    report(results)
