# A deployed system checked from outside, without a Notion account (tools/smoke.py, docs/deploy.md).
.PHONY: smoke

smoke: $(VENV)/.synced
	@test -n "$(URL)" || { echo "usage: make smoke URL=https://<public_domain> [TASK_URLS='<run.app URL> ...']" >&2; exit 2; }
	$(PY) -m tools.smoke "$(URL)" $(foreach task,$(TASK_URLS),--task-url "$(task)")
