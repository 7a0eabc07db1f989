"""Typed settings, read from the environment (prefix ``NA_``); the local profile is the default.

Every field is listed with its meaning in docs/settings.md. Terraform sets production values as each
function's environment; nothing here reads a secret, only secret names. Settings is an immutable
class checked by a few lines of our own (types, bounds, choices, and the rules between settings in
:func:`_disagreements`), not a pydantic model nor a dataclass, so a cold start builds no schema
(docs/decisions/0017-cold-start-budget.md).
"""

import json
import math
import os
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, Literal, NamedTuple, get_args, get_origin

from shared.errors import ConfigError

ENV_PREFIX = "NA_"


class Target(StrEnum):
    """The deployable functions; each value is the entry point in ``functions/main.py``."""

    OAUTH_CALLBACK = "oauth_callback"
    NOTION_WEBHOOK = "notion_webhook"
    PLAN = "plan"
    EXECUTE_STEP = "execute_step"
    DEPLOY = "deploy"
    NOTIFY = "notify"
    API = "api"


class Queue(StrEnum):
    """Cloud Tasks queues, by the function they deliver to. Values are the queue ids."""

    PLAN = "plan"
    EXECUTE_STEP = "execute-step"
    DEPLOY = "deploy"
    NOTIFY = "notify"


QUEUE_TARGETS: dict[Queue, Target] = {
    Queue.PLAN: Target.PLAN,
    Queue.EXECUTE_STEP: Target.EXECUTE_STEP,
    Queue.DEPLOY: Target.DEPLOY,
    Queue.NOTIFY: Target.NOTIFY,
}


class PlatformSecret(StrEnum):
    """Platform secrets in Secret Manager (per-tenant token secrets are created at run time)."""

    NOTION_CLIENT_ID = "notion-client-id"
    NOTION_CLIENT_SECRET = "notion-client-secret"
    NOTION_WEBHOOK_TOKEN = "notion-webhook-verification-token"
    SESSION_SIGNING_KEY = "session-signing-key"
    SMTP_PASSWORD = "smtp-password"  # the mail relay's, for email notifications (notify)


class Setting(NamedTuple):
    """One settings field: its default, its meaning (docs/settings.md) and its bounds."""

    default: Any
    description: str
    ge: float | None = None
    gt: float | None = None
    le: float | None = None


def setting(
    default: Any,
    *,
    description: str,
    ge: float | None = None,
    gt: float | None = None,
    le: float | None = None,
) -> Any:
    """Declare a field of :class:`Settings` (typed ``Any`` so the annotation is the field's type)."""
    return Setting(default, description, ge, gt, le)


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string")
    return value


def _whole(value: Any) -> int:
    try:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError
        return int(value)
    except ValueError:
        raise ValueError("must be a whole number") from None


def _number(value: Any) -> float:
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError
        number = float(value)
    except ValueError:
        raise ValueError("must be a number") from None
    except OverflowError:  # a whole number beyond any float (JSON allows one)
        raise ValueError("must be a finite number") from None
    if not math.isfinite(number):
        raise ValueError("must be a finite number")
    return number


_SCALARS: dict[Any, Callable[[Any], Any]] = {str: _string, int: _whole, float: _number}


def _check(annotation: Any, value: Any) -> Any:
    """``value`` as ``annotation`` (str, int, float, a Literal of strings, dicts and tuples of those),
    or ValueError saying what is expected."""
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation in _SCALARS:
        return _SCALARS[annotation](value)
    if origin is Literal:
        if value not in args:
            raise ValueError("must be one of " + ", ".join(repr(c) for c in args))
        return value
    if origin is dict and isinstance(value, dict):
        return {_check(args[0], k): _check(args[1], v) for k, v in value.items()}
    if origin is tuple and isinstance(value, (list, tuple)) and len(value) == len(args):
        return tuple(_check(t, v) for t, v in zip(args, value, strict=True))
    if origin in (dict, tuple):
        raise ValueError(
            "must be a JSON object" if origin is dict else f"must be a list of {len(args)} items"
        )
    raise TypeError(f"no check for settings of type {annotation!r}")


def _bounded(value: float, spec: Setting) -> str | None:
    if spec.ge is not None and value < spec.ge:
        return f"must be at least {spec.ge}"
    if spec.gt is not None and value <= spec.gt:
        return f"must be greater than {spec.gt}"
    if spec.le is not None and value > spec.le:
        return f"must be at most {spec.le}"
    return None


class Settings:
    """Everything that differs between the local stack and a deployment. Immutable: see ``replace``.

    A plain class rather than a dataclass: generating a 50-field dataclass cost every cold start ~3 ms.
    The fields are the annotated class attributes below; :data:`_FIELDS` is read from them once.
    """

    profile: Literal["local", "production"] = setting(
        "local",
        description="Which adapters to build. production refuses the local stack's choices: local "
        "secrets, offline model, outbox, an emulator or model stub, plain-text SMTP, a URL not https://.",
    )
    gcp_project: str = setting("notion-agent-local", description="Google Cloud project id.")
    region: str = setting("europe-west1", description="Region of the functions and queues.")
    firestore_database: str = setting("(default)", description="Firestore database id.")
    firestore_emulator_host: str = setting(
        "", description="host:port of the Firestore emulator; empty in production."
    )
    tasks_emulator_host: str = setting(
        "", description="host:port of the local Cloud Tasks emulator; empty in production."
    )
    tasks_service_account: str = setting(
        "",
        description="Service account whose OIDC token Cloud Tasks sends to the target functions "
        "(required in production).",
    )
    plan_url: str = setting("http://127.0.0.1:8081", description="HTTPS URL of the plan function.")
    execute_step_url: str = setting("http://127.0.0.1:8082", description="URL of execute-step.")
    deploy_url: str = setting("http://127.0.0.1:8083", description="URL of the deploy function.")
    notify_url: str = setting("http://127.0.0.1:8084", description="URL of the notify function.")
    api_url: str = setting("http://127.0.0.1:8085", description="Public URL of the api function.")
    secrets_backend: Literal["local", "secret-manager"] = setting(
        "local", description="local: a JSON file of secrets; secret-manager: Google Secret Manager."
    )
    local_secrets_file: str = setting(
        ".local/secrets.json", description="The local secrets file (local backend only)."
    )
    secret_cache_ttl_s: float = setting(
        300.0,
        ge=0,
        le=3600,
        description="How long a secret value is cached per instance (0: read every time); a secret "
        "rotated in Secret Manager reaches every instance within this time.",
    )
    model_backend: Literal["offline", "vertex"] = setting(
        "offline", description="offline: deterministic local model; vertex: Gemini on Vertex AI."
    )
    model_location: str = setting("global", description="Vertex AI location for model calls.")
    model_plan: str = setting(
        "gemini-3.5-flash-lite", description="Model for planning and classification (fast, cheap)."
    )
    model_draft: str = setting("gemini-3.5-flash", description="Model for drafting text and code (strong).")
    model_base_url: str = setting(
        "", description="Vertex AI endpoint override (a loopback stub in tests; empty: Google's default)."
    )
    model_timeout_s: float = setting(
        120.0,
        ge=5,
        le=280,
        description="Timeout of one model call (a thinking model drafting code takes minutes); one "
        "that runs out is a transient error, retried. Below plan's function timeout (300 s).",
    )
    model_prices: dict[str, tuple[float, float]] = setting(
        {"gemini-3.5-flash-lite": (0.30, 2.50), "gemini-3.5-flash": (1.50, 9.00), "offline": (0.0, 0.0)},
        description="USD per million (input, output) tokens by model name, not negative; JSON in the "
        "environment. With the vertex backend it must price NA_MODEL_PLAN and NA_MODEL_DRAFT.",
    )
    run_max_steps: int = setting(
        50, ge=2, le=500, description="Most steps a run may have (plan plus execution)."
    )
    run_loop_limit: int = setting(
        3,
        ge=2,
        le=20,
        description="The same tool with the same arguments this many times in a row → ask a human.",
    )
    run_max_consecutive_errors: int = setting(
        3, ge=1, le=20, description="Model-fixable errors in a row before the run asks a human."
    )
    plan_max_reasks: int = setting(
        2,
        ge=0,
        le=5,
        description="Re-asks of the model after an invalid plan (each a paid call within plan's timeout).",
    )
    step_lease_s: float = setting(
        120.0,
        gt=0,
        le=3600,
        description="How long a step's recorded intent excludes other deliveries (> any effect; in "
        "production also > every request timeout, and below NA_SWEEP_STALL_S).",
    )
    step_retry_inline_s: float = setting(
        10.0,
        ge=0,
        le=60,
        description="A transient error with a longer Retry-After is recorded and the step re-enqueued "
        "with that delay; shorter ones are retried by the queue's own backoff (HTTP 503).",
    )
    sweep_stall_s: float = setting(
        600.0,
        ge=0,
        le=86400,
        description="A running run not updated for this long is re-enqueued (in production: longer than "
        "NA_STEP_LEASE_S).",
    )
    schedule_page_size: int = setting(
        100,
        ge=1,
        le=1000,
        description="Active tenants read per daily-planning call (POST /schedule on plan); a full page "
        "enqueues a continuation for the next one, so one call reads and enqueues at most this many.",
    )
    # The budgets' caps are the largest an owner may choose (shared.domain.settings.MAX_BUDGET_USD).
    default_run_budget_usd: float = setting(
        1.0, ge=0, le=100, description="Run budget a new workspace starts with (and one without a tenant)."
    )
    default_day_budget_usd: float = setting(
        5.0, ge=0, le=500, description="Daily budget a new workspace starts with (its owner may change it)."
    )
    default_month_budget_usd: float = setting(
        50.0,
        ge=0,
        le=5000,
        description="Monthly budget a new workspace starts with (its owner may change it).",
    )
    spend_cap_day_usd: float = setting(
        100.0,
        ge=0,
        le=1_000_000,
        description="Most the deployment spends on models in a UTC day, all workspaces together: a model "
        "call that would go past it is refused (each reserves NA_MODEL_CALL_RESERVE_USD first); 0 "
        "stops every model call.",
    )
    model_call_reserve_usd: float = setting(
        0.05,
        gt=0,
        le=10,
        description="What a model call reserves of NA_SPEND_CAP_DAY_USD before it is made, replaced by "
        "its cost once paid: at least the cost of one call, so calls at the cap cannot pass it together.",
    )
    signup_policy: Literal["open", "allowlist", "invite"] = setting(
        "open",
        description="Who may connect a new workspace: open, anyone; allowlist, a workspace in "
        "NA_SIGNUP_WORKSPACE_IDS or an owner whose email's domain is in NA_SIGNUP_EMAIL_DOMAINS; invite, "
        "whoever brings an invite code (make invite). A workspace already connected may reconnect under "
        "open and invite.",
    )
    signup_workspace_ids: str = setting(
        "", description="Comma-separated Notion workspace ids the allowlist admits."
    )
    signup_email_domains: str = setting(
        "",
        description="Comma-separated email domains (e.g. example.com) the allowlist admits: the domain of "
        "the email Notion gives for the person connecting, exactly (no subdomains).",
    )
    spend_cache_ttl_s: float = setting(
        60.0,
        ge=0,
        le=600,
        description="How long an instance reuses a tenant's summed spend, and its budgets for a "
        "model call they let go ahead, before re-reading them (a stop always re-reads the budgets).",
    )
    approval_link_ttl_s: float = setting(
        3 * 24 * 3600.0, ge=3600, le=30 * 24 * 3600, description="Lifetime of approve/reject links."
    )
    notifier_backend: Literal["outbox", "live"] = setting(
        "outbox", description="outbox: write notifications to a local directory; live: send them."
    )
    outbox_dir: str = setting(".local/outbox", description="Directory of the local outbox.")
    notion_api_base_url: str = setting("https://api.notion.com", description="Base URL of Notion's API.")
    frontend_url: str = setting(
        "http://127.0.0.1:3000", description="Where the browser is sent after connect."
    )
    oauth_callback_url: str = setting(
        "http://127.0.0.1:8080",
        description="Public URL of the oauth-callback function: the redirect_uri registered with Notion.",
    )
    connect_cookie_samesite: Literal["Lax", "Strict", "None"] = setting(
        "Lax",
        description="SameSite of the connect nonce cookie; None (sent only over HTTPS) when the frontend "
        "calls GET /connect cross-site.",
    )
    notion_timeout_s: float = setting(20.0, ge=1, le=120, description="Timeout of one Notion API request.")
    github_api_base_url: str = setting(
        "https://api.github.com", description="Base URL of GitHub's REST API (pull requests, by deploy)."
    )
    vercel_api_base_url: str = setting(
        "https://api.vercel.com", description="Base URL of Vercel's REST API (deployments, by deploy)."
    )
    code_timeout_s: float = setting(
        30.0, ge=1, le=120, description="Timeout of one GitHub or Vercel API request."
    )
    slack_api_base_url: str = setting(
        "https://slack.com/api", description="Base URL of Slack's Web API (notifications, by notify)."
    )
    slack_timeout_s: float = setting(
        15.0, ge=1, le=120, description="Timeout of one Slack or Discord API request."
    )
    discord_api_base_url: str = setting(
        "https://discord.com/api/v10",
        description="Base URL of Discord's API (incoming webhooks: notifications, by notify).",
    )
    smtp_host: str = setting(
        "",
        description="The SMTP relay of email notifications (SendGrid, Mailgun, Amazon SES, Google "
        "Workspace, ...); empty: no email. Its password is the platform secret smtp-password.",
    )
    smtp_port: int = setting(587, ge=1, le=65535, description="The SMTP relay's port.")
    smtp_security: Literal["starttls", "tls", "none"] = setting(
        "starttls",
        description="starttls: STARTTLS is required (port 587); tls: TLS from the start (port 465); "
        "none: plain text, only to a loopback relay (the local stack; never in production).",
    )
    smtp_username: str = setting("", description="The SMTP relay's user name (empty: no AUTH).")
    smtp_sender: str = setting(
        "",
        description="The From of email notifications, e.g. 'Notion Agent <agent@example.com>' (needed "
        "with NA_SMTP_HOST); its domain names every Message-ID.",
    )
    smtp_timeout_s: float = setting(15.0, ge=1, le=120, description="Timeout of one SMTP connection's steps.")
    notion_max_inline_wait_s: float = setting(
        1.0,
        ge=0,
        le=10,
        description="Longest Retry-After the Notion adapter waits inside a function (once); a longer "
        "wait is raised as TransientError(retry_after_s) for a task scheduled later.",
    )
    notion_rate_per_s: float = setting(
        3.0,
        ge=0.5,
        description="Average Notion requests per second per workspace connection, paced within an "
        "instance (Notion's limit is three); a request whose turn is further away than "
        "NA_NOTION_MAX_INLINE_WAIT_S (and one interval of the pace, which it may always wait) is "
        "rescheduled as a later task.",
    )
    notion_burst: int = setting(
        3, ge=1, description="Notion requests per connection that may go at once before pacing applies."
    )
    webhook_max_body_bytes: int = setting(
        256 * 1024,
        ge=4096,
        le=1024 * 1024,
        description="Largest notion-webhook body accepted (larger: 413, never read whole).",
    )
    tenant_routing_cache_s: float = setting(
        5.0,
        ge=0,
        le=300,
        description="How long an instance reuses a workspace → tenant lookup on the webhook path; a "
        "revoke or filter change made elsewhere takes effect within this time (0: always read).",
    )
    webhook_event_ttl_s: float = setting(
        7 * 24 * 3600.0,
        ge=3600,
        le=30 * 24 * 3600,
        description="How long a webhook event id is remembered for de-duplication; within it, a repeat "
        "of an event whose plan task was never created (the queue failed) is enqueued again, and any "
        "other repeat does nothing.",
    )
    plan_max_attempts: int = setting(
        12,
        ge=1,
        le=100,
        description="The plan queue's max_attempts (terraform/tasks.tf): on the last attempt a trigger "
        "whose planning still fails transiently is recorded as a failed run saying why, instead of "
        "being deleted by the queue with nothing recorded.",
    )
    webhook_coalesce_s: float = setting(
        60.0,
        ge=0,
        le=3600,
        description="Changes to one page (created, properties, content) within the same window of this "
        "many seconds start one run, planned 60 s (at most one window) after the window ends, so its "
        "read shows them all; an event arriving after that is checked against the page's run and "
        "planned only if that run may not have read it; while that page's run is active "
        "no other starts, and the latest change it may not have read is planned when it ends; 0: one "
        "run per event. Comments always start their own run.",
    )
    webhook_run_rate_per_min: float = setting(
        6.0,
        ge=0,
        description="Runs a workspace's Notion events may start per minute once its burst is spent; "
        "the others are planned later, one every 60/rate seconds in the order they came, so an import "
        "or a bulk edit neither starts hundreds of runs at once nor holds up other workspaces' "
        "planning (0: no limit; otherwise at least 0.1). API, daily and replanned runs are not limited.",
    )
    webhook_run_burst: int = setting(
        10, ge=1, description="Runs a workspace's Notion events may start at once before the rate applies."
    )
    webhook_verification_until: str = setting(
        "",
        description="Until when (RFC 3339 with its offset, e.g. 2026-11-22T15:00:00Z) notion-webhook "
        "stores the verification token a subscription sends while none is stored: set it for creating "
        "or replacing the subscription (docs/deploy.md). Empty: never. The token comes unsigned, so "
        "outside this window nobody can store one that events would then be checked against.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = setting(
        "INFO", description="Minimum log severity."
    )

    def verification_open_until(self) -> datetime | None:
        """``webhook_verification_until`` as a time (checked when the settings were read)."""
        return _instant(self.webhook_verification_until)

    def signup_allowlist(self) -> tuple[frozenset[str], frozenset[str]]:
        """The workspace ids (without hyphens) and the email domains the allowlist admits, lower case."""
        workspaces = frozenset(e.replace("-", "") for e in _entries(self.signup_workspace_ids))
        return workspaces, frozenset(_entries(self.signup_email_domains))

    def target_url(self, target: Target) -> str:
        """The URL at which a task-triggered function receives its tasks."""
        urls = {
            Target.PLAN: self.plan_url,
            Target.EXECUTE_STEP: self.execute_step_url,
            Target.DEPLOY: self.deploy_url,
            Target.NOTIFY: self.notify_url,
            Target.API: self.api_url,
        }
        return urls[target]

    def queue_path(self, queue: Queue) -> str:
        return f"projects/{self.gcp_project}/locations/{self.region}/queues/{queue.value}"

    def __init__(self, **values: Any) -> None:
        """Every field checked (and coerced: "12" → 12.0 for a float), then, when every field is
        valid, the rules between them (:func:`_disagreements`); a bad value is a ConfigError naming
        the variable(s) and the problem, never echoing the value."""
        unknown = sorted(set(values) - set(_FIELDS))
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
        problems: list[str] = []
        for name, (annotation, spec) in _FIELDS.items():
            raw = values[name] if name in values else _default(spec)
            try:
                value = _check(annotation, raw)
            except ValueError as exc:
                problems.append(f"{env_name(name)}: {exc}")
                continue
            problem = _bounded(value, spec) if isinstance(value, (int, float)) else None
            if problem:
                problems.append(f"{env_name(name)}: {problem}")
            object.__setattr__(self, name, value)
        if not problems:
            problems = _disagreements(self)
        if problems:
            raise ConfigError("invalid settings: " + "; ".join(problems))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"settings are immutable; use replace({name}=...)")

    def replace(self, **changes: Any) -> "Settings":
        """A copy with ``changes`` applied (checked like any construction)."""
        return Settings(**({name: getattr(self, name) for name in _FIELDS} | changes))

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "Settings":
        """Settings from ``NA_<FIELD>`` variables; structured fields (dicts) are JSON."""
        values: dict[str, Any] = {}
        for name, (annotation, _) in _FIELDS.items():
            raw = environ.get(env_name(name))
            if raw is None:
                continue
            if get_origin(annotation) in (dict, list, tuple):
                try:
                    values[name] = json.loads(raw)
                except ValueError as exc:
                    raise ConfigError(f"{env_name(name)} must be JSON") from exc
            else:
                values[name] = raw
        return cls(**values)


def _default(spec: Setting) -> Any:
    return dict(spec.default) if isinstance(spec.default, dict) else spec.default  # never shared


# name → (type, declaration), in declaration order; the class attributes become the defaults.
_FIELDS: dict[str, tuple[Any, Setting]] = {
    name: (annotation, vars(Settings)[name])
    for name, annotation in Settings.__annotations__.items()
    if isinstance(vars(Settings).get(name), Setting)
}


def env_name(name: str) -> str:
    """The environment variable of the setting ``name``."""
    return f"{ENV_PREFIX}{name.upper()}"


# What a deployment (NA_PROFILE=production) must choose where the local stack chooses otherwise.
# How old (by its timestamp) a signed webhook event may be: older ones are a replay or later than
# Notion retries, and are dropped (shared.services.webhooks; docs/decisions/0005-webhook-event-age.md).
WEBHOOK_EVENT_MAX_AGE_S = 3 * 24 * 3600.0
_PRODUCTION_CHOICES = {
    "secrets_backend": "secret-manager",
    "model_backend": "vertex",
    "notifier_backend": "live",
}
# Set only by the local stack and tests; a deployment leaves them empty.
_LOCAL_ONLY = {
    "firestore_emulator_host": "a deployment never talks to an emulator",
    "tasks_emulator_host": "a deployment never talks to an emulator",
    "model_base_url": "Google's endpoint; a loopback stub is for tests",
}
_TIMEOUTS = ("notion_timeout_s", "code_timeout_s", "slack_timeout_s", "smtp_timeout_s")
_MIN_RUN_RATE_PER_MIN = 0.1  # one run every 10 min: 1,000 waiting runs are planned within 7 days


_WORKSPACE_ID = re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DOMAIN = re.compile(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]")


def _entries(value: str) -> list[str]:
    """The entries of a comma-separated setting, trimmed and lower case, empty ones left out."""
    return [entry.strip().lower() for entry in value.split(",") if entry.strip()]


def _instant(value: str) -> datetime | None:
    """An RFC 3339 time with its offset; None for ""; ValueError for anything else."""
    if not value:
        return None
    at = datetime.fromisoformat(value)
    if at.tzinfo is None:
        raise ValueError("no offset")
    return at


def _disagreements(s: Settings) -> list[str]:
    """The rules between settings, and those of one setting that ge/gt/le cannot say: each broken
    one as a problem naming the variables and what to set, never their values."""
    problems: list[str] = []
    try:
        _instant(s.webhook_verification_until)
    except ValueError:
        problems.append(
            "NA_WEBHOOK_VERIFICATION_UNTIL: must be empty or a time with its offset, such as "
            "2026-11-22T15:00:00Z"
        )
    if s.webhook_event_ttl_s < WEBHOOK_EVENT_MAX_AGE_S + 24 * 3600:
        problems.append(
            f"NA_WEBHOOK_EVENT_TTL_S: must be at least {WEBHOOK_EVENT_MAX_AGE_S + 24 * 3600:.0f} (the "
            "age a webhook event may have, and a day): a replay of an older event than the ledger "
            "remembers would be taken as new"
        )
    if s.webhook_run_rate_per_min and s.webhook_run_rate_per_min < _MIN_RUN_RATE_PER_MIN:
        problems.append(
            f"NA_WEBHOOK_RUN_RATE_PER_MIN: must be 0 (no limit) or at least {_MIN_RUN_RATE_PER_MIN} "
            "(a slower pace keeps a bulk edit's runs waiting for weeks)"
        )
    if any(price < 0 for prices in s.model_prices.values() for price in prices):
        problems.append("NA_MODEL_PRICES: prices must not be negative")
    if s.model_backend == "vertex" and not {s.model_plan, s.model_draft} <= set(s.model_prices):
        problems.append(
            "NA_MODEL_PRICES: must price NA_MODEL_PLAN and NA_MODEL_DRAFT when NA_MODEL_BACKEND=vertex "
            "(a model without a price costs 0, so no budget would ever stop it)"
        )
    problems += _signup_problems(s)
    if s.smtp_host:
        if "@" not in s.smtp_sender:
            problems.append(
                "NA_SMTP_SENDER: must hold the From address (e.g. 'Notion Agent <agent@example.com>') "
                "when NA_SMTP_HOST is set"
            )
        if (s.smtp_port == 465 and s.smtp_security != "tls") or (
            s.smtp_port == 587 and s.smtp_security == "tls"
        ):
            problems.append(
                "NA_SMTP_SECURITY: disagrees with NA_SMTP_PORT: port 465 speaks TLS from the start "
                "(set NA_SMTP_SECURITY=tls), port 587 takes STARTTLS (set NA_SMTP_SECURITY=starttls)"
            )
    if s.profile == "production":
        problems += _production_problems(s)
    return problems


def _signup_problems(s: Settings) -> list[str]:
    """The sign-up allowlist's entries are checked when read, so a typo is told at deployment rather
    than admitting nobody (or, for a domain, the wrong people). Entries are named by position."""
    problems = [
        f"NA_SIGNUP_WORKSPACE_IDS: entry {n} is not a Notion workspace id (a UUID)"
        for n, entry in enumerate(_entries(s.signup_workspace_ids), 1)
        if not _WORKSPACE_ID.fullmatch(entry)
    ]
    problems += [
        f"NA_SIGNUP_EMAIL_DOMAINS: entry {n} is not a domain such as example.com"
        for n, entry in enumerate(_entries(s.signup_email_domains), 1)
        if not _DOMAIN.fullmatch(entry)
    ]
    if s.signup_policy == "allowlist" and not (
        _entries(s.signup_workspace_ids) or _entries(s.signup_email_domains)
    ):
        problems.append(
            "NA_SIGNUP_POLICY: allowlist needs NA_SIGNUP_WORKSPACE_IDS or NA_SIGNUP_EMAIL_DOMAINS (an "
            "empty allowlist admits nobody)"
        )
    return problems


def _production_problems(s: Settings) -> list[str]:
    """A deployment refuses the local stack's choices (and the shortcuts tests take)."""
    problems = [
        f"{env_name(name)}: must be {wanted} when NA_PROFILE=production (the other choice is the "
        "local stack's)"
        for name, wanted in _PRODUCTION_CHOICES.items()
        if getattr(s, name) != wanted
    ]
    problems += [
        f"{env_name(name)}: must be empty when NA_PROFILE=production ({why})"
        for name, why in _LOCAL_ONLY.items()
        if getattr(s, name)
    ]
    if s.smtp_security == "none":
        problems.append(
            "NA_SMTP_SECURITY: must be starttls or tls when NA_PROFILE=production (none sends the "
            "password in clear, to the local stack's loopback relay only)"
        )
    if not s.tasks_service_account:
        problems.append(
            "NA_TASKS_SERVICE_ACCOUNT: must be set when NA_PROFILE=production (the private functions "
            "accept only tasks carrying its OIDC token)"
        )
    problems += [
        f"{env_name(name)}: must be an https:// URL when NA_PROFILE=production"
        for name in _FIELDS
        if name.endswith("_url") and name not in _LOCAL_ONLY and not getattr(s, name).startswith("https://")
    ]
    if s.sweep_stall_s <= s.step_lease_s:
        problems.append(
            "NA_SWEEP_STALL_S: must be greater than NA_STEP_LEASE_S when NA_PROFILE=production (the "
            "sweeper must not re-enqueue a step that may still be acting)"
        )
    if any(s.step_lease_s <= getattr(s, name) for name in _TIMEOUTS):
        problems.append(
            "NA_STEP_LEASE_S: must be greater than "
            + ", ".join(env_name(name) for name in _TIMEOUTS)
            + " when NA_PROFILE=production (a step's intent must outlive its requests)"
        )
    return problems


def _bound_text(bound: float) -> str:
    return f"{bound:.0f}" if float(bound).is_integer() else f"{bound:g}"


def _range(spec: Setting) -> str:
    """The bounds of a setting as docs/settings.md says them ("" when it has none)."""
    if spec.ge is not None and spec.le is not None:
        return f"{_bound_text(spec.ge)} to {_bound_text(spec.le)}"
    parts = [
        f"{words} {_bound_text(bound)}"
        for words, bound in (("at least", spec.ge), ("more than", spec.gt), ("at most", spec.le))
        if bound is not None
    ]
    return ", ".join(parts)


def documented() -> list[tuple[str, Any, str]]:
    """(variable, default, meaning) of every setting, in declaration order (docs/settings.md); the
    meaning ends with the setting's bounds, if any."""
    rows = []
    for name, (_, spec) in _FIELDS.items():
        bounds = _range(spec)
        meaning = f"{spec.description} Range: {bounds}." if bounds else spec.description
        rows.append((env_name(name), spec.default, meaning))
    return rows


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this instance, read once on first use (never at import time)."""
    return Settings.from_env(os.environ)
