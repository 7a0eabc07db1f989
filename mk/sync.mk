# Linear, GitLab and Motion kept in step with Notion (docs/sync.md). `make bench-sync` edits both
# sides while the tool's deliveries come doubled, late and out of order and it answers some requests
# 429, and prints `RESULT tool= converged= lost= duplicates= echo_writes= schema_errors= mirror_p95_s=`
# for Linear, then GitLab, then Motion (tests/perf/sync/bench_sync.py; BENCH_SYNC_ARGS="--rounds 12 --edits 4 --seed 7
# --tool motion"; Motion has no webhooks: its changes reach Notion by the scans' polls).
# Then runs whose Gemini fails at the plan or mid-run so Claude answers (bench_fallback.py,
# --fallback-runs 12), and one RESULT line over all, ending in fallback_runs_completed= fallback_runs_failed=.
# `make linear-schema LINEAR_SDK_TGZ=linear-sdk-98.0.0.tgz` derives the sandbox's schema from the
# SDK's tarball (`npm pack @linear/sdk@98.0.0`; decision 0093).

.PHONY: bench-sync linear-schema

bench-sync: $(VENV)/.synced
	$(PY) -m tests.perf.sync.bench_sync $(BENCH_SYNC_ARGS)

linear-schema: $(VENV)/.synced
	$(PY) -m tools.linear_schema $(LINEAR_SDK_TGZ)
