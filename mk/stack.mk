# The local stack and the demo.
.PHONY: demo demo-code stack

demo: check-python $(VENV)/.synced
	$(PY) -m local.demo

demo-code: check-python $(VENV)/.synced
	$(PY) -m local.demo_code

# The stack installs the browser its screens (the console, the Notion sandbox's) are tried in.
stack: $(VENV)/.synced web chromium
	$(PY) -m local.stack
