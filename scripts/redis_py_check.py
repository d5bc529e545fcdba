#!/usr/bin/env python3
"""Exercise a running ferrocache (or Redis) with redis-py, unchanged.

    pip install redis
    make run                                  # in another terminal
    python3 scripts/redis_py_check.py [--port 6379]

Covers SET/GET/EXPIRE/INCR/SCAN and pipelines over RESP2 and RESP3
(protocol=3). Exits non-zero on the first mismatch.
"""
import argparse
import sys
import time

import redis


def check(cond, what):
    if not cond:
        print(f"FAIL: {what}")
        sys.exit(1)
    print(f"ok   {what}")


def exercise(r, proto):
    tag = f"[RESP{proto}]"
    prefix = f"pycheck:{proto}:"
    r.delete(*[k for k in r.scan_iter(prefix + "*")] or [prefix + "none"])
    check(r.ping() is True, f"{tag} PING")
    check(r.set(prefix + "k", "v") is True, f"{tag} SET")
    check(r.get(prefix + "k") == b"v", f"{tag} GET")
    check(r.get(prefix + "missing") is None, f"{tag} GET missing is None")
    check(r.set(prefix + "k", "w", nx=True) is None, f"{tag} SET NX on existing")
    check(r.set(prefix + "t", "x", ex=100) is True, f"{tag} SET EX")
    ttl = r.ttl(prefix + "t")
    check(0 < ttl <= 100, f"{tag} TTL {ttl}")
    check(r.expire(prefix + "k", 1) is True, f"{tag} EXPIRE")
    check(r.pttl(prefix + "k") > 0, f"{tag} PTTL")
    deadline = time.time() + 5
    while r.exists(prefix + "k") and time.time() < deadline:
        time.sleep(0.05)
    check(not r.exists(prefix + "k"), f"{tag} key expired")
    check(r.incr(prefix + "n") == 1, f"{tag} INCR new")
    check(r.incrby(prefix + "n", 41) == 42, f"{tag} INCRBY")
    check(abs(r.incrbyfloat(prefix + "n", 0.5) - 42.5) < 1e-9, f"{tag} INCRBYFLOAT")
    try:
        r.incr(prefix + "t")
        check(False, f"{tag} INCR on non-integer raises")
    except redis.ResponseError as e:
        check("not an integer" in str(e), f"{tag} INCR error text")
    r.mset({prefix + f"m{i}": i for i in range(100)})
    check(r.mget(prefix + "m0", prefix + "m99") == [b"0", b"99"], f"{tag} MSET/MGET")
    found = set(r.scan_iter(match=prefix + "m*", count=10))
    check(len(found) == 100, f"{tag} SCAN MATCH finds all 100 keys ({len(found)})")
    pipe = r.pipeline(transaction=False)
    for i in range(50):
        pipe.set(prefix + f"p{i}", i)
        pipe.get(prefix + f"p{i}")
    out = pipe.execute()
    check(out[1::2] == [str(i).encode() for i in range(50)], f"{tag} pipeline of 100 commands")
    check(r.dbsize() >= 150, f"{tag} DBSIZE")
    info = r.info("server")
    check("redis_version" in info, f"{tag} INFO server")
    check(r.client_setname("pycheck") is True and r.client_getname() in (b"pycheck", "pycheck"), f"{tag} CLIENT SETNAME/GETNAME")
    r.delete(*list(r.scan_iter(prefix + "*")))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=6379)
    a = p.parse_args()
    for proto in (2, 3):
        r = redis.Redis(host=a.host, port=a.port, protocol=proto, socket_timeout=10)
        exercise(r, proto)
    print("all redis-py checks passed")


if __name__ == "__main__":
    main()
