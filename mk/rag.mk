# Workspace memory (tests/perf/bench_rag.py): 516 standard-library docstrings, 68 held-out judged questions (60 tuning)
# through the real index (WordLlama, Firestore emulator) under two tenants, against BM25 (rank-bm25)
# and the plain model; freshness on the local stack (its 60 s window), 2,000 rows at the Notion share
# (about 11 minutes), re-indexing and isolation. RESULT line last; exits 1 on a missed goal.
#   make bench-rag BENCH_RAG_ARGS="--queries 200 --edits 10 --window 60 --scale-pages 2000 --scale-rate 3"
BENCH_RAG_ARGS ?=

.PHONY: bench-rag
bench-rag: $(VENV)/.synced
	$(PY) -m tests.perf.bench_rag $(BENCH_RAG_ARGS)
