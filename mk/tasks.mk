# The local Cloud Tasks emulator (local/tasks_emulator), run by hand:
#   make tasks-emulator [TASKS_PORT=8123] [TASKS_ADMIN_PORT=8124]
# It listens on 127.0.0.1 only and prints "READY grpc=... admin=..." once serving; Ctrl-C stops it.
TASKS_PORT ?= 8123
TASKS_ADMIN_PORT ?= 8124

.PHONY: tasks-emulator
tasks-emulator: venv
	$(PY) -m local.tasks_emulator --port $(TASKS_PORT) --admin-port $(TASKS_ADMIN_PORT) --log-level INFO
