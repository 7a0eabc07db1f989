# The local stack and the demo.
.PHONY: demo stack

demo: check-python $(VENV)/.synced
	$(PY) -m local.demo

stack: $(VENV)/.synced web
	$(PY) -m local.stack
