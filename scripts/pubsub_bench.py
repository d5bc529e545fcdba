#!/usr/bin/env python3
"""Pub/Sub fan-out throughput, ferrocache against redis-server side by side.

    cargo build --release
    python3 scripts/pubsub_bench.py [--subscribers 50] [--messages 20000] [--pattern]

One publisher pipelines PUBLISH commands (batches of 100); N subscribers
(SUBSCRIBE, or PSUBSCRIBE with --pattern) read everything. Reports messages
delivered per second (messages x subscribers / elapsed) for each server and
the median ratio over paired rounds; >= 1.0 means ferrocache delivers at
least as fast as Redis. Subscribers count bytes (every frame has the same
length), so the Python client stays out of the way.
"""
import argparse
import os
import selectors
import socket
import statistics
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd, port):
    proc = subprocess.Popen([c.replace("{port}", str(port)) for c in cmd],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"server on port {port} did not start")


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def run(port, subscribers, messages, pattern):
    channel, payload = b"bench:chan", b"x" * 32
    subs = []
    for _ in range(subscribers):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(resp(b"PSUBSCRIBE", b"bench:*") if pattern else resp(b"SUBSCRIBE", channel))
        confirm = b"".join([s.recv(4096)])
        assert confirm.startswith(b"*3"), confirm
        s.setblocking(False)
        subs.append(s)
    if pattern:
        frame = resp(b"pmessage", b"bench:*", channel, payload)
    else:
        frame = resp(b"message", channel, payload)
    expected = len(frame) * messages
    sel = selectors.DefaultSelector()
    got = {}
    for s in subs:
        sel.register(s, selectors.EVENT_READ)
        got[s] = 0
    pub = socket.create_connection(("127.0.0.1", port))
    batch = resp(b"PUBLISH", channel, payload) * 100
    reply_len = len(b":%d\r\n" % subscribers) * 100
    start = time.perf_counter()
    sent = 0
    done = 0
    while done < len(subs):
        if sent < messages:
            pub.sendall(batch)
            need = reply_len
            while need > 0:
                need -= len(pub.recv(need))
            sent += 100
        for key, _ in sel.select(timeout=0 if sent < messages else 1):
            data = key.fileobj.recv(1 << 20)
            got[key.fileobj] += len(data)
            if got[key.fileobj] >= expected:
                sel.unregister(key.fileobj)
                done += 1
    elapsed = time.perf_counter() - start
    for s in subs:
        s.close()
    pub.close()
    return messages * subscribers / elapsed


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", default="target/release/ferrocache")
    p.add_argument("--subscribers", type=int, default=50)
    p.add_argument("--messages", type=int, default=20000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--pattern", action="store_true")
    a = p.parse_args()
    a.messages -= a.messages % 100
    rport, cport = free_port(), free_port()
    base = ["--port", "{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    procs = [start(["redis-server"] + base, rport), start([os.path.abspath(a.bin)] + base, cport)]
    try:
        ratios, r_rates, c_rates = [], [], []
        for _ in range(a.rounds):
            r = run(rport, a.subscribers, a.messages, a.pattern)
            c = run(cport, a.subscribers, a.messages, a.pattern)
            r_rates.append(r)
            c_rates.append(c)
            ratios.append(c / r)
        kind = "PSUBSCRIBE bench:*" if a.pattern else "SUBSCRIBE"
        print(f"{kind}, {a.subscribers} subscribers, {a.messages} messages of 32 bytes")
        print(f"delivered/s: redis {statistics.median(r_rates):,.0f}  ferrocache {statistics.median(c_rates):,.0f}")
        print(f"median ratio {statistics.median(ratios):.3f} (ferrocache / redis)")
    finally:
        for pr in procs:
            pr.kill()
            pr.wait()


if __name__ == "__main__":
    main()
