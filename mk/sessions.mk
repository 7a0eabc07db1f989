# Sessions' streams on the local stack (tests/perf/sessions/bench_sessions.py): the time from posting
# a question to its first event over a plain request's to the same api, and answers' and a run's
# streams cut after each event and resumed with Last-Event-ID; outgoing webhooks delivered to a
# receiver refusing first attempts, none lost or under two ids. About a minute. Override with
#   make bench-sessions BENCH_SESSIONS_ARGS="--rounds 51 --questions 5 --messages 10"
BENCH_SESSIONS_ARGS ?=

.PHONY: bench-sessions
bench-sessions: $(VENV)/.synced check-java
	$(PY) -m tests.perf.sessions.bench_sessions $(BENCH_SESSIONS_ARGS)
