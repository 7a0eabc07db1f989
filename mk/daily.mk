# Daily planning's fan-out at scale: 10,000 tenants whose planning hour is due, on the
# Firestore and Cloud Tasks emulators, against a floor that creates the same tasks, in pairs; billed
# reads counted. The RESULT line is last, and a missed goal exits 1.
#   make bench-daily
#   make bench-daily BENCH_DAILY_ARGS="--tenants 50000 --routines 5 --pairs 3"
BENCH_DAILY_ARGS ?=

.PHONY: bench-daily
bench-daily: $(VENV)/.synced check-java
	$(PY) -m tests.perf.engine.bench_daily $(BENCH_DAILY_ARGS)
