"""What Pub/Sub does for an authenticated push that the emulator does not: sign it. The emulator keeps a
push subscription's ``oidc_token`` but posts without a token, so locally the subscription pushes here,
and this relay adds the ID token Pub/Sub would mint (the stand-in signer's, aud the subscription's
audience, email its invoker), posts the body unchanged to the api's push route, and answers the
emulator with the api's status, so its retries follow the api's answer as Pub/Sub's do. The api checks
the token exactly as deployed (shared.mail.adapters.oidc, against the signer's certs URL)."""

from __future__ import annotations

import threading
from typing import Any

import requests
from werkzeug.wrappers import Request, Response

from local.gmail_sandbox.oidc import Signer
from local.wsgi_thread import ThreadedServer


class PushSigner:
    """Signs each push for ``audience`` as ``invoker`` and posts it to ``target``; ``forwarded`` keeps
    each push's status as the api answered it (0: no answer), in order."""

    def __init__(self, signer: Signer, target: str, audience: str, invoker: str) -> None:
        self.signer, self.target, self.audience, self.invoker = signer, target, audience, invoker
        self.forwarded: list[int] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.method != "POST":
            return Response("a push is a POST", status=405)(environ, start_response)
        token = self.signer.token(self.audience, self.invoker)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        try:
            status = requests.post(
                self.target, data=request.get_data(), headers=headers, timeout=60
            ).status_code
        except requests.RequestException:
            status = 0
        with self._lock:
            self.forwarded.append(status)
        return Response(status=status or 502)(environ, start_response)


def serve(push: PushSigner, port: int = 0) -> ThreadedServer:
    """The relay served on 127.0.0.1 from a thread (started)."""
    return ThreadedServer(push, "pubsub-push-signer", port).start()
