"""A throwaway redis-server for the RDB fixture scripts, and a dump of what
it holds.

    with ScratchRedis() as server:            # empty, in a temp dir
        r = server.client()
    with ScratchRedis(load="file.rdb") as s:  # loads a copy of file.rdb
    with ScratchRedis(extra=["--sanitize-dump-payload", "yes"]) as s:

The server listens on a free loopback port, saves nothing unless told (SAVE),
and is shut down (and its directory removed) on exit.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time

import redis


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ScratchRedis:
    def __init__(self, load=None, extra=()):
        self.load = load
        self.extra = list(extra)
        self.dir = None
        self.proc = None
        self.port = None

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="rdb-fixture-")
        if self.load:
            shutil.copy(self.load, os.path.join(self.dir, "dump.rdb"))
        self.port = free_port()
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", self.dir, "--dbfilename", "dump.rdb", "--save", "",
             "--appendonly", "no", "--logfile", os.path.join(self.dir, "log")] + self.extra,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 20
        while True:
            if self.proc.poll() is not None:
                raise SystemExit("redis-server exited:\n" + self.log())
            try:
                if self.client().ping():
                    return self
            except redis.exceptions.RedisError:
                pass
            if time.time() > deadline:
                raise SystemExit("redis-server did not start:\n" + self.log())
            time.sleep(0.05)

    def log(self):
        try:
            with open(os.path.join(self.dir, "log")) as f:
                return f.read()
        except OSError:
            return ""

    def client(self, db=0):
        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=10)

    def dump_file(self):
        return os.path.join(self.dir, "dump.rdb")

    def __exit__(self, *exc):
        try:
            self.client().shutdown(nosave=True)
        except redis.exceptions.RedisError:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def text(b):
    return b if isinstance(b, str) else b.decode("utf-8")


def snapshot(server, databases=16):
    """Every key of every database as redis-server reports it: a list of
    {db, key, type, encoding, expire_at (unix ms or None), value}, sorted by
    (db, key). Values: string → str; list → [str]; hash → {field: value};
    set → sorted [str]; zset → [[member, score text]] ascending."""
    out = []
    for db in range(databases):
        r = server.client(db)
        for key in sorted(r.scan_iter(count=1000)):
            kind = text(r.type(key))
            at = r.execute_command("PEXPIRETIME", key)
            if kind == "string":
                value = text(r.get(key))
            elif kind == "list":
                value = [text(v) for v in r.lrange(key, 0, -1)]
            elif kind == "hash":
                value = {text(f): text(v) for f, v in sorted(r.hgetall(key).items())}
            elif kind == "set":
                value = sorted(text(m) for m in r.smembers(key))
            elif kind == "zset":
                pairs = r.zrange(key, 0, -1, withscores=True, score_cast_func=bytes)
                value = [[text(m), text(s)] for m, s in pairs]
            else:
                raise SystemExit(f"unexpected type {kind}")
            out.append({
                "db": db,
                "key": text(key),
                "type": kind,
                "encoding": text(r.object("encoding", key)),
                "expire_at": None if at < 0 else at,
                "value": value,
            })
    return out
