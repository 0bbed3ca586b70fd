#!/usr/bin/env python3
"""Integration tests: a private dbus-daemon that includes the shipped bus
policy, and three famfsd processes with different system UUIDs sharing one
/dev/shm-backed emulated device (three hosts sharing memory), driven through
famfsctl as a user would.

Usage: famfs_integration.py BUILD_DIR SOURCE_DIR
Prints one line per check and ends with "N passed, N failed"; exits non-zero
if any check failed.
"""
import json
import lzma
import os
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from private_bus import Bus, clean_up, famfsctl_runner, report, wait_for  # noqa: E402

BUILD, SRC = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
FAMFSD = os.path.join(BUILD, "famfsd/famfsd")
FAMFSCTL = os.path.join(BUILD, "cli/famfsctl")
MKFS = os.path.join(BUILD, "famfsd/tools/mkfs.famfs")
FSCK = os.path.join(BUILD, "famfsd/tools/fsck.famfs")
POLICY = os.path.join(SRC, "dbus/org.famfs.Famfs1.conf")
GOLDEN = os.path.join(SRC, "tests/data/famfs-images")
MiB, GiB = 1 << 20, 1 << 30
UUID_M = "11111111-2222-4333-8444-555555555555"
UUID_C1 = "22222222-2222-4333-8444-555555555555"
UUID_C2 = "33333333-2222-4333-8444-555555555555"
# further emulated hosts: one famfsd per device and system UUID
UUID_C3 = "44444444-2222-4333-8444-555555555555"
UUID_C4 = "55555555-2222-4333-8444-555555555555"
UUID_C5 = "66666666-2222-4333-8444-555555555555"

# famfsctl exit codes (famfsctl --help)
EX_OK, EX_INVALID, EX_NOTFOUND, EX_EXISTS, EX_NOSPACE, EX_LOGFULL = 0, 4, 5, 6, 7, 8
EX_NOTMASTER, EX_DENIED, EX_DEVFAILED = 9, 10, 12
E_NOTFOUND = "org.famfs.Famfs1.Error.NotFound"

results = []
work = tempfile.mkdtemp(prefix="famfs-it-")
procs = []
shm_files = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  -- " + str(detail)[:600]), flush=True)
    return bool(cond)


def shm(size, prealloc=False):
    fd, path = tempfile.mkstemp(prefix="famfs-it-", dir="/dev/shm")
    if prealloc:
        os.posix_fallocate(fd, 0, size)
    else:
        os.ftruncate(fd, size)
    os.close(fd)
    shm_files.append(path)
    return path


class Daemon:
    def __init__(self, name, device, uuid, config="", extra=(), wait=True):
        self.name, self.device, self.uuid, self.extra = name, device, uuid, list(extra)
        self.config = os.path.join(work, name + ".toml")
        with open(self.config, "w") as f:
            f.write(config)
        self.log = os.path.join(work, name + ".log")
        self.start(wait)

    def start(self, wait=True):
        self.proc = subprocess.Popen([FAMFSD, "--device", self.device, "--instance", self.name,
                                      "--system-uuid", self.uuid, "--config", self.config, "--backend", "none"]
                                     + self.extra, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=open(self.log, "a"))
        procs.append(self.proc)
        if wait:
            self.wait_ready()

    def wait_ready(self):
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return
            if ctl("-d", self.name, "status", "--json")[0] == 0:
                return
            time.sleep(0.05)

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.proc.terminate()
        try:
            return self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return None


def as_user(user, cmd):
    """CMD run as USER: a uid (its own gid, no groups) or a Member (its
    groups from the user database, as dbus-daemon sees them)."""
    if user is None:
        return cmd
    if isinstance(user, Member):
        return ["setpriv", "--reuid=%d" % user.uid, "--regid=%d" % user.gid, "--init-groups"] + cmd
    return ["setpriv", "--reuid=%d" % user, "--regid=%d" % user, "--clear-groups"] + cmd


ctl, ctl_json, status = famfsctl_runner(FAMFSCTL, as_user)


class Member:
    """A real user in the famfs group (supplementary), created for the run
    before the bus starts: dbus-daemon resolves <policy group=...> from the
    user database when it loads its configuration."""
    NAME = "famfs-it-%d" % os.getpid()  # one per run: concurrent runs never remove each other's user

    def __init__(self):
        import grp
        import pwd
        self.created = False
        subprocess.run(["groupadd", "-f", "--system", "famfs"], check=True)
        try:
            pwd.getpwnam(self.NAME)
        except KeyError:
            subprocess.run(["useradd", "--no-create-home", "--no-user-group", "--gid", "users", "--groups", "famfs",
                            "--shell", "/usr/sbin/nologin", self.NAME], check=True)
            self.created = True
        pw = pwd.getpwnam(self.NAME)
        self.uid, self.gid = pw.pw_uid, pw.pw_gid
        self.famfs_gid = grp.getgrnam("famfs").gr_gid
        assert self.NAME in grp.getgrnam("famfs").gr_mem, "the member is not in the famfs group"

    def remove(self):
        if self.created:
            subprocess.run(["userdel", self.NAME], capture_output=True)


def listing(name, path=""):
    rc, out, err = ctl_json("-d", name, "ls", "-l", *([path] if path else []))
    return out if rc == 0 else ("error", rc, err)


def getmap(name, path):
    rc, out, err = ctl_json("-d", name, "getmap", path)
    return out if rc == 0 else ("error", rc, err)


def norm_extents(m):
    """(devindex, offset, len) triples of a map in either JSON spelling."""
    out = []
    for e in m.get("extents") or m.get("strips") or []:
        out.append((e["devindex"], e["offset"], e.get("len", e.get("length"))) if isinstance(e, dict) else tuple(e))
    return out


def one_line(err):
    return err.count("\n") == 1 and err.startswith("famfsctl: ")


def write_log_entries(path, first, count, log_len=8 * MiB):
    """Appends COUNT valid MKDIR entries ("fill/NNNNN", parent made first) to
    the log of the famfs image at PATH, as another master would."""
    with open(path, "r+b") as f:
        base = 0x200000
        f.seek(base + 32)
        seq, nxt = struct.unpack("<QQ", f.read(16))
        assert seq == nxt == first, (seq, nxt, first)
        for i in range(first, first + count):
            e = bytearray(544)
            struct.pack_into("<QI", e, 0, i, 1)
            name = b"fill" if i == first else b"fill/%06d" % i
            struct.pack_into("<III", e, 16, 0, 0, 0o755)
            e[28:28 + len(name)] = name
            struct.pack_into("<Q", e, 536, zlib.crc32(bytes(e[:536])))
            f.seek(base + 48 + 544 * i)
            f.write(e)
        f.seek(base + 32)
        f.write(struct.pack("<QQ", first + count, first + count))


member = None

def batched_copy_tests():
    """Issue 15: cp -r copies the small files of a tree, then commits them in
    one batch (CopyIn commit=false + CommitFiles); a reservation is invisible
    until committed and its space goes back when its caller leaves."""
    import dbus_wire as wire
    fs_iface, dest, obj = "org.famfs.Famfs1.Filesystem", "org.famfs.Famfs1.m", "/org/famfs/Famfs1"
    tree = os.path.join(work, "batchtree")
    want = {}
    for i in range(300):
        rel = "d%d/f%03d.bin" % (i % 3, i)
        os.makedirs(os.path.join(tree, os.path.dirname(rel)), exist_ok=True)
        data = os.urandom(1 + (i * 7919) % 20000)
        want[rel] = data
        with open(os.path.join(tree, rel), "wb") as f:
            f.write(data)
    big = os.urandom(17 * MiB)  # above famfsctl's 16 MiB batch limit: its own CopyIn
    want["big.bin"] = big
    with open(os.path.join(tree, "big.bin"), "wb") as f:
        f.write(big)
    rc, out, err = ctl("-d", "m", "cp", "-r", "-v", tree, "data/batch")
    lines = out.decode().splitlines()
    check("cp -r of 300 small files and a large one: every file and directory, once each in -v",
          rc == 0 and len(lines) == 301 + 4 and len(set(lines)) == len(lines), (rc, err, len(lines)))
    names = sorted(e["name"] for e in listing("m", "data/batch/d1").get("entries", []))
    check("cp -r batch: the files are where cp(1) puts them",
          names == sorted(os.path.basename(r) for r in want if r.startswith("d1/")), names[:5])
    ok = all(ctl("-d", "m", "cat", "data/batch/" + rel)[1] == want[rel] for rel in ("d0/f000.bin", "d2/f299.bin",
                                                                                    "d1/f151.bin", "big.bin"))
    check("cp -r batch: the bytes of small and large files are the source's", ok)
    seen = wait_for(lambda: len(listing("c1", "data/batch/d2").get("entries", [])) == 100, timeout=10)
    check("cp -r batch: a client sees every committed file", seen)

    def fs_call(conn, member, sig, args, fds=()):
        return conn.call(dest, obj, fs_iface, member, sig, args, fds=fds)

    def free_bytes(conn):
        r = conn.call(dest, obj, "org.freedesktop.DBus.Properties", "Get", "ss", [fs_iface, "FreeBytes"])
        if r.type != wire.METHOD_RETURN:
            return None
        v = r.args[0]
        return v[1] if isinstance(v, tuple) else v

    def memfd(data):
        fd = os.memfd_create("batch-src")
        os.write(fd, data)
        return fd

    def stat_error(conn, path):
        return fs_call(conn, "Stat", "sa{sv}", [path, {}]).error_name

    no_commit = {"commit": ("b", False)}
    a = wire.Connection(bus.address)
    before = free_bytes(a)
    data = os.urandom(3 * MiB + 5)
    src = memfd(data)
    r = fs_call(a, "CopyIn", "sha{sv}", ["data/resv", 0, no_commit], [src])
    handle = r.args[0] if r.type == wire.METHOD_RETURN else ""
    check("CopyIn commit=false answers a reservation handle", handle.startswith("/org/famfs/Famfs1/reservations/"), r)
    check("a reservation is invisible (Stat NotFound) but holds its space",
          stat_error(a, "data/resv") == E_NOTFOUND and free_bytes(a) < before, (free_bytes(a), before))
    r = fs_call(a, "CopyIn", "sha{sv}", ["data/resv", 0, no_commit], [src])
    check("a second reservation of the same path -> Exists", r.error_name == "org.famfs.Famfs1.Error.Exists", r)
    other = wire.Connection(bus.address)
    r = fs_call(other, "CommitFiles", "aoa{sv}", [[handle], {}])
    check("another caller cannot commit the reservation (NotFound in its result)",
          r.type == wire.METHOD_RETURN and r.args[0][0][0] == E_NOTFOUND and stat_error(a, "data/resv") == E_NOTFOUND,
          r)
    r = fs_call(a, "CommitFiles", "aoa{sv}", [[handle, "/org/famfs/Famfs1/reservations/999999", "/x"], {}])
    res = r.args[0] if r.type == wire.METHOD_RETURN else []
    check("CommitFiles: per-item results (committed, NotFound, InvalidArgument)",
          [x[0] for x in res] == ["", E_NOTFOUND, "org.famfs.Famfs1.Error.InvalidArgument"], r)
    rc, out, err = ctl("-d", "m", "cat", "data/resv")
    check("the committed reservation holds the copied bytes", rc == 0 and out == data, (rc, err))
    r = fs_call(a, "CommitFiles", "aoa{sv}", [[handle], {}])
    check("a handle is used up by its commit", r.type == wire.METHOD_RETURN and r.args[0][0][0] == E_NOTFOUND, r)
    r = fs_call(a, "CopyIn", "sha{sv}", ["data/resv2", 0, {"commit": ("b", False), "job": ("b", True)}], [src])
    check("commit=false with job=true -> InvalidArgument", r.error_name == "org.famfs.Famfs1.Error.InvalidArgument", r)

    # The caller goes away: its reservations' space goes back, nothing appears.
    base = free_bytes(other)
    leaver = wire.Connection(bus.address)
    for i in range(3):
        r = fs_call(leaver, "CopyIn", "sha{sv}", ["data/left%d" % i, 0, no_commit], [src])
        check("reservation %d of a caller about to leave" % i, r.type == wire.METHOD_RETURN, r)
    held = free_bytes(other)
    leaver.close()
    back = wait_for(lambda: free_bytes(other) == base, timeout=10)
    check("a caller that leaves the bus: its reservations' space goes back, no file appears",
          held < base and back and all(stat_error(other, "data/left%d" % i) == E_NOTFOUND for i in range(3)),
          (base, held, free_bytes(other)))
    r = fs_call(other, "CopyIn", "sha{sv}", ["data/left0", 0, {}], [src])
    check("the path a dropped reservation held can be created again", r.type == wire.METHOD_RETURN, r)
    os.close(src)
    a.close()
    other.close()

try:
    member = Member()
    bus = Bus(work, POLICY)
    procs.append(bus.proc)

    # ---- three hosts on one device: the master formats it ----
    dev = shm(8 * GiB)
    fmt_cfg = "allow_format = true\n"
    master = Daemon("m", dev, UUID_M, fmt_cfg)
    check("master on an unformatted device allowed to format stays up", master.proc.poll() is None
          and status("m").get("state") == "unformatted", open(master.log).read())
    EX_NOTFORMATTED = 11
    unformatted = {c: ctl("-d", "m", *a)[0] for c, a in {
        "ls": ["ls"], "stat": ["stat", "x"], "create": ["create", "x", "--size", "2M"], "mkdir": ["mkdir", "x"],
        "cat": ["cat", "x"], "getmap": ["getmap", "x"], "check": ["check"], "cp": ["cp", POLICY, "x"]}.items()}
    check("unformatted device: every command that needs the file system exits 11 (NotFormatted)",
          all(rc == EX_NOTFORMATTED for rc in unformatted.values()), unformatted)
    rc, out, err = ctl("-d", "m", "format")
    check("famfsctl format", rc == 0, err)
    st = status("m")
    check("master is ready and master after format", st.get("state") == "ready" and st.get("role") == "master", st)

    other = shm(64 * MiB)
    quitter = subprocess.run([FAMFSD, "--device", other, "--instance", "q", "--system-uuid", UUID_M,
                              "--backend", "none"], capture_output=True, text=True, timeout=20,
                             stdin=subprocess.DEVNULL)
    check("unformatted device without allow_format: famfsd logs why and exits 0",
          quitter.returncode == 0 and "allow_format" in quitter.stderr, quitter.stderr)

    c1 = Daemon("c1", dev, UUID_C1)
    c2 = Daemon("c2", dev, UUID_C2)
    check("clients are clients", status("c1").get("role") == "client" and status("c2").get("role") == "client")
    rc, out, err = ctl("list")
    check("famfsctl list shows the three instances", rc == 0 and all(n in out.decode() for n in ("m", "c1", "c2")),
          out + err.encode())

    # ---- namespace and data, seen identically by every host ----
    check("mkdir -p", ctl("-d", "m", "mkdir", "-p", "data/sets")[0] == 0)
    check("mkdir", ctl("-d", "m", "mkdir", "--mode", "0700", "private")[0] == 0)
    rc, out, err = ctl("-d", "m", "create", "data/simple", "--size", "5M", "--mode", "0640")
    check("create a simple file", rc == 0, err)
    rc, out, err = ctl("-d", "m", "create", "data/striped", "--size", "64M", "--nstrips", "4", "--chunk-size", "2M")
    check("create an interleaved file", rc == 0, err)
    m_striped = getmap("m", "data/striped")
    check("interleaved map has 4 strips of 2 MiB chunks",
          isinstance(m_striped, dict) and m_striped.get("type") == "interleaved" and m_striped.get("nstrips") == 4
          and m_striped.get("chunk_size") == 2 * MiB, m_striped)

    rnd = os.path.join(work, "random.bin")
    with open(rnd, "wb") as f:
        f.write(os.urandom(37 * MiB + 12345))
    rc, out, err = ctl("-d", "m", "cp", rnd, "data/sets/random.bin")
    check("cp random data (37 MiB)", rc == 0, err)
    big = os.path.join(work, "big.bin")
    with open(big, "wb") as f:
        for _ in range(10):
            f.write(os.urandom(10 * MiB))
    rc, out, err = ctl("-d", "m", "cp", big, "data/sets/big.bin")  # above the job threshold below? default 64M
    check("cp 100 MiB (a copy job)", rc == 0, err)

    t0 = time.time()
    visible = wait_for(lambda: all(
        isinstance(listing(n, "data/sets"), (list, dict)) and "big.bin" in json.dumps(listing(n, "data/sets"))
        for n in ("c1", "c2")), timeout=5)
    check("both clients see the new files by themselves (%.0f ms incl. famfsctl start-up)" % ((time.time() - t0) * 1000),
          visible)
    for path in ("", "data", "data/sets"):
        lm, l1, l2 = listing("m", path), listing("c1", path), listing("c2", path)
        check(f"identical listing of '{path or '/'}' on all hosts", lm == l1 == l2 and not isinstance(lm, tuple),
              (lm, l1, l2))
    for path in ("data/simple", "data/striped", "data/sets/random.bin", "data/sets/big.bin"):
        mm, m1, m2 = getmap("m", path), getmap("c1", path), getmap("c2", path)
        check(f"identical map of {path} on all hosts", mm == m1 == m2 and isinstance(mm, dict), (mm, m1, m2))
    want = open(rnd, "rb").read()
    for n in ("m", "c1", "c2"):
        rc, out, err = ctl("-d", n, "cat", "data/sets/random.bin")
        check(f"cat on {n} returns the copied bytes", rc == 0 and out == want, (rc, len(out), err))
    rc, out, err = ctl("-d", "c2", "cat", "data/sets/big.bin")
    check("cat of the 100 MiB file on a client is identical", rc == 0 and out == open(big, "rb").read(), (rc, len(out)))
    rc, out, err = ctl("-d", "c1", "cat", "data/simple")
    check("a new file reads as zeros", rc == 0 and out == bytes(5 * MiB), (rc, len(out)))
    rc, st1, err = ctl_json("-d", "c1", "stat", "data/simple")
    check("stat on a client shows size and mode", rc == 0 and st1.get("size") == 5 * MiB and st1.get("mode") == 0o640,
          (st1, err))

    # ---- who may change what ----
    rc, out, err = ctl("-d", "c1", "mkdir", "nope")
    check("client mutation -> NotMaster", rc == EX_NOTMASTER and one_line(err), (rc, err))
    rc, out, err = ctl("-d", "c2", "create", "nope", "--size", "2M")
    check("client create -> NotMaster", rc == EX_NOTMASTER, (rc, err))
    rc, out, err = ctl("-d", "m", "mkdir", "nobody-dir", user=65534)
    check("nobody mutation -> AccessDenied", rc == EX_DENIED and one_line(err), (rc, err))
    rc, out, err = ctl("-d", "m", "create", "nobody-file", "--size", "2M", user=65534)
    check("nobody create -> AccessDenied", rc == EX_DENIED, (rc, err))
    rc, out, err = ctl("-d", "m", "ls", user=65534)
    check("nobody can still read", rc == 0 and b"data" in out, (rc, err))
    rc, out, err = ctl("-d", "m", "status", user=65534)
    check("nobody can read status", rc == 0, (rc, err))

    # ---- file permissions over D-Bus: the kernel's answer for the same tree ----
    # nobody (no groups), a famfs-group member (supplementary group, from the
    # user database) and root, each allowed and denied case.
    NOBODY = 65534
    secret = os.path.join(work, "secret.txt")
    with open(secret, "wb") as f:
        f.write(b"the secret\n")
    os.chmod(secret, 0o644)
    rc, out, err = ctl("-d", "m", "cp", "--mode", "600", secret, "private/secret.txt")
    check("root copies a 0600 file into its 0700 directory", rc == 0, err)

    def denied(rc, err, *words):
        return rc == EX_DENIED and one_line(err) and all(w in err for w in words)
    rc, out, err = ctl("-d", "m", "cat", "private/secret.txt", user=NOBODY)
    check("nobody: cat of a file inside root's 0700 directory -> AccessDenied naming 'private' and search (x)",
          denied(rc, err, "'private'", "search (x)", "65534") and out == b"", (rc, out, err))
    rc, out, err = ctl("-d", "m", "getmap", "private/secret.txt", user=NOBODY)
    check("nobody: getmap inside a 0700 directory -> AccessDenied", denied(rc, err, "'private'"), (rc, err))
    rc, out, err = ctl("-d", "m", "stat", "private/secret.txt", user=NOBODY)
    check("nobody: stat inside a 0700 directory -> AccessDenied", denied(rc, err, "'private'"), (rc, err))
    rc, out, err = ctl("-d", "m", "stat", "private/missing", user=NOBODY)
    check("nobody: a missing name inside a 0700 directory is AccessDenied too (no existence leak)",
          denied(rc, err, "'private'"), (rc, err))
    rc, out, err = ctl("-d", "m", "ls", "private", user=NOBODY)
    check("nobody: ls of a 0700 directory -> AccessDenied naming read (r)", denied(rc, err, "read (r)", "'private'"),
          (rc, err))
    rc, out, err = ctl("-d", "m", "stat", "private", user=NOBODY)
    check("nobody: stat of the 0700 directory itself is allowed (walk only)", rc == 0, (rc, err))
    rc, out, err = ctl("-d", "m", "cat", "private/secret.txt")
    check("root: cat of the 0600 file", rc == 0 and out == b"the secret\n", (rc, out, err))
    rc, out, err = ctl("-d", "c1", "cat", "private/secret.txt", user=NOBODY)
    check("nobody on a client: the same answer (AccessDenied)", denied(rc, err, "'private'"), (rc, err))
    rc, out, err = ctl("-d", "m", "cat", "data/simple", user=NOBODY)
    check("nobody: cat of a 0640 root file -> AccessDenied naming read (r) on the file",
          denied(rc, err, "read (r) on file 'data/simple'"), (rc, err))
    rc, out, err = ctl("-d", "m", "stat", "data/simple", user=NOBODY)
    check("nobody: stat of the 0640 file is allowed", rc == 0, (rc, err))
    rc, out, err = ctl("-d", "m", "cat", "data/sets/random.bin", user=NOBODY)
    check("nobody: cat of a 0644 file is allowed", rc == 0 and out == want, (rc, len(out), err))

    # group class through supplementary groups
    rc, out, err = ctl("-d", "m", "create", "data/grp", "--size", "2M", "--mode", "0640", "--gid",
                       str(member.famfs_gid))
    check("root creates a 0640 file of group famfs", rc == 0, err)
    rc, out, err = ctl("-d", "m", "cat", "data/grp", user=member)
    check("member: reads it through its supplementary famfs group", rc == 0 and out == bytes(2 * MiB), (rc, err))
    rc, out, err = ctl("-d", "m", "cat", "data/grp", user=NOBODY)
    check("nobody: may not read it", denied(rc, err, "'data/grp'"), (rc, err))

    # creation needs w+x on the parent, besides the famfs group
    rc, out, err = ctl("-d", "m", "mkdir", "member-top", user=member)
    check("member: mkdir in the 0755 root-owned root directory -> AccessDenied (w+x on the root directory)",
          denied(rc, err, "write and search (w+x)", "root directory"), (rc, err))
    rc, out, err = ctl("-d", "m", "create", "private/intruder", "--size", "2M", user=member)
    check("member: create inside root's 0700 directory -> AccessDenied", denied(rc, err, "'private'"), (rc, err))
    rc, out, err = ctl("-d", "m", "cp", secret, "data/intruder", user=member)
    check("member: cp into a 0755 root directory -> AccessDenied", denied(rc, err, "'data'"), (rc, err))
    check("member: nothing of it was created",
          "intruder" not in json.dumps(listing("m", "data")) and "member-top" not in json.dumps(listing("m", "")))
    rc, out, err = ctl("-d", "m", "mkdir", "--mode", "0775", "--gid", "famfs", "team")  # by name
    check("root makes a 0775 directory of group famfs", rc == 0, err)
    rc, out, err = ctl("-d", "m", "create", "team/m1", "--size", "2M", user=member)
    rc2, st_m1, err2 = ctl_json("-d", "m", "stat", "team/m1")
    check("member: creates inside it; the file is the member's",
          rc == 0 and rc2 == 0 and st_m1.get("uid") == member.uid and st_m1.get("gid") == member.gid,
          (rc, err, st_m1))
    rc, out, err = ctl("-d", "m", "create", "team/m2", "--size", "2M", "--no-zero", user=member)
    check("member: --no-zero -> AccessDenied saying stale bytes would be readable",
          denied(rc, err, "stale") and "team/m2" not in json.dumps(listing("m", "team")), (rc, err))
    rc, out, err = ctl("-d", "m", "create", "team/r1", "--size", "2M", "--no-zero")
    check("root: --no-zero is allowed", rc == 0, err)
    rc, out, err = ctl("-d", "m", "mkdir", "-p", "team/a/b/c", user=member)
    check("member: mkdir -p inside the team directory", rc == 0 and isinstance(listing("m", "team/a/b"), dict),
          (rc, err))
    rc, out, err = ctl("-d", "m", "mkdir", "-p", "--mode", "0555", "team/x/y", user=member)
    check("member: mkdir -p with a mode that forbids the next level -> AccessDenied naming team/x, nothing created",
          denied(rc, err, "'team/x'") and '"x"' not in json.dumps(listing("m", "team")), (rc, err))
    rc, out, err = ctl("-d", "m", "cp", secret, "team/copied", user=member)
    check("member: cp into the team directory", rc == 0, err)
    rc, out, err = ctl("-d", "m", "create", "team/nobody", "--size", "2M", user=NOBODY)
    check("nobody: create in a directory it may not write -> AccessDenied", rc == EX_DENIED, (rc, err))
    rc, out, err = ctl("-d", "m", "create", "team/m3", "--size", "2M", "--mode", "0600", user=member)
    r_own = ctl("-d", "m", "cat", "team/m3", user=member)
    r_nob = ctl("-d", "m", "cat", "team/m3", user=NOBODY)
    r_root = ctl("-d", "m", "cat", "team/m3")
    check("a member's 0600 file: the member and root read it, nobody does not",
          rc == 0 and r_own[0] == 0 and r_root[0] == 0 and denied(r_nob[0], r_nob[2], "'team/m3'"),
          (rc, err, r_own[0], r_nob, r_root[0]))
    rc, out, err = ctl("-d", "m", "ls", "-l", "team", user=NOBODY)
    check("nobody: ls of the 0775 team directory is allowed", rc == 0 and b"m3" in out, (rc, err))

    # raw bus calls do the same (famfsctl is not the gate)
    def busctl_as(user, *args):
        cmd = as_user(user, ["busctl", "--address=" + bus.address, "--no-pager", "call", "org.famfs.Famfs1.m",
                             "/org/famfs/Famfs1", "org.famfs.Famfs1.Filesystem"] + list(args))
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr
    rc, out, err = busctl_as(NOBODY, "GetFileMap", "sa{sv}", "private/secret.txt", "0")
    check("busctl as nobody: GetFileMap -> org.famfs.Famfs1.Error.AccessDenied", rc != 0 and "ermission denied" in err,
          (rc, out, err))
    rc, out, err = busctl_as(NOBODY, "ListDirectory", "sa{sv}", "private", "0")
    check("busctl as nobody: ListDirectory of a 0700 directory -> AccessDenied", rc != 0 and "read (r)" in err,
          (rc, out, err))
    rc, out, err = busctl_as(NOBODY, "Stat", "sa{sv}", "", "0")
    check("busctl as nobody: Stat of the root directory (mode 0755)", rc == 0 and '"mode" u 493' in out, (rc, out, err))
    rc, out, err = busctl_as(member, "CreateFile", "sta{sv}", "team/raw", str(2 * MiB), "1", "zero", "b", "false")
    check("busctl as a member: CreateFile zero=false -> AccessDenied", rc != 0 and "stale" in err, (rc, err))
    rc, out, err = busctl_as(member, "CreateFile", "sta{sv}", "team/raw", str(2 * MiB), "1", "uid", "u", "0")
    check("busctl as a member: CreateFile owned by root -> AccessDenied", rc != 0 and "another user" in err, (rc, err))

    # ---- CreateFiles (batches): the same rules per item, per-item answers ----
    def owner_of(name, path):
        rc, st, err = ctl_json("-d", name, "stat", path)
        return (st.get("uid"), st.get("gid"), st.get("mode")) if rc == 0 else None
    rc, out, err = ctl("-d", "m", "create", "team/b1", "team/b2", "private/b3", "team/b1", "team", "team/b4",
                       "--size", "2M", "--mode", "0640", user=member)
    lines = err.strip().splitlines()
    check("member: create of several paths -> one line per failed path, exit code of the first (AccessDenied)",
          rc == EX_DENIED and len(lines) == 3 and "private/b3" in lines[0] and "'private'" in lines[0]
          and "team/b1" in lines[1] and "exists" in lines[1] and "team:" in lines[2], (rc, err))
    check("member: the allowed paths of the batch were created, the member's, with the mode asked for",
          all(owner_of("m", p) == (member.uid, member.gid, 0o640) for p in ("team/b1", "team/b2", "team/b4"))
          and owner_of("m", "private/b3") is None, [owner_of("m", p) for p in ("team/b1", "team/b2", "private/b3")])
    check("a client sees the batch by itself",
          wait_for(lambda: owner_of("c1", "team/b4") == (member.uid, member.gid, 0o640)), owner_of("c1", "team/b4"))
    rc, out, err = ctl("-d", "m", "create", "team/nz1", "team/nz2", "--size", "2M", "--no-zero", user=member)
    check("member: create of several paths with --no-zero -> AccessDenied for each, nothing created",
          rc == EX_DENIED and err.count("stale") == 2 and owner_of("m", "team/nz1") is None, (rc, err))
    rc, out, err = ctl("-d", "m", "create", "team/n1", "team/n2", "--size", "2M", user=NOBODY)
    check("nobody: create of several paths -> AccessDenied (the bus policy), nothing created",
          rc == EX_DENIED and owner_of("m", "team/n1") is None, (rc, err))
    rc, out, err = ctl("-d", "m", "create", "private/r1", "team/r2", "--size", "2M", "--no-zero")
    check("root: create of several paths inside 0700 and 0775 directories, --no-zero allowed",
          rc == 0 and owner_of("m", "private/r1") == (0, 0, 0o644) and owner_of("m", "team/r2") == (0, 0, 0o644),
          (rc, err))
    rc, out, err = ctl("-d", "c1", "create", "x1", "x2", "--size", "2M")
    check("create of several paths on a client -> NotMaster", rc == EX_NOTMASTER and one_line(err), (rc, err))
    # raw calls: a directory and a file inside it in one batch, another owner, a bad size
    rc, out, err = busctl_as(member, "CreateFiles", "a(sta{sv})a{sv}", "5",
                             "team/bd", "0", "1", "directory", "b", "true",
                             "team/bd/f", str(2 * MiB), "0",
                             "team/bd/g", str(2 * MiB), "1", "uid", "u", "0",
                             "team/bd/h", "0", "0",
                             "team/bd", "0", "1", "directory", "b", "true", "0")
    check("busctl as a member: CreateFiles answers per item (dir, file inside it, root-owned -> AccessDenied, "
          "size 0 -> InvalidArgument, the same dir again -> Exists)",
          rc == 0 and out.count('""') == 4 and "AccessDenied" in out and "InvalidArgument" in out and "Exists" in out
          and owner_of("m", "team/bd/f") == (member.uid, member.gid, 0o644) and owner_of("m", "team/bd/g") is None
          and owner_of("m", "team/bd") == (member.uid, member.gid, 0o755), (rc, out, err))
    rc, out, err = busctl_as(member, "CreateFiles", "a(sta{sv})a{sv}", "1", "team/bx", str(2 * MiB), "1",
                             "colour", "s", "red", "0")
    check("busctl: an unknown item option -> that item InvalidArgument", rc == 0 and "colour" in out, (rc, out, err))
    many = []
    for i in range(1025):
        many += ["team/many%d" % i, str(2 * MiB), "0"]
    rc, out, err = busctl_as(None, "CreateFiles", "a(sta{sv})a{sv}", "1025", *many, "0")
    check("busctl: 1025 items -> InvalidArgument naming the limit, nothing created",
          rc != 0 and "1024" in err and owner_of("m", "team/many0") is None, (rc, out[:200], err))
    rc, out, err = busctl_as(None, "CreateFiles", "a(sta{sv})a{sv}", "0", "1", "bogus", "b", "true")
    check("busctl: an unknown batch option -> InvalidArgument", rc != 0 and "bogus" in err, (rc, out, err))

    # job objects: anyone may read them, the path only when anyone may stat it
    def job_paths(user):
        cmd = as_user(user, ["busctl", "--address=" + bus.address, "--no-pager", "--json=short", "call",
                             "org.famfs.Famfs1.m", "/org/famfs/Famfs1", "org.freedesktop.DBus.ObjectManager",
                             "GetManagedObjects"])
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            return ("error", p.stderr)
        objs = json.loads(p.stdout)["data"][0]
        return sorted(v["org.famfs.Famfs1.Job"]["Path"]["data"] for k, v in objs.items()
                      if "org.famfs.Famfs1.Job" in v)
    rc1 = ctl("-d", "m", "cp", big, "private/bigjob")[0]
    rc2 = ctl("-d", "m", "cp", big, "data/bigjob")[0]
    seen_nobody, seen_root = job_paths(NOBODY), job_paths(None)
    jobs_root = ctl_json("-d", "m", "jobs")[1] or {}
    rcn, jobs_nobody, _ = (lambda r: (r[0], json.loads(r[1] or b"{}"), r[2]))(ctl("--json", "-d", "m", "jobs", user=NOBODY))
    check("jobs: GetPath shows root the path of its copy into the 0700 directory, nobody only '-'",
          "private/bigjob" in [j.get("path") for j in jobs_root.get("jobs", [])]
          and "private/bigjob" not in [j.get("path") for j in jobs_nobody.get("jobs", [])]
          and None in [j.get("path") for j in jobs_nobody.get("jobs", [])], (jobs_root, jobs_nobody))
    check("job objects: the path of a copy into a 0700 directory is hidden, one into a 0755 one shown",
          rc1 == 0 and rc2 == 0 and "" in seen_nobody and "data/bigjob" in seen_nobody
          and "private/bigjob" not in seen_nobody and "private/bigjob" not in seen_root, (seen_nobody, seen_root))

    # ReadFile when the reader goes away
    def threads(d):
        return len(os.listdir("/proc/%d/task" % d.proc.pid))
    base_threads = threads(master)
    p = subprocess.run(["bash", "-o", "pipefail", "-c", "%s -d m cat data/sets/big.bin | head -c 10 >/dev/null" % FAMFSCTL],
                       capture_output=True, text=True, timeout=60)
    check("cat | head -c 10: famfsctl exits 0 quietly (EPIPE as cat(1))", p.returncode == 0 and p.stderr == "",
          (p.returncode, p.stderr))
    check("... and the daemon keeps no worker", wait_for(lambda: threads(master) <= base_threads, timeout=5),
          (threads(master), base_threads))
    sleeper = subprocess.Popen(["sleep", "120"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    procs.append(sleeper)
    catter = subprocess.Popen([FAMFSCTL, "-d", "m", "cat", "data/sets/big.bin"], stdout=sleeper.stdin,
                              stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    procs.append(catter)
    working = wait_for(lambda: threads(master) > base_threads, timeout=5)
    catter.kill()
    catter.wait()
    t0 = time.time()
    gone = wait_for(lambda: threads(master) <= base_threads, timeout=10)
    check("famfsctl killed while its reader sleeps on a full pipe: the daemon ends the transfer (%.2f s)"
          % (time.time() - t0), working and gone and status("m").get("state") == "ready", (working, threads(master)))
    sleeper.kill()

    # ---- famfsctl cp and friends behave like the tools admins know ----
    tree = os.path.join(work, "tree")
    os.makedirs(os.path.join(tree, "sub"), exist_ok=True)
    for rel, data in (("a.bin", b"A" * 1000), ("sub/b.bin", b"B" * 3000), ("z.bin", b"Z" * 10)):
        with open(os.path.join(tree, rel), "wb") as f:
            f.write(data)
    small = os.path.join(work, "small.bin")
    with open(small, "wb") as f:
        f.write(b"small\n")
    rc, out, err = ctl("-d", "m", "cp", small, "data")
    check("cp FILE DIR puts DIR/FILE (as cp(1))", rc == 0 and "small.bin" in json.dumps(listing("m", "data")), (rc, err))
    rc, out, err = ctl("-d", "m", "cp", "-r", "-v", tree, "data/tree")
    lst = listing("m", "data/tree")
    check("cp -r DIR NEW makes NEW with DIR's contents (not NEW/tree)",
          rc == 0 and isinstance(lst, dict) and sorted(e["name"] for e in lst["entries"]) == ["a.bin", "sub", "z.bin"],
          (rc, err, lst))
    check("cp -v prints each file as it is copied",
          "'%s/sub/b.bin' -> 'famfs:data/tree/sub/b.bin'" % tree in out.decode() and out.decode().count("\n") == 5,
          out)
    rc, out, err = ctl("-d", "m", "cp", "-r", tree, "data/tree")
    check("cp -r DIR EXISTING nests it as EXISTING/tree",
          rc == 0 and isinstance(listing("m", "data/tree/tree"), dict), (rc, err))
    rc, out, err = ctl("-d", "m", "cp", small, os.path.join(tree, "a.bin"), "data/nosuchdir")
    check("cp of several sources to a missing directory -> one line, nothing created",
          rc != 0 and one_line(err) and "not a directory" in err, (rc, err))
    os.makedirs(os.path.join(work, "clash/sub"), exist_ok=True)
    for rel in ("aa.bin", "sub/b.bin", "zz.bin"):
        with open(os.path.join(work, "clash", rel), "wb") as f:
            f.write(b"c")
    rc, out, err = ctl("-d", "m", "cp", "-r", os.path.join(work, "clash/."), "data/tree")  # contents into it
    check("a failing cp -r names the file that failed and what it created before",
          rc == EX_EXISTS and one_line(err) and "data/tree/sub/b.bin" in err and "data/tree/aa.bin" in err
          and "created before the failure" in err, (rc, err))
    batched_copy_tests()
    rc, out, err = ctl("-d", "m", "cat", "--offset", "1000", "--length", "5", "data/sets/random.bin")
    check("cat --offset --length writes that part", rc == 0 and out == want[1000:1005], (rc, out, err))
    outdir = os.path.join(work, "out")
    os.makedirs(outdir, exist_ok=True)
    rc, out, err = ctl("-d", "c1", "cp", "famfs:data/sets/random.bin", outdir)
    got = open(os.path.join(outdir, "random.bin"), "rb").read() if rc == 0 else b""
    check("cp famfs:PATH DIR copies out (on a client too)", rc == 0 and got == want, (rc, err))
    rc, out, err = ctl("-d", "m", "cp", "-r", "famfs:data/tree", os.path.join(outdir, "tree2"))
    check("cp -r famfs:DIR LOCAL copies a tree out",
          rc == 0 and open(os.path.join(outdir, "tree2/sub/b.bin"), "rb").read() == b"B" * 3000, (rc, err))
    keep = os.path.join(outdir, "keep.txt")
    with open(keep, "wb") as f:
        f.write(b"precious")
    rc, out, err = ctl("-d", "m", "cp", "famfs:private/secret.txt", keep, user=NOBODY)
    check("a refused copy out leaves the local file untouched",
          rc == EX_DENIED and open(keep, "rb").read() == b"precious"
          and not any(n.startswith("keep.txt.") for n in os.listdir(outdir)), (rc, err, os.listdir(outdir)))
    rc, out, err = ctl("-d", "m", "ls", "-l", "data/tree")
    check("ls -l has a header and human sizes", rc == 0 and out.decode().startswith("MODE") and "1000 B" in out.decode()
          and "2.9 KiB" not in out.decode(), out)
    rc, out, err = ctl("-d", "m", "cp", big, "data/jobs-demo")
    rc2, jobs, err2 = ctl_json("-d", "m", "jobs")
    demo = [j for j in (jobs or {}).get("jobs", []) if j.get("path") == "data/jobs-demo"]
    check("jobs lists the copy job with its progress (JSON)",
          rc == 0 and rc2 == 0 and len(demo) == 1 and demo[0]["finished"] and demo[0]["progress"] == 1.0
          and demo[0]["bytes_total"] == 100 * MiB, (rc, err, jobs, err2))
    rc, out, err = ctl("-d", "m", "jobs")
    check("jobs as a table", rc == 0 and out.decode().startswith("JOB") and "data/jobs-demo" in out.decode(), out)
    rc, out, err = ctl("-d", "m", "jobs", "cancel", "999999")
    check("jobs cancel of a job that does not exist -> NotFound", rc == EX_NOTFOUND and one_line(err), (rc, err))
    if demo:
        rc, out, err = ctl("-d", "m", "jobs", "cancel", str(demo[0]["job"]), user=NOBODY)
        check("jobs cancel of root's job as nobody -> AccessDenied", rc == EX_DENIED, (rc, err))
    def monitor_events(args, action, done, timeout=10):
        """Runs famfsctl --json monitor ARGS, does ACTION once it listens, and
        collects events until DONE(events) or TIMEOUT."""
        import select
        mon = subprocess.Popen([FAMFSCTL, "--json", "monitor"] + args, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        procs.append(mon)
        time.sleep(1.0)  # subscribed
        action()
        events, pending = [], b""
        deadline = time.time() + timeout
        while time.time() < deadline and not done(events):
            if not select.select([mon.stdout], [], [], 0.5)[0]:
                continue
            chunk = os.read(mon.stdout.fileno(), 65536)
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                try:
                    events.append(json.loads(line))
                except ValueError:
                    pass
        mon.terminate()
        mon.wait(10)
        return events

    def instances_seeing(events, path):
        return {e.get("instance") for e in events if e.get("signal") == "DirectoryCreated" and e.get("path") == path}
    events = monitor_events([], lambda: ctl("-d", "m", "mkdir", "data/monitored"),
                            lambda ev: {"m", "c1", "c2"} <= instances_seeing(ev, "data/monitored"))
    check("monitor without -d watches every instance (the master and both clients report the new directory)",
          {"m", "c1", "c2"} <= instances_seeing(events, "data/monitored"), events[-5:])
    events = monitor_events(["-d", "c1"], lambda: ctl("-d", "m", "create", "data/props", "--size", "2M"),
                            lambda ev: any("files" in (e.get("changed") or {}) for e in ev))
    changed = [set((e.get("changed") or {}).keys()) for e in events if e.get("signal") == "PropertiesChanged"]
    check("PropertiesChanged carries only what changed (Files, space, log; not the constant ones)",
          any("files" in c for c in changed) and not any(c & {"backend", "device_size", "uuid", "mount_point",
                                                                 "log_capacity", "role"} for c in changed), changed)
    rc, out, err = ctl("-d", "m", "format", "--force", user=member)
    check("a famfs-group member running format is told only root may format",
          rc == EX_DENIED and one_line(err) and "only root may format" in err, (rc, err))
    rc, out, err = ctl("-d", "m", "create", "data/decimal", "--size", "1.5M")
    rc2, st_d, err2 = ctl_json("-d", "m", "stat", "data/decimal")
    check("sizes accept decimals (1.5M)", rc == 0 and rc2 == 0 and st_d.get("size") == 3 * MiB // 2, (rc, err, st_d))
    rc, out, err = ctl("--json", "-d", "m", "cat", "no/such/file")
    try:
        jerr = json.loads(err)
    except ValueError:
        jerr = None
    check("--json: a failure is one JSON object on stderr with the error name, message and exit code",
          rc == EX_NOTFOUND and err.count("\n") == 1 and jerr == {"error": "org.famfs.Famfs1.Error.NotFound",
                                                                  "message": jerr.get("message") if jerr else None,
                                                                  "exit_code": EX_NOTFOUND} and jerr["message"],
          (rc, err))
    rc, out, err = ctl("--json", "frobnicate")
    check("--json: usage errors too", rc == 2 and '"error":"usage"' in err.replace(" ", "") and '"exit_code":2' in
          err.replace(" ", ""), (rc, err))
    rc, out, err = ctl("--json", "-d", "m", "cp", "-r", os.path.join(work, "clash/."), "data/tree")
    check("--json: a failing cp is JSON with the cp context", rc == EX_EXISTS and err.count("\n") == 1 and
          json.loads(err).get("exit_code") == EX_EXISTS and "data/tree/aa.bin exists; nothing was created"
          in json.loads(err)["message"],
          (rc, err))
    h1, h2 = ctl("help", "cp"), ctl("cp", "--help")
    check("famfsctl help cp is famfsctl cp --help", h1[0] == 0 and h1[1] == h2[1] and b"famfs:PATH" in h1[1], h1)

    # ---- bad input: a named error, and the daemon keeps serving ----
    bad_paths = {"..": "../escape", "absolute": "/etc/passwd", "empty": "", "80 bytes": "x" * 80,
                 "control character": "a\x01b", "empty component": "a//b", "dot": "./a"}
    for what, p in bad_paths.items():
        rc, out, err = ctl("-d", "m", "create", p, "--size", "2M")
        # famfsctl strips one leading '/', so "/etc/passwd" would be "etc/passwd": a missing parent.
        expect = (EX_INVALID, EX_NOTFOUND) if what == "absolute" else (EX_INVALID,)
        check(f"path with {what} is refused", rc in expect and one_line(err), (rc, err))
    rc, out, err = ctl("-d", "m", "create", "toolong/" + "y" * 75, "--size", "2M")
    check("path of 83 bytes -> InvalidArgument", rc == EX_INVALID, (rc, err))
    for what, size in {"size 0": "0", "beyond the device": "9G", "overflowing": "18446744073709551615"}.items():
        rc, out, err = ctl("-d", "m", "create", "sized", "--size", size)
        check(f"{what} is refused", rc in (EX_INVALID, 2) and one_line(err), (rc, err))
        if what == "beyond the device":
            check("a size in an error message is human (IEC)", "9 GiB" in err and "8 GiB" in err, err)
    rc, out, err = ctl("-d", "m", "create", "data/simple", "--size", "2M")
    check("existing path -> Exists", rc == EX_EXISTS, (rc, err))
    rc, out, err = ctl("-d", "m", "create", "missing/parent", "--size", "2M")
    check("missing parent -> NotFound", rc == EX_NOTFOUND, (rc, err))
    rc, out, err = ctl("-d", "m", "create", "data/simple/under", "--size", "2M")
    check("file as a parent -> NotFound/NotDirectory", rc == EX_NOTFOUND, (rc, err))
    rc, out, err = ctl("-d", "m", "cat", "no/such/file")
    check("cat of a missing file -> NotFound", rc == EX_NOTFOUND, (rc, err))

    # Raw D-Bus: unknown options and wrong option types (famfsctl never sends them).
    def busctl(*args):
        p = subprocess.run(["busctl", "--address=" + bus.address, "--no-pager", "call", "org.famfs.Famfs1.m",
                            "/org/famfs/Famfs1", "org.famfs.Famfs1.Filesystem"] + list(args),
                           capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr
    rc, out, err = busctl("CreateFile", "sta{sv}", "opt1", str(2 * MiB), "1", "colour", "s", "blue")
    check("unknown option -> error naming it", rc != 0 and "colour" in err, err)
    rc, out, err = busctl("CreateFile", "sta{sv}", "opt2", str(2 * MiB), "1", "mode", "s", "0644")
    check("wrong option type -> error naming the type", rc != 0 and "mode" in err and "type u" in err, err)
    rc, out, err = busctl("Mkdir", "sa{sv}", "opt3", "1", "parents", "u", "1")
    check("wrong option type on Mkdir", rc != 0 and "parents" in err, err)
    st = status("m")
    check("the master still serves after all that", st.get("state") == "ready", st)

    # ---- one famfsd per device on a host ----
    dup = subprocess.run([FAMFSD, "--device", dev, "--instance", "dup", "--system-uuid", UUID_M,
                          "--backend", "none"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         timeout=30)
    check("a second famfsd for the same device and host exits 1 naming the other",
          dup.returncode == 1 and "is served by another famfsd on this host (pid" in dup.stderr,
          (dup.returncode, dup.stderr[-300:]))

    # ---- SIGTERM while a reader has stopped reading ----
    stuck = Daemon("stuck", dev, UUID_C3)
    reader = subprocess.Popen("%s -d stuck cat data/sets/big.bin | sleep 60" % FAMFSCTL, shell=True,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    procs.append(reader)
    time.sleep(0.5)
    t0 = time.time()
    stuck.proc.terminate()
    try:
        rc = stuck.proc.wait(20)
    except subprocess.TimeoutExpired:
        rc = None
    check("SIGTERM stops famfsd even with a ReadFile blocked on a full pipe (%.1f s)" % (time.time() - t0),
          rc == 0, (rc, open(stuck.log).read()[-300:]))
    os.killpg(reader.pid, signal.SIGKILL)

    # ---- kill -9 in the middle of a large CopyIn, then restart ----
    free_before = status("m").get("free_bytes")
    huge = os.path.join(work, "huge.bin")
    with open(huge, "wb") as f:
        f.truncate(3 * GiB)  # sparse source: the copy itself is the slow part
        f.seek(0)
        f.write(b"head")
    cp = subprocess.Popen([FAMFSCTL, "-d", "m", "cp", huge, "huge"], stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    started = wait_for(lambda: status("m").get("free_bytes", free_before) < free_before, timeout=10)
    master.kill9()
    cp.wait(30)
    check("famfsctl cp fails when the master dies mid-copy", cp.returncode != 0, cp.returncode)
    master.start()
    st = status("m")
    check("space was allocated while copying", started)
    check("after restart: no partial file", listing("m", "") and "huge" not in json.dumps(listing("m", "")),
          listing("m", ""))
    check("after restart: the space is free again", st.get("free_bytes") == free_before, (st.get("free_bytes"), free_before))
    rc = subprocess.run([FSCK, dev], capture_output=True, timeout=60).returncode
    check("after restart: fsck.famfs clean", rc == 0, rc)
    check("after restart: clients never saw it", "huge" not in json.dumps(listing("c1", "")))

    # ---- log full and no space on a small device ----
    small = shm(64 * MiB)
    subprocess.run([MKFS, "--system-uuid", UUID_M, small], check=True, capture_output=True)
    write_log_entries(small, 0, 15419)  # one free slot left of 15,420
    sm = Daemon("small.dev", small, UUID_M)
    st = status("small.dev")
    check("replay of 15,419 entries", st.get("log_entries") == 15419 and st.get("state") == "ready", st)
    rc, out, err = ctl("-d", "host-x.9", "status")
    check("a missing instance is named as typed, with the running ones as famfsd names them",
          rc != 0 and one_line(err) and '"host-x.9" is not running' in err and "small.dev" in err
          and "small_dev" not in err, (rc, err))
    rc, out, err = ctl("status")
    check("several instances and no -d: the names are listed as famfsd knows them",
          rc != 0 and one_line(err) and "choose one with -d" in err and "small.dev" in err and "small_dev" not in err,
          (rc, err))
    rc, by_dev, err = ctl_json("-d", small, "status")
    check("-d DEVICE-PATH finds the instance serving that device", rc == 0 and by_dev.get("instance") == "small.dev",
          (rc, err))
    rc, out, err = ctl("-d", dev, "status")
    check("-d DEVICE-PATH served by several instances asks for a name", rc == 2 and "choose one by name" in err
          and one_line(err), (rc, err))
    rc, out, err = ctl("-d", "small.dev", "create", "bigger", "--size", "60M")
    check("no space -> NoSpace", rc == EX_NOSPACE and one_line(err), (rc, err))
    rc, out, err = ctl("-d", "small.dev", "mkdir", "last")
    check("the last log slot is usable", rc == 0, err)
    free_small = status("small.dev").get("free_bytes")
    rc, out, err = ctl("-d", "small.dev", "create", "f", "--size", "2M")
    check("log full -> LogFull", rc == EX_LOGFULL and one_line(err), (rc, err))
    st = status("small.dev")
    check("log full: nothing half-created", st.get("free_bytes") == free_small and "\"f\"" not in json.dumps(listing("small.dev", "")),
          st)
    rc, out, err = ctl("-d", "small.dev", "cp", rnd, "g")
    check("log full -> LogFull for cp too, space returned", rc == EX_LOGFULL and status("small.dev").get("free_bytes") == free_small,
          (rc, err))

    # ---- the backing memory disappears under a running daemon ----
    shaky = shm(64 * MiB)
    subprocess.run([MKFS, "--system-uuid", UUID_M, shaky], check=True, capture_output=True)
    sk = Daemon("shaky", shaky, UUID_C1)
    check("client on the shaky device is ready", status("shaky").get("state") == "ready")
    os.truncate(shaky, 1 * MiB)
    failed = wait_for(lambda: status("shaky").get("state") == "failed", timeout=5)
    st = status("shaky")
    check("truncated backing file -> state failed", failed, st)
    probs = st.get("problems") or []
    check("Problems says why", any("SIGBUS" in json.dumps(p) or "memory" in json.dumps(p) for p in probs), probs)
    check("the failed daemon still answers and is alive", sk.proc.poll() is None and ctl("-d", "shaky", "status")[0] == 0)
    rc, out, err = ctl("-d", "shaky", "ls")
    check("a failed instance answers DeviceFailed", rc == EX_DEVFAILED, (rc, err))

    # ---- systemd integration: sd_notify, watchdog, SIGHUP, SIGTERM; config errors ----
    import socket
    nsock_path = os.path.join(work, "notify.sock")
    nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    nsock.bind(nsock_path)
    nsock.settimeout(5)
    ncfg = os.path.join(work, "notify.toml")
    with open(ncfg, "w") as f:
        f.write("log_level = \"info\"\n")
    env = dict(os.environ, NOTIFY_SOCKET=nsock_path, WATCHDOG_USEC="200000")
    nlog = os.path.join(work, "notify.log")
    nd = subprocess.Popen([FAMFSD, "--device", dev, "--instance", "notify", "--system-uuid", UUID_C4,
                           "--config", ncfg, "--backend", "none"], env=env, stdin=subprocess.DEVNULL,
                          stderr=open(nlog, "w"))
    procs.append(nd)
    # A reader drains the socket all the time, as systemd does (a queue left
    # full drops famfsd's messages: the "deaf" test below).
    notes = []
    got_lock = threading.Lock()

    def drain():
        while True:
            try:
                msg = nsock.recv(4096).decode()
            except socket.timeout:
                continue
            except OSError:
                return
            with got_lock:
                notes.append(msg)

    threading.Thread(target=drain, daemon=True).start()

    def recv_until(word, timeout=5):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with got_lock:
                if any(word in g for g in notes):
                    return True
            time.sleep(0.02)
        with got_lock:
            return any(word in g for g in notes)
    check("sd_notify READY=1", recv_until("READY=1"), notes)
    check("sd_notify STATUS= names the state", any("STATUS=ready" in g for g in notes) or recv_until("STATUS=ready"), notes)
    check("sd_notify WATCHDOG=1 when WATCHDOG_USEC is set", recv_until("WATCHDOG=1"), notes)
    with open(ncfg, "w") as f:
        f.write("log_level = \"debug\"\nbogus_key = 1\n")
    nd.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    check("SIGHUP with a bad config keeps the old one and names file:line:col",
          nd.poll() is None and (ncfg + ":2:1") in open(nlog).read(), open(nlog).read()[-500:])
    with open(ncfg, "w") as f:
        f.write("log_level = \"warning\"\npoll_interval_ms = 37\n")
    nd.send_signal(signal.SIGHUP)
    check("SIGHUP re-reads the config", recv_until("READY=1") and nd.poll() is None)
    check("SIGHUP applies poll_interval_ms at once", wait_for(lambda: status("notify").get("poll_interval_ms") == 37),
          status("notify").get("poll_interval_ms"))
    # another emulated host (own UUID: the host-local lock lets it start), same instance name
    dup = subprocess.run([FAMFSD, "--device", dev, "--instance", "notify", "--system-uuid", UUID_C5,
                          "--config", ncfg, "--backend", "none"], capture_output=True, text=True, timeout=30,
                         stdin=subprocess.DEVNULL)
    dup_errors = [l for l in dup.stderr.splitlines() if l.startswith(("<3>", "<2>", "<1>", "<0>"))]
    check("a second famfsd for a running instance says so in one line and exits 1",
          dup.returncode == 1 and len(dup_errors) == 1 and "instance notify runs already" in dup_errors[0],
          (dup.returncode, dup.stderr[-400:]))
    notes.clear()
    nd.send_signal(signal.SIGTERM)
    rc = nd.wait(10)
    check("SIGTERM: STOPPING=1 and exit 0", rc == 0 and recv_until("STOPPING=1"), (rc, notes))
    nsock.close()
    # A manager that never reads its socket: the queue fills within a second
    # (WATCHDOG=1 every 100 ms); famfsd must keep answering and stop on SIGTERM.
    dead_path = os.path.join(work, "deaf.sock")
    deaf = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    deaf.bind(dead_path)
    dlog = os.path.join(work, "deaf.log")
    dcfg = os.path.join(work, "deaf.toml")
    with open(dcfg, "w") as f:
        f.write("log_level = \"info\"\n")
    dd = subprocess.Popen([FAMFSD, "--device", dev, "--instance", "deaf", "--system-uuid", UUID_C4,
                           "--config", dcfg, "--backend", "none"],
                          env=dict(os.environ, NOTIFY_SOCKET=dead_path, WATCHDOG_USEC="200000"),
                          stdin=subprocess.DEVNULL, stderr=open(dlog, "w"))
    procs.append(dd)
    check("with the notify queue full famfsd still answers",
          wait_for(lambda: status("deaf").get("state") == "ready", timeout=10) and
          wait_for(lambda: "queue full" in open(dlog).read(), timeout=10) and status("deaf").get("state") == "ready",
          open(dlog).read()[-400:])
    dd.send_signal(signal.SIGTERM)
    try:
        drc = dd.wait(15)
    except subprocess.TimeoutExpired:
        drc = None
    check("with the notify queue full SIGTERM still stops famfsd (exit 0)", drc == 0, (drc, open(dlog).read()[-400:]))
    deaf.close()
    bad = os.path.join(work, "bad.toml")
    with open(bad, "w") as f:
        f.write("poll_interval_ms = 10\n\n  frobnicate = true\n")
    p = subprocess.run([FAMFSD, "--device", dev, "--config", bad, "--instance", "bad"], capture_output=True,
                       text=True, timeout=20, stdin=subprocess.DEVNULL)
    check("famfsd refuses a config with an unknown key, naming file:line:column",
          p.returncode == 1 and (bad + ":3:3") in p.stderr, p.stderr)
    p = subprocess.run([FAMFSD, "--device", dev, "--backend", "sideways"], capture_output=True, text=True, timeout=20)
    check("famfsd usage error exits 2 with one line", p.returncode == 2 and p.stderr.count("\n") == 1, p.stderr)

    # ---- host registry: who is on this memory (issue 12) ----
    HB = 250  # heartbeat_interval_ms of these daemons
    hb_cfg = "heartbeat_interval_ms = %d\n" % HB
    reg = shm(256 * MiB)
    subprocess.run([MKFS, "--system-uuid", UUID_M, reg], check=True, capture_output=True)
    hm = Daemon("hm", reg, UUID_M, hb_cfg)
    hc1 = Daemon("hc1", reg, UUID_C1, hb_cfg)
    hc2 = Daemon("hc2", reg, UUID_C2, hb_cfg)
    check("registry: master role", status("hm").get("role") == "master", status("hm"))
    check("mkdir on the registry master", ctl("-d", "hm", "mkdir", "reg")[0] == 0)

    def hosts_of(name):
        rc, out, err = ctl_json("-d", name, "hosts")
        return out if rc == 0 and isinstance(out, dict) else {"hosts": [], "error": (rc, err)}

    def by_uuid(name):
        return {h["system_uuid"]: h for h in hosts_of(name)["hosts"]}

    def three_hosts_right(name):
        h = by_uuid(name)
        return (set(h) == {UUID_M, UUID_C1, UUID_C2} and h[UUID_M]["role"] == "master"
                and h[UUID_C1]["role"] == h[UUID_C2]["role"] == "client"
                and all(x["state"] == "ready" and x["applied"] == 1 and x["behind"] == 0 for x in h.values()))
    for n in ("hm", "hc1", "hc2"):
        check(f"hosts on {n}: three hosts, right roles, every one applied the 1 entry",
              wait_for(lambda: three_hosts_right(n), timeout=15), hosts_of(n))
    rc, out, err = ctl("-d", "hc1", "hosts")
    text = out.decode()
    check("famfsctl hosts table", rc == 0 and text.startswith("Master: alive") and "SYSTEM UUID" in text
          and UUID_C2 in text and "BEHIND" in text, text + err)
    rc, out, err = ctl("-d", "hc2", "status")
    check("famfsctl status shows the master alive", rc == 0 and "Master:              alive" in out.decode(), out)
    check("MasterAlive on every host", all(status(n).get("master_alive") is True for n in ("hm", "hc1", "hc2")))
    ctl("-d", "hm", "mkdir", "reg/two")
    check("applied indices follow the log on every host",
          wait_for(lambda: all(x["applied"] == 2 for n in ("hm", "hc1", "hc2") for x in by_uuid(n).values()),
                   timeout=15), [by_uuid(n) for n in ("hm", "hc1", "hc2")])

    # fsck shows the registry of a live file system and stays clean.
    p = subprocess.run([FSCK, "--json", reg], capture_output=True, timeout=60)
    rep = json.loads(p.stdout or b"{}")
    ha = rep.get("host_area", {})
    check("fsck.famfs reports the registry (master record, three hosts) and exits 0",
          p.returncode == 0 and ha.get("valid") is True and len(ha.get("hosts", [])) == 3
          and (ha.get("master") or {}).get("system_uuid") == UUID_M and ha.get("notes") == [], (p.returncode, ha))

    # kill -9 of the master: every client sees MasterAlive false, and a signal.
    mon = subprocess.Popen([FAMFSCTL, "--json", "-d", "hc1", "monitor"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    procs.append(mon)
    time.sleep(0.5)  # the monitor subscribes
    last_beat = status("hc1").get("master_last_seen", 0) / 1e6
    t_kill = time.time()
    hm.kill9()
    seen_dead = {}

    def clients_see_death():
        for n in ("hc1", "hc2"):
            if n not in seen_dead and status(n).get("master_alive") is False:
                seen_dead[n] = time.time()
        return len(seen_dead) == 2
    dead = wait_for(clients_see_death, timeout=10 * HB / 1000 + 10)
    worst = max(seen_dead.values()) - t_kill if dead else None
    check("kill -9 master: every client reports MasterAlive false (%s after the kill, %.1f heartbeats after its "
          "last beat)" % ("%.0f ms" % (worst * 1000) if dead else "never",
                          (max(seen_dead.values()) - last_beat) * 1000 / HB if dead else -1), dead, seen_dead)
    time.sleep(0.3)
    mon.terminate()
    events = [json.loads(l) for l in mon.communicate(timeout=10)[0].decode().splitlines() if l.startswith("{")]
    check("a MasterStopped signal fired, naming the master",
          any(e.get("signal") == "MasterStopped" and e.get("system_uuid") == UUID_M for e in events), events)
    check("PropertiesChanged announced MasterAlive false",
          any(e.get("signal") == "PropertiesChanged" and (e.get("changed") or {}).get("master_alive") is False
              for e in events), events)
    check("the master shows as stale in hosts",
          wait_for(lambda: by_uuid("hc2").get(UUID_M, {}).get("state") == "stale", timeout=10), by_uuid("hc2"))
    hm.start()
    check("restart: MasterAlive again on every client",
          wait_for(lambda: all(status(n).get("master_alive") is True for n in ("hc1", "hc2")), timeout=15)
          and status("hm").get("role") == "master" and status("hm").get("state") == "ready", status("hm"))

    # Single writer: the master's system UUID on another boot (a cloned VM).
    CLONE_BOOT = "0badb007-0000-4000-8000-00000000c10e"
    clone = Daemon("hclone", reg, UUID_M, hb_cfg, extra=["--boot-id", CLONE_BOOT])
    st = status("hclone")
    check("a clone with the master's UUID but another boot id refuses the master role while it beats",
          st.get("state") == "degraded" and st.get("role") == "client" and "held by famfsd pid %d" % hm.proc.pid
          in st.get("state_reason", ""), st)
    rc, out, err = ctl("-d", "hclone", "mkdir", "reg/clone")
    check("the clone answers mutations with NotMaster naming the holder",
          rc == EX_NOTMASTER and ("pid %d" % hm.proc.pid) in err and one_line(err), (rc, err))
    check("the real master still writes", ctl("-d", "hm", "mkdir", "reg/three")[0] == 0)
    t_kill = time.time()
    hm.kill9()
    took = wait_for(lambda: status("hclone").get("role") == "master" and status("hclone").get("state") == "ready",
                    timeout=5 * HB / 1000 + 15)
    check("after the master's beats stop for the takeover timeout the clone takes over (%.1f s; timeout %.2f s)"
          % (time.time() - t_kill, 5 * HB / 1000), took, status("hclone"))
    check("the takeover is logged on the new master", "took the master role over from famfsd pid %d" % hm.proc.pid
          in open(clone.log).read(), open(clone.log).read()[-800:])
    check("the takeover is logged on the clients", wait_for(
        lambda: "the master record now names famfsd pid %d" % clone.proc.pid in open(hc1.log).read(), timeout=10),
          open(hc1.log).read()[-800:])
    rc, out, err = ctl("-d", "hclone", "mkdir", "reg/clone")
    check("the new master writes; clients see it", rc == 0 and wait_for(
        lambda: "clone" in json.dumps(listing("hc1", "reg")), timeout=10), (rc, err))
    hm.start()
    st = status("hm")
    check("the old master restarted now refuses the role (the clone beats)",
          st.get("state") == "degraded" and st.get("role") == "client" and "held by famfsd pid %d" % clone.proc.pid
          in st.get("state_reason", ""), st)
    check("both clients still see a live master", all(status(n).get("master_alive") is True for n in ("hc1", "hc2")))

    # The holder freezes (a paused VM): the refused host takes over; thawed, the
    # old holder must not append another entry.
    clone.proc.send_signal(signal.SIGSTOP)
    took = wait_for(lambda: status("hm").get("role") == "master" and status("hm").get("state") == "ready",
                    timeout=5 * HB / 1000 + 15)
    check("while the holder is frozen (SIGSTOP) the refused host takes the role over", took, status("hm"))
    clone.proc.send_signal(signal.SIGCONT)
    rc, out, err = ctl("-d", "hclone", "mkdir", "reg/frozen")
    check("the thawed old holder refuses its first append: NotMaster naming the new holder",
          rc == EX_NOTMASTER and ("pid %d" % hm.proc.pid) in err, (rc, err))
    check("the thawed old holder is degraded, a client, and logged losing the role",
          wait_for(lambda: status("hclone").get("role") == "client" and status("hclone").get("state") == "degraded")
          and "lost the master role" in open(clone.log).read(), (status("hclone"), open(clone.log).read()[-600:]))
    check("nothing of the thawed holder reached the log", ctl("-d", "hm", "mkdir", "reg/after-thaw")[0] == 0
          and wait_for(lambda: "after-thaw" in json.dumps(listing("hc1", "reg")), timeout=10)
          and "frozen" not in json.dumps(listing("hc1", "reg")), listing("hc1", "reg"))

    # famfsctl hosts forget: only root, only a host that no longer beats.
    hc2.kill9()
    check("a killed client goes stale", wait_for(lambda: by_uuid("hc1").get(UUID_C2, {}).get("state") == "stale",
                                                 timeout=15), by_uuid("hc1"))
    p = subprocess.run([FSCK, "--json", reg], capture_output=True, timeout=60)
    notes = json.loads(p.stdout or b"{}").get("host_area", {}).get("notes", [])
    check("fsck notes the stale host and still exits 0", p.returncode == 0 and any(
        n["kind"] == "stale_host" and UUID_C2 in n["message"] for n in notes), (p.returncode, notes))
    rc, out, err = ctl("-d", "hc1", "hosts", "forget", UUID_C2, user=65534)
    check("hosts forget as nobody -> AccessDenied", rc == EX_DENIED, (rc, err))
    rc, out, err = ctl("-d", "hc1", "hosts", "forget", UUID_M)
    check("hosts forget of a beating host -> Busy", rc == 13 and "still beating" in err, (rc, err))
    rc, out, err = ctl("-d", "hc1", "hosts", "forget", UUID_C2)
    check("hosts forget of the dead client", rc == 0 and b"forgot 1" in out, (rc, out, err))
    check("the forgotten host is gone everywhere", wait_for(
        lambda: UUID_C2 not in by_uuid("hclone") and UUID_C2 not in by_uuid("hc1"), timeout=10), by_uuid("hclone"))
    hc2.start()
    check("a forgotten host that comes back registers again",
          wait_for(lambda: by_uuid("hc1").get(UUID_C2, {}).get("state") == "ready", timeout=15), by_uuid("hc1"))
    reg_area = open(reg, "rb").read(0x200000)[0x1000:]  # a valid area of another file system, for below
    stops = {d.name: d.stop() for d in (hc2, hc1, hm, clone)}
    p = subprocess.run([FSCK, "--json", reg], capture_output=True, timeout=60)
    ha = json.loads(p.stdout or b"{}").get("host_area", {})
    check("after clean stops the registry says stopped, no stale notes",
          p.returncode == 0 and all(h["state"] == "stopped" for h in ha.get("hosts", []))
          and (ha.get("master") or {}).get("state") == "stopped" and ha.get("notes") == [],
          (stops, [(h["system_uuid"][:8], h["state"], h["stale"]) for h in ha.get("hosts", [])],
           {k: v for k, v in ha.items() if k != "hosts"}))

    # Two hosts joining at the same instant, their probes starting at one slot.
    def probe_start(u):
        return zlib.crc32(bytes.fromhex(u.replace("-", ""))) % 4096
    starts = {}
    pair = None
    for i in range(1, 100000):
        u = "%08x-5555-4333-8444-555555555555" % i
        s0 = probe_start(u)
        if s0 in starts:
            pair = (starts[s0], u)
            break
        starts[s0] = u
    both = shm(64 * MiB)
    subprocess.run([MKFS, "--system-uuid", UUID_M, both], check=True, capture_output=True)
    j1 = Daemon("join1", both, pair[0], hb_cfg, wait=False)
    j2 = Daemon("join2", both, pair[1], hb_cfg, wait=False)
    j1.wait_ready()
    j2.wait_ready()
    p = subprocess.run([FSCK, "--json", both], capture_output=True, timeout=60)
    hosts_j = json.loads(p.stdout or b"{}").get("host_area", {}).get("hosts", [])
    slots = {h["system_uuid"]: h["slot"] for h in hosts_j}
    logs = open(j1.log).read() + open(j2.log).read()
    check("two hosts joining at once with one probe start end in distinct slots (%s)" % slots,
          set(slots) == set(pair) and len(set(slots.values())) == 2 and probe_start(pair[0]) in slots.values()
          and "claiming one again" not in logs, (hosts_j, logs[-600:]))
    j1.stop()
    j2.stop()

    # ---- golden images written by the reference implementation ----
    for name in ("basic", "interleaved", "fulllog"):
        meta = json.load(lzma.open(os.path.join(GOLDEN, name + ".json.xz")))
        img = shm(meta["device_size"])
        with open(img, "r+b") as f:
            f.write(lzma.open(os.path.join(GOLDEN, name + ".head.xz")).read())
            # Stale bytes where the host area lives, as the reference leaves them: random
            # bytes, or a valid host area of another file system.
            f.seek(0x1000)
            f.write(reg_area if name == "interleaved" else os.urandom(0x200000 - 0x1000))
        g = Daemon("g" + name, img, UUID_C2)
        expect = meta["expect"]
        ok, detail = True, ""
        # Sizes and modes of every file through one listing per directory;
        # maps (one call each) for every file of the small images and an
        # evenly spread sample of 150 of the big one.
        by_dir = {}
        for fe in expect["files"]:
            by_dir.setdefault(fe["path"].rpartition("/")[0], []).append(fe)
        for d, files in by_dir.items():
            got = listing("g" + name, d)
            rows = got.get("entries", []) if isinstance(got, dict) else []
            entries = {e["name"]: e for e in rows}
            for fe in files:
                e = entries.get(fe["path"].rpartition("/")[2])
                if not e or e.get("size") != fe["size"] or e.get("mode") != fe["mode"] or e.get("uid") != fe["uid"]:
                    ok, detail = False, (fe, e, got if not entries else "")
                    break
            if not ok:
                break
        step = max(1, len(expect["files"]) // 150)
        for fe in expect["files"][::step] if ok else []:
            got = getmap("g" + name, fe["path"])
            want_map = fe["fmap"]
            if (not isinstance(got, dict) or got.get("type") != want_map["type"] or
                    norm_extents(got) != norm_extents(want_map) or
                    (want_map["type"] == "interleaved" and (got.get("nstrips"), got.get("chunk_size"))
                     != (want_map["nstrips"], want_map["chunk_size"]))):
                ok, detail = False, (fe["path"], got, want_map)
                break
        st = status("g" + name)
        check(f"golden image {name}: famfsd lists every file with its map and size", ok, detail)
        check(f"golden image {name}: counts match", st.get("files") == len(expect["files"]), st)
        check(f"golden image {name}: stale host area bytes are no registry (ready, MasterAlive false, no hosts)",
              st.get("state") == "ready" and st.get("master_alive") is False and st.get("hosts") == [], st)
        g.stop()

    # ---- the reference's .meta/.alloc.cfg: a FILE entry, no MKDIR .meta ----
    meta = json.load(lzma.open(os.path.join(GOLDEN, "basic.json.xz")))
    img = shm(meta["device_size"])
    with open(img, "r+b") as f:
        f.write(lzma.open(os.path.join(GOLDEN, "basic.head.xz")).read())
    cfg_at = max([0x200000 + meta["log_len"]] + [x["offset"] + x["len"] for fe in meta["expect"]["files"]
                                                  for x in fe["fmap"].get("extents") or fe["fmap"]["strips"]])
    cfg_text = b"nbuckets: 0\nnstrips: 1\nchunk_size: 0x200000\n"
    with open(img, "r+b") as f:
        f.seek(0x200000 + 32)
        seq, nxt = struct.unpack("<QQ", f.read(16))
        e = bytearray(544)
        struct.pack_into("<QI", e, 0, seq, 0)
        struct.pack_into("<QIIII", e, 16, len(cfg_text), 2, 0, 0, 0o644)
        e[40:40 + 16] = b".meta/.alloc.cfg"
        struct.pack_into("<III", e, 120, 0, 0, 0)
        struct.pack_into("<I", e, 128, 1)
        struct.pack_into("<QQQ", e, 136, 0, cfg_at, 2 * MiB)
        struct.pack_into("<Q", e, 536, zlib.crc32(bytes(e[:536])))
        f.seek(0x200000 + 48 + 544 * nxt)
        f.write(e)
        f.seek(0x200000 + 32)
        f.write(struct.pack("<QQ", seq + 1, nxt + 1))
        f.seek(cfg_at)
        f.write(cfg_text)
    ref_master = meta["expect"]["superblock"]["system_uuid"]
    for role, uuid in (("client", UUID_C2), ("master", ref_master)):
        g = Daemon("gmeta" + role, img, uuid)
        st = status("gmeta" + role)
        check(f".meta/.alloc.cfg image ({role}): ready, no problems, one more file, as many directories",
              st.get("state") == "ready" and st.get("problems") == [] and
              st.get("files") == len(meta["expect"]["files"]) + 1 and
              st.get("directories") == len(meta["expect"]["dirs"]), st)
        got = listing("gmeta" + role, ".meta")
        rows = got.get("entries", []) if isinstance(got, dict) else []
        check(f".meta/.alloc.cfg image ({role}): famfsd lists .meta/.alloc.cfg",
              [(r["name"], r["size"]) for r in rows] == [(".alloc.cfg", len(cfg_text))], got)
        rc, out, err = ctl("-d", "gmeta" + role, "cat", ".meta/.alloc.cfg")
        check(f".meta/.alloc.cfg image ({role}): famfsd serves its bytes", rc == 0 and out == cfg_text, (rc, out, err))
        m = getmap("gmeta" + role, ".meta/.alloc.cfg")
        check(f".meta/.alloc.cfg image ({role}): its map", isinstance(m, dict) and
              norm_extents(m) == [(0, cfg_at, 2 * MiB)], m)
        got = listing("gmeta" + role, "")
        rows = got.get("entries", []) if isinstance(got, dict) else []
        check(f".meta/.alloc.cfg image ({role}): the root lists .meta as a 0700 root directory",
              [(r["name"], r["type"], r["mode"], r["uid"]) for r in rows if r["name"] == ".meta"] ==
              [(".meta", "dir", 0o700, 0)], got)
        rc, out, err = ctl("-d", "gmeta" + role, "ls", ".meta", user=NOBODY)
        check(f".meta/.alloc.cfg image ({role}): nobody may not list .meta (0700) -> AccessDenied",
              rc == EX_DENIED, (rc, err))
        if role == "master":
            rc, out, err = ctl("-d", "gmetamaster", "mkdir", ".meta")
            check("master: mkdir .meta -> Exists (every file system has it)", rc == EX_EXISTS, (rc, err))
            rc, out, err = ctl("-d", "gmetamaster", "create", ".meta/mine", "--size", "2M")
            check("master: a file in .meta is created", rc == 0, (rc, err))
            rc, out, err = ctl("-d", "gmetamaster", "create", "nodir/x", "--size", "2M")
            check("master: a missing parent other than .meta is still NotFound", rc == EX_NOTFOUND, (rc, err))
        g.stop()
finally:
    clean_up(procs, shm_files, member)

report(results)
