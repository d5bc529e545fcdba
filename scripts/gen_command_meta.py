#!/usr/bin/env python3
"""Generates ferrocache's copy of Redis 7.0's command metadata from a real
redis-server 7.0 (the interface facts behind COMMAND INFO / DOCS / GETKEYS).

Regenerate (from the repository root, redis-server 7.0.x on PATH):

    python3 scripts/gen_command_meta.py

It starts a scratch redis-server (scripts/redis_scratch.py), asks it in RESP3
for `COMMAND` (every command's INFO) and `COMMAND DOCS`, and writes:

  src/commands/meta/info.resp      every command's COMMAND INFO entry, RESP3
  src/commands/meta/docs.resp      every command's COMMAND DOCS entry, RESP3
  src/commands/key_specs_table.rs  the key specs as a Rust table (dispatch
                                   extracts keys with them, so no parsing at
                                   start-up)

Commands and subcommands are sorted by name (Redis prints them in hash order,
which changes from run to run), so a regeneration only shows real changes.
ferrocache's own command table stays the authority for which commands exist;
tests check that it agrees with this data.
"""
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from redis_scratch import ScratchRedis  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Reader:
    """A RESP3 reply reader over a socket: values are (kind, payload)."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise SystemExit("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n):
        while len(self.buf) < n + 2:
            self.buf += self.sock.recv(1 << 16)
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def value(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-"):
            return (kind, rest)
        if kind == b":":
            return (kind, int(rest))
        if kind == b"$":
            return (kind, self.exact(int(rest)))
        if kind in (b"*", b"~"):
            return (kind, [self.value() for _ in range(int(rest))])
        if kind == b"%":
            return (kind, [(self.value(), self.value()) for _ in range(int(rest))])
        if kind == b"_":
            return (kind, None)
        raise SystemExit("unexpected RESP3 type %r" % line)


def encode(v):
    """RESP3 bytes of a value, as Redis writes them."""
    kind, p = v
    if kind in (b"+", b"-"):
        return kind + p + b"\r\n"
    if kind == b":":
        return b":%d\r\n" % p
    if kind == b"$":
        return b"$%d\r\n%s\r\n" % (len(p), p)
    if kind in (b"*", b"~"):
        return kind + b"%d\r\n" % len(p) + b"".join(encode(x) for x in p)
    if kind == b"%":
        return b"%%%d\r\n" % len(p) + b"".join(encode(k) + encode(x) for k, x in p)
    if kind == b"_":
        return b"_\r\n"
    raise ValueError(kind)


def query(sock, reader, *args):
    frame = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode()
        frame += b"$%d\r\n%s\r\n" % (len(a), a)
    sock.sendall(frame)
    return reader.value()


def sort_info(entry):
    """One COMMAND INFO entry with its subcommands sorted by name."""
    kind, fields = entry
    fields = list(fields)
    fields[9] = (fields[9][0], sorted((sort_info(s) for s in fields[9][1]),
                                      key=lambda s: s[1][0][1]))
    return (kind, fields)


def sort_docs(doc):
    """One COMMAND DOCS entry with its subcommands sorted by name."""
    kind, pairs = doc
    out = []
    for k, v in pairs:
        if k[1] == b"subcommands":
            v = (v[0], sorted(((n, sort_docs(d)) for n, d in v[1]), key=lambda p: p[0][1]))
        out.append((k, v))
    return (kind, out)


def as_map(v):
    return {k[1].decode(): x for k, x in v[1]}


KEY_FLAGS = {
    "RO": "RO", "RW": "RW", "OW": "OW", "RM": "RM", "access": "ACCESS",
    "update": "UPDATE", "insert": "INSERT", "delete": "DELETE",
    "not_key": "NOT_KEY", "incomplete": "INCOMPLETE",
    "variable_flags": "VARIABLE_FLAGS",
}


def rust_spec(spec):
    m = as_map(spec)
    flags = " | ".join(KEY_FLAGS[f[1].decode()] for f in m["flags"][1]) or "0"
    bs = as_map(m["begin_search"])
    bs_type = bs["type"][1].decode()
    bs_spec = as_map(bs["spec"])
    if bs_type == "index":
        begin = "B::Index(%d)" % bs_spec["index"][1]
    elif bs_type == "keyword":
        begin = 'B::Keyword { keyword: "%s", startfrom: %d }' % (
            bs_spec["keyword"][1].decode(), bs_spec["startfrom"][1])
    else:
        begin = "B::Unknown"
    fk = as_map(m["find_keys"])
    fk_type = fk["type"][1].decode()
    fk_spec = as_map(fk["spec"])
    if fk_type == "range":
        find = "F::Range { lastkey: %d, keystep: %d, limit: %d }" % (
            fk_spec["lastkey"][1], fk_spec["keystep"][1], fk_spec["limit"][1])
    elif fk_type == "keynum":
        find = "F::Keynum { keynumidx: %d, firstkey: %d, keystep: %d }" % (
            fk_spec["keynumidx"][1], fk_spec["firstkey"][1], fk_spec["keystep"][1])
    else:
        find = "F::Unknown"
    return "KeySpec { flags: %s, begin: %s, find: %s }" % (flags, begin, find)


def rust_entries(entry, out):
    fields = entry[1]
    name = fields[0][1].decode()
    specs = [rust_spec(s) for s in fields[8][1]]
    if specs:
        body = "&[\n" + "".join("            %s,\n" % s for s in specs) + "        ]"
    else:
        body = "&[]"
    out.append('        "%s" => %s,\n' % (name, body))
    for sub in fields[9][1]:
        rust_entries(sub, out)


def main():
    with ScratchRedis() as server:
        sock = socket.create_connection(("127.0.0.1", server.port))
        reader = Reader(sock)
        hello = as_map(query(sock, reader, "HELLO", "3"))
        version = hello["version"][1].decode()
        if not version.startswith("7.0."):
            raise SystemExit("need redis-server 7.0, found " + version)
        infos = query(sock, reader, "COMMAND")[1]
        docs = query(sock, reader, "COMMAND", "DOCS")[1]
        sock.close()

    infos = sorted((sort_info(e) for e in infos), key=lambda e: e[1][0][1])
    docs = sorted(((n, sort_docs(d)) for n, d in docs), key=lambda p: p[0][1])
    meta = os.path.join(ROOT, "src", "commands", "meta")
    os.makedirs(meta, exist_ok=True)
    header = "# Redis %s: regenerate with scripts/gen_command_meta.py\r\n" % version
    with open(os.path.join(meta, "info.resp"), "wb") as f:
        f.write(header.encode())
        f.write(encode((b"*", infos)))
    with open(os.path.join(meta, "docs.resp"), "wb") as f:
        f.write(header.encode())
        f.write(encode((b"%", docs)))

    arms = []
    for e in infos:
        rust_entries(e, arms)
    with open(os.path.join(ROOT, "src", "commands", "key_specs_table.rs"), "w") as f:
        f.write(
            "//! @generated by scripts/gen_command_meta.py from redis-server %s: do not edit.\n"
            "//! Every Redis 7.0 command's key specs (COMMAND INFO's 9th field), by full name.\n\n"
            "use super::key_specs::flags::*;\n"
            "use super::key_specs::{BeginSearch as B, FindKeys as F, KeySpec};\n\n"
            "/// The key specs of Redis 7.0 command `full_name` (`get`, `client|kill`);\n"
            "/// None for a name Redis 7.0 does not have.\n"
            "#[rustfmt::skip]\n"
            "pub fn lookup(full_name: &str) -> Option<&'static [KeySpec]> {\n"
            "    Some(match full_name {\n" % version)
        f.write("".join(arms))
        f.write("        _ => return None,\n    })\n}\n")
    print("wrote %d commands from redis-server %s" % (len(infos), version))


if __name__ == "__main__":
    main()
