#!/usr/bin/env python3
"""Integration tests, second part: the daemon's life cycle (log full, no
space, the backing memory disappearing, sd_notify/watchdog/SIGHUP/SIGTERM
and config errors), the host registry (docs/host-area.md:
heartbeats, liveness, the single-writer rule, takeover, hosts forget) with
several famfsd sharing one /dev/shm-backed device, and the golden images
the reference implementation wrote, served as client and as master. And cp -r's batched commit
(CopyIn commit=false + CommitFiles). The same private dbus-daemon with the shipped policy as famfs_integration.py.

Usage: registry_integration.py BUILD_DIR SOURCE_DIR
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


member = None
try:
    member = Member()
    bus = Bus(work, POLICY)
    procs.append(bus.proc)
    # A device two instances serve (a master and a client), for -d DEVICE-PATH
    # and as the device of the systemd integration daemons below.
    dev = shm(8 * GiB)  # sparse: the batched cp -r below takes 2 MiB per small file
    subprocess.run([MKFS, "--system-uuid", UUID_M, dev], check=True, capture_output=True)
    master = Daemon("m", dev, UUID_M)
    c1 = Daemon("c1", dev, UUID_C1)
    check("a master and a client on one device", status("m").get("role") == "master"
          and status("c1").get("role") == "client", (status("m"), status("c1")))
    check("mkdir data", ctl("-d", "m", "mkdir", "data")[0] == 0)
    NOBODY = 65534
    rnd = os.path.join(work, "random.bin")  # a source file for cp
    with open(rnd, "wb") as f:
        f.write(os.urandom(3 * MiB + 12345))
    batched_copy_tests()

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
    check("hosts forget of a beating host -> Busy", rc == EX_BUSY and "still beating" in err, (rc, err))
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

report(results, work)
