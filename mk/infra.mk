# Offline checks of terraform/ and cloudbuild.yaml. `make check-infra` runs them alone;
# `infra-tests` is the name for `make test` to depend on.
.PHONY: check-infra infra-tests

INFRA_VENV := .venv-infra
INFRA_REQUIREMENTS := terraform/requirements-check.txt

# checkov's pins conflict with the project's, so it lives in its own venv, rebuilt when the pins change.
# Installed by uv (pip only seeded, for the schemas' download below): pip took 29 CPU s, most of them
# compiling 78 MB of bytecode for modules checkov never imports; uv takes 2, and the first checkov run
# compiles what it imports (PYTHONDONTWRITEBYTECODE is unexported: the Makefile).
$(INFRA_VENV)/.synced: $(INFRA_REQUIREMENTS) | $(UV) check-python
	rm -rf $(INFRA_VENV)
	$(UV) venv --quiet --seed --python "$(PYTHON)" $(INFRA_VENV)
	$(UV) pip install --quiet --no-deps --python $(INFRA_VENV)/bin/python -r $(INFRA_REQUIREMENTS)
	@touch $@

# The providers' schemas, from the pinned binding wheels (downloaded only; tools/provider_schema.py).
SCHEMA_REQUIREMENTS := terraform/requirements-schema.txt
PROVIDER_SCHEMAS := $(INFRA_VENV)/provider-schemas.json

$(PROVIDER_SCHEMAS): $(SCHEMA_REQUIREMENTS) tools/provider_schema.py $(INFRA_VENV)/.synced $(VENV)/.synced
	rm -rf $(INFRA_VENV)/provider-wheels
	$(INFRA_VENV)/bin/pip download --quiet --disable-pip-version-check --no-deps --require-hashes \
	  -r $(SCHEMA_REQUIREMENTS) -d $(INFRA_VENV)/provider-wheels
	$(PY) -m tools.provider_schema $(INFRA_VENV)/provider-wheels $@

check-infra: $(VENV)/.synced $(INFRA_VENV)/.synced $(PROVIDER_SCHEMAS)
	$(PY) -m tools.check_infra --checkov $(INFRA_VENV)/bin/checkov --schemas $(PROVIDER_SCHEMAS)

infra-tests: check-infra

# What check-infra installs first: make test's install stage (tools/test_stages.py).
.PHONY: infra-setup
infra-setup: $(PROVIDER_SCHEMAS)

# The way back from a bad release (docs/deploy.md, "Rolling back a release"): every function's traffic
# to its previous revision, kept by the next apply until `make release-traffic`. DRY_RUN=1 changes nothing.
.PHONY: rollback-release release-traffic
rollback-release: $(VENV)/.synced
	@test -n "$(PROJECT)" -a -n "$(REGION)" || { echo "usage: make rollback-release PROJECT=<project> REGION=<region> [DRY_RUN=1]" >&2; exit 2; }
	$(PY) -m tools.release_traffic rollback --project="$(PROJECT)" --region="$(REGION)" $(if $(DRY_RUN),--dry-run)

release-traffic: $(VENV)/.synced
	@test -n "$(PROJECT)" -a -n "$(REGION)" || { echo "usage: make release-traffic PROJECT=<project> REGION=<region> [DRY_RUN=1]" >&2; exit 2; }
	$(PY) -m tools.release_traffic release --project="$(PROJECT)" --region="$(REGION)" $(if $(DRY_RUN),--dry-run)

# After a Firestore restore (docs/deploy.md, "Backups and restore"): import blocks for the indexes the
# restore brought back, in terraform/restore_imports.tf, so the apply imports them instead of a 409.
.PHONY: restore-indexes
restore-indexes: $(VENV)/.synced
	@test -n "$(PROJECT)" -a -n "$(DATABASE)" || { echo "usage: make restore-indexes PROJECT=<project> DATABASE=<restored database>" >&2; exit 2; }
	$(PY) -m tools.restore_indexes --project="$(PROJECT)" --database="$(DATABASE)" $(if $(OUT),--out "$(OUT)")
