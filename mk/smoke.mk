# Operating a deployment from outside: the smoke test (tools/smoke.py) and the dead letters.
.PHONY: smoke

smoke: $(VENV)/.synced
	@test -n "$(URL)" || { echo "usage: make smoke URL=https://<public_domain> [TASK_URLS='<run.app URL> ...']" >&2; exit 2; }
	$(PY) -m tools.smoke "$(URL)" $(foreach task,$(TASK_URLS),--task-url "$(task)")

# Task bodies that could never become valid, newest first (tools/dead_letters.py): run with the
# deployment's settings, e.g. NA_PROFILE=production NA_GCP_PROJECT=<project> make dead-letters.
.PHONY: dead-letters
dead-letters: $(VENV)/.synced
	$(PY) -m tools.dead_letters $(if $(LIMIT),--limit $(LIMIT))
