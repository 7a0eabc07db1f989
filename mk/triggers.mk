# Trigger rules (tests/perf/webhook/bench_triggers.py): a mix of page edits (200 by default) through the real
# notion-webhook against the Notion sandbox and the Firestore emulator; each one's Notion requests,
# model calls and runs counted. RESULT line last; the short form runs in make test. Override with
#   make bench-triggers BENCH_TRIGGERS_ARGS="--edits 500 --seed 7"
BENCH_TRIGGERS_ARGS ?=

.PHONY: bench-triggers
bench-triggers: $(VENV)/.synced
	$(PY) -m tests.perf.webhook.bench_triggers $(BENCH_TRIGGERS_ARGS)
