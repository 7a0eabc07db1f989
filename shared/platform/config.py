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
from typing import Any, NamedTuple, get_args, get_origin

from annotated_types import Ge, Gt, Le
from pydantic import ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsError,
)
from pydantic_settings.sources.utils import parse_env_vars

from shared.platform.errors import ConfigError
from shared.platform.settings_fields import ENV_PREFIX, SettingsFields
from shared.platform.topology import Queue, Target


class PlatformSecret(StrEnum):
    """Platform secrets in Secret Manager (per-tenant token secrets are created at run time)."""

    NOTION_CLIENT_ID = "notion-client-id"
    NOTION_CLIENT_SECRET = "notion-client-secret"
    NOTION_WEBHOOK_TOKEN = "notion-webhook-verification-token"
    SESSION_SIGNING_KEY = "session-signing-key"
    SMTP_PASSWORD = "smtp-password"  # the mail relay's, for email notifications (notify)
    LINEAR_CLIENT_SECRET = "linear-oauth-client-secret"  # the sync's Linear OAuth app (api, plan)
    GITLAB_CLIENT_SECRET = "gitlab-oauth-client-secret"  # the sync's GitLab OAuth app (api, plan)
    SLACK_SIGNING_SECRET = "slack-signing-secret"  # the Slack app's, checking its events (api)
    SLACK_CLIENT_SECRET = "slack-client-secret"  # the Slack app's, exchanging an install's code (api)
    GOOGLE_OAUTH_CLIENT_SECRET = "google-oauth-client-secret"  # agents' mailboxes' refresh (api)


class Settings(SettingsFields):
    """Everything that differs between the local stack and a deployment. Immutable: see ``replace``.

    ``Settings(**values)`` checks values given in code and reads no environment;
    :meth:`from_env` reads ``NA_<FIELD>`` variables (structured fields as JSON).
    """

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
        """The thinking budget of each kind of model call (``model_thinking_*``; code: a draft's), by
        kind, and of each purpose with its own (``model_calls.THINKING``: replan, repair)."""
        kinds = ("plan", "draft", "review", "answer", "replan", "repair")
        budgets = {kind: int(getattr(self, f"model_thinking_{kind}")) for kind in kinds}
        return budgets | {"code": budgets["draft"]}  # a draft of code thinks as any draft

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

    def secret_replicas(self) -> tuple[str, ...]:
        """Where a secret the code creates keeps its replicas: NA_SECRET_LOCATIONS, else NA_REGION
        (terraform/secrets.tf's rule for the platform secrets)."""
        return self.secret_locations or (self.region,)


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
# Notion retries, and are dropped (shared.runs.services.notion_intake; docs/decisions/0005-webhook-event-age.md).
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
    "model_claude_base_url": "Google's endpoint; a loopback stand-in is for tests",
    "rerank_base_url": "Google's endpoint; a loopback stub is for tests",
    "mcp_allow_loopback": "an MCP server on loopback is the local stack's sandbox",
    "hooks_allow_loopback": "a webhook endpoint on loopback is the local stack's receiver",
}
_TIMEOUTS = ("notion_timeout_s", "code_timeout_s", "slack_timeout_s", "smtp_timeout_s", "gmail_timeout_s")
_MIN_RUN_RATE_PER_MIN = 0.1  # one run every 10 min: 1,000 waiting runs are planned within 7 days


_REGION = re.compile(r"[a-z]+-[a-z]+[0-9]+")  # a Google Cloud region, e.g. europe-west1
_MODEL_LOCATION = re.compile(rf"global|{_REGION.pattern}")
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
    if not _MODEL_LOCATION.fullmatch(s.model_location):
        problems.append("NA_MODEL_LOCATION: must be global or a Vertex AI region such as europe-west4")
    if not all(_REGION.fullmatch(loc) for loc in s.secret_locations) or len(set(s.secret_locations)) != len(
        s.secret_locations
    ):
        problems.append("NA_SECRET_LOCATIONS: must be distinct regions such as europe-west1")
    if any(price < 0 for prices in s.model_prices.values() for price in prices):
        problems.append("NA_MODEL_PRICES: prices must not be negative")
    if s.model_backend == "vertex" and not {s.model_plan, s.model_draft} <= set(s.model_prices):
        problems.append(
            "NA_MODEL_PRICES: must price NA_MODEL_PLAN and NA_MODEL_DRAFT when NA_MODEL_BACKEND=vertex "
            "(a model without a price costs 0, so no budget would ever stop it)"
        )
    problems += _route_problems(s)
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


def _route_problems(s: Settings) -> list[str]:
    """The Claude models' prices when calls may go to Claude."""
    problems = []
    claude = s.model_fallback or "claude" in s.model_routes.values()
    if (
        s.model_backend == "vertex"
        and claude
        and not {s.model_claude_plan, s.model_claude_draft} <= set(s.model_prices)
    ):
        problems.append(
            "NA_MODEL_PRICES: must price NA_MODEL_CLAUDE_PLAN and NA_MODEL_CLAUDE_DRAFT when calls may go "
            "to Claude (NA_MODEL_ROUTES names it, or NA_MODEL_FALLBACK is on)"
        )
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
