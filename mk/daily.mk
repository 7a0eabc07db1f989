# Daily planning's fan-out at scale (issue 36): 10,000 tenants whose planning hour is due, on the
# Firestore and Cloud Tasks emulators; the RESULT line is last, and a missed goal exits 1.
#   make bench-daily
#   make bench-daily BENCH_DAILY_ARGS="--tenants 2000"
BENCH_DAILY_ARGS ?=

.PHONY: bench-daily
bench-daily: $(VENV)/.synced check-java
	$(PY) -m tests.perf.bench_daily $(BENCH_DAILY_ARGS)
