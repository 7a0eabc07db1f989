# Operating a deployment: the smoke test, the dead letters and the signing key's rotation (tools/).
.PHONY: smoke

smoke: $(VENV)/.synced
	@test -n "$(URL)" || { echo "usage: make smoke URL=https://<public_domain> [TASK_URLS='<run.app URL> ...']" >&2; exit 2; }
	$(PY) -m tools.smoke "$(URL)" $(foreach task,$(TASK_URLS),--task-url "$(task)")

# Task bodies that could never become valid, newest first (tools/dead_letters.py), read with your own
# credentials: make dead-letters PROJECT=<project> [DATABASE=<firestore_database>] [LIMIT=<n>].
.PHONY: dead-letters
dead-letters: $(VENV)/.synced
	$(PY) -m tools.dead_letters $(if $(PROJECT),--project "$(PROJECT)") $(if $(DATABASE),--database "$(DATABASE)") $(if $(LIMIT),--limit $(LIMIT))

# The next value of session-signing-key from its current one, stdin to stdout (docs/deploy.md,
# "Rotating the signing key"): STEP=stage, then STEP=promote after secret_cache_ttl_s.
.PHONY: signing-key
signing-key: $(VENV)/.synced
	@test "$(STEP)" = stage -o "$(STEP)" = promote || { echo "usage: ... | make -s signing-key STEP=stage|promote" >&2; exit 2; }
	@$(PY) -m tools.signing_keys $(STEP)

# An invite code for NA_SIGNUP_POLICY=invite (tools/invites.py), admitting USES workspaces (default 1):
# NA_GCP_PROJECT=<project> make invite USES=3. Printed once; only its hash is stored.
.PHONY: invite
invite: $(VENV)/.synced
	@$(PY) -m tools.invites $(if $(USES),--uses $(USES))

# One real task through each queue and one model call, each hop reported (tools/doctor.py,
# docs/monitoring.md): a deployment's key is read from Secret Manager of PROJECT with the operator's
# credentials; without PROJECT, from NA_LOCAL_SECRETS_FILE (the local stack's, printed by make stack).
.PHONY: doctor
doctor: $(VENV)/.synced
	@test -n "$(URL)" || { echo "usage: make doctor URL=https://<public_domain> PROJECT=<project>" \
	  "(or URL=<the local stack's console URL> NA_LOCAL_SECRETS_FILE=<its secrets file>)" >&2; exit 2; }
	$(PY) -m tools.doctor "$(URL)" $(if $(PROJECT),--project "$(PROJECT)") $(if $(WAIT),--wait $(WAIT))
