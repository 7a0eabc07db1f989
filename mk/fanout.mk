# Parallel maps (tests/perf/engine/bench_fanout.py): a map over 200 rows of the Notion sandbox's
# Tasks data source, after one over 20, on the Firestore emulator with the sandbox limited to the
# workspace's share (3 requests a second); Firestore ops per child counted in both. RESULT line last;
# a small form runs in make test (tests/integration/test_bench_fanout.py). Override with
#   make bench-fanout BENCH_FANOUT_ARGS="--children 200 --rate 3 --threads 4 --window 3"
BENCH_FANOUT_ARGS ?=

.PHONY: bench-fanout
bench-fanout: $(VENV)/.synced
	$(PY) -m tests.perf.engine.bench_fanout $(BENCH_FANOUT_ARGS)
