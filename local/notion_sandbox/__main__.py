"""python -m local.notion_sandbox --port P: serve until SIGTERM/SIGINT, printing READY <url> once up."""

from __future__ import annotations

import argparse

from local.notion_sandbox.app import SandboxServer
from local.notion_sandbox.sandbox import Sandbox
from local.processes import serve_until_signal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.notion_sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--client-id", help="OAuth client id the sandbox accepts")
    parser.add_argument("--client-secret", help="OAuth client secret the sandbox accepts")
    parser.add_argument("--redirect-uri", action="append", default=[], help="allowed OAuth redirect URI")
    parser.add_argument("--webhook-url", help="subscribe this URL (sends the verification handshake)")
    parser.add_argument("--verification-token", help="the webhook verification token (default: random)")
    parser.add_argument("--access-log", action="store_true", help="print one line per request on stderr")
    args = parser.parse_args(argv)

    sandbox = Sandbox()
    if args.client_id:
        sandbox.oauth.client_id = args.client_id
    if args.client_secret:
        sandbox.oauth.client_secret = args.client_secret
    sandbox.oauth.redirect_uris = list(args.redirect_uri)

    def subscribe() -> None:  # once serving: the handshake goes out from the sandbox
        if args.webhook_url:
            sandbox.webhooks.subscribe(args.webhook_url, args.verification_token, sandbox.integration_id)

    serve_until_signal(SandboxServer(sandbox, args.port, quiet=not args.access_log), subscribe)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
