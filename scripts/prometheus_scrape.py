#!/usr/bin/env python3
"""Shows a real Prometheus scraping ferrocache's /metrics.

    cargo build --release
    python3 scripts/prometheus_scrape.py [--bin target/release/ferrocache]

Starts ferrocache with a metrics port and Prometheus (Debian package
prometheus) on free loopback ports with a one-second scrape interval, runs a
few commands, then asks Prometheus's query API for `up`, `redis_connected_clients`
and `redis_commands_total` until the scraped values arrive. Exits 0 when they
do, 1 otherwise. Everything is stopped at the end.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query(prom_port, expr):
    url = f"http://127.0.0.1:{prom_port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)["data"]["result"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", default="target/release/ferrocache")
    p.add_argument("--seconds", type=int, default=60)
    a = p.parse_args()
    port, mport, pport = free_port(), free_port(), free_port()
    work = tempfile.mkdtemp(prefix="prom-scrape-")
    config = os.path.join(work, "prometheus.yml")
    with open(config, "w") as f:
        f.write(
            "global:\n  scrape_interval: 1s\n"
            "scrape_configs:\n  - job_name: ferrocache\n"
            f"    static_configs:\n      - targets: ['127.0.0.1:{mport}']\n"
        )
    procs = [
        subprocess.Popen([os.path.abspath(a.bin), "--port", str(port), "--bind", "127.0.0.1",
                          "--metrics-port", str(mport)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
        subprocess.Popen(["prometheus", f"--config.file={config}", f"--storage.tsdb.path={work}/data",
                          f"--web.listen-address=127.0.0.1:{pport}"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    try:
        deadline = time.time() + a.seconds
        while time.time() < deadline:
            subprocess.run(["redis-cli", "-p", str(port), "SET", "k", "v"], capture_output=True)
            subprocess.run(["redis-cli", "-p", str(port), "GET", "k"], capture_output=True)
            try:
                up = query(pport, 'up{job="ferrocache"}')
                sets = query(pport, 'redis_commands_total{cmd="set"}')
            except OSError:
                time.sleep(0.5)
                continue
            if up and up[0]["value"][1] == "1" and sets:
                print(f"Prometheus on :{pport} scraped ferrocache's :{mport}/metrics")
                print(f"  up = {up[0]['value'][1]}")
                print(f"  redis_commands_total{{cmd=\"set\"}} = {sets[0]['value'][1]}")
                clients = query(pport, "redis_connected_clients")
                if clients:
                    print(f"  redis_connected_clients = {clients[0]['value'][1]}")
                return 0
            time.sleep(0.5)
        print("Prometheus did not report the scraped series in time")
        return 1
    finally:
        for pr in procs:
            pr.terminate()
            try:
                pr.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pr.kill()


if __name__ == "__main__":
    sys.exit(main())
