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
import os
import signal
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *  # noqa: E402,F401,F403

member = None

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

finally:
    clean_up(procs, shm_files, member)

report(results, work)
