# Live progress under the rate limit (tests/perf/engine/bench_notion.py): 20 concurrent runs of one workspace,
# each with several Notion steps, a Runs row and notes on its page, against the Notion sandbox limited
# to 3 requests a second (over 60 s windows); achieved / allowed from the sandbox's own request log.
# Then the Notion requests one page read costs, this tree and the tree before decision 0090 (git).
# RESULT line last; a short form runs in make test. Override with
#   make bench-notion BENCH_NOTION_ARGS="--runs 40 --rate 3 --window 60 --no-before"
BENCH_NOTION_ARGS ?=

.PHONY: bench-notion
bench-notion: $(VENV)/.synced
	$(PY) -m tests.perf.engine.bench_notion $(BENCH_NOTION_ARGS)
