# Deploy artifact and cold-start benchmark (issue 2, items 7 and 10).

PACKAGE_ZIP := build/function-source.zip

.PHONY: package bench-coldstart

## package: build/function-source.zip, the source archive Cloud Functions receives (reproducible)
package: $(UV) | check-python
	"$(PYTHON)" tools/package.py --uv $(UV) --out $(PACKAGE_ZIP)

## bench-coldstart: import time of every target in fresh processes against its floor, then each
## function's first request from process start against a floor's (paired rounds, 95 % intervals);
## both run in the functions' runtime (the archive's requirements only, as Cloud Functions installs them)
bench-coldstart: $(VENV)/.synced $(RUNTIME_VENV)/.synced
	$(PY) -m tests.perf.bench_coldstart --python $(RUNTIME_PY)
