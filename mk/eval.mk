# make eval-agents: the agents' tasks (local/eval_agents.toml) on the local stack against the model the
# NA_MODEL_* settings pick (the offline stand-in unless told otherwise), their end states checked by
# code; and the code tasks (local/eval_code.toml), each pull request's branch checked by running the
# repository's own tests. Prints RESULT tasks= passed= model= code_...=; fails below EVAL_MIN_PASSED
# passed tasks (empty: the harness's default, DEFAULT_MIN_PASSED in local/eval_agents.py) and on any
# harness error.
# On Vertex AI: docs/deploy.md, "Measuring the agents" (cloudbuild-eval.yaml).
EVAL_MIN_PASSED ?=
.PHONY: eval-agents
eval-agents: check-python check-java $(VENV)/.synced
	$(PY) -m local.eval_code $(if $(EVAL_MIN_PASSED),--min-passed $(EVAL_MIN_PASSED))

# make bench-tokens: the same agents' tasks with the previous release's prompt layout and the newest,
# in one run, their model calls answered by a Gemini stand-in that bills as Vertex AI does (its
# implicit cache included); tokens per run from the run logs. RESULT billed_tokens_ratio= cached_share=
# cost_per_run_usd_p50= cost_ratio=; exits 1 on a missed goal (docs/benchmarks.md).
#   make bench-tokens BENCH_TOKENS_ARGS="--only <task> --workers 2"
#   make bench-tokens BENCH_TOKENS_ARGS="--thinking plan=256"   (a purpose's budget, newest layout only)
BENCH_TOKENS_ARGS ?=
.PHONY: bench-tokens
bench-tokens: check-java $(VENV)/.synced
	$(PY) -m tests.perf.tokens.bench_tokens $(BENCH_TOKENS_ARGS)
