"""What the GitHub and Vercel adapters share: one lazily built httpx client per adapter, and a
request whose transport failures become TransientErrors that never carry the request (its
Authorization header holds a tenant's token). Also the reading of a successful reply (:func:`read_json`)."""

import threading
from collections.abc import Callable
from typing import Any

import httpx

from shared.platform.adapters.tls import verifying_context
from shared.platform.errors import NothingSent, TransientError


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
                self._client = httpx.Client(timeout=self._timeout_s, verify=verifying_context())
            return self._client

    def send(
        self, method: str, path: str, headers: dict[str, str], subject: str, **kw: Any
    ) -> httpx.Response:
        try:
            return self._http().request(method, self._base_url + path, headers=headers, **kw)
        # "from None": an httpx error holds its request, Authorization header included
        except httpx.TimeoutException:
            raise TransientError(f"{self.service} did not answer in time ({method} for {subject})") from None
        except httpx.ConnectError as exc:  # no connection: the request never left
            reason = f"{self.service} is unreachable ({exc.__class__.__name__}, {method} for {subject})"
            raise NothingSent(reason) from None
        except httpx.TransportError as exc:
            reason = f"{self.service} is unreachable ({exc.__class__.__name__}, {method} for {subject})"
            raise TransientError(reason) from None

    def probe(self, url: str) -> int:
        """The status of one GET of the absolute ``url``, no redirect followed, no credentials sent
        (a health check of a site). httpx's errors are the caller's to handle."""
        return self._http().get(url, follow_redirects=False).status_code


def read_json[T](
    service: str, response: httpx.Response, parse: Callable[[Any], T], request: str, token: str
) -> T:
    """``parse`` applied to the JSON of a successful reply to ``request``. A body that is not JSON (a
    proxy's or an outage page), or JSON that ``parse`` cannot read, is a TransientError: the next try
    may reach the service itself. The parsers index and check, so a missing key is a KeyError, a wrong
    type a TypeError or ValueError. The error's reason never quotes the body."""
    try:
        body = response.json()
    except ValueError:  # JSONDecodeError, UnicodeDecodeError
        kind = response.headers.get("content-type", "no content type").split(";")[0].strip()[:40]
        problem = f"is not JSON ({kind})"
    else:
        try:
            return parse(body)
        except KeyError as exc:  # the key is the parser's, never a value from the body
            problem = f"lacks {exc}"
        except (TypeError, ValueError, IndexError, AttributeError):
            problem = f"is JSON of an unexpected shape ({type(body).__name__} at the top)"
    reason = f"{service}'s reply to {request} {problem}"
    raise TransientError(reason.replace(token, "[REDACTED]") if token else reason)


def text(value: Any) -> str:
    """``value`` if it is a non-empty string (never ``str(None)``); else a TypeError for read_json."""
    if not isinstance(value, str) or not value:
        raise TypeError("not a non-empty string")
    return value
