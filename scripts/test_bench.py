"""Unit tests of scripts/bench.py's pure parts (no server needed, well under a second).

    python3 -m unittest scripts/test_bench.py
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench  # noqa: E402
import bench_report  # noqa: E402
import bench_servers  # noqa: E402
import bench_stats  # noqa: E402

CSV = '''"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
"LPUSH (needed to benchmark LRANGE)","20408.16","2.140","0.296","1.015","5.823","6.175","6.359"
"LRANGE_100 (first 100 elements)","18018.02","2.066","0.328","1.055","6.015","9.343","9.543"
'''


class Median(unittest.TestCase):
    def test_odd_count_takes_the_middle(self):
        self.assertEqual(bench_stats.median([3, 1, 2]), 2)

    def test_even_count_averages_the_middle_two(self):
        self.assertEqual(bench_stats.median([4, 1, 3, 2]), 2.5)

    def test_no_values_is_an_error(self):
        with self.assertRaises(ValueError):
            bench_stats.median([])


class Geomean(unittest.TestCase):
    def test_of_reciprocals_is_one(self):
        self.assertAlmostEqual(bench_stats.geomean([2.0, 0.5]), 1.0)

    def test_of_powers(self):
        self.assertAlmostEqual(bench_stats.geomean([1.0, 4.0, 16.0]), 4.0)

    def test_skips_missing_and_empty_is_none(self):
        self.assertAlmostEqual(bench_stats.geomean([None, 9.0, 1.0]), 3.0)
        self.assertIsNone(bench_stats.geomean([]))

    def test_rejects_non_positive(self):
        with self.assertRaises(ValueError):
            bench_stats.geomean([1.0, 0.0])


class Ratios(unittest.TestCase):
    def test_throughput_is_ferrocache_over_redis(self):
        self.assertAlmostEqual(bench_stats.throughput_ratio(100.0, 150.0), 1.5)

    def test_cpu_efficiency_is_redis_cost_over_ferrocache_cost(self):
        # Redis spends 3 us per request, ferrocache 2 us: ferrocache is 1.5x as efficient.
        self.assertAlmostEqual(bench_stats.cpu_efficiency_ratio(3.0, 2.0), 1.5)

    def test_unmeasurable_cpu_gives_none(self):
        self.assertIsNone(bench_stats.cpu_efficiency_ratio(0.0, 2.0))
        self.assertIsNone(bench_stats.cpu_efficiency_ratio(3.0, 0.0))

    def test_median_of_pairs_is_the_median_of_the_ratios(self):
        # Pairwise ratios 2.0, 1.0, 1.5 (not the ratio of the medians).
        pairs = [(1.0, 2.0), (4.0, 4.0), (2.0, 3.0)]
        self.assertAlmostEqual(bench_stats.median_of_pairs(pairs, bench_stats.throughput_ratio), 1.5)

    def test_median_of_pairs_skips_unmeasurable(self):
        pairs = [(0.0, 1.0), (2.0, 1.0)]
        self.assertAlmostEqual(
            bench_stats.median_of_pairs(pairs, bench_stats.cpu_efficiency_ratio), 2.0)
        self.assertIsNone(bench_stats.median_of_pairs([(0.0, 1.0)], bench_stats.cpu_efficiency_ratio))

    def test_bytes_per_key(self):
        self.assertEqual(bench_stats.bytes_per_key(1000, 3000, 10), 200.0)


class BenchmarkCsv(unittest.TestCase):
    def test_every_row_with_rps_and_latencies(self):
        rows = bench_stats.parse_benchmark_csv(CSV)
        self.assertEqual(list(rows), ["LPUSH (needed to benchmark LRANGE)",
                                      "LRANGE_100 (first 100 elements)"])
        lrange = rows["LRANGE_100 (first 100 elements)"]
        self.assertEqual(lrange, {"rps": 18018.02, "p50_ms": 1.055, "p99_ms": 9.343})

    def test_helper_rows_are_recognised(self):
        self.assertTrue(bench_stats.is_helper_row("LPUSH (needed to benchmark LRANGE)"))
        self.assertFalse(bench_stats.is_helper_row("LPUSH"))
        self.assertFalse(bench_stats.is_helper_row("LRANGE_100 (first 100 elements)"))

    def test_header_only_or_empty_gives_nothing(self):
        self.assertEqual(bench_stats.parse_benchmark_csv(CSV.splitlines()[0] + "\n"), {})
        self.assertEqual(bench_stats.parse_benchmark_csv(""), {})


class Summaries(unittest.TestCase):
    def pair(self, rps, cpu_us):
        return {"rps": rps, "p50_ms": 0.5, "p99_ms": 1.0, "cpu_us": cpu_us}

    def test_row_takes_medians_of_pairwise_ratios(self):
        rounds = [
            {"redis": self.pair(100.0, 4.0), "ferrocache": self.pair(120.0, 2.0)},
            {"redis": self.pair(200.0, 4.0), "ferrocache": self.pair(200.0, 4.0)},
            {"redis": self.pair(100.0, 3.0), "ferrocache": self.pair(110.0, 2.0)},
        ]
        row = bench.summarize("SET", 16, rounds)
        self.assertEqual(row["rounds"], 3)
        self.assertAlmostEqual(row["rps_ratio"], 1.1)
        self.assertAlmostEqual(row["cpu_ratio"], 1.5)
        self.assertEqual(row["redis_rps"], 100.0)

    def test_table_names_both_ratios(self):
        rounds = [{"redis": self.pair(100.0, 3.0), "ferrocache": self.pair(150.0, 2.0)}]
        row = bench.summarize("GET", 1, rounds)
        summary = {"rounds": 1, "geomean_rps_ratio": 1.5, "geomean_cpu_ratio": 1.5,
                   "lowest_cpu_row": row}
        table = bench_report.throughput_table([row], summary)
        self.assertIn("| GET | 1 | 100 | 150 | 1.500 | 3.00 | 2.00 | 1.500 |", table)
        self.assertIn("server CPU efficiency 1.500", table)


class Protocol(unittest.TestCase):
    def test_encode_command(self):
        self.assertEqual(bench_servers.encode_command("SET", b"k", "vv"),
                         b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nvv\r\n")

    def test_cpu_seconds_of_this_process(self):
        self.assertGreaterEqual(bench_servers.cpu_seconds(os.getpid()), 0.0)


class FullSyncTable(unittest.TestCase):
    def test_shows_both_servers_and_the_ratios(self):
        import bench_replication
        side = {"seconds": 2.0, "leader_peak_rss": 300 * 2**20,
                "leader_rss_growth": 100 * 2**20, "replica_peak_rss": 200 * 2**20}
        result = {"keys": 1000000, "datasize": 100, "rounds": 3, "redis": side,
                  "ferrocache": dict(side, seconds=1.0), "time_ratio": 2.0,
                  "leader_peak_rss_ratio": 1.0}
        text = bench_replication.full_sync_table(result)
        self.assertIn("| redis | 2.00 | 300 | 100 | 200 |", text)
        self.assertIn("| ferrocache | 1.00 | 300 | 100 | 200 |", text)
        self.assertIn("time ratio (redis / ferrocache, above 1.0: ferrocache faster): 2.000", text)


if __name__ == "__main__":
    unittest.main()
