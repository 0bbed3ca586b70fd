"""A minimal D-Bus client speaking the wire protocol over a unix socket, with
no library underneath (Debian's python3 only).

It exists for the hostile-caller tests: libdbus, sd-bus and GLib refuse on
the client side to send most of what those tests must send (invalid UTF-8,
signatures that do not match the arguments, descriptor indices without
descriptors), and a library connection per check would hide what the daemon
does with a raw, misbehaving peer. Supports every D-Bus type, descriptor
passing (SCM_RIGHTS) and raw, hand-made message bodies.
"""
import array
import os
import socket
import struct

METHOD_CALL, METHOD_RETURN, ERROR, SIGNAL = 1, 2, 3, 4
NO_REPLY_EXPECTED = 0x1
F_PATH, F_INTERFACE, F_MEMBER, F_ERROR_NAME, F_REPLY_SERIAL, F_DESTINATION, F_SENDER, F_SIGNATURE, F_UNIX_FDS = \
    range(1, 10)
FIELD_TYPES = {F_PATH: "o", F_INTERFACE: "s", F_MEMBER: "s", F_ERROR_NAME: "s", F_REPLY_SERIAL: "u",
               F_DESTINATION: "s", F_SENDER: "s", F_SIGNATURE: "g", F_UNIX_FDS: "u"}
ALIGN = {"y": 1, "b": 4, "n": 2, "q": 2, "i": 4, "u": 4, "x": 8, "t": 8, "d": 8, "h": 4, "s": 4, "o": 4,
         "g": 1, "v": 1, "a": 4, "(": 8, "{": 8}
FIXED = {"y": "B", "n": "h", "q": "H", "i": "i", "u": "I", "x": "q", "t": "Q", "d": "d", "h": "I"}


class Disconnected(Exception):
    pass


def split_types(sig):
    """The complete types of a signature: "sa{sv}" -> ["s", "a{sv}"]."""
    out, i = [], 0
    while i < len(sig):
        j = _type_end(sig, i)
        out.append(sig[i:j])
        i = j
    return out


def _type_end(sig, i):
    c = sig[i]
    if c == "a":
        return _type_end(sig, i + 1)
    if c in "({":
        close = ")" if c == "(" else "}"
        i += 1
        while sig[i] != close:
            i = _type_end(sig, i)
        return i + 1
    return i + 1


class Writer:
    def __init__(self):
        self.buf = bytearray()

    def pad(self, n):
        while len(self.buf) % n:
            self.buf.append(0)

    def put(self, t, v):
        c = t[0]
        self.pad(ALIGN[c])
        if c in FIXED:
            self.buf += struct.pack("<" + FIXED[c], v)
        elif c == "b":
            self.buf += struct.pack("<I", 1 if v else 0)
        elif c in "so":
            b = v if isinstance(v, (bytes, bytearray)) else v.encode()
            self.buf += struct.pack("<I", len(b)) + b + b"\0"
        elif c == "g":
            b = v if isinstance(v, (bytes, bytearray)) else v.encode()
            self.buf += struct.pack("<B", len(b)) + b + b"\0"
        elif c == "v":
            inner_sig, inner = v
            self.put("g", inner_sig)
            self.put(inner_sig, inner)
        elif c == "a":
            elem = t[1:]
            at = len(self.buf)
            self.buf += b"\0\0\0\0"
            self.pad(ALIGN[elem[0]])
            start = len(self.buf)
            items = v.items() if isinstance(v, dict) else v
            for item in items:
                self.put(elem, item)
            struct.pack_into("<I", self.buf, at, len(self.buf) - start)
        elif c in "({":
            for sub, item in zip(split_types(t[1:-1]), v):
                self.put(sub, item)
        else:
            raise ValueError("unknown type " + t)


class Reader:
    def __init__(self, buf, pos=0):
        self.buf, self.pos = buf, pos

    def pad(self, n):
        self.pos += (-self.pos) % n

    def get(self, t):
        c = t[0]
        self.pad(ALIGN[c])
        if c in FIXED:
            fmt = "<" + FIXED[c]
            (v,) = struct.unpack_from(fmt, self.buf, self.pos)
            self.pos += struct.calcsize(fmt)
            return v
        if c == "b":
            (v,) = struct.unpack_from("<I", self.buf, self.pos)
            self.pos += 4
            return bool(v)
        if c in "so":
            (n,) = struct.unpack_from("<I", self.buf, self.pos)
            v = bytes(self.buf[self.pos + 4:self.pos + 4 + n])
            self.pos += 4 + n + 1
            return v.decode(errors="surrogateescape")
        if c == "g":
            n = self.buf[self.pos]
            v = bytes(self.buf[self.pos + 1:self.pos + 1 + n]).decode()
            self.pos += 1 + n + 1
            return v
        if c == "v":
            sig = self.get("g")
            return self.get(sig)
        if c == "a":
            (n,) = struct.unpack_from("<I", self.buf, self.pos)
            self.pos += 4
            elem = t[1:]
            self.pad(ALIGN[elem[0]])
            end = self.pos + n
            items = []
            while self.pos < end:
                items.append(self.get(elem))
            return dict(items) if elem[0] == "{" else items
        if c in "({":
            return tuple(self.get(sub) for sub in split_types(t[1:-1]))
        raise ValueError("unknown type " + t)


class Message:
    def __init__(self, mtype, flags, serial, fields, body, fds):
        self.type, self.flags, self.serial, self.fields, self.fds = mtype, flags, serial, fields, fds
        self.signature = fields.get(F_SIGNATURE, "")
        self.body_bytes = body
        self.args = []
        if self.signature:
            r = Reader(body)
            self.args = [r.get(t) for t in split_types(self.signature)]

    @property
    def error_name(self):
        return self.fields.get(F_ERROR_NAME) if self.type == ERROR else None

    @property
    def error_message(self):
        return self.args[0] if self.type == ERROR and self.args and isinstance(self.args[0], str) else ""

    def __repr__(self):
        if self.type == ERROR:
            return "<error %s: %s>" % (self.error_name, self.error_message[:300])
        return "<%s %r>" % ({METHOD_RETURN: "return", SIGNAL: "signal"}.get(self.type, self.type),
                            [repr(a)[:200] for a in self.args])


class Connection:
    """One connection to the bus at ADDRESS ("unix:path=...")."""

    def __init__(self, address, hello=True):
        path = dict(kv.split("=", 1) for kv in address.split(":", 1)[1].split(","))["path"]
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(60)
        self.sock.connect(path)
        self.serial = 0
        self.inbuf = bytearray()
        self.infds = []
        self.unique_name = None
        self.sock.sendall(b"\0AUTH EXTERNAL " + str(os.getuid()).encode().hex().encode() + b"\r\n")
        self._auth_line(b"OK ")
        self.sock.sendall(b"NEGOTIATE_UNIX_FD\r\n")
        self._auth_line(b"AGREE_UNIX_FD")
        self.sock.sendall(b"BEGIN\r\n")
        if hello:
            reply = self.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello")
            self.unique_name = reply.args[0]

    def _auth_line(self, want):
        while b"\r\n" not in self.inbuf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Disconnected("bus closed during authentication")
            self.inbuf += chunk
        line, _, rest = bytes(self.inbuf).partition(b"\r\n")
        self.inbuf = bytearray(rest)
        if not line.startswith(want):
            raise Disconnected("authentication: " + line.decode(errors="replace"))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def fileno(self):
        return self.sock.fileno()

    def send(self, dest, path, iface, member, sig="", args=(), fds=(), flags=0, body=None, fields=None):
        """Sends a method call; returns its serial. BODY (bytes) replaces the
        marshalled ARGS as is; FIELDS adds or overrides header fields."""
        self.serial += 1
        if body is None:
            w = Writer()
            for t, a in zip(split_types(sig), args):
                w.put(t, a)
            body = bytes(w.buf)
        f = {F_PATH: path, F_MEMBER: member}
        if dest is not None:
            f[F_DESTINATION] = dest
        if iface is not None:
            f[F_INTERFACE] = iface
        if sig:
            f[F_SIGNATURE] = sig
        if fds:
            f[F_UNIX_FDS] = len(fds)
        f.update(fields or {})
        hw = Writer()
        hw.put("y", ord("l"))
        hw.put("y", METHOD_CALL)
        hw.put("y", flags)
        hw.put("y", 1)
        hw.put("u", len(body))
        hw.put("u", self.serial)
        hw.put("a(yv)", [(k, (FIELD_TYPES[k], v)) for k, v in sorted(f.items())])
        hw.pad(8)
        data = bytes(hw.buf) + body
        if fds:
            anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes())]
            sent = self.sock.sendmsg([data], anc)
            if sent < len(data):
                self.sock.sendall(data[sent:])
        else:
            self.sock.sendall(data)
        return self.serial

    def _fill(self):
        msg, anc, _, _ = self.sock.recvmsg(1 << 20, socket.CMSG_SPACE(253 * 4))
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds = array.array("i")
                fds.frombytes(payload[:len(payload) - len(payload) % fds.itemsize])
                self.infds.extend(fds)
        if not msg:
            raise Disconnected("the bus closed the connection")
        self.inbuf += msg

    def read_message(self):
        while True:
            if len(self.inbuf) >= 16:
                (body_len,) = struct.unpack_from("<I", self.inbuf, 4)
                (fields_len,) = struct.unpack_from("<I", self.inbuf, 12)
                hdr_end = 16 + fields_len
                hdr_end += (-hdr_end) % 8
                total = hdr_end + body_len
                if len(self.inbuf) >= total:
                    raw = bytes(self.inbuf[:total])
                    del self.inbuf[:total]
                    r = Reader(raw, 0)
                    _, mtype, flags, _, _, serial = (r.get("y"), r.get("y"), r.get("y"), r.get("y"), r.get("u"),
                                                     r.get("u"))
                    fields = dict(r.get("a(yv)"))
                    nfds = fields.get(F_UNIX_FDS, 0)
                    fds, self.infds = self.infds[:nfds], self.infds[nfds:]
                    return Message(mtype, flags, serial, fields, raw[hdr_end:], fds)
            self._fill()

    def reply_to(self, serial):
        """Waits for the reply to SERIAL (other messages are dropped)."""
        while True:
            m = self.read_message()
            for fd in m.fds:
                os.close(fd)
            if m.type in (METHOD_RETURN, ERROR) and m.fields.get(F_REPLY_SERIAL) == serial:
                return m

    def call(self, dest, path, iface, member, sig="", args=(), **kw):
        return self.reply_to(self.send(dest, path, iface, member, sig, args, **kw))
