# A workspace's data: the restore drill and erasing a workspace (docs/deploy.md, "Backups and restore"
# and "Erasing a workspace").
.PHONY: restore-drill

# The local stack's Firestore exported, wiped and imported, every document compared byte for byte
# (local/restore_drill.py): prints `RESULT restored=1 documents=<n> mismatched=0` and asserts it.
restore-drill: $(VENV)/.synced check-java
	$(PY) -m local.restore_drill

# Erase a workspace and everything of it, as its owner's POST /workspace/erase does, with your own
# credentials (tools/erase_tenant.py): make erase-tenant TENANT=<tenant id> PROJECT=<project>
# [DATABASE=<firestore_database>]. Repeatable; prints `RESULT erased=1 documents_deleted=<n>`.
.PHONY: erase-tenant
erase-tenant: $(VENV)/.synced
	@test -n "$(TENANT)" || { echo "usage: make erase-tenant TENANT=<tenant id> PROJECT=<project>" >&2; exit 2; }
	$(PY) -m tools.erase_tenant --tenant "$(TENANT)" $(if $(PROJECT),--project "$(PROJECT)") $(if $(DATABASE),--database "$(DATABASE)")
