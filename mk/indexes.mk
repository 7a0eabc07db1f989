# Firestore's composite indexes: the emulator serves any query, production refuses one
# no index serves. `make pytest` records the shape of every query the suites and the local stack
# send (tools/firestore_queries.py); `make check-indexes` checks each against terraform/firestore.tf
# (tools/check_indexes.py), running the suites first if nothing was recorded yet.
#   make check-indexes                         the recording of the last `make pytest`, else a new one
#   make check-indexes INDEX_TESTS="tests/x"   record only these tests first (a quicker look)
.PHONY: check-indexes query-log-reset

QUERY_LOG := $(CURDIR)/.cache/firestore-queries.jsonl
QUERY_SITE := $(CURDIR)/tools/query_recording

# Every Python process `make pytest` starts imports QUERY_SITE's sitecustomize, which records.
pytest: export FIRESTORE_QUERY_LOG := $(QUERY_LOG)
pytest: export PYTHONPATH := $(QUERY_SITE)
pytest: query-log-reset

query-log-reset:
	rm -f $(QUERY_LOG)

check-indexes: $(VENV)/.synced
ifdef INDEX_TESTS
	rm -f $(QUERY_LOG)
	FIRESTORE_QUERY_LOG=$(QUERY_LOG) PYTHONPATH=$(QUERY_SITE) \
	  $(PY) -m pytest -q -p no:cacheprovider -n 0 $(INDEX_TESTS)
else
	@test -f $(QUERY_LOG) || $(MAKE) --no-print-directory pytest
endif
	$(PY) -m tools.check_indexes $(QUERY_LOG)
