# The api's contract (functions/openapi.py): docs/api/openapi.json, which tests/unit/platform/api/test_openapi.py
# keeps equal to what the routes and their models say. Run it after changing a route or a model.

.PHONY: openapi
openapi: $(VENV)/.synced
	$(PY) -m tools.openapi

# The api's typed Python client, generated from the contract into build/clients/python (docs/clients.md).
.PHONY: client-python
client-python: $(VENV)/.synced
	$(PY) -m tools.python_client
