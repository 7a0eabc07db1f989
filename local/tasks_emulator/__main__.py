"""``python -m local.tasks_emulator --port P [--admin-port Q]``: serve until SIGTERM or Ctrl-C.

Prints ``READY grpc=127.0.0.1:P admin=127.0.0.1:Q`` on stdout once serving (admin=- without the
admin API); attempts are logged on stderr.
"""

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from local.tasks_emulator._emulator import TasksEmulator
from local.tasks_emulator._errors import EmulatorError


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.tasks_emulator", description=__doc__)
    parser.add_argument("--port", type=int, default=8123, help="gRPC port on 127.0.0.1 (0: any free port)")
    parser.add_argument(
        "--admin-port", type=int, default=0, help="test-control HTTP port (0: any free port, -1: none)"
    )
    parser.add_argument(
        "--name-reuse-window", type=float, default=3600.0, help="seconds a task name stays taken after use"
    )
    parser.add_argument(
        "--min-dispatch-deadline", type=float, default=15.0, help="smallest dispatch_deadline accepted (s)"
    )
    parser.add_argument("--hold", action="append", default=[], help="queue id or name to hold from start")
    parser.add_argument("--log-level", default="WARNING", help="logging level on stderr (INFO logs attempts)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    logging.basicConfig(level=args.log_level.upper(), stream=sys.stderr, format="%(asctime)s %(message)s")
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    emulator = TasksEmulator(
        args.port,
        None if args.admin_port < 0 else args.admin_port,
        name_reuse_window_s=args.name_reuse_window,
        min_dispatch_deadline_s=args.min_dispatch_deadline,
    )
    for queue in args.hold:
        emulator.hold(queue)
    try:
        emulator.start()
    except EmulatorError as exc:
        print(f"tasks emulator: {exc}", file=sys.stderr)
        return 1
    admin = emulator.admin_url.removeprefix("http://") if args.admin_port >= 0 else "-"
    print(f"READY grpc={emulator.grpc_address} admin={admin}", flush=True)
    while not stop.wait(3600):
        pass
    emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
