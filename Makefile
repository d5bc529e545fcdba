# ferrocache: `make run` starts the server, `make test` passes the tests.
# `make test` installs what the tests need on a fresh Debian machine.

CARGO ?= cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: build release run test deps lint fmt bench bench-memory bench-replication bench-full-sync bench-bgsave clean

build:
	$(CARGO) build

release:
	$(CARGO) build --release

# Runs in the foreground on 127.0.0.1:6379 with the documented defaults.
# `make run PORT=7000` serves another port; ARGS passes any other flags
# (`make run ARGS="--maxmemory 100mb --appendonly yes"`).
PORT ?=
ARGS ?=
run: release
	./target/release/ferrocache conf/ferrocache.yaml $(if $(PORT),--port $(PORT)) $(ARGS)

# What the tests use, installed only when missing: redis-cli and
# redis-check-rdb (redis-tools), redis-server (reference replies and
# replication peers), redis-sentinel, redis-py (pip), promtool (prometheus).
deps:
	@if ! command -v redis-cli >/dev/null 2>&1 || ! command -v redis-check-rdb >/dev/null 2>&1 || \
		! command -v redis-server >/dev/null 2>&1 || ! command -v redis-sentinel >/dev/null 2>&1; then \
		echo "installing redis-tools, redis-server and redis-sentinel (Debian packages)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq redis-tools redis-server redis-sentinel >/dev/null; \
	fi
	@if command -v systemctl >/dev/null 2>&1; then \
		$(SUDO) systemctl stop redis-server redis-sentinel >/dev/null 2>&1 || true; fi
	@python3 -c "import redis" 2>/dev/null || python3 -m pip install --quiet redis
	@if ! command -v promtool >/dev/null 2>&1; then \
		echo "installing prometheus (for promtool)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends prometheus >/dev/null; \
		if command -v systemctl >/dev/null 2>&1; then $(SUDO) systemctl stop prometheus >/dev/null 2>&1 || true; fi; \
	fi

test: deps
	python3 -m unittest scripts/test_bench.py scripts/test_cluster.py scripts/test_cluster_live.py
	$(CARGO) test --all-targets -- --test-threads=2

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

# Throughput and CPU per request against redis-server on this machine
# (scripts/bench.py; BENCH_ARGS adds options: make bench BENCH_ARGS="--rounds 2").
BENCH_ARGS ?=
bench: release deps
	python3 scripts/bench.py $(BENCH_ARGS)

# Bytes per key (used_memory and RSS growth) for 1M keys of 100 bytes.
bench-memory: release deps
	python3 scripts/bench.py --memory 1000000 --datasize 100 $(BENCH_ARGS)

# A leader with one replica attached, against a Redis leader with one Redis replica.
bench-replication: release deps
	python3 scripts/bench.py --replicas 1 $(BENCH_ARGS)

# Full sync of 1M keys of 100 bytes to a fresh replica: time and peak RSS.
bench-full-sync: release deps
	python3 scripts/bench.py --full-sync 1000000 --datasize 100 --rounds 3 \
		--server-args "--repl-diskless-sync-delay 0" $(BENCH_ARGS)

# BGSAVE memory and latency under write load against redis-server's fork.
bench-bgsave: release deps
	python3 scripts/bgsave_bench.py

clean:
	$(CARGO) clean

# Long fuzzing of the request parser with libFuzzer (FUZZ_SECONDS=600 make fuzz
# for longer). Installs a nightly toolchain and cargo-fuzz when missing; the seeded stable
# version of the same checks runs in `make test`. New inputs go to
# target/fuzz-corpus (the checked-in seeds stay as they are); crashes to
# fuzz/artifacts/resp_parser/, replayed by `cargo +nightly fuzz run resp_parser FILE`.
FUZZ_SECONDS ?= 60
.PHONY: fuzz
fuzz:
	@rustup toolchain list 2>/dev/null | grep -q '^nightly' || \
		rustup toolchain install nightly --profile minimal || \
		{ echo "make fuzz needs a nightly toolchain (rustup toolchain install nightly)"; exit 1; }
	@command -v cargo-fuzz >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked || \
		{ echo "make fuzz needs cargo-fuzz (cargo install cargo-fuzz)"; exit 1; }
	mkdir -p target/fuzz-corpus
	$(CARGO) +nightly fuzz run resp_parser target/fuzz-corpus fuzz/corpus/resp_parser -- \
		-max_total_time=$(FUZZ_SECONDS)

# Differential test against redis-server 7.0 on the release build: N random
# commands of seed SEED (a random seed when empty) over CLIENTS clients;
# stops at the first difference and prints the seed and a shrunk history.
SEED ?=
N ?= 1000000
CLIENTS ?= 4
.PHONY: difftest
difftest: release deps
	DIFFTEST_SEED=$(if $(SEED),$(SEED),$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')) \
	DIFFTEST_COMMANDS=$(N) DIFFTEST_CLIENTS=$(CLIENTS) \
		$(CARGO) test --release --test difftest -- --nocapture

# A local Redis Cluster: conf/cluster.yaml's shards and replicas (3 x 2 nodes on
# 7000..7005), slots from scripts/cluster_plan.py, data and logs in .cluster/.
# CLUSTER_ARGS overrides the file: make cluster CLUSTER_ARGS="--bin redis-server --shards 4".
CLUSTER_ARGS ?=
.PHONY: cluster cluster-stop cluster-status
cluster: release
	python3 scripts/cluster.py start $(CLUSTER_ARGS)

cluster-stop:
	python3 scripts/cluster.py stop $(CLUSTER_ARGS)

cluster-status:
	python3 scripts/cluster.py status $(CLUSTER_ARGS)
