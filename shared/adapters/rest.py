"""What the GitHub and Vercel adapters share: one lazily built httpx client per adapter, and a
request whose transport failures become TransientErrors that never carry the request (its
Authorization header holds a tenant's token)."""

import threading
from typing import Any

import httpx

from shared.errors import TransientError


class RestClient:
    def __init__(
        self, service: str, base_url: str, timeout_s: float, client: httpx.Client | None = None
    ) -> None:
        self.service = service
        self._base_url = base_url.rstrip("/")
        self._timeout_s = timeout_s
        self._client = client
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        """The httpx client, built on first use (never at import or construction)."""
        with self._lock:
            if self._client is None:
                self._client = httpx.Client(timeout=self._timeout_s)
            return self._client

    def send(
        self, method: str, path: str, headers: dict[str, str], subject: str, **kw: Any
    ) -> httpx.Response:
        try:
            return self._http().request(method, self._base_url + path, headers=headers, **kw)
        # "from None": an httpx error holds its request, Authorization header included
        except httpx.TimeoutException:
            raise TransientError(f"{self.service} did not answer in time ({method} for {subject})") from None
        except httpx.TransportError as exc:
            reason = f"{self.service} is unreachable ({exc.__class__.__name__}, {method} for {subject})"
            raise TransientError(reason) from None
