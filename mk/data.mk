# A workspace's data: the restore drill and erasing a workspace (docs/deploy.md, "Backups and restore"
# and "Erasing a workspace").
.PHONY: restore-drill

# The local stack's Firestore exported, wiped and imported, every document compared byte for byte
# (local/restore_drill.py): prints `RESULT restored=1 documents=<n> mismatched=0` and asserts it.
restore-drill: $(VENV)/.synced check-java
	$(PY) -m local.restore_drill
