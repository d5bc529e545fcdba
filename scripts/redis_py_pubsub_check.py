#!/usr/bin/env python3
"""Pub/Sub, transactions and keyspace notifications through redis-py.

    python3 scripts/redis_py_pubsub_check.py --port 6379

RESP2 and RESP3: 20 subscribers (channels and a pattern) each receive every
message; a WATCH race between two clients fails the loser with WatchError;
EXECABORT and run-time errors inside EXEC; keyspace events for set, expire,
del and evicted. Exits non-zero on the first mismatch.
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


def drain(ps, want, seconds=5):
    got = []
    deadline = time.time() + seconds
    while len(got) < want and time.time() < deadline:
        m = ps.get_message(ignore_subscribe_messages=True, timeout=0.2)
        if m:
            got.append(m)
    return got


def pubsub_fanout(port, proto):
    tag = f"[RESP{proto}]"
    r = redis.Redis(port=port, protocol=proto)
    subs = []
    for i in range(20):
        ps = redis.Redis(port=port, protocol=proto).pubsub()
        if i % 2:
            ps.psubscribe("fan:*")
        else:
            ps.subscribe("fan:out")
        subs.append(ps)
    for ps in subs:
        drain(ps, 0, 0.05)  # let the subscription confirmations arrive
    receivers = r.publish("fan:out", "hello")
    check(receivers == 20, f"{tag} PUBLISH reaches 20 subscribers ({receivers})")
    for _ in range(49):
        r.publish("fan:out", "more")
    counts = [len(drain(ps, 50)) for ps in subs]
    check(all(c == 50 for c in counts), f"{tag} every subscriber got all 50 messages")
    first = drain(subs[1], 0, 0.05)
    check(first == [], f"{tag} nothing extra queued")
    check(r.pubsub_numsub("fan:out") == [(b"fan:out", 10)], f"{tag} PUBSUB NUMSUB")
    check(r.pubsub_numpat() == 1, f"{tag} PUBSUB NUMPAT counts unique patterns")
    for ps in subs:
        ps.close()


def transactions(port):
    a, b = redis.Redis(port=port), redis.Redis(port=port)
    a.set("tx:k", 1)
    with a.pipeline() as p:
        p.watch("tx:k")
        b.set("tx:k", 2)
        p.multi()
        p.set("tx:k", 3)
        try:
            p.execute()
            check(False, "WATCH race: the transaction must fail")
        except redis.WatchError:
            check(True, "WATCH race: the loser gets WatchError")
    check(a.get("tx:k") == b"2", "the other client's write stands")
    with a.pipeline() as p:
        p.set("tx:s", "text")
        p.incr("tx:s")
        p.set("tx:t", "1")
        out = p.execute(raise_on_error=False)
    check(isinstance(out[1], redis.ResponseError) and out[2] is True,
          "run-time error inside EXEC leaves the other commands applied")
    conn = a.connection_pool.get_connection()
    try:
        conn.send_command("MULTI")
        conn.read_response()
        conn.send_command("NOSUCHCOMMAND")
        try:
            conn.read_response()
        except redis.ResponseError:
            pass
        conn.send_command("EXEC")
        try:
            conn.read_response()
            check(False, "EXECABORT expected")
        except redis.exceptions.ExecAbortError:
            check(True, "queue-time error makes EXEC fail with EXECABORT")
    finally:
        a.connection_pool.release(conn)


def notifications(port):
    r = redis.Redis(port=port)
    r.config_set("notify-keyspace-events", "KEA")
    ps = redis.Redis(port=port).pubsub()
    ps.psubscribe("__keyevent@0__:*")
    drain(ps, 0, 0.1)
    r.set("n:k", "v")
    r.expire("n:k", 100)
    r.delete("n:k")
    events = [m["channel"].decode().split(":", 1)[1] for m in drain(ps, 3)]
    check(events == ["set", "expire", "del"], f"keyspace events set, expire, del ({events})")
    r.config_set("notify-keyspace-events", "Ee")  # only evictions from here on
    r.config_set("maxmemory", "2mb")
    r.config_set("maxmemory-policy", "allkeys-random")
    for i in range(20000):
        r.set(f"n:fill:{i}", "x" * 1000)
        if r.info("stats")["evicted_keys"] > 0:
            break
    evicted = [m for m in drain(ps, 1) if m["channel"].endswith(b"evicted")]
    check(bool(evicted), "an evicted event arrives when maxmemory evicts")
    r.config_set("maxmemory", "0")
    r.config_set("notify-keyspace-events", "")
    r.flushall()
    ps.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=6379)
    a = p.parse_args()
    for proto in (2, 3):
        pubsub_fanout(a.port, proto)
    transactions(a.port)
    notifications(a.port)
    print("all redis-py pub/sub and transaction checks passed")


if __name__ == "__main__":
    main()
