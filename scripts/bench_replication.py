"""Replication topologies for scripts/bench.py: replicas attached to each
leader (--replicas N), and the full sync of a loaded leader (--full-sync N).

Each side replicates within its own kind: a redis-server leader gets
redis-server replicas, a ferrocache leader ferrocache replicas, started
with `--replicaof 127.0.0.1 <leader port>` and the same common arguments.

Full sync (--full-sync N): the leader is loaded with N keys of --datasize
bytes (bench_memory.load_keys), then a fresh replica is started; the time
runs from its start until it reports master_link_status:up holding all N
keys. Meanwhile the leader's and the replica's RSS (with their children's:
redis-server forks to save) are sampled every 10 ms:
the table shows each one's peak and the leader's growth over its RSS
before the sync. Rounds alternate which server goes first; the figures are
medians.
"""
import sys
import threading
import time

import bench_memory
import bench_stats
from bench_servers import Server, command, rss_bytes

LINK_UP_SECONDS = 600


def info_fields(port, section):
    """INFO <section> as a {field: text} dict."""
    fields = {}
    for line in command(port, "INFO", section).splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name] = value
    return fields


def link_is_up(replica):
    """True when the replica reports its link to the leader up."""
    try:
        return info_fields(replica.port, "replication").get("master_link_status") == "up"
    except (OSError, RuntimeError):
        return False


def start_replica(leader, name, common_args, keep=False, seconds=LINK_UP_SECONDS):
    """A replica of `leader` (same binary), returned once its link is up."""
    replica = Server(name, leader.argv, keep=keep)
    replica.start(common_args + ["--replicaof", "127.0.0.1", str(leader.port)])
    wait_for(lambda: link_is_up(replica), seconds, f"{name} link to its leader")
    return replica


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {seconds} s waiting for {what}")
        time.sleep(0.01)


def tree_rss_bytes(pid):
    """RSS of a process plus its children's (redis-server forks to save: the
    child's pages count as memory the sync costs, shared ones twice)."""
    total = rss_bytes(pid)
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = [int(c) for c in f.read().split()]
    except OSError:
        children = []
    for child in children:
        try:
            total += rss_bytes(child)
        except (OSError, KeyError):
            pass  # exited meanwhile
    return total


class PeakRss:
    """Samples the RSS of a server and its children every `period` seconds on
    a thread until stopped."""

    def __init__(self, server, period=0.01):
        self.server = server
        self.period = period
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, tree_rss_bytes(self.server.pid))
            except (OSError, KeyError):
                return  # the process is gone
            self._stop.wait(self.period)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def one_full_sync(leader, keys, common_args, keep=False):
    """Starts a replica of a loaded leader; seconds until it holds every key, peaks."""
    rss_before = tree_rss_bytes(leader.pid)
    started = time.monotonic()
    replica = Server(f"{leader.name}-replica", leader.argv, keep=keep)
    with PeakRss(leader) as leader_peak:
        replica.start(common_args + ["--replicaof", "127.0.0.1", str(leader.port)])
        with PeakRss(replica) as replica_peak:
            try:
                wait_for(lambda: link_is_up(replica)
                         and int(command(replica.port, "DBSIZE")) == keys,
                         LINK_UP_SECONDS, f"{replica.name} to hold {keys} keys")
                seconds = time.monotonic() - started
            finally:
                replica.stop()
    return {
        "seconds": seconds,
        "leader_peak_rss": leader_peak.peak,
        "leader_rss_growth": max(0, leader_peak.peak - rss_before),
        "replica_peak_rss": replica_peak.peak,
    }


def full_sync(servers, args, common_args):
    """--full-sync: load each leader, then time fresh replicas; medians per server."""
    for s in servers:
        bench_memory.load_keys(s.port, args.full_sync, args.datasize)
    samples = {s.name: [] for s in servers}
    for rnd in range(args.rounds):
        order = servers if rnd % 2 == 0 else list(reversed(servers))
        for s in order:
            sample = one_full_sync(s, args.full_sync, common_args, keep=args.keep)
            samples[s.name].append(sample)
            print(f"round {rnd + 1}/{args.rounds} {s.name}: {sample['seconds']:.2f} s, "
                  f"leader peak RSS {sample['leader_peak_rss'] / 2**20:.0f} MiB",
                  file=sys.stderr, flush=True)
    result = {"keys": args.full_sync, "datasize": args.datasize, "rounds": args.rounds}
    for name, runs in samples.items():
        result[name] = {field: bench_stats.median([r[field] for r in runs])
                        for field in runs[0]}
    result["time_ratio"] = bench_stats.ratio(result["redis"]["seconds"],
                                             result["ferrocache"]["seconds"])
    result["leader_peak_rss_ratio"] = bench_stats.ratio(result["redis"]["leader_peak_rss"],
                                                        result["ferrocache"]["leader_peak_rss"])
    return result


def full_sync_table(result):
    mib = 2**20
    lines = [
        f"Full sync of {result['keys']:,} keys of {result['datasize']} bytes to a fresh "
        f"replica (median of {result['rounds']} rounds):",
        "",
        "| server | seconds | leader peak RSS MiB | leader RSS growth MiB "
        "| replica peak RSS MiB |",
        "|---|---|---|---|---|",
    ]
    for name in ("redis", "ferrocache"):
        r = result[name]
        lines.append(f"| {name} | {r['seconds']:.2f} | {r['leader_peak_rss'] / mib:.0f} "
                     f"| {r['leader_rss_growth'] / mib:.0f} | {r['replica_peak_rss'] / mib:.0f} |")
    lines.append("")
    lines.append(f"time ratio (redis / ferrocache, above 1.0: ferrocache faster): "
                 f"{result['time_ratio']:.3f}; leader peak RSS ratio: "
                 f"{result['leader_peak_rss_ratio']:.3f}.")
    return "\n".join(lines)
