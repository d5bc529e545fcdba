"""The pure arithmetic of scripts/bench.py: no processes, no sockets.

Kept apart so that scripts/test_bench.py can check it without a server.
Every ratio here is oriented so that a value above 1.0 favours ferrocache.
"""
import csv
import io
import math


def median(values):
    """The middle value (mean of the two middle ones for an even count)."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("median of no values")
    middle = len(ordered) // 2
    if len(ordered) % 2 == 1:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def geomean(values):
    """Geometric mean of positive values; None when there are none."""
    values = [v for v in values if v is not None]
    if not values:
        return None
    if any(v <= 0 for v in values):
        raise ValueError("geometric mean needs positive values")
    return math.exp(sum(math.log(v) for v in values) / len(values))


def ratio(numerator, denominator):
    """numerator / denominator, or None when the denominator is zero."""
    if not denominator:
        return None
    return numerator / denominator


def throughput_ratio(redis_rps, ferrocache_rps):
    """ferrocache requests/s over redis requests/s."""
    return ratio(ferrocache_rps, redis_rps)


def cpu_efficiency_ratio(redis_cpu_per_request, ferrocache_cpu_per_request):
    """Redis's server CPU per request over ferrocache's (higher: ferrocache is cheaper).

    None when either side used no measurable CPU (a run shorter than a clock tick).
    """
    if not redis_cpu_per_request:
        return None
    return ratio(redis_cpu_per_request, ferrocache_cpu_per_request)


def median_of_pairs(pairs, pair_ratio):
    """Median of pair_ratio(redis, ferrocache) over paired rounds, skipping None."""
    ratios = [pair_ratio(r, f) for r, f in pairs]
    ratios = [x for x in ratios if x is not None]
    return median(ratios) if ratios else None


def parse_benchmark_csv(text):
    """redis-benchmark --csv output -> {test name: {"rps", "p50_ms", "p99_ms"}}.

    A test that needs a helper (LRANGE fills a list with LPUSH first) gives
    two rows; both are returned, in order.
    """
    rows = {}
    for record in csv.DictReader(io.StringIO(text)):
        name = record.get("test")
        if not name:
            continue
        rows[name] = {
            "rps": float(record["rps"]),
            "p50_ms": float(record["p50_latency_ms"]),
            "p99_ms": float(record["p99_latency_ms"]),
        }
    return rows


def is_helper_row(name):
    """A row redis-benchmark adds to prepare a test, e.g. "LPUSH (needed to benchmark LRANGE)"."""
    return "(needed to benchmark" in name


def bytes_per_key(before, after, keys):
    """Growth of a memory figure per key loaded."""
    if keys <= 0:
        raise ValueError("keys must be positive")
    return (after - before) / keys
