"""The project's error kinds. Entry points map them to HTTP codes; the engine maps them to actions.

Three kinds of failure are kept apart: transient (retry with backoff), model-fixable (compact into the
context and let the model try again, capped) and permanent or configuration (fail clearly).
"""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.platform.domain.model_calls import ModelUsage


class AgentError(Exception):
    """Root of every error the project raises on purpose. ``reason`` is safe to show a person;
    ``retry_after_s``, when known, is when trying again may succeed (the answer's Retry-After)."""

    http_status = 500
    code = "internal"
    retry_after_s: float | None = None

    def __init__(self, reason: str, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


class InvalidInput(AgentError):
    """The request or task body is not acceptable; retrying it unchanged will not help."""

    http_status = 400
    code = "invalid_input"

    def __init__(
        self, reason: str, fields: list[str] | None = None, problems: list[str] | None = None
    ) -> None:
        super().__init__(reason)
        self.fields = fields or []
        self.problems = problems or []  # each field's problem in words, when known (same order)


class Unauthenticated(AgentError):
    """Missing or bad credentials (session, signature, state)."""

    http_status = 401
    code = "unauthenticated"


class Forbidden(AgentError):
    http_status = 403
    code = "forbidden"


class NotFound(AgentError):
    """Absent, or belongs to another tenant: the two are indistinguishable on purpose."""

    http_status = 404
    code = "not_found"


class Conflict(AgentError):
    """The request clashes with the current state (e.g. approving a run that is not waiting); with
    ``retry_after_s`` when it will not any more (e.g. a step's lease runs out)."""

    http_status = 409
    code = "conflict"


class TooManyRequests(AgentError):
    """A person or a key past their pace on the api: try again after ``retry_after_s``."""

    http_status = 429
    code = "rate_limited"

    def __init__(self, reason: str, retry_after_s: float) -> None:
        super().__init__(reason, retry_after_s)


class PayloadTooLarge(AgentError):
    http_status = 413
    code = "payload_too_large"


class TransientError(AgentError):
    """A passing failure (429, 5xx, timeout): retry later, after ``retry_after_s`` if known."""

    http_status = 503
    code = "transient"


class NothingSent(TransientError):
    """A passing failure before the service acted on the request (a rate limit, a refused
    connection): a retry need not look for what this attempt might have done."""


class PermanentError(AgentError):
    """An external system refused for good (4xx other than 401/429); retrying will not help."""

    http_status = 502
    code = "permanent"


class BudgetSpent(PermanentError):
    """A budget stops the workspace's model and embedding calls now (``reason`` says which); a new
    day or month, or the owner raising it, lifts it."""

    http_status = 429
    code = "budget_spent"


class ModelUnavailable(PermanentError):
    """The configured model does not exist for this project (retired, misspelt, not offered in the
    location): every call would fail alike, so the run stops and ``reason`` names the setting."""

    code = "model_unavailable"


class NotUnderstood(PermanentError):
    """The local (offline) model understood nothing it can do in the goal: asking again reads it the
    same way, so the run ends at once with ``reason``, which says so and lists what it understands."""

    code = "model_not_understood"


class ModelFixableError(AgentError):
    """The model's output was unusable; the compacted reason goes back into its context."""

    http_status = 502
    code = "model_fixable"


class UnusableReply(ModelFixableError):
    """The model answered, and was paid, but not in the schema: ``usage`` is that call, for the log
    and the budgets (a plain ModelFixableError from a model means no call was paid for)."""

    def __init__(self, reason: str, usage: "ModelUsage") -> None:
        super().__init__(reason)
        self.usage = usage


class ConfigError(AgentError):
    """The deployment is misconfigured (a missing setting or secret): says what to set."""

    http_status = 500
    code = "config"
