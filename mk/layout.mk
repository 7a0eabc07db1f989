# One package per capability (decision 0080). `make check-layout` prints the layout's figures
# (tools/check_layout.py: RESULT largest_folder_modules=... capability_readmes=...); the limits report
# (decision 0144): it fails for a module or folder past its limit that does not say why, more
# duplicate pairs than today's, or a broken contract. `make test-<capability>` runs one capability's
# unit and integration tests (tests/unit/<capability>, tests/integration/<capability>) for a quick loop.
# After merging a branch written at the old paths: `$(PY) tools/relayout.py` (see its docstring).

CAPABILITIES := platform workspace notify team notion code runs tools agents memory engine sync

.PHONY: check-layout relayout plan-path $(addprefix test-,$(CAPABILITIES))

check-layout: $(VENV)/.synced
	$(PY) -m tools.check_layout

# The path of a plan task from start_run: stops, modules, returns to a module it left (tools/plan_path.py).
plan-path: $(VENV)/.synced
	$(PY) -m tools.plan_path --list

relayout: $(VENV)/.synced
	$(PY) tools/relayout.py

$(addprefix test-,$(CAPABILITIES)): test-%: $(VENV)/.synced check-java
	$(PY) -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) $(wildcard tests/unit/$*) $(wildcard tests/integration/$*)
