"""python -m local.code_sandbox --port P [--smtp-port S]: serve until SIGTERM/SIGINT, printing READY <url>
once up (the SMTP relay too: on 127.0.0.1:S)."""

from __future__ import annotations

import argparse

from local.code_sandbox.app import CodeSandboxServer
from local.processes import serve_until_signal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.code_sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument(
        "--smtp-port", type=int, default=0, help="the SMTP relay's port on 127.0.0.1 (0: a free one)"
    )
    parser.add_argument("--access-log", action="store_true", help="print one line per request on stderr")
    args = parser.parse_args(argv)

    server = CodeSandboxServer(port=args.port, quiet=not args.access_log, smtp_port=args.smtp_port)
    serve_until_signal(server)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
