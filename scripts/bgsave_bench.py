#!/usr/bin/env python3
"""BGSAVE under write load, side by side: redis-server (fork) vs ferrocache
(copy-on-write view written by a background thread).

For each server: load N keys (SET key:%012d, the names redis-benchmark -r
uses, so the write load overwrites them instead of adding keys), then run a
write load (redis-benchmark SET over the same keys) and a latency probe (one
client doing SETs back to back, timing each). After a quiet baseline window,
BGSAVE; memory is sampled every few ms until the save ends.

Reported per server:
  - memory before the save and its peak during the save: the server's RSS,
    plus for Redis the memory its forked child copied (INFO current_cow_peak /
    rdb_last_cow_size), since the child's shared pages are not extra memory;
  - the probe's p50/p99 SET latency without a save and during the save.

  python3 scripts/bgsave_bench.py                 # 1M keys of 100 bytes
  python3 scripts/bgsave_bench.py --keys 200000   # quicker

Needs redis-server, redis-cli, redis-benchmark (Debian: redis-server,
redis-tools) and target/release/ferrocache.
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(port, *args):
    out = subprocess.run(["redis-cli", "-p", str(port), *args],
                         capture_output=True, text=True, timeout=60)
    return out.stdout.strip()


def wait_until(pred, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.02)
    raise SystemExit(f"timed out waiting for {what}")


def rss_kb(pid):
    """Resident memory from /proc/pid/statm: a counter read, no page-table
    walk (smaps would take the process's mmap lock and stall its mallocs)."""
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


class Conn:
    """A minimal RESP client on one socket: polling without spawning
    redis-cli every few milliseconds (which would load the machine)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        line = self.file.readline()
        if line[:1] == b"$":
            body = self.file.read(int(line[1:]) + 2)
            return body[:-2].decode()
        return line[1:].strip().decode()


def cow_kb(conn):
    """Redis's forked child: its private (copied) memory, as INFO reports it."""
    info = conn.call("INFO", "persistence")
    sizes = [int(line.split(":")[1]) for line in info.splitlines()
             if line.startswith(("current_cow_peak:", "rdb_last_cow_size:"))]
    return max(sizes, default=0) // 1024


def fill(port, keys, datasize):
    """Loads `keys` keys through redis-cli --pipe."""
    value = b"x" * datasize
    with tempfile.TemporaryFile() as f:
        chunk = []
        for i in range(keys):
            k = b"key:%012d" % i
            chunk.append(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(value), value))
            if len(chunk) == 10000:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))
        f.seek(0)
        subprocess.run(["redis-cli", "-p", str(port), "--pipe"], stdin=f,
                       stdout=subprocess.DEVNULL, check=True, timeout=600)
    wait_until(lambda: cli(port, "DBSIZE") == str(keys), 60, "the keys")


class Probe(threading.Thread):
    """One client doing SETs back to back, recording (time, latency)."""

    def __init__(self, port, keys):
        super().__init__(daemon=True)
        self.port, self.keys = port, keys
        self.samples = []
        self.running = True

    def run(self):
        s = socket.create_connection(("127.0.0.1", self.port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        i = 0
        while self.running:
            k = b"key:%012d" % ((i * 7919) % self.keys)
            cmd = b"*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n$5\r\nprobe\r\n" % k
            start = time.perf_counter()
            s.sendall(cmd)
            got = b""
            while not got.endswith(b"\r\n"):
                part = s.recv(64)
                if not part:
                    return
                got += part
            end = time.perf_counter()
            self.samples.append((end, end - start))
            i += 1
            time.sleep(0.0005)
        s.close()


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def run_one(name, cmd, port, args):
    workdir = tempfile.mkdtemp(prefix=f"bgsave-{name}-")
    proc = subprocess.Popen(cmd, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: cli(port, "PING") == "PONG", 10, f"{name} to start")
        fill(port, args.keys, args.datasize)
        time.sleep(1)
        before = rss_kb(proc.pid)
        load = subprocess.Popen(
            ["redis-benchmark", "-p", str(port), "-t", "set", "-r", str(args.keys),
             "-d", str(args.datasize), "-c", str(args.load_clients), "-n", "100000000", "-q"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        probe = Probe(port, args.keys)
        probe.start()
        time.sleep(args.baseline)
        baseline_end = time.perf_counter()
        conn = Conn(port)
        last = conn.call("LASTSAVE")
        save_start = time.perf_counter()
        conn.call("BGSAVE")
        peak, copied = before, 0
        while True:
            peak = max(peak, rss_kb(proc.pid))
            if name == "redis":
                copied = max(copied, cow_kb(conn))
            if conn.call("LASTSAVE") != last:
                break
            if time.perf_counter() - save_start > 300:
                raise SystemExit(f"{name}: BGSAVE did not finish")
            time.sleep(0.01)
        save_end = time.perf_counter()
        if name == "redis":
            copied = max(copied, cow_kb(conn))
        peak += copied
        time.sleep(0.5)
        probe.running = False
        probe.join(5)
        load.terminate()
        load.wait()
        quiet = [l for t, l in probe.samples if baseline_end - args.baseline + 0.5 <= t <= baseline_end]
        during = [l for t, l in probe.samples if save_start <= t <= save_end]
        status = cli(port, "INFO", "persistence")
        ok = "rdb_last_bgsave_status:ok" in status
        return {
            "name": name,
            "before_mb": before / 1024,
            "peak_mb": peak / 1024,
            "ratio": peak / max(before, 1),
            "save_s": save_end - save_start,
            "p50_quiet_ms": percentile(quiet, 0.50) * 1000,
            "p99_quiet_ms": percentile(quiet, 0.99) * 1000,
            "p50_save_ms": percentile(during, 0.50) * 1000,
            "p99_save_ms": percentile(during, 0.99) * 1000,
            "samples": (len(quiet), len(during)),
            "ok": ok,
        }
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keys", type=int, default=1_000_000)
    ap.add_argument("--datasize", type=int, default=100)
    ap.add_argument("--load-clients", type=int, default=4)
    ap.add_argument("--baseline", type=float, default=3.0, help="seconds of load before BGSAVE")
    ap.add_argument("--bin", default="target/release/ferrocache")
    args = ap.parse_args()
    for tool in ("redis-server", "redis-cli", "redis-benchmark"):
        if not shutil.which(tool):
            sys.exit(f"{tool} not found (Debian packages redis-server, redis-tools)")
    results = []
    port = free_port()
    results.append(run_one("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                     "--save", "", "--appendonly", "no"], port, args))
    port = free_port()
    results.append(run_one("ferrocache", [os.path.abspath(args.bin), "--port", str(port), "--bind",
                                          "127.0.0.1", "--save", "", "--appendonly", "no"], port, args))
    print(f"{args.keys} keys x {args.datasize} B, write load: redis-benchmark SET -c {args.load_clients}, "
          f"probe: one client SET back to back")
    print(f"{'server':<11} {'before MB':>9} {'peak MB':>8} {'peak/before':>11} {'save s':>7} "
          f"{'p50/p99 ms quiet':>17} {'p50/p99 ms saving':>18} {'p99 ratio':>9}  samples")
    for r in results:
        print(f"{r['name']:<11} {r['before_mb']:9.1f} {r['peak_mb']:8.1f} {r['ratio']:11.3f} "
              f"{r['save_s']:7.2f} {r['p50_quiet_ms']:8.3f}/{r['p99_quiet_ms']:<8.3f} "
              f"{r['p50_save_ms']:8.3f}/{r['p99_save_ms']:<9.3f} "
              f"{r['p99_save_ms'] / r['p99_quiet_ms']:9.2f}  {r['samples']}"
              + ("" if r["ok"] else "  (SAVE FAILED)"))


if __name__ == "__main__":
    main()
