#!/usr/bin/env python3
"""RSS growth of ferrocache against redis-server for the collection types.

    cargo build --release
    python3 scripts/memory_types.py [--n 1000000] [--bin target/release/ferrocache]

For each workload a fresh redis-server and a fresh ferrocache are started on
free loopback ports (no persistence), their RSS is read from /proc before and
after loading the same commands through `redis-cli --pipe`, and the growth is
compared:
  hashes  N/10 ... N small hashes of 10 fields (HSET key f0 v0 ... f9 v9)
  zset    one sorted set of N members (ZADD, 1000 members per command)
  list    one list of N elements (RPUSH, 1000 elements per command)
A ratio >= 1.0 means ferrocache takes no more bytes than Redis.
"""
import argparse
import os
import socket
import subprocess
import tempfile
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss(pid):
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def wait_ready(port, proc):
    deadline = time.time() + 20
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server on port {port} exited")
        out = subprocess.run(["redis-cli", "-p", str(port), "PING"], capture_output=True, text=True)
        if out.stdout.strip() == "PONG":
            return
        time.sleep(0.05)
    raise SystemExit(f"server on port {port} did not start")


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def workload(name, n):
    if name == "hashes":
        for i in range(n):
            args = ["HSET", f"user:{i}"]
            for f in range(10):
                args += [f"field{f}", f"value{i % 1000}"]
            yield resp(*args)
    elif name == "zset":
        for start in range(0, n, 1000):
            args = ["ZADD", "board"]
            for i in range(start, min(n, start + 1000)):
                args += [str(i * 1.5), f"member:{i}"]
            yield resp(*args)
    elif name == "list":
        for start in range(0, n, 1000):
            yield resp("RPUSH", "queue", *[f"item:{i}" for i in range(start, min(n, start + 1000))])


def measure(cmd, name, n, workdir):
    port = free_port()
    full = [c.replace("{port}", str(port)) for c in cmd]
    proc = subprocess.Popen(full, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(port, proc)
        before = rss(proc.pid)
        path = os.path.join(workdir, f"{name}.resp")
        with open(path, "wb") as f:
            for chunk in workload(name, n):
                f.write(chunk)
        with open(path, "rb") as f:
            subprocess.run(["redis-cli", "-p", str(port), "--pipe"], stdin=f, capture_output=True, timeout=900)
        time.sleep(0.5)
        return rss(proc.pid) - before
    finally:
        proc.kill()
        proc.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--bin", default="target/release/ferrocache")
    p.add_argument("--only", default="hashes,zset,list")
    a = p.parse_args()
    redis = ["redis-server", "--port", "{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    cand = [os.path.abspath(a.bin), "--port", "{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    print(f"{'workload':10} {'redis MB':>10} {'ferrocache MB':>14} {'ratio':>7}")
    worst = None
    for name in a.only.split(","):
        with tempfile.TemporaryDirectory() as d:
            r = measure(redis, name, a.n, d)
            c = measure(cand, name, a.n, d)
        ratio = r / c if c > 0 else 0.0
        worst = ratio if worst is None else min(worst, ratio)
        print(f"{name:10} {r / 1e6:10.1f} {c / 1e6:14.1f} {ratio:7.3f}")
    print(f"min ratio {worst:.3f} (redis bytes / ferrocache bytes; >= 1.0: ferrocache no bigger)")


if __name__ == "__main__":
    main()
