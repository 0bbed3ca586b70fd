"""The shared part of the integration harnesses (famfs_integration.py,
registry_integration.py, delete_integration.py): paths of the build under test, the emulated
hosts' UUIDs and famfsctl's exit codes, check(), /dev/shm devices, famfsd
daemons on the private bus, famfsctl as any user, the famfs-group member.

Imported with the harness's command line (BUILD_DIR SOURCE_DIR) in
sys.argv; everything a harness starts is recorded in procs and shm_files
for private_bus.clean_up().
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
from private_bus import Bus, clean_up, famfsctl_runner, report, wait_for  # noqa: E402,F401

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
EX_NOTMASTER, EX_DENIED, EX_DEVFAILED, EX_BUSY = 9, 10, 12, 13
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
