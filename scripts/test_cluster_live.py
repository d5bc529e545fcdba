"""scripts/cluster.py against real redis-server nodes (about 15 s; skipped without redis-server).

    python3 -m unittest scripts/test_cluster_live.py

Starts 2 shards x 2 nodes on a free block of loopback ports in a temporary
data folder, loads keys spread over all slots, grows to 3 shards and checks
that exactly plan(3)'s slots moved, no key was lost, `redis-cli --cluster
check` passes and `redis-cli --cluster rebalance` finds nothing to do.
"""
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cluster  # noqa: E402
import cluster_config  # noqa: E402
import cluster_plan  # noqa: E402
from cluster_client import Connection, ReplyError, call  # noqa: E402

NODES = 6  # 3 shards x 2 after growing


def port_is_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_port_block(count):
    """A base port with base .. base+count-1 and their bus ports (+10000) all free
    right now; tried at 200 random places below the ephemeral range."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 30000 - count)
        if all(port_is_free(p) and port_is_free(p + 10000) for p in range(base, base + count)):
            return base
    raise RuntimeError("no free block of loopback ports")


def key_slot(conn, key):
    return conn.call("CLUSTER", "KEYSLOT", key)


@unittest.skipUnless(shutil.which("redis-server") and shutil.which("redis-cli"), "needs redis-server")
class LiveCluster(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="cluster-test-")
        self.settings = cluster_config.load(None, {
            "shards": 2, "replicas": 1, "base-port": free_port_block(NODES),
            "metrics-base-port": 0, "bin": "redis-server",
            "data-dir": self.work,  # absolute: os.path.join keeps it
            "server-args": '--save "" --appendonly no', "start-timeout": 20})
        self.addCleanup(shutil.rmtree, self.work, ignore_errors=True)
        self.addCleanup(cluster.stop, self.settings)

    def owner_ports(self, port):
        """{slot: port of the leader serving it} as seen from `port`."""
        owner = {}
        for shard in call("127.0.0.1", port, "CLUSTER", "SHARDS"):
            fields = dict(zip(shard[0::2], shard[1::2]))
            master = [dict(zip(n[0::2], n[1::2])) for n in fields["nodes"]]
            leader = [n for n in master if n["role"] == "master"][0]
            ranges = fields["slots"]
            for first, last in zip(ranges[0::2], ranges[1::2]):
                for slot in range(first, last + 1):
                    owner[slot] = leader["port"]
        return owner

    def test_start_load_grow_keeps_every_key_and_matches_the_plan(self):
        base = self.settings["base-port"]
        cluster.start(self.settings)
        self.assertTrue(cluster.status(self.settings))
        # 2000 keys, each written on the leader that owns its slot.
        leaders = {s: base + 2 * s for s in range(2)}
        owner = cluster_plan.owners(2)
        conns = {p: Connection("127.0.0.1", p) for p in leaders.values()}
        with Connection("127.0.0.1", base) as any_node:
            for i in range(2000):
                key = f"key:{i}"
                conns[leaders[owner[key_slot(any_node, key)]]].call("SET", key, i)
        for conn in conns.values():
            conn.close()

        self.settings["shards"] = 3
        cluster.grow(self.settings, 3, empty=False)

        self.assertTrue(cluster.status(self.settings))
        want = {slot: base + 2 * shard for slot, shard in enumerate(cluster_plan.owners(3))}
        self.assertEqual(self.owner_ports(base), want)
        total = sum(call("127.0.0.1", base + 2 * s, "DBSIZE") for s in range(3))
        self.assertEqual(total, 2000)
        with Connection("127.0.0.1", base) as any_node:
            for i in range(0, 2000, 97):
                key = f"key:{i}"
                port = want[key_slot(any_node, key)]
                self.assertEqual(call("127.0.0.1", port, "GET", key), str(i))
        check = subprocess.run(["redis-cli", "--cluster", "check", f"127.0.0.1:{base}"],
                               capture_output=True, text=True, timeout=30)
        self.assertEqual(check.returncode, 0, check.stdout)
        self.assertIn("All 16384 slots covered", check.stdout)
        rebalance = subprocess.run(
            ["redis-cli", "--cluster", "rebalance", f"127.0.0.1:{base}", "--cluster-simulate"],
            capture_output=True, text=True, timeout=30)
        self.assertIn("No rebalancing needed", rebalance.stdout)

    def test_stop_ends_every_node(self):
        cluster.start(self.settings)
        pids = cluster.recorded_pids(self.settings)
        self.assertEqual(len(pids), 4)
        cluster.stop(self.settings)
        for port, pid in pids:
            self.assertFalse(cluster.is_our_node(pid, port))
            with self.assertRaises((OSError, ReplyError)):
                call("127.0.0.1", port, "PING", timeout=0.5)


if __name__ == "__main__":
    unittest.main()
