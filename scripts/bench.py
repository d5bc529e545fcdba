#!/usr/bin/env python3
"""ferrocache against redis-server, side by side, on this machine.

    make release
    python3 scripts/bench.py                          # throughput and CPU per request
    python3 scripts/bench.py --tests lpush,hset --pipeline 16 --rounds 6
    python3 scripts/bench.py --appendonly --server-args "--appendfsync always"
    python3 scripts/bench.py --memory 1000000 --datasize 100   # bytes per key
    python3 scripts/bench.py --replicas 1                 # each leader with a replica
    python3 scripts/bench.py --full-sync 1000000 --datasize 100  # full sync time, peak RSS
    python3 scripts/bench.py --json > result.json

Both servers start on free loopback ports, each in its own temporary folder,
with the same settings: no snapshots (--save ""), appendonly no unless
--appendonly, plus --server-args for both (e.g. "--maxmemory 1gb").

Throughput: for each round, pipeline depth and test, redis-benchmark runs
against one server and then the other; who goes first alternates, so drift
in the machine's speed hits both alike. Around each run the server's CPU
time (utime + stime from /proc/PID/stat, every thread) is read, giving its
CPU time per request. Each row shows the median of the paired ratios:
  rps ratio = ferrocache rps / redis rps
  CPU ratio = redis CPU per request / ferrocache CPU per request
and the last lines their geometric means. Above 1.0 favours ferrocache.
CPU time is counted in clock ticks (10 ms): runs shorter than about a
second give coarse CPU figures, hence the 200,000 requests by default.
When redis-benchmark runs a helper first (LRANGE fills its list with
LPUSH), the helper's row is left out and the run's CPU is shared between
the two by request count.

Memory (--memory N): loads N keys of --datasize bytes into each server and
prints the growth of used_memory and of RSS per key, and their ratio
redis / ferrocache (above 1.0: ferrocache uses less).

Replication (--replicas N): each leader gets N replicas of its own kind
before the throughput rounds; the CPU figures are the leader's. Full sync
(--full-sync N): see scripts/bench_replication.py.

Needs redis-server and redis-benchmark (Debian: redis-server, redis-tools).
Servers are stopped on exit, on an error and on Ctrl-C or SIGTERM.
The exit status is 1 when the CPU efficiency geometric mean is below
--min-cpu-geomean (0 by default: never).
"""
import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys

import bench_memory
import bench_replication
import bench_report
import bench_stats
from bench_servers import Server

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Below this much server CPU (20 clock ticks) a run's CPU figure is +-5% or worse.
COARSE_CPU_SECONDS = 0.2
DEFAULT_TESTS = "ping_mbulk,set,get,incr,mset,lpush,lpop,sadd,hset,zadd"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", default=os.path.join(REPO, "target", "release", "ferrocache"),
                   help="ferrocache binary (default: target/release/ferrocache)")
    p.add_argument("--redis-server", default="redis-server", help="redis-server binary")
    p.add_argument("--tests", default=DEFAULT_TESTS,
                   help=f"redis-benchmark -t names, comma separated (default: {DEFAULT_TESTS})")
    p.add_argument("--pipeline", default="1,16", help="pipeline depths, comma separated")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--requests", type=int, default=200000, help="requests per run")
    p.add_argument("--keyspace", type=int, default=100000, help="redis-benchmark -r")
    p.add_argument("--datasize", type=int, default=3, help="value size in bytes")
    p.add_argument("--rounds", type=int, default=4, help="paired rounds per row")
    p.add_argument("--appendonly", action="store_true", help="appendonly yes on both servers")
    p.add_argument("--server-args", default="",
                   help='more arguments for both servers, e.g. "--maxmemory 1gb"')
    p.add_argument("--memory", type=int, default=0, metavar="N",
                   help="measure bytes per key after loading N keys instead of throughput")
    p.add_argument("--replicas", type=int, default=0, metavar="N",
                   help="attach N replicas (same kind) to each leader before measuring")
    p.add_argument("--full-sync", type=int, default=0, metavar="N",
                   help="time the full sync of N keys to a fresh replica instead of throughput")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--min-cpu-geomean", type=float, default=0.0,
                   help="exit 1 when the CPU efficiency geometric mean is below this")
    p.add_argument("--keep", action="store_true", help="keep the servers' folders and logs")
    args = p.parse_args(argv)
    args.tests = [t.strip() for t in args.tests.split(",") if t.strip()]
    args.pipeline = [int(x) for x in args.pipeline.split(",")]
    return args


def check_tools(args):
    if not os.path.exists(args.bin):
        raise SystemExit(f"{args.bin} not found: build it first (make release)")
    for tool in (args.redis_server, "redis-benchmark"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found (Debian packages redis-server, redis-tools)")


def common_server_args(args):
    return (["--save", "", "--appendonly", "yes" if args.appendonly else "no"]
            + shlex.split(args.server_args))


def run_benchmark(server, test, pipeline, args):
    """One redis-benchmark run: {row name: {"rps", "p50_ms", "p99_ms", "cpu_us"}}.

    Helper rows (LRANGE's "LPUSH (needed to benchmark LRANGE)") are left out.
    """
    cmd = ["redis-benchmark", "-p", str(server.port), "-t", test, "-P", str(pipeline),
           "-c", str(args.clients), "-n", str(args.requests), "-r", str(args.keyspace),
           "-d", str(args.datasize), "--csv"]
    cpu_before = server.cpu_seconds()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    cpu_used = server.cpu_seconds() - cpu_before
    rows = bench_stats.parse_benchmark_csv(done.stdout)
    if not rows:
        raise SystemExit(f"redis-benchmark -t {test} gave no result against {server.name}: "
                         f"{done.stderr.strip()[-300:] or 'unknown test name?'}")
    # The run's CPU covers every row, helpers included; share it by request count.
    cpu_us = cpu_used * 1e6 / (args.requests * len(rows))
    measured = {}
    for name, row in rows.items():
        if not bench_stats.is_helper_row(name):
            measured[name] = dict(row, cpu_us=cpu_us)
    return measured, cpu_used


def log(message):
    print(message, file=sys.stderr, flush=True)


def throughput(servers, args):
    """Paired, alternating rounds; returns (rows, summary)."""
    redis, ferro = servers
    samples = {}  # (row name, pipeline) -> one {"redis": ..., "ferrocache": ...} per round
    coarse_runs = 0
    for rnd in range(args.rounds):
        for pipeline in args.pipeline:
            for i, test in enumerate(args.tests):
                order = (redis, ferro) if (rnd + i) % 2 == 0 else (ferro, redis)
                results = {}
                for s in order:
                    results[s.name], cpu_used = run_benchmark(s, test, pipeline, args)
                    if cpu_used < COARSE_CPU_SECONDS:
                        coarse_runs += 1
                for name in results["redis"]:
                    pair = {who: results[who].get(name) for who in ("redis", "ferrocache")}
                    samples.setdefault((name, pipeline), []).append(pair)
                    log(f"round {rnd + 1}/{args.rounds} P={pipeline} {name}: "
                        f"redis {pair['redis']['rps']:,.0f} rps, ferrocache "
                        f"{pair['ferrocache']['rps'] if pair['ferrocache'] else 0:,.0f} rps")
    rows = [summarize(name, pipeline, rounds) for (name, pipeline), rounds in samples.items()]
    cpu_rows = [r for r in rows if r["cpu_ratio"] is not None]
    summary = {
        "rounds": args.rounds,
        "geomean_rps_ratio": bench_stats.geomean([r["rps_ratio"] for r in rows]),
        "geomean_cpu_ratio": bench_stats.geomean([r["cpu_ratio"] for r in rows]),
        "lowest_cpu_row": min(cpu_rows, key=lambda r: r["cpu_ratio"]) if cpu_rows else None,
        "coarse_cpu_runs": coarse_runs,
    }
    return rows, summary


def summarize(name, pipeline, rounds):
    """One table row from the rounds of one test at one pipeline depth."""
    pairs = [(p["redis"], p["ferrocache"]) for p in rounds if p["redis"] and p["ferrocache"]]
    if not pairs:
        raise SystemExit(f"{name} P={pipeline}: no paired result")

    def med(who, field):
        return bench_stats.median([pair[who][field] for pair in pairs])

    return {
        "test": name,
        "pipeline": pipeline,
        "rounds": len(pairs),
        "redis_rps": med(0, "rps"),
        "ferrocache_rps": med(1, "rps"),
        "rps_ratio": bench_stats.median_of_pairs(
            pairs, lambda r, f: bench_stats.throughput_ratio(r["rps"], f["rps"])),
        "redis_p99_ms": med(0, "p99_ms"),
        "ferrocache_p99_ms": med(1, "p99_ms"),
        "redis_cpu_us": med(0, "cpu_us"),
        "ferrocache_cpu_us": med(1, "cpu_us"),
        "cpu_ratio": bench_stats.median_of_pairs(
            pairs, lambda r, f: bench_stats.cpu_efficiency_ratio(r["cpu_us"], f["cpu_us"])),
    }


def memory(servers, args):
    per_server = {s.name: bench_memory.measure(s, args.memory, args.datasize) for s in servers}
    result = {"keys": args.memory, "datasize": args.datasize}
    for measure in ("used_memory", "rss"):
        redis = per_server["redis"][f"{measure}_per_key"]
        ferro = per_server["ferrocache"][f"{measure}_per_key"]
        result[measure] = {"redis": redis, "ferrocache": ferro,
                           "ratio": bench_stats.ratio(redis, ferro)}
    return result


def machine(redis_server):
    load = os.getloadavg()
    version = subprocess.run([redis_server, "--version"], capture_output=True,
                             text=True).stdout.strip()
    return {"cpus": os.cpu_count(), "loadavg_1min": load[0], "redis_server": version}


def on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main(argv):
    args = parse_args(argv)
    check_tools(args)
    signal.signal(signal.SIGTERM, on_sigterm)
    servers = [Server("redis", [args.redis_server], keep=args.keep),
               Server("ferrocache", [os.path.abspath(args.bin)], keep=args.keep)]
    document = {"machine_at_start": machine(args.redis_server), "server_args": common_server_args(args)}
    replicas = []
    try:
        for s in servers:
            s.start(common_server_args(args))
        for s in servers:
            for i in range(args.replicas):
                replicas.append(bench_replication.start_replica(
                    s, f"{s.name}-replica{i + 1}", common_server_args(args), keep=args.keep))
        if args.full_sync:
            document["mode"] = "full_sync"
            document["full_sync"] = bench_replication.full_sync(
                servers, args, common_server_args(args))
            text = bench_replication.full_sync_table(document["full_sync"])
            status = 0
        elif args.memory:
            document["mode"] = "memory"
            document["memory"] = memory(servers, args)
            text = bench_report.memory_table(document["memory"])
            status = 0
        else:
            rows, summary = throughput(servers, args)
            document.update(mode="throughput", rows=rows, summary=summary,
                            settings={k: getattr(args, k) for k in (
                                "tests", "pipeline", "clients", "requests", "keyspace",
                                "datasize", "rounds", "appendonly", "replicas")})
            text = bench_report.throughput_table(rows, summary)
            cpu = summary["geomean_cpu_ratio"]
            too_low = cpu is None or cpu < args.min_cpu_geomean
            status = 1 if args.min_cpu_geomean and too_low else 0
    except KeyboardInterrupt:
        log("interrupted: stopping the servers")
        return 130
    finally:
        for s in replicas + servers:
            s.stop()
    document["machine_at_end"] = machine(args.redis_server)
    if args.json:
        print(bench_report.as_json(document))
    else:
        m = document["machine_at_start"]
        print(f"{m['redis_server']}; {m['cpus']} CPUs, load average {m['loadavg_1min']:.2f} "
              f"at start, {document['machine_at_end']['loadavg_1min']:.2f} at end; "
              f"server args: {shlex.join(document['server_args'])}")
        print()
        print(text)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
