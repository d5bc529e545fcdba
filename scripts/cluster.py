#!/usr/bin/env python3
"""A whole Redis Cluster on this machine in one command (`make cluster`).

    python3 scripts/cluster.py start [--bin redis-server] [--shards 4] ...
    python3 scripts/cluster.py status
    python3 scripts/cluster.py stop
    python3 scripts/cluster.py plan --shards 4 [--from 3]
    python3 scripts/cluster.py grow --shards 4 [--empty]

The topology comes from conf/cluster.yaml (every setting can be overridden
with --name value). `start` empties the data folder, starts every node in
the background (--cluster-enabled yes, logs in <data-dir>/<port>/node.log,
pids in <data-dir>/pids), joins them with CLUSTER MEET, gives each leader
its slots from the plan (scripts/cluster_plan.py) with CLUSTER
ADDSLOTSRANGE, attaches replicas with CLUSTER REPLICATE and waits until every
node reports cluster_state:ok and all agree on CLUSTER NODES. `grow` adds
shards to the running cluster and moves exactly the slots the plan moves
(CLUSTER SETSLOT IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE); with --empty
it only adds the nodes (for `redis-cli --cluster rebalance` to fill them).
Every wait has a deadline.
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cluster_config  # noqa: E402
import cluster_plan  # noqa: E402
from cluster_client import Connection, ReplyError, call  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
POLL = 0.05


class Failed(Exception):
    """The cluster did not reach the state asked for; the message says why."""


def wait_until(condition, deadline, what):
    """Poll condition() every POLL seconds until it returns true, or fail at deadline."""
    last_error = None
    while True:
        try:
            if condition():
                return
        except (OSError, ReplyError) as err:
            last_error = err
        if time.monotonic() > deadline:
            raise Failed(f"timed out waiting for {what}" + (f" ({last_error})" if last_error else ""))
        time.sleep(POLL)


def layout(settings, shards):
    """The nodes of `shards` shards: [{port, shard, role, metrics_port}], leaders
    first within each shard (ports as documented in conf/cluster.yaml)."""
    per_shard = settings["replicas"] + 1
    nodes = []
    for shard in range(shards):
        for k in range(per_shard):
            port = settings["base-port"] + shard * per_shard + k
            metrics = settings["metrics-base-port"]
            nodes.append({
                "port": port, "shard": shard, "role": "leader" if k == 0 else "replica",
                "metrics_port": metrics + (port - settings["base-port"]) if metrics else 0})
    return nodes


def data_dir(settings):
    return os.path.join(ROOT, settings["data-dir"])


def server_binary(settings):
    """The server's path: a name with a slash is relative to the repository
    (target/... to $CARGO_TARGET_DIR when set), else looked up on PATH."""
    name = settings["bin"]
    target_dir = os.environ.get("CARGO_TARGET_DIR")
    if target_dir and name.startswith("target/"):
        name = os.path.join(target_dir, name[len("target/"):])  # where cargo built it
    path = os.path.join(ROOT, name) if "/" in name else shutil.which(name)
    if not path or not os.access(path, os.X_OK):
        raise Failed(f"no server binary {name!r} (make release, or --bin redis-server)")
    return path


def is_redis(binary):
    return "redis" in os.path.basename(binary)


def node_argv(binary, settings, node):
    """The command line of one node."""
    port = node["port"]
    argv = [binary, "--port", str(port), "--bind", settings["host"],
            "--cluster-enabled", "yes", "--cluster-config-file", f"nodes-{port}.conf",
            "--dir", os.path.join(data_dir(settings), str(port)), "--daemonize", "no"]
    if node["metrics_port"] and not is_redis(binary):
        argv += ["--metrics-port", str(node["metrics_port"])]
    return argv + cluster_config.server_args(settings)


def answers_ping(host, port):
    try:
        return call(host, port, "PING", timeout=0.5) == "PONG"
    except (OSError, ReplyError):
        return False


# The processes this run started, by port (to notice one that exits at once).
RUNNING = {}


def node_up(host, port, log):
    """True once the node answers PING; fails at once if its process has exited."""
    proc = RUNNING.get(port)
    if proc is not None and proc.poll() is not None:
        with open(log, errors="replace") as f:
            tail = "".join(f.readlines()[-5:])
        raise Failed(f"the node on port {port} exited ({proc.returncode}); {log} ends:\n{tail}")
    return answers_ping(host, port)


def spawn(binary, settings, nodes):
    """Start nodes in the background, each in its own folder; append to the pid list."""
    base = data_dir(settings)
    with open(os.path.join(base, "pids"), "a") as pids:
        for node in nodes:
            folder = os.path.join(base, str(node["port"]))
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, "node.log"), "ab") as log:
                proc = subprocess.Popen(node_argv(binary, settings, node), cwd=folder,
                                        stdin=subprocess.DEVNULL, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
            node["pid"] = proc.pid
            RUNNING[node["port"]] = proc
            pids.write(f"{node['port']} {proc.pid}\n")


def parse_nodes(text):
    """CLUSTER NODES as {id: (flags set, master id or '-', sorted slot ranges)}."""
    view = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 8:
            continue
        flags = set(fields[2].split(","))
        flags.discard("myself")
        view[fields[0]] = (flags, fields[3], sorted(f for f in fields[8:] if not f.startswith("[")))
    return view


def node_ids(settings, nodes):
    return {n["port"]: call(settings["host"], n["port"], "CLUSTER", "MYID") for n in nodes}


def everyone_knows_everyone(settings, nodes):
    for node in nodes:
        view = parse_nodes(call(settings["host"], node["port"], "CLUSTER", "NODES"))
        if len(view) != len(nodes) or any("handshake" in f or "noaddr" in f for f, _, _ in view.values()):
            return False
    return True


def cluster_agrees(settings, nodes, ids):
    """Every node: cluster_state:ok, and the same view of roles, masters and slots as the first."""
    views = []
    for node in nodes:
        info = call(settings["host"], node["port"], "CLUSTER", "INFO")
        if "cluster_state:ok" not in info:
            return False
        view = parse_nodes(call(settings["host"], node["port"], "CLUSTER", "NODES"))
        if len(view) != len(nodes):
            return False
        summary = {}
        for node_id, (flags, master, slots) in view.items():
            if flags & {"fail", "fail?", "handshake", "noaddr"}:
                return False
            summary[node_id] = ("master" if "master" in flags else "slave", master, slots)
        views.append(summary)
    if any(v != views[0] for v in views):
        return False
    by_port = {n["port"]: n for n in nodes}
    leader_id = {by_port[p]["shard"]: i for p, i in ids.items() if by_port[p]["role"] == "leader"}
    for port, node_id in ids.items():
        role, master, _ = views[0][node_id]
        want = ("master", "-") if by_port[port]["role"] == "leader" else ("slave", leader_id[by_port[port]["shard"]])
        if (role, master) != want:
            return False
    return True


def join(settings, nodes, new, deadline):
    """MEET the `new` nodes (all of `nodes` when starting) and wait until all know all.
    Every pair meets directly, so no node waits for gossip to learn of another."""
    host = settings["host"]
    met = set()
    for node in new:
        for other in nodes:
            pair = frozenset((node["port"], other["port"]))
            if len(pair) == 2 and pair not in met:
                met.add(pair)
                call(host, node["port"], "CLUSTER", "MEET", host, other["port"])
    wait_until(lambda: everyone_knows_everyone(settings, nodes), deadline, "every node to know every other")


def replicate(settings, nodes, new, ids):
    """CLUSTER REPLICATE each new replica to its shard's leader."""
    leader = {n["shard"]: ids[n["port"]] for n in nodes if n["role"] == "leader"}
    for node in new:
        if node["role"] == "replica":
            call(settings["host"], node["port"], "CLUSTER", "REPLICATE", leader[node["shard"]])


def save_state(settings, shards, nodes, ids):
    state = {"shards": shards, "host": settings["host"], "bin": settings["bin"],
             "nodes": [dict(n, id=ids[n["port"]]) for n in nodes]}
    with open(os.path.join(data_dir(settings), "cluster.json"), "w") as f:
        json.dump(state, f, indent=1)


def load_state(settings):
    path = os.path.join(data_dir(settings), "cluster.json")
    if not os.path.exists(path):
        raise Failed(f"no cluster recorded in {path} (start one first)")
    with open(path) as f:
        return json.load(f)


def form(settings, nodes, deadline):
    """Make a cluster of freshly started nodes: wait for PING, MEET, slots,
    replicas, agreement. Returns (nodes, {port: node id})."""
    host, shards = settings["host"], settings["shards"]
    base = data_dir(settings)
    for node in nodes:
        log = os.path.join(base, str(node["port"]), "node.log")
        wait_until(lambda: node_up(host, node["port"], log), deadline,
                   f"port {node['port']} to answer PING (see {log})")
    # Distinct config epochs up front, as redis-cli --cluster create does, so
    # the leaders need no epoch-collision rounds before they agree.
    for epoch, node in enumerate(nodes, 1):
        call(host, node["port"], "CLUSTER", "SET-CONFIG-EPOCH", epoch)
    ids = node_ids(settings, nodes)
    for node, ranges in zip([n for n in nodes if n["role"] == "leader"], cluster_plan.plan(shards)):
        call(host, node["port"], "CLUSTER", "ADDSLOTSRANGE", *[x for r in ranges for x in r])
    join(settings, nodes, nodes, deadline)
    replicate(settings, nodes, nodes, ids)
    wait_until(lambda: cluster_agrees(settings, nodes, ids), deadline,
               "cluster_state:ok and one CLUSTER NODES view on every node")
    return nodes, ids


def clear_data_dir(base):
    """Create `base`, or empty it of what an earlier cluster left: the node
    folders (named by port), pids and cluster.json. Nothing else is removed,
    so a mistyped --data-dir cannot wipe unrelated files."""
    os.makedirs(base, exist_ok=True)
    for name in os.listdir(base):
        path = os.path.join(base, name)
        if name.isdigit() and os.path.isdir(path):
            shutil.rmtree(path)
        elif name in ("pids", "cluster.json"):
            os.unlink(path)


def start(settings):
    """Start a fresh cluster of settings['shards'] shards; returns its nodes."""
    began = time.monotonic()
    deadline = began + settings["start-timeout"]
    binary = server_binary(settings)
    shards, host = settings["shards"], settings["host"]
    nodes = layout(settings, shards)
    busy = [n["port"] for n in nodes if answers_ping(host, n["port"])]
    if busy:
        raise Failed(f"ports {busy} already answer PING: `cluster.py stop` first")
    base = data_dir(settings)
    clear_data_dir(base)
    spawn(binary, settings, nodes)
    try:
        nodes, ids = form(settings, nodes, deadline)
    except (Failed, OSError, ReplyError, KeyboardInterrupt):
        stop(settings)  # nothing half-made stays running; the logs stay
        raise
    save_state(settings, shards, nodes, ids)
    first = nodes[0]["port"]
    print(f"cluster of {shards} shards x {settings['replicas'] + 1} nodes "
          f"({os.path.basename(binary)}) ready in {time.monotonic() - began:.2f} s")
    print(f"  ports {nodes[0]['port']}..{nodes[-1]['port']}, data and logs in {base}")
    print(f"  connect:   redis-cli -c -p {first}")
    print(f"  benchmark: redis-benchmark --cluster -p {first} -t set,get -n 100000")
    print(f"  check:     redis-cli --cluster check {host}:{first}")
    print("  stop:      python3 scripts/cluster.py stop   (or make cluster-stop)")
    return nodes


# Slots moved per pipelined round: a node saves nodes.conf (with fsync) once per
# event-loop turn, not once per SETSLOT, when the commands arrive together.
MIGRATE_BATCH = 256


def pipeline(conn, commands):
    """Send commands in one write; raise the first error reply."""
    for reply in conn.call_many(commands):
        if isinstance(reply, ReplyError):
            raise reply


def migrate_slots(settings, conns, slots, source, target, ids):
    """Move slots and their keys from leader port `source` to `target`, as
    redis-cli --cluster reshard does (SETSLOT IMPORTING on the target,
    MIGRATING on the source, MIGRATE every key, SETSLOT NODE everywhere),
    a batch of slots at a time."""
    src, dst = conns[source], conns[target]
    for start in range(0, len(slots), MIGRATE_BATCH):
        batch = slots[start:start + MIGRATE_BATCH]
        pipeline(dst, [("CLUSTER", "SETSLOT", s, "IMPORTING", ids[source]) for s in batch])
        pipeline(src, [("CLUSTER", "SETSLOT", s, "MIGRATING", ids[target]) for s in batch])
        for slot in batch:
            for _ in range(1_000_000):
                keys = src.call("CLUSTER", "GETKEYSINSLOT", slot, 1000)
                if not keys:
                    break
                src.call("MIGRATE", settings["host"], target, "", 0, 10000, "KEYS", *keys)
            else:
                raise Failed(f"slot {slot} never emptied on port {source}")
        # The target first, then the source, then every other leader.
        for port in [target, source] + [p for p in conns if p not in (source, target)]:
            pipeline(conns[port], [("CLUSTER", "SETSLOT", s, "NODE", ids[target]) for s in batch])


def grow(settings, shards, empty):
    """Add shards to the running cluster up to `shards`, moving the planned slots."""
    began = time.monotonic()
    state = load_state(settings)
    old = state["shards"]
    if shards <= old:
        raise Failed(f"the cluster has {old} shards already")
    binary = server_binary(settings)
    host = settings["host"]
    nodes = layout(settings, shards)
    if [n["port"] for n in nodes[:len(state["nodes"])]] != [n["port"] for n in state["nodes"]]:
        raise Failed("grow with the settings the cluster was started with (same base port and replicas)")
    new = nodes[len(state["nodes"]):]
    deadline = began + settings["start-timeout"]
    spawn(binary, settings, new)
    for node in new:
        log = os.path.join(data_dir(settings), str(node["port"]), "node.log")
        wait_until(lambda: node_up(host, node["port"], log), deadline, f"port {node['port']} to answer PING")
    ids = {n["port"]: n["id"] for n in state["nodes"]}
    ids.update(node_ids(settings, new))
    join(settings, nodes, new, deadline)
    replicate(settings, nodes, new, ids)
    # A new leader reports cluster_state:fail for its first 2 s (Redis's
    # CLUSTER_WRITABLE_DELAY) and refuses MIGRATE's RESTORE until then.
    wait_until(lambda: cluster_agrees(settings, nodes, ids), deadline,
               "the new nodes to join (cluster_state:ok everywhere)")
    leaders = {n["shard"]: n["port"] for n in nodes if n["role"] == "leader"}
    moved = 0
    if not empty:
        conns = {p: Connection(host, p, timeout=15) for p in leaders.values()}
        try:
            for (source, target), slots in sorted(cluster_plan.moves(old, shards).items()):
                migrate_slots(settings, conns, slots, leaders[source], leaders[target], ids)
                moved += len(slots)
        finally:
            for conn in conns.values():
                conn.close()
    wait_until(lambda: cluster_agrees(settings, nodes, ids), time.monotonic() + settings["start-timeout"],
               "cluster_state:ok and one CLUSTER NODES view on every node")
    save_state(settings, shards, nodes, ids)
    print(f"grew from {old} to {shards} shards, moved {moved} slots, in {time.monotonic() - began:.2f} s")


def recorded_pids(settings):
    path = os.path.join(data_dir(settings), "pids")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [tuple(int(x) for x in line.split()) for line in f if line.strip()]


def is_our_node(pid, port):
    """Whether pid is still the process started for port (its command line names the port)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return False
    return str(port).encode() in argv


def stop(settings):
    """SHUTDOWN NOSAVE every recorded node; SIGKILL the ones still there after 5 s."""
    pids = recorded_pids(settings)
    if not pids:
        print("no cluster recorded")
        return
    for port, _ in pids:
        try:
            call(settings["host"], port, "SHUTDOWN", "NOSAVE", timeout=1)
        except (OSError, ReplyError):
            pass  # the connection closes as the node exits
    deadline = time.monotonic() + 5
    try:
        wait_until(lambda: not any(is_our_node(pid, port) for port, pid in pids), deadline,
                   "every node to exit")
    except Failed:
        for port, pid in pids:
            if is_our_node(pid, port):
                os.kill(pid, signal.SIGKILL)
    for port, _ in pids:
        proc = RUNNING.pop(port, None)
        if proc is not None:
            proc.wait(timeout=5)  # started by this run: reap it
    os.unlink(os.path.join(data_dir(settings), "pids"))
    print(f"stopped {len(pids)} nodes")


def status(settings):
    """One line per node: port, shard, role, pid, slots, cluster_state. False if any is not ok."""
    state = load_state(settings)
    pids = dict(recorded_pids(settings))
    healthy = True
    print(f"{'port':>6} {'shard':>5} {'role':8} {'pid':>8} {'slots':>6} state")
    for node in state["nodes"]:
        port = node["port"]
        try:
            info = call(state["host"], port, "CLUSTER", "INFO", timeout=1)
            fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
            view = parse_nodes(call(state["host"], port, "CLUSTER", "NODES", timeout=1))
            flags, _, slots = view[node["id"]]
            count = sum(int(b) - int(a) + 1 for a, _, b in
                        (r.partition("-") if "-" in r else (r, "", r) for r in slots))
            role = "leader" if "master" in flags else "replica"
            cluster_state = fields.get("cluster_state", "?")
        except (OSError, ReplyError, KeyError):
            role, count, cluster_state = node["role"], "-", "down"
        healthy &= cluster_state == "ok"
        print(f"{port:>6} {node['shard']:>5} {role:8} {pids.get(port, '-'):>8} {count:>6} {cluster_state}")
    return healthy


def show_plan(shards, old):
    """Print plan(shards), and with `old` what moves from plan(old) and what rebalance would do."""
    for shard, ranges in enumerate(cluster_plan.plan(shards)):
        count = sum(b - a + 1 for a, b in ranges)
        text = " ".join(f"{a}-{b}" if a != b else str(a) for a, b in ranges)
        print(f"shard {shard}: {count} slots in {len(ranges)} ranges: {text}")
    if old is None:
        return
    moved = cluster_plan.moves(old, shards)
    total = sum(len(s) for s in moved.values())
    print(f"from {old} to {shards} shards: {total} of {cluster_plan.SLOTS} slots move "
          f"({100.0 * total / cluster_plan.SLOTS:.1f}%)")
    for (source, target), slots in sorted(moved.items()):
        print(f"  shard {source} -> shard {target}: {len(slots)} slots")
    before = [len(s) for s in cluster_plan.plan_slots(old)] + [0] * (shards - old)
    print("per-shard slots after the move:           ", [len(s) for s in cluster_plan.plan_slots(shards)])
    print("redis-cli --cluster rebalance would reach:", cluster_plan.rebalance_counts(before),
          "(--cluster-use-empty-masters, shards in this order)")


def main():
    # The settings are accepted before or after the subcommand.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", default=argparse.SUPPRESS,
                        help="topology file (default conf/cluster.yaml)")
    for name, default in cluster_config.DEFAULTS.items():
        common.add_argument("--" + name, type=type(default), default=argparse.SUPPRESS,
                            help=f"overrides conf/cluster.yaml (default {default!r})")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], parents=[common])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("start", parents=[common], help="start a fresh cluster")
    sub.add_parser("stop", parents=[common], help="stop the recorded nodes")
    sub.add_parser("status", parents=[common], help="show every node; exit 1 unless all are ok")
    plan = sub.add_parser("plan", parents=[common], help="print the slot plan")
    plan.add_argument("--from", dest="old", type=int)
    grow_parser = sub.add_parser("grow", parents=[common], help="add shards to the running cluster")
    grow_parser.add_argument("--empty", action="store_true", help="add the nodes, move no slots")
    args = parser.parse_args()
    config = getattr(args, "config", os.path.join(ROOT, "conf", "cluster.yaml"))
    overrides = {name: getattr(args, name.replace("-", "_"), None) for name in cluster_config.DEFAULTS}
    try:
        settings = cluster_config.load(config, overrides)
        if args.command == "start":
            start(settings)
        elif args.command == "stop":
            stop(settings)
        elif args.command == "status":
            sys.exit(0 if status(settings) else 1)
        elif args.command == "plan":
            show_plan(settings["shards"], args.old)
        elif args.command == "grow":
            grow(settings, settings["shards"], args.empty)
    except (Failed, ValueError, OSError, ReplyError) as err:
        sys.exit(f"cluster.py {args.command}: {err}")


if __name__ == "__main__":
    main()
