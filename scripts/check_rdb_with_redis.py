#!/usr/bin/env python3
"""Loads an RDB file into a scratch redis-server 7.0 with deep payload
sanitization (sanitize-dump-payload yes: every listpack, ziplist and intset
is validated), and prints what it holds; with --expect, compares that with a
recorded snapshot (the .json beside a fixture) and fails on a difference.

    python3 scripts/check_rdb_with_redis.py FILE.rdb [--expect FILE.json]

Used to check by hand that redis-server reads ferrocache's files: write one
(cargo test --test rdb_codec leaves some in target/tmp/rdb_codec/), then run
this on it.
"""
import argparse
import json
import sys

from redis_scratch import ScratchRedis, snapshot


def main():
    p = argparse.ArgumentParser()
    p.add_argument("rdb")
    p.add_argument("--expect")
    args = p.parse_args()
    with ScratchRedis(load=args.rdb, extra=["--sanitize-dump-payload", "yes"]) as server:
        seen = snapshot(server)
        info = server.client().info("keyspace")
    print(f"redis-server loaded {len(seen)} keys: {info}")
    for k in seen:
        v = k["value"]
        size = len(v) if isinstance(v, (list, dict)) else f"{len(v)} bytes"
        print(f"  db{k['db']} {k['key']}: {k['type']} {k['encoding']} {size}"
              f"{' expire_at ' + str(k['expire_at']) if k['expire_at'] else ''}")
    if args.expect:
        with open(args.expect) as f:
            expected = json.load(f)
        if seen != expected:
            want = {(k["db"], k["key"]): k for k in expected}
            got = {(k["db"], k["key"]): k for k in seen}
            for key in sorted(set(want) | set(got)):
                if want.get(key) != got.get(key):
                    print("differs:", key, "\n  redis:", got.get(key), "\n  expected:", want.get(key))
            sys.exit("contents differ")
        print("same contents as", args.expect)


if __name__ == "__main__":
    main()
