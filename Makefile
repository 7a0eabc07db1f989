# Notion Agent: the two set-up commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Every Python process of the checks (pytest and its workers, each local stack's dozen processes)
# writes and reuses compiled bytecode: where the environment sets PYTHONDONTWRITEBYTECODE, each one
# compiled every module it imports from source again, and pytest rewrote every test module again
# (decision 0100). __pycache__ is ignored by git and left out of the functions' archive.
unexport PYTHONDONTWRITEBYTECODE

# Python 3.13: from PATH, else pyenv's usual place. Override with `make PYTHON=/path/to/python3.13`.
# (pyenv's shim is on PATH but fails when 3.13 is not the active version, so each candidate is run.)
PYTHON ?= $(shell for c in $$(command -v python3.13) $$HOME/.pyenv/versions/3.13*/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13; do \
  "$$c" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' >/dev/null 2>&1 && { echo "$$c"; break; }; done)
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
# The functions' runtime for benchmarks: the archive's requirements.txt only (no dev tools), compiled
RUNTIME_VENV := .venv-runtime
RUNTIME_PY := $(RUNTIME_VENV)/bin/python

.PHONY: help check-python check-java venv demo test lint typecheck pytest package

help:
	@echo "make demo   - run the walking skeleton on the local stack and print its timeline"
	@echo "make test   - install what the tests need, lint, type-check and run every test (the console too)"
	@echo "make stack  - keep the local stack up; it prints the console's URL and the Notion sandbox's screen (make web builds the console)"
	@echo "make package - build the Cloud Functions source archive under build/"

check-python:
	@if [ -z "$(PYTHON)" ] || ! "$(PYTHON)" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then \
	  echo "Python 3.13 was not found. Install it (for example 'pyenv install 3.13' or your OS package" >&2; \
	  echo "python3.13) and re-run, or point to it: make PYTHON=/path/to/python3.13 <target>" >&2; \
	  exit 1; \
	fi

$(UV): | check-python
	"$(PYTHON)" -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock $(UV) | check-python
	UV_PYTHON="$(PYTHON)" $(UV) sync --frozen --quiet
	@touch $@

venv: $(VENV)/.synced

$(RUNTIME_VENV)/.synced: pyproject.toml uv.lock $(UV) | check-python
	rm -rf $(RUNTIME_VENV)
	$(UV) venv --quiet --python "$(PYTHON)" $(RUNTIME_VENV)
	$(UV) export --frozen --no-dev --no-emit-project --no-header --quiet > $(RUNTIME_VENV)/requirements.txt
	$(UV) pip install --quiet --compile-bytecode --python $(RUNTIME_PY) -r $(RUNTIME_VENV)/requirements.txt
	@touch $@

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

typecheck: $(VENV)/.synced
	$(VENV)/bin/mypy

check-java:
	@command -v java >/dev/null 2>&1 || { echo "Java 17 is needed for the Firestore emulator:" \
	  "install openjdk-17-jre-headless (Debian) and the gcloud cloud-firestore-emulator component." >&2; exit 1; }

# Unit, integration (real Firestore emulator, local Cloud Tasks emulator, Notion sandbox) and e2e
# (the whole local stack over HTTP). tests/infra runs under infra-tests, tests/web under web-check (the
# console in a browser, mk/webcheck.mk), tests/roles under check-roles (mk/roles.mk); benchmarks have
# their own targets.
PYTEST_SUITES := tests --ignore=tests/infra --ignore=tests/perf --ignore=tests/web --ignore=tests/roles

# The security suites in full, never a sample (decision 0050): the reliability suite with the rest on
# PYTEST_WORKERS processes (pytest-xdist), and meanwhile the whole red team in one more process (its
# RESULT line sums what its modules found in that process: tests/redteam/test_zz_result.py), its
# output kept in REDTEAM_LOG and shown after. Both fail the target; stopped, it stops the red team.
# --dist loadfile: a module's tests stay on one worker, so its module-scoped fixtures (a whole local
# stack for an e2e module, a code sandbox) start once, not once per worker (decision 0100), but for
# the modules whose every test starts its own (EACH_TEST_ALONE, decision 0174): their tests go out one
# at a time; the modules in collection order, the long ones first (tests/conftest.py, decision 0105).
# Three workers on two cores: a test process waits on emulators, stacks and sandboxes a third of its
# time (0129).
PYTEST_WORKERS ?= 3
PYTEST_DIST ?= loadfile
REDTEAM_LOG := build/redteam.log
pytest: $(VENV)/.synced check-java
	@mkdir -p $(dir $(REDTEAM_LOG))
	@REDTEAM=full setsid $(PY) -m pytest -q -p no:cacheprovider -s tests/redteam >$(REDTEAM_LOG) 2>&1 & red=$$!; \
	  trap 'kill -- -$$red 2>/dev/null' EXIT INT TERM; \
	  RELIABILITY=full $(PY) -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist $(PYTEST_DIST) \
	    --no-loadscope-reorder $(PYTEST_SUITES) \
	    --ignore=tests/redteam; rest=$$?; \
	  wait $$red; redteam=$$?; trap - EXIT; \
	  echo "--- tests/redteam (REDTEAM=full), run alongside: $(REDTEAM_LOG)"; tail -n 40 $(REDTEAM_LOG); \
	  exit $$(( rest || redteam ))

# The checks of make test, run by tools/test_stages.py (decisions 0091, 0105): the installs overlapped,
# then pytest and check-indexes in one lane and the others in a second lane beside it, in
# TEST_CHECKS' order: web-check, the longest, first, as soon as the console is built (decision 0129),
# and the short ones one at a time beside it, in what the two long stages leave idle (0222). Each
# stage timed: the end is a table of each stage's wall and CPU seconds and the total. `make test
# TEST_LANES=1`: the same checks one after another, still timed. A new check goes in TEST_CHECKS;
# check-layout (mk/layout.mk) holds the layout's limits, duplicate pairs included.
# `make test-lanes` is the same as make test (its name before decision 0105).
TEST_CHECKS := web-check lint check-layout typecheck check-roles infra-tests pytest check-indexes
TEST_LANES ?= 2
.PHONY: test-lanes
test test-lanes: check-python
	@"$(PYTHON)" tools/test_stages.py --make "$(MAKE)" --lanes $(TEST_LANES) $(TEST_CHECKS)
	@echo "make $@: all checks passed"

# The pipeline's install stages by name (make test runs them side by side).
.PHONY: uv
uv: $(UV)

-include mk/*.mk
