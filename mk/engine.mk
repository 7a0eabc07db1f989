# The run engine: reliability suite, benchmark, replay of a run's log.
#   make reliability           the full suite (100 runs twice-delivered, crashes, fault storm), RESULT line last
#   make reliability-short     the same scenarios with fewer runs (< 1 min; make test runs the full suite)
#   make bench-engine          a 200+-step run: engine time (wall, CPU) and Firestore ops per step,
#                              late steps paired with a fresh run's first ones; RESULT line last
#   make replay RUN=<id> [TENANT=<id>]   print a run's timeline from its log (settings: NA_* env)
.PHONY: reliability reliability-short bench-engine replay

reliability: $(VENV)/.synced
	RELIABILITY=full $(PY) -m pytest tests/reliability -q -p no:cacheprovider

reliability-short: $(VENV)/.synced
	RELIABILITY=short $(PY) -m pytest tests/reliability -q -p no:cacheprovider

bench-engine: $(VENV)/.synced
	$(PY) -m tests.perf.engine.bench_engine

replay: $(VENV)/.synced
	@test -n "$(RUN)" || { echo "usage: make replay RUN=<run id> [TENANT=<tenant id>]" >&2; exit 2; }
	$(PY) -m local.replay $(RUN) $(if $(TENANT),--tenant $(TENANT),)

# The model as the attacker: 5,000 generated plans against the engine with fakes; the
# whole of it runs in make test too. RESULT attacks= unapproved_effects= misleading_approvals= key_approvals=
.PHONY: redteam
redteam: $(VENV)/.synced
	REDTEAM=full $(PY) -m pytest tests/redteam -q -p no:cacheprovider -s
