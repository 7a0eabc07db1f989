# The webhook benchmark (tests/perf/webhook/bench_webhook.py): notion-webhook against a floor handler on
# loopback: each one's knee (binary search) and what saturates there, then paired slices at each rate
# both sustain, p99 and CPU-per-request ratios with 95 % intervals; about four minutes. Override with
#   make bench-webhook BENCH_WEBHOOK_ARGS="--rates 50 --pairs 30"
BENCH_WEBHOOK_ARGS ?=

.PHONY: bench-webhook
bench-webhook: $(VENV)/.synced $(RUNTIME_VENV)/.synced
	$(PY) -m tests.perf.webhook.bench_webhook --python $(RUNTIME_PY) $(BENCH_WEBHOOK_ARGS)
