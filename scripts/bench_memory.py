"""Bytes per key for scripts/bench.py --memory: load N string keys, read the growth.

Keys are key:0 .. key:N-1, each holding a value of --datasize bytes, sent
with SET in pipelined batches over one connection that is closed before
memory is read. The growth of INFO used_memory and of RSS (/proc) divided
by N is the cost of one key on that server.
"""
import socket
import time

from bench_servers import command, encode_command
from bench_stats import bytes_per_key

BATCH = 1000


def load_keys(port, keys, datasize):
    """SET key:i to datasize bytes for every i < keys; fails on any error reply."""
    value = b"v" * datasize
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        with sock.makefile("rb") as replies:
            for start in range(0, keys, BATCH):
                count = min(BATCH, keys - start)
                sock.sendall(b"".join(encode_command(b"SET", b"key:%d" % i, value)
                                      for i in range(start, start + count)))
                # Every SET reply is one line: +OK or an -error.
                for _ in range(count):
                    line = replies.readline()
                    if not line.startswith(b"+"):
                        raise SystemExit(f"SET on port {port} answered {line!r}")


def measure(server, keys, datasize, settle_seconds=1.0):
    """Load the keys into one server; its bytes per key by used_memory and by RSS."""
    used_before, rss_before = server.used_memory(), server.rss_bytes()
    load_keys(server.port, keys, datasize)
    time.sleep(settle_seconds)
    dbsize = int(command(server.port, "DBSIZE"))
    if dbsize != keys:
        raise SystemExit(f"{server.name} holds {dbsize} keys, expected {keys}")
    return {
        "used_memory_per_key": bytes_per_key(used_before, server.used_memory(), keys),
        "rss_per_key": bytes_per_key(rss_before, server.rss_bytes(), keys),
    }
