"""Unit tests of scripts/cluster.py's slot plan and config reader (no server, well under a second).

    python3 -m unittest scripts/test_cluster.py
"""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cluster_config  # noqa: E402
import cluster_plan  # noqa: E402
from cluster_plan import SLOTS  # noqa: E402

SHARD_COUNTS = range(1, 13)


class Plan(unittest.TestCase):
    def test_every_slot_has_exactly_one_owner(self):
        for shards in SHARD_COUNTS:
            slots = [s for ranges in cluster_plan.plan(shards)
                     for first, last in ranges for s in range(first, last + 1)]
            self.assertEqual(sorted(slots), list(range(SLOTS)), shards)

    def test_each_shard_holds_its_share_rounded_down_or_up(self):
        for shards in SHARD_COUNTS:
            counts = [len(s) for s in cluster_plan.plan_slots(shards)]
            self.assertLessEqual(max(counts) - min(counts), 1, shards)
            self.assertEqual(min(counts), SLOTS // shards, shards)

    def test_adding_a_shard_moves_slots_only_to_the_new_shard(self):
        for shards in SHARD_COUNTS:
            moved = cluster_plan.moves(shards, shards + 1)
            self.assertEqual({to for _, to in moved}, {shards}, shards)

    def test_adding_a_shard_moves_the_least_a_balanced_plan_can(self):
        for shards in SHARD_COUNTS:
            moved = sum(len(s) for s in cluster_plan.moves(shards, shards + 1).values())
            # The new shard needs at least SLOTS // (shards + 1) to be balanced.
            self.assertEqual(moved, SLOTS // (shards + 1), shards)

    def test_every_existing_shard_gives_evenly(self):
        for shards in SHARD_COUNTS:
            moved = cluster_plan.moves(shards, shards + 1)
            given = [len(moved.get((j, shards), [])) for j in range(shards)]
            self.assertLessEqual(max(given) - min(given), 1, (shards, given))

    def test_slots_that_stay_keep_their_owner_across_many_steps(self):
        for shards in SHARD_COUNTS:
            before, after = cluster_plan.owners(shards), cluster_plan.owners(shards + 3)
            for slot in range(SLOTS):
                if after[slot] < shards:
                    self.assertEqual(after[slot], before[slot], (shards, slot))

    def test_is_deterministic(self):
        for shards in SHARD_COUNTS:
            self.assertEqual(cluster_plan.plan(shards), cluster_plan.plan(shards))
        # The default topology, pinned so a change to the rule is seen.
        self.assertEqual(cluster_plan.plan(3),
                         [[(0, 5461)], [(10923, 16383)], [(5462, 10922)]])

    def test_ranges_stay_few(self):
        for shards in SHARD_COUNTS:
            for ranges in cluster_plan.plan(shards):
                self.assertLessEqual(len(ranges), shards + 1, shards)

    def test_ranges_are_sorted_and_not_adjacent(self):
        for shards in SHARD_COUNTS:
            for ranges in cluster_plan.plan(shards):
                for (_, last), (first, _) in zip(ranges, ranges[1:]):
                    self.assertGreater(first, last + 1)

    def test_counts_match_what_redis_cli_rebalance_ends_with(self):
        # From plan(n) plus an empty shard, rebalance gives every shard
        # 16384 // (n + 1) and the rounding surplus to the new one; the plan
        # spreads that surplus one slot each. Equal when n + 1 divides 16384.
        for shards in SHARD_COUNTS:
            grown = [len(s) for s in cluster_plan.plan_slots(shards)] + [0]
            self.assertTrue(cluster_plan.rebalance_needed(grown))
            by_rebalance = cluster_plan.rebalance_counts(grown)
            by_plan = [len(s) for s in cluster_plan.plan_slots(shards + 1)]
            surplus = SLOTS % (shards + 1)
            self.assertEqual(by_rebalance[:-1], [SLOTS // (shards + 1)] * shards)
            self.assertEqual(by_rebalance[-1], SLOTS // (shards + 1) + surplus)
            if surplus == 0:
                self.assertEqual(by_plan, by_rebalance, shards)
            else:
                self.assertEqual(sorted(by_plan)[-surplus:], [by_rebalance[0] + 1] * surplus)

    def test_rebalance_leaves_every_plan_as_it_is(self):
        for shards in SHARD_COUNTS:
            counts = [len(s) for s in cluster_plan.plan_slots(shards)]
            self.assertFalse(cluster_plan.rebalance_needed(counts), shards)

    def test_the_largest_plan_is_still_balanced(self):
        counts = [len(s) for s in cluster_plan.plan_slots(cluster_plan.MAX_SHARDS)]
        self.assertLessEqual(max(counts) - min(counts), 1)

    def test_out_of_range_shard_counts_are_refused(self):
        for shards in (0, cluster_plan.MAX_SHARDS + 1):
            with self.assertRaises(ValueError):
                cluster_plan.plan(shards)


class RebalanceCounts(unittest.TestCase):
    def test_rounding_surplus_goes_to_receivers_in_list_order(self):
        # expected 5461 each; the one spare slot goes to the first node at or below it.
        self.assertEqual(cluster_plan.rebalance_counts([0, 8192, 8192]), [5462, 5461, 5461])

    def test_even_split(self):
        self.assertEqual(cluster_plan.rebalance_counts([5462, 5461, 5461, 0]), [4096] * 4)


class Config(unittest.TestCase):
    def test_reads_the_flat_subset(self):
        text = ('# comment\nshards: 4\nhost: "127.0.0.1"  # loopback\n'
                "bin: redis-server\nserver-args: '--save \"\"'\n\n")
        self.assertEqual(cluster_config.parse(text), {
            "shards": 4, "host": "127.0.0.1", "bin": "redis-server",
            "server-args": '--save ""'})

    def test_refuses_nested_yaml(self):
        with self.assertRaises(ValueError):
            cluster_config.parse("nodes:\n  - 7000\n")

    def test_overrides_win_and_unknown_names_fail(self):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write("shards: 5\nreplicas: 0\n")
        try:
            settings = cluster_config.load(f.name, {"shards": 2, "bin": None})
            self.assertEqual((settings["shards"], settings["replicas"]), (2, 0))
            self.assertEqual(settings["bin"], cluster_config.DEFAULTS["bin"])
            with self.assertRaises(ValueError):
                cluster_config.load(f.name, {"shard": 2})
            with self.assertRaises(ValueError):
                cluster_config.load(f.name, {"shards": "two"})
        finally:
            os.unlink(f.name)

    def test_the_checked_in_file_is_valid(self):
        path = os.path.join(os.path.dirname(__file__), "..", "conf", "cluster.yaml")
        settings = cluster_config.load(path)
        self.assertEqual(settings["shards"], 3)
        self.assertEqual(cluster_config.server_args(settings)[:2], ["--save", ""])
