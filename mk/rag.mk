# Workspace memory (tests/perf/bench_rag.py): 516 standard-library docstrings, 68 held-out judged questions (60 tuning)
# through the real index (WordLlama, Firestore emulator) under two tenants, against BM25 (rank-bm25)
# and the plain model; freshness, re-indexing and isolation. RESULT line last; exits 1 on a missed goal.
#   make bench-rag BENCH_RAG_ARGS="--queries 200 --edits 10"
BENCH_RAG_ARGS ?=

.PHONY: bench-rag
bench-rag: $(VENV)/.synced
	$(PY) -m tests.perf.bench_rag $(BENCH_RAG_ARGS)
