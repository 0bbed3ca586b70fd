"""A private system-style dbus-daemon for the integration tiers: default
deny, the shipped famfs policy included (so the policy under test is the one
the packages install), started in the foreground and reaped by the caller."""
import json
import os
import shutil
import subprocess
import sys
import time

CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={sock}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_destination="org.freedesktop.DBus"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_type="signal"/>
    <allow send_type="method_return"/>
    <allow send_type="error"/>
  </policy>
  <include>{policy}</include>
</busconfig>
"""


class Bus:
    """dbus-daemon on WORK/bus.sock with POLICY included; sets
    DBUS_SYSTEM_BUS_ADDRESS for this process and its children. Users and
    groups the policy names must exist before (dbus-daemon resolves them when
    it loads its configuration)."""

    def __init__(self, work, policy):
        self.conf = os.path.join(work, "bus.conf")
        self.sock = os.path.join(work, "bus.sock")
        with open(self.conf, "w") as f:
            f.write(CONFIG.format(sock=self.sock, policy=policy))
        r, w = os.pipe()
        self.proc = subprocess.Popen(["dbus-daemon", "--config-file=" + self.conf, "--nofork",
                                      "--print-address=%d" % w], pass_fds=(w,), stdin=subprocess.DEVNULL,
                                     stderr=open(os.path.join(work, "bus.log"), "w"))
        os.close(w)
        self.address = os.read(r, 4096).decode().strip()
        os.close(r)
        os.chmod(work, 0o755)  # callers run as nobody reach the socket
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = self.address


def reap(procs, grace=10):
    """Terminates every process of PROCS still running, waits GRACE seconds
    for each, kills what is left."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(grace)
        except subprocess.TimeoutExpired:
            p.kill()


def clean_up(procs, shm_files, member):
    """The end of an integration run, in its finally: stops PROCS, unlinks
    SHM_FILES (memory taken until reboot otherwise) and removes the test
    user MEMBER (None: none)."""
    reap(procs)
    for f in shm_files:
        try:
            os.unlink(f)
        except OSError:
            pass
    if member is not None:
        member.remove()


def report(results, work=None):
    """Prints the count line scripts/test.sh reads and exits non-zero on any
    failure in RESULTS (a list of booleans). Called after the finally, so a
    harness that crashed ends with its traceback, not a count (and keeps
    WORK). WORK, the run's directory of logs and sources, is removed when
    every check passed and kept, with its path printed, when one failed."""
    passed, failed = results.count(True), results.count(False)
    if work is not None:
        if failed:
            print("logs kept in " + work, flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


def famfsctl_runner(famfsctl, as_user):
    """ctl, ctl_json and status for FAMFSCTL, each command run as the user
    AS_USER(user, cmd) makes of it (None: as the caller)."""

    def ctl(*args, user=None, stdin=None, timeout=120):
        p = subprocess.run(as_user(user, [famfsctl] + list(args)), capture_output=True,
                           stdin=stdin if stdin is not None else subprocess.DEVNULL, timeout=timeout)
        return p.returncode, p.stdout, p.stderr.decode(errors="replace")

    def ctl_json(*args):
        rc, out, err = ctl("--json", *args)
        try:
            return rc, json.loads(out), err
        except ValueError:
            return rc, None, err + out.decode(errors="replace")

    def status(name):
        return ctl_json("-d", name, "status")[1] or {}

    return ctl, ctl_json, status


def wait_for(pred, timeout=5.0):
    """True once PRED() is, polled every 20 ms for TIMEOUT seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return pred()
