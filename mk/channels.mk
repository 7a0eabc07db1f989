# The channels in a storm (tests/perf/channels/bench_channels.py): 300 Slack events, 300 Pub/Sub pushes
# and 100 calendar notifications at least, delivered twice, late, shuffled and with kills, then forged
# ones; none lost, duplicated or forged accepted (sizes below the floors are reported as missed). A
# few minutes. Override with
#   make bench-channels BENCH_CHANNELS_ARGS="--slack 400 --mails 200 --meetings 120 --forged 40"
BENCH_CHANNELS_ARGS ?=

.PHONY: bench-channels
bench-channels: $(VENV)/.synced check-java
	$(PY) -m tests.perf.channels.bench_channels $(BENCH_CHANNELS_ARGS)
