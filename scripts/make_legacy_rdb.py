#!/usr/bin/env python3
"""Writes tests/fixtures/rdb/legacy-encodings.rdb: an RDB version 9 file in
the encodings Redis 7.0 still loads but no longer writes, and beside it
legacy-encodings.json, what redis-server 7.0 reports after loading it.

    python3 scripts/make_legacy_rdb.py

The file holds a ZIPMAP hash, ZIPLIST list / sorted set / hash, a QUICKLIST
(v1) list of two ziplist nodes (one LZF-compressed), intsets of each width,
the old one-element-at-a-time LIST / SET / ZSET (text scores, inf markers) /
HASH types, raw, integer and LZF strings, both expire opcodes (seconds and
milliseconds), and two databases, with a correct CRC-64.

The script checks the file with redis-check-rdb, loads it into a scratch
redis-server, and compares what the server reports with what it meant to
write, before saving the JSON.
"""
import json
import os
import struct
import subprocess

from redis_scratch import ScratchRedis, snapshot

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "rdb")
FAR_FUTURE_S = 2000000000  # 2033-05-18: EXPIRETIME holds a signed 32-bit count

# Opcodes and types (Redis's rdb.h numbering).
AUX, RESIZEDB, EXPIRETIME_MS, EXPIRETIME, SELECTDB, EOF = 250, 251, 252, 253, 254, 255
LIST, SET, ZSET, HASH = 1, 2, 3, 4
HASH_ZIPMAP, LIST_ZIPLIST, SET_INTSET, ZSET_ZIPLIST, HASH_ZIPLIST, LIST_QUICKLIST = 9, 10, 11, 12, 13, 14


def crc64(data, crc=0):
    """Redis's CRC-64 (Jones polynomial, reflected), bit by bit."""
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x95AC9329AC4BC9B5 if crc & 1 else 0)
    return crc


assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA


def lzf_compress(data):
    """Greedy LZF: literal runs of up to 32 bytes, back references of 3..264
    bytes up to 8192 bytes back."""
    out, lit, table, i, n = bytearray(), bytearray(), {}, 0, len(data)

    def flush():
        for j in range(0, len(lit), 32):
            chunk = lit[j:j + 32]
            out.append(len(chunk) - 1)
            out.extend(chunk)
        lit.clear()

    while i < n:
        if i + 2 < n:
            key = bytes(data[i:i + 3])
            ref = table.get(key)
            table[key] = i
            if ref is not None and i - ref - 1 < 8192:
                length = 3
                while length < 264 and i + length < n and data[ref + length] == data[i + length]:
                    length += 1
                flush()
                off, code = i - ref - 1, length - 2
                if code < 7:
                    out.append((code << 5) | (off >> 8))
                else:
                    out += bytes([(7 << 5) | (off >> 8), code - 7])
                out.append(off & 0xFF)
                i += length
                continue
        lit.append(data[i])
        i += 1
    flush()
    return bytes(out)


def length(n):
    if n < 1 << 6:
        return bytes([n])
    if n < 1 << 14:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    return b"\x80" + struct.pack(">I", n)


def string(s):
    """A raw RDB string."""
    s = s if isinstance(s, bytes) else str(s).encode()
    return length(len(s)) + s


def int_string(v):
    """An integer in the INT8/16/32 string encodings."""
    if -128 <= v <= 127:
        return b"\xc0" + struct.pack("<b", v)
    if -32768 <= v <= 32767:
        return b"\xc1" + struct.pack("<h", v)
    return b"\xc2" + struct.pack("<i", v)


def lzf_string(s):
    packed = lzf_compress(s)
    assert len(packed) < len(s)
    return b"\xc3" + length(len(packed)) + length(len(s)) + packed


def text_double(v):
    """The old ZSET score form: 254 inf, 255 -inf, else a length and text."""
    if v == float("inf"):
        return b"\xfe"
    if v == float("-inf"):
        return b"\xff"
    t = repr(v).encode()
    return bytes([len(t)]) + t


def ziplist(elements):
    """A ziplist in the smallest encodings Redis picks."""
    entries, prev, tail = bytearray(), 0, 10
    for e in elements:
        start = len(entries)
        tail = 10 + start
        entries += bytes([prev]) if prev < 254 else b"\xfe" + struct.pack("<I", prev)
        if isinstance(e, int):
            if 0 <= e <= 12:
                entries.append(0xF1 + e)
            elif -128 <= e <= 127:
                entries += b"\xfe" + struct.pack("<b", e)
            elif -32768 <= e <= 32767:
                entries += b"\xc0" + struct.pack("<h", e)
            elif -(1 << 23) <= e < 1 << 23:
                entries += b"\xf0" + struct.pack("<i", e)[:3]
            elif -(1 << 31) <= e < 1 << 31:
                entries += b"\xd0" + struct.pack("<i", e)
            else:
                entries += b"\xe0" + struct.pack("<q", e)
        else:
            s = e.encode()
            if len(s) < 64:
                entries += bytes([len(s)])
            elif len(s) < 16384:
                entries += bytes([0x40 | (len(s) >> 8), len(s) & 0xFF])
            else:
                entries += b"\x80" + struct.pack(">I", len(s))
            entries += s
        prev = len(entries) - start
    total = 10 + len(entries) + 1
    return struct.pack("<IIH", total, tail, len(elements)) + bytes(entries) + b"\xff"


def zipmap(pairs):
    """A zipmap with one spare ("free") byte after each value."""
    def zlen(n):
        return bytes([n]) if n < 254 else b"\xfe" + struct.pack("<I", n)
    out = bytearray([len(pairs)])
    for k, v in pairs:
        k, v = k.encode(), v.encode()
        out += zlen(len(k)) + k + zlen(len(v)) + b"\x01" + v + b"\x00"
    return bytes(out + b"\xff")


def intset(members, width):
    code = {2: "<h", 4: "<i", 8: "<q"}[width]
    body = b"".join(struct.pack(code, m) for m in sorted(members))
    return struct.pack("<II", width, len(members)) + body


def key(kind, name, value, expire_s=None, expire_ms=None):
    out = b""
    if expire_s is not None:
        out += bytes([EXPIRETIME]) + struct.pack("<I", expire_s)
    if expire_ms is not None:
        out += bytes([EXPIRETIME_MS]) + struct.pack("<q", expire_ms)
    return out + bytes([kind]) + string(name) + value


def build():
    """The file's bytes, and what each key must read back as: (db, key) →
    (type, expire_at ms or None, value in redis_scratch.snapshot's form)."""
    big = "x" * 300
    expect = {}
    body = bytes([AUX]) + string("redis-ver") + string("5.0.7")
    body += bytes([AUX]) + string("redis-bits") + int_string(64)
    body += bytes([SELECTDB, 0, RESIZEDB]) + length(19) + length(2)

    body += key(0, "raw-string", string("plain text"))
    expect[0, "raw-string"] = ("string", None, "plain text")
    body += key(0, "int-string", int_string(-12345))
    expect[0, "int-string"] = ("string", None, "-12345")
    long_text = b"legacy compressed " * 40
    body += key(0, "lzf-string", lzf_string(long_text), expire_s=FAR_FUTURE_S)
    expect[0, "lzf-string"] = ("string", FAR_FUTURE_S * 1000, long_text.decode())

    pairs = [("k1", "v1"), ("k2", "22"), ("name", "zipmap")]
    body += key(HASH_ZIPMAP, "zipmap-hash", string(zipmap(pairs)))
    expect[0, "zipmap-hash"] = ("hash", None, dict(sorted(pairs)))

    long_pairs = [("f", "v" * 100)]
    body += key(HASH_ZIPMAP, "zipmap-long-value", string(zipmap(long_pairs)))
    expect[0, "zipmap-long-value"] = ("hash", None, dict(long_pairs))

    items = ["a", 1, -300, 70000, 5000000000, big, 12, 13, -9000000]
    body += key(LIST_ZIPLIST, "ziplist-list", string(ziplist(items)))
    expect[0, "ziplist-list"] = ("list", None, [str(i) for i in items])

    zs = ["minus-inf", "-inf", "half", "0.5", "two", 2, "big", "1e+20"]
    body += key(ZSET_ZIPLIST, "ziplist-zset", string(ziplist(zs)))
    expect[0, "ziplist-zset"] = ("zset", None, [["minus-inf", "-inf"], ["half", "0.5"],
                                                ["two", "2"], ["big", "1e+20"]])

    body += key(ZSET_ZIPLIST, "ziplist-zset-long-member", string(ziplist(["m" * 70, 1])))
    expect[0, "ziplist-zset-long-member"] = ("zset", None, [["m" * 70, "1"]])

    hz = ["field", "value", "num", 7, "long", big]
    body += key(HASH_ZIPLIST, "ziplist-hash", string(ziplist(hz)), expire_ms=FAR_FUTURE_S * 1000 + 5)
    expect[0, "ziplist-hash"] = ("hash", FAR_FUTURE_S * 1000 + 5,
                                 {"field": "value", "long": big, "num": "7"})

    node1 = ziplist(["n1-" + "abc" * 20, 1, 2, "n1-" + "abc" * 20])
    node2 = ziplist(["second node", 100])
    body += key(LIST_QUICKLIST, "quicklist-v1", length(2) + lzf_string(node1) + string(node2))
    expect[0, "quicklist-v1"] = ("list", None, ["n1-" + "abc" * 20, "1", "2",
                                                "n1-" + "abc" * 20, "second node", "100"])

    for width, members in [(2, [5, -7, 300]), (4, [1, 100000, -100000]),
                           (8, [1, 1 << 40, -(1 << 62)])]:
        name = f"intset-{width * 8}"
        body += key(SET_INTSET, name, string(intset(members, width)))
        expect[0, name] = ("set", None, sorted(str(m) for m in members))

    body += key(LIST, "old-list", length(3) + string("x") + int_string(42) + string(big))
    expect[0, "old-list"] = ("list", None, ["x", "42", big])
    body += key(SET, "old-set", length(3) + string("m1") + string("m2") + int_string(9))
    expect[0, "old-set"] = ("set", None, ["9", "m1", "m2"])
    body += key(ZSET, "old-zset", length(4) + string("a") + text_double(1.5)
                + string("b") + text_double(float("inf")) + string("c")
                + text_double(float("-inf")) + string("d") + text_double(-0.25))
    expect[0, "old-zset"] = ("zset", None, [["c", "-inf"], ["d", "-0.25"], ["a", "1.5"],
                                            ["b", "inf"]])
    body += key(HASH, "old-hash", length(2) + string("f1") + string("v1")
                + string("f2") + int_string(1000))
    expect[0, "old-hash"] = ("hash", None, {"f1": "v1", "f2": "1000"})

    body += bytes([SELECTDB, 2, RESIZEDB, 1, 0])
    body += key(0, "db2-key", string("in db 2"))
    expect[2, "db2-key"] = ("string", None, "in db 2")

    data = b"REDIS0009" + body + bytes([EOF])
    return data + struct.pack("<Q", crc64(data)), expect


def main():
    os.makedirs(OUT, exist_ok=True)
    data, expect = build()
    path = os.path.join(OUT, "legacy-encodings.rdb")
    with open(path, "wb") as f:
        f.write(data)
    check = subprocess.run(["redis-check-rdb", path], capture_output=True, text=True)
    print(check.stdout.strip().splitlines()[-1])
    if check.returncode != 0:
        raise SystemExit(check.stdout + check.stderr)
    with ScratchRedis(load=path) as server:
        seen = snapshot(server)
    got = {(k["db"], k["key"]): (k["type"], k["expire_at"], k["value"]) for k in seen}
    if got != expect:
        for k in sorted(set(got) | set(expect)):
            if got.get(k) != expect.get(k):
                print("differs:", k, "\n  redis:", got.get(k), "\n  meant:", expect.get(k))
        raise SystemExit("redis-server read back something else")
    with open(os.path.join(OUT, "legacy-encodings.json"), "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(e) for e in seen) + "\n]\n")
    print(f"wrote {path} ({len(data)} bytes), {len(seen)} keys; redis-server agrees")


if __name__ == "__main__":
    main()
