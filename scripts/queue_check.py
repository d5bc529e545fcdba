#!/usr/bin/env python3
"""A job-queue workload with redis-py: producers LPUSH, consumers BRPOP or
BLMOVE (into a per-consumer processing list, then LREM as an ack).
Checks that every message is delivered exactly once.

    python3 scripts/queue_check.py --port 6379 [--messages 100000]
"""
import argparse
import sys
import threading

import redis


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=6379)
    p.add_argument("--messages", type=int, default=100_000)
    p.add_argument("--producers", type=int, default=4)
    p.add_argument("--consumers", type=int, default=4)
    a = p.parse_args()

    def conn():
        return redis.Redis(host=a.host, port=a.port, socket_timeout=30)

    queue = "queuecheck:jobs"
    conn().delete(queue, *[f"queuecheck:processing:{i}" for i in range(a.consumers)])
    received = [[] for _ in range(a.consumers)]
    stop = object()

    def produce(pid):
        r = conn()
        pipe = r.pipeline(transaction=False)
        for i in range(pid, a.messages, a.producers):
            pipe.lpush(queue, f"m{i}")
            if len(pipe) >= 100:
                pipe.execute()
        pipe.execute()

    def consume(cid):
        r = conn()
        processing = f"queuecheck:processing:{cid}"
        use_blmove = cid % 2 == 0
        while True:
            if use_blmove:
                msg = r.blmove(queue, processing, 5, "RIGHT", "LEFT")
            else:
                got = r.brpop(queue, 5)
                msg = got[1] if got else None
            if msg is None:
                return  # queue drained: no message for 5 s
            if use_blmove:
                r.lrem(processing, 1, msg)  # the ack
            if msg == b"STOP":
                return
            received[cid].append(msg)

    consumers = [threading.Thread(target=consume, args=(i,)) for i in range(a.consumers)]
    producers = [threading.Thread(target=produce, args=(i,)) for i in range(a.producers)]
    for t in consumers + producers:
        t.start()
    for t in producers:
        t.join()
    r = conn()
    for _ in range(a.consumers):
        r.lpush(queue, "STOP")
    for t in consumers:
        t.join(timeout=120)
        if t.is_alive():
            print("FAIL: a consumer did not finish")
            sys.exit(1)
    all_msgs = [m for lst in received for m in lst]
    unique = set(all_msgs)
    expected = {f"m{i}".encode() for i in range(a.messages)}
    lost = len(expected - unique)
    duplicated = len(all_msgs) - len(unique)
    leftover = sum(r.llen(f"queuecheck:processing:{i}") for i in range(a.consumers))
    print(f"messages={a.messages} received={len(all_msgs)} lost={lost} duplicated={duplicated} unacked={leftover}")
    if lost or duplicated or leftover or unique != expected:
        print("FAIL")
        sys.exit(1)
    print("queue check passed")


if __name__ == "__main__":
    main()
