#!/usr/bin/env python3
"""Writes tests/fixtures/rdb/redis7-all-types.rdb with the real redis-server
(7.0), and beside it redis7-all-types.json: what redis-server reports for
every key (see redis_scratch.snapshot), which the RDB reader's unit test
compares its result with.

    python3 scripts/make_redis7_rdb.py

Keys cover every type in every encoding Redis 7.0 saves: strings (INT8/16/32
forms, raw, LZF-compressed, empty, non-ASCII), lists (one node, several
nodes, integers of every listpack width, a long element), hashes (listpack,
hashtable by count and by value length), sets (intsets of 16/32/64-bit
members, hashtables), sorted sets (listpack with inf/-inf/fractional
scores, skiplist by count and by member length), keys with expire times,
and databases 0, 1 and 5.
"""
import json
import os
import shutil
import subprocess

from redis_scratch import ScratchRedis, snapshot

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "rdb")
FAR_FUTURE_MS = 4102444800000  # 2100-01-01


def populate(server):
    r = server.client(0)
    r.set("str", "hello world")
    r.set("empty", "")
    r.set("int8", "100")
    r.set("int16", "-1000")
    r.set("int32", "100000")
    r.set("int64", "12345678901234")
    r.set("not-an-int", "007")
    r.set("utf8", "h\u00e9llo \u2603")
    r.set("twenty", "a" * 20)
    r.set("twenty-one", "a" * 21)
    r.set("compressible", "abcd" * 250)
    r.set("volatile", "v", pxat=FAR_FUTURE_MS)

    r.rpush("list-small", "a", "b", "c", "1", "2", "3")
    r.rpush("list-big", *[str(i) if i % 3 == 0 else f"element-{i}" for i in range(1000)])
    r.rpush("list-ints", *map(str, [0, 127, 128, -1, -4096, 4095, 4096, 32767, -32768,
                                    8388607, -8388608, 2147483647, -2147483648,
                                    9223372036854775807, -9223372036854775808]))
    r.rpush("list-long-elem", "x" * 5000, "y" * 100, "z")
    r.rpush("list-volatile", "p", "q")
    r.pexpireat("list-volatile", FAR_FUTURE_MS + 1)

    r.hset("hash-small", mapping={"f1": "v1", "n": "42", "neg": "-100000"})
    r.hset("hash-big", mapping={f"field{i}": str(i) for i in range(600)})
    r.hset("hash-long-value", "f", "x" * 100)

    r.sadd("set-int16", 1, -3, 500)
    r.sadd("set-int32", 1, 100000)
    r.sadd("set-int64", 1, -9223372036854775808)
    r.sadd("set-strings", "a", "b", "1")
    r.sadd("set-many-ints", *[i * 7 for i in range(600)])

    r.zadd("zset-small", {"one": 1, "half": 0.5, "inf": float("inf"),
                          "minf": float("-inf"), "tenth": 0.1, "big": 1e20, "neg": -2.25})
    r.zadd("zset-big", {f"m{i}": i * 1.25 - 100 for i in range(200)})
    r.zadd("zset-long-member", {"m" * 65: 1})
    r.pexpireat("zset-big", FAR_FUTURE_MS)

    server.client(1).set("db1-key", "in db 1")
    r5 = server.client(5)
    r5.rpush("db5-list", "x", "y")
    r5.pexpireat("db5-list", FAR_FUTURE_MS)
    r5.sadd("db5-set", "10", "20")


def main():
    os.makedirs(OUT, exist_ok=True)
    with ScratchRedis() as server:
        populate(server)
        r = server.client()
        encodings = {k: r.object("encoding", k) for k in
                     ["int8", "list-big", "hash-small", "hash-big", "set-int64",
                      "set-many-ints", "zset-small", "zset-big"]}
        print("encodings:", encodings)
        r.save()
        rdb = os.path.join(OUT, "redis7-all-types.rdb")
        shutil.copy(server.dump_file(), rdb)
        expected = snapshot(server)
    # The saved file must load back into redis-server with the same contents.
    with ScratchRedis(load=rdb) as again:
        if snapshot(again) != expected:
            raise SystemExit("reloaded contents differ")
    subprocess.run(["redis-check-rdb", rdb], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(OUT, "redis7-all-types.json"), "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(e) for e in expected) + "\n]\n")
    print(f"wrote {rdb} ({os.path.getsize(rdb)} bytes), {len(expected)} keys")


if __name__ == "__main__":
    main()
