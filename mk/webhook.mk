# The webhook benchmark (tests/perf/bench_webhook.py): notion-webhook against a floor handler on
# loopback, at rising rates, 20 s per rate and handler; a few minutes. Override with
#   make bench-webhook BENCH_WEBHOOK_ARGS="--rates 25,50 --duration 20"
BENCH_WEBHOOK_ARGS ?=

.PHONY: bench-webhook
bench-webhook: $(VENV)/.synced
	$(PY) -m tests.perf.bench_webhook $(BENCH_WEBHOOK_ARGS)
