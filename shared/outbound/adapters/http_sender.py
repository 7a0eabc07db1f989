"""Deliveries posted over HTTP with httpx: no redirect followed (a 3xx is a failed attempt), the
answer's body never read, a timeout on each attempt. The URL (a receiver may hide a token in it) and
the headers are never put in an error or a log line: httpx's own request line is dropped for our posts."""

import logging
import threading

import httpx

from shared.platform.adapters.resolving import addresses as resolved
from shared.platform.adapters.tls import verifying_context

_posting = threading.local()


class _NotOurPosts(logging.Filter):
    """httpx logs each request's URL at INFO: not while this thread posts a delivery."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(_posting, "on", False)


logging.getLogger("httpx").addFilter(_NotOurPosts())


class HttpHookSender:
    """:class:`shared.outbound.ports.HookSender` over httpx, one client per instance, built on first use."""

    def __init__(self) -> None:
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(follow_redirects=False, verify=verifying_context())
            return self._client

    def addresses(self, host: str) -> list[str]:
        return resolved(host)

    def post(self, url: str, headers: dict[str, str], body: str, timeout_s: float) -> tuple[int | None, str]:
        _posting.on = True
        try:
            with self._http().stream(
                "POST", url, headers=headers, content=body.encode(), timeout=timeout_s
            ) as r:
                return r.status_code, ""
        except httpx.TimeoutException:
            return None, "no answer within the timeout"
        except httpx.HTTPError as exc:
            return None, f"no answer ({exc.__class__.__name__})"
        finally:
            _posting.on = False
