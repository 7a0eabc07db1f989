"""python -m local.code_sandbox --port P: serve until SIGTERM/SIGINT, printing READY <url> once up."""

from __future__ import annotations

import argparse
import signal
import threading
from types import FrameType

from local.code_sandbox.app import CodeSandboxServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.code_sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--access-log", action="store_true", help="print one line per request on stderr")
    args = parser.parse_args(argv)

    server = CodeSandboxServer(port=args.port, quiet=not args.access_log)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    print(f"READY {server.url}", flush=True)
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
