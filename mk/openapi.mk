# The api's contract (functions/openapi.py): docs/api/openapi.json, which tests/unit/platform/api/test_openapi.py
# keeps equal to what the routes and their models say. Run it after changing a route or a model.

.PHONY: openapi
openapi: $(VENV)/.synced
	$(PY) -m tools.openapi
