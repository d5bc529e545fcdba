"""The slot plan of scripts/cluster.py: which hash slots each shard owns.

plan(n) gives shard i (0-based) a list of slot ranges (first, last), both
inclusive, covering all 16384 slots once. It is built one shard at a time,
so a plan for n + 1 shards is the plan for n shards plus one step:

  * every shard's target count is 16384 // (n + 1), and the first
    16384 % (n + 1) shards get one more (balanced, as `redis-cli --cluster
    rebalance` wants: each holds 16384/(n+1) rounded down or up);
  * each existing shard j gives the new shard exactly the slots it has
    beyond its new target: even-numbered shards give their highest slots,
    odd-numbered shards their lowest. Nothing else moves.

Because the "one more" shards are always a prefix (0 .. r-1), a shard's
loss in a step is q_n - q_(n+1) + [j < r_n] - [j < r_(n+1)], and the last two
terms cannot be +1 for one shard and -1 for another: losses differ by at
most one (taken evenly). The new shard receives 16384 // (n + 1) slots, the
least any balanced plan can give it, so the movement is minimal.
Giving the top of one shard and the bottom of the next keeps the pieces
adjacent in slot space where the shards are neighbours, so ranges stay few
(plan(3) is one range per shard; plan(12) at most 13 per shard).
This is consistent hashing in Karger's sense (monotone and balanced), with
the ring replaced by the fixed order in which shards were added.
"""

SLOTS = 16384

# Beyond this a step could ask a shard for more slots than it has
# (16384 / (n (n + 1)) must stay >= 1); Redis advises ~1000 nodes at most anyway.
MAX_SHARDS = 127


def target_counts(shards):
    """Slots per shard in a balanced plan: the first SLOTS % shards get one more."""
    base, extra = divmod(SLOTS, shards)
    return [base + (1 if i < extra else 0) for i in range(shards)]


def plan_slots(shards):
    """Sorted slot lists per shard for `shards` shards (1 .. MAX_SHARDS)."""
    if not 1 <= shards <= MAX_SHARDS:
        raise ValueError(f"shards must be 1 .. {MAX_SHARDS}, not {shards}")
    owned = [list(range(SLOTS))]
    for count in range(2, shards + 1):
        targets = target_counts(count)
        received = []
        for shard, slots in enumerate(owned):
            give = len(slots) - targets[shard]
            assert give >= 0, "a balanced step never takes more than a shard has"
            if shard % 2 == 0:
                received += slots[len(slots) - give:]
                del slots[len(slots) - give:]
            else:
                received += slots[:give]
                del slots[:give]
        owned.append(sorted(received))
    return owned


def to_ranges(slots):
    """Sorted slots as inclusive (first, last) ranges of consecutive slots."""
    ranges = []
    for slot in slots:
        if ranges and ranges[-1][1] == slot - 1:
            ranges[-1] = (ranges[-1][0], slot)
        else:
            ranges.append((slot, slot))
    return ranges


def plan(shards):
    """Inclusive slot ranges per shard for `shards` shards."""
    return [to_ranges(slots) for slots in plan_slots(shards)]


def owners(shards):
    """owner[slot] = the shard that owns slot in plan(shards)."""
    owner = [0] * SLOTS
    for shard, slots in enumerate(plan_slots(shards)):
        for slot in slots:
            owner[slot] = shard
    return owner


def moves(old_shards, new_shards):
    """Slots that change owner from plan(old_shards) to plan(new_shards):
    {(from_shard, to_shard): sorted slot list}."""
    before, after = owners(old_shards), owners(new_shards)
    moved = {}
    for slot in range(SLOTS):
        if before[slot] != after[slot]:
            moved.setdefault((before[slot], after[slot]), []).append(slot)
    return moved


def rebalance_counts(counts):
    """Slot counts `redis-cli --cluster rebalance` (equal weights) ends with,
    given the masters' counts in the order it lists them.

    Mirrors redis-cli 7.0: expected = (int)(16384.0 / masters); balance =
    count - expected; the rounding surplus (16384 % masters) is given, one
    slot per pass, to the nodes whose balance is <= 0, in list order
    (rebalance_needed says whether it acts at all). So from 4 equal shards
    plus an empty one it ends with 3276 x 4 and 3280 where plan(5) has
    3277 x 4 and 3276: the same when the shard count divides 16384.
    """
    expected = int(SLOTS / len(counts))
    balance = [count - expected for count in counts]
    surplus = sum(balance)
    while surplus > 0:
        for i, value in enumerate(balance):
            if value <= 0 and surplus > 0:
                balance[i] -= 1
                surplus -= 1
    return [count - value for count, value in zip(counts, balance)]


def rebalance_needed(counts, threshold=2.0):
    """Whether `redis-cli --cluster rebalance` would move anything: some
    master is more than `threshold` percent (its default 2) off its expected
    count, or empty while expected to hold more than one slot."""
    expected = int(SLOTS / len(counts))
    for count in counts:
        if count > 0 and abs(100 - 100.0 * expected / count) > threshold:
            return True
        if count == 0 and expected > 1:
            return True
    return False
