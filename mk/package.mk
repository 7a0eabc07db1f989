# Deploy artifact and cold-start benchmark.

PACKAGE_ZIP := build/function-source.zip

.PHONY: package bench-coldstart

## package: build/function-source.zip, the source archive Cloud Functions receives (reproducible)
package: $(UV) | check-python
	"$(PYTHON)" tools/package.py --uv $(UV) --out $(PACKAGE_ZIP)

## bench-coldstart: each function's first request from process start, this tree against the previous
## release side by side (BASE=<commit>, else the last tag, else the tree before decision 0039; its own
## runtime venv, built from its uv.lock): at most 1.2 times as long; notion-webhook's and api's against
## the seconds a person feels; exits 1 when a goal is missed. It first checks its own harness
## (tests/perf/coldstart/test_cold_request_runs.py: each cold request does real work). A full run:
##   make bench-coldstart BENCH_COLDSTART_ARGS="--rounds 21 --looks 3" [BASE=<commit>]
bench-coldstart: $(VENV)/.synced $(RUNTIME_VENV)/.synced
	$(PY) -m pytest -q -p no:cacheprovider tests/perf/coldstart
	$(PY) -m tests.perf.coldstart.bench_coldstart --python $(RUNTIME_PY) $(if $(BASE),--baseline $(BASE)) $(BENCH_COLDSTART_ARGS)
