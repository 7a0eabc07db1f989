# Offline checks of terraform/ and cloudbuild.yaml (issue 5). `make check-infra` runs them alone;
# `infra-tests` is the name for `make test` to depend on.
.PHONY: check-infra infra-tests

INFRA_VENV := .venv-infra
INFRA_REQUIREMENTS := terraform/requirements-check.txt

# checkov's pins conflict with the project's, so it lives in its own venv, rebuilt when the pins change.
$(INFRA_VENV)/.synced: $(INFRA_REQUIREMENTS) | check-python
	rm -rf $(INFRA_VENV)
	"$(PYTHON)" -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps -r $(INFRA_REQUIREMENTS)
	@touch $@

check-infra: $(VENV)/.synced $(INFRA_VENV)/.synced
	$(PY) -m tools.check_infra --checkov $(INFRA_VENV)/bin/checkov

infra-tests: check-infra
