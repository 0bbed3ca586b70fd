"""The hostile callers' vocabulary (hostile_client.py): the instance under
attack, famfsd's error names, every Filesystem and Job method with arguments
of the right shape (checked against dbus/*.xml: a method the table misses
fails the tier), the bad paths, check(), and the two attacks that run both
as root and as nobody: every method with wrong argument types, oversized
strings, huge option maps and bad paths (argument_checks), and connections
opened and dropped by the thousand (connection_churn)."""
import glob
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dbus_wire as wire  # noqa: E402

MiB, GiB = 1 << 20, 1 << 30
UUID_M = "11111111-2222-4333-8444-555555555555"
INSTANCE = "hostile"
DEST = "org.famfs.Famfs1." + INSTANCE
OBJ = "/org/famfs/Famfs1"
FS = "org.famfs.Famfs1.Filesystem"
JOB = "org.famfs.Famfs1.Job"
PROPS = "org.freedesktop.DBus.Properties"
E = "org.famfs.Famfs1.Error."
DBUS_E = "org.freedesktop.DBus.Error."
# famfsd's anonymous RSS must come back to within this much of its start
# (it returns idle memory to the system about a second after a burst).
RSS_BOUND_KIB = 2 * 1024
DEVICE_SIZE = 4 * GiB

# Every method of the Filesystem interface: its signature and a valid call
# (hostile/seed is a world-readable file the harness creates first).
METHODS = {
    "Format": ("a{sv}", lambda: [{}]),
    "CreateFile": ("sta{sv}", lambda: ["x", 2 * MiB, {}]),
    "Mkdir": ("sa{sv}", lambda: ["x", {}]),
    "CreateFiles": ("a(sta{sv})a{sv}", lambda: [[["x", 2 * MiB, {}]], {}]),
    "Remove": ("sa{sv}", lambda: ["x", {}]),
    "ForgetHost": ("sa{sv}", lambda: ["", {}]),
    "CopyIn": ("sha{sv}", lambda: ["x", 0, {}]),
    "CommitFiles": ("aoa{sv}", lambda: [["/org/famfs/Famfs1/reservations/1"], {}]),
    "ReadFile": ("sha{sv}", lambda: ["hostile/seed", 0, {}]),
    "ListDirectory": ("sa{sv}", lambda: ["", {}]),
    "Stat": ("sa{sv}", lambda: ["", {}]),
    "GetFileMap": ("sa{sv}", lambda: ["hostile/seed", {}]),
    "Check": ("a{sv}", lambda: [{}]),
    "Replay": ("a{sv}", lambda: [{}]),
}
# Every method of the Job interface (called on a job object).
JOB_METHODS = {
    "GetPath": ("a{sv}", lambda: [{}]),
    "Cancel": ("a{sv}", lambda: [{}]),
}
PATH_METHODS = ["CreateFile", "Mkdir", "Remove", "CopyIn", "ReadFile", "ListDirectory", "Stat", "GetFileMap"]
READ_METHODS = ["ReadFile", "ListDirectory", "Stat", "GetFileMap", "Check", "Replay"]
# The methods with options of their own (the others know none).
MISTYPED = ["ReadFile", "CreateFile", "Mkdir", "CopyIn", "Format", "Remove", "ForgetHost"]
BAD_PATHS = ["/", "/etc/passwd", "/hostile/seed", ".", "..", "./seed", "hostile/.", "hostile/..", "../../etc/shadow",
             "a//b", "hostile/", "//hostile", "a\x01b", "a\nb", "x" * 80]

results = []


def check(name, cond, detail=""):
    results.append(bool(cond))
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  -- " + str(detail)[:600]), flush=True)
    return bool(cond)


def interface_methods(src):
    """{interface: {method: signature of its in arguments}} of dbus/*.xml."""
    import xml.etree.ElementTree as ET
    out = {}
    for path in sorted(glob.glob(os.path.join(src, "dbus", "*.xml"))):
        for iface in ET.parse(path).getroot().iter("interface"):
            out[iface.get("name")] = {m.get("name"): "".join(a.get("type") for a in m.iter("arg")
                                                             if a.get("direction", "in") == "in")
                                      for m in iface.iter("method")}
    return out


def table_checks(src):
    """The tables name every method of every interface famfsd serves, with
    the signature the XML gives it: a method added to the XML and not here
    fails."""
    xml = interface_methods(src)
    tables = {FS: METHODS, JOB: JOB_METHODS}
    check("dbus/*.xml declares exactly the interfaces the hostile tables cover", set(xml) == set(tables),
          sorted(xml))
    for iface, table in tables.items():
        have = {m: sig for m, (sig, _) in table.items()}
        want = xml.get(iface, {})
        check("the hostile table holds every %s method of dbus/*.xml with its signature (%d methods)" %
              (iface, len(want)), want and have == want,
              {"missing": sorted(set(want) - set(have)), "not in the XML": sorted(set(have) - set(want)),
               "other signature": sorted(m for m in set(want) & set(have) if want[m] != have[m])})


def is_error(reply, name, *words):
    """REPLY is error NAME whose message is one line of reasonable length
    mentioning every one of WORDS."""
    return (isinstance(reply, wire.Message) and reply.error_name == name and "\n" not in reply.error_message and
            len(reply.error_message) < 1024 and all(w in reply.error_message for w in words))


def args_for(method, path=None, fd=None, options=None, size=None):
    sig, make = METHODS[method]
    args = make()
    types = wire.split_types(sig)
    if path is not None and "s" in types:
        args[types.index("s")] = path
    if fd is not None and "h" in types:
        args[types.index("h")] = fd
    if size is not None and "t" in types:
        args[types.index("t")] = size
    if options is not None:
        args[-1] = options
    return sig, args


def memfd(data, name="src"):
    fd = os.memfd_create(name)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


# ---------------------------------------------------------------------------
# Hostile argument checks shared by root and nobody (read-only methods for
# nobody: the bus policy lets nothing else through).
# ---------------------------------------------------------------------------
def argument_checks(address, methods, who):
    c = wire.Connection(address)
    devnull = os.open("/dev/null", os.O_WRONLY)

    def call(method, sig, args, fds=None):
        if fds is None and "h" in sig:
            fds = [devnull]
        return c.call(DEST, OBJ, FS, method, sig, args, fds=fds or ())

    # Wrong argument types: none, every argument swapped for another type,
    # one too many, a dictionary of the wrong value type.
    for m in methods:
        sig, args = args_for(m)
        types = wire.split_types(sig)
        variants = [("no arguments", "", [])]
        for i, t in enumerate(types):
            swap = {"s": ("u", 7), "t": ("s", "2097152"), "h": ("u", 0), "a{sv}": ("a{ss}", {"mode": "0644"}),
                    "ao": ("as", ["/org/famfs/Famfs1/reservations/1"]),
                    "a(sta{sv})": ("a(st)", [["x", 2 * MiB]])}[t]
            variants.append(("argument %d as %s" % (i + 1, swap[0]), "".join(types[:i] + [swap[0]] + types[i + 1:]),
                             args[:i] + [swap[1]] + args[i + 1:]))
        variants.append(("an extra argument", sig + "s", args + ["extra"]))
        variants.append(("options as a struct", sig[:-len("a{sv}")] + "(sv)", args[:-1] + [("mode", ("u", 0o644))]))
        bad = []
        for what, s, a in variants:
            r = call(m, s, a, fds=[devnull] if "h" in s else [])
            if not is_error(r, DBUS_E + "InvalidArgs"):
                bad.append((what, r))
        check("%s: %s with wrong argument types -> InvalidArgs (%d variants)" % (who, m, len(variants)), not bad, bad)

    # Oversized strings: a 1 MiB path; a 1 MiB option name.
    huge = "p" * MiB
    for m in methods:
        if m in PATH_METHODS:
            sig, args = args_for(m, path=huge)
            r = call(m, sig, args)
            check("%s: %s with a 1 MiB path -> InvalidPath, short message" % (who, m),
                  is_error(r, E + "InvalidPath", "bytes"), r)
        sig, args = args_for(m, options={huge: ("s", "v")})
        r = call(m, sig, args)
        check("%s: %s with a 1 MiB option name -> InvalidArgument, short message" % (who, m),
              is_error(r, E + "InvalidArgument", "unknown option"), r)

    # 10,000-entry option maps of unknown names (std::map order: the first
    # named is opt00000).
    many = {"opt%05d" % i: ("u", i) for i in range(10000)}
    for m in methods:
        sig, args = args_for(m, options=many)
        r = call(m, sig, args)
        check("%s: %s with 10,000 unknown options -> InvalidArgument naming the first" % (who, m),
              is_error(r, E + "InvalidArgument", "opt00000"), r)

    # Unknown options, hostile option names, options of the wrong type.
    for m in methods:
        bad = []
        for opts, words in (({"colour": ("s", "blue")}, ["colour"]),
                            ({"": ("b", True)}, ["unknown option"]),
                            ({"line\nbreak": ("b", True)}, ["unknown option"]),
                            ({"zero\x1b[2J": ("b", False)}, ["unknown option"]),
                            ({"offset": ("s", "0")} if m == "ReadFile" else {"mode": ("s", "0644")}
                             if m in ("CreateFile", "Mkdir", "CopyIn") else {"force": ("s", "yes")}
                             if m == "Format" else {"recursive": ("s", "yes")} if m == "Remove"
                             else {"slot": ("s", "1")} if m == "ForgetHost"
                             else {"x": ("v", ("v", ("u", 1)))}, ["type" if m in MISTYPED else "unknown option"])):
            sig, args = args_for(m, options=opts)
            r = call(m, sig, args)
            if not is_error(r, E + "InvalidArgument", *words):
                bad.append((opts, r))
        check("%s: %s with unknown, unprintable or mistyped options -> InvalidArgument, one line" % (who, m), not bad,
              bad)

    # Absolute and dot paths straight through the bus, and "" where a file is meant.
    for m in methods:
        if m not in PATH_METHODS:
            continue
        bad = []
        for p in BAD_PATHS + ([] if m in ("ListDirectory", "Stat") else [""]):
            sig, args = args_for(m, path=p)
            r = call(m, sig, args)
            if not is_error(r, E + "InvalidPath"):
                bad.append((p, r))
        check("%s: %s with absolute, dot and malformed paths -> InvalidPath (%d paths)" % (who, m, len(BAD_PATHS)),
              not bad, bad)
    c.close()

    # Invalid UTF-8 in a path and in an option name: the protocol forbids it,
    # so the bus must drop the sender before famfsd sees anything.
    for m in methods:
        for where in ("path", "option name") if m in PATH_METHODS else ("option name",):
            c = wire.Connection(address)
            if where == "path":
                sig, args = args_for(m, path=b"bad\xff\xfename")
            else:
                sig, args = args_for(m, options={b"\xc0\xafopt": ("b", True)})
            try:
                r = c.call(DEST, OBJ, FS, m, sig, args, fds=[devnull] if "h" in sig else ())
            except (wire.Disconnected, ConnectionResetError, BrokenPipeError):
                r = "disconnected"
            check("%s: %s with invalid UTF-8 in the %s: the bus drops the sender" % (who, m, where),
                  r == "disconnected", r)
            c.close()
    os.close(devnull)


def connection_churn(address, n, who):
    """N connections opened and dropped: a third say only Hello, a third send
    a call and drop before the reply, a third pipeline calls and drop."""
    dropped = 0
    for i in range(n):
        c = wire.Connection(address)
        if i % 3 == 1:
            c.send(DEST, OBJ, FS, "Stat", "sa{sv}", ["", {}])
        elif i % 3 == 2:
            for _ in range(20):
                c.send(DEST, OBJ, FS, "ListDirectory", "sa{sv}", ["", {}])
        c.close()
        dropped += 1
    c = wire.Connection(address)
    r = c.call(DEST, OBJ, FS, "Stat", "sa{sv}", ["", {}])
    c.close()
    check("%s: %d connections opened and dropped; a new caller is answered" % (who, n),
          dropped == n and r.type == wire.METHOD_RETURN and r.args[0].get("type") == "dir", r)


def job_argument_checks(call, job_path):
    """Every Job method of JOB_METHODS on the job at JOB_PATH: an unknown
    option, 10,000 of them, a 1 MiB option name, a wrong argument type.
    CALL(method, sig, args, iface=, path=) returns the reply."""
    for m, (sig, make) in JOB_METHODS.items():
        x = call(m, sig, [{"now": ("b", True)}], iface=JOB, path=job_path)
        check("Job.%s with an unknown option -> InvalidArgument" % m, is_error(x, E + "InvalidArgument", "now"), x)
        x = call(m, sig, [{"opt%05d" % i: ("s", "p" * 100) for i in range(10000)}], iface=JOB, path=job_path)
        check("Job.%s with 10,000 unknown options -> InvalidArgument naming the first" % m,
              is_error(x, E + "InvalidArgument", "opt00000"), x)
        x = call(m, sig, [{"p" * MiB: ("b", True)}], iface=JOB, path=job_path)
        check("Job.%s with a 1 MiB option name -> InvalidArgument, short message" % m,
              is_error(x, E + "InvalidArgument", "unknown option"), x)
        x = call(m, "s", ["now"], iface=JOB, path=job_path)
        check("Job.%s with a wrong argument type -> InvalidArgs" % m, is_error(x, DBUS_E + "InvalidArgs"), x)


RESERVATION = "/org/famfs/Famfs1/reservations/"


def read_back(conn, path):
    """The bytes of PATH, read by ReadFile on CONN into a pipe."""
    pr, pw = os.pipe()
    serial = conn.send(DEST, OBJ, FS, "ReadFile", "sha{sv}", [path, 0, {}], fds=[pw])
    os.close(pw)
    got = bytearray()
    while True:
        chunk = os.read(pr, 1 << 20)
        if not chunk:
            break
        got += chunk
    os.close(pr)
    conn.reply_to(serial)
    return bytes(got)


def commit_checks(address, call):
    """CommitFiles with hostile handles: too many, handles that are not
    reservations, others' and used-up ones, an object path the protocol
    forbids. CALL(method, sig, args, fds=) is the harness's own connection."""
    r = call("CommitFiles", "aoa{sv}", [[RESERVATION + "1"] * 100000, {}])
    check("CommitFiles with 100,000 handles -> InvalidArgument naming the limit",
          is_error(r, E + "InvalidArgument", "1024"), r)
    r = call("CommitFiles", "aoa{sv}", [[], {}])
    check("CommitFiles with no handles -> no results", r.type == wire.METHOD_RETURN and r.args == [[]], r)

    def reserve(conn, path, data):
        fd = memfd(data)
        x = conn.call(DEST, OBJ, FS, "CopyIn", "sha{sv}", [path, 0, {"commit": ("b", False)}], fds=[fd])
        os.close(fd)
        return x.args[0] if x.type == wire.METHOD_RETURN and x.args[0].startswith(RESERVATION) else None

    other = wire.Connection(address)
    theirs = reserve(other, "hostile/theirs", b"t" * 4000)
    unused = reserve(other, "hostile/unused", b"u" * 10)  # held by OTHER until it leaves
    data = os.urandom(3 * MiB + 9)
    own = wire.Connection(address)
    mine = reserve(own, "hostile/committed", data)
    check("CopyIn commit=false gives reservation handles", None not in (theirs, unused, mine), (theirs, unused, mine))
    items = [("/", "InvalidArgument"), ("/org/famfs/Famfs1", "InvalidArgument"),
             ("/org/famfs/Famfs1/jobs/1", "InvalidArgument"), (RESERVATION[:-1], "InvalidArgument"),
             (RESERVATION + "0", "InvalidArgument"), (RESERVATION + "abc", "InvalidArgument"),
             (RESERVATION + "12abc", "InvalidArgument"), (RESERVATION + "18446744073709551616", "InvalidArgument"),
             (RESERVATION + "1/x", "InvalidArgument"), (RESERVATION + "999999", "NotFound"),
             (theirs or "/", "NotFound"), (mine or "/", ""), (mine or "/", "NotFound")]
    r = own.call(DEST, OBJ, FS, "CommitFiles", "aoa{sv}", [[h for h, _ in items], {}])
    got = [e for e, _ in r.args[0]] if r.type == wire.METHOD_RETURN else r
    want = [(E + e if e else "") for _, e in items]
    check("CommitFiles with %d hostile handles: one answer each, in order (not handles, unknown, another "
          "caller's, its own twice: committed, then used up)" % len(items), got == want,
          [(h, g, w) for (h, _), g, w in zip(items, got, want) if g != w] if isinstance(got, list) else got)
    check("... each failure a one-line message",
          r.type == wire.METHOD_RETURN and all("\n" not in m and len(m) < 1024 for _, m in r.args[0]), r)
    back = read_back(own, "hostile/committed")
    check("the committed file reads back its bytes", back == data, len(back))
    x = own.call(DEST, OBJ, FS, "Stat", "sa{sv}", ["hostile/theirs", {}])
    check("another caller's reservation stays invisible", is_error(x, E + "NotFound"), x)
    x = other.call(DEST, OBJ, FS, "CommitFiles", "aoa{sv}", [[theirs or "/"], {"now": ("b", True)}])
    check("CommitFiles with an unknown option -> InvalidArgument, the handle still held",
          is_error(x, E + "InvalidArgument", "now"), x)
    own.close()
    # OTHER leaves with two reservations: their space goes back (after()
    # checks FreeBytes).
    other.close()
    c = wire.Connection(address)
    try:
        c.call(DEST, OBJ, FS, "CommitFiles", "aoa{sv}", [[b"no/slash"], {}])
        r = "answered"
    except (wire.Disconnected, ConnectionResetError, BrokenPipeError):
        r = "disconnected"
    check("CommitFiles with a malformed object path: the bus drops the sender", r == "disconnected", r)
    c.close()
