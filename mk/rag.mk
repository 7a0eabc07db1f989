# Workspace memory (tests/perf/rag/bench_rag.py): two collections (516 standard-library docstrings with 60
# tuning and 68 held-out questions; 77 licence sections with 56 held-out questions) through the real
# index (all-MiniLM-L6-v2, Firestore emulator): each leg, the fusion, the reranked ranking, the plain
# transformer and WordLlama, with bootstrap intervals; freshness on the local stack (its 60 s window),
# 2,000 rows at the Notion share (about 11 minutes), re-indexing and isolation. A RESULT line per
# collection, then the shared one; exits 1 on a missed goal.
#   make bench-rag BENCH_RAG_ARGS="--queries 200 --edits 10 --window 60 --scale-pages 2000 --scale-rate 3"
#   make bench-rag BENCH_RAG_ARGS="--quality-only --tune"   # quality alone, and the fusion's tuning grid
#   .venv/bin/python -m tests.perf.rag.rag_replay --embedding-cache DIR   # decision 0211's grid, tuning sets
BENCH_RAG_ARGS ?=

.PHONY: bench-rag
bench-rag: $(VENV)/.synced
	$(PY) -m tests.perf.rag.bench_rag $(BENCH_RAG_ARGS)
