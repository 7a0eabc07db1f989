# The role × route matrix: every operation of the api's contract called as every role of a
# team, by session and by key, against the table in docs/security.md ("Roles");
# tests/roles/test_role_matrix.py prints `RESULT role_matrix_cases=<n> violations=0` and asserts it; the
# Ask by every role and in every other person's conversation, `RESULT ask_reach_cases=<n> conversation_cases=<m> violations=0`.
.PHONY: check-roles

check-roles: $(VENV)/.synced
	@$(PY) -m pytest -q -p no:cacheprovider -n 0 -s tests/roles | grep -E '^RESULT |passed|failed|Error'; \
	  exit $${PIPESTATUS[0]}
