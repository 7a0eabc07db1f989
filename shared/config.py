"""Typed settings, read from the environment (prefix ``NA_``) by pydantic-settings; the local profile
is the default. Every field is listed with its meaning and bounds in docs/settings.md (generated
from the fields here, :func:`documented`). Terraform sets production values as each function's
environment; nothing here reads a secret, only secret names. A bad value is a ConfigError naming the
variable and saying what to set, never echoing the value; the rules between settings are in
:func:`_disagreements` (docs/decisions/0056-settings-read-by-pydantic-settings.md).
"""

import os
import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, Literal, NamedTuple, get_args, get_origin

from annotated_types import Ge, Gt, Le
from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)
from pydantic_settings.sources.utils import parse_env_vars

from shared.errors import ConfigError
from shared.topology import Queue, Target

ENV_PREFIX = "NA_"


class PlatformSecret(StrEnum):
    """Platform secrets in Secret Manager (per-tenant token secrets are created at run time)."""

    NOTION_CLIENT_ID = "notion-client-id"
    NOTION_CLIENT_SECRET = "notion-client-secret"
    NOTION_WEBHOOK_TOKEN = "notion-webhook-verification-token"
    SESSION_SIGNING_KEY = "session-signing-key"
    SMTP_PASSWORD = "smtp-password"  # the mail relay's, for email notifications (notify)


def _thinking(default: int, of: str) -> Any:
    """The setting of a kind of model call's thinking budget (``Settings.model_thinking_*``)."""
    return Field(
        default,
        ge=0,
        le=32768,
        description=f"Thinking budget in tokens of {of}, billed as output tokens (0: no thinking, "
        "which not every model allows).",
    )


class Settings(BaseSettings):
    """Everything that differs between the local stack and a deployment. Immutable: see ``replace``.

    ``Settings(**values)`` checks values given in code and reads no environment;
    :meth:`from_env` reads ``NA_<FIELD>`` variables (structured fields as JSON).
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="forbid",
        allow_inf_nan=False,
        defer_build=True,  # the schema is built by the first Settings, not by importing this module
    )

    profile: Literal["local", "production"] = Field(
        "local",
        description="Which adapters to build. production refuses the local stack's choices: local "
        "secrets, offline model, outbox, an emulator or model stub, plain-text SMTP, a URL not https://.",
    )
    gcp_project: str = Field("notion-agent-local", description="Google Cloud project id.")
    region: str = Field("europe-west1", description="Region of the functions and queues.")
    firestore_database: str = Field("(default)", description="Firestore database id.")
    firestore_emulator_host: str = Field(
        "", description="host:port of the Firestore emulator; empty in production."
    )
    tasks_emulator_host: str = Field(
        "", description="host:port of the local Cloud Tasks emulator; empty in production."
    )
    tasks_service_account: str = Field(
        "",
        description="Service account whose OIDC token Cloud Tasks sends to the target functions "
        "(required in production).",
    )
    plan_url: str = Field("http://127.0.0.1:8081", description="HTTPS URL of the plan function.")
    execute_step_url: str = Field("http://127.0.0.1:8082", description="URL of execute-step.")
    deploy_url: str = Field("http://127.0.0.1:8083", description="URL of the deploy function.")
    notify_url: str = Field("http://127.0.0.1:8084", description="URL of the notify function.")
    api_url: str = Field("http://127.0.0.1:8085", description="Public URL of the api function.")
    secrets_backend: Literal["local", "secret-manager"] = Field(
        "local", description="local: a JSON file of secrets; secret-manager: Google Secret Manager."
    )
    local_secrets_file: str = Field(
        ".local/secrets.json", description="The local secrets file (local backend only)."
    )
    secret_cache_ttl_s: float = Field(
        300.0,
        ge=0,
        le=3600,
        description="How long a secret value is cached per instance (0: read every time); a secret "
        "rotated in Secret Manager reaches every instance within this time.",
    )
    model_backend: Literal["offline", "vertex"] = Field(
        "offline", description="offline: deterministic local model; vertex: Gemini on Vertex AI."
    )
    model_location: str = Field("global", description="Vertex AI location for model calls.")
    model_plan: str = Field(
        "gemini-3.5-flash-lite", description="Model for planning and classification (fast, cheap)."
    )
    model_draft: str = Field("gemini-3.5-flash", description="Model for drafting text and code (strong).")
    model_embed: str = Field(
        "gemini-embedding-001",
        description="Vertex AI embedding model of the workspace index (768 values asked of it); the "
        "offline backend embeds with a local model instead (decision 0065).",
    )
    workspace_index: bool = Field(
        False,
        description="Keep and use the workspace index (docs/memory.md): chosen pages' events queue index "
        "tasks, daily planning queues a reconcile, the planner's context gets passages. Off: none of "
        "these; search_workspace finds what is indexed already.",
    )
    model_base_url: str = Field(
        "", description="Vertex AI endpoint override (a loopback stub in tests; empty: Google's default)."
    )
    model_timeout_s: float = Field(
        120.0,
        ge=5,
        le=280,
        description="Timeout of one model call (a thinking model drafting code takes minutes); one "
        "that runs out is a transient error, retried. Below plan's function timeout (300 s).",
    )
    model_prices: dict[str, tuple[float, float]] = Field(
        {
            "gemini-3.5-flash-lite": (0.30, 2.50),
            "gemini-3.5-flash": (1.50, 9.00),
            "gemini-embedding-001": (0.15, 0.0),
            "offline": (0.0, 0.0),
        },
        description="USD per million (input, output) tokens by model name, not negative; JSON in the "
        "environment. With the vertex backend it must price NA_MODEL_PLAN and NA_MODEL_DRAFT (and should price "
        "NA_MODEL_EMBED).",
    )
    # Thinking tokens a call may spend before it answers, by what it is for (google-genai's
    # ThinkingConfig(thinking_budget=...)); Vertex AI bills them as output tokens, and each call's
    # cost counts them (usage_metadata.thoughts_token_count). The model may go a little past it.
    model_thinking_plan: int = _thinking(1024, "a planning call, and of a repair of a step's arguments")
    model_thinking_draft: int = _thinking(4096, "a drafting call (text and code)")
    model_thinking_review: int = _thinking(1024, "a reviewer pass over a step's effect")
    model_thinking_answer: int = _thinking(512, "an Ask answer from the workspace index")
    run_max_steps: int = Field(
        50, ge=2, le=500, description="Most steps a run may have (plan plus execution)."
    )
    run_max_replans: int = Field(
        3,
        ge=0,
        le=10,
        description="Phases a run may plan after its first, each from what it read (plan_next); one "
        "more stops the run, saying so. Each phase's model call counts against the run's budget.",
    )
    handoff_max_depth: int = Field(
        3,
        ge=1,
        le=10,
        description="Most hand-offs in a chain from the run a person or trigger started (hand_off); "
        "one more, or one back to an agent already in the chain, is refused.",
    )
    fan_in_wait_s: float = Field(
        30.0,
        ge=0.5,
        le=3600,
        description="How long a fan_in waits before it looks at its children again, unless a child's "
        "end wakes it first (a scheduled task: nothing sleeps).",
    )
    fan_out_max_running: int = Field(
        3,
        ge=1,
        le=200,
        description="Most children of one map_rows running at once; the rest start as earlier ones "
        "end. Their Notion requests share the workspace's pace (notion_rate_per_s): more children than "
        "its requests a second wait for turns, and each step put back costs Firestore operations.",
    )
    run_loop_limit: int = Field(
        3,
        ge=2,
        le=20,
        description="The same tool with the same arguments this many times in a row → ask a human.",
    )
    run_max_consecutive_errors: int = Field(
        3, ge=1, le=20, description="Model-fixable errors in a row before the run asks a human."
    )
    plan_max_reasks: int = Field(
        2,
        ge=0,
        le=5,
        description="Re-asks of the model after an invalid plan (each a paid call within plan's timeout).",
    )
    step_lease_s: float = Field(
        120.0,
        gt=0,
        le=3600,
        description="How long a step's recorded intent excludes other deliveries (> any effect; in "
        "production also > every request timeout, and below NA_SWEEP_STALL_S).",
    )
    step_retry_inline_s: float = Field(
        10.0,
        ge=0,
        le=60,
        description="A transient error with a longer Retry-After is recorded and the step re-enqueued "
        "with that delay; shorter ones are retried by the queue's own backoff (HTTP 503).",
    )
    sweep_stall_s: float = Field(
        600.0,
        ge=0,
        le=86400,
        description="A running run not updated for this long is re-enqueued (in production: longer than "
        "NA_STEP_LEASE_S).",
    )
    schedule_page_size: int = Field(
        100,
        ge=1,
        le=1000,
        description="Active tenants read per daily-planning call (POST /schedule on plan); a full page "
        "enqueues a continuation for the next one, so one call reads and enqueues at most this many.",
    )
    # The budgets' caps are the largest an owner may choose (shared.domain.settings.MAX_BUDGET_USD).
    default_run_budget_usd: float = Field(
        1.0, ge=0, le=100, description="Run budget a new workspace starts with (and one without a tenant)."
    )
    default_day_budget_usd: float = Field(
        5.0, ge=0, le=500, description="Daily budget a new workspace starts with (its owner may change it)."
    )
    default_month_budget_usd: float = Field(
        50.0,
        ge=0,
        le=5000,
        description="Monthly budget a new workspace starts with (its owner may change it).",
    )
    spend_cap_day_usd: float = Field(
        100.0,
        ge=0,
        le=1_000_000,
        description="Most the deployment spends on models in a UTC day, all workspaces together: a model "
        "call that would go past it is refused (each reserves NA_MODEL_CALL_RESERVE_USD first); 0 "
        "stops every model call.",
    )
    model_call_reserve_usd: float = Field(
        0.10,
        gt=0,
        le=10,
        description="What a model call reserves before it is made, of its run's budget, the workspace's "
        "day and month budgets and NA_SPEND_CAP_DAY_USD, replaced by its cost once paid: at least the "
        "cost of one call (its thinking budget included), so calls together never pass a budget.",
    )
    signup_policy: Literal["open", "allowlist", "invite"] = Field(
        "open",
        description="Who may connect a new workspace: open, anyone; allowlist, a workspace in "
        "NA_SIGNUP_WORKSPACE_IDS or an owner whose email's domain is in NA_SIGNUP_EMAIL_DOMAINS; invite, "
        "whoever brings an invite code (make invite). A workspace already connected may reconnect under "
        "open and invite.",
    )
    signup_workspace_ids: str = Field(
        "", description="Comma-separated Notion workspace ids the allowlist admits."
    )
    signup_email_domains: str = Field(
        "",
        description="Comma-separated email domains (e.g. example.com) the allowlist admits: the domain of "
        "the email Notion gives for the person connecting, exactly (no subdomains).",
    )
    spend_cache_ttl_s: float = Field(
        60.0,
        ge=0,
        le=600,
        description="How long an instance reuses a tenant's summed spend, and its budgets for a "
        "model call they let go ahead, before re-reading them (a stop always re-reads the budgets).",
    )
    approval_link_ttl_s: float = Field(
        3 * 24 * 3600.0, ge=3600, le=30 * 24 * 3600, description="Lifetime of approve/reject links."
    )
    notifier_backend: Literal["outbox", "live"] = Field(
        "outbox", description="outbox: write notifications to a local directory; live: send them."
    )
    outbox_dir: str = Field(".local/outbox", description="Directory of the local outbox.")
    notion_api_base_url: str = Field("https://api.notion.com", description="Base URL of Notion's API.")
    frontend_url: str = Field("http://127.0.0.1:3000", description="Where the browser is sent after connect.")
    oauth_callback_url: str = Field(
        "http://127.0.0.1:8080",
        description="Public URL of the oauth-callback function: the redirect_uri registered with Notion.",
    )
    connect_cookie_samesite: Literal["Lax", "Strict", "None"] = Field(
        "Lax",
        description="SameSite of the connect nonce cookie; None (sent only over HTTPS) when the frontend "
        "calls GET /connect cross-site.",
    )
    notion_timeout_s: float = Field(20.0, ge=1, le=120, description="Timeout of one Notion API request.")
    github_api_base_url: str = Field(
        "https://api.github.com", description="Base URL of GitHub's REST API (pull requests, by deploy)."
    )
    vercel_api_base_url: str = Field(
        "https://api.vercel.com", description="Base URL of Vercel's REST API (deployments, by deploy)."
    )
    code_timeout_s: float = Field(
        30.0, ge=1, le=120, description="Timeout of one GitHub or Vercel API request."
    )
    slack_api_base_url: str = Field(
        "https://slack.com/api", description="Base URL of Slack's Web API (notifications, by notify)."
    )
    slack_timeout_s: float = Field(
        15.0, ge=1, le=120, description="Timeout of one Slack or Discord API request."
    )
    discord_api_base_url: str = Field(
        "https://discord.com/api/v10",
        description="Base URL of Discord's API (incoming webhooks: notifications, by notify).",
    )
    smtp_host: str = Field(
        "",
        description="The SMTP relay of email notifications (SendGrid, Mailgun, Amazon SES, Google "
        "Workspace, ...); empty: no email. Its password is the platform secret smtp-password.",
    )
    smtp_port: int = Field(587, ge=1, le=65535, description="The SMTP relay's port.")
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        "starttls",
        description="starttls: STARTTLS is required (port 587); tls: TLS from the start (port 465); "
        "none: plain text, only to a loopback relay (the local stack; never in production).",
    )
    smtp_username: str = Field("", description="The SMTP relay's user name (empty: no AUTH).")
    smtp_sender: str = Field(
        "",
        description="The From of email notifications, e.g. 'Notion Agent <agent@example.com>' (needed "
        "with NA_SMTP_HOST); its domain names every Message-ID.",
    )
    smtp_timeout_s: float = Field(15.0, ge=1, le=120, description="Timeout of one SMTP connection's steps.")
    notion_max_inline_wait_s: float = Field(
        1.0,
        ge=0,
        le=10,
        description="Longest Retry-After the Notion adapter waits inside a function (once); a longer "
        "wait is raised as TransientError(retry_after_s) for a task scheduled later.",
    )
    notion_rate_per_s: float = Field(
        3.0,
        ge=0.5,
        description="Average Notion requests per second per workspace connection, paced within an "
        "instance (Notion's limit is three); a request whose turn is further away than "
        "NA_NOTION_MAX_INLINE_WAIT_S (and one interval of the pace, which it may always wait) is "
        "rescheduled as a later task.",
    )
    notion_burst: int = Field(
        3, ge=1, description="Notion requests per connection that may go at once before pacing applies."
    )
    api_person_per_min: float = Field(
        120.0,
        ge=1,
        description="Api requests a minute one person may make (their sessions and keys together), "
        "counted across every api instance in windows of NA_API_BURST requests; beyond it a 429 "
        "with Retry-After.",
    )
    api_key_per_min: float = Field(
        60.0,
        ge=1,
        description="Api requests a minute one API key may make, within its person's; beyond it a 429 "
        "with Retry-After.",
    )
    api_burst: int = Field(
        20,
        ge=1,
        description="Api requests a person or a key may make in one window (of NA_API_BURST / the "
        "pace a minute); the next window starts a fresh count.",
    )
    webhook_max_body_bytes: int = Field(
        256 * 1024,
        ge=4096,
        le=1024 * 1024,
        description="Largest notion-webhook body accepted (larger: 413, never read whole).",
    )
    tenant_routing_cache_s: float = Field(
        5.0,
        ge=0,
        le=300,
        description="How long an instance reuses a workspace → tenant lookup on the webhook path; a "
        "revoke or filter change made elsewhere takes effect within this time (0: always read).",
    )
    webhook_event_ttl_s: float = Field(
        7 * 24 * 3600.0,
        ge=3600,
        le=30 * 24 * 3600,
        description="How long a webhook event id is remembered for de-duplication; within it, a repeat "
        "of an event whose plan task was never created (the queue failed) is enqueued again, and any "
        "other repeat does nothing.",
    )
    plan_max_attempts: int = Field(
        12,
        ge=1,
        le=100,
        description="The plan queue's max_attempts (terraform/tasks.tf): on the last attempt a trigger "
        "whose planning still fails transiently is recorded as a failed run saying why, instead of "
        "being deleted by the queue with nothing recorded.",
    )
    webhook_coalesce_s: float = Field(
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
    webhook_run_rate_per_min: float = Field(
        6.0,
        ge=0,
        description="Runs a workspace's Notion events may start per minute once its burst is spent; "
        "the others are planned later, one every 60/rate seconds in the order they came, so an import "
        "or a bulk edit neither starts hundreds of runs at once nor holds up other workspaces' "
        "planning (0: no limit; otherwise at least 0.1). API, daily and replanned runs are not limited.",
    )
    webhook_run_burst: int = Field(
        10, ge=1, description="Runs a workspace's Notion events may start at once before the rate applies."
    )
    webhook_verification_until: str = Field(
        "",
        description="Until when (RFC 3339 with its offset, e.g. 2026-11-22T15:00:00Z) notion-webhook "
        "stores the verification token a subscription sends while none is stored: set it for creating "
        "or replacing the subscription (docs/deploy.md). Empty: never. The token comes unsigned, so "
        "outside this window nobody can store one that events would then be checked against.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field(
        "INFO", description="Minimum log severity."
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        """A number setting refuses true/false (pydantic would read them as 1 and 0)."""
        if isinstance(value, bool) and info.field_name is not None:
            kind = cls.model_fields[info.field_name].annotation
            if kind in (int, float):
                raise ValueError(_SHAPES[kind])
        return value

    @model_validator(mode="after")
    def _agree(self) -> "Settings":
        """The rules between settings, once every field is valid (a ConfigError listing each)."""
        problems = _disagreements(self)
        if problems:
            raise ConfigError("invalid settings: " + "; ".join(problems))
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Only the values given: the environment is read by :meth:`from_env`, never implicitly."""
        return (init_settings,)

    def __init__(self, **values: Any) -> None:
        """Every field checked (and coerced: "12" → 12.0 for a float), then, when every field is
        valid, the rules between them (:func:`_disagreements`); a bad value is a ConfigError naming
        the variable(s) and the problem, never echoing the value."""
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigError("invalid settings: " + "; ".join(_problems(exc))) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"settings are immutable; use replace({name}=...)")

    def replace(self, **changes: Any) -> "Settings":
        """A copy with ``changes`` applied (checked like any construction)."""
        return Settings(**(dict(self) | changes))

    def thinking_budgets(self) -> dict[str, int]:
        """The thinking budget of each kind of model call (``model_thinking_*``), by kind."""
        kinds = ("plan", "draft", "review", "answer")
        return {kind: int(getattr(self, f"model_thinking_{kind}")) for kind in kinds}

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> "Settings":
        """Settings from the ``NA_<FIELD>`` variables of ``environ`` (pydantic-settings' environment
        source; structured fields are JSON); other variables are ignored."""
        try:
            values = _Environment(cls, environ)()
        except SettingsError as exc:
            field = re.search(r'field "(\w+)"', str(exc))
            named = env_name(field.group(1)) if field else "a structured setting"
            raise ConfigError(f"{named} must be JSON") from None
        return cls(**values)

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


class _Environment(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping instead of ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = dict(environ)
        super().__init__(settings_cls, case_sensitive=False, env_prefix=ENV_PREFIX)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, False, False, None)


_SHAPES: dict[Any, str] = {str: "must be a string", int: "must be a whole number", float: "must be a number"}
_NUMBER_ERRORS = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "string_type": "must be a string",
    "dict_type": "must be a JSON object",
}


def _problem(error: Any) -> str:
    """One of pydantic's errors as a person reads it: the variable, then what it must be."""
    name = str(error["loc"][0]) if error["loc"] else ""
    if error["type"] == "extra_forbidden":
        return f"unknown setting: {name}"
    kind = Settings.model_fields[name].annotation if name in Settings.model_fields else None
    ctx = error.get("ctx") or {}
    if error["type"] == "literal_error":
        text = "must be one of " + ", ".join(repr(choice) for choice in get_args(kind))
    elif error["type"] in ("greater_than_equal", "greater_than", "less_than_equal"):
        words = {
            "greater_than_equal": "at least",
            "greater_than": "greater than",
            "less_than_equal": "at most",
        }
        bound = next(iter(ctx.values()))
        text = f"must be {words[error['type']]} {bound}"
    elif error["type"] == "float_type" and isinstance(error.get("input"), int):
        text = "must be a finite number"  # a whole number beyond any float (JSON allows one)
    elif (
        error["type"] in ("missing", "too_short", "too_long", "tuple_type", "list_type")
        and len(error["loc"]) > 1
    ):
        text = f"must be a list of {_items(kind)} items"
    elif error["type"] == "value_error":
        text = str(ctx.get("error", "is not valid"))
    else:
        text = _NUMBER_ERRORS.get(error["type"], "is not valid")
    return f"{env_name(name)}: {text}"


def _items(kind: Any) -> int:
    """How many items the tuples inside a structured setting (``dict[str, tuple[...]]``) hold."""
    inner = get_args(kind)[-1] if get_origin(kind) is dict else kind
    return len(get_args(inner))


def _problems(exc: ValidationError) -> list[str]:
    """Every problem of ``exc`` once, in the fields' order; never the values."""
    return list(dict.fromkeys(_problem(error) for error in exc.errors(include_url=False)))


class Bounds(NamedTuple):
    """The numeric bounds of a setting (None: no such bound)."""

    ge: float | None = None
    gt: float | None = None
    le: float | None = None


def bounds(name: str) -> Bounds:
    """The bounds declared on the setting ``name`` (its ``Field(ge=, gt=, le=)``)."""
    found: dict[str, float] = {}
    for rule in Settings.model_fields[name].metadata:
        for cls, key in ((Ge, "ge"), (Gt, "gt"), (Le, "le")):
            if isinstance(rule, cls):
                found[key] = getattr(rule, key)
    return Bounds(**found)


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
        for name in Settings.model_fields
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


def _range(spec: Bounds) -> str:
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
    for name, field in Settings.model_fields.items():
        bounded, description = _range(bounds(name)), field.description or ""
        meaning = f"{description} Range: {bounded}." if bounded else description
        rows.append((env_name(name), field.default, meaning))
    return rows


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this instance, read once on first use (never at import time)."""
    return Settings.from_env(os.environ)
