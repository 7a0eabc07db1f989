"""One HTTP attempt of a task: send it with a deadline and classify what came back."""

import http.client
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import grpc

# HTTP status -> google.rpc code recorded in Attempt.response_status (the usual Google mapping).
_RPC_CODES = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ABORTED,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    499: grpc.StatusCode.CANCELLED,
    501: grpc.StatusCode.UNIMPLEMENTED,
    503: grpc.StatusCode.UNAVAILABLE,
    504: grpc.StatusCode.DEADLINE_EXCEEDED,
}


@dataclass(frozen=True)
class HttpAttempt:
    url: str
    method: str
    headers: dict[str, str]
    body: bytes
    timeout_s: float


@dataclass(frozen=True)
class AttemptOutcome:
    """What one attempt got: an HTTP status, or None with ``error`` when no response came."""

    status: int | None
    error: str = ""
    retry_after_s: float | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def rpc_code(self) -> grpc.StatusCode:
        if self.status is None:
            timed_out = self.error.startswith("DEADLINE_EXCEEDED")
            return grpc.StatusCode.DEADLINE_EXCEEDED if timed_out else grpc.StatusCode.UNAVAILABLE
        if self.ok:
            return grpc.StatusCode.OK
        default = grpc.StatusCode.INTERNAL if self.status >= 500 else grpc.StatusCode.FAILED_PRECONDITION
        return _RPC_CODES.get(self.status, default)

    @property
    def message(self) -> str:
        return self.error or f"HTTP status code {self.status}"


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def send(attempt: HttpAttempt) -> AttemptOutcome:
    """Send the request; no redirects are followed (a 3xx is a failed attempt, as in Cloud Tasks)."""
    parts = urlsplit(attempt.url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.hostname or "", parts.port, timeout=attempt.timeout_s)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(attempt.method, target, body=attempt.body or None, headers=attempt.headers)
        response = connection.getresponse()
        response.read()
        return AttemptOutcome(response.status, retry_after_s=_retry_after(response.getheader("Retry-After")))
    except TimeoutError:
        return AttemptOutcome(None, f"DEADLINE_EXCEEDED: no response within {attempt.timeout_s:g}s")
    except (OSError, http.client.HTTPException) as exc:
        return AttemptOutcome(None, f"UNAVAILABLE: {type(exc).__name__}: {exc}")
    finally:
        connection.close()
