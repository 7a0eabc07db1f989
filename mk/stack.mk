# The local stack and the demo.
.PHONY: demo demo-code stack

demo: check-python $(VENV)/.synced
	$(PY) -m local.demo

demo-code: check-python $(VENV)/.synced
	$(PY) -m local.demo_code

stack: $(VENV)/.synced web
	$(PY) -m local.stack
